/* PKCS#12 (RFC 7292) with the DER reader: the PFX, its MAC, the safes of the
 * AuthenticatedSafe and their bags. Decryption and the MAC are wolfCrypt's
 * (wc_DecryptPKCS8Key over each EncryptedContentInfo, wc_PKCS12_PBKDF + HMAC);
 * this file only parses and names algorithms. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/pwdbased.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/pkcs12.h"
#include "x509_int.h"

#define OID_P7_DATA "1.2.840.113549.1.7.1"
#define OID_P7_ENCRYPTED "1.2.840.113549.1.7.6"
#define OID_PBES2 "1.2.840.113549.1.5.13"
#define OID_PBKDF2 "1.2.840.113549.1.5.12"

struct oid_name {
    const char *oid, *name;
    bool legacy, refused; /* refused: OpenSSL 3 needs -legacy (RC2, RC4, single DES) */
};

static const struct oid_name pbes1[] = {
    { "1.2.840.113549.1.12.1.1", "pbeWithSHAAnd128BitRC4", true, true },
    { "1.2.840.113549.1.12.1.2", "pbeWithSHAAnd40BitRC4", true, true },
    { "1.2.840.113549.1.12.1.3", "pbeWithSHAAnd3-KeyTripleDES-CBC", true, false },
    { "1.2.840.113549.1.12.1.4", "pbeWithSHAAnd2-KeyTripleDES-CBC", true, false },
    { "1.2.840.113549.1.12.1.5", "pbeWithSHAAnd128BitRC2-CBC", true, true },
    { "1.2.840.113549.1.12.1.6", "pbeWithSHAAnd40BitRC2-CBC", true, true },
    { "1.2.840.113549.1.5.3", "pbeWithMD5AndDES-CBC", true, true },
    { "1.2.840.113549.1.5.6", "pbeWithMD5AndRC2-CBC", true, true },
    { "1.2.840.113549.1.5.10", "pbeWithSHA1AndDES-CBC", true, true },
    { "1.2.840.113549.1.5.11", "pbeWithSHA1AndRC2-CBC", true, true },
};
static const struct oid_name ciphers[] = {
    { "2.16.840.1.101.3.4.1.2", "AES-128-CBC", false, false },
    { "2.16.840.1.101.3.4.1.22", "AES-192-CBC", false, false },
    { "2.16.840.1.101.3.4.1.42", "AES-256-CBC", false, false },
    { "1.2.840.113549.3.7", "DES-EDE3-CBC", true, false },
    { "1.3.14.3.2.7", "DES-CBC", true, true },
    { "1.2.840.113549.3.2", "RC2-CBC", true, true },
};
static const struct oid_name prfs[] = {
    { "1.2.840.113549.2.7", "PBKDF2-HMAC-SHA1", false, false },
    { "1.2.840.113549.2.8", "PBKDF2-HMAC-SHA224", false, false },
    { "1.2.840.113549.2.9", "PBKDF2-HMAC-SHA256", false, false },
    { "1.2.840.113549.2.10", "PBKDF2-HMAC-SHA384", false, false },
    { "1.2.840.113549.2.11", "PBKDF2-HMAC-SHA512", false, false },
};

static const struct oid_name *find_oid(const struct oid_name *t, size_t n, struct tp_bytes oid)
{
    for (size_t i = 0; i < n; i++)
        if (oid_is(oid, t[i].oid))
            return &t[i];
    return NULL;
}

/* A non-negative INTEGER that fits a long (iteration counts). */
static bool small_int(struct tp_bytes v, long *out)
{
    if (v.len == 0 || v.len > 4 || (v.p[0] & 0x80))
        return false;
    long x = 0;
    for (size_t i = 0; i < v.len; i++)
        x = (x << 8) | v.p[i];
    *out = x;
    return true;
}

