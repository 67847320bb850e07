/* Private helpers of the x509 module: a DER walker on top of tlsprobe/reader.h,
 * OID names, RFC 2253 text for Names, times, a tiny DER writer, HTTP fetch. */
#ifndef TP_X509_INT_H
#define TP_X509_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "tlsprobe/reader.h"
#include "tlsprobe/strbuf.h"
#include "tlsprobe/x509.h"

/* ASN.1 tags we use (single byte, universal or context class). */
enum {
    DER_BOOLEAN = 0x01, DER_INTEGER = 0x02, DER_BIT_STRING = 0x03, DER_OCTET_STRING = 0x04,
    DER_NULL = 0x05, DER_OID = 0x06, DER_UTF8 = 0x0c, DER_PRINTABLE = 0x13, DER_T61 = 0x14,
    DER_IA5 = 0x16, DER_UTCTIME = 0x17, DER_GENTIME = 0x18, DER_UNIVERSAL = 0x1c, DER_BMP = 0x1e,
    DER_SEQUENCE = 0x30, DER_SET = 0x31,
};
#define DER_CTX(n) (0x80 | (n))       /* [n] IMPLICIT primitive */
#define DER_CTXC(n) (0xa0 | (n))      /* [n] constructed / EXPLICIT */

struct der_tlv {
    uint8_t tag;
    struct tp_bytes val;    /* content octets */
    struct tp_bytes whole;  /* tag + length + content */
};

/* Read one TLV (definite length, single-byte tag). Truncation → TP_ERR_TRUNCATED,
 * indefinite/overlong/multi-byte tag → TP_ERR_MALFORMED (sticky in r). */
bool der_next(struct tp_reader *r, struct der_tlv *out);
/* Read a TLV that must have `tag`; sub (optional) reads its content. */
bool der_expect(struct tp_reader *r, uint8_t tag, struct der_tlv *out, struct tp_reader *sub);
/* The next AttributeTypeAndValue of an RDN: SEQUENCE { type OID, value ANY }. */
bool der_ava(struct tp_reader *rdn, struct der_tlv *type, struct der_tlv *value);
/* Next tag without consuming; false at end or on error. */
bool der_peek(const struct tp_reader *r, uint8_t *tag);
/* Skip an optional TLV with `tag` if it is next; returns true when present (out filled). */
bool der_optional(struct tp_reader *r, uint8_t tag, struct der_tlv *out);

/* OID helpers: compare content bytes with a dotted string; dotted text. */
bool oid_is(struct tp_bytes oid, const char *dotted);
void oid_text(struct tp_sb *sb, struct tp_bytes oid);

/* RFC 2253 text of a Name (content of the SEQUENCE), most specific RDN first.
 * Control bytes are written as \XX so the C string never holds a NUL. */
bool name_text(struct tp_bytes name_seq_content, struct tp_sb *out);
/* First CN value (raw, may contain NUL) of a Name; false when none. */
bool name_first_cn(struct tp_bytes name_seq_content, struct tp_bytes *cn);
/* UTCTime / GeneralizedTime TLV → time_t. */
bool der_time(const struct der_tlv *t, time_t *out);

/* SubjectPublicKeyInfo (whole TLV) → type, bits, "EC P-256". */
bool spki_describe(struct tp_bytes spki_whole, enum tp_key_type *type, int *bits, char desc[32]);
/* Describe an algorithm identifier of a signature. */
void sig_alg_name(struct tp_bytes alg_oid, char out[48], bool *weak);

/* GeneralNames content → SAN array (appends). */
bool general_names(struct tp_bytes content, struct tp_san **san, size_t *n, size_t *n_total);
void san_free(struct tp_san *san, size_t n);

/* Heap copy of bytes plus a NUL. */
char *dup_bytes(const uint8_t *p, size_t n);
char *dup_str(const char *s);

/* Tiny DER writer (for re-encoding an SPKI from a private key). */
void der_put(struct tp_sb *sb, uint8_t tag, const uint8_t *p, size_t n);

/* SHA-256 (wolfCrypt). */
bool sha256(const uint8_t *p, size_t n, uint8_t out[32]);

/* Fetch an http:// URL (AIA): deadline in ms, body capped at max bytes, at most
 * one redirect. *body malloc'd. err set on failure. */
enum tp_err http_get(const char *url, int timeout_ms, size_t max, uint8_t **body, size_t *body_len,
                     char *err, size_t errlen);
/* The same as one POST of post (at most 4096 bytes, Content-Type ctype; an OCSP
 * request, RFC 6960 appendix A.1); a redirect is not followed. */
enum tp_err http_post(const char *url, int timeout_ms, size_t max, const uint8_t *post, size_t post_len,
                      const char *ctype, uint8_t **body, size_t *body_len, char *err, size_t errlen);

/* The parts of a Certificate (RFC 5280 §4.1), located by cert_locate: views into
 * the DER. false (and *err) when it is not one. */
struct cert_parts {
    struct der_tlv tbs, sig_alg, sig_alg_oid, sig, version, serial, tbs_sig_alg, issuer, subject, not_before,
        not_after, spki, exts;
    bool has_version, has_exts;
};
bool cert_locate(const uint8_t *der, size_t len, struct cert_parts *cp, enum tp_err *err);

/* tp_cert_parse, optionally without verifying a self-issued certificate's own
 * signature (store loading: anchors are trusted as configured). */
enum tp_err cert_parse_ex(const uint8_t *der, size_t len, bool check_self, struct tp_cert_info **out);
/* Classify der as a PEM block with `label` would be and append it to f, shown
 * with the label `shown` (objects tp_file_open_secrets found inside others). */
enum tp_err file_append_der(struct tp_file *f, const uint8_t *der, size_t len, const char *label, const char *shown);
/* tp_file_read for trust anchors (no self-signature checks). */
enum tp_err file_read_anchors(const char *path, struct tp_file **out);
/* Internal: the signature check used by tp_cert_issued_by. */
bool cert_sig_verifies(const struct tp_cert_info *child, const struct tp_cert_info *issuer);
/* Internal: names match and AKI/SKI do not contradict. */
bool cert_name_links(const struct tp_cert_info *child, const struct tp_cert_info *issuer);

/* Name constraints (nc.c). nc_well_formed: the subtrees of ci (already located)
 * decode, with minimum 0 and no maximum (RFC 5280 §4.2.1.10); forms we do not
 * evaluate are judged only against names of that form (nc_permits). nc_permits:
 * 0 when `ca`'s constraints allow every name of `ci` (subject DN and
 * emailAddress, SAN entries), 1 when not, with a sentence in why. *work counts
 * comparisons (bounded by TP_MAX_NC_CHECKS). */
bool nc_well_formed(struct tp_cert_info *ci);
int nc_permits(const struct tp_cert_info *ca, const struct tp_cert_info *ci, char *why, size_t whylen,
               unsigned *work);

/* sig.c: a signature (alg OID content, BIT STRING content) over signed_bytes with
 * the key of a SubjectPublicKeyInfo (whole TLV), by wolfCrypt. 1 verifies, 0 does
 * not, -1 an algorithm not handled (RSA-PSS, DSA). */
int sig_verify_raw(struct tp_bytes alg_oid, struct tp_bytes signed_bytes, struct tp_bytes sig_bits,
                   struct tp_bytes spki_whole);

/* ocsp.c: the TLS Feature extension value (RFC 7633 §6: SEQUENCE OF INTEGER)
 * into ci->has_tls_feature / must_staple; false when it does not decode. */
bool cert_tls_feature(struct tp_cert_info *ci, struct tp_bytes val);

#endif
