/* The wire writer and the ClientHello builder (tlsprobe/writer.h). */
#include <string.h>
#include "tlsprobe/wire.h"
#include "tlsprobe/writer.h"

void tp_writer_init(struct tp_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->err = TP_OK;
    w->depth = 0;
}

static bool fail(struct tp_writer *w, enum tp_err e)
{
    if (w->err == TP_OK)
        w->err = e;
    return false;
}

/* The one place that checks "n bytes left". */
static uint8_t *take(struct tp_writer *w, size_t n)
{
    if (w->err != TP_OK)
        return NULL;
    if (n > w->cap - w->len) {
        fail(w, TP_ERR_LIMIT);
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

bool tp_put_u8(struct tp_writer *w, uint8_t v)
{
    uint8_t *p = take(w, 1);
    if (p)
        p[0] = v;
    return p != NULL;
}

bool tp_put_u16(struct tp_writer *w, uint16_t v)
{
    uint8_t *p = take(w, 2);
    if (p) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
    }
    return p != NULL;
}

bool tp_put_u24(struct tp_writer *w, uint32_t v)
{
    if (v > 0xffffffu)
        return fail(w, TP_ERR_MALFORMED);
    uint8_t *p = take(w, 3);
    if (p) {
        p[0] = (uint8_t)(v >> 16);
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)v;
    }
    return p != NULL;
}

bool tp_put_bytes(struct tp_writer *w, const void *src, size_t n)
{
    if (n == 0)
        return tp_writer_ok(w);
    if (!src)
        return fail(w, TP_ERR_USAGE);
    uint8_t *p = take(w, n);
    if (p)
        memcpy(p, src, n);
    return p != NULL;
}

bool tp_put_zeros(struct tp_writer *w, size_t n)
{
    uint8_t *p = take(w, n);
    if (p && n)
        memset(p, 0, n);
    return p != NULL;
}

bool tp_put_vec_begin(struct tp_writer *w, unsigned width)
{
    if (w->err != TP_OK)
        return false;
    if (width < 1 || width > 3 || w->depth >= TP_WRITER_MAX_DEPTH)
        return fail(w, TP_ERR_MALFORMED);
    size_t at = w->len;
    if (!tp_put_zeros(w, width))
        return false;
    w->open_at[w->depth] = at;
    w->open_width[w->depth] = (uint8_t)width;
    w->depth++;
    return true;
}

bool tp_put_vec_end(struct tp_writer *w)
{
    if (w->err != TP_OK)
        return false;
    if (w->depth == 0)
        return fail(w, TP_ERR_MALFORMED);
    w->depth--;
    size_t at = w->open_at[w->depth];
    unsigned width = w->open_width[w->depth];
    size_t n = w->len - at - width;
    if (n >= ((size_t)1 << (8 * width)))
        return fail(w, TP_ERR_MALFORMED);
    for (unsigned i = 0; i < width; i++)
        w->buf[at + i] = (uint8_t)(n >> (8 * (width - 1 - i)));
    return true;
}

/* ---- the ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) ---- */

static void ext_u16_list(struct tp_writer *w, uint16_t type, const uint16_t *v, size_t n, unsigned width)
{
    tp_put_u16(w, type);
    tp_put_vec_begin(w, 2);
    tp_put_vec_begin(w, width);
    for (size_t i = 0; i < n; i++)
        tp_put_u16(w, v[i]);
    tp_put_vec_end(w);
    tp_put_vec_end(w);
}

static void ext_empty(struct tp_writer *w, uint16_t type)
{
    tp_put_u16(w, type);
    tp_put_u16(w, 0);
}

static bool spec_valid(const struct tp_ch_spec *s)
{
    if (s->session_id_len > 32 || (s->session_id_len && !s->session_id))
        return false;
    if ((s->n_suites && !s->suites) || (s->n_groups && !s->groups) || (s->n_sig_algs && !s->sig_algs) ||
        (s->n_versions && !s->versions) || (s->n_key_shares && !s->key_shares) || (s->n_alpn && !s->alpn) ||
        (s->n_compression && !s->compression))
        return false;
    for (size_t i = 0; i < s->n_alpn; i++) {
        size_t n = s->alpn[i] ? strlen(s->alpn[i]) : 0;
        if (n == 0 || n > 255)
            return false;
    }
    if (s->sni && (!s->sni[0] || strlen(s->sni) > 255))
        return false;
    return true;
}