/* PBES2 parameters (RFC 8018 A.4): the KDF (PBKDF2 and its PRF) and the cipher. */
static void pbes2_describe(struct tp_reader *params, struct tp_p12_pbe *pbe)
{
    struct tp_reader seq, kdf, kp, enc;
    struct der_tlv kdf_oid, salt, iter, prf_seq, enc_oid, t;
    const struct oid_name *prf = &prfs[0], *ci = NULL; /* hmacWithSHA1 is the default PRF */
    der_expect(params, DER_SEQUENCE, NULL, &seq);
    der_expect(&seq, DER_SEQUENCE, NULL, &kdf);
    der_expect(&kdf, DER_OID, &kdf_oid, NULL);
    bool pbkdf2 = tp_reader_ok(&kdf) && oid_is(kdf_oid.val, OID_PBKDF2);
    if (pbkdf2) {
        der_expect(&kdf, DER_SEQUENCE, NULL, &kp);
        der_expect(&kp, DER_OCTET_STRING, &salt, NULL);
        if (der_expect(&kp, DER_INTEGER, &iter, NULL) && !small_int(iter.val, &pbe->iterations))
            pbe->iterations = -1;
        der_optional(&kp, DER_INTEGER, &t); /* keyLength */
        struct tp_reader pr;
        if (der_optional(&kp, DER_SEQUENCE, &prf_seq)) {
            struct der_tlv prf_oid;
            tp_reader_from(&pr, prf_seq.val);
            prf = der_expect(&pr, DER_OID, &prf_oid, NULL) ? find_oid(prfs, sizeof prfs / sizeof prfs[0], prf_oid.val)
                                                          : NULL;
        }
    }
    der_expect(&seq, DER_SEQUENCE, NULL, &enc);
    if (der_expect(&enc, DER_OID, &enc_oid, NULL))
        ci = find_oid(ciphers, sizeof ciphers / sizeof ciphers[0], enc_oid.val);
    snprintf(pbe->name, sizeof pbe->name, "PBES2, %s, %s", pbkdf2 ? (prf ? prf->name : "PBKDF2 (unknown PRF)") : "unknown KDF",
             ci ? ci->name : "unknown cipher");
    pbe->legacy = !ci || ci->legacy || !pbkdf2;
    pbe->openssl3_refuses = ci && ci->refused;
}

/* An AlgorithmIdentifier (content of its SEQUENCE) of a password-based encryption. */
static void pbe_describe(struct tp_bytes alg, struct tp_p12_pbe *pbe)
{
    struct tp_reader r, p;
    struct der_tlv oid, salt, iter;
    memset(pbe, 0, sizeof *pbe);
    tp_reader_from(&r, alg);
    if (!der_expect(&r, DER_OID, &oid, NULL)) {
        snprintf(pbe->name, sizeof pbe->name, "unreadable algorithm");
        pbe->legacy = true;
        return;
    }
    if (oid_is(oid.val, OID_PBES2)) {
        pbes2_describe(&r, pbe);
        return;
    }
    const struct oid_name *n = find_oid(pbes1, sizeof pbes1 / sizeof pbes1[0], oid.val);
    if (!n) {
        struct tp_sb sb;
        tp_sb_init(&sb);
        oid_text(&sb, oid.val);
        snprintf(pbe->name, sizeof pbe->name, "unknown algorithm %s", sb.buf ? sb.buf : "?");
        tp_sb_free(&sb);
        pbe->legacy = true;
        return;
    }
    snprintf(pbe->name, sizeof pbe->name, "%s", n->name);
    pbe->legacy = true;
    pbe->openssl3_refuses = n->refused;
    der_expect(&r, DER_SEQUENCE, NULL, &p);
    der_expect(&p, DER_OCTET_STRING, &salt, NULL);
    if (der_expect(&p, DER_INTEGER, &iter, NULL) && !small_int(iter.val, &pbe->iterations))
        pbe->iterations = -1;
}

/* ---- passwords ---- */

