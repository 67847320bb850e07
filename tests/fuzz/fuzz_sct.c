/* libFuzzer: Certificate Transparency (src/x509/sct.c, tlsprobe/sct.h).
 *
 * Input: byte 0 selects the mode (the rest is the payload).
 *
 * Mode bit 0 clear, "everything": the payload is read as everything an SCT path
 * meets: an SCT list (the TLS extension's bytes, the X.509 extension's, the OCSP
 * extension's), a log list file, a certificate whose TBS is re-encoded without
 * its SCT extension (which must then have none left), and a leaf whose SCTs are
 * judged with the payload as the TLS-delivered and the OCSP lists too, against
 * the built-in log list.
 *
 * Mode bit 0 set, "judge": the payload is
 *
 *     now (4 bytes, big-endian seconds; 0: the clock)
 *     leaf DER, issuer DER, TLS SCT list, OCSP SCT list: each behind a 2-byte
 *         big-endian length (a length past the end takes what is left)
 *     the log list text (docs/ct.md "Log list file"): the rest
 *
 * and tp_ct_judge judges the leaf's embedded, TLS and OCSP SCTs with the issuer
 * (none when its part is empty or does not parse) against the input's log list
 * (one that does not parse is an empty list), or with mode bit 1 set against
 * the built-in list (logs = NULL). The result is checked against what the parts
 * say: the SCT counts per source, the statuses against the log list, the policy
 * counts against the verified SCTs; a violated invariant aborts.
 * tests/fuzz/make_sct_seeds.py writes seeds of both modes, with SCTs signed by
 * test logs so that the signature checks run. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/sct.h"
#include "tlsprobe/x509.h"

#define MODE_JUDGE 0x01u   /* framed parts, tp_ct_judge; else the "everything" mode */
#define MODE_BUILTIN 0x02u /* judge: the built-in log list (logs = NULL) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

static void everything(const uint8_t *data, size_t size)
{
    static struct tp_sct_list list;
    struct tp_bytes in = tp_bytes_make(data, size);
    if (tp_sct_list_parse(in, &list) == TP_OK) {
        if (list.n > TP_MAX_SCTS || list.n > list.n_total)
            abort();
        for (size_t i = 0; i < list.n; i++)
            if (list.sct[i].version == 0 && list.sct[i].log_id.len != 32)
                abort();
    }
    struct tp_bytes unwrapped;
    if (tp_sct_ext_unwrap(in, &unwrapped))
        (void)tp_sct_list_parse(unwrapped, &list);

    struct tp_ct_logs *logs = NULL;
    char err[160];
    if (tp_ct_logs_parse((const char *)data, size, &logs, err, sizeof err) == TP_OK) {
        for (size_t i = 0; i < tp_ct_logs_count(logs); i++)
            (void)tp_ct_logs_find(logs, data);
    }

    uint8_t *tbs = NULL, *again = NULL;
    size_t n = 0, n2 = 0;
    if (tp_sct_precert_tbs(data, size, &tbs, &n) == TP_OK) {
        /* the re-encoded TBS wrapped as a one-element SEQUENCE is a "certificate"
         * again: it must have no SCT extension left */
        uint8_t *wrap = malloc(n + 6);
        if (wrap) {
            size_t h = 0;
            wrap[h++] = 0x30;
            if (n < 0x80) {
                wrap[h++] = (uint8_t)n;
            } else {
                wrap[h++] = 0x83;
                wrap[h++] = (uint8_t)(n >> 16);
                wrap[h++] = (uint8_t)(n >> 8);
                wrap[h++] = (uint8_t)n;
            }
            for (size_t i = 0; i < n; i++)
                wrap[h + i] = tbs[i];
            if (n < 0x1000000 && tp_sct_precert_tbs(wrap, h + n, &again, &n2) == TP_OK)
                abort();
            free(again);
            free(wrap);
        }
        free(tbs);
    }

    struct tp_cert_info *leaf = NULL;
    if (tp_cert_parse(data, size, &leaf) == TP_OK) {
        struct tp_ct_input ci = { .leaf = leaf, .issuer = leaf, .tls_list = in, .ocsp_list = in, .logs = logs };
        struct tp_ct_result *r = tp_ct_judge(&ci);
        if (r && (r->n > TP_MAX_CT_SCTS || r->n_verified + r->n_bad + r->n_unknown > r->n))
            abort();
        free(r);
        tp_cert_free(leaf);
    }
    tp_ct_logs_free(logs);
}

