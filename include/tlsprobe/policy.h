/* The policy numbers, in one place: what counts as too weak or too close, and
 * how much of a long list a finding shows. Plain #defines so the rule texts
 * (src/diagnose/rules.def) can spell them with TP_POLICY_STR().
 *
 * Owns nothing else; read by the verifier (weak keys, the expiry window) and
 * the diagnoser (the same numbers in the findings' texts). Must not hold
 * anything a user sets: options live in the callers' option structs. */
#ifndef TLSPROBE_POLICY_H
#define TLSPROBE_POLICY_H

#define TP_POLICY_STR_(x) #x
#define TP_POLICY_STR(x) TP_POLICY_STR_(x)

/* expiring-soon: a certificate that expires within this many days. */
#define TP_POLICY_EXPIRY_WARN_DAYS 30
/* weak-key: the smallest keys clients still accept. */
#define TP_POLICY_MIN_RSA_BITS 2048
#define TP_POLICY_MIN_EC_BITS 256

/* remote-alert: at most this many alerts become findings. */
#define TP_POLICY_MAX_ALERT_FINDINGS 3
/* handshake-failed: a peer whose records average under this many bytes split
 * its handshake into tiny records. */
#define TP_POLICY_TINY_RECORD_BYTES 10

/* How much of a list a finding shows before "and N more". */
#define TP_POLICY_SHOW_SUITES 6     /* no-shared-cipher: offered cipher suites */
#define TP_POLICY_SHOW_GROUPS 5     /* no-shared-cipher: offered groups */
#define TP_POLICY_SHOW_CA_NAMES 4   /* mTLS: CA names of a CertificateRequest */
#define TP_POLICY_SHOW_SANS 8       /* names a certificate covers */
#define TP_POLICY_SHOW_SENT 6       /* certificates of a chain as sent */
#define TP_POLICY_SHOW_BANNER 40    /* not-tls: bytes of the peer's first line */

/* OCSP (revocation): a response's thisUpdate may be this far in the future
 * before it is "not yet valid" (clock skew between responder and client; NSS
 * and Firefox allow minutes, RFC 6960 §4.2.2.1 leaves it to local policy). */
#define TP_POLICY_OCSP_SKEW_S 300

#endif
