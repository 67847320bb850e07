/* Live sources: the client probe (connect) and the server probe (listen), on
 * wolfSSL. Both record the raw bytes of every read and write through one
 * recorder (wolfSSL's I/O callbacks, src/probe/wolf.c), capture their own
 * session secrets (TLS 1.2 master secret, TLS 1.3 traffic secrets via the
 * HKDF-Expand-Label PK callback), feed both to the same session decoder a
 * capture uses (tlsprobe/session.h) and end in the same judge
 * (tlsprobe/judge.h: verify, outcome, diagnose).
 *
 * Owns: sockets, wolfSSL contexts and connections, the listen worker pool, the
 * --keylog and --write-pcap files of a run (written through tlsprobe/pcapw.h).
 * Must not touch: rendering (sessions go back to the caller, or to on_session),
 * the decoder's internals, the rules. */
#ifndef TLSPROBE_PROBE_H
#define TLSPROBE_PROBE_H
#include <stdbool.h>
#include <stdint.h>
#include "tlsprobe/error.h"
#include "tlsprobe/pkcs12.h"
#include "tlsprobe/session.h"

/* connect --starttls: the protocols whose plain-text upgrade we speak. */
enum tp_starttls_proto {
    TP_ST_AUTO = -1,             /* by the port: 25/587 smtp, 143 imap, 110 pop3, 21 ftp, 389 ldap,
                                    5432 postgres, 3306 mysql, 5222 xmpp, 119 nntp, 4190 sieve */
    TP_ST_NONE = 0,
    TP_ST_SMTP, TP_ST_IMAP, TP_ST_POP3, TP_ST_FTP, TP_ST_LDAP, TP_ST_POSTGRES, TP_ST_MYSQL,
    TP_ST_XMPP, TP_ST_NNTP, TP_ST_SIEVE,
};
/* "smtp" -> TP_ST_SMTP ("auto", "none" too; "postgresql" is postgres); -2: unknown. */
int tp_starttls_parse(const char *name);
const char *tp_starttls_proto_name(int proto);   /* "smtp"; "auto" for TP_ST_AUTO */
int tp_starttls_for_port(uint16_t port);         /* TP_ST_NONE when none is well known */

struct tp_connect_opts {
    const char *host;            /* DNS name or IP literal (IPv6 without brackets) */
    uint16_t port;               /* default 443 */
    const char *servername;      /* SNI and name to check; NULL: host (none for IP literals) */
    bool no_sni;
    const char *cafile, *capath; /* NULL: system store (SSL_CERT_FILE / SSL_CERT_DIR honoured) */
    const char *intermediates;   /* file or dir: path candidates, never anchors */
    bool no_aia;
    const char *cert, *key;      /* client certificate (file may hold the chain; PEM, DER or
                                    PKCS#12) and key (NULL with a PKCS#12 cert) */
    const struct tp_secret *pass; /* --pass: opens a PKCS#12 cert or an encrypted key (NULL: none) */
    uint16_t only_version;       /* 0: TLS 1.2 and 1.3; TP_TLS1_2 or TP_TLS1_3 */
    const char *alpn;            /* comma-separated, NULL none */
    int timeout_ms;              /* one deadline for DNS, connect, handshake, post-read */
    const char *write_pcap;      /* NULL none */
    const char *keylog;          /* NULL none (the CLI folds in SSLKEYLOGFILE) */
    int64_t at;                  /* --at: verify and judge dates at this time (s since epoch); 0: now */
    int starttls;                /* enum tp_starttls_proto: TP_ST_NONE (0) none, TP_ST_AUTO by port */
    bool starttls_given;         /* the CLI's: --starttls was given (a URL scheme does not override it) */
    bool check_revocation;       /* --check-revocation: ask the leaf's OCSP responder, then its CRL (appended) */
};

/* Probe one server. On TP_OK *out is a finished, diagnosed session (the
 * handshake may still have failed: the findings say why). TP_ERR_USAGE / TP_ERR_IO
 * with a one-line message in err for bad local input (unreadable --cafile, key
 * not matching --cert), before any connection. */
enum tp_err tp_probe_connect(const struct tp_connect_opts *o, struct tp_session **out, char *err, size_t errlen) TP_MUST_USE;

struct tp_listen_opts {
    const char *bind_addr;       /* NULL: 0.0.0.0 and :: */
    uint16_t port;               /* 0: ephemeral (reported through on_ready) */
    const char *cert, *key, *chain; /* cert: PEM, DER or PKCS#12 (then key NULL) */
    const struct tp_secret *pass;   /* --pass for them (NULL: none) */
    const char *client_ca;
    bool request_client_cert, require_client_cert;
    const char *alpn;
    uint16_t only_version;
    int count;                   /* stop after this many clients (0: until signalled) */
    bool no_http;                /* never answer: by default an HTTP/1.1 request after the
                                    handshake gets a one-line 200, HTTP/2 a GOAWAY
                                    HTTP_1_1_REQUIRED (curl then retries with HTTP/1.1) */
    int linger_ms;               /* after the handshake, wait this long for a request or the
                                    client's close; 0: 1000 ms; negative: not at all */
    int timeout_ms;              /* per-connection deadline */
    const char *write_pcap, *keylog;
    int64_t at;                  /* --at: verify both chains and judge dates at this time; 0: now */
    /* Called once listening, with the bound port. */
    void (*on_ready)(uint16_t port, void *ctx);
    /* Called for each finished, diagnosed session (from one thread at a time). The
     * callee must not keep s: it is freed after the call. */
    void (*on_session)(struct tp_session *s, void *ctx);
    /* Called about every 50 ms while serving (NULL: not), never at the same time
     * as on_session: to flush what on_session gathered. */
    void (*on_tick)(void *ctx);
    void *ctx;
};
/* Serve until count clients finished or *stop becomes true (set it from a signal
 * handler). */
enum tp_err tp_probe_listen(const struct tp_listen_opts *o, volatile int *stop, char *err, size_t errlen) TP_MUST_USE;

#endif
