/* OCSP response decoding, CertID matching and signature checks (x509/ocsp.c),
 * on responses made at test time by `openssl ocsp` from the fixture PKI
 * (tests/unit/make_ocsp.sh): good, revoked, unknown, SHA-256 CertID, delegated
 * responders with and without id-kp-OCSPSigning, a rogue signer, a flipped
 * signature; every prefix of a real response is "truncated". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tlsprobe/ocsp.h"
#include "tlsprobe/sct.h"
#include "tlsprobe/x509.h"
#include "testutil.h"

static char dir[64];

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/tp-ocsp-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "bash %s/../tests/unit/make_ocsp.sh %s %s", TP_FIXTURES, TP_FIXTURES, dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static uint8_t *slurp(const char *name, size_t *len)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *buf = malloc(65536);
    assert_non_null(buf);
    *len = fread(buf, 1, 65536, f);
    fclose(f);
    assert_true(*len > 0);
    return buf;
}

static struct tp_ocsp_response *load(const char *name)
{
    size_t n;
    uint8_t *der = slurp(name, &n);
    uint8_t *exact = tu_exact(der, n);
    struct tp_ocsp_response *r;
    assert_int_equal(tp_ocsp_parse(exact, n, &r), TP_OK);
    free(exact);
    free(der);
    return r;
}

static struct tp_cert_info *cert(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", rel[0] == '/' ? "" : TP_FIXTURES "/pki", rel);
    struct tp_file *f;
    assert_int_equal(tp_file_read(path, &f), TP_OK);
    assert_int_equal(f->objs[0].kind, TP_OBJ_CERTIFICATE);
    struct tp_cert_info *ci = f->objs[0].cert;
    f->objs[0].cert = NULL;
    tp_file_free(f);
    return ci;
}

static void test_ocsp_parse__good__all_fields(void **st)
{
    (void)st;
    struct tp_ocsp_response *r = load("good.der");
    struct tp_cert_info *leaf = cert("good.pem"), *in = cert("int.pem"), *root = cert("root.pem");
    assert_int_equal(r->response_status, TP_OCSP_SUCCESSFUL);
    assert_string_equal(tp_ocsp_resp_status_name(r->response_status), "successful");
    assert_true(r->has_basic);
    assert_string_equal(r->response_type, "1.3.6.1.5.5.7.48.1.1");
    assert_int_equal(r->version, 1);
    assert_false(r->responder_by_key);
    assert_string_equal(r->responder_name, "CN=tlsprobe Test Issuing CA,O=tlsprobe");
    assert_int_equal(r->n_singles, 1);
    assert_int_equal(r->n_singles_total, 1);
    const struct tp_ocsp_single *s = &r->singles[0];
    assert_string_equal(s->hash_alg, "sha1");
    assert_int_equal(s->issuer_name_hash.len, 20);
    assert_int_equal(s->issuer_key_hash.len, 20);
    assert_string_equal(s->serial_hex, leaf->serial_hex);
    assert_int_equal(s->status, TP_OCSP_GOOD);
    assert_string_equal(tp_ocsp_cert_status_name(s->status), "good");
    assert_int_equal(s->revocation_reason, -1);
    assert_true(s->has_next_update);
    assert_int_equal(s->next_update - s->this_update, 7 * 86400);
    assert_true(r->produced_at >= s->this_update - 5 && r->produced_at <= s->this_update + 5);
    assert_true(r->has_nonce);
    assert_true(r->nonce.len >= 8);
    assert_int_equal(r->n_certs, 0);
    assert_string_equal(r->sig_alg, "sha256WithRSAEncryption");
    assert_false(r->sig_weak);
    assert_int_equal(tp_ocsp_find(r, leaf, in), 0);
    assert_int_equal(tp_ocsp_find(r, leaf, root), -1); /* wrong issuer: hashes differ */
    assert_int_equal(tp_ocsp_find(r, in, root), -1);
    struct tp_ocsp_sig_result v;
    tp_ocsp_verify(r, in, 0, &v);
    assert_int_equal(v.status, TP_OCSP_SIG_OK);
    assert_false(v.delegated);
    assert_int_equal(v.signer_index, -1);
    assert_string_equal(tp_ocsp_sig_name(v.status), "valid");
    tp_ocsp_verify(r, root, 0, &v);
    assert_int_equal(v.status, TP_OCSP_SIG_NO_SIGNER);
    assert_true(strlen(v.why) > 10);
    tp_ocsp_free(r);
    r = load("good-sha256.der");
    assert_string_equal(r->singles[0].hash_alg, "sha256");
    assert_int_equal(r->singles[0].issuer_key_hash.len, 32);
    assert_false(r->has_nonce);
    assert_int_equal(tp_ocsp_find(r, leaf, in), 0);
    tp_ocsp_free(r);
    tp_cert_free(leaf);
    tp_cert_free(in);
    tp_cert_free(root);
}

