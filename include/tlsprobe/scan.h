/* `tlsprobe scan`: what a server accepts, the way testssl.sh, sslyze and nmap's
 * ssl-enum-ciphers find out. Every question is a ClientHello of our own
 * (tlsprobe/writer.h) and the server's first answer — ServerHello,
 * HelloRetryRequest or alert — read through the record framer and the hello
 * parser; no handshake is finished, so code points wolfSSL cannot negotiate
 * (SSL 3.0, export and anon suites, hybrid groups) are enumerated all the same.
 *
 * Owns: the scan's sockets, its worker threads (-j) and the result it fills.
 * Must not: render, judge beyond facts (findings are diagnose's:
 * tp_diagnose_scan), or keep state between scans. */
#ifndef TLSPROBE_SCAN_H
#define TLSPROBE_SCAN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/error.h"
#include "tlsprobe/framer.h"
#include "tlsprobe/wire.h"

#define TP_SCAN_MAX_SUITES 160   /* accepted suites kept per version (the table has 352) */
#define TP_SCAN_MAX_GROUPS 32
#define TP_SCAN_MAX_SIGALGS 32
#define TP_SCAN_MAX_ALPN 8
#define TP_SCAN_MAX_CERTS 10     /* certificates kept per chain */
#define TP_SCAN_MAX_JOBS 32
#define TP_SCAN_N_CHAINS 3

/* One answer to one question. */
enum tp_scan_state {
    TP_SCAN_NOT_TESTED = 0,  /* not asked (a prerequisite was missing, or the deadline came) */
    TP_SCAN_NO,              /* refused / not acknowledged */
    TP_SCAN_YES,             /* accepted / acknowledged */
    TP_SCAN_ERROR,           /* no usable answer (timeout, reset, not TLS) */
};
const char *tp_scan_state_name(enum tp_scan_state s); /* "not tested", "no", "yes", "error" */

/* Versions in the order reported: SSL 3.0 .. TLS 1.3. */
#define TP_SCAN_N_VERSIONS 5
struct tp_scan_version {
    uint16_t version;                    /* TP_SSL3_0 .. TP_TLS1_3 */
    enum tp_scan_state accepted;
    uint8_t alert;                       /* the alert that refused it (when one came), else 0 */
    uint16_t suites[TP_SCAN_MAX_SUITES]; /* accepted; in the server's order when server_order is YES */
    size_t n_suites;
    enum tp_scan_state server_order;     /* YES: server's preference; NO: the client's; NOT_TESTED: < 2 suites */
    bool suites_complete;                /* every question about suites was answered */
};

/* A key-exchange group. TLS 1.3: offered in supported_groups alone, without a key
 * share: a HelloRetryRequest for it says the server supports it. TLS 1.2: offered
 * alone with ECDHE suites, the ServerKeyExchange names it. */
struct tp_scan_group {
    uint16_t id;
    enum tp_scan_state tls13, tls12;
};

/* The hybrid post-quantum group (X25519MLKEM768, 0x11EC) in TLS 1.3. */
struct tp_scan_hybrid {
    uint16_t id;
    enum tp_scan_state offered_share;    /* its key share sent: YES the server selected it (ServerHello) */
    bool hrr_instead;                    /* ... it answered with a HelloRetryRequest for another group */
    uint16_t hrr_group;
    enum tp_scan_state prefers;          /* x25519's share sent, both listed: YES it asked (HRR) for the hybrid */
};

struct tp_scan_sigalg {
    uint16_t id;
    enum tp_scan_state tls13, tls12;
};

struct tp_scan_alpn {
    const char *name;                    /* static */
    enum tp_scan_state accepted;
};

struct tp_scan_chain {
    const char *key_type;                /* "RSA", "ECDSA" (static) */
    enum tp_scan_state found;            /* YES: a chain came for suites of this type */
    uint16_t version, suite;
    uint8_t *der[TP_SCAN_MAX_CERTS];     /* owned */
    size_t der_len[TP_SCAN_MAX_CERTS];
    size_t n, n_total;
};

