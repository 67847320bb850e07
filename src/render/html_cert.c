/* The chains of the HTML report as trees: the leaf on top, each certificate's
 * issuer nested under it down to the anchor, each with where it came from (sent
 * #k, --intermediates, AIA, the trust store) and its key facts; a dashed node for
 * an issuer that was not found; the verdict of the verification under the tree,
 * in the same words as the text report, and what was sent but not used. Without
 * a verification (nothing judged) the chain as sent, in order. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "html_int.h"

#define SANS_SHOWN 20

static void dd_open(struct tp_sb *o, const char *dt)
{
    tp_sb_printf(o, "<dt>%s</dt><dd>", dt);
}

static void sans(struct tp_sb *o, const struct tp_cert_info *ci)
{
    if (!ci->n_san)
        return;
    dd_open(o, "names");
    for (size_t k = 0; k < ci->n_san && k < SANS_SHOWN; k++) {
        tp_sb_printf(o, "%s%s", k ? ", " : "", ci->san[k].type == TP_SAN_OTHER ? "other:" : rc_san_prefix(ci->san[k].type));
        if (ci->san[k].value)
            rh_wire(o, ci->san[k].value, ci->san[k].value_len);
    }
    size_t total = ci->n_san_total > ci->n_san ? ci->n_san_total : ci->n_san;
    if (total > SANS_SHOWN)
        tp_sb_printf(o, " and %zu more", total - (ci->n_san < SANS_SHOWN ? ci->n_san : SANS_SHOWN));
    tp_sb_put(o, "</dd>");
}

static void validity(struct tp_sb *o, const struct tp_cert_info *ci, time_t now, const struct tp_render_opts *ro)
{
    dd_open(o, "valid");
    rs_put_date(o, ci->not_before);
    tp_sb_put(o, " to ");
    rs_put_date(o, ci->not_after);
    if (!ro->no_times) {
        long days = tp_cert_days_left(ci, now);
        if (now < ci->not_before)
            tp_sb_put(o, " \xc2\xb7 <span class=\"days bad\">not yet valid</span>");
        else if (days < 0)
            tp_sb_printf(o, " \xc2\xb7 <span class=\"days bad\">expired %ld days ago</span>", -days);
        else
            tp_sb_printf(o, " \xc2\xb7 <span class=\"days %s\">%ld days left</span>", days < 30 ? "warn" : "good", days);
    }
    tp_sb_put(o, "</dd>");
}

/* One certificate: its name, where it came from, and its key facts. */
static void cert(struct tp_sb *o, const struct tp_cert_info *ci, const char *src, time_t now,
                 const struct tp_render_opts *ro)
{
    bool bad = now < ci->not_before || now > ci->not_after;
    tp_sb_printf(o, "<div class=\"cert%s%s\" data-sha256=\"", bad ? " bad" : "", ci->is_ca ? " ca" : "");
    tp_sb_put_hex(o, ci->sha256, sizeof ci->sha256, 0);
    tp_sb_put(o, "\"><div class=\"ch\"><b>");
    rh_wire_str(o, ci->subject_cn ? ci->subject_cn : ci->subject ? ci->subject : "(no subject)");
    tp_sb_put(o, "</b> <span class=\"src\">");
    rh_str(o, src);
    tp_sb_printf(o, "%s%s</span></div>\n<dl>", ci->is_ca ? " \xc2\xb7 CA" : "",
                 ci->self_signed ? " \xc2\xb7 self-signed" : "");
    dd_open(o, "subject");
    rh_wire_str(o, ci->subject ? ci->subject : "(none)");
    tp_sb_put(o, "</dd>");
    dd_open(o, "issuer");
    rh_wire_str(o, ci->issuer ? ci->issuer : "(none)");
    tp_sb_put(o, "</dd>");
    validity(o, ci, now, ro);
    sans(o, ci);
    dd_open(o, "key");
    rh_str(o, ci->key_desc[0] ? ci->key_desc : "?");
    tp_sb_put(o, "</dd>");
    dd_open(o, "signature");
    rh_str(o, ci->sig_alg[0] ? ci->sig_alg : "?");
    tp_sb_printf(o, "%s</dd>", ci->sig_weak ? " <span class=\"days bad\">(weak)</span>" : "");
    dd_open(o, "SHA-256");
    tp_sb_put(o, "<code>");
    tp_sb_put_hex(o, ci->sha256, sizeof ci->sha256, 0);
    tp_sb_put(o, "</code></dd></dl></div>\n");
}

/* A node for bytes that are not a certificate, or an issuer not found. */
static void odd_node(struct tp_sb *o, const char *what, const char *detail)
{
    tp_sb_put(o, "<div class=\"cert missing\"><div class=\"ch\"><b>");
    rh_str(o, what);
    tp_sb_put(o, "</b></div>");
    if (detail && detail[0]) {
        tp_sb_put(o, "<dl><dt>subject</dt><dd>");
        rh_wire_str(o, detail);
        tp_sb_put(o, "</dd></dl>");
    }
    tp_sb_put(o, "</div>\n");
}

static const char *src_words(const struct tp_path_elem *pe, char *buf, size_t n)
{
    switch (pe->src) {
    case TP_FROM_SENT: snprintf(buf, n, "sent #%d", pe->sent_index); break;
    case TP_FROM_INTERMEDIATES: snprintf(buf, n, "from --intermediates"); break;
    case TP_FROM_AIA: snprintf(buf, n, "fetched via AIA"); break;
    case TP_FROM_STORE: snprintf(buf, n, "trust store"); break;
    }
    return buf;
}

