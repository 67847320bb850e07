/* OCSP responses (RFC 6960): decode an OCSPResponse from DER, find the
 * SingleResponse about one certificate, and verify the response's signature
 * against the certificate's issuer or a delegated responder certificate carried
 * in the response (issued by that issuer, with id-kp-OCSPSigning, valid at the
 * judged time; RFC 6960 §4.2.2.2).
 *
 * Decoding is on the DER walker (x509/der.c over the core reader): no allocation
 * from an untrusted length beyond the caps in tlsprobe/limits.h
 * (TP_MAX_OCSP_SINGLES, TP_MAX_OCSP_CERTS). Signatures are checked with wolfCrypt.
 *
 * Owns: the OCSP response model and its checks (module x509). Must not: know
 * about sessions or TLS messages, print, or word findings (diagnose does).
 */
#ifndef TLSPROBE_OCSP_H
#define TLSPROBE_OCSP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "tlsprobe/bytes.h"
#include "tlsprobe/error.h"
#include "tlsprobe/x509.h"

/* OCSPResponseStatus (RFC 6960 §4.2.1); 4 is not used. */
enum tp_ocsp_resp_status {
    TP_OCSP_SUCCESSFUL = 0,
    TP_OCSP_MALFORMED_REQUEST = 1,
    TP_OCSP_INTERNAL_ERROR = 2,
    TP_OCSP_TRY_LATER = 3,
    TP_OCSP_SIG_REQUIRED = 5,
    TP_OCSP_UNAUTHORIZED = 6,
};

enum tp_ocsp_cert_status { TP_OCSP_GOOD = 0, TP_OCSP_REVOKED = 1, TP_OCSP_UNKNOWN = 2 };

/* One SingleResponse. The tp_bytes are views into the response's own der copy. */
struct tp_ocsp_single {
    char hash_alg[16];              /* CertID hashAlgorithm: "sha1", "sha256", ... or the dotted OID */
    struct tp_bytes issuer_name_hash, issuer_key_hash;
    struct tp_bytes serial;         /* INTEGER content octets as encoded */
    char serial_hex[130];           /* "0a:1b:...", without the DER sign byte, as tp_cert_info.serial_hex */
    enum tp_ocsp_cert_status status;
    time_t revocation_time;         /* status REVOKED */
    int revocation_reason;          /* CRLReason 0..10, -1 when absent */
    time_t this_update;
    bool has_next_update;
    time_t next_update;
    struct tp_bytes sct_ext;        /* singleExtensions' SignedCertificateTimestampList
                                     * (1.3.6.1.4.1.11129.2.4.5, RFC 6962 §3.3): the extnValue
                                     * contents, for tp_sct_ext_unwrap; empty when absent */
};

struct tp_ocsp_response {
    uint8_t *der;                   /* owned copy of the whole OCSPResponse */
    size_t der_len;
    int response_status;            /* enum tp_ocsp_resp_status (or what the DER said) */
    bool has_basic;                 /* responseBytes present and id-pkix-ocsp-basic */
    char response_type[64];         /* dotted OID of responseType ("" when no responseBytes) */
    /* BasicOCSPResponse (has_basic) */
    int version;                    /* 1 (v1, the only one defined) */
    bool responder_by_key;          /* ResponderID byKey, else byName */
    char *responder_name;           /* byName: RFC 2253 text (owned); NULL for byKey */
    struct tp_bytes responder_name_der; /* byName: contents of the Name SEQUENCE */
    uint8_t responder_key_hash[20]; /* byKey: SHA-1 of the responder's subjectPublicKey */
    time_t produced_at;
    struct tp_ocsp_single *singles; /* owned, n_singles of them */
    size_t n_singles, n_singles_total; /* kept (<= TP_MAX_OCSP_SINGLES), and in the DER */
    bool has_nonce;
    struct tp_bytes nonce;          /* the nonce octets (inner OCTET STRING when wrapped, RFC 8954) */
    char sig_alg[48];               /* "sha256WithRSAEncryption" */
    bool sig_weak;
    struct tp_bytes tbs;            /* tbsResponseData, whole TLV: what is signed */
    struct tp_bytes sig_alg_oid, signature; /* signature: BIT STRING content (unused-bits byte first) */
    struct tp_cert_info **certs;    /* the certs field, parsed (owned) */
    size_t n_certs, n_certs_total;
};

