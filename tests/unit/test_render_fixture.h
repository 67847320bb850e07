/* Hand-built transcripts for the render tests: real handshake messages recorded
 * with `openssl s_client -msg` (fixtures/render/NAME.tr, made by
 * fixtures/render/msglog2tr.py) put into a struct tp_session by hand, so the
 * renderers are tested without sockets, clocks or the session decoder.
 * Header-only; include after testutil.h. */
#ifndef TEST_RENDER_FIXTURE_H
#define TEST_RENDER_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/render.h"
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"
#include "tlsprobe/x509.h"
#include "testutil.h"

static struct tp_msg *rf_add_msg(struct tp_session *s, enum tp_dir dir, enum tp_msg_kind kind)
{
    if (s->n_msgs == s->cap_msgs) {
        s->cap_msgs = s->cap_msgs ? s->cap_msgs * 2 : 16;
        s->msgs = realloc(s->msgs, s->cap_msgs * sizeof *s->msgs);
        if (!s->msgs)
            abort();
    }
    struct tp_msg *m = &s->msgs[s->n_msgs++];
    memset(m, 0, sizeof *m);
    m->dir = dir;
    m->kind = kind;
    m->t_us = (int64_t)(s->n_msgs - 1) * 1250; /* fixed, so goldens don't move */
    return m;
}

static void rf_add_finding(struct tp_session *s, const char *id, enum tp_severity sev, const char *summary,
                           const char *expl, const char *fix, const char *ref)
{
    s->findings = realloc(s->findings, (s->n_findings + 1) * sizeof *s->findings);
    if (!s->findings)
        abort();
    struct tp_finding *f = &s->findings[s->n_findings++];
    f->id = id;
    f->severity = sev;
    f->summary = strdup(summary);
    f->explanation = strdup(expl);
    f->fix = strdup(fix);
    f->reference = ref;
}

/* The chain from a Certificate message into s->server_chain / client_chain,
 * summarised with tp_cert_parse. */
static void rf_take_chain(struct tp_session *s, const struct tp_msg *m, bool tls13)
{
    struct tp_chain *c = m->dir == TP_S2C ? &s->server_chain : &s->client_chain;
    if (c->present)
        return;
    struct tp_hs_header h;
    struct tp_certificate *cert = calloc(1, sizeof *cert);
    if (!cert)
        abort();
    c->present = true;
    if (tp_hs_header_parse(tp_bytes_make(m->raw, m->raw_len), &h) == TP_OK &&
        tp_certificate_parse(h.body, tls13, cert) == TP_OK) {
        c->n_total = cert->n_total;
        for (size_t i = 0; i < cert->n; i++) {
            uint8_t *d = malloc(cert->certs[i].der.len);
            memcpy(d, cert->certs[i].der.p, cert->certs[i].der.len);
            c->der[i] = tp_bytes_make(d, cert->certs[i].der.len);
            if (tp_cert_parse(d, cert->certs[i].der.len, &c->info[i]) != TP_OK)
                c->info[i] = NULL;
            c->n++;
        }
    }
    free(cert);
}

