/* The transcript model: one TLS connection as seen by any source (client probe,
 * server probe, capture), and the stream decoder that fills it from raw bytes.
 *
 * Every source does the same thing: create a session, feed it the raw TCP payload
 * bytes of each direction in order with timestamps (tp_session_feed), give it the
 * secrets it has (tp_session_set_keylog / tp_session_add_secret), then set the
 * facts only it knows (outcome, verification results) and call tp_session_finish.
 * The decoder handles split/coalesced records, handshake reassembly, TLS 1.3 and
 * TLS 1.2 record decryption, and fills the summary fields.
 *
 * Owns: the transcript, the decoder (record framing itself is core/framer), key
 * logs, record decryption. Must not: print, verify chains (x509 does, for the
 * sources), or keep state outside a session or the caller's struct tp_worker.
 */
#ifndef TLSPROBE_SESSION_H
#define TLSPROBE_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "tlsprobe/bytes.h"
#include "tlsprobe/error.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/wire.h"
#include "tlsprobe/x509.h"
#include "tlsprobe/ocsp.h"
#include "tlsprobe/crl.h"

enum tp_dir { TP_C2S = 0, TP_S2C = 1 };
enum tp_source { TP_SRC_CONNECT, TP_SRC_LISTEN, TP_SRC_PCAP };

enum tp_msg_kind {
    TP_MSG_HANDSHAKE,       /* hs_type says which */
    TP_MSG_CCS,
    TP_MSG_ALERT,
    TP_MSG_ENCRYPTED,       /* a protected record we could not (or need not) decrypt: "EncryptedRecord" */
    TP_MSG_SSLV2_HELLO,     /* SSLv2-compatible ClientHello */
};

struct tp_msg {
    enum tp_dir dir;
    enum tp_msg_kind kind;
    uint8_t hs_type;        /* enum tp_hs_type, for TP_MSG_HANDSHAKE */
    bool is_hrr;            /* ServerHello carrying the HRR random */
    bool decrypted;         /* arrived in a protected record that we decrypted */
    uint8_t record_type;    /* for TP_MSG_ENCRYPTED: outer content type (23 usually) */
    int64_t t_us;           /* time offset from the session start, microseconds */
    uint32_t length;        /* handshake body length / record length / 2 for alerts */
    uint8_t *raw;           /* owned: the whole handshake message (4-byte header +
                             * body), the 2 alert bytes, or NULL for encrypted records */
    size_t raw_len;
    uint8_t alert_level, alert_desc; /* TP_MSG_ALERT */
    bool raw_in_arena;      /* raw lives in the session's message arena (freed with the
                             * session, not alone); false: raw was malloc'd */
};

/* A chain as sent: DER copies plus (lazily filled) summaries. */
struct tp_chain {
    struct tp_bytes der[TP_MAX_CHAIN_CERTS];    /* owned copies (p malloc'd) */
    struct tp_cert_info *info[TP_MAX_CHAIN_CERTS]; /* NULL until tp_session_summarize_chains */
    size_t n, n_total;      /* n_total: on the wire (may exceed the cap) */
    bool present;           /* a Certificate message was seen (may be empty) */
};
/* info[] is filled by tp_session_finish; the summaries may be shared with other
 * sessions (a cache keyed by the DER, TP_MAX_CERT_CACHE): read-only,
 * freed with the session, never by the caller. */

enum tp_severity { TP_SEV_INFO = 0, TP_SEV_WARNING = 1, TP_SEV_ERROR = 2 };

struct tp_finding {
    const char *id;         /* stable id from the rule table, e.g. "missing-intermediate" */
    enum tp_severity severity;
    char *summary;          /* owned, specific (names, dates) */
    char *explanation;      /* owned */
    char *fix;              /* owned */
    const char *reference;  /* static: "RFC 8446 §4.4.2" */
};

/* How the connection ended, from the source's point of view. */
enum tp_conn_status {
    TP_CONN_UNKNOWN = 0,     /* capture: not (yet) known */
    TP_CONN_OK,              /* handshake completed (and nothing failed after) */
    TP_CONN_RESOLVE_FAILED,  /* name-resolution */
    TP_CONN_REFUSED,         /* connection-refused */
    TP_CONN_TIMEOUT,         /* timeout (deadline) */
    TP_CONN_RESET,           /* connection-reset: RST or EOF mid-handshake */
    TP_CONN_CLOSED,          /* peer closed cleanly mid-handshake */
    TP_CONN_NOT_TLS,         /* the peer spoke something else */
    TP_CONN_TLS_FAILED,      /* a TLS-level failure (alert sent or received, verify) */
    TP_CONN_LOCAL_ERROR,     /* our side failed (bad config, out of memory) */
    TP_CONN_STARTTLS_FAILED, /* the plain-text upgrade to TLS (STARTTLS) did not happen */
    TP_CONN_PROXY_FAILED,    /* the HTTP proxy did not open the tunnel (connect --proxy) */
};

