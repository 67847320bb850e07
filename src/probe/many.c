/* connect with many targets (tlsprobe/probe.h: tp_probe_many): a pool of
 * threads, each probing one target at a time with tp_probe_connect, and a
 * window of 2 x jobs slots that puts the sessions back in input order.
 *
 * The calling thread is the dispatcher: it reads targets (o->next) into free
 * slots and hands out, in order, the sessions of the slot at the head of the
 * window (o->on_session). A worker takes the oldest slot not taken yet; when
 * none is left (the window is full of taken or finished targets) it waits.
 * So memory is the window's: at most 2 x jobs targets and their sessions,
 * however long the list. Each worker owns a struct tp_worker (its decoder
 * memory) and lends it to the sessions it makes; the sessions leave the thread
 * finished (decoder freed there) and are freed by the dispatcher. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "tlsprobe/probe.h"
#include "tlsprobe/x509.h"
#include "wolf.h"

enum slot_state { SLOT_FREE, SLOT_PENDING, SLOT_RUNNING, SLOT_DONE };

struct slot {
    enum slot_state state;
    struct tp_many_target t;
    struct tp_session *s[TP_MANY_MAX_ADDRS];
    size_t n;                     /* sessions in s */
    enum tp_err err;              /* a local-input error (no session) */
    char errmsg[512];
};

struct pool {
    const struct tp_many_opts *o;
    const struct tp_store *store;
    pthread_mutex_t mu;
    pthread_cond_t work;          /* a slot became pending, or quit */
    pthread_cond_t done;          /* a slot finished */
    struct slot *slots;
    size_t cap;                   /* window size */
    size_t head, take, tail;      /* sequence numbers: deliver, hand out, fill (head <= take <= tail) */
    bool quit;
};

/* One address as text, and its family and bytes for sorting. */
struct addr {
    int family;
    unsigned char b[16];
    char text[INET6_ADDRSTRLEN];
};

static int addr_cmp(const void *a, const void *b)
{
    const struct addr *x = a, *y = b;
    if (x->family != y->family)
        return x->family == AF_INET ? -1 : 1;
    return memcmp(x->b, y->b, x->family == AF_INET ? 4 : 16);
}

/* Every A/AAAA address of host, IPv4 first, each family in numeric order
 * (resolvers rotate records: the output must not), without duplicates. 0 when
 * the name does not resolve (the probe then says why, as for one target). */
static size_t all_addresses(const char *host, struct addr *out, size_t cap)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return 0;
    size_t n = 0;
    for (struct addrinfo *ai = res; ai && n < cap; ai = ai->ai_next) {
        struct addr a;
        memset(&a, 0, sizeof a);
        a.family = ai->ai_family;
        if (ai->ai_family == AF_INET)
            memcpy(a.b, &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr, 4);
        else if (ai->ai_family == AF_INET6)
            memcpy(a.b, &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr, 16);
        else
            continue;
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = addr_cmp(&out[i], &a) == 0;
        if (dup || !inet_ntop(a.family, a.b, a.text, sizeof a.text))
            continue;
        out[n++] = a;
    }
    freeaddrinfo(res);
    qsort(out, n, sizeof *out, addr_cmp);
    return n;
}

/* Probe one target (each of its addresses with --all-addresses) into sl. */
static void probe_target(struct pool *p, struct slot *sl, struct tp_worker *w)
{
    const struct tp_many_opts *o = p->o;
    struct tp_connect_opts co = *o->base;
    co.host = sl->t.host;
    co.port = sl->t.port;
    if (sl->t.servername[0])
        co.servername = sl->t.servername;
    if (sl->t.starttls != TP_ST_AUTO && !o->starttls_fixed) /* a URL's scheme, unless --starttls */
        co.starttls = sl->t.starttls;
    co.store = p->store;
    co.worker = w;
    co.write_pcap = NULL;
    struct addr addrs[TP_MANY_MAX_ADDRS];
    size_t n_addrs = o->all_addresses ? all_addresses(sl->t.host, addrs, TP_MANY_MAX_ADDRS) : 0;
    sl->t.n_addrs = n_addrs ? n_addrs : 1;
    for (size_t i = 0; i < sl->t.n_addrs; i++) {
        co.address = n_addrs ? addrs[i].text : NULL;
        struct tp_session *s = NULL;
        enum tp_err e = tp_probe_connect(&co, &s, sl->errmsg, sizeof sl->errmsg);
        if (e != TP_OK) {
            tp_session_free(s);
            sl->err = e;
            return;
        }
        sl->s[sl->n++] = s;
    }
}

static void *worker_main(void *arg)
{
    struct pool *p = arg;
    struct tp_worker *w = tp_worker_new(); /* NULL: sessions use their own scratch */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->take == p->tail)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->quit)
            break;
        struct slot *sl = &p->slots[p->take++ % p->cap];
        sl->state = SLOT_RUNNING;
        pthread_mutex_unlock(&p->mu);
        probe_target(p, sl, w);
        tp_wolf_thread_done(); /* empty the ECC cache: nothing to reuse from another peer, and it holds ~0.6 MB */
        pthread_mutex_lock(&p->mu);
        sl->state = SLOT_DONE;
        pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    tp_worker_free(w);
    tp_wolf_thread_done(); /* this thread's ECC cache */
    return NULL;
}

