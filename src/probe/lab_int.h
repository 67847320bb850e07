/* Private to lab.c / lab_pki.c. */
#ifndef TLSPROBE_PROBE_LAB_INT_H
#define TLSPROBE_PROBE_LAB_INT_H
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "tlsprobe/lab.h"

enum lab_which {
    LAB_ROOT,
    LAB_INT,
    LAB_LEAF,          /* CN=localhost, SAN localhost + 127.0.0.1 */
    LAB_LEAF_OTHER,    /* SAN www.example.test only */
    LAB_LEAF_CN_ONLY,  /* CN=localhost, no SAN */
    LAB_LEAF_EXPIRED,
    LAB_CLIENT,
    LAB_OTHER_ROOT,    /* an unrelated root: the wrong trust anchor */
    LAB_INT_NC,        /* an intermediate constrained to corp.test and 10.0.0.0/8 (nameConstraints) */
    LAB_LEAF_NC,       /* CN=localhost, SAN localhost + 127.0.0.1, issued by LAB_INT_NC: outside its constraints */
    LAB__COUNT
};

struct lab_cert_spec {
    const char *cn;
    bool is_ca;
    int path_len;                 /* -1: none */
    const char *const *dns;
    size_t n_dns;
    const uint8_t *ip4;
    const char *key_usage, *ext_key_usage;
    time_t not_before, not_after; /* 0: now - 1 h / now + 90 days */
    const uint8_t *name_constraints; /* NameConstraints DER (critical extension), or NULL */
    size_t name_constraints_len;
};

struct lab_cert {
    uint8_t der[2048];
    int der_len;
    uint8_t key_der[256];
    int key_der_len;
    ecc_key key;
    bool key_init;
    char cn[64];
    time_t not_before, not_after;
};

struct tp_lab {
    struct lab_cert certs[LAB__COUNT];
    uint8_t csr_der[1024];   /* a CSR for the server leaf's key (--keep: server.csr) */
    int csr_der_len;
};

char *lab_pem(const uint8_t *der, int der_len, int type, int *pem_len);
int lab_write_pem(const char *path, const struct lab_cert *const *certs, size_t n, bool key, char *err, size_t errlen);

#endif
