/* connect --proxy: a TLS connection through an HTTP proxy's CONNECT tunnel
 * (RFC 9110 §9.3.6), chosen and configured as curl does it (the proxy URL,
 * https_proxy/HTTPS_PROXY/all_proxy/ALL_PROXY, NO_PROXY), so that tlsprobe
 * sees what curl on the same machine sees.
 *
 * The exchange uses the STARTTLS module's bounded, recorded line I/O
 * (tp_plain_*): one deadline (the connect's), at most TP_MAX_PLAIN_BYTES read,
 * every line in the session's proxy transcript and every byte in the
 * --write-pcap flow. The password never reaches the transcript: the
 * Proxy-Authorization line is shown redacted. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/coding.h>
#include "probe/proxy.h"
#include "probe/starttls.h"
#include "probe/wolf.h"

/* ---- the URL ---- */

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decode p[0..n) into out (cap bytes with the NUL). false: bad escape,
 * a NUL, or too long. */
static bool pct_decode(const char *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)p[i];
        if (c == '%') {
            int a = i + 1 < n ? hexval(p[i + 1]) : -1, b = i + 2 < n ? hexval(p[i + 2]) : -1;
            if (a < 0 || b < 0)
                return false;
            c = a * 16 + b;
            i += 2;
        }
        if (c == 0 || k + 1 >= cap)
            return false;
        out[k++] = (char)c;
    }
    out[k] = 0;
    return true;
}

int tp_proxy_url_parse(const char *url, struct tp_proxy_url *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!url || !*url) {
        snprintf(err, errlen, "the proxy URL is empty");
        return -1;
    }
    const char *p = url, *sep = strstr(url, "://");
    if (sep) {
        size_t sl = (size_t)(sep - url);
        if (sl != 4 || strncasecmp(url, "http", 4)) {
            snprintf(err, errlen, "only http:// proxies are supported, not '%.*s://' (curl's https:// and socks "
                                  "proxies are not)", (int)(sl < 20 ? sl : 20), url);
            return -1;
        }
        p = sep + 3;
    }
    /* authority: up to the first '/', '?' or '#' */
    size_t alen = strcspn(p, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (p[i] == '@')
            at = p + i; /* the last '@' ends the user info */
    const char *hp = p;
    char shown_user[128] = "";
    if (at) {
        size_t ul = (size_t)(at - p);
        const char *colon = memchr(p, ':', ul);
        size_t nl = colon ? (size_t)(colon - p) : ul;
        if (!pct_decode(p, nl, out->user, sizeof out->user) ||
            (colon && !pct_decode(colon + 1, ul - nl - 1, out->pass, sizeof out->pass))) {
            snprintf(err, errlen, "bad percent-encoding (or a name too long) in the proxy's user name or password");
            return -1;
        }
        out->has_user = true;
        snprintf(shown_user, sizeof shown_user, "%.*s%s@", (int)(nl < 80 ? nl : 80), p, colon ? ":***" : "");
        hp = at + 1;
    }
    size_t hl = alen - (size_t)(hp - p);
    const char *port = NULL;
    size_t namelen;
    if (hl && hp[0] == '[') {
        const char *rb = memchr(hp, ']', hl);
        if (!rb) {
            snprintf(err, errlen, "the proxy's IPv6 address lacks its ']'");
            return -1;
        }
        namelen = (size_t)(rb - hp - 1);
        hp++;
        if (rb + 1 < p + alen) {
            if (rb[1] != ':') {
                snprintf(err, errlen, "unexpected text after the proxy's ']'");
                return -1;
            }
            port = rb + 2;
        }
    } else {
        const char *c = memchr(hp, ':', hl);
        namelen = c ? (size_t)(c - hp) : hl;
        port = c ? c + 1 : NULL;
    }
    if (namelen == 0 || namelen > TP_MAX_NAME_LEN) {
        snprintf(err, errlen, "the proxy URL needs a host name or address (at most %d characters)", TP_MAX_NAME_LEN);
        return -1;
    }
    memcpy(out->host, hp, namelen);
    out->host[namelen] = 0;
    for (size_t i = 0; i < namelen; i++)
        if ((unsigned char)out->host[i] <= ' ' || (unsigned char)out->host[i] > '~') {
            snprintf(err, errlen, "the proxy's host name holds a blank or a non-ASCII character");
            return -1;
        }
    out->port = 1080; /* curl's default proxy port */
    if (port) {
        size_t pl = (size_t)(p + alen - port);
        unsigned long v = 0;
        for (size_t i = 0; i < pl; i++) {
            if (!isdigit((unsigned char)port[i]) || v > 65535) {
                v = 0;
                break;
            }
            v = v * 10 + (unsigned long)(port[i] - '0');
        }
        if (pl == 0 || v == 0 || v > 65535) {
            snprintf(err, errlen, "the proxy's port must be a number from 1 to 65535");
            return -1;
        }
        out->port = (uint16_t)v;
    }
    bool v6 = strchr(out->host, ':') != NULL;
    snprintf(out->shown, sizeof out->shown, "http://%s%s%s%s:%u", shown_user, v6 ? "[" : "", out->host,
             v6 ? "]" : "", (unsigned)out->port);
    return 0;
}

