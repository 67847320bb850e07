/* Certificate revocation lists (RFC 5280 §5): decode a CertificateList, verify
 * its signature with the issuer's key (wolfCrypt), and look a certificate up in
 * it. Decoding is on the DER walker (x509/der.c over the core reader); the
 * entries kept for display are capped (TP_MAX_CRL_ENTRIES), the look-up reads
 * every entry from the DER.
 *
 * Owns: the CRL model and its checks (module x509). Must not: print, fetch, or
 * word findings (diagnose does).
 */
#ifndef TLSPROBE_CRL_H
#define TLSPROBE_CRL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "tlsprobe/bytes.h"
#include "tlsprobe/error.h"
#include "tlsprobe/x509.h"

struct tp_crl_entry {
    struct tp_bytes serial;         /* INTEGER content octets (view into the CRL's der) */
    char serial_hex[130];           /* as tp_cert_info.serial_hex */
    time_t revocation_date;
    int reason;                     /* CRLReason (reasonCode entry extension), -1 when absent */
};

struct tp_crl {
    uint8_t *der;                   /* owned copy */
    size_t der_len;
    int version;                    /* 1 or 2 */
    char *issuer;                   /* RFC 2253 text (owned) */
    struct tp_bytes issuer_der;     /* contents of the issuer Name SEQUENCE */
    time_t this_update;
    bool has_next_update;
    time_t next_update;
    struct tp_crl_entry *entries;   /* owned, the first n_entries (<= TP_MAX_CRL_ENTRIES) */
    size_t n_entries, n_entries_total;
    bool has_crl_number;
    char crl_number_hex[64];
    bool is_delta;                  /* deltaCRLIndicator (RFC 5280 §5.2.4) */
    char delta_base_hex[64];        /* its BaseCRLNumber */
    char sig_alg[48];
    bool sig_weak;
    struct tp_bytes tbs, sig_alg_oid, signature, revoked_der; /* views: signed bytes, BIT STRING, the
                                                              * revokedCertificates contents */
};

/* Decode one CRL (DER). TP_ERR_TRUNCATED / TP_ERR_MALFORMED when it is not one.
 * Free with tp_crl_free. */
enum tp_err tp_crl_parse(const uint8_t *der, size_t len, struct tp_crl **out) TP_MUST_USE;
void tp_crl_free(struct tp_crl *crl);
/* The signature with issuer's key: 1 verifies, 0 does not, -1 an algorithm
 * this build does not check (RSA-PSS, DSA). Names are not compared here. */
int tp_crl_verify(const struct tp_crl *crl, const struct tp_cert_info *issuer);
/* Does crl speak for cert: the CRL's issuer Name is the certificate's issuer
 * (byte for byte, RFC 5280 §6.3.3 (b) for a complete CRL without an indirect
 * issuer). */
bool tp_crl_covers(const struct tp_crl *crl, const struct tp_cert_info *cert);
/* The entry for cert's serial (searching every entry, kept or not): true and
 * *out filled when listed. */
bool tp_crl_lookup(const struct tp_crl *crl, const struct tp_cert_info *cert, struct tp_crl_entry *out);

#endif
