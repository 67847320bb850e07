/* The other handshake messages: Certificate, CertificateRequest,
 * ServerKeyExchange, ClientKeyExchange, CertificateVerify, Finished,
 * NewSessionTicket, KeyUpdate, CertificateStatus. RFC 8446 §4.3-§4.6,
 * RFC 5246 §7.4, RFC 4492 §5.4, RFC 4279 §2-§4, RFC 5489, RFC 6066 §8. */
#include <string.h>
#include "tlsprobe/wire.h"
#include "tlsprobe/names.h"
#include "tlsprobe/reader.h"
#include "wire/wire_int.h"

/* Map an error from a parser run over a complete sub-block: truncation there is
 * an inconsistency of lengths. */
static enum tp_err inner_err(enum tp_err e)
{
    return e == TP_ERR_TRUNCATED ? TP_ERR_MALFORMED : e;
}

/* Scan a TLS 1.3 CertificateEntry extensions block for status_request (OCSP)
 * and signed_certificate_timestamp without decoding the rest. */
static bool scan_entry_exts(struct tp_bytes block, struct tp_cert_entry *ce)
{
    struct tp_reader r;
    tp_reader_from(&r, block);
    uint16_t type;
    struct tp_reader data;
    while (tp_reader_left(&r) > 0) {
        if (!tpw_ext_next(&r, &type, &data))
            return false;
        if (ce && type == TP_EXT_STATUS_REQUEST)
            ce->has_ocsp = true;
        if (ce && type == TP_EXT_SCT)
            ce->has_sct = true;
    }
    return true;
}

enum tp_err tp_certificate_parse(struct tp_bytes body, bool tls13, struct tp_certificate *c)
{
    struct tp_reader r, list;

    memset(c, 0, sizeof *c);
    c->tls13 = tls13;
    tp_reader_from(&r, body);
    /* 1.3: opaque certificate_request_context<0..2^8-1> */
    if (tls13 && !tp_read_vec8_bytes(&r, &c->context))
        return r.err;
    /* certificate_list<0..2^24-1> */
    if (!tp_read_vec24(&r, &list))
        return r.err;
    if (!tp_reader_done(&r))
        return TP_ERR_MALFORMED;
    /* Linear in the message size whatever the count: entries beyond the cap are
     * only counted (each costs at least 3 bytes, so the loop is bounded). */
    while (tp_reader_left(&list) > 0) {
        struct tp_bytes der, exts = { 0 };
        if (!tp_read_vec24_bytes(&list, &der))
            return TP_ERR_MALFORMED;
        if (tls13 && !tp_read_vec16_bytes(&list, &exts))
            return TP_ERR_MALFORMED;
        /* ASN.1Cert / cert_data<1..2^24-1> */
        if (der.len == 0)
            return TP_ERR_MALFORMED;
        struct tp_cert_entry *ce = c->n < TP_MAX_CHAIN_CERTS ? &c->certs[c->n] : NULL;
        if (tls13 && !scan_entry_exts(exts, ce))
            return TP_ERR_MALFORMED;
        if (ce) {
            ce->der = der;
            ce->extensions = exts;
            c->n++;
        }
        c->n_total++;
    }
    return TP_OK;
}

/* TLS 1.0-1.2 CertificateRequest, with (1.2) or without (1.0/1.1) the
 * supported_signature_algorithms field. */
static enum tp_err cr12(struct tp_bytes body, bool with_sigalgs, struct tp_certificate_request *cr)
{
    struct tp_reader r, l;

    tp_reader_from(&r, body);
    if (!tp_read_vec8_bytes(&r, &cr->cert_types))
        return r.err;
    if (with_sigalgs) {
        if (!tp_read_vec16(&r, &l))
            return r.err;
        if (!tpw_u16_list(&l, &cr->sig_algs) || !tpw_inner(&r, &l))
            return TP_ERR_MALFORMED;
    }
    if (!tp_read_vec16(&r, &l))
        return r.err;
    if (!tpw_bytes_list(&l, &cr->ca_names, 16, false) || !tpw_inner(&r, &l))
        return TP_ERR_MALFORMED;
    return tp_reader_done(&r) ? TP_OK : TP_ERR_MALFORMED;
}

