/* The TLS record framer (include/tlsprobe/framer.h). */
#include <string.h>
#include "tlsprobe/framer.h"
#include "tlsprobe/limits.h"

#define CT_CCS 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_HEARTBEAT 24

static enum tp_start sslv2_start(const uint8_t b[5], size_t k, unsigned flags)
{
    size_t len = (size_t)(b[0] & 0x7f) << 8 | b[1];
    if (flags & TP_START_SSLV2_ANY)
        return TP_START_SSLV2;
    if (flags & TP_START_SSLV2_LEN) {
        if (k < 2)
            return TP_START_MORE;
        return len >= 9 && len <= TP_MAX_RECORD_LEN ? TP_START_SSLV2 : TP_START_NOT_TLS;
    }
    if (k < 5)
        return TP_START_MORE;
    /* RFC 5246 §E.2: msg_type 1 (client_hello), then version 0x0002 or 3.x; the
     * fixed fields alone are 9 bytes */
    bool ok = len >= 9 && b[2] == 1 && ((b[3] == 0 && b[4] == 2) || b[3] == 3);
    return ok ? TP_START_SSLV2 : TP_START_NOT_TLS;
}

enum tp_start tp_frame_start(const uint8_t *p, size_t n, unsigned flags)
{
    uint8_t b[5] = { 0 };
    size_t k = n < 5 ? n : 5;
    struct tp_reader r;
    tp_reader_init(&r, p, k);
    (void)tp_read_copy(&r, b, k);
    if (k == 0 || (!(flags & TP_START_EARLY) && k < 5))
        return TP_START_MORE;
    if ((b[0] & 0x80) && (flags & (TP_START_SSLV2_ANY | TP_START_SSLV2_LEN | TP_START_SSLV2_HELLO)))
        return sslv2_start(b, k, flags);
    bool type_ok = (flags & TP_START_HS_ALERT) ? (b[0] == CT_HANDSHAKE || b[0] == CT_ALERT)
                                               : (b[0] >= CT_CCS && b[0] <= CT_HEARTBEAT);
    if (!type_ok || (k >= 2 && b[1] != 3) || (k >= 3 && b[2] > 4))
        return TP_START_NOT_TLS;
    if (k < 5)
        return TP_START_MORE;
    if (!(flags & TP_START_ANY_LEN) && ((size_t)b[3] << 8 | b[4]) > TP_MAX_RECORD_LEN)
        return TP_START_NOT_TLS;
    return TP_START_TLS;
}

bool tp_frame_plausible(const struct tp_frame *h)
{
    return !h->sslv2 && h->type >= CT_CCS && h->type <= CT_HEARTBEAT && h->version >= 0x0300 &&
           h->version <= 0x0304 && h->len <= TP_MAX_RECORD_LEN;
}

/* The fields of the 5 header bytes held in raw (core: the reader's own side). */
static void hdr_fields(struct tp_frame *h)
{
    h->type = h->raw[0];
    h->version = (uint16_t)(h->raw[1] << 8 | h->raw[2]);
    h->len = (uint16_t)(h->raw[3] << 8 | h->raw[4]);
    h->raw_len = 5;
    h->sslv2 = false;
}

bool tp_frame_plausible_at(const uint8_t *p, size_t len)
{
    struct tp_frame h;
    struct tp_reader r;
    tp_reader_init(&r, p, len);
    if (!tp_read_copy(&r, h.raw, 5))
        return false;
    hdr_fields(&h);
    return tp_frame_plausible(&h);
}

size_t tp_frame_resync_scan(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 5 <= len; i++) {
        if (!tp_frame_plausible_at(p + i, len - i))
            continue;
        size_t next = i + 5 + ((size_t)p[i + 3] << 8 | p[i + 4]);
        if (next + 5 <= len && !tp_frame_plausible_at(p + next, len - next))
            continue;
        return i;
    }
    return len;
}

