/* libtlsprobe: tlsprobe_check_chain, the `check` pipeline. Judge a server's
 * chain + key before deploying it: the same verifier and the same rule table as
 * a live connection, on files. The CLI's `check` is this function (src/cli/cmd_check.c
 * parses the options and prints the report). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib_int.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/policy.h"
#include "tlsprobe/strbuf.h"

/* What one call holds; run_free releases the scratch, not the result. */
struct check_run {
    const struct tlsprobe_options *o;
    struct tlsprobe_result *r;
    struct tp_file *file;    /* the chain file: ders point into it */
    struct tp_bytes *ders;   /* every certificate for the verifier (TP_MAX_VERIFY_CERTS) */
    size_t n_ders, n_total;
    struct tp_check_facts facts;
    uint8_t kpub[32];        /* the key's public key SHA-256 */
    int code;                /* TLSPROBE_ERR_* of a failure */
    char err[600];           /* its line */
};

static void run_free(struct check_run *c)
{
    free(c->ders);
    c->ders = NULL;
    tp_file_free(c->file);
    c->file = NULL;
}

/* Record a failure: returns false. */
static bool fail(struct check_run *c, int code, const char *what, const char *path, const char *why)
{
    c->code = code;
    snprintf(c->err, sizeof c->err, "%s%s%s%s%s", what, path ? " " : "", path ? path : "", why ? ": " : "",
             why ? why : "");
    return false;
}

static bool load_key(struct check_run *c, const char *path)
{
    struct tp_file *kf = NULL;
    enum tp_err e = tp_lib_read(c->o, path, &kf);
    bool ok = false;
    if (e != TP_OK)
        fail(c, tp_lib_code(e), "cannot read the key", path, kf && kf->error[0] ? kf->error : tp_err_text(e));
    for (size_t i = 0; e == TP_OK && i < kf->n_objs; i++) {
        const struct tp_file_obj *o = &kf->objs[i];
        if (o->kind != TP_OBJ_PRIVATE_KEY)
            continue;
        if (o->key_encrypted || !o->has_pub_sha256) {
            snprintf(c->err, sizeof c->err,
                     "the key %s is encrypted (decrypt it first: openssl pkey -in %s -out plain.key)", path, path);
            c->code = TLSPROBE_ERR_INPUT;
            break;
        }
        memcpy(c->kpub, o->pub_sha256, 32);
        ok = true;
        break;
    }
    if (!ok && !c->code)
        fail(c, TLSPROBE_ERR_INPUT, "the key file", path, "holds no private key");
    tp_file_free(kf);
    return ok;
}

/* before, the subject escaped, after */
static void put_subject(struct tp_sb *t, const char *before, const struct tp_cert_info *ci, const char *after)
{
    tp_sb_put(t, before);
    tp_sb_put_escaped(t, (const uint8_t *)ci->subject, strlen(ci->subject));
    tp_sb_put(t, after);
}

static void put_path(struct tp_sb *t, const char *path)
{
    tp_sb_put_escaped(t, (const uint8_t *)path, strlen(path));
}

/* Servers load a chain file's first certificate as theirs and pair the key with
 * it (nginx, Apache, HAProxy, OpenSSL's SSL_CTX_use_certificate_chain_file;
 * RFC 8446 §4.4.2: the sender's certificate comes first). A file whose leaf is
 * not first fails to load there with a key mismatch, whatever order TLS 1.3
 * clients would accept: an error, with the fix. */