static void slot_clear(struct slot *sl)
{
    for (size_t i = 0; i < sl->n; i++)
        tp_session_free(sl->s[i]);
    sl->n = 0;
    sl->err = TP_OK;
    sl->errmsg[0] = 0;
    sl->state = SLOT_FREE;
}

static void wait_done(struct pool *p)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 250 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    (void)pthread_cond_timedwait(&p->done, &p->mu, &ts); /* a timeout only means: report progress */
}

/* The dispatcher's loop: fill the window, deliver its head in order. */
static enum tp_err dispatch(struct pool *p, char *err, size_t errlen)
{
    const struct tp_many_opts *o = p->o;
    struct tp_many_progress prog = { 0, 0, 0 };
    bool eof = false;
    enum tp_err result = TP_OK;
    size_t index = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!eof && result == TP_OK && p->tail - p->head < p->cap) {
            struct slot *sl = &p->slots[p->tail % p->cap];
            pthread_mutex_unlock(&p->mu); /* sl is free: no worker looks at it */
            memset(&sl->t, 0, sizeof sl->t);
            sl->t.starttls = TP_ST_AUTO;
            int got = o->next(o->ctx, &sl->t);
            if (got == 1) {
                sl->t.index = index++;
                sl->t.n_addrs = 1;
                sl->state = SLOT_PENDING;
            }
            pthread_mutex_lock(&p->mu);
            if (got != 1) {
                eof = true;
                break;
            }
            p->tail++;
            pthread_cond_signal(&p->work);
        }
        if (p->head == p->tail)
            break;
        struct slot *sl = &p->slots[p->head % p->cap];
        if (sl->state != SLOT_DONE) {
            wait_done(p);
            prog.started = p->take;
            if (o->on_progress) {
                pthread_mutex_unlock(&p->mu);
                o->on_progress(&prog, o->ctx);
                pthread_mutex_lock(&p->mu);
            }
            continue;
        }
        pthread_mutex_unlock(&p->mu); /* done: the worker let go of it */
        if (sl->err != TP_OK && result == TP_OK) {
            result = sl->err;
            snprintf(err, errlen, "%s", sl->errmsg[0] ? sl->errmsg : tp_err_text(sl->err));
        }
        if (result == TP_OK)
            for (size_t i = 0; i < sl->n; i++) {
                o->on_session(sl->s[i], &sl->t, sl->t.n_addrs > 1 ? i : 0, o->ctx);
                prog.sessions++;
            }
        slot_clear(sl);
        prog.done++;
        pthread_mutex_lock(&p->mu);
        p->head++;
        if (result != TP_OK && p->take < p->tail) { /* bad local input: start nothing more */
            for (size_t q = p->take; q < p->tail; q++)
                slot_clear(&p->slots[q % p->cap]);
            p->tail = p->take;
        }
    }
    pthread_mutex_unlock(&p->mu);
    if (o->on_progress) {
        prog.started = p->take;
        o->on_progress(&prog, o->ctx);
    }
    return result;
}

enum tp_err tp_probe_many(const struct tp_many_opts *o, char *err, size_t errlen)
{
    if (errlen)
        err[0] = 0;
    if (!o || !o->base || !o->next || !o->on_session || o->jobs < 1 || o->jobs > TP_MANY_MAX_JOBS ||
        o->base->write_pcap) {
        snprintf(err, errlen, "tp_probe_many: bad options");
        return TP_ERR_USAGE;
    }
    const struct tp_connect_opts *b = o->base;
    struct tp_store *store = NULL;
    char e2[256] = "";
    /* The trust store once for every target (a few hundred ms for the system
     * store): read-only from here on, shared by the workers. */
    if (tp_store_load(b->cafile, b->capath, &store, e2, sizeof e2) != TP_OK) {
        snprintf(err, errlen, "%s", e2[0] ? e2 : "cannot load the trust store");
        return TP_ERR_IO;
    }
    if (b->intermediates && tp_store_add_intermediates(store, b->intermediates, e2, sizeof e2) != TP_OK) {
        snprintf(err, errlen, "%s", e2[0] ? e2 : "cannot read --intermediates");
        tp_store_free(store);
        return TP_ERR_IO;
    }
    struct pool p;
    memset(&p, 0, sizeof p);
    p.o = o;
    p.store = store;
    p.cap = 2 * (size_t)o->jobs;
    p.slots = calloc(p.cap, sizeof *p.slots);
    pthread_t th[TP_MANY_MAX_JOBS];
    int n_th = 0;
    enum tp_err e = TP_OK;
    if (!p.slots) {
        snprintf(err, errlen, "out of memory");
        tp_store_free(store);
        return TP_ERR_NOMEM;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.work, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p.done, &ca);
    pthread_condattr_destroy(&ca);
    while (n_th < o->jobs && pthread_create(&th[n_th], NULL, worker_main, &p) == 0)
        n_th++;
    if (n_th == 0) {
        snprintf(err, errlen, "cannot start a thread: %s", strerror(errno));
        e = TP_ERR_NOMEM;
    } else {
        e = dispatch(&p, err, errlen);
    }
    pthread_mutex_lock(&p.mu);
    p.quit = true;
    pthread_cond_broadcast(&p.work);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < n_th; i++)
        pthread_join(th[i], NULL);
    for (size_t i = 0; i < p.cap; i++)
        slot_clear(&p.slots[i]);
    free(p.slots);
    pthread_cond_destroy(&p.work);
    pthread_cond_destroy(&p.done);
    pthread_mutex_destroy(&p.mu);
    tp_store_free(store);
    return e;
}
