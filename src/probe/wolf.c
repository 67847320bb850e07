/* wolfSSL glue shared by connect, listen and demo: see wolf.h for the contract
 * and ../shared/wolfssl-notes.md for the measured facts behind each choice. */
#include "probe/wolf.h"

#include <wolfssl/wolfcrypt/cryptocb.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/kdf.h>
#include <wolfssl/error-ssl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tlsprobe/wire.h"
#include "tlsprobe/x509.h"

struct tp_wolf_chunk {
    struct tp_wolf_chunk *next;
    enum tp_dir dir;
    int64_t t_us;
    size_t len, cap;
    uint8_t data[];
};

#define TP_WOLF_CIPHERS                                                                       \
    "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256:"            \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"    \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"      \
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305:"              \
    "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:"                \
    "ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:" \
    "ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:DHE-RSA-AES128-SHA:"        \
    "DHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:"         \
    "AES128-SHA:AES256-SHA"

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

/* ---- error table (wolfSSL_ERR_reason_error_string knows few of these well) ---- */
#define TP_WOLF_ERRS(X)                                                                          \
    X(TP_WOLF_E_TIMEOUT, "TIMEOUT", "the deadline was reached")                                  \
    X(TP_WOLF_E_TOO_MUCH, "TOO_MUCH_DATA", "the peer sent more data than a handshake can need")  \
    X(-301, "INPUT_CASE_ERROR", "internal state error while reading input")                      \
    X(-303, "MEMORY_ERROR", "out of memory")                                                     \
    X(-304, "VERIFY_FINISHED_ERROR", "the peer's Finished message did not verify")               \
    X(-305, "VERIFY_MAC_ERROR", "a record's MAC did not verify")                                 \
    X(-306, "PARSE_ERROR", "could not parse a message from the peer")                            \
    X(-307, "UNKNOWN_HANDSHAKE_TYPE", "the peer sent an unknown handshake message type")         \
    X(-308, "SOCKET_ERROR_E", "the connection failed (closed or reset by the peer)")             \
    X(-309, "SOCKET_NODATA", "expected data from the peer, none came")                           \
    X(-310, "INCOMPLETE_DATA", "the peer's data ended early")                                    \
    X(-311, "UNKNOWN_RECORD_TYPE", "the peer sent a record of an unknown type (not TLS?)")       \
    X(-312, "DECRYPT_ERROR", "a record could not be decrypted")                                  \
    X(-313, "FATAL_ERROR", "the peer sent a fatal alert")                                        \
    X(-314, "ENCRYPT_ERROR", "encryption failed")                                                \
    X(-316, "NO_PEER_KEY", "the peer's key is missing")                                          \
    X(-317, "NO_PRIVATE_KEY", "no private key for our certificate")                              \
    X(-321, "BAD_HELLO", "the hello message was malformed")                                      \
    X(-322, "DOMAIN_NAME_MISMATCH", "the certificate does not name the host")                    \
    X(-323, "WANT_READ", "waiting for data")                                                     \
    X(-325, "IPADDR_MISMATCH", "the certificate does not name the IP address")                   \
    X(-326, "VERSION_ERROR", "the peer's record version is not acceptable (not TLS?)")           \
    X(-327, "WANT_WRITE", "waiting to write")                                                    \
    X(-328, "BUFFER_ERROR", "a message from the peer has inconsistent lengths")                  \
    X(-329, "VERIFY_CERT_ERROR", "certificate verification failed")                              \
    X(-330, "VERIFY_SIGN_ERROR", "the peer's signature did not verify")                          \
    X(-341, "LENGTH_ERROR", "a record is longer than TLS allows (not TLS?)")                     \
    X(-342, "PEER_KEY_ERROR", "the peer's key could not be decoded")                             \
    X(-343, "ZERO_RETURN", "the peer sent close_notify")                                         \
    X(-345, "NO_PEER_CERT", "the peer sent no certificate")                                      \
    X(-351, "ECC_CURVE_ERROR", "unsupported elliptic curve")                                     \
    X(-352, "ECC_PEERKEY_ERROR", "the peer's EC key is invalid")                                 \
    X(-368, "MAX_CHAIN_ERROR", "the certificate chain is longer than allowed")                   \
    X(-373, "OUT_OF_ORDER_E", "the peer sent a message out of order")                            \
    X(-375, "SANITY_CIPHER_E", "the chosen cipher suite is inconsistent")                        \
    X(-376, "RECV_OVERFLOW_E", "the peer sent more than a record can hold")                      \
    X(-383, "KEYUSE_SIGNATURE_E", "the certificate's key usage forbids signing")                 \
    X(-385, "KEYUSE_ENCIPHER_E", "the certificate's key usage forbids key encipherment")         \
    X(-386, "EXTKEYUSE_AUTH_E", "the certificate's extended key usage does not allow this use")  \
    X(-388, "SECURE_RENEGOTIATION_E", "the peer's renegotiation_info is invalid")                \
    X(-394, "SANITY_MSG_E", "the peer sent a message out of order")                              \
    X(-395, "DUPLICATE_MSG_E", "the peer sent the same handshake message twice")                 \
    X(-397, "SOCKET_PEER_CLOSED_E", "the peer closed the connection")                            \
    X(-404, "HANDSHAKE_SIZE_ERROR", "a handshake message from the peer is larger than allowed")   \
    X(-428, "EXT_MISSING", "a required extension is missing")                                    \
    X(-429, "UNSUPPORTED_EXTENSION", "the peer sent an extension we did not offer")              \
    X(-500, "UNSUPPORTED_SUITE", "unsupported cipher suite")                                     \
    X(-501, "MATCH_SUITE_ERROR", "no cipher suite in common")                                    \
    X(-188, "ASN_NO_SIGNER_E", "no trusted signer for the certificate")                          \
    X(-151, "ASN_AFTER_DATE_E", "the certificate has expired")                                   \
    X(-150, "ASN_BEFORE_DATE_E", "the certificate is not yet valid")                             \
    X(-140, "ASN_PARSE_E", "a certificate could not be parsed")

