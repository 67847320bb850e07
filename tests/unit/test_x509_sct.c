/* Certificate Transparency: SCT list decoding, the log list, the signed data,
 * signature checks and the policy count, with logs made at test time (wolfCrypt
 * P-256 and RSA keys) signing SCTs over fixture certificates. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/signature.h>
#include "tlsprobe/sct.h"
#include "tlsprobe/x509.h"
#include "testutil.h"

/* A test log: a P-256 (or RSA-2048) key, its SPKI and id. */
struct tlog {
    bool rsa;
    ecc_key ecc;
    RsaKey rsak;
    uint8_t spki[600];
    word32 spki_len;
    uint8_t id[32];
};
static WC_RNG rng;
static struct tlog logs[4];

static void tlog_make(struct tlog *l, bool rsa)
{
    l->rsa = rsa;
    if (rsa) {
        assert_int_equal(wc_InitRsaKey(&l->rsak, NULL), 0);
        assert_int_equal(wc_MakeRsaKey(&l->rsak, 2048, 65537, &rng), 0);
        int n = wc_RsaKeyToPublicDer(&l->rsak, l->spki, sizeof l->spki);
        assert_true(n > 0);
        l->spki_len = (word32)n;
    } else {
        assert_int_equal(wc_ecc_init(&l->ecc), 0);
        assert_int_equal(wc_ecc_make_key(&rng, 32, &l->ecc), 0);
        int n = wc_EccPublicKeyToDer(&l->ecc, l->spki, sizeof l->spki, 1);
        assert_true(n > 0);
        l->spki_len = (word32)n;
    }
    assert_int_equal(wc_Sha256Hash(l->spki, l->spki_len, l->id), 0);
}

static int setup(void **st)
{
    (void)st;
    assert_int_equal(wc_InitRng(&rng), 0);
    tlog_make(&logs[0], false);
    tlog_make(&logs[1], false);
    tlog_make(&logs[2], false);
    tlog_make(&logs[3], true);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    for (int i = 0; i < 4; i++) {
        if (logs[i].rsa)
            wc_FreeRsaKey(&logs[i].rsak);
        else
            wc_ecc_free(&logs[i].ecc);
    }
    wc_FreeRng(&rng);
    return 0;
}

/* The log list text: logs[0] and logs[3] by operator "OpA", logs[1] by "OpB",
 * logs[2] by "OpC" (state retired when retired2). */
static struct tp_ct_logs *list_of(bool retired2)
{
    static const char *const ops[] = { "OpA", "OpB", "OpC", "OpA" };
    char text[8192] = "# test logs\n";
    for (int i = 0; i < 4; i++) {
        char id[64], key[1024];
        word32 il = sizeof id, kl = sizeof key;
        assert_int_equal(Base64_Encode_NoNl(logs[i].id, 32, (byte *)id, &il), 0);
        assert_int_equal(Base64_Encode_NoNl(logs[i].spki, logs[i].spki_len, (byte *)key, &kl), 0);
        id[il] = key[kl] = 0;
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, "%s|%s|%s|2020-01-01|-|%s|Test log %d\n", id, ops[i],
                 i == 2 && retired2 ? "retired" : "usable", key, i);
    }
    struct tp_ct_logs *L = NULL;
    char err[160];
    assert_int_equal(tp_ct_logs_parse(text, strlen(text), &L, err, sizeof err), TP_OK);
    assert_int_equal(tp_ct_logs_count(L), 4);
    return L;
}

static struct tp_cert_info *load(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, TP_FIXTURES "/%s", rel);
    struct tp_file *f;
    assert_int_equal(tp_file_read(path, &f), TP_OK);
    struct tp_cert_info *ci = f->objs[0].cert;
    f->objs[0].cert = NULL;
    tp_file_free(f);
    return ci;
}

static size_t put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

/* A SerializedSCT by log l over cert (x509_entry) at ts; corrupt flips a bit of
 * the signature. */
