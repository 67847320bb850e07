/* explain corpus (issue 16): >= 400 real messages from the stacks' own texts
 * (tests/explain/corpus.tsv, built by tests/explain/make_corpus.py), each with
 * the finding and the side (which program printed it) explain must give.
 * Passes at >= 98 % right finding and side; prints every miss, and the
 * accuracy of the hand-collected rows and of the per-alert rows apart. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/diagnose.h"
#include "testutil.h"

/* "\n" in a message stands for a line break. */
static void unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] == 'n') {
            *o++ = '\n';
            p++;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

static void test_explain_corpus__every_message__right_finding_and_side(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = tu_fixture("../tests/explain/corpus.tsv", &len);
    assert_non_null(data);
    char *text = malloc(len + 1);
    memcpy(text, data, len);
    text[len] = '\0';
    free(data);
    size_t rows[2] = { 0, 0 }, right[2] = { 0, 0 }, unrecognised = 0, part = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strcmp(line, "# per-alert rows"))
            part = 1;
        if (line[0] == '#' || !line[0])
            continue;
        char *f[4] = { 0 };
        char *p = line;
        for (int k = 0; k < 4 && p; k++) {
            f[k] = p;
            p = k < 3 ? strchr(p, '\t') : NULL;
            if (p)
                *p++ = '\0';
        }
        assert_non_null(f[3]);
        unescape(f[3]);
        rows[part]++;
        struct tp_explain_match m;
        bool ok = tp_explain_match(f[3], &m);
        bool good;
        if (!strcmp(f[2], "-")) {
            good = !ok;
            unrecognised++;
        } else {
            const char *side = ok ? tp_explain_side_name(m.side) : NULL;
            good = ok && !strcmp(m.rule_id, f[2]) &&
                   (!strcmp(f[1], "any") || (side && !strcmp(side, f[1])));
            if (ok)
                assert_non_null(tp_rule_find(m.rule_id));
        }
        if (good)
            right[part]++;
        else
            print_message("MISS %s/%s want %s, got %s/%s: %s\n", f[0], f[1], f[2], ok ? m.rule_id : "(none)",
                          ok && tp_explain_side_name(m.side) ? tp_explain_side_name(m.side) : "-", f[3]);
    }
    free(text);
    size_t all = rows[0] + rows[1], ok_all = right[0] + right[1];
    print_message("corpus: %zu messages (%zu hand-collected, %zu per-alert, %zu must stay unrecognised)\n", all,
                  rows[0], rows[1], unrecognised);
    print_message("right finding and side: %zu/%zu = %.1f %% (hand-collected %.1f %%, per-alert %.1f %%)\n", ok_all,
                  all, 100.0 * (double)ok_all / (double)all, 100.0 * (double)right[0] / (double)rows[0],
                  rows[1] ? 100.0 * (double)right[1] / (double)rows[1] : 0.0);
    assert_true(all >= 400);
    assert_true(ok_all * 100 >= all * 98);
}

/* Fixes are right for the side: RootCAs for a client, ClientCAs for a server;
 * Certificates / GetClientCertificate for a client that must send one. */
static void test_explain_stack_fix__go__names_the_field_for_the_side(void **state)
{
    (void)state;
    const char *f = tp_explain_stack_fix("unknown-authority", "go", TP_EXPLAIN_SIDE_CLIENT);
    assert_non_null(f);
    assert_non_null(strstr(f, "RootCAs"));
    assert_null(strstr(f, "ClientCAs"));
    f = tp_explain_stack_fix("client-cert-rejected", "go", TP_EXPLAIN_SIDE_SERVER);
    assert_non_null(f);
    assert_non_null(strstr(f, "ClientCAs: pool"));
    assert_null(strstr(f, "RootCAs:"));
    f = tp_explain_stack_fix("client-cert-required", "go", TP_EXPLAIN_SIDE_CLIENT);
    assert_non_null(f);
    assert_non_null(strstr(f, "GetClientCertificate"));
    f = tp_explain_stack_fix("hostname-mismatch", "go", TP_EXPLAIN_SIDE_CLIENT);
    assert_non_null(f);
    assert_non_null(strstr(f, "IP:ADDR"));
    assert_null(tp_explain_stack_fix("unknown-authority", "cobol", TP_EXPLAIN_SIDE_CLIENT));
    /* Never "skip verification", for any id, stack and side. */
    static const char *const stacks[] = { "go", "openssl", "curl", "python", "node", "java", "dotnet", "gnutls",
                                          "browser" };
    size_t n;
    const struct tp_rule *r = tp_rules(&n);
    size_t found = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof stacks / sizeof stacks[0]; k++)
            for (int side = 0; side <= 2; side++) {
                f = tp_explain_stack_fix(r[i].id, stacks[k], (enum tp_explain_side)side);
                if (!f)
                    continue;
                found++;
                assert_true(tp_explain_stack_valid(stacks[k]));
                assert_null(strstr(f, "InsecureSkipVerify"));
                assert_null(strstr(f, "rejectUnauthorized: false"));
                assert_null(strstr(f, "verify=False"));
                assert_null(strstr(f, "-k "));
                /* Go snippets are 3-6 lines of code after the sentence. */
                if (!strcmp(stacks[k], "go")) {
                    size_t code = 0;
                    for (const char *p = f; (p = strstr(p, "\n    ")); p++)
                        code++;
                    if (code < 3 || code > 6)
                        print_message("go fix for %s has %zu code lines\n", r[i].id, code);
                    assert_true(code >= 3 && code <= 6);
                }
            }
    print_message("%zu (finding, stack, side) fixes\n", found);
    assert_true(found >= 60);
}

static void test_explain_in_words__server_log__says_who_rejected_whom(void **state)
{
    (void)state;
    struct tp_explain_match m;
    char w[512];
    assert_true(tp_explain_match("http: TLS handshake error from 1.2.3.4:5: remote error: tls: unknown certificate authority", &m));
    tp_explain_in_words(&m, w, sizeof w);
    assert_non_null(strstr(w, "Printed by the server"));
    assert_non_null(strstr(w, "client sent the alert unknown_ca"));
    assert_non_null(strstr(w, "client rejected the server's certificate"));
    /* --side overrides an ambiguous line. */
    assert_true(tp_explain_match_side("error:0A000418:SSL routines::tlsv1 alert unknown ca", TP_EXPLAIN_SIDE_SERVER, &m));
    assert_string_equal(m.rule_id, "server-cert-rejected");
    assert_true(m.side_given);
    assert_true(tp_explain_match("error:0A000418:SSL routines::tlsv1 alert unknown ca", &m));
    assert_string_equal(m.rule_id, "client-cert-rejected");
    assert_false(m.side_inferred);
    /* Short buffers are cut, never overrun. */
    tp_explain_in_words(&m, w, 8);
    assert_true(strlen(w) < 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explain_corpus__every_message__right_finding_and_side),
        cmocka_unit_test(test_explain_stack_fix__go__names_the_field_for_the_side),
        cmocka_unit_test(test_explain_in_words__server_log__says_who_rejected_whom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
