/* Re-parse each recorded message with the wire parsers and name the facts that
 * matter: the shared front half of the text, JSON and Mermaid renderers. */
#include <stdio.h>
#include <string.h>
#include "render_int.h"
#include "tlsprobe/names.h"

bool rs_tls13(const struct tp_session *s)
{
    return tp_is_tls13_family(s->version);
}

enum tp_explain_side rs_stack_side(const struct tp_session *s)
{
    return s->source == TP_SRC_LISTEN ? TP_EXPLAIN_SIDE_SERVER : TP_EXPLAIN_SIDE_CLIENT;
}

bool rs_is_tcp_probe(const struct tp_session *s)
{
    return s->source == TP_SRC_LISTEN && s->n_msgs == 0 && s->decode[TP_C2S].bytes == 0 &&
           (s->outcome.status == TP_CONN_CLOSED || s->outcome.status == TP_CONN_RESET);
}

/* Who sent a message, in the source's voice: connect is the client, listen the
 * server ("we"); a capture names both. */
static const char *who_sent(const struct tp_session *s, enum tp_dir d)
{
    if ((s->source == TP_SRC_CONNECT && d == TP_C2S) || (s->source == TP_SRC_LISTEN && d == TP_S2C))
        return "we";
    return d == TP_C2S ? "the client" : "the server";
}

static bool has_error_finding(const struct tp_session *s, const char **first)
{
    for (size_t i = 0; i < s->n_findings; i++)
        if (s->findings[i].severity == TP_SEV_ERROR) {
            if (first)
                *first = s->findings[i].id;
            return true;
        }
    return false;
}

void rs_cert_errors(const struct tp_session *s, char *out, size_t n)
{
    static const char *const ids[] = { "expired", "not-yet-valid", "hostname-mismatch", "cn-only", "weak-key",
                                       "weak-signature", "wrong-key-usage" };
    size_t o = 0;
    if (n)
        out[0] = '\0';
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct tp_finding *f = &s->findings[i];
        if (f->severity != TP_SEV_ERROR || !f->id)
            continue;
        for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
            if (strcmp(f->id, ids[k]))
                continue;
            int w = snprintf(out + o, o < n ? n - o : 0, "%s%s", o ? ", " : "", f->id);
            if (w > 0 && o + (size_t)w < n)
                o += (size_t)w;
        }
    }
}

void rs_status_line(const struct tp_session *s, char *out, size_t n)
{
    char b[16];
    const char *first_err = NULL;
    bool err = has_error_finding(s, &first_err);
    const struct tp_msg *fatal = NULL;
    for (size_t i = 0; i < s->n_msgs && !fatal; i++)
        if (s->msgs[i].kind == TP_MSG_ALERT && s->msgs[i].alert_level == TP_ALERT_LEVEL_FATAL)
            fatal = &s->msgs[i];
    if (rs_is_tcp_probe(s)) {
        snprintf(out, n, "no TLS: the client connected and closed without sending a byte (a TCP probe or health "
                         "check)");
        return;
    }
    if (fatal) {
        /* The cause is the first fatal alert and who sent it (RFC 8446 §6.2:
         * after it, nothing the other side says counts). */
        const char *an = tp_name_alert(fatal->alert_desc);
        snprintf(out, n, "handshake failed%s: %s sent fatal %s (%u)",
                 s->handshake_complete ? " after both Finished" : "", who_sent(s, fatal->dir),
                 an ? an : rn_alert(fatal->alert_desc, b), (unsigned)fatal->alert_desc);
        return;
    }
    if (s->outcome.status == TP_CONN_STARTTLS_FAILED || s->outcome.status == TP_CONN_PROXY_FAILED) {
        snprintf(out, n, "no TLS: %s", s->outcome.detail);
        return;
    }
    if (s->outcome.status != TP_CONN_OK && s->outcome.status != TP_CONN_UNKNOWN) {
        snprintf(out, n, "handshake %s (%s%s%s)", s->handshake_complete ? "finished, then the connection failed" : "not complete",
                 rn_conn_status(s->outcome.status), s->outcome.detail[0] ? ": " : "", s->outcome.detail);
        return;
    }
    if (!s->handshake_complete) {
        snprintf(out, n, "handshake not complete%s%s", err ? ": " : "", err ? first_err : "");
        return;
    }
    if (err && s->source == TP_SRC_LISTEN)
        snprintf(out, n, "handshake complete, but %s", first_err);
    else if (err)
        /* tlsprobe lets the handshake finish to see everything, then judges. */
        snprintf(out, n, "handshake complete on the wire, but a verifying client would reject it (%s)", first_err);
    else
        snprintf(out, n, "handshake complete");
}

