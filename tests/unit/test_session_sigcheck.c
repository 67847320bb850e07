/* Wire evidence for key-mismatch (src/session/sigcheck.c): the server's real
 * CertificateVerify (TLS 1.3) and ServerKeyExchange (TLS 1.2) signatures from
 * recorded handshakes (fixtures/render/NAME.tr) verify with the certificate's key;
 * one flipped byte, a swapped certificate or a missing message never passes and
 * never crashes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "testutil.h"
#include "test_render_fixture.h"

static struct tp_msg *find_hs(struct tp_session *s, enum tp_dir d, uint8_t type)
{
    for (size_t i = 0; i < s->n_msgs; i++)
        if (s->msgs[i].kind == TP_MSG_HANDSHAKE && s->msgs[i].dir == d && s->msgs[i].hs_type == type)
            return &s->msgs[i];
    return NULL;
}

static void check_flip(const char *name, uint8_t signed_type)
{
    struct tp_session *s = rf_scenario(name);
    assert_non_null(s);
    assert_int_equal(tp_session_check_signature(s, TP_S2C), TP_SIG_OK);
    /* No client signature in these handshakes. */
    assert_int_equal(tp_session_check_signature(s, TP_C2S), TP_SIG_NOT_CHECKED);
    struct tp_msg *m = find_hs(s, TP_S2C, signed_type);
    assert_non_null(m);
    /* A byte inside the signature (its last byte), then back. */
    m->raw[m->raw_len - 1] ^= 0x01;
    assert_int_equal(tp_session_check_signature(s, TP_S2C), TP_SIG_BAD);
    m->raw[m->raw_len - 1] ^= 0x01;
    assert_int_equal(tp_session_check_signature(s, TP_S2C), TP_SIG_OK);
    /* A byte of what was signed (the ServerHello random): the transcript differs. */
    struct tp_msg *sh = find_hs(s, TP_S2C, TP_HS_SERVER_HELLO);
    assert_non_null(sh);
    sh->raw[10] ^= 0x80;
    assert_int_equal(tp_session_check_signature(s, TP_S2C), TP_SIG_BAD);
    sh->raw[10] ^= 0x80;
    /* Every shorter signed message: parse failures are NOT_CHECKED, never a crash. */
    size_t full = m->raw_len;
    for (size_t k = 4; k < full; k++) {
        m->raw_len = k;
        enum tp_sig_check r = tp_session_check_signature(s, TP_S2C);
        assert_true(r == TP_SIG_NOT_CHECKED || r == TP_SIG_BAD);
    }
    m->raw_len = full;
    rf_free(s);
}

static void test_sigcheck__tls13_certificate_verify__verifies_and_detects_changes(void **st)
{
    (void)st;
    check_flip("tls13-good", TP_HS_CERTIFICATE_VERIFY);
}

static void test_sigcheck__tls12_server_key_exchange__verifies_and_detects_changes(void **st)
{
    (void)st;
    check_flip("tls12-good", TP_HS_SERVER_KEY_EXCHANGE);
}

/* pcap's reading thread may check before the judge (tp_session_precheck_signatures):
 * the judge then gets the same answer, computed once. */
static void test_sigcheck__precheck__same_answer_kept_for_the_judge(void **st)
{
    (void)st;
    const char *names[] = { "tls12-good", "tls13-good" };
    const uint8_t types[] = { TP_HS_SERVER_KEY_EXCHANGE, TP_HS_CERTIFICATE_VERIFY };
    for (int i = 0; i < 2; i++) {
        struct tp_session *s = rf_scenario(names[i]);
        assert_non_null(s);
        assert_int_equal(s->sig_memo[TP_S2C], 0);
        tp_session_precheck_signatures(s);
        assert_int_equal(s->sig_memo[TP_S2C], TP_SIG_OK + 1);
        assert_int_equal(s->sig_memo[TP_C2S], TP_SIG_NOT_CHECKED + 1);
        struct tp_msg *m = find_hs(s, TP_S2C, types[i]);
        assert_non_null(m);
        m->raw[m->raw_len - 1] ^= 0x01; /* not looked at again */
        assert_int_equal(tp_session_check_signature(s, TP_S2C), TP_SIG_OK);
        rf_free(s);
        /* a bad signature prechecked is bad for the judge */
        s = rf_scenario(names[i]);
        m = find_hs(s, TP_S2C, types[i]);
        m->raw[m->raw_len - 1] ^= 0x01;
        tp_session_precheck_signatures(s);
        assert_int_equal(tp_session_check_signature(s, TP_S2C), TP_SIG_BAD);
        rf_free(s);
    }
}

static void test_sigcheck__capture_without_keys__not_checked(void **st)
{
    (void)st;
    struct tp_session *s = rf_scenario("tls13-capture-nokeys");
    assert_non_null(s);
    assert_int_equal(tp_session_check_signature(s, TP_S2C), TP_SIG_NOT_CHECKED);
    rf_free(s);
}

static void test_sigcheck__another_certificate__bad(void **st)
{
    (void)st;
    /* The TLS 1.3 server's signature checked against the TLS 1.2 server's leaf:
     * a key that did not make it (what a mismatched key looks like on the wire). */
    struct tp_session *a = rf_scenario("tls13-good"), *b = rf_scenario("tls12-good");
    assert_non_null(a);
    assert_non_null(b);
    if (a->server_chain.der[0].len != b->server_chain.der[0].len ||
        memcmp(a->server_chain.der[0].p, b->server_chain.der[0].p, a->server_chain.der[0].len)) {
        struct tp_bytes keep = a->server_chain.der[0];
        a->server_chain.der[0] = b->server_chain.der[0];
        assert_int_equal(tp_session_check_signature(a, TP_S2C), TP_SIG_BAD);
        a->server_chain.der[0] = keep;
        /* With a worker (its memo of leaf keys): the same answers, whichever
         * leaf was seen last, and again from the memo. */
        struct tp_worker *w = tp_worker_new();
        assert_non_null(w);
        tp_session_set_worker(a, w);
        for (int round = 0; round < 2; round++) {
            assert_int_equal(tp_session_check_signature(a, TP_S2C), TP_SIG_OK);
            a->server_chain.der[0] = b->server_chain.der[0];
            assert_int_equal(tp_session_check_signature(a, TP_S2C), TP_SIG_BAD);
            a->server_chain.der[0] = keep;
        }
        tp_session_set_worker(a, NULL);
        tp_worker_free(w);
    } else {
        print_message("the two fixtures share a leaf: swapped-certificate case skipped\n");
    }
    rf_free(a);
    rf_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigcheck__tls13_certificate_verify__verifies_and_detects_changes),
        cmocka_unit_test(test_sigcheck__tls12_server_key_exchange__verifies_and_detects_changes),
        cmocka_unit_test(test_sigcheck__precheck__same_answer_kept_for_the_judge),
        cmocka_unit_test(test_sigcheck__capture_without_keys__not_checked),
        cmocka_unit_test(test_sigcheck__another_certificate__bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
