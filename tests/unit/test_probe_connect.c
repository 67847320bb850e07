/* tp_probe_connect in-process against a wolfSSL server thread on 127.0.0.1 (the
 * openssl s_server scenarios live in tests/integration/test_connect*.sh): the
 * transcript, our own verification, the key log and pcap outputs, each transport
 * failure's outcome, the deadline, and bad local input before any connection. */
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
#include <sys/stat.h>
#include <unistd.h>
#include "probe/wolf.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/probe.h"
#include "testutil.h"

#define PKI TP_FIXTURES "/pki/"

struct srv {
    int ls;
    uint16_t port;
    bool tls;        /* false: accept and stay silent */
    uint16_t version;
    int accepted;
    pthread_t th;
};

static void *srv_thread(void *arg)
{
    struct srv *v = arg;
    int fd = accept(v->ls, NULL, NULL);
    if (fd < 0)
        return NULL;
    v->accepted++;
    if (!v->tls) {
        char b[4096];
        while (read(fd, b, sizeof b) > 0) /* silent until the client gives up */
            ;
        close(fd);
        return NULL;
    }
    char err[256];
    struct tp_wolf_ctx_opts o = { .server = true, .only_version = v->version, .cert = PKI "good.pem",
                                  .key = PKI "good.key", .chain = PKI "int.pem" };
    WOLFSSL_CTX *ctx = tp_wolf_ctx_new(&o, err, sizeof err);
    if (ctx) {
        struct tp_wolf_conn c;
        if (tp_wolf_conn_init(&c, ctx, fd, true, tp_wolf_mono_us() + 5000000) == TP_OK) {
            if (tp_wolf_handshake(&c) == 0)
                (void)tp_wolf_read_some(&c, 500);
            tp_wolf_conn_free(&c);
        }
        wolfSSL_CTX_free(ctx);
    }
    close(fd);
    tp_wolf_thread_done();
    return NULL;
}

static void srv_start(struct srv *v, bool tls, uint16_t version)
{
    memset(v, 0, sizeof *v);
    v->tls = tls;
    v->version = version;
    v->ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(v->ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(v->ls, 4), 0);
    assert_int_equal(getsockname(v->ls, (struct sockaddr *)&a, &al), 0);
    v->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&v->th, NULL, srv_thread, v), 0);
}

static void srv_stop(struct srv *v)
{
    shutdown(v->ls, SHUT_RDWR); /* wakes accept() if nobody came */
    pthread_join(v->th, NULL);
    close(v->ls);
}

static uint16_t closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    close(s);
    return ntohs(a.sin_port);
}

static bool has_finding(const struct tp_session *s, const char *id)
{
    for (size_t i = 0; i < s->n_findings; i++)
        if (!strcmp(s->findings[i].id, id))
            return true;
    return false;
}

static bool has_msg(const struct tp_session *s, enum tp_dir dir, uint8_t hs, bool decrypted)
{
    for (size_t i = 0; i < s->n_msgs; i++)
        if (s->msgs[i].dir == dir && s->msgs[i].kind == TP_MSG_HANDSHAKE && s->msgs[i].hs_type == hs &&
            s->msgs[i].decrypted == decrypted)
            return true;
    return false;
}

