/* Targets and names as users write them (src/cli/target.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

static void expect_target(const char *arg, const char *host, unsigned port, bool is_ip, const char *unicode)
{
    struct tp_cli_target t;
    char err[512] = "";
    if (tp_cli_target_parse(arg, &t, err, sizeof err) != 0)
        fail_msg("'%s' refused: %s", arg, err);
    if (strcmp(t.host, host) != 0)
        fail_msg("'%s': host '%s', want '%s'", arg, t.host, host);
    assert_int_equal(t.port, port);
    assert_int_equal(t.is_ip, is_ip);
    assert_string_equal(t.unicode, unicode);
}

static void expect_refused(const char *arg, const char *why_has)
{
    struct tp_cli_target t;
    char err[512] = "";
    if (tp_cli_target_parse(arg, &t, err, sizeof err) == 0)
        fail_msg("'%s' accepted as host '%s' port %u", arg, t.host, t.port);
    if (!strstr(err, why_has))
        fail_msg("'%s': reason '%s' lacks '%s'", arg, err, why_has);
    assert_null(strchr(err, '\n'));
}

static void test_target__host_forms__parsed(void **st)
{
    (void)st;
    expect_target("example.com", "example.com", 443, false, "");
    expect_target("example.com:8443", "example.com", 8443, false, "");
    expect_target("127.0.0.1:4433", "127.0.0.1", 4433, true, "");
    expect_target("[::1]:4410", "::1", 4410, true, "");
    expect_target("[::1]", "::1", 443, true, "");
    expect_target("::1", "::1", 443, true, "");
    expect_target("2001:db8::1", "2001:db8::1", 443, true, "");
}

static void test_target__urls__scheme_gives_port(void **st)
{
    (void)st;
    expect_target("https://example.com/path?q=1#f", "example.com", 443, false, "");
    expect_target("https://example.com:8443/", "example.com", 8443, false, "");
    expect_target("HTTPS://example.com", "example.com", 443, false, "");
    expect_target("https://user:pw@example.com:9/x", "example.com", 9, false, "");
    expect_target("https://[::1]:4410/", "::1", 4410, true, "");
    expect_target("imaps://mail.example", "mail.example", 993, false, "");
    expect_target("ldaps://dir.example", "dir.example", 636, false, "");
    expect_target("smtps://mx.example", "mx.example", 465, false, "");
    expect_target("wss://ws.example/chat", "ws.example", 443, false, "");
}

static void test_target__trailing_dot__stripped(void **st)
{
    (void)st;
    expect_target("localhost.", "localhost", 443, false, "");
    expect_target("localhost.:4433", "localhost", 4433, false, "");
    expect_target("https://example.com./", "example.com", 443, false, "");
}

static void test_target__idn__a_label_and_u_label(void **st)
{
    (void)st;
    expect_target("bücher.example", "xn--bcher-kva.example", 443, false, "bücher.example");
    expect_target("BÜCHER.example:8443", "xn--bcher-kva.example", 8443, false, "BÜCHER.example");
    expect_target("https://bücher.example./", "xn--bcher-kva.example", 443, false, "bücher.example");
    expect_target("münchen.de", "xn--mnchen-3ya.de", 443, false, "münchen.de");
    /* Non-transitional (IDNA 2008 / UTS #46 as browsers do): ß stays ß. */
    expect_target("faß.de", "xn--fa-hia.de", 443, false, "faß.de");
    expect_target("xn--bcher-kva.example", "xn--bcher-kva.example", 443, false, "");
}

/* STARTTLS schemes: the scheme gives the port and the protocol. */
static void test_target__starttls_scheme__port_and_protocol(void **st)
{
    (void)st;
    static const struct {
        const char *arg;
        uint16_t port;
        int proto;
    } c[] = { { "smtp://mx.example", 25, TP_ST_SMTP },        { "submission://mx.example", 587, TP_ST_SMTP },
              { "imap://mail.example/INBOX", 143, TP_ST_IMAP }, { "postgres://db.example:6432/app", 6432, TP_ST_POSTGRES },
              { "ldap://dir.example", 389, TP_ST_LDAP },       { "https://www.example", 443, TP_ST_AUTO } };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct tp_cli_target t;
        char err[256];
        assert_int_equal(tp_cli_target_parse(c[i].arg, &t, err, sizeof err), 0);
        assert_int_equal(t.port, c[i].port);
        assert_int_equal(t.starttls, c[i].proto);
    }
    assert_int_equal(tp_starttls_for_port(25), TP_ST_SMTP);
    assert_int_equal(tp_starttls_for_port(5432), TP_ST_POSTGRES);
    assert_int_equal(tp_starttls_for_port(443), TP_ST_NONE);
    assert_int_equal(tp_starttls_parse("postgresql"), TP_ST_POSTGRES);
    assert_int_equal(tp_starttls_parse("NONE"), TP_ST_NONE);
    assert_int_equal(tp_starttls_parse("gopher"), -2);
    assert_string_equal(tp_starttls_proto_name(TP_ST_XMPP), "xmpp");
}

static void test_target__bad__refused_with_reason(void **st)
{
    (void)st;
    expect_refused("http://example.com/", "https://");
    expect_refused("mqtt://broker.example", "mqtts://");
    expect_refused("gopher://x", "unknown URL scheme");
    expect_refused("example.com/path", "give its scheme");
    expect_refused("example.com:0", "port");
    expect_refused("example.com:65536", "port");
    expect_refused("example.com:", "port");
    expect_refused("example.com:https", "port");
    expect_refused("[::1", "']'");
    expect_refused("[::1]x", "':PORT'");
    expect_refused("[not-v6]:443", "not an IPv6");
    expect_refused("::1::2", "IPv6");
    expect_refused("https://", "no host");
    expect_refused(":443", "no host");
    expect_refused("a b", "not a host name");
    expect_refused("\xff\xfe.example", "internationalised");
}

static void expect_endpoint(const char *arg, const char *want)
{
    char out[80], err[512] = "";
    if (tp_cli_endpoint_canon(arg, out, sizeof out, err, sizeof err) != 0)
        fail_msg("'%s' refused: %s", arg, err);
    assert_string_equal(out, want);
}

static void test_endpoint__forms__canonical_or_refused(void **st)
{
    (void)st;
    expect_endpoint("127.0.0.1:443", "127.0.0.1:443");
    expect_endpoint("[::1]:4410", "[::1]:4410");
    expect_endpoint("[0:0::0001]:4410", "[::1]:4410");
    expect_endpoint("[2001:DB8::1]:443", "[2001:db8::1]:443");
    char out[80], err[512];
    const char *bad[] = { "::1:4410", "localhost:443", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:x", "[::1]", "[::1]443",
                          "300.1.1.1:443", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        if (tp_cli_endpoint_canon(bad[i], out, sizeof out, err, sizeof err) == 0)
            fail_msg("'%s' accepted as '%s'", bad[i], out);
        assert_true(err[0] != 0);
    }
    tp_cli_endpoint_canon("::1:4410", out, sizeof out, err, sizeof err);
    assert_non_null(strstr(err, "[::1]:4410"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target__host_forms__parsed),
        cmocka_unit_test(test_target__urls__scheme_gives_port),
        cmocka_unit_test(test_target__trailing_dot__stripped),
        cmocka_unit_test(test_target__idn__a_label_and_u_label),
        cmocka_unit_test(test_target__starttls_scheme__port_and_protocol),
        cmocka_unit_test(test_target__bad__refused_with_reason),
        cmocka_unit_test(test_endpoint__forms__canonical_or_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
