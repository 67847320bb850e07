/* NSS key log: parse, lookup, add, write, load. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/session.h"
#include "testutil.h"

#define CR1 "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"
#define CR2 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define S32 "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"
#define S48 "7fcefeab4a8196a8371f703ef120f29f64f96104732f626e1f4ebc19ae1c0383204a9983742126474f2ea14c17f666de"

static const char good[] =
    "# SSL/TLS secrets log file\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR1 " " S32 "\r\n"
    "\n"
    "   # indented comment\n"
    "SERVER_TRAFFIC_SECRET_0\t" CR1 "  " S32 "\n"
    "CLIENT_RANDOM " CR2 " " S48 "\n"
    "RSA 0011223344556677 " S48 "\n"            /* a label we do not use: skipped */
    "CLIENT_RANDOM " CR2 "\n"                    /* bad: two fields */
    "CLIENT_RANDOM zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff " S48 "\n" /* bad hex */
    "CLIENT_RANDOM 0011 " S48 "\n"              /* bad: short client random */
    "CLIENT_RANDOM " CR1 " " S32 "\n"           /* bad: master secret must be 48 bytes */
    "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR1 " " S32 " extra\n" /* bad: trailing field */
    "EXPORTER_SECRET " CR1 " " S32;             /* no final newline */

static void test_keylog_parse__mixed_lines__good_kept_bad_counted(void **st)
{
    (void)st;
    struct tp_keylog *kl = NULL;
    assert_int_equal(tp_keylog_parse((const uint8_t *)good, strlen(good), &kl), TP_OK);
    assert_int_equal(tp_keylog_count(kl), 4);
    assert_int_equal(tp_keylog_bad_lines(kl), 5);
    size_t n;
    uint8_t *cr1 = tu_hex(CR1, &n), *cr2 = tu_hex(CR2, &n), *s32 = tu_hex(S32, &n), *s48 = tu_hex(S48, &n);
    uint8_t out[64];
    assert_int_equal(tp_keylog_get(kl, TP_SECRET_CLIENT_HANDSHAKE_TRAFFIC, cr1, out, sizeof out), 32);
    assert_memory_equal(out, s32, 32);
    assert_int_equal(tp_keylog_get(kl, TP_SECRET_SERVER_TRAFFIC_0, cr1, out, sizeof out), 32);
    assert_int_equal(tp_keylog_get(kl, TP_SECRET_EXPORTER, cr1, out, sizeof out), 32);
    assert_int_equal(tp_keylog_get(kl, TP_SECRET_SERVER_HANDSHAKE_TRAFFIC, cr1, out, sizeof out), 0);
    assert_int_equal(tp_keylog_get(kl, TP_SECRET_CLIENT_RANDOM, cr2, out, sizeof out), 48);
    assert_memory_equal(out, s48, 48);
    assert_int_equal(tp_keylog_get(kl, TP_SECRET_CLIENT_RANDOM, cr2, out, 47), 0); /* does not fit */
    assert_int_equal(tp_keylog_get(kl, TP_SECRET_CLIENT_RANDOM, cr1, out, sizeof out), 0);
    free(cr1); free(cr2); free(s32); free(s48);
    tp_keylog_free(kl);
}

static void test_keylog_parse__cut_at_every_length__no_crash(void **st)
{
    (void)st;
    size_t len = strlen(good);
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *c = tu_exact((const uint8_t *)good, cut);
        struct tp_keylog *kl = NULL;
        assert_int_equal(tp_keylog_parse(c, cut, &kl), TP_OK);
        assert_true(tp_keylog_count(kl) <= 4);
        tp_keylog_free(kl);
        free(c);
    }
}

static void test_keylog_add__many_sessions__all_found_and_duplicates_replace(void **st)
{
    (void)st;
    struct tp_keylog *kl = tp_keylog_new();
    uint8_t cr[32] = { 0 }, sec[48], out[48];
    for (uint32_t i = 0; i < 5000; i++) {
        memcpy(cr, &i, sizeof i);
        memset(sec, (int)(i & 0xff), sizeof sec);
        assert_int_equal(tp_keylog_add(kl, TP_SECRET_CLIENT_RANDOM, cr, sec, 48), TP_OK);
    }
    assert_int_equal(tp_keylog_count(kl), 5000);
    for (uint32_t i = 0; i < 5000; i++) {
        memcpy(cr, &i, sizeof i);
        assert_int_equal(tp_keylog_get(kl, TP_SECRET_CLIENT_RANDOM, cr, out, sizeof out), 48);
        assert_int_equal(out[47], i & 0xff);
    }
    memset(cr, 0, sizeof cr);
    memset(sec, 0xee, sizeof sec);
    assert_int_equal(tp_keylog_add(kl, TP_SECRET_CLIENT_RANDOM, cr, sec, 48), TP_OK);
    assert_int_equal(tp_keylog_count(kl), 5000);
    assert_int_equal(tp_keylog_get(kl, TP_SECRET_CLIENT_RANDOM, cr, out, sizeof out), 48);
    assert_int_equal(out[0], 0xee);
    /* bad arguments */
    assert_int_equal(tp_keylog_add(kl, TP_SECRET__COUNT, cr, sec, 48), TP_ERR_USAGE);
    assert_int_equal(tp_keylog_add(kl, TP_SECRET_EXPORTER, cr, sec, 0), TP_ERR_USAGE);
    uint8_t big[64] = { 0 };
    assert_int_equal(tp_keylog_add(kl, TP_SECRET_EXPORTER, cr, big, 64), TP_ERR_MALFORMED);
    tp_keylog_free(kl);
    tp_keylog_free(NULL);
    assert_int_equal(tp_keylog_count(NULL), 0);
}

