/* JSON Lines renderer: valid JSON on exactly one line, the contract's keys with
 * the contract's types, every key documented in docs/json.md, and robust to
 * messages whose raw bytes are cut short. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include "test_render_fixture.h"

/* ---- a small strict JSON parser that records every object key it meets ---- */
struct jp {
    const char *p, *end;
    char keys[512][48];
    size_t n_keys;
    bool ok;
};

static void jp_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
        j->p++;
}

static bool jp_value(struct jp *j, char *kind);

static bool jp_string(struct jp *j, char *out, size_t cap)
{
    size_t n = 0;
    if (j->p >= j->end || *j->p != '"')
        return false;
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20)
            return false; /* raw control character: invalid JSON */
        if (c == '\\') {
            j->p++;
            if (j->p >= j->end)
                return false;
            char e = *j->p;
            if (e == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (j->p + i >= j->end || !isxdigit((unsigned char)j->p[i]))
                        return false;
                j->p += 4;
            } else if (!strchr("\"\\/bfnrt", e)) {
                return false;
            }
            c = '?';
        }
        if (out && n + 1 < cap)
            out[n++] = (char)c;
        j->p++;
    }
    if (j->p >= j->end)
        return false;
    j->p++;
    if (out)
        out[n] = 0;
    return true;
}

static void jp_key(struct jp *j, const char *k)
{
    for (size_t i = 0; i < j->n_keys; i++)
        if (!strcmp(j->keys[i], k))
            return;
    if (j->n_keys < 512)
        snprintf(j->keys[j->n_keys++], 48, "%s", k);
}

static bool jp_value(struct jp *j, char *kind)
{
    jp_ws(j);
    if (j->p >= j->end)
        return false;
    char c = *j->p;
    *kind = c;
    if (c == '{') {
        j->p++;
        jp_ws(j);
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return true;
        }
        for (;;) {
            char k[48], vk;
            jp_ws(j);
            if (!jp_string(j, k, sizeof k))
                return false;
            jp_key(j, k);
            jp_ws(j);
            if (j->p >= j->end || *j->p++ != ':')
                return false;
            if (!jp_value(j, &vk))
                return false;
            jp_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == '}') {
                j->p++;
                return true;
            }
            return false;
        }
    }
    if (c == '[') {
        j->p++;
        jp_ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return true;
        }
        for (;;) {
            char vk;
            if (!jp_value(j, &vk))
                return false;
            jp_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                return true;
            }
            return false;
        }
    }
    if (c == '"')
        return jp_string(j, NULL, 0);
    static const char *const lits[] = { "true", "false", "null" };
    for (int i = 0; i < 3; i++) {
        size_t l = strlen(lits[i]);
        if ((size_t)(j->end - j->p) >= l && !strncmp(j->p, lits[i], l)) {
            j->p += l;
            *kind = lits[i][0] == 'n' ? 'n' : 'b';
            return true;
        }
    }
    if (c == '-' || isdigit((unsigned char)c)) {
        const char *st = j->p;
        if (*j->p == '-')
            j->p++;
        if (j->p >= j->end || !isdigit((unsigned char)*j->p))
            return false;
        if (*j->p == '0' && j->p + 1 < j->end && isdigit((unsigned char)j->p[1]))
            return false;
        while (j->p < j->end && isdigit((unsigned char)*j->p))
            j->p++;
        if (j->p < j->end && *j->p == '.') {
            j->p++;
            if (j->p >= j->end || !isdigit((unsigned char)*j->p))
                return false;
            while (j->p < j->end && isdigit((unsigned char)*j->p))
                j->p++;
        }
        *kind = '0';
        return j->p > st;
    }
    return false;
}

/* Parse a whole document; fails the test unless it is exactly one valid value. */
static void jp_parse(struct jp *j, const char *s, size_t n)
{
    memset(j, 0, sizeof *j);
    j->p = s;
    j->end = s + n;
    char kind;
    j->ok = jp_value(j, &kind) && kind == '{';
    jp_ws(j);
    j->ok = j->ok && j->p == j->end;
}

/* Find "key": in the text and return what follows (first occurrence). */
static const char *after_key(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? p + strlen(pat) : NULL;
}

/* The memo the tests render through when they mean to (one per thread, like
 * pcap's finisher and listen's reports). */
