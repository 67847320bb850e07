/* STARTTLS in captures (include/tlsprobe/plainwatch.h). Each side's bytes are cut
 * into units — a text line, an XMPP tag, a PostgreSQL request or answer byte, a
 * MySQL packet, an LDAP message — and each unit moves a small state machine:
 * greeting -> the client's upgrade command (asked) -> the server's yes (srv_tls).
 * After asking, the client's next byte 0x16 (a TLS handshake record) starts its
 * TLS; after the server's yes, its next byte does. A refusal lets the dialogue go
 * on in plain text (the client may quit, or carry on without TLS). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/plainwatch.h"
#include "tlsprobe/reader.h"

enum { PW_UNKNOWN, PW_SMTP_FTP, PW_SMTP, PW_FTP, PW_IMAP, PW_POP3, PW_NNTP, PW_SIEVE, PW_XMPP, PW_POSTGRES, PW_MYSQL, PW_LDAP };
static const char *const proto_names[] = { "", "smtp", "smtp", "ftp", "imap", "pop3", "nntp", "sieve", "xmpp",
                                           "postgres", "mysql", "ldap" };

#define UNIT_BAD ((size_t)-1)

/* PostgreSQL: SSLRequest and GSSENCRequest (length 8, code 80877103 / 80877104) */
static const uint8_t pg_ssl[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
static const uint8_t pg_gss[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30 };
static const char ldap_starttls_oid[] = "1.3.6.1.4.1.1466.20037";

void tp_plainwatch_init(struct tp_plainwatch *w, int client_side)
{
    memset(w, 0, sizeof *w);
    w->client = (int8_t)(client_side == 0 || client_side == 1 ? client_side : -1);
}

const char *tp_plainwatch_protocol(const struct tp_plainwatch *w)
{
    return w->proto < sizeof proto_names / sizeof proto_names[0] ? proto_names[w->proto] : "";
}

static void note(struct tp_plainwatch *w, int side, const char *text, size_t len, int64_t t_us)
{
    if (w->n_lines >= TP_PW_LINES) {
        w->n_dropped++;
        return;
    }
    struct tp_pw_line *l = &w->lines[w->n_lines++];
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    if (len > sizeof l->text)
        len = sizeof l->text;
    memcpy(l->text, text, len);
    l->len = (uint8_t)len;
    l->side = (uint8_t)side;
    l->t_us = t_us;
}

static bool contains(const uint8_t *b, size_t n, const char *what, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(b + i, what, k))
            return true;
    return false;
}

static size_t find_byte(const uint8_t *b, size_t n, uint8_t c)
{
    const uint8_t *e = memchr(b, c, n);
    return e ? (size_t)(e - b) + 1 : 0;
}

/* BER: tag 0x30, definite length (at most 4 length bytes): the whole message. */
static size_t ber_len(const uint8_t *b, size_t n)
{
    struct tp_reader r;
    uint8_t tag = 0, l0 = 0, x = 0;
    tp_reader_init(&r, b, n);
    if (!tp_read_u8(&r, &tag) || !tp_read_u8(&r, &l0))
        return 0;
    if (tag != 0x30)
        return UNIT_BAD;
    size_t body = l0, hdr = 2;
    if (l0 & 0x80) {
        unsigned k = l0 & 0x7fu;
        if (k == 0 || k > 4)
            return UNIT_BAD;
        body = 0;
        for (unsigned i = 0; i < k; i++) {
            if (!tp_read_u8(&r, &x))
                return 0;
            body = body << 8 | x;
        }
        hdr += k;
    }
    if (body > TP_PW_BUF - hdr)
        return UNIT_BAD;
    return n >= hdr + body ? hdr + body : 0;
}

static bool is_client(const struct tp_plainwatch *w, int side)
{
    return w->client == side;
}

