/* Renderers: read sessions, files and findings, write text for people, JSON
 * Lines, or Mermaid. Owns every byte of output the CLI prints about them (the
 * CLI computes, render writes) and the one JSON writer (src/render/jw.h).
 * Never parse wire bytes themselves except through tlsprobe/wire.h; never read
 * files, sockets or the clock except for "days left"; no hidden state: a memo
 * is the caller's (struct tp_render_memo).
 *
 * Must not: parse wire bytes except through tlsprobe/wire.h, read files or sockets,
 * or judge: findings and verdicts are the judge's (tlsprobe/judge.h), render only
 * words them.
 */
#ifndef TLSPROBE_RENDER_H
#define TLSPROBE_RENDER_H
#include <stdbool.h>
#include <time.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/session.h"
#include "tlsprobe/strbuf.h"
#include "tlsprobe/x509.h"

/* The version of the JSON contract (docs/schema/, CHANGELOG.md): every object
 * printed at top level carries it as "schema_version". */
#define TP_JSON_SCHEMA_VERSION 2

enum tp_format {
    TP_FMT_TEXT,
    TP_FMT_JSON,
    TP_FMT_MERMAID,
    TP_FMT_HTML, /* one self-contained page (docs/html.md): tp_render_doc_begin, sessions, tp_render_doc_end */
    TP_FMT_ECS,  /* sessions only: one Elastic Common Schema document per line (docs/ecs.md) */
};

/* A memo of rendered JSON pieces for a caller that renders many sessions from
 * the same peers (pcap, listen): certificates by SHA-256, ClientHellos by every
 * field shown. It only saves work: the output is byte-identical with and without
 * one. Not thread-safe: one per thread (or per serialised renderer). About 50 KiB. */
struct tp_render_memo;
struct tp_render_memo *tp_render_memo_new(void);
void tp_render_memo_free(struct tp_render_memo *m);

struct tp_render_opts {
    enum tp_format format;
    bool color;               /* decided by the CLI: terminal, no NO_COLOR, no --no-color */
    bool explain;             /* --explain: teaching annotations under each message */
    bool verbose;             /* more detail per message (full extension lists) */
    bool no_times;            /* omit time offsets (golden tests) */
    const char *stack;        /* --stack: also show each finding's fix for this stack
                                 (tp_explain_stack_fix names); NULL: none */
    unsigned width;           /* text: columns to wrap at (the CLI's terminal width); 0 = 80 */
    struct tp_render_memo *memo; /* borrowed; NULL: render everything afresh */
    const char *source;       /* JSON "source" when not the session's own ("demo", "sniff"); NULL: the session's */
    const char *scenario;     /* JSON "scenario": the demo scenario's name; NULL: none */
    const char *caption;      /* html: a line above the session (demo: the scenario); NULL: none */
    /* appended: inspect: which public trust stores hold each CA certificate
     * (truststores.h; borrowed); NULL: not shown */
    const struct tp_trust_db *trust_db;
};

/* One session. JSON: exactly one line ending in '\n' (docs/json.md); ECS: the
 * same, an Elastic Common Schema document (docs/ecs.md). HTML: one <section> of
 * the page (docs/html.md), between tp_render_doc_begin and _end. */
void tp_render_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o);
/* The page around the sessions of one run, for formats that have one (HTML: the
 * head with its inline style, then after the last session the script that builds
 * the index and the closing tags); nothing for the others. title says what ran
 * ("connect example.com"): escaped here. Sessions stream between the two. */
void tp_render_doc_begin(struct tp_sb *out, const char *title, const struct tp_render_opts *o);
void tp_render_doc_end(struct tp_sb *out, const struct tp_render_opts *o);
/* A certificate summary (inspect, chains): text block or JSON object. */
void tp_render_cert_text(struct tp_sb *out, const struct tp_cert_info *ci, const struct tp_render_opts *o, const char *indent);
void tp_render_cert_json(struct tp_sb *out, const struct tp_cert_info *ci);
/* The same through a memo (NULL: as tp_render_cert_json). */
void tp_render_cert_json_memo(struct tp_sb *out, const struct tp_cert_info *ci, struct tp_render_memo *m);
/* Findings only (used by check / explain). */
void tp_render_findings(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o);
/* tlsprobe check: what the CLI read and judged beside the session it built
 * (s->server_chain, s->server_verify, s->findings). */
struct tp_render_check {
    const char *chain_file;          /* --chain as given */
    const char *host, *host_unicode; /* --host (A-label), and as typed when not ASCII; NULL: none */
    const char *key_file;            /* --key; NULL: none */
    bool key_matches;                /* the key belongs to the leaf */
    int key_leaf_at;                 /* > 0: the leaf is certificate #key_leaf_at of the file */
    bool client_purpose;             /* --purpose client */
    time_t at;                       /* --at; 0: now */
};
/* The report: text, or one JSON line {"source":"check", ...} (docs/errors.md). */
void tp_render_check(struct tp_sb *out, const struct tp_session *s, const struct tp_render_check *c,
                     const struct tp_render_opts *o);
