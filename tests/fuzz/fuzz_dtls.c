/* libFuzzer: DTLS datagrams through the session decoder's datagram framing
 * (wire/dtls.c records and handshake fragments, their reassembly out of order
 * and with retransmissions, the DTLS ClientHello with its cookie), and the
 * capture's "is this a DTLS ClientHello" test. The input is a sequence of
 * datagrams: a control byte (bit 0: the direction), a 16-bit big-endian length,
 * then that many bytes (fewer at the end of the input). Seeds:
 * fixtures/fuzz/fuzz_dtls/, made by tests/fuzz/make_dtls_seeds.py. A key log holds
 * a master secret for the seeds' client random (bytes 0..31), so epoch-1 records
 * reach the DTLS key derivation and record decryption. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"

static const char keylog[] = "CLIENT_RANDOM 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
                             "0101010101010101010101010101010101010101010101010101010101010101"
                             "01010101010101010101010101010101\n";
static struct tp_keylog *kl;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!kl && tp_keylog_parse((const uint8_t *)keylog, sizeof keylog - 1, &kl) != TP_OK)
        abort();
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, 0);
    if (!s)
        return 0;
    tp_session_set_keylog(s, kl);
    size_t off = 0;
    int64_t t = 0;
    while (off + 3 <= size) {
        enum tp_dir dir = (data[off] & 1) ? TP_S2C : TP_C2S;
        size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
        off += 3;
        if (len > size - off)
            len = size - off;
        /* an exact-size copy so ASan sees any read past the datagram */
        uint8_t *dg = malloc(len ? len : 1);
        if (!dg)
            break;
        memcpy(dg, data + off, len);
        (void)tp_dtls_is_client_hello(tp_bytes_make(dg, len));
        enum tp_err e = tp_session_feed_datagram(s, dir, dg, len, t += 10);
        free(dg);
        off += len;
        if (e != TP_OK)
            break;
    }
    tp_session_finish(s);
    for (size_t i = 0; i < s->n_msgs; i++)
        if ((s->msgs[i].raw == NULL) != (s->msgs[i].raw_len == 0))
            abort();
    if (s->server_chain.n > TP_MAX_CHAIN_CERTS || s->n_msgs > TP_MAX_SESSION_MESSAGES)
        abort();
    tp_session_free(s);
    return 0;
}
