/* ClientHello, ServerHello / HelloRetryRequest, EncryptedExtensions, and the
 * SSLv2-compatible ClientHello. RFC 8446 §4.1.2-§4.1.4, §4.3.1; RFC 5246 §7.4.1,
 * §E.2. */
#include <string.h>
#include "tlsprobe/wire.h"
#include "tlsprobe/names.h"
#include "tlsprobe/reader.h"
#include "wire/wire_int.h"

/* RFC 8446 §4.1.3: SHA-256("HelloRetryRequest") */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};
/* RFC 8446 §4.1.3: last 8 bytes of ServerHello.random when a TLS 1.3 server
 * negotiates TLS 1.2 ("DOWNGRD" 01) or TLS 1.1 and below ("DOWNGRD" 00). */
static const uint8_t downgrd[7] = { 0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44 };

/* The optional extensions block at the end of a hello (absent in TLS 1.0-1.2
 * hellos without extensions; RFC 5246 §7.4.1.2). */
static enum tp_err hello_exts(struct tp_reader *r, enum tp_ext_ctx ctx, bool *has, struct tp_exts *ext)
{
    struct tp_bytes block;

    *has = false;
    if (!tp_reader_ok(r))
        return r->err;
    if (tp_reader_left(r) == 0)
        return TP_OK;
    if (!tp_read_vec16_bytes(r, &block))
        return r->err;
    if (!tp_reader_done(r))
        return TP_ERR_MALFORMED;
    *has = true;
    /* The block is complete, so running out inside it is an inconsistency. */
    enum tp_err e = tp_exts_parse(block, ctx, ext);
    return e == TP_ERR_TRUNCATED ? TP_ERR_MALFORMED : e;
}

enum tp_err tp_client_hello_parse(struct tp_bytes body, struct tp_client_hello *ch)
{
    struct tp_reader r, suites;

    memset(ch, 0, sizeof *ch);
    tp_reader_from(&r, body);
    tp_read_u16(&r, &ch->legacy_version);
    tp_read_bytes(&r, 32, &ch->random);
    tp_read_vec8_bytes(&r, &ch->session_id);
    if (tp_reader_ok(&r) && ch->session_id.len > 32)
        return TP_ERR_MALFORMED;
    /* RFC 6347 §4.2.1: a DTLS ClientHello (legacy_version 0xfeXX, never a TLS
     * value) has opaque cookie<0..2^8-1> here */
    if ((ch->legacy_version >> 8) == 0xfe) {
        ch->dtls = true;
        tp_read_vec8_bytes(&r, &ch->cookie);
    }
    /* CipherSuite cipher_suites<2..2^16-2> */
    if (!tp_read_vec16(&r, &suites))
        return r.err;
    if (suites.len == 0 || suites.len % 2)
        return TP_ERR_MALFORMED;
    while (tp_reader_left(&suites) > 0) {
        uint16_t s;
        if (!tp_read_u16(&suites, &s))
            break;
        if (ch->n_suites < TP_MAX_CIPHER_SUITES)
            ch->suites[ch->n_suites++] = s;
        ch->n_suites_total++;
    }
    /* opaque legacy_compression_methods<1..2^8-1> */
    if (!tp_read_vec8_bytes(&r, &ch->compression_methods))
        return r.err;
    if (ch->compression_methods.len == 0)
        return TP_ERR_MALFORMED;
    return hello_exts(&r, TP_EXTCTX_CLIENT_HELLO, &ch->has_extensions, &ch->ext);
}

enum tp_err tp_sslv2_hello_parse(struct tp_bytes record, struct tp_client_hello *ch)
{
    struct tp_reader r, body;
    uint16_t hdr, spec_len, sid_len, chal_len;
    uint8_t msg_type;

