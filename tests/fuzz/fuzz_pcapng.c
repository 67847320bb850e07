/* libFuzzer: pcapng block by block. fuzz_capture hands libpcap whole files,
 * where most mutations break the first block's framing and end the read; here
 * the input is a list of records that this target frames into a well-formed
 * pcapng file (lengths, padding, trailing length right), so the mutations land
 * in block bodies, options, packet data and the order of blocks. The file goes
 * through the same path as a capture file: the Decryption Secrets Block walk
 * (tp_pcapng_secrets) and libpcap + the link/IP/TCP parsers, reassembly, the
 * flow table and the session decoder (tp_capture_read_mem).
 *
 * Input: byte 0: bit 0 big-endian file, bit 1 drop the first SHB, bits 2-3
 * the flow-table size, bit 4 verify server chains (anchor fixtures/pki/root.pem),
 * bit 5 threaded judging and the file readers (a memfd path), bit 6 --sni
 * localhost and a BPF filter, bit 7 --server 127.0.0.1:443 and --session 1.
 * An odd input length: tlsprobe's own pcapng reader (tp_pcapng_read_mem, what
 * reads files libpcap refuses: interfaces of mixed link types) instead of
 * libpcap; input length & 2: --shard 1/2.
 * Secrets found in Decryption Secrets Blocks are parsed into a key log and given
 * to the decoder, as `tlsprobe pcap` does. Then records [kind:1][len:2 BE][body]. kind % 10:
 *   0 IDB   body: linktype:2, then options (raw)        (kind >> 4: snaplen 0 or 262144)
 *   1 EPB   body: packet bytes (interface = kind >> 4 & 3, captured = length,
 *           original = length + (kind >> 6), timestamps increasing)
 *   2 SPB   body: packet bytes
 *   3 DSB   body: secrets (type TLSK; kind >> 4 != 0: the type from the body)
 *   4 NRB   body: raw
 *   5 ISB   body: raw after the interface id
 *   6 SHB   body: options (a new section)
 *   7 any block type: type:4 from the body, then the rest
 *   8 raw bytes appended as they are (broken framing, on purpose)
 *   9 EPB with options: body = caplen:2, packet, options */
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
#include "tlsprobe/capture.h"
#include "tlsprobe/session.h"

/* fixtures/pki/root.pem: the anchor when a run verifies chains (bit 4) */
static const char root_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBqTCCAVCgAwIBAgIUeWZJOFp8aUKCEzoNS1WtcXdV5YAwCgYIKoZIzj0EAwIw\n"
    "MzERMA8GA1UECgwIdGxzcHJvYmUxHjAcBgNVBAMMFXRsc3Byb2JlIFRlc3QgUm9v\n"
    "dCBDQTAeFw0yNjExMjIyMTQ4MjJaFw00NjExMTcyMTQ4MjJaMDMxETAPBgNVBAoM\n"
    "CHRsc3Byb2JlMR4wHAYDVQQDDBV0bHNwcm9iZSBUZXN0IFJvb3QgQ0EwWTATBgcq\n"
    "hkjOPQIBBggqhkjOPQMBBwNCAAQLog4Df7yonBHwcrgBDN6wdDQ/5a0ONAOYiK+Y\n"
    "nQmzkV6n6p/wGX35MspSfre4KwxWDbnpEdSVFvwEtrkoeOM+o0IwQDAPBgNVHRMB\n"
    "Af8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUs0fTuSgvg8gRUbjG\n"
    "BgZLjijSeDAwCgYIKoZIzj0EAwIDRwAwRAIgILbNsX7wpck6igZ8N3cNPnyiDzuA\n"
    "hT13HcaSKqlUE4UCIB5p5yWFo/1omEzICJCHu/VBxtEkV1usPgyjB+95TmpH\n"
    "-----END CERTIFICATE-----\n";

/* A memfd holding bytes, named by a /proc path (tp_capture_read_file and the
 * store read files); slot 0: the capture, 1: the anchor. */
