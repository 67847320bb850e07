/* TCP reassembly of one direction (see the contract in tlsprobe/capture.h).
 *
 * Sequence numbers are compared as signed 32-bit differences (RFC 9293 §3.4), so a
 * stream that crosses 2^32 is handled like any other. The in-order path hands
 * the packet's own bytes to the sink: no copy, no allocation. Only segments that
 * arrive ahead of a hole are copied, into a queue bounded by TP_MAX_OOO_SEGMENTS
 * segments and TP_MAX_FLOW_BUFFER bytes. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/capture.h"
#include "tlsprobe/limits.h"

struct tp_tcp_seg {
    uint32_t seq;
    uint32_t len;      /* captured bytes held in data */
    uint32_t claimed;  /* length the packet claimed (>= len) */
    uint8_t *data;
    int64_t t_us;      /* held (no SYN yet): when it arrived, the time it is delivered with */
    bool held;
};

static inline int32_t sdiff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

void tp_tcp_dir_init(struct tp_tcp_dir *d)
{
    memset(d, 0, sizeof *d);
}

static uint8_t *hist_take(struct tp_tcp_pool *pool)
{
    if (pool && pool->n)
        return pool->buf[--pool->n];
    return malloc(TP_TCP_HISTORY);
}

static void hist_release(struct tp_tcp_pool *pool, uint8_t *b)
{
    if (b && pool && pool->n < TP_TCP_POOL)
        pool->buf[pool->n++] = b;
    else
        free(b);
}

void tp_tcp_pool_free(struct tp_tcp_pool *p)
{
    while (p && p->n)
        free(p->buf[--p->n]);
}

void tp_tcp_dir_free(struct tp_tcp_dir *d, struct tp_tcp_pool *pool)
{
    if (!d)
        return;
    for (uint32_t i = 0; i < d->n_ooo; i++)
        free(d->ooo[i].data);
    free(d->ooo);
    d->ooo = NULL;
    d->n_ooo = 0;
    d->ooo_bytes = 0;
    hist_release(pool, d->hist);
    d->hist = NULL;
    d->hist_valid = 0;
    d->hist_on = false;
}

void tp_tcp_dir_history(struct tp_tcp_dir *d, bool on, struct tp_tcp_pool *pool)
{
    d->hist_on = on; /* the buffer comes with the first byte delivered (deliver) */
    if (!on) {
        hist_release(pool, d->hist);
        d->hist = NULL;
        d->hist_valid = 0;
    }
}

size_t tp_tcp_dir_footprint(const struct tp_tcp_dir *d)
{
    return (d->hist ? TP_TCP_HISTORY : 0) + (d->ooo ? TP_MAX_OOO_SEGMENTS * sizeof *d->ooo : 0) + d->ooo_bytes;
}

void tp_tcp_dir_syn(struct tp_tcp_dir *d, uint32_t isn)
{
    if (d->synced && d->bytes + d->gap_bytes > 0)
        return; /* a late SYN retransmission after data: the stream is already placed */
    d->synced = true;
    d->holding = false; /* queued data drains from isn + 1 with the next segment */
    d->next = isn + 1u; /* the SYN occupies one sequence number */
}

static void deliver(struct tp_tcp_dir *d, const uint8_t *p, uint32_t len, int64_t t_us,
                    const struct tp_tcp_sink *sink)
{
    if (!len)
        return;
    if (d->hist_on && !d->hist) {
        d->hist = hist_take(sink ? sink->pool : NULL); /* NULL: simply no conflict checks */
        d->hist_valid = 0;
    }
    if (d->hist) {
        uint32_t keep = len > TP_TCP_HISTORY ? TP_TCP_HISTORY : len;
        uint32_t at = (d->next + (len - keep)) % TP_TCP_HISTORY;
        uint32_t first = TP_TCP_HISTORY - at < keep ? TP_TCP_HISTORY - at : keep;
        memcpy(d->hist + at, p + (len - keep), first);           /* up to the ring's end */
        memcpy(d->hist, p + (len - keep) + first, keep - first); /* the rest wraps */
        d->hist_valid = d->hist_valid + keep > TP_TCP_HISTORY ? TP_TCP_HISTORY : d->hist_valid + keep;
    }
    d->next += len;
    d->bytes += len;
    if (sink && sink->data)
        sink->data(sink->ctx, p, len, t_us);
}

static void declare_gap(struct tp_tcp_dir *d, uint32_t lost, int64_t t_us, const struct tp_tcp_sink *sink)
{
    if (!lost)
        return;
    d->next += lost;
    d->gap_bytes += lost;
    d->hist_valid = 0; /* history must be contiguous up to next */
    if (sink && sink->gap)
        sink->gap(sink->ctx, lost, t_us);
}

/* Bytes [seq, seq+len) lie before next: compare what the history still holds with
 * the new copy. The first copy was delivered and wins; a difference is counted. */
static void check_old(struct tp_tcp_dir *d, uint32_t seq, const uint8_t *p, uint32_t len)
{
    if (!d->hist || !d->hist_valid || !len)
        return;
    uint32_t oldest = d->next - d->hist_valid;
    uint32_t skip = 0;
    if (sdiff(seq, oldest) < 0)
        skip = oldest - seq;
    for (uint32_t i = skip; i < len; i++) {
        uint32_t s = seq + i;
        if (sdiff(s, d->next) >= 0)
            break;
        if (d->hist[s % TP_TCP_HISTORY] != p[i]) {
            d->conflicts++;
            return;
        }
    }
}

