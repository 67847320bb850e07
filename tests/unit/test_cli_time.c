/* --at TIME (src/cli/common.c): RFC 3339 with offsets and fractions, Unix
 * seconds, and the inputs it must refuse. Expected values from `date -u -d ... +%s`. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"

static time_t parse_ok(const char *s)
{
    time_t t = (time_t)-12345;
    if (!tp_cli_parse_time(s, &t))
        fail_msg("'%s' was refused", s);
    return t;
}

static void test_parse_time__utc_z__epoch_seconds(void **st)
{
    (void)st;
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("2024-01-01T00:00:00Z"), 1704067200);
    assert_int_equal(parse_ok("2025-01-31T12:00:00Z"), 1738324800);
    assert_int_equal(parse_ok("2024-01-01t00:00:00z"), 1704067200);  /* §5.6 NOTE: lower case */
    assert_int_equal(parse_ok("2024-01-01 00:00:00Z"), 1704067200);  /* and a space */
    assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1);
    assert_int_equal(parse_ok("2038-01-19T03:14:08Z"), (time_t)2147483648LL);
    assert_int_equal(parse_ok("2100-03-01T00:00:00Z"), (time_t)4107542400LL);
}

static void test_parse_time__offsets__shifted_to_utc(void **st)
{
    (void)st;
    assert_int_equal(parse_ok("2024-01-01T00:00:00+00:00"), 1704067200);
    assert_int_equal(parse_ok("2024-01-01T00:00:00-00:00"), 1704067200);
    assert_int_equal(parse_ok("2024-01-01T01:00:00+01:00"), 1704067200);
    assert_int_equal(parse_ok("2023-12-31T19:00:00-05:00"), 1704067200);
    assert_int_equal(parse_ok("2024-01-01T05:45:00+05:45"), 1704067200);
    assert_int_equal(parse_ok("2024-01-01T00:00:00+23:59"), 1704067200 - 86340);
}

static void test_parse_time__fractions__dropped(void **st)
{
    (void)st;
    assert_int_equal(parse_ok("2024-01-01T00:00:00.5Z"), 1704067200);
    assert_int_equal(parse_ok("2024-01-01T00:00:00.999999999+00:00"), 1704067200);
    assert_int_equal(parse_ok("2024-01-01T00:00:59.000Z"), 1704067259);
}

static void test_parse_time__leap_days__checked(void **st)
{
    (void)st;
    time_t t;
    assert_int_equal(parse_ok("2024-02-29T00:00:00Z"), 1709164800);
    assert_int_equal(parse_ok("2000-02-29T12:00:00Z"), 951825600);  /* divisible by 400 */
    assert_int_equal(parse_ok("2024-03-01T00:00:00Z") - parse_ok("2024-02-28T00:00:00Z"), 2 * 86400);
    assert_false(tp_cli_parse_time("2023-02-29T00:00:00Z", &t));
    assert_false(tp_cli_parse_time("1900-02-29T00:00:00Z", &t));    /* divisible by 100 */
    assert_false(tp_cli_parse_time("2024-02-30T00:00:00Z", &t));
    assert_false(tp_cli_parse_time("2024-04-31T00:00:00Z", &t));
}

static void test_parse_time__unix_seconds__read(void **st)
{
    (void)st;
    assert_int_equal(parse_ok("@1700000000"), 1700000000);
    assert_int_equal(parse_ok("1700000000"), 1700000000);
    assert_int_equal(parse_ok("@0"), 0);
    assert_int_equal(parse_ok("0"), 0);
}

static void test_parse_time__bad_inputs__refused(void **st)
{
    (void)st;
    static const char *const bad[] = {
        "", "@", "x", "now", "@-5", "@1e9", "@17000000000000", "1700000000 ", " 1700000000",
        "2024-01-01", "2024-01-01T00:00:00", "2024-01-01T00:00Z", "2024-1-01T00:00:00Z",
        "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00+01", "2024-01-01T00:00:00+24:00",
        "2024-01-01T00:00:00+01:60", "2024-01-01T24:00:00Z", "2024-01-01T23:60:00Z",
        "2024-01-01T23:59:60Z", "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z",
        "2024-01-00T00:00:00Z", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00ZZ",
        "2024-01-01T00:00:00Z ", "2024-01-01X00:00:00Z", "+2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00+01:00x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        time_t t = 42;
        if (tp_cli_parse_time(bad[i], &t))
            fail_msg("'%s' was accepted as %lld", bad[i], (long long)t);
    }
    time_t t;
    assert_false(tp_cli_parse_time(NULL, &t));
}

static void test_parse_time__every_prefix__refused_or_read(void **st)
{
    (void)st;
    /* Cut a valid time at every length: never a crash, and only the full
     * string (and no shorter cut) is read. */
    const char *full = "2024-02-29T23:59:59.123+05:30";
    char buf[64];
    for (size_t n = 0; n < strlen(full); n++) {
        memcpy(buf, full, n);
        buf[n] = '\0';
        time_t t;
        if (tp_cli_parse_time(buf, &t) && strspn(buf, "0123456789") != n)
            fail_msg("prefix '%s' was accepted", buf);
    }
    assert_int_equal(parse_ok(full), 1709251199 - 19800);
}

static void test_opt_at__good_and_bad__status_and_value(void **st)
{
    (void)st;
    time_t t = 7;
    assert_int_equal(tp_cli_opt_at("check", "2024-01-01T00:00:00Z", &t), 0);
    assert_int_equal(t, 1704067200);
    t = 7;
    assert_int_equal(tp_cli_opt_at("check", "tomorrow", &t), -1);    /* message on stderr */
    assert_int_equal(t, 7);
    assert_int_equal(tp_cli_opt_at("check", "@0", &t), -1);          /* 0 would mean "now" */
    assert_int_equal(tp_cli_opt_at("check", "1969-12-31T23:59:59Z", &t), -1);
    assert_int_equal(tp_cli_opt_at("check", "@1", &t), 0);
    assert_int_equal(t, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_time__utc_z__epoch_seconds),
        cmocka_unit_test(test_parse_time__offsets__shifted_to_utc),
        cmocka_unit_test(test_parse_time__fractions__dropped),
        cmocka_unit_test(test_parse_time__leap_days__checked),
        cmocka_unit_test(test_parse_time__unix_seconds__read),
        cmocka_unit_test(test_parse_time__bad_inputs__refused),
        cmocka_unit_test(test_parse_time__every_prefix__refused_or_read),
        cmocka_unit_test(test_opt_at__good_and_bad__status_and_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
