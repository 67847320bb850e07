/* tlsprobe demo: the main job on an embedded default. A local lab (src/probe/lab.c)
 * with a PKI generated at run time, one scenario per run, traced and explained. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tlsprobe/capture.h"
#include "tlsprobe/lab.h"
#include "tlsprobe/diagnose.h"

static int run(int argc, char **argv);

enum { OPT_TIMEOUT = 1000 };

struct demo_args {
    bool do_list, brief;
    const char *keep;
    int timeout_ms;
};

#define STR(m) TP_CLI_STR_IN(struct demo_args, m)
#define FLAG(m) TP_CLI_FLAG_IN(struct demo_args, m)

/* No --explain: the demo explains by default (--brief turns it off). */
static const struct tp_cli_opt opts[] = {
    { FLAG(do_list), "list", 0, NULL, "name the scenarios with one line each, then exit" },
    { STR(keep), "keep", 0, "DIR", "also write the lab PKI to DIR as PEM files with a README" },
    { FLAG(brief), "brief", 0, NULL, "no teaching text (the demo explains by default)" },
    { OPT_TIMEOUT, "timeout", 0, "SECONDS", "deadline for each probe (default 10)" },
};

const struct tp_cli_cmd tp_cli_demo = {
    .name = "demo",
    .summary = "run a local TLS lab (no network) and explain each step",
    .head = "usage: tlsprobe demo [SCENARIO|all] [OPTIONS]\n"
            "\n"
            "Start a TLS server on 127.0.0.1 with a lab PKI made a moment ago, probe it like\n"
            "'tlsprobe connect' would, and explain every step. No network needed, nothing left\n"
            "behind. Each scenario except 'good' shows one finding on purpose.\n"
            "\n"
            "scenarios (default good; 'all' runs every one):\n"
            "  good, unknown-authority, missing-intermediate, hostname-mismatch, cn-only,\n"
            "  expired, client-cert-required, version-mismatch, name-constraint\n"
            "\n",
    .foot = "exit status: 0 every scenario ran as designed (its finding is expected), 1 a\n"
            "scenario did not show what it should, 2 the lab could not run\n",
    TP_CLI_OPTS(opts),
    .run = run,
    .tail = TP_TAIL_ALL,
};

static bool has_finding(const struct tp_session *s, const char *id)
{
    for (size_t i = 0; i < s->n_findings; i++)
        if (s->findings[i].id && !strcmp(s->findings[i].id, id))
            return true;
    return false;
}

/* Did the scenario show what it is built to show? */
static bool as_designed(const struct tp_lab_scenario *sc, const struct tp_session *s)
{
    if (sc->finding)
        return has_finding(s, sc->finding);
    return s->handshake_complete && tp_session_worst(s) < TP_SEV_ERROR;
}

/* Our own prose, wrapped at width columns (tp_render_cols: UTF-8 code points,
 * colour escapes as nothing). */
static void wrap_at(struct tp_sb *sb, const char *text, size_t width)
{
    size_t col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t n = (size_t)(p - w);
        if (!n)
            break;
        size_t c = tp_render_cols(w, n);
        if (col && col + 1 + c > width) {
            tp_sb_putc(sb, '\n');
            col = 0;
        } else if (col) {
            tp_sb_putc(sb, ' ');
            col++;
        }
        tp_sb_putn(sb, w, n);
        col += c;
    }
    tp_sb_putc(sb, '\n');
}

static void list(void)
{
    size_t n;
    const struct tp_lab_scenario *sc = tp_lab_scenarios(&n);
    for (size_t i = 0; i < n; i++)
        printf("  %-22s %s\n", sc[i].name, sc[i].title);
}

static int take(void *ctx, const struct tp_cli_cmd *cmd, int id, const char *v)
{
    struct demo_args *a = ctx;
    double t;
    (void)id; /* --timeout */
    if (!tp_cli_seconds(v, false, 3600, &t))
        return tp_cli_usage_fail(cmd, "--timeout takes a number of seconds above 0 and at most 3600, not '%s'", v);
    a->timeout_ms = (int)(t * 1000);
    return -1;
}

/* Text: the rule between scenarios, the title and what the scenario sets up. */
static void intro(struct tp_sb *sb, const struct tp_lab_scenario *sc, bool rule, const struct tp_render_opts *ro)
{
    if (rule) {
        tp_sb_putc(sb, '\n');
        for (unsigned k = 0; k < 72 && k < ro->width; k++)
            tp_sb_put(sb, "─");
        tp_sb_put(sb, "\n\n");
    }
    struct tp_sb t;
    tp_sb_init(&t);
    tp_sb_printf(&t, "%stlsprobe demo: %s%s — %s", tp_c_bold(ro), sc->name, tp_c_reset(ro), sc->title);
    wrap_at(sb, tp_sb_str(&t), ro->width);
    tp_sb_reset(&t);
    tp_sb_put(&t, sc->setup);
    if (sc->finding)
        tp_sb_printf(&t, " This scenario shows the finding '%s' on purpose.", sc->finding);
    else
        tp_sb_put(&t, " Nothing should go wrong.");
    wrap_at(sb, tp_sb_str(&t), ro->width);
    tp_sb_putc(sb, '\n');
    tp_sb_free(&t);
}

/* Text: what to try next when the scenario ran as designed. */
static void outro(struct tp_sb *sb, const struct tp_lab_scenario *sc, const struct tp_render_opts *ro)
{
    struct tp_sb done;
    tp_sb_init(&done);
    if (sc->finding)
        tp_sb_printf(&done, "%sAs designed:%s tlsprobe found '%s', the problem this scenario builds on "
                            "purpose. Try the others: tlsprobe demo --list",
                     tp_c_green(ro), tp_c_reset(ro), sc->finding);
    else
        tp_sb_printf(&done, "%sAs designed:%s a healthy handshake. Now break it: tlsprobe demo --list",
                     tp_c_green(ro), tp_c_reset(ro));
    tp_sb_putc(sb, '\n');
    wrap_at(sb, tp_sb_str(&done), ro->width);
    tp_sb_free(&done);
}

