/* RSA key exchange with the server's key (pcap --key): the premaster from an
 * EncryptedPreMasterSecret (round trip through wolfCrypt's public-key
 * encryption), the key picked by its SubjectPublicKeyInfo, and the master secret
 * against vectors computed by an independent implementation of the TLS PRF
 * (Python hmac: RFC 5246 §5 P_SHA256/P_SHA384, RFC 2246 §5 MD5 xor SHA-1, RFC 7627). */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/names.h"
#include "tlsprobe/session.h"
#include "session/internal.h"

static uint8_t pms_fixed[48];
static uint8_t cr[32], sr[32];
static const uint8_t hs[] = "handshake messages";

static void fill(void)
{
    pms_fixed[0] = 3;
    pms_fixed[1] = 3;
    for (int i = 0; i < 46; i++)
        pms_fixed[2 + i] = (uint8_t)i;
    for (int i = 0; i < 32; i++) {
        cr[i] = (uint8_t)(0x20 + i);
        sr[i] = (uint8_t)(0x40 + i);
    }
}

static void test_master12(void **state)
{
    (void)state;
    fill();
    static const uint8_t ms12[48] = { 0x91, 0x54, 0x51, 0x9d, 0x6f, 0x3e, 0x3e, 0x6e, 0x89, 0x73, 0xe2, 0x59, 0xb1, 0x0e, 0x6a, 0xda, 0x11, 0x72, 0xb9, 0xda, 0xf8, 0x9e, 0x60, 0x78, 0xcf, 0x4f, 0x4a, 0xda, 0x6b, 0xcf, 0xdd, 0x98, 0x18, 0x32, 0xf7, 0x09, 0x9f, 0xf1, 0x23, 0x66, 0x72, 0xd1, 0x72, 0xdb, 0x48, 0x71, 0xdd, 0x34 };
    static const uint8_t ems12[48] = { 0x14, 0x5d, 0xc9, 0xaf, 0x47, 0xc0, 0x8e, 0xd4, 0x71, 0x70, 0xc8, 0xb5, 0xbc, 0x09, 0xe0, 0x57, 0x18, 0x50, 0x6a, 0x16, 0x07, 0xd3, 0xd2, 0xe7, 0xde, 0x1c, 0x4f, 0x9f, 0x44, 0xcd, 0xb3, 0x98, 0xff, 0x18, 0x4e, 0x09, 0xe1, 0xe9, 0x7e, 0xb6, 0xbd, 0x07, 0x52, 0xe0, 0x22, 0xd3, 0x31, 0xe8 };
    static const uint8_t ems12_384[48] = { 0x02, 0xd8, 0xb4, 0x4a, 0x4d, 0x4f, 0x7c, 0xcd, 0x66, 0x0e, 0x4b, 0xae, 0xa0, 0x8f, 0x32, 0x64, 0xfb, 0x83, 0x54, 0x2f, 0xf8, 0x7f, 0x96, 0x89, 0xd2, 0xdd, 0xaa, 0xa0, 0x29, 0xe0, 0xc7, 0x89, 0x09, 0x83, 0xba, 0xc0, 0x74, 0x69, 0x24, 0x1e, 0x78, 0xa3, 0xf2, 0x8f, 0x61, 0xc2, 0x57, 0x9d };
    static const uint8_t ms10[48] = { 0xde, 0x36, 0xad, 0x95, 0x15, 0xd1, 0x71, 0xee, 0x6d, 0x6d, 0xde, 0x0a, 0x42, 0x48, 0x6c, 0x12, 0xbd, 0x44, 0x93, 0x85, 0xf6, 0x15, 0x78, 0xea, 0x99, 0x1a, 0xbb, 0xa6, 0xc2, 0x37, 0x73, 0x0c, 0x86, 0xf3, 0x5c, 0x67, 0xb8, 0xa4, 0xb6, 0x93, 0xec, 0xdb, 0xa5, 0xce, 0xca, 0x81, 0xf6, 0x44 };
    static const uint8_t ems10[48] = { 0xfe, 0xc6, 0xe2, 0x17, 0xdc, 0x1f, 0x01, 0x7b, 0xba, 0x20, 0x33, 0xaa, 0x4a, 0x9a, 0x0a, 0xb2, 0xe3, 0xed, 0x01, 0xe1, 0xa7, 0x05, 0x2a, 0xda, 0x72, 0xb9, 0x7d, 0xe8, 0xe0, 0xbe, 0x34, 0x91, 0x47, 0x65, 0x0b, 0xba, 0xb5, 0x0e, 0x9c, 0xf7, 0xea, 0x18, 0x5e, 0x9a, 0xaa, 0x7d, 0xf8, 0xb1 };
    uint8_t m[48];
    size_t hl = sizeof hs - 1;
    /* TLS_RSA_WITH_AES_128_GCM_SHA256: the SHA-256 PRF */
    assert_int_equal(tp_rc_master12(0x009c, TP_TLS1_2, pms_fixed, 48, NULL, 0, cr, sr, m), TP_OK);
    assert_memory_equal(m, ms12, 48);
    assert_int_equal(tp_rc_master12(0x009c, TP_TLS1_2, pms_fixed, 48, hs, hl, cr, sr, m), TP_OK);
    assert_memory_equal(m, ems12, 48);
    /* TLS_RSA_WITH_AES_256_GCM_SHA384: the SHA-384 PRF and session hash */
    assert_int_equal(tp_rc_master12(0x009d, TP_TLS1_2, pms_fixed, 48, hs, hl, cr, sr, m), TP_OK);
    assert_memory_equal(m, ems12_384, 48);
    /* TLS 1.0 (TLS_RSA_WITH_AES_128_CBC_SHA): MD5 xor SHA-1, session hash MD5 || SHA-1 */
    assert_int_equal(tp_rc_master12(0x002f, TP_TLS1_0, pms_fixed, 48, NULL, 0, cr, sr, m), TP_OK);
    assert_memory_equal(m, ms10, 48);
    assert_int_equal(tp_rc_master12(0x002f, TP_TLS1_1, pms_fixed, 48, hs, hl, cr, sr, m), TP_OK);
    assert_memory_equal(m, ems10, 48);
    /* TLS 1.3 suites and versions have no master secret */
    assert_int_equal(tp_rc_master12(0x1301, TP_TLS1_3, pms_fixed, 48, NULL, 0, cr, sr, m), TP_ERR_UNSUPPORTED);
    assert_int_equal(tp_rc_master12(0x009c, TP_TLS1_3, pms_fixed, 48, NULL, 0, cr, sr, m), TP_ERR_UNSUPPORTED);
}

