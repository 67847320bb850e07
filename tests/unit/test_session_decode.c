/* The stream decoder and record decryption: RFC 8448 §3 (TLS 1.3 with and
 * without keys, wrong keys), real openssl sessions captured on loopback (TLS 1.2
 * AES-GCM, ChaCha20-Poly1305, AES-CBC with and without encrypt-then-mac; TLS 1.3
 * AES-256-GCM, ChaCha20-Poly1305, AES-128-GCM), stream robustness (byte by byte,
 * random splits, 1-byte records, every cut), not-TLS peers, hostile lengths. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/names.h"
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"
#include "testutil.h"

#define T0 1700000000000000LL

/* ---- fixtures ---- */

struct rec {
    enum tp_dir dir;
    uint8_t *p;
    size_t len;
};
struct flow {
    struct rec r[64];
    size_t n;
};

static void flow_free(struct flow *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->r[i].p);
    f->n = 0;
}

/* rfc8448_s3.hex: "c2s|s2c HEX" lines */
static void load_rfc8448(struct flow *f)
{
    size_t len;
    uint8_t *txt = tu_fixture("session/rfc8448_s3.hex", &len);
    assert_non_null(txt);
    char *s = malloc(len + 1);
    memcpy(s, txt, len);
    s[len] = 0;
    free(txt);
    f->n = 0;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || strlen(line) < 5)
            continue;
        struct rec *r = &f->r[f->n++];
        r->dir = strncmp(line, "c2s", 3) == 0 ? TP_C2S : TP_S2C;
        r->p = tu_hex(line + 4, &r->len);
    }
    free(s);
    assert_int_equal(f->n, 9);
}

/* NAME.c2s / NAME.s2c cut into the segments listed in NAME.order */
static void load_capture(const char *name, struct flow *f)
{
    char path[256];
    size_t len[2], off[2] = { 0, 0 };
    uint8_t *data[2];
    snprintf(path, sizeof path, "session/%s.c2s", name);
    data[0] = tu_fixture(path, &len[0]);
    snprintf(path, sizeof path, "session/%s.s2c", name);
    data[1] = tu_fixture(path, &len[1]);
    snprintf(path, sizeof path, "session/%s.order", name);
    size_t olen;
    uint8_t *order = tu_fixture(path, &olen);
    assert_non_null(data[0]);
    assert_non_null(data[1]);
    assert_non_null(order);
    char *s = malloc(olen + 1);
    memcpy(s, order, olen);
    s[olen] = 0;
    f->n = 0;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        int d = strncmp(line, "c2s", 3) == 0 ? 0 : 1;
        size_t n = (size_t)strtoul(line + 4, NULL, 10);
        assert_true(off[d] + n <= len[d]);
        assert_true(f->n < 64);
        struct rec *r = &f->r[f->n++];
        r->dir = (enum tp_dir)d;
        r->p = malloc(n);
        memcpy(r->p, data[d] + off[d], n);
        r->len = n;
        off[d] += n;
    }
    assert_int_equal(off[0], len[0]);
    assert_int_equal(off[1], len[1]);
    free(s);
    free(order);
    free(data[0]);
    free(data[1]);
}

static struct tp_keylog *load_keylog(const char *name)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/session/%s.keylog", TP_FIXTURES, name);
    struct tp_keylog *kl = NULL;
    assert_int_equal(tp_keylog_load(path, &kl, err, sizeof err), TP_OK);
    assert_int_equal(tp_keylog_bad_lines(kl), 0);
    return kl;
}

/* Feed every record: chunk = 0 whole, else pieces of at most `chunk` bytes; each
 * piece in an exact-size heap copy so ASan catches over-reads. */
static int own_dir = -1; /* run(): mark this direction as our own (as listen/connect do) */

static struct tp_session *run(const struct flow *f, const struct tp_keylog *kl, size_t chunk)
{
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, T0);
    assert_non_null(s);
    tp_session_set_keylog(s, kl);
    if (own_dir >= 0)
        tp_session_own_direction(s, (enum tp_dir)own_dir);
    int64_t t = T0;
    for (size_t i = 0; i < f->n; i++) {
        size_t step = chunk ? chunk : f->r[i].len;
        for (size_t o = 0; o < f->r[i].len; o += step) {
            size_t n = f->r[i].len - o < step ? f->r[i].len - o : step;
            uint8_t *c = tu_exact(f->r[i].p + o, n);
            assert_int_equal(tp_session_feed(s, f->r[i].dir, c, n, t += 1000), TP_OK);
            free(c);
        }
    }
    tp_session_finish(s);
    return s;
}

static uint64_t lcg_state;
static uint32_t lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(lcg_state >> 33);
}

/* All bytes of one direction fed in random splits (records coalesced and split),
 * the directions alternating at the original record boundaries. */
static struct tp_session *run_random(const struct flow *f, const struct tp_keylog *kl, uint64_t seed)
{
    lcg_state = seed;
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, T0);
    tp_session_set_keylog(s, kl);
    /* group consecutive records of the same direction, then split randomly */
    size_t i = 0;
    while (i < f->n) {
        size_t j = i, total = 0;
        while (j < f->n && f->r[j].dir == f->r[i].dir)
            total += f->r[j++].len;
        uint8_t *cat = malloc(total);
        size_t o = 0;
        for (size_t k = i; k < j; k++) {
            memcpy(cat + o, f->r[k].p, f->r[k].len);
            o += f->r[k].len;
        }
        for (o = 0; o < total;) {
            size_t n = 1 + lcg() % 700;
            if (n > total - o)
                n = total - o;
            uint8_t *c = tu_exact(cat + o, n);
            assert_int_equal(tp_session_feed(s, f->r[i].dir, c, n, T0 + 1), TP_OK);
            free(c);
            o += n;
        }
        free(cat);
        i = j;
    }
    tp_session_finish(s);
    return s;
}

static const struct tp_msg *find_hs(const struct tp_session *s, enum tp_dir dir, uint8_t type)
{
    for (size_t i = 0; i < s->n_msgs; i++)
        if (s->msgs[i].kind == TP_MSG_HANDSHAKE && s->msgs[i].dir == dir && s->msgs[i].hs_type == type)
            return &s->msgs[i];
    return NULL;
}

