/* Does a peer's handshake signature verify with the key in its own certificate?
 *
 * Wire evidence for key-mismatch (issue 16): a server (or client) whose private
 * key does not belong to the certificate it sends produces a CertificateVerify
 * (TLS 1.3, TLS 1.2 client) or ServerKeyExchange (TLS 1.2) signature that does
 * not verify with the certificate's public key. We rebuild exactly what was
 * signed from the recorded handshake messages and check it with wolfCrypt:
 * - TLS 1.3 CertificateVerify: 64 spaces, the context string, 0x00 and the
 *   transcript hash up to the Certificate (RFC 8446 §4.4.3; a HelloRetryRequest
 *   replaces ClientHello1 by message_hash, §4.4.1);
 * - TLS 1.2 ServerKeyExchange: client_random + server_random + params
 *   (RFC 5246 §7.4.3, RFC 8422 §5.4);
 * - TLS 1.2 client CertificateVerify: every handshake message before it
 *   (RFC 5246 §7.4.8).
 * Anything we cannot rebuild (a message we could not decrypt, an unknown
 * scheme, SHA-1, a key we cannot read) is TP_SIG_NOT_CHECKED, never BAD. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/signature.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"
#include "session/internal.h"

/* The handshake bytes kept for one check: a full handshake is a few KB; a
 * chain of TP_MAX_CHAIN_CERTS large certificates stays far below this. */
#define SIGCHECK_MAX_TRANSCRIPT (512 * 1024)

struct scheme {
    uint16_t code;
    enum wc_HashType hash;
    int kind; /* 1 ECDSA, 2 RSA-PSS, 3 RSA PKCS#1 v1.5, 4 Ed25519 */
};
static const struct scheme schemes[] = {
    { 0x0403, WC_HASH_TYPE_SHA256, 1 }, { 0x0503, WC_HASH_TYPE_SHA384, 1 }, { 0x0603, WC_HASH_TYPE_SHA512, 1 },
    { 0x0804, WC_HASH_TYPE_SHA256, 2 }, { 0x0805, WC_HASH_TYPE_SHA384, 2 }, { 0x0806, WC_HASH_TYPE_SHA512, 2 },
    { 0x0809, WC_HASH_TYPE_SHA256, 2 }, { 0x080a, WC_HASH_TYPE_SHA384, 2 }, { 0x080b, WC_HASH_TYPE_SHA512, 2 },
    { 0x0401, WC_HASH_TYPE_SHA256, 3 }, { 0x0501, WC_HASH_TYPE_SHA384, 3 }, { 0x0601, WC_HASH_TYPE_SHA512, 3 },
    { 0x0807, WC_HASH_TYPE_NONE, 4 },
};

static const struct scheme *find_scheme(uint16_t code)
{
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (schemes[i].code == code)
            return &schemes[i];
    return NULL;
}

static int mgf_for(enum wc_HashType h)
{
    return h == WC_HASH_TYPE_SHA384 ? WC_MGF1SHA384 : h == WC_HASH_TYPE_SHA512 ? WC_MGF1SHA512 : WC_MGF1SHA256;
}

/* 1 verifies, 0 does not, -1 cannot tell. */
static int verify(const struct scheme *sc, const uint8_t *spki, word32 spki_len, int key_oid, const uint8_t *data,
                  size_t data_len, const uint8_t *sig, size_t sig_len)
{
    int ok = -1;
    word32 idx = 0;
    if (sc->kind == 1) {
        if (key_oid != ECDSAk)
            return 0; /* a scheme the certificate's key cannot make: not this key */
        ecc_key k;
        if (wc_ecc_init(&k) != 0)
            return -1;
        if (wc_EccPublicKeyDecode(spki, &idx, &k, spki_len) == 0)
            ok = wc_SignatureVerify(sc->hash, WC_SIGNATURE_TYPE_ECC, data, (word32)data_len, sig, (word32)sig_len, &k,
                                    sizeof k) == 0;
        wc_ecc_free(&k);
    } else if (sc->kind == 2 || sc->kind == 3) {
        if (key_oid != RSAk && key_oid != RSAPSSk)
            return 0;
        RsaKey k;
        if (wc_InitRsaKey(&k, NULL) != 0)
            return -1;
        if (wc_RsaPublicKeyDecode(spki, &idx, &k, spki_len) == 0) {
            if (sc->kind == 3) {
                ok = wc_SignatureVerify(sc->hash, WC_SIGNATURE_TYPE_RSA_W_ENC, data, (word32)data_len, sig,
                                        (word32)sig_len, &k, sizeof k) == 0;
            } else {
                byte digest[WC_MAX_DIGEST_SIZE];
                int dl = wc_HashGetDigestSize(sc->hash);
                byte *in = malloc(sig_len), *out = malloc(sig_len);
                if (dl > 0 && in && out && wc_Hash(sc->hash, data, (word32)data_len, digest, (word32)dl) == 0) {
                    memcpy(in, sig, sig_len);
                    int r = wc_RsaPSS_VerifyCheck(in, (word32)sig_len, out, (word32)sig_len, digest, (word32)dl,
                                                  sc->hash, mgf_for(sc->hash), &k);
                    ok = r > 0;
                }
                free(in);
                free(out);
            }
        }
        wc_FreeRsaKey(&k);
    } else if (sc->kind == 4) {
        if (key_oid != ED25519k)
            return 0;
        ed25519_key k;
        if (wc_ed25519_init(&k) != 0)
            return -1;
        int res = 0;
        if (wc_Ed25519PublicKeyDecode(spki, &idx, &k, spki_len) == 0)
            ok = wc_ed25519_verify_msg(sig, (word32)sig_len, data, (word32)data_len, &res, &k) == 0 && res == 1;
        wc_ed25519_free(&k);
    }
    return ok;
}

