/* Which public trust stores hold a root (tlsprobe/truststores.h): the data
 * file's parser, lookups and the verdict for a path. The format is one line per
 * fact, tab-separated (docs/trust-stores.md):
 *
 *   D  source repo  commit  date
 *   S  key  name  version  date  oldest  snapshots          (one per store, before any R)
 *   R  cert-sha256  spki-sha256  subject-sha256/16  ski  cell...  name
 *
 * The text is copied once and cut in place (tabs and newlines become NULs), so a
 * record holds pointers into that copy and nothing else is allocated per root. */
#include "tlsprobe/truststores.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsprobe/limits.h"
#include "tlsprobe/x509.h"
#include "x509_int.h"

#ifndef TP_DATA_DIR
#define TP_DATA_DIR "/usr/share/tlsprobe"
#endif
#define TRUST_FILE "trust-stores.tsv"

struct trust_cell {
    enum tp_trust_status status;
    const char *since, *until; /* into the text; "" when not given */
};

struct trust_root {
    uint8_t cert[32], spki[32], subj[8], ski[64];
    bool has_spki, has_subj;
    size_t ski_len;
    struct trust_cell cells[TP_TRUST_MAX_STORES];
    const char *name;
};

struct trust_store {
    const char *key, *name, *version, *date, *oldest;
};

struct tp_trust_db {
    char *text; /* the owned, cut copy */
    char source[96];
    struct trust_store stores[TP_TRUST_MAX_STORES];
    size_t n_stores;
    struct trust_root *roots;
    size_t n_roots, cap_roots;
};

