/* Text for people: a header, one aligned line per message with its key facts,
 * the chain as sent, the verification, the findings. Colour only when o->color;
 * everything from the wire or a file escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jw.h"
#include "render_int.h"
#include "tlsprobe/names.h"

/* Columns for text: the caller's width (the terminal's, from the CLI), 80 by default. */
static size_t text_width(const struct tp_render_opts *o)
{
    return o && o->width ? o->width : 80;
}

static void put_esc(struct tp_sb *o, const char *s)
{
    if (s)
        tp_sb_put_escaped(o, (const uint8_t *)s, strlen(s));
}

static const char *sev_colour(const struct tp_render_opts *o, enum tp_severity sev)
{
    return sev == TP_SEV_ERROR ? tp_c_red(o) : sev == TP_SEV_WARNING ? tp_c_yellow(o) : tp_c_dim(o);
}

static void header(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    char b[16];
    tp_sb_printf(o, "%s%s%s ", tp_c_bold(ro), rn_source(s->source), tp_c_reset(ro));
    if (s->source == TP_SRC_CONNECT && s->host) {
        put_esc(o, s->host);
        if (s->server[0]) {
            /* through a proxy, the TCP peer is the proxy */
            bool via = s->proxy.status != TP_PROXY_NONE && s->proxy.status != TP_PROXY_BYPASSED;
            tp_sb_put(o, via ? " (via proxy " : " (");
            put_esc(o, s->server);
            tp_sb_put(o, ")");
        }
    } else {
        put_esc(o, s->client[0] ? s->client : "?");
        tp_sb_put(o, " → ");
        put_esc(o, s->server[0] ? s->server : "?");
    }
    if (s->server_name) {
        tp_sb_put(o, "  SNI ");
        tp_sb_put_escaped(o, (const uint8_t *)s->server_name, s->server_name_len);
        if (s->server_name_unicode) { /* the U-label the user typed, beside the A-label sent */
            tp_sb_put(o, " (");
            put_esc(o, s->server_name_unicode);
            tp_sb_putc(o, ')');
        }
    } else {
        tp_sb_put(o, "  no SNI");
    }
    tp_sb_putc(o, '\n');

    tp_sb_put(o, "  ");
    tp_sb_put(o, s->version ? rn_version(s->version, b) : "no version agreed");
    if (s->has_cipher)
        tp_sb_printf(o, " · %s", rn_suite(s->cipher, b));
    if (s->alpn[0]) {
        tp_sb_put(o, " · ALPN ");
        tp_sb_put_escaped(o, (const uint8_t *)s->alpn, strnlen(s->alpn, sizeof s->alpn));
    }
    if (s->resumed)
        tp_sb_put(o, " · resumed");
    if (s->hrr)
        tp_sb_put(o, " · HelloRetryRequest");
    {
        char st[512];
        rs_status_line(s, st, sizeof st);
        bool good = !strcmp(st, "handshake complete");
        tp_sb_printf(o, " · %s", good ? tp_c_green(ro) : tp_c_red(ro));
        put_esc(o, st);
        tp_sb_put(o, tp_c_reset(ro));
    }
    tp_sb_putc(o, '\n');
    if (s->outcome.peer_banner_len) {
        size_t n = s->outcome.peer_banner_len < sizeof s->outcome.peer_banner ? s->outcome.peer_banner_len
                                                                              : sizeof s->outcome.peer_banner;
        tp_sb_put(o, "  the peer answered with: \"");
        tp_sb_put_escaped(o, (const uint8_t *)s->outcome.peer_banner, n);
        tp_sb_put(o, "\"\n");
    }
    for (int d = 0; d < 2; d++) {
        const struct tp_decode_facts *df = &s->decode[d];
        if (df->issue == TP_DEC_NONE || df->issue == TP_DEC_NOT_TLS || df->issue == TP_DEC_CIPHER_UNSUPPORTED ||
            df->issue == TP_DEC_DRAFT_PROTECTION)
            continue; /* not-tls: the banner line; cipher-unsupported: the keys line */
        tp_sb_printf(o, "  %s%s stream: %s at byte %llu", tp_c_yellow(ro), (d == TP_C2S && s->source == TP_SRC_CONNECT) || (d == TP_S2C && s->source == TP_SRC_LISTEN) ? "our"
                     : d == TP_C2S                                                                         ? "client"
                                                                                                           : "server",
                     tp_decode_issue_name(df->issue), (unsigned long long)df->offset);
        if (df->issue == TP_DEC_RECORD_TOO_LONG || df->issue == TP_DEC_HS_TOO_LARGE)
            tp_sb_printf(o, " (claimed %u bytes)", (unsigned)df->claimed_len);
        tp_sb_printf(o, "; %llu records, %llu bytes seen%s\n", (unsigned long long)df->records,
                     (unsigned long long)df->bytes, tp_c_reset(ro));
    }
    if (s->keys_missing && (s->decode[0].issue == TP_DEC_DRAFT_PROTECTION || s->decode[1].issue == TP_DEC_DRAFT_PROTECTION))
        tp_sb_printf(o, "  %sencrypted messages not decrypted: %s protects its records differently "
                        "(drafts 25 to 28 and RFC 8446 are decrypted)%s\n",
                     tp_c_yellow(ro), tp_name_version(s->version), tp_c_reset(ro));
    else if (s->keys_missing && tp_undecrypted_text(s->undecrypted))
        tp_sb_printf(o, "  %sencrypted messages not decrypted: %s%s\n", tp_c_yellow(ro),
                     tp_undecrypted_text(s->undecrypted), tp_c_reset(ro));
    else if (s->keys_missing)
        tp_sb_printf(o, "  %sencrypted messages not decrypted: no keys for this session (--keylog)%s\n",
                     tp_c_yellow(ro), tp_c_reset(ro));
    else if (s->decrypt_failed)
        tp_sb_printf(o, "  %sdecryption failed: the key log does not match this session%s\n", tp_c_yellow(ro),
                     tp_c_reset(ro));
    if (!ro->no_times && (s->t_dns_us >= 0 || s->t_connect_us >= 0 || s->rtt_us >= 0)) {
        tp_sb_put(o, "  ");
        if (s->t_dns_us > 0)
            tp_sb_printf(o, "DNS %.1f ms  ", (double)s->t_dns_us / 1000.0);
        if (s->t_connect_us > 0 && s->outcome.status != TP_CONN_REFUSED && s->outcome.status != TP_CONN_RESOLVE_FAILED)
            tp_sb_printf(o, "TCP connected at %.1f ms  ", (double)s->t_connect_us / 1000.0);
        if (s->rtt_us > 0)
            tp_sb_printf(o, s->rtt_us < 10000 ? "RTT %.3f ms  " : "RTT %.1f ms  ", (double)s->rtt_us / 1000.0);
        if (s->n_msgs)
            tp_sb_printf(o, "last message at %.1f ms", (double)s->msgs[s->n_msgs - 1].t_us / 1000.0);
        while (o->len && o->buf[o->len - 1] == ' ')
            o->len--, o->buf[o->len] = '\0';
        tp_sb_putc(o, '\n');
    }
}

