/* wolfSSL glue shared by connect, listen and demo, the connection half: the one
 * recorder (I/O callbacks), secret capture, the drivers (handshake, reads,
 * close) and the outcome. Contexts and error names are wolf_ctx.c. See wolf.h
 * for the contract and ../shared/wolfssl-notes.md for the measured facts behind
 * each choice. */
#include "tlsprobe/framer.h"
#include "probe/wolf.h"

#include <wolfssl/wolfcrypt/cryptocb.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/kdf.h>
#include <wolfssl/error-ssl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tlsprobe/wire.h"

struct tp_wolf_chunk {
    struct tp_wolf_chunk *next;
    enum tp_dir dir;
    int64_t t_us;
    size_t len, cap;
    uint8_t data[];
};

/* After the first post-handshake data, how long a quiet peer means "nothing
 * more is coming": 0, since what follows the first record (a second ticket) was
 * sent with it and is read by tp_wolf_close, in order, before the peer's
 * close_notify. (15 ms here was most of a loopback connect's wall time.) */
#define TP_WOLF_IDLE_MS 0
/* After a failed handshake, how long we keep reading what the peer sent. */
#define TP_WOLF_DRAIN_MS 200

/* The connection being driven by this thread: the one documented thread-local
 * (issue 21 item 5). wolfSSL's HKDF-Expand-Label callback and wolfCrypt's
 * crypto callback get no WOLFSSL*; the drivers (tp_wolf_handshake, _read_some,
 * _close, _read, _write, _shutdown_now) set it around their wolfSSL calls. */
static _Thread_local struct tp_wolf_conn *tl_cur;

/* ---- our own records' plaintexts (tp_wolf_keep_own_records) ----
 * wolfCrypt's crypto callbacks (WOLF_CRYPTO_CB, on in Debian's build) show every
 * operation of an object made with our device id before wolfCrypt runs it. We
 * only look: AES-GCM sealing with a 5-byte AAD is a TLS 1.3 record of ours, and
 * its inner plaintext goes to the connection's key log; every call then runs in
 * wolfCrypt as usual (CRYPTOCB_UNAVAILABLE). The device is process-wide: the
 * connection is the one this thread drives (tl_cur), when it asked for it. */
#define TP_WOLF_DEVID 0x7470

