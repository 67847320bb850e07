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
#include "tlsprobe/diagnose.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/x509.h"

static int run(int argc, char **argv);

enum {
    OPT_CHAIN = 1000,
    OPT_KEY,
    OPT_HOST,
    OPT_CAFILE,
    OPT_INTERMEDIATES,
    OPT_SAVE_CHAIN,
    OPT_AIA,
    OPT_MAX_DEPTH,
    OPT_AT,
    OPT_PURPOSE,
    OPT_STACK,
};

static const struct tp_cli_opt opts[] = {
    { OPT_CHAIN, "chain", 0, "FILE", "the certificates the server will send (PEM or DER), leaf first" },
    { OPT_KEY, "key", 0, "FILE", "the server's private key: must belong to the leaf" },
    { OPT_HOST, "host", 0, "NAME", "the name clients connect to (DNS name or IP address)" },
    { OPT_CAFILE, "cafile", 0, "FILE", "trust anchors (default: the system store, SSL_CERT_FILE/SSL_CERT_DIR)" },
    { OPT_INTERMEDIATES, "intermediates", 0, "FILE|DIR",
      "candidate intermediates to complete the chain (never\ntrusted as roots)" },
    { OPT_AIA, "aia", 0, NULL, "fetch a missing intermediate from the leaf's AIA caIssuers URL" },
    { OPT_MAX_DEPTH, "max-depth", 0, "N", "accept at most N intermediates between the leaf and the root" },
    { OPT_AT, "at", 0, "TIME",
      "validate as of TIME instead of now (RFC 3339 like\n2025-01-31T12:00:00Z or +01:00 offsets, or @UNIXSECONDS)" },
    { OPT_PURPOSE, "purpose", 0, "server|client",
      "the leaf must allow TLS server (default) or client\nauthentication (extendedKeyUsage serverAuth / clientAuth)" },
    { OPT_SAVE_CHAIN, "save-chain", 0, "FILE",
      "write the chain the server should serve: leaf, then the\nintermediates in order, no root (PEM)" },
    { OPT_STACK, "stack", 0, "NAME",
      "also give each fix for go, openssl, curl, python, node,\njava, dotnet, gnutls or browser" },
    TP_ROW_FORMAT_TJ,
    { TP_OPT_EXPLAIN, "explain", 0, NULL, "say why for each finding (text)" },
    TP_ROW_NO_COLOR,
    TP_ROW_HELP,
    TP_ROW_VERSION,
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
    .opts = opts,
    .n_opts = TP_CLI_N(opts),
    .run = run,
};

struct check_args {
    const char *chain, *key, *host, *cafile, *intermediates, *save_chain;
    bool aia;
    int key_leaf_at; /* the key belongs to the leaf, which is certificate #key_leaf_at of the file; -1 */
    const char *host_unicode; /* --host as typed when it was an internationalised name, else NULL */
    int max_depth; /* -1: no limit */
    time_t at;                  /* --at, 0: now */
    enum tp_purpose purpose;
    const char *stack;
};

