/* tlsprobe scan's report (tlsprobe/scan.h): text in testssl.sh's sections, or
 * one JSON line {"type":"scan","source":"scan",...} (docs/json.md,
 * docs/schema/scan.schema.json). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "render/jw.h"
#include "render/render_int.h"
#include "tlsprobe/names.h"
#include "tlsprobe/render.h"
#include "tlsprobe/scan.h"
#include "tlsprobe/x509.h"

/* The state words (tp_scan_state_name is the probe module's; render keeps its own). */
static const char *st(enum tp_scan_state s)
{
    switch (s) {
    case TP_SCAN_NO: return "no";
    case TP_SCAN_YES: return "yes";
    case TP_SCAN_ERROR: return "error";
    case TP_SCAN_NOT_TESTED: break;
    }
    return "not tested";
}

static const char *vname(uint16_t v)
{
    const char *n = tp_name_version(v);
    return n ? n : "?";
}

static bool forward_secret(const struct tp_suite_info *si)
{
    return si && (si->tls13 || si->kx == TP_KX_DHE || si->kx == TP_KX_ECDHE || si->kx == TP_KX_DHE_PSK ||
                  si->kx == TP_KX_ECDHE_PSK);
}

static void put_code(struct tp_sb *o, uint16_t v)
{
    tp_sb_printf(o, "0x%04x", (unsigned)v);
}

static void put_group(struct tp_sb *o, uint16_t g)
{
    const char *n = tp_name_group(g);
    if (n)
        tp_sb_put(o, n);
    else
        put_code(o, g);
}

static void heading(struct tp_sb *o, const struct tp_render_opts *ro, const char *h)
{
    tp_sb_printf(o, "\n%s%s%s\n", tp_c_bold(ro), h, tp_c_reset(ro));
}

static const char *colour_of(const struct tp_render_opts *ro, enum tp_scan_state s, bool yes_is_bad)
{
    if (s == TP_SCAN_YES)
        return yes_is_bad ? tp_c_red(ro) : tp_c_green(ro);
    if (s == TP_SCAN_ERROR)
        return tp_c_yellow(ro);
    return "";
}

static void text_protocols(struct tp_sb *o, const struct tp_scan_result *r, const struct tp_render_opts *ro)
{
    heading(o, ro, "Protocols");
    tp_sb_printf(o, "  %-9s %s\n", "SSL 2.0", "not tested");
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++) {
        const struct tp_scan_version *v = &r->versions[i];
        bool old = v->version < TP_TLS1_2;
        size_t line = o->len;
        tp_sb_printf(o, "  %s", vname(v->version));
        tp_sb_pad(o, line, 12);
        tp_sb_printf(o, "%s%s%s", colour_of(ro, v->accepted, old), st(v->accepted), tp_c_reset(ro));
        if (v->accepted == TP_SCAN_YES && old)
            tp_sb_put(o, "  (deprecated)");
        if (v->accepted == TP_SCAN_NO && v->alert) {
            const char *a = tp_name_alert(v->alert);
            tp_sb_printf(o, "  (alert %s)", a ? a : "?");
        }
        tp_sb_putc(o, '\n');
    }
}

static void text_suites(struct tp_sb *o, const struct tp_scan_result *r, const struct tp_render_opts *ro)
{
    heading(o, ro, "Cipher suites");
    bool any = false;
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++) {
        const struct tp_scan_version *v = &r->versions[i];
        if (v->accepted != TP_SCAN_YES)
            continue;
        any = true;
        tp_sb_printf(o, "  %s  %zu suite%s", vname(v->version), v->n_suites, v->n_suites == 1 ? "" : "s");
        if (v->server_order == TP_SCAN_YES)
            tp_sb_put(o, ", server's order");
        else if (v->server_order == TP_SCAN_NO)
            tp_sb_put(o, ", client's order (no server preference)");
        else if (v->server_order == TP_SCAN_ERROR)
            tp_sb_put(o, ", order unknown");
        if (!v->suites_complete)
            tp_sb_put(o, ", incomplete");
        tp_sb_putc(o, '\n');
        for (size_t k = 0; k < v->n_suites; k++) {
            const struct tp_suite_info *si = tp_suite_info(v->suites[k]);
            tp_sb_put(o, "    ");
            put_code(o, v->suites[k]);
            tp_sb_printf(o, "  %s", si ? si->name : "?");
            bool weak = si && (si->weak || (v->version <= TP_TLS1_0 && si->block_len));
            bool fs = forward_secret(si);
            if (weak || !fs)
                tp_sb_printf(o, "  (%s%s%s%s%s)", weak ? tp_c_red(ro) : "", weak ? "weak" : "",
                             weak ? tp_c_reset(ro) : "", weak && !fs ? ", " : "", fs ? "" : "no forward secrecy");
            tp_sb_putc(o, '\n');
        }
    }
    if (!any)
        tp_sb_put(o, "  none\n");
}