static int own_records_cb(int devId, wc_CryptoInfo *info, void *ctx)
{
    (void)devId;
    (void)ctx;
    struct tp_wolf_conn *c = tl_cur;
    if (c && c->keep_own && c->keylog && info && info->algo_type == WC_ALGO_TYPE_CIPHER && info->cipher.type == WC_CIPHER_AES_GCM &&
        info->cipher.enc && info->cipher.aesgcm_enc.authInSz == 5 && info->cipher.aesgcm_enc.authIn &&
        info->cipher.aesgcm_enc.in) {
        enum tp_err e = tp_keylog_add_own_record(c->keylog, info->cipher.aesgcm_enc.authIn, info->cipher.aesgcm_enc.in,
                                                 info->cipher.aesgcm_enc.sz);
        (void)e; /* full: that record is decrypted as usual */
    }
    return CRYPTOCB_UNAVAILABLE;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool own_records_ok;
static void do_init(void)
{
    wolfSSL_Init();
    own_records_ok = wc_CryptoCb_RegisterDevice(TP_WOLF_DEVID, own_records_cb, NULL) == 0;
}
void tp_wolf_init(void) { pthread_once(&init_once, do_init); }
void tp_wolf_thread_done(void) { wc_ecc_fp_free(); }

int64_t tp_wolf_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t tp_wolf_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the recorder: every byte wolfSSL reads and writes, in wire order ---- */

static enum tp_dir dir_in(const struct tp_wolf_conn *c) { return c->is_server ? TP_C2S : TP_S2C; }
static enum tp_dir dir_out(const struct tp_wolf_conn *c) { return c->is_server ? TP_S2C : TP_C2S; }

/* The peer's records, followed header by header as they are recorded, to see a
 * fatal alert from it (io.quiet_after_peer_fatal). Counts lengths only: the
 * decoder frames the same bytes properly later. */
static void follow_peer(struct tp_wolf_conn *c, const uint8_t *p, size_t n)
{
    struct tp_reader r;
    tp_reader_init(&r, p, n);
    while (!c->peer_fatal) {
        struct tp_bytes b;
        enum tp_frame_ev ev = tp_framer_next(&c->rfr, &r, &b);
        if (ev == TP_FRAME_NEED)
            return;
        if (ev == TP_FRAME_HEADER) {
            c->rbody_alert = c->rfr.rec.type == TP_CT_ALERT; /* RFC 8446 §5.1 */
            c->rbody_first = true;
            continue;
        }
        if (ev != TP_FRAME_BODY)
            return; /* not framed as TLS: nothing to follow */
        struct tp_reader body;
        uint8_t level;
        tp_reader_from(&body, b);
        if (c->rbody_alert && c->rbody_first && tp_read_u8(&body, &level) && level == 2) /* fatal */
            c->peer_fatal = true;
        c->rbody_first = false;
    }
}

static bool record(struct tp_wolf_conn *c, enum tp_dir dir, const uint8_t *p, size_t n)
{
    if (c->bytes[dir] + n > TP_MAX_PROBE_RECORDED) {
        c->too_much = true;
        return false;
    }
    int64_t now = tp_wolf_wall_us();
    struct tp_wolf_chunk *t = c->tail;
    /* Coalesce the pieces wolfSSL reads (5-byte header, then body) so the pcap
     * shows segments like a real stack would. */
    if (t && t->dir == dir && now - t->t_us < 2000 && t->cap - t->len >= n) {
        memcpy(t->data + t->len, p, n);
        t->len += n;
    } else {
        size_t cap = n < 4096 ? 4096 : n;
        struct tp_wolf_chunk *ch = malloc(sizeof *ch + cap);
        if (!ch)
            return false;
        ch->next = NULL;
        ch->dir = dir;
        ch->t_us = now;
        ch->len = n;
        ch->cap = cap;
        memcpy(ch->data, p, n);
        if (t)
            t->next = ch;
        else
            c->head = ch;
        c->tail = ch;
    }
    c->bytes[dir] += n;
    if (c->io.quiet_after_peer_fatal && dir == dir_in(c))
        follow_peer(c, p, n);
    return true;
}

/* n bytes from the peer: the first ones kept for the not-TLS diagnosis, all
 * recorded. */
static bool took_in(struct tp_wolf_conn *c, const uint8_t *p, size_t n)
{
    size_t k = sizeof c->banner - c->banner_len;
    if (k > n)
        k = n;
    memcpy(c->banner + c->banner_len, p, k);
    c->banner_len += k;
    return record(c, dir_in(c), p, n);
}

/* A recv() that returned n <= 0 (or the io.recv hook: -1 with errno): the
 * callback's answer, or 0 to try again (EINTR). */
static int recv_failed(struct tp_wolf_conn *c, ssize_t n)
{
    if (n == 0) {
        c->eof = true;
        if (!c->eof_us)
            c->eof_us = tp_wolf_wall_us();
        return WOLFSSL_CBIO_ERR_CONN_CLOSE;
    }
    if (errno == EINTR)
        return 0;
    /* ETIMEDOUT from the io.recv hook: its time is up; the driver reports the deadline */
    if (errno == EAGAIN || errno == EWOULDBLOCK || (errno == ETIMEDOUT && c->io.recv))
        return WOLFSSL_CBIO_ERR_WANT_READ;
    c->sys_errno = errno;
    if (errno == ECONNRESET) {
        c->reset = true;
        return WOLFSSL_CBIO_ERR_CONN_RST;
    }
    return WOLFSSL_CBIO_ERR_GENERAL;
}

#define TP_WOLF_AFTER_EOF (-1)
#define TP_WOLF_AFTER_FAIL (-2)

/* The peer's next bytes into dst (cap): what the socket said after preloaded
 * bytes, else the io.recv hook (which waits), else a non-blocking recv. */
static ssize_t next_bytes(struct tp_wolf_conn *c, uint8_t *dst, size_t cap)
{
    if (c->a_after) {
        int after = c->a_after;
        c->a_after = 0;
        errno = after == TP_WOLF_AFTER_EOF ? 0 : after == TP_WOLF_AFTER_FAIL ? EIO : after;
        return after == TP_WOLF_AFTER_EOF ? 0 : -1;
    }
    /* We just sent our flight: the peer has work to do first. */
    if (c->io.idle && c->tail && c->tail->dir == dir_out(c))
        c->io.idle(c->io.arg);
    if (c->io.recv)
        return c->io.recv(c->io.arg, c->fd, dst, cap, c->deadline_mono_us);
    return recv(c->fd, dst, cap, MSG_DONTWAIT);
}

/* wolfSSL's read. With read-ahead (io.ahead) each read takes whatever the
 * socket has (up to one record) into io.ahead, records it and serves wolfSSL
 * from there. Why: wolfSSL reads a record's 5-byte header, then its body, and
 * may fail on the header alone. A TLS 1.3 client that rejects our certificate
 * sends a plaintext alert where wolfSSL expects an encrypted record: it fails
 * (-306) after the header and never reads the alert body; read ahead, every
 * byte the peer sent is recorded, in wire order with what we sent. Without
 * read-ahead, the bytes go straight into wolfSSL's buffer. */
static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    struct tp_wolf_conn *c = ctx;
    uint8_t *dst = c->io.ahead ? c->io.ahead : (uint8_t *)buf;
    size_t cap = c->io.ahead ? c->io.ahead_cap : (size_t)sz;
    while (sz > 0) {
        if (c->a_off < c->a_len) {
            size_t n = c->a_len - c->a_off;
            n = n > (size_t)sz ? (size_t)sz : n;
            memcpy(buf, c->io.ahead + c->a_off, n);
            c->a_off += n;
            return (int)n;
        }
        ssize_t n = next_bytes(c, dst, cap);
        if (n > 0 && !took_in(c, dst, (size_t)n))
            return WOLFSSL_CBIO_ERR_GENERAL;
        if (n > 0 && dst == (uint8_t *)buf)
            return (int)n;
        if (n > 0) {
            c->a_off = 0;
            c->a_len = (size_t)n;
            continue;
        }
        int r = recv_failed(c, n);
        if (r)
            return r;
    }
    return 0;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    struct tp_wolf_conn *c = ctx;
    if (sz <= 0)
        return 0;
    if (c->peer_fatal)
        return sz; /* the peer ended it with a fatal alert: nothing more goes out */
    for (;;) {
        ssize_t n = send(c->fd, buf, (size_t)sz, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
            return record(c, dir_out(c), (const uint8_t *)buf, (size_t)n) ? (int)n : WOLFSSL_CBIO_ERR_GENERAL;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (c->io.wait && c->io.wait(c->io.arg, c->fd, POLLOUT, c->deadline_mono_us) > 0)
                continue;
            return WOLFSSL_CBIO_ERR_WANT_WRITE; /* the driver waits, or reports the deadline */
        }
        c->sys_errno = n < 0 ? errno : EPIPE;
        if (c->sys_errno == ECONNRESET || c->sys_errno == EPIPE) {
            c->reset = true;
            return WOLFSSL_CBIO_ERR_CONN_RST;
        }
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
}

bool tp_wolf_send_raw(struct tp_wolf_conn *c, const uint8_t *p, size_t n)
{
    char buf[64];
    if (n > sizeof buf) /* wolfSSL's callback takes char *: a small copy */
        return false;
    memcpy(buf, p, n);
    return io_send(c->ssl, buf, (int)n, c) == (int)n;
}

/* ---- secrets ---- */
static bool label_is(const byte *label, word32 len, const char *s)
{
    size_t n = strlen(s);
    return len == n && memcmp(label, s, n) == 0;
}

/* RFC 8446 §7.1 labels -> NSS key log labels. */
static int hkdf_cb(byte *okm, word32 okmLen, const byte *prk, word32 prkLen, const byte *protocol,
                   word32 protocolLen, const byte *label, word32 labelLen, const byte *info, word32 infoLen,
                   int digest, int side)
{
    (void)side;
    int r = wc_Tls13_HKDF_Expand_Label(okm, okmLen, prk, prkLen, protocol, protocolLen, label, labelLen, info,
                                       infoLen, digest);
    struct tp_wolf_conn *c = tl_cur;
    if (r != 0 || !c || !c->ssl || !c->keylog)
        return r;
    /* The record key and IV of a traffic secret (prk): kept so that the decoder of
     * this session does not derive them again (tp_keylog_traffic_keys). */
    bool is_iv = label_is(label, labelLen, "iv");
    if ((is_iv || label_is(label, labelLen, "key")) && infoLen == 0 && protocolLen == 6 &&
        memcmp(protocol, "tls13 ", 6) == 0) {
        enum tp_err ke = tp_keylog_add_traffic_key(c->keylog, prk, prkLen, is_iv, okm, okmLen);
        (void)ke; /* full or out of memory: the decoder derives them itself */
        return r;
    }
    int which = -1;
    if (label_is(label, labelLen, "c hs traffic"))
        which = TP_SECRET_CLIENT_HANDSHAKE_TRAFFIC;
    else if (label_is(label, labelLen, "s hs traffic"))
        which = TP_SECRET_SERVER_HANDSHAKE_TRAFFIC;
    else if (label_is(label, labelLen, "c ap traffic"))
        which = TP_SECRET_CLIENT_TRAFFIC_0;
    else if (label_is(label, labelLen, "s ap traffic"))
        which = TP_SECRET_SERVER_TRAFFIC_0;
    else if (label_is(label, labelLen, "exp master"))
        which = TP_SECRET_EXPORTER;
    else if (label_is(label, labelLen, "c e traffic"))
        which = TP_SECRET_CLIENT_EARLY_TRAFFIC;
    if (which < 0)
        return r;
    uint8_t cr[32];
    if (wolfSSL_get_client_random(c->ssl, cr, sizeof cr) != sizeof cr)
        return r;
    /* Only the first value per label: "c ap traffic" is also used for KeyUpdate
     * ("traffic upd" label), never re-derived under this label. */
    uint8_t tmp[64];
    if (tp_keylog_get(c->keylog, (enum tp_secret_label)which, cr, tmp, sizeof tmp) == 0)
        if (tp_keylog_add(c->keylog, (enum tp_secret_label)which, cr, okm, okmLen) != TP_OK)
            return r; /* out of memory: the session just stays encrypted */
    return r;
}

void tp_wolf_capture_tls12(struct tp_wolf_conn *c)
{
    if (!c->ssl || !c->keylog || wolfSSL_version(c->ssl) >= TLS1_3_VERSION)
        return;
    WOLFSSL_SESSION *sess = wolfSSL_get_session(c->ssl);
    uint8_t cr[32], ms[48];
    if (!sess || wolfSSL_get_client_random(c->ssl, cr, sizeof cr) != sizeof cr)
        return;
    int n = wolfSSL_SESSION_get_master_key(sess, ms, sizeof ms);
    if (n == (int)sizeof ms)
        if (tp_keylog_add(c->keylog, TP_SECRET_CLIENT_RANDOM, cr, ms, sizeof ms) != TP_OK)
            return; /* out of memory: the session just stays encrypted */
}

/* A TLS 1.2 handshake that failed after the key exchange (the peer rejected our
 * certificate, or its Finished) still has its master secret in wolfSSL's
 * handshake arrays, which are freed only on success: without it our own
 * Finished stays an opaque record and --keylog gets nothing (s_client writes
 * the key in the same case). All zeros means it was never derived. */
static void capture_tls12_failed(struct tp_wolf_conn *c)
{
    if (!c->ssl || !c->keylog || wolfSSL_version(c->ssl) >= TLS1_3_VERSION)
        return;
    unsigned char *ms = NULL, *sr = NULL, *cr = NULL;
    unsigned int ms_len = 0, sr_len = 0, cr_len = 0;
    if (wolfSSL_get_keys(c->ssl, &ms, &ms_len, &sr, &sr_len, &cr, &cr_len) != WOLFSSL_SUCCESS || !ms || !cr ||
        ms_len != 48 || cr_len != 32)
        return;
    unsigned char any = 0;
    for (unsigned i = 0; i < ms_len; i++)
        any |= ms[i];
    if (!any)
        return;
    uint8_t have[48];
    if (tp_keylog_get(c->keylog, TP_SECRET_CLIENT_RANDOM, cr, have, sizeof have) > 0)
        return; /* already kept */
    if (tp_keylog_add(c->keylog, TP_SECRET_CLIENT_RANDOM, cr, ms, ms_len) != TP_OK)
        return; /* out of memory: our Finished just stays encrypted */
}

void tp_wolf_ctx_callbacks(WOLFSSL_CTX *ctx)
{
    wolfSSL_CTX_SetIORecv(ctx, io_recv);
    wolfSSL_CTX_SetIOSend(ctx, io_send);
    wolfSSL_CTX_SetHKDFExpandLabelCb(ctx, hkdf_cb);
}

/* ---- connection ---- */
enum tp_err tp_wolf_conn_init(struct tp_wolf_conn *c, WOLFSSL_CTX *ctx, int fd, bool is_server,
                              int64_t deadline_mono_us)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK))
        (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    return tp_wolf_conn_adopt(c, wolfSSL_new(ctx), fd, is_server, deadline_mono_us);
}

