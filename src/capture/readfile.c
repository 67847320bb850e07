/* Packets in: classic pcap files (µs or ns timestamps; compressed ones through
 * capture/instream) through libpcap (live interfaces: capture/live.c); pcapng files,
 * and their Decryption Secrets Blocks and comments, through the pcapng block
 * reader of capture/pcapng.c (libpcap refuses mixed link types, snap lengths and
 * byte orders, and skips DSBs and comments). From memory (tp_capture_read_mem),
 * libpcap first and our reader where it refuses. */
#include <errno.h>
#include <signal.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tlsprobe/capture.h"
#include "capture/pcap_lazy.h"
#include "capture/instream.h"
#include "capture/pcapng.h"
#include "capture/pcap_glue.h"

/* Seconds + microseconds from a file (any 64-bit value in pcapng) as µs since the
 * epoch, saturating instead of overflowing. */
int64_t tp_capture_time_us(int64_t sec, int64_t usec)
{
    const int64_t lim = INT64_MAX / 1000000 - 1;
    if (sec > lim)
        return INT64_MAX / 2;
    if (sec < -lim)
        return INT64_MIN / 2;
    return sec * 1000000 + usec;
}

void tp_pcap_on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct tp_pcap_loop *k = (struct tp_pcap_loop *)user;
    tp_capture_packet(k->c, k->dlt, tp_capture_time_us(h->ts.tv_sec, h->ts.tv_usec), data, h->caplen, h->len);
}

enum tp_err tp_pcap_set_filter(pcap_t *p, const char *filter, char *err, size_t errlen)
{
    if (!filter || !*filter)
        return TP_OK;
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        snprintf(err, errlen, "--filter '%s': %s", filter, pcap_geterr(p));
        return TP_ERR_USAGE;
    }
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc < 0) {
        snprintf(err, errlen, "--filter '%s': %s", filter, pcap_geterr(p));
        return TP_ERR_USAGE;
    }
    return TP_OK;
}

/* libpcap's refusals that are its limits, not the file's: our reader takes over. */
static bool libpcap_limit(const char *m)
{
    return strstr(m, "different from the type of the first interface") ||
           strstr(m, "different from the snapshot length of the first interface") ||
           strstr(m, "sections with different byte orders") ||
           /* a section of the other byte order: libpcap reads its SHB's length in
            * the old order (our reader says where a file is really broken) */
           strstr(m, "pcapng block size");
}

/* Packets libpcap handed over, so that our pcapng reader can take over after them. */
struct count_ctx {
    struct tp_pcap_loop k;
    uint64_t n;
};

static void on_packet_counted(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct count_ctx *k = (struct count_ctx *)user;
    k->n++;
    tp_pcap_on_packet((u_char *)&k->k, h, data);
}

/* The result of our pcapng reader as read_all reports it. */
static enum tp_err own_result(struct tp_capture *c, enum tp_err e, const char *name, const char *ferr,
                              bool *truncated, char *err, size_t errlen)
{
    unsigned long long n = (unsigned long long)tp_capture_get_stats(c)->packets;
    switch (e) {
    case TP_OK:
        return TP_OK;
    case TP_ERR_TRUNCATED:
        if (truncated)
            *truncated = true;
        snprintf(err, errlen, "%s: the file is truncated (a pcapng block is cut short); decoded up to packet %llu",
                 name, n);
        return TP_OK;
    case TP_ERR_USAGE:
        snprintf(err, errlen, "%s", ferr);
        return TP_ERR_USAGE;
    default:
        snprintf(err, errlen, "%s: corrupt capture after packet %llu: %s", name, n,
                 e == TP_ERR_MALFORMED ? "inconsistent pcapng block" : tp_err_text(e));
        return TP_ERR_MALFORMED;
    }
}

/* Every packet of an opened (and filtered) capture into c; closes p. When
 * libpcap refuses a pcapng held in memory for its own limits, our reader reads
 * the rest; in (may be NULL): the input p reads, for its decompressor's word. */