struct err_ent {
    int code;
    const char *name, *text;
};
static const struct err_ent err_table[] = {
#define TP_WOLF_ERR_ENT(c, n, t) { c, n, t },
    TP_WOLF_ERRS(TP_WOLF_ERR_ENT)
#undef TP_WOLF_ERR_ENT
};

static const struct err_ent *err_find(int code)
{
    for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
        if (err_table[i].code == code)
            return &err_table[i];
    return NULL;
}
const char *tp_wolf_err_name(int code)
{
    const struct err_ent *e = err_find(code);
    return e ? e->name : "WOLFSSL_ERROR";
}
const char *tp_wolf_err_text(int code)
{
    const struct err_ent *e = err_find(code);
    return e ? e->text : "wolfSSL error";
}

/* ---- the recorder: every byte wolfSSL reads and writes, in wire order ---- */

static enum tp_dir dir_in(const struct tp_wolf_conn *c) { return c->is_server ? TP_C2S : TP_S2C; }
static enum tp_dir dir_out(const struct tp_wolf_conn *c) { return c->is_server ? TP_S2C : TP_C2S; }

/* The peer's records, followed header by header as they are recorded, to see a
 * fatal alert from it (io.quiet_after_peer_fatal). Counts lengths only: the
 * decoder frames the same bytes properly later. */
