/* connect with several targets, text: the table at the end (render.h,
 * tp_render_row_*). One row per session: target, address, verdict, version,
 * the first finding of the worst severity, the leaf's expiry. The caller keeps
 * the rows (it may spool them to a file); this file only fills and writes them. */
#include <stdio.h>
#include <string.h>
#include "render_int.h"
#include "tlsprobe/names.h"

static void cell_escaped(char *cell, size_t cap, const char *text)
{
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_sb_put_escaped(&sb, (const uint8_t *)text, strlen(text));
    snprintf(cell, cap, "%s", tp_sb_str(&sb));
    tp_sb_free(&sb);
}

void tp_render_row_of(struct tp_render_row *r, const struct tp_session *s, uint16_t port)
{
    memset(r, 0, sizeof *r);
    const size_t cap = sizeof r->cell[0];
    char buf[sizeof r->cell[0]];
    const char *host = s->host ? s->host : "";
    snprintf(buf, sizeof buf, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
    cell_escaped(r->cell[TP_ROW_TARGET], cap, buf);

    /* The address connected to (or tried last), without its port. */
    if (s->outcome.status == TP_CONN_RESOLVE_FAILED || !s->server[0]) {
        snprintf(r->cell[TP_ROW_ADDRESS], cap, "-");
    } else {
        snprintf(buf, sizeof buf, "%s", s->server);
        char *colon = strrchr(buf, ':');
        if (colon && buf[0] == '[' && colon > buf && colon[-1] == ']') {
            colon[-1] = 0;
            memmove(buf, buf + 1, strlen(buf + 1) + 1);
        } else if (colon && !strchr(buf, '[') && strchr(buf, ':') == colon) {
            *colon = 0;
        }
        cell_escaped(r->cell[TP_ROW_ADDRESS], cap, buf);
    }

    r->worst = -1;
    const struct tp_finding *first = NULL;
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct tp_finding *f = &s->findings[i];
        if ((int)f->severity > r->worst)
            r->worst = (int)f->severity;
        if (f->severity >= TP_SEV_WARNING && (!first || f->severity > first->severity))
            first = f;
    }
    snprintf(r->cell[TP_ROW_VERDICT], cap, "%s",
             r->worst == TP_SEV_ERROR ? "error" : r->worst == TP_SEV_WARNING ? "warning" : "ok");
    snprintf(r->cell[TP_ROW_VERSION], cap, "%s", s->version ? tp_name_version(s->version) : "-");
    snprintf(r->cell[TP_ROW_FINDING], cap, "%s", first && first->id ? first->id : "-");

    const struct tp_cert_info *leaf = s->server_chain.n ? s->server_chain.info[0] : NULL;
    if (!leaf) {
        snprintf(r->cell[TP_ROW_EXPIRES], cap, "-");
    } else {
        struct tm tm;
        time_t na = leaf->not_after;
        long days = tp_cert_days_left(leaf, rs_judge_now(s));
        if (gmtime_r(&na, &tm))
            snprintf(r->cell[TP_ROW_EXPIRES], cap, "%04d-%02d-%02d (%ld d)", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, days);
        else
            snprintf(r->cell[TP_ROW_EXPIRES], cap, "-");
    }
}

void tp_render_row_widths(const struct tp_render_row *r, size_t *w)
{
    for (int c = 0; c < TP_ROW_COLS; c++) {
        size_t n = strlen(r->cell[c]);
        if (n > w[c])
            w[c] = n;
    }
}

static const char *const heads[TP_ROW_COLS] = { "TARGET", "ADDRESS", "VERDICT", "VERSION", "FINDING", "EXPIRES" };

static void put_cells(struct tp_sb *out, const char *const *cells, const size_t *w, const char *verdict_on,
                      const char *verdict_off)
{
    for (int c = 0; c < TP_ROW_COLS; c++) {
        size_t width = w[c] > strlen(heads[c]) ? w[c] : strlen(heads[c]);
        bool coloured = c == TP_ROW_VERDICT && verdict_on[0];
        if (coloured)
            tp_sb_put(out, verdict_on);
        tp_sb_put(out, cells[c]);
        if (coloured)
            tp_sb_put(out, verdict_off);
        if (c + 1 < TP_ROW_COLS)
            for (size_t k = strlen(cells[c]); k < width + 2; k++)
                tp_sb_putc(out, ' ');
    }
}

void tp_render_row_header(struct tp_sb *out, const size_t *w, const struct tp_render_opts *o)
{
    tp_sb_put(out, tp_c_bold(o));
    put_cells(out, heads, w, "", "");
    tp_sb_put(out, tp_c_reset(o));
    tp_sb_putc(out, '\n');
}

void tp_render_row_line(struct tp_sb *out, const struct tp_render_row *r, const size_t *w,
                        const struct tp_render_opts *o)
{
    const char *cells[TP_ROW_COLS];
    for (int c = 0; c < TP_ROW_COLS; c++)
        cells[c] = r->cell[c];
    const char *on = r->worst == TP_SEV_ERROR ? tp_c_red(o) : r->worst == TP_SEV_WARNING ? tp_c_yellow(o)
                                                                                          : tp_c_green(o);
    put_cells(out, cells, w, on, tp_c_reset(o));
    tp_sb_putc(out, '\n');
}

static const char *plural(unsigned long n)
{
    return n == 1 ? "" : "s";
}

void tp_render_many_totals(struct tp_sb *out, const struct tp_render_many_counts *c, const struct tp_render_opts *o)
{
    tp_sb_printf(out, "\n%lu target%s, %lu session%s: %s%lu ok%s, %s%lu with warnings%s, %s%lu with errors%s",
                 c->targets, plural(c->targets), c->sessions, plural(c->sessions), c->ok ? tp_c_green(o) : "", c->ok,
                 c->ok ? tp_c_reset(o) : "", c->warning ? tp_c_yellow(o) : "", c->warning,
                 c->warning ? tp_c_reset(o) : "", c->error ? tp_c_red(o) : "", c->error,
                 c->error ? tp_c_reset(o) : "");
    if (c->bad_lines)
        tp_sb_printf(out, "; %lu bad target line%s skipped", c->bad_lines, plural(c->bad_lines));
    tp_sb_put(out, "\nfor one session in full: tlsprobe connect TARGET, or --format json\n");
}