struct tp_outcome {
    enum tp_conn_status status;
    int lib_error;           /* wolfSSL error code, 0 if none */
    char detail[256];        /* short text for humans ("connect: Connection refused") */
    char peer_banner[64];    /* first bytes of a non-TLS peer, for not-tls ("HTTP/1.1 400") */
    size_t peer_banner_len;
};

/* STARTTLS: the plain-text exchange that upgrades a connection to TLS
 * (connect --starttls). Lines as sent and received (binary protocols: a short
 * description of each message), in order. */
enum tp_starttls_status {
    TP_STARTTLS_NONE = 0,        /* no STARTTLS on this session */
    TP_STARTTLS_OK,              /* the server agreed: TLS follows */
    TP_STARTTLS_UNAVAILABLE,     /* the server does not offer it (not advertised, ssl=off) */
    TP_STARTTLS_REFUSED,         /* offered or asked for, and refused */
    TP_STARTTLS_UNEXPECTED,      /* the server answered in another protocol, or sent
                                    bytes after agreeing (before our ClientHello) */
    TP_STARTTLS_TIMEOUT,         /* no (complete) answer before the deadline */
    TP_STARTTLS_CLOSED,          /* the server closed (or reset) the connection */
};
struct tp_plain_line {
    enum tp_dir dir;
    int64_t t_us;                /* wall clock, µs since the epoch */
    char *text;                  /* owned; any bytes (escape when printing) */
    size_t len;
};
struct tp_starttls {
    char protocol[12];           /* "smtp", "imap", ...; "" when none */
    enum tp_starttls_status status;
    char detail[160];            /* what went wrong, for humans ("" when ok) */
    struct tp_plain_line *lines;
    size_t n_lines, cap_lines, n_lines_dropped;
};
const char *tp_starttls_status_name(enum tp_starttls_status st); /* "unavailable" */

/* connect --proxy (or HTTPS_PROXY): the HTTP CONNECT exchange that opens a
 * tunnel through a proxy, kept like the STARTTLS lines (the password never in
 * them: the Proxy-Authorization line is shown redacted). */
enum tp_proxy_status {
    TP_PROXY_NONE = 0,           /* no proxy on this session */
    TP_PROXY_OK,                 /* 2xx: the tunnel is open, TLS follows */
    TP_PROXY_BYPASSED,           /* a proxy was set, and NO_PROXY/--noproxy matched the host */
    TP_PROXY_UNREACHABLE,        /* the proxy's name did not resolve, or its port refused/timed out */
    TP_PROXY_AUTH_REQUIRED,      /* 407: credentials missing or wrong */
    TP_PROXY_REFUSED,            /* 403 or another 4xx: the proxy's policy refuses the target */
    TP_PROXY_UPSTREAM_FAILED,    /* 502, 503, 504 (and other 5xx): the proxy could not reach the target */
    TP_PROXY_BAD_REPLY,          /* not an HTTP reply, cut short, no answer before the deadline, closed */
};
struct tp_proxy {
    enum tp_proxy_status status;
    char url[TP_MAX_NAME_LEN + 160]; /* as shown: "http://user:***@host:port" (no password) */
    char source[16];             /* "--proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" */
    char address[64];            /* the proxy's address we connected to, "" when not reached */
    bool credentials;            /* a Proxy-Authorization (Basic) header was sent */
    int code;                    /* the proxy's HTTP status code; 0: none */
    char reason[64];             /* its reason phrase (any bytes: escape), "" when none */
    char detail[160];            /* what went wrong or which NO_PROXY entry matched, for humans */
    struct tp_plain_line *lines; /* the CONNECT request and the reply's head, in order */
    size_t n_lines, cap_lines, n_lines_dropped;
};
const char *tp_proxy_status_name(enum tp_proxy_status st); /* "auth-required" */

