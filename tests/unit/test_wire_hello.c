/* ClientHello, ServerHello/HRR, EncryptedExtensions and the extensions inside.
 * Vectors: RFC 8448 §3 "Simple 1-RTT Handshake" (hex as printed in the RFC;
 * lengths checked by the header parse: every message must be exactly 4 + its
 * declared length), and the TLS 1.2 captures of fixtures/wire/make_tls12.sh. */
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

/* RFC 8448 §3, ClientHello (196 octets) */
static const char *RFC8448_CH =
    "01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83"
    "02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01"
    "00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00"
    "26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69"
    "1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01"
    "05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01";
/* RFC 8448 §3, ServerHello (90 octets) */
static const char *RFC8448_SH =
    "02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e"
    "d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1"
    "56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04";
/* RFC 8448 §3, EncryptedExtensions (40 octets) */
static const char *RFC8448_EE =
    "08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c 00 02"
    "40 01 00 00 00 00";
/* RFC 8448 §4, the resumed ClientHello with pre_shared_key and padding (512 octets) */
static const char *RFC8448_CH_RESUME =
    "01 00 01 fc 03 03 1b c3 ce b6 bb e3 9c ff 93 83 55 b5 a5 0a db 6d b2 1b 7a 6a f6 49 d7 b4 bc 41 9d 78"
    "76 48 7d 95 00 00 06 13 01 13 03 13 02 01 00 01 cd 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01"
    "00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 33 00 26 00 24 00"
    "1d 00 20 e4 ff b6 8a c0 5f 8d 96 c9 9d a2 66 98 34 6c 6b e1 64 82 ba dd da fe 05 1a 66 b4 f1 8d 66 8f"
    "0b 00 2a 00 00 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01"
    "05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01 00 15 00 57 00 00 00 00"
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 29 00 dd 00 b8 00 b2 2c 03 5d 82 93 59 ee 5f f7 af 4e"
    "c9 00 00 00 00 26 2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70 ad 3c 49 88 83 c9 36 7c 09 a2 be"
    "78 5a bc 55 cd 22 60 97 a3 a9 82 11 72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6 1d 28 27"
    "db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0 37 25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e"
    "3d a2 67 7f a5 90 6c 5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5 ae a6 17 64 6f ac 5c 03"
    "27 2e 97 07 27 c6 21 a7 91 41 ef 5f 7d e6 50 5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 fa d6 aa"
    "cb 00 21 20 3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e"
    "5f 9d";

/* A whole handshake message (header + body) in an exact-size heap block. */
struct msg {
    uint8_t *buf;
    size_t len;
    struct tp_hs_header h;
};

static struct msg msg_hex(const char *hex, uint8_t type, size_t expect_len)
{
    struct msg m;
    size_t n;
    uint8_t *tmp = tu_hex(hex, &n);
    m.buf = tu_exact(tmp, n);
    m.len = n;
    free(tmp);
    assert_int_equal(m.len, expect_len);
    assert_int_equal(tp_hs_header_parse(tp_bytes_make(m.buf, m.len), &m.h), TP_OK);
    assert_int_equal(m.h.type, type);
    assert_int_equal(4 + m.h.length, m.len);
    return m;
}

/* The n-th handshake message (0-based) of a captured stream, before its CCS,
 * copied into an exact-size block. */
static struct msg msg_from_stream(const char *fixture, int index)
{
    size_t len;
    uint8_t *buf = tu_fixture(fixture, &len);
    assert_non_null(buf);
    struct tp_hs_reasm ra;
    tp_hs_reasm_init(&ra);
    size_t off = 0;
    int i = 0;
    struct msg m = { 0 };
    while (off < len && !m.buf) {
        struct tp_record rec;
        size_t used;
        assert_int_equal(tp_record_parse(buf + off, len - off, &rec, &used), TP_OK);
        off += used;
        assert_int_equal(rec.type, TP_CT_HANDSHAKE);
        assert_int_equal(tp_hs_reasm_push(&ra, rec.body), TP_OK);
        struct tp_bytes mb;
        while (!m.buf && tp_hs_reasm_next(&ra, &mb) == TP_OK) {
            if (i++ == index) {
                m.buf = tu_exact(mb.p, mb.len);
                m.len = mb.len;
            }
        }
    }
    tp_hs_reasm_free(&ra);
    free(buf);
    assert_non_null(m.buf);
    assert_int_equal(tp_hs_header_parse(tp_bytes_make(m.buf, m.len), &m.h), TP_OK);
    return m;
}

