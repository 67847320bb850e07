/* tlsprobe explain "ERROR MESSAGE": map an error text from a TLS stack to the
 * finding it stands for (the same rule table as connect/listen/pcap/check), and
 * say which command confirms it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/limits.h"

static int run(int argc, char **argv);

static const struct tp_cli_opt opts[] = {
    TP_ROW_FORMAT_TJ,
    TP_ROW_NO_COLOR,
    TP_ROW_HELP,
    TP_ROW_VERSION,
};

const struct tp_cli_cmd tp_cli_explain = {
    .name = "explain",
    .summary = "map an error message from a TLS stack to its cause and fix",
    .head = "usage: tlsprobe explain [OPTIONS] \"ERROR MESSAGE\"\n"
            "       some-command 2>&1 | tlsprobe explain -\n"
            "\n"
            "Say what an error message from a TLS stack means, in plain language: the stack\n"
            "(Go, OpenSSL, curl, Java, Python, Node.js, browsers, wolfSSL, .NET), the finding it\n"
            "stands for with its explanation and fix, and the tlsprobe command that confirms it.\n"
            "Names, dates and numbers in the message may vary; quote the message as printed.\n"
            "Options may follow the message; an argument with a space in it is always part of\n"
            "the message, and everything after '--' is too.\n"
            "\n"
            "  -                       read the message from standard input\n"
            "\n",
    .foot = "exit status: 0 (also when the message is not recognised), 2 usage error\n",
    .opts = opts,
    .n_opts = TP_CLI_N(opts),
    .run = run,
};

/* The command that confirms the finding, with the host from the message. */
static void put_next(struct tp_sb *sb, const struct tp_explain_match *m, bool json)
{
    struct tp_sb t;
    tp_sb_init(&t);
    const char *id = m->rule_id ? m->rule_id : "";
    if (!strcmp(id, "key-mismatch")) {
        tp_sb_put(&t, "tlsprobe check --chain cert.pem --key key.pem");
    } else if (!strcmp(id, "server-cert-rejected")) {
        tp_sb_put(&t, "tlsprobe check --chain fullchain.pem --host NAME");
        if (m->host[0]) {
            tp_sb_reset(&t);
            tp_sb_put(&t, "tlsprobe check --chain fullchain.pem --host ");
            tp_sb_put_escaped(&t, (const uint8_t *)m->host, strlen(m->host));
        }
    } else {
        tp_sb_put(&t, "tlsprobe connect ");
        if (m->host[0]) {
            bool v6 = strchr(m->host, ':') != NULL;
            if (v6)
                tp_sb_putc(&t, '[');
            tp_sb_put_escaped(&t, (const uint8_t *)m->host, strlen(m->host));
            if (v6)
                tp_sb_putc(&t, ']');
            tp_sb_printf(&t, ":%u", m->port ? m->port : 443);
        } else {
            tp_sb_put(&t, "HOST:PORT");
        }
        if (!strcmp(id, "client-cert-required") || !strcmp(id, "client-cert-rejected"))
            tp_sb_put(&t, " --cert client.pem --key client.key");
    }
    if (json)
        tp_sb_put_json_str(sb, tp_sb_str(&t));
    else
        tp_sb_put(sb, tp_sb_str(&t));
    tp_sb_free(&t);
}

static const char *sev_name(enum tp_severity s)
{
    return s == TP_SEV_ERROR ? "error" : s == TP_SEV_WARNING ? "warning" : "info";
}

/* Word-wrap text at `width` columns, each line starting with indent (the
 * first line with first). Our own table text: no escaping needed. */
static void wrap(struct tp_sb *out, const char *first, const char *indent, const char *text, size_t width)
{
    size_t col = strlen(first);
    tp_sb_put(out, first);
    bool start = true;
    while (*text) {
        size_t w = strcspn(text, " ");
        if (!start && col + 1 + w > width) {
            tp_sb_putc(out, '\n');
            tp_sb_put(out, indent);
            col = strlen(indent);
            start = true;
        }
        if (!start) {
            tp_sb_putc(out, ' ');
            col++;
        }
        tp_sb_putn(out, text, w);
        col += w;
        start = false;
        text += w;
        while (*text == ' ')
            text++;
    }
    tp_sb_putc(out, '\n');
}

/* The stable part as people read it: '*' as "...", no boundary marks. */
static void put_pattern(struct tp_sb *out, const char *p)
{
    for (; *p; p++) {
        if (*p == '*')
            tp_sb_put(out, "...");
        else if (*p != '<' && *p != '>')
            tp_sb_putc(out, *p);
    }
}

