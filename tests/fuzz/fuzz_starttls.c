/* libFuzzer: the STARTTLS dialogues of src/probe/starttls.c (SMTP, IMAP, POP3,
 * FTP, LDAP, PostgreSQL, MySQL, XMPP, NNTP, ManageSieve) against a server that
 * says whatever the input holds.
 *
 * The first byte picks the protocol (its low 7 bits % 10: 0 smtp ... 9 sieve;
 * bit 7: XMPP's 'to' is xmpp.test),
 * the rest is everything the "server" sends, written into one end of a
 * socketpair that is then shut for writing: each dialogue must end (an answer,
 * the server's end of file, or bytes after the go-ahead) with a status and a
 * detail, its lines kept in the session and bounded, never reading past its
 * buffer. What we send goes into the other end's buffer, which nobody reads.
 * Seeds: fixtures/fuzz/fuzz_starttls/ (a go-ahead, a refusal and a stream
 * error per protocol family). */
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
    int proto = TP_ST_SMTP + (data[0] & 0x7f) % (TP_ST_SIEVE - TP_ST_SMTP + 1);
    struct tp_session *s = tp_session_new(TP_SRC_CONNECT, tp_wolf_wall_us());
    if (s) {
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
