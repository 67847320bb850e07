/* Capture input: plain or gzip/xz/zstd by magic number, file or pipe
 * (capture/instream.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fopencookie */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "capture/instream.h"
#ifdef TP_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef TP_HAVE_LZMA
#include <lzma.h>
#endif
#ifdef TP_HAVE_ZSTD
#include <zstd.h>
#endif

enum codec { C_NONE, C_GZIP, C_XZ, C_ZSTD };
static const char *const codec_name[] = { NULL, "gzip", "xz", "zstd" };

/* ---- the libraries, loaded on first use ---- */
#ifdef TP_HAVE_ZLIB
static struct {
    __typeof__(&inflateInit2_) init2;
    __typeof__(&inflate) inflate;
    __typeof__(&inflateReset) reset;
    __typeof__(&inflateEnd) end;
} zf;
#endif
#ifdef TP_HAVE_LZMA
static struct {
    __typeof__(&lzma_stream_decoder) decoder;
    __typeof__(&lzma_code) code;
    __typeof__(&lzma_end) end;
} xf;
#endif
#ifdef TP_HAVE_ZSTD
static struct {
    __typeof__(&ZSTD_createDStream) create;
    __typeof__(&ZSTD_decompressStream) decompress;
    __typeof__(&ZSTD_freeDStream) free;
    __typeof__(&ZSTD_isError) is_error;
    __typeof__(&ZSTD_getErrorName) error_name;
} sf;
#endif
static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static bool loaded[4], tried[4];

#define SYM(h, dst, name) (*(void **)&(dst) = dlsym(h, name)) != NULL

static bool load_codec(enum codec c)
{
    pthread_mutex_lock(&load_mu);
    if (!tried[c]) {
        tried[c] = true;
        void *h = NULL;
        switch (c) {
#ifdef TP_HAVE_ZLIB
        case C_GZIP:
            h = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
            loaded[c] = h && SYM(h, zf.init2, "inflateInit2_") && SYM(h, zf.inflate, "inflate") &&
                        SYM(h, zf.reset, "inflateReset") && SYM(h, zf.end, "inflateEnd");
            break;
#endif
#ifdef TP_HAVE_LZMA
        case C_XZ:
            h = dlopen("liblzma.so.5", RTLD_NOW | RTLD_LOCAL);
            loaded[c] = h && SYM(h, xf.decoder, "lzma_stream_decoder") && SYM(h, xf.code, "lzma_code") &&
                        SYM(h, xf.end, "lzma_end");
            break;
#endif
#ifdef TP_HAVE_ZSTD
        case C_ZSTD:
            h = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
            loaded[c] = h && SYM(h, sf.create, "ZSTD_createDStream") &&
                        SYM(h, sf.decompress, "ZSTD_decompressStream") && SYM(h, sf.free, "ZSTD_freeDStream") &&
                        SYM(h, sf.is_error, "ZSTD_isError") && SYM(h, sf.error_name, "ZSTD_getErrorName");
            break;
#endif
        default:
            break;
        }
        (void)h;
    }
    bool ok = loaded[c];
    pthread_mutex_unlock(&load_mu);
    return ok;
}

/* Built in at all (the -dev package was there at build time)? */
static bool codec_built(enum codec c)
{
    switch (c) {
#ifdef TP_HAVE_ZLIB
    case C_GZIP: return true;
#endif
#ifdef TP_HAVE_LZMA
    case C_XZ: return true;
#endif
#ifdef TP_HAVE_ZSTD
    case C_ZSTD: return true;
#endif
    default: return c == C_NONE;
    }
}

static const char *const codec_lib[] = { "", "libz.so.1 (zlib1g)", "liblzma.so.5 (liblzma5)", "libzstd.so.1 (libzstd1)" };
static const char *const codec_dev[] = { "", "zlib1g-dev", "liblzma-dev", "libzstd-dev" };

