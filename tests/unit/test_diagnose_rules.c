/* Rules on hand-built transcripts and verify results: each rule fires when it
 * should, stays silent on the good case and on its look-alikes.
 * test_diagnose_table.c checks that every rule id appears here in an
 * assert_fires(..., "id") call. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tlsprobe/diagnose.h"
#include "tlsprobe/scan.h"
#include "tlsprobe/sct.h"
#include "tlsprobe/wire.h"
#include "testutil.h"

#define DAY 86400

/* ---- hand-built certificates and verify results ---- */

static struct tp_cert_info *mk_cert(const char *cn, const char *issuer_cn, const char *san_dns)
{
    struct tp_cert_info *ci = calloc(1, sizeof *ci);
    char buf[300];
    snprintf(buf, sizeof buf, "CN=%s", cn);
    ci->subject = strdup(buf);
    ci->subject_cn = strdup(cn);
    snprintf(buf, sizeof buf, "CN=%s", issuer_cn);
    ci->issuer = strdup(buf);
    ci->not_before = time(NULL) - 100 * DAY;
    ci->not_after = time(NULL) + 300 * DAY;
    strcpy(ci->key_desc, "EC P-256");
    ci->key_type = TP_KEY_EC;
    ci->key_bits = 256;
    strcpy(ci->sig_alg, "ecdsa-with-SHA256");
    ci->self_issued = ci->self_signed = !strcmp(cn, issuer_cn);
    ci->path_len = -1;
    if (san_dns) {
        ci->san = calloc(1, sizeof *ci->san);
        ci->san[0].type = TP_SAN_DNS;
        ci->san[0].value = strdup(san_dns);
        ci->san[0].value_len = strlen(san_dns);
        ci->n_san = ci->n_san_total = 1;
    }
    return ci;
}

static void free_cert(struct tp_cert_info *ci)
{
    if (!ci)
        return;
    free(ci->subject);
    free(ci->subject_cn);
    free(ci->issuer);
    for (size_t i = 0; i < ci->n_san; i++)
        free(ci->san[i].value);
    free(ci->san);
    free(ci);
}

struct fx {
    struct tp_session *s;
    struct tp_verify_result *v, *cv;
    struct tp_cert_info *leaf, *inter, *root, *extra, *cleaf;
};

static struct tp_verify_result *mk_verify(enum tp_path_status st)
{
    struct tp_verify_result *v = calloc(1, sizeof *v);
    v->status = st;
    v->order_ok = true;
    v->misordered_index = -1;
    v->expired_index = v->not_yet_valid_index = v->expiring_soon_index = -1;
    v->weak_key_index = v->weak_sig_index = -1;
    v->leaf_ku_ok = v->leaf_eku_ok = true;
    v->name_status = TP_NAME_OK;
    strcpy(v->name, "api.example.test");
    strcpy(v->store_desc, "/etc/ssl/certs/ca-certificates.crt (146 roots)");
    v->store_roots = 146;
    return v;
}

/* A good server chain (leaf, intermediate sent; root from the store). */
static struct fx *fx_new(enum tp_source src)
{
    struct fx *f = calloc(1, sizeof *f);
    f->s = tp_session_new(src, 0);
    f->leaf = mk_cert("api.example.test", "Example Issuing CA 2", "api.example.test");
    f->inter = mk_cert("Example Issuing CA 2", "Example Root", NULL);
    f->inter->is_ca = true;
    f->root = mk_cert("Example Root", "Example Root", NULL);
    f->root->is_ca = true;
    f->v = mk_verify(TP_PATH_OK);
    f->v->n_sent = 2;
    f->v->path_len = 3;
    f->v->path[0] = (struct tp_path_elem){ TP_FROM_SENT, 0, f->leaf };
    f->v->path[1] = (struct tp_path_elem){ TP_FROM_SENT, 1, f->inter };
    f->v->path[2] = (struct tp_path_elem){ TP_FROM_STORE, -1, f->root };
    f->s->server_chain.n = f->s->server_chain.n_total = 2;
    f->s->server_chain.present = true;
    f->s->server_chain.info[0] = f->leaf;
    f->s->server_chain.info[1] = f->inter;
    f->s->server_verify = f->v;
    f->s->version = TP_TLS1_3;
    f->s->offered_max_version = TP_TLS1_3;
    f->s->handshake_complete = true;
    f->s->outcome.status = TP_CONN_OK;
    snprintf(f->s->server, sizeof f->s->server, "192.0.2.10:443");
    return f;
}

static void fx_free(struct fx *f)
{
    /* Detach what the test owns before the session frees its own parts. */
    f->s->server_verify = NULL;
    f->s->client_verify = NULL;
    memset(&f->s->server_chain, 0, sizeof f->s->server_chain);
    memset(&f->s->client_chain, 0, sizeof f->s->client_chain);
    tp_session_free(f->s);
    if (f->v)
        free(f->v->ct);
    free(f->v);
    free(f->cv);
    free_cert(f->leaf);
    free_cert(f->inter);
    free_cert(f->root);
    free_cert(f->extra);
    free_cert(f->cleaf);
    free(f);
}

static struct tp_msg *msg(struct fx *f, enum tp_dir dir, int hs_type)
{
    struct tp_msg *m = tp_session_add_msg(f->s, dir, TP_MSG_HANDSHAKE, 0);
    assert_non_null(m);
    m->hs_type = (uint8_t)hs_type;
    return m;
}

static void alert(struct fx *f, enum tp_dir dir, uint8_t level, uint8_t desc)
{
    struct tp_msg *m = tp_session_add_msg(f->s, dir, TP_MSG_ALERT, 0);
    assert_non_null(m);
    m->alert_level = level;
    m->alert_desc = desc;
    m->length = 2;
}

static size_t count(const struct tp_session *s, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_findings; i++)
        if (!strcmp(s->findings[i].id, id))
            n++;
    return n;
}

static const struct tp_finding *get(const struct tp_session *s, const char *id)
{
    for (size_t i = 0; i < s->n_findings; i++)
        if (!strcmp(s->findings[i].id, id))
            return &s->findings[i];
    return NULL;
}

static void dump(const struct tp_session *s)
{
    for (size_t i = 0; i < s->n_findings; i++)
        print_message("  finding %s: %s\n", s->findings[i].id, s->findings[i].summary);
}

/* The rule fired exactly once with non-empty specific texts. */
static const struct tp_finding *assert_fires(const struct tp_session *s, const char *id)
{
    if (count(s, id) != 1)
        dump(s);
    assert_int_equal(count(s, id), 1);
    const struct tp_finding *f = get(s, id);
    assert_non_null(f->summary);
    assert_true(strlen(f->summary) > 10);
    assert_non_null(f->explanation);
    assert_true(strlen(f->explanation) > 10);
    assert_non_null(f->fix);
    assert_true(strlen(f->fix) > 10);
    assert_non_null(f->reference);
    assert_true(strlen(f->reference) > 3);
    return f;
}

static void assert_silent(const struct tp_session *s, const char *id)
{
    if (count(s, id))
        dump(s);
    assert_int_equal(count(s, id), 0);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        print_message("'%s' not in: %s\n", needle, hay);
    assert_non_null(strstr(hay, needle));
}

/* ---- the good case ---- */

static void test_diagnose__good_tls13_connect__no_findings(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    msg(f, TP_S2C, TP_HS_CERTIFICATE);
    msg(f, TP_S2C, TP_HS_FINISHED);
    msg(f, TP_C2S, TP_HS_FINISHED);
    alert(f, TP_C2S, 1, 0); /* close_notify */
    tp_diagnose(f->s);
    if (f->s->n_findings)
        dump(f->s);
    assert_int_equal(f->s->n_findings, 0);
    assert_int_equal(tp_exit_status(f->s), 0);
    fx_free(f);
}

static void test_diagnose__run_twice__idempotent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->status = TP_PATH_UNKNOWN_AUTHORITY;
    tp_diagnose(f->s);
    size_t n = f->s->n_findings;
    assert_true(n > 0);
    tp_diagnose(f->s);
    assert_int_equal(f->s->n_findings, n);
    fx_free(f);
}

/* ---- trust: unknown-authority / self-signed / missing-intermediate ---- */

static void test_unknown_authority__issuer_not_in_store__fires_alone(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->status = TP_PATH_UNKNOWN_AUTHORITY;
    f->v->path_len = 2;
    strcpy(f->v->missing_issuer, "CN=Example Root");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "unknown-authority");
    assert_contains(x->summary, "CN=Example Root");
    assert_contains(x->summary, "146 roots");
    assert_contains(x->explanation, "'api.example.test' issued by 'CN=Example Issuing CA 2'");
    assert_contains(x->fix, "NODE_EXTRA_CA_CERTS");
    assert_contains(x->fix, "keytool");
    assert_silent(f->s, "self-signed");
    assert_silent(f->s, "missing-intermediate");
    assert_silent(f->s, "chain-contains-root");
    assert_int_equal(tp_exit_status(f->s), 1);
    fx_free(f);
}

/* Issue 16: an intermediate found by AIA, then a root nobody trusts: the
 * finding says both, and who recovers (browsers) and who does not. */
static void test_unknown_authority__intermediate_via_aia__says_it_was_not_sent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->status = TP_PATH_UNKNOWN_AUTHORITY;
    f->v->path[1].src = TP_FROM_AIA;
    f->v->path[1].sent_index = -1;
    f->v->path_len = 2;
    f->v->aia_tried = f->v->aia_ok = true;
    strcpy(f->v->missing_issuer, "CN=Example Root");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "unknown-authority");
    assert_contains(x->explanation, "was not sent either");
    assert_contains(x->explanation, "Browsers fetch a missing intermediate");
    fx_free(f);
}

/* Issue 16: a self-signed leaf trusted as its own anchor (--cafile) is no
 * "root sent along". */
static void test_chain_contains_root__self_signed_leaf_trusted__silent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->leaf->self_signed = f->leaf->self_issued = true;
    f->v->path_len = 1;
    f->v->path[0] = (struct tp_path_elem){ TP_FROM_SENT, 0, f->leaf };
    f->v->root_sent = true; /* as an older verifier said */
    f->s->server_chain.n = f->s->server_chain.n_total = 1;
    tp_diagnose(f->s);
    assert_silent(f->s, "chain-contains-root");
    fx_free(f);
}

