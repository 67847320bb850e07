/* Private to the capture module: the finisher thread (finisher.c), used by the
 * capture decoder (capture.c) with opts.threaded. */
#ifndef TP_CAPTURE_INT_H
#define TP_CAPTURE_INT_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/session.h"

/* Finished sessions waiting for the finisher thread (bounds the memory they hold). */
#define FIN_QUEUE 128
#define FIN_BATCH 32
struct finish_job {
    struct tp_session *s;
    unsigned long index;
    uint8_t why;                      /* the capture's end reason */
    bool midstream;
};
/* Judges one session on the finisher thread (the session has been lent that
 * thread's worker). */
typedef void (*finish_fn)(void *ctx, const struct finish_job *j);
struct finisher {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t to_worker, to_main;
    finish_fn judge;
    void *ctx;
    struct finish_job q[FIN_QUEUE];
    size_t head, n;
    /* Judged sessions go back to the reader thread to be freed: their memory came
     * from its malloc arena, where it is reused at once without a contended lock. */
    struct tp_session *done[FIN_QUEUE];
    size_t n_done;
    bool started, failed, stop, idle, busy, main_waiting;
};
/* Start the thread (once; false when it cannot: judge on the caller's thread). */
bool finisher_start(struct finisher *fin, finish_fn judge, void *ctx);
/* Queue a session (waits while the queue is full); frees sessions given back.
 * True when the finisher is behind (half the queue or more waits for it). */
bool finisher_push(struct finisher *fin, const struct finish_job *j);
/* Wait until every queued session has been judged; free them. */
void finisher_drain(struct finisher *fin);
/* Stop the thread; what is still queued is freed without being judged. */
void finisher_stop(struct finisher *fin);


/* ---- DTLS over UDP (udp.c) ----
 * UDP flows by their direction-independent 5-tuple; a flow is tracked from a
 * datagram that starts with a DTLS ClientHello (any port; its sender is the
 * client) and its datagrams go whole to the session (tp_session_feed_datagram).
 * A flow ends after a fatal alert or an alert from each side, at the end of the
 * capture, after TP_UDP_IDLE_US without a datagram, or evicted when
 * TP_UDP_MAX_FLOWS are open. */
enum { TP_UDP_END_EOF, TP_UDP_END_EVICTED, TP_UDP_END_IDLE, TP_UDP_END_CLOSED };
struct tp_pkt;
struct tp_udp_flows;
struct tp_udp_hooks {
    /* a new session (keys, worker, cert cache set), its index in *index; NULL: none */
    struct tp_session *(*open)(void *ctx, int64_t first_us, unsigned long *index);
    /* the flow ended (why: TP_UDP_END_*): judge and hand out s */
    void (*done)(void *ctx, struct tp_session *s, unsigned long index, int why);
    void *ctx;
    /* a datagram of s's flow (dir 0: from the flow's first sender, the client); may be NULL */
    void (*seen)(void *ctx, struct tp_session *s, int dir, int64_t t_us);
};
struct tp_udp_flows *tp_udp_flows_new(void);
/* One UDP datagram; false when it belongs to no DTLS flow. */
bool tp_udp_packet(struct tp_udp_flows *u, const struct tp_pkt *p, int64_t t_us, const struct tp_udp_hooks *h);
/* End every flow (end of capture). */
void tp_udp_flush(struct tp_udp_flows *u, const struct tp_udp_hooks *h);
void tp_udp_flows_free(struct tp_udp_flows *u);

#endif
