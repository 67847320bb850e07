/* tlsprobe connect HOST[:PORT]: option parsing only; the probe is tp_probe_connect. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/pkcs12.h"
#include "tlsprobe/probe.h"
#include "tlsprobe/render.h"

static int run(int argc, char **argv);

enum { OPT_TLS12 = 1000, OPT_TLS13, OPT_TIMEOUT, OPT_STARTTLS };

#define STR(m) TP_CLI_STR_IN(struct tp_connect_opts, m)
#define FLAG(m) TP_CLI_FLAG_IN(struct tp_connect_opts, m)
static const struct tp_cli_opt opts[] = {
    { STR(servername), "servername", 0, "NAME", "SNI and name to check (default HOST; none for an IP)" },
    { FLAG(no_sni), "no-sni", 0, NULL, "send no server_name extension" },
    { STR(cafile), "cafile", 0, "FILE", "trust anchors (default: system store, SSL_CERT_FILE)" },
    { STR(capath), "capath", 0, "DIR", "directory of trust anchors (default: SSL_CERT_DIR)" },
    { STR(intermediates), "intermediates", 0, "FILE|DIR", "candidate intermediates (never trusted as roots)" },
    { FLAG(no_aia), "no-aia", 0, NULL, "do not fetch a missing issuer from its AIA URL" },
    { FLAG(check_revocation), "check-revocation", 0, NULL,
      "without a usable staple, ask the leaf's OCSP responder\n(POST, then GET), then its CRL distribution point" },
    { STR(cert), "cert", 0, "FILE",
      "client certificate (PEM or DER, the file may hold the chain;\n"
      "or a PKCS#12 .p12/.pfx file with its key and chain)" },
    { STR(key), "key", 0, "FILE", "private key for --cert (may be encrypted: see --pass)" },
    TP_ROW_PASS_IDENTITY,
    { OPT_TLS12, "tls1.2", 0, NULL, "offer only TLS 1.2 (default: 1.2 and 1.3)" },
    { OPT_TLS13, "tls1.3", 0, NULL, "offer only TLS 1.3" },
    { STR(alpn), "alpn", 0, "LIST", "offer ALPN protocols, comma-separated (h2,http/1.1)" },
    { OPT_STARTTLS, "starttls", 0, "PROTO", "upgrade a plain-text session first: smtp, imap, pop3, ftp,\n"
                                            "ldap, postgres, mysql, xmpp, nntp, sieve, or none\n"
                                            "(default: by port, 25/587 smtp, 143 imap, 110 pop3, 21 ftp,\n"
                                            "389 ldap, 5432 postgres, 3306 mysql, 5222 xmpp, 119 nntp,\n"
                                            "4190 sieve; others none)" },
    { STR(proxy), "proxy", 0, "URL", "through an HTTP proxy: http://[USER:PASS@]HOST[:PORT]\n"
                                     "(default: $https_proxy, $HTTPS_PROXY, $all_proxy; '' none)" },
    { STR(noproxy), "noproxy", 0, "LIST", "hosts reached directly, as curl (default: $no_proxy, $NO_PROXY)" },
    { OPT_TIMEOUT, "timeout", 0, "SECONDS", "one deadline for DNS, connect, handshake (default 10)" },
    { STR(write_pcap), "write-pcap", 0, "FILE", "write the session as a pcap (open it in Wireshark)" },
    { STR(keylog), "keylog", 0, "FILE", "append NSS key log lines (default: $SSLKEYLOGFILE)" },
    TP_ROW_AT("verify the chain and judge dates as of TIME, not now\n"
              "(RFC 3339 like 2025-01-31T12:00:00Z, or @UNIXSECONDS)"),
    TP_ROW_STACK("also give each fix for go, openssl, curl, python, node,\njava, dotnet, gnutls or browser"),
    TP_ROWS_CONNECT_MANY,
};

const struct tp_cli_cmd tp_cli_connect = {
    .name = "connect",
    .summary = "probe a server as a client and record every handshake message",
    .head = "usage: tlsprobe connect TARGET... [--targets FILE] [OPTIONS]\n"
            "\n"
            "Probe a TLS server as a client: record every handshake message in both\n"
            "directions (TLS 1.3 decrypted with our own secrets), verify the chain the\n"
            "server really sent, and say what is wrong and how to fix it.\n"
            "TARGET is HOST, HOST:PORT, [IPv6]:PORT or a URL (https://HOST:PORT/path; the\n"
            "scheme gives the default port). HOST is a DNS name (internationalised names are\n"
            "sent as their A-label, a trailing dot is dropped) or an IP literal; PORT 443.\n"
            "Several targets (operands, --targets FILE, --all-addresses) are probed -j at a\n"
            "time; the sessions come in input order (JSON Lines, then a summary line), in\n"
            "text as one table: target, address, verdict, version, first finding, expiry.\n"
            "\n",
    .foot = "exit status: 0 nothing wrong, 1 a finding of severity error, 2 usage error\n"
            "(several targets: the worst of them; 2 also for a bad line of --targets FILE)\n",
    TP_CLI_OPTS(opts),
    .run = run,
    .tail = TP_TAIL_ALL_EXPLAIN,
};

/* o.starttls until --starttls is seen: then the URL scheme's protocol (which is
 * TP_ST_AUTO when it names none) applies, and --starttls, even auto, wins over it. */
#define STARTTLS_UNSET (TP_ST_AUTO - 1)

