/* The server probe (tlsprobe listen): a real TLS server on wolfSSL that records
 * every byte each client sends and receives, and hands them with the session's
 * own secrets to the same decoder a capture uses (see probe/wolf.h).
 *
 * Concurrency: a bounded pool of worker threads (TP_MAX_LISTEN_WORKERS), grown
 * on demand, with no acceptor thread and no per-connection hand-off. One worker
 * at a time holds the "accept duty": it blocks in accept() itself, serves the
 * connection it got, and goes back to accept(). When another client is already
 * waiting as it accepts one, or arrives while it waits for its own client (it
 * watches the listening socket then), it passes the duty to the most recently
 * parked worker (or a new one, below the cap) and carries on with its own
 * client, so concurrent clients are served in parallel. So a sequential load is served by
 * one thread whose caches stay warm (two threads taking turns cost about 15 %
 * more CPU per handshake: wolfSSL's per-thread ECC tables, arenas, stacks), and
 * concurrent clients still never wait for each other. Phases in which the
 * holder does not watch the socket (computing, wolf.c's own waits, an AIA
 * fetch, waiting for the output lock) are covered by the calling thread, which
 * takes the duty away from a holder busy for LISTEN_DUTY_STALL_MS while a
 * client is waiting. A worker serves one connection at a time from accept to
 * report, with a per-connection deadline counted from accept, so a silent
 * client costs one worker for --timeout and nothing else. On --count or the
 * stop signal the calling thread shuts the listening socket down (which ends
 * every accept()) and aborts the connections in flight. Reports
 * (o->on_session) and key log lines are serialised under one mutex, so output
 * of concurrent sessions never interleaves.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "probe/wolf.h"
#include "tlsprobe/pcapw.h"
#include "tlsprobe/strbuf.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/names.h"
#include "tlsprobe/probe.h"
#include "tlsprobe/wire.h"
#include "tlsprobe/x509.h"

/* After a completed handshake we wait this long for the client's first request
 * (answered when it is HTTP) or its close. Why: s_client/curl send at once; an
 * idle interactive client should not hold its report back for the whole deadline. */
#define LISTEN_POST_HANDSHAKE_MS 1000
/* How long a not-TLS peer gets to finish its first request line after its first
 * bytes (an HTTP request arrives in one segment in practice). */
#define LISTEN_NOT_TLS_LINGER_MS 200
/* How long the accept-duty holder may be busy without watching the listening
 * socket before a waiting client makes the calling thread pass the duty on: the
 * longest a new client waits for a worker (below the cap). Also the calling
 * thread's wake-up period. */
#define LISTEN_DUTY_STALL_MS 50
/* Accepted sockets are blocking with this receive timeout (SO_RCVTIMEO, set on
 * the listening socket and inherited): a read first blocks up to this long
 * without watching the listening socket, which is one syscall where waiting in
 * poll() then reading is two, and poll's wake-up costs more. A client that
 * answers later than this (a remote one, or a silent one) is then waited for in
 * poll() with the listening socket watched too, as before. Every call that must
 * not block passes MSG_DONTWAIT. */
#define LISTEN_SPIN_MS 5

struct ljob {
    int fd;
    int64_t t_wall_us, t_mono_us;
    struct sockaddr_storage peer, local;
};

struct lio;
struct lsrv;
struct lworker {
    struct lsrv *srv;
    size_t idx;
    struct lio *io;                  /* this worker's recording buffers, reused */
    WOLFSSL *next_ssl;               /* made ahead for the next connection (idle_work) */
    pthread_cond_t cv;               /* parked: woken with the duty, or to stop */
    bool parked;                     /* on srv->idle (under srv->mu) */
    atomic_bool duty;                /* holds the accept duty (changed under srv->mu) */
    /* Duty holder: 0 while in accept() or watching the listening socket, else
     * since when (monotonic µs) it has not been: the calling thread's watchdog. */
    _Atomic int64_t busy_since;
};

struct lsrv {
    const struct tp_listen_opts *o;
    volatile int *stop;
    WOLFSSL_CTX *ctx;
    struct tp_store *client_store;   /* --client-ca, NULL without */
    struct tp_store *self_store;     /* the top certificate we send, as the only anchor */
    struct tp_cert_info *our_leaf;   /* summary of the leaf we send */
    bool base_clean;                 /* our chain, judged once, has nothing to report */
    struct tp_store *sys_store;      /* the system store, loaded on first need */
    bool sys_store_tried;
    bool client_auth, client_required;
    char *alpn;                      /* --alpn copy, NULL without */
    bool no_http;                    /* --no-http: never answer a request */
    int64_t linger_us;               /* --linger: wait for a request or close after the handshake */
    struct tp_pcapw *pcap;
    FILE *keylog;
    int lfd;
    /* The listener's own address when it is bound to one address (then every
     * connection's local address): no getsockname per connection. */
    struct sockaddr_storage lfd_addr;
    bool lfd_addr_fixed;
    bool spin;                       /* accepted sockets have LISTEN_SPIN_MS as SO_RCVTIMEO */
    int64_t timeout_us;

    pthread_mutex_t mu;              /* pool, duty, active fds, stopping */
    pthread_cond_t stop_cv;          /* stopping was set (--count reached) */
    pthread_t threads[TP_MAX_LISTEN_WORKERS];
    struct lworker workers[TP_MAX_LISTEN_WORKERS];
    int active_fd[TP_MAX_LISTEN_WORKERS];
    size_t n_threads;
    /* Parked workers, most recently parked on top: the duty goes to the top one,
     * so a light load keeps using the same few threads (and their per-thread
     * wolfSSL ECC caches, several MiB each) instead of the whole pool. */
    size_t idle[TP_MAX_LISTEN_WORKERS];
    size_t n_idle;
    struct lworker *duty_holder;     /* NULL: nobody (pool full and busy, or stopping) */
    bool duty_free;                  /* nobody could take the duty: the next free worker does */
    bool stopping;

    pthread_mutex_t out_mu;          /* on_session, key log file, reported */
    int reported;
    pthread_mutex_t verify_mu;       /* tp_chain_verify on the shared store */
};

/* Per-connection state reachable from the verify callback (which gets no
 * user pointer we control): one worker drives one connection at a time. */
struct lconn {
    struct lsrv *srv;
    struct tp_verify_result *client_verify; /* owned until moved into the session */
    bool verify_decided, verify_ok;
};
static __thread struct lconn *tl_conn;

/* ---- small helpers ---- */

static void addr_text(const struct sockaddr_storage *ss, char *ip, size_t iplen, uint16_t *port)
{
    ip[0] = 0;
    *port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)iplen);
        *port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        *port = ntohs(a->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) /* dual-stack socket: show IPv4 as IPv4 */
            inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], ip, (socklen_t)iplen);
        else
            inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)iplen);
    }
}

static void endpoint_text(char *out, size_t outlen, const char *ip, uint16_t port)
{
    if (strchr(ip, ':'))
        snprintf(out, outlen, "[%s]:%u", ip, (unsigned)port);
    else
        snprintf(out, outlen, "%s:%u", ip, (unsigned)port);
}

static int ms_left(int64_t deadline_mono_us)
{
    int64_t left = deadline_mono_us - tp_wolf_mono_us();
    if (left <= 0)
        return 0;
    return (int)((left + 999) / 1000);
}

/* ---- client certificate verification ----
 * wolfSSL's own verdict is not used: the chain as sent goes through the same path
 * builder as connect (tp_chain_verify, TP_PURPOSE_CLIENT) against --client-ca, and
 * a chain that fails it (untrusted, expired, no clientAuth EKU) is rejected, as a
 * real server configured with that CA would, so the client sees a real alert. */

static bool client_verify_bad(const struct tp_verify_result *r)
{
    return r->status != TP_PATH_OK || r->expired_index >= 0 || r->not_yet_valid_index >= 0 || !r->leaf_eku_ok;
}