/* Decode one OCSPResponse (DER). *out is heap-allocated even when the status is
 * not successful (then has_basic is false); free with tp_ocsp_free.
 * TP_ERR_TRUNCATED / TP_ERR_MALFORMED when it is not one. */
enum tp_err tp_ocsp_parse(const uint8_t *der, size_t len, struct tp_ocsp_response **out) TP_MUST_USE;
void tp_ocsp_free(struct tp_ocsp_response *r);

/* "successful", "malformedRequest", ... ("unknown" otherwise). */
const char *tp_ocsp_resp_status_name(int status);
/* "good", "revoked", "unknown". */
const char *tp_ocsp_cert_status_name(enum tp_ocsp_cert_status s);
/* RFC 5280 §5.3.1 CRLReason name ("keyCompromise"), "unspecified" for 0, NULL
 * for -1 or a value not defined (7 is unused). */
const char *tp_ocsp_reason_name(int reason);

/* The SingleResponse about `cert` issued by `issuer`: its CertID's hashes
 * (issuer Name DER and issuer subjectPublicKey, with the CertID's own hash
 * algorithm: SHA-1, SHA-224/256/384/512) and serial match. -1 when none. */
int tp_ocsp_find(const struct tp_ocsp_response *r, const struct tp_cert_info *cert,
                 const struct tp_cert_info *issuer);

/* Who signed and whether the signature holds. */
enum tp_ocsp_sig {
    TP_OCSP_SIG_NOT_CHECKED = 0,    /* no basic response, or no issuer given */
    TP_OCSP_SIG_OK,                 /* verifies with the issuer's key or a valid delegated responder */
    TP_OCSP_SIG_BAD,                /* the signer was found and the signature does not verify */
    TP_OCSP_SIG_NO_SIGNER,          /* the responder id is neither the issuer nor a certificate in the response */
    TP_OCSP_SIG_BAD_DELEGATE,       /* the responder certificate is not issued by the issuer, lacks
                                     * id-kp-OCSPSigning, or is outside its validity at `now` */
    TP_OCSP_SIG_UNSUPPORTED,        /* an algorithm this build does not verify (RSA-PSS, DSA) */
};
struct tp_ocsp_sig_result {
    enum tp_ocsp_sig status;
    bool delegated;                 /* signed by a responder certificate from `certs` */
    int signer_index;               /* that certificate's index in certs, -1 for the issuer itself */
    char why[200];                  /* one sentence when status is not OK */
};
/* Verify r's signature (RFC 6960 §4.2.2.2) with issuer; now: the judged time for
 * a delegated responder's validity (0: the current time). */
void tp_ocsp_verify(const struct tp_ocsp_response *r, const struct tp_cert_info *issuer, time_t now,
                    struct tp_ocsp_sig_result *out);
const char *tp_ocsp_sig_name(enum tp_ocsp_sig s);

/* ---- asking the responder (revfetch.c, --check-revocation) ---- */
/* An OCSPRequest for cert with a SHA-1 CertID (RFC 6960 §4.1.1, what every
 * responder answers); *out malloc'd. */
enum tp_err tp_ocsp_request(const struct tp_cert_info *cert, const struct tp_cert_info *issuer, uint8_t **out,
                            size_t *len) TP_MUST_USE;
/* Send req to an http:// responder: POST, then GET (RFC 6960 appendix A.1),
 * each within timeout_ms; *resp malloc'd, method "POST" or "GET"; err says why
 * both failed. */
enum tp_err tp_ocsp_fetch(const char *url, const uint8_t *req, size_t req_len, int timeout_ms, uint8_t **resp,
                          size_t *resp_len, char *method, size_t methodlen, char *err, size_t errlen) TP_MUST_USE;
/* A CRL from an http:// distribution point (*der malloc'd: DER or PEM). */
enum tp_err tp_crl_fetch(const char *url, int timeout_ms, uint8_t **der, size_t *len, char *err,
                         size_t errlen) TP_MUST_USE;

#endif
