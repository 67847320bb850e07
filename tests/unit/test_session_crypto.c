/* Record protection (src/session/record_crypto.c) on its own: RFC 8448 §3
 * records opened directly, sequence numbers, tampering, unsupported suites. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/session.h"
#include "session/internal.h"
#include "testutil.h"

/* RFC 8448 §3 */
#define S_HS "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"
#define S_AP "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"
/* the server's NewSessionTicket record (the first under SERVER_TRAFFIC_SECRET_0) */
#define NST_REC "17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d41d6af8f6b580dcf3d11d63c758db" \
    "289a015940252f55713e061dc13e078891a38efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e09c30ba" \
    "1e62972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406f16e3fc181a77ca475840025db2f0a77f81b5ab05b94c0134" \
    "6755f69232c86519d86cbeeac87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74bc2697687e248746d6df353005f3" \
    "bce18696129c8153556b3b6c6779b37bf15985684f"
/* the server's application data (seq 1) and close_notify (seq 2) */
#define APP_REC "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc4" \
    "9c4bf2e5f0a21c0047c2abf332540dd032e167c2955d"
#define ALERT_REC "1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9"

static struct tp_rc *rc13(const char *secret_hex)
{
    size_t n;
    uint8_t *sec = tu_hex(secret_hex, &n);
    struct tp_rc *rc = NULL;
    assert_int_equal(tp_rc_new13(0x1301, sec, n, NULL, &rc), TP_OK);
    free(sec);
    return rc;
}

static void open_rec(struct tp_rc *rc, const char *hex, enum tp_err want, uint8_t want_type, size_t want_len)
{
    size_t n, out_len = 0;
    uint8_t *rec = tu_hex(hex, &n);
    uint8_t *out = malloc(n);
    uint8_t type = 0;
    assert_int_equal(tp_rc_decrypt(rc, rec, rec + 5, n - 5, out, &out_len, &type), want);
    if (want == TP_OK) {
        assert_int_equal(type, want_type);
        assert_int_equal(out_len, want_len);
    }
    free(out);
    free(rec);
}

static void test_rc13__rfc8448_application_records__in_sequence(void **st)
{
    (void)st;
    struct tp_rc *rc = rc13(S_AP);
    open_rec(rc, NST_REC, TP_OK, 22, 205);   /* NewSessionTicket: 4 + 201 */
    open_rec(rc, APP_REC, TP_OK, 23, 50);    /* 00 01 02 ... 31 */
    open_rec(rc, ALERT_REC, TP_OK, 21, 2);   /* close_notify */
    tp_rc_free(rc);
}

static void test_rc13__out_of_sequence_or_wrong_key__decrypt_error(void **st)
{
    (void)st;
    struct tp_rc *rc = rc13(S_AP);
    open_rec(rc, APP_REC, TP_ERR_DECRYPT, 0, 0);   /* seq 0 is the NST's */
    open_rec(rc, NST_REC, TP_OK, 22, 205);          /* a failure did not advance seq */
    tp_rc_free(rc);
    rc = rc13(S_HS);
    open_rec(rc, NST_REC, TP_ERR_DECRYPT, 0, 0);
    tp_rc_free(rc);
    /* one flipped bit in the tag */
    rc = rc13(S_AP);
    size_t n, out_len;
    uint8_t *rec = tu_hex(NST_REC, &n), type;
    uint8_t *out = malloc(n);
    rec[n - 1] ^= 1;
    assert_int_equal(tp_rc_decrypt(rc, rec, rec + 5, n - 5, out, &out_len, &type), TP_ERR_DECRYPT);
    /* shorter than a tag */
    assert_int_equal(tp_rc_decrypt(rc, rec, rec + 5, 10, out, &out_len, &type), TP_ERR_DECRYPT);
    free(out);
    free(rec);
    tp_rc_free(rc);
}

static void test_rc13__key_update__derives_the_next_secret(void **st)
{
    (void)st;
    /* after an update the old records no longer open: the key changed */
    struct tp_rc *rc = rc13(S_AP);
    assert_int_equal(tp_rc_update13(rc), TP_OK);
    open_rec(rc, NST_REC, TP_ERR_DECRYPT, 0, 0);
    tp_rc_free(rc);
    assert_int_equal(tp_rc_update13(NULL), TP_ERR_USAGE);
}

