/* Our own path building and verification (RFC 5280 §6, simplified): from the chain
 * as sent, plus --intermediates and AIA caIssuers, to an anchor of the store. Every
 * link's signature is checked with wolfSSL; the result is a set of facts the
 * diagnosis rules read (unknown authority vs self-signed vs missing intermediate). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "x509_int.h"
#include "store_int.h"

void tp_verify_result_free(struct tp_verify_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->path_len; i++)
        tp_cert_free(res->path[i].cert);
    free(res);
}

static struct tp_cert_info *cert_copy(const struct tp_cert_info *ci)
{
    struct tp_cert_info *c = NULL;
    if (tp_cert_parse(ci->der, ci->der_len, &c) != TP_OK)
        return NULL;
    return c;
}

static bool on_path(const struct tp_verify_result *res, const struct tp_cert_info *ci)
{
    for (size_t i = 0; i < res->path_len; i++)
        if (!memcmp(res->path[i].cert->sha256, ci->sha256, 32))
            return true;
    return false;
}

static int store_find(struct tp_cert_info *const *arr, size_t n, const struct tp_cert_info *ci)
{
    for (size_t i = 0; i < n; i++)
        if (!memcmp(arr[i]->sha256, ci->sha256, 32))
            return (int)i;
    return -1;
}

/* Pick an issuer for `child` from arr (not already on the path). *name_only notes a
 * candidate whose names link but whose signature fails. */
static int find_issuer(const struct tp_verify_result *res, const struct tp_cert_info *child,
                       struct tp_cert_info *const *arr, size_t n, bool *name_only)
{
    for (size_t i = 0; i < n; i++) {
        if (!arr[i] || on_path(res, arr[i]) || !cert_name_links(child, arr[i]))
            continue;
        if (cert_sig_verifies(child, arr[i]))
            return (int)i;
        *name_only = true;
    }
    return -1;
}

static bool push(struct tp_verify_result *res, const struct tp_cert_info *ci, enum tp_path_src src, int sent_index)
{
    if (res->path_len >= sizeof res->path / sizeof res->path[0])
        return false;
    struct tp_cert_info *c = cert_copy(ci);
    if (!c)
        return false;
    res->path[res->path_len].cert = c;
    res->path[res->path_len].src = src;
    res->path[res->path_len].sent_index = sent_index;
    res->path_len++;
    return true;
}

/* Parse an AIA body: DER certificate, PEM, or PKCS#7 certs-only (RFC 5280 §4.2.2.1). */
static size_t aia_certs(const uint8_t *body, size_t len, struct tp_cert_info **out, size_t max)
{
    struct tp_file *f = NULL;
    size_t n = 0;
    if (tp_file_parse("AIA", body, len, &f) == TP_OK)
        for (size_t i = 0; i < f->n_objs && n < max; i++)
            if (f->objs[i].kind == TP_OBJ_CERTIFICATE && f->objs[i].cert) {
                out[n++] = f->objs[i].cert;
                f->objs[i].cert = NULL;
            }
    tp_file_free(f);
    return n;
}

enum tp_err tp_chain_verify(const struct tp_bytes *chain, size_t n, const struct tp_verify_opts *opts,
                            struct tp_verify_result **out)
{
    struct tp_verify_result *res = calloc(1, sizeof *res);
    *out = res;
    if (!res)
        return TP_ERR_NOMEM;
    res->misordered_index = res->expired_index = res->not_yet_valid_index = res->expiring_soon_index = -1;
    res->weak_key_index = res->weak_sig_index = -1;
    res->order_ok = true;
    res->n_sent = n;
    res->leaf_ku_ok = res->leaf_eku_ok = true;
    const struct tp_store *st = opts ? opts->store : NULL;
    snprintf(res->store_desc, sizeof res->store_desc, "%s", tp_store_describe(st));
    res->store_roots = tp_store_count_roots(st);
    if (n == 0 || !chain) {
        res->status = TP_PATH_EMPTY;
        return TP_OK;
    }
    time_t now = opts && opts->now ? opts->now : time(NULL);
    int expiring_days = opts && opts->expiring_days > 0 ? opts->expiring_days : 30;

    /* Parse what was sent (unparseable certificates are kept as NULL: never on the path). */
    size_t ns = n < TP_MAX_CHAIN_CERTS ? n : TP_MAX_CHAIN_CERTS;
    struct tp_cert_info *sent[TP_MAX_CHAIN_CERTS] = { 0 };
    for (size_t i = 0; i < ns; i++)
        if (tp_cert_parse(chain[i].p, chain[i].len, &sent[i]) != TP_OK)
            sent[i] = NULL;

