/* Rule scenarios as data (model: BearSSL test/x509/alltests.txt): each stanza of
 * tests/unit/rule_scenarios.txt describes the facts of one session (role,
 * outcome, transcript, the verify result of the chains) and the finding ids
 * the judge must give, in order. Every rule id appears in some stanza's
 * expect line; suppression cases are stanzas too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tlsprobe/diagnose.h"
#include "tlsprobe/names.h"
#include "tlsprobe/scan.h"
#include "tlsprobe/sct.h"
#include "tlsprobe/wire.h"
#include "testutil.h"

#define DAY 86400

/* ---- one scenario's session ---- */

struct scen {
    char name[128];
    struct tp_session *s;
    struct tp_verify_result *v, *cv;
    struct tp_cert_info *cert[5]; /* leaf, intermediate, root, extra, client leaf */
    bool check;
    struct tp_check_facts cf;
    char expect[1024];
    int line;
    struct tp_scan_result *scan; /* role scan: what the server accepts (tp_diagnose_scan) */
};

static struct tp_cert_info *mk_cert(const char *cn, const char *issuer_cn)
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
    strcpy(ci->sig_alg, "ecdsa-with-SHA256");
    ci->self_issued = ci->self_signed = !strcmp(cn, issuer_cn);
    ci->is_ca = ci->self_signed || strstr(cn, "CA") != NULL;
    ci->path_len = -1;
    return ci;
}

static void free_cert(struct tp_cert_info *ci)
{
    if (!ci)
        return;
    free(ci->subject);
    free(ci->subject_cn);
    free(ci->issuer);
    free(ci);
}

static enum tp_path_status path_status(const char *w)
{
    static const struct { const char *name; enum tp_path_status st; } tab[] = {
        { "ok", TP_PATH_OK }, { "unknown-authority", TP_PATH_UNKNOWN_AUTHORITY },
        { "self-signed", TP_PATH_SELF_SIGNED }, { "missing-intermediate", TP_PATH_MISSING_INTERMEDIATE },
        { "bad-signature", TP_PATH_BAD_SIGNATURE },
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(w, tab[i].name))
            return tab[i].st;
    fail_msg("unknown chain status '%s'", w);
    return TP_PATH_OK;
}

static struct tp_verify_result *mk_verify(enum tp_path_status st, struct tp_cert_info *const *path, size_t n)
{
    struct tp_verify_result *v = calloc(1, sizeof *v);
    v->status = st;
    v->order_ok = true;
    v->misordered_index = v->expired_index = v->not_yet_valid_index = v->expiring_soon_index = -1;
    v->weak_key_index = v->weak_sig_index = -1;
    v->leaf_ku_ok = v->leaf_eku_ok = true;
    v->name_status = TP_NAME_OK;
    strcpy(v->name, "api.example.test");
    strcpy(v->store_desc, "the test store (3 roots)");
    strcpy(v->missing_issuer, "CN=Unknown CA");
    for (size_t i = 0; i < n; i++)
        v->path[v->path_len++] = (struct tp_path_elem){ i + 1 < n || n == 1 ? TP_FROM_SENT : TP_FROM_STORE,
                                                       (int)i, path[i] };
    v->n_sent = n > 1 ? n - 1 : n;
    return v;
}

static void scen_free(struct scen *x)
{
    if (x->s) {
        x->s->server_verify = x->s->client_verify = NULL;
        memset(&x->s->server_chain, 0, sizeof x->s->server_chain);
        memset(&x->s->client_chain, 0, sizeof x->s->client_chain);
        tp_session_free(x->s);
    }
    if (x->v)
        free(x->v->ct);
    free(x->v);
    free(x->cv);
    free(x->scan);
    for (size_t i = 0; i < 5; i++)
        free_cert(x->cert[i]);
    memset(x, 0, sizeof *x);
}

/* ---- the keys of a stanza ---- */

static uint16_t version(const char *w)
{
    if (!strcmp(w, "none"))
        return 0;
    if (!strcmp(w, "3.0"))
        return TP_SSL3_0;
    if (!strcmp(w, "1.0"))
        return TP_TLS1_0;
    if (!strcmp(w, "1.1"))
        return TP_TLS1_1;
    if (!strcmp(w, "1.2"))
        return TP_TLS1_2;
    return TP_TLS1_3;
}

