/* Certificate rules: what one certificate on the path says about names, dates,
 * keys and usage (hostname-mismatch, cn-only, expired, not-yet-valid,
 * expiring-soon, weak-key, weak-signature, wrong-key-usage, key-mismatch).
 * Chain rules are called once per judged chain; they read facts only. */
#include <stdio.h>
#include <string.h>
#include "diagnose/diag_int.h"
#include "tlsprobe/names.h"

/* Is the name checked an IP address (v4 or v6 literal)? */
static bool name_is_ip(const char *name)
{
    bool colon = false, alpha = false;
    if (!name[0])
        return false;
    for (const char *p = name; *p; p++) {
        if (*p == ':')
            colon = true;
        else if ((*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
            alpha = true;
        else if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return false;
    }
    return colon || !alpha;
}

void r_hostname_mismatch(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (ch->is_client || v->name_status != TP_NAME_MISMATCH)
        return;
    const struct tp_cert_info *leaf = diag_leaf(ch);
    struct diag_texts *t = &c->t;
    diag_say(&t->sum, "%s %C is valid for %N, not for '%F'.", diag_chain_owner(c, ch), leaf, leaf, DIAG_F(v->name));
    if (c->f->role == DIAG_SERVER)
        diag_say(&t->expl, "The client asked for '%F' in its SNI and our certificate does not cover it: a verifying "
                           "client will reject it (clients that do not check names, or that connect by another "
                           "name, still work). ",
                 DIAG_F(v->name));
    else
        diag_say(&t->expl, "The client checks the name it connected to ('%F') against the certificate's "
                           "subjectAltName entries and finds none that matches. Go: 'x509: certificate is valid "
                           "for ..., not ...'; curl (60) 'no alternative certificate subject name matches'; Java "
                           "'No subject alternative DNS name matching'. ",
                 DIAG_F(v->name));
    diag_say(&t->fix, "Reissue the certificate with a subjectAltName for '%F'", DIAG_F(v->name));
    /* An IP address is matched only against IP SANs (RFC 6125 §6.2.1; Go and
     * browsers never try DNS names or the CN). */
    if (name_is_ip(v->name))
        diag_say(&t->fix, " (openssl req ... -addext 'subjectAltName=IP:%F'; an IP address needs an IP SAN: Go and "
                          "browsers never match it against DNS names), or use a name it covers (",
                 DIAG_F(v->name));
    else
        tp_sb_put(&t->fix, " (openssl req ... -addext 'subjectAltName=DNS:NAME'), or use a name it covers (");
    diag_say(&t->fix, "%N). With several sites on one address, check the server selects the certificate by SNI.",
             leaf);
    diag_report(c, c->f->role == DIAG_SERVER ? TP_SEV_WARNING : TP_SEV_ERROR);
}

/* Only when a name is being checked: without one (check with no --host) there
 * is no name for the CN to stand in for. */
void r_cn_only(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    if (ch->is_client || v->name_status != TP_NAME_OK_CN_ONLY)
        return;
    const struct tp_cert_info *leaf = diag_leaf(ch);
    diag_say(&c->t.sum, "%s %C has no subjectAltName: only its Common Name matches '%F'.", diag_chain_owner(c, ch),
             leaf, DIAG_F(v->name));
    diag_say(&c->t.fix, "Reissue the certificate with a subjectAltName for each name (openssl req ... -addext "
                        "'subjectAltName=DNS:%e').",
             leaf && leaf->subject_cn ? leaf->subject_cn : "NAME");
    diag_report(c, TP_SEV_ERROR);
}

/* "The server's certificate chain: the leaf 'x'" (or "the intermediate 'y'",
 * "the root 'z'"): the start of every finding about one certificate on the path. */
static void put_on_path(struct diag_ctx *c, const struct diag_chain *ch, int idx)
{
    const struct tp_verify_result *v = ch->v;
    const struct tp_cert_info *ci = diag_path_cert(v, idx);
    const char *role = "intermediate";
    if (idx == 0)
        role = "leaf";
    else if ((size_t)idx + 1 == v->path_len && ci && ci->self_signed)
        role = "root";
    diag_say(&c->t.sum, "%s chain: the %s %C", diag_chain_owner(c, ch), role, ci);
}

/* "the capture" (pcap) or "now": when dates were judged. */
static const char *when(const struct diag_ctx *c)
{
    return c->f->role == DIAG_OBSERVER ? "the capture" : "now";
}

void r_expired(struct diag_ctx *c, const struct diag_chain *ch)
{
    int idx = ch->v->expired_index;
    const struct tp_cert_info *ci = diag_path_cert(ch->v, idx);
    if (!ci)
        return;
    struct diag_texts *t = &c->t;
    long days = -tp_cert_days_left(ci, c->f->now);
    put_on_path(c, ch, idx);
    diag_say(&t->sum, " expired on %D, %ld day%s before %s (%D).", ci->not_after, days, days == 1 ? "" : "s",
             when(c), c->f->now);
    if (idx > 0)
        tp_sb_put(&t->note, " Here it is not the leaf but a CA certificate on the path: the server still "
                            "serves an old intermediate, or the client's bundle has an expired root. ");
    tp_sb_put(&t->note, " Go: 'x509: certificate has expired or is not yet valid'; curl/OpenSSL/Python: "
                        "'certificate has expired'; browsers: NET::ERR_CERT_DATE_INVALID.");
    if (idx == 0)
        diag_say(&t->fix, "Renew %C (it expired on %D) and reload the server; automate renewal (ACME/certbot) and "
                          "monitor with 'tlsprobe check'.",
                 ci, ci->not_after);
    else
        diag_say(&t->fix, "Replace %C in the served chain with the CA's current intermediate (download the current "
                          "chain from your CA), or reissue the leaf under a valid CA.",
                 ci);
    diag_report(c, TP_SEV_ERROR);
}

void r_not_yet_valid(struct diag_ctx *c, const struct diag_chain *ch)
{
    int idx = ch->v->not_yet_valid_index;
    const struct tp_cert_info *ci = diag_path_cert(ch->v, idx);
    if (!ci)
        return;
    put_on_path(c, ch, idx);
    diag_say(&c->t.sum, " is valid only from %D, after %s (%D).", ci->not_before, when(c), c->f->now);
    diag_report(c, TP_SEV_ERROR);
}

void r_expiring_soon(struct diag_ctx *c, const struct diag_chain *ch)
{
    int idx = ch->v->expired_index >= 0 ? -1 : ch->v->expiring_soon_index;
    const struct tp_cert_info *ci = diag_path_cert(ch->v, idx);
    if (!ci)
        return;
    long days = tp_cert_days_left(ci, c->f->now);
    put_on_path(c, ch, idx);
    diag_say(&c->t.sum, " expires on %D, in %ld day%s.", ci->not_after, days, days == 1 ? "" : "s");
    diag_say(&c->t.fix, "Renew %C before %D and reload the server; automate renewal (ACME/certbot renews 30 days "
                        "ahead).",
             ci, ci->not_after);
    diag_report(c, TP_SEV_WARNING);
}

/* weak-key and weak-signature: the certificate at idx has a weak `what` (a
 * fixed-size text field of it), then `tail`; note follows the generic text. */
static void put_weak(struct diag_ctx *c, const struct diag_chain *ch, int idx, const char *what, const char *field,
                     size_t size, const char *tail, const char *note)
{
    put_on_path(c, ch, idx);
    diag_say(&c->t.sum, "%s%F%s", what, field, size, tail);
    tp_sb_put(&c->t.note, note);
    diag_report(c, TP_SEV_ERROR);
}

void r_weak_key(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_cert_info *ci = diag_path_cert(ch->v, ch->v->weak_key_index);
    if (ci)
        put_weak(c, ch, ch->v->weak_key_index, " has a weak ", ci->key_desc, sizeof ci->key_desc,
                 " key (minimum: RSA " TP_POLICY_STR(TP_POLICY_MIN_RSA_BITS) ", EC " TP_POLICY_STR(TP_POLICY_MIN_EC_BITS) ").",
                 " OpenSSL says 'ee key too small' / 'ca key too small'.");
}

void r_weak_signature(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_cert_info *ci = diag_path_cert(ch->v, ch->v->weak_sig_index);
    if (ci)
        put_weak(c, ch, ch->v->weak_sig_index, " is signed with ", ci->sig_alg, sizeof ci->sig_alg, ".",
                 " Go: 'x509: cannot verify signature: insecure algorithm'; OpenSSL: 'ca md too weak'; "
                 "browsers: NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM.");
}

void r_wrong_key_usage(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    const struct tp_cert_info *leaf = diag_leaf(ch);
    if (!leaf || v->status == TP_PATH_EMPTY || (v->leaf_ku_ok && v->leaf_eku_ok))
        return;
    const char *want = ch->is_client ? "clientAuth" : "serverAuth";
    struct diag_texts *t = &c->t;
    diag_say(&t->sum, "%s %C has %s%s: it is not allowed for this use.", diag_chain_owner(c, ch), leaf,
             v->leaf_eku_ok ? "a keyUsage without digitalSignature or keyEncipherment" : "an extendedKeyUsage without ",
             v->leaf_eku_ok ? "" : want);
    if (!v->leaf_eku_ok && leaf->has_ext_key_usage) {
        tp_sb_put(&t->expl, "Its extendedKeyUsage allows:");
        static const struct { unsigned bit; const char *name; } ekus[] = {
            { TP_EKU_SERVER_AUTH, "serverAuth" }, { TP_EKU_CLIENT_AUTH, "clientAuth" },
            { TP_EKU_CODE_SIGNING, "codeSigning" }, { TP_EKU_EMAIL, "emailProtection" },
            { TP_EKU_TIME_STAMPING, "timeStamping" }, { TP_EKU_OCSP_SIGNING, "OCSPSigning" },
        };
        bool any = false;
        for (size_t e = 0; e < sizeof ekus / sizeof ekus[0]; e++)
            if (leaf->ext_key_usage & ekus[e].bit) {
                tp_sb_printf(&t->expl, "%s %s", any ? "," : "", ekus[e].name);
                any = true;
            }
        if (!any)
            tp_sb_put(&t->expl, " (nothing we know)");
        tp_sb_put(&t->expl, ". ");
    }
    tp_sb_printf(&t->fix, "Reissue with extendedKeyUsage %s and keyUsage digitalSignature (openssl req ... -addext "
                         "'extendedKeyUsage=%s' -addext 'keyUsage=digitalSignature,keyEncipherment').",
                 want, want);
    diag_report(c, TP_SEV_ERROR);
}

/* Wire evidence (issue 16): the handshake signature a side sent does not verify
 * with the key of the certificate it sent. Our own side's is never judged. */
static void key_mismatch_on_wire(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    for (int d = 0; d < 2; d++) {
        if (c->f->sig[d] != TP_SIG_BAD)
            continue;
        const struct tp_chain *ch = d == TP_S2C ? &s->server_chain : &s->client_chain;
        bool tls12_ske = s->version == TP_TLS1_2 && d == TP_S2C;
        struct diag_texts *t = &c->t;
        diag_say(&t->sum, "%s's %s signature does not verify with the public key of the certificate it sent",
                 diag_Who(c, d), tls12_ske ? "ServerKeyExchange" : "CertificateVerify");
        if (ch->n && ch->info[0])
            diag_say(&t->sum, " (%C)", ch->info[0]);
        tp_sb_put(&t->sum, ": its private key does not belong to its certificate.");
        tp_sb_put(&t->expl, "tlsprobe rebuilt what was signed from the handshake messages and checked the "
                           "signature with the certificate's key: it does not verify. The side holds a key from "
                           "another issuance (a renewed certificate with the old key, files from two servers, a "
                           "hand-built tls.Certificate in Go); its peer answers with decrypt_error or hangs up. ");
        tp_sb_put(&t->fix, "Load the key that belongs to the certificate: 'tlsprobe check --chain cert.pem --key "
                          "key.pem' compares them (or openssl x509 -pubkey vs openssl pkey -pubout). Go: build the "
                          "tls.Certificate with tls.LoadX509KeyPair / X509KeyPair, which refuse a key that does not "
                          "match.");
        diag_report(c, TP_SEV_ERROR);
        /* The decrypt_error that follows is this, not remote-alert. */
        for (size_t k = 0; k < c->f->n_alerts; k++)
            if (c->f->alerts[k].m->alert_desc == TP_ALERT_DECRYPT_ERROR)
                diag_claim_alert(c, k);
    }
}

void r_key_mismatch(struct diag_ctx *c)
{
    const struct tp_check_facts *cf = c->f->check;
    if (c->f->role != DIAG_CHECK) {
        key_mismatch_on_wire(c);
        return;
    }
    if (!cf || !cf->key_path || cf->key_matches)
        return;
    const struct tp_session *s = c->f->s;
    const struct tp_cert_info *leaf = diag_path_cert(s->server_verify, 0);
    if (!leaf && s->server_chain.n)
        leaf = s->server_chain.info[0];
    struct diag_texts *t = &c->t;
    diag_say(&t->sum, "The key in %e does not belong to the leaf %C.", cf->key_path, leaf);
    if (cf->key_matches_index >= 0 && (size_t)cf->key_matches_index < s->server_chain.n)
        diag_say(&t->expl, "It is the key of certificate #%d %C in the chain file, not of the leaf: the key and "
                           "certificate files are mixed up. ",
                 cf->key_matches_index, s->server_chain.info[cf->key_matches_index]);
    diag_report(c, TP_SEV_ERROR);
}