/* Secrets, by the NSS key log labels. */
enum tp_secret_label {
    TP_SECRET_CLIENT_RANDOM = 0,         /* TLS 1.2 master secret (48 bytes) */
    TP_SECRET_CLIENT_EARLY_TRAFFIC,
    TP_SECRET_CLIENT_HANDSHAKE_TRAFFIC,
    TP_SECRET_SERVER_HANDSHAKE_TRAFFIC,
    TP_SECRET_CLIENT_TRAFFIC_0,
    TP_SECRET_SERVER_TRAFFIC_0,
    TP_SECRET_EXPORTER,
    TP_SECRET__COUNT,
};
const char *tp_secret_label_name(enum tp_secret_label l); /* "CLIENT_HANDSHAKE_TRAFFIC_SECRET" */

/* An NSS key log (SSLKEYLOGFILE format): client_random -> secrets. */
struct tp_keylog;
/* Parse a key log file. Bad lines are counted, not fatal (n_bad). */
enum tp_err tp_keylog_load(const char *path, struct tp_keylog **out, char *err, size_t errlen) TP_MUST_USE;
enum tp_err tp_keylog_parse(const uint8_t *data, size_t len, struct tp_keylog **out) TP_MUST_USE;
struct tp_keylog *tp_keylog_new(void);
enum tp_err tp_keylog_add(struct tp_keylog *kl, enum tp_secret_label label, const uint8_t client_random[32],
                          const uint8_t *secret, size_t secret_len) TP_MUST_USE;
/* Look up one secret; returns its length (0: not present). */
size_t tp_keylog_get(const struct tp_keylog *kl, enum tp_secret_label label, const uint8_t client_random[32],
                     uint8_t *out, size_t cap);
/* TLS 1.3 record keys the TLS library derived from a traffic secret
 * (HKDF-Expand-Label(secret, "key"/"iv", "", len), RFC 8446 §7.3), kept next to the
 * secrets so the decoder of a live probe's own session need not derive them again.
 * A few per key log (TP_KEYLOG_TRAFFIC_KEYS); more are dropped, and a secret without
 * them is simply derived. Never written out (not part of the NSS format). */
enum tp_err tp_keylog_add_traffic_key(struct tp_keylog *kl, const uint8_t *secret, size_t secret_len, bool iv,
                                      const uint8_t *v, size_t len) TP_MUST_USE;
/* True when both the key (of key_len bytes) and the 12-byte IV for this secret are known. */
bool tp_keylog_traffic_keys(const struct tp_keylog *kl, const uint8_t *secret, size_t secret_len, size_t key_len,
                            uint8_t *key, uint8_t iv[12]);
/* The inner plaintext (content, type byte, padding) of a TLS 1.3 AES-GCM record
 * our own TLS library sealed, with its 5-byte header (its AAD), as the library
 * handed it to the cipher: the decoder of a live probe's own direction takes it
 * instead of running AES over the record again. TP_KEYLOG_OWN_RECORDS records
 * and TP_KEYLOG_OWN_BYTES at most (TP_ERR_LIMIT beyond); never written out. */
enum tp_err tp_keylog_add_own_record(struct tp_keylog *kl, const uint8_t hdr[5], const uint8_t *pt,
                                     size_t len) TP_MUST_USE;
/* Such a record with this header and length (>= 16) whose plaintext starts with
 * head (the record's first 16 bytes already opened with its key and nonce, which
 * ties the stored plaintext to this very record), else NULL. */
const uint8_t *tp_keylog_own_record(const struct tp_keylog *kl, const uint8_t hdr[5], size_t len,
                                    const uint8_t head[16]);
size_t tp_keylog_own_count(const struct tp_keylog *kl);
size_t tp_keylog_count(const struct tp_keylog *kl);
size_t tp_keylog_bad_lines(const struct tp_keylog *kl);
/* Append the lines of one session in NSS format to a FILE (for --keylog). */
bool tp_keylog_write_session(const struct tp_keylog *kl, const uint8_t client_random[32], FILE *f);
void tp_keylog_free(struct tp_keylog *kl);
/* An RSA private key (DER, PKCS#1 or PKCS#8) that decrypts the premaster of TLS
 * 1.0-1.2 sessions with RSA key exchange whose server certificate holds its
 * public key. TP_ERR_UNSUPPORTED: not an RSA private key; TP_ERR_LIMIT: more than
 * TP_KEYLOG_RSA_KEYS. Add keys before the log is shared with sessions. */
enum tp_err tp_keylog_add_rsa_key(struct tp_keylog *kl, const uint8_t *der, size_t len) TP_MUST_USE;
size_t tp_keylog_rsa_count(const struct tp_keylog *kl);
/* A pre-shared key (1..TP_PSK_MAX bytes) for TLS 1.0-1.2 sessions with plain PSK
 * key exchange (RFC 4279 §2) whose ClientKeyExchange names identity; an empty
 * identity serves any identity no other entry names. TP_ERR_LIMIT beyond
 * TP_KEYLOG_PSKS. */
