/* The public trust-store data (src/x509/truststores.c): the parser (cut at
 * every length, bad lines named by number), lookups by certificate SHA-256, by
 * subject + SPKI (a re-issued root), by issuer + key id, a distrusted and a
 * missing root, the repository's real data file, the default location and
 * tp_chain_verify's verdict for the fixture PKI. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/truststores.h"
#include "tlsprobe/x509.h"
#include "testutil.h"

#define PKI TP_FIXTURES "/pki/"
#define DATA_DIR TP_FIXTURES "/../data"

static struct tp_cert_info *load_cert(const char *rel, size_t index)
{
    char path[512];
    snprintf(path, sizeof path, PKI "%s", rel);
    struct tp_file *f = NULL;
    assert_int_equal(tp_file_read(path, &f), TP_OK);
    size_t k = 0;
    struct tp_cert_info *ci = NULL;
    for (size_t i = 0; i < f->n_objs; i++)
        if (f->objs[i].kind == TP_OBJ_CERTIFICATE && k++ == index)
            assert_int_equal(tp_cert_parse(f->objs[i].der, f->objs[i].der_len, &ci), TP_OK);
    tp_file_free(f);
    assert_non_null(ci);
    return ci;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = 0;
}

/* One R line for ci: its real hashes, or another certificate hash (re-issued). */
static void root_line(char *out, size_t cap, const struct tp_cert_info *ci, bool other_cert, const char *cells,
                      const char *name)
{
    char cert[65], spki[65], subj[17], ski[129] = "-";
    uint8_t h[32];
    hex(cert, ci->sha256, 32);
    if (other_cert)
        memset(cert, 'e', 64);
    hex(spki, ci->spki_sha256, 32);
    assert_int_equal(wc_Sha256Hash(ci->subject_der.p, (word32)ci->subject_der.len, h), 0);
    hex(subj, h, 8);
    if (ci->ski_len)
        hex(ski, ci->ski, ci->ski_len);
    snprintf(out, cap, "R\t%s\t%s\t%s\t%s\t%s\t%s\n", cert, spki, subj, ski, cells, name);
}

static const char HEAD[] = "# test data\n"
                           "D\texample/observatory\t0123456789abcdef\t2026-07-19\n"
                           "S\tmozilla\tMozilla\t-\t2026-07-19\t2017-12-31\t37\n"
                           "S\tmicrosoft\tMicrosoft\t-\t2026-07-19\t2017-12-27\t41\n"
                           "S\tandroid\tAndroid\t17.0.0_r1\t2026-06-21\t8\t11\n";

static struct tp_trust_db *db_of(const char *text)
{
    struct tp_trust_db *db = NULL;
    char err[200] = "";
    enum tp_err e = tp_trust_db_parse((const uint8_t *)text, strlen(text), &db, err, sizeof err);
    if (e != TP_OK)
        fail_msg("parse: %s", err);
    return db;
}

static void test_lookup__by_fingerprint__cert_match_with_cells(void **state)
{
    (void)state;
    struct tp_cert_info *root = load_cert("root.pem", 0);
    char text[2048], line[600];
    root_line(line, sizeof line, root, false, "+\t+2018-09-23\t+14", "tlsprobe Test Root");
    snprintf(text, sizeof text, "%s%s", HEAD, line);
    struct tp_trust_db *db = db_of(text);
    assert_int_equal(tp_trust_db_count(db), 1);
    assert_string_equal(tp_trust_db_source(db), "example/observatory 0123456 2026-07-19");
    struct tp_trust_verdict *v = malloc(sizeof *v);
    assert_true(tp_trust_db_lookup(db, root->sha256, NULL, 0, NULL, NULL, 0, NULL, 0, v));
    assert_int_equal(v->match, TP_TRUST_MATCH_CERT);
    assert_string_equal(v->root, "tlsprobe Test Root");
    assert_memory_equal(v->root_sha256, root->sha256, 32);
    assert_int_equal(v->n_stores, 3);
    assert_string_equal(v->stores[0].key, "mozilla");
    assert_int_equal(v->stores[0].status, TP_TRUST_TRUSTED);
    assert_string_equal(v->stores[0].since, "");
    assert_string_equal(v->stores[1].since, "2018-09-23");
    assert_string_equal(v->stores[2].name, "Android");
    assert_string_equal(v->stores[2].since, "14");
    assert_string_equal(v->stores[2].date, "2026-06-21");
    assert_string_equal(v->stores[2].oldest, "8");
    free(v);
    tp_trust_db_free(db);
    tp_cert_free(root);
}

