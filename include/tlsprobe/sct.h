/* Certificate Transparency: Signed Certificate Timestamps (RFC 6962), the log
 * list they are checked against, and the browsers' CT policies (docs/ct.md).
 *
 * An SCT list arrives three ways (RFC 6962 §3.3): inside the certificate
 * (X.509 extension 1.3.6.1.4.1.11129.2.4.2, an OCTET STRING holding the TLS
 * encoding), in the TLS signed_certificate_timestamp extension (ServerHello in
 * TLS 1.2, the leaf's CertificateEntry in TLS 1.3), and in an OCSP response
 * (single-response extension 1.3.6.1.4.1.11129.2.4.5). All three carry the same
 * SignedCertificateTimestampList: tp_sct_list_parse reads any of them.
 *
 * Owns: the SCT decoder (on tlsprobe/reader.h), the log list (a small text file,
 * data/ct-logs.txt, built in; TLSPROBE_CT_LOGS names another), the signed data of
 * an SCT and its check with wolfCrypt, the policy count (module x509). Must not:
 * print, word findings (diagnose does) or know about sessions.
 */
#ifndef TLSPROBE_SCT_H
#define TLSPROBE_SCT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "tlsprobe/bytes.h"
#include "tlsprobe/error.h"
#include "tlsprobe/limits.h"

struct tp_cert_info;

/* One SerializedSCT (RFC 6962 §3.2). Views into the list's bytes. For a version
 * other than v1 (0) only version and raw are set: §3.3 says to skip those. */
struct tp_sct {
    uint8_t version;            /* 0: v1 */
    struct tp_bytes log_id;     /* 32 bytes: SHA-256 of the log's SPKI */
    uint64_t timestamp;         /* ms since the epoch */
    struct tp_bytes extensions; /* CtExtensions (none defined; usually empty) */
    uint8_t hash_alg, sig_alg;  /* RFC 5246 §7.4.1.4.1: 4 sha256; 1 rsa, 3 ecdsa */
    struct tp_bytes signature;
    struct tp_bytes raw;        /* the whole SerializedSCT */
};
struct tp_sct_list {
    struct tp_sct sct[TP_MAX_SCTS];
    size_t n, n_total;          /* n_total: SCTs in the list (more than TP_MAX_SCTS are counted) */
};
/* Parse a SignedCertificateTimestampList (the bytes of the TLS extension, of the
 * X.509 extension's inner OCTET STRING, or of the OCSP extension's): a 16-bit
 * length, then SCTs each behind a 16-bit length. TP_ERR_TRUNCATED / MALFORMED
 * (an empty list or an empty SCT is malformed: §3.3 "<1..2^16-1>"). */
enum tp_err tp_sct_list_parse(struct tp_bytes list, struct tp_sct_list *out) TP_MUST_USE;
/* The X.509 extension's value (extnValue contents: an OCTET STRING around the
 * list) → the list bytes. */
bool tp_sct_ext_unwrap(struct tp_bytes ext_value, struct tp_bytes *list);

/* ---- the log list ---- */
enum tp_ct_log_state { TP_CT_LOG_UNKNOWN = 0, TP_CT_LOG_PENDING, TP_CT_LOG_QUALIFIED, TP_CT_LOG_USABLE,
                       TP_CT_LOG_READONLY, TP_CT_LOG_RETIRED, TP_CT_LOG_REJECTED };
struct tp_ct_log {
    uint8_t id[32];
    char name[96];
    char operator_name[64];
    enum tp_ct_log_state state;
    time_t start, end;          /* temporal interval (certificates expiring in [start, end)), 0: none */
    uint8_t key[600];           /* DER SubjectPublicKeyInfo */
    size_t key_len;
};
struct tp_ct_logs;
/* The log list text (docs/ct.md "Log list file"): one log a line,
 * "log_id|operator|state|start|end|key|name", '#' comments. A line that does not
 * read is an error naming its number (err). log_id must be SHA-256(key). */
enum tp_err tp_ct_logs_parse(const char *text, size_t len, struct tp_ct_logs **out, char *err,
                             size_t errlen) TP_MUST_USE;
/* path NULL: $TLSPROBE_CT_LOGS when set, else the built-in list (data/ct-logs.txt). */
enum tp_err tp_ct_logs_load(const char *path, struct tp_ct_logs **out, char *err, size_t errlen) TP_MUST_USE;
void tp_ct_logs_free(struct tp_ct_logs *logs);
size_t tp_ct_logs_count(const struct tp_ct_logs *logs);
const struct tp_ct_log *tp_ct_logs_find(const struct tp_ct_logs *logs, const uint8_t id[32]);
const char *tp_ct_log_state_name(enum tp_ct_log_state s);

