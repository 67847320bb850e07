/* File kinds: every fixtures/files entry, key/certificate pairing, and cutting
 * PEM and DER input at every length. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/x509.h"
#include "testutil.h"

struct kcase {
    const char *file;
    enum tp_err err;
    bool pem;
    size_t n_objs;
    enum tp_obj_kind kind0, kind1;
    const char *label0;
    const char *key_desc0;
    bool encrypted0;
};

static const struct kcase kinds[] = {
    { "cert.crt", TP_OK, true, 1, TP_OBJ_CERTIFICATE, 0, "CERTIFICATE", "EC P-256", false },
    { "cert.der", TP_OK, false, 1, TP_OBJ_CERTIFICATE, 0, "", "EC P-256", false },
    { "key.key", TP_OK, true, 1, TP_OBJ_PRIVATE_KEY, 0, "EC PRIVATE KEY", "EC P-256", false },
    { "key.der", TP_OK, false, 1, TP_OBJ_PRIVATE_KEY, 0, "", "EC P-256", false },
    { "pubkey.pem", TP_OK, true, 1, TP_OBJ_PUBLIC_KEY, 0, "PUBLIC KEY", "EC P-256", false },
    { "ed25519.key", TP_OK, true, 1, TP_OBJ_PRIVATE_KEY, 0, "PRIVATE KEY", "Ed25519", false },
    { "rsa.key", TP_OK, true, 1, TP_OBJ_PRIVATE_KEY, 0, "RSA PRIVATE KEY", "RSA 2048", false },
    { "encrypted.key", TP_OK, true, 1, TP_OBJ_PRIVATE_KEY, 0, "ENCRYPTED PRIVATE KEY", "encrypted (PBES2)", true },
    { "fullchain.pem", TP_OK, true, 2, TP_OBJ_CERTIFICATE, TP_OBJ_CERTIFICATE, "CERTIFICATE", "EC P-256", false },
    { "request.csr", TP_OK, true, 1, TP_OBJ_CSR, 0, "CERTIFICATE REQUEST", "EC P-256", false },
    { "request.der", TP_OK, false, 1, TP_OBJ_CSR, 0, "", "EC P-256", false },
    { "revoked.crl", TP_OK, true, 1, TP_OBJ_CRL, 0, "X509 CRL", "", false },
    { "revoked.crl.der", TP_OK, false, 1, TP_OBJ_CRL, 0, "", "", false },
    { "bundle.p12", TP_OK, false, 1, TP_OBJ_PKCS12, 0, "", "", false },
    { "chain.p7b", TP_OK, true, 3, TP_OBJ_PKCS7, TP_OBJ_CERTIFICATE, "PKCS7", "", false },
    { "garbage.pem", TP_ERR_TRUNCATED, true, 0, 0, 0, NULL, NULL, false },
    { "empty.pem", TP_ERR_MALFORMED, false, 0, 0, 0, NULL, NULL, false },
};

static void test_file_read__every_fixture__kind(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const struct kcase *k = &kinds[i];
        char path[512];
        snprintf(path, sizeof path, TP_FIXTURES "/files/%s", k->file);
        struct tp_file *f = NULL;
        enum tp_err e = tp_file_read(path, &f);
        print_message("%s: %s %zu objs, error '%s'\n", k->file, tp_err_name(e), f ? f->n_objs : 0,
                      f ? f->error : "");
        assert_int_equal(e, k->err);
        assert_non_null(f);
        assert_string_equal(f->path, path);
        if (k->err != TP_OK) {
            assert_true(f->error[0] != 0);
            tp_file_free(f);
            continue;
        }
        assert_int_equal(f->pem, k->pem);
        assert_int_equal(f->n_objs, k->n_objs);
        assert_int_equal(f->objs[0].kind, k->kind0);
        assert_null(f->objs[0].problem);
        if (k->n_objs > 1)
            assert_int_equal(f->objs[1].kind, k->kind1);
        assert_string_equal(f->objs[0].pem_label, k->label0);
        assert_string_equal(f->objs[0].key_desc, k->key_desc0);
        assert_int_equal(f->objs[0].key_encrypted, k->encrypted0);
        tp_file_free(f);
    }
}

/* Every file in fixtures/files has a row in the table above. */
static void test_file_read__fixture_dir__all_in_table(void **state)
{
    (void)state;
    DIR *d = opendir(TP_FIXTURES "/files");
    assert_non_null(d);
    struct dirent *de;
    size_t n = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        bool found = false;
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            found |= !strcmp(kinds[i].file, de->d_name);
        if (!found)
            print_message("fixtures/files/%s has no expected kind in this test\n", de->d_name);
        assert_true(found);
        n++;
    }
    closedir(d);
    assert_int_equal(n, sizeof kinds / sizeof kinds[0]);
}

