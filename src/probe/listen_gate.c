/* The server probe's gate: accepted connections whose client has not yet sent
 * its first complete record wait here, in one epoll set owned by one thread,
 * instead of holding a worker. A worker takes a connection back (the ready
 * queue, srv->ready) only when the first record is in the socket's receive
 * queue (or the client sent something that is not TLS, closed, reset, or its
 * deadline passed), so a slow or silent client (one byte a second, idle after
 * connect) costs a file descriptor and a struct ljob until --timeout, not a
 * thread. Nothing is read here: the bytes are only peeked at (MSG_PEEK), and
 * SO_RCVLOWAT makes epoll wake up only when the missing bytes are there, so
 * the worker reads exactly what it would have read without the gate. */
#include "probe/listen_int.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "probe/wolf.h"
#include "tlsprobe/framer.h"

static void set_lowat(int fd, int n)
{
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &n, sizeof n);
}

int listen_first_ready(struct ljob *job, uint8_t *buf, size_t cap)
{
    ssize_t n = recv(job->fd, buf, cap, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0)
        return 0; /* EOF: the worker reads it */
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return 1;
        job->first_err = errno; /* the error is consumed by this recv: keep it */
        return 0;
    }
    size_t have = (size_t)n;
    if (have < 5)
        return 5;
    if (tp_frame_start(buf, have, TP_START_EARLY | TP_START_SSLV2_ANY) != TP_START_TLS)
        return 0; /* not TLS, an SSLv2 hello: decided at once */
    size_t need = 5 + ((size_t)buf[3] << 8 | buf[4]);
    if (need > cap)
        need = cap;
    return have >= need ? 0 : (int)need;
}

/* ---- the ready queue (under srv->mu) ---- */

bool listen_ready_pop(struct lsrv *srv, struct ljob *out)
{
    if (!srv->n_ready)
        return false;
    *out = srv->ready[srv->ready_head];
    srv->ready_head = (srv->ready_head + 1) % LISTEN_GATE_MAX;
    srv->n_ready--;
    return true;
}

/* Queue a connection for the workers and wake one (a parked one, else a new
 * one; else, all busy, the first to finish takes it). Called with srv->mu held. */
static void ready_push(struct lsrv *srv, const struct ljob *job)
{
    set_lowat(job->fd, 1);
    srv->ready[(srv->ready_head + srv->n_ready) % LISTEN_GATE_MAX] = *job;
    srv->n_ready++;
    (void)listen_wake_one(srv, false);
}

/* ---- the gate thread ---- */

struct gate {
    struct lsrv *srv;
    struct ljob held[LISTEN_GATE_MAX];
    bool used[LISTEN_GATE_MAX];
    size_t n;
    int64_t next;                    /* the earliest deadline held (monotonic µs) */
    uint8_t peek[LISTEN_AHEAD_LEN];
};

bool listen_gate_add(struct lsrv *srv, const struct ljob *job, int need)
{
    pthread_mutex_lock(&srv->gate_mu);
    struct gate *g = srv->gate;
    bool ok = false;
    pthread_mutex_lock(&srv->mu);
    bool room = g && !srv->stopping && g->n + srv->n_ready < LISTEN_GATE_MAX;
    pthread_mutex_unlock(&srv->mu);
    if (room) {
        size_t i = 0;
        while (g->used[i])
            i++;
        g->held[i] = *job;
        g->used[i] = true;
        set_lowat(job->fd, need);
        struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u64 = i };
        ok = epoll_ctl(srv->gate_ep, EPOLL_CTL_ADD, job->fd, &ev) == 0;
        if (ok) {
            g->n++;
            if (job->t_mono_us + srv->timeout_us < g->next)
                g->next = job->t_mono_us + srv->timeout_us;
        } else {
            g->used[i] = false;
            set_lowat(job->fd, 1);
        }
    }
    pthread_mutex_unlock(&srv->gate_mu);
    return ok;
}

/* Slot i leaves the gate for the workers. gate_mu held. */
static void gate_release(struct lsrv *srv, struct gate *g, size_t i)
{
    (void)epoll_ctl(srv->gate_ep, EPOLL_CTL_DEL, g->held[i].fd, NULL);
    g->used[i] = false;
    g->n--;
    pthread_mutex_lock(&srv->mu);
    if (srv->stopping)
        close(g->held[i].fd);
    else
        ready_push(srv, &g->held[i]);
    pthread_mutex_unlock(&srv->mu);
}

