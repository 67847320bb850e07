/* Our own identity for connect --cert / listen --cert: certificates from PEM,
 * DER or PKCS#12 (told apart by content, tp_file_read), the key from the
 * archive or from --key (clear or encrypted PEM/DER), opened with --pass; the
 * key must belong to the first certificate (compared by public key: this
 * wolfSSL's own check accepts any P-256 key for a P-256 certificate). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "tlsprobe/pkcs12.h"
#include "x509_int.h"

static enum tp_err fail(char *err, size_t errlen, enum tp_err e, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum tp_err fail(char *err, size_t errlen, enum tp_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return e;
}

/* Read and open one file; a message names it and what it was for. */
static enum tp_err read_open(const char *what, const char *path, const struct tp_secret *pass, struct tp_file **out,
                             char *err, size_t errlen)
{
    struct stat st;
    *out = NULL;
    if (stat(path, &st) != 0)
        return fail(err, errlen, TP_ERR_IO, "cannot read %s '%s': %s", what, path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(err, errlen, TP_ERR_IO, "%s '%s' is not a regular file", what, path);
    enum tp_err e = tp_file_read(path, out);
    if (!*out)
        return fail(err, errlen, e, "cannot read %s '%s': %s", what, path, tp_err_text(e));
    if (e != TP_OK)
        return fail(err, errlen, e, "'%s' holds no usable %s (%s)", path, strcmp(what, "key") ? what : "private key",
                    (*out)->error);
    char line[512];
    e = tp_file_open_secrets(*out, pass, line, sizeof line);
    if (e != TP_OK)
        return fail(err, errlen, e, "%s", line);
    return TP_OK;
}

/* An archive that did not open without a password is an error here. */
static enum tp_err p12_opened(const struct tp_file *f, char *err, size_t errlen)
{
    for (size_t i = 0; i < f->n_objs; i++)
        if (f->objs[i].kind == TP_OBJ_PKCS12 && f->objs[i].p12 && f->objs[i].p12->status == TP_P12_NEEDS_PASSWORD)
            return fail(err, errlen, TP_ERR_USAGE, "%s: %s", f->path, f->objs[i].p12->why);
    return TP_OK;
}

static const struct tp_file_obj *first_key(const struct tp_file *f)
{
    for (size_t i = 0; f && i < f->n_objs; i++)
        if (f->objs[i].kind == TP_OBJ_PRIVATE_KEY)
            return &f->objs[i];
    return NULL;
}

static bool has_p12(const struct tp_file *f)
{
    for (size_t i = 0; i < f->n_objs; i++)
        if (f->objs[i].kind == TP_OBJ_PKCS12)
            return true;
    return false;
}

/* The certificate of f to serve first: in an archive the one whose public key
 * is the key's (it may list its CA certificates before the leaf), else the first. */
static size_t leaf_of(const struct tp_file *f, const struct tp_file_obj *key, bool p12)
{
    for (size_t i = 0; i < f->n_objs; i++) {
        const struct tp_file_obj *o = &f->objs[i];
        if (o->kind != TP_OBJ_CERTIFICATE)
            continue;
        if (!p12 || !key->has_pub_sha256 || (o->has_pub_sha256 && !memcmp(o->pub_sha256, key->pub_sha256, 32)))
            return i;
    }
    return f->n_objs;
}

/* Certificates of f as PEM, `first` (if any) first, then the others in file order. */
static size_t put_certs(struct tp_sb *pem, const struct tp_file *f, size_t first)
{
    size_t n = 0;
    if (first < f->n_objs) {
        tp_pem_encode(pem, "CERTIFICATE", f->objs[first].der, f->objs[first].der_len);
        n++;
    }
    for (size_t i = 0; i < f->n_objs; i++)
        if (i != first && f->objs[i].kind == TP_OBJ_CERTIFICATE) {
            tp_pem_encode(pem, "CERTIFICATE", f->objs[i].der, f->objs[i].der_len);
            n++;
        }
    return n;
}

static enum tp_err take_key(const struct tp_file_obj *k, const char *path, struct tp_identity *out, char *err,
                            size_t errlen)
{
    if (k->key_encrypted && !k->key_decrypted)
        return fail(err, errlen, TP_ERR_USAGE, "the key in '%s' is encrypted: give its password with --pass SPEC", path);
    const uint8_t *d = k->key_decrypted ? k->key_der : k->der;
    size_t n = k->key_decrypted ? k->key_der_len : k->der_len;
    out->key_der = malloc(n ? n : 1);
    if (!out->key_der)
        return TP_ERR_NOMEM;
    memcpy(out->key_der, d, n);
    out->key_der_len = n;
    return TP_OK;
}

static enum tp_err load(const char *cert_path, const char *key_path, const char *chain_path,
                        const struct tp_secret *pass, struct tp_identity *out, struct tp_file **files, char *err,
                        size_t errlen)
{
    enum tp_err e = read_open("certificate", cert_path, pass, &files[0], err, errlen);
    if (e != TP_OK)
        return e;
    if ((e = p12_opened(files[0], err, errlen)) != TP_OK)
        return e;
    bool p12 = has_p12(files[0]);
    if (p12 && key_path)
        return fail(err, errlen, TP_ERR_USAGE, "'%s' is a PKCS#12 archive with its own key: drop --key", cert_path);
    if (!p12 && !key_path && !first_key(files[0]))
        return fail(err, errlen, TP_ERR_USAGE, "--cert needs --key too");
    if (key_path && (e = read_open("key", key_path, pass, &files[1], err, errlen)) != TP_OK)
        return e;
    if (chain_path && (e = read_open("chain", chain_path, pass, &files[2], err, errlen)) != TP_OK)
        return e;
    const char *kpath = key_path ? key_path : cert_path;
    const struct tp_file_obj *key = first_key(key_path ? files[1] : files[0]);
    if (!key)
        return fail(err, errlen, TP_ERR_USAGE, "'%s' holds no usable private key (PEM, DER or PKCS#12 expected)", kpath);
    size_t leaf = leaf_of(files[0], key, p12);
    if (leaf == files[0]->n_objs)
        return fail(err, errlen, TP_ERR_USAGE, "'%s' holds no usable certificate (PEM, DER or PKCS#12 expected)",
                    cert_path);
    const struct tp_file_obj *lo = &files[0]->objs[leaf];
    if (key->has_pub_sha256 && (!lo->has_pub_sha256 || memcmp(lo->pub_sha256, key->pub_sha256, 32)))
        return fail(err, errlen, TP_ERR_USAGE, "the key in '%s' does not match the certificate in '%s'", kpath,
                    cert_path);
    struct tp_sb pem;
    tp_sb_init(&pem);
    out->n_certs = put_certs(&pem, files[0], leaf);
    if (files[2])
        out->n_certs += put_certs(&pem, files[2], files[2]->n_objs);
    if (pem.oom || pem.truncated) {
        tp_sb_free(&pem);
        return TP_ERR_NOMEM;
    }
    out->chain_pem_len = pem.len;
    out->chain_pem = (uint8_t *)tp_sb_take(&pem);
    return take_key(key, kpath, out, err, errlen);
}

enum tp_err tp_identity_load(const char *cert_path, const char *key_path, const char *chain_path,
                             const struct tp_secret *pass, struct tp_identity *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (err && errlen)
        err[0] = '\0';
    struct tp_file *files[3] = { NULL, NULL, NULL };
    enum tp_err e = load(cert_path, key_path, chain_path, pass, out, files, err, errlen);
    for (size_t i = 0; i < 3; i++)
        tp_file_free(files[i]);
    if (e != TP_OK) {
        if (!err[0])
            snprintf(err, errlen, "%s", tp_err_text(e));
        tp_identity_free(out);
    }
    return e;
}

void tp_identity_free(struct tp_identity *id)
{
    if (!id)
        return;
    free(id->chain_pem);
    if (id->key_der) {
        explicit_bzero(id->key_der, id->key_der_len);
        free(id->key_der);
    }
    memset(id, 0, sizeof *id);
}
