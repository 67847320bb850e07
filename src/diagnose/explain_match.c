/* explain: error texts as real TLS stacks print them -> the same finding ids.
 *
 * The data table of patterns on the stable part of each message is
 * explain.c; this file is the matcher. Matching is
 * case-insensitive, '_' counts as a space (so OpenSSL reason texts, Python's
 * [SSL: CODE] and Node's ERR_SSL_CODE forms meet), runs of white space count as
 * one, '*' matches any text, '<' and '>' assert a word boundary (for numeric
 * codes such as wolfSSL's -188). A pattern matches anywhere in the text. The
 * first matching entry wins: specific entries come before generic ones.
 * Matching is a glob with one backtrack point: linear-ish, no recursion, safe on
 * hostile input (tests/fuzz/fuzz_explain.c). */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "diagnose/explain_int.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/names.h"

/* ---- normalisation and matching ---- */

static bool is_space(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

/* fold: lower case and '_' as a space (the matching form). */
static unsigned char norm_char(unsigned char ch, bool fold)
{
    if (is_space(ch) || (fold && ch == '_'))
        return ' ';
    if (fold && ch >= 'A' && ch <= 'Z')
        return (unsigned char)(ch - 'A' + 'a');
    return ch;
}

/* White space runs as one space, leading ones dropped; with fold also lower
 * case, '_' as a space, and trailing spaces trimmed. out holds n+1. */
static size_t collapse(const char *in, size_t n, char *out, bool fold)
{
    size_t o = 0;
    bool space = true; /* drop leading spaces */
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = norm_char((unsigned char)in[i], fold);
        if (ch == ' ') {
            if (!space)
                out[o++] = ' ';
            space = true;
            continue;
        }
        space = false;
        out[o++] = (char)ch;
    }
    while (fold && o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return o;
}

static bool is_word(unsigned char ch)
{
    return isalnum(ch) != 0;
}

/* Anchored glob of normalised pattern p (length pn) against t (length tn). One
 * backtrack point (the last '*'): O(pn * tn) worst case, no recursion. */
static bool glob(const char *p, size_t pn, const char *t, size_t tn)
{
    size_t pi = 0, ti = 0, star_p = SIZE_MAX, star_t = 0;
    for (;;) {
        if (pi < pn) {
            char pc = p[pi];
            if (pc == '*') {
                if (pi + 1 == pn)
                    return true;
                star_p = pi++;
                star_t = ti;
                continue;
            }
            if (pc == '<') {
                if (ti == 0 || !is_word((unsigned char)t[ti - 1])) {
                    pi++;
                    continue;
                }
            } else if (pc == '>') {
                if (ti == tn || !is_word((unsigned char)t[ti])) {
                    pi++;
                    continue;
                }
            } else if (ti < tn && pc == t[ti]) {
                pi++;
                ti++;
                continue;
            }
        } else if (ti == tn) {
            return true;
        }
        if (star_p == SIZE_MAX || star_t >= tn)
            return false;
        pi = star_p + 1;
        ti = ++star_t;
    }
}

/* Does normalised pattern pat occur anywhere in t? */
static bool search(const char *pat, const char *t, size_t tn)
{
    char buf[256];
    size_t pn = strlen(pat);
    if (pn + 3 > sizeof buf)
        return false;
    buf[0] = '*';
    size_t bn = 1 + collapse(pat, pn, buf + 1, true);
    /* normalise trims; keep a pattern's meaningful trailing space ("tlsv1 alert "). */
    if (pn && pat[pn - 1] == ' ')
        buf[bn++] = ' ';
    buf[bn++] = '*';
    buf[bn] = '\0';
    return glob(buf, bn, t, tn);
}

/* ---- the host named in a message ---- */

static bool host_char(unsigned char ch)
{
    return isalnum(ch) || ch == '.' || ch == '-' || ch == '*' || ch == '_';
}

/* Read a host (and :port) at t[i...] of the original text. */
static bool take_host(const char *t, size_t n, size_t i, struct tp_explain_match *m)
{
    size_t hs, he;
    if (i < n && t[i] == '[') {
        hs = ++i;
        while (i < n && t[i] != ']' && (isxdigit((unsigned char)t[i]) || t[i] == ':' || t[i] == '.'))
            i++;
        if (i >= n || t[i] != ']')
            return false;
        he = i++;
    } else {
        hs = i;
        while (i < n && host_char((unsigned char)t[i]))
            i++;
        he = i;
        while (he > hs && (t[he - 1] == '.' || t[he - 1] == '-'))
            he--;
        /* "host:443" */
    }
    size_t len = he - hs;
    if (len == 0 || len > TP_MAX_NAME_LEN)
        return false;
    bool letter = false, dot = false, colon = false;
    for (size_t k = hs; k < he; k++) {
        letter |= isalpha((unsigned char)t[k]) != 0;
        dot |= t[k] == '.';
        colon |= t[k] == ':';
    }
    /* A single word is a host only when it is "localhost": "connect to the
     * server" must not become "tlsprobe connect the:443". */
    if (!dot && !colon && !(len == 9 && !strncasecmp(t + hs, "localhost", 9)))
        return false;
    if (!letter && !colon) {
        /* digits and dots: an IPv4 address needs three dots */
        size_t dots = 0;
        for (size_t k = hs; k < he; k++)
            dots += t[k] == '.';
        if (dots != 3)
            return false;
    }
    memcpy(m->host, t + hs, len);
    m->host[len] = '\0';
    m->port = 0;
    if (i < n && t[i] == ':' && i + 1 < n && isdigit((unsigned char)t[i + 1])) {
        unsigned long port = 0;
        size_t k = i + 1;
        while (k < n && isdigit((unsigned char)t[k]) && port <= 65535)
            port = port * 10 + (unsigned long)(t[k++] - '0');
        if (port > 0 && port <= 65535)
            m->port = (unsigned)port;
    }
    return true;
}

/* Case-insensitive find of needle in t[from..n). */
static size_t find_ci(const char *t, size_t n, size_t from, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = from; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && tolower((unsigned char)t[i + j]) == tolower((unsigned char)needle[j]))
            j++;
        if (j == k)
            return i;
    }
    return SIZE_MAX;
}

