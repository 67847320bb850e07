/* Certificate, CertificateRequest, ServerKeyExchange, ClientKeyExchange,
 * CertificateVerify, Finished, NewSessionTicket, KeyUpdate, CertificateStatus.
 * Vectors: RFC 8448 §3 (TLS 1.3) and the TLS 1.2 captures made by
 * fixtures/wire/make_tls12.sh (ECDHE-ECDSA, ECDHE-RSA, DHE-RSA, client auth). */
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

/* RFC 8448 §3, server Certificate (445 octets) */
static const char *RFC8448_CERT =
    "0b 00 01 b9 00 00 01 b5 00 01 b0 30 82 01 ac 30 82 01 15 a0 03 02 01 02 02 01 02 30 0d 06 09 2a 86 48"
    "86 f7 0d 01 01 0b 05 00 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 1e 17 0d 31 36 30 37 33 30"
    "30 31 32 33 35 39 5a 17 0d 32 36 30 37 33 30 30 31 32 33 35 39 5a 30 0e 31 0c 30 0a 06 03 55 04 03 13"
    "03 72 73 61 30 81 9f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00 b4"
    "bb 49 8f 82 79 30 3d 98 08 36 39 9b 36 c6 98 8c 0c 68 de 55 e1 bd b8 26 d3 90 1a 24 61 ea fd 2d e4 9a"
    "91 d0 15 ab bc 9a 95 13 7a ce 6c 1a f1 9e aa 6a f9 8c 7c ed 43 12 09 98 e1 87 a8 0e e0 cc b0 52 4b 1b"
    "01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 2a 5f da 43 08 46 74 80 30 53 0e f0 46 1c 8c a9 d9 ef bf ae 8e a6"
    "d1 d0 3e 2b d1 93 ef f0 ab 9a 80 02 c4 74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02 03 01 00 01 a3 1a 30 18"
    "30 09 06 03 55 1d 13 04 02 30 00 30 0b 06 03 55 1d 0f 04 04 03 02 05 a0 30 0d 06 09 2a 86 48 86 f7 0d"
    "01 01 0b 05 00 03 81 81 00 85 aa d2 a0 e5 b9 27 6b 90 8c 65 f7 3a 72 67 17 06 18 a5 4c 5f 8a 7b 33 7d"
    "2d f7 a5 94 36 54 17 f2 ea e8 f8 a5 8c 8f 81 72 f9 31 9c f3 6b 7f d6 c5 5b 80 f2 1a 03 01 51 56 72 60"
    "96 fd 33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6 be c1 fc 63 a4 2a 99 be 5c 3e b7 10 7c 3c 54 e9 b9 eb"
    "2b d5 20 3b 1c 3b 84 e0 a8 b2 f7 59 40 9b a3 ea c9 d9 1d 40 2d cc 0c c8 f8 96 12 29 ac 91 87 b4 2b 4d"
    "e1 00 00";
/* RFC 8448 §3, server CertificateVerify (136 octets) */
static const char *RFC8448_CV =
    "0f 00 00 84 08 04 00 80 5a 74 7c 5d 88 fa 9b d2 e5 5a b0 85 a6 10 15 b7 21 1f 82 4c d4 84 14 5a b3 ff"
    "52 f1 fd a8 47 7b 0b 7a bc 90 db 78 e2 d3 3a 5c 14 1a 07 86 53 fa 6b ef 78 0c 5e a2 48 ee aa a7 85 c4"
    "f3 94 ca b6 d3 0b be 8d 48 59 ee 51 1f 60 29 57 b1 54 11 ac 02 76 71 45 9e 46 44 5c 9e a5 8c 18 1e 81"
    "8e 95 b8 c3 fb 0b f3 27 84 09 d3 be 15 2a 3d a5 04 3e 06 3d da 65 cd f5 ae a2 0d 53 df ac d4 2f 74 f3";
/* RFC 8448 §3, server Finished (36 octets) */
static const char *RFC8448_FIN =
    "14 00 00 20 9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f"
    "07 18";