/* ---- the read function ---- */
#define DZ_IN (256u * 1024)
struct tp_dz {
    int fd;
    enum codec codec;
    uint8_t *in;                 /* compressed bytes read, not yet decoded */
    size_t in_pos, in_len;
    bool in_eof, done, failed, ended_frame, active;
    int later_err;               /* read_full's error after the bytes in `in`: the next read's */
    uint8_t pb[16];              /* decoded bytes peeked at, served first */
    size_t pb_pos, pb_len;
    char why[160];               /* "" or what went wrong */
#ifdef TP_HAVE_ZLIB
    z_stream z;
#endif
#ifdef TP_HAVE_LZMA
    lzma_stream x;
#endif
#ifdef TP_HAVE_ZSTD
    ZSTD_DStream *s;
#endif
};

static bool dz_init(struct tp_dz *d)
{
    switch (d->codec) {
#ifdef TP_HAVE_ZLIB
    case C_GZIP:
        memset(&d->z, 0, sizeof d->z);
        /* 15 + 32: a zlib or gzip header, detected */
        d->active = zf.init2(&d->z, 15 + 32, ZLIB_VERSION, (int)sizeof d->z) == Z_OK;
        return d->active;
#endif
#ifdef TP_HAVE_LZMA
    case C_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;
        d->x = init;
        d->active = xf.decoder(&d->x, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
        return d->active;
    }
#endif
#ifdef TP_HAVE_ZSTD
    case C_ZSTD:
        d->s = sf.create();
        d->active = d->s != NULL;
        return d->active;
#endif
    default:
        return true;
    }
}

static void dz_end(struct tp_dz *d)
{
    if (!d->active)
        return;
    d->active = false;
    switch (d->codec) {
#ifdef TP_HAVE_ZLIB
    case C_GZIP: zf.end(&d->z); break;
#endif
#ifdef TP_HAVE_LZMA
    case C_XZ: xf.end(&d->x); break;
#endif
#ifdef TP_HAVE_ZSTD
    case C_ZSTD: sf.free(d->s); break;
#endif
    default: break;
    }
}

