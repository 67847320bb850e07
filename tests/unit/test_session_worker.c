/* Explicit state (issue 21 item 5): a session decoded with a struct tp_worker
 * (the capture reader's) and without one (scratch of its own) must give the same
 * transcript byte for byte, and the JA3/JA3S/JA4 fingerprints with a memo (a miss,
 * then a hit) must equal the pure functions'. Inputs: every seed of the session
 * fuzz corpus (fixtures/fuzz/fuzz_session, the chunk format of
 * tests/fuzz/fuzz_session.c), keyed by the fixture key log of the same name when
 * there is one, or by the input's own header (RSA key exchange, PSK, 0-RTT,
 * DTLS: tests/fuzz/make_session_seeds.py), so the decryption paths run too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/render.h"
#include "tlsprobe/session.h"
#include "tlsprobe/strbuf.h"
#include "tlsprobe/wire.h"
#include "testutil.h"
#include "../fuzz/session_chunks.h"

/* Decode input (fuzz_session's chunk format) into a finished session; an input
 * with a header (session_chunks.h) brings its own key log, own direction and
 * framing. */
static struct tp_session *decode(const uint8_t *data, size_t size, const struct tp_keylog *kl, struct tp_worker *w)
{
    struct tp_chunk_header hdr;
    assert_int_equal(tp_chunk_header_read(&data, &size, &hdr), TP_OK);
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, 0);
    assert_non_null(s);
    tp_session_set_worker(s, w);
    if (hdr.present)
        tp_session_set_keylog(s, hdr.kl);
    else if (kl)
        tp_session_set_keylog(s, kl);
    unsigned own = hdr.flags & TP_CHUNK_OWN_MASK;
    if (own == 1 || own == 2)
        tp_session_own_direction(s, own == 1 ? TP_C2S : TP_S2C);
    size_t off = 0;
    int64_t t = 0;
    struct tp_chunk k;
    while (tp_chunk_next(data, size, &off, &k))
        assert_int_equal(tp_chunk_apply(s, &hdr, &k, k.p, &t), TP_OK);
    tp_session_finish(s);
    tp_keylog_free(hdr.kl); /* the session is done decoding: it no longer reads it */
    return s;
}

static void render_json(const struct tp_session *s, struct tp_sb *out)
{
    struct tp_render_opts o = { .format = TP_FMT_JSON, .no_times = true };
    tp_render_session(out, s, &o);
}

/* The fingerprints of every hello in the transcript, pure and through a memo. */
static size_t n_hellos; /* hellos fingerprinted, over all inputs */

static void check_fingerprints(const struct tp_session *s, struct tp_ja_memo *jm)
{
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        struct tp_hs_header h;
        if (m->kind != TP_MSG_HANDSHAKE || !m->raw || tp_hs_header_parse(tp_bytes_make(m->raw, m->raw_len), &h) != TP_OK)
            continue;
        if (h.type == TP_HS_CLIENT_HELLO) {
            struct tp_client_hello *ch = calloc(1, sizeof *ch);
            assert_non_null(ch);
            if (tp_client_hello_parse(h.body, ch) == TP_OK) {
                n_hellos++;
                char a[2048], b[2048], ma[33], mb[33], ja[40], jb[40];
                for (int round = 0; round < 2; round++) { /* a miss, then a hit */
                    assert_int_equal(tp_ja3(ch, a, sizeof a, ma), tp_ja3_memo(jm, ch, b, sizeof b, mb));
                    assert_string_equal(a, b);
                    assert_string_equal(ma, mb);
                    tp_ja4(ch, false, ja);
                    tp_ja4_memo(jm, ch, false, jb);
                    assert_string_equal(ja, jb);
                }
            }
            free(ch);
        } else if (h.type == TP_HS_SERVER_HELLO) {
            struct tp_server_hello *sh = calloc(1, sizeof *sh);
            assert_non_null(sh);
            if (tp_server_hello_parse(h.body, sh) == TP_OK) {
                n_hellos++;
                char a[1024], b[1024], ma[33], mb[33];
                for (int round = 0; round < 2; round++) {
                    assert_int_equal(tp_ja3s(sh, a, sizeof a, ma), tp_ja3s_memo(jm, sh, b, sizeof b, mb));
                    assert_string_equal(a, b);
                    assert_string_equal(ma, mb);
                }
            }
            free(sh);
        }
    }
}

static void test_worker__with_and_without__byte_identical(void **state)
{
    (void)state;
    char dir_path[512];
    snprintf(dir_path, sizeof dir_path, "%s/fuzz/fuzz_session", TP_FIXTURES);
    DIR *dir = opendir(dir_path);
    assert_non_null(dir);
    struct tp_worker *w = tp_worker_new();
    assert_non_null(w);
    size_t n_inputs = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char rel[512];
        size_t len = 0, kl_len = 0;
        snprintf(rel, sizeof rel, "fuzz/fuzz_session/%s", e->d_name);
        uint8_t *data = tu_fixture(rel, &len);
        assert_non_null(data);
        snprintf(rel, sizeof rel, "session/%s.keylog", e->d_name);
        uint8_t *kl_text = tu_fixture(rel, &kl_len);
        struct tp_keylog *kl = NULL;
        if (kl_text)
            assert_int_equal(tp_keylog_parse(kl_text, kl_len, &kl), TP_OK);
        struct tp_sb with, without;
        tp_sb_init(&with);
        tp_sb_init(&without);
        struct tp_session *a = decode(data, len, kl, w), *b = decode(data, len, kl, NULL);
        render_json(a, &with);
        render_json(b, &without);
        if (with.len != without.len || memcmp(tp_sb_str(&with), tp_sb_str(&without), with.len))
            fail_msg("%s: the transcript differs with a worker:\n%s\nwithout:\n%s", e->d_name, tp_sb_str(&with),
                     tp_sb_str(&without));
        check_fingerprints(a, tp_worker_ja_memo(w));
        tp_session_free(a);
        tp_session_free(b);
        tp_sb_free(&with);
        tp_sb_free(&without);
        tp_keylog_free(kl);
        free(kl_text);
        free(data);
        n_inputs++;
    }
    closedir(dir);
    tp_worker_free(w);
    assert_true(n_inputs >= 10);
    assert_true(n_hellos >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker__with_and_without__byte_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