/* Where a host follows: (anchor that must appear first, or NULL; the text just before the host). */
static const struct { const char *anchor, *prefix; } host_marks[] = {
    /* A URL is a host only where the message itself names the request: Go's
     * Get "https://H:P/...", a quoted URL, a request line. First: they carry the port. Never a bare URL:
     * curl's "More details here: https://curl.se/docs/sslcerts.html" is help. */
    { NULL, "\"https://" },
    { NULL, "'https://" },
    { NULL, "Get https://" },
    { NULL, "Post https://" },
    { NULL, "url: https://" },
    { NULL, "but wanted to match " },
    { "certificate is valid for", ", not " },
    { NULL, "cannot validate certificate for " },
    { NULL, "certificate is not valid for '" },
    { NULL, "target host name '" },
    { NULL, "Host: " },
    { NULL, "DNS name matching " },
    { NULL, "IP address " },
    { NULL, "No name matching " },
    { NULL, "lookup " },
    { NULL, "Could not resolve host: " },
    { NULL, "Failed to connect to " },
    { NULL, "in connection to " },
    { NULL, "dial tcp " },
    { NULL, "getaddrinfo ENOTFOUND " },
    { NULL, "getaddrinfo EAI_AGAIN " },
    { NULL, "connect ECONNREFUSED " },
    { NULL, "UnknownHostException: " },
    { NULL, "host='" },
    { NULL, "connect to " },
};

/* curl: "Failed to connect to localhost port 4433 after 0 ms"; Python:
 * "host='h', port=8443". Right after the host, nothing further. */
