/* libtlsprobe: tlsprobe_connect, the client probe (tp_probe_connect). */
#include <string.h>
#include "lib_int.h"
#include "tlsprobe/probe.h"

int tlsprobe_connect(const char *host, uint16_t port, const tlsprobe_options *opts, tlsprobe_result **res)
{
    if (!res)
        return TLSPROBE_ERR_ARG;
    *res = NULL;
    if (!host || !host[0])
        return tp_lib_fail(res, NULL, TLSPROBE_ERR_ARG, "no host given");
    const struct tlsprobe_options *o = tp_lib_opts(opts);
    struct tp_connect_opts co = {
        .host = host, .port = port ? port : 443, .servername = o->servername,
        .cafile = o->cafile, .capath = o->capath, .intermediates = o->intermediates,
        .no_aia = o->aia == 0, .timeout_ms = o->timeout_ms, .at = o->at,
    };
    struct tlsprobe_result *r = tp_lib_result_new(LIB_SESSION, opts);
    if (!r)
        return TLSPROBE_ERR_NOMEM;
    char err[512] = "";
    enum tp_err e = tp_probe_connect(&co, &r->s, err, sizeof err);
    if (e != TP_OK)
        return tp_lib_fail(res, r, tp_lib_code(e), "%s", err[0] ? err : tp_err_text(e));
    *res = r;
    return TLSPROBE_OK;
}