enum tp_err tp_keylog_add_psk(struct tp_keylog *kl, const uint8_t *identity, size_t identity_len, const uint8_t *psk,
                              size_t psk_len) TP_MUST_USE;
size_t tp_keylog_psk_count(const struct tp_keylog *kl);

struct tp_decoder; /* private stream state (per-direction buffers, reassembly, ciphers) */

/* ---- the worker: one thread's working memory, passed explicitly ----
 * A thread that decodes sessions (the capture reader) or judges and renders them
 * (the capture finisher, a listen worker) owns one and lends it to the session it
 * is handling (tp_session_set_worker): the decoder's plaintext buffer and parsed-
 * message scratch, and the JA3/JA4 memo. Never used by two threads at once.
 * Everything gives the same answer without one: a session fed without a worker
 * allocates its own scratch on first need; the fingerprints are then computed. */
struct tp_worker;
struct tp_worker *tp_worker_new(void);
void tp_worker_free(struct tp_worker *w);
/* The worker's JA3/JA4 memo (tp_ja3_memo...); NULL for a NULL worker. */
struct tp_ja_memo *tp_worker_ja_memo(struct tp_worker *w);

/* ---- certificate summaries shared between sessions ----
 * Summarising a certificate checks a signature (~0.3 ms) and a capture or a
 * listen server sees the same few chains again and again: such a source makes
 * one cache (thread-safe, TP_MAX_CERT_CACHE summaries, reference-counted) and
 * lends it to each session (tp_session_set_cert_cache) before tp_session_finish;
 * it must outlive them. A session without one summarises privately. */
struct tp_cert_cache;
struct tp_cert_cache *tp_cert_cache_new(void);
void tp_cert_cache_free(struct tp_cert_cache *cc);

/* What the stream decoder could not decode, per direction (appended by the
 * session module; diagnose and render may report it). Only the first issue of
 * a direction is kept. */
enum tp_decode_issue {
    TP_DEC_NONE = 0,
    TP_DEC_NOT_TLS,          /* the first bytes were not TLS (outcome.peer_banner holds them) */
    TP_DEC_BAD_RECORD,       /* an invalid record header later in the stream: decoding stopped */
    TP_DEC_RECORD_TOO_LONG,  /* a record longer than TP_MAX_RECORD_LEN: decoding stopped */
    TP_DEC_HS_TOO_LARGE,     /* a handshake message claimed > TP_MAX_HANDSHAKE_MSG: reassembly stopped */
    TP_DEC_BAD_MESSAGE,      /* a handshake message / alert / CCS did not parse (decoding went on) */
    TP_DEC_TRUNCATED,        /* the input ended inside a record or handshake message */
    TP_DEC_GAP,              /* bytes were lost (tp_session_gap): resynchronised on a record header */
    TP_DEC_CIPHER_UNSUPPORTED, /* secrets found, but we cannot decrypt this suite (keys_missing is set too) */
    TP_DEC_DRAFT_PROTECTION, /* a TLS 1.3 draft before 25: its record protection differs (keys_missing too) */
};
struct tp_decode_facts {
    enum tp_decode_issue issue; /* first issue, TP_DEC_NONE when clean */
    uint64_t offset;         /* byte offset in this direction where it happened */
    uint32_t claimed_len;    /* RECORD_TOO_LONG / HS_TOO_LARGE: the length claimed */
    uint8_t hs_type;         /* HS_TOO_LARGE / BAD_MESSAGE: the handshake type */
    uint64_t bytes;          /* bytes fed in this direction */
    uint64_t records;        /* records seen in this direction */
};
const char *tp_decode_issue_name(enum tp_decode_issue i); /* "hs-too-large" */

