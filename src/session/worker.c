/* The worker: one thread's working memory (include/tlsprobe/session.h). */
#include <stdlib.h>
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"
#include "session/internal.h"

/* Record buffers (the decoder's two sizes) of directions that went back to
 * walking headers only, kept for this thread's next flows instead of a free +
 * malloc per flow (a capture opens tens of thousands). */
#define WORKER_BUFS 16

struct tp_worker {
    struct tp_dec_scratch dec;
    struct tp_ja_memo *ja;
    uint8_t *bufs[2][WORKER_BUFS];
    size_t n_bufs[2];
    struct tp_leaf_memo *leaf;       /* sigcheck.c's, made on first use */
};

struct tp_worker *tp_worker_new(void)
{
    struct tp_worker *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    w->n_bufs[0] = w->n_bufs[1] = 0;
    w->leaf = NULL;
    w->ja = tp_ja_memo_new();
    if (!w->ja) {
        free(w);
        return NULL;
    }
    return w;
}

void tp_worker_free(struct tp_worker *w)
{
    if (!w)
        return;
    tp_ja_memo_free(w->ja);
    free(w->leaf);
    for (int k = 0; k < 2; k++)
        while (w->n_bufs[k])
            free(w->bufs[k][--w->n_bufs[k]]);
    free(w);
}

uint8_t *tp_worker_buf_take(struct tp_worker *w, int k)
{
    return w && w->n_bufs[k] ? w->bufs[k][--w->n_bufs[k]] : NULL;
}

bool tp_worker_buf_keep(struct tp_worker *w, int k, uint8_t *b)
{
    if (!w || w->n_bufs[k] == WORKER_BUFS)
        return false;
    w->bufs[k][w->n_bufs[k]++] = b;
    return true;
}

struct tp_ja_memo *tp_worker_ja_memo(struct tp_worker *w)
{
    return w ? w->ja : NULL;
}

struct tp_leaf_memo *tp_worker_leaf_memo(struct tp_worker *w)
{
    if (w && !w->leaf)
        w->leaf = tp_leaf_memo_new();
    return w ? w->leaf : NULL;
}

struct tp_dec_scratch *tp_worker_dec_scratch(struct tp_worker *w)
{
    return &w->dec;
}

void tp_session_set_worker(struct tp_session *s, struct tp_worker *w)
{
    if (s)
        s->worker = w;
}
