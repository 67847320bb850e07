/* The judge's policy numbers, in one place: what counts as too weak or too
 * close, and how much of a long list a finding shows. Plain #defines so the
 * rule texts (rules.def) can spell them with DIAG_STR().
 *
 * Owned by src/diagnose. The verifier (src/x509/verify.c) still carries its own
 * copies of the key minima and x509.h the default expiry window
 * (tp_verify_opts.expiring_days); they must agree with these. */
#ifndef TP_DIAG_POLICY_H
#define TP_DIAG_POLICY_H

#define DIAG_STR_(x) #x
#define DIAG_STR(x) DIAG_STR_(x)

/* expiring-soon: a certificate that expires within this many days. */
#define DIAG_EXPIRY_WARN_DAYS 30
/* weak-key: the smallest keys clients still accept. */
#define DIAG_MIN_RSA_BITS 2048
#define DIAG_MIN_EC_BITS 256

/* remote-alert: at most this many alerts become findings. */
#define DIAG_MAX_ALERT_FINDINGS 3
/* handshake-failed: a peer whose records average under this many bytes split
 * its handshake into tiny records. */
#define DIAG_TINY_RECORD_BYTES 10

/* How much of a list a finding shows before "and N more". */
#define DIAG_SHOW_SUITES 6     /* no-shared-cipher: offered cipher suites */
#define DIAG_SHOW_GROUPS 5     /* no-shared-cipher: offered groups */
#define DIAG_SHOW_CA_NAMES 4   /* mTLS: CA names of a CertificateRequest */
#define DIAG_SHOW_SANS 8       /* names a certificate covers */
#define DIAG_SHOW_SENT 6       /* certificates of a chain as sent */
#define DIAG_SHOW_BANNER 40    /* not-tls: bytes of the peer's first line */

#endif
