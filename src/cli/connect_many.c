/* tlsprobe connect with several targets: HOST... on the command line, --targets
 * FILE (streamed: one line read when a slot of the probe's window is free) and
 * --all-addresses. The probing, the threads and the order are tp_probe_many's
 * (tlsprobe/probe.h); here: the targets as users write them, and the output,
 * each session rendered in input order as it comes (JSON Lines, Mermaid, HTML,
 * ECS) or, in text, one row per session spooled to a temporary file and printed
 * as one table at the end, so memory does not grow with the list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "tlsprobe/capture.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/pkcs12.h"
#include "tlsprobe/probe.h"
#include "tlsprobe/render.h"

#define LINE_MAX_LEN 1024 /* a targets line: a host name, a port, a server name and a comment */

int tp_cli_connect_many_take(const struct tp_cli_cmd *cmd, int id, const char *value)
{
    long n;
    if (id == TP_OPT_JOBS && !tp_cli_long(value, 1, TP_MANY_MAX_JOBS, &n))
        return tp_cli_usage_fail(cmd, "--jobs takes a whole number from 1 to %d, not '%s'", TP_MANY_MAX_JOBS, value);
    if (id == TP_OPT_TARGETS && !value[0])
        return tp_cli_usage_fail(cmd, "--targets takes a file name (- for standard input)");
    return -1; /* read again from the parsed arguments by tp_cli_connect_many */
}

/* The last value of option id (NULL: not given; "" for a flag given). */
static const char *last_opt(const struct tp_cli_args *a, int id)
{
    const char *v = NULL;
    for (size_t i = 0; i < a->n_opt; i++)
        if (a->opt[i].id == id)
            v = a->opt[i].value ? a->opt[i].value : "";
    return v;
}

bool tp_cli_connect_many_wanted(const struct tp_cli_args *a)
{
    return a->n_operand > 1 || last_opt(a, TP_OPT_TARGETS) || last_opt(a, TP_OPT_ALL_ADDRESSES);
}

struct many {
    const struct tp_cli_cmd *cmd;
    char **operand;
    int n_operand, next_operand;
    FILE *file;                  /* --targets; NULL: none, or read to its end */
    const char *file_name;       /* as shown in messages */
    unsigned long line;
    bool read_error;
    struct tp_render_opts ro;
    struct tp_sb sb;
    struct tp_capture_summary *sum; /* --format json */
    FILE *spool;                 /* text: the rows (struct tp_render_row), read back at the end */
    size_t widths[TP_ROW_COLS];
    struct tp_render_many_counts counts;
    int status;
    bool progress;               /* stderr is a terminal */
    bool progress_shown;
    double progress_at;          /* when the progress line was last written (monotonic s) */
};

/* HOST[:PORT] [SERVERNAME] into t; false with a reason in why. */
static bool target_of(const char *spec, const char *servername, struct tp_many_target *t, char *why, size_t cap)
{
    struct tp_cli_target ct;
    if (tp_cli_target_parse(spec, &ct, why, cap) != 0)
        return false;
    snprintf(t->host, sizeof t->host, "%s", ct.host);
    t->port = ct.port;
    t->starttls = ct.starttls;
    if (servername) {
        char e[300], uni[TP_MAX_NAME_LEN + 1];
        if (tp_cli_name_normalize(servername, t->servername, sizeof t->servername, uni, sizeof uni, e, sizeof e) <
            0) {
            snprintf(why, cap, "server name: %s", e);
            return false;
        }
    }
    return true;
}

static void bad_line(struct many *m, const char *why)
{
    fprintf(stderr, "tlsprobe: %s: %s:%lu: %s\n", m->cmd->name, m->file_name, m->line, why);
    m->counts.bad_lines++;
}

/* One line of --targets: 1 a target, 0 nothing on it (blank, comment), -1 bad. */
static int parse_line(struct many *m, char *line, struct tp_many_target *t)
{
    /* '#' at the start of a word begins a comment ("https://h/#x" keeps its '#') */
    for (char *p = line; *p; p++)
        if (*p == '#' && (p == line || strchr(" \t", p[-1]))) {
            *p = 0;
            break;
        }
    char *words[3];
    int n = 0;
    for (char *save = NULL, *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == 2) {
            bad_line(m, "expected HOST[:PORT] [SERVERNAME], got a third word");
            return -1;
        }
        words[n++] = w;
    }
    if (n == 0)
        return 0;
    char why[512];
    if (!target_of(words[0], n > 1 ? words[1] : NULL, t, why, sizeof why)) {
        bad_line(m, why);
        return -1;
    }
    return 1;
}