static void test_lookup__reissued_same_subject_and_key__key_match(void **state)
{
    (void)state;
    struct tp_cert_info *root = load_cert("root.pem", 0);
    char text[2048], line[600];
    root_line(line, sizeof line, root, true, "+\t-\t~8..13", "Old issue of the root");
    snprintf(text, sizeof text, "%s%s", HEAD, line);
    struct tp_trust_db *db = db_of(text);
    struct tp_trust_verdict *v = malloc(sizeof *v);
    assert_true(tp_trust_db_lookup(db, root->sha256, root->subject_der.p, root->subject_der.len, root->spki_sha256,
                                   NULL, 0, NULL, 0, v));
    assert_int_equal(v->match, TP_TRUST_MATCH_KEY);
    assert_int_equal(v->stores[1].status, TP_TRUST_ABSENT);
    assert_int_equal(v->stores[2].status, TP_TRUST_REMOVED);
    assert_string_equal(v->stores[2].since, "8");
    assert_string_equal(v->stores[2].until, "13");
    /* another key with the same name is not the root */
    uint8_t other[32];
    memcpy(other, root->spki_sha256, 32);
    other[0] ^= 1;
    assert_false(tp_trust_db_lookup(db, root->sha256, root->subject_der.p, root->subject_der.len, other, NULL, 0,
                                    NULL, 0, v));
    assert_int_equal(v->match, TP_TRUST_MATCH_NONE);
    free(v);
    tp_trust_db_free(db);
    tp_cert_free(root);
}

static void test_lookup__by_issuer_name_and_key_id__issuer_match(void **state)
{
    (void)state;
    struct tp_cert_info *root = load_cert("root.pem", 0);
    struct tp_cert_info *inter = load_cert("int.pem", 0);
    assert_true(inter->aki_len > 0 && root->ski_len > 0);
    char text[2048], line[600];
    root_line(line, sizeof line, root, false, "x\t+\t+", "tlsprobe Test Root");
    snprintf(text, sizeof text, "%s%s", HEAD, line);
    struct tp_trust_db *db = db_of(text);
    struct tp_trust_verdict *v = malloc(sizeof *v);
    assert_true(tp_trust_db_lookup(db, inter->sha256, inter->subject_der.p, inter->subject_der.len,
                                   inter->spki_sha256, inter->issuer_der.p, inter->issuer_der.len, inter->aki,
                                   inter->aki_len, v));
    assert_int_equal(v->match, TP_TRUST_MATCH_ISSUER);
    assert_int_equal(v->stores[0].status, TP_TRUST_DISTRUSTED);
    /* the same name with another key id is another CA */
    uint8_t aki[64];
    memcpy(aki, inter->aki, inter->aki_len);
    aki[0] ^= 0xff;
    assert_false(tp_trust_db_lookup(db, inter->sha256, NULL, 0, NULL, inter->issuer_der.p, inter->issuer_der.len,
                                    aki, inter->aki_len, v));
    free(v);
    tp_trust_db_free(db);
    tp_cert_free(inter);
    tp_cert_free(root);
}

static void test_real_data__isrg_trusted_dst_distrusted_unknown_missing(void **state)
{
    (void)state;
    struct tp_trust_db *db = NULL;
    char err[256] = "";
    assert_int_equal(tp_trust_db_load(DATA_DIR "/trust-stores.tsv", &db, err, sizeof err), TP_OK);
    assert_true(tp_trust_db_count(db) > 500);
    assert_non_null(strstr(tp_trust_db_source(db), "trust_stores_observatory"));
    size_t n;
    uint8_t *isrg = tu_hex("96bcec06264976f37460779acf28c5a7cfe8a3c0aae11a8ffcee05c0bddf08c6", &n);
    uint8_t *dst = tu_hex("0687260331a72403d909f105e69bcf0d32e1bd2493ffc6d9206d11bcd6770739", &n);
    struct tp_trust_verdict *v = malloc(sizeof *v);
    assert_true(tp_trust_db_lookup(db, isrg, NULL, 0, NULL, NULL, 0, NULL, 0, v));
    assert_string_equal(v->root, "ISRG Root X1");
    assert_int_equal(v->n_stores, 5);
    for (size_t i = 0; i < v->n_stores; i++)
        assert_int_equal(v->stores[i].status, TP_TRUST_TRUSTED);
    assert_true(tp_trust_db_lookup(db, dst, NULL, 0, NULL, NULL, 0, NULL, 0, v));
    assert_string_equal(v->root, "DST Root CA X3");
    size_t gone = 0;
    for (size_t i = 0; i < v->n_stores; i++) {
        gone += v->stores[i].status == TP_TRUST_REMOVED || v->stores[i].status == TP_TRUST_DISTRUSTED;
        assert_int_not_equal(v->stores[i].status, TP_TRUST_TRUSTED);
    }
    assert_int_equal(gone, 5);
    isrg[5] ^= 1; /* not a public root */
    assert_false(tp_trust_db_lookup(db, isrg, NULL, 0, NULL, NULL, 0, NULL, 0, v));
    assert_int_equal(v->match, TP_TRUST_MATCH_NONE);
    assert_int_equal(v->stores[0].status, TP_TRUST_ABSENT);
    free(v);
    free(isrg);
    free(dst);
    tp_trust_db_free(db);
}

