/* TCP reassembly of one direction: exact bytes out for reordering, overlap,
 * duplicates, wrap-around at 2^32, gaps, mid-stream start, caplen < len. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/capture.h"
#include "testutil.h"

/* Collected output: data bytes as is, a gap as "<gap N>". */
struct out {
    char buf[8192];
    size_t len;
    int gaps;
};
static void on_data(void *ctx, const uint8_t *p, size_t len, int64_t t)
{
    (void)t;
    struct out *o = ctx;
    assert_true(o->len + len < sizeof o->buf);
    memcpy(o->buf + o->len, p, len);
    o->len += len;
    o->buf[o->len] = 0;
}
static void on_gap(void *ctx, uint64_t lost, int64_t t)
{
    (void)t;
    struct out *o = ctx;
    o->len += (size_t)snprintf(o->buf + o->len, sizeof o->buf - o->len, "<gap %llu>", (unsigned long long)lost);
    o->gaps++;
}

struct fx {
    struct tp_tcp_dir d;
    struct out o;
    struct tp_tcp_sink sink;
};
static void fx_init(struct fx *x, bool hist)
{
    memset(x, 0, sizeof *x);
    tp_tcp_dir_init(&x->d);
    tp_tcp_dir_history(&x->d, hist, NULL);
    x->sink = (struct tp_tcp_sink){ on_data, on_gap, &x->o, NULL };
}
static void seg(struct fx *x, uint32_t seq, const char *s)
{
    tp_tcp_dir_segment(&x->d, seq, (const uint8_t *)s, strlen(s), (uint32_t)strlen(s), 0, &x->sink);
}

