/* PRIVATE wolfSSL glue shared by the client probe (connect.c), the server probe
 * (listen) and the demo. Not a public header: include it as "probe/wolf.h" from
 * src/ only. Facts behind every choice: ../shared/wolfssl-notes.md.
 *
 * HOW TO USE (listen and demo read this):
 *
 *   tp_wolf_init();                                  // once per process (idempotent)
 *   struct tp_wolf_ctx_opts co = { .server = true, .cert = ..., .key = ..., .chain = ...,
 *                                  .only_version = 0, .request_client_cert = ... };
 *   WOLFSSL_CTX *ctx = tp_wolf_ctx_new(&co, err, sizeof err);   // NULL + err on bad input
 *       - method (flexible 1.2+1.3 or pinned), groups X25519,P-256,P-384 first,
 *         SSL_MODE_AUTO_RETRY cleared, recording I/O callbacks installed,
 *         the TLS 1.3 HKDF-Expand-Label secret callback installed,
 *         verify mode PEER with a callback that returns 1 (we verify ourselves:
 *         tp_judge_session, never wolfSSL's verdict).
 *         Server + request_client_cert: CertificateRequest is sent; the client cert
 *         is never rejected by wolfSSL (the judge verifies s->client_chain,
 *         TP_PURPOSE_CLIENT, when given a client store).
 *
 *   per connection (fd already connected/accepted, any blocking mode: it is made
 *   non-blocking):
 *   struct tp_wolf_conn c;
 *   tp_wolf_conn_init(&c, ctx, fd, is_server, deadline);   // deadline: tp_wolf_mono_us()+ms*1000
 *   (client: wolfSSL_UseSNI / wolfSSL_UseALPN on c.ssl as needed)
 *   int rc = tp_wolf_handshake(&c);   // 0 ok, else a wolfSSL error code or TP_WOLF_E_*
 *   if (rc == 0) rc2 = tp_wolf_read_some(&c, 300);  // optional short read (post-handshake alerts)
 *   tp_wolf_conn_flush(&c, sess, pcap_flow);  // feed EVERY recorded raw byte, in order, with
 *                                             // its wall-clock timestamp, to tp_session_feed
 *                                             // (and to the pcap flow if not NULL), after giving
 *                                             // the session the captured secrets (c.keylog)
 *   tp_wolf_outcome(&c, rc, &sess->outcome);  // fill status/lib_error/detail/peer_banner
 *   ... tp_session_finish(sess); (keylog: c.keylog is valid until tp_wolf_conn_free)
 *   tp_wolf_conn_free(&c);                      // frees ssl + keylog + buffers (not fd)
 *
 * Why record and flush instead of feeding live: the TLS 1.3 secrets arrive from
 * the HKDF callback while wolfSSL processes the flight; feeding once at the end
 * lets the same decoder a capture uses decrypt everything with all secrets known.
 * The recording is capped (TP_MAX_PROBE_RECORDED per direction): past it the I/O
 * callback fails the connection (a hostile peer cannot make us buffer more).
 *
 * One recorder: listen uses this one too, with options (struct tp_wolf_io):
 * read-ahead into its buffer (so a TLS 1.3 client's alert after a header wolfSSL
 * choked on is still recorded), bytes it read before the handshake
 * (tp_wolf_conn_preload), its own recv/wait policy (blocking first, watching the
 * listening socket), and silence after the peer's fatal alert.
 *
 * Per-connection state of the caller (c->user) is reachable from wolfSSL's
 * verify callback: tp_wolf_conn_of(store) (the WOLFSSL from the store's ex data,
 * the connection from its I/O context).
 *
 * Threads: call tp_wolf_thread_done() before a worker thread that did handshakes
 * exits (wolfCrypt's per-thread ECC cache). The HKDF and crypto callbacks have no
 * WOLFSSL*, so the connection being driven is kept in a thread-local (the one
 * documented exception of issue 21 item 5) set by the drivers below
 * (tp_wolf_handshake, _read_some, _close, _read, _write, _shutdown_now). One
 * thread may drive several connections one after another; never two at once.
 *
 * Owns: wolfSSL contexts and connections, the recording, the captured secrets.
 * Must not touch: sessions beyond feeding them (tp_wolf_conn_flush), verification
 * and diagnosis (tlsprobe/judge.h), output.
 *
 * Owns: every wolfSSL object and call of the probes, the one byte recorder, the
 * secrets a connection yields. Must not: decode TLS (the session does) or judge
 * (tlsprobe/judge.h does).
 */
#ifndef TLSPROBE_PROBE_WOLF_H
#define TLSPROBE_PROBE_WOLF_H
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "tlsprobe/framer.h"
#include "tlsprobe/pcapw.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/pkcs12.h"
#include "tlsprobe/session.h"

/* Our own codes, outside wolfSSL's range, returned by tp_wolf_handshake/read. */
enum {
    TP_WOLF_E_TIMEOUT = -90001,   /* deadline reached */
    TP_WOLF_E_TOO_MUCH = -90002,  /* peer sent more than TP_MAX_PROBE_RECORDED */
};

