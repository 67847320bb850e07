/* tlsprobe connect HOST[:PORT]: option parsing only; the probe is tp_probe_connect. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/probe.h"
#include "tlsprobe/render.h"

const char tp_usage_connect[] =
    "usage: tlsprobe connect HOST[:PORT] [OPTIONS]\n"
    "\n"
    "Probe a TLS server as a client: record every handshake message in both\n"
    "directions (TLS 1.3 decrypted with our own secrets), verify the chain the\n"
    "server really sent, and say what is wrong and how to fix it.\n"
    "HOST is a DNS name or an IP literal ([::1]:443 for IPv6 with a port); PORT 443.\n"
    "\n"
    "options:\n"
    "  --servername NAME     SNI and name to check (default HOST; none for an IP)\n"
    "  --no-sni              send no server_name extension\n"
    "  --cafile FILE         trust anchors (default: system store, SSL_CERT_FILE)\n"
    "  --capath DIR          directory of trust anchors (default: SSL_CERT_DIR)\n"
    "  --intermediates F|D   candidate intermediates (never trusted as roots)\n"
    "  --no-aia              do not fetch a missing issuer from its AIA URL\n"
    "  --at TIME             verify the chain and judge dates as of TIME, not now\n"
    "                        (RFC 3339 like 2025-01-31T12:00:00Z, or @UNIXSECONDS)\n"
    "  --cert FILE           client certificate (the file may hold the chain)\n"
    "  --key FILE            private key for --cert\n"
    "  --tls1.2 | --tls1.3   offer only this version (default both)\n"
    "  --alpn LIST           offer ALPN protocols, comma-separated (h2,http/1.1)\n"
    "  --timeout SECONDS     one deadline for DNS, connect, handshake (default 10)\n"
    "  --write-pcap FILE     write the session as a pcap (open it in Wireshark)\n"
    "  --keylog FILE         append NSS key log lines (default: $SSLKEYLOGFILE)\n"
    "  --stack NAME          also give each fix for go, openssl, curl, python, node,\n"
    "                        java, dotnet, gnutls or browser\n"
    "  --format text|json|mermaid, --explain, --no-color, --help\n"
    "\n"
    "exit status: 0 nothing wrong, 1 a finding of severity error, 2 usage error\n";

enum {
    OPT_SERVERNAME = 1000,
    OPT_NO_SNI,
    OPT_CAFILE,
    OPT_CAPATH,
    OPT_INTERMEDIATES,
    OPT_NO_AIA,
    OPT_CERT,
    OPT_KEY,
    OPT_TLS12,
    OPT_TLS13,
    OPT_ALPN,
    OPT_TIMEOUT,
    OPT_WRITE_PCAP,
    OPT_KEYLOG,
    OPT_AT,
    OPT_STACK,
};

static const struct option longopts[] = {
    { "servername", required_argument, NULL, OPT_SERVERNAME },
    { "no-sni", no_argument, NULL, OPT_NO_SNI },
    { "cafile", required_argument, NULL, OPT_CAFILE },
    { "capath", required_argument, NULL, OPT_CAPATH },
    { "intermediates", required_argument, NULL, OPT_INTERMEDIATES },
    { "no-aia", no_argument, NULL, OPT_NO_AIA },
    { "cert", required_argument, NULL, OPT_CERT },
    { "key", required_argument, NULL, OPT_KEY },
    { "tls1.2", no_argument, NULL, OPT_TLS12 },
    { "tls1.3", no_argument, NULL, OPT_TLS13 },
    { "alpn", required_argument, NULL, OPT_ALPN },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "write-pcap", required_argument, NULL, OPT_WRITE_PCAP },
    { "keylog", required_argument, NULL, OPT_KEYLOG },
    { "at", required_argument, NULL, OPT_AT },
    { "stack", required_argument, NULL, OPT_STACK },
    TP_COMMON_LONGOPTS,
    { NULL, 0, NULL, 0 },
};

static bool parse_port(const char *s, uint16_t *out)
{
    if (!*s || strlen(s) > 5)
        return false;
    unsigned v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v == 0 || v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

/* HOST, HOST:PORT, [V6]:PORT, [V6], or a bare IPv6 literal (more than one ':'). */
static bool parse_target(const char *arg, char *host, size_t cap, uint16_t *port)
{
    *port = 443;
    if (arg[0] == '[') {
        const char *end = strchr(arg, ']');
        if (!end || (size_t)(end - arg - 1) >= cap || end == arg + 1)
            return false;
        memcpy(host, arg + 1, (size_t)(end - arg - 1));
        host[end - arg - 1] = 0;
        if (end[1] == 0)
            return true;
        return end[1] == ':' && parse_port(end + 2, port);
    }
    const char *colon = strchr(arg, ':');
    if (colon && strchr(colon + 1, ':')) { /* bare IPv6 literal */
        if (strlen(arg) >= cap)
            return false;
        strcpy(host, arg);
        return true;
    }
    size_t hl = colon ? (size_t)(colon - arg) : strlen(arg);
    if (hl == 0 || hl >= cap)
        return false;
    memcpy(host, arg, hl);
    host[hl] = 0;
    return !colon || parse_port(colon + 1, port);
}

