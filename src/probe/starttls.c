/* connect --starttls: the plain-text exchange that upgrades a connection to TLS,
 * for SMTP (RFC 3207), IMAP (RFC 9051 §6.2.1), POP3 (RFC 2595 §4), FTP (RFC 4217
 * §4), LDAP (RFC 4511 §4.14), PostgreSQL (SSLRequest), MySQL (SSLRequest
 * packet), XMPP (RFC 6120 §5), NNTP (RFC 4642) and ManageSieve (RFC 5804 §2.2).
 *
 * Every line sent and received goes into the session's transcript (binary
 * protocols: a short description of each message) and into the --write-pcap
 * flow, so the pcap holds the whole connection. The exchange ends in a status
 * (tlsprobe/session.h, enum tp_starttls_status); only TP_STARTTLS_OK lets the
 * TLS handshake start. Bounded: one deadline (the connect's), at most
 * TP_MAX_PLAIN_BYTES read. We never read past the server's go-ahead: it must not
 * send before our ClientHello, and what it does send then is reported (a server
 * that answers pipelined commands after STARTTLS is how command injection
 * happens). */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "probe/starttls.h"
#include "probe/wolf.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/reader.h"

static const struct {
    const char *name;
    uint16_t ports[2];
} protos[] = {
    [TP_ST_NONE] = { "none", { 0, 0 } },         [TP_ST_SMTP] = { "smtp", { 25, 587 } },
    [TP_ST_IMAP] = { "imap", { 143, 0 } },       [TP_ST_POP3] = { "pop3", { 110, 0 } },
    [TP_ST_FTP] = { "ftp", { 21, 0 } },          [TP_ST_LDAP] = { "ldap", { 389, 0 } },
    [TP_ST_POSTGRES] = { "postgres", { 5432, 0 } }, [TP_ST_MYSQL] = { "mysql", { 3306, 0 } },
    [TP_ST_XMPP] = { "xmpp", { 5222, 0 } },      [TP_ST_NNTP] = { "nntp", { 119, 0 } },
    [TP_ST_SIEVE] = { "sieve", { 4190, 0 } },
};
#define N_PROTOS (sizeof protos / sizeof protos[0])

int tp_starttls_parse(const char *name)
{
    if (!name)
        return -2;
    if (!strcasecmp(name, "auto"))
        return TP_ST_AUTO;
    if (!strcasecmp(name, "postgresql") || !strcasecmp(name, "pgsql"))
        return TP_ST_POSTGRES;
    if (!strcasecmp(name, "managesieve"))
        return TP_ST_SIEVE;
    for (size_t i = 0; i < N_PROTOS; i++)
        if (!strcasecmp(name, protos[i].name))
            return (int)i;
    return -2;
}

const char *tp_starttls_proto_name(int p)
{
    return p >= 0 && (size_t)p < N_PROTOS ? protos[p].name : "auto";
}

int tp_starttls_for_port(uint16_t port)
{
    for (size_t i = 1; i < N_PROTOS; i++)
        if (port && (protos[i].ports[0] == port || protos[i].ports[1] == port))
            return (int)i;
    return TP_ST_NONE;
}

/* ---- I/O: one deadline, everything recorded ---- */

struct st {
    int fd;
    int64_t deadline;
    struct tp_session *s;
    struct tp_pcapw_flow *flow;
    const char *host;            /* for XMPP's 'to' */
    uint8_t buf[TP_MAX_PLAIN_LINE + 1]; /* received, not yet consumed */
    size_t len;
    size_t total;                /* bytes received in all */
    enum tp_starttls_status fail; /* how reading last failed */
    bool nomem;
    bool saw_starttls;           /* XMPP: "<starttls" was in what the server sent */
    char xmpp_cond[40];          /* XMPP: the stream error's condition ("host-unknown") */
    char xmpp_text[64];          /* XMPP: and its text, if any */
    bool proxy;                  /* the lines go to s->proxy (tp_plain_open), not s->starttls */
};

static void note(struct st *x, enum tp_dir dir, const char *text, size_t len)
{
    enum tp_err e = x->proxy ? tp_session_add_proxy_line(x->s, dir, text, len, tp_wolf_wall_us())
                             : tp_session_add_plain(x->s, dir, text, len, tp_wolf_wall_us());
    if (e != TP_OK)
        x->nomem = true;
}

static bool send_raw(struct st *x, const void *p, size_t n);

