/* Extensions (RFC 8446 §4.2 and the RFCs each extension comes from). The same
 * type code is decoded by the context it appears in. */
#include <string.h>
#include "tlsprobe/wire.h"
#include "tlsprobe/reader.h"
#include "wire/wire_int.h"

static bool empty_ext(struct tp_reader *d)
{
    /* Extensions whose extension_data is empty (EMS, ETM, post_handshake_auth,
     * early_data outside NST, SNI/SCT/status_request acks). */
    if (tp_reader_left(d) != 0)
        return tp_reader_fail(d, TP_ERR_MALFORMED);
    return true;
}

bool tpw_bytes_list(struct tp_reader *l, struct tp_bytes_list *out, int lenbits, bool nonempty)
{
    out->n = out->n_total = 0;
    while (tp_reader_left(l) > 0) {
        struct tp_bytes b;
        bool ok = lenbits == 8 ? tp_read_vec8_bytes(l, &b) : tp_read_vec16_bytes(l, &b);
        if (!ok)
            return false;
        if (nonempty && b.len == 0)
            return tp_reader_fail(l, TP_ERR_MALFORMED);
        if (out->n < TP_MAX_LIST_ITEMS)
            out->v[out->n++] = b;
        out->n_total++;
    }
    return tp_reader_ok(l);
}

static void add_key_share(struct tp_exts *e, uint16_t group, struct tp_bytes kx)
{
    if (e->n_key_shares < TP_MAX_LIST_ITEMS) {
        e->key_shares[e->n_key_shares].group = group;
        e->key_shares[e->n_key_shares].key_exchange = kx;
        e->n_key_shares++;
    }
    e->n_key_shares_total++;
}

/* One decoder per extension type. d spans exactly the extension_data; ctx says
 * which message the extension is in (the same code means different things). */
typedef bool (*ext_fn)(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx);

static bool ext_server_name(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx)
{
    struct tp_reader l;
    (void)type;
    e->has_sni = true;
    if (ctx != TP_EXTCTX_CLIENT_HELLO)
        return empty_ext(d); /* RFC 6066 §3: the server's ack is empty */
    /* ServerNameList: server_name_list<1..2^16-1> of {NameType, HostName<1..2^16-1>} */
    if (!tp_read_vec16(d, &l))
        return false;
    if (tp_reader_left(&l) == 0)
        return tp_reader_fail(d, TP_ERR_MALFORMED);
    while (tp_reader_left(&l) > 0) {
        uint8_t nt;
        struct tp_bytes name;
        if (!tp_read_u8(&l, &nt) || !tp_read_vec16_bytes(&l, &name))
            break;
        if (nt == 0 && e->sni.p == NULL) {
            if (name.len == 0) {
                tp_reader_fail(&l, TP_ERR_MALFORMED);
                break;
            }
            e->sni = name;
        }
    }
    return tpw_inner(d, &l);
}

static bool ext_status_request(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx)
{
    uint8_t st;
    (void)type;
    e->status_request = true;
    if (ctx == TP_EXTCTX_CLIENT_HELLO) {
        /* CertificateStatusRequest: status_type, then for ocsp(1)
         * responder_id_list<0..2^16-1> and request_extensions<0..2^16-1>. */
        if (!tp_read_u8(d, &st))
            return false;
        if (st == 1) {
            struct tp_reader a, b;
            tp_read_vec16(d, &a);
            tp_read_vec16(d, &b);
        } else {
            tp_read_rest(d, &(struct tp_bytes){ 0 });
        }
        return tp_reader_ok(d);
    }
    if (ctx == TP_EXTCTX_CERTIFICATE_ENTRY) {
        /* TLS 1.3: a CertificateStatus {status_type, OCSPResponse<1..2^24-1>} */
        struct tp_bytes resp;
        tp_read_u8(d, &st);
        tp_read_vec24_bytes(d, &resp);
        if (tp_reader_ok(d) && st == 1)
            e->ocsp_response = resp;
        return tp_reader_ok(d);
    }
    if (ctx == TP_EXTCTX_CERTIFICATE_REQUEST)
        return tp_read_rest(d, &(struct tp_bytes){ 0 });
    return empty_ext(d);
}

/* A list of 16-bit code points in a vector with an 8- or 16-bit length. */
static bool u16_vector(struct tp_reader *d, int lenbits, struct tp_u16_list *out)
{
    struct tp_reader l;
    if (!(lenbits == 8 ? tp_read_vec8(d, &l) : tp_read_vec16(d, &l)))
        return false;
    tpw_u16_list(&l, out);
    return tpw_inner(d, &l);
}

static bool ext_u16_list(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx)
{
    (void)ctx;
    switch (type) {
    case TP_EXT_SUPPORTED_GROUPS: /* NamedGroupList named_group_list<2..2^16-1> (CH, TLS 1.3 EE) */
        return u16_vector(d, 16, &e->groups);
    case TP_EXT_SIGNATURE_ALGORITHMS:
        return u16_vector(d, 16, &e->sig_algs);
    case TP_EXT_SIGNATURE_ALGORITHMS_CERT:
        return u16_vector(d, 16, &e->sig_algs_cert);
    default: /* RFC 8879: CertificateCompressionAlgorithm algorithms<2..2^8-2> */
        return u16_vector(d, 8, &e->compress_cert_algs);
    }
}

