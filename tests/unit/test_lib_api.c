/* libtlsprobe's public API (include/tlsprobe/tlsprobe.h), linked against the
 * shared library itself: arguments refused, errors with their line, check and
 * explain verdicts and findings, the JSON and text reports, pcap sessions, a
 * refused connection, two threads at once. Every result is freed: the ASan
 * build's leak check covers the library's ownership rules. */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "tlsprobe/tlsprobe.h"

#define PKI TP_FIXTURES "/pki/"

static tlsprobe_options *opts_with_root(void)
{
    tlsprobe_options *o = tlsprobe_options_new();
    assert_non_null(o);
    assert_int_equal(tlsprobe_options_set_cafile(o, PKI "root.pem"), TLSPROBE_OK);
    return o;
}

static bool has_finding(const tlsprobe_result *r, const char *id)
{
    for (size_t i = 0; i < tlsprobe_result_findings(r); i++)
        if (!strcmp(tlsprobe_result_finding_id(r, i), id))
            return true;
    return false;
}

static void test_version__runtime__matches_header(void **state)
{
    (void)state;
    assert_string_equal(tlsprobe_version(), TLSPROBE_VERSION);
    for (int c = TLSPROBE_OK; c <= TLSPROBE_ERR_INTERNAL + 1; c++)
        assert_non_null(tlsprobe_strerror(c));
    assert_string_equal(tlsprobe_strerror(TLSPROBE_ERR_NOMEM), "out of memory");
}

static void test_options__bad_values__refused(void **state)
{
    (void)state;
    tlsprobe_options *o = tlsprobe_options_new();
    assert_int_equal(tlsprobe_options_set_cafile(NULL, "x"), TLSPROBE_ERR_ARG);
    assert_int_equal(tlsprobe_options_set_cafile(o, ""), TLSPROBE_ERR_ARG);
    assert_int_equal(tlsprobe_options_set_timeout_ms(o, 0), TLSPROBE_ERR_ARG);
    assert_int_equal(tlsprobe_options_set_purpose(o, 7), TLSPROBE_ERR_ARG);
    assert_int_equal(tlsprobe_options_set_max_depth(o, 256), TLSPROBE_ERR_ARG);
    assert_int_equal(tlsprobe_options_set_stack(o, "cobol"), TLSPROBE_ERR_ARG);
    assert_int_equal(tlsprobe_options_set_side(o, 3), TLSPROBE_ERR_ARG);
    assert_int_equal(tlsprobe_options_set_time(o, 0), TLSPROBE_ERR_ARG);
    assert_int_equal(tlsprobe_options_set_aia(o, 2), TLSPROBE_ERR_ARG);
    assert_int_equal(tlsprobe_options_set_stack(o, "go"), TLSPROBE_OK);
    assert_int_equal(tlsprobe_options_set_stack(o, NULL), TLSPROBE_OK); /* reset */
    assert_int_equal(tlsprobe_options_set_keylog(o, "a"), TLSPROBE_OK);
    assert_int_equal(tlsprobe_options_set_keylog(o, "b"), TLSPROBE_OK); /* the first copy is freed */
    tlsprobe_options_free(o);
    tlsprobe_options_free(NULL);
    tlsprobe_result_free(NULL);
}

static void test_check__good_chain__ok_verdict_and_reports(void **state)
{
    (void)state;
    tlsprobe_options *o = opts_with_root();
    assert_int_equal(tlsprobe_options_set_key(o, PKI "good.key"), TLSPROBE_OK);
    tlsprobe_result *r = NULL;
    assert_int_equal(tlsprobe_check_chain(PKI "good-fullchain.pem", "localhost", o, &r), TLSPROBE_OK);
    tlsprobe_options_free(o);
    assert_non_null(r);
    assert_null(tlsprobe_result_error(r));
    assert_int_equal(tlsprobe_result_verdict(r), TLSPROBE_VERDICT_OK);
    for (size_t i = 0; i < tlsprobe_result_findings(r); i++)
        assert_true(tlsprobe_result_finding_severity(r, i) < TLSPROBE_SEVERITY_ERROR);
    assert_null(tlsprobe_result_finding_id(r, tlsprobe_result_findings(r)));
    assert_int_equal(tlsprobe_result_finding_severity(r, 999), -1);
    const char *j = tlsprobe_result_json(r);
    assert_non_null(j);
    assert_true(j[0] == '{' && j[strlen(j) - 1] == '\n' && !strchr(j, '\n')[1]);
    assert_non_null(strstr(j, "\"source\":\"check\""));
    assert_ptr_equal(tlsprobe_result_json(r), j); /* rendered once */
    const char *t = tlsprobe_result_text(r);
    assert_non_null(t);
    assert_non_null(strstr(t, "localhost"));
    size_t n = 0;
    const char *pem = tlsprobe_result_chain_pem(r, &n);
    assert_non_null(pem);
    assert_int_equal(n, 2); /* leaf + intermediate, no root */
    assert_non_null(strstr(pem, "-----BEGIN CERTIFICATE-----"));
    tlsprobe_result_free(r);
}

