/* Whole capture files from memory: pcapng Decryption Secrets Blocks (both byte
 * orders, several sections, unknown blocks), every cut length of a real capture
 * and of a DSB file, and the decoder on a real capture. */
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

/* A little pcapng writer for the tests (le: little-endian section). */
struct buf {
    uint8_t b[4096];
    size_t n;
};
static void put32(struct buf *o, uint32_t v, bool le)
{
    for (int i = 0; i < 4; i++)
        o->b[o->n++] = (uint8_t)(le ? v >> (8 * i) : v >> (24 - 8 * i));
}
static void block(struct buf *o, uint32_t type, const uint8_t *body, size_t len, bool le)
{
    size_t pad = (4 - len % 4) % 4;
    uint32_t total = (uint32_t)(12 + len + pad);
    put32(o, type, le);
    put32(o, total, le);
    memcpy(o->b + o->n, body, len);
    o->n += len;
    memset(o->b + o->n, 0, pad);
    o->n += pad;
    put32(o, total, le);
}
static void shb(struct buf *o, bool le)
{
    struct buf body = { .n = 0 };
    put32(&body, 0x1A2B3C4D, le);
    put32(&body, le ? 0x00000001 : 0x00010000, le); /* version 1.0 */
    put32(&body, 0xffffffff, le);
    put32(&body, 0xffffffff, le);
    block(o, 0x0A0D0D0A, body.b, body.n, le);
}
static void dsb(struct buf *o, const char *text, uint32_t stype, bool le)
{
    struct buf body = { .n = 0 };
    put32(&body, stype, le);
    put32(&body, (uint32_t)strlen(text), le);
    memcpy(body.b + body.n, text, strlen(text));
    body.n += strlen(text);
    while (body.n % 4)
        body.b[body.n++] = 0;
    block(o, 0x0000000A, body.b, body.n, le);
}

#define L1 "CLIENT_RANDOM 00 11"
#define L2 "SERVER_HANDSHAKE_TRAFFIC_SECRET aa bb"

static void test_dsb__two_sections_both_orders__texts_collected(void **st)
{
    (void)st;
    struct buf f = { .n = 0 };
    shb(&f, true);
    uint8_t idb[8] = { 1, 0, 0, 0, 0, 0, 4, 0 };
    block(&f, 1, idb, sizeof idb, true);
    block(&f, 0x0BAD0001, (const uint8_t *)"junk", 4, true);  /* unknown block */
    dsb(&f, L1, 0x544c534b, true);
    dsb(&f, "ignored: not TLSK", 0x57474b4c, true);          /* WireGuard keys */
    shb(&f, false);                                          /* a big-endian section */
    dsb(&f, L2 "\n", 0x544c534b, false);
    char *text = NULL;
    size_t tl = 0, nb = 0;
    uint8_t *exact = tu_exact(f.b, f.n);
    assert_int_equal(tp_pcapng_secrets(exact, f.n, &text, &tl, &nb), TP_OK);
    assert_int_equal(nb, 2);
    assert_string_equal(text, L1 "\n" L2 "\n");
    assert_int_equal(tl, strlen(L1 "\n" L2 "\n"));
    free(text);

    /* Every cut: a clean result, never a crash; text found before the cut is kept. */
    for (size_t len = 0; len < f.n; len++) {
        uint8_t *c = tu_exact(f.b, len);
        text = NULL;
        tl = nb = 0;
        enum tp_err e = tp_pcapng_secrets(c, len, &text, &tl, &nb);
        assert_true(e == TP_OK || e == TP_ERR_TRUNCATED || e == TP_ERR_MALFORMED);
        assert_true(nb <= 2);
        if (nb)
            assert_non_null(strstr(text, L1));
        free(text);
        free(c);
    }
    free(exact);
}

