/* docs/limits.md must document every limit in include/tlsprobe/limits.h, and
 * error names/texts must exist for every code. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/error.h"
#include "testutil.h"

static char *slurp(const char *rel)
{
    size_t n;
    char path[512];
    snprintf(path, sizeof path, "../%s", rel); /* relative to fixtures/ */
    uint8_t *b = tu_fixture(path, &n);
    if (!b)
        return NULL;
    char *s = realloc(b, n + 1);
    s[n] = '\0';
    return s;
}

static void test_limits__every_define__documented(void **st)
{
    (void)st;
    char *h = slurp("include/tlsprobe/limits.h");
    char *doc = slurp("docs/limits.md");
    assert_non_null(h);
    assert_non_null(doc);
    int checked = 0;
    for (char *p = strstr(h, "#define "); p; p = strstr(p + 1, "#define ")) {
        char name[64];
        if (sscanf(p, "#define %63[A-Z0-9_]", name) != 1)
            continue;
        if (strncmp(name, "TP_", 3) != 0 || !strcmp(name, "TLSPROBE_LIMITS_H"))
            continue;
        char quoted[80];
        snprintf(quoted, sizeof quoted, "`%s`", name);
        if (!strstr(doc, quoted))
            fail_msg("%s is in limits.h but not documented in docs/limits.md", name);
        checked++;
    }
    assert_true(checked >= 10);
    free(h);
    free(doc);
}

static void test_errors__every_code__has_name_and_text(void **st)
{
    (void)st;
    for (int e = 0; e < TP_ERR__COUNT; e++) {
        assert_non_null(tp_err_name((enum tp_err)e));
        assert_true(strncmp(tp_err_name((enum tp_err)e), "TP_", 3) == 0);
        assert_true(strlen(tp_err_text((enum tp_err)e)) > 1);
    }
    assert_string_equal(tp_err_name(TP_ERR__COUNT), "TP_ERR_UNKNOWN");
    assert_string_equal(tp_err_name(TP_ERR_TRUNCATED), "TP_ERR_TRUNCATED");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits__every_define__documented),
        cmocka_unit_test(test_errors__every_code__has_name_and_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
