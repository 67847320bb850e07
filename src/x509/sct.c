/* Certificate Transparency: SCT lists (RFC 6962 §3.2, §3.3), the log list, the
 * signed data and its check, the browsers' policies. See tlsprobe/sct.h and
 * docs/ct.md. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/signature.h>

#include "tlsprobe/sct.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsprobe/reader.h"
#include "tlsprobe/strbuf.h"
#include "x509_int.h"

#define SCT_EXT_OID "1.3.6.1.4.1.11129.2.4.2"

/* ---- decoding ---- */

enum tp_err tp_sct_list_parse(struct tp_bytes list, struct tp_sct_list *out)
{
    memset(out, 0, sizeof *out);
    struct tp_reader r, l;
    tp_reader_from(&r, list);
    if (!tp_read_vec16(&r, &l) || !tp_reader_expect_end(&r))
        return r.err;
    if (tp_reader_left(&l) == 0)
        return TP_ERR_MALFORMED; /* SerializedSCT sct_list <1..2^16-1> */
    while (tp_reader_left(&l) > 0) {
        struct tp_reader s;
        struct tp_bytes raw;
        if (!tp_read_vec16_bytes(&l, &raw))
            return l.err;
        if (raw.len == 0)
            return TP_ERR_MALFORMED; /* opaque SerializedSCT<1..2^16-1> */
        out->n_total++;
        if (out->n == TP_MAX_SCTS)
            continue;
        struct tp_sct *t = &out->sct[out->n];
        memset(t, 0, sizeof *t);
        t->raw = raw;
        tp_reader_from(&s, raw);
        (void)tp_read_u8(&s, &t->version);
        if (t->version != 0) { /* §3.3: skip SCTs of a version we do not know */
            out->n++;
            continue;
        }
        uint32_t hi = 0, lo = 0;
        (void)tp_read_bytes(&s, 32, &t->log_id);
        (void)tp_read_u32(&s, &hi);
        (void)tp_read_u32(&s, &lo);
        (void)tp_read_vec16_bytes(&s, &t->extensions);
        (void)tp_read_u8(&s, &t->hash_alg);
        (void)tp_read_u8(&s, &t->sig_alg);
        (void)tp_read_vec16_bytes(&s, &t->signature);
        if (!tp_reader_expect_end(&s))
            return s.err;
        t->timestamp = ((uint64_t)hi << 32) | lo;
        out->n++;
    }
    return TP_OK;
}

bool tp_sct_ext_unwrap(struct tp_bytes ext_value, struct tp_bytes *list)
{
    struct tp_reader r;
    struct der_tlv t;
    tp_reader_from(&r, ext_value);
    if (!der_expect(&r, DER_OCTET_STRING, &t, NULL) || !tp_reader_expect_end(&r)) {
        *list = tp_bytes_make(NULL, 0);
        return false;
    }
    *list = t.val;
    return true;
}

/* ---- the log list ---- */

struct tp_ct_logs {
    struct tp_ct_log *log;
    size_t n;
    char desc[128];
};

static const char *const state_names[] = { "unknown", "pending", "qualified", "usable", "readonly", "retired", "rejected" };

const char *tp_ct_log_state_name(enum tp_ct_log_state s)
{
    return (size_t)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "unknown";
}