static void test_dsb__bogus_lengths__malformed(void **st)
{
    (void)st;
    struct buf f = { .n = 0 };
    shb(&f, true);
    dsb(&f, L1, 0x544c534b, true);
    /* secrets length larger than the block */
    struct buf g = f;
    /* DSB body starts after SHB (28 bytes) + 8 header bytes: stype at 36, slen at 40 */
    g.b[40] = 0xff;
    g.b[41] = 0xff;
    char *text = NULL;
    size_t tl = 0, nb = 0;
    assert_int_equal(tp_pcapng_secrets(g.b, g.n, &text, &tl, &nb), TP_ERR_MALFORMED);
    assert_int_equal(nb, 0);
    free(text);
    /* block total length not a multiple of 4 */
    g = f;
    g.b[32] = 0x1d;
    text = NULL;
    assert_int_equal(tp_pcapng_secrets(g.b, g.n, &text, &tl, &nb), TP_ERR_MALFORMED);
    free(text);
    /* a classic pcap: nothing, OK */
    static const uint8_t pcap_hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 };
    text = NULL;
    assert_int_equal(tp_pcapng_secrets(pcap_hdr, sizeof pcap_hdr, &text, &tl, &nb), TP_OK);
    assert_null(text);
}

static void test_dsb__editcap_fixture__keylog_inside(void **st)
{
    (void)st;
    size_t n;
    uint8_t *f = tu_fixture("captures/tls13-dsb.pcapng", &n);
    assert_non_null(f);
    char *text = NULL;
    size_t tl = 0, nb = 0;
    assert_int_equal(tp_pcapng_secrets(f, n, &text, &tl, &nb), TP_OK);
    assert_int_equal(nb, 1);
    assert_non_null(strstr(text, "CLIENT_HANDSHAKE_TRAFFIC_SECRET "));
    assert_non_null(strstr(text, "SERVER_TRAFFIC_SECRET_0 "));
    free(text);
    free(f);
    char err[256];
    text = NULL;
    assert_int_equal(tp_pcapng_secrets_file("/nonexistent.pcapng", &text, &tl, &nb, err, sizeof err), TP_ERR_IO);
    assert_non_null(strstr(err, "/nonexistent.pcapng"));
}

struct count {
    unsigned long sessions;
    size_t msgs;
    bool has_ch;
};
static void on_session(struct tp_session *s, unsigned long index, void *ctx)
{
    struct count *c = ctx;
    (void)index;
    c->sessions++;
    c->msgs += s->n_msgs;
    for (size_t i = 0; i < s->n_msgs; i++)
        if (s->msgs[i].kind == TP_MSG_HANDSHAKE && s->msgs[i].hs_type == TP_HS_CLIENT_HELLO)
            c->has_ch = true;
}

static void test_capture__real_file__one_session(void **st)
{
    (void)st;
    size_t n;
    uint8_t *f = tu_fixture("captures/tls12-good.pcap", &n);
    assert_non_null(f);
    struct count cnt = { 0 };
    struct tp_capture_opts o = { .on_session = on_session, .ctx = &cnt, .no_verify = true };
    struct tp_capture *c = tp_capture_new(&o);
    char err[256];
    bool trunc = true;
    assert_int_equal(tp_capture_read_mem(c, f, n, NULL, &trunc, err, sizeof err), TP_OK);
    assert_false(trunc);
    tp_capture_flush(c, 0);
    const struct tp_capture_stats *stt = tp_capture_get_stats(c);
    assert_int_equal(cnt.sessions, 1);
    assert_true(cnt.has_ch);
    assert_int_equal(stt->tls_flows, 1);
    assert_int_equal(stt->flows, 1);
    assert_int_equal(stt->sessions, 1);
    assert_int_equal(stt->gaps, 0);
    tp_capture_free(c);
    free(f);
}

static void test_capture__real_file_cut_everywhere__clean(void **st)
{
    (void)st;
    size_t n;
    uint8_t *f = tu_fixture("captures/tls13-good.pcap", &n);
    assert_non_null(f);
    /* Every length up to the first packets, then a stride (the file is ~9 KB). */
    for (size_t len = 0; len < n; len += (len < 600 ? 1 : 7)) {
        uint8_t *c = tu_exact(f, len);
        struct count cnt = { 0 };
        struct tp_capture_opts o = { .on_session = on_session, .ctx = &cnt, .no_verify = true };
        struct tp_capture *cap = tp_capture_new(&o);
        char err[256] = "";
        bool trunc = false;
        enum tp_err e = tp_capture_read_mem(cap, c, len, NULL, &trunc, err, sizeof err);
        assert_true(e == TP_OK || e == TP_ERR_IO || e == TP_ERR_MALFORMED);
        if (e != TP_OK)
            assert_true(strlen(err) > 0);
        tp_capture_flush(cap, 0);
        assert_true(cnt.sessions <= 1);
        tp_capture_free(cap);
        free(c);
    }
    free(f);
}

