/* A borrowed view of bytes: (pointer, length). Never owns; never NUL-terminated
 * by contract (wire names may contain NUL: print them with tp_sb_put_escaped).
 *
 * Owns: nothing (module core). Must not: allocate or copy; parse with tlsprobe/reader.h.
 */
#ifndef TLSPROBE_BYTES_H
#define TLSPROBE_BYTES_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct tp_bytes {
    const uint8_t *p;
    size_t len;
};

static inline struct tp_bytes tp_bytes_make(const void *p, size_t len)
{
    struct tp_bytes b = { (const uint8_t *)p, len };
    return b;
}

/* True when both views hold the same bytes. */
bool tp_bytes_eq(struct tp_bytes a, struct tp_bytes b);
/* Case-sensitive compare with a C string. */
bool tp_bytes_eq_str(struct tp_bytes a, const char *s);

/* The bit length of an unsigned big-endian integer (leading zero bytes skipped). */
static inline size_t tp_bytes_bit_length(struct tp_bytes b)
{
    size_t i = 0, bits;
    while (i < b.len && b.p[i] == 0)
        i++;
    if (i == b.len)
        return 0;
    bits = (b.len - i - 1) * 8;
    for (uint8_t top = b.p[i]; top; top >>= 1)
        bits++;
    return bits;
}

#endif
