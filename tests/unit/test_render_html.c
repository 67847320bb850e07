/* --format html without a browser (tests/integration/test_html.sh loads pages in
 * Chromium): every fixture transcript gives a page whose every '<' opens a tag we
 * write, whose elements are balanced, with one ladder arrow per message and one
 * data-finding per finding; hostile names, banners and finding texts come out as
 * text, never as markup; the raw JSON is --format json's line; the output is the
 * same with and without a memo; other formats have no page around the sessions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ctype.h>
#include "test_render_fixture.h"

static char *render_page(const struct tp_session *s, struct tp_render_memo *memo, const char *title)
{
    struct tp_render_opts o = { .format = TP_FMT_HTML, .memo = memo, .no_times = true, .stack = "openssl" };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_doc_begin(&sb, title, &o);
    tp_render_session(&sb, s, &o);
    tp_render_doc_end(&sb, &o);
    assert_false(sb.oom);
    assert_false(sb.truncated);
    return tp_sb_take(&sb);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Every '<' outside <style> and <script> opens or closes a tag of this list, and
 * the elements that must be closed are, in order. NULL when fine. */
static const char *check_tags(const char *page, char *err, size_t errlen)
{
    static const char *const known[] = {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "p", "code", "nav",
        "span", "ol", "ul", "li", "noscript", "main", "section", "div", "b", "svg", "g", "rect", "text", "line",
        "polygon", "path", "tspan", "dl", "dt", "dd", "details", "summary", "pre", "footer", "script", "a",
    };
    char stack[64][16];
    int depth = 0;
    for (const char *p = strchr(page, '<'); p; p = strchr(p + 1, '<')) {
        if (!strncmp(p, "<!DOCTYPE html>", 15))
            continue;
        bool close = p[1] == '/';
        const char *n = p + 1 + close;
        size_t len = 0;
        while (isalnum((unsigned char)n[len]))
            len++;
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0] && !ok; i++)
            ok = strlen(known[i]) == len && !strncmp(known[i], n, len);
        const char *gt = strchr(n, '>');
        if (!ok || !len || !gt || len >= 16) {
            snprintf(err, errlen, "not a tag of ours at: %.60s", p);
            return err;
        }
        bool self = gt[-1] == '/' || (len == 4 && !strncmp(n, "meta", 4));
        if (close) {
            if (!depth || strlen(stack[depth - 1]) != len || strncmp(stack[depth - 1], n, len)) {
                snprintf(err, errlen, "</%.*s> closes <%s>", (int)len, n, depth ? stack[depth - 1] : "nothing");
                return err;
            }
            depth--;
        } else if (!self) {
            if (depth == 64)
                return "too deep";
            snprintf(stack[depth++], sizeof stack[0], "%.*s", (int)len, n);
            /* style and script: our constants, skipped whole */
            const char *end = (len == 5 && !strncmp(n, "style", 5)) ? strstr(gt, "</style>")
                              : (len == 6 && !strncmp(n, "script", 6)) ? strstr(gt, "</script>") : NULL;
            if (end)
                p = end - 1;
        }
    }
    if (depth) {
        snprintf(err, errlen, "<%s> not closed", stack[depth - 1]);
        return err;
    }
    return NULL;
}

static void test_render_html__every_scenario__well_formed(void **st)
{
    (void)st;
    char err[160];
    for (size_t k = 0; k < sizeof rf_scenarios / sizeof rf_scenarios[0]; k++) {
        struct tp_session *s = rf_scenario(rf_scenarios[k]);
        char *out = render_page(s, NULL, rf_scenarios[k]);
        if (check_tags(out, err, sizeof err))
            fail_msg("%s: %s", rf_scenarios[k], err);
        assert_int_equal(count(out, "<section class=\"session"), 1);
        assert_int_equal(count(out, "<g class=\"msg "), s->n_msgs);
        assert_int_equal(count(out, " data-finding=\""), s->n_findings);
        size_t dec = 0;
        for (size_t i = 0; i < s->n_msgs; i++)
            dec += s->msgs[i].decrypted;
        assert_int_equal(count(out, " dec\" data-type="), dec);
        assert_non_null(strstr(out, s->handshake_complete ? "handshake complete" : "handshake failed"));
        assert_null(strstr(out, "t-ms")); /* no_times */
        free(out);
        rf_free(s);
    }
}