enum tp_err tp_wolf_conn_adopt(struct tp_wolf_conn *c, WOLFSSL *ssl, int fd, bool is_server, int64_t deadline_mono_us)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->is_server = is_server;
    c->deadline_mono_us = deadline_mono_us;
    c->alert_sent = c->alert_recv = -1;
    tp_framer_init(&c->rfr, TP_START_ASSUMED); /* the peer's records, followed for its fatal alert */
    c->keylog = tp_keylog_new();
    c->ssl = ssl;
    if (!c->keylog || !c->ssl) {
        tp_keylog_free(c->keylog);
        if (c->ssl)
            wolfSSL_free(c->ssl);
        c->keylog = NULL;
        c->ssl = NULL;
        return TP_ERR_NOMEM;
    }
    bool ok = wolfSSL_set_fd(c->ssl, fd) == WOLFSSL_SUCCESS;
    wolfSSL_SetIOReadCtx(c->ssl, c);
    wolfSSL_SetIOWriteCtx(c->ssl, c);
    wolfSSL_set_using_nonblock(c->ssl, 1);
    /* X25519 key share first: twice the speed of P-256 here. A TLS 1.2-only
     * connection has no key shares (wolfSSL refuses the call there). */
    if (ok && !is_server && wolfSSL_GetVersion(c->ssl) == WOLFSSL_TLSV1_3)
        ok = wolfSSL_UseKeyShare(c->ssl, WOLFSSL_ECC_X25519) == WOLFSSL_SUCCESS;
    if (!ok) {
        tp_keylog_free(c->keylog);
        wolfSSL_free(c->ssl);
        c->keylog = NULL;
        c->ssl = NULL;
        return TP_ERR_CRYPTO;
    }
    return TP_OK;
}

