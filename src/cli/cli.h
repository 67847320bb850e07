/* The command-line layer: thin, uses only the public headers (include/tlsprobe).
 * One file per command (cmd_<name>.c) with its own usage text and option table;
 * it reads options and inputs, calls the library, and hands what to print to
 * render (tp_render_*): no output format is written here. Owns: option parsing
 * (opts.c), targets and names as users type them (target.c), stdin and stdout.
 * Must not: parse wire bytes or certificates, write JSON, keep state between
 * commands. */
#ifndef TLSPROBE_CLI_H
#define TLSPROBE_CLI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "tlsprobe/probe.h"
#include <time.h>
#include "tlsprobe/limits.h"
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
    time_t at;          /* --at, 0: now (taken by tp_cli_options) */
    const char *stack;  /* --stack, checked; NULL: none (taken by tp_cli_options) */
};

/* Option ids for the common options; commands number their own from 1000. */
enum {
    TP_OPT_FORMAT = 256,
    TP_OPT_EXPLAIN,
    TP_OPT_NO_COLOR,
    TP_OPT_HELP,
    TP_OPT_VERSION,
    TP_OPT_AT,
    TP_OPT_STACK,
    TP_OPT_PASS,
};

/* One row of a command's option table. The table is the only description of a
 * command's options: it drives parsing, the options part of --help, and (through
 * --help) the check that man/tlsprobe.1 and README.md list exactly these options
 * (tests/integration/test_options_docs.sh). Adding an option is one row here plus
 * its case in the command's switch.
 *
 * arg: NULL for a flag; else the value's name as --help shows it ("FILE"). A value
 * name of lowercase words separated by '|' ("text|json", "server|client") is also
 * the list of values allowed: the parser refuses any other with exit 2. */
struct tp_cli_opt {
    int id;            /* the command's take() gets the option by it; or TP_CLI_STR_IN /
                          TP_CLI_FLAG_IN: tp_cli_options stores it itself */
    const char *name;  /* long name without "--" */
    char short_name;   /* 'h' for -h; 0 for none */
    const char *arg;
    const char *help;  /* for --help; '\n' continues on the next line */
};
/* An id that says where tp_cli_options puts the option in the command's ctx
 * (of type S): the value into const char *m, or true into bool m. Most options
 * are stored this way; take() is for those that need checking or converting. */
#define TP_CLI_STORE_STR 0x1000000
#define TP_CLI_STORE_FLAG 0x2000000
#define TP_CLI_STORE_OFF 0x0ffffff
#define TP_CLI_STR_IN(S, m) (TP_CLI_STORE_STR | (int)offsetof(S, m))
#define TP_CLI_FLAG_IN(S, m) (TP_CLI_STORE_FLAG | (int)offsetof(S, m))

/* The common rows. A command lists the ones that do something for it, so that
 * an option that would be ignored is refused instead. */
#define TP_ROW_FORMAT_ALL { TP_OPT_FORMAT, "format", 0, "text|json|mermaid|html|ecs", \
                           "output format (default text; html: one self-contained\npage, docs/html.md; ecs: Elastic Common Schema\ndocuments, docs/ecs.md)" }
#define TP_ROW_FORMAT_TJ { TP_OPT_FORMAT, "format", 0, "text|json", "output format (default text)" }
#define TP_ROW_EXPLAIN { TP_OPT_EXPLAIN, "explain", 0, NULL, "annotate each step in plain language" }
#define TP_ROW_NO_COLOR { TP_OPT_NO_COLOR, "no-color", 0, NULL, "no colour (also when NO_COLOR is set)" }
#define TP_ROW_HELP { TP_OPT_HELP, "help", 'h', NULL, "this text" }
#define TP_ROW_VERSION { TP_OPT_VERSION, "version", 0, NULL, "show the version" }
/* Shared options whose help differs by command (tp_cli_options takes them). */
#define TP_ROW_AT(help) { TP_OPT_AT, "at", 0, "TIME", help }
#define TP_ROW_STACK(help) { TP_OPT_STACK, "stack", 0, "NAME", help }
/* --pass SPEC (read with tp_cli_pass after tp_cli_options; take() ignores it). */
#define TP_ROW_PASS(help) { TP_OPT_PASS, "pass", 0, "SPEC", help }
/* --pass for a --cert/--key identity (connect, listen). */
#define TP_ROW_PASS_IDENTITY TP_ROW_PASS("password of a PKCS#12 --cert or an encrypted --key:\n" \
                                         "pass:TEXT, env:VAR, file:PATH, fd:N or stdin")

/* The common rows a command takes after its own, in this order: --format
 * (text|json|mermaid|html|ecs, or text|json), --explain, then always --no-color, --help
 * and --version. TP_TAIL_NONE: its table lists every row itself. */
enum tp_cli_tail {
    TP_TAIL_NONE = 0,
    TP_TAIL_END,              /* --no-color --help --version */
    TP_TAIL_TJ,               /* --format text|json, then END */
    TP_TAIL_ALL,              /* --format text|json|mermaid|html|ecs, then END */
    TP_TAIL_ALL_EXPLAIN,      /* --format text|json|mermaid|html|ecs --explain, then END */
};