static void text_groups(struct tp_sb *o, const struct tp_scan_result *r, const struct tp_render_opts *ro)
{
    heading(o, ro, "Key exchange groups");
    size_t line;
    bool none = true;
    for (size_t i = 0; i < r->n_groups; i++) {
        const struct tp_scan_group *g = &r->groups[i];
        if (g->tls13 != TP_SCAN_YES && g->tls12 != TP_SCAN_YES)
            continue;
        none = false;
        line = o->len;
        tp_sb_put(o, "  ");
        put_group(o, g->id);
        tp_sb_pad(o, line, 24);
        tp_sb_printf(o, "TLS 1.3 %-11s TLS 1.2 %s\n", st(g->tls13), st(g->tls12));
    }
    if (none)
        tp_sb_put(o, "  none found\n");
    if (r->tls13_default_group) {
        tp_sb_put(o, "  with an x25519 key share and every group listed, the server ");
        tp_sb_put(o, r->tls13_default_hrr ? "asked (HelloRetryRequest) for " : "chose ");
        put_group(o, r->tls13_default_group);
        tp_sb_putc(o, '\n');
    }
    if (r->dhe_bits)
        tp_sb_printf(o, "  DHE (%s): %u-bit prime\n", vname(r->misc_version), r->dhe_bits);
    const struct tp_scan_hybrid *h = &r->hybrid;
    if (h->offered_share != TP_SCAN_NOT_TESTED) {
        tp_sb_put(o, "  ");
        put_group(o, h->id);
        tp_sb_put(o, " key share offered: ");
        if (h->offered_share == TP_SCAN_YES)
            tp_sb_put(o, "selected");
        else if (h->hrr_instead) {
            tp_sb_put(o, "not selected, HelloRetryRequest for ");
            put_group(o, h->hrr_group);
        } else
            tp_sb_put(o, h->offered_share == TP_SCAN_NO ? "refused" : "no answer");
        tp_sb_put(o, "; with x25519's share and the hybrid listed first: ");
        tp_sb_put(o, h->prefers == TP_SCAN_YES ? "HelloRetryRequest for the hybrid\n" :
                     h->prefers == TP_SCAN_NO ? "the hybrid not asked for\n" : "no answer\n");
    }
}

static void text_sigalgs(struct tp_sb *o, const struct tp_scan_result *r, const struct tp_render_opts *ro)
{
    heading(o, ro, "Signature algorithms");
    bool none = true;
    for (size_t i = 0; i < r->n_sigalgs; i++) {
        const struct tp_scan_sigalg *g = &r->sigalgs[i];
        if (g->tls13 != TP_SCAN_YES && g->tls12 != TP_SCAN_YES)
            continue;
        none = false;
        size_t line = o->len;
        const char *n = tp_name_sig_scheme(g->id);
        tp_sb_put(o, "  ");
        if (n)
            tp_sb_put(o, n);
        else
            put_code(o, g->id);
        tp_sb_pad(o, line, 30);
        tp_sb_printf(o, "TLS 1.3 %-11s TLS 1.2 %s\n", st(g->tls13), st(g->tls12));
    }
    if (none)
        tp_sb_put(o, "  none found\n");
}