static struct tp_verify_result *verify_client_chain(struct lsrv *srv, const struct tp_bytes *chain, size_t n)
{
    struct tp_verify_opts vo = { 0 };
    vo.store = srv->client_store;
    vo.purpose = TP_PURPOSE_CLIENT;
    vo.aia = false;
    vo.now = (time_t)srv->o->at; /* 0: now */
    vo.expiring_days = 30;
    struct tp_verify_result *res = NULL;
    pthread_mutex_lock(&srv->verify_mu);
    enum tp_err e = tp_chain_verify(chain, n, &vo, &res);
    pthread_mutex_unlock(&srv->verify_mu);
    if (e != TP_OK) {
        tp_verify_result_free(res);
        return NULL;
    }
    return res;
}

static int listen_verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    (void)preverify;
    struct lconn *lc = tl_conn;
    if (!lc || !store)
        return 1;
    /* wolfSSL calls us per depth, the leaf (depth 0) last: decide there, once. */
    if (wolfSSL_X509_STORE_CTX_get_error_depth(store) > 0)
        return 1;
    if (lc->verify_decided)
        return lc->verify_ok;
    lc->verify_decided = true;
    lc->verify_ok = true;
    if (!lc->srv->client_store || store->totalCerts <= 0 || !store->certs)
        return 1; /* no --client-ca: record whatever is sent, accept it */
    struct tp_bytes chain[TP_MAX_CHAIN_CERTS];
    size_t n = 0;
    for (int i = 0; i < store->totalCerts && n < TP_MAX_CHAIN_CERTS; i++)
        if (store->certs[i].buffer && store->certs[i].length > 0)
            chain[n++] = tp_bytes_make(store->certs[i].buffer, store->certs[i].length);
    struct tp_verify_result *res = verify_client_chain(lc->srv, chain, n);
    if (!res)
        return 1;
    tp_verify_result_free(lc->client_verify);
    lc->client_verify = res;
    if (client_verify_bad(res)) {
        lc->verify_ok = false;
        /* Pick the error wolfSSL maps to the most telling alert. */
        if (res->expired_index >= 0)
            wolfSSL_X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_HAS_EXPIRED);
        else if (res->status != TP_PATH_OK)
            wolfSSL_X509_STORE_CTX_set_error(store, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
        return 0;
    }
    return 1;
}

enum first_kind { FIRST_TLS, FIRST_NOT_TLS, FIRST_EOF, FIRST_TIMEOUT, FIRST_RESET };

static void duty_handoff(struct lworker *w);

/* What a worker does while a client keeps it waiting: the next connection's
 * WOLFSSL, so that its handshake does not wait for wolfSSL_new (which seeds and
 * health-tests a DRBG: about 20 µs). Measured: the same CPU, and the sequential
 * handshake rate up by about 2.5 %. (Running the last connection's report in
 * that time instead was measured too: it made the rate worse, 0.94 against
 * 0.98 of s_server's, as it competes with the client for the CPU.) */
static void idle_work(struct lworker *w)
{
    if (!w->next_ssl)
        w->next_ssl = wolfSSL_new(w->srv->ctx);
}

/* Wait until fd is ready for ev or until_mono_us. While w holds the accept duty
 * the listening socket is watched too: a new client while ours keeps us waiting
 * passes the duty on at once (not when ours is ready too: then we are not
 * blocked, and a sequential client's next connection is often there already).
 * 1 ready, 0 time is up, -1 error. */
static int lwait(struct lworker *w, int fd, short ev, int64_t until_mono_us)
{
    for (;;) {
        int ms = ms_left(until_mono_us);
        if (ms <= 0)
            return 0;
        bool duty = w && atomic_load(&w->duty);
        struct pollfd p[2] = { { fd, ev, 0 }, { duty ? w->srv->lfd : -1, POLLIN, 0 } };
        if (duty)
            atomic_store(&w->busy_since, 0);
        int r = poll(p, 2, ms);
        if (duty)
            atomic_store(&w->busy_since, tp_wolf_mono_us());
        if (r < 0 && errno != EINTR)
            return -1;
        if (r <= 0)
            continue;
        if (p[0].revents)
            return 1; /* our client first: we are not blocked, accept() comes soon */
        duty_handoff(w); /* a new client, and ours keeps us waiting */
    }
}

/* recv() on w's connection that waits until until_mono_us: first blocking (up to LISTEN_SPIN_MS,
 * when that ends before until_mono_us), then in lwait(). -1 with errno ETIMEDOUT
 * when the time is up, else what recv returned. */
static ssize_t lrecv(struct lworker *w, int fd, void *buf, size_t len, int64_t until_mono_us)
{
    bool spin = w->srv->spin && until_mono_us - tp_wolf_mono_us() > (int64_t)LISTEN_SPIN_MS * 1000;
    for (;;) {
        ssize_t n = recv(fd, buf, len, spin ? 0 : MSG_DONTWAIT);
        if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return n;
        spin = false;
        idle_work(w); /* the client takes its time */
        int wr = lwait(w, fd, POLLIN, until_mono_us);
        if (wr == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (wr < 0)
            return -1;
    }
}

static bool looks_http(const uint8_t *p, size_t n)
{
    static const char *const methods[] = { "GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
                                           "PATCH ", "CONNECT ", "TRACE ", "PRI * " };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        size_t ml = strlen(methods[i]);
        if (n >= ml && !memcmp(p, methods[i], ml))
            return true;
    }
    return false;
}

