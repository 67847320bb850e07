/* tlsprobe connect: the client probe.
 *
 * One deadline covers DNS, TCP connect, the handshake and the post-handshake
 * read. wolfSSL drives the handshake through recording I/O callbacks (wolf.c);
 * the raw bytes and the secrets it captured are fed to the same session decoder
 * a capture uses; then we verify the chain as sent ourselves (tp_chain_verify),
 * whatever wolfSSL thought of it, and run the diagnosis. */
#include "probe/proxy.h"
#include "probe/starttls.h"
#include "probe/wolf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tlsprobe/pcapw.h"
#include "tlsprobe/strbuf.h"
#include "tlsprobe/judge.h"
#include "tlsprobe/probe.h"
#include "tlsprobe/x509.h"

/* ---- DNS with a deadline: getaddrinfo has none, so it runs in a thread that
 * we stop waiting for when the deadline passes (it then frees its own result). */
struct dns_job {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;
    bool done;
    int rc;
    char host[TP_MAX_NAME_LEN + 1];
    char port[8];
    struct addrinfo *res;
};

static void dns_job_unref(struct dns_job *j)
{
    /* called with j->mu held; unlocks */
    bool last = --j->refs == 0;
    pthread_mutex_unlock(&j->mu);
    if (last) {
        if (j->res)
            freeaddrinfo(j->res);
        pthread_mutex_destroy(&j->mu);
        pthread_cond_destroy(&j->cv);
        free(j);
    }
}

static void *dns_thread(void *arg)
{
    struct dns_job *j = arg;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(j->host, j->port, &hints, &res);
    pthread_mutex_lock(&j->mu);
    j->rc = rc;
    j->res = rc == 0 ? res : NULL;
    j->done = true;
    pthread_cond_signal(&j->cv);
    dns_job_unref(j);
    return NULL;
}

static bool is_ip_literal(const char *h)
{
    struct in6_addr a6;
    struct in_addr a4;
    return inet_pton(AF_INET, h, &a4) == 1 || inet_pton(AF_INET6, h, &a6) == 1;
}

/* 0 ok (*res owned by caller), EAI_* on failure, -1000 on deadline. */
static int resolve(const char *host, uint16_t port, int64_t deadline_mono_us, struct addrinfo **res)
{
    *res = NULL;
    if (is_ip_literal(host)) { /* no lookup: no thread, no netlink query */
        struct addrinfo hints;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
        char ps[8];
        snprintf(ps, sizeof ps, "%u", (unsigned)port);
        return getaddrinfo(host, ps, &hints, res);
    }
    struct dns_job *j = calloc(1, sizeof *j);
    if (!j)
        return EAI_MEMORY;
    snprintf(j->host, sizeof j->host, "%s", host);
    snprintf(j->port, sizeof j->port, "%u", (unsigned)port);
    pthread_mutex_init(&j->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cv, &ca);
    pthread_condattr_destroy(&ca);
    j->refs = 2;
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, dns_thread, j) != 0) {
        pthread_attr_destroy(&at);
        pthread_mutex_destroy(&j->mu);
        pthread_cond_destroy(&j->cv);
        free(j);
        return EAI_SYSTEM;
    }
    pthread_attr_destroy(&at);
    struct timespec ts = { (time_t)(deadline_mono_us / 1000000), (long)(deadline_mono_us % 1000000) * 1000 };
    pthread_mutex_lock(&j->mu);
    while (!j->done)
        if (pthread_cond_timedwait(&j->cv, &j->mu, &ts) == ETIMEDOUT)
            break;
    int rc;
    if (j->done) {
        rc = j->rc;
        *res = j->res;
        j->res = NULL;
    } else {
        rc = -1000;
    }
    dns_job_unref(j);
    return rc;
}

static void fmt_addr(const struct sockaddr *sa, char *out, size_t cap, char *ip, size_t ipcap, uint16_t *port)
{
    char buf[INET6_ADDRSTRLEN] = "?";
    uint16_t p = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf);
        p = ntohs(s4->sin_port);
        snprintf(out, cap, "%s:%u", buf, (unsigned)p);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
        p = ntohs(s6->sin6_port);
        snprintf(out, cap, "[%s]:%u", buf, (unsigned)p);
    } else {
        snprintf(out, cap, "?");
    }
    if (ip)
        snprintf(ip, ipcap, "%s", buf);
    if (port)
        *port = p;
}

