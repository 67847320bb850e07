/* libFuzzer: compressed capture input (src/capture/instream.c). The input is a
 * file as tlsprobe would open it (a memfd named by its /proc path): gzip, xz or
 * zstd by magic number (or anything else), decompressed through the stdio
 * stream libpcap reads, into the capture decoder; also the pcapng secrets walk
 * over the same file. Byte 0 of the input is part of the file (the magic); the
 * input length picks the variants: odd: a BPF filter; & 2: --shard 2/3. Then
 * the same file once more through a pipe (when it fits in one: up to 1 MiB),
 * as `tcpdump -w - | tlsprobe pcap -` hands it over: read as it comes, the
 * magic read rather than peeked. Then the stream API itself (capture/instream.h):
 * the file and the pipe opened with tp_in_open and drained (the pipe in tiny
 * reads when length & 4, else both in 64 KiB ones; getc for the first bytes
 * when length & 8), reads after the end, fseek (refused by a decoded stream,
 * honoured by a plain file, whose bytes must be the input's), tp_in_free twice;
 * file and pipe must agree (codec, pcapng, decoded bytes, the complaint).
 * Decoding is bounded per stream (DRIVE_MAX: instream.c bounds memory, not
 * what a stream expands to). Then through a socket that has all the bytes and
 * then a reset (ECONNRESET, not EOF) handed over as standard input ("-"): the
 * read errors, at the magic and in the middle. When length & 16: the open's
 * error paths (tp_in_open_fault, the fault picked by the last byte), which must
 * leave nothing behind. Once per process: a path that does not exist. Seeds
 * (fixtures/fuzz/fuzz_instream, tests/fuzz/make_instream_seeds.sh): small captures compressed by the three
 * tools, cut, corrupted and concatenated (gzip members, xz streams with and
 * without padding, zstd frames with a skippable frame), a bomb, an xz header
 * with reserved flags, a plain one, and the magics of formats not read. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include "capture/instream.h"
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

/* A pipe holding all of the input, its writing end closed; -1 when it does not
 * fit (the pipe made as large as it may be: up to 1 MiB). */
static int filled_pipe(const uint8_t *data, size_t size)
{
    int pf[2];
    if (pipe2(pf, O_CLOEXEC) != 0)
        return -1;
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
    if (off != size) {
        close(pf[0]);
        return -1;
    }
    return pf[0];
}

/* The input through a pipe: all of it written and the writing end closed
 * before the capture reader opens the reading end. */
static void read_pipe(const uint8_t *data, size_t size)
{
    int fd = filled_pipe(data, size);
    if (fd < 0)
        return;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    read_capture(path, size);
    close(fd);
}

/* ---- the stream API (capture/instream.h) directly ---- */
#define DRIVE_MAX (4u << 20) /* decoded bytes read per stream: a bomb's cost bounded */

struct drained {
    enum tp_err oe;
    const char *codec;
    bool pcapng, plain_file, capped, ferr;
    size_t n;         /* decoded bytes read */
    uint64_t h;       /* their FNV-1a */
    char why[192];    /* tp_in_error after the end */
};

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Open path with tp_in_open and read all of it (up to DRIVE_MAX): tiny reads
 * (1..13 bytes, cycling) or 64 KiB ones, the first bytes by getc when asked. */
static void drain(const char *path, bool tiny, bool by_getc, struct drained *r)
{
    static uint8_t buf[65536];
    memset(r, 0, sizeof *r);
    r->h = 0xcbf29ce484222325ull;
    char err[256];
    struct tp_in in;
    r->oe = tp_in_open(path, "input", &in, err, sizeof err);
    if (r->oe != TP_OK) {
        if (!err[0] || !strstr(err, "input"))
            abort(); /* a refusal is one line naming the input */
        return;
    }
    r->codec = in.codec;
    r->pcapng = in.pcapng;
    r->plain_file = !in.dz;
    for (int i = 0; by_getc && i < 64; i++) {
        int ch = getc(in.fp);
        if (ch == EOF)
            break;
        uint8_t b = (uint8_t)ch;
        r->h = fnv(r->h, &b, 1);
        r->n++;
    }
    for (unsigned step = 0;; step++) {
        if (r->n >= DRIVE_MAX) {
            r->capped = true;
            break;
        }
        size_t want = tiny ? 1 + step % 13 : sizeof buf;
        if (want > DRIVE_MAX - r->n)
            want = DRIVE_MAX - r->n;
        size_t got = fread(buf, 1, want, in.fp);
        r->h = fnv(r->h, buf, got);
        r->n += got;
        if (got < want)
            break;
    }
    if (!r->capped) {
        /* After the end (or an error) a stream stays ended. */
        if (getc(in.fp) != EOF || fread(buf, 1, sizeof buf, in.fp) != 0)
            abort();
        r->ferr = ferror(in.fp) != 0;
    }
    if (in.dz) {
        if (fseek(in.fp, 0, SEEK_SET) == 0) /* a decoded stream cannot seek */
            abort();
    }
    snprintf(r->why, sizeof r->why, "%s", tp_in_error(&in));
    tp_in_free(&in);
    tp_in_free(&in); /* a second time: nothing left to free */
    if (in.fp || in.dz || in.vbuf)
        abort();
}

/* A plain regular file is handed over as it is: its bytes are the input's, and
 * it seeks. */