static void test_unknown_authority__untrusted_root_sent__no_chain_contains_root(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->status = TP_PATH_UNKNOWN_AUTHORITY;
    f->v->root_sent = true;
    f->s->server_chain.info[2] = f->root;
    f->s->server_chain.n = 3;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "unknown-authority");
    assert_contains(x->explanation, "root certificate that was sent along");
    assert_silent(f->s, "chain-contains-root");
    assert_silent(f->s, "self-signed");
    fx_free(f);
}

static void test_self_signed__lone_leaf__fires_alone(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    free_cert(f->leaf);
    f->leaf = mk_cert("localhost", "localhost", "localhost");
    f->v->path[0].cert = f->leaf;
    f->v->path_len = 1;
    f->v->status = TP_PATH_SELF_SIGNED;
    f->v->root_sent = true;
    f->s->server_chain.info[0] = f->leaf;
    f->s->server_chain.n = 1;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "self-signed");
    assert_contains(x->summary, "'localhost' is self-signed");
    assert_silent(f->s, "unknown-authority");
    assert_silent(f->s, "missing-intermediate");
    assert_silent(f->s, "chain-contains-root");
    fx_free(f);
}

static void test_missing_intermediate__found_via_aia__fires_alone_names_it(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->status = TP_PATH_MISSING_INTERMEDIATE;
    f->v->path[1].src = TP_FROM_AIA;
    f->v->path[1].sent_index = -1;
    f->v->aia_tried = f->v->aia_ok = true;
    strcpy(f->v->aia_url, "http://ca.example.test/int.der");
    f->s->server_chain.n = 1;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "missing-intermediate");
    assert_contains(x->summary, "'Example Issuing CA 2' was not sent");
    assert_contains(x->explanation, "http://ca.example.test/int.der");
    assert_contains(x->explanation, "Browsers");
    assert_contains(x->explanation, "Go, curl, OpenSSL, Java, Python");
    assert_contains(x->fix, "fullchain");
    assert_silent(f->s, "unknown-authority");
    assert_silent(f->s, "self-signed");
    fx_free(f);
}

/* ---- names ---- */

static void test_hostname_mismatch__connect__error_with_names(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->name_status = TP_NAME_MISMATCH;
    strcpy(f->v->name, "www.other.test");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "hostname-mismatch");
    assert_int_equal(x->severity, TP_SEV_ERROR);
    assert_contains(x->summary, "valid for api.example.test, not for 'www.other.test'");
    assert_contains(x->fix, "'www.other.test'");
    assert_silent(f->s, "cn-only");
    fx_free(f);
}

static void test_hostname_mismatch__listen_sni__warning(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_LISTEN);
    f->v->name_status = TP_NAME_MISMATCH;
    strcpy(f->v->name, "sni.other.test");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "hostname-mismatch");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    assert_contains(x->explanation, "SNI");
    assert_int_equal(tp_exit_status(f->s), 0);
    fx_free(f);
}

static void test_cn_only__cn_matches_no_san__fires_not_mismatch(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    free(f->leaf->san[0].value);
    free(f->leaf->san);
    f->leaf->san = NULL;
    f->leaf->n_san = f->leaf->n_san_total = 0;
    f->v->name_status = TP_NAME_OK_CN_ONLY;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "cn-only");
    assert_contains(x->summary, "no subjectAltName");
    assert_contains(x->explanation, "Go");
    assert_contains(x->fix, "subjectAltName=DNS:api.example.test");
    assert_silent(f->s, "hostname-mismatch");
    fx_free(f);
}

/* ---- dates ---- */

static void test_expired__leaf__fires_with_date_not_expiring_soon(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->leaf->not_after = 1609459200; /* 2021-01-01 */
    f->v->expired_index = 0;
    f->v->expiring_soon_index = 0;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "expired");
    assert_contains(x->summary, "the leaf 'api.example.test' expired on 2021-01-01");
    assert_contains(x->fix, "Renew");
    assert_silent(f->s, "expiring-soon");
    assert_silent(f->s, "not-yet-valid");
    fx_free(f);
}

static void test_expired__intermediate__says_intermediate(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->inter->not_after = 1609459200;
    f->v->expired_index = 1;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "expired");
    assert_contains(x->summary, "the intermediate 'Example Issuing CA 2' expired on 2021-01-01");
    assert_contains(x->fix, "current intermediate");
    fx_free(f);
}

static void test_expired__pcap__judged_at_capture_time(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_PCAP);
    f->leaf->not_after = 1609459200;
    f->s->capture_time = 1609459200 + 10 * DAY;
    f->v->expired_index = 0;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "expired");
    assert_contains(x->summary, "10 days before the capture (2021-01-11)");
    fx_free(f);
}

static void test_not_yet_valid__leaf__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->leaf->not_before = 2208988800; /* 2040-01-01 */
    f->v->not_yet_valid_index = 0;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "not-yet-valid");
    assert_contains(x->summary, "valid only from 2040-01-01");
    assert_silent(f->s, "expired");
    fx_free(f);
}

static void test_expiring_soon__leaf_in_10_days__warning_exit_0(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->leaf->not_after = time(NULL) + 10 * DAY + 3600;
    f->v->expiring_soon_index = 0;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "expiring-soon");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    assert_contains(x->summary, "in 10 days");
    assert_contains(x->fix, "before");
    assert_int_equal(tp_exit_status(f->s), 0);
    fx_free(f);
}

/* ---- chain shape ---- */

static void test_chain_order__int_before_leaf__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->server_chain.info[0] = f->inter;
    f->s->server_chain.info[1] = f->leaf;
    f->v->order_ok = false;
    f->v->misordered_index = 0;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "chain-order");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    assert_contains(x->summary, "#1 'api.example.test' is not the issuer of #0 'Example Issuing CA 2'");
    assert_silent(f->s, "extra-certificates");
    fx_free(f);
}

static void test_extra_certificates__trailing_unrelated__fires_not_chain_order(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->extra = mk_cert("old.example.test", "Rogue Root CA", "old.example.test");
    f->s->server_chain.info[2] = f->extra;
    f->s->server_chain.n = 3;
    f->v->order_ok = false;
    f->v->misordered_index = 1;
    f->v->n_extra = 1;
    f->v->extra_index[0] = 2;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "extra-certificates");
    assert_contains(x->summary, "#2 'old.example.test'");
    assert_silent(f->s, "chain-order");
    fx_free(f);
}

static void test_chain_contains_root__trusted_root_sent__warning(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->server_chain.info[2] = f->root;
    f->s->server_chain.n = 3;
    f->v->root_sent = true;
    f->v->path[2].src = TP_FROM_SENT;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "chain-contains-root");
    assert_contains(x->summary, "'Example Root'");
    assert_silent(f->s, "unknown-authority");
    assert_silent(f->s, "extra-certificates");
    assert_int_equal(tp_exit_status(f->s), 0);
    fx_free(f);
}

/* ---- path validation problems (RFC 5280 §6.1) ---- */

static void add_problem(struct tp_verify_result *v, const char *id, int index, int by_index, const char *text)
{
    struct tp_path_problem *p = &v->problems[v->n_problems++];
    snprintf(p->id, sizeof p->id, "%s", id);
    p->index = index;
    p->by_index = by_index;
    snprintf(p->text, sizeof p->text, "%s", text);
}

static void test_path_problem__each_id__fires_once_with_its_text_and_tried_paths(void **state)
{
    (void)state;
    static const char *const ids[] = {
        "name-constraint-violation", "ca-not-authorized", "path-length-exceeded", "issuer-eku-mismatch",
        "unknown-critical-extension", "malformed-certificate",
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        struct fx *f = fx_new(TP_SRC_CONNECT);
        add_problem(f->v, ids[i], 0, 1, "The intermediate 'Example Issuing CA 2' objects to 'api.example.test'");
        add_problem(f->v, ids[i], 1, -1, "a second problem of the same kind");
        f->v->n_tried = 1;
        f->v->n_paths = 2;
        snprintf(f->v->tried[0].text, sizeof f->v->tried[0].text, "'api.example.test' -> 'Old CA': expired");
        tp_diagnose(f->s);
        assert_int_equal(count(f->s, ids[i]), 1);
        fx_free(f);
    }
    /* and with none, none fires */
    struct fx *f = fx_new(TP_SRC_CONNECT);
    tp_diagnose(f->s);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        assert_silent(f->s, ids[i]);
    assert_silent(f->s, "path-building-limit");
    assert_silent(f->s, "chain-too-long");
    fx_free(f);
}

static void test_name_constraint_violation__intermediate__names_ca_and_name(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    add_problem(f->v, "name-constraint-violation", 0, 1,
                "The intermediate 'Example Issuing CA 2' may only issue for the names its nameConstraints allow; "
                "the leaf 'api.example.test' breaks them: its DNS name 'api.example.test' is outside the permitted "
                "'corp.example'");
    f->v->n_tried = 1;
    f->v->n_paths = 2;
    snprintf(f->v->tried[0].text, sizeof f->v->tried[0].text, "'api.example.test' -> 'Other CA': its issuer was not found");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "name-constraint-violation");
    assert_contains(x->summary, "Example Issuing CA 2");
    assert_contains(x->summary, "corp.example");
    assert_contains(x->explanation, "Other paths tried (2 judged in all)");
    assert_contains(x->explanation, "Other CA");
    assert_int_equal(x->severity, TP_SEV_ERROR);
    fx_free(f);
}

static void test_ca_not_authorized__leaf_as_issuer__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    add_problem(f->v, "ca-not-authorized", 1, -1, "The intermediate 'Example Issuing CA 2' is not marked as a CA");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "ca-not-authorized");
    assert_contains(x->summary, "not marked as a CA");
    assert_contains(x->explanation, "not authorized to sign other certificates");
    fx_free(f);
}

static void test_path_length_exceeded__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    add_problem(f->v, "path-length-exceeded", 2, -1, "The trust anchor 'Example Root' allows 0 intermediates");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "path-length-exceeded");
    assert_contains(x->summary, "allows 0 intermediates");
    fx_free(f);
}