static void test_premaster_round_trip(void **state)
{
    (void)state;
    fill();
    WC_RNG rng;
    RsaKey key;
    assert_int_equal(wc_InitRng(&rng), 0);
    assert_int_equal(wc_InitRsaKey(&key, NULL), 0);
    assert_int_equal(wc_MakeRsaKey(&key, 2048, WC_RSA_EXPONENT, &rng), 0);
    static uint8_t der[4096], pub[1024];
    int der_len = wc_RsaKeyToDer(&key, der, sizeof der);
    assert_true(der_len > 0);
    int pub_len = wc_RsaKeyToPublicDer(&key, pub, sizeof pub);
    assert_true(pub_len > 0);
    uint8_t spki[32], other[32];
    assert_int_equal(wc_Sha256Hash(pub, (word32)pub_len, spki), 0);
    memset(other, 0x5a, sizeof other);

    struct tp_keylog *kl = tp_keylog_new();
    assert_non_null(kl);
    assert_int_equal(tp_keylog_rsa_count(kl), 0);
    static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
    assert_int_equal(tp_keylog_add_rsa_key(kl, junk, sizeof junk), TP_ERR_UNSUPPORTED);
    assert_int_equal(tp_keylog_add_rsa_key(kl, der, (size_t)der_len), TP_OK);
    assert_int_equal(tp_keylog_rsa_count(kl), 1);

    uint8_t epms[256], out[48];
    int n = wc_RsaPublicEncrypt(pms_fixed, 48, epms, sizeof epms, &key, &rng);
    assert_int_equal(n, 256);
    assert_int_equal(tp_keylog_rsa_premaster(kl, spki, epms, 256, out), TP_OK);
    assert_memory_equal(out, pms_fixed, 48);
    /* another certificate's key: none of ours */
    assert_int_equal(tp_keylog_rsa_premaster(kl, other, epms, 256, out), TP_ERR_NOKEY);
    /* not the modulus length, or not PKCS#1 v1.5 padding */
    assert_int_equal(tp_keylog_rsa_premaster(kl, spki, epms, 255, out), TP_ERR_DECRYPT);
    uint8_t bad[256];
    memset(bad, 0x11, sizeof bad);
    assert_int_equal(tp_keylog_rsa_premaster(kl, spki, bad, 256, out), TP_ERR_DECRYPT);
    /* a premaster that is not 48 bytes */
    n = wc_RsaPublicEncrypt(pms_fixed, 47, epms, sizeof epms, &key, &rng);
    assert_int_equal(n, 256);
    assert_int_equal(tp_keylog_rsa_premaster(kl, spki, epms, 256, out), TP_ERR_DECRYPT);
    /* the same key again is a second entry, up to the limit */
    for (size_t i = 1; i < TP_KEYLOG_RSA_KEYS; i++)
        assert_int_equal(tp_keylog_add_rsa_key(kl, der, (size_t)der_len), TP_OK);
    assert_int_equal(tp_keylog_add_rsa_key(kl, der, (size_t)der_len), TP_ERR_LIMIT);
    tp_keylog_free(kl);
    assert_int_equal(tp_keylog_rsa_premaster(NULL, spki, epms, 256, out), TP_ERR_NOKEY);
    wc_FreeRsaKey(&key);
    wc_FreeRng(&rng);
}

