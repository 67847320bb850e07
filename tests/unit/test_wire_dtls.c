/* DTLS (wire/dtls.c): record headers (cut at every length, several per
 * datagram, bad versions), handshake fragment headers, reassembly out of order,
 * with retransmissions and a restart of the numbering, its limits; the DTLS
 * ClientHello's cookie; and a whole flight through the session decoder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/names.h"
#include "tlsprobe/reader.h"
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"

/* A record header + body into out; returns its length. */
static size_t mkrec(uint8_t *out, uint8_t type, uint16_t ver, uint16_t epoch, uint64_t seq, const uint8_t *body,
                    size_t n)
{
    out[0] = type;
    out[1] = (uint8_t)(ver >> 8);
    out[2] = (uint8_t)ver;
    out[3] = (uint8_t)(epoch >> 8);
    out[4] = (uint8_t)epoch;
    for (int i = 0; i < 6; i++)
        out[5 + i] = (uint8_t)(seq >> (40 - 8 * i));
    out[11] = (uint8_t)(n >> 8);
    out[12] = (uint8_t)n;
    if (n)
        memcpy(out + 13, body, n);
    return 13 + n;
}

/* A handshake fragment header + the fragment of body into out. */
static size_t mkfrag(uint8_t *out, uint8_t type, const uint8_t *body, uint32_t len, uint16_t seq, uint32_t off,
                     uint32_t flen)
{
    out[0] = type;
    out[1] = (uint8_t)(len >> 16), out[2] = (uint8_t)(len >> 8), out[3] = (uint8_t)len;
    out[4] = (uint8_t)(seq >> 8), out[5] = (uint8_t)seq;
    out[6] = (uint8_t)(off >> 16), out[7] = (uint8_t)(off >> 8), out[8] = (uint8_t)off;
    out[9] = (uint8_t)(flen >> 16), out[10] = (uint8_t)(flen >> 8), out[11] = (uint8_t)flen;
    if (flen)
        memcpy(out + 12, body + off, flen);
    return 12 + flen;
}

static void test_record__two_in_one_datagram__both_read(void **st)
{
    (void)st;
    uint8_t dg[64];
    const uint8_t one[] = { 1 };
    const uint8_t alert[] = { 2, 40 };
    size_t n = mkrec(dg, TP_CT_CHANGE_CIPHER_SPEC, 0xfefd, 0, 0x0000010203040506ull, one, 1);
    n += mkrec(dg + n, TP_CT_ALERT, 0xfeff, 1, 7, alert, 2);
    struct tp_reader r;
    struct tp_dtls_record rec;
    tp_reader_init(&r, dg, n);
    assert_int_equal(tp_dtls_record_next(&r, &rec), TP_OK);
    assert_int_equal(rec.type, TP_CT_CHANGE_CIPHER_SPEC);
    assert_int_equal(rec.version, 0xfefd);
    assert_int_equal(rec.epoch, 0);
    assert_true(rec.seq == 0x010203040506ull);
    assert_int_equal(rec.body.len, 1);
    assert_int_equal(rec.hdr.len, TP_DTLS_HDR_LEN);
    assert_int_equal(tp_dtls_record_next(&r, &rec), TP_OK);
    assert_int_equal(rec.type, TP_CT_ALERT);
    assert_int_equal(rec.epoch, 1);
    assert_true(rec.seq == 7);
    assert_int_equal(rec.body.len, 2);
    assert_int_equal(tp_dtls_record_next(&r, &rec), TP_ERR_TRUNCATED);
}

static void test_record__every_cut__truncated(void **st)
{
    (void)st;
    uint8_t dg[32];
    const uint8_t body[] = { 1, 2, 3, 4, 5 };
    size_t n = mkrec(dg, TP_CT_HANDSHAKE, 0xfefd, 0, 1, body, sizeof body);
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *c = malloc(cut ? cut : 1);
        memcpy(c, dg, cut);
        struct tp_reader r;
        struct tp_dtls_record rec;
        tp_reader_init(&r, c, cut);
        assert_int_equal(tp_dtls_record_next(&r, &rec), TP_ERR_TRUNCATED);
        free(c);
    }
}