/* Wait for fd readiness until the deadline (and until limit_mono_us), through
 * the io.wait hook when there is one. 1 ready, 0 deadline, -1 error. */
static int wait_fd(struct tp_wolf_conn *c, short ev, int64_t limit_mono_us)
{
    int64_t until = c->deadline_mono_us;
    if (limit_mono_us && limit_mono_us < until)
        until = limit_mono_us;
    if (c->io.wait)
        return tp_wolf_mono_us() >= until ? 0 : c->io.wait(c->io.arg, c->fd, ev, until);
    for (;;) {
        int64_t now = tp_wolf_mono_us();
        if (now >= until)
            return 0;
        int64_t ms = (until - now + 999) / 1000;
        struct pollfd pfd = { .fd = c->fd, .events = ev };
        int r = poll(&pfd, 1, ms > 60000 ? 60000 : (int)ms);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

static void note_alerts(struct tp_wolf_conn *c)
{
    WOLFSSL_ALERT_HISTORY h;
    memset(&h, 0, sizeof h);
    if (wolfSSL_get_alert_history(c->ssl, &h) == WOLFSSL_SUCCESS) {
        if (h.last_rx.level)
            c->alert_recv = h.last_rx.code;
        if (h.last_tx.level)
            c->alert_sent = h.last_tx.code;
    }
}

static bool banner_is_tls(const struct tp_wolf_conn *c)
{
    /* nothing yet, a record header (or its first bytes), or an SSLv2-compatible hello */
    return c->banner_len == 0 ||
           tp_frame_start(c->banner, c->banner_len, TP_START_EARLY | TP_START_SSLV2_HELLO) != TP_START_NOT_TLS;
}

/* Read (and record) what the peer sends, bypassing wolfSSL, until its FIN or
 * reset, an error, limit_mono_us (bounded by the deadline) or `stop` bytes in
 * that direction. */
static void read_raw(struct tp_wolf_conn *c, int64_t limit_mono_us, uint64_t stop)
{
    uint8_t buf[16384];
    while (!c->eof && !c->reset && !c->too_much && c->bytes[dir_in(c)] < stop) {
        ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            if (!took_in(c, buf, (size_t)n))
                return;
            continue;
        }
        if (n == 0) {
            c->eof = true;
            if (!c->eof_us)
                c->eof_us = tp_wolf_wall_us();
            return;
        }
        if (errno == ECONNRESET) {
            c->reset = true;
            return;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return;
        if (wait_fd(c, POLLIN, limit_mono_us) <= 0)
            return;
    }
}

/* After wolfSSL gave up, read (and record) what the peer already sent, briefly:
 * wolfSSL stops after a 5-byte header that is not TLS (not-tls then shows the
 * peer's first line, "HTTP/1.1 400"), or at a message it cannot parse (the
 * decoder then shows the whole flight, or the alert that followed). Bounded by
 * ms, the deadline and one flight (TP_MAX_FLOW_BUFFER bytes): an endless stream
 * is not worth recording. */
static void drain(struct tp_wolf_conn *c, int ms)
{
    read_raw(c, tp_wolf_mono_us() + (int64_t)ms * 1000, c->bytes[dir_in(c)] + TP_MAX_FLOW_BUFFER);
}

int tp_wolf_handshake(struct tp_wolf_conn *c)
{
    tl_cur = c;
    wolfSSL_ERR_clear_error();
    int rc;
    for (;;) {
        int r = c->is_server ? wolfSSL_accept(c->ssl) : wolfSSL_connect(c->ssl);
        if (r == WOLFSSL_SUCCESS) {
            tp_wolf_capture_tls12(c);
            rc = 0;
            break;
        }
        int e = wolfSSL_get_error(c->ssl, r);
        if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE) {
            int w = wait_fd(c, e == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, 0);
            if (w > 0)
                continue;
            c->timed_out = w == 0;
            rc = w == 0 ? TP_WOLF_E_TIMEOUT : SOCKET_ERROR_E;
            break;
        }
        rc = c->too_much ? TP_WOLF_E_TOO_MUCH : (e ? e : WOLFSSL_FATAL_ERROR);
        break;
    }
    if (rc != 0)
        capture_tls12_failed(c);
    if (rc != 0 && rc != TP_WOLF_E_TIMEOUT && rc != TP_WOLF_E_TOO_MUCH)
        drain(c, TP_WOLF_DRAIN_MS);
    note_alerts(c);
    tl_cur = NULL;
    return rc;
}

int tp_wolf_read_some(struct tp_wolf_conn *c, int ms)
{
    tl_cur = c;
    const int64_t limit = tp_wolf_mono_us() + (int64_t)ms * 1000;
    int64_t until = limit;
    enum tp_dir in = dir_in(c);
    uint64_t seen = c->bytes[in];
    int rc = 0;
    char buf[4096];
    for (;;) {
        int r = wolfSSL_read(c->ssl, buf, sizeof buf);
        if (c->bytes[in] != seen) {
            /* Data came: what follows it (a second ticket, an alert) comes back to
             * back, so only wait for a short idle gap from now on. */
            seen = c->bytes[in];
            int64_t idle = tp_wolf_mono_us() + TP_WOLF_IDLE_MS * 1000;
            until = idle < limit ? idle : limit;
        }
        if (r > 0)
            continue; /* application data: discarded (only counted by the decoder) */
        int e = wolfSSL_get_error(c->ssl, r);
        if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE) {
            int w = wait_fd(c, e == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, until);
            if (w > 0)
                continue;
            break; /* our own short window (or the deadline) ended: not a failure */
        }
        if (e == WOLFSSL_ERROR_ZERO_RETURN || (c->eof && e == SOCKET_ERROR_E) || e == SOCKET_PEER_CLOSED_E)
            break; /* clean close after the handshake */
        rc = c->too_much ? TP_WOLF_E_TOO_MUCH : e;
        break;
    }
    note_alerts(c);
    tl_cur = NULL;
    return rc;
}