static int take(void *ctx, const struct tp_cli_cmd *cmd, int id, const char *v)
{
    struct tp_connect_opts *o = ctx;
    double sec;
    if (id == TP_OPT_PASS) /* read after parsing: tp_cli_pass */
        return -1;
    if (id >= TP_OPT_TARGETS && id <= TP_OPT_JOBS) /* several targets: connect_many.c */
        return tp_cli_connect_many_take(cmd, id, v);
    if (id == OPT_STARTTLS) {
        int p = tp_starttls_parse(v);
        if (p < TP_ST_AUTO)
            return tp_cli_usage_fail(cmd, "--starttls takes smtp, imap, pop3, ftp, ldap, postgres, mysql, xmpp, nntp, "
                                          "sieve, none or auto, not '%s'", v);
        o->starttls = p;
        return -1;
    }
    if (id == OPT_TIMEOUT) {
        if (!tp_cli_seconds(v, false, 3600, &sec))
            return tp_cli_usage_fail(cmd, "--timeout takes a number of seconds above 0 and at most 3600, not '%s'", v);
        o->timeout_ms = (int)(sec * 1000 + 0.5);
        if (o->timeout_ms < 1)
            o->timeout_ms = 1;
        return -1;
    }
    uint16_t ver = id == OPT_TLS12 ? TP_TLS1_2 : TP_TLS1_3; /* --tls1.2, --tls1.3 */
    if (o->only_version && o->only_version != ver)
        return tp_cli_usage_fail(cmd, "--tls1.2 and --tls1.3 exclude each other (give neither to offer both)");
    o->only_version = ver;
    return -1;
}

/* The name as typed beside the A-label we sent: in text "bücher.example
 * (xn--bcher-kva.example)"; in JSON "host" is the name as typed and
 * "server_name" the A-label. */
static void show_names(struct tp_session *s, const struct tp_cli_target *t, const char *sni_unicode, bool text)
{
    if (sni_unicode)
        s->server_name_unicode = strdup(sni_unicode);
    if (!t->unicode[0])
        return;
    char shown[2 * TP_MAX_NAME_LEN + 4];
    if (text)
        snprintf(shown, sizeof shown, "%s (%s)", t->unicode, t->host);
    else
        snprintf(shown, sizeof shown, "%s", t->unicode);
    char *h = strdup(shown);
    if (h) {
        free(s->host);
        s->host = h;
    }
}

static int run(int argc, char **argv)
{
    const struct tp_cli_cmd *cmd = &tp_cli_connect;
    struct tp_connect_opts o = { 0 };
    o.timeout_ms = 10000;
    o.starttls = STARTTLS_UNSET;
    struct tp_cli_args args;
    int fin = tp_cli_options(cmd, argc, argv, &args, take, &o);
    if (fin >= 0)
        return fin;
    if (!o.proxy) /* as curl: https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY; --proxy '' none */
        o.proxy = tp_proxy_env(&o.proxy_source);
    if (!o.noproxy)
        o.noproxy = tp_noproxy_env();
    if (tp_cli_connect_many_wanted(&args)) {
        bool starttls_fixed = o.starttls != STARTTLS_UNSET;
        if (!starttls_fixed) /* each target's URL scheme, else by port */
            o.starttls = TP_ST_AUTO;
        return tp_cli_connect_many(cmd, &args, &o, starttls_fixed);
    }
    if (args.n_operand == 0)
        return tp_cli_usage_fail(cmd, "missing TARGET (HOST, HOST:PORT, [IPv6]:PORT or https://HOST:PORT/)");
    if (args.n_operand > 1)
        return tp_cli_usage_fail(cmd, "one TARGET only, got also '%s'", args.operand[1]);
    if (o.servername && o.no_sni)
        return tp_cli_fail("--servername and --no-sni exclude each other");
    if (o.key && !o.cert)
        return tp_cli_fail("--key needs --cert too");
    if (tp_cli_pass_spec(&args) && !o.cert)
        return tp_cli_fail("--pass opens --cert or --key: give one");
    struct tp_cli_target target;
    char why[512];
    if (tp_cli_target_parse(args.operand[0], &target, why, sizeof why) != 0)
        return tp_cli_usage_fail(cmd, "%s", why);
    o.host = target.host;
    o.port = target.port;
    if (o.starttls == STARTTLS_UNSET) /* no --starttls: the URL scheme's, else by port */
        o.starttls = target.starttls;
    o.at = (int64_t)args.com.at;
    char sni[TP_MAX_NAME_LEN + 1], sni_unicode[TP_MAX_NAME_LEN + 1] = "";
    if (o.servername) {
        if (tp_cli_name_normalize(o.servername, sni, sizeof sni, sni_unicode, sizeof sni_unicode, why, sizeof why) < 0)
            return tp_cli_usage_fail(cmd, "--servername: %s", why);
        o.servername = sni;
    }
    o.keylog = tp_cli_keylog(o.keylog);

    struct tp_secret pass;
    if ((fin = tp_cli_pass(&args, &pass)) >= 0)
        return fin;
    o.pass = pass.text ? &pass : NULL;
    struct tp_session *s = NULL;
    char err[512] = "";
    enum tp_err e = tp_probe_connect(&o, &s, err, sizeof err);
    tp_secret_wipe(&pass);
    if (e != TP_OK) {
        tp_session_free(s);
        return tp_cli_fail("%s", err[0] ? err : tp_err_text(e));
    }
    show_names(s, &target, sni_unicode[0] ? sni_unicode : NULL, args.com.format == TP_FMT_TEXT);
    struct tp_render_opts ro = tp_cli_render_opts(&args.com);
    struct tp_sb sb;
    tp_sb_init(&sb);
    char title[512];
    tp_cli_doc_title(title, sizeof title, cmd->name, args.operand, 1);
    tp_render_doc_begin(&sb, title, &ro);
    tp_render_session(&sb, s, &ro);
    tp_render_doc_end(&sb, &ro);
    tp_cli_print(&sb);
    tp_sb_free(&sb);
    int status = tp_exit_status(s);
    tp_session_free(s);
    return status;
}
