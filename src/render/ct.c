/* Certificate Transparency in reports: the leaf's SCTs as the verifier judged
 * them (tp_verify_result.ct, tlsprobe/sct.h), as text lines under a chain's
 * verification and as the verification object's "ct" (docs/json.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/coding.h>
#include "jw.h"
#include "render_int.h"
#include "tlsprobe/sct.h"
#include "tlsprobe/x509.h"

static void log_id_b64(const uint8_t id[32], char out[48])
{
    word32 n = 48;
    if (Base64_Encode_NoNl(id, 32, (byte *)out, &n) != 0 || n >= 48)
        n = 0;
    out[n] = 0;
}

static const char *hash_name(uint8_t h)
{
    static const char *const n[] = { "none", "md5", "sha1", "sha224", "sha256", "sha384", "sha512" };
    return h < sizeof n / sizeof n[0] ? n[h] : "unknown";
}

static const char *sig_name(uint8_t s)
{
    static const char *const n[] = { "anonymous", "rsa", "dsa", "ecdsa" };
    return s < sizeof n / sizeof n[0] ? n[s] : "unknown";
}

static const char *source_text(enum tp_sct_source s)
{
    return s == TP_SCT_EMBEDDED ? "certificate" : s == TP_SCT_TLS ? "TLS extension" : "OCSP response";
}

void rs_ct_text(struct tp_sb *o, const struct tp_render_opts *ro, const struct tp_ct_result *ct, const char *indent)
{
    if (!ct)
        return;
    bool ok = ct->chrome_ok && ct->apple_ok;
    /* undetermined: not met only for want of logs the list does not know */
    const char *no = ct->undetermined ? "cannot tell" : "not enough";
    tp_sb_printf(o, "%sCT     %zu SCT%s · %zu verified · Chrome %s%s%s · Apple %s%s%s · %s\n", indent, ct->n_total,
                 ct->n_total == 1 ? "" : "s", ct->n_verified, ct->chrome_ok ? tp_c_green(ro) : tp_c_yellow(ro),
                 ct->chrome_ok ? "ok" : no, tp_c_reset(ro), ct->apple_ok ? tp_c_green(ro) : tp_c_yellow(ro),
                 ct->apple_ok ? "ok" : no, tp_c_reset(ro), ct->logs_desc);
    for (int i = 0; i < 3; i++)
        if (ct->list_malformed[i])
            tp_sb_printf(o, "%s       %sthe SCT list in the %s does not decode%s\n", indent, tp_c_red(ro),
                         source_text((enum tp_sct_source)i), tp_c_reset(ro));
    for (size_t i = 0; i < ct->n; i++) {
        const struct tp_ct_sct *s = &ct->scts[i];
        tp_sb_printf(o, "%s       ", indent);
        if (s->version != 0) {
            tp_sb_printf(o, "SCT version %u (not v1: skipped) in the %s\n", s->version, source_text(s->source));
            continue;
        }
        if (s->log_known) {
            tp_sb_put_escaped(o, (const uint8_t *)s->log_name, strlen(s->log_name));
            tp_sb_put(o, " (");
            tp_sb_put_escaped(o, (const uint8_t *)s->log_operator, strlen(s->log_operator));
            tp_sb_putc(o, ')');
        } else {
            char b[48];
            log_id_b64(s->log_id, b);
            tp_sb_printf(o, "log %s", b);
        }
        time_t t = (time_t)(s->timestamp / 1000);
        struct tm tm;
        char buf[32] = "?";
        if (gmtime_r(&t, &tm))
            (void)strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
        const char *col = s->status == TP_SCT_VERIFIED     ? tp_c_green(ro)
                          : s->status == TP_SCT_UNKNOWN_LOG ? ""
                                                            : tp_c_red(ro);
        tp_sb_printf(o, " · %s · %s · %s%s%s\n", buf, source_text(s->source), col, tp_sct_status_name(s->status),
                     col[0] ? tp_c_reset(ro) : "");
    }
    if (ct->n_total > ct->n)
        tp_sb_printf(o, "%s       and %zu more not judged\n", indent, ct->n_total - ct->n);
    if (!ok && ct->missing[0])
        tp_sb_printf(o, "%s       %smissing: %s%s\n", indent, tp_c_yellow(ro), ct->missing, tp_c_reset(ro));
    if (ct->undetermined)
        tp_sb_printf(o, "%s       %zu from logs not in the list: met if they are good (update the list)\n", indent,
                     ct->n_unknown);
}