/* RFC 8448 §3 "derive write traffic keys for application data" (server). */
#define AP_KEY "9f02283b6c9c07efc26bb9f2ac92e356"
#define AP_IV "cf782b88dd83549aadf1e984"

static struct tp_rc *rc13_known(const char *key_hex, const char *iv_hex)
{
    size_t ns, nk, ni;
    uint8_t *sec = tu_hex(S_AP, &ns), *key = tu_hex(key_hex, &nk), *iv = tu_hex(iv_hex, &ni);
    struct tp_keylog *kl = tp_keylog_new();
    assert_non_null(kl);
    assert_int_equal(tp_keylog_add_traffic_key(kl, sec, ns, false, key, nk), TP_OK);
    assert_int_equal(tp_keylog_add_traffic_key(kl, sec, ns, true, iv, ni), TP_OK);
    struct tp_rc *rc = NULL;
    assert_int_equal(tp_rc_new13(0x1301, sec, ns, kl, &rc), TP_OK);
    tp_keylog_free(kl); /* the record state keeps its own copy */
    free(sec);
    free(key);
    free(iv);
    return rc;
}

static void test_rc13__keys_already_derived__used_instead_of_deriving(void **st)
{
    (void)st;
    struct tp_rc *rc = rc13_known(AP_KEY, AP_IV);
    open_rec(rc, NST_REC, TP_OK, 22, 205);
    open_rec(rc, APP_REC, TP_OK, 23, 50);
    tp_rc_free(rc);
    /* the given key really is the one used: one wrong bit and nothing opens */
    rc = rc13_known("9f02283b6c9c07efc26bb9f2ac92e357", AP_IV);
    open_rec(rc, NST_REC, TP_ERR_DECRYPT, 0, 0);
    tp_rc_free(rc);
    rc = rc13_known(AP_KEY, "cf782b88dd83549aadf1e985");
    open_rec(rc, NST_REC, TP_ERR_DECRYPT, 0, 0);
    tp_rc_free(rc);
    /* a key of another length (another suite's) is not taken: derived instead */
    rc = rc13_known(AP_KEY AP_KEY, AP_IV);
    open_rec(rc, NST_REC, TP_OK, 22, 205);
    tp_rc_free(rc);
}

/* Our own records (tp_rc_trust_own): the same plaintext as the full AEAD open,
 * record after record; the tag is not recomputed (a flipped tag bit still
 * opens), while the ciphertext still decides the plaintext. */
static void open_both(struct tp_rc *own, struct tp_rc *full, const char *hex, uint8_t want_type, size_t want_len)
{
    size_t n, l1 = 0, l2 = 0;
    uint8_t *rec = tu_hex(hex, &n), t1 = 0, t2 = 0;
    uint8_t *o1 = malloc(n), *o2 = malloc(n);
    assert_int_equal(tp_rc_decrypt(own, rec, rec + 5, n - 5, o1, &l1, &t1), TP_OK);
    assert_int_equal(tp_rc_decrypt(full, rec, rec + 5, n - 5, o2, &l2, &t2), TP_OK);
    assert_int_equal(t1, want_type);
    assert_int_equal(t1, t2);
    assert_int_equal(l1, want_len);
    assert_int_equal(l1, l2);
    assert_memory_equal(o1, o2, l1);
    free(o1);
    free(o2);
    free(rec);
}

