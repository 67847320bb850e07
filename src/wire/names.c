/* Name tables: IANA "Transport Layer Security (TLS) Parameters" and "TLS
 * ExtensionType Values" registries, RFC 8446 §6 / RFC 5246 §7.2 alerts.
 * Sorted by code so lookups are a binary search (the capture path names every
 * suite and extension of every hello). */
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/names.h"

struct tok {
    uint16_t v;
    const char *name;
};

/* Index of v in a table of n entries of `size` bytes sorted by a leading 16-bit
 * value (struct tok, struct tp_suite_info), or n. Written out rather than
 * bsearch(3): renderers name every suite of every hello. */
static size_t find_u16(const void *tab, size_t n, size_t size, uint16_t v)
{
    const unsigned char *b = tab;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint16_t m;
        memcpy(&m, b + mid * size, sizeof m);
        if (m < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == n)
        return n;
    uint16_t at;
    memcpy(&at, b + lo * size, sizeof at);
    return at == v ? lo : n;
}

static const char *tok_find(const struct tok *tab, size_t n, uint16_t v)
{
    size_t i = find_u16(tab, n, sizeof *tab, v);
    return i < n ? tab[i].name : NULL;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int tp_tls13_draft(uint16_t v)
{
    return (v >> 8) == 0x7f && (v & 0xff) ? v & 0xff : 0;
}

bool tp_is_tls13_family(uint16_t v)
{
    return v == TP_TLS1_3 || tp_tls13_draft(v);
}

uint16_t tp_version_tls_equiv(uint16_t v)
{
    switch (v) {
    case 0xfeff: return TP_TLS1_1;
    case 0xfefd: return TP_TLS1_2;
    case 0xfefc: return TP_TLS1_3;
    default: return v;
    }
}

bool tp_is_grease(uint16_t v)
{
    /* RFC 8701 §2: 0x0A0A, 0x1A1A, ..., 0xFAFA */
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* A code point's name, "GREASE" for a GREASE value, else NULL. */
static const char *tok_or_grease(const struct tok *tab, size_t n, uint16_t v)
{
    const char *name = tok_find(tab, n, v);
    return name || !tp_is_grease(v) ? name : "GREASE";
}

/* ---- cipher suites ---- */
static const struct tp_suite_info suites[] = {
#include "suites_table.inc"
};


const struct tp_suite_info *tp_suite_info(uint16_t id)
{
    size_t i = find_u16(suites, COUNT(suites), sizeof suites[0], id);
    return i < COUNT(suites) ? &suites[i] : NULL;
}

const char *tp_name_cipher_suite(uint16_t id)
{
    const struct tp_suite_info *s = tp_suite_info(id);
    if (s)
        return s->name;
    return tp_is_grease(id) ? "GREASE" : NULL;
}

/* Internal, for the completeness test: the whole table. */
size_t tp_suite_table(const struct tp_suite_info **tab);
size_t tp_suite_table(const struct tp_suite_info **tab)
{
    *tab = suites;
    return COUNT(suites);
}

/* ---- supported groups (IANA "TLS Supported Groups") ---- */
static const struct tok groups[] = {
    { 0x0001, "sect163k1" }, { 0x0002, "sect163r1" }, { 0x0003, "sect163r2" },
    { 0x0004, "sect193r1" }, { 0x0005, "sect193r2" }, { 0x0006, "sect233k1" },
    { 0x0007, "sect233r1" }, { 0x0008, "sect239k1" }, { 0x0009, "sect283k1" },
    { 0x000a, "sect283r1" }, { 0x000b, "sect409k1" }, { 0x000c, "sect409r1" },
    { 0x000d, "sect571k1" }, { 0x000e, "sect571r1" }, { 0x000f, "secp160k1" },
    { 0x0010, "secp160r1" }, { 0x0011, "secp160r2" }, { 0x0012, "secp192k1" },
    { 0x0013, "secp192r1" }, { 0x0014, "secp224k1" }, { 0x0015, "secp224r1" },
    { 0x0016, "secp256k1" }, { 0x0017, "secp256r1" }, { 0x0018, "secp384r1" },
    { 0x0019, "secp521r1" }, { 0x001a, "brainpoolP256r1" }, { 0x001b, "brainpoolP384r1" },
    { 0x001c, "brainpoolP512r1" }, { 0x001d, "x25519" }, { 0x001e, "x448" },
    { 0x001f, "brainpoolP256r1tls13" }, { 0x0020, "brainpoolP384r1tls13" },
    { 0x0021, "brainpoolP512r1tls13" }, { 0x0022, "GC256A" }, { 0x0023, "GC256B" },
    { 0x0024, "GC256C" }, { 0x0025, "GC256D" }, { 0x0026, "GC512A" }, { 0x0027, "GC512B" },
    { 0x0028, "GC512C" }, { 0x0029, "curveSM2" },
    { 0x0100, "ffdhe2048" }, { 0x0101, "ffdhe3072" }, { 0x0102, "ffdhe4096" },
    { 0x0103, "ffdhe6144" }, { 0x0104, "ffdhe8192" },
    { 0x0200, "MLKEM512" }, { 0x0201, "MLKEM768" }, { 0x0202, "MLKEM1024" },
    { 0x11eb, "SecP256r1MLKEM768" }, { 0x11ec, "X25519MLKEM768" }, { 0x11ed, "SecP384r1MLKEM1024" },
    { 0x6399, "X25519Kyber768Draft00" }, { 0x639a, "SecP256r1Kyber768Draft00" },
    { 0xff01, "arbitrary_explicit_prime_curves" }, { 0xff02, "arbitrary_explicit_char2_curves" },
};

const char *tp_name_group(uint16_t id)
{
    return tok_or_grease(groups, COUNT(groups), id);
}

/* ---- signature schemes (IANA "TLS SignatureScheme", plus the TLS 1.2
 * HashAlgorithm x SignatureAlgorithm pairs still seen on the wire) ---- */
static const struct tok sig_schemes[] = {
    { 0x0101, "rsa_md5" }, { 0x0102, "dsa_md5" }, { 0x0103, "ecdsa_md5" },
    { 0x0201, "rsa_pkcs1_sha1" }, { 0x0202, "dsa_sha1" }, { 0x0203, "ecdsa_sha1" },
    { 0x0301, "rsa_sha224" }, { 0x0302, "dsa_sha224" }, { 0x0303, "ecdsa_sha224" },
    { 0x0401, "rsa_pkcs1_sha256" }, { 0x0402, "dsa_sha256" }, { 0x0403, "ecdsa_secp256r1_sha256" },
    { 0x0420, "rsa_pkcs1_sha256_legacy" },
    { 0x0501, "rsa_pkcs1_sha384" }, { 0x0502, "dsa_sha384" }, { 0x0503, "ecdsa_secp384r1_sha384" },
    { 0x0520, "rsa_pkcs1_sha384_legacy" },
    { 0x0601, "rsa_pkcs1_sha512" }, { 0x0602, "dsa_sha512" }, { 0x0603, "ecdsa_secp521r1_sha512" },
    { 0x0620, "rsa_pkcs1_sha512_legacy" },
    { 0x0704, "eccsi_sha256" }, { 0x0705, "iso_ibs1" }, { 0x0706, "iso_ibs2" },
    { 0x0707, "iso_chinese_ibs" }, { 0x0708, "sm2sig_sm3" },
    { 0x0709, "gostr34102012_256a" }, { 0x070a, "gostr34102012_256b" },
    { 0x070b, "gostr34102012_256c" }, { 0x070c, "gostr34102012_256d" },
    { 0x070d, "gostr34102012_512a" }, { 0x070e, "gostr34102012_512b" },
    { 0x070f, "gostr34102012_512c" },
    { 0x0804, "rsa_pss_rsae_sha256" }, { 0x0805, "rsa_pss_rsae_sha384" }, { 0x0806, "rsa_pss_rsae_sha512" },
    { 0x0807, "ed25519" }, { 0x0808, "ed448" },
    { 0x0809, "rsa_pss_pss_sha256" }, { 0x080a, "rsa_pss_pss_sha384" }, { 0x080b, "rsa_pss_pss_sha512" },
    { 0x081a, "ecdsa_brainpoolP256r1tls13_sha256" }, { 0x081b, "ecdsa_brainpoolP384r1tls13_sha384" },
    { 0x081c, "ecdsa_brainpoolP512r1tls13_sha512" },
    { 0x0904, "mldsa44" }, { 0x0905, "mldsa65" }, { 0x0906, "mldsa87" },
};

const char *tp_name_sig_scheme(uint16_t id)
{
    return tok_or_grease(sig_schemes, COUNT(sig_schemes), id);
}

/* ---- extensions (IANA "TLS ExtensionType Values") ---- */
static const struct tok extensions[] = {
    { 0, "server_name" }, { 1, "max_fragment_length" }, { 2, "client_certificate_url" },
    { 3, "trusted_ca_keys" }, { 4, "truncated_hmac" }, { 5, "status_request" },
    { 6, "user_mapping" }, { 7, "client_authz" }, { 8, "server_authz" }, { 9, "cert_type" },
    { 10, "supported_groups" }, { 11, "ec_point_formats" }, { 12, "srp" },
    { 13, "signature_algorithms" }, { 14, "use_srtp" }, { 15, "heartbeat" },
    { 16, "application_layer_protocol_negotiation" }, { 17, "status_request_v2" },
    { 18, "signed_certificate_timestamp" }, { 19, "client_certificate_type" },
    { 20, "server_certificate_type" }, { 21, "padding" }, { 22, "encrypt_then_mac" },
    { 23, "extended_master_secret" }, { 24, "token_binding" }, { 25, "cached_info" },
    { 26, "tls_lts" }, { 27, "compress_certificate" }, { 28, "record_size_limit" },
    { 29, "pwd_protect" }, { 30, "pwd_clear" }, { 31, "password_salt" },
    { 32, "ticket_pinning" }, { 33, "tls_cert_with_extern_psk" }, { 34, "delegated_credential" },
    { 35, "session_ticket" }, { 36, "TLMSP" }, { 37, "TLMSP_proxying" }, { 38, "TLMSP_delegate" },
    { 39, "supported_ekt_ciphers" }, { 41, "pre_shared_key" }, { 42, "early_data" },
    { 43, "supported_versions" }, { 44, "cookie" }, { 45, "psk_key_exchange_modes" },
    { 47, "certificate_authorities" }, { 48, "oid_filters" }, { 49, "post_handshake_auth" },
    { 50, "signature_algorithms_cert" }, { 51, "key_share" }, { 52, "transparency_info" },
    { 53, "connection_id_deprecated" }, { 54, "connection_id" }, { 55, "external_id_hash" },
    { 56, "external_session_id" }, { 57, "quic_transport_parameters" }, { 58, "ticket_request" },
    { 59, "dnssec_chain" }, { 60, "sequence_number_encryption_algorithms" }, { 61, "rrc" },
    { 0x3374, "next_protocol_negotiation" }, { 0x4469, "application_settings_old" },
    { 0x44cd, "application_settings" }, { 0x754f, "channel_id_old" }, { 0x7550, "channel_id" },
    { 0xfd00, "ech_outer_extensions" }, { 0xfe0d, "encrypted_client_hello" },
    { 0xff01, "renegotiation_info" },
};

const char *tp_name_extension(uint16_t id)
{
    return tok_or_grease(extensions, COUNT(extensions), id);
}

/* ---- alerts: the table is TP_ALERTS in tlsprobe/names.h ---- */
struct alert_tok {
    uint8_t v;
    const char *name;
    const char *meaning;
};
#define ALERT_TOK(v, sym, name, meaning) { v, name, meaning },
#define ALERT_CODE(v, sym, name, meaning) v,
static const struct alert_tok alerts[] = { TP_ALERTS(ALERT_TOK) };
/* The codes alone, for tp_alert_table (const: callable from any thread). */
static const uint8_t alert_codes[] = { TP_ALERTS(ALERT_CODE) };

static const struct alert_tok *alert_find(uint8_t d)
{
    for (size_t i = 0; i < COUNT(alerts); i++)
        if (alerts[i].v == d)
            return &alerts[i];
    return NULL;
}

const char *tp_name_alert(uint8_t desc)
{
    const struct alert_tok *a = alert_find(desc);
    return a ? a->name : NULL;
}

const char *tp_alert_meaning(uint8_t desc)
{
    const struct alert_tok *a = alert_find(desc);
    return a ? a->meaning : NULL;
}

size_t tp_alert_table(const uint8_t **descs)
{
    *descs = alert_codes;
    return COUNT(alert_codes);
}

const char *tp_name_alert_level(uint8_t level)
{
    switch (level) {
    case 1: return "warning";
    case 2: return "fatal";
    default: return NULL;
    }
}

/* The JSON contract names (issue 2). HelloRetryRequest is a ServerHello with the
 * magic random, so it has no code of its own here. */
const char *tp_name_hs_type(uint8_t type)
{
    switch (type) {
    case TP_HS_HELLO_REQUEST: return "HelloRequest";
    case TP_HS_CLIENT_HELLO: return "ClientHello";
    case TP_HS_SERVER_HELLO: return "ServerHello";
    case TP_HS_HELLO_VERIFY_REQUEST: return "HelloVerifyRequest";
    case TP_HS_NEW_SESSION_TICKET: return "NewSessionTicket";
    case TP_HS_END_OF_EARLY_DATA: return "EndOfEarlyData";
    case TP_HS_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
    case TP_HS_CERTIFICATE: return "Certificate";
    case TP_HS_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
    case TP_HS_CERTIFICATE_REQUEST: return "CertificateRequest";
    case TP_HS_SERVER_HELLO_DONE: return "ServerHelloDone";
    case TP_HS_CERTIFICATE_VERIFY: return "CertificateVerify";
    case TP_HS_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
    case TP_HS_FINISHED: return "Finished";
    case TP_HS_CERTIFICATE_URL: return "CertificateURL";
    case TP_HS_CERTIFICATE_STATUS: return "CertificateStatus";
    case TP_HS_KEY_UPDATE: return "KeyUpdate";
    case TP_HS_COMPRESSED_CERTIFICATE: return "CompressedCertificate";
    case TP_HS_MESSAGE_HASH: return "MessageHash";
    default: return NULL;
    }
}

const char *tp_name_version(uint16_t v)
{
    switch (v) {
    case 0x0002: return "SSL 2.0";
    case TP_SSL3_0: return "SSL 3.0";
    case TP_TLS1_0: return "TLS 1.0";
    case TP_TLS1_1: return "TLS 1.1";
    case TP_TLS1_2: return "TLS 1.2";
    case TP_TLS1_3: return "TLS 1.3";
    case 0xfeff: return "DTLS 1.0";
    case 0xfefd: return "DTLS 1.2";
    case 0xfefc: return "DTLS 1.3";
    default:
        if (tp_is_grease(v))
            return "GREASE";
        if (tp_tls13_draft(v)) {
            /* "TLS 1.3 draft 23", as tshark names them; drafts past 28 were never published */
            static const char *const drafts[] = {
#define D(n) "TLS 1.3 draft " #n
                D(1), D(2), D(3), D(4), D(5), D(6), D(7), D(8), D(9), D(10), D(11), D(12), D(13), D(14),
                D(15), D(16), D(17), D(18), D(19), D(20), D(21), D(22), D(23), D(24), D(25), D(26),
                D(27), D(28),
#undef D
            };
            int n = tp_tls13_draft(v);
            return n <= (int)(sizeof drafts / sizeof drafts[0]) ? drafts[n - 1] : "TLS 1.3 (draft)";
        }
        return NULL;
    }
}

const char *tp_name_content_type(uint8_t t)
{
    switch (t) {
    case TP_CT_CHANGE_CIPHER_SPEC: return "change_cipher_spec";
    case TP_CT_ALERT: return "alert";
    case TP_CT_HANDSHAKE: return "handshake";
    case TP_CT_APPLICATION_DATA: return "application_data";
    case TP_CT_HEARTBEAT: return "heartbeat";
    default: return NULL;
    }
}
