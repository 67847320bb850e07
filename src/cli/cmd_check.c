/* tlsprobe check --chain FILE [--key FILE] [--host NAME] [--cafile FILE]
 *                [--intermediates FILE|DIR] [--save-chain FILE] [--at TIME]
 *                [--purpose server|client]
 * Judge a server's chain + key before deploying it: the same verifier and the
 * same rule table as a live connection, on files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "tlsprobe/policy.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/x509.h"

static int run(int argc, char **argv);

enum { OPT_MAX_DEPTH = 1000, OPT_PURPOSE };

struct check_args {
    const char *chain, *key, *host, *cafile, *intermediates, *save_chain;
    bool aia;
    const char *host_unicode; /* --host as typed when it was an internationalised name, else NULL */
    int max_depth; /* -1: no limit */
    time_t at;                  /* --at, 0: now */
    enum tp_purpose purpose;
};

#define STR(m) TP_CLI_STR_IN(struct check_args, m)
#define FLAG(m) TP_CLI_FLAG_IN(struct check_args, m)
static const struct tp_cli_opt opts[] = {
    { STR(chain), "chain", 0, "FILE", "the certificates the server will send (PEM or DER), leaf first" },
    { STR(key), "key", 0, "FILE", "the server's private key: must belong to the leaf" },
    { STR(host), "host", 0, "NAME", "the name clients connect to (DNS name or IP address)" },
    { STR(cafile), "cafile", 0, "FILE", "trust anchors (default: the system store, SSL_CERT_FILE/SSL_CERT_DIR)" },
    { STR(intermediates), "intermediates", 0, "FILE|DIR",
      "candidate intermediates to complete the chain (never\ntrusted as roots)" },
    { FLAG(aia), "aia", 0, NULL, "fetch a missing intermediate from the leaf's AIA caIssuers URL" },
    { OPT_MAX_DEPTH, "max-depth", 0, "N", "accept at most N intermediates between the leaf and the root" },
    TP_ROW_AT("validate as of TIME instead of now (RFC 3339 like\n"
              "2025-01-31T12:00:00Z or +01:00 offsets, or @UNIXSECONDS)"),
    { OPT_PURPOSE, "purpose", 0, "server|client",
      "the leaf must allow TLS server (default) or client\nauthentication (extendedKeyUsage serverAuth / clientAuth)" },
    { STR(save_chain), "save-chain", 0, "FILE",
      "write the chain the server should serve: leaf, then the\nintermediates in order, no root (PEM)" },
    TP_ROW_STACK("also give each fix for go, openssl, curl, python, node,\njava, dotnet, gnutls or browser"),
    TP_ROW_FORMAT_TJ,
    { TP_OPT_EXPLAIN, "explain", 0, NULL, "say why for each finding (text)" },
};

const struct tp_cli_cmd tp_cli_check = {
    .name = "check",
    .summary = "judge a chain + key for a host name before deploying it",
    .head = "usage: tlsprobe check --chain FILE [OPTIONS]\n"
            "\n"
            "Judge a server's certificate chain (and key) before deploying it: is the chain\n"
            "complete, in order (leaf first), free of extras and of the root, valid now and for\n"
            "the next 30 days, does the key belong to the leaf, does a subjectAltName cover the\n"
            "host, is the leaf allowed for TLS server authentication.\n"
            "A FILE of '-' is standard input; --chain - --key - read one PEM holding both.\n"
            "\n"
            "The path is built and validated as RFC 5280 §6.1 says, trying every candidate\n"
            "issuer (the file, --intermediates, --aia, the trust store): CA flags and keyCertSign,\n"
            "pathLenConstraint, name constraints, EKU nesting, critical extensions, encoding. A\n"
            "failed check is a finding: name-constraint-violation, ca-not-authorized,\n"
            "path-length-exceeded, issuer-eku-mismatch, unknown-critical-extension,\n"
            "malformed-certificate, path-building-limit, chain-too-long (docs/errors.md).\n"
            "\n",
    .foot = "exit status: 0 nothing wrong (warnings may be shown), 1 a finding of severity error,\n"
            "2 usage error or unreadable input (chain, key, CA file)\n",
    TP_CLI_OPTS(opts),
    .run = run,
    .tail = TP_TAIL_END,
};


