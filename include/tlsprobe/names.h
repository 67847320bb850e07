/* Name tables from the IANA registries (TLS parameters, TLS ExtensionType values,
 * alerts) and RFC 8446/5246. Lookups return NULL for unknown values, so callers
 * can print the number ("0x1a2b") themselves. GREASE (RFC 8701) is recognised. */
#ifndef TLSPROBE_NAMES_H
#define TLSPROBE_NAMES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/wire.h"

bool tp_is_grease(uint16_t v);  /* 0x0a0a, 0x1a1a, ... 0xfafa */

const char *tp_name_cipher_suite(uint16_t id);     /* "TLS_AES_128_GCM_SHA256" */
const char *tp_name_group(uint16_t id);            /* "x25519", "secp256r1" */
const char *tp_name_sig_scheme(uint16_t id);       /* "ecdsa_secp256r1_sha256" */
const char *tp_name_extension(uint16_t id);        /* "server_name" */
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