static void test_tcp__in_order__bytes_passed_through(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, false);
    tp_tcp_dir_syn(&x.d, 999);
    seg(&x, 1000, "hello ");
    seg(&x, 1006, "world");
    assert_string_equal(x.o.buf, "hello world");
    assert_int_equal(x.d.bytes, 11);
    assert_int_equal(x.d.retrans, 0);
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__reordered__delivered_in_sequence(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, false);
    tp_tcp_dir_syn(&x.d, 99);
    seg(&x, 108, "CCCC");
    seg(&x, 104, "BBBB");
    assert_int_equal(x.o.len, 0);
    assert_int_equal(x.d.n_ooo, 2);
    seg(&x, 100, "AAAA");
    assert_string_equal(x.o.buf, "AAAABBBBCCCC");
    assert_int_equal(x.d.n_ooo, 0);
    assert_int_equal(x.d.ooo_segments, 2);
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__duplicate__first_copy_kept_counted(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, true);
    tp_tcp_dir_syn(&x.d, 0);
    seg(&x, 1, "abcdef");
    seg(&x, 1, "abcdef");
    seg(&x, 7, "gh");
    assert_string_equal(x.o.buf, "abcdefgh");
    assert_int_equal(x.d.retrans, 1);
    assert_int_equal(x.d.conflicts, 0);
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__conflicting_retransmission__first_copy_wins_conflict_counted(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, true);
    tp_tcp_dir_syn(&x.d, 0);
    seg(&x, 1, "abcdef");
    seg(&x, 3, "XYZ");       /* overlaps c,d,e with different bytes */
    seg(&x, 7, "gh");
    assert_string_equal(x.o.buf, "abcdefgh");
    assert_int_equal(x.d.retrans, 1);
    assert_int_equal(x.d.conflicts, 1);
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__partial_overlap__new_bytes_appended(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, true);
    tp_tcp_dir_syn(&x.d, 0);
    seg(&x, 1, "abcd");
    seg(&x, 3, "cdEF");     /* c,d again (same), E,F new */
    assert_string_equal(x.o.buf, "abcdEF");
    assert_int_equal(x.d.retrans, 1);
    assert_int_equal(x.d.conflicts, 0);
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__overlap_in_queue__first_copy_wins(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, true);
    tp_tcp_dir_syn(&x.d, 0);
    seg(&x, 5, "efgh");
    seg(&x, 5, "EFGH");     /* a conflicting copy of a queued segment */
    seg(&x, 1, "abcd");
    assert_string_equal(x.o.buf, "abcdefgh");
    assert_int_equal(x.d.conflicts, 1);
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__wraparound__sequence_crosses_2_32(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, true);
    tp_tcp_dir_syn(&x.d, 0xfffffff9u); /* data starts at 0xfffffffa */
    seg(&x, 0xfffffffau, "0123");      /* fffffffa..fffffffd */
    seg(&x, 0x00000002u, "89");        /* after the wrap, out of order */
    seg(&x, 0xfffffffeu, "4567");      /* fffffffe, ffffffff, 0, 1 */
    seg(&x, 0xfffffffcu, "23");        /* an old retransmission across nothing */
    assert_string_equal(x.o.buf, "0123456789");
    assert_int_equal(x.d.next, 4u);
    assert_int_equal(x.d.retrans, 1);
    assert_int_equal(x.d.conflicts, 0);
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__hole_at_flush__gap_reported_then_rest(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, false);
    tp_tcp_dir_syn(&x.d, 0);
    seg(&x, 1, "abc");
    seg(&x, 10, "jkl");     /* 4..9 lost */
    tp_tcp_dir_flush(&x.d, 0, &x.sink);
    assert_string_equal(x.o.buf, "abc<gap 6>jkl");
    assert_int_equal(x.d.gap_bytes, 6);
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__queue_full__oldest_hole_becomes_gap(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, false);
    tp_tcp_dir_syn(&x.d, 0);
    seg(&x, 1, "a");
    /* A hole at 2, then TP_MAX_OOO_SEGMENTS + 1 segments beyond it. */
    for (uint32_t i = 0; i <= TP_MAX_OOO_SEGMENTS; i++)
        seg(&x, 3 + i, "z");
    assert_true(x.d.n_ooo <= TP_MAX_OOO_SEGMENTS);
    assert_int_equal(x.o.gaps, 1);
    assert_memory_equal(x.o.buf, "a<gap 1>zzz", 11);
    tp_tcp_dir_flush(&x.d, 0, &x.sink);
    assert_int_equal(x.d.bytes, 1 + TP_MAX_OOO_SEGMENTS + 1);
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__midstream__lowest_seq_held_defines_start(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, false);
    seg(&x, 5000, "middle");
    seg(&x, 4990, "0123456789"); /* reordered: the stream's start came second */
    assert_int_equal(x.o.len, 0); /* held: no SYN, the start is not known yet */
    seg(&x, 5006, "-end");
    tp_tcp_dir_flush(&x.d, 0, &x.sink);
    assert_string_equal(x.o.buf, "0123456789middle-end");
    assert_int_equal(x.o.gaps, 0);
    assert_int_equal(x.d.ooo_segments, 0);
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__midstream__retransmission_and_overlap_trimmed(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, false);
    seg(&x, 100, "abc");
    seg(&x, 100, "abc");    /* retransmitted */
    seg(&x, 97, "xyzab");   /* overlaps the start, from lower */
    tp_tcp_dir_release(&x.d, 0, &x.sink); /* the peer answered */
    assert_string_equal(x.o.buf, "xyzabc");
    seg(&x, 102, "cdef");   /* overlaps the delivered tail */
    seg(&x, 95, "12xyz");   /* older than the start: old data */
    tp_tcp_dir_flush(&x.d, 0, &x.sink);
    assert_string_equal(x.o.buf, "xyzabcdef");
    assert_int_equal(x.o.gaps, 0);
    assert_true(x.d.retrans >= 3);
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__midstream__hold_full_delivers(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, false);
    seg(&x, 13, "d");
    seg(&x, 11, "b");
    seg(&x, 10, "a");
    assert_int_equal(x.o.len, 0);
    seg(&x, 12, "c"); /* TP_TCP_HOLD_SEGMENTS reached: the start is 10 */
    assert_string_equal(x.o.buf, "abcd");
    seg(&x, 14, "e");
    assert_string_equal(x.o.buf, "abcde");
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__midstream__syn_after_held_data(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, false);
    seg(&x, 101, "bc");
    tp_tcp_dir_syn(&x.d, 99); /* a late SYN: the stream starts at 100 */
    seg(&x, 100, "a");
    tp_tcp_dir_flush(&x.d, 0, &x.sink);
    assert_string_equal(x.o.buf, "abc");
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__caplen_short__tail_reported_as_gap(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, false);
    tp_tcp_dir_syn(&x.d, 0);
    /* 4 bytes captured of a 10-byte segment (snaplen), then the next one whole. */
    tp_tcp_dir_segment(&x.d, 1, (const uint8_t *)"abcd", 4, 10, 0, &x.sink);
    seg(&x, 11, "KLM");
    assert_string_equal(x.o.buf, "abcd<gap 6>KLM");
    tp_tcp_dir_free(&x.d, NULL);
}

static void test_tcp__keepalive__ignored(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, true);
    tp_tcp_dir_syn(&x.d, 0);
    seg(&x, 1, "abc");
    seg(&x, 3, "\x01"); /* keep-alive: 1 garbage byte at next - 1 */
    seg(&x, 4, "d");
    assert_string_equal(x.o.buf, "abcd");
    assert_int_equal(x.d.retrans, 0);
    assert_int_equal(x.d.conflicts, 0);
    tp_tcp_dir_free(&x.d, NULL);
}

/* Found by fuzz_capture (UBSan): a segment exactly 2^31 behind next made the skip
 * computation negate INT32_MIN. It is old data now, counted, never delivered. */
static void test_tcp__segment_2_31_behind__old_no_overflow(void **st)
{
    (void)st;
    struct fx x;
    fx_init(&x, true);
    tp_tcp_dir_syn(&x.d, 0x80000000u - 1);
    seg(&x, 0x80000000u, "ab");
    seg(&x, 0x00000002u, "zz"); /* 0x80000002 - 0x80000000 = 2^31 behind next */
    seg(&x, 0x80000002u, "cd");
    assert_string_equal(x.o.buf, "abcd");
    assert_int_equal(x.d.retrans, 1);
    tp_tcp_dir_free(&x.d, NULL);
}

