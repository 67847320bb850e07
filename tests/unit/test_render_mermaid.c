/* --format mermaid: a structural check of every line (what Mermaid's
 * sequenceDiagram grammar accepts: participant / arrow / Note / alt-else-end),
 * participants declared before use, and no character in a label that breaks
 * Mermaid (';' ends a statement, '#' starts an entity code, '<' '>' '{' '}'
 * are read as markup). Run on every fixture transcript, on hostile strings and
 * on messages cut at every length. The goldens, every demo scenario and the
 * hostile case were also checked once with Mermaid 11's own parser
 * (mermaid.parse under jsdom): all parse as sequence diagrams. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ctype.h>
#include "test_render_fixture.h"

struct mcheck {
    char ids[8][16];
    size_t n_ids;
    int depth;
    char err[256];
};

static bool id_known(struct mcheck *c, const char *id, size_t n)
{
    for (size_t i = 0; i < c->n_ids; i++)
        if (strlen(c->ids[i]) == n && !strncmp(c->ids[i], id, n))
            return true;
    return false;
}

/* Parse an identifier at *p; returns its length (0 if none). */
static size_t ident(const char *p)
{
    size_t n = 0;
    while (isalnum((unsigned char)p[n]) || p[n] == '_')
        n++;
    return n;
}

static bool label_ok(struct mcheck *c, const char *t, bool alias)
{
    if (!*t) {
        snprintf(c->err, sizeof c->err, "empty label");
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        if (*p == '#' && !alias && isdigit(p[1])) { /* an entity code: #35; */
            const unsigned char *q = p + 1;
            while (isdigit(*q))
                q++;
            if (*q == ';') {
                p = q;
                continue;
            }
        }
        if (*p < 0x20 || *p == 0x7f || strchr(";#<>{}", *p) || (alias && strchr("-:,", *p))) {
            snprintf(c->err, sizeof c->err, "character 0x%02x not allowed in a label", *p);
            return false;
        }
    }
    if (strstr(t, "%%")) {
        snprintf(c->err, sizeof c->err, "%%%% in a label");
        return false;
    }
    return true;
}

static bool check_line(struct mcheck *c, const char *l)
{
    if (strncmp(l, "    ", 4)) {
        snprintf(c->err, sizeof c->err, "not indented");
        return false;
    }
    l += 4;
    if (!strncmp(l, "participant ", 12)) {
        const char *p = l + 12;
        size_t n = ident(p);
        if (!n || n >= 16 || c->n_ids >= 8 || strncmp(p + n, " as ", 4)) {
            snprintf(c->err, sizeof c->err, "bad participant");
            return false;
        }
        memcpy(c->ids[c->n_ids], p, n);
        c->ids[c->n_ids++][n] = 0;
        return label_ok(c, p + n + 4, true);
    }
    if (!strncmp(l, "Note ", 5)) {
        const char *p = l + 5;
        if (!strncmp(p, "over ", 5))
            p += 5;
        else if (!strncmp(p, "left of ", 8))
            p += 8;
        else if (!strncmp(p, "right of ", 9))
            p += 9;
        else {
            snprintf(c->err, sizeof c->err, "bad Note placement");
            return false;
        }
        for (;;) {
            size_t n = ident(p);
            if (!n || !id_known(c, p, n)) {
                snprintf(c->err, sizeof c->err, "Note on an undeclared participant");
                return false;
            }
            p += n;
            if (*p != ',')
                break;
            p++;
        }
        if (strncmp(p, ": ", 2)) {
            snprintf(c->err, sizeof c->err, "Note without ': '");
            return false;
        }
        return label_ok(c, p + 2, false);
    }
    if (!strncmp(l, "alt ", 4) || !strncmp(l, "opt ", 4) || !strncmp(l, "loop ", 5)) {
        c->depth++;
        return label_ok(c, strchr(l, ' ') + 1, false);
    }
    if (!strncmp(l, "else", 4)) {
        if (c->depth <= 0) {
            snprintf(c->err, sizeof c->err, "else outside alt");
            return false;
        }
        return l[4] == 0 || label_ok(c, l + 5, false);
    }
    if (!strcmp(l, "end")) {
        if (--c->depth < 0) {
            snprintf(c->err, sizeof c->err, "end without a block");
            return false;
        }
        return true;
    }
    /* A message: FROM ARROW TO: TEXT */
    size_t n = ident(l);
    if (!n || !id_known(c, l, n)) {
        snprintf(c->err, sizeof c->err, "statement does not start with a participant");
        return false;
    }
    const char *p = l + n;
    static const char *const arrows[] = { "-->>", "->>", "--x", "-x", "--)", "-)", "-->", "->" };
    size_t al = 0;
    for (size_t i = 0; i < sizeof arrows / sizeof arrows[0] && !al; i++)
        if (!strncmp(p, arrows[i], strlen(arrows[i])))
            al = strlen(arrows[i]);
    if (!al) {
        snprintf(c->err, sizeof c->err, "no arrow");
        return false;
    }
    p += al;
    n = ident(p);
    if (!n || !id_known(c, p, n)) {
        snprintf(c->err, sizeof c->err, "arrow to an undeclared participant");
        return false;
    }
    p += n;
    if (strncmp(p, ": ", 2)) {
        snprintf(c->err, sizeof c->err, "message without ': '");
        return false;
    }
    return label_ok(c, p + 2, false);
}

