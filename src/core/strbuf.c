#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/strbuf.h"

static const char trunc_mark[] = "…[truncated]";

void tp_sb_init(struct tp_sb *sb)
{
    memset(sb, 0, sizeof *sb);
}

void tp_sb_free(struct tp_sb *sb)
{
    free(sb->buf);
    tp_sb_init(sb);
}

void tp_sb_reset(struct tp_sb *sb)
{
    sb->len = 0;
    sb->truncated = false;
    if (sb->buf)
        sb->buf[0] = '\0';
}

const char *tp_sb_str(struct tp_sb *sb)
{
    return sb->buf ? sb->buf : "";
}

char *tp_sb_take(struct tp_sb *sb)
{
    char *b = sb->buf ? sb->buf : strdup("");
    tp_sb_init(sb);
    return b;
}

/* Make room for n more bytes (+NUL). Returns how many of n fit under the cap. */
static size_t reserve(struct tp_sb *sb, size_t n)
{
    size_t max = sb->max ? sb->max : TP_MAX_OUTPUT;
    if (sb->truncated || sb->oom)
        return 0;
    size_t fit = n;
    if (sb->len + n > max) {
        fit = max > sb->len ? max - sb->len : 0;
        sb->truncated = true;
    }
    size_t need = sb->len + fit + sizeof trunc_mark + 1;
    if (need > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 256;
        while (cap < need)
            cap *= 2;
        char *nb = realloc(sb->buf, cap);
        if (!nb) {
            sb->oom = true;
            return 0;
        }
        sb->buf = nb;
        sb->cap = cap;
    }
    return fit;
}

static void putn_slow(struct tp_sb *sb, const char *s, size_t n)
{
    bool was = sb->truncated;
    size_t fit = reserve(sb, n);
    if (fit) {
        memcpy(sb->buf + sb->len, s, fit);
        sb->len += fit;
    }
    if (sb->buf) {
        if (sb->truncated && !was) {
            memcpy(sb->buf + sb->len, trunc_mark, sizeof trunc_mark - 1);
            sb->len += sizeof trunc_mark - 1;
        }
        sb->buf[sb->len] = '\0';
    }
}

/* Fast path: room already reserved (same condition reserve() checks, so the
 * output is byte-for-byte the slow path's). */
static inline bool fast_ok(const struct tp_sb *sb, size_t n)
{
    size_t max = sb->max ? sb->max : TP_MAX_OUTPUT;
    return sb->len + n + sizeof trunc_mark + 1 <= sb->cap && sb->len + n <= max &&
           !sb->truncated && !sb->oom;
}

static inline void putn(struct tp_sb *sb, const char *s, size_t n)
{
    if (fast_ok(sb, n)) {
        memcpy(sb->buf + sb->len, s, n);
        sb->len += n;
        sb->buf[sb->len] = '\0';
    } else {
        putn_slow(sb, s, n);
    }
}

static inline void putc1(struct tp_sb *sb, char c)
{
    if (fast_ok(sb, 1)) {
        sb->buf[sb->len++] = c;
        sb->buf[sb->len] = '\0';
    } else {
        putn_slow(sb, &c, 1);
    }
}

void tp_sb_putn(struct tp_sb *sb, const char *s, size_t n)
{
    if (n) /* an empty view may have no pointer at all (memcpy(x, NULL, 0) is undefined) */
        putn(sb, s, n);
}

void tp_sb_put(struct tp_sb *sb, const char *s)
{
    if (s)
        tp_sb_putn(sb, s, strlen(s));
}

void tp_sb_putc(struct tp_sb *sb, char c)
{
    putc1(sb, c);
}

/* Digits of v in base 10 or 16 into the end of buf[24]; returns the start. */
static char *utoa(char *end, unsigned long long v, unsigned base)
{
    static const char hx[] = "0123456789abcdef";
    char *q = end;
    do {
        *--q = hx[v % base];
        v /= base;
    } while (v);
    return q;
}