/* One labelled list line under a message, wrapped at text_width(ro). */
#define DETAIL_COL 24
static void detail_line(struct tp_sb *o, size_t width, const char *label, const char *value)
{
    char indent[DETAIL_COL + 1];
    memset(indent, ' ', DETAIL_COL);
    indent[DETAIL_COL] = 0;
    struct tp_sb sb;
    tp_sb_init(&sb);
    rx_wrap(&sb, value, indent, width);
    const char *t = tp_sb_str(&sb);
    /* The first line's indent becomes the label. */
    size_t line = o->len;
    tp_sb_printf(o, "%*s%s", 8, "", label);
    tp_sb_pad(o, line, DETAIL_COL);
    if (strlen(t) >= DETAIL_COL)
        tp_sb_put(o, t + DETAIL_COL);
    else
        tp_sb_putc(o, '\n');
    tp_sb_free(&sb);
}

typedef const char *(*namefn)(uint16_t, char[16]);
static void list_u16(struct tp_sb *o, size_t width, const char *label, const uint16_t *v, size_t n, size_t total, namefn fn)
{
    char b[16];
    struct tp_sb sb;
    tp_sb_init(&sb);
    for (size_t i = 0; i < n; i++)
        tp_sb_printf(&sb, "%s%s", i ? ", " : "", fn(v[i], b));
    if (total > n)
        tp_sb_printf(&sb, " and %zu more", total - n);
    if (!n)
        tp_sb_put(&sb, "none");
    detail_line(o, width, label, tp_sb_str(&sb));
    tp_sb_free(&sb);
}

