#include <stdio.h>
#include <string.h>
#include "cli.h"

const struct tp_cli_cmd *const tp_cli_cmds[] = {
    &tp_cli_demo, &tp_cli_connect, &tp_cli_listen, &tp_cli_pcap,
    &tp_cli_sniff, &tp_cli_inspect, &tp_cli_check, &tp_cli_explain,
    &tp_cli_scan,
};
const size_t tp_cli_n_cmds = TP_CLI_N(tp_cli_cmds);

static void main_help(FILE *f)
{
    fputs("usage: tlsprobe COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "Watch a TLS handshake and say in plain language what went wrong.\n"
          "\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < tp_cli_n_cmds; i++)
        fprintf(f, "  %-9s %s\n", tp_cli_cmds[i]->name, tp_cli_cmds[i]->summary);
    fputs("\n"
          "common options (each command lists the ones it takes in its --help):\n"
          "  --format text|json|mermaid|html|ecs\n"
          "                              output format (default text; html: one page;\n"
          "                              ecs: Elastic Common Schema documents)\n"
          "  --explain                   annotate each step in plain language\n"
          "  --no-color                  no colour (also when NO_COLOR is set)\n"
          "  --help                      show help for a command\n"
          "  --version                   show the version\n"
          "\n"
          "Options may come before or after the arguments; '--opt=value' and '--opt value'\n"
          "are the same; '--' ends the options. An argument with a space in it is never an\n"
          "option. Unknown options and options a command does not take are refused.\n"
          "\n"
          "exit status: 0 nothing wrong, 1 a finding of severity error, 2 usage error or unreadable input\n"
          "Run 'tlsprobe COMMAND --help' for a command's options.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        main_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? TP_EXIT_USAGE : TP_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("tlsprobe %s\n", TP_VERSION);
        return TP_EXIT_OK;
    }
    if (!strcmp(argv[1], "help")) {
        for (size_t i = 0; argc > 2 && i < tp_cli_n_cmds; i++)
            if (!strcmp(argv[2], tp_cli_cmds[i]->name)) {
                tp_cli_help(tp_cli_cmds[i], stdout);
                return TP_EXIT_OK;
            }
        main_help(stdout);
        return TP_EXIT_OK;
    }
    for (size_t i = 0; i < tp_cli_n_cmds; i++)
        if (!strcmp(argv[1], tp_cli_cmds[i]->name))
            return tp_cli_cmds[i]->run(argc - 1, argv + 1);
    return tp_cli_fail("unknown command '%s' (try 'tlsprobe --help')", argv[1]);
}