static void text_misc(struct tp_sb *o, const struct tp_scan_result *r, const struct tp_render_opts *ro)
{
    bool alpn_asked = false;
    for (size_t i = 0; i < r->n_alpn; i++)
        alpn_asked |= r->alpn[i].accepted != TP_SCAN_NOT_TESTED;
    heading(o, ro, r->misc_version || !alpn_asked ? "ALPN" : "ALPN (TLS 1.3: one full handshake each)");
    if (!alpn_asked)
        tp_sb_put(o, "  not tested\n");
    else
        for (size_t i = 0; i < r->n_alpn; i++)
            tp_sb_printf(o, "  %-12s %s\n", r->alpn[i].name, st(r->alpn[i].accepted));
    heading(o, ro, "Resumption");
    tp_sb_printf(o, "  %-22s %s\n", "session IDs", st(r->session_id));
    tp_sb_printf(o, "  %-22s %s\n", "session tickets", st(r->session_ticket));
    tp_sb_printf(o, "  %-22s %s\n", "TLS 1.3 tickets (PSK)",
                 r->tls13_psk == TP_SCAN_NOT_TESTED ? "not tested (no TLS 1.3)" : st(r->tls13_psk));
    heading(o, ro, "Renegotiation and compression");
    tp_sb_printf(o, "  %-22s %s%s%s\n", "secure renegotiation", colour_of(ro, r->secure_renegotiation, false),
                 st(r->secure_renegotiation), tp_c_reset(ro));
    tp_sb_printf(o, "  %-22s %s%s%s\n", "compression (deflate)", colour_of(ro, r->compression, true),
                 st(r->compression), tp_c_reset(ro));
}

static void text_chains(struct tp_sb *o, const struct tp_scan_result *r, const struct tp_render_opts *ro)
{
    heading(o, ro, "Certificates");
    for (int k = 0; k < TP_SCAN_N_CHAINS; k++) {
        const struct tp_scan_chain *c = &r->chains[k];
        tp_sb_printf(o, "  %-8s ", c->key_type ? c->key_type : "?");
        if (c->found != TP_SCAN_YES) {
            tp_sb_put(o, c->found == TP_SCAN_NO ? "none\n" :
                         c->found == TP_SCAN_ERROR ? "no answer\n" :
                         k == 2 ? "not tested (no TLS 1.3)\n" : "not tested (no TLS 1.2 or older)\n");
            continue;
        }
        const struct tp_suite_info *si = tp_suite_info(c->suite);
        tp_sb_printf(o, "%s, %s: %zu certificate%s\n", vname(c->version), si ? si->name : "?", c->n_total,
                     c->n_total == 1 ? "" : "s");
        time_t now = time(NULL);
        for (size_t i = 0; i < c->n; i++) {
            struct tp_cert_info *ci = NULL;
            if (tp_cert_parse(c->der[i], c->der_len[i], &ci) != TP_OK || !ci) {
                tp_sb_printf(o, "    #%zu (not a certificate tlsprobe can read)\n", i);
                continue;
            }
            size_t line = o->len;
            tp_sb_printf(o, "    #%zu ", i);
            const char *name = ci->subject_cn ? ci->subject_cn : ci->subject ? ci->subject : "";
            tp_sb_put_escaped(o, (const uint8_t *)name, strlen(name));
            tp_sb_pad(o, line, 36);
            tp_sb_printf(o, " %s", ci->key_desc);
            long days = tp_cert_days_left(ci, now);
            if (days < 0)
                tp_sb_printf(o, ", %sexpired%s", tp_c_red(ro), tp_c_reset(ro));
            else
                tp_sb_printf(o, ", expires in %ld day%s", days, days == 1 ? "" : "s");
            if (ci->self_signed)
                tp_sb_put(o, ", self-signed");
            else if (ci->issuer) {
                tp_sb_put(o, ", issued by ");
                tp_sb_put_escaped(o, (const uint8_t *)ci->issuer, strlen(ci->issuer));
            }
            tp_sb_putc(o, '\n');
            tp_cert_free(ci);
        }
    }
}

