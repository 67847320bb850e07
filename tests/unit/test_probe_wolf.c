/* The wolfSSL glue (src/probe/wolf.c): context setup and bad local input, the
 * recording I/O callbacks, secret capture (TLS 1.2 and 1.3, both sides agree),
 * the deadline, the recording cap and the error table. Client and server run over
 * a loopback TCP pair, the server in a thread. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "probe/wolf.h"
#include "testutil.h"

#define PKI TP_FIXTURES "/pki/"

static void tcp_pair(int fds[2])
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(ls >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(ls, 1), 0);
    assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &al), 0);
    fds[0] = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(fds[0], (struct sockaddr *)&a, sizeof a), 0);
    fds[1] = accept(ls, NULL, NULL);
    assert_true(fds[1] >= 0);
    close(ls);
}

struct server_job {
    WOLFSSL_CTX *ctx;
    int fd;
    int rc;
    int64_t deadline;
    uint8_t secrets[TP_SECRET__COUNT][64];
    size_t secret_len[TP_SECRET__COUNT];
    uint8_t cr[32];
    uint64_t bytes_in, bytes_out;
};

static void *server_thread(void *arg)
{
    struct server_job *j = arg;
    struct tp_wolf_conn c;
    if (tp_wolf_conn_init(&c, j->ctx, j->fd, true, j->deadline) != TP_OK) {
        j->rc = -1;
        return NULL;
    }
    j->rc = tp_wolf_handshake(&c);
    if (j->rc == 0) {
        wolfSSL_get_client_random(c.ssl, j->cr, 32);
        for (int l = 0; l < TP_SECRET__COUNT; l++)
            j->secret_len[l] = tp_keylog_get(c.keylog, (enum tp_secret_label)l, j->cr, j->secrets[l], 64);
        char b[8];
        /* the client's post-handshake read sees our tickets; wait for its close */
        for (int i = 0; i < 50 && wolfSSL_read(c.ssl, b, sizeof b) <= 0; i++) {
            int e = wolfSSL_get_error(c.ssl, -1);
            if (e != WOLFSSL_ERROR_WANT_READ)
                break;
            usleep(10000);
        }
    }
    j->bytes_in = c.bytes[TP_C2S];
    j->bytes_out = c.bytes[TP_S2C];
    tp_wolf_conn_free(&c);
    tp_wolf_thread_done();
    return NULL;
}

static WOLFSSL_CTX *server_ctx(uint16_t ver)
{
    char err[256] = "";
    struct tp_wolf_ctx_opts o = { .server = true, .only_version = ver, .cert = PKI "good.pem",
                                  .key = PKI "good.key", .chain = PKI "int.pem" };
    WOLFSSL_CTX *ctx = tp_wolf_ctx_new(&o, err, sizeof err);
    if (!ctx)
        fprintf(stderr, "server ctx: %s\n", err);
    assert_non_null(ctx);
    return ctx;
}

/* The client's own records (tp_wolf_keep_own_records): the transcript decoded
 * with the plaintexts wolfSSL sealed equals the one decoded from the secrets
 * alone (a key log written out and read back holds no plaintexts). */
