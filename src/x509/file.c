/* What is in a file: PEM blocks in order (RFC 7468) or one DER object recognised
 * by its structure: certificate, private keys (PKCS#8, PKCS#1, SEC1, encrypted
 * PKCS#8), public keys, CSR (PKCS#10), CRL, PKCS#7, PKCS#12. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/ed448.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "tlsprobe/pkcs12.h"
#include "x509_int.h"

static const char OID_RSA[] = "1.2.840.113549.1.1.1";
static const char OID_EC[] = "1.2.840.10045.2.1";
static const char OID_RSA_PSS[] = "1.2.840.113549.1.1.10";

/* ---- keys ---- */

static void key_from_spki(struct tp_file_obj *o, struct tp_bytes spki)
{
    spki_describe(spki, &o->key_type, &o->key_bits, o->key_desc);
    o->has_pub_sha256 = sha256(spki.p, spki.len, o->pub_sha256);
}

/* Build SubjectPublicKeyInfo for RSA from the modulus and exponent INTEGER TLVs,
 * with the AlgorithmIdentifier alg_tlv (NULL: rsaEncryption with NULL params). */
static void rsa_spki_alg(struct tp_file_obj *o, struct tp_bytes n_tlv, struct tp_bytes e_tlv, const struct tp_bytes *alg_tlv)
{
    static const uint8_t rsa_alg[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                       0x01, 0x01, 0x01, 0x05, 0x00 };
    const uint8_t *alg = alg_tlv ? alg_tlv->p : rsa_alg;
    size_t alg_len = alg_tlv ? alg_tlv->len : sizeof rsa_alg;
    struct tp_sb inner, bits, spki;
    tp_sb_init(&inner);
    tp_sb_init(&bits);
    tp_sb_init(&spki);
    tp_sb_putn(&inner, (const char *)n_tlv.p, n_tlv.len);
    tp_sb_putn(&inner, (const char *)e_tlv.p, e_tlv.len);
    tp_sb_putc(&bits, 0);
    der_put(&bits, DER_SEQUENCE, (const uint8_t *)inner.buf, inner.len);
    tp_sb_putn(&spki, (const char *)alg, alg_len);
    der_put(&spki, DER_BIT_STRING, (const uint8_t *)bits.buf, bits.len);
    struct tp_sb whole;
    tp_sb_init(&whole);
    der_put(&whole, DER_SEQUENCE, (const uint8_t *)spki.buf, spki.len);
    if (!whole.oom)
        key_from_spki(o, tp_bytes_make(whole.buf, whole.len));
    tp_sb_free(&inner);
    tp_sb_free(&bits);
    tp_sb_free(&spki);
    tp_sb_free(&whole);
}

