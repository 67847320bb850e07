/* CRLs (RFC 5280 §5.1) on the DER walker; signatures by wolfCrypt (sig.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/crl.h"
#include "x509_int.h"

#define DER_ENUMERATED 0x0a

void tp_crl_free(struct tp_crl *crl)
{
    if (!crl)
        return;
    free(crl->entries);
    free(crl->issuer);
    free(crl->der);
    free(crl);
}

static void hex_into(char *out, size_t n, struct tp_bytes v)
{
    struct tp_sb sb;
    tp_sb_init(&sb);
    if (v.len > 1 && v.p[0] == 0 && (v.p[1] & 0x80))
        v = tp_bytes_make(v.p + 1, v.len - 1);
    tp_sb_put_hex(&sb, v.p, v.len, ':');
    snprintf(out, n, "%s", tp_sb_str(&sb));
    tp_sb_free(&sb);
}

/* A Time (UTCTime or GeneralizedTime). */
static bool crl_time(struct tp_reader *r, time_t *out)
{
    struct der_tlv t;
    if (!der_next(r, &t))
        return false;
    if ((t.tag != DER_UTCTIME && t.tag != DER_GENTIME) || !der_time(&t, out))
        return tp_reader_fail(r, TP_ERR_MALFORMED);
    return true;
}

/* Extensions content: call fn for each (oid, value). */
static bool each_ext(struct tp_bytes exts, void (*fn)(void *, struct tp_bytes, struct tp_bytes), void *ctx)
{
    struct tp_reader r, e;
    tp_reader_from(&r, exts);
    while (tp_reader_left(&r) > 0) {
        struct der_tlv oid, crit, val;
        der_expect(&r, DER_SEQUENCE, NULL, &e);
        der_expect(&e, DER_OID, &oid, NULL);
        der_optional(&e, DER_BOOLEAN, &crit);
        der_expect(&e, DER_OCTET_STRING, &val, NULL);
        tp_reader_expect_end(&e);
        if (!tp_reader_join(&r, &e))
            return false;
        fn(ctx, oid.val, val.val);
    }
    return tp_reader_ok(&r);
}

static void entry_ext(void *ctx, struct tp_bytes oid, struct tp_bytes val)
{
    struct tp_crl_entry *e = ctx;
    if (!oid_is(oid, "2.5.29.21")) /* reasonCode */
        return;
    struct tp_reader r;
    struct der_tlv v;
    tp_reader_from(&r, val);
    if (der_expect(&r, DER_ENUMERATED, &v, NULL) && v.val.len == 1 && v.val.p[0] <= 10)
        e->reason = v.val.p[0];
}

static void crl_ext(void *ctx, struct tp_bytes oid, struct tp_bytes val)
{
    struct tp_crl *c = ctx;
    struct tp_reader r;
    struct der_tlv v;
    tp_reader_from(&r, val);
    if (oid_is(oid, "2.5.29.20") && der_expect(&r, DER_INTEGER, &v, NULL)) { /* cRLNumber */
        c->has_crl_number = true;
        hex_into(c->crl_number_hex, sizeof c->crl_number_hex, v.val);
    } else if (oid_is(oid, "2.5.29.27") && der_expect(&r, DER_INTEGER, &v, NULL)) { /* deltaCRLIndicator */
        c->is_delta = true;
        hex_into(c->delta_base_hex, sizeof c->delta_base_hex, v.val);
    }
}

/* One revokedCertificates entry. */
static bool next_entry(struct tp_reader *list, struct tp_crl_entry *e)
{
    struct tp_reader er;
    struct der_tlv ser, exts;
    memset(e, 0, sizeof *e);
    e->reason = -1;
    der_expect(list, DER_SEQUENCE, NULL, &er);
    der_expect(&er, DER_INTEGER, &ser, NULL);
    crl_time(&er, &e->revocation_date);
    if (der_optional(&er, DER_SEQUENCE, &exts) && !each_ext(exts.val, entry_ext, e))
        tp_reader_fail(&er, TP_ERR_MALFORMED);
    tp_reader_expect_end(&er);
    if (!tp_reader_join(list, &er))
        return false;
    if (ser.val.len == 0)
        return tp_reader_fail(list, TP_ERR_MALFORMED);
    e->serial = ser.val;
    hex_into(e->serial_hex, sizeof e->serial_hex, ser.val);
    return true;
}