static struct tp_render_memo *g_memo;

static char *render_memo(const struct tp_session *s, enum tp_format f, struct tp_render_memo *memo)
{
    struct tp_render_opts o = { .format = f, .no_times = true, .memo = memo };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_session(&sb, s, &o);
    return tp_sb_take(&sb);
}

static char *render(const struct tp_session *s, enum tp_format f)
{
    struct tp_render_opts o = { .format = f, .no_times = true, .memo = g_memo };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_session(&sb, s, &o);
    return tp_sb_take(&sb);
}

static void assert_one_line_valid(const char *out, struct jp *j)
{
    size_t n = strlen(out);
    assert_true(n > 2);
    assert_int_equal(out[n - 1], '\n');
    assert_null(memchr(out, '\n', n - 1));
    jp_parse(j, out, n - 1);
    if (!j->ok)
        fail_msg("invalid JSON: %s", out);
}

static void test_render_json__every_scenario__one_valid_line_with_contract_keys(void **st)
{
    (void)st;
    static const char *const required[] = {
        "source", "client", "server", "server_name", "version", "cipher", "alpn", "handshake_complete",
        "messages", "dir", "type", "t_ms", "length", "certificates", "subject", "issuer", "san",
        "not_before", "not_after", "key", "signature_algorithm", "is_ca", "sha256",
        "client_certificates", "findings",
        /* schema version 2 (CHANGELOG.md) */
        "schema_version", "scenario", "stack", "client_ip", "client_port", "server_ip", "server_port",
        "last_message_ms", "alert_count", "dropped_message_count", "capture", "parse_error",
    };
    for (size_t k = 0; k < sizeof rf_scenarios / sizeof rf_scenarios[0]; k++) {
        struct tp_session *s = rf_scenario(rf_scenarios[k]);
        assert_non_null(s);
        char *out = render(s, TP_FMT_JSON);
        struct jp *j = malloc(sizeof *j);
        assert_one_line_valid(out, j);
        for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
            /* Certificate keys only where a chain was seen. */
            if (!s->server_chain.n && i >= 13 && i <= 22)
                continue;
            bool found = false;
            for (size_t q = 0; q < j->n_keys; q++)
                found |= !strcmp(j->keys[q], required[i]);
            if (!found)
                fail_msg("%s: key '%s' missing", rf_scenarios[k], required[i]);
        }
        const char *src = s->source == TP_SRC_PCAP ? "\"pcap\"" : "\"connect\"";
        assert_true(!strncmp(after_key(out, "source"), src, strlen(src)));
        assert_true(!strncmp(after_key(out, "server_name"), "\"localhost\"", 11));
        assert_true(!strncmp(after_key(out, "handshake_complete"), s->handshake_complete ? "true" : "false",
                             s->handshake_complete ? 4 : 5));
        free(j);
        free(out);
        rf_free(s);
    }
}

static void test_render_json__tls13_good__versions_types_and_chain(void **st)
{
    (void)st;
    struct tp_session *s = rf_scenario("tls13-good");
    char *out = render(s, TP_FMT_JSON);
    assert_true(!strncmp(after_key(out, "version"), "\"TLS 1.3\"", 9));
    assert_true(!strncmp(after_key(out, "cipher"), "\"TLS_", 5));
    assert_true(!strncmp(after_key(out, "alpn"), "\"h2\"", 4));
    /* Every message, in wire order, with its contract type name. */
    static const char *const types[] = {
        "ClientHello", "ServerHello", "ChangeCipherSpec", "EncryptedExtensions", "Certificate",
        "CertificateVerify", "Finished", "ChangeCipherSpec", "Finished", "NewSessionTicket",
        "NewSessionTicket", "Alert", "Alert",
    };
    const char *p = after_key(out, "messages");
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "\"type\":\"%s\"", types[i]);
        const char *q = strstr(p, want);
        if (!q)
            fail_msg("message %zu: %s not found in order", i, want);
        p = q + strlen(want);
    }
    assert_non_null(strstr(out, "\"name\":\"close_notify\",\"code\":0,\"level\":\"warning\""));
    assert_non_null(strstr(out, "\"dir\":\"c2s\",\"type\":\"ClientHello\",\"t_ms\":0.000"));
    /* the handshake completed at the later Finished; the last message came after */
    assert_true(strncmp(after_key(out, "handshake_ms"), "null", 4) != 0);
    assert_true(strncmp(after_key(out, "last_message_ms"), "null", 4) != 0);
    assert_true(atof(after_key(out, "handshake_ms")) < atof(after_key(out, "last_message_ms")));
    assert_non_null(strstr(out, "\"sni\":\"localhost\""));
    assert_non_null(strstr(out, "\"ja4\":\"t13d"));
    /* The server's chain as sent: leaf then the issuing CA. */
    assert_non_null(strstr(out, "\"certificates\":[{"));
    assert_non_null(strstr(out, "\"is_ca\":false"));
    assert_non_null(strstr(out, "\"is_ca\":true"));
    free(out);
    rf_free(s);
}

