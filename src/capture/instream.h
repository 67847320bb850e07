/* Capture input as a FILE of its capture bytes: a file or standard input, gzip,
 * xz or zstd compressed or not, recognised by magic number (never by name).
 *
 * An uncompressed regular file is a plain stdio FILE with a 1 MiB buffer, as it
 * always was (the fast path). Anything else (a compressed file, a pipe) is a
 * stdio stream over our read function (fopencookie): the decompressor runs in
 * the reading thread, inside libpcap's fread, through fixed buffers (256 KiB in,
 * what stdio asks out), so memory stays bounded whatever the stream expands to.
 * zlib, liblzma and libzstd are loaded with dlopen on the first compressed
 * input (as libpcap is: other commands never pay for them). */
#ifndef TP_CAPTURE_INSTREAM_H
#define TP_CAPTURE_INSTREAM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "tlsprobe/error.h"

struct tp_dz;
struct tp_in {
    FILE *fp;            /* what libpcap (or the pcapng reader) reads */
    const char *codec;   /* "gzip", "xz", "zstd", or NULL: not compressed */
    bool pcapng;         /* the (decompressed) bytes start with a pcapng SHB */
    struct tp_dz *dz;    /* the read function's state (NULL: a plain FILE); freed by tp_in_free */
    char *vbuf;          /* the plain FILE's buffer */
};
/* Open path ("-": standard input). TP_ERR_IO / TP_ERR_UNSUPPORTED with one line
 * in err (naming name) when it cannot be opened or its compression cannot be
 * read (a library missing, a format not supported). */
enum tp_err tp_in_open(const char *path, const char *name, struct tp_in *in, char *err, size_t errlen);
/* After reading: the decompressor's complaint, "" when none (a stream cut short:
 * "gzip stream is truncated"; corrupt data: "xz data is corrupt (...)"). */
const char *tp_in_error(const struct tp_in *in);
/* Frees what fclose(in->fp) left (call after the FILE was closed, or with fp
 * still open: it is closed then). */
void tp_in_free(struct tp_in *in);

/* Tests and fuzzers only: tp_in_open with one step that can fail made to
 * fail, as it would on a machine out of memory or without the codec's
 * library, so that the error paths run under the sanitizers: each must close
 * the descriptor once, free what it took and say one line. A fault of a step
 * the input does not reach changes nothing. */
enum tp_in_fault {
    TP_IN_FAULT_NONE,
    TP_IN_FAULT_LOAD,     /* the codec's library does not load */
    TP_IN_FAULT_FDOPEN,   /* fdopen of a plain file (ENOMEM) */
    TP_IN_FAULT_ALLOC,    /* the read function's state (calloc) */
    TP_IN_FAULT_DZ_INIT,  /* the decoder's init */
    TP_IN_FAULT_COOKIE,   /* fopencookie */
    TP_IN_FAULT_COUNT
};
enum tp_err tp_in_open_fault(const char *path, const char *name, struct tp_in *in, char *err, size_t errlen,
                             enum tp_in_fault fault);

#endif