/* tp_many_opts.next: the operands, then the file, a line at a time. */
static int next_target(void *ctx, struct tp_many_target *t)
{
    struct many *m = ctx;
    if (m->next_operand < m->n_operand) {
        char why[512];
        /* checked before the run started: cannot fail here */
        if (target_of(m->operand[m->next_operand++], NULL, t, why, sizeof why))
            return 1;
    }
    char line[LINE_MAX_LEN + 2];
    while (m->file && fgets(line, sizeof line, m->file)) {
        m->line++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') { /* too long: skip to its end */
            int c;
            while ((c = fgetc(m->file)) != EOF && c != '\n')
                ;
            bad_line(m, "line longer than 1024 characters");
            continue;
        }
        if (parse_line(m, line, t) == 1)
            return 1;
    }
    if (m->file && ferror(m->file) && !m->read_error) {
        fprintf(stderr, "tlsprobe: %s: --targets %s: read error after line %lu: %s\n", m->cmd->name, m->file_name,
                m->line, strerror(errno));
        m->read_error = true;
    }
    return 0;
}

static void progress_clear(struct many *m)
{
    if (m->progress_shown)
        fputs("\r\033[K", stderr);
    m->progress_shown = false;
}

static void on_progress(const struct tp_many_progress *p, void *ctx)
{
    struct many *m = ctx;
    if (!m->progress || (p->started < 2 && p->sessions < 2))
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double t = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
    if (t - m->progress_at < 0.1 && p->started != p->done)
        return; /* ten lines a second at most */
    m->progress_at = t;
    fprintf(stderr, "\r\033[Kconnect: %zu target%s done, %zu running, %lu session%s with errors", p->done,
            p->done == 1 ? "" : "s", p->started - p->done, m->counts.error, m->counts.error == 1 ? "" : "s");
    m->progress_shown = true;
}

static void on_session(struct tp_session *s, const struct tp_many_target *t, size_t addr_i, void *ctx)
{
    struct many *m = ctx;
    (void)addr_i;
    if (addr_i == 0)
        m->counts.targets++;
    m->counts.sessions++;
    int worst = -1;
    for (size_t i = 0; i < s->n_findings; i++)
        if ((int)s->findings[i].severity > worst)
            worst = (int)s->findings[i].severity;
    if (worst == TP_SEV_ERROR)
        m->counts.error++;
    else if (worst == TP_SEV_WARNING)
        m->counts.warning++;
    else
        m->counts.ok++;
    if (tp_exit_status(s) == TP_EXIT_FINDING && m->status == TP_EXIT_OK)
        m->status = TP_EXIT_FINDING;
    if (m->ro.format == TP_FMT_TEXT) {
        struct tp_render_row r;
        tp_render_row_of(&r, s, t->port);
        tp_render_row_widths(&r, m->widths);
        if (fwrite(&r, sizeof r, 1, m->spool) != 1 && m->status != TP_EXIT_USAGE) {
            fprintf(stderr, "tlsprobe: %s: cannot write the table's temporary file: %s\n", m->cmd->name,
                    strerror(errno));
            m->status = TP_EXIT_USAGE;
        }
        return;
    }
    if (m->sum)
        tp_capture_summary_add(m->sum, s);
    tp_sb_reset(&m->sb);
    tp_cli_render_session(&m->sb, s, &m->ro, true);
    progress_clear(m);
    tp_cli_print(&m->sb);
}

/* Text: the spooled rows as one table. */
static void print_table(struct many *m)
{
    rewind(m->spool);
    tp_sb_reset(&m->sb);
    tp_render_row_header(&m->sb, m->widths, &m->ro);
    struct tp_render_row r;
    while (fread(&r, sizeof r, 1, m->spool) == 1) {
        tp_render_row_line(&m->sb, &r, m->widths, &m->ro);
        if (m->sb.len > 64 * 1024) {
            tp_cli_print(&m->sb);
            tp_sb_reset(&m->sb);
        }
    }
    tp_render_many_totals(&m->sb, &m->counts, &m->ro);
    tp_cli_print(&m->sb);
}