static const char *memfd_path(int slot, const void *p, size_t n)
{
    static int fd[2] = { -1, -1 };
    static char path[2][64];
    if (fd[slot] < 0) {
        fd[slot] = memfd_create("fuzz-pcapng", 0);
        if (fd[slot] < 0)
            return NULL;
        snprintf(path[slot], sizeof path[slot], "/proc/self/fd/%d", fd[slot]);
    }
    if (ftruncate(fd[slot], 0) != 0 || pwrite(fd[slot], p, n, 0) != (ssize_t)n)
        return NULL;
    return path[slot];
}

#define OUT_MAX (1u << 18)

struct out {
    uint8_t *p;
    size_t n;
    int be;
};

static void put8(struct out *o, uint8_t v)
{
    if (o->n < OUT_MAX)
        o->p[o->n++] = v;
}

static void put16(struct out *o, uint16_t v)
{
    if (o->be) {
        put8(o, (uint8_t)(v >> 8));
        put8(o, (uint8_t)v);
    } else {
        put8(o, (uint8_t)v);
        put8(o, (uint8_t)(v >> 8));
    }
}

static void put32(struct out *o, uint32_t v)
{
    if (o->be) {
        put16(o, (uint16_t)(v >> 16));
        put16(o, (uint16_t)v);
    } else {
        put16(o, (uint16_t)v);
        put16(o, (uint16_t)(v >> 16));
    }
}

static void put_bytes(struct out *o, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(o, b[i]);
}

static void pad4(struct out *o)
{
    while (o->n % 4)
        put8(o, 0);
}

/* Opens a block: type and a placeholder length; close_block fills both lengths. */
static size_t open_block(struct out *o, uint32_t type)
{
    size_t start = o->n;
    put32(o, type);
    put32(o, 0);
    return start;
}

static void close_block(struct out *o, size_t start)
{
    pad4(o);
    uint32_t total = (uint32_t)(o->n - start + 4);
    put32(o, total);
    if (start + 8 <= o->n) {
        struct out at = { o->p + start + 4, 0, o->be };
        put32(&at, total);
    }
}