static void test_issuer_eku_mismatch__fires_says_clients_differ(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    add_problem(f->v, "issuer-eku-mismatch", 1, -1, "The intermediate lists extended key usages without serverAuth");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "issuer-eku-mismatch");
    assert_contains(x->explanation, "unsupported certificate purpose");
    fx_free(f);
}

static void test_unknown_critical_extension__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    add_problem(f->v, "unknown-critical-extension", 0, -1, "The leaf has a critical extension 1.2.3.4");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "unknown-critical-extension");
    assert_contains(x->summary, "1.2.3.4");
    fx_free(f);
}

static void test_malformed_certificate__bad_extension__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    add_problem(f->v, "malformed-certificate", 0, -1,
                "The leaf has an extension that cannot be decoded: subjectAltName (2.5.29.17) at byte 312");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "malformed-certificate");
    assert_contains(x->summary, "at byte 312");
    fx_free(f);
}

static void test_path_building_limit__limited_and_not_valid__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->status = TP_PATH_UNKNOWN_AUTHORITY;
    f->v->search_limited = true;
    f->v->n_paths = 64;
    f->v->sig_checks = 401;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "path-building-limit");
    assert_contains(x->summary, "401 signature checks");
    fx_free(f);
    /* a limit hit after a valid path was found is no problem */
    f = fx_new(TP_SRC_CONNECT);
    f->v->search_limited = true;
    f->v->valid = true;
    tp_diagnose(f->s);
    assert_silent(f->s, "path-building-limit");
    fx_free(f);
}

static void test_chain_too_long__truncated__warning(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->sent_truncated = true;
    f->v->n_sent = 300;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "chain-too-long");
    assert_contains(x->summary, "300 certificates");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    fx_free(f);
}

/* ---- strength and usage ---- */

static void test_weak_key__rsa1024_leaf__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    strcpy(f->leaf->key_desc, "RSA 1024");
    f->v->weak_key_index = 0;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "weak-key");
    assert_contains(x->summary, "RSA 1024");
    assert_silent(f->s, "weak-signature");
    fx_free(f);
}

static void test_weak_signature__sha1_leaf__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    strcpy(f->leaf->sig_alg, "sha1WithRSAEncryption");
    f->v->weak_sig_index = 0;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "weak-signature");
    assert_contains(x->summary, "sha1WithRSAEncryption");
    assert_silent(f->s, "weak-key");
    fx_free(f);
}

static void test_wrong_key_usage__client_auth_only_leaf__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->leaf->has_ext_key_usage = true;
    f->leaf->ext_key_usage = TP_EKU_CLIENT_AUTH;
    f->v->leaf_eku_ok = false;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "wrong-key-usage");
    assert_contains(x->summary, "without serverAuth");
    assert_contains(x->explanation, "clientAuth");
    fx_free(f);
}

static void test_key_mismatch__check_wrong_key__fires_good_key_silent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    struct tp_check_facts cf = { "chain.pem", "other.key", false, 1 };
    tp_diagnose_check(f->s, &cf);
    const struct tp_finding *x = assert_fires(f->s, "key-mismatch");
    assert_contains(x->summary, "other.key");
    assert_contains(x->explanation, "certificate #1");
    cf.key_matches = true;
    tp_diagnose_check(f->s, &cf);
    assert_silent(f->s, "key-mismatch");
    assert_int_equal(f->s->n_findings, 0);
    fx_free(f);
}

static void test_check__leaf_without_san_no_host__no_cn_only(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    free(f->leaf->san[0].value);
    free(f->leaf->san);
    f->leaf->san = NULL;
    f->leaf->n_san = f->leaf->n_san_total = 0;
    f->v->name_status = TP_NAME_NOT_CHECKED;
    struct tp_check_facts cf = { "chain.pem", NULL, false, -1 };
    tp_diagnose_check(f->s, &cf);
    /* no name is checked: nothing for the CN to stand in for (issue 15) */
    assert_silent(f->s, "cn-only");
    assert_silent(f->s, "key-mismatch");
    fx_free(f);
    /* with a name that only the CN matches, it fires */
    f = fx_new(TP_SRC_CONNECT);
    f->v->name_status = TP_NAME_OK_CN_ONLY;
    tp_diagnose_check(f->s, &cf);
    assert_fires(f->s, "cn-only");
    fx_free(f);
}

/* ---- alerts in context ---- */

/* TLS 1.2 mTLS flight: CH | SH Cert CR SHD | Cert(empty) CKE CCS Fin | alert */
static void tls12_mtls_flight(struct fx *f)
{
    f->s->version = TP_TLS1_2;
    f->s->handshake_complete = false;
    f->s->outcome.status = TP_CONN_TLS_FAILED;
    f->s->client_auth_requested = true;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    msg(f, TP_S2C, TP_HS_CERTIFICATE);
    msg(f, TP_S2C, TP_HS_CERTIFICATE_REQUEST);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO_DONE);
    msg(f, TP_C2S, TP_HS_CERTIFICATE);
    f->s->client_chain.present = true;
    msg(f, TP_C2S, TP_HS_CLIENT_KEY_EXCHANGE);
    tp_session_add_msg(f->s, TP_C2S, TP_MSG_CCS, 0);
    tp_session_add_msg(f->s, TP_C2S, TP_MSG_ENCRYPTED, 0);
}

static void test_client_cert_required__tls12_handshake_failure_after_empty_cert__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    tls12_mtls_flight(f);
    alert(f, TP_S2C, 2, 40);
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "client-cert-required");
    assert_contains(x->summary, "we sent none");
    assert_contains(x->summary, "handshake_failure (40)");
    assert_silent(f->s, "no-shared-cipher");
    assert_silent(f->s, "remote-alert");
    assert_silent(f->s, "connection-reset");
    assert_int_equal(tp_exit_status(f->s), 1);
    fx_free(f);
}

static void test_client_cert_required__tls13_certificate_required_after_finished__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    tp_session_add_msg(f->s, TP_S2C, TP_MSG_ENCRYPTED, 0);
    tp_session_add_msg(f->s, TP_C2S, TP_MSG_ENCRYPTED, 0);
    alert(f, TP_S2C, 2, 116);
    f->s->outcome.status = TP_CONN_TLS_FAILED;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "client-cert-required");
    assert_contains(x->explanation, "certificate_required (116)");
    assert_silent(f->s, "remote-alert");
    fx_free(f);
}

static void test_client_cert_required__listen_client_sent_none__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_LISTEN);
    tls12_mtls_flight(f);
    alert(f, TP_S2C, 2, 40); /* our own alert */
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "client-cert-required");
    assert_contains(x->summary, "The client sent no certificate");
    assert_silent(f->s, "remote-alert");
    fx_free(f);
}

static void test_client_cert_rejected__unknown_ca_after_our_cert__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    tls12_mtls_flight(f);
    f->cleaf = mk_cert("tlsprobe test client", "Private Client CA", NULL);
    f->s->client_chain.info[0] = f->cleaf;
    f->s->client_chain.n = 1;
    alert(f, TP_S2C, 2, 48);
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "client-cert-rejected");
    assert_contains(x->summary, "our client certificate 'tlsprobe test client'");
    assert_contains(x->summary, "unknown_ca (48)");
    assert_contains(x->explanation, "'CN=Private Client CA'");
    assert_silent(f->s, "client-cert-required");
    assert_silent(f->s, "remote-alert");
    fx_free(f);
}

static void test_server_cert_rejected__listen_client_unknown_ca__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_LISTEN);
    f->s->handshake_complete = false;
    f->s->outcome.status = TP_CONN_TLS_FAILED;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    msg(f, TP_S2C, TP_HS_CERTIFICATE);
    msg(f, TP_S2C, TP_HS_FINISHED);
    alert(f, TP_C2S, 2, 48);
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "server-cert-rejected");
    assert_contains(x->summary, "The client rejected our certificate 'api.example.test'");
    assert_contains(x->summary, "right after our Finished");
    assert_silent(f->s, "remote-alert");
    assert_silent(f->s, "client-cert-rejected");
    fx_free(f);
}

static void test_server_cert_rejected__pcap__says_the_client_the_server(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_PCAP);
    f->s->handshake_complete = false;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    msg(f, TP_S2C, TP_HS_CERTIFICATE);
    alert(f, TP_C2S, 2, 42);
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "server-cert-rejected");
    assert_contains(x->summary, "The client rejected the server's certificate");
    assert_contains(x->summary, "right after the server's Certificate");
    assert_null(strstr(x->summary, "we"));
    fx_free(f);
}

static void test_server_cert_rejected__connect_our_own_alert__silent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->status = TP_PATH_UNKNOWN_AUTHORITY;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    msg(f, TP_S2C, TP_HS_CERTIFICATE);
    alert(f, TP_C2S, 2, 48);
    f->s->outcome.status = TP_CONN_TLS_FAILED;
    tp_diagnose(f->s);
    assert_silent(f->s, "server-cert-rejected");
    assert_silent(f->s, "remote-alert");
    assert_fires(f->s, "unknown-authority");
    fx_free(f);
}

static void test_protocol_version_mismatch__server_alert_70_after_hello__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->handshake_complete = false;
    f->s->server_verify = NULL;
    f->s->server_chain.n = 0;
    f->s->version = 0;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    alert(f, TP_S2C, 2, 70);
    f->s->outcome.status = TP_CONN_TLS_FAILED;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "protocol-version-mismatch");
    assert_contains(x->summary, "right after our ClientHello");
    assert_contains(x->summary, "TLS 1.3");
    assert_silent(f->s, "remote-alert");
    assert_silent(f->s, "no-shared-cipher");
    assert_silent(f->s, "deprecated-version");
    fx_free(f);
}

/* A real ClientHello body (TLS 1.2/1.3 suites) for the no-shared-cipher text. */
static void add_client_hello_raw(struct fx *f)
{
    static const char hex[] =
        "0100004a" "0303" "0000000000000000000000000000000000000000000000000000000000000000" "00"
        "0006" "1301" "c02b" "c02f" "0100"
        "001b" "002b0005" "0403040303" "000a0006" "0004001d0017" "000d0004" "00020403";
    size_t n;
    uint8_t *raw = tu_hex(hex, &n);
    struct tp_msg *m = msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    m->raw = raw;
    m->raw_len = n;
}

