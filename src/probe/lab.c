/* tlsprobe demo's lab: per scenario, a wolfSSL server in a thread on 127.0.0.1
 * (ephemeral port) serving the lab PKI the way that scenario needs, probed by
 * tp_probe_connect exactly like `tlsprobe connect` would, with the lab root as
 * the only trust anchor (a temporary --cafile deleted afterwards). */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "lab_int.h"
#include "probe/wolf.h"
#include "tlsprobe/probe.h"

static const struct tp_lab_scenario scenarios[] = {
    { "good", NULL, "everything right: TLS 1.3, a full chain from a CA you trust, the right name",
      "The server sends its leaf for localhost and the intermediate; the client trusts the lab root." },
    { "unknown-authority", "unknown-authority", "the chain leads to a root the client does not trust",
      "The server sends a correct chain, but the client trusts only someone else's root." },
    { "missing-intermediate", "missing-intermediate", "the server sends its leaf but not the intermediate",
      "The server is configured with cert.pem instead of fullchain.pem. tlsprobe finds the intermediate "
      "in a file given with --intermediates and shows the chain would be fine if the server sent it." },
    { "hostname-mismatch", "hostname-mismatch", "the certificate is for another name",
      "The client asks for localhost; the server's certificate covers only www.example.test." },
    { "cn-only", "cn-only", "the name is only in the Common Name, with no subjectAltName",
      "The leaf says CN=localhost and has no SAN: old libraries accept it, browsers and Go refuse it." },
    { "expired", "expired", "the server's certificate expired",
      "The leaf's validity ended 35 days ago." },
    { "client-cert-required", "client-cert-required", "the server wants a client certificate (mutual TLS)",
      "The server requires a certificate from the client, which has none to send." },
    { "version-mismatch", "protocol-version-mismatch", "client and server share no TLS version",
      "The server accepts only TLS 1.3; the client offers only TLS 1.2, as an old client would." },
    { "name-constraint", "name-constraint-violation", "the intermediate may not issue for this name",
      "The server's intermediate carries nameConstraints: it may only issue for corp.test and 10.0.0.0/8, "
      "but the server's certificate is for localhost and 127.0.0.1. Every name in the chain is checked, "
      "not just the one you asked for." },
};

const struct tp_lab_scenario *tp_lab_scenarios(size_t *n)
{
    *n = sizeof scenarios / sizeof scenarios[0];
    return scenarios;
}

const struct tp_lab_scenario *tp_lab_scenario_find(const char *name)
{
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (!strcmp(scenarios[i].name, name))
            return &scenarios[i];
    return NULL;
}

/* ---- the lab server ---- */

