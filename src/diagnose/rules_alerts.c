/* Alerts read in context: who sent which alert right after which message
 * (protocol-version-mismatch, no-shared-cipher, client-cert-required,
 * client-cert-rejected, server-cert-rejected, remote-alert). Check functions of
 * rules.def; they read facts only. An alert a rule explains is claimed
 * (diag_claim_alert): the rules it suppresses no longer see it. */
#include <stdio.h>
#include <string.h>
#include "diagnose/diag_int.h"
#include "tlsprobe/names.h"
#include "tlsprobe/wire.h"

static bool is_cert_alert(uint8_t d)
{
    /* RFC 8446 §6.2: the alerts about a certificate. */
    return d == TP_ALERT_BAD_CERTIFICATE || d == TP_ALERT_UNSUPPORTED_CERTIFICATE ||
           d == TP_ALERT_CERTIFICATE_REVOKED || d == TP_ALERT_CERTIFICATE_EXPIRED ||
           d == TP_ALERT_CERTIFICATE_UNKNOWN || d == TP_ALERT_UNKNOWN_CA;
}

/* What a certificate alert usually means, from the side that received it. */
static const char *cert_alert_reading(uint8_t d)
{
    switch (d) {
    case TP_ALERT_UNKNOWN_CA: return "it does not trust the CA that issued the certificate (the root is not in its trust store, or an intermediate is missing)";
    case TP_ALERT_BAD_CERTIFICATE: return "it found the certificate unacceptable (often: the name does not match, a signature does not verify, or a required extension is missing)";
    case TP_ALERT_UNSUPPORTED_CERTIFICATE: return "it does not support this kind of certificate (key type, or a key usage that does not allow this use)";
    case TP_ALERT_CERTIFICATE_REVOKED: return "it says the certificate was revoked by its CA";
    case TP_ALERT_CERTIFICATE_EXPIRED: return "it says the certificate has expired or is not yet valid";
    case TP_ALERT_CERTIFICATE_UNKNOWN: return "it could not accept the certificate and did not say why (Java and some other stacks send this for any validation failure)";
    default: return "it rejected the certificate";
    }
}

/* "right after the client's ClientHello" for an alert. */
static void put_after(struct tp_sb *sb, const struct diag_ctx *c, const struct diag_alert *a)
{
    int other = a->dir == TP_C2S ? TP_S2C : TP_C2S;
    if (a->prev_other < 0) {
        tp_sb_put(sb, "before ");
        tp_sb_put(sb, diag_who(c, other));
        tp_sb_put(sb, " sent anything");
        return;
    }
    tp_sb_put(sb, "right after ");
    if (c->f->role == DIAG_CLIENT && other == TP_C2S)
        tp_sb_put(sb, "our");
    else if (c->f->role == DIAG_SERVER && other == TP_S2C)
        tp_sb_put(sb, "our");
    else
        tp_sb_put(sb, other == TP_C2S ? "the client's" : "the server's");
    tp_sb_putc(sb, ' ');
    diag_put_msg(sb, &c->f->s->msgs[a->prev_other]);
}

/* ": it sent unknown_ca (48) right after ...". From the <side>, unknown_ca
 * means ...": a certificate alert read from the side that received it. */
static void put_cert_alert(struct diag_ctx *c, const struct diag_alert *a, const char *from)
{
    uint8_t d = a->m->alert_desc;
    diag_say(&c->t.sum, ": it sent %A ", d);
    put_after(&c->t.sum, c, a);
    tp_sb_putc(&c->t.sum, '.');
    diag_say(&c->t.expl, "%s%s means %s. ", from, tp_name_alert(d) ? tp_name_alert(d) : "this alert",
             cert_alert_reading(d));
}

/* The first alert from dir (-1: either) that the running rule may read and
 * that `want` accepts (-1: none). */
static int next_alert(const struct diag_ctx *c, size_t from, int dir, bool (*want)(uint8_t))
{
    for (size_t k = from; k < c->f->n_alerts; k++) {
        const struct diag_alert *a = &c->f->alerts[k];
        if ((dir < 0 || a->dir == dir) && diag_alert_open(c, k) && want(a->m->alert_desc))
            return (int)k;
    }
    return -1;
}

