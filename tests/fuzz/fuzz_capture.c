/* libFuzzer target: a whole pcap/pcapng file through libpcap (pcap_fopen_offline on
 * fmemopen), the link/IP/TCP parsers, reassembly, the flow table (tiny, so eviction
 * runs), TLS detection and the session decoder; plus the pcapng Decryption
 * Secrets Block walk of the same bytes. The input's length picks the rest of
 * what `tlsprobe pcap` can do, so the format stays a plain capture file: length
 * % 4 == 1: secrets from Decryption Secrets Blocks as the key log, --sni and
 * --server filters and --session 2; == 2: a BPF filter and a larger flow table;
 * == 3: judging on the second thread (structure-aware pcapng: fuzz_pcapng). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "tlsprobe/capture.h"
#include "tlsprobe/session.h"

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
    char err[256];
    bool trunc;
    (void)tp_capture_read_mem(c, data, size, size % 4 == 2 ? "tcp" : NULL, &trunc, err, sizeof err);
    tp_capture_flush(c, 0);
    (void)tp_capture_get_stats(c);
    tp_capture_free(c);
    tp_keylog_free(kl);
    return 0;
}