static void ec_spki(struct tp_file_obj *o, struct tp_bytes curve_tlv, struct tp_bytes pub_bitstring_tlv)
{
    static const uint8_t ecoid[] = { 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
    struct tp_sb alg, body, whole;
    tp_sb_init(&alg);
    tp_sb_init(&body);
    tp_sb_init(&whole);
    tp_sb_putn(&alg, (const char *)ecoid, sizeof ecoid);
    tp_sb_putn(&alg, (const char *)curve_tlv.p, curve_tlv.len);
    der_put(&body, DER_SEQUENCE, (const uint8_t *)alg.buf, alg.len);
    tp_sb_putn(&body, (const char *)pub_bitstring_tlv.p, pub_bitstring_tlv.len);
    der_put(&whole, DER_SEQUENCE, (const uint8_t *)body.buf, body.len);
    if (!whole.oom) {
        if (pub_bitstring_tlv.len) {
            key_from_spki(o, tp_bytes_make(whole.buf, whole.len));
        } else { /* no public key stored: describe from the curve, no pairing */
            spki_describe(tp_bytes_make(whole.buf, whole.len), &o->key_type, &o->key_bits, o->key_desc);
        }
    }
    tp_sb_free(&alg);
    tp_sb_free(&body);
    tp_sb_free(&whole);
}

static void rsa_spki(struct tp_file_obj *o, struct tp_bytes n_tlv, struct tp_bytes e_tlv)
{
    rsa_spki_alg(o, n_tlv, e_tlv, NULL);
}

/* RFC 8017 A.1.2 RSAPrivateKey; alg_tlv: the PKCS#8 AlgorithmIdentifier when it
 * is not rsaEncryption (RSA-PSS), for the SPKI a certificate of this key has. */
static bool parse_pkcs1_priv_alg(struct tp_file_obj *o, struct tp_bytes der, const struct tp_bytes *alg_tlv,
                                 enum tp_err *err);
static bool parse_pkcs1_priv(struct tp_file_obj *o, struct tp_bytes der, enum tp_err *err)
{
    return parse_pkcs1_priv_alg(o, der, NULL, err);
}
static bool parse_pkcs1_priv_alg(struct tp_file_obj *o, struct tp_bytes der, const struct tp_bytes *alg_tlv,
                                 enum tp_err *err)
{
    struct tp_reader r, s;
    struct der_tlv v, n, e, t;
    tp_reader_from(&r, der);
    der_expect(&r, DER_SEQUENCE, NULL, &s);
    tp_reader_expect_end(&r);
    der_expect(&s, DER_INTEGER, &v, NULL);
    der_expect(&s, DER_INTEGER, &n, NULL);
    der_expect(&s, DER_INTEGER, &e, NULL);
    for (int i = 0; i < 6; i++)
        der_expect(&s, DER_INTEGER, &t, NULL);
    tp_reader_join(&r, &s);
    if (!tp_reader_ok(&r) || v.val.len != 1) {
        *err = r.err ? r.err : TP_ERR_MALFORMED;
        return false;
    }
    o->kind = TP_OBJ_PRIVATE_KEY;
    rsa_spki_alg(o, n.whole, e.whole, alg_tlv);
    return true;
}

/* RFC 5915 ECPrivateKey. curve_tlv: from PKCS#8 when the key omits [0]. */
static bool parse_sec1(struct tp_file_obj *o, struct tp_bytes der, struct tp_bytes curve_tlv, enum tp_err *err)
{
    struct tp_reader r, s, pr;
    struct der_tlv v, k, par, pub, curve = { 0 }, bits = { 0 };
    tp_reader_from(&r, der);
    der_expect(&r, DER_SEQUENCE, NULL, &s);
    tp_reader_expect_end(&r);
    der_expect(&s, DER_INTEGER, &v, NULL);
    der_expect(&s, DER_OCTET_STRING, &k, NULL);
    if (der_optional(&s, DER_CTXC(0), &par)) {
        tp_reader_from(&pr, par.val);
        der_expect(&pr, DER_OID, &curve, NULL);
        tp_reader_join(&s, &pr);
    }
    if (der_optional(&s, DER_CTXC(1), &pub)) {
        tp_reader_from(&pr, pub.val);
        der_expect(&pr, DER_BIT_STRING, &bits, NULL);
        tp_reader_join(&s, &pr);
    }
    tp_reader_expect_end(&s);
    tp_reader_join(&r, &s);
    if (!tp_reader_ok(&r) || v.val.len != 1 || v.val.p[0] != 1) {
        *err = r.err ? r.err : TP_ERR_MALFORMED;
        return false;
    }
    o->kind = TP_OBJ_PRIVATE_KEY;
    ec_spki(o, curve.whole.len ? curve.whole : curve_tlv, bits.whole);
    return true;
}

/* RFC 5208 PrivateKeyInfo / RFC 5958 OneAsymmetricKey. */
static bool parse_pkcs8(struct tp_file_obj *o, struct tp_bytes der, enum tp_err *err)
{
    struct tp_reader r, s, alg;
    struct der_tlv v, oid, pk, params = { 0 }, alg_tlv;
    tp_reader_from(&r, der);
    der_expect(&r, DER_SEQUENCE, NULL, &s);
    tp_reader_expect_end(&r);
    der_expect(&s, DER_INTEGER, &v, NULL);
    der_expect(&s, DER_SEQUENCE, &alg_tlv, &alg);
    der_expect(&alg, DER_OID, &oid, NULL);
    if (tp_reader_left(&alg))
        der_next(&alg, &params);
    tp_reader_join(&s, &alg);
    der_expect(&s, DER_OCTET_STRING, &pk, NULL);
    tp_reader_join(&r, &s);
    if (!tp_reader_ok(&r) || v.val.len != 1 || v.val.p[0] > 1) {
        *err = r.err ? r.err : TP_ERR_MALFORMED;
        return false;
    }
    if (oid_is(oid.val, OID_RSA))
        return parse_pkcs1_priv(o, pk.val, err);
    if (oid_is(oid.val, OID_RSA_PSS)) {
        /* RFC 4055 §1.2 / RFC 8017: an RSA key restricted to RSASSA-PSS; the key
         * itself is an RSAPrivateKey, its certificate's SPKI carries this same
         * AlgorithmIdentifier (with or without parameters). */
        if (!parse_pkcs1_priv_alg(o, pk.val, &alg_tlv.whole, err))
            return false;
        snprintf(o->key_desc, sizeof o->key_desc, "RSA-PSS %d", o->key_bits);
        return true;
    }
    if (oid_is(oid.val, OID_EC))
        return parse_sec1(o, pk.val, params.tag == DER_OID ? params.whole : tp_bytes_make(NULL, 0), err);
    o->kind = TP_OBJ_PRIVATE_KEY;
    if (oid_is(oid.val, "1.3.101.112") || oid_is(oid.val, "1.3.101.113")) {
        /* RFC 8410 §7: CurvePrivateKey ::= OCTET STRING (the seed); the public key
         * is derived from it (wolfCrypt) to pair the key with its certificate. */
        bool ed448 = oid_is(oid.val, "1.3.101.113");
        o->key_type = ed448 ? TP_KEY_ED448 : TP_KEY_ED25519;
        o->key_bits = ed448 ? 456 : 256;
        snprintf(o->key_desc, sizeof o->key_desc, ed448 ? "Ed448" : "Ed25519");
        struct tp_reader kr;
        struct der_tlv seed;
        tp_reader_from(&kr, pk.val);
        uint8_t pub[57];
        word32 publen = ed448 ? 57 : 32;
        bool ok = false;
        if (der_expect(&kr, DER_OCTET_STRING, &seed, NULL) && seed.val.len == publen) {
            if (ed448) {
                ed448_key k;
                if (wc_ed448_init(&k) == 0) {
                    ok = wc_ed448_import_private_only(seed.val.p, publen, &k) == 0 &&
                         wc_ed448_make_public(&k, pub, publen) == 0;
                    wc_ed448_free(&k);
                }
            } else {
                ed25519_key k;
                if (wc_ed25519_init(&k) == 0) {
                    ok = wc_ed25519_import_private_only(seed.val.p, publen, &k) == 0 &&
                         wc_ed25519_make_public(&k, pub, publen) == 0;
                    wc_ed25519_free(&k);
                }
            }
        }
        if (ok) {
            struct tp_sb algid, body, bits, whole;
            tp_sb_init(&algid);
            tp_sb_init(&body);
            tp_sb_init(&bits);
            tp_sb_init(&whole);
            der_put(&algid, DER_OID, oid.val.p, oid.val.len);
            der_put(&body, DER_SEQUENCE, (const uint8_t *)algid.buf, algid.len);
            tp_sb_putc(&bits, 0);
            tp_sb_putn(&bits, (const char *)pub, publen);
            der_put(&body, DER_BIT_STRING, (const uint8_t *)bits.buf, bits.len);
            der_put(&whole, DER_SEQUENCE, (const uint8_t *)body.buf, body.len);
            if (!whole.oom)
                o->has_pub_sha256 = sha256((const uint8_t *)whole.buf, whole.len, o->pub_sha256);
            tp_sb_free(&algid);
            tp_sb_free(&body);
            tp_sb_free(&bits);
            tp_sb_free(&whole);
        }
    } else if (oid_is(oid.val, "1.2.840.10040.4.1")) {
        o->key_type = TP_KEY_DSA; snprintf(o->key_desc, sizeof o->key_desc, "DSA");
    } else {
        struct tp_sb sb;
        tp_sb_init(&sb);
        oid_text(&sb, oid.val);
        snprintf(o->key_desc, sizeof o->key_desc, "OID %s", tp_sb_str(&sb));
        tp_sb_free(&sb);
    }
    return true;
}

/* SEQUENCE { SEQUENCE { OID, ... }, <tag> value }: the shape of both
 * EncryptedPrivateKeyInfo (RFC 5208 §6) and SubjectPublicKeyInfo (RFC 5280). */
static bool alg_and_value(struct tp_bytes der, uint8_t tag, struct der_tlv *oid, struct der_tlv *val,
                          enum tp_err *err)
{
    struct tp_reader r, s, alg;
    tp_reader_from(&r, der);
    der_expect(&r, DER_SEQUENCE, NULL, &s);
    tp_reader_expect_end(&r);
    der_expect(&s, DER_SEQUENCE, NULL, &alg);
    der_expect(&alg, DER_OID, oid, NULL);
    der_expect(&s, tag, val, NULL);
    tp_reader_expect_end(&s);
    tp_reader_join(&r, &s);
    tp_reader_join(&r, &alg);
    if (!tp_reader_ok(&r)) {
        *err = r.err;
        return false;
    }
    return true;
}

/* EncryptedPrivateKeyInfo (an OCTET STRING) or SubjectPublicKeyInfo (a BIT STRING). */
static bool parse_alg_value(struct tp_file_obj *o, struct tp_bytes der, bool encrypted, enum tp_err *err)
{
    struct der_tlv oid, val;
    if (!alg_and_value(der, encrypted ? DER_OCTET_STRING : DER_BIT_STRING, &oid, &val, err))
        return false;
    if (!encrypted) {
        o->kind = TP_OBJ_PUBLIC_KEY;
        key_from_spki(o, der);
        return true;
    }
    o->kind = TP_OBJ_PRIVATE_KEY;
    o->key_encrypted = true;
    snprintf(o->key_desc, sizeof o->key_desc, "%s",
             oid_is(oid.val, "1.2.840.113549.1.5.13") ? "encrypted (PBES2)" : "encrypted");
    return true;
}

static bool parse_pkcs1_pub(struct tp_file_obj *o, struct tp_bytes der, enum tp_err *err)
{
    struct tp_reader r, s;
    struct der_tlv n, e;
    tp_reader_from(&r, der);
    der_expect(&r, DER_SEQUENCE, NULL, &s);
    tp_reader_expect_end(&r);
    der_expect(&s, DER_INTEGER, &n, NULL);
    der_expect(&s, DER_INTEGER, &e, NULL);
    tp_reader_expect_end(&s);
    tp_reader_join(&r, &s);
    if (!tp_reader_ok(&r)) {
        *err = r.err;
        return false;
    }
    o->kind = TP_OBJ_PUBLIC_KEY;
    rsa_spki(o, n.whole, e.whole);
    return true;
}

/* ---- CSR (RFC 2986), CRL (RFC 5280 §5), PKCS#12 (RFC 7292), PKCS#7 (RFC 2315) ---- */

/* The signed envelope of a CSR or CRL: SEQUENCE { tbs SEQUENCE,
 * AlgorithmIdentifier, signature BIT STRING }; the caller reads tbs, then
 * signed_close joins every reader's error into r. */
struct signed_obj {
    struct tp_reader r, s, tbs, alg;
};

static void signed_open(struct signed_obj *so, struct tp_bytes der)
{
    struct der_tlv aoid, sig;
    tp_reader_from(&so->r, der);
    der_expect(&so->r, DER_SEQUENCE, NULL, &so->s);
    tp_reader_expect_end(&so->r);
    der_expect(&so->s, DER_SEQUENCE, NULL, &so->tbs);
    der_expect(&so->s, DER_SEQUENCE, NULL, &so->alg);
    der_expect(&so->alg, DER_OID, &aoid, NULL);
    der_expect(&so->s, DER_BIT_STRING, &sig, NULL);
    tp_reader_expect_end(&so->s);
}

static bool signed_close(struct signed_obj *so)
{
    tp_reader_expect_end(&so->tbs);
    tp_reader_join(&so->s, &so->tbs);
    tp_reader_join(&so->s, &so->alg);
    tp_reader_join(&so->r, &so->s);
    return tp_reader_ok(&so->r);
}

static bool parse_csr(struct tp_file_obj *o, struct tp_bytes der, enum tp_err *err)
{
    struct signed_obj so;
    struct tp_reader *info = &so.tbs;
    struct der_tlv v, name, spki, attrs;
    signed_open(&so, der);
    der_expect(info, DER_INTEGER, &v, NULL);
    der_expect(info, DER_SEQUENCE, &name, NULL);
    der_expect(info, DER_SEQUENCE, &spki, NULL);
    der_expect(info, DER_CTXC(0), &attrs, NULL);
    struct tp_sb sb;
    tp_sb_init(&sb);
    if (!signed_close(&so) || v.val.len != 1 || v.val.p[0] != 0 || !name_text(name.val, &sb)) {
        tp_sb_free(&sb);
        *err = so.r.err ? so.r.err : TP_ERR_MALFORMED;
        return false;
    }
    o->kind = TP_OBJ_CSR;
    o->csr_subject = tp_sb_take(&sb);
    key_from_spki(o, spki.whole);
    /* extensionRequest (PKCS#9 1.2.840.113549.1.9.14) → subjectAltName */
    struct tp_reader ar;
    tp_reader_from(&ar, attrs.val);
    while (tp_reader_left(&ar) > 0) {
        struct tp_reader a, set, exts;
        struct der_tlv oid;
        if (!der_expect(&ar, DER_SEQUENCE, NULL, &a) || !der_expect(&a, DER_OID, &oid, NULL) ||
            !der_expect(&a, DER_SET, NULL, &set))
            break;
        if (!oid_is(oid.val, "1.2.840.113549.1.9.14") || !der_expect(&set, DER_SEQUENCE, NULL, &exts))
            continue;
        while (tp_reader_left(&exts) > 0) {
            struct tp_reader e, sv;
            struct der_tlv eoid, crit, val, gns;
            if (!der_expect(&exts, DER_SEQUENCE, NULL, &e) || !der_expect(&e, DER_OID, &eoid, NULL))
                break;
            der_optional(&e, DER_BOOLEAN, &crit);
            if (!der_expect(&e, DER_OCTET_STRING, &val, NULL))
                break;
            if (!oid_is(eoid.val, "2.5.29.17"))
                continue;
            tp_reader_from(&sv, val.val);
            size_t total = 0;
            if (der_expect(&sv, DER_SEQUENCE, &gns, NULL))
                general_names(gns.val, &o->csr_san, &o->csr_n_san, &total);
        }
    }
    return true;
}

static bool parse_crl(struct tp_file_obj *o, struct tp_bytes der, enum tp_err *err)
{
    struct signed_obj so;
    struct tp_reader *tbs = &so.tbs;
    struct der_tlv v, sa, issuer, t1, t2, rev;
    signed_open(&so, der);
    der_optional(tbs, DER_INTEGER, &v);
    der_expect(tbs, DER_SEQUENCE, &sa, NULL);
    der_expect(tbs, DER_SEQUENCE, &issuer, NULL);
    der_next(tbs, &t1);
    bool has_next = der_optional(tbs, DER_UTCTIME, &t2) || der_optional(tbs, DER_GENTIME, &t2);
    bool has_rev = der_optional(tbs, DER_SEQUENCE, &rev);
    der_optional(tbs, DER_CTXC(0), &v);
    struct tp_sb sb;
    tp_sb_init(&sb);
    if (!signed_close(&so) || !der_time(&t1, &o->crl_this_update) || (has_next && !der_time(&t2, &o->crl_next_update)) ||
        !name_text(issuer.val, &sb)) {
        tp_sb_free(&sb);
        *err = so.r.err ? so.r.err : TP_ERR_MALFORMED;
        return false;
    }
    o->kind = TP_OBJ_CRL;
    o->crl_issuer = tp_sb_take(&sb);
    if (has_rev) {
        struct tp_reader rr;
        struct der_tlv e;
        tp_reader_from(&rr, rev.val);
        while (tp_reader_left(&rr) > 0 && der_expect(&rr, DER_SEQUENCE, &e, NULL))
            o->crl_n_revoked++;
    }
    return true;
}

static bool parse_pkcs12(struct tp_file_obj *o, struct tp_bytes der, enum tp_err *err)
{
    struct tp_reader r, s, ci;
    struct der_tlv v, oid;
    tp_reader_from(&r, der);
    der_expect(&r, DER_SEQUENCE, NULL, &s);
    tp_reader_expect_end(&r);
    der_expect(&s, DER_INTEGER, &v, NULL);
    der_expect(&s, DER_SEQUENCE, NULL, &ci);
    der_expect(&ci, DER_OID, &oid, NULL);
    tp_reader_join(&s, &ci);
    tp_reader_join(&r, &s);
    if (!tp_reader_ok(&r) || v.val.len != 1 || v.val.p[0] != 3 ||
        !(oid_is(oid.val, "1.2.840.113549.1.7.1") || oid_is(oid.val, "1.2.840.113549.1.7.2"))) {
        *err = r.err ? r.err : TP_ERR_MALFORMED;
        return false;
    }
    o->kind = TP_OBJ_PKCS12;
    return true;
}

/* Returns the [0] IMPLICIT certificates SET content through certs (may be empty). */
static bool parse_pkcs7(struct tp_file_obj *o, struct tp_bytes der, struct tp_bytes *certs, enum tp_err *err)
{
    struct tp_reader r, s, ex, sd;
    struct der_tlv oid, v, set, inner, c;
    *certs = tp_bytes_make(NULL, 0);
    tp_reader_from(&r, der);
    der_expect(&r, DER_SEQUENCE, NULL, &s);
    tp_reader_expect_end(&r);
    der_expect(&s, DER_OID, &oid, NULL);
    tp_reader_join(&r, &s);
    if (!tp_reader_ok(&r) || !oid_is(oid.val, "1.2.840.113549.1.7.2")) {
        *err = r.err ? r.err : TP_ERR_MALFORMED;
        return false;
    }
    der_expect(&s, DER_CTXC(0), NULL, &ex);
    der_expect(&ex, DER_SEQUENCE, NULL, &sd);
    der_expect(&sd, DER_INTEGER, &v, NULL);
    der_expect(&sd, DER_SET, &set, NULL);
    der_expect(&sd, DER_SEQUENCE, &inner, NULL);
    if (der_optional(&sd, DER_CTXC(0), &c))
        *certs = c.val;
    tp_reader_join(&ex, &sd);
    tp_reader_join(&s, &ex);
    tp_reader_join(&r, &s);
    if (!tp_reader_ok(&r)) {
        *err = r.err;
        return false;
    }
    o->kind = TP_OBJ_PKCS7;
    return true;
}

/* ---- file assembly ---- */

static struct tp_file_obj *add_obj(struct tp_file *f)
{
    if (f->n_objs >= TP_MAX_FILE_OBJECTS)
        return NULL;
    size_t n = f->n_objs;
    if (n == 0 || (n & (n - 1)) == 0) { /* capacity is the next power of two: grow by doubling */
        struct tp_file_obj *grown = realloc(f->objs, (n ? 2 * n : 1) * sizeof *f->objs);
        if (!grown)
            return NULL;
        f->objs = grown;
    }
    struct tp_file_obj *o = &f->objs[f->n_objs++];
    memset(o, 0, sizeof *o);
    return o;
}

static void obj_free(struct tp_file_obj *o)
{
    if (o->der && o->kind == TP_OBJ_PRIVATE_KEY)
        explicit_bzero(o->der, o->der_len);
    free(o->der);
    tp_cert_free(o->cert);
    free(o->csr_subject);
    san_free(o->csr_san, o->csr_n_san);
    free(o->crl_issuer);
    if (o->key_der) {
        explicit_bzero(o->key_der, o->key_der_len);
        free(o->key_der);
    }
    tp_p12_free(o->p12);
}

static bool label_is(const char *label, const char *s)
{
    return label && strcmp(label, s) == 0;
}

/* Classify one DER object. label: the PEM label or NULL for a bare DER file.
 * Appends the object (and, for PKCS#7, the certificates inside) to f.
 * self_check: check a certificate's self-signature (cert_parse_ex); store loading
 * reads hundreds of anchors and skips it (file_read_anchors). */
static enum tp_err classify(struct tp_file *f, const uint8_t *der, size_t len, const char *label, bool pem,
                            bool proc_encrypted, bool self_check)
{
    struct tp_file_obj *o = add_obj(f);
    if (!o)
        return f->n_objs >= TP_MAX_FILE_OBJECTS ? TP_ERR_LIMIT : TP_ERR_NOMEM;
    o->pem = pem;
    if (label)
        snprintf(o->pem_label, sizeof o->pem_label, "%s", label);
    o->der = malloc(len ? len : 1);
    if (!o->der)
        return TP_ERR_NOMEM;
    if (len)
        memcpy(o->der, der, len);
    o->der_len = len;
    struct tp_bytes b = tp_bytes_make(o->der, len);
    enum tp_err err = TP_ERR_MALFORMED, e2 = TP_OK;
    struct tp_bytes p7certs = { NULL, 0 };
    bool any = !label;

    if (proc_encrypted) { /* RFC 1421 legacy encrypted PEM: the body is ciphertext */
        o->kind = TP_OBJ_PRIVATE_KEY;
        o->key_encrypted = true;
        snprintf(o->key_desc, sizeof o->key_desc, "encrypted (legacy PEM)");
        return TP_OK;
    }
    if (any || label_is(label, "CERTIFICATE") || label_is(label, "X509 CERTIFICATE") ||
        label_is(label, "TRUSTED CERTIFICATE")) {
        size_t clen = len;
        if (label_is(label, "TRUSTED CERTIFICATE")) { /* OpenSSL appends trust settings after the cert */
            struct tp_reader r;
            struct der_tlv t;
            tp_reader_from(&r, b);
            if (der_next(&r, &t))
                clen = t.whole.len;
        }
        e2 = cert_parse_ex(o->der, clen, self_check, &o->cert);
        if (e2 == TP_OK) {
            o->kind = TP_OBJ_CERTIFICATE;
            o->key_type = o->cert->key_type;
            o->key_bits = o->cert->key_bits;
            memcpy(o->key_desc, o->cert->key_desc, sizeof o->key_desc);
            o->has_pub_sha256 = tp_cert_pub_sha256(o->cert, o->pub_sha256);
            return TP_OK;
        }
        if (e2 == TP_ERR_NOMEM)
            return e2;
        if (!any)
            return e2;
        err = e2;
    }
#define TRY(cond, call)                          \
    if (any || (cond)) {                         \
        e2 = TP_ERR_MALFORMED;                   \
        if (call)                                \
            return TP_OK;                        \
        if (!any)                                \
            return e2;                           \
        if (e2 == TP_ERR_TRUNCATED)              \
            err = e2;                            \
        obj_free(o);                             \
        memset(o, 0, sizeof *o);                 \
        o->der = malloc(len ? len : 1);          \
        if (!o->der)                             \
            return TP_ERR_NOMEM;                 \
        if (len)                                 \
            memcpy(o->der, der, len);            \
        o->der_len = len;                        \
        b = tp_bytes_make(o->der, len);          \
    }
    TRY(label_is(label, "X509 CRL"), parse_crl(o, b, &e2))
    TRY(label_is(label, "CERTIFICATE REQUEST") || label_is(label, "NEW CERTIFICATE REQUEST"), parse_csr(o, b, &e2))
    TRY(label_is(label, "PRIVATE KEY"), parse_pkcs8(o, b, &e2))
    TRY(label_is(label, "ENCRYPTED PRIVATE KEY"), parse_alg_value(o, b, true, &e2))
    TRY(label_is(label, "RSA PRIVATE KEY"), parse_pkcs1_priv(o, b, &e2))
    TRY(label_is(label, "EC PRIVATE KEY"), parse_sec1(o, b, tp_bytes_make(NULL, 0), &e2))
    TRY(label_is(label, "PUBLIC KEY"), parse_alg_value(o, b, false, &e2))
    TRY(label_is(label, "RSA PUBLIC KEY"), parse_pkcs1_pub(o, b, &e2))
    TRY(label_is(label, "PKCS12"), parse_pkcs12(o, b, &e2))
    if (any || label_is(label, "PKCS7") || label_is(label, "CMS")) {
        e2 = TP_ERR_MALFORMED;
        if (parse_pkcs7(o, b, &p7certs, &e2)) {
            /* The certificates inside follow the PKCS#7 object, in order. */
            size_t idx = (size_t)(o - f->objs);
            struct tp_reader r;
            struct der_tlv c;
            tp_reader_from(&r, p7certs);
            while (tp_reader_left(&r) > 0 && der_next(&r, &c)) {
                if (c.tag != DER_SEQUENCE)
                    continue;
                enum tp_err ce = classify(f, c.whole.p, c.whole.len, "CERTIFICATE", pem, false, self_check);
                if (ce == TP_ERR_NOMEM || ce == TP_ERR_LIMIT)
                    return ce;
                if (ce != TP_OK)
                    f->objs[f->n_objs - 1].kind = TP_OBJ_UNKNOWN;
                snprintf(f->objs[f->n_objs - 1].pem_label, sizeof o->pem_label, "%s", "PKCS7 certificate");
            }
            (void)idx;
            return TP_OK;
        }
        if (!any)
            return e2;
        if (e2 == TP_ERR_TRUNCATED)
            err = e2;
    }
#undef TRY
    if (!any) { /* an unknown PEM label: keep it, kind unknown */
        o->kind = TP_OBJ_UNKNOWN;
        return TP_OK;
    }
    /* bare DER nobody recognised: drop the object, the caller reports */
    obj_free(o);
    f->n_objs--;
    return err;
}

/* ---- PEM (RFC 7468) ---- */

static int b64v(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decode base64 ignoring whitespace. false on any other character. */
static bool b64_decode(const uint8_t *p, size_t n, uint8_t *out, size_t *outlen)
{
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64v(c);
        if (v < 0 || pad)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (uint8_t)(acc >> bits);
        }
    }
    if (pad > 2)
        return false;
    *outlen = k;
    return true;
}

