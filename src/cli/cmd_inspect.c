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

static const struct tp_cli_opt opts[] = {
    TP_ROW_FORMAT_TJ,
    TP_ROW_NO_COLOR,
    TP_ROW_HELP,
    TP_ROW_VERSION,
};

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
    .opts = opts,
    .n_opts = TP_CLI_N(opts),
    .run = run,
};

static const char *kind_name(enum tp_obj_kind k)
{
    switch (k) {
    case TP_OBJ_CERTIFICATE: return "certificate";
    case TP_OBJ_PRIVATE_KEY: return "private-key";
    case TP_OBJ_PUBLIC_KEY: return "public-key";
    case TP_OBJ_CSR: return "csr";
    case TP_OBJ_CRL: return "crl";
    case TP_OBJ_PKCS12: return "pkcs12";
    case TP_OBJ_PKCS7: return "pkcs7";
    default: return "unknown";
    }
}

static const char *kind_text(const struct tp_file_obj *o)
{
    switch (o->kind) {
    case TP_OBJ_CERTIFICATE: return "certificate";
    case TP_OBJ_PRIVATE_KEY: return "private key";
    case TP_OBJ_PUBLIC_KEY: return "public key";
    case TP_OBJ_CSR: return "certificate signing request (PKCS#10)";
    case TP_OBJ_CRL: return "certificate revocation list";
    case TP_OBJ_PKCS12: return "PKCS#12 archive (.p12/.pfx)";
    case TP_OBJ_PKCS7: return "PKCS#7 bundle";
    default: return "unknown object";
    }
}

/* Key format from the PEM label (or DER structure). */
static const char *key_format(const struct tp_file_obj *o)
{
    if (!strcmp(o->pem_label, "EC PRIVATE KEY")) return "SEC1";
    if (!strcmp(o->pem_label, "RSA PRIVATE KEY")) return o->key_encrypted ? "PKCS#1, legacy PEM encryption" : "PKCS#1";
    if (!strcmp(o->pem_label, "ENCRYPTED PRIVATE KEY")) return "encrypted PKCS#8";
    if (!strcmp(o->pem_label, "PRIVATE KEY")) return "PKCS#8";
    if (!strcmp(o->pem_label, "PUBLIC KEY")) return "SubjectPublicKeyInfo";
    if (!strcmp(o->pem_label, "RSA PUBLIC KEY")) return "PKCS#1";
    return o->pem ? o->pem_label : "DER";
}

/* What the whole file is. */
static const char *file_kind(const struct tp_file *f)
{
    size_t certs = 0;
    enum tp_obj_kind k = TP_OBJ_UNKNOWN;
    bool mixed = false;
    for (size_t i = 0; i < f->n_objs; i++) {
        enum tp_obj_kind ok = f->objs[i].kind;
        if (ok == TP_OBJ_PKCS7)
            return "pkcs7";
        if (ok == TP_OBJ_CERTIFICATE)
            certs++;
        if (i && ok != k)
            mixed = true;
        k = ok;
    }
    if (mixed)
        return "mixed";
    if (k == TP_OBJ_CERTIFICATE && certs > 1)
        return "chain";
    return kind_name(k);
}

struct certref {
    const struct tp_file *file;
    size_t obj;      /* index in file->objs */
    size_t number;   /* 1-based among the certificates of that file */
};

struct ctx {
    struct tp_file **files;
    size_t n_files;
    struct certref *certs;
    size_t n_certs;
};

static void collect_certs(struct ctx *c)
{
    for (size_t i = 0; i < c->n_files; i++) {
        size_t num = 0;
        for (size_t j = 0; c->files[i] && j < c->files[i]->n_objs; j++)
            if (c->files[i]->objs[j].kind == TP_OBJ_CERTIFICATE) {
                struct certref *g = realloc(c->certs, (c->n_certs + 1) * sizeof *g);
                if (!g)
                    return;
                c->certs = g;
                c->certs[c->n_certs++] = (struct certref){ c->files[i], j, ++num };
            }
    }
}