static void test_load_default__env_dir__found_or_notfound(void **state)
{
    (void)state;
    struct tp_trust_db *db = NULL;
    char err[256];
    setenv("TLSPROBE_DATA_DIR", DATA_DIR, 1);
    assert_int_equal(tp_trust_db_load_default(&db, err, sizeof err), TP_OK);
    assert_non_null(db);
    tp_trust_db_free(db);
    setenv("TLSPROBE_DATA_DIR", TP_FIXTURES "/no-such-dir", 1);
    assert_int_equal(tp_trust_db_load_default(&db, err, sizeof err), TP_ERR_NOTFOUND);
    assert_null(db);
    assert_non_null(strstr(err, "trust-stores.tsv"));
    unsetenv("TLSPROBE_DATA_DIR");
}

static void test_judge__verified_fixture_chain__anchor_and_not_judged_without_data(void **state)
{
    (void)state;
    struct tp_cert_info *root = load_cert("root.pem", 0);
    char text[2048], line[600];
    root_line(line, sizeof line, root, false, "~2017-12-31..2021-09-25\tx\t+9", "tlsprobe Test Root");
    snprintf(text, sizeof text, "%s%s", HEAD, line);
    struct tp_trust_db *db = db_of(text);
    struct tp_file *f = NULL;
    assert_int_equal(tp_file_read(PKI "good-fullchain.pem", &f), TP_OK);
    struct tp_bytes certs[4];
    size_t n = 0;
    for (size_t i = 0; i < f->n_objs && n < 4; i++)
        certs[n++] = tp_bytes_make(f->objs[i].der, f->objs[i].der_len);
    struct tp_store *st = NULL;
    char err[128];
    assert_int_equal(tp_store_load(PKI "root.pem", NULL, &st, err, sizeof err), TP_OK);
    struct tp_verify_opts o = { .store = st, .host = "localhost", .trust_db = db };
    struct tp_verify_result *r = NULL;
    assert_int_equal(tp_chain_verify(certs, n, &o, &r), TP_OK);
    assert_int_equal(r->status, TP_PATH_OK);
    assert_true(r->trust.judged);
    assert_int_equal(r->trust.match, TP_TRUST_MATCH_CERT);
    assert_int_equal(r->trust.stores[0].status, TP_TRUST_REMOVED);
    assert_int_equal(r->trust.stores[1].status, TP_TRUST_DISTRUSTED);
    assert_int_equal(r->trust.stores[2].status, TP_TRUST_TRUSTED);
    assert_string_equal(r->trust.alt_root, "");
    tp_verify_result_free(r);
    o.trust_db = NULL;
    assert_int_equal(tp_chain_verify(certs, n, &o, &r), TP_OK);
    assert_false(r->trust.judged);
    tp_verify_result_free(r);
    /* a root not in the data: judged, no match, the top's name */
    tp_trust_db_free(db);
    db = db_of(HEAD);
    o.trust_db = db;
    assert_int_equal(tp_chain_verify(certs, n, &o, &r), TP_OK);
    assert_true(r->trust.judged);
    assert_int_equal(r->trust.match, TP_TRUST_MATCH_NONE);
    assert_non_null(strstr(r->trust.root, "tlsprobe"));
    tp_verify_result_free(r);
    tp_trust_db_free(db);
    tp_store_free(st);
    tp_file_free(f);
    tp_cert_free(root);
}

static const char SMALL[] = "D\tr/x\t0123456789\t2026-01-01\n"
                            "S\tm\tMozilla\t-\t2026-01-01\t2020-01-01\t2\n"
                            "S\ta\tAndroid\t14.0.0_r1\t2026-01-01\t8\t5\n"
                            "R\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\t-\t-\t-\t+\t~8..13\tA Root\n"
                            "R\tbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\t"
                            "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\t0011223344556677\t"
                            "0011\tx\t+9\tB Root\n";