static void test_no_shared_cipher__handshake_failure_before_server_hello__names_offer(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->handshake_complete = false;
    f->s->server_verify = NULL;
    f->s->server_chain.n = 0;
    add_client_hello_raw(f);
    alert(f, TP_S2C, 2, 40);
    f->s->outcome.status = TP_CONN_TLS_FAILED;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "no-shared-cipher");
    assert_contains(x->summary, "handshake_failure (40)");
    assert_contains(x->explanation, "3 cipher suites");
    assert_contains(x->explanation, "TLS_AES_128_GCM_SHA256");
    assert_contains(x->explanation, "x25519");
    assert_silent(f->s, "client-cert-required");
    assert_silent(f->s, "remote-alert");
    fx_free(f);
}

static void test_no_shared_cipher__handshake_failure_after_server_hello__remote_alert_instead(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->handshake_complete = false;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    msg(f, TP_C2S, TP_HS_CLIENT_KEY_EXCHANGE);
    alert(f, TP_S2C, 2, 40);
    f->s->outcome.status = TP_CONN_TLS_FAILED;
    tp_diagnose(f->s);
    assert_silent(f->s, "no-shared-cipher");
    const struct tp_finding *x = assert_fires(f->s, "remote-alert");
    assert_contains(x->summary, "The server sent fatal alert handshake_failure (40) right after our ClientKeyExchange");
    fx_free(f);
}

static void test_remote_alert__internal_error__fires_close_notify_silent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->handshake_complete = false;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    alert(f, TP_S2C, 2, 80);
    alert(f, TP_S2C, 1, 0);
    f->s->outcome.status = TP_CONN_TLS_FAILED;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "remote-alert");
    assert_contains(x->summary, "internal_error (80)");
    assert_silent(f->s, "connection-reset");
    fx_free(f);
}

static void test_deprecated_version__tls10__warning_tls12_silent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->version = TP_TLS1_0;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "deprecated-version");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    assert_contains(x->summary, "TLS 1.0");
    f->s->version = TP_TLS1_2;
    tp_diagnose(f->s);
    assert_silent(f->s, "deprecated-version");
    fx_free(f);
}

/* ---- connection-level ---- */

static void test_not_tls__http_banner__fires_escaped(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->server_verify = NULL;
    f->s->server_chain.n = 0;
    f->s->handshake_complete = false;
    f->s->outcome.status = TP_CONN_NOT_TLS;
    const char banner[] = "HTTP/1.1 400 \x1b[31mBad\r\n";
    memcpy(f->s->outcome.peer_banner, banner, sizeof banner - 1);
    f->s->outcome.peer_banner_len = sizeof banner - 1;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "not-tls");
    assert_contains(x->summary, "plain HTTP");
    assert_contains(x->summary, "\\x1b[31mBad");
    assert_null(strchr(x->summary, '\x1b'));
    assert_silent(f->s, "connection-reset");
    fx_free(f);
}

static void test_proxy__each_status__its_finding_names_the_proxy(void **state)
{
    (void)state;
    static const struct {
        enum tp_proxy_status st;
        const char *id;
    } cases[] = { { TP_PROXY_UNREACHABLE, "proxy-unreachable" },
                  { TP_PROXY_AUTH_REQUIRED, "proxy-auth-required" },
                  { TP_PROXY_REFUSED, "proxy-refused" },
                  { TP_PROXY_UPSTREAM_FAILED, "proxy-upstream-failed" },
                  { TP_PROXY_BAD_REPLY, "proxy-bad-reply" } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx *f = fx_new(TP_SRC_CONNECT);
        f->s->server_verify = NULL;
        f->s->server_chain.n = 0;
        f->s->handshake_complete = false;
        f->s->outcome.status = TP_CONN_PROXY_FAILED;
        snprintf(f->s->proxy.url, sizeof f->s->proxy.url, "http://bob:***@proxy.test:3128");
        snprintf(f->s->proxy.source, sizeof f->s->proxy.source, "HTTPS_PROXY");
        f->s->proxy.status = cases[i].st;
        f->s->proxy.credentials = true;
        snprintf(f->s->proxy.detail, sizeof f->s->proxy.detail, "the proxy said \x1b[31mno");
        tp_diagnose(f->s);
        const struct tp_finding *x = NULL;
        switch (i) {
        case 0: x = assert_fires(f->s, "proxy-unreachable"); break;
        case 1: x = assert_fires(f->s, "proxy-auth-required"); break;
        case 2: x = assert_fires(f->s, "proxy-refused"); break;
        case 3: x = assert_fires(f->s, "proxy-upstream-failed"); break;
        default: x = assert_fires(f->s, "proxy-bad-reply"); break;
        }
        assert_contains(x->summary, "http://bob:***@proxy.test:3128");
        assert_contains(x->summary, "never started");
        assert_contains(x->explanation, "HTTPS_PROXY");
        assert_null(strchr(x->summary, '\x1b'));
        if (cases[i].st == TP_PROXY_AUTH_REQUIRED)
            assert_contains(x->explanation, "rejected");
        assert_int_equal(f->s->n_findings, 1);
        fx_free(f);
    }
    /* the tunnel opened: none of them */
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->proxy.status = TP_PROXY_OK;
    tp_diagnose(f->s);
    assert_int_equal(f->s->n_findings, 0);
    fx_free(f);
}

static void test_tls_inspection__inspector_ca__names_it_and_replaces_unknown_authority(void **state)
{
    (void)state;
    /* a known product's CA, no proxy configured: an error, named */
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->status = TP_PATH_UNKNOWN_AUTHORITY;
    f->v->root_sent = true;
    snprintf(f->v->missing_issuer, sizeof f->v->missing_issuer, "CN=Zscaler Root CA,O=Zscaler Inc.");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "tls-inspection");
    assert_int_equal(x->severity, TP_SEV_ERROR);
    assert_contains(x->summary, "Zscaler Root CA");
    assert_contains(x->explanation, "transparent");
    assert_contains(x->fix, "NO_PROXY");
    assert_silent(f->s, "unknown-authority");
    fx_free(f);
    /* an unknown CA name through a proxy: a warning, unknown-authority stays */
    f = fx_new(TP_SRC_CONNECT);
    f->v->status = TP_PATH_UNKNOWN_AUTHORITY;
    snprintf(f->v->missing_issuer, sizeof f->v->missing_issuer, "CN=Corp Issuing CA");
    f->s->proxy.status = TP_PROXY_OK;
    snprintf(f->s->proxy.url, sizeof f->s->proxy.url, "http://proxy.test:3128");
    tp_diagnose(f->s);
    x = assert_fires(f->s, "tls-inspection");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    assert_contains(x->summary, "http://proxy.test:3128");
    assert_fires(f->s, "unknown-authority");
    fx_free(f);
    /* "ESET" is a whole word only: "RESET Labs CA" is not ESET; no proxy: silent */
    f = fx_new(TP_SRC_CONNECT);
    f->v->status = TP_PATH_UNKNOWN_AUTHORITY;
    snprintf(f->v->missing_issuer, sizeof f->v->missing_issuer, "CN=RESET Labs CA");
    tp_diagnose(f->s);
    assert_silent(f->s, "tls-inspection");
    assert_fires(f->s, "unknown-authority");
    fx_free(f);
    /* a chain that verifies: nothing, whatever its issuer */
    f = fx_new(TP_SRC_CONNECT);
    snprintf(f->v->missing_issuer, sizeof f->v->missing_issuer, "CN=mitmproxy");
    f->s->proxy.status = TP_PROXY_OK;
    tp_diagnose(f->s);
    assert_silent(f->s, "tls-inspection");
    fx_free(f);
    /* the stack fix of unknown-authority serves it */
    assert_non_null(tp_explain_stack_fix("tls-inspection", "java", TP_EXPLAIN_SIDE_CLIENT));
}

static void test_starttls__each_status__its_finding_with_the_servers_words(void **state)
{
    (void)state;
    static const struct {
        enum tp_starttls_status st;
        const char *id;
    } cases[] = { { TP_STARTTLS_UNAVAILABLE, "starttls-unavailable" },
                  { TP_STARTTLS_REFUSED, "starttls-refused" },
                  { TP_STARTTLS_UNEXPECTED, "starttls-unexpected" } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx *f = fx_new(TP_SRC_CONNECT);
        f->s->server_verify = NULL;
        f->s->server_chain.n = 0;
        f->s->handshake_complete = false;
        f->s->outcome.status = TP_CONN_STARTTLS_FAILED;
        snprintf(f->s->starttls.protocol, sizeof f->s->starttls.protocol, "postgres");
        f->s->starttls.status = cases[i].st;
        snprintf(f->s->starttls.detail, sizeof f->s->starttls.detail, "the server said \x1b[31mno");
        tp_diagnose(f->s);
        const struct tp_finding *x = NULL;
        if (i == 0)
            x = assert_fires(f->s, "starttls-unavailable");
        else if (i == 1)
            x = assert_fires(f->s, "starttls-refused");
        else
            x = assert_fires(f->s, "starttls-unexpected");
        assert_contains(x->summary, "STARTTLS (postgres)");
        assert_null(strchr(x->summary, '\x1b'));
        if (i == 0)
            assert_contains(x->fix, "ssl = on");
        assert_int_equal(f->s->n_findings, 1);
        fx_free(f);
    }
    /* upgraded fine: none of them */
    struct fx *f = fx_new(TP_SRC_CONNECT);
    snprintf(f->s->starttls.protocol, sizeof f->s->starttls.protocol, "smtp");
    f->s->starttls.status = TP_STARTTLS_OK;
    tp_diagnose(f->s);
    assert_silent(f->s, "starttls-unavailable");
    assert_silent(f->s, "starttls-refused");
    assert_silent(f->s, "starttls-unexpected");
    fx_free(f);
}

static void test_connection_refused__refused__fires_only(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->server_verify = NULL;
    f->s->server_chain.n = 0;
    f->s->handshake_complete = false;
    f->s->outcome.status = TP_CONN_REFUSED;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "connection-refused");
    assert_contains(x->summary, "192.0.2.10:443");
    assert_int_equal(f->s->n_findings, 1);
    fx_free(f);
}