static void test_ocsp_parse__revoked_and_unknown__status(void **st)
{
    (void)st;
    struct tp_ocsp_response *r = load("revoked.der");
    struct tp_cert_info *wh = cert("wronghost.pem"), *leaf = cert("good.pem"), *in = cert("int.pem");
    assert_int_equal(r->n_singles, 1);
    const struct tp_ocsp_single *s = &r->singles[0];
    assert_int_equal(s->status, TP_OCSP_REVOKED);
    assert_int_equal((long long)s->revocation_time, 1735787045LL); /* 2025-01-02T03:04:05Z */
    assert_int_equal(s->revocation_reason, 1);
    assert_string_equal(tp_ocsp_reason_name(s->revocation_reason), "keyCompromise");
    assert_string_equal(s->serial_hex, wh->serial_hex);
    assert_int_equal(tp_ocsp_find(r, wh, in), 0);
    assert_int_equal(tp_ocsp_find(r, leaf, in), -1);
    assert_int_equal(r->n_certs, 1); /* openssl adds the signer: the issuer itself */
    struct tp_ocsp_sig_result v;
    tp_ocsp_verify(r, in, 0, &v);
    assert_int_equal(v.status, TP_OCSP_SIG_OK);
    assert_false(v.delegated);
    tp_ocsp_free(r);
    r = load("unknown.der");
    assert_int_equal(r->singles[0].status, TP_OCSP_UNKNOWN);
    assert_string_equal(tp_ocsp_cert_status_name(r->singles[0].status), "unknown");
    tp_ocsp_free(r);
    assert_null(tp_ocsp_reason_name(7));
    assert_null(tp_ocsp_reason_name(-1));
    assert_string_equal(tp_ocsp_reason_name(0), "unspecified");
    assert_string_equal(tp_ocsp_reason_name(10), "aACompromise");
    tp_cert_free(wh);
    tp_cert_free(leaf);
    tp_cert_free(in);
}

static void test_ocsp_verify__delegated__checked(void **st)
{
    (void)st;
    struct tp_cert_info *in = cert("int.pem"), *leaf = cert("good.pem");
    char rp[128];
    snprintf(rp, sizeof rp, "%s/responder.pem", dir);
    struct tp_cert_info *resp = cert(rp);
    struct tp_ocsp_response *r = load("delegated.der");
    assert_true(r->responder_by_key);
    assert_null(r->responder_name);
    assert_int_equal(r->n_certs, 1);
    assert_memory_equal(r->certs[0]->sha256, resp->sha256, 32);
    assert_int_equal(tp_ocsp_find(r, leaf, in), 0);
    struct tp_ocsp_sig_result v;
    tp_ocsp_verify(r, in, 0, &v);
    assert_int_equal(v.status, TP_OCSP_SIG_OK);
    assert_true(v.delegated);
    assert_int_equal(v.signer_index, 0);
    /* the responder certificate's validity is judged at the given time */
    tp_ocsp_verify(r, in, (time_t)4102444800LL /* 2100 */, &v);
    assert_int_equal(v.status, TP_OCSP_SIG_BAD_DELEGATE);
    assert_non_null(strstr(v.why, "expired"));
    tp_ocsp_verify(r, in, resp->not_before - 10, &v);
    assert_int_equal(v.status, TP_OCSP_SIG_BAD_DELEGATE);
    assert_non_null(strstr(v.why, "not yet valid"));
    tp_ocsp_free(r);

    r = load("noeku.der");
    assert_false(r->responder_by_key);
    tp_ocsp_verify(r, in, 0, &v);
    assert_int_equal(v.status, TP_OCSP_SIG_BAD_DELEGATE);
    assert_non_null(strstr(v.why, "OCSPSigning"));
    tp_ocsp_free(r);

    r = load("rogue.der");
    tp_ocsp_verify(r, in, 0, &v);
    assert_int_equal(v.status, TP_OCSP_SIG_BAD_DELEGATE);
    assert_non_null(strstr(v.why, "not issued by"));
    tp_ocsp_free(r);
    tp_cert_free(resp);
    tp_cert_free(leaf);
    tp_cert_free(in);
}

