/* Certificate fields, issuer links and RFC 6125 name matching. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/x509.h"
#include "testutil.h"

static struct tp_cert_info *load(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, TP_FIXTURES "/%s", rel);
    struct tp_file *f;
    assert_int_equal(tp_file_read(path, &f), TP_OK);
    assert_true(f->n_objs >= 1);
    assert_int_equal(f->objs[0].kind, TP_OBJ_CERTIFICATE);
    struct tp_cert_info *ci = f->objs[0].cert;
    f->objs[0].cert = NULL;
    tp_file_free(f);
    return ci;
}

static void test_cert_parse__good__all_fields(void **state)
{
    (void)state;
    struct tp_cert_info *ci = load("pki/good.pem");
    assert_string_equal(ci->subject, "CN=localhost,O=tlsprobe");
    assert_string_equal(ci->issuer, "CN=tlsprobe Test Issuing CA,O=tlsprobe");
    assert_string_equal(ci->subject_cn, "localhost");
    assert_int_equal(ci->n_san, 5);
    assert_int_equal(ci->n_san_total, 5);
    assert_int_equal(ci->san[0].type, TP_SAN_DNS);
    assert_string_equal(ci->san[0].value, "localhost");
    assert_string_equal(ci->san[2].value, "*.wild.test");
    assert_int_equal(ci->san[3].type, TP_SAN_IP);
    assert_string_equal(ci->san[3].value, "127.0.0.1");
    assert_string_equal(ci->san[4].value, "::1");
    assert_int_equal(ci->key_type, TP_KEY_EC);
    assert_int_equal(ci->key_bits, 256);
    assert_string_equal(ci->key_desc, "EC P-256");
    assert_string_equal(ci->sig_alg, "sha256WithRSAEncryption");
    assert_false(ci->sig_weak);
    assert_false(ci->is_ca);
    assert_int_equal(ci->path_len, -1);
    assert_true(ci->has_key_usage);
    assert_int_equal(ci->key_usage, TP_KU_DIGITAL_SIGNATURE | TP_KU_KEY_ENCIPHERMENT);
    assert_true(ci->has_ext_key_usage);
    assert_int_equal(ci->ext_key_usage, TP_EKU_SERVER_AUTH);
    assert_int_equal(ci->ski_len, 20);
    assert_int_equal(ci->aki_len, 20);
    assert_string_equal(ci->aia_ca_issuers, "http://127.0.0.1:1/int.der");
    assert_string_equal(ci->aia_ocsp, "http://127.0.0.1:1/ocsp");
    assert_string_equal(ci->crl_dp, "http://127.0.0.1:1/int.crl");
    assert_false(ci->has_sct);
    assert_false(ci->self_issued);
    assert_false(ci->self_signed);
    assert_true(ci->not_after - ci->not_before > 19L * 365 * 86400);
    assert_true(strlen(ci->serial_hex) > 2);
    /* SHA-256 fingerprint is over the DER */
    size_t dlen;
    uint8_t *der = tu_fixture("files/cert.der", &dlen);
    assert_int_equal(dlen, ci->der_len);
    assert_memory_equal(der, ci->der, dlen);
    free(der);
    uint8_t pub[32];
    assert_true(tp_cert_pub_sha256(ci, pub));
    tp_cert_free(ci);
}

static void test_cert_parse__cas_and_specials__fields(void **state)
{
    (void)state;
    struct tp_cert_info *root = load("pki/root.pem"), *in = load("pki/int.pem");
    assert_true(root->is_ca);
    assert_true(root->self_issued);
    assert_true(root->self_signed);
    assert_int_equal(root->key_usage, TP_KU_KEY_CERT_SIGN | TP_KU_CRL_SIGN);
    assert_string_equal(root->sig_alg, "ecdsa-with-SHA256");
    assert_true(in->is_ca);
    assert_int_equal(in->path_len, 0);
    assert_string_equal(in->key_desc, "RSA 2048");
    assert_true(tp_cert_issued_by(in, root));
    assert_false(tp_cert_issued_by(root, in));
    struct tp_cert_info *good = load("pki/good.pem");
    assert_true(tp_cert_issued_by(good, in));
    assert_false(tp_cert_issued_by(good, root));
    assert_memory_equal(good->aki, in->ski, 20);

    struct tp_cert_info *sha1 = load("pki/sha1.pem"), *weak = load("pki/weakkey.pem"), *sct = load("pki/sct.pem");
    assert_string_equal(sha1->sig_alg, "sha1WithRSAEncryption");
    assert_true(sha1->sig_weak);
    assert_string_equal(weak->key_desc, "RSA 1024");
    assert_true(sct->has_sct);
    assert_int_equal(sct->ext_key_usage, TP_EKU_SERVER_AUTH | TP_EKU_CLIENT_AUTH);
    struct tp_cert_info *cl = load("pki/client.pem"), *ss = load("pki/selfsigned.pem"), *cn = load("pki/cnonly.pem");
    assert_int_equal(cl->n_san, 2);
    assert_int_equal(cl->san[0].type, TP_SAN_EMAIL);
    assert_string_equal(cl->san[0].value, "client@tlsprobe.test");
    assert_int_equal(cl->san[1].type, TP_SAN_URI);
    assert_true(ss->self_signed);
    assert_false(ss->is_ca);
    assert_int_equal(cn->n_san, 0);
    struct tp_cert_info *exp = load("pki/expired.pem");
    assert_true(tp_cert_days_left(exp, time(NULL)) < -365);
    assert_int_equal(exp->not_after, 1609459200); /* 2021-01-01T00:00:00Z */
    assert_true(tp_cert_days_left(good, time(NULL)) > 7000);
    struct tp_cert_info *all[] = { root, in, good, sha1, weak, sct, cl, ss, cn, exp };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        tp_cert_free(all[i]);
    tp_cert_free(NULL);
}

