/* TLS record decryption with wolfCrypt only (no hand-written crypto).
 *
 * TLS 1.3 (RFC 8446 §5.2-5.3, §7.1-7.3): key/iv = HKDF-Expand-Label(secret,
 * "key"/"iv"), nonce = iv XOR seq, AAD = the record header, inner plaintext =
 * content || type || zeros.
 * TLS 1.0-1.2 (RFC 5246 §6.2.3, §6.3): key block = PRF(master, "key expansion",
 * server_random || client_random) split into MAC keys, keys, IVs; AES-GCM
 * (RFC 5288: 4-byte implicit + 8-byte explicit nonce), ChaCha20-Poly1305
 * (RFC 7905: iv XOR seq), CBC with HMAC MAC-then-encrypt or encrypt-then-MAC
 * (RFC 7366), explicit IV from TLS 1.1 on, chained IV in TLS 1.0.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/kdf.h>
#include <wolfssl/wolfcrypt/md5.h>
#include <wolfssl/wolfcrypt/sha.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/sha512.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/names.h"
#include "session/internal.h"

enum rc_kind { RC_AES_GCM, RC_CHACHA, RC_AES_CBC, RC_AES_CCM };

struct tp_rc {
    enum rc_kind kind;
    bool tls13;
    bool etm;
    uint16_t version;
    uint64_t seq;
    size_t tag_len;         /* AEAD tag: 16, or 8 for the CCM_8 suites */
    Aes aes;
    bool aes_ready;
    uint8_t key[32];
    size_t key_len;
    uint8_t iv[16];         /* 1.3 / ChaCha: 12; 1.2 GCM: 4 (implicit); TLS 1.0 CBC: chained 16 */
    size_t iv_len;
    uint8_t mac_key[48];
    size_t mac_len;
    int hmac_type;          /* WC_SHA, WC_SHA256, WC_SHA384 */
    int hkdf_hash;          /* 1.3: WC_SHA256 / WC_SHA384 */
    uint8_t secret[48];     /* 1.3: current traffic secret (for KeyUpdate) */
    size_t secret_len;
    bool keyed;             /* 1.3: the AEAD holds rc->key (key13) */
    bool own;               /* tp_rc_trust_own: AES-GCM opened as its counter stream */
    Aes ctr;                /* own: AES-CTR with the same key */
    bool ctr_ready;
    const struct tp_keylog *known; /* 1.3: may hold our own records' plaintexts */
};

#define TAG_LEN 16

void tp_rc_free(struct tp_rc *rc)
{
    if (!rc)
        return;
    if (rc->aes_ready)
        wc_AesFree(&rc->aes);
    if (rc->ctr_ready)
        wc_AesFree(&rc->ctr);
    explicit_bzero(rc, sizeof *rc); /* keys do not outlive the session (a memset before free may be dropped) */
    free(rc);
}

static enum tp_err aes_setup(struct tp_rc *rc)
{
    if (wc_AesInit(&rc->aes, NULL, INVALID_DEVID) != 0)
        return TP_ERR_CRYPTO;
    rc->aes_ready = true;
    int ret;
    if (rc->kind == RC_AES_GCM)
        ret = wc_AesGcmSetKey(&rc->aes, rc->key, (word32)rc->key_len);
    else if (rc->kind == RC_AES_CCM)
        ret = wc_AesCcmSetKey(&rc->aes, rc->key, (word32)rc->key_len);
    else
        ret = wc_AesSetKey(&rc->aes, rc->key, (word32)rc->key_len, NULL, AES_DECRYPTION);
    return ret == 0 ? TP_OK : TP_ERR_CRYPTO;
}

static const uint8_t tls13_prefix[] = "tls13 ";

static enum tp_err expand13(const struct tp_rc *rc, const char *label, uint8_t *out, size_t out_len)
{
    int ret = wc_Tls13_HKDF_Expand_Label(out, (word32)out_len, rc->secret, (word32)rc->secret_len,
                                         tls13_prefix, 6, (const byte *)label, (word32)strlen(label),
                                         NULL, 0, rc->hkdf_hash);
    return ret == 0 ? TP_OK : TP_ERR_CRYPTO;
}

