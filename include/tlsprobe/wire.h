/* Wire parsers for TLS 1.0-1.3 records and handshake messages.
 *
 * Parse first, render later: every parser fills a struct of borrowed views into
 * its input (the input must outlive the struct), never prints, never allocates
 * (except tp_hs_reasm, which owns a capped buffer). All byte access goes through
 * tlsprobe/reader.h. Lists are kept up to the caps in limits.h; `n_total` counts
 * what was on the wire so a renderer can say "and N more".
 *
 * Return values: TP_OK; TP_ERR_TRUNCATED (input ends early); TP_ERR_MALFORMED
 * (lengths inconsistent, trailing bytes, illegal values); TP_ERR_LIMIT (a length
 * beyond limits.h).
 *
 * Must not: allocate (but the capped reassembly buffer), print, read files or
 * sockets, or judge what it parsed (diagnose does).
 */
#ifndef TLSPROBE_WIRE_H
#define TLSPROBE_WIRE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/bytes.h"
#include "tlsprobe/error.h"
#include "tlsprobe/limits.h"

/* ---- constants (RFC 8446 §B, RFC 5246 §A) ---- */
enum tp_content_type {
    TP_CT_CHANGE_CIPHER_SPEC = 20,
    TP_CT_ALERT = 21,
    TP_CT_HANDSHAKE = 22,
    TP_CT_APPLICATION_DATA = 23,
    TP_CT_HEARTBEAT = 24,
};

enum tp_hs_type {
    TP_HS_HELLO_REQUEST = 0,
    TP_HS_CLIENT_HELLO = 1,
    TP_HS_SERVER_HELLO = 2,
    TP_HS_HELLO_VERIFY_REQUEST = 3,
    TP_HS_NEW_SESSION_TICKET = 4,
    TP_HS_END_OF_EARLY_DATA = 5,
    TP_HS_ENCRYPTED_EXTENSIONS = 8,
    TP_HS_CERTIFICATE = 11,
    TP_HS_SERVER_KEY_EXCHANGE = 12,
    TP_HS_CERTIFICATE_REQUEST = 13,
    TP_HS_SERVER_HELLO_DONE = 14,
    TP_HS_CERTIFICATE_VERIFY = 15,
    TP_HS_CLIENT_KEY_EXCHANGE = 16,
    TP_HS_FINISHED = 20,
    TP_HS_CERTIFICATE_URL = 21,
    TP_HS_CERTIFICATE_STATUS = 22,
    TP_HS_KEY_UPDATE = 24,
    TP_HS_COMPRESSED_CERTIFICATE = 25,
    TP_HS_MESSAGE_HASH = 254,
};

enum tp_version {
    TP_SSL3_0 = 0x0300,
    TP_TLS1_0 = 0x0301,
    TP_TLS1_1 = 0x0302,
    TP_TLS1_2 = 0x0303,
    TP_TLS1_3 = 0x0304,
};

enum tp_ext_type {
    TP_EXT_SERVER_NAME = 0,
    TP_EXT_STATUS_REQUEST = 5,
    TP_EXT_SUPPORTED_GROUPS = 10,
    TP_EXT_EC_POINT_FORMATS = 11,
    TP_EXT_SIGNATURE_ALGORITHMS = 13,
    TP_EXT_ALPN = 16,
    TP_EXT_SCT = 18,
    TP_EXT_PADDING = 21,
    TP_EXT_ENCRYPT_THEN_MAC = 22,
    TP_EXT_EXTENDED_MASTER_SECRET = 23,
    TP_EXT_COMPRESS_CERTIFICATE = 27,
    TP_EXT_RECORD_SIZE_LIMIT = 28,
    TP_EXT_SESSION_TICKET = 35,
    TP_EXT_PRE_SHARED_KEY = 41,
    TP_EXT_EARLY_DATA = 42,
    TP_EXT_SUPPORTED_VERSIONS = 43,
    TP_EXT_COOKIE = 44,
    TP_EXT_PSK_KEY_EXCHANGE_MODES = 45,
    TP_EXT_CERTIFICATE_AUTHORITIES = 47,
    TP_EXT_POST_HANDSHAKE_AUTH = 49,
    TP_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
    TP_EXT_KEY_SHARE = 51,
    TP_EXT_RENEGOTIATION_INFO = 0xff01,
};

