/* The transcript object: messages, findings, lookups, lifetime. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/session.h"
#include "session/internal.h"
#include "testutil.h"

static void test_session_new__defaults__unknown_and_no_times(void **st)
{
    (void)st;
    struct tp_session *s = tp_session_new(TP_SRC_CONNECT, 123);
    assert_non_null(s);
    assert_int_equal(s->source, TP_SRC_CONNECT);
    assert_int_equal(s->start_us, 123);
    assert_int_equal(s->t_dns_us, -1);
    assert_int_equal(s->t_connect_us, -1);
    assert_int_equal(s->rtt_us, -1);
    assert_int_equal(s->outcome.status, TP_CONN_UNKNOWN);
    assert_int_equal(tp_session_worst(s), -1);
    assert_null(tp_session_first_alert(s, -1));
    tp_session_finish(s);
    tp_session_finish(s); /* idempotent */
    assert_int_equal(tp_session_feed(s, TP_C2S, (const uint8_t *)"x", 1, 0), TP_OK); /* ignored */
    assert_int_equal(tp_session_feed(s, (enum tp_dir)7, (const uint8_t *)"x", 1, 0), TP_ERR_USAGE);
    tp_session_free(s);
    tp_session_free(NULL);
}

static void test_session_add_msg__beyond_cap__dropped_and_counted(void **st)
{
    (void)st;
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, 1000);
    for (int i = 0; i < TP_MAX_SESSION_MESSAGES + 10; i++) {
        struct tp_msg *m = tp_session_add_msg(s, i % 2 ? TP_S2C : TP_C2S, TP_MSG_HANDSHAKE, 1000 + i);
        if (i < TP_MAX_SESSION_MESSAGES) {
            assert_non_null(m);
            assert_int_equal(m->t_us, i);
            m->raw = malloc(4); /* owned by the session */
            m->raw_len = 4;
        } else {
            assert_null(m);
        }
    }
    assert_int_equal(s->n_msgs, TP_MAX_SESSION_MESSAGES);
    assert_int_equal(s->n_msgs_dropped, 10);
    assert_int_equal(tp_session_prev_msg(s, 5, TP_C2S), 4);
    assert_int_equal(tp_session_prev_msg(s, 5, TP_S2C), 3);
    assert_int_equal(tp_session_prev_msg(s, 0, TP_S2C), -1);
    assert_int_equal(tp_session_prev_msg(s, 100000, TP_S2C), TP_MAX_SESSION_MESSAGES - 1);
    tp_session_free(s);
}

static void test_session_arena_copy__mixed_sizes_and_owners__contents_kept_and_freed(void **st)
{
    (void)st;
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, 0);
    static const size_t sizes[] = { 0, 1, 2, 700, 400, 5000, 3, 1024, 1023, 60, 2048, 9 };
    size_t n = sizeof sizes / sizeof sizes[0];
    uint8_t src[5000];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 7 + 3);
    uint8_t *got[sizeof sizes / sizeof sizes[0]];
    for (size_t i = 0; i < n; i++) {
        got[i] = tp_session_arena_copy(s, src + (i % 3), sizes[i] > sizeof src - 2 ? sizeof src - 2 : sizes[i]);
        assert_non_null(got[i]);
        struct tp_msg *m = tp_session_add_msg(s, TP_C2S, TP_MSG_HANDSHAKE, 0);
        assert_non_null(m);
        m->raw = got[i];
        m->raw_len = sizes[i];
        m->raw_in_arena = true;
        /* a message owned the old way, next to the arena ones */
        m = tp_session_add_msg(s, TP_S2C, TP_MSG_ALERT, 0);
        assert_non_null(m);
        m->raw = malloc(2);
        m->raw_len = 2;
    }
    /* no copy overwrote another */
    for (size_t i = 0; i < n; i++) {
        size_t len = sizes[i] > sizeof src - 2 ? sizeof src - 2 : sizes[i];
        if (len)
            assert_memory_equal(got[i], src + (i % 3), len);
        for (size_t j = 0; j < n; j++)
            if (j != i && sizes[i] && sizes[j])
                assert_true(got[j] + sizes[j] <= got[i] || got[i] + sizes[i] <= got[j]);
    }
    tp_session_free(s); /* leak-free under ASan: arena chunks and malloc'd raw both go */
}

static void test_session_findings__worst_and_first_alert(void **st)
{
    (void)st;
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, 0);
    struct tp_finding *f = tp_session_add_finding(s, "expiring-soon", TP_SEV_WARNING);
    f->summary = strdup("expires in 3 days");
    assert_int_equal(tp_session_worst(s), TP_SEV_WARNING);
    f = tp_session_add_finding(s, "remote-alert", TP_SEV_ERROR);
    f->fix = strdup("x");
    f->explanation = strdup("y");
    assert_int_equal(tp_session_worst(s), TP_SEV_ERROR);
    for (int i = 0; i < 20; i++)
        assert_non_null(tp_session_add_finding(s, "info", TP_SEV_INFO));
    assert_int_equal(s->n_findings, 22);
    assert_string_equal(s->findings[1].id, "remote-alert");

    struct tp_msg *m = tp_session_add_msg(s, TP_C2S, TP_MSG_HANDSHAKE, 0);
    m = tp_session_add_msg(s, TP_S2C, TP_MSG_ALERT, 5);
    m->alert_desc = 48;
    m = tp_session_add_msg(s, TP_C2S, TP_MSG_ALERT, 6);
    m->alert_desc = 0;
    assert_int_equal(tp_session_first_alert(s, -1)->alert_desc, 48);
    assert_int_equal(tp_session_first_alert(s, TP_C2S)->alert_desc, 0);
    assert_int_equal(tp_session_first_alert(s, TP_S2C)->alert_desc, 48);
    assert_string_equal(tp_decode_issue_name(TP_DEC_HS_TOO_LARGE), "hs-too-large");
    tp_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_new__defaults__unknown_and_no_times),
        cmocka_unit_test(test_session_add_msg__beyond_cap__dropped_and_counted),
        cmocka_unit_test(test_session_arena_copy__mixed_sizes_and_owners__contents_kept_and_freed),
        cmocka_unit_test(test_session_findings__worst_and_first_alert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