static void send_all(struct lworker *w, int fd, const void *p, size_t n, int64_t deadline)
{
    const char *c = p;
    while (n > 0) {
        ssize_t k = send(fd, c, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k > 0) {
            c += k;
            n -= (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && lwait(w, fd, POLLOUT, deadline) > 0)
            continue;
        return;
    }
}

/* A peer that does not speak TLS: keep what it said (the transcript shows it
 * and the outcome quotes it), and answer an HTTP request in HTTP so a person
 * with curl or a browser reads why, as nginx does. */
static void serve_not_tls(struct lworker *w, const struct ljob *job, struct tp_session *s, int64_t deadline,
                          struct tp_pcapw_flow *flow, const uint8_t *first, size_t first_len, int64_t first_t)
{
    uint8_t buf[2048];
    size_t have = 0;
    int64_t linger = tp_wolf_mono_us() + (int64_t)LISTEN_NOT_TLS_LINGER_MS * 1000;
    if (linger > deadline)
        linger = deadline;
    /* The bytes first_read already took (what one recv of the buffer's size took before). */
    if (first_len > sizeof buf)
        first_len = sizeof buf;
    for (;;) {
        ssize_t n;
        int64_t t;
        if (first_len) {
            memcpy(buf, first, first_len);
            n = (ssize_t)first_len;
            t = first_t;
            first_len = 0;
        } else {
            n = recv(job->fd, buf + have, sizeof buf - have, MSG_DONTWAIT);
            t = tp_wolf_wall_us();
        }
        if (n > 0) {
            if (tp_session_feed(s, TP_C2S, buf + have, (size_t)n, t) != TP_OK)
                break;
            if (flow)
                tp_pcapw_data(flow, TP_C2S, buf + have, (size_t)n, t);
            have += (size_t)n;
            if (have == sizeof buf || memmem(buf, have, "\r\n\r\n", 4) || memmem(buf, have, "\n\n", 2))
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && lwait(w, job->fd, POLLIN, linger) > 0)
            continue;
        break;
    }
    struct tp_outcome *oc = &s->outcome;
    oc->status = TP_CONN_NOT_TLS;
    size_t bl = 0;
    while (bl < have && bl < sizeof oc->peer_banner - 1 && buf[bl] != '\r' && buf[bl] != '\n')
        bl++;
    memcpy(oc->peer_banner, buf, bl);
    oc->peer_banner[bl] = 0;
    oc->peer_banner_len = bl;
    if (looks_http(buf, have)) {
        static const char body[] = "This port speaks TLS (tlsprobe listen): use https:// instead of http://.\n";
        char resp[512];
        int rl = snprintf(resp, sizeof resp,
                          "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n%s",
                          sizeof body - 1, body);
        if (rl > 0 && (size_t)rl < sizeof resp) {
            send_all(w, job->fd, resp, (size_t)rl, deadline);
            if (flow)
                tp_pcapw_data(flow, TP_S2C, (const uint8_t *)resp, (size_t)rl, tp_wolf_wall_us());
        }
        snprintf(oc->detail, sizeof oc->detail,
                 "the client sent a plain HTTP request to this TLS port (answered with HTTP 400)");
    } else {
        snprintf(oc->detail, sizeof oc->detail, "the client sent %zu bytes that are not TLS", have);
    }
}

/* After the handshake: wait briefly for the client's first request or close;
 * answer an HTTP request with a one-page summary, then close_notify. */
/* RFC 9113 §3.4: the client connection preface of HTTP/2. */
static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static void post_handshake(struct lworker *w, struct tp_wolf_conn *c, int64_t deadline)
{
    int64_t end = tp_wolf_mono_us() + w->srv->linger_us;
    if (end > deadline)
        end = deadline;
    int64_t saved = c->deadline_mono_us;
    c->deadline_mono_us = end;
    char buf[4096];
    size_t have = 0;
    bool answered = false;
    for (;;) {
        if (ms_left(end) <= 0)
            break;
        int n = wolfSSL_read(c->ssl, buf + have, (int)(sizeof buf - 1 - have));
        if (n > 0) {
            have += (size_t)n;
            buf[have] = 0;
            if (w->srv->no_http)
                have = 0; /* --no-http: read (so the close is seen) and discard */
            if (have >= sizeof h2_preface - 1 && !memcmp(buf, h2_preface, sizeof h2_preface - 1)) {
                /* HTTP/2 (ALPN h2): we speak HTTP/1.1 only. RFC 9113 §3.4, §6.4, §7:
                 * our (empty) SETTINGS, then RST_STREAM on the client's first stream
                 * (1) with HTTP_1_1_REQUIRED (0xd), on which clients such as curl
                 * retry over HTTP/1.1 (a GOAWAY first would make them give up instead). */
                static const uint8_t h2_refuse[] = {
                    0, 0, 0, 0x04, 0, 0, 0, 0, 0,                          /* SETTINGS, empty */
                    0, 0, 4, 0x03, 0, 0, 0, 0, 1, 0, 0, 0, 0x0d, /* RST_STREAM(1, 0xd) */
                };
                if (!answered)
                    (void)wolfSSL_write(c->ssl, h2_refuse, (int)sizeof h2_refuse);
                answered = true;
                have = 0; /* keep reading until the client closes: closing first
                           * would lose our frames in its failed write (EPIPE) */
                continue;
            }
            if (looks_http((const uint8_t *)buf, have) && strstr(buf, "\r\n\r\n")) {
                char body[256], resp[512];
                const char *ver = wolfSSL_get_version(c->ssl);
                const char *cs = wolfSSL_get_cipher_name(c->ssl);
                int bl = snprintf(body, sizeof body, "tlsprobe listen: TLS handshake OK (%s, %s)\n",
                                  ver ? ver : "?", cs ? cs : "?");
                int rl = snprintf(resp, sizeof resp,
                                  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                                  "Connection: close\r\n\r\n%s",
                                  bl, body);
                if (bl > 0 && rl > 0 && (size_t)rl < sizeof resp)
                    (void)wolfSSL_write(c->ssl, resp, rl);
                answered = true;
                break;
            }
            if (have >= sizeof buf - 1)
                have = 0; /* not HTTP, or a huge header: keep reading, discard */
            continue;
        }
        int e = wolfSSL_get_error(c->ssl, n);
        if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE) {
            if (lwait(w, c->fd, e == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, end) <= 0)
                break;
            continue;
        }
        break; /* close_notify, EOF, an alert or an error */
    }
    (void)answered;
    if (!c->eof && !c->reset && !c->timed_out)
        (void)wolfSSL_shutdown(c->ssl); /* our close_notify; the reply is not awaited */
    c->deadline_mono_us = saved;
}

/* ---- recording I/O with read-ahead ----
 * Our own I/O callbacks instead of wolf.c's, for one reason: wolfSSL reads a
 * record's 5-byte header, then its body, and may fail on the header alone. A TLS
 * 1.3 client that rejects our certificate sends a plaintext alert where wolfSSL
 * expects an encrypted record: it fails (-306) after the header and never reads
 * the alert body, so the client's reason would never be recorded. Reading ahead
 * (whatever the socket has, up to one record) records every byte the client sent,
 * in wire order with what we sent. The tp_wolf_conn transport facts (bytes,
 * banner, eof, reset, too_much) are kept as wolf.c keeps them, so
 * tp_wolf_handshake and tp_wolf_outcome work unchanged. */
struct lchunk {
    struct lchunk *next;
    uint8_t dir;
    int64_t t_us;
    size_t len, cap;
    uint8_t data[];
};
struct lio {
    struct lworker *w;               /* the worker this io belongs to */
    struct tp_wolf_conn *c;
    struct lchunk *head, *tail;
    size_t a_off, a_len;
    /* What the socket said after the bytes first_read left in ahead, returned
     * once those are consumed: 0 nothing yet, LIO_EOF, LIO_FAIL, else an errno. */
    int first_err;
    /* The client's records, followed header by header as they are recorded, to
     * see a fatal alert from it: after one we send nothing more (RFC 8446 §6:
     * both sides close at once), so listen never answers the client's alert with
     * one of its own (wolfSSL would send unexpected_message or decode_error). */
    uint8_t rhdr[5];
    size_t rhdr_len, rbody_left;
    bool rbody_alert, rbody_first, peer_fatal;
    uint8_t ahead[TP_MAX_RECORD_LEN + 5];
};

static void lio_follow_client(struct lio *io, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && !io->peer_fatal;) {
        if (io->rbody_left == 0) {
            io->rhdr[io->rhdr_len++] = p[i++];
            if (io->rhdr_len < sizeof io->rhdr)
                continue;
            io->rhdr_len = 0;
            io->rbody_left = ((size_t)io->rhdr[3] << 8) | io->rhdr[4];
            io->rbody_alert = io->rhdr[0] == 21; /* alert (RFC 8446 §5.1) */
            io->rbody_first = true;
            continue;
        }
        if (io->rbody_alert && io->rbody_first && p[i] == 2) /* level fatal */
            io->peer_fatal = true;
        io->rbody_first = false;
        size_t take = n - i < io->rbody_left ? n - i : io->rbody_left;
        io->rbody_left -= take;
        i += take;
    }
}
#define LIO_EOF (-1)
#define LIO_FAIL (-2)

static bool lio_record(struct lio *io, enum tp_dir dir, const uint8_t *p, size_t n)
{
    struct tp_wolf_conn *c = io->c;
    if (c->bytes[dir] + n > TP_MAX_PROBE_RECORDED) {
        c->too_much = true;
        return false;
    }
    int64_t now = tp_wolf_wall_us();
    struct lchunk *t = io->tail;
    if (t && t->dir == dir && now - t->t_us < 2000 && t->cap - t->len >= n) {
        memcpy(t->data + t->len, p, n);
        t->len += n;
    } else {
        size_t cap = n < 4096 ? 4096 : n;
        struct lchunk *ch = malloc(sizeof *ch + cap);
        if (!ch)
            return false;
        ch->next = NULL;
        ch->dir = (uint8_t)dir;
        ch->t_us = now;
        ch->len = n;
        ch->cap = cap;
        memcpy(ch->data, p, n);
        if (t)
            t->next = ch;
        else
            io->head = ch;
        io->tail = ch;
    }
    c->bytes[dir] += n;
    if (dir == TP_C2S)
        lio_follow_client(io, p, n);
    return true;
}

/* n fresh bytes at the start of io->ahead: keep the first ones as the banner,
 * record them, hand them to wolfSSL next. */