/* Two transcripts say the same: same messages (kind, dir, type, length, raw). */
static void assert_same_msgs(const struct tp_session *a, const struct tp_session *b)
{
    assert_int_equal(a->n_msgs, b->n_msgs);
    for (size_t i = 0; i < a->n_msgs; i++) {
        assert_int_equal(a->msgs[i].kind, b->msgs[i].kind);
        assert_int_equal(a->msgs[i].dir, b->msgs[i].dir);
        assert_int_equal(a->msgs[i].hs_type, b->msgs[i].hs_type);
        assert_int_equal(a->msgs[i].length, b->msgs[i].length);
        assert_int_equal(a->msgs[i].decrypted, b->msgs[i].decrypted);
        assert_int_equal(a->msgs[i].raw_len, b->msgs[i].raw_len);
        if (a->msgs[i].raw_len)
            assert_memory_equal(a->msgs[i].raw, b->msgs[i].raw, a->msgs[i].raw_len);
    }
    assert_int_equal(a->handshake_complete, b->handshake_complete);
    assert_int_equal(a->decrypt_failed, b->decrypt_failed);
    assert_int_equal(a->keys_missing, b->keys_missing);
    assert_int_equal(a->appdata_bytes[0], b->appdata_bytes[0]);
    assert_int_equal(a->appdata_bytes[1], b->appdata_bytes[1]);
}

/* ---- RFC 8448 §3 ---- */

static void check_rfc8448_decrypted(const struct tp_session *s)
{
    static const struct {
        enum tp_dir dir;
        enum tp_msg_kind kind;
        uint8_t type;
        uint32_t len;
        bool decrypted;
    } want[] = {
        { TP_C2S, TP_MSG_HANDSHAKE, TP_HS_CLIENT_HELLO, 192, false },
        { TP_S2C, TP_MSG_HANDSHAKE, TP_HS_SERVER_HELLO, 86, false },
        { TP_S2C, TP_MSG_HANDSHAKE, TP_HS_ENCRYPTED_EXTENSIONS, 36, true },
        { TP_S2C, TP_MSG_HANDSHAKE, TP_HS_CERTIFICATE, 441, true },
        { TP_S2C, TP_MSG_HANDSHAKE, TP_HS_CERTIFICATE_VERIFY, 132, true },
        { TP_S2C, TP_MSG_HANDSHAKE, TP_HS_FINISHED, 32, true },
        { TP_C2S, TP_MSG_HANDSHAKE, TP_HS_FINISHED, 32, true },
        { TP_S2C, TP_MSG_HANDSHAKE, TP_HS_NEW_SESSION_TICKET, 201, true },
        { TP_C2S, TP_MSG_ALERT, 0, 2, true },
        { TP_S2C, TP_MSG_ALERT, 0, 2, true },
    };
    assert_int_equal(s->n_msgs, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s->n_msgs; i++) {
        assert_int_equal(s->msgs[i].dir, want[i].dir);
        assert_int_equal(s->msgs[i].kind, want[i].kind);
        assert_int_equal(s->msgs[i].decrypted, want[i].decrypted);
        assert_int_equal(s->msgs[i].length, want[i].len);
        if (want[i].kind == TP_MSG_HANDSHAKE) {
            assert_int_equal(s->msgs[i].hs_type, want[i].type);
            assert_int_equal(s->msgs[i].raw_len, 4 + want[i].len);
            assert_int_equal(s->msgs[i].raw[0], want[i].type);
        } else {
            assert_int_equal(s->msgs[i].alert_level, 1); /* close_notify */
            assert_int_equal(s->msgs[i].alert_desc, 0);
        }
    }
    assert_int_equal(s->version, TP_TLS1_3);
    assert_true(s->has_cipher);
    assert_int_equal(s->cipher, 0x1301);
    assert_string_equal(tp_name_cipher_suite(s->cipher), "TLS_AES_128_GCM_SHA256");
    assert_true(s->handshake_complete);
    assert_false(s->keys_missing);
    assert_false(s->decrypt_failed);
    assert_false(s->hrr);
    assert_false(s->resumed);
    assert_false(s->client_auth_requested);
    assert_int_equal(s->offered_max_version, TP_TLS1_3);
    assert_non_null(s->server_name);
    assert_int_equal(s->server_name_len, 6);
    assert_memory_equal(s->server_name, "server", 6);
    static const uint8_t cr[4] = { 0xcb, 0x34, 0xec, 0xb1 };
    assert_true(s->has_client_random);
    assert_memory_equal(s->client_random, cr, 4);
    /* the server's chain, decrypted: one certificate (CN=rsa, 432 bytes of DER) */
    assert_true(s->server_chain.present);
    assert_int_equal(s->server_chain.n, 1);
    assert_int_equal(s->server_chain.n_total, 1);
    assert_int_equal(s->server_chain.der[0].len, 432);
    assert_int_equal(s->server_chain.der[0].p[0], 0x30);
    assert_false(s->client_chain.present);
    /* application data: counted, 50 bytes each way */
    assert_int_equal(s->appdata_records[TP_C2S], 1);
    assert_int_equal(s->appdata_records[TP_S2C], 1);
    assert_int_equal(s->appdata_bytes[TP_C2S], 50);
    assert_int_equal(s->appdata_bytes[TP_S2C], 50);
    assert_int_equal(s->alerts_total, 2);
    assert_int_equal(s->decode[0].issue, TP_DEC_NONE);
    assert_int_equal(s->decode[1].issue, TP_DEC_NONE);
    assert_null(s->dec);
}

static void test_rfc8448__with_keylog__every_message_decrypted(void **st)
{
    (void)st;
    struct flow f;
    load_rfc8448(&f);
    struct tp_keylog *kl = load_keylog("rfc8448_s3");
    struct tp_session *s = run(&f, kl, 0);
    check_rfc8448_decrypted(s);
    /* time offsets relative to the start, in feed order */
    assert_int_equal(s->msgs[0].t_us, 1000);
    assert_true(s->msgs[9].t_us > s->msgs[0].t_us);
    for (own_dir = TP_C2S; own_dir <= TP_S2C; own_dir++) {
        struct tp_session *own = run(&f, kl, 0);
        check_rfc8448_decrypted(own);
        assert_same_msgs(s, own);
        tp_session_free(own);
    }
    own_dir = -1;
    tp_session_free(s);
    tp_keylog_free(kl);
    flow_free(&f);
}

static void test_rfc8448__byte_by_byte_and_random_splits__same_messages(void **st)
{
    (void)st;
    struct flow f;
    load_rfc8448(&f);
    struct tp_keylog *kl = load_keylog("rfc8448_s3");
    struct tp_session *ref = run(&f, kl, 0);
    struct tp_session *s = run(&f, kl, 1);
    check_rfc8448_decrypted(s);
    assert_same_msgs(ref, s);
    tp_session_free(s);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        s = run_random(&f, kl, seed);
        check_rfc8448_decrypted(s);
        assert_same_msgs(ref, s);
        tp_session_free(s);
    }
    tp_session_free(ref);
    tp_keylog_free(kl);
    flow_free(&f);
}

/* Re-frame a plaintext handshake record as one record per handshake byte. */
static struct rec one_byte_records(const struct rec *in)
{
    size_t body = in->len - 5;
    struct rec out = { in->dir, malloc(body * 6), body * 6 };
    for (size_t i = 0; i < body; i++) {
        uint8_t *o = out.p + i * 6;
        memcpy(o, in->p, 3);
        o[3] = 0;
        o[4] = 1;
        o[5] = in->p[5 + i];
    }
    return out;
}

