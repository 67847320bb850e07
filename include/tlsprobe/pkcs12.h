/* Secrets and identities (module x509): the one reader of a --pass SPEC, the
 * PKCS#12 walker behind `inspect file.p12`, and the loader that turns --cert /
 * --key files (PEM, DER, PKCS#12, encrypted PEM keys) into the DER a TLS context
 * takes.
 *
 * --pass SPEC follows OpenSSL's conventions: pass:TEXT, env:VAR, file:PATH (its
 * first line), fd:N (the first line read from descriptor N), stdin (the first
 * line of standard input). A secret lives in one heap buffer that tp_secret_wipe
 * zeroes (explicit_bzero) before freeing; no function here prints or copies a
 * password into a message.
 *
 * The PKCS#12 walker (RFC 7292) parses the PFX with the DER reader: the MAC
 * (algorithm, iterations), each safe of the AuthenticatedSafe (plain, or
 * encrypted and with which PBE: PBES2/PBKDF2 or the legacy PKCS#12 PBEs), each
 * bag (type, friendlyName, localKeyId). With a password it checks the MAC and
 * decrypts the safes and the shrouded key with wolfCrypt (no crypto of its
 * own), so the certificates and the key can be summarised by tp_file_* .
 *
 * Owns: struct tp_secret, struct tp_p12, struct tp_identity. Must not: print,
 * word findings, or keep a password after the call that needed it. */
#ifndef TLSPROBE_PKCS12_H
#define TLSPROBE_PKCS12_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/error.h"
#include "tlsprobe/x509.h"

/* ---- secrets (pass.c) ---- */
struct tp_secret {
    char *text;     /* NUL-terminated, heap; NULL: no secret given */
    size_t len;
};
/* Read the secret SPEC names into *out. On error: TP_ERR_USAGE (unknown form),
 * TP_ERR_IO (unreadable file or descriptor, unset variable), TP_ERR_LIMIT (longer
 * than TP_MAX_PASS_LEN) with one line in err that never contains the secret or
 * the SPEC's text after "pass:". */
enum tp_err tp_pass_read(const char *spec, struct tp_secret *out, char *err, size_t errlen) TP_MUST_USE;
/* Zero and free; safe on a zeroed or already wiped secret. */
void tp_secret_wipe(struct tp_secret *s);
/* Does the SPEC read standard input ("stdin" or "fd:0")? */
bool tp_pass_uses_stdin(const char *spec);

/* ---- PKCS#12 (p12.c) ---- */
/* One password-based encryption, as the file names it. */
struct tp_p12_pbe {
    char name[96];          /* "PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC" / "pbeWithSHAAnd40BitRC2-CBC" */
    long iterations;        /* 0: unknown */
    bool legacy;            /* not PBES2 with AES */
    bool openssl3_refuses;  /* RC2, RC4, single DES: OpenSSL 3 needs -legacy */
};

