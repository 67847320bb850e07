/* The handshake as a ladder (sequence) diagram in inline SVG: a lane for the
 * client and one for the server, one arrow per message in wire order, labelled
 * with its name and time; decrypted messages in their own colour with a lock
 * beside the sender, records not decrypted dashed, alerts in the warning colour
 * (fatal ones in red); the points where each side starts encrypting. Colours
 * come from the page's style (classes only: no style attributes, which the
 * page's Content-Security-Policy would refuse). Every text is escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "html_int.h"
#include "tlsprobe/names.h"

enum {
    LW = 780,       /* viewBox width */
    LX_C = 170,     /* client lane */
    LX_S = 650,     /* server lane */
    LX_MID = 410,   /* labels */
    L_HEAD = 58,    /* lane heads */
    L_ROW = 46,     /* one message */
    L_BOUND = 22,   /* an "encrypts from here on" line */
    L_END = 34,     /* the outcome line */
    FACTS_MAX = 80, /* code points of facts under an arrow (all of them in its <title>) */
};

/* At most max code points of s (our text or terminal-escaped), "…" when cut. */
static void put_cut(struct tp_sb *o, const char *s, size_t max)
{
    size_t n = strlen(s), cp = 0, i = 0;
    for (; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && cp++ == max)
            break;
    }
    rh_esc(o, s, i);
    if (i < n)
        tp_sb_put(o, "\xe2\x80\xa6");
}

static void lane_head(struct tp_sb *o, int x, const char *who, bool us, const char *addr, size_t addr_cap)
{
    tp_sb_printf(o, "<g class=\"head\"><rect x=\"%d\" y=\"4\" width=\"220\" height=\"44\" rx=\"6\"/>"
                    "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" class=\"lbl\">%s%s</text>"
                    "<text x=\"%d\" y=\"40\" text-anchor=\"middle\" class=\"small\">",
                 x - 110, x, who, us ? " (tlsprobe)" : "", x);
    if (addr[0])
        rh_wire(o, addr, strnlen(addr, addr_cap));
    tp_sb_put(o, "</text></g>\n");
}

/* A small padlock with its body's top-left corner at (x, y). */
static void lock(struct tp_sb *o, int x, int y)
{
    tp_sb_printf(o, "<g class=\"lock\"><path d=\"M%d %dv-3.5a3.5 3.5 0 0 1 7 0v3.5\"/>"
                    "<rect x=\"%d\" y=\"%d\" width=\"11\" height=\"8\" rx=\"1.5\"/></g>",
                 x + 2, y, x, y);
}

/* One message: <g class="msg ..."> with its tooltip, arrow, label, time, facts. */
static void message(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro,
                    const struct rmsg *r, int y)
{
    const struct tp_msg *m = r->m;
    char b[16];
    bool c2s = m->dir == TP_C2S;
    bool alert = m->kind == TP_MSG_ALERT, fatal = alert && m->alert_level == TP_ALERT_LEVEL_FATAL;
    const char *cls = fatal ? " alert fatal" : alert ? " alert" : m->kind == TP_MSG_ENCRYPTED ? " enc" : "";
    struct tp_sb f;
    tp_sb_init(&f);
    if (m->kind == TP_MSG_ENCRYPTED)
        tp_sb_printf(&f, "%lu bytes%s", (unsigned long)m->length, s->keys_missing || s->decrypt_failed ? " \xc2\xb7 " : "");
    rf_facts(&f, s, r, " \xc2\xb7 ");
    if (alert && tp_alert_meaning(m->alert_desc))
        tp_sb_printf(&f, " \xe2\x80\x94 %s", tp_alert_meaning(m->alert_desc));

    tp_sb_printf(o, "<g class=\"msg %s%s%s\" data-type=\"%s\" data-dir=\"%s\"", c2s ? "c2s" : "s2c", cls,
                 m->decrypted ? " dec" : "", r->type, rn_dir(m->dir));
    if (!ro->no_times)
        tp_sb_printf(o, " data-t-ms=\"%.3f\"", (double)m->t_us / 1000.0);
    tp_sb_printf(o, "><title>%s%s%s, %lu bytes", r->type, alert ? ": " : "", alert ? rn_alert(m->alert_desc, b) : "",
                 (unsigned long)m->length);
    if (!ro->no_times)
        tp_sb_printf(o, ", at %.3f ms", (double)m->t_us / 1000.0);
    if (m->decrypted)
        tp_sb_put(o, ", decrypted");
    if (f.len) {
        tp_sb_put(o, ": ");
        rh_esc(o, tp_sb_str(&f), f.len);
    }
    tp_sb_put(o, "</title>");

    int from = c2s ? LX_C : LX_S, to = c2s ? LX_S : LX_C, ya = y + 25;
    int tip = c2s ? -11 : 11;
    tp_sb_printf(o, "<line class=\"arrow\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", from, ya, to + tip, ya);
    tp_sb_printf(o, "<polygon class=\"tip\" points=\"%d,%d %d,%d %d,%d\"/>", to, ya, to + tip, ya - 5, to + tip, ya + 5);
    if (m->decrypted)
        lock(o, c2s ? from + 8 : from - 19, y + 11);
    tp_sb_printf(o, "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s", LX_MID, y + 18, r->type);
    if (alert)
        tp_sb_printf(o, ": %s", rn_alert(m->alert_desc, b));
    if (m->decrypted)
        tp_sb_put(o, "<tspan class=\"dec-t\"> \xc2\xb7 decrypted</tspan>");
    tp_sb_put(o, "</text>");
    if (!ro->no_times)
        tp_sb_printf(o, "<text class=\"t\" x=\"6\" y=\"%d\">%.1f ms</text>", ya + 4, (double)m->t_us / 1000.0);
    if (f.len) {
        tp_sb_printf(o, "<text class=\"facts-t\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", LX_MID, y + 40);
        put_cut(o, tp_sb_str(&f), FACTS_MAX);
        tp_sb_put(o, "</text>");
    }
    tp_sb_put(o, "</g>\n");
    tp_sb_free(&f);
}

