/* libtlsprobe: tlsprobe_pcap_file, a capture file's sessions one by one. */
#include <stdio.h>
#include <stdlib.h>
#include "lib_int.h"
#include "tlsprobe/capture.h"

struct pcap_run {
    struct tlsprobe_result *r; /* one result, lent to each call with its session */
    tlsprobe_session_cb cb;
    void *ctx;
};

static void on_session(struct tp_session *s, unsigned long index, void *ctx)
{
    (void)index;
    struct pcap_run *p = ctx;
    struct tlsprobe_result *r = p->r;
    r->s = s;
    p->cb(r, p->ctx);
    /* the rendered strings were this session's */
    free(r->json);
    free(r->text);
    r->json = r->text = NULL;
    r->s = NULL;
}

/* The key log: the options' file, and the pcapng Decryption Secrets Blocks of path. */
static int keylog_for(const struct tlsprobe_options *o, const char *path, struct tp_keylog **out, char *err,
                      size_t errlen)
{
    char *text = NULL;
    size_t len = 0, n_dsb = 0;
    enum tp_err e;
    if (o->keylog) {
        e = tp_keylog_load(o->keylog, out, err, errlen);
        return e == TP_OK ? TLSPROBE_OK : tp_lib_code(e);
    }
    /* A broken block structure is the capture reader's to report; keys found before it are kept. */
    e = tp_pcapng_secrets_file(path, &text, &len, &n_dsb, err, errlen);
    err[0] = '\0';
    if (n_dsb && tp_keylog_parse((const uint8_t *)text, len, out) != TP_OK) {
        tp_keylog_free(*out);
        *out = NULL;
    }
    free(text);
    (void)e;
    return TLSPROBE_OK;
}

int tlsprobe_pcap_file(const char *path, const tlsprobe_options *opts, tlsprobe_session_cb cb, void *ctx)
{
    if (!path || !path[0] || !cb)
        return TLSPROBE_ERR_ARG;
    const struct tlsprobe_options *o = tp_lib_opts(opts);
    struct pcap_run p = { .r = tp_lib_result_new(LIB_SESSION, opts), .cb = cb, .ctx = ctx };
    if (!p.r)
        return TLSPROBE_ERR_NOMEM;
    p.r->s_borrowed = true;
    char err[512] = "";
    struct tp_keylog *kl = NULL;
    int code = keylog_for(o, path, &kl, err, sizeof err);
    struct tp_capture_opts co = {
        .keylog = kl, .on_session = on_session, .ctx = &p, .cafile = o->cafile, .capath = o->capath, .at = o->at,
    };
    struct tp_capture *c = code == TLSPROBE_OK ? tp_capture_new(&co) : NULL;
    if (code == TLSPROBE_OK && !c)
        code = TLSPROBE_ERR_NOMEM;
    bool truncated = false;
    if (c) {
        enum tp_err e = tp_capture_read_file(c, path, NULL, &truncated, err, sizeof err);
        code = tp_lib_code(e);
        tp_capture_flush(c, 0);
        tp_capture_free(c);
    }
    tp_keylog_free(kl);
    tlsprobe_result_free(p.r);
    return code;
}