/* ---- NO_PROXY, as curl's lib/noproxy.c ---- */

/* ip (an address of family af) in network/bits; bits 0: the whole address (curl). */
static bool cidr_match(int af, const char *ip, const char *net, unsigned bits)
{
    uint8_t a[16], b[16];
    unsigned len = af == AF_INET ? 32 : 128;
    if (bits == 0)
        bits = len;
    if (bits > len || inet_pton(af, ip, a) != 1 || inet_pton(af, net, b) != 1)
        return false;
    unsigned bytes = bits / 8, rest = bits % 8;
    if (bytes && memcmp(a, b, bytes))
        return false;
    /* curl before 8.x compared the last partial byte the wrong way round; this is
     * the prefix match its documentation describes */
    return !rest || !((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)));
}

bool tp_noproxy_match(const char *host, const char *list, char *matched, size_t cap)
{
    if (matched && cap)
        matched[0] = 0;
    if (!host || !*host || !list || !*list)
        return false;
    if (!strcmp(list, "*")) {
        if (matched && cap)
            snprintf(matched, cap, "*");
        return true;
    }
    char name[TP_MAX_NAME_LEN + 1];
    size_t namelen = strlen(host);
    if (host[0] == '[' && namelen > 2 && host[namelen - 1] == ']') {
        host++;
        namelen -= 2;
    }
    if (namelen > TP_MAX_NAME_LEN)
        return false;
    memcpy(name, host, namelen);
    name[namelen] = 0;
    uint8_t tmp[16];
    int af = inet_pton(AF_INET, name, tmp) == 1 ? AF_INET : inet_pton(AF_INET6, name, tmp) == 1 ? AF_INET6 : 0;
    if (!af && namelen && name[namelen - 1] == '.') /* trailing dots are ignored */
        name[--namelen] = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *token = p;
        size_t tl = 0;
        while (*p && *p != ' ' && *p != '\t' && *p != ',') {
            p++;
            tl++;
        }
        const char *whole = token;
        size_t whole_len = tl;
        bool match = false;
        if (tl && !af) {
            if (token[tl - 1] == '.')
                tl--;
            if (tl && token[0] == '.') {
                token++;
                tl--;
            }
            if (tl && tl == namelen)
                match = !strncasecmp(token, name, namelen);
            else if (tl && tl < namelen)
                match = name[namelen - tl - 1] == '.' && !strncasecmp(token, name + namelen - tl, tl);
        } else if (tl && tl < 128) {
            char check[128];
            memcpy(check, token, tl);
            check[tl] = 0;
            unsigned bits = 0;
            char *slash = strchr(check, '/');
            if (slash) {
                bits = (unsigned)strtoul(slash + 1, NULL, 10);
                *slash = 0;
            }
            match = cidr_match(af, name, check, bits);
        }
        if (match) {
            if (matched && cap)
                snprintf(matched, cap, "%.*s", (int)whole_len, whole);
            return true;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != ',') /* curl: anything but a comma after an entry ends the list */
            break;
        while (*p == ',')
            p++;
    }
    return false;
}

const char *tp_proxy_env(const char **name)
{
    static const char *const vars[] = { "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) {
            if (name)
                *name = vars[i];
            return v;
        }
    }
    return NULL;
}

const char *tp_noproxy_env(void)
{
    const char *v = getenv("no_proxy");
    return v ? v : getenv("NO_PROXY");
}