/* "0x%04x" into buf (7 bytes with the NUL), without printf. */
static char *put_hex16(char *buf, uint16_t v)
{
    static const char hx[] = "0123456789abcdef";
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 4; i++)
        buf[2 + i] = hx[(v >> (12 - 4 * i)) & 15];
    buf[6] = '\0';
    return buf;
}

/* The registry name, else "GREASE 0x…" for a GREASE value, else the hex code;
 * buf holds 16 bytes at least. */
static const char *named_or_code(const char *name, uint16_t v, char *buf)
{
    if (name)
        return name;
    if (!tp_is_grease(v))
        return put_hex16(buf, v);
    memcpy(buf, "GREASE ", 7);
    put_hex16(buf + 7, v);
    return buf;
}

/* The registry's name, else "0x1a2b" / "GREASE 0x0a0a". */
#define RN_NAMED(fn, namer)                                                                                            \
    const char *fn(uint16_t v, char buf[16]) { return named_or_code(namer(v), v, buf); }
RN_NAMED(rn_suite, tp_name_cipher_suite)
RN_NAMED(rn_group, tp_name_group)
RN_NAMED(rn_version, tp_name_version)

const char *rn_sigalg(uint16_t v, char buf[16])
{
    const char *n = tp_name_sig_scheme(v);
    return n ? n : put_hex16(buf, v);
}

const char *rn_ext(uint16_t v, char buf[24])
{
    return named_or_code(tp_name_extension(v), v, buf);
}

const char *rn_alert(uint8_t v, char buf[16])
{
    const char *n = tp_name_alert(v);
    if (n)
        return n;
    snprintf(buf, 16, "alert_%u", v);
    return buf;
}

/* Enum names: tables in the enums' order (the asserts catch a new value). */
static const char *const kx_names[] = { "unknown", "RSA", "DHE", "ECDHE", "PSK", "DHE_PSK", "ECDHE_PSK", "RSA_PSK",
                                        "key_share" };
_Static_assert(sizeof kx_names / sizeof kx_names[0] == TP_KX_TLS13 + 1, "kx_names");
static const char *const source_names[] = { "connect", "listen", "pcap" };
_Static_assert(sizeof source_names / sizeof source_names[0] == TP_SRC_PCAP + 1, "source_names");
static const char *const severity_names[] = { "info", "warning", "error" };
_Static_assert(sizeof severity_names / sizeof severity_names[0] == TP_SEV_ERROR + 1, "severity_names");
static const char *const conn_status_names[] = { "unknown", "ok", "name-resolution", "connection-refused", "timeout",
                                                 "connection-reset", "closed", "not-tls", "tls-failed",
                                                 "local-error", "starttls-failed", "proxy-failed" };
_Static_assert(sizeof conn_status_names / sizeof conn_status_names[0] == TP_CONN_PROXY_FAILED + 1, "conn_status");
static const char *const path_status_names[] = { "not-checked", "ok", "empty", "unknown-authority", "self-signed",
                                                 "missing-intermediate", "bad-signature" };
_Static_assert(sizeof path_status_names / sizeof path_status_names[0] == TP_PATH_BAD_SIGNATURE + 1, "path_status");
static const char *const name_status_names[] = { "not-checked", "ok", "cn-only", "mismatch" };
_Static_assert(sizeof name_status_names / sizeof name_status_names[0] == TP_NAME_MISMATCH + 1, "name_status");

const char *rn_enum(const char *const *names, size_t n, unsigned v, const char *dflt)
{
    return v < n ? names[v] : dflt;
}

const char *rn_kx(enum tp_kx kx) { return RN_ENUM(kx_names, kx, "unknown"); }
const char *rn_source(enum tp_source s) { return RN_ENUM(source_names, s, "unknown"); }
const char *rn_severity(enum tp_severity s) { return RN_ENUM(severity_names, s, "info"); }
const char *rn_conn_status(enum tp_conn_status s) { return RN_ENUM(conn_status_names, s, "unknown"); }
const char *rn_path_status(enum tp_path_status s) { return RN_ENUM(path_status_names, s, "not-checked"); }
const char *rn_name_status(enum tp_name_status s) { return RN_ENUM(name_status_names, s, "not-checked"); }

const char *rn_dir(enum tp_dir d)
{
    return d == TP_C2S ? "c2s" : "s2c";
}

