/* The wire writer: the reader's discipline (tlsprobe/reader.h) for bytes we send.
 *
 * A cursor over a caller's buffer (pointer, capacity). Every write checks what is
 * left; the first error sticks (TP_ERR_LIMIT when the buffer is full, TP_ERR_MALFORMED
 * when a length-prefixed vector is closed that was never opened or outgrows its
 * length field) and makes every later write a no-op, so a builder writes a run of
 * fields and checks once with tp_writer_ok. Length-prefixed vectors are opened and
 * closed; the length is filled in on close.
 *
 * On top of it, tp_client_hello_write builds a ClientHello record from a plain
 * description (struct tp_ch_spec): what `scan` offers a server, and what tests use
 * to make hellos that tp_client_hello_parse reads back.
 *
 * Owns: writing wire bytes into a caller's buffer (module wire). Must not: allocate,
 * print, touch sockets, or do crypto (key shares are the caller's bytes). */
#ifndef TLSPROBE_WRITER_H
#define TLSPROBE_WRITER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/bytes.h"
#include "tlsprobe/error.h"

#define TP_WRITER_MAX_DEPTH 8

struct tp_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;                          /* bytes written */
    enum tp_err err;                     /* first error, TP_OK while none */
    size_t open_at[TP_WRITER_MAX_DEPTH]; /* where each open vector's length field is */
    uint8_t open_width[TP_WRITER_MAX_DEPTH];
    int depth;
};

void tp_writer_init(struct tp_writer *w, uint8_t *buf, size_t cap);
bool tp_put_u8(struct tp_writer *w, uint8_t v);
bool tp_put_u16(struct tp_writer *w, uint16_t v);   /* big-endian */
bool tp_put_u24(struct tp_writer *w, uint32_t v);   /* big-endian, v < 2^24 */
bool tp_put_bytes(struct tp_writer *w, const void *p, size_t n);
bool tp_put_zeros(struct tp_writer *w, size_t n);
/* Open a vector with a width-byte (1, 2 or 3) length field; tp_put_vec_end closes
 * the innermost one and writes its length. */
bool tp_put_vec_begin(struct tp_writer *w, unsigned width);
bool tp_put_vec_end(struct tp_writer *w);
static inline bool tp_writer_ok(const struct tp_writer *w) { return w->err == TP_OK; }
/* OK and every vector closed. */
static inline bool tp_writer_done(const struct tp_writer *w) { return w->err == TP_OK && w->depth == 0; }

/* One key share a hello offers (the caller's key_exchange bytes). */
struct tp_ch_key_share {
    uint16_t group;
    const uint8_t *key;
    size_t key_len;
};

/* A ClientHello described in plain values. Lists with n 0 are left out (an
 * extension whose list is empty is not sent, but for key_share: send_key_share
 * with no shares sends an empty client_shares list, as RFC 8446 §4.2.8 allows). */
struct tp_ch_spec {
    uint16_t record_version;     /* 0: 0x0301 (0x0300 for an SSL 3.0 hello) */
    uint16_t legacy_version;     /* 0x0300..0x0303 */
    const uint8_t *random;       /* 32 bytes; NULL: zeros */
    const uint8_t *session_id;   /* up to 32 bytes */
    size_t session_id_len;
    const uint16_t *suites;
    size_t n_suites;
    const uint8_t *compression;  /* NULL: { 0 } (null only) */
    size_t n_compression;
    bool no_extensions;          /* SSL 3.0 style: no extensions block at all */
    const char *sni;             /* host_name; NULL: none */
    const uint16_t *groups;
    size_t n_groups;
    const uint16_t *sig_algs;
    size_t n_sig_algs;
    const uint16_t *versions;    /* supported_versions */
    size_t n_versions;
    bool send_key_share;
    const struct tp_ch_key_share *key_shares;
    size_t n_key_shares;
    const char *const *alpn;     /* protocol names */
    size_t n_alpn;
    bool ec_point_formats;       /* uncompressed */
    bool session_ticket;         /* empty SessionTicket */
    bool renegotiation_info;     /* empty renegotiation_info (RFC 5746) */
    bool extended_master_secret;
    bool psk_modes;              /* psk_key_exchange_modes: psk_dhe_ke */
    bool padding;                /* RFC 7685: a hello of 256..511 bytes is padded to 512 (some
                                    servers hang on those sizes; browsers pad the same way) */
};

/* Write the whole record (5-byte header + handshake header + body). TP_ERR_LIMIT:
 * the buffer is too small or the hello would not fit one record (2^14 bytes);
 * TP_ERR_USAGE: a field out of range (session id over 32 bytes, an ALPN name
 * empty or over 255 bytes). On success w->len is the record's length. */
enum tp_err tp_client_hello_write(const struct tp_ch_spec *s, struct tp_writer *w) TP_MUST_USE;

#endif
