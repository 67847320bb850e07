/* libFuzzer: a chain of up to 8 DER certificates, each behind a 2-byte
 * big-endian length, through the path builder (backtracking, the RFC 5280
 * §6.1 checks, name constraints) with a DNS and an IP name. No store and no
 * AIA (no network from a fuzzer); dead-end paths are judged by the same
 * checks, so nameConstraints and the profile rules are reached. */
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tp_bytes chain[8];
    size_t n = 0, off = 0;
    while (n < 8 && off + 2 <= size) {
        size_t len = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        chain[n++] = (struct tp_bytes){ data + off, len };
        off += len;
    }
    static const char *const names[] = { "api.corp.example", "10.1.2.3" };
    for (size_t i = 0; i < 2; i++) {
        struct tp_verify_opts vo = { .host = names[i], .has_max_depth = i == 1, .max_depth = 1 };
        struct tp_verify_result *res = NULL;
        (void)tp_chain_verify(chain, n, &vo, &res);
        tp_verify_result_free(res);
    }
    return 0;
}
