/* tp_probe_listen through its API: bad local input, and the clients that never
 * reach wolfSSL's handshake (silent, closing, not TLS, truncated, hostile), the
 * stop flag and --count. Real TLS clients are in tests/integration/test_listen*.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "tlsprobe/probe.h"

#define PKI TP_FIXTURES "/pki/"
#define MAX_SEEN 8

struct seen {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint16_t port;
    bool ready;
    size_t n;
    enum tp_conn_status status[MAX_SEEN];
    char banner[MAX_SEEN][64];
    char client[MAX_SEEN][64];
};

struct run {
    struct tp_listen_opts o;
    struct seen seen;
    volatile int stop;
    enum tp_err rc;
    char err[256];
    pthread_t th;
};

static void on_ready(uint16_t port, void *ctx)
{
    struct seen *s = ctx;
    pthread_mutex_lock(&s->mu);
    s->port = port;
    s->ready = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void on_session(struct tp_session *sess, void *ctx)
{
    struct seen *s = ctx;
    pthread_mutex_lock(&s->mu);
    if (s->n < MAX_SEEN) {
        s->status[s->n] = sess->outcome.status;
        snprintf(s->banner[s->n], sizeof s->banner[0], "%.*s", (int)sess->outcome.peer_banner_len,
                 sess->outcome.peer_banner);
        snprintf(s->client[s->n], sizeof s->client[0], "%s", sess->client);
    }
    s->n++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void *run_main(void *arg)
{
    struct run *r = arg;
    r->rc = tp_probe_listen(&r->o, &r->stop, r->err, sizeof r->err);
    /* unblock a waiting test if listen failed */
    on_ready(0, &r->seen);
    return NULL;
}

static struct run *run_start(int count, int timeout_ms)
{
    struct run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    pthread_mutex_init(&r->seen.mu, NULL);
    pthread_cond_init(&r->seen.cv, NULL);
    r->o.bind_addr = "127.0.0.1";
    r->o.cert = PKI "good-fullchain.pem";
    r->o.key = PKI "good.key";
    r->o.count = count;
    r->o.timeout_ms = timeout_ms;
    r->o.on_ready = on_ready;
    r->o.on_session = on_session;
    r->o.ctx = &r->seen;
    assert_int_equal(pthread_create(&r->th, NULL, run_main, r), 0);
    pthread_mutex_lock(&r->seen.mu);
    while (!r->seen.ready)
        pthread_cond_wait(&r->seen.cv, &r->seen.mu);
    pthread_mutex_unlock(&r->seen.mu);
    assert_int_not_equal(r->seen.port, 0);
    return r;
}

