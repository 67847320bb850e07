/* connect --proxy: the proxy URL as curl reads it, NO_PROXY as curl's
 * lib/noproxy.c matches it (cases from curl's tests/unit/unit1614.c behaviour
 * and its documentation), the environment's order, and the CONNECT reply's
 * status line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "probe/proxy.h"
#include "tlsprobe/probe.h"

static void test_proxy_url__forms__host_port_user_as_curl(void **state)
{
    (void)state;
    struct tp_proxy_url u;
    char err[200];
    assert_int_equal(tp_proxy_url_parse("http://proxy.test:3128", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "proxy.test");
    assert_int_equal(u.port, 3128);
    assert_false(u.has_user);
    assert_string_equal(u.shown, "http://proxy.test:3128");
    /* no scheme: http; no port: 1080 (curl's default); a path is ignored */
    assert_int_equal(tp_proxy_url_parse("proxy.test", &u, err, sizeof err), 0);
    assert_int_equal(u.port, 1080);
    assert_int_equal(tp_proxy_url_parse("HTTP://proxy.test:8080/", &u, err, sizeof err), 0);
    assert_int_equal(u.port, 8080);
    /* user info, percent-decoded; the password never shown */
    assert_int_equal(tp_proxy_url_parse("http://bob%40corp:p%3Ass%25w@10.0.0.1:3128", &u, err, sizeof err), 0);
    assert_true(u.has_user);
    assert_string_equal(u.user, "bob@corp");
    assert_string_equal(u.pass, "p:ss%w");
    assert_string_equal(u.host, "10.0.0.1");
    assert_null(strstr(u.shown, "ss"));
    assert_non_null(strstr(u.shown, ":***@"));
    /* the last '@' ends the user info */
    assert_int_equal(tp_proxy_url_parse("http://a@b:c@h:1", &u, err, sizeof err), 0);
    assert_string_equal(u.user, "a@b");
    assert_string_equal(u.pass, "c");
    assert_string_equal(u.host, "h");
    /* a user without a password */
    assert_int_equal(tp_proxy_url_parse("http://bob@h:1", &u, err, sizeof err), 0);
    assert_true(u.has_user);
    assert_string_equal(u.pass, "");
    /* IPv6 */
    assert_int_equal(tp_proxy_url_parse("http://[::1]:3128", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "::1");
    assert_string_equal(u.shown, "http://[::1]:3128");
    assert_int_equal(tp_proxy_url_parse("[fd00::2]", &u, err, sizeof err), 0);
    assert_int_equal(u.port, 1080);
}

static void test_proxy_url__bad__one_line_reasons(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "https://proxy:443", "socks5://h:1080", "socks5h://h", "ftp://h:21", "http://", "http://:3128",
        "http://h:0", "http://h:65536", "http://h:12a", "http://h:", "http://[::1", "http://[::1]x",
        "http://u:%zz@h:1", "http://u:%4@h:1", "http://u%00:p@h:1", "http://h o:1",
    };
    struct tp_proxy_url u;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[200] = "";
        assert_int_equal(tp_proxy_url_parse(bad[i], &u, err, sizeof err), -1);
        assert_true(err[0] != 0);
        assert_null(strchr(err, '\n'));
    }
}