/* Cut the whole message at every length: the header parse must say TRUNCATED
 * (a message never parses from fewer bytes than it declares). Cut the body at
 * every length and run `parse`: it must not crash and must not return anything
 * but OK / TRUNCATED / MALFORMED (ASan checks the reads: every cut is an
 * exact-size heap block). */
typedef enum tp_err (*body_parser)(struct tp_bytes body, void *out);

static void cut_everywhere_but(const struct msg *m, body_parser parse, void *out, bool body_strict,
                               size_t ok_at)
{
    for (size_t n = 0; n < m->len; n++) {
        uint8_t *p = tu_exact(m->buf, n);
        struct tp_hs_header h;
        assert_int_equal(tp_hs_header_parse(tp_bytes_make(p, n), &h), TP_ERR_TRUNCATED);
        free(p);
    }
    for (size_t n = 0; n < m->h.body.len; n++) {
        uint8_t *p = tu_exact(m->h.body.p, n);
        enum tp_err e = parse(tp_bytes_make(p, n), out);
        if (body_strict && n != ok_at)
            assert_int_equal(e, TP_ERR_TRUNCATED);
        else if (body_strict)
            assert_int_equal(e, TP_OK);
        else
            assert_true(e == TP_OK || e == TP_ERR_TRUNCATED || e == TP_ERR_MALFORMED);
        free(p);
    }
}

static void cut_everywhere(const struct msg *m, body_parser parse, void *out, bool body_strict)
{
    cut_everywhere_but(m, parse, out, body_strict, (size_t)-1);
}

static enum tp_err p_ch(struct tp_bytes b, void *o) { return tp_client_hello_parse(b, o); }
static enum tp_err p_sh(struct tp_bytes b, void *o) { return tp_server_hello_parse(b, o); }
static enum tp_err p_ee(struct tp_bytes b, void *o) { return tp_encrypted_extensions_parse(b, o); }

static struct tp_client_hello ch;   /* big: keep off the stack */
static struct tp_server_hello sh;

static void test_client_hello__rfc8448__all_fields(void **st)
{
    (void)st;
    struct msg m = msg_hex(RFC8448_CH, TP_HS_CLIENT_HELLO, 196);
    assert_int_equal(tp_client_hello_parse(m.h.body, &ch), TP_OK);
    assert_int_equal(ch.legacy_version, 0x0303);
    assert_int_equal(ch.random.len, 32);
    assert_int_equal(ch.random.p[0], 0xcb);
    assert_int_equal(ch.session_id.len, 0);
    assert_int_equal(ch.n_suites, 3);
    assert_int_equal(ch.suites[0], 0x1301);
    assert_int_equal(ch.suites[1], 0x1303);
    assert_int_equal(ch.suites[2], 0x1302);
    assert_int_equal(ch.compression_methods.len, 1);
    assert_true(ch.has_extensions);
    const struct tp_exts *e = &ch.ext;
    assert_int_equal(e->all.n, 9);
    assert_true(e->has_sni);
    assert_true(tp_bytes_eq_str(e->sni, "server"));
    assert_true(e->renegotiation_info);
    assert_int_equal(e->groups.n, 9);
    assert_int_equal(e->groups.v[0], 0x001d);
    assert_int_equal(e->groups.v[8], 0x0104);
    assert_true(e->session_ticket);
    assert_int_equal(e->session_ticket_data.len, 0);
    assert_int_equal(e->n_key_shares, 1);
    assert_int_equal(e->key_shares[0].group, 0x001d);
    assert_int_equal(e->key_shares[0].key_exchange.len, 32);
    assert_int_equal(e->key_shares[0].key_exchange.p[0], 0x99);
    assert_int_equal(e->versions.n, 1);
    assert_int_equal(e->versions.v[0], 0x0304);
    assert_int_equal(e->sig_algs.n, 15);
    assert_int_equal(e->sig_algs.v[0], 0x0403);
    assert_int_equal(e->sig_algs.v[14], 0x0202);
    assert_int_equal(e->psk_modes.len, 1);
    assert_int_equal(e->psk_modes.p[0], 1);
    assert_true(e->has_record_size_limit);
    assert_int_equal(e->record_size_limit, 0x4001);
    assert_false(e->has_psk);
    assert_int_equal(tp_client_hello_max_version(&ch), 0x0304);
    /* cut right after compression_methods it is a valid extension-less hello */
    cut_everywhere_but(&m, p_ch, &ch, true, 2 + 32 + 1 + 2 + 6 + 2);
    free(m.buf);
}