static void test_render_json__fatal_alert__name_code_level_sent_by(void **st)
{
    (void)st;
    struct tp_session *s = rf_scenario("tls13-unknown-ca");
    char *out = render(s, TP_FMT_JSON);
    assert_non_null(strstr(out, "\"type\":\"Alert\""));
    assert_non_null(strstr(out, "\"name\":\"unknown_ca\",\"code\":48,\"level\":\"fatal\",\"sent_by\":\"client\""));
    assert_non_null(strstr(out, "\"after\":\"Certificate\""));
    assert_non_null(strstr(out, "\"findings\":[{\"id\":\"unknown-authority\",\"severity\":\"error\""));
    assert_true(!strncmp(after_key(out, "handshake_complete"), "false", 5));
    free(out);
    rf_free(s);
}

static void test_render_json__hostile_strings__escaped(void **st)
{
    (void)st;
    struct tp_session *s = rf_scenario("tls12-good");
    free(s->server_name);
    s->server_name = malloc(8);
    memcpy(s->server_name, "a\"\x1b[2J\0b", 8);
    s->server_name_len = 8;
    snprintf(s->outcome.detail, sizeof s->outcome.detail, "line1\nline2\t\x7f");
    char *out = render(s, TP_FMT_JSON);
    struct jp *j = malloc(sizeof *j);
    assert_one_line_valid(out, j);
    assert_non_null(strstr(out, "\"server_name\":\"a\\\"\\u001b[2J\\u0000b\""));
    assert_null(strchr(out, 0x1b));
    free(j);
    free(out);
    rf_free(s);
}

static void test_render_json__cut_messages__valid_at_every_length(void **st)
{
    (void)st;
    for (size_t k = 0; k < sizeof rf_scenarios / sizeof rf_scenarios[0]; k++) {
        struct tp_session *s = rf_scenario(rf_scenarios[k]);
        struct jp *j = malloc(sizeof *j);
        for (size_t i = 0; i < s->n_msgs; i++) {
            struct tp_msg *m = &s->msgs[i];
            uint8_t *orig = m->raw;
            size_t n = m->raw_len;
            for (size_t cut = 0; cut < n; cut++) {
                m->raw = tu_exact(orig, cut);
                m->raw_len = cut;
                for (int f = 0; f < 3; f++) {
                    char *out = render(s, (enum tp_format)f);
                    if (f == TP_FMT_JSON)
                        assert_one_line_valid(out, j);
                    free(out);
                }
                free(m->raw);
            }
            m->raw = orig;
            m->raw_len = n;
        }
        free(j);
        rf_free(s);
    }
}

/* Every key the renderer can emit is documented in docs/json.md as `key`. */
/* Rendered certificates are remembered in the caller's memo by fingerprint (render/cert.c):
 * more certificates than the memo holds, in turns, each always rendered as the
 * first (fresh) time; a copy without a fingerprint (never remembered) differs
 * only in that field; expires_in_days is not remembered. */
static char *cert_json_of(const struct tp_cert_info *ci)
{
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_cert_json_memo(&sb, ci, g_memo);
    return tp_sb_take(&sb);
}

