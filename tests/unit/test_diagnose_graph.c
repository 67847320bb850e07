/* The rule table as a graph (src/diagnose/rules.def): which rule is suppressed by
 * which. The suppressed-by lists have no cycle and the table order is a
 * dependency order; docs/rules.md is this graph, written by this program:
 *
 *   build/tests/test_diagnose_graph --print > docs/rules.md
 *
 * and the test fails when docs/rules.md differs from what it would write. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/diag_int.h"
#include "tlsprobe/strbuf.h"
#include "testutil.h"

static const char *sev_name(enum tp_severity s)
{
    return s == TP_SEV_ERROR ? "error" : s == TP_SEV_WARNING ? "warning" : "info";
}

/* docs/rules.md, from the table. */
static void write_graph(struct tp_sb *sb)
{
    size_t n;
    const struct tp_rule *r = tp_rules(&n);
    tp_sb_put(sb, "# Rules and what suppresses them\n\n"
                  "Generated from `src/diagnose/rules.def` by `build/tests/test_diagnose_graph --print`; the unit test\n"
                  "`unit/test_diagnose_graph` fails when this file is out of date. Do not edit by hand.\n\n"
                  "Findings are listed in this order. A rule is *suppressed* when one of the rules in its\n"
                  "\"suppressed by\" column reported an error for the same session: a `session` or `chain`\n"
                  "rule is then not run; an `alerts` rule only skips the alerts those rules explained\n"
                  "(remote-alert also stays quiet on our own alerts). `chain` rules run once per judged\n"
                  "chain (the server's, the client's in mTLS, the file's in `check`). Each id is explained\n"
                  "in [errors.md](errors.md); the rule scenarios are in `tests/unit/rule_scenarios.txt`.\n\n"
                  "| # | id | severity | kind | suppressed by |\n"
                  "|---|----|----------|------|---------------|\n");
    for (size_t i = 0; i < n; i++) {
        tp_sb_printf(sb, "| %zu | `%s` | %s | %s | ", i + 1, r[i].id, sev_name(r[i].severity), diag_rule_kind_name(i));
        uint64_t by = diag_rule_suppressors(i);
        bool any = false;
        for (size_t k = 0; k < n; k++)
            if (by & (UINT64_C(1) << k)) {
                tp_sb_printf(sb, "%s`%s`", any ? ", " : "", r[k].id);
                any = true;
            }
        tp_sb_put(sb, any ? " |\n" : "— |\n");
    }
}

static void test_graph__no_cycle__kahn_orders_every_rule(void **state)
{
    (void)state;
    size_t n;
    tp_rules(&n);
    assert_true(n <= 64);
    uint64_t done = 0;
    size_t ordered = 0;
    /* Kahn: take any rule whose suppressors are all done; a cycle leaves some. */
    for (bool progress = true; progress;) {
        progress = false;
        for (size_t i = 0; i < n; i++) {
            uint64_t bit = UINT64_C(1) << i;
            if (!(done & bit) && (diag_rule_suppressors(i) & ~done) == 0) {
                done |= bit;
                ordered++;
                progress = true;
            }
        }
    }
    assert_int_equal(ordered, n);
}

static void test_graph__table_order__suppressors_come_first_never_self(void **state)
{
    (void)state;
    size_t n;
    tp_rules(&n);
    for (size_t i = 0; i < n; i++) {
        uint64_t by = diag_rule_suppressors(i);
        assert_int_equal(by >> i, 0); /* only earlier rules, not itself */
        assert_non_null(diag_rule_kind_name(i));
    }
    assert_int_equal(diag_rule_suppressors(n), 0);
    assert_null(diag_rule_kind_name(n));
}

static void test_graph__docs_rules_md__up_to_date(void **state)
{
    (void)state;
    struct tp_sb sb;
    tp_sb_init(&sb);
    write_graph(&sb);
    size_t len = 0;
    uint8_t *doc = tu_fixture("../docs/rules.md", &len);
    if (!doc || len != sb.len || memcmp(doc, tp_sb_str(&sb), len) != 0)
        print_message("docs/rules.md is out of date: build/tests/test_diagnose_graph --print > docs/rules.md\n");
    assert_non_null(doc);
    assert_int_equal(len, sb.len);
    assert_memory_equal(doc, tp_sb_str(&sb), len);
    free(doc);
    tp_sb_free(&sb);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--print")) {
        struct tp_sb sb;
        tp_sb_init(&sb);
        write_graph(&sb);
        fputs(tp_sb_str(&sb), stdout);
        tp_sb_free(&sb);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph__no_cycle__kahn_orders_every_rule),
        cmocka_unit_test(test_graph__table_order__suppressors_come_first_never_self),
        cmocka_unit_test(test_graph__docs_rules_md__up_to_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