static void render_text(struct tp_sb *out, const char *text, bool matched, const struct tp_explain_match *m,
                        const struct tp_render_opts *ro)
{
    if (!matched) {
        tp_sb_put(out, "tlsprobe does not recognise this message:\n  ");
        size_t n = strlen(text);
        tp_sb_put_escaped(out, (const uint8_t *)text, n > 300 ? 300 : n);
        if (n > 300)
            tp_sb_put(out, "...");
        tp_sb_put(out, "\n\nIts table knows the stable parts of messages from Go, OpenSSL, curl, Java, Python,\n"
                       "Node.js, browsers, wolfSSL and .NET; this one is not among them. To see what really\n"
                       "happens on the wire, and why:\n\n  ");
        put_next(out, m, false);
        tp_sb_putc(out, '\n');
        return;
    }
    const struct tp_rule *r = tp_rule_find(m->rule_id);
    tp_sb_printf(out, "%s%s%s message: \"", tp_c_bold(ro), m->stack, tp_c_reset(ro));
    put_pattern(out, m->pattern_name);
    tp_sb_put(out, "\"\n");
    wrap(out, "  ", "  ", m->note, ro->width - 2);
    if (r) {
        const char *c = r->severity == TP_SEV_ERROR ? tp_c_red(ro) : tp_c_yellow(ro);
        tp_sb_printf(out, "\nfinding  %s%s%s %s(%s)%s\n", tp_c_bold(ro), r->id, tp_c_reset(ro), c,
                     sev_name(r->severity), tp_c_reset(ro));
        wrap(out, "  ", "  ", r->summary, ro->width - 2);
        wrap(out, "  why: ", "       ", r->explanation, ro->width - 2);
        wrap(out, "  fix: ", "       ", r->fix, ro->width - 2);
        struct tp_sb see;
        tp_sb_init(&see);
        tp_sb_printf(&see, "%s; docs/errors.md#%s", r->reference, r->id);
        wrap(out, "  see: ", "       ", tp_sb_str(&see), ro->width - 2);
        tp_sb_free(&see);
    }
    tp_sb_put(out, "\nconfirm with:\n  ");
    put_next(out, m, false);
    tp_sb_putc(out, '\n');
}

static void render_json(struct tp_sb *out, bool matched, const struct tp_explain_match *m)
{
    tp_sb_printf(out, "{\"source\":\"explain\",\"matched\":%s", matched ? "true" : "false");
    tp_sb_put(out, ",\"stack\":");
    tp_sb_put_json_str(out, matched ? m->stack : NULL);
    tp_sb_put(out, ",\"pattern\":");
    tp_sb_put_json_str(out, matched ? m->pattern_name : NULL);
    tp_sb_put(out, ",\"note\":");
    tp_sb_put_json_str(out, matched ? m->note : NULL);
    tp_sb_put(out, ",\"host\":");
    if (m->host[0])
        tp_sb_put_json(out, (const uint8_t *)m->host, strlen(m->host));
    else
        tp_sb_put(out, "null");
    if (m->port)
        tp_sb_printf(out, ",\"port\":%u", m->port);
    else
        tp_sb_put(out, ",\"port\":null");
    tp_sb_put(out, ",\"finding\":");
    const struct tp_rule *r = matched ? tp_rule_find(m->rule_id) : NULL;
    if (r) {
        tp_sb_put(out, "{\"id\":");
        tp_sb_put_json_str(out, r->id);
        tp_sb_put(out, ",\"severity\":");
        tp_sb_put_json_str(out, sev_name(r->severity));
        tp_sb_put(out, ",\"summary\":");
        tp_sb_put_json_str(out, r->summary);
        tp_sb_put(out, ",\"explanation\":");
        tp_sb_put_json_str(out, r->explanation);
        tp_sb_put(out, ",\"fix\":");
        tp_sb_put_json_str(out, r->fix);
        tp_sb_put(out, ",\"reference\":");
        tp_sb_put_json_str(out, r->reference);
        tp_sb_putc(out, '}');
    } else {
        tp_sb_put(out, "null");
    }
    tp_sb_put(out, ",\"next\":");
    put_next(out, m, true);
    tp_sb_put(out, "}\n");
}

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

static int run(int argc, char **argv)
{
    const struct tp_cli_cmd *cmd = &tp_cli_explain;
    struct tp_cli_args args;
    int fin = tp_cli_parse(cmd, argc, argv, &args);
    if (fin >= 0)
        return fin;
    struct tp_cli_common common = args.com;
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
    struct tp_explain_match m;
    bool matched = tp_explain_match(text, &m);
    struct tp_render_opts ro = tp_cli_render_opts(&common);
    struct tp_sb out;
    tp_sb_init(&out);
    if (common.format == TP_FMT_JSON)
        render_json(&out, matched, &m);
    else
        render_text(&out, text, matched, &m, &ro);
    tp_cli_print(&out);
    tp_sb_free(&out);
    free(text);
    return TP_EXIT_OK;
}