/* "TLS 1.2, TLS 1.3" from the ClientHello, or the max. */
static void put_offered_versions(struct tp_sb *sb, const struct tp_session *s, const struct tp_client_hello *ch)
{
    if (ch && ch->ext.versions.n) {
        size_t shown = 0;
        for (size_t i = 0; i < ch->ext.versions.n; i++) {
            uint16_t v = ch->ext.versions.v[i];
            if (tp_is_grease(v))
                continue;
            if (shown++)
                tp_sb_put(sb, ", ");
            diag_put_version(sb, v);
        }
        return;
    }
    uint16_t v = ch ? ch->legacy_version : s->offered_max_version;
    if (!v)
        v = s->offered_max_version;
    if (v) {
        tp_sb_put(sb, "up to ");
        diag_put_version(sb, v);
    } else {
        tp_sb_put(sb, "(versions not recorded)");
    }
}

/* "0x1301, TLS_AES_256_GCM_SHA384" ...: up to max names of a list, skipping
 * GREASE and `skip`; returns how many were shown. */
static size_t put_u16_names(struct tp_sb *sb, const uint16_t *v, size_t n, size_t max,
                            const char *(*name)(uint16_t), uint16_t skip)
{
    size_t shown = 0;
    for (size_t k = 0; k < n && shown < max; k++) {
        if (tp_is_grease(v[k]) || (skip && v[k] == skip))
            continue;
        const char *nm = name(v[k]);
        if (shown++)
            tp_sb_put(sb, ", ");
        if (nm)
            tp_sb_put(sb, nm);
        else
            tp_sb_printf(sb, "0x%04x", (unsigned)v[k]);
    }
    return shown;
}

static bool is_protocol_version(uint8_t d)
{
    return d == TP_ALERT_PROTOCOL_VERSION;
}

void r_protocol_version(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    int k = next_alert(c, 0, -1, is_protocol_version);
    if (k < 0)
        return;
    const struct diag_alert *a = &c->f->alerts[k];
    struct diag_texts *t = &c->t;
    diag_say(&t->sum, "%s sent %A ", diag_Who(c, a->dir), TP_ALERT_PROTOCOL_VERSION);
    put_after(&t->sum, c, a);
    if (a->dir == TP_S2C) {
        tp_sb_put(&t->sum, ": the server accepts none of the versions offered (");
        put_offered_versions(&t->sum, s, diag_client_hello(c->f));
        tp_sb_put(&t->sum, ").");
        tp_sb_put(&t->expl, "The server refused every version in the ClientHello. Most often the server only "
                            "speaks TLS 1.0/1.1 (and the client requires 1.2+), or the server is TLS 1.3-only "
                            "and the client offers at most TLS 1.2. ");
    } else {
        tp_sb_put(&t->sum, ": the client refused the version the server chose");
        if (s->version)
            diag_say(&t->sum, " (%V)", s->version);
        tp_sb_putc(&t->sum, '.');
        tp_sb_put(&t->expl, "The client does not accept the version the server picked (or, before any "
                            "ServerHello, the client's minimum is above what it found). ");
    }
    diag_claim_alert(c, (size_t)k);
    diag_report(c, TP_SEV_ERROR);
}

static bool is_no_shared(uint8_t d)
{
    return d == TP_ALERT_HANDSHAKE_FAILURE || d == TP_ALERT_INSUFFICIENT_SECURITY;
}

/* The server's alert answers the ClientHello, before any ServerHello. */
static bool answers_client_hello(const struct diag_facts *f, const struct diag_alert *a)
{
    if (f->server_hello >= 0 && (size_t)f->server_hello < a->msg)
        return false;
    const struct tp_msg *p = a->prev_other >= 0 ? &f->s->msgs[a->prev_other] : NULL;
    return p && (p->kind == TP_MSG_SSLV2_HELLO || (p->kind == TP_MSG_HANDSHAKE && p->hs_type == TP_HS_CLIENT_HELLO));
}

/* What the client offered: suites, versions, groups. */
static void put_offer(struct diag_ctx *c, const struct tp_client_hello *ch)
{
    struct tp_sb *e = &c->t.expl;
    tp_sb_printf(e, "%s offered %zu cipher suite%s (", c->f->role == DIAG_CLIENT ? "We" : "The client",
                 ch->n_suites_total, ch->n_suites_total == 1 ? "" : "s");
    size_t shown = put_u16_names(e, ch->suites, ch->n_suites, TP_POLICY_SHOW_SUITES, tp_name_cipher_suite, 0x00ff);
    if (ch->n_suites_total > shown)
        tp_sb_put(e, ", ...");
    tp_sb_put(e, ") for ");
    put_offered_versions(e, c->f->s, ch);
    if (ch->ext.groups.n) {
        tp_sb_put(e, ", groups ");
        put_u16_names(e, ch->ext.groups.v, ch->ext.groups.n, TP_POLICY_SHOW_GROUPS, tp_name_group, 0);
    }
    tp_sb_put(e, "; the server accepted none of it. ");
}

