/* The command-line parser every command uses, driven by its option table
 * (struct tp_cli_opt in cli.h), and the --help text made from the same table. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tlsprobe/diagnose.h"

/* Column where option descriptions start in --help. */
#define HELP_COL 26

int tp_cli_usage_fail(const struct tp_cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tlsprobe: %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'tlsprobe %s --help')\n", cmd->name);
    return TP_EXIT_USAGE;
}

/* The common rows of each tail (enum tp_cli_tail), ending with a NULL name. */
static const struct tp_cli_opt tail_end[] = { TP_ROW_NO_COLOR, TP_ROW_HELP, TP_ROW_VERSION, { 0 } };
static const struct tp_cli_opt tail_tj[] = { TP_ROW_FORMAT_TJ, TP_ROW_NO_COLOR, TP_ROW_HELP, TP_ROW_VERSION, { 0 } };
static const struct tp_cli_opt tail_all[] = { TP_ROW_FORMAT_ALL, TP_ROW_NO_COLOR, TP_ROW_HELP, TP_ROW_VERSION, { 0 } };
static const struct tp_cli_opt tail_all_explain[] = { TP_ROW_FORMAT_ALL, TP_ROW_EXPLAIN, TP_ROW_NO_COLOR, TP_ROW_HELP,
                                                      TP_ROW_VERSION, { 0 } };
static const struct tp_cli_opt *const tails[] = { NULL, tail_end, tail_tj, tail_all, tail_all_explain };

/* Row i of a command: its own rows, then its tail's; NULL past the last. */
static const struct tp_cli_opt *row(const struct tp_cli_cmd *cmd, size_t i)
{
    if (i < cmd->n_opts)
        return &cmd->opts[i];
    const struct tp_cli_opt *t = tails[cmd->tail];
    return t && t[i - cmd->n_opts].name ? &t[i - cmd->n_opts] : NULL;
}

static const struct tp_cli_opt *find_long(const struct tp_cli_cmd *cmd, const char *name, size_t len)
{
    for (size_t i = 0; row(cmd, i); i++)
        if (strlen(row(cmd, i)->name) == len && !memcmp(row(cmd, i)->name, name, len))
            return row(cmd, i);
    return NULL;
}

static const struct tp_cli_opt *find_short(const struct tp_cli_cmd *cmd, char c)
{
    for (size_t i = 0; row(cmd, i); i++)
        if (row(cmd, i)->short_name && row(cmd, i)->short_name == c)
            return row(cmd, i);
    return NULL;
}

/* A value name that lists the values allowed: lowercase words and '|' only
 * ("text|json"), with at least one '|'. "FILE|DIR" is a name, not a list. */
static bool is_choice_list(const char *arg)
{
    if (!strchr(arg, '|'))
        return false;
    for (const char *p = arg; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '|' || *p == '-' || *p == '.'))
            return false;
    return true;
}

static bool in_choice_list(const char *list, const char *v)
{
    size_t vl = strlen(v);
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, "|");
        if (n == vl && !memcmp(p, v, n))
            return true;
        if (!p[n])
            return false;
        p += n + 1;
    }
}

/* "text, json or mermaid" from "text|json|mermaid", on stderr. */
static void put_choices(FILE *f, const char *list)
{
    size_t n_bars = 0;
    for (const char *p = list; *p; p++)
        n_bars += *p == '|';
    size_t k = 0;
    for (const char *p = list; *p; p++) {
        if (*p == '|') {
            fputs(++k == n_bars ? " or " : ", ", f);
            continue;
        }
        fputc(*p, f);
    }
}

/* An option another command has: say so, it is the likeliest mix-up. */
static int unknown_option(const struct tp_cli_cmd *cmd, const char *given, size_t len, bool is_long)
{
    for (size_t i = 0; i < tp_cli_n_cmds; i++) {
        const struct tp_cli_cmd *other = tp_cli_cmds[i];
        if (other == cmd)
            continue;
        const struct tp_cli_opt *o = is_long ? find_long(other, given + 2, len - 2) : find_short(other, given[1]);
        if (o)
            return tp_cli_usage_fail(cmd, "%.*s is not an option of %s ('tlsprobe %s' has it)", (int)len, given,
                                     cmd->name, other->name);
    }
    return tp_cli_usage_fail(cmd, "unknown option '%.*s'",
                             (int)len, given);
}

static int set_common(const struct tp_cli_opt *o, const char *val, struct tp_cli_common *c)
{
    switch (o->id) {
    case TP_OPT_FORMAT:
        c->format = !strcmp(val, "json")      ? TP_FMT_JSON
                    : !strcmp(val, "mermaid") ? TP_FMT_MERMAID
                    : !strcmp(val, "html")    ? TP_FMT_HTML
                    : !strcmp(val, "ecs")     ? TP_FMT_ECS
                                              : TP_FMT_TEXT;
        return 1;
    case TP_OPT_EXPLAIN: c->explain = true; return 1;
    case TP_OPT_NO_COLOR: c->no_color = true; return 1;
    case TP_OPT_HELP: c->help = true; return 1;
    case TP_OPT_VERSION: c->version = true; return 1;
    default: return 0;
    }
}

/* An operand, never an option: "-" (standard input), anything that does not
 * start with '-', anything with a space in it (a pasted message such as
 * "- Status: The certificate is NOT trusted"), and "-<digit>..." (an error
 * number such as -188; no option is a digit). */
