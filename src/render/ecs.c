/* --format ecs: one Elastic Common Schema document per session, one line each
 * (JSON Lines), so Filebeat or Logstash ingest it unchanged: @timestamp, ecs,
 * event, source/destination and client/server, network (with the Community ID),
 * tls (tls.client.*, tls.server.*, tls.server.x509.*), and what only tlsprobe
 * knows (findings, verdict, verification) under tlsprobe.*. docs/ecs.md has the
 * mapping; tests/ecs/ the ECS field definitions every field is checked against.
 * Fields whose value is unknown are left out (ECS has no nulls). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/hash.h>
#include "jw.h"
#include "render_int.h"
#include "tlsprobe/names.h"

/* The ECS release whose field definitions tests/ecs/ecs_fields.yml vendors. */
#define ECS_VERSION "8.17.0"

static void e_open(struct jw *w, const char *k)
{
    jw_key(w, k);
    jw_open(w, '{');
}

static void e_close(struct jw *w)
{
    jw_close(w, '}');
}

/* RFC 3339 UTC with milliseconds, as ECS dates are written. */
static void e_time_us(struct jw *w, const char *k, int64_t us)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    char buf[48];
    if (us < 0 || !gmtime_r(&t, &tm) || !strftime(buf, sizeof buf - 6, "%Y-%m-%dT%H:%M:%S", &tm))
        return;
    size_t n = strlen(buf);
    unsigned ms = (unsigned)(us / 1000 % 1000);
    buf[n++] = '.';
    buf[n++] = (char)('0' + ms / 100);
    buf[n++] = (char)('0' + ms / 10 % 10);
    buf[n++] = (char)('0' + ms % 10);
    buf[n++] = 'Z';
    buf[n] = '\0';
    jw_str(w, k, buf);
}

/* Uppercase hex, as ECS writes hashes and serial numbers. */
static void e_hex_upper(struct jw *w, const char *k, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789ABCDEF";
    char buf[2 * 64 + 1];
    size_t o = 0;
    for (size_t i = 0; i < n && o + 2 < sizeof buf; i++) {
        buf[o++] = hx[p[i] >> 4];
        buf[o++] = hx[p[i] & 15];
    }
    buf[o] = '\0';
    jw_str(w, k, buf);
}

/* ---- the flow ---- */

/* source/destination/client/server: the same endpoint under two names, as ECS
 * asks for network events (client = source, the side that opened the connection). */
static void e_endpoint(struct jw *w, const char *k, const struct tp_endpoint *ep, const char *domain)
{
    if (!ep->family)
        return;
    e_open(w, k);
    jw_str(w, "address", ep->ip);
    jw_str(w, "ip", ep->ip);
    jw_u64(w, "port", ep->port);
    if (domain)
        jw_str(w, "domain", domain);
    e_close(w);
}

static void e_network(struct jw *w, const struct tp_session *s, const struct tp_endpoint *c)
{
    char cid[TP_COMMUNITY_ID_LEN];
    e_open(w, "network");
    jw_str(w, "transport", s->udp ? "udp" : "tcp");
    jw_str(w, "iana_number", s->udp ? "17" : "6");
    /* ECS: the application-layer protocol. A STARTTLS session is that protocol
     * upgraded to TLS (as Zeek's "service" and Suricata's app_proto name it);
     * the tls.* fields say it is TLS either way. DTLS: "dtls", as Zeek names it. */
    jw_str(w, "protocol", s->starttls.protocol[0] ? s->starttls.protocol : s->udp ? "dtls" : "tls");
    if (c->family)
        jw_str(w, "type", c->family == 6 ? "ipv6" : "ipv4");
    if (tp_session_community_id(s, 0, cid))
        jw_str(w, "community_id", cid);
    e_close(w);
}

/* success: the handshake completed and nothing failed; failure: the source saw
 * it fail; unknown: a capture that saw neither. */
static const char *e_outcome(const struct tp_session *s)
{
    if (s->handshake_complete && (s->outcome.status == TP_CONN_OK || s->outcome.status == TP_CONN_UNKNOWN))
        return "success";
    return s->outcome.status == TP_CONN_UNKNOWN || s->outcome.status == TP_CONN_OK ? "unknown" : "failure";
}