bool tp_proxy_plan(const struct tp_connect_opts *o, struct tp_session *s, struct tp_proxy_url *u)
{
    char err[200];
    if (!o->proxy || !*o->proxy || tp_proxy_url_parse(o->proxy, u, err, sizeof err) != 0)
        return false;
    struct tp_proxy *px = &s->proxy;
    snprintf(px->url, sizeof px->url, "%s", u->shown);
    snprintf(px->source, sizeof px->source, "%s", o->proxy_source ? o->proxy_source : "--proxy");
    char entry[128];
    if (tp_noproxy_match(o->host, o->noproxy, entry, sizeof entry)) {
        px->status = TP_PROXY_BYPASSED;
        snprintf(px->detail, sizeof px->detail, "the NO_PROXY entry '%.60s' matches %.40s: connected directly",
                 entry, o->host);
        return false;
    }
    return true;
}

/* ---- the exchange ---- */

int tp_proxy_status_line(const char *line, char *reason, size_t cap)
{
    if (reason && cap)
        reason[0] = 0;
    /* RFC 9112 §4: HTTP-version SP 3DIGIT SP [ reason-phrase ] */
    if (strncmp(line, "HTTP/1.", 7) || !isdigit((unsigned char)line[7]) || line[8] != ' ')
        return 0;
    const char *c = line + 9;
    if (!isdigit((unsigned char)c[0]) || !isdigit((unsigned char)c[1]) || !isdigit((unsigned char)c[2]) ||
        (c[3] && c[3] != ' '))
        return 0;
    int code = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
    if (code < 100)
        return 0;
    if (reason && cap && c[3])
        snprintf(reason, cap, "%s", c + 4);
    return code;
}

/* After snprintf into buf[cap] at *n: keep *n at most cap (then the request is
 * known to be cut, and is not sent). */
static void advance(size_t *n, int w, size_t cap)
{
    *n = w < 0 || (size_t)w >= cap - *n ? cap : *n + (size_t)w;
}

static enum tp_proxy_status fail(struct tp_proxy *px, enum tp_proxy_status st, const char *detail)
{
    px->status = st;
    snprintf(px->detail, sizeof px->detail, "%.159s", detail);
    return st;
}