enum tp_err tp_certificate_request_parse(struct tp_bytes body, bool tls13, struct tp_certificate_request *cr)
{
    memset(cr, 0, sizeof *cr);
    cr->tls13 = tls13;
    if (tls13) {
        struct tp_reader r;
        struct tp_bytes block;
        tp_reader_from(&r, body);
        tp_read_vec8_bytes(&r, &cr->context);
        if (!tp_read_vec16_bytes(&r, &block))
            return r.err;
        if (!tp_reader_done(&r))
            return TP_ERR_MALFORMED;
        enum tp_err e = tp_exts_parse(block, TP_EXTCTX_CERTIFICATE_REQUEST, &cr->ext);
        if (e != TP_OK)
            return inner_err(e);
        cr->sig_algs = cr->ext.sig_algs;
        cr->ca_names = cr->ext.ca_names;
        return TP_OK;
    }
    /* No version argument: the 1.2 form is tried first; when it does not fit
     * exactly, the 1.0/1.1 form (no signature algorithms) is tried. */
    enum tp_err e = cr12(body, true, cr);
    if (e == TP_OK)
        return TP_OK;
    struct tp_certificate_request alt;
    memset(&alt, 0, sizeof alt);
    if (cr12(body, false, &alt) == TP_OK) {
        *cr = alt;
        return TP_OK;
    }
    memset(cr, 0, sizeof *cr);
    return e;
}

static bool read_dh_params(struct tp_reader *r, struct tp_server_key_exchange *ske)
{
    /* ServerDHParams: dh_p<1..2^16-1>, dh_g<1..2^16-1>, dh_Ys<1..2^16-1> */
    tp_read_vec16_bytes(r, &ske->dh_p);
    tp_read_vec16_bytes(r, &ske->dh_g);
    tp_read_vec16_bytes(r, &ske->public_key);
    if (!tp_reader_ok(r))
        return false;
    if (ske->dh_p.len == 0 || ske->dh_g.len == 0 || ske->public_key.len == 0)
        return tp_reader_fail(r, TP_ERR_MALFORMED);
    ske->dh_p_bits = tp_bytes_bit_length(ske->dh_p);
    return true;
}

static bool read_ec_params(struct tp_reader *r, struct tp_server_key_exchange *ske)
{
    /* ECParameters: curve_type (3 = named_curve, the only one in use since
     * RFC 8422) then NamedCurve; ECPoint public<1..2^8-1>. */
    uint8_t curve_type;
    if (!tp_read_u8(r, &curve_type))
        return false;
    if (curve_type != 3)
        return tp_reader_fail(r, TP_ERR_UNSUPPORTED);
    tp_read_u16(r, &ske->group);
    tp_read_vec8_bytes(r, &ske->public_key);
    if (tp_reader_ok(r) && ske->public_key.len == 0)
        return tp_reader_fail(r, TP_ERR_MALFORMED);
    return tp_reader_ok(r);
}

/* A digitally-signed element: TLS 1.2 prefixes the signature with its
 * SignatureAndHashAlgorithm (RFC 5246 §4.7, §7.4.3); 1.0/1.1 do not. */
static void read_signed(struct tp_reader *r, uint16_t version, bool *has_scheme, uint16_t *scheme,
                        struct tp_bytes *sig)
{
    if (tp_version_tls_equiv(version) >= TP_TLS1_2) {
        *has_scheme = true;
        tp_read_u16(r, scheme);
    }
    tp_read_vec16_bytes(r, sig);
}

enum tp_err tp_server_key_exchange_parse(struct tp_bytes body, uint16_t version, uint16_t suite,
                                         struct tp_server_key_exchange *ske)
{
    struct tp_reader r;
    const struct tp_suite_info *si = tp_suite_info(suite);