const char *rm_type(const struct tp_msg *m, char buf[32])
{
    switch (m->kind) {
    case TP_MSG_CCS: return "ChangeCipherSpec";
    case TP_MSG_ALERT: return "Alert";
    case TP_MSG_ENCRYPTED: return "EncryptedRecord";
    case TP_MSG_SSLV2_HELLO: return "ClientHello";
    case TP_MSG_HANDSHAKE: break;
    }
    if (m->is_hrr)
        return "HelloRetryRequest";
    const char *n = tp_name_hs_type(m->hs_type);
    if (n)
        return n;
    snprintf(buf, 32, "HandshakeType%u", m->hs_type);
    return buf;
}

void rm_parse(const struct tp_session *s, const struct tp_msg *m, struct rmsg *r)
{
    /* Not a memset of all 7 KB per message: every parser clears the struct it
     * fills, and r->u is only read when r->kind says which one it holds. */
    r->m = m;
    r->type_buf[0] = '\0';
    r->kind = RM_NONE;
    r->perr = TP_OK;
    r->type = rm_type(m, r->type_buf);
    if (m->kind == TP_MSG_SSLV2_HELLO) {
        if (!m->raw) {
            r->perr = TP_ERR_TRUNCATED;
            return;
        }
        r->perr = tp_sslv2_hello_parse(tp_bytes_make(m->raw, m->raw_len), &r->u.ch);
        if (r->perr == TP_OK)
            r->kind = RM_CH;
        return;
    }
    if (m->kind != TP_MSG_HANDSHAKE)
        return;
    if (!m->raw || m->raw_len < 4) {
        r->perr = TP_ERR_TRUNCATED;
        return;
    }
    struct tp_hs_header h;
    r->perr = tp_hs_header_parse(tp_bytes_make(m->raw, m->raw_len), &h);
    if (r->perr != TP_OK)
        return;
    bool t13 = rs_tls13(s);
    enum tp_err e = TP_OK;
    enum rm_kind k = RM_NONE;
    switch (m->hs_type) {
    case TP_HS_CLIENT_HELLO: e = tp_client_hello_parse(h.body, &r->u.ch); k = RM_CH; break;
    case TP_HS_SERVER_HELLO: e = tp_server_hello_parse(h.body, &r->u.sh); k = RM_SH; break;
    case TP_HS_ENCRYPTED_EXTENSIONS: e = tp_encrypted_extensions_parse(h.body, &r->u.ee); k = RM_EE; break;
    case TP_HS_CERTIFICATE: e = tp_certificate_parse(h.body, t13, &r->u.cert); k = RM_CERT; break;
    case TP_HS_CERTIFICATE_REQUEST: e = tp_certificate_request_parse(h.body, t13, &r->u.cr); k = RM_CR; break;
    case TP_HS_SERVER_KEY_EXCHANGE:
        e = tp_server_key_exchange_parse(h.body, s->version, s->cipher, &r->u.ske);
        k = RM_SKE;
        break;
    case TP_HS_CLIENT_KEY_EXCHANGE:
        e = tp_client_key_exchange_parse(h.body, s->version, s->cipher, &r->u.cke);
        k = RM_CKE;
        break;
    case TP_HS_CERTIFICATE_VERIFY: e = tp_certificate_verify_parse(h.body, s->version, &r->u.cv); k = RM_CV; break;
    case TP_HS_FINISHED: e = tp_finished_parse(h.body, &r->u.fin); k = RM_FIN; break;
    case TP_HS_NEW_SESSION_TICKET: e = tp_new_session_ticket_parse(h.body, t13, &r->u.nst); k = RM_NST; break;
    case TP_HS_KEY_UPDATE: e = tp_key_update_parse(h.body, &r->u.ku); k = RM_KU; break;
    case TP_HS_CERTIFICATE_STATUS: e = tp_certificate_status_parse(h.body, &r->u.cs); k = RM_CS; break;
    default: break;
    }
    r->perr = e;
    r->kind = e == TP_OK ? k : RM_NONE;
}

int rs_encryption_start(const struct tp_session *s, int dir)
{
    for (size_t i = 0; i < s->n_msgs; i++)
        if ((dir < 0 || (int)s->msgs[i].dir == dir) && (s->msgs[i].decrypted || s->msgs[i].kind == TP_MSG_ENCRYPTED))
            return (int)i;
    return -1;
}

/* ---- key facts on one line ---- */

struct facts {
    struct tp_sb *out;
    const char *sep;
    bool any;
};

static void fact_begin(struct facts *f)
{
    if (f->any)
        tp_sb_put(f->out, f->sep);
    f->any = true;
}