static void test_psk_lookup(void **state)
{
    (void)state;
    struct tp_keylog *kl = tp_keylog_new();
    assert_non_null(kl);
    static const uint8_t k1[] = { 1, 2, 3 }, k2[] = { 9 };
    uint8_t out[TP_PSK_MAX];
    assert_int_equal(tp_keylog_psk_get(kl, (const uint8_t *)"a", 1, out), 0);
    assert_int_equal(tp_keylog_add_psk(kl, (const uint8_t *)"id:1", 4, k1, sizeof k1), TP_OK);
    assert_int_equal(tp_keylog_psk_get(kl, (const uint8_t *)"id:1", 4, out), 3);
    assert_memory_equal(out, k1, 3);
    assert_int_equal(tp_keylog_psk_get(kl, (const uint8_t *)"id:2", 4, out), 0);
    /* an empty identity: any identity no other entry names */
    assert_int_equal(tp_keylog_add_psk(kl, NULL, 0, k2, sizeof k2), TP_OK);
    assert_int_equal(tp_keylog_psk_get(kl, (const uint8_t *)"id:2", 4, out), 1);
    assert_int_equal(out[0], 9);
    assert_int_equal(tp_keylog_psk_get(kl, (const uint8_t *)"id:1", 4, out), 3);
    assert_int_equal(tp_keylog_psk_count(kl), 2);
    uint8_t big[TP_PSK_MAX + 1] = { 0 };
    assert_int_equal(tp_keylog_add_psk(kl, NULL, 0, big, sizeof big), TP_ERR_MALFORMED);
    assert_int_equal(tp_keylog_add_psk(kl, NULL, 0, big, 0), TP_ERR_MALFORMED);
    for (size_t i = 2; i < TP_KEYLOG_PSKS; i++)
        assert_int_equal(tp_keylog_add_psk(kl, NULL, 0, k2, 1), TP_OK);
    assert_int_equal(tp_keylog_add_psk(kl, NULL, 0, k2, 1), TP_ERR_LIMIT);
    tp_keylog_free(kl);
}

static void test_reason_names(void **state)
{
    (void)state;
    assert_null(tp_undecrypted_name(TP_UNDEC_NONE));
    assert_null(tp_undecrypted_text(TP_UNDEC_NONE));
    for (int u = TP_UNDEC_NO_KEYS; u <= TP_UNDEC_PSK_NO_MATCH; u++) {
        assert_non_null(tp_undecrypted_name((enum tp_undecrypted)u));
        assert_non_null(tp_undecrypted_text((enum tp_undecrypted)u));
        assert_string_not_equal(tp_undecrypted_name((enum tp_undecrypted)u), "unknown");
    }
    assert_string_equal(tp_undecrypted_name(TP_UNDEC_NEEDS_KEYLOG), "needs-keylog");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_master12),
        cmocka_unit_test(test_premaster_round_trip),
        cmocka_unit_test(test_psk_lookup),
        cmocka_unit_test(test_reason_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
