/* Revocation rules on the stapled OCSP response a session holds (s->staple,
 * session/staple.c): revoked, ocsp-bad-signature, ocsp-stale,
 * ocsp-not-yet-valid, must-staple-missing, ocsp-unavailable. */
#include "tlsprobe/policy.h"
#include "diagnose/diag_int.h"

/* The staple's SingleResponse about the leaf, when it decoded and matched. */
static const struct tp_ocsp_single *leaf_status(const struct tp_staple *st)
{
    if (!st || !st->resp || st->resp->response_status != TP_OCSP_SUCCESSFUL || st->single < 0 ||
        (size_t)st->single >= st->resp->n_singles)
        return NULL;
    return &st->resp->singles[st->single];
}

/* Where the response came from, for the summary. */
static const char *source_words(const struct tp_staple *st)
{
    if (st->fetched)
        return "the OCSP response of the certificate's responder";
    if (st->from_file)
        return "the OCSP response file";
    return st->carried ? "the OCSP response the server stapled (in a first handshake: this wolfSSL ends a TLS 1.2 "
                         "handshake over any staple it cannot check itself, so tlsprobe connected again without "
                         "asking for one)"
                       : "the OCSP response the server staples";
}

/* A CRL signed by the leaf's issuer lists the leaf. */
static void revoked_by_crl(struct diag_ctx *c)
{
    const struct tp_crl_check *cc = c->f->s->crl_check;
    if (!cc || !cc->listed || cc->sig != 1)
        return;
    const struct tp_cert_info *leaf = c->f->s->server_chain.n ? c->f->s->server_chain.info[0] : NULL;
    diag_say(&c->t.sum, "The certificate %C was revoked on %D", leaf, cc->entry.revocation_date);
    const char *reason = tp_ocsp_reason_name(cc->entry.reason);
    if (reason)
        diag_say(&c->t.sum, " (reason: %s)", reason);
    diag_say(&c->t.sum, ", says the CRL %e%s.", cc->source,
             cc->crl->is_delta ? " (a delta CRL)" : "");
    diag_report(c, TP_SEV_ERROR);
}

void r_revoked(struct diag_ctx *c)
{
    const struct tp_staple *st = c->f->s->staple;
    const struct tp_ocsp_single *sr = leaf_status(st);
    if (!sr || sr->status != TP_OCSP_REVOKED || st->sig.status != TP_OCSP_SIG_OK) {
        revoked_by_crl(c);
        return;
    }
    const struct tp_cert_info *leaf = c->f->s->server_chain.n ? c->f->s->server_chain.info[0] : NULL;
    diag_say(&c->t.sum, "The certificate %C was revoked on %D", leaf, sr->revocation_time);
    const char *reason = tp_ocsp_reason_name(sr->revocation_reason);
    if (reason)
        diag_say(&c->t.sum, " (reason: %s)", reason);
    diag_say(&c->t.sum, ", says %s.", source_words(st));
    diag_report(c, TP_SEV_ERROR);
}

void r_ocsp_bad_signature(struct diag_ctx *c)
{
    const struct tp_staple *st = c->f->s->staple;
    if (!st || (!st->present && !st->fetched))
        return;
    if (!st->resp) {
        diag_say(&c->t.sum, "The stapled OCSP response does not decode (%s).", tp_err_text(st->parse_err));
    } else if (st->resp->has_basic &&
               (st->sig.status == TP_OCSP_SIG_BAD || st->sig.status == TP_OCSP_SIG_NO_SIGNER ||
                st->sig.status == TP_OCSP_SIG_BAD_DELEGATE)) {
        diag_say(&c->t.sum, "The stapled OCSP response is not validly signed: %e", st->sig.why);
    } else {
        return;
    }
    diag_report(c, st->must_staple ? TP_SEV_ERROR : TP_SEV_WARNING);
}

void r_ocsp_stale(struct diag_ctx *c)
{
    const struct tp_staple *st = c->f->s->staple;
    const struct tp_ocsp_single *sr = leaf_status(st);
    if (!sr || !sr->has_next_update || sr->next_update >= c->f->now)
        return;
    long days = (long)((c->f->now - sr->next_update) / 86400);
    diag_say(&c->t.sum, "The stapled OCSP response expired on %D (nextUpdate)", sr->next_update);
    if (days > 0)
        diag_say(&c->t.sum, ", %ld day%s ago", days, days == 1 ? "" : "s");
    diag_say(&c->t.sum, "; it was produced on %D.", st->resp->produced_at);
    diag_report(c, st->must_staple ? TP_SEV_ERROR : TP_SEV_WARNING);
}

