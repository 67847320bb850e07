/* Trust anchors and candidate intermediates. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "x509_int.h"
#include "store_int.h"

static bool store_add(struct tp_cert_info ***arr, size_t *n, struct tp_cert_info *ci)
{
    for (size_t i = 0; i < *n; i++)
        if (!memcmp((*arr)[i]->sha256, ci->sha256, 32)) { /* the same certificate twice */
            tp_cert_free(ci);
            return true;
        }
    struct tp_cert_info **g = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!g) {
        tp_cert_free(ci);
        return false;
    }
    *arr = g;
    g[(*n)++] = ci;
    return true;
}

/* Add every certificate of a file; returns how many were added, -1 when unreadable. */
static long add_file(struct tp_cert_info ***arr, size_t *n, const char *path, char *err, size_t errlen, bool anchors)
{
    struct tp_file *f;
    enum tp_err e = anchors ? file_read_anchors(path, &f) : tp_file_read(path, &f);
    if (e != TP_OK) {
        if (err)
            snprintf(err, errlen, "%s: %s", path, f && f->error[0] ? f->error : tp_err_text(e));
        tp_file_free(f);
        return -1;
    }
    long added = 0;
    for (size_t i = 0; i < f->n_objs; i++) {
        if (f->objs[i].kind != TP_OBJ_CERTIFICATE || !f->objs[i].cert)
            continue;
        size_t before = *n;
        if (!store_add(arr, n, f->objs[i].cert)) {
            f->objs[i].cert = NULL;
            break;
        }
        f->objs[i].cert = NULL;
        added += *n > before;
    }
    tp_file_free(f);
    return added;
}

static long add_dir(struct tp_cert_info ***arr, size_t *n, const char *dir, char *err, size_t errlen, bool anchors)
{
    /* /etc/ssl/certs holds each certificate under two or more names (NAME.pem and
     * hash links): read each real file once. */
    char **seen = NULL;
    size_t n_seen = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (err)
            snprintf(err, errlen, "%s: cannot open directory", dir);
        return -1;
    }
    long added = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        char *real = realpath(path, NULL);
        bool dup = false;
        for (size_t i = 0; real && i < n_seen && !dup; i++)
            dup = strcmp(seen[i], real) == 0;
        if (dup) {
            free(real);
            continue;
        }
        char **g = real ? realloc(seen, (n_seen + 1) * sizeof *seen) : NULL;
        if (g) {
            seen = g;
            seen[n_seen++] = real;
        } else {
            free(real);
        }
        long k = add_file(arr, n, path, NULL, 0, anchors); /* files that aren't certificates are skipped */
        if (k > 0)
            added += k;
    }
    for (size_t i = 0; i < n_seen; i++)
        free(seen[i]);
    free(seen);
    closedir(d);
    return added;
}

enum tp_err tp_store_load(const char *cafile, const char *capath, struct tp_store **out, char *err, size_t errlen)
{
    struct tp_store *st = calloc(1, sizeof *st);
    *out = NULL;
    if (!st)
        return TP_ERR_NOMEM;
    if (err && errlen)
        err[0] = 0;
    struct tp_sb desc;
    tp_sb_init(&desc);
    if (cafile || capath) {
        if (cafile) {
            if (add_file(&st->roots, &st->n_roots, cafile, err, errlen, true) < 0)
                goto fail;
            tp_sb_put(&desc, cafile);
        }
        if (capath) {
            if (add_dir(&st->roots, &st->n_roots, capath, err, errlen, true) < 0)
                goto fail;
            tp_sb_printf(&desc, "%s%s", cafile ? " + " : "", capath);
        }
        if (st->n_roots == 0) {
            if (err)
                snprintf(err, errlen, "%s: no certificate in it", cafile ? cafile : capath);
            goto fail;
        }
    } else {
        /* OpenSSL's conventions, which curl/Python/Go on Debian follow too. */
        const char *ef = getenv("SSL_CERT_FILE"), *ed = getenv("SSL_CERT_DIR");
        if (ef && *ef && add_file(&st->roots, &st->n_roots, ef, NULL, 0, true) >= 0)
            tp_sb_printf(&desc, "%s (SSL_CERT_FILE)", ef);
        /* Debian's update-ca-certificates keeps /etc/ssl/certs and its bundle in step:
         * reading the ~150 files of the directory again would only cost time (~50 ms). */
        bool same = ef && st->n_roots && !strcmp(ef, "/etc/ssl/certs/ca-certificates.crt") && ed &&
                    (!strcmp(ed, "/etc/ssl/certs") || !strcmp(ed, "/etc/ssl/certs/"));
        if (ed && *ed && !same && add_dir(&st->roots, &st->n_roots, ed, NULL, 0, true) >= 0)
            tp_sb_printf(&desc, "%s%s (SSL_CERT_DIR)", desc.len ? " + " : "", ed);
        if (desc.len == 0) {
            if (add_file(&st->roots, &st->n_roots, "/etc/ssl/certs/ca-certificates.crt", NULL, 0, true) >= 0)
                tp_sb_put(&desc, "/etc/ssl/certs/ca-certificates.crt");
            else if (add_dir(&st->roots, &st->n_roots, "/etc/ssl/certs", NULL, 0, true) >= 0)
                tp_sb_put(&desc, "/etc/ssl/certs");
            else
                tp_sb_put(&desc, "no system store found");
        }
    }
    tp_sb_printf(&desc, " (%zu root%s)", st->n_roots, st->n_roots == 1 ? "" : "s");
    st->desc = tp_sb_take(&desc);
    *out = st;
    return TP_OK;
fail:
    tp_sb_free(&desc);
    tp_store_free(st);
    return TP_ERR_IO;
}

enum tp_err tp_store_add_intermediates(struct tp_store *st, const char *file_or_dir, char *err, size_t errlen)
{
    struct stat sb;
    if (!st || !file_or_dir)
        return TP_ERR_USAGE;
    if (stat(file_or_dir, &sb) != 0) {
        if (err)
            snprintf(err, errlen, "%s: cannot open", file_or_dir);
        return TP_ERR_IO;
    }
    long k = S_ISDIR(sb.st_mode) ? add_dir(&st->inters, &st->n_inters, file_or_dir, err, errlen, false)
                                 : add_file(&st->inters, &st->n_inters, file_or_dir, err, errlen, false);
    return k < 0 ? TP_ERR_IO : TP_OK;
}

void tp_store_free(struct tp_store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n_roots; i++)
        tp_cert_free(st->roots[i]);
    for (size_t i = 0; i < st->n_inters; i++)
        tp_cert_free(st->inters[i]);
    free(st->roots);
    free(st->inters);
    free(st->desc);
    free(st);
}

size_t tp_store_count_roots(const struct tp_store *st)
{
    return st ? st->n_roots : 0;
}

const char *tp_store_describe(const struct tp_store *st)
{
    return st && st->desc ? st->desc : "no trust store";
}