static void find_port(const char *t, size_t n, size_t i, struct tp_explain_match *m)
{
    static const char *const marks[] = { " port ", "', port=", "\", port=", "]:", " port=" };
    if (i < n && t[i] == ']')
        i++;
    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
        size_t ml = strlen(marks[k]);
        if (i + ml >= n || strncasecmp(t + i, marks[k], ml))
            continue;
        size_t j = i + ml;
        unsigned long port = 0;
        while (j < n && isdigit((unsigned char)t[j]) && port <= 65535)
            port = port * 10 + (unsigned long)(t[j++] - '0');
        if (port > 0 && port <= 65535)
            m->port = (unsigned)port;
        return;
    }
}

static void find_host(const char *t, size_t n, struct tp_explain_match *m)
{
    for (size_t k = 0; k < sizeof host_marks / sizeof host_marks[0]; k++) {
        size_t from = 0;
        if (host_marks[k].anchor) {
            size_t a = find_ci(t, n, 0, host_marks[k].anchor);
            if (a == SIZE_MAX)
                continue;
            from = a;
        }
        size_t at = find_ci(t, n, from, host_marks[k].prefix);
        if (at == SIZE_MAX)
            continue;
        if (take_host(t, n, at + strlen(host_marks[k].prefix), m)) {
            if (!m->port)
                find_port(t, n, at + strlen(host_marks[k].prefix) + strlen(m->host), m);
            return;
        }
    }
    m->host[0] = '\0';
    m->port = 0;
}

/* The stack a generic message came from, by its markers (normalised text). */
static const char *guess_stack(const char *t, size_t tn)
{
    static const struct { const char *marker, *stack; } marks[] = {
        { "curl: (", "curl" },
        { "x509: ", "Go" },
        { "remote error: tls", "Go" },
        { "dial tcp", "Go" },
        { "javax.net.ssl", "Java" },
        { "java.", "Java" },
        { "sun.security", "Java" },
        { "[ssl: ", "Python" },
        { "ssl.ssl", "Python" },
        { "(ssl.c:", "Python" },
        { "urllib3", "Python" },
        { "errno", "Python" },
        { "net::err ", "Chrome" },
        { "sec error ", "Firefox" },
        { "ssl error ", "Firefox" },
        { "mozilla pkix", "Firefox" },
        { "err tls ", "Node.js" },
        { "err ssl ", "Node.js" },
        { "code: '", "Node.js" },
        { "wolfssl", "wolfSSL" },
        { "verify error:", "OpenSSL" },
        { "ssl routines", "OpenSSL" },
        { "s client", "OpenSSL" },
    };
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (search(marks[i].marker, t, tn))
            return marks[i].stack;
    return NULL;
}

/* ---- who is speaking ---- */

const char *tp_explain_side_name(enum tp_explain_side s)
{
    return s == TP_EXPLAIN_SIDE_CLIENT ? "client" : s == TP_EXPLAIN_SIDE_SERVER ? "server" : NULL;
}

static enum tp_explain_side other_side(enum tp_explain_side s)
{
    return s == TP_EXPLAIN_SIDE_CLIENT ? TP_EXPLAIN_SIDE_SERVER
           : s == TP_EXPLAIN_SIDE_SERVER ? TP_EXPLAIN_SIDE_CLIENT
                                         : TP_EXPLAIN_SIDE_UNKNOWN;
}

/* Texts only a server (or its log) prints, then texts only a client prints
 * (normalised: lower case, '_' as a space). A server marker wins: a server's
 * log line quotes the client's words, never the other way round. */
