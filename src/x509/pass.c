/* --pass SPEC: the one reader of a secret (OpenSSL's conventions, openssl-passphrase-options(1)):
 * pass:TEXT, env:VAR, file:PATH, fd:N, stdin. The secret goes into one heap
 * buffer; every message names the source, never the secret. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tlsprobe/pkcs12.h"

void tp_secret_wipe(struct tp_secret *s)
{
    if (!s)
        return;
    if (s->text) {
        explicit_bzero(s->text, TP_MAX_PASS_LEN + 2);
        free(s->text);
    }
    s->text = NULL;
    s->len = 0;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The first line of fd (without its \n or \r\n), one byte at a time so that
 * nothing after the line is consumed (stdin may carry more). */
static enum tp_err read_line(int fd, struct tp_secret *out, const char *what, char *err, size_t errlen)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t k = read(fd, &c, 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            snprintf(err, errlen, "--pass %s: %s", what, strerror(errno));
            return TP_ERR_IO;
        }
        if (k == 0 || c == '\n')
            break;
        if (n > TP_MAX_PASS_LEN) {
            snprintf(err, errlen, "--pass %s: longer than %d bytes (TP_MAX_PASS_LEN)", what, TP_MAX_PASS_LEN);
            return TP_ERR_LIMIT;
        }
        out->text[n++] = c;
    }
    if (n && out->text[n - 1] == '\r')
        n--;
    if (n > TP_MAX_PASS_LEN) {
        snprintf(err, errlen, "--pass %s: longer than %d bytes (TP_MAX_PASS_LEN)", what, TP_MAX_PASS_LEN);
        return TP_ERR_LIMIT;
    }
    out->text[n] = '\0';
    out->len = n;
    return TP_OK;
}

static bool parse_fd(const char *s, int *fd)
{
    if (!*s)
        return false;
    long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
        if (v > INT_MAX)
            return false;
    }
    *fd = (int)v;
    return true;
}

bool tp_pass_uses_stdin(const char *spec)
{
    int fd;
    return spec && (!strcmp(spec, "stdin") || (starts(spec, "fd:") && parse_fd(spec + 3, &fd) && fd == 0));
}

static enum tp_err read_spec(const char *spec, struct tp_secret *out, char *err, size_t errlen)
{
    if (starts(spec, "pass:")) {
        size_t n = strlen(spec + 5);
        if (n > TP_MAX_PASS_LEN) {
            snprintf(err, errlen, "--pass pass:...: longer than %d bytes (TP_MAX_PASS_LEN)", TP_MAX_PASS_LEN);
            return TP_ERR_LIMIT;
        }
        memcpy(out->text, spec + 5, n + 1);
        out->len = n;
        return TP_OK;
    }
    if (starts(spec, "env:")) {
        const char *v = spec[4] ? getenv(spec + 4) : NULL;
        if (!v) {
            snprintf(err, errlen, "--pass env:%.64s: the variable is not set", spec + 4);
            return TP_ERR_IO;
        }
        size_t n = strlen(v);
        if (n > TP_MAX_PASS_LEN) {
            snprintf(err, errlen, "--pass env:%.64s: longer than %d bytes (TP_MAX_PASS_LEN)", spec + 4, TP_MAX_PASS_LEN);
            return TP_ERR_LIMIT;
        }
        memcpy(out->text, v, n + 1);
        out->len = n;
        return TP_OK;
    }
    if (starts(spec, "file:")) {
        char what[300];
        snprintf(what, sizeof what, "file:%.256s", spec + 5);
        int fd = open(spec + 5, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(err, errlen, "--pass %s: %s", what, strerror(errno));
            return TP_ERR_IO;
        }
        enum tp_err e = read_line(fd, out, what, err, errlen);
        close(fd);
        return e;
    }
    int fd = 0;
    if (!strcmp(spec, "stdin"))
        return read_line(0, out, "stdin", err, errlen);
    if (starts(spec, "fd:")) {
        if (!parse_fd(spec + 3, &fd)) {
            snprintf(err, errlen, "--pass fd:N: N must be a descriptor number");
            return TP_ERR_USAGE;
        }
        char what[32];
        snprintf(what, sizeof what, "fd:%d", fd);
        return read_line(fd, out, what, err, errlen);
    }
    snprintf(err, errlen, "--pass: unknown form (use pass:TEXT, env:VAR, file:PATH, fd:N or stdin)");
    return TP_ERR_USAGE;
}

enum tp_err tp_pass_read(const char *spec, struct tp_secret *out, char *err, size_t errlen)
{
    out->text = NULL;
    out->len = 0;
    if (err && errlen)
        err[0] = '\0';
    if (!spec) {
        snprintf(err, errlen, "--pass: no SPEC");
        return TP_ERR_USAGE;
    }
    /* One buffer of the largest size: no realloc leaves a copy behind. */
    out->text = calloc(1, TP_MAX_PASS_LEN + 2);
    if (!out->text)
        return TP_ERR_NOMEM;
    enum tp_err e = read_spec(spec, out, err, errlen);
    if (e != TP_OK)
        tp_secret_wipe(out);
    return e;
}