static void own_records_same_transcript(struct tp_wolf_conn *c, const uint8_t cr[32])
{
    assert_true(tp_keylog_own_count(c->keylog) >= 2); /* Finished, close_notify at least */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_true(tp_keylog_write_session(c->keylog, cr, f));
    fclose(f);
    struct tp_keylog *plain = NULL;
    assert_int_equal(tp_keylog_parse((const uint8_t *)buf, len, &plain), TP_OK);
    free(buf);
    assert_int_equal(tp_keylog_own_count(plain), 0);
    struct tp_session *a = tp_session_new(TP_SRC_CONNECT, 0), *b = tp_session_new(TP_SRC_CONNECT, 0);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(tp_wolf_conn_flush(c, a, NULL), TP_OK);
    struct tp_keylog *kept = c->keylog;
    c->keylog = plain; /* the same bytes, the secrets alone */
    assert_int_equal(tp_wolf_conn_flush(c, b, NULL), TP_OK);
    c->keylog = kept;
    tp_session_finish(a);
    tp_session_finish(b);
    assert_false(a->keys_missing || a->decrypt_failed || b->keys_missing || b->decrypt_failed);
    assert_int_equal(a->n_msgs, b->n_msgs);
    size_t c2s_decrypted = 0;
    for (size_t i = 0; i < a->n_msgs; i++) {
        const struct tp_msg *x = &a->msgs[i], *y = &b->msgs[i];
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->dir, y->dir);
        assert_int_equal(x->hs_type, y->hs_type);
        assert_int_equal(x->decrypted, y->decrypted);
        assert_int_equal(x->raw_len, y->raw_len);
        if (x->raw_len)
            assert_memory_equal(x->raw, y->raw, x->raw_len);
        c2s_decrypted += x->dir == TP_C2S && x->decrypted;
    }
    assert_true(c2s_decrypted >= 2);
    tp_session_free(a);
    tp_session_free(b);
    tp_keylog_free(plain);
}

static void handshake_both(uint16_t ver, size_t want_secrets)
{
    WOLFSSL_CTX *sctx = server_ctx(ver);
    char err[256] = "";
    struct tp_wolf_ctx_opts co = { .server = false, .only_version = 0 };
    WOLFSSL_CTX *cctx = tp_wolf_ctx_new(&co, err, sizeof err);
    assert_non_null(cctx);
    int fds[2];
    tcp_pair(fds);
    int64_t deadline = tp_wolf_mono_us() + 5000000;
    struct server_job j = { .ctx = sctx, .fd = fds[1], .deadline = deadline };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, server_thread, &j), 0);

    struct tp_wolf_conn c;
    assert_int_equal(tp_wolf_conn_init(&c, cctx, fds[0], false, deadline), TP_OK);
    if (ver == TP_TLS1_3)
        tp_wolf_keep_own_records(&c);
    int rc = tp_wolf_handshake(&c);
    assert_int_equal(rc, 0);
    if (ver == TP_TLS1_3) {
        assert_int_equal(tp_wolf_read_some(&c, 300), 0);
        assert_true(tp_wolf_shutdown_now(&c)); /* our close_notify: one more own record */
    }
    assert_int_equal(wolfSSL_version(c.ssl), ver == TP_TLS1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
    uint8_t cr[32];
    assert_int_equal(wolfSSL_get_client_random(c.ssl, cr, 32), 32);
    struct tp_outcome out;
    memset(&out, 0, sizeof out);
    tp_wolf_outcome(&c, rc, &out);
    assert_int_equal(out.status, TP_CONN_OK);
    close(fds[0]);
    pthread_join(th, NULL);
    assert_int_equal(j.rc, 0);
    assert_memory_equal(cr, j.cr, 32);
    /* every secret the client captured equals the server's */
    size_t n = 0;
    for (int l = 0; l < TP_SECRET__COUNT; l++) {
        uint8_t s[64];
        size_t len = tp_keylog_get(c.keylog, (enum tp_secret_label)l, cr, s, sizeof s);
        if (!len)
            continue;
        n++;
        assert_int_equal(len, j.secret_len[l]);
        assert_memory_equal(s, j.secrets[l], len);
    }
    assert_true(n >= want_secrets);
    if (ver == TP_TLS1_3)
        own_records_same_transcript(&c, cr);
    /* the recording saw exactly what the server sent and received */
    assert_int_equal(c.bytes[TP_C2S], j.bytes_in);
    assert_true(c.bytes[TP_S2C] > 0 && c.bytes[TP_S2C] <= j.bytes_out);
    assert_non_null(c.head);
    assert_true(tp_wolf_last_time(&c) > 0);
    /* the peer chain as wolfSSL kept it: leaf + intermediate */
    struct tp_chain ch;
    memset(&ch, 0, sizeof ch);
    tp_wolf_peer_chain(&c, &ch);
    assert_int_equal(ch.n, 2);
    assert_true(ch.present);
    for (size_t i = 0; i < ch.n; i++)
        free((void *)(uintptr_t)ch.der[i].p);
    tp_wolf_conn_free(&c);
    tp_wolf_conn_free(&c); /* idempotent */
    wolfSSL_CTX_free(cctx);
    wolfSSL_CTX_free(sctx);
}

