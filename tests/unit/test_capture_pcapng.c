/* tlsprobe's own pcapng reader (src/capture/pcapng.c), on files libpcap refuses:
 * a real capture (fixtures/captures/tls12-good.pcap) rewritten as pcapng whose
 * packets alternate between an Ethernet interface (µs) and a raw-IP interface
 * with another snap length, nanosecond time stamps and an if_tsoffset, in one
 * section or in two sections of different byte orders, with SPB, NRB and
 * unknown blocks; read through tp_capture_read_mem (libpcap first, then ours)
 * and tp_pcapng_read_mem; every cut length; per-interface filters; comments
 * (opt_comment) of the section and of packets. And the --shard hash on the
 * Community ID spec's vector. */
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

struct out {
    uint8_t *b;
    size_t n, cap;
};
static void put(struct out *o, const void *p, size_t n)
{
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2 + 4096;
        o->b = realloc(o->b, o->cap);
        assert_non_null(o->b);
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
static void put32(struct out *o, uint32_t v, bool le)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(le ? v >> (8 * i) : v >> (24 - 8 * i));
    put(o, b, 4);
}
static void put16(struct out *o, uint16_t v, bool le)
{
    uint8_t b[2] = { (uint8_t)(le ? v : v >> 8), (uint8_t)(le ? v >> 8 : v) };
    put(o, b, 2);
}
static void block(struct out *o, uint32_t type, const struct out *body, bool le)
{
    size_t pad = (4 - body->n % 4) % 4;
    uint32_t total = (uint32_t)(12 + body->n + pad);
    static const uint8_t zero[4];
    put32(o, type, le);
    put32(o, total, le);
    put(o, body->b, body->n);
    put(o, zero, pad);
    put32(o, total, le);
}
static void shb(struct out *o, bool le)
{
    struct out b = { 0 };
    put32(&b, 0x1A2B3C4D, le);
    put16(&b, 1, le);
    put16(&b, 0, le);
    put32(&b, 0xffffffff, le);
    put32(&b, 0xffffffff, le);
    block(o, 0x0A0D0D0A, &b, le);
    free(b.b);
}
/* IDB: link type, snap length, if_tsresol (0: none), if_tsoffset (0: none) */
static void idb(struct out *o, uint16_t lt, uint32_t snap, uint8_t tsresol, int64_t tsoffset, bool le)
{
    struct out b = { 0 };
    static const uint8_t zero[4];
    put16(&b, lt, le);
    put16(&b, 0, le);
    put32(&b, snap, le);
    put16(&b, 1, le); /* opt_comment, skipped */
    put16(&b, 5, le);
    put(&b, "hello", 5);
    put(&b, zero, 3);
    if (tsresol) {
        put16(&b, 9, le);
        put16(&b, 1, le);
        put(&b, &tsresol, 1);
        put(&b, zero, 3);
    }
    if (tsoffset) {
        uint64_t v = (uint64_t)tsoffset;
        put16(&b, 14, le);
        put16(&b, 8, le);
        put32(&b, le ? (uint32_t)v : (uint32_t)(v >> 32), le);
        put32(&b, le ? (uint32_t)(v >> 32) : (uint32_t)v, le);
    }
    put16(&b, 0, le);
    put16(&b, 0, le);
    block(o, 1, &b, le);
    free(b.b);
}
static void epb(struct out *o, uint32_t ifi, uint64_t ts, const uint8_t *p, uint32_t n, bool le)
{
    struct out b = { 0 };
    put32(&b, ifi, le);
    put32(&b, (uint32_t)(ts >> 32), le);
    put32(&b, (uint32_t)ts, le);
    put32(&b, n, le);
    put32(&b, n, le);
    put(&b, p, n);
    while (b.n % 4)
        put(&b, "", 1);
    block(o, 6, &b, le);
    free(b.b);
}

static uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* tls12-good.pcap (classic, little-endian, Ethernet, µs) rewritten as pcapng:
 * even packets on interface 0 (Ethernet, µs), odd packets on interface 1 (raw IP:
 * the Ethernet header cut, ns, if_tsoffset -1000 s against +1000 s in the times).
 * two_sections: the odd packets come in a second, big-endian section whose
 * interface 0 is the raw one. Returns the number of packets. */