static const char *const server_marks[] = {
    "tls handshake error from ",          /* Go net/http server */
    "http2: server: error reading preface from client", /* Go http2 server */
    "failed to verify client certificate", /* Go >= 1.20 server */
    "invalid signature by the client certificate",
    "client didn't provide a certificate",
    "client offered only unsupported versions",
    "no certificates configured",
    "ssl do handshake() failed",          /* nginx */
    "while ssl handshaking",
    "client ssl certificate verify error",
    "client sent no required ssl certificate",
    "ssl library error",                  /* Apache mod_ssl */
    "in handshake (server ",
    "peer did not return a certificate",
    "[ssl: http request]",
    "ssl routines::http request",
    "ssl3 get record:http request",
    "no shared cipher",
    "ssl accept",
    "accept error",
    "shutting down ssl",                  /* openssl s_server */
    "empty client certificate chain",     /* Java server */
    "null cert chain",
    "client requested protocol",
    "no cipher suites in common",
    "authenticateasserver",               /* .NET server */
    "tlsclienterror",                     /* Node server event */
    "gnutls-serv",
    "error in handshake",                 /* gnutls-serv */
    "wolfssl accept",
    "ah02039",                            /* Apache: client certificate verification */
    "certificate verification: error (",
};
static const char *const client_marks[] = {
    "get \"", "post \"", "put \"", "head \"", "get https://", "post https://",
    "dial tcp", "tls: failed to verify certificate", "invalid signature by the server certificate",
    "server gave http response to https client", "client sent an http request to an https server",
    "net/http: tls handshake timeout",
    "curl: (", "httpsconnectionpool", "urlopen error", "requests.exceptions", "urllib3", "aiohttp",
    "net::err ", "sec error ", "ssl error ", "mozilla pkix", "s client", "verify error:num=", "depth=",
    "connect:errno", "gnutls-cli", "pki verification of server certificate failed",
    "verifying server certificate failed", "server certificate verification failed",
    "hostname/ip does not match", "err tls cert altname invalid", "client network socket disconnected",
    "socket hang up", "fetch failed", "unable to find valid certification path to requested target",
    "no subject alternative", "the remote certificate is invalid", "httprequestexception",
    "the ssl connection could not be established", "authenticateasclient", "wolfssl connect",
    "hostname mismatch", "ip address mismatch", "wrong version number",
};

/* A server acting as a client (nginx to its upstream) speaks as a client. */
static const char *const proxy_client_marks[] = {
    "upstream ssl certificate verify error", "while ssl handshaking to upstream", "ssl handshaking to upstream",
};

static bool any_mark(const char *const *marks, size_t n, const char *t)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(t, marks[i]))
            return true;
    return false;
}

/* ---- TLS alerts named in a message ---- */

/* Every alert, as each stack spells it (normalised). go: crypto/tls alert.go;
 * ossl: OpenSSL's reason text; gnutls: gnutls_alert_get_name; nss: the words of
 * NSS's SSL_ERROR_..._ALERT; dotnet: TlsAlertMessage, lower case. The RFC name
 * (tp_name_alert) serves Java, OpenSSL's state lines and Chrome. */
