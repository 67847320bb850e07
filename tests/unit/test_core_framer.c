/* core/framer: record framing, the TLS-start predicate, resync and gaps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "tlsprobe/framer.h"
#include "tlsprobe/limits.h"
#include "testutil.h"

/* Two records: a 4-byte handshake, a 3-byte application_data. */
static const uint8_t two[] = { 22, 3, 3, 0, 4, 1, 0, 0, 0, 23, 3, 3, 0, 3, 0xaa, 0xbb, 0xcc };

struct trace {
    char ev[64];       /* H(eader) B(ody) N(ot TLS) L(ost) S(ynced) per event */
    size_t n_ev;
    uint8_t body[64];  /* body bytes handed out, in order */
    size_t n_body;
};

static void run(struct tp_framer *f, const uint8_t *p, size_t len, struct trace *t, bool skip_appdata)
{
    struct tp_reader r;
    tp_reader_init(&r, p, len);
    for (;;) {
        struct tp_bytes b;
        enum tp_frame_ev ev = tp_framer_next(f, &r, &b);
        if (ev == TP_FRAME_NEED)
            return;
        static const char names[] = "-HBNLS";
        t->ev[t->n_ev++] = names[ev];
        if (ev == TP_FRAME_HEADER && skip_appdata && f->rec.type == 23)
            tp_framer_skip(f);
        if (ev == TP_FRAME_BODY) {
            memcpy(t->body + t->n_body, b.p, b.len);
            t->n_body += b.len;
        }
        if (ev == TP_FRAME_NOT_TLS)
            return;
    }
}

static void test_framer__split_anywhere__same_records(void **state)
{
    (void)state;
    struct tp_framer f;
    struct trace whole = { 0 };
    tp_framer_init(&f, TP_START_EARLY | TP_START_HS_ALERT);
    run(&f, two, sizeof two, &whole, false);
    assert_string_equal(whole.ev, "HBHB");
    assert_int_equal(whole.n_body, 7);
    for (size_t cut = 1; cut < sizeof two; cut++) {
        struct trace t = { 0 };
        tp_framer_init(&f, TP_START_EARLY | TP_START_HS_ALERT);
        run(&f, two, cut, &t, false);
        run(&f, two + cut, sizeof two - cut, &t, false);
        assert_int_equal(t.n_body, whole.n_body);
        assert_memory_equal(t.body, whole.body, whole.n_body);
        assert_false(tp_framer_mid_record(&f));
    }
}

static void test_framer__skip__body_not_handed_out(void **state)
{
    (void)state;
    struct tp_framer f;
    struct trace t = { 0 };
    tp_framer_init(&f, TP_START_SSLV2_HELLO);
    run(&f, two, 12, &t, true); /* the second body is cut: skipped across feeds */
    assert_true(tp_framer_mid_record(&f));
    run(&f, two + 12, sizeof two - 12, &t, true);
    assert_string_equal(t.ev, "HBH");
    assert_int_equal(t.n_body, 4);
    assert_true(tp_framer_at_boundary(&f));
}

static void test_start__flags(void **state)
{
    (void)state;
    const uint8_t http[] = "HTTP/1.1 400";
    assert_int_equal(tp_frame_start(http, 1, TP_START_EARLY), TP_START_NOT_TLS);
    assert_int_equal(tp_frame_start(http, 1, 0), TP_START_MORE);
    assert_int_equal(tp_frame_start(http, 5, 0), TP_START_NOT_TLS);
    assert_int_equal(tp_frame_start(two, 3, TP_START_EARLY), TP_START_MORE);
    assert_int_equal(tp_frame_start(two, 5, 0), TP_START_TLS);
    const uint8_t ccs[] = { 20, 3, 3, 0, 1 };
    assert_int_equal(tp_frame_start(ccs, 5, TP_START_HS_ALERT), TP_START_NOT_TLS);
    assert_int_equal(tp_frame_start(ccs, 5, 0), TP_START_TLS);
    const uint8_t big[] = { 22, 3, 3, 0xff, 0xff };
    assert_int_equal(tp_frame_start(big, 5, 0), TP_START_NOT_TLS);
    assert_int_equal(tp_frame_start(big, 5, TP_START_ANY_LEN), TP_START_TLS);
    /* SSLv2-compatible hello: 2-byte header with the high bit, msg_type 1, version 3.1 */
    const uint8_t v2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01 };
    assert_int_equal(tp_frame_start(v2, 2, TP_START_EARLY | TP_START_SSLV2_LEN), TP_START_SSLV2);
    assert_int_equal(tp_frame_start(v2, 4, TP_START_SSLV2_HELLO), TP_START_MORE);
    assert_int_equal(tp_frame_start(v2, 5, TP_START_SSLV2_HELLO), TP_START_SSLV2);
    assert_int_equal(tp_frame_start(v2, 5, 0), TP_START_NOT_TLS);
    const uint8_t v2bad[] = { 0x80, 0x2e, 0x02, 0x03, 0x01 };
    assert_int_equal(tp_frame_start(v2bad, 5, TP_START_SSLV2_HELLO), TP_START_NOT_TLS);
    assert_int_equal(tp_frame_start(v2bad, 1, TP_START_EARLY | TP_START_SSLV2_ANY), TP_START_SSLV2);
}