static const uint8_t *find(const uint8_t *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

static void set_error(struct tp_file *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct tp_file *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->error, sizeof f->error, fmt, ap);
    va_end(ap);
}

static enum tp_err parse_pem(struct tp_file *f, const uint8_t *data, size_t len, bool self_check)
{
    const uint8_t *p = data, *end = data + len;
    while (p < end) {
        const uint8_t *b = find(p, (size_t)(end - p), "-----BEGIN ");
        if (!b)
            break;
        if (f->n_objs >= TP_MAX_FILE_OBJECTS) {
            set_error(f, "more than %d objects in one file (TP_MAX_FILE_OBJECTS)", TP_MAX_FILE_OBJECTS);
            return TP_ERR_LIMIT;
        }
        const uint8_t *lab = b + 11;
        const uint8_t *le = find(lab, (size_t)(end - lab), "-----");
        const uint8_t *nl = memchr(lab, '\n', (size_t)(end - lab));
        if (!le || (nl && nl < le)) {
            set_error(f, "PEM BEGIN line without a label ending in '-----' (truncated or not PEM)");
            return le ? TP_ERR_MALFORMED : TP_ERR_TRUNCATED;
        }
        char label[48];
        size_t ll = (size_t)(le - lab);
        if (ll >= sizeof label) {
            set_error(f, "PEM label longer than %zu characters", sizeof label - 1);
            return TP_ERR_MALFORMED;
        }
        memcpy(label, lab, ll);
        label[ll] = 0;
        for (size_t i = 0; i < ll; i++)
            if (label[i] < 0x20 || label[i] > 0x7e)
                label[i] = '?';
        const uint8_t *body = le + 5;
        char endline[80];
        snprintf(endline, sizeof endline, "-----END %s-----", label);
        const uint8_t *e = find(body, (size_t)(end - body), endline);
        if (!e) {
            set_error(f, "PEM block '%s' (object %zu) has no END line: the file is truncated", label, f->n_objs + 1);
            return TP_ERR_TRUNCATED;
        }
        /* RFC 1421 headers (Proc-Type, DEK-Info) end at an empty line. */
        bool encrypted = false;
        const uint8_t *b64 = body;
        const uint8_t *hdr = find(body, (size_t)(e - body), "Proc-Type:");
        if (hdr) {
            encrypted = find(hdr, (size_t)(e - hdr), "ENCRYPTED") != NULL;
            const uint8_t *blank = find(hdr, (size_t)(e - hdr), "\n\n");
            const uint8_t *blank2 = find(hdr, (size_t)(e - hdr), "\r\n\r\n");
            b64 = blank ? blank + 2 : blank2 ? blank2 + 4 : e;
        }
        size_t n = (size_t)(e - b64);
        uint8_t *der = malloc(n / 4 * 3 + 4);
        if (!der)
            return TP_ERR_NOMEM;
        size_t dlen = 0;
        enum tp_err ce;
        if (!b64_decode(b64, n, der, &dlen)) {
            struct tp_file_obj *o = add_obj(f);
            if (!o) {
                free(der);
                return TP_ERR_NOMEM;
            }
            o->pem = true;
            snprintf(o->pem_label, sizeof o->pem_label, "%s", label);
            o->kind = TP_OBJ_UNKNOWN;
            o->problem = "the base64 body is not valid";
            ce = TP_OK;
        } else {
            ce = classify(f, der, dlen, label, true, encrypted, self_check);
            const uint8_t *dek = encrypted ? find(hdr, (size_t)(b64 - hdr), "DEK-Info:") : NULL;
            if (ce == TP_OK && dek) { /* kept to open the key with --pass (secrets.c) */
                struct tp_file_obj *o = &f->objs[f->n_objs - 1];
                size_t k = 0;
                for (dek += 9; dek < b64 && (*dek == ' ' || *dek == '\t'); dek++)
                    ;
                while (dek < b64 && *dek >= 0x21 && *dek <= 0x7e && k + 1 < sizeof o->dek_info)
                    o->dek_info[k++] = (char)*dek++;
                o->dek_info[k] = '\0';
            }
            if (ce == TP_ERR_LIMIT)
                set_error(f, "more than %d objects in one file (TP_MAX_FILE_OBJECTS)", TP_MAX_FILE_OBJECTS);
            if (ce != TP_OK && ce != TP_ERR_NOMEM && ce != TP_ERR_LIMIT) {
                /* a known label with a body that isn't what it says: keep it, flag it */
                f->objs[f->n_objs - 1].kind = TP_OBJ_UNKNOWN;
                f->objs[f->n_objs - 1].problem = ce == TP_ERR_TRUNCATED ? "the DER inside ends early (truncated)"
                                                                      : "the DER inside is not what the label says";
                ce = TP_OK;
            }
        }
        free(der);
        if (ce != TP_OK)
            return ce;
        p = e + strlen(endline);
    }
    if (f->n_objs == 0) {
        set_error(f, "no PEM block in this text file");
        return TP_ERR_MALFORMED;
    }
    return TP_OK;
}

