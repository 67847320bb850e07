/* libFuzzer: one DER CRL through tp_crl_parse, the signature check against the
 * fixtures' RSA intermediate and ECDSA root, and the look-up of both. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "tlsprobe/crl.h"
#include "tlsprobe/x509.h"
#include "fuzz_cert_issuers.inc"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tp_cert_info *issuer[2];
    static int loaded;
    if (!loaded) {
        loaded = 1;
        if (tp_cert_parse(fuzz_issuer_int, sizeof fuzz_issuer_int, &issuer[0]) != TP_OK ||
            tp_cert_parse(fuzz_issuer_root, sizeof fuzz_issuer_root, &issuer[1]) != TP_OK)
            abort();
    }
    struct tp_crl *c = NULL;
    if (tp_crl_parse(data, size, &c) != TP_OK)
        return 0;
    for (int k = 0; k < 2; k++) {
        struct tp_crl_entry e;
        (void)tp_crl_verify(c, issuer[k]);
        (void)tp_crl_covers(c, issuer[k]);
        (void)tp_crl_lookup(c, issuer[k], &e);
    }
    tp_crl_free(c);
    return 0;
}