static enum tp_err fail(char *err, size_t errlen, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum tp_err fail(char *err, size_t errlen, size_t line, const char *fmt, ...)
{
    if (err && errlen) {
        int k = snprintf(err, errlen, "line %zu: ", line);
        if (k >= 0 && (size_t)k < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return TP_ERR_MALFORMED;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly n bytes of hex (2n digits). */
static bool unhex(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* A version or date label: printable, short. */
static bool label_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* "-", "x", "+", "+V", "~V..W" (the '.' of ".." is cut to NUL in place). */
static bool parse_cell(char *s, struct trust_cell *c)
{
    c->since = c->until = "";
    if (!strcmp(s, "-")) {
        c->status = TP_TRUST_ABSENT;
        return true;
    }
    if (!strcmp(s, "x")) {
        c->status = TP_TRUST_DISTRUSTED;
        return true;
    }
    if (s[0] == '+') {
        c->status = TP_TRUST_TRUSTED;
        c->since = s + 1;
        return !s[1] || label_ok(s + 1);
    }
    if (s[0] == '~') {
        char *dots = strstr(s + 1, "..");
        if (!dots)
            return false;
        *dots = 0;
        c->status = TP_TRUST_REMOVED;
        c->since = s + 1;
        c->until = dots + 2;
        return label_ok(c->since) && label_ok(c->until);
    }
    return false;
}

/* Split line at tabs into at most max fields (cut in place); the count. */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    for (char *p = line;;) {
        if (n == max)
            return max + 1; /* too many */
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            return n;
        *t = 0;
        p = t + 1;
    }
}

static bool text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n >= max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static enum tp_err parse_root(struct tp_trust_db *db, char **f, size_t nf, size_t line, char *err, size_t errlen)
{
    if (!db->n_stores)
        return fail(err, errlen, line, "a root before any store (S) line");
    if (nf != 5 + db->n_stores + 1)
        return fail(err, errlen, line, "%zu fields, expected %zu", nf, 5 + db->n_stores + 1);
    if (db->n_roots == TP_MAX_TRUST_ROOTS)
        return fail(err, errlen, line, "more than %d roots", TP_MAX_TRUST_ROOTS);
    if (db->n_roots == db->cap_roots) {
        size_t cap = db->cap_roots ? db->cap_roots * 2 : 256;
        struct trust_root *g = realloc(db->roots, cap * sizeof *g);
        if (!g)
            return TP_ERR_NOMEM;
        db->roots = g;
        db->cap_roots = cap;
    }
    struct trust_root *r = &db->roots[db->n_roots];
    memset(r, 0, sizeof *r);
    if (!unhex(f[1], r->cert, 32))
        return fail(err, errlen, line, "the certificate SHA-256 is not 64 hex digits");
    r->has_spki = strcmp(f[2], "-") != 0;
    if (r->has_spki && !unhex(f[2], r->spki, 32))
        return fail(err, errlen, line, "the SPKI SHA-256 is not 64 hex digits");
    r->has_subj = strcmp(f[3], "-") != 0;
    if (r->has_subj && !unhex(f[3], r->subj, sizeof r->subj))
        return fail(err, errlen, line, "the subject hash is not 16 hex digits");
    if (strcmp(f[4], "-") != 0) {
        size_t n = strlen(f[4]);
        if (n % 2 || n == 0 || n / 2 > sizeof r->ski || !unhex(f[4], r->ski, n / 2))
            return fail(err, errlen, line, "the key identifier is not hex");
        r->ski_len = n / 2;
    }
    for (size_t i = 0; i < db->n_stores; i++)
        if (!parse_cell(f[5 + i], &r->cells[i]))
            return fail(err, errlen, line, "store %zu: a cell is not -, x, +[V] or ~V..W", i + 1);
    if (!text_ok(f[5 + db->n_stores], 128))
        return fail(err, errlen, line, "the name is empty, too long or has control characters");
    r->name = f[5 + db->n_stores];
    db->n_roots++;
    return TP_OK;
}

static enum tp_err parse_line(struct tp_trust_db *db, char *s, size_t line, char *err, size_t errlen)
{
    char *f[5 + TP_TRUST_MAX_STORES + 2];
    size_t nf = split(s, f, sizeof f / sizeof f[0]);
    if (nf > sizeof f / sizeof f[0])
        return fail(err, errlen, line, "too many fields");
    if (!strcmp(f[0], "D")) {
        if (nf != 4 || !text_ok(f[1], 64) || strlen(f[2]) < 7 || !label_ok(f[3]))
            return fail(err, errlen, line, "a source (D) line is: D, repository, commit, date");
        snprintf(db->source, sizeof db->source, "%.60s %.7s %.16s", f[1], f[2], f[3]);
        return TP_OK;
    }
    if (!strcmp(f[0], "S")) {
        if (db->n_roots)
            return fail(err, errlen, line, "a store (S) line after the roots");
        if (db->n_stores == TP_TRUST_MAX_STORES)
            return fail(err, errlen, line, "more than %d stores", TP_TRUST_MAX_STORES);
        if (nf != 7 || !label_ok(f[1]) || strlen(f[1]) >= 16 || !label_ok(f[2]) || !text_ok(f[3], 128) ||
            !label_ok(f[4]) || !label_ok(f[5]))
            return fail(err, errlen, line, "a store (S) line is: S, key, name, version, date, oldest, snapshots");
        for (size_t i = 0; i < db->n_stores; i++)
            if (!strcmp(db->stores[i].key, f[1]))
                return fail(err, errlen, line, "store '%.15s' twice", f[1]);
        db->stores[db->n_stores++] = (struct trust_store){ f[1], f[2], f[3], f[4], f[5] };
        return TP_OK;
    }
    if (!strcmp(f[0], "R"))
        return parse_root(db, f, nf, line, err, errlen);
    return fail(err, errlen, line, "not a D, S or R line");
}

enum tp_err tp_trust_db_parse(const uint8_t *text, size_t len, struct tp_trust_db **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = 0;
    if (len > TP_MAX_TRUST_DATA_FILE)
        return TP_ERR_LIMIT;
    struct tp_trust_db *db = calloc(1, sizeof *db);
    if (!db || !(db->text = malloc(len + 1))) {
        free(db);
        return TP_ERR_NOMEM;
    }
    if (len)
        memcpy(db->text, text, len);
    db->text[len] = 0;
    if (memchr(db->text, 0, len)) {
        tp_trust_db_free(db);
        return fail(err, errlen, 1, "a NUL byte in the text");
    }
    size_t line = 0;
    enum tp_err e = TP_OK;
    for (char *p = db->text; e == TP_OK && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        line++;
        size_t l = strlen(p);
        if (l && p[l - 1] == '\r')
            p[--l] = 0;
        if (l && p[0] != '#')
            e = parse_line(db, p, line, err, errlen);
        if (!nl)
            break;
        p = nl + 1;
    }
    if (e == TP_OK && !db->n_stores)
        e = fail(err, errlen, line, "no store (S) line");
    if (e != TP_OK) {
        tp_trust_db_free(db);
        return e;
    }
    *out = db;
    return TP_OK;
}

enum tp_err tp_trust_db_load(const char *path, struct tp_trust_db **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int en = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(en));
        return en == ENOENT ? TP_ERR_NOTFOUND : TP_ERR_IO;
    }
    uint8_t *buf = NULL;
    size_t n = 0;
    enum tp_err e = tp_file_slurp(fp, &buf, &n);
    fclose(fp);
    if (e == TP_OK && n > TP_MAX_TRUST_DATA_FILE)
        e = TP_ERR_LIMIT;
    if (e != TP_OK) {
        snprintf(err, errlen, "%s: %s", path, tp_err_text(e));
        free(buf);
        return e;
    }
    char perr[200] = "";
    e = tp_trust_db_parse(buf, n, out, perr, sizeof perr);
    free(buf);
    if (e != TP_OK)
        snprintf(err, errlen, "%s: %s", path, perr[0] ? perr : tp_err_text(e));
    return e;
}

enum tp_err tp_trust_db_load_default(struct tp_trust_db **out, char *err, size_t errlen)
{
    const char *dir = getenv("TLSPROBE_DATA_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/" TRUST_FILE, dir && dir[0] ? dir : TP_DATA_DIR);
    return tp_trust_db_load(path, out, err, errlen);
}

void tp_trust_db_free(struct tp_trust_db *db)
{
    if (!db)
        return;
    free(db->roots);
    free(db->text);
    free(db);
}

size_t tp_trust_db_count(const struct tp_trust_db *db) { return db ? db->n_roots : 0; }

const char *tp_trust_db_source(const struct tp_trust_db *db) { return db ? db->source : ""; }

const char *tp_trust_status_name(enum tp_trust_status s)
{
    switch (s) {
    case TP_TRUST_TRUSTED: return "trusted";
    case TP_TRUST_REMOVED: return "removed";
    case TP_TRUST_DISTRUSTED: return "distrusted";
    case TP_TRUST_ABSENT: break;
    }
    return "absent";
}

const char *tp_trust_match_name(enum tp_trust_match m)
{
    switch (m) {
    case TP_TRUST_MATCH_CERT: return "certificate";
    case TP_TRUST_MATCH_KEY: return "key";
    case TP_TRUST_MATCH_ISSUER: return "issuer";
    case TP_TRUST_MATCH_NONE: break;
    }
    return NULL;
}

/* The answer that lets the most clients through wins when several roots match
 * (a root re-issued with the same key): trusted (in every snapshot before a
 * later "since"), then distrusted (the more telling), removed, absent. */
static int rank(const struct trust_cell *c)
{
    switch (c->status) {
    case TP_TRUST_TRUSTED: return c->since[0] ? 4 : 5;
    case TP_TRUST_DISTRUSTED: return 3;
    case TP_TRUST_REMOVED: return 2;
    case TP_TRUST_ABSENT: break;
    }
    return 1;
}

static void verdict_init(const struct tp_trust_db *db, struct tp_trust_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->alt_index = -1;
    snprintf(out->source, sizeof out->source, "%s", db->source);
    out->n_stores = db->n_stores;
    for (size_t i = 0; i < db->n_stores; i++) {
        struct tp_trust_store_verdict *s = &out->stores[i];
        snprintf(s->key, sizeof s->key, "%s", db->stores[i].key);
        snprintf(s->name, sizeof s->name, "%s", db->stores[i].name);
        snprintf(s->date, sizeof s->date, "%s", db->stores[i].date);
        snprintf(s->oldest, sizeof s->oldest, "%s", db->stores[i].oldest);
    }
}

/* Merge one matching root into the verdict. */
static void take(struct tp_trust_verdict *out, const struct tp_trust_db *db, const struct trust_root *r, bool first)
{
    if (first) {
        snprintf(out->root, sizeof out->root, "%s", r->name);
        memcpy(out->root_sha256, r->cert, 32);
    }
    for (size_t i = 0; i < db->n_stores; i++) {
        struct tp_trust_store_verdict *s = &out->stores[i];
        struct trust_cell have = { s->status, s->since, s->until };
        if (!first && rank(&r->cells[i]) <= rank(&have))
            continue;
        s->status = r->cells[i].status;
        snprintf(s->since, sizeof s->since, "%s", r->cells[i].since);
        snprintf(s->until, sizeof s->until, "%s", r->cells[i].until);
    }
}

bool tp_trust_db_lookup(const struct tp_trust_db *db, const uint8_t sha256_[32], const uint8_t *subject_der,
                        size_t subject_len, const uint8_t spki_sha256[32], const uint8_t *issuer_der,
                        size_t issuer_len, const uint8_t *aki, size_t aki_len, struct tp_trust_verdict *out)
{
    verdict_init(db, out);
    if (sha256_) {
        for (size_t i = 0; i < db->n_roots; i++) {
            if (!memcmp(db->roots[i].cert, sha256_, 32)) {
                out->match = TP_TRUST_MATCH_CERT;
                take(out, db, &db->roots[i], true);
                return true;
            }
        }
    }
    uint8_t h[32];
    if (subject_der && spki_sha256 && sha256(subject_der, subject_len, h)) {
        for (size_t i = 0; i < db->n_roots; i++) {
            const struct trust_root *r = &db->roots[i];
            if (r->has_subj && r->has_spki && !memcmp(r->subj, h, sizeof r->subj) && !memcmp(r->spki, spki_sha256, 32)) {
                take(out, db, r, out->match == TP_TRUST_MATCH_NONE);
                out->match = TP_TRUST_MATCH_KEY;
            }
        }
        if (out->match)
            return true;
    }
    if (issuer_der && sha256(issuer_der, issuer_len, h)) {
        for (size_t i = 0; i < db->n_roots; i++) {
            const struct trust_root *r = &db->roots[i];
            if (!r->has_subj || memcmp(r->subj, h, sizeof r->subj))
                continue;
            /* RFC 5280 §4.2.1.1: the AKI key id is the issuer's SKI when both exist */
            if (aki && aki_len && r->ski_len && (aki_len != r->ski_len || memcmp(aki, r->ski, aki_len)))
                continue;
            take(out, db, r, out->match == TP_TRUST_MATCH_NONE);
            out->match = TP_TRUST_MATCH_ISSUER;
        }
    }
    return out->match != TP_TRUST_MATCH_NONE;
}

static size_t n_trusted(const struct tp_trust_verdict *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_stores; i++)
        n += v->stores[i].status == TP_TRUST_TRUSTED;
    return n;
}

void tp_trust_judge_cert(const struct tp_trust_db *db, const struct tp_cert_info *ci, struct tp_trust_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->alt_index = -1;
    if (!db || !ci || !(ci->is_ca || ci->self_signed))
        return;
    (void)tp_trust_db_lookup(db, ci->sha256, ci->subject_der.p, ci->subject_der.len, ci->spki_sha256,
                             ci->self_issued ? NULL : ci->issuer_der.p, ci->issuer_der.len,
                             ci->aki_len ? ci->aki : NULL, ci->aki_len, out);
    out->judged = true;
    if (!out->match) {
        const char *n = ci->subject_cn ? ci->subject_cn : ci->subject;
        snprintf(out->root, sizeof out->root, "%s", n ? n : "");
    }
}

void tp_trust_judge(const struct tp_trust_db *db, const struct tp_verify_result *v, struct tp_trust_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->alt_index = -1;
    if (!db || !v || !v->path_len || !v->path[v->path_len - 1].cert)
        return;
    const struct tp_cert_info *top = v->path[v->path_len - 1].cert;
    (void)tp_trust_db_lookup(db, top->sha256, top->subject_der.p, top->subject_der.len, top->spki_sha256,
                             top->self_issued ? NULL : top->issuer_der.p, top->issuer_der.len,
                             top->aki_len ? top->aki : NULL, top->aki_len, out);
    out->judged = true;
    if (!out->match) {
        const char *n = top->subject_cn ? top->subject_cn : top->subject;
        snprintf(out->root, sizeof out->root, "%s", n ? n : "");
    }
    size_t have = out->match ? n_trusted(out) : 0;
    if (have == out->n_stores)
        return;
    /* A certificate below the top that is a public root itself: the twin of a
     * cross-sign (ISRG Root X1 under DST Root CA X3). Clients that hold it stop
     * there; only the top's absent stores depend on the cross-sign. */
    for (size_t i = 0; i + 1 < v->path_len; i++) {
        const struct tp_cert_info *ci = v->path[i].cert;
        if (!ci || !ci->is_ca)
            continue;
        struct tp_trust_verdict *alt = malloc(sizeof *alt);
        if (!alt)
            return;
        bool found = tp_trust_db_lookup(db, NULL, ci->subject_der.p, ci->subject_der.len, ci->spki_sha256, NULL, 0,
                                        NULL, 0, alt);
        size_t n = found ? n_trusted(alt) : 0;
        if (n > have) {
            snprintf(out->alt_root, sizeof out->alt_root, "%s", alt->root);
            out->alt_index = (int)i;
            out->alt_trusted = n;
            have = n;
        }
        free(alt);
    }
}
