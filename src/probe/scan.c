/* tlsprobe scan: ask a server many ClientHellos of our own and read each first
 * answer (tlsprobe/scan.h). The questions run in phases (versions, then suites per
 * version, then everything that needs to know which suites work), each phase's
 * questions spread over -j worker threads; every question is one TCP connection
 * that ends after the server's first flight. This file is the network side
 * (sockets, deadlines, the phases and their threads); the answer's bytes are read
 * by scan_answer.c (tp_scan_reader_*). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include "tlsprobe/names.h"
#include "tlsprobe/probe.h"
#include "tlsprobe/scan.h"
#include "tlsprobe/wire.h"
#include "tlsprobe/writer.h"
#include "tlsprobe/x509.h"
#include "probe/wolf.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define CHUNK 64                 /* suites offered per question, as nmap's ssl-enum-ciphers */
#define HELLO_CAP 4096

const char *tp_scan_state_name(enum tp_scan_state s)
{
    switch (s) {
    case TP_SCAN_NO: return "no";
    case TP_SCAN_YES: return "yes";
    case TP_SCAN_ERROR: return "error";
    case TP_SCAN_NOT_TESTED: break;
    }
    return "not tested";
}

static const uint16_t versions[TP_SCAN_N_VERSIONS] = { TP_SSL3_0, TP_TLS1_0, TP_TLS1_1, TP_TLS1_2, TP_TLS1_3 };

/* Groups asked about, and the list every other hello offers. */
static const uint16_t all_groups[] = {
    0x001d, 0x0017, 0x0018, 0x0019, 0x001e,                 /* x25519, secp256r1/384r1/521r1, x448 */
    0x11ec, 0x11eb, 0x11ed, 0x6399,                         /* X25519MLKEM768, SecP256r1MLKEM768,
                                                               SecP384r1MLKEM1024, X25519Kyber768Draft00 */
    0x0100, 0x0101, 0x0102, 0x0103, 0x0104,                 /* ffdhe2048 .. ffdhe8192 */
    0x001a, 0x001b, 0x001c, 0x001f, 0x0020, 0x0021,         /* brainpool (TLS 1.2, TLS 1.3) */
    0x0016, 0x0015,                                         /* secp256k1, secp224r1 */
};
static const uint16_t all_sigalgs[] = {
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808,                 /* ECDSA, Ed25519, Ed448 */
    0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b,         /* RSA-PSS (rsae, pss) */
    0x0401, 0x0501, 0x0601,                                 /* RSA PKCS#1 v1.5 */
    0x081a, 0x081b, 0x081c,                                 /* ECDSA brainpool (TLS 1.3) */
    0x0904, 0x0905, 0x0906,                                 /* ML-DSA */
    0x0203, 0x0201, 0x0303, 0x0301, 0x0402, 0x0202,         /* SHA-1, SHA-224, DSA */
};
static const uint16_t rsa_sigalgs[] = { 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201 };
static const uint16_t ecdsa_sigalgs[] = { 0x0403, 0x0503, 0x0603, 0x0203 };
static const char *const alpn_names[] = { "h2", "http/1.1", "http/1.0", "spdy/3.1", "h3", "acme-tls/1" };

#define X25519 0x001d
#define HYBRID 0x11ec
#define MLKEM768_EK 1184          /* FIPS 203: 384 * k + 32, k = 3 */

/* x25519's base point (u = 9): a valid public value; the handshake never gets far
 * enough for the secret to matter. An all-zero ML-KEM-768 encapsulation key passes
 * the FIPS 203 modulus check. Neither is a secret: no crypto is done here. */
static const uint8_t x25519_share[32] = { 9 };
/* secp256r1's generator in uncompressed form (SEC 1 §2.7.2): a valid public key for
 * a server that supports only P-256 and would answer x25519 with a HelloRetryRequest. */
static const uint8_t p256_share[65] = {
    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
    0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
    0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
    0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};
#define SECP256R1 0x0017
static const uint8_t hybrid_share[MLKEM768_EK + 32] = { [MLKEM768_EK] = 9 };

/* ---- one question ---- */
struct scan {
    const struct tp_scan_opts *o;
    struct tp_scan_result *r;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    const char *sni;
    int64_t deadline_us;
    int probe_ms;
    int jobs;
    pthread_mutex_t mu;           /* the task index, the counters below */
    unsigned probes, seq;
    bool timed_out;
    char first_error[96];
    uint16_t legacy[400];          /* every non-TLS 1.3 suite of the table, SCSVs left out */
    size_t n_legacy;
    uint16_t tls13[16];
    size_t n_tls13;
    uint16_t ecdsa_curve;          /* the ECDSA leaf's curve as a group (0: none, unknown) */
    uint16_t share13;              /* the TLS 1.3 key share to send: x25519, or secp256r1 when
                                      the server asks for it (set before phase 3) */
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void say(struct tp_scan_answer *a, const char *what, int e)
{
    snprintf(a->why, sizeof a->why, "%s: %s", what, e ? strerror(e) : "failed");
}

/* Wait for ev on fd until the deadline; false on timeout or error. */
static bool wait_fd(int fd, short ev, int64_t until)
{
    for (;;) {
        int64_t left = until - mono_us();
        if (left <= 0)
            return false;
        struct pollfd p = { .fd = fd, .events = ev };
        int n = poll(&p, 1, (int)((left + 999) / 1000));
        if (n > 0)
            return true;
        if (n == 0)
            return false;
        if (errno != EINTR)
            return false;
    }
}

static int64_t probe_deadline(struct scan *sc)
{
    int64_t until = mono_us() + (int64_t)sc->probe_ms * 1000;
    return until < sc->deadline_us ? until : sc->deadline_us;
}

static int dial(struct scan *sc, struct tp_scan_answer *a, int64_t until)
{
    int fd = socket(sc->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        say(a, "socket", errno);
        return -1;
    }
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
        /* only latency */
    }
    if (connect(fd, (const struct sockaddr *)&sc->addr, sc->addrlen) != 0) {
        if (errno != EINPROGRESS) {
            say(a, "connect", errno);
            a->connect_failed = true;
            close(fd);
            return -1;
        }
        int e = 0;
        socklen_t el = sizeof e;
        if (!wait_fd(fd, POLLOUT, until)) {
            snprintf(a->why, sizeof a->why, "connect: timed out");
            a->connect_failed = true;
            close(fd);
            return -1;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 || e) {
            say(a, "connect", e);
            a->connect_failed = true;
            close(fd);
            return -1;
        }
    }
    return fd;
}