static enum tp_err read_all(struct tp_capture *c, pcap_t *p, struct tp_in *in, const uint8_t *mem, size_t mem_len,
                            const char *filter, const char *name, bool *truncated, char *err, size_t errlen)
{
    if (truncated)
        *truncated = false;
    struct count_ctx k = { { c, pcap_datalink(p) }, 0 };
    enum tp_err ret = TP_OK;
    bool again = false;
    for (;;) {
        int n = pcap_dispatch(p, 4096, on_packet_counted, (u_char *)&k);
        if (n == 0 || n == PCAP_ERROR_BREAK)
            break;
        if (n < 0) {
            const char *m = pcap_geterr(p);
            if (mem && libpcap_limit(m)) {
                again = true;
            } else if (strstr(m, "truncated")) {
                /* Cut at the end (a capture copied while being written, a full
                 * disk): decode what is there and warn. */
                if (truncated)
                    *truncated = true;
                snprintf(err, errlen, "%s: the file is truncated (%s); decoded up to packet %llu", name, m,
                         (unsigned long long)tp_capture_get_stats(c)->packets);
            } else {
                snprintf(err, errlen, "%s: corrupt capture after packet %llu: %s", name,
                         (unsigned long long)tp_capture_get_stats(c)->packets, m);
                ret = TP_ERR_MALFORMED;
            }
            break;
        }
        if (tp_capture_done(c))
            break;
    }
    pcap_close(p);
    if (mem && again) {
        char ferr[PCAP_ERRBUF_SIZE + 64] = "";
        enum tp_err e = tp_pcapng_read_packets(c, NULL, mem, mem_len, filter, NULL, k.n, ferr, sizeof ferr);
        ret = own_result(c, e, name, ferr, truncated, err, errlen);
    }
    if (in) {
        in->fp = NULL; /* closed with p */
        if (in->dz && tp_in_error(in)[0]) {
            /* The decompressor's word beats libpcap's: it knows why the bytes ended. */
            if (truncated)
                *truncated = true;
            snprintf(err, errlen, "%s: the %s; decoded up to packet %llu", name, tp_in_error(in),
                     (unsigned long long)tp_capture_get_stats(c)->packets);
            ret = TP_OK;
        }
    }
    return ret;
}

static enum tp_err run(struct tp_capture *c, pcap_t *p, const uint8_t *mem, size_t mem_len, const char *name,
                       const char *filter, bool *truncated, char *err, size_t errlen)
{
    if (tp_pcap_set_filter(p, filter, err, errlen) != TP_OK) {
        pcap_close(p);
        return TP_ERR_USAGE;
    }
    return read_all(c, p, NULL, mem, mem_len, filter, name, truncated, err, errlen);
}

struct tp_capture_src {
    pcap_t *p;          /* NULL with own: our pcapng reader reads in.fp */
    bool own;
    struct tp_in in;
    char *filter;
    struct tp_png_prog pre[TP_PNG_PRE]; /* pcapng with a filter: for our reader */
    char name[256];
};