    /* The leaf is the first certificate, unless the sender put an issuer first: then
     * the first sent certificate that issues no other sent certificate. */
    size_t leaf = 0;
    bool first_issues = false;
    for (size_t j = 1; sent[0] && j < ns; j++)
        if (sent[j] && tp_cert_issued_by(sent[j], sent[0]) && !sent[j]->self_signed)
            first_issues = true;
    if (first_issues || !sent[0]) {
        for (size_t i = 0; i < ns; i++) {
            bool issues = false;
            for (size_t j = 0; sent[i] && j < ns && !issues; j++)
                issues = j != i && sent[j] && tp_cert_issued_by(sent[j], sent[i]);
            if (sent[i] && !issues) {
                leaf = i;
                break;
            }
        }
    }
    bool anchored = false, bad_sig = false, used_extra = false;
    const char *first_fetched = NULL;
    struct tp_cert_info *fetched[8] = { 0 };
    size_t n_fetched = 0;
    enum tp_err err = TP_OK;
    if (!sent[leaf]) {
        res->status = TP_PATH_BAD_SIGNATURE; /* nothing usable: the leaf isn't a certificate */
        snprintf(res->missing_issuer, sizeof res->missing_issuer, "(the first certificate could not be parsed)");
        goto out;
    }
    if (!push(res, sent[leaf], TP_FROM_SENT, (int)leaf)) {
        err = TP_ERR_NOMEM;
        goto out;
    }

    /* The leaf itself may be an anchor (e.g. a self-signed certificate given with --cafile). */
    if (st && store_find(st->roots, st->n_roots, sent[leaf]) >= 0) {
        res->path[0].src = TP_FROM_SENT;
        anchored = true;
    }
    while (!anchored && res->path_len < sizeof res->path / sizeof res->path[0]) {
        const struct tp_cert_info *cur = res->path[res->path_len - 1].cert;
        bool name_only = false;
        int k;
        if (st && (k = find_issuer(res, cur, st->roots, st->n_roots, &name_only)) >= 0) {
            int si = store_find(sent, ns, st->roots[k]);
            if (!push(res, st->roots[k], TP_FROM_STORE, si)) {
                err = TP_ERR_NOMEM;
                goto out;
            }
            anchored = true;
            break;
        }
        if (cur->self_signed)
            break; /* a root nobody trusts: the path ends here */
        if ((k = find_issuer(res, cur, sent, ns, &name_only)) >= 0) {
            if (!push(res, sent[k], TP_FROM_SENT, k)) {
                err = TP_ERR_NOMEM;
                goto out;
            }
            continue;
        }
        if (st && (k = find_issuer(res, cur, st->inters, st->n_inters, &name_only)) >= 0) {
            if (!push(res, st->inters[k], TP_FROM_INTERMEDIATES, -1)) {
                err = TP_ERR_NOMEM;
                goto out;
            }
            used_extra = true;
            if (!first_fetched)
                first_fetched = st->inters[k]->subject;
            continue;
        }
        if (opts && opts->aia && cur->aia_ca_issuers && !res->aia_tried) {
            res->aia_tried = true;
            snprintf(res->aia_url, sizeof res->aia_url, "%s", cur->aia_ca_issuers);
            uint8_t *body = NULL;
            size_t blen = 0;
            enum tp_err he = http_get(cur->aia_ca_issuers, opts->aia_timeout_ms > 0 ? opts->aia_timeout_ms : TP_AIA_TIMEOUT_MS,
                                      TP_MAX_AIA_BYTES, &body, &blen, res->aia_error, sizeof res->aia_error);
            if (he == TP_OK) {
                n_fetched = aia_certs(body, blen, fetched, sizeof fetched / sizeof fetched[0]);
                if (n_fetched == 0)
                    snprintf(res->aia_error, sizeof res->aia_error, "the URL did not return a certificate");
            }
            free(body);
            bool dummy = false;
            if ((k = find_issuer(res, cur, fetched, n_fetched, &dummy)) >= 0) {
                res->aia_ok = true;
                if (!push(res, fetched[k], TP_FROM_AIA, -1)) {
                    err = TP_ERR_NOMEM;
                    goto out;
                }
                used_extra = true;
                if (!first_fetched)
                    first_fetched = res->path[res->path_len - 1].cert->subject;
                continue;
            }
            if (n_fetched && !res->aia_error[0])
                snprintf(res->aia_error, sizeof res->aia_error, "the fetched certificate does not issue '%s'",
                         cur->subject);
        }
        bad_sig = name_only;
        break;
    }

