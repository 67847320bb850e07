/* The finisher thread of `tlsprobe pcap` (opts.threaded): sessions are judged
 * and rendered in the order their flows ended, through a bounded FIFO, while the
 * reader thread only decodes (src/capture/capture_int.h). */
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/session.h"
#include "capture/capture_int.h"
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>

static void *finisher_main(void *arg)
{
    struct finisher *fin = arg;
    struct tp_worker *w = tp_worker_new(); /* this thread's (NULL: none, same results) */
    pthread_mutex_lock(&fin->mu);
    for (;;) {
        while (!fin->n && !fin->stop) {
            if (fin->main_waiting)
                pthread_cond_signal(&fin->to_main); /* drained */
            fin->idle = true;
            pthread_cond_wait(&fin->to_worker, &fin->mu);
            fin->idle = false;
        }
        if (!fin->n)
            break; /* stop, nothing left */
        struct finish_job j = fin->q[fin->head];
        fin->head = (fin->head + 1) % FIN_QUEUE;
        fin->n--;
        fin->busy = true;
        /* The reader waits for half the queue to be free, not one slot (no
         * ping-pong of wake-ups while the finisher is the slower side). */
        if (fin->main_waiting && fin->n <= FIN_QUEUE / 2)
            pthread_cond_signal(&fin->to_main);
        pthread_mutex_unlock(&fin->mu);
        tp_session_set_worker(j.s, w);
        fin->judge(fin->ctx, &j);
        tp_session_free_findings(j.s); /* allocated on this thread: freed here */
        tp_session_set_worker(j.s, NULL); /* handed back: this worker stays here */
        pthread_mutex_lock(&fin->mu);
        fin->done[fin->n_done++] = j.s; /* n + busy + n_done <= FIN_QUEUE: room */
        fin->busy = false;
    }
    pthread_mutex_unlock(&fin->mu);
    tp_worker_free(w);
#ifdef FP_ECC
    wc_ecc_fp_free(); /* this build's per-thread ECC cache (chain verification) */
#endif
    return NULL;
}

bool finisher_start(struct finisher *fin, finish_fn judge, void *ctx)
{
    if (fin->started)
        return true;
    if (fin->failed)
        return false;
    pthread_mutex_init(&fin->mu, NULL);
    pthread_cond_init(&fin->to_worker, NULL);
    pthread_cond_init(&fin->to_main, NULL);
    fin->judge = judge;
    fin->ctx = ctx;
    if (pthread_create(&fin->th, NULL, finisher_main, fin) != 0) {
        pthread_cond_destroy(&fin->to_main);
        pthread_cond_destroy(&fin->to_worker);
        pthread_mutex_destroy(&fin->mu);
        fin->failed = true; /* judge on this thread instead */
        return false;
    }
    fin->started = true;
    return true;
}

/* The reader waits (fin->mu held) until the finisher signals room or drained. */
static void wait_for_finisher(struct finisher *fin)
{
    fin->main_waiting = true;
    pthread_cond_wait(&fin->to_main, &fin->mu);
    fin->main_waiting = false;
}

/* Unlock fin->mu, then free the sessions the finisher gave back: all of them
 * when at least min are waiting, else none yet (they are freed in batches). */
static void unlock_free_done(struct finisher *fin, size_t min)
{
    struct tp_session *done[FIN_QUEUE];
    size_t n = fin->n_done >= min ? fin->n_done : 0;
    memcpy(done, fin->done, n * sizeof *done);
    fin->n_done -= n;
    pthread_mutex_unlock(&fin->mu);
    for (size_t i = 0; i < n; i++)
        tp_session_free(done[i]);
}

bool finisher_push(struct finisher *fin, const struct finish_job *j)
{
    pthread_mutex_lock(&fin->mu);
    while (fin->n + fin->busy + fin->n_done >= FIN_QUEUE) { /* the one being judged counts */
        if (fin->n_done) {
            unlock_free_done(fin, 1);
            pthread_mutex_lock(&fin->mu);
            continue;
        }
        wait_for_finisher(fin);
    }
    fin->q[(fin->head + fin->n) % FIN_QUEUE] = *j;
    fin->n++;
    /* Wake an idle finisher once a batch is waiting, not for every session: a
     * wake-up is a futex system call on both sides. */
    if (fin->idle && fin->n >= FIN_BATCH)
        pthread_cond_signal(&fin->to_worker);
    bool behind = fin->n >= FIN_QUEUE / 2;
    unlock_free_done(fin, FIN_BATCH);
    return behind;
}

/* Wait until every queued session has been handed to on_session. */
void finisher_drain(struct finisher *fin)
{
    if (!fin->started)
        return;
    pthread_mutex_lock(&fin->mu);
    if (fin->n && fin->idle)
        pthread_cond_signal(&fin->to_worker); /* a batch not yet full */
    while (fin->n || fin->busy)
        wait_for_finisher(fin);
    unlock_free_done(fin, 0);
}

void finisher_stop(struct finisher *fin)
{
    if (!fin->started)
        return;
    pthread_mutex_lock(&fin->mu);
    /* not drained (no flush before free): drop what is queued, do not emit it */
    for (; fin->n; fin->n--, fin->head = (fin->head + 1) % FIN_QUEUE)
        tp_session_free(fin->q[fin->head].s);
    fin->stop = true;
    pthread_cond_signal(&fin->to_worker);
    pthread_mutex_unlock(&fin->mu);
    pthread_join(fin->th, NULL);
    pthread_mutex_lock(&fin->mu);
    unlock_free_done(fin, 0);
    pthread_cond_destroy(&fin->to_main);
    pthread_cond_destroy(&fin->to_worker);
    pthread_mutex_destroy(&fin->mu);
    fin->started = false;
}