/* Ask one ClientHello; read up to the ServerHello (flight: up to ServerHelloDone). */
static void ask_once(struct scan *sc, struct tp_ch_spec *spec, bool flight, struct tp_scan_answer *a)
{
    memset(a, 0, sizeof *a);
    if (mono_us() >= sc->deadline_us) {
        pthread_mutex_lock(&sc->mu);
        sc->timed_out = true;
        pthread_mutex_unlock(&sc->mu);
        snprintf(a->why, sizeof a->why, "deadline");
        return;
    }
    uint8_t random[32];
    pthread_mutex_lock(&sc->mu);
    unsigned seq = ++sc->seq;
    sc->probes++;
    pthread_mutex_unlock(&sc->mu);
    /* Not a secret: a distinct client random per hello. */
    uint64_t x = (uint64_t)mono_us() ^ ((uint64_t)seq << 40);
    for (size_t i = 0; i < sizeof random; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        random[i] = (uint8_t)(x >> 56);
    }
    spec->random = random;
    spec->sni = sc->sni;
    uint8_t *hello = malloc(HELLO_CAP);
    if (!hello) {
        snprintf(a->why, sizeof a->why, "out of memory");
        return;
    }
    struct tp_writer w;
    tp_writer_init(&w, hello, HELLO_CAP);
    if (tp_client_hello_write(spec, &w) != TP_OK) {
        snprintf(a->why, sizeof a->why, "ClientHello did not fit");
        free(hello);
        return;
    }
    int64_t until = probe_deadline(sc);
    int fd = dial(sc, a, until);
    if (fd < 0) {
        free(hello);
        return;
    }
    size_t sent = 0;
    while (sent < w.len) {
        ssize_t n = send(fd, hello + sent, w.len - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR) && wait_fd(fd, POLLOUT, until))
            continue;
        say(a, "send", n < 0 ? errno : 0);
        break;
    }
    free(hello);
    struct tp_scan_reader rd;
    tp_scan_reader_init(&rd, flight);
    uint8_t buf[16384];
    while (sent == w.len && !rd.done) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            tp_scan_reader_feed(&rd, a, buf, (size_t)n);
            continue;
        }
        if (n == 0) {
            if (a->kind == TP_SCAN_ANS_NONE)
                snprintf(a->why, sizeof a->why, "closed without an answer");
            break;
        }
        if ((errno == EAGAIN || errno == EINTR) && wait_fd(fd, POLLIN, until))
            continue;
        if (errno == EAGAIN) {
            if (a->kind == TP_SCAN_ANS_NONE)
                snprintf(a->why, sizeof a->why, "no answer in time");
        } else if (a->kind == TP_SCAN_ANS_NONE) {
            say(a, "recv", errno);
        }
        break;
    }
    tp_scan_reader_free(&rd);
    close(fd);
}

/* One question; the first failure's reason is kept for "unreachable". */
static void ask(struct scan *sc, struct tp_ch_spec *spec, bool flight, struct tp_scan_answer *a)
{
    ask_once(sc, spec, flight, a);
    if (a->kind == TP_SCAN_ANS_NONE) {
        pthread_mutex_lock(&sc->mu);
        if (!sc->first_error[0])
            snprintf(sc->first_error, sizeof sc->first_error, "%s", a->why);
        pthread_mutex_unlock(&sc->mu);
    }
}

/* Refused: an alert, or the connection closed / reset without one (not a timeout
 * or a failed connect: those are errors). */
static bool refused(const struct tp_scan_answer *a)
{
    if (a->kind == TP_SCAN_ANS_ALERT)
        return true;
    return a->kind == TP_SCAN_ANS_NONE && !a->connect_failed &&
           (!strcmp(a->why, "closed without an answer") || strstr(a->why, "reset") != NULL);
}

/* ---- hellos ---- */
static void share_x25519(struct tp_ch_key_share *ks)
{
    ks->group = X25519;
    ks->key = x25519_share;
    ks->key_len = sizeof x25519_share;
}

static void spec_for(struct scan *sc, uint16_t version, const uint16_t *suites, size_t n, struct tp_ch_spec *s,
                     struct tp_ch_key_share *ks)
{
    memset(s, 0, sizeof *s);
    s->suites = suites;
    s->n_suites = n;
    s->padding = true;
    s->groups = all_groups;
    s->n_groups = COUNT(all_groups);
    s->ec_point_formats = version < TP_TLS1_3;
    s->renegotiation_info = version < TP_TLS1_3;
    if (version >= TP_TLS1_2) {
        s->sig_algs = all_sigalgs;
        s->n_sig_algs = COUNT(all_sigalgs);
    }
    if (version == TP_TLS1_3) {
        static const uint16_t v13[] = { TP_TLS1_3 };
        s->legacy_version = TP_TLS1_2;
        s->versions = v13;
        s->n_versions = 1;
        s->psk_modes = true;
        s->send_key_share = true;
        share_x25519(ks);
        if (sc->share13 == SECP256R1) {
            ks->group = SECP256R1;
            ks->key = p256_share;
            ks->key_len = sizeof p256_share;
        }
        s->key_shares = ks;
        s->n_key_shares = 1;
    } else {
        s->legacy_version = version;
    }
}