void r_ocsp_not_yet_valid(struct diag_ctx *c)
{
    const struct tp_staple *st = c->f->s->staple;
    const struct tp_ocsp_single *sr = leaf_status(st);
    if (!sr || sr->this_update <= c->f->now + TP_POLICY_OCSP_SKEW_S)
        return;
    diag_say(&c->t.sum, "The stapled OCSP response starts on %D (thisUpdate), after the time it is judged at (%D).",
             sr->this_update, c->f->now);
    diag_report(c, st->must_staple ? TP_SEV_ERROR : TP_SEV_WARNING);
}

/* The client asked for a staple and none came (a handshake that got as far
 * as the server's certificate). */
static bool asked_none(const struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    const struct tp_staple *st = s->staple;
    if (!st || c->f->role == DIAG_CHECK || c->f->role == DIAG_SERVER)
        return false;
    return st->requested && !st->present && s->server_chain.n > 0 && !s->resumed;
}

void r_must_staple_missing(struct diag_ctx *c)
{
    const struct tp_staple *st = c->f->s->staple;
    if (!asked_none(c) || !st->must_staple)
        return;
    const struct tp_cert_info *leaf = c->f->s->server_chain.info[0];
    diag_say(&c->t.sum, "The certificate %C has OCSP Must-Staple, and the server stapled no OCSP response.", leaf);
    diag_report(c, TP_SEV_ERROR);
}

void r_ocsp_unavailable(struct diag_ctx *c)
{
    const struct tp_staple *st = c->f->s->staple;
    const struct tp_crl_check *cc = c->f->s->crl_check;
    const struct tp_ocsp_single *sr = leaf_status(st);
    bool ocsp_ok = sr && st->sig.status == TP_OCSP_SIG_OK && sr->status != TP_OCSP_UNKNOWN;
    bool crl_ok = cc && cc->crl && cc->covers && cc->sig == 1;
    if (st && st->fetch_error[0] && !ocsp_ok && !crl_ok) {
        /* --check-revocation found no answer it can use: a warning */
        diag_say(&c->t.sum, "No revocation status could be had for the certificate: ");
        if (st->fetch_url[0])
            diag_say(&c->t.sum, "the OCSP responder %e: %e", st->fetch_url, st->fetch_error);
        else
            diag_say(&c->t.sum, "%e", st->fetch_error);
        if (cc && cc->error[0])
            diag_say(&c->t.sum, "; the CRL %e: %e", cc->source, cc->error);
        else if (cc && cc->crl && !cc->covers)
            diag_say(&c->t.sum, "; the CRL %e is not from the certificate's issuer", cc->source);
        else if (cc && cc->crl && cc->sig != 1)
            diag_say(&c->t.sum, "; the CRL %e is not signed by the certificate's issuer", cc->source);
        else if (!cc)
            diag_say(&c->t.sum, "; the certificate names no http:// CRL distribution point");
        diag_say(&c->t.sum, ".");
        diag_report(c, TP_SEV_WARNING);
        return;
    }
    if (st && st->resp && st->resp->response_status != TP_OCSP_SUCCESSFUL) {
        diag_say(&c->t.sum, "The stapled OCSP response says %s, not a certificate status.",
                 tp_ocsp_resp_status_name(st->resp->response_status));
    } else if (leaf_status(st) && leaf_status(st)->status == TP_OCSP_UNKNOWN && st->sig.status == TP_OCSP_SIG_OK) {
        diag_say(&c->t.sum, "The stapled OCSP response says the responder does not know this certificate "
                            "(status unknown).");
    } else if (st && st->resp && st->resp->has_basic && st->issuer_known && st->single < 0 &&
               st->sig.status == TP_OCSP_SIG_OK) {
        diag_say(&c->t.sum, "The stapled OCSP response has no status for this certificate (%zu status%s for others).",
                 st->resp->n_singles_total, st->resp->n_singles_total == 1 ? "" : "es");
    } else {
        return;
    }
    diag_report(c, TP_SEV_INFO);
}
