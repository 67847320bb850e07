/* Path building and verification against the fixture PKI: a data-driven table
 * (name, chain files, anchors, intermediates, host, expected status and facts),
 * plus bad signature, empty chain and AIA over a real local HTTP server. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tlsprobe/x509.h"
#include "testutil.h"

#define PKI TP_FIXTURES "/pki/"

struct chain {
    struct tp_file *files[4];
    struct tp_bytes certs[16];
    size_t n;
};

static void chain_load(struct chain *c, const char *files)
{
    memset(c, 0, sizeof *c);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", files);
    size_t nf = 0;
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        char path[512];
        snprintf(path, sizeof path, PKI "%s", tok);
        assert_int_equal(tp_file_read(path, &c->files[nf]), TP_OK);
        struct tp_file *f = c->files[nf++];
        for (size_t i = 0; i < f->n_objs; i++)
            if (f->objs[i].kind == TP_OBJ_CERTIFICATE)
                c->certs[c->n++] = tp_bytes_make(f->objs[i].der, f->objs[i].der_len);
    }
}

static void chain_free(struct chain *c)
{
    for (size_t i = 0; i < 4; i++)
        tp_file_free(c->files[i]);
}

struct vcase {
    const char *name, *chain, *cafile, *inters, *host;
    enum tp_purpose purpose;
    enum tp_path_status status;
    enum tp_name_status name_status;
    bool order_ok, root_sent;
    size_t n_extra, path_len;
    int expired, notyet, weak_key, weak_sig;
    bool ku_ok, eku_ok;
    const char *missing_issuer;
};

#define ROOT "root.pem"
static const struct vcase cases[] = {
    { "good", "good-fullchain.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "good-ipv4", "good-fullchain.pem", ROOT, NULL, "127.0.0.1", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "good-ipv6", "good-fullchain.pem", ROOT, NULL, "::1", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "good-wildcard", "good-fullchain.pem", ROOT, NULL, "a.wild.test", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "good-other-ip", "good-fullchain.pem", ROOT, NULL, "127.0.0.2", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_MISMATCH, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "ca-bundle", "good-fullchain.pem", "ca-bundle.pem", NULL, "server.test", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "leaf-only", "good.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_UNKNOWN_AUTHORITY, TP_NAME_OK, true, false, 0, 1, -1, -1, -1, -1, true, true, "CN=tlsprobe Test Issuing CA,O=tlsprobe" },
    { "leaf-only+inters", "good.pem", ROOT, "int.pem", "localhost", TP_PURPOSE_SERVER, TP_PATH_MISSING_INTERMEDIATE, TP_NAME_OK, true, false, 0, 3, -1, -1, -1, -1, true, true, "CN=tlsprobe Test Issuing CA,O=tlsprobe" },
    { "misordered", "good-misordered.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, false, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "with-root", "good-with-root.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, true, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "extra", "good-extra.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 1, 3, -1, -1, -1, -1, true, true, "" },
    { "rogue-leaf", "rogue-leaf.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_UNKNOWN_AUTHORITY, TP_NAME_OK, true, false, 0, 1, -1, -1, -1, -1, true, true, "CN=Rogue Root CA,O=rogue" },
    { "rogue-with-root", "rogue-leaf.pem rogue.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_UNKNOWN_AUTHORITY, TP_NAME_OK, true, true, 0, 2, -1, -1, -1, -1, true, true, "CN=Rogue Root CA,O=rogue" },
    { "rogue-trusted", "rogue-leaf.pem", "rogue.pem", NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 2, -1, -1, -1, -1, true, true, "" },
    { "selfsigned", "selfsigned.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_SELF_SIGNED, TP_NAME_OK, true, false, 0, 1, -1, -1, -1, -1, true, true, "CN=localhost,O=tlsprobe" },
    { "selfsigned-trusted", "selfsigned.pem", "selfsigned.pem", NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 1, -1, -1, -1, -1, true, true, "" },
    { "wronghost", "wronghost-fullchain.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_MISMATCH, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "cnonly", "cnonly-fullchain.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK_CN_ONLY, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "cnonly-other", "cnonly-fullchain.pem", ROOT, NULL, "other.test", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_MISMATCH, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "expired", "expired-fullchain.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, 0, -1, -1, -1, true, true, "" },
    { "notyet", "notyet-fullchain.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, -1, 0, -1, -1, true, true, "" },
    { "expired-int", "expired-int-leaf-fullchain.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, 1, -1, -1, -1, true, true, "" },
    { "noserverauth", "noserverauth-fullchain.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, -1, -1, -1, -1, true, false, "" },
    { "weakkey", "weakkey-fullchain.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, -1, -1, 0, -1, true, true, "" },
    { "sha1", "sha1-fullchain.pem", ROOT, NULL, "localhost", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, -1, -1, -1, 0, true, true, "" },
    { "ed25519", "ed25519-fullchain.pem", ROOT, NULL, "ed25519.test", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "nasty-good-name", "nasty-fullchain.pem", ROOT, NULL, "good.test", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_OK, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "nasty-nul-name", "nasty-fullchain.pem", ROOT, NULL, "evil", TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_MISMATCH, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "client", "client-fullchain.pem", ROOT, NULL, NULL, TP_PURPOSE_CLIENT, TP_PATH_OK, TP_NAME_NOT_CHECKED, true, false, 0, 3, -1, -1, -1, -1, true, true, "" },
    { "client-as-server", "client-fullchain.pem", ROOT, NULL, NULL, TP_PURPOSE_SERVER, TP_PATH_OK, TP_NAME_NOT_CHECKED, true, false, 0, 3, -1, -1, -1, -1, true, false, "" },
    { "client-rogue", "client-rogue.pem", ROOT, NULL, NULL, TP_PURPOSE_CLIENT, TP_PATH_UNKNOWN_AUTHORITY, TP_NAME_NOT_CHECKED, true, false, 0, 1, -1, -1, -1, -1, true, true, "CN=Rogue Root CA,O=rogue" },
    { "client-expired", "client-expired-fullchain.pem", ROOT, NULL, NULL, TP_PURPOSE_CLIENT, TP_PATH_OK, TP_NAME_NOT_CHECKED, true, false, 0, 3, 0, -1, -1, -1, true, true, "" },
};

static void run_case(const struct vcase *vc)
{
    struct chain c;
    chain_load(&c, vc->chain);
    struct tp_store *st = NULL;
    char err[256];
    assert_int_equal(tp_store_load(PKI "", NULL, &st, err, sizeof err), TP_ERR_IO); /* a dir as file: error */
    tp_store_free(st);
    char ca[512];
    snprintf(ca, sizeof ca, PKI "%s", vc->cafile);
    assert_int_equal(tp_store_load(ca, NULL, &st, err, sizeof err), TP_OK);
    if (vc->inters) {
        char ip[512];
        snprintf(ip, sizeof ip, PKI "%s", vc->inters);
        assert_int_equal(tp_store_add_intermediates(st, ip, err, sizeof err), TP_OK);
    }
    struct tp_verify_opts o = { .store = st, .host = vc->host, .purpose = vc->purpose, .aia = false };
    struct tp_verify_result *r = NULL;
    assert_int_equal(tp_chain_verify(c.certs, c.n, &o, &r), TP_OK);
    print_message("case %s: status %d path %zu name %d missing '%s'\n", vc->name, r->status, r->path_len,
                  r->name_status, r->missing_issuer);
    assert_int_equal(r->status, vc->status);
    assert_int_equal(r->name_status, vc->name_status);
    assert_int_equal(r->order_ok, vc->order_ok);
    assert_int_equal(r->root_sent, vc->root_sent);
    assert_int_equal(r->n_extra, vc->n_extra);
    assert_int_equal(r->path_len, vc->path_len);
    assert_int_equal(r->expired_index, vc->expired);
    assert_int_equal(r->not_yet_valid_index, vc->notyet);
    assert_int_equal(r->weak_key_index, vc->weak_key);
    assert_int_equal(r->weak_sig_index, vc->weak_sig);
    assert_int_equal(r->leaf_ku_ok, vc->ku_ok);
    assert_int_equal(r->leaf_eku_ok, vc->eku_ok);
    assert_int_equal(r->n_sent, c.n);
    if (vc->missing_issuer[0])
        assert_string_equal(r->missing_issuer, vc->missing_issuer);
    assert_int_equal(r->store_roots, tp_store_count_roots(st));
    assert_non_null(strstr(r->store_desc, vc->cafile));
    tp_verify_result_free(r);
    tp_store_free(st);
    chain_free(&c);
}

