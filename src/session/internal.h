/* Private to the session module: record protection (wolfCrypt) and the
 * stream decoder's state. */
#ifndef TP_SESSION_INTERNAL_H
#define TP_SESSION_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"

/* Longest secret a key log line may carry: the TLS 1.2 master secret and the
 * TLS 1.3 secrets of SHA-384 suites are 48 bytes. */
#define TP_KEYLOG_SECRET_MAX 48

/* The RSA key (tp_keylog_add_rsa_key) whose SubjectPublicKeyInfo hashes to
 * spki_sha256 decrypts epms (the ClientKeyExchange's EncryptedPreMasterSecret)
 * into pms. TP_ERR_NOKEY: no such key; TP_ERR_DECRYPT: it does not decrypt to 48
 * bytes (wrong length, bad PKCS#1 padding). Thread-safe. */
enum tp_err tp_keylog_rsa_premaster(const struct tp_keylog *kl, const uint8_t spki_sha256[32], const uint8_t *epms,
                                    size_t len, uint8_t pms[48]);

/* The pre-shared key for this identity (else the one given for any identity):
 * its length, 0 when none. */
size_t tp_keylog_psk_get(const struct tp_keylog *kl, const uint8_t *identity, size_t identity_len,
                         uint8_t out[TP_PSK_MAX]);

/* Copy n bytes into the session's message arena (a few chunks per session
 * instead of a malloc per message); freed by tp_session_free. NULL when out of
 * memory. Never NULL for n == 0 otherwise. */
uint8_t *tp_session_arena_copy(struct tp_session *s, const uint8_t *p, size_t n);

/* ---- record protection: one direction's read state (record_crypto.c) ---- */
struct tp_rc;

/* TLS 1.3 (RFC 8446 §7.3): keys from a traffic secret. suite 0x1301-0x1305.
 * TP_ERR_UNSUPPORTED for other suites. known (may be NULL): a key log holding the
 * key and IV already derived from this secret (a live probe's own session), used
 * instead of deriving them again. *out heap-allocated. */
enum tp_err tp_rc_new13(uint16_t suite, const uint8_t *secret, size_t secret_len, const struct tp_keylog *known,
                        struct tp_rc **out);
/* TLS 1.3 KeyUpdate (RFC 8446 §7.2): next secret "traffic upd", new key/iv, seq 0. */
enum tp_err tp_rc_update13(struct tp_rc *rc);
/* TLS 1.0-1.2 (RFC 5246 §6.3): key block from the master secret with the PRF;
 * client_write selects which half. etm: RFC 7366 negotiated (CBC only). */
enum tp_err tp_rc_new12(uint16_t suite, uint16_t version, bool etm, const uint8_t master[48],
                        const uint8_t client_random[32], const uint8_t server_random[32], bool client_write,
                        struct tp_rc **out);
/* TLS 1.0-1.2 master secret from a premaster (RFC 5246 §8.1). hs (hs_len bytes):
 * the handshake messages up to and including ClientKeyExchange when extended
 * master secret was negotiated (RFC 7627 §4), NULL otherwise. */
enum tp_err tp_rc_master12(uint16_t suite, uint16_t version, const uint8_t *pms, size_t pms_len, const uint8_t *hs,
                           size_t hs_len, const uint8_t client_random[32], const uint8_t server_random[32],
                           uint8_t master[48]);
/* Decrypt and authenticate one record. hdr: the 5-byte record header as sent;
 * body: the fragment. Writes plaintext into out (cap >= body_len) and the real
 * content type (TLS 1.3: from the inner plaintext). TP_ERR_DECRYPT when it does
 * not authenticate (the sequence number is not advanced then). */
enum tp_err tp_rc_decrypt(struct tp_rc *rc, const uint8_t hdr[5], const uint8_t *body, size_t body_len,
                          uint8_t *out, size_t *out_len, uint8_t *out_type);
/* TLS 1.2: account for a record we do not need to read (application data): the
 * sequence number advances (and the CBC chain of TLS 1.0 follows). */
void tp_rc_skip(struct tp_rc *rc, const uint8_t *body, size_t body_len);
/* Records this process's own TLS library wrote (tp_session_own_direction): open
 * AES-GCM records with the GCM counter stream alone, without recomputing a tag
 * that only our library's arithmetic produced. Other ciphers are unchanged. */