void tp_wolf_init(void);
/* Call at the end of every thread (other than main) that ran a handshake: this
 * build keeps a per-thread ECC fixed-point cache (FP_ECC) that otherwise leaks
 * ~1.6 MB per thread (LeakSanitizer reports it). */
void tp_wolf_thread_done(void);
int64_t tp_wolf_wall_us(void);   /* CLOCK_REALTIME, µs since the epoch */
int64_t tp_wolf_mono_us(void);   /* CLOCK_MONOTONIC, µs */

struct tp_wolf_ctx_opts {
    bool server;
    uint16_t only_version;       /* 0: TLS 1.2 and 1.3; TP_TLS1_2 / TP_TLS1_3 */
    const char *cert, *key;      /* PEM or DER; cert file may hold the chain */
    const char *chain;           /* extra chain file (server), may be NULL */
    const struct tp_secret *pass; /* --pass: opens a PKCS#12 --cert or an encrypted key (NULL: none) */
    bool request_client_cert;    /* server: send CertificateRequest */
};
/* Clear SSL_MODE_AUTO_RETRY (which turns a silent peer into an 11 s blocking
 * read) and check that it is cleared. */
bool tp_wolf_ctx_no_auto_retry(WOLFSSL_CTX *ctx);
/* NULL with a one-line message in err (unreadable file, key not matching cert). */
WOLFSSL_CTX *tp_wolf_ctx_new(const struct tp_wolf_ctx_opts *o, char *err, size_t errlen);

struct tp_wolf_chunk;            /* private: one recorded read or write */

/* How the recorder reads and waits, when the default (non-blocking recv; the
 * driver waits in poll()) is not what the caller wants. Every member optional. */
struct tp_wolf_io {
    /* Receive into buf, waiting until until_mono_us: > 0 bytes, 0 EOF, -1 with
     * errno (ETIMEDOUT: time is up). Used with ahead only. */
    ssize_t (*recv)(void *arg, int fd, void *buf, size_t len, int64_t until_mono_us);
    /* Wait until fd is ready for ev (POLLIN / POLLOUT) or until_mono_us: 1
     * ready, 0 time up, -1 error. Also used inside the send callback, which
     * then waits instead of returning WANT_WRITE. */
    int (*wait)(void *arg, int fd, short ev, int64_t until_mono_us);
    /* We sent our flight and the peer has work to do before it answers. */
    void (*idle)(void *arg);
    void *arg;
    /* Read-ahead buffer (the caller's, at least one record and its header):
     * each read takes what the socket has, records it, serves wolfSSL from it. */
    uint8_t *ahead;
    size_t ahead_cap;
    /* After the peer's fatal alert (its records followed header by header)
     * nothing more is sent: RFC 8446 §6, both sides close at once. */
    bool quiet_after_peer_fatal;
};

struct tp_wolf_conn {
    WOLFSSL *ssl;
    int fd;
    bool is_server;
    int64_t deadline_mono_us;
    struct tp_keylog *keylog;    /* owned: secrets captured for this connection */
    /* recording */
    struct tp_wolf_chunk *head, *tail;
    uint64_t bytes[2];           /* per enum tp_dir */
    bool too_much;               /* TP_MAX_PROBE_RECORDED hit */
    /* transport facts */
    bool timed_out, eof, reset;
    int64_t eof_us;              /* wall clock when the peer's FIN was seen (eof), else 0 */
    bool sent_close_notify;      /* tp_wolf_close sent our close_notify */
    int sys_errno;               /* last errno of a failed send/recv */
    uint8_t banner[64];          /* first bytes received (for not-tls) */
    size_t banner_len;
    /* alerts wolfSSL reports (get_alert_history), -1 when none */
    int alert_sent, alert_recv;
    bool peer_fatal;             /* the peer sent a fatal alert (quiet_after_peer_fatal) */
    bool keep_own;               /* tp_wolf_keep_own_records */
    void *user;                  /* the caller's, for callbacks (tp_wolf_conn_of) */
    /* private: the recorder's options and state */
    struct tp_wolf_io io;
    size_t a_off, a_len;         /* unread part of io.ahead */
    int a_after;                 /* after the preloaded bytes: 0, EOF (-1), failed (-2), errno */
    struct tp_framer rfr;        /* the peer's records being followed */
    bool rbody_alert, rbody_first;
};

/* Create the WOLFSSL, make fd non-blocking, wire the recording callbacks. */
enum tp_err tp_wolf_conn_init(struct tp_wolf_conn *c, WOLFSSL_CTX *ctx, int fd, bool is_server,
                              int64_t deadline_mono_us) TP_MUST_USE;
/* The same with a WOLFSSL the caller made earlier (wolfSSL_new of the same
 * context; NULL counts as out of memory), which c then owns, also on failure,
 * and without touching fd's mode: wolf.c's own recv/send pass MSG_DONTWAIT, so
 * they never block either way; listen's sockets are blocking with a short
 * SO_RCVTIMEO, and its I/O callbacks choose per call.
 * listen makes the next connection's while it waits for a client: wolfSSL_new
 * seeds and health-tests a DRBG, about 20 µs a handshake would otherwise wait. */
