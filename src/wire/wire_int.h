/* Helpers shared by the wire parsers (private to src/wire). */
#ifndef TP_WIRE_INT_H
#define TP_WIRE_INT_H
#include <stdbool.h>
#include <stdint.h>
#include "tlsprobe/reader.h"
#include "tlsprobe/wire.h"

/* A sub-reader was cut out of a complete vector: running out of bytes inside it
 * means the lengths are inconsistent (MALFORMED), not that input ended early.
 * Fails `parent` unless `sub` is error-free and fully consumed. */
static inline bool tpw_inner(struct tp_reader *parent, const struct tp_reader *sub)
{
    if (sub->err != TP_OK || sub->off != sub->len)
        return tp_reader_fail(parent, TP_ERR_MALFORMED);
    return tp_reader_ok(parent);
}

/* Read every u16 left in r into l (keeping up to the cap). Odd length: MALFORMED. */
static inline bool tpw_u16_list(struct tp_reader *r, struct tp_u16_list *l)
{
    l->n = l->n_total = 0;
    if (tp_reader_left(r) % 2)
        return tp_reader_fail(r, TP_ERR_MALFORMED);
    while (tp_reader_left(r) > 0) {
        uint16_t v;
        if (!tp_read_u16(r, &v))
            return false;
        if (l->n < TP_MAX_LIST_ITEMS)
            l->v[l->n++] = v;
        l->n_total++;
    }
    return tp_reader_ok(r);
}

/* The next extension of an extensions block: its type and a reader over its
 * extension_data. false at a truncated one (r carries the error). */
static inline bool tpw_ext_next(struct tp_reader *r, uint16_t *type, struct tp_reader *data)
{
    return tp_read_u16(r, type) && tp_read_vec16(r, data);
}

/* A vector of <lenbits>-length-prefixed byte strings (8 or 16) into out, the
 * first TP_MAX_LIST_ITEMS kept; nonempty: a zero-length item is malformed. */
bool tpw_bytes_list(struct tp_reader *l, struct tp_bytes_list *out, int lenbits, bool nonempty);

static inline enum tp_err tpw_err(const struct tp_reader *r)
{
    return r->err;
}

#endif