static void test_connection_refused__server_address_empty__no_dangling_by(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->server_verify = NULL;
    f->s->server_chain.n = 0;
    f->s->handshake_complete = false;
    f->s->outcome.status = TP_CONN_REFUSED;
    f->s->server[0] = '\0';
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "connection-refused");
    assert_null(strstr(x->summary, "by :"));
    assert_contains(x->summary, "Connection refused: nothing is listening");
    f->s->host = strdup("db.example.test");
    tp_diagnose(f->s);
    x = assert_fires(f->s, "connection-refused");
    assert_contains(x->summary, "Connection refused by db.example.test: ");
    f->s->outcome.status = TP_CONN_TIMEOUT;
    f->s->t_connect_us = -1;
    f->s->host[0] = '\0';
    tp_diagnose(f->s);
    x = assert_fires(f->s, "timeout");
    assert_contains(x->summary, "The TCP connection did not complete before the deadline.");
    f->s->outcome.status = TP_CONN_RESOLVE_FAILED;
    tp_diagnose(f->s);
    x = assert_fires(f->s, "name-resolution");
    assert_contains(x->summary, "Could not resolve the host name to an address.");
    fx_free(f);
}

/* connect: TCP up, our ClientHello sent, then the deadline; s2c_bytes came back. */
static struct fx *fx_client_hello_timeout(uint64_t s2c_bytes)
{
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->server_verify = NULL;
    f->s->server_chain.n = 0;
    f->s->handshake_complete = false;
    f->s->t_connect_us = 1000;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    f->s->decode[TP_S2C].bytes = s2c_bytes;
    f->s->outcome.status = TP_CONN_TIMEOUT;
    tp_diagnose(f->s);
    return f;
}

static void test_timeout__no_answer_to_client_hello__fires(void **state)
{
    (void)state;
    struct fx *f = fx_client_hello_timeout(0);
    const struct tp_finding *x = assert_fires(f->s, "timeout");
    assert_contains(x->summary, "never answered the ClientHello");
    assert_int_equal(f->s->n_findings, 1);
    fx_free(f);
}

/* A server that sent 3 bytes and stalled (hostile_peer.py drip) did answer. */
static void test_timeout__partial_answer__counts_the_bytes(void **state)
{
    (void)state;
    struct fx *f = fx_client_hello_timeout(3);
    const struct tp_finding *x = assert_fires(f->s, "timeout");
    assert_contains(x->summary, "answered the ClientHello with 3 bytes but no complete TLS message");
    assert_null(strstr(x->summary, "never answered"));
    fx_free(f);
}

static struct fx *fx_tls_failed(void)
{
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->server_verify = NULL;
    f->s->server_chain.n = f->s->server_chain.n_total = 0;
    f->s->handshake_complete = false;
    f->s->outcome.status = TP_CONN_TLS_FAILED;
    f->s->outcome.lib_error = -404;
    strcpy(f->s->outcome.detail, "a handshake message from the peer is larger than allowed");
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    return f;
}

static void test_handshake_failed__hs_too_large_certificate__names_size_and_limit(void **state)
{
    (void)state;
    struct fx *f = fx_tls_failed();
    f->s->decode[TP_S2C].issue = TP_DEC_HS_TOO_LARGE;
    f->s->decode[TP_S2C].hs_type = TP_HS_CERTIFICATE;
    f->s->decode[TP_S2C].claimed_len = 8820003;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "handshake-failed");
    assert_int_equal(x->severity, TP_SEV_ERROR);
    assert_contains(x->summary, "The server sent a Certificate handshake message claiming 8820003 bytes");
    assert_contains(x->summary, "256 KiB");
    assert_contains(x->explanation, "larger than allowed");
    assert_int_equal(f->s->n_findings, 1);
    assert_int_equal(tp_exit_status(f->s), 1);
    fx_free(f);
}

static void test_handshake_failed__record_too_long__names_tls_limit(void **state)
{
    (void)state;
    struct fx *f = fx_tls_failed();
    f->s->decode[TP_S2C].issue = TP_DEC_RECORD_TOO_LONG;
    f->s->decode[TP_S2C].claimed_len = 65535;
    f->s->decode[TP_S2C].offset = 90;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "handshake-failed");
    assert_contains(x->summary, "record claiming 65535 bytes; TLS allows at most 16,384 + 2,048");
    assert_contains(x->explanation, "not a correct TLS implementation or the bytes are corrupted");
    fx_free(f);
}

static void test_handshake_failed__hello_request_storm__counts_them(void **state)
{
    (void)state;
    struct fx *f = fx_tls_failed();
    for (int i = 0; i < 3; i++)
        msg(f, TP_S2C, TP_HS_HELLO_REQUEST);
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "handshake-failed");
    assert_contains(x->summary, "3 HelloRequest messages");
    fx_free(f);
}

static void test_handshake_failed__one_byte_records__says_library_limitation(void **state)
{
    (void)state;
    struct fx *f = fx_tls_failed();
    f->s->outcome.lib_error = -1; /* not a size or length error */
    f->s->decode[TP_S2C].records = 900;
    f->s->decode[TP_S2C].bytes = 900 * 6;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "handshake-failed");
    assert_contains(x->summary, "900 tiny records");
    assert_contains(x->explanation, "limitation of the probe's TLS library");
    fx_free(f);
}

/* wolfSSL's own size and length errors are named before the tiny-records guess
 * (1-byte records claiming a 250,000-byte message; empty handshake records). */
static void test_handshake_failed__size_or_length_error__names_it_not_tiny(void **state)
{
    (void)state;
    struct fx *f = fx_tls_failed(); /* lib_error -404, HANDSHAKE_SIZE_ERROR */
    f->s->decode[TP_S2C].records = 47788;
    f->s->decode[TP_S2C].bytes = 47788 * 6;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "handshake-failed");
    assert_contains(x->summary, "larger than our TLS library (wolfSSL) accepts");
    assert_null(strstr(x->summary, "tiny"));
    fx_free(f);
    f = fx_tls_failed();
    f->s->outcome.lib_error = -341; /* LENGTH_ERROR */
    f->s->decode[TP_S2C].records = 58000;
    f->s->decode[TP_S2C].bytes = 58000 * 5;
    tp_diagnose(f->s);
    x = assert_fires(f->s, "handshake-failed");
    assert_contains(x->summary, "whose length our TLS library (wolfSSL) rejected");
    assert_null(strstr(x->summary, "tiny"));
    fx_free(f);
}

static void test_handshake_failed__explained_by_alert_or_other_status__silent(void **state)
{
    (void)state;
    struct fx *f = fx_tls_failed();
    alert(f, TP_S2C, 2, 40);
    tp_diagnose(f->s);
    assert_silent(f->s, "handshake-failed");
    assert_int_equal(tp_exit_status(f->s), 1);
    fx_free(f);
    f = fx_tls_failed();
    f->s->outcome.status = TP_CONN_RESET;
    tp_diagnose(f->s);
    assert_silent(f->s, "handshake-failed");
    fx_free(f);
    f = fx_new(TP_SRC_CONNECT);
    tp_diagnose(f->s);
    assert_silent(f->s, "handshake-failed");
    fx_free(f);
}

static void test_handshake_failed__no_facts_no_detail__generic_summary(void **state)
{
    (void)state;
    struct fx *f = fx_tls_failed();
    f->s->outcome.lib_error = -1;
    f->s->outcome.detail[0] = '\0';
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "handshake-failed");
    assert_contains(x->summary, "failed without an alert.");
    fx_free(f);
}

static void test_name_resolution__resolve_failed__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->server_verify = NULL;
    f->s->server_chain.n = 0;
    f->s->handshake_complete = false;
    f->s->host = strdup("nx.example.invalid");
    f->s->outcome.status = TP_CONN_RESOLVE_FAILED;
    strcpy(f->s->outcome.detail, "Name or service not known");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "name-resolution");
    assert_contains(x->summary, "'nx.example.invalid'");
    assert_contains(x->explanation, "Name or service not known");
    assert_int_equal(f->s->n_findings, 1);
    fx_free(f);
}

static void test_connection_reset__closed_after_client_hello__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->server_verify = NULL;
    f->s->server_chain.n = 0;
    f->s->handshake_complete = false;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    f->s->outcome.status = TP_CONN_RESET;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "connection-reset");
    assert_contains(x->summary, "The server reset the connection right after our ClientHello");
    assert_contains(x->explanation, "SNI");
    fx_free(f);
}

static void test_connection_reset__after_empty_client_cert__client_cert_required_instead(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    tls12_mtls_flight(f);
    f->s->outcome.status = TP_CONN_RESET;
    tp_diagnose(f->s);
    assert_fires(f->s, "client-cert-required");
    assert_silent(f->s, "connection-reset");
    fx_free(f);
}

/* ---- client chains (listen with client auth) ---- */

static void test_listen__client_cert_untrusted__unknown_authority_names_client(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_LISTEN);
    f->cleaf = mk_cert("rogue client", "Rogue Root CA", NULL);
    f->s->client_chain.info[0] = f->cleaf;
    f->s->client_chain.n = 1;
    f->s->client_chain.present = true;
    f->cv = mk_verify(TP_PATH_UNKNOWN_AUTHORITY);
    f->cv->name_status = TP_NAME_NOT_CHECKED;
    f->cv->path_len = 1;
    f->cv->path[0] = (struct tp_path_elem){ TP_FROM_SENT, 0, f->cleaf };
    strcpy(f->cv->missing_issuer, "CN=Rogue Root CA");
    f->s->client_verify = f->cv;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "unknown-authority");
    assert_contains(x->summary, "The client's certificate is issued by 'CN=Rogue Root CA'");
    assert_contains(x->fix, "client-CA");
    assert_silent(f->s, "cn-only");
    fx_free(f);
}

static void test_escaping__hostile_cn__no_control_bytes_in_findings(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    free(f->leaf->subject_cn);
    f->leaf->subject_cn = strdup("evil\x1b]0;owned\x07.test");
    f->v->name_status = TP_NAME_MISMATCH;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "hostname-mismatch");
    assert_contains(x->summary, "evil\\x1b]0;owned\\x07.test");
    for (size_t i = 0; i < f->s->n_findings; i++) {
        for (const char *p = f->s->findings[i].summary; *p; p++)
            assert_true((unsigned char)*p >= 0x20);
    }
    fx_free(f);
}