/* Does fmt use only what fast_printf handles: literals, %%, %s, %c and
 * %[0][width]{d,i,u,x} with no, l, ll or z length? */
static bool fast_fmt(const char *f)
{
    for (; *f; f++) {
        if (*f != '%')
            continue;
        f++;
        if (*f == '%' || *f == 's' || *f == 'c')
            continue;
        if (*f == '0')
            f++;
        if (*f >= '1' && *f <= '9') {
            f++;
            if (*f >= '0' && *f <= '9')
                f++;
        }
        if (*f == 'l') {
            f++;
            if (*f == 'l')
                f++;
        } else if (*f == 'z') {
            f++;
        }
        if (*f != 'd' && *f != 'i' && *f != 'u' && *f != 'x')
            return false;
    }
    return true;
}

/* printf for the subset fast_fmt accepts, same output as vsnprintf, without
 * the stdio machinery (the JSON renderer formats every key and number). */
static void fast_printf(struct tp_sb *sb, const char *f, va_list ap)
{
    while (*f) {
        const char *lit = f;
        while (*f && *f != '%')
            f++;
        if (f > lit)
            putn(sb, lit, (size_t)(f - lit));
        if (!*f)
            break;
        f++;
        if (*f == '%') { putc1(sb, '%'); f++; continue; }
        if (*f == 's') {
            const char *str = va_arg(ap, const char *);
            tp_sb_put(sb, str ? str : "(null)");
            f++;
            continue;
        }
        if (*f == 'c') { putc1(sb, (char)va_arg(ap, int)); f++; continue; }
        bool zero = false;
        unsigned width = 0;
        if (*f == '0') { zero = true; f++; }
        while (*f >= '0' && *f <= '9')
            width = width * 10 + (unsigned)(*f++ - '0');
        int lng = 0;
        if (*f == 'l') { lng = 1; f++; if (*f == 'l') { lng = 2; f++; } }
        else if (*f == 'z') { lng = 3; f++; }
        char conv = *f++;
        unsigned long long u;
        bool neg = false;
        if (conv == 'd' || conv == 'i') {
            long long v = lng == 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long)
                        : lng == 3 ? (long long)va_arg(ap, size_t) : va_arg(ap, int);
            neg = v < 0;
            u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        } else {
            u = lng == 2 ? va_arg(ap, unsigned long long) : lng == 1 ? va_arg(ap, unsigned long)
              : lng == 3 ? va_arg(ap, size_t) : va_arg(ap, unsigned);
        }
        char buf[24];
        char *q = utoa(buf + sizeof buf, u, conv == 'x' ? 16 : 10);
        size_t nd = (size_t)(buf + sizeof buf - q);
        size_t total = nd + (neg ? 1 : 0);
        if (zero) {
            if (neg)
                putc1(sb, '-');
            for (size_t k = total; k < width; k++)
                putc1(sb, '0');
        } else {
            for (size_t k = total; k < width; k++)
                putc1(sb, ' ');
            if (neg)
                putc1(sb, '-');
        }
        putn(sb, q, nd);
    }
}