static void test_chain_verify__table__expected_facts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

static void test_chain_verify__misordered__reports_index_and_real_leaf(void **state)
{
    (void)state;
    struct chain c;
    chain_load(&c, "good-misordered.pem");
    struct tp_store *st;
    char err[128];
    assert_int_equal(tp_store_load(PKI ROOT, NULL, &st, err, sizeof err), TP_OK);
    struct tp_verify_opts o = { .store = st, .host = "localhost" };
    struct tp_verify_result *r;
    assert_int_equal(tp_chain_verify(c.certs, c.n, &o, &r), TP_OK);
    assert_int_equal(r->misordered_index, 0);
    assert_int_equal(r->path[0].sent_index, 1);
    assert_int_equal(r->path[1].sent_index, 0);
    assert_int_equal(r->path[2].src, TP_FROM_STORE);
    tp_verify_result_free(r);
    /* extra: index of the unrelated certificate */
    chain_free(&c);
    chain_load(&c, "good-extra.pem");
    assert_int_equal(tp_chain_verify(c.certs, c.n, &o, &r), TP_OK);
    assert_int_equal(r->extra_index[0], 2);
    tp_verify_result_free(r);
    tp_store_free(st);
    chain_free(&c);
}

static void test_chain_verify__bad_signature__bad_signature(void **state)
{
    (void)state;
    struct chain c;
    chain_load(&c, "good-fullchain.pem");
    uint8_t *leaf = tu_exact(c.certs[0].p, c.certs[0].len);
    leaf[c.certs[0].len - 5] ^= 0x55; /* inside the signature value */
    struct tp_bytes certs[2] = { tp_bytes_make(leaf, c.certs[0].len), c.certs[1] };
    struct tp_store *st;
    char err[128];
    assert_int_equal(tp_store_load(PKI ROOT, NULL, &st, err, sizeof err), TP_OK);
    struct tp_verify_opts o = { .store = st, .host = "localhost" };
    struct tp_verify_result *r;
    assert_int_equal(tp_chain_verify(certs, 2, &o, &r), TP_OK);
    assert_int_equal(r->status, TP_PATH_BAD_SIGNATURE);
    tp_verify_result_free(r);
    /* the intermediate's ECDSA signature (by the root) corrupted */
    uint8_t *in = tu_exact(c.certs[1].p, c.certs[1].len);
    in[c.certs[1].len - 3] ^= 0x01;
    struct tp_bytes certs2[2] = { c.certs[0], tp_bytes_make(in, c.certs[1].len) };
    assert_int_equal(tp_chain_verify(certs2, 2, &o, &r), TP_OK);
    assert_int_equal(r->status, TP_PATH_BAD_SIGNATURE);
    tp_verify_result_free(r);
    free(in);
    tp_store_free(st);
    free(leaf);
    chain_free(&c);
}

