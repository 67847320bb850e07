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
    const char *who = ch->is_client ? (c->f->role == DIAG_CLIENT ? "We sent" : "The client sent")
                                    : (c->f->role == DIAG_SERVER ? "We sent" : "The server sent");
    tp_sb_put(sb, c->f->role == DIAG_CHECK ? "The chain file holds" : who);
    tp_sb_putc(sb, ' ');
    diag_put_sent(sb, ch);
    tp_sb_put(sb, ". ");
}

/* "sent" / "in the file" (check): where the chain came from. */
static const char *sent_word(const struct diag_ctx *c)
{
    return c->f->role == DIAG_CHECK ? "in the file" : "sent";
}

/* The first path element the peer did not send (found through AIA or
 * --intermediates), or NULL. */
static const struct tp_path_elem *first_not_sent(const struct tp_verify_result *v)
{
    for (size_t p = 0; p < v->path_len; p++)
        if (v->path[p].src == TP_FROM_AIA || v->path[p].src == TP_FROM_INTERMEDIATES)
            return &v->path[p];
    return NULL;
}

/* unknown-authority's explanation of an unknown issuer. */
static void explain_unknown_issuer(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    struct tp_sb *e = &c->t.expl;
    if (v->root_sent)
        tp_sb_put(e, "The chain ends in a root certificate that was sent along, but a root is only trusted when the "
                     "client already has it. ");
    diag_say(e, "That CA is not among the trust anchors of %T. ", v);
    if (c->f->role == DIAG_OBSERVER)
        tp_sb_put(e, "(A capture is judged with this machine's trust store; the real client may trust other CAs: "
                     "pass its CA file with --cafile.) ");
    if (v->aia_tried && !v->aia_ok)
        tp_sb_put(e, "(Fetching a missing issuer from the AIA URL did not help either.) ");
    /* An intermediate the server did not send, found by AIA or in
     * --intermediates, sits on the path: that is a second problem, and the one
     * clients differ on. */
    const struct tp_path_elem *ns = first_not_sent(v);
    if (ns)
        diag_say(e, "The intermediate %C %s either; tlsprobe found it through %s. Browsers fetch a missing "
                    "intermediate that way; Go, curl, OpenSSL, Python and Java do not, so serve it after the leaf "
                    "as well. ",
                 ns->cert, c->f->role == DIAG_CHECK ? "is not in the file" : "was not sent",
                 ns->src == TP_FROM_AIA ? "the AIA caIssuers URL" : "--intermediates");
    if (!v->root_sent && !ch->is_client)
        diag_say(e, "The last certificate %s is not a root: if '%F' is an intermediate CA, it is simply missing from "
                    "the chain (missing-intermediate); %s",
                 sent_word(c), DIAG_F(v->missing_issuer),
                 c->f->role == DIAG_CHECK ? "pass it with --intermediates FILE|DIR (or --aia) to tell. "
                                          : "tlsprobe could not find it (AIA, --intermediates) to tell. ");
}

void r_unknown_authority(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (v->status != TP_PATH_UNKNOWN_AUTHORITY && v->status != TP_PATH_BAD_SIGNATURE)
        return;
    struct diag_texts *t = &c->t;
    t->own_expl = true; /* the generic text does not fit a chain it reads in detail */
    const char *owner = diag_chain_owner(c, ch);
    if (v->status == TP_PATH_BAD_SIGNATURE) {
        diag_say(&t->sum, "%s chain has a signature that does not verify: it does not lead to a trusted CA.", owner);
        tp_sb_put(&t->expl, "A certificate names an issuer whose key did not make its signature (a wrong or "
                            "re-keyed intermediate, or a tampered certificate). ");
    } else if (!v->root_sent && !ch->is_client) {
        /* The top of the chain is not a root: the issuer may be an
         * intermediate that was not sent, or an untrusted root. */
        diag_say(&t->sum, "%s is issued by '%F', which is neither %s nor in %T: a missing intermediate or an "
                          "untrusted CA.",
                 owner, DIAG_F(v->missing_issuer), sent_word(c), v);
    } else {
        diag_say(&t->sum, "%s is issued by '%F', which is not in %T.", owner, DIAG_F(v->missing_issuer), v);
    }
    put_sent_intro(&t->expl, c, ch);
    if (v->status == TP_PATH_UNKNOWN_AUTHORITY)
        explain_unknown_issuer(c, ch);
    if (ch->is_client) {
        tp_sb_put(&t->expl, "The server does not trust the CA of this client certificate.");
        tp_sb_put(&t->fix, "Add the client's CA to the server's client-CA list (nginx ssl_client_certificate, "
                           "Apache SSLCACertificateFile, tlsprobe listen --client-ca), or issue the client "
                           "certificate from a CA the server already trusts.");
        diag_report(c, TP_SEV_ERROR);
        return;
    }
    tp_sb_put(&t->expl, "Every client using that trust store fails: Go 'x509: certificate signed by unknown "
                        "authority', curl (60) 'unable to get local issuer certificate', Java 'PKIX path "
                        "building failed', Python CERTIFICATE_VERIFY_FAILED, browsers "
                        "NET::ERR_CERT_AUTHORITY_INVALID / SEC_ERROR_UNKNOWN_ISSUER.");
    if (v->status == TP_PATH_UNKNOWN_AUTHORITY && !v->root_sent)
        diag_say(&t->fix, "If '%F' is an intermediate CA, serve it after the leaf (the full chain, without the root: "
                          "certbot's fullchain.pem, your CA's chain bundle). Otherwise: ",
                 DIAG_F(v->missing_issuer));
    diag_say(&t->fix, "If '%F' is your private CA, add its root to each client's trust (" TRUST_HOWTO "). If the "
                      "service is public, use a certificate from a publicly trusted CA and serve it with its "
                      "intermediates.",
             DIAG_F(v->missing_issuer));
    diag_report(c, TP_SEV_ERROR);
}