static bool send_all(struct st *x, const void *p, size_t n, const char *shown)
{
    note(x, TP_C2S, shown ? shown : (const char *)p, shown ? strlen(shown) : n);
    return send_raw(x, p, n);
}

/* The bytes to the socket and the pcap flow, not into the transcript. */
static bool send_raw(struct st *x, const void *p, size_t n)
{
    tp_pcapw_data(x->flow, TP_C2S, p, n, tp_wolf_wall_us());
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = send(x->fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            b += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            x->fail = TP_STARTTLS_CLOSED;
            return false;
        }
        int64_t left = (x->deadline - tp_wolf_mono_us()) / 1000;
        struct pollfd pf = { .fd = x->fd, .events = POLLOUT };
        if (left <= 0 || poll(&pf, 1, (int)(left > 1000 ? 1000 : left)) < 0) {
            x->fail = TP_STARTTLS_TIMEOUT;
            return false;
        }
    }
    return true;
}

static bool send_line(struct st *x, const char *line)
{
    char b[600];
    int n = snprintf(b, sizeof b, "%s\r\n", line);
    return n > 0 && (size_t)n < sizeof b && send_all(x, b, (size_t)n, line);
}

/* Receive more into x->buf (at least one byte). false: x->fail says why. */
static bool fill(struct st *x)
{
    for (;;) {
        if (x->len >= sizeof x->buf - 1 || x->total >= TP_MAX_PLAIN_BYTES) {
            x->fail = TP_STARTTLS_UNEXPECTED;
            return false;
        }
        size_t want = sizeof x->buf - 1 - x->len;
        if (want > TP_MAX_PLAIN_BYTES - x->total)
            want = TP_MAX_PLAIN_BYTES - x->total;
        ssize_t r = recv(x->fd, x->buf + x->len, want, MSG_DONTWAIT);
        if (r > 0) {
            tp_pcapw_data(x->flow, TP_S2C, x->buf + x->len, (size_t)r, tp_wolf_wall_us());
            x->len += (size_t)r;
            x->total += (size_t)r;
            return true;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            x->fail = TP_STARTTLS_CLOSED;
            return false;
        }
        int64_t left = (x->deadline - tp_wolf_mono_us()) / 1000;
        struct pollfd pf = { .fd = x->fd, .events = POLLIN };
        if (left <= 0) {
            x->fail = TP_STARTTLS_TIMEOUT;
            return false;
        }
        if (poll(&pf, 1, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR) {
            x->fail = TP_STARTTLS_CLOSED;
            return false;
        }
    }
}

static void consume(struct st *x, size_t n)
{
    memmove(x->buf, x->buf + n, x->len - n);
    x->len -= n;
}

/* One line (CRLF or LF stripped) into out (NUL-terminated), recorded. */
static bool read_line(struct st *x, char *out, size_t cap)
{
    for (;;) {
        uint8_t *nl = memchr(x->buf, '\n', x->len);
        if (nl) {
            size_t n = (size_t)(nl - x->buf), k = n;
            if (k && x->buf[k - 1] == '\r')
                k--;
            note(x, TP_S2C, (const char *)x->buf, k);
            size_t c = k < cap - 1 ? k : cap - 1;
            memcpy(out, x->buf, c);
            out[c] = 0;
            consume(x, n + 1);
            return true;
        }
        if (!fill(x)) {
            if (x->len)
                note(x, TP_S2C, (const char *)x->buf, x->len);
            return false;
        }
    }
}

static bool starts(const char *line, const char *p) { return !strncasecmp(line, p, strlen(p)); }

/* A numeric reply (SMTP, FTP, NNTP): lines "NNN-text" continue, "NNN text" ends.
 * Returns the code (0: not a numeric reply); each line goes to on_line. */
static int read_reply(struct st *x, void (*on_line)(const char *text, void *arg), void *arg)
{
    char line[TP_MAX_PLAIN_LINE + 1];
    for (;;) {
        if (!read_line(x, line, sizeof line))
            return -1;
        if (!isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) || !isdigit((unsigned char)line[2]) ||
            (line[3] && line[3] != ' ' && line[3] != '-'))
            return 0;
        if (on_line)
            on_line(line[3] ? line + 4 : "", arg);
        if (line[3] != '-')
            return atoi(line);
    }
}

/* Does a capability text hold the word (case-insensitive, whole token)? */
static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; (p = strcasestr(p, word)); p += n) {
        bool start = p == text || !isalnum((unsigned char)p[-1]);
        bool end = !isalnum((unsigned char)p[n]);
        if (start && end)
            return true;
    }
    return false;
}

