/* The PKCS#12 walker (x509/p12.c), opening files (secrets.c) and identities
 * (identity.c): modern, 3DES/SHA-1, RC2 (compiled out of Debian's wolfSSL), no
 * MAC; right, wrong and no password; every truncation of a valid archive. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/pkcs12.h"
#include "testutil.h"

#define SEEDS "fuzz/fuzz_pkcs12/"

static struct tp_p12 *walk(const char *rel, const char *pw, enum tp_err want)
{
    size_t n;
    uint8_t *b = tu_fixture(rel, &n);
    assert_non_null(b);
    char buf[64];
    snprintf(buf, sizeof buf, "%s", pw ? pw : "");
    struct tp_secret s = { buf, strlen(buf) };
    struct tp_p12 *p = NULL;
    assert_int_equal(tp_p12_walk(b, n, pw ? &s : NULL, &p), want);
    free(b);
    return p;
}

static void test_p12__modern_right_password__opened_with_bags(void **st)
{
    (void)st;
    struct tp_p12 *p = walk("files/bundle.p12", "secret", TP_OK);
    assert_int_equal(p->status, TP_P12_OPENED);
    assert_true(p->has_mac);
    assert_string_equal(p->mac_alg, "SHA-256");
    assert_int_equal(p->mac_iterations, 2048);
    assert_int_equal(p->n_safes, 2);
    assert_true(p->safes[0].encrypted && p->safes[0].opened && !p->safes[1].encrypted);
    assert_string_equal(p->safes[0].pbe.name, "PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC");
    assert_int_equal(p->safes[0].pbe.iterations, 2048);
    assert_false(p->legacy || p->openssl3_refuses);
    assert_int_equal(p->n_bags, 3);
    assert_int_equal(p->bags[0].type, TP_P12_BAG_CERT);
    assert_true(p->bags[0].opened && p->bags[0].der_len > 100);
    assert_string_equal(p->bags[0].friendly_name, "client");
    assert_int_equal(p->bags[0].local_key_id_len, 20);
    assert_null(p->bags[1].friendly_name);
    assert_int_equal(p->bags[2].type, TP_P12_BAG_SHROUDED_KEY);
    assert_true(p->bags[2].opened && p->bags[2].has_pbe);
    assert_memory_equal(p->bags[2].local_key_id, p->bags[0].local_key_id, 20);
    tp_p12_free(p);
}

static void test_p12__wrong_or_no_password__what_is_outside_the_encryption(void **st)
{
    (void)st;
    struct tp_p12 *p = walk("files/bundle.p12", "wrong", TP_OK);
    assert_int_equal(p->status, TP_P12_WRONG_PASSWORD);
    assert_string_equal(p->why, "MAC verification failed");
    assert_false(p->safes[0].opened);
    assert_int_equal(p->n_bags, 1); /* the key bag of the plain safe: named, not opened */
    assert_string_equal(p->bags[0].friendly_name, "client");
    assert_false(p->bags[0].opened);
    assert_null(p->bags[0].der);
    tp_p12_free(p);
    p = walk("files/bundle.p12", NULL, TP_OK);
    assert_int_equal(p->status, TP_P12_NEEDS_PASSWORD);
    assert_non_null(strstr(p->why, "--pass"));
    assert_string_equal(p->safes[0].pbe.name, "PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC");
    tp_p12_free(p);
}

static void test_p12__legacy_algorithms__named_and_flagged(void **st)
{
    (void)st;
    struct tp_p12 *p = walk(SEEDS "des3-sha1.p12", "x", TP_OK);
    assert_int_equal(p->status, TP_P12_OPENED);
    assert_string_equal(p->mac_alg, "SHA-1");
    assert_true(p->mac_legacy && p->legacy);
    assert_false(p->openssl3_refuses);
    assert_string_equal(p->safes[0].pbe.name, "pbeWithSHAAnd3-KeyTripleDES-CBC");
    tp_p12_free(p);
    p = walk(SEEDS "rc2-legacy.p12", "x", TP_OK);
    assert_int_equal(p->status, TP_P12_UNSUPPORTED);
    assert_string_equal(p->why, "this wolfSSL build cannot decrypt pbeWithSHAAnd40BitRC2-CBC");
    assert_true(p->openssl3_refuses && p->safes[0].pbe.openssl3_refuses);
    tp_p12_free(p);
    p = walk(SEEDS "plain-nomac.p12", NULL, TP_OK);
    assert_int_equal(p->status, TP_P12_OPENED);
    assert_false(p->has_mac);
    assert_int_equal(p->n_bags, 2);
    assert_int_equal(p->bags[1].type, TP_P12_BAG_KEY);
    assert_true(p->bags[1].opened);
    tp_p12_free(p);
}

