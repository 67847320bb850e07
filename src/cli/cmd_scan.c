/* tlsprobe scan HOST[:PORT]: option parsing only; the engine is tp_scan
 * (tlsprobe/scan.h), the findings tp_diagnose_scan, the report tp_render_scan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/render.h"
#include "tlsprobe/scan.h"

static int run(int argc, char **argv);

enum { OPT_JOBS = 1000, OPT_TIMEOUT, OPT_PROBE_TIMEOUT };

#define STR(m) TP_CLI_STR_IN(struct tp_scan_opts, m)
static const struct tp_cli_opt opts[] = {
    { STR(servername), "servername", 0, "NAME", "SNI to send (default HOST; none for an IP)" },
    { OPT_JOBS, "jobs", 'j', "N", "connections at a time, 1 to 32 (default 4)" },
    { OPT_TIMEOUT, "timeout", 0, "SECONDS", "deadline for the whole scan (default 60)" },
    { OPT_PROBE_TIMEOUT, "probe-timeout", 0, "SECONDS", "deadline for one connection (default 5)" },
};

const struct tp_cli_cmd tp_cli_scan = {
    .name = "scan",
    .summary = "list the versions, suites, groups and options a server accepts",
    .head = "usage: tlsprobe scan TARGET [OPTIONS]\n"
            "\n"
            "Ask a server many ClientHellos of our own and read each first answer, as\n"
            "testssl.sh, sslyze and nmap's ssl-enum-ciphers do: the protocol versions it\n"
            "accepts (SSL 3.0 to TLS 1.3), the cipher suites per version and whose order\n"
            "wins, key-exchange groups (with the hybrid X25519MLKEM768), signature\n"
            "algorithms, ALPN, session resumption, secure renegotiation, compression, and\n"
            "the certificate chain per key type (RSA, ECDSA). No handshake is finished.\n"
            "TARGET is HOST, HOST:PORT, [IPv6]:PORT or https://HOST:PORT/ (PORT 443).\n"
            "\n",
    .foot = "Findings: deprecated-version, weak-cipher, no-forward-secrecy, no-tls13,\n"
            "no-server-preference (docs/errors.md).\n"
            "exit status: 0 nothing wrong, 1 a finding of severity error, 2 usage error\n",
    TP_CLI_OPTS(opts),
    .run = run,
    .tail = TP_TAIL_TJ,
};

static int take(void *ctx, const struct tp_cli_cmd *cmd, int id, const char *v)
{
    struct tp_scan_opts *o = ctx;
    double sec;
    long n;
    if (id == OPT_JOBS) {
        if (!tp_cli_long(v, 1, TP_SCAN_MAX_JOBS, &n))
            return tp_cli_usage_fail(cmd, "--jobs takes a whole number from 1 to %d, not '%s'", TP_SCAN_MAX_JOBS, v);
        o->jobs = (int)n;
        return -1;
    }
    if (!tp_cli_seconds(v, false, 3600, &sec))
        return tp_cli_usage_fail(cmd, "--%s takes a number of seconds above 0 and at most 3600, not '%s'",
                                 id == OPT_TIMEOUT ? "timeout" : "probe-timeout", v);
    int ms = (int)(sec * 1000 + 0.5);
    if (ms < 1)
        ms = 1;
    if (id == OPT_TIMEOUT)
        o->timeout_ms = ms;
    else
        o->probe_timeout_ms = ms;
    return -1;
}

static int run(int argc, char **argv)
{
    const struct tp_cli_cmd *cmd = &tp_cli_scan;
    struct tp_scan_opts o = { 0 };
    struct tp_cli_args args;
    int fin = tp_cli_options(cmd, argc, argv, &args, take, &o);
    if (fin >= 0)
        return fin;
    if (args.n_operand == 0)
        return tp_cli_usage_fail(cmd, "missing TARGET (HOST, HOST:PORT, [IPv6]:PORT or https://HOST:PORT/)");
    if (args.n_operand > 1)
        return tp_cli_usage_fail(cmd, "one TARGET only, got also '%s'", args.operand[1]);
    struct tp_cli_target target;
    char why[512];
    if (tp_cli_target_parse(args.operand[0], &target, why, sizeof why) != 0)
        return tp_cli_usage_fail(cmd, "%s", why);
    if (target.starttls > TP_ST_NONE)
        return tp_cli_usage_fail(cmd, "scan does not speak STARTTLS yet: scan a port with TLS from the start");
    o.host = target.host;
    o.port = target.port;
    char sni[TP_MAX_NAME_LEN + 1], sni_unicode[TP_MAX_NAME_LEN + 1] = "";
    if (o.servername) {
        if (tp_cli_name_normalize(o.servername, sni, sizeof sni, sni_unicode, sizeof sni_unicode, why, sizeof why) < 0)
            return tp_cli_usage_fail(cmd, "--servername: %s", why);
        o.servername = sni;
    }
    struct tp_scan_result *r = NULL;
    char err[512] = "";
    enum tp_err e = tp_scan(&o, &r, err, sizeof err);
    if (e != TP_OK) {
        tp_scan_free(r);
        return tp_cli_fail("%s", err[0] ? err : tp_err_text(e));
    }
    struct tp_session *findings = tp_diagnose_scan(r);
    struct tp_render_opts ro = tp_cli_render_opts(&args.com);
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_scan(&sb, r, findings, &ro);
    tp_cli_print(&sb);
    tp_sb_free(&sb);
    int status = r->unreachable ? TP_EXIT_FINDING : tp_exit_status(findings);
    tp_session_free(findings);
    tp_scan_free(r);
    return status;
}
