#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

struct tp_render_opts tp_cli_render_opts(const struct tp_cli_common *c)
{
    struct tp_render_opts o = { 0 };
    o.format = c->format;
    o.explain = c->explain;
    const char *nc = getenv("NO_COLOR");
    o.color = c->format == TP_FMT_TEXT && !c->no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
    return o;
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
