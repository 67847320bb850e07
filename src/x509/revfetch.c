/* Asking for revocation status over the network (--check-revocation): an OCSP
 * request for a certificate (RFC 6960 §4.1), sent to the responder by HTTP POST
 * and, when that fails, GET (appendix A.1); a CRL from its distribution point.
 * http:// only, one deadline each (x509/http.c). */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/ocsp.h"
#include "tlsprobe/crl.h"
#include "x509_int.h"

/* Bodies we accept from a responder or a CRL distribution point. */
#define REV_MAX_BODY (TP_MAX_INPUT_FILE)

static void put_tlv(struct tp_sb *out, uint8_t tag, const struct tp_sb *in)
{
    der_put(out, tag, (const uint8_t *)in->buf, in->len);
}

enum tp_err tp_ocsp_request(const struct tp_cert_info *cert, const struct tp_cert_info *issuer, uint8_t **out,
                            size_t *len)
{
    *out = NULL;
    *len = 0;
    struct cert_parts cp, ip;
    enum tp_err e;
    if (!cert || !issuer || !cert_locate(cert->der, cert->der_len, &cp, &e) ||
        !cert_locate(issuer->der, issuer->der_len, &ip, &e))
        return TP_ERR_MALFORMED;
    /* issuerKeyHash: SHA-1 of the issuer's subjectPublicKey bits */
    struct tp_reader r, s;
    struct der_tlv bits;
    tp_reader_from(&r, ip.spki.whole);
    der_expect(&r, DER_SEQUENCE, NULL, &s);
    der_expect(&s, DER_SEQUENCE, NULL, NULL);
    der_expect(&s, DER_BIT_STRING, &bits, NULL);
    if (!tp_reader_ok(&s) || bits.val.len < 1)
        return TP_ERR_MALFORMED;
    uint8_t nh[20], kh[20];
    if (wc_Hash(WC_HASH_TYPE_SHA, cp.issuer.whole.p, (word32)cp.issuer.whole.len, nh, sizeof nh) != 0 ||
        wc_Hash(WC_HASH_TYPE_SHA, bits.val.p + 1, (word32)(bits.val.len - 1), kh, sizeof kh) != 0)
        return TP_ERR_CRYPTO;
    static const uint8_t sha1_oid[] = { 0x2b, 0x0e, 0x03, 0x02, 0x1a }; /* 1.3.14.3.2.26 */
    struct tp_sb alg, certid, req, list, tbs, top;
    tp_sb_init(&alg);
    tp_sb_init(&certid);
    tp_sb_init(&req);
    tp_sb_init(&list);
    tp_sb_init(&tbs);
    tp_sb_init(&top);
    der_put(&alg, DER_OID, sha1_oid, sizeof sha1_oid);
    der_put(&alg, DER_NULL, NULL, 0);
    put_tlv(&certid, DER_SEQUENCE, &alg);
    der_put(&certid, DER_OCTET_STRING, nh, sizeof nh);
    der_put(&certid, DER_OCTET_STRING, kh, sizeof kh);
    der_put(&certid, DER_INTEGER, cp.serial.val.p, cp.serial.val.len);
    /* each buffer holds the contents of the next level up */
    put_tlv(&req, DER_SEQUENCE, &certid);  /* CertID, the contents of Request { reqCert } */
    put_tlv(&list, DER_SEQUENCE, &req);    /* Request, an item of requestList */
    put_tlv(&tbs, DER_SEQUENCE, &list);    /* requestList, the contents of TBSRequest */
    tp_sb_reset(&alg);
    put_tlv(&alg, DER_SEQUENCE, &tbs);     /* TBSRequest, the contents of OCSPRequest (alg reused) */
    put_tlv(&top, DER_SEQUENCE, &alg);     /* OCSPRequest */
    e = top.oom || top.truncated || !top.len ? TP_ERR_NOMEM : TP_OK;
    if (e == TP_OK && (*out = malloc(top.len)) != NULL) {
        memcpy(*out, top.buf, top.len);
        *len = top.len;
    } else {
        e = TP_ERR_NOMEM;
    }
    struct tp_sb *all[] = { &alg, &certid, &req, &list, &tbs, &top };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        tp_sb_free(all[i]);
    return e;
}

enum tp_err tp_ocsp_fetch(const char *url, const uint8_t *req, size_t req_len, int timeout_ms, uint8_t **resp,
                          size_t *resp_len, char *method, size_t methodlen, char *err, size_t errlen)
{
    char e1[160] = "";
    enum tp_err e = http_post(url, timeout_ms, REV_MAX_BODY, req, req_len, "application/ocsp-request", resp,
                              resp_len, e1, sizeof e1);
    if (e == TP_OK) {
        snprintf(method, methodlen, "POST");
        return TP_OK;
    }
    /* RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER} */
    byte b64[2048];
    word32 bl = sizeof b64;
    if (req_len > 1024 || Base64_Encode_NoNl(req, (word32)req_len, b64, &bl) != 0) {
        snprintf(err, errlen, "POST: %s", e1);
        return e;
    }
    char get[4096];
    size_t n = (size_t)snprintf(get, sizeof get, "%s%s", url, url[0] && url[strlen(url) - 1] == '/' ? "" : "/");
    for (word32 i = 0; i < bl && n + 4 < sizeof get; i++) {
        char ch = (char)b64[i];
        if (ch == '+' || ch == '/' || ch == '=')
            n += (size_t)snprintf(get + n, sizeof get - n, "%%%02X", (unsigned)(unsigned char)ch);
        else
            get[n++] = ch;
    }
    get[n] = 0;
    char e2[160] = "";
    enum tp_err g = http_get(get, timeout_ms, REV_MAX_BODY, resp, resp_len, e2, sizeof e2);
    if (g == TP_OK) {
        snprintf(method, methodlen, "GET");
        return TP_OK;
    }
    snprintf(err, errlen, "POST: %.150s; GET: %.150s", e1, e2);
    return e;
}

enum tp_err tp_crl_fetch(const char *url, int timeout_ms, uint8_t **der, size_t *len, char *err, size_t errlen)
{
    return http_get(url, timeout_ms, REV_MAX_BODY, der, len, err, errlen);
}
