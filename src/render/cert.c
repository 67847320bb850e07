/* A certificate summary for people (aligned block) and as a JSON object. Every
 * text that came from the certificate goes through the escaping helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tlsprobe/render.h"
#include "jw.h"
#include "render_int.h"

static const char *const ku_names[] = {
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
    "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
};
static const char *const eku_names[] = {
    "serverAuth", "clientAuth", "codeSigning", "emailProtection", "timeStamping", "OCSPSigning", "anyExtendedKeyUsage",
};

const char *rc_san_prefix(enum tp_san_type t)
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

#define N_NAMES(t) (sizeof(t) / sizeof((t)[0]))

/* "key usage  digitalSignature, keyEncipherment", or "(not restricted)". */
static void usage_row(struct tp_sb *out, const char *indent, const char *name, bool present, unsigned bits,
                      const char *const *names, size_t n)
{
    label(out, indent, name);
    if (present)
        put_bits(out, bits, names, n);
    else
        tp_sb_put(out, "(not restricted)");
    tp_sb_putc(out, '\n');
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
        tp_sb_put(out, rc_san_prefix(ci->san[i].type));
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
    usage_row(out, indent, "key usage", ci->has_key_usage, ci->key_usage, ku_names, N_NAMES(ku_names));
    usage_row(out, indent, "ext key usage", ci->has_ext_key_usage, ci->ext_key_usage, eku_names, N_NAMES(eku_names));
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
    rc_cert_scts_text(out, ci, indent);
    label(out, indent, "SHA-256");
    tp_sb_put_hex(out, ci->sha256, sizeof ci->sha256, ':');
    tp_sb_putc(out, '\n');
    char ja4x[40];
    if (tp_cert_ja4x(ci->der, ci->der_len, ja4x)) {
        label(out, indent, "JA4X");
        tp_sb_put(out, ja4x);
        tp_sb_putc(out, '\n');
    }
}

static void jtime(struct jw *w, const char *k, time_t t)
{
    jw_key(w, k);
    tp_sb_putc(w->o, '"');
    put_time(w->o, t, true);
    tp_sb_putc(w->o, '"');
}

static void jbits(struct jw *w, const char *k, bool present, unsigned bits, const char *const *names, size_t n)
{
    if (!present) {
        jw_null(w, k);
        return;
    }
    jw_key(w, k);
    jw_open(w, '[');
    for (size_t i = 0; i < n; i++)
        if (bits & (1u << i))
            jw_istr(w, names[i]);
    jw_close(w, ']');
}

/* A subjectAltName as one string, prefix and value escaped together. */
static void jsan(struct jw *w, const struct tp_san *san)
{
    const char *pre = rc_san_prefix(san->type);
    size_t pl = strlen(pre), vl = san->value_len;
    char sbuf[256];
    jw_item(w);
    if (pl + vl <= sizeof sbuf) { /* on the stack when it fits */
        memcpy(sbuf, pre, pl);
        if (vl)
            memcpy(sbuf + pl, san->value, vl);
        tp_sb_put_json(w->o, (const uint8_t *)sbuf, pl + vl);
        return;
    }
    struct tp_sb v;
    tp_sb_init(&v);
    tp_sb_put(&v, pre);
    tp_sb_putn(&v, san->value, vl);
    tp_sb_put_json(w->o, (const uint8_t *)v.buf, v.len);
    tp_sb_free(&v);
}

static const char *const san_type_names[] = { "dns", "ip", "email", "uri", "other" };