static void test_render_cert_json__remembered__same_as_fresh_for_each(void **st)
{
    (void)st;
    static const char *const names[] = { "good.pem", "int.pem", "root.pem", "nasty.pem", "expired.pem",
                                         "client.pem", "sct.pem" };
    enum { N = sizeof names / sizeof names[0] };
    struct tp_file *files[N];
    char *first[N];
    for (size_t i = 0; i < N; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "pki/%s", names[i]);
        size_t len;
        uint8_t *pem = tu_fixture(rel, &len);
        assert_int_equal(tp_file_parse(names[i], pem, len, &files[i]), TP_OK);
        assert_true(files[i]->n_objs >= 1 && files[i]->objs[0].cert);
        free(pem);
        first[i] = cert_json_of(files[i]->objs[0].cert);
        assert_non_null(strstr(first[i], "\"expires_in_days\":"));
    }
    for (int round = 0; round < 3; round++)
        for (size_t k = 0; k < N; k++) {
            size_t i = (k * 3 + (size_t)round) % N;
            const struct tp_cert_info *ci = files[i]->objs[0].cert;
            char *again = cert_json_of(ci);
            assert_string_equal(again, first[i]);
            /* fresh, without the fingerprint: the same but for the sha256 value */
            struct tp_cert_info anon = *ci;
            memset(anon.sha256, 0, sizeof anon.sha256);
            char *fresh = cert_json_of(&anon);
            char *at = strstr(again, "\"sha256\":\"");
            assert_non_null(at);
            memset(at + 10, '0', 64);
            assert_string_equal(fresh, again);
            free(fresh);
            free(again);
        }
    /* a certificate's expires_in_days follows the clock: an expired one stays negative */
    assert_non_null(strstr(first[4], "\"expires_in_days\":-"));
    for (size_t i = 0; i < N; i++) {
        free(first[i]);
        tp_file_free(files[i]);
    }
    char *null_json = cert_json_of(NULL);
    assert_string_equal(null_json, "null");
    free(null_json);
}

/* A ClientHello's JSON is remembered in the caller's memo (json.c, ch_key): flip
 * every bit of every byte of each scenario's real hello in turn and render it
 * through the memo (where the original and earlier variants are remembered) and
 * in a new thread without one (where nothing is): always the same text. A field that changes the output but is
 * missing from the memo's key shows up as a difference. */
struct fresh { const struct tp_session *s; char *out; };

static void *fresh_main(void *p)
{
    struct fresh *f = p;
    f->out = render_memo(f->s, TP_FMT_JSON, NULL);
    return NULL;
}

static char *render_fresh(const struct tp_session *s)
{
    pthread_t t;
    struct fresh f = { s, NULL };
    assert_int_equal(pthread_create(&t, NULL, fresh_main, &f), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    return f.out;
}

static void test_render_json__client_hello_remembered__every_bit_flip_same_as_fresh(void **st)
{
    (void)st;
    for (size_t k = 0; k < sizeof rf_scenarios / sizeof rf_scenarios[0]; k++) {
        struct tp_session *s = rf_scenario(rf_scenarios[k]);
        struct tp_msg *ch = NULL;
        for (size_t i = 0; i < s->n_msgs && !ch; i++)
            if (s->msgs[i].kind == TP_MSG_HANDSHAKE && s->msgs[i].hs_type == TP_HS_CLIENT_HELLO && s->msgs[i].raw)
                ch = &s->msgs[i];
        assert_non_null(ch);
        uint8_t *raw = (uint8_t *)ch->raw;
        char *base = render(s, TP_FMT_JSON), *again = render(s, TP_FMT_JSON), *fresh = render_fresh(s);
        assert_string_equal(again, base);
        assert_string_equal(fresh, base);
        free(again);
        free(fresh);
        size_t changed = 0;
        for (size_t i = 4; i < ch->raw_len; i++)
            for (int bit = 0; bit < 8; bit++) {
                raw[i] ^= (uint8_t)(1u << bit);
                char *here = render(s, TP_FMT_JSON), *there = render_fresh(s);
                assert_string_equal(here, there);
                changed += strcmp(here, base) != 0;
                free(here);
                free(there);
                raw[i] ^= (uint8_t)(1u << bit);
            }
        /* most flips change what is shown (suites, extensions, names, lengths) */
        assert_true(changed > ch->raw_len);
        char *back = render(s, TP_FMT_JSON);
        assert_string_equal(back, base);
        free(back);
        free(base);
        rf_free(s);
    }
}

/* The memo only saves work: every scenario in every format, and every
 * certificate fixture, rendered without a memo, through a fresh memo, and again
 * through the now warm one (and through one warmed by all other scenarios) is
 * byte-identical (issue 21 item 5). */
static void test_render__with_and_without_memo__byte_identical(void **st)
{
    (void)st;
    static const enum tp_format fmts[] = { TP_FMT_JSON, TP_FMT_TEXT, TP_FMT_MERMAID };
    struct tp_render_memo *shared = tp_render_memo_new();
    assert_non_null(shared);
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < sizeof rf_scenarios / sizeof rf_scenarios[0]; k++) {
            struct tp_session *s = rf_scenario(rf_scenarios[k]);
            assert_non_null(s);
            for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
                struct tp_render_memo *own = tp_render_memo_new();
                char *pure = render_memo(s, fmts[f], NULL);
                char *cold = render_memo(s, fmts[f], own);
                char *warm = render_memo(s, fmts[f], own);
                char *other = render_memo(s, fmts[f], shared);
                assert_string_equal(cold, pure);
                assert_string_equal(warm, pure);
                assert_string_equal(other, pure);
                free(pure);
                free(cold);
                free(warm);
                free(other);
                tp_render_memo_free(own);
            }
            rf_free(s);
        }
    static const char *const certs[] = { "pki/good-fullchain.pem", "pki/nasty-fullchain.pem", "pki/ca-bundle.pem",
                                         "pki/sct-fullchain.pem", "files/fullchain.pem" };
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++) {
            size_t len;
            uint8_t *pem = tu_fixture(certs[i], &len);
            assert_non_null(pem);
            struct tp_file *file = NULL;
            assert_int_equal(tp_file_parse(certs[i], pem, len, &file), TP_OK);
            for (size_t j = 0; j < file->n_objs; j++) {
                struct tp_sb a, b;
                tp_sb_init(&a);
                tp_sb_init(&b);
                tp_render_cert_json(&a, file->objs[j].cert);
                tp_render_cert_json_memo(&b, file->objs[j].cert, shared);
                assert_string_equal(tp_sb_str(&b), tp_sb_str(&a));
                tp_sb_free(&a);
                tp_sb_free(&b);
            }
            tp_file_free(file);
            free(pem);
        }
    tp_render_memo_free(shared);
}

