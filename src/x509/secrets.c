/* Opening what a password protects in a file read by tp_file_read: PKCS#12
 * archives (p12.c walks them; their certificates and key become objects of the
 * file) and encrypted PEM private keys (PKCS#8 "ENCRYPTED PRIVATE KEY" and the
 * legacy "Proc-Type: 4,ENCRYPTED"), decrypted by wolfCrypt. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/pkcs12.h"
#include "x509_int.h"

static void say(char *err, size_t errlen, enum tp_err *first, enum tp_err e, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void say(char *err, size_t errlen, enum tp_err *first, enum tp_err e, const char *fmt, ...)
{
    if (*first != TP_OK)
        return;
    *first = e;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The key's description and public key from its clear DER (label: how a PEM
 * block of it would be labelled); o keeps the DER in key_der. */
static enum tp_err key_opened(struct tp_file_obj *o, uint8_t *clear, size_t n, const char *label)
{
    struct tp_file *tmp = calloc(1, sizeof *tmp);
    if (!tmp)
        return TP_ERR_NOMEM;
    enum tp_err e = file_append_der(tmp, clear, n, label, label);
    if (e == TP_OK && tmp->n_objs == 1 && tmp->objs[0].kind == TP_OBJ_PRIVATE_KEY) {
        const struct tp_file_obj *k = &tmp->objs[0];
        o->key_type = k->key_type;
        o->key_bits = k->key_bits;
        memcpy(o->key_desc, k->key_desc, sizeof o->key_desc);
        memcpy(o->pub_sha256, k->pub_sha256, sizeof o->pub_sha256);
        o->has_pub_sha256 = k->has_pub_sha256;
        o->key_decrypted = true;
        o->key_der = clear;
        o->key_der_len = n;
    } else {
        explicit_bzero(clear, n);
        free(clear);
        e = e == TP_OK ? TP_ERR_MALFORMED : e;
    }
    tp_file_free(tmp);
    return e;
}

/* Legacy encrypted PEM (RFC 1421 headers): rebuild the block with its DEK-Info
 * for wc_KeyPemToDer, which decrypts it. */
static int legacy_pem_decrypt(const struct tp_file_obj *o, const struct tp_secret *pass, uint8_t **out)
{
    struct tp_sb body, pem;
    tp_sb_init(&body);
    tp_sb_init(&pem);
    tp_pem_encode(&body, o->pem_label, o->der, o->der_len);
    const char *nl = body.buf ? strchr(body.buf, '\n') : NULL;
    int r = -1;
    if (nl) {
        tp_sb_putn(&pem, body.buf, (size_t)(nl + 1 - body.buf));
        tp_sb_printf(&pem, "Proc-Type: 4,ENCRYPTED\nDEK-Info: %s\n\n", o->dek_info);
        tp_sb_put(&pem, nl + 1);
        *out = malloc(o->der_len + 16);
        if (*out && !pem.oom && !pem.truncated)
            r = wc_KeyPemToDer((const unsigned char *)pem.buf, (int)pem.len, *out, (int)o->der_len + 16, pass->text);
    }
    tp_sb_free(&body);
    tp_sb_free(&pem);
    return r;
}

static enum tp_err open_key(struct tp_file *f, size_t i, const struct tp_secret *pass, char *err, size_t errlen)
{
    struct tp_file_obj *o = &f->objs[i];
    enum tp_err first = TP_OK;
    uint8_t *clear = NULL;
    int r;
    const char *label;
    if (o->dek_info[0]) {
        r = legacy_pem_decrypt(o, pass, &clear);
        label = o->pem_label;
    } else {
        clear = malloc(o->der_len ? o->der_len : 1);
        r = clear ? (memcpy(clear, o->der, o->der_len),
                     wc_DecryptPKCS8Key(clear, (word32)o->der_len, pass->text, (int)pass->len))
                  : -1;
        label = "PRIVATE KEY";
    }
    /* A wrong password may still give bytes with valid padding: only a key
     * that parses counts as opened. */
    enum tp_err e = TP_ERR_DECRYPT;
    if (r > 0)
        e = key_opened(o, clear, (size_t)r, label);
    else if (clear) {
        explicit_bzero(clear, o->der_len);
        free(clear);
    }
    if (e == TP_ERR_NOMEM)
        say(err, errlen, &first, e, "%s: %s", f->path, tp_err_text(e));
    else if (e != TP_OK)
        say(err, errlen, &first, TP_ERR_DECRYPT, "wrong password for %s (its %s cannot be decrypted)", f->path,
            o->dek_info[0] ? "legacy encrypted PEM key" : "encrypted PKCS#8 key");
    return first;
}

