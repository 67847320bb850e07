/* --format html: one self-contained page (docs/html.md). No network, nothing
 * external: the style and the one small script are inline and pinned by the
 * page's Content-Security-Policy (their SHA-256 below; default-src 'none', so
 * the page cannot load or run anything else even if text slipped through).
 *
 * Streams like the other formats: tp_render_html_begin writes the head and an
 * empty index, each session is one <section> written when it ends, and
 * tp_render_html_end writes the script that fills the index at the top from the
 * sections' data-* attributes (textContent only, never markup), and the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "html_int.h"
#include "tlsprobe/diagnose.h"

/* The page's style. Colours by variables: light, dark (prefers-color-scheme)
 * and print (always light, no index, no raw JSON). System fonts only. */
static const char css[] =
    ":root{--bg:#fff;--fg:#1f2328;--mute:#59636e;--line:#d1d9e0;--card:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;"
    "--err:#cf222e;--info:#0969da;--dec:#8250df;--enc:#6e7781}\n"
    "@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mute:#9198a1;--line:#3d444d;"
    "--card:#151b23;--ok:#3fb950;--warn:#d29922;--err:#f85149;--info:#4493f8;--dec:#ab7df8;--enc:#8b949e}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:1100px;padding:1rem 1.25rem 3rem;background:var(--bg);color:var(--fg);"
    "font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",sans-serif}\n"
    "h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:.2rem 0 .4rem}"
    "h3{font-size:1rem;margin:1.2rem 0 .4rem;border-bottom:1px solid var(--line)}h4{font-size:.95rem;margin:.6rem 0 .3rem}\n"
    "code,pre{font-family:ui-monospace,\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:12.5px}\n"
    "a{color:var(--info)}.mute,.cmd{color:var(--mute)}.cmd{margin:0 0 .6rem}\n"
    "nav{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.6rem 1rem;margin:.5rem 0 1rem}\n"
    "nav ol{margin:.2rem 0;padding-left:1.6rem}nav li{margin:.15rem 0}nav .first{color:var(--mute)}\n"
    "section.session{border:1px solid var(--line);border-left:6px solid var(--ok);border-radius:8px;"
    "padding:.8rem 1rem;margin:1rem 0}\n"
    "section.v-warning{border-left-color:var(--warn)}section.v-error{border-left-color:var(--err)}\n"
    ".caption{margin:0;color:var(--mute);font-weight:600}\n"
    ".badge{display:inline-block;min-width:4.2em;text-align:center;border-radius:1em;padding:0 .5em;"
    "font-size:.8rem;font-weight:600;color:#fff;background:var(--ok);vertical-align:1px}\n"
    ".badge.v-warning,.badge.sev-warning{background:var(--warn)}.badge.v-error,.badge.sev-error{background:var(--err)}"
    ".badge.sev-info{background:var(--info)}\n"
    ".facts{margin:.1rem 0}.status.good{color:var(--ok)}.status.bad{color:var(--err)}.note{color:var(--warn)}\n"
    ".ladder svg{display:block;width:100%;max-width:780px;height:auto}\n"
    ".ladder text{fill:var(--fg);font-size:13px}.ladder .small,.ladder .facts-t,.ladder .t{font-size:11px;fill:var(--mute)}\n"
    ".ladder .head rect{fill:var(--card);stroke:var(--line)}.ladder .lane{stroke:var(--line);stroke-width:2}\n"
    ".ladder .lbl{font-weight:600}.ladder .arrow{stroke:var(--fg);stroke-width:1.6}.ladder .tip{fill:var(--fg)}\n"
    ".ladder .dec .arrow{stroke:var(--dec)}.ladder .dec .tip,.ladder .dec-t{fill:var(--dec)}\n"
    ".lock rect{fill:var(--dec)}.lock path{fill:none;stroke:var(--dec);stroke-width:1.6}svg.ico{vertical-align:-2px}\n"
    ".ladder .enc .arrow{stroke:var(--enc);stroke-dasharray:6 4}.ladder .enc .tip{fill:var(--enc)}\n"
    ".ladder .alert .arrow{stroke:var(--warn);stroke-width:2.2}.ladder .alert .tip,.ladder .alert .lbl{fill:var(--warn)}\n"
    ".ladder .fatal .arrow{stroke:var(--err)}.ladder .fatal .tip,.ladder .fatal .lbl{fill:var(--err)}\n"
    ".ladder .boundary{stroke:var(--mute);stroke-dasharray:2 4}.ladder .end.good{fill:var(--ok)}"
    ".ladder .end.bad{fill:var(--err)}\n"
    ".legend{font-size:12px;color:var(--mute);margin:.2rem 0}.legend .dec{color:var(--dec)}"
    ".legend .enc{color:var(--enc)}.legend .alert{color:var(--warn)}.legend .fatal{color:var(--err)}\n"
    "ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:1.4rem}ul.tree{padding-left:0}\n"
    "ul.tree ul{border-left:2px solid var(--line);margin-left:.7rem}\n"
    ".cert{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.4rem .7rem;margin:.3rem 0;"
    "break-inside:avoid}\n"
    ".cert.bad{border-color:var(--err)}.cert.missing{border-style:dashed;border-color:var(--err);background:none}\n"
    ".cert .src{color:var(--mute);font-size:.85rem}.cert dl{display:grid;grid-template-columns:7.5em 1fr;gap:0 .6rem;"
    "margin:.3rem 0 0}\n"
    ".cert dt{color:var(--mute)}.cert dd{margin:0;overflow-wrap:anywhere}.by{margin:0 0 0 .2rem;color:var(--mute);"
    "font-size:.8rem}\n"
    ".days.good{color:var(--ok)}.days.warn{color:var(--warn)}.days.bad{color:var(--err)}\n"
    ".verdict.good{color:var(--ok)}.verdict.bad{color:var(--err)}\n"
    "ol.findings{list-style:none;padding:0;margin:0}\n"
    ".finding{border:1px solid var(--line);border-left:4px solid var(--info);border-radius:6px;padding:.4rem .8rem;"
    "margin:.5rem 0;break-inside:avoid}\n"
    ".finding.sev-warning{border-left-color:var(--warn)}.finding.sev-error{border-left-color:var(--err)}\n"
    ".finding p{margin:.25rem 0}.finding .ftitle{font-weight:600}.finding .ref{color:var(--mute);font-size:.85rem}\n"
    ".stackfix pre,pre.json{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--card);padding:.5rem;"
    "border-radius:6px;margin:.2rem 0}\n"
    "details.raw{margin-top:1rem}details.raw summary{cursor:pointer;color:var(--mute)}\n"
    "footer{color:var(--mute);font-size:.85rem;margin-top:2rem}\n"
    "ol.plain{list-style:none;padding:0;margin:.2rem 0}ol.plain li{margin:.1rem 0;overflow-wrap:anywhere}"
    "ol.plain .dir,ol.plain .t{color:var(--mute);white-space:nowrap}ol.plain code{white-space:pre-wrap}\n"
    "@media print{:root{--bg:#fff;--fg:#000;--mute:#444;--line:#bbb;--card:#f4f4f4;--ok:#1a7f37;--warn:#8a5a00;"
    "--err:#b00020;--info:#0550ae;--dec:#6a32c9;--enc:#555}"
    "body{max-width:none;padding:0}nav,details.raw{display:none}section.session{break-inside:auto}"
    ".badge{print-color-adjust:exact;-webkit-print-color-adjust:exact}}\n";

