/* The server probe, one connection from accept to report (see listen.c for the
 * pool around it): the client's first bytes decide TLS or not; TLS runs on
 * wolf.c's recorder with listen's options (read-ahead, waits that watch the
 * listening socket, silence after the client's fatal alert); then the judge
 * (tlsprobe/judge.h) verifies both chains and diagnoses, and the report goes out
 * under the output lock. */
#include "tlsprobe/framer.h"
#include "tlsprobe/names.h"
#include "probe/listen_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/wolf.h"
#include "tlsprobe/judge.h"
#include "tlsprobe/wire.h"

/* Per-connection state reachable from the verify callback (c.user of the
 * connection, found through tp_wolf_conn_of). */
struct lconn {
    struct lsrv *srv;
    struct tp_verify_result *client_verify; /* owned until moved into the session */
    bool verify_decided, verify_ok;
};

static void endpoint_text(char *out, size_t outlen, const char *ip, uint16_t port)
{
    if (strchr(ip, ':'))
        snprintf(out, outlen, "[%s]:%u", ip, (unsigned)port);
    else
        snprintf(out, outlen, "%s:%u", ip, (unsigned)port);
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

static int listen_verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    (void)preverify;
    struct tp_wolf_conn *c = tp_wolf_conn_of(store);
    struct lconn *lc = c ? c->user : NULL;
    if (!lc)
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
    const struct tp_judge_verify v = { .store = lc->srv->client_store };
    struct tp_verify_result *res =
        tp_judge_verify_chain(chain, n, 0, TP_PURPOSE_CLIENT, &v, lc->srv->o->at, &lc->srv->verify_mu);
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

/* The client's first bytes, read into w->ahead (not recorded yet): TLS,
 * something else, or nothing. A partial record header is completed first (or
 * ended by EOF/an error: *after, for the recorder to report after the bytes). */
static enum first_kind first_read(struct lworker *w, int fd, int64_t deadline, int64_t *t_first, size_t *len,
                                  int *after)
{
    *len = 0;
    *after = 0;
    for (;;) {
        ssize_t n = listen_recv(w, fd, w->ahead + *len, LISTEN_AHEAD_LEN - *len, deadline);
        if (n > 0) {
            if (*len == 0)
                *t_first = tp_wolf_wall_us();
            *len += (size_t)n;
            switch (tp_frame_start(w->ahead, *len, TP_START_EARLY | TP_START_SSLV2_ANY)) {
            case TP_START_TLS:
            case TP_START_SSLV2: /* an SSLv2-compatible hello: wolfSSL decides */
                return FIRST_TLS;
            case TP_START_NOT_TLS:
                return FIRST_NOT_TLS;
            default:
                continue; /* a partial header: wait for the rest */
            }
        }
        if (n == 0) {
            if (*len == 0)
                return FIRST_EOF;
            *after = -1; /* wolfSSL reads the partial header, then EOF */
            return FIRST_TLS;
        }
        if (errno == ETIMEDOUT)
            return FIRST_TIMEOUT;
        if (errno == EINTR)
            continue;
        if (*len == 0)
            return FIRST_RESET;
        *after = errno;
        return FIRST_TLS;
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
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && listen_wait(w, fd, POLLOUT, deadline) > 0)
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
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && listen_wait(w, job->fd, POLLIN, linger) > 0)
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
    w->after_hs = true; /* a long wait from here on frees the worker's slot */
    char buf[4096];
    size_t have = 0;
    bool answered = false;
    for (;;) {
        if (tp_wolf_mono_us() >= end)
            break;
        int e;
        int n = tp_wolf_read(c, buf + have, (int)(sizeof buf - 1 - have), &e);
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
                if (!answered && !tp_wolf_write(c, h2_refuse, (int)sizeof h2_refuse))
                    break; /* the client is gone: nothing more to read either */
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
                /* best effort: a client gone by now changes nothing in the report */
                if (bl > 0 && rl > 0 && (size_t)rl < sizeof resp && !tp_wolf_write(c, resp, rl))
                    break;
                break;
            }
            if (have >= sizeof buf - 1)
                have = 0; /* not HTTP, or a huge header: keep reading, discard */
            continue;
        }
        if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE) {
            if (listen_wait(w, c->fd, e == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, end) <= 0)
                break;
            continue;
        }
        break; /* close_notify, EOF, an alert or an error */
    }
    /* our close_notify, best effort: the reply is not awaited, and a client
     * already gone changes nothing in the report */
    if (!c->eof && !c->reset && !c->timed_out)
        tp_wolf_shutdown_now(c);
    c->deadline_mono_us = saved;
    listen_linger_end(w);
}

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
 *   from the server's side). Skipped (v->store NULL) when our chain was judged
 *   clean at start and the SNI (if any) is covered: nothing to report. */
