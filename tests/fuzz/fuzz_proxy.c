/* libFuzzer: connect --proxy's parsers (src/probe/proxy.c). The input's first
 * line is a proxy URL (tp_proxy_url_parse) and a host name; the rest is a
 * NO_PROXY list for that host (tp_noproxy_match), each of its lines a status
 * line (tp_proxy_status_line), and the whole rest the proxy's answer to CONNECT,
 * read by tp_proxy_connect from a socketpair (the real line reader, its caps
 * and the transcript), which must never claim a tunnel the answer did not open.
 * The first line and the rest also go to tp_proxy_plan (the first line as both
 * the proxy and the host, the rest as NO_PROXY; odd sizes: a named source):
 * a plan that goes through the proxy shows its URL, a bypass says why.
 * Seeds: fixtures/fuzz/fuzz_proxy/ (hand-made: seed-* answers and NO_PROXY
 * lists, url-* malformed proxy URLs, regress-* fixed crashes). */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "probe/proxy.h"
#include "probe/wolf.h"
#include "tlsprobe/probe.h"
#include "tlsprobe/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t first = nl ? (size_t)(nl - data) : size;
    char *url = malloc(first + 1), *rest = malloc(size - first + 1);
    if (!url || !rest) {
        free(url);
        free(rest);
        return 0;
    }
    memcpy(url, data, first);
    url[first] = 0;
    size_t rl = nl ? size - first - 1 : 0;
    if (rl)
        memcpy(rest, nl + 1, rl);
    rest[rl] = 0;

    struct tp_proxy_url u;
    char err[200];
    if (tp_proxy_url_parse(url, &u, err, sizeof err) == 0) {
        if (strchr(u.shown, '\n') || (u.pass[0] && !strstr(u.shown, ":***@")))
            abort(); /* the shown URL is one line, its password replaced */
    } else if (!err[0] || strchr(err, '\n')) {
        abort();
    }
    char m[64];
    (void)tp_noproxy_match(url, rest, m, sizeof m);
    struct tp_session *ps = tp_session_new(TP_SRC_CONNECT, 0);
    if (ps) {
        struct tp_connect_opts o = { 0 };
        o.host = url;
        o.proxy = url;
        o.noproxy = rest;
        o.proxy_source = (size & 1) ? "HTTPS_PROXY" : NULL;
        struct tp_proxy_url pu;
        bool via = tp_proxy_plan(&o, ps, &pu);
        if (via && (ps->proxy.status == TP_PROXY_BYPASSED || !ps->proxy.url[0] || !ps->proxy.source[0]))
            abort();
        if (ps->proxy.status == TP_PROXY_BYPASSED && (via || !ps->proxy.detail[0]))
            abort();
        tp_session_free(ps);
    }
    for (char *line = rest, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        char reason[64];
        int code = tp_proxy_status_line(line, reason, sizeof reason);
        if (code && (code < 100 || code > 999))
            abort();
    }

    /* the answer, through the real reader */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        fcntl(sv[1], F_SETFL, O_NONBLOCK);
        if (rl)
            (void)!write(sv[1], nl + 1, rl);
        shutdown(sv[1], SHUT_WR);
        struct tp_session *s = tp_session_new(TP_SRC_CONNECT, 0);
        struct tp_proxy_url pu;
        if (s && tp_proxy_url_parse("http://user:pw@proxy.test:3128", &pu, err, sizeof err) == 0) {
            enum tp_proxy_status st = tp_proxy_connect(sv[0], &pu, "server.test", 443,
                                                       tp_wolf_mono_us() + 200 * 1000, s, NULL);
            if (st == TP_PROXY_OK && (s->proxy.code < 200 || s->proxy.code > 299))
                abort();
            for (size_t i = 0; i < s->proxy.n_lines; i++)
                if (s->proxy.lines[i].dir == TP_C2S && strstr(s->proxy.lines[i].text, "dXNlcjpwdw"))
                    abort(); /* base64("user:pw") in what we sent (the proxy may say anything) */
        }
        tp_session_free(s);
        close(sv[0]);
        close(sv[1]);
    }
    free(url);
    free(rest);
    return 0;
}
