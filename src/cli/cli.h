/* The command-line layer: thin, uses only the public headers. One file per
 * command (cmd_<name>.c) with its own usage text and option table. */
#ifndef TLSPROBE_CLI_H
#define TLSPROBE_CLI_H
#include <getopt.h>
#include <stdbool.h>
#include <time.h>
#include "tlsprobe/render.h"

/* Exit status contract: 0 nothing wrong, 1 a finding of severity "error",
 * 2 usage error or unreadable input. */
enum { TP_EXIT_OK = 0, TP_EXIT_FINDING = 1, TP_EXIT_USAGE = 2 };

struct tp_cli_common {
    enum tp_format format;
    bool explain;
    bool no_color;
    bool help;
    bool version;
};

/* Long option values for the common options; commands start their own at 1000. */
enum {
    TP_OPT_FORMAT = 256,
    TP_OPT_EXPLAIN,
    TP_OPT_NO_COLOR,
    TP_OPT_HELP,
    TP_OPT_VERSION,
};
#define TP_COMMON_LONGOPTS                                        \
    { "format", required_argument, NULL, TP_OPT_FORMAT },         \
    { "explain", no_argument, NULL, TP_OPT_EXPLAIN },             \
    { "no-color", no_argument, NULL, TP_OPT_NO_COLOR },           \
    { "no-colour", no_argument, NULL, TP_OPT_NO_COLOR },          \
    { "help", no_argument, NULL, TP_OPT_HELP },                   \
    { "version", no_argument, NULL, TP_OPT_VERSION }

/* Handle a common option from getopt_long. Returns 1 handled, 0 not a common
 * option, -1 bad value (message printed). */
int tp_cli_common_opt(int opt, const char *arg, struct tp_cli_common *c);
/* After option parsing: print the usage for --help or the version for --version.
 * Returns -1 when neither was given (go on), else the exit status. */
int tp_cli_common_finish(const struct tp_cli_common *c, const char *usage);
/* Render options for stdout from the common options (colour only on a
 * terminal, never with NO_COLOR set or --no-color). */
struct tp_render_opts tp_cli_render_opts(const struct tp_cli_common *c);
/* Print "tlsprobe: <message>" on stderr; returns TP_EXIT_USAGE. */
int tp_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write a buffer to stdout (and free nothing). */
void tp_cli_print(struct tp_sb *sb);
/* --at TIME: RFC 3339 ("2025-01-31T12:00:00Z", "...+01:00", fractions of a second
 * ignored) or Unix seconds ("@1700000000", "1700000000"). Returns false for
 * anything else, including impossible dates (2023-02-29) and leap seconds. */
bool tp_cli_parse_time(const char *s, time_t *out);
/* The same for a command's --at option, which must also be after the epoch (0 is
 * "now" in tp_verify_opts): on a bad value prints "tlsprobe: <cmd>: --at: ..." and
 * returns -1 (exit TP_EXIT_USAGE), else 0 with *out set. */
int tp_cli_opt_at(const char *cmd, const char *arg, time_t *out);
/* Reset getopt for a subcommand's argv. */
void tp_cli_getopt_reset(void);

/* Commands. argv[0] is the command name. Each returns the exit status. */
int tp_cmd_inspect(int argc, char **argv);
int tp_cmd_connect(int argc, char **argv);
int tp_cmd_listen(int argc, char **argv);
int tp_cmd_pcap(int argc, char **argv);
int tp_cmd_sniff(int argc, char **argv);
int tp_cmd_check(int argc, char **argv);
int tp_cmd_explain(int argc, char **argv);
int tp_cmd_demo(int argc, char **argv);

/* Usage texts (also the source of truth the man page is checked against). */
extern const char tp_usage_main[];
extern const char tp_usage_inspect[];
extern const char tp_usage_connect[];
extern const char tp_usage_listen[];
extern const char tp_usage_pcap[];
extern const char tp_usage_sniff[];
extern const char tp_usage_check[];
extern const char tp_usage_explain[];
extern const char tp_usage_demo[];

#endif