/* RFC 8448 §3, NewSessionTicket (205 octets) */
static const char *RFC8448_NST =
    "04 00 00 c9 00 00 00 1e fa d6 aa c5 02 00 00 00 b2 2c 03 5d 82 93 59 ee 5f f7 af 4e c9 00 00 00 00 26"
    "2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70 ad 3c 49 88 83 c9 36 7c 09 a2 be 78 5a bc 55 cd 22"
    "60 97 a3 a9 82 11 72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6 1d 28 27 db 27 9c ce 14 50"
    "77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0 37 25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5 90"
    "6c 5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5 ae a6 17 64 6f ac 5c 03 27 2e 97 07 27 c6"
    "21 a7 91 41 ef 5f 7d e6 50 5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 00 08 00 2a 00 04 00 00 04"
    "00";

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

/* The first handshake message of `type` in a captured stream (before its CCS). */
static struct msg msg_from_stream(const char *fixture, uint8_t type)
{
    size_t len;
    uint8_t *buf = tu_fixture(fixture, &len);
    assert_non_null(buf);
    struct tp_hs_reasm ra;
    tp_hs_reasm_init(&ra);
    size_t off = 0;
    struct msg m = { 0 };
    while (off < len && !m.buf) {
        struct tp_record rec;
        size_t used;
        assert_int_equal(tp_record_parse(buf + off, len - off, &rec, &used), TP_OK);
        off += used;
        if (rec.type != TP_CT_HANDSHAKE)
            break;
        assert_int_equal(tp_hs_reasm_push(&ra, rec.body), TP_OK);
        struct tp_bytes mb;
        while (!m.buf && tp_hs_reasm_next(&ra, &mb) == TP_OK) {
            if (mb.p[0] == type) {
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

/* Every cut of the whole message: header TRUNCATED. Every cut of the body:
 * `parse` returns TRUNCATED (strict), or at least a clean error (ASan watches the
 * exact-size copies). */
struct cutctx {
    int kind;
    uint16_t version, suite;
    bool tls13;
};
static struct tp_certificate cert;
static struct tp_certificate_request cr;

static enum tp_err run(const struct cutctx *c, struct tp_bytes b)
{
    struct tp_server_key_exchange ske;
    struct tp_client_key_exchange cke;
    struct tp_certificate_verify cv;
    struct tp_finished fin;
    static struct tp_new_session_ticket nst;
    struct tp_key_update ku;
    struct tp_certificate_status cs;
    switch (c->kind) {
    case 0: return tp_certificate_parse(b, c->tls13, &cert);
    case 1: return tp_certificate_request_parse(b, c->tls13, &cr);
    case 2: return tp_server_key_exchange_parse(b, c->version, c->suite, &ske);
    case 3: return tp_client_key_exchange_parse(b, c->version, c->suite, &cke);
    case 4: return tp_certificate_verify_parse(b, c->version, &cv);
    case 5: return tp_finished_parse(b, &fin);
    case 6: return tp_new_session_ticket_parse(b, c->tls13, &nst);
    case 7: return tp_key_update_parse(b, &ku);
    default: return tp_certificate_status_parse(b, &cs);
    }
}

static void cut_everywhere(const struct msg *m, const struct cutctx *c, bool body_strict)
{
    for (size_t n = 0; n < m->len; n++) {
        uint8_t *p = tu_exact(m->buf, n);
        struct tp_hs_header h;
        assert_int_equal(tp_hs_header_parse(tp_bytes_make(p, n), &h), TP_ERR_TRUNCATED);
        free(p);
    }
    for (size_t n = 0; n < m->h.body.len; n++) {
        uint8_t *p = tu_exact(m->h.body.p, n);
        enum tp_err e = run(c, tp_bytes_make(p, n));
        if (body_strict)
            assert_int_equal(e, TP_ERR_TRUNCATED);
        else
            assert_true(e == TP_ERR_TRUNCATED || e == TP_ERR_MALFORMED);
        free(p);
    }
}

/* ---- TLS 1.3 (RFC 8448 §3) ---- */

static void test_certificate__rfc8448_tls13__one_entry(void **st)
{
    (void)st;
    struct msg m = msg_hex(RFC8448_CERT, TP_HS_CERTIFICATE, 445);
    assert_int_equal(tp_certificate_parse(m.h.body, true, &cert), TP_OK);
    assert_true(cert.tls13);
    assert_int_equal(cert.context.len, 0);
    assert_int_equal(cert.n, 1);
    assert_int_equal(cert.n_total, 1);
    assert_int_equal(cert.certs[0].der.len, 0x1b0);
    assert_int_equal(cert.certs[0].der.p[0], 0x30);
    assert_int_equal(cert.certs[0].extensions.len, 0);
    assert_false(cert.certs[0].has_ocsp);
    /* the 1.2 reading of 1.3 bytes does not fit */
    assert_int_not_equal(tp_certificate_parse(m.h.body, false, &cert), TP_OK);
    struct cutctx c = { .kind = 0, .tls13 = true };
    cut_everywhere(&m, &c, true);
    free(m.buf);
}

static void test_certificate_verify__rfc8448__pss_scheme(void **st)
{
    (void)st;
    struct tp_certificate_verify cv;
    struct msg m = msg_hex(RFC8448_CV, TP_HS_CERTIFICATE_VERIFY, 136);
    assert_int_equal(tp_certificate_verify_parse(m.h.body, TP_TLS1_3, &cv), TP_OK);
    assert_true(cv.has_scheme);
    assert_int_equal(cv.scheme, 0x0804);
    assert_string_equal(tp_name_sig_scheme(cv.scheme), "rsa_pss_rsae_sha256");
    assert_int_equal(cv.signature.len, 128);
    struct cutctx c = { .kind = 4, .version = TP_TLS1_3 };
    cut_everywhere(&m, &c, true);
    free(m.buf);
}

static void test_finished__rfc8448__32_bytes(void **st)
{
    (void)st;
    struct tp_finished f;
    struct msg m = msg_hex(RFC8448_FIN, TP_HS_FINISHED, 36);
    assert_int_equal(tp_finished_parse(m.h.body, &f), TP_OK);
    assert_int_equal(f.verify_data.len, 32);
    assert_int_equal(f.verify_data.p[0], 0x9b);
    const uint8_t short_fin[5] = { 0 };
    assert_int_equal(tp_finished_parse(tp_bytes_make(short_fin, 5), &f), TP_ERR_MALFORMED);
    assert_int_equal(tp_finished_parse(tp_bytes_make(short_fin, 0), &f), TP_ERR_TRUNCATED);
    free(m.buf);
}

static void test_new_session_ticket__rfc8448__fields_and_early_data(void **st)
{
    (void)st;
    static struct tp_new_session_ticket t;
    struct msg m = msg_hex(RFC8448_NST, TP_HS_NEW_SESSION_TICKET, 205);
    assert_int_equal(tp_new_session_ticket_parse(m.h.body, true, &t), TP_OK);
    assert_int_equal(t.lifetime, 0x1e);
    assert_int_equal(t.age_add, 0xfad6aac5);
    assert_int_equal(t.nonce.len, 2);
    assert_int_equal(t.ticket.len, 0xb2);
    assert_true(t.ext.early_data);
    assert_int_equal(t.ext.max_early_data, 0x400);
    struct cutctx c = { .kind = 6, .tls13 = true };
    cut_everywhere(&m, &c, true);
    free(m.buf);
}

/* ---- TLS 1.2 captures ---- */

static void test_certificate__tls12_capture__leaf_only(void **st)
{
    (void)st;
    struct msg m = msg_from_stream("wire/tls12_ecdhe_ecdsa.s2c.bin", TP_HS_CERTIFICATE);
    assert_int_equal(tp_certificate_parse(m.h.body, false, &cert), TP_OK);
    assert_false(cert.tls13);
    assert_int_equal(cert.n, 1);
    assert_int_equal(cert.certs[0].der.p[0], 0x30);
    assert_int_equal(cert.certs[0].der.len + 6, m.h.body.len);
    struct cutctx c = { .kind = 0 };
    cut_everywhere(&m, &c, true);
    free(m.buf);
}

static void test_server_key_exchange__ecdhe_ecdsa__x25519_and_scheme(void **st)
{
    (void)st;
    struct tp_server_key_exchange ske;
    struct msg m = msg_from_stream("wire/tls12_ecdhe_ecdsa.s2c.bin", TP_HS_SERVER_KEY_EXCHANGE);
    assert_int_equal(tp_server_key_exchange_parse(m.h.body, TP_TLS1_2, 0xc02b, &ske), TP_OK);
    assert_int_equal(ske.kx, TP_KX_ECDHE);
    assert_int_equal(ske.group, 0x001d);
    assert_string_equal(tp_name_group(ske.group), "x25519");
    assert_int_equal(ske.public_key.len, 32);
    assert_true(ske.has_sig_scheme);
    assert_int_equal(ske.sig_scheme, 0x0403);
    assert_true(ske.signature.len >= 64);
    struct cutctx c = { .kind = 2, .version = TP_TLS1_2, .suite = 0xc02b };
    cut_everywhere(&m, &c, true);
    free(m.buf);
}

static void test_server_key_exchange__ecdhe_rsa__pss_scheme(void **st)
{
    (void)st;
    struct tp_server_key_exchange ske;
    struct msg m = msg_from_stream("wire/tls12_ecdhe_rsa.s2c.bin", TP_HS_SERVER_KEY_EXCHANGE);
    assert_int_equal(tp_server_key_exchange_parse(m.h.body, TP_TLS1_2, 0xc030, &ske), TP_OK);
    assert_int_equal(ske.group, 0x001d);
    assert_int_equal(ske.sig_scheme, 0x0804);
    assert_int_equal(ske.signature.len, 256);
    /* the TLS 1.0/1.1 reading (no scheme field) does not fit */
    assert_int_not_equal(tp_server_key_exchange_parse(m.h.body, TP_TLS1_1, 0xc030, &ske), TP_OK);
    free(m.buf);
}

static void test_server_key_exchange__dhe_rsa__2048_bit_group(void **st)
{
    (void)st;
    struct tp_server_key_exchange ske;
    struct msg m = msg_from_stream("wire/tls12_dhe_rsa.s2c.bin", TP_HS_SERVER_KEY_EXCHANGE);
    assert_int_equal(tp_server_key_exchange_parse(m.h.body, TP_TLS1_2, 0x009e, &ske), TP_OK);
    assert_int_equal(ske.kx, TP_KX_DHE);
    assert_int_equal(ske.dh_p_bits, 2048);
    assert_int_equal(ske.dh_g.len, 1);
    assert_int_equal(ske.dh_g.p[0], 2);
    assert_true(ske.public_key.len > 0 && ske.public_key.len <= 256);
    assert_int_equal(ske.sig_scheme, 0x0804);
    struct cutctx c = { .kind = 2, .version = TP_TLS1_2, .suite = 0x009e };
    cut_everywhere(&m, &c, true);
    /* a TLS 1.3 suite or an unknown one has no ServerKeyExchange to decode */
    assert_int_equal(tp_server_key_exchange_parse(m.h.body, TP_TLS1_2, 0x1301, &ske), TP_ERR_UNSUPPORTED);
    assert_int_equal(tp_server_key_exchange_parse(m.h.body, TP_TLS1_2, 0xeeee, &ske), TP_ERR_UNSUPPORTED);
    free(m.buf);
}

static void test_server_hello_done__capture__empty_body(void **st)
{
    (void)st;
    struct msg m = msg_from_stream("wire/tls12_dhe_rsa.s2c.bin", TP_HS_SERVER_HELLO_DONE);
    assert_int_equal(m.h.length, 0);
    assert_string_equal(tp_name_hs_type(m.h.type), "ServerHelloDone");
    free(m.buf);
}

static void test_client_key_exchange__captures__ecdhe_and_dhe(void **st)
{
    (void)st;
    struct tp_client_key_exchange cke;
    struct msg m = msg_from_stream("wire/tls12_ecdhe_ecdsa.c2s.bin", TP_HS_CLIENT_KEY_EXCHANGE);
    assert_int_equal(tp_client_key_exchange_parse(m.h.body, TP_TLS1_2, 0xc02b, &cke), TP_OK);
    assert_int_equal(cke.kx, TP_KX_ECDHE);
    assert_int_equal(cke.exchange.len, 32);
    struct cutctx c = { .kind = 3, .version = TP_TLS1_2, .suite = 0xc02b };
    cut_everywhere(&m, &c, true);
    free(m.buf);
    m = msg_from_stream("wire/tls12_dhe_rsa.c2s.bin", TP_HS_CLIENT_KEY_EXCHANGE);
    assert_int_equal(tp_client_key_exchange_parse(m.h.body, TP_TLS1_2, 0x009e, &cke), TP_OK);
    assert_int_equal(cke.kx, TP_KX_DHE);
    assert_int_equal(cke.exchange.len, 256);
    free(m.buf);
}

static void test_certificate_request__tls12_capture__ca_names_and_sigalgs(void **st)
{
    (void)st;
    struct msg m = msg_from_stream("wire/tls12_ecdhe_rsa_clientauth.s2c.bin", TP_HS_CERTIFICATE_REQUEST);
    assert_int_equal(tp_certificate_request_parse(m.h.body, false, &cr), TP_OK);
    assert_false(cr.tls13);
    assert_true(cr.cert_types.len >= 2);
    assert_true(cr.sig_algs.n >= 3);
    assert_int_equal(cr.ca_names.n, 1);
    /* the DN holds CN=wire-client (make_tls12.sh) */
    assert_non_null(memmem(cr.ca_names.v[0].p, cr.ca_names.v[0].len, "wire-client", 11));
    struct cutctx c = { .kind = 1 };
    cut_everywhere(&m, &c, true);
    free(m.buf);
}

static void test_client_certificate_verify__tls12_capture__scheme(void **st)
{
    (void)st;
    struct tp_certificate_verify cv;
    struct msg m = msg_from_stream("wire/tls12_ecdhe_rsa_clientauth.c2s.bin", TP_HS_CERTIFICATE_VERIFY);
    assert_int_equal(tp_certificate_verify_parse(m.h.body, TP_TLS1_2, &cv), TP_OK);
    assert_int_equal(cv.scheme, 0x0403);
    /* 1.0/1.1 form: no scheme; the same bytes then have trailing data */
    assert_int_not_equal(tp_certificate_verify_parse(m.h.body, TP_TLS1_0, &cv), TP_OK);
    struct cutctx c = { .kind = 4, .version = TP_TLS1_2 };
    cut_everywhere(&m, &c, true);
    free(m.buf);
    m = msg_from_stream("wire/tls12_ecdhe_rsa_clientauth.c2s.bin", TP_HS_CERTIFICATE);
    assert_int_equal(tp_certificate_parse(m.h.body, false, &cert), TP_OK);
    assert_int_equal(cert.n, 1);
    free(m.buf);
}

static void test_new_session_ticket__tls12_capture__lifetime_and_ticket(void **st)
{
    (void)st;
    static struct tp_new_session_ticket t;
    struct msg m = msg_from_stream("wire/tls12_ecdhe_ecdsa.s2c.bin", TP_HS_NEW_SESSION_TICKET);
    assert_int_equal(tp_new_session_ticket_parse(m.h.body, false, &t), TP_OK);
    assert_false(t.tls13);
    assert_int_equal(t.lifetime, 7200);
    assert_int_equal(t.ticket.len + 6, m.h.body.len);
    struct cutctx c = { .kind = 6 };
    cut_everywhere(&m, &c, true);
    free(m.buf);
}

static void test_certificate_status__ocsp_stapled_capture__der_response(void **st)
{
    (void)st;
    /* fixtures/wire/tls12_ocsp_stapled: s_server -status_file, s_client -status */
    struct tp_certificate_status cs;
    struct msg m = msg_from_stream("wire/tls12_ocsp_stapled.s2c.bin", TP_HS_CERTIFICATE_STATUS);
    assert_string_equal(tp_name_hs_type(m.h.type), "CertificateStatus");
    assert_int_equal(tp_certificate_status_parse(m.h.body, &cs), TP_OK);
    assert_int_equal(cs.status_type, 1);
    assert_int_equal(cs.response.len + 4, m.h.body.len);
    assert_int_equal(cs.response.p[0], 0x30); /* OCSPResponse SEQUENCE */
    struct cutctx c = { .kind = 8 };
    cut_everywhere(&m, &c, true);
    free(m.buf);
}

/* ---- synthetic forms ---- */

static struct tp_bytes hexb(const char *hex, uint8_t **keep)
{
    size_t n;
    uint8_t *t = tu_hex(hex, &n);
    *keep = tu_exact(t, n);
    free(t);
    return tp_bytes_make(*keep, n);
}

static void test_certificate_request__tls13_and_tls10_forms__parsed(void **st)
{
    (void)st;
    uint8_t *k;
    /* 1.3: context "ab", extensions: signature_algorithms [0403 0804],
     * certificate_authorities [DN(5)] */
    struct tp_bytes b = hexb("01 ab 00 17 00 0d 00 06 00 04 04 03 08 04 00 2f 00 09 00 07 00 05 30 03 31 01 00", &k);
    assert_int_equal(tp_certificate_request_parse(b, true, &cr), TP_OK);
    assert_int_equal(cr.context.len, 1);
    assert_int_equal(cr.sig_algs.n, 2);
    assert_int_equal(cr.sig_algs.v[1], 0x0804);
    assert_int_equal(cr.ca_names.n, 1);
    for (size_t n = 0; n < b.len; n++) {
        uint8_t *p = tu_exact(k, n);
        enum tp_err e = tp_certificate_request_parse(tp_bytes_make(p, n), true, &cr);
        assert_true(e == TP_ERR_TRUNCATED);
        free(p);
    }
    free(k);
    /* 1.0/1.1: types [rsa_sign, ecdsa_sign], no sig algs, empty CA list */
    b = hexb("02 01 40 00 00", &k);
    assert_int_equal(tp_certificate_request_parse(b, false, &cr), TP_OK);
    assert_int_equal(cr.cert_types.len, 2);
    assert_int_equal(cr.sig_algs.n, 0);
    assert_int_equal(cr.ca_names.n, 0);
    free(k);
    /* neither form fits */
    b = hexb("02 01 40 00 08 00", &k);
    assert_int_not_equal(tp_certificate_request_parse(b, false, &cr), TP_OK);
    free(k);
}

static void test_server_key_exchange__psk_forms__hint_read(void **st)
{
    (void)st;
    uint8_t *k;
    struct tp_server_key_exchange ske;
    /* TLS_PSK_WITH_AES_128_GCM_SHA256 (0x00a8): hint "id" */
    struct tp_bytes b = hexb("00 02 69 64", &k);
    assert_int_equal(tp_server_key_exchange_parse(b, TP_TLS1_2, 0x00a8, &ske), TP_OK);
    assert_int_equal(ske.kx, TP_KX_PSK);
    assert_true(tp_bytes_eq_str(ske.psk_hint, "id"));
    assert_false(ske.has_sig_scheme);
    free(k);
    /* TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 (0xc037): empty hint, x25519 point */
    b = hexb("00 00 03 00 1d 04 01 02 03 04", &k);
    assert_int_equal(tp_server_key_exchange_parse(b, TP_TLS1_2, 0xc037, &ske), TP_OK);
    assert_int_equal(ske.kx, TP_KX_ECDHE_PSK);
    assert_int_equal(ske.group, 0x001d);
    assert_int_equal(ske.public_key.len, 4);
    free(k);
    /* explicit curve parameters (curve_type 1) are not decoded */
    b = hexb("01 00 1d 04 01 02 03 04", &k);
    assert_int_equal(tp_server_key_exchange_parse(b, TP_TLS1_2, 0xc02b, &ske), TP_ERR_UNSUPPORTED);
    free(k);
    /* TLS 1.1 ECDHE: no scheme field before the signature */
    b = hexb("03 00 17 01 04 00 02 aa bb", &k);
    assert_int_equal(tp_server_key_exchange_parse(b, TP_TLS1_1, 0xc013, &ske), TP_OK);
    assert_false(ske.has_sig_scheme);
    assert_int_equal(ske.signature.len, 2);
    free(k);
}

static void test_client_key_exchange__rsa_and_psk__parsed(void **st)
{
    (void)st;
    uint8_t *k;
    struct tp_client_key_exchange cke;
    struct tp_bytes b = hexb("00 04 de ad be ef", &k);
    assert_int_equal(tp_client_key_exchange_parse(b, TP_TLS1_2, 0x002f, &cke), TP_OK);
    assert_int_equal(cke.kx, TP_KX_RSA);
    assert_int_equal(cke.exchange.len, 4);
    assert_int_equal(tp_client_key_exchange_parse(b, TP_SSL3_0, 0x002f, &cke), TP_OK);
    assert_int_equal(cke.exchange.len, 6);
    assert_int_equal(tp_client_key_exchange_parse(b, TP_TLS1_2, 0x00a8, &cke), TP_OK);
    assert_int_equal(cke.kx, TP_KX_PSK);
    free(k);
    b = hexb("00 01 41 00 02 aa bb", &k);
    assert_int_equal(tp_client_key_exchange_parse(b, TP_TLS1_2, 0x00aa, &cke), TP_OK);
    assert_int_equal(cke.kx, TP_KX_DHE_PSK);
    assert_int_equal(cke.exchange.len, 2);
    free(k);
}

static void test_key_update__values__0_1_only(void **st)
{
    (void)st;
    struct tp_key_update ku;
    const uint8_t v[] = { 0, 1, 2 };
    assert_int_equal(tp_key_update_parse(tp_bytes_make(v, 1), &ku), TP_OK);
    assert_int_equal(ku.request_update, 0);
    assert_int_equal(tp_key_update_parse(tp_bytes_make(v + 1, 1), &ku), TP_OK);
    assert_int_equal(ku.request_update, 1);
    assert_int_equal(tp_key_update_parse(tp_bytes_make(v + 2, 1), &ku), TP_ERR_MALFORMED);
    assert_int_equal(tp_key_update_parse(tp_bytes_make(v, 2), &ku), TP_ERR_MALFORMED);
    assert_int_equal(tp_key_update_parse(tp_bytes_make(v, 0), &ku), TP_ERR_TRUNCATED);
}

static void test_certificate_status__ocsp__response_view(void **st)
{
    (void)st;
    uint8_t *k;
    struct tp_certificate_status cs;
    struct tp_bytes b = hexb("01 00 00 03 30 01 00", &k);
    assert_int_equal(tp_certificate_status_parse(b, &cs), TP_OK);
    assert_int_equal(cs.status_type, 1);
    assert_int_equal(cs.response.len, 3);
    for (size_t n = 0; n < b.len; n++) {
        uint8_t *p = tu_exact(k, n);
        assert_int_equal(tp_certificate_status_parse(tp_bytes_make(p, n), &cs), TP_ERR_TRUNCATED);
        free(p);
    }
    free(k);
    /* RFC 6961 ocsp_multi: a list whose first entry is the leaf's response */
    b = hexb("02 00 00 0a 00 00 03 30 01 00 00 00 01 31", &k);
    assert_int_equal(tp_certificate_status_parse(b, &cs), TP_OK);
    assert_int_equal(cs.status_type, 2);
    assert_int_equal(cs.response.len, 3);
    free(k);
    b = hexb("02 00 00 01 30", &k); /* an entry longer than the list */
    assert_int_equal(tp_certificate_status_parse(b, &cs), TP_ERR_MALFORMED);
    free(k);
    b = hexb("03 00 00 01 30", &k); /* no such status_type */
    assert_int_equal(tp_certificate_status_parse(b, &cs), TP_ERR_MALFORMED);
    free(k);
}

static void test_certificate__10000_entries__capped_and_counted(void **st)
{
    (void)st;
    /* 10,000 one-byte "certificates" (4 bytes each): n capped, n_total exact */
    const size_t count = 10000;
    size_t list = count * 4, len = 3 + list;
    uint8_t *b = malloc(len);
    b[0] = (uint8_t)(list >> 16);
    b[1] = (uint8_t)(list >> 8);
    b[2] = (uint8_t)list;
    for (size_t i = 0; i < count; i++) {
        uint8_t *e = b + 3 + 4 * i;
        e[0] = 0;
        e[1] = 0;
        e[2] = 1;
        e[3] = 0x30;
    }
    assert_int_equal(tp_certificate_parse(tp_bytes_make(b, len), false, &cert), TP_OK);
    assert_int_equal(cert.n, TP_MAX_CHAIN_CERTS);
    assert_int_equal(cert.n_total, count);
    /* an empty certificate entry is malformed; a vector overrunning the list too */
    b[3 + 4 * 500 + 2] = 0;
    assert_int_equal(tp_certificate_parse(tp_bytes_make(b, len), false, &cert), TP_ERR_MALFORMED);
    b[3 + 4 * 500 + 2] = 1;
    b[3 + 4 * 500 + 1] = 0xff;
    assert_int_equal(tp_certificate_parse(tp_bytes_make(b, len), false, &cert), TP_ERR_MALFORMED);
    free(b);
}

static void test_certificate__tls13_entry_extensions__ocsp_and_sct_flags(void **st)
{
    (void)st;
    uint8_t *k;
    /* context empty; one entry: cert "30", extensions status_request(5) with
     * CertificateStatus{1, <30>} and SCT(18) with 2 bytes */
    struct tp_bytes b = hexb("00 00 00 15 00 00 01 30 00 0f 00 05 00 05 01 00 00 01 30 00 12 00 02 00 00", &k);
    assert_int_equal(tp_certificate_parse(b, true, &cert), TP_OK);
    assert_int_equal(cert.n, 1);
    assert_true(cert.certs[0].has_ocsp);
    assert_true(cert.certs[0].has_sct);
    assert_int_equal(cert.certs[0].extensions.len, 15);
    free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_certificate__rfc8448_tls13__one_entry),
        cmocka_unit_test(test_certificate_verify__rfc8448__pss_scheme),
        cmocka_unit_test(test_finished__rfc8448__32_bytes),
        cmocka_unit_test(test_new_session_ticket__rfc8448__fields_and_early_data),
        cmocka_unit_test(test_certificate__tls12_capture__leaf_only),
        cmocka_unit_test(test_server_key_exchange__ecdhe_ecdsa__x25519_and_scheme),
        cmocka_unit_test(test_server_key_exchange__ecdhe_rsa__pss_scheme),
        cmocka_unit_test(test_server_key_exchange__dhe_rsa__2048_bit_group),
        cmocka_unit_test(test_server_hello_done__capture__empty_body),
        cmocka_unit_test(test_client_key_exchange__captures__ecdhe_and_dhe),
        cmocka_unit_test(test_certificate_request__tls12_capture__ca_names_and_sigalgs),
        cmocka_unit_test(test_client_certificate_verify__tls12_capture__scheme),
        cmocka_unit_test(test_new_session_ticket__tls12_capture__lifetime_and_ticket),
        cmocka_unit_test(test_certificate_status__ocsp_stapled_capture__der_response),
        cmocka_unit_test(test_certificate_request__tls13_and_tls10_forms__parsed),
        cmocka_unit_test(test_server_key_exchange__psk_forms__hint_read),
        cmocka_unit_test(test_client_key_exchange__rsa_and_psk__parsed),
        cmocka_unit_test(test_key_update__values__0_1_only),
        cmocka_unit_test(test_certificate_status__ocsp__response_view),
        cmocka_unit_test(test_certificate__10000_entries__capped_and_counted),
        cmocka_unit_test(test_certificate__tls13_entry_extensions__ocsp_and_sct_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
