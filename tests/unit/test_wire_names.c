/* Name tables: completeness and consistency (every alert has a name and a
 * meaning; every cipher suite's record-layer facts agree with its name). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "tlsprobe/names.h"
#include "testutil.h"

static void test_alert_table__every_alert__name_and_meaning(void **st)
{
    (void)st;
    const uint8_t *descs;
    size_t n = tp_alert_table(&descs);
    assert_true(n >= 35);
    bool seen[256] = { false };
    for (size_t i = 0; i < n; i++) {
        uint8_t d = descs[i];
        assert_false(seen[d]);
        seen[d] = true;
        const char *name = tp_name_alert(d);
        const char *meaning = tp_alert_meaning(d);
        assert_non_null(name);
        assert_non_null(meaning);
        assert_true(strlen(meaning) > 20);
        assert_null(strchr(meaning, '\n'));
        for (const char *c = name; *c; c++)
            assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
    }
    /* every alert of RFC 8446 §6 and RFC 5246 §7.2 is there */
    const uint8_t rfc[] = { 0, 10, 20, 21, 22, 30, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 60, 70,
                            71, 80, 86, 90, 100, 109, 110, 111, 112, 113, 114, 115, 116, 120 };
    for (size_t i = 0; i < sizeof rfc; i++)
        assert_true(seen[rfc[i]]);
    assert_null(tp_name_alert(1));
    assert_null(tp_alert_meaning(255));
}

static void test_alert_names__examples__rfc_names(void **st)
{
    (void)st;
    assert_string_equal(tp_name_alert(48), "unknown_ca");
    assert_non_null(strstr(tp_alert_meaning(48), "does not trust the CA"));
    assert_string_equal(tp_name_alert(116), "certificate_required");
    assert_string_equal(tp_name_alert(120), "no_application_protocol");
    assert_string_equal(tp_name_alert(70), "protocol_version");
    assert_string_equal(tp_name_alert(0), "close_notify");
    assert_string_equal(tp_name_alert_level(1), "warning");
    assert_string_equal(tp_name_alert_level(2), "fatal");
    assert_null(tp_name_alert_level(3));
}

static bool has(const char *name, const char *part)
{
    return strstr(name, part) != NULL;
}

static void test_suite_table__every_suite__consistent_with_name(void **st)
{
    (void)st;
    size_t count = 0;
    for (uint32_t id = 0; id <= 0xffff; id++) {
        const struct tp_suite_info *s = tp_suite_info((uint16_t)id);
        if (!s)
            continue;
        count++;
        assert_int_equal(s->id, id);
        assert_non_null(s->name);
        assert_memory_equal(s->name, "TLS_", 4);
        assert_string_equal(tp_name_cipher_suite((uint16_t)id), s->name);
        bool aead = s->bulk == TP_BULK_AES_128_GCM || s->bulk == TP_BULK_AES_256_GCM ||
                    s->bulk == TP_BULK_CHACHA20_POLY1305 || s->bulk == TP_BULK_AES_128_CCM ||
                    s->bulk == TP_BULK_AES_128_CCM_8 || s->bulk == TP_BULK_AES_256_CCM ||
                    s->bulk == TP_BULK_ARIA_128_GCM || s->bulk == TP_BULK_ARIA_256_GCM;
        bool cbc = s->bulk == TP_BULK_AES_128_CBC || s->bulk == TP_BULK_AES_256_CBC ||
                   s->bulk == TP_BULK_3DES_CBC || s->bulk == TP_BULK_CAMELLIA_128_CBC ||
                   s->bulk == TP_BULK_CAMELLIA_256_CBC;
        /* AEAD <-> no MAC; CBC <-> block size and a MAC */
        if (aead) {
            assert_int_equal(s->mac, TP_HASH_NONE);
            assert_int_equal(s->block_len, 0);
            assert_int_equal(s->fixed_iv_len, (s->tls13 || s->bulk == TP_BULK_CHACHA20_POLY1305) ? 12 : 4);
        }
        if (cbc) {
            assert_int_not_equal(s->mac, TP_HASH_NONE);
            assert_int_equal(s->block_len, s->bulk == TP_BULK_3DES_CBC ? 8 : 16);
            assert_int_equal(s->fixed_iv_len, 0);
            assert_true(has(s->name, "_CBC_"));
        }
        /* key length agrees with the name */
        if (has(s->name, "_128_") && s->bulk != TP_BULK_NULL)
            assert_int_equal(s->key_len, 16);
        if (has(s->name, "AES_256") || has(s->name, "CHACHA20"))
            assert_int_equal(s->key_len, 32);
        if (s->bulk == TP_BULK_3DES_CBC)
            assert_int_equal(s->key_len, 24);
        if (s->bulk == TP_BULK_NULL && !s->tls13)
            assert_int_equal(s->key_len, 0);
        /* bulk enum agrees with the name */
        if (s->bulk == TP_BULK_AES_128_GCM)
            assert_true(has(s->name, "AES_128_GCM"));
        if (s->bulk == TP_BULK_CHACHA20_POLY1305)
            assert_true(has(s->name, "CHACHA20_POLY1305"));
        if (s->bulk == TP_BULK_RC4_128)
            assert_true(has(s->name, "RC4_128"));
        /* TLS 1.3 suites: no kx/auth in the suite, HKDF hash set (SM3 aside) */
        if (s->tls13) {
            assert_int_equal(s->kx, TP_KX_TLS13);
            assert_null(s->auth);
            assert_false(has(s->name, "_WITH_"));
        } else if (id != 0x00ff && id != 0x5600) {
            assert_non_null(s->auth);
            assert_true(has(s->name, "_WITH_"));
            if (!has(s->name, "GOST"))
                assert_int_not_equal(s->prf, TP_HASH_NONE);
        }
        if (has(s->name, "SHA384") && !s->tls13 && !has(s->name, "GOST"))
            assert_int_equal(s->prf, TP_HASH_SHA384);
        /* weak: NULL, EXPORT, RC4, DES/3DES, anon */
        bool should_be_weak = has(s->name, "_NULL") || has(s->name, "EXPORT") || has(s->name, "RC4") ||
                              has(s->name, "DES") || has(s->name, "anon") || has(s->name, "RC2");
        if (s->tls13)
            should_be_weak = s->bulk == TP_BULK_NULL;
        assert_int_equal(s->weak, should_be_weak);
        /* PSK/ECDHE/DHE key exchange agrees with the name */
        if (s->kx == TP_KX_ECDHE)
            assert_true(has(s->name, "ECDHE_") || has(s->name, "ECDH_anon"));
        if (s->kx == TP_KX_DHE)
            assert_true(has(s->name, "DHE_") || has(s->name, "DH_anon"));
        if (s->kx == TP_KX_RSA)
            assert_memory_equal(s->name, "TLS_RSA_WITH_", 13);
    }
    /* the IANA registry lists ~340 assigned suites */
    assert_true(count >= 340);
}