static void follow_peer(struct tp_wolf_conn *c, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && !c->peer_fatal;) {
        if (c->rbody_left == 0) {
            c->rhdr[c->rhdr_len++] = p[i++];
            if (c->rhdr_len < sizeof c->rhdr)
                continue;
            c->rhdr_len = 0;
            c->rbody_left = ((size_t)c->rhdr[3] << 8) | c->rhdr[4];
            c->rbody_alert = c->rhdr[0] == 21; /* alert (RFC 8446 §5.1) */
            c->rbody_first = true;
            continue;
        }
        if (c->rbody_alert && c->rbody_first && p[i] == 2) /* level fatal */
            c->peer_fatal = true;
        c->rbody_first = false;
        size_t take = n - i < c->rbody_left ? n - i : c->rbody_left;
        c->rbody_left -= take;
        i += take;
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
    /* ETIMEDOUT: the hook's time is up; the driver reports the deadline */
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT)
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

/* Read-ahead (io.ahead): wolfSSL reads a record's 5-byte header, then its body,
 * and may fail on the header alone. A TLS 1.3 client that rejects our
 * certificate sends a plaintext alert where wolfSSL expects an encrypted record:
 * it fails (-306) after the header and never reads the alert body. Reading
 * whatever the socket has (up to one record) records every byte the peer sent,
 * in wire order with what we sent. */
static int recv_ahead(struct tp_wolf_conn *c, char *buf, size_t sz)
{
    for (;;) {
        if (c->a_off < c->a_len) {
            size_t n = c->a_len - c->a_off;
            if (n > sz)
                n = sz;
            memcpy(buf, c->io.ahead + c->a_off, n);
            c->a_off += n;
            return (int)n;
        }
        c->a_off = c->a_len = 0;
        ssize_t n;
        if (c->a_after) { /* what the socket said after the preloaded bytes */
            int after = c->a_after;
            c->a_after = 0;
            if (after == TP_WOLF_AFTER_FAIL)
                return WOLFSSL_CBIO_ERR_GENERAL;
            n = after == TP_WOLF_AFTER_EOF ? 0 : -1;
            errno = after == TP_WOLF_AFTER_EOF ? 0 : after;
        } else {
            /* We just sent our flight: the peer has work to do first. */
            if (c->io.idle && c->tail && c->tail->dir == dir_out(c))
                c->io.idle(c->io.arg);
            n = c->io.recv ? c->io.recv(c->io.arg, c->fd, c->io.ahead, c->io.ahead_cap, c->deadline_mono_us)
                           : recv(c->fd, c->io.ahead, c->io.ahead_cap, MSG_DONTWAIT);
        }
        if (n > 0) {
            c->a_len = (size_t)n;
            if (!took_in(c, c->io.ahead, (size_t)n)) {
                c->a_len = 0;
                return WOLFSSL_CBIO_ERR_GENERAL;
            }
            continue;
        }
        int r = recv_failed(c, n);
        if (r)
            return r;
    }
}

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    struct tp_wolf_conn *c = ctx;
    if (sz <= 0)
        return 0;
    if (c->io.ahead)
        return recv_ahead(c, buf, (size_t)sz);
    for (;;) {
        ssize_t n = recv(c->fd, buf, (size_t)sz, MSG_DONTWAIT);
        if (n > 0)
            return took_in(c, (const uint8_t *)buf, (size_t)n) ? (int)n : WOLFSSL_CBIO_ERR_GENERAL;
        int r = recv_failed(c, n);
        if (r)
            return r;
    }
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
    if (n > INT_MAX)
        return false;
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

/* Record the chain and continue: verification is ours (tp_chain_verify). */
static int verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    (void)preverify;
    (void)store;
    return 1;
}

/* ---- context ---- */
static bool file_readable(const char *what, const char *path, char *err, size_t errlen)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s '%s': %s", what, path, strerror(errno));
        return false;
    }
    bool ok = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
    fclose(f);
    if (!ok)
        snprintf(err, errlen, "%s '%s' is not a regular file", what, path);
    return ok;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            if (cap >= TP_MAX_INPUT_FILE) {
                free(buf);
                fclose(f);
                return NULL;
            }
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* wolfSSL_CTX_check_private_key accepts any EC P-256 key for an EC P-256
 * certificate in this build: compare the public keys ourselves (SHA-256 of the
 * SPKI, from the x509 module). True when they match or cannot be compared. */