static void test_rfc8448__hello_in_one_byte_records__same_messages(void **st)
{
    (void)st;
    struct flow f;
    load_rfc8448(&f);
    struct tp_keylog *kl = load_keylog("rfc8448_s3");
    struct tp_session *ref = run(&f, kl, 0);
    struct flow g = f;
    for (int i = 0; i < 2; i++) /* ClientHello and ServerHello records */
        g.r[i] = one_byte_records(&f.r[i]);
    struct tp_session *s = run(&g, kl, 0);
    check_rfc8448_decrypted(s);
    assert_same_msgs(ref, s);
    assert_int_equal(s->decode[TP_C2S].records, 196 + 3); /* CH body in 1-byte records, then Finished, data, alert */
    tp_session_free(s);
    free(g.r[0].p);
    free(g.r[1].p);
    tp_session_free(ref);
    tp_keylog_free(kl);
    flow_free(&f);
}

static void test_rfc8448__no_keys__encrypted_records_and_inferred_completion(void **st)
{
    (void)st;
    struct flow f;
    load_rfc8448(&f);
    struct tp_session *s = run(&f, NULL, 0);
    /* CH, SH, the server's flight as one EncryptedRecord, the client's Finished */
    assert_int_equal(s->n_msgs, 4);
    assert_int_equal(s->msgs[2].kind, TP_MSG_ENCRYPTED);
    assert_int_equal(s->msgs[2].dir, TP_S2C);
    assert_int_equal(s->msgs[2].record_type, TP_CT_APPLICATION_DATA);
    assert_int_equal(s->msgs[2].length, 674);
    assert_null(s->msgs[2].raw);
    assert_int_equal(s->msgs[3].kind, TP_MSG_ENCRYPTED);
    assert_int_equal(s->msgs[3].dir, TP_C2S);
    assert_int_equal(s->msgs[3].length, 53);
    assert_true(s->keys_missing);
    assert_false(s->decrypt_failed);
    assert_int_equal(s->version, TP_TLS1_3);
    assert_int_equal(s->cipher, 0x1301);
    /* NST (222) after the client's flight: the handshake went through */
    assert_true(s->handshake_complete);
    assert_false(s->server_chain.present);
    /* NST + data + alert from the server, data + alert from the client: counted */
    assert_int_equal(s->appdata_records[TP_S2C], 3);
    assert_int_equal(s->appdata_records[TP_C2S], 2);
    tp_session_free(s);

    /* the server rejects the client's flight with an encrypted alert: not complete */
    struct flow g = f;
    g.n = 5;
    g.r[4] = f.r[8]; /* the server's 24-byte alert record right after the client's Finished */
    s = run(&g, NULL, 0);
    assert_false(s->handshake_complete);
    tp_session_free(s);
    flow_free(&f);
}

