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
#include "tlsprobe/limits.h"
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

struct tp_store;
struct tp_worker;
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
    /* Set by tp_probe_many for each target (NULL for a single probe): */
    const char *address;         /* an IP literal to connect to instead of resolving host (host
                                    stays the SNI and the name to check); NULL: resolve host */
    const struct tp_store *store; /* borrowed, already loaded (cafile, capath and intermediates are
                                    then not read again); NULL: load them for this call */
    struct tp_worker *worker;    /* borrowed: the calling thread's decoder memory; NULL: none */
    const char *proxy;           /* http://[user:pass@]host[:port] (NULL or "": no proxy); the CLI
                                    folds in https_proxy/HTTPS_PROXY/all_proxy/ALL_PROXY (tp_proxy_env) */
    const char *proxy_source;    /* where proxy came from, for messages: "--proxy", "HTTPS_PROXY"... */
    const char *noproxy;         /* hosts reached directly, as curl's NO_PROXY (tp_noproxy_match); NULL none */
    bool check_revocation;       /* --check-revocation: ask the leaf's OCSP responder, then its CRL (appended) */
};

/* ---- connect --proxy (src/probe/proxy.c) ---- */
/* An HTTP proxy URL, as curl reads it: "http://" may be left out; the port
 * defaults to 1080; user and password are percent-decoded; a path is ignored. */
struct tp_proxy_url {
    char host[TP_MAX_NAME_LEN + 1]; /* DNS name or IP literal (IPv6 without brackets) */
    uint16_t port;
    bool has_user;                /* "user@" or "user:pass@" was given */
    char user[256], pass[256];    /* decoded; NUL inside is refused */
    char shown[TP_MAX_NAME_LEN + 160]; /* "http://user:***@host:port": never the password */
};
/* 0 ok; -1 with one line in err (no "--proxy: " prefix): another scheme
 * (https://, socks5://), no host, a bad port, bad percent-encoding. */
int tp_proxy_url_parse(const char *url, struct tp_proxy_url *out, char *err, size_t errlen);
/* curl's NO_PROXY rule (lib/noproxy.c, CIDR since 7.86): a comma-separated list
 * (blanks around entries allowed); "*" alone matches every host; an entry
 * matches a host name equal to it or ending in "." + it, case-insensitively,
 * leading and trailing dots ignored (".example.com" = "example.com"); IP
 * addresses match IP literals only, exactly or by CIDR prefix ("10.0.0.0/8",
 * "fd00::/8"); an entry with a port never matches. The matching entry is copied
 * into matched (cap bytes, may be NULL). */
bool tp_noproxy_match(const char *host, const char *list, char *matched, size_t cap);
/* The proxy the environment names for an https:// target, in curl's order:
 * https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY (empty values skipped); *name
 * gets the variable's name. NULL when none. */
const char *tp_proxy_env(const char **name);
/* no_proxy, else NO_PROXY; NULL when neither is set. */
const char *tp_noproxy_env(void);

/* Probe one server. On TP_OK *out is a finished, diagnosed session (the
 * handshake may still have failed: the findings say why). TP_ERR_USAGE / TP_ERR_IO
 * with a one-line message in err for bad local input (unreadable --cafile, key
 * not matching --cert), before any connection. */
enum tp_err tp_probe_connect(const struct tp_connect_opts *o, struct tp_session **out, char *err, size_t errlen) TP_MUST_USE;

/* ---- many targets (many.c): connect HOST... / --targets FILE ----
 * jobs threads probe the targets the caller hands out one by one; the sessions
 * come back in input order (then address order), through a window of 2 x jobs
 * targets: a target finished early waits for the ones before it, and when the
 * window is full the workers wait. Memory is bounded by jobs, not by the number
 * of targets. The trust store is loaded once and shared (read-only). */
#define TP_MANY_MAX_JOBS 256
#define TP_MANY_MAX_ADDRS 32     /* --all-addresses: addresses probed per name (the rest are not) */
struct tp_many_target {
    char host[TP_MAX_NAME_LEN + 1];       /* as tp_connect_opts.host */
    char servername[TP_MAX_NAME_LEN + 1]; /* "": the run's --servername, else host */
    uint16_t port;
    int starttls;                         /* TP_ST_AUTO: the run's */
    size_t index;                         /* set by tp_probe_many: 0, 1, 2 ... in input order */
    size_t n_addrs;                       /* set by tp_probe_many: addresses found (--all-addresses) */
};
struct tp_many_progress {
    size_t started, done;        /* targets handed to a worker, targets delivered */
    size_t sessions;             /* sessions delivered */
};
struct tp_many_opts {
    const struct tp_connect_opts *base; /* every target's options but host, port, servername,
                                           address, store and worker (write_pcap must be NULL) */
    int jobs;                    /* 1 .. TP_MANY_MAX_JOBS */
    bool all_addresses;          /* every A/AAAA address of each name, each a session; IPv4
                                    before IPv6, each in numeric order, duplicates dropped */
    bool starttls_fixed;         /* base->starttls was asked for (--starttls): a target's URL
                                    scheme does not change it */
    /* The next target, on the calling thread: 1 (in *t), 0 no more. */
    int (*next)(void *ctx, struct tp_many_target *t);
    /* Each finished session, in order, on the calling thread; the callee must not
     * keep s (freed after the call). addr_i of t->n_addrs (0 of 1 without --all-addresses). */
    void (*on_session)(struct tp_session *s, const struct tp_many_target *t, size_t addr_i, void *ctx);
    /* About every 250 ms while waiting, on the calling thread (NULL: none). */
    void (*on_progress)(const struct tp_many_progress *p, void *ctx);
    void *ctx;
};
/* Probe every target. TP_OK when all were probed (each session says how it
 * went); else a one-line message in err for bad local input (the trust store, a
 * client certificate), after which no further target is started. */
enum tp_err tp_probe_many(const struct tp_many_opts *o, char *err, size_t errlen) TP_MUST_USE;

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
