/* The STARTTLS watch of captures (src/wire/plainwatch.c): dialogues fed as a
 * capture delivers them — split anywhere, TLS bytes in the same segment as the
 * last plain line — and streams that are not STARTTLS. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "tlsprobe/plainwatch.h"

static struct tp_plainwatch w;
#define C 0 /* the client's side in these tests */
#define S 1

static enum tp_pw_result feed(int side, const char *bytes, size_t n, size_t *used)
{
    return tp_plainwatch_feed(&w, side, (const uint8_t *)bytes, n, 0, used);
}
#define FEED(side, lit, want) do { size_t u_; assert_int_equal(feed(side, lit, sizeof lit - 1, &u_), want); \
                                   if ((want) == TP_PW_MORE) assert_int_equal(u_, sizeof lit - 1); } while (0)

static const char hello[] = "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00"; /* a TLS handshake record */

static void test_smtp__split_greeting_and_tls_after_220__switches_both_sides(void **st)
{
    (void)st;
    size_t used = 99;
    tp_plainwatch_init(&w, C);
    FEED(S, "220 mail.exam", TP_PW_MORE);
    FEED(S, "ple ESMTP\r\n", TP_PW_MORE);
    assert_string_equal(tp_plainwatch_protocol(&w), "smtp");
    FEED(C, "EHLO me\r\n", TP_PW_MORE);
    FEED(S, "250-mail.example\r\n250-STARTTLS\r\n250 8BITMIME\r\n", TP_PW_MORE);
    FEED(C, "STARTTLS\r\n", TP_PW_MORE);
    /* the server's yes and (say) its first TLS bytes in one segment */
    assert_int_equal(feed(S, "220 2.0.0 Ready\r\n\x16\x03\x03", 20, &used), TP_PW_TLS);
    assert_int_equal(used, 17);
    assert_int_equal(feed(C, hello, sizeof hello - 1, &used), TP_PW_TLS);
    assert_int_equal(used, 0);
    assert_int_equal(w.n_lines, 7);
    assert_int_equal(w.lines[0].side, S);
    assert_memory_equal(w.lines[0].text, "220 mail.example ESMTP", w.lines[0].len);
    assert_int_equal(w.lines[5].side, C);
    assert_memory_equal(w.lines[5].text, "STARTTLS", 8);
}

static void test_smtp__refused__stays_plain(void **st)
{
    (void)st;
    tp_plainwatch_init(&w, C);
    FEED(S, "220 mx ESMTP\r\n", TP_PW_MORE);
    FEED(C, "STARTTLS\r\n", TP_PW_MORE);
    FEED(S, "454 4.7.0 TLS not available\r\n", TP_PW_MORE);
    FEED(C, "QUIT\r\n", TP_PW_MORE);
    FEED(S, "221 bye\r\n", TP_PW_MORE);
    assert_false(w.done[C] || w.done[S]);
}

static void test_ftp__auth_tls_234__switches(void **st)
{
    (void)st;
    size_t used;
    tp_plainwatch_init(&w, C);
    FEED(S, "220 ftp ready\r\n", TP_PW_MORE);
    FEED(C, "AUTH TLS\r\n", TP_PW_MORE);
    assert_string_equal(tp_plainwatch_protocol(&w), "ftp");
    FEED(S, "234 AUTH TLS OK\r\n", TP_PW_TLS);
    assert_int_equal(feed(C, hello, sizeof hello - 1, &used), TP_PW_TLS);
}