void tp_wolf_close(struct tp_wolf_conn *c, int ms)
{
    if (!c->ssl || c->eof || c->reset || c->too_much)
        return;
    note_alerts(c);
    /* A fatal alert already ended it; the peer's close_notify (0) is answered
     * with ours (RFC 8446 §6.1; RFC 5246 §7.2.1). */
    if (c->alert_sent >= 0 || c->alert_recv > 0)
        return;
    tl_cur = c;
    const int64_t limit = tp_wolf_mono_us() + (int64_t)ms * 1000;
    char buf[4096];
    /* What has already arrived (a second ticket right behind the first) is read
     * before our close_notify goes out, so the transcript has it in the order
     * it was sent. Never waits. */
    for (int i = 0; i < 64; i++) {
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
            break;
        int n = wolfSSL_read(c->ssl, buf, sizeof buf);
        if (n > 0)
            continue;
        int e = wolfSSL_get_error(c->ssl, n);
        if (e != WOLFSSL_ERROR_WANT_READ)
            break;
    }
    note_alerts(c);
    if (c->eof || c->reset || c->alert_sent >= 0 || c->alert_recv > 0) {
        tl_cur = NULL;
        return;
    }
    int r = wolfSSL_shutdown(c->ssl); /* sends close_notify */
    c->sent_close_notify = true;
    while (r != WOLFSSL_SUCCESS) {
        int e = wolfSSL_get_error(c->ssl, r);
        if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE) {
            if (wait_fd(c, e == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, limit) <= 0)
                break;
        } else if (r == WOLFSSL_SHUTDOWN_NOT_DONE) {
            /* sent; now the peer's close_notify (records before it are read and
             * recorded by wolfSSL_read; application data is discarded) */
            int n = wolfSSL_read(c->ssl, buf, sizeof buf);
            if (n > 0)
                continue;
            e = wolfSSL_get_error(c->ssl, n);
            if (e == WOLFSSL_ERROR_WANT_READ) {
                if (wait_fd(c, POLLIN, limit) <= 0)
                    break;
                continue;
            }
            break; /* ZERO_RETURN: its close_notify; or the peer closed/reset */
        } else {
            break;
        }
        r = wolfSSL_shutdown(c->ssl);
    }
    /* After its close_notify the peer closes: wait for its FIN too (same bound),
     * so that closing our socket never meets unread bytes (which would be an RST). */
    read_raw(c, limit, UINT64_MAX);
    note_alerts(c);
    tl_cur = NULL;
}