static void shb(struct out *o, const uint8_t *opts, size_t n)
{
    size_t b = open_block(o, 0x0A0D0D0A);
    put32(o, 0x1A2B3C4D);
    put16(o, 1);
    put16(o, 0);
    put32(o, 0xffffffff);
    put32(o, 0xffffffff);
    put_bytes(o, opts, n);
    close_block(o, b);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void on_session(struct tp_session *s, unsigned long index, void *ctx)
{
    (void)index;
    (*(unsigned long *)ctx) += s->n_msgs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct out o = { malloc(OUT_MAX), 0, data[0] & 1 };
    if (!o.p)
        return 0;
    if (!(data[0] & 2))
        shb(&o, NULL, 0);
    uint32_t ts = 1700000000u;
    size_t off = 1;
    while (off + 3 <= size && o.n < OUT_MAX) {
        uint8_t kind = data[off];
        size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
        off += 3;
        if (len > size - off)
            len = size - off;
        const uint8_t *b = data + off;
        off += len;
        size_t blk;
        switch (kind % 10) {
        case 0:
            blk = open_block(&o, 1);
            put16(&o, (uint16_t)(len >= 2 ? (b[0] << 8 | b[1]) : 1));
            put16(&o, 0);
            put32(&o, (kind >> 4) & 1 ? 262144 : 0);
            if (len > 2)
                put_bytes(&o, b + 2, len - 2);
            close_block(&o, blk);
            break;
        case 1:
        case 9: {
            size_t cap = len, optoff = len;
            if (kind % 10 == 9 && len >= 2) {
                cap = (size_t)b[0] << 8 | b[1];
                b += 2, len -= 2;
                if (cap > len)
                    cap = len;
                optoff = cap;
            }
            blk = open_block(&o, 6);
            put32(&o, (kind >> 4) & 3);
            put32(&o, 0);
            put32(&o, ts++);
            put32(&o, (uint32_t)cap);
            put32(&o, (uint32_t)(cap + (kind >> 6)));
            put_bytes(&o, b, cap);
            pad4(&o);
            if (optoff < len)
                put_bytes(&o, b + optoff, len - optoff);
            close_block(&o, blk);
            break;
        }
        case 2:
            blk = open_block(&o, 3);
            put32(&o, (uint32_t)len);
            put_bytes(&o, b, len);
            close_block(&o, blk);
            break;
        case 3:
            blk = open_block(&o, 0x0A);
            if ((kind >> 4) && len >= 4) {
                put32(&o, rd32(b));
                b += 4, len -= 4;
            } else {
                put32(&o, 0x544c534b);
            }
            put32(&o, (uint32_t)len);
            put_bytes(&o, b, len);
            close_block(&o, blk);
            break;
        case 4:
            blk = open_block(&o, 4);
            put_bytes(&o, b, len);
            close_block(&o, blk);
            break;
        case 5:
            blk = open_block(&o, 5);
            put32(&o, (kind >> 4) & 3);
            put_bytes(&o, b, len);
            close_block(&o, blk);
            break;
        case 6:
            shb(&o, b, len);
            break;
        case 7:
            blk = open_block(&o, len >= 4 ? rd32(b) : 0x80000001u);
            if (len >= 4)
                put_bytes(&o, b + 4, len - 4);
            close_block(&o, blk);
            break;
        default:
            put_bytes(&o, b, len);
            break;
        }
    }

    uint8_t sel = data[0];
    char *text = NULL;
    size_t tl = 0, nb = 0;
    (void)tp_pcapng_secrets(o.p, o.n, &text, &tl, &nb);
    struct tp_keylog *kl = NULL;
    if (text && tl && tp_keylog_parse((const uint8_t *)text, tl, &kl) != TP_OK)
        kl = NULL;
    free(text);
    const char *file = (sel & 0x20) ? memfd_path(0, o.p, o.n) : NULL;
    if (file) {
        char err[256];
        text = NULL;
        (void)tp_pcapng_secrets_file(file, &text, &tl, &nb, err, sizeof err);
        free(text);
    }

    struct tp_capture_opts co = { 0 };
    co.max_flows = 4u << ((sel >> 2) & 3);
    co.keylog = kl;
    co.no_verify = !(sel & 0x10);
    co.cafile = (sel & 0x10) ? memfd_path(1, root_pem, sizeof root_pem - 1) : NULL;
    if (!co.no_verify && !co.cafile)
        co.no_verify = true; /* never the system store: slow, and not the fuzzer's business */
    co.threaded = (sel & 0x20) != 0;
    co.only_sni = (sel & 0x40) ? "localhost" : NULL;
    co.only_server = (sel & 0x80) ? "127.0.0.1:443" : NULL;
    co.only_session = (sel & 0x80) ? 1 : 0;
    co.shard_n = (size & 2) ? 2 : 0; /* --shard 1/2 */
    co.shard_k = 1;
    unsigned long msgs = 0;
    co.on_session = on_session;
    co.ctx = &msgs;
    struct tp_capture *c = tp_capture_new(&co);
    if (c) {
        char err[256];
        bool trunc;
        const char *filter = (sel & 0x40) ? "tcp or vlan" : NULL;
        if (file)
            (void)tp_capture_read_file(c, file, filter, &trunc, err, sizeof err);
        else if (size & 1) /* our own pcapng reader (capture/pcapng.c), as for mixed link types */
            (void)tp_pcapng_read_mem(c, o.p, o.n, filter);
        else
            (void)tp_capture_read_mem(c, o.p, o.n, filter, &trunc, err, sizeof err);
        tp_capture_flush(c, 0);
        (void)tp_capture_get_stats(c);
        (void)tp_capture_store_error(c);
        (void)tp_capture_done(c);
        tp_capture_free(c);
    }
    tp_keylog_free(kl);
    free(o.p);
    return 0;
}