enum tp_err tp_capture_src_open(const char *path, const char *filter, struct tp_capture_src **out, char *err,
                                size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    /* "-": standard input, read as it comes (tcpdump -w - | tlsprobe pcap -). */
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "(standard input)" : path;
    struct tp_capture_src *src = calloc(1, sizeof *src);
    if (!src) {
        snprintf(err, errlen, "%s: out of memory", name);
        return TP_ERR_NOMEM;
    }
    snprintf(src->name, sizeof src->name, "%s", name);
    if (filter && *filter && !(src->filter = strdup(filter))) {
        free(src);
        snprintf(err, errlen, "%s: out of memory", name);
        return TP_ERR_NOMEM;
    }
    /* By magic number: gzip, xz, zstd are decompressed as they are read. */
    enum tp_err e = tp_in_open(path, name, &src->in, err, errlen);
    if (e != TP_OK) {
        tp_capture_src_close(src);
        return e == TP_ERR_NOMEM ? e : TP_ERR_IO;
    }
    if (src->in.pcapng && src->filter)
        tp_pcapng_precompile(src->filter, src->pre); /* now, before decoding is confined */
    if (src->in.pcapng) {
        /* pcapng: our reader reads it all. libpcap refuses interfaces of different
         * link types or snap lengths (and a stream could not be read again when it
         * gives up half way), and it does not hand over the packets' comments. The
         * filter is compiled now for Ethernet, to report a bad one before the
         * first packet (it is compiled again per interface). */
        src->own = true;
        if (src->filter) {
            pcap_t *dead = tp_lpcap_open_dead(1, 262144, perr);
            if (!dead) {
                snprintf(err, errlen, "%s: %s", name, perr);
                tp_capture_src_close(src);
                return TP_ERR_IO;
            }
            struct bpf_program prog;
            bool bad = pcap_compile(dead, &prog, src->filter, 1, PCAP_NETMASK_UNKNOWN) < 0;
            if (bad)
                snprintf(err, errlen, "--filter '%s': %s", src->filter, pcap_geterr(dead));
            else
                pcap_freecode(&prog);
            pcap_close(dead);
            if (bad) {
                tp_capture_src_close(src);
                return TP_ERR_USAGE;
            }
        }
        *out = src;
        return TP_OK;
    }
    src->p = pcap_fopen_offline_with_tstamp_precision(src->in.fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
    if (!src->p) {
        if (tp_in_error(&src->in)[0])
            snprintf(err, errlen, "%s: the %s before the capture's first packet", name, tp_in_error(&src->in));
        else
            snprintf(err, errlen, "%s: not a readable pcap or pcapng file (%s)", name, perr);
        tp_capture_src_close(src);
        return TP_ERR_IO;
    }
    if (tp_pcap_set_filter(src->p, filter, err, errlen) != TP_OK) {
        tp_capture_src_close(src);
        return TP_ERR_USAGE;
    }
    *out = src;
    return TP_OK;
}

void tp_capture_src_close(struct tp_capture_src *src)
{
    if (!src)
        return;
    if (src->p) {
        pcap_close(src->p); /* closes in.fp */
        src->in.fp = NULL;
    }
    tp_in_free(&src->in);
    tp_pcapng_precompiled_free(src->pre);
    free(src->filter);
    free(src);
}

enum tp_err tp_capture_read_src(struct tp_capture *c, struct tp_capture_src *src, bool *truncated, char *err,
                                size_t errlen)
{
    enum tp_err e;
    if (truncated)
        *truncated = false;
    if (src->own) {
        char ferr[PCAP_ERRBUF_SIZE + 64] = "";
        e = tp_pcapng_read_packets(c, src->in.fp, NULL, 0, src->filter, src->pre, 0, ferr, sizeof ferr);
        e = own_result(c, e, src->name, ferr, truncated, err, errlen);
        if (tp_in_error(&src->in)[0]) {
            if (truncated)
                *truncated = true;
            snprintf(err, errlen, "%s: the %s; decoded up to packet %llu", src->name, tp_in_error(&src->in),
                     (unsigned long long)tp_capture_get_stats(c)->packets);
            e = TP_OK;
        }
    } else {
        e = read_all(c, src->p, &src->in, NULL, 0, src->filter, src->name, truncated, err, errlen);
        src->p = NULL; /* closed by read_all */
    }
    tp_capture_src_close(src);
    return e;
}

enum tp_err tp_capture_read_file(struct tp_capture *c, const char *path, const char *filter, bool *truncated,
                                 char *err, size_t errlen)
{
    struct tp_capture_src *src;
    if (truncated)
        *truncated = false;
    enum tp_err e = tp_capture_src_open(path, filter, &src, err, errlen);
    return e != TP_OK ? e : tp_capture_read_src(c, src, truncated, err, errlen);
}

enum tp_err tp_capture_read_mem(struct tp_capture *c, const uint8_t *data, size_t len, const char *filter,
                                bool *truncated, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    if (!len) {
        snprintf(err, errlen, "(memory): empty capture");
        return TP_ERR_IO;
    }
    FILE *fp = fmemopen((void *)(uintptr_t)data, len, "rb"); /* "rb": never written */
    if (!fp) {
        snprintf(err, errlen, "(memory): %s", strerror(errno));
        return TP_ERR_IO;
    }
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
    if (!p) {
        fclose(fp);
        snprintf(err, errlen, "(memory): not a readable pcap or pcapng file (%s)", perr);
        return TP_ERR_IO;
    }
    return run(c, p, data, len, "(memory)", filter, truncated, err, errlen);
}

/* ---- pcapng Decryption Secrets Blocks ----
 * Walked by the pcapng block reader (pcapng.c) before decoding. */
enum tp_err tp_pcapng_secrets_file(const char *path, char **text, size_t *text_len, size_t *n_blocks, char *err,
                                   size_t errlen)
{
    struct tp_in in;
    enum tp_err oe = tp_in_open(path, path, &in, err, errlen); /* compressed ones too */
    if (oe != TP_OK)
        return TP_ERR_IO;
    FILE *fp = in.fp;
    setvbuf(fp, NULL, _IONBF, 0); /* the reader's buffer is the only one */
    enum tp_err e = tp_pcapng_secrets_fp(fp, text, text_len, n_blocks);
    if (e != TP_OK && e != TP_ERR_NOMEM && tp_in_error(&in)[0])
        e = TP_OK; /* the decompressor's complaint is reported when the packets are read */
    tp_in_free(&in);
    if (e != TP_OK)
        snprintf(err, errlen, "%s: pcapng block structure: %s", path, tp_err_text(e));
    return e;
}
