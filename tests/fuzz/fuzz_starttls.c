/* libFuzzer: the STARTTLS dialogues of src/probe/starttls.c (SMTP, IMAP, POP3,
 * FTP, LDAP, PostgreSQL, MySQL, XMPP, NNTP, ManageSieve) against a server that
 * says whatever the input holds.
 *
 * The first byte picks the protocol (its low 7 bits % 10: 0 smtp ... 9 sieve;
 * bit 7: XMPP's 'to' is xmpp.test; low 7 bits 100..127: no protocol, the
 * plain line I/O the proxy's CONNECT uses (tp_plain_*): every line read is
 * noted and sent back until the reader gives up, within the line limits),
 * the rest is everything the "server" sends, written into one end of a
 * socketpair that is then shut for writing: each dialogue must end (an answer,
 * the server's end of file, or bytes after the go-ahead) with a status and a
 * detail, its lines kept in the session and bounded, never reading past its
 * buffer. What we send goes into the other end's buffer, which nobody reads.
 * Every input also checks the protocol names and ports: each name parses back
 * to its protocol, and bytes 1-2 as a port give none or a protocol.
 * Seeds: fixtures/fuzz/fuzz_starttls/ (tests/fuzz/make_starttls_seeds.py: a
 * go-ahead, refusals, answers in another protocol and stream errors per
 * protocol family, and plain lines). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "probe/starttls.h"
#include "probe/wolf.h"
#include "tlsprobe/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

/* Names and ports: every protocol's name (and the aliases) parses back. */
static void check_names(const uint8_t *data, size_t size)
{
    for (int i = TP_ST_AUTO; i <= TP_ST_SIEVE; i++) {
        const char *n = tp_starttls_proto_name(i);
        if (!n || tp_starttls_parse(n) != i)
            abort();
    }
    if (tp_starttls_parse("PostgreSQL") != TP_ST_POSTGRES || tp_starttls_parse("pgsql") != TP_ST_POSTGRES ||
        tp_starttls_parse("managesieve") != TP_ST_SIEVE || tp_starttls_parse(NULL) != -2 ||
        tp_starttls_parse("smtps") != -2 || tp_starttls_for_port(0) != TP_ST_NONE ||
        tp_starttls_for_port(587) != TP_ST_SMTP)
        abort();
    uint16_t port = 0;
    if (size >= 3)
        port = (uint16_t)(data[1] << 8 | data[2]);
    int p = tp_starttls_for_port(port);
    if (p < TP_ST_NONE || p > TP_ST_SIEVE || (p != TP_ST_NONE && !tp_starttls_proto_name(p)))
        abort();
}

/* The plain line I/O: read lines, note and send each back, until it fails. */
static void plain_lines(int fd, size_t size, struct tp_session *s)
{
    struct tp_plain_io *io = tp_plain_open(fd, tp_wolf_mono_us() + 2000000, s, NULL);
    if (!io)
        return;
    char line[TP_MAX_PLAIN_LINE + 1];
    size_t n = 0;
    while (n < 4 * TP_MAX_PLAIN_LINES && tp_plain_read_line(io, line, sizeof line)) {
        size_t len = strnlen(line, sizeof line);
        if (len == sizeof line)
            abort();
        tp_plain_note(io, TP_C2S, line, len);
        (void)tp_plain_send(io, line, len);
        n++;
    }
    enum tp_starttls_status f = tp_plain_failure(io);
    if (n < 4 * TP_MAX_PLAIN_LINES && f != TP_STARTTLS_CLOSED && f != TP_STARTTLS_UNEXPECTED &&
        f != TP_STARTTLS_TIMEOUT)
        abort();
    if (tp_plain_pending(io) > size)
        abort();
    tp_plain_close(io);
    if (s->proxy.n_lines > TP_MAX_PLAIN_LINES)
        abort();
    for (size_t i = 0; i < s->proxy.n_lines; i++)
        if (s->proxy.lines[i].len > 0 && !s->proxy.lines[i].text)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > TP_MAX_PLAIN_BYTES + 1)
        return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 0;
    /* room for all of it (the default is ~200 KB; ask anyway) */
    int buf = 4 * TP_MAX_PLAIN_BYTES;
    (void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    (void)setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    const uint8_t *p = data + 1;
    size_t left = size - 1;
    while (left > 0) {
        ssize_t w = write(sv[1], p, left);
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    (void)shutdown(sv[1], SHUT_WR);
    check_names(data, size);
    int proto = TP_ST_SMTP + (data[0] & 0x7f) % (TP_ST_SIEVE - TP_ST_SMTP + 1);
    struct tp_session *s = tp_session_new(TP_SRC_CONNECT, tp_wolf_wall_us());
    if (s && (data[0] & 0x7f) >= 100) {
        plain_lines(sv[0], size, s);
        tp_session_free(s);
    } else if (s) {
        enum tp_starttls_status st =
            tp_starttls_run(sv[0], proto, data[0] & 0x80 ? "xmpp.test" : "", tp_wolf_mono_us() + 2000000, s, NULL);
        if (st == TP_STARTTLS_NONE || st != s->starttls.status || !s->starttls.protocol[0])
            abort();
        if (st != TP_STARTTLS_OK && !memchr(s->starttls.detail, '\0', sizeof s->starttls.detail))
            abort();
        if (s->starttls.n_lines > TP_MAX_PLAIN_LINES)
            abort();
        for (size_t i = 0; i < s->starttls.n_lines; i++)
            if (s->starttls.lines[i].len > 0 && !s->starttls.lines[i].text)
                abort();
        tp_session_free(s);
    }
    close(sv[0]);
    close(sv[1]);
    return 0;
}