static bool save_chain(const char *path, const struct tp_verify_result *v, size_t *n_written)
{
    struct tp_sb sb;
    tp_sb_init(&sb);
    *n_written = tp_render_chain_pem(&sb, v);
    FILE *f = fopen(path, "w");
    bool ok = f && tp_sb_write(&sb, f);
    if (f && fclose(f) != 0)
        ok = false;
    tp_sb_free(&sb);
    return ok;
}

static int load_key(const char *path, uint8_t pub[32], char *err, size_t errlen)
{
    struct tp_file *kf = NULL;
    enum tp_err e = tp_cli_file_read(path, &kf);
    if (e != TP_OK) {
        snprintf(err, errlen, "cannot read --key %s: %s", path, kf && kf->error[0] ? kf->error : tp_err_text(e));
        tp_file_free(kf);
        return -1;
    }
    int rc = -1;
    for (size_t i = 0; i < kf->n_objs; i++) {
        const struct tp_file_obj *o = &kf->objs[i];
        if (o->kind != TP_OBJ_PRIVATE_KEY)
            continue;
        if (o->key_encrypted || !o->has_pub_sha256) {
            snprintf(err, errlen, "--key %s: the key is encrypted (decrypt it first: openssl pkey -in %s -out plain.key)",
                     path, path);
            break;
        }
        memcpy(pub, o->pub_sha256, 32);
        rc = 0;
        break;
    }
    if (rc && !err[0])
        snprintf(err, errlen, "--key %s holds no private key", path);
    tp_file_free(kf);
    return rc;
}

/* before, the subject escaped, after */
static void put_subject(struct tp_sb *t, const char *before, const struct tp_cert_info *ci, const char *after)
{
    tp_sb_put(t, before);
    tp_sb_put_escaped(t, (const uint8_t *)ci->subject, strlen(ci->subject));
    tp_sb_put(t, after);
}

/* Servers load a chain file's first certificate as theirs and pair the key with
 * it (nginx, Apache, HAProxy, OpenSSL's SSL_CTX_use_certificate_chain_file;
 * RFC 8446 §4.4.2: the sender's certificate comes first). A file whose leaf is
 * not first fails to load there with a key mismatch, whatever order TLS 1.3
 * clients would accept: an error, with the fix. */
static void key_not_first(struct tp_session *s, const struct check_args *a, int leaf_at)
{
    struct tp_finding *f = tp_session_add_finding(s, "key-mismatch", TP_SEV_ERROR);
    if (!f)
        return;
    const struct tp_cert_info *first = s->server_chain.n ? s->server_chain.info[0] : NULL;
    const struct tp_cert_info *leaf = (size_t)leaf_at < s->server_chain.n ? s->server_chain.info[leaf_at] : NULL;
    struct tp_sb t;
    tp_sb_init(&t);
    tp_sb_put(&t, "The key in ");
    tp_sb_put_escaped(&t, (const uint8_t *)a->key, strlen(a->key));
    tp_sb_put(&t, " belongs to the leaf");
    if (leaf)
        put_subject(&t, " '", leaf, "'");
    tp_sb_printf(&t, ", but the leaf is certificate #%d in ", leaf_at);
    tp_sb_put_escaped(&t, (const uint8_t *)a->chain, strlen(a->chain));
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
    tp_sb_put_escaped(&t, (const uint8_t *)a->chain, strlen(a->chain));
    tp_sb_put(&t, " --save-chain fullchain.pem' writes the file in that order (without the root).");
    f->fix = tp_sb_take(&t);
    f->reference = "RFC 8446 §4.4.2; RFC 5246 §7.4.2";
}

static int take(void *ctx, const struct tp_cli_cmd *cmd, int id, const char *v)
{
    struct check_args *a = ctx;
    long d;
    if (id == OPT_PURPOSE) { /* the parser allows server|client only */
        a->purpose = !strcmp(v, "client") ? TP_PURPOSE_CLIENT : TP_PURPOSE_SERVER;
        return -1;
    }
    if (!tp_cli_long(v, 0, 255, &d)) /* --max-depth */
        return tp_cli_usage_fail(cmd, "--max-depth takes a number of intermediates from 0 to 255, not '%s'", v);
    a->max_depth = (int)d;
    return -1;
}