/* The index: one entry per section, built from its data-* attributes with
 * textContent (never innerHTML); sections get ids s1, s2, ... in page order. */
static const char index_js[] =
    "(function(){var L=document.getElementById('index-list'),S=document.querySelectorAll('section.session');"
    "function el(t,c,x){var e=document.createElement(t);if(c)e.className=c;if(x)e.textContent=x;return e}"
    "for(var i=0;i<S.length;i++){var s=S[i],d=s.dataset,li=el('li','v-'+d.verdict),a=el('a','',d.endpoint);"
    "s.id='s'+(i+1);a.href='#'+s.id;li.appendChild(el('span','badge v-'+d.verdict,d.verdict));"
    "li.appendChild(document.createTextNode(' '));li.appendChild(a);"
    "li.appendChild(el('span','status',' \\u2014 '+d.status));"
    "if(d.firstFinding)li.appendChild(el('span','first',' \\u00b7 first finding: '+d.firstFinding+"
    "(d.firstSummary?' ('+d.firstSummary+')':'')));L.appendChild(li)}"
    "document.getElementById('count').textContent='('+S.length+')';"
    "if(!S.length)L.appendChild(el('li','mute','no TLS sessions'))})();";

/* SHA-256 of css and index_js, base64, for the Content-Security-Policy: change
 * either and these must change with it (tests/integration/test_html.sh checks
 * them; Chromium refuses a style or script whose hash is not listed). */