static bool field_date(const char *f, size_t n, time_t *out)
{
    *out = 0;
    if (n == 1 && f[0] == '-')
        return true;
    struct tm tm = { 0 };
    char buf[32];
    if (n < 10 || n >= sizeof buf)
        return false;
    memcpy(buf, f, n);
    buf[n] = 0;
    if (sscanf(buf, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = timegm(&tm);
    return *out != (time_t)-1;
}

static bool parse_line(const char *p, size_t n, struct tp_ct_log *lg)
{
    const char *f[7];
    size_t fl[7], k = 0;
    const char *start = p;
    for (size_t i = 0; i <= n && k < 7; i++)
        if (i == n || (p[i] == '|' && k < 6)) {
            f[k] = start;
            fl[k] = (size_t)(p + i - start);
            k++;
            start = p + i + 1;
        }
    if (k != 7)
        return false;
    memset(lg, 0, sizeof *lg);
    uint8_t id[64];
    word32 idlen = sizeof id, keylen = sizeof lg->key;
    if (Base64_Decode((const byte *)f[0], (word32)fl[0], id, &idlen) != 0 || idlen != 32)
        return false;
    memcpy(lg->id, id, 32);
    if (fl[1] == 0 || fl[1] >= sizeof lg->operator_name || fl[6] == 0 || fl[6] >= sizeof lg->name)
        return false;
    memcpy(lg->operator_name, f[1], fl[1]);
    memcpy(lg->name, f[6], fl[6]);
    bool found = false;
    for (size_t s = 0; s < sizeof state_names / sizeof state_names[0]; s++)
        if (strlen(state_names[s]) == fl[2] && !memcmp(state_names[s], f[2], fl[2])) {
            lg->state = (enum tp_ct_log_state)s;
            found = true;
        }
    if (!found || !field_date(f[3], fl[3], &lg->start) || !field_date(f[4], fl[4], &lg->end))
        return false;
    if (Base64_Decode((const byte *)f[5], (word32)fl[5], lg->key, &keylen) != 0 || keylen == 0)
        return false;
    lg->key_len = keylen;
    uint8_t h[32];
    return sha256(lg->key, lg->key_len, h) && !memcmp(h, lg->id, 32); /* §3.2: LogID = SHA-256(key) */
}

enum tp_err tp_ct_logs_parse(const char *text, size_t len, struct tp_ct_logs **out, char *err, size_t errlen)
{
    *out = NULL;
    struct tp_ct_logs *L = calloc(1, sizeof *L);
    if (!L)
        return TP_ERR_NOMEM;
    size_t lineno = 0, pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len, n = end - pos;
        const char *line = text + pos;
        pos = end + 1;
        lineno++;
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        if (n == 0 || line[0] == '#')
            continue;
        if (L->n == TP_MAX_CT_LOGS) {
            snprintf(err, errlen, "more than %d logs", TP_MAX_CT_LOGS);
            tp_ct_logs_free(L);
            return TP_ERR_LIMIT;
        }
        struct tp_ct_log *nlog = realloc(L->log, (L->n + 1) * sizeof *nlog);
        if (!nlog) {
            tp_ct_logs_free(L);
            return TP_ERR_NOMEM;
        }
        L->log = nlog;
        if (!parse_line(line, n, &L->log[L->n])) {
            snprintf(err, errlen, "line %zu: not \"log_id|operator|state|start|end|key|name\" (or log_id is not SHA-256 of key)",
                     lineno);
            tp_ct_logs_free(L);
            return TP_ERR_MALFORMED;
        }
        L->n++;
    }
    snprintf(L->desc, sizeof L->desc, "%zu logs", L->n);
    *out = L;
    return TP_OK;
}

static const uint8_t builtin_list[] = {
#include "ct_logs_builtin.inc"
};

enum tp_err tp_ct_logs_load(const char *path, struct tp_ct_logs **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!path || !path[0])
        path = getenv("TLSPROBE_CT_LOGS");
    if (!path || !path[0]) {
        enum tp_err e = tp_ct_logs_parse((const char *)builtin_list, sizeof builtin_list, out, err, errlen);
        if (e == TP_OK)
            snprintf((*out)->desc, sizeof (*out)->desc, "built-in list (%zu logs)", (*out)->n);
        return e;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open", path);
        return TP_ERR_IO;
    }
    uint8_t *buf = NULL;
    size_t n = 0;
    enum tp_err e = tp_file_slurp(fp, &buf, &n);
    fclose(fp);
    if (e != TP_OK) {
        free(buf);
        snprintf(err, errlen, "%s: cannot read", path);
        return e;
    }
    char lerr[160] = "";
    e = tp_ct_logs_parse((const char *)buf, n, out, lerr, sizeof lerr);
    free(buf);
    if (e != TP_OK) {
        snprintf(err, errlen, "%s: %s", path, lerr);
        return e;
    }
    const char *base = strrchr(path, '/');
    snprintf((*out)->desc, sizeof (*out)->desc, "%.96s (%zu logs)", base ? base + 1 : path, (*out)->n);
    return TP_OK;
}

void tp_ct_logs_free(struct tp_ct_logs *logs)
{
    if (!logs)
        return;
    free(logs->log);
    free(logs);
}

size_t tp_ct_logs_count(const struct tp_ct_logs *logs) { return logs ? logs->n : 0; }