/* A segment whose start is at or before next. */
static void take_in_order(struct tp_tcp_dir *d, uint32_t seq, const uint8_t *p, uint32_t len, uint32_t claimed,
                          int64_t t_us, const struct tp_tcp_sink *sink)
{
    uint32_t skip = d->next - seq; /* 0 when seq == next; wraps like the sequence space */
    if (skip >= claimed) {
        d->retrans++;
        check_old(d, seq, p, len);
        return;
    }
    if (skip) {
        d->retrans++;
        check_old(d, seq, p, skip < len ? skip : len);
    }
    if (skip < len)
        deliver(d, p + skip, len - skip, t_us, sink);
    /* The claimed-but-not-captured tail (snaplen, caplen < len) is lost. */
    uint32_t end = seq + claimed;
    if (sdiff(end, d->next) > 0)
        declare_gap(d, (uint32_t)sdiff(end, d->next), t_us, sink);
}

static void drain(struct tp_tcp_dir *d, int64_t t_us, const struct tp_tcp_sink *sink)
{
    while (d->n_ooo && sdiff(d->ooo[0].seq, d->next) <= 0) {
        struct tp_tcp_seg s = d->ooo[0];
        memmove(&d->ooo[0], &d->ooo[1], (d->n_ooo - 1) * sizeof d->ooo[0]);
        d->n_ooo--;
        d->ooo_bytes -= s.len;
        take_in_order(d, s.seq, s.data, s.len, s.claimed, s.held ? s.t_us : t_us, sink);
        free(s.data);
    }
}

/* The queue is full: give up on the first hole. */
static void skip_hole(struct tp_tcp_dir *d, int64_t t_us, const struct tp_tcp_sink *sink)
{
    if (!d->n_ooo)
        return;
    int32_t lost = sdiff(d->ooo[0].seq, d->next);
    if (lost > 0)
        declare_gap(d, (uint32_t)lost, t_us, sink);
    drain(d, t_us, sink);
}

static void enqueue(struct tp_tcp_dir *d, uint32_t seq, const uint8_t *p, uint32_t len, uint32_t claimed,
                    int64_t t_us)
{
    /* A copy entirely inside one already queued: a duplicate; the first copy wins. */
    for (uint32_t i = 0; i < d->n_ooo; i++) {
        const struct tp_tcp_seg *e = &d->ooo[i];
        if (sdiff(seq, e->seq) >= 0 && sdiff(seq + claimed, e->seq + e->claimed) <= 0) {
            d->retrans++;
            uint32_t o = (uint32_t)sdiff(seq, e->seq);
            for (uint32_t k = 0; k < len && o + k < e->len; k++)
                if (e->data[o + k] != p[k]) {
                    d->conflicts++;
                    break;
                }
            return;
        }
    }
    if (!d->ooo) {
        d->ooo = calloc(TP_MAX_OOO_SEGMENTS, sizeof *d->ooo);
        if (!d->ooo)
            return; /* out of memory: the segment is dropped and becomes a gap later */
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return;
    if (len)
        memcpy(copy, p, len);
    /* Sorted by distance from next; equal starts keep arrival order. */
    uint32_t at = d->n_ooo;
    while (at > 0 && sdiff(d->ooo[at - 1].seq, seq) > 0)
        at--;
    memmove(&d->ooo[at + 1], &d->ooo[at], (d->n_ooo - at) * sizeof d->ooo[0]);
    d->ooo[at] = (struct tp_tcp_seg){ seq, len, claimed, copy, t_us, d->holding };
    d->n_ooo++;
    d->ooo_bytes += len;
    if (!d->holding)
        d->ooo_segments++;
}

void tp_tcp_dir_segment(struct tp_tcp_dir *d, uint32_t seq, const uint8_t *p, size_t len_in, uint32_t claimed,
                        int64_t t_us, const struct tp_tcp_sink *sink)
{
    uint32_t len = len_in > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)len_in;
    if (claimed < len)
        claimed = len;
    if (!claimed)
        return;
    if (!d->synced) { /* mid-stream start: hold, the lowest sequence number seen starts the stream */
        if (!d->holding || sdiff(seq, d->next) < 0)
            d->next = seq;
        d->holding = true;
        if (d->n_ooo + 1 >= TP_TCP_HOLD_SEGMENTS || d->ooo_bytes + len > TP_MAX_FLOW_BUFFER) {
            tp_tcp_dir_release(d, t_us, sink);
        } else {
            enqueue(d, seq, p, len, claimed, t_us);
            return;
        }
    }
    /* Keep-alive probe: one (garbage) byte just before next (RFC 9293 §3.8.4). */
    if (claimed == 1 && sdiff(seq, d->next) == -1)
        return;
    if (sdiff(seq, d->next) > 0) {
        while (d->n_ooo && (d->n_ooo >= TP_MAX_OOO_SEGMENTS || d->ooo_bytes + len > TP_MAX_FLOW_BUFFER))
            skip_hole(d, t_us, sink);
        if (sdiff(seq, d->next) > 0) {
            enqueue(d, seq, p, len, claimed, t_us);
            return;
        }
    }
    take_in_order(d, seq, p, len, claimed, t_us, sink);
    drain(d, t_us, sink);
}

void tp_tcp_dir_release(struct tp_tcp_dir *d, int64_t t_us, const struct tp_tcp_sink *sink)
{
    if (!d->holding)
        return;
    d->holding = false;
    d->synced = true;
    drain(d, t_us, sink);
}

void tp_tcp_dir_flush(struct tp_tcp_dir *d, int64_t t_us, const struct tp_tcp_sink *sink)
{
    tp_tcp_dir_release(d, t_us, sink);
    while (d->n_ooo)
        skip_hole(d, t_us, sink);
}