/* A password as PKCS#12 wants it for its MAC (RFC 7292 B.1): BMPString, big
 * endian, two zero bytes at the end; UTF-8 decoded (bytes that are not UTF-8
 * count as Latin-1), characters beyond the BMP as '?'. */
static size_t bmp_password(const char *pw, size_t n, uint8_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = (uint8_t)pw[i];
        uint32_t u = c;
        size_t len = 1;
        if (c >= 0xc2 && c <= 0xdf && i + 1 < n && ((uint8_t)pw[i + 1] & 0xc0) == 0x80) {
            u = ((uint32_t)(c & 0x1f) << 6) | ((uint8_t)pw[i + 1] & 0x3f);
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef && i + 2 < n && ((uint8_t)pw[i + 1] & 0xc0) == 0x80 &&
                   ((uint8_t)pw[i + 2] & 0xc0) == 0x80) {
            u = ((uint32_t)(c & 0x0f) << 12) | ((uint32_t)((uint8_t)pw[i + 1] & 0x3f) << 6) | ((uint8_t)pw[i + 2] & 0x3f);
            len = 3;
        } else if (c >= 0xf0 && c <= 0xf4 && i + 3 < n) {
            u = '?';
            len = 4;
        }
        out[k++] = (uint8_t)(u >> 8);
        out[k++] = (uint8_t)u;
        i += len;
    }
    out[k++] = 0;
    out[k++] = 0;
    return k;
}

struct mac_data {
    struct tp_bytes alg_oid, digest, salt;
    long iterations;
    int hash;
    size_t hash_len;
};

/* HMAC over the AuthenticatedSafe with the key PKCS#12 derives from pw (RFC
 * 7292 B.2, ID 3). bmp false: the zero-length password (OpenSSL tries it too). */
static bool mac_verifies(const struct mac_data *m, struct tp_bytes auth_safe, const char *pw, size_t pw_len, bool bmp)
{
    uint8_t pwb[2 * TP_MAX_PASS_LEN + 4], key[64], out[64];
    size_t pwb_len = bmp ? bmp_password(pw, pw_len, pwb) : 0;
    bool ok = false;
    Hmac h;
    if (wc_PKCS12_PBKDF(key, pwb, (int)pwb_len, m->salt.p, (int)m->salt.len, (int)m->iterations, (int)m->hash_len,
                        m->hash, 3) == 0 &&
        wc_HmacInit(&h, NULL, INVALID_DEVID) == 0) {
        if (wc_HmacSetKey(&h, m->hash, key, (word32)m->hash_len) == 0 &&
            wc_HmacUpdate(&h, auth_safe.p, (word32)auth_safe.len) == 0 && wc_HmacFinal(&h, out) == 0) {
            uint8_t diff = 0;
            for (size_t i = 0; i < m->hash_len; i++)
                diff |= (uint8_t)(out[i] ^ m->digest.p[i]);
            ok = diff == 0;
        }
        wc_HmacFree(&h);
    }
    explicit_bzero(pwb, sizeof pwb);
    explicit_bzero(key, sizeof key);
    return ok;
}

