/* The stapled OCSP response of a session: found in the transcript (TLS 1.2
 * CertificateStatus, TLS 1.3 leaf CertificateEntry status_request), decoded
 * and verified with x509/ocsp.c against the leaf's issuer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "tlsprobe/session.h"

void tp_staple_free(struct tp_staple *st)
{
    if (!st)
        return;
    tp_ocsp_free(st->resp);
    free(st->der);
    free(st);
}

static bool hs_body(const struct tp_msg *m, struct tp_bytes *body)
{
    struct tp_hs_header h;
    if (m->kind != TP_MSG_HANDSHAKE || !m->raw || tp_hs_header_parse(tp_bytes_make(m->raw, m->raw_len), &h) != TP_OK)
        return false;
    *body = h.body;
    return true;
}

bool tp_session_find_staple(const struct tp_session *s, struct tp_bytes *out)
{
    *out = tp_bytes_make(NULL, 0);
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        struct tp_bytes body;
        if (m->dir != TP_S2C || !hs_body(m, &body))
            continue;
        if (m->hs_type == TP_HS_CERTIFICATE_STATUS) {
            struct tp_certificate_status cs;
            if (tp_certificate_status_parse(body, &cs) == TP_OK && (cs.status_type == 1 || cs.status_type == 2) && cs.response.len) {
                *out = cs.response;
                return true;
            }
        } else if (m->hs_type == TP_HS_CERTIFICATE && s->version == TP_TLS1_3) {
            struct tp_certificate *c = malloc(sizeof *c); /* 32 entries: not on the stack */
            struct tp_exts *x = malloc(sizeof *x);
            bool found = false;
            if (c && x && tp_certificate_parse(body, true, c) == TP_OK && c->n > 0 && c->certs[0].has_ocsp &&
                tp_exts_parse(c->certs[0].extensions, TP_EXTCTX_CERTIFICATE_ENTRY, x) == TP_OK &&
                x->ocsp_response.len) {
                *out = x->ocsp_response;
                found = true;
            }
            free(c);
            free(x);
            if (found)
                return true;
            return false; /* the server's first Certificate only */
        }
    }
    return false;
}

/* Did the ClientHello ask, and (TLS 1.2) did the ServerHello agree? */
static void requested(const struct tp_session *s, struct tp_staple *st)
{
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        struct tp_bytes body;
        if (!hs_body(m, &body))
            continue;
        if (m->hs_type == TP_HS_CLIENT_HELLO && m->dir == TP_C2S && !st->requested) {
            struct tp_client_hello *ch = malloc(sizeof *ch);
            if (ch && tp_client_hello_parse(body, ch) == TP_OK)
                st->requested = ch->ext.status_request;
            free(ch);
        } else if (m->hs_type == TP_HS_SERVER_HELLO && m->dir == TP_S2C && !m->is_hrr) {
            struct tp_server_hello *sh = malloc(sizeof *sh);
            if (sh && tp_server_hello_parse(body, sh) == TP_OK)
                st->acked = sh->ext.status_request;
            free(sh);
        }
    }
}

enum tp_err tp_session_carry_staple(struct tp_session *s, const uint8_t *der, size_t len)
{
    if (!s->staple && !(s->staple = calloc(1, sizeof *s->staple)))
        return TP_ERR_NOMEM;
    free(s->staple->der);
    s->staple->der = malloc(len ? len : 1);
    if (!s->staple->der)
        return TP_ERR_NOMEM;
    memcpy(s->staple->der, der, len);
    s->staple->der_len = len;
    s->staple->carried = true;
    s->staple->present = len > 0; /* 0: the first handshake asked and got none */
    return TP_OK;
}

/* The leaf's issuer: the next certificate of the verified path, else a sent
 * certificate that issued it. */
static const struct tp_cert_info *leaf_issuer(const struct tp_session *s, const struct tp_cert_info *leaf)
{
    const struct tp_verify_result *v = s->server_verify;
    if (v && v->path_len > 1 && v->path[0].sent_index == 0 && v->path[1].cert &&
        tp_cert_issued_by(leaf, v->path[1].cert))
        return v->path[1].cert;
    for (size_t i = 1; i < s->server_chain.n; i++)
        if (s->server_chain.info[i] && tp_cert_issued_by(leaf, s->server_chain.info[i]))
            return s->server_chain.info[i];
    return NULL;
}