static void test_record__tls_version_or_type__malformed(void **st)
{
    (void)st;
    uint8_t dg[32];
    struct tp_reader r;
    struct tp_dtls_record rec;
    size_t n = mkrec(dg, TP_CT_HANDSHAKE, 0x0303, 0, 0, NULL, 0);
    tp_reader_init(&r, dg, n);
    assert_int_equal(tp_dtls_record_next(&r, &rec), TP_ERR_MALFORMED);
    n = mkrec(dg, 19, 0xfefd, 0, 0, NULL, 0);
    tp_reader_init(&r, dg, n);
    assert_int_equal(tp_dtls_record_next(&r, &rec), TP_ERR_MALFORMED);
    /* DTLS 1.3 unified header: recognised, the rest of the datagram */
    const uint8_t uni[] = { 0x2c, 0x00, 0x01, 0xaa, 0xbb };
    tp_reader_init(&r, uni, sizeof uni);
    assert_int_equal(tp_dtls_record_next(&r, &rec), TP_OK);
    assert_true(rec.unified);
    assert_int_equal(rec.body.len, sizeof uni);
}

static void test_frag__beyond_message__malformed(void **st)
{
    (void)st;
    uint8_t body[10] = { 0 }, buf[64];
    struct tp_reader r;
    struct tp_dtls_hs_frag f;
    size_t n = mkfrag(buf, TP_HS_FINISHED, body, 10, 3, 4, 6);
    tp_reader_init(&r, buf, n);
    assert_int_equal(tp_dtls_hs_frag_next(&r, &f), TP_OK);
    assert_int_equal(f.msg_seq, 3);
    assert_int_equal(f.frag_off, 4);
    assert_int_equal(f.frag_len, 6);
    buf[8] = 5; /* offset 5 + 6 > 10 */
    tp_reader_init(&r, buf, n);
    assert_int_equal(tp_dtls_hs_frag_next(&r, &f), TP_ERR_MALFORMED);
}

static void push(struct tp_dtls_reasm *ra, uint8_t type, const uint8_t *body, uint32_t len, uint16_t seq,
                 uint32_t off, uint32_t flen)
{
    uint8_t buf[512];
    struct tp_reader r;
    struct tp_dtls_hs_frag f;
    size_t n = mkfrag(buf, type, body, len, seq, off, flen);
    tp_reader_init(&r, buf, n);
    assert_int_equal(tp_dtls_hs_frag_next(&r, &f), TP_OK);
    assert_int_equal(tp_dtls_reasm_push(ra, &f), TP_OK);
}

static void test_reasm__out_of_order_and_repeated__one_message_in_tls_form(void **st)
{
    (void)st;
    uint8_t body[300];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)i;
    struct tp_dtls_reasm ra;
    struct tp_bytes m;
    tp_dtls_reasm_init(&ra);
    push(&ra, TP_HS_CERTIFICATE, body, 300, 2, 200, 100);
    assert_false(tp_dtls_reasm_next(&ra, &m));
    push(&ra, TP_HS_CERTIFICATE, body, 300, 2, 0, 120);
    push(&ra, TP_HS_CERTIFICATE, body, 300, 2, 0, 120); /* retransmitted */
    assert_false(tp_dtls_reasm_next(&ra, &m));
    push(&ra, TP_HS_CERTIFICATE, body, 300, 2, 100, 150); /* overlaps both */
    assert_true(tp_dtls_reasm_next(&ra, &m));
    assert_int_equal(m.len, 304);
    assert_int_equal(m.p[0], TP_HS_CERTIFICATE);
    assert_int_equal(m.p[2], 1);
    assert_int_equal(m.p[3], 300 - 256);
    assert_memory_equal(m.p + 4, body, 300);
    assert_false(tp_dtls_reasm_next(&ra, &m));
    /* the whole message again (a retransmitted flight): ignored */
    push(&ra, TP_HS_CERTIFICATE, body, 300, 2, 0, 300);
    assert_false(tp_dtls_reasm_next(&ra, &m));
    /* the next one came before: delivered once its turn comes */
    push(&ra, TP_HS_SERVER_HELLO_DONE, body, 0, 4, 0, 0);
    assert_false(tp_dtls_reasm_next(&ra, &m));
    push(&ra, TP_HS_SERVER_KEY_EXCHANGE, body, 5, 3, 0, 5);
    assert_true(tp_dtls_reasm_next(&ra, &m));
    assert_int_equal(m.p[0], TP_HS_SERVER_KEY_EXCHANGE);
    assert_true(tp_dtls_reasm_next(&ra, &m));
    assert_int_equal(m.p[0], TP_HS_SERVER_HELLO_DONE);
    assert_int_equal(m.len, 4);
    tp_dtls_reasm_free(&ra);
}