static bool picked(const struct tp_scan_answer *a, uint16_t version)
{
    return (a->kind == TP_SCAN_ANS_SERVER_HELLO || a->kind == TP_SCAN_ANS_HRR) && a->version == version;
}

/* ---- phase 1: versions ---- */
static void task_version(struct scan *sc, int vi)
{
    struct tp_scan_version *v = &sc->r->versions[vi];
    struct tp_ch_spec s;
    struct tp_ch_key_share ks;
    bool t13 = v->version == TP_TLS1_3;
    spec_for(sc, v->version, t13 ? sc->tls13 : sc->legacy, t13 ? sc->n_tls13 : sc->n_legacy, &s, &ks);
    struct tp_scan_answer a;
    ask(sc, &s, false, &a);
    if (picked(&a, v->version))
        v->accepted = TP_SCAN_YES;
    else if (a.kind == TP_SCAN_ANS_SERVER_HELLO || a.kind == TP_SCAN_ANS_HRR || refused(&a))
        v->accepted = TP_SCAN_NO;
    else
        v->accepted = TP_SCAN_ERROR;
    if (a.kind == TP_SCAN_ANS_ALERT)
        v->alert = a.alert;
    tp_scan_answer_free(&a);
}

/* ---- phase 2: suites, a chunk at a time: offer, take out the chosen one, again ---- */
struct chunk_job {
    int vi;
    uint16_t offer[CHUNK];
    size_t n;
    uint16_t found[CHUNK];
    size_t n_found;
    bool complete;
};

static void task_chunk(struct scan *sc, struct chunk_job *j)
{
    uint16_t version = versions[j->vi];
    j->complete = false;
    while (j->n > 0) {
        struct tp_ch_spec s;
        struct tp_ch_key_share ks;
        spec_for(sc, version, j->offer, j->n, &s, &ks);
        struct tp_scan_answer a;
        ask(sc, &s, false, &a);
        tp_scan_answer_free(&a);
        if (!picked(&a, version)) {
            j->complete = refused(&a) || a.kind == TP_SCAN_ANS_SERVER_HELLO;
            return;
        }
        size_t k = 0;
        while (k < j->n && j->offer[k] != a.suite)
            k++;
        if (k == j->n)
            return; /* a suite we did not offer: stop asking this chunk */
        j->found[j->n_found++] = a.suite;
        memmove(&j->offer[k], &j->offer[k + 1], (j->n - k - 1) * sizeof j->offer[0]);
        j->n--;
    }
    j->complete = true;
}

/* ---- phase 3 ---- */
static uint16_t pick(struct scan *sc, uint16_t version, const uint16_t *offer, size_t n, bool *ok)
{
    struct tp_ch_spec s;
    struct tp_ch_key_share ks;
    spec_for(sc, version, offer, n, &s, &ks);
    struct tp_scan_answer a;
    ask(sc, &s, false, &a);
    tp_scan_answer_free(&a);
    *ok = picked(&a, version);
    return *ok ? a.suite : 0;
}

static void task_order(struct scan *sc, int vi)
{
    struct tp_scan_version *v = &sc->r->versions[vi];
    if (v->n_suites < 2)
        return;
    uint16_t ab[2] = { v->suites[0], v->suites[1] }, ba[2] = { v->suites[1], v->suites[0] };
    bool ok1, ok2;
    uint16_t x = pick(sc, v->version, ab, 2, &ok1), y = pick(sc, v->version, ba, 2, &ok2);
    if (!ok1 || !ok2) {
        v->server_order = TP_SCAN_ERROR;
        return;
    }
    if (x == ab[0] && y == ba[0]) {
        v->server_order = TP_SCAN_NO;
        return;
    }
    if (x != y) {
        v->server_order = TP_SCAN_ERROR;
        return;
    }
    v->server_order = TP_SCAN_YES;
    /* The server's order: offer what is left, take its choice, again. */
    uint16_t left[TP_SCAN_MAX_SUITES], sorted[TP_SCAN_MAX_SUITES];
    size_t n = v->n_suites, m = 0;
    memcpy(left, v->suites, n * sizeof left[0]);
    while (n > 1) {
        bool ok;
        uint16_t p = pick(sc, v->version, left, n, &ok);
        size_t k = 0;
        while (ok && k < n && left[k] != p)
            k++;
        if (!ok || k == n)
            return; /* keep the order as found */
        sorted[m++] = p;
        memmove(&left[k], &left[k + 1], (n - k - 1) * sizeof left[0]);
        n--;
    }
    sorted[m++] = left[0];
    memcpy(v->suites, sorted, m * sizeof sorted[0]);
}

/* The version the TLS 1.2-style questions use: TLS 1.2, else the highest older one. */
static int legacy_vi(const struct tp_scan_result *r)
{
    for (int i = 3; i >= 0; i--)
        if (r->versions[i].accepted == TP_SCAN_YES && r->versions[i].n_suites)
            return i;
    return -1;
}

static size_t suites_where(const struct tp_scan_version *v, int what, uint16_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_suites; i++) {
        const struct tp_suite_info *si = tp_suite_info(v->suites[i]);
        if (!si)
            continue;
        bool take = false;
        if (what == 0) /* ECDHE */
            take = si->kx == TP_KX_ECDHE;
        else if (what == 1) /* signed key exchange */
            take = (si->kx == TP_KX_ECDHE || si->kx == TP_KX_DHE) && si->auth &&
                   (!strcmp(si->auth, "RSA") || !strcmp(si->auth, "ECDSA") || !strcmp(si->auth, "DSS"));
        else if (what == 2) /* RSA certificate */
            take = si->auth && !strcmp(si->auth, "RSA");
        else if (what == 3)
            take = si->auth && !strcmp(si->auth, "ECDSA");
        else if (what == 4) /* ECDHE_RSA */
            take = si->kx == TP_KX_ECDHE && si->auth && !strcmp(si->auth, "RSA");
        else if (what == 6) /* DHE, signed */
            take = si->kx == TP_KX_DHE && si->auth && strcmp(si->auth, "anon") != 0;
        else if (what == 5) /* ECDHE_ECDSA */
            take = si->kx == TP_KX_ECDHE && si->auth && !strcmp(si->auth, "ECDSA");
        if (take)
            out[n++] = v->suites[i];
    }
    return n;
}