static bool lio_take(struct lio *io, size_t n)
{
    struct tp_wolf_conn *c = io->c;
    if (c->banner_len < sizeof c->banner) {
        size_t k = sizeof c->banner - c->banner_len;
        if (k > n)
            k = n;
        memcpy(c->banner + c->banner_len, io->ahead, k);
        c->banner_len += k;
    }
    io->a_off = 0;
    io->a_len = n;
    if (!lio_record(io, TP_C2S, io->ahead, n)) {
        io->a_len = 0;
        return false;
    }
    return true;
}

static int lio_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    struct lio *io = ctx;
    struct tp_wolf_conn *c = io->c;
    if (sz <= 0)
        return 0;
    for (;;) {
        if (io->a_off < io->a_len) {
            size_t n = io->a_len - io->a_off;
            if (n > (size_t)sz)
                n = (size_t)sz;
            memcpy(buf, io->ahead + io->a_off, n);
            io->a_off += n;
            return (int)n;
        }
        io->a_off = io->a_len = 0;
        ssize_t n;
        if (io->first_err) {
            if (io->first_err == LIO_FAIL) {
                io->first_err = 0;
                return WOLFSSL_CBIO_ERR_GENERAL;
            }
            n = io->first_err == LIO_EOF ? 0 : -1;
            if (n < 0)
                errno = io->first_err;
            io->first_err = 0;
        } else {
            /* wolfSSL consumed everything we had: wait for the client's next
             * flight. When we just sent ours, the client has work to do first
             * (verify, sign): time for idle_work. */
            if (io->tail && io->tail->dir == TP_S2C)
                idle_work(io->w);
            n = lrecv(io->w, c->fd, io->ahead, sizeof io->ahead, c->deadline_mono_us);
            if (n < 0 && errno == ETIMEDOUT)
                return WOLFSSL_CBIO_ERR_WANT_READ; /* deadline: wolf.c reports the timeout */
        }
        if (n > 0) {
            if (!lio_take(io, (size_t)n))
                return WOLFSSL_CBIO_ERR_GENERAL;
            continue;
        }
        if (n == 0) {
            c->eof = true;
            return WOLFSSL_CBIO_ERR_CONN_CLOSE;
        }
        if (errno == EINTR)
            continue;
        c->sys_errno = errno;
        if (errno == ECONNRESET) {
            c->reset = true;
            return WOLFSSL_CBIO_ERR_CONN_RST;
        }
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
}

static int lio_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    struct lio *io = ctx;
    struct tp_wolf_conn *c = io->c;
    if (sz <= 0)
        return 0;
    if (io->peer_fatal)
        return sz; /* the client ended it with a fatal alert: nothing more goes out */
    for (;;) {
        ssize_t n = send(c->fd, buf, (size_t)sz, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            if (!lio_record(io, TP_S2C, (const uint8_t *)buf, (size_t)n))
                return WOLFSSL_CBIO_ERR_GENERAL;
            return (int)n;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (lwait(io->w, c->fd, POLLOUT, c->deadline_mono_us) > 0)
                continue;
            return WOLFSSL_CBIO_ERR_WANT_WRITE; /* deadline: wolf.c reports the timeout */
        }
        c->sys_errno = n < 0 ? errno : EPIPE;
        if (c->sys_errno == ECONNRESET || c->sys_errno == EPIPE) {
            c->reset = true;
            return WOLFSSL_CBIO_ERR_CONN_RST;
        }
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
}

/* After a failed handshake: what the client sent that wolfSSL did not read yet
 * (its alert, mostly) is recorded too; waits at most ms for it. */
static void lio_drain(struct lio *io, int ms)
{
    struct tp_wolf_conn *c = io->c;
    int64_t until = tp_wolf_mono_us() + (int64_t)ms * 1000;
    if (until > c->deadline_mono_us)
        until = c->deadline_mono_us;
    uint8_t buf[4096];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            if (!lio_record(io, TP_C2S, buf, (size_t)n))
                return;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && lwait(io->w, c->fd, POLLIN, until) > 0)
            continue;
        return; /* EOF, reset, nothing more in time */
    }
}

/* The client's first bytes, read into io->ahead (not recorded yet): TLS,
 * something else, or nothing. A partial record header is completed first (or
 * ended by EOF/an error, which lio_recv then reports after the bytes). */
static enum first_kind first_read(struct lio *io, int fd, int64_t deadline, int64_t *t_first)
{
    io->a_off = io->a_len = 0;
    io->first_err = 0;
    io->rhdr_len = io->rbody_left = 0;
    io->rbody_alert = io->rbody_first = io->peer_fatal = false;
    for (;;) {
        ssize_t n = lrecv(io->w, fd, io->ahead + io->a_len, sizeof io->ahead - io->a_len, deadline);
        if (n > 0) {
            if (io->a_len == 0)
                *t_first = tp_wolf_wall_us();
            io->a_len += (size_t)n;
            const uint8_t *b = io->ahead;
            if (b[0] & 0x80)
                return FIRST_TLS; /* SSLv2-compatible hello: wolfSSL decides */
            if (b[0] < TP_CT_CHANGE_CIPHER_SPEC || b[0] > TP_CT_HEARTBEAT)
                return FIRST_NOT_TLS;
            if (io->a_len >= 5)
                return tp_record_header_plausible(b, io->a_len) ? FIRST_TLS : FIRST_NOT_TLS;
            continue; /* a partial header: wait for the rest */
        }
        if (n == 0) {
            if (io->a_len == 0)
                return FIRST_EOF;
            io->first_err = LIO_EOF; /* wolfSSL reads the partial header, then EOF */
            return FIRST_TLS;
        }
        if (errno == ETIMEDOUT)
            return FIRST_TIMEOUT;
        if (errno == EINTR)
            continue;
        if (io->a_len == 0)
            return FIRST_RESET;
        io->first_err = errno;
        return FIRST_TLS;
    }
}

static enum tp_err lio_flush(struct lio *io, struct tp_session *s, struct tp_pcapw_flow *flow)
{
    if (io->c->keylog)
        tp_session_set_keylog(s, io->c->keylog);
    tp_session_own_direction(s, TP_S2C); /* what we sent is what wolfSSL wrote */
    for (struct lchunk *ch = io->head; ch; ch = ch->next) {
        if (flow)
            tp_pcapw_data(flow, (enum tp_dir)ch->dir, ch->data, ch->len, ch->t_us);
        if (tp_session_feed(s, (enum tp_dir)ch->dir, ch->data, ch->len, ch->t_us) != TP_OK)
            return TP_ERR_NOMEM;
    }
    return TP_OK;
}

static int64_t lio_last_time(const struct lio *io)
{
    return io->tail ? io->tail->t_us : tp_wolf_wall_us();
}

static void lio_free(struct lio *io)
{
    struct lchunk *ch = io->head;
    while (ch) {
        struct lchunk *next = ch->next;
        free(ch);
        ch = next;
    }
    io->head = io->tail = NULL;
}

/* ---- one connection, accept to report ---- */

static void report(struct lsrv *srv, struct tp_session *s, const struct tp_keylog *kl)
{
    pthread_mutex_lock(&srv->out_mu);
    pthread_mutex_lock(&srv->mu);
    bool stopping = srv->stopping;
    pthread_mutex_unlock(&srv->mu);
    if (!stopping) {
        if (srv->keylog && kl && s->has_client_random) {
            (void)tp_keylog_write_session(kl, s->client_random, srv->keylog);
            fflush(srv->keylog);
        }
        if (srv->o->on_session)
            srv->o->on_session(s, srv->o->ctx);
        srv->reported++;
        if (srv->o->count > 0 && srv->reported >= srv->o->count) {
            pthread_mutex_lock(&srv->mu);
            srv->stopping = true;
            pthread_cond_signal(&srv->stop_cv);
            pthread_mutex_unlock(&srv->mu);
        }
    }
    pthread_mutex_unlock(&srv->out_mu);
}

static bool is_cert_alert(uint8_t d)
{
    /* bad_certificate, unsupported_certificate, certificate_revoked,
     * certificate_expired, certificate_unknown, unknown_ca (RFC 8446 §6.2) */
    return d == 42 || d == 43 || d == 44 || d == 45 || d == 46 || d == 48;
}

