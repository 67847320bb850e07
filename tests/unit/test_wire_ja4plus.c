/* JA4S (wire/ja.c) and JA4X (x509/ja4x.c) against the values FoxIO's reference
 * implementations publish for the sample captures of FoxIO-LLC/ja4.
 *
 * fixtures/ja4plus/reference.txt (its README says how the bytes were taken):
 * ServerHellos and certificates from the repository's pcap/ folder at commit
 * 0e54bc8371de34df94a35f2442c05bda2e8b2034, each with the JA4S or JA4X of its
 * stream in rust/ja4/src/snapshots/ja4__insta@<pcap>.snap, e.g.
 *   tls-alpn-h2.pcap      t1204h2_cca9_1428ce7b4018,
 *                         7d5dbb3783b4_ba7ce0880c07_7bf9a7bf7029 (cloudflare.com)
 *   tls-handshake.pcapng  t130200_1301_234ea6891581, t120300_c030_bec8bdbaef8a
 *   badcurveball.pcap     t1205h1_c02b_845f7282a956
 * With -DTP_JA4PLUS=OFF the same tests check that nothing is computed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/wire.h"
#include "tlsprobe/x509.h"
#include "testutil.h"

/* Each "kind expected hex" line of the reference file, in order. */
struct vec {
    char kind[16], want[40];
    uint8_t *bytes;
    size_t len;
};
#define MAX_VECS 32
static struct vec vecs[MAX_VECS];
static size_t n_vecs;

static int load(void **st)
{
    (void)st;
    size_t len;
    char *txt = (char *)tu_fixture("ja4plus/reference.txt", &len);
    if (!txt)
        return -1;
    char *save = NULL;
    for (char *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !line[0] || n_vecs == MAX_VECS)
            continue;
        struct vec *v = &vecs[n_vecs];
        char *hex = malloc(strlen(line) + 1);
        if (!hex || sscanf(line, "%15s %39s %s", v->kind, v->want, hex) != 3) {
            free(hex);
            free(txt);
            return -1;
        }
        v->bytes = tu_hex(hex, &v->len);
        free(hex);
        n_vecs++;
    }
    free(txt);
    return n_vecs ? 0 : -1;
}

static int unload(void **st)
{
    (void)st;
    for (size_t i = 0; i < n_vecs; i++)
        free(vecs[i].bytes);
    return 0;
}

static void parse_sh(const struct vec *v, struct tp_server_hello *sh)
{
    /* a handshake message: type 2 and a 24-bit length, then the body */
    assert_true(v->len > 4 && v->bytes[0] == 2);
    assert_int_equal(tp_server_hello_parse(tp_bytes_make(v->bytes + 4, v->len - 4), sh), TP_OK);
}

static void test_ja4s__foxio_reference_captures__published_values(void **st)
{
    (void)st;
    struct tp_ja_memo *jm = tp_ja_memo_new();
    assert_non_null(jm);
    size_t checked = 0;
    for (int pass = 0; pass < 2; pass++) { /* the second pass answers from the memo */
        for (size_t i = 0; i < n_vecs; i++) {
            if (strcmp(vecs[i].kind, "serverhello"))
                continue;
            struct tp_server_hello sh;
            parse_sh(&vecs[i], &sh);
            char a[40], b[40], ra[TP_JA4S_RAW_MAX], rb[TP_JA4S_RAW_MAX];
            bool oka = tp_ja4s(&sh, false, a, ra, sizeof ra);
            bool okb = tp_ja4s_memo(jm, &sh, false, b, rb, sizeof rb);
            assert_int_equal(oka, okb);
            assert_string_equal(a, b);
            assert_string_equal(ra, rb);
#if TP_JA4PLUS
            assert_true(oka);
            assert_string_equal(a, vecs[i].want);
            /* the raw form starts with the same two parts */
            assert_memory_equal(ra, a, 13);
            char q[40];
            assert_true(tp_ja4s(&sh, true, q, NULL, 0));
            assert_int_equal(q[0], 'q');
            assert_string_equal(q + 1, a + 1);
#else
            assert_false(oka);
            assert_string_equal(a, "");
            assert_string_equal(ra, "");
#endif
            checked++;
        }
    }
    assert_int_equal(checked, 2 * 6);
    tp_ja_memo_free(jm);
}

static void test_ja4s__raw_form__extensions_in_wire_order(void **st)
{
    (void)st;
    struct tp_server_hello sh;
    parse_sh(&vecs[0], &sh); /* tls-alpn-h2.pcap: 0000, ff01, 000b, 0010 */
    char fp[40], raw[TP_JA4S_RAW_MAX], small[20];
#if TP_JA4PLUS
    assert_true(tp_ja4s(&sh, false, fp, raw, sizeof raw));
    assert_string_equal(raw, "t1204h2_cca9_0000,ff01,000b,0010");
    /* a raw buffer too small: cut, reported, the fingerprint still whole */
    assert_false(tp_ja4s(&sh, false, fp, small, sizeof small));
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_string_equal(fp, "t1204h2_cca9_1428ce7b4018");
#else
    assert_false(tp_ja4s(&sh, false, fp, raw, sizeof raw));
    (void)small;
#endif
}