/* The leaf's SubjectPublicKeyInfo (DER) and key OID, parsed by wolfSSL. */
static bool parse_leaf_key(const struct tp_chain *ch, uint8_t *spki, word32 *spki_len, int *key_oid)
{
    DecodedCert dc;
    wc_InitDecodedCert(&dc, ch->der[0].p, (word32)ch->der[0].len, NULL);
    bool ok = wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL) == 0 && wc_GetPubKeyDerFromCert(&dc, spki, spki_len) == 0;
    *key_oid = (int)dc.keyOID;
    wc_FreeDecodedCert(&dc);
    return ok;
}

/* The last leaves' keys, in the worker of the thread checking (a capture meets
 * the same server's leaf in every connection to it, and parsing it is a tenth
 * of a check). Compared by their bytes (leaves up to LEAF_MEMO_DER; larger ones
 * are parsed each time). Without a worker, every leaf is parsed. */
#define LEAF_MEMO 4
#define LEAF_MEMO_DER 2048
struct tp_leaf_memo {
    struct {
        size_t der_len;              /* 0: empty */
        uint8_t der[LEAF_MEMO_DER];
        uint8_t spki[1024];
        word32 spki_len;
        int key_oid;
    } e[LEAF_MEMO];
    unsigned next;
};

struct tp_leaf_memo *tp_leaf_memo_new(void)
{
    return calloc(1, sizeof(struct tp_leaf_memo));
}

/* The leaf's SubjectPublicKeyInfo (DER) and key OID. */
static bool leaf_key(struct tp_leaf_memo *lm, const struct tp_chain *ch, uint8_t *spki, word32 *spki_len,
                     int *key_oid)
{
    if (ch->n == 0 || !ch->der[0].p || ch->der[0].len == 0 || ch->der[0].len > SIGCHECK_MAX_TRANSCRIPT)
        return false;
    size_t n = ch->der[0].len;
    for (unsigned i = 0; lm && n <= LEAF_MEMO_DER && i < LEAF_MEMO; i++) {
        if (lm->e[i].der_len == n && lm->e[i].spki_len <= *spki_len && !memcmp(lm->e[i].der, ch->der[0].p, n)) {
            memcpy(spki, lm->e[i].spki, lm->e[i].spki_len);
            *spki_len = lm->e[i].spki_len;
            *key_oid = lm->e[i].key_oid;
            return true;
        }
    }
    if (!parse_leaf_key(ch, spki, spki_len, key_oid))
        return false;
    if (lm && n <= LEAF_MEMO_DER && *spki_len <= sizeof lm->e[0].spki) {
        unsigned k = lm->next++ % LEAF_MEMO;
        memcpy(lm->e[k].der, ch->der[0].p, n);
        lm->e[k].der_len = n;
        memcpy(lm->e[k].spki, spki, *spki_len);
        lm->e[k].spki_len = *spki_len;
        lm->e[k].key_oid = *key_oid;
    }
    return true;
}

struct buf {
    uint8_t *p;
    size_t n, cap;
    bool failed;
};

