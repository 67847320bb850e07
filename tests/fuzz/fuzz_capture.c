/* libFuzzer target: a whole pcap/pcapng file through libpcap (pcap_fopen_offline on
 * fmemopen), the link/IP/TCP parsers, reassembly, the flow table (tiny, so eviction
 * runs), TLS detection and the session decoder; plus the pcapng Decryption
 * Secrets Block walk of the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "tlsprobe/capture.h"

static void on_session(struct tp_session *s, unsigned long index, void *ctx)
{
    (void)index;
    (*(unsigned long *)ctx) += s->n_msgs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = NULL;
    size_t tl = 0, nb = 0;
    (void)tp_pcapng_secrets(data, size, &text, &tl, &nb);
    free(text);

    unsigned long msgs = 0;
    struct tp_capture_opts o = { 0 };
    o.max_flows = 16;
    o.no_verify = true;
    o.on_session = on_session;
    o.ctx = &msgs;
    struct tp_capture *c = tp_capture_new(&o);
    if (!c)
        return 0;
    char err[256];
    bool trunc;
    (void)tp_capture_read_mem(c, data, size, NULL, &trunc, err, sizeof err);
    tp_capture_flush(c, 0);
    tp_capture_free(c);
    return 0;
}