static void key_not_first(struct tp_session *s, const char *key, const char *chain, int leaf_at)
{
    struct tp_finding *f = tp_session_add_finding(s, "key-mismatch", TP_SEV_ERROR);
    if (!f)
        return;
    const struct tp_cert_info *first = s->server_chain.n ? s->server_chain.info[0] : NULL;
    const struct tp_cert_info *leaf = (size_t)leaf_at < s->server_chain.n ? s->server_chain.info[leaf_at] : NULL;
    struct tp_sb t;
    tp_sb_init(&t);
    tp_sb_put(&t, "The key in ");
    put_path(&t, key);
    tp_sb_put(&t, " belongs to the leaf");
    if (leaf)
        put_subject(&t, " '", leaf, "'");
    tp_sb_printf(&t, ", but the leaf is certificate #%d in ", leaf_at);
    put_path(&t, chain);
    tp_sb_put(&t, " and the first is ");
    if (first)
        put_subject(&t, "'", first, "'.");
    else
        tp_sb_put(&t, "another certificate.");
    f->summary = tp_sb_take(&t);
    tp_sb_init(&t);
    tp_sb_put(&t, "Servers take the first certificate of the file as their own and pair the key with it: "
                  "nginx, Apache, HAProxy and OpenSSL refuse to start ('key values mismatch'), and TLS "
                  "requires the server's own certificate first (RFC 8446 §4.4.2, RFC 5246 §7.4.2).");
    f->explanation = tp_sb_take(&t);
    tp_sb_init(&t);
    tp_sb_put(&t, "Put the leaf first, then each intermediate in order: 'tlsprobe check --chain ");
    put_path(&t, chain);
    tp_sb_put(&t, " --save-chain fullchain.pem' writes the file in that order (without the root).");
    f->fix = tp_sb_take(&t);
    f->reference = "RFC 8446 §4.4.2; RFC 5246 §7.4.2";
}

/* The chain file into s->server_chain (parsed, for display) and ders (every
 * certificate, for the verifier: up to TP_MAX_VERIFY_CERTS, more are counted). */
static bool read_chain(struct check_run *c, const char *path)
{
    enum tp_err e = tp_lib_read(c->o, path, &c->file);
    if (e != TP_OK)
        return fail(c, tp_lib_code(e), "cannot read the chain", path,
                    c->file && c->file->error[0] ? c->file->error : tp_err_text(e));
    struct tp_session *s = c->r->s = tp_session_new(TP_SRC_CONNECT, 0);
    c->ders = calloc(TP_MAX_VERIFY_CERTS, sizeof *c->ders);
    if (!s || !c->ders)
        return fail(c, TLSPROBE_ERR_NOMEM, "out of memory", NULL, NULL);
    struct tp_chain *ch = &s->server_chain;
    for (size_t i = 0; i < c->file->n_objs; i++) {
        const struct tp_file_obj *o = &c->file->objs[i];
        if (o->kind != TP_OBJ_CERTIFICATE || !o->der)
            continue;
        c->n_total++;
        if (c->n_ders < TP_MAX_VERIFY_CERTS)
            c->ders[c->n_ders++] = tp_bytes_make(o->der, o->der_len);
        if (ch->n == TP_MAX_CHAIN_CERTS)
            continue;
        uint8_t *copy = malloc(o->der_len);
        struct tp_cert_info *ci = NULL;
        if (!copy || tp_cert_parse(o->der, o->der_len, &ci) != TP_OK) {
            free(copy);
            continue;
        }
        memcpy(copy, o->der, o->der_len);
        ch->der[ch->n] = tp_bytes_make(copy, o->der_len);
        ch->info[ch->n++] = ci;
    }
    ch->n_total = c->n_total;
    ch->present = true;
    return ch->n ? true : fail(c, TLSPROBE_ERR_INPUT, "the chain file", path, "holds no certificate");
}

/* Build and judge the path: the trust store, the intermediates, the verifier. */
static bool verify(struct check_run *c, const char *host)
{
    const struct tlsprobe_options *o = c->o;
    char err[512] = "";
    struct tp_store *store = NULL;
    if (tp_store_load(o->cafile, o->capath, &store, err, sizeof err) != TP_OK)
        return fail(c, TLSPROBE_ERR_IO, err[0] ? err : "cannot load the trust store", NULL, NULL);
    if (o->intermediates && tp_store_add_intermediates(store, o->intermediates, err, sizeof err) != TP_OK) {
        tp_store_free(store);
        return fail(c, TLSPROBE_ERR_IO, "cannot read the intermediates", NULL, err[0] ? err : "cannot read");
    }
    struct tp_verify_opts vo = { 0 };
    vo.store = store;
    vo.host = host;
    vo.purpose = o->purpose == TLSPROBE_PURPOSE_CLIENT ? TP_PURPOSE_CLIENT : TP_PURPOSE_SERVER;
    vo.aia = o->aia == 1;
    vo.has_max_depth = o->max_depth >= 0;
    vo.max_depth = o->max_depth;
    vo.aia_timeout_ms = TP_AIA_TIMEOUT_MS;
    vo.now = o->at ? (time_t)o->at : time(NULL);
    vo.expiring_days = TP_POLICY_EXPIRY_WARN_DAYS;
    /* which public stores hold the root (docs/trust-stores.md); without the data
     * file the verdict is simply not judged */
    struct tp_trust_db *trust_db = NULL;
    char terr[256];
    if (tp_trust_db_load_default(&trust_db, terr, sizeof terr) != TP_OK)
        trust_db = NULL;
    vo.trust_db = trust_db;
    struct tp_verify_result *vr = NULL;
    enum tp_err e = tp_chain_verify(c->ders, c->n_total, &vo, &vr);
    run_free(c);
    tp_store_free(store);
    tp_trust_db_free(trust_db);
    if (e != TP_OK || !vr)
        return fail(c, tp_lib_code(e) ? tp_lib_code(e) : TLSPROBE_ERR_INTERNAL, "cannot verify the chain", NULL,
                    tp_err_text(e));
    c->r->s->server_verify = vr;
    return true;
}

