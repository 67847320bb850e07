/* The demo's lab PKI, generated at run time with wolfCrypt (WOLFSSL_CERT_GEN):
 * EC P-256 keys, ECDSA-SHA256 signatures, validity from an hour ago (clock skew)
 * for 90 days, so the demo never expires; the "expired" leaf gets dates in the
 * past written straight into the Cert's beforeDate/afterDate. Also writes the PKI
 * to a directory with a README (--keep DIR): a minica for learners. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "lab_int.h"
#include "tlsprobe/strbuf.h"

/* Encode t as an X.509 Time (RFC 5280 §4.1.2.5: UTCTime through 2049, else
 * GeneralizedTime), tag and length included, as Cert.beforeDate expects. */
static int x509_time(time_t t, uint8_t out[CTC_DATE_SIZE])
{
    struct tm tm;
    char buf[64];
    if (!gmtime_r(&t, &tm))
        return -1;
    if (tm.tm_year + 1900 < 2050) {
        snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        out[0] = 0x17;
    } else {
        strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
        out[0] = 0x18;
    }
    size_t n = strlen(buf);
    out[1] = (uint8_t)n;
    memcpy(out + 2, buf, n);
    return (int)n + 2;
}

/* subjectAltName GeneralNames (RFC 5280 §4.2.1.6): dNSName [2], iPAddress [7]. */
static int san_der(const char *const *dns, size_t n_dns, const uint8_t *ip4, uint8_t *out, size_t cap)
{
    size_t body = 0;
    for (size_t i = 0; i < n_dns; i++)
        body += 2 + strlen(dns[i]);
    if (ip4)
        body += 6;
    if (body > 127 || body + 2 > cap)
        return -1;
    size_t o = 0;
    out[o++] = 0x30;
    out[o++] = (uint8_t)body;
    for (size_t i = 0; i < n_dns; i++) {
        size_t l = strlen(dns[i]);
        out[o++] = 0x82;
        out[o++] = (uint8_t)l;
        memcpy(out + o, dns[i], l);
        o += l;
    }
    if (ip4) {
        out[o++] = 0x87;
        out[o++] = 4;
        memcpy(out + o, ip4, 4);
        o += 4;
    }
    return (int)o;
}

/* Append a DER length. */
static size_t der_len_put(uint8_t *out, size_t len)
{
    if (len < 0x80) {
        out[0] = (uint8_t)len;
        return 1;
    }
    if (len < 0x100) {
        out[0] = 0x81;
        out[1] = (uint8_t)len;
        return 2;
    }
    out[0] = 0x82;
    out[1] = (uint8_t)(len >> 8);
    out[2] = (uint8_t)len;
    return 3;
}

/* Read a TLV header at p (at most end): tag, content length, header size; 0 when malformed. */
static size_t der_hdr(const uint8_t *p, const uint8_t *end, uint8_t *tag, size_t *len)
{
    if (end - p < 2)
        return 0;
    *tag = p[0];
    if (p[1] < 0x80) {
        *len = p[1];
        return (size_t)(end - p) >= 2 + *len ? 2 : 0;
    }
    size_t nb = p[1] & 0x7f;
    if (nb < 1 || nb > 2 || (size_t)(end - p) < 2 + nb)
        return 0;
    *len = 0;
    for (size_t i = 0; i < nb; i++)
        *len = *len << 8 | p[2 + i];
    return (size_t)(end - p) >= 2 + nb + *len ? 2 + nb : 0;
}

/* wolfCrypt 5.5.4 (Debian) has no API for a nameConstraints extension
 * (wc_SetCustomExtension needs WOLFSSL_CUSTOM_OID, not built): add it to the
 * TBSCertificate wc_MakeCert_ex wrote, before signing. TBS = SEQUENCE { ...,
 * [3] { SEQUENCE { extensions } } }, the extensions last (RFC 5280 §4.1).
 * Returns the new TBS length, or -1. */