/* Our own chain as the client saw it, judged for the findings:
 * - the client rejected it (a certificate alert from the client): against the
 *   system store, which says what a client with the usual trust store lacks (our
 *   CA, an intermediate we did not send), plus the SNI name;
 * - otherwise: against our own top certificate as the only anchor, so only what
 *   is wrong whatever the client trusts shows: dates, order, a root sent, key
 *   usage, strength, and the SNI name not covered (hostname-mismatch, a warning
 *   from the server's side). Skipped when our chain was judged clean at start
 *   and the SNI (if any) is covered: then there is nothing to report. */
static void verify_our_chain(struct lsrv *srv, struct tp_session *s)
{
    if (s->server_chain.n == 0)
        return;
    bool rejected = false;
    for (size_t i = 0; i < s->n_msgs && !rejected; i++)
        rejected = s->msgs[i].kind == TP_MSG_ALERT && s->msgs[i].dir == TP_C2S && is_cert_alert(s->msgs[i].alert_desc);
    char host[TP_MAX_NAME_LEN + 1] = "";
    if (s->server_name && s->server_name_len > 0 && s->server_name_len <= TP_MAX_NAME_LEN &&
        !memchr(s->server_name, 0, s->server_name_len)) {
        memcpy(host, s->server_name, s->server_name_len);
        host[s->server_name_len] = 0;
    }
    /* Nothing to say about our chain in this session: skip the work. */
    if (!rejected && srv->base_clean && (!host[0] || tp_cert_match_name(srv->our_leaf, host) == TP_NAME_OK))
        return;
    pthread_mutex_lock(&srv->verify_mu);
    const struct tp_store *st = srv->self_store;
    if (rejected) {
        if (!srv->sys_store_tried) {
            srv->sys_store_tried = true;
            char e[256];
            if (tp_store_load(NULL, NULL, &srv->sys_store, e, sizeof e) != TP_OK)
                srv->sys_store = NULL;
        }
        if (srv->sys_store)
            st = srv->sys_store;
    }
    if (st) {
        struct tp_verify_opts vo = { 0 };
        vo.store = st;
        vo.host = host[0] ? host : NULL;
        vo.purpose = TP_PURPOSE_SERVER;
        /* We sent a lone leaf and the client rejected it: if the leaf names its
         * issuer by AIA (a URL from our own certificate, never from the client),
         * fetching it tells "an intermediate we did not send" (the classic
         * missing-intermediate) from "a CA the client lacks". Only then. */
        vo.aia = rejected && st == srv->sys_store && s->server_chain.n == 1 && srv->our_leaf &&
                 srv->our_leaf->aia_ca_issuers && !srv->our_leaf->self_issued;
        vo.aia_timeout_ms = TP_AIA_TIMEOUT_MS;
        vo.now = (time_t)srv->o->at;
        vo.expiring_days = 30;
        vo.n_sent_total = s->server_chain.n_total;
        struct tp_verify_result *res = NULL;
        if (tp_chain_verify(s->server_chain.der, s->server_chain.n, &vo, &res) == TP_OK) {
            if (st == srv->self_store)
                snprintf(res->store_desc, sizeof res->store_desc,
                         "our own top certificate as the only anchor (what the client trusts is unknown)");
            s->server_verify = res;
        } else
            tp_verify_result_free(res);
    }
    pthread_mutex_unlock(&srv->verify_mu);
}

/* Serve one accepted connection with this worker's io (its buffers are reused
 * from one connection to the next). */
static void serve(struct lsrv *srv, struct ljob *job, struct lworker *w)
{
    struct lio *io = w->io;
    char cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN];
    uint16_t cport, sport;
    addr_text(&job->peer, cip, sizeof cip, &cport);
    addr_text(&job->local, sip, sizeof sip, &sport);
    int64_t deadline = job->t_mono_us + srv->timeout_us;

    struct tp_session *s = tp_session_new(TP_SRC_LISTEN, job->t_wall_us);
    if (!s)
        return;
    endpoint_text(s->client, sizeof s->client, cip, cport);
    endpoint_text(s->server, sizeof s->server, sip, sport);

    struct tp_pcapw_flow *flow = NULL;
    bool reset = false;
    struct tp_wolf_conn c;
    bool have_conn = false;
    struct lconn lc = { .srv = srv };
    int64_t t_end = 0, t_first = 0;

    io->w = w;
    io->c = NULL;
    io->head = io->tail = NULL;
    enum first_kind fk = first_read(io, job->fd, deadline, &t_first);
    double tsec = (double)srv->timeout_us / 1e6;
    if (fk != FIRST_TLS && srv->pcap)
        flow = tp_pcapw_flow_begin(srv->pcap, cip, cport, sip, sport, job->t_wall_us);
    switch (fk) {
    case FIRST_TLS:
        break;
    case FIRST_NOT_TLS:
        serve_not_tls(w, job, s, deadline, flow, io->ahead, io->a_len, t_first);
        break;
    case FIRST_EOF:
        s->outcome.status = TP_CONN_CLOSED;
        snprintf(s->outcome.detail, sizeof s->outcome.detail,
                 "the client closed the connection without sending anything");
        break;
    case FIRST_RESET:
        reset = true;
        s->outcome.status = TP_CONN_RESET;
        snprintf(s->outcome.detail, sizeof s->outcome.detail, "the client reset the connection before sending anything");
        break;
    case FIRST_TIMEOUT:
        s->outcome.status = TP_CONN_TIMEOUT;
        snprintf(s->outcome.detail, sizeof s->outcome.detail, "the client sent nothing within %g s", tsec);
        break;
    }

    if (fk == FIRST_TLS) {
        WOLFSSL *ssl = w->next_ssl ? w->next_ssl : wolfSSL_new(srv->ctx);
        w->next_ssl = NULL;
        if (tp_wolf_conn_adopt(&c, ssl, job->fd, true, deadline) != TP_OK) { /* MSG_DONTWAIT, lrecv */
            s->outcome.status = TP_CONN_LOCAL_ERROR;
            snprintf(s->outcome.detail, sizeof s->outcome.detail, "could not set up the TLS connection (out of memory)");
        } else {
            have_conn = true;
            io->c = &c;
            /* the bytes first_read took: recorded, and wolfSSL's to read first */
            if (!lio_take(io, io->a_len))
                io->first_err = LIO_FAIL;
            wolfSSL_SSLSetIORecv(c.ssl, lio_recv);
            wolfSSL_SSLSetIOSend(c.ssl, lio_send);
            wolfSSL_SetIOReadCtx(c.ssl, io);
            wolfSSL_SetIOWriteCtx(c.ssl, io);
            /* checked at start (srv_setup): the same list cannot fail here but
             * for memory, and then the client simply gets no ALPN answer */
            if (srv->alpn && wolfSSL_UseALPN(c.ssl, srv->alpn, (unsigned)strlen(srv->alpn),
                                             WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) != WOLFSSL_SUCCESS)
                snprintf(s->outcome.detail, sizeof s->outcome.detail, "ALPN could not be set (out of memory)");
            if (srv->client_auth)
                wolfSSL_set_verify(c.ssl,
                                   WOLFSSL_VERIFY_PEER |
                                       (srv->client_required ? WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                                   listen_verify_cb);
            tl_conn = &lc;
            tp_wolf_keep_own_records(&c); /* lio_flush: our records need no AES */
            int rc = tp_wolf_handshake(&c);
            if (rc == -345 /* NO_PEER_CERT */ && c.alert_sent < 0 && !io->peer_fatal &&
                wolfSSL_version(c.ssl) == TLS1_2_VERSION) {
                /* wolfSSL 5.5.4 ends a TLS 1.2 handshake without a required client
                 * certificate silently: the client sees an EOF. Send the alert
                 * servers use for it (RFC 5246 §7.4.6: handshake_failure), in the
                 * clear (we sent no ChangeCipherSpec yet), recorded like the rest. */
                uint8_t hf[7] = { 21, 3, 3, 0, 2, 2, 40 }; /* lio_send takes char * */
                if (lio_send(c.ssl, (char *)hf, (int)sizeof hf, io) == (int)sizeof hf)
                    c.alert_sent = 40;
            }
            if (rc == 0)
                post_handshake(w, &c, deadline);
            else if (!c.eof && !c.reset && !c.timed_out)
                lio_drain(io, 50);
            tl_conn = NULL;
            tp_wolf_keep_own_records_end();
            if (srv->pcap)
                flow = tp_pcapw_flow_begin(srv->pcap, cip, cport, sip, sport, job->t_wall_us);
            if (lio_flush(io, s, flow) != TP_OK) {
                s->outcome.status = TP_CONN_LOCAL_ERROR;
                snprintf(s->outcome.detail, sizeof s->outcome.detail, "out of memory while decoding");
            }
            t_end = lio_last_time(io);
            tp_wolf_outcome(&c, rc, &s->outcome);
            if (s->outcome.status == TP_CONN_TIMEOUT)
                snprintf(s->outcome.detail, sizeof s->outcome.detail,
                         "the handshake did not finish within %g s (the client stopped sending)", tsec);
            reset = c.reset;
            tp_wolf_peer_chain(&c, &s->client_chain);
        }
    }
    if (flow)
        tp_pcapw_flow_end(flow, reset, t_end ? t_end : tp_wolf_wall_us());

    tp_session_finish(s);
    /* wolfSSL's error for a client's alert is often unrelated (-306 parse error in
     * TLS 1.3): name the alert the client sent, from the transcript. */
    const struct tp_msg *ca = tp_session_first_alert(s, TP_C2S);
    if (ca && ca->alert_level == 2 && s->outcome.status == TP_CONN_TLS_FAILED) {
        const char *an = tp_name_alert(ca->alert_desc);
        snprintf(s->outcome.detail, sizeof s->outcome.detail, "the client sent fatal alert %s (%u)",
                 an ? an : "unknown", (unsigned)ca->alert_desc);
    }
    if (lc.client_verify) {
        s->client_verify = lc.client_verify;
        lc.client_verify = NULL;
    } else if (srv->client_store && s->client_chain.n > 0) {
        s->client_verify = verify_client_chain(srv, s->client_chain.der, s->client_chain.n);
    }
    verify_our_chain(srv, s);
    s->judge_time = srv->o->at;
    tp_diagnose(s);
    report(srv, s, have_conn ? c.keylog : NULL);
    if (have_conn)
        tp_wolf_conn_free(&c);
    lio_free(io);
    tp_verify_result_free(lc.client_verify);
    tp_session_free(s);
}