const struct tp_ct_log *tp_ct_logs_find(const struct tp_ct_logs *logs, const uint8_t id[32])
{
    for (size_t i = 0; logs && i < logs->n; i++)
        if (!memcmp(logs->log[i].id, id, 32))
            return &logs->log[i];
    return NULL;
}

/* ---- the signed data ---- */

static void put_u(struct tp_sb *sb, uint64_t v, int bytes)
{
    while (bytes--)
        tp_sb_putc(sb, (char)(uint8_t)(v >> (8 * bytes)));
}

/* The TBSCertificate without the SCT list extension (RFC 6962 §3.2: "the
 * TBSCertificate component of the final certificate, minus the SCT extension"),
 * each enclosing length (extensions SEQUENCE, [3], TBSCertificate) re-encoded. */
enum tp_err tp_sct_precert_tbs(const uint8_t *cert_der, size_t cert_len, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    struct tp_reader r, c, tbs;
    struct der_tlv t;
    tp_reader_init(&r, cert_der, cert_len);
    if (!der_expect(&r, DER_SEQUENCE, NULL, &c) || !der_expect(&c, DER_SEQUENCE, NULL, &tbs))
        return r.err != TP_OK ? r.err : c.err != TP_OK ? c.err : TP_ERR_MALFORMED;
    struct tp_sb body, exts;
    tp_sb_init(&body);
    tp_sb_init(&exts);
    body.max = exts.max = TP_MAX_INPUT_FILE;
    bool found = false;
    enum tp_err e = TP_OK;
    while (e == TP_OK && tp_reader_left(&tbs) > 0) {
        if (!der_next(&tbs, &t)) {
            e = tbs.err;
            break;
        }
        if (t.tag != DER_CTXC(3)) {
            tp_sb_putn(&body, (const char *)t.whole.p, t.whole.len);
            continue;
        }
        struct tp_reader x, list;
        tp_reader_from(&x, t.val);
        if (!der_expect(&x, DER_SEQUENCE, NULL, &list) || !tp_reader_expect_end(&x)) {
            e = TP_ERR_MALFORMED;
            break;
        }
        while (tp_reader_left(&list) > 0) {
            struct der_tlv ext, oid;
            struct tp_reader er;
            if (!der_expect(&list, DER_SEQUENCE, &ext, &er) || !der_expect(&er, DER_OID, &oid, NULL)) {
                e = TP_ERR_MALFORMED;
                break;
            }
            if (oid_is(oid.val, SCT_EXT_OID))
                found = true;
            else
                tp_sb_putn(&exts, (const char *)ext.whole.p, ext.whole.len);
        }
        if (e != TP_OK)
            break;
        /* An extensions field left empty is still written as an empty SEQUENCE:
         * RFC 6962 does not say to drop it, and real CAs always have other extensions. */
        struct tp_sb seq;
        tp_sb_init(&seq);
        seq.max = TP_MAX_INPUT_FILE;
        der_put(&seq, DER_SEQUENCE, (const uint8_t *)exts.buf, exts.len);
        der_put(&body, DER_CTXC(3), (const uint8_t *)seq.buf, seq.len);
        tp_sb_free(&seq);
    }
    if (e == TP_OK && !found)
        e = TP_ERR_NOTFOUND;
    struct tp_sb whole;
    tp_sb_init(&whole);
    whole.max = TP_MAX_INPUT_FILE;
    if (e == TP_OK) {
        der_put(&whole, DER_SEQUENCE, (const uint8_t *)body.buf, body.len);
        if (whole.oom || whole.truncated || body.truncated || exts.truncated)
            e = TP_ERR_NOMEM;
    }
    tp_sb_free(&body);
    tp_sb_free(&exts);
    if (e != TP_OK) {
        tp_sb_free(&whole);
        return e;
    }
    *out_len = whole.len;
    *out = (uint8_t *)tp_sb_take(&whole);
    return *out ? TP_OK : TP_ERR_NOMEM;
}

