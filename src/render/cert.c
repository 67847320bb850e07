/* A certificate summary for people (aligned block) and as a JSON object. Every
 * text that came from the certificate goes through the escaping helpers. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "tlsprobe/render.h"
#include "render_int.h"

static const char *const ku_names[] = {
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
    "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
};
static const char *const eku_names[] = {
    "serverAuth", "clientAuth", "codeSigning", "emailProtection", "timeStamping", "OCSPSigning", "anyExtendedKeyUsage",
};

static const char *san_prefix(enum tp_san_type t)
{
    switch (t) {
    case TP_SAN_DNS: return "DNS:";
    case TP_SAN_IP: return "IP:";
    case TP_SAN_EMAIL: return "email:";
    case TP_SAN_URI: return "URI:";
    default: return "";
    }
}

static void put_time(struct tp_sb *out, time_t t, bool rfc3339)
{
    struct tm tm;
    char buf[40];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, rfc3339 ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S UTC", &tm);
    tp_sb_put(out, buf);
}

static void put_str(struct tp_sb *out, const char *s)
{
    tp_sb_put_escaped(out, (const uint8_t *)s, strlen(s));
}

static void label(struct tp_sb *out, const char *indent, const char *name)
{
    size_t start = out->len;
    tp_sb_put(out, indent);
    tp_sb_put(out, name);
    tp_sb_pad(out, start, strlen(indent) + 16);
}

static void put_bits(struct tp_sb *out, unsigned bits, const char *const *names, size_t n)
{
    bool first = true;
    for (size_t i = 0; i < n; i++)
        if (bits & (1u << i)) {
            tp_sb_printf(out, "%s%s", first ? "" : ", ", names[i]);
            first = false;
        }
    if (first)
        tp_sb_put(out, "(none)");
}

void tp_render_cert_text(struct tp_sb *out, const struct tp_cert_info *ci, const struct tp_render_opts *o,
                         const char *indent)
{
    if (!ci)
        return;
    if (!indent)
        indent = "";
    label(out, indent, "subject");
    put_str(out, ci->subject);
    tp_sb_putc(out, '\n');
    label(out, indent, "issuer");
    put_str(out, ci->issuer);
    if (ci->self_signed)
        tp_sb_put(out, "  (self-signed)");
    else if (ci->self_issued)
        tp_sb_put(out, "  (self-issued, but its own key does not verify it)");
    tp_sb_putc(out, '\n');
    label(out, indent, "names");
    if (ci->n_san == 0)
        tp_sb_printf(out, "%s(no subjectAltName)%s", tp_c_yellow(o), tp_c_reset(o));
    for (size_t i = 0; i < ci->n_san; i++) {
        tp_sb_put(out, i ? ", " : "");
        tp_sb_put(out, san_prefix(ci->san[i].type));
        tp_sb_put_escaped(out, (const uint8_t *)ci->san[i].value, ci->san[i].value_len);
    }
    if (ci->n_san_total > ci->n_san)
        tp_sb_printf(out, " … (%zu in all)", ci->n_san_total);
    tp_sb_putc(out, '\n');
    label(out, indent, "valid");
    put_time(out, ci->not_before, false);
    tp_sb_put(out, " to ");
    put_time(out, ci->not_after, false);
    time_t now = time(NULL);
    long days = tp_cert_days_left(ci, now);
    if (now < ci->not_before) {
        long until = (long)(difftime(ci->not_before, now) / 86400.0);
        tp_sb_printf(out, "  %snot valid yet (starts in %ld day%s)%s", tp_c_red(o), until, until == 1 ? "" : "s",
                     tp_c_reset(o));
    } else if (days < 0) {
        tp_sb_printf(out, "  %sexpired %ld day%s ago%s", tp_c_red(o), -days, days == -1 ? "" : "s", tp_c_reset(o));
    } else {
        tp_sb_printf(out, "  %sexpires in %ld day%s%s", days < 30 ? tp_c_yellow(o) : tp_c_green(o), days,
                     days == 1 ? "" : "s", tp_c_reset(o));
    }
    tp_sb_putc(out, '\n');
    label(out, indent, "key");
    bool weak_key = ((ci->key_type == TP_KEY_RSA || ci->key_type == TP_KEY_DSA) && ci->key_bits < 2048) ||
                    (ci->key_type == TP_KEY_EC && ci->key_bits < 256);
    tp_sb_printf(out, "%s%s", weak_key ? tp_c_red(o) : "", ci->key_desc);
    if (weak_key)
        tp_sb_printf(out, " (weak)%s", tp_c_reset(o));
    tp_sb_putc(out, '\n');
    if (ci->bad_ext[0] || ci->unhandled_critical[0] || ci->duplicate_ext[0]) {
        label(out, indent, "problem");
        tp_sb_put(out, tp_c_red(o));
        if (ci->bad_ext[0])
            tp_sb_printf(out, "extension %s cannot be decoded (byte %zu) ", ci->bad_ext, ci->bad_ext_offset);
        if (ci->duplicate_ext[0])
            tp_sb_printf(out, "extension %s appears twice ", ci->duplicate_ext);
        if (ci->unhandled_critical[0])
            tp_sb_printf(out, "critical extension %s is not processed by clients ", ci->unhandled_critical);
        tp_sb_printf(out, "(malformed-certificate)%s\n", tp_c_reset(o));
    }
    label(out, indent, "signature");
    tp_sb_printf(out, "%s%s", ci->sig_weak ? tp_c_red(o) : "", ci->sig_alg);
    if (ci->sig_weak)
        tp_sb_printf(out, " (weak hash)%s", tp_c_reset(o));
    tp_sb_putc(out, '\n');
    label(out, indent, "CA");
    if (ci->is_ca && ci->path_len >= 0)
        tp_sb_printf(out, "yes, path length %d\n", ci->path_len);
    else
        tp_sb_put(out, ci->is_ca ? "yes\n" : "no\n");
    label(out, indent, "key usage");
    if (ci->has_key_usage)
        put_bits(out, ci->key_usage, ku_names, sizeof ku_names / sizeof ku_names[0]);
    else
        tp_sb_put(out, "(not restricted)");
    tp_sb_putc(out, '\n');
    label(out, indent, "ext key usage");
    if (ci->has_ext_key_usage)
        put_bits(out, ci->ext_key_usage, eku_names, sizeof eku_names / sizeof eku_names[0]);
    else
        tp_sb_put(out, "(not restricted)");
    tp_sb_putc(out, '\n');
    label(out, indent, "serial");
    tp_sb_put(out, ci->serial_hex);
    tp_sb_putc(out, '\n');
    if (ci->ski_len) {
        label(out, indent, "SKI");
        tp_sb_put_hex(out, ci->ski, ci->ski_len, ':');
        tp_sb_putc(out, '\n');
    }
    if (ci->aki_len) {
        label(out, indent, "AKI");
        tp_sb_put_hex(out, ci->aki, ci->aki_len, ':');
        tp_sb_putc(out, '\n');
    }
    if (ci->aia_ca_issuers) {
        label(out, indent, "CA issuers");
        put_str(out, ci->aia_ca_issuers);
        tp_sb_putc(out, '\n');
    }
    if (ci->aia_ocsp) {
        label(out, indent, "OCSP");
        put_str(out, ci->aia_ocsp);
        tp_sb_putc(out, '\n');
    }
    if (ci->crl_dp) {
        label(out, indent, "CRL");
        put_str(out, ci->crl_dp);
        tp_sb_putc(out, '\n');
    }
    label(out, indent, "SCTs");
    tp_sb_put(out, ci->has_sct ? "present (Certificate Transparency)\n" : "none\n");
    label(out, indent, "SHA-256");
    tp_sb_put_hex(out, ci->sha256, sizeof ci->sha256, ':');
    tp_sb_putc(out, '\n');
}

/* "%d" / "%ld" without printf. */
static void put_long(struct tp_sb *out, long v)
{
    char buf[24];
    char *e = buf + sizeof buf, *p = e;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    tp_sb_putn(out, p, (size_t)(e - p));
}

