/* Name tables from the IANA registries (TLS parameters, TLS ExtensionType values,
 * alerts) and RFC 8446/5246. Lookups return NULL for unknown values, so callers
 * can print the number ("0x1a2b") themselves. GREASE (RFC 8701) is recognised.
 *
 * Owns: the IANA name tables and the alert list (module wire). Must not: parse
 * wire bytes or allocate.
 */
#ifndef TLSPROBE_NAMES_H
#define TLSPROBE_NAMES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/wire.h"

bool tp_is_grease(uint16_t v);  /* 0x0a0a, 0x1a1a, ... 0xfafa */
/* TLS 1.3 Internet-Drafts announced themselves as 0x7f00 + draft number
 * (draft-ietf-tls-tls13-NN); 0 when v is not one. */
int tp_tls13_draft(uint16_t v);
bool tp_is_tls13_family(uint16_t v); /* TLS 1.3 or one of its drafts */
/* The TLS version a DTLS version is built on (RFC 6347 §1: DTLS 1.0 = TLS 1.1,
 * DTLS 1.2 = TLS 1.2; RFC 9147: DTLS 1.3 = TLS 1.3); any other v unchanged. For
 * comparisons ("older than TLS 1.2"), never for printing. */
uint16_t tp_version_tls_equiv(uint16_t v);

const char *tp_name_cipher_suite(uint16_t id);     /* "TLS_AES_128_GCM_SHA256" */
const char *tp_name_group(uint16_t id);            /* "x25519", "secp256r1" */
const char *tp_name_sig_scheme(uint16_t id);       /* "ecdsa_secp256r1_sha256" */
const char *tp_name_extension(uint16_t id);        /* "server_name" */

/* TLS alerts, RFC 8446 §6.2 and RFC 5246 §7.2.2 (plus the alerts added since).
 * X(code, SYMBOL, "rfc_name", "meaning"): one row per alert; it makes the name
 * table (src/wire/names.c) and enum tp_alert, so code says TP_ALERT_UNKNOWN_CA,
 * not 48. Names as in the RFCs, without the "_RESERVED" suffix RFC 8446 gives the
 * retired ones, which old peers still send. */
#define TP_ALERTS(X) \
    X(0, CLOSE_NOTIFY, "close_notify", \
      "the peer is closing the connection normally; no more data will be sent") \
    X(10, UNEXPECTED_MESSAGE, "unexpected_message", \
      "the peer received a message it did not expect at this point of the handshake") \
    X(20, BAD_RECORD_MAC, "bad_record_mac", \
      "a record failed its integrity check: wrong keys, corruption, or an attack") \
    X(21, DECRYPTION_FAILED, "decryption_failed", \
      "a record could not be decrypted (obsolete TLS 1.0 alert, now bad_record_mac)") \
    X(22, RECORD_OVERFLOW, "record_overflow", \
      "a record was longer than the protocol allows (often plain text sent to a TLS port)") \
    X(30, DECOMPRESSION_FAILURE, "decompression_failure", \
      "the peer could not decompress a record (TLS compression is obsolete)") \
    X(40, HANDSHAKE_FAILURE, "handshake_failure", \
      "the peers could not agree on security parameters, e.g. no shared cipher suite or a required client certificate is missing") \
    X(41, NO_CERTIFICATE, "no_certificate", \
      "the peer has no suitable certificate (obsolete SSL 3.0 alert)") \
    X(42, BAD_CERTIFICATE, "bad_certificate", \
      "the certificate was corrupt or its signature did not verify (or the name did not match)") \
    X(43, UNSUPPORTED_CERTIFICATE, "unsupported_certificate", \
      "the certificate is of a type the peer does not support (key type or usage)") \
    X(44, CERTIFICATE_REVOKED, "certificate_revoked", \
      "the certificate was revoked by its issuer") \
    X(45, CERTIFICATE_EXPIRED, "certificate_expired", \
      "the certificate has expired or is not yet valid") \
    X(46, CERTIFICATE_UNKNOWN, "certificate_unknown", \
      "the certificate was rejected for an unspecified reason") \
    X(47, ILLEGAL_PARAMETER, "illegal_parameter", \
      "a handshake field was out of range or inconsistent with other fields") \
    X(48, UNKNOWN_CA, "unknown_ca", \
      "the peer does not trust the CA that issued the certificate it received (unknown root or missing intermediate)") \
    X(49, ACCESS_DENIED, "access_denied", \
      "the certificate was valid but access control refused the connection") \
    X(50, DECODE_ERROR, "decode_error", \
      "a message could not be decoded: a field was out of range or a length was wrong") \
    X(51, DECRYPT_ERROR, "decrypt_error", \
      "a cryptographic check failed: a signature, key exchange or Finished did not verify") \
    X(52, TOO_MANY_CIDS_REQUESTED, "too_many_cids_requested", \
      "the peer asked for more connection IDs than allowed (DTLS)") \
    X(60, EXPORT_RESTRICTION, "export_restriction", \
      "an export-grade parameter was refused (obsolete)") \
    X(70, PROTOCOL_VERSION, "protocol_version", \
      "the peer does not support any TLS version the other side offered") \
    X(71, INSUFFICIENT_SECURITY, "insufficient_security", \
      "the peer requires stronger ciphers or parameters than were offered") \
    X(80, INTERNAL_ERROR, "internal_error", \
      "the peer failed for a reason unrelated to the protocol (its own bug or resource problem)") \
    X(86, INAPPROPRIATE_FALLBACK, "inappropriate_fallback", \
      "the client retried with a lower version although the server supports a higher one (downgrade protection)") \
    X(90, USER_CANCELED, "user_canceled", \
      "the peer's user or application cancelled the handshake") \
    X(100, NO_RENEGOTIATION, "no_renegotiation", \
      "the peer refused a renegotiation request") \
    X(109, MISSING_EXTENSION, "missing_extension", \
      "a required extension was missing from the handshake") \
    X(110, UNSUPPORTED_EXTENSION, "unsupported_extension", \
      "the peer received an extension it did not offer or that is not allowed in that message") \
    X(111, CERTIFICATE_UNOBTAINABLE, "certificate_unobtainable", \
      "the server could not fetch a certificate from a client-supplied URL (obsolete)") \
    X(112, UNRECOGNIZED_NAME, "unrecognized_name", \
      "the server has no certificate or configuration for the requested host name (SNI)") \
    X(113, BAD_CERTIFICATE_STATUS_RESPONSE, "bad_certificate_status_response", \
      "the OCSP response stapled by the server was invalid or unacceptable") \
    X(114, BAD_CERTIFICATE_HASH_VALUE, "bad_certificate_hash_value", \
      "a certificate did not match its client-supplied hash (obsolete)") \
    X(115, UNKNOWN_PSK_IDENTITY, "unknown_psk_identity", \
      "the server does not know the pre-shared key identity the client offered") \
    X(116, CERTIFICATE_REQUIRED, "certificate_required", \
      "the server requires a client certificate and none was sent") \
    X(120, NO_APPLICATION_PROTOCOL, "no_application_protocol", \
      "the peers share no application protocol (ALPN), e.g. h2 vs http/1.1") \
    X(121, ECH_REQUIRED, "ech_required", \
      "the server requires Encrypted Client Hello and the client did not use it")