static void find_starttls(const char *text, void *arg)
{
    if (has_word(text, "STARTTLS"))
        *(bool *)arg = true;
}

/* ---- the dialogues: each returns the status ---- */

static enum tp_starttls_status fail_or(struct st *x, enum tp_starttls_status st, const char *why)
{
    if (x->fail)
        return x->fail;
    snprintf(x->s->starttls.detail, sizeof x->s->starttls.detail, "%s", why);
    return st;
}

static enum tp_starttls_status smtp(struct st *x)
{
    int code = read_reply(x, NULL, NULL);
    if (code != 220)
        return fail_or(x, code >= 400 ? TP_STARTTLS_REFUSED : TP_STARTTLS_UNEXPECTED,
                       code >= 400 ? "the server's greeting refused the session" : "no SMTP greeting (220)");
    bool offered = false;
    if (!send_line(x, "EHLO tlsprobe.invalid"))
        return x->fail;
    code = read_reply(x, find_starttls, &offered);
    if (code != 250)
        return fail_or(x, code >= 500 ? TP_STARTTLS_UNAVAILABLE : TP_STARTTLS_UNEXPECTED,
                       "the server did not accept EHLO, so it offers no extensions");
    if (!offered)
        return fail_or(x, TP_STARTTLS_UNAVAILABLE, "STARTTLS is not in the server's EHLO reply");
    if (!send_line(x, "STARTTLS"))
        return x->fail;
    code = read_reply(x, NULL, NULL);
    return code == 220 ? TP_STARTTLS_OK : fail_or(x, TP_STARTTLS_REFUSED, "the server refused STARTTLS");
}

/* An IMAP exchange: send "TAG CMD", read until the tagged answer; untagged
 * CAPABILITY lines are searched for STARTTLS. 1 OK, 0 NO/BAD, -1 failed. */
static int imap_cmd(struct st *x, const char *tag, const char *cmd, bool *offered)
{
    char line[TP_MAX_PLAIN_LINE + 1], out[80];
    snprintf(out, sizeof out, "%s %s", tag, cmd);
    if (!send_line(x, out))
        return -1;
    for (;;) {
        if (!read_line(x, line, sizeof line))
            return -1;
        if (offered && starts(line, "* CAPABILITY") && has_word(line, "STARTTLS"))
            *offered = true;
        if (starts(line, tag) && line[strlen(tag)] == ' ')
            return starts(line + strlen(tag) + 1, "OK") ? 1 : 0;
        if (line[0] != '*')
            return -2;
    }
}

static enum tp_starttls_status imap(struct st *x)
{
    char line[TP_MAX_PLAIN_LINE + 1];
    if (!read_line(x, line, sizeof line))
        return x->fail;
    if (starts(line, "* BYE"))
        return fail_or(x, TP_STARTTLS_REFUSED, "the server's greeting was BYE");
    if (!starts(line, "* OK") && !starts(line, "* PREAUTH"))
        return fail_or(x, TP_STARTTLS_UNEXPECTED, "no IMAP greeting (* OK)");
    bool offered = false;
    int rc = imap_cmd(x, "a1", "CAPABILITY", &offered);
    if (rc < 0)
        return fail_or(x, TP_STARTTLS_UNEXPECTED, "no IMAP answer to CAPABILITY");
    if (!offered)
        return fail_or(x, TP_STARTTLS_UNAVAILABLE, "STARTTLS is not in the server's CAPABILITY list");
    rc = imap_cmd(x, "a2", "STARTTLS", NULL);
    return rc == 1 ? TP_STARTTLS_OK
                   : fail_or(x, rc == 0 ? TP_STARTTLS_REFUSED : TP_STARTTLS_UNEXPECTED, "the server refused STARTTLS");
}

/* A POP3/NNTP-style list after a positive first line: lines until ".". */
static bool read_dot_list(struct st *x, bool *has, const char *word)
{
    char line[TP_MAX_PLAIN_LINE + 1];
    for (;;) {
        if (!read_line(x, line, sizeof line))
            return false;
        if (!strcmp(line, "."))
            return true;
        if (has_word(line, word))
            *has = true;
    }
}