/* Every input counts, and a memo never answers for another hello. */
static void test_ja4s__each_input_changes_it__memo_agrees(void **st)
{
    (void)st;
    struct tp_ja_memo *jm = tp_ja_memo_new();
    assert_non_null(jm);
    struct tp_server_hello base;
    parse_sh(&vecs[0], &base);
    char ref[40], got[40], mem[40];
    (void)tp_ja4s(&base, false, ref, NULL, 0);
    static const uint8_t h3[] = { 'h', '3' }, one[] = { 'x' }, odd[] = { 0x20, 0xab };
    for (int c = 0; c < 7; c++) {
        struct tp_server_hello sh = base;
        const char *want = NULL;
        switch (c) {
        case 0: sh.suite = 0xc02f; want = "t1204h2_c02f_1428ce7b4018"; break;
        case 1: sh.version = 0x0304; want = "t1304h2_cca9_1428ce7b4018"; break;
        case 2: sh.ext.alpn.v[0] = tp_bytes_make(h3, 2); want = "t1204h3_cca9_1428ce7b4018"; break;
        case 3: sh.ext.alpn.v[0] = tp_bytes_make(one, 1); want = "t1204xx_cca9_1428ce7b4018"; break;
        case 4: /* not alphanumeric: the first and last digits of its hex */
            sh.ext.alpn.v[0] = tp_bytes_make(odd, 2); want = "t12042b_cca9_1428ce7b4018"; break;
        case 5: sh.ext.alpn.n = 0; want = "t120400_cca9_1428ce7b4018"; break;
        case 6: { /* order matters: swap the first two extensions */
            struct tp_ext t = sh.ext.all.items[0];
            sh.ext.all.items[0] = sh.ext.all.items[1];
            sh.ext.all.items[1] = t;
        } break;
        }
        for (int rep = 0; rep < 2; rep++) {
            bool ok = tp_ja4s(&sh, false, got, NULL, 0);
            assert_int_equal(ok, tp_ja4s_memo(jm, &sh, false, mem, NULL, 0));
            assert_string_equal(got, mem);
        }
#if TP_JA4PLUS
        if (want)
            assert_string_equal(got, want);
        else
            assert_string_not_equal(got + 13, ref + 13);
#else
        (void)want;
        (void)ref;
#endif
    }
    /* and the original again, after the others filled the memo */
    assert_int_equal(tp_ja4s(&base, false, got, NULL, 0), tp_ja4s_memo(jm, &base, false, mem, NULL, 0));
    assert_string_equal(got, mem);
    tp_ja_memo_free(jm);
}

static void test_ja4x__foxio_reference_captures__published_values(void **st)
{
    (void)st;
    size_t checked = 0;
    for (size_t i = 0; i < n_vecs; i++) {
        if (strcmp(vecs[i].kind, "certificate"))
            continue;
        char fp[40];
        uint8_t *der = tu_exact(vecs[i].bytes, vecs[i].len);
        bool ok = tp_cert_ja4x(der, vecs[i].len, fp);
#if TP_JA4PLUS
        assert_true(ok);
        assert_string_equal(fp, vecs[i].want);
#else
        assert_false(ok);
        assert_string_equal(fp, "");
#endif
        free(der);
        checked++;
    }
    assert_int_equal(checked, 6);
}

/* Cut at every length: never a crash, never an answer for a partial certificate;
 * the ServerHello parser fails or the fingerprint is still well formed. */
static void test_ja4s_ja4x__cut_at_every_length__no_answer_or_no_crash(void **st)
{
    (void)st;
    for (size_t i = 0; i < n_vecs; i++) {
        bool cert = !strcmp(vecs[i].kind, "certificate");
        size_t from = cert ? 0 : 4;
        for (size_t n = from; n < vecs[i].len; n++) {
            uint8_t *p = tu_exact(vecs[i].bytes + from, n - from);
            char fp[40];
            if (cert) {
                assert_false(tp_cert_ja4x(p, n - from, fp));
                assert_string_equal(fp, "");
            } else {
                struct tp_server_hello sh;
                if (tp_server_hello_parse(tp_bytes_make(p, n - from), &sh) == TP_OK) {
                    (void)tp_ja4s(&sh, false, fp, NULL, 0);
                    assert_true(strlen(fp) == 25 || !TP_JA4PLUS);
                }
            }
            free(p);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ja4s__foxio_reference_captures__published_values),
        cmocka_unit_test(test_ja4s__raw_form__extensions_in_wire_order),
        cmocka_unit_test(test_ja4s__each_input_changes_it__memo_agrees),
        cmocka_unit_test(test_ja4x__foxio_reference_captures__published_values),
        cmocka_unit_test(test_ja4s_ja4x__cut_at_every_length__no_answer_or_no_crash),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