static void test_client_hello__rfc8448_resumption__psk_and_padding(void **st)
{
    (void)st;
    struct msg m = msg_hex(RFC8448_CH_RESUME, TP_HS_CLIENT_HELLO, 512);
    assert_int_equal(tp_client_hello_parse(m.h.body, &ch), TP_OK);
    assert_true(ch.ext.has_psk);
    assert_int_equal(ch.ext.n_psk_identities, 1);
    assert_true(ch.ext.early_data);
    assert_true(ch.ext.has_padding);
    assert_int_equal(ch.ext.padding_len, 0x57);
    /* RFC 8446 §4.2.11: pre_shared_key comes last */
    assert_int_equal(ch.ext.all.items[ch.ext.all.n - 1].type, TP_EXT_PRE_SHARED_KEY);
    size_t no_ext = 2 + 32 + 1 + ch.session_id.len + 2 + 2 * ch.n_suites + 1 + ch.compression_methods.len;
    cut_everywhere_but(&m, p_ch, &ch, true, no_ext);
    free(m.buf);
}

static void test_server_hello__rfc8448__tls13_negotiated(void **st)
{
    (void)st;
    struct msg m = msg_hex(RFC8448_SH, TP_HS_SERVER_HELLO, 90);
    assert_int_equal(tp_server_hello_parse(m.h.body, &sh), TP_OK);
    assert_int_equal(sh.legacy_version, 0x0303);
    assert_int_equal(sh.version, 0x0304);
    assert_false(sh.is_hrr);
    assert_false(sh.downgrade_tls12);
    assert_false(sh.downgrade_tls11);
    assert_int_equal(sh.suite, 0x1301);
    assert_int_equal(sh.ext.n_key_shares, 1);
    assert_int_equal(sh.ext.key_shares[0].group, 0x001d);
    assert_int_equal(sh.ext.key_shares[0].key_exchange.p[0], 0xc9);
    assert_string_equal(tp_name_cipher_suite(sh.suite), "TLS_AES_128_GCM_SHA256");
    /* cut right after the compression method, it is a valid extension-less
     * TLS 1.2 ServerHello; everywhere else it is truncated */
    cut_everywhere_but(&m, p_sh, &sh, true, 2 + 32 + 1 + 2 + 1);
    free(m.buf);
}

static void test_encrypted_extensions__rfc8448__groups_rsl_sni_ack(void **st)
{
    (void)st;
    static struct tp_encrypted_extensions ee;
    struct msg m = msg_hex(RFC8448_EE, TP_HS_ENCRYPTED_EXTENSIONS, 40);
    assert_int_equal(tp_encrypted_extensions_parse(m.h.body, &ee), TP_OK);
    assert_int_equal(ee.ext.all.n, 3);
    assert_int_equal(ee.ext.groups.n, 9);
    assert_int_equal(ee.ext.record_size_limit, 0x4001);
    assert_true(ee.ext.has_sni);
    assert_int_equal(ee.ext.sni.len, 0);
    cut_everywhere(&m, p_ee, &ee, true);
    free(m.buf);
}

static void test_server_hello__hrr_magic__hrr_with_selected_group(void **st)
{
    (void)st;
    /* A HelloRetryRequest built by RFC 8446 §4.1.3: legacy 0303, the magic
     * random, empty session id, 1301, key_share with selected_group secp256r1. */
    const char *hrr =
        "02 00 00 2e 03 03 cf 21 ad 74 e5 9a 61 11 be 1d 8c 02 1e 65 b8 91 c2 a2 11 16 7a bb 8c 5e 07 9e 09 e2"
        "c8 a8 33 9c 00 13 01 00 00 06 00 33 00 02 00 17";
    struct msg m = msg_hex(hrr, TP_HS_SERVER_HELLO, 50);
    assert_int_equal(tp_server_hello_parse(m.h.body, &sh), TP_OK);
    assert_true(sh.is_hrr);
    assert_true(sh.ext.has_hrr_group);
    assert_int_equal(sh.ext.hrr_group, 0x0017);
    assert_int_equal(sh.ext.n_key_shares, 0);
    free(m.buf);
}