static void set_role(struct scen *x, const char *w)
{
    enum tp_source src = !strcmp(w, "listen") ? TP_SRC_LISTEN : !strcmp(w, "pcap") ? TP_SRC_PCAP : TP_SRC_CONNECT;
    x->check = !strcmp(w, "check");
    x->s->source = src;
    if (!strcmp(w, "scan")) {
        static const uint16_t vers[TP_SCAN_N_VERSIONS] = { TP_SSL3_0, TP_TLS1_0, TP_TLS1_1, TP_TLS1_2, TP_TLS1_3 };
        x->scan = calloc(1, sizeof *x->scan);
        assert_non_null(x->scan);
        for (int i = 0; i < TP_SCAN_N_VERSIONS; i++) {
            x->scan->versions[i].version = vers[i];
            x->scan->versions[i].accepted = TP_SCAN_NO;
        }
    }
}

/* scan: the version's entry of the scan result. */
static struct tp_scan_version *scan_version(struct scen *x, const char *w)
{
    uint16_t v = version(w);
    if (!x->scan)
        fail_msg("line %d: a scan key without 'role = scan'", x->line);
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++)
        if (x->scan->versions[i].version == v)
            return &x->scan->versions[i];
    fail_msg("line %d: no version '%s'", x->line, w);
    return NULL;
}

static void scan_accepts(struct scen *x, const char *w)
{
    scan_version(x, w)->accepted = TP_SCAN_YES;
}

/* V:hex,hex (the suites accepted in V) */
static void scan_suites(struct scen *x, const char *w)
{
    char v[8];
    const char *colon = strchr(w, ':');
    if (!colon || (size_t)(colon - w) >= sizeof v)
        fail_msg("line %d: suites = V:hex,hex", x->line);
    memcpy(v, w, (size_t)(colon - w));
    v[colon - w] = 0;
    struct tp_scan_version *sv = scan_version(x, v);
    for (const char *p = colon + 1; *p && sv->n_suites < TP_SCAN_MAX_SUITES;) {
        char *end;
        sv->suites[sv->n_suites++] = (uint16_t)strtoul(p, &end, 16);
        p = *end == ',' ? end + 1 : end;
    }
}

/* V:server or V:client */
static void scan_order(struct scen *x, const char *w)
{
    char v[8];
    const char *colon = strchr(w, ':');
    if (!colon || (size_t)(colon - w) >= sizeof v)
        fail_msg("line %d: order = V:server|client", x->line);
    memcpy(v, w, (size_t)(colon - w));
    v[colon - w] = 0;
    scan_version(x, v)->server_order = !strcmp(colon + 1, "server") ? TP_SCAN_YES : TP_SCAN_NO;
}

static void set_outcome(struct scen *x, const char *w)
{
    static const struct { const char *name; enum tp_conn_status st; } tab[] = {
        { "ok", TP_CONN_OK }, { "resolve-failed", TP_CONN_RESOLVE_FAILED }, { "refused", TP_CONN_REFUSED },
        { "timeout", TP_CONN_TIMEOUT }, { "reset", TP_CONN_RESET }, { "closed", TP_CONN_CLOSED },
        { "not-tls", TP_CONN_NOT_TLS }, { "tls-failed", TP_CONN_TLS_FAILED },
        { "starttls-failed", TP_CONN_STARTTLS_FAILED }, { "proxy-failed", TP_CONN_PROXY_FAILED },
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(w, tab[i].name)) {
            x->s->outcome.status = tab[i].st;
            x->s->handshake_complete = tab[i].st == TP_CONN_OK;
            return;
        }
    fail_msg("line %d: unknown outcome '%s'", x->line, w);
}

static void add_msg(struct scen *x, const char *w)
{
    static const struct { const char *name; int hs; } hs[] = {
        { "ClientHello", TP_HS_CLIENT_HELLO }, { "ServerHello", TP_HS_SERVER_HELLO },
        { "Certificate", TP_HS_CERTIFICATE }, { "CertificateRequest", TP_HS_CERTIFICATE_REQUEST },
        { "ServerHelloDone", TP_HS_SERVER_HELLO_DONE }, { "ClientKeyExchange", TP_HS_CLIENT_KEY_EXCHANGE },
        { "Finished", TP_HS_FINISHED }, { "HelloRequest", TP_HS_HELLO_REQUEST },
    };
    enum tp_dir dir = w[0] == 'C' ? TP_C2S : TP_S2C;
    const char *m = w + 2;
    unsigned desc;
    if (sscanf(m, "fatal:%u", &desc) == 1 || sscanf(m, "warning:%u", &desc) == 1) {
        struct tp_msg *a = tp_session_add_msg(x->s, dir, TP_MSG_ALERT, 0);
        a->alert_level = m[0] == 'f' ? TP_ALERT_LEVEL_FATAL : TP_ALERT_LEVEL_WARNING;
        a->alert_desc = (uint8_t)desc;
        a->length = 2;
        return;
    }
    if (!strcmp(m, "CCS") || !strcmp(m, "Encrypted")) {
        tp_session_add_msg(x->s, dir, m[0] == 'C' ? TP_MSG_CCS : TP_MSG_ENCRYPTED, 0);
        return;
    }
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
        if (!strcmp(m, hs[i].name)) {
            tp_session_add_msg(x->s, dir, TP_MSG_HANDSHAKE, 0)->hs_type = (uint8_t)hs[i].hs;
            if (dir == TP_C2S && hs[i].hs == TP_HS_CERTIFICATE)
                x->s->client_chain.present = true;
            return;
        }
    fail_msg("line %d: unknown message '%s'", x->line, w);
}