/* The line where one side starts encrypting. */
static void boundary(struct tp_sb *o, const struct tp_session *s, const struct tp_msg *m, int y)
{
    bool we = (m->dir == TP_C2S && s->source == TP_SRC_CONNECT) || (m->dir == TP_S2C && s->source == TP_SRC_LISTEN);
    tp_sb_printf(o, "<line class=\"boundary\" x1=\"60\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                    "<text class=\"small\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s from here on%s</text>\n",
                 y + 15, LW - 20, y + 15, LX_MID, y + 11,
                 we ? "we encrypt" : m->dir == TP_C2S ? "the client encrypts" : "the server encrypts",
                 rs_tls13(s) ? " (TLS 1.3 handshake keys)" : " (after its ChangeCipherSpec)");
}

/* The outcome under the last message. */
static void outcome(struct tp_sb *o, const struct tp_session *s, int y)
{
    char b[16];
    tp_sb_printf(o, "<text class=\"end %s\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", s->handshake_complete ? "good" : "bad",
                 LX_MID, y + 20);
    if (s->handshake_complete) {
        tp_sb_put(o, "handshake complete");
        if (s->version)
            tp_sb_printf(o, " \xc2\xb7 %s", rn_version(s->version, b));
        if (s->has_cipher)
            tp_sb_printf(o, " \xc2\xb7 %s", rn_suite(s->cipher, b));
    } else {
        tp_sb_printf(o, "handshake failed (%s)", rn_conn_status(s->outcome.status));
    }
    tp_sb_put(o, "</text>\n");
}

void rh_ladder(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    int enc_c = rs_encryption_start(s, TP_C2S), enc_s = rs_encryption_start(s, TP_S2C);
    int h = L_HEAD + (int)s->n_msgs * L_ROW + (enc_c >= 0) * L_BOUND + (enc_s >= 0) * L_BOUND + L_END + 8;
    if (!s->n_msgs)
        h += L_ROW;
    struct rmsg *r = malloc(sizeof *r);
    if (!r) {
        o->oom = true;
        return;
    }
    tp_sb_put(o, "<p class=\"legend\">\xe2\x86\x92 in the clear \xc2\xb7 <span class=\"dec\"><svg class=\"ico\" "
                 "viewBox=\"0 0 11 15\" width=\"11\" height=\"15\">");
    lock(o, 0, 7);
    tp_sb_printf(o, "</svg> decrypted by tlsprobe</span> \xc2\xb7 <span class=\"enc\">- - encrypted, not decrypted</span> "
                    "\xc2\xb7 <span class=\"alert\">alert</span> \xc2\xb7 <span class=\"fatal\">fatal alert</span></p>\n"
                    "<div class=\"ladder\"><svg viewBox=\"0 0 %d %d\" "
                    "role=\"img\" aria-label=\"handshake ladder diagram, %zu messages\">\n",
                 LW, h, s->n_msgs);
    lane_head(o, LX_C, "Client", s->source == TP_SRC_CONNECT, s->client, sizeof s->client);
    lane_head(o, LX_S, "Server", s->source == TP_SRC_LISTEN, s->server, sizeof s->server);
    tp_sb_printf(o, "<line class=\"lane\" x1=\"%d\" y1=\"48\" x2=\"%d\" y2=\"%d\"/><line class=\"lane\" x1=\"%d\" "
                    "y1=\"48\" x2=\"%d\" y2=\"%d\"/>\n",
                 LX_C, LX_C, h - 4, LX_S, LX_S, h - 4);
    int y = L_HEAD;
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        if ((int)i == enc_c || (int)i == enc_s) {
            boundary(o, s, m, y);
            y += L_BOUND;
        }
        rm_parse(s, m, r);
        message(o, s, ro, r, y);
        y += L_ROW;
    }
    if (!s->n_msgs) {
        tp_sb_printf(o, "<text class=\"small\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">no TLS messages</text>\n",
                     LX_MID, y + 26);
        y += L_ROW;
    }
    free(r);
    outcome(o, s, y);
    tp_sb_put(o, "</svg></div>\n");
}
