/* tlsprobe explain "ERROR MESSAGE": map an error text from a TLS stack to the
 * finding it stands for (the same rule table as connect/listen/pcap/check), and
 * say which command confirms it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/names.h"

static int run(int argc, char **argv);

enum { OPT_STACK = 1000, OPT_SIDE };

static const struct tp_cli_opt opts[] = {
    { OPT_STACK, "stack", 0, "NAME",
      "the fix for one stack: go, openssl, curl, python, node,\njava, dotnet, gnutls or browser (default: the stack\nthe message comes from)" },
    { OPT_SIDE, "side", 0, "client|server",
      "which program printed the message, when the text does not\nsay (a bare OpenSSL line from a server's log)" },
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
    } else if (m->side == TP_EXPLAIN_SIDE_SERVER && !strcmp(id, "client-cert-rejected")) {
        tp_sb_put(&t, "tlsprobe check --chain client.pem --cafile client-ca.pem");
    } else if (m->side == TP_EXPLAIN_SIDE_SERVER && !m->host[0] &&
               (!strcmp(id, "not-tls") || !strcmp(id, "connection-reset") || !strcmp(id, "timeout") ||
                !strcmp(id, "client-cert-required"))) {
        /* A server's log: look at this server the way its clients do. */
        tp_sb_put(&t, "tlsprobe connect THIS-SERVER:PORT");
        if (!strcmp(id, "client-cert-required"))
            tp_sb_put(&t, " --cert client.pem --key client.key");
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

/* Is the host in the message an IP address (the fix then needs IP:ADDR)? */
static bool host_is_ip(const char *h)
{
    if (!h[0])
        return false;
    if (strchr(h, ':'))
        return true;
    for (const char *p = h; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return false;
    return true;
}

static bool ip_san_case(const struct tp_explain_match *m)
{
    return m->rule_id && !strcmp(m->rule_id, "hostname-mismatch") &&
           (host_is_ip(m->host) || (m->pattern_name && (strstr(m->pattern_name, "ip san") || strstr(m->pattern_name, "ip address"))));
}

/* Write a multi-line fix (our own table text) indented under "first". */
static void put_block(struct tp_sb *out, const char *first, const char *text, size_t width)
{
    const char *p = text;
    bool head = true;
    while (*p) {
        size_t l = strcspn(p, "\n");
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(l < sizeof line - 1 ? l : sizeof line - 1), p);
        if (line[0] == ' ')
            tp_sb_printf(out, "       %s\n", line);
        else
            wrap(out, head ? first : "       ", "       ", line, width);
        head = false;
        p += l;
        if (*p == '\n')
            p++;
    }
}