static size_t make_mixed(struct out *o, bool two_sections, int64_t *first_us)
{
    size_t n;
    uint8_t *f = tu_fixture("captures/tls12-good.pcap", &n);
    assert_non_null(f);
    assert_true(n > 24 && rd32le(f) == 0xa1b2c3d4);
    shb(o, true);
    idb(o, 1, 262144, 0, 0, true);
    if (!two_sections)
        idb(o, 101, 65535, 9, -1000, true);
    struct out odd = { 0 };
    size_t count = 0;
    *first_us = 0;
    for (size_t pos = 24; pos + 16 <= n; count++) {
        uint64_t sec = rd32le(f + pos), usec = rd32le(f + pos + 4);
        uint32_t caplen = rd32le(f + pos + 8);
        const uint8_t *pkt = f + pos + 16;
        assert_true(pos + 16 + caplen <= n && caplen > 14);
        if (!count)
            *first_us = (int64_t)(sec * 1000000 + usec);
        if (count % 2 == 0) {
            epb(o, 0, sec * 1000000 + usec, pkt, caplen, true);
        } else {
            uint64_t ns = ((sec + 1000) * 1000000 + usec) * 1000;
            epb(two_sections ? &odd : o, two_sections ? 0 : 1, ns, pkt + 14, caplen - 14, !two_sections);
        }
        if (count == 2) { /* blocks that are skipped */
            struct out nrb = { 0 };
            put32(&nrb, 0, true);
            block(o, 4, &nrb, true);
            block(o, 0x0BAD0001, &nrb, true);
            free(nrb.b);
        }
        pos += 16 + caplen;
    }
    if (two_sections) {
        /* the odd packets after the even ones: the flow's reassembly takes them out of order */
        shb(o, false);
        idb(o, 101, 65535, 9, -1000, false);
        put(o, odd.b, odd.n);
    }
    free(odd.b);
    free(f);
    return count;
}

struct seen {
    unsigned sessions;
    bool has_ch;
    int64_t start_us, max_t_us;
};
static void on_session(struct tp_session *s, unsigned long index, void *ctx)
{
    struct seen *c = ctx;
    (void)index;
    c->sessions++;
    c->start_us = s->start_us;
    for (size_t i = 0; i < s->n_msgs; i++) {
        if (s->msgs[i].kind == TP_MSG_HANDSHAKE && s->msgs[i].hs_type == TP_HS_CLIENT_HELLO)
            c->has_ch = true;
        if (s->msgs[i].t_us > c->max_t_us)
            c->max_t_us = s->msgs[i].t_us;
    }
}

static void check_mixed(bool two_sections, bool ours, const char *filter, unsigned want_sessions)
{
    struct out o = { 0 };
    int64_t first_us;
    size_t count = make_mixed(&o, two_sections, &first_us);
    struct seen seen = { 0 };
    struct tp_capture_opts co = { .on_session = on_session, .ctx = &seen, .no_verify = true };
    struct tp_capture *c = tp_capture_new(&co);
    assert_non_null(c);
    char err[256] = "";
    bool trunc = true;
    enum tp_err e = ours ? tp_pcapng_read_mem(c, o.b, o.n, filter)
                         : tp_capture_read_mem(c, o.b, o.n, filter, &trunc, err, sizeof err);
    if (e != TP_OK)
        fail_msg("read: %s (%s)", tp_err_text(e), err);
    if (!ours)
        assert_false(trunc);
    tp_capture_flush(c, 0);
    const struct tp_capture_stats *st = tp_capture_get_stats(c);
    assert_int_equal(st->unsupported_link + st->too_short + st->bad_headers, 0);
    assert_int_equal(seen.sessions, want_sessions);
    if (want_sessions) {
        assert_int_equal(st->packets, count);
        assert_int_equal(st->tls_flows, 1);
        assert_true(seen.has_ch);
        assert_int_equal(seen.start_us / 1000000, first_us / 1000000); /* ns and if_tsoffset undone */
        assert_true(seen.max_t_us < 10 * 1000000);
    } else {
        assert_int_equal(st->packets, 0);
    }
    tp_capture_free(c);
    free(o.b);
}