static void test_client_cert_rejected__listen_we_rejected__fires_with_reason(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_LISTEN);
    tls12_mtls_flight(f);
    f->cleaf = mk_cert("expired client", "Example Issuing CA 2", NULL);
    f->s->client_chain.info[0] = f->cleaf;
    f->s->client_chain.n = 1;
    f->cv = mk_verify(TP_PATH_OK);
    f->cv->name_status = TP_NAME_NOT_CHECKED;
    f->cv->path_len = 1;
    f->cv->path[0] = (struct tp_path_elem){ TP_FROM_SENT, 0, f->cleaf };
    f->cv->expired_index = 0;
    f->s->client_verify = f->cv;
    alert(f, TP_S2C, 2, 45);
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "client-cert-rejected");
    assert_contains(x->summary, "We (tlsprobe, the server) rejected the client's certificate 'expired client'");
    assert_contains(x->summary, "has expired");
    const struct tp_finding *e = assert_fires(f->s, "expired");
    assert_contains(e->summary, "The client's certificate chain");
    assert_silent(f->s, "remote-alert");
    fx_free(f);
}

static void test_protocol_version_mismatch__client_refuses_tls10__names_version(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_PCAP);
    f->s->server_verify = NULL;
    f->s->server_chain.n = 0;
    f->s->handshake_complete = false;
    f->s->version = TP_TLS1_0;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    alert(f, TP_C2S, 2, 70);
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "protocol-version-mismatch");
    assert_contains(x->summary, "The client sent protocol_version (70) right after the server's ServerHello");
    assert_contains(x->summary, "(TLS 1.0)");
    assert_silent(f->s, "deprecated-version");
    assert_silent(f->s, "remote-alert");
    fx_free(f);
}

static void test_deprecated_version__listen_client_offers_tls11_only__warning(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_LISTEN);
    f->s->version = 0;
    f->s->offered_max_version = TP_TLS1_1;
    f->s->handshake_complete = false;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "deprecated-version");
    assert_contains(x->summary, "The client offers at most TLS 1.1");
    fx_free(f);
}

static void test_connection_reset__listen_client_hangs_up_after_certificate__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_LISTEN);
    f->s->handshake_complete = false;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    msg(f, TP_S2C, TP_HS_CERTIFICATE);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO_DONE);
    f->s->outcome.status = TP_CONN_CLOSED;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "connection-reset");
    assert_contains(x->summary, "The client closed the connection right after our ServerHelloDone");
    assert_contains(x->explanation, "rejected the certificate silently");
    fx_free(f);
}

static void test_remote_alert__pcap_both_sides__one_finding_per_alert(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_PCAP);
    f->s->handshake_complete = false;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    alert(f, TP_C2S, 2, 47); /* illegal_parameter */
    alert(f, TP_S2C, 2, 80);
    tp_diagnose(f->s);
    assert_int_equal(count(f->s, "remote-alert"), 2);
    assert_contains(get(f->s, "remote-alert")->summary, "The client sent fatal alert illegal_parameter (47)");
    fx_free(f);
}

static void test_unknown_authority__bad_signature__fires_not_self_signed(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->status = TP_PATH_BAD_SIGNATURE;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "unknown-authority");
    assert_contains(x->summary, "signature that does not verify");
    assert_silent(f->s, "self-signed");
    assert_silent(f->s, "missing-intermediate");
    fx_free(f);
}

static void test_unknown_authority__pcap__says_this_machines_store(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_PCAP);
    f->v->status = TP_PATH_UNKNOWN_AUTHORITY;
    strcpy(f->v->missing_issuer, "CN=Example Root");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "unknown-authority");
    assert_contains(x->summary, "neither sent nor in");
    assert_contains(x->explanation, "--cafile");
    assert_contains(x->fix, "is an intermediate CA, serve it after the leaf");
    fx_free(f);
}

static void test_timeout__listen_silent_client__says_client(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_LISTEN);
    f->s->handshake_complete = false;
    f->s->outcome.status = TP_CONN_TIMEOUT;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "timeout");
    assert_contains(x->summary, "The client connected but sent no ClientHello");
    fx_free(f);
}

/* A slowloris client (5 bytes of a ClientHello, then nothing) did send something. */
static void test_timeout__listen_partial_client_hello__counts_the_bytes(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_LISTEN);
    f->s->handshake_complete = false;
    f->s->decode[TP_C2S].bytes = 5;
    f->s->outcome.status = TP_CONN_TIMEOUT;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "timeout");
    assert_contains(x->summary, "The client sent 5 bytes but no complete ClientHello");
    fx_free(f);
}

static void test_client_cert_required__tls13_silent_close_after_empty_cert__fires_optional_auth_silent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->s->client_auth_requested = true;
    msg(f, TP_C2S, TP_HS_CLIENT_HELLO);
    msg(f, TP_S2C, TP_HS_SERVER_HELLO);
    msg(f, TP_S2C, TP_HS_CERTIFICATE_REQUEST);
    msg(f, TP_S2C, TP_HS_FINISHED);
    msg(f, TP_C2S, TP_HS_CERTIFICATE);
    f->s->client_chain.present = true;
    msg(f, TP_C2S, TP_HS_FINISHED);
    /* Optional client auth: the session goes on normally. */
    tp_diagnose(f->s);
    assert_silent(f->s, "client-cert-required");
    assert_int_equal(f->s->n_findings, 0);
    /* Required: the server hangs up without an alert after our Finished. */
    f->s->outcome.status = TP_CONN_RESET;
    tp_diagnose(f->s);
    assert_fires(f->s, "client-cert-required");
    assert_silent(f->s, "connection-reset");
    fx_free(f);
}

/* ---- scan rules (tp_diagnose_scan): a hand-built scan result ---- */
struct scan_fx {
    struct tp_session *s;
};

static struct tp_scan_result *mk_scan(void)
{
    static const uint16_t vers[TP_SCAN_N_VERSIONS] = { TP_SSL3_0, TP_TLS1_0, TP_TLS1_1, TP_TLS1_2, TP_TLS1_3 };
    struct tp_scan_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    snprintf(r->host, sizeof r->host, "server.test");
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++) {
        r->versions[i].version = vers[i];
        r->versions[i].accepted = TP_SCAN_NO;
    }
    /* a good server: TLS 1.2 (ECDHE + AEAD) and TLS 1.3, its own order */
    r->versions[3].accepted = TP_SCAN_YES;
    r->versions[3].suites[0] = 0xc02f;
    r->versions[3].suites[1] = 0xcca8;
    r->versions[3].n_suites = 2;
    r->versions[3].server_order = TP_SCAN_YES;
    r->versions[4].accepted = TP_SCAN_YES;
    r->versions[4].suites[0] = 0x1301;
    r->versions[4].n_suites = 1;
    return r;
}

static void scan_judge(struct scan_fx *f, const struct tp_scan_result *r)
{
    f->s = tp_diagnose_scan(r);
    assert_non_null(f->s);
}

static void test_scan_rules__good_server__no_findings(void **state)
{
    (void)state;
    struct tp_scan_result *r = mk_scan();
    struct scan_fx fx, *f = &fx;
    scan_judge(f, r);
    assert_int_equal(f->s->n_findings, 0);
    tp_session_free(f->s);
    free(r);
}

static void test_scan_rules__old_versions_weak_static_rsa__fire(void **state)
{
    (void)state;
    struct tp_scan_result *r = mk_scan();
    r->versions[1].accepted = TP_SCAN_YES; /* TLS 1.0 with a CBC suite, static RSA, 3DES */
    r->versions[1].suites[0] = 0x002f;
    r->versions[1].suites[1] = 0x000a;
    r->versions[1].n_suites = 2;
    r->versions[4].accepted = TP_SCAN_NO;
    r->versions[4].n_suites = 0;
    r->versions[3].server_order = TP_SCAN_NO;
    struct scan_fx fx, *f = &fx;
    scan_judge(f, r);
    const struct tp_finding *x = assert_fires(f->s, "deprecated-version");
    assert_contains(x->summary, "TLS 1.0");
    assert_contains(x->fix, "nginx");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    x = assert_fires(f->s, "weak-cipher");
    assert_contains(x->summary, "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    assert_contains(x->summary, "TLS_RSA_WITH_AES_128_CBC_SHA"); /* CBC in TLS 1.0 */
    x = assert_fires(f->s, "no-forward-secrecy");
    assert_contains(x->summary, "2 suites");
    x = assert_fires(f->s, "no-tls13");
    x = assert_fires(f->s, "no-server-preference");
    assert_int_equal(x->severity, TP_SEV_INFO);
    assert_contains(x->summary, "TLS 1.2");
    tp_session_free(f->s);
    /* SSL 3.0 is an error */
    r->versions[0].accepted = TP_SCAN_YES;
    scan_judge(f, r);
    x = assert_fires(f->s, "deprecated-version");
    assert_int_equal(x->severity, TP_SEV_ERROR);
    assert_contains(x->summary, "SSL 3.0, TLS 1.0");
    tp_session_free(f->s);
    free(r);
}

static void test_scan_rules__unreachable_or_unknown__silent(void **state)
{
    (void)state;
    struct tp_scan_result *r = mk_scan();
    r->versions[4].accepted = TP_SCAN_ERROR; /* no answer is not "no TLS 1.3" */
    struct scan_fx fx, *f = &fx;
    scan_judge(f, r);
    assert_silent(f->s, "no-tls13");
    tp_session_free(f->s);
    memset(r->versions, 0, sizeof r->versions);
    r->unreachable = true;
    scan_judge(f, r);
    assert_int_equal(f->s->n_findings, 0);
    tp_session_free(f->s);
    free(r);
}

/* The scan rules never fire on a session. */
static void test_scan_rules__on_a_session__silent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    tp_diagnose(f->s);
    assert_silent(f->s, "weak-cipher");
    assert_silent(f->s, "no-forward-secrecy");
    assert_silent(f->s, "no-tls13");
    assert_silent(f->s, "no-server-preference");
    fx_free(f);
}

