/* Private to src/lib: the handles behind tlsprobe.h's opaque types. */
#ifndef TLSPROBE_LIB_INT_H
#define TLSPROBE_LIB_INT_H
#include <stdbool.h>
#include "tlsprobe/diagnose.h"
#include "tlsprobe/error.h"
#include "tlsprobe/lib.h"
#include "tlsprobe/session.h"

struct tlsprobe_options {
    char *cafile, *capath, *intermediates, *servername, *key, *keylog, *stack, *host_unicode;
    int aia;              /* -1: the entry point's default */
    int64_t at;           /* 0: now */
    int timeout_ms;       /* connect */
    int purpose;          /* TLSPROBE_PURPOSE_* */
    int max_depth;        /* -1: no limit */
    int side;             /* TLSPROBE_SIDE_* */
    bool has_render;      /* ro set by the CLI */
    struct tp_render_opts ro;
    tp_lib_reader read;   /* NULL: tp_file_read */
    char *ocsp_response;  /* check --ocsp-response (appended, revocation) */
    char *crl;            /* check --crl */
    bool check_revocation; /* check --check-revocation */
};

enum lib_kind { LIB_SESSION, LIB_CHECK, LIB_EXPLAIN, LIB_ERROR };

struct tlsprobe_result {
    enum lib_kind kind;
    struct tp_session *s;       /* sessions and check */
    bool s_borrowed;            /* pcap: the capture frees it */
    struct tp_render_opts ro;   /* format decides tp_lib_result_report */
    char *stack;                /* owned copy of ro.stack */
    /* check: what it read and judged (owned copies) */
    struct tp_render_check cv;
    char *chain_file, *host, *host_unicode, *key_file;
    /* explain */
    char *message;
    bool matched;
    struct tp_explain_match m;
    const char *stack_key;
    /* rendered on first use */
    char *json, *text, *chain_pem;
    size_t chain_n;
    char *error;                /* set: the call failed */
};

/* A result of kind k with the render options of o (NULL: defaults); NULL: no memory. */
struct tlsprobe_result *tp_lib_result_new(enum lib_kind k, const struct tlsprobe_options *o);
/* Fail with a one-line message kept in *res (when res and memory allow):
 * returns code. */
int tp_lib_fail(struct tlsprobe_result **res, struct tlsprobe_result *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* An internal error code as a public one. */
int tp_lib_code(enum tp_err e);
/* The options, or the defaults when o is NULL. */
const struct tlsprobe_options *tp_lib_opts(const struct tlsprobe_options *o);
/* Read a file as the options say (the CLI's reader or tp_file_read). */
enum tp_err tp_lib_read(const struct tlsprobe_options *o, const char *path, struct tp_file **out);
/* The end of an entry point: what wolfSSL keeps per thread is freed. */
void tp_lib_call_done(void);
/* strdup that keeps NULL; false when out of memory. */
bool tp_lib_dup(char **dst, const char *src);

#endif