/* Load fixtures/render/<name>.tr into a new session. */
static struct tp_session *rf_load(const char *name, bool tls13)
{
    char rel[256];
    snprintf(rel, sizeof rel, "render/%s.tr", name);
    size_t len;
    uint8_t *txt = tu_fixture(rel, &len);
    if (!txt)
        return NULL;
    struct tp_session *s = calloc(1, sizeof *s);
    s->source = TP_SRC_CONNECT;
    snprintf(s->client, sizeof s->client, "127.0.0.1:50000");
    snprintf(s->server, sizeof s->server, "127.0.0.1:4433");
    s->host = strdup("localhost");
    s->server_name = strdup("localhost");
    s->server_name_len = strlen(s->server_name);
    s->t_dns_us = s->t_connect_us = s->rtt_us = -1;
    s->start_us = 1700000000LL * 1000000;
    char *line = (char *)txt, *save = NULL;
    char *copy = malloc(len + 1);
    memcpy(copy, txt, len);
    copy[len] = 0;
    free(txt);
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char dir[8], kind[8], flag[8];
        static char hex[70000];
        if (sscanf(line, "%7s %7s %7s %69999s", dir, kind, flag, hex) != 4)
            continue;
        size_t n;
        uint8_t *raw = tu_hex(hex, &n);
        enum tp_dir d = !strcmp(dir, "c2s") ? TP_C2S : TP_S2C;
        struct tp_msg *m;
        if (!strcmp(kind, "hs")) {
            m = rf_add_msg(s, d, TP_MSG_HANDSHAKE);
            m->hs_type = raw[0];
            m->length = n >= 4 ? (uint32_t)(n - 4) : 0;
            m->raw = raw;
            m->raw_len = n;
            if (raw[0] == TP_HS_SERVER_HELLO) {
                struct tp_hs_header h;
                struct tp_server_hello *sh = calloc(1, sizeof *sh);
                if (tp_hs_header_parse(tp_bytes_make(raw, n), &h) == TP_OK &&
                    tp_server_hello_parse(h.body, sh) == TP_OK) {
                    m->is_hrr = sh->is_hrr;
                    s->version = sh->version;
                    s->cipher = sh->suite;
                    s->has_cipher = true;
                }
                free(sh);
            }
            if (raw[0] == TP_HS_CLIENT_HELLO) {
                struct tp_hs_header h;
                struct tp_client_hello *ch = calloc(1, sizeof *ch);
                if (tp_hs_header_parse(tp_bytes_make(raw, n), &h) == TP_OK &&
                    tp_client_hello_parse(h.body, ch) == TP_OK)
                    s->offered_max_version = tp_client_hello_max_version(ch);
                free(ch);
            }
            if (raw[0] == TP_HS_CERTIFICATE)
                rf_take_chain(s, m, tls13);
            if (raw[0] == TP_HS_CERTIFICATE_REQUEST)
                s->client_auth_requested = true;
        } else if (!strcmp(kind, "ccs")) {
            m = rf_add_msg(s, d, TP_MSG_CCS);
            m->length = 1;
            m->raw = raw;
            m->raw_len = n;
        } else {
            m = rf_add_msg(s, d, TP_MSG_ALERT);
            m->length = 2;
            m->raw = raw;
            m->raw_len = n;
            m->alert_level = n > 0 ? raw[0] : 0;
            m->alert_desc = n > 1 ? raw[1] : 0;
            s->alerts_total++;
        }
        m->decrypted = !strcmp(flag, "dec");
    }
    free(copy);
    return s;
}

static void rf_free(struct tp_session *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_msgs; i++)
        free(s->msgs[i].raw);
    free(s->msgs);
    struct tp_chain *cs[2] = { &s->server_chain, &s->client_chain };
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < cs[k]->n; i++) {
            free((void *)(uintptr_t)cs[k]->der[i].p);
            tp_cert_free(cs[k]->info[i]);
        }
    for (size_t i = 0; i < s->n_findings; i++) {
        free(s->findings[i].summary);
        free(s->findings[i].explanation);
        free(s->findings[i].fix);
    }
    free(s->findings);
    for (size_t i = 0; i < s->starttls.n_lines; i++)
        free(s->starttls.lines[i].text);
    free(s->starttls.lines);
    for (size_t i = 0; i < s->n_comments; i++)
        free(s->comments[i].text);
    free(s->comments);
    free(s->server_verify); /* path certs are borrowed from the chain */
    free(s->client_verify);
    free(s->server_name);
    free(s->host);
    free(s);
}

/* connect --starttls: a plain-text exchange before the transcript, one line per
 * string, alternating server, client, server... (t: 100 µs apart). */
static inline void rf_starttls(struct tp_session *s, const char *proto, enum tp_starttls_status status,
                               const char *detail, const char *const *lines, size_t n)
{
    snprintf(s->starttls.protocol, sizeof s->starttls.protocol, "%s", proto);
    s->starttls.status = status;
    snprintf(s->starttls.detail, sizeof s->starttls.detail, "%s", detail ? detail : "");
    for (size_t i = 0; i < n; i++)
        if (tp_session_add_plain(s, i % 2 ? TP_C2S : TP_S2C, lines[i], strlen(lines[i]),
                                 s->start_us + (int64_t)i * 100) != TP_OK)
            abort();
}

/* The named scenarios of the golden tests: transcript + the facts a source and
 * the diagnosis would add (fixed texts, so goldens test the renderer only). */