static void e_event(struct jw *w, const struct tp_session *s)
{
    e_open(w, "event");
    jw_str(w, "kind", "event");
    jw_key(w, "category");
    tp_sb_put(w->o, "[\"network\"]");
    jw_key(w, "type");
    tp_sb_put(w->o, "[\"connection\",\"protocol\"]");
    jw_str(w, "action", rn_source(s->source));
    jw_str(w, "outcome", e_outcome(s));
    jw_str(w, "module", "tlsprobe");
    jw_str(w, "dataset", "tlsprobe.session");
    e_time_us(w, "start", s->start_us);
    if (s->n_msgs && s->msgs[s->n_msgs - 1].t_us >= 0) /* first to last message seen, in ns */
        jw_u64(w, "duration", (unsigned long long)s->msgs[s->n_msgs - 1].t_us * 1000ULL);
    if (s->outcome.detail[0])
        jw_chars(w, "reason", s->outcome.detail, sizeof s->outcome.detail);
    e_close(w);
}

/* ---- certificates ---- */

/* The values of one attribute in an RFC 2253 name as x509/der.c writes it
 * (AVAs between unescaped ',' and '+'; specials as "\c", other bytes "\XX"). */
static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void e_dn_attr(struct jw *w, const char *key, const char *dn, const char *attr)
{
    size_t alen = strlen(attr);
    bool open = false;
    const char *p = dn;
    while (*p) {
        const char *eq = strchr(p, '=');
        if (!eq)
            break;
        bool match = (size_t)(eq - p) == alen && !strncmp(p, attr, alen);
        char v[256];
        size_t n = 0;
        const char *q = eq + 1;
        for (; *q && *q != ',' && *q != '+'; q++) {
            char c = *q;
            if (c == '\\' && q[1]) {
                int hi = hexval(q[1]), lo = hi >= 0 && q[2] ? hexval(q[2]) : -1;
                if (lo >= 0) {
                    c = (char)(hi * 16 + lo);
                    q += 2;
                } else {
                    c = *++q;
                }
            }
            if (n < sizeof v)
                v[n++] = c;
        }
        if (match) {
            if (!open) {
                jw_key(w, key);
                jw_open(w, '[');
                open = true;
            }
            jw_item(w);
            tp_sb_put_json(w->o, (const uint8_t *)v, n);
        }
        p = *q ? q + 1 : q;
    }
    if (open)
        jw_close(w, ']');
}

static void e_dn(struct jw *w, const char *k, const char *dn)
{
    static const char *const parts[][2] = {
        { "common_name", "CN" }, { "country", "C" }, { "locality", "L" },
        { "organization", "O" }, { "organizational_unit", "OU" }, { "state_or_province", "ST" },
    };
    if (!dn)
        return;
    e_open(w, k);
    jw_str(w, "distinguished_name", dn);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        e_dn_attr(w, parts[i][0], dn, parts[i][1]);
    e_close(w);
}

/* Signature algorithms by the names ECS's examples use (Go's crypto/x509:
 * "SHA256-RSA"); any other as tlsprobe names it. */
