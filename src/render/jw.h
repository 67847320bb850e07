/* Private to render: the one JSON writer. Every JSON byte tlsprobe prints goes
 * through it (sessions, certificates, findings, check, inspect, explain): it
 * places the commas, writes keys in one copy, and writes numbers without printf.
 * Fixed objects are described by a table of fields (jw_fields; the model is
 * curl's src/tool_writeout_json.c), so one object is written by one table.
 * Hot path (pcap --format json): everything here is inline. */
#ifndef TP_RENDER_JW_H
#define TP_RENDER_JW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "tlsprobe/strbuf.h"

#define JW_MAX_DEPTH 16

struct jw {
    struct tp_sb *o;
    bool first[JW_MAX_DEPTH];
    int depth;
};

static inline void jw_init(struct jw *w, struct tp_sb *o)
{
    w->o = o;
    w->depth = 0;
    w->first[0] = true;
}

/* ',' unless first in its object or array. */
static inline void jw_item(struct jw *w)
{
    if (!w->first[w->depth])
        tp_sb_putc(w->o, ',');
    w->first[w->depth] = false;
}

static inline void jw_open(struct jw *w, char c)
{
    tp_sb_putc(w->o, c);
    if (w->depth < JW_MAX_DEPTH - 1)
        w->depth++;
    w->first[w->depth] = true;
}

static inline void jw_close(struct jw *w, char c)
{
    tp_sb_putc(w->o, c);
    if (w->depth > 0)
        w->depth--;
}

/* ',' unless first, then "k": in one copy (keys are plain ASCII constants). */
static inline void jw_key(struct jw *w, const char *k)
{
    size_t n = strlen(k);
    char buf[64];
    size_t o = 0;
    if (!w->first[w->depth])
        buf[o++] = ',';
    w->first[w->depth] = false;
    if (n + 4 > sizeof buf) {
        tp_sb_putn(w->o, buf, o);
        tp_sb_putc(w->o, '"');
        tp_sb_putn(w->o, k, n);
        tp_sb_putn(w->o, "\":", 2);
        return;
    }
    buf[o++] = '"';
    memcpy(buf + o, k, n);
    o += n;
    buf[o++] = '"';
    buf[o++] = ':';
    tp_sb_putn(w->o, buf, o);
}

/* Decimal digits of v, as "%llu" / "%lld" write them. */
static inline void jw_put_u64(struct tp_sb *o, unsigned long long v)
{
    char buf[24];
    char *e = buf + sizeof buf, *p = e;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tp_sb_putn(o, p, (size_t)(e - p));
}

static inline void jw_put_i64(struct tp_sb *o, long long v)
{
    if (v < 0) {
        tp_sb_putc(o, '-');
        jw_put_u64(o, 0ULL - (unsigned long long)v);
    } else {
        jw_put_u64(o, (unsigned long long)v);
    }
}

static inline void jw_str(struct jw *w, const char *k, const char *v)
{
    jw_key(w, k);
    tp_sb_put_json_str(w->o, v);
}

static inline void jw_bytes(struct jw *w, const char *k, const uint8_t *p, size_t n)
{
    jw_key(w, k);
    tp_sb_put_json(w->o, p, n);
}

/* A char array member: its text up to the first NUL, null when empty. */
static inline void jw_chars(struct jw *w, const char *k, const char *v, size_t cap)
{
    if (v[0])
        jw_bytes(w, k, (const uint8_t *)v, strnlen(v, cap));
    else
        jw_str(w, k, NULL);
}

static inline void jw_raw(struct jw *w, const char *k, const char *literal)
{
    jw_key(w, k);
    tp_sb_put(w->o, literal);
}

static inline void jw_bool(struct jw *w, const char *k, bool v)
{
    jw_raw(w, k, v ? "true" : "false");
}

static inline void jw_null(struct jw *w, const char *k)
{
    jw_raw(w, k, "null");
}

static inline void jw_u64(struct jw *w, const char *k, unsigned long long v)
{
    jw_key(w, k);
    jw_put_u64(w->o, v);
}

static inline void jw_i64(struct jw *w, const char *k, long long v)
{
    jw_key(w, k);
    jw_put_i64(w->o, v);
}

/* A value in an array. */
static inline void jw_istr(struct jw *w, const char *v)
{
    jw_item(w);
    tp_sb_put_json_str(w->o, v);
}

/* Microseconds as milliseconds with three decimals; null when negative. */
static inline void jw_ms(struct jw *w, const char *k, int64_t us)
{
    if (us < 0) {
        jw_null(w, k);
        return;
    }
    long long ms = (long long)(us % 1000);
    char f[4] = { '.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10) };
    jw_i64(w, k, (long long)(us / 1000));
    tp_sb_putn(w->o, f, sizeof f);
}

/* Lowercase hex in quotes; null when n is 0. */
static inline void jw_hex(struct jw *w, const char *k, const uint8_t *p, size_t n)
{
    jw_key(w, k);
    if (!n) {
        tp_sb_put(w->o, "null");
        return;
    }
    tp_sb_putc(w->o, '"');
    tp_sb_put_hex(w->o, p, n, 0);
    tp_sb_putc(w->o, '"');
}

/* RFC 3339 UTC ("2026-11-22T21:50:00Z"); null when the time has no date. */
static inline void jw_time(struct jw *w, const char *k, time_t t)
{
    struct tm tm;
    char buf[40];
    if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        jw_null(w, k);
        return;
    }
    jw_str(w, k, buf);
}

/* ---- table-driven objects ---- */

enum jw_type {
    JW_STR,    /* const char * (NULL: null) */
    JW_CHARS,  /* char[size]: null when empty */
    JW_TEXT,   /* char[size]: "" when empty */
    JW_BOOL,   /* bool */
    JW_INT,    /* int */
    JW_SIZE,   /* size_t */
    JW_UINT,   /* unsigned */
};

struct jw_field {
    const char *key;
    enum jw_type type;
    size_t off;
    size_t size;
};
#define JW_FIELD(key, type, S, m) { key, type, offsetof(S, m), sizeof(((S *)0)->m) }

/* The members of obj that the table names, in table order, into the open object. */
static inline void jw_fields(struct jw *w, const void *obj, const struct jw_field *f, size_t n)
{
    const char *base = obj;
    for (size_t i = 0; i < n; i++) {
        const void *p = base + f[i].off;
        switch (f[i].type) {
        case JW_STR: jw_str(w, f[i].key, *(const char *const *)p); break;
        case JW_CHARS: jw_chars(w, f[i].key, p, f[i].size); break;
        case JW_TEXT: jw_bytes(w, f[i].key, p, strnlen(p, f[i].size)); break;
        case JW_BOOL: jw_bool(w, f[i].key, *(const bool *)p); break;
        case JW_INT: jw_i64(w, f[i].key, *(const int *)p); break;
        case JW_SIZE: jw_u64(w, f[i].key, *(const size_t *)p); break;
        case JW_UINT: jw_u64(w, f[i].key, *(const unsigned *)p); break;
        }
    }
}
#define JW_N(t) (sizeof(t) / sizeof((t)[0]))

/* One whole object from a table, as an array item or a keyed value (k != NULL). */
static inline void jw_object(struct jw *w, const char *k, const void *obj, const struct jw_field *f, size_t n)
{
    if (k)
        jw_key(w, k);
    else
        jw_item(w);
    jw_open(w, '{');
    jw_fields(w, obj, f, n);
    jw_close(w, '}');
}

#endif