/* The leaf is what the verifier found to be the leaf (a misordered file may
 * hold it second); pair the key by SPKI SHA-256. */
static void pair_key(struct check_run *c)
{
    const struct tp_session *s = c->r->s;
    const struct tp_verify_result *vr = s->server_verify;
    int leaf = vr->path_len && vr->path[0].sent_index >= 0 ? vr->path[0].sent_index : 0;
    uint8_t cpub[32];
    for (size_t i = 0; i < s->server_chain.n; i++) {
        if (!tp_cert_pub_sha256(s->server_chain.info[i], cpub) || memcmp(cpub, c->kpub, 32))
            continue;
        if ((int)i == leaf)
            c->facts.key_matches = true;
        else if (c->facts.key_matches_index < 0)
            c->facts.key_matches_index = (int)i;
    }
}

/* The report's view of what was read and judged (copies the result owns). */
static bool keep_view(struct tlsprobe_result *r, const struct tlsprobe_options *o, const char *chain,
                      const char *host, const struct tp_check_facts *f)
{
    if (!tp_lib_dup(&r->chain_file, chain) || !tp_lib_dup(&r->host, host) ||
        !tp_lib_dup(&r->host_unicode, host ? o->host_unicode : NULL) || !tp_lib_dup(&r->key_file, o->key))
        return false;
    const struct tp_verify_result *vr = r->s->server_verify;
    r->cv = (struct tp_render_check){
        .chain_file = r->chain_file, .host = r->host, .host_unicode = r->host_unicode, .key_file = r->key_file,
        .key_matches = f->key_matches,
        .key_leaf_at = f->key_matches && vr->path_len ? vr->path[0].sent_index : -1,
        .client_purpose = o->purpose == TLSPROBE_PURPOSE_CLIENT, .at = (time_t)o->at,
    };
    return true;
}

/* A DER object from a file: the bytes, or the first PEM block's body (any
 * label). *buf to free; false with c's error set. */
static bool read_der(struct check_run *c, const char *what, const char *path, uint8_t **buf, uint8_t **der,
                     size_t *der_len)
{
    *buf = *der = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return fail(c, TLSPROBE_ERR_IO, what, path, strerror(errno));
    size_t len = 0;
    enum tp_err e = tp_file_slurp(fp, buf, &len);
    fclose(fp);
    if (e != TP_OK)
        return fail(c, tp_lib_code(e) ? tp_lib_code(e) : TLSPROBE_ERR_IO, what, path, tp_err_text(e));
    if (len > 11 && !memcmp(*buf, "-----BEGIN ", 11)) {
        struct tp_file *f = NULL;
        if (tp_file_parse(path, *buf, len, &f) != TP_OK || !f->n_objs || !f->objs[0].der) {
            tp_file_free(f);
            return fail(c, TLSPROBE_ERR_INPUT, what, path, "no PEM block with a body");
        }
        *der = f->objs[0].der; /* keep the body: detach it from the file */
        *der_len = f->objs[0].der_len;
        f->objs[0].der = NULL;
        tp_file_free(f);
        free(*buf);
        *buf = *der;
        return true;
    }
    *der = *buf;
    *der_len = len;
    return true;
}

/* --ocsp-response: the file's OCSPResponse judged for the leaf like a staple
 * (session/staple.c). */
