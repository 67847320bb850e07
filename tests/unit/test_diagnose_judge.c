/* The judge (src/diagnose/judge.c): the outcome a source left unknown is read
 * from the transcript, a peer's fatal alert is named when asked, chains without
 * a store are not verified, dates are judged at --at. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "tlsprobe/judge.h"
#include "testutil.h"

static struct tp_session *with_alert(int dir, uint8_t level, uint8_t desc)
{
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, 0);
    assert_non_null(s);
    if (dir >= 0) {
        struct tp_msg *m = tp_session_add_msg(s, (enum tp_dir)dir, TP_MSG_ALERT, 0);
        assert_non_null(m);
        m->alert_level = level;
        m->alert_desc = desc;
    }
    tp_session_finish(s);
    return s;
}

static const struct tp_judge_opts no_verify = { .name_alert_from = -1 };

static void test_judge__complete_no_alert__ok(void **st)
{
    (void)st;
    struct tp_session *s = with_alert(-1, 0, 0);
    s->handshake_complete = true;
    struct tp_judge_opts o = no_verify;
    o.at = 1700000000;
    tp_judge_session(s, &o);
    assert_int_equal(s->outcome.status, TP_CONN_OK);
    assert_int_equal(s->judge_time, 1700000000);
    assert_null(s->server_verify);
    assert_null(s->client_verify);
    tp_session_free(s);
}

static void test_judge__fatal_alert_before_finished__failed_naming_the_side(void **st)
{
    (void)st;
    struct tp_session *s = with_alert(TP_S2C, 2, 40);
    tp_judge_session(s, &no_verify);
    assert_int_equal(s->outcome.status, TP_CONN_TLS_FAILED);
    assert_string_equal(s->outcome.detail, "fatal alert from the server");
    tp_session_free(s);
}

static void test_judge__fatal_alert_after_finished__failed(void **st)
{
    (void)st;
    struct tp_session *s = with_alert(TP_C2S, 2, 116);
    s->handshake_complete = true;
    tp_judge_session(s, &no_verify);
    assert_int_equal(s->outcome.status, TP_CONN_TLS_FAILED);
    assert_string_equal(s->outcome.detail, "fatal alert from the client after the Finished messages");
    tp_session_free(s);
}

static void test_judge__known_outcome__kept_and_alert_named_when_asked(void **st)
{
    (void)st;
    struct tp_session *s = with_alert(TP_C2S, 2, 48);
    s->outcome.status = TP_CONN_TLS_FAILED;
    strcpy(s->outcome.detail, "PARSE_ERROR");
    struct tp_judge_opts o = no_verify;
    tp_judge_session(s, &o);
    assert_string_equal(s->outcome.detail, "PARSE_ERROR"); /* not asked */
    o.name_alert_from = TP_C2S;
    tp_judge_session(s, &o);
    assert_int_equal(s->outcome.status, TP_CONN_TLS_FAILED);
    assert_string_equal(s->outcome.detail, "the client sent fatal alert unknown_ca (48)");
    tp_session_free(s);
}

static void test_judge_verify_chain__no_store_or_no_chain__null(void **st)
{
    (void)st;
    const struct tp_judge_verify v = { 0 };
    uint8_t b = 0x30;
    struct tp_bytes der = tp_bytes_make(&b, 1);
    assert_null(tp_judge_verify_chain(&der, 1, 0, TP_PURPOSE_SERVER, &v, 0, NULL));
    assert_null(tp_judge_verify_chain(NULL, 0, 0, TP_PURPOSE_SERVER, &v, 0, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge__complete_no_alert__ok),
        cmocka_unit_test(test_judge__fatal_alert_before_finished__failed_naming_the_side),
        cmocka_unit_test(test_judge__fatal_alert_after_finished__failed),
        cmocka_unit_test(test_judge__known_outcome__kept_and_alert_named_when_asked),
        cmocka_unit_test(test_judge_verify_chain__no_store_or_no_chain__null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
