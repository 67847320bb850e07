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
 * report, with a per-connection deadline counted from accept (a worker that
 * has waited LISTEN_SPIN_MS after the handshake for its client's request stops
 * counting against TP_MAX_LISTEN_WORKERS: up to TP_MAX_LISTEN_THREADS threads
 * in all, so clients that handshake and then ask nothing do not make new
 * clients wait for a worker); a client whose
 * first record is not there within LISTEN_SPIN_MS of accept goes to the gate
 * (listen_gate.c: one epoll thread), and a worker without the duty takes it
 * back from the ready queue once the record came (or the client closed, reset,
 * or ran out of time), so a silent or slowloris client costs a descriptor, not
 * a worker. On --count or the
 * stop signal the calling thread shuts the listening socket down (which ends
 * every accept()) and aborts the connections in flight. Reports
 * (o->on_session) and key log lines are serialised under one mutex, so output
 * of concurrent sessions never interleaves.
 *
 * Files: this one sets up, watches and stops; listen_pool.c runs the workers and
 * the duty; listen_gate.c holds the slow clients; listen_conn.c serves one
 * connection (listen_int.h holds the shared state). Every byte goes through
 * wolf.c's one recorder.
 */
#include "probe/listen_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "probe/wolf.h"
#include "tlsprobe/judge.h"
#include "tlsprobe/strbuf.h"

void listen_addr_text(const struct sockaddr_storage *ss, char *ip, size_t iplen, uint16_t *port)
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

/* Our chain as configured (the leaf of --cert, its other certificates, then
 * those of --chain: what wolfSSL sends; tp_identity_load, as the context). Its
 * top certificate becomes the only anchor of srv->self_store (see
 * our_chain_opts in listen_conn.c); the x509 module loads stores from files, so it goes
 * through a private temporary file. Then the chain is judged once: when that
 * verdict is clean and a client's SNI is covered by our leaf, sessions skip the
 * per-session verification (two certificate parses and signature checks, about
 * as much CPU as the handshake itself). */
static void load_our_chain(struct lsrv *srv, const struct tp_listen_opts *o)
{
    struct tp_bytes der[TP_MAX_CHAIN_CERTS];
    size_t n = 0;
    struct tp_file *file = NULL;
    struct tp_identity id;
    char e0[512];
    if (tp_identity_load(o->cert, o->key, o->chain, o->pass, &id, e0, sizeof e0) == TP_OK &&
        tp_file_parse("our chain", id.chain_pem, id.chain_pem_len, &file) == TP_OK)
        for (size_t i = 0; i < file->n_objs && n < TP_MAX_CHAIN_CERTS; i++)
            if (file->objs[i].kind == TP_OBJ_CERTIFICATE && file->objs[i].der)
                der[n++] = tp_bytes_make(file->objs[i].der, file->objs[i].der_len);
    tp_identity_free(&id);
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
        const struct tp_judge_verify jv = { .store = srv->self_store };
        struct tp_verify_result *v = tp_judge_verify_chain(der, n, 0, TP_PURPOSE_SERVER, &jv, o->at, NULL);
        if (v) {
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
    tp_file_free(file);
}

static enum tp_err srv_setup(struct lsrv *srv, const struct tp_listen_opts *o, char *err, size_t errlen)
{
    if (!(srv->certs = tp_cert_cache_new())) {
        snprintf(err, errlen, "out of memory");
        return TP_ERR_NOMEM;
    }
    if (!o->cert) {
        snprintf(err, errlen, "--cert is required");
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
    co.pass = o->pass;
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
    tp_cert_cache_free(srv->certs); /* after every session: the workers are joined */
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
        listen_addr_text(&la, ip, sizeof ip, &port);
    }
    /* The gate holds up to LISTEN_GATE_MAX connections: as many descriptors as
     * the hard limit allows (without the gate, a slow client would not get
     * this far; it fails soft: accept then sees EMFILE and waits). */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    (void)listen_gate_start(srv); /* without it: a worker per client, as before */
    pthread_mutex_lock(&srv->mu);
    bool started = listen_start_worker(srv, true);
    pthread_mutex_unlock(&srv->mu);
    if (!started) {
        listen_gate_stop(srv);
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
                listen_duty_give(srv);
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
    listen_gate_stop(srv); /* closes what it held and what was queued */
    for (size_t i = 0; i < n; i++) {
        pthread_join(srv->threads[i], NULL);
        pthread_cond_destroy(&srv->workers[i].cv);
        free(srv->workers[i].ahead);
        tp_worker_free(srv->workers[i].tw);
    }
    srv_teardown(srv);
    free(srv);
    tp_wolf_thread_done(); /* the key check ran ECC on this thread */
    return TP_OK;
}