    memset(ch, 0, sizeof *ch);
    ch->sslv2 = true;
    tp_reader_from(&r, record);
    if (!tp_read_u16(&r, &hdr))
        return TP_ERR_TRUNCATED;
    if (!(hdr & 0x8000))
        return TP_ERR_MALFORMED;
    struct tp_bytes b;
    if (!tp_read_bytes(&r, hdr & 0x7fff, &b))
        return TP_ERR_TRUNCATED;
    if (!tp_reader_done(&r))
        return TP_ERR_MALFORMED;
    tp_reader_from(&body, b);
    tp_read_u8(&body, &msg_type);
    tp_read_u16(&body, &ch->legacy_version);
    tp_read_u16(&body, &spec_len);
    tp_read_u16(&body, &sid_len);
    tp_read_u16(&body, &chal_len);
    if (!tp_reader_ok(&body))
        return TP_ERR_TRUNCATED;
    /* RFC 5246 §E.2: cipher specs are 3 bytes; session id 0 or 16 in practice
     * (we accept up to 32); challenge 16..32 bytes. */
    if (msg_type != 1 || spec_len == 0 || spec_len % 3 || sid_len > 32 || chal_len < 16 || chal_len > 32)
        return TP_ERR_MALFORMED;
    struct tp_reader specs;
    struct tp_bytes specs_b;
    tp_read_bytes(&body, spec_len, &specs_b);
    tp_read_bytes(&body, sid_len, &ch->session_id);
    tp_read_bytes(&body, chal_len, &ch->random);
    if (!tp_reader_ok(&body))
        return TP_ERR_TRUNCATED;
    if (!tp_reader_done(&body))
        return TP_ERR_MALFORMED;
    tp_reader_from(&specs, specs_b);
    while (tp_reader_left(&specs) > 0) {
        uint8_t hi;
        uint16_t lo;
        if (!tp_read_u8(&specs, &hi) || !tp_read_u16(&specs, &lo))
            break;
        /* Specs with a zero first byte are TLS cipher suites; the others are
         * SSL 2.0 kinds with no TLS equivalent. */
        if (hi != 0)
            continue;
        if (ch->n_suites < TP_MAX_CIPHER_SUITES)
            ch->suites[ch->n_suites++] = lo;
        ch->n_suites_total++;
    }
    static const uint8_t null_comp[1] = { 0 };
    ch->compression_methods = tp_bytes_make(null_comp, 1);
    return TP_OK;
}

/* A draft of TLS 1.3 is newer than TLS 1.2 and older than TLS 1.3 (0x7f17 > 0x0304);
 * DTLS versions count down (0xfefc DTLS 1.3 > 0xfefd DTLS 1.2): ranked as their TLS base. */
static uint32_t version_rank(uint16_t v)
{
    int draft = tp_tls13_draft(v);
    return draft ? (uint32_t)TP_TLS1_2 << 8 | 0x80u | (uint32_t)draft : (uint32_t)tp_version_tls_equiv(v) << 8;
}

uint16_t tp_client_hello_max_version(const struct tp_client_hello *ch)
{
    uint16_t best = 0;
    bool any = false;

    for (size_t i = 0; i < ch->ext.versions.n; i++) {
        uint16_t v = ch->ext.versions.v[i];
        if (tp_is_grease(v))
            continue;
        any = true;
        if (version_rank(v) > version_rank(best))
            best = v;
    }
    return any ? best : ch->legacy_version;
}

enum tp_err tp_server_hello_parse(struct tp_bytes body, struct tp_server_hello *sh)
{
    struct tp_reader r;

    memset(sh, 0, sizeof *sh);
    tp_reader_from(&r, body);
    tp_read_u16(&r, &sh->legacy_version);
    tp_read_bytes(&r, 32, &sh->random);
    /* draft-ietf-tls-tls13-18..21 §4.1.3: version, random, cipher_suite, extensions —
     * no session id, no compression (draft 22 brought the TLS 1.2 layout back) */
    int draft = tp_tls13_draft(sh->legacy_version);
    bool draft_layout = draft && draft <= 21;
    if (!draft_layout)
        tp_read_vec8_bytes(&r, &sh->session_id);
    tp_read_u16(&r, &sh->suite);
    if (!draft_layout)
        tp_read_u8(&r, &sh->compression_method);
    if (!tp_reader_ok(&r))
        return r.err;
    if (sh->session_id.len > 32)
        return TP_ERR_MALFORMED;
    sh->is_hrr = memcmp(sh->random.p, hrr_random, 32) == 0;
    if (!sh->is_hrr && memcmp(sh->random.p + 24, downgrd, 7) == 0) {
        sh->downgrade_tls12 = sh->random.p[31] == 0x01;
        sh->downgrade_tls11 = sh->random.p[31] == 0x00;
    }
    enum tp_err e = hello_exts(&r, sh->is_hrr ? TP_EXTCTX_HELLO_RETRY_REQUEST : TP_EXTCTX_SERVER_HELLO,
                               &sh->has_extensions, &sh->ext);
    if (e != TP_OK)
        return e;
    sh->version = sh->ext.versions.n ? sh->ext.versions.v[0] : sh->legacy_version;
    return TP_OK;
}

enum tp_err tp_encrypted_extensions_parse(struct tp_bytes body, struct tp_encrypted_extensions *ee)
{
    struct tp_reader r;
    struct tp_bytes block;

    memset(ee, 0, sizeof *ee);
    tp_reader_from(&r, body);
    if (!tp_read_vec16_bytes(&r, &block))
        return r.err;
    if (!tp_reader_done(&r))
        return TP_ERR_MALFORMED;
    enum tp_err e = tp_exts_parse(block, TP_EXTCTX_ENCRYPTED_EXTENSIONS, &ee->ext);
    return e == TP_ERR_TRUNCATED ? TP_ERR_MALFORMED : e;
}