/* msg_start: where the handshake message starts (its 4-byte header). */
static void write_extensions(const struct tp_ch_spec *s, struct tp_writer *w, size_t msg_start)
{
    tp_put_vec_begin(w, 2);
    if (s->sni) { /* RFC 6066 §3 */
        size_t n = strlen(s->sni);
        tp_put_u16(w, TP_EXT_SERVER_NAME);
        tp_put_vec_begin(w, 2);
        tp_put_vec_begin(w, 2);
        tp_put_u8(w, 0); /* host_name */
        tp_put_vec_begin(w, 2);
        tp_put_bytes(w, s->sni, n);
        tp_put_vec_end(w);
        tp_put_vec_end(w);
        tp_put_vec_end(w);
    }
    if (s->ec_point_formats) { /* RFC 8422 §5.1.2: uncompressed */
        tp_put_u16(w, TP_EXT_EC_POINT_FORMATS);
        tp_put_u16(w, 2);
        tp_put_u8(w, 1);
        tp_put_u8(w, 0);
    }
    if (s->n_groups)
        ext_u16_list(w, TP_EXT_SUPPORTED_GROUPS, s->groups, s->n_groups, 2);
    if (s->n_sig_algs)
        ext_u16_list(w, TP_EXT_SIGNATURE_ALGORITHMS, s->sig_algs, s->n_sig_algs, 2);
    if (s->n_alpn) { /* RFC 7301 §3.1 */
        tp_put_u16(w, TP_EXT_ALPN);
        tp_put_vec_begin(w, 2);
        tp_put_vec_begin(w, 2);
        for (size_t i = 0; i < s->n_alpn; i++) {
            tp_put_vec_begin(w, 1);
            tp_put_bytes(w, s->alpn[i], strlen(s->alpn[i]));
            tp_put_vec_end(w);
        }
        tp_put_vec_end(w);
        tp_put_vec_end(w);
    }
    if (s->extended_master_secret)
        ext_empty(w, TP_EXT_EXTENDED_MASTER_SECRET);
    if (s->session_ticket)
        ext_empty(w, TP_EXT_SESSION_TICKET);
    if (s->n_versions) { /* RFC 8446 §4.2.1: an 8-bit list length */
        tp_put_u16(w, TP_EXT_SUPPORTED_VERSIONS);
        tp_put_vec_begin(w, 2);
        tp_put_vec_begin(w, 1);
        for (size_t i = 0; i < s->n_versions; i++)
            tp_put_u16(w, s->versions[i]);
        tp_put_vec_end(w);
        tp_put_vec_end(w);
    }
    if (s->psk_modes) {
        tp_put_u16(w, TP_EXT_PSK_KEY_EXCHANGE_MODES);
        tp_put_u16(w, 2);
        tp_put_u8(w, 1);
        tp_put_u8(w, 1); /* psk_dhe_ke */
    }
    if (s->send_key_share) { /* RFC 8446 §4.2.8 */
        tp_put_u16(w, TP_EXT_KEY_SHARE);
        tp_put_vec_begin(w, 2);
        tp_put_vec_begin(w, 2);
        for (size_t i = 0; i < s->n_key_shares; i++) {
            tp_put_u16(w, s->key_shares[i].group);
            tp_put_vec_begin(w, 2);
            tp_put_bytes(w, s->key_shares[i].key, s->key_shares[i].key_len);
            tp_put_vec_end(w);
        }
        tp_put_vec_end(w);
        tp_put_vec_end(w);
    }
    if (s->renegotiation_info) { /* RFC 5746 §3.2: an empty renegotiated_connection */
        tp_put_u16(w, TP_EXT_RENEGOTIATION_INFO);
        tp_put_u16(w, 1);
        tp_put_u8(w, 0);
    }
    size_t msg_len = w->len - msg_start;
    if (s->padding && tp_writer_ok(w) && msg_len > 0xff && msg_len < 0x200) {
        /* RFC 7685 §3, as BoringSSL does: to 512 bytes, at least one byte of padding */
        size_t pad = 0x200 - msg_len;
        pad = pad >= 4 + 1 ? pad - 4 : 1;
        tp_put_u16(w, TP_EXT_PADDING);
        tp_put_vec_begin(w, 2);
        tp_put_zeros(w, pad);
        tp_put_vec_end(w);
    }
    tp_put_vec_end(w);
}

enum tp_err tp_client_hello_write(const struct tp_ch_spec *s, struct tp_writer *w)
{
    if (!spec_valid(s))
        return TP_ERR_USAGE;
    size_t start = w->len;
    uint16_t rv = s->record_version ? s->record_version : (s->legacy_version == TP_SSL3_0 ? TP_SSL3_0 : TP_TLS1_0);
    tp_put_u8(w, TP_CT_HANDSHAKE);
    tp_put_u16(w, rv);
    tp_put_vec_begin(w, 2);     /* the record */
    tp_put_u8(w, TP_HS_CLIENT_HELLO);
    tp_put_vec_begin(w, 3);     /* the message */
    tp_put_u16(w, s->legacy_version);
    if (s->random)
        tp_put_bytes(w, s->random, 32);
    else
        tp_put_zeros(w, 32);
    tp_put_vec_begin(w, 1);
    tp_put_bytes(w, s->session_id, s->session_id_len);
    tp_put_vec_end(w);
    tp_put_vec_begin(w, 2);
    for (size_t i = 0; i < s->n_suites; i++)
        tp_put_u16(w, s->suites[i]);
    tp_put_vec_end(w);
    tp_put_vec_begin(w, 1);
    if (s->compression)
        tp_put_bytes(w, s->compression, s->n_compression);
    else
        tp_put_u8(w, 0);
    tp_put_vec_end(w);
    if (!s->no_extensions)
        write_extensions(s, w, start + 5);
    tp_put_vec_end(w);
    tp_put_vec_end(w);
    if (!tp_writer_ok(w))
        return w->err == TP_ERR_MALFORMED ? TP_ERR_LIMIT : w->err;
    if (w->len - start - 5 > 16384) /* RFC 8446 §5.1: a plaintext record's limit */
        return TP_ERR_LIMIT;
    return tp_writer_done(w) ? TP_OK : TP_ERR_MALFORMED;
}