/* Next certificate in the same file (bundles read in order). */
static const struct tp_file_obj *next_cert(const struct tp_file *f, size_t j)
{
    for (size_t k = j + 1; k < f->n_objs; k++)
        if (f->objs[k].kind == TP_OBJ_CERTIFICATE)
            return &f->objs[k];
    return NULL;
}

static void text_matches(struct tp_sb *out, const struct ctx *c, const struct tp_file_obj *o, const char *ind)
{
    size_t start = out->len;
    tp_sb_printf(out, "%smatches", ind);
    tp_sb_pad(out, start, strlen(ind) + 16);
    if (!o->has_pub_sha256) {
        tp_sb_put(out, o->key_encrypted ? "unknown (the key is encrypted)\n" : "unknown\n");
        return;
    }
    bool any = false;
    for (size_t i = 0; i < c->n_certs; i++) {
        const struct tp_file_obj *co = &c->certs[i].file->objs[c->certs[i].obj];
        if (co->has_pub_sha256 && !memcmp(co->pub_sha256, o->pub_sha256, 32)) {
            tp_sb_printf(out, "%scertificate %zu in ", any ? "; " : "", c->certs[i].number);
            tp_sb_put_escaped(out, (const uint8_t *)c->certs[i].file->path, strlen(c->certs[i].file->path));
            tp_sb_put(out, " (");
            tp_sb_put_escaped(out, (const uint8_t *)co->cert->subject, strlen(co->cert->subject));
            tp_sb_putc(out, ')');
            any = true;
        }
    }
    tp_sb_put(out, any ? "\n" : "no certificate given in this call\n");
}

static void text_row(struct tp_sb *out, const char *ind, const char *name)
{
    size_t start = out->len;
    tp_sb_printf(out, "%s%s", ind, name);
    tp_sb_pad(out, start, strlen(ind) + 16);
}