enum tp_err tp_sct_signed_data(const struct tp_sct *sct, const uint8_t *cert_der, size_t cert_len,
                               const uint8_t *issuer_key_hash, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    uint8_t *tbs = NULL;
    size_t tbs_len = 0;
    if (issuer_key_hash) {
        enum tp_err e = tp_sct_precert_tbs(cert_der, cert_len, &tbs, &tbs_len);
        if (e != TP_OK)
            return e;
    }
    struct tp_sb sb;
    tp_sb_init(&sb);
    sb.max = TP_MAX_INPUT_FILE;
    put_u(&sb, 0, 1);              /* sct_version v1 */
    put_u(&sb, 0, 1);              /* signature_type certificate_timestamp */
    put_u(&sb, sct->timestamp, 8);
    if (issuer_key_hash) {
        put_u(&sb, 1, 2);          /* precert_entry */
        tp_sb_putn(&sb, (const char *)issuer_key_hash, 32);
        put_u(&sb, tbs_len, 3);
        tp_sb_putn(&sb, (const char *)tbs, tbs_len);
    } else {
        put_u(&sb, 0, 2);          /* x509_entry */
        put_u(&sb, cert_len, 3);
        tp_sb_putn(&sb, (const char *)cert_der, cert_len);
    }
    put_u(&sb, sct->extensions.len, 2);
    tp_sb_putn(&sb, (const char *)sct->extensions.p, sct->extensions.len);
    free(tbs);
    if (sb.oom || sb.truncated || (issuer_key_hash ? tbs_len : cert_len) > 0xffffff) {
        tp_sb_free(&sb);
        return TP_ERR_LIMIT;
    }
    *out_len = sb.len;
    *out = (uint8_t *)tp_sb_take(&sb);
    return *out ? TP_OK : TP_ERR_NOMEM;
}

/* 1 verified, 0 not, -1 an algorithm we cannot check. */
static int sig_check(const struct tp_ct_log *lg, uint8_t hash_alg, uint8_t sig_alg, const uint8_t *data, size_t n,
                     const uint8_t *sig, size_t sig_len)
{
    if (hash_alg != 4) /* RFC 6962 §2.1.4: SHA-256 */
        return -1;
    word32 idx = 0;
    int ok = 0;
    if (sig_alg == 3) {
        ecc_key k;
        if (wc_ecc_init(&k) != 0)
            return 0;
        if (wc_EccPublicKeyDecode(lg->key, &idx, &k, (word32)lg->key_len) == 0)
            ok = wc_SignatureVerify(WC_HASH_TYPE_SHA256, WC_SIGNATURE_TYPE_ECC, data, (word32)n, sig, (word32)sig_len,
                                    &k, sizeof k) == 0;
        wc_ecc_free(&k);
        return ok;
    }
    if (sig_alg == 1) {
        RsaKey k;
        if (wc_InitRsaKey(&k, NULL) != 0)
            return 0;
        if (wc_RsaPublicKeyDecode(lg->key, &idx, &k, (word32)lg->key_len) == 0)
            ok = wc_SignatureVerify(WC_HASH_TYPE_SHA256, WC_SIGNATURE_TYPE_RSA_W_ENC, data, (word32)n, sig,
                                    (word32)sig_len, &k, sizeof k) == 0;
        wc_FreeRsaKey(&k);
        return ok;
    }
    return -1;
}

/* ---- judging ---- */

static const char *const source_names[] = { "certificate", "tls", "ocsp" };
static const char *const status_names[] = { "verified", "unknown-log", "bad-signature", "no-issuer", "unsupported",
                                            "future" };

const char *tp_sct_source_name(enum tp_sct_source s) { return (size_t)s < 3 ? source_names[s] : "?"; }
const char *tp_sct_status_name(enum tp_sct_status s)
{
    return (size_t)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "?";
}

