/* inspect's PKCS#12 object (tlsprobe/pkcs12.h): whether it opened, its MAC, the
 * encryption of each safe and shrouded key, the bags with their friendly names
 * and local key ids, and the legacy algorithms OpenSSL 3 refuses or frowns on,
 * with the command that re-exports the file. Text and JSON (docs/json.md,
 * "The pkcs12 object"). Never prints key material or the password. */
#include <string.h>
#include "jw.h"
#include "render_int.h"
#include "tlsprobe/pkcs12.h"

static const char *status_name(enum tp_p12_status s)
{
    switch (s) {
    case TP_P12_OPENED: return "opened";
    case TP_P12_NEEDS_PASSWORD: return "needs-password";
    case TP_P12_WRONG_PASSWORD: return "wrong-password";
    default: return "unsupported";
    }
}

static const char *bag_name(enum tp_p12_bag_type t)
{
    static const char *const names[] = { "key", "shrouded-key", "certificate", "crl", "secret", "safe-contents", "other" };
    return (size_t)t < sizeof names / sizeof names[0] ? names[t] : "other";
}

/* The warnings, as id / summary / fix (none when the file is modern). */
struct p12_warning {
    const char *id, *summary, *fix;
};
#define P12_FIX                                                                                                  \
    "re-export it with OpenSSL 3's defaults (AES-256-CBC, PBKDF2-HMAC-SHA256, SHA-256 MAC): openssl pkcs12 -in " \
    "old.p12 -legacy -nodes -out tmp.pem && openssl pkcs12 -export -in tmp.pem -out new.p12 -keypbe AES-256-CBC " \
    "-certpbe AES-256-CBC -macalg sha256; then delete tmp.pem (it holds the key in clear)"

static size_t p12_warnings(const struct tp_p12 *p, struct p12_warning w[2])
{
    size_t n = 0;
    if (p->openssl3_refuses)
        w[n++] = (struct p12_warning){ "pkcs12-legacy-encryption",
                                       "encrypted with RC2, RC4 or single DES: OpenSSL 3 (and what links it) refuses "
                                       "to open it without -legacy (the legacy provider)",
                                       P12_FIX };
    else if (p->legacy)
        w[n++] = (struct p12_warning){ "pkcs12-legacy-algorithms",
                                       "legacy algorithms (3DES, SHA-1 PKCS#12 key derivation or a SHA-1 MAC): still "
                                       "read by OpenSSL 3, but weak and refused by strict (FIPS) configurations",
                                       P12_FIX };
    return n;
}

static void text_pbe(struct tp_sb *out, const struct tp_p12_pbe *pbe)
{
    tp_sb_put(out, pbe->name);
    if (pbe->iterations > 0)
        tp_sb_printf(out, ", %ld iteration%s", pbe->iterations, pbe->iterations == 1 ? "" : "s");
}

static void text_row(struct tp_sb *out, const char *ind, const char *name)
{
    size_t start = out->len;
    tp_sb_printf(out, "%s%s", ind, name);
    tp_sb_pad(out, start, strlen(ind) + 16);
}

static void text_bag(struct tp_sb *out, const struct tp_p12_bag *b, size_t k, const char *ind)
{
    char name[32];
    snprintf(name, sizeof name, "bag %zu", k + 1);
    text_row(out, ind, name);
    tp_sb_printf(out, "%s in safe %zu", bag_name(b->type), b->safe + 1);
    if (b->has_pbe) {
        tp_sb_put(out, ", encrypted with ");
        text_pbe(out, &b->pbe);
    }
    if (b->friendly_name) {
        tp_sb_put(out, "; friendly name \"");
        tp_sb_put_escaped(out, (const uint8_t *)b->friendly_name, strlen(b->friendly_name));
        tp_sb_putc(out, '"');
    }
    if (b->local_key_id_len) {
        tp_sb_put(out, "; local key id ");
        tp_sb_put_hex(out, (const uint8_t *)b->local_key_id, b->local_key_id_len, 0);
    }
    if (b->object)
        tp_sb_printf(out, "; shown as [%zu]", b->object);
    tp_sb_putc(out, '\n');
}