static void test_server_hello__tls13_draft18_layout__no_session_id(void **st)
{
    (void)st;
    /* draft-ietf-tls-tls13-18 §4.1.3: version 7f12, random, cipher_suite, extensions
     * (key_share x25519) — no session id, no compression method */
    const char *sh18 =
        "02 00 00 4e 7f 12 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b"
        "1c 1d 1e 1f 13 01 00 28 00 33 00 24 00 1d 00 20 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11"
        "12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f";
    struct msg m = msg_hex(sh18, TP_HS_SERVER_HELLO, 82);
    assert_int_equal(tp_server_hello_parse(m.h.body, &sh), TP_OK);
    assert_int_equal(sh.version, 0x7f12);
    assert_int_equal(sh.suite, 0x1301);
    assert_int_equal(sh.session_id.len, 0);
    assert_int_equal(sh.ext.n_key_shares, 1);
    assert_int_equal(sh.ext.key_shares[0].group, 0x001d);
    assert_string_equal(tp_name_version(sh.version), "TLS 1.3 draft 18");
    assert_true(tp_is_tls13_family(sh.version));
    free(m.buf);
}

static void test_server_hello__tls13_draft23__tls12_layout_and_supported_versions(void **st)
{
    (void)st;
    /* draft 22 and later: the TLS 1.2 layout, the version in supported_versions */
    const char *sh23 =
        "02 00 00 2e 03 03 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b"
        "1c 1d 1e 1f 00 13 01 00 00 06 00 2b 00 02 7f 17";
    struct msg m = msg_hex(sh23, TP_HS_SERVER_HELLO, 50);
    assert_int_equal(tp_server_hello_parse(m.h.body, &sh), TP_OK);
    assert_int_equal(sh.legacy_version, 0x0303);
    assert_int_equal(sh.version, 0x7f17);
    assert_int_equal(tp_tls13_draft(sh.version), 23);
    assert_string_equal(tp_name_version(sh.version), "TLS 1.3 draft 23");
    free(m.buf);
}

static void test_server_hello__downgrade_sentinels__flagged(void **st)
{
    (void)st;
    /* TLS 1.2 ServerHello whose random ends in DOWNGRD 01 / 00, no extensions */
#define DG_FMT "03 03 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 44 4f 57 4e 47 52 44 %02x" \
        "00 c0 2f 00"
    char hex[256];
    for (int v = 0; v <= 2; v++) {
        snprintf(hex, sizeof hex, DG_FMT, v);
        size_t n;
        uint8_t *b = tu_hex(hex, &n);
        assert_int_equal(tp_server_hello_parse(tp_bytes_make(b, n), &sh), TP_OK);
        assert_false(sh.has_extensions);
        assert_int_equal(sh.version, 0x0303);
        assert_int_equal(sh.downgrade_tls12, v == 1);
        assert_int_equal(sh.downgrade_tls11, v == 0);
        free(b);
    }
}

