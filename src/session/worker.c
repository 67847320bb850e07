/* The worker: one thread's working memory (include/tlsprobe/session.h). */
#include <stdlib.h>
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"
#include "session/internal.h"

struct tp_worker {
    struct tp_dec_scratch dec;
    struct tp_ja_memo *ja;
};

struct tp_worker *tp_worker_new(void)
{
    struct tp_worker *w = malloc(sizeof *w);
    if (!w)
        return NULL;
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
    free(w);
}

struct tp_ja_memo *tp_worker_ja_memo(struct tp_worker *w)
{
    return w ? w->ja : NULL;
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