/* One scenario: run, print, check it showed what it was built to show.
 * Returns the exit status so far, or -1 after a failure already reported. */
static int one_scenario(struct tp_lab *lab, const struct tp_lab_scenario *sc, bool rule, bool fenced,
                        const struct demo_args *a, const struct tp_render_opts *ro_all,
                        struct tp_capture_summary *sum)
{
    struct tp_render_opts scen = *ro_all; /* JSON: source "demo" and the scenario's name */
    scen.scenario = sc->name;
    const struct tp_render_opts *ro = &scen;
    bool text = ro->format == TP_FMT_TEXT;
    struct tp_sb sb;
    tp_sb_init(&sb);
    if (text) {
        intro(&sb, sc, rule, ro);
        tp_cli_print(&sb);
        tp_sb_reset(&sb);
    }
    struct tp_session *s = NULL;
    char err[512] = "";
    if (tp_lab_run(lab, sc, a->timeout_ms, &s, err, sizeof err) != TP_OK) {
        tp_sb_free(&sb);
        tp_cli_fail("%s", err);
        return -1;
    }
    char caption[256];
    struct tp_render_opts sro = *ro;
    if (ro->format == TP_FMT_HTML) { /* the scenario above its section */
        snprintf(caption, sizeof caption, "demo %s \xe2\x80\x94 %s", sc->name, sc->title);
        sro.caption = caption;
    }
    tp_cli_render_session(&sb, s, &sro, fenced);
    if (sum)
        tp_capture_summary_add(sum, s);
    bool ok = as_designed(sc, s);
    if (text && ok)
        outro(&sb, sc, ro);
    tp_cli_print(&sb);
    tp_sb_free(&sb);
    tp_session_free(s);
    if (ok)
        return TP_EXIT_OK;
    fprintf(stderr, "tlsprobe: demo %s: expected %s%s%s, which tlsprobe did not report\n", sc->name,
            sc->finding ? "the finding '" : "a clean handshake", sc->finding ? sc->finding : "",
            sc->finding ? "'" : "");
    return TP_EXIT_FINDING;
}

static int run(int argc, char **argv)
{
    const struct tp_cli_cmd *cmd = &tp_cli_demo;
    struct demo_args a = { .timeout_ms = 10000 };
    struct tp_cli_args args;
    int fin = tp_cli_options(cmd, argc, argv, &args, take, &a);
    if (fin >= 0)
        return fin;
    if (a.do_list) {
        list();
        return TP_EXIT_OK;
    }
    if (args.n_operand > 1)
        return tp_cli_fail("demo takes one scenario, not %d (try 'tlsprobe demo --list')", args.n_operand);
    const char *name = args.n_operand > 0 ? args.operand[0] : "good";
    size_t n_all;
    const struct tp_lab_scenario *all = tp_lab_scenarios(&n_all);
    const struct tp_lab_scenario *one = NULL;
    if (strcmp(name, "all") != 0) {
        one = tp_lab_scenario_find(name);
        if (!one)
            return tp_cli_fail("no demo scenario '%s' (try 'tlsprobe demo --list')", name);
        all = one;
        n_all = 1;
    }

    /* The lab server and the probe share this process: a peer closing first must
     * end in an error return, not in SIGPIPE killing the demo. */
    signal(SIGPIPE, SIG_IGN);
    char err[512] = "";
    struct tp_lab *lab = tp_lab_new(err, sizeof err);
    if (!lab)
        return tp_cli_fail("%s", err);
    if (a.keep && tp_lab_write(lab, a.keep, err, sizeof err) != TP_OK) {
        tp_lab_free(lab);
        return tp_cli_fail("%s", err);
    }
    struct tp_render_opts ro = tp_cli_render_opts(&args.com);
    ro.explain = !a.brief;
    ro.source = "demo";
    /* demo all --format json ends with the summary object, as pcap and listen do */
    struct tp_capture_summary *sum = !one && ro.format == TP_FMT_JSON ? tp_capture_summary_new() : NULL;
    int status = TP_EXIT_OK;
    struct tp_sb doc;
    tp_sb_init(&doc);
    char title[128];
    snprintf(title, sizeof title, "demo %s", name);
    tp_render_doc_begin(&doc, title, &ro);
    tp_cli_print(&doc);
    for (size_t i = 0; i < n_all && status != TP_EXIT_USAGE; i++) {
        int rc = one_scenario(lab, &all[i], i > 0, !one, &a, &ro, sum);
        if (rc < 0)
            rc = TP_EXIT_USAGE;
        if (rc > status)
            status = rc;
    }
    tp_sb_reset(&doc);
    tp_render_doc_end(&doc, &ro);
    tp_cli_print(&doc);
    tp_sb_free(&doc);
    if (sum && status != TP_EXIT_USAGE) {
        struct tp_sb sb;
        tp_sb_init(&sb);
        tp_render_capture_summary_json(&sb, "demo", sum, NULL, 0);
        tp_cli_print(&sb);
        tp_sb_free(&sb);
    }
    tp_capture_summary_free(sum);
    if (a.keep && ro.format == TP_FMT_TEXT && status != TP_EXIT_USAGE)
        printf("\nThe lab PKI is in %s (start with %s/README.md).\n", a.keep, a.keep);
    tp_lab_free(lab);
    return status;
}
