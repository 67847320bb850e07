/* The judge: verify + outcome + diagnose of a decoded session, the same steps
 * for every source (connect, listen, and a capture: src/diagnose/judge.c).
 *
 * Owns: the order of those steps and the verify options they share (purpose,
 * dates as of --at, the 30-day expiry window). Must not touch: where the bytes
 * came from (the caller decoded and finished the session) or the network beyond
 * what tp_chain_verify's AIA fetch does when asked to. */
#ifndef TLSPROBE_JUDGE_H
#define TLSPROBE_JUDGE_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/session.h"
#include "tlsprobe/x509.h"

/* How one chain is verified. store NULL: that chain is not verified. */
struct tp_judge_verify {
    const struct tp_store *store;
    const char *host;              /* name the leaf must cover, NULL: no name check */
    bool aia;                      /* fetch a missing issuer (AIA caIssuers) */
    int aia_timeout_ms;
    const char *store_desc;        /* replaces the result's store description, NULL: keep */
    const struct tp_trust_db *trust_db; /* appended: public trust-store data (truststores.h), NULL: none */
    /* Certificate Transparency (tlsprobe/sct.h): SCT lists delivered in TLS and in
     * a stapled OCSP response (empty: none; tp_judge_session fills the TLS one from
     * the transcript), and the log list (NULL: built in or $TLSPROBE_CT_LOGS). */
    struct tp_bytes ct_tls_list, ct_ocsp_list;
    const struct tp_ct_logs *ct_logs;
};

struct tp_judge_opts {
    struct tp_judge_verify server; /* s->server_chain, TP_PURPOSE_SERVER */
    struct tp_judge_verify client; /* s->client_chain, TP_PURPOSE_CLIENT */
    int64_t at;                    /* --at (s since the epoch), 0: now */
    /* Held around each tp_chain_verify when not NULL: a store shared by threads. */
    pthread_mutex_t *store_mu;
    /* A failed connection whose transcript holds a fatal alert sent in this
     * direction (TP_C2S / TP_S2C) names that alert in the outcome detail; -1: no. */
    int name_alert_from;
    /* --check-revocation (appended): ask the OCSP responder / CRL distribution
     * point of the server's leaf (tp_session_check_revocation), within this deadline */
    bool check_revocation;
    int revocation_timeout_ms;
};

/* Verify one chain (der[0..n), the leaf first; n_sent_total as in
 * tp_verify_opts) for purpose as v says. NULL when not verified (no store, or
 * tp_chain_verify failed). */
struct tp_verify_result *tp_judge_verify_chain(const struct tp_bytes *der, size_t n, size_t n_sent_total,
                                               enum tp_purpose purpose, const struct tp_judge_verify *v,
                                               int64_t at, pthread_mutex_t *store_mu);

/* Judge a finished session (tp_session_finish done): an outcome still unknown
 * is read from the transcript (a fatal alert, or a completed handshake); each
 * chain is verified unless the session already has its result; then the dates
 * are set to o->at and the rules run (tp_diagnose). */
void tp_judge_session(struct tp_session *s, const struct tp_judge_opts *o);

/* The SCT list the server sent in TLS (RFC 6962 §3.3): its signed_certificate_timestamp
 * extension in the ServerHello (TLS 1.2), EncryptedExtensions, or the leaf's TLS 1.3
 * CertificateEntry. A view into the transcript; empty when none. */
struct tp_bytes tp_judge_tls_sct_list(const struct tp_session *s);

#endif