void tp_framer_init(struct tp_framer *f, unsigned start_flags)
{
    memset(f, 0, sizeof *f);
    f->mode = (start_flags & TP_START_ASSUMED) ? TP_FM_HEADER : TP_FM_START;
    f->start_flags = (uint8_t)start_flags;
}

/* A complete header is in rec: its body comes next. */
static enum tp_frame_ev header_done(struct tp_framer *f)
{
    f->have = 0;
    f->body_left = f->rec.len;
    if (f->rec.sslv2) /* TP_START_SSLV2_HELLO: raw holds 3 body bytes too */
        f->body_left = f->rec.len > f->rec.raw_len - 2u ? f->rec.len - (f->rec.raw_len - 2u) : 0;
    f->mode = f->body_left ? TP_FM_BODY : TP_FM_HEADER;
    return TP_FRAME_HEADER;
}

/* The first header, a byte at a time, judged by tp_frame_start as it grows. */
static enum tp_frame_ev start_byte(struct tp_framer *f, struct tp_reader *r)
{
    if (f->have >= sizeof f->rec.raw) /* judged not TLS already */
        return TP_FRAME_NOT_TLS;
    (void)tp_read_u8(r, &f->rec.raw[f->have++]);
    switch (tp_frame_start(f->rec.raw, f->have, f->start_flags)) {
    case TP_START_NOT_TLS:
        return TP_FRAME_NOT_TLS;
    case TP_START_SSLV2:
        if (f->have < 2)
            return TP_FRAME_NEED;
        f->rec.sslv2 = true;
        f->rec.raw_len = f->have;
        f->rec.type = 0;
        f->rec.version = 0;
        f->rec.len = (uint16_t)((f->rec.raw[0] & 0x7f) << 8 | f->rec.raw[1]);
        return header_done(f);
    case TP_START_TLS:
        hdr_fields(&f->rec);
        return header_done(f);
    case TP_START_MORE:
    default:
        if (f->have == 5) /* no flags accept it, none reject it: take it as TLS */
            return hdr_fields(&f->rec), header_done(f);
        return TP_FRAME_NEED;
    }
}

static enum tp_frame_ev header_bytes(struct tp_framer *f, struct tp_reader *r)
{
    size_t take = 5u - f->have;
    if (take > tp_reader_left(r))
        take = tp_reader_left(r);
    (void)tp_read_copy(r, f->rec.raw + f->have, take);
    f->have = (uint8_t)(f->have + take);
    if (f->have < 5)
        return TP_FRAME_NEED;
    hdr_fields(&f->rec);
    return header_done(f);
}

/* Could p[0..n) (n < 5) begin a plausible record header? */
static bool header_prefix(const uint8_t *p, size_t n)
{
    return n && p[0] >= CT_CCS && p[0] <= CT_HEARTBEAT && (n < 2 || p[1] == 3) && (n < 3 || p[2] <= 4);
}

/* A header that began in the bytes held from the previous feed (rec.raw[0..have)),
 * completed by the first bytes of rest: the offset in raw where it starts, or
 * have when none does; *undecided: rest is too short to judge the one at that offset. */
static size_t held_candidate(const struct tp_framer *f, struct tp_bytes rest, bool *undecided)
{
    *undecided = false;
    for (size_t h = 0; h < f->have; h++) {
        size_t need = 5u - (f->have - h);
        if (rest.len < need) {
            *undecided = true;
            return h;
        }
        uint8_t hd[5];
        struct tp_reader rr;
        memcpy(hd, f->rec.raw + h, f->have - h);
        tp_reader_init(&rr, rest.p, rest.len);
        (void)tp_read_copy(&rr, hd + (f->have - h), need);
        if (!tp_frame_plausible_at(hd, 5))
            continue;
        size_t next = need + ((size_t)hd[3] << 8 | hd[4]);
        if (next + 5 <= rest.len && !tp_frame_plausible_at(rest.p + next, rest.len - next))
            continue;
        return h;
    }
    return f->have;
}