    memset(ske, 0, sizeof *ske);
    if (!si || si->tls13)
        return TP_ERR_UNSUPPORTED;
    ske->kx = si->kx;
    bool anon = si->auth && strcmp(si->auth, "anon") == 0;
    bool signed_params = false;
    tp_reader_from(&r, body);
    switch (si->kx) {
    case TP_KX_DHE:
        read_dh_params(&r, ske);
        signed_params = !anon;
        break;
    case TP_KX_ECDHE:
        read_ec_params(&r, ske);
        signed_params = !anon;
        break;
    case TP_KX_PSK:
    case TP_KX_RSA_PSK:
        /* RFC 4279 §2: psk_identity_hint<0..2^16-1>, no signature */
        tp_read_vec16_bytes(&r, &ske->psk_hint);
        break;
    case TP_KX_DHE_PSK:
        tp_read_vec16_bytes(&r, &ske->psk_hint);
        read_dh_params(&r, ske);
        break;
    case TP_KX_ECDHE_PSK:
        /* RFC 5489 §2 */
        tp_read_vec16_bytes(&r, &ske->psk_hint);
        read_ec_params(&r, ske);
        break;
    default:
        /* static RSA/DH/ECDH send no ServerKeyExchange; export RSA, SRP, KRB5,
         * GOST... are not decoded. */
        return TP_ERR_UNSUPPORTED;
    }
    if (signed_params)
        read_signed(&r, version, &ske->has_sig_scheme, &ske->sig_scheme, &ske->signature);
    if (!tp_reader_ok(&r))
        return r.err;
    return tp_reader_done(&r) ? TP_OK : TP_ERR_MALFORMED;
}

enum tp_err tp_client_key_exchange_parse(struct tp_bytes body, uint16_t version, uint16_t suite,
                                         struct tp_client_key_exchange *cke)
{
    struct tp_reader r;
    const struct tp_suite_info *si = tp_suite_info(suite);
    struct tp_bytes identity = { 0 };

    memset(cke, 0, sizeof *cke);
    if (!si || si->tls13)
        return TP_ERR_UNSUPPORTED;
    cke->kx = si->kx;
    tp_reader_from(&r, body);
    switch (si->kx) {
    case TP_KX_RSA:
        /* RFC 5246 §7.4.7.1: EncryptedPreMasterSecret is a 16-bit vector in TLS;
         * SSL 3.0 sent it bare. */
        if (version == TP_SSL3_0)
            tp_read_rest(&r, &cke->exchange);
        else
            tp_read_vec16_bytes(&r, &cke->exchange);
        break;
    case TP_KX_DHE:
        tp_read_vec16_bytes(&r, &cke->exchange);     /* dh_Yc<1..2^16-1> */
        break;
    case TP_KX_ECDHE:
        tp_read_vec8_bytes(&r, &cke->exchange);      /* ECPoint ecdh_Yc<1..2^8-1> */
        break;
    case TP_KX_PSK:
        tp_read_vec16_bytes(&r, &cke->exchange);     /* psk_identity */
        break;
    case TP_KX_DHE_PSK:
        tp_read_vec16_bytes(&r, &identity);
        tp_read_vec16_bytes(&r, &cke->exchange);
        break;
    case TP_KX_ECDHE_PSK:
        tp_read_vec16_bytes(&r, &identity);
        tp_read_vec8_bytes(&r, &cke->exchange);
        break;
    case TP_KX_RSA_PSK:
        tp_read_vec16_bytes(&r, &identity);
        tp_read_vec16_bytes(&r, &cke->exchange);
        break;
    default:
        return TP_ERR_UNSUPPORTED;
    }
    if (!tp_reader_ok(&r)) {
        enum tp_err e = r.err;
        memset(cke, 0, sizeof *cke);
        return e;
    }
    return tp_reader_done(&r) ? TP_OK : TP_ERR_MALFORMED;
}

enum tp_err tp_certificate_verify_parse(struct tp_bytes body, uint16_t version,
                                        struct tp_certificate_verify *cv)
{
    struct tp_reader r;

    memset(cv, 0, sizeof *cv);
    tp_reader_from(&r, body);
    read_signed(&r, version, &cv->has_scheme, &cv->scheme, &cv->signature);
    if (!tp_reader_ok(&r))
        return r.err;
    if (cv->signature.len == 0)
        return TP_ERR_MALFORMED;
    return tp_reader_done(&r) ? TP_OK : TP_ERR_MALFORMED;
}