static void task_group(struct scan *sc, size_t gi)
{
    struct tp_scan_group *g = &sc->r->groups[gi];
    struct tp_scan_answer a;
    struct tp_ch_spec s;
    struct tp_ch_key_share ks;
    if (sc->r->versions[4].accepted == TP_SCAN_YES) {
        spec_for(sc, TP_TLS1_3, sc->r->versions[4].suites, sc->r->versions[4].n_suites, &s, &ks);
        s.groups = &g->id;
        s.n_groups = 1;
        s.n_key_shares = 0; /* empty client_shares: a HelloRetryRequest names the group */
        ask(sc, &s, false, &a);
        if (a.kind == TP_SCAN_ANS_HRR || a.kind == TP_SCAN_ANS_SERVER_HELLO)
            g->tls13 = a.group == g->id ? TP_SCAN_YES : TP_SCAN_NO;
        else
            g->tls13 = refused(&a) ? TP_SCAN_NO : TP_SCAN_ERROR;
        tp_scan_answer_free(&a);
    }
    int vi = legacy_vi(sc->r);
    if (vi < 0 || g->id >= 0x0100)
        return; /* ffdhe and the hybrids are not TLS 1.2 ECDHE curves */
    /* ECDHE_RSA suites when there are: with ECDHE_ECDSA a TLS 1.2 server also wants
     * its certificate's curve in the list (RFC 8422 §5.1), so that one is added. */
    uint16_t suites[TP_SCAN_MAX_SUITES], list[2] = { g->id, 0 };
    size_t n = suites_where(&sc->r->versions[vi], 4, suites), n_list = 1;
    if (n == 0) {
        n = suites_where(&sc->r->versions[vi], 5, suites);
        list[1] = sc->ecdsa_curve;
        n_list = list[1] && list[1] != g->id ? 2 : 1;
    }
    if (n == 0)
        return;
    spec_for(sc, versions[vi], suites, n, &s, &ks);
    s.groups = list;
    s.n_groups = n_list;
    ask(sc, &s, true, &a);
    if (!picked(&a, versions[vi]))
        g->tls12 = refused(&a) ? TP_SCAN_NO : TP_SCAN_ERROR;
    else if (a.have_ske && a.ske_group == g->id)
        g->tls12 = TP_SCAN_YES;
    else if (a.have_ske && n_list == 2 && a.ske_group == list[1])
        /* It took the certificate's curve: G is not supported, or only less preferred. */
        g->tls12 = sc->r->versions[vi].server_order == TP_SCAN_NO ? TP_SCAN_NO : TP_SCAN_ERROR;
    else
        g->tls12 = TP_SCAN_NO;
    tp_scan_answer_free(&a);
}

static void task_tls13_default(struct scan *sc)
{
    struct tp_scan_version *v = &sc->r->versions[4];
    struct tp_ch_spec s;
    struct tp_ch_key_share ks;
    struct tp_scan_answer a;
    spec_for(sc, TP_TLS1_3, v->suites, v->n_suites, &s, &ks);
    share_x25519(&ks);
    ask(sc, &s, false, &a);
    if (a.kind == TP_SCAN_ANS_SERVER_HELLO || a.kind == TP_SCAN_ANS_HRR) {
        sc->r->tls13_default_group = a.group;
        sc->r->tls13_default_hrr = a.kind == TP_SCAN_ANS_HRR;
    }
    tp_scan_answer_free(&a);
}

static void task_hybrid(struct scan *sc)
{
    struct tp_scan_hybrid *h = &sc->r->hybrid;
    struct tp_scan_version *v = &sc->r->versions[4];
    /* The hybrid first, then every other group, as browsers list them. */
    uint16_t both[COUNT(all_groups)];
    size_t nb = 0;
    both[nb++] = HYBRID;
    for (size_t i = 0; i < COUNT(all_groups); i++)
        if (all_groups[i] != HYBRID)
            both[nb++] = all_groups[i];
    struct tp_ch_spec s;
    struct tp_ch_key_share ks;
    struct tp_scan_answer a;
    spec_for(sc, TP_TLS1_3, v->suites, v->n_suites, &s, &ks);
    s.groups = both;
    s.n_groups = nb;
    ks.group = HYBRID;
    ks.key = hybrid_share;
    ks.key_len = sizeof hybrid_share;
    ask(sc, &s, false, &a);
    if (a.kind == TP_SCAN_ANS_SERVER_HELLO)
        h->offered_share = a.group == HYBRID ? TP_SCAN_YES : TP_SCAN_NO;
    else if (a.kind == TP_SCAN_ANS_HRR) {
        h->offered_share = TP_SCAN_NO;
        h->hrr_instead = true;
        h->hrr_group = a.group;
    } else
        h->offered_share = refused(&a) ? TP_SCAN_NO : TP_SCAN_ERROR;
    tp_scan_answer_free(&a);
    /* x25519's share, the hybrid listed first: does the server ask for the hybrid? */
    spec_for(sc, TP_TLS1_3, v->suites, v->n_suites, &s, &ks);
    share_x25519(&ks);
    s.groups = both;
    s.n_groups = nb;
    ask(sc, &s, false, &a);
    if (a.kind == TP_SCAN_ANS_HRR || a.kind == TP_SCAN_ANS_SERVER_HELLO)
        h->prefers = a.kind == TP_SCAN_ANS_HRR && a.group == HYBRID ? TP_SCAN_YES : TP_SCAN_NO;
    else
        h->prefers = refused(&a) ? TP_SCAN_NO : TP_SCAN_ERROR;
    tp_scan_answer_free(&a);
}

