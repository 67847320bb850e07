/* libFuzzer: the STARTTLS watch of captures (src/wire/plainwatch.c).
 *
 * The input is a first byte (the SYN's client side: 0, 1 or unknown) and then
 * chunks, each a control byte (bit 0: the side; bits 1-7: the length, 0-127) and
 * that many bytes — the segments of a capture, in both directions, split
 * anywhere. Each side is fed until it turns to TLS or the stream is judged not
 * STARTTLS; the watch must keep its bounds and never take more than it is fed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/plainwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tp_plainwatch w;
    if (size < 1)
        return 0;
    tp_plainwatch_init(&w, data[0] % 3 == 2 ? -1 : data[0] % 3);
    size_t i = 1;
    while (i < size) {
        int side = data[i] & 1;
        size_t n = data[i] >> 1;
        i++;
        if (n > size - i)
            n = size - i;
        size_t used = (size_t)-1;
        enum tp_pw_result r = tp_plainwatch_feed(&w, side, data + i, n, (int64_t)i, &used);
        if (r == TP_PW_NOT)
            break;
        if (used > n || w.n_lines > TP_PW_LINES || w.len[0] > TP_PW_BUF || w.len[1] > TP_PW_BUF)
            abort();
        if (r == TP_PW_TLS && !w.done[side])
            abort();
        for (unsigned k = 0; k < w.n_lines; k++)
            if (w.lines[k].len > TP_PW_LINE || w.lines[k].side > 1)
                abort();
        (void)tp_plainwatch_protocol(&w);
        i += n;
    }
    return 0;
}
