/* The --pass SPEC reader (x509/pass.c): every form, the first line only, the
 * errors, and that no message ever holds the secret. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tlsprobe/pkcs12.h"
#include "tlsprobe/limits.h"

static void expect_ok(const char *spec, const char *want)
{
    struct tp_secret s;
    char err[256];
    assert_int_equal(tp_pass_read(spec, &s, err, sizeof err), TP_OK);
    assert_non_null(s.text);
    assert_int_equal(s.len, strlen(want));
    assert_string_equal(s.text, want);
    tp_secret_wipe(&s);
    assert_null(s.text);
    assert_int_equal(s.len, 0);
}

static void expect_err(const char *spec, enum tp_err want, const char *in_msg, const char *secret)
{
    struct tp_secret s = { (char *)"stale", 5 };
    char err[256];
    assert_int_equal(tp_pass_read(spec, &s, err, sizeof err), want);
    assert_null(s.text);
    assert_non_null(strstr(err, in_msg));
    if (secret)
        assert_null(strstr(err, secret));
}

static void test_pass__pass_form__text_as_given(void **st)
{
    (void)st;
    expect_ok("pass:x", "x");
    expect_ok("pass:", "");
    expect_ok("pass:with:colons and spaces", "with:colons and spaces");
}

static void test_pass__env_form__variable_or_one_line_error(void **st)
{
    (void)st;
    setenv("TP_TEST_PW", "s3cret", 1);
    expect_ok("env:TP_TEST_PW", "s3cret");
    unsetenv("TP_TEST_PW");
    expect_err("env:TP_TEST_PW", TP_ERR_IO, "not set", NULL);
    expect_err("env:", TP_ERR_IO, "not set", NULL);
}

static void test_pass__file_form__first_line_without_newline(void **st)
{
    (void)st;
    char path[] = "/tmp/tp-pass-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char body[] = "first line\r\nsecond line\n";
    assert_int_equal(write(fd, body, sizeof body - 1), (ssize_t)(sizeof body - 1));
    close(fd);
    char spec[64];
    snprintf(spec, sizeof spec, "file:%s", path);
    expect_ok(spec, "first line");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("no newline", f);
    fclose(f);
    expect_ok(spec, "no newline");
    f = fopen(path, "w");
    fclose(f);
    expect_ok(spec, "");
    unlink(path);
    expect_err(spec, TP_ERR_IO, "No such file", NULL);
}

static void test_pass__fd_and_stdin__first_line_rest_left(void **st)
{
    (void)st;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "piped\nrest", 10), 10);
    close(p[1]);
    char spec[32];
    snprintf(spec, sizeof spec, "fd:%d", p[0]);
    expect_ok(spec, "piped");
    char rest[8] = "";
    assert_int_equal(read(p[0], rest, sizeof rest), 4); /* nothing after the line was consumed */
    assert_memory_equal(rest, "rest", 4);
    close(p[0]);
    /* stdin is descriptor 0 */
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "from stdin\n", 11), 11);
    close(p[1]);
    int saved = dup(0);
    assert_true(saved >= 0);
    assert_int_equal(dup2(p[0], 0), 0);
    close(p[0]);
    expect_ok("stdin", "from stdin");
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    assert_true(tp_pass_uses_stdin("stdin"));
    assert_true(tp_pass_uses_stdin("fd:0"));
    assert_false(tp_pass_uses_stdin("fd:3"));
    assert_false(tp_pass_uses_stdin("pass:stdin"));
    assert_false(tp_pass_uses_stdin(NULL));
}

static void test_pass__bad_forms__usage_error_without_the_secret(void **st)
{
    (void)st;
    expect_err("hunter2", TP_ERR_USAGE, "unknown form", "hunter2");
    expect_err("Pass:hunter2", TP_ERR_USAGE, "unknown form", "hunter2");
    expect_err("stdin:", TP_ERR_USAGE, "unknown form", NULL);
    expect_err("fd:", TP_ERR_USAGE, "descriptor number", NULL);
    expect_err("fd:abc", TP_ERR_USAGE, "descriptor number", NULL);
    expect_err("fd:99999999999", TP_ERR_USAGE, "descriptor number", NULL);
    expect_err("fd:1023", TP_ERR_IO, "fd:1023", NULL); /* not open */
    struct tp_secret s;
    char err[64];
    assert_int_equal(tp_pass_read(NULL, &s, err, sizeof err), TP_ERR_USAGE);
}

static void test_pass__over_the_limit__refused_not_cut(void **st)
{
    (void)st;
    char *spec = malloc(TP_MAX_PASS_LEN + 16);
    assert_non_null(spec);
    memcpy(spec, "pass:", 5);
    memset(spec + 5, 'a', TP_MAX_PASS_LEN);
    spec[5 + TP_MAX_PASS_LEN] = '\0';
    expect_ok(spec, spec + 5); /* exactly the limit */
    spec[5 + TP_MAX_PASS_LEN] = 'a';
    spec[6 + TP_MAX_PASS_LEN] = '\0';
    expect_err(spec, TP_ERR_LIMIT, "TP_MAX_PASS_LEN", "aaaa");
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], spec + 5, TP_MAX_PASS_LEN + 1), TP_MAX_PASS_LEN + 1);
    close(p[1]);
    char fdspec[32];
    snprintf(fdspec, sizeof fdspec, "fd:%d", p[0]);
    expect_err(fdspec, TP_ERR_LIMIT, "TP_MAX_PASS_LEN", NULL);
    close(p[0]);
    free(spec);
    struct tp_secret z = { 0 };
    tp_secret_wipe(&z); /* a zeroed secret */
    tp_secret_wipe(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass__pass_form__text_as_given),
        cmocka_unit_test(test_pass__env_form__variable_or_one_line_error),
        cmocka_unit_test(test_pass__file_form__first_line_without_newline),
        cmocka_unit_test(test_pass__fd_and_stdin__first_line_rest_left),
        cmocka_unit_test(test_pass__bad_forms__usage_error_without_the_secret),
        cmocka_unit_test(test_pass__over_the_limit__refused_not_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
