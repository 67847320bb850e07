/* libFuzzer: the path builder (backtracking, the RFC 5280 §6.1 checks, name
 * constraints, EKU and key usage, the profile rules) on chains of mutated DER
 * certificates, with and without a trust anchor.
 *
 * Input: byte 0 holds the question (below); then up to 8 certificates, each
 * behind a 2-byte big-endian length. With FLAG_ANCHOR the last certificate is
 * not sent but loaded as the store's only trust anchor (through a memfd, as
 * tp_store_load reads files), so paths that end at an anchor are judged too,
 * signatures included. No AIA (no network from a fuzzer).
 *
 * Structure-aware: LLVMFuzzerCustomMutator keeps the framing valid and mutates
 * one certificate at a time (or the question byte, or the order: swap, drop,
 * duplicate), so mutations land inside certificates instead of breaking the
 * lengths; LLVMFuzzerCustomCrossOver splices certificates of two inputs. The
 * replay build (tests/fuzz/replay_main.c) uses only LLVMFuzzerTestOneInput. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlsprobe/x509.h"

#define MAX_CERTS 8
#define FLAG_ANCHOR 0x01u   /* last certificate is the trust anchor */
#define FLAG_CLIENT 0x02u   /* purpose client, else server */
#define HOST_SHIFT 2        /* 2 bits: no name, DNS name, IPv4, IPv6 */
#define FLAG_DEPTH 0x10u    /* --max-depth (bits 5-6 + 0) */
#define FLAG_NOW 0x80u      /* validate at 2030-01-01, else 2026-06-01 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                                 size_t max_out, unsigned int seed);
/* libFuzzer's own mutator; absent (weak, NULL) in the replay build. */
__attribute__((weak)) size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

struct split {
    uint8_t flags;
    size_t n;
    const uint8_t *p[MAX_CERTS];
    size_t len[MAX_CERTS];
};

static void split_input(const uint8_t *data, size_t size, struct split *s)
{
    s->n = 0;
    s->flags = size ? data[0] : 0;
    size_t off = size ? 1 : 0;
    while (s->n < MAX_CERTS && off + 2 <= size) {
        size_t len = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        s->p[s->n] = data + off;
        s->len[s->n++] = len;
        off += len;
    }
}

/* The anchor as a file tp_store_load can read: one memfd, rewritten per input. */
static struct tp_store *anchor_store(const uint8_t *der, size_t len)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-anchor", 0);
        if (fd < 0)
            return NULL;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, der, len, 0) != (ssize_t)len)
        return NULL;
    struct tp_store *st = NULL;
    char err[256];
    if (tp_store_load(path, NULL, &st, err, sizeof err) != TP_OK)
        return NULL;
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct split s;
    split_input(data, size, &s);
    struct tp_bytes chain[MAX_CERTS];
    for (size_t i = 0; i < s.n; i++)
        chain[i] = (struct tp_bytes){ s.p[i], s.len[i] };
    size_t n_sent = s.n;
    struct tp_store *st = NULL;
    if ((s.flags & FLAG_ANCHOR) && s.n >= 2) {
        st = anchor_store(s.p[s.n - 1], s.len[s.n - 1]);
        n_sent--;
    }
    static const char *const hosts[] = { NULL, "api.corp.example", "10.1.2.3", "2001:db8::1" };
    struct tp_verify_opts vo = {
        .store = st,
        .host = hosts[(s.flags >> HOST_SHIFT) & 3],
        .purpose = (s.flags & FLAG_CLIENT) ? TP_PURPOSE_CLIENT : TP_PURPOSE_SERVER,
        .now = (s.flags & FLAG_NOW) ? 1893456000 : 1780315200,
        .has_max_depth = (s.flags & FLAG_DEPTH) != 0,
        .max_depth = (s.flags >> 5) & 3,
    };
    struct tp_verify_result *res = NULL;
    (void)tp_chain_verify(chain, n_sent, &vo, &res);
    tp_verify_result_free(res);
    tp_store_free(st);
    return 0;
}