/* The path found, leaf first, each issuer nested in the node it issued. */
static void path_tree(struct tp_sb *o, const struct tp_verify_result *v, time_t now, const struct tp_render_opts *ro)
{
    bool missing = v->missing_issuer[0] && v->status != TP_PATH_OK;
    size_t n = v->path_len + (missing ? 1 : 0);
    char src[48];
    tp_sb_put(o, "<ul class=\"tree\">");
    for (size_t i = 0; i < n; i++) {
        tp_sb_put(o, "<li>");
        if (i >= v->path_len)
            odd_node(o, "issuer not found (not sent, not in the trust store)", v->missing_issuer);
        else if (v->path[i].cert)
            cert(o, v->path[i].cert, src_words(&v->path[i], src, sizeof src), now, ro);
        else
            odd_node(o, "a certificate that could not be read", NULL);
        if (i + 1 < n)
            tp_sb_put(o, "<p class=\"by\">\xe2\x86\xb3 issued by</p><ul>");
    }
    for (size_t i = n; i-- > 0;)
        tp_sb_put(o, i + 1 < n ? "</ul></li>" : "</li>");
    tp_sb_put(o, "</ul>\n");
}

/* No verification: the chain in the order it was sent. */
static void sent_list(struct tp_sb *o, const struct tp_chain *c, const int *which, size_t n, time_t now,
                      const struct tp_render_opts *ro)
{
    char src[48];
    tp_sb_put(o, "<ul class=\"tree\">");
    for (size_t k = 0; k < n; k++) {
        size_t i = which ? (size_t)which[k] : k;
        if (i >= c->n)
            continue;
        snprintf(src, sizeof src, "sent #%zu", i);
        tp_sb_put(o, "<li>");
        if (c->info[i])
            cert(o, c->info[i], src, now, ro);
        else
            odd_node(o, "bytes that do not parse as a certificate", NULL);
        tp_sb_put(o, "</li>");
    }
    tp_sb_put(o, "</ul>\n");
}

/* The verdict in the text report's words ("path ok, but not valid: ..."). */
static void verdict(struct tp_sb *o, const struct tp_verify_result *v, const char *cert_errors)
{
    bool ok = v->status == TP_PATH_OK;
    const char *why = ok && cert_errors && cert_errors[0] ? cert_errors : ok && !v->valid ? v->reject_id : "";
    tp_sb_printf(o, "<p class=\"verdict %s\"><b>Verification:</b> ", ok && !why[0] ? "good" : "bad");
    if (why[0]) {
        tp_sb_put(o, "path ok, but not valid: ");
        rh_str(o, why);
    } else {
        rh_str(o, rn_path_status(v->status));
    }
    tp_sb_put(o, "</p>\n");
    if (v->name_status != TP_NAME_NOT_CHECKED) {
        tp_sb_put(o, "<p>Name <code>");
        rh_wire_str(o, v->name);
        tp_sb_printf(o, "</code>: %s</p>\n", v->name_status == TP_NAME_OK ? "covered by the SAN"
                                            : v->name_status == TP_NAME_OK_CN_ONLY ? "only in the Common Name (no SAN)"
                                                                                    : "not covered");
    }
    for (size_t i = 0; i < v->n_tried; i++) {
        tp_sb_put(o, "<p class=\"mute\">Also tried: ");
        rh_wire_str(o, v->tried[i].text);
        tp_sb_put(o, "</p>\n");
    }
    if (v->store_desc[0]) {
        tp_sb_put(o, "<p class=\"mute\">Trust store: ");
        rh_wire_str(o, v->store_desc);
        tp_sb_put(o, "</p>\n");
    }
}

static bool chain_block(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro,
                        const struct tp_chain *c, const struct tp_verify_result *v, bool client_chain)
{
    if (!c->present && !v)
        return false;
    bool ours = client_chain ? s->source == TP_SRC_CONNECT : s->source == TP_SRC_LISTEN;
    if (ours)
        tp_sb_printf(o, "<h4>Certificates we sent (%zu)</h4>\n", c->n_total);
    else
        tp_sb_printf(o, "<h4>Certificates sent by the %s (%zu)</h4>\n", client_chain ? "client" : "server", c->n_total);
    if (c->present && !c->n)
        tp_sb_put(o, "<p class=\"note\">None: the Certificate message was empty.</p>\n");
    time_t now = rs_judge_now(s);
    if (v && v->path_len) {
        path_tree(o, v, now, ro);
    } else if (c->n) {
        sent_list(o, c, NULL, c->n, now, ro);
    }
    if (c->n_total > c->n)
        tp_sb_printf(o, "<p class=\"mute\">And %zu more not kept.</p>\n", c->n_total - c->n);
    if (v) {
        char cert_errors[256] = "";
        if (!client_chain)
            rs_cert_errors(s, cert_errors, sizeof cert_errors);
        verdict(o, v, cert_errors);
        if (v->path_len && v->n_extra) {
            tp_sb_put(o, "<p>Sent but not on the path:</p>\n");
            sent_list(o, c, v->extra_index, v->n_extra < TP_MAX_CHAIN_CERTS ? v->n_extra : TP_MAX_CHAIN_CERTS, now, ro);
        }
    }
    return true;
}

void rh_chains(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    bool any = chain_block(o, s, ro, &s->server_chain, s->server_verify, false);
    any |= chain_block(o, s, ro, &s->client_chain, s->client_verify, true);
    if (!any)
        tp_sb_put(o, "<p class=\"mute\">No certificate was seen.</p>\n");
}