static void scan_text(struct tp_sb *o, const struct tp_scan_result *r, const struct tp_session *findings,
                      const struct tp_render_opts *ro)
{
    tp_sb_printf(o, "%sscan%s ", tp_c_bold(ro), tp_c_reset(ro));
    tp_sb_put_escaped(o, (const uint8_t *)r->host, strlen(r->host));
    tp_sb_printf(o, ":%u", (unsigned)r->port);
    if (r->address[0] && strcmp(r->address, r->host))
        tp_sb_printf(o, " (%s)", r->address);
    tp_sb_printf(o, "  %u connections, %.2f s%s\n", r->probes, (double)r->elapsed_us / 1e6,
                 r->timed_out ? ", stopped at the deadline: incomplete" : "");
    if (r->unreachable) {
        tp_sb_put(o, "  no answer: ");
        tp_sb_put_escaped(o, (const uint8_t *)r->error, strlen(r->error));
        tp_sb_putc(o, '\n');
    } else {
        text_protocols(o, r, ro);
        text_suites(o, r, ro);
        text_groups(o, r, ro);
        text_sigalgs(o, r, ro);
        text_misc(o, r, ro);
        text_chains(o, r, ro);
    }
    if (findings && findings->n_findings) {
        tp_render_findings(o, findings, ro);
    }
}

/* ---- JSON ---- */
static void j_state(struct jw *w, const char *k, enum tp_scan_state s)
{
    jw_str(w, k, st(s));
}

static void j_code(struct jw *w, const char *k, uint16_t v)
{
    char buf[8];
    snprintf(buf, sizeof buf, "0x%04x", (unsigned)v);
    jw_str(w, k, buf);
}

static void j_suite(struct jw *w, uint16_t id, uint16_t version)
{
    const struct tp_suite_info *si = tp_suite_info(id);
    jw_item(w);
    jw_open(w, '{');
    j_code(w, "id", id);
    jw_str(w, "name", si ? si->name : NULL);
    jw_bool(w, "weak", si && (si->weak || (version <= TP_TLS1_0 && si->block_len)));
    jw_bool(w, "forward_secrecy", forward_secret(si));
    jw_close(w, '}');
}

