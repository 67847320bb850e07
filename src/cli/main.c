#include <stdio.h>
#include <string.h>
#include "cli.h"

const char tp_usage_main[] =
    "usage: tlsprobe COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Watch a TLS handshake and say in plain language what went wrong.\n"
    "\n"
    "commands:\n"
    "  demo      run a local TLS lab (no network) and explain each step\n"
    "  connect   probe a server as a client and record every handshake message\n"
    "  listen    be a TLS server and show what each client sends\n"
    "  pcap      decode TLS in pcap/pcapng captures (decrypt with a key log)\n"
    "  sniff     decode TLS live from a network interface\n"
    "  inspect   say what is in certificate, key, CSR, CRL and PKCS#12 files\n"
    "  check     judge a chain + key for a host name before deploying it\n"
    "  explain   map an error message from a TLS stack to its cause and fix\n"
    "\n"
    "common options:\n"
    "  --format text|json|mermaid  output format (default text)\n"
    "  --explain                   annotate each step in plain language\n"
    "  --no-color                  no colour (also when NO_COLOR is set)\n"
    "  --help                      show help for a command\n"
    "  --version                   show the version\n"
    "\n"
    "exit status: 0 nothing wrong, 1 a finding of severity error, 2 usage error or unreadable input\n"
    "Run 'tlsprobe COMMAND --help' for a command's options.\n";

struct cmd {
    const char *name;
    int (*run)(int, char **);
    const char *usage;
};

static const struct cmd cmds[] = {
    { "demo", tp_cmd_demo, tp_usage_demo },
    { "connect", tp_cmd_connect, tp_usage_connect },
    { "listen", tp_cmd_listen, tp_usage_listen },
    { "pcap", tp_cmd_pcap, tp_usage_pcap },
    { "sniff", tp_cmd_sniff, tp_usage_sniff },
    { "inspect", tp_cmd_inspect, tp_usage_inspect },
    { "check", tp_cmd_check, tp_usage_check },
    { "explain", tp_cmd_explain, tp_usage_explain },
};

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(tp_usage_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? TP_EXIT_USAGE : TP_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("tlsprobe %s\n", TP_VERSION);
        return TP_EXIT_OK;
    }
    if (!strcmp(argv[1], "help")) {
        for (size_t i = 0; argc > 2 && i < sizeof cmds / sizeof cmds[0]; i++)
            if (!strcmp(argv[2], cmds[i].name)) {
                fputs(cmds[i].usage, stdout);
                return TP_EXIT_OK;
            }
        fputs(tp_usage_main, stdout);
        return TP_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name)) {
            tp_cli_getopt_reset();
            return cmds[i].run(argc - 1, argv + 1);
        }
    return tp_cli_fail("unknown command '%s' (try 'tlsprobe --help')", argv[1]);
}