static struct tp_file *rd(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, TP_FIXTURES "/%s", rel);
    struct tp_file *f;
    assert_int_equal(tp_file_read(path, &f), TP_OK);
    return f;
}

static void test_file_read__keys_and_certs__pair_by_public_key(void **state)
{
    (void)state;
    struct tp_file *cert = rd("files/cert.crt"), *sec1 = rd("files/key.key"), *p8 = rd("files/key.der"),
                   *pub = rd("files/pubkey.pem"), *p8pem = rd("pki/good.key"), *rsa = rd("files/rsa.key"),
                   *sha1 = rd("pki/sha1.pem"), *other = rd("pki/wronghost.key"), *enc = rd("files/encrypted.key");
    const uint8_t *want = cert->objs[0].pub_sha256;
    assert_true(cert->objs[0].has_pub_sha256);
    struct tp_file *same[] = { sec1, p8, pub, p8pem };
    for (size_t i = 0; i < 4; i++) {
        assert_true(same[i]->objs[0].has_pub_sha256);
        assert_memory_equal(same[i]->objs[0].pub_sha256, want, 32);
    }
    struct tp_file *edk = rd("files/ed25519.key"), *edc = rd("pki/ed25519.pem");
    assert_true(edk->objs[0].has_pub_sha256);
    assert_memory_equal(edk->objs[0].pub_sha256, edc->objs[0].pub_sha256, 32);
    assert_string_equal(edc->objs[0].cert->key_desc, "Ed25519");
    tp_file_free(edk);
    tp_file_free(edc);
    assert_true(rsa->objs[0].has_pub_sha256);
    assert_memory_equal(rsa->objs[0].pub_sha256, sha1->objs[0].pub_sha256, 32);
    assert_memory_not_equal(other->objs[0].pub_sha256, want, 32);
    assert_false(enc->objs[0].has_pub_sha256);
    struct tp_file *all[] = { cert, sec1, p8, pub, p8pem, rsa, sha1, other, enc };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        tp_file_free(all[i]);
}

static void test_file_read__csr_crl_p7__fields(void **state)
{
    (void)state;
    struct tp_file *csr = rd("files/request.csr"), *crl = rd("files/revoked.crl"), *p7 = rd("files/chain.p7b");
    assert_string_equal(csr->objs[0].csr_subject, "CN=csr.test,O=tlsprobe");
    assert_int_equal(csr->objs[0].csr_n_san, 3);
    assert_string_equal(csr->objs[0].csr_san[1].value, "www.csr.test");
    assert_string_equal(csr->objs[0].csr_san[2].value, "192.0.2.1");
    assert_string_equal(crl->objs[0].crl_issuer, "CN=tlsprobe Test Issuing CA,O=tlsprobe");
    assert_int_equal(crl->objs[0].crl_n_revoked, 1);
    assert_true(crl->objs[0].crl_next_update > crl->objs[0].crl_this_update);
    assert_string_equal(p7->objs[1].cert->subject, "CN=localhost,O=tlsprobe");
    assert_string_equal(p7->objs[2].cert->subject, "CN=tlsprobe Test Issuing CA,O=tlsprobe");
    tp_file_free(csr);
    tp_file_free(crl);
    tp_file_free(p7);
}