/* Non-blocking connect bounded by the deadline. Returns fd or -1 with *err set
 * (errno value, or ETIMEDOUT for the deadline). */
static int connect_one(const struct addrinfo *ai, int64_t deadline_mono_us, int *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        *err = errno;
        close(fd);
        return -1;
    }
    for (;;) {
        int64_t left = deadline_mono_us - tp_wolf_mono_us();
        if (left <= 0) {
            *err = ETIMEDOUT;
            close(fd);
            return -1;
        }
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        int r = poll(&pfd, 1, (int)((left + 999) / 1000));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            continue; /* re-check the deadline */
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            soerr = errno;
        if (soerr) {
            *err = soerr;
            close(fd);
            return -1;
        }
        return fd;
    }
}

/* ALPN: comma-separated, each 1..255 bytes of printable ASCII. */
static bool alpn_valid(const char *s, char *err, size_t errlen)
{
    size_t n = 0;
    for (const char *p = s;; p++) {
        if (*p == ',' || *p == 0) {
            if (n == 0 || n > 255) {
                snprintf(err, errlen, "--alpn: protocol names must be 1 to 255 bytes, comma-separated");
                return false;
            }
            n = 0;
            if (*p == 0)
                return true;
            continue;
        }
        if (*p <= ' ' || *p > '~') {
            snprintf(err, errlen, "--alpn: only printable ASCII protocol names are accepted");
            return false;
        }
        n++;
    }
}

/* The system trust store, loaded in a thread during the connection. */
struct store_job {
    pthread_t th;
    bool joined;
    struct tp_store *store;
    char err[256];
};

static void *store_thread(void *arg)
{
    struct store_job *j = arg;
    if (tp_store_load(NULL, NULL, &j->store, j->err, sizeof j->err) != TP_OK) {
        tp_store_free(j->store);
        j->store = NULL;
    }
    return NULL;
}

static void store_join(bool async, struct store_job *j, struct tp_store **store)
{
    if (!async || j->joined)
        return;
    pthread_join(j->th, NULL);
    j->joined = true;
    *store = j->store;
    j->store = NULL;
}

static void set_outcome(struct tp_session *s, enum tp_conn_status st, int lib, const char *text)
{
    s->outcome.status = st;
    s->outcome.lib_error = lib;
    snprintf(s->outcome.detail, sizeof s->outcome.detail, "%s", text);
}

static char *dupstr(const char *p)
{
    size_t n = strlen(p);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, p, n + 1);
    return d;
}

/* One run of tp_probe_connect: everything it owns, released once (run_free). */
struct run {
    const struct tp_connect_opts *o;
    uint16_t port;
    int64_t deadline;              /* the one deadline (monotonic µs) */
    int64_t start_wall, start_mono;
    struct tp_store *store;
    struct store_job sj;
    bool store_async;              /* the system store loads in sj's thread */
    WOLFSSL_CTX *ctx;
    FILE *keylog_f;
    struct tp_pcapw *pw;
    struct tp_pcapw_flow *flow;
    struct tp_session *s;
    struct tp_wolf_conn c;
    int fd;
    const char *sni;               /* NULL: none sent */
    const char *check_name;
    bool via_proxy;                /* through the HTTP proxy in px (connect --proxy) */
    struct tp_proxy_url px;
    const char *dial_host;         /* whom TCP connects to: the host, or the proxy */
    uint16_t dial_port;
    bool no_staple;                /* do not ask for an OCSP staple (the second TLS 1.2 handshake) */
    const uint8_t *carried;        /* a staple from the first handshake (borrowed), or NULL */
    size_t carried_len;
};

static enum tp_err check_input(const struct tp_connect_opts *o, char *err, size_t errlen)
{
    if (!o->host || !*o->host || strlen(o->host) > TP_MAX_NAME_LEN) {
        snprintf(err, errlen, "connect needs a host name or address (at most %d characters)", TP_MAX_NAME_LEN);
        return TP_ERR_USAGE;
    }
    if (o->servername && (!*o->servername || strlen(o->servername) > TP_MAX_NAME_LEN)) {
        snprintf(err, errlen, "--servername must be 1 to %d characters", TP_MAX_NAME_LEN);
        return TP_ERR_USAGE;
    }
    if (o->alpn && !alpn_valid(o->alpn, err, errlen))
        return TP_ERR_USAGE;
    struct tp_proxy_url u;
    char e2[200];
    if (o->proxy && *o->proxy && tp_proxy_url_parse(o->proxy, &u, e2, sizeof e2) != 0) {
        snprintf(err, errlen, "%s: %s", o->proxy_source ? o->proxy_source : "--proxy", e2);
        return TP_ERR_USAGE;
    }
    return TP_OK;
}