/* ---- judging one leaf's SCTs ---- */
enum tp_sct_source { TP_SCT_EMBEDDED = 0, TP_SCT_TLS, TP_SCT_OCSP };
enum tp_sct_status {
    TP_SCT_VERIFIED = 0,        /* the log's key verifies the signature */
    TP_SCT_UNKNOWN_LOG,         /* not in the log list: cannot be checked */
    TP_SCT_BAD_SIGNATURE,       /* the log is known and the signature does not verify */
    TP_SCT_NO_ISSUER,           /* embedded SCT and no issuer to hash (precert entry needs it) */
    TP_SCT_UNSUPPORTED,         /* a version or algorithm we cannot check */
    TP_SCT_FUTURE,              /* timestamp after the judging time */
};
struct tp_ct_sct {
    enum tp_sct_source source;
    enum tp_sct_status status;
    uint8_t version, hash_alg, sig_alg;
    uint8_t log_id[32];
    uint64_t timestamp;
    uint8_t ext[64];
    size_t ext_len;             /* may exceed sizeof ext: the rest is not kept */
    uint8_t sig[520];
    size_t sig_len;             /* may exceed sizeof sig: the check used all of it, only the first 520 bytes are kept */
    bool log_known;
    char log_name[96], log_operator[64];
    enum tp_ct_log_state log_state;
};
/* What the browsers ask (docs/ct.md). Counted: verified SCTs from logs that are
 * not rejected/retired/pending, one per log. */
struct tp_ct_policy {
    bool ok;
    int need;                   /* SCTs this route needs */
    int have;                   /* counted SCTs */
    int operators;              /* distinct operators among them */
};
struct tp_ct_result {
    struct tp_ct_sct scts[TP_MAX_CT_SCTS];
    size_t n, n_total;          /* n_total includes SCTs beyond TP_MAX_CT_SCTS */
    bool list_malformed[3];     /* per source: a list that did not decode */
    bool source_present[3];
    long lifetime_days;         /* not_after - not_before, rounded down */
    size_t n_verified, n_bad, n_unknown;
    /* Chrome: embedded SCTs (2 when lifetime <= 180 days, else 3) or
     * TLS+OCSP SCTs (2); each from at least 2 operators. Apple: the same counts. */
    struct tp_ct_policy chrome_embedded, chrome_delivered, apple_embedded, apple_delivered;
    bool chrome_ok, apple_ok;
    char missing[256];          /* what is missing, one sentence ("" when both ok) */
    bool undetermined;          /* not met, but would be if the SCTs from logs not in the list
                                 * were good (each its own operator): the list is likely stale */
    char logs_desc[160];        /* which log list judged them */
};
struct tp_ct_input {
    const struct tp_cert_info *leaf;
    const struct tp_cert_info *issuer; /* NULL: embedded SCTs cannot be checked */
    struct tp_bytes tls_list, ocsp_list; /* the lists' bytes, empty when absent. OCSP: the
                                         * single response's extension 1.3.6.1.4.1.11129.2.4.5
                                         * value after tp_sct_ext_unwrap (an OCTET STRING
                                         * around the list, as in X.509) */
    const struct tp_ct_logs *logs;     /* NULL: tp_ct_logs_load(NULL) */
    time_t now;                        /* 0: time(NULL) */
};
/* Judge every SCT of a leaf. NULL when the leaf has no SCT from any source.
 * *out heap-allocated (free()). */
struct tp_ct_result *tp_ct_judge(const struct tp_ct_input *in);
/* The data an SCT signs (RFC 6962 §3.2 digitally-signed struct), for tests and
 * the fuzzer: precert when issuer_key_hash is not NULL (tbs is then the leaf's
 * DER, re-encoded without the SCT extension), else an x509_entry of cert_der.
 * *out malloc'd. */
enum tp_err tp_sct_signed_data(const struct tp_sct *sct, const uint8_t *cert_der, size_t cert_len,
                               const uint8_t *issuer_key_hash, uint8_t **out, size_t *out_len) TP_MUST_USE;
/* The TBSCertificate of cert_der with the SCT list extension removed (DER
 * re-encoded, lengths fixed). *out malloc'd. */
enum tp_err tp_sct_precert_tbs(const uint8_t *cert_der, size_t cert_len, uint8_t **out, size_t *out_len) TP_MUST_USE;
const char *tp_sct_source_name(enum tp_sct_source s);
const char *tp_sct_status_name(enum tp_sct_status s);

#endif
