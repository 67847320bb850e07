/* Private to the capture module: the finisher thread (finisher.c), used by the
 * capture decoder (capture.c) with opts.threaded. */
#ifndef TP_CAPTURE_INT_H
#define TP_CAPTURE_INT_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
/* Queue a session (waits while the queue is full); frees sessions given back. */
void finisher_push(struct finisher *fin, const struct finish_job *j);
/* Wait until every queued session has been judged; free them. */
void finisher_drain(struct finisher *fin);
/* Stop the thread; what is still queued is freed without being judged. */
void finisher_stop(struct finisher *fin);

#endif
