/* Certificates, keys and files: summarise DER, read PEM/DER files, build and
 * verify a path ourselves, match names per RFC 6125.
 *
 * Built on wolfSSL's OpenSSL-compatible X509 API and wolfCrypt (see
 * ../shared/wolfssl-notes.md, "Certificates from DER"). Text fields are owned,
 * NUL-terminated copies of what the certificate says (UTF-8 or raw bytes: escape
 * with tp_sb_put_escaped before printing, names may hold anything).
 *
 * Owns: certificate summaries, files, the trust store, path building and
 * validation, name matching, AIA fetch, PEM encoding (module x509). Must not: know
 * about sessions or TLS messages, print, or word findings (diagnose does).
 */
#ifndef TLSPROBE_X509_H
#define TLSPROBE_X509_H
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "tlsprobe/bytes.h"
#include "tlsprobe/error.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/truststores.h"

struct tp_ct_logs;
struct tp_ct_result;

enum tp_san_type { TP_SAN_DNS, TP_SAN_IP, TP_SAN_EMAIL, TP_SAN_URI, TP_SAN_OTHER };
struct tp_san {
    enum tp_san_type type;
    char *value;            /* DNS/email/URI as written; IP as text ("192.0.2.1", "::1") */
    size_t value_len;       /* may contain NUL bytes: use the length */
};

/* Key usage bits (RFC 5280 §4.2.1.3), our own numbering. */
enum {
    TP_KU_DIGITAL_SIGNATURE = 1 << 0,
    TP_KU_NON_REPUDIATION = 1 << 1,
    TP_KU_KEY_ENCIPHERMENT = 1 << 2,
    TP_KU_DATA_ENCIPHERMENT = 1 << 3,
    TP_KU_KEY_AGREEMENT = 1 << 4,
    TP_KU_KEY_CERT_SIGN = 1 << 5,
    TP_KU_CRL_SIGN = 1 << 6,
    TP_KU_ENCIPHER_ONLY = 1 << 7,
    TP_KU_DECIPHER_ONLY = 1 << 8,
};
/* Extended key usage bits. */
enum {
    TP_EKU_SERVER_AUTH = 1 << 0,
    TP_EKU_CLIENT_AUTH = 1 << 1,
    TP_EKU_CODE_SIGNING = 1 << 2,
    TP_EKU_EMAIL = 1 << 3,
    TP_EKU_TIME_STAMPING = 1 << 4,
    TP_EKU_OCSP_SIGNING = 1 << 5,
    TP_EKU_ANY = 1 << 6,
};

enum tp_key_type { TP_KEY_UNKNOWN, TP_KEY_RSA, TP_KEY_EC, TP_KEY_ED25519, TP_KEY_ED448, TP_KEY_DSA, TP_KEY_DH };

struct tp_cert_info {
    uint8_t *der;               /* owned copy */
    size_t der_len;
    char *subject;              /* one line, RFC 2253 order "CN=a,O=b" */
    char *issuer;
    char *subject_cn;           /* first CN or NULL */
    char *serial_hex;
    struct tp_san *san;
    size_t n_san, n_san_total;
    time_t not_before, not_after;
    enum tp_key_type key_type;
    int key_bits;               /* RSA modulus / EC field size */
    char key_desc[32];          /* "RSA 2048", "EC P-256", "Ed25519" */
    char sig_alg[48];           /* "ecdsa-with-SHA256", "sha256WithRSAEncryption" */
    bool sig_weak;              /* MD5 or SHA-1 based */
    bool is_ca;
    int path_len;               /* -1: not set */
    bool has_key_usage;
    unsigned key_usage;         /* TP_KU_* */
    bool has_ext_key_usage;
    unsigned ext_key_usage;     /* TP_EKU_* */
    uint8_t ski[64], aki[64];
    size_t ski_len, aki_len;
    char *aia_ca_issuers;       /* first caIssuers URL or NULL */
    char *aia_ocsp;
    char *crl_dp;               /* first CRL distribution point URL or NULL */
    bool has_sct;
    uint8_t sha256[32];
    bool self_issued;           /* subject == issuer */
    bool self_signed;           /* self_issued and the signature verifies with its own key */