void r_no_shared_cipher(struct diag_ctx *c)
{
    int k = -1;
    for (size_t from = 0; (k = next_alert(c, from, TP_S2C, is_no_shared)) >= 0; from = (size_t)k + 1)
        if (answers_client_hello(c->f, &c->f->alerts[k]))
            break;
    if (k < 0)
        return;
    const struct diag_alert *a = &c->f->alerts[k];
    struct diag_texts *t = &c->t;
    diag_say(&t->sum, "%s sent %A right after the ClientHello, before any ServerHello: no cipher suite (or group) in "
                      "common.",
             diag_Who(c, TP_S2C), a->m->alert_desc);
    const struct tp_client_hello *ch = diag_client_hello(c->f);
    if (ch)
        put_offer(c, ch);
    tp_sb_put(&t->note, " Some servers also answer this way to a missing or unknown SNI name.");
    diag_claim_alert(c, (size_t)k);
    diag_report(c, TP_SEV_ERROR);
}

/* mTLS CA names (issue 16): what the server's CertificateRequest lists, compared
 * with the issuers of the client's chain as sent. Appends one sentence to sum
 * (only when it tells something: none offered while names were listed, or a
 * certificate from another CA) and the list to expl. */
static void put_ca_names_compare(struct diag_ctx *c, struct tp_sb *sum, struct tp_sb *expl)
{
    const struct tp_session *s = c->f->s;
    const struct tp_certificate_request *cr = diag_cert_request(c->f);
    if (!cr)
        return;
    const char *srv = c->f->role == DIAG_SERVER ? "we" : "the server";
    if (cr->ca_names.n_total == 0) {
        tp_sb_printf(expl, "The CertificateRequest named no CAs, so %s gave the client no hint which certificate "
                           "to send%s. ",
                     srv, s->version == TP_TLS1_3 && c->f->role == DIAG_SERVER
                               ? " (this wolfSSL build cannot send the TLS 1.3 certificate_authorities extension)"
                               : "");
        return;
    }
    char dn[512];
    tp_sb_printf(expl, "The CertificateRequest lists %zu CA%s %s accept%s: ", cr->ca_names.n_total,
                 cr->ca_names.n_total == 1 ? "" : "s", srv, c->f->role == DIAG_SERVER ? "" : "s");
    for (size_t i = 0; i < cr->ca_names.n && i < TP_POLICY_SHOW_CA_NAMES; i++) {
        tp_dn_text(cr->ca_names.v[i], dn, sizeof dn);
        tp_sb_printf(expl, "%s'%s'", i ? ", " : "", dn);
    }
    if (cr->ca_names.n_total > TP_POLICY_SHOW_CA_NAMES)
        tp_sb_printf(expl, " and %zu more", cr->ca_names.n_total - TP_POLICY_SHOW_CA_NAMES);
    tp_sb_put(expl, ". ");
    if (s->client_chain.n == 0) {
        tp_sb_put(sum, " The client offered no certificate although the server named the CAs it accepts: it has "
                       "none from them (Go and browsers send only a certificate that chains to a listed CA).");
        return;
    }
    int idx;
    if (tp_ca_names_match_chain(&cr->ca_names, &s->client_chain, &idx)) {
        tp_sb_printf(expl, "The client's certificate #%d is issued by one of them. ", idx);
        return;
    }
    tp_cert_issuer_text(s->client_chain.der[0], dn, sizeof dn);
    tp_sb_printf(sum, " The client's certificate is from another CA: its issuer '%s' is not among the %zu CA%s "
                      "the CertificateRequest lists.",
                 dn, cr->ca_names.n_total, cr->ca_names.n_total == 1 ? "" : "s");
}

/* The server's alert that says the client certificate it required is missing
 * (-1: none). */