static void test_framer__sslv2_header__two_bytes(void **state)
{
    (void)state;
    uint8_t v2[2 + 9] = { 0x80, 9, 1, 3, 1, 0, 0, 0, 0, 0, 0 };
    struct tp_framer f;
    struct trace t = { 0 };
    tp_framer_init(&f, TP_START_EARLY | TP_START_SSLV2_LEN);
    run(&f, v2, sizeof v2, &t, false);
    assert_string_equal(t.ev, "HB");
    assert_true(f.rec.sslv2);
    assert_int_equal(f.rec.raw_len, 2);
    assert_int_equal(f.rec.len, 9);
    assert_int_equal(t.n_body, 9);
}

static void test_framer__not_tls__bytes_held(void **state)
{
    (void)state;
    const uint8_t ssh[] = "SSH-2.0-OpenSSH";
    struct tp_framer f;
    struct trace t = { 0 };
    tp_framer_init(&f, TP_START_EARLY | TP_START_HS_ALERT);
    run(&f, ssh, sizeof ssh - 1, &t, false);
    assert_string_equal(t.ev, "N");
    assert_int_equal(f.have, 1);
}

/* A stream joined mid-way (resync), fed in pieces of 1..4 bytes: a header split
 * across pieces is still found, and the records come out as from one piece. */
static void test_framer__resync_split_header__found(void **state)
{
    (void)state;
    uint8_t in[3 + sizeof two];
    memcpy(in, "\x01\x02\x03", 3); /* the tail of a record we did not see */
    memcpy(in + 3, two, sizeof two);
    for (size_t step = 1; step <= 4; step++) {
        for (size_t first = 1; first <= 4; first++) {
            struct tp_framer f;
            struct trace t = { 0 };
            tp_framer_init(&f, TP_START_HS_ALERT);
            tp_framer_resync(&f);
            size_t skipped = 0;
            for (size_t at = 0; at < sizeof in;) {
                size_t n = at == 0 ? first : step;
                if (n > sizeof in - at)
                    n = sizeof in - at;
                struct tp_reader r;
                tp_reader_init(&r, in + at, n);
                for (;;) {
                    struct tp_bytes b;
                    enum tp_frame_ev ev = tp_framer_next(&f, &r, &b);
                    if (ev == TP_FRAME_NEED)
                        break;
                    if (ev == TP_FRAME_LOST || ev == TP_FRAME_SYNCED)
                        skipped += b.len;
                    if (ev == TP_FRAME_BODY) {
                        memcpy(t.body + t.n_body, b.p, b.len);
                        t.n_body += b.len;
                    }
                }
                at += n;
            }
            assert_int_equal(t.n_body, 7);
            assert_memory_equal(t.body, "\x01\x00\x00\x00\xaa\xbb\xcc", 7);
            assert_int_equal(skipped, 3);
            assert_false(tp_framer_mid_record(&f));
        }
    }
}

static void test_framer__gap__resync_or_keep_boundary(void **state)
{
    (void)state;
    struct tp_framer f;
    struct trace t = { 0 };
    tp_framer_init(&f, 0);
    run(&f, two, 6, &t, false); /* header + 1 body byte of the first record */
    assert_true(tp_framer_gap(&f, 2));   /* inside its body: boundary kept */
    run(&f, two + 8, sizeof two - 8, &t, false);
    assert_string_equal(t.ev, "HBHB");
    /* a gap larger than the body left: resynchronise on the next plausible header */
    struct trace u = { 0 };
    tp_framer_init(&f, 0);
    run(&f, two, 6, &u, false);
    assert_false(tp_framer_gap(&f, 100));
    const uint8_t junk_then_two[] = { 1, 2, 3, 22, 3, 3, 0, 4, 1, 0, 0, 0, 23, 3, 3, 0, 3, 0xaa, 0xbb, 0xcc };
    run(&f, junk_then_two, sizeof junk_then_two, &u, false);
    assert_string_equal(u.ev, "HBSHBHB");
    assert_int_equal(tp_frame_resync_scan(junk_then_two, sizeof junk_then_two), 3);
    assert_int_equal(tp_frame_resync_scan(junk_then_two, 3), 3);
}

static void test_framer__assumed_and_after_not_tls(void **state)
{
    (void)state;
    /* ASSUMED: any 5 bytes are a header (a probe's follower of a stream already judged) */
    const uint8_t odd[] = { 0x80, 3, 3, 0, 1, 0xee };
    struct tp_framer f;
    struct trace t = { 0 };
    tp_framer_init(&f, TP_START_ASSUMED);
    run(&f, odd, sizeof odd, &t, false);
    assert_string_equal(t.ev, "HB");
    /* after NOT_TLS the framer reads nothing more and says so again */
    const uint8_t http[] = "HTTP/1.1 200 OK";
    tp_framer_init(&f, 0);
    struct tp_reader r;
    struct tp_bytes b;
    tp_reader_init(&r, http, sizeof http - 1);
    assert_int_equal(tp_framer_next(&f, &r, &b), TP_FRAME_NOT_TLS);
    assert_int_equal(tp_framer_next(&f, &r, &b), TP_FRAME_NOT_TLS);
    assert_int_equal(tp_reader_left(&r), sizeof http - 1 - 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framer__split_anywhere__same_records),
        cmocka_unit_test(test_framer__skip__body_not_handed_out),
        cmocka_unit_test(test_start__flags),
        cmocka_unit_test(test_framer__sslv2_header__two_bytes),
        cmocka_unit_test(test_framer__not_tls__bytes_held),
        cmocka_unit_test(test_framer__gap__resync_or_keep_boundary),
        cmocka_unit_test(test_framer__resync_split_header__found),
        cmocka_unit_test(test_framer__assumed_and_after_not_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