/* The server's chain: leaf and intermediate sent, root from the store. */
static void set_chain(struct scen *x, const char *w)
{
    if (!strcmp(w, "none"))
        return;
    struct tp_chain *ch = &x->s->server_chain;
    enum tp_path_status st = path_status(w);
    if (st == TP_PATH_SELF_SIGNED) {
        free(x->cert[0]->issuer);
        x->cert[0]->issuer = strdup(x->cert[0]->subject);
        x->cert[0]->self_signed = true;
        x->v = mk_verify(st, x->cert, 1);
        ch->n = 1;
    } else {
        x->v = mk_verify(st, x->cert, 3);
        ch->n = 2;
        ch->info[1] = x->cert[1];
    }
    ch->info[0] = x->cert[0];
    ch->n_total = ch->n;
    ch->present = true;
    x->s->server_verify = x->v;
}

static void set_client_chain(struct scen *x, const char *w)
{
    x->cv = mk_verify(path_status(w), &x->cert[4], 1);
    x->s->client_chain.n = x->s->client_chain.n_total = 1;
    x->s->client_chain.info[0] = x->cert[4];
    x->s->client_chain.present = true;
    x->s->client_verify = x->cv;
}

/* Append a sent certificate (root or extra) to the server chain. */
static int send_more(struct scen *x, struct tp_cert_info *ci)
{
    struct tp_chain *ch = &x->s->server_chain;
    ch->info[ch->n++] = ci;
    ch->n_total = ch->n;
    x->v->n_sent = ch->n;
    return (int)ch->n - 1;
}