/* MacData (RFC 7292 §4): DigestInfo, salt, iterations (DEFAULT 1). */
static bool mac_parse(struct tp_reader *r, struct tp_p12 *p, struct mac_data *m)
{
    struct tp_reader md, di, alg;
    struct der_tlv iter;
    der_expect(r, DER_SEQUENCE, NULL, &md);
    der_expect(&md, DER_SEQUENCE, NULL, &di);
    der_expect(&di, DER_SEQUENCE, NULL, &alg);
    struct der_tlv oid, dig, salt;
    der_expect(&alg, DER_OID, &oid, NULL);
    der_expect(&di, DER_OCTET_STRING, &dig, NULL);
    der_expect(&md, DER_OCTET_STRING, &salt, NULL);
    m->iterations = 1;
    if (der_optional(&md, DER_INTEGER, &iter) && !small_int(iter.val, &m->iterations))
        return tp_reader_fail(r, TP_ERR_MALFORMED);
    tp_reader_join(&di, &alg);
    tp_reader_join(&md, &di);
    tp_reader_join(r, &md);
    if (!tp_reader_ok(r))
        return false;
    static const struct { const char *oid, *name; int hash; size_t len; } h[] = {
        { "1.3.14.3.2.26", "SHA-1", WC_SHA, 20 },
        { "2.16.840.1.101.3.4.2.4", "SHA-224", WC_SHA224, 28 },
        { "2.16.840.1.101.3.4.2.1", "SHA-256", WC_SHA256, 32 },
        { "2.16.840.1.101.3.4.2.2", "SHA-384", WC_SHA384, 48 },
        { "2.16.840.1.101.3.4.2.3", "SHA-512", WC_SHA512, 64 },
    };
    p->has_mac = true;
    p->mac_iterations = m->iterations;
    snprintf(p->mac_alg, sizeof p->mac_alg, "unknown");
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
        if (oid_is(oid.val, h[i].oid)) {
            snprintf(p->mac_alg, sizeof p->mac_alg, "%s", h[i].name);
            m->hash = h[i].hash;
            m->hash_len = h[i].len;
            p->mac_legacy = i == 0;
        }
    m->alg_oid = oid.val;
    m->digest = dig.val;
    m->salt = salt.val;
    if (m->hash_len && dig.val.len != m->hash_len)
        return tp_reader_fail(r, TP_ERR_MALFORMED);
    return true;
}

/* ---- decryption (wolfCrypt) ---- */

/* Decrypt ciphertext ct encrypted with the AlgorithmIdentifier alg_whole: wrap
 * both as an EncryptedPrivateKeyInfo, which wc_DecryptPKCS8Key opens for any
 * PBES1/PBES2/PKCS#12 PBE it was built with. *out is heap (the caller wipes). */
static int pbe_decrypt(struct tp_bytes alg_whole, struct tp_bytes ct, const struct tp_secret *pw, uint8_t **out,
                       size_t *out_len)
{
    struct tp_sb body, whole;
    tp_sb_init(&body);
    tp_sb_init(&whole);
    tp_sb_putn(&body, (const char *)alg_whole.p, alg_whole.len);
    der_put(&body, DER_OCTET_STRING, ct.p, ct.len);
    der_put(&whole, DER_SEQUENCE, (const uint8_t *)body.buf, body.len);
    tp_sb_free(&body);
    if (whole.oom || whole.truncated || !whole.buf) {
        tp_sb_free(&whole);
        return -1;
    }
    int r = wc_DecryptPKCS8Key((byte *)whole.buf, (word32)whole.len, pw->text ? pw->text : "", (int)pw->len);
    if (r > 0) {
        *out = (uint8_t *)tp_sb_take(&whole);
        *out_len = (size_t)r;
        return 0;
    }
    explicit_bzero(whole.buf, whole.len);
    tp_sb_free(&whole);
    return r ? r : -1;
}

/* ---- bags ---- */

static char *bmp_to_utf8(struct tp_bytes b)
{
    struct tp_sb sb;
    tp_sb_init(&sb);
    for (size_t i = 0; i + 1 < b.len; i += 2) {
        unsigned u = (unsigned)(b.p[i] << 8 | b.p[i + 1]);
        if (u < 0x80) {
            tp_sb_putc(&sb, (char)u);
        } else if (u < 0x800) {
            tp_sb_putc(&sb, (char)(0xc0 | (u >> 6)));
            tp_sb_putc(&sb, (char)(0x80 | (u & 0x3f)));
        } else {
            tp_sb_putc(&sb, (char)(0xe0 | (u >> 12)));
            tp_sb_putc(&sb, (char)(0x80 | ((u >> 6) & 0x3f)));
            tp_sb_putc(&sb, (char)(0x80 | (u & 0x3f)));
        }
    }
    tp_sb_putc(&sb, 0); /* an empty name is still a name */
    return tp_sb_take(&sb);
}