static bool ext_alpn(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx)
{
    struct tp_reader l;
    (void)type;
    /* RFC 7301: ProtocolNameList protocol_name_list<2..2^16-1>, names <1..2^8-1>.
     * The server's answer holds exactly one name. */
    if (!tp_read_vec16(d, &l))
        return false;
    tpw_bytes_list(&l, &e->alpn, 8, true);
    if (!tpw_inner(d, &l))
        return false;
    if (e->alpn.n_total == 0 || (ctx != TP_EXTCTX_CLIENT_HELLO && e->alpn.n_total != 1))
        return tp_reader_fail(d, TP_ERR_MALFORMED);
    return true;
}

/* Extensions that are only a flag: the data is empty, or (SCT, session ticket,
 * renegotiation_info, padding) kept or skipped whole. */
static bool ext_flag(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx)
{
    switch (type) {
    case TP_EXT_SCT: /* CH: empty; SH / certificate entry: SignedCertificateTimestampList */
        e->sct = true;
        return ctx == TP_EXTCTX_CLIENT_HELLO ? empty_ext(d) : tp_read_rest(d, &e->sct_list);
    case TP_EXT_PADDING:
        e->has_padding = true;
        e->padding_len = tp_reader_left(d);
        return tp_read_skip(d, e->padding_len);
    case TP_EXT_ENCRYPT_THEN_MAC:
        e->encrypt_then_mac = true;
        return empty_ext(d);
    case TP_EXT_EXTENDED_MASTER_SECRET:
        e->extended_master_secret = true;
        return empty_ext(d);
    case TP_EXT_POST_HANDSHAKE_AUTH:
        e->post_handshake_auth = true;
        return empty_ext(d);
    case TP_EXT_SESSION_TICKET:
        e->session_ticket = true;
        return tp_read_rest(d, &e->session_ticket_data);
    case TP_EXT_RENEGOTIATION_INFO:
        e->renegotiation_info = true;
        return tp_read_vec8_bytes(d, &(struct tp_bytes){ 0 });
    case TP_EXT_EARLY_DATA:
        e->early_data = true;
        if (ctx == TP_EXTCTX_NEW_SESSION_TICKET)
            return tp_read_u32(d, &e->max_early_data);
        return empty_ext(d);
    default: /* record_size_limit */
        e->has_record_size_limit = true;
        return tp_read_u16(d, &e->record_size_limit);
    }
}

static bool ext_pre_shared_key(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx)
{
    struct tp_reader l, b;
    struct tp_bytes_list binders;
    (void)type;
    e->has_psk = true;
    if (ctx != TP_EXTCTX_CLIENT_HELLO)
        return tp_read_u16(d, &e->psk_selected);
    /* OfferedPsks: identities<7..2^16-1> of {identity<1..2^16-1>,
     * obfuscated_ticket_age u32}, binders<33..2^16-1> of <32..255>. */
    if (!tp_read_vec16(d, &l))
        return false;
    while (tp_reader_left(&l) > 0) {
        struct tp_bytes id;
        uint32_t age;
        if (!tp_read_vec16_bytes(&l, &id) || !tp_read_u32(&l, &age))
            break;
        e->n_psk_identities++;
    }
    if (!tpw_inner(d, &l) || !tp_read_vec16(d, &b))
        return false;
    tpw_bytes_list(&b, &binders, 8, true);
    if (!tpw_inner(d, &b))
        return false;
    if (e->n_psk_identities == 0 || binders.n_total != e->n_psk_identities)
        return tp_reader_fail(d, TP_ERR_MALFORMED);
    return true;
}

static bool ext_supported_versions(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx)
{
    (void)type;
    if (ctx != TP_EXTCTX_CLIENT_HELLO) {
        e->versions.n = e->versions.n_total = 1;
        return tp_read_u16(d, &e->versions.v[0]);
    }
    /* ProtocolVersion versions<2..254> */
    if (!u16_vector(d, 8, &e->versions))
        return false;
    if (e->versions.n_total == 0)
        return tp_reader_fail(d, TP_ERR_MALFORMED);
    return true;
}

/* Opaque vectors kept as views: cookie, psk_key_exchange_modes, ec_point_formats. */
static bool ext_opaque(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx)
{
    (void)ctx;
    if (type == TP_EXT_PSK_KEY_EXCHANGE_MODES)
        return tp_read_vec8_bytes(d, &e->psk_modes);
    if (type == TP_EXT_EC_POINT_FORMATS)
        return tp_read_vec8_bytes(d, &e->ec_point_formats);
    if (!tp_read_vec16_bytes(d, &e->cookie))
        return false;
    if (e->cookie.len == 0)
        return tp_reader_fail(d, TP_ERR_MALFORMED);
    return true;
}