static size_t make_sct(uint8_t *out, const struct tlog *l, const struct tp_cert_info *cert, uint64_t ts, bool corrupt)
{
    struct tp_sct s = { .version = 0, .timestamp = ts, .hash_alg = 4, .sig_alg = l->rsa ? 1 : 3 };
    uint8_t *data = NULL;
    size_t n = 0;
    assert_int_equal(tp_sct_signed_data(&s, cert->der, cert->der_len, NULL, &data, &n), TP_OK);
    uint8_t sig[512];
    word32 sl = sizeof sig;
    if (l->rsa)
        assert_int_equal(wc_SignatureGenerate(WC_HASH_TYPE_SHA256, WC_SIGNATURE_TYPE_RSA_W_ENC, data, (word32)n, sig,
                                              &sl, &l->rsak, sizeof l->rsak, &rng),
                         0);
    else
        assert_int_equal(wc_SignatureGenerate(WC_HASH_TYPE_SHA256, WC_SIGNATURE_TYPE_ECC, data, (word32)n, sig, &sl,
                                              &l->ecc, sizeof l->ecc, &rng),
                         0);
    free(data);
    if (corrupt)
        sig[sl / 2] ^= 1;
    size_t o = 0;
    out[o++] = 0;
    memcpy(out + o, l->id, 32);
    o += 32;
    for (int i = 7; i >= 0; i--)
        out[o++] = (uint8_t)(ts >> (8 * i));
    o += put16(out + o, 0);
    out[o++] = 4;
    out[o++] = l->rsa ? 1 : 3;
    o += put16(out + o, sl);
    memcpy(out + o, sig, sl);
    return o + sl;
}

/* An SCT list from n SCTs (each behind its length). */
static size_t make_list(uint8_t *out, uint8_t scts[][700], const size_t *lens, size_t n)
{
    size_t o = 2;
    for (size_t i = 0; i < n; i++) {
        o += put16(out + o, lens[i]);
        memcpy(out + o, scts[i], lens[i]);
        o += lens[i];
    }
    put16(out, o - 2);
    return o;
}

static const uint64_t TS = 1767225600000ull; /* 2026-01-01 */

static struct tp_ct_result *judge_tls(const int *which, const bool *corrupt, size_t n, struct tp_ct_logs *L)
{
    struct tp_cert_info *leaf = load("pki/good.pem"), *iss = load("pki/int.pem");
    uint8_t scts[4][700], list[4096];
    size_t lens[4];
    for (size_t i = 0; i < n; i++)
        lens[i] = make_sct(scts[i], &logs[which[i]], leaf, TS + i, corrupt && corrupt[i]);
    size_t ll = make_list(list, scts, lens, n);
    uint8_t *exact = tu_exact(list, ll);
    struct tp_ct_input in = { .leaf = leaf, .issuer = iss, .tls_list = tp_bytes_make(exact, ll), .logs = L,
                              .now = (time_t)(TS / 1000) + 86400 };
    struct tp_ct_result *r = tp_ct_judge(&in);
    free(exact);
    tp_cert_free(leaf);
    tp_cert_free(iss);
    return r;
}

static void test_sct_judge__two_operators_tls__verified_and_sufficient(void **st)
{
    (void)st;
    struct tp_ct_logs *L = list_of(false);
    int which[] = { 0, 1 };
    struct tp_ct_result *r = judge_tls(which, NULL, 2, L);
    assert_non_null(r);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->scts[0].status, TP_SCT_VERIFIED);
    assert_int_equal(r->scts[1].status, TP_SCT_VERIFIED);
    assert_int_equal(r->scts[0].source, TP_SCT_TLS);
    assert_string_equal(r->scts[1].log_operator, "OpB");
    assert_int_equal(r->scts[0].timestamp, TS);
    assert_true(r->chrome_ok);
    assert_true(r->apple_ok);
    assert_string_equal(r->missing, "");
    free(r);
    tp_ct_logs_free(L);
}

static void test_sct_judge__rsa_log__verified(void **st)
{
    (void)st;
    struct tp_ct_logs *L = list_of(false);
    int which[] = { 3, 1 };
    struct tp_ct_result *r = judge_tls(which, NULL, 2, L);
    assert_int_equal(r->scts[0].status, TP_SCT_VERIFIED);
    assert_int_equal(r->scts[0].sig_alg, 1);
    assert_true(r->chrome_ok);
    free(r);
    tp_ct_logs_free(L);
}