/* Issue 20.5: public trust stores. A verdict as tp_trust_judge writes it. */
static void trust_fill(struct tp_verify_result *v, const char *root, const enum tp_trust_status st[3],
                       const char *const since[3], const char *const until[3])
{
    static const char *const names[3] = { "Mozilla", "Microsoft", "Android" };
    struct tp_trust_verdict *t = &v->trust;
    memset(t, 0, sizeof *t);
    t->judged = true;
    t->match = TP_TRUST_MATCH_CERT;
    t->alt_index = -1;
    snprintf(t->root, sizeof t->root, "%s", root);
    t->n_stores = 3;
    for (size_t i = 0; i < 3; i++) {
        snprintf(t->stores[i].name, sizeof t->stores[i].name, "%s", names[i]);
        snprintf(t->stores[i].date, sizeof t->stores[i].date, "2026-07-19");
        t->stores[i].status = st[i];
        snprintf(t->stores[i].since, sizeof t->stores[i].since, "%s", since[i]);
        snprintf(t->stores[i].until, sizeof t->stores[i].until, "%s", until[i]);
    }
}

static void test_root_distrusted__removed_and_blocked__names_the_stores(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    const enum tp_trust_status st[3] = { TP_TRUST_REMOVED, TP_TRUST_DISTRUSTED, TP_TRUST_REMOVED };
    trust_fill(f->v, "Old Root X3", st, (const char *const[]){ "2017-12-31", "", "8" },
               (const char *const[]){ "2021-09-25", "", "13" });
    snprintf(f->v->trust.alt_root, sizeof f->v->trust.alt_root, "New Root X1");
    f->v->trust.alt_index = 1;
    f->v->trust.alt_trusted = 3;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "root-distrusted");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    assert_contains(x->summary, "'Old Root X3'");
    assert_contains(x->summary, "Mozilla removed it after 2021-09-25");
    assert_contains(x->summary, "Microsoft distrusts it");
    assert_contains(x->summary, "Android had it only in 8 to 13");
    assert_contains(x->fix, "'New Root X1' (path #1)");
    assert_silent(f->s, "root-not-universally-trusted");
    fx_free(f);
}

static void test_root_not_universally_trusted__absent_and_recent__names_the_stores(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    const enum tp_trust_status st[3] = { TP_TRUST_TRUSTED, TP_TRUST_ABSENT, TP_TRUST_TRUSTED };
    trust_fill(f->v, "Young Root", st, (const char *const[]){ "2024-01-01", "", "14" },
               (const char *const[]){ "", "", "" });
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "root-not-universally-trusted");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    assert_contains(x->summary, "Microsoft does not have it");
    assert_contains(x->summary, "Android has it only since 14");
    assert_true(strstr(x->summary, "Mozilla") == NULL); /* a dated store updates its clients */
    assert_silent(f->s, "root-distrusted");
    fx_free(f);
}

static void test_root_trust__everywhere_or_not_judged__silent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    const enum tp_trust_status st[3] = { TP_TRUST_TRUSTED, TP_TRUST_TRUSTED, TP_TRUST_TRUSTED };
    trust_fill(f->v, "Good Root", st, (const char *const[]){ "", "2018-09-23", "" },
               (const char *const[]){ "", "", "" });
    tp_diagnose(f->s);
    assert_silent(f->s, "root-distrusted");
    assert_silent(f->s, "root-not-universally-trusted");
    fx_free(f);
    f = fx_new(TP_SRC_CONNECT); /* no data file: nothing judged, nothing said */
    tp_diagnose(f->s);
    assert_silent(f->s, "root-distrusted");
    assert_silent(f->s, "root-not-universally-trusted");
    fx_free(f);
}

/* ---- Certificate Transparency ---- */

/* The leaf's SCTs as the verifier judged them: n SCTs, bad of them not verifying. */
static struct tp_ct_result *mk_ct(size_t n, size_t bad, bool ok)
{
    struct tp_ct_result *ct = calloc(1, sizeof *ct);
    ct->n = ct->n_total = n;
    for (size_t i = 0; i < n; i++) {
        ct->scts[i].status = i < bad ? TP_SCT_BAD_SIGNATURE : TP_SCT_VERIFIED;
        ct->scts[i].log_known = true;
        snprintf(ct->scts[i].log_name, sizeof ct->scts[i].log_name, "Example 'Log%zu'", i);
        snprintf(ct->scts[i].log_operator, sizeof ct->scts[i].log_operator, "Example Op");
    }
    ct->n_bad = bad;
    ct->n_verified = n - bad;
    ct->chrome_ok = ct->apple_ok = ok;
    if (!ok)
        snprintf(ct->missing, sizeof ct->missing,
                 "Chrome and Apple: embedded SCTs from 1 log counted of 2 needed (lifetime up to 180 days), from 1 "
                 "operator of 2 needed");
    snprintf(ct->logs_desc, sizeof ct->logs_desc, "built-in list (26 logs)");
    return ct;
}

static void test_ct_insufficient__one_sct__warning_says_what_is_missing(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->ct = mk_ct(1, 0, false);
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "ct-insufficient");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    assert_contains(x->summary, "1 log counted of 2 needed");
    assert_contains(x->summary, "1 operator of 2");
    assert_silent(f->s, "sct-bad-signature");
    assert_int_equal(tp_exit_status(f->s), 0);
    fx_free(f);
}

static void test_ct_insufficient__enough_scts__silent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->ct = mk_ct(2, 0, true);
    tp_diagnose(f->s);
    assert_silent(f->s, "ct-insufficient");
    assert_silent(f->s, "sct-bad-signature");
    fx_free(f);
}

static void test_ct_insufficient__only_unknown_logs_short__silent(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->ct = mk_ct(2, 0, false);
    f->v->ct->scts[0].status = f->v->ct->scts[1].status = TP_SCT_UNKNOWN_LOG;
    f->v->ct->n_unknown = 2;
    f->v->ct->n_verified = 0;
    f->v->ct->undetermined = true;
    tp_diagnose(f->s);
    assert_silent(f->s, "ct-insufficient");
    assert_silent(f->s, "sct-bad-signature");
    assert_int_equal(tp_exit_status(f->s), 0);
    fx_free(f);
}

static void test_sct_bad_signature__one_bad__names_the_log(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    f->v->ct = mk_ct(2, 1, false);
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "sct-bad-signature");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    assert_contains(x->summary, "Example 'Log0' (Example Op) embedded in the certificate");
    const struct tp_finding *y = assert_fires(f->s, "ct-insufficient");
    assert_contains(y->explanation, "1 SCT did not verify");
    assert_true(x < y); /* the cause first */
    fx_free(f);
}

/* ---- revocation: the stapled OCSP response ---- */

/* A judged staple about the fixture's leaf, as session/staple.c leaves it. */
static struct tp_ocsp_single *staple(struct fx *f, enum tp_ocsp_cert_status status)
{
    struct tp_staple *st = calloc(1, sizeof *st);
    struct tp_ocsp_response *r = calloc(1, sizeof *r);
    assert_non_null(st);
    assert_non_null(r);
    r->singles = calloc(1, sizeof *r->singles);
    assert_non_null(r->singles);
    st->requested = st->present = st->issuer_known = true;
    st->resp = r;
    st->single = 0;
    st->sig.status = TP_OCSP_SIG_OK;
    r->has_basic = true;
    r->n_singles = r->n_singles_total = 1;
    r->produced_at = time(NULL) - 3600;
    struct tp_ocsp_single *sr = &r->singles[0];
    sr->status = status;
    sr->revocation_reason = -1;
    sr->this_update = time(NULL) - 3600;
    sr->has_next_update = true;
    sr->next_update = time(NULL) + 6 * 86400;
    f->s->staple = st;
    return sr;
}

static void test_revoked__signed_revoked_staple__fires_with_date_and_reason(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    struct tp_ocsp_single *sr = staple(f, TP_OCSP_REVOKED);
    sr->revocation_time = 1735787045; /* 2025-01-02 */
    sr->revocation_reason = 1;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "revoked");
    assert_int_equal(x->severity, TP_SEV_ERROR);
    assert_contains(x->summary, "2025-01-02");
    assert_contains(x->summary, "keyCompromise");
    assert_contains(x->fix, "new certificate");
    assert_int_equal(tp_exit_status(f->s), 1);
    fx_free(f);
    /* a revoked status in a response whose signature fails is not believed */
    f = fx_new(TP_SRC_CONNECT);
    staple(f, TP_OCSP_REVOKED);
    f->s->staple->sig.status = TP_OCSP_SIG_BAD;
    snprintf(f->s->staple->sig.why, sizeof f->s->staple->sig.why, "The signature does not verify.");
    tp_diagnose(f->s);
    assert_silent(f->s, "revoked");
    assert_fires(f->s, "ocsp-bad-signature");
    fx_free(f);
}

static void test_ocsp_bad_signature__bad_or_undecodable__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    staple(f, TP_OCSP_GOOD);
    f->s->staple->sig.status = TP_OCSP_SIG_BAD_DELEGATE;
    snprintf(f->s->staple->sig.why, sizeof f->s->staple->sig.why,
             "The responder certificate 'x' lacks the id-kp-OCSPSigning extended key usage.");
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "ocsp-bad-signature");
    assert_int_equal(x->severity, TP_SEV_WARNING);
    assert_contains(x->summary, "OCSPSigning");
    fx_free(f);
    f = fx_new(TP_SRC_CONNECT);
    staple(f, TP_OCSP_GOOD);
    tp_ocsp_free(f->s->staple->resp);
    f->s->staple->resp = NULL;
    f->s->staple->parse_err = TP_ERR_MALFORMED;
    f->s->staple->must_staple = true;
    tp_diagnose(f->s);
    x = assert_fires(f->s, "ocsp-bad-signature");
    assert_int_equal(x->severity, TP_SEV_ERROR); /* Must-Staple: clients refuse */
    assert_contains(x->summary, "does not decode");
    fx_free(f);
}

static void test_ocsp_stale__next_update_past__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    struct tp_ocsp_single *sr = staple(f, TP_OCSP_GOOD);
    sr->this_update = time(NULL) - 10 * 86400;
    sr->next_update = time(NULL) - 3 * 86400;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "ocsp-stale");
    assert_contains(x->summary, "3 days ago");
    assert_silent(f->s, "ocsp-not-yet-valid");
    fx_free(f);
    /* judged at --at: the same response is fresh a week earlier */
    f = fx_new(TP_SRC_CONNECT);
    sr = staple(f, TP_OCSP_GOOD);
    sr->this_update = time(NULL) - 10 * 86400;
    sr->next_update = time(NULL) - 3 * 86400;
    f->s->judge_time = time(NULL) - 7 * 86400;
    tp_diagnose(f->s);
    assert_silent(f->s, "ocsp-stale");
    fx_free(f);
}