/* ---- the pool ---- */

static void *worker_main(void *arg);

/* Start one more worker, with the accept duty or not. Called with srv->mu held. */
static bool start_worker(struct lsrv *srv, bool duty)
{
    if (srv->n_threads >= TP_MAX_LISTEN_WORKERS || srv->stopping)
        return false;
    size_t i = srv->n_threads;
    struct lworker *w = &srv->workers[i];
    w->srv = srv;
    w->idx = i;
    w->parked = false;
    w->next_ssl = NULL;
    w->io = malloc(sizeof *w->io);
    if (!w->io)
        return false;
    atomic_init(&w->duty, duty);
    atomic_init(&w->busy_since, tp_wolf_mono_us());
    pthread_cond_init(&w->cv, NULL);
    srv->active_fd[i] = -1;
    pthread_attr_t at;
    pthread_attr_init(&at);
    /* wolfSSL's handshake needs well under 256 KiB of stack; small stacks keep
     * a full pool cheap. */
    pthread_attr_setstacksize(&at, 512 * 1024);
    /* SIGINT/SIGTERM go to the thread that waits in tp_probe_listen, not to a
     * worker (the new thread inherits this mask). */
    sigset_t sigs, old;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    bool ok = pthread_create(&srv->threads[i], &at, worker_main, w) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&at);
    if (!ok) {
        pthread_cond_destroy(&w->cv);
        free(w->io);
        w->io = NULL;
        return false;
    }
    srv->n_threads++;
    if (duty)
        srv->duty_holder = w;
    return true;
}

/* The accept duty goes to the most recently parked worker, else to a new one,
 * else (pool full, all busy) to whichever worker finishes first. Called with
 * srv->mu held, after the previous holder's duty flag was cleared. */
static void duty_give(struct lsrv *srv)
{
    srv->duty_holder = NULL;
    if (srv->stopping)
        return;
    if (srv->n_idle > 0) {
        struct lworker *n = &srv->workers[srv->idle[--srv->n_idle]];
        n->parked = false;
        atomic_store(&n->busy_since, tp_wolf_mono_us());
        atomic_store(&n->duty, true);
        srv->duty_holder = n;
        pthread_cond_signal(&n->cv);
        return;
    }
    if (!start_worker(srv, true))
        srv->duty_free = true;
}

/* w saw a client waiting while busy with its own: pass the duty on. */
static void duty_handoff(struct lworker *w)
{
    struct lsrv *srv = w->srv;
    pthread_mutex_lock(&srv->mu);
    if (atomic_load(&w->duty)) {
        atomic_store(&w->duty, false);
        duty_give(srv);
    }
    pthread_mutex_unlock(&srv->mu);
}