#define RH_CSS_SHA256 "sha256-bwC6ubXiOJAvHMCjjsHzKh91H2l2b8u2YWu0IJPYrnU="
#define RH_JS_SHA256 "sha256-wbGzvf+Iv8AY5IVeQZKb+v4Ky8rVG2TgJdefNQf0HFY="

void rh_escn(struct tp_sb *o, const char *p, size_t n, bool quotes)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *ent = NULL;
        switch (p[i]) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = quotes ? "&quot;" : NULL; break;
        case '\'': ent = quotes ? "&#39;" : NULL; break;
        case '\0': ent = ""; break;
        default: break;
        }
        if (!ent)
            continue;
        tp_sb_putn(o, p + run, i - run);
        tp_sb_put(o, ent);
        run = i + 1;
    }
    tp_sb_putn(o, p + run, n - run);
}

void rh_wire(struct tp_sb *o, const void *p, size_t n)
{
    struct tp_sb t;
    tp_sb_init(&t);
    tp_sb_put_escaped(&t, (const uint8_t *)p, n);
    rh_escn(o, tp_sb_str(&t), t.len, true);
    if (t.oom)
        o->oom = true;
    tp_sb_free(&t);
}

void tp_render_html_begin(struct tp_sb *out, const char *title, const struct tp_render_opts *o)
{
    (void)o;
    tp_sb_put(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '" RH_CSS_SHA256
                   "'; script-src '" RH_JS_SHA256 "'\">\n"
                   "<meta name=\"generator\" content=\"tlsprobe " TP_VERSION "\">\n<title>tlsprobe ");
    rh_str(out, title ? title : "report");
    tp_sb_put(out, "</title>\n<style>");
    tp_sb_put(out, css);
    tp_sb_put(out, "</style>\n</head>\n<body>\n<header>\n<h1>tlsprobe report</h1>\n<p class=\"cmd\"><code>tlsprobe ");
    rh_str(out, title ? title : "");
    tp_sb_put(out, "</code></p>\n</header>\n"
                   "<nav id=\"index\" aria-label=\"sessions\"><h2>Sessions <span id=\"count\"></span></h2>"
                   "<ol id=\"index-list\"></ol><noscript><p class=\"mute\">The index is built by the page's one "
                   "small inline script; every session below has its own heading.</p></noscript></nav>\n<main>\n");
}

void tp_render_html_end(struct tp_sb *out, const struct tp_render_opts *o)
{
    (void)o;
    tp_sb_put(out, "</main>\n<footer><p>Written by tlsprobe " TP_VERSION
                   ". Self-contained: no network, no external files. The raw JSON of each session is the "
                   "output of <code>--format json</code> (docs/json.md).</p></footer>\n<script>");
    tp_sb_put(out, index_js);
    tp_sb_put(out, "</script>\n</body>\n</html>\n");
}

/* Who talked to whom, as the text header says it (terminal-escaped). */
static void endpoint(struct tp_sb *t, const struct tp_session *s)
{
    if (s->source == TP_SRC_CONNECT && s->host) {
        tp_sb_put_escaped(t, (const uint8_t *)s->host, strlen(s->host));
        if (s->server[0]) {
            tp_sb_put(t, " (");
            tp_sb_put_escaped(t, (const uint8_t *)s->server, strnlen(s->server, sizeof s->server));
            tp_sb_putc(t, ')');
        }
        return;
    }
    tp_sb_put_escaped(t, (const uint8_t *)(s->client[0] ? s->client : "?"),
                      s->client[0] ? strnlen(s->client, sizeof s->client) : 1);
    tp_sb_put(t, " \xe2\x86\x92 ");
    tp_sb_put_escaped(t, (const uint8_t *)(s->server[0] ? s->server : "?"),
                      s->server[0] ? strnlen(s->server, sizeof s->server) : 1);
    if (s->server_name) {
        tp_sb_put(t, " SNI ");
        tp_sb_put_escaped(t, (const uint8_t *)s->server_name, s->server_name_len);
    }
}