    /* RFC 5280 profile facts that path validation reads (x509/verify.c). The
     * tp_bytes are views into der (valid while the struct lives). */
    int version;                /* 1, 2 or 3 (v1 when the field is absent) */
    bool has_basic_constraints;
    bool has_san, san_critical;
    struct tp_bytes subject_der, issuer_der; /* contents of the Name SEQUENCEs */
    struct tp_bytes san_der;    /* GeneralNames contents (empty when no SAN) */
    bool has_name_constraints;
    struct tp_bytes nc_permitted, nc_excluded; /* GeneralSubtrees contents (empty when absent) */
    bool eku_other;             /* an extKeyUsage OID not in TP_EKU_* */
    uint8_t spki_sha256[32];    /* SHA-256 of the SubjectPublicKeyInfo */
    /* What is wrong with the encoding itself; the certificate is still summarised. */
    char bad_ext[64];           /* first extension whose value cannot be decoded: dotted OID ("" none) */
    size_t bad_ext_offset;      /* its byte offset in der */
    char unhandled_critical[64];/* first critical extension this verifier does not process ("" none) */
    char duplicate_ext[64];     /* an extension that appears twice (RFC 5280 §4.2) */
    bool sig_alg_mismatch;      /* signatureAlgorithm != tbsCertificate.signature (§4.1.1.2) */
    bool serial_invalid;        /* negative or over 20 octets (§4.1.2.2) */
    bool serial_zero;           /* zero: not positive (§4.1.2.2), but a real root has it */
    bool version_invalid;       /* extensions in a v1/v2 certificate, or an unknown version (§4.1.2.1) */
    bool bc_critical;           /* basicConstraints marked critical */
    bool has_aki, aki_extra;    /* AKI present; it carries authorityCertIssuer/SerialNumber */
    char criticality_bad[64];   /* an extension marked against §4.2's rule (AKI, SKI, AIA must not be
                                 * critical; policyConstraints must be) */
    struct tp_bytes sct_list;   /* the embedded SignedCertificateTimestampList (view into der;
                                 * empty when none): tlsprobe/sct.h */
    /* appended (revocation): the TLS Feature extension (RFC 7633, 1.3.6.1.5.5.7.1.24) */
    bool has_tls_feature;
    bool must_staple;           /* it lists status_request (5): "OCSP Must-Staple" */
};

/* wolfSSL's per-thread ECC fixed-point cache (FP_ECC in Debian's build) builds a
 * ~5 ms table on a point's second use. By default each ECDSA check here starts
 * from an empty cache (a probe checks a handful of signatures). A program whose
 * threads keep signing with the same key (listen) keeps the cache instead. */
void tp_x509_keep_ecc_cache(bool keep);

/* Summarise one DER certificate. *out is heap-allocated (free with tp_cert_free).
 * TP_ERR_MALFORMED when it isn't a certificate. */
enum tp_err tp_cert_parse(const uint8_t *der, size_t len, struct tp_cert_info **out) TP_MUST_USE;
void tp_cert_free(struct tp_cert_info *ci);
/* Does `issuer` issue `child`: names match, AKI/SKI agree when both present, and
 * child's signature verifies with issuer's key. */
bool tp_cert_issued_by(const struct tp_cert_info *child, const struct tp_cert_info *issuer);
/* JA4X (FoxIO's JA4+, FoxIO License 1.1, patent pending: docs/fingerprints.md) of a
 * certificate's DER: how it was made, "a_b_c" with the SHA-256 (12 hex each) of the
 * issuer's attribute type OIDs, the subject's, and the extensions' OIDs, each in
 * DER order. false and out "" when the DER is not a certificate or the build has
 * no JA4+ (cmake -DTP_JA4PLUS=OFF). */
