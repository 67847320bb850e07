/* libFuzzer: one DER OCSPResponse through tp_ocsp_parse, the CertID match and
 * the signature check (issuer or delegated responder, id-kp-OCSPSigning,
 * validity) against the fixtures' RSA intermediate and ECDSA root, with the
 * response's own certificates as the certificate asked about. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "tlsprobe/ocsp.h"
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
    struct tp_ocsp_response *r = NULL;
    if (tp_ocsp_parse(data, size, &r) != TP_OK)
        return 0;
    (void)tp_ocsp_resp_status_name(r->response_status);
    for (size_t i = 0; i < r->n_singles; i++) {
        (void)tp_ocsp_cert_status_name(r->singles[i].status);
        (void)tp_ocsp_reason_name(r->singles[i].revocation_reason);
    }
    for (int k = 0; k < 2; k++) {
        struct tp_ocsp_sig_result v;
        tp_ocsp_verify(r, issuer[k], 0, &v);
        (void)tp_ocsp_sig_name(v.status);
        tp_ocsp_verify(r, issuer[k], (time_t)1, &v);
        (void)tp_ocsp_find(r, issuer[0], issuer[k]);
        for (size_t i = 0; i < r->n_certs; i++)
            (void)tp_ocsp_find(r, r->certs[i], issuer[k]);
    }
    tp_ocsp_free(r);
    return 0;
}