enum tp_p12_bag_type {
    TP_P12_BAG_KEY, TP_P12_BAG_SHROUDED_KEY, TP_P12_BAG_CERT, TP_P12_BAG_CRL,
    TP_P12_BAG_SECRET, TP_P12_BAG_SAFE, TP_P12_BAG_OTHER,
};
struct tp_p12_bag {
    enum tp_p12_bag_type type;
    size_t safe;                /* index into safes[] */
    char *friendly_name;        /* UTF-8 from the BMPString (heap), NULL when absent */
    uint8_t local_key_id[64];
    size_t local_key_id_len;    /* 0: absent (longer ids are cut to 64 bytes) */
    bool has_pbe;               /* shrouded key: its own encryption */
    struct tp_p12_pbe pbe;
    bool opened;                /* der holds the certificate / the PKCS#8 key */
    uint8_t *der;               /* owned; cert: X.509 DER; key: PrivateKeyInfo DER (wiped on free) */
    size_t der_len;
    size_t object;              /* tp_file_open_secrets: 1-based index of its object in the file (0: none) */
};
struct tp_p12_safe {
    bool encrypted;             /* EncryptedData (else plain Data) */
    struct tp_p12_pbe pbe;      /* when encrypted */
    bool opened;                /* its bags were read */
    size_t n_bags;
};
enum tp_p12_status {
    TP_P12_OPENED,              /* MAC verified (or none) and every safe read */
    TP_P12_NEEDS_PASSWORD,      /* encrypted or MAC'd with a password we were not given */
    TP_P12_WRONG_PASSWORD,      /* MAC verification (or decryption without a MAC) failed */
    TP_P12_UNSUPPORTED,         /* an algorithm this wolfSSL build cannot decrypt (why says which) */
};
struct tp_p12 {
    bool has_mac;
    char mac_alg[16];           /* "SHA-256", "SHA-1" */
    long mac_iterations;
    bool mac_legacy;            /* SHA-1 MAC */
    struct tp_p12_safe safes[TP_MAX_P12_SAFES];
    size_t n_safes;
    struct tp_p12_bag bags[TP_MAX_P12_BAGS];
    size_t n_bags;
    enum tp_p12_status status;
    char why[160];              /* status != OPENED: one line (never the password) */
    bool legacy;                /* any legacy PBE or a SHA-1 MAC */
    bool openssl3_refuses;      /* any PBE OpenSSL 3 refuses without -legacy */
};
/* Walk a PFX. pass NULL: no password given (the empty password and none are
 * still tried, as OpenSSL does). TP_ERR_MALFORMED / TP_ERR_TRUNCATED /
 * TP_ERR_LIMIT when the structure is bad (*out NULL); TP_OK otherwise, with
 * (*out)->status saying how far it opened. Free with tp_p12_free. */
enum tp_err tp_p12_walk(const uint8_t *der, size_t len, const struct tp_secret *pass, struct tp_p12 **out) TP_MUST_USE;
void tp_p12_free(struct tp_p12 *p);

/* Open the PKCS#12 objects of f with pass (NULL: none given): each gets its
 * walk (tp_file_obj.p12) and the certificates and the key it holds follow it as
 * objects (pem_label "PKCS12 certificate" / "PKCS12 key"), so keys pair with
 * certificates as in any file. Decrypts encrypted PEM private keys too (their
 * key_desc and public key become known). Returns TP_OK, or the first problem
 * with one line in err (e.g. "wrong password for F (MAC verification failed)",
 * a damaged archive, an algorithm this wolfSSL cannot decrypt). An archive
 * that needs a password when pass is NULL is not an error here: its walk says
 * TP_P12_NEEDS_PASSWORD (inspect shows what is outside the encryption). */
enum tp_err tp_file_open_secrets(struct tp_file *f, const struct tp_secret *pass, char *err, size_t errlen) TP_MUST_USE;

/* ---- identities for connect/listen (identity.c) ---- */
struct tp_identity {
    uint8_t *chain_pem;         /* leaf first, then the chain, PEM (heap) */
    size_t chain_pem_len;
    uint8_t *key_der;           /* PKCS#8 or traditional DER, unencrypted (heap, wiped on free) */
    size_t key_der_len;
    size_t n_certs;
};
/* cert_path: PEM/DER certificate(s) or a PKCS#12 file (detected by content);
 * key_path: PEM/DER key, encrypted or not (NULL: the key comes from the
 * PKCS#12 file); chain_path: extra PEM/DER chain (NULL: none). The key must
 * match the first certificate (compared by public key). TP_OK, or an error
 * with one line in err. Free with tp_identity_free. */
enum tp_err tp_identity_load(const char *cert_path, const char *key_path, const char *chain_path,
                             const struct tp_secret *pass, struct tp_identity *out, char *err,
                             size_t errlen) TP_MUST_USE;
void tp_identity_free(struct tp_identity *id);

#endif