static int tbs_add_name_constraints(uint8_t *buf, size_t cap, size_t tbs_len, const uint8_t *nc, size_t nc_len)
{
    uint8_t ext[160];
    static const uint8_t head[] = { 0x06, 0x03, 0x55, 0x1d, 0x1e, 0x01, 0x01, 0xff }; /* 2.5.29.30, critical */
    if (nc_len > 120)
        return -1;
    size_t e = 0, body = sizeof head + 1 + (nc_len < 0x80 ? 1 : 2) + nc_len;
    ext[e++] = 0x30;
    e += der_len_put(ext + e, body);
    memcpy(ext + e, head, sizeof head);
    e += sizeof head;
    ext[e++] = 0x04;
    e += der_len_put(ext + e, nc_len);
    memcpy(ext + e, nc, nc_len);
    e += nc_len;

    const uint8_t *end = buf + tbs_len;
    uint8_t tag;
    size_t len, h = der_hdr(buf, end, &tag, &len);
    if (!h || tag != 0x30)
        return -1;
    const uint8_t *p = buf + h, *a3 = NULL;
    size_t a3_len = 0, a3_h = 0;
    while (p < end) {
        size_t hh = der_hdr(p, end, &tag, &len);
        if (!hh)
            return -1;
        if (tag == 0xa3) {
            a3 = p;
            a3_h = hh;
            a3_len = len;
        }
        p += hh + len;
    }
    if (!a3)
        return -1;
    size_t seq_len, seq_h = der_hdr(a3 + a3_h, end, &tag, &seq_len);
    if (!seq_h || tag != 0x30)
        return -1;
    (void)a3_len;
    /* rebuild: TBS head fields, [3] { SEQUENCE { old extensions, ours } } */
    uint8_t *tmp = malloc(cap);
    if (!tmp)
        return -1;
    size_t fields_len = (size_t)(a3 - (buf + h));
    size_t new_seq = seq_len + e, o = 0;
    uint8_t lb[4];
    size_t seq_total = 1 + der_len_put(lb, new_seq) + new_seq;
    size_t a3_total = 1 + der_len_put(lb, seq_total) + seq_total;
    size_t tbs_content = fields_len + a3_total;
    size_t need = 1 + der_len_put(lb, tbs_content) + tbs_content;
    if (need > cap) {
        free(tmp);
        return -1;
    }
    tmp[o++] = 0x30;
    o += der_len_put(tmp + o, tbs_content);
    memcpy(tmp + o, buf + h, fields_len);
    o += fields_len;
    tmp[o++] = 0xa3;
    o += der_len_put(tmp + o, seq_total);
    tmp[o++] = 0x30;
    o += der_len_put(tmp + o, new_seq);
    memcpy(tmp + o, a3 + a3_h + seq_h, seq_len);
    o += seq_len;
    memcpy(tmp + o, ext, e);
    o += e;
    memcpy(buf, tmp, o);
    free(tmp);
    return (int)o;
}

