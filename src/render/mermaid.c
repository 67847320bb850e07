/* --format mermaid: a sequenceDiagram per session, for GitHub and the Mermaid CLI.
 * Labels are sanitised: Mermaid reads ';' as a statement end and '#' as the start
 * of an entity code, '<' '>' as HTML, '{' '}' and '%' confuse its lexer, so those
 * reach a label only as entity codes (#59; ...; tests/unit/test_render_mermaid.c
 * checks every line). Several sessions are fenced blocks: see tp_render_session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render_int.h"
#include "tlsprobe/names.h"

/* Append text (already escaped for a terminal: printable ASCII/UTF-8 only) as a
 * Mermaid label. Characters Mermaid would read as syntax become its entity codes
 * ("#35;" is '#', Mermaid docs "Entity codes to escape characters"), so a name
 * such as "no#1;x" reads the same in the diagram. */
static void m_label(struct tp_sb *o, const char *t)
{
    for (const char *p = t; *p; p++) {
        char c = *p;
        switch (c) {
        case ';': case '#': case '<': case '>': case '{': case '}': case '%': case '"': case '`': case '\\':
            tp_sb_printf(o, "#%d;", (int)(unsigned char)c);
            break;
        case '\n': case '\r': case '\t': tp_sb_putc(o, ' '); break;
        default: tp_sb_putc(o, c);
        }
    }
}

/* Plain-text lines as arrows. */
static void plain_lines(struct tp_sb *out, const struct tp_plain_line *lines, size_t n_lines, bool skip_empty)
{
    struct tp_sb t;
    tp_sb_init(&t);
    for (size_t i = 0; i < n_lines; i++) {
        const struct tp_plain_line *l = &lines[i];
        if (!l->len && skip_empty)
            continue; /* the empty line ending an HTTP head: no arrow */
        tp_sb_reset(&t);
        tp_sb_put_escaped(&t, (const uint8_t *)l->text, l->len < 120 ? l->len : 120);
        tp_sb_printf(out, "    %s: ", l->dir == TP_C2S ? "C->>S" : "S->>C");
        m_label(out, tp_sb_str(&t));
        tp_sb_putc(out, '\n');
    }
    tp_sb_free(&t);
}

/* connect --starttls: the plain-text lines as arrows, then where TLS starts;
 * connect --proxy: the CONNECT exchange before them (the proxy stands in the
 * server's place until the tunnel is open). */
static void plain_exchange(struct tp_sb *out, const struct tp_session *s)
{
    const struct tp_proxy *px = &s->proxy;
    if (px->status != TP_PROXY_NONE && px->status != TP_PROXY_BYPASSED) {
        struct tp_sb t;
        tp_sb_init(&t);
        tp_sb_put(out, "    Note over C,S: HTTP proxy ");
        tp_sb_put_escaped(&t, (const uint8_t *)px->url, strnlen(px->url, sizeof px->url));
        m_label(out, tp_sb_str(&t));
        tp_sb_free(&t);
        tp_sb_put(out, ", CONNECT\n");
        plain_lines(out, px->lines, px->n_lines, true);
        tp_sb_printf(out, "    Note over C,S: proxy %s%s\n", tp_proxy_status_name(px->status),
                     px->status == TP_PROXY_OK ? ", tunnel open" : ", the TLS handshake never started");
    }
    const struct tp_starttls *st = &s->starttls;
    if (!st->protocol[0])
        return;
    tp_sb_printf(out, "    Note over C,S: plain text, STARTTLS (%s)\n", st->protocol);
    plain_lines(out, st->lines, st->n_lines, false);
    tp_sb_printf(out, "    Note over C,S: STARTTLS %s\n", tp_starttls_status_name(st->status));
}

