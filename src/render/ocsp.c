/* OCSP responses as text and JSON: the staple of a session (`ocsp` in the
 * session JSON, docs/json.md) and one response on its own (check
 * --ocsp-response). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "tlsprobe/ocsp.h"
#include "tlsprobe/policy.h"
#include "tlsprobe/render.h"
#include "tlsprobe/session.h"
#include "render_int.h"
#include "jw.h"

static void put_time(struct tp_sb *o, time_t t)
{
    struct tm tm;
    char buf[40];
    if (gmtime_r(&t, &tm) && strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm))
        tp_sb_put(o, buf);
    else
        tp_sb_put(o, "?");
}

static void put_esc(struct tp_sb *o, const char *s)
{
    tp_sb_put_escaped(o, (const uint8_t *)s, strlen(s));
}

const char *rs_ocsp_verdict(const struct tp_ocsp_response *r, int single, time_t now)
{
    if (!r)
        return "not decoded";
    if (r->response_status != TP_OCSP_SUCCESSFUL)
        return tp_ocsp_resp_status_name(r->response_status);
    if (single < 0 || (size_t)single >= r->n_singles)
        return "no status for this certificate";
    const struct tp_ocsp_single *s = &r->singles[single];
    if (s->status != TP_OCSP_GOOD)
        return tp_ocsp_cert_status_name(s->status);
    if (now && s->this_update > now + TP_POLICY_OCSP_SKEW_S)
        return "good, but not yet valid";
    if (now && s->has_next_update && s->next_update < now)
        return "good, but stale";
    return "good";
}

void rs_ocsp_text(struct tp_sb *o, const struct tp_render_opts *ro, const struct tp_ocsp_response *r, int single,
                  const struct tp_ocsp_sig_result *sig, time_t now)
{
    tp_sb_printf(o, "  response   %s", tp_ocsp_resp_status_name(r->response_status));
    if (!r->has_basic) {
        tp_sb_put(o, r->response_type[0] ? " (not a basic response)\n" : " (no response data)\n");
        return;
    }
    tp_sb_printf(o, " · %zu certificate status%s\n", r->n_singles_total, r->n_singles_total == 1 ? "" : "es");
    tp_sb_put(o, "  responder  ");
    if (r->responder_by_key) {
        tp_sb_put(o, "key hash ");
        tp_sb_put_hex(o, r->responder_key_hash, 20, 0);
    } else {
        put_esc(o, r->responder_name ? r->responder_name : "?");
    }
    tp_sb_put(o, "\n  produced   ");
    put_time(o, r->produced_at);
    tp_sb_putc(o, '\n');
    for (size_t i = 0; i < r->n_singles; i++) {
        const struct tp_ocsp_single *s = &r->singles[i];
        if (single >= 0 && (int)i != single)
            continue;
        bool bad = s->status != TP_OCSP_GOOD;
        tp_sb_printf(o, "  status     %s%s%s (%s CertID)\n  serial     %s\n", bad ? tp_c_red(ro) : tp_c_green(ro),
                     tp_ocsp_cert_status_name(s->status), tp_c_reset(ro), s->hash_alg, s->serial_hex);
        if (s->status == TP_OCSP_REVOKED) {
            tp_sb_put(o, "  revoked    ");
            put_time(o, s->revocation_time);
            const char *rn = tp_ocsp_reason_name(s->revocation_reason);
            if (rn)
                tp_sb_printf(o, " · %s", rn);
            tp_sb_putc(o, '\n');
        }
        tp_sb_put(o, "  this upd.  ");
        put_time(o, s->this_update);
        if (now && s->this_update > now + TP_POLICY_OCSP_SKEW_S)
            tp_sb_printf(o, "  %snot yet valid%s", tp_c_red(ro), tp_c_reset(ro));
        tp_sb_put(o, "\n  next upd.  ");
        if (s->has_next_update) {
            put_time(o, s->next_update);
            if (now && s->next_update < now)
                tp_sb_printf(o, "  %sstale%s", tp_c_red(ro), tp_c_reset(ro));
        } else {
            tp_sb_put(o, "(none: newer information is always available)");
        }
        tp_sb_putc(o, '\n');
    }
    if (r->has_nonce) {
        tp_sb_put(o, "  nonce      ");
        tp_sb_put_hex(o, r->nonce.p, r->nonce.len > 32 ? 32 : r->nonce.len, 0);
        tp_sb_putc(o, '\n');
    }
    tp_sb_printf(o, "  signature  %s", r->sig_alg[0] ? r->sig_alg : "?");
    if (sig && sig->status != TP_OCSP_SIG_NOT_CHECKED) {
        bool ok = sig->status == TP_OCSP_SIG_OK;
        tp_sb_printf(o, " · %s%s%s", ok ? tp_c_green(ro) : tp_c_red(ro), ok ? "valid" : tp_ocsp_sig_name(sig->status),
                     tp_c_reset(ro));
        if (ok)
            tp_sb_put(o, sig->delegated ? " (a delegated responder)" : " (the issuer)");
    } else if (sig) {
        tp_sb_put(o, " · not checked (issuer unknown)");
    }
    tp_sb_putc(o, '\n');
    if (sig && sig->status != TP_OCSP_SIG_OK && sig->status != TP_OCSP_SIG_NOT_CHECKED && sig->why[0]) {
        tp_sb_put(o, "             ");
        put_esc(o, sig->why);
        tp_sb_putc(o, '\n');
    }
    if (r->n_certs_total)
        tp_sb_printf(o, "  certs      %zu in the response\n", r->n_certs_total);
}

void rs_staple_text(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    const struct tp_staple *st = s->staple;
    if (st && st->fetch_error[0]) {
        tp_sb_printf(o, "\n%sOCSP responder%s ", tp_c_bold(ro), tp_c_reset(ro));
        put_esc(o, st->fetch_url[0] ? st->fetch_url : "(none)");
        tp_sb_printf(o, ": %s", tp_c_yellow(ro));
        put_esc(o, st->fetch_error);
        tp_sb_printf(o, "%s\n", tp_c_reset(ro));
    }
    if (!st || (!st->present && !st->fetched))
        return;
    time_t now = (time_t)(s->judge_time ? s->judge_time : s->capture_time);
    if (!now && !ro->no_times)
        now = time(NULL);
    tp_sb_printf(o, "\n%s%s%s", tp_c_bold(ro),
                 st->fetched ? "OCSP response from " : st->from_file ? "OCSP response" : "OCSP staple", tp_c_reset(ro));
    if (st->fetched) {
        put_esc(o, st->fetch_url);
        tp_sb_printf(o, " (%s)", st->fetch_method);
    }
    tp_sb_put(o, ": ");
    if (!st->resp) {
        tp_sb_printf(o, "%snot decoded%s (%s)\n", tp_c_red(ro), tp_c_reset(ro), tp_err_text(st->parse_err));
        return;
    }
    const char *v = rs_ocsp_verdict(st->resp, st->single, now);
    bool good = !strcmp(v, "good") && st->sig.status == TP_OCSP_SIG_OK;
    tp_sb_printf(o, "%s%s%s%s\n", good ? tp_c_green(ro) : tp_c_red(ro), v, tp_c_reset(ro),
                 st->carried ? " (from a first handshake: see docs/revocation.md)" : "");
    rs_ocsp_text(o, ro, st->resp, st->single, &st->sig, now);
}

void rj_ocsp(struct jw *w, const char *k, const struct tp_staple *st, time_t now)
{
    jw_key(w, k);
    if (!st) {
        tp_sb_put(w->o, "null");
        return;
    }
    jw_open(w, '{');
    jw_bool(w, "requested", st->requested);
    jw_bool(w, "stapled", st->present);
    jw_bool(w, "carried", st->carried);
    jw_bool(w, "must_staple", st->must_staple);
    jw_str(w, "fetched_from", st->fetch_url[0] ? st->fetch_url : NULL);
    jw_str(w, "fetch_method", st->fetched ? st->fetch_method : NULL);
    jw_str(w, "fetch_error", st->fetch_error[0] ? st->fetch_error : NULL);
    const struct tp_ocsp_response *r = st->resp;
    bool have = st->present || st->fetched;
    jw_str(w, "parse_error", have && !r ? tp_err_name(st->parse_err) : NULL);
    jw_str(w, "verdict", have ? rs_ocsp_verdict(r, st->single, now) : NULL);
    jw_str(w, "response_status", r ? tp_ocsp_resp_status_name(r->response_status) : NULL);
    bool basic = r && r->has_basic;
    jw_str(w, "responder_name", basic && !r->responder_by_key ? r->responder_name : NULL);
    jw_hex(w, "responder_key_hash", r ? r->responder_key_hash : NULL, basic && r->responder_by_key ? 20 : 0);
    if (basic)
        jw_time(w, "produced_at", r->produced_at);
    else
        jw_null(w, "produced_at");
    const struct tp_ocsp_single *s = basic && st->single >= 0 ? &r->singles[st->single] : NULL;
    jw_str(w, "cert_status", s ? tp_ocsp_cert_status_name(s->status) : NULL);
    jw_str(w, "serial", s ? s->serial_hex : NULL);
    jw_str(w, "hash_algorithm", s ? s->hash_alg : NULL);
    if (s)
        jw_time(w, "this_update", s->this_update);
    else
        jw_null(w, "this_update");
    if (s && s->has_next_update)
        jw_time(w, "next_update", s->next_update);
    else
        jw_null(w, "next_update");
    if (s && s->status == TP_OCSP_REVOKED)
        jw_time(w, "revocation_time", s->revocation_time);
    else
        jw_null(w, "revocation_time");
    jw_str(w, "revocation_reason", s ? tp_ocsp_reason_name(s->revocation_reason) : NULL);
    if (basic)
        jw_u64(w, "response_count", r->n_singles_total);
    else
        jw_null(w, "response_count");
    jw_hex(w, "nonce", basic ? r->nonce.p : NULL, basic && r->has_nonce ? r->nonce.len : 0);
    jw_str(w, "signature_algorithm", basic ? r->sig_alg : NULL);
    jw_str(w, "signature", basic ? tp_ocsp_sig_name(st->sig.status) : NULL);
    jw_str(w, "signature_detail",
           basic && st->sig.status != TP_OCSP_SIG_OK && st->sig.why[0] ? st->sig.why : NULL);
    jw_bool(w, "delegated_responder", basic && st->sig.delegated);
    if (basic)
        jw_u64(w, "certificate_count", r->n_certs_total);
    else
        jw_null(w, "certificate_count");
    jw_close(w, '}');
}

/* ---- a CRL judged for the leaf ---- */