static void task_sigalg(struct scan *sc, size_t si)
{
    struct tp_scan_sigalg *g = &sc->r->sigalgs[si];
    struct tp_ch_spec s;
    struct tp_ch_key_share ks;
    struct tp_scan_answer a;
    if (sc->r->versions[4].accepted == TP_SCAN_YES) {
        spec_for(sc, TP_TLS1_3, sc->r->versions[4].suites, sc->r->versions[4].n_suites, &s, &ks);
        s.sig_algs = &g->id;
        s.n_sig_algs = 1;
        ask(sc, &s, false, &a);
        if (a.kind == TP_SCAN_ANS_SERVER_HELLO)
            g->tls13 = TP_SCAN_YES;
        else if (a.kind == TP_SCAN_ANS_HRR)
            g->tls13 = TP_SCAN_NOT_TESTED; /* the server wanted another key share first */
        else
            g->tls13 = refused(&a) ? TP_SCAN_NO : TP_SCAN_ERROR;
        tp_scan_answer_free(&a);
    }
    if (sc->r->versions[3].accepted != TP_SCAN_YES)
        return;
    uint16_t signed_kx[TP_SCAN_MAX_SUITES];
    size_t n = suites_where(&sc->r->versions[3], 1, signed_kx);
    if (n == 0)
        return;
    spec_for(sc, TP_TLS1_2, signed_kx, n, &s, &ks);
    s.sig_algs = &g->id;
    s.n_sig_algs = 1;
    ask(sc, &s, true, &a);
    if (picked(&a, TP_TLS1_2))
        g->tls12 = a.have_ske && a.ske_has_scheme && a.ske_scheme == g->id ? TP_SCAN_YES : TP_SCAN_NO;
    else
        g->tls12 = refused(&a) ? TP_SCAN_NO : TP_SCAN_ERROR;
    tp_scan_answer_free(&a);
}

static struct tp_session *full13(struct scan *sc, const char *alpn);

/* ALPN on a TLS 1.3-only server: the handshake's selected protocol, or its alert. */
static void alpn13(struct scan *sc, struct tp_scan_alpn *p)
{
    struct tp_session *s = full13(sc, p->name);
    if (!s) {
        p->accepted = TP_SCAN_ERROR;
        return;
    }
    bool no_app = false;
    for (size_t i = 0; i < s->n_msgs; i++)
        if (s->msgs[i].dir == TP_S2C && s->msgs[i].kind == TP_MSG_ALERT &&
            s->msgs[i].alert_desc == TP_ALERT_NO_APPLICATION_PROTOCOL)
            no_app = true;
    if (s->handshake_complete)
        p->accepted = !strcmp(s->alpn, p->name) ? TP_SCAN_YES : TP_SCAN_NO;
    else
        p->accepted = no_app ? TP_SCAN_NO : TP_SCAN_ERROR;
    tp_session_free(s);
}

static void task_alpn(struct scan *sc, size_t ai)
{
    struct tp_scan_alpn *p = &sc->r->alpn[ai];
    int vi = legacy_vi(sc->r);
    if (vi < 0) {
        /* TLS 1.3 only: the choice is in the encrypted extensions; one full handshake */
        if (sc->r->versions[4].accepted == TP_SCAN_YES)
            alpn13(sc, p);
        return;
    }
    struct tp_ch_spec s;
    struct tp_ch_key_share ks;
    struct tp_scan_answer a;
    spec_for(sc, versions[vi], sc->r->versions[vi].suites, sc->r->versions[vi].n_suites, &s, &ks);
    s.alpn = &p->name;
    s.n_alpn = 1;
    ask(sc, &s, false, &a);
    if (picked(&a, versions[vi]))
        p->accepted = a.has_alpn && !strcmp(a.alpn, p->name) ? TP_SCAN_YES : TP_SCAN_NO;
    else
        p->accepted = refused(&a) ? TP_SCAN_NO : TP_SCAN_ERROR;
    tp_scan_answer_free(&a);
}

static void task_misc(struct scan *sc)
{
    struct tp_scan_result *r = sc->r;
    int vi = legacy_vi(r);
    if (vi < 0)
        return;
    static const uint8_t deflate_null[] = { 1, 0 };
    struct tp_ch_spec s;
    struct tp_ch_key_share ks;
    struct tp_scan_answer a;
    /* Without the ticket extension: a server that issues tickets may leave the
     * session id empty when the client offers one (RFC 5077 §3.4). */
    spec_for(sc, versions[vi], r->versions[vi].suites, r->versions[vi].n_suites, &s, &ks);
    s.compression = deflate_null;
    s.n_compression = sizeof deflate_null;
    ask(sc, &s, false, &a);
    r->misc_version = versions[vi];
    if (picked(&a, versions[vi])) {
        r->session_id = a.sid_len ? TP_SCAN_YES : TP_SCAN_NO;
        r->secure_renegotiation = a.reneg ? TP_SCAN_YES : TP_SCAN_NO;
        r->compression = a.compression == 1 ? TP_SCAN_YES : TP_SCAN_NO;
    } else {
        r->session_id = r->secure_renegotiation = r->compression = TP_SCAN_ERROR;
    }
    tp_scan_answer_free(&a);
    spec_for(sc, versions[vi], r->versions[vi].suites, r->versions[vi].n_suites, &s, &ks);
    s.session_ticket = true;
    ask(sc, &s, false, &a);
    if (picked(&a, versions[vi]))
        r->session_ticket = a.ticket ? TP_SCAN_YES : TP_SCAN_NO;
    else
        r->session_ticket = TP_SCAN_ERROR;
    tp_scan_answer_free(&a);
}