enum tp_err tp_wolf_conn_flush(struct tp_wolf_conn *c, struct tp_session *s, struct tp_pcapw_flow *flow)
{
    if (c->keylog)
        tp_session_set_keylog(s, c->keylog);
    if (s) /* what we sent is what wolfSSL wrote */
        tp_session_own_direction(s, c->is_server ? TP_S2C : TP_C2S);
    for (struct tp_wolf_chunk *ch = c->head; ch; ch = ch->next) {
        if (flow)
            tp_pcapw_data(flow, ch->dir, ch->data, ch->len, ch->t_us);
        if (s && tp_session_feed(s, ch->dir, ch->data, ch->len, ch->t_us) != TP_OK)
            return TP_ERR_NOMEM;
    }
    return TP_OK;
}

int64_t tp_wolf_last_time(const struct tp_wolf_conn *c)
{
    return c->tail ? c->tail->t_us : 0;
}

void tp_wolf_outcome(const struct tp_wolf_conn *c, int rc, struct tp_outcome *out)
{
    out->lib_error = rc;
    if (rc == 0) {
        out->status = TP_CONN_OK;
        out->lib_error = 0;
        out->detail[0] = 0;
        return;
    }
    uint64_t got = c->bytes[dir_in(c)];
    if (!banner_is_tls(c)) {
        /* the banner (first line) is the decoder's: it sees the same bytes */
        out->status = TP_CONN_NOT_TLS;
        snprintf(out->detail, sizeof out->detail, "the peer did not answer with TLS (%s)", tp_wolf_err_text(rc));
        return;
    }
    if (rc == TP_WOLF_E_TIMEOUT || c->timed_out) {
        out->status = TP_CONN_TIMEOUT;
        snprintf(out->detail, sizeof out->detail, "%s",
                 got ? "the handshake did not complete before the deadline"
                     : "no answer from the peer before the deadline");
        return;
    }
    if (rc == TP_WOLF_E_TOO_MUCH || c->too_much) {
        out->status = TP_CONN_TLS_FAILED;
        snprintf(out->detail, sizeof out->detail, "the peer sent more than %d bytes during the handshake",
                 TP_MAX_PROBE_RECORDED);
        return;
    }
    if (c->alert_recv >= 0 || rc == FATAL_ERROR) {
        out->status = TP_CONN_TLS_FAILED;
        snprintf(out->detail, sizeof out->detail, "the peer sent a fatal alert");
        return;
    }
    if (c->reset) {
        out->status = TP_CONN_RESET;
        /* errno 0 would print "(Success)" next to a failure. */
        if (c->sys_errno)
            snprintf(out->detail, sizeof out->detail, "the peer reset the connection (%s)", strerror(c->sys_errno));
        else
            snprintf(out->detail, sizeof out->detail, "the peer reset the connection");
        return;
    }
    if (c->eof) {
        out->status = got ? TP_CONN_RESET : TP_CONN_CLOSED;
        snprintf(out->detail, sizeof out->detail, "the peer closed the connection %s",
                 got ? "in the middle of the handshake" : "without answering");
        return;
    }
    out->status = TP_CONN_TLS_FAILED;
    snprintf(out->detail, sizeof out->detail, "%s (%s %d)", tp_wolf_err_text(rc), tp_wolf_err_name(rc), rc);
}

