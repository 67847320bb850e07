/* scan's reading of a server's first flight (tp_scan_reader_feed), on the flights
 * of tests/fuzz/make_scan_answer_seeds.py (fixtures/fuzz/fuzz_scan_answer/): the
 * fields the questions need, the same answer however the bytes are cut, and
 * nothing from bytes that are not TLS. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/scan.h"
#include "testutil.h"

/* Read a seed (its first byte is the fuzzer's flags: skipped) fed in pieces cut at `cut`. */
static void read_seed(const char *name, bool flight, size_t cut, struct tp_scan_answer *a, size_t *len)
{
    char path[128];
    size_t n;
    snprintf(path, sizeof path, "fuzz/fuzz_scan_answer/%s", name);
    uint8_t *raw = tu_fixture(path, &n);
    assert_non_null(raw);
    assert_true(n > 1);
    uint8_t *p = tu_exact(raw + 1, n - 1);
    n--;
    if (cut > n)
        cut = n;
    struct tp_scan_reader rd;
    memset(a, 0, sizeof *a);
    tp_scan_reader_init(&rd, flight);
    if (!tp_scan_reader_feed(&rd, a, p, cut))
        (void)tp_scan_reader_feed(&rd, a, p + cut, n - cut);
    tp_scan_reader_free(&rd);
    free(p);
    free(raw);
    if (len)
        *len = n;
}

static void test_answer__tls12_flight__fields(void **state)
{
    (void)state;
    struct tp_scan_answer a;
    read_seed("tls12_flight", true, (size_t)-1, &a, NULL);
    assert_int_equal(a.kind, TP_SCAN_ANS_SERVER_HELLO);
    assert_int_equal(a.version, 0x0303);
    assert_int_equal(a.suite, 0xc02f);
    assert_int_equal(a.sid_len, 32);
    assert_true(a.reneg);
    assert_true(a.ticket);
    assert_true(a.has_alpn);
    assert_string_equal(a.alpn, "h2");
    assert_true(a.have_ske);
    assert_int_equal(a.ske_group, 0x001d);
    assert_true(a.ske_has_scheme);
    assert_int_equal(a.ske_scheme, 0x0804);
    assert_int_equal(a.n_der, 1);
    assert_int_equal(a.der_len[0], 5);
    tp_scan_answer_free(&a);
    /* Without the flight: the ServerHello only. */
    read_seed("tls12_flight", false, (size_t)-1, &a, NULL);
    assert_int_equal(a.kind, TP_SCAN_ANS_SERVER_HELLO);
    assert_false(a.have_ske);
    assert_int_equal(a.n_der, 0);
    tp_scan_answer_free(&a);
}

static void test_answer__any_cut__same_answer(void **state)
{
    (void)state;
    struct tp_scan_answer whole, a;
    size_t n;
    read_seed("tls12_split", true, (size_t)-1, &whole, &n);
    assert_int_equal(whole.kind, TP_SCAN_ANS_SERVER_HELLO);
    for (size_t cut = 0; cut <= n; cut++) {
        read_seed("tls12_split", true, cut, &a, NULL);
        assert_int_equal(a.kind, whole.kind);
        assert_int_equal(a.suite, whole.suite);
        assert_int_equal(a.ske_scheme, whole.ske_scheme);
        assert_int_equal(a.n_der, whole.n_der);
        tp_scan_answer_free(&a);
    }
    tp_scan_answer_free(&whole);
}

static void test_answer__tls13_hrr_alert_ssl3(void **state)
{
    (void)state;
    struct tp_scan_answer a;
    read_seed("tls13_sh", false, (size_t)-1, &a, NULL);
    assert_int_equal(a.kind, TP_SCAN_ANS_SERVER_HELLO);
    assert_int_equal(a.version, 0x0304);
    assert_int_equal(a.group, 0x001d);
    read_seed("hrr", false, 3, &a, NULL);
    assert_int_equal(a.kind, TP_SCAN_ANS_HRR);
    assert_int_equal(a.version, 0x0304);
    assert_int_equal(a.suite, 0x1302);
    assert_int_equal(a.group, 0x11ec);
    read_seed("alert", false, 6, &a, NULL); /* the alert cut between its two bytes */
    assert_int_equal(a.kind, TP_SCAN_ANS_ALERT);
    assert_int_equal(a.alert, 40);
    read_seed("ssl3_sh", true, (size_t)-1, &a, NULL);
    assert_int_equal(a.kind, TP_SCAN_ANS_SERVER_HELLO);
    assert_int_equal(a.version, 0x0300);
    assert_int_equal(a.suite, 0x000a);
    assert_int_equal(a.sid_len, 0);
}

static void test_answer__not_tls__none(void **state)
{
    (void)state;
    struct tp_scan_answer a;
    read_seed("not_tls", false, (size_t)-1, &a, NULL);
    assert_int_equal(a.kind, TP_SCAN_ANS_NONE);
    assert_string_equal(a.why, "not TLS");
}

/* Found by fuzz_scan_answer: a second Certificate message (two certificates, then
 * one) was appended to the first, a chain of 3 counted as 1 in all. */
static void test_answer__second_certificate__replaces_first(void **state)
{
    (void)state;
    struct tp_scan_answer a;
    read_seed("regress-fd8a0c77fdc018bd0b1fa68c5b5b38f8c9a9a7ea", true, (size_t)-1, &a, NULL);
    assert_int_equal(a.kind, TP_SCAN_ANS_SERVER_HELLO);
    assert_int_equal(a.n_der, 1);
    assert_int_equal(a.n_der_total, 1);
    assert_int_equal(a.der_len[0], 5);
    tp_scan_answer_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer__tls12_flight__fields),
        cmocka_unit_test(test_answer__any_cut__same_answer),
        cmocka_unit_test(test_answer__tls13_hrr_alert_ssl3),
        cmocka_unit_test(test_answer__not_tls__none),
        cmocka_unit_test(test_answer__second_certificate__replaces_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