static void our_chain_opts(struct lsrv *srv, const struct tp_session *s, char host[TP_MAX_NAME_LEN + 1],
                           struct tp_judge_verify *v)
{
    memset(v, 0, sizeof *v);
    if (s->server_chain.n == 0)
        return;
    bool rejected = false;
    for (size_t i = 0; i < s->n_msgs && !rejected; i++)
        rejected = s->msgs[i].kind == TP_MSG_ALERT && s->msgs[i].dir == TP_C2S && is_cert_alert(s->msgs[i].alert_desc);
    host[0] = 0;
    if (s->server_name && s->server_name_len > 0 && s->server_name_len <= TP_MAX_NAME_LEN &&
        !memchr(s->server_name, 0, s->server_name_len)) {
        memcpy(host, s->server_name, s->server_name_len);
        host[s->server_name_len] = 0;
    }
    if (!rejected && srv->base_clean && (!host[0] || tp_cert_match_name(srv->our_leaf, host) == TP_NAME_OK))
        return;
    pthread_mutex_lock(&srv->verify_mu);
    if (rejected && !srv->sys_store_tried) {
        srv->sys_store_tried = true;
        char e[256];
        if (tp_store_load(NULL, NULL, &srv->sys_store, e, sizeof e) != TP_OK)
            srv->sys_store = NULL;
    }
    const struct tp_store *st = rejected && srv->sys_store ? srv->sys_store : srv->self_store;
    pthread_mutex_unlock(&srv->verify_mu);
    v->store = st;
    v->host = host[0] ? host : NULL;
    /* We sent a lone leaf and the client rejected it: if the leaf names its
     * issuer by AIA (a URL from our own certificate, never from the client),
     * fetching it tells "an intermediate we did not send" (the classic
     * missing-intermediate) from "a CA the client lacks". Only then. */
    v->aia = rejected && st == srv->sys_store && s->server_chain.n == 1 && srv->our_leaf &&
             srv->our_leaf->aia_ca_issuers && !srv->our_leaf->self_issued;
    v->aia_timeout_ms = TP_AIA_TIMEOUT_MS;
    if (st == srv->self_store)
        v->store_desc = "our own top certificate as the only anchor (what the client trusts is unknown)";
}

/* Verify both chains, name the client's alert, diagnose. */
static void judge(struct lsrv *srv, struct tp_session *s)
{
    char host[TP_MAX_NAME_LEN + 1];
    struct tp_judge_opts jo = {
        .client = { .store = srv->client_store },
        .at = srv->o->at,
        .store_mu = &srv->verify_mu,
        .name_alert_from = TP_C2S,
    };
    our_chain_opts(srv, s, host, &jo.server);
    tp_judge_session(s, &jo);
}

/* ---- one connection, accept to report ---- */

struct lserve {
    struct lsrv *srv;
    struct lworker *w;
    const struct ljob *job;
    struct tp_session *s;
    int64_t deadline;
    char cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN];
    uint16_t cport, sport;
    struct tp_pcapw_flow *flow;
    bool reset;
    int64_t t_end;                   /* when the last byte was recorded (0: now) */
    struct tp_wolf_conn c;
    bool have_conn;
    struct lconn lc;
};

/* A client that sent no TLS, or nothing. */
static void serve_other(struct lserve *x, enum first_kind fk, size_t len, int64_t t_first)
{
    struct tp_outcome *oc = &x->s->outcome;
    double tsec = (double)x->srv->timeout_us / 1e6;
    switch (fk) {
    case FIRST_TLS:
        break;
    case FIRST_NOT_TLS:
        serve_not_tls(x->w, x->job, x->s, x->deadline, x->flow, x->w->ahead, len, t_first);
        break;
    case FIRST_EOF:
        oc->status = TP_CONN_CLOSED;
        snprintf(oc->detail, sizeof oc->detail, "the client closed the connection without sending anything");
        break;
    case FIRST_RESET:
        x->reset = true;
        oc->status = TP_CONN_RESET;
        snprintf(oc->detail, sizeof oc->detail, "the client reset the connection before sending anything");
        break;
    case FIRST_TIMEOUT:
        oc->status = TP_CONN_TIMEOUT;
        snprintf(oc->detail, sizeof oc->detail, "the client sent nothing within %g s", tsec);
        break;
    }
}

/* The WOLFSSL (made ahead when the worker had time) on wolf.c's recorder with
 * listen's options; the first bytes (len in w->ahead, then `after`) are
 * recorded and wolfSSL's to read first. false: out of memory (outcome set). */