/* Local input first: nothing touches the network before this is good. The
 * system store (not user input, ~140 roots, a few hundred ms to parse) loads in
 * a thread while we resolve, connect and handshake. */
static enum tp_err open_local(struct run *r, char *err, size_t errlen)
{
    const struct tp_connect_opts *o = r->o;
    char e2[256] = "";
    r->store_async = !o->store && !o->cafile && !o->capath && !o->intermediates &&
                     pthread_create(&r->sj.th, NULL, store_thread, &r->sj) == 0;
    if (!r->store_async && !o->store) { /* o->store: the caller's, loaded once (tp_probe_many) */
        if (tp_store_load(o->cafile, o->capath, &r->store, e2, sizeof e2) != TP_OK) {
            snprintf(err, errlen, "%s", e2[0] ? e2 : "cannot load the trust store");
            return TP_ERR_IO;
        }
        if (o->intermediates && tp_store_add_intermediates(r->store, o->intermediates, e2, sizeof e2) != TP_OK) {
            snprintf(err, errlen, "%s", e2[0] ? e2 : "cannot read --intermediates");
            return TP_ERR_IO;
        }
    }
    struct tp_wolf_ctx_opts co = { .server = false, .only_version = o->only_version, .cert = o->cert, .key = o->key,
                                   .pass = o->pass };
    if (!(r->ctx = tp_wolf_ctx_new(&co, err, errlen)))
        return TP_ERR_USAGE;
    if (o->keylog && !(r->keylog_f = tp_fopen_private(o->keylog, "a"))) {
        snprintf(err, errlen, "cannot open key log '%s': %s", o->keylog, strerror(errno));
        return TP_ERR_IO;
    }
    if (o->write_pcap && !(r->pw = tp_pcapw_open(o->write_pcap, e2, sizeof e2))) {
        snprintf(err, errlen, "%s", e2[0] ? e2 : "cannot write the pcap file");
        return TP_ERR_IO;
    }
    return TP_OK;
}

/* DNS, then TCP to each address in turn, within the one deadline. r->fd >= 0
 * when connected; else the session's outcome says why not. */
static void dial(struct run *r)
{
    struct tp_session *s = r->s;
    struct addrinfo *res = NULL;
    int grc = resolve(r->dial_host, r->dial_port, r->deadline, &res);
    s->t_dns_us = tp_wolf_mono_us() - r->start_mono;
    /* Until a connection opens, the server is what we asked for ("HOST:PORT"),
     * then the address we tried last; getpeername replaces it once connected. */
    snprintf(s->server, sizeof s->server, strchr(r->dial_host, ':') ? "[%.52s]:%u" : "%.52s:%u", r->dial_host,
             (unsigned)r->dial_port);
    char d[200];
    if (grc == -1000) {
        snprintf(d, sizeof d, "name resolution of '%.120s' did not finish before the deadline", r->dial_host);
        set_outcome(s, TP_CONN_TIMEOUT, 0, d);
        return;
    }
    if (grc != 0) {
        snprintf(d, sizeof d, "cannot resolve '%.120s': %s", r->dial_host,
                 grc == EAI_SYSTEM ? strerror(errno) : gai_strerror(grc));
        set_outcome(s, TP_CONN_RESOLVE_FAILED, 0, d);
        return;
    }
    int cerr = 0;
    for (struct addrinfo *ai = res; ai && r->fd < 0; ai = ai->ai_next) {
        fmt_addr(ai->ai_addr, s->server, sizeof s->server, NULL, 0, NULL);
        r->fd = connect_one(ai, r->deadline, &cerr);
        if (cerr == ETIMEDOUT && r->fd < 0 && tp_wolf_mono_us() >= r->deadline)
            break;
    }
    freeaddrinfo(res);
    s->t_connect_us = tp_wolf_mono_us() - r->start_mono;
    if (r->fd < 0) {
        snprintf(d, sizeof d, "connect to %.120s port %u: %s", r->dial_host, (unsigned)r->dial_port,
                 cerr == ETIMEDOUT ? "no answer before the deadline" : strerror(cerr));
        set_outcome(s, cerr == ETIMEDOUT ? TP_CONN_TIMEOUT : TP_CONN_REFUSED, 0, d);
    }
}