static const char *crl_sig_name(int sig)
{
    return sig == 1 ? "valid" : sig == 0 ? "bad-signature" : sig == -1 ? "unsupported" : "not-checked";
}

void rs_crl_text(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    const struct tp_crl_check *cc = s->crl_check;
    if (!cc)
        return;
    time_t now = (time_t)(s->judge_time ? s->judge_time : s->capture_time);
    if (!now && !ro->no_times)
        now = time(NULL);
    tp_sb_printf(o, "\n%sCRL%s ", tp_c_bold(ro), tp_c_reset(ro));
    put_esc(o, cc->source);
    tp_sb_put(o, ": ");
    const struct tp_crl *c = cc->crl;
    if (!c) {
        tp_sb_printf(o, "%s", tp_c_red(ro));
        put_esc(o, cc->error[0] ? cc->error : tp_err_text(cc->parse_err));
        tp_sb_printf(o, "%s\n", tp_c_reset(ro));
        return;
    }
    if (!cc->covers)
        tp_sb_printf(o, "%snot from the leaf's issuer%s\n", tp_c_yellow(ro), tp_c_reset(ro));
    else if (cc->listed)
        tp_sb_printf(o, "%sthe leaf is revoked%s\n", tp_c_red(ro), tp_c_reset(ro));
    else
        tp_sb_printf(o, "%sthe leaf is not listed%s\n", tp_c_green(ro), tp_c_reset(ro));
    tp_sb_put(o, "  issuer     ");
    put_esc(o, c->issuer);
    tp_sb_printf(o, "\n  entries    %zu", c->n_entries_total);
    if (c->has_crl_number)
        tp_sb_printf(o, " · CRL number %s", c->crl_number_hex);
    if (c->is_delta)
        tp_sb_printf(o, " · a delta CRL (base %s)", c->delta_base_hex);
    tp_sb_put(o, "\n  this upd.  ");
    put_time(o, c->this_update);
    tp_sb_put(o, "\n  next upd.  ");
    if (c->has_next_update) {
        put_time(o, c->next_update);
        if (now && c->next_update < now)
            tp_sb_printf(o, "  %sstale%s", tp_c_red(ro), tp_c_reset(ro));
    } else {
        tp_sb_put(o, "(none)");
    }
    tp_sb_putc(o, '\n');
    if (cc->listed) {
        tp_sb_printf(o, "  revoked    %s · ", cc->entry.serial_hex);
        put_time(o, cc->entry.revocation_date);
        const char *rn = tp_ocsp_reason_name(cc->entry.reason);
        if (rn)
            tp_sb_printf(o, " · %s", rn);
        tp_sb_putc(o, '\n');
    }
    bool ok = cc->sig == 1;
    tp_sb_printf(o, "  signature  %s · %s%s%s\n", c->sig_alg[0] ? c->sig_alg : "?", ok ? tp_c_green(ro) : tp_c_red(ro),
                 crl_sig_name(cc->sig), tp_c_reset(ro));
}