static void jstr(struct tp_sb *out, bool *first, const char *k, const char *v)
{
    rj_key(out, first, k);
    tp_sb_put_json_str(out, v);
}

static void jhex(struct tp_sb *out, bool *first, const char *k, const uint8_t *p, size_t n)
{
    rj_key(out, first, k);
    if (!n) {
        tp_sb_put(out, "null");
        return;
    }
    tp_sb_putc(out, '"');
    tp_sb_put_hex(out, p, n, 0);
    tp_sb_putc(out, '"');
}

static void jtime(struct tp_sb *out, bool *first, const char *k, time_t t)
{
    rj_key(out, first, k);
    tp_sb_putc(out, '"');
    put_time(out, t, true);
    tp_sb_putc(out, '"');
}

static void jbits(struct tp_sb *out, bool *first, const char *k, bool present, unsigned bits,
                  const char *const *names, size_t n)
{
    rj_key(out, first, k);
    if (!present) {
        tp_sb_put(out, "null");
        return;
    }
    tp_sb_putc(out, '[');
    bool f = true;
    for (size_t i = 0; i < n; i++)
        if (bits & (1u << i)) {
            if (!f)
                tp_sb_putc(out, ',');
            tp_sb_putc(out, '"');
            tp_sb_put(out, names[i]);
            tp_sb_putc(out, '"');
            f = false;
        }
    tp_sb_putc(out, ']');
}