static void test_parse__cut_at_every_length__ok_or_clean_error(void **state)
{
    (void)state;
    size_t len = strlen(SMALL);
    size_t ok = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *p = tu_exact((const uint8_t *)SMALL, cut);
        struct tp_trust_db *db = NULL;
        char err[128] = "";
        enum tp_err e = tp_trust_db_parse(p, cut, &db, err, sizeof err);
        if (e == TP_OK) {
            ok++;
            assert_non_null(db);
        } else {
            assert_null(db);
            assert_true(err[0] != 0);
        }
        tp_trust_db_free(db);
        free(p);
    }
    assert_true(ok >= 2); /* cut after a whole line, and the whole text */
    struct tp_trust_db *db = db_of(SMALL);
    assert_int_equal(tp_trust_db_count(db), 2);
    tp_trust_db_free(db);
}

static void test_parse__bad_lines__malformed_with_line_number(void **state)
{
    (void)state;
    static const struct {
        const char *text, *says;
    } bad[] = {
        { "", "no store" },
        { "# only a comment\n", "no store" },
        { "X\tfoo\n", "line 1: not a D, S or R" },
        { "R\taa\n", "line 1: a root before any store" },
        { "S\tm\tM\t-\t2026-01-01\t2020-01-01\t1\nR\tzz\t-\t-\t-\t+\tN\n", "line 2: the certificate SHA-256" },
        { "S\tm\tM\t-\t2026-01-01\t2020-01-01\t1\nR\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\t-\t-\t-\t?\tN\n",
          "line 2: store 1: a cell" },
        { "S\tm\tM\t-\t2026-01-01\t2020-01-01\t1\nR\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\t-\t-\t-\t~8\tN\n",
          "line 2: store 1: a cell" },
        { "S\tm\tM\t-\t2026-01-01\t2020-01-01\t1\nR\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\t-\t-\t-\t+\t+\tN\n",
          "line 2: 8 fields, expected 7" },
        { "S\tm\tM\t-\t2026-01-01\t2020-01-01\t1\nR\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\t-\t-\t-\t+\t\n",
          "line 2: the name" },
        { "S\tm\tM\t-\t2026-01-01\t2020-01-01\t1\nS\tm\tM\t-\t2026-01-01\t2020-01-01\t1\n", "line 2: store 'm' twice" },
        { "S\tm\tM\t-\t2026-01-01\n", "line 1: a store (S) line is" },
        { "S\tm\tM\t-\t2026-01-01\t2020-01-01\t1\nR\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\t-\t-\t-\t+\tN\n"
          "S\tn\tN\t-\t2026-01-01\t2020-01-01\t1\n", "line 3: a store (S) line after the roots" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tp_trust_db *db = NULL;
        char err[200] = "";
        assert_int_equal(tp_trust_db_parse((const uint8_t *)bad[i].text, strlen(bad[i].text), &db, err, sizeof err),
                         TP_ERR_MALFORMED);
        assert_null(db);
        if (!strstr(err, bad[i].says))
            fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].says);
    }
    /* a NUL byte inside the text */
    struct tp_trust_db *db = NULL;
    char err[200];
    assert_int_equal(tp_trust_db_parse((const uint8_t *)"S\0x", 3, &db, err, sizeof err), TP_ERR_MALFORMED);
}

/* The fuzz seeds (fixtures/fuzz/fuzz_truststores) stay what they are meant to be. */
static void test_fuzz_seeds__valid_ones_parse(void **state)
{
    (void)state;
    static const char *const good[] = { "fuzz/fuzz_truststores/small.tsv", "fuzz/fuzz_truststores/head.tsv",
                                        "fuzz/fuzz_truststores/crlf.tsv" };
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        uint8_t *d = tu_fixture(good[i], &n);
        assert_non_null(d);
        struct tp_trust_db *db = NULL;
        char err[200] = "";
        if (tp_trust_db_parse(d, n, &db, err, sizeof err) != TP_OK)
            fail_msg("%s: %s", good[i], err);
        assert_true(tp_trust_db_count(db) >= 1);
        tp_trust_db_free(db);
        free(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup__by_fingerprint__cert_match_with_cells),
        cmocka_unit_test(test_lookup__reissued_same_subject_and_key__key_match),
        cmocka_unit_test(test_lookup__by_issuer_name_and_key_id__issuer_match),
        cmocka_unit_test(test_real_data__isrg_trusted_dst_distrusted_unknown_missing),
        cmocka_unit_test(test_load_default__env_dir__found_or_notfound),
        cmocka_unit_test(test_judge__verified_fixture_chain__anchor_and_not_judged_without_data),
        cmocka_unit_test(test_parse__cut_at_every_length__ok_or_clean_error),
        cmocka_unit_test(test_parse__bad_lines__malformed_with_line_number),
        cmocka_unit_test(test_fuzz_seeds__valid_ones_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
