/* Chain rules: how the chain as sent relates to the path built from it
 * (unknown-authority, self-signed, missing-intermediate, the RFC 5280 §6.1 path
 * problems, path-building-limit, chain-too-long, chain-order,
 * chain-contains-root, extra-certificates). The engine calls each once per
 * judged chain; they read facts only. */
#include <stdio.h>
#include <string.h>
#include "diagnose/diag_int.h"

/* "The server sent" / "The chain file holds" ... */
static void put_sent_intro(struct tp_sb *sb, const struct diag_ctx *c, const struct diag_chain *ch)
{
    if (c->f->role == DIAG_CHECK) {
        tp_sb_put(sb, "The chain file holds ");
    } else if (ch->is_client) {
        tp_sb_put(sb, c->f->role == DIAG_CLIENT ? "We sent " : "The client sent ");
    } else {
        tp_sb_put(sb, c->f->role == DIAG_SERVER ? "We sent " : "The server sent ");
    }
    diag_put_sent(sb, ch);
    tp_sb_put(sb, ". ");
}

static void put_store(struct tp_sb *sb, const struct tp_verify_result *v)
{
    if (v->store_desc[0])
        DIAG_PUT_FIELD(sb, v->store_desc);
    else
        tp_sb_printf(sb, "the trust store (%zu roots)", v->store_roots);
}