enum tp_err file_append_der(struct tp_file *f, const uint8_t *der, size_t len, const char *label, const char *shown)
{
    size_t before = f->n_objs;
    enum tp_err e = classify(f, der, len, label, false, false, true);
    if (f->n_objs > before) {
        snprintf(f->objs[before].pem_label, sizeof f->objs[before].pem_label, "%s", shown);
        if (e != TP_OK && e != TP_ERR_NOMEM && e != TP_ERR_LIMIT) {
            f->objs[before].kind = TP_OBJ_UNKNOWN;
            f->objs[before].problem = "the DER inside is not what its bag says";
            e = TP_OK;
        }
    }
    return e;
}

void tp_file_free(struct tp_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_objs; i++)
        obj_free(&f->objs[i]);
    free(f->objs);
    free(f->path);
    free(f);
}

static enum tp_err file_parse(const char *name, const uint8_t *data, size_t len, bool self_check,
                              struct tp_file **out)
{
    struct tp_file *f = calloc(1, sizeof *f);
    *out = f;
    if (!f)
        return TP_ERR_NOMEM;
    f->path = dup_str(name ? name : "-");
    f->size = len;
    if (len == 0) {
        set_error(f, "empty file");
        return TP_ERR_MALFORMED;
    }
    if (len > TP_MAX_INPUT_FILE) {
        set_error(f, "larger than %d MiB (TP_MAX_INPUT_FILE)", TP_MAX_INPUT_FILE / (1024 * 1024));
        return TP_ERR_LIMIT;
    }
    if (find(data, len, "-----BEGIN ")) {
        f->pem = true;
        return parse_pem(f, data, len, self_check);
    }
    enum tp_err e = classify(f, data, len, NULL, false, false, self_check);
    if (e == TP_ERR_NOMEM)
        return e;
    if (e == TP_ERR_LIMIT) {
        set_error(f, "a PKCS#7 bundle with more than %d certificates (TP_MAX_FILE_OBJECTS)", TP_MAX_FILE_OBJECTS);
        return e;
    }
    if (e != TP_OK || f->n_objs == 0) {
        bool text = true;
        for (size_t i = 0; i < len && i < 512; i++)
            if (data[i] < 0x09 || (data[i] > 0x0d && data[i] < 0x20))
                text = false;
        if (e == TP_ERR_TRUNCATED && !text)
            set_error(f, "DER data ends early (truncated file)");
        else if (text)
            set_error(f, "no PEM block and not DER: not a certificate, key, CSR, CRL, PKCS#7 or PKCS#12 file");
        else
            set_error(f, "not a certificate, key, CSR, CRL, PKCS#7 or PKCS#12 (unrecognised DER)");
        return e != TP_OK ? e : TP_ERR_MALFORMED;
    }
    return TP_OK;
}

