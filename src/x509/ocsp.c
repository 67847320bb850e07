/* OCSP responses (RFC 6960 §4.2.1) on the DER walker; signature checks by
 * wolfCrypt (sig.c); CertID hashes by wolfCrypt's wc_Hash. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/ocsp.h"
#include "x509_int.h"

#define OID_OCSP_BASIC "1.3.6.1.5.5.7.48.1.1"
#define OID_OCSP_NONCE "1.3.6.1.5.5.7.48.1.2"
#define OID_OCSP_SCT_LIST "1.3.6.1.4.1.11129.2.4.5" /* RFC 6962 §3.3 */
#define DER_ENUMERATED 0x0a

static const struct {
    const char *oid, *name;
    enum wc_HashType type;
} hash_algs[] = {
    { "1.3.14.3.2.26", "sha1", WC_HASH_TYPE_SHA },
    { "2.16.840.1.101.3.4.2.4", "sha224", WC_HASH_TYPE_SHA224 },
    { "2.16.840.1.101.3.4.2.1", "sha256", WC_HASH_TYPE_SHA256 },
    { "2.16.840.1.101.3.4.2.2", "sha384", WC_HASH_TYPE_SHA384 },
    { "2.16.840.1.101.3.4.2.3", "sha512", WC_HASH_TYPE_SHA512 },
};

const char *tp_ocsp_resp_status_name(int status)
{
    switch (status) {
    case TP_OCSP_SUCCESSFUL: return "successful";
    case TP_OCSP_MALFORMED_REQUEST: return "malformedRequest";
    case TP_OCSP_INTERNAL_ERROR: return "internalError";
    case TP_OCSP_TRY_LATER: return "tryLater";
    case TP_OCSP_SIG_REQUIRED: return "sigRequired";
    case TP_OCSP_UNAUTHORIZED: return "unauthorized";
    default: return "unknown";
    }
}

const char *tp_ocsp_cert_status_name(enum tp_ocsp_cert_status s)
{
    return s == TP_OCSP_GOOD ? "good" : s == TP_OCSP_REVOKED ? "revoked" : "unknown";
}

const char *tp_ocsp_reason_name(int reason)
{
    /* RFC 5280 §5.3.1; 7 is not used. */
    static const char *const names[] = { "unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
                                         "superseded", "cessationOfOperation", "certificateHold", NULL,
                                         "removeFromCRL", "privilegeWithdrawn", "aACompromise" };
    if (reason < 0 || reason >= (int)(sizeof names / sizeof names[0]))
        return NULL;
    return names[reason];
}

const char *tp_ocsp_sig_name(enum tp_ocsp_sig s)
{
    switch (s) {
    case TP_OCSP_SIG_OK: return "valid";
    case TP_OCSP_SIG_BAD: return "bad-signature";
    case TP_OCSP_SIG_NO_SIGNER: return "no-signer";
    case TP_OCSP_SIG_BAD_DELEGATE: return "bad-delegate";
    case TP_OCSP_SIG_UNSUPPORTED: return "unsupported";
    default: return "not-checked";
    }
}

void tp_ocsp_free(struct tp_ocsp_response *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_certs; i++)
        tp_cert_free(r->certs[i]);
    free(r->certs);
    free(r->singles);
    free(r->responder_name);
    free(r->der);
    free(r);
}

/* A small non-negative INTEGER or ENUMERATED content (at most 4 octets). */
static bool small_int(struct tp_bytes v, int *out)
{
    if (v.len == 0 || v.len > 4 || (v.p[0] & 0x80))
        return false;
    unsigned x = 0;
    for (size_t i = 0; i < v.len; i++)
        x = x << 8 | v.p[i];
    if (x > 0x7fffffff)
        return false;
    *out = (int)x;
    return true;
}

static void serial_text(struct tp_bytes ser, char *out, size_t outlen)
{
    struct tp_sb sb;
    tp_sb_init(&sb);
    if (ser.len > 1 && ser.p[0] == 0 && (ser.p[1] & 0x80))
        ser = tp_bytes_make(ser.p + 1, ser.len - 1);
    tp_sb_put_hex(&sb, ser.p, ser.len, ':');
    snprintf(out, outlen, "%s", tp_sb_str(&sb));
    tp_sb_free(&sb);
}

