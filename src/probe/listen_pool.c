/* The server probe's worker pool (see listen.c for the design): workers, the
 * accept duty and how a worker waits for its client while it watches the
 * listening socket. */
#include "probe/listen_int.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe/wolf.h"

static int ms_left(int64_t deadline_mono_us)
{
    int64_t left = deadline_mono_us - tp_wolf_mono_us();
    if (left <= 0)
        return 0;
    return (int)((left + 999) / 1000);
}

static void duty_handoff(struct lworker *w);
static void linger_begin(struct lworker *w);

/* What a worker does while a client keeps it waiting: the next connection's
 * WOLFSSL, so that its handshake does not wait for wolfSSL_new (which seeds and
 * health-tests a DRBG: about 20 µs). Measured: the same CPU, and the sequential
 * handshake rate up by about 2.5 %. (Running the last connection's report in
 * that time instead was measured too: it made the rate worse, 0.94 against
 * 0.98 of s_server's, as it competes with the client for the CPU.) */
void listen_idle_work(void *arg)
{
    struct lworker *w = arg;
    if (!w->next_ssl)
        w->next_ssl = wolfSSL_new(w->srv->ctx);
}

/* Wait until fd is ready for ev or until_mono_us. While w holds the accept duty
 * the listening socket is watched too: a new client while ours keeps us waiting
 * passes the duty on at once (not when ours is ready too: then we are not
 * blocked, and a sequential client's next connection is often there already).
 * 1 ready, 0 time is up, -1 error. */
int listen_wait(void *arg, int fd, short ev, int64_t until_mono_us)
{
    struct lworker *w = arg;
    for (;;) {
        int ms = ms_left(until_mono_us);
        if (ms <= 0)
            return 0;
        /* after the handshake: LISTEN_SPIN_MS for the request, then not busy */
        bool spin = w && w->after_hs && !w->lingering;
        if (spin && ms > LISTEN_SPIN_MS)
            ms = LISTEN_SPIN_MS;
        bool duty = w && atomic_load(&w->duty);
        struct pollfd p[2] = { { fd, ev, 0 }, { duty ? w->srv->lfd : -1, POLLIN, 0 } };
        if (duty)
            atomic_store(&w->busy_since, 0);
        int r = poll(p, 2, ms);
        if (duty)
            atomic_store(&w->busy_since, tp_wolf_mono_us());
        if (r < 0 && errno != EINTR)
            return -1;
        if (r == 0 && spin)
            linger_begin(w);
        if (r <= 0)
            continue;
        if (p[0].revents)
            return 1; /* our client first: we are not blocked, accept() comes soon */
        duty_handoff(w); /* a new client, and ours keeps us waiting */
    }
}

/* recv() on w's connection that waits until until_mono_us: first blocking (up to LISTEN_SPIN_MS,
 * when that ends before until_mono_us), then in listen_wait(). -1 with errno ETIMEDOUT
 * when the time is up, else what recv returned. */