/* Returns NULL when the diagram is well-formed, else a message (static). */
static const char *mermaid_check(const char *text)
{
    static char msg[512];
    struct mcheck c;
    memset(&c, 0, sizeof c);
    if (strncmp(text, "sequenceDiagram\n", 16))
        return "does not start with sequenceDiagram";
    const char *p = text + 16;
    size_t lineno = 1;
    while (*p) {
        const char *e = strchr(p, '\n');
        if (!e)
            return "last line does not end in a newline";
        char line[4096];
        size_t n = (size_t)(e - p);
        if (n >= sizeof line)
            return "line too long";
        memcpy(line, p, n);
        line[n] = 0;
        lineno++;
        if (!check_line(&c, line)) {
            snprintf(msg, sizeof msg, "line %zu: %.200s: %.200s", lineno, c.err, line);
            return msg;
        }
        p = e + 1;
    }
    if (c.depth)
        return "unclosed block";
    if (c.n_ids < 2)
        return "fewer than two participants";
    return NULL;
}

static char *render_mermaid(const struct tp_session *s)
{
    struct tp_render_opts o = { .format = TP_FMT_MERMAID, .no_times = true };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_session(&sb, s, &o);
    return tp_sb_take(&sb);
}

static void test_mermaid_check__broken_diagrams__rejected(void **st)
{
    (void)st;
    /* The checker itself must be able to fail. */
    assert_null(mermaid_check("sequenceDiagram\n    participant C as Client\n    participant S as Server\n"
                              "    C->>S: Hello (x)\n    Note over C,S: ok\n"));
    assert_non_null(mermaid_check("graph TD\n"));
    assert_non_null(mermaid_check("sequenceDiagram\n    participant C as Client\n    participant S as Server\n"
                                  "    C->>S: a; b\n"));
    assert_non_null(mermaid_check("sequenceDiagram\n    participant C as Client\n    participant S as Server\n"
                                  "    C->>X: a\n"));
    assert_non_null(mermaid_check("sequenceDiagram\n    participant C as Client\n    participant S as Server\n"
                                  "    C->>S: #35 a\n"));
    assert_non_null(mermaid_check("sequenceDiagram\n    participant C as Cli:ent\n    participant S as Server\n"));
    assert_non_null(mermaid_check("sequenceDiagram\n    participant C as Client\n    participant S as Server\n"
                                  "    alt x\n"));
    assert_non_null(mermaid_check("sequenceDiagram\n    participant C as Client\n    participant S as Server\n"
                                  "    C=>S: a\n"));
}

static void test_render_mermaid__every_scenario__well_formed(void **st)
{
    (void)st;
    for (size_t k = 0; k < sizeof rf_scenarios / sizeof rf_scenarios[0]; k++) {
        struct tp_session *s = rf_scenario(rf_scenarios[k]);
        char *out = render_mermaid(s);
        const char *err = mermaid_check(out);
        if (err)
            fail_msg("%s: %s\n%s", rf_scenarios[k], err, out);
        /* One arrow per message, plus the encryption notes and the outcome. */
        size_t arrows = 0;
        for (const char *p = out; (p = strstr(p, "\n    ")) != NULL; p++)
            if (p[5] == 'C' || p[5] == 'S')
                arrows++;
        assert_int_equal(arrows, s->n_msgs);
        assert_non_null(strstr(out, "encrypts from here on"));
        assert_non_null(strstr(out, s->handshake_complete ? "handshake complete" : "handshake failed"));
        free(out);
        rf_free(s);
    }
}