/* SET OF Attribute: friendlyName (BMPString), localKeyId (OCTET STRING). */
static void bag_attributes(struct tp_bytes set, struct tp_p12_bag *bag)
{
    struct tp_reader r, a, vals;
    struct der_tlv oid, v;
    tp_reader_from(&r, set);
    while (tp_reader_left(&r) > 0 && der_expect(&r, DER_SEQUENCE, NULL, &a)) {
        if (!der_expect(&a, DER_OID, &oid, NULL) || !der_expect(&a, DER_SET, NULL, &vals))
            continue;
        if (oid_is(oid.val, "1.2.840.113549.1.9.20") && !bag->friendly_name && der_expect(&vals, DER_BMP, &v, NULL)) {
            bag->friendly_name = bmp_to_utf8(v.val);
        } else if (oid_is(oid.val, "1.2.840.113549.1.9.21") && der_expect(&vals, DER_OCTET_STRING, &v, NULL)) {
            bag->local_key_id_len = v.val.len < sizeof bag->local_key_id ? v.val.len : sizeof bag->local_key_id;
            memcpy(bag->local_key_id, v.val.p, bag->local_key_id_len);
        }
    }
}

static bool copy_der(struct tp_p12_bag *bag, struct tp_bytes b)
{
    bag->der = malloc(b.len ? b.len : 1);
    if (!bag->der)
        return false;
    memcpy(bag->der, b.p, b.len);
    bag->der_len = b.len;
    bag->opened = true;
    return true;
}

/* One SafeBag's value, by its type. pw: the password that opened the file (NULL: not known). */
static enum tp_err bag_value(struct tp_p12_bag *bag, struct tp_bytes value, const struct tp_secret *pw)
{
    struct tp_reader r, s, cv;
    struct der_tlv t, oid, alg, oct;
    tp_reader_from(&r, value);
    switch (bag->type) {
    case TP_P12_BAG_KEY:
        return der_next(&r, &t) && copy_der(bag, t.whole) ? TP_OK : r.err ? r.err : TP_ERR_NOMEM;
    case TP_P12_BAG_SHROUDED_KEY:
        der_expect(&r, DER_SEQUENCE, &t, &s);
        der_expect(&s, DER_SEQUENCE, &alg, NULL);
        der_expect(&s, DER_OCTET_STRING, &oct, NULL);
        tp_reader_join(&r, &s);
        if (!tp_reader_ok(&r))
            return r.err;
        bag->has_pbe = true;
        pbe_describe(alg.val, &bag->pbe);
        if (bag->pbe.iterations > TP_MAX_P12_ITERATIONS || bag->pbe.iterations < 0)
            return TP_ERR_LIMIT;
        if (pw && pbe_decrypt(alg.whole, oct.val, pw, &bag->der, &bag->der_len) == 0)
            bag->opened = true;
        return TP_OK;
    case TP_P12_BAG_CERT:
        der_expect(&r, DER_SEQUENCE, NULL, &s);
        der_expect(&s, DER_OID, &oid, NULL);
        der_expect(&s, DER_CTXC(0), NULL, &cv);
        der_expect(&cv, DER_OCTET_STRING, &oct, NULL);
        tp_reader_join(&s, &cv);
        tp_reader_join(&r, &s);
        if (!tp_reader_ok(&r))
            return r.err;
        if (oid_is(oid.val, "1.2.840.113549.1.9.22.1") && !copy_der(bag, oct.val))
            return TP_ERR_NOMEM;
        return TP_OK;
    default:
        return TP_OK;
    }
}

