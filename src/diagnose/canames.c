/* mTLS CA names (issue 16): the distinguished names a CertificateRequest lists
 * (RFC 5246 §7.4.4 certificate_authorities; RFC 8446 §4.2.4), read with the
 * bounds-checked reader, printed as "CN=...,O=...", and compared with the issuer
 * of each certificate of the client's chain as sent. DER is untrusted wire data:
 * every length is checked by tp_reader, names are escaped when printed. */
#include <stdio.h>
#include <string.h>
#include "diagnose/diag_int.h"
#include "tlsprobe/reader.h"

/* One DER TLV: tag, then the value as a sub-reader. Short and long lengths up to
 * 3 bytes (16 MiB: more than any message we keep). */
static bool der_tlv(struct tp_reader *r, uint8_t *tag, struct tp_reader *val)
{
    uint8_t t, l0;
    if (!tp_read_u8(r, &t) || !tp_read_u8(r, &l0))
        return false;
    size_t len = l0;
    if (l0 & 0x80) {
        size_t nb = l0 & 0x7f;
        if (nb == 0 || nb > 3)
            return tp_reader_fail(r, TP_ERR_MALFORMED);
        len = 0;
        for (size_t i = 0; i < nb; i++) {
            uint8_t b;
            if (!tp_read_u8(r, &b))
                return false;
            len = (len << 8) | b;
        }
    }
    struct tp_bytes v;
    if (!tp_read_bytes(r, len, &v))
        return false;
    *tag = t;
    tp_reader_from(val, v);
    return true;
}

/* The bytes a (sub-)reader has left, without consuming them. */
static struct tp_bytes rest_of(struct tp_reader r)
{
    struct tp_bytes b = { 0 };
    (void)tp_read_rest(&r, &b);
    return b;
}

/* A Name is compared by the contents of its outer SEQUENCE. */
static bool name_value(struct tp_bytes der, struct tp_bytes *val)
{
    struct tp_reader r, v;
    uint8_t tag;
    tp_reader_from(&r, der);
    if (!der_tlv(&r, &tag, &v) || tag != 0x30)
        return false;
    *val = rest_of(v);
    return true;
}

static const char *attr_name(struct tp_bytes oid)
{
    /* 2.5.4.x */
    if (oid.len == 3 && oid.p[0] == 0x55 && oid.p[1] == 0x04) {
        switch (oid.p[2]) {
        case 3: return "CN";
        case 6: return "C";
        case 7: return "L";
        case 8: return "ST";
        case 10: return "O";
        case 11: return "OU";
        default: break;
        }
    }
    return NULL;
}

/* The RDNs inside a Name's SEQUENCE, as text. */
static size_t dn_contents_text(struct tp_bytes contents, char *out, size_t n)
{
    struct tp_sb sb;
    tp_sb_init(&sb);
    sb.max = 1024;
    struct tp_reader seq;
    tp_reader_from(&seq, contents);
    bool ok = true;
    /* RFC 4514 prints the most specific RDN first: collect, then reverse. */
    struct tp_bytes parts[16];
    const char *names[16];
    size_t np = 0;
    while (ok && tp_reader_left(&seq) > 0 && np < 16) {
        struct tp_reader set, atv, oidr, valr;
        uint8_t t1, t2, t3, t4;
        if (!der_tlv(&seq, &t1, &set) || t1 != 0x31 || !der_tlv(&set, &t2, &atv) || t2 != 0x30 ||
            !der_tlv(&atv, &t3, &oidr) || t3 != 0x06 || !der_tlv(&atv, &t4, &valr)) {
            ok = false;
            break;
        }
        names[np] = attr_name(rest_of(oidr));
        parts[np] = rest_of(valr);
        np++;
    }
    for (size_t k = np; ok && k-- > 0;) {
        if (k + 1 < np)
            tp_sb_putc(&sb, ',');
        tp_sb_put(&sb, names[k] ? names[k] : "?");
        tp_sb_putc(&sb, '=');
        tp_sb_put_escaped(&sb, parts[k].p, parts[k].len);
    }
    if (!ok || !np) {
        tp_sb_reset(&sb);
        tp_sb_put(&sb, "(unreadable name)");
    }
    snprintf(out, n, "%s", tp_sb_str(&sb));
    size_t len = sb.len;
    tp_sb_free(&sb);
    return len;
}

/* The text of a Name's contents, or `unreadable` when ok is false. */
static size_t name_text(bool ok, struct tp_bytes contents, const char *unreadable, char *out, size_t n)
{
    if (!ok) {
        snprintf(out, n, "%s", unreadable);
        return strlen(out);
    }
    return dn_contents_text(contents, out, n);
}

size_t tp_dn_text(struct tp_bytes dn, char *out, size_t n)
{
    struct tp_bytes v = tp_bytes_make(NULL, 0);
    return name_text(name_value(dn, &v), v, "(unreadable name)", out, n);
}

/* The issuer Name of a certificate (DER), the contents of its SEQUENCE:
 * Certificate -> tbsCertificate -> [0] version? -> serialNumber -> signature ->
 * issuer (RFC 5280 §4.1). */
static bool cert_issuer(struct tp_bytes cert, struct tp_bytes *issuer)
{
    struct tp_reader r, c, tbs, skip;
    uint8_t tag;
    tp_reader_from(&r, cert);
    if (!der_tlv(&r, &tag, &c) || tag != 0x30 || !der_tlv(&c, &tag, &tbs) || tag != 0x30)
        return false;
    if (!der_tlv(&tbs, &tag, &skip))
        return false;
    if (tag == 0xa0 && !der_tlv(&tbs, &tag, &skip)) /* version, then serial */
        return false;
    if (!der_tlv(&tbs, &tag, &skip) || tag != 0x30) /* signature AlgorithmIdentifier */
        return false;
    if (!der_tlv(&tbs, &tag, &skip) || tag != 0x30)
        return false;
    *issuer = rest_of(skip);
    return true;
}

bool tp_ca_names_match_chain(const struct tp_bytes_list *names, const struct tp_chain *chain, int *matched_index)
{
    if (matched_index)
        *matched_index = -1;
    for (size_t i = 0; i < chain->n; i++) {
        struct tp_bytes iss;
        if (!cert_issuer(chain->der[i], &iss))
            continue;
        for (size_t k = 0; k < names->n; k++) {
            struct tp_bytes nv;
            if (!name_value(names->v[k], &nv) || !tp_bytes_eq(nv, iss))
                continue;
            if (matched_index)
                *matched_index = (int)i;
            return true;
        }
    }
    return false;
}

size_t tp_cert_issuer_text(struct tp_bytes cert, char *out, size_t n)
{
    struct tp_bytes iss = tp_bytes_make(NULL, 0);
    return name_text(cert_issuer(cert, &iss), iss, "(unreadable certificate)", out, n);
}