void tp_sb_vprintf(struct tp_sb *sb, const char *fmt, va_list ap)
{
    /* The JSON renderer's hottest formats: a key, an unsigned integer. */
    if (fmt[0] == '"' && fmt[1] == '%' && fmt[2] == 's' && fmt[3] == '"' && fmt[4] == ':' && !fmt[5]) {
        va_list ap3;
        va_copy(ap3, ap);
        const char *k = va_arg(ap3, const char *);
        va_end(ap3);
        if (k) {
            size_t kl = strlen(k);
            if (fast_ok(sb, kl + 3)) {
                char *o = sb->buf + sb->len;
                o[0] = '"';
                memcpy(o + 1, k, kl);
                o[kl + 1] = '"';
                o[kl + 2] = ':';
                o[kl + 3] = '\0';
                sb->len += kl + 3;
                return;
            }
        }
    }
    if (fmt[0] == '%' && fmt[1] == 'l' && fmt[2] == 'l' && (fmt[3] == 'u' || fmt[3] == 'd') && !fmt[4]) {
        va_list ap3;
        va_copy(ap3, ap);
        unsigned long long u;
        bool neg = false;
        if (fmt[3] == 'u') {
            u = va_arg(ap3, unsigned long long);
        } else {
            long long v = va_arg(ap3, long long);
            neg = v < 0;
            u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        }
        va_end(ap3);
        char buf[24];
        char *q = utoa(buf + sizeof buf, u, 10);
        if (neg)
            *--q = '-';
        putn(sb, q, (size_t)(buf + sizeof buf - q));
        return;
    }
    if (fast_fmt(fmt)) {
        va_list ap3;
        va_copy(ap3, ap);
        fast_printf(sb, fmt, ap3);
        va_end(ap3);
        return;
    }
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    if ((size_t)n < sizeof small) {
        tp_sb_putn(sb, small, (size_t)n);
    } else {
        char *big = malloc((size_t)n + 1);
        if (big) {
            vsnprintf(big, (size_t)n + 1, fmt, ap2);
            tp_sb_putn(sb, big, (size_t)n);
            free(big);
        } else {
            sb->oom = true;
        }
    }
    va_end(ap2);
}

