/* JA4X (FoxIO's JA4+, technical_details/JA4X.png; FoxIO License 1.1, patent
 * pending): a fingerprint of how a certificate was made, not of its values.
 * Written here from the published description; built only with TP_JA4PLUS
 * (docs/fingerprints.md). Hashes via wolfCrypt. */
#include <string.h>
#include "x509_int.h"

#if TP_JA4PLUS
/* Each OID of a list as the hex of its content octets (no tag or length),
 * joined by ','. */
static void put_oid(struct tp_sb *sb, struct tp_bytes oid)
{
    if (sb->len)
        tp_sb_putc(sb, ',');
    tp_sb_put_hex(sb, oid.p, oid.len, 0);
}

/* A Name (the content of its SEQUENCE): every attribute type of every RDN in
 * order, a multi-valued RDN's attributes as they are encoded. */
static bool name_oids(struct tp_bytes name, struct tp_sb *sb)
{
    struct tp_reader r, rdn;
    tp_reader_from(&r, name);
    while (tp_reader_left(&r)) {
        if (!der_expect(&r, DER_SET, NULL, &rdn))
            return false;
        while (tp_reader_left(&rdn)) {
            struct der_tlv type, value;
            if (!der_ava(&rdn, &type, &value))
                return false;
            put_oid(sb, type.val);
        }
        if (!tp_reader_join(&r, &rdn))
            return false;
    }
    return tp_reader_ok(&r);
}

/* Extensions (the content of its SEQUENCE): each extnID in order. */
static bool ext_oids(struct tp_bytes exts, struct tp_sb *sb)
{
    struct tp_reader r, ext;
    tp_reader_from(&r, exts);
    while (tp_reader_left(&r)) {
        struct der_tlv oid;
        if (!der_expect(&r, DER_SEQUENCE, NULL, &ext) || !der_expect(&ext, DER_OID, &oid, NULL))
            return false;
        put_oid(sb, oid.val);
    }
    return tp_reader_ok(&r);
}

/* The first 12 hex digits of the list's SHA-256; twelve zeros for an empty list
 * (as FoxIO's reference implementation writes it). */
static bool hash12(struct tp_sb *sb, char *out)
{
    static const char hx[] = "0123456789abcdef";
    if (sb->truncated || sb->oom)
        return false;
    if (sb->len == 0) {
        memset(out, '0', 12);
        return true;
    }
    uint8_t d[32];
    if (!sha256((const uint8_t *)sb->buf, sb->len, d))
        return false;
    for (size_t i = 0; i < 6; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    return true;
}

bool tp_cert_ja4x(const uint8_t *der, size_t len, char out[40])
{
    struct cert_parts cp;
    enum tp_err err;
    struct tp_sb sb;
    bool ok = cert_locate(der, len, &cp, &err);
    out[0] = '\0';
    if (!ok)
        return false;
    char fp[40];
    tp_sb_init(&sb);
    ok = name_oids(cp.issuer.val, &sb) && hash12(&sb, fp);
    tp_sb_reset(&sb);
    ok = ok && name_oids(cp.subject.val, &sb) && hash12(&sb, fp + 13);
    tp_sb_reset(&sb);
    ok = ok && (!cp.has_exts || ext_oids(cp.exts.val, &sb)) && hash12(&sb, fp + 26);
    tp_sb_free(&sb);
    if (!ok)
        return false;
    fp[12] = fp[25] = '_';
    fp[38] = '\0';
    memcpy(out, fp, 39);
    return true;
}
#else
bool tp_cert_ja4x(const uint8_t *der, size_t len, char out[40])
{
    (void)der, (void)len;
    out[0] = '\0';
    return false;
}
#endif