static void test_pcapng__mixed_link_types__libpcap_then_ours(void **st)
{
    (void)st;
    check_mixed(false, false, NULL, 1);
}

static void test_pcapng__mixed_link_types__ours(void **st)
{
    (void)st;
    check_mixed(false, true, NULL, 1);
}

static void test_pcapng__sections_of_both_byte_orders(void **st)
{
    (void)st;
    check_mixed(true, false, NULL, 1);
    check_mixed(true, true, NULL, 1);
}

static void test_pcapng__filter_per_interface(void **st)
{
    (void)st;
    check_mixed(false, false, "tcp", 1);
    check_mixed(false, true, "tcp", 1);
    check_mixed(false, true, "udp", 0);
}

static void test_pcapng__cut_everywhere__clean(void **st)
{
    (void)st;
    struct out o = { 0 };
    int64_t first_us;
    make_mixed(&o, true, &first_us);
    for (size_t len = 0; len < o.n; len += (len < 400 ? 1 : 5)) {
        uint8_t *cut = tu_exact(o.b, len);
        struct seen seen = { 0 };
        struct tp_capture_opts co = { .on_session = on_session, .ctx = &seen, .no_verify = true };
        struct tp_capture *c = tp_capture_new(&co);
        enum tp_err e = tp_pcapng_read_mem(c, cut, len, NULL);
        assert_true(e == TP_OK || e == TP_ERR_TRUNCATED || e == TP_ERR_MALFORMED);
        char err[256] = "";
        bool trunc;
        tp_capture_flush(c, 0);
        tp_capture_free(c);
        c = tp_capture_new(&co);
        if (len) {
            e = tp_capture_read_mem(c, cut, len, NULL, &trunc, err, sizeof err);
            assert_true(e == TP_OK || e == TP_ERR_IO || e == TP_ERR_MALFORMED);
        }
        tp_capture_flush(c, 0);
        assert_true(seen.sessions <= 2);
        tp_capture_free(c);
        free(cut);
    }
    free(o.b);
}

static void test_pcapng__bad_blocks__malformed(void **st)
{
    (void)st;
    struct tp_capture_opts co = { .no_verify = true };
    struct tp_capture *c = tp_capture_new(&co);
    /* an EPB before any IDB */
    struct out o = { 0 };
    shb(&o, true);
    epb(&o, 0, 0, (const uint8_t *)"abcd", 4, true);
    assert_int_equal(tp_pcapng_read_mem(c, o.b, o.n, NULL), TP_ERR_MALFORMED);
    /* no SHB first */
    assert_int_equal(tp_pcapng_read_mem(c, o.b + 28, o.n - 28, NULL), TP_ERR_MALFORMED);
    /* a trailing length that differs */
    o.b[o.n - 1] ^= 0x40;
    assert_int_equal(tp_pcapng_read_mem(c, o.b, o.n, NULL), TP_ERR_MALFORMED);
    /* a bad if_tsresol */
    o.n = 0;
    shb(&o, false);
    idb(&o, 1, 0, 77, 0, false);
    assert_int_equal(tp_pcapng_read_mem(c, o.b, o.n, NULL), TP_ERR_MALFORMED);
    tp_capture_flush(c, 0);
    tp_capture_free(c);
    free(o.b);
}

/* An option (code, value padded to 4) into b. */
static void opt(struct out *b, uint16_t code, const char *v, bool le)
{
    static const uint8_t zero[4];
    size_t n = strlen(v);
    put16(b, code, le);
    put16(b, (uint16_t)n, le);
    put(b, v, n);
    put(b, zero, (4 - n % 4) % 4);
}

