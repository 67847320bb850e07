/* The TLS record framer: one stream of bytes -> record headers and bodies.
 *
 * Owns: record framing (the 5-byte TLS header, RFC 8446 §5.1 / RFC 5246 §6.2, and
 * the 2-byte header of an SSLv2-compatible ClientHello, RFC 5246 §E.2), the
 * "does this stream start like TLS" predicate, and resynchronisation on a record
 * boundary after lost bytes. Every byte is read through a caller's tp_reader.
 * Must not: look inside a body, allocate, or decide which bodies matter — the
 * caller (the session decoder, the capture walker, a probe's recorder) does,
 * after each header, by reading the body (tp_framer_next gives it, in place) or
 * skipping it (tp_framer_skip). Model: s2n-tls tls/s2n_record_read.c.
 *
 * A framer holds at most one incomplete header (5 bytes); bodies are handed out
 * as views of the caller's bytes: the whole body in one view when it is there,
 * else a piece per feed. */
#ifndef TLSPROBE_FRAMER_H
#define TLSPROBE_FRAMER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/bytes.h"
#include "tlsprobe/reader.h"

/* ---- does a stream start like TLS? ---- */
enum tp_start {
    TP_START_MORE = 0,  /* not decidable from these bytes yet */
    TP_START_TLS,       /* a TLS record header */
    TP_START_SSLV2,     /* an SSLv2-compatible ClientHello header */
    TP_START_NOT_TLS,
};
/* What a caller accepts (flags, or-ed). Without TP_START_EARLY nothing is decided
 * before the 5 header bytes are there. */
#define TP_START_EARLY 0x01u       /* decide on a prefix as soon as it shows (1..4 bytes) */
#define TP_START_HS_ALERT 0x02u    /* the first record must be handshake or alert (else any of 20..24) */
#define TP_START_ANY_LEN 0x04u     /* a length over TP_MAX_RECORD_LEN is still TLS (a peer's record-too-long) */
#define TP_START_SSLV2_LEN 0x08u   /* SSLv2: high bit and a length of 9..TP_MAX_RECORD_LEN (2 bytes) */
#define TP_START_SSLV2_HELLO 0x10u /* SSLv2: a whole ClientHello header (5 bytes: msg_type 1, version 0x0002 or 3.x) */
#define TP_START_SSLV2_ANY 0x20u   /* SSLv2: the high bit of the first byte alone */
#define TP_START_ASSUMED 0x40u     /* tp_framer_init: no start check, the stream is known to be
                                    * TLS (the first 5 bytes are a header, whatever they hold) */
enum tp_start tp_frame_start(const uint8_t *p, size_t n, unsigned flags);

/* One record header as read. */
struct tp_frame {
    uint8_t raw[5];     /* the header bytes as sent (2 for SSLv2; see raw_len) */
    uint8_t raw_len;    /* 5, or 2 for SSLv2 (5 when detected with TP_START_SSLV2_HELLO:
                         * then raw holds the header and 3 body bytes) */
    bool sslv2;
    uint8_t type;       /* content type (0 for SSLv2) */
    uint16_t version;   /* record version (0 for SSLv2) */
    uint16_t len;       /* body length */
};
/* A TLS header anyone would believe: type 20..24, version SSL 3.0..TLS 1.3,
 * length <= TP_MAX_RECORD_LEN. */
bool tp_frame_plausible(const struct tp_frame *h);
/* The same test on the first 5 bytes of p (false when len < 5). */
bool tp_frame_plausible_at(const uint8_t *p, size_t len);
/* Where a record boundary plausibly is in p after lost bytes: the offset of the
 * first plausible header whose successor, when it lies within p, is plausible
 * too; len when there is none. */
size_t tp_frame_resync_scan(const uint8_t *p, size_t len);