/* The addresses of the open connection into the session, and the pcap flow. */
static void note_endpoints(struct run *r)
{
    struct sockaddr_storage la, ra;
    socklen_t ll = sizeof la, rl = sizeof ra;
    char lip[INET6_ADDRSTRLEN] = "", rip[INET6_ADDRSTRLEN] = "";
    uint16_t lport = 0, rport = 0;
    if (getsockname(r->fd, (struct sockaddr *)&la, &ll) == 0)
        fmt_addr((struct sockaddr *)&la, r->s->client, sizeof r->s->client, lip, sizeof lip, &lport);
    if (getpeername(r->fd, (struct sockaddr *)&ra, &rl) == 0)
        fmt_addr((struct sockaddr *)&ra, r->s->server, sizeof r->s->server, rip, sizeof rip, &rport);
    if (r->pw)
        r->flow = tp_pcapw_flow_begin(r->pw, lip, lport, rip, rport, r->start_wall + r->s->t_connect_us);
}

/* SNI and ALPN on the connection: NULL, or what wolfSSL refused. */
static const char *client_extensions(struct run *r)
{
    if (r->sni && wolfSSL_UseSNI(r->c.ssl, WOLFSSL_SNI_HOST_NAME, r->sni, (unsigned short)strlen(r->sni)) !=
                      WOLFSSL_SUCCESS)
        return "wolfSSL refused the server name for SNI";
    if (r->o->alpn) {
        char alpn[1024];
        snprintf(alpn, sizeof alpn, "%s", r->o->alpn);
        if (wolfSSL_UseALPN(r->c.ssl, alpn, (unsigned)strlen(alpn), WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) !=
            WOLFSSL_SUCCESS)
            return "wolfSSL refused the --alpn list";
    }
    /* Ask for a stapled OCSP response (RFC 6066 §8); the session decoder reads
     * the staple from the recorded bytes and the judge decides (x509/ocsp.c).
     * This wolfSSL writes status_request only with stapling enabled in the
     * connection's certificate manager (measured). In TLS 1.3 it then lets any
     * staple pass; in TLS 1.2 it checks the staple itself and refuses the
     * handshake when it cannot (tp_probe_connect connects again then). */
    if (!r->no_staple && (wolfSSL_EnableOCSPStapling(r->c.ssl) != WOLFSSL_SUCCESS ||
                          wolfSSL_UseOCSPStapling(r->c.ssl, WOLFSSL_CSR_OCSP, 0) != WOLFSSL_SUCCESS))
        return "wolfSSL refused the status_request extension";
    /* and status_request_v2 (RFC 6961, ocsp_multi: a staple for each certificate of
     * the chain), which this wolfSSL can write; few servers answer it, none in TLS 1.3 */
    if (!r->no_staple && wolfSSL_UseOCSPStaplingV2(r->c.ssl, WOLFSSL_CSR2_OCSP_MULTI, 0) != WOLFSSL_SUCCESS)
        return "wolfSSL refused the status_request_v2 extension";
    return NULL;
}

/* TLS on the open connection: handshake, post-handshake read, close_notify. */
static void handshake(struct run *r)
{
    enum tp_err ce = tp_wolf_conn_init(&r->c, r->ctx, r->fd, false, r->deadline);
    if (ce != TP_OK) {
        set_outcome(r->s, TP_CONN_LOCAL_ERROR, 0,
                    ce == TP_ERR_NOMEM ? "out of memory" : "wolfSSL refused the connection's set-up (fd, key share)");
        return;
    }
    const char *failed = client_extensions(r);
    if (failed) {
        tp_wolf_conn_free(&r->c);
        set_outcome(r->s, TP_CONN_LOCAL_ERROR, 0, failed);
        return;
    }
    int rc = tp_wolf_handshake(&r->c);
    /* TLS 1.3: a server that rejects our client certificate (or its absence)
     * says so after its Finished; NewSessionTickets come then too. Wait for the
     * first post-handshake data (at most 300 ms). */
    if (rc == 0 && wolfSSL_version(r->c.ssl) >= TLS1_3_VERSION)
        rc = tp_wolf_read_some(&r->c, 300);
    tp_wolf_outcome(&r->c, rc, &r->s->outcome);
    /* close_notify, and the peer's, so that no run of ours provokes an alert */
    if (rc == 0)
        tp_wolf_close(&r->c, TP_CLOSE_WAIT_MS);
}