struct commented {
    unsigned sessions;
    size_t n;
    char text[4][32];
    enum tp_dir dir[4];
    int64_t t_us[4];
};
static void on_commented(struct tp_session *s, unsigned long index, void *ctx)
{
    struct commented *c = ctx;
    (void)index;
    c->sessions++;
    for (size_t i = 0; i < s->n_comments && c->n < 4; i++, c->n++) {
        snprintf(c->text[c->n], sizeof c->text[c->n], "%s", s->comments[i].text);
        c->dir[c->n] = s->comments[i].dir;
        c->t_us[c->n] = s->comments[i].t_us - s->start_us;
    }
}

/* tls12-good.pcap as pcapng with a section comment (and shb_userappl, not a
 * comment), two comments on its first packet (the client's SYN), one on the
 * second (the server's SYN-ACK), and an empty one (ignored) on the third. */
static void test_pcapng__comments__with_their_session(void **st)
{
    (void)st;
    for (int le = 0; le < 2; le++) {
        size_t n;
        uint8_t *f = tu_fixture("captures/tls12-good.pcap", &n);
        assert_non_null(f);
        struct out o = { 0 }, b = { 0 };
        put32(&b, 0x1A2B3C4D, le);
        put16(&b, 1, le);
        put16(&b, 0, le);
        put32(&b, 0xffffffff, le);
        put32(&b, 0xffffffff, le);
        opt(&b, 4, "a test", le);
        opt(&b, 1, "capture note", le);
        put32(&b, 0, le);
        block(&o, 0x0A0D0D0A, &b, le);
        idb(&o, 1, 262144, 0, 0, le);
        size_t count = 0;
        for (size_t pos = 24; pos + 16 <= n; count++) {
            uint64_t sec = rd32le(f + pos), usec = rd32le(f + pos + 4);
            uint32_t caplen = rd32le(f + pos + 8);
            b.n = 0;
            put32(&b, 0, le);
            put32(&b, (uint32_t)((sec * 1000000 + usec) >> 32), le);
            put32(&b, (uint32_t)(sec * 1000000 + usec), le);
            put32(&b, caplen, le);
            put32(&b, caplen, le);
            put(&b, f + pos + 16, caplen);
            while (b.n % 4)
                put(&b, "", 1);
            if (count == 0) {
                opt(&b, 1, "syn one", le);
                opt(&b, 2, "\x00\x00\x00\x00", le); /* epb_flags: not a comment */
                opt(&b, 1, "syn two", le);
            } else if (count == 1) {
                opt(&b, 1, "syn-ack", le);
            } else if (count == 2) {
                opt(&b, 1, "", le);
            }
            if (count < 3)
                put32(&b, 0, le);
            block(&o, 6, &b, le);
            pos += 16 + caplen;
        }
        struct commented seen = { 0 };
        struct tp_capture_opts co = { .on_session = on_commented, .ctx = &seen, .no_verify = true };
        struct tp_capture *c = tp_capture_new(&co);
        assert_non_null(c);
        assert_int_equal(tp_pcapng_read_mem(c, o.b, o.n, NULL), TP_OK);
        tp_capture_flush(c, 0);
        const struct tp_capture_stats *cs = tp_capture_get_stats(c);
        assert_int_equal(seen.sessions, 1);
        assert_int_equal(cs->packet_comments, 3);
        assert_int_equal(cs->n_comments, 1);
        assert_string_equal(cs->comments[0].text, "capture note");
        assert_int_equal(seen.n, 3);
        assert_string_equal(seen.text[0], "syn one");
        assert_string_equal(seen.text[1], "syn two");
        assert_string_equal(seen.text[2], "syn-ack");
        assert_int_equal(seen.dir[0], TP_C2S);
        assert_int_equal(seen.dir[1], TP_C2S);
        assert_int_equal(seen.dir[2], TP_S2C);
        assert_true(seen.t_us[2] >= seen.t_us[0]);
        tp_capture_free(c);
        free(o.b);
        free(b.b);
        free(f);
    }
}

/* A flow's packet comments count against the flows' memory budget: flow A's SYN
 * with 8 comments of 1 KiB, 3 times, is more than a 16 KiB budget; when flow B
 * (another client port) keeps its comment, A is evicted for the budget. Without
 * comments, nothing is evicted. */