static void ch_details(struct tp_sb *o, size_t width, const struct tp_client_hello *ch, struct tp_ja_memo *jm)
{
    char b[24];
    const struct tp_exts *e = &ch->ext;
    struct tp_sb sb;
    tp_sb_init(&sb);
    list_u16(o, width, "versions", e->versions.v, e->versions.n, e->versions.n_total, rn_version);
    char lbl[32];
    snprintf(lbl, sizeof lbl, "suites (%zu)", ch->n_suites_total);
    list_u16(o, width, lbl, ch->suites, ch->n_suites, ch->n_suites_total, rn_suite);
    list_u16(o, width, "groups", e->groups.v, e->groups.n, e->groups.n_total, rn_group);
    tp_sb_reset(&sb);
    for (size_t i = 0; i < e->n_key_shares; i++)
        tp_sb_printf(&sb, "%s%s", i ? ", " : "", rn_group(e->key_shares[i].group, b));
    detail_line(o, width, "key shares", e->n_key_shares ? tp_sb_str(&sb) : "none");
    list_u16(o, width, "sig algorithms", e->sig_algs.v, e->sig_algs.n, e->sig_algs.n_total, rn_sigalg);
    tp_sb_reset(&sb);
    if (e->has_sni)
        tp_sb_put_escaped_b(&sb, e->sni);
    detail_line(o, width, "SNI", e->has_sni ? tp_sb_str(&sb) : "none");
    tp_sb_reset(&sb);
    for (size_t i = 0; i < e->alpn.n; i++) {
        if (i)
            tp_sb_put(&sb, ", ");
        tp_sb_put_escaped_b(&sb, e->alpn.v[i]);
    }
    detail_line(o, width, "ALPN", e->alpn.n ? tp_sb_str(&sb) : "none");
    tp_sb_reset(&sb);
    bool grease = false;
    for (size_t i = 0; i < e->all.n; i++) {
        tp_sb_printf(&sb, "%s%s", i ? ", " : "", rn_ext(e->all.items[i].type, b));
        grease |= tp_is_grease(e->all.items[i].type);
    }
    if (e->all.n_total > e->all.n)
        tp_sb_printf(&sb, " and %zu more", e->all.n_total - e->all.n);
    detail_line(o, width, "extensions", e->all.n ? tp_sb_str(&sb) : "none");
    for (size_t i = 0; i < ch->n_suites; i++)
        grease |= tp_is_grease(ch->suites[i]);
    detail_line(o, width, "GREASE", grease ? "yes" : "no");
    char ja3[2048], md5[33];
    if (tp_ja3_memo(jm, ch, ja3, sizeof ja3, md5))
        detail_line(o, width, "JA3", md5);
    char ja4[40];
    tp_ja4_memo(jm, ch, false, ja4);
    detail_line(o, width, "JA4", ja4);
    tp_sb_free(&sb);
}

/* A ServerHello's fingerprints, under it like the ClientHello's (JA4S: JA4+,
 * absent from a build without it). */
static void sh_details(struct tp_sb *o, size_t width, const struct tp_server_hello *sh, struct tp_ja_memo *jm)
{
    char ja3s[1024], md5[33], ja4s[40];
    if (tp_ja3s_memo(jm, sh, ja3s, sizeof ja3s, md5))
        detail_line(o, width, "JA3S", md5);
    if (tp_ja4s_memo(jm, sh, false, ja4s, NULL, 0))
        detail_line(o, width, "JA4S", ja4s);
}

size_t tp_render_cols(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\033') {
            while (i < n && p[i] != 'm')
                i++;
            continue;
        }
        if (((unsigned char)p[i] & 0xC0) != 0x80)
            c++;
    }
    return c;
}

/* A message's facts ("a · b · c") after the fixed columns of its line (which
 * starts at line_start in o): on the same line while they fit in width, then
 * on lines of their own indented by ind. With little room left on the first
 * line they all start on the next. A fact wider than a line stays whole. */
static void put_facts(struct tp_sb *o, size_t line_start, const char *facts, size_t width, size_t min_ind)
{
    static const char sep[] = " · ";
    size_t col = tp_render_cols(o->buf + line_start, o->len - line_start);
    bool first = true;
    size_t ind = min_ind;
    if (col + 20 <= width)
        ind = col; /* room enough: continue under the facts column */
    else if (col + tp_render_cols(facts, strlen(facts)) > width) {
        while (o->len > line_start && o->buf[o->len - 1] == ' ')
            o->len--, o->buf[o->len] = '\0';
        tp_sb_printf(o, "\n%*s", (int)ind, "");
        col = ind;
    }
    const char *p = facts;
    while (*p) {
        const char *e = strstr(p, sep);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        size_t w = tp_render_cols(p, n);
        if (!first && col + 3 + w > width) {
            /* a fact too wide for the facts column starts further left */
            size_t at = ind + w > width ? min_ind : ind;
            tp_sb_printf(o, "\n%*s", (int)at, "");
            col = at;
            first = true;
        }
        if (!first) {
            tp_sb_put(o, sep);
            col += 3;
        }
        tp_sb_putn(o, p, n);
        col += w;
        first = false;
        p += n;
        if (e)
            p += strlen(sep);
    }
}