/* Why a session's protected records were not decrypted (docs/capture.md). */
enum tp_undecrypted {
    TP_UNDEC_NONE = 0,          /* decrypted, or nothing protected */
    TP_UNDEC_NO_KEYS,           /* no key log and no --key at all */
    TP_UNDEC_NO_KEYLOG_ENTRY,   /* a key log, but no secret for this client random */
    TP_UNDEC_NEEDS_KEYLOG,      /* (EC)DHE or TLS 1.3 with only --key: a key log is needed */
    TP_UNDEC_RSA_NO_MATCH,      /* RSA key exchange: no --key matches the server certificate */
    TP_UNDEC_RSA_BAD_PREMASTER, /* RSA key exchange: the key did not give a valid premaster */
    TP_UNDEC_RSA_NOT_SEEN,      /* RSA key exchange: ClientKeyExchange or certificate not captured */
    TP_UNDEC_RESUMED,           /* TLS 1.2 resumption: the master secret is the original session's */
    TP_UNDEC_PSK,               /* PSK key exchange: not supported */
    TP_UNDEC_NO_CLIENT_RANDOM,  /* no ClientHello captured: secrets cannot be looked up */
    TP_UNDEC_DRAFT,             /* TLS 1.3 draft before 25 */
    TP_UNDEC_CIPHER,            /* keys found, but this suite cannot be decrypted */
    TP_UNDEC_AUTH_FAILED,       /* keys found, but a record did not authenticate with them */
    TP_UNDEC_GAP,               /* bytes were lost: the sequence numbers are unknown */
    TP_UNDEC_PSK_NO_MATCH,      /* plain PSK: no --psk for the identity the client named */
};
const char *tp_undecrypted_name(enum tp_undecrypted u); /* "no-keylog-entry", NULL for NONE */
const char *tp_undecrypted_text(enum tp_undecrypted u); /* a sentence, NULL for NONE */

struct tp_session {
    enum tp_source source;
    char client[64];         /* "ADDR:PORT" ("[v6]:port" for IPv6) */
    char server[64];
    char *server_name;       /* SNI from the ClientHello (owned, may hold any bytes: escape) or NULL */
    size_t server_name_len;
    char *host;              /* what the user asked for (connect) or NULL */
    char *server_name_unicode; /* connect --servername as typed when it was an internationalised
                                * name (the SNI sent is its A-label), else NULL; owned */

    int64_t start_us;        /* wall clock of the session start, µs since the epoch */
    int64_t t_dns_us, t_connect_us; /* connect: offsets; -1 when not applicable */
    int64_t rtt_us;          /* capture: SYN -> SYN/ACK, -1 unknown */

    /* summary (filled by the decoder) */
    uint16_t version;        /* negotiated; 0 unknown */
    uint16_t offered_max_version; /* from the ClientHello */
    uint16_t cipher;         /* 0 unknown */
    bool has_cipher;
    char alpn[64];           /* selected ALPN, "" when none */
    bool handshake_complete; /* both Finished seen (or inferred: see decoder) */
    bool resumed;            /* PSK / session-id / ticket resumption */
    bool hrr;
    bool client_auth_requested;
    uint8_t client_random[32];
    bool has_client_random;

    struct tp_msg *msgs;
    size_t n_msgs, cap_msgs, n_msgs_dropped;

    struct tp_chain server_chain, client_chain;

    /* decryption */
    bool keys_missing;       /* protected records seen and no secrets for them */
    bool decrypt_failed;     /* secrets present but a record failed to authenticate */
    uint64_t appdata_records[2], appdata_bytes[2]; /* per direction (never printed) */
    uint64_t alerts_total;   /* alerts seen incl. those beyond the message cap */

    /* facts from the source */
    struct tp_outcome outcome;
    struct tp_starttls starttls;  /* the plain-text upgrade before TLS, if any */
    uint8_t sig_memo[2];     /* per direction: tp_session_check_signature's result + 1, 0: not yet
                              * (tp_session_precheck_signatures) */
    /* capture: the comments (pcapng opt_comment) of the session's packets, in
     * packet order: dir is the packet's direction, t_us its time */
    struct tp_plain_line *comments;
    size_t n_comments, cap_comments, n_comments_dropped;
    struct tp_verify_result *server_verify; /* owned; NULL when not run */
    struct tp_verify_result *client_verify; /* owned; NULL when not run */
    int64_t capture_time;    /* capture: time of the first packet (s since epoch) for date checks */
    int64_t judge_time;      /* --at: when dates are judged and shown (s since epoch); 0: now,
                              * or capture_time for a capture */
    /* capture facts */
    uint32_t retransmissions[2];
    uint64_t gap_bytes[2];   /* "capture lost N bytes here" */

    struct tp_finding *findings;
    size_t n_findings, cap_findings;

    struct tp_decoder *dec;  /* private; NULL after tp_session_finish */
    struct tp_worker *worker; /* borrowed: the working memory of the thread handling
                               * the session now (tp_session_set_worker), or NULL */
    struct tp_cert_cache *cert_cache; /* borrowed (tp_session_set_cert_cache), or NULL */