static void test_keylog_write_session__lines_parse_back__same_secrets(void **st)
{
    (void)st;
    struct tp_keylog *kl = NULL;
    assert_int_equal(tp_keylog_parse((const uint8_t *)good, strlen(good), &kl), TP_OK);
    size_t n;
    uint8_t *cr1 = tu_hex(CR1, &n);
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    assert_true(tp_keylog_write_session(kl, cr1, f));
    fclose(f);
    assert_non_null(strstr(buf, "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR1 " " S32 "\n"));
    assert_non_null(strstr(buf, "SERVER_TRAFFIC_SECRET_0 " CR1 " " S32 "\n"));
    assert_non_null(strstr(buf, "EXPORTER_SECRET " CR1 " " S32 "\n"));
    assert_null(strstr(buf, "CLIENT_RANDOM"));
    struct tp_keylog *back = NULL;
    assert_int_equal(tp_keylog_parse((const uint8_t *)buf, blen, &back), TP_OK);
    assert_int_equal(tp_keylog_count(back), 3);
    assert_int_equal(tp_keylog_bad_lines(back), 0);
    uint8_t unknown[32] = { 1 };
    assert_false(tp_keylog_write_session(kl, unknown, stdout));
    free(buf);
    free(cr1);
    tp_keylog_free(back);
    tp_keylog_free(kl);
    assert_string_equal(tp_secret_label_name(TP_SECRET_CLIENT_HANDSHAKE_TRAFFIC), "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    assert_string_equal(tp_secret_label_name(TP_SECRET_CLIENT_RANDOM), "CLIENT_RANDOM");
}

static void test_keylog_traffic_keys__stored_per_secret__bounded_and_never_written(void **st)
{
    (void)st;
    struct tp_keylog *kl = tp_keylog_new();
    uint8_t sec[48], key[32], iv[12], k2[32], iv2[12];
    memset(key, 0x4b, sizeof key);
    memset(iv, 0x49, sizeof iv);
    /* bad arguments */
    memset(sec, 1, sizeof sec);
    assert_int_equal(tp_keylog_add_traffic_key(kl, sec, 20, false, key, 16), TP_ERR_USAGE);
    assert_int_equal(tp_keylog_add_traffic_key(kl, sec, 32, false, key, 24), TP_ERR_USAGE);
    assert_int_equal(tp_keylog_add_traffic_key(kl, sec, 32, true, iv, 16), TP_ERR_USAGE);
    assert_int_equal(tp_keylog_add_traffic_key(NULL, sec, 32, true, iv, 12), TP_ERR_USAGE);
    /* a key without its IV, or of another length, is not handed out */
    assert_int_equal(tp_keylog_add_traffic_key(kl, sec, 32, false, key, 16), TP_OK);
    assert_false(tp_keylog_traffic_keys(kl, sec, 32, 16, k2, iv2));
    assert_int_equal(tp_keylog_add_traffic_key(kl, sec, 32, true, iv, 12), TP_OK);
    assert_true(tp_keylog_traffic_keys(kl, sec, 32, 16, k2, iv2));
    assert_memory_equal(k2, key, 16);
    assert_memory_equal(iv2, iv, 12);
    assert_false(tp_keylog_traffic_keys(kl, sec, 32, 32, k2, iv2));
    assert_false(tp_keylog_traffic_keys(kl, sec, 48, 16, k2, iv2)); /* another secret */
    assert_false(tp_keylog_traffic_keys(NULL, sec, 32, 16, k2, iv2));
    /* eight secrets at most; the first ones stay */
    for (int i = 2; i <= 8; i++) {
        memset(sec, i, sizeof sec);
        assert_int_equal(tp_keylog_add_traffic_key(kl, sec, 48, false, key, 32), TP_OK);
    }
    memset(sec, 9, sizeof sec);
    assert_int_equal(tp_keylog_add_traffic_key(kl, sec, 48, false, key, 32), TP_ERR_LIMIT);
    memset(sec, 1, sizeof sec);
    assert_true(tp_keylog_traffic_keys(kl, sec, 32, 16, k2, iv2));
    /* not secrets of the NSS format: nothing counted, nothing written */
    assert_int_equal(tp_keylog_count(kl), 0);
    uint8_t cr[32] = { 0 };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_false(tp_keylog_write_session(kl, cr, f));
    fclose(f);
    assert_int_equal(len, 0);
    free(buf);
    tp_keylog_free(kl);
}

static void test_keylog_own_records__found_by_header_length_and_head__bounded(void **st)
{
    (void)st;
    struct tp_keylog *kl = tp_keylog_new();
    assert_non_null(kl);
    uint8_t hdr[5] = { 0x17, 3, 3, 0, 0 }, pt[4096], head[16];
    for (size_t i = 0; i < sizeof pt; i++)
        pt[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(tp_keylog_add_own_record(NULL, hdr, pt, 16), TP_ERR_USAGE);
    assert_int_equal(tp_keylog_add_own_record(kl, hdr, NULL, 16), TP_ERR_USAGE);
    /* TP_KEYLOG_OWN_RECORDS records of 4000 + i bytes, each with its own header and head */
    size_t total = 0;
    for (size_t i = 0; i < TP_KEYLOG_OWN_RECORDS; i++) {
        hdr[4] = (uint8_t)i;
        pt[0] = (uint8_t)i;
        assert_int_equal(tp_keylog_add_own_record(kl, hdr, pt, 4000 + i), TP_OK);
        total += 4000 + i;
    }
    assert_true(total <= TP_KEYLOG_OWN_BYTES);
    assert_int_equal(tp_keylog_add_own_record(kl, hdr, pt, 16), TP_ERR_LIMIT);
    for (size_t i = 0; i < TP_KEYLOG_OWN_RECORDS; i++) {
        hdr[4] = (uint8_t)i;
        memcpy(head, pt, 16);
        head[0] = (uint8_t)i;
        const uint8_t *got = tp_keylog_own_record(kl, hdr, 4000 + i, head);
        assert_non_null(got);
        assert_memory_equal(got, head, 16);
        assert_memory_equal(got + 16, pt + 16, 4000 + i - 16);
        assert_null(tp_keylog_own_record(kl, hdr, 4001 + i, head)); /* another length */
        head[15] ^= 1;
        assert_null(tp_keylog_own_record(kl, hdr, 4000 + i, head)); /* another head */
        head[15] ^= 1;
        hdr[1] = 1;
        assert_null(tp_keylog_own_record(kl, hdr, 4000 + i, head)); /* another header */
        hdr[1] = 3;
    }
    assert_null(tp_keylog_own_record(kl, hdr, 15, head)); /* shorter than a block: never */
    tp_keylog_free(kl);
    /* the byte bound */
    kl = tp_keylog_new();
    assert_non_null(kl);
    static uint8_t big[TP_KEYLOG_OWN_BYTES + 1];
    assert_int_equal(tp_keylog_add_own_record(kl, hdr, big, sizeof big), TP_ERR_LIMIT);
    assert_int_equal(tp_keylog_add_own_record(kl, hdr, big, TP_KEYLOG_OWN_BYTES), TP_OK);
    assert_int_equal(tp_keylog_add_own_record(kl, hdr, big, 1), TP_ERR_LIMIT);
    tp_keylog_free(kl);
}

static void test_keylog_load__fixture_and_missing_file(void **st)
{
    (void)st;
    struct tp_keylog *kl = NULL;
    char err[256];
    assert_int_equal(tp_keylog_load(TP_FIXTURES "/session/rfc8448_s3.keylog", &kl, err, sizeof err), TP_OK);
    assert_int_equal(tp_keylog_count(kl), 5);
    assert_int_equal(tp_keylog_bad_lines(kl), 0);
    tp_keylog_free(kl);
    kl = NULL;
    assert_int_equal(tp_keylog_load(TP_FIXTURES "/session/no-such.keylog", &kl, err, sizeof err), TP_ERR_IO);
    assert_null(kl);
    assert_non_null(strstr(err, "no-such.keylog"));
    /* a binary file is not a key log */
    assert_int_equal(tp_keylog_load(TP_FIXTURES "/session/tls13_chacha20.pcap", &kl, err, sizeof err),
                     TP_ERR_MALFORMED);
    assert_null(kl);
    assert_non_null(strstr(err, "not an NSS key log"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keylog_parse__mixed_lines__good_kept_bad_counted),
        cmocka_unit_test(test_keylog_parse__cut_at_every_length__no_crash),
        cmocka_unit_test(test_keylog_add__many_sessions__all_found_and_duplicates_replace),
        cmocka_unit_test(test_keylog_write_session__lines_parse_back__same_secrets),
        cmocka_unit_test(test_keylog_traffic_keys__stored_per_secret__bounded_and_never_written),
        cmocka_unit_test(test_keylog_own_records__found_by_header_length_and_head__bounded),
        cmocka_unit_test(test_keylog_load__fixture_and_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
