/* Certificate summary (RFC 5280 §4.1) from our own DER walk; signatures checked
 * with wolfSSL; RFC 6125 name matching. */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <stdbool.h>
#include "tlsprobe/x509.h"
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/ed448.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/signature.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/sct.h"
#include "x509_int.h"

/* Locate the parts of a Certificate. Leaves r failed (truncated/malformed) on error. */
bool cert_locate(const uint8_t *der, size_t len, struct cert_parts *cp, enum tp_err *err)
{
    struct tp_reader r, c, tbs, alg, val;
    struct der_tlv tmp;
    memset(cp, 0, sizeof *cp);
    tp_reader_init(&r, der, len);
    der_expect(&r, DER_SEQUENCE, NULL, &c);
    tp_reader_join(&r, &c);
    der_expect(&c, DER_SEQUENCE, &cp->tbs, &tbs);
    der_expect(&c, DER_SEQUENCE, &cp->sig_alg, &alg);
    der_expect(&alg, DER_OID, &cp->sig_alg_oid, NULL);
    der_expect(&c, DER_BIT_STRING, &cp->sig, NULL);
    tp_reader_expect_end(&c);
    tp_reader_join(&r, &c);
    tp_reader_join(&r, &alg);
    if (tp_reader_ok(&r)) {
        cp->has_version = der_optional(&tbs, DER_CTXC(0), &cp->version);
        der_expect(&tbs, DER_INTEGER, &cp->serial, NULL);
        der_expect(&tbs, DER_SEQUENCE, &cp->tbs_sig_alg, NULL); /* signature (inner) */
        der_expect(&tbs, DER_SEQUENCE, &cp->issuer, NULL);
        der_expect(&tbs, DER_SEQUENCE, NULL, &val);
        der_next(&val, &cp->not_before);
        der_next(&val, &cp->not_after);
        tp_reader_join(&tbs, &val);
        der_expect(&tbs, DER_SEQUENCE, &cp->subject, NULL);
        der_expect(&tbs, DER_SEQUENCE, &cp->spki, NULL);
        der_optional(&tbs, DER_CTX(1), &tmp);
        der_optional(&tbs, DER_CTX(2), &tmp);
        if (der_optional(&tbs, DER_CTXC(3), &tmp)) {
            struct tp_reader er;
            tp_reader_from(&er, tmp.val);
            cp->has_exts = der_expect(&er, DER_SEQUENCE, &cp->exts, NULL);
            tp_reader_expect_end(&er); /* [3] EXPLICIT holds the Extensions and nothing else */
            tp_reader_join(&tbs, &er);
        }
        tp_reader_expect_end(&tbs);
        tp_reader_join(&r, &tbs);
    }
    tp_reader_expect_end(&r);
    *err = r.err;
    return tp_reader_ok(&r);
}

void tp_cert_free(struct tp_cert_info *ci)
{
    if (!ci)
        return;
    free(ci->der);
    free(ci->subject);
    free(ci->issuer);
    free(ci->subject_cn);
    free(ci->serial_hex);
    san_free(ci->san, ci->n_san);
    free(ci->aia_ca_issuers);
    free(ci->aia_ocsp);
    free(ci->crl_dp);
    free(ci);
}

static char *name_dup(struct tp_bytes name)
{
    struct tp_sb sb;
    tp_sb_init(&sb);
    if (!name_text(name, &sb)) {
        tp_sb_free(&sb);
        return NULL;
    }
    return tp_sb_take(&sb);
}

/* First URI in GeneralNames content. */
static char *first_uri(struct tp_bytes gns)
{
    struct tp_reader r;
    struct der_tlv gn;
    tp_reader_from(&r, gns);
    while (tp_reader_left(&r) > 0 && der_next(&r, &gn))
        if (gn.tag == DER_CTX(6))
            return dup_bytes(gn.val.p, gn.val.len);
    return NULL;
}

/* One extension's value, and whether it was marked critical. */
struct ext_in {
    struct tp_reader r; /* the whole value */
    struct tp_reader s; /* inside its SEQUENCE, for the rows that ask for one */
    bool crit;
};