/* A command: its name, the text of --help around the generated option list,
 * its table, and the function that runs it. */
struct tp_cli_cmd {
    const char *name;
    const char *summary;  /* one line for 'tlsprobe --help' */
    const char *head;     /* usage line(s) and description, ends with "\n\n" */
    const char *foot;     /* after the options (exit status ...) */
    const struct tp_cli_opt *opts;
    size_t n_opts;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    enum tp_cli_tail tail;             /* the common rows after opts (--help lists them last) */
};
#define TP_CLI_N(a) (sizeof(a) / sizeof((a)[0]))
/* .opts and .n_opts of a command from its table. */
#define TP_CLI_OPTS(table) .opts = (table), .n_opts = TP_CLI_N(table)

/* Options seen, in command-line order, and the operands. */
#define TP_CLI_MAX_OPTS 128
struct tp_cli_seen {
    int id;
    const char *value; /* NULL for a flag */
    const char *given; /* as typed, for messages ("--timeout") */
};
struct tp_cli_args {
    struct tp_cli_common com;
    struct tp_cli_seen opt[TP_CLI_MAX_OPTS];
    size_t n_opt;
    char **operand; /* points into argv (argv is reordered in place) */
    int n_operand;
};

/* Parse argv (argv[0] is the command name) the GNU way, driven by cmd's table:
 * options anywhere; "--name=value" or "--name value"; "-x value" / "-xvalue";
 * "--" ends the options; "-" and any argument containing a space are operands
 * (a pasted error message is never taken for an option). Long names must be
 * given in full: no abbreviations, so a new option never changes what an old
 * command line means. Common options go into a->com; --help and --version are
 * answered here. Returns -1 to go on, else the exit status to return (after one
 * line on stderr for a usage error). argv is reordered: operands first. */
int tp_cli_parse(const struct tp_cli_cmd *cmd, int argc, char **argv, struct tp_cli_args *a);
/* tp_cli_parse, then the options in command-line order: the shared ones
 * (--at, --stack: checked, into a->com) here, stored rows into ctx (their
 * store/off), every other one handed to take(ctx, cmd, id, value), which returns
 * -1 to go on or an exit status (after a message). Returns -1 to go on, else the
 * exit status to return. Every command reads its options this way (cmd_pcap.c
 * can too: its parse loops become a take() and stored rows). */
typedef int (*tp_cli_take_fn)(void *ctx, const struct tp_cli_cmd *cmd, int id, const char *value);
int tp_cli_options(const struct tp_cli_cmd *cmd, int argc, char **argv, struct tp_cli_args *a, tp_cli_take_fn take,
                   void *ctx);