/* ---- records (RFC 8446 §5.1) ---- */
struct tp_record {
    uint8_t type;          /* enum tp_content_type */
    uint16_t version;      /* legacy_record_version */
    struct tp_bytes body;  /* fragment (ciphertext when protected) */
};

/* Parse one record at the start of p. On TP_OK sets *rec and *used (5 + length).
 * TP_ERR_TRUNCATED: incomplete; *used is then the total length needed once the
 * 5-byte header is present (else 5). TP_ERR_MALFORMED: not a TLS record header
 * (content type not 20-24, or version major byte not 3). TP_ERR_LIMIT: length >
 * TP_MAX_RECORD_LEN. */
enum tp_err tp_record_parse(const uint8_t *p, size_t len, struct tp_record *rec, size_t *used) TP_MUST_USE;

/* Does p start with something that looks like a TLS record header (type 20-24,
 * version 0x0300-0x0304, length <= TP_MAX_RECORD_LEN)? Used to detect TLS on any
 * port and to resynchronise on a stream captured mid-flow. */
bool tp_record_header_plausible(const uint8_t *p, size_t len);

/* SSLv2-compatible ClientHello (RFC 5246 §E.2): 2-byte header with high bit set,
 * msg_type 1. True when p starts with one. */
bool tp_sslv2_hello_detect(const uint8_t *p, size_t len);

/* ---- handshake framing ---- */
struct tp_hs_header {
    uint8_t type;
    uint32_t length;       /* as declared (24-bit) */
    struct tp_bytes body;  /* exactly length bytes */
};
enum tp_err tp_hs_header_parse(struct tp_bytes msg, struct tp_hs_header *h) TP_MUST_USE;

/* Handshake message reassembly across records (RFC 8446 §5.1: messages may be
 * split across and coalesced within records). Owns a buffer capped at
 * TP_MAX_HANDSHAKE_MSG + one record. */
struct tp_hs_reasm {
    uint8_t *buf;
    size_t len, cap, off;
};
void tp_hs_reasm_init(struct tp_hs_reasm *ra);
void tp_hs_reasm_free(struct tp_hs_reasm *ra);
void tp_hs_reasm_reset(struct tp_hs_reasm *ra);
/* Append a handshake record's plaintext body. TP_ERR_LIMIT when the buffered
 * message would exceed the cap, TP_ERR_NOMEM. */
enum tp_err tp_hs_reasm_push(struct tp_hs_reasm *ra, struct tp_bytes fragment) TP_MUST_USE;
/* Next complete message (4-byte header + body), a view valid until the next push.
 * TP_ERR_TRUNCATED: none complete yet. TP_ERR_LIMIT: the pending message declares
 * a length > TP_MAX_HANDSHAKE_MSG (the caller should stop reassembling). */
enum tp_err tp_hs_reasm_next(struct tp_hs_reasm *ra, struct tp_bytes *msg) TP_MUST_USE;
/* Bytes buffered but not yet a complete message. */
size_t tp_hs_reasm_pending(const struct tp_hs_reasm *ra);

/* ---- extensions ---- */
struct tp_ext {
    uint16_t type;
    struct tp_bytes data;
};
struct tp_ext_list {
    struct tp_ext items[TP_MAX_EXTENSIONS];
    size_t n, n_total;
};
struct tp_u16_list {
    uint16_t v[TP_MAX_LIST_ITEMS];
    size_t n, n_total;
};
struct tp_bytes_list {
    struct tp_bytes v[TP_MAX_LIST_ITEMS];
    size_t n, n_total;
};
struct tp_key_share {
    uint16_t group;
    struct tp_bytes key_exchange;
};

/* Which message an extension block came from: the same type code means different
 * things in different messages (e.g. key_share: list in CH, one entry in SH, one
 * group in HRR; supported_versions: list in CH, one version in SH). */
enum tp_ext_ctx {
    TP_EXTCTX_CLIENT_HELLO,
    TP_EXTCTX_SERVER_HELLO,
    TP_EXTCTX_HELLO_RETRY_REQUEST,
    TP_EXTCTX_ENCRYPTED_EXTENSIONS,
    TP_EXTCTX_CERTIFICATE_REQUEST,  /* TLS 1.3 */
    TP_EXTCTX_CERTIFICATE_ENTRY,    /* TLS 1.3 */
    TP_EXTCTX_NEW_SESSION_TICKET,
};