/* A GeneralizedTime TLV (RFC 6960 uses GeneralizedTime only; UTCTime refused). */
static bool gen_time(struct tp_reader *r, time_t *out)
{
    struct der_tlv t;
    if (!der_expect(r, DER_GENTIME, &t, NULL))
        return false;
    if (!der_time(&t, out))
        return tp_reader_fail(r, TP_ERR_MALFORMED);
    return true;
}

/* SingleResponse (§4.2.1). */
static bool parse_single(struct tp_reader *r, struct tp_ocsp_single *s)
{
    struct tp_reader sr, cid, alg, st, rev;
    struct der_tlv oid, t, ser;
    memset(s, 0, sizeof *s);
    s->revocation_reason = -1;
    der_expect(r, DER_SEQUENCE, NULL, &sr);
    if (!tp_reader_join(r, &sr))
        return false;
    der_expect(&sr, DER_SEQUENCE, NULL, &cid);
    der_expect(&cid, DER_SEQUENCE, NULL, &alg);
    der_expect(&alg, DER_OID, &oid, NULL);
    /* parameters: NULL or absent */
    if (tp_reader_left(&alg) > 0)
        der_expect(&alg, DER_NULL, NULL, NULL);
    tp_reader_expect_end(&alg);
    tp_reader_join(&cid, &alg);
    der_expect(&cid, DER_OCTET_STRING, &t, NULL);
    s->issuer_name_hash = t.val;
    der_expect(&cid, DER_OCTET_STRING, &t, NULL);
    s->issuer_key_hash = t.val;
    der_expect(&cid, DER_INTEGER, &ser, NULL);
    tp_reader_expect_end(&cid);
    tp_reader_join(&sr, &cid);
    if (!tp_reader_ok(&sr) || ser.val.len == 0)
        return tp_reader_fail(r, tp_reader_ok(&sr) ? TP_ERR_MALFORMED : sr.err);
    s->serial = ser.val;
    serial_text(ser.val, s->serial_hex, sizeof s->serial_hex);
    snprintf(s->hash_alg, sizeof s->hash_alg, "%s", "");
    for (size_t i = 0; i < sizeof hash_algs / sizeof hash_algs[0]; i++)
        if (oid_is(oid.val, hash_algs[i].oid))
            snprintf(s->hash_alg, sizeof s->hash_alg, "%s", hash_algs[i].name);
    if (!s->hash_alg[0]) {
        struct tp_sb sb;
        tp_sb_init(&sb);
        oid_text(&sb, oid.val);
        snprintf(s->hash_alg, sizeof s->hash_alg, "%s", tp_sb_str(&sb));
        tp_sb_free(&sb);
    }
    /* CertStatus: good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo,
     * unknown [2] IMPLICIT UnknownInfo (NULL). */
    if (!der_next(&sr, &t))
        return tp_reader_join(r, &sr);
    if (t.tag == DER_CTX(0) && t.val.len == 0) {
        s->status = TP_OCSP_GOOD;
    } else if (t.tag == DER_CTX(2) && t.val.len == 0) {
        s->status = TP_OCSP_UNKNOWN;
    } else if (t.tag == DER_CTXC(1)) {
        s->status = TP_OCSP_REVOKED;
        tp_reader_from(&rev, t.val);
        gen_time(&rev, &s->revocation_time);
        struct der_tlv reason;
        if (der_optional(&rev, DER_CTXC(0), &reason)) {
            struct tp_reader rr;
            struct der_tlv e;
            tp_reader_from(&rr, reason.val);
            der_expect(&rr, DER_ENUMERATED, &e, NULL);
            tp_reader_expect_end(&rr);
            if (!tp_reader_join(&rev, &rr) || !small_int(e.val, &s->revocation_reason) ||
                s->revocation_reason > 10)
                tp_reader_fail(&rev, TP_ERR_MALFORMED);
        }
        tp_reader_expect_end(&rev);
        tp_reader_join(&sr, &rev);
    } else {
        tp_reader_fail(&sr, TP_ERR_MALFORMED);
    }
    gen_time(&sr, &s->this_update);
    struct der_tlv nu;
    if (der_optional(&sr, DER_CTXC(0), &nu)) {
        tp_reader_from(&st, nu.val);
        gen_time(&st, &s->next_update);
        tp_reader_expect_end(&st);
        tp_reader_join(&sr, &st);
        s->has_next_update = true;
    }
    struct der_tlv ext;
    if (der_optional(&sr, DER_CTXC(1), &ext)) { /* singleExtensions: only the SCT list is read */
        struct tp_reader outer, exts, one;
        tp_reader_from(&outer, ext.val);
        der_expect(&outer, DER_SEQUENCE, NULL, &exts);
        while (tp_reader_ok(&exts) && tp_reader_left(&exts) > 0) {
            struct der_tlv eoid, crit, val;
            der_expect(&exts, DER_SEQUENCE, NULL, &one);
            tp_reader_join(&exts, &one);
            der_expect(&one, DER_OID, &eoid, NULL);
            der_optional(&one, DER_BOOLEAN, &crit);
            der_expect(&one, DER_OCTET_STRING, &val, NULL);
            if (!tp_reader_ok(&one))
                break;
            if (oid_is(eoid.val, OID_OCSP_SCT_LIST))
                s->sct_ext = val.val;
        }
    }
    tp_reader_expect_end(&sr);
    return tp_reader_join(r, &sr);
}

