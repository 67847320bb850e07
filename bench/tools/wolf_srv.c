/* wolf_srv - the bare wolfSSL server loop: the floor for `tlsprobe listen`'s CPU.
 *   wolf_srv 127.0.0.1 PORT CERT_CHAIN_PEM KEY_PEM
 * One thread, blocking sockets, wolfSSL's own I/O: accept, wolfSSL_accept (full
 * handshake with the same context settings as listen: TLS 1.2+1.3, groups X25519,
 * P-256, P-384, P-521), read until the client's close_notify or EOF, our
 * close_notify, close. No recording, no transcript, no output. Runs until killed.
 * Compare its CPU per handshake with openssl s_server and listen (bench/listen-bench.sh). */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: wolf_srv HOST PORT CERT_CHAIN_PEM KEY_PEM\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* our close_notify after the client closed */
    wolfSSL_Init();
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
    int groups[] = { WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1, WOLFSSL_ECC_SECP384R1, WOLFSSL_ECC_SECP521R1 };
    if (!ctx || wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS ||
        wolfSSL_CTX_set_groups(ctx, groups, 4) != WOLFSSL_SUCCESS ||
        wolfSSL_CTX_use_certificate_chain_file(ctx, argv[3]) != WOLFSSL_SUCCESS ||
        wolfSSL_CTX_use_PrivateKey_file(ctx, argv[4], WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
        fprintf(stderr, "wolf_srv: context setup failed\n");
        return 1;
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &sa.sin_addr);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 1024)) {
        perror("wolf_srv: bind/listen");
        return 1;
    }
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        WOLFSSL *s = wolfSSL_new(ctx);
        wolfSSL_set_fd(s, fd);
        if (wolfSSL_accept(s) == WOLFSSL_SUCCESS) {
            char buf[4096];
            while (wolfSSL_read(s, buf, sizeof buf) > 0) {
            }
            wolfSSL_shutdown(s);
        }
        wolfSSL_free(s);
        close(fd);
    }
}