/* known: a key log that may already hold the key and IV the TLS library derived
 * from this secret (tp_keylog_traffic_keys); NULL or not there: derive them. */
static enum tp_err derive13(struct tp_rc *rc, const struct tp_keylog *known)
{
    enum tp_err e = TP_OK;
    if (!tp_keylog_traffic_keys(known, rc->secret, rc->secret_len, rc->key_len, rc->key, rc->iv)) {
        e = expand13(rc, "key", rc->key, rc->key_len);
        if (e == TP_OK)
            e = expand13(rc, "iv", rc->iv, 12);
    }
    rc->iv_len = 12;
    rc->seq = 0;
    rc->keyed = false; /* the AEAD is keyed when first used (key13) */
    return e;
}

/* Key the AEAD with rc->key: AES-GCM's key schedule and GHASH table are not made
 * for a direction that never needs them (our own records, tp_rc_trust_own). */
static enum tp_err key13(struct tp_rc *rc)
{
    enum tp_err e = TP_OK;
    if (rc->kind == RC_AES_GCM && rc->aes_ready)
        e = wc_AesGcmSetKey(&rc->aes, rc->key, (word32)rc->key_len) == 0 ? TP_OK : TP_ERR_CRYPTO;
    else if (rc->kind == RC_AES_CCM && rc->aes_ready)
        e = wc_AesCcmSetKey(&rc->aes, rc->key, (word32)rc->key_len) == 0 ? TP_OK : TP_ERR_CRYPTO;
    else if (rc->kind != RC_CHACHA)
        e = aes_setup(rc);
    rc->keyed = e == TP_OK;
    return e;
}

enum tp_err tp_rc_new13(uint16_t suite, const uint8_t *secret, size_t secret_len, const struct tp_keylog *known,
                        struct tp_rc **out)
{
    *out = NULL;
    struct tp_rc *rc = calloc(1, sizeof *rc);
    if (!rc)
        return TP_ERR_NOMEM;
    rc->tls13 = true;
    rc->version = TP_TLS1_3;
    rc->tag_len = TAG_LEN;
    switch (suite) {
    case 0x1301: rc->kind = RC_AES_GCM; rc->key_len = 16; rc->hkdf_hash = WC_SHA256; break;
    case 0x1302: rc->kind = RC_AES_GCM; rc->key_len = 32; rc->hkdf_hash = WC_SHA384; break;
    case 0x1303: rc->kind = RC_CHACHA;  rc->key_len = 32; rc->hkdf_hash = WC_SHA256; break;
    case 0x1304: rc->kind = RC_AES_CCM; rc->key_len = 16; rc->hkdf_hash = WC_SHA256; break;
    case 0x1305: rc->kind = RC_AES_CCM; rc->key_len = 16; rc->hkdf_hash = WC_SHA256; rc->tag_len = 8; break;
    default:
        free(rc);
        return TP_ERR_UNSUPPORTED;
    }
    size_t hash_len = rc->hkdf_hash == WC_SHA384 ? 48 : 32;
    if (secret_len != hash_len) {
        free(rc);
        return TP_ERR_MALFORMED;
    }
    memcpy(rc->secret, secret, secret_len);
    rc->secret_len = secret_len;
    rc->known = known;
    enum tp_err e = derive13(rc, known);
    if (e != TP_OK) {
        tp_rc_free(rc);
        return e;
    }
    *out = rc;
    return TP_OK;
}

enum tp_err tp_rc_update13(struct tp_rc *rc)
{
    if (!rc || !rc->tls13)
        return TP_ERR_USAGE;
    uint8_t next[48];
    enum tp_err e = expand13(rc, "traffic upd", next, rc->secret_len);
    if (e != TP_OK)
        return e;
    memcpy(rc->secret, next, rc->secret_len);
    return derive13(rc, NULL);
}

