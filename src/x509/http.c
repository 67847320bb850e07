/* Minimal HTTP/1.0 GET for AIA caIssuers (RFC 5280 §4.2.2.1) and CRLs, and POST
 * for OCSP requests (RFC 6960 appendix A.1): http:// only,
 * non-blocking socket, one deadline, body capped, at most one redirect. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "x509_int.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short ev, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = { fd, ev, 0 };
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        return r;
    }
}

/* getaddrinfo has no timeout: run it in a thread and stop waiting at the deadline.
 * The thread owns the job once we give up (the last of the two frees it). */
struct resolve_job {
    char host[256], port[16];
    struct addrinfo *ai;
    int rc;
    atomic_int refs;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
};

static void job_release(struct resolve_job *j)
{
    if (atomic_fetch_sub(&j->refs, 1) == 1) {
        if (j->ai)
            freeaddrinfo(j->ai);
        pthread_mutex_destroy(&j->mu);
        pthread_cond_destroy(&j->cv);
        free(j);
    }
}

static void *resolve_thread(void *arg)
{
    struct resolve_job *j = arg;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(j->host, j->port, &hints, &ai);
    pthread_mutex_lock(&j->mu);
    j->ai = ai;
    j->rc = rc;
    j->done = true;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    job_release(j);
    return NULL;
}

/* 0 and *out on success; EAI_* on failure; EAI_AGAIN with *timed_out on the deadline. */
static int resolve(const char *host, const char *port, long long deadline, struct addrinfo **out, bool *timed_out)
{
    *out = NULL;
    *timed_out = false;
    struct resolve_job *j = calloc(1, sizeof *j);
    if (!j)
        return EAI_MEMORY;
    snprintf(j->host, sizeof j->host, "%s", host);
    snprintf(j->port, sizeof j->port, "%s", port);
    atomic_init(&j->refs, 2);
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, resolve_thread, j) != 0) {
        pthread_attr_destroy(&at);
        atomic_store(&j->refs, 1);
        job_release(j);
        return EAI_SYSTEM;
    }
    pthread_attr_destroy(&at);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long left = deadline - now_ms();
    if (left < 0)
        left = 0;
    ts.tv_sec += (time_t)(left / 1000);
    ts.tv_nsec += (long)(left % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    int rc;
    pthread_mutex_lock(&j->mu);
    while (!j->done && pthread_cond_timedwait(&j->cv, &j->mu, &ts) == 0)
        ;
    if (j->done) {
        rc = j->rc;
        *out = j->ai;
        j->ai = NULL;
    } else {
        rc = EAI_AGAIN;
        *timed_out = true;
    }
    pthread_mutex_unlock(&j->mu);
    job_release(j);
    return rc;
}

static bool split_url(const char *url, char *host, size_t hl, char *port, size_t pl, char *path, size_t pathl)
{
    if (strncasecmp(url, "http://", 7) != 0)
        return false;
    const char *h = url + 7, *slash = strchr(h, '/'), *hend = slash ? slash : h + strlen(h);
    const char *colon = NULL;
    if (*h == '[') { /* [v6]:port */
        const char *rb = memchr(h, ']', (size_t)(hend - h));
        if (!rb)
            return false;
        if ((size_t)(rb - h - 1) >= hl)
            return false;
        memcpy(host, h + 1, (size_t)(rb - h - 1));
        host[rb - h - 1] = 0;
        colon = rb + 1 < hend && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t)(hend - h));
        const char *he = colon ? colon : hend;
        if ((size_t)(he - h) >= hl || he == h)
            return false;
        memcpy(host, h, (size_t)(he - h));
        host[he - h] = 0;
    }
    if (colon) {
        if ((size_t)(hend - colon - 1) >= pl || hend == colon + 1)
            return false;
        memcpy(port, colon + 1, (size_t)(hend - colon - 1));
        port[hend - colon - 1] = 0;
    } else {
        snprintf(port, pl, "80");
    }
    snprintf(path, pathl, "%s", slash ? slash : "/");
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f) /* no header injection through the URL */
            return false;
    return true;
}