static const char *verdict_of(const struct tp_session *s)
{
    int worst = tp_session_worst(s);
    return worst == TP_SEV_ERROR ? "error" : worst == TP_SEV_WARNING ? "warning" : "ok";
}

/* The opening tag, its data-* for the index, the heading and the caption. */
static void section_open(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro,
                         const char *status)
{
    const char *v = verdict_of(s);
    struct tp_sb ep;
    tp_sb_init(&ep);
    endpoint(&ep, s);
    tp_sb_printf(o, "<section class=\"session v-%s\" data-source=\"%s\" data-verdict=\"%s\" data-endpoint=\"", v,
                 rn_source(s->source), v);
    rh_esc(o, tp_sb_str(&ep), ep.len);
    tp_sb_put(o, "\" data-status=\"");
    rh_str(o, status);
    tp_sb_putc(o, '"');
    if (s->n_findings && s->findings[0].id) {
        tp_sb_put(o, " data-first-finding=\"");
        rh_str(o, s->findings[0].id);
        tp_sb_put(o, "\" data-first-summary=\"");
        rh_wire_str(o, s->findings[0].summary);
        tp_sb_putc(o, '"');
    }
    tp_sb_put(o, ">\n");
    if (ro->caption) {
        tp_sb_put(o, "<p class=\"caption\">");
        rh_str(o, ro->caption);
        tp_sb_put(o, "</p>\n");
    }
    tp_sb_printf(o, "<h2><span class=\"badge v-%s\">%s</span> %s ", v, v, rn_source(s->source));
    rh_esc(o, tp_sb_str(&ep), ep.len);
    tp_sb_put(o, "</h2>\n");
    tp_sb_free(&ep);
}

/* What was agreed, how it ended, what could not be decoded, the times. */
static void summary(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro, const char *status)
{
    char b[16];
    tp_sb_printf(o, "<p class=\"facts\">%s", s->version ? rn_version(s->version, b) : "no version agreed");
    if (s->has_cipher)
        tp_sb_printf(o, " \xc2\xb7 %s", rn_suite(s->cipher, b));
    if (s->alpn[0]) {
        tp_sb_put(o, " \xc2\xb7 ALPN ");
        rh_wire(o, s->alpn, strnlen(s->alpn, sizeof s->alpn));
    }
    if (s->server_name) {
        tp_sb_put(o, " \xc2\xb7 SNI ");
        rh_wire(o, s->server_name, s->server_name_len);
    } else {
        tp_sb_put(o, " \xc2\xb7 no SNI");
    }
    if (s->resumed)
        tp_sb_put(o, " \xc2\xb7 resumed");
    if (s->hrr)
        tp_sb_put(o, " \xc2\xb7 HelloRetryRequest");
    tp_sb_printf(o, "</p>\n<p class=\"status %s\">", !strcmp(status, "handshake complete") ? "good" : "bad");
    rh_str(o, status);
    tp_sb_put(o, "</p>\n");
    if (s->outcome.peer_banner_len) {
        size_t n = s->outcome.peer_banner_len < sizeof s->outcome.peer_banner ? s->outcome.peer_banner_len
                                                                              : sizeof s->outcome.peer_banner;
        tp_sb_put(o, "<p class=\"note\">The peer answered with: <code>");
        rh_wire(o, s->outcome.peer_banner, n);
        tp_sb_put(o, "</code></p>\n");
    }
    for (int d = 0; d < 2; d++) {
        const struct tp_decode_facts *df = &s->decode[d];
        if (df->issue == TP_DEC_NONE || df->issue == TP_DEC_NOT_TLS || df->issue == TP_DEC_CIPHER_UNSUPPORTED ||
            df->issue == TP_DEC_DRAFT_PROTECTION)
            continue;
        tp_sb_printf(o, "<p class=\"note\">%s stream: %s at byte %llu; %llu records, %llu bytes seen</p>\n",
                     d == TP_C2S ? "client" : "server", tp_decode_issue_name(df->issue),
                     (unsigned long long)df->offset, (unsigned long long)df->records, (unsigned long long)df->bytes);
    }
    if (s->keys_missing)
        tp_sb_put(o, "<p class=\"note\">Encrypted messages not decrypted: no keys for this session (--keylog).</p>\n");
    else if (s->decrypt_failed)
        tp_sb_put(o, "<p class=\"note\">Decryption failed: the key log does not match this session.</p>\n");
    if (!ro->no_times && s->n_msgs) {
        tp_sb_put(o, "<p class=\"mute\">");
        if (s->t_dns_us > 0)
            tp_sb_printf(o, "DNS %.1f ms \xc2\xb7 ", (double)s->t_dns_us / 1000.0);
        if (s->t_connect_us > 0)
            tp_sb_printf(o, "TCP connected at %.1f ms \xc2\xb7 ", (double)s->t_connect_us / 1000.0);
        if (s->rtt_us > 0)
            tp_sb_printf(o, "RTT %.3f ms \xc2\xb7 ", (double)s->rtt_us / 1000.0);
        tp_sb_printf(o, "last message at %.1f ms</p>\n", (double)s->msgs[s->n_msgs - 1].t_us / 1000.0);
    }
}

