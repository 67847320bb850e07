/* libtlsprobe: result handles, their accessors and their rendering. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib_int.h"
#include "tlsprobe/strbuf.h"

struct tlsprobe_result *tp_lib_result_new(enum lib_kind k, const struct tlsprobe_options *o)
{
    o = tp_lib_opts(o);
    struct tlsprobe_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->kind = k;
    if (o->has_render)
        r->ro = o->ro;
    else
        r->ro = (struct tp_render_opts){ .format = TP_FMT_TEXT, .width = 80 };
    if (!tp_lib_dup(&r->stack, o->stack)) {
        free(r);
        return NULL;
    }
    r->ro.stack = r->stack;
    r->ro.memo = NULL;
    return r;
}

int tp_lib_fail(struct tlsprobe_result **res, struct tlsprobe_result *r, int code, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    tlsprobe_result_free(r);
    *res = NULL;
    if (code == TLSPROBE_ERR_NOMEM)
        return code;
    struct tlsprobe_result *e = calloc(1, sizeof *e);
    if (e && !(e->error = strdup(line))) {
        free(e);
        e = NULL;
    }
    if (e)
        e->kind = LIB_ERROR;
    *res = e;
    return code;
}

void tlsprobe_result_free(tlsprobe_result *r)
{
    if (!r)
        return;
    if (!r->s_borrowed)
        tp_session_free(r->s);
    char *strs[] = { r->stack, r->chain_file, r->host, r->host_unicode, r->key_file, r->message,
                     r->json, r->text, r->chain_pem, r->error };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    free(r);
}

const char *tlsprobe_result_error(const tlsprobe_result *r)
{
    return r ? r->error : NULL;
}

int tlsprobe_result_verdict(const tlsprobe_result *r)
{
    if (!r || !r->s || r->kind == LIB_EXPLAIN)
        return TLSPROBE_VERDICT_OK;
    return tp_exit_status(r->s) ? TLSPROBE_VERDICT_FAIL : TLSPROBE_VERDICT_OK;
}

size_t tlsprobe_result_findings(const tlsprobe_result *r)
{
    if (!r)
        return 0;
    if (r->kind == LIB_EXPLAIN)
        return r->matched && r->m.rule_id && tp_rule_find(r->m.rule_id) ? 1 : 0;
    return r->s ? r->s->n_findings : 0;
}

/* Finding i as (id, severity, title); false when out of range. */
static bool finding(const tlsprobe_result *r, size_t i, const char **id, int *sev, const char **title)
{
    if (i >= tlsprobe_result_findings(r))
        return false;
    if (r->kind == LIB_EXPLAIN) {
        const struct tp_rule *rule = tp_rule_find(r->m.rule_id);
        *id = rule->id;
        *sev = (int)rule->severity;
        *title = rule->summary;
        return true;
    }
    const struct tp_finding *f = &r->s->findings[i];
    const struct tp_rule *rule = tp_rule_find(f->id);
    *id = f->id;
    *sev = (int)f->severity;
    *title = f->summary ? f->summary : rule ? rule->summary : f->id;
    return true;
}

const char *tlsprobe_result_finding_id(const tlsprobe_result *r, size_t i)
{
    const char *id, *title;
    int sev;
    return finding(r, i, &id, &sev, &title) ? id : NULL;
}

int tlsprobe_result_finding_severity(const tlsprobe_result *r, size_t i)
{
    const char *id, *title;
    int sev;
    return finding(r, i, &id, &sev, &title) ? sev : -1;
}

const char *tlsprobe_result_finding_title(const tlsprobe_result *r, size_t i)
{
    const char *id, *title;
    int sev;
    return finding(r, i, &id, &sev, &title) ? title : NULL;
}

/* The report in one format, rendered by src/render as the CLI's. */
static char *render(const tlsprobe_result *r, enum tp_format fmt)
{
    struct tp_render_opts ro = r->ro;
    ro.format = fmt;
    struct tp_sb sb;
    tp_sb_init(&sb);
    switch (r->kind) {
    case LIB_SESSION:
        tp_render_session(&sb, r->s, &ro);
        break;
    case LIB_CHECK:
        tp_render_check(&sb, r->s, &r->cv, &ro);
        break;
    case LIB_EXPLAIN:
        tp_render_explain(&sb, r->message, r->matched, &r->m, r->stack_key, &ro);
        break;
    case LIB_ERROR:
        break;
    }
    if (sb.oom || r->kind == LIB_ERROR) {
        tp_sb_free(&sb);
        return NULL;
    }
    return tp_sb_take(&sb);
}

const char *tlsprobe_result_json(tlsprobe_result *r)
{
    if (r && !r->json)
        r->json = render(r, TP_FMT_JSON);
    return r ? r->json : NULL;
}

const char *tlsprobe_result_text(tlsprobe_result *r)
{
    if (r && !r->text)
        r->text = render(r, TP_FMT_TEXT);
    return r ? r->text : NULL;
}

const char *tp_lib_result_report(tlsprobe_result *r)
{
    return r->ro.format == TP_FMT_JSON ? tlsprobe_result_json(r) : tlsprobe_result_text(r);
}

const char *tlsprobe_result_chain_pem(tlsprobe_result *r, size_t *n_certs)
{
    if (n_certs)
        *n_certs = 0;
    if (!r || r->kind != LIB_CHECK || !r->s || !r->s->server_verify)
        return NULL;
    if (!r->chain_pem) {
        struct tp_sb sb;
        tp_sb_init(&sb);
        r->chain_n = tp_render_chain_pem(&sb, r->s->server_verify);
        r->chain_pem = tp_sb_take(&sb);
    }
    if (n_certs && r->chain_pem)
        *n_certs = r->chain_n;
    return r->chain_pem;
}