static void test_cert_parse__cut_at_every_length__truncated(void **state)
{
    (void)state;
    size_t n;
    uint8_t *der = tu_fixture("files/cert.der", &n);
    assert_non_null(der);
    for (size_t i = 0; i < n; i++) {
        uint8_t *cut = tu_exact(der, i);
        struct tp_cert_info *ci = (struct tp_cert_info *)1;
        enum tp_err e = tp_cert_parse(cut, i, &ci);
        assert_int_equal(e, TP_ERR_TRUNCATED);
        assert_null(ci);
        free(cut);
    }
    struct tp_cert_info *ci;
    assert_int_equal(tp_cert_parse(der, n, &ci), TP_OK);
    tp_cert_free(ci);
    /* trailing garbage is not a certificate */
    uint8_t *more = malloc(n + 1);
    memcpy(more, der, n);
    more[n] = 0;
    assert_int_equal(tp_cert_parse(more, n + 1, &ci), TP_ERR_MALFORMED);
    free(more);
    free(der);
}

/* Every byte of a real certificate flipped in turn: a parse that succeeds
 * always hands out a summary and one that fails never does (fuzz_cert found a
 * certificate whose time field failed after the parts were located: TP_OK with
 * NULL; its input is fixtures/fuzz/fuzz_cert/regress-parse-ok-null). A flip
 * inside an extension leaves the certificate readable, with the extension
 * named as undecodable. */
static void test_cert_parse__every_byte_flipped__ok_iff_summary(void **state)
{
    (void)state;
    size_t n;
    uint8_t *der = tu_fixture("files/cert.der", &n);
    assert_non_null(der);
    size_t ok = 0, bad_ext = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t *m = tu_exact(der, n);
        m[i] ^= 0x5a;
        struct tp_cert_info *ci = (struct tp_cert_info *)1;
        enum tp_err e = tp_cert_parse(m, n, &ci);
        if (e == TP_OK) {
            assert_non_null(ci);
            ok++;
            bad_ext += ci->bad_ext[0] != 0;
            tp_cert_free(ci);
        } else {
            assert_null(ci);
        }
        free(m);
    }
    assert_true(ok > 0);
    assert_true(bad_ext > 0); /* some flips break an extension but keep the certificate */
    free(der);
    size_t rn;
    uint8_t *r = tu_fixture("fuzz/fuzz_cert/regress-parse-ok-null", &rn);
    assert_non_null(r);
    struct tp_cert_info *ci = (struct tp_cert_info *)1;
    enum tp_err e = tp_cert_parse(r, rn, &ci);
    assert_int_not_equal(e, TP_OK);
    assert_null(ci);
    free(r);
}

/* fixtures/pki/good.pem with a DER NULL after the Extensions inside the TBS's
 * [3] EXPLICIT wrapper (found while fuzzing SCTs: RFC 6962's TBS re-encoding
 * refused what the summary accepted): not a certificate. */
static void test_cert_parse__bytes_after_extensions__refused(void **state)
{
    (void)state;
    size_t n;
    uint8_t *der = tu_fixture("fuzz/fuzz_cert/regress-junk-after-extensions", &n);
    assert_non_null(der);
    struct tp_cert_info *ci = NULL;
    assert_int_not_equal(tp_cert_parse(der, n, &ci), TP_OK);
    assert_null(ci);
    free(der);
}

/* RFC 6125 §6.4: a table of names against good.pem (SAN DNS:localhost,
 * DNS:server.test, DNS:*.wild.test, IP:127.0.0.1, IP:::1) and cnonly.pem. */