enum tp_proxy_status tp_proxy_connect(int fd, const struct tp_proxy_url *u, const char *host, uint16_t port,
                                      int64_t deadline_mono_us, struct tp_session *s, struct tp_pcapw_flow *flow)
{
    struct tp_proxy *px = &s->proxy;
    struct tp_plain_io *io = tp_plain_open(fd, deadline_mono_us, s, flow);
    if (!io)
        return fail(px, TP_PROXY_BAD_REPLY, "out of memory");
    bool v6 = strchr(host, ':') != NULL;
    char target[TP_MAX_NAME_LEN + 16];
    snprintf(target, sizeof target, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", (unsigned)port);
    /* The request, one line at a time into the transcript, in one write. */
    char req[2048], line[TP_MAX_PLAIN_LINE + 1];
    size_t n = 0;
    const char *shown[4];
    size_t n_shown = 0;
    char l_connect[TP_MAX_NAME_LEN + 40], l_host[TP_MAX_NAME_LEN + 24], l_auth[360];
    snprintf(l_connect, sizeof l_connect, "CONNECT %s HTTP/1.1", target);
    snprintf(l_host, sizeof l_host, "Host: %s", target);
    shown[n_shown++] = l_connect;
    shown[n_shown++] = l_host;
    shown[n_shown++] = "User-Agent: tlsprobe";
    advance(&n, snprintf(req, sizeof req, "%s\r\n%s\r\nUser-Agent: tlsprobe\r\n", l_connect, l_host), sizeof req);
    if (u->has_user) {
        /* RFC 7617: Basic base64(user ":" password) */
        char cred[sizeof u->user + sizeof u->pass + 1];
        byte b64[((sizeof cred + 2) / 3) * 4 + 4];
        word32 blen = sizeof b64;
        int cl = snprintf(cred, sizeof cred, "%s:%s", u->user, u->pass);
        int rc = Base64_Encode_NoNl((const byte *)cred, (word32)cl, b64, &blen);
        explicit_bzero(cred, sizeof cred);
        if (rc != 0 || blen >= sizeof b64) {
            tp_plain_close(io);
            return fail(px, TP_PROXY_BAD_REPLY, "cannot encode the proxy credentials");
        }
        if (n < sizeof req)
            advance(&n, snprintf(req + n, sizeof req - n, "Proxy-Authorization: Basic %.*s\r\n", (int)blen,
                                 (const char *)b64), sizeof req);
        explicit_bzero(b64, sizeof b64);
        snprintf(l_auth, sizeof l_auth, "Proxy-Authorization: Basic (redacted: user '%.200s')", u->user);
        shown[n_shown++] = l_auth;
        px->credentials = true;
    }
    if (n < sizeof req)
        advance(&n, snprintf(req + n, sizeof req - n, "\r\n"), sizeof req);
    for (size_t i = 0; i < n_shown; i++)
        tp_plain_note(io, TP_C2S, shown[i], strlen(shown[i]));
    tp_plain_note(io, TP_C2S, "", 0);
    bool sent = n < sizeof req && tp_plain_send(io, req, n);
    explicit_bzero(req, sizeof req);
    enum tp_proxy_status st = TP_PROXY_OK;
    if (!sent) {
        st = fail(px, TP_PROXY_BAD_REPLY, "the proxy closed the connection before our CONNECT request");
        goto out;
    }
    /* The reply: a status line, header lines, an empty line. */
    if (!tp_plain_read_line(io, line, sizeof line)) {
        enum tp_starttls_status f = tp_plain_failure(io);
        st = fail(px, TP_PROXY_BAD_REPLY,
                  f == TP_STARTTLS_TIMEOUT ? "no answer to CONNECT before the deadline"
                  : f == TP_STARTTLS_UNEXPECTED ? "an answer too long to be an HTTP status line"
                                                : "the proxy closed the connection without answering CONNECT");
        goto out;
    }
    px->code = tp_proxy_status_line(line, px->reason, sizeof px->reason);
    if (!px->code) {
        st = fail(px, TP_PROXY_BAD_REPLY, "the proxy's answer is not an HTTP status line");
        goto out;
    }
    char auth_hdr[120] = "";
    for (;;) {
        if (!tp_plain_read_line(io, line, sizeof line)) {
            enum tp_starttls_status f = tp_plain_failure(io);
            st = fail(px, TP_PROXY_BAD_REPLY,
                      f == TP_STARTTLS_TIMEOUT ? "the proxy's answer did not end before the deadline"
                      : f == TP_STARTTLS_UNEXPECTED ? "the proxy's answer has a line over 1024 bytes or its head "
                                                      "is over 64 KiB"
                                                    : "the proxy's answer ended before its empty line");
            goto out;
        }
        if (!line[0])
            break;
        if (!strncasecmp(line, "Proxy-Authenticate:", 19) && !auth_hdr[0]) {
            const char *v = line + 19;
            while (*v == ' ' || *v == '\t')
                v++;
            snprintf(auth_hdr, sizeof auth_hdr, "%.100s", v);
        }
    }
    char what[80], d[240];
    snprintf(what, sizeof what, "%d %.60s", px->code, px->reason);
    if (px->code >= 200 && px->code < 300) {
        snprintf(d, sizeof d, "the proxy sent bytes after its %s, before our ClientHello", what);
        if (tp_plain_pending(io))
            st = fail(px, TP_PROXY_BAD_REPLY, d);
        else
            px->status = TP_PROXY_OK;
    } else if (px->code == 407 || px->code == 401) { /* 401: tinyproxy's answer to wrong credentials */
        snprintf(d, sizeof d, "%s (%s)%s%.70s",
                 px->credentials ? "the proxy rejected our credentials" : "the proxy wants credentials", what,
                 auth_hdr[0] ? ", Proxy-Authenticate: " : "", auth_hdr);
        st = fail(px, TP_PROXY_AUTH_REQUIRED, d);
    } else if (px->code >= 400 && px->code < 500) {
        snprintf(d, sizeof d, "the proxy refused to open the tunnel: %s", what);
        st = fail(px, TP_PROXY_REFUSED, d);
    } else if (px->code >= 500) {
        snprintf(d, sizeof d, "the proxy could not reach the server: %s", what);
        st = fail(px, TP_PROXY_UPSTREAM_FAILED, d);
    } else {
        snprintf(d, sizeof d, "not an answer that opens a tunnel: %s", what);
        st = fail(px, TP_PROXY_BAD_REPLY, d);
    }
out:
    if (tp_plain_failure(io) == TP_STARTTLS_CLOSED && st == TP_PROXY_OK)
        st = fail(px, TP_PROXY_BAD_REPLY, "out of memory");
    px->status = st;
    tp_plain_close(io);
    return st;
}
