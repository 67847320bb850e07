/* The wire writer and the ClientHello builder (tlsprobe/writer.h): every hello
 * written is read back with the project's own parsers (tp_record_parse,
 * tp_hs_header_parse, tp_client_hello_parse), and a buffer one byte short is
 * refused at every size. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/names.h"
#include "tlsprobe/wire.h"
#include "tlsprobe/writer.h"
#include "testutil.h"

static void test_writer__primitives__big_endian_and_vectors(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct tp_writer w;
    tp_writer_init(&w, buf, sizeof buf);
    assert_true(tp_put_u8(&w, 0x01));
    assert_true(tp_put_u16(&w, 0x0203));
    assert_true(tp_put_u24(&w, 0x040506));
    assert_true(tp_put_vec_begin(&w, 2));
    assert_true(tp_put_vec_begin(&w, 1));
    assert_true(tp_put_bytes(&w, "ab", 2));
    assert_true(tp_put_vec_end(&w));
    assert_true(tp_put_vec_end(&w));
    assert_true(tp_writer_done(&w));
    static const uint8_t want[] = { 1, 2, 3, 4, 5, 6, 0, 3, 2, 'a', 'b' };
    assert_int_equal(w.len, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
}

static void test_writer__full__limit_sticks(void **state)
{
    (void)state;
    uint8_t buf[3];
    struct tp_writer w;
    tp_writer_init(&w, buf, sizeof buf);
    assert_true(tp_put_u16(&w, 1));
    assert_false(tp_put_u16(&w, 2));
    assert_int_equal(w.err, TP_ERR_LIMIT);
    assert_false(tp_put_u8(&w, 3)); /* would fit, but the first error sticks */
    assert_int_equal(w.len, 2);
}

static void test_writer__bad_vectors__malformed(void **state)
{
    (void)state;
    uint8_t buf[400];
    struct tp_writer w;
    tp_writer_init(&w, buf, sizeof buf);
    assert_false(tp_put_vec_end(&w));
    assert_int_equal(w.err, TP_ERR_MALFORMED);
    tp_writer_init(&w, buf, sizeof buf);
    assert_true(tp_put_vec_begin(&w, 1));
    assert_true(tp_put_zeros(&w, 256)); /* 256 bytes do not fit an 8-bit length */
    assert_false(tp_put_vec_end(&w));
    assert_int_equal(w.err, TP_ERR_MALFORMED);
    tp_writer_init(&w, buf, sizeof buf);
    assert_false(tp_put_vec_begin(&w, 4));
    tp_writer_init(&w, buf, sizeof buf);
    assert_true(tp_put_vec_begin(&w, 2));
    assert_false(tp_writer_done(&w)); /* still open */
}

static const uint16_t suites[] = { 0x1301, 0x1302, 0xc02f, 0x009c };
static const uint16_t groups[] = { 0x001d, 0x0017, 0x11ec };
static const uint16_t sigalgs[] = { 0x0403, 0x0804, 0x0401 };
static const uint16_t vers[] = { 0x0304, 0x0303 };
static const char *const alpn[] = { "h2", "http/1.1" };
static const uint8_t x25519[32] = { 9 };
static uint8_t hybrid[1184 + 32];

static void full_spec(struct tp_ch_spec *s, struct tp_ch_key_share ks[2], const uint8_t *random,
                      const uint8_t *sid)
{
    memset(s, 0, sizeof *s);
    s->legacy_version = TP_TLS1_2;
    s->random = random;
    s->session_id = sid;
    s->session_id_len = 32;
    s->suites = suites;
    s->n_suites = 4;
    s->sni = "example.com";
    s->groups = groups;
    s->n_groups = 3;
    s->sig_algs = sigalgs;
    s->n_sig_algs = 3;
    s->versions = vers;
    s->n_versions = 2;
    ks[0] = (struct tp_ch_key_share){ 0x11ec, hybrid, sizeof hybrid };
    ks[1] = (struct tp_ch_key_share){ 0x001d, x25519, sizeof x25519 };
    s->send_key_share = true;
    s->key_shares = ks;
    s->n_key_shares = 2;
    s->alpn = alpn;
    s->n_alpn = 2;
    s->ec_point_formats = true;
    s->session_ticket = true;
    s->renegotiation_info = true;
    s->extended_master_secret = true;
    s->psk_modes = true;
}

/* Parse a written record back: record, handshake header, ClientHello. */
static void parse_back(const uint8_t *rec, size_t len, uint16_t want_record_version, struct tp_client_hello *ch)
{
    struct tp_record r;
    size_t used = 0;
    assert_int_equal(tp_record_parse(rec, len, &r, &used), TP_OK);
    assert_int_equal(used, len);
    assert_int_equal(r.type, TP_CT_HANDSHAKE);
    assert_int_equal(r.version, want_record_version);
    struct tp_hs_header h;
    assert_int_equal(tp_hs_header_parse(r.body, &h), TP_OK);
    assert_int_equal(h.type, TP_HS_CLIENT_HELLO);
    assert_int_equal(tp_client_hello_parse(h.body, ch), TP_OK);
}