/* The next part behind a 2-byte length; a length past the end takes the rest. */
static struct tp_bytes part(const uint8_t **p, size_t *left)
{
    size_t n = 0;
    if (*left >= 2) {
        n = (size_t)(*p)[0] << 8 | (*p)[1];
        *p += 2;
        *left -= 2;
    } else {
        *p += *left;
        *left = 0;
    }
    if (n > *left)
        n = *left;
    struct tp_bytes b = tp_bytes_make(n ? *p : NULL, n);
    *p += n;
    *left -= n;
    return b;
}

static void policy_check(const struct tp_ct_policy *p, const struct tp_ct_result *r)
{
    if (p->ok && p->have < p->need)
        abort();
    if (p->have < 0 || p->operators < 0 || (size_t)p->have > r->n_verified)
        abort();
}

/* Invariants of one judgement; lists: what the three sources decode to. */
static void judge_check(const struct tp_ct_result *r, const struct tp_ct_input *ci, const struct tp_ct_logs *logs,
                        const struct tp_bytes raw[3])
{
    static struct tp_sct_list lists[3];
    size_t want_n = 0, want_total = 0, n_src[3] = { 0, 0, 0 };
    for (int i = 0; i < 3; i++) {
        bool present = raw[i].len > 0;
        if (r->source_present[i] != present || (r->list_malformed[i] && !present))
            abort();
        if (!present)
            continue;
        bool ok = tp_sct_list_parse(raw[i], &lists[i]) == TP_OK;
        if (r->list_malformed[i] == ok)
            abort();
        if (ok) {
            want_n += lists[i].n;
            want_total += lists[i].n_total;
        }
    }
    if (r->n != (want_n < TP_MAX_CT_SCTS ? want_n : TP_MAX_CT_SCTS) || r->n_total != want_total)
        abort();
    size_t v = 0, b = 0, u = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct tp_ct_sct *s = &r->scts[i];
        if ((unsigned)s->source > TP_SCT_OCSP || (unsigned)s->status > TP_SCT_FUTURE)
            abort();
        n_src[s->source]++;
        /* judged in source order: embedded, then TLS, then OCSP */
        if (i > 0 && s->source < r->scts[i - 1].source)
            abort();
        v += s->status == TP_SCT_VERIFIED;
        b += s->status == TP_SCT_BAD_SIGNATURE;
        u += s->status == TP_SCT_UNKNOWN_LOG;
        if (s->version != 0) {
            if (s->status != TP_SCT_UNSUPPORTED || s->log_known)
                abort();
            continue;
        }
        if (s->log_known != (s->status != TP_SCT_UNKNOWN_LOG))
            abort();
        if (s->status == TP_SCT_NO_ISSUER && (s->source != TP_SCT_EMBEDDED || ci->issuer))
            abort();
        if (s->status == TP_SCT_VERIFIED && s->hash_alg != 4)
            abort();
        /* RFC 6962 §5.2: verified and from the future is FUTURE (judged at ci->now) */
        if (ci->now > 0 && (s->status == TP_SCT_FUTURE || s->status == TP_SCT_VERIFIED) &&
            (s->status == TP_SCT_FUTURE) != (s->timestamp / 1000 > (uint64_t)ci->now + 300))
            abort();
        if (logs) {
            const struct tp_ct_log *lg = tp_ct_logs_find(logs, s->log_id);
            if ((lg != NULL) != s->log_known)
                abort();
            if (lg && (s->log_state != lg->state || strcmp(s->log_name, lg->name) ||
                       strcmp(s->log_operator, lg->operator_name)))
                abort();
        }
        if (!tp_sct_source_name(s->source) || !tp_sct_status_name(s->status) ||
            !tp_ct_log_state_name(s->log_state))
            abort();
    }
    for (int i = 0; i < 3; i++)
        if (n_src[i] > (r->list_malformed[i] || !r->source_present[i] ? 0 : lists[i].n))
            abort();
    if (v != r->n_verified || b != r->n_bad || u != r->n_unknown)
        abort();
    policy_check(&r->chrome_embedded, r);
    policy_check(&r->chrome_delivered, r);
    policy_check(&r->apple_embedded, r);
    policy_check(&r->apple_delivered, r);
    if (r->chrome_ok != (r->chrome_embedded.ok || r->chrome_delivered.ok) ||
        r->apple_ok != (r->apple_embedded.ok || r->apple_delivered.ok))
        abort();
    if ((r->missing[0] == 0) != (r->chrome_ok && r->apple_ok))
        abort();
    if (r->undetermined && ((r->chrome_ok && r->apple_ok) || r->n_unknown == 0))
        abort();
    if (r->lifetime_days != (long)(ci->leaf->not_after - ci->leaf->not_before) / 86400)
        abort();
    if (!memchr(r->missing, 0, sizeof r->missing) || !memchr(r->logs_desc, 0, sizeof r->logs_desc) ||
        !r->logs_desc[0])
        abort();
}