/* A plain-text exchange (the proxy's CONNECT, STARTTLS), in the messages' columns. */
static void plain_lines(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro,
                        const struct tp_plain_line *lines, size_t n_lines, size_t n_dropped)
{
    for (size_t i = 0; i < n_lines; i++) {
        const struct tp_plain_line *l = &lines[i];
        size_t line = o->len;
        if (!ro->no_times) {
            int64_t t = l->t_us - s->start_us;
            tp_sb_printf(o, "%8.1f ms  ", (double)(t < 0 ? 0 : t) / 1000.0);
            tp_sb_pad(o, line, 13);
        } else {
            tp_sb_put(o, "  ");
        }
        tp_sb_put(o, l->dir == TP_C2S ? "C → S  " : "C ← S  ");
        size_t k = l->len < 200 ? l->len : 200;
        tp_sb_put_escaped(o, (const uint8_t *)l->text, k);
        tp_sb_put(o, k < l->len ? "…\n" : "\n");
    }
    if (n_dropped)
        tp_sb_printf(o, "  (%zu more lines not kept)\n", n_dropped);
}

/* connect --proxy: the CONNECT exchange; or why the proxy was not used. */
static void proxy_exchange(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    const struct tp_proxy *px = &s->proxy;
    if (px->status == TP_PROXY_NONE)
        return;
    struct tp_sb u;
    tp_sb_init(&u);
    tp_sb_put_escaped(&u, (const uint8_t *)px->url, strnlen(px->url, sizeof px->url));
    tp_sb_printf(o, "\n%s  ── proxy %s (%s), %s ──%s\n", tp_c_dim(ro), tp_sb_str(&u), px->source,
                 tp_proxy_status_name(px->status), tp_c_reset(ro));
    tp_sb_free(&u);
    plain_lines(o, s, ro, px->lines, px->n_lines, px->n_lines_dropped);
    if (px->status == TP_PROXY_OK)
        tp_sb_printf(o, "%s  ── tunnel open: TLS from here on ──%s\n", tp_c_dim(ro), tp_c_reset(ro));
    else if (px->detail[0]) {
        struct tp_sb d;
        tp_sb_init(&d);
        tp_sb_put_escaped(&d, (const uint8_t *)px->detail, strnlen(px->detail, sizeof px->detail));
        tp_sb_printf(o, "  %s: %s\n", px->status == TP_PROXY_BYPASSED ? "proxy not used" : "proxy failed",
                     tp_sb_str(&d));
        tp_sb_free(&d);
    }
}

/* connect --starttls: the plain-text exchange, in the messages' columns. */
static void plain_exchange(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    proxy_exchange(o, s, ro);
    const struct tp_starttls *st = &s->starttls;
    if (!st->protocol[0])
        return;
    tp_sb_printf(o, "\n%s  ── plain text: STARTTLS (%s), %s ──%s\n", tp_c_dim(ro), st->protocol,
                 tp_starttls_status_name(st->status), tp_c_reset(ro));
    plain_lines(o, s, ro, st->lines, st->n_lines, st->n_lines_dropped);
    if (st->status == TP_STARTTLS_OK)
        tp_sb_printf(o, "%s  ── TLS from here on ──%s\n", tp_c_dim(ro), tp_c_reset(ro));
    else if (st->detail[0])
        tp_sb_printf(o, "  STARTTLS failed: %s\n", st->detail);
}

/* A capture's comments on the session's packets (pcapng), where they were made. */
static void packet_comments(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    if (!s->n_comments && !s->n_comments_dropped)
        return;
    tp_sb_printf(o, "\n%s  ── packet comments (pcapng) ──%s\n", tp_c_dim(ro), tp_c_reset(ro));
    plain_lines(o, s, ro, s->comments, s->n_comments, 0);
    if (s->n_comments_dropped)
        tp_sb_printf(o, "  (%zu more comments not kept)\n", s->n_comments_dropped);
}