static bool ext_basic_constraints(struct tp_cert_info *ci, struct ext_in *x)
{
    struct der_tlv t;
    ci->has_basic_constraints = true;
    ci->bc_critical = x->crit;
    if (der_optional(&x->s, DER_BOOLEAN, &t))
        ci->is_ca = t.val.len == 1 && t.val.p[0];
    if (der_optional(&x->s, DER_INTEGER, &t)) {
        if (t.val.len == 0 || (t.val.p[0] & 0x80))
            return false; /* pathLenConstraint INTEGER (0..MAX) */
        long pl = 0;
        for (size_t i = 0; i < t.val.len && i < 4; i++)
            pl = pl << 8 | t.val.p[i];
        ci->path_len = t.val.len > 4 || pl > 255 ? 255 : (int)pl;
    }
    return tp_reader_expect_end(&x->s) && tp_reader_expect_end(&x->r);
}

static bool ext_key_usage(struct tp_cert_info *ci, struct ext_in *x)
{
    struct der_tlv t;
    if (!der_expect(&x->r, DER_BIT_STRING, &t, NULL) || t.val.len < 1)
        return false;
    ci->has_key_usage = true;
    for (size_t i = 1; i < t.val.len && i < 3; i++)
        for (int b = 0; b < 8; b++)
            if (t.val.p[i] & (0x80 >> b))
                ci->key_usage |= 1u << ((i - 1) * 8 + (size_t)b);
    ci->key_usage &= 0x1ff;
    return true;
}

static bool ext_ext_key_usage(struct tp_cert_info *ci, struct ext_in *x)
{
    struct der_tlv t;
    static const struct { const char *oid; unsigned bit; } eku[] = {
        { "1.3.6.1.5.5.7.3.1", TP_EKU_SERVER_AUTH }, { "1.3.6.1.5.5.7.3.2", TP_EKU_CLIENT_AUTH },
        { "1.3.6.1.5.5.7.3.3", TP_EKU_CODE_SIGNING }, { "1.3.6.1.5.5.7.3.4", TP_EKU_EMAIL },
        { "1.3.6.1.5.5.7.3.8", TP_EKU_TIME_STAMPING }, { "1.3.6.1.5.5.7.3.9", TP_EKU_OCSP_SIGNING },
        { "2.5.29.37.0", TP_EKU_ANY },
    };
    ci->has_ext_key_usage = true;
    if (tp_reader_left(&x->s) == 0)
        return false; /* SEQUENCE SIZE (1..MAX) */
    while (tp_reader_left(&x->s) > 0 && der_expect(&x->s, DER_OID, &t, NULL)) {
        unsigned before = ci->ext_key_usage;
        for (size_t i = 0; i < sizeof eku / sizeof eku[0]; i++)
            if (oid_is(t.val, eku[i].oid))
                ci->ext_key_usage |= eku[i].bit;
        if (ci->ext_key_usage == before)
            ci->eku_other = true;
    }
    return tp_reader_ok(&x->s);
}

static bool ext_subject_alt_name(struct tp_cert_info *ci, struct ext_in *x)
{
    struct der_tlv t;
    if (!der_expect(&x->r, DER_SEQUENCE, &t, NULL) || !tp_reader_expect_end(&x->r))
        return false;
    ci->has_san = true;
    ci->san_critical = x->crit;
    ci->san_der = t.val;
    if (t.val.len == 0)
        return false; /* GeneralNames SIZE (1..MAX) (§4.2.1.6) */
    return general_names(t.val, &ci->san, &ci->n_san, &ci->n_san_total);
}

static bool ext_name_constraints(struct tp_cert_info *ci, struct ext_in *x)
{
    /* non-critical is accepted (CA/B Forum; see ext criticality in parse_exts) */
    struct der_tlv t;
    if (!tp_reader_expect_end(&x->r))
        return false;
    if (der_optional(&x->s, DER_CTXC(0), &t))
        ci->nc_permitted = t.val;
    if (der_optional(&x->s, DER_CTXC(1), &t))
        ci->nc_excluded = t.val;
    if (!tp_reader_expect_end(&x->s) || (!ci->nc_permitted.len && !ci->nc_excluded.len))
        return false; /* "MUST NOT ... an empty sequence" */
    ci->has_name_constraints = true;
    return nc_well_formed(ci);
}

static bool ext_subject_key_id(struct tp_cert_info *ci, struct ext_in *x)
{
    struct der_tlv t;
    if (!der_expect(&x->r, DER_OCTET_STRING, &t, NULL))
        return false;
    ci->ski_len = t.val.len < sizeof ci->ski ? t.val.len : sizeof ci->ski;
    memcpy(ci->ski, t.val.p, ci->ski_len);
    return true;
}