static void judge_one(struct tp_ct_result *res, const struct tp_ct_input *in, const struct tp_ct_logs *logs,
                      enum tp_sct_source src, const struct tp_sct *s, time_t now)
{
    res->n_total++;
    if (res->n == TP_MAX_CT_SCTS)
        return;
    struct tp_ct_sct *o = &res->scts[res->n++];
    memset(o, 0, sizeof *o);
    o->source = src;
    o->version = s->version;
    if (s->version != 0) {
        o->status = TP_SCT_UNSUPPORTED;
        return;
    }
    memcpy(o->log_id, s->log_id.p, 32);
    o->timestamp = s->timestamp;
    o->hash_alg = s->hash_alg;
    o->sig_alg = s->sig_alg;
    o->ext_len = s->extensions.len;
    memcpy(o->ext, s->extensions.p, o->ext_len < sizeof o->ext ? o->ext_len : sizeof o->ext);
    o->sig_len = s->signature.len;
    memcpy(o->sig, s->signature.p, o->sig_len < sizeof o->sig ? o->sig_len : sizeof o->sig);
    const struct tp_ct_log *lg = tp_ct_logs_find(logs, o->log_id);
    if (lg) {
        o->log_known = true;
        snprintf(o->log_name, sizeof o->log_name, "%s", lg->name);
        snprintf(o->log_operator, sizeof o->log_operator, "%s", lg->operator_name);
        o->log_state = lg->state;
    }
    if (!lg) {
        o->status = TP_SCT_UNKNOWN_LOG;
        return;
    }
    if (src == TP_SCT_EMBEDDED && !in->issuer) {
        o->status = TP_SCT_NO_ISSUER;
        return;
    }
    uint8_t *data = NULL;
    size_t n = 0;
    const uint8_t *ikh = src == TP_SCT_EMBEDDED ? in->issuer->spki_sha256 : NULL;
    if (tp_sct_signed_data(s, in->leaf->der, in->leaf->der_len, ikh, &data, &n) != TP_OK) {
        o->status = TP_SCT_BAD_SIGNATURE; /* nothing it could have signed */
        return;
    }
    int v = sig_check(lg, s->hash_alg, s->sig_alg, data, n, s->signature.p, s->signature.len);
    free(data);
    o->status = v < 0 ? TP_SCT_UNSUPPORTED : v ? TP_SCT_VERIFIED : TP_SCT_BAD_SIGNATURE;
    /* RFC 6962 §5.2: a client should reject an SCT from the future. */
    if (o->status == TP_SCT_VERIFIED && (int64_t)(s->timestamp / 1000) > (int64_t)now + 300)
        o->status = TP_SCT_FUTURE;
}

/* Counted for a policy: verified, from a log in good standing, one per log;
 * at most per_op from one operator (0: no cap); ok when at least need are
 * counted and, when min_ops, from that many operators. With unknown_ok, an SCT
 * from a log not in the list counts too, as its own operator: could the policy
 * be met if the list knew those logs? */
static void count(const struct tp_ct_result *res, bool embedded, struct tp_ct_policy *p, int need, int per_op,
                  int min_ops, bool unknown_ok)
{
    const uint8_t *seen_log[TP_MAX_CT_SCTS];
    const char *op[TP_MAX_CT_SCTS];
    int op_n[TP_MAX_CT_SCTS];
    size_t n_log = 0, n_op = 0;
    memset(p, 0, sizeof *p);
    p->need = need;
    for (size_t i = 0; i < res->n; i++) {
        const struct tp_ct_sct *s = &res->scts[i];
        if ((s->source == TP_SCT_EMBEDDED) != embedded)
            continue;
        if (unknown_ok && s->status == TP_SCT_UNKNOWN_LOG) {
            bool seen = false;
            for (size_t k = 0; k < i; k++)
                seen = seen || (res->scts[k].status == TP_SCT_UNKNOWN_LOG &&
                                (res->scts[k].source == TP_SCT_EMBEDDED) == embedded &&
                                !memcmp(res->scts[k].log_id, s->log_id, 32));
            if (!seen) {
                p->have++;
                p->operators++;
            }
            continue;
        }
        if (s->status != TP_SCT_VERIFIED)
            continue;
        if (s->log_state == TP_CT_LOG_PENDING || s->log_state == TP_CT_LOG_REJECTED ||
            s->log_state == TP_CT_LOG_RETIRED)
            continue;
        bool dup = false;
        for (size_t k = 0; k < n_log; k++)
            dup = dup || !memcmp(seen_log[k], s->log_id, 32);
        if (dup)
            continue;
        seen_log[n_log++] = s->log_id;
        size_t k = 0;
        while (k < n_op && strcmp(op[k], s->log_operator))
            k++;
        if (k == n_op) {
            op[n_op] = s->log_operator;
            op_n[n_op++] = 0;
        }
        if (per_op && op_n[k] >= per_op)
            continue;
        op_n[k]++;
        p->have++;
    }
    p->operators += (int)n_op;
    p->ok = p->have >= p->need && p->operators >= min_ops;
}