static void policy(struct jw *w, const char *k, const struct tp_ct_policy *p)
{
    jw_key(w, k);
    jw_open(w, '{');
    jw_bool(w, "ok", p->ok);
    jw_i64(w, "needed", p->need);
    jw_i64(w, "counted", p->have);
    jw_i64(w, "operators", p->operators);
    jw_close(w, '}');
}

void rj_ct(struct jw *w, const struct tp_ct_result *ct)
{
    if (!ct) {
        jw_null(w, "ct");
        return;
    }
    jw_key(w, "ct");
    jw_open(w, '{');
    jw_str(w, "logs", ct->logs_desc);
    jw_u64(w, "sct_count", ct->n_total);
    jw_u64(w, "verified_count", ct->n_verified);
    jw_i64(w, "lifetime_days", ct->lifetime_days);
    jw_bool(w, "chrome_ok", ct->chrome_ok);
    jw_bool(w, "apple_ok", ct->apple_ok);
    jw_str(w, "missing", ct->missing[0] ? ct->missing : NULL);
    jw_bool(w, "undetermined", ct->undetermined);
    policy(w, "chrome_embedded", &ct->chrome_embedded);
    policy(w, "chrome_delivered", &ct->chrome_delivered);
    policy(w, "apple_embedded", &ct->apple_embedded);
    policy(w, "apple_delivered", &ct->apple_delivered);
    jw_key(w, "malformed_lists");
    jw_open(w, '[');
    for (int i = 0; i < 3; i++)
        if (ct->list_malformed[i])
            jw_istr(w, tp_sct_source_name((enum tp_sct_source)i));
    jw_close(w, ']');
    jw_key(w, "scts");
    jw_open(w, '[');
    for (size_t i = 0; i < ct->n; i++) {
        const struct tp_ct_sct *s = &ct->scts[i];
        bool v1 = s->version == 0;
        jw_item(w);
        jw_open(w, '{');
        jw_str(w, "source", tp_sct_source_name(s->source));
        jw_u64(w, "version", s->version);
        char b[48];
        log_id_b64(s->log_id, b);
        jw_str(w, "log_id", v1 ? b : NULL);
        jw_str(w, "log_name", s->log_known ? s->log_name : NULL);
        jw_str(w, "log_operator", s->log_known ? s->log_operator : NULL);
        jw_str(w, "log_state", s->log_known ? tp_ct_log_state_name(s->log_state) : NULL);
        if (v1) {
            jw_time(w, "timestamp", (time_t)(s->timestamp / 1000));
            jw_u64(w, "timestamp_ms", s->timestamp);
            jw_str(w, "hash_algorithm", hash_name(s->hash_alg));
            jw_str(w, "signature_algorithm", sig_name(s->sig_alg));
            jw_hex(w, "extensions", s->ext, s->ext_len < sizeof s->ext ? s->ext_len : sizeof s->ext);
            jw_hex(w, "signature", s->sig, s->sig_len < sizeof s->sig ? s->sig_len : sizeof s->sig);
        } else {
            jw_null(w, "timestamp");
            jw_null(w, "timestamp_ms");
            jw_null(w, "hash_algorithm");
            jw_null(w, "signature_algorithm");
            jw_null(w, "extensions");
            jw_null(w, "signature");
        }
        jw_str(w, "status", tp_sct_status_name(s->status));
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
}

/* ---- a certificate's own SCT list (inspect, certificate objects): decoded,
 * not verified (that needs the issuer: the verification's "ct"); logs named
 * from the log list ---- */

static const struct tp_ct_log *name_of(const struct tp_ct_logs *L, const struct tp_sct *s)
{
    return L && s->version == 0 ? tp_ct_logs_find(L, s->log_id.p) : NULL;
}

static bool cert_list(const struct tp_cert_info *ci, struct tp_sct_list **out)
{
    *out = NULL;
    if (!ci || !ci->sct_list.len)
        return false;
    struct tp_sct_list *l = malloc(sizeof *l);
    if (!l)
        return false;
    if (tp_sct_list_parse(ci->sct_list, l) != TP_OK) {
        free(l);
        return false;
    }
    *out = l;
    return true;
}

void rc_cert_scts_text(struct tp_sb *out, const struct tp_cert_info *ci, const char *indent)
{
    struct tp_sct_list *l;
    if (!ci->has_sct)
        return;
    if (!cert_list(ci, &l)) {
        tp_sb_printf(out, "%s                the list does not decode\n", indent);
        return;
    }
    struct tp_ct_logs *L = NULL;
    char err[120];
    if (tp_ct_logs_load(NULL, &L, err, sizeof err) != TP_OK)
        L = NULL;
    for (size_t i = 0; i < l->n; i++) {
        const struct tp_sct *s = &l->sct[i];
        tp_sb_printf(out, "%s                ", indent);
        if (s->version != 0) {
            tp_sb_printf(out, "SCT version %u (not v1)\n", s->version);
            continue;
        }
        const struct tp_ct_log *lg = name_of(L, s);
        if (lg) {
            tp_sb_put_escaped(out, (const uint8_t *)lg->name, strlen(lg->name));
            tp_sb_put(out, " (");
            tp_sb_put_escaped(out, (const uint8_t *)lg->operator_name, strlen(lg->operator_name));
            tp_sb_putc(out, ')');
        } else {
            char b[48];
            log_id_b64(s->log_id.p, b);
            tp_sb_printf(out, "log %s", b);
        }
        time_t t = (time_t)(s->timestamp / 1000);
        struct tm tm;
        char buf[32] = "?";
        if (gmtime_r(&t, &tm))
            (void)strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
        tp_sb_printf(out, " · %s\n", buf);
    }
    if (l->n_total > l->n)
        tp_sb_printf(out, "%s                and %zu more\n", indent, l->n_total - l->n);
    tp_ct_logs_free(L);
    free(l);
}

void rc_cert_scts_json(struct jw *w, const struct tp_cert_info *ci)
{
    struct tp_sct_list *l;
    if (!cert_list(ci, &l)) {
        jw_null(w, "scts");
        return;
    }
    struct tp_ct_logs *L = NULL;
    char err[120];
    if (tp_ct_logs_load(NULL, &L, err, sizeof err) != TP_OK)
        L = NULL;
    jw_key(w, "scts");
    jw_open(w, '[');
    for (size_t i = 0; i < l->n; i++) {
        const struct tp_sct *s = &l->sct[i];
        const struct tp_ct_log *lg = name_of(L, s);
        bool v1 = s->version == 0;
        jw_item(w);
        jw_open(w, '{');
        jw_u64(w, "version", s->version);
        char b[48] = "";
        if (v1)
            log_id_b64(s->log_id.p, b);
        jw_str(w, "log_id", v1 ? b : NULL);
        jw_str(w, "log_name", lg ? lg->name : NULL);
        jw_str(w, "log_operator", lg ? lg->operator_name : NULL);
        if (v1) {
            jw_time(w, "timestamp", (time_t)(s->timestamp / 1000));
            jw_u64(w, "timestamp_ms", s->timestamp);
            jw_str(w, "hash_algorithm", hash_name(s->hash_alg));
            jw_str(w, "signature_algorithm", sig_name(s->sig_alg));
            jw_hex(w, "extensions", s->extensions.p, s->extensions.len);
            jw_hex(w, "signature", s->signature.p, s->signature.len);
        } else {
            jw_null(w, "timestamp");
            jw_null(w, "timestamp_ms");
            jw_null(w, "hash_algorithm");
            jw_null(w, "signature_algorithm");
            jw_null(w, "extensions");
            jw_null(w, "signature");
        }
        jw_close(w, '}');
    }
    jw_close(w, ']');
    tp_ct_logs_free(L);
    free(l);
}
