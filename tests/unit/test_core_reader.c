#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <stdlib.h>
#include "tlsprobe/reader.h"
#include "tlsprobe/strbuf.h"
#include "testutil.h"

static void test_reader__ints__big_endian(void **st)
{
    (void)st;
    const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    struct tp_reader r;
    tp_reader_init(&r, b, sizeof b);
    uint8_t u8; uint16_t u16; uint32_t u24, u32;
    assert_true(tp_read_u8(&r, &u8));
    assert_true(tp_read_u16(&r, &u16));
    assert_true(tp_read_u24(&r, &u24));
    assert_true(tp_read_u32(&r, &u32));
    assert_int_equal(u8, 1);
    assert_int_equal(u16, 0x0203);
    assert_int_equal(u24, 0x040506);
    assert_int_equal(u32, 0x0708090a);
    assert_true(tp_reader_done(&r));
}

static void test_reader__past_end__truncated_and_sticky(void **st)
{
    (void)st;
    const uint8_t b[] = { 0xff, 0xee };
    struct tp_reader r;
    tp_reader_init(&r, b, sizeof b);
    uint32_t v = 123;
    assert_false(tp_read_u24(&r, &v));
    assert_int_equal(v, 0);
    assert_int_equal(r.err, TP_ERR_TRUNCATED);
    uint8_t u8 = 7;
    assert_false(tp_read_u8(&r, &u8)); /* sticky even though a byte is left */
    assert_int_equal(u8, 0);
    assert_int_equal(tp_reader_left(&r), 0);
}

static void test_reader__vec16__bounded_subreader(void **st)
{
    (void)st;
    const uint8_t b[] = { 0x00, 0x02, 0xaa, 0xbb, 0xcc };
    struct tp_reader r, sub;
    tp_reader_init(&r, b, sizeof b);
    assert_true(tp_read_vec16(&r, &sub));
    assert_int_equal(tp_reader_left(&sub), 2);
    uint16_t v;
    assert_true(tp_read_u16(&sub, &v));
    assert_int_equal(v, 0xaabb);
    assert_false(tp_read_u8(&sub, &(uint8_t){ 0 })); /* bounded: 0xcc is not in sub */
    assert_int_equal(sub.err, TP_ERR_TRUNCATED);
    assert_true(tp_reader_ok(&r));
    assert_false(tp_reader_join(&r, &sub));
    assert_int_equal(r.err, TP_ERR_TRUNCATED);
}

static void test_reader__vec_length_beyond_input__truncated(void **st)
{
    (void)st;
    const uint8_t b[] = { 0x00, 0x00, 0x10, 0x01 };
    struct tp_reader r;
    struct tp_bytes out;
    tp_reader_init(&r, b, sizeof b);
    assert_false(tp_read_vec24_bytes(&r, &out));
    assert_null(out.p);
    assert_int_equal(out.len, 0);
    assert_int_equal(r.err, TP_ERR_TRUNCATED);
}

static void test_reader__fail__first_error_sticks(void **st)
{
    (void)st;
    struct tp_reader r;
    tp_reader_init(&r, (const uint8_t *)"ab", 2);
    tp_reader_fail(&r, TP_ERR_MALFORMED);
    tp_reader_fail(&r, TP_ERR_TRUNCATED);
    assert_int_equal(r.err, TP_ERR_MALFORMED);
    assert_false(tp_reader_expect_end(&r));
}

static void test_reader__expect_end__trailing_is_malformed(void **st)
{
    (void)st;
    struct tp_reader r;
    tp_reader_init(&r, (const uint8_t *)"abc", 3);
    assert_true(tp_read_skip(&r, 2));
    assert_false(tp_reader_expect_end(&r));
    assert_int_equal(r.err, TP_ERR_MALFORMED);
}

static void test_reader__every_cut__truncated_never_crash(void **st)
{
    (void)st;
    const uint8_t full[] = { 0x01, 0x00, 0x03, 'a', 'b', 'c', 0x02, 'x', 'y', 0x00, 0x00, 0x01, 'z', 0x07 };
    for (size_t cut = 0; cut < sizeof full; cut++) {
        uint8_t *b = tu_exact(full, cut);
        struct tp_reader r;
        struct tp_bytes v;
        uint8_t u8;
        tp_reader_init(&r, b, cut);
        tp_read_u8(&r, &u8);
        tp_read_vec16_bytes(&r, &v);
        tp_read_vec8_bytes(&r, &v);
        tp_read_vec24_bytes(&r, &v);
        tp_read_u8(&r, &u8);
        assert_int_equal(r.err, TP_ERR_TRUNCATED);
        free(b);
    }
}