/* ---- the framer ---- */
enum tp_frame_ev {
    TP_FRAME_NEED = 0,  /* the reader is used up: feed more */
    TP_FRAME_HEADER,    /* a complete header in f->rec; its body comes next */
    TP_FRAME_BODY,      /* *out: body bytes of f->rec (tp_framer_body_done says the last) */
    TP_FRAME_NOT_TLS,   /* the start does not look like TLS (f->rec.raw holds the f->have bytes
                         * read); the framer stays there (call tp_framer_resync to go on) */
    TP_FRAME_LOST,      /* resynchronising: *out was skipped, no boundary found in it (the
                         * reader may have bytes left: call again) */
    TP_FRAME_SYNCED,    /* resynchronising: *out was skipped, a header starts next */
};
enum tp_framer_mode { TP_FM_START = 0, TP_FM_HEADER, TP_FM_BODY, TP_FM_SKIP, TP_FM_RESYNC };
struct tp_framer {
    struct tp_frame rec;    /* the current record */
    uint32_t body_left;     /* its body bytes not yet handed out / skipped */
    uint8_t have;           /* header bytes held in rec.raw */
    uint8_t mode;           /* enum tp_framer_mode */
    uint8_t start_flags;    /* TP_START_* for the first header */
};
/* start_flags: how the first header is judged (tp_frame_start). */
void tp_framer_init(struct tp_framer *f, unsigned start_flags);
/* Read from r up to the next event. The common steps (the end of the input, a
 * whole header, a body piece) are inline: the capture path frames millions of
 * records a second; tp_framer_next_ does the rest. */
enum tp_frame_ev tp_framer_next_(struct tp_framer *f, struct tp_reader *r, struct tp_bytes *out);
static inline enum tp_frame_ev tp_framer_next(struct tp_framer *f, struct tp_reader *r, struct tp_bytes *out)
{
    size_t left = tp_reader_left(r);
    if (!left)
        return TP_FRAME_NEED;
    if (f->mode == TP_FM_BODY) {
        size_t n = left < f->body_left ? left : f->body_left;
        (void)tp_read_bytes(r, n, out);
        f->body_left -= (uint32_t)n;
        if (!f->body_left)
            f->mode = TP_FM_HEADER;
        return TP_FRAME_BODY;
    }
    if (f->mode == TP_FM_HEADER && f->have == 0 && left >= 5) { /* a whole header */
        struct tp_bytes h;
        (void)tp_read_bytes(r, 5, &h);
        f->rec.raw[0] = h.p[0];
        f->rec.raw[1] = h.p[1];
        f->rec.raw[2] = h.p[2];
        f->rec.raw[3] = h.p[3];
        f->rec.raw[4] = h.p[4];
        f->rec.raw_len = 5;
        f->rec.sslv2 = false;
        f->rec.type = h.p[0];
        f->rec.version = (uint16_t)(h.p[1] << 8 | h.p[2]);
        f->rec.len = (uint16_t)(h.p[3] << 8 | h.p[4]);
        f->body_left = f->rec.len;
        f->mode = f->body_left ? TP_FM_BODY : TP_FM_HEADER;
        return TP_FRAME_HEADER;
    }
    return tp_framer_next_(f, r, out);
}
/* After TP_FRAME_HEADER: skip this record's body instead of handing it out. */
void tp_framer_skip(struct tp_framer *f);
/* Lost bytes: look for the next plausible header (no start check after it). */
void tp_framer_resync(struct tp_framer *f);
/* lost bytes are missing from the stream: when the hole lies inside the current
 * body (header complete, more body to come than was lost), keep the record
 * boundary and return true (the body's remaining count drops by lost); else
 * resynchronise and return false. */
bool tp_framer_gap(struct tp_framer *f, uint64_t lost);
/* After TP_FRAME_BODY: was it the record's last piece? */
static inline bool tp_framer_body_done(const struct tp_framer *f) { return f->body_left == 0; }
/* Between records (no header byte held, no body pending): the next byte is a header's first. */
static inline bool tp_framer_at_boundary(const struct tp_framer *f)
{
    return f->have == 0 && (f->mode == TP_FM_START || f->mode == TP_FM_HEADER);
}
/* Inside a record (part of a header held, or body still to come). */
static inline bool tp_framer_mid_record(const struct tp_framer *f)
{
    return (f->have != 0 && f->mode != TP_FM_RESYNC) || ((f->mode == TP_FM_BODY || f->mode == TP_FM_SKIP) && f->body_left);
}
/* The first header has been accepted (or the stream was resynchronised). */
static inline bool tp_framer_started(const struct tp_framer *f) { return f->mode != TP_FM_START; }

#endif
