/* Record layer, handshake framing and reassembly, Alert and ChangeCipherSpec.
 * RFC 8446 §5.1, RFC 5246 §6.2, RFC 5246 §E.2 (SSLv2-compatible hello). */
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/array.h"
#include "tlsprobe/framer.h"
#include "tlsprobe/wire.h"
#include "tlsprobe/reader.h"
#include "wire/wire_int.h"

static bool content_type_ok(uint8_t t)
{
    return t >= TP_CT_CHANGE_CIPHER_SPEC && t <= TP_CT_HEARTBEAT;
}

enum tp_err tp_record_parse(const uint8_t *p, size_t len, struct tp_record *rec, size_t *used)
{
    struct tp_reader r;
    uint8_t type = 0;
    uint16_t version = 0, length = 0;

    memset(rec, 0, sizeof *rec);
    *used = 5;
    tp_reader_init(&r, p, len);
    /* Reject a bad header as soon as the bytes that show it are present, so a
     * stream reader does not wait for 5 bytes of something that is not TLS. */
    if (tp_read_u8(&r, &type) && !content_type_ok(type))
        return TP_ERR_MALFORMED;
    if (len >= 2 && p[1] != 3)
        return TP_ERR_MALFORMED;
    if (!tp_read_u16(&r, &version) || !tp_read_u16(&r, &length))
        return TP_ERR_TRUNCATED;
    if (length > TP_MAX_RECORD_LEN)
        return TP_ERR_LIMIT;
    *used = 5 + (size_t)length;
    if (!tp_read_bytes(&r, length, &rec->body)) {
        memset(rec, 0, sizeof *rec);
        return TP_ERR_TRUNCATED;
    }
    rec->type = type;
    rec->version = version;
    return TP_OK;
}

/* The TLS-start logic is core/framer's alone; these two keep wire's names. */
bool tp_record_header_plausible(const uint8_t *p, size_t len)
{
    return tp_frame_plausible_at(p, len);
}

bool tp_sslv2_hello_detect(const uint8_t *p, size_t len)
{
    return tp_frame_start(p, len, TP_START_SSLV2_HELLO) == TP_START_SSLV2;
}

/* ---- handshake framing ---- */

enum tp_err tp_hs_header_parse(struct tp_bytes msg, struct tp_hs_header *h)
{
    struct tp_reader r;

    memset(h, 0, sizeof *h);
    tp_reader_from(&r, msg);
    uint8_t type = 0;
    uint32_t length = 0;
    struct tp_bytes body;
    if (!tp_read_u8(&r, &type) || !tp_read_u24(&r, &length) || !tp_read_bytes(&r, length, &body))
        return TP_ERR_TRUNCATED;
    /* Bytes after the message are allowed: they are the next coalesced message
     * (step by 4 + h->length). */
    h->type = type;
    h->length = length;
    h->body = body;
    return TP_OK;
}

/* The buffer never grows beyond one maximal message plus one record. */
#define REASM_CAP ((size_t)TP_MAX_HANDSHAKE_MSG + 4 + TP_MAX_RECORD_LEN)

void tp_hs_reasm_init(struct tp_hs_reasm *ra)
{
    memset(ra, 0, sizeof *ra);
}

void tp_hs_reasm_free(struct tp_hs_reasm *ra)
{
    if (!ra)
        return;
    free(ra->buf);
    memset(ra, 0, sizeof *ra);
}

void tp_hs_reasm_reset(struct tp_hs_reasm *ra)
{
    ra->len = 0;
    ra->off = 0;
}

size_t tp_hs_reasm_pending(const struct tp_hs_reasm *ra)
{
    return ra->len - ra->off;
}

enum tp_err tp_hs_reasm_push(struct tp_hs_reasm *ra, struct tp_bytes fragment)
{
    if (fragment.len == 0)
        return TP_OK;
    /* Drop what was already handed out (views are valid until the next push). */
    if (ra->off > 0) {
        size_t pend = ra->len - ra->off;
        if (pend)
            memmove(ra->buf, ra->buf + ra->off, pend);
        ra->len = pend;
        ra->off = 0;
    }
    if (fragment.len > REASM_CAP - ra->len)
        return TP_ERR_LIMIT;
    size_t need = ra->len + fragment.len;
    uint8_t *nb = tp_buf_grow(ra->buf, &ra->cap, need, 4096, REASM_CAP);
    if (!nb)
        return TP_ERR_NOMEM;
    ra->buf = nb;
    memcpy(ra->buf + ra->len, fragment.p, fragment.len);
    ra->len += fragment.len;
    return TP_OK;
}

enum tp_err tp_hs_reasm_next(struct tp_hs_reasm *ra, struct tp_bytes *msg)
{
    struct tp_reader r;
    uint8_t type;
    uint32_t length;

    msg->p = NULL;
    msg->len = 0;
    tp_reader_init(&r, ra->buf ? ra->buf + ra->off : NULL, ra->len - ra->off);
    if (!tp_read_u8(&r, &type) || !tp_read_u24(&r, &length))
        return TP_ERR_TRUNCATED;
    if (length > TP_MAX_HANDSHAKE_MSG)
        return TP_ERR_LIMIT;
    if (!tp_read_skip(&r, length))
        return TP_ERR_TRUNCATED;
    msg->p = ra->buf + ra->off;
    msg->len = 4 + (size_t)length;
    ra->off += msg->len;
    return TP_OK;
}

/* ---- Alert, ChangeCipherSpec ---- */

enum tp_err tp_alert_parse(struct tp_bytes body, struct tp_alert *a)
{
    struct tp_reader r;

    memset(a, 0, sizeof *a);
    tp_reader_from(&r, body);
    uint8_t level, desc;
    if (!tp_read_u8(&r, &level) || !tp_read_u8(&r, &desc))
        return TP_ERR_TRUNCATED;
    /* RFC 8446 §6: AlertLevel is warning(1) or fatal(2). Anything else (or more
     * than 2 bytes) is most likely an encrypted alert read as plaintext. */
    if (!tp_reader_done(&r) || (level != 1 && level != 2))
        return TP_ERR_MALFORMED;
    a->level = level;
    a->description = desc;
    return TP_OK;
}

enum tp_err tp_ccs_parse(struct tp_bytes body)
{
    struct tp_reader r;
    uint8_t v;

    tp_reader_from(&r, body);
    if (!tp_read_u8(&r, &v))
        return TP_ERR_TRUNCATED;
    return (v == 1 && tp_reader_done(&r)) ? TP_OK : TP_ERR_MALFORMED;
}