static void test_strbuf__escape__controls_and_nul_shown(void **st)
{
    (void)st;
    struct tp_sb sb;
    tp_sb_init(&sb);
    const uint8_t in[] = { 'a', 0x1b, '[', '3', '1', 'm', 0, 'b', '\\', 0xc3, 0xa9, 0xff, 0xe2, 0x80, 0xae };
    tp_sb_put_escaped(&sb, in, sizeof in);
    assert_string_equal(tp_sb_str(&sb), "a\\x1b[31m\\x00b\\\\\xc3\xa9\\xff\\xe2\\x80\\xae");
    tp_sb_reset(&sb);
    tp_sb_put_json(&sb, in, sizeof in);
    assert_string_equal(tp_sb_str(&sb), "\"a\\u001b[31m\\u0000b\\\\\xc3\xa9\\u00ff\\u202e\"");
    tp_sb_free(&sb);
}

static void test_strbuf__hex__separators_across_chunks(void **st)
{
    (void)st;
    uint8_t in[150];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 37);
    for (size_t n = 0; n <= sizeof in; n += (n < 70 ? 1 : 40)) {
        struct tp_sb a, b;
        tp_sb_init(&a);
        tp_sb_init(&b);
        tp_sb_put_hex(&a, in, n, ':');
        tp_sb_put_hex(&b, in, n, 0);
        /* the reference: byte by byte */
        char want[3 * sizeof in + 1] = "", want0[2 * sizeof in + 1] = "";
        for (size_t i = 0; i < n; i++) {
            snprintf(want + strlen(want), 4, i + 1 < n ? "%02x:" : "%02x", in[i]);
            snprintf(want0 + 2 * i, 3, "%02x", in[i]);
        }
        assert_string_equal(tp_sb_str(&a), want);
        assert_string_equal(tp_sb_str(&b), want0);
        tp_sb_free(&a);
        tp_sb_free(&b);
    }
}

static void test_strbuf__cap__marks_truncation(void **st)
{
    (void)st;
    struct tp_sb sb;
    tp_sb_init(&sb);
    sb.max = 8;
    tp_sb_put(&sb, "0123456789");
    tp_sb_put(&sb, "more");
    assert_true(sb.truncated);
    assert_string_equal(tp_sb_str(&sb), "01234567…[truncated]");
    tp_sb_free(&sb);
}

static void test_strbuf__printf__same_as_snprintf(void **st)
{
    (void)st;
    struct tp_sb sb;
    tp_sb_init(&sb);
    char want[512];
    const char *key = "cipher_suite";
    /* The fast path (keys, integers, zero padding, hex) and the fallback. */
    tp_sb_printf(&sb, "\"%s\":", key);
    tp_sb_printf(&sb, "%llu|%lld|%lld.%03lld|", 18446744073709551615ULL, -9223372036854775807LL - 1,
                 12LL, 7LL);
    tp_sb_printf(&sb, "%d|%i|%u|%x|%02x|%04x|%5d|%05d|%-4d|%zu|%ld|%lu|%%|%c|%s|%.2f|%3s",
                 -42, 0, 4000000000u, 0xbeefu, 0xau, 0xabcu, -17, -17, 3, (size_t)99, -1L,
                 123456789UL, 'z', "", 1.5, "ab");
    snprintf(want, sizeof want, "\"%s\":%llu|%lld|%lld.%03lld|%d|%i|%u|%x|%02x|%04x|%5d|%05d|%-4d|%zu|%ld|%lu|%%|%c|%s|%.2f|%3s",
             key, 18446744073709551615ULL, -9223372036854775807LL - 1, 12LL, 7LL, -42, 0,
             4000000000u, 0xbeefu, 0xau, 0xabcu, -17, -17, 3, (size_t)99, -1L, 123456789UL, 'z', "",
             1.5, "ab");
    assert_string_equal(tp_sb_str(&sb), want);
    /* The single-conversion shortcuts. */
    tp_sb_reset(&sb);
    tp_sb_printf(&sb, "%llu", 0ULL);
    tp_sb_printf(&sb, "%lld", -9223372036854775807LL - 1);
    tp_sb_printf(&sb, "%lld", 0LL);
    tp_sb_printf(&sb, "%llu", 18446744073709551615ULL);
    tp_sb_printf(&sb, "%lld", 42LL);
    assert_string_equal(tp_sb_str(&sb), "0-92233720368547758080184467440737095516154" "2");
    tp_sb_free(&sb);
}