static void test_wolf_handshake__tls13__secrets_match_server(void **st)
{
    (void)st;
    handshake_both(TP_TLS1_3, 4);
}

static void test_wolf_handshake__tls12__master_secret_matches_server(void **st)
{
    (void)st;
    handshake_both(TP_TLS1_2, 1);
}

static void test_wolf_handshake__silent_peer__timeout_at_deadline(void **st)
{
    (void)st;
    char err[256];
    struct tp_wolf_ctx_opts co = { 0 };
    WOLFSSL_CTX *cctx = tp_wolf_ctx_new(&co, err, sizeof err);
    assert_non_null(cctx);
    int fds[2];
    tcp_pair(fds);
    int64_t t0 = tp_wolf_mono_us();
    struct tp_wolf_conn c;
    assert_int_equal(tp_wolf_conn_init(&c, cctx, fds[0], false, t0 + 300000), TP_OK);
    int rc = tp_wolf_handshake(&c);
    int64_t dt = tp_wolf_mono_us() - t0;
    assert_int_equal(rc, TP_WOLF_E_TIMEOUT);
    assert_true(dt >= 290000 && dt < 800000);
    assert_true(c.timed_out);
    struct tp_outcome out;
    memset(&out, 0, sizeof out);
    tp_wolf_outcome(&c, rc, &out);
    assert_int_equal(out.status, TP_CONN_TIMEOUT);
    assert_true(c.bytes[TP_C2S] > 0); /* the ClientHello was recorded */
    tp_wolf_conn_free(&c);
    close(fds[0]);
    close(fds[1]);
    wolfSSL_CTX_free(cctx);
}

static void test_wolf_handshake__garbage_peer__not_tls_with_banner(void **st)
{
    (void)st;
    char err[256];
    struct tp_wolf_ctx_opts co = { 0 };
    WOLFSSL_CTX *cctx = tp_wolf_ctx_new(&co, err, sizeof err);
    int fds[2];
    tcp_pair(fds);
    const char http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    assert_int_equal(write(fds[1], http, sizeof http - 1), (ssize_t)(sizeof http - 1));
    shutdown(fds[1], SHUT_WR);
    struct tp_wolf_conn c;
    assert_int_equal(tp_wolf_conn_init(&c, cctx, fds[0], false, tp_wolf_mono_us() + 2000000), TP_OK);
    int rc = tp_wolf_handshake(&c);
    assert_true(rc != 0);
    struct tp_outcome out;
    memset(&out, 0, sizeof out);
    tp_wolf_outcome(&c, rc, &out);
    assert_int_equal(out.status, TP_CONN_NOT_TLS);
    assert_true(c.banner_len >= 8); /* more than the 5 bytes wolfSSL looked at */
    assert_memory_equal(c.banner, "HTTP/1.1", 8);
    tp_wolf_conn_free(&c);
    close(fds[0]);
    close(fds[1]);
    wolfSSL_CTX_free(cctx);
}

static void test_wolf_handshake__peer_closes__closed_not_timeout(void **st)
{
    (void)st;
    char err[256];
    struct tp_wolf_ctx_opts co = { 0 };
    WOLFSSL_CTX *cctx = tp_wolf_ctx_new(&co, err, sizeof err);
    int fds[2];
    tcp_pair(fds);
    close(fds[1]);
    struct tp_wolf_conn c;
    assert_int_equal(tp_wolf_conn_init(&c, cctx, fds[0], false, tp_wolf_mono_us() + 2000000), TP_OK);
    int rc = tp_wolf_handshake(&c);
    assert_true(rc != 0 && rc != TP_WOLF_E_TIMEOUT);
    struct tp_outcome out;
    memset(&out, 0, sizeof out);
    tp_wolf_outcome(&c, rc, &out);
    assert_true(out.status == TP_CONN_CLOSED || out.status == TP_CONN_RESET);
    tp_wolf_conn_free(&c);
    close(fds[0]);
    wolfSSL_CTX_free(cctx);
}