static void set_fact(struct scen *x, const char *w)
{
    struct tp_verify_result *v = x->v;
    int i = -1;
    const char *eq = strchr(w, '=');
    if (eq)
        i = atoi(eq + 1);
    assert_non_null(v);
    if (!strncmp(w, "expired=", 8))
        v->expired_index = i;
    else if (!strncmp(w, "not-yet-valid=", 14))
        v->not_yet_valid_index = i;
    else if (!strncmp(w, "expiring=", 9))
        v->expiring_soon_index = i;
    else if (!strncmp(w, "weak-key=", 9))
        v->weak_key_index = i;
    else if (!strncmp(w, "weak-sig=", 9))
        v->weak_sig_index = i;
    else if (!strncmp(w, "misordered=", 11)) {
        v->order_ok = false;
        v->misordered_index = i;
    } else if (!strcmp(w, "name-mismatch"))
        v->name_status = TP_NAME_MISMATCH;
    else if (!strcmp(w, "cn-only"))
        v->name_status = TP_NAME_OK_CN_ONLY;
    else if (!strcmp(w, "eku-bad"))
        v->leaf_eku_ok = false;
    else if (!strncmp(w, "scts=", 5) && !v->ct) {
        /* scts=N[/B][!|?]: N SCTs judged, B of them bad signatures; '!' the
         * policies are met (default: not); '?' the others from unknown logs */
        v->ct = calloc(1, sizeof *v->ct);
        unsigned n = 0, b = 0;
        if (sscanf(w + 5, "%u/%u", &n, &b) < 1 || n > TP_MAX_CT_SCTS || b > n)
            fail_msg("bad scts= in %s", w);
        v->ct->n = v->ct->n_total = n;
        for (unsigned k = 0; k < n; k++) {
            v->ct->scts[k].status = k < b ? TP_SCT_BAD_SIGNATURE : TP_SCT_VERIFIED;
            snprintf(v->ct->scts[k].log_name, sizeof v->ct->scts[k].log_name, "Log %u", k);
            snprintf(v->ct->scts[k].log_operator, sizeof v->ct->scts[k].log_operator, "Op");
        }
        v->ct->n_bad = b;
        v->ct->n_verified = n - b;
        v->ct->chrome_ok = v->ct->apple_ok = strchr(w, '!') != NULL;
        if (strchr(w, '?')) { /* the SCTs not bad are from logs not in the list */
            for (unsigned k = b; k < n; k++)
                v->ct->scts[k].status = TP_SCT_UNKNOWN_LOG;
            v->ct->n_unknown = n - b;
            v->ct->n_verified = 0;
            v->ct->undetermined = true;
        }
        if (!v->ct->chrome_ok)
            snprintf(v->ct->missing, sizeof v->ct->missing, "Chrome and Apple: embedded SCTs from %u logs", n - b);
    }
    else if (!strcmp(w, "root-sent")) {
        v->root_sent = true;
        send_more(x, x->cert[2]);
    } else if (!strcmp(w, "extra")) {
        v->extra_index[v->n_extra++] = send_more(x, x->cert[3]);
    } else if (!strcmp(w, "truncated")) {
        v->sent_truncated = true;
        v->n_sent = 300;
        v->n_used = 256;
    } else if (!strcmp(w, "limited")) {
        v->search_limited = true;
        v->n_paths = 100;
    } else if (!strcmp(w, "root-removed") || !strcmp(w, "root-missing")) {
        /* the public trust-store verdict (truststores.h): one store has the root, the
         * other removed it (root-removed) or never had it (root-missing) */
        struct tp_trust_verdict *t = &v->trust;
        t->judged = true;
        t->match = TP_TRUST_MATCH_CERT;
        t->alt_index = -1;
        t->n_stores = 2;
        snprintf(t->root, sizeof t->root, "Example Root");
        snprintf(t->stores[0].name, sizeof t->stores[0].name, "Mozilla");
        t->stores[0].status = TP_TRUST_TRUSTED;
        snprintf(t->stores[1].name, sizeof t->stores[1].name, "Android");
        t->stores[1].status = w[5] == 'r' ? TP_TRUST_REMOVED : TP_TRUST_ABSENT;
        snprintf(t->stores[1].since, sizeof t->stores[1].since, "8");
        snprintf(t->stores[1].until, sizeof t->stores[1].until, "13");
    } else if (!strncmp(w, "problem=", 8)) {
        struct tp_path_problem *p = &v->problems[v->n_problems++];
        snprintf(p->id, sizeof p->id, "%s", w + 8);
        snprintf(p->text, sizeof p->text, "The intermediate 'Example CA' objects to the leaf");
    } else
        fail_msg("line %d: unknown fact '%s'", x->line, w);
}

/* staple = none | good | revoked | stale | notyet | bad-sig | undecodable |
 * try-later | other-cert | unknown: a judged OCSP staple (session/staple.c) built by hand;
 * the client asked for it in every case. */
static void set_staple(struct scen *x, const char *val)
{
    time_t now = time(NULL);
    struct tp_staple *st = calloc(1, sizeof *st);
    assert_non_null(st);
    st->requested = true;
    st->single = -1;
    st->issuer_known = true;
    x->s->staple = st;
    if (!strcmp(val, "none"))
        return;
    st->present = true;
    if (!strcmp(val, "undecodable")) {
        st->parse_err = TP_ERR_MALFORMED;
        return;
    }
    struct tp_ocsp_response *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->singles = calloc(1, sizeof *r->singles);
    assert_non_null(r->singles);
    st->resp = r;
    if (!strcmp(val, "try-later")) {
        r->response_status = TP_OCSP_TRY_LATER;
        return;
    }
    r->has_basic = true;
    r->produced_at = now - DAY;
    r->n_singles = r->n_singles_total = 1;
    st->sig.status = TP_OCSP_SIG_OK;
    struct tp_ocsp_single *sr = &r->singles[0];
    sr->status = TP_OCSP_GOOD;
    sr->revocation_reason = -1;
    sr->this_update = now - DAY;
    sr->has_next_update = true;
    sr->next_update = now + 6 * DAY;
    if (!strcmp(val, "other-cert"))
        return;
    st->single = 0;
    if (!strcmp(val, "revoked")) {
        sr->status = TP_OCSP_REVOKED;
        sr->revocation_time = now - 30 * DAY;
        sr->revocation_reason = 1;
    } else if (!strcmp(val, "stale")) {
        sr->this_update = now - 9 * DAY;
        sr->next_update = now - 2 * DAY;
    } else if (!strcmp(val, "notyet")) {
        sr->this_update = now + 2 * DAY;
        sr->next_update = now + 9 * DAY;
    } else if (!strcmp(val, "unknown")) {
        sr->status = TP_OCSP_UNKNOWN;
    } else if (!strcmp(val, "bad-sig")) {
        st->sig.status = TP_OCSP_SIG_BAD;
        snprintf(st->sig.why, sizeof st->sig.why, "The signature does not verify with the key of the issuer.");
    } else if (strcmp(val, "good")) {
        fail_msg("line %d: unknown staple '%s'", x->line, val);
    }
}