bool tp_cert_ja4x(const uint8_t *der, size_t len, char out[40]);
/* Days from `now` until not_after (negative when expired). */
long tp_cert_days_left(const struct tp_cert_info *ci, time_t now);

/* ---- RFC 6125 name matching ---- */
enum tp_name_status {
    TP_NAME_NOT_CHECKED = 0,
    TP_NAME_OK,               /* a SAN matches */
    TP_NAME_OK_CN_ONLY,       /* no SAN of that type at all; the subject CN matches (legacy) */
    TP_NAME_MISMATCH,
};
/* name: DNS name or IP literal. Wildcards per RFC 6125 §6.4.3: only the whole
 * left-most label, never for IPs, never across dots, no partial "a*.b". */
enum tp_name_status tp_cert_match_name(const struct tp_cert_info *ci, const char *name);

/* ---- files (inspect) ---- */
struct tp_p12;
enum tp_obj_kind {
    TP_OBJ_UNKNOWN = 0,
    TP_OBJ_CERTIFICATE,
    TP_OBJ_PRIVATE_KEY,
    TP_OBJ_PUBLIC_KEY,
    TP_OBJ_CSR,
    TP_OBJ_CRL,
    TP_OBJ_PKCS12,
    TP_OBJ_PKCS7,
};
struct tp_file_obj {
    enum tp_obj_kind kind;
    bool pem;
    char pem_label[48];         /* "CERTIFICATE", "PRIVATE KEY", "EC PRIVATE KEY", ... */
    uint8_t *der;               /* owned */
    size_t der_len;
    struct tp_cert_info *cert;  /* kind == CERTIFICATE */
    enum tp_key_type key_type;  /* keys and CSRs */
    int key_bits;
    char key_desc[32];
    bool key_encrypted;         /* "ENCRYPTED PRIVATE KEY" / Proc-Type: 4,ENCRYPTED */
    bool key_decrypted;         /* opened with --pass (tp_file_open_secrets, tlsprobe/pkcs12.h) */
    uint8_t *key_der;           /* then the key in clear DER (owned, wiped on free) */
    size_t key_der_len;
    char dek_info[96];          /* legacy encrypted PEM: its DEK-Info header ("AES-256-CBC,<iv>") */
    struct tp_p12 *p12;         /* kind == PKCS12 after tp_file_open_secrets (owned) */
    uint8_t pub_sha256[32];     /* SHA-256 of the public key (SPKI) to pair keys with certs */
    bool has_pub_sha256;
    char *csr_subject;          /* CSR */
    struct tp_san *csr_san;
    size_t csr_n_san;
    char *crl_issuer;           /* CRL */
    time_t crl_this_update, crl_next_update;
    size_t crl_n_revoked;
    /* appended (x509): why a PEM block could not be used, e.g. bad base64 or a body
     * that is not what its label says (kind is then TP_OBJ_UNKNOWN); NULL when fine */
    const char *problem;
};
struct tp_file {
    char *path;
    size_t size;
    bool pem;                   /* the file is text with PEM blocks */
    struct tp_file_obj *objs;
    size_t n_objs;
    char error[256];            /* non-empty when nothing could be read */
};
/* Read and classify every object in a file (PEM blocks in order, or one DER
 * object). Bounded by TP_MAX_INPUT_FILE. Returns TP_OK even if objects are of
 * unknown kind; TP_ERR_IO / TP_ERR_LIMIT / TP_ERR_MALFORMED with f->error set
 * when the file can't be read at all. Free with tp_file_free. */
enum tp_err tp_file_read(const char *path, struct tp_file **out) TP_MUST_USE;
/* Read a whole stream (a file, a pipe, stdin) into *buf (malloc'd, the caller
 * frees it, also on error), at most TP_MAX_INPUT_FILE bytes: TP_ERR_LIMIT when
 * longer, TP_ERR_IO on a read error, TP_ERR_NOMEM (then *buf is not set). */