static void test_client_hello__tls12_capture__sni_alpn_and_ja3(void **st)
{
    (void)st;
    struct msg m = msg_from_stream("wire/tls12_ecdhe_ecdsa.c2s.bin", 0);
    assert_int_equal(m.h.type, TP_HS_CLIENT_HELLO);
    assert_int_equal(tp_client_hello_parse(m.h.body, &ch), TP_OK);
    assert_true(tp_bytes_eq_str(ch.ext.sni, "wire.test"));
    assert_int_equal(ch.ext.alpn.n, 2);
    assert_true(tp_bytes_eq_str(ch.ext.alpn.v[0], "h2"));
    assert_true(tp_bytes_eq_str(ch.ext.alpn.v[1], "http/1.1"));
    assert_int_equal(ch.ext.groups.n, 2);
    assert_int_equal(ch.ext.groups.v[0], 0x001d);
    assert_int_equal(ch.ext.groups.v[1], 0x0017);
    /* s_client offered TLS 1.3 too; the server was pinned to 1.2 */
    assert_int_equal(ch.legacy_version, 0x0303);
    assert_int_equal(tp_client_hello_max_version(&ch), 0x0304);
    assert_true(ch.ext.extended_master_secret);
    /* every offered suite has a name */
    for (size_t i = 0; i < ch.n_suites; i++)
        assert_non_null(tp_name_cipher_suite(ch.suites[i]));
    for (size_t i = 0; i < ch.ext.all.n; i++)
        assert_non_null(tp_name_extension(ch.ext.all.items[i].type));
    size_t no_ext = 2 + 32 + 1 + ch.session_id.len + 2 + 2 * ch.n_suites + 1 + ch.compression_methods.len;
    cut_everywhere_but(&m, p_ch, &ch, true, no_ext);
    free(m.buf);
}

static void test_server_hello__tls12_capture__suite_and_flags(void **st)
{
    (void)st;
    struct msg m = msg_from_stream("wire/tls12_ecdhe_rsa.s2c.bin", 0);
    assert_int_equal(m.h.type, TP_HS_SERVER_HELLO);
    assert_int_equal(tp_server_hello_parse(m.h.body, &sh), TP_OK);
    assert_int_equal(sh.version, 0x0303);
    assert_int_equal(sh.suite, 0xc030);
    assert_true(sh.ext.extended_master_secret);
    assert_true(sh.ext.renegotiation_info);
    assert_int_equal(sh.ext.alpn.n, 0); /* s_server was not given -alpn */
    assert_false(sh.downgrade_tls12);
    assert_false(sh.ext.status_request);
    cut_everywhere(&m, p_sh, &sh, false);
    free(m.buf);
}

static void test_status_request__ocsp_stapled_capture__offered_and_acked(void **st)
{
    (void)st;
    struct msg m = msg_from_stream("wire/tls12_ocsp_stapled.c2s.bin", 0);
    assert_int_equal(tp_client_hello_parse(m.h.body, &ch), TP_OK);
    assert_true(ch.ext.status_request);
    free(m.buf);
    m = msg_from_stream("wire/tls12_ocsp_stapled.s2c.bin", 0);
    assert_int_equal(tp_server_hello_parse(m.h.body, &sh), TP_OK);
    assert_true(sh.ext.status_request);
    free(m.buf);
}

/* The n-th record's body of a captured stream, as an exact-size copy. */
static uint8_t *record_body(const char *fixture, int index, size_t *len)
{
    size_t n;
    uint8_t *buf = tu_fixture(fixture, &n);
    assert_non_null(buf);
    size_t off = 0;
    uint8_t *out = NULL;
    for (int i = 0; off < n && !out; i++) {
        struct tp_record rec;
        size_t used;
        assert_int_equal(tp_record_parse(buf + off, n - off, &rec, &used), TP_OK);
        if (i == index) {
            out = tu_exact(rec.body.p, rec.body.len);
            *len = rec.body.len;
        }
        off += used;
    }
    free(buf);
    assert_non_null(out);
    return out;
}