/* The chain to serve (check --save-chain): the verified path without
 * self-signed anchors, leaf first, each as "# NAME" and PEM. Returns the count. */
size_t tp_render_chain_pem(struct tp_sb *out, const struct tp_verify_result *v);
/* tlsprobe inspect: file i of the files read in one call (keys are paired with
 * the certificates of all of them), read with result err. Text (TP_OK only) or
 * one JSON line {"file": ..., "kind": ...} (docs/json.md). */
void tp_render_file(struct tp_sb *out, struct tp_file *const *files, size_t n_files, size_t i, enum tp_err err,
                    const struct tp_render_opts *o);
/* tlsprobe explain: the message text as given, whether and how it matched
 * (tp_explain_match_side), the stack whose fix to give (NULL: none). */
struct tp_explain_match;
void tp_render_explain(struct tp_sb *out, const char *text, bool matched, const struct tp_explain_match *m,
                       const char *stack_key, const struct tp_render_opts *o);
/* Break the text lines of out from byte start on that are wider than width
 * columns, at spaces, continuing under the line's value column (text sessions
 * and findings do it themselves; check and inspect output through it). */
void tp_render_fold(struct tp_sb *out, size_t start, unsigned width);
/* Columns a piece of our own output takes on a terminal: UTF-8 code points,
 * colour escapes none (not for wire bytes: escape those first). */
size_t tp_render_cols(const char *p, size_t n);
/* A severity as the JSON and the summaries write it: "info", "warning", "error". */
const char *tp_render_severity(enum tp_severity s);
/* Colour helpers: return "" when o->color is false. */
const char *tp_c_red(const struct tp_render_opts *o);
const char *tp_c_yellow(const struct tp_render_opts *o);
const char *tp_c_green(const struct tp_render_opts *o);
const char *tp_c_dim(const struct tp_render_opts *o);
const char *tp_c_bold(const struct tp_render_opts *o);
const char *tp_c_reset(const struct tp_render_opts *o);

/* ---- connect with several targets (src/render/many.c) ----
 * Text: one row per session, kept by the caller (a fixed-size struct it may
 * spool to a file, so memory does not grow with the targets), then the table
 * at the end: header, rows aligned on the widest cell of each column, totals. */
enum { TP_ROW_TARGET, TP_ROW_ADDRESS, TP_ROW_VERDICT, TP_ROW_VERSION, TP_ROW_FINDING, TP_ROW_EXPIRES, TP_ROW_COLS };
struct tp_render_row {
    char cell[TP_ROW_COLS][2 * TP_MAX_NAME_LEN + 16]; /* escaped already: printable text */
    int worst;                   /* -1 no finding, else the worst enum tp_severity */
};
/* The cells of session s probed at port (its target "HOST:PORT", the address
 * connected to, the verdict, the version, the first finding of the worst
 * severity, the leaf's notAfter and days left at the session's judge time). */
void tp_render_row_of(struct tp_render_row *r, const struct tp_session *s, uint16_t port);
/* Widen w[] (columns, TP_ROW_COLS entries, 0 at first) to fit r. */
void tp_render_row_widths(const struct tp_render_row *r, size_t *w);
/* The header line, one row, and the totals line ("N targets, N sessions: N ok,
 * N with warnings, N with errors; N bad lines"). */
void tp_render_row_header(struct tp_sb *out, const size_t *w, const struct tp_render_opts *o);
void tp_render_row_line(struct tp_sb *out, const struct tp_render_row *r, const size_t *w,
                        const struct tp_render_opts *o);
struct tp_render_many_counts {
    unsigned long targets, sessions, ok, warning, error, bad_lines;
};
void tp_render_many_totals(struct tp_sb *out, const struct tp_render_many_counts *c, const struct tp_render_opts *o);
/* --format json: the closing summary line, source "connect": the capture
 * summary's counts (tlsprobe/capture.h) and "targets" with c. */
struct tp_capture_summary;
void tp_render_connect_summary_json(struct tp_sb *out, const struct tp_capture_summary *sum,
                                    const struct tp_render_many_counts *c);

/* tlsprobe scan: the report of a scan (tlsprobe/scan.h) and the findings the
 * judge gave it (a container session's, tp_diagnose_scan; NULL: none). Text in
 * sections (protocols, suites per protocol, groups, signature algorithms, ALPN,
 * resumption, renegotiation, certificates, findings), or one JSON line
 * {"type":"scan","source":"scan",...} (docs/json.md). */
struct tp_scan_result;
void tp_render_scan(struct tp_sb *out, const struct tp_scan_result *r, const struct tp_session *findings,
                    const struct tp_render_opts *o);
#endif
