/* connect with several targets, text (src/render/many.c): the cells of a row
 * from a session (target, address without its port, verdict, version, the first
 * finding of the worst severity, expiry), escaping, and the alignment. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/render.h"
#include "tlsprobe/session.h"

static struct tp_session *session(const char *host, const char *server)
{
    struct tp_session *s = tp_session_new(TP_SRC_CONNECT, 0);
    assert_non_null(s);
    s->host = strdup(host);
    snprintf(s->server, sizeof s->server, "%s", server);
    return s;
}

static void test_render_row__findings__worst_first_and_cells(void **st)
{
    (void)st;
    struct tp_session *s = session("example.com", "192.0.2.1:443");
    s->version = 0x0304;
    s->outcome.status = TP_CONN_TLS_FAILED;
    assert_non_null(tp_session_add_finding(s, "deprecated-version", TP_SEV_WARNING));
    assert_non_null(tp_session_add_finding(s, "expired", TP_SEV_ERROR));
    assert_non_null(tp_session_add_finding(s, "missing-intermediate", TP_SEV_ERROR));
    struct tp_render_row r;
    tp_render_row_of(&r, s, 443);
    assert_string_equal(r.cell[TP_ROW_TARGET], "example.com:443");
    assert_string_equal(r.cell[TP_ROW_ADDRESS], "192.0.2.1");
    assert_string_equal(r.cell[TP_ROW_VERDICT], "error");
    assert_string_equal(r.cell[TP_ROW_VERSION], "TLS 1.3");
    assert_string_equal(r.cell[TP_ROW_FINDING], "expired");
    assert_string_equal(r.cell[TP_ROW_EXPIRES], "-");
    assert_int_equal(r.worst, TP_SEV_ERROR);
    tp_session_free(s);
}

static void test_render_row__ipv6_unresolved_and_escapes(void **st)
{
    (void)st;
    struct tp_session *s = session("::1", "[::1]:8443");
    struct tp_render_row r;
    tp_render_row_of(&r, s, 8443);
    assert_string_equal(r.cell[TP_ROW_TARGET], "[::1]:8443");
    assert_string_equal(r.cell[TP_ROW_ADDRESS], "::1");
    assert_string_equal(r.cell[TP_ROW_VERDICT], "ok");
    assert_string_equal(r.cell[TP_ROW_FINDING], "-");
    tp_session_free(s);
    s = session("bad\x1b[31mname", "bad:443");
    s->outcome.status = TP_CONN_RESOLVE_FAILED;
    tp_render_row_of(&r, s, 443);
    assert_null(strchr(r.cell[TP_ROW_TARGET], '\x1b'));
    assert_string_equal(r.cell[TP_ROW_ADDRESS], "-");
    tp_session_free(s);
}

static void test_render_row__table__columns_aligned(void **st)
{
    (void)st;
    struct tp_session *a = session("a.example", "192.0.2.1:443"), *b = session("longer-name.example", "192.0.2.22:443");
    struct tp_render_row ra, rb;
    tp_render_row_of(&ra, a, 443);
    tp_render_row_of(&rb, b, 443);
    size_t w[TP_ROW_COLS] = { 0 };
    tp_render_row_widths(&ra, w);
    tp_render_row_widths(&rb, w);
    struct tp_render_opts o = { .format = TP_FMT_TEXT };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_row_header(&sb, w, &o);
    tp_render_row_line(&sb, &ra, w, &o);
    tp_render_row_line(&sb, &rb, w, &o);
    const char *t = tp_sb_str(&sb);
    const char *l1 = strchr(t, '\n') + 1, *l2 = strchr(l1, '\n') + 1;
    size_t col = (size_t)(strstr(t, "VERDICT") - t);
    assert_memory_equal(l1 + col, "ok", 2);
    assert_memory_equal(l2 + col, "ok", 2);
    tp_sb_free(&sb);
    tp_session_free(a);
    tp_session_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_row__findings__worst_first_and_cells),
        cmocka_unit_test(test_render_row__ipv6_unresolved_and_escapes),
        cmocka_unit_test(test_render_row__table__columns_aligned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