/* Lines of a plain-text log (STARTTLS's, packet comments) as list items, then
 * the list's end; code: the text is wire bytes shown as code. */
static void plain_items(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro,
                        const struct tp_plain_line *lines, size_t n, bool code)
{
    for (size_t i = 0; i < n; i++) {
        const struct tp_plain_line *l = &lines[i];
        tp_sb_printf(o, "<li class=\"%s\">", rn_dir(l->dir));
        if (!ro->no_times) {
            int64_t t = l->t_us - s->start_us;
            tp_sb_printf(o, "<span class=\"t\">%.1f ms</span> ", (double)(t < 0 ? 0 : t) / 1000.0);
        }
        tp_sb_printf(o, "<span class=\"dir\">%s</span> %s", l->dir == TP_C2S ? "C \xe2\x86\x92 S" : "C \xe2\x86\x90 S",
                     code ? "<code>" : "");
        rh_wire(o, l->text, l->len);
        tp_sb_put(o, code ? "</code></li>\n" : "</li>\n");
    }
    tp_sb_put(o, "</ol>\n");
}

/* connect --starttls: the plain-text exchange before TLS, line by line as the
 * text view shows it (the lines are the server's bytes: rh_wire). */
static void plain_exchange(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    const struct tp_starttls *st = &s->starttls;
    if (!st->protocol[0])
        return;
    const char *status = tp_starttls_status_name(st->status);
    tp_sb_put(o, "<h3>Plain text before TLS: STARTTLS (");
    rh_str(o, st->protocol);
    tp_sb_printf(o, "), %s</h3>\n<ol class=\"plain\" data-starttls=\"", status);
    rh_str(o, st->protocol);
    tp_sb_printf(o, "\" data-status=\"%s\">\n", status);
    plain_items(o, s, ro, st->lines, st->n_lines, true);
    if (st->n_lines_dropped)
        tp_sb_printf(o, "<p class=\"mute\">(%zu more lines not kept)</p>\n", st->n_lines_dropped);
    if (st->status == TP_STARTTLS_OK) {
        tp_sb_put(o, "<p class=\"mute\">TLS from here on.</p>\n");
    } else if (st->detail[0]) {
        tp_sb_put(o, "<p class=\"status bad\">STARTTLS failed: ");
        rh_wire(o, st->detail, strnlen(st->detail, sizeof st->detail));
        tp_sb_put(o, "</p>\n");
    }
}

/* A capture's comments on the session's packets (pcapng), as the text view has them. */
static void packet_comments(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    if (!s->n_comments && !s->n_comments_dropped)
        return;
    tp_sb_put(o, "<h3>Packet comments (pcapng)</h3>\n<ol class=\"plain\" data-comments>\n");
    plain_items(o, s, ro, s->comments, s->n_comments, false);
    if (s->n_comments_dropped)
        tp_sb_printf(o, "<p class=\"mute\">(%zu more comments not kept)</p>\n", s->n_comments_dropped);
}