static void test_render_html__raw_json__is_format_json(void **st)
{
    (void)st;
    struct tp_session *s = rf_scenario("tls13-unknown-ca");
    char *out = render_page(s, NULL, "x");
    struct tp_render_opts jo = { .format = TP_FMT_JSON, .no_times = true, .stack = "openssl" };
    struct tp_sb j;
    tp_sb_init(&j);
    tp_render_session(&j, s, &jo);
    /* The line, HTML-escaped (& < > only), without its newline. */
    struct tp_sb want;
    tp_sb_init(&want);
    tp_sb_put(&want, "<pre class=\"json\">");
    for (size_t i = 0; i + 1 < j.len; i++) {
        char c = j.buf[i];
        tp_sb_put(&want, c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : (char[2]){ c, 0 });
    }
    tp_sb_put(&want, "</pre>");
    if (!strstr(out, tp_sb_str(&want)))
        fail_msg("the raw JSON is not --format json's line");
    tp_sb_free(&want);
    tp_sb_free(&j);
    free(out);
    rf_free(s);
}

static void test_render_html__hostile_strings__text_not_markup(void **st)
{
    (void)st;
    char err[160];
    struct tp_session *s = rf_scenario("tls13-unknown-ca");
    free(s->server_name);
    const char evil[] = "</pre></script><script>alert(1)</script><img src=x>\"'&amp;\x1b[0m";
    s->server_name = malloc(sizeof evil - 1);
    memcpy(s->server_name, evil, sizeof evil - 1);
    s->server_name_len = sizeof evil - 1;
    snprintf(s->client, sizeof s->client, "<b>1.2.3.4:5");
    memcpy(s->outcome.peer_banner, "HTTP/1.1 400 <x>\r\n\"'", 20);
    s->outcome.peer_banner_len = 20;
    snprintf(s->alpn, sizeof s->alpn, "h2<i>");
    rf_add_finding(s, "x\"y<z", TP_SEV_ERROR, "<img src=x onerror=y>", "</section>", "'&'", "<a>");
    char *out = render_page(s, NULL, "connect <evil> & \"co\"");
    if (check_tags(out, err, sizeof err))
        fail_msg("%s", err);
    assert_null(strstr(out, "<img"));
    assert_null(strstr(out, "<script>alert"));
    assert_null(strstr(out, "<b>1.2"));
    assert_null(strstr(out, "<i>"));
    assert_null(strstr(out, "\x1b"));
    assert_non_null(strstr(out, "&lt;/pre&gt;&lt;/script&gt;&lt;script&gt;alert(1)"));
    assert_non_null(strstr(out, "&quot;&#39;&amp;amp;\\x1b[0m")); /* the terminal's escape, then HTML's */
    assert_non_null(strstr(out, "data-finding=\"x&quot;y&lt;z\""));
    assert_non_null(strstr(out, "<title>tlsprobe connect &lt;evil&gt; &amp; &quot;co&quot;</title>"));
    /* in the raw JSON too: its \" stays, the markup does not */
    assert_non_null(strstr(out, "\\u001b[0m"));
    assert_int_equal(count(out, "<script>"), 1);
    free(out);
    rf_free(s);
}

static void test_render_html__memo__same_bytes(void **st)
{
    (void)st;
    struct tp_render_memo *memo = tp_render_memo_new();
    assert_non_null(memo);
    for (int round = 0; round < 2; round++)
        for (size_t k = 0; k < sizeof rf_scenarios / sizeof rf_scenarios[0]; k++) {
            struct tp_session *s = rf_scenario(rf_scenarios[k]);
            char *a = render_page(s, NULL, "t"), *b = render_page(s, memo, "t");
            assert_string_equal(a, b);
            free(a);
            free(b);
            rf_free(s);
        }
    tp_render_memo_free(memo);
}