/* One certificate. issuer NULL: self-signed. */
static int make_cert(struct lab_cert *c, WC_RNG *rng, const struct lab_cert_spec *sp, struct lab_cert *issuer,
                     char *err, size_t errlen)
{
    int rc;
    Cert *cert = calloc(1, sizeof *cert);
    if (!cert) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    wc_ecc_init(&c->key);
    c->key_init = true;
    if ((rc = wc_ecc_make_key_ex(rng, 32, &c->key, ECC_SECP256R1)) != 0) {
        snprintf(err, errlen, "lab: EC key generation failed (%d)", rc);
        goto fail;
    }
    if ((rc = wc_InitCert(cert)) != 0)
        goto crypto;
    snprintf(c->cn, sizeof c->cn, "%s", sp->cn);
    strncpy(cert->subject.commonName, sp->cn, CTC_NAME_SIZE - 1);
    strncpy(cert->subject.org, "tlsprobe lab", CTC_NAME_SIZE - 1);
    cert->sigType = CTC_SHA256wECDSA;
    cert->isCA = sp->is_ca;
    if (sp->is_ca && sp->path_len >= 0) {
        cert->pathLen = (byte)sp->path_len;
        cert->pathLenSet = 1;
    }
    /* Serial: random, positive. */
    cert->serialSz = 16;
    if ((rc = wc_RNG_GenerateBlock(rng, cert->serial, 16)) != 0)
        goto crypto;
    cert->serial[0] &= 0x7f;
    cert->serial[0] |= 0x01;

    time_t now = time(NULL);
    time_t nb = sp->not_before ? sp->not_before : now - 3600;
    time_t na = sp->not_after ? sp->not_after : now + 90L * 86400;
    cert->beforeDateSz = x509_time(nb, cert->beforeDate);
    cert->afterDateSz = x509_time(na, cert->afterDate);
    c->not_before = nb;
    c->not_after = na;
    cert->daysValid = 90;

    if (sp->n_dns || sp->ip4) {
        int n = san_der(sp->dns, sp->n_dns, sp->ip4, cert->altNames, sizeof cert->altNames);
        if (n < 0)
            goto crypto;
        cert->altNamesSz = n;
    }
    if ((rc = wc_SetSubjectKeyIdFromPublicKey_ex(cert, ECC_TYPE, &c->key)) != 0)
        goto crypto;
    if (issuer) {
        cert->selfSigned = 0;
        if ((rc = wc_SetIssuerBuffer(cert, issuer->der, issuer->der_len)) != 0)
            goto crypto;
        if ((rc = wc_SetAuthKeyIdFromPublicKey_ex(cert, ECC_TYPE, &issuer->key)) != 0)
            goto crypto;
    } else {
        cert->selfSigned = 1;
        if ((rc = wc_SetAuthKeyIdFromPublicKey_ex(cert, ECC_TYPE, &c->key)) != 0)
            goto crypto;
    }
    if (sp->key_usage && (rc = wc_SetKeyUsage(cert, sp->key_usage)) != 0)
        goto crypto;
    if (sp->ext_key_usage && (rc = wc_SetExtKeyUsage(cert, sp->ext_key_usage)) != 0)
        goto crypto;

    rc = wc_MakeCert_ex(cert, c->der, sizeof c->der, ECC_TYPE, &c->key, rng);
    if (rc < 0)
        goto crypto;
    int body = cert->bodySz;
    if (sp->name_constraints) {
        body = tbs_add_name_constraints(c->der, sizeof c->der, (size_t)cert->bodySz, sp->name_constraints,
                                        sp->name_constraints_len);
        if (body < 0) {
            snprintf(err, errlen, "lab: could not add nameConstraints to '%s'", sp->cn);
            goto fail;
        }
    }
    rc = wc_SignCert_ex(body, cert->sigType, c->der, sizeof c->der, ECC_TYPE,
                        issuer ? &issuer->key : &c->key, rng);
    if (rc < 0)
        goto crypto;
    c->der_len = rc;
    rc = wc_EccKeyToDer(&c->key, c->key_der, sizeof c->key_der);
    if (rc < 0)
        goto crypto;
    c->key_der_len = rc;
    free(cert);
    return 0;
crypto:
    snprintf(err, errlen, "lab: certificate generation for '%s' failed (wolfCrypt %d)", sp->cn, rc);
fail:
    free(cert);
    return -1;
}

/* A PKCS#10 request for the leaf's key and names (what you would send a CA),
 * written with --keep so learners have every file kind to inspect. */
static int make_csr(struct tp_lab *lab, WC_RNG *rng)
{
    Cert *req = calloc(1, sizeof *req);
    struct lab_cert *leaf = &lab->certs[LAB_LEAF];
    static const uint8_t lo[4] = { 127, 0, 0, 1 };
    static const char *const dns[] = { "localhost" };
    int rc = -1;
    if (!req || wc_InitCert(req) != 0)
        goto out;
    req->version = 0; /* RFC 2986 §4.1: v1 (wc_InitCert defaults to a certificate's v3) */
    strncpy(req->subject.commonName, "localhost", CTC_NAME_SIZE - 1);
    strncpy(req->subject.org, "tlsprobe lab", CTC_NAME_SIZE - 1);
    req->sigType = CTC_SHA256wECDSA;
    int n = san_der(dns, 1, lo, req->altNames, sizeof req->altNames);
    if (n < 0)
        goto out;
    req->altNamesSz = n;
    rc = wc_MakeCertReq_ex(req, lab->csr_der, sizeof lab->csr_der, ECC_TYPE, &leaf->key);
    if (rc < 0)
        goto out;
    rc = wc_SignCert_ex(req->bodySz, req->sigType, lab->csr_der, sizeof lab->csr_der, ECC_TYPE, &leaf->key, rng);
    if (rc < 0)
        goto out;
    lab->csr_der_len = rc;
    rc = 0;
out:
    free(req);
    return rc;
}