void tp_wolf_peer_chain(const struct tp_wolf_conn *c, struct tp_chain *ch)
{
    if (!c->ssl || ch->n > 0)
        return;
    WOLFSSL_X509_CHAIN *pc = wolfSSL_get_peer_chain(c->ssl);
    int n = pc ? wolfSSL_get_chain_count(pc) : 0;
    for (int i = 0; i < n && ch->n < TP_MAX_CHAIN_CERTS; i++) {
        int len = wolfSSL_get_chain_length(pc, i);
        unsigned char *der = wolfSSL_get_chain_cert(pc, i);
        if (!der || len <= 0)
            continue;
        uint8_t *copy = malloc((size_t)len);
        if (!copy)
            break;
        memcpy(copy, der, (size_t)len);
        ch->der[ch->n] = tp_bytes_make(copy, (size_t)len);
        ch->info[ch->n] = NULL;
        ch->n++;
    }
    if (n > 0) {
        ch->present = true;
        if (ch->n_total < (size_t)n)
            ch->n_total = (size_t)n;
    }
}

void tp_wolf_keep_own_records(struct tp_wolf_conn *c)
{
    tp_wolf_init();
    if (c && c->ssl && c->keylog && own_records_ok && wolfSSL_SetDevId(c->ssl, TP_WOLF_DEVID) == WOLFSSL_SUCCESS)
        c->keep_own = true;
}

