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
#include "tlsprobe/wire.h"
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

/* The SCT list a server sent in TLS (RFC 6962 §3.3), found for the CT judgement:
 * TLS 1.2 ServerHello extension, TLS 1.3 leaf CertificateEntry extension. */
static void add_raw(struct tp_session *s, const char *hex)
{
    size_t n;
    uint8_t *raw = tu_hex(hex, &n);
    struct tp_msg *m = tp_session_add_msg(s, TP_S2C, TP_MSG_HANDSHAKE, 0);
    assert_non_null(m);
    m->hs_type = raw[0];
    m->raw = raw;
    m->raw_len = n;
}

static void test_judge_tls_sct_list__sh_and_tls13_entry__found(void **st)
{
    (void)st;
    static const uint8_t want[] = { 0x00, 0x04, 0x00, 0x02, 0xab, 0xcd };
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, 0);
    s->version = TP_TLS1_2;
    add_raw(s, "02000032" "0303" "1111111111111111111111111111111111111111111111111111111111111111" "00" "c02f" "00"
               "000a" "00120006" "00040002abcd");
    struct tp_bytes l = tp_judge_tls_sct_list(s);
    assert_int_equal(l.len, sizeof want);
    assert_memory_equal(l.p, want, sizeof want);
    tp_session_free(s);

    s = tp_session_new(TP_SRC_PCAP, 0);
    s->version = TP_TLS1_3;
    add_raw(s, "0b000016" "00" "000012" "000003aabbcc" "000a" "00120006" "00040002abcd");
    l = tp_judge_tls_sct_list(s);
    assert_int_equal(l.len, sizeof want);
    assert_memory_equal(l.p, want, sizeof want);
    tp_session_free(s);

    s = tp_session_new(TP_SRC_PCAP, 0); /* no extension: empty */
    s->version = TP_TLS1_3;
    add_raw(s, "0b00000a" "00" "000006" "000001aa" "0000");
    assert_int_equal(tp_judge_tls_sct_list(s).len, 0);
    tp_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge__complete_no_alert__ok),
        cmocka_unit_test(test_judge__fatal_alert_before_finished__failed_naming_the_side),
        cmocka_unit_test(test_judge__fatal_alert_after_finished__failed),
        cmocka_unit_test(test_judge__known_outcome__kept_and_alert_named_when_asked),
        cmocka_unit_test(test_judge_verify_chain__no_store_or_no_chain__null),
        cmocka_unit_test(test_judge_tls_sct_list__sh_and_tls13_entry__found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