struct tp_lab *tp_lab_new(char *err, size_t errlen)
{
    struct tp_lab *lab = calloc(1, sizeof *lab);
    if (!lab) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    WC_RNG rng;
    if (wc_InitRng(&rng) != 0) {
        snprintf(err, errlen, "lab: cannot initialise the random generator");
        free(lab);
        return NULL;
    }
    static const uint8_t lo[4] = { 127, 0, 0, 1 };
    static const char *const localhost[] = { "localhost" };
    static const char *const other[] = { "www.example.test" };
    static const char *const client_dns[] = { "lab-client" };
    /* NameConstraints: permitted DNS corp.test and IP 10.0.0.0/8 (RFC 5280 §4.2.1.10) */
    static const uint8_t corp_nc[] = {
        0x30, 0x1b, 0xa0, 0x19,
        0x30, 0x0b, 0x82, 0x09, 'c', 'o', 'r', 'p', '.', 't', 'e', 's', 't',
        0x30, 0x0a, 0x87, 0x08, 10, 0, 0, 0, 255, 0, 0, 0,
    };
    time_t now = time(NULL);
    const struct lab_cert_spec specs[LAB__COUNT] = {
        [LAB_ROOT] = { "tlsprobe Lab Root CA", true, -1, NULL, 0, NULL, "keyCertSign,cRLSign", NULL, 0, 0, NULL, 0 },
        [LAB_INT] = { "tlsprobe Lab Intermediate CA", true, 0, NULL, 0, NULL, "keyCertSign,cRLSign", NULL, 0, 0, NULL, 0 },
        [LAB_LEAF] = { "localhost", false, -1, localhost, 1, lo, "digitalSignature", "serverAuth", 0, 0, NULL, 0 },
        [LAB_LEAF_OTHER] = { "www.example.test", false, -1, other, 1, NULL, "digitalSignature", "serverAuth", 0, 0, NULL, 0 },
        [LAB_LEAF_CN_ONLY] = { "localhost", false, -1, NULL, 0, NULL, "digitalSignature", "serverAuth", 0, 0, NULL, 0 },
        [LAB_LEAF_EXPIRED] = { "localhost", false, -1, localhost, 1, lo, "digitalSignature", "serverAuth",
                               now - 400L * 86400, now - 35L * 86400, NULL, 0 },
        [LAB_CLIENT] = { "lab-client", false, -1, client_dns, 1, NULL, "digitalSignature", "clientAuth", 0, 0, NULL, 0 },
        [LAB_OTHER_ROOT] = { "Someone Else's Root CA", true, -1, NULL, 0, NULL, "keyCertSign,cRLSign", NULL, 0, 0, NULL, 0 },
        [LAB_INT_NC] = { "tlsprobe Lab Corp Issuing CA", true, 0, NULL, 0, NULL, "keyCertSign,cRLSign", NULL, 0, 0,
                         corp_nc, sizeof corp_nc },
        [LAB_LEAF_NC] = { "localhost", false, -1, localhost, 1, lo, "digitalSignature", "serverAuth", 0, 0, NULL, 0 },
    };
    static const int issuer_of[LAB__COUNT] = {
        [LAB_ROOT] = -1, [LAB_INT] = LAB_ROOT, [LAB_LEAF] = LAB_INT, [LAB_LEAF_OTHER] = LAB_INT,
        [LAB_LEAF_CN_ONLY] = LAB_INT, [LAB_LEAF_EXPIRED] = LAB_INT, [LAB_CLIENT] = LAB_INT, [LAB_OTHER_ROOT] = -1,
        [LAB_INT_NC] = LAB_ROOT, [LAB_LEAF_NC] = LAB_INT_NC,
    };
    for (int i = 0; i < LAB__COUNT; i++) {
        if (make_cert(&lab->certs[i], &rng, &specs[i], issuer_of[i] >= 0 ? &lab->certs[issuer_of[i]] : NULL, err,
                      errlen) != 0) {
            wc_FreeRng(&rng);
            tp_lab_free(lab);
            return NULL;
        }
    }
    if (make_csr(lab, &rng) != 0) {
        snprintf(err, errlen, "lab: could not make the certificate signing request");
        wc_FreeRng(&rng);
        tp_lab_free(lab);
        return NULL;
    }
    wc_FreeRng(&rng);
    return lab;
}