static bool ext_certificate_authorities(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx)
{
    struct tp_reader l;
    (void)type;
    (void)ctx;
    /* DistinguishedName authorities<3..2^16-1>, each <1..2^16-1> */
    if (!tp_read_vec16(d, &l))
        return false;
    tpw_bytes_list(&l, &e->ca_names, 16, true);
    return tpw_inner(d, &l);
}

static bool key_share_entry(struct tp_exts *e, struct tp_reader *r)
{
    uint16_t g;
    struct tp_bytes kx;
    if (!tp_read_u16(r, &g) || !tp_read_vec16_bytes(r, &kx))
        return false;
    add_key_share(e, g, kx);
    return true;
}

static bool ext_key_share(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx)
{
    struct tp_reader l;
    (void)type;
    if (ctx == TP_EXTCTX_HELLO_RETRY_REQUEST) {
        e->has_hrr_group = true;
        return tp_read_u16(d, &e->hrr_group);
    }
    if (ctx != TP_EXTCTX_CLIENT_HELLO)
        return key_share_entry(e, d);
    /* KeyShareEntry client_shares<0..2^16-1> */
    if (!tp_read_vec16(d, &l))
        return false;
    while (tp_reader_left(&l) > 0)
        if (!key_share_entry(e, &l))
            break;
    return tpw_inner(d, &l);
}

static ext_fn ext_decoder(uint16_t type)
{
    switch (type) {
    case TP_EXT_SERVER_NAME: return ext_server_name;
    case TP_EXT_STATUS_REQUEST: return ext_status_request;
    case TP_EXT_SUPPORTED_GROUPS:
    case TP_EXT_SIGNATURE_ALGORITHMS:
    case TP_EXT_SIGNATURE_ALGORITHMS_CERT:
    case TP_EXT_COMPRESS_CERTIFICATE: return ext_u16_list;
    case TP_EXT_ALPN: return ext_alpn;
    case TP_EXT_SCT:
    case TP_EXT_PADDING:
    case TP_EXT_ENCRYPT_THEN_MAC:
    case TP_EXT_EXTENDED_MASTER_SECRET:
    case TP_EXT_POST_HANDSHAKE_AUTH:
    case TP_EXT_SESSION_TICKET:
    case TP_EXT_RENEGOTIATION_INFO:
    case TP_EXT_EARLY_DATA:
    case TP_EXT_RECORD_SIZE_LIMIT: return ext_flag;
    case TP_EXT_PRE_SHARED_KEY: return ext_pre_shared_key;
    case TP_EXT_SUPPORTED_VERSIONS: return ext_supported_versions;
    case TP_EXT_COOKIE:
    case TP_EXT_PSK_KEY_EXCHANGE_MODES:
    case TP_EXT_EC_POINT_FORMATS: return ext_opaque;
    case TP_EXT_CERTIFICATE_AUTHORITIES: return ext_certificate_authorities;
    case TP_EXT_KEY_SHARE: return ext_key_share;
    default: return NULL;
    }
}

/* Decode one extension's data into e. Unknown and GREASE types are kept as a
 * number in `all` only. */
static bool decode_one(struct tp_exts *e, uint16_t type, struct tp_reader *d, enum tp_ext_ctx ctx)
{
    ext_fn fn = ext_decoder(type);
    if (fn == NULL)
        return tp_read_rest(d, &(struct tp_bytes){ 0 });
    return fn(e, type, d, ctx);
}

enum tp_err tp_exts_parse(struct tp_bytes block, enum tp_ext_ctx ctx, struct tp_exts *out)
{
    struct tp_reader r;
    /* Duplicate detection: types seen, one bit per 16-bit code. Only touched past
     * the kept list, so the common case stays a short linear scan. */
    uint64_t seen[65536 / 64];
    bool seen_init = false;

    memset(out, 0, sizeof *out);
    tp_reader_from(&r, block);
    while (tp_reader_left(&r) > 0) {
        uint16_t type;
        struct tp_reader d;
        if (!tpw_ext_next(&r, &type, &d))
            return TP_ERR_TRUNCATED;
        /* RFC 8446 §4.2: no more than one extension of the same type. */
        bool dup = false;
        if (out->all.n_total < TP_MAX_EXTENSIONS) {
            for (size_t i = 0; i < out->all.n; i++)
                if (out->all.items[i].type == type)
                    dup = true;
        } else {
            if (!seen_init) {
                memset(seen, 0, sizeof seen);
                for (size_t i = 0; i < out->all.n; i++)
                    seen[out->all.items[i].type / 64] |= (uint64_t)1 << (out->all.items[i].type % 64);
                seen_init = true;
            }
            dup = (seen[type / 64] >> (type % 64)) & 1;
            seen[type / 64] |= (uint64_t)1 << (type % 64);
        }
        if (dup)
            return TP_ERR_MALFORMED;
        if (out->all.n < TP_MAX_EXTENSIONS) {
            out->all.items[out->all.n].type = type;
            out->all.items[out->all.n].data = tp_bytes_make(d.p, d.len);
            out->all.n++;
        }
        out->all.n_total++;
        decode_one(out, type, &d, ctx);
        if (!tpw_inner(&r, &d))
            return TP_ERR_MALFORMED;
    }
    return TP_OK;
}
