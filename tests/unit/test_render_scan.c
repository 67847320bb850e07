/* tlsprobe scan's report (tp_render_scan) from a hand-built scan result: the text
 * sections with the suites in the order given and their marks, one JSON line with
 * every key of docs/schema/scan.schema.json, escaped host names, and the short
 * report of an unreachable server. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/diagnose.h"
#include "tlsprobe/render.h"
#include "tlsprobe/scan.h"
#include "testutil.h"

static struct tp_scan_result *mk(void)
{
    static const uint16_t vers[TP_SCAN_N_VERSIONS] = { 0x0300, 0x0301, 0x0302, 0x0303, 0x0304 };
    struct tp_scan_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    snprintf(r->host, sizeof r->host, "server.test");
    snprintf(r->address, sizeof r->address, "192.0.2.7");
    r->port = 8443;
    r->probes = 42;
    r->elapsed_us = 123456;
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++) {
        r->versions[i].version = vers[i];
        r->versions[i].accepted = TP_SCAN_NO;
    }
    r->versions[1].accepted = TP_SCAN_YES;
    r->versions[1].suites[0] = 0xc014;
    r->versions[1].suites[1] = 0x000a;
    r->versions[1].n_suites = 2;
    r->versions[1].server_order = TP_SCAN_YES;
    r->versions[1].suites_complete = true;
    r->versions[4].accepted = TP_SCAN_YES;
    r->versions[4].suites[0] = 0x1301;
    r->versions[4].n_suites = 1;
    r->versions[4].suites_complete = true;
    r->groups[0] = (struct tp_scan_group){ 0x001d, TP_SCAN_YES, TP_SCAN_NO };
    r->groups[1] = (struct tp_scan_group){ 0x0018, TP_SCAN_NO, TP_SCAN_NO };
    r->n_groups = 2;
    r->hybrid = (struct tp_scan_hybrid){ 0x11ec, TP_SCAN_NO, true, 0x001d, TP_SCAN_NO };
    r->tls13_default_group = 0x001d;
    r->sigalgs[0] = (struct tp_scan_sigalg){ 0x0403, TP_SCAN_YES, TP_SCAN_NOT_TESTED };
    r->n_sigalgs = 1;
    r->alpn[0] = (struct tp_scan_alpn){ "h2", TP_SCAN_YES };
    r->n_alpn = 1;
    r->misc_version = 0x0301;
    r->session_id = r->secure_renegotiation = TP_SCAN_YES;
    r->session_ticket = r->compression = TP_SCAN_NO;
    r->chains[0].key_type = "RSA";
    r->chains[0].found = TP_SCAN_NO;
    r->chains[1].key_type = "ECDSA";
    r->chains[2].key_type = "TLS 1.3";
    return r;
}

static void test_render_scan__text__sections_order_marks(void **state)
{
    (void)state;
    struct tp_scan_result *r = mk();
    struct tp_session *f = tp_diagnose_scan(r);
    struct tp_render_opts o = { .format = TP_FMT_TEXT, .width = 200 };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_scan(&sb, r, f, &o);
    const char *t = tp_sb_str(&sb);
    const char *want[] = { "scan server.test:8443 (192.0.2.7)  42 connections, 0.12 s\n",
                           "  TLS 1.0   yes  (deprecated)\n",
                           "  TLS 1.0  2 suites, server's order\n"
                           "    0xc014  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA  (weak)\n"
                           "    0x000a  TLS_RSA_WITH_3DES_EDE_CBC_SHA  (weak, no forward secrecy)\n",
                           "  x25519                TLS 1.3 yes",
                           "X25519MLKEM768 key share offered: not selected, HelloRetryRequest for x25519",
                           "  h2           yes\n",
                           "  RSA      none\n",
                           "  ECDSA    not tested",
                           "deprecated-version", "weak-cipher", "no-forward-secrecy" };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(t, want[i]))
            print_message("missing: %s\nin:\n%s\n", want[i], t);
        assert_non_null(strstr(t, want[i]));
    }
    assert_null(strstr(t, "secp384r1")); /* groups nobody accepted are not listed */
    assert_null(strstr(t, "\x1b"));      /* no colour unless asked */
    tp_sb_free(&sb);
    tp_session_free(f);
    free(r);
}

static void test_render_scan__json__one_line_every_key(void **state)
{
    (void)state;
    struct tp_scan_result *r = mk();
    snprintf(r->host, sizeof r->host, "a\"b\x01.test");
    struct tp_render_opts o = { .format = TP_FMT_JSON };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_scan(&sb, r, NULL, &o);
    const char *t = tp_sb_str(&sb);
    assert_non_null(strchr(t, '\n'));
    assert_int_equal(strchr(t, '\n') - t + 1, (long)strlen(t)); /* exactly one line */
    const char *keys[] = { "\"schema_version\":2", "\"type\":\"scan\"", "\"source\":\"scan\"",
                           "\"host\":\"a\\\"b\\u0001.test\"", "\"connection_count\":42", "\"elapsed_ms\":123.456",
                           "\"sslv2\":\"not tested\"", "\"server_order\":\"yes\"",
                           "{\"id\":\"0x000a\",\"name\":\"TLS_RSA_WITH_3DES_EDE_CBC_SHA\",\"weak\":true,\"forward_secrecy\":false}",
                           "\"hybrid\":{\"id\":\"0x11ec\",\"name\":\"X25519MLKEM768\",\"selected\":\"no\",\"hrr_group\":\"x25519\",\"preferred\":\"no\"}",
                           "\"tested_with\":\"TLS 1.0\"", "\"tls13_psk\":\"not tested\"",
                           "{\"key_type\":\"RSA\",\"found\":\"no\",\"version\":null,\"suite\":null,\"chain\":[]}",
                           "\"findings\":[]" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (!strstr(t, keys[i]))
            print_message("missing: %s\nin: %s\n", keys[i], t);
        assert_non_null(strstr(t, keys[i]));
    }
    tp_sb_free(&sb);
    free(r);
}

static void test_render_scan__unreachable__short(void **state)
{
    (void)state;
    struct tp_scan_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    snprintf(r->host, sizeof r->host, "down.test");
    r->port = 443;
    r->unreachable = true;
    snprintf(r->error, sizeof r->error, "connect: Connection refused");
    struct tp_render_opts o = { .format = TP_FMT_TEXT };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_scan(&sb, r, NULL, &o);
    assert_non_null(strstr(tp_sb_str(&sb), "  no answer: connect: Connection refused\n"));
    assert_null(strstr(tp_sb_str(&sb), "Protocols"));
    tp_sb_reset(&sb);
    o.format = TP_FMT_JSON;
    tp_render_scan(&sb, r, NULL, &o);
    assert_non_null(strstr(tp_sb_str(&sb), "\"protocols\":[]"));
    assert_non_null(strstr(tp_sb_str(&sb), "\"certificates\":[]"));
    assert_non_null(strstr(tp_sb_str(&sb), "\"address\":null"));
    tp_sb_free(&sb);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_scan__text__sections_order_marks),
        cmocka_unit_test(test_render_scan__json__one_line_every_key),
        cmocka_unit_test(test_render_scan__unreachable__short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