static void test_sct_judge__corrupt_signature__bad_and_insufficient(void **st)
{
    (void)st;
    struct tp_ct_logs *L = list_of(false);
    int which[] = { 0, 1 };
    bool corrupt[] = { false, true };
    struct tp_ct_result *r = judge_tls(which, corrupt, 2, L);
    assert_int_equal(r->scts[0].status, TP_SCT_VERIFIED);
    assert_int_equal(r->scts[1].status, TP_SCT_BAD_SIGNATURE);
    assert_int_equal(r->n_bad, 1);
    assert_false(r->chrome_ok);
    assert_false(r->apple_ok);
    assert_non_null(strstr(r->missing, "1 log counted of 2 needed"));
    free(r);
    tp_ct_logs_free(L);
}

static void test_sct_judge__same_operator__chrome_insufficient(void **st)
{
    (void)st;
    struct tp_ct_logs *L = list_of(false);
    int which[] = { 0, 3 }; /* both OpA */
    struct tp_ct_result *r = judge_tls(which, NULL, 2, L);
    assert_int_equal(r->n_verified, 2);
    assert_int_equal(r->chrome_delivered.operators, 1);
    assert_false(r->chrome_ok);
    assert_true(r->apple_ok); /* Apple asks no operator spread for delivered SCTs */
    assert_non_null(strstr(r->missing, "Chrome:"));
    assert_non_null(strstr(r->missing, "from 1 operator of 2"));
    free(r);
    tp_ct_logs_free(L);
}

static void test_sct_judge__unknown_and_retired_logs__not_counted(void **st)
{
    (void)st;
    struct tp_ct_logs *L = list_of(true);
    int which[] = { 0, 2 }; /* logs[2] retired */
    struct tp_ct_result *r = judge_tls(which, NULL, 2, L);
    assert_int_equal(r->n_verified, 2);
    assert_int_equal(r->chrome_delivered.have, 1);
    assert_false(r->chrome_ok);
    assert_false(r->undetermined);
    free(r);
    /* the built-in list knows none of the test logs */
    r = judge_tls(which, NULL, 2, NULL);
    assert_int_equal(r->scts[0].status, TP_SCT_UNKNOWN_LOG);
    assert_int_equal(r->n_unknown, 2);
    assert_false(r->chrome_ok);
    assert_true(r->undetermined); /* two unknown logs would be enough */
    free(r);
    tp_ct_logs_free(L);
}

static void test_sct_judge__duplicate_log__counted_once(void **st)
{
    (void)st;
    struct tp_ct_logs *L = list_of(false);
    int which[] = { 0, 0 };
    struct tp_ct_result *r = judge_tls(which, NULL, 2, L);
    assert_int_equal(r->n_verified, 2);
    assert_int_equal(r->chrome_delivered.have, 1);
    assert_false(r->chrome_ok);
    free(r);
    tp_ct_logs_free(L);
}

static void test_sct_judge__future_timestamp__not_counted(void **st)
{
    (void)st;
    struct tp_ct_logs *L = list_of(false);
    struct tp_cert_info *leaf = load("pki/good.pem");
    uint8_t scts[1][700], list[1024];
    size_t lens[1];
    lens[0] = make_sct(scts[0], &logs[0], leaf, TS, false);
    size_t ll = make_list(list, scts, lens, 1);
    struct tp_ct_input in = { .leaf = leaf, .tls_list = tp_bytes_make(list, ll), .logs = L,
                              .now = (time_t)(TS / 1000) - 86400 };
    struct tp_ct_result *r = tp_ct_judge(&in);
    assert_int_equal(r->scts[0].status, TP_SCT_FUTURE);
    free(r);
    tp_cert_free(leaf);
    tp_ct_logs_free(L);
}