/* Writes flags and certificates in the input format; returns the size, 0 if too big. */
static size_t join(uint8_t flags, const uint8_t *const *p, const size_t *len, size_t n, uint8_t *out, size_t max)
{
    if (max < 1)
        return 0;
    out[0] = flags;
    size_t off = 1;
    for (size_t i = 0; i < n; i++) {
        size_t l = len[i] > 0xffff ? 0xffff : len[i];
        if (off + 2 + l > max)
            break;
        out[off] = (uint8_t)(l >> 8);
        out[off + 1] = (uint8_t)l;
        memmove(out + off + 2, p[i], l);
        off += 2 + l;
    }
    return off;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    if (!LLVMFuzzerMutate)
        return size;
    srand(seed);
    struct split s;
    split_input(data, size, &s);
    if (s.n == 0 || rand() % 16 == 0) /* sometimes the raw bytes, framing and all */
        return LLVMFuzzerMutate(data, size, max_size);
    /* copies: the pieces point into data, which is rewritten below */
    uint8_t *buf = malloc(max_size);
    if (!buf)
        return size;
    size_t used = 0;
    const uint8_t *p[MAX_CERTS];
    size_t len[MAX_CERTS];
    size_t n = s.n;
    for (size_t i = 0; i < n; i++) {
        memcpy(buf + used, s.p[i], s.len[i]);
        p[i] = buf + used;
        len[i] = s.len[i];
        used += s.len[i];
    }
    uint8_t flags = s.flags;
    int op = rand() % 10;
    if (op < 7) { /* mutate one certificate in place, into a scratch copy */
        size_t k = (size_t)rand() % n;
        size_t room = max_size > size ? max_size - size + len[k] : len[k];
        if (room > 0xffff)
            room = 0xffff;
        uint8_t *c = malloc(room ? room : 1);
        if (c) {
            memcpy(c, p[k], len[k]);
            len[k] = LLVMFuzzerMutate(c, len[k], room);
            p[k] = c;
            size = join(flags, p, len, n, data, max_size);
            free(c);
            free(buf);
            return size;
        }
    } else if (op == 7) {
        flags ^= (uint8_t)(1u << (rand() % 8));
    } else if (op == 8 && n >= 2) { /* swap two */
        size_t a = (size_t)rand() % n, b = (size_t)rand() % n;
        const uint8_t *tp = p[a];
        size_t tl = len[a];
        p[a] = p[b], len[a] = len[b], p[b] = tp, len[b] = tl;
    } else if (n >= 2 && rand() % 2) { /* drop one */
        size_t k = (size_t)rand() % n;
        memmove(p + k, p + k + 1, (n - k - 1) * sizeof p[0]);
        memmove(len + k, len + k + 1, (n - k - 1) * sizeof len[0]);
        n--;
    } else if (n < MAX_CERTS) { /* duplicate one */
        size_t k = (size_t)rand() % n;
        p[n] = p[k], len[n] = len[k], n++;
    }
    size = join(flags, p, len, n, data, max_size);
    free(buf);
    return size;
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                                 size_t max_out, unsigned int seed)
{
    srand(seed);
    struct split a, b;
    split_input(d1, s1, &a);
    split_input(d2, s2, &b);
    const uint8_t *p[MAX_CERTS];
    size_t len[MAX_CERTS], n = 0;
    /* a prefix of one chain, then a suffix of the other */
    size_t ka = a.n ? (size_t)rand() % (a.n + 1) : 0, kb = b.n ? (size_t)rand() % (b.n + 1) : 0;
    for (size_t i = 0; i < ka && n < MAX_CERTS; i++)
        p[n] = a.p[i], len[n++] = a.len[i];
    for (size_t i = kb; i < b.n && n < MAX_CERTS; i++)
        p[n] = b.p[i], len[n++] = b.len[i];
    return join(rand() % 2 ? a.flags : b.flags, p, len, n, out, max_out);
}