/* Decoded extensions of one message. Unknown types appear only in `all`. */
struct tp_exts {
    struct tp_ext_list all;               /* wire order, GREASE included */
    bool has_sni;
    struct tp_bytes sni;                  /* first host_name (CH); SH/EE: empty ack */
    struct tp_u16_list groups;            /* supported_groups */
    struct tp_bytes ec_point_formats;
    struct tp_u16_list sig_algs;          /* signature_algorithms */
    struct tp_u16_list sig_algs_cert;     /* signature_algorithms_cert */
    struct tp_bytes_list alpn;            /* CH: offered; SH/EE: the selected one */
    struct tp_u16_list versions;          /* CH: offered; SH/HRR: selected (n = 1) */
    struct tp_key_share key_shares[TP_MAX_LIST_ITEMS]; /* CH: offered; SH: 1 */
    size_t n_key_shares, n_key_shares_total;
    bool has_hrr_group;
    uint16_t hrr_group;                   /* HRR key_share: selected_group */
    struct tp_bytes psk_modes;            /* psk_key_exchange_modes */
    bool has_psk;
    size_t n_psk_identities;              /* CH pre_shared_key */
    uint16_t psk_selected;                /* SH pre_shared_key */
    bool early_data;
    uint32_t max_early_data;              /* NST early_data */
    bool status_request, sct, extended_master_secret, encrypt_then_mac;
    bool renegotiation_info, session_ticket, post_handshake_auth;
    struct tp_bytes session_ticket_data;
    bool has_record_size_limit;
    uint16_t record_size_limit;
    bool has_padding;
    size_t padding_len;
    struct tp_bytes cookie;
    struct tp_u16_list compress_cert_algs;
    struct tp_bytes_list ca_names;        /* certificate_authorities: DER DNs */
    struct tp_bytes sct_list;             /* SH / EE / certificate entry: the SignedCertificateTimestampList
                                           * (RFC 6962 §3.3; decoded by tlsprobe/sct.h) */
    /* appended (revocation): TLS 1.3 CertificateEntry status_request with
     * status_type ocsp(1): the OCSPResponse DER (RFC 8446 §4.4.2.1) */
    struct tp_bytes ocsp_response;
};

/* Parse an extensions block (the bytes inside the 16-bit length). Duplicated
 * types are MALFORMED (RFC 8446 §4.2). */
enum tp_err tp_exts_parse(struct tp_bytes block, enum tp_ext_ctx ctx, struct tp_exts *out) TP_MUST_USE;

/* ---- handshake messages (body = after the 4-byte header) ---- */
struct tp_client_hello {
    uint16_t legacy_version;
    struct tp_bytes random;          /* 32 bytes */
    struct tp_bytes session_id;
    uint16_t suites[TP_MAX_CIPHER_SUITES];
    size_t n_suites, n_suites_total;
    struct tp_bytes compression_methods;
    bool has_extensions;
    struct tp_exts ext;
    bool sslv2;                      /* came as an SSLv2-compatible hello */
    bool dtls;                       /* legacy_version 0xfeXX: a DTLS ClientHello, with a cookie */
    struct tp_bytes cookie;          /* DTLS only (RFC 6347 §4.2.1), after session_id */
};
enum tp_err tp_client_hello_parse(struct tp_bytes body, struct tp_client_hello *ch) TP_MUST_USE;
/* An SSLv2-compatible ClientHello record (whole record incl. 2-byte header). */
enum tp_err tp_sslv2_hello_parse(struct tp_bytes record, struct tp_client_hello *ch) TP_MUST_USE;
/* Highest version the client offers (supported_versions, else legacy_version),
 * GREASE skipped. */
uint16_t tp_client_hello_max_version(const struct tp_client_hello *ch);