static const char *e_sig_alg(const char *name)
{
    static const char *const map[][2] = {
        { "md2WithRSAEncryption", "MD2-RSA" },       { "md5WithRSAEncryption", "MD5-RSA" },
        { "sha1WithRSAEncryption", "SHA1-RSA" },     { "sha224WithRSAEncryption", "SHA224-RSA" },
        { "sha256WithRSAEncryption", "SHA256-RSA" }, { "sha384WithRSAEncryption", "SHA384-RSA" },
        { "sha512WithRSAEncryption", "SHA512-RSA" }, { "ecdsa-with-SHA1", "ECDSA-SHA1" },
        { "ecdsa-with-SHA224", "ECDSA-SHA224" },     { "ecdsa-with-SHA256", "ECDSA-SHA256" },
        { "ecdsa-with-SHA384", "ECDSA-SHA384" },     { "ecdsa-with-SHA512", "ECDSA-SHA512" },
        { "ED25519", "Ed25519" },                    { "ED448", "Ed448" },
        { "dsa-with-SHA1", "DSA-SHA1" },             { "dsa-with-SHA256", "DSA-SHA256" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(name, map[i][0]))
            return map[i][1];
    return name;
}

static void e_key(struct jw *w, const struct tp_cert_info *ci)
{
    static const char *const alg[] = { NULL, "RSA", "ECDSA", "Ed25519", "Ed448", "DSA", "DH" };
    const char *a = RN_ENUM(alg, ci->key_type, NULL);
    if (a)
        jw_str(w, "public_key_algorithm", a);
    if (ci->key_type == TP_KEY_EC && !strncmp(ci->key_desc, "EC ", 3) && strcmp(ci->key_desc, "EC unknown curve")) {
        const char *c = ci->key_desc + 3;
        char nist[16];
        if (!strncmp(c, "P-", 2) && strlen(c) < 8) { /* "P-256": "nistp256", as ECS's example */
            snprintf(nist, sizeof nist, "nistp%s", c + 2);
            c = nist;
        }
        jw_str(w, "public_key_curve", c);
    }
    if (ci->key_bits > 0)
        jw_u64(w, "public_key_size", (unsigned long long)ci->key_bits);
}

static void e_x509(struct jw *w, const struct tp_cert_info *ci)
{
    e_open(w, "x509");
    if (ci->n_san) {
        jw_key(w, "alternative_names");
        jw_open(w, '[');
        for (size_t i = 0; i < ci->n_san; i++) {
            jw_item(w);
            tp_sb_put_json(w->o, (const uint8_t *)ci->san[i].value, ci->san[i].value_len);
        }
        jw_close(w, ']');
    }
    e_dn(w, "issuer", ci->issuer);
    jw_time(w, "not_after", ci->not_after);
    jw_time(w, "not_before", ci->not_before);
    e_key(w, ci);
    if (ci->serial_hex) { /* "3e:1c:55" -> "3E1C55" */
        char sn[128];
        size_t n = 0;
        for (const char *p = ci->serial_hex; *p && n + 1 < sizeof sn; p++)
            if (*p != ':')
                sn[n++] = (char)(*p >= 'a' && *p <= 'f' ? *p - 'a' + 'A' : *p);
        sn[n] = '\0';
        jw_str(w, "serial_number", sn);
    }
    if (ci->sig_alg[0])
        jw_str(w, "signature_algorithm", e_sig_alg(ci->sig_alg));
    e_dn(w, "subject", ci->subject);
    char v[4] = { (char)('0' + (ci->version > 0 && ci->version < 10 ? ci->version : 0)), '\0' };
    if (ci->version > 0 && ci->version < 10)
        jw_str(w, "version_number", v);
    e_close(w);
}

/* certificate_chain (base64 DER, leaf first), hash, the leaf's dates and
 * names, x509: what ECS keeps of one side's chain. */
static void e_chain(struct jw *w, const struct tp_chain *c)
{
    if (!c->n || !c->der[0].p)
        return;
    jw_key(w, "certificate_chain");
    jw_open(w, '[');
    for (size_t i = 0; i < c->n; i++) {
        word32 n = (word32)((c->der[i].len + 2) / 3 * 4 + 1);
        byte *b = c->der[i].p ? malloc(n) : NULL;
        if (b && Base64_Encode_NoNl(c->der[i].p, (word32)c->der[i].len, b, &n) == 0) {
            jw_item(w);
            tp_sb_putc(w->o, '"');
            tp_sb_putn(w->o, (const char *)b, n);
            tp_sb_putc(w->o, '"');
        }
        free(b);
    }
    jw_close(w, ']');
    uint8_t h1[WC_SHA_DIGEST_SIZE], h256[WC_SHA256_DIGEST_SIZE];
    bool ok1 = wc_ShaHash(c->der[0].p, (word32)c->der[0].len, h1) == 0;
    bool ok256 = wc_Sha256Hash(c->der[0].p, (word32)c->der[0].len, h256) == 0;
    if (ok1 || ok256) {
        e_open(w, "hash");
        if (ok1)
            e_hex_upper(w, "sha1", h1, sizeof h1);
        if (ok256)
            e_hex_upper(w, "sha256", h256, sizeof h256);
        e_close(w);
    }
    const struct tp_cert_info *ci = c->info[0];
    if (!ci)
        return;
    jw_str(w, "issuer", ci->issuer);
    jw_time(w, "not_after", ci->not_after);
    jw_time(w, "not_before", ci->not_before);
    jw_str(w, "subject", ci->subject);
    e_x509(w, ci);
}

/* ---- tls ---- */

/* The first ClientHello and ServerHello (not a HelloRetryRequest), and the
 * group the key exchange used (TLS 1.3 key_share, TLS 1.2 ECDHE
 * ServerKeyExchange). Three parsed messages: allocated once per document. */
struct e_hellos {
    struct rmsg ch, sh, tmp;
    bool has_ch, has_sh, has_group;
    uint16_t group;
};

static void e_find_hellos(const struct tp_session *s, struct e_hellos *h)
{
    h->has_ch = h->has_sh = h->has_group = false;
    for (size_t i = 0; i < s->n_msgs && !(h->has_ch && h->has_sh && h->has_group); i++) {
        const struct tp_msg *m = &s->msgs[i];
        bool hs = m->kind == TP_MSG_HANDSHAKE;
        if (!h->has_ch && (m->kind == TP_MSG_SSLV2_HELLO || (hs && m->hs_type == TP_HS_CLIENT_HELLO))) {
            rm_parse(s, m, &h->ch);
            h->has_ch = h->ch.kind == RM_CH;
        } else if (!h->has_sh && hs && m->hs_type == TP_HS_SERVER_HELLO && !m->is_hrr) {
            rm_parse(s, m, &h->sh);
            h->has_sh = h->sh.kind == RM_SH;
            if (h->has_sh && h->sh.u.sh.ext.n_key_shares) {
                h->group = h->sh.u.sh.ext.key_shares[0].group;
                h->has_group = true;
            }
        } else if (!h->has_group && hs && m->hs_type == TP_HS_SERVER_KEY_EXCHANGE) {
            rm_parse(s, m, &h->tmp);
            if (h->tmp.kind == RM_SKE && (h->tmp.u.ske.kx == TP_KX_ECDHE || h->tmp.u.ske.kx == TP_KX_ECDHE_PSK)) {
                h->group = h->tmp.u.ske.group;
                h->has_group = true;
            }
        }
    }
}

/* tls.version "1.2" and tls.version_protocol "tls" (SSL 3.0: "3.0", "ssl"). */
static void e_version(struct jw *w, uint16_t v)
{
    static const char *const minor[] = { "1.0", "1.1", "1.2", "1.3" };
    if (v == 0x0300) {
        jw_str(w, "version", "3.0");
        jw_str(w, "version_protocol", "ssl");
    } else if (v >= 0x0301 && v <= 0x0304) {
        jw_str(w, "version", minor[v - 0x0301]);
        jw_str(w, "version_protocol", "tls");
    }
}

static void e_tls_client(struct jw *w, const struct tp_session *s, const struct e_hellos *h, struct tp_ja_memo *jm)
{
    if (!h->has_ch && !s->client_chain.n)
        return;
    e_open(w, "client");
    if (s->server_name)
        jw_bytes(w, "server_name", (const uint8_t *)s->server_name, s->server_name_len);
    if (h->has_ch) {
        const struct tp_client_hello *ch = &h->ch.u.ch;
        char ja3[2048], md5[33], b[16];
        if (tp_ja3_memo(jm, ch, ja3, sizeof ja3, md5))
            jw_str(w, "ja3", md5);
        jw_key(w, "supported_ciphers");
        jw_open(w, '[');
        for (size_t i = 0; i < ch->n_suites; i++)
            if (!tp_is_grease(ch->suites[i]))
                jw_istr(w, rn_suite(ch->suites[i], b));
        jw_close(w, ']');
    }
    e_chain(w, &s->client_chain);
    e_close(w);
}

static void e_tls_server(struct jw *w, const struct tp_session *s, const struct e_hellos *h, struct tp_ja_memo *jm)
{
    if (!h->has_sh && !s->server_chain.n)
        return;
    e_open(w, "server");
    char ja3s[1024], md5[33];
    if (h->has_sh && tp_ja3s_memo(jm, &h->sh.u.sh, ja3s, sizeof ja3s, md5))
        jw_str(w, "ja3s", md5);
    e_chain(w, &s->server_chain);
    e_close(w);
}

static void e_tls(struct jw *w, const struct tp_session *s, const struct e_hellos *h, struct tp_ja_memo *jm)
{
    char b[16];
    e_open(w, "tls");
    e_version(w, s->version);
    if (s->has_cipher)
        jw_str(w, "cipher", rn_suite(s->cipher, b));
    if (h->has_group)
        jw_str(w, "curve", rn_group(h->group, b));
    jw_bool(w, "established", s->handshake_complete);
    jw_bool(w, "resumed", s->resumed);
    if (s->alpn[0])
        jw_chars(w, "next_protocol", s->alpn, sizeof s->alpn);
    e_tls_client(w, s, h, jm);
    e_tls_server(w, s, h, jm);
    e_close(w);
}

/* ---- tlsprobe.*: what ECS has no field for ---- */

static void e_verification(struct jw *w, const char *k, const struct tp_verify_result *v)
{
    if (!v)
        return;
    e_open(w, k);
    jw_bool(w, "valid", v->valid);
    jw_str(w, "status", rn_path_status(v->status));
    if (v->reject_id[0])
        jw_chars(w, "reject", v->reject_id, sizeof v->reject_id);
    if (v->name[0]) {
        jw_chars(w, "name", v->name, sizeof v->name);
        jw_str(w, "name_status", rn_name_status(v->name_status));
    }
    e_close(w);
}

/* Lines of a plain-text log (STARTTLS's, packet comments): key, [{dir, text}]. */
static void e_lines(struct jw *w, const char *key, const struct tp_plain_line *lines, size_t n)
{
    jw_key(w, key);
    jw_open(w, '[');
    for (size_t i = 0; i < n; i++) {
        jw_item(w);
        jw_open(w, '{');
        jw_str(w, "dir", rn_dir(lines[i].dir));
        jw_bytes(w, "text", (const uint8_t *)lines[i].text, lines[i].len);
        e_close(w);
    }
    jw_close(w, ']');
}

/* connect --starttls: the plain-text exchange, as JSON "starttls" has it. */
static void e_starttls(struct jw *w, const struct tp_session *s)
{
    const struct tp_starttls *st = &s->starttls;
    if (!st->protocol[0])
        return;
    e_open(w, "starttls");
    jw_str(w, "protocol", st->protocol);
    jw_str(w, "status", tp_starttls_status_name(st->status));
    if (st->detail[0])
        jw_chars(w, "detail", st->detail, sizeof st->detail);
    e_lines(w, "exchange", st->lines, st->n_lines);
    e_close(w);
}

/* capture: the comments (pcapng) on the session's packets, as JSON "comments". */
static void e_comments(struct jw *w, const struct tp_session *s)
{
    if (s->n_comments)
        e_lines(w, "comments", s->comments, s->n_comments);
}

static void e_tlsprobe(struct jw *w, const struct tp_session *s, const struct e_hellos *h, struct tp_ja_memo *jm)
{
    char st[512];
    e_open(w, "tlsprobe");
    jw_str(w, "source", rn_source(s->source));
    int worst = tp_session_worst(s);
    jw_str(w, "verdict", worst < 0 ? "ok" : rn_severity((enum tp_severity)worst));
    rs_status_line(s, st, sizeof st);
    jw_str(w, "status_line", st);
    e_open(w, "outcome");
    jw_str(w, "status", rn_conn_status(s->outcome.status));
    if (s->outcome.detail[0])
        jw_chars(w, "detail", s->outcome.detail, sizeof s->outcome.detail);
    e_close(w);
    jw_bool(w, "hello_retry", s->hrr);
    jw_bool(w, "client_auth_requested", s->client_auth_requested);
    if (h->has_ch) {
        char ja4[40];
        tp_ja4_memo(jm, &h->ch.u.ch, false, ja4);
        jw_str(w, "ja4", ja4);
    }
    e_verification(w, "server_verification", s->server_verify);
    e_verification(w, "client_verification", s->client_verify);
    e_starttls(w, s);
    e_comments(w, s);
    jw_key(w, "findings");
    jw_open(w, '[');
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct tp_finding *f = &s->findings[i];
        jw_item(w);
        jw_open(w, '{');
        jw_str(w, "id", f->id);
        jw_str(w, "severity", rn_severity(f->severity));
        jw_str(w, "title", f->summary);
        e_close(w);
    }
    jw_close(w, ']');
    e_close(w);
}

void tp_render_ecs_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o)
{
    struct e_hellos *h = malloc(sizeof *h);
    if (!h) {
        out->oom = true;
        return;
    }
    e_find_hellos(s, h);
    struct tp_ja_memo *jm = rj_ja(o->memo);
    struct tp_endpoint c, v;
    tp_endpoint_parse(s->client, &c);
    tp_endpoint_parse(s->server, &v);
    const char *domain = s->host && strcmp(s->host, v.ip) ? s->host : NULL;
    struct jw w;
    jw_init(&w, out);
    jw_open(&w, '{');
    e_time_us(&w, "@timestamp", s->start_us);
    e_open(&w, "ecs");
    jw_str(&w, "version", ECS_VERSION);
    e_close(&w);
    e_event(&w, s);
    e_endpoint(&w, "source", &c, NULL);
    e_endpoint(&w, "destination", &v, domain);
    e_endpoint(&w, "client", &c, NULL);
    e_endpoint(&w, "server", &v, domain);
    e_network(&w, s, &c);
    e_tls(&w, s, h, jm);
    e_tlsprobe(&w, s, h, jm);
    jw_close(&w, '}');
    tp_sb_putc(out, '\n');
    free(h);
}