static bool tls_setup(struct lserve *x, size_t len, int after)
{
    struct lsrv *srv = x->srv;
    WOLFSSL *ssl = x->w->next_ssl ? x->w->next_ssl : wolfSSL_new(srv->ctx);
    x->w->next_ssl = NULL;
    if (tp_wolf_conn_adopt(&x->c, ssl, x->job->fd, true, x->deadline) != TP_OK) {
        x->s->outcome.status = TP_CONN_LOCAL_ERROR;
        snprintf(x->s->outcome.detail, sizeof x->s->outcome.detail, "could not set up the TLS connection (out of memory)");
        return false;
    }
    x->have_conn = true;
    const struct tp_wolf_io io = {
        .recv = listen_recv,
        .wait = listen_wait,
        .idle = listen_idle_work,
        .arg = x->w,
        .ahead = x->w->ahead,
        .ahead_cap = LISTEN_AHEAD_LEN,
        .quiet_after_peer_fatal = true, /* never answer the client's alert with ours */
    };
    tp_wolf_conn_set_io(&x->c, &io);
    x->c.user = &x->lc;
    tp_wolf_conn_preload(&x->c, len, after);
    /* checked at start (srv_setup): the same list cannot fail here but for
     * memory, and then the client simply gets no ALPN answer */
    if (srv->alpn && wolfSSL_UseALPN(x->c.ssl, srv->alpn, (unsigned)strlen(srv->alpn),
                                     WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) != WOLFSSL_SUCCESS)
        snprintf(x->s->outcome.detail, sizeof x->s->outcome.detail, "ALPN could not be set (out of memory)");
    if (srv->client_auth)
        wolfSSL_set_verify(x->c.ssl,
                           WOLFSSL_VERIFY_PEER | (srv->client_required ? WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                           listen_verify_cb);
    tp_wolf_keep_own_records(&x->c); /* the flush: our records need no AES */
    return true;
}

/* The handshake, what follows it, and the recording into the session. */
static void serve_tls(struct lserve *x, size_t len, int after)
{
    if (!tls_setup(x, len, after))
        return;
    struct tp_wolf_conn *c = &x->c;
    int rc = tp_wolf_handshake(c);
    if (rc == -345 /* NO_PEER_CERT */ && c->alert_sent < 0 && !c->peer_fatal &&
        wolfSSL_version(c->ssl) == TLS1_2_VERSION) {
        /* wolfSSL 5.5.4 ends a TLS 1.2 handshake without a required client
         * certificate silently: the client sees an EOF. Send the alert servers
         * use for it (RFC 5246 §7.4.6: handshake_failure), in the clear (we sent
         * no ChangeCipherSpec yet), recorded like the rest. */
        static const uint8_t hf[7] = { 21, 3, 3, 0, 2, 2, 40 };
        if (tp_wolf_send_raw(c, hf, sizeof hf))
            c->alert_sent = TP_ALERT_HANDSHAKE_FAILURE;
    }
    if (rc == 0)
        post_handshake(x->w, c, x->deadline);
    if (x->srv->pcap)
        x->flow = tp_pcapw_flow_begin(x->srv->pcap, x->cip, x->cport, x->sip, x->sport, x->job->t_wall_us);
    if (tp_wolf_conn_flush(c, x->s, x->flow) != TP_OK) {
        x->s->outcome.status = TP_CONN_LOCAL_ERROR;
        snprintf(x->s->outcome.detail, sizeof x->s->outcome.detail, "out of memory while decoding");
    }
    x->t_end = tp_wolf_last_time(c);
    tp_wolf_outcome(c, rc, &x->s->outcome);
    if (x->s->outcome.status == TP_CONN_TIMEOUT)
        snprintf(x->s->outcome.detail, sizeof x->s->outcome.detail,
                 "the handshake did not finish within %g s (the client stopped sending)",
                 (double)x->srv->timeout_us / 1e6);
    x->reset = c->reset;
    tp_wolf_peer_chain(c, &x->s->client_chain);
}

void listen_serve(struct lsrv *srv, const struct ljob *job, struct lworker *w)
{
    struct lserve x = { .srv = srv, .w = w, .job = job, .lc = { .srv = srv } };
    x.deadline = job->t_mono_us + srv->timeout_us;
    listen_addr_text(&job->peer, x.cip, sizeof x.cip, &x.cport);
    listen_addr_text(&job->local, x.sip, sizeof x.sip, &x.sport);
    x.s = tp_session_new(TP_SRC_LISTEN, job->t_wall_us);
    if (!x.s)
        return;
    tp_session_set_worker(x.s, w->tw); /* this thread's decoder memory; the session is freed here */
    tp_session_set_cert_cache(x.s, srv->certs);
    endpoint_text(x.s->client, sizeof x.s->client, x.cip, x.cport);
    endpoint_text(x.s->server, sizeof x.s->server, x.sip, x.sport);

    size_t len = 0;
    int after = 0;
    int64_t t_first = 0;
    /* the gate's peek got the reset (no byte came): recv would not see it again */
    enum first_kind fk = job->first_err ? FIRST_RESET : first_read(w, job->fd, x.deadline, &t_first, &len, &after);
    if (fk != FIRST_TLS && srv->pcap)
        x.flow = tp_pcapw_flow_begin(srv->pcap, x.cip, x.cport, x.sip, x.sport, job->t_wall_us);
    if (fk == FIRST_TLS)
        serve_tls(&x, len, after);
    else
        serve_other(&x, fk, len, t_first);
    if (x.flow)
        tp_pcapw_flow_end(x.flow, x.reset, x.t_end ? x.t_end : tp_wolf_wall_us());

    tp_session_finish(x.s);
    x.s->client_verify = x.lc.client_verify; /* the verify callback's verdict, if any */
    x.lc.client_verify = NULL;
    judge(srv, x.s);
    report(srv, x.s, x.have_conn ? x.c.keylog : NULL);
    if (x.have_conn)
        tp_wolf_conn_free(&x.c);
    tp_session_free(x.s);
}
