/* Golden tests: fixed transcripts (fixtures/render/NAME.tr) rendered as text,
 * text with --explain, and Mermaid, compared byte for byte with
 * fixtures/render/NAME.FORMAT.golden. No time-dependent text (o->no_times).
 * Regenerate after an intended change: TP_UPDATE_GOLDEN=1 ./test_render_golden */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "test_render_fixture.h"

struct variant {
    const char *suffix;
    enum tp_format format;
    bool explain;
};
static const struct variant variants[] = {
    { "text", TP_FMT_TEXT, false },
    { "explain", TP_FMT_TEXT, true },
    { "mermaid", TP_FMT_MERMAID, false },
};

static void check_golden(const char *scenario, const struct variant *v)
{
    struct tp_session *s = rf_scenario(scenario);
    assert_non_null(s);
    struct tp_render_opts o = { .format = v->format, .explain = v->explain, .no_times = true };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_session(&sb, s, &o);
    char rel[256], path[512];
    snprintf(rel, sizeof rel, "render/%s.%s.golden", scenario, v->suffix);
    snprintf(path, sizeof path, "%s/%s", TP_FIXTURES, rel);
    const char *upd = getenv("TP_UPDATE_GOLDEN");
    if (upd && *upd == '1') {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_true(tp_sb_write(&sb, f));
        fclose(f);
    }
    size_t n = 0;
    uint8_t *want = tu_fixture(rel, &n);
    if (!want)
        fail_msg("missing golden %s (run with TP_UPDATE_GOLDEN=1)", rel);
    if (n != sb.len || memcmp(want, tp_sb_str(&sb), n)) {
        /* Show the first differing line. */
        const char *a = (const char *)want, *b = tp_sb_str(&sb);
        size_t i = 0, line = 1;
        while (i < n && i < sb.len && a[i] == b[i]) {
            if (a[i] == '\n')
                line++;
            i++;
        }
        fail_msg("%s differs from the golden at line %zu:\n%s", rel, line, b);
    }
    /* Through a memo (as pcap and listen render): the same bytes (issue 21). */
    struct tp_render_memo *memo = tp_render_memo_new();
    assert_non_null(memo);
    for (int pass = 0; pass < 2; pass++) {
        struct tp_render_opts mo = o;
        mo.memo = memo;
        struct tp_sb again;
        tp_sb_init(&again);
        tp_render_session(&again, s, &mo);
        assert_int_equal(again.len, n);
        assert_memory_equal(tp_sb_str(&again), want, n);
        tp_sb_free(&again);
    }
    tp_render_memo_free(memo);
    free(want);
    tp_sb_free(&sb);
    rf_free(s);
}

static void test_render_golden__all_scenarios__match(void **st)
{
    (void)st;
    for (size_t k = 0; k < sizeof rf_scenarios / sizeof rf_scenarios[0]; k++)
        for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
            check_golden(rf_scenarios[k], &variants[v]);
}

/* The text with every run of whitespace (line breaks + indent) as one space. */
static char *flat(const char *t)
{
    char *o = malloc(strlen(t) + 1), *q = o;
    for (const char *p = t; *p; p++) {
        if (*p == ' ' || *p == '\n') {
            if (q == o || q[-1] != ' ')
                *q++ = ' ';
        } else {
            *q++ = *p;
        }
    }
    *q = 0;
    return o;
}

/* The teaching text is specific to the version: TLS 1.3 says the flight after
 * ServerHello is encrypted; TLS 1.2 says certificates travel in the clear. */
static void test_render_explain__tls12_vs_tls13__version_specific(void **st)
{
    (void)st;
    struct tp_render_opts o = { .format = TP_FMT_TEXT, .explain = true, .no_times = true };
    struct tp_sb a, b;
    tp_sb_init(&a);
    tp_sb_init(&b);
    struct tp_session *s13 = rf_scenario("tls13-good"), *s12 = rf_scenario("tls12-good");
    tp_render_session(&a, s13, &o);
    tp_render_session(&b, s12, &o);
    char *fa = flat(tp_sb_str(&a)), *fb = flat(tp_sb_str(&b));
    tp_sb_reset(&a);
    tp_sb_put(&a, fa);
    tp_sb_reset(&b);
    tp_sb_put(&b, fb);
    free(fa);
    free(fb);
    assert_non_null(strstr(tp_sb_str(&a), "key share"));
    assert_non_null(strstr(tp_sb_str(&a), "This is TLS 1.3"));
    assert_non_null(strstr(tp_sb_str(&a), "middleboxes"));
    assert_null(strstr(tp_sb_str(&a), "certificates travel in the clear"));
    assert_non_null(strstr(tp_sb_str(&b), "This is TLS 1.2"));
    assert_non_null(strstr(tp_sb_str(&b), "forward secrecy"));
    assert_non_null(strstr(tp_sb_str(&b), "next message, Finished"));
    assert_null(strstr(tp_sb_str(&b), "middleboxes"));
    /* No colour codes unless asked. */
    assert_null(strchr(tp_sb_str(&a), 0x1b));
    tp_sb_free(&a);
    tp_sb_free(&b);
    rf_free(s13);
    rf_free(s12);
}