ssize_t listen_recv(void *arg, int fd, void *buf, size_t len, int64_t until_mono_us)
{
    struct lworker *w = arg;
    bool spin = w->srv->spin && until_mono_us - tp_wolf_mono_us() > (int64_t)LISTEN_SPIN_MS * 1000;
    for (;;) {
        ssize_t n = recv(fd, buf, len, spin ? 0 : MSG_DONTWAIT);
        if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return n;
        spin = false;
        listen_idle_work(w); /* the client takes its time */
        int wr = listen_wait(w, fd, POLLIN, until_mono_us);
        if (wr == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (wr < 0)
            return -1;
    }
}

static void *worker_main(void *arg);

/* Workers neither parked nor waiting after their handshake (srv->mu held). */
static size_t busy_workers(const struct lsrv *srv)
{
    return srv->n_threads - srv->n_idle - srv->n_lingering;
}

bool listen_may_work(const struct lsrv *srv)
{
    return busy_workers(srv) < TP_MAX_LISTEN_WORKERS;
}

bool listen_start_worker(struct lsrv *srv, bool duty)
{
    if (srv->n_threads >= TP_MAX_LISTEN_THREADS || !listen_may_work(srv) || srv->stopping)
        return false;
    size_t i = srv->n_threads;
    struct lworker *w = &srv->workers[i];
    w->srv = srv;
    w->idx = i;
    w->parked = false;
    w->next_ssl = NULL;
    w->ahead = malloc(LISTEN_AHEAD_LEN);
    w->tw = tp_worker_new();
    if (!w->ahead || !w->tw) {
        free(w->ahead);
        tp_worker_free(w->tw);
        w->ahead = NULL;
        w->tw = NULL;
        return false;
    }
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
        free(w->ahead);
        tp_worker_free(w->tw);
        w->ahead = NULL;
        w->tw = NULL;
        return false;
    }
    srv->n_threads++;
    if (duty)
        srv->duty_holder = w;
    return true;
}

bool listen_wake_one(struct lsrv *srv, bool duty)
{
    if (srv->stopping || !listen_may_work(srv))
        return false;
    if (srv->n_idle > 0) {
        struct lworker *n = &srv->workers[srv->idle[--srv->n_idle]];
        n->parked = false;
        if (duty) {
            atomic_store(&n->busy_since, tp_wolf_mono_us());
            atomic_store(&n->duty, true);
            srv->duty_holder = n;
        }
        pthread_cond_signal(&n->cv);
        return true;
    }
    return listen_start_worker(srv, duty);
}

/* The accept duty goes to the most recently parked worker, else to a new one,
 * else (all busy) to whichever worker finishes first. */
void listen_duty_give(struct lsrv *srv)
{
    srv->duty_holder = NULL;
    if (!srv->stopping && !listen_wake_one(srv, true))
        srv->duty_free = true;
}

/* w has waited LISTEN_SPIN_MS after its handshake for the client's request: it
 * no longer counts as busy, so the duty nobody could take, or a connection the
 * gate made ready, gets a worker now instead of when one finishes; and its ECC
 * cache goes (rebuilt in ~0.1 ms on its next handshake), so the threads that
 * wait cost their stacks, not caches. */
static void linger_begin(struct lworker *w)
{
    struct lsrv *srv = w->srv;
    pthread_mutex_lock(&srv->mu);
    w->lingering = true;
    srv->n_lingering++;
    if (srv->duty_free) {
        if (listen_wake_one(srv, true))
            srv->duty_free = false;
    } else if (srv->n_ready > 0) {
        (void)listen_wake_one(srv, false);
    }
    pthread_mutex_unlock(&srv->mu);
    tp_wolf_thread_done();
}

void listen_linger_end(struct lworker *w)
{
    struct lsrv *srv = w->srv;
    pthread_mutex_lock(&srv->mu);
    if (w->lingering) {
        w->lingering = false;
        srv->n_lingering--;
    }
    w->after_hs = false;
    pthread_mutex_unlock(&srv->mu);
}

/* w saw a client waiting while busy with its own: pass the duty on. */
static void duty_handoff(struct lworker *w)
{
    struct lsrv *srv = w->srv;
    pthread_mutex_lock(&srv->mu);
    if (atomic_load(&w->duty)) {
        atomic_store(&w->duty, false);
        listen_duty_give(srv);
    }
    pthread_mutex_unlock(&srv->mu);
}

/* Serve one connection and close it (srv->mu not held). */
static void serve_job(struct lsrv *srv, struct lworker *w, const struct ljob *job)
{
    pthread_mutex_lock(&srv->mu);
    srv->active_fd[w->idx] = job->fd;
    pthread_mutex_unlock(&srv->mu);
    listen_serve(srv, job, w);
    pthread_mutex_lock(&srv->mu);
    srv->active_fd[w->idx] = -1;
    pthread_mutex_unlock(&srv->mu);
    close(job->fd);
}

