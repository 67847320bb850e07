/* A DER walker on the bounds-checked reader, and the small decoders built on it
 * (OIDs, Names, times, key and signature algorithms, GeneralNames). X.690 §8/§10. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "x509_int.h"

bool der_next(struct tp_reader *r, struct der_tlv *out)
{
    memset(out, 0, sizeof *out);
    size_t start = r->off;
    uint8_t tag, l0;
    if (!tp_read_u8(r, &tag) || !tp_read_u8(r, &l0))
        return false;
    if ((tag & 0x1f) == 0x1f) /* multi-byte tag numbers: never in what we parse */
        return tp_reader_fail(r, TP_ERR_MALFORMED);
    size_t len = 0;
    if (l0 < 0x80) {
        len = l0;
    } else {
        unsigned nb = l0 & 0x7f;
        /* X.690 §10.1: definite form only; 4 length bytes cover anything we accept. */
        if (nb == 0 || nb > 4)
            return tp_reader_fail(r, TP_ERR_MALFORMED);
        for (unsigned i = 0; i < nb; i++) {
            uint8_t b;
            if (!tp_read_u8(r, &b))
                return false;
            len = (len << 8) | b;
        }
        if (len < 0x80)
            return tp_reader_fail(r, TP_ERR_MALFORMED); /* not minimal */
    }
    if (!tp_read_bytes(r, len, &out->val))
        return false;
    out->tag = tag;
    out->whole = tp_bytes_make(r->p + start, r->off - start);
    return true;
}

bool der_expect(struct tp_reader *r, uint8_t tag, struct der_tlv *out, struct tp_reader *sub)
{
    struct der_tlv tmp;
    if (!out)
        out = &tmp;
    if (sub) { /* on failure sub is an empty reader carrying r's error */
        tp_reader_init(sub, NULL, 0);
        sub->err = TP_ERR_TRUNCATED;
    }
    if (!der_next(r, out) || (out->tag != tag && !tp_reader_fail(r, TP_ERR_MALFORMED))) {
        if (sub)
            sub->err = r->err;
        return false;
    }
    if (sub)
        tp_reader_from(sub, out->val);
    return true;
}

bool der_peek(const struct tp_reader *r, uint8_t *tag)
{
    if (!tp_reader_ok(r) || r->off >= r->len)
        return false;
    *tag = r->p[r->off];
    return true;
}

bool der_optional(struct tp_reader *r, uint8_t tag, struct der_tlv *out)
{
    uint8_t t;
    if (!der_peek(r, &t) || t != tag)
        return false;
    return der_next(r, out);
}

/* ---- OIDs ---- */

/* Digits of one arc of a dotted OID at *s; false when there are none. */
static bool dotted_arc(const char **s, unsigned long *out)
{
    unsigned long v = 0;
    const char *p = *s;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (~0UL >> 4))
            return false;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    *s = p;
    *out = v;
    return true;
}

/* Is oid (DER content octets) the OID dotted spells? Compared arc by arc against
 * its minimal encoding, with nothing remembered between calls (pure, any thread). */
bool oid_is(struct tp_bytes oid, const char *dotted)
{
    const char *s = dotted;
    size_t i = 0;
    bool first = true;
    while (*s) {
        unsigned long want = 0, second = 0, v = 0;
        if (!dotted_arc(&s, &want))
            return false;
        if (first) { /* X.690 §8.19.4: the first two arcs share one subidentifier */
            if (*s++ != '.' || !dotted_arc(&s, &second))
                return false;
            want = want * 40 + second;
            first = false;
        }
        if (*s == '.' && s[1])
            s++;
        else if (*s)
            return false;
        if (i >= oid.len || oid.p[i] == 0x80) /* minimal encoding only */
            return false;
        do {
            if (i >= oid.len || v > (~0UL >> 7))
                return false;
            v = v << 7 | (oid.p[i] & 0x7fu);
        } while (oid.p[i++] & 0x80);
        if (v != want)
            return false;
    }
    return !first && i == oid.len;
}