void tp_sb_printf(struct tp_sb *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tp_sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

void tp_sb_pad(struct tp_sb *sb, size_t line_start, size_t col)
{
    size_t w = 0;
    for (size_t i = line_start; i < sb->len; i++)
        if (((unsigned char)sb->buf[i] & 0xC0) != 0x80)
            w++;
    while (w++ < col)
        tp_sb_putc(sb, ' ');
}

void tp_sb_put_hex(struct tp_sb *sb, const uint8_t *p, size_t n, char sep)
{
    static const char hx[] = "0123456789abcdef";
    char t[3 * 64];
    while (n) {
        size_t k = n < 64 ? n : 64, o = 0;
        for (size_t i = 0; i < k; i++) {
            t[o++] = hx[p[i] >> 4];
            t[o++] = hx[p[i] & 15];
            if (sep && (i + 1 < k || n > k))
                t[o++] = sep;
        }
        putn(sb, t, o);
        p += k;
        n -= k;
    }
}

/* Length of a valid UTF-8 sequence at p (2-4 bytes, no overlongs, no surrogates),
 * or 0. Also returns the code point. */
static size_t utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
    uint8_t c = p[0];
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Code points that must not reach a terminal raw: C1 controls, bidi overrides
 * and isolates (Trojan Source), line/paragraph separators. */
static bool dangerous_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

/* Printable ASCII but '"' and '\\': copied as they are by put_json (and, with
 * '"', by put_escaped). */
static const uint8_t json_safe[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static void put_u4(struct tp_sb *sb, uint32_t v)
{
    /* "\\u%04x" */
    static const char hx[] = "0123456789abcdef";
    char t[8];
    size_t k = 0;
    t[k++] = '\\';
    t[k++] = 'u';
    char d[8];
    size_t nd = 0;
    do {
        d[nd++] = hx[v & 15];
        v >>= 4;
    } while (v);
    for (size_t z = nd; z < 4; z++)
        t[k++] = '0';
    while (nd)
        t[k++] = d[--nd];
    putn(sb, t, k);
}

/* Do the 8 bytes at p hold only json_safe bytes (0x20-0x7e but '"' and '\\')?
 * Exact as a yes/no answer: the classic "has a zero byte" / "has a byte less than
 * n" word tests (no false negatives; a yes is re-checked byte by byte). */
static inline bool json_safe8(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
#define TP_HASZERO(v) (((v) - ones) & ~(v) & highs)
    uint64_t bad = (w & highs)                            /* >= 0x80 */
                 | ((w - 0x20 * ones) & ~w & highs)       /* < 0x20 */
                 | TP_HASZERO(w ^ (0x22 * ones))          /* '"' */
                 | TP_HASZERO(w ^ (0x5c * ones))          /* '\\' */
                 | TP_HASZERO(w ^ (0x7f * ones));         /* DEL */
#undef TP_HASZERO
    return bad == 0;
}

/* Copy the run of bytes from p[i] on that need no escaping (json_safe; for
 * terminal text '"' too) and return the index after it. */
static inline size_t put_run(struct tp_sb *sb, const uint8_t *p, size_t i, size_t n, bool json)
{
    size_t run = i;
    if (json)
        while (run + 8 <= n && json_safe8(p + run))
            run += 8;
    while (run < n && (json_safe[p[run]] || (!json && p[run] == '"')))
        run++;
    if (run > i)
        putn(sb, (const char *)p + i, run - i);
    return run;
}

/* One byte or UTF-8 sequence at q that put_run stopped at, escaped for a
 * terminal; returns how many bytes it took. */
static size_t escape_text(struct tp_sb *sb, const uint8_t *q, size_t left)
{
    static const char hx[] = "0123456789abcdef";
    uint8_t c = q[0];
    uint32_t cp = 0;
    if (c == '\\') {
        putn(sb, "\\\\", 2);
        return 1;
    }
    size_t l = c >= 0x80 ? utf8_seq(q, left, &cp) : 0;
    if (l && !dangerous_cp(cp)) {
        putn(sb, (const char *)q, l);
        return l;
    }
    char t[4] = { '\\', 'x', hx[c >> 4], hx[c & 15] };
    putn(sb, t, 4);
    return 1;
}

void tp_sb_put_escaped(struct tp_sb *sb, const uint8_t *p, size_t n)
{
    for (size_t i = put_run(sb, p, 0, n, false); i < n; i = put_run(sb, p, i, n, false))
        i += escape_text(sb, p + i, n - i);
}

bool tp_json_plain(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n && json_safe8(p + i))
        i += 8;
    while (i < n && json_safe[p[i]])
        i++;
    return i == n;
}

/* One byte or UTF-8 sequence at q that put_run stopped at, escaped for JSON
 * (RFC 8259 §7); returns how many bytes it took. */
static size_t escape_json(struct tp_sb *sb, const uint8_t *q, size_t left)
{
    uint8_t c = q[0];
    uint32_t cp = 0;
    if (c == '"' || c == '\\') {
        char t[2] = { '\\', (char)c };
        putn(sb, t, 2);
        return 1;
    }
    if (c == '\n' || c == '\t' || c == '\r') {
        char t[2] = { '\\', c == '\n' ? 'n' : c == '\t' ? 't' : 'r' };
        putn(sb, t, 2);
        return 1;
    }
    size_t l = c >= 0x80 ? utf8_seq(q, left, &cp) : 0;
    if (l && !dangerous_cp(cp))
        putn(sb, (const char *)q, l);
    else
        put_u4(sb, l ? cp : c); /* a byte that is not UTF-8: the code point of the byte */
    return l ? l : 1;
}

void tp_sb_put_json(struct tp_sb *sb, const uint8_t *p, size_t n)
{
    /* The common case (a name, a host, a date: nothing to escape, room left) in one
     * copy; anything else below, from the start, byte for byte as before. */
    if (tp_json_plain(p, n) && fast_ok(sb, n + 2)) {
        char *d = sb->buf + sb->len;
        d[0] = '"';
        if (n) /* p may be NULL for an empty string */
            memcpy(d + 1, p, n);
        d[n + 1] = '"';
        d[n + 2] = '\0';
        sb->len += n + 2;
        return;
    }
    putc1(sb, '"');
    for (size_t i = put_run(sb, p, 0, n, true); i < n; i = put_run(sb, p, i, n, true))
        i += escape_json(sb, p + i, n - i);
    putc1(sb, '"');
}

bool tp_sb_write(struct tp_sb *sb, FILE *f)
{
    if (!sb->len)
        return true;
    return fwrite(sb->buf, 1, sb->len, f) == sb->len;
}

FILE *tp_fopen_private(const char *path, const char *mode)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode[0] == 'a' ? O_APPEND : O_TRUNC);
    int fd = open(path, flags, 0600);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, mode);
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}
