/* mTLS CA names (src/diagnose/canames.c): a certificate's issuer and a DER
 * distinguished name as text, read with the bounds-checked reader; every cut of
 * a real certificate (fixtures/pki/int.der) is "(unreadable ...)", never a crash
 * or an over-read; names match a chain by DER. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/diagnose.h"
#include "testutil.h"

/* Name: SEQUENCE { SET { SEQUENCE { OID 2.5.4.10, UTF8String "tlsprobe" } },
 *                  SET { SEQUENCE { OID 2.5.4.3, UTF8String "Test CA" } } } */
static const uint8_t dn_der[] = {
    0x30, 0x26, 0x31, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x08, 't',  'l',  's',
    'p',  'r',  'o',  'b',  'e',  0x31, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x08,
    'T',  'e',  's',  't',  ' ',  'C',  'A',  '!',
};

static void test_dn_text__real_name__most_specific_first(void **st)
{
    (void)st;
    char out[256];
    tp_dn_text(tp_bytes_make(dn_der, sizeof dn_der), out, sizeof out);
    assert_string_equal(out, "CN=Test CA!,O=tlsprobe");
    for (size_t k = 0; k < sizeof dn_der; k++) {
        uint8_t *cut = tu_exact(dn_der, k ? k : 1);
        tp_dn_text(tp_bytes_make(cut, k), out, sizeof out);
        assert_string_equal(out, "(unreadable name)");
        free(cut);
    }
    /* A short output buffer is cut, not overrun. */
    tp_dn_text(tp_bytes_make(dn_der, sizeof dn_der), out, 5);
    assert_true(strlen(out) == 4);
}

static void test_cert_issuer_text__int_der__root_name_and_every_cut(void **st)
{
    (void)st;
    size_t len;
    uint8_t *der = tu_fixture("pki/int.der", &len);
    assert_non_null(der);
    char out[512];
    tp_cert_issuer_text(tp_bytes_make(der, len), out, sizeof out);
    assert_string_equal(out, "CN=tlsprobe Test Root CA,O=tlsprobe");
    size_t readable = 0;
    for (size_t k = 0; k < len; k++) {
        uint8_t *cut = tu_exact(der, k ? k : 1);
        tp_cert_issuer_text(tp_bytes_make(cut, k), out, sizeof out);
        readable += strcmp(out, "(unreadable certificate)") != 0;
        free(cut);
    }
    /* The outer SEQUENCE's length covers the whole certificate: every cut fails. */
    assert_int_equal(readable, 0);
    free(der);
}

static void test_ca_names_match_chain__issuer_listed_or_not(void **st)
{
    (void)st;
    size_t len;
    uint8_t *der = tu_fixture("pki/int.der", &len);
    assert_non_null(der);
    struct tp_chain chain;
    memset(&chain, 0, sizeof chain);
    chain.der[0] = tp_bytes_make(der, len);
    chain.n = 1;
    struct tp_bytes_list names;
    memset(&names, 0, sizeof names);
    names.v[0] = tp_bytes_make(dn_der, sizeof dn_der);
    names.n = names.n_total = 1;
    int idx = 7;
    assert_false(tp_ca_names_match_chain(&names, &chain, &idx));
    assert_int_equal(idx, -1);
    /* The root's Name as a CertificateRequest lists it: int.der's issuer field,
     * bytes 47..99 (openssl asn1parse: "47:d=2 hl=2 l=51 cons: SEQUENCE"). */
    assert_true(len > 100 && der[47] == 0x30 && der[48] == 51);
    names.v[1] = tp_bytes_make(der + 47, 53);
    names.n = names.n_total = 2;
    assert_true(tp_ca_names_match_chain(&names, &chain, &idx));
    assert_int_equal(idx, 0);
    char out[256];
    tp_dn_text(names.v[1], out, sizeof out);
    assert_string_equal(out, "CN=tlsprobe Test Root CA,O=tlsprobe");
    /* A certificate whose issuer cannot be read matches nothing. */
    chain.der[0] = tp_bytes_make(dn_der, sizeof dn_der);
    assert_false(tp_ca_names_match_chain(&names, &chain, &idx));
    free(der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dn_text__real_name__most_specific_first),
        cmocka_unit_test(test_cert_issuer_text__int_der__root_name_and_every_cut),
        cmocka_unit_test(test_ca_names_match_chain__issuer_listed_or_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