static void *worker_main(void *arg)
{
    struct lworker *w = arg;
    struct lsrv *srv = w->srv;
    pthread_mutex_lock(&srv->mu);
    for (;;) {
        /* Without the duty: take it if nobody could, else park until given it. */
        while (!atomic_load(&w->duty) && !srv->stopping) {
            if (srv->duty_free) {
                srv->duty_free = false;
                atomic_store(&w->duty, true);
                srv->duty_holder = w;
                break;
            }
            if (!w->parked) {
                w->parked = true;
                srv->idle[srv->n_idle++] = w->idx;
            }
            pthread_cond_wait(&w->cv, &srv->mu); /* duty_give takes us off srv->idle */
        }
        if (srv->stopping)
            break;
        pthread_mutex_unlock(&srv->mu);

        struct ljob job;
        socklen_t pl = sizeof job.peer;
        /* Stopping shuts the listening socket down, which ends accept() (EINVAL)
         * and the poll() below. accept() gives up after LISTEN_SPIN_MS (the
         * SO_RCVTIMEO the connections inherit): an idle server then waits in
         * poll(), a busy one never gets there. */
        atomic_store(&w->busy_since, 0);
        job.fd = accept4(srv->lfd, (struct sockaddr *)&job.peer, &pl, SOCK_CLOEXEC);
        if (job.fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            idle_work(w); /* nobody came within LISTEN_SPIN_MS */
            struct pollfd lp = { srv->lfd, POLLIN, 0 };
            (void)poll(&lp, 1, -1);
            pthread_mutex_lock(&srv->mu);
            continue;
        }
        job.t_mono_us = tp_wolf_mono_us();
        atomic_store(&w->busy_since, job.t_mono_us);
        if (job.fd < 0) {
            int e = errno;
            if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM || e == EINVAL || e == EBADF) {
                /* out of descriptors or memory: the client waits in the backlog;
                 * (EINVAL: stopping, seen below) do not spin */
                pthread_mutex_lock(&srv->mu);
                bool stopping = srv->stopping;
                pthread_mutex_unlock(&srv->mu);
                if (!stopping) {
                    struct timespec ts = { 0, 50 * 1000 * 1000 };
                    nanosleep(&ts, NULL);
                }
            }
            pthread_mutex_lock(&srv->mu);
            continue; /* EINTR, ECONNABORTED: accept again */
        }
        job.t_wall_us = tp_wolf_wall_us();
        socklen_t ll = sizeof job.local;
        if (srv->lfd_addr_fixed)
            memcpy(&job.local, &srv->lfd_addr, sizeof job.local);
        else if (getsockname(job.fd, (struct sockaddr *)&job.local, &ll) != 0)
            memset(&job.local, 0, sizeof job.local);
        pthread_mutex_lock(&srv->mu);
        if (srv->stopping) {
            close(job.fd);
            break;
        }
        srv->active_fd[w->idx] = job.fd;
        pthread_mutex_unlock(&srv->mu);
        /* Another client already waiting too: clients are coming concurrently,
         * serve them in parallel (pass the duty on now rather than at our
         * first wait). A sequential client never has a second one waiting. */
        struct pollfd lp = { srv->lfd, POLLIN, 0 };
        if (poll(&lp, 1, 0) > 0)
            duty_handoff(w);

        serve(srv, &job, w);

        pthread_mutex_lock(&srv->mu);
        srv->active_fd[w->idx] = -1;
        pthread_mutex_unlock(&srv->mu);
        close(job.fd);
        pthread_mutex_lock(&srv->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    if (w->next_ssl)
        wolfSSL_free(w->next_ssl);
    w->next_ssl = NULL;
    tp_wolf_thread_done();
    return NULL;
}

/* ---- setup ---- */

static int open_listener(const struct tp_listen_opts *o, char *err, size_t errlen)
{
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%u", (unsigned)o->port);
    struct addrinfo hints = { 0 }, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    const char *host = o->bind_addr;
    bool any = !host || !*host;
    if (any) {
        host = "::";
        hints.ai_family = AF_INET6;
        hints.ai_flags |= AI_NUMERICHOST;
    }
    int gr = getaddrinfo(host, portstr, &hints, &res);
    if (gr != 0 && any) {
        host = "0.0.0.0";
        hints.ai_family = AF_INET;
        gr = getaddrinfo(host, portstr, &hints, &res);
    }
    if (gr != 0) {
        snprintf(err, errlen, "cannot listen on '%s': %s", host, gai_strerror(gr));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0 && any && ai->ai_family == AF_INET6) {
            /* no IPv6 on this machine: all IPv4 addresses instead */
            struct sockaddr_in sin = { 0 };
            sin.sin_family = AF_INET;
            sin.sin_port = htons(o->port);
            fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            int on = 1;
            if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0 &&
                bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 && listen(fd, 1024) == 0)
                break;
            saved = errno;
            if (fd >= 0)
                close(fd);
            fd = -1;
            continue;
        }
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int on = 1, off = 0;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (ai->ai_family == AF_INET6 && any)
            (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s%s%s port %u: %s", any ? "all addresses" : "'",
                 any ? "" : o->bind_addr, any ? "" : "'", (unsigned)o->port, strerror(saved));
        return fd;
    }
    /* Accepted sockets inherit it: no setsockopt per connection. Why at all: our
     * last flight's records (and close_notify) must not wait for the client's ACK. */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Our chain as configured (every certificate of --cert, then of --chain: what
 * wolfSSL sends). Its top certificate becomes the only anchor of srv->self_store
 * (see verify_our_chain); the x509 module loads stores from files, so it goes
 * through a private temporary file. Then the chain is judged once: when that
 * verdict is clean and a client's SNI is covered by our leaf, sessions skip the
 * per-session verification (two certificate parses and signature checks, about
 * as much CPU as the handshake itself). */
static void load_our_chain(struct lsrv *srv, const struct tp_listen_opts *o)
{
    struct tp_bytes der[TP_MAX_CHAIN_CERTS];
    size_t n = 0;
    struct tp_file *files[2] = { NULL, NULL };
    const char *paths[2] = { o->cert, o->chain };
    for (size_t k = 0; k < 2; k++) {
        if (!paths[k] || tp_file_read(paths[k], &files[k]) != TP_OK)
            continue;
        for (size_t i = 0; i < files[k]->n_objs && n < TP_MAX_CHAIN_CERTS; i++)
            if (files[k]->objs[i].kind == TP_OBJ_CERTIFICATE && files[k]->objs[i].der)
                der[n++] = tp_bytes_make(files[k]->objs[i].der, files[k]->objs[i].der_len);
    }
    if (n > 0) {
        const char *tmpdir = getenv("TMPDIR");
        char path[512];
        snprintf(path, sizeof path, "%s/tlsprobe-listen-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
        int fd = mkstemp(path);
        if (fd >= 0) {
            bool ok = write(fd, der[n - 1].p, der[n - 1].len) == (ssize_t)der[n - 1].len;
            close(fd);
            char e[256];
            if (ok && tp_store_load(path, NULL, &srv->self_store, e, sizeof e) != TP_OK)
                srv->self_store = NULL;
            unlink(path);
        }
        if (tp_cert_parse(der[0].p, der[0].len, &srv->our_leaf) != TP_OK)
            srv->our_leaf = NULL;
    }
    srv->base_clean = false;
    if (srv->self_store && srv->our_leaf) {
        struct tp_verify_opts vo = { 0 };
        vo.store = srv->self_store;
        vo.purpose = TP_PURPOSE_SERVER;
        vo.now = (time_t)o->at;
        vo.expiring_days = 30;
        struct tp_verify_result *v = NULL;
        if (tp_chain_verify(der, n, &vo, &v) == TP_OK) {
            bool has_san = false;
            for (size_t i = 0; i < srv->our_leaf->n_san; i++)
                has_san |= srv->our_leaf->san[i].type == TP_SAN_DNS || srv->our_leaf->san[i].type == TP_SAN_IP;
            srv->base_clean = v->status == TP_PATH_OK && v->expired_index < 0 && v->not_yet_valid_index < 0 &&
                              v->expiring_soon_index < 0 && v->order_ok && !v->root_sent && v->n_extra == 0 &&
                              v->leaf_ku_ok && v->leaf_eku_ok && v->weak_key_index < 0 && v->weak_sig_index < 0 &&
                              has_san;
        }
        tp_verify_result_free(v);
    }
    tp_file_free(files[0]);
    tp_file_free(files[1]);
}

static enum tp_err srv_setup(struct lsrv *srv, const struct tp_listen_opts *o, char *err, size_t errlen)
{
    if (!o->cert || !o->key) {
        snprintf(err, errlen, "--cert and --key are required");
        return TP_ERR_USAGE;
    }
    if (o->only_version && o->only_version != TP_TLS1_2 && o->only_version != TP_TLS1_3) {
        snprintf(err, errlen, "only TLS 1.2 and TLS 1.3 can be pinned");
        return TP_ERR_USAGE;
    }
    srv->client_required = o->require_client_cert;
    srv->client_auth = o->require_client_cert || o->request_client_cert || o->client_ca;
    if (o->client_ca) {
        char e2[256] = "";
        if (tp_store_load(o->client_ca, NULL, &srv->client_store, e2, sizeof e2) != TP_OK) {
            snprintf(err, errlen, "--client-ca %s: %s", o->client_ca, e2[0] ? e2 : "cannot be read");
            return TP_ERR_IO;
        }
        if (tp_store_count_roots(srv->client_store) == 0) {
            snprintf(err, errlen, "--client-ca %s: no CA certificate in it", o->client_ca);
            return TP_ERR_IO;
        }
    }
    if (o->alpn) {
        if (!*o->alpn || strstr(o->alpn, ",,") || o->alpn[0] == ',' || o->alpn[strlen(o->alpn) - 1] == ',') {
            snprintf(err, errlen, "--alpn takes a comma-separated list such as h2,http/1.1");
            return TP_ERR_USAGE;
        }
        srv->alpn = strdup(o->alpn);
        if (!srv->alpn)
            return TP_ERR_NOMEM;
    }
    srv->no_http = o->no_http;
    srv->linger_us = o->linger_ms < 0 ? 0 : (int64_t)(o->linger_ms ? o->linger_ms : LISTEN_POST_HANDSHAKE_MS) * 1000;
    tp_wolf_init();
    struct tp_wolf_ctx_opts co = { 0 };
    co.server = true;
    co.only_version = o->only_version;
    co.cert = o->cert;
    co.key = o->key;
    co.chain = o->chain;
    co.request_client_cert = srv->client_auth;
    srv->ctx = tp_wolf_ctx_new(&co, err, errlen);
    if (!srv->ctx)
        return TP_ERR_IO;
    /* The ALPN list is set per connection: try it once now, so a list wolfSSL
     * refuses is a clear error at start, never a silent per-client skip. */
    if (srv->alpn) {
        WOLFSSL *probe = wolfSSL_new(srv->ctx);
        bool ok = probe && wolfSSL_UseALPN(probe, srv->alpn, (unsigned)strlen(srv->alpn),
                                           WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) == WOLFSSL_SUCCESS;
        if (probe)
            wolfSSL_free(probe);
        if (!ok) {
            snprintf(err, errlen, "--alpn %s: wolfSSL refuses this protocol list", srv->alpn);
            return TP_ERR_USAGE;
        }
    }
    /* wolfSSL's own check of the client chain only picks the alert it sends when
     * our verify callback rejects (certificate_expired rather than unknown_ca):
     * give it the same anchors. The verdict is ours (listen_verify_cb). */
    if (o->client_ca && wolfSSL_CTX_load_verify_locations(srv->ctx, o->client_ca, NULL) != WOLFSSL_SUCCESS) {
        snprintf(err, errlen, "--client-ca %s: wolfSSL cannot load it as a CA file", o->client_ca);
        return TP_ERR_IO;
    }
    /* The CertificateRequest names the CAs we accept (RFC 5246 §7.4.4
     * certificate_authorities; RFC 8446 §4.2.4 the extension): clients such as
     * Go pick their certificate by these names and send none when nothing
     * matches. The context takes ownership of the list. */
    if (o->client_ca) {
        WOLF_STACK_OF(WOLFSSL_X509_NAME) *names = wolfSSL_load_client_CA_file(o->client_ca);
        if (!names) {
            snprintf(err, errlen, "--client-ca %s: cannot read the CA names from it", o->client_ca);
            return TP_ERR_IO;
        }
        wolfSSL_CTX_set_client_CA_list(srv->ctx, names);
    }
    if (o->write_pcap) {
        srv->pcap = tp_pcapw_open(o->write_pcap, err, errlen);
        if (!srv->pcap)
            return TP_ERR_IO;
    }
    if (o->keylog) {
        srv->keylog = tp_fopen_private(o->keylog, "a");
        if (!srv->keylog) {
            snprintf(err, errlen, "--keylog %s: %s", o->keylog, strerror(errno));
            return TP_ERR_IO;
        }
    }
    load_our_chain(srv, o);
    srv->lfd = open_listener(o, err, errlen);
    if (srv->lfd < 0)
        return TP_ERR_IO;
    /* Accepted sockets inherit it; lrecv blocks only when it is set (else it polls first). */
    struct timeval spin = { 0, LISTEN_SPIN_MS * 1000 };
    srv->spin = setsockopt(srv->lfd, SOL_SOCKET, SO_RCVTIMEO, &spin, sizeof spin) == 0;
    /* Bound to one address: that is every connection's local address. */
    socklen_t al = sizeof srv->lfd_addr;
    if (getsockname(srv->lfd, (struct sockaddr *)&srv->lfd_addr, &al) == 0) {
        if (srv->lfd_addr.ss_family == AF_INET)
            srv->lfd_addr_fixed = ((struct sockaddr_in *)&srv->lfd_addr)->sin_addr.s_addr != htonl(INADDR_ANY);
        else if (srv->lfd_addr.ss_family == AF_INET6)
            srv->lfd_addr_fixed = !IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&srv->lfd_addr)->sin6_addr);
    }
    return TP_OK;
}

