/* wolfSSL glue, the context half: contexts (method, groups, cipher list,
 * verify mode, our certificate and key), and the table of wolfSSL error codes.
 * See wolf.h for the contract and ../shared/wolfssl-notes.md for the measured
 * facts behind each choice. The connection half (recorder, secrets, drivers)
 * is wolf.c. */
#include "probe/wolf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tlsprobe/pkcs12.h"

#define TP_WOLF_CIPHERS                                                                       \
    "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256:"            \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"    \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"      \
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305:"              \
    "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:"                \
    "ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:" \
    "ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:DHE-RSA-AES128-SHA:"        \
    "DHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:"         \
    "AES128-SHA:AES256-SHA"

/* ---- error table (wolfSSL_ERR_reason_error_string knows few of these well) ---- */
#define TP_WOLF_ERRS(X)                                                                          \
    X(TP_WOLF_E_TIMEOUT, "TIMEOUT", "the deadline was reached")                                  \
    X(TP_WOLF_E_TOO_MUCH, "TOO_MUCH_DATA", "the peer sent more data than a handshake can need")  \
    X(-301, "INPUT_CASE_ERROR", "internal state error while reading input")                      \
    X(-303, "MEMORY_ERROR", "out of memory")                                                     \
    X(-304, "VERIFY_FINISHED_ERROR", "the peer's Finished message did not verify")               \
    X(-305, "VERIFY_MAC_ERROR", "a record's MAC did not verify")                                 \
    X(-306, "PARSE_ERROR", "could not parse a message from the peer")                            \
    X(-307, "UNKNOWN_HANDSHAKE_TYPE", "the peer sent an unknown handshake message type")         \
    X(-308, "SOCKET_ERROR_E", "the connection failed (closed or reset by the peer)")             \
    X(-309, "SOCKET_NODATA", "expected data from the peer, none came")                           \
    X(-310, "INCOMPLETE_DATA", "the peer's data ended early")                                    \
    X(-311, "UNKNOWN_RECORD_TYPE", "the peer sent a record of an unknown type (not TLS?)")       \
    X(-312, "DECRYPT_ERROR", "a record could not be decrypted")                                  \
    X(-313, "FATAL_ERROR", "the peer sent a fatal alert")                                        \
    X(-314, "ENCRYPT_ERROR", "encryption failed")                                                \
    X(-316, "NO_PEER_KEY", "the peer's key is missing")                                          \
    X(-317, "NO_PRIVATE_KEY", "no private key for our certificate")                              \
    X(-321, "BAD_HELLO", "the hello message was malformed")                                      \
    X(-322, "DOMAIN_NAME_MISMATCH", "the certificate does not name the host")                    \
    X(-323, "WANT_READ", "waiting for data")                                                     \
    X(-325, "IPADDR_MISMATCH", "the certificate does not name the IP address")                   \
    X(-326, "VERSION_ERROR", "the peer's record version is not acceptable (not TLS?)")           \
    X(-327, "WANT_WRITE", "waiting to write")                                                    \
    X(-328, "BUFFER_ERROR", "a message from the peer has inconsistent lengths")                  \
    X(-329, "VERIFY_CERT_ERROR", "certificate verification failed")                              \
    X(-330, "VERIFY_SIGN_ERROR", "the peer's signature did not verify")                          \
    X(-341, "LENGTH_ERROR", "a record is longer than TLS allows (not TLS?)")                     \
    X(-342, "PEER_KEY_ERROR", "the peer's key could not be decoded")                             \
    X(-343, "ZERO_RETURN", "the peer sent close_notify")                                         \
    X(-345, "NO_PEER_CERT", "the peer sent no certificate")                                      \
    X(-351, "ECC_CURVE_ERROR", "unsupported elliptic curve")                                     \
    X(-352, "ECC_PEERKEY_ERROR", "the peer's EC key is invalid")                                 \
    X(-368, "MAX_CHAIN_ERROR", "the certificate chain is longer than allowed")                   \
    X(-373, "OUT_OF_ORDER_E", "the peer sent a message out of order")                            \
    X(-375, "SANITY_CIPHER_E", "the chosen cipher suite is inconsistent")                        \
    X(-376, "RECV_OVERFLOW_E", "the peer sent more than a record can hold")                      \
    X(-383, "KEYUSE_SIGNATURE_E", "the certificate's key usage forbids signing")                 \
    X(-385, "KEYUSE_ENCIPHER_E", "the certificate's key usage forbids key encipherment")         \
    X(-386, "EXTKEYUSE_AUTH_E", "the certificate's extended key usage does not allow this use")  \
    X(-388, "SECURE_RENEGOTIATION_E", "the peer's renegotiation_info is invalid")                \
    X(-394, "SANITY_MSG_E", "the peer sent a message out of order")                              \
    X(-395, "DUPLICATE_MSG_E", "the peer sent the same handshake message twice")                 \
    X(-397, "SOCKET_PEER_CLOSED_E", "the peer closed the connection")                            \
    X(-404, "HANDSHAKE_SIZE_ERROR", "a handshake message from the peer is larger than allowed")   \
    X(-428, "EXT_MISSING", "a required extension is missing")                                    \
    X(-429, "UNSUPPORTED_EXTENSION", "the peer sent an extension we did not offer")              \
    X(-500, "UNSUPPORTED_SUITE", "unsupported cipher suite")                                     \
    X(-501, "MATCH_SUITE_ERROR", "no cipher suite in common")                                    \
    X(-188, "ASN_NO_SIGNER_E", "no trusted signer for the certificate")                          \
    X(-151, "ASN_AFTER_DATE_E", "the certificate has expired")                                   \
    X(-150, "ASN_BEFORE_DATE_E", "the certificate is not yet valid")                             \
    X(-140, "ASN_PARSE_E", "a certificate could not be parsed")

