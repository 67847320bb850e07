/* Entry points: pick the renderer; colours; findings for check/explain. */
#include <string.h>
#include <time.h>
#include "render_int.h"

const char *tp_c_red(const struct tp_render_opts *o) { return o && o->color ? "\033[31m" : ""; }
const char *tp_c_yellow(const struct tp_render_opts *o) { return o && o->color ? "\033[33m" : ""; }
const char *tp_c_green(const struct tp_render_opts *o) { return o && o->color ? "\033[32m" : ""; }
const char *tp_c_dim(const struct tp_render_opts *o) { return o && o->color ? "\033[2m" : ""; }
const char *tp_c_bold(const struct tp_render_opts *o) { return o && o->color ? "\033[1m" : ""; }
const char *tp_c_reset(const struct tp_render_opts *o) { return o && o->color ? "\033[0m" : ""; }

void tp_render_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o)
{
    struct tp_render_opts def = { 0 };
    if (!o)
        o = &def;
    if (!s)
        return;
    switch (o->format) {
    case TP_FMT_JSON:
        tp_render_json_session(out, s, o);
        break;
    case TP_FMT_MERMAID:
        tp_render_mermaid_session(out, s, o);
        break;
    case TP_FMT_HTML:
        tp_render_html_session(out, s, o);
        break;
    case TP_FMT_ECS:
        tp_render_ecs_session(out, s, o);
        break;
    case TP_FMT_TEXT:
    default:
        tp_render_text_session(out, s, o);
        break;
    }
}

void tp_render_doc_begin(struct tp_sb *out, const char *title, const struct tp_render_opts *o)
{
    if (o && o->format == TP_FMT_HTML)
        tp_render_html_begin(out, title, o);
}

void tp_render_doc_end(struct tp_sb *out, const struct tp_render_opts *o)
{
    if (o && o->format == TP_FMT_HTML)
        tp_render_html_end(out, o);
}

time_t rs_judge_now(const struct tp_session *s)
{
    if (s->judge_time)
        return (time_t)s->judge_time; /* --at */
    if (s->source == TP_SRC_PCAP && s->capture_time > 0)
        return (time_t)s->capture_time;
    return time(NULL);
}

void rs_put_date(struct tp_sb *o, time_t t)
{
    struct tm tm;
    char buf[32];
    if (gmtime_r(&t, &tm) && strftime(buf, sizeof buf, "%Y-%m-%d", &tm))
        tp_sb_put(o, buf);
    else
        tp_sb_put(o, "?");
}

const char *tp_render_severity(enum tp_severity s)
{
    return rn_severity(s);
}