/* The DH prime's size when only DHE suites are offered (nmap's "dh 2048"). */
static void task_dhe(struct scan *sc)
{
    struct tp_scan_result *r = sc->r;
    int vi = legacy_vi(r);
    uint16_t suites[TP_SCAN_MAX_SUITES];
    size_t n = vi >= 0 ? suites_where(&r->versions[vi], 6, suites) : 0;
    if (n == 0)
        return;
    struct tp_ch_spec s;
    struct tp_ch_key_share ks;
    struct tp_scan_answer a;
    spec_for(sc, versions[vi], suites, n, &s, &ks);
    ask(sc, &s, true, &a);
    if (picked(&a, versions[vi]) && a.have_ske)
        r->dhe_bits = (unsigned)a.ske_dh_bits;
    tp_scan_answer_free(&a);
}

static void task_chain(struct scan *sc, int which)
{
    struct tp_scan_chain *c = &sc->r->chains[which];
    int vi = legacy_vi(sc->r);
    if (vi < 0)
        return; /* TLS 1.3 only: the certificate is encrypted */
    uint16_t suites[TP_SCAN_MAX_SUITES];
    size_t n = suites_where(&sc->r->versions[vi], which == 0 ? 2 : 3, suites);
    if (n == 0) {
        c->found = TP_SCAN_NO;
        return;
    }
    struct tp_ch_spec s;
    struct tp_ch_key_share ks;
    struct tp_scan_answer a;
    spec_for(sc, versions[vi], suites, n, &s, &ks);
    if (versions[vi] == TP_TLS1_2) {
        s.sig_algs = which == 0 ? rsa_sigalgs : ecdsa_sigalgs;
        s.n_sig_algs = which == 0 ? COUNT(rsa_sigalgs) : COUNT(ecdsa_sigalgs);
    }
    ask(sc, &s, true, &a);
    if (picked(&a, versions[vi]) && a.n_der) {
        c->found = TP_SCAN_YES;
        c->version = a.version;
        c->suite = a.suite;
        for (size_t i = 0; i < a.n_der; i++) {
            c->der[i] = a.der[i];
            c->der_len[i] = a.der_len[i];
        }
        c->n = a.n_der;
        c->n_total = a.n_der_total;
        a.n_der = 0; /* moved */
    } else {
        c->found = refused(&a) || picked(&a, versions[vi]) ? TP_SCAN_NO : TP_SCAN_ERROR;
    }
    tp_scan_answer_free(&a);
}

/* One full TLS 1.3 handshake through the connect probe (wolfSSL): the
 * certificate (encrypted in TLS 1.3) and whether tickets for PSK resumption come. */
/* One full TLS 1.3 handshake through the connect probe (wolfSSL), offering alpn
 * (NULL: none). NULL when none could be made (the deadline, local trouble). */
static struct tp_session *full13(struct scan *sc, const char *alpn)
{
    int64_t left_ms = (sc->deadline_us - mono_us()) / 1000;
    if (left_ms <= 0)
        return NULL;
    struct tp_connect_opts co;
    memset(&co, 0, sizeof co);
    co.host = sc->o->host;
    co.port = sc->r->port;
    co.servername = sc->sni;
    co.no_sni = sc->sni == NULL;
    co.no_aia = true;
    co.only_version = TP_TLS1_3;
    co.alpn = alpn;
    co.timeout_ms = (int)(left_ms < 2 * sc->probe_ms ? left_ms : 2 * sc->probe_ms);
    co.starttls = TP_ST_NONE;
    struct tp_session *s = NULL;
    char err[256];
    pthread_mutex_lock(&sc->mu);
    sc->probes++;
    pthread_mutex_unlock(&sc->mu);
    if (tp_probe_connect(&co, &s, err, sizeof err) != TP_OK) {
        tp_session_free(s);
        return NULL;
    }
    return s;
}

static void task_full13(struct scan *sc)
{
    struct tp_scan_result *r = sc->r;
    struct tp_scan_chain *c = &r->chains[2];
    struct tp_session *s = full13(sc, NULL);
    if (!s) {
        c->found = r->tls13_psk = TP_SCAN_ERROR;
        return;
    }
    if (!s->handshake_complete) {
        c->found = r->tls13_psk = TP_SCAN_ERROR;
        tp_session_free(s);
        return;
    }
    r->tls13_psk = TP_SCAN_NO;
    for (size_t i = 0; i < s->n_msgs; i++)
        if (s->msgs[i].dir == TP_S2C && s->msgs[i].kind == TP_MSG_HANDSHAKE &&
            s->msgs[i].hs_type == TP_HS_NEW_SESSION_TICKET)
            r->tls13_psk = TP_SCAN_YES;
    c->found = s->server_chain.n ? TP_SCAN_YES : TP_SCAN_NO;
    c->version = s->version;
    c->suite = s->cipher;
    c->n_total = s->server_chain.n_total;
    for (size_t i = 0; i < s->server_chain.n && c->n < TP_SCAN_MAX_CERTS; i++) {
        struct tp_bytes d = s->server_chain.der[i];
        uint8_t *copy = malloc(d.len ? d.len : 1);
        if (!copy)
            break;
        memcpy(copy, d.p, d.len);
        c->der[c->n] = copy;
        c->der_len[c->n++] = d.len;
    }
    tp_session_free(s);
}

/* The group of an ECDSA leaf's curve (0: none or not P-256/384/521). */
static uint16_t leaf_curve(const struct tp_scan_chain *c)
{
    struct tp_cert_info *ci = NULL;
    uint16_t g = 0;
    if (c->found != TP_SCAN_YES || !c->n || tp_cert_parse(c->der[0], c->der_len[0], &ci) != TP_OK || !ci)
        return 0;
    if (!strcmp(ci->key_desc, "EC P-256"))
        g = 0x0017;
    else if (!strcmp(ci->key_desc, "EC P-384"))
        g = 0x0018;
    else if (!strcmp(ci->key_desc, "EC P-521"))
        g = 0x0019;
    tp_cert_free(ci);
    return g;
}