static void test_rfc8448__wrong_secret__decrypt_failed(void **st)
{
    (void)st;
    struct flow f;
    load_rfc8448(&f);
    size_t len;
    uint8_t *txt = tu_fixture("session/rfc8448_s3.keylog", &len);
    /* flip one hex digit of the server handshake secret */
    char *p = strstr((char *)txt, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    assert_non_null(p);
    p += strlen("SERVER_HANDSHAKE_TRAFFIC_SECRET ") + 65;
    *p = *p == '0' ? '1' : '0';
    struct tp_keylog *kl = NULL;
    assert_int_equal(tp_keylog_parse(txt, len, &kl), TP_OK);
    free(txt);
    struct tp_session *s = run(&f, kl, 0);
    assert_true(s->decrypt_failed);
    assert_false(s->keys_missing);
    /* the server flight stays an EncryptedRecord; the client side still decrypts */
    assert_int_equal(s->msgs[2].kind, TP_MSG_ENCRYPTED);
    assert_int_equal(s->msgs[2].length, 674);
    assert_null(find_hs(s, TP_S2C, TP_HS_CERTIFICATE));
    const struct tp_msg *cfin = find_hs(s, TP_C2S, TP_HS_FINISHED);
    assert_non_null(cfin);
    assert_true(cfin->decrypted);
    assert_false(s->server_chain.present);
    tp_session_free(s);
    /* a wrong key for a direction taken as our own cannot be caught by a tag:
     * garbage plaintext, which must still decode safely (no crash, no over-read) */
    own_dir = TP_S2C;
    s = run(&f, kl, 0);
    own_dir = -1;
    assert_false(s->server_chain.present);
    tp_session_free(s);
    tp_keylog_free(kl);
    flow_free(&f);
}

/* Cut the interleaved stream at every length: no crash, no leak, and a cut
 * inside a record is reported as truncated. */
static void test_rfc8448__cut_at_every_length__no_crash_truncated(void **st)
{
    (void)st;
    struct flow f;
    load_rfc8448(&f);
    struct tp_keylog *kl = load_keylog("rfc8448_s3");
    size_t total = 0;
    for (size_t i = 0; i < f.n; i++)
        total += f.r[i].len;
    for (size_t cut = 0; cut < total; cut++) {
        struct tp_session *s = tp_session_new(TP_SRC_PCAP, T0);
        tp_session_set_keylog(s, kl);
        size_t left = cut;
        bool at_boundary = true;
        enum tp_dir cut_dir = TP_C2S;
        for (size_t i = 0; i < f.n && left; i++) {
            size_t n = f.r[i].len < left ? f.r[i].len : left;
            uint8_t *c = tu_exact(f.r[i].p, n);
            assert_int_equal(tp_session_feed(s, f.r[i].dir, c, n, T0), TP_OK);
            free(c);
            at_boundary = n == f.r[i].len;
            cut_dir = f.r[i].dir;
            left -= n;
        }
        tp_session_finish(s);
        if (!at_boundary)
            assert_int_equal(s->decode[cut_dir].issue, TP_DEC_TRUNCATED);
        tp_session_free(s);
    }
    tp_keylog_free(kl);
    flow_free(&f);
}

/* ---- real sessions (openssl s_server / s_client on 127.0.0.1) ---- */

static void check_capture(const char *name, uint16_t version, uint16_t suite, bool etm)
{
    struct flow f;
    load_capture(name, &f);
    struct tp_keylog *kl = load_keylog(name);
    struct tp_session *s = run(&f, kl, 0);
    assert_int_equal(s->version, version);
    assert_int_equal(s->cipher, suite);
    assert_false(s->decrypt_failed);
    assert_false(s->keys_missing);
    assert_true(s->handshake_complete);
    const struct tp_msg *cfin = find_hs(s, TP_C2S, TP_HS_FINISHED);
    const struct tp_msg *sfin = find_hs(s, TP_S2C, TP_HS_FINISHED);
    assert_non_null(cfin);
    assert_non_null(sfin);
    assert_true(cfin->decrypted);
    assert_true(sfin->decrypted);
    assert_int_equal(sfin->length, version == TP_TLS1_3 ? (suite == 0x1302 ? 48 : 32) : 12);
    /* the server's chain as sent (one self-signed certificate) */
    assert_true(s->server_chain.present);
    assert_int_equal(s->server_chain.n, 1);
    if (version == TP_TLS1_3) {
        assert_true(find_hs(s, TP_S2C, TP_HS_CERTIFICATE)->decrypted);
        assert_non_null(find_hs(s, TP_S2C, TP_HS_ENCRYPTED_EXTENSIONS));
        assert_non_null(find_hs(s, TP_S2C, TP_HS_CERTIFICATE_VERIFY));
        assert_non_null(find_hs(s, TP_S2C, TP_HS_NEW_SESSION_TICKET));
        for (size_t i = 0; i < s->n_msgs; i++)
            assert_int_not_equal(s->msgs[i].kind, TP_MSG_ENCRYPTED);
    }
    /* "ping from client\n" and "pong from server\n": 17 bytes each way. TLS 1.3
     * decrypts every record (the type is inside), so it counts plaintext; TLS 1.2
     * only counts application data records (their length as sent). */
    if (version == TP_TLS1_0) { /* OpenSSL splits CBC data 1/n-1 against BEAST */
        assert_int_equal(s->appdata_records[TP_C2S], 2);
    } else {
        assert_int_equal(s->appdata_records[TP_C2S], 1);
        assert_int_equal(s->appdata_records[TP_S2C], 1);
    }
    if (version == TP_TLS1_3) {
        assert_int_equal(s->appdata_bytes[TP_C2S], 17);
        assert_int_equal(s->appdata_bytes[TP_S2C], 17);
    } else {
        assert_true(s->appdata_bytes[TP_C2S] > 17);
    }
    /* the server said "pong" after the handshake, then the peers closed: the
     * last alert of each side is a decrypted close_notify, so every record
     * between (sequence numbers, TLS 1.0's IV chain) was accounted for */
    for (int dir = 0; dir < 2; dir++) {
        const struct tp_msg *last = NULL;
        for (size_t i = 0; i < s->n_msgs; i++)
            if (s->msgs[i].kind == TP_MSG_ALERT && (int)s->msgs[i].dir == dir)
                last = &s->msgs[i];
        if (last) {
            assert_true(last->decrypted);
            assert_int_equal(last->alert_desc, 0);
        }
    }
    /* the SH negotiated encrypt-then-mac exactly when the fixture says so */
    const struct tp_msg *shm = find_hs(s, TP_S2C, TP_HS_SERVER_HELLO);
    struct tp_server_hello *sh = malloc(sizeof *sh);
    assert_int_equal(tp_server_hello_parse(tp_bytes_make(shm->raw + 4, shm->raw_len - 4), sh), TP_OK);
    assert_int_equal(sh->ext.encrypt_then_mac, etm);
    free(sh);
    /* a close_notify was decrypted at the end */
    const struct tp_msg *a = tp_session_first_alert(s, -1);
    assert_non_null(a);
    assert_true(a->decrypted);
    assert_int_equal(a->alert_desc, 0);

    /* the same without keys: no crash, keys missing, no decrypted message */
    struct tp_session *nk = run(&f, NULL, 0);
    assert_true(nk->keys_missing);
    assert_false(nk->decrypt_failed);
    assert_true(nk->handshake_complete);
    for (size_t i = 0; i < nk->n_msgs; i++)
        assert_false(nk->msgs[i].decrypted);
    tp_session_free(nk);

    /* byte by byte: the same transcript */
    struct tp_session *bb = run(&f, kl, 1);
    assert_same_msgs(s, bb);
    tp_session_free(bb);

    /* either direction taken as our own (listen: S2C, connect: C2S; its AES-GCM
     * records then opened without recomputing tags): the same transcript */
    for (own_dir = TP_C2S; own_dir <= TP_S2C; own_dir++) {
        struct tp_session *own = run(&f, kl, 0);
        assert_same_msgs(s, own);
        tp_session_free(own);
    }
    own_dir = -1;
    tp_session_free(s);
    tp_keylog_free(kl);
    flow_free(&f);
}

static void test_capture__tls12_ecdhe_ecdsa_aes128gcm__decrypts(void **st)
{
    (void)st;
    check_capture("tls12_ecdhe_ecdsa_aes128gcm", TP_TLS1_2, 0xc02b, false);
}
static void test_capture__tls12_ecdhe_rsa_chacha20__decrypts(void **st)
{
    (void)st;
    check_capture("tls12_ecdhe_rsa_chacha20", TP_TLS1_2, 0xcca8, false);
}
static void test_capture__tls12_aes128cbc_sha_etm__decrypts(void **st)
{
    (void)st;
    check_capture("tls12_ecdhe_rsa_aes128cbc_etm", TP_TLS1_2, 0xc013, true);
}
static void test_capture__tls12_aes128cbc_sha_no_etm__decrypts(void **st)
{
    (void)st;
    check_capture("tls12_ecdhe_rsa_aes128cbc_noetm", TP_TLS1_2, 0xc013, false);
}
static void test_capture__tls12_aes256cbc_sha384_no_etm__decrypts(void **st)
{
    (void)st;
    check_capture("tls12_ecdhe_rsa_aes256cbc_sha384_noetm", TP_TLS1_2, 0xc028, false);
}
static void test_capture__tls12_aes256gcm_sha384_prf__decrypts(void **st)
{
    (void)st;
    check_capture("tls12_ecdhe_rsa_aes256gcm_sha384", TP_TLS1_2, 0xc030, false);
}
static void test_capture__tls12_aes128cbc_sha256_etm__decrypts(void **st)
{
    (void)st;
    check_capture("tls12_ecdhe_rsa_aes128cbc_sha256", TP_TLS1_2, 0xc027, true);
}
static void test_capture__tls11_aes128cbc_explicit_iv__decrypts(void **st)
{
    (void)st;
    check_capture("tls11_ecdhe_rsa_aes128cbc", TP_TLS1_1, 0xc013, true);
}
static void test_capture__tls10_aes256cbc_chained_iv__decrypts(void **st)
{
    (void)st;
    check_capture("tls10_ecdhe_rsa_aes256cbc", TP_TLS1_0, 0xc014, true);
}
static void test_capture__tls12_aes128ccm8__decrypts(void **st)
{
    (void)st;
    check_capture("tls12_ecdhe_ecdsa_aes128ccm8", TP_TLS1_2, 0xc0ae, false);
}
static void test_capture__tls12_aes256ccm__decrypts(void **st)
{
    (void)st;
    check_capture("tls12_ecdhe_ecdsa_aes256ccm", TP_TLS1_2, 0xc0ad, false);
}
static void test_capture__tls13_aes128ccm__decrypts(void **st)
{
    (void)st;
    check_capture("tls13_aes128ccm", TP_TLS1_3, 0x1304, false);
}
static void test_capture__tls13_aes128ccm8__decrypts(void **st)
{
    (void)st;
    check_capture("tls13_aes128ccm8", TP_TLS1_3, 0x1305, false);
}
static void test_capture__tls13_aes256gcm__decrypts(void **st)
{
    (void)st;
    check_capture("tls13_aes256gcm", TP_TLS1_3, 0x1302, false);
}
static void test_capture__tls13_chacha20__decrypts(void **st)
{
    (void)st;
    check_capture("tls13_chacha20", TP_TLS1_3, 0x1303, false);
}
static void test_capture__tls13_aes128gcm__decrypts(void **st)
{
    (void)st;
    check_capture("tls13_aes128gcm_rsa", TP_TLS1_3, 0x1301, false);
}


/* ---- handshake shapes: HRR, KeyUpdate, resumption, client certificates ---- */

static struct tp_session *run_capture(const char *name, bool keys, struct flow *f)
{
    load_capture(name, f);
    struct tp_keylog *kl = keys ? load_keylog(name) : NULL;
    struct tp_session *s = run(f, kl, 0);
    tp_keylog_free(kl); /* the session no longer needs it after finish */
    return s;
}

static size_t count_hs(const struct tp_session *s, enum tp_dir dir, uint8_t type)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_msgs; i++)
        n += s->msgs[i].kind == TP_MSG_HANDSHAKE && s->msgs[i].dir == dir && s->msgs[i].hs_type == type;
    return n;
}