void tp_session_judge_staple(struct tp_session *s, int64_t at)
{
    struct tp_staple *st = s->staple;
    if (st && st->resp)
        return; /* judged already */
    if (!st && !(st = s->staple = calloc(1, sizeof *st)))
        return;
    st->single = -1;
    requested(s, st);
    if (st->carried)
        st->requested = true; /* by the first handshake */
    const struct tp_cert_info *leaf = s->server_chain.n ? s->server_chain.info[0] : NULL;
    st->must_staple = leaf && leaf->must_staple;
    struct tp_bytes b;
    if (!st->carried && tp_session_find_staple(s, &b)) {
        st->der = malloc(b.len);
        if (!st->der)
            return;
        memcpy(st->der, b.p, b.len);
        st->der_len = b.len;
        st->present = true;
    }
    if (!st->present)
        return;
    st->parse_err = tp_ocsp_parse(st->der, st->der_len, &st->resp);
    if (st->parse_err != TP_OK)
        return;
    const struct tp_cert_info *issuer = leaf ? leaf_issuer(s, leaf) : NULL;
    st->issuer_known = issuer != NULL;
    if (issuer)
        st->single = tp_ocsp_find(st->resp, leaf, issuer);
    tp_ocsp_verify(st->resp, issuer, (time_t)at, &st->sig);
}

/* ---- a CRL for the leaf ---- */

void tp_crl_check_free(struct tp_crl_check *cc)
{
    if (!cc)
        return;
    tp_crl_free(cc->crl);
    free(cc);
}

enum tp_err tp_session_judge_crl(struct tp_session *s, const uint8_t *der, size_t len, const char *source)
{
    struct tp_crl_check *cc = calloc(1, sizeof *cc);
    if (!cc)
        return TP_ERR_NOMEM;
    tp_crl_check_free(s->crl_check);
    s->crl_check = cc;
    snprintf(cc->source, sizeof cc->source, "%s", source ? source : "");
    cc->sig = -2;
    cc->parse_err = tp_crl_parse(der, len, &cc->crl);
    if (cc->parse_err == TP_ERR_NOMEM)
        return TP_ERR_NOMEM;
    const struct tp_cert_info *leaf = s->server_chain.n ? s->server_chain.info[0] : NULL;
    if (cc->parse_err != TP_OK || !leaf)
        return TP_OK;
    cc->covers = tp_crl_covers(cc->crl, leaf);
    const struct tp_cert_info *issuer = leaf_issuer(s, leaf);
    if (issuer)
        cc->sig = tp_crl_verify(cc->crl, issuer);
    cc->listed = cc->covers && tp_crl_lookup(cc->crl, leaf, &cc->entry);
    return TP_OK;
}

/* ---- --check-revocation ---- */

static bool usable(const struct tp_staple *st)
{
    return st && st->resp && st->single >= 0 && st->sig.status == TP_OCSP_SIG_OK &&
           st->resp->singles[st->single].status != TP_OCSP_UNKNOWN;
}

/* Judge a fetched response as the session's (replacing what came before but a staple). */
static void judge_fetched(struct tp_session *s, const uint8_t *der, size_t len, int64_t at)
{
    struct tp_staple *st = s->staple;
    tp_ocsp_free(st->resp);
    st->resp = NULL;
    free(st->der);
    st->der = malloc(len ? len : 1);
    if (!st->der)
        return;
    memcpy(st->der, der, len);
    st->der_len = len;
    st->fetched = true;
    st->single = -1;
    memset(&st->sig, 0, sizeof st->sig);
    st->parse_err = tp_ocsp_parse(st->der, st->der_len, &st->resp);
    const struct tp_cert_info *leaf = s->server_chain.info[0];
    const struct tp_cert_info *issuer = leaf_issuer(s, leaf);
    st->issuer_known = issuer != NULL;
    if (st->parse_err != TP_OK)
        return;
    if (issuer)
        st->single = tp_ocsp_find(st->resp, leaf, issuer);
    tp_ocsp_verify(st->resp, issuer, (time_t)at, &st->sig);
}