void r_self_signed(struct diag_ctx *c, const struct diag_chain *ch)
{
    if (ch->v->status != TP_PATH_SELF_SIGNED)
        return;
    diag_say(&c->t.sum, "%s %C is self-signed and not in %T.", diag_chain_owner(c, ch), diag_leaf(ch), ch->v);
    put_sent_intro(&c->t.expl, c, ch);
    if (!ch->is_client)
        tp_sb_put(&c->t.note, " Go says 'x509: certificate signed by unknown authority', curl (60) 'self-signed "
                              "certificate', browsers NET::ERR_CERT_AUTHORITY_INVALID / "
                              "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT.");
    diag_report(c, TP_SEV_ERROR);
}

/* The intermediates the peer did not send, as a list into miss; how they were
 * found (NULL: not found, only named by the issuer). Returns how many. */
static size_t list_missing(const struct tp_verify_result *v, struct tp_sb *miss, const char **found_via)
{
    size_t n = 0;
    *found_via = NULL;
    for (size_t p = 0; p < v->path_len; p++) {
        if (v->path[p].src != TP_FROM_AIA && v->path[p].src != TP_FROM_INTERMEDIATES)
            continue;
        diag_say(miss, "%s%C", n++ ? ", " : "", v->path[p].cert);
        *found_via = v->path[p].src == TP_FROM_AIA ? "the certificate's AIA caIssuers URL" : "--intermediates";
    }
    if (!n && v->missing_issuer[0]) {
        diag_say(miss, "'%F'", DIAG_F(v->missing_issuer));
        n = 1;
    }
    return n;
}

void r_missing_intermediate(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (v->status != TP_PATH_MISSING_INTERMEDIATE)
        return;
    struct diag_texts *t = &c->t;
    struct tp_sb miss;
    tp_sb_init(&miss);
    const char *found_via;
    size_t n_miss = list_missing(v, &miss, &found_via);
    diag_say(&t->sum, "%s chain is incomplete: the intermediate %s %s.", diag_chain_owner(c, ch),
             n_miss ? tp_sb_str(&miss) : "certificate", c->f->role == DIAG_CHECK ? "is not in the file" : "was not sent");
    put_sent_intro(&t->expl, c, ch);
    tp_sb_put(&t->expl, "The missing intermediate");
    if (found_via) {
        diag_say(&t->expl, " was found through %s", found_via);
        if (v->aia_url[0] && found_via[0] == 't')
            diag_say(&t->expl, " (%F)", DIAG_F(v->aia_url));
        tp_sb_put(&t->expl, " and completes a trusted path, so the certificate itself is fine. ");
    } else {
        tp_sb_put(&t->expl, " completes a trusted path. ");
    }
    diag_say(&t->fix, SERVE_FULLCHAIN ": add %s after the leaf.", n_miss ? tp_sb_str(&miss) : "the intermediate");
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
        const char *pt = v->problems[p].text;
        bool the = !strncmp(pt, "The ", 4); /* "The leaf" -> "the leaf" */
        diag_say(&c->t.sum, "%s chain: %s%s.", diag_chain_owner(c, ch), the ? "t" : "", the ? pt + 1 : pt);
        put_tried(&c->t.note, v);
        diag_report(c, TP_SEV_ERROR);
        return;
    }
}

void r_path_building_limit(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (!v->search_limited || v->valid)
        return;
    diag_say(&c->t.sum, "%s chain: path building stopped after %zu paths and %u signature checks without a valid "
                        "path.",
             diag_chain_owner(c, ch), v->n_paths, v->sig_checks);
    put_tried(&c->t.note, v);
    diag_report(c, TP_SEV_ERROR);
}

void r_chain_too_long(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (!v->sent_truncated)
        return;
    diag_say(&c->t.sum, "%s chain holds %zu certificates; only the first %zu were considered as issuers.",
             diag_chain_owner(c, ch), v->n_sent, v->n_used);
    diag_report(c, TP_SEV_WARNING);
}

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
    diag_say(&c->t.sum, "%s chain is out of order: #%d %C is not the issuer of #%d %C.", diag_chain_owner(c, ch), m + 1,
             ch->sent->info[m + 1], m, ch->sent->info[m]);
    put_sent_intro(&c->t.expl, c, ch);
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
    diag_say(&c->t.sum, "%s chain includes the root %C.", diag_chain_owner(c, ch), root);
    put_sent_intro(&c->t.expl, c, ch);
    diag_report(c, TP_SEV_WARNING);
}

void r_extra_certificates(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (!v->n_extra)
        return;
    struct tp_sb *sum = &c->t.sum;
    diag_say(sum, "%s chain holds %zu certificate%s not on the path: ", diag_chain_owner(c, ch), v->n_extra,
             v->n_extra == 1 ? "" : "s");
    for (size_t i = 0; i < v->n_extra && i < TP_MAX_CHAIN_CERTS; i++) {
        int x = v->extra_index[i];
        diag_say(sum, "%s#%d ", i ? ", " : "", x);
        if (x >= 0 && (size_t)x < ch->sent->n)
            diag_put_cert(sum, ch->sent->info[x]);
    }
    tp_sb_putc(sum, '.');
    put_sent_intro(&c->t.expl, c, ch);
    diag_report(c, TP_SEV_WARNING);
}