/* SafeContents: SEQUENCE OF SafeBag { bagId, [0] bagValue, bagAttributes OPTIONAL }. */
static enum tp_err walk_bags(struct tp_p12 *p, size_t safe, struct tp_bytes contents, const struct tp_secret *pw)
{
    struct tp_reader r, list, br, ex;
    struct der_tlv oid, val, attrs;
    tp_reader_from(&r, contents);
    der_expect(&r, DER_SEQUENCE, NULL, &list);
    tp_reader_expect_end(&r);
    tp_reader_join(&r, &list);
    while (tp_reader_ok(&r) && tp_reader_left(&list) > 0) {
        der_expect(&list, DER_SEQUENCE, NULL, &br);
        der_expect(&br, DER_OID, &oid, NULL);
        der_expect(&br, DER_CTXC(0), NULL, &ex);
        der_next(&ex, &val);
        tp_reader_expect_end(&ex);
        bool has_attrs = der_optional(&br, DER_SET, &attrs);
        tp_reader_join(&br, &ex);
        tp_reader_join(&list, &br);
        if (!tp_reader_join(&r, &list))
            break;
        if (p->n_bags >= TP_MAX_P12_BAGS)
            return TP_ERR_LIMIT;
        struct tp_p12_bag *bag = &p->bags[p->n_bags++];
        bag->safe = safe;
        bag->type = TP_P12_BAG_OTHER;
        static const char *const ids[] = { "1.2.840.113549.1.12.10.1.1", "1.2.840.113549.1.12.10.1.2",
                                           "1.2.840.113549.1.12.10.1.3", "1.2.840.113549.1.12.10.1.4",
                                           "1.2.840.113549.1.12.10.1.5", "1.2.840.113549.1.12.10.1.6" };
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
            if (oid_is(oid.val, ids[i]))
                bag->type = (enum tp_p12_bag_type)i;
        if (has_attrs)
            bag_attributes(attrs.val, bag);
        enum tp_err e = bag_value(bag, val.whole, pw);
        if (e != TP_OK)
            return e;
        p->safes[safe].n_bags++;
    }
    return r.err;
}

/* ---- the PFX ---- */

struct safe_src {
    struct tp_bytes plain;              /* Data: the SafeContents */
    struct tp_bytes alg_whole, ct;      /* EncryptedData */
};

/* AuthenticatedSafe: SEQUENCE OF ContentInfo (Data or EncryptedData). */
static enum tp_err read_safes(struct tp_p12 *p, struct tp_bytes auth_safe, struct safe_src *src)
{
    struct tp_reader r, list, ci, ex, ed, eci;
    struct der_tlv oid, oct, v, ctype, alg, ct;
    tp_reader_from(&r, auth_safe);
    der_expect(&r, DER_SEQUENCE, NULL, &list);
    tp_reader_expect_end(&r);
    tp_reader_join(&r, &list);
    while (tp_reader_ok(&r) && tp_reader_left(&list) > 0) {
        if (p->n_safes >= TP_MAX_P12_SAFES)
            return TP_ERR_LIMIT;
        struct tp_p12_safe *safe = &p->safes[p->n_safes];
        struct safe_src *s = &src[p->n_safes];
        der_expect(&list, DER_SEQUENCE, NULL, &ci);
        der_expect(&ci, DER_OID, &oid, NULL);
        der_expect(&ci, DER_CTXC(0), NULL, &ex);
        if (tp_reader_ok(&ci) && oid_is(oid.val, OID_P7_DATA)) {
            der_expect(&ex, DER_OCTET_STRING, &oct, NULL);
            s->plain = oct.val;
        } else if (tp_reader_ok(&ci) && oid_is(oid.val, OID_P7_ENCRYPTED)) {
            der_expect(&ex, DER_SEQUENCE, NULL, &ed);
            der_expect(&ed, DER_INTEGER, &v, NULL);
            der_expect(&ed, DER_SEQUENCE, NULL, &eci);
            der_expect(&eci, DER_OID, &ctype, NULL);
            der_expect(&eci, DER_SEQUENCE, &alg, NULL);
            der_expect(&eci, DER_CTX(0), &ct, NULL); /* [0] IMPLICIT, primitive */
            tp_reader_join(&ed, &eci);
            tp_reader_join(&ex, &ed);
            safe->encrypted = true;
            pbe_describe(alg.val, &safe->pbe);
            s->alg_whole = alg.whole;
            s->ct = ct.val;
        } else if (tp_reader_ok(&ci)) {
            safe->encrypted = true; /* EnvelopedData: public-key privacy mode */
            snprintf(safe->pbe.name, sizeof safe->pbe.name, "public-key encryption (EnvelopedData)");
        }
        tp_reader_join(&ci, &ex);
        tp_reader_join(&list, &ci);
        tp_reader_join(&r, &list);
        p->n_safes++;
    }
    return r.err;
}