/* responseExtensions [1] EXPLICIT Extensions: the nonce (§4.4.1). */
static void parse_exts(struct tp_reader *r, struct tp_ocsp_response *o)
{
    struct tp_reader exts, ext;
    der_expect(r, DER_SEQUENCE, NULL, &exts);
    tp_reader_join(r, &exts);
    while (tp_reader_ok(&exts) && tp_reader_left(&exts) > 0) {
        struct der_tlv oid, crit, val;
        der_expect(&exts, DER_SEQUENCE, NULL, &ext);
        tp_reader_join(&exts, &ext);
        der_expect(&ext, DER_OID, &oid, NULL);
        der_optional(&ext, DER_BOOLEAN, &crit);
        der_expect(&ext, DER_OCTET_STRING, &val, NULL);
        tp_reader_expect_end(&ext);
        if (!tp_reader_join(&exts, &ext))
            break;
        if (oid_is(oid.val, OID_OCSP_NONCE)) {
            o->has_nonce = true;
            o->nonce = val.val;
            /* RFC 8954 §2.1: Nonce ::= OCTET STRING inside the extnValue; some
             * responders put the bare octets: keep them as they came then. */
            struct tp_reader nr;
            struct der_tlv inner;
            tp_reader_from(&nr, val.val);
            if (der_next(&nr, &inner) && inner.tag == DER_OCTET_STRING && tp_reader_done(&nr))
                o->nonce = inner.val;
        }
    }
    tp_reader_join(r, &exts);
}

static enum tp_err parse_certs(struct tp_reader *r, struct tp_ocsp_response *o)
{
    struct tp_reader seq;
    struct der_tlv c;
    der_expect(r, DER_SEQUENCE, NULL, &seq);
    if (!tp_reader_join(r, &seq))
        return r->err;
    while (tp_reader_left(&seq) > 0) {
        if (!der_next(&seq, &c) || c.tag != DER_SEQUENCE) {
            tp_reader_fail(&seq, TP_ERR_MALFORMED);
            tp_reader_join(r, &seq);
            return r->err;
        }
        o->n_certs_total++;
        if (o->n_certs >= TP_MAX_OCSP_CERTS)
            continue;
        struct tp_cert_info *ci;
        enum tp_err e = tp_cert_parse(c.whole.p, c.whole.len, &ci);
        if (e != TP_OK)
            return e;
        o->certs[o->n_certs++] = ci;
    }
    return TP_OK;
}