static void test_rc13__own_records__counter_stream_same_plaintext_no_tag(void **st)
{
    (void)st;
    struct tp_rc *own = rc13(S_AP), *full = rc13(S_AP);
    tp_rc_trust_own(own);
    open_both(own, full, NST_REC, 22, 205);
    open_both(own, full, APP_REC, 23, 50);
    open_both(own, full, ALERT_REC, 21, 2);
    tp_rc_free(own);
    tp_rc_free(full);

    size_t n, out_len;
    uint8_t *rec = tu_hex(APP_REC, &n), type;
    uint8_t *out = malloc(n);
    /* a flipped tag bit: our own record still opens (no tag check), a peer's does not */
    own = rc13(S_AP);
    tp_rc_trust_own(own);
    full = rc13(S_AP);
    tp_rc_skip(own, NULL, 0);  /* APP_REC is the second record (seq 1) */
    tp_rc_skip(full, NULL, 0);
    rec[n - 1] ^= 1;
    assert_int_equal(tp_rc_decrypt(full, rec, rec + 5, n - 5, out, &out_len, &type), TP_ERR_DECRYPT);
    assert_int_equal(tp_rc_decrypt(own, rec, rec + 5, n - 5, out, &out_len, &type), TP_OK);
    assert_int_equal(type, 23);
    assert_int_equal(out_len, 50);
    for (size_t i = 0; i < 50; i++)
        assert_int_equal(out[i], i); /* RFC 8448: 00 01 02 ... 31 */
    rec[n - 1] ^= 1;
    /* the wrong sequence number (nonce) gives other bytes: no inner type found or a
     * different plaintext, never the right one */
    tp_rc_free(own);
    own = rc13(S_AP);
    tp_rc_trust_own(own);
    enum tp_err e = tp_rc_decrypt(own, rec, rec + 5, n - 5, out, &out_len, &type);
    assert_true(e != TP_OK || out_len != 50 || out[1] != 1 || out[49] != 49);
    tp_rc_free(own);
    tp_rc_free(full);
    free(out);
    free(rec);
}

/* Our own records with the plaintext our TLS library sealed kept in the key log
 * (tp_keylog_add_own_record): it is taken when the header, the length and the
 * record's first block (opened with its key and nonce) match, else the record is
 * opened as before. */
static void own_open_with(const uint8_t *stored, size_t stored_len, const uint8_t hdr[5], const uint8_t *want,
                          size_t want_len)
{
    size_t n, ns, out_len = 0;
    uint8_t *rec = tu_hex(NST_REC, &n), *sec = tu_hex(S_AP, &ns), type = 0;
    struct tp_keylog *kl = tp_keylog_new();
    assert_non_null(kl);
    assert_int_equal(tp_keylog_add_own_record(kl, hdr, stored, stored_len), TP_OK);
    struct tp_rc *rc = NULL;
    assert_int_equal(tp_rc_new13(0x1301, sec, ns, kl, &rc), TP_OK);
    tp_rc_trust_own(rc);
    uint8_t *out = malloc(n);
    assert_int_equal(tp_rc_decrypt(rc, rec, rec + 5, n - 5, out, &out_len, &type), TP_OK);
    assert_int_equal(type, 22);
    assert_int_equal(out_len, want_len);
    assert_memory_equal(out, want, want_len);
    tp_rc_free(rc);
    tp_keylog_free(kl);
    free(out);
    free(sec);
    free(rec);
}

static void test_rc13__own_records__sealed_plaintext_taken_when_it_is_this_records(void **st)
{
    (void)st;
    /* the NST's inner plaintext (205 bytes + type 22), from the full open */
    size_t n, out_len = 0;
    uint8_t *rec = tu_hex(NST_REC, &n), type = 0;
    uint8_t inner[256];
    struct tp_rc *full = rc13(S_AP);
    assert_int_equal(tp_rc_decrypt(full, rec, rec + 5, n - 5, inner, &out_len, &type), TP_OK);
    tp_rc_free(full);
    assert_int_equal(out_len, 205);
    inner[205] = 22;
    size_t len = 206;
    uint8_t alt[256];

    /* the exact plaintext: the same result */
    own_open_with(inner, len, rec, inner, 205);
    /* the same first block, other bytes after it: taken as stored (the path is used) */
    memcpy(alt, inner, len);
    alt[100] ^= 0x55;
    own_open_with(alt, len, rec, alt, 205);
    /* another first block (not this record's): ignored, the record is opened */
    memcpy(alt, inner, len);
    alt[3] ^= 1;
    alt[100] ^= 0x55;
    own_open_with(alt, len, rec, inner, 205);
    /* another header or length: ignored */
    uint8_t hdr2[5];
    memcpy(hdr2, rec, 5);
    hdr2[0] = 0x16;
    memcpy(alt, inner, len);
    alt[100] ^= 0x55;
    own_open_with(alt, len, hdr2, inner, 205);
    own_open_with(alt, len - 1, rec, inner, 205);
    free(rec);
}

