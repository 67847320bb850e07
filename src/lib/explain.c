/* libtlsprobe: tlsprobe_explain. The CLI's `explain` is this function
 * (src/cli/cmd_explain.c reads the message and prints the report). */
#include <stdlib.h>
#include <string.h>
#include "lib_int.h"
#include "tlsprobe/limits.h"

int tlsprobe_explain(const char *message, const tlsprobe_options *opts, tlsprobe_result **res)
{
    if (!res)
        return TLSPROBE_ERR_ARG;
    *res = NULL;
    if (!message)
        return tp_lib_fail(res, NULL, TLSPROBE_ERR_ARG, "no message given");
    if (!message[strspn(message, " \t\r\n")])
        return tp_lib_fail(res, NULL, TLSPROBE_ERR_ARG, "the message is empty");
    const struct tlsprobe_options *o = tp_lib_opts(opts);
    struct tlsprobe_result *r = tp_lib_result_new(LIB_EXPLAIN, opts);
    if (!r)
        return TLSPROBE_ERR_NOMEM;
    /* The stable part of a message is at its start: what the CLI reads of it. */
    size_t n = strnlen(message, TP_MAX_EXPLAIN_TEXT);
    if (!(r->message = malloc(n + 1)))
        return tp_lib_fail(res, r, TLSPROBE_ERR_NOMEM, "out of memory");
    memcpy(r->message, message, n);
    r->message[n] = '\0';
    r->matched = tp_explain_match_side(r->message, (enum tp_explain_side)o->side, &r->m);
    r->stack_key = o->stack ? r->stack : r->matched ? tp_explain_stack_key(r->m.stack) : NULL;
    *res = r;
    return TLSPROBE_OK;
}