void r_unknown_authority(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (v->status != TP_PATH_UNKNOWN_AUTHORITY && v->status != TP_PATH_BAD_SIGNATURE)
        return;
    struct diag_texts *t = &c->t;
    tp_sb_put(&t->sum, diag_chain_owner(c, ch));
    if (v->status == TP_PATH_BAD_SIGNATURE) {
        tp_sb_put(&t->sum, " chain has a signature that does not verify: it does not lead to a trusted CA.");
        tp_sb_put(&t->expl, "A certificate names an issuer whose key did not make its signature (a wrong or "
                           "re-keyed intermediate, or a tampered certificate). ");
    } else {
        tp_sb_put(&t->sum, " is issued by '");
        DIAG_PUT_FIELD(&t->sum, v->missing_issuer);
        if (!v->root_sent && !ch->is_client) {
            /* The top of the chain is not a root: the issuer may be an
             * intermediate that was not sent, or an untrusted root. */
            tp_sb_put(&t->sum, "', which is neither ");
            tp_sb_put(&t->sum, c->f->role == DIAG_CHECK ? "in the file" : "sent");
            tp_sb_put(&t->sum, " nor in ");
            put_store(&t->sum, v);
            tp_sb_put(&t->sum, ": a missing intermediate or an untrusted CA.");
        } else {
            tp_sb_put(&t->sum, "', which is not in ");
            put_store(&t->sum, v);
            tp_sb_putc(&t->sum, '.');
        }
    }
    put_sent_intro(&t->expl, c, ch);
    if (v->status == TP_PATH_UNKNOWN_AUTHORITY) {
        if (v->root_sent)
            tp_sb_put(&t->expl, "The chain ends in a root certificate that was sent along, but a root is only "
                               "trusted when the client already has it. ");
        tp_sb_put(&t->expl, "That CA is not among the trust anchors of ");
        put_store(&t->expl, v);
        tp_sb_put(&t->expl, ". ");
        if (c->f->role == DIAG_OBSERVER)
            tp_sb_put(&t->expl, "(A capture is judged with this machine's trust store; the real client may trust "
                               "other CAs: pass its CA file with --cafile.) ");
        if (v->aia_tried && !v->aia_ok)
            tp_sb_put(&t->expl, "(Fetching a missing issuer from the AIA URL did not help either.) ");
        /* An intermediate the server did not send, found by AIA or in
         * --intermediates, sits on the path: that is a second problem,
         * and the one clients differ on. */
        for (size_t p = 0; p < v->path_len; p++) {
            if (v->path[p].src != TP_FROM_AIA && v->path[p].src != TP_FROM_INTERMEDIATES)
                continue;
            tp_sb_put(&t->expl, "The intermediate ");
            diag_put_cert(&t->expl, v->path[p].cert);
            tp_sb_put(&t->expl, c->f->role == DIAG_CHECK ? " is not in the file either; tlsprobe found it through "
                                                     : " was not sent either; tlsprobe found it through ");
            tp_sb_put(&t->expl, v->path[p].src == TP_FROM_AIA ? "the AIA caIssuers URL" : "--intermediates");
            tp_sb_put(&t->expl, ". Browsers fetch a missing intermediate that way; Go, curl, OpenSSL, Python and "
                               "Java do not, so serve it after the leaf as well. ");
            break;
        }
        if (!v->root_sent && !ch->is_client) {
            tp_sb_put(&t->expl, "The last certificate ");
            tp_sb_put(&t->expl, c->f->role == DIAG_CHECK ? "in the file" : "sent");
            tp_sb_put(&t->expl, " is not a root: if '");
            DIAG_PUT_FIELD(&t->expl, v->missing_issuer);
            tp_sb_put(&t->expl, "' is an intermediate CA, it is simply missing from the chain (missing-intermediate); ");
            tp_sb_put(&t->expl, c->f->role == DIAG_CHECK ? "pass it with --intermediates FILE|DIR (or --aia) to tell. "
                                                     : "tlsprobe could not find it (AIA, --intermediates) to tell. ");
        }
    }
    if (ch->is_client) {
        tp_sb_put(&t->expl, "The server does not trust the CA of this client certificate.");
        tp_sb_put(&t->fix, "Add the client's CA to the server's client-CA list (nginx ssl_client_certificate, "
                          "Apache SSLCACertificateFile, tlsprobe listen --client-ca), or issue the client "
                          "certificate from a CA the server already trusts.");
    } else {
        tp_sb_put(&t->expl, "Every client using that trust store fails: Go 'x509: certificate signed by unknown "
                           "authority', curl (60) 'unable to get local issuer certificate', Java 'PKIX path "
                           "building failed', Python CERTIFICATE_VERIFY_FAILED, browsers "
                           "NET::ERR_CERT_AUTHORITY_INVALID / SEC_ERROR_UNKNOWN_ISSUER.");
        if (v->status == TP_PATH_UNKNOWN_AUTHORITY && !v->root_sent) {
            tp_sb_put(&t->fix, "If '");
            DIAG_PUT_FIELD(&t->fix, v->missing_issuer);
            tp_sb_put(&t->fix, "' is an intermediate CA, serve it after the leaf (the full chain, without the root: "
                              "certbot's fullchain.pem, your CA's chain bundle). Otherwise: ");
        }
        tp_sb_put(&t->fix, "If '");
        DIAG_PUT_FIELD(&t->fix, v->missing_issuer);
        tp_sb_put(&t->fix, "' is your private CA, add its root to each client's trust (" TRUST_HOWTO
                          "). If the service is public, use a certificate from a publicly trusted CA"
                          " and serve it with its intermediates.");
    }
    diag_report(c, TP_SEV_ERROR);
}

void r_self_signed(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (v->status != TP_PATH_SELF_SIGNED)
        return;
    const struct tp_cert_info *leaf = diag_leaf(ch);
    struct diag_texts *t = &c->t;
    tp_sb_put(&t->sum, diag_chain_owner(c, ch));
    tp_sb_putc(&t->sum, ' ');
    diag_put_cert(&t->sum, leaf);
    tp_sb_put(&t->sum, " is self-signed and not in ");
    put_store(&t->sum, v);
    tp_sb_putc(&t->sum, '.');
    put_sent_intro(&t->expl, c, ch);
    diag_put_generic_expl(c);
    if (!ch->is_client)
        tp_sb_put(&t->expl, " Go says 'x509: certificate signed by unknown authority', curl (60) 'self-signed "
                           "certificate', browsers NET::ERR_CERT_AUTHORITY_INVALID / "
                           "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT.");
    diag_put_generic_fix(c);
    diag_report(c, TP_SEV_ERROR);
}