static void fact(struct facts *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fact(struct facts *f, const char *fmt, ...)
{
    fact_begin(f);
    va_list ap;
    va_start(ap, fmt);
    tp_sb_vprintf(f->out, fmt, ap);
    va_end(ap);
}

static void fact_alpn_list(struct facts *f, const struct tp_bytes_list *l)
{
    fact_begin(f);
    tp_sb_put(f->out, "ALPN ");
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            tp_sb_putc(f->out, ',');
        tp_sb_put_escaped_b(f->out, l->v[i]);
    }
    if (l->n_total > l->n)
        tp_sb_printf(f->out, ",+%zu", l->n_total - l->n);
}

static size_t count_non_grease(const uint16_t *v, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += !tp_is_grease(v[i]);
    return c;
}

static void facts_ch(struct facts *f, const struct tp_client_hello *ch)
{
    char b[16];
    fact_begin(f);
    if (ch->sslv2)
        tp_sb_put(f->out, "SSLv2-format, ");
    if (ch->ext.versions.n) {
        bool first = true;
        for (size_t i = 0; i < ch->ext.versions.n; i++) {
            uint16_t v = ch->ext.versions.v[i];
            if (tp_is_grease(v))
                continue;
            tp_sb_printf(f->out, "%s%s", first ? "" : ", ", rn_version(v, b));
            first = false;
        }
    } else {
        tp_sb_printf(f->out, "up to %s", rn_version(ch->legacy_version, b));
    }
    fact(f, "%zu suites", ch->n_suites_total - (ch->n_suites - count_non_grease(ch->suites, ch->n_suites)));
    if (ch->ext.has_sni) {
        fact_begin(f);
        tp_sb_put(f->out, "SNI ");
        tp_sb_put_escaped_b(f->out, ch->ext.sni);
    } else {
        fact(f, "no SNI");
    }
    if (ch->ext.alpn.n)
        fact_alpn_list(f, &ch->ext.alpn);
    bool first = true;
    for (size_t i = 0; i < ch->ext.n_key_shares; i++) {
        uint16_t g = ch->ext.key_shares[i].group;
        if (tp_is_grease(g))
            continue;
        if (first)
            fact(f, "key share %s", rn_group(g, b));
        else
            tp_sb_printf(f->out, ",%s", rn_group(g, b));
        first = false;
    }
}

static void facts_sh(struct facts *f, const struct tp_session *s, const struct tp_server_hello *sh)
{
    char b[16];
    if (sh->is_hrr) {
        fact(f, "retry");
        if (sh->ext.has_hrr_group)
            tp_sb_printf(f->out, " with key share %s", rn_group(sh->ext.hrr_group, b));
        fact(f, "%s", rn_suite(sh->suite, b));
        if (sh->ext.cookie.len)
            fact(f, "cookie");
        return;
    }
    fact(f, "%s", rn_version(sh->version, b));
    fact(f, "%s", rn_suite(sh->suite, b));
    if (sh->ext.n_key_shares)
        fact(f, "%s", rn_group(sh->ext.key_shares[0].group, b));
    if (sh->ext.alpn.n)
        fact_alpn_list(f, &sh->ext.alpn);
    if (sh->ext.has_psk)
        fact(f, "resumed (PSK)");
    /* A TLS 1.3 server that settles for 1.2 always sets the sentinel; it only
     * matters when the client offered more (RFC 8446 §4.1.3). */
    if ((sh->downgrade_tls12 || sh->downgrade_tls11) && s->offered_max_version > sh->version)
        fact(f, "downgrade sentinel");
}

static void facts_cert(struct facts *f, const struct tp_session *s, const struct rmsg *r)
{
    const struct tp_certificate *c = &r->u.cert;
    if (c->n_total == 0) {
        fact(f, "empty: no certificate");
        return;
    }
    fact(f, "%zu cert%s", c->n_total, c->n_total == 1 ? "" : "s");
    const struct tp_chain *ch = r->m->dir == TP_S2C ? &s->server_chain : &s->client_chain;
    if (ch->n && ch->info[0] && c->n && c->certs[0].der.len == ch->der[0].len &&
        !memcmp(c->certs[0].der.p, ch->der[0].p, ch->der[0].len)) {
        const struct tp_cert_info *leaf = ch->info[0];
        const char *cn = leaf->subject_cn ? leaf->subject_cn : leaf->subject;
        if (cn) {
            fact_begin(f);
            tp_sb_put(f->out, "leaf ");
            tp_sb_put_escaped(f->out, (const uint8_t *)cn, strlen(cn));
        }
        if (ch->n > 1 && ch->info[1]) {
            const char *icn = ch->info[1]->subject_cn ? ch->info[1]->subject_cn : ch->info[1]->subject;
            if (icn) {
                fact_begin(f);
                tp_sb_put(f->out, "then ");
                tp_sb_put_escaped(f->out, (const uint8_t *)icn, strlen(icn));
            }
        }
    }
}