static void test_capture__tls13_hrr_and_alpn__both_hellos_and_ee_alpn(void **st)
{
    (void)st;
    struct flow f;
    struct tp_session *s = run_capture("tls13_hrr", true, &f);
    assert_true(s->hrr);
    assert_int_equal(count_hs(s, TP_C2S, TP_HS_CLIENT_HELLO), 2);
    assert_int_equal(count_hs(s, TP_S2C, TP_HS_SERVER_HELLO), 2);
    const struct tp_msg *sh = find_hs(s, TP_S2C, TP_HS_SERVER_HELLO);
    assert_true(sh->is_hrr);
    assert_int_equal(s->version, TP_TLS1_3);
    assert_true(s->handshake_complete);
    assert_false(s->decrypt_failed);
    assert_string_equal(s->alpn, "http/1.1"); /* from EncryptedExtensions */
    assert_true(find_hs(s, TP_S2C, TP_HS_CERTIFICATE)->decrypted);
    tp_session_free(s);
    flow_free(&f);
}

static void test_capture__tls13_keyupdate__both_directions_keep_decrypting(void **st)
{
    (void)st;
    struct flow f;
    struct tp_session *s = run_capture("tls13_keyupdate", true, &f);
    const struct tp_msg *cku = find_hs(s, TP_C2S, TP_HS_KEY_UPDATE);
    const struct tp_msg *sku = find_hs(s, TP_S2C, TP_HS_KEY_UPDATE);
    assert_non_null(cku);
    assert_non_null(sku);
    assert_true(cku->decrypted);
    assert_int_equal(cku->raw[4], 1); /* update_requested */
    assert_int_equal(sku->raw[4], 0);
    assert_false(s->decrypt_failed);
    /* "after update\n" went under the next client key, close_notify under both */
    assert_int_equal(s->appdata_bytes[TP_C2S], 17 + 13);
    const struct tp_msg *a = tp_session_first_alert(s, TP_C2S);
    assert_non_null(a);
    assert_true(a->decrypted);
    assert_non_null(tp_session_first_alert(s, TP_S2C));
    tp_session_free(s);
    flow_free(&f);
}

static void test_capture__tls12_resumed__abbreviated_handshake(void **st)
{
    (void)st;
    struct flow f;
    struct tp_session *s = run_capture("tls12_resumed", true, &f);
    assert_true(s->resumed);
    assert_true(s->handshake_complete);
    assert_false(s->server_chain.present);
    assert_null(find_hs(s, TP_C2S, TP_HS_CLIENT_KEY_EXCHANGE));
    assert_true(find_hs(s, TP_S2C, TP_HS_FINISHED)->decrypted);
    assert_true(find_hs(s, TP_C2S, TP_HS_FINISHED)->decrypted);
    tp_session_free(s);
    /* without keys: the abbreviated flow still says resumed and complete */
    s = run(&f, NULL, 0);
    assert_true(s->resumed);
    assert_true(s->handshake_complete);
    assert_true(s->keys_missing);
    tp_session_free(s);
    flow_free(&f);
}

static void test_capture__tls13_resumed__psk_selected(void **st)
{
    (void)st;
    struct flow f;
    struct tp_session *s = run_capture("tls13_resumed", true, &f);
    assert_true(s->resumed);
    assert_true(s->handshake_complete);
    assert_false(s->server_chain.present);
    assert_null(find_hs(s, TP_S2C, TP_HS_CERTIFICATE));
    assert_true(find_hs(s, TP_S2C, TP_HS_FINISHED)->decrypted);
    tp_session_free(s);
    s = run(&f, NULL, 0);
    assert_true(s->resumed); /* the ServerHello's pre_shared_key says it */
    tp_session_free(s);
    flow_free(&f);
}

static void test_capture__tls13_mtls__client_chain_decrypted(void **st)
{
    (void)st;
    struct flow f;
    struct tp_session *s = run_capture("tls13_mtls", true, &f);
    assert_true(s->client_auth_requested);
    assert_true(find_hs(s, TP_S2C, TP_HS_CERTIFICATE_REQUEST)->decrypted);
    assert_true(s->client_chain.present);
    assert_int_equal(s->client_chain.n, 1);
    assert_true(find_hs(s, TP_C2S, TP_HS_CERTIFICATE_VERIFY)->decrypted);
    assert_true(s->handshake_complete);
    assert_int_equal(s->server_chain.n, 1);
    tp_session_free(s);
    /* without keys: the client's flight (Certificate, CertificateVerify,
     * Finished) shows as EncryptedRecords; completion is inferred */
    s = run(&f, NULL, 0);
    assert_false(s->client_auth_requested); /* encrypted: not known */
    assert_false(s->client_chain.present);
    assert_true(s->handshake_complete);
    size_t enc_c2s = 0;
    for (size_t i = 0; i < s->n_msgs; i++)
        enc_c2s += s->msgs[i].kind == TP_MSG_ENCRYPTED && s->msgs[i].dir == TP_C2S;
    assert_true(enc_c2s >= 1);
    tp_session_free(s);
    flow_free(&f);
}

/* Issue 18: no cap per direction on the handshake's protected records. A server
 * limited to small records sends its TLS 1.3 flight in dozens of them: all are
 * EncryptedRecord messages (the 17th and later too), none application data. */