struct tp_ct_result *tp_ct_judge(const struct tp_ct_input *in)
{
    struct tp_sct_list lists[3];
    bool have[3] = { false, false, false }, bad[3] = { false, false, false };
    struct tp_bytes raw[3] = { in->leaf ? in->leaf->sct_list : tp_bytes_make(NULL, 0), in->tls_list, in->ocsp_list };
    bool any = false;
    for (int i = 0; i < 3; i++) {
        if (!raw[i].len)
            continue;
        have[i] = true;
        any = true;
        bad[i] = tp_sct_list_parse(raw[i], &lists[i]) != TP_OK;
    }
    if (!any || !in->leaf)
        return NULL;
    struct tp_ct_result *res = calloc(1, sizeof *res);
    if (!res)
        return NULL;
    struct tp_ct_logs *own = NULL;
    const struct tp_ct_logs *logs = in->logs;
    char err[120] = "";
    if (!logs && tp_ct_logs_load(NULL, &own, err, sizeof err) == TP_OK)
        logs = own;
    if (logs)
        snprintf(res->logs_desc, sizeof res->logs_desc, "%s", logs->desc);
    else
        snprintf(res->logs_desc, sizeof res->logs_desc, "no log list (%s)", err);
    time_t now = in->now ? in->now : time(NULL);
    for (int i = 0; i < 3; i++) {
        res->source_present[i] = have[i];
        res->list_malformed[i] = bad[i];
        if (!have[i] || bad[i])
            continue;
        for (size_t k = 0; k < lists[i].n; k++)
            judge_one(res, in, logs, (enum tp_sct_source)i, &lists[i].sct[k], now);
        res->n_total += lists[i].n_total - lists[i].n;
    }
    tp_ct_logs_free(own);
    for (size_t i = 0; i < res->n; i++) {
        res->n_verified += res->scts[i].status == TP_SCT_VERIFIED;
        res->n_bad += res->scts[i].status == TP_SCT_BAD_SIGNATURE;
        res->n_unknown += res->scts[i].status == TP_SCT_UNKNOWN_LOG;
    }
    /* Lifetime (docs/ct.md). Chrome: notAfter - notBefore, more than 180 days
     * asks 3 SCTs. Apple: notBefore through notAfter inclusive, a started day of
     * 86,400 s counts whole; 180 days or less asks 2 from distinct logs, 1 per
     * operator counted; longer 3, 2 per operator. */
    long secs = (long)(in->leaf->not_after - in->leaf->not_before);
    res->lifetime_days = secs / 86400;
    bool long_lived = secs > 180L * 86400;
    long apple_days = (secs + 1 + 86399) / 86400;
    bool apple_long = apple_days > 180;
    count(res, true, &res->chrome_embedded, long_lived ? 3 : 2, 0, 2, false);
    count(res, false, &res->chrome_delivered, 2, 0, 2, false);
    count(res, true, &res->apple_embedded, apple_long ? 3 : 2, apple_long ? 2 : 1, 0, false);
    count(res, false, &res->apple_delivered, 2, 0, 0, false);
    res->chrome_ok = res->chrome_embedded.ok || res->chrome_delivered.ok;
    res->apple_ok = res->apple_embedded.ok || res->apple_delivered.ok;
    if ((!res->chrome_ok || !res->apple_ok) && res->n_unknown) {
        struct tp_ct_policy ce, cd, ae, ad;
        count(res, true, &ce, long_lived ? 3 : 2, 0, 2, true);
        count(res, false, &cd, 2, 0, 2, true);
        count(res, true, &ae, apple_long ? 3 : 2, apple_long ? 2 : 1, 0, true);
        count(res, false, &ad, 2, 0, 0, true);
        res->undetermined = (ce.ok || cd.ok) && (ae.ok || ad.ok);
    }
    if (!res->chrome_ok || !res->apple_ok) {
        /* Say it for the route the server uses: embedded unless only delivered SCTs came. */
        bool use_delivered = !have[0] && (have[1] || have[2]);
        const struct tp_ct_policy *p = use_delivered ? &res->chrome_delivered : &res->chrome_embedded;
        const char *who = !res->chrome_ok && !res->apple_ok ? "Chrome and Apple" : !res->chrome_ok ? "Chrome" : "Apple";
        snprintf(res->missing, sizeof res->missing,
                 "%s: %s SCTs from %d log%s counted of %d needed%s, from %d operator%s of 2 needed", who,
                 use_delivered ? "TLS/OCSP-delivered" : "embedded", p->have, p->have == 1 ? "" : "s", p->need,
                 use_delivered ? "" : long_lived ? " (lifetime over 180 days)" : " (lifetime up to 180 days)",
                 p->operators, p->operators == 1 ? "" : "s");
    }
    return res;
}