static void facts_exts_count(struct facts *f, const struct tp_exts *e)
{
    if (e->alpn.n)
        fact_alpn_list(f, &e->alpn);
    if (e->has_sni)
        fact(f, "SNI accepted");
    size_t other = e->all.n_total - (e->alpn.n ? 1 : 0) - (e->has_sni ? 1 : 0);
    if (!other && !f->any)
        fact(f, "no extensions");
    else if (other)
        fact(f, "%zu%s extension%s", other, f->any ? " more" : "", other == 1 ? "" : "s");
}

void rf_facts(struct tp_sb *out, const struct tp_session *s, const struct rmsg *r, const char *sep)
{
    struct facts f = { out, sep, false };
    const struct tp_msg *m = r->m;
    char b[16];
    if (m->kind == TP_MSG_ALERT) {
        fact(&f, "%s %s", m->alert_level == TP_ALERT_LEVEL_WARNING ? "warning" : m->alert_level == TP_ALERT_LEVEL_FATAL ? "fatal" : "level?",
             rn_alert(m->alert_desc, b));
        return;
    }
    if (m->kind == TP_MSG_ENCRYPTED) {
        if (s->keys_missing)
            fact(&f, "no keys to decrypt");
        else if (s->decrypt_failed)
            fact(&f, "did not decrypt");
        return;
    }
    if (m->kind == TP_MSG_CCS)
        return;
    if (r->perr != TP_OK) {
        fact(&f, "undecodable: %s", tp_err_text(r->perr));
        return;
    }
    switch (r->kind) {
    case RM_CH: facts_ch(&f, &r->u.ch); break;
    case RM_SH: facts_sh(&f, s, &r->u.sh); break;
    case RM_EE: facts_exts_count(&f, &r->u.ee.ext); break;
    case RM_CERT: facts_cert(&f, s, r); break;
    case RM_CR:
        fact(&f, "asks for a client certificate");
        if (r->u.cr.ca_names.n_total) {
            /* The names themselves (issue 16): which CAs the server accepts. */
            char dn[256];
            tp_dn_text(r->u.cr.ca_names.v[0], dn, sizeof dn);
            if (r->u.cr.ca_names.n_total == 1)
                fact(&f, "accepts CA %s", dn);
            else
                fact(&f, "accepts %zu CAs: %s, ...", r->u.cr.ca_names.n_total, dn);
        } else {
            fact(&f, "names no CA");
        }
        break;
    case RM_SKE:
        if (r->u.ske.kx == TP_KX_DHE || r->u.ske.kx == TP_KX_DHE_PSK)
            fact(&f, "%s %zu-bit", rn_kx(r->u.ske.kx), r->u.ske.dh_p_bits);
        else if (r->u.ske.kx == TP_KX_ECDHE || r->u.ske.kx == TP_KX_ECDHE_PSK)
            fact(&f, "%s %s", rn_kx(r->u.ske.kx), rn_group(r->u.ske.group, b));
        else
            fact(&f, "%s", rn_kx(r->u.ske.kx));
        if (r->u.ske.has_sig_scheme)
            fact(&f, "signed %s", rn_sigalg(r->u.ske.sig_scheme, b));
        break;
    case RM_CKE:
        if (r->u.cke.kx == TP_KX_RSA)
            fact(&f, "RSA-encrypted premaster secret");
        else if (r->u.cke.kx != TP_KX_UNKNOWN)
            fact(&f, "%s public key", rn_kx(r->u.cke.kx));
        break;
    case RM_CV:
        if (r->u.cv.has_scheme)
            fact(&f, "signed %s", rn_sigalg(r->u.cv.scheme, b));
        break;
    case RM_NST:
        fact(&f, "lifetime %lu s", (unsigned long)r->u.nst.lifetime);
        break;
    case RM_KU:
        fact(&f, "%s", r->u.ku.request_update ? "update requested" : "not requested");
        break;
    case RM_CS:
        fact(&f, "OCSP response %zu bytes", r->u.cs.response.len);
        break;
    case RM_FIN:
    case RM_NONE:
        break;
    }
}
