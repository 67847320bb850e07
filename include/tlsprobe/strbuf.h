/* A growable string buffer with a hard cap, and escaping for untrusted text.
 * Everything that came from the wire or a file is printed through
 * tp_sb_put_escaped / tp_sb_put_json: no terminal escape injection, embedded NUL
 * shown as \x00, never truncated silently (a capped buffer ends in "…[truncated]").
 *
 * Owns: escaping of untrusted text for terminals and JSON (module core). Must not:
 * know what it writes (no JSON keys here: render writes those).
 */
#ifndef TLSPROBE_STRBUF_H
#define TLSPROBE_STRBUF_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "tlsprobe/bytes.h"

struct tp_sb {
    char *buf;      /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max;     /* hard cap (0 = TP_MAX_OUTPUT) */
    bool truncated; /* an append hit the cap */
    bool oom;
};

void tp_sb_init(struct tp_sb *sb);
void tp_sb_free(struct tp_sb *sb);
void tp_sb_reset(struct tp_sb *sb); /* len = 0, keeps memory */
/* Returns a NUL-terminated string ("" when empty); valid until the next append. */
const char *tp_sb_str(struct tp_sb *sb);
/* Detach the buffer: caller owns and must free() it. Never NULL ("" on empty). */
char *tp_sb_take(struct tp_sb *sb);

void tp_sb_put(struct tp_sb *sb, const char *s);
void tp_sb_putn(struct tp_sb *sb, const char *s, size_t n);
void tp_sb_putc(struct tp_sb *sb, char c);
void tp_sb_printf(struct tp_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tp_sb_vprintf(struct tp_sb *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Pad with spaces to a display column (counts UTF-8 code points as 1). */
void tp_sb_pad(struct tp_sb *sb, size_t line_start, size_t col);
/* Hex of bytes, lowercase, optional separator (0 = none). */
void tp_sb_put_hex(struct tp_sb *sb, const uint8_t *p, size_t n, char sep);

/* Untrusted bytes for a terminal: printable ASCII as is, valid UTF-8 printable
 * code points as is, everything else (controls, ESC, NUL, DEL, C1, invalid UTF-8)
 * as \xHH; a backslash as \\. */
void tp_sb_put_escaped(struct tp_sb *sb, const uint8_t *p, size_t n);
static inline void tp_sb_put_escaped_b(struct tp_sb *sb, struct tp_bytes b) { tp_sb_put_escaped(sb, b.p, b.len); }
/* A JSON string literal with quotes; invalid UTF-8 bytes become \u00XX of the byte
 * (documented in docs/json.md), controls \uXXXX. */
void tp_sb_put_json(struct tp_sb *sb, const uint8_t *p, size_t n);
/* Would tp_sb_put_json write these bytes as they are (printable ASCII, no '"' or
 * '\\')? Then a caller may copy them between quotes itself. */
bool tp_json_plain(const uint8_t *p, size_t n);
static inline void tp_sb_put_json_str(struct tp_sb *sb, const char *s);

/* Write the buffer to a FILE in one fwrite. Returns false on error. */
bool tp_sb_write(struct tp_sb *sb, FILE *f);
/* Open a file that will hold secrets or private keys (key logs, captures,
 * lab keys) for writing ("w"/"wb": truncate, "a": append): a new file is
 * created mode 0600 whatever the umask (an existing file keeps its mode).
 * NULL with errno set on failure. */
FILE *tp_fopen_private(const char *path, const char *mode);

#include <string.h>
static inline void tp_sb_put_json_str(struct tp_sb *sb, const char *s)
{
    if (!s) { tp_sb_put(sb, "null"); return; }
    tp_sb_put_json(sb, (const uint8_t *)s, strlen(s));
}

#endif
