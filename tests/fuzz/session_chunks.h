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
#include "tlsprobe/session.h"

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

#endif