void r_missing_intermediate(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (v->status != TP_PATH_MISSING_INTERMEDIATE)
        return;
    struct diag_texts *t = &c->t;
    /* Which path elements were not sent. */
    struct tp_sb miss;
    tp_sb_init(&miss);
    size_t n_miss = 0;
    const char *found_via = NULL;
    for (size_t p = 0; p < v->path_len; p++) {
        if (v->path[p].src != TP_FROM_AIA && v->path[p].src != TP_FROM_INTERMEDIATES)
            continue;
        if (n_miss++)
            tp_sb_put(&miss, ", ");
        diag_put_cert(&miss, v->path[p].cert);
        found_via = v->path[p].src == TP_FROM_AIA ? "the certificate's AIA caIssuers URL" : "--intermediates";
    }
    if (!n_miss && v->missing_issuer[0]) {
        tp_sb_putc(&miss, '\'');
        DIAG_PUT_FIELD(&miss, v->missing_issuer);
        tp_sb_putc(&miss, '\'');
        n_miss = 1;
    }
    tp_sb_put(&t->sum, diag_chain_owner(c, ch));
    tp_sb_put(&t->sum, " chain is incomplete: the intermediate ");
    tp_sb_put(&t->sum, n_miss ? tp_sb_str(&miss) : "certificate");
    tp_sb_put(&t->sum, c->f->role == DIAG_CHECK ? " is not in the file." : " was not sent.");
    put_sent_intro(&t->expl, c, ch);
    tp_sb_put(&t->expl, "The missing intermediate");
    if (found_via) {
        tp_sb_put(&t->expl, " was found through ");
        tp_sb_put(&t->expl, found_via);
        if (v->aia_url[0] && found_via[0] == 't') {
            tp_sb_put(&t->expl, " (");
            DIAG_PUT_FIELD(&t->expl, v->aia_url);
            tp_sb_putc(&t->expl, ')');
        }
        tp_sb_put(&t->expl, " and completes a trusted path, so the certificate itself is fine. ");
    } else {
        tp_sb_put(&t->expl, " completes a trusted path. ");
    }
    diag_put_generic_expl(c);
    tp_sb_put(&t->fix, SERVE_FULLCHAIN);
    tp_sb_put(&t->fix, ": add ");
    tp_sb_put(&t->fix, n_miss ? tp_sb_str(&miss) : "the intermediate");
    tp_sb_put(&t->fix, " after the leaf.");
    tp_sb_free(&miss);
    diag_report(c, TP_SEV_ERROR);
}

/* ------------------------------------------------------------------------ */
/* RFC 5280 §6.1 problems of the chosen path (x509/verify.c says which check
 * failed, on which certificate, imposed by which CA). */

/* The other paths the builder judged, for the explanation. */
static void put_tried(struct tp_sb *sb, const struct tp_verify_result *v)
{
    if (!v->n_tried)
        return;
    tp_sb_printf(sb, " Other paths tried (%zu judged in all): ", v->n_paths);
    for (size_t i = 0; i < v->n_tried; i++) {
        if (i)
            tp_sb_put(sb, "; ");
        tp_sb_put(sb, v->tried[i].text);
    }
    tp_sb_put(sb, ".");
}

/* The first problem of the running rule's id on this chain (one finding per id
 * and chain: the first problem names it). One function for the six rows of
 * rules.def whose problems x509/verify.c names. */
void r_path_problem(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    const char *id = diag_rule_id(c);
    for (size_t p = 0; p < v->n_problems; p++) {
        if (strcmp(v->problems[p].id, id) != 0)
            continue;
        struct diag_texts *t = &c->t;
        tp_sb_put(&t->sum, diag_chain_owner(c, ch));
        tp_sb_put(&t->sum, " chain: ");
        const char *pt = v->problems[p].text;
        if (pt[0] == 'T' && pt[1] == 'h' && pt[2] == 'e' && pt[3] == ' ') { /* "The leaf" -> "the leaf" */
            tp_sb_putc(&t->sum, 't');
            pt++;
        }
        tp_sb_put(&t->sum, pt);
        tp_sb_putc(&t->sum, '.');
        diag_put_generic_expl(c);
        put_tried(&t->expl, v);
        diag_put_generic_fix(c);
        diag_report(c, TP_SEV_ERROR);
        return;
    }
}