static bool is_operand(const char *s)
{
    return s[0] != '-' || s[1] == '\0' || strchr(s, ' ') || strchr(s, '\t') || strchr(s, '\n') ||
           isdigit((unsigned char)s[1]);
}

int tp_cli_parse(const struct tp_cli_cmd *cmd, int argc, char **argv, struct tp_cli_args *a)
{
    memset(a, 0, sizeof *a);
    int w = 1; /* operands are moved to argv[1..w-1]; w <= i always */
    bool operands_only = false;
    for (int i = 1; i < argc; i++) {
        char *s = argv[i];
        if (operands_only || is_operand(s)) {
            argv[w++] = s;
            continue;
        }
        if (!strcmp(s, "--")) {
            operands_only = true;
            continue;
        }
        const struct tp_cli_opt *o;
        const char *val = NULL;
        size_t given_len;
        if (s[1] == '-') {
            const char *eq = strchr(s + 2, '=');
            given_len = eq ? (size_t)(eq - s) : strlen(s);
            o = find_long(cmd, s + 2, given_len - 2);
            if (!o)
                return unknown_option(cmd, s, given_len, true);
            if (eq) {
                if (!o->arg)
                    return tp_cli_usage_fail(cmd, "--%s takes no value, not '%s'", o->name, eq + 1);
                val = eq + 1;
            }
        } else {
            given_len = 2;
            o = find_short(cmd, s[1]);
            if (!o)
                return unknown_option(cmd, s, given_len, false);
            if (s[2]) {
                if (!o->arg)
                    return tp_cli_usage_fail(cmd, "unknown option '%s'", s);
                val = s + 2;
            }
        }
        if (o->arg && !val) {
            if (i + 1 >= argc)
                return tp_cli_usage_fail(cmd, "%.*s needs a value: %s", (int)given_len, s, o->arg);
            val = argv[++i];
        }
        if (o->arg && is_choice_list(o->arg) && !in_choice_list(o->arg, val)) {
            fprintf(stderr, "tlsprobe: %s: --%s takes ", cmd->name, o->name);
            put_choices(stderr, o->arg);
            fprintf(stderr, ", not '%s' (see 'tlsprobe %s --help')\n", val, cmd->name);
            return TP_EXIT_USAGE;
        }
        if (set_common(o, val, &a->com))
            continue;
        if (a->n_opt == TP_CLI_MAX_OPTS)
            return tp_cli_usage_fail(cmd, "more than %d options", TP_CLI_MAX_OPTS);
        a->opt[a->n_opt].id = o->id;
        a->opt[a->n_opt].value = val;
        a->n_opt++;
    }
    a->operand = argv + 1;
    a->n_operand = w - 1;
    if (a->com.help) {
        tp_cli_help(cmd, stdout);
        return TP_EXIT_OK;
    }
    if (a->com.version) {
        printf("tlsprobe %s\n", TP_VERSION);
        return TP_EXIT_OK;
    }
    return -1;
}

void tp_cli_help(const struct tp_cli_cmd *cmd, FILE *f)
{
    fputs(cmd->head, f);
    fputs("options:\n", f);
    const struct tp_cli_opt *o;
    for (size_t i = 0; (o = row(cmd, i)) != NULL; i++) {
        char lead[128];
        char sh[8] = "";
        if (o->short_name)
            snprintf(sh, sizeof sh, "-%c, ", o->short_name);
        int n = snprintf(lead, sizeof lead, "  %s--%s%s%s", sh, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fputs(lead, f);
        if (n >= HELP_COL - 1) {
            fputc('\n', f);
            n = 0;
        }
        fprintf(f, "%*s", HELP_COL - n, "");
        for (const char *p = o->help; *p; p++) {
            fputc(*p, f);
            if (*p == '\n')
                fprintf(f, "%*s", HELP_COL, "");
        }
        fputc('\n', f);
    }
    if (cmd->foot && cmd->foot[0]) {
        fputc('\n', f);
        fputs(cmd->foot, f);
    }
}

/* The options several commands share, in command-line order with the others. */
static int take_shared(const struct tp_cli_cmd *cmd, const struct tp_cli_seen *o, struct tp_cli_common *c)
{
    switch (o->id) {
    case TP_OPT_AT:
        return tp_cli_opt_at(cmd->name, o->value, &c->at) ? TP_EXIT_USAGE : -1;
    case TP_OPT_STACK:
        if (!tp_explain_stack_valid(o->value))
            return tp_cli_usage_fail(cmd, "--stack takes go, openssl, curl, python, node, java, dotnet, gnutls or "
                                          "browser");
        c->stack = o->value;
        return -1;
    default:
        return -2;
    }
}

int tp_cli_options(const struct tp_cli_cmd *cmd, int argc, char **argv, struct tp_cli_args *a, tp_cli_take_fn take,
                   void *ctx)
{
    int rc = tp_cli_parse(cmd, argc, argv, a);
    for (size_t i = 0; rc < 0 && i < a->n_opt; i++) {
        const struct tp_cli_seen *o = &a->opt[i];
        size_t off = (size_t)(o->id & TP_CLI_STORE_OFF);
        if (o->id & TP_CLI_STORE_STR)
            memcpy((char *)ctx + off, &o->value, sizeof o->value);
        else if (o->id & TP_CLI_STORE_FLAG)
            *(bool *)((char *)ctx + off) = true;
        else if ((rc = take_shared(cmd, o, &a->com)) == -2)
            rc = take ? take(ctx, cmd, o->id, o->value) : -1;
    }
    return rc;
}