/* What a run holds; check_free releases whatever is set. */
struct check_run {
    struct check_args a;
    struct tp_file *file;    /* the --chain file: ders point into it */
    struct tp_session *s;
    struct tp_bytes *ders;   /* every certificate for the verifier (TP_MAX_VERIFY_CERTS) */
    size_t n_ders, n_total;
    struct tp_check_facts facts;
    uint8_t kpub[32];        /* --key's public key SHA-256 */
};

static void check_free(struct check_run *r)
{
    free(r->ders);
    tp_file_free(r->file);
    tp_session_free(r->s);
}

/* The chain file into s->server_chain (parsed, for display) and ders (every
 * certificate, for the verifier: up to TP_MAX_VERIFY_CERTS, more are counted).
 * Returns -1 to go on, else the exit status. */
static int read_chain(struct check_run *r)
{
    const char *path = r->a.chain;
    enum tp_err e = tp_cli_file_read(path, &r->file);
    if (e != TP_OK)
        return tp_cli_fail("check: cannot read --chain %s: %s", path,
                           r->file && r->file->error[0] ? r->file->error : tp_err_text(e));
    r->s = tp_session_new(TP_SRC_CONNECT, 0);
    r->ders = calloc(TP_MAX_VERIFY_CERTS, sizeof *r->ders);
    if (!r->s || !r->ders)
        return tp_cli_fail("check: out of memory");
    struct tp_chain *c = &r->s->server_chain;
    for (size_t i = 0; i < r->file->n_objs; i++) {
        const struct tp_file_obj *o = &r->file->objs[i];
        if (o->kind != TP_OBJ_CERTIFICATE || !o->der)
            continue;
        r->n_total++;
        if (r->n_ders < TP_MAX_VERIFY_CERTS)
            r->ders[r->n_ders++] = tp_bytes_make(o->der, o->der_len);
        if (c->n == TP_MAX_CHAIN_CERTS)
            continue;
        uint8_t *copy = malloc(o->der_len);
        struct tp_cert_info *ci = NULL;
        if (!copy || tp_cert_parse(o->der, o->der_len, &ci) != TP_OK) {
            free(copy);
            continue;
        }
        memcpy(copy, o->der, o->der_len);
        c->der[c->n] = tp_bytes_make(copy, o->der_len);
        c->info[c->n++] = ci;
    }
    c->n_total = r->n_total;
    c->present = true;
    return c->n ? -1 : tp_cli_fail("check: --chain %s holds no certificate", path);
}

/* Build and judge the path: the trust store, --intermediates, the verifier. */
static int verify(struct check_run *r)
{
    const struct check_args *a = &r->a;
    char err[512] = "";
    struct tp_store *store = NULL;
    if (tp_store_load(a->cafile, NULL, &store, err, sizeof err) != TP_OK)
        return tp_cli_fail("check: %s", err[0] ? err : "cannot load the trust store");
    if (a->intermediates && tp_store_add_intermediates(store, a->intermediates, err, sizeof err) != TP_OK) {
        tp_store_free(store);
        return tp_cli_fail("check: --intermediates: %s", err[0] ? err : "cannot read");
    }
    struct tp_verify_opts vo = { 0 };
    vo.store = store;
    vo.host = a->host;
    vo.purpose = a->purpose;
    vo.aia = a->aia;
    vo.has_max_depth = a->max_depth >= 0;
    vo.max_depth = a->max_depth;
    vo.aia_timeout_ms = TP_AIA_TIMEOUT_MS;
    vo.now = a->at ? a->at : time(NULL);
    vo.expiring_days = TP_POLICY_EXPIRY_WARN_DAYS;
    struct tp_verify_result *vr = NULL;
    enum tp_err e = tp_chain_verify(r->ders, r->n_total, &vo, &vr);
    free(r->ders);
    r->ders = NULL;
    tp_file_free(r->file);
    r->file = NULL;
    tp_store_free(store);
    if (e != TP_OK || !vr)
        return tp_cli_fail("check: cannot verify the chain: %s", tp_err_text(e));
    r->s->server_verify = vr;
    return -1;
}

/* The leaf is what the verifier found to be the leaf (a misordered file may
 * hold it second); pair the key by SPKI SHA-256. */