/* subjectAltName entries typed: [{"type":"dns","value":...}]. */
void rc_san_typed(struct jw *w, const struct tp_san *san, size_t n)
{
    jw_key(w, "subject_alt_names");
    jw_open(w, '[');
    for (size_t i = 0; i < n; i++) {
        jw_item(w);
        jw_open(w, '{');
        jw_str(w, "type", RN_ENUM(san_type_names, san[i].type, "other"));
        jw_bytes(w, "value", (const uint8_t *)san[i].value, san[i].value_len);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

/* subjectAltName entries as prefixed strings: ["DNS:...", "IP:..."]. */
void rc_san_strings(struct jw *w, const struct tp_san *san, size_t n)
{
    jw_key(w, "san");
    jw_open(w, '[');
    for (size_t i = 0; i < n; i++)
        jsan(w, &san[i]);
    jw_close(w, ']');
}

/* Where to find more, and what the certificate says of itself. */
static const struct jw_field cert_links[] = {
    JW_FIELD("ca_issuers", JW_STR, struct tp_cert_info, aia_ca_issuers),
    JW_FIELD("ocsp", JW_STR, struct tp_cert_info, aia_ocsp),
    JW_FIELD("crl_distribution_point", JW_STR, struct tp_cert_info, crl_dp),
    JW_FIELD("sct", JW_BOOL, struct tp_cert_info, has_sct),
    JW_FIELD("self_signed", JW_BOOL, struct tp_cert_info, self_signed),
    /* what cannot be decoded or is not processed (RFC 5280 §4.2); null when fine */
    JW_FIELD("malformed_extension", JW_CHARS, struct tp_cert_info, bad_ext),
};

/* '{' and every key up to "unhandled_critical_extension": a function of the DER alone. */
static void cert_json(struct tp_sb *out, const struct tp_cert_info *ci)
{
    struct jw w;
    jw_init(&w, out);
    jw_open(&w, '{');
    jw_str(&w, "subject", ci->subject);
    jw_str(&w, "issuer", ci->issuer);
    rc_san_strings(&w, ci->san, ci->n_san);
    rc_san_typed(&w, ci->san, ci->n_san);
    jtime(&w, "not_before", ci->not_before);
    jtime(&w, "not_after", ci->not_after);
    jw_str(&w, "key", ci->key_desc);
    jw_str(&w, "signature_algorithm", ci->sig_alg);
    jw_bool(&w, "is_ca", ci->is_ca);
    jw_hex(&w, "sha256", ci->sha256, sizeof ci->sha256);
    char ja4x[40]; /* JA4+ (docs/fingerprints.md): null in a build without it */
    jw_str(&w, "ja4x", tp_cert_ja4x(ci->der, ci->der_len, ja4x) ? ja4x : NULL);
    /* beyond the session contract: documented in docs/json.md, "inspect" */
    jw_str(&w, "subject_cn", ci->subject_cn);
    jw_str(&w, "serial", ci->serial_hex);
    jw_i64(&w, "key_bits", ci->key_bits);
    if (ci->is_ca && ci->path_len >= 0)
        jw_i64(&w, "path_len", ci->path_len);
    else
        jw_null(&w, "path_len");
    jbits(&w, "key_usage", ci->has_key_usage, ci->key_usage, ku_names, N_NAMES(ku_names));
    jbits(&w, "extended_key_usage", ci->has_ext_key_usage, ci->ext_key_usage, eku_names, N_NAMES(eku_names));
    jw_hex(&w, "subject_key_id", ci->ski, ci->ski_len);
    jw_hex(&w, "authority_key_id", ci->aki, ci->aki_len);
    jw_fields(&w, ci, cert_links, JW_N(cert_links));
    if (ci->bad_ext[0])
        jw_u64(&w, "malformed_extension_offset", ci->bad_ext_offset);
    else
        jw_null(&w, "malformed_extension_offset");
    jw_chars(&w, "unhandled_critical_extension", ci->unhandled_critical, sizeof ci->unhandled_critical);
    rc_cert_scts_json(&w, ci);
    jw_bool(&w, "unparsed", false);
    jw_u64(&w, "der_length", ci->der_len);
}

/* Keys of the parsed form that are null in the unparsed one, in cert_json's order. */
static const char *const unparsed_nulls[] = {
    "subject_cn", "serial", "key_bits", "path_len", "key_usage", "extended_key_usage", "subject_key_id",
    "authority_key_id", "ca_issuers", "ocsp", "crl_distribution_point", "sct", "self_signed",
    "malformed_extension", "malformed_extension_offset", "unhandled_critical_extension", "scts",
};

void rc_cert_unparsed_json(struct jw *w, const uint8_t *sha256, size_t der_len)
{
    jw_open(w, '{');
    jw_null(w, "subject");
    jw_null(w, "issuer");
    jw_raw(w, "san", "[]");
    jw_raw(w, "subject_alt_names", "[]");
    jw_null(w, "not_before");
    jw_null(w, "not_after");
    jw_null(w, "key");
    jw_null(w, "signature_algorithm");
    jw_bool(w, "is_ca", false);
    jw_hex(w, "sha256", sha256, sha256 ? 32 : 0);
    jw_null(w, "ja4x");
    for (size_t i = 0; i < N_NAMES(unparsed_nulls); i++)
        jw_null(w, unparsed_nulls[i]);
    jw_bool(w, "unparsed", true);
    jw_u64(w, "der_length", der_len);
    jw_null(w, "expires_in_days");
    jw_close(w, '}');
}

/* The part that depends on today, never remembered. */
static void cert_json_tail(struct tp_sb *out, const struct tp_cert_info *ci)
{
    tp_sb_putn(out, ",\"expires_in_days\":", 19);
    jw_put_i64(out, tp_cert_days_left(ci, time(NULL)));
    tp_sb_putc(out, '}');
}

/* A server sends the same chain to every client and a capture repeats a few
 * servers' chains: the caller's memo keeps rendered certificates keyed by the
 * certificate's SHA-256 (tp_cert_parse fills it from the DER, and everything
 * rendered is a function of the DER). Bigger ones are rendered every time. */
static struct rc_memo *memo_find(struct tp_render_memo *m, const uint8_t sha256[32], bool *hit)
{
    struct rc_memo *victim = &m->cert[0];
    *hit = false;
    for (int i = 0; i < RC_MEMO; i++) {
        struct rc_memo *e = &m->cert[i];
        if (e->len && !memcmp(e->sha256, sha256, 32)) {
            e->used = ++m->cert_tick;
            *hit = true;
            return e;
        }
        if (e->used < victim->used)
            victim = e;
    }
    return victim;
}

void rc_cert_json(struct tp_sb *out, const struct tp_cert_info *ci, struct tp_render_memo *m)
{
    static const uint8_t zero[32];
    if (!ci) {
        tp_sb_put(out, "null");
        return;
    }
    if (!m || !memcmp(ci->sha256, zero, 32)) { /* no memo, or no fingerprint (made up in a test) */
        cert_json(out, ci);
        cert_json_tail(out, ci);
        return;
    }
    bool hit;
    struct rc_memo *e = memo_find(m, ci->sha256, &hit);
    if (hit) {
        tp_sb_putn(out, e->json, e->len);
        cert_json_tail(out, ci);
        return;
    }
    size_t start = out->len;
    cert_json(out, ci);
    size_t len = out->len - start;
    if (!out->truncated && !out->oom && len && len <= RC_MEMO_MAX) {
        memcpy(e->sha256, ci->sha256, 32);
        memcpy(e->json, out->buf + start, len);
        e->len = (uint16_t)len;
        e->used = ++m->cert_tick;
    }
    cert_json_tail(out, ci);
}

void tp_render_cert_json(struct tp_sb *out, const struct tp_cert_info *ci)
{
    rc_cert_json(out, ci, NULL);
}

void tp_render_cert_json_memo(struct tp_sb *out, const struct tp_cert_info *ci, struct tp_render_memo *m)
{
    rc_cert_json(out, ci, m);
}

struct tp_render_memo *tp_render_memo_new(void)
{
    struct tp_render_memo *m = calloc(1, sizeof *m);
    if (m && !(m->ja = tp_ja_memo_new())) {
        free(m);
        return NULL;
    }
    return m;
}

void tp_render_memo_free(struct tp_render_memo *m)
{
    if (m)
        tp_ja_memo_free(m->ja);
    free(m);
}