/* BasicOCSPResponse (§4.2.1). */
static enum tp_err parse_basic(struct tp_bytes b, struct tp_ocsp_response *o)
{
    struct tp_reader r, br, tbs, alg, rid;
    struct der_tlv t, tbs_tlv, alg_oid, sig;
    tp_reader_from(&r, b);
    der_expect(&r, DER_SEQUENCE, NULL, &br);
    tp_reader_expect_end(&r);
    tp_reader_join(&r, &br);
    der_expect(&br, DER_SEQUENCE, &tbs_tlv, &tbs);
    der_expect(&br, DER_SEQUENCE, NULL, &alg);
    der_expect(&alg, DER_OID, &alg_oid, NULL);
    tp_reader_join(&br, &alg);
    der_expect(&br, DER_BIT_STRING, &sig, NULL);
    if (!tp_reader_ok(&br))
        return br.err;
    o->tbs = tbs_tlv.whole;
    o->sig_alg_oid = alg_oid.val;
    o->signature = sig.val;
    sig_alg_name(alg_oid.val, o->sig_alg, &o->sig_weak);

    /* ResponseData */
    o->version = 1;
    if (der_optional(&tbs, DER_CTXC(0), &t)) {
        struct tp_reader vr;
        struct der_tlv v;
        int ver = -1;
        tp_reader_from(&vr, t.val);
        der_expect(&vr, DER_INTEGER, &v, NULL);
        tp_reader_expect_end(&vr);
        if (!tp_reader_join(&tbs, &vr) || !small_int(v.val, &ver) || ver > 100)
            return TP_ERR_MALFORMED;
        o->version = ver + 1;
    }
    if (!der_next(&tbs, &t))
        return tbs.err;
    tp_reader_from(&rid, t.val);
    if (t.tag == DER_CTXC(1)) { /* byName: [1] EXPLICIT Name */
        struct der_tlv name;
        der_expect(&rid, DER_SEQUENCE, &name, NULL);
        tp_reader_expect_end(&rid);
        if (!tp_reader_ok(&rid))
            return rid.err;
        o->responder_name_der = name.val;
        struct tp_sb sb;
        tp_sb_init(&sb);
        if (!name_text(name.val, &sb)) {
            tp_sb_free(&sb);
            return TP_ERR_MALFORMED;
        }
        o->responder_name = tp_sb_take(&sb);
        if (!o->responder_name)
            return TP_ERR_NOMEM;
    } else if (t.tag == DER_CTXC(2)) { /* byKey: [2] EXPLICIT OCTET STRING (SHA-1) */
        struct der_tlv kh;
        der_expect(&rid, DER_OCTET_STRING, &kh, NULL);
        tp_reader_expect_end(&rid);
        if (!tp_reader_ok(&rid))
            return rid.err;
        if (kh.val.len != 20)
            return TP_ERR_MALFORMED;
        o->responder_by_key = true;
        memcpy(o->responder_key_hash, kh.val.p, 20);
    } else {
        return TP_ERR_MALFORMED;
    }
    if (!gen_time(&tbs, &o->produced_at))
        return tbs.err;
    struct tp_reader sr;
    der_expect(&tbs, DER_SEQUENCE, NULL, &sr);
    if (!tp_reader_join(&tbs, &sr))
        return tbs.err;
    while (tp_reader_left(&sr) > 0) {
        struct tp_ocsp_single s;
        if (!parse_single(&sr, &s))
            return sr.err;
        o->n_singles_total++;
        if (o->n_singles < TP_MAX_OCSP_SINGLES)
            o->singles[o->n_singles++] = s;
    }
    if (der_optional(&tbs, DER_CTXC(1), &t)) {
        struct tp_reader er;
        tp_reader_from(&er, t.val);
        parse_exts(&er, o);
        tp_reader_expect_end(&er);
        tp_reader_join(&tbs, &er);
    }
    if (!tp_reader_expect_end(&tbs))
        return tbs.err;
    /* certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL */
    if (der_optional(&br, DER_CTXC(0), &t)) {
        struct tp_reader cr;
        tp_reader_from(&cr, t.val);
        enum tp_err e = parse_certs(&cr, o);
        if (e != TP_OK)
            return e;
        if (!tp_reader_expect_end(&cr))
            return cr.err;
    }
    if (!tp_reader_expect_end(&br) || !tp_reader_done(&r))
        return br.err != TP_OK ? br.err : TP_ERR_MALFORMED;
    return TP_OK;
}