/* The verify callback finds its connection (and the caller's state, c->user)
 * through the WOLFSSL in the store's ex data: no thread-local needed. */
static int g_conn_of_calls, g_conn_of_hits;
static int conn_of_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    (void)preverify;
    struct tp_wolf_conn *c = tp_wolf_conn_of(store);
    g_conn_of_calls++;
    if (c && c->user == &g_conn_of_hits)
        g_conn_of_hits++;
    return 1;
}

static void test_wolf_conn_of__verify_callback__finds_the_connection(void **st)
{
    (void)st;
    WOLFSSL_CTX *sctx = server_ctx(TP_TLS1_3);
    char err[256] = "";
    struct tp_wolf_ctx_opts co = { .server = false };
    WOLFSSL_CTX *cctx = tp_wolf_ctx_new(&co, err, sizeof err);
    assert_non_null(cctx);
    int fds[2];
    tcp_pair(fds);
    int64_t deadline = tp_wolf_mono_us() + 5000000;
    struct server_job j = { .ctx = sctx, .fd = fds[1], .deadline = deadline };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, server_thread, &j), 0);
    struct tp_wolf_conn c;
    assert_int_equal(tp_wolf_conn_init(&c, cctx, fds[0], false, deadline), TP_OK);
    c.user = &g_conn_of_hits;
    wolfSSL_set_verify(c.ssl, WOLFSSL_VERIFY_PEER, conn_of_cb);
    g_conn_of_calls = g_conn_of_hits = 0;
    assert_int_equal(tp_wolf_handshake(&c), 0);
    assert_true(g_conn_of_calls >= 1);
    assert_int_equal(g_conn_of_hits, g_conn_of_calls);
    assert_null(tp_wolf_conn_of(NULL));
    tp_wolf_conn_free(&c);
    close(fds[0]);
    pthread_join(th, NULL);
    close(fds[1]);
    wolfSSL_CTX_free(cctx);
    wolfSSL_CTX_free(sctx);
}

/* listen's recorder options: bytes read before the handshake (preload) and
 * read-ahead are recorded; after the peer's fatal alert nothing more goes out. */
static void test_wolf_io__preload_read_ahead_quiet__peer_alert_kept(void **st)
{
    (void)st;
    char err[256];
    struct tp_wolf_ctx_opts co = { 0 };
    WOLFSSL_CTX *cctx = tp_wolf_ctx_new(&co, err, sizeof err);
    assert_non_null(cctx);
    int fds[2];
    tcp_pair(fds);
    static const uint8_t alert[7] = { 21, 3, 3, 0, 2, 2, 40 }; /* fatal handshake_failure */
    assert_int_equal(write(fds[1], alert, sizeof alert), (ssize_t)sizeof alert);
    shutdown(fds[1], SHUT_WR);
    uint8_t ahead[TP_MAX_RECORD_LEN + 5];
    assert_int_equal(recv(fds[0], ahead, 2, MSG_WAITALL), 2); /* the caller read 2 bytes first */
    struct tp_wolf_conn c;
    assert_int_equal(tp_wolf_conn_init(&c, cctx, fds[0], false, tp_wolf_mono_us() + 2000000), TP_OK);
    const struct tp_wolf_io io = { .ahead = ahead, .ahead_cap = sizeof ahead, .quiet_after_peer_fatal = true };
    tp_wolf_conn_set_io(&c, &io);
    tp_wolf_conn_preload(&c, 2, 0);
    assert_int_equal(c.bytes[TP_S2C], 2);
    int rc = tp_wolf_handshake(&c);
    assert_true(rc != 0);
    assert_int_equal(c.bytes[TP_S2C], sizeof alert); /* the whole alert, recorded once */
    assert_true(c.peer_fatal);
    assert_memory_equal(c.banner, alert, sizeof alert);
    uint64_t out = c.bytes[TP_C2S];
    assert_true(tp_wolf_send_raw(&c, alert, sizeof alert)); /* swallowed, not sent */
    assert_int_equal(c.bytes[TP_C2S], out);
    tp_wolf_conn_free(&c);
    close(fds[0]);
    close(fds[1]);
    wolfSSL_CTX_free(cctx);
}