void oid_text(struct tp_sb *sb, struct tp_bytes oid)
{
    unsigned long v = 0;
    bool first = true;
    for (size_t i = 0; i < oid.len; i++) {
        if (v > (~0UL >> 8)) { /* absurd arc: stop rather than overflow */
            tp_sb_put(sb, ".?");
            return;
        }
        v = (v << 7) | (oid.p[i] & 0x7f);
        if (oid.p[i] & 0x80)
            continue;
        if (first) {
            unsigned long a = v < 80 ? v / 40 : 2;
            tp_sb_printf(sb, "%lu.%lu", a, v - a * 40);
            first = false;
        } else {
            tp_sb_printf(sb, ".%lu", v);
        }
        v = 0;
    }
}

/* ---- Names (RFC 5280 §4.1.2.4, text per RFC 4514/2253) ---- */

static const struct { const char *oid, *name; } attr_names[] = {
    { "2.5.4.3", "CN" }, { "2.5.4.6", "C" }, { "2.5.4.7", "L" }, { "2.5.4.8", "ST" },
    { "2.5.4.10", "O" }, { "2.5.4.11", "OU" }, { "2.5.4.9", "STREET" }, { "2.5.4.5", "serialNumber" },
    { "2.5.4.4", "SN" }, { "2.5.4.42", "GN" }, { "2.5.4.12", "title" }, { "2.5.4.17", "postalCode" },
    { "2.5.4.46", "dnQualifier" }, { "2.5.4.97", "organizationIdentifier" },
    { "0.9.2342.19200300.100.1.25", "DC" }, { "0.9.2342.19200300.100.1.1", "UID" },
    { "1.2.840.113549.1.9.1", "emailAddress" },
};

/* Decode a directory string into UTF-8 bytes (BMP → UTF-8); false when not a string type. */
static bool dir_string(const struct der_tlv *v, struct tp_sb *tmp)
{
    switch (v->tag) {
    case DER_UTF8: case DER_PRINTABLE: case DER_T61: case DER_IA5: case 0x12 /* Numeric */:
    case 0x1a /* Visible */:
        tp_sb_putn(tmp, (const char *)v->val.p, v->val.len);
        return true;
    case DER_BMP:
        for (size_t i = 0; i + 1 < v->val.len; i += 2) {
            unsigned c = (unsigned)v->val.p[i] << 8 | v->val.p[i + 1];
            if (c < 0x80) {
                tp_sb_putc(tmp, (char)c);
            } else if (c < 0x800) {
                tp_sb_putc(tmp, (char)(0xc0 | c >> 6));
                tp_sb_putc(tmp, (char)(0x80 | (c & 0x3f)));
            } else {
                tp_sb_putc(tmp, (char)(0xe0 | c >> 12));
                tp_sb_putc(tmp, (char)(0x80 | ((c >> 6) & 0x3f)));
                tp_sb_putc(tmp, (char)(0x80 | (c & 0x3f)));
            }
        }
        return true;
    default:
        return false;
    }
}

bool name_text(struct tp_bytes name, struct tp_sb *out)
{
    /* Collect RDNs first: RFC 2253 prints them in reverse order. */
    struct tp_bytes rdns[64];
    size_t n = 0;
    struct tp_reader r;
    tp_reader_from(&r, name);
    while (tp_reader_left(&r) > 0) {
        struct der_tlv set;
        if (!der_expect(&r, DER_SET, &set, NULL))
            return false;
        if (n < sizeof rdns / sizeof rdns[0])
            rdns[n++] = set.val;
    }
    if (!tp_reader_ok(&r))
        return false;
    for (size_t i = n; i-- > 0;) {
        struct tp_reader rs;
        tp_reader_from(&rs, rdns[i]);
        bool first_ava = true;
        while (tp_reader_left(&rs) > 0) {
            struct der_tlv oid, val;
            if (!der_ava(&rs, &oid, &val))
                return false;
            if (i != n - 1 || !first_ava)
                tp_sb_putc(out, first_ava ? ',' : '+');
            first_ava = false;
            const char *an = NULL;
            for (size_t k = 0; k < sizeof attr_names / sizeof attr_names[0]; k++)
                if (oid_is(oid.val, attr_names[k].oid))
                    an = attr_names[k].name;
            if (an)
                tp_sb_put(out, an);
            else
                oid_text(out, oid.val);
            tp_sb_putc(out, '=');
            struct tp_sb s;
            tp_sb_init(&s);
            if (!dir_string(&val, &s)) {
                tp_sb_putc(out, '#');
                tp_sb_put_hex(out, val.whole.p, val.whole.len, 0);
            } else {
                for (size_t k = 0; k < s.len; k++) {
                    unsigned char c = (unsigned char)s.buf[k];
                    bool edge = (k == 0 && (c == ' ' || c == '#')) || (k == s.len - 1 && c == ' ');
                    if (c < 0x20 || c == 0x7f)
                        tp_sb_printf(out, "\\%02X", c);
                    else if (edge || strchr(",+\"\\<>;=", c))
                        tp_sb_printf(out, "\\%c", c);
                    else
                        tp_sb_putc(out, (char)c);
                }
            }
            tp_sb_free(&s);
        }
        if (!tp_reader_ok(&rs))
            return false;
    }
    return !out->oom;
}