/* One finding: the same texts as the text and JSON output, and --stack's fix. */
static void finding(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro,
                    const struct tp_finding *f)
{
    const char *sev = rn_severity(f->severity);
    tp_sb_printf(o, "<li class=\"finding sev-%s\" data-finding=\"", sev);
    rh_str(o, f->id ? f->id : "?");
    tp_sb_printf(o, "\" data-severity=\"%s\">\n<div><span class=\"badge sev-%s\">%s</span> <code class=\"fid\">", sev,
                 sev, sev);
    rh_str(o, f->id ? f->id : "?");
    tp_sb_put(o, "</code></div>\n<p class=\"ftitle\">");
    rh_wire_str(o, f->summary);
    tp_sb_put(o, "</p>\n");
    if (f->explanation && f->explanation[0]) {
        tp_sb_put(o, "<p class=\"why\"><b>Why:</b> ");
        rh_wire_str(o, f->explanation);
        tp_sb_put(o, "</p>\n");
    }
    if (f->fix && f->fix[0]) {
        tp_sb_put(o, "<p class=\"fix\"><b>Fix:</b> ");
        rh_wire_str(o, f->fix);
        tp_sb_put(o, "</p>\n");
    }
    const char *sf = ro->stack && f->id ? tp_explain_stack_fix(f->id, ro->stack, rs_stack_side(s)) : NULL;
    if (sf) {
        tp_sb_put(o, "<div class=\"stackfix\"><b>Fix for ");
        rh_str(o, ro->stack);
        tp_sb_printf(o, "</b> (on the %s side):<pre>", rs_stack_side(s) == TP_EXPLAIN_SIDE_SERVER ? "server" : "client");
        rh_str(o, sf);
        tp_sb_put(o, "</pre></div>\n");
    }
    if (f->reference && f->reference[0]) {
        tp_sb_put(o, "<p class=\"ref\">See: ");
        rh_str(o, f->reference);
        tp_sb_put(o, "</p>\n");
    }
    tp_sb_put(o, "</li>\n");
}

static void findings(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    if (!s->n_findings) {
        tp_sb_put(o, "<h3>Findings</h3>\n<p class=\"status good\">No problems found.</p>\n");
        return;
    }
    tp_sb_printf(o, "<h3>Findings (%zu)</h3>\n<ol class=\"findings\">\n", s->n_findings);
    for (size_t i = 0; i < s->n_findings; i++)
        finding(o, s, ro, &s->findings[i]);
    tp_sb_put(o, "</ol>\n");
}

/* The session as --format json writes it (the same renderer), in a closed
 * <details>: HTML-escaped, so JSON.parse(pre.textContent) gives it back exactly. */
static void raw_json(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro)
{
    struct tp_render_opts jo = *ro;
    jo.format = TP_FMT_JSON;
    struct tp_sb j;
    tp_sb_init(&j);
    tp_render_json_session(&j, s, &jo);
    size_t n = j.len;
    while (n && j.buf[n - 1] == '\n')
        n--;
    tp_sb_put(o, "<details class=\"raw\"><summary>Raw JSON (as <code>--format json</code> prints it)</summary>"
                 "<pre class=\"json\">");
    rh_escn(o, tp_sb_str(&j), n, false);
    tp_sb_put(o, "</pre></details>\n");
    if (j.oom)
        o->oom = true;
    tp_sb_free(&j);
}

void tp_render_html_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o)
{
    char status[512];
    rs_status_line(s, status, sizeof status);
    section_open(out, s, o, status);
    summary(out, s, o, status);
    plain_exchange(out, s, o);
    packet_comments(out, s, o);
    tp_sb_put(out, "<h3>Handshake</h3>\n");
    rh_ladder(out, s, o);
    tp_sb_put(out, "<h3>Certificates</h3>\n");
    rh_chains(out, s, o);
    findings(out, s, o);
    raw_json(out, s, o);
    tp_sb_put(out, "</section>\n");
}