void r_path_building_limit(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (!v->search_limited || v->valid)
        return;
    struct diag_texts *t = &c->t;
    tp_sb_put(&t->sum, diag_chain_owner(c, ch));
    tp_sb_printf(&t->sum, " chain: path building stopped after %zu paths and %u signature checks without a valid "
                         "path.", v->n_paths, v->sig_checks);
    diag_put_generic_expl(c);
    put_tried(&t->expl, v);
    diag_put_generic_fix(c);
    diag_report(c, TP_SEV_ERROR);
}

void r_chain_too_long(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (!v->sent_truncated)
        return;
    struct diag_texts *t = &c->t;
    tp_sb_put(&t->sum, diag_chain_owner(c, ch));
    tp_sb_printf(&t->sum, " chain holds %zu certificates; only the first %zu were considered as issuers.", v->n_sent,
                 v->n_used);
    diag_put_generic_expl(c);
    diag_put_generic_fix(c);
    diag_report(c, TP_SEV_WARNING);
}

/* The name the verify result checked. */
static bool idx_is_extra(const struct tp_verify_result *v, int idx)
{
    for (size_t i = 0; i < v->n_extra && i < TP_MAX_CHAIN_CERTS; i++)
        if (v->extra_index[i] == idx)
            return true;
    return false;
}

void r_chain_order(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    int m = v->misordered_index;
    if (v->order_ok || m < 0 || (size_t)m + 1 >= ch->sent->n)
        return;
    /* An extra certificate at the end is extra-certificates, not an order problem. */
    if (idx_is_extra(v, m) || idx_is_extra(v, m + 1))
        return;
    struct diag_texts *t = &c->t;
    tp_sb_put(&t->sum, diag_chain_owner(c, ch));
    tp_sb_printf(&t->sum, " chain is out of order: #%d ", m + 1);
    diag_put_cert(&t->sum, ch->sent->info[m + 1]);
    tp_sb_printf(&t->sum, " is not the issuer of #%d ", m);
    diag_put_cert(&t->sum, ch->sent->info[m]);
    tp_sb_putc(&t->sum, '.');
    put_sent_intro(&t->expl, c, ch);
    diag_put_generic_expl(c);
    diag_put_generic_fix(c);
    diag_report(c, TP_SEV_WARNING);
}

void r_chain_contains_root(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    /* An untrusted root sent along is unknown-authority's business; a lone
     * self-signed leaf is self-signed's. */
    if (!v->root_sent || (v->status != TP_PATH_OK && v->status != TP_PATH_MISSING_INTERMEDIATE))
        return;
    const struct tp_cert_info *root = NULL;
    for (size_t i = 1; i < ch->sent->n; i++)
        if (ch->sent->info[i] && ch->sent->info[i]->self_signed)
            root = ch->sent->info[i];
    if (!root)
        return; /* nothing sent after the leaf is a root */
    struct diag_texts *t = &c->t;
    tp_sb_put(&t->sum, diag_chain_owner(c, ch));
    tp_sb_put(&t->sum, " chain includes the root ");
    diag_put_cert(&t->sum, root);
    tp_sb_putc(&t->sum, '.');
    put_sent_intro(&t->expl, c, ch);
    diag_put_generic_expl(c);
    diag_put_generic_fix(c);
    diag_report(c, TP_SEV_WARNING);
}

void r_extra_certificates(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (!v->n_extra)
        return;
    struct diag_texts *t = &c->t;
    tp_sb_put(&t->sum, diag_chain_owner(c, ch));
    tp_sb_printf(&t->sum, " chain holds %zu certificate%s not on the path: ", v->n_extra, v->n_extra == 1 ? "" : "s");
    for (size_t i = 0; i < v->n_extra && i < TP_MAX_CHAIN_CERTS; i++) {
        int x = v->extra_index[i];
        if (i)
            tp_sb_put(&t->sum, ", ");
        tp_sb_printf(&t->sum, "#%d ", x);
        if (x >= 0 && (size_t)x < ch->sent->n)
            diag_put_cert(&t->sum, ch->sent->info[x]);
    }
    tp_sb_putc(&t->sum, '.');
    put_sent_intro(&t->expl, c, ch);
    diag_put_generic_expl(c);
    diag_put_generic_fix(c);
    diag_report(c, TP_SEV_WARNING);
}