static void test_hello_retry_request__openssl_capture__hrr_then_serverhello(void **st)
{
    (void)st;
    /* fixtures/wire/tls13_hrr.*: client key share X25519, server wants P-256 */
    size_t len;
    struct tp_hs_header h;
    uint8_t *b = record_body("wire/tls13_hrr.s2c.bin", 0, &len);
    assert_int_equal(tp_hs_header_parse(tp_bytes_make(b, len), &h), TP_OK);
    assert_int_equal(tp_server_hello_parse(h.body, &sh), TP_OK);
    assert_true(sh.is_hrr);
    assert_int_equal(sh.version, 0x0304);
    assert_int_equal(sh.suite, 0x1301);
    assert_true(sh.ext.has_hrr_group);
    assert_int_equal(sh.ext.hrr_group, 0x0017);
    /* middlebox compatibility mode: a 32-byte legacy_session_id echo */
    assert_int_equal(sh.session_id.len, 32);
    size_t no_ext = 2 + 32 + 1 + sh.session_id.len + 2 + 1;
    for (size_t n = 0; n < h.body.len; n++) {
        uint8_t *p = tu_exact(h.body.p, n);
        enum tp_err e = tp_server_hello_parse(tp_bytes_make(p, n), &sh);
        assert_int_equal(e, n == no_ext ? TP_OK : TP_ERR_TRUNCATED);
        free(p);
    }
    free(b);
    b = record_body("wire/tls13_hrr.s2c.bin", 2, &len);
    assert_int_equal(tp_hs_header_parse(tp_bytes_make(b, len), &h), TP_OK);
    assert_int_equal(tp_server_hello_parse(h.body, &sh), TP_OK);
    assert_false(sh.is_hrr);
    assert_int_equal(sh.ext.n_key_shares, 1);
    assert_int_equal(sh.ext.key_shares[0].group, 0x0017);
    assert_int_equal(sh.ext.key_shares[0].key_exchange.len, 65);
    free(b);
    /* the client: X25519 share first, then P-256 after the HRR */
    b = record_body("wire/tls13_hrr.c2s.bin", 0, &len);
    assert_int_equal(tp_hs_header_parse(tp_bytes_make(b, len), &h), TP_OK);
    assert_int_equal(tp_client_hello_parse(h.body, &ch), TP_OK);
    assert_int_equal(ch.ext.n_key_shares, 1);
    assert_int_equal(ch.ext.key_shares[0].group, 0x001d);
    free(b);
    b = record_body("wire/tls13_hrr.c2s.bin", 2, &len);
    assert_int_equal(tp_hs_header_parse(tp_bytes_make(b, len), &h), TP_OK);
    assert_int_equal(tp_client_hello_parse(h.body, &ch), TP_OK);
    assert_int_equal(ch.ext.n_key_shares, 1);
    assert_int_equal(ch.ext.key_shares[0].group, 0x0017);
    free(b);
}

/* ---- malformed ---- */

static enum tp_err ch_hex(const char *hex)
{
    size_t n;
    uint8_t *b = tu_hex(hex, &n);
    uint8_t *e = tu_exact(b, n);
    enum tp_err r = tp_client_hello_parse(tp_bytes_make(e, n), &ch);
    free(b);
    free(e);
    return r;
}

#define CH_HEAD "03 03 " \
    "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f " \
    "00 00 02 13 01 01 00 "

static void test_client_hello__malformed_inputs__rejected(void **st)
{
    (void)st;
    /* baseline: no extensions block, and an empty one */
    assert_int_equal(ch_hex(CH_HEAD), TP_OK);
    assert_false(ch.has_extensions);
    assert_int_equal(ch_hex(CH_HEAD "00 00"), TP_OK);
    assert_true(ch.has_extensions);
    /* duplicate extension (RFC 8446 §4.2) */
    assert_int_equal(ch_hex(CH_HEAD "00 08 00 17 00 00 00 17 00 00"), TP_ERR_MALFORMED);
    /* trailing bytes after the extensions block */
    assert_int_equal(ch_hex(CH_HEAD "00 04 00 17 00 00 ff"), TP_ERR_MALFORMED);
    /* an inner vector longer than its extension */
    assert_int_equal(ch_hex(CH_HEAD "00 08 00 0a 00 04 00 10 00 1d"), TP_ERR_MALFORMED);
    /* extension data longer than the block */
    assert_int_equal(ch_hex(CH_HEAD "00 04 00 17 00 05"), TP_ERR_MALFORMED);
    /* odd cipher-suite vector, empty compression list, session id > 32 */
    assert_int_equal(ch_hex("03 03 " "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 "
                            "18 19 1a 1b 1c 1d 1e 1f 00 00 03 13 01 00 01 00"), TP_ERR_MALFORMED);
    assert_int_equal(ch_hex("03 03 " "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 "
                            "18 19 1a 1b 1c 1d 1e 1f 00 00 02 13 01 00"), TP_ERR_MALFORMED);
    /* empty extension that must be empty, with data (EMS) */
    assert_int_equal(ch_hex(CH_HEAD "00 05 00 17 00 01 00"), TP_ERR_MALFORMED);
    /* ALPN with an empty protocol name */
    assert_int_equal(ch_hex(CH_HEAD "00 07 00 10 00 03 00 01 00"), TP_ERR_MALFORMED);
    /* SNI list with host_name of length 0 */
    assert_int_equal(ch_hex(CH_HEAD "00 09 00 00 00 05 00 03 00 00 00"), TP_ERR_MALFORMED);
    /* unknown and GREASE extensions are kept as numbers */
    assert_int_equal(ch_hex(CH_HEAD "00 0a 1a 1a 00 00 fe 99 00 02 ab cd"), TP_OK);
    assert_int_equal(ch.ext.all.n, 2);
    assert_true(tp_is_grease(ch.ext.all.items[0].type));
    assert_int_equal(ch.ext.all.items[1].type, 0xfe99);
    assert_int_equal(ch.ext.all.items[1].data.len, 2);
}