static void test_file_parse__odd_inputs__clean_errors(void **state)
{
    (void)state;
    struct tp_file *f;
    const char *unknown = "-----BEGIN DH PARAMETERS-----\nMAYCAQ==\n-----END DH PARAMETERS-----\n";
    assert_int_equal(tp_file_parse("u", (const uint8_t *)unknown, strlen(unknown), &f), TP_OK);
    assert_int_equal(f->n_objs, 1);
    assert_int_equal(f->objs[0].kind, TP_OBJ_UNKNOWN);
    assert_string_equal(f->objs[0].pem_label, "DH PARAMETERS");
    tp_file_free(f);
    const char *badb64 = "-----BEGIN CERTIFICATE-----\nMI!!\n-----END CERTIFICATE-----\n";
    assert_int_equal(tp_file_parse("b", (const uint8_t *)badb64, strlen(badb64), &f), TP_OK);
    assert_int_equal(f->objs[0].kind, TP_OBJ_UNKNOWN);
    assert_non_null(f->objs[0].problem);
    tp_file_free(f);
    const char *notcert = "-----BEGIN CERTIFICATE-----\nMAYCAQ==\n-----END CERTIFICATE-----\n";
    assert_int_equal(tp_file_parse("n", (const uint8_t *)notcert, strlen(notcert), &f), TP_OK);
    assert_int_equal(f->objs[0].kind, TP_OBJ_UNKNOWN);
    assert_non_null(f->objs[0].problem);
    tp_file_free(f);
    const char *legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n"
                         "-----END RSA PRIVATE KEY-----\n";
    assert_int_equal(tp_file_parse("l", (const uint8_t *)legacy, strlen(legacy), &f), TP_OK);
    assert_int_equal(f->objs[0].kind, TP_OBJ_PRIVATE_KEY);
    assert_true(f->objs[0].key_encrypted);
    tp_file_free(f);
    const uint8_t bin[] = { 0x00, 0x01, 0x02, 0xff };
    assert_int_equal(tp_file_parse("x", bin, sizeof bin, &f), TP_ERR_MALFORMED);
    assert_true(f->error[0]);
    tp_file_free(f);
    assert_int_equal(tp_file_read("/nonexistent/x.pem", &f), TP_ERR_IO);
    assert_non_null(strstr(f->error, "cannot open"));
    tp_file_free(f);
    assert_int_equal(tp_file_read(TP_FIXTURES, &f), TP_ERR_IO);
    tp_file_free(f);
    tp_file_free(NULL);
    /* more blocks than TP_MAX_FILE_OBJECTS: refused with a clear message */
    const char *blk = "-----BEGIN X-----\n-----END X-----\n";
    size_t bl = strlen(blk), nb = TP_MAX_FILE_OBJECTS + 1;
    char *many = malloc(bl * nb);
    for (size_t i = 0; i < nb; i++)
        memcpy(many + i * bl, blk, bl);
    assert_int_equal(tp_file_parse("many", (const uint8_t *)many, bl * nb, &f), TP_ERR_LIMIT);
    assert_non_null(strstr(f->error, "TP_MAX_FILE_OBJECTS"));
    tp_file_free(f);
    assert_int_equal(tp_file_parse("many", (const uint8_t *)many, bl * (nb - 1), &f), TP_OK);
    assert_int_equal(f->n_objs, TP_MAX_FILE_OBJECTS);
    tp_file_free(f);
    free(many);
}

/* Every prefix of a PEM certificate and a DER certificate/key is a clean error
 * (truncated), never a crash; the full input parses. */
static void cut_all(const char *rel, bool pem)
{
    size_t n;
    uint8_t *data = tu_fixture(rel, &n);
    assert_non_null(data);
    /* The PEM is complete once its END line is in: after that only the newline is cut. */
    size_t complete = n;
    if (pem) {
        const char *end = "-----END CERTIFICATE-----";
        for (size_t i = 0; i + strlen(end) <= n; i++)
            if (!memcmp(data + i, end, strlen(end)))
                complete = i + strlen(end);
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t *cut = tu_exact(data, i);
        struct tp_file *f = NULL;
        enum tp_err e = tp_file_parse(rel, cut, i, &f);
        if (i == 0)
            assert_int_equal(e, TP_ERR_MALFORMED); /* empty */
        else if (i < complete) {
            if (e != TP_ERR_TRUNCATED)
                print_message("%s cut at %zu: %s (%s)\n", rel, i, tp_err_name(e), f->error);
            /* a PEM cut before "-----BEGIN " is complete is just text without PEM */
            assert_true(e == TP_ERR_TRUNCATED || (pem && i < 11 && e == TP_ERR_MALFORMED));
            assert_true(f->error[0] != 0);
        } else {
            assert_int_equal(e, TP_OK);
        }
        tp_file_free(f);
        free(cut);
    }
    struct tp_file *f;
    assert_int_equal(tp_file_parse(rel, data, n, &f), TP_OK);
    tp_file_free(f);
    free(data);
}

static void test_file_parse__cut_at_every_length__truncated(void **state)
{
    (void)state;
    cut_all("files/cert.crt", true);
    cut_all("files/cert.der", false);
    cut_all("files/key.der", false);
    cut_all("files/request.der", false);
    cut_all("files/revoked.crl.der", false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_read__every_fixture__kind),
        cmocka_unit_test(test_file_read__fixture_dir__all_in_table),
        cmocka_unit_test(test_file_read__keys_and_certs__pair_by_public_key),
        cmocka_unit_test(test_file_read__csr_crl_p7__fields),
        cmocka_unit_test(test_file_parse__odd_inputs__clean_errors),
        cmocka_unit_test(test_file_parse__cut_at_every_length__truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
