/* libFuzzer: NSS key log parsing, lookups and writing back. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "tlsprobe/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    if (!null && !(null = fopen("/dev/null", "w")))
        abort();
    struct tp_keylog *kl = NULL;
    if (tp_keylog_parse(data, size, &kl) != TP_OK)
        return 0;
    uint8_t cr[32] = { 0 }, out[64];
    /* look up with client randoms taken from the input itself */
    for (size_t off = 0; off + 32 <= size && off < 4096; off += 97) {
        for (int l = 0; l < TP_SECRET__COUNT; l++)
            if (tp_keylog_get(kl, (enum tp_secret_label)l, data + off, out, sizeof out) > sizeof out)
                abort();
        (void)tp_keylog_write_session(kl, data + off, null);
    }
    (void)tp_keylog_get(kl, TP_SECRET_CLIENT_RANDOM, cr, out, sizeof out);
    if (tp_keylog_count(kl) > TP_MAX_KEYLOG_ENTRIES)
        abort();
    tp_keylog_free(kl);
    return 0;
}