void tp_wolf_conn_set_io(struct tp_wolf_conn *c, const struct tp_wolf_io *io) { c->io = *io; }

void tp_wolf_conn_preload(struct tp_wolf_conn *c, size_t n, int after)
{
    c->a_off = 0;
    c->a_len = n;
    c->a_after = after;
    if (n && !took_in(c, c->io.ahead, n)) {
        c->a_len = 0;
        c->a_after = TP_WOLF_AFTER_FAIL; /* wolfSSL's first read fails */
    }
}

struct tp_wolf_conn *tp_wolf_conn_of(WOLFSSL_X509_STORE_CTX *store)
{
    WOLFSSL *ssl = store ? wolfSSL_X509_STORE_CTX_get_ex_data(store, wolfSSL_get_ex_data_X509_STORE_CTX_idx()) : NULL;
    return ssl ? wolfSSL_GetIOReadCtx(ssl) : NULL;
}

int tp_wolf_read(struct tp_wolf_conn *c, void *buf, int n, int *err)
{
    struct tp_wolf_conn *saved = tl_cur;
    tl_cur = c;
    int r = wolfSSL_read(c->ssl, buf, n);
    *err = r > 0 ? 0 : wolfSSL_get_error(c->ssl, r);
    tl_cur = saved;
    return r;
}

bool tp_wolf_write(struct tp_wolf_conn *c, const void *p, int n)
{
    struct tp_wolf_conn *saved = tl_cur;
    tl_cur = c;
    bool ok = wolfSSL_write(c->ssl, p, n) == n;
    tl_cur = saved;
    return ok;
}

bool tp_wolf_shutdown_now(struct tp_wolf_conn *c)
{
    struct tp_wolf_conn *saved = tl_cur;
    tl_cur = c;
    int r = wolfSSL_shutdown(c->ssl); /* sends close_notify; the peer's is not awaited */
    tl_cur = saved;
    return r == WOLFSSL_SUCCESS || r == WOLFSSL_SHUTDOWN_NOT_DONE;
}

void tp_wolf_conn_free(struct tp_wolf_conn *c)
{
    if (!c)
        return;
    if (tl_cur == c)
        tl_cur = NULL;
    if (c->ssl)
        wolfSSL_free(c->ssl);
    c->ssl = NULL;
    tp_keylog_free(c->keylog);
    c->keylog = NULL;
    struct tp_wolf_chunk *ch = c->head;
    while (ch) {
        struct tp_wolf_chunk *next = ch->next;
        free(ch);
        ch = next;
    }
    c->head = c->tail = NULL;
}
