/* libFuzzer: one DER certificate through tp_cert_parse, name matching, rendering,
 * and a one-certificate path build (no store, no AIA: no network from a fuzzer). */
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/strbuf.h"
#include "tlsprobe/render.h"
#include "tlsprobe/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tp_cert_info *ci = NULL;
    if (tp_cert_parse(data, size, &ci) == TP_OK) {
        struct tp_sb sb;
        struct tp_render_opts o = { 0 };
        tp_sb_init(&sb);
        tp_render_cert_text(&sb, ci, &o, "");
        tp_render_cert_json(&sb, ci);
        tp_sb_free(&sb);
        (void)tp_cert_match_name(ci, "localhost");
        (void)tp_cert_match_name(ci, "::1");
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
