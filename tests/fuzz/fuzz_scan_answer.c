/* libFuzzer: a server's first flight as `scan` reads it (tp_scan_reader_feed):
 * records framed, handshake messages reassembled, ServerHello / HRR /
 * Certificate / ServerKeyExchange / alert picked out. Input: byte 0, bit 0 =
 * read the whole flight (not just the ServerHello), bits 1-7 = where to cut the
 * rest (modulo its length + 1) into two feeds; then the server's bytes. Seeds:
 * fixtures/fuzz/fuzz_scan_answer/, made by tests/fuzz/make_scan_answer_seeds.py.
 * Checks: once the reader says done it stays done (a third feed), the kept
 * certificates fit and are no more than the message listed, the strings end. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool flight = data[0] & 1;
    size_t rest = size - 1, cut = rest ? (size_t)(data[0] >> 1) % (rest + 1) : 0;
    const uint8_t *p = data + 1;
    struct tp_scan_reader rd;
    struct tp_scan_answer a;
    memset(&a, 0, sizeof a);
    tp_scan_reader_init(&rd, flight);
    bool done = tp_scan_reader_feed(&rd, &a, p, cut);
    if (!done)
        done = tp_scan_reader_feed(&rd, &a, p + cut, rest - cut);
    if (done && !tp_scan_reader_feed(&rd, &a, p, rest))
        abort();
    if (a.n_der > TP_SCAN_MAX_CERTS || a.n_der > a.n_der_total || !memchr(a.why, 0, sizeof a.why) ||
        (a.has_alpn && !memchr(a.alpn, 0, sizeof a.alpn)))
        abort();
    tp_scan_reader_free(&rd);
    tp_scan_answer_free(&a);
    return 0;
}