enum tp_err tp_finished_parse(struct tp_bytes body, struct tp_finished *f)
{
    memset(f, 0, sizeof *f);
    /* verify_data: 12 bytes in TLS 1.0-1.2 (RFC 5246 §7.4.9), the hash length
     * (32 or 48) in TLS 1.3 (RFC 8446 §4.4.4), 36 in SSL 3.0. */
    if (body.len == 0)
        return TP_ERR_TRUNCATED;
    if (body.len < 12 || body.len > 64)
        return TP_ERR_MALFORMED;
    f->verify_data = body;
    return TP_OK;
}

enum tp_err tp_new_session_ticket_parse(struct tp_bytes body, bool tls13, struct tp_new_session_ticket *t)
{
    struct tp_reader r;

    memset(t, 0, sizeof *t);
    t->tls13 = tls13;
    tp_reader_from(&r, body);
    tp_read_u32(&r, &t->lifetime);
    if (!tls13) {
        /* RFC 5077 §3.3: ticket_lifetime_hint, opaque ticket<0..2^16-1> */
        tp_read_vec16_bytes(&r, &t->ticket);
        if (!tp_reader_ok(&r))
            return r.err;
        return tp_reader_done(&r) ? TP_OK : TP_ERR_MALFORMED;
    }
    /* RFC 8446 §4.6.1 */
    struct tp_bytes block;
    tp_read_u32(&r, &t->age_add);
    tp_read_vec8_bytes(&r, &t->nonce);
    tp_read_vec16_bytes(&r, &t->ticket);
    tp_read_vec16_bytes(&r, &block);
    if (!tp_reader_ok(&r))
        return r.err;
    if (!tp_reader_done(&r) || t->ticket.len == 0)
        return TP_ERR_MALFORMED;
    return inner_err(tp_exts_parse(block, TP_EXTCTX_NEW_SESSION_TICKET, &t->ext));
}

enum tp_err tp_key_update_parse(struct tp_bytes body, struct tp_key_update *ku)
{
    struct tp_reader r;

    memset(ku, 0, sizeof *ku);
    tp_reader_from(&r, body);
    if (!tp_read_u8(&r, &ku->request_update))
        return TP_ERR_TRUNCATED;
    /* RFC 8446 §4.6.3: update_not_requested(0), update_requested(1) */
    if (ku->request_update > 1 || !tp_reader_done(&r))
        return TP_ERR_MALFORMED;
    return TP_OK;
}

enum tp_err tp_certificate_status_parse(struct tp_bytes body, struct tp_certificate_status *cs)
{
    struct tp_reader r;

    memset(cs, 0, sizeof *cs);
    tp_reader_from(&r, body);
    /* RFC 6066 §8: status_type ocsp(1), OCSPResponse<1..2^24-1>; RFC 6961 §2.2:
     * ocsp_multi(2), OCSPResponseList<1..2^24-1> of OCSPResponse<0..2^24-1>, the
     * leaf's first */
    tp_read_u8(&r, &cs->status_type);
    if (cs->status_type == 2) {
        struct tp_reader list;
        if (tp_read_vec24(&r, &list)) {
            tp_read_vec24_bytes(&list, &cs->response);
            while (tp_reader_ok(&list) && tp_reader_left(&list)) {
                struct tp_bytes more;
                tp_read_vec24_bytes(&list, &more);
            }
            if (!tp_reader_ok(&list)) /* an entry overruns its list */
                return TP_ERR_MALFORMED;
            tp_reader_join(&r, &list);
        }
        if (!tp_reader_ok(&r))
            return r.err;
        return tp_reader_done(&r) ? TP_OK : TP_ERR_MALFORMED;
    }
    tp_read_vec24_bytes(&r, &cs->response);
    if (!tp_reader_ok(&r))
        return r.err;
    if (cs->status_type != 1 || cs->response.len == 0 || !tp_reader_done(&r))
        return TP_ERR_MALFORMED;
    return TP_OK;
}