static enum tp_starttls_status pop3(struct st *x)
{
    char line[TP_MAX_PLAIN_LINE + 1];
    if (!read_line(x, line, sizeof line))
        return x->fail;
    if (!starts(line, "+OK"))
        return fail_or(x, starts(line, "-ERR") ? TP_STARTTLS_REFUSED : TP_STARTTLS_UNEXPECTED, "no POP3 greeting (+OK)");
    bool offered = false, capa = false;
    if (!send_line(x, "CAPA") || !read_line(x, line, sizeof line))
        return x->fail;
    if (starts(line, "+OK")) {
        capa = true;
        if (!read_dot_list(x, &offered, "STLS"))
            return x->fail;
    }
    if (capa && !offered)
        return fail_or(x, TP_STARTTLS_UNAVAILABLE, "STLS is not in the server's CAPA list");
    if (!send_line(x, "STLS") || !read_line(x, line, sizeof line))
        return x->fail;
    return starts(line, "+OK") ? TP_STARTTLS_OK : fail_or(x, TP_STARTTLS_REFUSED, "the server refused STLS");
}

static enum tp_starttls_status ftp(struct st *x)
{
    int code = read_reply(x, NULL, NULL);
    if (code != 220)
        return fail_or(x, code >= 400 ? TP_STARTTLS_REFUSED : TP_STARTTLS_UNEXPECTED, "no FTP greeting (220)");
    if (!send_line(x, "AUTH TLS"))
        return x->fail;
    code = read_reply(x, NULL, NULL);
    if (code == 234)
        return TP_STARTTLS_OK;
    if (code == 500 || code == 502 || code == 504)
        return fail_or(x, TP_STARTTLS_UNAVAILABLE, "the server does not implement AUTH TLS");
    return fail_or(x, code > 0 ? TP_STARTTLS_REFUSED : TP_STARTTLS_UNEXPECTED, "the server refused AUTH TLS");
}

static enum tp_starttls_status nntp(struct st *x)
{
    int code = read_reply(x, NULL, NULL);
    if (code != 200 && code != 201)
        return fail_or(x, code >= 400 ? TP_STARTTLS_REFUSED : TP_STARTTLS_UNEXPECTED, "no NNTP greeting (200/201)");
    bool offered = false;
    if (!send_line(x, "CAPABILITIES"))
        return x->fail;
    code = read_reply(x, NULL, NULL);
    if (code == 101 && !read_dot_list(x, &offered, "STARTTLS"))
        return x->fail;
    if (!offered)
        return fail_or(x, TP_STARTTLS_UNAVAILABLE, "STARTTLS is not in the server's CAPABILITIES");
    if (!send_line(x, "STARTTLS"))
        return x->fail;
    code = read_reply(x, NULL, NULL);
    return code == 382 ? TP_STARTTLS_OK : fail_or(x, TP_STARTTLS_REFUSED, "the server refused STARTTLS");
}

/* ManageSieve: the greeting is the capability list, closed by an OK line. */
static enum tp_starttls_status sieve(struct st *x)
{
    char line[TP_MAX_PLAIN_LINE + 1];
    bool offered = false;
    for (;;) {
        if (!read_line(x, line, sizeof line))
            return x->fail;
        if (starts(line, "OK"))
            break;
        if (starts(line, "NO") || starts(line, "BYE"))
            return fail_or(x, TP_STARTTLS_REFUSED, "the server's greeting refused the session");
        if (line[0] != '"')
            return fail_or(x, TP_STARTTLS_UNEXPECTED, "no ManageSieve capability list");
        if (starts(line, "\"STARTTLS\""))
            offered = true;
    }
    if (!offered)
        return fail_or(x, TP_STARTTLS_UNAVAILABLE, "STARTTLS is not in the server's capabilities");
    if (!send_line(x, "STARTTLS") || !read_line(x, line, sizeof line))
        return x->fail;
    return starts(line, "OK") ? TP_STARTTLS_OK : fail_or(x, TP_STARTTLS_REFUSED, "the server refused STARTTLS");
}

/* XMPP stream errors (RFC 6120 §4.9.3): the condition is the first child
 * element of <stream:error>, an optional <text> says more; both kept for the
 * detail ("host-unknown"). Printable ASCII only, bounded. */
static void xml_copy(char *out, size_t cap, const char *p, bool name)
{
    size_t k = 0;
    for (; k < cap - 1 && p[k] && p[k] != '<' && (!name || isalnum((unsigned char)p[k]) || p[k] == '-'); k++)
        out[k] = isprint((unsigned char)p[k]) ? p[k] : '?';
    out[k] = 0;
}