static void srv_teardown(struct lsrv *srv)
{
    if (srv->lfd >= 0)
        close(srv->lfd);
    if (srv->ctx)
        wolfSSL_CTX_free(srv->ctx);
    tp_store_free(srv->client_store);
    tp_store_free(srv->self_store);
    tp_cert_free(srv->our_leaf);
    tp_store_free(srv->sys_store);
    if (srv->pcap && !tp_pcapw_close(srv->pcap))
        fprintf(stderr, "tlsprobe: listen: --write-pcap: writing the file failed (disk full?): the pcap is incomplete\n");
    if (srv->keylog)
        fclose(srv->keylog);
    free(srv->alpn);
    pthread_mutex_destroy(&srv->mu);
    pthread_mutex_destroy(&srv->out_mu);
    pthread_mutex_destroy(&srv->verify_mu);
    pthread_cond_destroy(&srv->stop_cv);
}

enum tp_err tp_probe_listen(const struct tp_listen_opts *o, volatile int *stop, char *err, size_t errlen)
{
    if (errlen)
        err[0] = 0;
    struct lsrv *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return TP_ERR_NOMEM;
    }
    srv->o = o;
    srv->stop = stop;
    srv->lfd = -1;
    srv->timeout_us = (int64_t)(o->timeout_ms > 0 ? o->timeout_ms : 10000) * 1000;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_mutex_init(&srv->out_mu, NULL);
    pthread_mutex_init(&srv->verify_mu, NULL);
    pthread_cond_init(&srv->stop_cv, NULL);

    enum tp_err e = srv_setup(srv, o, err, errlen);
    if (e != TP_OK) {
        srv_teardown(srv);
        free(srv);
        tp_wolf_thread_done(); /* the key check ran ECC on this thread */
        return e;
    }
    struct sockaddr_storage la;
    socklen_t lal = sizeof la;
    uint16_t port = o->port;
    if (getsockname(srv->lfd, (struct sockaddr *)&la, &lal) == 0) {
        char ip[INET6_ADDRSTRLEN];
        addr_text(&la, ip, sizeof ip, &port);
    }
    pthread_mutex_lock(&srv->mu);
    bool started = start_worker(srv, true);
    pthread_mutex_unlock(&srv->mu);
    if (!started) {
        snprintf(err, errlen, "cannot start a worker thread");
        srv_teardown(srv);
        free(srv);
        tp_wolf_thread_done();
        return TP_ERR_NOMEM;
    }
    if (o->on_ready)
        o->on_ready(port, o->ctx);

    /* Wait for --count (signalled) or *stop (set by a signal handler on this
     * thread, which interrupts the wait), and watch the duty holder: busy for
     * LISTEN_DUTY_STALL_MS without looking at the listening socket while a client
     * waits there, it loses the duty to another worker. */
    pthread_mutex_lock(&srv->mu);
    while (!srv->stopping && !(stop && *stop)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += LISTEN_DUTY_STALL_MS * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&srv->stop_cv, &srv->mu, &ts);
        if (o->on_tick) { /* report() takes out_mu, then mu */
            pthread_mutex_unlock(&srv->mu);
            pthread_mutex_lock(&srv->out_mu);
            o->on_tick(o->ctx);
            pthread_mutex_unlock(&srv->out_mu);
            pthread_mutex_lock(&srv->mu);
        }
        struct lworker *h = srv->duty_holder;
        if (!h || srv->stopping)
            continue;
        int64_t since = atomic_load(&h->busy_since);
        if (since && tp_wolf_mono_us() - since >= (int64_t)LISTEN_DUTY_STALL_MS * 1000) {
            struct pollfd p = { srv->lfd, POLLIN, 0 };
            if (poll(&p, 1, 0) > 0) {
                atomic_store(&h->duty, false);
                duty_give(srv);
            }
        }
    }

    /* Stop: no new clients (shutting the listening socket down ends every
     * blocked accept); abort the ones in flight (they are not reported). */
    srv->stopping = true;
    (void)shutdown(srv->lfd, SHUT_RDWR);
    for (size_t i = 0; i < srv->n_threads; i++) {
        if (srv->active_fd[i] >= 0)
            (void)shutdown(srv->active_fd[i], SHUT_RDWR);
        pthread_cond_signal(&srv->workers[i].cv);
    }
    size_t n = srv->n_threads;
    pthread_mutex_unlock(&srv->mu);
    for (size_t i = 0; i < n; i++) {
        pthread_join(srv->threads[i], NULL);
        pthread_cond_destroy(&srv->workers[i].cv);
        free(srv->workers[i].io);
    }
    srv_teardown(srv);
    free(srv);
    tp_wolf_thread_done(); /* the key check ran ECC on this thread */
    return TP_OK;
}