#define TP_ALERT_ENUM_(v, sym, name, meaning) TP_ALERT_##sym = v,
enum tp_alert_desc { TP_ALERTS(TP_ALERT_ENUM_) };
#undef TP_ALERT_ENUM_
enum tp_alert_level { TP_ALERT_LEVEL_WARNING = 1, TP_ALERT_LEVEL_FATAL = 2 };

const char *tp_name_alert(uint8_t desc);           /* RFC name: "unknown_ca" */
const char *tp_alert_meaning(uint8_t desc);        /* one plain line; NULL if unknown */
const char *tp_name_alert_level(uint8_t level);    /* "warning", "fatal" */
const char *tp_name_hs_type(uint8_t type);         /* "ClientHello" (the JSON contract names) */
const char *tp_name_version(uint16_t v);           /* "TLS 1.2", "SSL 3.0" */
const char *tp_name_content_type(uint8_t t);       /* "handshake" */

/* Everything the record layer needs to know about a suite. */
enum tp_bulk {
    TP_BULK_UNKNOWN = 0,
    TP_BULK_NULL,
    TP_BULK_AES_128_GCM,
    TP_BULK_AES_256_GCM,
    TP_BULK_CHACHA20_POLY1305,
    TP_BULK_AES_128_CCM,
    TP_BULK_AES_128_CCM_8,
    TP_BULK_AES_256_CCM,
    TP_BULK_AES_128_CBC,
    TP_BULK_AES_256_CBC,
    TP_BULK_3DES_CBC,
    TP_BULK_CAMELLIA_128_CBC,
    TP_BULK_CAMELLIA_256_CBC,
    TP_BULK_ARIA_128_GCM,
    TP_BULK_ARIA_256_GCM,
    TP_BULK_RC4_128,
    TP_BULK_OTHER,
};
enum tp_hash {
    TP_HASH_NONE = 0,
    TP_HASH_MD5,
    TP_HASH_SHA1,
    TP_HASH_SHA256,
    TP_HASH_SHA384,
    TP_HASH_SHA512,        /* appended by wire: TLS_AEGIS_256_SHA512 (0x1306) */
};
struct tp_suite_info {
    uint16_t id;
    const char *name;
    enum tp_kx kx;
    const char *auth;      /* "RSA", "ECDSA", "PSK", "anon", NULL for TLS 1.3 */
    enum tp_bulk bulk;
    enum tp_hash mac;      /* CBC/stream HMAC; NONE for AEAD */
    enum tp_hash prf;      /* TLS 1.2 PRF / TLS 1.3 HKDF hash */
    uint8_t key_len;       /* bulk key bytes */
    uint8_t fixed_iv_len;  /* AEAD implicit nonce (4 for 1.2 GCM, 12 for 1.3 / ChaCha) */
    uint8_t block_len;     /* CBC block size, 0 otherwise */
    bool tls13;
    bool weak;             /* NULL/EXPORT/RC4/DES/3DES/anon: worth a warning */
};
const struct tp_suite_info *tp_suite_info(uint16_t id); /* NULL if unknown */

/* Iteration over tables (for completeness tests). */
size_t tp_alert_table(const uint8_t **descs);          /* every alert we know */

#endif