/* Call fn on each space-separated word of val. */
static void each_word(struct scen *x, char *val, void (*fn)(struct scen *, const char *))
{
    for (char *w = strtok(val, " "); w; w = strtok(NULL, " "))
        fn(x, w);
}

static void set_key(struct scen *x, const char *key, char *val)
{
    struct tp_session *s = x->s;
    if (!strcmp(key, "name"))
        snprintf(x->name, sizeof x->name, "%s", val);
    else if (!strcmp(key, "role"))
        set_role(x, val);
    else if (!strcmp(key, "outcome"))
        set_outcome(x, val);
    else if (!strcmp(key, "version"))
        s->version = version(val);
    else if (!strcmp(key, "offered"))
        s->offered_max_version = version(val);
    else if (!strcmp(key, "complete"))
        s->handshake_complete = !strcmp(val, "yes");
    else if (!strcmp(key, "client-auth"))
        s->client_auth_requested = !strcmp(val, "yes");
    else if (!strcmp(key, "msgs"))
        each_word(x, val, add_msg);
    else if (!strcmp(key, "chain"))
        set_chain(x, val);
    else if (!strcmp(key, "facts"))
        each_word(x, val, set_fact);
    else if (!strcmp(key, "client-chain"))
        set_client_chain(x, val);
    else if (!strcmp(key, "key"))
        x->cf.key_matches = strcmp(val, "mismatch") != 0;
    else if (!strcmp(key, "banner")) {
        s->outcome.peer_banner_len = strlen(val) < sizeof s->outcome.peer_banner ? strlen(val) : 0;
        memcpy(s->outcome.peer_banner, val, s->outcome.peer_banner_len);
    } else if (!strcmp(key, "starttls")) { /* PROTO STATUS */
        char proto[12] = "", st[16] = "";
        if (sscanf(val, "%11s %15s", proto, st) != 2)
            fail_msg("line %d: starttls = PROTO STATUS", x->line);
        snprintf(s->starttls.protocol, sizeof s->starttls.protocol, "%s", proto);
        for (int k = TP_STARTTLS_NONE; k <= TP_STARTTLS_CLOSED; k++)
            if (!strcmp(st, tp_starttls_status_name((enum tp_starttls_status)k)))
                s->starttls.status = (enum tp_starttls_status)k;
        snprintf(s->starttls.detail, sizeof s->starttls.detail, "scenario %s", st);
    } else if (!strcmp(key, "proxy")) { /* STATUS [ISSUER...]: through a proxy; the chain's unknown issuer */
        char st[20] = "";
        int used = 0;
        if (sscanf(val, "%19s%n", st, &used) != 1)
            fail_msg("line %d: proxy = STATUS [ISSUER]", x->line);
        snprintf(s->proxy.url, sizeof s->proxy.url, "http://proxy.test:3128");
        snprintf(s->proxy.source, sizeof s->proxy.source, "HTTPS_PROXY");
        for (int k = TP_PROXY_NONE; k <= TP_PROXY_BAD_REPLY; k++)
            if (!strcmp(st, tp_proxy_status_name((enum tp_proxy_status)k)))
                s->proxy.status = (enum tp_proxy_status)k;
        snprintf(s->proxy.detail, sizeof s->proxy.detail, "scenario %s", st);
        const char *issuer = val + used;
        while (*issuer == ' ')
            issuer++;
        if (*issuer && x->v)
            snprintf(x->v->missing_issuer, sizeof x->v->missing_issuer, "%s", issuer);
    } else if (!strcmp(key, "detail"))
        snprintf(s->outcome.detail, sizeof s->outcome.detail, "%s", val);
    else if (!strcmp(key, "expect"))
        snprintf(x->expect, sizeof x->expect, "%s", val);
    else if (!strcmp(key, "accepts"))
        each_word(x, val, scan_accepts);
    else if (!strcmp(key, "suites"))
        each_word(x, val, scan_suites);
    else if (!strcmp(key, "order"))
        each_word(x, val, scan_order);
    else if (!strcmp(key, "unreachable") && x->scan)
        x->scan->unreachable = !strcmp(val, "yes");
    else if (!strcmp(key, "staple"))
        set_staple(x, val);
    else if (!strcmp(key, "must-staple")) {
        if (!x->s->staple)
            fail_msg("line %d: must-staple after staple", x->line);
        x->s->staple->must_staple = x->cert[0]->must_staple = !strcmp(val, "yes");
    }
    else
        fail_msg("line %d: unknown key '%s'", x->line, key);
}