void ri_p12_text(struct tp_sb *out, const struct tp_file_obj *o, const char *ind, const struct tp_render_opts *ro)
{
    const struct tp_p12 *p = o->p12;
    if (!p) {
        tp_sb_printf(out, "%snot opened (its structure could not be read)\n", ind);
        return;
    }
    text_row(out, ind, "opened");
    if (p->status == TP_P12_OPENED)
        tp_sb_printf(out, "yes%s\n", p->has_mac ? " (MAC verified)" : "");
    else
        tp_sb_printf(out, "%sno: %s%s\n", tp_c_red(ro), p->why, tp_c_reset(ro));
    text_row(out, ind, "MAC");
    if (p->has_mac)
        tp_sb_printf(out, "%s, %ld iteration%s\n", p->mac_alg, p->mac_iterations, p->mac_iterations == 1 ? "" : "s");
    else
        tp_sb_put(out, "none (nothing checks the file's integrity or the password)\n");
    for (size_t i = 0; i < p->n_safes; i++) {
        const struct tp_p12_safe *s = &p->safes[i];
        char name[32];
        snprintf(name, sizeof name, "safe %zu", i + 1);
        text_row(out, ind, name);
        if (s->encrypted) {
            tp_sb_put(out, "encrypted with ");
            text_pbe(out, &s->pbe);
        } else {
            tp_sb_put(out, "not encrypted");
        }
        if (s->opened)
            tp_sb_printf(out, "; %zu bag%s\n", s->n_bags, s->n_bags == 1 ? "" : "s");
        else
            tp_sb_put(out, "; not opened\n");
    }
    for (size_t k = 0; k < p->n_bags; k++)
        text_bag(out, &p->bags[k], k, ind);
    struct p12_warning w[2];
    size_t n = p12_warnings(p, w);
    for (size_t i = 0; i < n; i++) {
        text_row(out, ind, "warning");
        tp_sb_printf(out, "%s%s%s (%s)\n", p->openssl3_refuses ? tp_c_red(ro) : tp_c_yellow(ro), w[i].summary,
                     tp_c_reset(ro), w[i].id);
        text_row(out, ind, "fix");
        tp_sb_printf(out, "%s\n", w[i].fix);
    }
}

static void json_pbe(struct jw *w, const struct tp_p12_pbe *pbe)
{
    jw_str(w, "algorithm", pbe->name);
    if (pbe->iterations > 0)
        jw_i64(w, "iterations", pbe->iterations);
    else
        jw_null(w, "iterations");
    jw_bool(w, "legacy", pbe->legacy);
    jw_bool(w, "openssl3_refuses", pbe->openssl3_refuses);
}

static void json_bag(struct jw *w, const struct tp_p12_bag *b)
{
    jw_item(w);
    jw_open(w, '{');
    jw_str(w, "type", bag_name(b->type));
    jw_u64(w, "safe", b->safe + 1);
    jw_str(w, "friendly_name", b->friendly_name);
    jw_hex(w, "local_key_id", b->local_key_id, b->local_key_id_len);
    jw_key(w, "encryption");
    if (b->has_pbe) {
        jw_open(w, '{');
        json_pbe(w, &b->pbe);
        jw_close(w, '}');
    } else {
        tp_sb_put(w->o, "null");
    }
    if (b->object)
        jw_u64(w, "object", b->object);
    else
        jw_null(w, "object");
    jw_close(w, '}');
}

static void json_safes(struct jw *w, const struct tp_p12 *p)
{
    jw_key(w, "safes");
    jw_open(w, '[');
    for (size_t i = 0; i < p->n_safes; i++) {
        const struct tp_p12_safe *s = &p->safes[i];
        jw_item(w);
        jw_open(w, '{');
        jw_bool(w, "encrypted", s->encrypted);
        jw_key(w, "encryption");
        if (s->encrypted) {
            jw_open(w, '{');
            json_pbe(w, &s->pbe);
            jw_close(w, '}');
        } else {
            tp_sb_put(w->o, "null");
        }
        jw_bool(w, "opened", s->opened);
        jw_u64(w, "bags", s->n_bags);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

void ri_p12_json(struct jw *w, const struct tp_file_obj *o)
{
    const struct tp_p12 *p = o->p12;
    jw_bool(w, "needs_password", p && (p->status == TP_P12_NEEDS_PASSWORD || p->status == TP_P12_WRONG_PASSWORD));
    jw_key(w, "pkcs12");
    if (!p) {
        tp_sb_put(w->o, "null");
        return;
    }
    jw_open(w, '{');
    jw_str(w, "status", status_name(p->status));
    jw_str(w, "reason", p->status == TP_P12_OPENED ? NULL : p->why);
    jw_key(w, "mac");
    if (p->has_mac) {
        jw_open(w, '{');
        jw_str(w, "algorithm", p->mac_alg);
        jw_i64(w, "iterations", p->mac_iterations);
        jw_bool(w, "legacy", p->mac_legacy);
        jw_close(w, '}');
    } else {
        tp_sb_put(w->o, "null");
    }
    json_safes(w, p);
    jw_key(w, "bags");
    jw_open(w, '[');
    for (size_t k = 0; k < p->n_bags; k++)
        json_bag(w, &p->bags[k]);
    jw_close(w, ']');
    jw_bool(w, "legacy", p->legacy);
    jw_bool(w, "openssl3_refuses", p->openssl3_refuses);
    jw_key(w, "warnings");
    jw_open(w, '[');
    struct p12_warning wa[2];
    size_t n = p12_warnings(p, wa);
    for (size_t i = 0; i < n; i++) {
        jw_item(w);
        jw_open(w, '{');
        jw_str(w, "id", wa[i].id);
        jw_str(w, "summary", wa[i].summary);
        jw_str(w, "fix", wa[i].fix);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
}