static void test_reasm__numbering_restarts_after_hvr__new_message_delivered(void **st)
{
    (void)st;
    uint8_t body[40] = { 0xfe, 0xfd };
    struct tp_dtls_reasm ra;
    struct tp_bytes m;
    tp_dtls_reasm_init(&ra);
    push(&ra, TP_HS_HELLO_VERIFY_REQUEST, body, 3, 0, 0, 3);
    assert_true(tp_dtls_reasm_next(&ra, &m));
    push(&ra, TP_HS_HELLO_VERIFY_REQUEST, body, 3, 0, 0, 3); /* retransmitted */
    assert_false(tp_dtls_reasm_next(&ra, &m));
    push(&ra, TP_HS_SERVER_HELLO, body, 38, 0, 0, 38); /* seq 0 again, another type */
    assert_true(tp_dtls_reasm_next(&ra, &m));
    assert_int_equal(m.p[0], TP_HS_SERVER_HELLO);
    tp_dtls_reasm_free(&ra);
}

static void test_reasm__limits__refused(void **st)
{
    (void)st;
    struct tp_dtls_reasm ra;
    struct tp_dtls_hs_frag f = { .type = TP_HS_CERTIFICATE, .length = TP_MAX_HANDSHAKE_MSG + 1 };
    tp_dtls_reasm_init(&ra);
    assert_int_equal(tp_dtls_reasm_push(&ra, &f), TP_ERR_LIMIT);
    tp_dtls_reasm_free(&ra);
    tp_dtls_reasm_init(&ra);
    uint8_t b[1] = { 0 };
    for (uint16_t i = 1; i <= TP_DTLS_REASM_SLOTS; i++)
        push(&ra, TP_HS_CERTIFICATE, b, 1, i, 0, 0); /* seq 0 never comes */
    f = (struct tp_dtls_hs_frag){ .type = TP_HS_CERTIFICATE, .length = 1, .msg_seq = 100 };
    assert_int_equal(tp_dtls_reasm_push(&ra, &f), TP_ERR_LIMIT);
    tp_dtls_reasm_free(&ra);
}

static size_t mkch(uint8_t *out, const uint8_t *cookie, uint8_t cookie_len)
{
    size_t n = 0;
    out[n++] = 0xfe, out[n++] = 0xfd;
    memset(out + n, 7, 32), n += 32;
    out[n++] = 0; /* session id */
    out[n++] = cookie_len;
    if (cookie_len)
        memcpy(out + n, cookie, cookie_len);
    n += cookie_len;
    out[n++] = 0, out[n++] = 2, out[n++] = 0xc0, out[n++] = 0x2b;
    out[n++] = 1, out[n++] = 0;
    return n;
}

static void test_client_hello__dtls__cookie_read(void **st)
{
    (void)st;
    uint8_t body[128];
    const uint8_t cookie[5] = { 1, 2, 3, 4, 5 };
    struct tp_client_hello *ch = malloc(sizeof *ch);
    size_t n = mkch(body, cookie, 5);
    assert_int_equal(tp_client_hello_parse(tp_bytes_make(body, n), ch), TP_OK);
    assert_true(ch->dtls);
    assert_int_equal(ch->cookie.len, 5);
    assert_int_equal(ch->n_suites, 1);
    assert_int_equal(ch->suites[0], 0xc02b);
    free(ch);
}

