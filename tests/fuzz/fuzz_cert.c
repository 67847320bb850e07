/* libFuzzer: one DER certificate through tp_cert_parse, name matching (DNS,
 * wildcard-shaped, IPv4, IPv6, odd names), rendering, its signature checked
 * against the fixtures' intermediate (RSA) and root (ECDSA) and the other way
 * round, and a one-certificate path build (no store, no AIA: no network from a
 * fuzzer). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "tlsprobe/strbuf.h"
#include "tlsprobe/render.h"
#include "tlsprobe/x509.h"
#include "fuzz_cert_issuers.inc"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tp_cert_info *ci = NULL;
    char ja4x[40]; /* from the DER alone, whether or not it summarises */
    (void)tp_cert_ja4x(data, size, ja4x);
    if (tp_cert_parse(data, size, &ci) == TP_OK) {
        struct tp_sb sb;
        struct tp_render_opts o = { 0 };
        tp_sb_init(&sb);
        tp_render_cert_text(&sb, ci, &o, "");
        tp_render_cert_json(&sb, ci);
        tp_sb_free(&sb);
        static const char *const names[] = { "localhost", "::1", "127.0.0.1", "www.example.com",
                                             "a.b.example.com", "LOCALHOST.", "xn--bcher-kva.example",
                                             "10.1.2.3", "2001:db8::1", "", "*.example.com", "api.corp.example" };
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            (void)tp_cert_match_name(ci, names[i]);
        static struct tp_cert_info *issuer[2];
        static int loaded;
        if (!loaded) {
            loaded = 1;
            if (tp_cert_parse(fuzz_issuer_int, sizeof fuzz_issuer_int, &issuer[0]) != TP_OK ||
                tp_cert_parse(fuzz_issuer_root, sizeof fuzz_issuer_root, &issuer[1]) != TP_OK)
                abort();
        }
        for (int i = 0; i < 2; i++) {
            (void)tp_cert_issued_by(ci, issuer[i]);
            (void)tp_cert_issued_by(issuer[i], ci);
        }
        (void)tp_cert_issued_by(ci, ci);
        uint8_t h[32];
        (void)tp_cert_pub_sha256(ci, h);
        (void)tp_cert_days_left(ci, 0);
        tp_cert_free(ci);
    }
    struct tp_bytes chain[2] = { { data, size }, { data, size } };
    struct tp_verify_opts vo = { .host = "localhost" };
    struct tp_verify_result *res = NULL;
    if (tp_chain_verify(chain, 2, &vo, &res) == TP_OK) {
    }
    tp_verify_result_free(res);
    return 0;
}
