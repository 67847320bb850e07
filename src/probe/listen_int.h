/* Private to the server probe (listen*.c): its shared state and the seams
 * between its files.
 *   listen.c        set-up, the calling thread's watch loop, stop and teardown
 *   listen_pool.c   the worker pool, the accept duty, waiting while watching the
 *                   listening socket (the recorder's recv/wait policy)
 *   listen_gate.c   the gate: connections whose first record has not come yet
 *                   wait in one epoll thread, not in a worker
 *   listen_conn.c   one connection from accept to report: first bytes, not-TLS
 *                   peers, the handshake on wolf.c's recorder, the HTTP answer,
 *                   client-certificate verdict, judging and reporting
 * Concurrency, in one paragraph: see listen.c's opening comment. */
#ifndef TLSPROBE_PROBE_LISTEN_INT_H
#define TLSPROBE_PROBE_LISTEN_INT_H
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "tlsprobe/limits.h"
#include "tlsprobe/pcapw.h"
#include "tlsprobe/probe.h"
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
/* The read-ahead buffer of a worker: one record and its header. */
#define LISTEN_AHEAD_LEN (TP_MAX_RECORD_LEN + 5)

/* Connections the gate holds at once (waiting for their first record, or
 * queued for a worker); beyond it a worker waits for the client itself. */
#define LISTEN_GATE_MAX 4096

struct ljob {
    int fd;
    int first_err;                   /* the gate's peek got this error (no byte came), else 0 */
    int64_t t_wall_us, t_mono_us;
    struct sockaddr_storage peer, local;
};

struct lsrv;
struct lworker {
    struct lsrv *srv;
    size_t idx;
    uint8_t *ahead;                  /* LISTEN_AHEAD_LEN: the recorder's read-ahead, reused */
    struct tp_worker *tw;            /* the decoder's working memory, lent to each session */
    WOLFSSL *next_ssl;               /* made ahead for the next connection (listen_idle_work) */
    pthread_cond_t cv;               /* parked: woken with the duty, or to stop */
    bool parked;                     /* on srv->idle (under srv->mu) */
    atomic_bool duty;                /* holds the accept duty (changed under srv->mu) */
    /* Duty holder: 0 while in accept() or watching the listening socket, else
     * since when (monotonic µs) it has not been: the calling thread's watchdog. */
    _Atomic int64_t busy_since;
    /* After the handshake (post_handshake): waiting for the client's request.
     * lingering (under srv->mu): it has waited LISTEN_SPIN_MS and no longer
     * counts as busy (srv->n_lingering). */
    bool after_hs;
    bool lingering;
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
    struct tp_cert_cache *certs;     /* certificate summaries, lent to every session */
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
    pthread_t threads[TP_MAX_LISTEN_THREADS];
    struct lworker workers[TP_MAX_LISTEN_THREADS];
    int active_fd[TP_MAX_LISTEN_THREADS];
    size_t n_threads;
    /* Workers waiting after their handshake for longer than LISTEN_SPIN_MS: not
     * busy. Busy = n_threads - n_idle - n_lingering, at most TP_MAX_LISTEN_WORKERS. */
    size_t n_lingering;
    /* Parked workers, most recently parked on top: the duty goes to the top one,
     * so a light load keeps using the same few threads (and their per-thread
     * wolfSSL ECC caches, several MiB each) instead of the whole pool. */
    size_t idle[TP_MAX_LISTEN_THREADS];
    size_t n_idle;
    struct lworker *duty_holder;     /* NULL: nobody (pool full and busy, or stopping) */
    bool duty_free;                  /* nobody could take the duty: the next free worker does */
    bool stopping;

    /* The gate (listen_gate.c): its thread, epoll set and held connections
     * (under gate_mu); the ready queue (under mu) of connections for workers. */
    struct gate *gate;
    int gate_ep;
    pthread_mutex_t gate_mu;
    pthread_t gate_thread;
    bool gate_running, gate_stop;
    struct ljob *ready;              /* ring of LISTEN_GATE_MAX */
    size_t ready_head, n_ready;

    pthread_mutex_t out_mu;          /* on_session, key log file, reported */
    int reported;
    pthread_mutex_t verify_mu;       /* tp_chain_verify on the shared stores */
};

/* listen_pool.c */
/* Start one more worker, with the accept duty or not. Called with srv->mu held. */
bool listen_start_worker(struct lsrv *srv, bool duty);
/* Give the duty to the most recently parked worker, a new one, or the first to
 * finish. Called with srv->mu held, after the previous holder's flag was cleared. */
void listen_duty_give(struct lsrv *srv);
/* The recorder's policy for a worker's connection (struct tp_wolf_io; arg is
 * the struct lworker): recv blocking first, waits that watch the listening
 * socket, the next WOLFSSL made while the client keeps us waiting. */
ssize_t listen_recv(void *w, int fd, void *buf, size_t len, int64_t until_mono_us);
int listen_wait(void *w, int fd, short ev, int64_t until_mono_us);
void listen_idle_work(void *w);
/* Whether one more worker may be busy (srv->mu held). */
bool listen_may_work(const struct lsrv *srv);
/* Wake a parked worker, else start one, if one more may be busy: for the ready
 * queue or the duty (srv->mu held). true: done. */
bool listen_wake_one(struct lsrv *srv, bool duty);
/* w stops waiting for its client's request (end of post_handshake). */
void listen_linger_end(struct lworker *w);

/* listen_gate.c */
/* Whether the client's first record is in the socket's receive queue (peeked,
 * not read; buf is scratch of cap bytes): 0 ready (or not TLS, EOF, an error
 * kept in job->first_err), 1 nothing yet, else the bytes needed in all. */
int listen_first_ready(struct ljob *job, uint8_t *buf, size_t cap);
/* Hand a connection to the gate until its first record (need: as above) or its
 * deadline; false: the gate is full or not running (the caller serves it). */
bool listen_gate_add(struct lsrv *srv, const struct ljob *job, int need);
/* A connection the gate made ready, for a worker without the duty (srv->mu held). */
bool listen_ready_pop(struct lsrv *srv, struct ljob *out);
bool listen_gate_start(struct lsrv *srv);
void listen_gate_stop(struct lsrv *srv);

/* listen_conn.c */
/* Serve one accepted connection, accept to report. */
void listen_serve(struct lsrv *srv, const struct ljob *job, struct lworker *w);

/* listen.c */
/* The listening socket's address as text ("" and 0 when unknown). */
void listen_addr_text(const struct sockaddr_storage *ss, char *ip, size_t iplen, uint16_t *port);

#endif