/* Resynchronising: scan for a plausible header. A feed's last 1..4 bytes that may
 * begin one are held (rec.raw, have) and judged with the next feed, so a header
 * split across segments is found; *out is what was skipped. */
static enum tp_frame_ev resync_bytes(struct tp_framer *f, struct tp_reader *r, struct tp_bytes *out)
{
    struct tp_reader peek = *r;
    struct tp_bytes rest;
    (void)tp_read_rest(&peek, &rest);
    if (f->have) {
        bool undecided;
        size_t h = held_candidate(f, rest, &undecided);
        *out = tp_bytes_make(f->rec.raw, h); /* skipped (only its length is used) */
        if (h == f->have) {
            f->have = 0; /* none: scan rest as usual next */
            return TP_FRAME_LOST;
        }
        memmove(f->rec.raw, f->rec.raw + h, f->have - h);
        f->have = (uint8_t)(f->have - h);
        if (undecided) { /* a tiny feed: hold it too (have + rest.len < 5) */
            (void)tp_read_copy(r, f->rec.raw + f->have, rest.len);
            f->have = (uint8_t)(f->have + rest.len);
            return TP_FRAME_LOST;
        }
        f->mode = TP_FM_HEADER;
        return TP_FRAME_SYNCED;
    }
    size_t i = tp_frame_resync_scan(rest.p, rest.len);
    if (i == rest.len) {
        size_t keep = rest.len < 4 ? rest.len : 4;
        while (keep && !header_prefix(rest.p + rest.len - keep, keep))
            keep--;
        (void)tp_read_bytes(r, rest.len - keep, out);
        (void)tp_read_copy(r, f->rec.raw, keep);
        f->have = (uint8_t)keep;
        return TP_FRAME_LOST;
    }
    (void)tp_read_bytes(r, i, out);
    f->mode = TP_FM_HEADER;
    f->have = 0;
    return TP_FRAME_SYNCED;
}

enum tp_frame_ev tp_framer_next_(struct tp_framer *f, struct tp_reader *r, struct tp_bytes *out)
{
    for (;;) {
        size_t left = tp_reader_left(r);
        if (!left)
            return TP_FRAME_NEED;
        enum tp_frame_ev ev;
        size_t n = left < f->body_left ? left : f->body_left;
        switch (f->mode) {
        case TP_FM_BODY:
            (void)tp_read_bytes(r, n, out);
            f->body_left -= (uint32_t)n;
            if (!f->body_left)
                f->mode = TP_FM_HEADER;
            return TP_FRAME_BODY;
        case TP_FM_SKIP:
            (void)tp_read_skip(r, n);
            f->body_left -= (uint32_t)n;
            if (!f->body_left)
                f->mode = TP_FM_HEADER;
            continue;
        case TP_FM_RESYNC:
            return resync_bytes(f, r, out);
        case TP_FM_START:
            ev = start_byte(f, r);
            break;
        default:
            ev = header_bytes(f, r);
            break;
        }
        if (ev != TP_FRAME_NEED)
            return ev;
    }
}

void tp_framer_skip(struct tp_framer *f)
{
    if (f->body_left)
        f->mode = TP_FM_SKIP;
}

void tp_framer_resync(struct tp_framer *f)
{
    f->mode = TP_FM_RESYNC;
    f->have = 0;
    f->body_left = 0;
    f->rec.sslv2 = false;
}

bool tp_framer_gap(struct tp_framer *f, uint64_t lost)
{
    if ((f->mode == TP_FM_BODY || f->mode == TP_FM_SKIP) && f->have == 0 && f->body_left > lost) {
        f->body_left -= (uint32_t)lost;
        f->mode = TP_FM_SKIP; /* the record is incomplete: nobody reads the rest */
        return true;
    }
    tp_framer_resync(f);
    return false;
}
