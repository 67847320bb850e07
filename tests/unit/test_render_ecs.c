/* --format ecs on the hand-built transcripts: one line per session, the ECS
 * version and the flow, the same bytes with and without a memo, names split into
 * their attributes with RFC 2253 escapes undone. Field names and types against
 * ECS itself: tests/integration/test_ecs.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "test_render_fixture.h"

static char *render(const struct tp_session *s, struct tp_render_memo *memo)
{
    struct tp_render_opts o = { .format = TP_FMT_ECS, .memo = memo };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_session(&sb, s, &o);
    assert_false(sb.oom);
    char *out = strdup(tp_sb_str(&sb));
    tp_sb_free(&sb);
    return out;
}

static void test_render_ecs__every_scenario__one_document_per_line(void **st)
{
    (void)st;
    struct tp_render_memo *memo = tp_render_memo_new();
    for (size_t i = 0; i < sizeof rf_scenarios / sizeof rf_scenarios[0]; i++) {
        struct tp_session *s = rf_scenario(rf_scenarios[i]);
        char *a = render(s, NULL), *b = render(s, memo), *c = render(s, memo);
        size_t n = strlen(a);
        assert_true(n > 2 && strchr(a, '\n') == a + n - 1);
        assert_true(!strncmp(a, "{\"@timestamp\":\"", 15));
        assert_non_null(strstr(a, "\"ecs\":{\"version\":\"8.17.0\"}"));
        assert_non_null(strstr(a, "\"module\":\"tlsprobe\""));
        assert_string_equal(a, b);
        assert_string_equal(a, c);
        if (s->client[0] && s->server[0]) { /* addresses known: the flow and its Community ID */
            char cid[TP_COMMUNITY_ID_LEN], want[160];
            assert_true(tp_session_community_id(s, 0, cid));
            snprintf(want, sizeof want, "\"community_id\":\"%s\"", cid);
            assert_non_null(strstr(a, want));
            struct tp_endpoint ep;
            assert_true(tp_endpoint_parse(s->client, &ep));
            snprintf(want, sizeof want, "\"source\":{\"address\":\"%s\",\"ip\":\"%s\",\"port\":%u}", ep.ip, ep.ip,
                     (unsigned)ep.port);
            assert_non_null(strstr(a, want));
        } else {
            assert_null(strstr(a, "community_id"));
            assert_null(strstr(a, "\"source\""));
        }
        free(a);
        free(b);
        free(c);
        rf_free(s);
    }
    tp_render_memo_free(memo);
}

static void test_render_ecs__escaped_names__attributes_unescaped(void **st)
{
    (void)st;
    struct tp_session *s = rf_scenario("tls13-good");
    struct tp_cert_info *ci = s->server_chain.info[0];
    assert_non_null(ci);
    free(ci->subject);
    ci->subject = strdup("CN=a\\,b+CN=c,O=x\\2Cy\\\\,OU=\\ u\\+v,C=DE");
    char *a = render(s, NULL);
    assert_non_null(strstr(a, "\"common_name\":[\"a,b\",\"c\"]"));
    assert_non_null(strstr(a, "\"organization\":[\"x,y\\\\\"]"));
    assert_non_null(strstr(a, "\"organizational_unit\":[\" u+v\"]"));
    assert_non_null(strstr(a, "\"country\":[\"DE\"]"));
    assert_non_null(strstr(a, "\"distinguished_name\":\"CN=a\\\\,b+CN=c,O=x\\\\2Cy"));
    assert_non_null(strstr(a, "\"tls\":{\"version\":\"1.3\",\"version_protocol\":\"tls\""));
    assert_non_null(strstr(a, "\"next_protocol\":\"h2\""));
    free(a);
    rf_free(s);
}

/* connect --starttls: network.protocol is the protocol upgraded, the exchange is
 * under tlsprobe.starttls (JSON's escaping); none of it without STARTTLS. */
static void test_render_ecs__starttls__protocol_and_exchange(void **st)
{
    (void)st;
    static const char *const lines[] = { "220 mail \"ready\"", "EHLO tlsprobe.invalid" };
    struct tp_session *s = rf_scenario("tls13-good");
    char *a = render(s, NULL);
    assert_non_null(strstr(a, "\"protocol\":\"tls\""));
    assert_null(strstr(a, "starttls"));
    free(a);
    rf_starttls(s, "smtp", TP_STARTTLS_OK, NULL, lines, 2);
    a = render(s, NULL);
    assert_non_null(strstr(a, "\"protocol\":\"smtp\""));
    assert_null(strstr(a, "\"protocol\":\"tls\""));
    assert_non_null(strstr(a, "\"starttls\":{\"protocol\":\"smtp\",\"status\":\"ok\",\"exchange\":["
                              "{\"dir\":\"s2c\",\"text\":\"220 mail \\\"ready\\\"\"},"
                              "{\"dir\":\"c2s\",\"text\":\"EHLO tlsprobe.invalid\"}]}"));
    free(a);
    s->starttls.status = TP_STARTTLS_UNAVAILABLE;
    snprintf(s->starttls.detail, sizeof s->starttls.detail, "STARTTLS is not in the server's EHLO reply");
    a = render(s, NULL);
    assert_non_null(strstr(a, "\"status\":\"unavailable\",\"detail\":\"STARTTLS is not in the server's EHLO "
                              "reply\",\"exchange\":["));
    free(a);
    rf_free(s);
}

/* A DTLS session (capture, over UDP): network says udp / 17 / dtls; packet
 * comments go to tlsprobe.comments, absent when there are none. */
static void test_render_ecs__dtls_and_comments__udp_and_comments(void **st)
{
    (void)st;
    struct tp_session *s = rf_scenario("tls13-good");
    char *a = render(s, NULL);
    assert_non_null(strstr(a, "\"transport\":\"tcp\",\"iana_number\":\"6\",\"protocol\":\"tls\""));
    assert_null(strstr(a, "\"comments\""));
    free(a);
    s->udp = true;
    assert_int_equal(tp_session_add_comment(s, TP_S2C, "look \"here\"", 11, s->start_us), TP_OK);
    a = render(s, NULL);
    assert_non_null(strstr(a, "\"transport\":\"udp\",\"iana_number\":\"17\",\"protocol\":\"dtls\""));
    assert_non_null(strstr(a, "\"comments\":[{\"dir\":\"s2c\",\"text\":\"look \\\"here\\\"\"}]"));
    free(a);
    rf_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_ecs__every_scenario__one_document_per_line),
        cmocka_unit_test(test_render_ecs__escaped_names__attributes_unescaped),
        cmocka_unit_test(test_render_ecs__starttls__protocol_and_exchange),
        cmocka_unit_test(test_render_ecs__dtls_and_comments__udp_and_comments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