struct tp_server_hello {
    uint16_t legacy_version;
    struct tp_bytes random;
    bool is_hrr;                     /* random == HelloRetryRequest magic (RFC 8446 §4.1.3) */
    bool downgrade_tls12, downgrade_tls11; /* RFC 8446 §4.1.3 sentinels */
    struct tp_bytes session_id;
    uint16_t suite;
    uint8_t compression_method;
    bool has_extensions;
    struct tp_exts ext;
    uint16_t version;                /* negotiated: supported_versions if present, else legacy */
};
enum tp_err tp_server_hello_parse(struct tp_bytes body, struct tp_server_hello *sh) TP_MUST_USE;

struct tp_encrypted_extensions {
    struct tp_exts ext;
};
enum tp_err tp_encrypted_extensions_parse(struct tp_bytes body, struct tp_encrypted_extensions *ee) TP_MUST_USE;

struct tp_cert_entry {
    struct tp_bytes der;
    struct tp_bytes extensions;      /* TLS 1.3 per-entry extensions block (raw) */
    bool has_ocsp, has_sct;          /* TLS 1.3 entry extensions present */
};
struct tp_certificate {
    bool tls13;
    struct tp_bytes context;         /* TLS 1.3 certificate_request_context */
    struct tp_cert_entry certs[TP_MAX_CHAIN_CERTS];
    size_t n, n_total;               /* n_total: entries on the wire (may exceed cap) */
};
enum tp_err tp_certificate_parse(struct tp_bytes body, bool tls13, struct tp_certificate *c) TP_MUST_USE;

struct tp_certificate_request {
    bool tls13;
    struct tp_bytes context;         /* 1.3 */
    struct tp_bytes cert_types;      /* 1.0-1.2 ClientCertificateType list */
    struct tp_u16_list sig_algs;     /* 1.2 list, or 1.3 signature_algorithms ext */
    struct tp_bytes_list ca_names;   /* 1.2 certificate_authorities list, or 1.3 ext */
    struct tp_exts ext;              /* 1.3 */
};
enum tp_err tp_certificate_request_parse(struct tp_bytes body, bool tls13, struct tp_certificate_request *cr) TP_MUST_USE;

enum tp_kx {
    TP_KX_UNKNOWN = 0,
    TP_KX_RSA,       /* static RSA: no ServerKeyExchange */
    TP_KX_DHE,
    TP_KX_ECDHE,
    TP_KX_PSK,
    TP_KX_DHE_PSK,
    TP_KX_ECDHE_PSK,
    TP_KX_RSA_PSK,
    TP_KX_TLS13,     /* key_share */
};

struct tp_server_key_exchange {
    enum tp_kx kx;
    uint16_t group;                  /* ECDHE named_group */
    size_t dh_p_bits;                /* DHE: bit length of p */
    struct tp_bytes dh_p, dh_g;
    struct tp_bytes public_key;
    struct tp_bytes psk_hint;
    bool has_sig_scheme;             /* TLS 1.2 has a SignatureAndHashAlgorithm */
    uint16_t sig_scheme;
    struct tp_bytes signature;
};
/* version = negotiated version (1.0/1.1 have no scheme field), suite = chosen suite. */
enum tp_err tp_server_key_exchange_parse(struct tp_bytes body, uint16_t version, uint16_t suite,
                                         struct tp_server_key_exchange *ske) TP_MUST_USE;

struct tp_client_key_exchange {
    enum tp_kx kx;
    struct tp_bytes exchange;        /* encrypted premaster / public value (inner) */
};
enum tp_err tp_client_key_exchange_parse(struct tp_bytes body, uint16_t version, uint16_t suite,
                                         struct tp_client_key_exchange *cke) TP_MUST_USE;

struct tp_certificate_verify {
    bool has_scheme;                 /* false for TLS 1.0/1.1 */
    uint16_t scheme;
    struct tp_bytes signature;
};
enum tp_err tp_certificate_verify_parse(struct tp_bytes body, uint16_t version,
                                        struct tp_certificate_verify *cv) TP_MUST_USE;

struct tp_finished {
    struct tp_bytes verify_data;
};
enum tp_err tp_finished_parse(struct tp_bytes body, struct tp_finished *f) TP_MUST_USE;

struct tp_new_session_ticket {
    bool tls13;
    uint32_t lifetime;
    uint32_t age_add;                /* 1.3 */
    struct tp_bytes nonce;           /* 1.3 */
    struct tp_bytes ticket;
    struct tp_exts ext;              /* 1.3 */
};
enum tp_err tp_new_session_ticket_parse(struct tp_bytes body, bool tls13, struct tp_new_session_ticket *t) TP_MUST_USE;

