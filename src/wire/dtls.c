/* DTLS 1.0/1.2 record layer and handshake fragments (RFC 6347 §4.1, §4.2.2,
 * §4.2.3); DTLS 1.3's unified header (RFC 9147 §4) is recognised, not opened.
 * Every byte is read through tlsprobe/reader.h. */
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/reader.h"
#include "tlsprobe/wire.h"

bool tp_dtls_version_ok(uint16_t v)
{
    return v == 0xfeff || v == 0xfefd || v == 0xfefc;
}

enum tp_err tp_dtls_record_next(struct tp_reader *r, struct tp_dtls_record *out)
{
    memset(out, 0, sizeof *out);
    struct tp_reader peek = *r;
    uint8_t type;
    if (!tp_read_u8(&peek, &type))
        return TP_ERR_TRUNCATED;
    if ((type & 0xe0) == 0x20) {
        /* RFC 9147 §4: 001CSLEE — the rest of the datagram unless L says a length
         * follows; we do not open it, so the rest is one unit */
        out->unified = true;
        out->type = TP_CT_APPLICATION_DATA;
        out->version = 0xfefc;
        out->epoch = type & 3u;
        if (!tp_read_rest(r, &out->body))
            return r->err;
        out->hdr = tp_bytes_make(out->body.p, 1);
        return TP_OK;
    }
    struct tp_bytes hdr;
    if (!tp_read_bytes(r, TP_DTLS_HDR_LEN, &hdr))
        return TP_ERR_TRUNCATED;
    struct tp_reader h;
    uint16_t len, seq_hi;
    uint32_t seq_lo;
    tp_reader_from(&h, hdr);
    (void)tp_read_u8(&h, &out->type);
    (void)tp_read_u16(&h, &out->version);
    (void)tp_read_u16(&h, &out->epoch);
    (void)tp_read_u16(&h, &seq_hi);
    (void)tp_read_u32(&h, &seq_lo);
    (void)tp_read_u16(&h, &len);
    out->seq = ((uint64_t)seq_hi << 32) | seq_lo;
    out->hdr = hdr;
    if (out->type < TP_CT_CHANGE_CIPHER_SPEC || out->type > 25 || !tp_dtls_version_ok(out->version))
        return TP_ERR_MALFORMED;
    if (!tp_read_bytes(r, len, &out->body))
        return TP_ERR_TRUNCATED;
    return TP_OK;
}

bool tp_dtls_is_client_hello(struct tp_bytes datagram)
{
    struct tp_reader r, b;
    struct tp_dtls_record rec;
    struct tp_dtls_hs_frag f;
    tp_reader_from(&r, datagram);
    if (tp_dtls_record_next(&r, &rec) != TP_OK || rec.unified || rec.type != TP_CT_HANDSHAKE || rec.epoch != 0)
        return false;
    tp_reader_from(&b, rec.body);
    return tp_dtls_hs_frag_next(&b, &f) == TP_OK && f.type == TP_HS_CLIENT_HELLO;
}

enum tp_err tp_dtls_hs_frag_next(struct tp_reader *r, struct tp_dtls_hs_frag *out)
{
    memset(out, 0, sizeof *out);
    tp_read_u8(r, &out->type);
    tp_read_u24(r, &out->length);
    tp_read_u16(r, &out->msg_seq);
    tp_read_u24(r, &out->frag_off);
    tp_read_u24(r, &out->frag_len);
    if (!tp_reader_ok(r))
        return r->err;
    if ((uint64_t)out->frag_off + out->frag_len > out->length)
        return TP_ERR_MALFORMED;
    if (!tp_read_bytes(r, out->frag_len, &out->frag))
        return r->err;
    return TP_OK;
}

bool tp_dtls_seen(struct tp_dtls_reasm *ra, const struct tp_dtls_record *rec)
{
    /* FNV-1a over the body, read through the reader */
    uint32_t h = 2166136261u;
    struct tp_reader r;
    uint8_t b;
    tp_reader_from(&r, rec->body);
    while (tp_read_u8(&r, &b))
        h = (h ^ b) * 16777619u;
    uint64_t es = (uint64_t)rec->epoch << 48 | (rec->seq & 0xffffffffffffull);
    for (size_t i = 0; i < TP_DTLS_SEEN; i++) {
        const struct tp_dtls_seen_rec *x = &ra->seen[i];
        if (x->used && x->epoch_seq == es && x->len == rec->body.len && x->hash == h)
            return true;
    }
    struct tp_dtls_seen_rec *x = &ra->seen[ra->seen_next];
    ra->seen_next = (ra->seen_next + 1) % TP_DTLS_SEEN;
    x->used = true;
    x->epoch_seq = es;
    x->len = (uint32_t)rec->body.len;
    x->hash = h;
    return false;
}