/* One request: GET, or POST of post (post_len bytes, ctype) when post is set. */
static enum tp_err get_once(const char *url, long long deadline, size_t max, const uint8_t *post, size_t post_len,
                            const char *ctype, uint8_t **resp, size_t *resp_len, char *err, size_t errlen)
{
    char host[256], port[16], path[1024];
    *resp = NULL;
    *resp_len = 0;
    if (!split_url(url, host, sizeof host, port, sizeof port, path, sizeof path)) {
        snprintf(err, errlen, "not a plain http:// URL");
        return TP_ERR_UNSUPPORTED;
    }
    struct addrinfo *ai = NULL;
    bool timed_out;
    int gr = resolve(host, port, deadline, &ai, &timed_out);
    if (gr != 0 || !ai) {
        if (timed_out)
            snprintf(err, errlen, "resolving %s took longer than the deadline", host);
        else
            snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(gr));
        if (ai)
            freeaddrinfo(ai);
        return timed_out ? TP_ERR_TIMEOUT : TP_ERR_IO;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(ai);
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return TP_ERR_IO;
    }
    int cr = connect(fd, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    enum tp_err e = TP_OK;
    if (cr != 0 && errno != EINPROGRESS) {
        snprintf(err, errlen, "connect to %s:%s: %s", host, port, strerror(errno));
        close(fd);
        return TP_ERR_IO;
    }
    if (cr != 0) {
        int w = wait_fd(fd, POLLOUT, deadline), soerr = 0;
        socklen_t sl = sizeof soerr;
        if (w == 0) {
            snprintf(err, errlen, "connect to %s:%s timed out", host, port);
            close(fd);
            return TP_ERR_TIMEOUT;
        }
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (w < 0 || soerr) {
            snprintf(err, errlen, "connect to %s:%s: %s", host, port, strerror(soerr ? soerr : errno));
            close(fd);
            return TP_ERR_IO;
        }
    }
    char req[1400 + 4096];
    int rl = post ? snprintf(req, sizeof req,
                             "POST %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: tlsprobe\r\nAccept: */*\r\n"
                             "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                             path, host, ctype, post_len)
                  : snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: tlsprobe\r\nAccept: */*\r\n"
                             "Connection: close\r\n\r\n", path, host);
    if (rl < 0 || (size_t)rl + post_len > sizeof req) {
        snprintf(err, errlen, "request too large");
        close(fd);
        return TP_ERR_LIMIT;
    }
    if (post) {
        memcpy(req + rl, post, post_len);
        rl += (int)post_len;
    }
    size_t sent = 0;
    while (sent < (size_t)rl) {
        ssize_t k = send(fd, req + sent, (size_t)rl - sent, MSG_NOSIGNAL);
        if (k > 0) {
            sent += (size_t)k;
            continue;
        }
        if (k < 0 && (errno == EAGAIN || errno == EINTR) && wait_fd(fd, POLLOUT, deadline) > 0)
            continue;
        snprintf(err, errlen, "sending the request failed");
        close(fd);
        return TP_ERR_IO;
    }
    size_t cap = max + 16384, n = 0; /* body cap plus room for headers */
    uint8_t *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return TP_ERR_NOMEM;
    }
    for (;;) {
        if (n == cap) {
            snprintf(err, errlen, "response larger than %zu bytes", max);
            e = TP_ERR_LIMIT;
            break;
        }
        ssize_t k = recv(fd, buf + n, cap - n, 0);
        if (k > 0) {
            n += (size_t)k;
            continue;
        }
        if (k == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN) {
            int w = wait_fd(fd, POLLIN, deadline);
            if (w > 0)
                continue;
            snprintf(err, errlen, "no complete answer from %s:%s in time", host, port);
            e = TP_ERR_TIMEOUT;
            break;
        }
        snprintf(err, errlen, "reading the answer: %s", strerror(errno));
        e = TP_ERR_IO;
        break;
    }
    close(fd);
    if (e != TP_OK) {
        free(buf);
        return e;
    }
    *resp = buf;
    *resp_len = n;
    return TP_OK;
}