static void messages(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    plain_exchange(o, s, ro);
    packet_comments(o, s, ro);
    if (!s->n_msgs) {
        tp_sb_put(o, "\n  (no TLS messages)\n");
        return;
    }
    tp_sb_putc(o, '\n');
    int enc = rs_encryption_start(s, -1);
    int enc_c = rs_encryption_start(s, TP_C2S), enc_s = rs_encryption_start(s, TP_S2C);
    struct rmsg *r = malloc(sizeof *r);
    if (!r) {
        o->oom = true;
        return;
    }
    const char *xind = "                 ";
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        rm_parse(s, m, r);
        if ((int)i == enc_c || (int)i == enc_s) {
            bool we = (m->dir == TP_C2S && s->source == TP_SRC_CONNECT) ||
                      (m->dir == TP_S2C && s->source == TP_SRC_LISTEN);
            tp_sb_printf(o, "%s  ── %s from here on ──%s\n", tp_c_dim(ro),
                         we ? "we encrypt" : m->dir == TP_C2S ? "the client encrypts" : "the server encrypts",
                         tp_c_reset(ro));
            if (ro->explain && (int)i == enc)
                rx_encryption_boundary(o, s, xind, text_width(ro));
        }
        size_t line = o->len;
        if (!ro->no_times) {
            tp_sb_printf(o, "%8.1f ms  ", (double)(m->t_us < 0 ? 0 : m->t_us) / 1000.0);
            tp_sb_pad(o, line, 13);
        } else {
            tp_sb_put(o, "  ");
        }
        size_t base = o->len;
        bool alert = m->kind == TP_MSG_ALERT;
        tp_sb_put(o, m->dir == TP_C2S ? "C → S  " : "C ← S  ");
        if (alert)
            tp_sb_put(o, m->alert_level == TP_ALERT_LEVEL_FATAL ? tp_c_red(ro) : tp_c_yellow(ro));
        tp_sb_put(o, r->type);
        if (alert)
            tp_sb_put(o, tp_c_reset(ro));
        tp_sb_pad(o, base, 7 + 20);
        size_t lenpos = o->len;
        tp_sb_printf(o, "%6lu B", (unsigned long)m->length);
        tp_sb_pad(o, lenpos, 9);
        tp_sb_put(o, "  ");
        struct tp_sb f;
        tp_sb_init(&f);
        rf_facts(&f, s, r, " · ");
        if (m->decrypted && s->source == TP_SRC_PCAP)
            tp_sb_put(&f, f.len ? " · decrypted" : "decrypted");
        put_facts(o, line, tp_sb_str(&f), text_width(ro), strlen(xind));
        tp_sb_free(&f);
        while (o->len && o->buf[o->len - 1] == ' ')
            o->len--, o->buf[o->len] = '\0';
        tp_sb_putc(o, '\n');
        if (alert) {
            const char *mean = tp_alert_meaning(m->alert_desc);
            if (mean && !ro->explain && m->alert_desc != TP_ALERT_CLOSE_NOTIFY)
                tp_sb_printf(o, "%s%s%s%s\n", xind, tp_c_dim(ro), mean, tp_c_reset(ro));
        }
        if (r->kind == RM_CH && (s->source == TP_SRC_LISTEN || ro->verbose))
            ch_details(o, text_width(ro), &r->u.ch, rj_ja(ro->memo));
        if (r->kind == RM_SH && (s->source == TP_SRC_LISTEN || ro->verbose))
            sh_details(o, text_width(ro), &r->u.sh, rj_ja(ro->memo));
        if (ro->explain) {
            rx_message(o, s, r, xind, text_width(ro));
        }
    }
    free(r);
}

