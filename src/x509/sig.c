/* A signature over signed bytes checked with wolfCrypt, from the algorithm OID,
 * the BIT STRING content and a SubjectPublicKeyInfo: certificates (cert.c),
 * OCSP responses and CRLs. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/ed448.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/signature.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include "tlsprobe/x509.h"
#include "x509_int.h"

static atomic_bool keep_ecc_cache;

void tp_x509_keep_ecc_cache(bool keep)
{
    atomic_store(&keep_ecc_cache, keep);
}

int sig_verify_raw(struct tp_bytes alg_oid, struct tp_bytes signed_bytes, struct tp_bytes sig_bits,
                   struct tp_bytes spki_whole)
{
    static const struct { const char *oid; enum wc_HashType hash; int kind; } algs[] = {
        /* kind 1 RSA PKCS#1 v1.5, 2 ECDSA, 3 Ed25519, 4 Ed448 */
        { "1.2.840.113549.1.1.4", WC_HASH_TYPE_MD5, 1 },     { "1.2.840.113549.1.1.5", WC_HASH_TYPE_SHA, 1 },
        { "1.2.840.113549.1.1.14", WC_HASH_TYPE_SHA224, 1 }, { "1.2.840.113549.1.1.11", WC_HASH_TYPE_SHA256, 1 },
        { "1.2.840.113549.1.1.12", WC_HASH_TYPE_SHA384, 1 }, { "1.2.840.113549.1.1.13", WC_HASH_TYPE_SHA512, 1 },
        { "1.2.840.10045.4.1", WC_HASH_TYPE_SHA, 2 },        { "1.2.840.10045.4.3.1", WC_HASH_TYPE_SHA224, 2 },
        { "1.2.840.10045.4.3.2", WC_HASH_TYPE_SHA256, 2 },   { "1.2.840.10045.4.3.3", WC_HASH_TYPE_SHA384, 2 },
        { "1.2.840.10045.4.3.4", WC_HASH_TYPE_SHA512, 2 },   { "1.3.101.112", WC_HASH_TYPE_NONE, 3 },
        { "1.3.101.113", WC_HASH_TYPE_NONE, 4 },
    };
    int kind = 0;
    enum wc_HashType hash = WC_HASH_TYPE_NONE;
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (oid_is(alg_oid, algs[i].oid)) {
            kind = algs[i].kind;
            hash = algs[i].hash;
        }
    if (!kind)
        return -1;
    if (sig_bits.len < 2 || sig_bits.p[0] != 0 || signed_bytes.len > 0xffffffffu || sig_bits.len > 0xffffffffu ||
        spki_whole.len > 0xffffffffu || !signed_bytes.p || !spki_whole.p)
        return 0;
    const byte *sig = sig_bits.p + 1, *msg = signed_bytes.p, *key = spki_whole.p;
    word32 sig_len = (word32)sig_bits.len - 1, msg_len = (word32)signed_bytes.len, key_len = (word32)spki_whole.len;
    word32 idx = 0;
    int ok = 0, res = 0;
    if (kind == 1) {
        RsaKey rsa;
        if (wc_InitRsaKey(&rsa, NULL) != 0)
            return 0;
        if (wc_RsaPublicKeyDecode(key, &idx, &rsa, key_len) == 0)
            ok = wc_SignatureVerify(hash, WC_SIGNATURE_TYPE_RSA_W_ENC, msg, msg_len, sig, sig_len, &rsa,
                                    sizeof rsa) == 0;
        wc_FreeRsaKey(&rsa);
    } else if (kind == 2) {
        ecc_key ecc;
        if (wc_ecc_init(&ecc) != 0)
            return 0;
        /* Debian's wolfSSL keeps a per-thread fixed-point cache (FP_ECC) and builds
         * a lookup table for a point on its second use: ~5 ms, far more than the
         * verification itself (~0.3 ms), and paid in every connect (the
         * generator was already used once for the server's CertificateVerify).
         * Starting from an empty cache skips the table build, unless the program
         * said the cache pays off (tp_x509_keep_ecc_cache). Speed only: the
         * result is the same. */
#ifdef FP_ECC
        if (!atomic_load_explicit(&keep_ecc_cache, memory_order_relaxed))
            wc_ecc_fp_free();
#endif
        if (wc_EccPublicKeyDecode(key, &idx, &ecc, key_len) == 0)
            ok = wc_SignatureVerify(hash, WC_SIGNATURE_TYPE_ECC, msg, msg_len, sig, sig_len, &ecc, sizeof ecc) == 0;
        wc_ecc_free(&ecc);
    } else if (kind == 3) {
        ed25519_key ed;
        if (wc_ed25519_init(&ed) != 0)
            return 0;
        if (wc_Ed25519PublicKeyDecode(key, &idx, &ed, key_len) == 0)
            ok = wc_ed25519_verify_msg(sig, sig_len, msg, msg_len, &res, &ed) == 0 && res == 1;
        wc_ed25519_free(&ed);
    } else {
        ed448_key ed;
        if (wc_ed448_init(&ed) != 0)
            return 0;
        if (wc_Ed448PublicKeyDecode(key, &idx, &ed, key_len) == 0)
            ok = wc_ed448_verify_msg(sig, sig_len, msg, msg_len, &res, &ed, NULL, 0) == 0 && res == 1;
        wc_ed448_free(&ed);
    }
    return ok;
}