enum tp_err tp_crl_parse(const uint8_t *der, size_t len, struct tp_crl **out)
{
    *out = NULL;
    if (!der || !len)
        return TP_ERR_TRUNCATED;
    struct tp_crl *c = calloc(1, sizeof *c);
    if (!c || !(c->der = malloc(len)) || !(c->entries = calloc(TP_MAX_CRL_ENTRIES, sizeof *c->entries))) {
        tp_crl_free(c);
        return TP_ERR_NOMEM;
    }
    memcpy(c->der, der, len);
    c->der_len = len;
    struct tp_reader r, cl, tbs, alg;
    struct der_tlv tbs_tlv, alg_oid, sig, t, issuer;
    tp_reader_init(&r, c->der, len);
    der_expect(&r, DER_SEQUENCE, NULL, &cl);
    tp_reader_expect_end(&r);
    tp_reader_join(&r, &cl);
    der_expect(&cl, DER_SEQUENCE, &tbs_tlv, &tbs);
    der_expect(&cl, DER_SEQUENCE, NULL, &alg);
    der_expect(&alg, DER_OID, &alg_oid, NULL);
    tp_reader_join(&cl, &alg);
    der_expect(&cl, DER_BIT_STRING, &sig, NULL);
    tp_reader_expect_end(&cl);
    tp_reader_join(&r, &cl);
    c->version = 1;
    uint8_t tag;
    if (tp_reader_ok(&r) && der_peek(&tbs, &tag) && tag == DER_INTEGER) {
        der_next(&tbs, &t);
        if (t.val.len != 1 || t.val.p[0] != 1)
            tp_reader_fail(&tbs, TP_ERR_MALFORMED);
        c->version = 2;
    }
    der_expect(&tbs, DER_SEQUENCE, NULL, NULL); /* signature */
    der_expect(&tbs, DER_SEQUENCE, &issuer, NULL);
    crl_time(&tbs, &c->this_update);
    if (der_peek(&tbs, &tag) && (tag == DER_UTCTIME || tag == DER_GENTIME))
        c->has_next_update = crl_time(&tbs, &c->next_update);
    if (der_optional(&tbs, DER_SEQUENCE, &t)) {
        c->revoked_der = t.val;
        struct tp_reader list;
        tp_reader_from(&list, t.val);
        while (tp_reader_ok(&list) && tp_reader_left(&list) > 0) {
            struct tp_crl_entry e;
            if (!next_entry(&list, &e))
                break;
            if (c->n_entries < TP_MAX_CRL_ENTRIES)
                c->entries[c->n_entries++] = e;
            c->n_entries_total++;
        }
        tp_reader_join(&tbs, &list);
    }
    if (der_optional(&tbs, DER_CTXC(0), &t)) {
        struct tp_reader xr;
        struct der_tlv exts;
        tp_reader_from(&xr, t.val);
        der_expect(&xr, DER_SEQUENCE, &exts, NULL);
        tp_reader_expect_end(&xr);
        if (!tp_reader_join(&tbs, &xr) || !each_ext(exts.val, crl_ext, c))
            tp_reader_fail(&tbs, TP_ERR_MALFORMED);
    }
    tp_reader_expect_end(&tbs);
    tp_reader_join(&r, &tbs);
    enum tp_err e = r.err;
    if (e == TP_OK) {
        struct tp_sb sb;
        tp_sb_init(&sb);
        if (!name_text(issuer.val, &sb))
            e = TP_ERR_MALFORMED;
        c->issuer = tp_sb_take(&sb);
        if (e == TP_OK && !c->issuer)
            e = TP_ERR_NOMEM;
    }
    if (e != TP_OK) {
        tp_crl_free(c);
        return e;
    }
    c->issuer_der = issuer.val;
    c->tbs = tbs_tlv.whole;
    c->sig_alg_oid = alg_oid.val;
    c->signature = sig.val;
    sig_alg_name(alg_oid.val, c->sig_alg, &c->sig_weak);
    *out = c;
    return TP_OK;
}

int tp_crl_verify(const struct tp_crl *crl, const struct tp_cert_info *issuer)
{
    struct cert_parts ip;
    enum tp_err e;
    if (!crl || !issuer || !cert_locate(issuer->der, issuer->der_len, &ip, &e))
        return 0;
    return sig_verify_raw(crl->sig_alg_oid, crl->tbs, crl->signature, ip.spki.whole);
}

bool tp_crl_covers(const struct tp_crl *crl, const struct tp_cert_info *cert)
{
    return crl && cert && crl->issuer_der.len == cert->issuer_der.len &&
           memcmp(crl->issuer_der.p, cert->issuer_der.p, cert->issuer_der.len) == 0;
}

bool tp_crl_lookup(const struct tp_crl *crl, const struct tp_cert_info *cert, struct tp_crl_entry *out)
{
    struct cert_parts cp;
    enum tp_err e;
    if (!crl || !cert || !cert_locate(cert->der, cert->der_len, &cp, &e))
        return false;
    struct tp_reader list;
    tp_reader_from(&list, crl->revoked_der);
    while (tp_reader_ok(&list) && tp_reader_left(&list) > 0) {
        struct tp_crl_entry en;
        if (!next_entry(&list, &en))
            return false;
        if (en.serial.len == cp.serial.val.len && !memcmp(en.serial.p, cp.serial.val.p, en.serial.len)) {
            *out = en;
            return true;
        }
    }
    return false;
}