static void test_ocsp_verify__flipped_signature__bad(void **st)
{
    (void)st;
    struct tp_cert_info *in = cert("int.pem");
    size_t n;
    uint8_t *der = slurp("good.der", &n);
    der[n - 1] ^= 0x01; /* no certs field: the signature ends the response */
    struct tp_ocsp_response *r;
    assert_int_equal(tp_ocsp_parse(der, n, &r), TP_OK);
    struct tp_ocsp_sig_result v;
    tp_ocsp_verify(r, in, 0, &v);
    assert_int_equal(v.status, TP_OCSP_SIG_BAD);
    assert_string_equal(tp_ocsp_sig_name(v.status), "bad-signature");
    tp_ocsp_free(r);
    /* a byte of the signed data changed: also bad */
    der[n - 1] ^= 0x01;
    assert_int_equal(tp_ocsp_parse(der, n, &r), TP_OK);
    size_t at = (size_t)(r->tbs.p - r->der) + r->tbs.len - 3; /* inside the nonce */
    tp_ocsp_free(r);
    der[at] ^= 0x40;
    assert_int_equal(tp_ocsp_parse(der, n, &r), TP_OK);
    tp_ocsp_verify(r, in, 0, &v);
    assert_int_equal(v.status, TP_OCSP_SIG_BAD);
    tp_ocsp_free(r);
    free(der);
    tp_cert_free(in);
}

static void test_ocsp_parse__status_only__no_basic(void **st)
{
    (void)st;
    static const uint8_t try_later[] = { 0x30, 0x03, 0x0a, 0x01, 0x03 };
    static const uint8_t ok_no_bytes[] = { 0x30, 0x03, 0x0a, 0x01, 0x00 };
    static const uint8_t trailing[] = { 0x30, 0x03, 0x0a, 0x01, 0x03, 0x00 };
    static const uint8_t negative[] = { 0x30, 0x03, 0x0a, 0x01, 0x80 };
    struct tp_ocsp_response *r;
    uint8_t *b = tu_exact(try_later, sizeof try_later);
    assert_int_equal(tp_ocsp_parse(b, sizeof try_later, &r), TP_OK);
    free(b);
    assert_int_equal(r->response_status, TP_OCSP_TRY_LATER);
    assert_string_equal(tp_ocsp_resp_status_name(r->response_status), "tryLater");
    assert_false(r->has_basic);
    struct tp_ocsp_sig_result v;
    tp_ocsp_verify(r, NULL, 0, &v);
    assert_int_equal(v.status, TP_OCSP_SIG_NOT_CHECKED);
    tp_ocsp_free(r);
    assert_int_equal(tp_ocsp_parse(ok_no_bytes, sizeof ok_no_bytes, &r), TP_ERR_MALFORMED);
    assert_null(r);
    assert_int_equal(tp_ocsp_parse(trailing, sizeof trailing, &r), TP_ERR_MALFORMED);
    assert_int_equal(tp_ocsp_parse(negative, sizeof negative, &r), TP_ERR_MALFORMED);
    assert_int_equal(tp_ocsp_parse(NULL, 0, &r), TP_ERR_TRUNCATED);
}

/* A SingleResponse with singleExtensions holding the SCT list (RFC 6962 §3.3,
 * 1.3.6.1.4.1.11129.2.4.5): kept as a view for Certificate Transparency. The
 * response is built by hand (openssl ocsp cannot add single extensions); its
 * signature is not checked here. */