static void put(struct buf *b, const uint8_t *p, size_t n)
{
    if (b->failed)
        return;
    if (b->n + n > SIGCHECK_MAX_TRANSCRIPT) {
        b->failed = true;
        return;
    }
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 8192;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q) {
            b->failed = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static enum wc_HashType suite_hash(uint16_t suite)
{
    return suite == 0x1302 ? WC_HASH_TYPE_SHA384 : WC_HASH_TYPE_SHA256;
}

/* A ClientHello's or ServerHello's random: 32 bytes after the 4-byte header and
 * the 2-byte legacy_version. */
static const uint8_t *hello_random(const struct tp_msg *m)
{
    return m && m->raw && m->raw_len >= 4 + 2 + 32 ? m->raw + 6 : NULL;
}

/* The index of the signed message from dir (want), or SIZE_MAX when it is
 * missing or a message we could not read comes before it. */
static size_t find_signed(const struct tp_session *s, enum tp_dir dir, uint8_t want)
{
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        if (m->kind == TP_MSG_ENCRYPTED)
            return SIZE_MAX;
        if (m->kind == TP_MSG_HANDSHAKE && m->dir == dir && m->hs_type == want && m->raw)
            return i;
    }
    return SIZE_MAX;
}

/* The scheme and signature of the signed message; for a ServerKeyExchange also
 * the signed params (from the start of the body to the end of the public key). */
static bool read_signature(const struct tp_session *s, const struct tp_msg *sm, uint16_t *scheme,
                           struct tp_bytes *sig, struct tp_bytes *params)
{
    struct tp_bytes body = tp_bytes_make(sm->raw + 4, sm->raw_len - 4);
    if (sm->hs_type == TP_HS_SERVER_KEY_EXCHANGE) {
        struct tp_server_key_exchange ske;
        if (tp_server_key_exchange_parse(body, s->version, s->cipher, &ske) != TP_OK || !ske.has_sig_scheme ||
            !ske.public_key.p)
            return false;
        *scheme = ske.sig_scheme;
        *sig = ske.signature;
        *params = tp_bytes_make(body.p, (size_t)(ske.public_key.p + ske.public_key.len - body.p));
        return true;
    }
    struct tp_certificate_verify cv;
    if (tp_certificate_verify_parse(body, s->version, &cv) != TP_OK || !cv.has_scheme)
        return false;
    *scheme = cv.scheme;
    *sig = cv.signature;
    *params = tp_bytes_make(NULL, 0);
    return true;
}

/* TLS 1.2 ServerKeyExchange: client_random + server_random + params. */
static bool ske_signed_data(const struct tp_session *s, size_t at, struct tp_bytes params, struct buf *data)
{
    const struct tp_msg *ch_msg = NULL, *sh_msg = NULL;
    for (size_t i = 0; i < at; i++) {
        const struct tp_msg *m = &s->msgs[i];
        if (m->kind != TP_MSG_HANDSHAKE)
            continue;
        if (m->hs_type == TP_HS_CLIENT_HELLO && m->dir == TP_C2S)
            ch_msg = m;
        if (m->hs_type == TP_HS_SERVER_HELLO && m->dir == TP_S2C && !m->is_hrr)
            sh_msg = m;
    }
    const uint8_t *cr = hello_random(ch_msg), *sr = hello_random(sh_msg);
    if (!cr || !sr)
        return false;
    put(data, cr, 32);
    put(data, sr, 32);
    put(data, params.p, params.len);
    return true;
}

/* Every handshake message before index at, in order; in TLS 1.3 a first
 * ClientHello followed by a HelloRetryRequest becomes message_hash (§4.4.1). */
static void handshake_transcript(const struct tp_session *s, size_t at, enum wc_HashType th, int tl, struct buf *tr)
{
    bool tls13 = s->version == TP_TLS1_3, first_ch_pending = false;
    const struct tp_msg *ch1 = NULL;
    for (size_t i = 0; i < at; i++) {
        const struct tp_msg *m = &s->msgs[i];
        if (m->kind != TP_MSG_HANDSHAKE || !m->raw)
            continue;
        if (m->hs_type == TP_HS_NEW_SESSION_TICKET || m->hs_type == TP_HS_KEY_UPDATE)
            continue;
        if (tls13 && m->hs_type == TP_HS_CLIENT_HELLO && !ch1) {
            ch1 = m;
            first_ch_pending = true;
            continue;
        }
        if (first_ch_pending) {
            first_ch_pending = false;
            if (m->is_hrr && tl > 0) {
                uint8_t mh[4 + WC_MAX_DIGEST_SIZE] = { 254, 0, 0, (uint8_t)tl };
                if (wc_Hash(th, ch1->raw, (word32)ch1->raw_len, mh + 4, (word32)tl) != 0)
                    tr->failed = true;
                put(tr, mh, 4 + (size_t)tl);
            } else {
                put(tr, ch1->raw, ch1->raw_len);
            }
        }
        put(tr, m->raw, m->raw_len);
    }
    if (first_ch_pending)
        put(tr, ch1->raw, ch1->raw_len);
}