enum tp_err tp_ocsp_parse(const uint8_t *der, size_t len, struct tp_ocsp_response **out)
{
    *out = NULL;
    if (!der || len == 0)
        return TP_ERR_TRUNCATED;
    struct tp_ocsp_response *o = calloc(1, sizeof *o);
    if (!o)
        return TP_ERR_NOMEM;
    o->der = malloc(len);
    o->singles = calloc(TP_MAX_OCSP_SINGLES, sizeof *o->singles);
    o->certs = calloc(TP_MAX_OCSP_CERTS, sizeof *o->certs);
    if (!o->der || !o->singles || !o->certs) {
        tp_ocsp_free(o);
        return TP_ERR_NOMEM;
    }
    memcpy(o->der, der, len);
    o->der_len = len;

    struct tp_reader r, resp;
    struct der_tlv st, rb;
    enum tp_err e = TP_OK;
    tp_reader_init(&r, o->der, len);
    der_expect(&r, DER_SEQUENCE, NULL, &resp);
    tp_reader_expect_end(&r);
    tp_reader_join(&r, &resp);
    der_expect(&resp, DER_ENUMERATED, &st, NULL);
    if (tp_reader_ok(&resp) && !small_int(st.val, &o->response_status))
        tp_reader_fail(&resp, TP_ERR_MALFORMED);
    if (der_optional(&resp, DER_CTXC(0), &rb)) {
        struct tp_reader rbr, inner;
        struct der_tlv oid, body;
        tp_reader_from(&rbr, rb.val);
        der_expect(&rbr, DER_SEQUENCE, NULL, &inner);
        tp_reader_expect_end(&rbr);
        tp_reader_join(&rbr, &inner);
        der_expect(&inner, DER_OID, &oid, NULL);
        der_expect(&inner, DER_OCTET_STRING, &body, NULL);
        tp_reader_expect_end(&inner);
        tp_reader_join(&rbr, &inner);
        tp_reader_join(&resp, &rbr);
        if (tp_reader_ok(&resp)) {
            struct tp_sb sb;
            tp_sb_init(&sb);
            oid_text(&sb, oid.val);
            snprintf(o->response_type, sizeof o->response_type, "%s", tp_sb_str(&sb));
            tp_sb_free(&sb);
            if (oid_is(oid.val, OID_OCSP_BASIC)) {
                o->has_basic = true;
                e = parse_basic(body.val, o);
            }
        }
    }
    tp_reader_expect_end(&resp);
    tp_reader_join(&r, &resp);
    if (e == TP_OK && !tp_reader_ok(&r))
        e = r.err;
    /* §4.2.1: responseBytes only with a successful status; a successful status
     * without them says nothing. */
    if (e == TP_OK && (o->response_status == TP_OCSP_SUCCESSFUL) != (o->response_type[0] != 0))
        e = TP_ERR_MALFORMED;
    if (e != TP_OK) {
        tp_ocsp_free(o);
        return e;
    }
    *out = o;
    return TP_OK;
}

/* ---- matching a certificate ---- */

/* The subjectPublicKey BIT STRING content (without the unused-bits octet) of an
 * SPKI: what issuerKeyHash and byKey hash (§4.1.1, §4.2.2.3). */
