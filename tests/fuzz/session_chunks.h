/* The chunk format of the session fuzz corpus (tests/fuzz/fuzz_session.c,
 * fixtures/fuzz/fuzz_session/), read the same way by the fuzz target and by
 * unit/test_session_worker. Each chunk is a control byte then data:
 *   bit 0     direction (0 client->server, 1 server->client)
 *   bit 1     a gap of that direction instead of data (tp_session_gap)
 *   bits 2-7  data length: (c >> 2) + 1 bytes (1..63), or when they are all set,
 *             a 16-bit big-endian length follows; cut at the end of the input */
#ifndef TP_FUZZ_SESSION_CHUNKS_H
#define TP_FUZZ_SESSION_CHUNKS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "tlsprobe/session.h"
#include "fuzz_session_keys.h"

struct tp_chunk {
    enum tp_dir dir;
    bool gap;       /* a gap of len bytes, no data */
    size_t len;
    const uint8_t *p;
};

/* The next chunk of data[*off..size); false at the end. */
static inline bool tp_chunk_next(const uint8_t *data, size_t size, size_t *off, struct tp_chunk *k)
{
    if (*off >= size)
        return false;
    uint8_t c = data[(*off)++];
    k->dir = (c & 1) ? TP_S2C : TP_C2S;
    k->gap = (c & 2) != 0;
    k->p = NULL;
    if (k->gap) {
        k->len = (size_t)(c >> 2);
        return true;
    }
    size_t n = (size_t)(c >> 2) + 1;
    if ((c >> 2) == 63) {
        if (size - *off < 2)
            return false;
        n = (size_t)data[*off] << 8 | data[*off + 1];
        *off += 2;
    }
    if (n > size - *off)
        n = size - *off;
    k->p = data + *off;
    k->len = n;
    *off += n;
    return true;
}

/* Inputs that start with "TPS1" carry their own settings before the chunks
 * (tests/fuzz/fuzz_session.c describes the header; seeds:
 * tests/fuzz/make_session_seeds.py): a 16-bit big-endian header length, then a
 * flags byte, a client random and the entries of the input's key log. */
#define TP_CHUNK_MAGIC "TPS1"
#define TP_CHUNK_OWN_MASK 3u  /* own direction: 1 C2S, 2 S2C, else none */
#define TP_CHUNK_DATAGRAMS 4u /* the chunks are DTLS datagrams; gaps ignored */
#define TP_CHUNK_WORKER 8u    /* decode with a worker */
#define TP_CHUNK_E_PSK 0x10
#define TP_CHUNK_E_RSA 0x20
#define TP_CHUNK_E_TRAFFIC_KEY 0x30
#define TP_CHUNK_MAX_RSA 2    /* RSA entries used per input (each costs a key decode) */

struct tp_chunk_header {
    bool present;           /* the input had one */
    unsigned flags;
    struct tp_keylog *kl;   /* owned: the input's key log, NULL without a header */
};

/* A length byte at h[*off] and that many bytes after it, within n. */
static inline bool tp_chunk_vec(const uint8_t *h, size_t n, size_t *off, const uint8_t **p, size_t *len)
{
    if (*off >= n || h[*off] > n - *off - 1)
        return false;
    *len = h[*off];
    *p = h + *off + 1;
    *off += 1 + *len;
    return true;
}

/* The header's key log entries (after the flags byte and the client random). */
static inline enum tp_err tp_chunk_entries(struct tp_keylog *k, const uint8_t *h, size_t n)
{
    const uint8_t *cr = h + 1, *a, *b;
    size_t off = 33, n_rsa = 0, al, bl;
    enum tp_err e = TP_OK;
    /* an entry the key log refuses (a bad length, over a limit) is skipped */
    while (off < n && e != TP_ERR_NOMEM) {
        uint8_t type = h[off++];
        if (type < TP_SECRET__COUNT) {
            if (!tp_chunk_vec(h, n, &off, &a, &al))
                break;
            e = tp_keylog_add(k, (enum tp_secret_label)type, cr, a, al);
        } else if (type == TP_CHUNK_E_PSK) {
            if (!tp_chunk_vec(h, n, &off, &a, &al) || !tp_chunk_vec(h, n, &off, &b, &bl))
                break;
            e = tp_keylog_add_psk(k, a, al, b, bl);
        } else if (type == TP_CHUNK_E_RSA) {
            if (off >= n)
                break;
            const struct fuzz_rsa_key *rk = &fuzz_rsa_keys[h[off++] % FUZZ_RSA_KEYS];
            if (n_rsa++ < TP_CHUNK_MAX_RSA && (e = tp_keylog_add_rsa_key(k, rk->der, rk->len)) != TP_OK)
                return e; /* no memory, or a fixed key that does not load */
        } else if (type == TP_CHUNK_E_TRAFFIC_KEY) {
            if (!tp_chunk_vec(h, n, &off, &a, &al) || off >= n)
                break;
            bool iv = h[off++] & 1;
            if (!tp_chunk_vec(h, n, &off, &b, &bl))
                break;
            e = tp_keylog_add_traffic_key(k, a, al, iv, b, bl);
        } else {
            break; /* an entry that does not parse ends the header */
        }
    }
    return e == TP_ERR_NOMEM ? e : TP_OK;
}

/* Read the header of *data, if any, and step past it. TP_ERR_NOMEM, or another
 * error when a fixed RSA key did not load (the harness is broken); hdr->kl is
 * then NULL. */
static inline enum tp_err tp_chunk_header_read(const uint8_t **data, size_t *size, struct tp_chunk_header *hdr)
{
    memset(hdr, 0, sizeof *hdr);
    if (*size < 6 || memcmp(*data, TP_CHUNK_MAGIC, 4) != 0)
        return TP_OK;
    size_t hl = (size_t)(*data)[4] << 8 | (*data)[5];
    if (hl > *size - 6)
        hl = *size - 6;
    const uint8_t *h = *data + 6;
    *data += 6 + hl;
    *size -= 6 + hl;
    hdr->present = true;
    if (!(hdr->kl = tp_keylog_new()))
        return TP_ERR_NOMEM;
    if (hl < 33)
        return TP_OK;
    hdr->flags = h[0];
    enum tp_err e = tp_chunk_entries(hdr->kl, h, hl);
    if (e != TP_OK) {
        tp_keylog_free(hdr->kl);
        hdr->kl = NULL;
    }
    return e;
}

/* Hand one chunk to the session as the header says (p: its bytes, k->p or a
 * copy): a stream's data or gap (a gap of length 0 after a header:
 * tp_session_midstream), or a datagram. TP_ERR_NOMEM only. */
static inline enum tp_err tp_chunk_apply(struct tp_session *s, const struct tp_chunk_header *hdr,
                                         const struct tp_chunk *k, const uint8_t *p, int64_t *t)
{
    bool dgrams = (hdr->flags & TP_CHUNK_DATAGRAMS) != 0;
    if (k->gap) {
        if (hdr->present && !dgrams && k->len == 0)
            tp_session_midstream(s, k->dir, 0, *t);
        else if (!dgrams)
            tp_session_gap(s, k->dir, k->len, *t);
        return TP_OK;
    }
    *t += 10;
    return dgrams ? tp_session_feed_datagram(s, k->dir, p, k->len, *t) : tp_session_feed(s, k->dir, p, k->len, *t);
}

#endif