void tp_dtls_reasm_init(struct tp_dtls_reasm *ra)
{
    memset(ra, 0, sizeof *ra);
}

static void slot_free(struct tp_dtls_reasm *ra, struct tp_dtls_reasm_slot *sl)
{
    if (sl->used)
        ra->held -= 4 + (size_t)sl->length;
    free(sl->have);
    free(sl->buf);
    memset(sl, 0, sizeof *sl);
}

void tp_dtls_reasm_free(struct tp_dtls_reasm *ra)
{
    for (int i = 0; i < TP_DTLS_REASM_SLOTS; i++)
        slot_free(ra, &ra->slot[i]);
    free(ra->out);
    tp_dtls_reasm_init(ra);
}

/* Is message_seq seq (of this type) already delivered? */
static bool delivered(const struct tp_dtls_reasm *ra, uint16_t seq, uint8_t type)
{
    if (seq >= ra->next_seq)
        return false;
    if (seq < sizeof ra->done_type && ra->done_type[seq] && ra->done_type[seq] != type)
        return false;
    return true;
}

enum tp_err tp_dtls_reasm_push(struct tp_dtls_reasm *ra, const struct tp_dtls_hs_frag *f)
{
    if (!ra->started) {
        /* a capture may begin after the first messages: number from here */
        ra->started = true;
        ra->next_seq = f->msg_seq;
    }
    if (f->msg_seq < ra->next_seq) {
        if (delivered(ra, f->msg_seq, f->type))
            return TP_OK; /* a retransmission */
        /* the peer numbers again (after a HelloVerifyRequest): start over there */
        for (int i = 0; i < TP_DTLS_REASM_SLOTS; i++)
            slot_free(ra, &ra->slot[i]);
        memset(ra->done_type, 0, sizeof ra->done_type);
        ra->next_seq = f->msg_seq;
    }
    if (f->length > TP_MAX_HANDSHAKE_MSG)
        return TP_ERR_LIMIT;
    struct tp_dtls_reasm_slot *sl = NULL, *freeslot = NULL;
    for (int i = 0; i < TP_DTLS_REASM_SLOTS; i++) {
        if (ra->slot[i].used && ra->slot[i].seq == f->msg_seq)
            sl = &ra->slot[i];
        else if (!ra->slot[i].used && !freeslot)
            freeslot = &ra->slot[i];
    }
    if (sl && (sl->type != f->type || sl->length != f->length))
        return TP_OK; /* inconsistent with what we hold: the first copy wins */
    if (!sl) {
        if (!freeslot || ra->held + 4 + (size_t)f->length > TP_MAX_HANDSHAKE_MSG + TP_MAX_RECORD_LEN)
            return TP_ERR_LIMIT;
        sl = freeslot;
        sl->buf = malloc(4 + (size_t)f->length);
        sl->have = calloc(1, (size_t)f->length / 8 + 1);
        if (!sl->buf || !sl->have) {
            free(sl->buf);
            free(sl->have);
            sl->buf = sl->have = NULL;
            return TP_ERR_NOMEM;
        }
        sl->used = true;
        sl->seq = f->msg_seq;
        sl->type = f->type;
        sl->length = f->length;
        sl->buf[0] = f->type;
        sl->buf[1] = (uint8_t)(f->length >> 16);
        sl->buf[2] = (uint8_t)(f->length >> 8);
        sl->buf[3] = (uint8_t)f->length;
        ra->held += 4 + (size_t)f->length;
    }
    if (f->frag_len)
        memcpy(sl->buf + 4 + f->frag_off, f->frag.p, f->frag_len);
    for (uint32_t i = f->frag_off; i < f->frag_off + f->frag_len; i++) {
        uint8_t bit = (uint8_t)(1u << (i & 7u));
        if (!(sl->have[i >> 3] & bit)) {
            sl->have[i >> 3] |= bit;
            sl->got++;
        }
    }
    return TP_OK;
}

bool tp_dtls_reasm_next(struct tp_dtls_reasm *ra, struct tp_bytes *msg)
{
    free(ra->out);
    ra->out = NULL;
    for (int i = 0; i < TP_DTLS_REASM_SLOTS; i++) {
        struct tp_dtls_reasm_slot *sl = &ra->slot[i];
        if (!sl->used || sl->seq != ra->next_seq || sl->got != sl->length)
            continue;
        size_t n = 4 + (size_t)sl->length;
        ra->out = sl->buf;
        sl->buf = NULL;
        if (sl->seq < sizeof ra->done_type)
            ra->done_type[sl->seq] = sl->type;
        slot_free(ra, sl);
        ra->next_seq++;
        *msg = tp_bytes_make(ra->out, n);
        return true;
    }
    return false;
}