static void check_plain_file(const char *path, const uint8_t *data, size_t size)
{
    char err[256];
    struct tp_in in;
    if (tp_in_open(path, "input", &in, err, sizeof err) != TP_OK)
        return;
    if (!in.dz) {
        uint8_t b[64];
        size_t k = size < sizeof b ? size : sizeof b;
        if (fseek(in.fp, 0, SEEK_END) != 0 || ftell(in.fp) != (long)size || fseek(in.fp, 0, SEEK_SET) != 0 ||
            fread(b, 1, sizeof b, in.fp) != k || memcmp(b, data, k) != 0)
            abort();
    }
    tp_in_free(&in);
}

/* Standard input ("-") that is a socket holding the input and then a reset:
 * the peer closed with bytes of ours unread, so after the input a read fails
 * with ECONNRESET instead of ending. */
static void drain_reset_socket(const uint8_t *data, size_t size, struct drained *r)
{
    memset(r, 0, sizeof *r);
    r->oe = TP_ERR__COUNT; /* not run */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return;
    int sz = 1 << 20;
    (void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    (void)setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    size_t off = 0;
    while (off < size) {
        ssize_t w = send(sv[1], data + off, size - off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    bool ok = off == size && send(sv[0], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1;
    close(sv[1]);
    int saved = ok ? dup(STDIN_FILENO) : -1;
    if (saved >= 0 && dup2(sv[0], STDIN_FILENO) == STDIN_FILENO) {
        close(sv[0]);
        sv[0] = -1;
        /* tp_in_open dups standard input at once; it is put back right after. */
        char err[256];
        struct tp_in in;
        r->oe = tp_in_open("-", "input", &in, err, sizeof err);
        (void)dup2(saved, STDIN_FILENO);
        if (r->oe == TP_OK) {
            static uint8_t buf[65536];
            size_t got;
            while (r->n < DRIVE_MAX && (got = fread(buf, 1, sizeof buf, in.fp)) > 0)
                r->n += got;
            r->ferr = ferror(in.fp) != 0;
            snprintf(r->why, sizeof r->why, "%s", tp_in_error(&in));
            tp_in_free(&in);
        } else if (!err[0]) {
            abort();
        }
    }
    if (saved >= 0)
        close(saved);
    if (sv[0] >= 0)
        close(sv[0]);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* The open's error paths (tp_in_open_fault), on the file or the pipe (length &
 * 32 picks the pipe), the fault picked by the last byte: whether it fails or
 * not (a fault of a path the input does not take), nothing may be left: no
 * descriptor, no FILE, no state (LeakSanitizer sees the memory). */
static void open_with_fault(const char *file, const uint8_t *data, size_t size)
{
    enum tp_in_fault f = (enum tp_in_fault)(1 + data[size - 1] % (TP_IN_FAULT_COUNT - 1));
    int before = count_fds(), pfd = -1;
    char path[64], err[256] = "";
    if (size & 32) {
        pfd = filled_pipe(data, size);
        if (pfd < 0)
            return;
        snprintf(path, sizeof path, "/proc/self/fd/%d", pfd);
        file = path;
    }
    struct tp_in in;
    enum tp_err e = tp_in_open_fault(file, "input", &in, err, sizeof err, f);
    if (e != TP_OK && (in.fp || in.dz || in.vbuf || !err[0] || strchr(err, '\n')))
        abort();
    tp_in_free(&in);
    if (pfd >= 0)
        close(pfd);
    if (before >= 0 && count_fds() != before)
        abort(); /* a descriptor left open, or one closed twice */
}

static void drive_api(const char *file, const uint8_t *data, size_t size)
{
    static bool once;
    if (!once) {
        once = true;
        char err[256];
        struct tp_in in;
        if (tp_in_open("/nonexistent/fuzz-instream", "gone", &in, err, sizeof err) != TP_ERR_IO ||
            strncmp(err, "gone: ", 6) != 0)
            abort();
    }
    struct drained f, p, s;
    drain(file, false, (size & 8) != 0, &f);
    check_plain_file(file, data, size);
    if (f.oe == TP_OK && f.plain_file && !f.capped && (f.n != size || f.h != fnv(0xcbf29ce484222325ull, data, size)))
        abort(); /* a plain file's bytes are the input's */
    if (f.oe == TP_OK && !f.codec && f.why[0])
        abort(); /* only a decoder complains */
    int fd = filled_pipe(data, size);
    if (fd >= 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        drain(path, (size & 4) != 0, (size & 8) != 0, &p);
        close(fd);
        /* The same bytes decode the same way, whatever hands them over and in
         * whatever pieces they are read. */
        if (p.oe != f.oe)
            abort();
        if (p.oe == TP_OK) {
            if ((p.codec != f.codec) || p.pcapng != f.pcapng || p.n != f.n || p.h != f.h)
                abort();
            if (!f.capped && !p.capped && strcmp(p.why, f.why) != 0)
                abort();
        }
    }
    if (size & 16)
        open_with_fault(file, data, size);
    drain_reset_socket(data, size, &s);
    if (s.oe == TP_OK && !s.capped && f.oe == TP_OK && !f.capped) {
        /* The reset is an error, never a clean end, unless the stream had
         * ended before it (an xz stream) or failed before it. */
        bool exempt = (f.codec && (f.why[0] || !strcmp(f.codec, "xz"))) ||
                      (!f.codec && size < 8); /* read at the magic: the bytes read kept, the error not */
        if (!s.ferr && !s.why[0] && !exempt)
            abort();
        if (s.n > f.n)
            abort();
    }
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
    drive_api(path, data, size);
    return 0;
}