static void test_imap__tagged_ok__switches_untagged_ignored(void **st)
{
    (void)st;
    tp_plainwatch_init(&w, C);
    FEED(S, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n", TP_PW_MORE);
    FEED(C, "a1 STARTTLS\r\n", TP_PW_MORE);
    FEED(S, "* BYE not yet\r\n", TP_PW_MORE);
    FEED(S, "a1 OK Begin TLS\r\n", TP_PW_TLS);
    assert_string_equal(tp_plainwatch_protocol(&w), "imap");
}

static void test_postgres__sslrequest_split_and_S_with_tls__used_1(void **st)
{
    (void)st;
    size_t used;
    tp_plainwatch_init(&w, -1); /* no SYN: the dialogue says who the client is */
    FEED(C, "\x00\x00\x00", TP_PW_MORE);
    FEED(C, "\x08\x04\xd2\x16\x2f", TP_PW_MORE);
    assert_int_equal(w.client, C);
    assert_int_equal(feed(S, "S\x16\x03\x03", 4, &used), TP_PW_TLS);
    assert_int_equal(used, 1);
    assert_int_equal(feed(C, hello, sizeof hello - 1, &used), TP_PW_TLS);
    assert_string_equal(tp_plainwatch_protocol(&w), "postgres");
}

static void test_postgres__N__no_tls(void **st)
{
    (void)st;
    tp_plainwatch_init(&w, C);
    FEED(C, "\x00\x00\x00\x08\x04\xd2\x16\x2f", TP_PW_MORE);
    FEED(S, "N", TP_PW_MORE);
    /* the plain startup message follows: not a STARTTLS dialogue after all */
    FEED(C, "\x00\x00\x00\x29\x00\x03\x00\x00user", TP_PW_NOT);
}

static void test_mysql__sslrequest_and_clienthello_in_one_segment__used_36(void **st)
{
    (void)st;
    size_t used;
    /* Handshake v10: length 0x2c, sequence 0, protocol 10, "8.0", NUL, id,
     * auth data 1 (8), filler, capabilities low 0xffff (CLIENT_SSL set) */
    static const char greet[] = "\x1c\x00\x00\x00\x0a" "8.0\0" "\x01\x00\x00\x00" "abcdefgh" "\x00" "\xff\xff"
                                "\x21\x02\x00\x00\x00\x00\x00\x00\x00\x00";
    tp_plainwatch_init(&w, C);
    assert_int_equal(feed(S, greet, 32, &used), TP_PW_MORE);
    assert_string_equal(tp_plainwatch_protocol(&w), "mysql");
    char seg[36 + sizeof hello - 1];
    memset(seg, 0, 36);
    seg[0] = 32, seg[3] = 1, seg[4] = 0x01, seg[5] = (char)0x8a; /* CLIENT_SSL in 0x0800 */
    memcpy(seg + 36, hello, sizeof hello - 1);
    assert_int_equal(feed(C, seg, sizeof seg, &used), TP_PW_TLS);
    assert_int_equal(used, 36);
    assert_int_equal(feed(S, "\x16\x03\x03", 3, &used), TP_PW_TLS);
    assert_int_equal(used, 0);
}

static void test_ldap__extended_request_and_success__switches(void **st)
{
    (void)st;
    static const char req[] = "\x30\x1d\x02\x01\x01\x77\x18\x80\x16" "1.3.6.1.4.1.1466.20037";
    static const char resp[] = "\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00";
    tp_plainwatch_init(&w, C);
    size_t used;
    assert_int_equal(feed(C, req, sizeof req - 1, &used), TP_PW_MORE);
    assert_int_equal(feed(S, resp, sizeof resp - 1, &used), TP_PW_TLS);
    assert_int_equal(used, sizeof resp - 1);
    assert_memory_equal(w.lines[0].text, "ExtendedRequest StartTLS", 24);
}

static void test_xmpp__proceed__switches(void **st)
{
    (void)st;
    tp_plainwatch_init(&w, C);
    FEED(C, "<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client'>", TP_PW_MORE);
    FEED(S, "<?xml version='1.0'?><stream:stream from='example.com'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>", TP_PW_MORE);
    FEED(C, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", TP_PW_MORE);
    FEED(S, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", TP_PW_TLS);
    assert_string_equal(tp_plainwatch_protocol(&w), "xmpp");
}

static void test_not_starttls__http_and_garbage__not(void **st)
{
    (void)st;
    tp_plainwatch_init(&w, C);
    FEED(C, "GET / HTTP/1.1\r\n", TP_PW_NOT);
    tp_plainwatch_init(&w, C);
    FEED(S, "SSH-2.0-OpenSSH_9.2\r\n", TP_PW_NOT);
    /* a greeting from the side the SYN says is the client */
    tp_plainwatch_init(&w, C);
    FEED(C, "220 hello\r\n", TP_PW_NOT);
}

static void test_long_line__more_than_held__not(void **st)
{
    (void)st;
    static char big[TP_PW_BUF + 10];
    size_t used;
    tp_plainwatch_init(&w, C);
    memset(big, 'x', sizeof big);
    memcpy(big, "220 ", 4);
    assert_int_equal(feed(S, big, sizeof big, &used), TP_PW_NOT);
}

static void test_lines__beyond_the_cap__counted(void **st)
{
    (void)st;
    tp_plainwatch_init(&w, C);
    FEED(S, "220 x\r\n", TP_PW_MORE);
    for (int i = 0; i < TP_PW_LINES + 5; i++)
        FEED(C, "NOOP\r\n", TP_PW_MORE);
    assert_int_equal(w.n_lines, TP_PW_LINES);
    assert_int_equal(w.n_dropped, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smtp__split_greeting_and_tls_after_220__switches_both_sides),
        cmocka_unit_test(test_smtp__refused__stays_plain),
        cmocka_unit_test(test_ftp__auth_tls_234__switches),
        cmocka_unit_test(test_imap__tagged_ok__switches_untagged_ignored),
        cmocka_unit_test(test_postgres__sslrequest_split_and_S_with_tls__used_1),
        cmocka_unit_test(test_postgres__N__no_tls),
        cmocka_unit_test(test_mysql__sslrequest_and_clienthello_in_one_segment__used_36),
        cmocka_unit_test(test_ldap__extended_request_and_success__switches),
        cmocka_unit_test(test_xmpp__proceed__switches),
        cmocka_unit_test(test_not_starttls__http_and_garbage__not),
        cmocka_unit_test(test_long_line__more_than_held__not),
        cmocka_unit_test(test_lines__beyond_the_cap__counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
