/* CRL decoding, signature checks and look-ups (x509/crl.c), on CRLs made at
 * test time by `openssl ca -gencrl` from the fixture PKI
 * (tests/unit/make_crl.sh); every prefix of a real CRL is "truncated". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tlsprobe/crl.h"
#include "tlsprobe/x509.h"
#include "testutil.h"

static char dir[64];

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/tp-crl-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "bash %s/../tests/unit/make_crl.sh %s %s", TP_FIXTURES, TP_FIXTURES, dir);
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

static struct tp_crl *load(const char *name)
{
    size_t n;
    uint8_t *der = slurp(name, &n);
    uint8_t *exact = tu_exact(der, n);
    struct tp_crl *c;
    assert_int_equal(tp_crl_parse(exact, n, &c), TP_OK);
    free(exact);
    free(der);
    return c;
}

static struct tp_cert_info *cert(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, TP_FIXTURES "/pki/%s", name);
    struct tp_file *f;
    assert_int_equal(tp_file_read(path, &f), TP_OK);
    struct tp_cert_info *ci = f->objs[0].cert;
    f->objs[0].cert = NULL;
    tp_file_free(f);
    return ci;
}

static void test_crl_parse__full__fields_and_lookup(void **st)
{
    (void)st;
    struct tp_crl *c = load("crl.der");
    struct tp_cert_info *in = cert("int.pem"), *root = cert("root.pem"), *wh = cert("wronghost.pem"),
                        *cn = cert("cnonly.pem"), *good = cert("good.pem");
    assert_int_equal(c->version, 2);
    assert_string_equal(c->issuer, "CN=tlsprobe Test Issuing CA,O=tlsprobe");
    assert_true(c->has_next_update);
    assert_int_equal(c->next_update - c->this_update, 7 * 86400);
    assert_int_equal(c->n_entries, 2);
    assert_int_equal(c->n_entries_total, 2);
    assert_true(c->has_crl_number);
    assert_string_equal(c->crl_number_hex, "05");
    assert_false(c->is_delta);
    assert_string_equal(c->sig_alg, "sha256WithRSAEncryption");
    assert_string_equal(c->entries[0].serial_hex, wh->serial_hex);
    assert_int_equal((long long)c->entries[0].revocation_date, 1735787045LL);
    assert_int_equal(c->entries[0].reason, 1);
    assert_int_equal(c->entries[1].reason, -1);
    assert_int_equal(tp_crl_verify(c, in), 1);
    assert_int_equal(tp_crl_verify(c, root), 0);
    assert_true(tp_crl_covers(c, wh));
    assert_false(tp_crl_covers(c, in)); /* int is issued by the root */
    struct tp_crl_entry e;
    assert_true(tp_crl_lookup(c, wh, &e));
    assert_int_equal(e.reason, 1);
    assert_true(tp_crl_lookup(c, cn, &e));
    assert_int_equal((long long)e.revocation_date, 1738555506LL); /* 2025-02-03T04:05:06Z */
    assert_false(tp_crl_lookup(c, good, &e));
    tp_crl_free(c);
    c = load("delta.der");
    assert_true(c->is_delta);
    assert_string_equal(c->delta_base_hex, "04");
    assert_int_equal(tp_crl_verify(c, in), 1);
    tp_crl_free(c);
    c = load("empty.der");
    assert_int_equal(c->n_entries_total, 0);
    assert_false(tp_crl_lookup(c, wh, &e));
    assert_int_equal(tp_crl_verify(c, in), 1);
    tp_crl_free(c);
    c = load("rogue.der");
    assert_int_equal(tp_crl_verify(c, in), 0);
    assert_false(tp_crl_covers(c, wh));
    tp_crl_free(c);
    tp_cert_free(in);
    tp_cert_free(root);
    tp_cert_free(wh);
    tp_cert_free(cn);
    tp_cert_free(good);
}

static void test_crl_verify__flipped_byte__bad(void **st)
{
    (void)st;
    struct tp_cert_info *in = cert("int.pem");
    size_t n;
    uint8_t *der = slurp("crl.der", &n);
    der[n - 1] ^= 1;
    struct tp_crl *c;
    assert_int_equal(tp_crl_parse(der, n, &c), TP_OK);
    assert_int_equal(tp_crl_verify(c, in), 0);
    tp_crl_free(c);
    free(der);
    tp_cert_free(in);
}

static void test_crl_parse__every_prefix__truncated(void **st)
{
    (void)st;
    size_t n;
    uint8_t *der = slurp("crl.der", &n);
    for (size_t i = 0; i < n; i++) {
        uint8_t *cut = tu_exact(der, i);
        struct tp_crl *c = (struct tp_crl *)1;
        assert_int_equal(tp_crl_parse(cut, i, &c), TP_ERR_TRUNCATED);
        assert_null(c);
        free(cut);
    }
    static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
    struct tp_crl *c;
    assert_int_equal(tp_crl_parse(junk, sizeof junk, &c), TP_ERR_MALFORMED);
    free(der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crl_parse__full__fields_and_lookup),
        cmocka_unit_test(test_crl_verify__flipped_byte__bad),
        cmocka_unit_test(test_crl_parse__every_prefix__truncated),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