static bool spki_key_bits(struct tp_bytes spki_whole, struct tp_bytes *key)
{
    struct tp_reader r, s;
    struct der_tlv bits;
    tp_reader_from(&r, spki_whole);
    der_expect(&r, DER_SEQUENCE, NULL, &s);
    der_expect(&s, DER_SEQUENCE, NULL, NULL);
    der_expect(&s, DER_BIT_STRING, &bits, NULL);
    if (!tp_reader_ok(&s) || bits.val.len < 1)
        return false;
    *key = tp_bytes_make(bits.val.p + 1, bits.val.len - 1);
    return true;
}

static bool hash_of(enum wc_HashType type, struct tp_bytes in, uint8_t *out, size_t *outlen)
{
    int n = wc_HashGetDigestSize(type);
    if (n <= 0 || n > WC_MAX_DIGEST_SIZE || in.len > 0xffffffffu)
        return false;
    if (wc_Hash(type, in.p, (word32)in.len, out, (word32)n) != 0)
        return false;
    *outlen = (size_t)n;
    return true;
}

static bool same(struct tp_bytes a, const uint8_t *b, size_t blen)
{
    return a.len == blen && memcmp(a.p, b, blen) == 0;
}

int tp_ocsp_find(const struct tp_ocsp_response *r, const struct tp_cert_info *cert,
                 const struct tp_cert_info *issuer)
{
    if (!r || !cert || !issuer)
        return -1;
    struct cert_parts cp, ip;
    enum tp_err e;
    struct tp_bytes key;
    if (!cert_locate(cert->der, cert->der_len, &cp, &e) || !cert_locate(issuer->der, issuer->der_len, &ip, &e) ||
        !spki_key_bits(ip.spki.whole, &key))
        return -1;
    for (size_t i = 0; i < r->n_singles; i++) {
        const struct tp_ocsp_single *s = &r->singles[i];
        if (!same(s->serial, cp.serial.val.p, cp.serial.val.len))
            continue;
        for (size_t h = 0; h < sizeof hash_algs / sizeof hash_algs[0]; h++) {
            if (strcmp(s->hash_alg, hash_algs[h].name) != 0)
                continue;
            uint8_t nh[WC_MAX_DIGEST_SIZE], kh[WC_MAX_DIGEST_SIZE];
            size_t nl, kl;
            /* issuerNameHash is over the DER of the issuer's subject Name: the
             * certificate's issuer field, as encoded (§4.1.1). */
            if (hash_of(hash_algs[h].type, cp.issuer.whole, nh, &nl) && hash_of(hash_algs[h].type, key, kh, &kl) &&
                same(s->issuer_name_hash, nh, nl) && same(s->issuer_key_hash, kh, kl))
                return (int)i;
        }
    }
    return -1;
}

/* ---- signature ---- */

/* Is ci the certificate the ResponderID names? */
static bool is_responder(const struct tp_ocsp_response *r, const struct tp_cert_info *ci)
{
    struct cert_parts cp;
    enum tp_err e;
    if (!cert_locate(ci->der, ci->der_len, &cp, &e))
        return false;
    if (!r->responder_by_key)
        return same(r->responder_name_der, cp.subject.val.p, cp.subject.val.len);
    struct tp_bytes key;
    uint8_t h[WC_MAX_DIGEST_SIZE];
    size_t hl;
    return spki_key_bits(cp.spki.whole, &key) && hash_of(WC_HASH_TYPE_SHA, key, h, &hl) && hl == 20 &&
           memcmp(h, r->responder_key_hash, 20) == 0;
}

static enum tp_ocsp_sig check_sig(const struct tp_ocsp_response *r, const struct tp_cert_info *signer)
{
    struct cert_parts cp;
    enum tp_err e;
    if (!cert_locate(signer->der, signer->der_len, &cp, &e))
        return TP_OCSP_SIG_BAD;
    int v = sig_verify_raw(r->sig_alg_oid, r->tbs, r->signature, cp.spki.whole);
    return v < 0 ? TP_OCSP_SIG_UNSUPPORTED : v ? TP_OCSP_SIG_OK : TP_OCSP_SIG_BAD;
}

static void put_cn(char *out, size_t n, const struct tp_cert_info *ci)
{
    snprintf(out, n, "%s", ci->subject_cn && *ci->subject_cn ? ci->subject_cn : ci->subject ? ci->subject : "");
}

