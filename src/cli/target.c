/* Targets and names as users write them (cli.h: tp_cli_target_parse,
 * tp_cli_name_normalize, tp_cli_endpoint_canon). */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <idn2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "cli.h"

/* libidn2 is loaded on the first non-ASCII name only (like libpcap, see
 * capture/pcap_lazy.c): every other run, and every ASCII name, pays nothing. */
typedef int (*idn2_to_ascii_fn)(const char *, char **, int);
typedef const char *(*idn2_strerror_fn)(int);
typedef void (*idn2_free_fn)(void *);

static bool idna_to_ascii(const char *in, char *out, size_t cap, char *err, size_t errlen)
{
    static void *lib;
    static idn2_to_ascii_fn to_ascii;
    static idn2_strerror_fn str_error;
    static idn2_free_fn free_fn;
    if (!lib) {
        lib = dlopen(TP_IDN2_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            snprintf(err, errlen, "'%s' is an internationalised name and %s cannot be loaded to convert it: "
                                  "give its A-label (xn--...) instead", in, TP_IDN2_SONAME);
            return false;
        }
        to_ascii = (idn2_to_ascii_fn)(uintptr_t)dlsym(lib, "idn2_to_ascii_8z");
        str_error = (idn2_strerror_fn)(uintptr_t)dlsym(lib, "idn2_strerror");
        free_fn = (idn2_free_fn)(uintptr_t)dlsym(lib, "idn2_free");
        if (!to_ascii || !str_error || !free_fn) {
            dlclose(lib);
            lib = NULL;
            snprintf(err, errlen, "%s lacks idn2_to_ascii_8z", TP_IDN2_SONAME);
            return false;
        }
    }
    char *a = NULL;
    /* IDNA2008 with the UTS #46 non-transitional mapping (what browsers and curl
     * do): case folded, NFC, "ß" kept. */
    int rc = to_ascii(in, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
        snprintf(err, errlen, "'%s' is not a valid internationalised domain name: %s", in, str_error(rc));
        return false;
    }
    size_t n = strlen(a);
    bool ok = n < cap;
    if (ok)
        memcpy(out, a, n + 1);
    else
        snprintf(err, errlen, "'%s' is too long as an A-label", in);
    free_fn(a);
    return ok;
}

static bool is_ip_literal(const char *s)
{
    unsigned char b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

int tp_cli_name_normalize(const char *in, char *out, size_t cap, char *unicode, size_t ucap, char *err,
                          size_t errlen)
{
    if (unicode && ucap)
        unicode[0] = 0;
    size_t n = strlen(in);
    /* RFC 6066 §3: "HostName" contains the name without a trailing dot; name
     * matching (RFC 6125) ignores it too. One dot only: "a.." stays an error. */
    if (n > 1 && in[n - 1] == '.' && in[n - 2] != '.')
        n--;
    if (n == 0 || n >= cap || n > TP_MAX_NAME_LEN) {
        snprintf(err, errlen, "a host name must have 1 to %d characters", TP_MAX_NAME_LEN);
        return -1;
    }
    char tmp[TP_MAX_NAME_LEN + 1];
    memcpy(tmp, in, n);
    tmp[n] = 0;
    bool ascii = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)tmp[i];
        if (c >= 0x80)
            ascii = false;
        else if (c <= ' ' || c == 0x7f || c == '/' || c == '@' || c == '?' || c == '#' || c == '\\') {
            snprintf(err, errlen, "'%s' is not a host name (it has a '%c' in it)", in, c > ' ' ? c : '?');
            return -1;
        }
    }
    if (ascii) {
        memcpy(out, tmp, n + 1);
        return 0;
    }
    if (!idna_to_ascii(tmp, out, cap, err, errlen))
        return -1;
    if (unicode && ucap)
        snprintf(unicode, ucap, "%s", tmp);
    return 1;
}