static void test_chain_verify__empty__empty(void **state)
{
    (void)state;
    struct tp_verify_result *r;
    struct tp_verify_opts o = { 0 };
    assert_int_equal(tp_chain_verify(NULL, 0, &o, &r), TP_OK);
    assert_int_equal(r->status, TP_PATH_EMPTY);
    tp_verify_result_free(r);
}

static void test_chain_verify__expiring_soon__index(void **state)
{
    (void)state;
    struct chain c;
    chain_load(&c, "good-fullchain.pem");
    struct tp_cert_info *ci;
    assert_int_equal(tp_cert_parse(c.certs[0].p, c.certs[0].len, &ci), TP_OK);
    struct tp_store *st;
    char err[128];
    assert_int_equal(tp_store_load(PKI ROOT, NULL, &st, err, sizeof err), TP_OK);
    struct tp_verify_opts o = { .store = st, .host = "localhost", .now = ci->not_after - 10 * 86400 };
    struct tp_verify_result *r;
    assert_int_equal(tp_chain_verify(c.certs, c.n, &o, &r), TP_OK);
    assert_int_equal(r->expiring_soon_index, 0);
    assert_int_equal(r->expired_index, -1);
    tp_verify_result_free(r);
    o.now = ci->not_after - 100 * 86400;
    assert_int_equal(tp_chain_verify(c.certs, c.n, &o, &r), TP_OK);
    assert_int_equal(r->expiring_soon_index, -1);
    tp_verify_result_free(r);
    tp_cert_free(ci);
    tp_store_free(st);
    chain_free(&c);
}

/* ---- AIA over a real local HTTP server ---- */

