/* Private to the capture module: our own pcapng packet reader (pcapng.c), used
 * by readfile.c where libpcap refuses a file. */
#ifndef TP_CAPTURE_PCAPNG_H
#define TP_CAPTURE_PCAPNG_H
#include <stdint.h>
#include <stdio.h>
#include <pcap/pcap.h>
#include "tlsprobe/capture.h"

/* A filter compiled for the usual link types before decoding is confined (a
 * port or protocol name is looked up in /etc/services, /etc/protocols: files
 * the sandbox cannot open); other link types are compiled when met. */
#define TP_PNG_PRE 8
struct tp_png_prog {
    int dlt;
    bool ok;
    struct bpf_program prog;
};
void tp_pcapng_precompile(const char *filter, struct tp_png_prog pre[TP_PNG_PRE]);
void tp_pcapng_precompiled_free(struct tp_png_prog pre[TP_PNG_PRE]);

/* Every packet of a pcapng stream (fp, or data/len when fp is NULL) into c, the
 * first skip packets left out (already delivered). filter: BPF text or NULL,
 * taken from pre (NULL: none) for its link type or compiled per interface (TP_ERR_USAGE with the message in ferr when it does
 * not compile). TP_ERR_TRUNCATED: the stream ends inside a block;
 * TP_ERR_MALFORMED: a block is inconsistent (what came before was delivered). */
enum tp_err tp_pcapng_read_packets(struct tp_capture *c, FILE *fp, const uint8_t *data, size_t len,
                                   const char *filter, const struct tp_png_prog *pre, uint64_t skip, char *ferr,
                                   size_t ferrlen);
/* The secrets walk over a stream (tp_pcapng_secrets_file). */
enum tp_err tp_pcapng_secrets_fp(FILE *fp, char **text, size_t *text_len, size_t *n_blocks);
#endif
