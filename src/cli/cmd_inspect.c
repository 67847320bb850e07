/* tlsprobe inspect FILE...: what is in certificate, key, CSR, CRL, PKCS#7 and
 * PKCS#12 files. Parse everything first (tp_file_read), pair keys with
 * certificates across all files of the call, then render. Never prints key material. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "tlsprobe/x509.h"

static int run(int argc, char **argv);

const struct tp_cli_cmd tp_cli_inspect = {
    .name = "inspect",
    .summary = "say what is in certificate, key, CSR, CRL and PKCS#12 files",
    .head = "usage: tlsprobe inspect [OPTIONS] FILE...\n"
            "\n"
            "Say what each file is and what is in it: PEM or DER; certificates and chains\n"
            "(in order, with \"issued by the next one\"), private and public keys (type, size,\n"
            "and which certificate of this call each key belongs to; key material is never\n"
            "printed), CSRs, CRLs, PKCS#7 bundles and PKCS#12 archives (recognised without\n"
            "their password). FILE '-' is standard input.\n"
            "\n",
    .foot = "With --format json: one JSON object per file per line.\n"
            "exit status: 0 every file was read, 2 a file is unreadable, empty, not one of\n"
            "these kinds, or holds a block that cannot be decoded (the others are still shown)\n",
    .opts = NULL, /* only the common ones (tail) */
    .n_opts = 0,
    .run = run,
    .tail = TP_TAIL_TJ,
};

static int run(int argc, char **argv)
{
    struct tp_cli_args args;
    int fin = tp_cli_options(&tp_cli_inspect, argc, argv, &args, NULL, NULL);
    if (fin >= 0)
        return fin;
    if (args.n_operand == 0)
        return tp_cli_usage_fail(&tp_cli_inspect, "give one or more files (or '-' for standard input)");
    struct tp_render_opts ro = tp_cli_render_opts(&args.com);
    size_t n = (size_t)args.n_operand;
    char **names = args.operand;
    struct tp_file **files = calloc(n, sizeof *files);
    enum tp_err *errs = calloc(n, sizeof *errs);
    if (!files || !errs) {
        free(files);
        free(errs);
        return tp_cli_fail("out of memory");
    }
    /* Parse everything first: keys are paired with the certificates of every file. */
    int status = TP_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        errs[i] = tp_cli_file_read(names[i], &files[i]);
        if (!files[i] || errs[i] != TP_OK) {
            status = tp_cli_fail("%s: %s", names[i],
                                 files[i] && files[i]->error[0] ? files[i]->error : tp_err_text(errs[i]));
            continue;
        }
        for (size_t j = 0; j < files[i]->n_objs; j++)
            if (files[i]->objs[j].problem)
                status = tp_cli_fail("%s: object %zu (%s): %s", names[i], j + 1, files[i]->objs[j].pem_label,
                                     files[i]->objs[j].problem);
    }
    struct tp_sb out;
    tp_sb_init(&out);
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (!files[i] || (ro.format != TP_FMT_JSON && errs[i] != TP_OK))
            continue;
        if (ro.format != TP_FMT_JSON && !first)
            tp_sb_putc(&out, '\n');
        tp_render_file(&out, files, n, i, errs[i], &ro);
        first = false;
        tp_cli_print(&out);
        tp_sb_reset(&out);
    }
    tp_sb_free(&out);
    for (size_t i = 0; i < n; i++)
        tp_file_free(files[i]);
    free(files);
    free(errs);
    return status;
}