struct tp_key_update {
    uint8_t request_update;          /* 0 not requested, 1 requested */
};
enum tp_err tp_key_update_parse(struct tp_bytes body, struct tp_key_update *ku) TP_MUST_USE;

struct tp_certificate_status {
    uint8_t status_type;             /* 1 = ocsp, 2 = ocsp_multi (RFC 6961) */
    struct tp_bytes response;        /* ocsp_multi: the first of the list, the leaf's (may be empty) */
};
enum tp_err tp_certificate_status_parse(struct tp_bytes body, struct tp_certificate_status *cs) TP_MUST_USE;

struct tp_alert {
    uint8_t level;                   /* 1 warning, 2 fatal */
    uint8_t description;
};
enum tp_err tp_alert_parse(struct tp_bytes body, struct tp_alert *a) TP_MUST_USE;

/* ChangeCipherSpec: exactly one byte, value 1. */
enum tp_err tp_ccs_parse(struct tp_bytes body) TP_MUST_USE;

/* ---- fingerprints ---- */
/* JA3 (Salesforce): "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats"
 * with GREASE removed, and its MD5 in lowercase hex. str must hold `cap` bytes;
 * a string that does not fit is cut and the function returns false. */
bool tp_ja3(const struct tp_client_hello *ch, char *str, size_t cap, char md5_hex[33]);
/* JA4 (FoxIO, the BSD-licensed `JA4` part only), e.g. "t13d1516h2_8daaf6152771_b186095e22b6".
 * quic selects 'q' instead of 't'. out must hold 37 bytes or more. */
void tp_ja4(const struct tp_client_hello *ch, bool quic, char out[40]);
/* JA3S of a ServerHello: "SSLVersion,Cipher,Extensions" and MD5. */
bool tp_ja3s(const struct tp_server_hello *sh, char *str, size_t cap, char md5_hex[33]);
/* The same with a memo of recent results (the caller's, e.g. its struct tp_worker's;
 * not shared between threads): byte-identical answers, computed once per distinct
 * input. The functions above are these with no memo (pure). */
struct tp_ja_memo;
struct tp_ja_memo *tp_ja_memo_new(void);
void tp_ja_memo_free(struct tp_ja_memo *jm);
bool tp_ja3_memo(struct tp_ja_memo *jm, const struct tp_client_hello *ch, char *str, size_t cap, char md5_hex[33]);
void tp_ja4_memo(struct tp_ja_memo *jm, const struct tp_client_hello *ch, bool quic, char out[40]);
bool tp_ja3s_memo(struct tp_ja_memo *jm, const struct tp_server_hello *sh, char *str, size_t cap, char md5_hex[33]);

/* JA4S (FoxIO's JA4+, FoxIO License 1.1, patent pending: docs/fingerprints.md) of a
 * ServerHello, e.g. "t130200_1301_234ea6891581": t/q, version, extension count, the
 * selected ALPN's first and last characters, the suite, and the SHA-256 (12 hex) of
 * the extension types in wire order. raw (optional, rawcap bytes; TP_JA4S_RAW_MAX
 * is always enough) gets the `ja4s_r` form with the list itself. Returns false and
 * leaves out "" when the build has no JA4+ (cmake -DTP_JA4PLUS=OFF). */
#define TP_JA4S_RAW_MAX (16 + TP_MAX_EXTENSIONS * 5)
bool tp_ja4s(const struct tp_server_hello *sh, bool quic, char out[40], char *raw, size_t rawcap);
bool tp_ja4s_memo(struct tp_ja_memo *jm, const struct tp_server_hello *sh, bool quic, char out[40], char *raw,
                  size_t rawcap);


/* ---- DTLS 1.0/1.2 (RFC 6347; wire/dtls.c) ----
 * A datagram holds one or more records, each with a 13-byte header: type,
 * version (0xfeff DTLS 1.0, 0xfefd 1.2, 0xfefc 1.3), epoch, 48-bit sequence
 * number, length. Handshake messages carry a 12-byte header (type, length,
 * message_seq, fragment_offset, fragment_length) and may be fragmented across
 * records and datagrams, out of order and retransmitted. */
