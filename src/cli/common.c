#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cli.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/pkcs12.h"
#include "tlsprobe/x509.h"

struct tp_render_opts tp_cli_render_opts(const struct tp_cli_common *c)
{
    struct tp_render_opts o = { 0 };
    o.format = c->format;
    o.explain = c->explain;
    const char *nc = getenv("NO_COLOR");
    o.color = c->format == TP_FMT_TEXT && !c->no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
    o.width = tp_cli_term_width();
    o.stack = c->stack;
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

const char *tp_cli_pass_spec(const struct tp_cli_args *a)
{
    const char *spec = NULL;
    for (size_t i = 0; i < a->n_opt; i++)
        if (a->opt[i].id == TP_OPT_PASS)
            spec = a->opt[i].value;
    return spec;
}

int tp_cli_pass(const struct tp_cli_args *a, struct tp_secret *out)
{
    const char *spec = tp_cli_pass_spec(a);
    out->text = NULL;
    out->len = 0;
    char err[512] = "";
    if (spec && tp_pass_read(spec, out, err, sizeof err) != TP_OK)
        return tp_cli_fail("%s", err[0] ? err : "--pass: cannot be read");
    return -1;
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
    enum tp_err e = tp_file_slurp(stdin, &g_stdin, &g_stdin_len);
    g_stdin_err = e == TP_ERR_IO;
    g_stdin_big = e == TP_ERR_LIMIT;
    if (e == TP_ERR_NOMEM)
        g_stdin = NULL;
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

void tp_cli_doc_title(char *buf, size_t cap, const char *cmd, char *const *operand, int n_operand)
{
    size_t n = (size_t)snprintf(buf, cap, "%s", cmd);
    for (int i = 0; i < n_operand && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, " %s", operand[i]);
}

bool tp_cli_seconds(const char *v, bool zero_ok, double max, double *out)
{
    char *end = NULL;
    errno = 0;
    double t = strtod(v, &end);
    if (errno || *end || end == v || !(zero_ok ? t >= 0 : t > 0) || t > max)
        return false;
    *out = t;
    return true;
}

bool tp_cli_long(const char *v, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < min || n > max)
        return false;
    *out = n;
    return true;
}

const char *tp_cli_keylog(const char *given)
{
    const char *env = getenv("SSLKEYLOGFILE");
    return given ? given : env && *env ? env : NULL;
}

/* ---- --at TIME ---- */

/* Exactly n decimal digits at s (no sign, no space), as a number. */
static bool digits(const char *s, int n, int *out)
{
    char buf[8];
    if (n >= (int)sizeof buf || strspn(s, "0123456789") < (size_t)n)
        return false;
    memcpy(buf, s, (size_t)n);
    buf[n] = '\0';
    *out = atoi(buf);
    return true;
}

static bool leap_year(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard
 * Hinnant's days_from_civil): no timegm, no TZ, no locale. */
static int64_t days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + doe - 719468;
}

bool tp_cli_parse_time(const char *s, time_t *out)
{
    if (!s || !*s)
        return false;
    /* "@1700000000" or "1700000000": Unix seconds (date -d @N, and what `date +%s`
     * prints). A plain number is read as seconds only when it is not a 4-digit
     * year-like prefix of an RFC 3339 date, which always has a '-'. */
    const char *p = s[0] == '@' ? s + 1 : s;
    if (*p && strspn(p, "0123456789") == strlen(p)) {
        if (strlen(p) > 12) /* beyond year 33000: a typo */
            return false;
        errno = 0;
        char *end = NULL;
        long long v = strtoll(p, &end, 10);
        if (errno || *end)
            return false;
        *out = (time_t)v;
        return true;
    }
    /* RFC 3339 §5.6: full-date "T" full-time, time-offset "Z" / ("+"|"-") hh:mm.
     * 't'/'z' and a space for 'T' are allowed (§5.6 NOTE); seconds fractions are
     * dropped (validity is judged to the second). A leap second (:60) is refused:
     * X.509 times cannot hold one. */
    int Y, M, D, h, mi, sec;
    size_t n = strlen(s);
    if (n < 20 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-' ||
        !digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &h) ||
        s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
        return false;
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] + (M == 2 && leap_year(Y)) || h > 23 || mi > 59 || sec > 59)
        return false;
    p = s + 19;
    if (*p == '.') {
        p++;
        size_t k = strspn(p, "0123456789");
        if (!k)
            return false;
        p += k;
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec - off;
    if (sizeof(time_t) < 8 && (t > INT32_MAX || t < INT32_MIN))
        return false;
    *out = (time_t)t;
    return true;
}

int tp_cli_opt_at(const char *cmd, const char *arg, time_t *out)
{
    time_t t;
    if (!tp_cli_parse_time(arg, &t)) {
        tp_cli_fail("%s: --at: cannot read '%s' (use RFC 3339 like 2025-01-31T12:00:00Z, or @UNIXSECONDS)", cmd, arg);
        return -1;
    }
    /* tp_verify_opts.now == 0 means "now": the epoch itself and anything before it
     * cannot be asked for (and no certificate is valid then). */
    if (t <= 0) {
        tp_cli_fail("%s: --at: '%s' is not after 1970-01-01T00:00:00Z", cmd, arg);
        return -1;
    }
    *out = t;
    return 0;
}
