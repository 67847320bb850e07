/* tlsprobe explain's report: what an error message from a TLS stack means,
 * the finding it stands for, and the command that confirms it; as text or one
 * JSON object ({"source":"explain"}, docs/errors.md). The matching itself is
 * diagnose's (tp_explain_match_side). */
#include <stdio.h>
#include <string.h>
#include "jw.h"
#include "render_int.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/names.h"

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
                     rn_severity(r->severity), tp_c_reset(ro));
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

static void json_alert(struct jw *w, bool matched, const struct tp_explain_match *m)
{
    if (!matched || !m->alert_known) {
        jw_null(w, "alert");
        return;
    }
    char b[16];
    jw_key(w, "alert");
    jw_open(w, '{');
    /* a log line does not say the alert's level: null */
    rj_alert(w, rn_alert(m->alert, b), m->alert, NULL, tp_explain_side_name(m->alert_from));
    jw_close(w, '}');
}

/* "in_words" and "ip_san": who rejected whom, the IP address SAN wanted. */
static void json_advice(struct jw *w, bool matched, const struct tp_explain_match *m)
{
    char words[512];
    tp_explain_in_words(m, words, sizeof words);
    jw_str(w, "in_words", matched && words[0] ? words : NULL);
    if (matched && ip_san_case(m)) {
        char ip[TP_MAX_NAME_LEN + 8];
        snprintf(ip, sizeof ip, "IP:%s", host_is_ip(m->host) ? m->host : "ADDR");
        jw_str(w, "ip_san", ip);
    } else {
        jw_null(w, "ip_san");
    }
}

static void render_json(struct tp_sb *out, bool matched, const struct tp_explain_match *m, const char *stack_key)
{
    struct jw w;
    jw_init(&w, out);
    jw_open(&w, '{');
    rj_line_head(&w, "explain", "explain");
    jw_str(&w, "stack", stack_key);
    jw_bool(&w, "matched", matched);
    jw_str(&w, "message_stack", matched ? m->stack : NULL);
    jw_str(&w, "pattern", matched ? m->pattern_name : NULL);
    jw_str(&w, "note", matched ? m->note : NULL);
    jw_chars(&w, "host", m->host, sizeof m->host);
    if (m->port)
        jw_u64(&w, "port", m->port);
    else
        jw_null(&w, "port");
    jw_str(&w, "side", matched ? tp_explain_side_name(m->side) : NULL);
    jw_str(&w, "side_basis", !matched ? NULL : m->side_given ? "option" : m->side_inferred ? "text" : "default");
    jw_str(&w, "peer", matched ? tp_explain_side_name(m->peer) : NULL);
    jw_str(&w, "certificate_of", matched ? tp_explain_side_name(m->cert_of) : NULL);
    json_alert(&w, matched, m);
    json_advice(&w, matched, m);
    const struct tp_rule *r = matched ? tp_rule_find(m->rule_id) : NULL;
    jw_key(&w, "findings");
    jw_open(&w, '[');
    if (r) { /* the same finding object as everywhere, --stack's fix inside */
        struct rj_finding f = { r->id, rn_severity(r->severity), r->summary, r->explanation, r->fix, r->reference,
                                tp_explain_stack_fix(m->rule_id, stack_key, m->side) };
        jw_item(&w);
        rj_finding(&w, &f);
    }
    jw_close(&w, ']');
    jw_key(&w, "next");
    put_next(out, m, true);
    jw_close(&w, '}');
    tp_sb_putc(out, '\n');
}

void tp_render_explain(struct tp_sb *out, const char *text, bool matched, const struct tp_explain_match *m,
                       const char *stack_key, const struct tp_render_opts *o)
{
    if (o->format == TP_FMT_JSON)
        render_json(out, matched, m, stack_key);
    else
        render_text(out, text, matched, m, o, stack_key);
}