static void xmpp_condition(struct st *x)
{
    const char *e = strstr((const char *)x->buf, "<stream:error");
    if (!e || !(e = strchr(e, '>')) || e[-1] == '/' || !(e = strchr(e, '<')))
        return;
    xml_copy(x->xmpp_cond, sizeof x->xmpp_cond, e + 1, true);
    const char *t = strstr(e, "<text"), *end = strstr(e, "</stream:error");
    if (t && (!end || t < end) && (t = strchr(t, '>')) && t[-1] != '/')
        xml_copy(x->xmpp_text, sizeof x->xmpp_text, t + 1, false);
}

/* XMPP: XML without line breaks; read until the closing tag we wait for shows. */
static bool read_until(struct st *x, const char *const *marks, int *which)
{
    size_t shown = 0;
    for (;;) {
        x->buf[x->len] = 0;
        if (strstr((const char *)x->buf, "<starttls"))
            x->saw_starttls = true;
        for (int i = 0; marks[i]; i++) {
            const char *m = strstr((const char *)x->buf, marks[i]);
            const char *gt = m ? strchr(m, '>') : NULL; /* the element complete */
            if (!gt)
                continue;
            size_t end = (size_t)(gt + 1 - (const char *)x->buf);
            if (end > shown)
                note(x, TP_S2C, (const char *)x->buf + shown, end - shown);
            xmpp_condition(x);
            *which = i;
            /* what follows stays: bytes after <proceed/> are reported, not lost */
            consume(x, end > shown ? end : shown);
            return true;
        }
        if (x->len - shown >= TP_MAX_PLAIN_LINE / 2) {
            note(x, TP_S2C, (const char *)x->buf + shown, x->len - shown);
            shown = x->len;
        }
        if (x->len >= sizeof x->buf - 1) { /* keep the tail, a mark may span */
            size_t keep = 64 < x->len ? 64 : x->len;
            memmove(x->buf, x->buf + x->len - keep, keep);
            x->len = keep;
            shown = keep;
        }
        if (!fill(x)) {
            if (x->len > shown)
                note(x, TP_S2C, (const char *)x->buf + shown, x->len - shown);
            return false;
        }
    }
}

/* The server ended the stream with an error: say which, and what host-unknown
 * means for us (the 'to' domain is --servername, else the host we connect to). */
static enum tp_starttls_status xmpp_stream_error(struct st *x)
{
    if (x->fail)
        return x->fail;
    char *d = x->s->starttls.detail;
    size_t n = sizeof x->s->starttls.detail;
    if (!strcmp(x->xmpp_cond, "host-unknown"))
        snprintf(d, n, "host-unknown: the server does not serve '%.40s' (the stream's 'to' domain; "
                 "set it with --servername)", x->host);
    else if (x->xmpp_cond[0])
        snprintf(d, n, "the server closed the XMPP stream with an error: %s%s%s%s", x->xmpp_cond,
                 x->xmpp_text[0] ? " (" : "", x->xmpp_text, x->xmpp_text[0] ? ")" : "");
    else
        snprintf(d, n, "the server closed the XMPP stream with an error");
    return TP_STARTTLS_REFUSED;
}

static enum tp_starttls_status xmpp(struct st *x)
{
    char hdr[400];
    snprintf(hdr, sizeof hdr,
             "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
             "to='%.255s' version='1.0'>", x->host);
    if (!send_all(x, hdr, strlen(hdr), NULL))
        return x->fail;
    static const char *const feat[] = { "</stream:features>", "<stream:features/>", "</stream:stream>",
                                        "</stream:error>", NULL };
    int which = -1;
    if (!read_until(x, feat, &which))
        return fail_or(x, TP_STARTTLS_UNEXPECTED, "no XMPP stream features");
    if (which >= 2)
        return xmpp_stream_error(x);
    if (!x->saw_starttls)
        return fail_or(x, TP_STARTTLS_UNAVAILABLE, "starttls is not in the server's stream features");
    static const char req[] = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
    if (!send_all(x, req, sizeof req - 1, NULL))
        return x->fail;
    static const char *const ans[] = { "<proceed", "<failure", "</stream:stream>", NULL };
    if (!read_until(x, ans, &which))
        return fail_or(x, TP_STARTTLS_UNEXPECTED, "no answer to starttls");
    if (which == 2)
        return xmpp_stream_error(x);
    return which == 0 ? TP_STARTTLS_OK : fail_or(x, TP_STARTTLS_REFUSED, "the server refused starttls");
}