static int hmac_type_of(enum tp_hash h, size_t *len)
{
    switch (h) {
    case TP_HASH_SHA1: *len = 20; return WC_SHA;
    case TP_HASH_SHA256: *len = 32; return WC_SHA256;
    case TP_HASH_SHA384: *len = 48; return WC_SHA384;
    case TP_HASH_MD5: *len = 16; return WC_MD5;
    default: *len = 0; return -1;
    }
}

enum tp_err tp_rc_new12(uint16_t suite, uint16_t version, bool etm, const uint8_t master[48],
                        const uint8_t client_random[32], const uint8_t server_random[32], bool client_write,
                        struct tp_rc **out)
{
    *out = NULL;
    const struct tp_suite_info *si = tp_suite_info(suite);
    if (!si || si->tls13 || version < TP_TLS1_0 || version > TP_TLS1_2)
        return TP_ERR_UNSUPPORTED;
    struct tp_rc *rc = calloc(1, sizeof *rc);
    if (!rc)
        return TP_ERR_NOMEM;
    rc->version = version;
    rc->tag_len = TAG_LEN;
    size_t iv_len = 0;
    switch (si->bulk) {
    case TP_BULK_AES_128_GCM: rc->kind = RC_AES_GCM; rc->key_len = 16; iv_len = 4; break;
    case TP_BULK_AES_256_GCM: rc->kind = RC_AES_GCM; rc->key_len = 32; iv_len = 4; break;
    case TP_BULK_CHACHA20_POLY1305: rc->kind = RC_CHACHA; rc->key_len = 32; iv_len = 12; break;
    /* RFC 6655 §3: CCM nonces are built like GCM's (4-byte salt + 8 explicit) */
    case TP_BULK_AES_128_CCM: rc->kind = RC_AES_CCM; rc->key_len = 16; iv_len = 4; break;
    case TP_BULK_AES_256_CCM: rc->kind = RC_AES_CCM; rc->key_len = 32; iv_len = 4; break;
    case TP_BULK_AES_128_CCM_8: rc->kind = RC_AES_CCM; rc->key_len = 16; iv_len = 4; rc->tag_len = 8; break;
    case TP_BULK_AES_128_CBC: rc->kind = RC_AES_CBC; rc->key_len = 16; break;
    case TP_BULK_AES_256_CBC: rc->kind = RC_AES_CBC; rc->key_len = 32; break;
    default:
        free(rc);
        return TP_ERR_UNSUPPORTED;
    }
    if (rc->kind != RC_AES_CBC && version != TP_TLS1_2) {
        free(rc);
        return TP_ERR_UNSUPPORTED;
    }
    if (rc->kind == RC_AES_CBC) {
        rc->hmac_type = hmac_type_of(si->mac, &rc->mac_len);
        if (rc->hmac_type < 0) {
            free(rc);
            return TP_ERR_UNSUPPORTED;
        }
        rc->etm = etm;
        /* RFC 2246 §6.3: TLS 1.0 derives the CBC IVs; TLS 1.1+ sends them per record */
        iv_len = version == TP_TLS1_0 ? 16 : 0;
    }
    rc->iv_len = iv_len;

    uint8_t seed[64], block[2 * (48 + 32 + 16)];
    size_t need = 2 * (rc->mac_len + rc->key_len + iv_len);
    memcpy(seed, server_random, 32);
    memcpy(seed + 32, client_random, 32);
    static const uint8_t label[] = "key expansion";
    int ret;
    if (version == TP_TLS1_2) {
        int prf = si->prf == TP_HASH_SHA384 ? sha384_mac : sha256_mac;
        ret = wc_PRF_TLS(block, (word32)need, master, 48, label, 13, seed, 64, 1, prf, NULL, INVALID_DEVID);
    } else {
        ret = wc_PRF_TLSv1(block, (word32)need, master, 48, label, 13, seed, 64, NULL, INVALID_DEVID);
    }
    if (ret != 0) {
        free(rc);
        return TP_ERR_CRYPTO;
    }
    /* client MAC, server MAC, client key, server key, client IV, server IV */
    size_t off = client_write ? 0 : rc->mac_len;
    memcpy(rc->mac_key, block + off, rc->mac_len);
    off = 2 * rc->mac_len + (client_write ? 0 : rc->key_len);
    memcpy(rc->key, block + off, rc->key_len);
    off = 2 * rc->mac_len + 2 * rc->key_len + (client_write ? 0 : iv_len);
    memcpy(rc->iv, block + off, iv_len);
    memset(block, 0, sizeof block);
    if (rc->kind != RC_CHACHA && aes_setup(rc) != TP_OK) {
        tp_rc_free(rc);
        return TP_ERR_CRYPTO;
    }
    *out = rc;
    return TP_OK;
}

