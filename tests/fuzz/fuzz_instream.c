/* libFuzzer: compressed capture input (src/capture/instream.c). The input is a
 * file as tlsprobe would open it (a memfd named by its /proc path): gzip, xz or
 * zstd by magic number (or anything else), decompressed through the stdio
 * stream libpcap reads, into the capture decoder; also the pcapng secrets walk
 * over the same file. Byte 0 of the input is part of the file (the magic); the
 * input length picks the variants: odd: a BPF filter; & 2: --shard 2/3. Then
 * the same file once more through a pipe (when it fits in one: up to 1 MiB),
 * as `tcpdump -w - | tlsprobe pcap -` hands it over: read as it comes, the
 * magic read rather than peeked. Seeds (fixtures/fuzz/fuzz_instream,
 * tests/fuzz/make_instream_seeds.sh): small captures compressed by the three
 * tools, cut, corrupted and concatenated (gzip members), a plain one, and the
 * magics of formats not read. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlsprobe/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

static void on_session(struct tp_session *s, unsigned long index, void *ctx)
{
    (void)s;
    (void)index;
    (*(unsigned long *)ctx)++;
}

static void read_capture(const char *path, size_t size)
{
    char err[512];
    unsigned long n = 0;
    struct tp_capture_opts co = { 0 };
    co.max_flows = 16;
    co.no_verify = true;
    co.on_session = on_session;
    co.ctx = &n;
    co.shard_n = (size & 2) ? 3 : 0;
    co.shard_k = 2;
    struct tp_capture *c = tp_capture_new(&co);
    if (c) {
        bool trunc;
        (void)tp_capture_read_file(c, path, (size & 1) ? "tcp" : NULL, &trunc, err, sizeof err);
        tp_capture_flush(c, 0);
        tp_capture_free(c);
    }
}

/* The input through a pipe: all of it written (the pipe made large enough)
 * and the writing end closed before the capture reader opens the reading end. */
static void read_pipe(const uint8_t *data, size_t size)
{
    int pf[2];
    if (pipe2(pf, O_CLOEXEC) != 0)
        return;
    int cap = fcntl(pf[1], F_SETPIPE_SZ, 1 << 20);
    if (cap < 0)
        cap = fcntl(pf[1], F_GETPIPE_SZ);
    size_t off = 0;
    while (cap > 0 && size <= (size_t)cap && off < size) {
        ssize_t w = write(pf[1], data + off, size - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(pf[1]);
    if (off == size) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", pf[0]);
        read_capture(path, size);
    }
    close(pf[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-instream", 0);
        if (fd < 0)
            return 0;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        return 0;
    char *text = NULL;
    size_t tl = 0, nb = 0;
    char err[512];
    (void)tp_pcapng_secrets_file(path, &text, &tl, &nb, err, sizeof err);
    free(text);
    read_capture(path, size);
    read_pipe(data, size);
    return 0;
}