static void chain(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro,
                  const struct tp_chain *c, bool client_chain)
{
    if (!c->present)
        return;
    /* We are the server in listen, the client in connect. */
    bool ours = client_chain ? s->source == TP_SRC_CONNECT : s->source == TP_SRC_LISTEN;
    if (ours)
        tp_sb_printf(o, "\n%sCertificates we sent%s (%zu):\n", tp_c_bold(ro), tp_c_reset(ro), c->n_total);
    else
        tp_sb_printf(o, "\n%sCertificates sent by the %s%s (%zu):\n", tp_c_bold(ro), client_chain ? "client" : "server",
                     tp_c_reset(ro), c->n_total);
    if (!c->n)
        tp_sb_put(o, "  none: the Certificate message was empty\n");
    time_t now = rs_judge_now(s);
    for (size_t i = 0; i < c->n; i++) {
        const struct tp_cert_info *ci = c->info[i];
        if (!ci) {
            tp_sb_printf(o, "  %zu  (%zu bytes that do not parse as a certificate)\n", i, c->der[i].len);
            continue;
        }
        tp_sb_printf(o, "  %zu  ", i);
        put_esc(o, ci->subject ? ci->subject : "(no subject)");
        tp_sb_putc(o, '\n');
        tp_sb_put(o, "     issuer  ");
        put_esc(o, ci->issuer ? ci->issuer : "(none)");
        tp_sb_putc(o, '\n');
        if (ci->n_san) {
            tp_sb_put(o, "     names   ");
            for (size_t k = 0; k < ci->n_san; k++) {
                static const char *const t[] = { "DNS:", "IP:", "email:", "URI:", "other:" };
                tp_sb_printf(o, "%s%s", k ? ", " : "", t[ci->san[k].type <= TP_SAN_OTHER ? ci->san[k].type : TP_SAN_OTHER]);
                if (ci->san[k].value)
                    tp_sb_put_escaped(o, (const uint8_t *)ci->san[k].value, ci->san[k].value_len);
                if (k >= 7 && ci->n_san > 9) {
                    tp_sb_printf(o, " and %zu more", ci->n_san - k - 1);
                    break;
                }
            }
            tp_sb_putc(o, '\n');
        }
        tp_sb_put(o, "     valid   ");
        rs_put_date(o, ci->not_before);
        tp_sb_put(o, " to ");
        rs_put_date(o, ci->not_after);
        if (!ro->no_times) {
            long days = tp_cert_days_left(ci, now);
            if (now < ci->not_before)
                tp_sb_printf(o, "  %snot yet valid%s", tp_c_red(ro), tp_c_reset(ro));
            else if (days < 0)
                tp_sb_printf(o, "  %sexpired %ld days ago%s", tp_c_red(ro), -days, tp_c_reset(ro));
            else
                tp_sb_printf(o, "  %s%ld days left%s", days < 30 ? tp_c_yellow(ro) : "", days,
                             days < 30 ? tp_c_reset(ro) : "");
        }
        tp_sb_putc(o, '\n');
        tp_sb_printf(o, "     key     %s · signed %s%s%s\n", ci->key_desc[0] ? ci->key_desc : "?",
                     ci->sig_alg[0] ? ci->sig_alg : "?", ci->is_ca ? " · CA" : "",
                     ci->self_signed ? " · self-signed" : "");
        char ja4x[40];
        if ((s->source == TP_SRC_LISTEN || ro->verbose) && tp_cert_ja4x(ci->der, ci->der_len, ja4x))
            tp_sb_printf(o, "     JA4X    %s\n", ja4x);
    }
    if (c->n_total > c->n)
        tp_sb_printf(o, "  and %zu more not kept\n", c->n_total - c->n);
}

static void verification(struct tp_sb *o, const struct tp_render_opts *ro, const struct tp_verify_result *v,
                         const char *what, const char *cert_errors)
{
    if (!v)
        return;
    bool ok = v->status == TP_PATH_OK;
    /* "ok" is the path; the certificate can still fail (dates, name, a
     * constraint): say so here, never "ok" above an error finding. */
    if (ok && cert_errors && cert_errors[0]) {
        tp_sb_printf(o, "\n%sVerification of %s chain%s: %spath ok, but not valid: %s%s\n", tp_c_bold(ro), what,
                     tp_c_reset(ro), tp_c_red(ro), cert_errors, tp_c_reset(ro));
    } else if (ok && !v->valid && v->reject_id[0]) {
        tp_sb_printf(o, "\n%sVerification of %s chain%s: %spath ok, but not valid: %s%s\n", tp_c_bold(ro), what,
                     tp_c_reset(ro), tp_c_red(ro), v->reject_id, tp_c_reset(ro));
    } else {
        tp_sb_printf(o, "\n%sVerification of %s chain%s: %s%s%s\n", tp_c_bold(ro), what, tp_c_reset(ro),
                     ok ? tp_c_green(ro) : tp_c_red(ro), rn_path_status(v->status), tp_c_reset(ro));
    }
    if (v->path_len) {
        tp_sb_put(o, "  path   ");
        for (size_t i = 0; i < v->path_len; i++) {
            const struct tp_path_elem *pe = &v->path[i];
            if (i)
                tp_sb_put(o, "\n         ↑ issued by ");
            const char *n = pe->cert ? (pe->cert->subject_cn ? pe->cert->subject_cn : pe->cert->subject) : NULL;
            put_esc(o, n ? n : "?");
            switch (pe->src) {
            case TP_FROM_SENT: tp_sb_printf(o, " (sent #%d)", pe->sent_index); break;
            case TP_FROM_INTERMEDIATES: tp_sb_put(o, " (from --intermediates)"); break;
            case TP_FROM_AIA: tp_sb_put(o, " (fetched via AIA)"); break;
            case TP_FROM_STORE: tp_sb_put(o, " (trust store)"); break;
            }
        }
        tp_sb_putc(o, '\n');
    }
    rs_ct_text(o, ro, v->ct, "  ");
    for (size_t i = 0; i < v->n_tried; i++) { /* other paths judged (backtracking) */
        tp_sb_put(o, i ? "                  " : "  also tried     ");
        tp_sb_put(o, v->tried[i].text);
        tp_sb_putc(o, '\n');
    }
    if (v->missing_issuer[0]) {
        tp_sb_put(o, "  missing issuer  ");
        put_esc(o, v->missing_issuer);
        tp_sb_putc(o, '\n');
    }
    if (v->store_desc[0]) {
        tp_sb_put(o, "  trust store     ");
        put_esc(o, v->store_desc);
        tp_sb_putc(o, '\n');
    }
    if (v->trust.judged) {
        tp_sb_put(o, "  public stores   ");
        rt_trust_text(o, &v->trust, ro, "                  ", text_width(ro));
    }
    if (v->name_status != TP_NAME_NOT_CHECKED) {
        tp_sb_put(o, "  name            ");
        put_esc(o, v->name);
        tp_sb_printf(o, ": %s\n", v->name_status == TP_NAME_OK ? "covered by the SAN"
                                  : v->name_status == TP_NAME_OK_CN_ONLY ? "only in the Common Name (no SAN)"
                                                                          : "not covered");
    }
}

