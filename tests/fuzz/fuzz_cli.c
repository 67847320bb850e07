/* libFuzzer: the command-line layer (src/cli/opts.c, target.c, common.c) with
 * every command's real option table. src/cli is not a library, so this target
 * is built with every src/cli/ source but main.c (tests/fuzz/CMakeLists.txt,
 * tests/CMakeLists.txt) and names the commands itself, as main.c does.
 *
 * Input: byte 0 picks the command; the rest is argv[1..], the arguments split
 * at NUL bytes (at most 64). tp_cli_parse must either stop (usage error, or
 * --help/--version printed) or hand back only options of that command's table,
 * a value exactly when the row takes one, and operands that are arguments. Each
 * value and operand then goes through the value parsers a command would use
 * (target, time, endpoint, DNS name), which must terminate their strings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"

const struct tp_cli_cmd *const tp_cli_cmds[] = {
    &tp_cli_demo, &tp_cli_connect, &tp_cli_listen, &tp_cli_pcap,
    &tp_cli_sniff, &tp_cli_inspect, &tp_cli_check, &tp_cli_explain,
};
const size_t tp_cli_n_cmds = TP_CLI_N(tp_cli_cmds);

#define FUZZ_MAX_ARGS 64

static void check_value(const char *v)
{
    struct tp_cli_target t;
    char err[256], out[TP_MAX_NAME_LEN + 64], uni[TP_MAX_NAME_LEN + 64];
    memset(&t, 0, sizeof t);
    if (tp_cli_target_parse(v, &t, err, sizeof err) == 0) {
        if (memchr(t.host, '\0', sizeof t.host) == NULL || memchr(t.unicode, '\0', sizeof t.unicode) == NULL)
            abort();
    } else if (memchr(err, '\0', sizeof err) == NULL) {
        abort();
    }
    time_t when;
    (void)tp_cli_parse_time(v, &when);
    if (tp_cli_endpoint_canon(v, out, sizeof out, err, sizeof err) == 0 && memchr(out, '\0', sizeof out) == NULL)
        abort();
    int r = tp_cli_name_normalize(v, out, sizeof out, uni, sizeof uni, err, sizeof err);
    if (r >= 0 && memchr(out, '\0', sizeof out) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    if (!null && !(null = fopen("/dev/null", "w")))
        abort();
    if (size < 1 || size > 4096)
        return 0;
    const struct tp_cli_cmd *cmd = tp_cli_cmds[data[0] % tp_cli_n_cmds];

    /* the arguments, NUL-terminated, in one buffer; argv points into it */
    char *buf = malloc(size);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *argv[FUZZ_MAX_ARGS + 2];
    char *orig[FUZZ_MAX_ARGS + 2];
    int argc = 0;
    char name[32];
    snprintf(name, sizeof name, "%s", cmd->name);
    argv[argc++] = name;
    for (size_t off = 0; off < size - 1 && argc <= FUZZ_MAX_ARGS;) {
        argv[argc++] = buf + off;
        off += strlen(buf + off) + 1;
    }
    argv[argc] = NULL;
    memcpy(orig, argv, sizeof argv);

    struct tp_cli_args a;
    int r = tp_cli_parse(cmd, argc, argv, &a);
    if (r == -1) {
        if (a.n_operand < 0 || a.n_operand > argc - 1 || a.n_opt > TP_CLI_MAX_OPTS)
            abort();
        for (size_t i = 0; i < a.n_opt; i++) {
            const struct tp_cli_opt *row = NULL;
            for (size_t k = 0; k < cmd->n_opts && !row; k++)
                if (cmd->opts[k].id == a.opt[i].id)
                    row = &cmd->opts[k];
            if (!row || (row->arg == NULL) != (a.opt[i].value == NULL))
                abort(); /* an option of another table, or a value where none belongs */
            if (a.opt[i].value)
                check_value(a.opt[i].value);
        }
        for (int i = 0; i < a.n_operand; i++) {
            int found = 0; /* an operand is one of the arguments, not a piece of one */
            for (int k = 1; k < argc && !found; k++)
                found = a.operand[i] == orig[k];
            if (!found)
                abort();
            check_value(a.operand[i]);
        }
    } else if (r != TP_EXIT_OK && r != TP_EXIT_USAGE) {
        abort();
    }
    tp_cli_help(cmd, null);
    free(buf);
    return 0;
}
