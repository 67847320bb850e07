/* libtlsprobe: the version, error codes and the options builder. */
#include <stdlib.h>
#include <string.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include "lib_int.h"

static const struct tlsprobe_options defaults = {
    .aia = -1, .timeout_ms = 10000, .purpose = TLSPROBE_PURPOSE_SERVER, .max_depth = -1,
    .side = TLSPROBE_SIDE_UNKNOWN,
};

const char *tlsprobe_version(void)
{
    return TP_VERSION;
}

const char *tlsprobe_strerror(int code)
{
    switch (code) {
    case TLSPROBE_OK: return "ok";
    case TLSPROBE_ERR_ARG: return "invalid argument";
    case TLSPROBE_ERR_NOMEM: return "out of memory";
    case TLSPROBE_ERR_IO: return "an input cannot be read";
    case TLSPROBE_ERR_INPUT: return "an input is unusable";
    case TLSPROBE_ERR_INTERNAL: return "internal error";
    default: return "unknown error code";
    }
}

void tp_lib_call_done(void)
{
#ifdef FP_ECC
    /* Debian's wolfSSL keeps a fixed-point ECC cache per thread (src/x509/cert.c):
     * freed here, so that a caller's thread keeps nothing of a call when it ends. */
    wc_ecc_fp_free();
#endif
}

int tp_lib_code(enum tp_err e)
{
    switch (e) {
    case TP_OK: return TLSPROBE_OK;
    case TP_ERR_NOMEM: return TLSPROBE_ERR_NOMEM;
    case TP_ERR_USAGE: return TLSPROBE_ERR_ARG;
    case TP_ERR_IO: case TP_ERR_NOTFOUND: return TLSPROBE_ERR_IO;
    case TP_ERR_TRUNCATED: case TP_ERR_MALFORMED: case TP_ERR_LIMIT: case TP_ERR_UNSUPPORTED:
        return TLSPROBE_ERR_INPUT;
    default: return TLSPROBE_ERR_INTERNAL;
    }
}

const struct tlsprobe_options *tp_lib_opts(const struct tlsprobe_options *o)
{
    return o ? o : &defaults;
}

enum tp_err tp_lib_read(const struct tlsprobe_options *o, const char *path, struct tp_file **out)
{
    return o->read ? o->read(path, out) : tp_file_read(path, out);
}

bool tp_lib_dup(char **dst, const char *src)
{
    char *c = NULL;
    if (src && !(c = strdup(src)))
        return false;
    free(*dst);
    *dst = c;
    return true;
}

tlsprobe_options *tlsprobe_options_new(void)
{
    tlsprobe_options *o = malloc(sizeof *o);
    if (o)
        *o = defaults;
    return o;
}

void tlsprobe_options_free(tlsprobe_options *o)
{
    if (!o)
        return;
    char **strs[] = { &o->cafile, &o->capath, &o->intermediates, &o->servername,
                      &o->key, &o->keylog, &o->stack, &o->host_unicode, &o->ocsp_response, &o->crl };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    free(o);
}

/* A path or name setter: empty strings are refused, NULL resets. */
static int set_str(tlsprobe_options *o, char **field, const char *v)
{
    if (!o || (v && !v[0]))
        return TLSPROBE_ERR_ARG;
    return tp_lib_dup(field, v) ? TLSPROBE_OK : TLSPROBE_ERR_NOMEM;
}

int tlsprobe_options_set_cafile(tlsprobe_options *o, const char *path)
{
    return set_str(o, o ? &o->cafile : NULL, path);
}

int tlsprobe_options_set_capath(tlsprobe_options *o, const char *path)
{
    return set_str(o, o ? &o->capath : NULL, path);
}

int tlsprobe_options_set_intermediates(tlsprobe_options *o, const char *path)
{
    return set_str(o, o ? &o->intermediates : NULL, path);
}

int tlsprobe_options_set_servername(tlsprobe_options *o, const char *name)
{
    return set_str(o, o ? &o->servername : NULL, name);
}

int tlsprobe_options_set_key(tlsprobe_options *o, const char *path)
{
    return set_str(o, o ? &o->key : NULL, path);
}

int tlsprobe_options_set_keylog(tlsprobe_options *o, const char *path)
{
    return set_str(o, o ? &o->keylog : NULL, path);
}

int tp_lib_options_set_host_unicode(tlsprobe_options *o, const char *name)
{
    return set_str(o, o ? &o->host_unicode : NULL, name);
}

int tlsprobe_options_set_stack(tlsprobe_options *o, const char *stack)
{
    if (stack && !tp_explain_stack_valid(stack))
        return TLSPROBE_ERR_ARG;
    return set_str(o, o ? &o->stack : NULL, stack);
}

int tlsprobe_options_set_aia(tlsprobe_options *o, int on)
{
    if (!o || (on != 0 && on != 1))
        return TLSPROBE_ERR_ARG;
    o->aia = on;
    return TLSPROBE_OK;
}

int tlsprobe_options_set_time(tlsprobe_options *o, int64_t unix_seconds)
{
    if (!o || unix_seconds <= 0)
        return TLSPROBE_ERR_ARG;
    o->at = unix_seconds;
    return TLSPROBE_OK;
}

int tlsprobe_options_set_timeout_ms(tlsprobe_options *o, int ms)
{
    if (!o || ms < 1 || ms > 3600000)
        return TLSPROBE_ERR_ARG;
    o->timeout_ms = ms;
    return TLSPROBE_OK;
}

int tlsprobe_options_set_purpose(tlsprobe_options *o, int purpose)
{
    if (!o || (purpose != TLSPROBE_PURPOSE_SERVER && purpose != TLSPROBE_PURPOSE_CLIENT))
        return TLSPROBE_ERR_ARG;
    o->purpose = purpose;
    return TLSPROBE_OK;
}

int tlsprobe_options_set_max_depth(tlsprobe_options *o, int depth)
{
    if (!o || depth < -1 || depth > 255)
        return TLSPROBE_ERR_ARG;
    o->max_depth = depth;
    return TLSPROBE_OK;
}

int tlsprobe_options_set_side(tlsprobe_options *o, int side)
{
    if (!o || side < TLSPROBE_SIDE_UNKNOWN || side > TLSPROBE_SIDE_SERVER)
        return TLSPROBE_ERR_ARG;
    o->side = side;
    return TLSPROBE_OK;
}

void tp_lib_options_set_render(tlsprobe_options *o, const struct tp_render_opts *ro)
{
    o->ro = *ro;
    o->ro.memo = NULL;  /* a result renders once */
    o->ro.stack = NULL; /* the stack is the options' own copy */
    o->has_render = true;
}

void tp_lib_options_set_reader(tlsprobe_options *o, tp_lib_reader read)
{
    o->read = read;
}

int tp_lib_options_set_ocsp_response(tlsprobe_options *o, const char *path)
{
    return set_str(o, o ? &o->ocsp_response : NULL, path);
}

int tp_lib_options_set_crl(tlsprobe_options *o, const char *path)
{
    return set_str(o, o ? &o->crl : NULL, path);
}

int tp_lib_options_set_check_revocation(tlsprobe_options *o, bool on)
{
    if (!o)
        return TLSPROBE_ERR_ARG;
    o->check_revocation = on;
    return TLSPROBE_OK;
}