/* curl's Curl_check_noproxy behaviour, case by case. */
static void test_noproxy__curl_cases__match_or_not(void **state)
{
    (void)state;
    static const struct {
        const char *host, *list;
        bool match;
    } cases[] = {
        { "www.example.com", "", false },
        { "www.example.com", "*", true },
        { "www.example.com", "*,other.test", false }, /* "*" only alone */
        { "example.com", "example.com", true },
        { "www.example.com", "example.com", true },    /* domain suffix */
        { "www.example.com", ".example.com", true },   /* leading dot ignored */
        { "example.com", ".example.com", true },
        { "nonexample.com", "example.com", false },    /* not on a label boundary */
        { "example.com", "www.example.com", false },
        { "WWW.EXAMPLE.COM", "example.com", true },    /* case-insensitive */
        { "www.example.com", "EXAMPLE.com", true },
        { "www.example.com.", "example.com", true },   /* trailing dots ignored */
        { "www.example.com", "example.com.", true },
        { "www.example.com", "other.test, example.com", true }, /* blanks around entries */
        { "www.example.com", "other.test,,example.com", true },
        { "www.example.com", "other.test example.com", false }, /* curl: no comma ends the list */
        { "www.example.com", "example.com:443", false },        /* an entry with a port never matches */
        { "localhost", "localhost", true },
        { "192.168.0.1", "192.168.0.1", true },
        { "192.168.0.1", "192.168.0.10", false },
        { "192.168.0.1", "192.168.0.0/16", true },     /* CIDR, curl 7.86 */
        { "192.169.0.1", "192.168.0.0/16", false },
        { "10.1.2.3", "10.0.0.0/8", true },
        { "10.1.2.3", "10.0.0.0/33", false },
        { "10.1.2.3", "10.1.2.3/32", true },
        { "10.1.2.3", "10.1.2.0/24,example.com", true },
        { "10.1.2.3", "0.0.0.0/0", false },            /* curl: /0 is the whole address */
        { "192.168.0.1", ".168.0.1", false },          /* no suffix matching for addresses */
        { "192.168.0.1", "localhost", false },
        { "::1", "::1", true },
        { "[::1]", "::1", true },
        { "fd00::1", "fd00::/8", true },
        { "fe80::1", "fd00::/8", false },
        { "2001:db8::5", "2001:db8::/33", true },      /* a partial last byte */
        { "2001:db8:8000::5", "2001:db8::/33", false },
        { "::1", "127.0.0.1", false },
        { "", "*", false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char m[64];
        bool got = tp_noproxy_match(cases[i].host, cases[i].list, m, sizeof m);
        if (got != cases[i].match)
            fail_msg("case %zu: '%s' in '%s': got %d", i, cases[i].host, cases[i].list, got);
        if (got)
            assert_true(m[0] != 0);
    }
    assert_false(tp_noproxy_match("h", NULL, NULL, 0));
    char m[64];
    assert_true(tp_noproxy_match("api.corp.test", "other.test, .corp.test", m, sizeof m));
    assert_string_equal(m, ".corp.test");
}

static void test_proxy_env__curl_order__lower_case_first(void **state)
{
    (void)state;
    const char *name = NULL;
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    assert_null(tp_proxy_env(&name));
    assert_null(tp_noproxy_env());
    setenv("ALL_PROXY", "http://all:1", 1);
    assert_string_equal(tp_proxy_env(&name), "http://all:1");
    assert_string_equal(name, "ALL_PROXY");
    setenv("HTTPS_PROXY", "http://upper:1", 1);
    assert_string_equal(tp_proxy_env(&name), "http://upper:1");
    setenv("https_proxy", "http://lower:1", 1);
    assert_string_equal(tp_proxy_env(&name), "http://lower:1");
    assert_string_equal(name, "https_proxy");
    setenv("https_proxy", "", 1); /* empty: skipped */
    assert_string_equal(name, "https_proxy");
    assert_string_equal(tp_proxy_env(&name), "http://upper:1");
    setenv("NO_PROXY", "a", 1);
    assert_string_equal(tp_noproxy_env(), "a");
    setenv("no_proxy", "b", 1);
    assert_string_equal(tp_noproxy_env(), "b");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("ALL_PROXY");
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
}

static void test_proxy_status_line__forms__code_and_reason(void **state)
{
    (void)state;
    char r[64];
    assert_int_equal(tp_proxy_status_line("HTTP/1.1 200 Connection established", r, sizeof r), 200);
    assert_string_equal(r, "Connection established");
    assert_int_equal(tp_proxy_status_line("HTTP/1.0 407 Proxy Authentication Required", r, sizeof r), 407);
    assert_int_equal(tp_proxy_status_line("HTTP/1.1 502", r, sizeof r), 502);
    assert_string_equal(r, "");
    assert_int_equal(tp_proxy_status_line("HTTP/1.1 200 ", r, sizeof r), 200);
    static const char *const bad[] = { "", "HTTP/1.1", "HTTP/1.1 20", "HTTP/1.1 2000 x", "HTTP/2 200 OK",
                                       "SSH-2.0-OpenSSH", "HTTP/1.1 099 x", "http/1.1 200 OK", "HTTP/1.1  200" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tp_proxy_status_line(bad[i], r, sizeof r), 0);
    /* cut at every length: never a crash, never a code from a prefix */
    const char *full = "HTTP/1.1 407 Proxy Authentication Required";
    char cut[64];
    for (size_t n = 0; n < 12; n++) {
        memcpy(cut, full, n);
        cut[n] = 0;
        assert_int_equal(tp_proxy_status_line(cut, NULL, 0), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proxy_url__forms__host_port_user_as_curl),
        cmocka_unit_test(test_proxy_url__bad__one_line_reasons),
        cmocka_unit_test(test_noproxy__curl_cases__match_or_not),
        cmocka_unit_test(test_proxy_env__curl_order__lower_case_first),
        cmocka_unit_test(test_proxy_status_line__forms__code_and_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
