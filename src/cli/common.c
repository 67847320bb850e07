#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cli.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/x509.h"

struct tp_render_opts tp_cli_render_opts(const struct tp_cli_common *c)
{
    struct tp_render_opts o = { 0 };
    o.format = c->format;
    o.explain = c->explain;
    const char *nc = getenv("NO_COLOR");
    o.color = c->format == TP_FMT_TEXT && !c->no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
    o.width = tp_cli_term_width();
    return o;
}

unsigned tp_cli_term_width(void)
{
    unsigned w = 0;
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        w = ws.ws_col;
    if (!w) {
        const char *e = getenv("COLUMNS");
        char *end;
        unsigned long v = e && *e ? strtoul(e, &end, 10) : 0;
        if (v > 0 && v < 10000 && e && !*end)
            w = (unsigned)v;
    }
    if (!w)
        w = 80;
    return w < 60 ? 60 : w;
}

int tp_cli_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("tlsprobe: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return TP_EXIT_USAGE;
}

/* One write(2) for the whole text: through stdout's 4 KiB buffer a 7 KB JSON
 * line took two, and listen prints one per client. */
void tp_cli_print(struct tp_sb *sb)
{
    fflush(stdout); /* whatever stdio holds goes first */
    const char *p = tp_sb_str(sb);
    size_t n = sb->len;
    while (n) {
        ssize_t k = write(STDOUT_FILENO, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break; /* closed or full: like fwrite, give up on this text */
        p += k;
        n -= (size_t)k;
    }
}

/* Standard input is read once, the first time a command asks for "-", and kept:
 * check --chain - --key - reads one combined PEM (chain and key) from it. */
static uint8_t *g_stdin;
static size_t g_stdin_len;
static bool g_stdin_read, g_stdin_err, g_stdin_big;

static void read_stdin_once(void)
{
    if (g_stdin_read)
        return;
    g_stdin_read = true;
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap > TP_MAX_INPUT_FILE) {
                g_stdin_big = true;
                break;
            }
            size_t ncap = cap * 2 > (size_t)TP_MAX_INPUT_FILE + 1 ? (size_t)TP_MAX_INPUT_FILE + 1 : cap * 2;
            uint8_t *g = realloc(buf, ncap);
            if (!g) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = g;
            cap = ncap;
        }
        ssize_t got = read(STDIN_FILENO, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            g_stdin_err = true;
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    g_stdin = buf;
    g_stdin_len = n;
}

enum tp_err tp_cli_file_read(const char *path, struct tp_file **out)
{
    if (strcmp(path, "-") != 0)
        return tp_file_read(path, out);
    read_stdin_once();
    if (!g_stdin || g_stdin_err || g_stdin_big) {
        /* The same file with its error as tp_file_read makes, by parsing nothing. */
        enum tp_err e = tp_file_parse(TP_CLI_STDIN_NAME, (const uint8_t *)"", 0, out);
        if (*out) {
            snprintf((*out)->error, sizeof (*out)->error, "%s",
                     !g_stdin ? "out of memory" : g_stdin_err ? strerror(errno)
                                                              : "larger than 16 MiB (TP_MAX_INPUT_FILE)");
        }
        (void)e;
        return !g_stdin ? TP_ERR_NOMEM : g_stdin_big ? TP_ERR_LIMIT : TP_ERR_IO;
    }
    return tp_file_parse(TP_CLI_STDIN_NAME, g_stdin, g_stdin_len, out);
}

void tp_cli_render_session(struct tp_sb *sb, const struct tp_session *s, const struct tp_render_opts *ro, bool fenced)
{
    fenced = fenced && ro->format == TP_FMT_MERMAID;
    if (fenced)
        tp_sb_put(sb, "```mermaid\n");
    tp_render_session(sb, s, ro);
    if (fenced)
        tp_sb_put(sb, "```\n\n");
}