enum tp_err tp_file_slurp(FILE *fp, uint8_t **buf, size_t *len) TP_MUST_USE;
/* The same from memory (fuzzing, tests). name is used in messages. */
enum tp_err tp_file_parse(const char *name, const uint8_t *data, size_t len, struct tp_file **out) TP_MUST_USE;
void tp_file_free(struct tp_file *f);
/* SHA-256 of a certificate's SPKI (to pair with a private key's public part). */
bool tp_cert_pub_sha256(const struct tp_cert_info *ci, uint8_t out[32]);

/* ---- trust store and path building ---- */
struct tp_store;   /* opaque: trust anchors + extra intermediates */
/* cafile/capath NULL: the system store, honouring SSL_CERT_FILE / SSL_CERT_DIR,
 * then /etc/ssl/certs/ca-certificates.crt and /etc/ssl/certs. */
enum tp_err tp_store_load(const char *cafile, const char *capath, struct tp_store **out, char *err, size_t errlen) TP_MUST_USE;
/* Candidate intermediates (never trusted as anchors): a file or a directory. */
enum tp_err tp_store_add_intermediates(struct tp_store *st, const char *file_or_dir, char *err, size_t errlen) TP_MUST_USE;
void tp_store_free(struct tp_store *st);
size_t tp_store_count_roots(const struct tp_store *st);
const char *tp_store_describe(const struct tp_store *st); /* "/etc/ssl/certs/ca-certificates.crt (146 roots)" */

enum tp_purpose { TP_PURPOSE_SERVER, TP_PURPOSE_CLIENT };

struct tp_verify_opts {
    const struct tp_store *store;
    const char *host;           /* name to check (DNS or IP literal); NULL: no name check */
    enum tp_purpose purpose;
    bool aia;                   /* fetch a missing issuer from the AIA caIssuers URL */
    int aia_timeout_ms;
    time_t now;                 /* 0: time(NULL); captures pass the capture time */
    int expiring_days;          /* warn threshold, 0: TP_POLICY_EXPIRY_WARN_DAYS (policy.h) */
    size_t n_sent_total;        /* certificates in the message when the caller kept fewer (0: n) */
    bool has_max_depth;         /* check --max-depth N: at most N intermediates on the path */
    int max_depth;
    /* appended (truststores): the public trust-store data to judge the path's root
     * against (tp_trust_judge into the result's trust); NULL: not judged */
    const struct tp_trust_db *trust_db;
    /* Certificate Transparency (tlsprobe/sct.h), for TP_PURPOSE_SERVER: the SCT
     * lists the leaf came with in TLS and in a stapled OCSP response (empty when
     * none), and the log list (NULL: tp_ct_logs_load(NULL)). */
    struct tp_bytes ct_tls_list, ct_ocsp_list;
    const struct tp_ct_logs *ct_logs;
};

enum tp_path_status {
    TP_PATH_NOT_CHECKED = 0,
    TP_PATH_OK,                 /* path to a trust anchor, every signature verifies */
    TP_PATH_EMPTY,              /* no certificate sent */
    TP_PATH_UNKNOWN_AUTHORITY,  /* path ends at an issuer not in the store (root not trusted) */
    TP_PATH_SELF_SIGNED,        /* the leaf itself is self-signed and not trusted */
    TP_PATH_MISSING_INTERMEDIATE, /* an intermediate was not sent; it was found
                                   * (AIA or --intermediates) and completes a trusted path */
    TP_PATH_BAD_SIGNATURE,      /* a link's signature does not verify */
};

/* Where each certificate of the built path came from. */
enum tp_path_src { TP_FROM_SENT, TP_FROM_INTERMEDIATES, TP_FROM_AIA, TP_FROM_STORE };

struct tp_path_elem {
    enum tp_path_src src;
    int sent_index;             /* index in the sent chain, or -1 */
    struct tp_cert_info *cert;  /* owned by the result */
};

