/* explain: the table of real messages per stack (fixtures/explain/messages.tsv)
 * maps to the expected finding ids, hosts and stacks; unknown text is not
 * matched; hostile input is bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tlsprobe/diagnose.h"
#include "tlsprobe/limits.h"
#include "testutil.h"

static void test_explain_table__every_real_message__maps_to_expected_id(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = tu_fixture("explain/messages.tsv", &len);
    assert_non_null(data);
    char *text = malloc(len + 1);
    memcpy(text, data, len);
    text[len] = '\0';
    free(data);
    size_t rows = 0, bad = 0;
    const char *stacks[] = { "Go", "OpenSSL", "curl", "Java", "Python", "Node.js", "Chrome", "Firefox", "wolfSSL" };
    size_t per_stack[sizeof stacks / sizeof stacks[0]] = { 0 };
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !line[0])
            continue;
        char *f[5] = { 0 };
        char *p = line;
        for (int k = 0; k < 5 && p; k++) {
            f[k] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        assert_non_null(f[2]);
        rows++;
        for (size_t k = 0; k < sizeof stacks / sizeof stacks[0]; k++)
            per_stack[k] += !strcmp(f[0], stacks[k]);
        struct tp_explain_match m;
        bool ok = tp_explain_match(f[1], &m);
        if (!ok || strcmp(m.rule_id, f[2])) {
            print_message("MISMATCH %s: '%s' -> %s (want %s)\n", f[0], f[1], ok ? m.rule_id : "(none)", f[2]);
            bad++;
            continue;
        }
        assert_non_null(tp_rule_find(m.rule_id));
        assert_non_null(m.note);
        if (f[3] && strcmp(f[3], "-") && strcmp(m.host, f[3])) {
            print_message("HOST %s: '%s' -> '%s' (want '%s')\n", f[0], f[1], m.host, f[3]);
            bad++;
        }
        if (f[3] && !strcmp(f[3], "-") && m.host[0]) {
            print_message("HOST %s: '%s' -> '%s' (want none)\n", f[0], f[1], m.host);
            bad++;
        }
        if (f[4] && strcmp(f[4], "-") && strcmp(m.stack, f[4])) {
            print_message("STACK '%s' -> '%s' (want '%s')\n", f[1], m.stack, f[4]);
            bad++;
        }
    }
    free(text);
    print_message("%zu messages\n", rows);
    assert_int_equal(bad, 0);
    assert_true(rows >= 80);
    for (size_t k = 0; k < sizeof stacks / sizeof stacks[0]; k++) {
        if (per_stack[k] < 5)
            print_message("stack %s has only %zu messages\n", stacks[k], per_stack[k]);
        assert_true(per_stack[k] >= 5);
    }
}

static void test_explain__unknown_text__no_match(void **state)
{
    (void)state;
    struct tp_explain_match m;
    assert_false(tp_explain_match("the printer is on fire", &m));
    assert_null(m.rule_id);
    assert_false(tp_explain_match("", &m));
    assert_false(tp_explain_match(NULL, &m));
    /* A number that merely contains a wolfSSL code is not that code. */
    assert_false(tp_explain_match("order 1-1880 shipped", &m));
    assert_false(tp_explain_match("x-188y", &m));
}

static void test_explain__variable_parts__tolerated(void **state)
{
    (void)state;
    struct tp_explain_match m;
    assert_true(tp_explain_match("X509: CERTIFICATE IS VALID FOR a.test,\n\t  b.test,   NOT c.test", &m));
    assert_string_equal(m.rule_id, "hostname-mismatch");
    assert_string_equal(m.host, "c.test");
    assert_true(tp_explain_match("curl: (7) Failed to connect to [::1]:8443 - Connection refused", &m));
    assert_string_equal(m.rule_id, "connection-refused");
    assert_string_equal(m.host, "::1");
    assert_int_equal(m.port, 8443);
    assert_true(tp_explain_match("dial tcp 192.0.2.1:8443: connect: connection refused", &m));
    assert_string_equal(m.host, "192.0.2.1");
    assert_int_equal(m.port, 8443);
    /* Words are not hosts; version numbers are not addresses. */
    assert_true(tp_explain_match("Failed to connect to the server: Connection refused", &m));
    assert_string_equal(m.host, "");
    assert_true(tp_explain_match("curl: (7) Failed to connect to localhost port 8443: Connection refused", &m));
    assert_string_equal(m.host, "localhost");
    assert_true(tp_explain_match("dial tcp 1.2: connect: connection refused", &m));
    assert_string_equal(m.host, "");
}