/* connect --proxy: reach the proxy, then the CONNECT exchange. false: no
 * tunnel; the outcome says why, and that TLS never started. */
static bool tunnel(struct run *r)
{
    struct tp_session *s = r->s;
    struct tp_proxy *px = &s->proxy;
    char d[256];
    if (r->fd < 0) { /* dial failed: its outcome names the proxy's address */
        px->status = TP_PROXY_UNREACHABLE;
        snprintf(px->detail, sizeof px->detail, "%.150s", s->outcome.detail);
        snprintf(d, sizeof d, "cannot reach the proxy %.60s (%.120s): the TLS handshake never started", px->url,
                 s->outcome.detail);
        set_outcome(s, TP_CONN_PROXY_FAILED, 0, d);
        return false;
    }
    snprintf(px->address, sizeof px->address, "%s", s->server);
    enum tp_proxy_status st = tp_proxy_connect(r->fd, &r->px, r->o->host, r->port, r->deadline, s, r->flow);
    if (st == TP_PROXY_OK)
        return true;
    snprintf(d, sizeof d, "proxy %.60s: %.140s: the TLS handshake never started", px->url, px->detail);
    set_outcome(s, TP_CONN_PROXY_FAILED, 0, d);
    return false;
}

/* connect --starttls (or the port's protocol with the default "auto"): the
 * plain-text upgrade first. false: it did not happen (the outcome says why). */
static bool upgrade(struct run *r)
{
    int proto = r->o->starttls == TP_ST_AUTO ? tp_starttls_for_port(r->port) : r->o->starttls;
    if (proto <= TP_ST_NONE)
        return true;
    enum tp_starttls_status st = tp_starttls_run(r->fd, proto, r->sni ? r->sni : r->o->host, r->deadline, r->s,
                                                 r->flow);
    if (st == TP_STARTTLS_OK)
        return true;
    char d[240];
    snprintf(d, sizeof d, "STARTTLS (%s): %s", tp_starttls_proto_name(proto), r->s->starttls.detail);
    set_outcome(r->s, st == TP_STARTTLS_TIMEOUT ? TP_CONN_TIMEOUT
                      : st == TP_STARTTLS_CLOSED ? TP_CONN_CLOSED : TP_CONN_STARTTLS_FAILED, 0, d);
    return false;
}

/* After a STARTTLS go-ahead, plain text where the ServerHello should be: the
 * server sent more than its go-ahead (pipelined answers: command injection,
 * CVE-2011-0411) or did not switch. That is the upgrade's failure, not "not TLS". */
static void after_upgrade(struct run *r)
{
    struct tp_session *s = r->s;
    if (s->starttls.status != TP_STARTTLS_OK || s->outcome.status != TP_CONN_NOT_TLS)
        return;
    struct tp_sb sb;
    tp_sb_init(&sb);
    const uint8_t *b = r->c.banner; /* what wolfSSL read instead of a record */
    size_t n = r->c.banner_len < sizeof r->c.banner ? r->c.banner_len : sizeof r->c.banner, k = 0;
    while (k < n && k < 40 && b[k] != '\r' && b[k] != '\n')
        k++;
    tp_sb_put_escaped(&sb, b, k);
    s->starttls.status = TP_STARTTLS_UNEXPECTED;
    snprintf(s->starttls.detail, sizeof s->starttls.detail,
             "after agreeing, the server sent plain text (\"%s\") instead of TLS", tp_sb_str(&sb));
    tp_sb_free(&sb);
    char d[240];
    snprintf(d, sizeof d, "STARTTLS (%s): %s", s->starttls.protocol, s->starttls.detail);
    set_outcome(s, TP_CONN_STARTTLS_FAILED, 0, d);
}

/* Close the socket and say how the connection ended, for --write-pcap: our FIN
 * is now; closing with unread bytes makes the kernel send an RST instead. */