/* One reason a candidate path fails RFC 5280 §6.1 processing. */
struct tp_path_problem {
    char id[40];                /* finding id: "name-constraint-violation", "ca-not-authorized", ... */
    int index;                  /* path index of the certificate at fault (-1: none) */
    int by_index;               /* path index of the CA whose constraint it breaks (-1: none) */
    char text[480];             /* one sentence for people (names escaped) */
};
#define TP_MAX_PATH_PROBLEMS 8
/* Another path the builder judged and why it was not taken. */
struct tp_path_attempt {
    char text[400];
};
#define TP_MAX_PATH_ATTEMPTS 6

struct tp_verify_result {
    enum tp_path_status status;
    size_t n_sent;
    struct tp_path_elem path[TP_MAX_CHAIN_CERTS + 4];
    size_t path_len;            /* leaf first, anchor last when found */
    char missing_issuer[512];   /* issuer DN we could not find (unknown-authority / missing-intermediate) */
    char store_desc[256];       /* what "the store" was */
    size_t store_roots;
    /* AIA */
    bool aia_tried, aia_ok;
    char aia_url[512];
    char aia_error[160];
    /* shape of the sent chain */
    bool order_ok;              /* every sent cert is issued by the next one */
    int misordered_index;       /* first sent index out of order, -1 */
    bool root_sent;             /* a self-signed anchor was included */
    size_t n_extra;             /* sent certs not on the path */
    int extra_index[TP_MAX_CHAIN_CERTS]; /* their sent indices */
    /* dates over the path (index into path[], -1 when none) */
    int expired_index, not_yet_valid_index, expiring_soon_index;
    /* name */
    enum tp_name_status name_status;
    char name[TP_MAX_NAME_LEN + 1];
    /* leaf purpose */
    bool leaf_ku_ok;            /* digitalSignature/keyEncipherment present or no KU */
    bool leaf_eku_ok;           /* serverAuth (or clientAuth for TP_PURPOSE_CLIENT) or no EKU */
    /* strength (index into path[], -1 when none); the anchor's own signature is not judged */
    int weak_key_index, weak_sig_index;
    /* The verdict a strict RFC 5280 / RFC 6125 client gives: a path to an anchor,
     * every certificate valid at opts->now, every path check passed, the name (when
     * asked) in a SAN, the leaf allowed for the purpose, every certificate of the
     * path sent (not only found by AIA / --intermediates). reject_id is the finding id
     * of the first reason it is not valid ("" when valid). */
    bool valid;
    char reject_id[48];
    /* Path building (backtracking over every candidate issuer). */
    struct tp_path_problem problems[TP_MAX_PATH_PROBLEMS]; /* of the chosen path, first = main reason */
    size_t n_problems;
    struct tp_path_attempt tried[TP_MAX_PATH_ATTEMPTS];    /* other paths judged, and why each failed */
    size_t n_tried;
    size_t n_paths;             /* complete candidate paths judged */
    unsigned sig_checks;        /* signature verifications made */
    bool search_limited;        /* a work bound (TP_MAX_PATH_*) ended the search */
    bool sent_truncated;        /* more were sent than were used as candidates (n_used) */
    size_t n_used;              /* sent certificates considered as issuers */
    time_t at;                  /* the validation time used */
    /* appended (truststores): which public stores hold the path's root (judged
     * false when tp_verify_opts.trust_db was NULL) */
    struct tp_trust_verdict trust;
    struct tp_ct_result *ct;    /* the leaf's SCTs judged (tlsprobe/sct.h); NULL: none came, or not a server chain */
};

/* Build and verify a path from the chain as sent (DER, leaf first). Never fails
 * for a bad chain: the result says what is wrong. res is heap-allocated; free
 * with tp_verify_result_free. */
enum tp_err tp_chain_verify(const struct tp_bytes *chain, size_t n, const struct tp_verify_opts *opts,
                            struct tp_verify_result **res) TP_MUST_USE;
void tp_verify_result_free(struct tp_verify_result *res);

/* ---- PEM encoding (pem.c) ---- */
struct tp_sb;
/* der as PEM with the given label ("CERTIFICATE"): RFC 7468 §2, 64 columns. */
void tp_pem_encode(struct tp_sb *out, const char *label, const uint8_t *der, size_t n);

#endif