    /* decoder facts (appended by the session module) */
    struct tp_decode_facts decode[2];   /* per direction */
    bool early_data_offered;            /* ClientHello carried early_data (0-RTT) */
    struct tp_msg_arena *msg_arena;     /* private: storage of the decoder's msgs[].raw */
    struct tp_proxy proxy;              /* connect through an HTTP proxy, if any */
    /* appended (revocation): the stapled OCSP response, judged by
     * tp_session_judge_staple (tlsprobe/judge.h runs it); owned, NULL before */
    struct tp_staple *staple;
    /* appended (revocation): a CRL judged for the leaf (check --crl); owned, NULL when none */
    struct tp_crl_check *crl_check;
    /* appended (streams): capture: the start of this direction was not captured
     * (no SYN; tp_session_midstream), per direction */
    bool started_mid_connection[2];
    /* appended (decrypt): why protected records were not decrypted, TP_UNDEC_NONE
     * when they were (or there were none) */
    enum tp_undecrypted undecrypted;
    /* appended (dtls): fed datagrams (tp_session_feed_datagram): DTLS over UDP */
    bool udp;
};

/* New empty session. start_us: wall clock of the start (µs since the epoch). */
struct tp_session *tp_session_new(enum tp_source src, int64_t start_us);
void tp_session_free(struct tp_session *s);

/* Secrets for this session (used once the ClientHello's random is known). The
 * keylog is borrowed and must outlive the session's feeding. */
void tp_session_set_keylog(struct tp_session *s, const struct tp_keylog *kl);
/* The session's master secret came from a server key (tp_keylog_add_rsa_key):
 * its records are readable although the key log has no line for it. */
bool tp_session_has_server_key_secret(const struct tp_session *s);
/* Lend the session the working memory of the thread handling it from now on
 * (NULL: none). A session handed to another thread gets that thread's worker. */
void tp_session_set_worker(struct tp_session *s, struct tp_worker *w);
/* Lend the session the source's certificate cache (NULL: none); before
 * tp_session_finish, and the cache must outlive the session. */
void tp_session_set_cert_cache(struct tp_session *s, struct tp_cert_cache *cc);
/* The records of dir were written by this process's own TLS library and recorded
 * in-process (connect: TP_C2S, listen: TP_S2C). Their AES-GCM records are then
 * opened with GCM's counter stream alone: recomputing their tags would only
 * re-check our own library's arithmetic. The peer's records are always
 * authenticated, and a capture never calls this. */
void tp_session_own_direction(struct tp_session *s, enum tp_dir dir);

/* Feed raw bytes of one direction, in order, with the time they were seen (µs
 * since the epoch). Never fails on bad peer data: what cannot be decoded becomes
 * a fact in the session (outcome, not-tls, truncated). Returns TP_ERR_NOMEM only. */
enum tp_err tp_session_feed(struct tp_session *s, enum tp_dir dir, const uint8_t *p, size_t len, int64_t t_us) TP_MUST_USE;
/* DTLS (RFC 6347): one UDP datagram of direction dir, whole. The same decoder in
 * its datagram framing; a session is fed either streams or datagrams. */
enum tp_err tp_session_feed_datagram(struct tp_session *s, enum tp_dir dir, const uint8_t *p, size_t len,
                                     int64_t t_us) TP_MUST_USE;
/* Bytes the session holds now (itself, its decoder's state and buffers, its
 * messages): what a capture charges against its flows' memory budget. */
size_t tp_session_footprint(const struct tp_session *s);
/* A gap in one direction (capture lost bytes): the decoder resynchronises. */
void tp_session_gap(struct tp_session *s, enum tp_dir dir, uint64_t lost_bytes, int64_t t_us);
/* The capture joined this direction mid-connection (no SYN): skipped_bytes came
 * before the first record header found; the decoder resynchronises. Not a gap. */
void tp_session_midstream(struct tp_session *s, enum tp_dir dir, uint64_t skipped_bytes, int64_t t_us);
/* End of input: flush, summarise chains (tp_cert_parse of each DER), free the
 * decoder. Idempotent. */
void tp_session_finish(struct tp_session *s);
/* Its first half: flush and free the decoder (no chain summaries yet). For
 * sources that finish sessions on another thread: the decoder's memory goes back
 * on the thread that allocated it. tp_session_finish does the rest. */
void tp_session_end_decoding(struct tp_session *s);
/* Free the findings (tp_session_free does it too): for a thread that added them
 * and hands the session back to another thread to be freed. */
void tp_session_free_findings(struct tp_session *s);

/* Append a message / finding (used by the decoder and by sources). */
struct tp_msg *tp_session_add_msg(struct tp_session *s, enum tp_dir dir, enum tp_msg_kind kind, int64_t t_us);
/* Append a line of a STARTTLS exchange (copied; at most TP_MAX_PLAIN_LINES are
 * kept, the rest counted). TP_ERR_NOMEM only. */