static void test_session__flight_in_datagrams__transcript(void **st)
{
    (void)st;
    uint8_t ch[128], sh[64] = { 0xfe, 0xfd }, frag[256], dg[512];
    const uint8_t cookie[3] = { 9, 9, 9 }, hvr[6] = { 0xfe, 0xfd, 3, 9, 9, 9 };
    size_t chn = mkch(ch, cookie, 3);
    size_t shn = 2 + 32 + 1 + 2 + 1;
    sh[35] = 0xc0, sh[36] = 0x2b;
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, 0);
    /* ClientHello with the cookie, in two fragments, second first */
    size_t f = mkfrag(frag, TP_HS_CLIENT_HELLO, ch, (uint32_t)chn, 1, 20, (uint32_t)chn - 20);
    size_t n = mkrec(dg, TP_CT_HANDSHAKE, 0xfefd, 0, 1, frag, f);
    assert_int_equal(tp_session_feed_datagram(s, TP_C2S, dg, n, 1), TP_OK);
    f = mkfrag(frag, TP_HS_HELLO_VERIFY_REQUEST, hvr, 6, 0, 0, 6);
    n = mkrec(dg, TP_CT_HANDSHAKE, 0xfefd, 0, 0, frag, f);
    assert_int_equal(tp_session_feed_datagram(s, TP_S2C, dg, n, 2), TP_OK);
    f = mkfrag(frag, TP_HS_CLIENT_HELLO, ch, (uint32_t)chn, 1, 0, 20);
    n = mkrec(dg, TP_CT_HANDSHAKE, 0xfefd, 0, 2, frag, f);
    assert_int_equal(tp_session_feed_datagram(s, TP_C2S, dg, n, 3), TP_OK);
    /* ServerHello + an alert in one datagram */
    f = mkfrag(frag, TP_HS_SERVER_HELLO, sh, (uint32_t)shn, 1, 0, (uint32_t)shn);
    n = mkrec(dg, TP_CT_HANDSHAKE, 0xfefd, 0, 1, frag, f);
    const uint8_t alert[2] = { 2, 40 };
    n += mkrec(dg + n, TP_CT_ALERT, 0xfefd, 0, 2, alert, 2);
    assert_int_equal(tp_session_feed_datagram(s, TP_S2C, dg, n, 4), TP_OK);
    tp_session_finish(s);
    assert_int_equal(s->version, 0xfefd);
    assert_int_equal(s->cipher, 0xc02b);
    assert_true(s->has_client_random);
    assert_int_equal(s->n_msgs, 4);
    assert_int_equal(s->msgs[0].hs_type, TP_HS_HELLO_VERIFY_REQUEST);
    assert_int_equal(s->msgs[1].hs_type, TP_HS_CLIENT_HELLO);
    assert_int_equal(s->msgs[2].hs_type, TP_HS_SERVER_HELLO);
    assert_int_equal(s->msgs[3].kind, TP_MSG_ALERT);
    assert_int_equal(s->msgs[3].alert_desc, 40);
    assert_int_equal(s->decode[TP_C2S].issue, TP_DEC_NONE);
    tp_session_free(s);
}

static void test_version__dtls__compared_as_tls(void **st)
{
    (void)st;
    assert_int_equal(tp_version_tls_equiv(0xfeff), TP_TLS1_1);
    assert_int_equal(tp_version_tls_equiv(0xfefd), TP_TLS1_2);
    assert_int_equal(tp_version_tls_equiv(0xfefc), TP_TLS1_3);
    assert_int_equal(tp_version_tls_equiv(TP_TLS1_0), TP_TLS1_0);
    assert_string_equal(tp_name_version(0xfefd), "DTLS 1.2");
}

/* DTLS 1.3 (RFC 9147): offered in supported_versions, named from the
 * ServerHello, its unified-header records counted as protected. */