static void dz_fail(struct tp_dz *d, const char *what, const char *detail)
{
    if (!d->failed)
        snprintf(d->why, sizeof d->why, "%s %s %s%s%s%s", codec_name[d->codec], detail ? "data is" : "stream is",
                 what, detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
    d->failed = true;
    d->done = true;
}

/* One decoder step from d->in into out; returns bytes produced. Sets *frame_end
 * when a gzip member / zstd frame / xz stream ended with this step. */
static size_t dz_step(struct tp_dz *d, uint8_t *out, size_t cap, bool *frame_end)
{
    *frame_end = false;
    size_t avail = d->in_len - d->in_pos;
    switch (d->codec) {
#ifdef TP_HAVE_ZLIB
    case C_GZIP: {
        d->z.next_in = d->in + d->in_pos;
        d->z.avail_in = (uInt)avail;
        d->z.next_out = out;
        d->z.avail_out = (uInt)(cap > (1u << 30) ? (1u << 30) : cap);
        uInt before = d->z.avail_out;
        int rc = zf.inflate(&d->z, Z_NO_FLUSH);
        d->in_pos = d->in_len - d->z.avail_in;
        size_t made = before - d->z.avail_out;
        if (rc == Z_STREAM_END) {
            *frame_end = true;
            zf.reset(&d->z); /* another member may follow (cat a.gz b.gz) */
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            dz_fail(d, "corrupt", d->z.msg ? d->z.msg : "inflate failed");
        }
        return made;
    }
#endif
#ifdef TP_HAVE_LZMA
    case C_XZ: {
        d->x.next_in = d->in + d->in_pos;
        d->x.avail_in = avail;
        d->x.next_out = out;
        d->x.avail_out = cap;
        lzma_ret rc = xf.code(&d->x, d->in_eof && !avail ? LZMA_FINISH : LZMA_RUN);
        d->in_pos = d->in_len - d->x.avail_in;
        size_t made = cap - d->x.avail_out;
        if (rc == LZMA_STREAM_END) {
            *frame_end = true;
            d->done = true;
        } else if (rc == LZMA_BUF_ERROR && d->in_eof) {
            dz_fail(d, "truncated", NULL);
        } else if (rc != LZMA_OK && rc != LZMA_BUF_ERROR) {
            dz_fail(d, "corrupt", rc == LZMA_DATA_ERROR     ? "data error"
                                  : rc == LZMA_FORMAT_ERROR ? "not xz"
                                  : rc == LZMA_MEM_ERROR    ? "out of memory"
                                                            : "decoder error");
        }
        return made;
    }
#endif
#ifdef TP_HAVE_ZSTD
    case C_ZSTD: {
        ZSTD_inBuffer ib = { d->in + d->in_pos, avail, 0 };
        ZSTD_outBuffer ob = { out, cap, 0 };
        size_t rc = sf.decompress(d->s, &ob, &ib);
        d->in_pos += ib.pos;
        if (sf.is_error(rc))
            dz_fail(d, "corrupt", sf.error_name(rc));
        else if (rc == 0)
            *frame_end = true;
        return ob.pos;
    }
#endif
    default:
        (void)out;
        (void)cap;
        return 0;
    }
}

static ssize_t dz_read(void *cookie, char *buf, size_t size)
{
    struct tp_dz *d = cookie;
    if (!size)
        return 0;
    if (d->pb_pos < d->pb_len) {
        size_t k = d->pb_len - d->pb_pos < size ? d->pb_len - d->pb_pos : size;
        memcpy(buf, d->pb + d->pb_pos, k);
        d->pb_pos += k;
        return (ssize_t)k;
    }
    for (;;) {
        if (d->codec == C_NONE && d->in_pos < d->in_len) { /* the bytes peeked at for the magic */
            size_t k = d->in_len - d->in_pos < size ? d->in_len - d->in_pos : size;
            memcpy(buf, d->in + d->in_pos, k);
            d->in_pos += k;
            return (ssize_t)k;
        }
        if (d->codec == C_NONE) {
            if (d->later_err) {
                errno = d->later_err;
                return -1;
            }
            ssize_t n;
            do
                n = read(d->fd, buf, size);
            while (n < 0 && errno == EINTR);
            return n;
        }
        if (d->done)
            return 0;
        if (d->in_pos == d->in_len && !d->in_eof) {
            ssize_t n = -1;
            if (d->later_err)
                errno = d->later_err;
            else
                do
                    n = read(d->fd, d->in, DZ_IN);
                while (n < 0 && errno == EINTR);
            if (n < 0) {
                snprintf(d->why, sizeof d->why, "read error: %s", strerror(errno));
                d->failed = d->done = true;
                return 0;
            }
            d->in_pos = 0;
            d->in_len = (size_t)n;
            d->in_eof = n == 0;
        }
        if (d->in_pos == d->in_len && d->in_eof && d->codec != C_XZ) {
            /* The input ended: fine right after a complete member/frame (or when
             * nothing at all came after the magic was checked), cut short otherwise. */
            if (!d->ended_frame)
                dz_fail(d, "truncated", NULL);
            d->done = true;
            return 0;
        }
        bool frame_end = false;
        size_t made = dz_step(d, (uint8_t *)buf, size, &frame_end);
        if (made || frame_end)
            d->ended_frame = frame_end;
        if (made)
            return (ssize_t)made;
        if (d->done)
            return 0;
        if (!frame_end && d->in_pos == d->in_len && d->in_eof && d->codec == C_XZ) {
            dz_fail(d, "truncated", NULL);
            return 0;
        }
    }
}

static int dz_close(void *cookie)
{
    struct tp_dz *d = cookie;
    dz_end(d);
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    return 0;
}

/* ---- opening ---- */
static enum codec sniff_codec(const uint8_t *m, size_t n, const char **unsupported)
{
    *unsupported = NULL;
    if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
        return C_GZIP;
    if (n >= 6 && !memcmp(m, "\xfd" "7zXZ\0", 6))
        return C_XZ;
    if (n >= 4 && !memcmp(m, "\x28\xb5\x2f\xfd", 4))
        return C_ZSTD;
    if (n >= 3 && !memcmp(m, "BZh", 3))
        *unsupported = "bzip2";
    else if (n >= 4 && !memcmp(m, "\x04\x22\x4d\x18", 4))
        *unsupported = "lz4";
    return C_NONE;
}

static bool magic_pcapng(const uint8_t *m, size_t n)
{
    return n >= 4 && !memcmp(m, "\x0a\x0d\x0d\x0a", 4);
}

/* Up to n bytes at the descriptor's position without moving it (pread) when it
 * can seek; *seek false (and nothing read) when it cannot. */
static ssize_t peek_fd(int fd, uint8_t *m, size_t n, int64_t *at, bool *seek)
{
    struct stat sb;
    off_t pos = lseek(fd, 0, SEEK_CUR);
    *seek = pos >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
    if (!*seek)
        return 0;
    *at = (int64_t)pos;
    ssize_t got;
    do
        got = pread(fd, m, n, pos);
    while (got < 0 && errno == EINTR);
    return got;
}

/* Up to n bytes; an error after some bytes is kept in *later (then the bytes
 * are served first and the error after them, as a read would have). */
static ssize_t read_full(int fd, uint8_t *m, size_t n, int *later)
{
    size_t got = 0;
    *later = 0;
    while (got < n) {
        ssize_t k = read(fd, m + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            if (!got)
                return -1;
            *later = errno;
            return (ssize_t)got;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* The stdio stream over our read function: fd (owned) decoded with codec, the
 * bytes pre (already read from fd) first. */
static enum tp_err make_cookie(struct tp_in *in, int fd, enum codec c, const uint8_t *pre, size_t npre, int later,
                               enum tp_in_fault fault)
{
    struct tp_dz *d = fault == TP_IN_FAULT_ALLOC ? NULL : calloc(1, sizeof *d);
    uint8_t *ibuf = d ? malloc(c == C_NONE ? 16 : DZ_IN) : NULL;
    if (!ibuf) {
        free(d);
        close(fd);
        return TP_ERR_NOMEM;
    }
    d->fd = fd;
    d->codec = c;
    d->later_err = later;
    d->in = ibuf;
    if (npre) {
        memcpy(d->in, pre, npre);
        d->in_len = npre;
    }
    in->dz = d;
    if (!dz_init(d) || fault == TP_IN_FAULT_DZ_INIT) {
        tp_in_free(in);
        return TP_ERR_NOMEM;
    }
    cookie_io_functions_t io = { .read = dz_read, .close = dz_close };
    in->fp = fault == TP_IN_FAULT_COOKIE ? NULL : fopencookie(d, "rb", io);
    if (!in->fp) {
        tp_in_free(in);
        return TP_ERR_IO;
    }
    setvbuf(in->fp, NULL, _IOFBF, 256u * 1024); /* stdio's own 8 KiB would mean a decoder call per 8 KiB */
    return TP_OK;
}

static enum tp_err open_fd(int fd, const char *name, struct tp_in *in, char *err, size_t errlen,
                           enum tp_in_fault fault)
{
    uint8_t m[8];
    bool seek = false;
    int64_t at = 0;
    int later = 0;
    ssize_t got = peek_fd(fd, m, sizeof m, &at, &seek);
    if (!seek)
        got = read_full(fd, m, sizeof m, &later);
    if (got < 0) {
        snprintf(err, errlen, "%s: %s", name, strerror(errno));
        close(fd);
        return TP_ERR_IO;
    }
    const char *unsup;
    enum codec c = sniff_codec(m, (size_t)got, &unsup);
    if (unsup) {
        snprintf(err, errlen, "%s: %s-compressed captures are not read (gzip, xz and zstd are): decompress it first",
                 name, unsup);
        close(fd);
        return TP_ERR_UNSUPPORTED;
    }
    if (c != C_NONE && !codec_built(c)) {
        snprintf(err, errlen, "%s: %s-compressed, and this tlsprobe was built without %s support (%s)", name,
                 codec_name[c], codec_name[c], codec_dev[c]);
        close(fd);
        return TP_ERR_UNSUPPORTED;
    }
    if (c != C_NONE && (fault == TP_IN_FAULT_LOAD || !load_codec(c))) {
        snprintf(err, errlen, "%s: %s-compressed: cannot load %s", name, codec_name[c], codec_lib[c]);
        close(fd);
        return TP_ERR_UNSUPPORTED;
    }
    in->codec = codec_name[c];
    if (c == C_NONE && seek) {
        /* The fast path, as before: stdio over the file with 1 MiB reads (a
         * syscall per 4 KiB was a visible share of a 1 GB capture's time). */
        in->pcapng = magic_pcapng(m, (size_t)got);
        in->fp = fault == TP_IN_FAULT_FDOPEN ? (errno = ENOMEM, (FILE *)NULL) : fdopen(fd, "rb");
        if (!in->fp) {
            snprintf(err, errlen, "%s: %s", name, strerror(errno));
            close(fd);
            tp_in_free(in);
            return TP_ERR_IO;
        }
        in->vbuf = malloc(1 << 20);
        if (in->vbuf)
            setvbuf(in->fp, in->vbuf, _IOFBF, 1 << 20);
        return TP_OK;
    }
    enum tp_err e = make_cookie(in, fd, c, seek ? NULL : m, seek ? 0 : (size_t)got, later, fault);
    if (e != TP_OK) {
        snprintf(err, errlen, "%s: %s", name, e == TP_ERR_NOMEM ? "out of memory" : "cannot start the decoder");
        return e;
    }
    struct tp_dz *d = in->dz;
    /* What the capture starts with, decoded (pcapng or not): peeked now, served
     * again. Gathered apart and only then made the peek buffer: dz_read serves
     * that buffer first, so a short first read (a first gzip member or zstd
     * frame of 1 to 3 bytes, a pipe of 3) must not be read back from it. */
    uint8_t head[4];
    size_t nh = 0;
    while (nh < sizeof head) {
        ssize_t k = dz_read(d, (char *)head + nh, sizeof head - nh);
        if (k <= 0)
            break;
        nh += (size_t)k;
    }
    memcpy(d->pb, head, nh);
    d->pb_len = nh;
    in->pcapng = magic_pcapng(d->pb, d->pb_len);
    return TP_OK;
}

enum tp_err tp_in_open(const char *path, const char *name, struct tp_in *in, char *err, size_t errlen)
{
    return tp_in_open_fault(path, name, in, err, errlen, TP_IN_FAULT_NONE);
}

enum tp_err tp_in_open_fault(const char *path, const char *name, struct tp_in *in, char *err, size_t errlen,
                             enum tp_in_fault fault)
{
    memset(in, 0, sizeof *in);
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", name, strerror(errno));
        return TP_ERR_IO;
    }
    return open_fd(fd, name, in, err, errlen, fault);
}

const char *tp_in_error(const struct tp_in *in)
{
    return in->dz ? in->dz->why : "";
}

void tp_in_free(struct tp_in *in)
{
    if (in->fp)
        fclose(in->fp);
    in->fp = NULL;
    if (in->dz) {
        dz_close(in->dz);
        free(in->dz->in);
        free(in->dz);
        in->dz = NULL;
    }
    free(in->vbuf);
    in->vbuf = NULL;
}