int tp_cmd_connect(int argc, char **argv)
{
    struct tp_cli_common com = { 0 };
    struct tp_connect_opts o = { 0 };
    o.timeout_ms = 10000;
    bool keylog_given = false;
    const char *stack = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int r = tp_cli_common_opt(opt, optarg, &com);
        if (r < 0)
            return TP_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (opt) {
        case 'h':
            com.help = true;
            break;
        case OPT_SERVERNAME:
            o.servername = optarg;
            break;
        case OPT_NO_SNI:
            o.no_sni = true;
            break;
        case OPT_CAFILE:
            o.cafile = optarg;
            break;
        case OPT_CAPATH:
            o.capath = optarg;
            break;
        case OPT_INTERMEDIATES:
            o.intermediates = optarg;
            break;
        case OPT_NO_AIA:
            o.no_aia = true;
            break;
        case OPT_CERT:
            o.cert = optarg;
            break;
        case OPT_KEY:
            o.key = optarg;
            break;
        case OPT_TLS12:
        case OPT_TLS13: {
            uint16_t v = opt == OPT_TLS12 ? TP_TLS1_2 : TP_TLS1_3;
            if (o.only_version && o.only_version != v)
                return tp_cli_fail("--tls1.2 and --tls1.3 exclude each other (give neither to offer both)");
            o.only_version = v;
            break;
        }
        case OPT_ALPN:
            o.alpn = optarg;
            break;
        case OPT_TIMEOUT: {
            char *end = NULL;
            errno = 0;
            double sec = strtod(optarg, &end);
            if (errno || !end || *end || end == optarg || !(sec > 0) || sec > 3600)
                return tp_cli_fail("--timeout takes seconds between 0 and 3600, not '%s'", optarg);
            o.timeout_ms = (int)(sec * 1000 + 0.5);
            if (o.timeout_ms < 1)
                o.timeout_ms = 1;
            break;
        }
        case OPT_WRITE_PCAP:
            o.write_pcap = optarg;
            break;
        case OPT_KEYLOG:
            o.keylog = optarg;
            keylog_given = true;
            break;
        case OPT_AT: {
            time_t at;
            if (tp_cli_opt_at("connect", optarg, &at))
                return TP_EXIT_USAGE;
            o.at = (int64_t)at;
            break;
        }
        case OPT_STACK:
            if (!tp_explain_stack_valid(optarg))
                return tp_cli_fail("connect: --stack takes go, openssl, curl, python, node, java, dotnet, gnutls or "
                                   "browser");
            stack = optarg;
            break;
        case '?':
        default:
            if (optopt >= 1000 || (optind > 0 && optind <= argc && argv[optind - 1][0] == '-' && optopt == 0))
                return tp_cli_fail("connect: unknown or incomplete option '%s' (see 'tlsprobe connect --help')",
                                   argv[optind - 1]);
            return tp_cli_fail("connect: bad option (see 'tlsprobe connect --help')");
        }
    }
    int fin = tp_cli_common_finish(&com, tp_usage_connect);
    if (fin >= 0)
        return fin;
    if (optind >= argc)
        return tp_cli_fail("connect: missing HOST[:PORT] (see 'tlsprobe connect --help')");
    if (optind + 1 < argc)
        return tp_cli_fail("connect: one HOST[:PORT] only, got also '%s'", argv[optind + 1]);
    if (o.servername && o.no_sni)
        return tp_cli_fail("--servername and --no-sni exclude each other");
    if ((o.cert == NULL) != (o.key == NULL))
        return tp_cli_fail("%s needs %s too", o.cert ? "--cert" : "--key", o.cert ? "--key" : "--cert");
    char host[TP_MAX_NAME_LEN + 1];
    if (!parse_target(argv[optind], host, sizeof host, &o.port))
        return tp_cli_fail("connect: '%s' is not HOST[:PORT] with a port from 1 to 65535", argv[optind]);
    o.host = host;
    if (!keylog_given) {
        const char *env = getenv("SSLKEYLOGFILE");
        if (env && *env)
            o.keylog = env;
    }

    struct tp_session *s = NULL;
    char err[512] = "";
    enum tp_err e = tp_probe_connect(&o, &s, err, sizeof err);
    if (e != TP_OK) {
        tp_session_free(s);
        return tp_cli_fail("%s", err[0] ? err : tp_err_text(e));
    }
    struct tp_render_opts ro = tp_cli_render_opts(&com);
    ro.stack = stack;
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_render_session(&sb, s, &ro);
    tp_cli_print(&sb);
    tp_sb_free(&sb);
    int status = tp_exit_status(s);
    tp_session_free(s);
    return status;
}
