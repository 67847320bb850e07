/* libFuzzer: inspect's file reader (PEM blocks, DER sniffing of every kind),
 * from memory and, every other input, as a file (tp_file_read through a memfd:
 * the size cap and the slurp loop). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
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
    static int fd = -1;
    static char path[64];
    if (size && (data[0] & 1)) {
        if (fd < 0 && (fd = memfd_create("fuzz-file", 0)) >= 0)
            snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        if (fd >= 0 && ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size) {
            f = NULL;
            (void)tp_file_read(path, &f);
            tp_file_free(f);
        }
    }
    return 0;
}