enum tp_err tp_session_add_plain(struct tp_session *s, enum tp_dir dir, const char *text, size_t len,
                                 int64_t t_us) TP_MUST_USE;
/* One line into a plain-text log (STARTTLS's, the proxy's, comments): copied, cut
 * at TP_MAX_PLAIN_LINE bytes; beyond TP_MAX_PLAIN_LINES lines only counted in
 * *dropped. TP_ERR_NOMEM only. */
enum tp_err tp_plain_lines_add(struct tp_plain_line **lines, size_t *n_lines, size_t *cap_lines, size_t *dropped,
                               enum tp_dir dir, const char *text, size_t len, int64_t t_us) TP_MUST_USE;
/* A comment on one of the session's packets (capture: pcapng opt_comment), kept
 * as the STARTTLS lines are (at most TP_MAX_PLAIN_LINES, each cut at
 * TP_MAX_PLAIN_LINE bytes). TP_ERR_NOMEM only. */
enum tp_err tp_session_add_comment(struct tp_session *s, enum tp_dir dir, const char *text, size_t len,
                                   int64_t t_us) TP_MUST_USE;
/* The same for a line of the proxy's CONNECT exchange (s->proxy). */
enum tp_err tp_session_add_proxy_line(struct tp_session *s, enum tp_dir dir, const char *text, size_t len,
                                      int64_t t_us) TP_MUST_USE;
struct tp_finding *tp_session_add_finding(struct tp_session *s, const char *id, enum tp_severity sev);
/* Worst severity among findings (-1 when none). */
int tp_session_worst(const struct tp_session *s);
/* Index of the last message before index i sent by `dir` (or -1). */
int tp_session_prev_msg(const struct tp_session *s, size_t i, enum tp_dir dir);

/* The first alert in the session, optionally only from one direction. */
const struct tp_msg *tp_session_first_alert(const struct tp_session *s, int dir /* -1 any */);

/* Wire evidence for key-mismatch: does the handshake signature sent in
 * direction dir (TLS 1.3 CertificateVerify; TLS 1.2 ServerKeyExchange from the
 * server, CertificateVerify from the client) verify with the leaf certificate
 * that side sent? NOT_CHECKED when it cannot be rebuilt (a message not
 * decrypted, no signature, an unsupported or SHA-1 scheme, an unreadable key).
 * src/session/sigcheck.c */
enum tp_sig_check { TP_SIG_NOT_CHECKED = 0, TP_SIG_OK, TP_SIG_BAD };
enum tp_sig_check tp_session_check_signature(const struct tp_session *s, enum tp_dir dir);
/* The same for both directions now, kept in the session (s->sig_memo) for the
 * judge: `pcap` lets its reading thread take this work when the judging thread
 * is behind. Only once the session has ended decoding. */
void tp_session_precheck_signatures(struct tp_session *s);

/* ---- flow identity (community_id.c) ---- */
/* An endpoint as the sources write s->client / s->server: "ADDR:PORT" for IPv4,
 * "[ADDR]:PORT" for IPv6. family 0 when the text is not an IP literal with a port
 * (connect before the name resolved: "example.com:443"; "" when unknown). */
struct tp_endpoint {
    int family;              /* 4, 6, or 0: unknown */
    uint8_t addr[16];        /* network order; 4 bytes used for IPv4 */
    uint16_t port;
    char ip[46];             /* the address without brackets or port, "" when unknown */
};
bool tp_endpoint_parse(const char *text, struct tp_endpoint *ep);
/* Community ID v1 (https://github.com/corelight/community-id-spec): "1:" and the
 * base64 of SHA-1(seed . saddr . daddr . proto . 0 . sport . dport), all in
 * network order, the endpoints ordered so the smaller address (then port) comes
 * first, so both directions of a flow give the same id. alen: 4 or 16. Writes
 * "" and returns false on a bad alen or a wolfCrypt failure. */
#define TP_COMMUNITY_ID_LEN 32 /* "1:" + 28 base64 characters + NUL, rounded up */
#define TP_PROTO_TCP 6
#define TP_PROTO_UDP 17
bool tp_community_id(uint16_t seed, uint8_t proto, const uint8_t *saddr, const uint8_t *daddr, size_t alen,
                     uint16_t sport, uint16_t dport, char out[TP_COMMUNITY_ID_LEN]);