static int cert_required_alert(const struct diag_ctx *c, bool sent_empty)
{
    const struct tp_session *s = c->f->s;
    for (size_t k = 0; k < c->f->n_alerts; k++) {
        const struct diag_alert *a = &c->f->alerts[k];
        uint8_t d = a->m->alert_desc;
        if (a->dir != TP_S2C || !diag_alert_open(c, k))
            continue;
        if (d == TP_ALERT_CERTIFICATE_REQUIRED) /* unambiguous (RFC 8446 §6.2) */
            return (int)k;
        if (sent_empty && (size_t)c->f->client_cert < a->msg && s->client_auth_requested &&
            (d == TP_ALERT_HANDSHAKE_FAILURE || is_cert_alert(d)))
            return (int)k;
    }
    return -1;
}

/* The server ended the connection after the client's empty Certificate. TLS
 * 1.3: the server judges the client's Certificate after the client's Finished
 * (RFC 8446 §4.4.2.4), so "complete" does not rule it out. */
static bool closed_after_empty_cert(const struct tp_session *s, bool sent_empty)
{
    return sent_empty && s->client_auth_requested && (!s->handshake_complete || s->version == TP_TLS1_3) &&
           (s->outcome.status == TP_CONN_RESET || s->outcome.status == TP_CONN_CLOSED ||
            s->outcome.status == TP_CONN_TLS_FAILED);
}

void r_client_cert_required(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    bool sent_empty = c->f->client_cert >= 0 && s->client_chain.n == 0;
    int hit = cert_required_alert(c, sent_empty);
    /* listen: we required a certificate and the client sent none; or a server
     * that just hangs up after the empty Certificate. */
    if (hit < 0 && !closed_after_empty_cert(s, sent_empty))
        return;
    const struct diag_alert *a = hit >= 0 ? &c->f->alerts[hit] : NULL;
    struct diag_texts *t = &c->t;
    if (c->f->role == DIAG_SERVER) {
        tp_sb_put(&t->sum, "The client sent no certificate, and we (tlsprobe, the server) require one.");
        tp_sb_put(&t->expl, "We sent a CertificateRequest and the client answered with an empty Certificate: it has "
                            "no certificate configured, or none issued by a CA we named in the request. ");
    } else {
        tp_sb_put(&t->sum, "The server requires a client certificate; ");
        tp_sb_put(&t->sum, c->f->role == DIAG_CLIENT ? "we sent none" : "the client sent none");
        if (sent_empty)
            tp_sb_put(&t->sum, " (an empty Certificate)");
        if (a) {
            diag_say(&t->sum, " and the server answered with %A ", a->m->alert_desc);
            put_after(&t->sum, c, a);
        } else {
            tp_sb_put(&t->sum, " and the server closed the connection");
        }
        tp_sb_putc(&t->sum, '.');
        if (a && a->m->alert_desc == TP_ALERT_CERTIFICATE_REQUIRED)
            tp_sb_put(&t->expl, "certificate_required (116) is TLS 1.3's alert for exactly this; in TLS 1.3 it "
                                "arrives after the client's Finished, so a client sees the handshake succeed and "
                                "then fails on its first read. ");
        else if (a && a->m->alert_desc == TP_ALERT_HANDSHAKE_FAILURE)
            tp_sb_put(&t->expl, "In TLS 1.2 servers answer a missing client certificate with a plain "
                                "handshake_failure (40) after the client's empty Certificate. ");
    }
    put_ca_names_compare(c, &t->sum, &t->expl);
    if (hit >= 0)
        diag_claim_alert(c, (size_t)hit);
    diag_report(c, TP_SEV_ERROR);
}

/* Reason a verify result gives, one phrase ("" when nothing found). */
static const char *verify_reason(const struct tp_verify_result *v)
{
    if (!v)
        return "";
    switch (v->status) {
    case TP_PATH_UNKNOWN_AUTHORITY: return "its issuer is not a trusted CA";
    case TP_PATH_SELF_SIGNED: return "it is self-signed";
    case TP_PATH_MISSING_INTERMEDIATE: return "an intermediate certificate is missing";
    case TP_PATH_BAD_SIGNATURE: return "a signature in the chain does not verify";
    default: break;
    }
    if (v->expired_index >= 0)
        return "a certificate in it has expired";
    if (v->not_yet_valid_index >= 0)
        return "a certificate in it is not valid yet";
    if (v->name_status == TP_NAME_MISMATCH)
        return "it does not cover the name asked for";
    if (!v->leaf_eku_ok || !v->leaf_ku_ok)
        return "its key usage does not allow this use";
    return "";
}

/* The first certificate alert from dir the running rule may read (-1: none);
 * when there is one, the summary starts: intro and the certificate judged (the
 * first of chain). */