static void test_rfc8448__no_keys__many_flight_records_all_encrypted_records(void **st)
{
    (void)st;
    struct flow f, g;
    uint8_t *extra[20];
    load_rfc8448(&f);
    g.n = 0;
    bool added = false;
    for (size_t i = 0; i < f.n; i++) {
        g.r[g.n++] = f.r[i];
        if (!added && f.r[i].dir == TP_S2C && f.r[i].len && f.r[i].p[0] == 0x17) {
            for (int k = 0; k < 20; k++) { /* after the server's flight, before the client's */
                struct rec *r = &g.r[g.n++];
                r->dir = TP_S2C;
                r->len = 5 + 40;
                r->p = extra[k] = calloc(1, r->len);
                assert_non_null(r->p);
                memcpy(r->p, "\x17\x03\x03\x00\x28", 5);
            }
            added = true;
        }
    }
    assert_true(added);
    struct tp_session *s = run(&g, NULL, 0);
    size_t enc_s2c = 0;
    for (size_t i = 0; i < s->n_msgs && !(s->msgs[i].kind == TP_MSG_ENCRYPTED && s->msgs[i].dir == TP_C2S); i++)
        enc_s2c += s->msgs[i].kind == TP_MSG_ENCRYPTED && s->msgs[i].dir == TP_S2C;
    assert_int_equal(enc_s2c, 1 + 20);
    assert_true(s->handshake_complete);
    tp_session_free(s);
    for (int k = 0; k < 20; k++)
        free(extra[k]);
    flow_free(&f);
}

/* A direction joined mid-connection: the decoder resynchronises on its first
 * record header, says nothing of a gap, and the session says where it started. */
static void test_midstream__not_a_gap(void **st)
{
    (void)st;
    struct flow f;
    load_capture("tls12_ecdhe_ecdsa_aes128gcm", &f);
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, T0);
    tp_session_midstream(s, TP_C2S, 0, T0);
    assert_int_equal(tp_session_feed(s, TP_C2S, f.r[0].p, f.r[0].len, T0), TP_OK);
    tp_session_midstream(s, TP_S2C, 7, T0);
    assert_int_equal(tp_session_feed(s, TP_S2C, f.r[1].p, f.r[1].len, T0), TP_OK);
    tp_session_finish(s);
    assert_int_equal(s->decode[TP_C2S].issue, TP_DEC_NONE);
    assert_int_equal(s->decode[TP_S2C].issue, TP_DEC_NONE);
    assert_true(s->started_mid_connection[TP_C2S]);
    assert_true(s->started_mid_connection[TP_S2C]);
    assert_int_equal(s->gap_bytes[TP_S2C], 7);
    assert_non_null(find_hs(s, TP_C2S, TP_HS_CLIENT_HELLO));
    assert_non_null(find_hs(s, TP_S2C, TP_HS_SERVER_HELLO_DONE));
    tp_session_free(s);
    flow_free(&f);
}

static void test_capture__tls12_mtls_alpn__client_chain_plaintext(void **st)
{
    (void)st;
    struct flow f;
    struct tp_session *s = run_capture("tls12_mtls", false, &f);
    /* TLS 1.2 chains and CertificateRequest are plaintext: no keys needed */
    assert_true(s->client_auth_requested);
    assert_true(s->client_chain.present);
    assert_int_equal(s->client_chain.n, 1);
    assert_int_equal(s->server_chain.n, 1);
    assert_string_equal(s->alpn, "h2"); /* from the ServerHello */
    assert_true(s->handshake_complete);
    assert_true(s->keys_missing);
    /* the encrypted Finished of each side, nothing else encrypted is shown */
    size_t enc = 0;
    for (size_t i = 0; i < s->n_msgs; i++)
        if (s->msgs[i].kind == TP_MSG_ENCRYPTED) {
            enc++;
            assert_int_not_equal(s->msgs[i].record_type, TP_CT_APPLICATION_DATA);
        }
    assert_int_equal(enc, 2 + 2); /* 2 Finished + 2 close_notify alerts */
    assert_int_equal(s->alerts_total, 2);
    tp_session_free(s);
    flow_free(&f);
}

/* ---- not TLS, hostile input ---- */

static struct tp_session *client_hello_then(const char *s2c, size_t n)
{
    struct flow f;
    load_rfc8448(&f);
    struct tp_session *s = tp_session_new(TP_SRC_CONNECT, T0);
    assert_int_equal(tp_session_feed(s, TP_C2S, f.r[0].p, f.r[0].len, T0), TP_OK);
    uint8_t *c = tu_exact((const uint8_t *)s2c, n);
    assert_int_equal(tp_session_feed(s, TP_S2C, c, n, T0 + 5), TP_OK);
    free(c);
    tp_session_finish(s);
    flow_free(&f);
    return s;
}

static void test_first_bytes__http_response__not_tls_with_banner(void **st)
{
    (void)st;
    const char http[] = "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n";
    struct tp_session *s = client_hello_then(http, sizeof http - 1);
    assert_int_equal(s->outcome.status, TP_CONN_NOT_TLS);
    assert_string_equal(s->outcome.peer_banner, "HTTP/1.1 400 Bad Request");
    assert_int_equal(s->outcome.peer_banner_len, 24);
    assert_int_equal(s->decode[TP_S2C].issue, TP_DEC_NOT_TLS);
    assert_int_equal(s->n_msgs, 1); /* the ClientHello */
    tp_session_free(s);
}

static void test_first_bytes__ssh_banner_in_pieces__not_tls_with_banner(void **st)
{
    (void)st;
    const char *ssh = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
    struct tp_session *s = tp_session_new(TP_SRC_CONNECT, T0);
    for (size_t i = 0; i < strlen(ssh); i += 3) {
        size_t n = strlen(ssh) - i < 3 ? strlen(ssh) - i : 3;
        assert_int_equal(tp_session_feed(s, TP_S2C, (const uint8_t *)ssh + i, n, T0), TP_OK);
    }
    tp_session_finish(s);
    assert_int_equal(s->outcome.status, TP_CONN_NOT_TLS);
    assert_string_equal(s->outcome.peer_banner, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
    tp_session_free(s);
}

static void test_first_bytes__plain_http_client__not_tls(void **st)
{
    (void)st;
    const char *get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    struct tp_session *s = tp_session_new(TP_SRC_LISTEN, T0);
    assert_int_equal(tp_session_feed(s, TP_C2S, (const uint8_t *)get, strlen(get), T0), TP_OK);
    tp_session_finish(s);
    assert_int_equal(s->outcome.status, TP_CONN_NOT_TLS);
    assert_string_equal(s->outcome.peer_banner, "GET / HTTP/1.1");
    tp_session_free(s);
}

static void test_first_bytes__binary_garbage__not_tls_escaped_later(void **st)
{
    (void)st;
    uint8_t junk[300];
    lcg_state = 7;
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)lcg();
    junk[0] = 0x00; /* never a record type */
    struct tp_session *s = client_hello_then((const char *)junk, sizeof junk);
    assert_int_equal(s->outcome.status, TP_CONN_NOT_TLS);
    assert_true(s->outcome.peer_banner_len < sizeof s->outcome.peer_banner);
    tp_session_free(s);
}

