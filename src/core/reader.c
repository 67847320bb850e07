#include <string.h>
#include "tlsprobe/reader.h"

bool tp_reader_fail(struct tp_reader *r, enum tp_err err)
{
    if (r->err == TP_OK)
        r->err = err;
    return false;
}

bool tp_reader_join(struct tp_reader *r, const struct tp_reader *sub)
{
    if (sub->err != TP_OK)
        tp_reader_fail(r, sub->err);
    return r->err == TP_OK;
}

bool tp_reader_expect_end(struct tp_reader *r)
{
    if (r->err == TP_OK && r->off != r->len)
        tp_reader_fail(r, TP_ERR_MALFORMED);
    return r->err == TP_OK;
}

static const uint8_t *take(struct tp_reader *r, size_t n)
{
    return tp_reader_take_(r, n);
}

bool tp_read_copy(struct tp_reader *r, void *out, size_t n)
{
    const uint8_t *p = take(r, n);
    if (p)
        memcpy(out, p, n);
    else if (n)
        memset(out, 0, n);
    return p != NULL;
}

bool tp_read_rest(struct tp_reader *r, struct tp_bytes *out)
{
    return tp_read_bytes(r, tp_reader_left(r), out);
}

static bool sub_of(struct tp_reader *r, size_t n, struct tp_reader *sub)
{
    const uint8_t *p = take(r, n);
    tp_reader_init(sub, p, p ? n : 0);
    if (!p)
        sub->err = r->err;
    return p != NULL;
}

bool tp_read_vec8(struct tp_reader *r, struct tp_reader *sub)
{
    uint8_t n;
    if (!tp_read_u8(r, &n)) { tp_reader_init(sub, NULL, 0); sub->err = r->err; return false; }
    return sub_of(r, n, sub);
}

bool tp_read_vec16(struct tp_reader *r, struct tp_reader *sub)
{
    uint16_t n;
    if (!tp_read_u16(r, &n)) { tp_reader_init(sub, NULL, 0); sub->err = r->err; return false; }
    return sub_of(r, n, sub);
}

bool tp_read_vec24(struct tp_reader *r, struct tp_reader *sub)
{
    uint32_t n;
    if (!tp_read_u24(r, &n)) { tp_reader_init(sub, NULL, 0); sub->err = r->err; return false; }
    return sub_of(r, n, sub);
}

static bool as_bytes(bool ok, struct tp_reader *sub, struct tp_bytes *out)
{
    out->p = ok ? sub->p : NULL;
    out->len = ok ? sub->len : 0;
    return ok;
}

bool tp_read_vec8_bytes(struct tp_reader *r, struct tp_bytes *out)
{
    struct tp_reader sub;
    return as_bytes(tp_read_vec8(r, &sub), &sub, out);
}

bool tp_read_vec16_bytes(struct tp_reader *r, struct tp_bytes *out)
{
    struct tp_reader sub;
    return as_bytes(tp_read_vec16(r, &sub), &sub, out);
}

bool tp_read_vec24_bytes(struct tp_reader *r, struct tp_bytes *out)
{
    struct tp_reader sub;
    return as_bytes(tp_read_vec24(r, &sub), &sub, out);
}