static void set_status(struct tp_p12 *p, enum tp_p12_status st, const char *why)
{
    if (p->status != TP_P12_OPENED)
        return;
    p->status = st;
    snprintf(p->why, sizeof p->why, "%s", why);
}

/* Which password opens the file: the given one, else the empty one (as BMP
 * "\0\0", then zero-length). Without a MAC the first decryption tells. */
static bool find_password(struct tp_p12 *p, const struct mac_data *m, struct tp_bytes as, const struct tp_secret *pass,
                          struct tp_secret *use)
{
    use->text = pass ? pass->text : NULL;
    use->len = pass ? pass->len : 0;
    if (!p->has_mac)
        return true;
    if (!m->hash_len) {
        set_status(p, TP_P12_UNSUPPORTED, "its MAC algorithm is unknown to tlsprobe");
        return false;
    }
    if (mac_verifies(m, as, use->text ? use->text : "", use->len, true) ||
        (use->len == 0 && mac_verifies(m, as, "", 0, false)))
        return true;
    set_status(p, pass ? TP_P12_WRONG_PASSWORD : TP_P12_NEEDS_PASSWORD,
               pass ? "MAC verification failed" : "it is protected by a password: give it with --pass SPEC");
    return false;
}

/* A decryption failed: after a verified MAC (or for RC2, compiled out of
 * Debian's wolfSSL) it is the algorithm; without a MAC, the password. */
static void cannot_decrypt(struct tp_p12 *p, const struct tp_p12_pbe *pbe, const struct tp_secret *pw)
{
    char why[160];
    bool alg = p->has_mac || strstr(pbe->name, "RC2");
    if (alg)
        snprintf(why, sizeof why, "this wolfSSL build cannot decrypt %s", pbe->name);
    else if (!pw->text)
        snprintf(why, sizeof why, "it is encrypted (%s): give its password with --pass SPEC", pbe->name);
    else
        snprintf(why, sizeof why, "decryption failed (%s)", pbe->name);
    set_status(p, alg ? TP_P12_UNSUPPORTED : pw->text ? TP_P12_WRONG_PASSWORD : TP_P12_NEEDS_PASSWORD, why);
}

static enum tp_err open_safes(struct tp_p12 *p, const struct safe_src *src, bool pw_ok, const struct tp_secret *pw)
{
    for (size_t i = 0; i < p->n_safes; i++) {
        struct tp_p12_safe *s = &p->safes[i];
        if (s->encrypted) {
            p->legacy |= s->pbe.legacy;
            p->openssl3_refuses |= s->pbe.openssl3_refuses;
        }
        if (!s->encrypted) {
            enum tp_err e = walk_bags(p, i, src[i].plain, pw_ok ? pw : NULL);
            if (e != TP_OK)
                return e;
            s->opened = true;
            continue;
        }
        if (!pw_ok || !src[i].ct.p)
            continue;
        uint8_t *plain = NULL;
        size_t n = 0;
        int r = pbe_decrypt(src[i].alg_whole, src[i].ct, pw, &plain, &n);
        if (r != 0) {
            cannot_decrypt(p, &s->pbe, pw);
            continue;
        }
        enum tp_err e = walk_bags(p, i, tp_bytes_make(plain, n), pw);
        explicit_bzero(plain, n);
        free(plain);
        if (e != TP_OK)
            return e;
        s->opened = true;
    }
    for (size_t i = 0; i < p->n_bags; i++) {
        const struct tp_p12_bag *b = &p->bags[i];
        if (!b->has_pbe)
            continue;
        p->legacy |= b->pbe.legacy;
        p->openssl3_refuses |= b->pbe.openssl3_refuses;
        if (pw_ok && !b->opened)
            cannot_decrypt(p, &b->pbe, pw);
    }
    return TP_OK;
}

