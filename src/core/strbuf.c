#include <stdlib.h>
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

void tp_sb_putn(struct tp_sb *sb, const char *s, size_t n)
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

void tp_sb_put(struct tp_sb *sb, const char *s)
{
    if (s)
        tp_sb_putn(sb, s, strlen(s));
}

void tp_sb_putc(struct tp_sb *sb, char c)
{
    tp_sb_putn(sb, &c, 1);
}

void tp_sb_vprintf(struct tp_sb *sb, const char *fmt, va_list ap)
{
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
    for (size_t i = 0; i < n; i++) {
        char t[3] = { hx[p[i] >> 4], hx[p[i] & 15], sep };
        tp_sb_putn(sb, t, (sep && i + 1 < n) ? 3 : 2);
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

void tp_sb_put_escaped(struct tp_sb *sb, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x7F) {
            if (c == '\\')
                tp_sb_putn(sb, "\\\\", 2);
            else
                tp_sb_putc(sb, (char)c);
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = c >= 0x80 ? utf8_seq(p + i, n - i, &cp) : 0;
        if (l && !dangerous_cp(cp)) {
            tp_sb_putn(sb, (const char *)p + i, l);
            i += l;
            continue;
        }
        tp_sb_printf(sb, "\\x%02x", c);
        i++;
    }
}

void tp_sb_put_json(struct tp_sb *sb, const uint8_t *p, size_t n)
{
    tp_sb_putc(sb, '"');
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            char t[2] = { '\\', (char)c };
            tp_sb_putn(sb, t, 2);
            i++;
        } else if (c >= 0x20 && c < 0x7F) {
            tp_sb_putc(sb, (char)c);
            i++;
        } else if (c == '\n') { tp_sb_put(sb, "\\n"); i++; }
        else if (c == '\t') { tp_sb_put(sb, "\\t"); i++; }
        else if (c == '\r') { tp_sb_put(sb, "\\r"); i++; }
        else {
            uint32_t cp;
            size_t l = c >= 0x80 ? utf8_seq(p + i, n - i, &cp) : 0;
            if (l && !dangerous_cp(cp)) {
                tp_sb_putn(sb, (const char *)p + i, l);
                i += l;
            } else if (l) {
                tp_sb_printf(sb, "\\u%04x", (unsigned)cp);
                i += l;
            } else {
                /* A byte that is not UTF-8: shown as the code point of the byte. */
                tp_sb_printf(sb, "\\u%04x", c);
                i++;
            }
        }
    }
    tp_sb_putc(sb, '"');
}

bool tp_sb_write(struct tp_sb *sb, FILE *f)
{
    if (!sb->len)
        return true;
    return fwrite(sb->buf, 1, sb->len, f) == sb->len;
}
