/* tlsprobe inspect FILE...: what is in certificate, key, CSR, CRL, PKCS#7 and
 * PKCS#12 files. Parse everything first (tp_file_read), pair keys with
 * certificates across all files of the call, then render. Never prints key material. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "tlsprobe/pkcs12.h"
#include "tlsprobe/truststores.h"
#include "tlsprobe/x509.h"

static int run(int argc, char **argv);

static const struct tp_cli_opt opts[] = {
    TP_ROW_PASS("password of PKCS#12 files and encrypted private keys:\n"
                "pass:TEXT, env:VAR, file:PATH, fd:N or stdin"),
};

const struct tp_cli_cmd tp_cli_inspect = {
    .name = "inspect",
    .summary = "say what is in certificate, key, CSR, CRL and PKCS#12 files",
    .head = "usage: tlsprobe inspect [OPTIONS] FILE...\n"
            "\n"
            "Say what each file is and what is in it: PEM or DER; certificates and chains\n"
            "(in order, with \"issued by the next one\"), private and public keys (type, size,\n"
            "and which certificate of this call each key belongs to; key material is never\n"
            "printed), CSRs, CRLs, PKCS#7 bundles and PKCS#12 archives: their MAC and the\n"
            "encryption of each safe and key (legacy RC2/3DES/SHA-1 flagged), friendly names\n"
            "and local key ids, and with --pass the certificates and the key inside; --pass\n"
            "also opens encrypted PEM keys. FILE '-' is standard input.\n"
            "\n",
    .foot = "With --format json: one JSON object per file per line.\n"
            "exit status: 0 every file was read, 2 a file is unreadable, empty, not one of\n"
            "these kinds, holds a block that cannot be decoded, or a PKCS#12 file or key that\n"
            "the --pass given or this wolfSSL build cannot open (the others are still shown)\n",
    TP_CLI_OPTS(opts),
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
    size_t n = (size_t)args.n_operand;
    char **names = args.operand;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], "-") && tp_pass_uses_stdin(tp_cli_pass_spec(&args)))
            return tp_cli_usage_fail(&tp_cli_inspect, "--pass stdin and FILE '-' both want standard input");
    struct tp_secret pass;
    if ((fin = tp_cli_pass(&args, &pass)) >= 0)
        return fin;
    struct tp_render_opts ro = tp_cli_render_opts(&args.com);
    /* which public trust stores hold each CA certificate (docs/trust-stores.md);
     * not shown without the data file */
    struct tp_trust_db *trust_db = NULL;
    char terr[256];
    if (tp_trust_db_load_default(&trust_db, terr, sizeof terr) != TP_OK)
        trust_db = NULL;
    ro.trust_db = trust_db;
    struct tp_file **files = calloc(n, sizeof *files);
    enum tp_err *errs = calloc(n, sizeof *errs);
    if (!files || !errs) {
        free(files);
        free(errs);
        tp_secret_wipe(&pass);
        tp_trust_db_free(trust_db);
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
        char line[512];
        if (tp_file_open_secrets(files[i], pass.text ? &pass : NULL, line, sizeof line) != TP_OK)
            status = tp_cli_fail("%s", line);
        for (size_t j = 0; j < files[i]->n_objs; j++)
            if (files[i]->objs[j].problem)
                status = tp_cli_fail("%s: object %zu (%s): %s", names[i], j + 1, files[i]->objs[j].pem_label,
                                     files[i]->objs[j].problem);
    }
    tp_secret_wipe(&pass);
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
    tp_trust_db_free(trust_db);
    for (size_t i = 0; i < n; i++)
        tp_file_free(files[i]);
    free(files);
    free(errs);
    return status;
}