static void test_render_text__color__only_when_asked(void **st)
{
    (void)st;
    struct tp_render_opts o = { .format = TP_FMT_TEXT, .color = true, .no_times = true };
    struct tp_sb sb;
    tp_sb_init(&sb);
    struct tp_session *s = rf_scenario("tls13-unknown-ca");
    tp_render_session(&sb, s, &o);
    assert_non_null(strstr(tp_sb_str(&sb), "\033[31merror\033[0m"));
    tp_sb_free(&sb);
    rf_free(s);
}

static void test_render_text__hostile_names__escaped(void **st)
{
    (void)st;
    struct tp_render_opts o = { .format = TP_FMT_TEXT, .explain = true, .no_times = true };
    struct tp_session *s = rf_scenario("tls13-good");
    free(s->server_name);
    s->server_name = malloc(6);
    memcpy(s->server_name, "\x1b]0;x\x07", 6);
    s->server_name_len = 6;
    rf_add_finding(s, "hostname-mismatch", TP_SEV_ERROR, "name \x1b[31m evil", "e\x9b", "f\x07", NULL);
    for (int f = 0; f < 3; f++) {
        struct tp_sb sb;
        tp_sb_init(&sb);
        o.format = (enum tp_format)f;
        tp_render_session(&sb, s, &o);
        assert_null(strchr(tp_sb_str(&sb), 0x1b));
        assert_null(strchr(tp_sb_str(&sb), 0x07));
        tp_sb_free(&sb);
    }
    rf_free(s);
}

/* The ClientHello is shown in full for `listen`. */
static void test_render_text__listen__client_hello_in_full(void **st)
{
    (void)st;
    struct tp_render_opts o = { .format = TP_FMT_TEXT, .no_times = true };
    struct tp_session *s = rf_scenario("tls13-good");
    s->source = TP_SRC_LISTEN;
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_session(&sb, s, &o);
    const char *t = tp_sb_str(&sb);
    assert_non_null(strstr(t, "suites (4)"));
    assert_non_null(strstr(t, "TLS_CHACHA20_POLY1305_SHA256"));
    assert_non_null(strstr(t, "sig algorithms"));
    assert_non_null(strstr(t, "JA4"));
    assert_non_null(strstr(t, "extensions"));
    tp_sb_free(&sb);
    rf_free(s);
}

/* A connection that never reached TLS: no messages, the outcome says why. */
static void test_render_text__refused__explains_before_tls(void **st)
{
    (void)st;
    struct tp_session *s = calloc(1, sizeof *s);
    s->outcome.status = TP_CONN_REFUSED;
    snprintf(s->outcome.detail, sizeof s->outcome.detail, "connect to 127.0.0.1 port 1: Connection refused");
    s->t_dns_us = 200;
    s->t_connect_us = 400;
    s->rtt_us = -1;
    struct tp_render_opts o = { .format = TP_FMT_TEXT, .explain = true };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_session(&sb, s, &o);
    char *t = flat(tp_sb_str(&sb));
    assert_non_null(strstr(t, "handshake not complete (connection-refused: connect to 127.0.0.1 port 1"));
    assert_non_null(strstr(t, "no TLS message was exchanged"));
    assert_non_null(strstr(t, "(no TLS messages)"));
    assert_null(strstr(t, "TCP connected"));
    free(t);
    tp_sb_free(&sb);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_golden__all_scenarios__match),
        cmocka_unit_test(test_render_explain__tls12_vs_tls13__version_specific),
        cmocka_unit_test(test_render_text__color__only_when_asked),
        cmocka_unit_test(test_render_text__hostile_names__escaped),
        cmocka_unit_test(test_render_text__listen__client_hello_in_full),
        cmocka_unit_test(test_render_text__refused__explains_before_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