static void test_rc__unsupported_suites_and_bad_secrets__refused(void **st)
{
    (void)st;
    uint8_t sec[48] = { 0 }, cr[32] = { 0 }, sr[32] = { 0 };
    struct tp_rc *rc = NULL;
    assert_int_equal(tp_rc_new13(0x1306, sec, 32, NULL, &rc), TP_ERR_UNSUPPORTED);
    assert_int_equal(tp_rc_new13(0xc02f, sec, 32, NULL, &rc), TP_ERR_UNSUPPORTED);
    assert_int_equal(tp_rc_new13(0x1301, sec, 48, NULL, &rc), TP_ERR_MALFORMED); /* SHA-256 suite: 32 bytes */
    assert_int_equal(tp_rc_new13(0x1302, sec, 32, NULL, &rc), TP_ERR_MALFORMED);
    assert_null(rc);
    assert_int_equal(tp_rc_new12(0x0041, TP_TLS1_2, false, sec, cr, sr, true, &rc), TP_ERR_UNSUPPORTED); /* Camellia */
    assert_int_equal(tp_rc_new12(0x1301, TP_TLS1_2, false, sec, cr, sr, true, &rc), TP_ERR_UNSUPPORTED);
    assert_int_equal(tp_rc_new12(0xc02f, TP_TLS1_1, false, sec, cr, sr, true, &rc), TP_ERR_UNSUPPORTED); /* GCM needs 1.2 */
    assert_int_equal(tp_rc_new12(0xc02f, TP_TLS1_3, false, sec, cr, sr, true, &rc), TP_ERR_UNSUPPORTED);
    assert_null(rc);
    assert_int_equal(tp_rc_new12(0xc013, TP_TLS1_0, true, sec, cr, sr, false, &rc), TP_OK);
    tp_rc_free(rc);
    tp_rc_free(NULL);
}

/* CBC with random keys: garbage must fail cleanly at every length. */
static void test_rc12_cbc__garbage_at_every_length__decrypt_error_no_crash(void **st)
{
    (void)st;
    uint8_t ms[48], cr[32], sr[32];
    for (int i = 0; i < 48; i++)
        ms[i] = (uint8_t)(i * 7);
    memset(cr, 1, sizeof cr);
    memset(sr, 2, sizeof sr);
    const uint16_t suites[] = { 0xc013, 0xc027, 0xc028, 0xc02f, 0xcca8, 0xc0ae };
    for (size_t k = 0; k < sizeof suites / sizeof suites[0]; k++)
        for (int etm = 0; etm < 2; etm++) {
            struct tp_rc *rc = NULL;
            assert_int_equal(tp_rc_new12(suites[k], TP_TLS1_2, etm, ms, cr, sr, true, &rc), TP_OK);
            uint8_t body[200], out[200], hdr[5] = { 23, 3, 3, 0, 0 }, type;
            for (size_t i = 0; i < sizeof body; i++)
                body[i] = (uint8_t)(i * 31 + 7);
            for (size_t len = 0; len <= sizeof body; len++) {
                size_t n;
                uint8_t *c = tu_exact(body, len);
                hdr[3] = (uint8_t)(len >> 8);
                hdr[4] = (uint8_t)len;
                assert_int_equal(tp_rc_decrypt(rc, hdr, c, len, out, &n, &type), TP_ERR_DECRYPT);
                free(c);
            }
            tp_rc_free(rc);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rc13__rfc8448_application_records__in_sequence),
        cmocka_unit_test(test_rc13__out_of_sequence_or_wrong_key__decrypt_error),
        cmocka_unit_test(test_rc13__key_update__derives_the_next_secret),
        cmocka_unit_test(test_rc13__keys_already_derived__used_instead_of_deriving),
        cmocka_unit_test(test_rc13__own_records__counter_stream_same_plaintext_no_tag),
        cmocka_unit_test(test_rc13__own_records__sealed_plaintext_taken_when_it_is_this_records),
        cmocka_unit_test(test_rc__unsupported_suites_and_bad_secrets__refused),
        cmocka_unit_test(test_rc12_cbc__garbage_at_every_length__decrypt_error_no_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