/* Connections past their deadline go to a worker, which reports the timeout;
 * the next deadline (monotonic µs, INT64_MAX: none). gate_mu held. */
static int64_t gate_expire(struct lsrv *srv, struct gate *g, int64_t now)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < LISTEN_GATE_MAX && g->n; i++) {
        if (!g->used[i])
            continue;
        int64_t dl = g->held[i].t_mono_us + srv->timeout_us;
        if (dl <= now)
            gate_release(srv, g, i);
        else if (dl < next)
            next = dl;
    }
    return next;
}

static void *gate_main(void *arg)
{
    struct lsrv *srv = arg;
    struct gate *g = srv->gate;
    struct epoll_event evs[64];
    for (;;) {
        int64_t now = tp_wolf_mono_us();
        pthread_mutex_lock(&srv->gate_mu);
        if (now >= g->next)
            g->next = gate_expire(srv, g, now);
        int64_t next = g->next;
        bool stop = srv->gate_stop;
        pthread_mutex_unlock(&srv->gate_mu);
        if (stop)
            break;
        /* a new arrival's deadline is seen at the next wake: at least every
         * 100 ms, which also sees the stop flag */
        int64_t wait = next == INT64_MAX ? 100000 : next - now;
        int ms = wait > 100000 ? 100 : (int)((wait + 999) / 1000);
        int r = epoll_wait(srv->gate_ep, evs, 64, ms);
        pthread_mutex_lock(&srv->gate_mu);
        for (int k = 0; k < r; k++) {
            size_t i = (size_t)evs[k].data.u64;
            if (i >= LISTEN_GATE_MAX || !g->used[i])
                continue;
            int need = 0;
            if (!(evs[k].events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)))
                need = listen_first_ready(&g->held[i], g->peek, sizeof g->peek);
            if (need > 1)
                set_lowat(g->held[i].fd, need); /* a header came: now its body */
            else if (need == 0)
                gate_release(srv, g, i);
        }
        pthread_mutex_unlock(&srv->gate_mu);
    }
    pthread_mutex_lock(&srv->gate_mu);
    for (size_t i = 0; i < LISTEN_GATE_MAX; i++)
        if (g->used[i]) {
            close(g->held[i].fd);
            g->used[i] = false;
        }
    g->n = 0;
    pthread_mutex_unlock(&srv->gate_mu);
    return NULL;
}

bool listen_gate_start(struct lsrv *srv)
{
    srv->gate = calloc(1, sizeof *srv->gate);
    srv->ready = calloc(LISTEN_GATE_MAX, sizeof *srv->ready);
    srv->gate_ep = srv->gate && srv->ready ? epoll_create1(EPOLL_CLOEXEC) : -1;
    pthread_mutex_init(&srv->gate_mu, NULL);
    if (srv->gate_ep < 0) {
        free(srv->gate);
        srv->gate = NULL;
        return false;
    }
    srv->gate->srv = srv;
    sigset_t sigs, old;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    srv->gate_running = pthread_create(&srv->gate_thread, NULL, gate_main, srv) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!srv->gate_running) {
        close(srv->gate_ep);
        srv->gate_ep = -1;
        free(srv->gate);
        srv->gate = NULL;
    }
    return srv->gate_running;
}

void listen_gate_stop(struct lsrv *srv)
{
    if (srv->gate_running) {
        pthread_mutex_lock(&srv->gate_mu);
        srv->gate_stop = true;
        pthread_mutex_unlock(&srv->gate_mu);
        pthread_join(srv->gate_thread, NULL);
        srv->gate_running = false;
    }
    if (srv->gate_ep >= 0)
        close(srv->gate_ep);
    srv->gate_ep = -1;
    free(srv->gate);
    srv->gate = NULL;
    /* connections queued for workers that never came (stopping) */
    struct ljob j;
    while (listen_ready_pop(srv, &j))
        close(j.fd);
    free(srv->ready);
    srv->ready = NULL;
    pthread_mutex_destroy(&srv->gate_mu);
}