void rj_crl(struct jw *w, const char *k, const struct tp_crl_check *cc, time_t now)
{
    jw_key(w, k);
    if (!cc) {
        tp_sb_put(w->o, "null");
        return;
    }
    const struct tp_crl *c = cc->crl;
    jw_open(w, '{');
    jw_str(w, "source", cc->source);
    jw_str(w, "error", cc->error[0] ? cc->error : NULL);
    jw_str(w, "parse_error", c ? NULL : tp_err_name(cc->parse_err));
    jw_str(w, "issuer", c ? c->issuer : NULL);
    if (c)
        jw_time(w, "this_update", c->this_update);
    else
        jw_null(w, "this_update");
    if (c && c->has_next_update)
        jw_time(w, "next_update", c->next_update);
    else
        jw_null(w, "next_update");
    jw_bool(w, "stale", c && c->has_next_update && now && c->next_update < now);
    jw_str(w, "crl_number", c && c->has_crl_number ? c->crl_number_hex : NULL);
    jw_bool(w, "delta", c && c->is_delta);
    jw_str(w, "delta_base", c && c->is_delta ? c->delta_base_hex : NULL);
    if (c)
        jw_u64(w, "entry_count", c->n_entries_total);
    else
        jw_null(w, "entry_count");
    jw_bool(w, "covers_leaf", cc->covers);
    jw_str(w, "signature_algorithm", c ? c->sig_alg : NULL);
    jw_str(w, "signature", c ? crl_sig_name(cc->sig) : NULL);
    jw_bool(w, "revoked", cc->listed);
    if (cc->listed)
        jw_time(w, "revocation_time", cc->entry.revocation_date);
    else
        jw_null(w, "revocation_time");
    jw_str(w, "revocation_reason", cc->listed ? tp_ocsp_reason_name(cc->entry.reason) : NULL);
    jw_close(w, '}');
}
