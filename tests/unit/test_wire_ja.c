/* JA3, JA3S and JA4 against published vectors. Each ClientHello is built from
 * the lists the source publishes, parsed by tp_client_hello_parse, and
 * fingerprinted; the expected strings/hashes are the source's.
 *
 * Sources:
 *  [SF]  salesforce/ja3 README.md: "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,
 *        0-10-11,23-24-25,0" = ada70206e40642a3e4461f35503241d5, the empty-fields
 *        client vector "769,4-5-10-9-100-98-3-6-19-18-99,,," =
 *        de350869b8c85de67a350c8d186f11e6, and JA3S "769,47,65281-0-11-35-5-16" =
 *        836ce314215654b5b1f85f97c73e506f.
 *  [FOX] FoxIO-LLC/ja4 technical_details/JA4.md ("Example", "Cipher hash",
 *        "Extension hash", "ALPN Extension Value"): t13d1516h2_8daaf6152771_e5627efa2ab1,
 *        the no-signature-algorithms hash 6d807ffa2a79, and the ALPN hex examples.
 *  [BL]  A Chrome 143 ClientHello as reported by browserleaks.com (kept in the
 *        GitHub repository service0427/v2_cp_app, tls.md): ja3_text/ja3_hash
 *        98487aa16281980e7d1120d399efb6a4 and ja4 t13d1516h2_8daaf6152771_d8a2da3f94cd.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/wire.h"
#include "tlsprobe/names.h"
#include "testutil.h"

/* ---- a tiny ClientHello builder ---- */
struct builder {
    uint8_t b[4096];
    size_t n;
};
static void put8(struct builder *w, unsigned v) { w->b[w->n++] = (uint8_t)v; }
static void put16(struct builder *w, unsigned v) { put8(w, v >> 8); put8(w, v & 0xff); }
static void puthex(struct builder *w, const char *hex)
{
    size_t n;
    uint8_t *p = tu_hex(hex, &n);
    memcpy(w->b + w->n, p, n);
    w->n += n;
    free(p);
}

struct ext_spec {
    uint16_t type;
    const char *data_hex;
};

/* body of a ClientHello; n_exts < 0: no extensions block at all */
static size_t build_ch(uint8_t *out, uint16_t version, const uint16_t *suites, size_t n_suites,
                       const struct ext_spec *exts, int n_exts)
{
    struct builder w = { .n = 0 };
    put16(&w, version);
    for (int i = 0; i < 32; i++)
        put8(&w, (unsigned)i);
    put8(&w, 0);
    put16(&w, (unsigned)(2 * n_suites));
    for (size_t i = 0; i < n_suites; i++)
        put16(&w, suites[i]);
    put8(&w, 1);
    put8(&w, 0);
    if (n_exts >= 0) {
        size_t at = w.n;
        put16(&w, 0);
        for (int i = 0; i < n_exts; i++) {
            put16(&w, exts[i].type);
            size_t lat = w.n;
            put16(&w, 0);
            puthex(&w, exts[i].data_hex);
            size_t dl = w.n - lat - 2;
            w.b[lat] = (uint8_t)(dl >> 8);
            w.b[lat + 1] = (uint8_t)dl;
        }
        size_t el = w.n - at - 2;
        w.b[at] = (uint8_t)(el >> 8);
        w.b[at + 1] = (uint8_t)el;
    }
    memcpy(out, w.b, w.n);
    return w.n;
}

static struct tp_client_hello ch;
static uint8_t *keep; /* ch holds views into it: freed on the next parse */

static void parse_built(const uint8_t *body, size_t n)
{
    uint8_t *e = tu_exact(body, n);
    free(keep);
    keep = e;
    assert_int_equal(tp_client_hello_parse(tp_bytes_make(e, n), &ch), TP_OK);
}