static void test_sct_list_parse__cut_everywhere__error_never_crash(void **st)
{
    (void)st;
    struct tp_cert_info *leaf = load("pki/good.pem");
    uint8_t scts[2][700], list[2048];
    size_t lens[2];
    lens[0] = make_sct(scts[0], &logs[0], leaf, TS, false);
    lens[1] = make_sct(scts[1], &logs[3], leaf, TS, false);
    size_t ll = make_list(list, scts, lens, 2);
    struct tp_sct_list *out = malloc(sizeof *out);
    assert_int_equal(tp_sct_list_parse(tp_bytes_make(list, ll), out), TP_OK);
    assert_int_equal(out->n, 2);
    assert_int_equal(out->sct[1].sig_alg, 1);
    assert_int_equal(out->sct[0].log_id.len, 32);
    for (size_t cut = 0; cut < ll; cut++) {
        uint8_t *e = tu_exact(list, cut);
        assert_int_not_equal(tp_sct_list_parse(tp_bytes_make(e, cut), out), TP_OK);
        free(e);
    }
    /* an empty list and an empty SCT are malformed (<1..2^16-1>) */
    static const uint8_t empty[] = { 0, 0 }, empty_sct[] = { 0, 2, 0, 0 };
    assert_int_equal(tp_sct_list_parse(tp_bytes_make(empty, 2), out), TP_ERR_MALFORMED);
    assert_int_equal(tp_sct_list_parse(tp_bytes_make(empty_sct, 4), out), TP_ERR_MALFORMED);
    /* an unknown version is kept, undecoded */
    static const uint8_t v2[] = { 0, 5, 0, 3, 1, 0xaa, 0xbb };
    assert_int_equal(tp_sct_list_parse(tp_bytes_make(v2, sizeof v2), out), TP_OK);
    assert_int_equal(out->sct[0].version, 1);
    free(out);
    tp_cert_free(leaf);
}

static void test_sct_precert_tbs__sct_fixture__extension_removed(void **st)
{
    (void)st;
    struct tp_cert_info *ci = load("pki/sct.pem");
    assert_true(ci->has_sct);
    assert_int_equal(ci->sct_list.len, 2); /* the fixture's fake list: 00 00 */
    uint8_t *tbs = NULL;
    size_t n = 0;
    assert_int_equal(tp_sct_precert_tbs(ci->der, ci->der_len, &tbs, &n), TP_OK);
    /* the original TBS: the certificate's first element */
    const uint8_t *p = ci->der;
    size_t hl = (p[1] & 0x80) ? 2u + (p[1] & 0x7f) : 2u;
    const uint8_t *t = p + hl;
    size_t tl = ((size_t)t[2] << 8) | t[3]; /* 0x30 0x82 LL LL */
    assert_int_equal(t[1], 0x82);
    /* the extension was SEQUENCE { OID(10), OCTET STRING(4) } = 2 + 12 + 6 bytes */
    assert_int_equal(n, 4 + tl - 20);
    static const uint8_t oid[] = { 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02 };
    assert_null(memmem(tbs, n, oid, sizeof oid));
    assert_non_null(memmem(t, tl + 4, oid, sizeof oid));
    free(tbs);
    /* no SCT extension: NOTFOUND */
    struct tp_cert_info *good = load("pki/good.pem");
    assert_int_equal(tp_sct_precert_tbs(good->der, good->der_len, &tbs, &n), TP_ERR_NOTFOUND);
    tp_cert_free(good);
    tp_cert_free(ci);
}

static void test_ct_logs__builtin_and_bad_lines(void **st)
{
    (void)st;
    struct tp_ct_logs *L = NULL;
    char err[160] = "";
    unsetenv("TLSPROBE_CT_LOGS");
    assert_int_equal(tp_ct_logs_load(NULL, &L, err, sizeof err), TP_OK);
    assert_true(tp_ct_logs_count(L) >= 10);
    /* Google 'Argon2026h1': its published log id */
    uint8_t id[48]; /* wolfCrypt wants room for 3/4 of the input */
    word32 il = sizeof id;
    assert_int_equal(Base64_Decode((const byte *)"DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=", 44, id, &il), 0);
    const struct tp_ct_log *lg = tp_ct_logs_find(L, id);
    assert_non_null(lg);
    assert_string_equal(lg->operator_name, "Google");
    tp_ct_logs_free(L);
    static const char *const bad[] = {
        "x|Op|usable|-|-|AAAA|name\n",                                            /* id not 32 bytes */
        "DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=|Op|usable|-|-|AAAA|name\n", /* id != SHA-256(key) */
        "DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=|Op|usable|-|-\n",           /* too few fields */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tp_ct_logs_parse(bad[i], strlen(bad[i]), &L, err, sizeof err), TP_ERR_MALFORMED);
        assert_null(L);
        assert_non_null(strstr(err, "line 1"));
    }
    assert_int_equal(tp_ct_logs_load("/nonexistent/ct-logs.txt", &L, err, sizeof err), TP_ERR_IO);
}