static void test_suite_info__examples__record_layer_facts(void **st)
{
    (void)st;
    const struct tp_suite_info *s = tp_suite_info(0xc02f);
    assert_string_equal(s->name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_int_equal(s->kx, TP_KX_ECDHE);
    assert_string_equal(s->auth, "RSA");
    assert_int_equal(s->bulk, TP_BULK_AES_128_GCM);
    assert_int_equal(s->prf, TP_HASH_SHA256);
    assert_int_equal(s->key_len, 16);
    assert_int_equal(s->fixed_iv_len, 4);
    assert_false(s->weak);
    s = tp_suite_info(0x1302);
    assert_string_equal(s->name, "TLS_AES_256_GCM_SHA384");
    assert_true(s->tls13);
    assert_int_equal(s->prf, TP_HASH_SHA384);
    assert_int_equal(s->key_len, 32);
    assert_int_equal(s->fixed_iv_len, 12);
    s = tp_suite_info(0xcca9);
    assert_string_equal(s->name, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
    assert_int_equal(s->fixed_iv_len, 12);
    assert_string_equal(s->auth, "ECDSA");
    s = tp_suite_info(0x0035);
    assert_int_equal(s->bulk, TP_BULK_AES_256_CBC);
    assert_int_equal(s->mac, TP_HASH_SHA1);
    assert_int_equal(s->block_len, 16);
    assert_int_equal(s->kx, TP_KX_RSA);
    s = tp_suite_info(0x000a);
    assert_int_equal(s->bulk, TP_BULK_3DES_CBC);
    assert_true(s->weak);
    s = tp_suite_info(0x0018);
    assert_string_equal(s->name, "TLS_DH_anon_WITH_RC4_128_MD5");
    assert_string_equal(s->auth, "anon");
    assert_int_equal(s->mac, TP_HASH_MD5);
    assert_true(s->weak);
    assert_string_equal(tp_name_cipher_suite(0x00ff), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
    assert_string_equal(tp_name_cipher_suite(0x5600), "TLS_FALLBACK_SCSV");
    assert_string_equal(tp_name_cipher_suite(0x2a2a), "GREASE");
    assert_null(tp_name_cipher_suite(0x1399));
    assert_null(tp_suite_info(0x2a2a));
}

static void test_grease__all_codepoints__exactly_sixteen(void **st)
{
    (void)st;
    size_t n = 0;
    for (uint32_t v = 0; v <= 0xffff; v++)
        if (tp_is_grease((uint16_t)v)) {
            n++;
            assert_int_equal(v & 0x0f0f, 0x0a0a);
            assert_int_equal(v >> 8, v & 0xff);
        }
    assert_int_equal(n, 16);
    assert_true(tp_is_grease(0xfafa));
    assert_false(tp_is_grease(0x0a1a));
}

static void test_names__groups_sigs_exts__iana_names(void **st)
{
    (void)st;
    assert_string_equal(tp_name_group(0x001d), "x25519");
    assert_string_equal(tp_name_group(0x0017), "secp256r1");
    assert_string_equal(tp_name_group(0x0100), "ffdhe2048");
    assert_string_equal(tp_name_group(0x11ec), "X25519MLKEM768");
    assert_string_equal(tp_name_group(0x6399), "X25519Kyber768Draft00");
    assert_string_equal(tp_name_group(0x3a3a), "GREASE");
    assert_null(tp_name_group(0x7777));
    assert_string_equal(tp_name_sig_scheme(0x0403), "ecdsa_secp256r1_sha256");
    assert_string_equal(tp_name_sig_scheme(0x0807), "ed25519");
    assert_string_equal(tp_name_sig_scheme(0x0201), "rsa_pkcs1_sha1");
    assert_null(tp_name_sig_scheme(0x0909));
    assert_string_equal(tp_name_extension(0), "server_name");
    assert_string_equal(tp_name_extension(16), "application_layer_protocol_negotiation");
    assert_string_equal(tp_name_extension(51), "key_share");
    assert_string_equal(tp_name_extension(0xff01), "renegotiation_info");
    assert_string_equal(tp_name_extension(0xfe0d), "encrypted_client_hello");
    assert_string_equal(tp_name_extension(0xdada), "GREASE");
    assert_null(tp_name_extension(0x9999));
    /* every extension the parser decodes has a name */
    const uint16_t decoded[] = { 0, 5, 10, 11, 13, 16, 18, 21, 22, 23, 27, 28, 35, 41, 42, 43, 44, 45, 47,
                                 49, 50, 51, 0xff01 };
    for (size_t i = 0; i < sizeof decoded / sizeof decoded[0]; i++)
        assert_non_null(tp_name_extension(decoded[i]));
}

static void test_names__hs_types_versions_content__json_contract(void **st)
{
    (void)st;
    const struct { uint8_t t; const char *n; } hs[] = {
        { 1, "ClientHello" }, { 2, "ServerHello" }, { 8, "EncryptedExtensions" }, { 11, "Certificate" },
        { 13, "CertificateRequest" }, { 12, "ServerKeyExchange" }, { 14, "ServerHelloDone" },
        { 16, "ClientKeyExchange" }, { 15, "CertificateVerify" }, { 20, "Finished" },
        { 4, "NewSessionTicket" }, { 24, "KeyUpdate" }, { 22, "CertificateStatus" },
    };
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
        assert_string_equal(tp_name_hs_type(hs[i].t), hs[i].n);
    assert_null(tp_name_hs_type(99));
    assert_string_equal(tp_name_version(0x0303), "TLS 1.2");
    assert_string_equal(tp_name_version(0x0304), "TLS 1.3");
    assert_string_equal(tp_name_version(0x0300), "SSL 3.0");
    assert_string_equal(tp_name_version(0x0301), "TLS 1.0");
    assert_null(tp_name_version(0x0305));
    /* TLS 1.3 drafts, named as tshark names them */
    assert_string_equal(tp_name_version(0x7f12), "TLS 1.3 draft 18");
    assert_string_equal(tp_name_version(0x7f1c), "TLS 1.3 draft 28");
    assert_string_equal(tp_name_version(0x7f1d), "TLS 1.3 (draft)");
    assert_null(tp_name_version(0x7f00));
    assert_int_equal(tp_tls13_draft(0x7f17), 23);
    assert_int_equal(tp_tls13_draft(0x0304), 0);
    assert_true(tp_is_tls13_family(0x0304));
    assert_false(tp_is_tls13_family(0x0303));
    assert_string_equal(tp_name_content_type(22), "handshake");
    assert_string_equal(tp_name_content_type(21), "alert");
    assert_null(tp_name_content_type(25));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_table__every_alert__name_and_meaning),
        cmocka_unit_test(test_alert_names__examples__rfc_names),
        cmocka_unit_test(test_suite_table__every_suite__consistent_with_name),
        cmocka_unit_test(test_suite_info__examples__record_layer_facts),
        cmocka_unit_test(test_grease__all_codepoints__exactly_sixteen),
        cmocka_unit_test(test_names__groups_sigs_exts__iana_names),
        cmocka_unit_test(test_names__hs_types_versions_content__json_contract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