static void test_p12__every_truncation__error_never_crash(void **st)
{
    (void)st;
    size_t n;
    uint8_t *b = tu_fixture(SEEDS "aes-name-chain.p12", &n);
    assert_non_null(b);
    char x[] = "x";
    struct tp_secret s = { x, 1 };
    for (size_t k = 0; k < n; k++) {
        uint8_t *c = tu_exact(b, k);
        struct tp_p12 *p = NULL;
        enum tp_err e = tp_p12_walk(c, k, &s, &p);
        assert_true(e == TP_ERR_TRUNCATED || e == TP_ERR_MALFORMED);
        assert_null(p);
        free(c);
    }
    free(b);
}

static void test_p12__file_opened__certificates_and_key_follow_and_pair(void **st)
{
    (void)st;
    size_t n;
    uint8_t *b = tu_fixture("files/bundle.p12", &n);
    struct tp_file *f = NULL;
    assert_int_equal(tp_file_parse("bundle.p12", b, n, &f), TP_OK);
    char secret[] = "secret", nope[] = "nope";
    struct tp_secret s = { secret, 6 };
    char err[256];
    assert_int_equal(tp_file_open_secrets(f, &s, err, sizeof err), TP_OK);
    assert_int_equal(f->n_objs, 4);
    assert_int_equal(f->objs[1].kind, TP_OBJ_CERTIFICATE);
    assert_string_equal(f->objs[1].pem_label, "PKCS12 certificate");
    assert_int_equal(f->objs[3].kind, TP_OBJ_PRIVATE_KEY);
    assert_true(f->objs[3].key_decrypted && f->objs[3].has_pub_sha256);
    assert_memory_equal(f->objs[3].pub_sha256, f->objs[1].pub_sha256, 32);
    assert_int_equal(f->objs[0].p12->bags[0].object, 2);
    tp_file_free(f);
    assert_int_equal(tp_file_parse("bundle.p12", b, n, &f), TP_OK);
    struct tp_secret bad = { nope, 4 };
    assert_int_equal(tp_file_open_secrets(f, &bad, err, sizeof err), TP_ERR_DECRYPT);
    assert_string_equal(err, "wrong password for bundle.p12 (MAC verification failed)");
    assert_int_equal(f->n_objs, 1);
    tp_file_free(f);
    free(b);
}

static void test_identity__p12_and_pem__loaded_or_one_line(void **st)
{
    (void)st;
    const char *p12 = TP_FIXTURES "/files/bundle.p12";
    struct tp_identity id;
    char err[512];
    char secret[] = "secret", nope[] = "nope";
    struct tp_secret s = { secret, 6 }, bad = { nope, 4 };
    assert_int_equal(tp_identity_load(p12, NULL, NULL, &s, &id, err, sizeof err), TP_OK);
    assert_int_equal(id.n_certs, 2);
    assert_non_null(strstr((const char *)id.chain_pem, "BEGIN CERTIFICATE"));
    assert_true(id.key_der_len > 32);
    tp_identity_free(&id);
    assert_int_equal(tp_identity_load(p12, NULL, NULL, &bad, &id, err, sizeof err), TP_ERR_DECRYPT);
    assert_non_null(strstr(err, "wrong password for"));
    assert_null(strstr(err, "nope"));
    assert_int_not_equal(tp_identity_load(p12, NULL, NULL, NULL, &id, err, sizeof err), TP_OK);
    assert_non_null(strstr(err, "--pass"));
    assert_int_equal(tp_identity_load(p12, TP_FIXTURES "/pki/client.key", NULL, &s, &id, err, sizeof err),
                     TP_ERR_USAGE);
    assert_non_null(strstr(err, "drop --key"));
    assert_int_equal(tp_identity_load(TP_FIXTURES "/pki/client.pem", TP_FIXTURES "/pki/client.key", NULL,
                                      NULL, &id, err, sizeof err),
                     TP_OK);
    assert_int_equal(id.n_certs, 1);
    tp_identity_free(&id);
    assert_int_equal(tp_identity_load(TP_FIXTURES "/pki/good.pem", TP_FIXTURES "/pki/client.key", NULL, NULL,
                                      &id, err, sizeof err),
                     TP_ERR_USAGE);
    assert_non_null(strstr(err, "does not match"));
    assert_int_equal(tp_identity_load(TP_FIXTURES "/files/encrypted.key", NULL, NULL, NULL, &id, err, sizeof err),
                     TP_ERR_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p12__modern_right_password__opened_with_bags),
        cmocka_unit_test(test_p12__wrong_or_no_password__what_is_outside_the_encryption),
        cmocka_unit_test(test_p12__legacy_algorithms__named_and_flagged),
        cmocka_unit_test(test_p12__every_truncation__error_never_crash),
        cmocka_unit_test(test_p12__file_opened__certificates_and_key_follow_and_pair),
        cmocka_unit_test(test_identity__p12_and_pem__loaded_or_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