static void test_sct_judge__one_tls_one_ocsp__delivered_counted_together(void **st)
{
    (void)st;
    struct tp_ct_logs *L = list_of(false);
    struct tp_cert_info *leaf = load("pki/good.pem");
    uint8_t scts[1][700], tls[1024], ocsp[1024], ext[1100];
    size_t lens[1];
    lens[0] = make_sct(scts[0], &logs[0], leaf, TS, false);
    size_t tl = make_list(tls, scts, lens, 1);
    lens[0] = make_sct(scts[0], &logs[1], leaf, TS, false);
    size_t ol = make_list(ocsp, scts, lens, 1);
    /* the OCSP extension's value is an OCTET STRING around the list, as in X.509 */
    assert_true(ol < 0x80); /* one length byte: DER's minimal form */
    ext[0] = 0x04;
    ext[1] = (uint8_t)ol;
    memcpy(ext + 2, ocsp, ol);
    struct tp_bytes unwrapped;
    assert_true(tp_sct_ext_unwrap(tp_bytes_make(ext, ol + 2), &unwrapped));
    assert_int_equal(unwrapped.len, ol);
    static const uint8_t overlong[] = { 0x04, 0x81, 0x01, 0x00 }; /* not DER */
    assert_false(tp_sct_ext_unwrap(tp_bytes_make(overlong, sizeof overlong), &unwrapped));
    assert_false(tp_sct_ext_unwrap(tp_bytes_make(ocsp, ol), &unwrapped));
    assert_true(tp_sct_ext_unwrap(tp_bytes_make(ext, ol + 2), &unwrapped));
    struct tp_ct_input in = { .leaf = leaf, .tls_list = tp_bytes_make(tls, tl), .ocsp_list = unwrapped,
                              .logs = L, .now = (time_t)(TS / 1000) + 60 };
    struct tp_ct_result *r = tp_ct_judge(&in);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->scts[0].source, TP_SCT_TLS);
    assert_int_equal(r->scts[1].source, TP_SCT_OCSP);
    assert_int_equal(r->n_verified, 2);
    assert_true(r->chrome_delivered.ok);
    assert_false(r->chrome_embedded.ok);
    assert_true(r->chrome_ok && r->apple_ok);
    free(r);
    /* a list that does not decode is flagged per source, and nothing is judged from it */
    in.ocsp_list = tp_bytes_make(ocsp, 3);
    r = tp_ct_judge(&in);
    assert_true(r->list_malformed[TP_SCT_OCSP]);
    assert_false(r->list_malformed[TP_SCT_TLS]);
    assert_int_equal(r->n, 1);
    assert_false(r->chrome_ok);
    free(r);
    tp_cert_free(leaf);
    tp_ct_logs_free(L);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sct_judge__two_operators_tls__verified_and_sufficient),
        cmocka_unit_test(test_sct_judge__rsa_log__verified),
        cmocka_unit_test(test_sct_judge__corrupt_signature__bad_and_insufficient),
        cmocka_unit_test(test_sct_judge__same_operator__chrome_insufficient),
        cmocka_unit_test(test_sct_judge__unknown_and_retired_logs__not_counted),
        cmocka_unit_test(test_sct_judge__duplicate_log__counted_once),
        cmocka_unit_test(test_sct_judge__future_timestamp__not_counted),
        cmocka_unit_test(test_sct_list_parse__cut_everywhere__error_never_crash),
        cmocka_unit_test(test_sct_precert_tbs__sct_fixture__extension_removed),
        cmocka_unit_test(test_ct_logs__builtin_and_bad_lines),
        cmocka_unit_test(test_sct_judge__one_tls_one_ocsp__delivered_counted_together),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