/* The certificates and keys of an opened archive become objects of f. */
static enum tp_err p12_objects(struct tp_file *f, struct tp_p12 *p)
{
    for (size_t k = 0; k < p->n_bags; k++) {
        struct tp_p12_bag *b = &p->bags[k];
        bool key = b->type == TP_P12_BAG_KEY || b->type == TP_P12_BAG_SHROUDED_KEY;
        if (!b->opened || (!key && b->type != TP_P12_BAG_CERT))
            continue;
        if (f->n_objs >= TP_MAX_FILE_OBJECTS)
            return TP_ERR_LIMIT;
        enum tp_err e = file_append_der(f, b->der, b->der_len, key ? "PRIVATE KEY" : "CERTIFICATE",
                                        key ? "PKCS12 key" : "PKCS12 certificate");
        if (e != TP_OK)
            return e;
        b->object = f->n_objs;
        struct tp_file_obj *o = &f->objs[f->n_objs - 1];
        if (key && o->kind == TP_OBJ_PRIVATE_KEY) {
            o->key_encrypted = b->type == TP_P12_BAG_SHROUDED_KEY;
            o->key_der = malloc(b->der_len ? b->der_len : 1);
            if (!o->key_der)
                return TP_ERR_NOMEM;
            memcpy(o->key_der, b->der, b->der_len);
            o->key_der_len = b->der_len;
            o->key_decrypted = true;
        }
    }
    return TP_OK;
}

static enum tp_err open_p12(struct tp_file *f, size_t i, const struct tp_secret *pass, char *err, size_t errlen)
{
    enum tp_err first = TP_OK;
    struct tp_p12 *p = NULL;
    enum tp_err e = tp_p12_walk(f->objs[i].der, f->objs[i].der_len, pass, &p);
    if (e != TP_OK) {
        if (e == TP_ERR_LIMIT)
            say(err, errlen, &first, e, "%s: PKCS#12 archive over a limit (safes, bags or iterations; docs/limits.md)",
                f->path);
        else
            say(err, errlen, &first, e, "%s: damaged PKCS#12 archive (%s)", f->path,
                e == TP_ERR_TRUNCATED ? "it ends early: truncated" : tp_err_text(e));
        return first;
    }
    f->objs[i].p12 = p;
    switch (p->status) {
    case TP_P12_WRONG_PASSWORD:
        say(err, errlen, &first, TP_ERR_DECRYPT, "wrong password for %s (%s)", f->path, p->why);
        break;
    case TP_P12_NEEDS_PASSWORD: /* no --pass: what is outside the encryption is shown */
        break;
    case TP_P12_UNSUPPORTED:
        say(err, errlen, &first, TP_ERR_UNSUPPORTED, "%s: %s", f->path, p->why);
        break;
    case TP_P12_OPENED:
        break;
    }
    e = p12_objects(f, p);
    if (e != TP_OK)
        say(err, errlen, &first, e, "%s: %s", f->path, tp_err_text(e));
    return first;
}

enum tp_err tp_file_open_secrets(struct tp_file *f, const struct tp_secret *pass, char *err, size_t errlen)
{
    enum tp_err first = TP_OK;
    if (err && errlen)
        err[0] = '\0';
    size_t n = f->n_objs; /* objects appended on the way are not opened again */
    for (size_t i = 0; i < n; i++) {
        enum tp_err e = TP_OK;
        char line[512] = "";
        if (f->objs[i].kind == TP_OBJ_PKCS12 && !f->objs[i].p12)
            e = open_p12(f, i, pass, line, sizeof line);
        else if (f->objs[i].kind == TP_OBJ_PRIVATE_KEY && f->objs[i].key_encrypted && !f->objs[i].key_decrypted &&
                 pass && pass->text)
            e = open_key(f, i, pass, line, sizeof line);
        if (e != TP_OK && first == TP_OK) {
            first = e;
            snprintf(err, errlen, "%s", line);
        }
    }
    return first;
}