/* The SHA-1 under it (what the id is the base64 of): --shard hashes with it. */
#define TP_COMMUNITY_ID_SHA1 20
bool tp_community_id_sha1(uint16_t seed, uint8_t proto, const uint8_t *saddr, const uint8_t *daddr, size_t alen,
                          uint16_t sport, uint16_t dport, uint8_t h[TP_COMMUNITY_ID_SHA1]);
/* The Community ID of a session's TCP connection (client to server): false (and
 * "") when either address is unknown or they are of different families. */
bool tp_session_community_id(const struct tp_session *s, uint16_t seed, char out[TP_COMMUNITY_ID_LEN]);

/* ---- OCSP stapling (staple.c) ---- */
/* The server's stapled OCSP response (RFC 6066 §8, RFC 8446 §4.4.2.1) as the
 * transcript holds it (a TLS 1.2 CertificateStatus, or the status_request
 * extension of a TLS 1.3 leaf CertificateEntry), decoded and verified. */
struct tp_staple {
    bool requested;              /* our/the client's ClientHello carried status_request */
    bool acked;                  /* TLS 1.2 ServerHello carried status_request */
    bool present;                /* a staple came (or was carried: carried) */
    bool carried;                /* connect: taken from a first handshake (TLS 1.2, where this wolfSSL
                                  * refuses the handshake over a staple it cannot check) */
    uint8_t *der;                /* owned copy of the OCSPResponse */
    size_t der_len;
    enum tp_err parse_err;       /* TP_OK when decoded */
    struct tp_ocsp_response *resp; /* owned; NULL when not decoded */
    int single;                  /* index of the SingleResponse about the leaf, -1 none */
    bool issuer_known;           /* the leaf's issuer was found (chain or path) */
    struct tp_ocsp_sig_result sig;
    bool must_staple;            /* the leaf has the TLS Feature status_request (RFC 7633) */
    bool from_file;              /* check --ocsp-response: read from a file, not stapled */
    /* --check-revocation (tp_session_check_revocation) */
    bool fetched;                /* the response came from the responder in the leaf's AIA */
    char fetch_url[256];         /* the responder asked ("" when none was) */
    char fetch_method[8];        /* "POST" or "GET" */
    char fetch_error[320];       /* why no usable answer came ("" when one did) */
};
/* The staple's bytes in the transcript; false when none came. */
bool tp_session_find_staple(const struct tp_session *s, struct tp_bytes *out);
/* A staple taken from another handshake of the same probe (copied); the judge
 * uses it when the transcript has none. len 0: that handshake asked for one and
 * none came (the session then counts as having asked). */
enum tp_err tp_session_carry_staple(struct tp_session *s, const uint8_t *der, size_t len) TP_MUST_USE;
/* Decode and verify the staple into s->staple (kept when already judged but
 * for a carried one): the leaf is server_chain's first certificate, its issuer
 * the next on the verified path (else the next sent certificate that issued
 * it); dates for a delegated responder are judged at `at` (0: now). */
void tp_session_judge_staple(struct tp_session *s, int64_t at);
void tp_staple_free(struct tp_staple *st);

/* A CRL judged for the leaf (docs/revocation.md): does it speak for the leaf's
 * issuer, is it signed by that issuer, is the leaf's serial on it. */
struct tp_crl_check {
    char source[512];            /* the file or URL it came from */
    enum tp_err parse_err;       /* TP_OK when decoded */
    struct tp_crl *crl;          /* owned; NULL when not decoded */
    bool covers;                 /* its issuer Name is the leaf's issuer */
    int sig;                     /* 1 verifies, 0 does not, -1 unsupported algorithm, -2 issuer unknown */
    bool listed;                 /* the leaf's serial is on it */
    struct tp_crl_entry entry;   /* then its entry */
    char error[200];             /* --check-revocation: why the CRL could not be fetched ("" when it was) */
};
/* Decode der as a CRL and judge it for s's leaf into s->crl_check (replacing
 * one judged before). TP_ERR_NOMEM only; a CRL that does not decode is judged
 * as such (parse_err). */
enum tp_err tp_session_judge_crl(struct tp_session *s, const uint8_t *der, size_t len, const char *source) TP_MUST_USE;
void tp_crl_check_free(struct tp_crl_check *cc);
/* --check-revocation: when no staple gave the leaf's status, ask the OCSP
 * responder in the leaf's AIA (POST, then GET), then, without a usable answer,
 * fetch the CRL from its distribution point; each within timeout_ms. The
 * answers are judged into s->staple (fetched) and s->crl_check; what failed
 * is in their fetch_error / error. Call after tp_session_judge_staple. */
void tp_session_check_revocation(struct tp_session *s, int timeout_ms, int64_t at);

#endif