void tp_ocsp_verify(const struct tp_ocsp_response *r, const struct tp_cert_info *issuer, time_t now,
                    struct tp_ocsp_sig_result *out)
{
    memset(out, 0, sizeof *out);
    out->signer_index = -1;
    if (!r || !r->has_basic || !issuer) {
        snprintf(out->why, sizeof out->why, "%s",
                 !r || !r->has_basic ? "The response carries no signed data." : "The issuer is not known.");
        return;
    }
    if (now == 0)
        now = time(NULL);
    char name[96];
    /* §4.2.2.2: the issuer itself, or a responder it delegated to. */
    if (is_responder(r, issuer)) {
        out->status = check_sig(r, issuer);
        put_cn(name, sizeof name, issuer);
        if (out->status == TP_OCSP_SIG_BAD)
            snprintf(out->why, sizeof out->why, "The signature does not verify with the key of the issuer '%.80s'.",
                     name);
        else if (out->status == TP_OCSP_SIG_UNSUPPORTED)
            snprintf(out->why, sizeof out->why, "The signature algorithm %s is not checked by this build.",
                     r->sig_alg);
        return;
    }
    for (size_t i = 0; i < r->n_certs; i++) {
        const struct tp_cert_info *d = r->certs[i];
        if (!is_responder(r, d))
            continue;
        out->delegated = true;
        out->signer_index = (int)i;
        put_cn(name, sizeof name, d);
        if (!tp_cert_issued_by(d, issuer)) {
            out->status = TP_OCSP_SIG_BAD_DELEGATE;
            snprintf(out->why, sizeof out->why,
                     "The responder certificate '%.80s' is not issued by the certificate's issuer.", name);
            return;
        }
        if (!d->has_ext_key_usage || !(d->ext_key_usage & TP_EKU_OCSP_SIGNING)) {
            out->status = TP_OCSP_SIG_BAD_DELEGATE;
            snprintf(out->why, sizeof out->why,
                     "The responder certificate '%.80s' lacks the id-kp-OCSPSigning extended key usage.", name);
            return;
        }
        if (now < d->not_before || now > d->not_after) {
            out->status = TP_OCSP_SIG_BAD_DELEGATE;
            snprintf(out->why, sizeof out->why, "The responder certificate '%.80s' is %s.", name,
                     now < d->not_before ? "not yet valid" : "expired");
            return;
        }
        out->status = check_sig(r, d);
        if (out->status == TP_OCSP_SIG_BAD)
            snprintf(out->why, sizeof out->why,
                     "The signature does not verify with the key of the responder certificate '%.80s'.", name);
        else if (out->status == TP_OCSP_SIG_UNSUPPORTED)
            snprintf(out->why, sizeof out->why, "The signature algorithm %s is not checked by this build.",
                     r->sig_alg);
        return;
    }
    out->status = TP_OCSP_SIG_NO_SIGNER;
    snprintf(out->why, sizeof out->why, "%s",
             r->responder_by_key
                 ? "The responder (named by key hash) is neither the issuer nor a certificate in the response."
                 : "The responder named in the response is neither the issuer nor a certificate in the response.");
}

/* ---- the TLS Feature extension (RFC 7633) ---- */

bool cert_tls_feature(struct tp_cert_info *ci, struct tp_bytes val)
{
    struct tp_reader r, seq;
    tp_reader_from(&r, val);
    der_expect(&r, DER_SEQUENCE, NULL, &seq);
    tp_reader_expect_end(&r);
    if (!tp_reader_ok(&r))
        return false;
    ci->has_tls_feature = true;
    while (tp_reader_left(&seq) > 0) {
        struct der_tlv f;
        int v;
        if (!der_expect(&seq, DER_INTEGER, &f, NULL) || !small_int(f.val, &v))
            return false;
        if (v == 5) /* status_request (RFC 6066 §8) */
            ci->must_staple = true;
    }
    return tp_reader_ok(&seq);
}
