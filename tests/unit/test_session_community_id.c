/* Community ID v1 against the spec's published vectors
 * (github.com/corelight/community-id-spec at b1fe530: baseline/README.md tables
 * "Default settings" and "A custom seed=1 value", and the TCP/UDP entries of
 * baseline/baseline_deflt.json and baseline_seed1.json), both directions of
 * each flow; then the session form, from the "ADDR:PORT" strings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/session.h"

struct vec {
    uint16_t seed;
    uint8_t proto;
    const char *saddr, *daddr;
    uint16_t sport, dport;
    const char *id;
};

static const struct vec vectors[] = {
    /* README tables: default seed */
    { 0, 6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
    { 0, 17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
    { 0, 132, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=" },
    /* README tables: seed 1 */
    { 1, 6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
    { 1, 17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
    { 1, 132, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:uitchpn5MMGAQKBJh7bIr/bAr7s=" },
    /* baseline_deflt.json */
    { 0, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
      "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
    { 0, 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
    { 0, 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
    /* baseline_seed1.json */
    { 1, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
      "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
    { 1, 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
    { 1, 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
};

static size_t addr_of(const char *text, uint8_t out[16])
{
    if (inet_pton(AF_INET, text, out) == 1)
        return 4;
    assert_int_equal(inet_pton(AF_INET6, text, out), 1);
    return 16;
}

static void test_community_id__spec_vectors__match_both_directions(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const struct vec *v = &vectors[i];
        uint8_t sa[16], da[16];
        size_t n = addr_of(v->saddr, sa);
        assert_int_equal(addr_of(v->daddr, da), n);
        char id[TP_COMMUNITY_ID_LEN];
        assert_true(tp_community_id(v->seed, v->proto, sa, da, n, v->sport, v->dport, id));
        assert_string_equal(id, v->id);
        assert_true(tp_community_id(v->seed, v->proto, da, sa, n, v->dport, v->sport, id));
        assert_string_equal(id, v->id);
    }
}

static void test_community_id__equal_addresses__ports_decide(void **st)
{
    (void)st;
    uint8_t a[4] = { 127, 0, 0, 1 };
    char x[TP_COMMUNITY_ID_LEN], y[TP_COMMUNITY_ID_LEN], z[TP_COMMUNITY_ID_LEN];
    assert_true(tp_community_id(0, 6, a, a, 4, 5000, 443, x));
    assert_true(tp_community_id(0, 6, a, a, 4, 443, 5000, y));
    assert_string_equal(x, y);
    assert_true(tp_community_id(0, 6, a, a, 4, 443, 5001, z));
    assert_string_not_equal(x, z);
    assert_false(tp_community_id(0, 6, a, a, 5, 1, 2, x));
    assert_string_equal(x, "");
}

static void test_session_community_id__endpoint_strings__parsed_or_unknown(void **st)
{
    (void)st;
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, 0);
    assert_non_null(s);
    char id[TP_COMMUNITY_ID_LEN];
    assert_false(tp_session_community_id(s, 0, id)); /* nothing known */
    assert_string_equal(id, "");
    strcpy(s->client, "128.232.110.120:34855");
    strcpy(s->server, "66.35.250.204:80");
    assert_true(tp_session_community_id(s, 0, id));
    assert_string_equal(id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    strcpy(s->client, "[2001:470:e5bf:dead:4957:2174:e82c:4887]:63943");
    strcpy(s->server, "[2607:f8b0:400c:c03::1a]:25");
    assert_true(tp_session_community_id(s, 1, id));
    assert_string_equal(id, "1:eJYTW6AOzFLlSUoESovMjnu7rMw=");
    strcpy(s->server, "66.35.250.204:80"); /* families differ */
    assert_false(tp_session_community_id(s, 0, id));
    strcpy(s->client, "127.0.0.1:1");
    strcpy(s->server, "example.com:443"); /* connect before the name resolved */
    assert_false(tp_session_community_id(s, 0, id));
    tp_session_free(s);

    struct tp_endpoint ep;
    const char *bad[] = { "", "1.2.3.4", "1.2.3.4:", "1.2.3.4:x", "1.2.3.4:65536", "::1:443", "[::1]443",
                          "[::1:443", "[1.2.3.4]:1", "1.2.3.4:-1", "[]:1", ":1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(tp_endpoint_parse(bad[i], &ep));
        assert_int_equal(ep.family, 0);
    }
    assert_true(tp_endpoint_parse("[::1]:443", &ep));
    assert_int_equal(ep.family, 6);
    assert_int_equal(ep.port, 443);
    assert_string_equal(ep.ip, "::1");
    assert_true(tp_endpoint_parse("10.0.0.1:0", &ep));
    assert_int_equal(ep.family, 4);
    assert_string_equal(ep.ip, "10.0.0.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_community_id__spec_vectors__match_both_directions),
        cmocka_unit_test(test_community_id__equal_addresses__ports_decide),
        cmocka_unit_test(test_session_community_id__endpoint_strings__parsed_or_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