/* '{' and every key up to "self_signed": a function of the DER alone. */
static void cert_json(struct tp_sb *out, const struct tp_cert_info *ci);
static void cert_json_tail(struct tp_sb *out, const struct tp_cert_info *ci);

/* A server sends the same chain to every client and a capture repeats a few
 * servers' chains: a small per-thread memo of rendered certificates, keyed by the
 * certificate's SHA-256 (tp_cert_parse fills it from the DER, and everything
 * rendered is a function of the DER). Fragments are kept inline (no heap that a
 * thread's exit would leak); bigger ones are rendered every time. */
#define CERT_MEMO 4
#define CERT_MEMO_MAX 3072
struct cert_memo {
    uint32_t used;
    uint16_t len;
    uint8_t sha256[32];
    char json[CERT_MEMO_MAX];
};
static _Thread_local struct cert_memo cert_memo[CERT_MEMO];
static _Thread_local uint32_t cert_tick;

void tp_render_cert_json(struct tp_sb *out, const struct tp_cert_info *ci)
{
    static const uint8_t zero[32];
    if (!ci) {
        tp_sb_put(out, "null");
        return;
    }
    if (!memcmp(ci->sha256, zero, 32)) { /* no fingerprint (made up in a test): no memo */
        cert_json(out, ci);
        cert_json_tail(out, ci);
        return;
    }
    struct cert_memo *victim = &cert_memo[0];
    for (int i = 0; i < CERT_MEMO; i++) {
        struct cert_memo *m = &cert_memo[i];
        if (m->len && !memcmp(m->sha256, ci->sha256, 32)) {
            m->used = ++cert_tick;
            tp_sb_putn(out, m->json, m->len);
            cert_json_tail(out, ci);
            return;
        }
        if (m->used < victim->used)
            victim = m;
    }
    struct tp_sb one;
    tp_sb_init(&one);
    cert_json(&one, ci);
    if (!one.truncated && !one.oom && one.len && one.len <= CERT_MEMO_MAX) {
        memcpy(victim->sha256, ci->sha256, 32);
        memcpy(victim->json, one.buf, one.len);
        victim->len = (uint16_t)one.len;
        victim->used = ++cert_tick;
    }
    tp_sb_putn(out, one.buf ? one.buf : "", one.len);
    tp_sb_free(&one);
    cert_json_tail(out, ci);
}