static void test_ocsp_not_yet_valid__this_update_future__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    struct tp_ocsp_single *sr = staple(f, TP_OCSP_GOOD);
    sr->this_update = time(NULL) + 86400;
    tp_diagnose(f->s);
    assert_fires(f->s, "ocsp-not-yet-valid");
    fx_free(f);
    f = fx_new(TP_SRC_CONNECT);
    sr = staple(f, TP_OCSP_GOOD);
    sr->this_update = time(NULL) + 60; /* within the allowed skew */
    tp_diagnose(f->s);
    assert_silent(f->s, "ocsp-not-yet-valid");
    fx_free(f);
}

static void test_must_staple_missing__asked_none_came__fires(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    staple(f, TP_OCSP_GOOD);
    tp_ocsp_free(f->s->staple->resp);
    f->s->staple->resp = NULL;
    f->s->staple->present = false;
    f->s->staple->must_staple = true;
    f->leaf->must_staple = true;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "must-staple-missing");
    assert_int_equal(x->severity, TP_SEV_ERROR);
    assert_contains(x->fix, "SSLUseStapling");
    assert_silent(f->s, "ocsp-unavailable");
    fx_free(f);
}

static void test_ocsp_unavailable__try_later__fires_as_info(void **state)
{
    (void)state;
    struct fx *f = fx_new(TP_SRC_CONNECT);
    staple(f, TP_OCSP_GOOD);
    f->s->staple->resp->response_status = TP_OCSP_TRY_LATER;
    f->s->staple->resp->has_basic = false;
    f->s->staple->single = -1;
    tp_diagnose(f->s);
    const struct tp_finding *x = assert_fires(f->s, "ocsp-unavailable");
    assert_int_equal(x->severity, TP_SEV_INFO);
    assert_contains(x->summary, "tryLater");
    assert_int_equal(tp_exit_status(f->s), 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diagnose__good_tls13_connect__no_findings),
        cmocka_unit_test(test_diagnose__run_twice__idempotent),
        cmocka_unit_test(test_unknown_authority__issuer_not_in_store__fires_alone),
        cmocka_unit_test(test_unknown_authority__untrusted_root_sent__no_chain_contains_root),
        cmocka_unit_test(test_unknown_authority__intermediate_via_aia__says_it_was_not_sent),
        cmocka_unit_test(test_chain_contains_root__self_signed_leaf_trusted__silent),
        cmocka_unit_test(test_self_signed__lone_leaf__fires_alone),
        cmocka_unit_test(test_missing_intermediate__found_via_aia__fires_alone_names_it),
        cmocka_unit_test(test_hostname_mismatch__connect__error_with_names),
        cmocka_unit_test(test_hostname_mismatch__listen_sni__warning),
        cmocka_unit_test(test_cn_only__cn_matches_no_san__fires_not_mismatch),
        cmocka_unit_test(test_expired__leaf__fires_with_date_not_expiring_soon),
        cmocka_unit_test(test_expired__intermediate__says_intermediate),
        cmocka_unit_test(test_expired__pcap__judged_at_capture_time),
        cmocka_unit_test(test_not_yet_valid__leaf__fires),
        cmocka_unit_test(test_expiring_soon__leaf_in_10_days__warning_exit_0),
        cmocka_unit_test(test_ct_insufficient__one_sct__warning_says_what_is_missing),
        cmocka_unit_test(test_ct_insufficient__enough_scts__silent),
        cmocka_unit_test(test_sct_bad_signature__one_bad__names_the_log),
        cmocka_unit_test(test_ct_insufficient__only_unknown_logs_short__silent),
        cmocka_unit_test(test_chain_order__int_before_leaf__fires),
        cmocka_unit_test(test_extra_certificates__trailing_unrelated__fires_not_chain_order),
        cmocka_unit_test(test_chain_contains_root__trusted_root_sent__warning),
        cmocka_unit_test(test_path_problem__each_id__fires_once_with_its_text_and_tried_paths),
        cmocka_unit_test(test_name_constraint_violation__intermediate__names_ca_and_name),
        cmocka_unit_test(test_ca_not_authorized__leaf_as_issuer__fires),
        cmocka_unit_test(test_path_length_exceeded__fires),
        cmocka_unit_test(test_issuer_eku_mismatch__fires_says_clients_differ),
        cmocka_unit_test(test_unknown_critical_extension__fires),
        cmocka_unit_test(test_malformed_certificate__bad_extension__fires),
        cmocka_unit_test(test_path_building_limit__limited_and_not_valid__fires),
        cmocka_unit_test(test_chain_too_long__truncated__warning),
        cmocka_unit_test(test_weak_key__rsa1024_leaf__fires),
        cmocka_unit_test(test_weak_signature__sha1_leaf__fires),
        cmocka_unit_test(test_wrong_key_usage__client_auth_only_leaf__fires),
        cmocka_unit_test(test_key_mismatch__check_wrong_key__fires_good_key_silent),
        cmocka_unit_test(test_check__leaf_without_san_no_host__no_cn_only),
        cmocka_unit_test(test_client_cert_required__tls12_handshake_failure_after_empty_cert__fires),
        cmocka_unit_test(test_client_cert_required__tls13_certificate_required_after_finished__fires),
        cmocka_unit_test(test_client_cert_required__listen_client_sent_none__fires),
        cmocka_unit_test(test_client_cert_rejected__unknown_ca_after_our_cert__fires),
        cmocka_unit_test(test_server_cert_rejected__listen_client_unknown_ca__fires),
        cmocka_unit_test(test_server_cert_rejected__pcap__says_the_client_the_server),
        cmocka_unit_test(test_server_cert_rejected__connect_our_own_alert__silent),
        cmocka_unit_test(test_protocol_version_mismatch__server_alert_70_after_hello__fires),
        cmocka_unit_test(test_no_shared_cipher__handshake_failure_before_server_hello__names_offer),
        cmocka_unit_test(test_no_shared_cipher__handshake_failure_after_server_hello__remote_alert_instead),
        cmocka_unit_test(test_remote_alert__internal_error__fires_close_notify_silent),
        cmocka_unit_test(test_deprecated_version__tls10__warning_tls12_silent),
        cmocka_unit_test(test_not_tls__http_banner__fires_escaped),
        cmocka_unit_test(test_starttls__each_status__its_finding_with_the_servers_words),
        cmocka_unit_test(test_proxy__each_status__its_finding_names_the_proxy),
        cmocka_unit_test(test_tls_inspection__inspector_ca__names_it_and_replaces_unknown_authority),
        cmocka_unit_test(test_connection_refused__refused__fires_only),
        cmocka_unit_test(test_connection_refused__server_address_empty__no_dangling_by),
        cmocka_unit_test(test_timeout__no_answer_to_client_hello__fires),
        cmocka_unit_test(test_timeout__partial_answer__counts_the_bytes),
        cmocka_unit_test(test_name_resolution__resolve_failed__fires),
        cmocka_unit_test(test_handshake_failed__hs_too_large_certificate__names_size_and_limit),
        cmocka_unit_test(test_handshake_failed__record_too_long__names_tls_limit),
        cmocka_unit_test(test_handshake_failed__hello_request_storm__counts_them),
        cmocka_unit_test(test_handshake_failed__one_byte_records__says_library_limitation),
        cmocka_unit_test(test_handshake_failed__size_or_length_error__names_it_not_tiny),
        cmocka_unit_test(test_handshake_failed__explained_by_alert_or_other_status__silent),
        cmocka_unit_test(test_handshake_failed__no_facts_no_detail__generic_summary),
        cmocka_unit_test(test_connection_reset__closed_after_client_hello__fires),
        cmocka_unit_test(test_connection_reset__after_empty_client_cert__client_cert_required_instead),
        cmocka_unit_test(test_listen__client_cert_untrusted__unknown_authority_names_client),
        cmocka_unit_test(test_escaping__hostile_cn__no_control_bytes_in_findings),
        cmocka_unit_test(test_client_cert_rejected__listen_we_rejected__fires_with_reason),
        cmocka_unit_test(test_protocol_version_mismatch__client_refuses_tls10__names_version),
        cmocka_unit_test(test_deprecated_version__listen_client_offers_tls11_only__warning),
        cmocka_unit_test(test_connection_reset__listen_client_hangs_up_after_certificate__fires),
        cmocka_unit_test(test_remote_alert__pcap_both_sides__one_finding_per_alert),
        cmocka_unit_test(test_unknown_authority__bad_signature__fires_not_self_signed),
        cmocka_unit_test(test_unknown_authority__pcap__says_this_machines_store),
        cmocka_unit_test(test_timeout__listen_silent_client__says_client),
        cmocka_unit_test(test_timeout__listen_partial_client_hello__counts_the_bytes),
        cmocka_unit_test(test_client_cert_required__tls13_silent_close_after_empty_cert__fires_optional_auth_silent),
        cmocka_unit_test(test_scan_rules__good_server__no_findings),
        cmocka_unit_test(test_scan_rules__old_versions_weak_static_rsa__fire),
        cmocka_unit_test(test_scan_rules__unreachable_or_unknown__silent),
        cmocka_unit_test(test_scan_rules__on_a_session__silent),
        cmocka_unit_test(test_root_distrusted__removed_and_blocked__names_the_stores),
        cmocka_unit_test(test_root_not_universally_trusted__absent_and_recent__names_the_stores),
        cmocka_unit_test(test_root_trust__everywhere_or_not_judged__silent),
        cmocka_unit_test(test_revoked__signed_revoked_staple__fires_with_date_and_reason),
        cmocka_unit_test(test_ocsp_bad_signature__bad_or_undecodable__fires),
        cmocka_unit_test(test_ocsp_stale__next_update_past__fires),
        cmocka_unit_test(test_ocsp_not_yet_valid__this_update_future__fires),
        cmocka_unit_test(test_must_staple_missing__asked_none_came__fires),
        cmocka_unit_test(test_ocsp_unavailable__try_later__fires_as_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
