/* The bounds-checked reader. Nothing else touches wire bytes (STYLE.md).
 *
 * A cursor over (pointer, length). Every read checks what is left; a failed read
 * zeroes its output, records the first error (TP_ERR_TRUNCATED when bytes ran out,
 * TP_ERR_MALFORMED when a parser says so via tp_reader_fail) and makes every later
 * read fail, so a parser can read a run of fields and check once with tp_reader_ok.
 * A length-prefixed vector yields a sub-reader bounded by its length; an error in a
 * sub-reader is NOT propagated automatically: call tp_reader_join(parent, &sub) or
 * check sub with tp_reader_ok.
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

void tp_reader_init(struct tp_reader *r, const uint8_t *p, size_t len);
static inline void tp_reader_from(struct tp_reader *r, struct tp_bytes b) { tp_reader_init(r, b.p, b.len); }

bool tp_read_u8(struct tp_reader *r, uint8_t *out);
bool tp_read_u16(struct tp_reader *r, uint16_t *out);  /* big-endian */
bool tp_read_u24(struct tp_reader *r, uint32_t *out);  /* big-endian */
bool tp_read_u32(struct tp_reader *r, uint32_t *out);  /* big-endian */
/* A borrowed view of the next n bytes. */
bool tp_read_bytes(struct tp_reader *r, size_t n, struct tp_bytes *out);
/* Copy the next n bytes into out (out must hold n). */
bool tp_read_copy(struct tp_reader *r, void *out, size_t n);
bool tp_read_skip(struct tp_reader *r, size_t n);
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