static void test_session__dtls13__named_not_opened(void **st)
{
    (void)st;
    uint8_t ch[160], sh[80], frag[256], dg[512];
    const uint8_t sv_ch[] = { 0x00, 0x2b, 0x00, 0x05, 0x04, 0xfe, 0xfc, 0xfe, 0xfd };
    size_t chn = mkch(ch, NULL, 0);
    ch[chn++] = 0, ch[chn++] = sizeof sv_ch;
    memcpy(ch + chn, sv_ch, sizeof sv_ch), chn += sizeof sv_ch;
    size_t shn = 0;
    sh[shn++] = 0xfe, sh[shn++] = 0xfd;
    memset(sh + shn, 3, 32), shn += 32;
    sh[shn++] = 0;
    sh[shn++] = 0x13, sh[shn++] = 0x01, sh[shn++] = 0;
    const uint8_t sv_sh[] = { 0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0xfe, 0xfc };
    memcpy(sh + shn, sv_sh, sizeof sv_sh), shn += sizeof sv_sh;
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, 0);
    size_t f = mkfrag(frag, TP_HS_CLIENT_HELLO, ch, (uint32_t)chn, 0, 0, (uint32_t)chn);
    size_t n = mkrec(dg, TP_CT_HANDSHAKE, 0xfefd, 0, 0, frag, f);
    assert_int_equal(tp_session_feed_datagram(s, TP_C2S, dg, n, 1), TP_OK);
    f = mkfrag(frag, TP_HS_SERVER_HELLO, sh, (uint32_t)shn, 0, 0, (uint32_t)shn);
    n = mkrec(dg, TP_CT_HANDSHAKE, 0xfefd, 0, 0, frag, f);
    const uint8_t uni[] = { 0x2e, 0x00, 0x01, 0x00, 0x20 };
    memcpy(dg + n, uni, sizeof uni);
    memset(dg + n + sizeof uni, 0x55, 32);
    n += sizeof uni + 32;
    assert_int_equal(tp_session_feed_datagram(s, TP_S2C, dg, n, 2), TP_OK);
    tp_session_finish(s);
    assert_int_equal(s->offered_max_version, 0xfefc);
    assert_int_equal(s->version, 0xfefc);
    assert_string_equal(tp_name_version(s->version), "DTLS 1.3");
    assert_int_equal(s->decode[TP_S2C].records, 2);
    assert_int_equal(s->decode[TP_S2C].issue, TP_DEC_NONE);
    tp_session_free(s);
}

static void test_seen__identical_record_only__retransmission(void **st)
{
    (void)st;
    uint8_t a[32], b[32];
    const uint8_t x[3] = { 1, 2, 3 }, y[3] = { 1, 2, 4 };
    size_t na = mkrec(a, TP_CT_ALERT, 0xfefd, 1, 5, x, 3), nb = mkrec(b, TP_CT_ALERT, 0xfefd, 1, 5, y, 3);
    struct tp_dtls_reasm *ra = calloc(1, sizeof *ra);
    struct tp_reader r;
    struct tp_dtls_record ra_rec, rb_rec;
    tp_reader_init(&r, a, na);
    assert_int_equal(tp_dtls_record_next(&r, &ra_rec), TP_OK);
    tp_reader_init(&r, b, nb);
    assert_int_equal(tp_dtls_record_next(&r, &rb_rec), TP_OK);
    assert_false(tp_dtls_seen(ra, &ra_rec));
    assert_true(tp_dtls_seen(ra, &ra_rec));   /* the same record again */
    assert_false(tp_dtls_seen(ra, &rb_rec));  /* same epoch and seq, other bytes: new */
    /* remembered: the last TP_DTLS_SEEN only */
    for (uint64_t i = 100; i < 100 + TP_DTLS_SEEN; i++) {
        struct tp_dtls_record o = ra_rec;
        o.seq = i;
        assert_false(tp_dtls_seen(ra, &o));
    }
    assert_false(tp_dtls_seen(ra, &ra_rec));
    free(ra);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record__two_in_one_datagram__both_read),
        cmocka_unit_test(test_record__every_cut__truncated),
        cmocka_unit_test(test_record__tls_version_or_type__malformed),
        cmocka_unit_test(test_frag__beyond_message__malformed),
        cmocka_unit_test(test_reasm__out_of_order_and_repeated__one_message_in_tls_form),
        cmocka_unit_test(test_reasm__numbering_restarts_after_hvr__new_message_delivered),
        cmocka_unit_test(test_reasm__limits__refused),
        cmocka_unit_test(test_client_hello__dtls__cookie_read),
        cmocka_unit_test(test_session__flight_in_datagrams__transcript),
        cmocka_unit_test(test_version__dtls__compared_as_tls),
        cmocka_unit_test(test_session__dtls13__named_not_opened),
        cmocka_unit_test(test_seen__identical_record_only__retransmission),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
