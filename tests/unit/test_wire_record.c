/* Record layer, handshake framing, reassembly, Alert, ChangeCipherSpec; and the
 * captured TLS 1.2 streams in fixtures/wire/ (fixtures/wire/make_tls12.sh) walked
 * record by record. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/wire.h"
#include "tlsprobe/names.h"
#include "testutil.h"

static void test_record__valid__parsed_and_used(void **st)
{
    (void)st;
    const uint8_t in[] = { 0x16, 0x03, 0x01, 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x17 };
    struct tp_record rec;
    size_t used = 0;
    assert_int_equal(tp_record_parse(in, sizeof in, &rec, &used), TP_OK);
    assert_int_equal(rec.type, TP_CT_HANDSHAKE);
    assert_int_equal(rec.version, 0x0301);
    assert_int_equal(rec.body.len, 3);
    assert_ptr_equal(rec.body.p, in + 5);
    assert_int_equal(used, 8);
}

static void test_record__every_cut__truncated_with_needed_length(void **st)
{
    (void)st;
    const uint8_t full[] = { 0x17, 0x03, 0x03, 0x00, 0x04, 1, 2, 3, 4 };
    for (size_t n = 0; n < sizeof full; n++) {
        uint8_t *p = tu_exact(full, n);
        struct tp_record rec;
        size_t used = 0;
        assert_int_equal(tp_record_parse(p, n, &rec, &used), TP_ERR_TRUNCATED);
        assert_int_equal(used, n < 5 ? 5 : 9);
        assert_null(rec.body.p);
        free(p);
    }
}

static void test_record__bad_type_or_major__malformed_early(void **st)
{
    (void)st;
    const uint8_t http[] = "GET / HTTP/1.1\r\n";
    const uint8_t ssh[] = "SSH-2.0-OpenSSH";
    const uint8_t badmajor[] = { 0x16, 0x02 };
    struct tp_record rec;
    size_t used;
    assert_int_equal(tp_record_parse(http, 1, &rec, &used), TP_ERR_MALFORMED);
    assert_int_equal(tp_record_parse(ssh, sizeof ssh - 1, &rec, &used), TP_ERR_MALFORMED);
    assert_int_equal(tp_record_parse(badmajor, 2, &rec, &used), TP_ERR_MALFORMED);
}

static void test_record__length_over_limit__limit(void **st)
{
    (void)st;
    uint8_t in[5] = { 0x17, 0x03, 0x03, 0, 0 };
    struct tp_record rec;
    size_t used;
    in[3] = (TP_MAX_RECORD_LEN + 1) >> 8;
    in[4] = (TP_MAX_RECORD_LEN + 1) & 0xff;
    assert_int_equal(tp_record_parse(in, 5, &rec, &used), TP_ERR_LIMIT);
    assert_false(tp_record_header_plausible(in, 5));
    in[3] = TP_MAX_RECORD_LEN >> 8;
    in[4] = TP_MAX_RECORD_LEN & 0xff;
    assert_int_equal(tp_record_parse(in, 5, &rec, &used), TP_ERR_TRUNCATED);
    assert_int_equal(used, 5 + TP_MAX_RECORD_LEN);
    assert_true(tp_record_header_plausible(in, 5));
}

static void test_record_plausible__various__only_tls_headers(void **st)
{
    (void)st;
    const uint8_t ok[] = { 0x16, 0x03, 0x01, 0x02, 0x00 };
    const uint8_t v305[] = { 0x16, 0x03, 0x05, 0x00, 0x10 };
    const uint8_t t25[] = { 0x19, 0x03, 0x03, 0x00, 0x10 };
    const uint8_t http[] = "HTTP/";
    assert_true(tp_record_header_plausible(ok, 5));
    assert_false(tp_record_header_plausible(ok, 4));
    assert_false(tp_record_header_plausible(v305, 5));
    assert_false(tp_record_header_plausible(t25, 5));
    assert_false(tp_record_header_plausible(http, 5));
    assert_false(tp_record_header_plausible(NULL, 0));
}

static void test_sslv2_detect__v2_hello__detected(void **st)
{
    (void)st;
    /* Two-byte header 0x802e: msg_type 1, version 3.1, 9 + specs/challenge */
    const uint8_t v2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10 };
    const uint8_t tls[] = { 0x16, 0x03, 0x01, 0x00, 0x10 };
    assert_true(tp_sslv2_hello_detect(v2, sizeof v2));
    assert_false(tp_sslv2_hello_detect(v2, 4));
    assert_false(tp_sslv2_hello_detect(tls, sizeof tls));
}