static int listen_any(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    getsockname(fd, (struct sockaddr *)&a, &al);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Child: serve `body` with `status` to each of `n` connections, then exit. */
static pid_t serve(int lfd, const char *status_line, const uint8_t *body, size_t blen, int n)
{
    pid_t pid = fork();
    if (pid == 0) {
        alarm(10);
        for (int i = 0; i < n; i++) {
            int c = accept(lfd, NULL, NULL);
            if (c < 0)
                _exit(1);
            char req[2048];
            ssize_t k = recv(c, req, sizeof req, 0);
            (void)k;
            char hdr[256];
            int hl = snprintf(hdr, sizeof hdr, "%s\r\nContent-Length: %zu\r\n\r\n", status_line, blen);
            if (send(c, hdr, (size_t)hl, 0) < 0 || (blen && send(c, body, blen, 0) < 0))
                _exit(1);
            close(c);
        }
        _exit(0);
    }
    return pid;
}

static void test_chain_verify__aia__missing_intermediate_or_unknown(void **state)
{
    (void)state;
    int port, lfd = listen_any(&port);
    char dir[] = "/tmp/tp-aia-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "bash " PKI "make-pki.sh aia-leaf %s http://127.0.0.1:%d/int.der", dir, port);
    assert_int_equal(system(cmd), 0);
    char leafp[600];
    snprintf(leafp, sizeof leafp, "%s/aia-leaf.pem", dir);
    struct tp_file *lf;
    assert_int_equal(tp_file_read(leafp, &lf), TP_OK);
    struct tp_bytes leaf = tp_bytes_make(lf->objs[0].der, lf->objs[0].der_len);
    size_t dlen;
    uint8_t *intder = tu_fixture("pki/int.der", &dlen);
    struct tp_store *st;
    char err[128];
    assert_int_equal(tp_store_load(PKI ROOT, NULL, &st, err, sizeof err), TP_OK);
    struct tp_verify_result *r;

    /* AIA on: the intermediate comes from the URL */
    pid_t pid = serve(lfd, "HTTP/1.0 200 OK", intder, dlen, 1);
    struct tp_verify_opts o = { .store = st, .host = "localhost", .aia = true, .aia_timeout_ms = 3000 };
    assert_int_equal(tp_chain_verify(&leaf, 1, &o, &r), TP_OK);
    assert_int_equal(r->status, TP_PATH_MISSING_INTERMEDIATE);
    assert_true(r->aia_tried);
    assert_true(r->aia_ok);
    assert_int_equal(r->path_len, 3);
    assert_int_equal(r->path[1].src, TP_FROM_AIA);
    assert_string_equal(r->missing_issuer, "CN=tlsprobe Test Issuing CA,O=tlsprobe");
    tp_verify_result_free(r);
    waitpid(pid, NULL, 0);

    /* one redirect is followed (to the same server), a second is not */
    char loc[128];
    snprintf(loc, sizeof loc, "HTTP/1.0 302 Found\r\nLocation: http://127.0.0.1:%d/moved.der", port);
    pid = fork();
    if (pid == 0) {
        pid_t p1 = serve(lfd, loc, (const uint8_t *)"", 0, 1);
        waitpid(p1, NULL, 0);
        pid_t p2 = serve(lfd, "HTTP/1.0 200 OK", intder, dlen, 1);
        waitpid(p2, NULL, 0);
        _exit(0);
    }
    assert_int_equal(tp_chain_verify(&leaf, 1, &o, &r), TP_OK);
    assert_int_equal(r->status, TP_PATH_MISSING_INTERMEDIATE);
    tp_verify_result_free(r);
    waitpid(pid, NULL, 0);
    pid = serve(lfd, loc, (const uint8_t *)"", 0, 2);
    assert_int_equal(tp_chain_verify(&leaf, 1, &o, &r), TP_OK);
    assert_int_equal(r->status, TP_PATH_UNKNOWN_AUTHORITY);
    assert_non_null(strstr(r->aia_error, "redirect"));
    tp_verify_result_free(r);
    waitpid(pid, NULL, 0);

    /* AIA off: unknown authority, nothing fetched */
    o.aia = false;
    assert_int_equal(tp_chain_verify(&leaf, 1, &o, &r), TP_OK);
    assert_int_equal(r->status, TP_PATH_UNKNOWN_AUTHORITY);
    assert_false(r->aia_tried);
    tp_verify_result_free(r);

    /* AIA answers 404: unknown authority, with the reason */
    o.aia = true;
    pid = serve(lfd, "HTTP/1.0 404 Not Found", (const uint8_t *)"", 0, 1);
    assert_int_equal(tp_chain_verify(&leaf, 1, &o, &r), TP_OK);
    assert_int_equal(r->status, TP_PATH_UNKNOWN_AUTHORITY);
    assert_true(r->aia_tried);
    assert_false(r->aia_ok);
    assert_non_null(strstr(r->aia_error, "404"));
    tp_verify_result_free(r);
    waitpid(pid, NULL, 0);

    /* AIA returns an unrelated certificate (PEM): still unknown authority */
    size_t rlen;
    uint8_t *rogue = tu_fixture("pki/rogue.pem", &rlen);
    pid = serve(lfd, "HTTP/1.0 200 OK", rogue, rlen, 1);
    assert_int_equal(tp_chain_verify(&leaf, 1, &o, &r), TP_OK);
    assert_int_equal(r->status, TP_PATH_UNKNOWN_AUTHORITY);
    assert_false(r->aia_ok);
    assert_true(r->aia_error[0] != 0);
    tp_verify_result_free(r);
    waitpid(pid, NULL, 0);
    free(rogue);

    /* good.pem's placeholder AIA (port 1): refused quickly, unknown authority */
    struct chain c;
    chain_load(&c, "good.pem");
    assert_int_equal(tp_chain_verify(c.certs, 1, &o, &r), TP_OK);
    assert_int_equal(r->status, TP_PATH_UNKNOWN_AUTHORITY);
    assert_true(r->aia_tried);
    assert_string_equal(r->aia_url, "http://127.0.0.1:1/int.der");
    assert_true(r->aia_error[0] != 0);
    tp_verify_result_free(r);
    chain_free(&c);

    /* a server that accepts and never answers: the AIA deadline holds */
    struct timespec t0, t1;
    o.aia_timeout_ms = 400;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(tp_chain_verify(&leaf, 1, &o, &r), TP_OK); /* nobody calls accept on lfd */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("silent AIA server: %.2f s, '%s'\n", secs, r->aia_error);
    assert_true(secs < 1.5);
    assert_int_equal(r->status, TP_PATH_UNKNOWN_AUTHORITY);
    assert_non_null(strstr(r->aia_error, "in time"));
    tp_verify_result_free(r);

    /* a name that does not resolve */
    char dir2[] = "/tmp/tp-aia2-XXXXXX";
    assert_non_null(mkdtemp(dir2));
    snprintf(cmd, sizeof cmd, "bash " PKI "make-pki.sh aia-leaf %s http://no-such-host.invalid/int.der", dir2);
    assert_int_equal(system(cmd), 0);
    snprintf(leafp, sizeof leafp, "%s/aia-leaf.pem", dir2);
    struct tp_file *lf2;
    assert_int_equal(tp_file_read(leafp, &lf2), TP_OK);
    struct tp_bytes leaf2 = tp_bytes_make(lf2->objs[0].der, lf2->objs[0].der_len);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(tp_chain_verify(&leaf2, 1, &o, &r), TP_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("unresolvable AIA host: %.2f s, '%s'\n", secs, r->aia_error);
    assert_true(secs < 1.5);
    assert_int_equal(r->status, TP_PATH_UNKNOWN_AUTHORITY);
    assert_non_null(strstr(r->aia_error, "no-such-host.invalid"));
    tp_verify_result_free(r);
    tp_file_free(lf2);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir2);
    assert_int_equal(system(cmd), 0);

    close(lfd);
    free(intder);
    tp_file_free(lf);
    tp_store_free(st);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_store__system__loads_roots(void **state)
{
    (void)state;
    struct tp_store *st;
    char err[128];
    unsetenv("SSL_CERT_FILE");
    unsetenv("SSL_CERT_DIR");
    assert_int_equal(tp_store_load(NULL, NULL, &st, err, sizeof err), TP_OK);
    print_message("system store: %s\n", tp_store_describe(st));
    tp_store_free(st);
    setenv("SSL_CERT_FILE", PKI "ca-bundle.pem", 1);
    assert_int_equal(tp_store_load(NULL, NULL, &st, err, sizeof err), TP_OK);
    assert_int_equal(tp_store_count_roots(st), 2);
    assert_non_null(strstr(tp_store_describe(st), "SSL_CERT_FILE"));
    tp_store_free(st);
    unsetenv("SSL_CERT_FILE");
    assert_int_equal(tp_store_load(PKI "nonexistent.pem", NULL, &st, err, sizeof err), TP_ERR_IO);
    assert_non_null(strstr(err, "nonexistent.pem"));
    assert_int_equal(tp_store_load(TP_FIXTURES "/files/garbage.pem", NULL, &st, err, sizeof err), TP_ERR_IO);
    assert_int_equal(tp_store_load(TP_FIXTURES "/files/key.key", NULL, &st, err, sizeof err), TP_ERR_IO);
    assert_non_null(strstr(err, "no certificate"));
    tp_store_free(NULL);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_verify__table__expected_facts),
        cmocka_unit_test(test_chain_verify__misordered__reports_index_and_real_leaf),
        cmocka_unit_test(test_chain_verify__bad_signature__bad_signature),
        cmocka_unit_test(test_chain_verify__empty__empty),
        cmocka_unit_test(test_chain_verify__expiring_soon__index),
        cmocka_unit_test(test_chain_verify__aia__missing_intermediate_or_unknown),
        cmocka_unit_test(test_store__system__loads_roots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
