/* tlsprobe demo: the main job on an embedded default. A local lab (src/probe/lab.c)
 * with a PKI generated at run time, one scenario per run, traced and explained. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tlsprobe/lab.h"
#include "tlsprobe/diagnose.h"

static int run(int argc, char **argv);

enum { OPT_LIST = 1000, OPT_KEEP, OPT_BRIEF, OPT_TIMEOUT };

/* No --explain: the demo explains by default (--brief turns it off). */
static const struct tp_cli_opt opts[] = {
    { OPT_LIST, "list", 0, NULL, "name the scenarios with one line each, then exit" },
    { OPT_KEEP, "keep", 0, "DIR", "also write the lab PKI to DIR as PEM files with a README" },
    { OPT_BRIEF, "brief", 0, NULL, "no teaching text (the demo explains by default)" },
    { OPT_TIMEOUT, "timeout", 0, "SECONDS", "deadline for each probe (default 10)" },
    TP_ROW_FORMAT_ALL,
    TP_ROW_NO_COLOR,
    TP_ROW_HELP,
    TP_ROW_VERSION,
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
    .opts = opts,
    .n_opts = TP_CLI_N(opts),
    .run = run,
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

static int run(int argc, char **argv)
{
    const struct tp_cli_cmd *cmd = &tp_cli_demo;
    bool do_list = false, brief = false;
    const char *keep = NULL;
    int timeout_ms = 10000;
    struct tp_cli_args args;
    int fin = tp_cli_parse(cmd, argc, argv, &args);
    if (fin >= 0)
        return fin;
    struct tp_cli_common common = args.com;
    for (size_t i = 0; i < args.n_opt; i++) {
        const char *v = args.opt[i].value;
        switch (args.opt[i].id) {
        case OPT_LIST: do_list = true; break;
        case OPT_KEEP: keep = v; break;
        case OPT_BRIEF: brief = true; break;
        case OPT_TIMEOUT: {
            char *end;
            double t = strtod(v, &end);
            if (*end || end == v || !(t > 0) || t > 3600)
                return tp_cli_usage_fail(cmd, "--timeout takes a number of seconds above 0 and at most 3600, not '%s'", v);
            timeout_ms = (int)(t * 1000);
            break;
        }
        }
    }
    argc = args.n_operand;
    argv = args.operand;
    if (do_list) {
        list();
        return TP_EXIT_OK;
    }
    if (argc > 1)
        return tp_cli_fail("demo takes one scenario, not %d (try 'tlsprobe demo --list')", argc);
    const char *name = argc > 0 ? argv[0] : "good";
    size_t n_all;
    const struct tp_lab_scenario *all = tp_lab_scenarios(&n_all);
    const struct tp_lab_scenario *one = NULL;
    if (strcmp(name, "all") != 0) {
        one = tp_lab_scenario_find(name);
        if (!one)
            return tp_cli_fail("no demo scenario '%s' (try 'tlsprobe demo --list')", name);
    }

    /* The lab server and the probe share this process: a peer closing first must
     * end in an error return, not in SIGPIPE killing the demo. */
    signal(SIGPIPE, SIG_IGN);
    char err[512] = "";
    struct tp_lab *lab = tp_lab_new(err, sizeof err);
    if (!lab)
        return tp_cli_fail("%s", err);
    if (keep && tp_lab_write(lab, keep, err, sizeof err) != TP_OK) {
        tp_lab_free(lab);
        return tp_cli_fail("%s", err);
    }

    struct tp_render_opts ro = tp_cli_render_opts(&common);
    ro.explain = !brief;
    bool text = ro.format == TP_FMT_TEXT;
    int status = TP_EXIT_OK;
    for (size_t i = 0; i < n_all; i++) {
        const struct tp_lab_scenario *sc = one ? one : &all[i];
        if (one && i > 0)
            break;
        struct tp_sb sb;
        tp_sb_init(&sb);
        if (text) {
            if (i > 0) {
                tp_sb_putc(&sb, '\n');
                for (unsigned k = 0; k < 72 && k < ro.width; k++)
                    tp_sb_put(&sb, "─");
                tp_sb_put(&sb, "\n\n");
            }
            struct tp_sb title;
            tp_sb_init(&title);
            tp_sb_printf(&title, "%stlsprobe demo: %s%s — %s", tp_c_bold(&ro), sc->name, tp_c_reset(&ro), sc->title);
            wrap_at(&sb, tp_sb_str(&title), ro.width);
            tp_sb_free(&title);
            struct tp_sb para;
            tp_sb_init(&para);
            tp_sb_put(&para, sc->setup);
            if (sc->finding)
                tp_sb_printf(&para, " This scenario shows the finding '%s' on purpose.", sc->finding);
            else
                tp_sb_put(&para, " Nothing should go wrong.");
            wrap_at(&sb, tp_sb_str(&para), ro.width);
            tp_sb_putc(&sb, '\n');
            tp_sb_free(&para);
            tp_cli_print(&sb);
            tp_sb_reset(&sb);
        }
        struct tp_session *s = NULL;
        if (tp_lab_run(lab, sc, timeout_ms, &s, err, sizeof err) != TP_OK) {
            tp_sb_free(&sb);
            tp_lab_free(lab);
            return tp_cli_fail("%s", err);
        }
        tp_cli_render_session(&sb, s, &ro, !one);
        bool ok = as_designed(sc, s);
        if (text) {
            struct tp_sb done;
            tp_sb_init(&done);
            if (ok && sc->finding)
                tp_sb_printf(&done, "%sAs designed:%s tlsprobe found '%s', the problem this scenario builds on "
                                    "purpose. Try the others: tlsprobe demo --list",
                             tp_c_green(&ro), tp_c_reset(&ro), sc->finding);
            else if (ok)
                tp_sb_printf(&done, "%sAs designed:%s a healthy handshake. Now break it: tlsprobe demo --list",
                             tp_c_green(&ro), tp_c_reset(&ro));
            if (done.len) {
                tp_sb_putc(&sb, '\n');
                wrap_at(&sb, tp_sb_str(&done), ro.width);
            }
            tp_sb_free(&done);
        }
        tp_cli_print(&sb);
        tp_sb_free(&sb);
        if (!ok) {
            fprintf(stderr, "tlsprobe: demo %s: expected %s%s%s, which tlsprobe did not report\n", sc->name,
                    sc->finding ? "the finding '" : "a clean handshake", sc->finding ? sc->finding : "",
                    sc->finding ? "'" : "");
            status = TP_EXIT_FINDING;
        }
        tp_session_free(s);
    }
    if (keep && text)
        printf("\nThe lab PKI is in %s (start with %s/README.md).\n", keep, keep);
    tp_lab_free(lab);
    return status;
}