void tp_rc_trust_own(struct tp_rc *rc);
void tp_rc_free(struct tp_rc *rc);
/* DTLS 1.0/1.2 (0xfeff, 0xfefd): keys as TLS 1.1/1.2 from the master secret. */
enum tp_err tp_rc_new_dtls(uint16_t suite, uint16_t dtls_version, bool etm, const uint8_t master[48],
                           const uint8_t client_random[32], const uint8_t server_random[32], bool client_write,
                           struct tp_rc **out);
/* One DTLS record (hdr: its 13-byte header, whose epoch and sequence number are
 * the record's sequence number for the AAD and nonce), in any order. */
enum tp_err tp_rc_decrypt_dtls(struct tp_rc *rc, const uint8_t hdr[13], const uint8_t *body, size_t body_len,
                               uint8_t *out, size_t *out_len, uint8_t *out_type);

/* ---- certificate summaries shared between sessions (cert_cache.c) ---- */
/* A summary of der (shared and read-only, or private): NULL when it is not a
 * certificate. Give it back with tp_cert_cache_put and the same DER. */
struct tp_cert_info *tp_cert_cache_get(struct tp_cert_cache *cc, const uint8_t *der, size_t len);
void tp_cert_cache_put(struct tp_cert_cache *cc, struct tp_cert_info *ci, const uint8_t *der, size_t len);

/* ---- working memory (worker.c) ---- */
/* What the decoder needs while it reads one record, never kept past it: the
 * plaintext of the record being decrypted (consumed before the next one is) and
 * the parsed form of the message the summary is taken from (large: the extension
 * lists are fixed arrays). One per worker serves every session it decodes. */
struct tp_dec_scratch {
    uint8_t plain[TP_MAX_RECORD_LEN];
    union {
        struct tp_client_hello ch;
        struct tp_server_hello sh;
        struct tp_certificate cert;
        struct tp_encrypted_extensions ee;
    } msg;
};
struct tp_dec_scratch *tp_worker_dec_scratch(struct tp_worker *w);
/* The worker's memo of the last leaf keys the signature check parsed
 * (sigcheck.c), made on first use; NULL without a worker or memory. */
struct tp_leaf_memo;
struct tp_leaf_memo *tp_worker_leaf_memo(struct tp_worker *w);
struct tp_leaf_memo *tp_leaf_memo_new(void); /* sigcheck.c; free() frees it */
/* A kept record buffer of kind k (0 small, 1 big), or NULL (none, or no worker). */
uint8_t *tp_worker_buf_take(struct tp_worker *w, int k);
/* Keep b for the next flow of this thread: false (the caller frees b) when there
 * is no worker or its list is full. */
bool tp_worker_buf_keep(struct tp_worker *w, int k, uint8_t *b);

/* ---- decoder (decoder.c) ---- */
struct tp_decoder *tp_decoder_new(void);
/* w: the freeing thread's worker (its buffers go back there), or NULL. */
void tp_decoder_free(struct tp_decoder *d, struct tp_worker *w);
/* Bytes the decoder holds: its state and buffers. */
size_t tp_decoder_footprint(const struct tp_decoder *d);
enum tp_err tp_decoder_feed(struct tp_session *s, enum tp_dir dir, const uint8_t *p, size_t len, int64_t t_us);
void tp_decoder_gap(struct tp_session *s, enum tp_dir dir, uint64_t lost, int64_t t_us);
/* The stream is joined mid-connection: resynchronise on a record header (no issue). */
void tp_decoder_midstream(struct tp_session *s, enum tp_dir dir, int64_t t_us);
void tp_decoder_set_keylog(struct tp_decoder *d, const struct tp_keylog *kl);
void tp_decoder_own_direction(struct tp_decoder *d, enum tp_dir dir);
/* One UDP datagram of a DTLS session (RFC 6347 records; see decoder.c). */
enum tp_err tp_decoder_datagram(struct tp_session *s, enum tp_dir dir, const uint8_t *p, size_t len, int64_t t_us);
/* End of input: note what was left incomplete, final inferences. */
void tp_decoder_flush(struct tp_session *s);

#endif
