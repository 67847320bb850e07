/* libFuzzer: the session stream decoder. The input is a sequence of chunks
 * (session_chunks.h: a control byte for direction, gap or length, then data).
 * A fixed key log holds the RFC 8448 §3 secrets and the master secret of
 * fixtures/session/tls12_ecdhe_ecdsa_aes128gcm, so inputs grown from those
 * seeds reach the TLS 1.3 and TLS 1.2 decryption paths. The key log also holds
 * the record key and IV of the RFC 8448 server application secret (the live
 * probes' shortcut), and the input's length picks a direction taken as our own
 * (none, C2S, S2C: AES-GCM records opened without tags), so both paths are fuzzed
 * without changing the input format. A pre-shared key for any identity makes a
 * plain PSK ClientKeyExchange derive a master secret (pcap --psk), and keeps the
 * handshake messages for an extended master secret in every input.
 *
 * An input that starts with "TPS1" carries its own settings instead (the
 * seeds of tests/fuzz/make_session_seeds.py, real handshakes captured with
 * OpenSSL): "TPS1", a 16-bit big-endian header length, the header, then the
 * chunks. The header is a flags byte, a client random, then entries that
 * build this input's key log:
 *   flags     bits 0-1: own direction (1 C2S, 2 S2C, else none); bit 2: the
 *             chunks are DTLS datagrams (tp_session_feed_datagram, gaps
 *             ignored); bit 3: decode with a worker; stream chunks: a gap of
 *             length 0 is tp_session_midstream
 *   0..6      a secret of that label (enum tp_secret_label) for the client
 *             random: length byte, bytes
 *   0x10      a pre-shared key (pcap --psk): identity length, identity, key
 *             length, key (identity length 0: any identity)
 *   0x20      one of the fixed RSA keys of fuzz_session_keys.h (pcap --key):
 *             index byte (the first two such entries of an input)
 *   0x30      a TLS 1.3 record key or IV for a secret (the live shortcut):
 *             secret length, secret, iv flag, length, bytes
 * An entry that does not parse ends the header (session_chunks.h reads it).
 * So 0-RTT, RSA key exchange, PSK and DTLS decryption run on attacker-
 * controlled bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/session.h"
#include "session_chunks.h"

#define TLS12_LINE "CLIENT_RANDOM 932718e73411e549e5f276cd557465b0c3bfdb8cd514bc118f4c5e858e700814 7fcefeab4a8196a8371f703ef120f29f64f96104732f626e1f4ebc19ae1c0383204a9983742126474f2ea14c17f666de\n"

static const char keylog[] =
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7 "
    "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7 "
    "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38\n"
    "CLIENT_TRAFFIC_SECRET_0 cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7 "
    "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5\n"
    "SERVER_TRAFFIC_SECRET_0 cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7 "
    "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643\n"
    TLS12_LINE;

static struct tp_keylog *kl;
static struct tp_worker *worker;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!kl) {
        static const uint8_t s_ap[32] = { 0xa1, 0x1a, 0xf9, 0xf0, 0x55, 0x31, 0xf8, 0x56, 0xad, 0x47, 0x11,
                                          0x6b, 0x45, 0xa9, 0x50, 0x32, 0x82, 0x04, 0xb4, 0xf4, 0x4b, 0xfb,
                                          0x6b, 0x3a, 0x4b, 0x4f, 0x1f, 0x3f, 0xcb, 0x63, 0x16, 0x43 };
        static const uint8_t key[16] = { 0x9f, 0x02, 0x28, 0x3b, 0x6c, 0x9c, 0x07, 0xef,
                                         0xc2, 0x6b, 0xb9, 0xf2, 0xac, 0x92, 0xe3, 0x56 };
        static const uint8_t iv[12] = { 0xcf, 0x78, 0x2b, 0x88, 0xdd, 0x83, 0x54, 0x9a, 0xad, 0xf1, 0xe9, 0x84 };
        if (tp_keylog_parse((const uint8_t *)keylog, sizeof keylog - 1, &kl) != TP_OK ||
            tp_keylog_add_traffic_key(kl, s_ap, sizeof s_ap, false, key, sizeof key) != TP_OK ||
            tp_keylog_add_traffic_key(kl, s_ap, sizeof s_ap, true, iv, sizeof iv) != TP_OK ||
            tp_keylog_add_psk(kl, NULL, 0, key, sizeof key) != TP_OK || !(worker = tp_worker_new()))
            abort();
    }
    struct tp_chunk_header hdr;
    enum tp_err he = tp_chunk_header_read(&data, &size, &hdr);
    if (he == TP_ERR_NOMEM)
        return 0;
    if (he != TP_OK)
        abort(); /* a fixed RSA key did not load: the harness is broken */
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, 0);
    if (!s) {
        tp_keylog_free(hdr.kl);
        return 0;
    }
    tp_session_set_keylog(s, hdr.present ? hdr.kl : kl);
    if (hdr.flags & TP_CHUNK_WORKER)
        tp_session_set_worker(s, worker);
    unsigned own = hdr.present ? (hdr.flags & TP_CHUNK_OWN_MASK) : (unsigned)(size % 3);
    if (own == 1 || own == 2)
        tp_session_own_direction(s, own == 1 ? TP_C2S : TP_S2C);
    size_t off = 0;
    int64_t t = 0;
    struct tp_chunk k;
    while (tp_chunk_next(data, size, &off, &k)) {
        /* an exact-size copy so ASan sees any read past the chunk */
        uint8_t *chunk = k.gap ? NULL : malloc(k.len ? k.len : 1);
        if (!k.gap && !chunk)
            break;
        if (chunk)
            memcpy(chunk, k.p, k.len);
        enum tp_err e = tp_chunk_apply(s, &hdr, &k, chunk, &t);
        free(chunk);
        if (e != TP_OK)
            break;
    }
    if (tp_session_footprint(s) < sizeof *s)
        abort();
    (void)tp_session_has_server_key_secret(s);
    tp_session_finish(s);
    /* the transcript is consistent */
    for (size_t i = 0; i < s->n_msgs; i++)
        if ((s->msgs[i].raw == NULL) != (s->msgs[i].raw_len == 0))
            abort();
    if (s->server_chain.n > TP_MAX_CHAIN_CERTS || s->n_msgs > TP_MAX_SESSION_MESSAGES)
        abort();
    tp_session_free(s);
    tp_keylog_free(hdr.kl);
    return 0;
}