/* --stack: the fix for one stack, for the side this source speaks for (connect,
 * check: a client's view; listen: the server's). Our own table text: lines
 * starting with spaces are code and kept as they are. */
static void stack_fix_text(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro,
                           const struct tp_finding *f, const char *ind)
{
    if (!ro->stack || !f->id)
        return;
    enum tp_explain_side side = rs_stack_side(s);
    const char *fix = tp_explain_stack_fix(f->id, ro->stack, side);
    if (!fix)
        return;
    char head[96];
    snprintf(head, sizeof head, "fix for %s (on the %s side):", ro->stack,
             side == TP_EXPLAIN_SIDE_SERVER ? "server" : "client");
    rx_wrap(o, head, ind, text_width(ro));
    char ind2[32];
    snprintf(ind2, sizeof ind2, "%s  ", ind);
    for (const char *p = fix; *p;) {
        size_t l = strcspn(p, "\n");
        if (*p == ' ') {
            tp_sb_put(o, ind2);
            tp_sb_putn(o, p, l);
            tp_sb_putc(o, '\n');
        } else {
            char *line = strndup(p, l);
            if (line) {
                rx_wrap(o, line, ind2, text_width(ro));
                free(line);
            }
        }
        p += l;
        if (*p == '\n')
            p++;
    }
}

static void findings(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    const char *ind = "      ";
    tp_sb_putc(o, '\n');
    if (!s->n_findings) {
        tp_sb_printf(o, "%sNo problems found.%s\n", tp_c_green(ro), tp_c_reset(ro));
        if (ro->explain)
            rx_findings_intro(o, s, "  ", text_width(ro));
        return;
    }
    tp_sb_printf(o, "%sFindings%s (%zu):\n", tp_c_bold(ro), tp_c_reset(ro), s->n_findings);
    if (ro->explain)
        rx_findings_intro(o, s, "  ", text_width(ro));
    struct tp_sb t;
    tp_sb_init(&t);
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct tp_finding *f = &s->findings[i];
        size_t line = o->len;
        tp_sb_printf(o, "  %s%s%s", sev_colour(ro, f->severity), rn_severity(f->severity), tp_c_reset(ro));
        tp_sb_pad(o, line, 11);
        tp_sb_put(o, tp_c_bold(ro));
        put_esc(o, f->id ? f->id : "?");
        tp_sb_printf(o, "%s\n", tp_c_reset(ro));
        const struct { const char *label; const char *text; bool show; } parts[] = {
            { "", f->summary, true },
            { "why: ", f->explanation, ro->explain || ro->verbose },
            { "fix: ", f->fix, true },
            { "see: ", f->reference, ro->explain || ro->verbose },
        };
        for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
            if (!parts[k].show || !parts[k].text || !parts[k].text[0])
                continue;
            tp_sb_reset(&t);
            tp_sb_put(&t, parts[k].label);
            put_esc(&t, parts[k].text);
            rx_wrap(o, tp_sb_str(&t), ind, text_width(ro));
            if (k == 2)
                stack_fix_text(o, s, ro, f, ind);
        }
    }
    tp_sb_free(&t);
}