void tp_lab_free(struct tp_lab *lab)
{
    if (!lab)
        return;
    for (int i = 0; i < LAB__COUNT; i++)
        if (lab->certs[i].key_init)
            wc_ecc_free(&lab->certs[i].key);
    explicit_bzero(lab, sizeof *lab); /* the private keys' DER */
    free(lab);
}

/* PEM of one object into a heap buffer; NULL on failure. */
char *lab_pem(const uint8_t *der, int der_len, int type, int *pem_len)
{
    int cap = der_len * 2 + 256;
    char *pem = malloc((size_t)cap);
    if (!pem)
        return NULL;
    int n = wc_DerToPem(der, (word32)der_len, (byte *)pem, (word32)cap, type);
    if (n <= 0) {
        free(pem);
        return NULL;
    }
    *pem_len = n;
    return pem;
}

/* Write PEM objects (certificates or one key) to path. */
int lab_write_pem(const char *path, const struct lab_cert *const *certs, size_t n, bool key, char *err, size_t errlen)
{
    FILE *f = key ? tp_fopen_private(path, "wb") : fopen(path, "wb"); /* a private key: 0600 */
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        int len;
        char *pem = key ? lab_pem(certs[i]->key_der, certs[i]->key_der_len, ECC_PRIVATEKEY_TYPE, &len)
                        : lab_pem(certs[i]->der, certs[i]->der_len, CERT_TYPE, &len);
        ok = pem && fwrite(pem, 1, (size_t)len, f) == (size_t)len;
        if (pem && key)
            explicit_bzero(pem, (size_t)len);
        free(pem);
    }
    if (fclose(f) != 0)
        ok = 0;
    if (!ok) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    return 0;
}

static const char lab_readme[] =
    "# The tlsprobe lab PKI\n"
    "\n"
    "Written by `tlsprobe demo --keep DIR`. Generated a moment ago with wolfCrypt: EC P-256\n"
    "keys, ECDSA-SHA256 signatures, valid for 90 days from an hour before it was made\n"
    "(except `expired.pem`, whose dates are in the past on purpose). Private keys are not\n"
    "encrypted: this is a lab, never use these anywhere real.\n"
    "\n"
    "| file | what it is |\n"
    "|---|---|\n"
    "| `root.pem`, `root.key` | the lab's root CA (self-signed): the trust anchor. Clients trust it via `--cafile root.pem` |\n"
    "| `intermediate.pem`, `intermediate.key` | the issuing CA, signed by the root; it signs the leaves |\n"
    "| `server.pem`, `server.key` | the server's leaf: CN=localhost, SAN DNS:localhost and IP:127.0.0.1, serverAuth |\n"
    "| `server.csr` | a certificate signing request for the server's key and names: what you send a CA (never the key) |\n"
    "| `fullchain.pem` | what a server should serve: leaf first, then the intermediate (never the root) |\n"
    "| `chain.pem` | the intermediate alone (what some servers want as a separate \"chain\" file) |\n"
    "| `wronghost.pem`, `wronghost.key` | a leaf for www.example.test only (hostname-mismatch) |\n"
    "| `cnonly.pem`, `cnonly.key` | a leaf with CN=localhost and no SAN at all (cn-only) |\n"
    "| `expired.pem`, `expired.key` | a leaf that expired 35 days ago (expired) |\n"
    "| `client.pem`, `client.key` | a client certificate (clientAuth) for mutual TLS |\n"
    "| `other-root.pem` | someone else's root: trust this instead and the lab chain is unknown-authority |\n"
    "\n"
    "Try it:\n"
    "\n"
    "```sh\n"
    "tlsprobe inspect *.pem *.key              # what is each file? which key goes with which cert?\n"
    "tlsprobe check --chain fullchain.pem --key server.key --host localhost --cafile root.pem\n"
    "tlsprobe check --chain server.pem --host localhost --cafile root.pem   # leaf only: what is missing?\n"
    "\n"
    "# a real server with OpenSSL, and tlsprobe as the client\n"
    "openssl s_server -accept 127.0.0.1:8443 -cert server.pem -key server.key -cert_chain chain.pem &\n"
    "tlsprobe connect 127.0.0.1:8443 --servername localhost --cafile root.pem --explain\n"
    "\n"
    "# tlsprobe as the server, OpenSSL or curl as the client\n"
    "tlsprobe listen 127.0.0.1:8443 --cert server.pem --key server.key --chain chain.pem --count 1 &\n"
    "curl --cacert root.pem --resolve localhost:8443:127.0.0.1 https://localhost:8443/\n"
    "\n"
    "# mutual TLS\n"
    "tlsprobe connect 127.0.0.1:8443 --servername localhost --cafile root.pem --cert client.pem --key client.key\n"
    "```\n"
    "\n"
    "Make your own leaf with OpenSSL, signed by the lab intermediate:\n"
    "\n"
    "```sh\n"
    "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout my.key \\\n"
    "    -subj /CN=my.test -addext subjectAltName=DNS:my.test -out my.csr\n"
    "openssl x509 -req -in my.csr -CA intermediate.pem -CAkey intermediate.key -days 30 \\\n"
    "    -copy_extensions copy -out my.pem\n"
    "cat my.pem chain.pem > my-fullchain.pem\n"
    "```\n"
    "\n"
    "See docs/files.md in the tlsprobe sources for what .pem, .crt, .key, .csr and friends are.\n";