struct lab_server {
    WOLFSSL_CTX *ctx;
    int lfd;
    uint16_t port;
    int64_t deadline_ms;   /* monotonic */
    pthread_t th;
    bool started;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *server_main(void *arg)
{
    struct lab_server *sv = arg;
    int fd = -1;
    for (;;) {
        int64_t left = sv->deadline_ms - mono_ms();
        if (left <= 0)
            goto out;
        struct pollfd pfd = { .fd = sv->lfd, .events = POLLIN };
        int r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
        if (r < 0 && errno != EINTR)
            goto out;
        if (r > 0) {
            fd = accept(sv->lfd, NULL, NULL);
            if (fd >= 0)
                break;
        }
    }
    /* Blocking socket with a receive/send timeout; AUTO_RETRY is cleared on the
     * context so wolfSSL returns instead of retrying (wolfssl-notes.md). */
    int64_t left = sv->deadline_ms - mono_ms();
    if (left < 100)
        left = 100;
    struct timeval tv = { .tv_sec = (time_t)(left / 1000), .tv_usec = (suseconds_t)((left % 1000) * 1000) };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    WOLFSSL *ssl = wolfSSL_new(sv->ctx);
    if (!ssl)
        goto out;
    if (wolfSSL_set_fd(ssl, fd) == WOLFSSL_SUCCESS && wolfSSL_accept(ssl) == WOLFSSL_SUCCESS) {
        /* Serve until the client closes (or the deadline): read and discard. */
        char buf[512];
        while (mono_ms() < sv->deadline_ms) {
            int n = wolfSSL_read(ssl, buf, sizeof buf);
            if (n <= 0)
                break;
        }
        /* our close_notify, best effort: the probe on the other end has its
         * report already, a failure here changes nothing in it */
        wolfSSL_shutdown(ssl);
    }
    wolfSSL_free(ssl);
out:
    if (fd >= 0)
        close(fd);
    tp_wolf_thread_done();
    return NULL;
}

static int server_start(struct lab_server *sv, const struct tp_lab *lab, const struct tp_lab_scenario *sc,
                        int timeout_ms, char *err, size_t errlen)
{
    memset(sv, 0, sizeof *sv);
    sv->lfd = -1;
    const char *n = sc->name;
    bool v13only = !strcmp(n, "version-mismatch");
    sv->ctx = wolfSSL_CTX_new(v13only ? wolfTLSv1_3_server_method() : wolfSSLv23_server_method());
    if (!sv->ctx) {
        snprintf(err, errlen, "lab: cannot create the server context");
        return -1;
    }
    /* wolfSSL_CTX_set1_groups_list returns failure for every list in Debian's
     * 5.5.4 (measured: it was ignored here before, so the lab ran with the
     * default groups); set_groups takes the same choice as numbers. */
    int groups[] = { WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1 }; /* set_groups takes int * */
    if ((!v13only && wolfSSL_CTX_SetMinVersion(sv->ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) ||
        wolfSSL_CTX_set_groups(sv->ctx, groups, 2) != WOLFSSL_SUCCESS || !tp_wolf_ctx_no_auto_retry(sv->ctx)) {
        snprintf(err, errlen, "lab: wolfSSL refused the server's version, group or mode settings");
        return -1;
    }

    enum lab_which leaf = LAB_LEAF;
    if (!strcmp(n, "hostname-mismatch"))
        leaf = LAB_LEAF_OTHER;
    else if (!strcmp(n, "cn-only"))
        leaf = LAB_LEAF_CN_ONLY;
    else if (!strcmp(n, "expired"))
        leaf = LAB_LEAF_EXPIRED;
    enum lab_which inter = LAB_INT;
    if (!strcmp(n, "name-constraint")) {
        leaf = LAB_LEAF_NC;
        inter = LAB_INT_NC;
    }
    bool send_int = strcmp(n, "missing-intermediate") != 0;

    /* The chain as the server sends it: leaf, then (usually) the intermediate. */
    int l1 = 0, l2 = 0;
    char *p1 = lab_pem(lab->certs[leaf].der, lab->certs[leaf].der_len, CERT_TYPE, &l1);
    char *p2 = send_int ? lab_pem(lab->certs[inter].der, lab->certs[inter].der_len, CERT_TYPE, &l2) : NULL;
    char *chain = p1 ? malloc((size_t)l1 + (size_t)l2 + 1) : NULL;
    int ok = chain && (!send_int || p2);
    if (ok) {
        memcpy(chain, p1, (size_t)l1);
        if (p2)
            memcpy(chain + l1, p2, (size_t)l2);
        ok = wolfSSL_CTX_use_certificate_chain_buffer_format(sv->ctx, (const unsigned char *)chain, l1 + l2,
                                                             WOLFSSL_FILETYPE_PEM) == WOLFSSL_SUCCESS &&
             wolfSSL_CTX_use_PrivateKey_buffer(sv->ctx, lab->certs[leaf].key_der, lab->certs[leaf].key_der_len,
                                               WOLFSSL_FILETYPE_ASN1) == WOLFSSL_SUCCESS;
    }
    free(p1);
    free(p2);
    free(chain);
    if (!ok) {
        snprintf(err, errlen, "lab: the server cannot load its certificate");
        return -1;
    }
    if (!strcmp(n, "client-cert-required")) {
        if (wolfSSL_CTX_load_verify_buffer(sv->ctx, lab->certs[LAB_ROOT].der, lab->certs[LAB_ROOT].der_len,
                                           WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS) {
            snprintf(err, errlen, "lab: the server cannot load the client CA");
            return -1;
        }
        wolfSSL_CTX_set_verify(sv->ctx, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    } else {
        wolfSSL_CTX_set_verify(sv->ctx, WOLFSSL_VERIFY_NONE, NULL);
    }

    sv->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0 };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (sv->lfd < 0 || bind(sv->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(sv->lfd, 4) != 0 ||
        getsockname(sv->lfd, (struct sockaddr *)&sa, &sl) != 0) {
        snprintf(err, errlen, "lab: cannot listen on 127.0.0.1: %s", strerror(errno));
        return -1;
    }
    sv->port = ntohs(sa.sin_port);
    sv->deadline_ms = mono_ms() + timeout_ms + 1000;
    if (pthread_create(&sv->th, NULL, server_main, sv) != 0) {
        snprintf(err, errlen, "lab: cannot start the server thread");
        return -1;
    }
    sv->started = true;
    return 0;
}

static void server_stop(struct lab_server *sv)
{
    if (sv->started)
        pthread_join(sv->th, NULL);
    if (sv->lfd >= 0)
        close(sv->lfd);
    if (sv->ctx)
        wolfSSL_CTX_free(sv->ctx);
    memset(sv, 0, sizeof *sv);
    sv->lfd = -1;
}

/* ---- the run ---- */

enum tp_err tp_lab_run(struct tp_lab *lab, const struct tp_lab_scenario *sc, int timeout_ms, struct tp_session **out,
                       char *err, size_t errlen)
{
    *out = NULL;
    tp_wolf_init();
    if (timeout_ms <= 0)
        timeout_ms = 10000;

    /* The client's trust, in a private temporary directory removed below. */
    const char *tmp = getenv("TMPDIR");
    char dir[512], ca[600], inter[600];
    snprintf(dir, sizeof dir, "%s/tlsprobe-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "demo: cannot create a temporary directory: %s", strerror(errno));
        return TP_ERR_IO;
    }
    /* Named for what it holds: the findings quote the trust store's name. */
    snprintf(ca, sizeof ca, "%s/%s", dir,
             !strcmp(sc->name, "unknown-authority") ? "someone-elses-root.pem" : "lab-root.pem");
    snprintf(inter, sizeof inter, "%s/intermediates.pem", dir);
    const struct lab_cert *anchor = !strcmp(sc->name, "unknown-authority") ? &lab->certs[LAB_OTHER_ROOT]
                                                                           : &lab->certs[LAB_ROOT];
    const struct lab_cert *intl = &lab->certs[LAB_INT];
    enum tp_err rc = TP_OK;
    bool want_inter = !strcmp(sc->name, "missing-intermediate");
    if (lab_write_pem(ca, &anchor, 1, false, err, errlen) != 0 ||
        (want_inter && lab_write_pem(inter, &intl, 1, false, err, errlen) != 0)) {
        rc = TP_ERR_IO;
        goto cleanup;
    }

    struct lab_server sv;
    if (server_start(&sv, lab, sc, timeout_ms, err, errlen) != 0) {
        server_stop(&sv);
        rc = TP_ERR_IO;
        goto cleanup;
    }
    struct tp_connect_opts co = { 0 };
    co.host = "127.0.0.1";
    co.port = sv.port;
    co.servername = "localhost";
    co.cafile = ca;
    co.intermediates = want_inter ? inter : NULL;
    co.no_aia = true;
    co.timeout_ms = timeout_ms;
    if (!strcmp(sc->name, "version-mismatch"))
        co.only_version = TP_TLS1_2;
    char perr[256] = "";
    rc = tp_probe_connect(&co, out, perr, sizeof perr);
    /* A probe that failed early leaves the server waiting for a client: give it
     * one that closes at once, so the thread ends now rather than at its deadline. */
    if (rc != TP_OK) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(sv.port) };
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd >= 0) {
            (void)!connect(fd, (struct sockaddr *)&sa, sizeof sa);
            close(fd);
        }
        snprintf(err, errlen, "demo: the probe could not run: %s", perr[0] ? perr : tp_err_text(rc));
    }
    server_stop(&sv);
cleanup:
    unlink(ca);
    unlink(inter);
    rmdir(dir);
    return rc;
}