static bool ext_authority_key_id(struct tp_cert_info *ci, struct ext_in *x)
{
    struct der_tlv t;
    ci->has_aki = true;
    if (der_optional(&x->s, DER_CTX(0), &t)) {
        ci->aki_len = t.val.len < sizeof ci->aki ? t.val.len : sizeof ci->aki;
        memcpy(ci->aki, t.val.p, ci->aki_len);
    }
    if (der_optional(&x->s, DER_CTXC(1), &t))
        ci->aki_extra = true;
    if (der_optional(&x->s, DER_CTX(2), &t))
        ci->aki_extra = true;
    return tp_reader_expect_end(&x->s);
}

static bool ext_authority_info_access(struct tp_cert_info *ci, struct ext_in *x)
{
    while (tp_reader_left(&x->s) > 0) {
        struct tp_reader ad;
        struct der_tlv m, gn;
        if (!der_expect(&x->s, DER_SEQUENCE, NULL, &ad) || !der_expect(&ad, DER_OID, &m, NULL) || !der_next(&ad, &gn))
            return false;
        if (gn.tag != DER_CTX(6))
            continue;
        if (oid_is(m.val, "1.3.6.1.5.5.7.48.2") && !ci->aia_ca_issuers)
            ci->aia_ca_issuers = dup_bytes(gn.val.p, gn.val.len);
        else if (oid_is(m.val, "1.3.6.1.5.5.7.48.1") && !ci->aia_ocsp)
            ci->aia_ocsp = dup_bytes(gn.val.p, gn.val.len);
    }
    return true;
}

static bool ext_crl_distribution_points(struct tp_cert_info *ci, struct ext_in *x)
{
    struct der_tlv t;
    while (tp_reader_left(&x->s) > 0 && !ci->crl_dp) {
        struct tp_reader dp, dpn;
        struct der_tlv full;
        if (!der_expect(&x->s, DER_SEQUENCE, NULL, &dp))
            return false;
        if (der_optional(&dp, DER_CTXC(0), &t)) {
            tp_reader_from(&dpn, t.val);
            if (der_optional(&dpn, DER_CTXC(0), &full))
                ci->crl_dp = first_uri(full.val);
        }
    }
    return true;
}

/* RFC 6962 §3.3 SCT list: an OCTET STRING around the TLS encoding, decoded
 * and judged by sct.c (tlsprobe/sct.h) */
static bool ext_sct_list(struct tp_cert_info *ci, struct ext_in *x)
{
    ci->has_sct = true;
    struct tp_bytes v;
    (void)tp_read_rest(&x->r, &v);
    return tp_sct_ext_unwrap(v, &ci->sct_list);
}

static const struct {
    const char *oid;
    bool seq; /* the value is a SEQUENCE: opened into ext_in.s first */
    bool (*parse)(struct tp_cert_info *, struct ext_in *);
} ext_parsers[] = {
    { "2.5.29.19", true, ext_basic_constraints },
    { "2.5.29.15", false, ext_key_usage },
    { "2.5.29.37", true, ext_ext_key_usage },
    { "2.5.29.17", false, ext_subject_alt_name },
    { "2.5.29.30", true, ext_name_constraints },
    { "2.5.29.14", false, ext_subject_key_id },
    { "2.5.29.35", true, ext_authority_key_id },
    { "1.3.6.1.5.5.7.1.1", true, ext_authority_info_access },
    { "2.5.29.31", true, ext_crl_distribution_points },
    { "1.3.6.1.4.1.11129.2.4.2", false, ext_sct_list },
};

/* One extension's value (RFC 5280 §4.2). false when it cannot be decoded;
 * an extension we do not know is fine here (criticality is judged by the caller). */
static bool parse_ext(struct tp_cert_info *ci, struct tp_bytes oid, struct tp_bytes v, bool crit)
{
    struct ext_in x = { .crit = crit };
    tp_reader_from(&x.r, v);
    for (size_t i = 0; i < sizeof ext_parsers / sizeof ext_parsers[0]; i++)
        if (oid_is(oid, ext_parsers[i].oid)) {
            if (ext_parsers[i].seq && !der_expect(&x.r, DER_SEQUENCE, NULL, &x.s))
                return false;
            return ext_parsers[i].parse(ci, &x);
        }
    return true;
}