enum tp_err tp_wolf_conn_adopt(struct tp_wolf_conn *c, WOLFSSL *ssl, int fd, bool is_server,
                               int64_t deadline_mono_us) TP_MUST_USE;
/* Set the recorder's options (before the handshake). */
void tp_wolf_conn_set_io(struct tp_wolf_conn *c, const struct tp_wolf_io *io);
/* The caller already read n bytes of fd into io.ahead (io set first): recorded
 * now, and wolfSSL reads them first; then `after`: 0 (the socket next), -1 (EOF)
 * or an errno. When recording them fails, wolfSSL's first read fails. */
void tp_wolf_conn_preload(struct tp_wolf_conn *c, size_t n, int after);
/* The connection wolfSSL's verify callback is about (NULL if none). */
struct tp_wolf_conn *tp_wolf_conn_of(WOLFSSL_X509_STORE_CTX *store);
/* Write n raw bytes (a plaintext alert) through the recorder. true: all sent. */
bool tp_wolf_send_raw(struct tp_wolf_conn *c, const uint8_t *p, size_t n);
/* After the handshake: wolfSSL_read (> 0 bytes, else *err is wolfSSL_get_error),
 * wolfSSL_write (true: all of it written) and our close_notify without waiting
 * for the peer's (true: sent or queued), with this thread's connection set. */
int tp_wolf_read(struct tp_wolf_conn *c, void *buf, int n, int *err);
bool tp_wolf_write(struct tp_wolf_conn *c, const void *p, int n);
bool tp_wolf_shutdown_now(struct tp_wolf_conn *c);
/* Drive wolfSSL_connect / wolfSSL_accept until done, failed or the deadline.
 * 0 on success; else the wolfSSL error (wolfSSL_get_error) or TP_WOLF_E_*.
 * On failure it keeps reading (and recording) what the peer already sent for up
 * to 200 ms, so the transcript shows the flight wolfSSL choked on, or the
 * peer's alert. */
int tp_wolf_handshake(struct tp_wolf_conn *c);
/* Read (and discard) application data for at most ms (bounded by the deadline)
 * to see post-handshake messages and alerts; stop as soon as the first of them
 * has arrived (a server that rejects our client certificate sends its alert
 * instead of tickets; more tickets are read by tp_wolf_close). 0: nothing bad
 * (timeout, data, clean close); else the wolfSSL error. */
int tp_wolf_read_some(struct tp_wolf_conn *c, int ms);
/* End the TLS connection the way RFC 8446 §6.1 / RFC 5246 §7.2.1 ask: send our
 * close_notify, then read (and record) until the peer's close_notify or its FIN,
 * for at most ms (bounded by the deadline). Without it a peer sees a bare FIN
 * (OpenSSL answers it with a decode_error alert, which then looks like a
 * failure in a capture of our own run). Does nothing when the connection is
 * already gone (eof, reset, an alert sent or received). */
void tp_wolf_close(struct tp_wolf_conn *c, int ms);
/* After the handshake: TLS 1.2 master secret into c->keylog (TLS 1.3 secrets are
 * captured automatically). Called by tp_wolf_handshake itself. */
void tp_wolf_capture_tls12(struct tp_wolf_conn *c);
/* Hand c->keylog to s, then feed every recorded chunk to s (dir, bytes, time)
 * and, when flow != NULL, to the pcap writer. Returns TP_ERR_NOMEM only. */
enum tp_err tp_wolf_conn_flush(struct tp_wolf_conn *c, struct tp_session *s, struct tp_pcapw_flow *flow) TP_MUST_USE;
/* Map rc (from handshake/read) and the transport facts to an outcome. */
void tp_wolf_outcome(const struct tp_wolf_conn *c, int rc, struct tp_outcome *out);
/* Copy the peer chain as wolfSSL kept it (exactly as sent) into ch when ch is
 * empty (the decoder normally fills it from the Certificate message). */
void tp_wolf_peer_chain(const struct tp_wolf_conn *c, struct tp_chain *ch);
/* From now on (before the handshake), the inner plaintext of every TLS 1.3 AES-GCM record wolfSSL seals
 * for c goes to c->keylog (tp_keylog_add_own_record), where the decoder of our
 * own direction finds it instead of running AES again. It only watches: wolfCrypt
 * does all the cryptography as before. Seen while a driver runs for c. */
void tp_wolf_keep_own_records(struct tp_wolf_conn *c);
void tp_wolf_conn_free(struct tp_wolf_conn *c);
/* Wall-clock time of the last recorded chunk (0 when none): for the pcap end. */
int64_t tp_wolf_last_time(const struct tp_wolf_conn *c);

/* wolf.c for wolf_ctx.c: install the recording I/O callbacks and the TLS 1.3
 * secret callback on a new context. */
void tp_wolf_ctx_callbacks(WOLFSSL_CTX *ctx);

/* wolfSSL error codes: symbolic name ("SOCKET_ERROR_E") and a plain text, both
 * never NULL (unknown codes: "wolfSSL error"). Also knows TP_WOLF_E_*. */
const char *tp_wolf_err_name(int code);
const char *tp_wolf_err_text(int code);

#endif