/* The last resort for lines that came out wider than the terminal (a long
 * status, a path, a name): break them at a space, continuing under the line's
 * value column ("  trust store     /a/b" continues under "/a/b"), else 4 past
 * its indent. A word wider than a line stays whole. Colour escapes take no
 * columns; lines that fit are not touched. */
void tp_render_fold(struct tp_sb *out, size_t start, unsigned width)
{
    if (out->oom || out->len <= start)
        return;
    struct tp_sb t;
    tp_sb_init(&t);
    tp_sb_putn(&t, out->buf + start, out->len - start);
    out->len = start;
    out->buf[start] = '\0';
    const char *p = tp_sb_str(&t);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (tp_render_cols(p, n) <= width) {
            tp_sb_putn(out, p, n);
        } else {
            size_t lead = strspn(p, " ");
            size_t hang = lead + 4;
            const char *gap = strstr(p + lead, "  ");
            if (gap && gap < p + n) {
                size_t v = (size_t)(gap - p) + strspn(gap, " ");
                if (tp_render_cols(p, v) <= width / 2)
                    hang = tp_render_cols(p, v);
            }
            tp_sb_putn(out, p, lead); /* the indentation stays as it is */
            const char *q = p + lead, *end = p + n;
            size_t col = lead;
            bool first_line = true;
            while (q < end) {
                /* the longest run of words from q that fits; a break at a
                 * double space (between fields) is preferred when it keeps at
                 * least half the line */
                const char *cut = NULL, *cut2 = NULL, *r = q;
                size_t c = col, c2 = 0;
                while (r < end) {
                    const char *sp = memchr(r, ' ', (size_t)(end - r));
                    const char *we = sp ? sp : end;
                    size_t wc = tp_render_cols(r, (size_t)(we - r));
                    c += wc;
                    if (c > width && cut) {
                        /* a word no continuation line could hold either (a
                         * fingerprint): leave it where it is */
                        if (wc > width - (hang < width ? hang : 0)) {
                            cut = we;
                            cut2 = NULL;
                        }
                        break;
                    }
                    cut = we;
                    if (!sp)
                        break;
                    if (sp + 1 < end && sp[1] == ' ') {
                        cut2 = we;
                        c2 = c;
                    }
                    c += 1;
                    r = sp + 1;
                }
                if (cut2 && cut != end && c2 > col + (width - col) / 2)
                    cut = cut2;
                tp_sb_putn(out, q, (size_t)(cut - q));
                q = cut;
                while (q < end && *q == ' ')
                    q++;
                if (q < end) {
                    tp_sb_printf(out, "\n%*s", (int)hang, "");
                    col = hang;
                }
                first_line = false;
            }
            (void)first_line;
        }
        if (!nl)
            break;
        tp_sb_putc(out, '\n');
        p = nl + 1;
    }
    tp_sb_free(&t);
}

void tp_render_text_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o)
{
    size_t start = out->len;
    header(out, s, o);
    if (o->explain) {
        tp_sb_putc(out, '\n');
        rx_session_intro(out, s, "  ", text_width(o));
    }
    messages(out, s, o);
    chain(out, s, o, &s->server_chain, false);
    chain(out, s, o, &s->client_chain, true);
    char cert_errors[256];
    rs_cert_errors(s, cert_errors, sizeof cert_errors);
    verification(out, o, s->server_verify, s->source == TP_SRC_LISTEN ? "our" : "the server's", cert_errors);
    verification(out, o, s->client_verify, s->source == TP_SRC_CONNECT ? "our" : "the client's", NULL);
    rs_staple_text(out, s, o);
    rs_crl_text(out, s, o);
    findings(out, s, o);
    tp_render_fold(out, start, (unsigned)text_width(o));
}

void tp_render_findings(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o)
{
    struct tp_render_opts def = { 0 };
    if (!o)
        o = &def;
    if (o->format == TP_FMT_JSON) {
        /* {"findings":[...]} on one line: the same objects as in a session. */
        struct jw w;
        jw_init(&w, out);
        jw_open(&w, '{');
        rj_findings(&w, s, o);
        jw_close(&w, '}');
        tp_sb_putc(out, '\n');
        return;
    }
    struct tp_render_opts t = *o;
    t.verbose = true; /* check/explain: the explanation is the point */
    size_t start = out->len;
    findings(out, s, &t);
    tp_render_fold(out, start, (unsigned)text_width(o));
}