/* CertificateVerify: TLS 1.2 signs the transcript itself; TLS 1.3 signs 64
 * spaces, the context string with its 0x00 and the transcript hash. */
static bool cv_signed_data(const struct tp_session *s, enum tp_dir dir, size_t at, struct buf *data)
{
    struct buf tr = { 0 };
    enum wc_HashType th = suite_hash(s->cipher);
    int tl = wc_HashGetDigestSize(th);
    handshake_transcript(s, at, th, tl, &tr);
    if (tr.failed || tr.n == 0) {
        free(tr.p);
        return false;
    }
    if (s->version != TP_TLS1_3) {
        *data = tr;
        return true;
    }
    static const char ctx_s[] = "TLS 1.3, server CertificateVerify";
    static const char ctx_c[] = "TLS 1.3, client CertificateVerify";
    uint8_t pad[64], h[WC_MAX_DIGEST_SIZE];
    memset(pad, 0x20, sizeof pad);
    bool ok = tl > 0 && wc_Hash(th, tr.p, (word32)tr.n, h, (word32)tl) == 0;
    free(tr.p);
    if (!ok)
        return false;
    const char *ctx = dir == TP_S2C ? ctx_s : ctx_c;
    put(data, pad, sizeof pad);
    put(data, (const uint8_t *)ctx, strlen(ctx) + 1);
    put(data, h, (size_t)tl);
    return true;
}

static enum tp_sig_check check(const struct tp_session *s, enum tp_dir dir);

enum tp_sig_check tp_session_check_signature(const struct tp_session *s, enum tp_dir dir)
{
    if ((dir == TP_C2S || dir == TP_S2C) && s->sig_memo[dir])
        return (enum tp_sig_check)(s->sig_memo[dir] - 1);
    return check(s, dir);
}

void tp_session_precheck_signatures(struct tp_session *s)
{
    for (int d = TP_C2S; d <= TP_S2C; d++)
        if (!s->sig_memo[d])
            s->sig_memo[d] = (uint8_t)(check(s, (enum tp_dir)d) + 1);
}

static enum tp_sig_check check(const struct tp_session *s, enum tp_dir dir)
{
    const struct tp_chain *ch = dir == TP_S2C ? &s->server_chain : &s->client_chain;
    bool tls13 = s->version == TP_TLS1_3;
    if (s->version != TP_TLS1_3 && s->version != TP_TLS1_2)
        return TP_SIG_NOT_CHECKED;
    /* The signed message: CertificateVerify from dir; in TLS 1.2 the server's
     * is its ServerKeyExchange. */
    uint8_t want = (!tls13 && dir == TP_S2C) ? TP_HS_SERVER_KEY_EXCHANGE : TP_HS_CERTIFICATE_VERIFY;
    size_t at = find_signed(s, dir, want);
    if (at == SIZE_MAX)
        return TP_SIG_NOT_CHECKED;
    uint16_t scheme;
    struct tp_bytes sig, params;
    if (!read_signature(s, &s->msgs[at], &scheme, &sig, &params))
        return TP_SIG_NOT_CHECKED;
    const struct scheme *sc = find_scheme(scheme);
    if (!sc || !sig.p || sig.len == 0 || sig.len > 4096)
        return TP_SIG_NOT_CHECKED;
    uint8_t spki[4096];
    word32 spki_len = sizeof spki;
    int key_oid = 0;
    if (!leaf_key(tp_worker_leaf_memo(s->worker), ch, spki, &spki_len, &key_oid))
        return TP_SIG_NOT_CHECKED;

    struct buf data = { 0 };
    bool built = want == TP_HS_SERVER_KEY_EXCHANGE ? ske_signed_data(s, at, params, &data)
                                                    : cv_signed_data(s, dir, at, &data);
    if (!built || data.failed) {
        free(data.p);
        return TP_SIG_NOT_CHECKED;
    }
    int r = verify(sc, spki, spki_len, key_oid, data.p, data.n, sig.p, sig.len);
    free(data.p);
    return r == 1 ? TP_SIG_OK : r == 0 ? TP_SIG_BAD : TP_SIG_NOT_CHECKED;
}