static bool parse_port(const char *s, size_t len, uint16_t *out)
{
    if (len == 0 || len > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

/* Implicit-TLS schemes and their ports (IANA service names). */
static const struct {
    const char *scheme;
    uint16_t port;
} tls_schemes[] = {
    { "https", 443 }, { "wss", 443 },   { "ldaps", 636 }, { "imaps", 993 },  { "pop3s", 995 },
    { "smtps", 465 }, { "ftps", 990 },  { "ircs", 6697 }, { "mqtts", 8883 }, { "tls", 443 },
};
/* Plain-text schemes with a STARTTLS we speak: the scheme gives port and protocol. */
static const struct {
    const char *scheme;
    uint16_t port;
    int starttls;
} starttls_schemes[] = {
    { "smtp", 25, TP_ST_SMTP },         { "submission", 587, TP_ST_SMTP }, { "imap", 143, TP_ST_IMAP },
    { "pop3", 110, TP_ST_POP3 },        { "ftp", 21, TP_ST_FTP },          { "ldap", 389, TP_ST_LDAP },
    { "postgres", 5432, TP_ST_POSTGRES }, { "postgresql", 5432, TP_ST_POSTGRES }, { "mysql", 3306, TP_ST_MYSQL },
    { "xmpp", 5222, TP_ST_XMPP },       { "nntp", 119, TP_ST_NNTP },       { "sieve", 4190, TP_ST_SIEVE },
};
/* Schemes that start in plain text without a STARTTLS: their TLS sibling. */
static const struct {
    const char *scheme, *instead;
} plain_schemes[] = {
    { "http", "https" }, { "ws", "wss" }, { "irc", "ircs" }, { "mqtt", "mqtts" },
};

int tp_cli_target_parse(const char *arg, struct tp_cli_target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->port = 443;
    t->starttls = TP_ST_AUTO;
    const char *a = arg;
    size_t alen = strlen(arg);
    const char *sep = strstr(arg, "://");
    if (sep) {
        size_t sl = (size_t)(sep - arg);
        bool known = false;
        for (size_t i = 0; i < TP_CLI_N(tls_schemes); i++)
            if (strlen(tls_schemes[i].scheme) == sl && !strncasecmp(arg, tls_schemes[i].scheme, sl)) {
                t->port = tls_schemes[i].port;
                known = true;
            }
        for (size_t i = 0; i < TP_CLI_N(starttls_schemes) && !known; i++)
            if (strlen(starttls_schemes[i].scheme) == sl && !strncasecmp(arg, starttls_schemes[i].scheme, sl)) {
                t->port = starttls_schemes[i].port;
                t->starttls = starttls_schemes[i].starttls;
                known = true;
            }
        if (!known) {
            for (size_t i = 0; i < TP_CLI_N(plain_schemes); i++)
                if (strlen(plain_schemes[i].scheme) == sl && !strncasecmp(arg, plain_schemes[i].scheme, sl)) {
                    snprintf(err, errlen, "'%.*s://' is plain text, not TLS: use %s:// or HOST:PORT of its TLS port",
                             (int)sl, arg, plain_schemes[i].instead);
                    return -1;
                }
            snprintf(err, errlen, "unknown URL scheme '%.*s' (https, wss, ldaps, imaps, pop3s, smtps, ftps, ircs, "
                                  "mqtts; STARTTLS: smtp, submission, imap, pop3, ftp, ldap, postgres, mysql, xmpp, "
                                  "nntp, sieve; or HOST:PORT)", (int)sl, arg);
            return -1;
        }
        a = sep + 3;
        alen = strcspn(a, "/?#");
        /* user:password@ is not ours to send anywhere */
        const char *at = memchr(a, '@', alen);
        if (at) {
            alen -= (size_t)(at + 1 - a);
            a = at + 1;
        }
        t->from_url = true;
    } else if (strchr(arg, '/')) {
        snprintf(err, errlen, "'%s' is not HOST[:PORT]; for a URL give its scheme (https://...)", arg);
        return -1;
    }
    if (alen == 0) {
        snprintf(err, errlen, "'%s' has no host", arg);
        return -1;
    }
    char host[TP_MAX_NAME_LEN + 1];
    size_t hl;
    const char *port_s = NULL;
    size_t port_len = 0;
    if (a[0] == '[') {
        const char *end = memchr(a, ']', alen);
        if (!end || end == a + 1) {
            snprintf(err, errlen, "'%s': an IPv6 address in brackets needs its ']'", arg);
            return -1;
        }
        hl = (size_t)(end - a - 1);
        if (hl >= sizeof host) {
            snprintf(err, errlen, "'%s': the address is too long", arg);
            return -1;
        }
        memcpy(host, a + 1, hl);
        host[hl] = 0;
        unsigned char b[16];
        if (inet_pton(AF_INET6, host, b) != 1) {
            snprintf(err, errlen, "'%s': '%s' in brackets is not an IPv6 address", arg, host);
            return -1;
        }
        size_t rest = alen - (size_t)(end + 1 - a);
        if (rest) {
            if (end[1] != ':') {
                snprintf(err, errlen, "'%s': after ']' comes ':PORT' or nothing", arg);
                return -1;
            }
            port_s = end + 2;
            port_len = rest - 1;
        }
        t->is_ip = true;
    } else {
        const char *colon = memchr(a, ':', alen);
        if (colon && memchr(colon + 1, ':', alen - (size_t)(colon + 1 - a))) {
            /* More than one ':': a bare IPv6 address, no port. */
            if (alen >= sizeof host) {
                snprintf(err, errlen, "'%s' is too long", arg);
                return -1;
            }
            memcpy(host, a, alen);
            host[alen] = 0;
            unsigned char b[16];
            if (inet_pton(AF_INET6, host, b) != 1) {
                snprintf(err, errlen, "'%s' is not an IPv6 address; with a port write [ADDR]:PORT", arg);
                return -1;
            }
            t->is_ip = true;
            hl = alen;
        } else {
            hl = colon ? (size_t)(colon - a) : alen;
            if (hl == 0 || hl >= sizeof host) {
                snprintf(err, errlen, "'%s' has no host, or one too long", arg);
                return -1;
            }
            memcpy(host, a, hl);
            host[hl] = 0;
            if (colon) {
                port_s = colon + 1;
                port_len = alen - hl - 1;
            }
        }
    }
    if (port_s && !parse_port(port_s, port_len, &t->port)) {
        snprintf(err, errlen, "'%s': the port must be a number from 1 to 65535", arg);
        return -1;
    }
    if (t->is_ip || is_ip_literal(host)) {
        t->is_ip = true;
        snprintf(t->host, sizeof t->host, "%s", host);
        return 0;
    }
    return tp_cli_name_normalize(host, t->host, sizeof t->host, t->unicode, sizeof t->unicode, err, errlen) < 0 ? -1
                                                                                                               : 0;
}

int tp_cli_endpoint_canon(const char *arg, char *out, size_t cap, char *err, size_t errlen)
{
    char addr[INET6_ADDRSTRLEN + 1];
    const char *port_s;
    int af;
    if (arg[0] == '[') {
        const char *end = strchr(arg, ']');
        if (!end || end[1] != ':' || (size_t)(end - arg - 1) >= sizeof addr) {
            snprintf(err, errlen, "--server takes ADDR:PORT or [IPv6]:PORT, not '%s'", arg);
            return -1;
        }
        memcpy(addr, arg + 1, (size_t)(end - arg - 1));
        addr[end - arg - 1] = 0;
        port_s = end + 2;
        af = AF_INET6;
    } else {
        const char *colon = strchr(arg, ':');
        if (colon && strchr(colon + 1, ':')) {
            /* "::1:4410" is itself a valid IPv6 address: which part is the port
             * cannot be told, so say how to write it. */
            const char *last = strrchr(arg, ':');
            snprintf(err, errlen, "--server '%s': write an IPv6 address in brackets, e.g. [%.*s]:%s", arg,
                     (int)(last - arg), arg, last + 1);
            return -1;
        }
        if (!colon || (size_t)(colon - arg) >= sizeof addr) {
            snprintf(err, errlen, "--server takes ADDR:PORT (the server's IP address and port), not '%s'", arg);
            return -1;
        }
        memcpy(addr, arg, (size_t)(colon - arg));
        addr[colon - arg] = 0;
        port_s = colon + 1;
        af = AF_INET;
    }
    unsigned char bin[16];
    if (inet_pton(af, addr, bin) != 1) {
        snprintf(err, errlen, "--server '%s': '%s' is not an %s address (captures hold addresses, not names)", arg,
                 addr, af == AF_INET6 ? "IPv6" : "IPv4");
        return -1;
    }
    uint16_t port;
    if (!parse_port(port_s, strlen(port_s), &port)) {
        snprintf(err, errlen, "--server '%s': the port must be a number from 1 to 65535", arg);
        return -1;
    }
    char canon[INET6_ADDRSTRLEN];
    inet_ntop(af, bin, canon, sizeof canon);
    /* The same spelling as the capture's session endpoints (tp_pkt_endpoint). */
    snprintf(out, cap, af == AF_INET6 ? "[%s]:%u" : "%s:%u", canon, (unsigned)port);
    return 0;
}
