/* libFuzzer: inspect's file reader (PEM blocks, DER sniffing of every kind). */
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/strbuf.h"
#include "tlsprobe/render.h"
#include "tlsprobe/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tp_file *f = NULL;
    if (tp_file_parse("fuzz", data, size, &f) == TP_OK) {
        struct tp_sb sb;
        struct tp_render_opts o = { 0 };
        tp_sb_init(&sb);
        for (size_t i = 0; i < f->n_objs; i++) {
            const struct tp_file_obj *ob = &f->objs[i];
            if (ob->cert) {
                tp_render_cert_text(&sb, ob->cert, &o, "  ");
                tp_render_cert_json(&sb, ob->cert);
                (void)tp_cert_match_name(ob->cert, "a.example.com");
                (void)tp_cert_match_name(ob->cert, "192.0.2.1");
                if (i + 1 < f->n_objs && f->objs[i + 1].cert)
                    (void)tp_cert_issued_by(ob->cert, f->objs[i + 1].cert);
            }
        }
        tp_sb_free(&sb);
    }
    tp_file_free(f);
    return 0;
}