static void test_first_bytes__huge_record_length__tls_record_too_long(void **st)
{
    (void)st;
    const uint8_t rec[] = { 0x16, 0x03, 0x03, 0xff, 0xff, 0x02 };
    struct tp_session *s = client_hello_then((const char *)rec, sizeof rec);
    assert_int_equal(s->outcome.status, TP_CONN_UNKNOWN); /* a TLS peer, misbehaving */
    assert_int_equal(s->decode[TP_S2C].issue, TP_DEC_RECORD_TOO_LONG);
    assert_int_equal(s->decode[TP_S2C].claimed_len, 0xffff);
    tp_session_free(s);
}

static void test_hostile__16mb_handshake_claim__reassembly_stops(void **st)
{
    (void)st;
    struct tp_session *s = tp_session_new(TP_SRC_CONNECT, T0);
    struct flow f;
    load_rfc8448(&f);
    assert_int_equal(tp_session_feed(s, TP_C2S, f.r[0].p, f.r[0].len, T0), TP_OK);
    /* a Certificate claiming 16 MiB - 1, then 100 more full records of filler */
    uint8_t rec[5 + 16384];
    memset(rec, 0x41, sizeof rec);
    rec[0] = 0x16; rec[1] = 3; rec[2] = 3; rec[3] = 0x40; rec[4] = 0x00;
    rec[5] = 0x0b; rec[6] = 0xff; rec[7] = 0xff; rec[8] = 0xff;
    assert_int_equal(tp_session_feed(s, TP_S2C, rec, sizeof rec, T0), TP_OK);
    rec[5] = 0x41;
    for (int i = 0; i < 100; i++)
        assert_int_equal(tp_session_feed(s, TP_S2C, rec, sizeof rec, T0), TP_OK);
    tp_session_finish(s);
    assert_int_equal(s->decode[TP_S2C].issue, TP_DEC_HS_TOO_LARGE);
    assert_int_equal(s->decode[TP_S2C].claimed_len, 0xffffff);
    assert_int_equal(s->decode[TP_S2C].hs_type, TP_HS_CERTIFICATE);
    assert_int_equal(s->decode[TP_S2C].records, 101);
    assert_int_equal(s->n_msgs, 1);
    tp_session_free(s);
    flow_free(&f);
}

static void test_hostile__bad_record_after_tls__decoding_stops(void **st)
{
    (void)st;
    struct flow f;
    load_rfc8448(&f);
    struct tp_session *s = tp_session_new(TP_SRC_CONNECT, T0);
    assert_int_equal(tp_session_feed(s, TP_S2C, f.r[1].p, f.r[1].len, T0), TP_OK);
    const uint8_t bad[] = { 0x99, 0x03, 0x03, 0x00, 0x01, 0x00 };
    assert_int_equal(tp_session_feed(s, TP_S2C, bad, sizeof bad, T0), TP_OK);
    const uint8_t longrec[] = { 0x17, 0x03, 0x03, 0xff, 0xff };
    tp_session_finish(s);
    assert_int_equal(s->decode[TP_S2C].issue, TP_DEC_BAD_RECORD);
    assert_int_equal(s->decode[TP_S2C].offset, 95 + 5);
    assert_int_not_equal(s->outcome.status, TP_CONN_NOT_TLS);
    tp_session_free(s);

    s = tp_session_new(TP_SRC_CONNECT, T0);
    assert_int_equal(tp_session_feed(s, TP_S2C, f.r[1].p, f.r[1].len, T0), TP_OK);
    assert_int_equal(tp_session_feed(s, TP_S2C, longrec, sizeof longrec, T0), TP_OK);
    tp_session_finish(s);
    assert_int_equal(s->decode[TP_S2C].issue, TP_DEC_RECORD_TOO_LONG);
    assert_int_equal(s->decode[TP_S2C].claimed_len, 0xffff);
    tp_session_free(s);
    flow_free(&f);
}

static void test_sslv2_hello__recognised__message_and_version(void **st)
{
    (void)st;
    size_t n;
    /* RFC 5246 §E.2: msg_type 1, version 3.1, 3 cipher specs, no session id, 16-byte challenge */
    uint8_t *rec = tu_hex("8022 01 0301 0009 0000 0010"
                          "00002f 000035 000005"
                          "00112233445566778899aabbccddeeff", &n);
    struct tp_session *s = tp_session_new(TP_SRC_LISTEN, T0);
    assert_int_equal(tp_session_feed(s, TP_C2S, rec, n, T0), TP_OK);
    tp_session_finish(s);
    assert_int_equal(s->n_msgs, 1);
    assert_int_equal(s->msgs[0].kind, TP_MSG_SSLV2_HELLO);
    assert_int_equal(s->msgs[0].raw_len, n);
    assert_int_equal(s->offered_max_version, TP_TLS1_0);
    assert_true(s->has_client_random);
    assert_int_equal(s->client_random[16], 0x00);
    assert_int_equal(s->client_random[17], 0x11);
    assert_int_not_equal(s->outcome.status, TP_CONN_NOT_TLS);
    tp_session_free(s);
    free(rec);
}

static void test_gap__mid_stream__resynchronises_on_record_header(void **st)
{
    (void)st;
    struct flow f;
    load_capture("tls12_ecdhe_ecdsa_aes128gcm", &f);
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, T0);
    /* the ClientHello, then the server's first 100 bytes, a gap, and the server's
     * bytes from somewhere inside its Certificate on */
    assert_int_equal(tp_session_feed(s, TP_C2S, f.r[0].p, f.r[0].len, T0), TP_OK);
    assert_int_equal(tp_session_feed(s, TP_S2C, f.r[1].p, 100, T0), TP_OK);
    tp_session_gap(s, TP_S2C, 300, T0);
    assert_int_equal(tp_session_feed(s, TP_S2C, f.r[1].p + 400, f.r[1].len - 400, T0), TP_OK);
    tp_session_finish(s);
    assert_int_equal(s->decode[TP_S2C].issue, TP_DEC_GAP);
    assert_int_equal(s->gap_bytes[TP_S2C], 300);
    /* the ServerKeyExchange and ServerHelloDone after the gap were found */
    assert_non_null(find_hs(s, TP_S2C, TP_HS_SERVER_KEY_EXCHANGE));
    assert_non_null(find_hs(s, TP_S2C, TP_HS_SERVER_HELLO_DONE));
    tp_session_free(s);
    flow_free(&f);
}