static void test_match_name__rfc6125_table__expected(void **state)
{
    (void)state;
    struct tp_cert_info *good = load("pki/good.pem"), *cn = load("pki/cnonly.pem");
    static const struct { const char *name; enum tp_name_status good, cnonly; } t[] = {
        { "localhost", TP_NAME_OK, TP_NAME_OK_CN_ONLY },
        { "LOCALHOST", TP_NAME_OK, TP_NAME_OK_CN_ONLY },
        { "localhost.", TP_NAME_OK, TP_NAME_OK_CN_ONLY },
        { "Server.Test", TP_NAME_OK, TP_NAME_MISMATCH },
        { "a.wild.test", TP_NAME_OK, TP_NAME_MISMATCH },
        { "A.WILD.TEST.", TP_NAME_OK, TP_NAME_MISMATCH },
        { "a.b.wild.test", TP_NAME_MISMATCH, TP_NAME_MISMATCH },
        { "wild.test", TP_NAME_MISMATCH, TP_NAME_MISMATCH },
        { ".wild.test", TP_NAME_MISMATCH, TP_NAME_MISMATCH },
        { "*.wild.test", TP_NAME_OK, TP_NAME_MISMATCH },
        { "other.test", TP_NAME_MISMATCH, TP_NAME_MISMATCH },
        { "localhost.evil", TP_NAME_MISMATCH, TP_NAME_MISMATCH },
        { "127.0.0.1", TP_NAME_OK, TP_NAME_MISMATCH },
        { "::1", TP_NAME_OK, TP_NAME_MISMATCH },
        { "0:0:0:0:0:0:0:1", TP_NAME_OK, TP_NAME_MISMATCH },
        { "127.0.0.2", TP_NAME_MISMATCH, TP_NAME_MISMATCH },
        { "", TP_NAME_NOT_CHECKED, TP_NAME_NOT_CHECKED },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        print_message("%s\n", t[i].name);
        assert_int_equal(tp_cert_match_name(good, t[i].name), t[i].good);
        assert_int_equal(tp_cert_match_name(cn, t[i].name), t[i].cnonly);
    }
    tp_cert_free(good);
    tp_cert_free(cn);
}

/* A certificate whose SAN holds a NUL byte and a terminal escape, and whose CN
 * holds an escape (fixtures/pki/nasty.pem): lengths kept, never a false match. */
static void test_cert_parse__nul_and_escape_in_names__kept_and_never_match(void **state)
{
    (void)state;
    struct tp_cert_info *ci = load("pki/nasty.pem");
    assert_int_equal(ci->n_san, 2);
    assert_int_equal(ci->san[0].value_len, 15);
    assert_memory_equal(ci->san[0].value, "evil\0.test\x1b[31m", 15);
    assert_string_equal(ci->san[1].value, "good.test");
    assert_string_equal(ci->subject_cn, "nasty\x1b[31m.test");
    assert_null(strchr(ci->subject, 0x1b)); /* RFC 2253 text escapes controls */
    assert_int_equal(tp_cert_match_name(ci, "evil"), TP_NAME_MISMATCH);
    assert_int_equal(tp_cert_match_name(ci, "evil.test"), TP_NAME_MISMATCH);
    assert_int_equal(tp_cert_match_name(ci, "good.test"), TP_NAME_OK);
    tp_cert_free(ci);
}

static void test_match_name__synthetic_patterns__no_partial_no_ip_wildcard(void **state)
{
    (void)state;
    struct tp_san sans[] = {
        { TP_SAN_DNS, "a*.part.test", 12 },
        { TP_SAN_DNS, "*.test", 6 },
        { TP_SAN_DNS, "*.*.two.test", 12 },
        { TP_SAN_DNS, "nul.test\0.evil", 14 },
        { TP_SAN_DNS, "*.10.0.0.1", 10 },
    };
    struct tp_cert_info ci;
    memset(&ci, 0, sizeof ci);
    ci.san = sans;
    ci.n_san = sizeof sans / sizeof sans[0];
    assert_int_equal(tp_cert_match_name(&ci, "ab.part.test"), TP_NAME_MISMATCH);
    assert_int_equal(tp_cert_match_name(&ci, "x.test"), TP_NAME_MISMATCH);
    assert_int_equal(tp_cert_match_name(&ci, "a.b.two.test"), TP_NAME_MISMATCH);
    assert_int_equal(tp_cert_match_name(&ci, "nul.test"), TP_NAME_MISMATCH);
    /* an IP name never matches a DNS SAN, wildcard or not; no IP SAN → CN only, no CN */
    assert_int_equal(tp_cert_match_name(&ci, "10.0.0.1"), TP_NAME_MISMATCH);
    ci.subject_cn = "10.0.0.1";
    assert_int_equal(tp_cert_match_name(&ci, "10.0.0.1"), TP_NAME_OK_CN_ONLY);
    assert_int_equal(tp_cert_match_name(NULL, "x"), TP_NAME_NOT_CHECKED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cert_parse__good__all_fields),
        cmocka_unit_test(test_cert_parse__cas_and_specials__fields),
        cmocka_unit_test(test_cert_parse__cut_at_every_length__truncated),
        cmocka_unit_test(test_cert_parse__every_byte_flipped__ok_iff_summary),
        cmocka_unit_test(test_cert_parse__bytes_after_extensions__refused),
        cmocka_unit_test(test_match_name__rfc6125_table__expected),
        cmocka_unit_test(test_cert_parse__nul_and_escape_in_names__kept_and_never_match),
        cmocka_unit_test(test_match_name__synthetic_patterns__no_partial_no_ip_wildcard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