static void test_client_hello__tls13__round_trip(void **state)
{
    (void)state;
    uint8_t random[32], sid[32];
    for (int i = 0; i < 32; i++) {
        random[i] = (uint8_t)i;
        sid[i] = (uint8_t)(0xa0 + i);
    }
    struct tp_ch_spec s;
    struct tp_ch_key_share ks[2];
    full_spec(&s, ks, random, sid);
    uint8_t buf[4096];
    struct tp_writer w;
    tp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(tp_client_hello_write(&s, &w), TP_OK);
    uint8_t *exact = tu_exact(buf, w.len);
    struct tp_client_hello *ch = malloc(sizeof *ch);
    assert_non_null(ch);
    parse_back(exact, w.len, TP_TLS1_0, ch);
    assert_int_equal(ch->legacy_version, TP_TLS1_2);
    assert_memory_equal(ch->random.p, random, 32);
    assert_int_equal(ch->session_id.len, 32);
    assert_memory_equal(ch->session_id.p, sid, 32);
    assert_int_equal(ch->n_suites, 4);
    assert_memory_equal(ch->suites, suites, sizeof suites);
    assert_int_equal(ch->compression_methods.len, 1);
    assert_true(ch->has_extensions);
    assert_true(ch->ext.has_sni);
    assert_true(tp_bytes_eq_str(ch->ext.sni, "example.com"));
    assert_int_equal(ch->ext.groups.n, 3);
    assert_memory_equal(ch->ext.groups.v, groups, sizeof groups);
    assert_int_equal(ch->ext.sig_algs.n, 3);
    assert_memory_equal(ch->ext.sig_algs.v, sigalgs, sizeof sigalgs);
    assert_int_equal(ch->ext.versions.n, 2);
    assert_int_equal(ch->ext.versions.v[0], 0x0304);
    assert_int_equal(tp_client_hello_max_version(ch), TP_TLS1_3);
    assert_int_equal(ch->ext.n_key_shares, 2);
    assert_int_equal(ch->ext.key_shares[0].group, 0x11ec);
    assert_int_equal(ch->ext.key_shares[0].key_exchange.len, sizeof hybrid);
    assert_int_equal(ch->ext.key_shares[1].group, 0x001d);
    assert_memory_equal(ch->ext.key_shares[1].key_exchange.p, x25519, 32);
    assert_int_equal(ch->ext.alpn.n, 2);
    assert_true(tp_bytes_eq_str(ch->ext.alpn.v[0], "h2"));
    assert_true(tp_bytes_eq_str(ch->ext.alpn.v[1], "http/1.1"));
    assert_true(ch->ext.ec_point_formats.len == 1);
    assert_true(ch->ext.session_ticket);
    assert_true(ch->ext.renegotiation_info);
    assert_true(ch->ext.extended_master_secret);
    assert_int_equal(ch->ext.psk_modes.len, 1);
    free(ch);
    free(exact);
}

static void test_client_hello__empty_key_share__parses(void **state)
{
    (void)state;
    struct tp_ch_spec s;
    memset(&s, 0, sizeof s);
    s.legacy_version = TP_TLS1_2;
    s.suites = suites;
    s.n_suites = 1;
    s.versions = vers;
    s.n_versions = 1;
    s.groups = groups + 2;
    s.n_groups = 1;
    s.send_key_share = true; /* no shares: the server must answer with a HelloRetryRequest */
    uint8_t buf[512];
    struct tp_writer w;
    tp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(tp_client_hello_write(&s, &w), TP_OK);
    struct tp_client_hello *ch = malloc(sizeof *ch);
    assert_non_null(ch);
    parse_back(buf, w.len, TP_TLS1_0, ch);
    assert_int_equal(ch->ext.n_key_shares, 0);
    assert_int_equal(ch->ext.groups.v[0], 0x11ec);
    assert_non_null(tp_name_group(ch->ext.groups.v[0]));
    free(ch);
}

static void test_client_hello__ssl3_deflate__no_extensions(void **state)
{
    (void)state;
    static const uint8_t comp[] = { 1, 0 };
    struct tp_ch_spec s;
    memset(&s, 0, sizeof s);
    s.legacy_version = TP_SSL3_0;
    s.suites = suites + 3;
    s.n_suites = 1;
    s.compression = comp;
    s.n_compression = 2;
    s.no_extensions = true;
    s.sni = "ignored.example";
    uint8_t buf[128];
    struct tp_writer w;
    tp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(tp_client_hello_write(&s, &w), TP_OK);
    struct tp_client_hello *ch = malloc(sizeof *ch);
    assert_non_null(ch);
    parse_back(buf, w.len, TP_SSL3_0, ch);
    assert_int_equal(ch->legacy_version, TP_SSL3_0);
    assert_false(ch->has_extensions);
    assert_int_equal(ch->compression_methods.len, 2);
    assert_int_equal(w.len, 5 + 4 + 2 + 32 + 1 + 2 + 2 + 1 + 2);
    free(ch);
}