static void test_ja3__salesforce_readme_vector__string_and_md5(void **st)
{
    (void)st;
    /* [SF] */
    const uint16_t suites[] = { 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4 };
    const struct ext_spec exts[] = {
        { 0, "00 09 00 00 06 73 65 72 76 65 72" },
        { 10, "00 06 00 17 00 18 00 19" },
        { 11, "01 00" },
    };
    uint8_t body[4096];
    size_t n = build_ch(body, 0x0301, suites, 12, exts, 3);
    parse_built(body, n);
    char s[512], md5[33];
    assert_true(tp_ja3(&ch, s, sizeof s, md5));
    assert_string_equal(s, "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
    assert_string_equal(md5, "ada70206e40642a3e4461f35503241d5");
    /* a too-small buffer: cut, false, same hash */
    char small[10];
    assert_false(tp_ja3(&ch, small, sizeof small, md5));
    assert_string_equal(small, "769,47-53");
    assert_string_equal(md5, "ada70206e40642a3e4461f35503241d5");
}

static void test_ja3__no_extensions__empty_fields(void **st)
{
    (void)st;
    /* [SF] */
    const uint16_t suites[] = { 4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99 };
    uint8_t body[4096];
    size_t n = build_ch(body, 0x0301, suites, 11, NULL, -1);
    parse_built(body, n);
    assert_false(ch.has_extensions);
    char s[512], md5[33];
    assert_true(tp_ja3(&ch, s, sizeof s, md5));
    assert_string_equal(s, "769,4-5-10-9-100-98-3-6-19-18-99,,,");
    assert_string_equal(md5, "de350869b8c85de67a350c8d186f11e6");
}

static void test_ja3s__salesforce_readme_vector__string_and_md5(void **st)
{
    (void)st;
    /* [SF]: ServerHello TLS 1.0, suite 47, extensions 65281-0-11-35-5-16 */
    const char *hex =
        "03 01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f"
        "00 00 2f 00 00 20 ff 01 00 01 00 00 00 00 00 00 0b 00 02 01 00 00 23 00 00 00 05 00 00 00 10 00 05 00"
        "03 02 68 32";
    size_t n;
    uint8_t *b = tu_hex(hex, &n);
    static struct tp_server_hello sh;
    assert_int_equal(tp_server_hello_parse(tp_bytes_make(b, n), &sh), TP_OK);
    char s[256], md5[33];
    assert_true(tp_ja3s(&sh, s, sizeof s, md5));
    assert_string_equal(s, "769,47,65281-0-11-35-5-16");
    assert_string_equal(md5, "836ce314215654b5b1f85f97c73e506f");
    /* remembered: the same again; another suite or extension: a fresh answer */
    assert_true(tp_ja3s(&sh, s, sizeof s, md5));
    assert_string_equal(s, "769,47,65281-0-11-35-5-16");
    assert_string_equal(md5, "836ce314215654b5b1f85f97c73e506f");
    sh.suite = 53;
    assert_true(tp_ja3s(&sh, s, sizeof s, md5));
    assert_string_equal(s, "769,53,65281-0-11-35-5-16");
    sh.suite = 47;
    sh.ext.all.items[0].type = 0x0017;
    assert_true(tp_ja3s(&sh, s, sizeof s, md5));
    assert_string_equal(s, "769,47,23-0-11-35-5-16");
    free(b);
}

/* [FOX] the JA4.md example ClientHello, GREASE added where Chrome puts it */
static const uint16_t fox_suites[] = { 0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                       0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };

static void fox_exts(struct ext_spec *e, const char *sigalgs_hex)
{
    const struct ext_spec base[] = {
        { 0x2a2a, "" },
        { 0x001b, "02 00 02" },
        { 0x0000, "00 0e 00 00 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d" },
        { 0x0033, "00 29 2a 2a 00 01 00 00 1d 00 20 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12"
                  "13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f" },
        { 0x0010, "00 0c 02 68 32 08 68 74 74 70 2f 31 2e 31" },
        { 0x4469, "00 03 02 68 32" },
        { 0x0017, "" },
        { 0x002d, "01 01" },
        { 0x000d, sigalgs_hex },
        { 0x0005, "01 00 00 00 00" },
        { 0x0023, "" },
        { 0x0012, "" },
        { 0x002b, "06 4a 4a 03 04 03 03" },
        { 0xff01, "00" },
        { 0x000b, "01 00" },
        { 0x000a, "00 08 4a 4a 00 1d 00 17 00 18" },
        { 0x0015, "00 00 00" },
        { 0x1a1a, "00" },
    };
    memcpy(e, base, sizeof base);
}

/* The JA4.md example hello, with its signature algorithms, into ch. */
static void parse_fox(void)
{
    struct ext_spec exts[18];
    fox_exts(exts, "00 10 04 03 08 04 04 01 05 03 08 05 05 01 08 06 06 01");
    uint8_t body[4096];
    size_t n = build_ch(body, 0x0303, fox_suites, 16, exts, 18);
    parse_built(body, n);
}

static void test_ja4__foxio_example__matches(void **st)
{
    (void)st;
    parse_fox();
    char ja4[40];
    tp_ja4(&ch, false, ja4);
    assert_string_equal(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    tp_ja4(&ch, true, ja4);
    assert_string_equal(ja4, "q13d1516h2_8daaf6152771_e5627efa2ab1");
}

/* Fingerprints are remembered per thread (src/wire/ja.c): a repeat must give the
 * same answer, a GREASE value swapped for another must too, and every input the
 * algorithms read must lead to a fresh answer (a change the memo's key missed
 * would hand back the old fingerprint). */
struct fp { char ja3[1024], md5[33], ja4[40]; bool ok; };

static void fingerprint(struct fp *f, bool quic)
{
    f->ok = tp_ja3(&ch, f->ja3, sizeof f->ja3, f->md5);
    tp_ja4(&ch, quic, f->ja4);
}

static void test_ja3_ja4__remembered__repeats_same_every_input_counts(void **st)
{
    (void)st;
    parse_fox();
    struct fp base, f;
    fingerprint(&base, false);
    assert_true(base.ok);
    assert_string_equal(base.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    for (int rep = 0; rep < 3; rep++) {
        fingerprint(&f, false);
        assert_true(f.ok);
        assert_string_equal(f.ja3, base.ja3);
        assert_string_equal(f.md5, base.md5);
        assert_string_equal(f.ja4, base.ja4);
    }
    /* a remembered JA3 still honours a short buffer */
    char small[8], md5[33];
    assert_false(tp_ja3(&ch, small, sizeof small, md5));
    assert_memory_equal(small, base.ja3, 7);
    assert_string_equal(md5, base.md5);

    /* other GREASE values in every list: the same fingerprints */
    struct tp_client_hello saved = ch;
    ch.suites[0] = 0x9a9a;
    ch.ext.all.items[0].type = 0xbaba;
    ch.ext.groups.v[0] = 0xcaca;
    ch.ext.versions.v[0] = 0xdada;
    fingerprint(&f, false);
    assert_string_equal(f.ja3, base.ja3);
    assert_string_equal(f.ja4, base.ja4);
    ch = saved;

    /* each input on its own: JA3's and JA4's answers change where they should */
    static const uint8_t fmt1[] = { 1 };
    static const uint8_t h3[] = { 'h', '3' };
    for (int which = 0; which < 12; which++) {
        ch = saved;
        bool quic = false, ja3_changes = false, ja4_changes = false;
        switch (which) {
        case 0: ch.legacy_version = 0x0302; ja3_changes = true; break;
        case 1: ch.suites[1] = 0x1304; ja3_changes = ja4_changes = true; break;
        case 2: ch.ext.all.items[1].type = 0x001c; ja3_changes = ja4_changes = true; break;
        case 3: ch.ext.groups.v[1] = 0x0019; ja3_changes = true; break;
        case 4: ch.ext.ec_point_formats = tp_bytes_make(fmt1, 1); ja3_changes = true; break;
        case 5: ch.ext.sig_algs.v[0] = 0x0807; ja4_changes = true; break;
        case 6: ch.ext.versions.v[1] = 0x0302; ja4_changes = true; break;
        case 7: ch.ext.alpn.v[0] = tp_bytes_make(h3, 2); ja4_changes = true; break;
        case 8: ch.ext.has_sni = false; ja4_changes = true; break;
        case 9: ch.n_suites_total += 100; ja4_changes = true; break;
        case 10: ch.ext.all.n_total += 100; ja4_changes = true; break;
        case 11: quic = true; ja4_changes = true; break;
        }
        fingerprint(&f, quic);
        if (ja3_changes)
            assert_string_not_equal(f.ja3, base.ja3);
        else
            assert_string_equal(f.ja3, base.ja3);
        if (ja4_changes)
            assert_string_not_equal(f.ja4, base.ja4);
        else
            assert_string_equal(f.ja4, base.ja4);
        /* and the changed hello is remembered apart from the original */
        struct fp again;
        fingerprint(&again, quic);
        assert_string_equal(again.ja3, f.ja3);
        assert_string_equal(again.ja4, f.ja4);
    }
    ch = saved;
    fingerprint(&f, false);
    assert_string_equal(f.ja3, base.ja3);
    assert_string_equal(f.ja4, base.ja4);
}

static void test_ja4__no_signature_algorithms__hash_without_underscore(void **st)
{
    (void)st;
    struct ext_spec exts[18];
    fox_exts(exts, "00 00");
    uint8_t body[4096];
    size_t n = build_ch(body, 0x0303, fox_suites, 16, exts, 18);
    parse_built(body, n);
    char ja4[40];
    tp_ja4(&ch, false, ja4);
    assert_string_equal(ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");
}

static void test_ja4__no_sni_no_alpn_no_versions__i_00_and_legacy(void **st)
{
    (void)st;
    /* drop SNI, ALPN and supported_versions: 'i', "00", version from legacy */
    const uint16_t suites[] = { 0x002f };
    const struct ext_spec exts[] = { { 0x0017, "" } };
    uint8_t body[4096];
    size_t n = build_ch(body, 0x0303, suites, 1, exts, 1);
    parse_built(body, n);
    char ja4[40];
    tp_ja4(&ch, false, ja4);
    assert_memory_equal(ja4, "t12i010100_", 11);
    /* no extensions at all: JA4_c is zeros */
    n = build_ch(body, 0x0301, suites, 1, NULL, -1);
    parse_built(body, n);
    tp_ja4(&ch, false, ja4);
    assert_memory_equal(ja4, "t10i010000_", 11);
    assert_string_equal(ja4 + 24, "000000000000");
}

static void test_ja4__alpn_edge_cases__foxio_hex_rule(void **st)
{
    (void)st;
    /* [FOX] "ALPN Extension Value" examples */
    const struct { const char *alpn_hex; const char *want; } cases[] = {
        { "00 02 01 ab", "ab" },
        { "00 03 02 ab cd", "ad" },
        { "00 03 02 30 ab", "3b" },
        { "00 05 04 30 31 ab cd", "3d" },
        { "00 05 04 30 ab cd 31", "01" },
        { "00 09 08 68 74 74 70 2f 31 2e 31", "h1" },
        { "00 02 01 68", "hh" },
    };
    const uint16_t suites[] = { 0x1301 };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ext_spec exts[] = { { 0x0010, cases[i].alpn_hex } };
        uint8_t body[512];
        size_t n = build_ch(body, 0x0303, suites, 1, exts, 1);
        parse_built(body, n);
        char ja4[40];
        tp_ja4(&ch, false, ja4);
        assert_memory_equal(ja4 + 8, cases[i].want, 2);
    }
}

static void test_ja4__lists_beyond_caps__counts_capped_at_99(void **st)
{
    (void)st;
    /* 120 suites (> 99) and 70 extensions (> TP_MAX_EXTENSIONS kept) */
    uint16_t suites[120];
    struct ext_spec exts[70];
    for (int i = 0; i < 120; i++)
        suites[i] = (uint16_t)(0xc000 + i);
    for (int i = 0; i < 70; i++) {
        exts[i].type = (uint16_t)(0xe000 + i);
        exts[i].data_hex = "";
    }
    uint8_t body[4096];
    size_t n = build_ch(body, 0x0303, suites, 120, exts, 70);
    parse_built(body, n);
    assert_int_equal(ch.ext.all.n, TP_MAX_EXTENSIONS);
    char ja4[40];
    tp_ja4(&ch, false, ja4);
    assert_memory_equal(ja4, "t12i997000_", 11);
}

static void test_ja3_ja4__browserleaks_chrome__both_match(void **st)
{
    (void)st;
    /* [BL]: lists in wire order from its ja3_text / ja4_ro; extension data made
     * up but well-formed (only types, groups, point formats, sig algs, ALPN and
     * versions enter the fingerprints). */
    const uint16_t suites[] = { 0x7a7a, 4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392, 49171, 49172,
                                156, 157, 47, 53 };
    const struct ext_spec exts[] = {
        { 0x8a8a, "" },
        { 45, "01 01" },
        { 51, "00 00" },
        { 16, "00 0c 02 68 32 08 68 74 74 70 2f 31 2e 31" },
        { 65037, "00 00 01 00 01 aa 00 00 00 00" },
        { 23, "" },
        { 17613, "00 03 02 68 32" },
        { 0, "00 17 00 00 14 74 6c 73 2e 62 72 6f 77 73 65 72 6c 65 61 6b 73 2e 63 6f 6d" },
        { 11, "01 00" },
        { 10, "00 0a 7a 7a 11 ec 00 1d 00 17 00 18" },
        { 43, "06 6a 6a 03 04 03 03" },
        { 65281, "00" },
        { 35, "" },
        { 18, "" },
        { 5, "01 00 00 00 00" },
        { 13, "00 10 04 03 08 04 04 01 05 03 08 05 05 01 08 06 06 01" },
        { 27, "02 00 02" },
        { 0x9a9a, "00" },
    };
    uint8_t body[4096];
    size_t n = build_ch(body, 0x0303, suites, 16, exts, 18);
    parse_built(body, n);
    char s[1024], md5[33], ja4[40];
    assert_true(tp_ja3(&ch, s, sizeof s, md5));
    assert_string_equal(s, "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
                           "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0");
    assert_string_equal(md5, "98487aa16281980e7d1120d399efb6a4");
    tp_ja4(&ch, false, ja4);
    assert_string_equal(ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
}

static void test_ja3_ja4__tls12_capture__stable_and_well_formed(void **st)
{
    (void)st;
    size_t len;
    uint8_t *buf = tu_fixture("wire/tls12_ecdhe_ecdsa.c2s.bin", &len);
    assert_non_null(buf);
    struct tp_record rec;
    size_t used;
    assert_int_equal(tp_record_parse(buf, len, &rec, &used), TP_OK);
    struct tp_hs_header h;
    assert_int_equal(tp_hs_header_parse(rec.body, &h), TP_OK);
    assert_int_equal(tp_client_hello_parse(h.body, &ch), TP_OK);
    char s[2048], md5[33], ja4[40];
    assert_true(tp_ja3(&ch, s, sizeof s, md5));
    assert_memory_equal(s, "771,", 4);
    assert_int_equal(strlen(md5), 32);
    tp_ja4(&ch, false, ja4);
    /* OpenSSL 3.0 s_client: TLS 1.3 offered, SNI, h2 first */
    assert_memory_equal(ja4, "t13d", 4);
    assert_memory_equal(ja4 + 8, "h2_", 3);
    assert_int_equal(strlen(ja4), 36);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ja3__salesforce_readme_vector__string_and_md5),
        cmocka_unit_test(test_ja3__no_extensions__empty_fields),
        cmocka_unit_test(test_ja3s__salesforce_readme_vector__string_and_md5),
        cmocka_unit_test(test_ja4__foxio_example__matches),
        cmocka_unit_test(test_ja3_ja4__remembered__repeats_same_every_input_counts),
        cmocka_unit_test(test_ja4__no_signature_algorithms__hash_without_underscore),
        cmocka_unit_test(test_ja4__no_sni_no_alpn_no_versions__i_00_and_legacy),
        cmocka_unit_test(test_ja4__alpn_edge_cases__foxio_hex_rule),
        cmocka_unit_test(test_ja4__lists_beyond_caps__counts_capped_at_99),
        cmocka_unit_test(test_ja3_ja4__browserleaks_chrome__both_match),
        cmocka_unit_test(test_ja3_ja4__tls12_capture__stable_and_well_formed),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(keep);
    return rc;
}