/* A number of seconds: above 0 (or 0 too when zero_ok) and at most max. */
bool tp_cli_seconds(const char *v, bool zero_ok, double max, double *out);
/* A whole number from min to max. */
bool tp_cli_long(const char *v, long min, long max, long *out);
/* The key log to append to: --keylog when given, else $SSLKEYLOGFILE when set. */
const char *tp_cli_keylog(const char *given);
/* The whole --help text of a command: head, the generated option list, foot. */
void tp_cli_help(const struct tp_cli_cmd *cmd, FILE *f);
/* "tlsprobe: CMD: MESSAGE (see 'tlsprobe CMD --help')" on stderr; returns 2. */
int tp_cli_usage_fail(const struct tp_cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Every command, in the order 'tlsprobe --help' lists them. */
extern const struct tp_cli_cmd *const tp_cli_cmds[];
extern const size_t tp_cli_n_cmds;

/* Render options for stdout from the common options (colour only on a
 * terminal, never with NO_COLOR set or --no-color). */
struct tp_render_opts tp_cli_render_opts(const struct tp_cli_common *c);
/* Columns for text output: the terminal's (TIOCGWINSZ on stdout), else
 * $COLUMNS, else 80; never below 60 (tp_cli_render_opts sets .width from it). */
unsigned tp_cli_term_width(void);
/* Print "tlsprobe: <message>" on stderr; returns TP_EXIT_USAGE. */
int tp_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Render one session. With several sessions in one output (demo all, pcap,
 * sniff, listen: fenced = true) Mermaid diagrams come as Markdown fenced blocks
 * ("```mermaid" ... "```", a blank line between), which Markdown renderers and
 * the Mermaid CLI take one by one; a single diagram (connect, one demo) is bare,
 * for a .mmd file. Other formats are unchanged. */
void tp_cli_render_session(struct tp_sb *sb, const struct tp_session *s, const struct tp_render_opts *ro, bool fenced);
/* "CMD OPERAND..." (cut to cap) for the title of a page (--format html, which
 * tp_render_doc_begin/_end write around the sessions; other formats have none). */
void tp_cli_doc_title(char *buf, size_t cap, const char *cmd, char *const *operand, int n_operand);
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
/* A file the user named, "-" being standard input (read once, up to
 * TP_MAX_INPUT_FILE, shared by every "-" of the command line); otherwise
 * tp_file_read. The file's path is then TP_CLI_STDIN_NAME. */
#define TP_CLI_STDIN_NAME "(standard input)"
struct tp_file;
enum tp_err tp_cli_file_read(const char *path, struct tp_file **out);

/* ---- targets and names as users write them (target.c) ---- */
struct tp_cli_target {
    char host[TP_MAX_NAME_LEN + 1];    /* to resolve, send as SNI, check: A-label, no
                                          trailing dot; an IP literal without brackets */
    char unicode[TP_MAX_NAME_LEN + 1]; /* the name as typed when it was not ASCII, else "" */
    uint16_t port;                     /* given, else the scheme's, else 443 */
    bool is_ip;
    bool from_url;
    int starttls;                      /* enum tp_starttls_proto: a STARTTLS scheme's
                                          (smtp://...), else TP_ST_AUTO */
};
/* HOST, HOST:PORT, [IPv6]:PORT, [IPv6], a bare IPv6 literal, or a URL whose
 * scheme is an implicit-TLS one (https://HOST[:PORT]/path: the scheme gives the
 * default port; user info, path, query and fragment are dropped) or one with a
 * STARTTLS (smtp://, imap://, ...: port and protocol). A plain-text scheme
 * without one (http, ws, irc, mqtt) is refused with the one to use. Returns
 * 0, or -1 with a one-line reason in err. */
int tp_cli_target_parse(const char *arg, struct tp_cli_target *t, char *err, size_t errlen);
/* A DNS name as sent in SNI and matched against certificates: one trailing dot
 * dropped (RFC 6066 §3), a non-ASCII name converted to its A-label (IDNA 2008,
 * UTS #46 non-transitional, as curl and browsers do; libidn2, loaded only then),
 * the name as typed copied to unicode. Returns 0 (ASCII), 1 (converted) or -1
 * with a reason in err. */
int tp_cli_name_normalize(const char *in, char *out, size_t cap, char *unicode, size_t ucap, char *err,
                          size_t errlen);
/* pcap/sniff --server: "IPv4:PORT" or "[IPv6]:PORT" in the capture's own
 * spelling (inet_ntop), so "[::0001]:443" matches "[::1]:443". A bare
 * "::1:4410" is refused with the bracketed form to write. 0, or -1 with err. */
int tp_cli_endpoint_canon(const char *arg, char *out, size_t cap, char *err, size_t errlen);

/* --pass SPEC as given last (NULL: none). */
const char *tp_cli_pass_spec(const struct tp_cli_args *a);
/* Read the --pass secret (tlsprobe/pkcs12.h: pass:, env:, file:, fd:, stdin)
 * into *out (text NULL when not given). Returns -1 to go on, else the exit
 * status after one line (which never shows the secret). Wipe it with
 * tp_secret_wipe when done. */
struct tp_secret;
int tp_cli_pass(const struct tp_cli_args *a, struct tp_secret *out);
/* The commands (cmd_<name>.c). */
extern const struct tp_cli_cmd tp_cli_demo, tp_cli_connect, tp_cli_listen, tp_cli_pcap, tp_cli_sniff,
    tp_cli_inspect, tp_cli_check, tp_cli_explain;
extern const struct tp_cli_cmd tp_cli_scan;

/* ---- connect with several targets (connect_many.c) ----
 * connect HOST... / --targets FILE / --all-addresses: the rows cmd_connect.c
 * lists, their check (take), and the run, which reads the options from the
 * parsed arguments (like --pass) and o (the single-target options). */
enum { TP_OPT_TARGETS = 1100, TP_OPT_ALL_ADDRESSES, TP_OPT_JOBS };
#define TP_CLI_JOBS_DEFAULT 8
#define TP_ROWS_CONNECT_MANY                                                                                   \
    { TP_OPT_TARGETS, "targets", 0, "FILE",                                                                    \
      "also probe the targets of FILE, one a line: HOST[:PORT] [SERVERNAME]\n"                                 \
      "('#' starts a comment; - reads standard input)" },                                                     \
    { TP_OPT_ALL_ADDRESSES, "all-addresses", 0, NULL,                                                          \
      "probe every A/AAAA address of each name, each a session\n"                                              \
      "(the name stays the SNI and the name checked)" },                                                      \
    { TP_OPT_JOBS, "jobs", 'j', "N", "probe up to N targets at once (default 8, at most 256)" }
/* take() of those rows: -1 to go on, else the exit status after one line. */
int tp_cli_connect_many_take(const struct tp_cli_cmd *cmd, int id, const char *value);
/* Several targets, --targets or --all-addresses given: run them all (the exit status). */
bool tp_cli_connect_many_wanted(const struct tp_cli_args *a);
int tp_cli_connect_many(const struct tp_cli_cmd *cmd, struct tp_cli_args *a, struct tp_connect_opts *o,
                        bool starttls_fixed);

#endif