static void cert_json(struct tp_sb *out, const struct tp_cert_info *ci)
{
    bool first = true;
    tp_sb_putc(out, '{');
    jstr(out, &first, "subject", ci->subject);
    jstr(out, &first, "issuer", ci->issuer);
    rj_key(out, &first, "san");
    tp_sb_putc(out, '[');
    for (size_t i = 0; i < ci->n_san; i++) {
        /* prefix + value escaped as one string: on the stack when it fits */
        const char *pre = san_prefix(ci->san[i].type);
        size_t pl = strlen(pre), vl = ci->san[i].value_len;
        char sbuf[256];
        if (i)
            tp_sb_putc(out, ',');
        if (pl + vl <= sizeof sbuf) {
            memcpy(sbuf, pre, pl);
            if (vl)
                memcpy(sbuf + pl, ci->san[i].value, vl);
            tp_sb_put_json(out, (const uint8_t *)sbuf, pl + vl);
            continue;
        }
        struct tp_sb v;
        tp_sb_init(&v);
        tp_sb_put(&v, pre);
        tp_sb_putn(&v, ci->san[i].value, ci->san[i].value_len);
        tp_sb_put_json(out, (const uint8_t *)v.buf, v.len);
        tp_sb_free(&v);
    }
    tp_sb_putc(out, ']');
    jtime(out, &first, "not_before", ci->not_before);
    jtime(out, &first, "not_after", ci->not_after);
    jstr(out, &first, "key", ci->key_desc);
    jstr(out, &first, "signature_algorithm", ci->sig_alg);
    rj_key(out, &first, "is_ca");
    tp_sb_put(out, ci->is_ca ? "true" : "false");
    jhex(out, &first, "sha256", ci->sha256, sizeof ci->sha256);
    /* beyond the session contract: documented in docs/json.md, "inspect" */
    jstr(out, &first, "subject_cn", ci->subject_cn);
    jstr(out, &first, "serial", ci->serial_hex);
    rj_key(out, &first, "key_bits");
    put_long(out, ci->key_bits);
    rj_key(out, &first, "path_len");
    if (ci->is_ca && ci->path_len >= 0)
        put_long(out, ci->path_len);
    else
        tp_sb_put(out, "null");
    jbits(out, &first, "key_usage", ci->has_key_usage, ci->key_usage, ku_names, sizeof ku_names / sizeof ku_names[0]);
    jbits(out, &first, "extended_key_usage", ci->has_ext_key_usage, ci->ext_key_usage, eku_names,
          sizeof eku_names / sizeof eku_names[0]);
    jhex(out, &first, "subject_key_id", ci->ski, ci->ski_len);
    jhex(out, &first, "authority_key_id", ci->aki, ci->aki_len);
    jstr(out, &first, "ca_issuers", ci->aia_ca_issuers);
    jstr(out, &first, "ocsp", ci->aia_ocsp);
    jstr(out, &first, "crl_distribution_point", ci->crl_dp);
    rj_key(out, &first, "sct");
    tp_sb_put(out, ci->has_sct ? "true" : "false");
    rj_key(out, &first, "self_signed");
    tp_sb_put(out, ci->self_signed ? "true" : "false");
    /* what cannot be decoded or is not processed (RFC 5280 §4.2); null when fine */
    jstr(out, &first, "malformed_extension", ci->bad_ext[0] ? ci->bad_ext : NULL);
    rj_key(out, &first, "malformed_extension_offset");
    if (ci->bad_ext[0])
        put_long(out, (long)ci->bad_ext_offset);
    else
        tp_sb_put(out, "null");
    jstr(out, &first, "unhandled_critical_extension", ci->unhandled_critical[0] ? ci->unhandled_critical : NULL);
}

/* The part that depends on today, never remembered. */
static void cert_json_tail(struct tp_sb *out, const struct tp_cert_info *ci)
{
    tp_sb_putn(out, ",\"days_left\":", 13);
    put_long(out, tp_cert_days_left(ci, time(NULL)));
    tp_sb_putc(out, '}');
}