static void hang_up(struct run *r, struct tp_pcapw_end *end)
{
    if (r->fd < 0)
        return;
    int unread = 0;
    bool rst = ioctl(r->fd, FIONREAD, &unread) == 0 && unread > 0;
    close(r->fd);
    r->fd = -1;
    int64_t now = tp_wolf_wall_us();
    const struct tp_wolf_conn *c = &r->c;
    if (c->reset)
        end->rst_us[TP_S2C] = tp_wolf_last_time(c) ? tp_wolf_last_time(c) : now;
    else if (c->eof)
        end->fin_us[TP_S2C] = c->eof_us ? c->eof_us : now;
    if (!c->reset) {
        if (rst)
            end->rst_us[TP_C2S] = now;
        else
            end->fin_us[TP_C2S] = now;
    }
}

/* Raw bytes + secrets -> the decoder; the pcap; the key log. */
static void transcript(struct run *r)
{
    struct tp_session *s = r->s;
    struct tp_pcapw_end end = { { 0, 0 }, { 0, 0 } };
    hang_up(r, &end);
    if (r->c.ssl) {
        if (tp_wolf_conn_flush(&r->c, s, r->flow) != TP_OK)
            set_outcome(s, TP_CONN_LOCAL_ERROR, 0, "out of memory while decoding");
        tp_wolf_peer_chain(&r->c, &s->server_chain);
    }
    tp_pcapw_flow_finish(r->flow, &end);
    r->flow = NULL;
    if (!s->server_name && r->sni) {
        s->server_name = dupstr(r->sni);
        s->server_name_len = s->server_name ? strlen(r->sni) : 0;
    }
    if (!s->has_client_random && r->c.ssl && wolfSSL_get_client_random(r->c.ssl, s->client_random, 32) == 32)
        s->has_client_random = true;
    if (r->keylog_f && r->c.keylog && s->has_client_random)
        (void)tp_keylog_write_session(r->c.keylog, s->client_random, r->keylog_f);
    tp_session_finish(s);
    if (r->carried && tp_session_carry_staple(s, r->carried, r->carried_len) != TP_OK)
        set_outcome(s, TP_CONN_LOCAL_ERROR, 0, "out of memory");
}

/* Our own verification of the chain as sent, then the diagnosis. */
static void judge(struct run *r)
{
    struct tp_session *s = r->s;
    store_join(r->store_async, &r->sj, &r->store);
    if (r->store_async && !r->store)
        snprintf(s->outcome.detail + strlen(s->outcome.detail), sizeof s->outcome.detail - strlen(s->outcome.detail),
                 "%scannot load the system trust store: %.100s", s->outcome.detail[0] ? "; " : "", r->sj.err);
    int64_t left_ms = (r->deadline - tp_wolf_mono_us()) / 1000;
    struct tp_judge_opts jo = {
        .server = {
            .store = r->o->store ? r->o->store : r->store,
            .host = r->check_name,
            .aia = !r->o->no_aia && left_ms > 0,
            .aia_timeout_ms = left_ms < TP_AIA_TIMEOUT_MS ? (int)(left_ms > 0 ? left_ms : 1) : TP_AIA_TIMEOUT_MS,
        },
        .at = r->o->at,
        .name_alert_from = -1,
        .check_revocation = r->o->check_revocation,
        .revocation_timeout_ms = TP_AIA_TIMEOUT_MS, /* its own deadline: after the handshake */
    };
    /* which public stores hold the root (docs/trust-stores.md); none when the
     * data file is not installed */
    struct tp_trust_db *trust_db = NULL;
    char terr[256];
    if (tp_trust_db_load_default(&trust_db, terr, sizeof terr) != TP_OK)
        trust_db = NULL;
    jo.server.trust_db = trust_db;
    tp_judge_session(s, &jo);
    tp_trust_db_free(trust_db);
}

/* The one cleanup: everything r holds but the session. false: the pcap file is
 * incomplete. */
static bool run_free(struct run *r)
{
    if (r->keylog_f)
        fclose(r->keylog_f);
    tp_wolf_conn_free(&r->c);
    if (r->fd >= 0)
        close(r->fd);
    bool pcap_ok = tp_pcapw_close(r->pw);
    if (r->ctx)
        wolfSSL_CTX_free(r->ctx);
    store_join(r->store_async, &r->sj, &r->store);
    tp_store_free(r->store);
    return pcap_ok;
}