static bool key_matches_cert(const char *cert_path, const char *key_path)
{
    struct tp_file *cf = NULL, *kf = NULL;
    bool match = true;
    if (tp_file_read(cert_path, &cf) == TP_OK && tp_file_read(key_path, &kf) == TP_OK) {
        const struct tp_file_obj *leaf = NULL, *key = NULL;
        for (size_t i = 0; i < cf->n_objs && !leaf; i++)
            if (cf->objs[i].kind == TP_OBJ_CERTIFICATE && cf->objs[i].cert)
                leaf = &cf->objs[i];
        for (size_t i = 0; i < kf->n_objs && !key; i++)
            if (kf->objs[i].kind == TP_OBJ_PRIVATE_KEY && kf->objs[i].has_pub_sha256)
                key = &kf->objs[i];
        uint8_t cert_pub[32];
        if (leaf && key && tp_cert_pub_sha256(leaf->cert, cert_pub))
            match = memcmp(cert_pub, key->pub_sha256, 32) == 0;
    }
    tp_file_free(cf);
    tp_file_free(kf);
    return match;
}

static bool load_cert_key(WOLFSSL_CTX *ctx, const struct tp_wolf_ctx_opts *o, char *err, size_t errlen)
{
    if (!o->cert && !o->key)
        return true;
    if (!o->cert || !o->key) {
        snprintf(err, errlen, "%s needs %s too", o->cert ? "--cert" : "--key", o->cert ? "--key" : "--cert");
        return false;
    }
    if (!file_readable("certificate", o->cert, err, errlen) || !file_readable("key", o->key, err, errlen))
        return false;
    if (o->chain && !file_readable("chain", o->chain, err, errlen))
        return false;
    size_t n1 = 0, n2 = 0;
    uint8_t *b1 = slurp(o->cert, &n1);
    uint8_t *b2 = o->chain ? slurp(o->chain, &n2) : NULL;
    if (!b1 || (o->chain && !b2)) {
        free(b1);
        free(b2);
        snprintf(err, errlen, "cannot read certificate '%s'", o->chain && b1 ? o->chain : o->cert);
        return false;
    }
    int r;
    if (n1 && memmem(b1, n1, "-----BEGIN", 10)) {
        uint8_t *all = malloc(n1 + n2 + 2);
        if (!all) {
            free(b1);
            free(b2);
            snprintf(err, errlen, "out of memory");
            return false;
        }
        memcpy(all, b1, n1);
        all[n1] = '\n';
        if (n2)
            memcpy(all + n1 + 1, b2, n2);
        r = wolfSSL_CTX_use_certificate_chain_buffer(ctx, all, (long)(n1 + 1 + n2));
        free(all);
    } else {
        r = wolfSSL_CTX_use_certificate_buffer(ctx, b1, (long)n1, WOLFSSL_FILETYPE_ASN1);
        if (r == WOLFSSL_SUCCESS && b2)
            r = wolfSSL_CTX_use_certificate_chain_buffer(ctx, b2, (long)n2) == WOLFSSL_SUCCESS
                    ? WOLFSSL_SUCCESS
                    : WOLFSSL_FAILURE;
    }
    free(b1);
    free(b2);
    if (r != WOLFSSL_SUCCESS) {
        snprintf(err, errlen, "'%s' holds no usable certificate (PEM or DER expected)", o->cert);
        return false;
    }
    if (wolfSSL_CTX_use_PrivateKey_file(ctx, o->key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS &&
        wolfSSL_CTX_use_PrivateKey_file(ctx, o->key, WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS) {
        snprintf(err, errlen, "'%s' holds no usable private key (unencrypted PEM or DER expected)", o->key);
        return false;
    }
    if (wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS || !key_matches_cert(o->cert, o->key)) {
        snprintf(err, errlen, "the key in '%s' does not match the certificate in '%s'", o->key, o->cert);
        return false;
    }
    return true;
}

WOLFSSL_CTX *tp_wolf_ctx_new(const struct tp_wolf_ctx_opts *o, char *err, size_t errlen)
{
    tp_wolf_init();
    WOLFSSL_METHOD *m;
    if (o->only_version == TP_TLS1_2)
        m = o->server ? wolfTLSv1_2_server_method() : wolfTLSv1_2_client_method();
    else if (o->only_version == TP_TLS1_3)
        m = o->server ? wolfTLSv1_3_server_method() : wolfTLSv1_3_client_method();
    else
        m = o->server ? wolfSSLv23_server_method() : wolfSSLv23_client_method();
    WOLFSSL_CTX *ctx = m ? wolfSSL_CTX_new(m) : NULL;
    if (!ctx) {
        snprintf(err, errlen, "wolfSSL: cannot create a TLS context");
        return NULL;
    }
    /* Every configuration call is checked: a probe that silently kept this
     * build's defaults would offer what we say it does not (issue 21). */
    const char *failed = NULL;
    if (!o->only_version && wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS)
        failed = "wolfSSL_CTX_SetMinVersion(TLS 1.2)";
    /* Debian's build puts P-521 first for TLS 1.2 (slow) and P-256 as the TLS 1.3
     * key share: ask for X25519, P-256 first (wolfssl-notes "Speed facts"). */
    int groups[] = { WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1, WOLFSSL_ECC_SECP384R1, WOLFSSL_ECC_SECP521R1 };
    if (wolfSSL_CTX_set_groups(ctx, groups, (int)(sizeof groups / sizeof groups[0])) != WOLFSSL_SUCCESS) {
        /* set_groups refuses a TLS 1.2-only method (--tls1.2): the supported_groups
         * extension is then set one group at a time, which replaces the default list. */
        for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
            if (wolfSSL_CTX_UseSupportedCurve(ctx, (word16)groups[i]) != WOLFSSL_SUCCESS && !failed)
                failed = "wolfSSL_CTX_UseSupportedCurve";
    }
    /* This build's default list offers anon, NULL, PSK, RC4 and 3DES suites: a
     * probe must not invite a server into those. Modern suites first, then the
     * CBC ones old servers still need (a server with nothing else is reported,
     * as no-shared-cipher). Names this build lacks are skipped by wolfSSL. */
    if (wolfSSL_CTX_set_cipher_list(ctx, TP_WOLF_CIPHERS) != WOLFSSL_SUCCESS && !failed)
        failed = "wolfSSL_CTX_set_cipher_list";
    if (failed) {
        snprintf(err, errlen, "wolfSSL: %s failed: this wolfSSL build cannot be configured as tlsprobe needs", failed);
        wolfSSL_CTX_free(ctx);
        return NULL;
    }
    /* Auto-retry turns a silent peer into an 11 s blocking read. */
    wolfSSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY);
    wolfSSL_CTX_SetIORecv(ctx, io_recv);
    wolfSSL_CTX_SetIOSend(ctx, io_send);
    wolfSSL_CTX_SetHKDFExpandLabelCb(ctx, hkdf_cb);
    if (!o->server || o->request_client_cert)
        wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, verify_cb);
    else
        wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
    if (!load_cert_key(ctx, o, err, errlen)) {
        wolfSSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
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
    if (c->banner_len == 0)
        return true;
    if (tp_sslv2_hello_detect(c->banner, c->banner_len))
        return true;
    /* the record header check needs 5 bytes; fewer that start like one count as TLS */
    if (c->banner_len < 5) {
        uint8_t t = c->banner[0];
        return t >= 20 && t <= 24 && (c->banner_len < 2 || c->banner[1] == 3);
    }
    return tp_record_header_plausible(c->banner, c->banner_len);
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