static void test_strbuf__json_runs__escapes_between_runs(void **st)
{
    (void)st;
    struct tp_sb sb;
    tp_sb_init(&sb);
    const uint8_t in[] = "plain \"quoted\" back\\slash\ttab\nnl\r end \x7f\xf0\x9f\x98\x80!";
    tp_sb_put_json(&sb, in, sizeof in - 1);
    assert_string_equal(tp_sb_str(&sb),
                        "\"plain \\\"quoted\\\" back\\\\slash\\ttab\\nnl\\r end \\u007f\xf0\x9f\x98\x80!\"");
    tp_sb_reset(&sb);
    tp_sb_put_escaped(&sb, in, sizeof in - 1);
    assert_string_equal(tp_sb_str(&sb),
                        "plain \"quoted\" back\\\\slash\\x09tab\\x0anl\\x0d end \\x7f\xf0\x9f\x98\x80!");
    tp_sb_free(&sb);
    /* A cap that falls inside a run truncates at the same byte as before. */
    tp_sb_init(&sb);
    sb.max = 5;
    tp_sb_put_json(&sb, in, sizeof in - 1);
    assert_true(sb.truncated);
    assert_string_equal(tp_sb_str(&sb), "\"plai…[truncated]");
    tp_sb_free(&sb);
}

static void test_strbuf__json_every_byte__escaped_as_specified(void **st)
{
    (void)st;
    struct tp_sb sb;
    tp_sb_init(&sb);
    /* every byte at every offset of a 24-byte run of safe text: the word-at-a-time
     * scan (8 bytes) must stop for exactly the bytes the table escapes */
    for (unsigned c = 0; c < 256; c++)
        for (size_t pos = 0; pos < 24; pos++) {
            uint8_t in[24];
            memset(in, 'x', sizeof in);
            in[pos] = (uint8_t)c;
            tp_sb_reset(&sb);
            tp_sb_put_json(&sb, in, sizeof in);
            const char *got = tp_sb_str(&sb);
            bool plain = c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
            assert_int_equal(tp_json_plain(in, sizeof in), plain);
            assert_int_equal(tp_json_plain(in + pos, 1), plain);
            assert_int_equal(strlen(got), plain ? 26 : c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r' ? 27 : 31);
            assert_int_equal(strspn(got + 1, "x"), c == 'x' ? 24 : pos);
        }
    for (unsigned c = 0; c < 256; c++) {
        const uint8_t in[3] = { 'a', (uint8_t)c, 'b' };
        char mid[16];
        if (c == '"' || c == '\\')
            snprintf(mid, sizeof mid, "\\%c", (char)c);
        else if (c >= 0x20 && c < 0x7F)
            snprintf(mid, sizeof mid, "%c", (char)c);
        else if (c == '\n' || c == '\t' || c == '\r')
            snprintf(mid, sizeof mid, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
        else
            snprintf(mid, sizeof mid, "\\u%04x", c);
        char want[32];
        snprintf(want, sizeof want, "\"a%sb\"", mid);
        tp_sb_reset(&sb);
        tp_sb_put_json(&sb, in, sizeof in);
        assert_string_equal(tp_sb_str(&sb), want);
    }
    tp_sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader__ints__big_endian),
        cmocka_unit_test(test_reader__past_end__truncated_and_sticky),
        cmocka_unit_test(test_reader__vec16__bounded_subreader),
        cmocka_unit_test(test_reader__vec_length_beyond_input__truncated),
        cmocka_unit_test(test_reader__fail__first_error_sticks),
        cmocka_unit_test(test_reader__expect_end__trailing_is_malformed),
        cmocka_unit_test(test_reader__every_cut__truncated_never_crash),
        cmocka_unit_test(test_strbuf__escape__controls_and_nul_shown),
        cmocka_unit_test(test_strbuf__hex__separators_across_chunks),
        cmocka_unit_test(test_strbuf__cap__marks_truncation),
        cmocka_unit_test(test_strbuf__printf__same_as_snprintf),
        cmocka_unit_test(test_strbuf__json_runs__escapes_between_runs),
        cmocka_unit_test(test_strbuf__json_every_byte__escaped_as_specified),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