static enum tp_err connect_once(const struct tp_connect_opts *o, bool no_staple, const uint8_t *carried,
                                size_t carried_len, struct tp_session **out, char *err, size_t errlen)
{
    *out = NULL;
    if (errlen)
        err[0] = 0;
    enum tp_err e = check_input(o, err, errlen);
    if (e != TP_OK)
        return e;
    struct run r = { .o = o, .port = o->port ? o->port : 443, .fd = -1, .no_staple = no_staple,
                     .carried = carried, .carried_len = carried_len };
    r.c.alert_sent = r.c.alert_recv = -1;
    /* The one deadline starts now: loading files counts against it too. */
    r.deadline = tp_wolf_mono_us() + (int64_t)(o->timeout_ms > 0 ? o->timeout_ms : 10000) * 1000;
    e = open_local(&r, err, errlen);
    if (e == TP_OK) {
        r.start_wall = tp_wolf_wall_us();
        r.start_mono = tp_wolf_mono_us();
        if (!(r.s = tp_session_new(TP_SRC_CONNECT, r.start_wall))) {
            snprintf(err, errlen, "out of memory");
            e = TP_ERR_NOMEM;
        }
    }
    if (e == TP_OK) {
        r.s->host = dupstr(o->host);
        tp_session_set_worker(r.s, o->worker); /* NULL: the session's own scratch */
        r.s->t_dns_us = r.s->t_connect_us = -1;
        /* SNI: --servername, else the host name; never an IP literal (RFC 6066 §3).
         * The name to check: --servername, else what the user typed (IP literal too). */
        r.sni = o->no_sni ? NULL : o->servername ? o->servername : is_ip_literal(o->host) ? NULL : o->host;
        r.check_name = o->servername ? o->servername : o->host;
        r.via_proxy = tp_proxy_plan(o, r.s, &r.px);
        r.dial_host = r.via_proxy ? r.px.host : o->address ? o->address : o->host;
        r.dial_port = r.via_proxy ? r.px.port : r.port;
        dial(&r);
        if (r.fd >= 0)
            note_endpoints(&r);
        bool tunnel_ok = !r.via_proxy || tunnel(&r);
        if (tunnel_ok && r.fd >= 0 && upgrade(&r)) {
            handshake(&r);
            after_upgrade(&r);
        }
        transcript(&r);
        judge(&r);
        tp_session_set_worker(r.s, NULL); /* the session leaves this thread */
        *out = r.s;
    }
    bool pcap_ok = run_free(&r);
    if (e == TP_OK && !pcap_ok) {
        snprintf(err, errlen, "--write-pcap %s: writing the file failed (disk full?): the pcap is incomplete",
                 o->write_pcap);
        return TP_ERR_IO;
    }
    return e;
}

/* TLS 1.2 and a staple this wolfSSL refused: it sent bad_certificate_status_response,
 * or the server agreed to staple and sent no CertificateStatus (wolfSSL then
 * wants to ask the responder itself: OCSP_LOOKUP_FAIL, -367). */
static bool staple_refused(const struct tp_session *s)
{
    const struct tp_msg *a = tp_session_first_alert(s, TP_C2S);
    if (s->version != TP_TLS1_2 || s->handshake_complete)
        return false;
    return (a && a->alert_desc == 113) || (s->staple && s->staple->acked && !s->staple->present) ||
           s->outcome.lib_error == -367;
}

enum tp_err tp_probe_connect(const struct tp_connect_opts *o, struct tp_session **out, char *err, size_t errlen)
{
    enum tp_err e = connect_once(o, false, NULL, 0, out, err, errlen);
    struct tp_bytes b = tp_bytes_make(NULL, 0);
    if (e != TP_OK || !*out || !staple_refused(*out))
        return e;
    if (!tp_session_find_staple(*out, &b))
        b = tp_bytes_make((const uint8_t *)"", 0); /* agreed, none sent: carry "asked, none came" */
    /* In TLS 1.2 this wolfSSL checks a stapled response itself (against its own
     * empty store: even a good one fails) and ends the handshake. tlsprobe judges
     * the staple itself: keep it, connect once more without asking for one, and
     * judge that handshake with the staple carried over (docs/revocation.md). */
    uint8_t *copy = malloc(b.len ? b.len : 1);
    if (!copy)
        return e;
    memcpy(copy, b.p, b.len);
    struct tp_session *second = NULL;
    char err2[256] = "";
    enum tp_err e2 = connect_once(o, true, copy, b.len, &second, err2, sizeof err2);
    free(copy);
    if (e2 == TP_OK && second) {
        tp_session_free(*out);
        *out = second;
    } else {
        tp_session_free(second);
    }
    return e;
}