static void test_check__wrong_host__name_finding_fails(void **state)
{
    (void)state;
    tlsprobe_options *o = opts_with_root();
    tlsprobe_result *r = NULL;
    assert_int_equal(tlsprobe_check_chain(PKI "good-fullchain.pem", "wrong.example", o, &r), TLSPROBE_OK);
    tlsprobe_options_free(o);
    assert_int_equal(tlsprobe_result_verdict(r), TLSPROBE_VERDICT_FAIL);
    assert_true(has_finding(r, "hostname-mismatch"));
    size_t i = 0;
    while (strcmp(tlsprobe_result_finding_id(r, i), "hostname-mismatch"))
        i++;
    assert_int_equal(tlsprobe_result_finding_severity(r, i), TLSPROBE_SEVERITY_ERROR);
    assert_non_null(strstr(tlsprobe_result_finding_title(r, i), "wrong.example"));
    assert_null(tlsprobe_result_chain_pem(NULL, NULL));
    tlsprobe_result_free(r);
}

static void test_check__bad_input__error_with_line(void **state)
{
    (void)state;
    tlsprobe_result *r = NULL;
    assert_int_equal(tlsprobe_check_chain(PKI "no-such-file.pem", NULL, NULL, &r), TLSPROBE_ERR_IO);
    assert_non_null(r);
    assert_non_null(strstr(tlsprobe_result_error(r), "no-such-file.pem"));
    assert_null(tlsprobe_result_json(r));
    assert_int_equal(tlsprobe_result_findings(r), 0);
    tlsprobe_result_free(r);
    assert_int_equal(tlsprobe_check_chain(PKI "good.key", NULL, NULL, &r), TLSPROBE_ERR_INPUT);
    assert_non_null(strstr(tlsprobe_result_error(r), "holds no certificate"));
    tlsprobe_result_free(r);
    tlsprobe_options *o = opts_with_root();
    assert_int_equal(tlsprobe_options_set_key(o, PKI "root.pem"), TLSPROBE_OK); /* a certificate, not a key */
    assert_int_equal(tlsprobe_check_chain(PKI "good-fullchain.pem", NULL, o, &r), TLSPROBE_ERR_INPUT);
    assert_non_null(strstr(tlsprobe_result_error(r), "holds no private key"));
    tlsprobe_result_free(r);
    tlsprobe_options_free(o);
    assert_int_equal(tlsprobe_check_chain(NULL, NULL, NULL, &r), TLSPROBE_ERR_ARG);
    tlsprobe_result_free(r);
    assert_int_equal(tlsprobe_check_chain(PKI "good.pem", "", NULL, &r), TLSPROBE_ERR_ARG);
    tlsprobe_result_free(r);
    assert_int_equal(tlsprobe_check_chain(PKI "good.pem", NULL, NULL, NULL), TLSPROBE_ERR_ARG);
}

static void test_explain__known_message__one_finding(void **state)
{
    (void)state;
    tlsprobe_result *r = NULL;
    assert_int_equal(tlsprobe_explain("x509: certificate signed by unknown authority", NULL, &r), TLSPROBE_OK);
    assert_int_equal(tlsprobe_result_findings(r), 1);
    assert_non_null(tlsprobe_result_finding_id(r, 0));
    assert_true(tlsprobe_result_finding_severity(r, 0) >= TLSPROBE_SEVERITY_INFO);
    assert_non_null(tlsprobe_result_finding_title(r, 0));
    assert_int_equal(tlsprobe_result_verdict(r), TLSPROBE_VERDICT_OK);
    const char *j = tlsprobe_result_json(r);
    assert_non_null(strstr(j, tlsprobe_result_finding_id(r, 0)));
    assert_non_null(strstr(j, "\"message_stack\":\"Go\""));
    tlsprobe_result_free(r);
    assert_int_equal(tlsprobe_explain("the weather is nice", NULL, &r), TLSPROBE_OK);
    assert_int_equal(tlsprobe_result_findings(r), 0);
    assert_non_null(tlsprobe_result_text(r));
    tlsprobe_result_free(r);
    assert_int_equal(tlsprobe_explain(" \n", NULL, &r), TLSPROBE_ERR_ARG);
    assert_string_equal(tlsprobe_result_error(r), "the message is empty");
    tlsprobe_result_free(r);
}

struct pcap_count { size_t sessions, with_findings, json_ok; };