bool name_first_cn(struct tp_bytes name, struct tp_bytes *cn)
{
    struct tp_reader r;
    tp_reader_from(&r, name);
    while (tp_reader_left(&r) > 0) {
        struct tp_reader rs;
        if (!der_expect(&r, DER_SET, NULL, &rs))
            return false;
        while (tp_reader_left(&rs) > 0) {
            struct der_tlv oid, val;
            if (!der_ava(&rs, &oid, &val))
                return false;
            if (oid_is(oid.val, "2.5.4.3")) {
                *cn = val.val;
                return true;
            }
        }
    }
    return false;
}

/* ---- Time (RFC 5280 §4.1.2.5) ---- */

static bool digits(const uint8_t *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

bool der_time(const struct der_tlv *t, time_t *out)
{
    const uint8_t *p = t->val.p;
    size_t n = t->val.len;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int year;
    if (t->tag == DER_UTCTIME && n == 13 && p[12] == 'Z') {
        if (!digits(p, 2, &year))
            return false;
        year += year < 50 ? 2000 : 1900; /* RFC 5280 §4.1.2.5.1 */
        p += 2;
    } else if (t->tag == DER_GENTIME && n == 15 && p[14] == 'Z') {
        if (!digits(p, 4, &year))
            return false;
        p += 4;
    } else {
        return false;
    }
    int mo, d, h, mi, s;
    if (!digits(p, 2, &mo) || !digits(p + 2, 2, &d) || !digits(p + 4, 2, &h) || !digits(p + 6, 2, &mi) ||
        !digits(p + 8, 2, &s) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return false;
    tm.tm_year = year - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    *out = timegm(&tm);
    return true;
}

/* ---- keys and algorithms ---- */

bool spki_describe(struct tp_bytes spki, enum tp_key_type *type, int *bits, char desc[32])
{
    struct tp_reader r, rs, alg;
    struct der_tlv oid, key;
    *type = TP_KEY_UNKNOWN;
    *bits = 0;
    snprintf(desc, 32, "unknown");
    tp_reader_from(&r, spki);
    if (!der_expect(&r, DER_SEQUENCE, NULL, &rs) || !der_expect(&rs, DER_SEQUENCE, NULL, &alg) ||
        !der_expect(&alg, DER_OID, &oid, NULL) || !der_expect(&rs, DER_BIT_STRING, &key, NULL) || key.val.len < 1)
        return false;
    struct tp_bytes kbits = tp_bytes_make(key.val.p + 1, key.val.len - 1);
    if (oid_is(oid.val, "1.2.840.113549.1.1.1") || oid_is(oid.val, "1.2.840.113549.1.1.10")) {
        struct tp_reader kr, ks;
        struct der_tlv mod;
        tp_reader_from(&kr, kbits);
        *type = TP_KEY_RSA;
        if (der_expect(&kr, DER_SEQUENCE, NULL, &ks) && der_expect(&ks, DER_INTEGER, &mod, NULL))
            *bits = (int)tp_bytes_bit_length(mod.val);
        snprintf(desc, 32, "RSA %d", *bits);
    } else if (oid_is(oid.val, "1.2.840.10045.2.1")) {
        struct der_tlv curve;
        *type = TP_KEY_EC;
        const char *cn = "unknown curve";
        if (der_optional(&alg, DER_OID, &curve)) {
            if (oid_is(curve.val, "1.2.840.10045.3.1.7")) { *bits = 256; cn = "P-256"; }
            else if (oid_is(curve.val, "1.3.132.0.34")) { *bits = 384; cn = "P-384"; }
            else if (oid_is(curve.val, "1.3.132.0.35")) { *bits = 521; cn = "P-521"; }
            else if (oid_is(curve.val, "1.3.132.0.10")) { *bits = 256; cn = "secp256k1"; }
            else if (oid_is(curve.val, "1.2.840.10045.3.1.1")) { *bits = 192; cn = "P-192"; }
            else if (oid_is(curve.val, "1.3.132.0.33")) { *bits = 224; cn = "P-224"; }
            else if (oid_is(curve.val, "1.3.36.3.3.2.8.1.1.7")) { *bits = 256; cn = "brainpoolP256r1"; }
        }
        if (!*bits && kbits.len > 1) /* uncompressed point: 04 || X || Y */
            *bits = (int)((kbits.len - 1) / 2 * 8);
        snprintf(desc, 32, "EC %s", cn);
    } else if (oid_is(oid.val, "1.3.101.112")) {
        *type = TP_KEY_ED25519; *bits = 256; snprintf(desc, 32, "Ed25519");
    } else if (oid_is(oid.val, "1.3.101.113")) {
        *type = TP_KEY_ED448; *bits = 456; snprintf(desc, 32, "Ed448");
    } else if (oid_is(oid.val, "1.2.840.10040.4.1")) {
        struct tp_reader pr;
        struct der_tlv p;
        *type = TP_KEY_DSA;
        if (der_expect(&alg, DER_SEQUENCE, NULL, &pr) && der_expect(&pr, DER_INTEGER, &p, NULL))
            *bits = (int)tp_bytes_bit_length(p.val);
        snprintf(desc, 32, "DSA %d", *bits);
    } else if (oid_is(oid.val, "1.2.840.113549.1.3.1") || oid_is(oid.val, "1.2.840.10046.2.1")) {
        *type = TP_KEY_DH; snprintf(desc, 32, "DH");
    } else {
        struct tp_sb sb;
        tp_sb_init(&sb);
        oid_text(&sb, oid.val);
        snprintf(desc, 32, "OID %s", tp_sb_str(&sb));
        tp_sb_free(&sb);
    }
    return true;
}

void sig_alg_name(struct tp_bytes oid, char out[48], bool *weak)
{
    static const struct { const char *oid, *name; bool weak; } algs[] = {
        { "1.2.840.113549.1.1.2", "md2WithRSAEncryption", true },
        { "1.2.840.113549.1.1.4", "md5WithRSAEncryption", true },
        { "1.2.840.113549.1.1.5", "sha1WithRSAEncryption", true },
        { "1.2.840.113549.1.1.11", "sha256WithRSAEncryption", false },
        { "1.2.840.113549.1.1.12", "sha384WithRSAEncryption", false },
        { "1.2.840.113549.1.1.13", "sha512WithRSAEncryption", false },
        { "1.2.840.113549.1.1.14", "sha224WithRSAEncryption", false },
        { "1.2.840.113549.1.1.10", "rsassaPss", false },
        { "1.2.840.10045.4.1", "ecdsa-with-SHA1", true },
        { "1.2.840.10045.4.3.1", "ecdsa-with-SHA224", false },
        { "1.2.840.10045.4.3.2", "ecdsa-with-SHA256", false },
        { "1.2.840.10045.4.3.3", "ecdsa-with-SHA384", false },
        { "1.2.840.10045.4.3.4", "ecdsa-with-SHA512", false },
        { "1.3.101.112", "ED25519", false },
        { "1.3.101.113", "ED448", false },
        { "1.2.840.10040.4.3", "dsa-with-SHA1", true },
        { "2.16.840.1.101.3.4.3.2", "dsa-with-SHA256", false },
    };
    *weak = false;
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (oid_is(oid, algs[i].oid)) {
            snprintf(out, 48, "%s", algs[i].name);
            *weak = algs[i].weak;
            return;
        }
    struct tp_sb sb;
    tp_sb_init(&sb);
    oid_text(&sb, oid);
    snprintf(out, 48, "%s", tp_sb_str(&sb));
    tp_sb_free(&sb);
}

/* ---- GeneralNames (RFC 5280 §4.2.1.6) ---- */

char *dup_bytes(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, p, n);
    s[n] = 0;
    return s;
}

char *dup_str(const char *s)
{
    return s ? dup_bytes((const uint8_t *)s, strlen(s)) : NULL;
}

void san_free(struct tp_san *san, size_t n)
{
    for (size_t i = 0; san && i < n; i++)
        free(san[i].value);
    free(san);
}


/* The first TLV of a view, if it has the tag. */
static bool der_first(struct tp_bytes v, uint8_t tag, struct der_tlv *out)
{
    struct tp_reader r;
    tp_reader_from(&r, v);
    return der_expect(&r, tag, out, NULL);
}

bool der_ava(struct tp_reader *rdn, struct der_tlv *type, struct der_tlv *value)
{
    struct tp_reader ava;
    return der_expect(rdn, DER_SEQUENCE, NULL, &ava) && der_expect(&ava, DER_OID, type, NULL) && der_next(&ava, value);
}

bool general_names(struct tp_bytes content, struct tp_san **san, size_t *n, size_t *n_total)
{
    struct tp_reader r;
    tp_reader_from(&r, content);
    while (tp_reader_left(&r) > 0) {
        struct der_tlv gn, inner;
        if (!der_next(&r, &gn))
            return false;
        (*n_total)++;
        if (*n >= TP_MAX_CERT_SANS)
            continue;
        struct tp_san s = { TP_SAN_OTHER, NULL, 0 };
        char buf[INET6_ADDRSTRLEN + 8];
        struct tp_sb tmp;
        tp_sb_init(&tmp);
        switch (gn.tag) {
        case DER_CTX(1): s.type = TP_SAN_EMAIL; tp_sb_putn(&tmp, (const char *)gn.val.p, gn.val.len); break;
        case DER_CTX(2): s.type = TP_SAN_DNS; tp_sb_putn(&tmp, (const char *)gn.val.p, gn.val.len); break;
        case DER_CTX(6): s.type = TP_SAN_URI; tp_sb_putn(&tmp, (const char *)gn.val.p, gn.val.len); break;
        case DER_CTX(7):
            s.type = TP_SAN_IP;
            if (gn.val.len == 4 && inet_ntop(AF_INET, gn.val.p, buf, sizeof buf))
                tp_sb_put(&tmp, buf);
            else if (gn.val.len == 16 && inet_ntop(AF_INET6, gn.val.p, buf, sizeof buf))
                tp_sb_put(&tmp, buf);
            else {
                tp_sb_put(&tmp, "#");
                tp_sb_put_hex(&tmp, gn.val.p, gn.val.len, 0);
            }
            break;
        case DER_CTXC(4):
            tp_sb_put(&tmp, "DirName:");
            if (der_first(gn.val, DER_SEQUENCE, &inner))
                name_text(inner.val, &tmp);
            break;
        case DER_CTXC(0):
            tp_sb_put(&tmp, "othername:");
            if (der_first(gn.val, DER_OID, &inner))
                oid_text(&tmp, inner.val);
            break;
        default:
            tp_sb_printf(&tmp, "[%u]", gn.tag & 0x1f);
            break;
        }
        s.value_len = tmp.len;
        s.value = tp_sb_take(&tmp);
        struct tp_san *grown = realloc(*san, (*n + 1) * sizeof **san);
        if (!grown) {
            free(s.value);
            return false;
        }
        *san = grown;
        (*san)[(*n)++] = s;
    }
    return tp_reader_ok(&r);
}

/* ---- writer, hash ---- */

void der_put(struct tp_sb *sb, uint8_t tag, const uint8_t *p, size_t n)
{
    tp_sb_putc(sb, (char)tag);
    if (n < 0x80) {
        tp_sb_putc(sb, (char)n);
    } else {
        uint8_t lb[4];
        size_t k = 0;
        for (size_t v = n; v; v >>= 8)
            lb[k++] = (uint8_t)v;
        tp_sb_putc(sb, (char)(0x80 | k));
        while (k--)
            tp_sb_putc(sb, (char)lb[k]);
    }
    tp_sb_putn(sb, (const char *)p, n);
}

bool sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    return wc_Sha256Hash(p, (word32)n, out) == 0;
}