static void test_hs_header__exact_and_coalesced__ok(void **st)
{
    (void)st;
    const uint8_t in[] = { 14, 0, 0, 0, 20, 0, 0, 2, 0xaa, 0xbb };
    struct tp_hs_header h;
    assert_int_equal(tp_hs_header_parse(tp_bytes_make(in, sizeof in), &h), TP_OK);
    assert_int_equal(h.type, TP_HS_SERVER_HELLO_DONE);
    assert_int_equal(h.length, 0);
    assert_int_equal(tp_hs_header_parse(tp_bytes_make(in + 4, 6), &h), TP_OK);
    assert_int_equal(h.type, TP_HS_FINISHED);
    assert_int_equal(h.body.len, 2);
    for (size_t n = 4; n < 6; n++)
        assert_int_equal(tp_hs_header_parse(tp_bytes_make(in + 4, n), &h), TP_ERR_TRUNCATED);
    for (size_t n = 0; n < 4; n++)
        assert_int_equal(tp_hs_header_parse(tp_bytes_make(in, n), &h), TP_ERR_TRUNCATED);
}

static void test_reasm__split_and_coalesced__messages_in_order(void **st)
{
    (void)st;
    /* Two messages: type 2 len 3, type 14 len 0, delivered byte by byte. */
    const uint8_t stream[] = { 2, 0, 0, 3, 'a', 'b', 'c', 14, 0, 0, 0 };
    struct tp_hs_reasm ra;
    struct tp_bytes msg;
    int got = 0;
    tp_hs_reasm_init(&ra);
    for (size_t i = 0; i < sizeof stream; i++) {
        assert_int_equal(tp_hs_reasm_push(&ra, tp_bytes_make(stream + i, 1)), TP_OK);
        enum tp_err e;
        while ((e = tp_hs_reasm_next(&ra, &msg)) == TP_OK) {
            if (got == 0) {
                assert_int_equal(i, 6);
                assert_int_equal(msg.len, 7);
                assert_memory_equal(msg.p, stream, 7);
            } else {
                assert_int_equal(i, 10);
                assert_int_equal(msg.len, 4);
                assert_int_equal(msg.p[0], 14);
            }
            got++;
        }
        assert_int_equal(e, TP_ERR_TRUNCATED);
    }
    assert_int_equal(got, 2);
    assert_int_equal(tp_hs_reasm_pending(&ra), 0);
    /* all at once */
    tp_hs_reasm_reset(&ra);
    assert_int_equal(tp_hs_reasm_push(&ra, tp_bytes_make(stream, sizeof stream)), TP_OK);
    assert_int_equal(tp_hs_reasm_next(&ra, &msg), TP_OK);
    assert_int_equal(tp_hs_reasm_next(&ra, &msg), TP_OK);
    assert_int_equal(tp_hs_reasm_next(&ra, &msg), TP_ERR_TRUNCATED);
    tp_hs_reasm_free(&ra);
    tp_hs_reasm_free(NULL);
}

static void test_reasm__16mb_claim__limit_without_allocation(void **st)
{
    (void)st;
    const uint8_t hdr[] = { 11, 0xff, 0xff, 0xff, 0x30, 0x82 };
    struct tp_hs_reasm ra;
    struct tp_bytes msg;
    tp_hs_reasm_init(&ra);
    assert_int_equal(tp_hs_reasm_push(&ra, tp_bytes_make(hdr, sizeof hdr)), TP_OK);
    assert_int_equal(tp_hs_reasm_next(&ra, &msg), TP_ERR_LIMIT);
    assert_true(ra.cap <= 4096);
    tp_hs_reasm_free(&ra);
}