struct tp_reader;
#define TP_DTLS_HDR_LEN 13
#define TP_DTLS_HS_HDR_LEN 12
struct tp_dtls_record {
    uint8_t type;
    uint16_t version;
    uint16_t epoch;
    uint64_t seq;                    /* 48 bits */
    struct tp_bytes hdr;             /* the 13 header bytes as sent */
    struct tp_bytes body;
    bool unified;                    /* a DTLS 1.3 unified header (RFC 9147 §4): body is the rest */
};
/* 0xfeff, 0xfefd, 0xfefc. */
bool tp_dtls_version_ok(uint16_t v);
/* The next record of a datagram. TP_ERR_TRUNCATED: the reader is at its end or
 * a header/body is cut; TP_ERR_MALFORMED: not a DTLS record header. */
enum tp_err tp_dtls_record_next(struct tp_reader *r, struct tp_dtls_record *out) TP_MUST_USE;
/* Does this datagram start with a DTLS handshake record at epoch 0 carrying a
 * ClientHello fragment (how a capture recognises DTLS on any port)? */
bool tp_dtls_is_client_hello(struct tp_bytes datagram);

struct tp_dtls_hs_frag {
    uint8_t type;
    uint32_t length;                 /* of the whole message */
    uint16_t msg_seq;
    uint32_t frag_off, frag_len;
    struct tp_bytes frag;
};
/* The next handshake fragment of a handshake record's body. TP_ERR_MALFORMED
 * when the fragment does not fit its message (offset + length > length). */
enum tp_err tp_dtls_hs_frag_next(struct tp_reader *r, struct tp_dtls_hs_frag *out) TP_MUST_USE;

/* Reassembly of one direction's handshake messages, delivered in message_seq
 * order in the TLS form (4-byte header + body) so the TLS parsers read them.
 * Fragments may come in any order; bytes already received and messages already
 * delivered (retransmissions) are ignored. A message seen again under a
 * message_seq already delivered but of another type restarts the numbering
 * (a server that answered with HelloVerifyRequest and starts again at 0). */
struct tp_dtls_reasm_slot {
    bool used;
    uint8_t type;
    uint16_t seq;
    uint32_t length, got;
    uint8_t *buf;                    /* 4 + length */
    uint8_t *have;                   /* one bit per body byte */
};
/* Records remembered per direction to recognise a retransmitted one (tp_dtls_seen). */
#define TP_DTLS_SEEN 64
struct tp_dtls_seen_rec {
    uint64_t epoch_seq;              /* epoch << 48 | seq */
    uint32_t len, hash;
    bool used;
};
struct tp_dtls_reasm {
    struct tp_dtls_seen_rec seen[TP_DTLS_SEEN];
    size_t seen_next;
    bool started;
    uint16_t next_seq;
    uint8_t done_type[64];           /* type delivered per message_seq < 64, 0 none */
    struct tp_dtls_reasm_slot slot[TP_DTLS_REASM_SLOTS];
    uint8_t *out;                    /* the message last delivered (freed on the next call) */
    size_t held;                     /* bytes held by the slots */
};
/* Was this very record (epoch, sequence number, length and bytes) among the last
 * TP_DTLS_SEEN of this direction? A retransmission (RFC 6347 §4.1.2.6: the
 * receiver discards it); else it is remembered. Only identical records count:
 * a peer that reuses a sequence number after a HelloVerifyRequest is not lost. */
bool tp_dtls_seen(struct tp_dtls_reasm *ra, const struct tp_dtls_record *rec);
void tp_dtls_reasm_init(struct tp_dtls_reasm *ra);
void tp_dtls_reasm_free(struct tp_dtls_reasm *ra);
/* Add a fragment. TP_ERR_LIMIT: a message over TP_MAX_HANDSHAKE_MSG, or more
 * than TP_DTLS_REASM_SLOTS messages pending; TP_ERR_NOMEM. Duplicates: TP_OK. */
enum tp_err tp_dtls_reasm_push(struct tp_dtls_reasm *ra, const struct tp_dtls_hs_frag *f) TP_MUST_USE;
/* The next complete message in order (a view valid until the next call or
 * push); false when none is complete. */
bool tp_dtls_reasm_next(struct tp_dtls_reasm *ra, struct tp_bytes *msg);

#endif