/* The length of the next unit of side in b[0..n): 0 incomplete, UNIT_BAD not ours. */
static size_t unit_len(struct tp_plainwatch *w, int side, const uint8_t *b, size_t n)
{
    switch (w->proto) {
    case PW_UNKNOWN:
        if (b[0] == 0x00) { /* PostgreSQL's 8-byte requests */
            size_t k = n < 8 ? n : 8;
            if (memcmp(b, pg_ssl, k) && memcmp(b, pg_gss, k))
                return UNIT_BAD;
            return k == 8 ? 8 : 0;
        }
        if (b[0] == 0x30)
            return ber_len(b, n);
        if (b[0] == '<')
            return find_byte(b, n, '>');
        if (n < 5)
            return 0;
        if (b[3] == 0 && b[4] == 10) { /* MySQL Handshake v10: length, sequence 0, protocol 10 */
            size_t len = (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16;
            if (len + 4 > TP_PW_BUF)
                return UNIT_BAD;
            return n >= len + 4 ? len + 4 : 0;
        }
        if (!strchr("2*+\"", b[0]))
            return UNIT_BAD;
        return find_byte(b, n, '\n');
    case PW_XMPP:
        return find_byte(b, n, '>');
    case PW_POSTGRES:
        if (!is_client(w, side))
            return 1;
        if (n < 8)
            return memcmp(b, pg_ssl, n) && memcmp(b, pg_gss, n) ? UNIT_BAD : 0;
        return memcmp(b, pg_ssl, 8) && memcmp(b, pg_gss, 8) ? UNIT_BAD : 8;
    case PW_MYSQL: {
        if (n < 4)
            return 0;
        size_t len = (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16;
        if (len + 4 > TP_PW_BUF)
            return UNIT_BAD;
        return n >= len + 4 ? len + 4 : 0;
    }
    case PW_LDAP:
        return ber_len(b, n);
    default:
        return find_byte(b, n, '\n');
    }
}

static bool starts(const uint8_t *b, size_t n, const char *word)
{
    size_t k = strlen(word);
    return n >= k && !strncasecmp((const char *)b, word, k);
}

/* An SMTP/FTP/NNTP reply's last line: "NNN " or "NNN" alone (not "NNN-"). */
static bool final_line(const uint8_t *b, size_t n)
{
    return n >= 3 && (n == 3 || b[3] != '-');
}

static bool code_is(const uint8_t *b, size_t n, const char *code)
{
    return n >= 3 && !memcmp(b, code, 3);
}

/* A text line of a known protocol; false: not this dialogue after all. */
static bool text_unit(struct tp_plainwatch *w, int side, const uint8_t *b, size_t n)
{
    if (is_client(w, side)) {
        if (w->proto == PW_SMTP_FTP) {
            if (starts(b, n, "EHLO") || starts(b, n, "HELO") || starts(b, n, "STARTTLS"))
                w->proto = PW_SMTP;
            else if (starts(b, n, "AUTH") || starts(b, n, "USER") || starts(b, n, "FEAT"))
                w->proto = PW_FTP;
        }
        switch (w->proto) {
        case PW_SMTP: case PW_NNTP: case PW_SIEVE:
            w->asked = starts(b, n, "STARTTLS");
            break;
        case PW_FTP:
            w->asked = starts(b, n, "AUTH TLS") || starts(b, n, "AUTH SSL");
            break;
        case PW_POP3:
            w->asked = starts(b, n, "STLS");
            break;
        case PW_IMAP: {
            /* "tag STARTTLS" */
            size_t sp = 0;
            while (sp < n && b[sp] != ' ')
                sp++;
            w->asked = sp > 0 && sp < sizeof w->tag && starts(b + sp, n - sp, " STARTTLS");
            if (w->asked) {
                memcpy(w->tag, b, sp);
                w->tag[sp] = 0;
            }
            break;
        }
        default:
            break;
        }
        return true;
    }
    if (!w->asked)
        return true;
    bool yes = false, no = false;
    switch (w->proto) {
    case PW_SMTP: case PW_SMTP_FTP:
        yes = final_line(b, n) && code_is(b, n, "220");
        no = final_line(b, n) && !yes;
        break;
    case PW_FTP:
        yes = final_line(b, n) && code_is(b, n, "234");
        no = final_line(b, n) && !yes;
        break;
    case PW_NNTP:
        yes = final_line(b, n) && code_is(b, n, "382");
        no = final_line(b, n) && !yes;
        break;
    case PW_POP3:
        yes = starts(b, n, "+OK");
        no = !yes;
        break;
    case PW_SIEVE:
        yes = starts(b, n, "OK");
        no = starts(b, n, "NO") || starts(b, n, "BYE");
        break;
    case PW_IMAP: {
        size_t k = strlen(w->tag);
        if (n > k && !memcmp(b, w->tag, k) && b[k] == ' ') {
            yes = starts(b + k, n - k, " OK");
            no = !yes;
        }
        break;
    }
    default:
        break;
    }
    if (yes)
        w->srv_tls = true;
    if (no)
        w->asked = false;
    return true;
}

/* The first complete unit names the protocol (and, without a SYN, the client). */
static bool first_unit(struct tp_plainwatch *w, int side, const uint8_t *b, size_t n)
{
    bool server_speaks = true;
    if (b[0] == 0x00)
        w->proto = PW_POSTGRES, server_speaks = false;
    else if (b[0] == 0x30)
        w->proto = PW_LDAP, server_speaks = false;
    else if (b[0] == '<')
        w->proto = PW_XMPP, server_speaks = false; /* the client opens the stream */
    else if (n >= 5 && b[3] == 0 && b[4] == 10)
        w->proto = PW_MYSQL;
    else if (code_is(b, n, "220"))
        w->proto = PW_SMTP_FTP;
    else if (starts(b, n, "* OK") || starts(b, n, "* PREAUTH"))
        w->proto = PW_IMAP;
    else if (starts(b, n, "+OK"))
        w->proto = PW_POP3;
    else if (code_is(b, n, "200") || code_is(b, n, "201"))
        w->proto = PW_NNTP;
    else if (b[0] == '"')
        w->proto = PW_SIEVE;
    else
        return false;
    int client = server_speaks ? 1 - side : side;
    if (w->client < 0)
        w->client = (int8_t)client;
    return w->client == client;
}

static void describe_binary(struct tp_plainwatch *w, int side, const uint8_t *b, size_t n, int64_t t_us)
{
    char text[TP_PW_LINE];
    text[0] = 0;
    if (w->proto == PW_POSTGRES) {
        if (is_client(w, side))
            strcpy(text, b[7] == 0x2f ? "SSLRequest (8 bytes: length 8, code 80877103)"
                                      : "GSSENCRequest (8 bytes: length 8, code 80877104)");
        else
            strcpy(text, b[0] == 'S' ? "'S': TLS accepted" : b[0] == 'N' ? "'N': not available" : "an answer that is not S or N");
    } else if (w->proto == PW_MYSQL) {
        if (!is_client(w, side)) {
            size_t k = 0;
            char ver[48];
            while (k + 5 < n && k < sizeof ver - 1 && b[5 + k] >= 0x20 && b[5 + k] < 0x7f) {
                ver[k] = (char)b[5 + k];
                k++;
            }
            ver[k] = 0;
            size_t caps = 5 + k + 1 + 4 + 8 + 1; /* version NUL, connection id, auth data 1, filler */
            bool ssl = n >= caps + 2 && (b[caps + 1] & 0x08);
            snprintf(text, sizeof text, "Handshake v10, server %s%s", ver, ssl ? " (CLIENT_SSL)" : "");
        } else {
            snprintf(text, sizeof text, n == 36 ? "SSLRequest (CLIENT_SSL)" : "a %zu-byte packet", n - 4);
        }
    } else if (w->proto == PW_LDAP) {
        /* where the operation lies: after 30 len, 02 len id */
        struct tp_reader r;
        uint8_t x = 0, idl = 0, op = 0;
        tp_reader_init(&r, b, n);
        tp_read_u8(&r, &x);
        tp_read_u8(&r, &x);
        if (x & 0x80)
            tp_read_skip(&r, x & 0x7fu);
        tp_read_u8(&r, &x);
        tp_read_u8(&r, &idl);
        tp_read_skip(&r, idl);
        tp_read_u8(&r, &op);
        if (op == 0x77)
            snprintf(text, sizeof text, "ExtendedRequest%s", contains(b, n, ldap_starttls_oid, sizeof ldap_starttls_oid - 1)
                                                                  ? " StartTLS (OID 1.3.6.1.4.1.1466.20037)" : "");
        else if (op == 0x78) {
            uint8_t olen = 0, etag = 0, elen = 0, code = 0xff;
            tp_read_u8(&r, &olen);
            if (olen & 0x80)
                tp_read_skip(&r, olen & 0x7fu);
            tp_read_u8(&r, &etag), tp_read_u8(&r, &elen), tp_read_u8(&r, &code);
            snprintf(text, sizeof text, "ExtendedResponse, resultCode %u%s", code, code == 0 ? " (success)" : "");
        } else
            snprintf(text, sizeof text, "LDAP message, operation 0x%02x", op);
    }
    note(w, side, text, strlen(text), t_us);
}

/* A binary unit (PostgreSQL, MySQL, LDAP). */
static bool binary_unit(struct tp_plainwatch *w, int side, const uint8_t *b, size_t n)
{
    if (w->proto == PW_POSTGRES) {
        if (is_client(w, side)) {
            w->asked = b[7] == 0x2f; /* a GSSENCRequest is answered N, then SSLRequest comes */
            return true;
        }
        if (!w->asked)
            return b[0] == 'N';
        w->srv_tls = b[0] == 'S';
        w->asked = w->srv_tls;
        return b[0] == 'S' || b[0] == 'N';
    }
    if (w->proto == PW_MYSQL) {
        if (!is_client(w, side))
            return true;
        /* SSLRequest: 32 bytes, sequence 1, CLIENT_SSL (0x0800) in the capabilities */
        bool ssl = n == 36 && b[3] == 1 && (b[5] & 0x08);
        if (ssl)
            w->asked = w->srv_tls = true; /* the server's next bytes are its ServerHello */
        return ssl;
    }
    if (w->proto == PW_LDAP) {
        bool has_oid = contains(b, n, ldap_starttls_oid, sizeof ldap_starttls_oid - 1);
        if (is_client(w, side)) {
            w->asked = has_oid;
            return true;
        }
        if (w->asked) {
            /* ExtendedResponse: ... 78 len 0a 01 resultCode */
            bool ok = false;
            for (size_t i = 0; i + 2 < n && !ok; i++)
                ok = b[i] == 0x78 && i + 5 < n && b[i + 2 + ((b[i + 1] & 0x80) ? (b[i + 1] & 0x7fu) : 0)] == 0x0a;
            for (size_t i = 0; i + 2 < n; i++)
                if (b[i] == 0x0a && b[i + 1] == 0x01) {
                    w->srv_tls = ok && b[i + 2] == 0;
                    break;
                }
            w->asked = w->srv_tls;
        }
        return true;
    }
    return false;
}

static bool xmpp_unit(struct tp_plainwatch *w, int side, const uint8_t *b, size_t n)
{
    /* skip the whitespace before the tag */
    size_t i = 0;
    while (i < n && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t'))
        i++;
    b += i, n -= i;
    if (is_client(w, side)) {
        if (starts(b, n, "<starttls"))
            w->asked = true;
        return true;
    }
    if (!w->asked)
        return true;
    if (starts(b, n, "<proceed")) {
        if (n >= 2 && b[n - 2] == '/')
            w->srv_tls = true;
        else
            w->xmpp_in_proceed = true;
    } else if (w->xmpp_in_proceed && starts(b, n, "</proceed")) {
        w->srv_tls = true;
    } else if (starts(b, n, "<failure")) {
        w->asked = false;
    }
    return true;
}

static bool on_unit(struct tp_plainwatch *w, int side, const uint8_t *b, size_t n, int64_t t_us)
{
    if (w->proto == PW_UNKNOWN && !first_unit(w, side, b, n))
        return false;
    switch (w->proto) {
    case PW_POSTGRES: case PW_MYSQL: case PW_LDAP:
        describe_binary(w, side, b, n, t_us);
        return binary_unit(w, side, b, n);
    case PW_XMPP:
        note(w, side, (const char *)b, n, t_us);
        return xmpp_unit(w, side, b, n);
    default:
        note(w, side, (const char *)b, n, t_us);
        return text_unit(w, side, b, n);
    }
}

/* Does this side turn to TLS at a byte c that starts a unit? */
static bool turns_here(const struct tp_plainwatch *w, int side, uint8_t c)
{
    if (w->client < 0)
        return false;
    if (is_client(w, side))
        return w->asked && c == 0x16; /* a TLS handshake record */
    return w->srv_tls;
}

enum tp_pw_result tp_plainwatch_feed(struct tp_plainwatch *w, int side, const uint8_t *p, size_t n, int64_t t_us,
                                     size_t *used)
{
    *used = 0;
    if (side < 0 || side > 1)
        return TP_PW_NOT;
    if (w->done[side])
        return TP_PW_TLS;
    if (!n)
        return TP_PW_MORE;
    if (w->len[side] == 0 && turns_here(w, side, p[0])) {
        w->done[side] = true;
        return TP_PW_TLS;
    }
    size_t base = w->len[side];
    size_t take = n < TP_PW_BUF - base ? n : TP_PW_BUF - base;
    if (w->total[side] + take > TP_MAX_PLAIN_BYTES)
        return TP_PW_NOT;
    memcpy(w->buf[side] + base, p, take);
    w->len[side] = (uint16_t)(base + take);
    w->total[side] += (uint32_t)take;
    uint8_t *b = w->buf[side];
    size_t len = w->len[side], pos = 0;
    while (pos < len) {
        size_t u = unit_len(w, side, b + pos, len - pos);
        if (u == UNIT_BAD)
            return TP_PW_NOT;
        if (u == 0)
            break;
        if (!on_unit(w, side, b + pos, u, t_us))
            return TP_PW_NOT;
        pos += u;
        if (pos < base) /* (a unit never ends inside the bytes held from before) */
            return TP_PW_NOT;
        bool turn = is_client(w, side) ? w->asked && pos < len && b[pos] == 0x16 : w->client >= 0 && w->srv_tls;
        if (turn) {
            w->done[side] = true;
            w->len[side] = 0;
            *used = pos - base;
            return TP_PW_TLS;
        }
    }
    memmove(b, b + pos, len - pos);
    w->len[side] = (uint16_t)(len - pos);
    if (w->len[side] == TP_PW_BUF || take < n) /* a line or message longer than we hold: not ours */
        return TP_PW_NOT;
    *used = n;
    return TP_PW_MORE;
}