static void on_session(tlsprobe_result *r, void *ctx)
{
    struct pcap_count *c = ctx;
    c->sessions++;
    if (tlsprobe_result_findings(r))
        c->with_findings++;
    const char *j = tlsprobe_result_json(r); /* freed with the session after the call */
    if (j && !strncmp(j, "{", 1) && tlsprobe_result_findings(r) &&
        strstr(j, tlsprobe_result_finding_id(r, 0)))
        c->json_ok++;
}

static void test_pcap__fixture__sessions_and_findings(void **state)
{
    (void)state;
    struct pcap_count c = { 0 };
    tlsprobe_options *o = tlsprobe_options_new();
    assert_int_equal(tlsprobe_options_set_keylog(o, TP_FIXTURES "/captures/tls13-unknown-ca.keylog"), TLSPROBE_OK);
    assert_int_equal(tlsprobe_pcap_file(TP_FIXTURES "/captures/tls13-unknown-ca.pcap", o, on_session, &c),
                     TLSPROBE_OK);
    tlsprobe_options_free(o);
    assert_int_equal(c.sessions, 1);
    assert_int_equal(c.with_findings, 1);
    assert_int_equal(c.json_ok, 1);
    assert_int_equal(tlsprobe_pcap_file(TP_FIXTURES "/pki/root.pem", NULL, on_session, &c), TLSPROBE_ERR_IO);
    assert_int_equal(tlsprobe_pcap_file(NULL, NULL, on_session, &c), TLSPROBE_ERR_ARG);
}

static void test_connect__refused__finding_not_error(void **state)
{
    (void)state;
    tlsprobe_options *o = tlsprobe_options_new();
    assert_int_equal(tlsprobe_options_set_timeout_ms(o, 3000), TLSPROBE_OK);
    tlsprobe_result *r = NULL;
    assert_int_equal(tlsprobe_connect("127.0.0.1", 1, o, &r), TLSPROBE_OK);
    tlsprobe_options_free(o);
    assert_int_equal(tlsprobe_result_verdict(r), TLSPROBE_VERDICT_FAIL);
    assert_true(has_finding(r, "connection-refused"));
    assert_non_null(strstr(tlsprobe_result_json(r), "connection-refused"));
    tlsprobe_result_free(r);
    assert_int_equal(tlsprobe_connect("", 443, NULL, &r), TLSPROBE_ERR_ARG);
    tlsprobe_result_free(r);
    o = tlsprobe_options_new();
    assert_int_equal(tlsprobe_options_set_cafile(o, PKI "no-such-root.pem"), TLSPROBE_OK);
    assert_int_equal(tlsprobe_connect("127.0.0.1", 1, o, &r), TLSPROBE_ERR_IO);
    assert_non_null(strstr(tlsprobe_result_error(r), "no-such-root.pem"));
    tlsprobe_result_free(r);
    tlsprobe_options_free(o);
}

/* Two threads judge the same files with one shared options handle: each gets
 * the report a single call gives. */
struct worker { const tlsprobe_options *o; const char *want; int bad; };

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 4; i++) {
        tlsprobe_result *r = NULL;
        if (tlsprobe_check_chain(PKI "good-fullchain.pem", "localhost", w->o, &r) != TLSPROBE_OK ||
            !tlsprobe_result_json(r) || strcmp(tlsprobe_result_json(r), w->want))
            w->bad++;
        tlsprobe_result_free(r);
    }
    return NULL;
}

static void test_threads__shared_options__same_reports(void **state)
{
    (void)state;
    tlsprobe_options *o = opts_with_root();
    assert_int_equal(tlsprobe_options_set_time(o, 1900000000), TLSPROBE_OK); /* days_left fixed */
    tlsprobe_result *r = NULL;
    assert_int_equal(tlsprobe_check_chain(PKI "good-fullchain.pem", "localhost", o, &r), TLSPROBE_OK);
    struct worker w[2] = { { o, tlsprobe_result_json(r), 0 }, { o, tlsprobe_result_json(r), 0 } };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(w[0].bad + w[1].bad, 0);
    tlsprobe_result_free(r);
    tlsprobe_options_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__runtime__matches_header),
        cmocka_unit_test(test_options__bad_values__refused),
        cmocka_unit_test(test_check__good_chain__ok_verdict_and_reports),
        cmocka_unit_test(test_check__wrong_host__name_finding_fails),
        cmocka_unit_test(test_check__bad_input__error_with_line),
        cmocka_unit_test(test_explain__known_message__one_finding),
        cmocka_unit_test(test_pcap__fixture__sessions_and_findings),
        cmocka_unit_test(test_connect__refused__finding_not_error),
        cmocka_unit_test(test_threads__shared_options__same_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