static const struct alert_spelling {
    uint8_t code;
    const char *go, *ossl, *gnutls, *nss, *dotnet;
} alert_spellings[] = {
    { 10, "unexpected message", "sslv3 alert unexpected message", "unexpected message", "handshake unexpected", "unexpectedmessage" },
    { 20, "bad record mac", "sslv3 alert bad record mac", "bad record mac", "bad mac", "badrecordmac" },
    { 21, "decryption failed", "tlsv1 alert decryption failed", "decryption failed", "decryption failed", "decryptionfailed" },
    { 22, "record overflow", "tlsv1 alert record overflow", "record overflow", "record overflow", "recordoverflow" },
    { 30, "decompression failure", "sslv3 alert decompression failure", "decompression failed", "decompression failure", "decompressionfail" },
    { 40, "handshake failure", "sslv3 alert handshake failure", "handshake failed", "handshake failure", "handshakefailure" },
    { 41, "no certificate", "sslv3 alert no certificate", "no certificate (ssl 3.0)", "no certificate", "nocertificate" },
    { 42, "bad certificate", "sslv3 alert bad certificate", "certificate is bad", "bad cert", "badcertificate" },
    { 43, "unsupported certificate", "sslv3 alert unsupported certificate", "certificate is not supported", "unsupported cert", "unsupportedcert" },
    { 44, "revoked certificate", "sslv3 alert certificate revoked", "certificate was revoked", "revoked cert", "certificaterevoked" },
    { 45, "expired certificate", "sslv3 alert certificate expired", "certificate is expired", "expired cert", "certificateexpired" },
    { 46, "unknown certificate", "sslv3 alert certificate unknown", "unknown certificate", "certificate unknown", "certificateunknown" },
    { 47, "illegal parameter", "sslv3 alert illegal parameter", "illegal parameter", "illegal parameter", "illegalparameter" },
    { 48, "unknown certificate authority", "tlsv1 alert unknown ca", "ca is unknown", "unknown ca", "unknownca" },
    { 49, "access denied", "tlsv1 alert access denied", "access was denied", "access denied", "accessdenied" },
    { 50, "error decoding message", "tlsv1 alert decode error", "decode error", "decode error", "decodeerror" },
    { 51, "error decrypting message", "tlsv1 alert decrypt error", "decrypt error", "decrypt error", "decrypterror" },
    { 60, "export restriction", "tlsv1 alert export restriction", "export restriction", "export restriction", "exportrestriction" },
    { 70, "protocol version not supported", "tlsv1 alert protocol version", "error in protocol version", "protocol version", "protocolversion" },
    { 71, "insufficient security level", "tlsv1 alert insufficient security", "insufficient security", "insufficient security", "insufficientsecurity" },
    { 80, "internal error", "tlsv1 alert internal error", "internal error", "internal error", "internalerror" },
    { 86, "inappropriate fallback", "tlsv1 alert inappropriate fallback", "inappropriate fallback", "inappropriate fallback", "inappropriatefallback" },
    { 90, "user canceled", "tlsv1 alert user cancelled", "user canceled", "user canceled", "usercanceled" },
    { 100, "no renegotiation", "tlsv1 alert no renegotiation", "no renegotiation is allowed", "no renegotiation", "norenegotiation" },
    { 109, "missing extension", "tlsv13 alert missing extension", "an extension was expected but was not seen", "missing extension", "missingextension" },
    { 110, "unsupported extension", "tlsv1 unsupported extension", "an unsupported extension was sent", "unsupported extension", "unsupportedext" },
    { 111, "certificate unobtainable", "tlsv1 certificate unobtainable", "could not retrieve the specified certificate", "certificate unobtainable", "certificateunobtainable" },
    { 112, "unrecognized name", "tlsv1 unrecognized name", "the server name sent was not recognized", "unrecognized name", "unrecognizedname" },
    { 113, "bad certificate status response", "tlsv1 bad certificate status response", "bad certificate status response", "bad cert status response", "badcertificatestatusresponse" },
    { 114, "bad certificate hash value", "tlsv1 bad certificate hash value", "bad certificate hash value", "bad cert hash value", "badcertificatehashvalue" },
    { 115, "unknown psk identity", "tlsv1 alert unknown psk identity", "the srp/psk username is missing or not known", "unknown psk identity", "unknownpskidentity" },
    { 116, "certificate required", "tlsv13 alert certificate required", "certificate is required", "rx certificate required", "certificaterequired" },
    { 120, "no application protocol", "tlsv1 alert no application protocol", "no supported application protocol could be negotiated", "next protocol no protocol", "noapplicationprotocol" },
    { 121, "encrypted client hello required", "tlsv1 alert ech required", "ech required", "ech required", "echrequired" },
};
#define N_ALERTS (sizeof alert_spellings / sizeof alert_spellings[0])

enum alert_kind { AK_GO, AK_RFC, AK_GNUTLS, AK_DOTNET, AK_NUMBER };
/* Where a stack names an alert: the words before the name, how it names it,
 * and whether the printer received it (the usual case) or sent it. */