static void test_exts__more_than_cap__counted_and_dups_found(void **st)
{
    (void)st;
    /* 200 distinct empty unknown extensions: kept 64, counted 200; then the
     * same block with a duplicate beyond the cap */
    static uint8_t block[2 * 200 * 4];
    static struct tp_exts ex;
    size_t n = 0;
    for (int i = 0; i < 200; i++) {
        block[n++] = 0xee;
        block[n++] = (uint8_t)i;
        block[n++] = 0;
        block[n++] = 0;
    }
    assert_int_equal(tp_exts_parse(tp_bytes_make(block, n), TP_EXTCTX_CLIENT_HELLO, &ex), TP_OK);
    assert_int_equal(ex.all.n, TP_MAX_EXTENSIONS);
    assert_int_equal(ex.all.n_total, 200);
    block[n++] = 0xee;
    block[n++] = 150;
    block[n++] = 0;
    block[n++] = 0;
    assert_int_equal(tp_exts_parse(tp_bytes_make(block, n), TP_EXTCTX_CLIENT_HELLO, &ex), TP_ERR_MALFORMED);
    /* a duplicate of one of the kept ones, found past the cap */
    block[n - 3] = 3;
    assert_int_equal(tp_exts_parse(tp_bytes_make(block, n), TP_EXTCTX_CLIENT_HELLO, &ex), TP_ERR_MALFORMED);
}

static void test_exts__context__same_code_different_meaning(void **st)
{
    (void)st;
    static struct tp_exts ex;
    /* supported_versions: CH list vs SH single value */
    const uint8_t chv[] = { 0x00, 0x2b, 0x00, 0x05, 0x04, 0x7a, 0x7a, 0x03, 0x04 };
    const uint8_t shv[] = { 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04 };
    assert_int_equal(tp_exts_parse(tp_bytes_make(chv, sizeof chv), TP_EXTCTX_CLIENT_HELLO, &ex), TP_OK);
    assert_int_equal(ex.versions.n, 2);
    assert_true(tp_is_grease(ex.versions.v[0]));
    assert_int_equal(tp_exts_parse(tp_bytes_make(shv, sizeof shv), TP_EXTCTX_SERVER_HELLO, &ex), TP_OK);
    assert_int_equal(ex.versions.n, 1);
    assert_int_equal(ex.versions.v[0], 0x0304);
    assert_int_equal(tp_exts_parse(tp_bytes_make(shv, sizeof shv), TP_EXTCTX_CLIENT_HELLO, &ex), TP_ERR_MALFORMED);
    /* early_data: empty in CH/EE, max size in NST */
    const uint8_t ed[] = { 0x00, 0x2a, 0x00, 0x04, 0x00, 0x00, 0x40, 0x00 };
    assert_int_equal(tp_exts_parse(tp_bytes_make(ed, sizeof ed), TP_EXTCTX_NEW_SESSION_TICKET, &ex), TP_OK);
    assert_int_equal(ex.max_early_data, 0x4000);
    assert_int_equal(tp_exts_parse(tp_bytes_make(ed, sizeof ed), TP_EXTCTX_ENCRYPTED_EXTENSIONS, &ex),
                     TP_ERR_MALFORMED);
    /* pre_shared_key in SH: selected identity */
    const uint8_t psk[] = { 0x00, 0x29, 0x00, 0x02, 0x00, 0x00 };
    assert_int_equal(tp_exts_parse(tp_bytes_make(psk, sizeof psk), TP_EXTCTX_SERVER_HELLO, &ex), TP_OK);
    assert_true(ex.has_psk);
    assert_int_equal(ex.psk_selected, 0);
    /* cookie, certificate_authorities, compress_certificate, post_handshake_auth,
     * encrypt_then_mac, status_request, SCT (CH forms) */
    const char *many =
        "00 2c 00 05 00 03 aa bb cc"
        "00 2f 00 09 00 07 00 05 30 03 31 01 00"
        "00 1b 00 03 02 00 02"
        "00 31 00 00 00 16 00 00"
        "00 05 00 05 01 00 00 00 00"
        "00 12 00 00";
    size_t n;
    uint8_t *b = tu_hex(many, &n);
    assert_int_equal(tp_exts_parse(tp_bytes_make(b, n), TP_EXTCTX_CLIENT_HELLO, &ex), TP_OK);
    assert_int_equal(ex.cookie.len, 3);
    assert_int_equal(ex.ca_names.n, 1);
    assert_int_equal(ex.ca_names.v[0].len, 5);
    assert_int_equal(ex.compress_cert_algs.n, 1);
    assert_int_equal(ex.compress_cert_algs.v[0], 2);
    assert_true(ex.post_handshake_auth);
    assert_true(ex.encrypt_then_mac);
    assert_true(ex.status_request);
    assert_true(ex.sct);
    free(b);
}

