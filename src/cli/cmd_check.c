/* tlsprobe check --chain FILE [--key FILE] [--host NAME] [--cafile FILE]
 *                [--intermediates FILE|DIR] [--save-chain FILE] [--at TIME]
 *                [--purpose server|client]
 * Judge a server's chain + key before deploying it: the same verifier and the
 * same rule table as a live connection, on files. The judging is the library's
 * tlsprobe_check_chain (src/lib/check.c); this file parses the options and prints. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "tlsprobe/lib.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/x509.h"

static int run(int argc, char **argv);

enum { OPT_MAX_DEPTH = 1000, OPT_PURPOSE };

struct check_args {
    const char *chain, *key, *host, *cafile, *intermediates, *save_chain, *ocsp_response, *crl;
    bool aia, check_revocation;
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
    { STR(ocsp_response), "ocsp-response", 0, "FILE",
      "an OCSP response (DER or PEM) to judge for the leaf:\nstatus, dates, signature (docs/revocation.md)" },
    { FLAG(check_revocation), "check-revocation", 0, NULL,
      "ask the leaf's OCSP responder (POST, then GET), then its\nCRL distribution point (http://, over the network)" },
    { STR(crl), "crl", 0, "FILE", "a CRL (DER or PEM) of the leaf's issuer: is the leaf on it,\nis it signed by the issuer, is it current" },
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


/* --save-chain: the chain to serve, from the result. -1 to go on, else the exit status. */
static int save_chain(const char *path, tlsprobe_result *res)
{
    size_t written = 0;
    const char *pem = tlsprobe_result_chain_pem(res, &written);
    if (!pem)
        return tp_cli_fail("check: cannot write --save-chain %s: out of memory", path);
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(pem, f) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        return tp_cli_fail("check: cannot write --save-chain %s: %s", path, strerror(errno));
    fprintf(stderr, "tlsprobe: wrote %zu certificate%s (leaf first, no root) to %s\n", written,
            written == 1 ? "" : "s", path);
    return -1;
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

/* The library's options from the command line's. */
static int lib_options(const struct check_args *a, const struct tp_cli_common *com, tlsprobe_options **out)
{
    tlsprobe_options *o = *out = tlsprobe_options_new();
    if (!o)
        return TLSPROBE_ERR_NOMEM;
    struct tp_render_opts ro = tp_cli_render_opts(com);
    tp_lib_options_set_render(o, &ro);
    tp_lib_options_set_reader(o, tp_cli_file_read);
    int e = TLSPROBE_OK;
    e = e ? e : tlsprobe_options_set_key(o, a->key);
    e = e ? e : tlsprobe_options_set_cafile(o, a->cafile);
    e = e ? e : tlsprobe_options_set_intermediates(o, a->intermediates);
    e = e ? e : tlsprobe_options_set_aia(o, a->aia);
    e = e ? e : tlsprobe_options_set_max_depth(o, a->max_depth);
    e = e ? e : a->at ? tlsprobe_options_set_time(o, (int64_t)a->at) : TLSPROBE_OK;
    e = e ? e : tlsprobe_options_set_purpose(o, a->purpose == TP_PURPOSE_CLIENT ? TLSPROBE_PURPOSE_CLIENT
                                                                                 : TLSPROBE_PURPOSE_SERVER);
    e = e ? e : tlsprobe_options_set_stack(o, com->stack);
    e = e ? e : tp_lib_options_set_host_unicode(o, a->host_unicode);
    e = e ? e : tp_lib_options_set_ocsp_response(o, a->ocsp_response);
    e = e ? e : tp_lib_options_set_crl(o, a->crl);
    e = e ? e : tp_lib_options_set_check_revocation(o, a->check_revocation);
    return e;
}

/* Judge with the library (tlsprobe_check_chain), save the chain, print the report. */
static int judge_and_print(const struct check_args *a, const struct tp_cli_common *com)
{
    tlsprobe_options *o = NULL;
    tlsprobe_result *res = NULL;
    int e = lib_options(a, com, &o);
    if (e != TLSPROBE_OK) {
        tlsprobe_options_free(o);
        return tp_cli_fail("check: %s", e == TLSPROBE_ERR_ARG ? "an empty file name or an --at before 1970"
                                                              : tlsprobe_strerror(e));
    }
    e = tlsprobe_check_chain(a->chain, a->host, o, &res);
    tlsprobe_options_free(o);
    int rc = -1;
    if (e != TLSPROBE_OK)
        rc = tp_cli_fail("check: %s", tlsprobe_result_error(res) ? tlsprobe_result_error(res) : tlsprobe_strerror(e));
    else if (a->save_chain)
        rc = save_chain(a->save_chain, res);
    const char *report = rc < 0 ? tp_lib_result_report(res) : NULL;
    if (rc < 0 && !report)
        rc = tp_cli_fail("check: out of memory");
    if (rc < 0) {
        struct tp_sb out;
        tp_sb_init(&out);
        tp_sb_put(&out, report);
        tp_cli_print(&out);
        tp_sb_free(&out);
        rc = tlsprobe_result_verdict(res) == TLSPROBE_VERDICT_FAIL ? TP_EXIT_FINDING : TP_EXIT_OK;
    }
    tlsprobe_result_free(res);
    return rc;
}

static int run(int argc, char **argv)
{
    const struct tp_cli_cmd *cmd = &tp_cli_check;
    struct check_args a = { .max_depth = -1 };
    struct tp_cli_args args;
    char host[TP_MAX_NAME_LEN + 1], host_unicode[TP_MAX_NAME_LEN + 1];
    int rc = tp_cli_options(cmd, argc, argv, &args, take, &a);
    if (rc < 0)
        rc = settle(cmd, &args, &a, host, host_unicode);
    return rc >= 0 ? rc : judge_and_print(&a, &args.com);
}