static const struct {
    const char *form;
    enum alert_kind kind;
    bool sent;
    const char *stack;
} alert_forms[] = {
    { "remote error: tls: ", AK_GO, false, "Go" },
    { "local error: tls: ", AK_GO, true, "Go" },
    { "received fatal alert: ", AK_RFC, false, "Java" },
    { "received alert [", AK_NUMBER, false, "GnuTLS" },
    { "handshake() failed: ", AK_GNUTLS, false, "GnuTLS" },
    { "sent a tls alert: '", AK_DOTNET, false, ".NET" },
    { "alert read:fatal:", AK_RFC, false, "OpenSSL" },
    { "alert write:fatal:", AK_RFC, true, "OpenSSL" },
    { "ssl alert number ", AK_NUMBER, false, "OpenSSL" },
};

static bool word_end(const char *p)
{
    return !*p || !is_word((unsigned char)*p);
}

static bool has_prefix_word(const char *p, const char *w)
{
    size_t k = strlen(w);
    return !strncmp(p, w, k) && word_end(p + k);
}

struct found_alert {
    bool found, sent;
    uint8_t code;
    const char *form, *name, *stack;
};

/* Look up the name at p (after a form) in one spelling column. */
static bool alert_at(const char *p, enum alert_kind kind, struct found_alert *fa)
{
    if (kind == AK_NUMBER) {
        unsigned v = 0;
        size_t k = 0;
        while (isdigit((unsigned char)p[k]) && k < 3)
            v = v * 10 + (unsigned)(p[k++] - '0');
        if (!k || isdigit((unsigned char)p[k]) || v > 255 || !tp_name_alert((uint8_t)v))
            return false;
        fa->code = (uint8_t)v;
        fa->name = tp_name_alert((uint8_t)v);
        return true;
    }
    /* Longest match: "unknown certificate authority" before "unknown certificate". */
    size_t best_len = 0;
    for (size_t i = 0; i < N_ALERTS; i++) {
        const struct alert_spelling *a = &alert_spellings[i];
        char rfc[64];
        const char *w = NULL;
        switch (kind) {
        case AK_GO: w = a->go; break;
        case AK_GNUTLS: w = a->gnutls; break;
        case AK_DOTNET: w = a->dotnet; break;
        default: {
            const char *r = tp_name_alert(a->code);
            if (!r)
                continue;
            size_t j = 0;
            for (; r[j] && j + 1 < sizeof rfc; j++)
                rfc[j] = r[j] == '_' ? ' ' : r[j];
            rfc[j] = '\0';
            w = rfc;
            break;
        }
        }
        size_t wl = strlen(w);
        if (wl > best_len && has_prefix_word(p, w)) {
            best_len = wl;
            fa->code = a->code;
            fa->name = kind == AK_GO ? a->go : kind == AK_GNUTLS ? a->gnutls : kind == AK_DOTNET ? a->dotnet
                                                                                                 : tp_name_alert(a->code);
        }
    }
    return best_len > 0;
}

static void find_alert(const char *t, struct found_alert *fa)
{
    memset(fa, 0, sizeof *fa);
    for (size_t f = 0; f < sizeof alert_forms / sizeof alert_forms[0]; f++) {
        const char *p = strstr(t, alert_forms[f].form);
        if (!p)
            continue;
        if (alert_at(p + strlen(alert_forms[f].form), alert_forms[f].kind, fa)) {
            fa->found = true;
            fa->sent = alert_forms[f].sent;
            fa->form = alert_forms[f].form;
            fa->stack = alert_forms[f].stack;
            return;
        }
    }
    /* OpenSSL's reason texts (also inside Python's [SSL: ...], Node's
     * ERR_SSL_..., curl, nginx), NSS's and Chrome's codes. */
    for (size_t i = 0; i < N_ALERTS; i++) {
        const struct alert_spelling *a = &alert_spellings[i];
        const char *p = strstr(t, a->ossl);
        if (p && word_end(p + strlen(a->ossl))) {
            *fa = (struct found_alert){ true, false, a->code, "", a->ossl, "OpenSSL" };
            return;
        }
        char buf[96];
        snprintf(buf, sizeof buf, "ssl error %s alert", a->nss);
        if (strstr(t, buf)) {
            *fa = (struct found_alert){ true, false, a->code, "SSL_ERROR_", a->nss, "Firefox" };
            return;
        }
        const char *r = tp_name_alert(a->code);
        if (r) {
            snprintf(buf, sizeof buf, "err ssl %s alert", r);
            for (char *q = buf; *q; q++)
                if (*q == '_')
                    *q = ' ';
            if (strstr(t, buf)) {
                *fa = (struct found_alert){ true, false, a->code, "ERR_SSL_", r, "Chrome" };
                return;
            }
        }
    }
}