static void test_reasm__beyond_cap__limit(void **st)
{
    (void)st;
    /* A message that claims exactly the maximum is buffered; pushing more than
     * the cap in total is refused. */
    static uint8_t rec[TP_MAX_RECORD_LEN];
    struct tp_hs_reasm ra;
    struct tp_bytes msg;
    size_t pushed = 0;
    enum tp_err e = TP_OK;
    memset(rec, 0x41, sizeof rec);
    rec[0] = 11;
    rec[1] = (TP_MAX_HANDSHAKE_MSG >> 16) & 0xff;
    rec[2] = (TP_MAX_HANDSHAKE_MSG >> 8) & 0xff;
    rec[3] = TP_MAX_HANDSHAKE_MSG & 0xff;
    tp_hs_reasm_init(&ra);
    while (pushed < 2 * TP_MAX_HANDSHAKE_MSG) {
        e = tp_hs_reasm_push(&ra, tp_bytes_make(rec, 16384));
        if (e != TP_OK)
            break;
        memset(rec, 0x41, 4);
        pushed += 16384;
        if (pushed >= 4 + (size_t)TP_MAX_HANDSHAKE_MSG) {
            assert_int_equal(tp_hs_reasm_next(&ra, &msg), TP_OK);
            assert_int_equal(msg.len, 4 + TP_MAX_HANDSHAKE_MSG);
            /* the rest is a message claiming 0x414141 bytes > cap */
            assert_int_equal(tp_hs_reasm_next(&ra, &msg), TP_ERR_LIMIT);
            break;
        }
        assert_int_equal(tp_hs_reasm_next(&ra, &msg), TP_ERR_TRUNCATED);
    }
    assert_int_equal(e, TP_OK);
    /* Now fill past the cap without ever consuming. */
    tp_hs_reasm_reset(&ra);
    e = TP_OK;
    for (int i = 0; i < 100 && e == TP_OK; i++)
        e = tp_hs_reasm_push(&ra, tp_bytes_make(rec, sizeof rec));
    assert_int_equal(e, TP_ERR_LIMIT);
    assert_true(ra.cap <= (size_t)TP_MAX_HANDSHAKE_MSG + 4 + TP_MAX_RECORD_LEN);
    tp_hs_reasm_free(&ra);
}

static void test_alert__valid_and_bad__parsed_or_rejected(void **st)
{
    (void)st;
    const uint8_t ok[] = { 2, 48 };
    const uint8_t lvl[] = { 7, 48 };
    const uint8_t longer[] = { 2, 48, 0 };
    struct tp_alert a;
    assert_int_equal(tp_alert_parse(tp_bytes_make(ok, 2), &a), TP_OK);
    assert_int_equal(a.level, 2);
    assert_int_equal(a.description, 48);
    assert_string_equal(tp_name_alert(a.description), "unknown_ca");
    assert_int_equal(tp_alert_parse(tp_bytes_make(ok, 1), &a), TP_ERR_TRUNCATED);
    assert_int_equal(tp_alert_parse(tp_bytes_make(ok, 0), &a), TP_ERR_TRUNCATED);
    assert_int_equal(tp_alert_parse(tp_bytes_make(lvl, 2), &a), TP_ERR_MALFORMED);
    assert_int_equal(tp_alert_parse(tp_bytes_make(longer, 3), &a), TP_ERR_MALFORMED);
}

static void test_ccs__values__only_one_byte_1(void **st)
{
    (void)st;
    const uint8_t one[] = { 1, 1 };
    const uint8_t two[] = { 2 };
    assert_int_equal(tp_ccs_parse(tp_bytes_make(one, 1)), TP_OK);
    assert_int_equal(tp_ccs_parse(tp_bytes_make(one, 0)), TP_ERR_TRUNCATED);
    assert_int_equal(tp_ccs_parse(tp_bytes_make(one, 2)), TP_ERR_MALFORMED);
    assert_int_equal(tp_ccs_parse(tp_bytes_make(two, 1)), TP_ERR_MALFORMED);
}

/* Walk a captured stream: records, reassembly until the CCS (after it the
 * handshake is encrypted), then only record types. Returns the sequence as a
 * string of handshake type numbers / "CCS" / "ct23" etc. */
static void walk(const char *fixture, char *seq, size_t cap)
{
    size_t len;
    uint8_t *buf = tu_fixture(fixture, &len);
    assert_non_null(buf);
    assert_true(len > 0);
    uint8_t *exact = tu_exact(buf, len);
    free(buf);
    struct tp_hs_reasm ra;
    tp_hs_reasm_init(&ra);
    size_t off = 0;
    bool ccs = false;
    seq[0] = '\0';
    while (off < len) {
        struct tp_record rec;
        size_t used;
        assert_int_equal(tp_record_parse(exact + off, len - off, &rec, &used), TP_OK);
        assert_true(tp_record_header_plausible(exact + off, len - off));
        off += used;
        char item[32];
        if (rec.type == TP_CT_HANDSHAKE && !ccs) {
            assert_int_equal(tp_hs_reasm_push(&ra, rec.body), TP_OK);
            struct tp_bytes msg;
            while (tp_hs_reasm_next(&ra, &msg) == TP_OK) {
                struct tp_hs_header h;
                assert_int_equal(tp_hs_header_parse(msg, &h), TP_OK);
                assert_int_equal(msg.len, 4 + h.length);
                snprintf(item, sizeof item, "%s ", tp_name_hs_type(h.type));
                strncat(seq, item, cap - strlen(seq) - 1);
            }
            continue;
        }
        if (rec.type == TP_CT_CHANGE_CIPHER_SPEC) {
            assert_int_equal(tp_ccs_parse(rec.body), TP_OK);
            ccs = true;
        }
        snprintf(item, sizeof item, "%s ", tp_name_content_type(rec.type));
        strncat(seq, item, cap - strlen(seq) - 1);
    }
    assert_int_equal(off, len);
    assert_int_equal(tp_hs_reasm_pending(&ra), 0);
    tp_hs_reasm_free(&ra);
    free(exact);
}