    const struct tp_cert_info *last = res->path[res->path_len - 1].cert;
    if (anchored) {
        res->status = used_extra ? TP_PATH_MISSING_INTERMEDIATE : TP_PATH_OK;
        if (used_extra && first_fetched)
            snprintf(res->missing_issuer, sizeof res->missing_issuer, "%s", first_fetched);
    } else if (bad_sig) {
        res->status = TP_PATH_BAD_SIGNATURE;
        snprintf(res->missing_issuer, sizeof res->missing_issuer, "%s", last->issuer);
    } else if (res->path_len == 1 && last->self_signed) {
        res->status = TP_PATH_SELF_SIGNED;
        snprintf(res->missing_issuer, sizeof res->missing_issuer, "%s", last->subject);
    } else if (last->self_issued && !last->self_signed) {
        res->status = TP_PATH_BAD_SIGNATURE; /* claims to be a root, its own signature fails */
        snprintf(res->missing_issuer, sizeof res->missing_issuer, "%s", last->subject);
    } else {
        /* Either an untrusted root was reached, or an issuer could not be found.
         * Without AIA/--intermediates we cannot tell a missing intermediate from an
         * unknown CA: both are "unknown authority" (the enum's contract). */
        res->status = TP_PATH_UNKNOWN_AUTHORITY;
        snprintf(res->missing_issuer, sizeof res->missing_issuer, "%s", last->self_signed ? last->subject : last->issuer);
    }

    /* Shape of the sent chain: sent[i] should sit at path position i. */
    for (size_t k = 0; k < res->path_len; k++) {
        int si = res->path[k].sent_index;
        if (si < 0)
            continue;
        if ((size_t)si != k && res->order_ok) {
            res->order_ok = false;
            res->misordered_index = (int)(k < ns ? k : (size_t)si);
        }
        if (res->path[k].cert->self_signed)
            res->root_sent = true;
    }
    for (size_t i = 0; i < ns; i++) {
        bool used = false;
        for (size_t k = 0; k < res->path_len && !used; k++)
            used = res->path[k].sent_index == (int)i;
        if (!used)
            res->extra_index[res->n_extra++] = (int)i;
    }
    for (size_t i = ns; i < n; i++) /* beyond what we keep: counted as extra */
        res->n_extra++;

    /* Dates and strength over the path. */
    for (size_t k = 0; k < res->path_len; k++) {
        const struct tp_cert_info *c = res->path[k].cert;
        if (now < c->not_before) {
            if (res->not_yet_valid_index < 0)
                res->not_yet_valid_index = (int)k;
        } else if (now > c->not_after) {
            if (res->expired_index < 0)
                res->expired_index = (int)k;
        } else if (tp_cert_days_left(c, now) < expiring_days && res->expiring_soon_index < 0) {
            res->expiring_soon_index = (int)k;
        }
        bool weak_key = ((c->key_type == TP_KEY_RSA || c->key_type == TP_KEY_DSA) && c->key_bits < 2048) ||
                        (c->key_type == TP_KEY_EC && c->key_bits < 256);
        if (weak_key && res->weak_key_index < 0)
            res->weak_key_index = (int)k;
        /* A root's self-signature is never used by anyone: don't judge it. */
        bool is_anchor_end = k == res->path_len - 1 && (anchored || c->self_signed);
        if (c->sig_weak && !is_anchor_end && res->weak_sig_index < 0)
            res->weak_sig_index = (int)k;
    }

    /* Name (RFC 6125) and purpose of the leaf. */
    const struct tp_cert_info *lc = res->path[0].cert;
    if (opts && opts->host && *opts->host) {
        snprintf(res->name, sizeof res->name, "%s", opts->host);
        res->name_status = tp_cert_match_name(lc, opts->host);
    }
    bool client = opts && opts->purpose == TP_PURPOSE_CLIENT;
    if (lc->has_key_usage)
        res->leaf_ku_ok = (lc->key_usage & (TP_KU_DIGITAL_SIGNATURE | TP_KU_KEY_AGREEMENT |
                                            (client ? 0 : TP_KU_KEY_ENCIPHERMENT))) != 0;
    if (lc->has_ext_key_usage)
        res->leaf_eku_ok = (lc->ext_key_usage & (TP_EKU_ANY | (client ? TP_EKU_CLIENT_AUTH : TP_EKU_SERVER_AUTH))) != 0;
    {
        const char *rej = res->status == TP_PATH_OK || res->status == TP_PATH_MISSING_INTERMEDIATE ? ""
                          : res->status == TP_PATH_SELF_SIGNED ? "self-signed"
                          : res->status == TP_PATH_BAD_SIGNATURE ? "bad-signature"
                          : "unknown-authority";
        if (!*rej && res->expired_index >= 0)
            rej = "expired";
        if (!*rej && res->not_yet_valid_index >= 0)
            rej = "not-yet-valid";
        if (!*rej && res->name_status == TP_NAME_MISMATCH)
            rej = "hostname-mismatch";
        if (!*rej && (!res->leaf_ku_ok || !res->leaf_eku_ok))
            rej = "wrong-key-usage";
        res->valid = !*rej;
        snprintf(res->reject_id, sizeof res->reject_id, "%s", rej);
    }

out:
    for (size_t i = 0; i < ns; i++)
        tp_cert_free(sent[i]);
    for (size_t i = 0; i < n_fetched; i++)
        tp_cert_free(fetched[i]);
    return err;
}