static void test_gap__flow_starts_after_hellos__ccs_still_protects(void **st)
{
    (void)st;
    /* the capture starts after the hellos: from the server's CCS on, its
     * records are protected and show as EncryptedRecord, not as garbage */
    struct flow f;
    load_capture("tls12_ecdhe_ecdsa_aes128gcm", &f);
    size_t len[2];
    uint8_t *s2c = tu_fixture("session/tls12_ecdhe_ecdsa_aes128gcm.s2c", &len[1]);
    /* the server's CCS record: 14 03 03 00 01 01 */
    size_t at = 0;
    for (size_t i = 0; i + 6 <= len[1]; i++)
        if (!memcmp(s2c + i, "\x14\x03\x03\x00\x01\x01", 6)) {
            at = i;
            break;
        }
    assert_true(at > 0);
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, T0);
    tp_session_gap(s, TP_S2C, 0, T0);
    assert_int_equal(tp_session_feed(s, TP_S2C, s2c + at, len[1] - at, T0), TP_OK);
    tp_session_finish(s);
    assert_true(s->n_msgs >= 2);
    assert_int_equal(s->msgs[0].kind, TP_MSG_CCS);
    assert_int_equal(s->msgs[1].kind, TP_MSG_ENCRYPTED);
    assert_int_equal(s->msgs[1].record_type, TP_CT_HANDSHAKE);
    for (size_t i = 0; i < s->n_msgs; i++)
        assert_int_not_equal(s->msgs[i].kind, TP_MSG_HANDSHAKE);
    tp_session_free(s);
    free(s2c);
    flow_free(&f);
}

static void test_keylog_late__secrets_added_while_feeding__decrypts(void **st)
{
    (void)st;
    /* a live probe learns its secrets while the handshake runs */
    struct flow f;
    load_rfc8448(&f);
    struct tp_keylog *full = load_keylog("rfc8448_s3");
    struct tp_keylog *kl = tp_keylog_new();
    struct tp_session *s = tp_session_new(TP_SRC_CONNECT, T0);
    tp_session_set_keylog(s, kl);
    uint8_t cr[32], sec[48];
    memcpy(cr, f.r[0].p + 11, 32);
    for (size_t i = 0; i < f.n; i++) {
        if (i == 2) /* handshake secrets appear after the ServerHello */
            for (int l = TP_SECRET_CLIENT_HANDSHAKE_TRAFFIC; l <= TP_SECRET_SERVER_HANDSHAKE_TRAFFIC; l++) {
                size_t n = tp_keylog_get(full, (enum tp_secret_label)l, cr, sec, sizeof sec);
                assert_int_equal(tp_keylog_add(kl, (enum tp_secret_label)l, cr, sec, n), TP_OK);
            }
        if (i == 3)
            for (int l = TP_SECRET_CLIENT_TRAFFIC_0; l <= TP_SECRET_SERVER_TRAFFIC_0; l++) {
                size_t n = tp_keylog_get(full, (enum tp_secret_label)l, cr, sec, sizeof sec);
                assert_int_equal(tp_keylog_add(kl, (enum tp_secret_label)l, cr, sec, n), TP_OK);
            }
        assert_int_equal(tp_session_feed(s, f.r[i].dir, f.r[i].p, f.r[i].len, T0), TP_OK);
    }
    tp_session_finish(s);
    check_rfc8448_decrypted(s);
    tp_session_free(s);
    tp_keylog_free(kl);
    tp_keylog_free(full);
    flow_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8448__with_keylog__every_message_decrypted),
        cmocka_unit_test(test_rfc8448__byte_by_byte_and_random_splits__same_messages),
        cmocka_unit_test(test_rfc8448__hello_in_one_byte_records__same_messages),
        cmocka_unit_test(test_rfc8448__no_keys__encrypted_records_and_inferred_completion),
        cmocka_unit_test(test_rfc8448__wrong_secret__decrypt_failed),
        cmocka_unit_test(test_rfc8448__cut_at_every_length__no_crash_truncated),
        cmocka_unit_test(test_capture__tls12_ecdhe_ecdsa_aes128gcm__decrypts),
        cmocka_unit_test(test_capture__tls12_ecdhe_rsa_chacha20__decrypts),
        cmocka_unit_test(test_capture__tls12_aes128cbc_sha_etm__decrypts),
        cmocka_unit_test(test_capture__tls12_aes128cbc_sha_no_etm__decrypts),
        cmocka_unit_test(test_capture__tls12_aes256cbc_sha384_no_etm__decrypts),
        cmocka_unit_test(test_capture__tls12_aes256gcm_sha384_prf__decrypts),
        cmocka_unit_test(test_capture__tls12_aes128cbc_sha256_etm__decrypts),
        cmocka_unit_test(test_capture__tls11_aes128cbc_explicit_iv__decrypts),
        cmocka_unit_test(test_capture__tls10_aes256cbc_chained_iv__decrypts),
        cmocka_unit_test(test_capture__tls12_aes128ccm8__decrypts),
        cmocka_unit_test(test_capture__tls12_aes256ccm__decrypts),
        cmocka_unit_test(test_capture__tls13_aes128ccm__decrypts),
        cmocka_unit_test(test_capture__tls13_aes128ccm8__decrypts),
        cmocka_unit_test(test_capture__tls13_aes256gcm__decrypts),
        cmocka_unit_test(test_capture__tls13_chacha20__decrypts),
        cmocka_unit_test(test_capture__tls13_aes128gcm__decrypts),
        cmocka_unit_test(test_capture__tls13_hrr_and_alpn__both_hellos_and_ee_alpn),
        cmocka_unit_test(test_capture__tls13_keyupdate__both_directions_keep_decrypting),
        cmocka_unit_test(test_capture__tls12_resumed__abbreviated_handshake),
        cmocka_unit_test(test_capture__tls13_resumed__psk_selected),
        cmocka_unit_test(test_capture__tls13_mtls__client_chain_decrypted),
        cmocka_unit_test(test_capture__tls12_mtls_alpn__client_chain_plaintext),
        cmocka_unit_test(test_rfc8448__no_keys__many_flight_records_all_encrypted_records),
        cmocka_unit_test(test_midstream__not_a_gap),
        cmocka_unit_test(test_first_bytes__http_response__not_tls_with_banner),
        cmocka_unit_test(test_first_bytes__ssh_banner_in_pieces__not_tls_with_banner),
        cmocka_unit_test(test_first_bytes__plain_http_client__not_tls),
        cmocka_unit_test(test_first_bytes__binary_garbage__not_tls_escaped_later),
        cmocka_unit_test(test_first_bytes__huge_record_length__tls_record_too_long),
        cmocka_unit_test(test_hostile__16mb_handshake_claim__reassembly_stops),
        cmocka_unit_test(test_hostile__bad_record_after_tls__decoding_stops),
        cmocka_unit_test(test_sslv2_hello__recognised__message_and_version),
        cmocka_unit_test(test_gap__mid_stream__resynchronises_on_record_header),
        cmocka_unit_test(test_gap__flow_starts_after_hellos__ccs_still_protects),
        cmocka_unit_test(test_keylog_late__secrets_added_while_feeding__decrypts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