static void test_ocsp_parse__single_sct_extension__kept(void **st)
{
    (void)st;
    static const char hex[] =
        "3081d90a0100a081d33081d006092b06010505073001010481c23081bf30819aa2160414333333333333333333333333"
        "3333333333333333180f32303236303130313030303030305a306f306d303b300906052b0e03021a0500041411111111"
        "1111111111111111111111111111111104142222222222222222222222222222222222222222020201028000180f3230"
        "3236303130313030303030305aa11b30193017060a2b06010401d679020405040904070005000300aabb300d06092a86"
        "4886f70d01010b050003110044444444444444444444444444444444";
    size_t n;
    uint8_t *der = tu_hex(hex, &n);
    struct tp_ocsp_response *r = NULL;
    assert_int_equal(tp_ocsp_parse(der, n, &r), TP_OK);
    assert_true(r->has_basic);
    assert_int_equal(r->n_singles, 1);
    const struct tp_ocsp_single *s = &r->singles[0];
    assert_int_equal(s->status, TP_OCSP_GOOD);
    assert_int_equal(s->sct_ext.len, 9);
    struct tp_bytes list;
    assert_true(tp_sct_ext_unwrap(s->sct_ext, &list));
    assert_int_equal(list.len, 7);
    assert_memory_equal(list.p, "\x00\x05\x00\x03\x00\xaa\xbb", 7);
    tp_ocsp_free(r);
    free(der);
}

static void test_ocsp_parse__every_prefix__truncated(void **st)
{
    (void)st;
    static const char *const names[] = { "good.der", "revoked.der", "delegated.der" };
    for (size_t k = 0; k < 3; k++) {
        size_t n;
        uint8_t *der = slurp(names[k], &n);
        for (size_t i = 0; i < n; i++) {
            uint8_t *cut = tu_exact(der, i);
            struct tp_ocsp_response *r = (struct tp_ocsp_response *)1;
            assert_int_equal(tp_ocsp_parse(cut, i, &r), TP_ERR_TRUNCATED);
            assert_null(r);
            free(cut);
        }
        free(der);
    }
}

static void test_ocsp_request__good_leaf__openssl_reads_it(void **st)
{
    (void)st;
    struct tp_cert_info *leaf = cert("good.pem"), *in = cert("int.pem");
    uint8_t *req = NULL;
    size_t n = 0;
    assert_int_equal(tp_ocsp_request(leaf, in, &req, &n), TP_OK);
    assert_true(n > 40);
    char path[128], cmd[2048];
    snprintf(path, sizeof path, "%s/req.der", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(req, 1, n, f), n);
    fclose(f);
    /* openssl decodes it and names the same serial and hashes as its own request */
    snprintf(cmd, sizeof cmd,
             "openssl ocsp -reqin %s -req_text 2>&1 | grep -i 'Serial Number: %s' >/dev/null && "
             "openssl ocsp -issuer %s/pki/int.pem -cert %s/pki/good.pem -no_nonce -req_text -reqout /dev/null "
             "2>/dev/null | grep -A3 'Hash Algorithm' > %s/want.txt && "
             "openssl ocsp -reqin %s -req_text 2>/dev/null | grep -A3 'Hash Algorithm' | cmp -s - %s/want.txt",
             path, "3E1C55CE8FEE13659D29083C54E450FEDBF78489", TP_FIXTURES, TP_FIXTURES, dir, path, dir);
    assert_int_equal(system(cmd), 0);
    free(req);
    tp_cert_free(leaf);
    tp_cert_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ocsp_parse__good__all_fields),
        cmocka_unit_test(test_ocsp_parse__revoked_and_unknown__status),
        cmocka_unit_test(test_ocsp_verify__delegated__checked),
        cmocka_unit_test(test_ocsp_verify__flipped_signature__bad),
        cmocka_unit_test(test_ocsp_parse__status_only__no_basic),
        cmocka_unit_test(test_ocsp_parse__every_prefix__truncated),
        cmocka_unit_test(test_ocsp_parse__single_sct_extension__kept),
        cmocka_unit_test(test_ocsp_request__good_leaf__openssl_reads_it),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