static void test_sslv2_hello__v2_record__suites_and_challenge(void **st)
{
    (void)st;
    /* RFC 5246 §E.2 layout: 0x80 len, msg_type 1, version 0301, cipher_spec_length
     * 9, session_id_length 0, challenge_length 16; specs 00002f 000035 010080 */
    const char *v2 =
        "80 22 01 03 01 00 09 00 00 00 10 00 00 2f 00 00 35 01 00 80"
        "00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff";
    size_t n;
    uint8_t *b = tu_hex(v2, &n);
    uint8_t *e = tu_exact(b, n);
    assert_true(tp_sslv2_hello_detect(e, n));
    assert_int_equal(tp_sslv2_hello_parse(tp_bytes_make(e, n), &ch), TP_OK);
    assert_true(ch.sslv2);
    assert_int_equal(ch.legacy_version, 0x0301);
    assert_int_equal(ch.n_suites, 2);
    assert_int_equal(ch.suites[0], 0x002f);
    assert_int_equal(ch.suites[1], 0x0035);
    assert_int_equal(ch.random.len, 16);
    for (size_t k = 0; k < n; k++) {
        uint8_t *p = tu_exact(b, k);
        assert_int_equal(tp_sslv2_hello_parse(tp_bytes_make(p, k), &ch), TP_ERR_TRUNCATED);
        free(p);
    }
    free(b);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_hello__rfc8448__all_fields),
        cmocka_unit_test(test_client_hello__rfc8448_resumption__psk_and_padding),
        cmocka_unit_test(test_server_hello__rfc8448__tls13_negotiated),
        cmocka_unit_test(test_encrypted_extensions__rfc8448__groups_rsl_sni_ack),
        cmocka_unit_test(test_server_hello__hrr_magic__hrr_with_selected_group),
        cmocka_unit_test(test_server_hello__downgrade_sentinels__flagged),
        cmocka_unit_test(test_client_hello__tls12_capture__sni_alpn_and_ja3),
        cmocka_unit_test(test_server_hello__tls12_capture__suite_and_flags),
        cmocka_unit_test(test_hello_retry_request__openssl_capture__hrr_then_serverhello),
        cmocka_unit_test(test_status_request__ocsp_stapled_capture__offered_and_acked),
        cmocka_unit_test(test_client_hello__malformed_inputs__rejected),
        cmocka_unit_test(test_exts__more_than_cap__counted_and_dups_found),
        cmocka_unit_test(test_exts__context__same_code_different_meaning),
        cmocka_unit_test(test_sslv2_hello__v2_record__suites_and_challenge),
        cmocka_unit_test(test_server_hello__tls13_draft18_layout__no_session_id),
        cmocka_unit_test(test_server_hello__tls13_draft23__tls12_layout_and_supported_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