static void render_text(struct tp_sb *out, const char *text, bool matched, const struct tp_explain_match *m,
                        const struct tp_render_opts *ro, const char *stack_key)
{
    if (!matched) {
        tp_sb_put(out, "tlsprobe does not recognise this message:\n  ");
        size_t n = strlen(text);
        tp_sb_put_escaped(out, (const uint8_t *)text, n > 300 ? 300 : n);
        if (n > 300)
            tp_sb_put(out, "...");
        tp_sb_put(out, "\n\nIts table knows the stable parts of messages from Go, OpenSSL, curl, Java,\n"
                       "Python, Node.js, browsers, wolfSSL, .NET and GnuTLS; this one is not among\n"
                       "them. To see what really happens on the wire, and why:\n\n  ");
        put_next(out, m, false);
        tp_sb_putc(out, '\n');
        return;
    }
    const struct tp_rule *r = tp_rule_find(m->rule_id);
    tp_sb_printf(out, "%s%s%s message: \"", tp_c_bold(ro), m->stack, tp_c_reset(ro));
    if (m->alert_known && m->alert_form)
        put_pattern(out, m->alert_form);
    put_pattern(out, m->pattern_name);
    tp_sb_put(out, "\"");
    if (m->alert_known) {
        const char *an = tp_name_alert(m->alert);
        tp_sb_printf(out, " (TLS alert %s, %u)", an ? an : "?", m->alert);
    }
    tp_sb_put(out, "\n");
    wrap(out, "  ", "  ", m->note, ro->width - 2);
    char words[512];
    tp_explain_in_words(m, words, sizeof words);
    if (words[0])
        wrap(out, "  who: ", "       ", words, ro->width - 2);
    if (r) {
        const char *c = r->severity == TP_SEV_ERROR ? tp_c_red(ro) : tp_c_yellow(ro);
        tp_sb_printf(out, "\nfinding  %s%s%s %s(%s)%s\n", tp_c_bold(ro), r->id, tp_c_reset(ro), c,
                     sev_name(r->severity), tp_c_reset(ro));
        wrap(out, "  ", "  ", r->summary, ro->width - 2);
        wrap(out, "  why: ", "       ", r->explanation, ro->width - 2);
        wrap(out, "  fix: ", "       ", r->fix, ro->width - 2);
        if (ip_san_case(m)) {
            char ip[2 * TP_MAX_NAME_LEN + 200];
            snprintf(ip, sizeof ip,
                     "The name is an IP address: the certificate needs subjectAltName IP:%s, not DNS:%s (Go and "
                     "browsers never match an IP address against DNS names).",
                     host_is_ip(m->host) ? m->host : "ADDR", host_is_ip(m->host) ? m->host : "ADDR");
            wrap(out, "       ", "       ", ip, ro->width - 2);
        }
        const char *sf = tp_explain_stack_fix(m->rule_id, stack_key, m->side);
        if (sf) {
            tp_sb_printf(out, "  fix for %s (on the %s side):\n", stack_key,
                         tp_explain_side_name(m->side) ? tp_explain_side_name(m->side) : "either");
            put_block(out, "       ", sf, ro->width - 2);
        }
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

static void render_json(struct tp_sb *out, bool matched, const struct tp_explain_match *m, const char *stack_key)
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
    tp_sb_put(out, ",\"side\":");
    tp_sb_put_json_str(out, matched ? tp_explain_side_name(m->side) : NULL);
    tp_sb_put(out, ",\"side_basis\":");
    tp_sb_put_json_str(out, !matched ? NULL : m->side_given ? "option" : m->side_inferred ? "text" : "default");
    tp_sb_put(out, ",\"peer\":");
    tp_sb_put_json_str(out, matched ? tp_explain_side_name(m->peer) : NULL);
    tp_sb_put(out, ",\"certificate_of\":");
    tp_sb_put_json_str(out, matched ? tp_explain_side_name(m->cert_of) : NULL);
    tp_sb_put(out, ",\"alert\":");
    if (matched && m->alert_known) {
        tp_sb_printf(out, "{\"code\":%u,\"name\":", m->alert);
        tp_sb_put_json_str(out, tp_name_alert(m->alert));
        tp_sb_put(out, ",\"sent_by\":");
        tp_sb_put_json_str(out, tp_explain_side_name(m->alert_from));
        tp_sb_putc(out, '}');
    } else {
        tp_sb_put(out, "null");
    }
    char words[512];
    tp_explain_in_words(m, words, sizeof words);
    tp_sb_put(out, ",\"in_words\":");
    tp_sb_put_json_str(out, matched && words[0] ? words : NULL);
    tp_sb_put(out, ",\"fix_stack\":");
    tp_sb_put_json_str(out, stack_key);
    const char *sf = matched ? tp_explain_stack_fix(m->rule_id, stack_key, m->side) : NULL;
    tp_sb_put(out, ",\"stack_fix\":");
    if (ip_san_case(m) && !sf)
        sf = NULL;
    tp_sb_put_json_str(out, sf);
    tp_sb_put(out, ",\"ip_san\":");
    if (matched && ip_san_case(m)) {
        char ip[TP_MAX_NAME_LEN + 8];
        snprintf(ip, sizeof ip, "IP:%s", host_is_ip(m->host) ? m->host : "ADDR");
        tp_sb_put_json_str(out, ip);
    } else {
        tp_sb_put(out, "null");
    }
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
    const char *stack_opt = NULL;
    enum tp_explain_side side_opt = TP_EXPLAIN_SIDE_UNKNOWN;
    for (size_t i = 0; i < args.n_opt; i++) {
        const char *v = args.opt[i].value;
        switch (args.opt[i].id) {
        case OPT_STACK:
            if (!tp_explain_stack_valid(v))
                return tp_cli_usage_fail(cmd, "--stack takes go, openssl, curl, python, node, java, dotnet, gnutls or "
                                              "browser");
            stack_opt = v;
            break;
        case OPT_SIDE:
            if (!strcmp(v, "client"))
                side_opt = TP_EXPLAIN_SIDE_CLIENT;
            else if (!strcmp(v, "server"))
                side_opt = TP_EXPLAIN_SIDE_SERVER;
            else
                return tp_cli_usage_fail(cmd, "--side takes client or server, not '%s'", v);
            break;
        }
    }
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
    bool matched = tp_explain_match_side(text, side_opt, &m);
    struct tp_render_opts ro = tp_cli_render_opts(&common);
    struct tp_sb out;
    tp_sb_init(&out);
    const char *stack_key = stack_opt ? stack_opt : matched ? tp_explain_stack_key(m.stack) : NULL;
    if (common.format == TP_FMT_JSON)
        render_json(&out, matched, &m, stack_key);
    else
        render_text(&out, text, matched, &m, &ro, stack_key);
    tp_cli_print(&out);
    tp_sb_free(&out);
    free(text);
    return TP_EXIT_OK;
}