static struct tp_session *rf_scenario(const char *name)
{
    bool t13 = !strncmp(name, "tls13", 5);
    bool nokeys = !strcmp(name, "tls13-capture-nokeys");
    struct tp_session *s = rf_load(nokeys ? "tls13-good" : name, t13);
    if (!s)
        return NULL;
    if (nokeys) {
        /* The same handshake as a capture without a key log: every protected
         * record stays an EncryptedRecord, the server chain is unseen. */
        s->source = TP_SRC_PCAP;
        s->keys_missing = true;
        s->handshake_complete = true;
        s->rtt_us = 40;
        snprintf(s->client, sizeof s->client, "192.0.2.7:50000");
        snprintf(s->server, sizeof s->server, "198.51.100.1:443");
        free(s->host);
        s->host = NULL;
        for (size_t i = 0; i < s->n_msgs; i++) {
            struct tp_msg *m = &s->msgs[i];
            if (!m->decrypted)
                continue;
            m->length = (uint32_t)m->raw_len + 17; /* content type + GCM tag */
            free(m->raw);
            m->raw = NULL;
            m->raw_len = 0;
            m->kind = TP_MSG_ENCRYPTED;
            m->record_type = 23;
            m->decrypted = false;
        }
        for (size_t i = 0; i < s->server_chain.n; i++) {
            free((void *)(uintptr_t)s->server_chain.der[i].p);
            tp_cert_free(s->server_chain.info[i]);
        }
        memset(&s->server_chain, 0, sizeof s->server_chain);
        return s;
    }
    if (!strcmp(name, "tls13-good") || !strcmp(name, "tls12-good")) {
        s->handshake_complete = true;
        s->outcome.status = TP_CONN_OK;
        if (!strcmp(name, "tls13-good"))
            snprintf(s->alpn, sizeof s->alpn, "h2");
        s->appdata_records[1] = 1;
        s->appdata_bytes[1] = 42;
    } else if (!strcmp(name, "tls13-unknown-ca")) {
        s->outcome.status = TP_CONN_TLS_FAILED;
        snprintf(s->outcome.detail, sizeof s->outcome.detail, "we sent alert unknown_ca");
        rf_add_finding(s, "unknown-authority", TP_SEV_ERROR,
                       "The chain ends at 'tlsprobe Test Root CA', which is not in the trust store (1 root).",
                       "Clients only accept a chain that leads to a root they already trust.",
                       "Add the root to the client's trust store, or serve a certificate from a public CA.",
                       "RFC 5280 §6.1");
        /* What the chain builder found (borrowing the summaries of the chain). */
        struct tp_verify_result *v = calloc(1, sizeof *v);
        v->status = TP_PATH_UNKNOWN_AUTHORITY;
        v->n_sent = s->server_chain.n;
        for (size_t i = 0; i < s->server_chain.n && i < 2; i++) {
            v->path[i].src = TP_FROM_SENT;
            v->path[i].sent_index = (int)i;
            v->path[i].cert = s->server_chain.info[i];
            v->path_len++;
        }
        snprintf(v->missing_issuer, sizeof v->missing_issuer, "O=tlsprobe,CN=tlsprobe Test Root CA");
        snprintf(v->store_desc, sizeof v->store_desc, "other-root.pem (1 root)");
        v->store_roots = 1;
        v->order_ok = true;
        v->name_status = TP_NAME_OK;
        snprintf(v->name, sizeof v->name, "localhost");
        v->aia_tried = true;
        snprintf(v->aia_url, sizeof v->aia_url, "http://127.0.0.1:1/int.der");
        snprintf(v->aia_error, sizeof v->aia_error, "connection refused");
        v->expired_index = v->not_yet_valid_index = v->expiring_soon_index = -1;
        v->weak_key_index = v->weak_sig_index = v->misordered_index = -1;
        s->server_verify = v;
    } else if (!strcmp(name, "tls12-client-cert-required")) {
        s->outcome.status = TP_CONN_TLS_FAILED;
        snprintf(s->outcome.detail, sizeof s->outcome.detail, "received alert handshake_failure");
        rf_add_finding(s, "client-cert-required", TP_SEV_ERROR,
                       "The server asked for a client certificate; we sent none and it ended the handshake.",
                       "This server uses mutual TLS: only clients with a certificate from a CA it trusts get in.",
                       "Pass --cert FILE --key FILE with a certificate the server accepts.",
                       "RFC 5246 §7.4.6");
        rf_add_finding(s, "remote-alert", TP_SEV_WARNING, "The server sent fatal alert handshake_failure.",
                       "An alert names a problem only in outline.", "See the other findings.",
                       "RFC 5246 §7.2");
    }
    return s;
}

static const char *const rf_scenarios[] = {
    "tls13-good", "tls12-good", "tls13-unknown-ca", "tls12-client-cert-required", "tls13-capture-nokeys",
};

#endif