/* A connection just accepted: its first record may be there already, or come
 * within LISTEN_SPIN_MS (watching the listening socket meanwhile); else it
 * goes to the gate and this worker is free. true: the gate has it. */
static bool gate_if_slow(struct lsrv *srv, struct lworker *w, struct ljob *job)
{
    int need = listen_first_ready(job, w->ahead, LISTEN_AHEAD_LEN);
    int64_t until = tp_wolf_mono_us() + (int64_t)LISTEN_SPIN_MS * 1000;
    while (need && tp_wolf_mono_us() < until) {
        int lowat = need;
        (void)setsockopt(job->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);
        if (listen_wait(w, job->fd, POLLIN, until) <= 0)
            break;
        need = listen_first_ready(job, w->ahead, LISTEN_AHEAD_LEN);
    }
    if (need && listen_gate_add(srv, job, need))
        return true;
    int one = 1;
    if (need > 1)
        (void)setsockopt(job->fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
    return false;
}

static void *worker_main(void *arg)
{
    struct lworker *w = arg;
    struct lsrv *srv = w->srv;
    pthread_mutex_lock(&srv->mu);
    for (;;) {
        /* Without the duty: a connection the gate made ready, or the duty if
         * nobody could take it, else park until given either. */
        while (!atomic_load(&w->duty) && !srv->stopping) {
            struct ljob ready;
            /* back from a long wait after a handshake, with the busy ones at
             * the cap already: park (see TP_MAX_LISTEN_THREADS) */
            bool over = busy_workers(srv) > TP_MAX_LISTEN_WORKERS;
            if (!over && listen_ready_pop(srv, &ready)) {
                pthread_mutex_unlock(&srv->mu);
                serve_job(srv, w, &ready);
                pthread_mutex_lock(&srv->mu);
                continue;
            }
            if (!over && srv->duty_free) {
                srv->duty_free = false;
                atomic_store(&w->duty, true);
                srv->duty_holder = w;
                break;
            }
            if (!w->parked) {
                if (srv->n_threads > TP_MAX_LISTEN_WORKERS)
                    tp_wolf_thread_done(); /* many threads: a parked one keeps no ECC cache */
                w->parked = true;
                srv->idle[srv->n_idle++] = w->idx;
            }
            pthread_cond_wait(&w->cv, &srv->mu); /* duty_give takes us off srv->idle */
        }
        if (srv->stopping)
            break;
        pthread_mutex_unlock(&srv->mu);

        struct ljob job = { .first_err = 0 };
        socklen_t pl = sizeof job.peer;
        /* Stopping shuts the listening socket down, which ends accept() (EINVAL)
         * and the poll() below. accept() gives up after LISTEN_SPIN_MS (the
         * SO_RCVTIMEO the connections inherit): an idle server then waits in
         * poll(), a busy one never gets there. */
        atomic_store(&w->busy_since, 0);
        job.fd = accept4(srv->lfd, (struct sockaddr *)&job.peer, &pl, SOCK_CLOEXEC);
        if (job.fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            listen_idle_work(w); /* nobody came within LISTEN_SPIN_MS */
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
        pthread_mutex_unlock(&srv->mu);
        /* Another client already waiting too: clients are coming concurrently,
         * serve them in parallel (pass the duty on now rather than at our
         * first wait). A sequential client never has a second one waiting. */
        struct pollfd lp = { srv->lfd, POLLIN, 0 };
        if (poll(&lp, 1, 0) > 0)
            duty_handoff(w);
        if (!gate_if_slow(srv, w, &job))
            serve_job(srv, w, &job);
        pthread_mutex_lock(&srv->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    if (w->next_ssl)
        wolfSSL_free(w->next_ssl);
    w->next_ssl = NULL;
    tp_wolf_thread_done();
    return NULL;
}