/* The finding an alert stands for, by who sent it. A certificate alert is about
 * the other side's certificate (RFC 8446 §6.2): from the client it rejects the
 * server's, from the server the client's. */
static const char *alert_rule(uint8_t code, enum tp_explain_side from, enum tp_explain_side *cert_of)
{
    *cert_of = TP_EXPLAIN_SIDE_UNKNOWN;
    switch (code) {
    case TP_ALERT_HANDSHAKE_FAILURE:
    case TP_ALERT_INSUFFICIENT_SECURITY:
        return "no-shared-cipher";
    case TP_ALERT_PROTOCOL_VERSION:
    case TP_ALERT_INAPPROPRIATE_FALLBACK:
        return "protocol-version-mismatch";
    case TP_ALERT_CERTIFICATE_REQUIRED:
        *cert_of = TP_EXPLAIN_SIDE_CLIENT;
        return "client-cert-required";
    case TP_ALERT_BAD_CERTIFICATE:
    case TP_ALERT_UNSUPPORTED_CERTIFICATE:
    case TP_ALERT_CERTIFICATE_REVOKED:
    case TP_ALERT_CERTIFICATE_EXPIRED:
    case TP_ALERT_CERTIFICATE_UNKNOWN:
    case TP_ALERT_UNKNOWN_CA:
        *cert_of = other_side(from);
        return from == TP_EXPLAIN_SIDE_CLIENT ? "server-cert-rejected" : "client-cert-rejected";
    case TP_ALERT_DECRYPT_ERROR:
        /* decrypt_error: a handshake signature (CertificateVerify, ServerKeyExchange)
         * did not verify with the sender's certificate: the receiver's key and
         * certificate do not match (RFC 8446 §4.4.3), far more often than a
         * broken Finished. */
        *cert_of = other_side(from);
        return "key-mismatch";
    default:
        return "remote-alert";
    }
}

/* Findings about a certificate the printer judged itself. Printed by a server,
 * that certificate is the client's: the server rejected the client certificate. */
static bool cert_judged(const char *id)
{
    static const char *const ids[] = { "unknown-authority", "self-signed", "missing-intermediate", "hostname-mismatch",
                                       "cn-only", "expired", "not-yet-valid", "weak-key", "weak-signature",
                                       "wrong-key-usage" };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (!strcmp(id, ids[i]))
            return true;
    return false;
}

bool tp_explain_match(const char *text, struct tp_explain_match *m)
{
    return tp_explain_match_side(text, TP_EXPLAIN_SIDE_UNKNOWN, m);
}