/* PostgreSQL: SSLRequest (length 8, code 80877103); one byte back: S or N. */
static enum tp_starttls_status postgres(struct st *x)
{
    static const uint8_t req[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
    if (!send_all(x, req, sizeof req, "SSLRequest (8 bytes: length 8, code 80877103)"))
        return x->fail;
    if (x->len == 0 && !fill(x))
        return x->fail;
    uint8_t a = x->buf[0];
    char shown[80];
    snprintf(shown, sizeof shown, a == 'S' ? "'S': TLS accepted" : a == 'N' ? "'N': TLS not available"
                                  : a == 'E' ? "'E': an error message (a server too old for SSLRequest?)"
                                             : "0x%02x: not a PostgreSQL answer", a);
    note(x, TP_S2C, shown, strlen(shown));
    consume(x, 1);
    if (a == 'S')
        return TP_STARTTLS_OK;
    if (a == 'N')
        return fail_or(x, TP_STARTTLS_UNAVAILABLE, "the server answered N: ssl is off in postgresql.conf");
    return fail_or(x, a == 'E' ? TP_STARTTLS_REFUSED : TP_STARTTLS_UNEXPECTED, "not a PostgreSQL answer to SSLRequest");
}

/* LDAP: ExtendedRequest 1.3.6.1.4.1.1466.20037 (StartTLS), message id 1. */
static enum tp_starttls_status ldap(struct st *x)
{
    static const uint8_t req[] = { 0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16, '1', '.', '3', '.', '6',
                                   '.',  '1',  '.',  '4',  '.',  '1',  '.',  '1',  '4',  '6', '6', '.', '2', '0',
                                   '0',  '3',  '7' };
    if (!send_all(x, req, sizeof req, "ExtendedRequest StartTLS (OID 1.3.6.1.4.1.1466.20037), message 1"))
        return x->fail;
    /* LDAPMessage: 30 len { INTEGER id, [APPLICATION 24] ExtendedResponse { ENUMERATED resultCode, ... } } */
    while (x->len < 2 || (x->buf[1] & 0x80 && x->len < 2 + (size_t)(x->buf[1] & 0x7f)))
        if (!fill(x))
            return fail_or(x, TP_STARTTLS_UNEXPECTED, "no LDAP answer");
    struct tp_reader r;
    tp_reader_init(&r, x->buf, x->len);
    uint8_t tag = 0, l1 = 0, b = 0, id_len = 0, op = 0, olen = 0, etag = 0, elen = 0, code = 0xff;
    uint32_t body = 0;
    tp_read_u8(&r, &tag);
    tp_read_u8(&r, &l1);
    if (l1 & 0x80)
        for (int i = 0; i < (l1 & 0x7f) && i < 4; i++) {
            tp_read_u8(&r, &b);
            body = body << 8 | b;
        }
    else
        body = l1;
    if (tag != 0x30 || body > sizeof x->buf)
        return fail_or(x, TP_STARTTLS_UNEXPECTED, "not an LDAP message");
    size_t need = (size_t)body + (l1 & 0x80 ? 2u + (l1 & 0x7fu) : 2u);
    while (x->len < need)
        if (!fill(x))
            return fail_or(x, TP_STARTTLS_UNEXPECTED, "a truncated LDAP answer");
    tp_reader_init(&r, x->buf, x->len);
    tp_read_skip(&r, need - body);
    tp_read_u8(&r, &b);  /* INTEGER */
    tp_read_u8(&r, &id_len);
    tp_read_skip(&r, id_len);
    tp_read_u8(&r, &op);
    tp_read_u8(&r, &olen);
    if (olen & 0x80)
        tp_read_skip(&r, olen & 0x7fu);
    tp_read_u8(&r, &etag);
    tp_read_u8(&r, &elen);
    tp_read_u8(&r, &code);
    bool ok = tp_reader_ok(&r) && op == 0x78 && etag == 0x0a && elen == 1;
    char shown[96];
    snprintf(shown, sizeof shown, ok ? "ExtendedResponse, resultCode %u%s" : "not an LDAP ExtendedResponse",
             code, code == 0 ? " (success)" : code == 2 ? " (protocolError)" : code == 52 ? " (unavailable)"
                                                                  : code == 53 ? " (unwillingToPerform)" : "");
    note(x, TP_S2C, shown, strlen(shown));
    consume(x, need);
    if (!ok)
        return fail_or(x, TP_STARTTLS_UNEXPECTED, "not an LDAP ExtendedResponse");
    if (code == 0)
        return TP_STARTTLS_OK;
    /* protocolError (2): the operation is unknown; unavailable (52): TLS is not configured */
    bool absent = code == 2 || code == 52;
    return fail_or(x, absent ? TP_STARTTLS_UNAVAILABLE : TP_STARTTLS_REFUSED,
                   absent ? "the server cannot do StartTLS (TLS not configured)" : "the server refused StartTLS");
}

/* MySQL: the server's Handshake v10 says CLIENT_SSL; we answer SSLRequest. */
static enum tp_starttls_status mysql(struct st *x)
{
    while (x->len < 4)
        if (!fill(x))
            return x->fail == TP_STARTTLS_TIMEOUT ? x->fail : fail_or(x, TP_STARTTLS_UNEXPECTED, "no MySQL greeting");
    struct tp_reader r;
    tp_reader_init(&r, x->buf, x->len);
    uint8_t l0 = 0, l1 = 0, l2 = 0, seq = 0, ver = 0, b = 0;
    tp_read_u8(&r, &l0), tp_read_u8(&r, &l1), tp_read_u8(&r, &l2), tp_read_u8(&r, &seq);
    size_t plen = (size_t)l0 | (size_t)l1 << 8 | (size_t)l2 << 16;
    if (plen > sizeof x->buf - 5) {
        note(x, TP_S2C, (const char *)x->buf, x->len);
        return fail_or(x, TP_STARTTLS_UNEXPECTED, "not a MySQL greeting");
    }
    while (x->len < 4 + plen)
        if (!fill(x))
            return fail_or(x, TP_STARTTLS_UNEXPECTED, "a truncated MySQL greeting");
    tp_reader_init(&r, x->buf + 4, plen); /* the whole packet is here now, and no more */
    tp_read_u8(&r, &ver);
    if (ver == 0xff) { /* an ERR packet: the code, then the message (no SQL state yet) */
        uint8_t e0 = 0, e1 = 0;
        char msg[100];
        size_t n = 0;
        tp_read_u8(&r, &e0), tp_read_u8(&r, &e1);
        while (tp_read_u8(&r, &b))
            if (n < sizeof msg - 1)
                msg[n++] = isprint(b) ? (char)b : '?';
        msg[n] = 0;
        unsigned code = (unsigned)e0 | (unsigned)e1 << 8;
        char shown[160];
        snprintf(shown, sizeof shown, "an error packet instead of a greeting: %u %s", code, msg);
        note(x, TP_S2C, shown, strlen(shown));
        consume(x, 4 + plen);
        snprintf(x->s->starttls.detail, sizeof x->s->starttls.detail, "the server sent error %u instead of its "
                 "greeting: %.100s", code, msg);
        return x->fail ? x->fail : TP_STARTTLS_REFUSED;
    }
    char server[64] = "";
    size_t k = 0;
    while (tp_read_u8(&r, &b) && b)
        if (k < sizeof server - 1)
            server[k++] = isprint(b) ? (char)b : '?';
    server[k] = 0;
    uint8_t c0 = 0, c1 = 0;
    tp_read_skip(&r, 4 + 8 + 1); /* connection id, auth data part 1, filler */
    tp_read_u8(&r, &c0), tp_read_u8(&r, &c1);
    bool ok = tp_reader_ok(&r) && ver == 10;
    bool ssl = ok && (c1 & 0x08);    /* CLIENT_SSL = 0x0800 */
    char shown[160];
    snprintf(shown, sizeof shown, ok ? "Handshake v10, server %s, capabilities 0x%02x%02x%s"
                                     : "not a MySQL Handshake v10", server, c1, c0, ssl ? " (CLIENT_SSL)" : "");
    note(x, TP_S2C, shown, strlen(shown));
    consume(x, 4 + plen);
    if (!ok)
        return fail_or(x, TP_STARTTLS_UNEXPECTED, "not a MySQL greeting");
    if (!ssl)
        return fail_or(x, TP_STARTTLS_UNAVAILABLE, "the server's capabilities lack CLIENT_SSL: TLS is not enabled");
    /* Before 4.1 (no CLIENT_PROTOCOL_41) the SSLRequest had 2-byte flags and a
     * 3-byte max packet size; such servers (2004 and older) are not supported. */
    if (!(c1 & 0x02))
        return fail_or(x, TP_STARTTLS_UNEXPECTED, "a MySQL server older than 4.1 (no CLIENT_PROTOCOL_41)");
    /* SSLRequest, the first 32 bytes of a HandshakeResponse41, sequence = the
     * greeting's + 1: of CLIENT_LONG_PASSWORD (MariaDB's CLIENT_MYSQL, which it
     * clears), CLIENT_PROTOCOL_41 and CLIENT_SECURE_CONNECTION those the server
     * has, and CLIENT_SSL; max packet 16 MiB, utf8mb4, 23 zeros (MariaDB's
     * extended capabilities: none). */
    uint8_t req[36] = { 32, 0, 0, (uint8_t)(seq + 1), (uint8_t)(c0 & 0x01), (uint8_t)((c1 & 0x82) | 0x08), 0, 0,
                        0, 0, 0, 1, 45 };
    return send_all(x, req, sizeof req, "SSLRequest (CLIENT_SSL)") ? TP_STARTTLS_OK : x->fail;
}

enum tp_starttls_status tp_starttls_run(int fd, int proto, const char *host, int64_t deadline_mono_us,
                                        struct tp_session *s, struct tp_pcapw_flow *flow)
{
    struct st *x = calloc(1, sizeof *x);
    if (!x)
        return TP_STARTTLS_CLOSED;
    *x = (struct st){ .fd = fd, .deadline = deadline_mono_us, .s = s, .flow = flow, .host = host ? host : "" };
    snprintf(s->starttls.protocol, sizeof s->starttls.protocol, "%s", tp_starttls_proto_name(proto));
    enum tp_starttls_status st;
    switch (proto) {
    case TP_ST_SMTP: st = smtp(x); break;
    case TP_ST_IMAP: st = imap(x); break;
    case TP_ST_POP3: st = pop3(x); break;
    case TP_ST_FTP: st = ftp(x); break;
    case TP_ST_LDAP: st = ldap(x); break;
    case TP_ST_POSTGRES: st = postgres(x); break;
    case TP_ST_MYSQL: st = mysql(x); break;
    case TP_ST_XMPP: st = xmpp(x); break;
    case TP_ST_NNTP: st = nntp(x); break;
    case TP_ST_SIEVE: st = sieve(x); break;
    default: st = TP_STARTTLS_NONE; break;
    }
    if (st == TP_STARTTLS_OK && x->len > 0) {
        note(x, TP_S2C, (const char *)x->buf, x->len);
        snprintf(s->starttls.detail, sizeof s->starttls.detail,
                 "the server sent %zu byte%s after agreeing, before our ClientHello", x->len, x->len == 1 ? "" : "s");
        st = TP_STARTTLS_UNEXPECTED;
    }
    if (!s->starttls.detail[0] && st == TP_STARTTLS_TIMEOUT)
        snprintf(s->starttls.detail, sizeof s->starttls.detail, "no complete answer before the deadline");
    if (!s->starttls.detail[0] && st == TP_STARTTLS_CLOSED)
        snprintf(s->starttls.detail, sizeof s->starttls.detail, "the server closed the connection");
    if (!s->starttls.detail[0] && st == TP_STARTTLS_UNEXPECTED)
        snprintf(s->starttls.detail, sizeof s->starttls.detail, "the server's answer is not %s",
                 tp_starttls_proto_name(proto));
    s->starttls.status = x->nomem ? TP_STARTTLS_CLOSED : st;
    free(x);
    return s->starttls.status;
}

/* ---- the same I/O for another plain-text exchange (the proxy's CONNECT) ---- */

struct tp_plain_io *tp_plain_open(int fd, int64_t deadline_mono_us, struct tp_session *s, struct tp_pcapw_flow *flow)
{
    struct st *x = calloc(1, sizeof *x);
    if (x)
        *x = (struct st){ .fd = fd, .deadline = deadline_mono_us, .s = s, .flow = flow, .host = "", .proxy = true };
    return (struct tp_plain_io *)x;
}

void tp_plain_note(struct tp_plain_io *io, enum tp_dir dir, const char *text, size_t len)
{
    note((struct st *)io, dir, text, len);
}

bool tp_plain_send(struct tp_plain_io *io, const void *p, size_t n)
{
    return send_raw((struct st *)io, p, n);
}

bool tp_plain_read_line(struct tp_plain_io *io, char *out, size_t cap)
{
    return read_line((struct st *)io, out, cap);
}

enum tp_starttls_status tp_plain_failure(const struct tp_plain_io *io)
{
    const struct st *x = (const struct st *)io;
    return x->nomem ? TP_STARTTLS_CLOSED : x->fail;
}

size_t tp_plain_pending(const struct tp_plain_io *io)
{
    return ((const struct st *)io)->len;
}

void tp_plain_close(struct tp_plain_io *io)
{
    free(io);
}