/* ---- the task runner: one phase's tasks over -j threads ---- */
enum task_kind { T_VERSION, T_CHUNK, T_ORDER, T_GROUP, T_DEFAULT, T_HYBRID, T_SIGALG, T_ALPN, T_MISC, T_CHAIN, T_FULL13, T_DHE };
struct task {
    enum task_kind kind;
    size_t i;
    struct chunk_job *chunk;
};
struct phase {
    struct scan *sc;
    struct task *t;
    size_t n, next;
};

static void run_one(struct scan *sc, const struct task *t)
{
    switch (t->kind) {
    case T_VERSION: task_version(sc, (int)t->i); break;
    case T_CHUNK: task_chunk(sc, t->chunk); break;
    case T_ORDER: task_order(sc, (int)t->i); break;
    case T_GROUP: task_group(sc, t->i); break;
    case T_DEFAULT: task_tls13_default(sc); break;
    case T_HYBRID: task_hybrid(sc); break;
    case T_SIGALG: task_sigalg(sc, t->i); break;
    case T_ALPN: task_alpn(sc, t->i); break;
    case T_MISC: task_misc(sc); break;
    case T_CHAIN: task_chain(sc, (int)t->i); break;
    case T_FULL13: task_full13(sc); break;
    case T_DHE: task_dhe(sc); break;
    }
}

static void *worker(void *arg)
{
    struct phase *ph = arg;
    for (;;) {
        pthread_mutex_lock(&ph->sc->mu);
        size_t i = ph->next++;
        pthread_mutex_unlock(&ph->sc->mu);
        if (i >= ph->n)
            return NULL;
        run_one(ph->sc, &ph->t[i]);
    }
}

/* A worker thread: the full handshake (task_full13) may have run ECC on it. */
static void *thread_main(void *arg)
{
    worker(arg);
    tp_wolf_thread_done();
    return NULL;
}

static void run_phase(struct scan *sc, struct task *t, size_t n)
{
    struct phase ph = { sc, t, n, 0 };
    pthread_t th[TP_SCAN_MAX_JOBS];
    size_t nt = 0, want = (size_t)sc->jobs < n ? (size_t)sc->jobs : n;
    for (size_t i = 1; i < want; i++)
        if (pthread_create(&th[nt], NULL, thread_main, &ph) == 0)
            nt++;
    worker(&ph); /* this thread works too */
    for (size_t i = 0; i < nt; i++)
        pthread_join(th[i], NULL);
}

static bool has(const uint16_t *v, size_t n, uint16_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static void phases(struct scan *sc)
{
    struct tp_scan_result *r = sc->r;
    struct task t[TP_SCAN_MAX_GROUPS + TP_SCAN_MAX_SIGALGS + TP_SCAN_MAX_ALPN + 16];
    size_t n = 0;
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++)
        t[n++] = (struct task){ .kind = T_VERSION, .i = (size_t)i };
    run_phase(sc, t, n);
    bool any = false;
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++)
        any |= r->versions[i].accepted != TP_SCAN_ERROR;
    if (!any) {
        r->unreachable = true;
        snprintf(r->error, sizeof r->error, "%s",
                 sc->timed_out ? "no answer before the deadline (--timeout)"
                 : sc->first_error[0] ? sc->first_error : "no answer");
        return;
    }

    /* suites */
    size_t n_jobs = 0, cap = TP_SCAN_N_VERSIONS * (sizeof sc->legacy / sizeof sc->legacy[0] / CHUNK + 2);
    struct chunk_job *jobs = calloc(cap, sizeof *jobs);
    struct task *ct = calloc(cap, sizeof *ct);
    if (!jobs || !ct) {
        free(jobs);
        free(ct);
        snprintf(r->error, sizeof r->error, "out of memory");
        return;
    }
    for (int vi = 0; vi < TP_SCAN_N_VERSIONS; vi++) {
        if (r->versions[vi].accepted != TP_SCAN_YES)
            continue;
        const uint16_t *list = vi == 4 ? sc->tls13 : sc->legacy;
        size_t total = vi == 4 ? sc->n_tls13 : sc->n_legacy;
        for (size_t off = 0; off < total && n_jobs < cap; off += CHUNK) {
            struct chunk_job *j = &jobs[n_jobs];
            j->vi = vi;
            j->n = total - off < CHUNK ? total - off : CHUNK;
            memcpy(j->offer, list + off, j->n * sizeof list[0]);
            ct[n_jobs] = (struct task){ .kind = T_CHUNK, .chunk = j };
            n_jobs++;
        }
    }
    run_phase(sc, ct, n_jobs);
    for (int vi = 0; vi < TP_SCAN_N_VERSIONS; vi++)
        r->versions[vi].suites_complete = r->versions[vi].accepted == TP_SCAN_YES;
    for (size_t k = 0; k < n_jobs; k++) {
        struct tp_scan_version *v = &r->versions[jobs[k].vi];
        for (size_t i = 0; i < jobs[k].n_found && v->n_suites < TP_SCAN_MAX_SUITES; i++)
            if (!has(v->suites, v->n_suites, jobs[k].found[i]))
                v->suites[v->n_suites++] = jobs[k].found[i];
        if (!jobs[k].complete)
            v->suites_complete = false;
    }
    free(jobs);
    free(ct);

    /* whose order wins, and the suites in the server's order: its own phase, since
     * every later question reads the suites and the order */
    n = 0;
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++)
        if (r->versions[i].n_suites >= 2)
            t[n++] = (struct task){ .kind = T_ORDER, .i = (size_t)i };
    run_phase(sc, t, n);

    /* the chains per key type (the ECDSA leaf's curve is needed for TLS 1.2 curves) */
    r->chains[0].key_type = "RSA";
    r->chains[1].key_type = "ECDSA";
    t[0] = (struct task){ .kind = T_CHAIN, .i = 0 };
    t[1] = (struct task){ .kind = T_CHAIN, .i = 1 };
    n = 2;
    if (r->versions[4].accepted == TP_SCAN_YES && r->versions[4].n_suites)
        t[n++] = (struct task){ .kind = T_DEFAULT };
    run_phase(sc, t, n);
    sc->ecdsa_curve = leaf_curve(&r->chains[1]);
    if (r->tls13_default_hrr && r->tls13_default_group == SECP256R1)
        sc->share13 = SECP256R1; /* later TLS 1.3 questions get a ServerHello, not an HRR */

    /* everything else that needs the suites */
    n = 0;
    r->n_groups = COUNT(all_groups);
    for (size_t i = 0; i < r->n_groups; i++) {
        r->groups[i].id = all_groups[i];
        t[n++] = (struct task){ .kind = T_GROUP, .i = i };
    }
    r->hybrid.id = HYBRID;
    if (r->versions[4].accepted == TP_SCAN_YES && r->versions[4].n_suites) {
        t[n++] = (struct task){ .kind = T_HYBRID };
    }
    r->n_sigalgs = COUNT(all_sigalgs);
    for (size_t i = 0; i < r->n_sigalgs; i++) {
        r->sigalgs[i].id = all_sigalgs[i];
        t[n++] = (struct task){ .kind = T_SIGALG, .i = i };
    }
    r->n_alpn = COUNT(alpn_names);
    for (size_t i = 0; i < r->n_alpn; i++) {
        r->alpn[i].name = alpn_names[i];
        t[n++] = (struct task){ .kind = T_ALPN, .i = i };
    }
    t[n++] = (struct task){ .kind = T_MISC };
    t[n++] = (struct task){ .kind = T_DHE };
    r->chains[2].key_type = "TLS 1.3";
    if (r->versions[4].accepted == TP_SCAN_YES)
        t[n++] = (struct task){ .kind = T_FULL13 };
    run_phase(sc, t, n);
}