static void put_date(struct tp_sb *sb, time_t t)
{
    struct tm tm;
    if (gmtime_r(&t, &tm))
        tp_sb_printf(sb, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* RFC 3339 in UTC, as --at takes it back. */
static void put_datetime(struct tp_sb *sb, time_t t)
{
    struct tm tm;
    if (gmtime_r(&t, &tm))
        tp_sb_printf(sb, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void put_name(struct tp_sb *sb, const struct tp_cert_info *ci)
{
    const char *n = ci ? (ci->subject_cn ? ci->subject_cn : ci->subject) : NULL;
    if (!n)
        n = "(no subject)";
    tp_sb_put_escaped(sb, (const uint8_t *)n, strlen(n));
}

/* PEM of one DER certificate (RFC 7468 §2: 64-column base64). */
static void put_pem(struct tp_sb *sb, const uint8_t *der, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    tp_sb_put(sb, "-----BEGIN CERTIFICATE-----\n");
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)der[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)der[i + 1] << 8;
        if (i + 2 < n)
            v |= der[i + 2];
        char q[4] = { b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                      i + 2 < n ? b64[v & 63] : '=' };
        tp_sb_putn(sb, q, 4);
        col += 4;
        if (col == 64) {
            tp_sb_putc(sb, '\n');
            col = 0;
        }
    }
    if (col)
        tp_sb_putc(sb, '\n');
    tp_sb_put(sb, "-----END CERTIFICATE-----\n");
}

/* The chain to serve: the built path without self-signed anchors. Returns the count. */
static size_t corrected_chain(const struct tp_verify_result *v, const struct tp_cert_info **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < v->path_len && n < cap; i++) {
        const struct tp_cert_info *ci = v->path[i].cert;
        if (!ci || (i > 0 && ci->self_signed))
            continue;
        out[n++] = ci;
    }
    return n;
}

static bool save_chain(const char *path, const struct tp_verify_result *v, size_t *n_written)
{
    const struct tp_cert_info *certs[TP_MAX_CHAIN_CERTS + 4];
    size_t n = corrected_chain(v, certs, sizeof certs / sizeof certs[0]);
    struct tp_sb sb;
    tp_sb_init(&sb);
    for (size_t i = 0; i < n; i++) {
        tp_sb_put(&sb, "# ");
        put_name(&sb, certs[i]);
        tp_sb_putc(&sb, '\n');
        put_pem(&sb, certs[i]->der, certs[i]->der_len);
    }
    FILE *f = fopen(path, "w");
    bool ok = f && tp_sb_write(&sb, f);
    if (f && fclose(f) != 0)
        ok = false;
    tp_sb_free(&sb);
    *n_written = n;
    return ok;
}

static const char *path_status_text(enum tp_path_status st)
{
    switch (st) {
    case TP_PATH_OK: return "chains to a trusted root";
    case TP_PATH_EMPTY: return "no certificate";
    case TP_PATH_UNKNOWN_AUTHORITY: return "not trusted (unknown authority)";
    case TP_PATH_SELF_SIGNED: return "not trusted (self-signed)";
    case TP_PATH_MISSING_INTERMEDIATE: return "incomplete (intermediate missing from the file)";
    case TP_PATH_BAD_SIGNATURE: return "broken (a signature does not verify)";
    default: return "not checked";
    }
}

static const char *path_status_id(enum tp_path_status st)
{
    switch (st) {
    case TP_PATH_OK: return "ok";
    case TP_PATH_EMPTY: return "empty";
    case TP_PATH_UNKNOWN_AUTHORITY: return "unknown-authority";
    case TP_PATH_SELF_SIGNED: return "self-signed";
    case TP_PATH_MISSING_INTERMEDIATE: return "missing-intermediate";
    case TP_PATH_BAD_SIGNATURE: return "bad-signature";
    default: return "not-checked";
    }
}

static const char *src_name(enum tp_path_src s)
{
    switch (s) {
    case TP_FROM_SENT: return "file";
    case TP_FROM_INTERMEDIATES: return "intermediates";
    case TP_FROM_AIA: return "aia";
    default: return "store";
    }
}

static const char *name_status_id(enum tp_name_status s)
{
    switch (s) {
    case TP_NAME_OK: return "ok";
    case TP_NAME_OK_CN_ONLY: return "cn-only";
    case TP_NAME_MISMATCH: return "mismatch";
    default: return "not-checked";
    }
}

static void render_text(struct tp_sb *out, const struct check_args *a, const struct tp_session *s,
                        const struct tp_check_facts *cf, const struct tp_render_opts *ro)
{
    const struct tp_verify_result *v = s->server_verify;
    time_t now = a->at ? a->at : time(NULL);
    tp_sb_printf(out, "%schain%s  ", tp_c_bold(ro), tp_c_reset(ro));
    tp_sb_put_escaped(out, (const uint8_t *)a->chain, strlen(a->chain));
    tp_sb_printf(out, ": %zu certificate%s\n", s->server_chain.n, s->server_chain.n == 1 ? "" : "s");
    for (size_t i = 0; i < s->server_chain.n; i++) {
        const struct tp_cert_info *ci = s->server_chain.info[i];
        size_t line = out->len;
        tp_sb_printf(out, "  #%zu ", i);
        put_name(out, ci);
        tp_sb_pad(out, line, 36);
        tp_sb_put(out, " issued by ");
        if (ci && ci->self_signed) {
            tp_sb_put(out, "itself");
        } else if (ci && ci->issuer) {
            tp_sb_put_escaped(out, (const uint8_t *)ci->issuer, strlen(ci->issuer));
        }
        if (ci) {
            long days = tp_cert_days_left(ci, now);
            tp_sb_put(out, "\n      ");
            tp_sb_put_escaped(out, (const uint8_t *)ci->key_desc, strnlen(ci->key_desc, sizeof ci->key_desc));
            tp_sb_put(out, ", valid ");
            put_date(out, ci->not_before);
            tp_sb_put(out, " .. ");
            put_date(out, ci->not_after);
            if (days < 0)
                tp_sb_printf(out, " (%sexpired %ld days ago%s)", tp_c_red(ro), -days, tp_c_reset(ro));
            else
                tp_sb_printf(out, " (%ld days left)", days);
        }
        tp_sb_putc(out, '\n');
    }
    if (v) {
        tp_sb_printf(out, "%spath%s   ", tp_c_bold(ro), tp_c_reset(ro));
        for (size_t i = 0; i < v->path_len; i++) {
            if (i)
                tp_sb_put(out, " -> ");
            put_name(out, v->path[i].cert);
            if (v->path[i].src != TP_FROM_SENT)
                tp_sb_printf(out, " [%s]", src_name(v->path[i].src));
        }
        tp_sb_printf(out, "\n       %s", path_status_text(v->status));
        if (v->store_desc[0]) {
            tp_sb_put(out, ", trust store ");
            tp_sb_put_escaped(out, (const uint8_t *)v->store_desc, strnlen(v->store_desc, sizeof v->store_desc));
        }
        tp_sb_putc(out, '\n');
        if (a->host) {
            tp_sb_printf(out, "%shost%s   ", tp_c_bold(ro), tp_c_reset(ro));
            tp_sb_put_escaped(out, (const uint8_t *)a->host, strlen(a->host));
            if (a->host_unicode) {
                tp_sb_put(out, " (");
                tp_sb_put_escaped(out, (const uint8_t *)a->host_unicode, strlen(a->host_unicode));
                tp_sb_putc(out, ')');
            }
            tp_sb_printf(out, ": %s\n",
                         v->name_status == TP_NAME_OK ? "covered by a subjectAltName"
                         : v->name_status == TP_NAME_OK_CN_ONLY ? "matches the Common Name only (no subjectAltName)"
                                                                : "not covered");
        }
        /* The strict verdict in one word, so a script or a reader need not add
         * up the lines above (the findings below say why). */
        tp_sb_printf(out, "%sverdict%s", tp_c_bold(ro), tp_c_reset(ro));
        if (v->valid) {
            tp_sb_put(out, " valid");
        } else {
            tp_sb_printf(out, " %sNOT valid%s (", tp_c_red(ro), tp_c_reset(ro));
            const char *r = v->reject_id[0] ? v->reject_id : "unknown";
            tp_sb_put_escaped(out, (const uint8_t *)r, strnlen(r, sizeof v->reject_id));
            tp_sb_putc(out, ')');
        }
        if (a->at)
            tp_sb_put(out, a->purpose == TP_PURPOSE_CLIENT ? " as a client certificate, at " : " at ");
        else if (a->purpose == TP_PURPOSE_CLIENT)
            tp_sb_put(out, " as a client certificate");
        if (a->at)
            put_datetime(out, a->at);
        tp_sb_putc(out, '\n');
        /* Backtracking: the other paths judged, and why each was not taken. */
        for (size_t i = 0; i < v->n_tried; i++) {
            tp_sb_printf(out, "%s%s%s  ", tp_c_bold(ro), i ? "       " : "tried  ", tp_c_reset(ro));
            tp_sb_put(out, v->tried[i].text);
            tp_sb_putc(out, '\n');
        }
    }
    if (cf->key_path) {
        tp_sb_printf(out, "%skey%s    ", tp_c_bold(ro), tp_c_reset(ro));
        tp_sb_put_escaped(out, (const uint8_t *)cf->key_path, strlen(cf->key_path));
        if (cf->key_matches && a->key_leaf_at > 0)
            tp_sb_printf(out, ": belongs to the leaf, but the leaf is certificate #%d of the file, not the first\n",
                         a->key_leaf_at);
        else
            tp_sb_put(out, cf->key_matches ? ": belongs to the leaf\n" : ": does NOT belong to the leaf\n");
    }
    tp_render_findings(out, s, ro);
}

static void render_json(struct tp_sb *out, const struct check_args *a, const struct tp_session *s,
                        const struct tp_check_facts *cf, const struct tp_render_opts *ro)
{
    const struct tp_verify_result *v = s->server_verify;
    tp_sb_put(out, "{\"source\":\"check\",\"chain_file\":");
    tp_sb_put_json_str(out, a->chain);
    tp_sb_put(out, ",\"host\":");
    tp_sb_put_json_str(out, a->host);
    tp_sb_put(out, ",\"host_unicode\":");
    tp_sb_put_json_str(out, a->host_unicode);
    tp_sb_put(out, ",\"key_file\":");
    tp_sb_put_json_str(out, cf->key_path);
    tp_sb_put(out, ",\"key_matches\":");
    tp_sb_put(out, cf->key_path ? (cf->key_matches ? "true" : "false") : "null");
    /* Servers pair the key with the file's first certificate. */
    tp_sb_put(out, ",\"key_matches_first\":");
    tp_sb_put(out, cf->key_path ? (cf->key_matches && a->key_leaf_at <= 0 ? "true" : "false") : "null");
    tp_sb_put(out, ",\"certificates\":[");
    for (size_t i = 0; i < s->server_chain.n; i++) {
        if (i)
            tp_sb_putc(out, ',');
        tp_render_cert_json(out, s->server_chain.info[i]);
    }
    tp_sb_put(out, "],\"verification\":");
    if (v) {
        tp_sb_put(out, "{\"status\":");
        tp_sb_put_json_str(out, path_status_id(v->status));
        tp_sb_put(out, ",\"store\":");
        tp_sb_put_json(out, (const uint8_t *)v->store_desc, strnlen(v->store_desc, sizeof v->store_desc));
        tp_sb_put(out, ",\"name\":");
        tp_sb_put_json_str(out, name_status_id(v->name_status));
        tp_sb_put(out, v->valid ? ",\"valid\":true,\"reject\":" : ",\"valid\":false,\"reject\":");
        if (v->valid)
            tp_sb_put(out, "null");
        else
            tp_sb_put_json(out, (const uint8_t *)v->reject_id, strnlen(v->reject_id, sizeof v->reject_id));
        tp_sb_put(out, ",\"purpose\":");
        tp_sb_put_json_str(out, a->purpose == TP_PURPOSE_CLIENT ? "client" : "server");
        tp_sb_put(out, ",\"at\":");
        if (a->at) {
            tp_sb_putc(out, '"');
            put_datetime(out, a->at);
            tp_sb_putc(out, '"');
        } else {
            tp_sb_put(out, "null");
        }
        tp_sb_put(out, ",\"problems\":[");
        for (size_t i = 0; i < v->n_problems; i++) {
            tp_sb_put(out, i ? ",{\"id\":" : "{\"id\":");
            tp_sb_put_json_str(out, v->problems[i].id);
            tp_sb_printf(out, ",\"index\":%d,\"by_index\":%d,\"text\":", v->problems[i].index, v->problems[i].by_index);
            tp_sb_put_json_str(out, v->problems[i].text);
            tp_sb_putc(out, '}');
        }
        tp_sb_put(out, "],\"paths_tried\":[");
        for (size_t i = 0; i < v->n_tried; i++) {
            if (i)
                tp_sb_putc(out, ',');
            tp_sb_put_json_str(out, v->tried[i].text);
        }
        tp_sb_printf(out, "],\"paths_judged\":%zu,\"signature_checks\":%u,\"search_limited\":%s", v->n_paths,
                     v->sig_checks, v->search_limited ? "true" : "false");
        tp_sb_put(out, ",\"path\":[");
        for (size_t i = 0; i < v->path_len; i++) {
            const struct tp_cert_info *ci = v->path[i].cert;
            tp_sb_put(out, i ? ",{\"subject\":" : "{\"subject\":");
            tp_sb_put_json_str(out, ci ? ci->subject : NULL);
            tp_sb_put(out, ",\"from\":");
            tp_sb_put_json_str(out, src_name(v->path[i].src));
            tp_sb_printf(out, ",\"index\":%d}", v->path[i].sent_index);
        }
        tp_sb_put(out, "]}");
    } else {
        tp_sb_put(out, "null");
    }
    /* The findings objects exactly as render writes them for sessions. */
    struct tp_sb f;
    tp_sb_init(&f);
    tp_render_findings(&f, s, ro);
    const char *fs = tp_sb_str(&f);
    size_t fl = strlen(fs);
    if (fl >= 3 && fs[0] == '{' && fs[fl - 1] == '\n' && fs[fl - 2] == '}') {
        tp_sb_putc(out, ',');
        tp_sb_putn(out, fs + 1, fl - 3); /* "findings":[...] */
    } else {
        tp_sb_put(out, ",\"findings\":[]");
    }
    tp_sb_free(&f);
    tp_sb_printf(out, ",\"exit_status\":%d}\n", tp_exit_status(s));
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
    if (leaf) {
        tp_sb_put(&t, " '");
        tp_sb_put_escaped(&t, (const uint8_t *)leaf->subject, strlen(leaf->subject));
        tp_sb_putc(&t, '\'');
    }
    tp_sb_printf(&t, ", but the leaf is certificate #%d in ", leaf_at);
    tp_sb_put_escaped(&t, (const uint8_t *)a->chain, strlen(a->chain));
    tp_sb_put(&t, " and the first is ");
    if (first) {
        tp_sb_putc(&t, '\'');
        tp_sb_put_escaped(&t, (const uint8_t *)first->subject, strlen(first->subject));
        tp_sb_put(&t, "'.");
    } else {
        tp_sb_put(&t, "another certificate.");
    }
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

static int run(int argc, char **argv)
{
    const struct tp_cli_cmd *cmd = &tp_cli_check;
    struct check_args a = { 0 };
    a.key_leaf_at = -1;
    a.max_depth = -1;
    struct tp_cli_args args;
    int fin = tp_cli_parse(cmd, argc, argv, &args);
    if (fin >= 0)
        return fin;
    struct tp_cli_common common = args.com;
    for (size_t i = 0; i < args.n_opt; i++) {
        const char *v = args.opt[i].value;
        switch (args.opt[i].id) {
        case OPT_CHAIN: a.chain = v; break;
        case OPT_KEY: a.key = v; break;
        case OPT_HOST: a.host = v; break;
        case OPT_CAFILE: a.cafile = v; break;
        case OPT_INTERMEDIATES: a.intermediates = v; break;
        case OPT_SAVE_CHAIN: a.save_chain = v; break;
        case OPT_AIA: a.aia = true; break;
        case OPT_MAX_DEPTH: {
            char *end = NULL;
            long d = strtol(v, &end, 10);
            if (!*v || *end || d < 0 || d > 255)
                return tp_cli_usage_fail(cmd, "--max-depth takes a number of intermediates from 0 to 255, not '%s'", v);
            a.max_depth = (int)d;
            break;
        }
        case OPT_AT:
            if (tp_cli_opt_at("check", v, &a.at))
                return TP_EXIT_USAGE;
            break;
        case OPT_PURPOSE:
            if (!strcmp(v, "server"))
                a.purpose = TP_PURPOSE_SERVER;
            else if (!strcmp(v, "client"))
                a.purpose = TP_PURPOSE_CLIENT;
            else
                return tp_cli_usage_fail(cmd, "--purpose takes server or client, not '%s'", v);
            break;
        case OPT_STACK:
            if (!tp_explain_stack_valid(v))
                return tp_cli_usage_fail(cmd, "--stack takes go, openssl, curl, python, node, java, dotnet, gnutls or "
                                              "browser");
            a.stack = v;
            break;
        }
    }
    if (args.n_operand > 0)
        return tp_cli_usage_fail(cmd, "unexpected argument '%s' (the chain goes after --chain)", args.operand[0]);
    if (!a.chain)
        return tp_cli_fail("check: --chain FILE is required (see 'tlsprobe check --help')");
    char host[TP_MAX_NAME_LEN + 1], host_unicode[TP_MAX_NAME_LEN + 1];
    if (a.host) {
        /* As clients send it: the A-label of an internationalised name, no trailing dot. */
        char why[512];
        if (tp_cli_name_normalize(a.host, host, sizeof host, host_unicode, sizeof host_unicode, why, sizeof why) < 0)
            return tp_cli_usage_fail(cmd, "--host: %s", why);
        a.host = host;
        a.host_unicode = host_unicode[0] ? host_unicode : NULL;
    }

    /* Read everything before judging: bad input is exit 2 with one line. */
    struct tp_file *cf_file = NULL;
    enum tp_err e = tp_cli_file_read(a.chain, &cf_file);
    if (e != TP_OK) {
        int rc = tp_cli_fail("check: cannot read --chain %s: %s", a.chain,
                             cf_file && cf_file->error[0] ? cf_file->error : tp_err_text(e));
        tp_file_free(cf_file);
        return rc;
    }
    struct tp_session *s = tp_session_new(TP_SRC_CONNECT, 0);
    if (!s) {
        tp_file_free(cf_file);
        return tp_cli_fail("check: out of memory");
    }
    /* The session keeps TP_MAX_CHAIN_CERTS for display; the verifier gets every
     * certificate (up to TP_MAX_VERIFY_CERTS, more are counted and reported). */
    struct tp_bytes *ders = calloc(TP_MAX_VERIFY_CERTS, sizeof *ders);
    if (!ders) {
        tp_file_free(cf_file);
        tp_session_free(s);
        return tp_cli_fail("check: out of memory");
    }
    size_t n = 0, n_total = 0, n_ders = 0;
    for (size_t i = 0; i < cf_file->n_objs; i++) {
        const struct tp_file_obj *o = &cf_file->objs[i];
        if (o->kind != TP_OBJ_CERTIFICATE || !o->der)
            continue;
        n_total++;
        if (n_ders < TP_MAX_VERIFY_CERTS)
            ders[n_ders++] = tp_bytes_make(o->der, o->der_len);
        if (n == TP_MAX_CHAIN_CERTS)
            continue;
        uint8_t *copy = malloc(o->der_len);
        struct tp_cert_info *ci = NULL;
        if (!copy || tp_cert_parse(o->der, o->der_len, &ci) != TP_OK) {
            free(copy);
            continue;
        }
        memcpy(copy, o->der, o->der_len);
        s->server_chain.der[n] = tp_bytes_make(copy, o->der_len);
        s->server_chain.info[n] = ci;
        n++;
    }
    s->server_chain.n = n;
    s->server_chain.n_total = n_total;
    s->server_chain.present = true;
    if (!n) {
        free(ders);
        tp_file_free(cf_file);
        tp_session_free(s);
        return tp_cli_fail("check: --chain %s holds no certificate", a.chain);
    }

    struct tp_check_facts facts = { a.chain, a.key, false, -1 };
    char err[512] = "";
    uint8_t kpub[32];
    if (a.key && load_key(a.key, kpub, err, sizeof err)) {
        free(ders);
        tp_file_free(cf_file);
        tp_session_free(s);
        return tp_cli_fail("check: %s", err);
    }

    struct tp_store *store = NULL;
    if (tp_store_load(a.cafile, NULL, &store, err, sizeof err) != TP_OK) {
        free(ders);
        tp_file_free(cf_file);
        tp_session_free(s);
        return tp_cli_fail("check: %s", err[0] ? err : "cannot load the trust store");
    }
    if (a.intermediates && tp_store_add_intermediates(store, a.intermediates, err, sizeof err) != TP_OK) {
        tp_store_free(store);
        free(ders);
        tp_file_free(cf_file);
        tp_session_free(s);
        return tp_cli_fail("check: --intermediates: %s", err[0] ? err : "cannot read");
    }
    struct tp_verify_opts vo = { 0 };
    vo.store = store;
    vo.host = a.host;
    vo.purpose = a.purpose;
    vo.aia = a.aia;
    vo.has_max_depth = a.max_depth >= 0;
    vo.max_depth = a.max_depth;
    vo.aia_timeout_ms = TP_AIA_TIMEOUT_MS;
    vo.now = a.at ? a.at : time(NULL);
    vo.expiring_days = 30;
    struct tp_verify_result *vr = NULL;
    e = tp_chain_verify(ders, n_total, &vo, &vr);
    free(ders);
    tp_file_free(cf_file);
    tp_store_free(store);
    if (e != TP_OK || !vr) {
        tp_session_free(s);
        return tp_cli_fail("check: cannot verify the chain: %s", tp_err_text(e));
    }
    s->server_verify = vr;
    if (a.key) {
        /* The leaf is what the verifier found to be the leaf (a misordered file
         * may hold it second); pair the key by SPKI SHA-256. */
        int leaf = vr->path_len && vr->path[0].sent_index >= 0 ? vr->path[0].sent_index : 0;
        uint8_t cpub[32];
        for (size_t i = 0; i < n; i++) {
            if (!tp_cert_pub_sha256(s->server_chain.info[i], cpub) || memcmp(cpub, kpub, 32))
                continue;
            if ((int)i == leaf)
                facts.key_matches = true;
            else if (facts.key_matches_index < 0)
                facts.key_matches_index = (int)i;
        }
    }
    if (a.host)
        s->host = strdup(a.host);
    s->judge_time = (int64_t)a.at; /* findings' dates as of --at */

    tp_diagnose_check(s, &facts);
    if (facts.key_matches && vr->path_len && vr->path[0].sent_index > 0) {
        a.key_leaf_at = vr->path[0].sent_index;
        key_not_first(s, &a, vr->path[0].sent_index);
    }

    int rc = tp_exit_status(s);
    if (a.save_chain) {
        size_t written = 0;
        if (!save_chain(a.save_chain, vr, &written)) {
            tp_session_free(s);
            return tp_cli_fail("check: cannot write --save-chain %s: %s", a.save_chain, strerror(errno));
        }
        fprintf(stderr, "tlsprobe: wrote %zu certificate%s (leaf first, no root) to %s\n", written,
                written == 1 ? "" : "s", a.save_chain);
    }
    struct tp_render_opts ro = tp_cli_render_opts(&common);
    ro.stack = a.stack;
    struct tp_sb out;
    tp_sb_init(&out);
    if (common.format == TP_FMT_JSON)
        render_json(&out, &a, s, &facts, &ro);
    else {
        render_text(&out, &a, s, &facts, &ro);
        tp_render_fold(&out, 0, ro.width);
    }
    tp_cli_print(&out);
    tp_sb_free(&out);
    tp_session_free(s);
    return rc;
}