static bool read_ocsp(struct check_run *c, const char *path)
{
    uint8_t *buf, *der;
    size_t der_len = 0;
    if (!read_der(c, "--ocsp-response", path, &buf, &der, &der_len))
        return false;
    struct tp_session *s = c->r->s;
    enum tp_err e = tp_session_carry_staple(s, der, der_len);
    free(buf);
    if (e != TP_OK)
        return fail(c, TLSPROBE_ERR_NOMEM, "out of memory", NULL, NULL);
    s->staple->carried = false;
    s->staple->from_file = true;
    tp_session_judge_staple(s, c->o->at);
    if (s->staple->parse_err != TP_OK)
        return fail(c, TLSPROBE_ERR_INPUT, "--ocsp-response", path,
                    "not an OCSP response (RFC 6960 OCSPResponse, DER or PEM)");
    return true;
}

/* --crl: the file's CRL judged for the leaf. */
static bool read_crl(struct check_run *c, const char *path)
{
    uint8_t *buf, *der;
    size_t der_len = 0;
    if (!read_der(c, "--crl", path, &buf, &der, &der_len))
        return false;
    struct tp_session *s = c->r->s;
    enum tp_err e = tp_session_judge_crl(s, der, der_len, path);
    free(buf);
    if (e != TP_OK)
        return fail(c, TLSPROBE_ERR_NOMEM, "out of memory", NULL, NULL);
    if (s->crl_check->parse_err != TP_OK)
        return fail(c, TLSPROBE_ERR_INPUT, "--crl", path, "not a CRL (RFC 5280 CertificateList, DER or PEM)");
    return true;
}

static bool judge(struct check_run *c, const char *chain, const char *host)
{
    const struct tlsprobe_options *o = c->o;
    if (!read_chain(c, chain))
        return false;
    c->facts = (struct tp_check_facts){ chain, o->key, false, -1 };
    if (o->key && !load_key(c, o->key))
        return false;
    if (!verify(c, host))
        return false;
    if (o->key)
        pair_key(c);
    struct tp_session *s = c->r->s;
    if (host && !(s->host = strdup(host)))
        return fail(c, TLSPROBE_ERR_NOMEM, "out of memory", NULL, NULL);
    s->judge_time = o->at; /* findings' dates as of the given time */
    if (o->ocsp_response && !read_ocsp(c, o->ocsp_response))
        return false;
    if (o->crl && !read_crl(c, o->crl))
        return false;
    if (o->check_revocation) {
        if (!s->staple)
            tp_session_judge_staple(s, o->at);
        tp_session_check_revocation(s, TP_AIA_TIMEOUT_MS, o->at);
    }
    tp_diagnose_check(s, &c->facts);
    const struct tp_verify_result *vr = s->server_verify;
    if (c->facts.key_matches && vr->path_len && vr->path[0].sent_index > 0)
        key_not_first(s, o->key, chain, vr->path[0].sent_index);
    if (!keep_view(c->r, o, chain, host, &c->facts))
        return fail(c, TLSPROBE_ERR_NOMEM, "out of memory", NULL, NULL);
    return true;
}

int tlsprobe_check_chain(const char *chain_path, const char *host, const tlsprobe_options *opts,
                         tlsprobe_result **res)
{
    if (!res)
        return TLSPROBE_ERR_ARG;
    *res = NULL;
    if (!chain_path || !chain_path[0] || (host && !host[0]))
        return tp_lib_fail(res, NULL, TLSPROBE_ERR_ARG, "no chain file given, or an empty host name");
    if (host && strlen(host) > TP_MAX_NAME_LEN)
        return tp_lib_fail(res, NULL, TLSPROBE_ERR_ARG, "the host name is longer than %d bytes", TP_MAX_NAME_LEN);
    struct check_run c = { .o = tp_lib_opts(opts) };
    c.r = tp_lib_result_new(LIB_CHECK, opts);
    if (!c.r)
        return TLSPROBE_ERR_NOMEM;
    bool ok = judge(&c, chain_path, host);
    run_free(&c);
    tp_lib_call_done();
    if (!ok)
        return tp_lib_fail(res, c.r, c.code, "%s", c.err);
    *res = c.r;
    return TLSPROBE_OK;
}