static enum tp_err check_iterations(const struct tp_p12 *p)
{
    if (p->mac_iterations > TP_MAX_P12_ITERATIONS || p->mac_iterations < 0)
        return TP_ERR_LIMIT;
    for (size_t i = 0; i < p->n_safes; i++)
        if (p->safes[i].pbe.iterations > TP_MAX_P12_ITERATIONS || p->safes[i].pbe.iterations < 0)
            return TP_ERR_LIMIT;
    return TP_OK;
}

enum tp_err tp_p12_walk(const uint8_t *der, size_t len, const struct tp_secret *pass, struct tp_p12 **out)
{
    *out = NULL;
    struct tp_reader r, pfx, ci, ex;
    struct der_tlv v, oid, oct;
    tp_reader_init(&r, der, len);
    der_expect(&r, DER_SEQUENCE, NULL, &pfx);
    tp_reader_expect_end(&r);
    der_expect(&pfx, DER_INTEGER, &v, NULL);
    der_expect(&pfx, DER_SEQUENCE, NULL, &ci);
    der_expect(&ci, DER_OID, &oid, NULL);
    der_expect(&ci, DER_CTXC(0), NULL, &ex);
    der_expect(&ex, DER_OCTET_STRING, &oct, NULL);
    tp_reader_expect_end(&ex);
    tp_reader_join(&ci, &ex);
    tp_reader_join(&pfx, &ci);
    if (!tp_reader_join(&r, &pfx))
        return r.err;
    if (v.val.len != 1 || v.val.p[0] != 3 || !oid_is(oid.val, OID_P7_DATA))
        return TP_ERR_MALFORMED; /* signed (public-key integrity) PFX files are not read */
    struct tp_p12 *p = calloc(1, sizeof *p);
    struct safe_src *src = calloc(TP_MAX_P12_SAFES, sizeof *src);
    struct mac_data m = { 0 };
    enum tp_err e = p && src ? TP_OK : TP_ERR_NOMEM;
    if (e == TP_OK && tp_reader_left(&pfx) > 0 && !mac_parse(&pfx, p, &m))
        e = pfx.err;
    if (e == TP_OK && (!tp_reader_expect_end(&pfx) || !tp_reader_join(&r, &pfx)))
        e = r.err;
    if (e == TP_OK)
        e = read_safes(p, oct.val, src);
    if (e == TP_OK)
        e = check_iterations(p);
    if (e == TP_OK) {
        p->legacy = p->mac_legacy;
        struct tp_secret use;
        bool pw_ok = find_password(p, &m, oct.val, pass, &use);
        e = open_safes(p, src, pw_ok, &use);
        if (e == TP_OK && !pw_ok && !p->has_mac)
            set_status(p, TP_P12_NEEDS_PASSWORD, "it is encrypted: give its password with --pass SPEC");
    }
    free(src);
    if (e != TP_OK) {
        tp_p12_free(p);
        return e;
    }
    *out = p;
    return TP_OK;
}

void tp_p12_free(struct tp_p12 *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_bags; i++) {
        free(p->bags[i].friendly_name);
        if (p->bags[i].der) {
            explicit_bzero(p->bags[i].der, p->bags[i].der_len);
            free(p->bags[i].der);
        }
    }
    free(p);
}