static void good(uint16_t version)
{
    struct srv v;
    srv_start(&v, true, version);
    char dir[] = "/tmp/tp-probe-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char keys[64], pcap[64];
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(pcap, sizeof pcap, "%s/s.pcap", dir);
    struct tp_connect_opts o = { .host = "127.0.0.1", .port = v.port, .servername = "localhost",
                                 .cafile = PKI "root.pem", .timeout_ms = 5000, .keylog = keys,
                                 .write_pcap = pcap, .alpn = "h2,http/1.1" };
    struct tp_session *s = NULL;
    char err[256] = "";
    assert_int_equal(tp_probe_connect(&o, &s, err, sizeof err), TP_OK);
    srv_stop(&v);
    assert_non_null(s);
    assert_int_equal(s->outcome.status, TP_CONN_OK);
    assert_true(s->handshake_complete);
    assert_int_equal(s->version, version);
    bool tls13 = version == TP_TLS1_3;
    assert_true(has_msg(s, TP_C2S, TP_HS_CLIENT_HELLO, false));
    assert_true(has_msg(s, TP_S2C, TP_HS_SERVER_HELLO, false));
    assert_true(has_msg(s, TP_S2C, TP_HS_CERTIFICATE, tls13));
    assert_true(has_msg(s, TP_S2C, TP_HS_FINISHED, true));
    assert_true(has_msg(s, TP_C2S, TP_HS_FINISHED, true));
    if (tls13) {
        assert_true(has_msg(s, TP_S2C, TP_HS_ENCRYPTED_EXTENSIONS, true));
        assert_true(has_msg(s, TP_S2C, TP_HS_CERTIFICATE_VERIFY, true));
    }
    assert_int_equal(s->server_chain.n, 2);
    assert_non_null(s->server_verify);
    assert_int_equal(s->server_verify->status, TP_PATH_OK);
    assert_int_equal(s->server_verify->name_status, TP_NAME_OK);
    assert_true(!strncmp(s->server, "127.0.0.1:", 10));
    assert_true(!strncmp(s->client, "127.0.0.1:", 10));
    assert_non_null(s->server_name);
    assert_string_equal(s->server_name, "localhost");
    assert_string_equal(s->host, "127.0.0.1");
    assert_true(s->t_connect_us >= s->t_dns_us && s->t_dns_us >= 0);
    assert_int_equal(tp_exit_status(s), 0);
    /* the key log: TLS 1.3 traffic secrets or the TLS 1.2 master secret */
    char kl[8192];
    FILE *f = fopen(keys, "rb");
    assert_non_null(f);
    size_t n = fread(kl, 1, sizeof kl - 1, f);
    fclose(f);
    kl[n] = 0;
    assert_non_null(strstr(kl, tls13 ? "SERVER_HANDSHAKE_TRAFFIC_SECRET " : "CLIENT_RANDOM "));
    struct stat st;
    assert_int_equal(stat(pcap, &st), 0);
    assert_true(st.st_size > 24 + 3 * 54);
    unlink(keys);
    unlink(pcap);
    rmdir(dir);
    tp_session_free(s);
}

static void test_probe_connect__good_tls13__decrypted_flight_and_outputs(void **st)
{
    (void)st;
    good(TP_TLS1_3);
}

static void test_probe_connect__good_tls12__finished_decrypted_and_outputs(void **st)
{
    (void)st;
    good(TP_TLS1_2);
}

static void test_probe_connect__wrong_name__hostname_mismatch(void **st)
{
    (void)st;
    struct srv v;
    srv_start(&v, true, 0);
    struct tp_connect_opts o = { .host = "127.0.0.1", .port = v.port, .servername = "nothere.test",
                                 .cafile = PKI "root.pem", .timeout_ms = 5000 };
    struct tp_session *s = NULL;
    char err[256];
    assert_int_equal(tp_probe_connect(&o, &s, err, sizeof err), TP_OK);
    srv_stop(&v);
    assert_int_equal(s->outcome.status, TP_CONN_OK); /* the handshake completes: we judge */
    assert_true(has_finding(s, "hostname-mismatch"));
    assert_int_equal(tp_exit_status(s), 1);
    tp_session_free(s);
}

static void test_probe_connect__closed_port__refused(void **st)
{
    (void)st;
    struct tp_connect_opts o = { .host = "127.0.0.1", .port = closed_port(), .cafile = PKI "root.pem",
                                 .timeout_ms = 3000 };
    struct tp_session *s = NULL;
    char err[256];
    assert_int_equal(tp_probe_connect(&o, &s, err, sizeof err), TP_OK);
    assert_int_equal(s->outcome.status, TP_CONN_REFUSED);
    assert_true(has_finding(s, "connection-refused"));
    assert_int_equal(s->n_msgs, 0);
    tp_session_free(s);
}

