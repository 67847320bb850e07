/* tlsprobe check's report: the chain as read, the path built, the host, the
 * key, the verdict and the findings, as text or as one JSON object
 * ({"source":"check"}, docs/errors.md), and the chain to serve as PEM. */
#include <string.h>
#include <time.h>
#include "jw.h"
#include "render_int.h"

/* The verification's status in check's words, in enum tp_path_status order. */
static const char *const path_status_text[] = { "not checked", "chains to a trusted root", "no certificate",
                                                "not trusted (unknown authority)", "not trusted (self-signed)",
                                                "incomplete (intermediate missing from the file)",
                                                "broken (a signature does not verify)" };
_Static_assert(sizeof path_status_text / sizeof path_status_text[0] == TP_PATH_BAD_SIGNATURE + 1, "path_status");

/* Where a path element came from, in check's words (the file, not "sent"). */
static const char *const src_name[] = { "file", "intermediates", "aia", "store" };
_Static_assert(sizeof src_name / sizeof src_name[0] == TP_FROM_STORE + 1, "src_name");

static void put_esc(struct tp_sb *out, const char *s)
{
    tp_sb_put_escaped(out, (const uint8_t *)s, strlen(s));
}

/* "YYYY-MM-DD", or with time "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339 in UTC, as --at takes it back). */
static void put_date(struct tp_sb *sb, time_t t, bool with_time)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return;
    tp_sb_printf(sb, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    if (with_time)
        tp_sb_printf(sb, "T%02d:%02d:%02dZ", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void put_name(struct tp_sb *sb, const struct tp_cert_info *ci)
{
    const char *n = ci ? (ci->subject_cn ? ci->subject_cn : ci->subject) : NULL;
    put_esc(sb, n ? n : "(no subject)");
}

static void bold(struct tp_sb *out, const struct tp_render_opts *o, const char *label)
{
    tp_sb_printf(out, "%s%s%s", tp_c_bold(o), label, tp_c_reset(o));
}

static void text_cert(struct tp_sb *out, const struct tp_cert_info *ci, size_t i, time_t now,
                      const struct tp_render_opts *o)
{
    size_t line = out->len;
    tp_sb_printf(out, "  #%zu ", i);
    put_name(out, ci);
    tp_sb_pad(out, line, 36);
    tp_sb_put(out, " issued by ");
    if (ci && ci->self_signed)
        tp_sb_put(out, "itself");
    else if (ci && ci->issuer)
        put_esc(out, ci->issuer);
    if (ci) {
        long days = tp_cert_days_left(ci, now);
        tp_sb_put(out, "\n      ");
        tp_sb_put_escaped(out, (const uint8_t *)ci->key_desc, strnlen(ci->key_desc, sizeof ci->key_desc));
        tp_sb_put(out, ", valid ");
        put_date(out, ci->not_before, false);
        tp_sb_put(out, " .. ");
        put_date(out, ci->not_after, false);
        if (days < 0)
            tp_sb_printf(out, " (%sexpired %ld days ago%s)", tp_c_red(o), -days, tp_c_reset(o));
        else
            tp_sb_printf(out, " (%ld days left)", days);
    }
    tp_sb_putc(out, '\n');
}

static void text_host(struct tp_sb *out, const struct tp_render_check *c, const struct tp_verify_result *v,
                      const struct tp_render_opts *o)
{
    bold(out, o, "host");
    tp_sb_put(out, "   ");
    put_esc(out, c->host);
    if (c->host_unicode) {
        tp_sb_put(out, " (");
        put_esc(out, c->host_unicode);
        tp_sb_putc(out, ')');
    }
    tp_sb_printf(out, ": %s\n",
                 v->name_status == TP_NAME_OK ? "covered by a subjectAltName"
                 : v->name_status == TP_NAME_OK_CN_ONLY ? "matches the Common Name only (no subjectAltName)"
                                                        : "not covered");
}

/* The strict verdict in one word, so a script or a reader need not add up the
 * lines above (the findings below say why); then the other paths judged. */
static void text_verdict(struct tp_sb *out, const struct tp_render_check *c, const struct tp_verify_result *v,
                         const struct tp_render_opts *o)
{
    bold(out, o, "verdict");
    if (v->valid) {
        tp_sb_put(out, " valid");
    } else {
        tp_sb_printf(out, " %sNOT valid%s (", tp_c_red(o), tp_c_reset(o));
        const char *r = v->reject_id[0] ? v->reject_id : "unknown";
        tp_sb_put_escaped(out, (const uint8_t *)r, strnlen(r, sizeof v->reject_id));
        tp_sb_putc(out, ')');
    }
    if (c->at)
        tp_sb_put(out, c->client_purpose ? " as a client certificate, at " : " at ");
    else if (c->client_purpose)
        tp_sb_put(out, " as a client certificate");
    if (c->at)
        put_date(out, c->at, true);
    tp_sb_putc(out, '\n');
    for (size_t i = 0; i < v->n_tried; i++) {
        tp_sb_printf(out, "%s%s%s  ", tp_c_bold(o), i ? "       " : "tried  ", tp_c_reset(o));
        tp_sb_put(out, v->tried[i].text);
        tp_sb_putc(out, '\n');
    }
}

static void text_path(struct tp_sb *out, const struct tp_render_check *c, const struct tp_verify_result *v,
                      const struct tp_render_opts *o)
{
    bold(out, o, "path");
    tp_sb_put(out, "   ");
    for (size_t i = 0; i < v->path_len; i++) {
        if (i)
            tp_sb_put(out, " -> ");
        put_name(out, v->path[i].cert);
        if (v->path[i].src != TP_FROM_SENT)
            tp_sb_printf(out, " [%s]", RN_ENUM(src_name, v->path[i].src, "store"));
    }
    tp_sb_printf(out, "\n       %s", RN_ENUM(path_status_text, v->status, "not checked"));
    if (v->store_desc[0]) {
        tp_sb_put(out, ", trust store ");
        tp_sb_put_escaped(out, (const uint8_t *)v->store_desc, strnlen(v->store_desc, sizeof v->store_desc));
    }
    tp_sb_putc(out, '\n');
    if (c->host)
        text_host(out, c, v, o);
    text_verdict(out, c, v, o);
    if (v->trust.judged) { /* which public stores hold the root */
        bold(out, o, "stores");
        tp_sb_put(out, " ");
        rt_trust_text(out, &v->trust, o, "       ", o && o->width ? o->width : 80);
    }
}

static void check_text(struct tp_sb *out, const struct tp_session *s, const struct tp_render_check *c,
                       const struct tp_render_opts *o)
{
    time_t now = c->at ? c->at : time(NULL);
    bold(out, o, "chain");
    tp_sb_put(out, "  ");
    put_esc(out, c->chain_file);
    tp_sb_printf(out, ": %zu certificate%s\n", s->server_chain.n, s->server_chain.n == 1 ? "" : "s");
    for (size_t i = 0; i < s->server_chain.n; i++)
        text_cert(out, s->server_chain.info[i], i, now, o);
    if (s->server_verify)
        text_path(out, c, s->server_verify, o);
    if (s->server_verify)
        rs_ct_text(out, o, s->server_verify->ct, "");
    if (c->key_file) {
        bold(out, o, "key");
        tp_sb_put(out, "    ");
        put_esc(out, c->key_file);
        if (c->key_matches && c->key_leaf_at > 0)
            tp_sb_printf(out, ": belongs to the leaf, but the leaf is certificate #%d of the file, not the first\n",
                         c->key_leaf_at);
        else
            tp_sb_put(out, c->key_matches ? ": belongs to the leaf\n" : ": does NOT belong to the leaf\n");
    }
    rs_staple_text(out, s, o);
    rs_crl_text(out, s, o);
    tp_render_findings(out, s, o);
}

static void json_key(struct jw *w, const struct tp_render_check *c)
{
    jw_str(w, "key_file", c->key_file);
    if (!c->key_file) {
        jw_null(w, "key_matches");
        jw_null(w, "key_matches_first");
        return;
    }
    jw_bool(w, "key_matches", c->key_matches);
    /* Servers pair the key with the file's first certificate. */
    jw_bool(w, "key_matches_first", c->key_matches && c->key_leaf_at <= 0);
}

static void check_json(struct tp_sb *out, const struct tp_session *s, const struct tp_render_check *c,
                       const struct tp_render_opts *o)
{
    struct jw w;
    jw_init(&w, out);
    jw_open(&w, '{');
    rj_line_head(&w, "check", "check");
    jw_str(&w, "stack", o->stack);
    jw_str(&w, "chain_file", c->chain_file);
    /* the name as typed (Unicode), and its A-label as checked */
    jw_str(&w, "host", c->host_unicode ? c->host_unicode : c->host);
    jw_str(&w, "server_name", c->host);
    json_key(&w, c);
    jw_key(&w, "certificates");
    jw_open(&w, '[');
    for (size_t i = 0; i < s->server_chain.n; i++) {
        jw_item(&w);
        rc_cert_json(out, s->server_chain.info[i], o->memo);
    }
    jw_close(&w, ']');
    /* the same verification object as a session's, under the key of its purpose */
    rj_verify(&w, "server_verification", c->client_purpose ? NULL : s->server_verify, false, c->at);
    rj_verify(&w, "client_verification", c->client_purpose ? s->server_verify : NULL, true, c->at);
    const struct tp_staple *st = s->staple;
    rj_ocsp(&w, "ocsp", st && (st->from_file || st->fetched || st->fetch_error[0]) ? st : NULL,
            c->at ? c->at : time(NULL));
    rj_crl(&w, "crl", s->crl_check, c->at ? c->at : time(NULL));
    /* The findings objects exactly as render writes them for sessions. */
    rj_findings(&w, s, o);
    jw_close(&w, '}');
    tp_sb_putc(out, '\n');
}

void tp_render_check(struct tp_sb *out, const struct tp_session *s, const struct tp_render_check *c,
                     const struct tp_render_opts *o)
{
    if (o->format == TP_FMT_JSON) {
        check_json(out, s, c, o);
        return;
    }
    size_t start = out->len;
    check_text(out, s, c, o);
    tp_render_fold(out, start, o->width);
}

size_t tp_render_chain_pem(struct tp_sb *out, const struct tp_verify_result *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->path_len; i++) {
        const struct tp_cert_info *ci = v->path[i].cert;
        if (!ci || (i > 0 && ci->self_signed))
            continue;
        tp_sb_put(out, "# ");
        put_name(out, ci);
        tp_sb_putc(out, '\n');
        tp_pem_encode(out, "CERTIFICATE", ci->der, ci->der_len);
        n++;
    }
    return n;
}