static void test_stream__tls12_captures__expected_message_sequence(void **st)
{
    (void)st;
    char seq[512];
    walk("wire/tls12_ecdhe_ecdsa.s2c.bin", seq, sizeof seq);
    assert_string_equal(seq, "ServerHello Certificate ServerKeyExchange ServerHelloDone NewSessionTicket "
                             "change_cipher_spec handshake alert ");
    walk("wire/tls12_ecdhe_ecdsa.c2s.bin", seq, sizeof seq);
    assert_string_equal(seq, "ClientHello ClientKeyExchange change_cipher_spec handshake alert ");
    walk("wire/tls12_dhe_rsa.s2c.bin", seq, sizeof seq);
    assert_string_equal(seq, "ServerHello Certificate ServerKeyExchange ServerHelloDone NewSessionTicket "
                             "change_cipher_spec handshake alert ");
    walk("wire/tls12_ocsp_stapled.s2c.bin", seq, sizeof seq);
    assert_string_equal(seq, "ServerHello Certificate CertificateStatus ServerKeyExchange ServerHelloDone "
                             "NewSessionTicket change_cipher_spec handshake alert ");
    walk("wire/tls12_ecdhe_rsa_clientauth.s2c.bin", seq, sizeof seq);
    assert_string_equal(seq, "ServerHello Certificate ServerKeyExchange CertificateRequest ServerHelloDone "
                             "NewSessionTicket change_cipher_spec handshake alert ");
    walk("wire/tls12_ecdhe_rsa_clientauth.c2s.bin", seq, sizeof seq);
    assert_string_equal(seq, "ClientHello Certificate ClientKeyExchange CertificateVerify change_cipher_spec "
                             "handshake alert ");
}

static void test_stream__split_at_every_byte__same_records(void **st)
{
    (void)st;
    /* A reader that gets the stream in two pieces (split at every offset) must
     * see TRUNCATED with the right `used`, then the same record. */
    size_t len;
    uint8_t *buf = tu_fixture("wire/tls12_ecdhe_rsa.s2c.bin", &len);
    assert_non_null(buf);
    struct tp_record rec;
    size_t used;
    assert_int_equal(tp_record_parse(buf, len, &rec, &used), TP_OK);
    size_t first = used;
    for (size_t n = 0; n < first; n++) {
        uint8_t *p = tu_exact(buf, n);
        assert_int_equal(tp_record_parse(p, n, &rec, &used), TP_ERR_TRUNCATED);
        assert_int_equal(used, n < 5 ? 5 : first);
        free(p);
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record__valid__parsed_and_used),
        cmocka_unit_test(test_record__every_cut__truncated_with_needed_length),
        cmocka_unit_test(test_record__bad_type_or_major__malformed_early),
        cmocka_unit_test(test_record__length_over_limit__limit),
        cmocka_unit_test(test_record_plausible__various__only_tls_headers),
        cmocka_unit_test(test_sslv2_detect__v2_hello__detected),
        cmocka_unit_test(test_hs_header__exact_and_coalesced__ok),
        cmocka_unit_test(test_reasm__split_and_coalesced__messages_in_order),
        cmocka_unit_test(test_reasm__16mb_claim__limit_without_allocation),
        cmocka_unit_test(test_reasm__beyond_cap__limit),
        cmocka_unit_test(test_alert__valid_and_bad__parsed_or_rejected),
        cmocka_unit_test(test_ccs__values__only_one_byte_1),
        cmocka_unit_test(test_stream__tls12_captures__expected_message_sequence),
        cmocka_unit_test(test_stream__split_at_every_byte__same_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