static void scen_new(struct scen *x, int line)
{
    memset(x, 0, sizeof *x);
    x->line = line;
    x->s = tp_session_new(TP_SRC_CONNECT, 0);
    x->cert[0] = mk_cert("api.example.test", "Example CA");
    x->cert[1] = mk_cert("Example CA", "Example Root");
    x->cert[2] = mk_cert("Example Root", "Example Root");
    x->cert[3] = mk_cert("old.example.test", "Old CA");
    x->cert[4] = mk_cert("client.example.test", "Client CA");
    x->s->version = x->s->offered_max_version = TP_TLS1_3;
    x->s->handshake_complete = true;
    x->s->outcome.status = TP_CONN_OK;
    x->cf = (struct tp_check_facts){ "chain.pem", "key.pem", true, -1 };
    snprintf(x->s->server, sizeof x->s->server, "192.0.2.10:443");
}

/* ---- running ---- */

static char seen[4096]; /* every id an expect line names, " id " separated */

static void run_scenario(struct scen *x)
{
    if (x->scan) { /* the scan's findings come in a container session of their own */
        tp_session_free(x->s);
        x->s = tp_diagnose_scan(x->scan);
        assert_non_null(x->s);
    } else if (x->check)
        tp_diagnose_check(x->s, &x->cf);
    else
        tp_diagnose(x->s);
    char got[1024] = "";
    for (size_t i = 0; i < x->s->n_findings; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", x->s->findings[i].id);
    const char *want = strcmp(x->expect, "none") ? x->expect : "";
    if (strcmp(got, want))
        print_message("scenario '%s' (line %d): expected [%s], got [%s]\n", x->name, x->line, want, got);
    assert_string_equal(got, want);
    char ids[1024];
    snprintf(ids, sizeof ids, "%s", want);
    if (!seen[0])
        strcpy(seen, " ");
    for (char *w = strtok(ids, " "); w; w = strtok(NULL, " ")) {
        char key[80];
        snprintf(key, sizeof key, " %s ", w);
        if (!strstr(seen, key) && strlen(seen) + strlen(key) < sizeof seen)
            snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%s ", w);
    }
}

static void test_scenarios__each_stanza__gives_its_findings_in_order(void **state)
{
    (void)state;
    size_t len;
    char *text = (char *)tu_fixture("../tests/unit/rule_scenarios.txt", &len);
    assert_non_null(text);
    text = realloc(text, len + 1);
    text[len] = '\0';
    struct scen x = { .s = NULL };
    size_t n = 0;
    int line = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        if (l[0] == '#')
            continue;
        char *eq = strchr(l, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *key = l, *val = eq + 1;
        while (*val == ' ')
            val++;
        for (char *e = eq; e > key && e[-1] == ' ';)
            *--e = '\0';
        if (!strcmp(key, "name")) {
            if (x.s) {
                run_scenario(&x);
                n++;
                scen_free(&x);
            }
            scen_new(&x, line);
        }
        assert_non_null(x.s);
        set_key(&x, key, val);
    }
    if (x.s) {
        run_scenario(&x);
        n++;
        scen_free(&x);
    }
    free(text);
    assert_true(n > 30);
}

static void test_scenarios__every_rule__in_some_expect_line(void **state)
{
    (void)state;
    size_t n;
    const struct tp_rule *r = tp_rules(&n);
    for (size_t i = 0; i < n; i++) {
        char key[80];
        snprintf(key, sizeof key, " %s ", r[i].id);
        if (!strstr(seen, key))
            print_message("no scenario expects '%s'\n", r[i].id);
        assert_non_null(strstr(seen, key));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios__each_stanza__gives_its_findings_in_order),
        cmocka_unit_test(test_scenarios__every_rule__in_some_expect_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