static void judge(uint8_t mode, const uint8_t *p, size_t left)
{
    uint32_t now = 0;
    for (int i = 0; i < 4 && left > 0; i++, p++, left--)
        now = now << 8 | *p;
    struct tp_bytes leaf_der = part(&p, &left), issuer_der = part(&p, &left);
    struct tp_bytes tls = part(&p, &left), ocsp = part(&p, &left);
    struct tp_ct_logs *logs = NULL;
    char err[160];
    if (!(mode & MODE_BUILTIN) && tp_ct_logs_parse((const char *)p, left, &logs, err, sizeof err) != TP_OK &&
        tp_ct_logs_parse("", 0, &logs, err, sizeof err) != TP_OK)
        abort(); /* an empty list always reads */
    if (!(mode & MODE_BUILTIN) && tp_ct_logs_count(logs) > TP_MAX_CT_LOGS)
        abort();

    struct tp_cert_info *leaf = NULL, *issuer = NULL;
    if (tp_cert_parse(leaf_der.p, leaf_der.len, &leaf) != TP_OK)
        leaf = NULL;
    if (issuer_der.len && tp_cert_parse(issuer_der.p, issuer_der.len, &issuer) != TP_OK)
        issuer = NULL;
    struct tp_ct_input ci = { .leaf = leaf, .issuer = issuer, .tls_list = tls, .ocsp_list = ocsp, .logs = logs,
                              .now = (time_t)now };
    struct tp_ct_result *r = tp_ct_judge(&ci);
    struct tp_bytes raw[3] = { leaf ? leaf->sct_list : tp_bytes_make(NULL, 0), tls, ocsp };
    bool any = raw[0].len || raw[1].len || raw[2].len;
    if (!leaf || !any) {
        if (r) /* no leaf, or no SCT from any source: nothing to judge */
            abort();
    } else if (r) { /* NULL only when out of memory */
        judge_check(r, &ci, logs, raw);
    }
    free(r);
    tp_cert_free(issuer);
    tp_cert_free(leaf);
    tp_ct_logs_free(logs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & MODE_JUDGE)
        judge(data[0], data + 1, size - 1);
    else
        everything(data + 1, size - 1);
    return 0;
}