static void text_file(struct tp_sb *out, const struct ctx *c, const struct tp_file *f, const struct tp_render_opts *ro)
{
    const char *ind = "    ";
    tp_sb_printf(out, "%s", tp_c_bold(ro));
    tp_sb_put_escaped(out, (const uint8_t *)f->path, strlen(f->path));
    size_t ncert = 0;
    for (size_t j = 0; j < f->n_objs; j++)
        ncert += f->objs[j].kind == TP_OBJ_CERTIFICATE;
    tp_sb_printf(out, "%s: %s, %zu object%s", tp_c_reset(ro), f->pem ? "PEM" : "DER", f->n_objs,
                 f->n_objs == 1 ? "" : "s");
    if (ncert > 1)
        tp_sb_printf(out, " (a bundle of %zu certificates, shown in order)", ncert);
    tp_sb_putc(out, '\n');
    for (size_t j = 0; j < f->n_objs; j++) {
        const struct tp_file_obj *o = &f->objs[j];
        tp_sb_printf(out, "  [%zu] %s%s%s", j + 1, tp_c_bold(ro), kind_text(o), tp_c_reset(ro));
        if (o->pem && o->pem_label[0])
            tp_sb_printf(out, " (%s)", o->pem_label);
        tp_sb_putc(out, '\n');
        switch (o->kind) {
        case TP_OBJ_CERTIFICATE: {
            tp_render_cert_text(out, o->cert, ro, ind);
            const struct tp_file_obj *nx = next_cert(f, j);
            if (nx) {
                bool yes = tp_cert_issued_by(o->cert, nx->cert);
                bool reversed = !yes && tp_cert_issued_by(nx->cert, o->cert);
                tp_sb_printf(out, "%sissued by the next one: %s%s%s\n", ind, yes ? tp_c_green(ro) : tp_c_red(ro),
                             yes ? "yes"
                             : reversed ? "no, the other way round: this one issued the next (order reversed: "
                                          "the leaf comes first, then its issuer)"
                                        : "no (the next certificate did not sign this one)",
                             tp_c_reset(ro));
            } else if (ncert > 1) {
                tp_sb_printf(out, "%s%s\n", ind, o->cert->self_signed ? "last in the bundle (a self-signed root)"
                                                                       : "last in the bundle");
            }
            break;
        }
        case TP_OBJ_PRIVATE_KEY:
        case TP_OBJ_PUBLIC_KEY:
            text_row(out, ind, "key");
            tp_sb_printf(out, "%s\n", o->key_desc[0] ? o->key_desc : "unknown type");
            text_row(out, ind, "format");
            tp_sb_printf(out, "%s\n", key_format(o));
            if (o->kind == TP_OBJ_PRIVATE_KEY) {
                text_row(out, ind, "encrypted");
                tp_sb_put(out, o->key_encrypted ? "yes (needs its passphrase)\n" : "no\n");
            }
            text_matches(out, c, o, ind);
            break;
        case TP_OBJ_CSR:
            text_row(out, ind, "subject");
            tp_sb_put_escaped(out, (const uint8_t *)o->csr_subject, strlen(o->csr_subject));
            tp_sb_putc(out, '\n');
            text_row(out, ind, "names");
            if (!o->csr_n_san)
                tp_sb_put(out, "(no subjectAltName requested)");
            for (size_t k = 0; k < o->csr_n_san; k++) {
                static const char *const pre[] = { "DNS:", "IP:", "email:", "URI:", "" };
                tp_sb_printf(out, "%s%s", k ? ", " : "", pre[o->csr_san[k].type]);
                tp_sb_put_escaped(out, (const uint8_t *)o->csr_san[k].value, o->csr_san[k].value_len);
            }
            tp_sb_putc(out, '\n');
            text_row(out, ind, "key");
            tp_sb_printf(out, "%s\n", o->key_desc);
            text_matches(out, c, o, ind);
            break;
        case TP_OBJ_CRL: {
            char t1[32], t2[32];
            struct tm tm;
            gmtime_r(&o->crl_this_update, &tm);
            strftime(t1, sizeof t1, "%Y-%m-%d %H:%M:%S UTC", &tm);
            gmtime_r(&o->crl_next_update, &tm);
            strftime(t2, sizeof t2, "%Y-%m-%d %H:%M:%S UTC", &tm);
            text_row(out, ind, "issuer");
            tp_sb_put_escaped(out, (const uint8_t *)o->crl_issuer, strlen(o->crl_issuer));
            tp_sb_putc(out, '\n');
            text_row(out, ind, "this update");
            tp_sb_printf(out, "%s\n", t1);
            text_row(out, ind, "next update");
            if (o->crl_next_update)
                tp_sb_printf(out, "%s%s\n", t2, o->crl_next_update < time(NULL) ? "  (stale: past its next update)" : "");
            else
                tp_sb_put(out, "(none)\n");
            text_row(out, ind, "revoked");
            tp_sb_printf(out, "%zu certificate%s\n", o->crl_n_revoked, o->crl_n_revoked == 1 ? "" : "s");
            break;
        }
        case TP_OBJ_PKCS12:
            tp_sb_printf(out, "%scertificates and private keys in one password-protected file; it needs a\n"
                              "%spassword to open, tlsprobe only recognises it. To see inside:\n"
                              "%s  openssl pkcs12 -in ", ind, ind, ind);
            tp_sb_put_escaped(out, (const uint8_t *)f->path, strlen(f->path));
            tp_sb_put(out, " -info -nokeys\n");
            break;
        case TP_OBJ_PKCS7: {
            size_t k = 0;
            for (size_t m = j + 1; m < f->n_objs && !strcmp(f->objs[m].pem_label, "PKCS7 certificate"); m++)
                k++;
            tp_sb_printf(out, "%s%zu certificate%s inside, shown next\n", ind, k, k == 1 ? "" : "s");
            break;
        }
        default:
            tp_sb_printf(out, "%s", ind);
            if (o->problem)
                tp_sb_printf(out, "%scannot be used: %s%s\n", tp_c_red(ro), o->problem, tp_c_reset(ro));
            else
                tp_sb_put(out, "not a certificate, key, CSR, CRL, PKCS#7 or PKCS#12 block\n");
            break;
        }
    }
}

