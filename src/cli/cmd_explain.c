/* tlsprobe explain "ERROR MESSAGE": map an error text from a TLS stack to the
 * finding it stands for (the same rule table as connect/listen/pcap/check), and
 * say which command confirms it. The matching is the library's tlsprobe_explain
 * (src/lib/explain.c); this file reads the message and prints the report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/lib.h"
#include "tlsprobe/limits.h"

static int run(int argc, char **argv);

enum { OPT_SIDE = 1000 };

static const struct tp_cli_opt opts[] = {
    TP_ROW_STACK("the fix for one stack: go, openssl, curl, python, node,\n"
                 "java, dotnet, gnutls or browser (default: the stack\nthe message comes from)"),
    { OPT_SIDE, "side", 0, "client|server",
      "which program printed the message, when the text does not\nsay (a bare OpenSSL line from a server's log)" },
};

const struct tp_cli_cmd tp_cli_explain = {
    .name = "explain",
    .summary = "map an error message from a TLS stack to its cause and fix",
    .head = "usage: tlsprobe explain [OPTIONS] \"ERROR MESSAGE\"\n"
            "       some-command 2>&1 | tlsprobe explain -\n"
            "\n"
            "Say what an error message from a TLS stack means, in plain language: the stack\n"
            "(Go, OpenSSL, curl, Java, Python, Node.js, browsers, wolfSSL, .NET, GnuTLS), which\n"
            "side printed it (client or server log) and who rejected whom, the finding it stands\n"
            "for with its explanation and fix, and the tlsprobe command that confirms it.\n"
            "Names, dates and numbers in the message may vary; quote the message as printed.\n"
            "Options may follow the message; an argument with a space in it is always part of\n"
            "the message, and everything after '--' is too.\n"
            "\n"
            "  -                       read the message from standard input\n"
            "\n",
    .foot = "exit status: 0 (also when the message is not recognised), 2 usage error\n",
    TP_CLI_OPTS(opts),
    .run = run,
    .tail = TP_TAIL_TJ,
};

/* Read stdin up to the cap. NULL on error. */
static char *read_stdin(void)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return NULL;
    for (;;) {
        if (len == cap) {
            if (cap >= TP_MAX_EXPLAIN_TEXT)
                break; /* the rest is not read: the stable part is at the start */
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + len, 1, cap - len, stdin);
        if (!r)
            break;
        len += r;
    }
    if (ferror(stdin)) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    /* A NUL byte in the input ends the text (strnlen in the matcher). */
    return buf;
}

static int take(void *ctx, const struct tp_cli_cmd *cmd, int id, const char *v)
{
    (void)cmd;
    if (id == OPT_SIDE) /* the parser allows client|server only */
        *(enum tp_explain_side *)ctx = !strcmp(v, "client") ? TP_EXPLAIN_SIDE_CLIENT : TP_EXPLAIN_SIDE_SERVER;
    return -1;
}

static int run(int argc, char **argv)
{
    const struct tp_cli_cmd *cmd = &tp_cli_explain;
    struct tp_cli_args args;
    enum tp_explain_side side_opt = TP_EXPLAIN_SIDE_UNKNOWN;
    int fin = tp_cli_options(cmd, argc, argv, &args, take, &side_opt);
    if (fin >= 0)
        return fin;
    struct tp_cli_common common = args.com;
    const char *stack_opt = common.stack;
    if (args.n_operand == 0)
        return tp_cli_usage_fail(cmd, "give the error message in quotes, or '-' to read it from standard input");
    argc = args.n_operand;
    argv = args.operand;

    char *text = NULL;
    if (argc == 1 && !strcmp(argv[0], "-")) {
        text = read_stdin();
        if (!text)
            return tp_cli_fail("explain: cannot read standard input");
    } else {
        /* Unquoted words are joined with spaces. */
        struct tp_sb sb;
        tp_sb_init(&sb);
        sb.max = TP_MAX_EXPLAIN_TEXT;
        for (int i = 0; i < argc; i++) {
            if (i > 0)
                tp_sb_putc(&sb, ' ');
            tp_sb_put(&sb, argv[i]);
        }
        text = tp_sb_take(&sb);
    }
    if (!text[strspn(text, " \t\r\n")]) {
        free(text);
        return tp_cli_fail("explain: the message is empty");
    }
    /* The library's explain (src/lib/explain.c), rendered as this command's options say. */
    tlsprobe_options *o = tlsprobe_options_new();
    struct tp_render_opts ro = tp_cli_render_opts(&common);
    tlsprobe_result *res = NULL;
    int e = TLSPROBE_ERR_NOMEM;
    if (o) {
        tp_lib_options_set_render(o, &ro);
        e = tlsprobe_options_set_side(o, (int)side_opt);
        e = e ? e : tlsprobe_options_set_stack(o, stack_opt);
        e = e ? e : tlsprobe_explain(text, o, &res);
    }
    tlsprobe_options_free(o);
    free(text);
    const char *report = e == TLSPROBE_OK ? tp_lib_result_report(res) : NULL;
    if (!report) {
        tlsprobe_result_free(res);
        return tp_cli_fail("explain: %s", tlsprobe_strerror(e ? e : TLSPROBE_ERR_NOMEM));
    }
    struct tp_sb out;
    tp_sb_init(&out);
    tp_sb_put(&out, report);
    tp_cli_print(&out);
    tp_sb_free(&out);
    tlsprobe_result_free(res);
    return TP_EXIT_OK;
}