static void test_wolf_ctx__bad_local_input__clear_error(void **st)
{
    (void)st;
    struct {
        const char *cert, *key, *want;
    } cases[] = {
        { PKI "no-such.pem", PKI "good.key", "cannot read certificate" },
        { PKI "good.pem", PKI "no-such.key", "cannot read key" },
        { PKI "good.pem", PKI "client.key", "does not match" },
        { PKI "good.key", PKI "good.key", "no usable certificate" },
        { PKI "good.pem", PKI "good.pem", "no usable private key" },
        { PKI "good.pem", NULL, "--key" },
        { TP_FIXTURES "/pki", PKI "good.key", "not a regular file" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        struct tp_wolf_ctx_opts o = { .cert = cases[i].cert, .key = cases[i].key };
        WOLFSSL_CTX *ctx = tp_wolf_ctx_new(&o, err, sizeof err);
        if (ctx || !strstr(err, cases[i].want))
            fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, err, cases[i].want);
        assert_null(ctx);
        assert_non_null(strstr(err, cases[i].want));
        assert_null(strchr(err, '\n'));
    }
    char err[256] = "";
    struct tp_wolf_ctx_opts ok = { .cert = PKI "client-fullchain.pem", .key = PKI "client.key" };
    WOLFSSL_CTX *ctx = tp_wolf_ctx_new(&ok, err, sizeof err);
    assert_non_null(ctx);
    wolfSSL_CTX_free(ctx);
}

static void test_wolf_err__table__names_and_texts(void **st)
{
    (void)st;
    assert_string_equal(tp_wolf_err_name(-308), "SOCKET_ERROR_E");
    assert_string_equal(tp_wolf_err_name(-313), "FATAL_ERROR");
    assert_string_equal(tp_wolf_err_name(TP_WOLF_E_TIMEOUT), "TIMEOUT");
    assert_string_equal(tp_wolf_err_name(-12345), "WOLFSSL_ERROR");
    assert_non_null(tp_wolf_err_text(-99999));
    int codes[] = { -188, -151, -301, -304, -305, -306, -308, -311, -313, -322, -326, -341, -345, -501 };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        assert_string_not_equal(tp_wolf_err_name(codes[i]), "WOLFSSL_ERROR");
        assert_true(strlen(tp_wolf_err_text(codes[i])) > 5);
    }
}

int main(void)
{
    tp_wolf_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wolf_handshake__tls13__secrets_match_server),
        cmocka_unit_test(test_wolf_handshake__tls12__master_secret_matches_server),
        cmocka_unit_test(test_wolf_handshake__silent_peer__timeout_at_deadline),
        cmocka_unit_test(test_wolf_handshake__garbage_peer__not_tls_with_banner),
        cmocka_unit_test(test_wolf_handshake__peer_closes__closed_not_timeout),
        cmocka_unit_test(test_wolf_conn_of__verify_callback__finds_the_connection),
        cmocka_unit_test(test_wolf_io__preload_read_ahead_quiet__peer_alert_kept),
        cmocka_unit_test(test_wolf_ctx__bad_local_input__clear_error),
        cmocka_unit_test(test_wolf_err__table__names_and_texts),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    wolfSSL_Cleanup();
    return r;
}