enum tp_err tp_file_parse(const char *name, const uint8_t *data, size_t len, struct tp_file **out)
{
    return file_parse(name, data, len, true, out);
}

enum tp_err tp_file_slurp(FILE *fp, uint8_t **out, size_t *out_len)
{
    /* Read at most the limit + 1 byte: the file may be a pipe or grow. */
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    enum tp_err e = TP_OK;
    while (buf) {
        if (n == cap) {
            if (cap > TP_MAX_INPUT_FILE) {
                e = TP_ERR_LIMIT;
                break;
            }
            size_t ncap = cap * 2 > (size_t)TP_MAX_INPUT_FILE + 1 ? (size_t)TP_MAX_INPUT_FILE + 1 : cap * 2;
            uint8_t *g = realloc(buf, ncap);
            if (!g) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = g;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    if (!buf)
        return TP_ERR_NOMEM;
    if (e == TP_OK && ferror(fp))
        e = TP_ERR_IO;
    if (e == TP_OK && n > TP_MAX_INPUT_FILE)
        e = TP_ERR_LIMIT;
    *out = buf;
    *out_len = n;
    return e;
}

static enum tp_err file_read(const char *path, bool self_check, struct tp_file **out)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    struct tp_file *f;
    if (!fp) {
        int en = errno;
        f = calloc(1, sizeof *f);
        if (!f)
            return TP_ERR_NOMEM;
        f->path = dup_str(path);
        set_error(f, "cannot open: %s", strerror(en));
        *out = f;
        return TP_ERR_IO;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(fp);
        f = calloc(1, sizeof *f);
        if (!f)
            return TP_ERR_NOMEM;
        f->path = dup_str(path);
        set_error(f, "is a directory");
        *out = f;
        return TP_ERR_IO;
    }
    uint8_t *buf = NULL;
    size_t n = 0;
    enum tp_err re = tp_file_slurp(fp, &buf, &n);
    fclose(fp);
    if (re == TP_ERR_NOMEM)
        return TP_ERR_NOMEM;
    bool rerr = re == TP_ERR_IO, too_big = re == TP_ERR_LIMIT;
    enum tp_err e;
    if (rerr) {
        f = calloc(1, sizeof *f);
        if (f) {
            f->path = dup_str(path);
            set_error(f, "read error");
        }
        e = TP_ERR_IO;
    } else if (too_big) {
        f = calloc(1, sizeof *f);
        if (f) {
            f->path = dup_str(path);
            set_error(f, "larger than %d MiB (TP_MAX_INPUT_FILE)", TP_MAX_INPUT_FILE / (1024 * 1024));
        }
        e = TP_ERR_LIMIT;
    } else {
        e = file_parse(path, buf, n, self_check, &f);
    }
    free(buf);
    *out = f;
    return f ? e : TP_ERR_NOMEM;
}

enum tp_err file_read_anchors(const char *path, struct tp_file **out)
{
    return file_read(path, false, out);
}

enum tp_err tp_file_read(const char *path, struct tp_file **out)
{
    return file_read(path, true, out);
}