static void scan_json(struct tp_sb *o, const struct tp_scan_result *r, const struct tp_session *findings,
                      const struct tp_render_opts *ro)
{
    struct jw w;
    jw_init(&w, o);
    jw_open(&w, '{');
    rj_line_head(&w, "scan", "scan");
    jw_str(&w, "host", r->host);
    jw_str(&w, "address", r->address[0] ? r->address : NULL);
    jw_u64(&w, "port", r->port);
    jw_u64(&w, "connection_count", r->probes);
    jw_ms(&w, "elapsed_ms", r->elapsed_us);
    jw_bool(&w, "timed_out", r->timed_out);
    jw_bool(&w, "unreachable", r->unreachable);
    jw_str(&w, "error", r->error[0] ? r->error : NULL);
    jw_str(&w, "sslv2", "not tested");
    jw_key(&w, "protocols");
    jw_open(&w, '[');
    for (int i = 0; i < TP_SCAN_N_VERSIONS && !r->unreachable; i++) {
        const struct tp_scan_version *v = &r->versions[i];
        jw_item(&w);
        jw_open(&w, '{');
        jw_str(&w, "version", vname(v->version));
        j_state(&w, "accepted", v->accepted);
        jw_str(&w, "alert", v->alert ? tp_name_alert(v->alert) : NULL);
        j_state(&w, "server_order", v->server_order);
        jw_bool(&w, "complete", v->suites_complete);
        jw_key(&w, "suites");
        jw_open(&w, '[');
        for (size_t k = 0; k < v->n_suites; k++)
            j_suite(&w, v->suites[k], v->version);
        jw_close(&w, ']');
        jw_close(&w, '}');
    }
    jw_close(&w, ']');
    jw_key(&w, "groups");
    jw_open(&w, '[');
    for (size_t i = 0; i < r->n_groups; i++) {
        jw_item(&w);
        jw_open(&w, '{');
        j_code(&w, "id", r->groups[i].id);
        jw_str(&w, "name", tp_name_group(r->groups[i].id));
        j_state(&w, "tls13", r->groups[i].tls13);
        j_state(&w, "tls12", r->groups[i].tls12);
        jw_close(&w, '}');
    }
    jw_close(&w, ']');
    jw_str(&w, "tls13_default_group", r->tls13_default_group ? tp_name_group(r->tls13_default_group) : NULL);
    jw_bool(&w, "tls13_default_hrr", r->tls13_default_hrr);
    jw_key(&w, "hybrid");
    jw_open(&w, '{');
    j_code(&w, "id", r->hybrid.id ? r->hybrid.id : 0x11ec);
    jw_str(&w, "name", tp_name_group(0x11ec));
    j_state(&w, "selected", r->hybrid.offered_share);
    jw_str(&w, "hrr_group", r->hybrid.hrr_instead ? tp_name_group(r->hybrid.hrr_group) : NULL);
    j_state(&w, "preferred", r->hybrid.prefers);
    jw_close(&w, '}');
    jw_key(&w, "signature_algorithms");
    jw_open(&w, '[');
    for (size_t i = 0; i < r->n_sigalgs; i++) {
        jw_item(&w);
        jw_open(&w, '{');
        j_code(&w, "id", r->sigalgs[i].id);
        jw_str(&w, "name", tp_name_sig_scheme(r->sigalgs[i].id));
        j_state(&w, "tls13", r->sigalgs[i].tls13);
        j_state(&w, "tls12", r->sigalgs[i].tls12);
        jw_close(&w, '}');
    }
    jw_close(&w, ']');
    jw_str(&w, "tested_with", r->misc_version ? vname(r->misc_version) : NULL);
    jw_key(&w, "alpn");
    jw_open(&w, '[');
    for (size_t i = 0; i < r->n_alpn; i++) {
        jw_item(&w);
        jw_open(&w, '{');
        jw_str(&w, "protocol", r->alpn[i].name);
        j_state(&w, "accepted", r->alpn[i].accepted);
        jw_close(&w, '}');
    }
    jw_close(&w, ']');
    j_state(&w, "session_id", r->session_id);
    j_state(&w, "session_ticket", r->session_ticket);
    j_state(&w, "tls13_psk", r->tls13_psk);
    j_state(&w, "secure_renegotiation", r->secure_renegotiation);
    j_state(&w, "compression", r->compression);
    if (r->dhe_bits)
        jw_u64(&w, "dhe_bits", r->dhe_bits);
    else
        jw_null(&w, "dhe_bits");
    jw_key(&w, "certificates");
    jw_open(&w, '[');
    for (int k = 0; k < TP_SCAN_N_CHAINS && !r->unreachable; k++) {
        const struct tp_scan_chain *c = &r->chains[k];
        static const char *const types[] = { "RSA", "ECDSA", "TLS 1.3" };
        jw_item(&w);
        jw_open(&w, '{');
        jw_str(&w, "key_type", types[k]);
        j_state(&w, "found", c->found);
        jw_str(&w, "version", c->found == TP_SCAN_YES ? vname(c->version) : NULL);
        if (c->found == TP_SCAN_YES) {
            const struct tp_suite_info *si = tp_suite_info(c->suite);
            jw_str(&w, "suite", si ? si->name : NULL);
        } else {
            jw_null(&w, "suite");
        }
        jw_key(&w, "chain");
        jw_open(&w, '[');
        for (size_t i = 0; i < c->n; i++) {
            struct tp_cert_info *ci = NULL;
            jw_item(&w);
            if (tp_cert_parse(c->der[i], c->der_len[i], &ci) != TP_OK || !ci) {
                rc_cert_unparsed_json(&w, NULL, c->der_len[i]);
                continue;
            }
            rc_cert_json(o, ci, ro->memo);
            tp_cert_free(ci);
        }
        jw_close(&w, ']');
        jw_close(&w, '}');
    }
    jw_close(&w, ']');
    if (findings)
        rj_findings(&w, findings, ro);
    else {
        jw_key(&w, "findings");
        tp_sb_put(o, "[]");
    }
    jw_close(&w, '}');
    tp_sb_putc(o, '\n');
}

void tp_render_scan(struct tp_sb *out, const struct tp_scan_result *r, const struct tp_session *findings,
                    const struct tp_render_opts *o)
{
    struct tp_render_opts def = { 0 };
    if (!o)
        o = &def;
    if (o->format == TP_FMT_JSON) {
        scan_json(out, r, findings, o);
        return;
    }
    size_t start = out->len;
    scan_text(out, r, findings, o);
    tp_render_fold(out, start, o->width ? o->width : 80);
}