static enum tp_err fetch(const char *url, int timeout_ms, size_t max, const uint8_t *post, size_t post_len,
                         const char *ctype, uint8_t **body, size_t *body_len, char *err, size_t errlen)
{
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : TP_AIA_TIMEOUT_MS);
    char cur[1024];
    snprintf(cur, sizeof cur, "%s", url);
    *body = NULL;
    *body_len = 0;
    for (int hop = 0; hop < 2; hop++) {
        uint8_t *resp;
        size_t n;
        enum tp_err e = get_once(cur, deadline, max, post, post_len, ctype, &resp, &n, err, errlen);
        if (e != TP_OK)
            return e;
        const uint8_t *he = NULL;
        for (size_t i = 0; i + 3 < n; i++)
            if (!memcmp(resp + i, "\r\n\r\n", 4)) {
                he = resp + i + 4;
                break;
            }
        int status = 0;
        if (!he || n < 12 || memcmp(resp, "HTTP/1.", 7) != 0 || sscanf((const char *)resp + 8, " %3d", &status) != 1) {
            snprintf(err, errlen, "not an HTTP response");
            free(resp);
            return TP_ERR_MALFORMED;
        }
        size_t hlen = (size_t)(he - resp);
        if (status >= 300 && status < 400 && hop == 0 && !post) {
            /* find Location: within the headers */
            char *hdrs = dup_bytes(resp, hlen);
            free(resp);
            if (!hdrs)
                return TP_ERR_NOMEM;
            char *loc = NULL;
            for (char *line = strtok(hdrs, "\r\n"); line; line = strtok(NULL, "\r\n"))
                if (!strncasecmp(line, "Location:", 9)) {
                    loc = line + 9;
                    while (*loc == ' ')
                        loc++;
                    break;
                }
            if (!loc || strncasecmp(loc, "http://", 7) != 0) {
                snprintf(err, errlen, "HTTP %d redirect %s", status, loc ? "to a non-http URL" : "without Location");
                free(hdrs);
                return TP_ERR_UNSUPPORTED;
            }
            snprintf(cur, sizeof cur, "%s", loc);
            free(hdrs);
            continue;
        }
        if (status >= 300 && status < 400) {
            snprintf(err, errlen, "HTTP %d: more than one redirect", status);
            free(resp);
            return TP_ERR_UNSUPPORTED;
        }
        if (status != 200) {
            snprintf(err, errlen, "HTTP status %d", status);
            free(resp);
            return TP_ERR_NOTFOUND;
        }
        if (n - hlen > max) {
            snprintf(err, errlen, "body larger than %zu bytes", max);
            free(resp);
            return TP_ERR_LIMIT;
        }
        *body_len = n - hlen;
        memmove(resp, he, *body_len);
        *body = resp;
        return TP_OK;
    }
    snprintf(err, errlen, "more than one redirect");
    return TP_ERR_UNSUPPORTED;
}

enum tp_err http_get(const char *url, int timeout_ms, size_t max, uint8_t **body, size_t *body_len, char *err,
                     size_t errlen)
{
    return fetch(url, timeout_ms, max, NULL, 0, NULL, body, body_len, err, errlen);
}

enum tp_err http_post(const char *url, int timeout_ms, size_t max, const uint8_t *post, size_t post_len,
                      const char *ctype, uint8_t **body, size_t *body_len, char *err, size_t errlen)
{
    if (post_len > 4096) {
        snprintf(err, errlen, "request body over 4096 bytes");
        return TP_ERR_LIMIT;
    }
    return fetch(url, timeout_ms, max, post ? post : (const uint8_t *)"", post_len, ctype, body, body_len, err,
                 errlen);
}