static void test_render_html__empty_session__a_page(void **st)
{
    (void)st;
    char err[160];
    struct tp_session *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->outcome.status = TP_CONN_REFUSED;
    char *out = render_page(s, NULL, NULL);
    if (check_tags(out, err, sizeof err))
        fail_msg("%s", err);
    assert_non_null(strstr(out, "no TLS messages"));
    assert_non_null(strstr(out, "handshake failed (connection-refused)"));
    assert_non_null(strstr(out, "No certificate was seen."));
    free(out);
    free(s);
}

/* connect --starttls: the exchange is a list before the ladder; the server's
 * lines and the failure's detail are text, never markup. */
static void test_render_html__starttls__exchange_as_text(void **st)
{
    (void)st;
    char err[160];
    static const char *const lines[] = { "220 <script>alert(1)</script> \x1b[0m ready", "EHLO tlsprobe.invalid",
                                         "250-STARTTLS", "STARTTLS", "220 go ahead" };
    struct tp_session *s = rf_scenario("tls13-good");
    rf_starttls(s, "smtp", TP_STARTTLS_OK, NULL, lines, 5);
    char *out = render_page(s, NULL, NULL);
    if (check_tags(out, err, sizeof err))
        fail_msg("%s", err);
    assert_non_null(strstr(out, "<h3>Plain text before TLS: STARTTLS (smtp), ok</h3>\n"
                                "<ol class=\"plain\" data-starttls=\"smtp\" data-status=\"ok\">\n"
                                "<li class=\"s2c\"><span class=\"dir\">C \xe2\x86\x90 S</span> <code>220 "
                                "&lt;script&gt;alert(1)&lt;/script&gt; \\x1b[0m ready</code></li>\n"
                                "<li class=\"c2s\"><span class=\"dir\">C \xe2\x86\x92 S</span> "
                                "<code>EHLO tlsprobe.invalid</code></li>"));
    assert_non_null(strstr(out, "</ol>\n<p class=\"mute\">TLS from here on.</p>\n<h3>Handshake</h3>"));
    assert_int_equal(count(out, "<script>"), 1);
    assert_null(strstr(out, "\x1b"));
    free(out);
    rf_free(s);

    /* refused: no TLS messages, the detail said once, escaped */
    s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->outcome.status = TP_CONN_STARTTLS_FAILED;
    rf_starttls(s, "xmpp", TP_STARTTLS_REFUSED, "host-unknown: the server does not serve '<b>'", lines, 1);
    out = render_page(s, NULL, NULL);
    if (check_tags(out, err, sizeof err))
        fail_msg("%s", err);
    assert_non_null(strstr(out, "data-status=\"refused\""));
    assert_non_null(strstr(out, "<p class=\"status bad\">STARTTLS failed: host-unknown: the server does not serve "
                                "&#39;&lt;b&gt;&#39;</p>"));
    assert_null(strstr(out, "TLS from here on"));
    assert_null(strstr(out, "<b>'"));
    free(out);
    rf_free(s);
}

static void test_render_doc__other_formats__nothing(void **st)
{
    (void)st;
    enum tp_format f[] = { TP_FMT_TEXT, TP_FMT_JSON, TP_FMT_MERMAID };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        struct tp_render_opts o = { .format = f[i] };
        struct tp_sb sb;
        tp_sb_init(&sb);
        tp_render_doc_begin(&sb, "x", &o);
        tp_render_doc_end(&sb, &o);
        assert_int_equal(sb.len, 0);
        tp_sb_free(&sb);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_html__every_scenario__well_formed),
        cmocka_unit_test(test_render_html__raw_json__is_format_json),
        cmocka_unit_test(test_render_html__hostile_strings__text_not_markup),
        cmocka_unit_test(test_render_html__memo__same_bytes),
        cmocka_unit_test(test_render_html__empty_session__a_page),
        cmocka_unit_test(test_render_doc__other_formats__nothing),
        cmocka_unit_test(test_render_html__starttls__exchange_as_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