struct err_ent {
    int code;
    const char *name, *text;
};
static const struct err_ent err_table[] = {
#define TP_WOLF_ERR_ENT(c, n, t) { c, n, t },
    TP_WOLF_ERRS(TP_WOLF_ERR_ENT)
#undef TP_WOLF_ERR_ENT
};

static const struct err_ent *err_find(int code)
{
    for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
        if (err_table[i].code == code)
            return &err_table[i];
    return NULL;
}
const char *tp_wolf_err_name(int code)
{
    const struct err_ent *e = err_find(code);
    return e ? e->name : "WOLFSSL_ERROR";
}
const char *tp_wolf_err_text(int code)
{
    const struct err_ent *e = err_find(code);
    return e ? e->text : "wolfSSL error";
}

bool tp_wolf_ctx_no_auto_retry(WOLFSSL_CTX *ctx)
{
    /* the result is the mode now: the bits must be gone */
    return (wolfSSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY) & SSL_MODE_AUTO_RETRY) == 0;
}

/* Record the chain and continue: verification is ours (tp_chain_verify). */
static int verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    (void)preverify;
    (void)store;
    return 1;
}

/* ---- context ---- */
/* Our certificate chain and key (tlsprobe/pkcs12.h: PEM, DER or PKCS#12, the key
 * clear or encrypted, opened with --pass; the key compared with the leaf by
 * public key, since wolfSSL_CTX_check_private_key accepts any EC P-256 key for an
 * EC P-256 certificate in this build). */
