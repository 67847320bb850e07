/* Completeness of the rule table (STYLE.md "Diagnosis as data"): every contract
 * id is in the table with text, a fix, a reference and a test case; docs/errors.md
 * has a section per id; every TLS alert has a name and a meaning. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/diagnose.h"
#include "tlsprobe/names.h"
#include "testutil.h"

static const char *const contract_ids[] = {
    "unknown-authority", "self-signed", "missing-intermediate", "hostname-mismatch", "cn-only",
    "expired", "not-yet-valid", "expiring-soon", "chain-order", "chain-contains-root",
    "extra-certificates", "weak-key", "weak-signature", "wrong-key-usage", "key-mismatch",
    "client-cert-required", "client-cert-rejected", "server-cert-rejected", "protocol-version-mismatch",
    "no-shared-cipher", "deprecated-version", "not-tls", "connection-refused", "connection-reset",
    "timeout", "name-resolution", "remote-alert", "handshake-failed",
    "name-constraint-violation", "ca-not-authorized", "path-length-exceeded", "issuer-eku-mismatch",
    "unknown-critical-extension", "malformed-certificate", "path-building-limit", "chain-too-long",
    "starttls-unavailable", "starttls-refused", "starttls-unexpected",
    "weak-cipher", "no-forward-secrecy", "no-tls13", "no-server-preference",
    "root-distrusted", "root-not-universally-trusted",
    "proxy-unreachable", "proxy-auth-required", "proxy-refused", "proxy-upstream-failed", "proxy-bad-reply",
    "tls-inspection",
    "sct-bad-signature", "ct-insufficient",
    "revoked", "ocsp-bad-signature", "ocsp-stale", "ocsp-not-yet-valid", "must-staple-missing", "ocsp-unavailable",
};
/* The one rule whose finding is information only (a staple without a status
 * for the certificate is no failure). */
static bool info_rule(const char *id)
{
    return !strcmp(id, "ocsp-unavailable") || !strcmp(id, "no-server-preference");
}
#define N_CONTRACT (sizeof contract_ids / sizeof contract_ids[0])

static char *read_text(const char *rel, size_t *len)
{
    uint8_t *d = tu_fixture(rel, len);
    if (!d)
        return NULL;
    char *t = malloc(*len + 1);
    memcpy(t, d, *len);
    t[*len] = '\0';
    free(d);
    return t;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static void test_rule_table__contract_ids__all_present_unique_with_texts(void **state)
{
    (void)state;
    size_t n;
    const struct tp_rule *r = tp_rules(&n);
    assert_int_equal(n, N_CONTRACT);
    for (size_t i = 0; i < N_CONTRACT; i++) {
        const struct tp_rule *x = tp_rule_find(contract_ids[i]);
        if (!x)
            print_message("rule '%s' missing from the table\n", contract_ids[i]);
        assert_non_null(x);
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(r[i].id, r[j].id);
        /* info: no-server-preference (scan) and ocsp-unavailable, facts rather than problems */
        assert_true(r[i].severity == TP_SEV_ERROR || r[i].severity == TP_SEV_WARNING ||
                    (r[i].severity == TP_SEV_INFO && info_rule(r[i].id)));
        assert_true(r[i].summary && strlen(r[i].summary) > 15);
        assert_true(r[i].explanation && strlen(r[i].explanation) > 40);
        assert_true(r[i].fix && strlen(r[i].fix) > 30);
        assert_true(r[i].reference && (strstr(r[i].reference, "RFC") || strstr(r[i].reference, "NIST") ||
                                       strstr(r[i].reference, "CA/B")));
        /* Never advise turning verification off. */
        char fix[4096];
        snprintf(fix, sizeof fix, "%s", r[i].fix);
        lower(fix);
        assert_null(strstr(fix, "disable verif"));
        assert_null(strstr(fix, "insecureskipverify"));
        assert_null(strstr(fix, "--insecure"));
        assert_null(strstr(fix, "verify=false"));
        assert_null(strstr(fix, "rejectunauthorized"));
        assert_null(strstr(fix, "curl -k"));
    }
    assert_null(tp_rule_find("no-such-rule"));
    assert_null(tp_rule_find(NULL));
}

static void test_rule_table__every_rule__has_a_test_case(void **state)
{
    (void)state;
    size_t len, n;
    char *src = read_text("../tests/unit/test_diagnose_rules.c", &len);
    assert_non_null(src);
    const struct tp_rule *r = tp_rules(&n);
    for (size_t i = 0; i < n; i++) {
        char needle[128];
        snprintf(needle, sizeof needle, "assert_fires(f->s, \"%s\")", r[i].id);
        if (!strstr(src, needle))
            print_message("rule '%s' has no assert_fires test in test_diagnose_rules.c\n", r[i].id);
        assert_non_null(strstr(src, needle));
    }
    free(src);
}

static void test_errors_doc__every_rule__has_a_full_section(void **state)
{
    (void)state;
    size_t len, n;
    char *doc = read_text("../docs/errors.md", &len);
    assert_non_null(doc);
    const struct tp_rule *r = tp_rules(&n);
    for (size_t i = 0; i < n; i++) {
        char head[128];
        snprintf(head, sizeof head, "\n## %s\n", r[i].id);
        char *sec = strstr(doc, head);
        if (!sec)
            print_message("docs/errors.md has no section '## %s'\n", r[i].id);
        assert_non_null(sec);
        char *end = strstr(sec + strlen(head), "\n## ");
        size_t sl = end ? (size_t)(end - sec) : strlen(sec);
        char *body = strndup(sec, sl);
        const char *parts[] = { "### What you see", "### What it means", "### How to confirm with tlsprobe",
                                "### How to fix" };
        for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
            char *p = strstr(body, parts[k]);
            if (!p)
                print_message("section %s lacks '%s'\n", r[i].id, parts[k]);
            assert_non_null(p);
            /* Something under the heading. */
            p += strlen(parts[k]);
            while (*p == '\n')
                p++;
            assert_true(*p && *p != '#');
        }
        assert_non_null(strstr(body, "tlsprobe "));
        free(body);
    }
    free(doc);
}

static void test_alert_table__every_alert__has_name_and_meaning(void **state)
{
    (void)state;
    const uint8_t *descs = NULL;
    size_t n = tp_alert_table(&descs);
    assert_true(n >= 28); /* RFC 8446 §6 + RFC 5246 §7.2 */
    for (size_t i = 0; i < n; i++) {
        const char *name = tp_name_alert(descs[i]);
        const char *meaning = tp_alert_meaning(descs[i]);
        if (!name || !meaning)
            print_message("alert %u lacks %s\n", descs[i], !name ? "a name" : "a meaning");
        assert_non_null(name);
        assert_non_null(meaning);
        assert_true(strlen(meaning) > 10);
    }
    /* The alerts the rules read in context are known. */
    const uint8_t used[] = { 0, 40, 42, 43, 44, 45, 46, 48, 70, 71, 80, 90, 100, 116 };
    for (size_t i = 0; i < sizeof used; i++)
        assert_non_null(tp_name_alert(used[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_table__contract_ids__all_present_unique_with_texts),
        cmocka_unit_test(test_rule_table__every_rule__has_a_test_case),
        cmocka_unit_test(test_errors_doc__every_rule__has_a_full_section),
        cmocka_unit_test(test_alert_table__every_alert__has_name_and_meaning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