enum tp_err tp_cert_parse(const uint8_t *der, size_t len, struct tp_cert_info **out)
{
    return cert_parse_ex(der, len, true, out);
}

/* Extensions this verifier processes (RFC 5280 §4.2: a critical extension it
 * does not recognise makes the certificate unusable). certificatePolicies is
 * read as "any policy": we never ask for a policy, so a path cannot fail on it
 * unless policyConstraints demands one, and that one we do not process. */
static bool ext_handled(struct tp_bytes oid)
{
    static const char *const known[] = {
        "2.5.29.19", "2.5.29.15", "2.5.29.37", "2.5.29.17", "2.5.29.30", "2.5.29.14", "2.5.29.35",
        "2.5.29.32", "2.5.29.31", "1.3.6.1.5.5.7.1.1", "1.3.6.1.4.1.11129.2.4.2",
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (oid_is(oid, known[i]))
            return true;
    return false;
}

static void oid_into(char *out, size_t cap, struct tp_bytes oid)
{
    static const struct { const char *oid, *name; } names[] = {
        { "2.5.29.19", "basicConstraints" }, { "2.5.29.15", "keyUsage" }, { "2.5.29.37", "extKeyUsage" },
        { "2.5.29.17", "subjectAltName" }, { "2.5.29.30", "nameConstraints" }, { "2.5.29.14", "subjectKeyIdentifier" },
        { "2.5.29.35", "authorityKeyIdentifier" }, { "2.5.29.32", "certificatePolicies" },
        { "2.5.29.31", "cRLDistributionPoints" }, { "2.5.29.36", "policyConstraints" },
        { "2.5.29.33", "policyMappings" }, { "2.5.29.54", "inhibitAnyPolicy" },
        { "1.3.6.1.5.5.7.1.1", "authorityInfoAccess" }, { "1.3.6.1.4.1.11129.2.4.2", "SCT list" },
    };
    struct tp_sb sb;
    tp_sb_init(&sb);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (oid_is(oid, names[i].oid)) {
            tp_sb_put(&sb, names[i].name);
            tp_sb_put(&sb, " (");
            oid_text(&sb, oid);
            tp_sb_putc(&sb, ')');
            snprintf(out, cap, "%s", tp_sb_str(&sb));
            tp_sb_free(&sb);
            return;
        }
    oid_text(&sb, oid);
    snprintf(out, cap, "%s", tp_sb_str(&sb));
    tp_sb_free(&sb);
}

/* The extensions: each decoded on its own, so one that cannot be read is noted
 * (bad_ext) and the rest of the certificate is still summarised. */
static void parse_exts(struct tp_cert_info *ci, const struct cert_parts *cp)
{
    struct tp_bytes seen[32];
    size_t n_seen = 0;
    struct tp_reader er;
    tp_reader_from(&er, cp->exts.val);
    if (cp->exts.val.len == 0)
        snprintf(ci->bad_ext, sizeof ci->bad_ext, "(empty extensions list)");
    while (tp_reader_left(&er) > 0) {
        struct tp_reader e;
        struct der_tlv whole, oid, crit, val;
        size_t off = (size_t)(er.p + er.off - ci->der);
        if (!der_expect(&er, DER_SEQUENCE, &whole, &e)) {
            if (!ci->bad_ext[0]) {
                snprintf(ci->bad_ext, sizeof ci->bad_ext, "(extensions list)");
                ci->bad_ext_offset = off;
            }
            return;
        }
        if (!der_expect(&e, DER_OID, &oid, NULL)) {
            if (!ci->bad_ext[0]) {
                snprintf(ci->bad_ext, sizeof ci->bad_ext, "(an extension without an OID)");
                ci->bad_ext_offset = off;
            }
            continue;
        }
        bool critical = false, crit_bad = false;
        if (der_optional(&e, DER_BOOLEAN, &crit)) {
            critical = crit.val.len == 1 && crit.val.p[0];
            crit_bad = crit.val.len != 1 || (crit.val.p[0] != 0 && crit.val.p[0] != 0xff);
        }
        for (size_t i = 0; i < n_seen; i++)
            if (seen[i].len == oid.val.len && !memcmp(seen[i].p, oid.val.p, oid.val.len) && !ci->duplicate_ext[0])
                oid_into(ci->duplicate_ext, sizeof ci->duplicate_ext, oid.val);
        if (n_seen < sizeof seen / sizeof seen[0])
            seen[n_seen++] = oid.val;
        bool ok = der_expect(&e, DER_OCTET_STRING, &val, NULL) && tp_reader_expect_end(&e) && !crit_bad &&
                  parse_ext(ci, oid.val, val.val, critical);
        if (!ok && !ci->bad_ext[0]) {
            oid_into(ci->bad_ext, sizeof ci->bad_ext, oid.val);
            ci->bad_ext_offset = off;
        }
        if (ok && oid_is(oid.val, "1.3.6.1.5.5.7.1.24") && !cert_tls_feature(ci, val.val) && !ci->bad_ext[0]) {
            oid_into(ci->bad_ext, sizeof ci->bad_ext, oid.val); /* TLS Feature (ocsp.c) */
            ci->bad_ext_offset = off;
        }
        if (critical && !ext_handled(oid.val) && !ci->unhandled_critical[0])
            oid_into(ci->unhandled_critical, sizeof ci->unhandled_critical, oid.val);
        /* §4.2.1.1, §4.2.1.2, §4.2.2.1: MUST be non-critical; §4.2.1.11: MUST be
         * critical. nameConstraints "MUST be critical" too, but the CA/Browser
         * Forum allows it non-critical and real CAs issue it so (old macOS
         * could not process it): every client accepts that, and so do we. */
        bool must_not = oid_is(oid.val, "2.5.29.35") || oid_is(oid.val, "2.5.29.14") ||
                        oid_is(oid.val, "1.3.6.1.5.5.7.1.1");
        bool must = oid_is(oid.val, "2.5.29.36");
        if (((must_not && critical) || (must && !critical)) && !ci->criticality_bad[0])
            oid_into(ci->criticality_bad, sizeof ci->criticality_bad, oid.val);
    }
}

/* Version, serial and algorithm fields (RFC 5280 §4.1.1.2, §4.1.2.1, §4.1.2.2). */
static void profile_fields(struct tp_cert_info *ci, const struct cert_parts *cp)
{
    ci->version = 1;
    if (cp->has_version) {
        struct tp_reader vr;
        struct der_tlv v;
        tp_reader_from(&vr, cp->version.val);
        if (der_expect(&vr, DER_INTEGER, &v, NULL) && tp_reader_expect_end(&vr) && v.val.len == 1 && v.val.p[0] <= 2)
            ci->version = v.val.p[0] + 1;
        else
            ci->version_invalid = true;
    }
    if (cp->has_exts && ci->version != 3)
        ci->version_invalid = true;
    struct tp_bytes ser = cp->serial.val;
    bool zero = true;
    for (size_t i = 0; i < ser.len; i++)
        zero = zero && ser.p[i] == 0;
    ci->serial_zero = ser.len > 0 && zero;
    ci->serial_invalid = ser.len == 0 || (ser.p[0] & 0x80) || ser.len > 21 || (ser.len == 21 && ser.p[0] != 0);
    ci->sig_alg_mismatch = cp->sig_alg.whole.len != cp->tbs_sig_alg.whole.len ||
                           memcmp(cp->sig_alg.whole.p, cp->tbs_sig_alg.whole.p, cp->sig_alg.whole.len) != 0;
}

enum tp_err cert_parse_ex(const uint8_t *der, size_t len, bool check_self, struct tp_cert_info **out)
{
    struct cert_parts cp;
    enum tp_err err;
    *out = NULL;
    if (!der)
        return TP_ERR_MALFORMED;
    if (!cert_locate(der, len, &cp, &err))
        return err;
    struct tp_cert_info *ci = calloc(1, sizeof *ci);
    if (!ci)
        return TP_ERR_NOMEM;
    ci->path_len = -1;
    err = TP_ERR_MALFORMED;
    ci->der = malloc(len);
    if (!ci->der)
        goto nomem;
    memcpy(ci->der, der, len);
    ci->der_len = len;
    /* The same walk on our own copy: the views we keep point into ci->der. */
    if (!cert_locate(ci->der, len, &cp, &err))
        goto fail;
    err = TP_ERR_MALFORMED; /* cert_locate set it to TP_OK: every failure below is a malformed field */
    ci->subject = name_dup(cp.subject.val);
    ci->issuer = name_dup(cp.issuer.val);
    if (!ci->subject || !ci->issuer)
        goto fail;
    ci->subject_der = cp.subject.val;
    ci->issuer_der = cp.issuer.val;
    struct tp_bytes cn;
    if (name_first_cn(cp.subject.val, &cn)) {
        if (memchr(cn.p, 0, cn.len)) { /* never let "a\0b" pass as "a": keep it escaped */
            struct tp_sb sb;
            tp_sb_init(&sb);
            tp_sb_put_escaped(&sb, cn.p, cn.len);
            ci->subject_cn = tp_sb_take(&sb);
        } else {
            ci->subject_cn = dup_bytes(cn.p, cn.len);
        }
    }
    {
        struct tp_sb sb;
        tp_sb_init(&sb);
        /* without the DER sign byte, as openssl and browsers show it */
        struct tp_bytes ser = cp.serial.val;
        if (ser.len > 1 && ser.p[0] == 0 && (ser.p[1] & 0x80))
            ser = tp_bytes_make(ser.p + 1, ser.len - 1);
        tp_sb_put_hex(&sb, ser.p, ser.len, ':');
        ci->serial_hex = tp_sb_take(&sb);
    }
    if (!der_time(&cp.not_before, &ci->not_before) || !der_time(&cp.not_after, &ci->not_after))
        goto fail;
    if (!spki_describe(cp.spki.whole, &ci->key_type, &ci->key_bits, ci->key_desc))
        goto fail;
    sig_alg_name(cp.sig_alg_oid.val, ci->sig_alg, &ci->sig_weak);
    profile_fields(ci, &cp);
    if (cp.has_exts)
        parse_exts(ci, &cp);
    if (!sha256(der, len, ci->sha256) || !sha256(cp.spki.whole.p, cp.spki.whole.len, ci->spki_sha256))
        goto fail;
    ci->self_issued = strcmp(ci->subject, ci->issuer) == 0;
    /* Trust anchors skip this (a signature check each: 144 roots cost ~0.3 s);
     * for them self_signed means self-issued. */
    ci->self_signed = ci->self_issued && (!check_self || cert_sig_verifies(ci, ci));
    *out = ci;
    return TP_OK;
nomem:
    err = TP_ERR_NOMEM;
fail:
    tp_cert_free(ci);
    return err;
}

long tp_cert_days_left(const struct tp_cert_info *ci, time_t now)
{
    double d = difftime(ci->not_after, now) / 86400.0;
    return d >= 0 ? (long)d : -(long)(-d + 0.999999);
}

bool tp_cert_pub_sha256(const struct tp_cert_info *ci, uint8_t out[32])
{
    struct cert_parts cp;
    enum tp_err err;
    if (!ci || !cert_locate(ci->der, ci->der_len, &cp, &err))
        return false;
    return sha256(cp.spki.whole.p, cp.spki.whole.len, out);
}

/* ---- issuer links ---- */

bool cert_name_links(const struct tp_cert_info *child, const struct tp_cert_info *issuer)
{
    if (strcmp(child->issuer, issuer->subject) != 0 && strcasecmp(child->issuer, issuer->subject) != 0)
        return false;
    /* RFC 5280 §4.2.1.1: the AKI keyIdentifier names the issuer's SKI. */
    if (child->aki_len && issuer->ski_len &&
        (child->aki_len != issuer->ski_len || memcmp(child->aki, issuer->ski, child->aki_len) != 0))
        return false;
    return true;
}

/* RFC 5280 §4.1.1.3 with wolfCrypt directly: the signature over the child's TBS
 * bytes, with the issuer's SubjectPublicKeyInfo. 1 verifies, 0 does not, -1 this
 * algorithm is not handled here (RSA-PSS, DSA: the compat path below is used).
 * Direct, because this wolfSSL's X509 parser rejects certificates whose own key is
 * Ed25519 (measured), and it avoids two full X509 decodes per link. */
/* The child's signature by the issuer's key (sig.c): 1 good, 0 bad, -1 an
 * algorithm wolfCrypt is not asked for here (the caller falls back). */
static int sig_verify_wc(const struct tp_cert_info *child, const struct tp_cert_info *issuer)
{
    struct cert_parts cp, ip;
    enum tp_err e;
    if (!cert_locate(child->der, child->der_len, &cp, &e) || !cert_locate(issuer->der, issuer->der_len, &ip, &e))
        return 0;
    return sig_verify_raw(cp.sig_alg_oid.val, cp.tbs.whole, cp.sig.val, ip.spki.whole);
}

bool cert_sig_verifies(const struct tp_cert_info *child, const struct tp_cert_info *issuer)
{
    int direct = sig_verify_wc(child, issuer);
    if (direct >= 0)
        return direct == 1;

    const unsigned char *p1 = child->der, *p2 = issuer->der;
    if (child->der_len > 0x7fffffff || issuer->der_len > 0x7fffffff)
        return false;
    WOLFSSL_X509 *c = wolfSSL_d2i_X509(NULL, &p1, (int)child->der_len);
    WOLFSSL_X509 *i = child == issuer ? c : wolfSSL_d2i_X509(NULL, &p2, (int)issuer->der_len);
    WOLFSSL_EVP_PKEY *k = i ? wolfSSL_X509_get_pubkey(i) : NULL;
    bool ok = c && k && wolfSSL_X509_verify(c, k) == WOLFSSL_SUCCESS;
    wolfSSL_EVP_PKEY_free(k);
    if (i != c)
        wolfSSL_X509_free(i);
    wolfSSL_X509_free(c);
    return ok;
}

bool tp_cert_issued_by(const struct tp_cert_info *child, const struct tp_cert_info *issuer)
{
    return child && issuer && cert_name_links(child, issuer) && cert_sig_verifies(child, issuer);
}

/* ---- RFC 6125 name matching ---- */

static size_t strip_dot(const char *s, size_t n)
{
    return n > 1 && s[n - 1] == '.' ? n - 1 : n;
}

/* §6.4.1 (case-insensitive ASCII) and §6.4.3 (wildcard only as the whole left-most
 * label, matching exactly one label, never a partial label like "a*.b"). */
static bool dns_match(const char *pat, size_t plen, const char *name, size_t nlen)
{
    if (memchr(pat, 0, plen) || plen == 0 || nlen == 0)
        return false;
    plen = strip_dot(pat, plen);
    nlen = strip_dot(name, nlen);
    if (plen >= 2 && pat[0] == '*' && pat[1] == '.') {
        const char *rest = pat + 2;
        size_t rlen = plen - 2;
        if (!memchr(rest, '.', rlen) || memchr(rest, '*', rlen)) /* no "*.com", no second wildcard */
            return false;
        const char *dot = memchr(name, '.', nlen);
        if (!dot || dot == name)
            return false;
        size_t tail = nlen - (size_t)(dot + 1 - name);
        return tail == rlen && strncasecmp(dot + 1, rest, rlen) == 0;
    }
    if (memchr(pat, '*', plen))
        return false;
    return plen == nlen && strncasecmp(pat, name, nlen) == 0;
}

enum tp_name_status tp_cert_match_name(const struct tp_cert_info *ci, const char *name)
{
    if (!ci || !name || !*name)
        return TP_NAME_NOT_CHECKED;
    unsigned char ip[16], sip[16];
    int fam = inet_pton(AF_INET, name, ip) == 1 ? AF_INET : inet_pton(AF_INET6, name, ip) == 1 ? AF_INET6 : 0;
    bool have_type = false;
    for (size_t i = 0; i < ci->n_san; i++) {
        const struct tp_san *s = &ci->san[i];
        if (fam) {
            if (s->type != TP_SAN_IP)
                continue;
            have_type = true;
            /* §6.2.1 / RFC 5280: IP SANs compare as addresses, never wildcards. */
            if (strlen(s->value) == s->value_len && inet_pton(fam, s->value, sip) == 1 &&
                memcmp(ip, sip, fam == AF_INET ? 4 : 16) == 0)
                return TP_NAME_OK;
        } else {
            if (s->type != TP_SAN_DNS)
                continue;
            have_type = true;
            if (dns_match(s->value, s->value_len, name, strlen(name)))
                return TP_NAME_OK;
        }
    }
    if (have_type)
        return TP_NAME_MISMATCH;
    /* §6.4.4: only with no identifier of that type at all; legacy, reported separately. */
    if (ci->subject_cn) {
        if (fam) {
            if (inet_pton(fam, ci->subject_cn, sip) == 1 && memcmp(ip, sip, fam == AF_INET ? 4 : 16) == 0)
                return TP_NAME_OK_CN_ONLY;
        } else if (dns_match(ci->subject_cn, strlen(ci->subject_cn), name, strlen(name))) {
            return TP_NAME_OK_CN_ONLY;
        }
    }
    return TP_NAME_MISMATCH;
}