static void test_pcapng__comments__charged_to_the_flow_budget(void **st)
{
    (void)st;
    size_t n;
    uint8_t *f = tu_fixture("captures/tls12-good.pcap", &n);
    assert_non_null(f);
    uint32_t caplen = rd32le(f + 24 + 8);
    const uint8_t *syn = f + 24 + 16;
    assert_true(caplen >= 54 && (syn[47] & 0x02)); /* Ethernet + IPv4 + TCP, SYN */
    char big[1025];
    memset(big, 'c', 1024);
    big[1024] = 0;
    for (int charged = 0; charged < 2; charged++) {
        struct out o = { 0 }, b = { 0 };
        shb(&o, true);
        idb(&o, 1, 262144, 0, 0, true);
        uint8_t pkt[256];
        memcpy(pkt, syn, caplen);
        for (int k = 0; k < 4; k++) {
            if (k == 3)
                pkt[35] ^= 1; /* flow B: another client port */
            b.n = 0;
            put32(&b, 0, true);
            put32(&b, 0, true);
            put32(&b, (uint32_t)(1000 + k), true);
            put32(&b, caplen, true);
            put32(&b, caplen, true);
            put(&b, pkt, caplen);
            while (b.n % 4)
                put(&b, "", 1);
            for (int c = 0; charged && k < 3 && c < 8; c++)
                opt(&b, 1, big, true);
            if (charged && k == 3)
                opt(&b, 1, "b", true); /* B's comment: the budget is enforced as it is kept */
            put32(&b, 0, true);
            block(&o, 6, &b, true);
        }
        struct tp_capture_opts co = { .no_verify = true, .max_flow_memory = 16 * 1024 };
        struct tp_capture *c = tp_capture_new(&co);
        assert_non_null(c);
        assert_int_equal(tp_pcapng_read_mem(c, o.b, o.n, NULL), TP_OK);
        assert_int_equal(tp_capture_get_stats(c)->flows, 2);
        assert_int_equal(tp_capture_get_stats(c)->flows_evicted_memory, charged ? 1 : 0);
        assert_int_equal(tp_capture_get_stats(c)->packet_comments, charged ? 25 : 0);
        tp_capture_flush(c, 0);
        tp_capture_free(c);
        free(o.b);
        free(b.b);
    }
    free(f);
}

/* --shard: the Community ID spec's TCP vector (1:LQU9qZlK+B5F3KDmev6m5PMibrg=,
 * SHA-1 starting 2d 05 3d a9): shard = 1 + 0x2d053da9 mod N, either direction. */
static void test_shard__community_id_vector(void **st)
{
    (void)st;
    const uint8_t a[4] = { 128, 232, 110, 120 }, b[4] = { 66, 35, 250, 204 };
    assert_int_equal(tp_capture_shard_of(a, 34855, b, 80, 4, 1), 1);
    assert_int_equal(tp_capture_shard_of(a, 34855, b, 80, 4, 8), 2);
    assert_int_equal(tp_capture_shard_of(b, 80, a, 34855, 4, 8), 2);
    assert_int_equal(tp_capture_shard_of(a, 34855, b, 80, 4, 1000000), 318186);
    assert_int_equal(tp_capture_shard_of(a, 34855, b, 80, 4, 0), 0);
    assert_int_equal(tp_capture_shard_of(a, 34855, b, 80, 5, 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcapng__mixed_link_types__libpcap_then_ours),
        cmocka_unit_test(test_pcapng__mixed_link_types__ours),
        cmocka_unit_test(test_pcapng__sections_of_both_byte_orders),
        cmocka_unit_test(test_pcapng__filter_per_interface),
        cmocka_unit_test(test_pcapng__cut_everywhere__clean),
        cmocka_unit_test(test_pcapng__bad_blocks__malformed),
        cmocka_unit_test(test_pcapng__comments__with_their_session),
        cmocka_unit_test(test_pcapng__comments__charged_to_the_flow_budget),
        cmocka_unit_test(test_shard__community_id_vector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