static void ask_responder(struct tp_session *s, const struct tp_cert_info *leaf, const struct tp_cert_info *issuer,
                          int timeout_ms, int64_t at)
{
    struct tp_staple *st = s->staple;
    snprintf(st->fetch_url, sizeof st->fetch_url, "%s", leaf->aia_ocsp);
    uint8_t *req = NULL, *resp = NULL;
    size_t req_len = 0, resp_len = 0;
    char err[300] = "";
    if (tp_ocsp_request(leaf, issuer, &req, &req_len) != TP_OK) {
        snprintf(st->fetch_error, sizeof st->fetch_error, "cannot build the OCSP request");
        return;
    }
    if (tp_ocsp_fetch(leaf->aia_ocsp, req, req_len, timeout_ms, &resp, &resp_len, st->fetch_method,
                      sizeof st->fetch_method, err, sizeof err) != TP_OK) {
        snprintf(st->fetch_error, sizeof st->fetch_error, "%s", err);
    } else {
        judge_fetched(s, resp, resp_len, at);
        if (st->parse_err != TP_OK)
            snprintf(st->fetch_error, sizeof st->fetch_error, "the answer is not an OCSP response (%s)",
                     tp_err_text(st->parse_err));
    }
    free(req);
    free(resp);
}

static void fetch_crl(struct tp_session *s, const struct tp_cert_info *leaf, int timeout_ms)
{
    uint8_t *body = NULL;
    size_t len = 0;
    char err[200] = "";
    if (tp_crl_fetch(leaf->crl_dp, timeout_ms, &body, &len, err, sizeof err) != TP_OK) {
        struct tp_crl_check *cc = calloc(1, sizeof *cc);
        if (cc) {
            tp_crl_check_free(s->crl_check);
            s->crl_check = cc;
            snprintf(cc->source, sizeof cc->source, "%s", leaf->crl_dp);
            snprintf(cc->error, sizeof cc->error, "%s", err);
            cc->parse_err = TP_ERR_IO;
            cc->sig = -2;
        }
        free(body);
        return;
    }
    const uint8_t *der = body;
    size_t der_len = len;
    struct tp_file *f = NULL;
    if (len > 11 && !memcmp(body, "-----BEGIN ", 11) && tp_file_parse(leaf->crl_dp, body, len, &f) == TP_OK &&
        f->n_objs && f->objs[0].der) {
        der = f->objs[0].der;
        der_len = f->objs[0].der_len;
    }
    if (tp_session_judge_crl(s, der, der_len, leaf->crl_dp) == TP_OK && s->crl_check->parse_err != TP_OK)
        snprintf(s->crl_check->error, sizeof s->crl_check->error, "the answer is not a CRL (%s)",
                 tp_err_text(s->crl_check->parse_err));
    tp_file_free(f);
    free(body);
}

void tp_session_check_revocation(struct tp_session *s, int timeout_ms, int64_t at)
{
    struct tp_staple *st = s->staple;
    const struct tp_cert_info *leaf = s->server_chain.n ? s->server_chain.info[0] : NULL;
    if (!st || !leaf || usable(st))
        return;
    const struct tp_cert_info *issuer = leaf_issuer(s, leaf);
    if (!issuer) {
        snprintf(st->fetch_error, sizeof st->fetch_error, "the leaf's issuer is not known: nothing to ask about");
        return;
    }
    if (!st->present && leaf->aia_ocsp && !strncasecmp(leaf->aia_ocsp, "http://", 7))
        ask_responder(s, leaf, issuer, timeout_ms, at);
    else if (!st->present)
        snprintf(st->fetch_error, sizeof st->fetch_error, "%s",
                 leaf->aia_ocsp ? "the OCSP responder URL is not http://" : "the certificate names no OCSP responder");
    if (usable(s->staple))
        return;
    if (st->fetched && !st->fetch_error[0])
        snprintf(st->fetch_error, sizeof st->fetch_error, "the responder gave no usable status for the certificate");
    if (leaf->crl_dp && !strncasecmp(leaf->crl_dp, "http://", 7))
        fetch_crl(s, leaf, timeout_ms);
}
