/* STARTTLS in captures: watch the plain-text start of a TCP stream that is not TLS
 * and find where it turns into TLS after an upgrade — SMTP, IMAP, POP3, FTP
 * (AUTH TLS), NNTP, ManageSieve, XMPP, PostgreSQL (SSLRequest), MySQL (SSLRequest)
 * and LDAP (StartTLS extended operation). The passive twin of `connect
 * --starttls` (src/probe/starttls.c), which drives the same dialogues.
 *
 * The caller feeds each side's in-order bytes; the watch answers MORE (all taken
 * as plain text), TLS (the bytes from *used on are TLS: frame them) or NOT (this
 * stream is not a STARTTLS dialogue we know: not TLS). It keeps the exchange as
 * short lines (binary protocols: a description of each message) for the
 * session's transcript.
 *
 * Owns: the dialogue recognisers (module wire). Must not: allocate (the caller
 * owns the struct, about 6 KiB), print, or judge.
 */
#ifndef TLSPROBE_PLAINWATCH_H
#define TLSPROBE_PLAINWATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_PW_BUF 1024      /* an unfinished line or message per side */
#define TP_PW_LINES 24      /* lines kept for the transcript (more are counted) */
#define TP_PW_LINE 120      /* bytes kept of each */

enum tp_pw_result { TP_PW_MORE = 0, TP_PW_TLS, TP_PW_NOT };

struct tp_pw_line {
    uint8_t side;           /* 0 or 1, as fed */
    uint8_t len;
    int64_t t_us;
    char text[TP_PW_LINE];
};

struct tp_plainwatch {
    uint8_t proto;          /* private: enum in plainwatch.c */
    int8_t client;          /* side of the client, -1 unknown (set from the dialogue) */
    bool asked;             /* the client asked for TLS */
    bool srv_tls;           /* the server agreed: its next bytes are TLS */
    bool done[2];           /* this side has turned to TLS */
    bool xmpp_in_proceed;   /* <proceed ...> seen, </proceed> to come */
    char tag[24];           /* IMAP: the STARTTLS command's tag */
    uint8_t buf[2][TP_PW_BUF];
    uint16_t len[2];
    uint32_t total[2];      /* plain bytes per side, capped by TP_MAX_PLAIN_BYTES */
    struct tp_pw_line lines[TP_PW_LINES];
    uint8_t n_lines;
    uint32_t n_dropped;
};

/* client_side: the side that sent the SYN (0 or 1), -1 unknown. */
void tp_plainwatch_init(struct tp_plainwatch *w, int client_side);
/* Feed n in-order bytes of side (0/1) at t_us. *used: the plain bytes of p taken
 * (all of them for MORE, none meaningful for NOT). */
enum tp_pw_result tp_plainwatch_feed(struct tp_plainwatch *w, int side, const uint8_t *p, size_t n, int64_t t_us,
                                     size_t *used);
/* "smtp", "imap", ... ("" while unknown): as connect --starttls names them. */
const char *tp_plainwatch_protocol(const struct tp_plainwatch *w);

#endif