static void json_file(struct tp_sb *out, const struct ctx *c, const struct tp_file *f, enum tp_err err)
{
    tp_sb_put(out, "{\"file\":");
    tp_sb_put_json_str(out, f->path);
    if (err != TP_OK) {
        tp_sb_put(out, ",\"kind\":\"unreadable\",\"error\":");
        tp_sb_put_json_str(out, f->error[0] ? f->error : tp_err_text(err));
        tp_sb_put(out, "}\n");
        return;
    }
    tp_sb_printf(out, ",\"kind\":\"%s\",\"format\":\"%s\",\"size\":%zu,\"objects\":[", file_kind(f),
                 f->pem ? "PEM" : "DER", f->size);
    for (size_t j = 0; j < f->n_objs; j++) {
        const struct tp_file_obj *o = &f->objs[j];
        tp_sb_printf(out, "%s{\"kind\":\"%s\",\"pem_label\":", j ? "," : "", kind_name(o->kind));
        if (o->pem)
            tp_sb_put_json_str(out, o->pem_label);
        else
            tp_sb_put(out, "null");
        switch (o->kind) {
        case TP_OBJ_CERTIFICATE: {
            tp_sb_put(out, ",\"certificate\":");
            tp_render_cert_json(out, o->cert);
            const struct tp_file_obj *nx = next_cert(f, j);
            tp_sb_put(out, ",\"issued_by_next\":");
            tp_sb_put(out, nx ? (tp_cert_issued_by(o->cert, nx->cert) ? "true" : "false") : "null");
            break;
        }
        case TP_OBJ_PRIVATE_KEY:
        case TP_OBJ_PUBLIC_KEY:
        case TP_OBJ_CSR: {
            tp_sb_put(out, ",\"key\":");
            tp_sb_put_json_str(out, o->key_desc);
            tp_sb_printf(out, ",\"key_bits\":%d,\"format\":", o->key_bits);
            tp_sb_put_json_str(out, key_format(o));
            if (o->kind == TP_OBJ_PRIVATE_KEY)
                tp_sb_printf(out, ",\"encrypted\":%s", o->key_encrypted ? "true" : "false");
            if (o->kind == TP_OBJ_CSR) {
                tp_sb_put(out, ",\"subject\":");
                tp_sb_put_json_str(out, o->csr_subject);
                tp_sb_put(out, ",\"san\":[");
                for (size_t k = 0; k < o->csr_n_san; k++) {
                    static const char *const pre[] = { "DNS:", "IP:", "email:", "URI:", "" };
                    struct tp_sb v;
                    tp_sb_init(&v);
                    tp_sb_put(&v, pre[o->csr_san[k].type]);
                    tp_sb_putn(&v, o->csr_san[k].value, o->csr_san[k].value_len);
                    tp_sb_put(out, k ? "," : "");
                    tp_sb_put_json(out, (const uint8_t *)v.buf, v.len);
                    tp_sb_free(&v);
                }
                tp_sb_putc(out, ']');
            }
            tp_sb_put(out, ",\"public_key_sha256\":");
            if (o->has_pub_sha256) {
                tp_sb_putc(out, '"');
                tp_sb_put_hex(out, o->pub_sha256, 32, 0);
                tp_sb_putc(out, '"');
            } else {
                tp_sb_put(out, "null");
            }
            tp_sb_put(out, ",\"matches\":[");
            bool any = false;
            for (size_t i = 0; o->has_pub_sha256 && i < c->n_certs; i++) {
                const struct tp_file_obj *co = &c->certs[i].file->objs[c->certs[i].obj];
                if (co->has_pub_sha256 && !memcmp(co->pub_sha256, o->pub_sha256, 32)) {
                    tp_sb_put(out, any ? ",{\"file\":" : "{\"file\":");
                    tp_sb_put_json_str(out, c->certs[i].file->path);
                    tp_sb_printf(out, ",\"certificate\":%zu}", c->certs[i].number);
                    any = true;
                }
            }
            tp_sb_putc(out, ']');
            break;
        }
        case TP_OBJ_CRL:
            tp_sb_put(out, ",\"issuer\":");
            tp_sb_put_json_str(out, o->crl_issuer);
            tp_sb_printf(out, ",\"this_update\":%lld,\"next_update\":", (long long)o->crl_this_update);
            if (o->crl_next_update)
                tp_sb_printf(out, "%lld", (long long)o->crl_next_update);
            else
                tp_sb_put(out, "null");
            tp_sb_printf(out, ",\"revoked\":%zu", o->crl_n_revoked);
            break;
        case TP_OBJ_PKCS12:
            tp_sb_put(out, ",\"needs_password\":true");
            break;
        default:
            break;
        }
        if (o->problem) {
            tp_sb_put(out, ",\"problem\":");
            tp_sb_put_json_str(out, o->problem);
        }
        tp_sb_putc(out, '}');
    }
    tp_sb_put(out, "]}\n");
}