void tp_render_mermaid_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o)
{
    char b[16];
    (void)o;
    tp_sb_put(out, "sequenceDiagram\n");
    tp_sb_put(out, "    participant C as Client\n");
    tp_sb_put(out, "    participant S as Server\n");
    tp_sb_put(out, "    Note over C,S: ");
    {
        struct tp_sb t;
        tp_sb_init(&t);
        tp_sb_printf(&t, "%s ", rn_source(s->source));
        tp_sb_put_escaped(&t, (const uint8_t *)s->client, strnlen(s->client, sizeof s->client));
        tp_sb_put(&t, " to ");
        tp_sb_put_escaped(&t, (const uint8_t *)s->server, strnlen(s->server, sizeof s->server));
        if (s->server_name) {
            tp_sb_put(&t, ", SNI ");
            tp_sb_put_escaped(&t, (const uint8_t *)s->server_name, s->server_name_len);
        }
        m_label(out, tp_sb_str(&t));
        tp_sb_free(&t);
    }
    tp_sb_putc(out, '\n');

    plain_exchange(out, s);
    int enc_c = rs_encryption_start(s, TP_C2S), enc_s = rs_encryption_start(s, TP_S2C);
    struct rmsg *r = malloc(sizeof *r);
    if (!r) {
        out->oom = true;
        return;
    }
    struct tp_sb facts;
    tp_sb_init(&facts);
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        rm_parse(s, m, r);
        if ((int)i == enc_c || (int)i == enc_s)
            tp_sb_printf(out, "    Note over C,S: the %s encrypts from here on%s\n", m->dir == TP_C2S ? "client" : "server",
                         rs_tls13(s) ? " (TLS 1.3 handshake keys)" : " (after its ChangeCipherSpec)");
        const char *from = m->dir == TP_C2S ? "C" : "S", *to = m->dir == TP_C2S ? "S" : "C";
        bool fatal = m->kind == TP_MSG_ALERT && m->alert_level == TP_ALERT_LEVEL_FATAL;
        bool dotted = m->decrypted || m->kind == TP_MSG_ENCRYPTED;
        const char *arrow = fatal ? "-x" : dotted ? "-->>" : "->>";
        tp_sb_printf(out, "    %s%s%s: ", from, arrow, to);
        m_label(out, r->type);
        tp_sb_reset(&facts);
        if (m->kind == TP_MSG_ENCRYPTED) /* its size is all there is to see */
            tp_sb_printf(&facts, "%lu bytes%s", (unsigned long)m->length, s->keys_missing || s->decrypt_failed ? ", " : "");
        rf_facts(&facts, s, r, ", ");
        if (facts.len) {
            tp_sb_put(out, " (");
            m_label(out, tp_sb_str(&facts));
            tp_sb_put(out, ")");
        }
        tp_sb_putc(out, '\n');
        if (m->kind == TP_MSG_ALERT && m->alert_level == TP_ALERT_LEVEL_FATAL) {
            const char *mean = tp_alert_meaning(m->alert_desc);
            tp_sb_printf(out, "    Note %s of %s: ", m->dir == TP_C2S ? "left" : "right", from);
            m_label(out, rn_alert(m->alert_desc, b));
            if (mean) {
                tp_sb_put(out, ": ");
                m_label(out, mean);
            }
            tp_sb_putc(out, '\n');
        }
    }
    tp_sb_free(&facts);
    free(r);

    /* A peer that answered with something else than TLS: show what it said. */
    if (s->outcome.peer_banner_len) {
        size_t n = s->outcome.peer_banner_len < sizeof s->outcome.peer_banner ? s->outcome.peer_banner_len
                                                                              : sizeof s->outcome.peer_banner;
        struct tp_sb t;
        tp_sb_init(&t);
        tp_sb_put(&t, "answered with non-TLS bytes: ");
        tp_sb_put_escaped(&t, (const uint8_t *)s->outcome.peer_banner, n);
        tp_sb_put(out, "    Note right of S: ");
        m_label(out, tp_sb_str(&t));
        tp_sb_putc(out, '\n');
        tp_sb_free(&t);
    }
    /* The outcome, and the findings by id. */
    struct tp_sb t;
    tp_sb_init(&t);
    if (s->handshake_complete) {
        tp_sb_put(&t, "handshake complete");
        if (s->version)
            tp_sb_printf(&t, ", %s", rn_version(s->version, b));
        if (s->has_cipher)
            tp_sb_printf(&t, ", %s", rn_suite(s->cipher, b));
    } else {
        tp_sb_printf(&t, "handshake failed (%s)", rn_conn_status(s->outcome.status));
    }
    tp_sb_put(out, "    Note over C,S: ");
    m_label(out, tp_sb_str(&t));
    tp_sb_putc(out, '\n');
    if (s->n_findings) {
        tp_sb_reset(&t);
        tp_sb_put(&t, "findings: ");
        for (size_t i = 0; i < s->n_findings; i++) {
            const char *id = s->findings[i].id ? s->findings[i].id : "?";
            tp_sb_printf(&t, "%s%s ", i ? ", " : "", rn_severity(s->findings[i].severity));
            tp_sb_put_escaped(&t, (const uint8_t *)id, strlen(id));
        }
        tp_sb_put(out, "    Note over C,S: ");
        m_label(out, tp_sb_str(&t));
        tp_sb_putc(out, '\n');
    }
    tp_sb_free(&t);
}
