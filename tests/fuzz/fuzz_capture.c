/* libFuzzer target: a whole pcap/pcapng file through libpcap (pcap_fopen_offline on
 * fmemopen), the link/IP/TCP parsers, reassembly, the flow table (tiny, so eviction
 * runs), TLS detection and the session decoder; plus the pcapng Decryption
 * Secrets Block walk of the same bytes. The input's length picks the rest of
 * what `tlsprobe pcap` can do, so the format stays a plain capture file: length
 * % 4 == 1: secrets from Decryption Secrets Blocks as the key log, --sni and
 * --server filters and --session 2; == 2: a BPF filter and a larger flow table;
 * == 3: judging on the second thread (structure-aware pcapng: fuzz_pcapng).
 * Length & 4: the bytes are a file instead (one memfd, rewritten per input,
 * named /proc/self/fd/N), read as `tlsprobe pcap FILE` reads it: the secrets walk
 * over the file (tp_pcapng_secrets_file), then tp_capture_src_open (compression
 * sniffed by magic number: gzip, xz, zstd decoded as read, others refused;
 * pcapng to our reader, anything else to libpcap) and tp_capture_read_src, or
 * with length % 4 == 3 tp_capture_read_file in one call, as the library does.
 * There length % 32 == 28 gives a filter libpcap refuses (--filter's error path). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlsprobe/capture.h"
#include "tlsprobe/session.h"

static void on_session(struct tp_session *s, unsigned long index, void *ctx)
{
    (void)index;
    (*(unsigned long *)ctx) += s->n_msgs;
}

/* The input as a file: one memfd for the whole run, emptied and rewritten per
 * input (no file system, no fork); NULL if it cannot be made. */
static const char *memfd_path(const uint8_t *p, size_t n)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-capture", 0);
        if (fd < 0)
            return NULL;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (n && pwrite(fd, p, n, 0) != (ssize_t)n))
        return NULL;
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *file = (size & 4) ? memfd_path(data, size) : NULL;
    char *text = NULL;
    size_t tl = 0, nb = 0;
    char err[256];
    if (file)
        (void)tp_pcapng_secrets_file(file, &text, &tl, &nb, err, sizeof err);
    else
        (void)tp_pcapng_secrets(data, size, &text, &tl, &nb);
    struct tp_keylog *kl = NULL;
    if (size % 4 == 1 && text && tl && tp_keylog_parse((const uint8_t *)text, tl, &kl) != TP_OK)
        kl = NULL;
    free(text);

    unsigned long msgs = 0;
    struct tp_capture_opts o = { 0 };
    o.max_flows = size % 4 == 2 ? 256 : 16;
    o.keylog = kl;
    o.only_sni = size % 4 == 1 ? "localhost" : NULL;
    o.only_server = size % 4 == 1 ? "127.0.0.1:4433" : NULL;
    o.only_session = size % 4 == 1 ? 2 : 0;
    o.threaded = size % 4 == 3;
    o.no_verify = true;
    o.on_session = on_session;
    o.ctx = &msgs;
    struct tp_capture *c = tp_capture_new(&o);
    if (!c) {
        tp_keylog_free(kl);
        return 0;
    }
    bool trunc;
    if (file) {
        const char *filter = size % 4 == 2 ? "tcp" : size % 32 == 28 ? "tcp[" : NULL;
        struct tp_capture_src *src = NULL;
        if (size % 4 == 3) /* the library's one call (src/lib/pcap.c) */
            (void)tp_capture_read_file(c, file, filter, &trunc, err, sizeof err);
        else if (tp_capture_src_open(file, filter, &src, err, sizeof err) == TP_OK)
            (void)tp_capture_read_src(c, src, &trunc, err, sizeof err); /* closes src */
        else
            tp_capture_src_close(src); /* NULL here: "NULL is fine" (capture.h) */
    } else {
        (void)tp_capture_read_mem(c, data, size, size % 4 == 2 ? "tcp" : NULL, &trunc, err, sizeof err);
    }
    tp_capture_flush(c, 0);
    (void)tp_capture_get_stats(c);
    tp_capture_free(c);
    tp_keylog_free(kl);
    return 0;
}