static int cert_alert_start(struct diag_ctx *c, int dir, const struct tp_chain *chain, const char *intro)
{
    int k = next_alert(c, 0, dir, is_cert_alert);
    if (k < 0)
        return -1;
    tp_sb_put(&c->t.sum, intro);
    if (chain->n && chain->info[0])
        diag_say(&c->t.sum, " %C", chain->info[0]);
    return k;
}

/* A server only judges the client's certificate: a certificate alert from the
 * server is about the client's certificate (RFC 8446 §4.4.2.4). */
void r_client_cert_rejected(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    bool we = c->f->role == DIAG_SERVER;
    int k = cert_alert_start(c, TP_S2C, &s->client_chain,
                             we                          ? "We (tlsprobe, the server) rejected the client's certificate"
                             : c->f->role == DIAG_CLIENT ? "The server rejected our client certificate"
                                                         : "The server rejected the client's certificate");
    if (k < 0)
        return;
    const struct diag_alert *a = &c->f->alerts[k];
    struct diag_texts *t = &c->t;
    const struct tp_cert_info *leaf = s->client_chain.n ? s->client_chain.info[0] : NULL;
    if (we) {
        const char *why = verify_reason(s->client_verify);
        diag_say(&t->sum, " with %A%s%s.", a->m->alert_desc, *why ? ": " : "", why);
    } else {
        put_cert_alert(c, a, "From the server, ");
        if (leaf && leaf->issuer && a->m->alert_desc == TP_ALERT_UNKNOWN_CA)
            diag_say(&t->expl, "The client certificate is issued by '%e'; that CA (or its root) must be in the "
                               "server's client-CA list. ",
                     leaf->issuer);
    }
    put_ca_names_compare(c, &t->sum, &t->expl);
    diag_claim_alert(c, (size_t)k);
    diag_report(c, TP_SEV_ERROR);
}

void r_server_cert_rejected(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    if (c->f->role == DIAG_CLIENT || c->f->role == DIAG_CHECK)
        return; /* our own verdict: the chain rules say why */
    int k = cert_alert_start(c, TP_C2S, &s->server_chain,
                             c->f->role == DIAG_SERVER ? "The client rejected our certificate"
                                                       : "The client rejected the server's certificate");
    if (k < 0)
        return;
    const struct diag_alert *a = &c->f->alerts[k];
    struct diag_texts *t = &c->t;
    put_cert_alert(c, a, "From the client, ");
    const char *why = verify_reason(s->server_verify);
    if (*why) {
        diag_say(&t->expl, "tlsprobe's own check of that chain agrees: %s (see the other findings). ", why);
    } else if (a->m->alert_desc == TP_ALERT_UNKNOWN_CA || a->m->alert_desc == TP_ALERT_CERTIFICATE_UNKNOWN) {
        tp_sb_put(&t->expl, "If the chain is complete, the client's trust store lacks the root: a private CA "
                            "must be added to the client. ");
    }
    diag_claim_alert(c, (size_t)k);
    diag_report(c, TP_SEV_ERROR);
}

/* The alerts no other rule explained, up to TP_POLICY_MAX_ALERT_FINDINGS. Our own
 * alerts only when nothing else explains the failure: no suppressor reported
 * an error, and no fatal alert was reported here before. */
void r_remote_alert(struct diag_ctx *c)
{
    size_t emitted = 0;
    bool had_error = diag_suppressor_erred(c);
    for (size_t k = 0; k < c->f->n_alerts && emitted < TP_POLICY_MAX_ALERT_FINDINGS; k++) {
        const struct diag_alert *a = &c->f->alerts[k];
        if (!diag_alert_open(c, k) || a->benign)
            continue;
        if (!a->from_peer && (had_error || !a->fatal))
            continue;
        uint8_t d = a->m->alert_desc;
        struct diag_texts *t = &c->t;
        const char *meaning = tp_alert_meaning(d);
        diag_say(&t->sum, "%s sent %s alert %A ", diag_Who(c, a->dir), a->fatal ? "fatal" : "warning", d);
        put_after(&t->sum, c, a);
        tp_sb_putc(&t->sum, '.');
        if (meaning)
            diag_say(&t->expl, "%s: %s ", tp_name_alert(d) ? tp_name_alert(d) : "This alert", meaning);
        diag_claim_alert(c, k);
        diag_report(c, a->fatal ? TP_SEV_ERROR : TP_SEV_WARNING);
        emitted++;
        had_error = had_error || a->fatal;
    }
}