static int run(int argc, char **argv)
{
    struct tp_cli_args args;
    int fin = tp_cli_parse(&tp_cli_inspect, argc, argv, &args);
    if (fin >= 0)
        return fin;
    struct tp_cli_common common = args.com;
    if (args.n_operand == 0)
        return tp_cli_usage_fail(&tp_cli_inspect, "give one or more files (or '-' for standard input)");
    int arg0 = 0;
    argc = args.n_operand;
    argv = args.operand;
    struct tp_render_opts ro = tp_cli_render_opts(&common);
    struct ctx c = { 0 };
    c.n_files = (size_t)(argc - arg0);
    c.files = calloc(c.n_files, sizeof *c.files);
    enum tp_err *errs = calloc(c.n_files, sizeof *errs);
    if (!c.files || !errs) {
        free(c.files);
        free(errs);
        return tp_cli_fail("out of memory");
    }
    int status = TP_EXIT_OK;
    for (size_t i = 0; i < c.n_files; i++) {
        errs[i] = tp_cli_file_read(argv[arg0 + (int)i], &c.files[i]);
        if (!c.files[i]) {
            status = tp_cli_fail("%s: %s", argv[arg0 + (int)i], tp_err_text(errs[i]));
            continue;
        }
        if (errs[i] != TP_OK) {
            status = tp_cli_fail("%s: %s", argv[arg0 + (int)i], c.files[i]->error[0] ? c.files[i]->error
                                                                                        : tp_err_text(errs[i]));
            continue;
        }
        for (size_t j = 0; j < c.files[i]->n_objs; j++)
            if (c.files[i]->objs[j].problem)
                status = tp_cli_fail("%s: object %zu (%s): %s", argv[arg0 + (int)i], j + 1,
                                     c.files[i]->objs[j].pem_label, c.files[i]->objs[j].problem);
    }
    collect_certs(&c);
    struct tp_sb out;
    tp_sb_init(&out);
    bool first = true;
    for (size_t i = 0; i < c.n_files; i++) {
        if (!c.files[i])
            continue;
        if (ro.format == TP_FMT_JSON) {
            json_file(&out, &c, c.files[i], errs[i]);
        } else if (errs[i] == TP_OK) {
            if (!first)
                tp_sb_putc(&out, '\n');
            text_file(&out, &c, c.files[i], &ro);
            tp_render_fold(&out, 0, ro.width);
            first = false;
        }
        tp_cli_print(&out);
        tp_sb_reset(&out);
    }
    tp_sb_free(&out);
    for (size_t i = 0; i < c.n_files; i++)
        tp_file_free(c.files[i]);
    free(c.files);
    free(c.certs);
    free(errs);
    return status;
}