static void test_client_hello__short_buffer__limit_at_every_size(void **state)
{
    (void)state;
    uint8_t random[32] = { 0 }, sid[32] = { 0 };
    struct tp_ch_spec s;
    struct tp_ch_key_share ks[2];
    full_spec(&s, ks, random, sid);
    uint8_t full[4096];
    struct tp_writer w;
    tp_writer_init(&w, full, sizeof full);
    assert_int_equal(tp_client_hello_write(&s, &w), TP_OK);
    size_t need = w.len;
    for (size_t cap = 0; cap < need; cap++) {
        uint8_t *b = malloc(cap ? cap : 1); /* exact size: ASan sees any overrun */
        assert_non_null(b);
        tp_writer_init(&w, b, cap);
        assert_int_equal(tp_client_hello_write(&s, &w), TP_ERR_LIMIT);
        assert_true(w.len <= cap);
        free(b);
    }
}

static void test_client_hello__bad_spec__usage(void **state)
{
    (void)state;
    uint8_t buf[512], sid[33] = { 0 };
    struct tp_writer w;
    struct tp_ch_spec s;
    memset(&s, 0, sizeof s);
    s.legacy_version = TP_TLS1_2;
    s.session_id = sid;
    s.session_id_len = 33;
    tp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(tp_client_hello_write(&s, &w), TP_ERR_USAGE);
    static const char *const empty[] = { "" };
    memset(&s, 0, sizeof s);
    s.alpn = empty;
    s.n_alpn = 1;
    assert_int_equal(tp_client_hello_write(&s, &w), TP_ERR_USAGE);
    memset(&s, 0, sizeof s);
    s.n_suites = 2; /* and no list */
    assert_int_equal(tp_client_hello_write(&s, &w), TP_ERR_USAGE);
}

static void test_client_hello__over_one_record__limit(void **state)
{
    (void)state;
    static uint16_t many[9000];
    for (size_t i = 0; i < 9000; i++)
        many[i] = (uint16_t)i;
    struct tp_ch_spec s;
    memset(&s, 0, sizeof s);
    s.legacy_version = TP_TLS1_2;
    s.suites = many;
    s.n_suites = 9000; /* 18,000 bytes: more than one plaintext record (2^14) */
    static uint8_t buf[32768];
    struct tp_writer w;
    tp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(tp_client_hello_write(&s, &w), TP_ERR_LIMIT);
}

static void test_client_hello__padding__256_to_511_become_512(void **state)
{
    (void)state;
    static uint16_t many[300];
    for (size_t i = 0; i < 300; i++)
        many[i] = (uint16_t)(0x0100 + i);
    uint8_t buf[2048];
    for (size_t n = 1; n < 300; n++) {
        struct tp_ch_spec s;
        memset(&s, 0, sizeof s);
        s.legacy_version = TP_TLS1_2;
        s.suites = many;
        s.n_suites = n;
        s.renegotiation_info = true;
        struct tp_writer w;
        tp_writer_init(&w, buf, sizeof buf);
        assert_int_equal(tp_client_hello_write(&s, &w), TP_OK);
        size_t plain = w.len - 5;
        s.padding = true;
        tp_writer_init(&w, buf, sizeof buf);
        assert_int_equal(tp_client_hello_write(&s, &w), TP_OK);
        struct tp_client_hello *ch = malloc(sizeof *ch);
        assert_non_null(ch);
        parse_back(buf, w.len, TP_TLS1_0, ch);
        if (plain > 0xff && plain < 0x200) {
            assert_true(ch->ext.has_padding);
            assert_true(w.len - 5 >= 0x200); /* 512, or one byte more when 509..511 */
            assert_true(w.len - 5 <= 0x200 + 4);
        } else {
            assert_false(ch->ext.has_padding);
            assert_int_equal(w.len - 5, plain);
        }
        free(ch);
    }
}

int main(void)
{
    hybrid[1184] = 9;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer__primitives__big_endian_and_vectors),
        cmocka_unit_test(test_writer__full__limit_sticks),
        cmocka_unit_test(test_writer__bad_vectors__malformed),
        cmocka_unit_test(test_client_hello__tls13__round_trip),
        cmocka_unit_test(test_client_hello__empty_key_share__parses),
        cmocka_unit_test(test_client_hello__ssl3_deflate__no_extensions),
        cmocka_unit_test(test_client_hello__short_buffer__limit_at_every_size),
        cmocka_unit_test(test_client_hello__bad_spec__usage),
        cmocka_unit_test(test_client_hello__over_one_record__limit),
        cmocka_unit_test(test_client_hello__padding__256_to_511_become_512),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