int tp_cli_connect_many(const struct tp_cli_cmd *cmd, struct tp_cli_args *a, struct tp_connect_opts *o,
                        bool starttls_fixed)
{
    const char *file = last_opt(a, TP_OPT_TARGETS);
    const char *jobs_s = last_opt(a, TP_OPT_JOBS);
    long jobs = TP_CLI_JOBS_DEFAULT;
    if (jobs_s && !tp_cli_long(jobs_s, 1, TP_MANY_MAX_JOBS, &jobs))
        return TP_EXIT_USAGE; /* refused by take() already */
    if (a->n_operand == 0 && !file)
        return tp_cli_usage_fail(cmd, "missing TARGET (HOST, HOST:PORT, [IPv6]:PORT or https://HOST:PORT/) or "
                                      "--targets FILE");
    if (o->servername && o->no_sni)
        return tp_cli_fail("--servername and --no-sni exclude each other");
    if (o->key && !o->cert)
        return tp_cli_fail("--key needs --cert too");
    if (tp_cli_pass_spec(a) && !o->cert)
        return tp_cli_fail("--pass opens --cert or --key: give one");
    if (o->write_pcap)
        return tp_cli_usage_fail(cmd, "--write-pcap takes one target (and no --all-addresses)");
    if (a->com.format == TP_FMT_TEXT && (a->com.explain || a->com.stack))
        return tp_cli_usage_fail(cmd, "with several targets the text output is one table: --%s needs --format json "
                                      "(or html), or one target", a->com.explain ? "explain" : "stack");
    const char *pass_spec = tp_cli_pass_spec(a);
    if (file && !strcmp(file, "-") && pass_spec && !strcmp(pass_spec, "stdin"))
        return tp_cli_usage_fail(cmd, "--targets - and --pass stdin both read standard input: give one a file");
    char why[512];
    struct tp_many_target check;
    for (int i = 0; i < a->n_operand; i++)
        if (!target_of(a->operand[i], NULL, &check, why, sizeof why))
            return tp_cli_usage_fail(cmd, "%s", why);
    char sni[TP_MAX_NAME_LEN + 1], sni_unicode[TP_MAX_NAME_LEN + 1];
    if (o->servername) {
        if (tp_cli_name_normalize(o->servername, sni, sizeof sni, sni_unicode, sizeof sni_unicode, why, sizeof why) <
            0)
            return tp_cli_usage_fail(cmd, "--servername: %s", why);
        o->servername = sni;
    }
    o->keylog = tp_cli_keylog(o->keylog);
    o->at = (int64_t)a->com.at;

    struct many m;
    memset(&m, 0, sizeof m);
    m.cmd = cmd;
    m.operand = a->operand;
    m.n_operand = a->n_operand;
    m.status = TP_EXIT_OK;
    if (file) {
        bool is_stdin = !strcmp(file, "-");
        m.file = is_stdin ? stdin : fopen(file, "r");
        m.file_name = is_stdin ? TP_CLI_STDIN_NAME : file;
        if (!m.file)
            return tp_cli_fail("%s: --targets %s: %s", cmd->name, file, strerror(errno));
    }
    m.ro = tp_cli_render_opts(&a->com);
    m.progress = isatty(STDERR_FILENO) == 1;
    int fin = -1;
    if (m.ro.format == TP_FMT_TEXT && !(m.spool = tmpfile()))
        fin = tp_cli_fail("%s: cannot create a temporary file for the table: %s", cmd->name, strerror(errno));
    struct tp_secret pass = { 0 };
    if (fin < 0)
        fin = tp_cli_pass(a, &pass);
    if (fin >= 0) {
        if (m.spool)
            fclose(m.spool);
        if (m.file && m.file != stdin)
            fclose(m.file);
        return fin;
    }
    o->pass = pass.text ? &pass : NULL;
    m.ro.memo = tp_render_memo_new(); /* NULL renders afresh */
    if (m.ro.format == TP_FMT_JSON)
        m.sum = tp_capture_summary_new();
    tp_sb_init(&m.sb);
    char title[512];
    tp_cli_doc_title(title, sizeof title, cmd->name, a->operand, a->n_operand);
    tp_render_doc_begin(&m.sb, title, &m.ro);
    tp_cli_print(&m.sb);

    struct tp_many_opts mo = {
        .base = o, .jobs = (int)jobs, .all_addresses = last_opt(a, TP_OPT_ALL_ADDRESSES) != NULL,
        .starttls_fixed = starttls_fixed,
        .next = next_target, .on_session = on_session, .on_progress = on_progress, .ctx = &m,
    };
    char err[512] = "";
    enum tp_err e = tp_probe_many(&mo, err, sizeof err);
    tp_secret_wipe(&pass);
    progress_clear(&m);
    if (e != TP_OK) {
        fin = tp_cli_fail("%s", err[0] ? err : tp_err_text(e));
    } else {
        tp_sb_reset(&m.sb);
        if (m.ro.format == TP_FMT_TEXT)
            print_table(&m);
        tp_sb_reset(&m.sb);
        if (m.sum)
            tp_render_connect_summary_json(&m.sb, m.sum, &m.counts);
        tp_render_doc_end(&m.sb, &m.ro);
        tp_cli_print(&m.sb);
        fin = m.status;
        if (m.counts.bad_lines || m.read_error)
            fin = TP_EXIT_USAGE;
    }
    tp_sb_free(&m.sb);
    tp_render_memo_free(m.ro.memo);
    tp_capture_summary_free(m.sum);
    if (m.spool)
        fclose(m.spool);
    if (m.file && m.file != stdin)
        fclose(m.file);
    return fin;
}