static void run_free(struct run *r)
{
    pthread_cond_destroy(&r->seen.cv);
    free(r);
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int dial(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = { 0 };
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Read until EOF or 2 s; returns bytes read. */
static size_t read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    int64_t end = now_ms() + 2000;
    while (n + 1 < cap && now_ms() < end) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t k = recv(fd, buf + n, cap - 1 - n, 0);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    buf[n] = 0;
    return n;
}

static void test_listen__missing_cert_or_key__usage_error(void **state)
{
    (void)state;
    struct tp_listen_opts o = { 0 };
    volatile int stop = 0;
    char err[256] = "";
    o.port = 0;
    o.key = PKI "good.key";
    assert_int_equal(tp_probe_listen(&o, &stop, err, sizeof err), TP_ERR_USAGE);
    assert_non_null(strstr(err, "--cert"));
}

static void test_listen__unreadable_files__io_error_naming_them(void **state)
{
    (void)state;
    struct tp_listen_opts o = { 0 };
    volatile int stop = 0;
    char err[256] = "";
    o.cert = PKI "does-not-exist.pem";
    o.key = PKI "good.key";
    assert_int_not_equal(tp_probe_listen(&o, &stop, err, sizeof err), TP_OK);
    assert_non_null(strstr(err, "does-not-exist.pem"));

    o.cert = PKI "good.pem";
    o.key = PKI "client.key"; /* not the key of good.pem */
    err[0] = 0;
    assert_int_not_equal(tp_probe_listen(&o, &stop, err, sizeof err), TP_OK);
    assert_true(err[0] != 0);

    o.key = PKI "good.key";
    o.client_ca = PKI "does-not-exist-ca.pem";
    err[0] = 0;
    assert_int_not_equal(tp_probe_listen(&o, &stop, err, sizeof err), TP_OK);
    assert_non_null(strstr(err, "does-not-exist-ca.pem"));

    o.client_ca = NULL;
    o.alpn = "h2,,http/1.1";
    err[0] = 0;
    assert_int_equal(tp_probe_listen(&o, &stop, err, sizeof err), TP_ERR_USAGE);
    assert_non_null(strstr(err, "--alpn"));
}

static void test_listen__silent_client__timeout_within_deadline(void **state)
{
    (void)state;
    struct run *r = run_start(1, 300);
    int64_t t0 = now_ms();
    int fd = dial(r->seen.port);
    pthread_join(r->th, NULL);
    int64_t el = now_ms() - t0;
    assert_int_equal(r->rc, TP_OK);
    assert_int_equal(r->seen.n, 1);
    assert_int_equal(r->seen.status[0], TP_CONN_TIMEOUT);
    assert_true(el >= 250 && el < 5000);
    assert_non_null(strstr(r->seen.client[0], "127.0.0.1:"));
    close(fd);
    run_free(r);
}

static void test_listen__plain_http__not_tls_and_http_400(void **state)
{
    (void)state;
    struct run *r = run_start(1, 2000);
    int fd = dial(r->seen.port);
    const char req[] = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
    assert_int_equal(send(fd, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    char buf[1024];
    read_all(fd, buf, sizeof buf);
    close(fd);
    pthread_join(r->th, NULL);
    assert_int_equal(r->seen.n, 1);
    assert_int_equal(r->seen.status[0], TP_CONN_NOT_TLS);
    assert_string_equal(r->seen.banner[0], "GET /x HTTP/1.1");
    assert_non_null(strstr(buf, "HTTP/1.1 400"));
    assert_non_null(strstr(buf, "https://"));
    run_free(r);
}

static void test_listen__close_without_data__closed(void **state)
{
    (void)state;
    struct run *r = run_start(1, 2000);
    close(dial(r->seen.port));
    pthread_join(r->th, NULL);
    assert_int_equal(r->seen.n, 1);
    assert_int_equal(r->seen.status[0], TP_CONN_CLOSED);
    run_free(r);
}

/* A ClientHello record cut at every length, then the client closes: never a
 * crash, never a "completed" session. */
static void test_listen__truncated_client_hello__every_length_ends_cleanly(void **state)
{
    (void)state;
    size_t len = 0;
    /* the client's stream of a real TLS 1.2 session: its first record is the ClientHello */
    uint8_t *rec = tu_fixture("session/tls12_ecdhe_ecdsa_aes128gcm.c2s", &len);
    assert_non_null(rec);
    assert_true(len > 5 && rec[0] == 0x16);
    size_t reclen = 5 + ((size_t)rec[3] << 8 | rec[4]);
    if (len > reclen)
        len = reclen;
    size_t cuts = len; /* 0 .. len-1 bytes, then close */
    struct run *r = run_start((int)cuts, 20000);
    int64_t t0 = now_ms();
    for (size_t cut = 0; cut < len; cut++) {
        int fd = dial(r->seen.port);
        if (cut)
            assert_int_equal(send(fd, rec, cut, 0), (ssize_t)cut);
        close(fd);
    }
    pthread_join(r->th, NULL);
    assert_int_equal(r->seen.n, cuts);
    for (size_t i = 0; i < cuts && i < MAX_SEEN; i++)
        assert_int_not_equal(r->seen.status[i], TP_CONN_OK);
    /* a client that closed is reported at once, not at the (20 s) deadline */
    assert_true(now_ms() - t0 < 10000);
    free(rec);
    run_free(r);
}

/* A record header claiming the maximum length, then silence: the deadline, not
 * the claimed length, ends it. */
static void test_listen__huge_length_then_silence__timeout(void **state)
{
    (void)state;
    struct run *r = run_start(1, 400);
    int fd = dial(r->seen.port);
    const uint8_t hdr[] = { 0x16, 0x03, 0x01, 0x47, 0xff, 0x01, 0xff, 0xff, 0xff };
    assert_int_equal(send(fd, hdr, sizeof hdr, 0), (ssize_t)sizeof hdr);
    pthread_join(r->th, NULL);
    close(fd);
    assert_int_equal(r->seen.n, 1);
    assert_int_not_equal(r->seen.status[0], TP_CONN_OK);
    run_free(r);
}

static void test_listen__stop_flag__returns_promptly_without_reporting_in_flight(void **state)
{
    (void)state;
    struct run *r = run_start(0, 10000);
    int fd = dial(r->seen.port); /* in flight: silent for 10 s */
    usleep(100000);
    int64_t t0 = now_ms();
    r->stop = 1;
    pthread_join(r->th, NULL);
    assert_true(now_ms() - t0 < 5000); /* not the 10 s deadline */
    assert_int_equal(r->rc, TP_OK);
    assert_int_equal(r->seen.n, 0);
    close(fd);
    run_free(r);
}

static void test_listen__count_reached__later_clients_not_reported(void **state)
{
    (void)state;
    struct run *r = run_start(2, 5000);
    int a = dial(r->seen.port), b = dial(r->seen.port), c = dial(r->seen.port);
    close(a);
    close(b);
    pthread_join(r->th, NULL); /* c stays open and silent: not waited for */
    assert_int_equal(r->seen.n, 2);
    close(c);
    run_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen__missing_cert_or_key__usage_error),
        cmocka_unit_test(test_listen__unreadable_files__io_error_naming_them),
        cmocka_unit_test(test_listen__silent_client__timeout_within_deadline),
        cmocka_unit_test(test_listen__plain_http__not_tls_and_http_400),
        cmocka_unit_test(test_listen__close_without_data__closed),
        cmocka_unit_test(test_listen__truncated_client_hello__every_length_ends_cleanly),
        cmocka_unit_test(test_listen__huge_length_then_silence__timeout),
        cmocka_unit_test(test_listen__stop_flag__returns_promptly_without_reporting_in_flight),
        cmocka_unit_test(test_listen__count_reached__later_clients_not_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