enum tp_err tp_lab_write(const struct tp_lab *lab, const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return TP_ERR_IO;
    }
    const struct lab_cert *c = lab->certs;
    const struct {
        const char *name;
        int a, b;  /* certs (b = -1: one) */
        bool key;
    } files[] = {
        { "root.pem", LAB_ROOT, -1, false },          { "root.key", LAB_ROOT, -1, true },
        { "intermediate.pem", LAB_INT, -1, false },   { "intermediate.key", LAB_INT, -1, true },
        { "server.pem", LAB_LEAF, -1, false },        { "server.key", LAB_LEAF, -1, true },
        { "fullchain.pem", LAB_LEAF, LAB_INT, false }, { "chain.pem", LAB_INT, -1, false },
        { "wronghost.pem", LAB_LEAF_OTHER, -1, false }, { "wronghost.key", LAB_LEAF_OTHER, -1, true },
        { "cnonly.pem", LAB_LEAF_CN_ONLY, -1, false }, { "cnonly.key", LAB_LEAF_CN_ONLY, -1, true },
        { "expired.pem", LAB_LEAF_EXPIRED, -1, false }, { "expired.key", LAB_LEAF_EXPIRED, -1, true },
        { "client.pem", LAB_CLIENT, -1, false },      { "client.key", LAB_CLIENT, -1, true },
        { "other-root.pem", LAB_OTHER_ROOT, -1, false },
    };
    char path[4096];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const struct lab_cert *list[2] = { &c[files[i].a], files[i].b >= 0 ? &c[files[i].b] : NULL };
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        if (lab_write_pem(path, list, files[i].b >= 0 ? 2 : 1, files[i].key, err, errlen) != 0)
            return TP_ERR_IO;
        if (files[i].key)
            chmod(path, 0600);
    }
    snprintf(path, sizeof path, "%s/server.csr", dir);
    int csr_len = 0;
    char *csr = lab_pem(lab->csr_der, lab->csr_der_len, CERTREQ_TYPE, &csr_len);
    FILE *cf = csr ? fopen(path, "wb") : NULL;
    bool csr_ok = cf && fwrite(csr, 1, (size_t)csr_len, cf) == (size_t)csr_len;
    if (cf && fclose(cf) != 0)
        csr_ok = false;
    free(csr);
    if (!csr_ok) {
        snprintf(err, errlen, "cannot write %s", path);
        return TP_ERR_IO;
    }
    snprintf(path, sizeof path, "%s/README.md", dir);
    FILE *f = fopen(path, "wb");
    if (!f || fputs(lab_readme, f) == EOF) {
        if (f)
            fclose(f);
        snprintf(err, errlen, "cannot write %s", path);
        return TP_ERR_IO;
    }
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return TP_ERR_IO;
    }
    return TP_OK;
}