struct tp_scan_result {
    char host[256];
    char address[64];                    /* the address scanned ("127.0.0.1", "::1") */
    uint16_t port;
    struct tp_scan_version versions[TP_SCAN_N_VERSIONS];
    struct tp_scan_group groups[TP_SCAN_MAX_GROUPS];
    size_t n_groups;
    uint16_t tls13_default_group;        /* x25519 offered with a share, every group listed:
                                            what the ServerHello or HRR chose (0: none) */
    bool tls13_default_hrr;
    struct tp_scan_hybrid hybrid;
    struct tp_scan_sigalg sigalgs[TP_SCAN_MAX_SIGALGS];
    size_t n_sigalgs;
    struct tp_scan_alpn alpn[TP_SCAN_MAX_ALPN];
    size_t n_alpn;
    uint16_t misc_version;               /* the version of the questions below (0: not asked) */
    enum tp_scan_state session_id;       /* a non-empty session id in the ServerHello */
    enum tp_scan_state session_ticket;   /* session_ticket acknowledged */
    enum tp_scan_state tls13_psk;        /* a full TLS 1.3 handshake (wolfSSL, the connect probe):
                                            YES the server sent a NewSessionTicket */
    enum tp_scan_state secure_renegotiation; /* renegotiation_info acknowledged */
    enum tp_scan_state compression;      /* deflate offered and chosen */
    unsigned dhe_bits;                   /* DHE suites only offered (misc_version): the size of
                                            the server's DH prime in bits (0: no DHE, unknown) */
    struct tp_scan_chain chains[3];      /* RSA, ECDSA (TLS 1.2 and older: the Certificate message
                                            read in the clear), and the chain of one full TLS 1.3
                                            handshake (key_type "TLS 1.3": whatever the server chose) */
    unsigned probes;                     /* connections made */
    int64_t elapsed_us;
    bool timed_out;                      /* the overall deadline came before every question was asked */
    bool unreachable;                    /* no connection could be made at all */
    char error[256];                     /* why, when unreachable */
};

struct tp_scan_opts {
    const char *host;                    /* DNS name or IP literal */
    uint16_t port;
    const char *servername;              /* SNI; NULL: host unless an IP literal */
    int jobs;                            /* parallel connections; 0: 4 */
    int timeout_ms;                      /* the whole scan; 0: 60 s */
    int probe_timeout_ms;                /* one question; 0: 5 s */
};

/* Scan one server. TP_OK: *out filled (it may still say unreachable); free it with
 * tp_scan_free. TP_ERR_USAGE: bad options (err says why). */
enum tp_err tp_scan(const struct tp_scan_opts *o, struct tp_scan_result **out, char *err, size_t errlen) TP_MUST_USE;
void tp_scan_free(struct tp_scan_result *r);

/* ---- one answer: the server's first flight, read as it comes ----
 * The scan's only parser of untrusted bytes, exposed for the unit tests and the
 * fuzz target (fuzz_scan_answer): record framing by tlsprobe/framer.h, messages by
 * tlsprobe/wire.h; what the questions need is copied out, the certificates into
 * owned buffers. */
enum tp_scan_answer_kind {
    TP_SCAN_ANS_NONE = 0,        /* no usable answer (yet): why says what came */
    TP_SCAN_ANS_ALERT,           /* an alert came first */
    TP_SCAN_ANS_SERVER_HELLO,
    TP_SCAN_ANS_HRR,             /* a HelloRetryRequest */
};
struct tp_scan_answer {
    enum tp_scan_answer_kind kind;
    uint8_t alert;                       /* its description */
    uint16_t version, suite;             /* negotiated (supported_versions when present) */
    uint8_t compression;
    size_t sid_len;
    bool reneg, ticket, has_alpn;        /* renegotiation_info, session_ticket acknowledged */
    char alpn[64];                       /* the selected protocol (TLS 1.2 and older) */
    uint16_t group;                      /* ServerHello key_share, or the HRR's selected_group */
    bool have_ske, ske_has_scheme;       /* flight: the ServerKeyExchange */
    uint16_t ske_group, ske_scheme;
    size_t ske_dh_bits;                  /* DHE: the prime's size in bits */
    uint8_t *der[TP_SCAN_MAX_CERTS];     /* flight: the Certificate message (owned) */
    size_t der_len[TP_SCAN_MAX_CERTS], n_der, n_der_total;
    char why[96];                        /* TP_SCAN_ANS_NONE: what happened */
    bool connect_failed;
};
struct tp_scan_reader {                  /* private to scan.c and scan_answer.c */
    struct tp_framer f;
    struct tp_hs_reasm ra;
    uint8_t type;
    uint8_t alert[2];
    size_t alert_n;
    bool flight, done;
};
/* flight: read past the ServerHello up to ServerHelloDone (TLS 1.2 and older). */
void tp_scan_reader_init(struct tp_scan_reader *rd, bool flight);
/* Feed the next bytes (a zeroed *a before the first call). True when the answer
 * is complete (or cannot become one): stop reading. */
bool tp_scan_reader_feed(struct tp_scan_reader *rd, struct tp_scan_answer *a, const uint8_t *p, size_t n);
void tp_scan_reader_free(struct tp_scan_reader *rd);
void tp_scan_answer_free(struct tp_scan_answer *a);
#endif