static bool is_ip_literal(const char *h)
{
    struct in6_addr a6;
    struct in_addr a4;
    return inet_pton(AF_INET, h, &a4) == 1 || inet_pton(AF_INET6, h, &a6) == 1;
}

enum tp_err tp_scan(const struct tp_scan_opts *o, struct tp_scan_result **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!o->host || !o->host[0] || strlen(o->host) >= sizeof((struct tp_scan_result *)0)->host) {
        snprintf(err, errlen, "a host to scan is needed");
        return TP_ERR_USAGE;
    }
    if (o->jobs < 0 || o->jobs > TP_SCAN_MAX_JOBS) {
        snprintf(err, errlen, "-j: from 1 to %d", TP_SCAN_MAX_JOBS);
        return TP_ERR_USAGE;
    }
    struct tp_scan_result *r = calloc(1, sizeof *r);
    struct scan *sc = calloc(1, sizeof *sc);
    if (!r || !sc) {
        free(r);
        free(sc);
        snprintf(err, errlen, "out of memory");
        return TP_ERR_NOMEM;
    }
    int64_t t0 = mono_us();
    sc->o = o;
    sc->r = r;
    sc->jobs = o->jobs ? o->jobs : 4;
    sc->probe_ms = o->probe_timeout_ms > 0 ? o->probe_timeout_ms : 5000;
    sc->deadline_us = t0 + (int64_t)(o->timeout_ms > 0 ? o->timeout_ms : 60000) * 1000;
    sc->sni = o->servername ? o->servername : (is_ip_literal(o->host) ? NULL : o->host);
    pthread_mutex_init(&sc->mu, NULL);
    for (uint32_t id = 0; id <= 0xffff; id++) {
        const struct tp_suite_info *si = tp_suite_info((uint16_t)id);
        if (!si || id == 0x00ff || id == 0x5600)
            continue;
        if (si->tls13 && sc->n_tls13 < COUNT(sc->tls13))
            sc->tls13[sc->n_tls13++] = (uint16_t)id;
        else if (!si->tls13 && sc->n_legacy < COUNT(sc->legacy))
            sc->legacy[sc->n_legacy++] = (uint16_t)id;
    }
    snprintf(r->host, sizeof r->host, "%s", o->host);
    r->port = o->port ? o->port : 443;
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++)
        r->versions[i].version = versions[i];
    r->tls13_psk = TP_SCAN_NOT_TESTED;

    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG }, *res = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)r->port);
    int rc = getaddrinfo(o->host, port, &hints, &res);
    if (rc != 0 || !res) {
        r->unreachable = true;
        snprintf(r->error, sizeof r->error, "cannot resolve %s: %s", o->host, gai_strerror(rc));
    } else {
        memcpy(&sc->addr, res->ai_addr, res->ai_addrlen);
        sc->addrlen = res->ai_addrlen;
        if (getnameinfo(res->ai_addr, res->ai_addrlen, r->address, sizeof r->address, NULL, 0, NI_NUMERICHOST) != 0)
            r->address[0] = 0;
        freeaddrinfo(res);
        phases(sc);
    }
    r->probes = sc->probes;
    r->timed_out = sc->timed_out;
    r->elapsed_us = mono_us() - t0;
    pthread_mutex_destroy(&sc->mu);
    free(sc);
    *out = r;
    return TP_OK;
}

void tp_scan_free(struct tp_scan_result *r)
{
    if (!r)
        return;
    for (int k = 0; k < TP_SCAN_N_CHAINS; k++)
        for (size_t i = 0; i < r->chains[k].n; i++)
            free(r->chains[k].der[i]);
    free(r);
}