bool tp_explain_match_side(const char *text, enum tp_explain_side given, struct tp_explain_match *m)
{
    memset(m, 0, sizeof *m);
    if (!text)
        return false;
    size_t n = strnlen(text, TP_MAX_EXPLAIN_TEXT);
    char *t = malloc(n + 1);
    if (!t)
        return false;
    /* Hosts keep their case and '_': look for them in a copy with only the
     * white space collapsed. */
    find_host(t, collapse(text, n, t, false), m);
    size_t tn = collapse(text, n, t, true);
    bool found = false;

    /* Which side printed it: the text's own words, else the pattern's, else a client. */
    if (given != TP_EXPLAIN_SIDE_UNKNOWN) {
        m->side = given;
        m->side_inferred = true;
        m->side_given = true;
    } else if (any_mark(proxy_client_marks, sizeof proxy_client_marks / sizeof proxy_client_marks[0], t)) {
        m->side = TP_EXPLAIN_SIDE_CLIENT;
        m->side_inferred = true;
    } else if (any_mark(server_marks, sizeof server_marks / sizeof server_marks[0], t)) {
        m->side = TP_EXPLAIN_SIDE_SERVER;
        m->side_inferred = true;
    } else if (any_mark(client_marks, sizeof client_marks / sizeof client_marks[0], t)) {
        m->side = TP_EXPLAIN_SIDE_CLIENT;
        m->side_inferred = true;
    }

    struct found_alert fa;
    find_alert(t, &fa);
    if (fa.found) {
        if (!m->side_inferred)
            m->side = TP_EXPLAIN_SIDE_CLIENT;
        m->alert_known = true;
        m->alert = fa.code;
        m->alert_from = fa.sent ? m->side : other_side(m->side);
        m->alert_form = fa.form;
        m->rule_id = alert_rule(fa.code, m->alert_from, &m->cert_of);
        m->stack = fa.stack;
        m->pattern_name = fa.name;
        m->note = tp_alert_meaning(fa.code);
        if (!m->note)
            m->note = "A TLS alert ended the handshake.";
        if (!strcmp(m->stack, "OpenSSL")) {
            const char *g = guess_stack(t, tn);
            if (g)
                m->stack = g;
        }
        found = true;
    }
    for (size_t i = 0; !found && i < diag_n_explain_patterns; i++) {
        if (!search(diag_explain_patterns[i].pattern, t, tn))
            continue;
        m->rule_id = diag_explain_patterns[i].rule_id;
        m->stack = diag_explain_patterns[i].stack;
        m->pattern_name = diag_explain_patterns[i].pattern;
        m->note = diag_explain_patterns[i].note;
        /* OpenSSL reasons and OS texts also appear inside other stacks' messages. */
        if (!strcmp(m->stack, "OpenSSL") || !strcmp(m->stack, "any")) {
            const char *g = guess_stack(t, tn);
            if (g)
                m->stack = g;
            else if (!strcmp(m->stack, "any"))
                m->stack = "the operating system";
        }
        if (!m->side_inferred && diag_explain_patterns[i].side) {
            m->side = diag_explain_patterns[i].side == 's' ? TP_EXPLAIN_SIDE_SERVER : TP_EXPLAIN_SIDE_CLIENT;
            m->side_inferred = true;
        }
        if (!m->side_inferred)
            m->side = TP_EXPLAIN_SIDE_CLIENT;
        if (cert_judged(m->rule_id)) {
            m->cert_of = other_side(m->side);
            if (m->side == TP_EXPLAIN_SIDE_SERVER)
                m->rule_id = "client-cert-rejected";
        } else if (!strcmp(m->rule_id, "client-cert-required") || !strcmp(m->rule_id, "client-cert-rejected")) {
            m->cert_of = TP_EXPLAIN_SIDE_CLIENT;
        } else if (!strcmp(m->rule_id, "server-cert-rejected")) {
            m->cert_of = TP_EXPLAIN_SIDE_SERVER;
        } else if (!strcmp(m->rule_id, "key-mismatch")) {
            /* "invalid signature by the server certificate": the server's pair. */
            m->cert_of = strstr(t, "by the server certificate") ? TP_EXPLAIN_SIDE_SERVER
                         : strstr(t, "by the client certificate") ? TP_EXPLAIN_SIDE_CLIENT
                                                                  : m->side;
        }
        found = true;
    }
    if (found) {
        m->peer = other_side(m->side);
    } else {
        m->side = TP_EXPLAIN_SIDE_UNKNOWN;
        m->side_inferred = false;
    }
    free(t);
    return found;
}
