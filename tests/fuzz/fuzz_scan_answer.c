/* libFuzzer: a server's first flight as `scan` reads it (tp_scan_reader_feed):
 * records framed, handshake messages reassembled, ServerHello / HRR /
 * Certificate / ServerKeyExchange / alert picked out. The first byte says
 * whether to read the whole flight and where to cut the input in two feeds. */
#include <stddef.h>
#include <stdint.h>
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
    if (!tp_scan_reader_feed(&rd, &a, p, cut))
        (void)tp_scan_reader_feed(&rd, &a, p + cut, rest - cut);
    tp_scan_reader_free(&rd);
    tp_scan_answer_free(&a);
    return 0;
}