static void test_render_json__every_key__documented(void **st)
{
    (void)st;
    FILE *f = fopen(TP_FIXTURES "/../docs/json.md", "rb");
    assert_non_null(f);
    static char doc[256 * 1024];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    doc[n] = 0;
    fclose(f);
    struct jp *j = malloc(sizeof *j);
    for (size_t k = 0; k < sizeof rf_scenarios / sizeof rf_scenarios[0]; k++) {
        struct tp_session *s = rf_scenario(rf_scenarios[k]);
        /* Add the optional parts so their keys are emitted too. */
        s->source = TP_SRC_PCAP;
        char *out = render(s, TP_FMT_JSON);
        assert_one_line_valid(out, j);
        for (size_t q = 0; q < j->n_keys; q++) {
            char want[64];
            snprintf(want, sizeof want, "`%s`", j->keys[q]);
            if (!strstr(doc, want))
                fail_msg("docs/json.md does not document the key %s (scenario %s)", want, rf_scenarios[k]);
        }
        free(out);
        rf_free(s);
    }
    /* findings-only output (check/explain) too */
    struct tp_session *s = rf_scenario("tls13-unknown-ca");
    struct tp_render_opts o = { .format = TP_FMT_JSON };
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_findings(&sb, s, &o);
    assert_one_line_valid(tp_sb_str(&sb), j);
    tp_sb_free(&sb);
    rf_free(s);
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_json__every_scenario__one_valid_line_with_contract_keys),
        cmocka_unit_test(test_render_json__tls13_good__versions_types_and_chain),
        cmocka_unit_test(test_render_json__fatal_alert__name_code_level_sent_by),
        cmocka_unit_test(test_render_json__hostile_strings__escaped),
        cmocka_unit_test(test_render_json__cut_messages__valid_at_every_length),
        cmocka_unit_test(test_render_cert_json__remembered__same_as_fresh_for_each),
        cmocka_unit_test(test_render_json__client_hello_remembered__every_bit_flip_same_as_fresh),
        cmocka_unit_test(test_render_json__every_key__documented),
        cmocka_unit_test(test_render__with_and_without_memo__byte_identical),
    };
    g_memo = tp_render_memo_new();
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tp_render_memo_free(g_memo);
    return rc;
}