static void test_probe_connect__invalid_tld__resolve_failed(void **st)
{
    (void)st;
    struct tp_connect_opts o = { .host = "no-such-host.invalid", .port = 443, .cafile = PKI "root.pem",
                                 .timeout_ms = 5000 };
    struct tp_session *s = NULL;
    char err[256];
    assert_int_equal(tp_probe_connect(&o, &s, err, sizeof err), TP_OK);
    assert_true(s->outcome.status == TP_CONN_RESOLVE_FAILED || s->outcome.status == TP_CONN_TIMEOUT);
    if (s->outcome.status == TP_CONN_RESOLVE_FAILED)
        assert_true(has_finding(s, "name-resolution"));
    assert_int_equal(tp_exit_status(s), 1);
    tp_session_free(s);
}

static void test_probe_connect__silent_server__timeout_at_deadline(void **st)
{
    (void)st;
    struct srv v;
    srv_start(&v, false, 0);
    struct tp_connect_opts o = { .host = "127.0.0.1", .port = v.port, .cafile = PKI "root.pem",
                                 .timeout_ms = 400 };
    struct tp_session *s = NULL;
    char err[256];
    int64_t t0 = tp_wolf_mono_us();
    assert_int_equal(tp_probe_connect(&o, &s, err, sizeof err), TP_OK);
    int64_t dt = tp_wolf_mono_us() - t0;
    srv_stop(&v);
    assert_int_equal(s->outcome.status, TP_CONN_TIMEOUT);
    assert_true(has_finding(s, "timeout"));
    assert_true(dt >= 390000 && dt < 1400000);
    assert_true(has_msg(s, TP_C2S, TP_HS_CLIENT_HELLO, false));
    tp_session_free(s);
}

static void test_probe_connect__bad_local_input__error_before_connecting(void **st)
{
    (void)st;
    struct srv v;
    srv_start(&v, false, 0);
    struct {
        struct tp_connect_opts o;
        enum tp_err want;
        const char *msg;
    } cases[] = {
        { { .host = "127.0.0.1", .port = v.port, .cafile = PKI "no-such.pem" }, TP_ERR_IO, "no-such.pem" },
        { { .host = "127.0.0.1", .port = v.port, .cafile = PKI "root.pem", .cert = PKI "client.pem",
            .key = PKI "good.key" }, TP_ERR_USAGE, "does not match" },
        { { .host = "127.0.0.1", .port = v.port, .cafile = PKI "root.pem", .alpn = "h2," }, TP_ERR_USAGE, "alpn" },
        { { .host = "", .port = v.port }, TP_ERR_USAGE, "host" },
        { { .host = "127.0.0.1", .port = v.port, .cafile = PKI "root.pem", .keylog = "/nonexistent-dir/k" },
          TP_ERR_IO, "key log" },
        { { .host = "127.0.0.1", .port = v.port, .cafile = PKI "root.pem", .write_pcap = "/nonexistent-dir/p" },
          TP_ERR_IO, "nonexistent-dir" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tp_session *s = NULL;
        char err[256] = "";
        enum tp_err e = tp_probe_connect(&cases[i].o, &s, err, sizeof err);
        if (e != cases[i].want || !strstr(err, cases[i].msg))
            fprintf(stderr, "case %zu: %s '%s'\n", i, tp_err_name(e), err);
        assert_int_equal(e, cases[i].want);
        assert_null(s);
        assert_non_null(strstr(err, cases[i].msg));
    }
    srv_stop(&v);
    assert_int_equal(v.accepted, 0);
}

int main(void)
{
    tp_wolf_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_connect__good_tls13__decrypted_flight_and_outputs),
        cmocka_unit_test(test_probe_connect__good_tls12__finished_decrypted_and_outputs),
        cmocka_unit_test(test_probe_connect__wrong_name__hostname_mismatch),
        cmocka_unit_test(test_probe_connect__closed_port__refused),
        cmocka_unit_test(test_probe_connect__invalid_tld__resolve_failed),
        cmocka_unit_test(test_probe_connect__silent_server__timeout_at_deadline),
        cmocka_unit_test(test_probe_connect__bad_local_input__error_before_connecting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