/* Every permutation of 5 segments yields the same bytes. */
static void test_tcp__all_orders_of_five__same_bytes(void **st)
{
    (void)st;
    const char *parts[5] = { "Aa", "Bbb", "C", "Dddd", "Ee" };
    uint32_t off[5];
    uint32_t o = 0x7ffffffdu; /* near the signed boundary too */
    for (int i = 0; i < 5; i++) {
        off[i] = o;
        o += (uint32_t)strlen(parts[i]);
    }
    int idx[5] = { 0, 1, 2, 3, 4 };
    int count = 0;
    /* Heap's algorithm, iterative */
    int cnt[5] = { 0 };
    for (int i = 0;;) {
        struct fx x;
        fx_init(&x, false);
        tp_tcp_dir_syn(&x.d, 0x7ffffffcu);
        for (int k = 0; k < 5; k++)
            seg(&x, off[idx[k]], parts[idx[k]]);
        assert_string_equal(x.o.buf, "AaBbbCDdddEe");
        tp_tcp_dir_free(&x.d, NULL);
        count++;
        while (i < 5 && cnt[i] >= i) {
            cnt[i] = 0;
            i++;
        }
        if (i >= 5)
            break;
        int j = (i % 2) ? cnt[i] : 0;
        int t = idx[j];
        idx[j] = idx[i];
        idx[i] = t;
        cnt[i]++;
        i = 1;
    }
    assert_int_equal(count, 120);
}

/* History on, then one byte delivered: the buffer comes with the first byte,
 * from the sink's pool. */
static void history_with_byte(struct tp_tcp_dir *d, struct tp_tcp_pool *pool)
{
    tp_tcp_dir_history(d, true, pool);
    assert_null(d->hist); /* nothing delivered yet: nothing held */
    const struct tp_tcp_sink k = { NULL, NULL, NULL, pool };
    const uint8_t x = 1;
    tp_tcp_dir_syn(d, 0);
    tp_tcp_dir_segment(d, 1, &x, 1, 1, 0, &k);
}

/* The caller's pool: a direction's history goes back to it and the next
 * direction gets the same buffer; beyond TP_TCP_POOL buffers are freed. */
static void test_tcp__pool__reuses_history_buffers(void **state)
{
    (void)state;
    struct tp_tcp_pool pool = { .n = 0 };
    struct tp_tcp_dir a, b;
    tp_tcp_dir_init(&a);
    history_with_byte(&a, &pool);
    assert_non_null(a.hist);
    uint8_t *first = a.hist;
    tp_tcp_dir_free(&a, &pool);
    assert_int_equal(pool.n, 1);
    tp_tcp_dir_init(&b);
    history_with_byte(&b, &pool);
    assert_ptr_equal(b.hist, first);
    assert_int_equal(pool.n, 0);
    tp_tcp_dir_free(&b, &pool);
    struct tp_tcp_dir many[TP_TCP_POOL + 2];
    for (size_t i = 0; i < TP_TCP_POOL + 2; i++) {
        tp_tcp_dir_init(&many[i]);
        history_with_byte(&many[i], &pool);
    }
    for (size_t i = 0; i < TP_TCP_POOL + 2; i++)
        tp_tcp_dir_free(&many[i], &pool);
    assert_int_equal(pool.n, TP_TCP_POOL);
    tp_tcp_pool_free(&pool);
    assert_int_equal(pool.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp__in_order__bytes_passed_through),
        cmocka_unit_test(test_tcp__reordered__delivered_in_sequence),
        cmocka_unit_test(test_tcp__duplicate__first_copy_kept_counted),
        cmocka_unit_test(test_tcp__conflicting_retransmission__first_copy_wins_conflict_counted),
        cmocka_unit_test(test_tcp__partial_overlap__new_bytes_appended),
        cmocka_unit_test(test_tcp__overlap_in_queue__first_copy_wins),
        cmocka_unit_test(test_tcp__wraparound__sequence_crosses_2_32),
        cmocka_unit_test(test_tcp__hole_at_flush__gap_reported_then_rest),
        cmocka_unit_test(test_tcp__queue_full__oldest_hole_becomes_gap),
        cmocka_unit_test(test_tcp__midstream__lowest_seq_held_defines_start),
        cmocka_unit_test(test_tcp__midstream__retransmission_and_overlap_trimmed),
        cmocka_unit_test(test_tcp__midstream__hold_full_delivers),
        cmocka_unit_test(test_tcp__midstream__syn_after_held_data),
        cmocka_unit_test(test_tcp__caplen_short__tail_reported_as_gap),
        cmocka_unit_test(test_tcp__keepalive__ignored),
        cmocka_unit_test(test_tcp__all_orders_of_five__same_bytes),
        cmocka_unit_test(test_tcp__segment_2_31_behind__old_no_overflow),
        cmocka_unit_test(test_tcp__pool__reuses_history_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
