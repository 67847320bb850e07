/* libFuzzer: the PKCS#12 walker (x509/p12.c) without a password and with the
 * seeds' "x" (so the bags behind the MAC and the decryption are reached), then
 * inspect's path over the same bytes: tp_file_parse, tp_file_open_secrets (the
 * archive's certificates and key become objects) and both renderings. Seeds:
 * tests/fuzz/make_pkcs12_seeds.sh (one iteration each, to stay fast). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "tlsprobe/pkcs12.h"
#include "tlsprobe/render.h"
#include "tlsprobe/strbuf.h"
#include "tlsprobe/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char pw[] = "x";
    struct tp_secret pass = { pw, 1 };
    struct tp_p12 *p = NULL;
    if (tp_p12_walk(data, size, NULL, &p) == TP_OK)
        tp_p12_free(p);
    p = NULL;
    if (tp_p12_walk(data, size, &pass, &p) == TP_OK)
        tp_p12_free(p);
    struct tp_file *f = NULL;
    if (tp_file_parse("fuzz.p12", data, size, &f) == TP_OK) {
        char err[256];
        (void)tp_file_open_secrets(f, &pass, err, sizeof err);
        struct tp_sb sb;
        struct tp_render_opts o = { 0 };
        tp_sb_init(&sb);
        tp_render_file(&sb, &f, 1, 0, TP_OK, &o);
        o.format = TP_FMT_JSON;
        tp_render_file(&sb, &f, 1, 0, TP_OK, &o);
        tp_sb_free(&sb);
    }
    tp_file_free(f);
    return 0;
}