static bool load_cert_key(WOLFSSL_CTX *ctx, const struct tp_wolf_ctx_opts *o, char *err, size_t errlen)
{
    if (!o->cert && !o->key)
        return true;
    if (!o->cert) {
        snprintf(err, errlen, "--key needs --cert too");
        return false;
    }
    struct tp_identity id;
    if (tp_identity_load(o->cert, o->key, o->chain, o->pass, &id, err, errlen) != TP_OK)
        return false;
    bool ok = false;
    if (wolfSSL_CTX_use_certificate_chain_buffer(ctx, id.chain_pem, (long)id.chain_pem_len) != WOLFSSL_SUCCESS)
        snprintf(err, errlen, "'%s' holds no certificate wolfSSL can use", o->cert);
    else if (wolfSSL_CTX_use_PrivateKey_buffer(ctx, id.key_der, (long)id.key_der_len, WOLFSSL_FILETYPE_ASN1) !=
             WOLFSSL_SUCCESS)
        snprintf(err, errlen, "'%s' holds no private key wolfSSL can use", o->key ? o->key : o->cert);
    else if (wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS)
        snprintf(err, errlen, "the key in '%s' does not match the certificate in '%s'", o->key ? o->key : o->cert,
                 o->cert);
    else
        ok = true;
    tp_identity_free(&id);
    return ok;
}

WOLFSSL_CTX *tp_wolf_ctx_new(const struct tp_wolf_ctx_opts *o, char *err, size_t errlen)
{
    tp_wolf_init();
    WOLFSSL_METHOD *m;
    if (o->only_version == TP_TLS1_2)
        m = o->server ? wolfTLSv1_2_server_method() : wolfTLSv1_2_client_method();
    else if (o->only_version == TP_TLS1_3)
        m = o->server ? wolfTLSv1_3_server_method() : wolfTLSv1_3_client_method();
    else
        m = o->server ? wolfSSLv23_server_method() : wolfSSLv23_client_method();
    WOLFSSL_CTX *ctx = m ? wolfSSL_CTX_new(m) : NULL;
    if (!ctx) {
        snprintf(err, errlen, "wolfSSL: cannot create a TLS context");
        return NULL;
    }
    /* Every configuration call is checked: a probe that silently kept this
     * build's defaults would offer what we say it does not (issue 21). */
    const char *failed = NULL;
    if (!o->only_version && wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS)
        failed = "wolfSSL_CTX_SetMinVersion(TLS 1.2)";
    /* Debian's build puts P-521 first for TLS 1.2 (slow) and P-256 as the TLS 1.3
     * key share: ask for X25519, P-256 first (wolfssl-notes "Speed facts"). */
    int groups[] = { WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1, WOLFSSL_ECC_SECP384R1, WOLFSSL_ECC_SECP521R1 };
    if (wolfSSL_CTX_set_groups(ctx, groups, (int)(sizeof groups / sizeof groups[0])) != WOLFSSL_SUCCESS) {
        /* set_groups refuses a TLS 1.2-only method (--tls1.2): the supported_groups
         * extension is then set one group at a time, which replaces the default list. */
        for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
            if (wolfSSL_CTX_UseSupportedCurve(ctx, (word16)groups[i]) != WOLFSSL_SUCCESS && !failed)
                failed = "wolfSSL_CTX_UseSupportedCurve";
    }
    /* This build's default list offers anon, NULL, PSK, RC4 and 3DES suites: a
     * probe must not invite a server into those. Modern suites first, then the
     * CBC ones old servers still need (a server with nothing else is reported,
     * as no-shared-cipher). Names this build lacks are skipped by wolfSSL. */
    if (wolfSSL_CTX_set_cipher_list(ctx, TP_WOLF_CIPHERS) != WOLFSSL_SUCCESS && !failed)
        failed = "wolfSSL_CTX_set_cipher_list";
    /* Auto-retry turns a silent peer into an 11 s blocking read. */
    if (!tp_wolf_ctx_no_auto_retry(ctx) && !failed)
        failed = "wolfSSL_CTX_clear_mode(SSL_MODE_AUTO_RETRY)";
    if (failed) {
        snprintf(err, errlen, "wolfSSL: %s failed: this wolfSSL build cannot be configured as tlsprobe needs", failed);
        wolfSSL_CTX_free(ctx);
        return NULL;
    }
    tp_wolf_ctx_callbacks(ctx);
    if (!o->server || o->request_client_cert)
        wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, verify_cb);
    else
        wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
    if (!load_cert_key(ctx, o, err, errlen)) {
        wolfSSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

