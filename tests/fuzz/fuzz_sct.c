/* libFuzzer: Certificate Transparency (src/x509/sct.c, tlsprobe/sct.h).
 *
 * The input is read as everything an SCT path meets: an SCT list (the TLS
 * extension's bytes, the X.509 extension's, the OCSP extension's), a log list
 * file, a certificate whose TBS is re-encoded without its SCT extension (which
 * must then have none left), and a leaf whose SCTs are judged with the input as
 * the TLS-delivered and the OCSP lists too, against the built-in log list. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "tlsprobe/sct.h"
#include "tlsprobe/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tp_sct_list list;
    struct tp_bytes in = tp_bytes_make(data, size);
    if (tp_sct_list_parse(in, &list) == TP_OK) {
        if (list.n > TP_MAX_SCTS || list.n > list.n_total)
            abort();
        for (size_t i = 0; i < list.n; i++)
            if (list.sct[i].version == 0 && list.sct[i].log_id.len != 32)
                abort();
    }
    struct tp_bytes unwrapped;
    if (tp_sct_ext_unwrap(in, &unwrapped))
        (void)tp_sct_list_parse(unwrapped, &list);

    struct tp_ct_logs *logs = NULL;
    char err[160];
    if (tp_ct_logs_parse((const char *)data, size, &logs, err, sizeof err) == TP_OK) {
        for (size_t i = 0; i < tp_ct_logs_count(logs); i++)
            (void)tp_ct_logs_find(logs, data);
    }

    uint8_t *tbs = NULL, *again = NULL;
    size_t n = 0, n2 = 0;
    if (tp_sct_precert_tbs(data, size, &tbs, &n) == TP_OK) {
        /* the re-encoded TBS wrapped as a one-element SEQUENCE is a "certificate"
         * again: it must have no SCT extension left */
        uint8_t *wrap = malloc(n + 6);
        if (wrap) {
            size_t h = 0;
            wrap[h++] = 0x30;
            if (n < 0x80) {
                wrap[h++] = (uint8_t)n;
            } else {
                wrap[h++] = 0x83;
                wrap[h++] = (uint8_t)(n >> 16);
                wrap[h++] = (uint8_t)(n >> 8);
                wrap[h++] = (uint8_t)n;
            }
            for (size_t i = 0; i < n; i++)
                wrap[h + i] = tbs[i];
            if (n < 0x1000000 && tp_sct_precert_tbs(wrap, h + n, &again, &n2) == TP_OK)
                abort();
            free(again);
            free(wrap);
        }
        free(tbs);
    }

    struct tp_cert_info *leaf = NULL;
    if (tp_cert_parse(data, size, &leaf) == TP_OK) {
        struct tp_ct_input ci = { .leaf = leaf, .issuer = leaf, .tls_list = in, .ocsp_list = in, .logs = logs };
        struct tp_ct_result *r = tp_ct_judge(&ci);
        if (r && (r->n > TP_MAX_CT_SCTS || r->n_verified + r->n_bad + r->n_unknown > r->n))
            abort();
        free(r);
        tp_cert_free(leaf);
    }
    tp_ct_logs_free(logs);
    return 0;
}