/* opts.threaded: sessions are judged and emitted on a second thread, in the same
 * order and with the same content as without it, and all of them are out when
 * tp_capture_flush returns. */
/* more sessions than the finisher's queue holds (128), so the reader waits */
#define FIN_QUEUE_AT_LEAST 200
struct seen {
    unsigned long n;
    unsigned long index[512];
    size_t msgs[512];
    int findings[512];
};
static void on_session_seen(struct tp_session *s, unsigned long index, void *ctx)
{
    struct seen *v = ctx;
    if (v->n < 512) {
        v->index[v->n] = index;
        v->msgs[v->n] = s->n_msgs;
        v->findings[v->n] = (int)s->n_findings;
    }
    v->n++;
}

static void run_fixtures(bool threaded, struct seen *v)
{
    static const char *const files[] = { "captures/tls12-good.pcap", "captures/tls13-good.pcap",
                                         "captures/tls13-hrr.pcap",  "captures/tls12-resume.pcap",
                                         "captures/tls13-mtls.pcap", "captures/tls13-unknown-ca.pcap" };
    struct tp_capture_opts o = { .on_session = on_session_seen, .ctx = v, .no_verify = true, .threaded = threaded };
    struct tp_capture *c = tp_capture_new(&o);
    assert_non_null(c);
    for (int round = 0; round < 40; round++)
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            size_t n;
            uint8_t *f = tu_fixture(files[i], &n);
            assert_non_null(f);
            char err[256];
            bool trunc = false;
            assert_int_equal(tp_capture_read_mem(c, f, n, NULL, &trunc, err, sizeof err), TP_OK);
            if (round % 7 == 0) {
                unsigned long before = tp_capture_get_stats(c)->tls_flows;
                tp_capture_flush(c, 0);
                assert_int_equal(v->n, before); /* every session is out once flush returns */
            }
            free(f);
        }
    tp_capture_flush(c, 0);
    assert_int_equal(v->n, tp_capture_get_stats(c)->sessions);
    tp_capture_free(c);
}

static void test_capture__threaded__same_sessions_same_order(void **st)
{
    (void)st;
    struct seen *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    run_fixtures(false, a);
    run_fixtures(true, b);
    assert_true(a->n > FIN_QUEUE_AT_LEAST);
    assert_int_equal(a->n, b->n);
    for (unsigned long i = 0; i < a->n && i < 512; i++) {
        assert_int_equal(a->index[i], b->index[i]);
        assert_int_equal(a->msgs[i], b->msgs[i]);
        assert_int_equal(a->findings[i], b->findings[i]);
    }
    free(a);
    free(b);
}

/* Found by fuzz_capture (UBSan): pcapng timestamps can be any 64-bit value. */
static void test_capture_time__huge_seconds__saturates(void **st)
{
    (void)st;
    assert_int_equal(tp_capture_time_us(1700000000, 5), 1700000000000005LL);
    assert_true(tp_capture_time_us(INT64_MAX, 999999) > 0);
    assert_true(tp_capture_time_us(INT64_MIN, 0) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dsb__two_sections_both_orders__texts_collected),
        cmocka_unit_test(test_dsb__bogus_lengths__malformed),
        cmocka_unit_test(test_dsb__editcap_fixture__keylog_inside),
        cmocka_unit_test(test_capture__real_file__one_session),
        cmocka_unit_test(test_capture__real_file_cut_everywhere__clean),
        cmocka_unit_test(test_capture__threaded__same_sessions_same_order),
        cmocka_unit_test(test_capture_time__huge_seconds__saturates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
