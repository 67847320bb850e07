/* tlsprobe inspect's report: what is in certificate, key, CSR, CRL, PKCS#7 and
 * PKCS#12 files, as text or one JSON line per file (docs/json.md, "inspect").
 * Keys are paired with the certificates of every file of the call. Never
 * prints key material. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jw.h"
#include "render_int.h"

/* The files of one call, for pairing keys with certificates. */
struct rf_set {
    struct tp_file *const *files;
    size_t n;
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
    if (!strcmp(o->pem_label, "PKCS12 key")) return o->key_encrypted ? "encrypted PKCS#8 in PKCS#12" : "PKCS#8 in PKCS#12";
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
        if (ok == TP_OBJ_PKCS7 || ok == TP_OBJ_PKCS12) /* a bundle, with what is inside it */
            return kind_name(ok);
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

/* Next certificate in the same file (bundles read in order). */
static const struct tp_file_obj *next_cert(const struct tp_file *f, size_t j)
{
    for (size_t k = j + 1; k < f->n_objs; k++)
        if (f->objs[k].kind == TP_OBJ_CERTIFICATE)
            return &f->objs[k];
    return NULL;
}

typedef void (*rf_match_fn)(struct tp_sb *out, const struct tp_file *f, const struct tp_file_obj *cert,
                            size_t number, bool first);

/* Every certificate of the call whose public key is o's, in file order, with
 * its 1-based number among its file's certificates. Returns how many. */
static size_t each_match(struct tp_sb *out, const struct rf_set *set, const struct tp_file_obj *o, rf_match_fn fn)
{
    size_t any = 0;
    for (size_t i = 0; o->has_pub_sha256 && i < set->n; i++) {
        const struct tp_file *f = set->files[i];
        size_t num = 0;
        for (size_t j = 0; f && j < f->n_objs; j++) {
            const struct tp_file_obj *co = &f->objs[j];
            if (co->kind != TP_OBJ_CERTIFICATE)
                continue;
            num++;
            if (co->has_pub_sha256 && !memcmp(co->pub_sha256, o->pub_sha256, 32))
                fn(out, f, co, num, any++ == 0);
        }
    }
    return any;
}

static void text_match(struct tp_sb *out, const struct tp_file *f, const struct tp_file_obj *co, size_t number,
                       bool first)
{
    tp_sb_printf(out, "%scertificate %zu in ", first ? "" : "; ", number);
    tp_sb_put_escaped(out, (const uint8_t *)f->path, strlen(f->path));
    tp_sb_put(out, " (");
    tp_sb_put_escaped(out, (const uint8_t *)co->cert->subject, strlen(co->cert->subject));
    tp_sb_putc(out, ')');
}

static void text_matches(struct tp_sb *out, const struct rf_set *set, const struct tp_file_obj *o, const char *ind)
{
    size_t start = out->len;
    tp_sb_printf(out, "%smatches", ind);
    tp_sb_pad(out, start, strlen(ind) + 16);
    if (!o->has_pub_sha256) {
        tp_sb_put(out, o->key_encrypted ? "unknown (the key is encrypted)\n" : "unknown\n");
        return;
    }
    tp_sb_put(out, each_match(out, set, o, text_match) ? "\n" : "no certificate given in this call\n");
}

static void text_row(struct tp_sb *out, const char *ind, const char *name)
{
    size_t start = out->len;
    tp_sb_printf(out, "%s%s", ind, name);
    tp_sb_pad(out, start, strlen(ind) + 16);
}

/* A CA certificate: which public trust stores hold it (or the root it names). */
static void trust_text(struct tp_sb *out, const struct tp_cert_info *ci, const struct tp_render_opts *ro,
                       const char *ind)
{
    struct tp_trust_verdict *t = ro && ro->trust_db ? malloc(sizeof *t) : NULL;
    if (!t)
        return;
    tp_trust_judge_cert(ro->trust_db, ci, t);
    if (t->judged) {
        char ind2[64];
        snprintf(ind2, sizeof ind2, "%s                ", ind);
        tp_sb_printf(out, "%spublic stores   ", ind);
        rt_trust_text(out, t, ro, ind2, ro->width ? ro->width : 80);
    }
    free(t);
}

static void trust_json(struct jw *w, const struct tp_cert_info *ci, const struct tp_render_opts *ro)
{
    struct tp_trust_verdict *t = ro && ro->trust_db ? malloc(sizeof *t) : NULL;
    if (t)
        tp_trust_judge_cert(ro->trust_db, ci, t);
    rj_trust(w, "trust_stores", t);
    free(t);
}

static void text_obj(struct tp_sb *out, const struct rf_set *set, const struct tp_file *f, size_t j, size_t ncert,
                     const struct tp_render_opts *ro)
{
    const char *ind = "    ";
    const struct tp_file_obj *o = &f->objs[j];
    switch (o->kind) {
    case TP_OBJ_CERTIFICATE: {
        tp_render_cert_text(out, o->cert, ro, ind);
        trust_text(out, o->cert, ro, ind);
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
            tp_sb_put(out, o->key_decrypted && o->key_encrypted ? "yes (opened with --pass)\n"
                           : o->key_encrypted                 ? "yes (needs its passphrase: --pass)\n"
                                                              : "no\n");
        }
        text_matches(out, set, o, ind);
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
        text_matches(out, set, o, ind);
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
        ri_p12_text(out, o, ind, ro);
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

static void text_file(struct tp_sb *out, const struct rf_set *set, const struct tp_file *f,
                      const struct tp_render_opts *ro)
{
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
        else if (!strncmp(o->pem_label, "PKCS12 ", 7))
            tp_sb_put(out, " (from the PKCS#12 archive)");
        tp_sb_putc(out, '\n');
        text_obj(out, set, f, j, ncert, ro);
    }
}

static void json_match(struct tp_sb *out, const struct tp_file *f, const struct tp_file_obj *co, size_t number,
                       bool first)
{
    struct jw w;
    (void)co;
    jw_init(&w, out);
    w.first[0] = first;
    jw_item(&w);
    jw_open(&w, '{');
    jw_str(&w, "file", f->path);
    jw_u64(&w, "certificate", number);
    jw_close(&w, '}');
}

/* A key, a public key or a CSR: what it is and which certificates it belongs to. */
static void json_key(struct jw *w, const struct rf_set *set, const struct tp_file_obj *o)
{
    jw_str(w, "key", o->key_desc);
    jw_i64(w, "key_bits", o->key_bits);
    jw_str(w, "encoding", key_format(o));
    if (o->kind == TP_OBJ_PRIVATE_KEY)
        jw_bool(w, "encrypted", o->key_encrypted);
    if (o->kind == TP_OBJ_CSR) {
        jw_str(w, "subject", o->csr_subject);
        rc_san_strings(w, o->csr_san, o->csr_n_san);
        rc_san_typed(w, o->csr_san, o->csr_n_san);
    }
    jw_hex(w, "public_key_sha256", o->pub_sha256, o->has_pub_sha256 ? 32 : 0);
    jw_key(w, "matches");
    tp_sb_putc(w->o, '[');
    each_match(w->o, set, o, json_match);
    tp_sb_putc(w->o, ']');
}

static void json_obj(struct jw *w, const struct rf_set *set, const struct tp_file *f, size_t j,
                     const struct tp_render_opts *ro)
{
    const struct tp_file_obj *o = &f->objs[j];
    jw_item(w);
    jw_open(w, '{');
    jw_str(w, "kind", kind_name(o->kind));
    jw_str(w, "pem_label", o->pem || !strncmp(o->pem_label, "PKCS12 ", 7) ? o->pem_label : NULL);
    jw_str(w, "problem", o->problem); /* why it cannot be used; null when fine */
    switch (o->kind) {
    case TP_OBJ_CERTIFICATE: {
        jw_key(w, "certificate");
        rc_cert_json(w->o, o->cert, NULL);
        const struct tp_file_obj *nx = next_cert(f, j);
        if (nx)
            jw_bool(w, "issued_by_next", tp_cert_issued_by(o->cert, nx->cert));
        else
            jw_null(w, "issued_by_next");
        trust_json(w, o->cert, ro);
        break;
    }
    case TP_OBJ_PRIVATE_KEY:
    case TP_OBJ_PUBLIC_KEY:
    case TP_OBJ_CSR:
        json_key(w, set, o);
        break;
    case TP_OBJ_CRL:
        jw_str(w, "issuer", o->crl_issuer);
        jw_time(w, "this_update", o->crl_this_update);
        if (o->crl_next_update)
            jw_time(w, "next_update", o->crl_next_update);
        else
            jw_null(w, "next_update");
        jw_u64(w, "revoked_count", o->crl_n_revoked);
        break;
    case TP_OBJ_PKCS12:
        ri_p12_json(w, o);
        break;
    default:
        break;
    }
    jw_close(w, '}');
}

static void json_file(struct tp_sb *out, const struct rf_set *set, const struct tp_file *f, enum tp_err err,
                      const struct tp_render_opts *ro)
{
    struct jw w;
    jw_init(&w, out);
    jw_open(&w, '{');
    rj_line_head(&w, "inspect", "inspect");
    jw_str(&w, "file", f->path);
    if (err != TP_OK) { /* every key of a readable file, null */
        jw_str(&w, "kind", "unreadable");
        jw_null(&w, "format");
        jw_null(&w, "size");
        jw_raw(&w, "objects", "[]");
        jw_str(&w, "error", f->error[0] ? f->error : tp_err_text(err));
    } else {
        jw_str(&w, "kind", file_kind(f));
        jw_str(&w, "format", f->pem ? "PEM" : "DER");
        jw_u64(&w, "size", f->size);
        jw_key(&w, "objects");
        jw_open(&w, '[');
        for (size_t j = 0; j < f->n_objs; j++)
            json_obj(&w, set, f, j, ro);
        jw_close(&w, ']');
        jw_null(&w, "error");
    }
    jw_close(&w, '}');
    tp_sb_putc(out, '\n');
}

void tp_render_file(struct tp_sb *out, struct tp_file *const *files, size_t n_files, size_t i, enum tp_err err,
                    const struct tp_render_opts *o)
{
    const struct rf_set set = { files, n_files };
    if (o->format == TP_FMT_JSON) {
        json_file(out, &set, files[i], err, o);
        return;
    }
    size_t start = out->len;
    text_file(out, &set, files[i], o);
    tp_render_fold(out, start, o->width);
}