static void pair_key(struct check_run *r)
{
    const struct tp_verify_result *vr = r->s->server_verify;
    int leaf = vr->path_len && vr->path[0].sent_index >= 0 ? vr->path[0].sent_index : 0;
    uint8_t cpub[32];
    for (size_t i = 0; i < r->s->server_chain.n; i++) {
        if (!tp_cert_pub_sha256(r->s->server_chain.info[i], cpub) || memcmp(cpub, r->kpub, 32))
            continue;
        if ((int)i == leaf)
            r->facts.key_matches = true;
        else if (r->facts.key_matches_index < 0)
            r->facts.key_matches_index = (int)i;
    }
}

/* Operands and --host; -1 to go on, else the exit status. */
static int settle(const struct tp_cli_cmd *cmd, const struct tp_cli_args *args, struct check_args *a, char *host,
                  char *host_unicode)
{
    if (args->n_operand > 0)
        return tp_cli_usage_fail(cmd, "unexpected argument '%s' (the chain goes after --chain)", args->operand[0]);
    if (!a->chain)
        return tp_cli_fail("check: --chain FILE is required (see 'tlsprobe check --help')");
    a->at = args->com.at;
    if (!a->host)
        return -1;
    /* As clients send it: the A-label of an internationalised name, no trailing dot. */
    char why[512];
    if (tp_cli_name_normalize(a->host, host, TP_MAX_NAME_LEN + 1, host_unicode, TP_MAX_NAME_LEN + 1, why,
                              sizeof why) < 0)
        return tp_cli_usage_fail(cmd, "--host: %s", why);
    a->host = host;
    a->host_unicode = host_unicode[0] ? host_unicode : NULL;
    return -1;
}

/* Read, verify, pair the key, judge: -1 to go on, else the exit status. */
static int judge(struct check_run *r)
{
    const struct check_args *a = &r->a;
    int rc = read_chain(r);
    if (rc >= 0)
        return rc;
    r->facts = (struct tp_check_facts){ a->chain, a->key, false, -1 };
    char err[512] = "";
    if (a->key && load_key(a->key, r->kpub, err, sizeof err))
        return tp_cli_fail("check: %s", err);
    if ((rc = verify(r)) >= 0)
        return rc;
    if (a->key)
        pair_key(r);
    if (a->host)
        r->s->host = strdup(a->host);
    r->s->judge_time = (int64_t)a->at; /* findings' dates as of --at */
    tp_diagnose_check(r->s, &r->facts);
    const struct tp_verify_result *vr = r->s->server_verify;
    if (r->facts.key_matches && vr->path_len && vr->path[0].sent_index > 0)
        key_not_first(r->s, a, vr->path[0].sent_index);
    if (a->save_chain) {
        size_t written = 0;
        if (!save_chain(a->save_chain, vr, &written))
            return tp_cli_fail("check: cannot write --save-chain %s: %s", a->save_chain, strerror(errno));
        fprintf(stderr, "tlsprobe: wrote %zu certificate%s (leaf first, no root) to %s\n", written,
                written == 1 ? "" : "s", a->save_chain);
    }
    return -1;
}

static int run(int argc, char **argv)
{
    const struct tp_cli_cmd *cmd = &tp_cli_check;
    struct check_run r = { .a = { .max_depth = -1 } };
    struct tp_cli_args args;
    char host[TP_MAX_NAME_LEN + 1], host_unicode[TP_MAX_NAME_LEN + 1];
    int rc = tp_cli_options(cmd, argc, argv, &args, take, &r.a);
    if (rc < 0)
        rc = settle(cmd, &args, &r.a, host, host_unicode);
    if (rc < 0)
        rc = judge(&r);
    if (rc >= 0) {
        check_free(&r);
        return rc;
    }
    const struct tp_verify_result *vr = r.s->server_verify;
    struct tp_render_check rc_view = {
        .chain_file = r.a.chain, .host = r.a.host, .host_unicode = r.a.host_unicode, .key_file = r.facts.key_path,
        .key_matches = r.facts.key_matches,
        .key_leaf_at = r.facts.key_matches && vr->path_len ? vr->path[0].sent_index : -1,
        .client_purpose = r.a.purpose == TP_PURPOSE_CLIENT, .at = r.a.at,
    };
    struct tp_render_opts ro = tp_cli_render_opts(&args.com);
    struct tp_sb out;
    tp_sb_init(&out);
    tp_render_check(&out, r.s, &rc_view, &ro);
    tp_cli_print(&out);
    tp_sb_free(&out);
    rc = tp_exit_status(r.s);
    check_free(&r);
    return rc;
}