enum tp_err tp_rc_master12(uint16_t suite, uint16_t version, const uint8_t *pms, size_t pms_len, const uint8_t *hs,
                           size_t hs_len, const uint8_t client_random[32], const uint8_t server_random[32],
                           uint8_t master[48])
{
    const struct tp_suite_info *si = tp_suite_info(suite);
    if (!si || si->tls13 || version < TP_TLS1_0 || version > TP_TLS1_2 || pms_len == 0 || pms_len > 512)
        return TP_ERR_UNSUPPORTED;
    bool sha384 = version == TP_TLS1_2 && si->prf == TP_HASH_SHA384;
    uint8_t seed[64];
    size_t seed_len;
    const uint8_t *label;
    size_t label_len;
    int ret = 0;
    if (hs) {
        /* RFC 7627 §3: session_hash = Hash(handshake_messages); TLS 1.0/1.1: MD5 || SHA-1 */
        static const uint8_t ems[] = "extended master secret";
        label = ems;
        label_len = sizeof ems - 1;
        if (version < TP_TLS1_2) {
            ret = wc_Md5Hash(hs, (word32)hs_len, seed);
            if (ret == 0)
                ret = wc_ShaHash(hs, (word32)hs_len, seed + 16);
            seed_len = 36;
        } else if (sha384) {
            ret = wc_Sha384Hash(hs, (word32)hs_len, seed);
            seed_len = 48;
        } else {
            ret = wc_Sha256Hash(hs, (word32)hs_len, seed);
            seed_len = 32;
        }
    } else {
        static const uint8_t ms[] = "master secret";
        label = ms;
        label_len = sizeof ms - 1;
        memcpy(seed, client_random, 32);
        memcpy(seed + 32, server_random, 32);
        seed_len = 64;
    }
    if (ret == 0) {
        if (version == TP_TLS1_2)
            ret = wc_PRF_TLS(master, 48, pms, (word32)pms_len, label, (word32)label_len, seed, (word32)seed_len, 1,
                             sha384 ? sha384_mac : sha256_mac, NULL, INVALID_DEVID);
        else
            ret = wc_PRF_TLSv1(master, 48, pms, (word32)pms_len, label, (word32)label_len, seed, (word32)seed_len,
                               NULL, INVALID_DEVID);
    }
    return ret == 0 ? TP_OK : TP_ERR_CRYPTO;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* 12-byte nonce = iv XOR (0000 || seq) */
static void xor_nonce(const uint8_t iv[12], uint64_t seq, uint8_t nonce[12])
{
    uint8_t s[8];
    put64(s, seq);
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= s[i];
}

void tp_rc_trust_own(struct tp_rc *rc)
{
    if (rc && rc->kind == RC_AES_GCM)
        rc->own = true;
}

/* GCM's confidentiality part alone (NIST SP 800-38D §7.2): with a 96-bit IV,
 * J0 = IV || 0^31 || 1 and the plaintext is GCTR(K, inc32(J0), C), i.e. AES-CTR
 * from IV || 00000002 (wolfCrypt's counter carries over all 128 bits; a record
 * of at most 2^14 + 256 bytes never reaches the 32-bit wrap where that differs).
 * When the key log holds the plaintext our TLS library sealed into this record
 * (same header, same length, and the same first block as this record's first
 * block opened with its own key and nonce), that is taken for the rest. */
static enum tp_err gcm_stream_open(struct tp_rc *rc, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                                   const uint8_t *ct, size_t ct_len, uint8_t *out)
{
    if (!rc->ctr_ready) {
        if (wc_AesInit(&rc->ctr, NULL, INVALID_DEVID) != 0)
            return TP_ERR_CRYPTO;
        rc->ctr_ready = true;
    }
    uint8_t cb[16];
    memcpy(cb, nonce, 12);
    cb[12] = cb[13] = cb[14] = 0;
    cb[15] = 2;
    if (wc_AesSetKeyDirect(&rc->ctr, rc->key, (word32)rc->key_len, cb, AES_ENCRYPTION) != 0)
        return TP_ERR_CRYPTO;
    size_t done = 0;
    if (rc->known && aad_len == 5 && ct_len >= 16) {
        if (wc_AesCtrEncrypt(&rc->ctr, out, ct, 16) != 0)
            return TP_ERR_CRYPTO;
        const uint8_t *pt = tp_keylog_own_record(rc->known, aad, ct_len, out);
        if (pt) {
            memcpy(out, pt, ct_len);
            return TP_OK;
        }
        done = 16; /* not known: the counter stream goes on from the second block */
    }
    if (ct_len > done && wc_AesCtrEncrypt(&rc->ctr, out + done, ct + done, (word32)(ct_len - done)) != 0)
        return TP_ERR_CRYPTO;
    return TP_OK;
}

static enum tp_err aead_open(struct tp_rc *rc, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                             const uint8_t *ct, size_t ct_len, const uint8_t *tag, uint8_t *out)
{
    int ret;
    if (rc->own && rc->kind == RC_AES_GCM)
        return gcm_stream_open(rc, nonce, aad, aad_len, ct, ct_len, out);
    if (rc->kind == RC_AES_GCM)
        ret = wc_AesGcmDecrypt(&rc->aes, out, ct, (word32)ct_len, nonce, 12, tag, TAG_LEN, aad, (word32)aad_len);
    else if (rc->kind == RC_AES_CCM)
        ret = wc_AesCcmDecrypt(&rc->aes, out, ct, (word32)ct_len, nonce, 12, tag, (word32)rc->tag_len, aad,
                               (word32)aad_len);
    else
        ret = wc_ChaCha20Poly1305_Decrypt(rc->key, nonce, aad, (word32)aad_len, ct, (word32)ct_len, tag, out);
    return ret == 0 ? TP_OK : TP_ERR_DECRYPT;
}

static enum tp_err open13(struct tp_rc *rc, const uint8_t hdr[5], const uint8_t *body, size_t len,
                          uint8_t *out, size_t *out_len, uint8_t *out_type)
{
    if (len < rc->tag_len + 1)
        return TP_ERR_DECRYPT;
    if (!rc->keyed && !(rc->own && rc->kind == RC_AES_GCM) && key13(rc) != TP_OK)
        return TP_ERR_CRYPTO;
    uint8_t nonce[12];
    xor_nonce(rc->iv, rc->seq, nonce);
    size_t ct_len = len - rc->tag_len;
    enum tp_err e = aead_open(rc, nonce, hdr, 5, body, ct_len, body + ct_len, out);
    if (e != TP_OK)
        return e;
    rc->seq++;
    /* RFC 8446 §5.4: strip the zero padding; the last non-zero byte is the type */
    size_t n = ct_len;
    while (n > 0 && out[n - 1] == 0)
        n--;
    if (n == 0)
        return TP_ERR_MALFORMED; /* authenticated, but no content type */
    *out_type = out[n - 1];
    *out_len = n - 1;
    return TP_OK;
}

/* AAD of TLS 1.2: seq_num || type || version || length (RFC 5246 §6.2.3.3) */
static void aad12(uint8_t aad[13], uint64_t seq, const uint8_t hdr[5], size_t len)
{
    put64(aad, seq);
    aad[8] = hdr[0];
    aad[9] = hdr[1];
    aad[10] = hdr[2];
    aad[11] = (uint8_t)(len >> 8);
    aad[12] = (uint8_t)len;
}

static bool hmac_check(struct tp_rc *rc, const uint8_t aad[13], const uint8_t *a, size_t a_len,
                       const uint8_t *b, size_t b_len, const uint8_t *mac)
{
    Hmac h;
    uint8_t calc[48];
    bool ok = false;
    if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
        return false;
    if (wc_HmacSetKey(&h, rc->hmac_type, rc->mac_key, (word32)rc->mac_len) == 0 &&
        wc_HmacUpdate(&h, aad, 13) == 0 && (a_len == 0 || wc_HmacUpdate(&h, a, (word32)a_len) == 0) &&
        (b_len == 0 || wc_HmacUpdate(&h, b, (word32)b_len) == 0) && wc_HmacFinal(&h, calc) == 0)
        ok = memcmp(calc, mac, rc->mac_len) == 0;
    wc_HmacFree(&h);
    return ok;
}

static enum tp_err cbc_decrypt(struct tp_rc *rc, const uint8_t *iv, const uint8_t *ct, size_t ct_len, uint8_t *out)
{
    if (wc_AesSetIV(&rc->aes, iv) != 0 || wc_AesCbcDecrypt(&rc->aes, out, ct, (word32)ct_len) != 0)
        return TP_ERR_CRYPTO;
    return TP_OK;
}

/* Check and strip the CBC padding (RFC 5246 §6.2.3.2): every padding byte,
 * including the length byte, holds the padding length. */
static bool strip_padding(const uint8_t *p, size_t len, size_t *out_len)
{
    if (len == 0)
        return false;
    size_t pad = p[len - 1];
    if (pad + 1 > len)
        return false;
    for (size_t i = 0; i <= pad; i++)
        if (p[len - 1 - i] != pad)
            return false;
    *out_len = len - pad - 1;
    return true;
}

/* The record MAC over seq, header and data[0..n), stored right after data. */
static bool cbc_mac_ok(struct tp_rc *rc, const uint8_t hdr[5], const uint8_t *data, size_t n)
{
    uint8_t aad[13];
    aad12(aad, rc->seq, hdr, n);
    return hmac_check(rc, aad, data, n, NULL, 0, data + n);
}

static enum tp_err open_cbc(struct tp_rc *rc, const uint8_t hdr[5], const uint8_t *body, size_t len,
                            uint8_t *out, size_t *out_len)
{
    const size_t bs = 16;
    const uint8_t *iv;
    const uint8_t *ct = body;
    size_t ct_len = len;
    if (rc->etm) {
        /* RFC 7366 §3: MAC over the header and IV || ciphertext, appended last */
        if (ct_len < rc->mac_len)
            return TP_ERR_DECRYPT;
        ct_len -= rc->mac_len;
        if (!cbc_mac_ok(rc, hdr, ct, ct_len))
            return TP_ERR_DECRYPT;
    }
    if (rc->version >= TP_TLS1_1) {
        if (ct_len < bs)
            return TP_ERR_DECRYPT;
        iv = ct;
        ct += bs;
        ct_len -= bs;
    } else {
        iv = rc->iv;
    }
    if (ct_len == 0 || ct_len % bs)
        return TP_ERR_DECRYPT;
    uint8_t next_iv[16];
    memcpy(next_iv, ct + ct_len - bs, bs);
    enum tp_err e = cbc_decrypt(rc, iv, ct, ct_len, out);
    if (e != TP_OK)
        return e;
    size_t n;
    if (!strip_padding(out, ct_len, &n))
        return TP_ERR_DECRYPT;
    if (!rc->etm) {
        if (n < rc->mac_len)
            return TP_ERR_DECRYPT;
        n -= rc->mac_len;
        if (!cbc_mac_ok(rc, hdr, out, n))
            return TP_ERR_DECRYPT;
    }
    if (rc->version < TP_TLS1_1)
        memcpy(rc->iv, next_iv, bs);
    rc->seq++;
    *out_len = n;
    return TP_OK;
}

enum tp_err tp_rc_decrypt(struct tp_rc *rc, const uint8_t hdr[5], const uint8_t *body, size_t body_len,
                          uint8_t *out, size_t *out_len, uint8_t *out_type)
{
    *out_len = 0;
    *out_type = hdr[0];
    if (rc->tls13)
        return open13(rc, hdr, body, body_len, out, out_len, out_type);
    if (rc->kind == RC_AES_CBC)
        return open_cbc(rc, hdr, body, body_len, out, out_len);
    uint8_t nonce[12], aad[13];
    const uint8_t *ct = body;
    size_t ct_len = body_len;
    if (rc->kind == RC_AES_GCM || rc->kind == RC_AES_CCM) {
        /* RFC 5288 §3: nonce = salt(4, implicit) || nonce_explicit(8, in the record) */
        if (ct_len < 8 + rc->tag_len)
            return TP_ERR_DECRYPT;
        memcpy(nonce, rc->iv, 4);
        memcpy(nonce + 4, ct, 8);
        ct += 8;
        ct_len -= 8;
    } else {
        /* RFC 7905 §2: nonce = iv XOR padded seq */
        if (ct_len < TAG_LEN)
            return TP_ERR_DECRYPT;
        xor_nonce(rc->iv, rc->seq, nonce);
    }
    ct_len -= rc->tag_len;
    aad12(aad, rc->seq, hdr, ct_len);
    enum tp_err e = aead_open(rc, nonce, aad, 13, ct, ct_len, ct + ct_len, out);
    if (e != TP_OK)
        return e;
    rc->seq++;
    *out_len = ct_len;
    return TP_OK;
}

void tp_rc_skip(struct tp_rc *rc, const uint8_t *body, size_t body_len)
{
    if (!rc)
        return;
    if (!rc->tls13 && rc->kind == RC_AES_CBC && rc->version < TP_TLS1_1) {
        size_t ct_len = rc->etm && body_len >= rc->mac_len ? body_len - rc->mac_len : body_len;
        if (body && ct_len >= 16)
            memcpy(rc->iv, body + ct_len - 16, 16);
    }
    rc->seq++;
}

/* ---- DTLS 1.0/1.2 (RFC 6347 §4.1.2.1, §4.1.2.6) ----
 * The keys are TLS 1.1's (DTLS 1.0) or TLS 1.2's (DTLS 1.2); each record names
 * its own 64-bit sequence number, epoch(2) || seq(6), which takes the place of
 * TLS's implicit counter in the AEAD AAD and nonces (and the CBC MAC): AAD =
 * epoch || seq || type || version || length. Records may come in any order. */
enum tp_err tp_rc_new_dtls(uint16_t suite, uint16_t dtls_version, bool etm, const uint8_t master[48],
                           const uint8_t client_random[32], const uint8_t server_random[32], bool client_write,
                           struct tp_rc **out)
{
    uint16_t v = dtls_version == 0xfefd ? TP_TLS1_2 : dtls_version == 0xfeff ? TP_TLS1_1 : 0;
    if (!v) {
        *out = NULL;
        return TP_ERR_UNSUPPORTED;
    }
    return tp_rc_new12(suite, v, etm, master, client_random, server_random, client_write, out);
}

enum tp_err tp_rc_decrypt_dtls(struct tp_rc *rc, const uint8_t hdr[13], const uint8_t *body, size_t body_len,
                               uint8_t *out, size_t *out_len, uint8_t *out_type)
{
    uint64_t seq = 0;
    for (int i = 3; i < 11; i++)
        seq = seq << 8 | hdr[i];
    const uint8_t h5[5] = { hdr[0], hdr[1], hdr[2], hdr[11], hdr[12] };
    rc->seq = seq;
    return tp_rc_decrypt(rc, h5, body, body_len, out, out_len, out_type);
}
