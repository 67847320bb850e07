/* Renderers: read sessions, write text for people, JSON Lines, or Mermaid.
 * Never parse wire bytes themselves except through tlsprobe/wire.h. */
#ifndef TLSPROBE_RENDER_H
#define TLSPROBE_RENDER_H
#include <stdbool.h>
#include "tlsprobe/session.h"
#include "tlsprobe/strbuf.h"
#include "tlsprobe/x509.h"

enum tp_format { TP_FMT_TEXT, TP_FMT_JSON, TP_FMT_MERMAID };

struct tp_render_opts {
    enum tp_format format;
    bool color;               /* decided by the CLI: terminal, no NO_COLOR, no --no-color */
    bool explain;             /* --explain: teaching annotations under each message */
    bool verbose;             /* more detail per message (full extension lists) */
    bool no_times;            /* omit time offsets (golden tests) */
    const char *stack;        /* --stack: also show each finding's fix for this stack
                                 (tp_explain_stack_fix names); NULL: none */
    unsigned width;           /* text: columns to wrap at (the CLI's terminal width); 0 = 80 */
};

/* One session. JSON: exactly one line ending in '\n' (docs/json.md). */
void tp_render_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o);
/* A certificate summary (inspect, chains): text block or JSON object. */
void tp_render_cert_text(struct tp_sb *out, const struct tp_cert_info *ci, const struct tp_render_opts *o, const char *indent);
void tp_render_cert_json(struct tp_sb *out, const struct tp_cert_info *ci);
/* Findings only (used by check / explain). */
void tp_render_findings(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o);
/* Break the text lines of out from byte start on that are wider than width
 * columns, at spaces, continuing under the line's value column (text sessions
 * and findings do it themselves; check and inspect output through it). */
void tp_render_fold(struct tp_sb *out, size_t start, unsigned width);
/* Columns a piece of our own output takes on a terminal: UTF-8 code points,
 * colour escapes none (not for wire bytes: escape those first). */
size_t tp_render_cols(const char *p, size_t n);
/* Colour helpers: return "" when o->color is false. */
const char *tp_c_red(const struct tp_render_opts *o);
const char *tp_c_yellow(const struct tp_render_opts *o);
const char *tp_c_green(const struct tp_render_opts *o);
const char *tp_c_dim(const struct tp_render_opts *o);
const char *tp_c_bold(const struct tp_render_opts *o);
const char *tp_c_reset(const struct tp_render_opts *o);

#endif