static void test_render_mermaid__hostile_strings__sanitised(void **st)
{
    (void)st;
    struct tp_session *s = rf_scenario("tls13-unknown-ca");
    free(s->server_name);
    const char evil[] = "a;b#c<d>e{f}g\nh%%i\x1b[0m:j-k,l\"m";
    s->server_name = malloc(sizeof evil - 1);
    memcpy(s->server_name, evil, sizeof evil - 1);
    s->server_name_len = sizeof evil - 1;
    snprintf(s->client, sizeof s->client, "1.2.3.4;#:5");
    memcpy(s->outcome.peer_banner, "HTTP/1.1 400 ;#<x>\r\n\x1b", 22);
    s->outcome.peer_banner_len = 22;
    rf_add_finding(s, "x;y#z", TP_SEV_WARNING, "s", "e", "f", NULL);
    char *out = render_mermaid(s);
    const char *err = mermaid_check(out);
    if (err)
        fail_msg("%s\n%s", err, out);
    /* The names read the same once Mermaid decodes its entity codes (issue 17:
     * '#' came out as "no."). */
    if (!strstr(out, "a#59;b#35;c#60;d#62;e#123;f#125;g"))
        fail_msg("SNI not escaped with entity codes:\n%s", out);
    if (!strstr(out, "1.2.3.4#59;#35;:5"))
        fail_msg("client not escaped with entity codes:\n%s", out);
    free(out);
    rf_free(s);
}

static void test_render_mermaid__proxy_exchange__arrows_before_tls_sanitised(void **st)
{
    (void)st;
    struct tp_session *s = rf_scenario("tls13-unknown-ca");
    s->proxy.status = TP_PROXY_OK;
    snprintf(s->proxy.url, sizeof s->proxy.url, "http://u;#:***@proxy.test:3128");
    const char *lines[] = { "CONNECT a;b#c:443 HTTP/1.1", "", "HTTP/1.1 200 <ok>{%}" };
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(tp_session_add_proxy_line(s, i < 2 ? TP_C2S : TP_S2C, lines[i], strlen(lines[i]), 0), TP_OK);
    char *out = render_mermaid(s);
    const char *err = mermaid_check(out);
    if (err)
        fail_msg("%s\n%s", err, out);
    const char *connect = strstr(out, "C->>S: CONNECT a#59;b#35;c:443 HTTP/1.1");
    const char *hello = strstr(out, "ClientHello");
    if (!connect || !hello || connect > hello || !strstr(out, "S->>C: HTTP/1.1 200 #60;ok#62;#123;#37;#125;") ||
        !strstr(out, "Note over C,S: proxy ok, tunnel open"))
        fail_msg("proxy exchange missing, unescaped or after the ClientHello:\n%s", out);
    free(out);
    for (size_t i = 0; i < s->proxy.n_lines; i++) /* rf_free knows the fixture's parts only */
        free(s->proxy.lines[i].text);
    free(s->proxy.lines);
    rf_free(s);
}

static void test_render_mermaid__cut_messages__still_well_formed(void **st)
{
    (void)st;
    struct tp_session *s = rf_scenario("tls12-client-cert-required");
    for (size_t i = 0; i < s->n_msgs; i++) {
        struct tp_msg *m = &s->msgs[i];
        uint8_t *orig = m->raw;
        size_t n = m->raw_len;
        for (size_t cut = 0; cut < n; cut += (n > 200 ? 7 : 1)) {
            m->raw = tu_exact(orig, cut);
            m->raw_len = cut;
            char *out = render_mermaid(s);
            const char *err = mermaid_check(out);
            if (err)
                fail_msg("message %zu cut at %zu: %s", i, cut, err);
            free(out);
            free(m->raw);
        }
        m->raw = orig;
        m->raw_len = n;
    }
    rf_free(s);
}

static void test_render_mermaid__empty_session__well_formed(void **st)
{
    (void)st;
    struct tp_session *s = calloc(1, sizeof *s);
    s->outcome.status = TP_CONN_REFUSED;
    char *out = render_mermaid(s);
    assert_null(mermaid_check(out));
    assert_non_null(strstr(out, "handshake failed (connection-refused)"));
    free(out);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mermaid_check__broken_diagrams__rejected),
        cmocka_unit_test(test_render_mermaid__every_scenario__well_formed),
        cmocka_unit_test(test_render_mermaid__hostile_strings__sanitised),
        cmocka_unit_test(test_render_mermaid__proxy_exchange__arrows_before_tls_sanitised),
        cmocka_unit_test(test_render_mermaid__cut_messages__still_well_formed),
        cmocka_unit_test(test_render_mermaid__empty_session__well_formed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