static void test_explain__every_pattern__names_a_rule_and_a_note(void **state)
{
    (void)state;
    size_t n;
    const struct tp_explain_pattern *p = tp_explain_patterns(&n);
    assert_true(n >= 80);
    for (size_t i = 0; i < n; i++) {
        if (!tp_rule_find(p[i].rule_id))
            print_message("pattern '%s' names unknown rule '%s'\n", p[i].pattern, p[i].rule_id);
        assert_non_null(tp_rule_find(p[i].rule_id));
        assert_non_null(p[i].note);
        assert_true(strlen(p[i].note) > 10);
        assert_true(strlen(p[i].pattern) > 3);
        /* A pattern must match its own text (no typo that can never match),
         * unless it carries wildcards or boundaries. */
        size_t pl = strlen(p[i].pattern);
        if (!strpbrk(p[i].pattern, "*<>") && p[i].pattern[pl - 1] != ' ') {
            struct tp_explain_match m;
            if (!tp_explain_match(p[i].pattern, &m))
                print_message("pattern '%s' does not match itself\n", p[i].pattern);
            assert_true(tp_explain_match(p[i].pattern, &m));
        }
    }
}

static void test_explain__hostile_input__bounded_time(void **state)
{
    (void)state;
    size_t n = TP_MAX_EXPLAIN_TEXT + 1000;
    char *big = malloc(n + 1);
    /* Near-misses for many patterns, repeated: the worst case for a glob. */
    const char *unit = "x509: certificate is valid for a, tls handshake error from remote error: tls: received fatal alert ";
    size_t ul = strlen(unit);
    for (size_t i = 0; i < n; i++)
        big[i] = unit[i % ul];
    big[n] = '\0';
    struct tp_explain_match m;
    clock_t t0 = clock();
    (void)tp_explain_match(big, &m);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    print_message("64 KiB near-miss text: %.3f s\n", secs);
    assert_true(secs < 5.0);
    memset(big, '-', n);
    (void)tp_explain_match(big, &m);
    free(big);
}

static void test_explain__every_message_cut_at_every_length__no_crash(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = tu_fixture("explain/messages.tsv", &len);
    assert_non_null(data);
    size_t cuts = 0;
    for (size_t start = 0; start < len;) {
        size_t end = start;
        while (end < len && data[end] != '\n')
            end++;
        /* Cut each line (all its columns: the message is in there) at every length,
         * in an exact-size heap block so ASan sees any over-read. */
        for (size_t k = 0; k <= end - start; k++) {
            uint8_t *cut = tu_exact(data + start, k + 1);
            cut[k] = '\0';
            struct tp_explain_match m;
            if (tp_explain_match((const char *)cut, &m))
                assert_non_null(tp_rule_find(m.rule_id));
            free(cut);
            cuts++;
        }
        start = end + 1;
    }
    free(data);
    print_message("%zu cuts\n", cuts);
    assert_true(cuts > 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explain_table__every_real_message__maps_to_expected_id),
        cmocka_unit_test(test_explain__unknown_text__no_match),
        cmocka_unit_test(test_explain__variable_parts__tolerated),
        cmocka_unit_test(test_explain__every_pattern__names_a_rule_and_a_note),
        cmocka_unit_test(test_explain__hostile_input__bounded_time),
        cmocka_unit_test(test_explain__every_message_cut_at_every_length__no_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
