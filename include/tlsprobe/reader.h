/* The bounds-checked reader. Nothing else touches wire bytes (STYLE.md).
 *
 * A cursor over (pointer, length). Every read checks what is left; a failed read
 * zeroes its output, records the first error (TP_ERR_TRUNCATED when bytes ran out,
 * TP_ERR_MALFORMED when a parser says so via tp_reader_fail) and makes every later
 * read fail, so a parser can read a run of fields and check once with tp_reader_ok.
 * A length-prefixed vector yields a sub-reader bounded by its length; an error in a
 * sub-reader is NOT propagated automatically: call tp_reader_join(parent, &sub) or
 * check sub with tp_reader_ok.
 *
 * Owns: all access to wire bytes (module core). Must not: allocate, print, or
 * know any TLS structure (framing is tlsprobe/framer.h, messages tlsprobe/wire.h).
 */
#ifndef TLSPROBE_READER_H
#define TLSPROBE_READER_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "tlsprobe/bytes.h"
#include "tlsprobe/error.h"

struct tp_reader {
    const uint8_t *p;
    size_t len;
    size_t off;
    enum tp_err err; /* first error, TP_OK while none */
};

/* The fixed-size reads are inline: every parser calls them per field, and the
 * packet path reads millions of fields a second. tp_reader_take_ is the one place
 * that checks "n bytes left"; everything else goes through it. */
static inline void tp_reader_init(struct tp_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = p ? len : 0;
    r->off = 0;
    r->err = TP_OK;
}
static inline void tp_reader_from(struct tp_reader *r, struct tp_bytes b) { tp_reader_init(r, b.p, b.len); }

static inline const uint8_t *tp_reader_take_(struct tp_reader *r, size_t n)
{
    if (r->err != TP_OK)
        return NULL;
    if (n > r->len - r->off) {
        r->err = TP_ERR_TRUNCATED;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += n;
    return p;
}

static inline bool tp_read_u8(struct tp_reader *r, uint8_t *out)
{
    const uint8_t *p = tp_reader_take_(r, 1);
    *out = p ? p[0] : 0;
    return p != NULL;
}
static inline bool tp_read_u16(struct tp_reader *r, uint16_t *out) /* big-endian */
{
    const uint8_t *p = tp_reader_take_(r, 2);
    *out = 0; /* a ternary would widen the result to int (-Wconversion) */
    if (p)
        *out = (uint16_t)((p[0] << 8) | p[1]);
    return p != NULL;
}
static inline bool tp_read_u24(struct tp_reader *r, uint32_t *out) /* big-endian */
{
    const uint8_t *p = tp_reader_take_(r, 3);
    *out = p ? ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2] : 0;
    return p != NULL;
}
static inline bool tp_read_u32(struct tp_reader *r, uint32_t *out) /* big-endian */
{
    const uint8_t *p = tp_reader_take_(r, 4);
    *out = p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3] : 0;
    return p != NULL;
}
/* A borrowed view of the next n bytes. */
static inline bool tp_read_bytes(struct tp_reader *r, size_t n, struct tp_bytes *out)
{
    const uint8_t *p = tp_reader_take_(r, n);
    out->p = p;
    out->len = p ? n : 0;
    return p != NULL;
}
/* Copy the next n bytes into out (out must hold n). */
bool tp_read_copy(struct tp_reader *r, void *out, size_t n);
static inline bool tp_read_skip(struct tp_reader *r, size_t n)
{
    return tp_reader_take_(r, n) != NULL;
}
/* Length-prefixed vectors: 8/16/24-bit length, then that many bytes as a sub-reader. */
bool tp_read_vec8(struct tp_reader *r, struct tp_reader *sub);
bool tp_read_vec16(struct tp_reader *r, struct tp_reader *sub);
bool tp_read_vec24(struct tp_reader *r, struct tp_reader *sub);
/* The same, as a borrowed view. */
bool tp_read_vec8_bytes(struct tp_reader *r, struct tp_bytes *out);
bool tp_read_vec16_bytes(struct tp_reader *r, struct tp_bytes *out);
bool tp_read_vec24_bytes(struct tp_reader *r, struct tp_bytes *out);
/* Everything that is left, as a view (always succeeds unless already failed). */
bool tp_read_rest(struct tp_reader *r, struct tp_bytes *out);

/* Mark the reader failed with err (first error sticks). Returns false for
 * `return tp_reader_fail(r, TP_ERR_MALFORMED);` style. */
bool tp_reader_fail(struct tp_reader *r, enum tp_err err);
/* Copy sub's error (if any) into r. Returns tp_reader_ok(r). */
bool tp_reader_join(struct tp_reader *r, const struct tp_reader *sub);

static inline bool tp_reader_ok(const struct tp_reader *r) { return r->err == TP_OK; }
static inline size_t tp_reader_left(const struct tp_reader *r) { return r->err == TP_OK ? r->len - r->off : 0; }
/* OK and fully consumed. */
static inline bool tp_reader_done(const struct tp_reader *r) { return r->err == TP_OK && r->off == r->len; }
/* Fail with MALFORMED unless fully consumed; returns tp_reader_ok. */
bool tp_reader_expect_end(struct tp_reader *r);

#endif
