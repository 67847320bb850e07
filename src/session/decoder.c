/* The stream decoder: raw TCP payload bytes of both directions -> records ->
 * (decrypted) handshake messages, alerts, CCS -> a transcript.
 *
 * Framing. Each direction holds at most one incomplete record header (5 bytes)
 * and, only for records whose body we must read, one incomplete record body
 * (bounded by TP_MAX_RECORD_LEN, allocated once and reused). A record that is
 * complete within one feed is read in place (no copy). Records we only count
 * (application data, protected records without keys) are skipped by length:
 * once the handshake is over and no keys are known, feeding walks record
 * headers and nothing else.
 *
 * First bytes. The first record of a direction must look like TLS (a handshake
 * or alert record, version major 3) or, client to server, an SSLv2-compatible
 * ClientHello (RFC 5246 §E.2). Anything else is "not TLS": the outcome becomes
 * TP_CONN_NOT_TLS and the first line of what the peer said is kept as the banner.
 *
 * Protection. TLS 1.3: every application_data record after the ServerHello, in
 * both directions (plaintext CCS records are middlebox compatibility, RFC 8446
 * §D.4, and change nothing). TLS 1.0-1.2: every record after that direction's
 * ChangeCipherSpec. Secrets are looked up in the key log by client_random when
 * the first record that needs them arrives (so a live probe may add them while
 * it feeds). A record that fails to authenticate sets decrypt_failed; that
 * direction is then only counted.
 *
 * Without keys (keys_missing): protected records of the handshake phase become
 * EncryptedRecord messages (type, length), later ones only counters. TLS 1.3
 * phases and completion, inferred from the record flow (documented rule):
 *  - the server's protected records sent before the client's first protected
 *    record are its handshake flight (EE..Finished);
 *  - the client's protected records sent before the server's next protected
 *    record are the client's flight (its Finished, with Certificate and
 *    CertificateVerify when asked);
 *  - the handshake is complete when, after the client's flight, the server sent
 *    a protected record that is not a lone encrypted alert (an alert is 19
 *    bytes: 2 + content type + 16-byte tag), or the client sent more protected
 *    records after the server answered its flight. A server that rejects the
 *    client's flight answers with exactly such an alert and closes.
 * TLS 1.2 without keys: complete when both directions sent an encrypted
 * handshake record (their Finished) after their CCS.
 *
 * Keys beyond the key log's lines: with server RSA keys or pre-shared keys in the
 * key log (pcap --key/--psk), the ClientKeyExchange gives the master secret
 * (kx_exchange); the client's TLS 1.3 0-RTT records open with
 * CLIENT_EARLY_TRAFFIC_SECRET (early_open).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/framer.h"
#include "tlsprobe/names.h"
#include "tlsprobe/reader.h"
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"
#include "tlsprobe/x509.h"
#include "session/internal.h"

/* The length of a TLS 1.3 record holding one encrypted alert without padding. */
#define TLS13_ALERT_RECORD_LEN (2 + 1 + 16)

struct dirst {
    /* framing (core/framer: headers, SSLv2, resync, the first-bytes check) */
    struct tp_framer fr;
    bool in_body;           /* a body split across feeds is being collected into buf */
    uint8_t *buf;
    size_t buf_len, buf_cap;
    bool dead;              /* decoding of this direction stopped */
    bool banner;            /* still collecting a non-TLS peer's banner */
    int64_t t;              /* time of the current feed */
    int64_t rec_t;          /* time the current record's first header byte came */
    /* handshake */
    struct tp_hs_reasm reasm;
    bool reasm_dead;
    /* protection */
    bool prot;
    int phase;              /* 1: TLS 1.2 keys / TLS 1.3 handshake keys; 2: TLS 1.3 application keys */
    int nokey_phase;        /* the lookup for this phase found nothing */
    struct tp_rc *rc;
    bool decrypt_dead;
    bool any_decrypted;
    bool switch_app, key_update;
    /* seen */
    bool finished;          /* Finished read (plaintext or decrypted) */
    bool enc_hs;            /* TLS 1.2: encrypted handshake record after CCS (its Finished) */
    uint32_t n_enc_msgs;
};

struct tp_decoder {
    const struct tp_keylog *kl;
    struct tp_dec_scratch *scratch; /* of a session fed without a worker */
    struct dirst d[2];
    bool own[2];            /* tp_session_own_direction */
    uint8_t server_random[32];
    uint8_t ch_sid[32];
    size_t ch_sid_len;
    bool ch_seen, sh_seen, tls13, etm, cke_seen;
    /* TLS 1.3 flights without keys (see the file comment) */
    bool c_flight, s_after_c, s_after_c_real, c_after_s;
    /* TLS 1.0-1.2 RSA key exchange with a server key (tp_keylog_add_rsa_key):
     * the handshake messages up to ClientKeyExchange (the extended master
     * secret's session hash), kept only while a key may need them */
    uint8_t *hs_log;
    size_t hs_log_len, hs_log_cap;
    bool hs_log_dead, ems, has_master;
    uint16_t ch_version;
    uint8_t master[48];
    enum tp_undecrypted rsa_why;
    /* TLS 1.3 0-RTT: the client's early records under client_early_traffic_secret */
    struct tp_rc *early_rc;
    bool early_dead;
    uint16_t ch13_suites[8];    /* the TLS 1.3 suites the ClientHello offered */
    size_t n_ch13_suites;
    struct tp_dtls_reasm *dtls; /* DTLS framing (tp_decoder_datagram): by direction */
};

/* The session hash of RFC 7627 covers ClientHello..ClientKeyExchange: a
 * certificate chain or two, far below this. */
#define HS_LOG_MAX ((size_t)512 * 1024)

/* Record buffers come in two sizes; a direction that goes back to walking
 * headers only gives its buffer to the worker of the thread handling the
 * session (struct tp_worker), which hands it to the next flow. */
#define SMALL_BUF ((size_t)4096)
#define BIG_BUF ((size_t)TP_MAX_RECORD_LEN + 5)
/* A record whose first piece is this small gets a buffer of this size first, not
 * from the pool: a flow that never sends the rest (a half-open handshake in a
 * hostile capture) then holds 256 bytes, not 4 KiB. */
#define TINY_BUF ((size_t)256)

static void buf_release(struct tp_worker *w, struct dirst *d)
{
    uint8_t *b = d->buf;
    d->buf = NULL;
    if (b && (d->buf_cap == BIG_BUF || d->buf_cap == SMALL_BUF) && tp_worker_buf_keep(w, d->buf_cap == BIG_BUF, b))
        b = NULL;
    free(b);
    d->buf_cap = d->buf_len = 0;
}

static void dtls_state_free(struct tp_decoder *dec);

struct tp_decoder *tp_decoder_new(void)
{
    struct tp_decoder *dec = calloc(1, sizeof *dec);
    if (!dec)
        return NULL;
    for (int i = 0; i < 2; i++) {
        /* The first record must be a handshake or an alert, or (client to server) an
         * SSLv2-compatible hello; a length over the limit is a TLS peer misbehaving
         * (record-too-long), not another protocol. */
        unsigned start = TP_START_EARLY | TP_START_HS_ALERT | TP_START_ANY_LEN;
        tp_framer_init(&dec->d[i].fr, i == TP_C2S ? start | TP_START_SSLV2_LEN : start);
        tp_hs_reasm_init(&dec->d[i].reasm);
    }
    return dec;
}

static void dir_drop_keys(struct dirst *d)
{
    tp_rc_free(d->rc);
    d->rc = NULL;
}

void tp_decoder_free(struct tp_decoder *dec, struct tp_worker *w)
{
    if (!dec)
        return;
    for (int i = 0; i < 2; i++) {
        struct dirst *d = &dec->d[i];
        buf_release(w, d);
        dir_drop_keys(d);
        tp_hs_reasm_free(&d->reasm);
    }
    if (dec->hs_log)
        explicit_bzero(dec->hs_log, dec->hs_log_len);
    free(dec->hs_log);
    explicit_bzero(dec->master, sizeof dec->master);
    tp_rc_free(dec->early_rc);
    dtls_state_free(dec);
    free(dec->scratch);
    free(dec);
}

void tp_decoder_own_direction(struct tp_decoder *dec, enum tp_dir dir)
{
    dec->own[dir] = true;
    if (dec->d[dir].rc)
        tp_rc_trust_own(dec->d[dir].rc);
}

void tp_decoder_set_keylog(struct tp_decoder *dec, const struct tp_keylog *kl)
{
    dec->kl = kl;
    /* lookups that failed before may succeed now */
    dec->d[0].nokey_phase = dec->d[1].nokey_phase = 0;
}

/* ---- facts ---- */

static void issue(struct tp_session *s, enum tp_dir dir, enum tp_decode_issue what, uint32_t claimed, uint8_t hs_type)
{
    struct tp_decode_facts *f = &s->decode[dir];
    if (f->issue != TP_DEC_NONE)
        return;
    f->issue = what;
    f->offset = f->bytes;
    f->claimed_len = claimed;
    f->hs_type = hs_type;
}

static void banner_append(struct tp_session *s, struct dirst *d, const uint8_t *p, size_t n)
{
    struct tp_outcome *o = &s->outcome;
    for (size_t i = 0; i < n && d->banner; i++) {
        if (p[i] == '\r' || p[i] == '\n' || o->peer_banner_len >= sizeof o->peer_banner - 1) {
            d->banner = false;
            break;
        }
        o->peer_banner[o->peer_banner_len++] = (char)p[i];
        o->peer_banner[o->peer_banner_len] = 0;
    }
}

/* held: the first bytes already read (the header so far); p: what followed. */
static void not_tls(struct tp_session *s, enum tp_dir dir, struct tp_bytes held, const uint8_t *p, size_t n)
{
    struct dirst *d = &s->dec->d[dir];
    d->dead = true;
    issue(s, dir, TP_DEC_NOT_TLS, 0, 0);
    if (s->outcome.status == TP_CONN_UNKNOWN || s->outcome.status == TP_CONN_OK)
        s->outcome.status = TP_CONN_NOT_TLS;
    if (s->outcome.peer_banner_len == 0) {
        d->banner = true;
        banner_append(s, d, held.p, held.len);
        banner_append(s, d, p, n);
    }
}

/* The worker's scratch, else this session's own (allocated on first need). */
static struct tp_dec_scratch *scratch_of(struct tp_session *s)
{
    if (s->worker)
        return tp_worker_dec_scratch(s->worker);
    if (!s->dec->scratch)
        s->dec->scratch = malloc(sizeof *s->dec->scratch);
    return s->dec->scratch;
}

/* ---- messages ---- */

/* The parsed form of a handshake body the summary is taken from, in the scratch
 * (valid until the next message); NULL when it does not parse (noted as an
 * issue) or there is no memory. */
static const void *parse_msg(struct tp_session *s, enum tp_dir dir, uint8_t hs_type, struct tp_bytes body)
{
    struct tp_dec_scratch *sc = scratch_of(s);
    enum tp_err e = TP_ERR_MALFORMED;
    if (!sc)
        return NULL;
    switch (hs_type) {
    case TP_HS_CLIENT_HELLO:
        e = tp_client_hello_parse(body, &sc->msg.ch);
        break;
    case TP_HS_SERVER_HELLO:
        e = tp_server_hello_parse(body, &sc->msg.sh);
        break;
    case TP_HS_CERTIFICATE:
        e = tp_certificate_parse(body, s->dec->tls13, &sc->msg.cert);
        break;
    case TP_HS_ENCRYPTED_EXTENSIONS:
        e = tp_encrypted_extensions_parse(body, &sc->msg.ee);
        break;
    default:
        break;
    }
    if (e != TP_OK) {
        issue(s, dir, TP_DEC_BAD_MESSAGE, 0, hs_type);
        return NULL;
    }
    return &sc->msg;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    if (c && n)
        memcpy(c, p, n);
    return c;
}

static void set_alpn(struct tp_session *s, const struct tp_bytes_list *alpn)
{
    if (!alpn->n || !alpn->v[0].len)
        return;
    size_t n = alpn->v[0].len < sizeof s->alpn - 1 ? alpn->v[0].len : sizeof s->alpn - 1;
    memcpy(s->alpn, alpn->v[0].p, n);
    s->alpn[n] = 0;
}

static void on_client_hello(struct tp_session *s, struct tp_bytes body)
{
    struct tp_decoder *dec = s->dec;
    if (dec->ch_seen)
        return; /* the second ClientHello after an HRR carries the same random */
    const struct tp_client_hello *ch = parse_msg(s, TP_C2S, TP_HS_CLIENT_HELLO, body);
    if (!ch)
        return;
    dec->ch_seen = true;
    if (ch->random.len == 32) {
        memcpy(s->client_random, ch->random.p, 32);
        s->has_client_random = true;
    }
    s->offered_max_version = tp_client_hello_max_version(ch);
    dec->ch_version = ch->legacy_version;
    for (size_t i = 0; i < ch->n_suites && dec->n_ch13_suites < 8; i++)
        if (ch->suites[i] >= 0x1301 && ch->suites[i] <= 0x1305)
            dec->ch13_suites[dec->n_ch13_suites++] = ch->suites[i];
    if (ch->session_id.len <= sizeof dec->ch_sid) {
        memcpy(dec->ch_sid, ch->session_id.p, ch->session_id.len);
        dec->ch_sid_len = ch->session_id.len;
    }
    s->early_data_offered = ch->ext.early_data;
    if (ch->ext.has_sni && ch->ext.sni.len && !s->server_name) {
        size_t n = ch->ext.sni.len > TP_MAX_NAME_LEN ? TP_MAX_NAME_LEN : ch->ext.sni.len;
        s->server_name = malloc(n + 1);
        if (s->server_name) {
            memcpy(s->server_name, ch->ext.sni.p, n);
            s->server_name[n] = 0;
            s->server_name_len = n;
        }
    }
}

static void start_protection13(struct tp_decoder *dec)
{
    for (int i = 0; i < 2; i++) {
        struct dirst *d = &dec->d[i];
        d->prot = true;
        d->phase = 1;
        d->nokey_phase = 0;
        dir_drop_keys(d);
    }
}

static void on_server_hello(struct tp_session *s, struct tp_msg *m, struct tp_bytes body)
{
    struct tp_decoder *dec = s->dec;
    const struct tp_server_hello *sh = parse_msg(s, TP_S2C, TP_HS_SERVER_HELLO, body);
    if (!sh)
        return;
    if (sh->is_hrr) {
        if (m)
            m->is_hrr = true;
        s->hrr = true;
        s->version = sh->version;
        s->cipher = sh->suite;
        s->has_cipher = true;
        return;
    }
    if (dec->sh_seen) {
        return;
    }
    dec->sh_seen = true;
    s->version = sh->version;
    s->cipher = sh->suite;
    s->has_cipher = true;
    if (sh->random.len == 32)
        memcpy(dec->server_random, sh->random.p, 32);
    dec->etm = sh->ext.encrypt_then_mac;
    dec->ems = sh->ext.extended_master_secret;
    if (tp_is_tls13_family(sh->version)) {
        dec->tls13 = true;
        /* RFC 8446 §4.2.11: the server selected a PSK */
        s->resumed = sh->ext.has_psk;
        start_protection13(dec);
    } else {
        set_alpn(s, &sh->ext.alpn);
        /* RFC 5246 §7.4.1.3: echoing a non-empty offered session_id resumes it */
        if (sh->session_id.len && sh->session_id.len == dec->ch_sid_len &&
            !memcmp(sh->session_id.p, dec->ch_sid, dec->ch_sid_len))
            s->resumed = true;
    }
}

static void on_certificate(struct tp_session *s, enum tp_dir dir, struct tp_bytes body)
{
    struct tp_chain *c = dir == TP_S2C ? &s->server_chain : &s->client_chain;
    if (c->present)
        return; /* post-handshake authentication: keep the first chain */
    const struct tp_certificate *cert = parse_msg(s, dir, TP_HS_CERTIFICATE, body);
    if (!cert)
        return;
    c->present = true;
    c->n_total = cert->n_total;
    for (size_t i = 0; i < cert->n && c->n < TP_MAX_CHAIN_CERTS; i++) {
        uint8_t *der = dup_bytes(cert->certs[i].der.p, cert->certs[i].der.len);
        if (!der)
            break;
        c->der[c->n].p = der;
        c->der[c->n].len = cert->certs[i].der.len;
        c->n++;
    }
}

/* ---- RSA key exchange with the server's key ---- */

static void hs_log_drop(struct tp_decoder *dec)
{
    if (dec->hs_log)
        explicit_bzero(dec->hs_log, dec->hs_log_len);
    free(dec->hs_log);
    dec->hs_log = NULL;
    dec->hs_log_len = dec->hs_log_cap = 0;
    dec->hs_log_dead = true;
}

/* Keys given for the key exchange itself (--key, --psk), not per session. */
static bool server_keys(const struct tp_keylog *kl)
{
    return kl && (tp_keylog_rsa_count(kl) || tp_keylog_psk_count(kl));
}

/* A plaintext handshake message before ClientKeyExchange, kept when a server key
 * was given (the session hash of an extended master secret needs them all). */
static void hs_log_add(struct tp_decoder *dec, struct tp_bytes msg)
{
    if (dec->hs_log && (dec->tls13 || dec->cke_seen))
        hs_log_drop(dec); /* TLS 1.3: no ClientKeyExchange will need it */
    if (dec->hs_log_dead || dec->cke_seen || dec->tls13 || !server_keys(dec->kl))
        return;
    if (dec->hs_log_len + msg.len > HS_LOG_MAX) {
        hs_log_drop(dec);
        return;
    }
    if (dec->hs_log_len + msg.len > dec->hs_log_cap) {
        size_t cap = dec->hs_log_cap ? dec->hs_log_cap : 4096;
        while (cap < dec->hs_log_len + msg.len)
            cap *= 2;
        uint8_t *b = realloc(dec->hs_log, cap);
        if (!b) {
            hs_log_drop(dec);
            return;
        }
        dec->hs_log = b;
        dec->hs_log_cap = cap;
    }
    memcpy(dec->hs_log + dec->hs_log_len, msg.p, msg.len);
    dec->hs_log_len += msg.len;
}

/* SHA-256 of the server certificate's SubjectPublicKeyInfo. */
static bool leaf_spki(const struct tp_session *s, uint8_t out[32])
{
    if (s->server_chain.n == 0)
        return false;
    struct tp_cert_info *ci = NULL;
    if (tp_cert_parse(s->server_chain.der[0].p, s->server_chain.der[0].len, &ci) != TP_OK || !ci) {
        tp_cert_free(ci);
        return false;
    }
    bool ok = tp_cert_pub_sha256(ci, out);
    tp_cert_free(ci);
    return ok;
}

/* RFC 5246 §7.4.7.1: the ClientKeyExchange of RSA key exchange carries the
 * premaster encrypted to the server certificate's key; with that key (given),
 * the master secret as a key log's CLIENT_RANDOM line would give it. */
static enum tp_undecrypted rsa_exchange(struct tp_session *s, struct tp_bytes body)
{
    struct tp_decoder *dec = s->dec;
    const struct tp_suite_info *si = s->has_cipher ? tp_suite_info(s->cipher) : NULL;
    if (!si || si->kx != TP_KX_RSA || s->version < TP_TLS1_0 || s->version > TP_TLS1_2 || !s->has_client_random)
        return TP_UNDEC_NONE; /* not ours to say here */
    uint8_t spki[32];
    if (!leaf_spki(s, spki) || (dec->ems && dec->hs_log_dead))
        return TP_UNDEC_RSA_NOT_SEEN;
    /* TLS 1.0+: EncryptedPreMasterSecret is a vector with a 2-byte length */
    struct tp_reader r;
    struct tp_bytes epms;
    uint16_t n;
    tp_reader_init(&r, body.p, body.len);
    if (!tp_read_u16(&r, &n) || !tp_read_bytes(&r, n, &epms) || tp_reader_left(&r) != 0)
        return TP_UNDEC_RSA_BAD_PREMASTER;
    uint8_t pms[48];
    enum tp_err e = tp_keylog_rsa_premaster(dec->kl, spki, epms.p, epms.len, pms);
    if (e == TP_ERR_NOKEY)
        return TP_UNDEC_RSA_NO_MATCH;
    if (e != TP_OK)
        return TP_UNDEC_RSA_BAD_PREMASTER;
    /* the premaster starts with the version the client offered (some old clients
     * put the negotiated one): anything else is not this session's premaster */
    uint16_t pv = (uint16_t)(pms[0] << 8 | pms[1]);
    enum tp_undecrypted why = TP_UNDEC_RSA_BAD_PREMASTER;
    if ((pv == dec->ch_version || pv == s->version) &&
        tp_rc_master12(s->cipher, s->version, pms, sizeof pms, dec->ems ? dec->hs_log : NULL, dec->hs_log_len,
                       s->client_random, dec->server_random, dec->master) == TP_OK) {
        dec->has_master = true;
        why = TP_UNDEC_NONE;
    }
    explicit_bzero(pms, sizeof pms);
    return why;
}

bool tp_session_has_server_key_secret(const struct tp_session *s)
{
    return s && s->dec && s->dec->has_master;
}

/* RFC 4279 §2: plain PSK. The ClientKeyExchange names the identity; the
 * premaster is uint16(N) || N zeros || uint16(N) || psk. */
static enum tp_undecrypted psk_exchange(struct tp_session *s, struct tp_bytes body)
{
    struct tp_decoder *dec = s->dec;
    if (dec->ems && dec->hs_log_dead)
        return TP_UNDEC_NO_KEYLOG_ENTRY;
    struct tp_reader r;
    struct tp_bytes id;
    uint16_t n;
    tp_reader_init(&r, body.p, body.len);
    if (!tp_read_u16(&r, &n) || !tp_read_bytes(&r, n, &id) || tp_reader_left(&r) != 0)
        return TP_UNDEC_PSK_NO_MATCH;
    uint8_t psk[TP_PSK_MAX], pms[4 + 2 * TP_PSK_MAX];
    size_t k = tp_keylog_psk_get(dec->kl, id.p, id.len, psk);
    if (k == 0)
        return TP_UNDEC_PSK_NO_MATCH;
    memset(pms, 0, sizeof pms);
    pms[0] = (uint8_t)(k >> 8);
    pms[1] = (uint8_t)k;
    pms[2 + k] = (uint8_t)(k >> 8);
    pms[3 + k] = (uint8_t)k;
    memcpy(pms + 4 + k, psk, k);
    enum tp_undecrypted why = TP_UNDEC_PSK_NO_MATCH;
    if (tp_rc_master12(s->cipher, s->version, pms, 4 + 2 * k, dec->ems ? dec->hs_log : NULL, dec->hs_log_len,
                       s->client_random, dec->server_random, dec->master) == TP_OK) {
        dec->has_master = true;
        why = TP_UNDEC_NONE;
    }
    explicit_bzero(psk, sizeof psk);
    explicit_bzero(pms, sizeof pms);
    return why;
}

/* The ClientKeyExchange with keys for the exchange itself: RSA or plain PSK. */
static enum tp_undecrypted kx_exchange(struct tp_session *s, struct tp_bytes body)
{
    const struct tp_suite_info *si = s->has_cipher ? tp_suite_info(s->cipher) : NULL;
    if (!si || s->version < TP_TLS1_0 || s->version > TP_TLS1_2 || !s->has_client_random)
        return TP_UNDEC_NONE;
    if (si->kx == TP_KX_RSA && tp_keylog_rsa_count(s->dec->kl))
        return rsa_exchange(s, body);
    if (si->kx == TP_KX_PSK && tp_keylog_psk_count(s->dec->kl))
        return psk_exchange(s, body);
    return TP_UNDEC_NONE;
}

static void update_complete(struct tp_session *s)
{
    struct tp_decoder *dec = s->dec;
    if (dec->d[0].finished && dec->d[1].finished)
        s->handshake_complete = true;
}

static void on_handshake(struct tp_session *s, enum tp_dir dir, struct tp_bytes msg, bool decrypted)
{
    struct tp_decoder *dec = s->dec;
    struct dirst *d = &dec->d[dir];
    struct tp_hs_header h;
    if (tp_hs_header_parse(msg, &h) != TP_OK) {
        issue(s, dir, TP_DEC_BAD_MESSAGE, 0, msg.len ? msg.p[0] : 0);
        return;
    }
    if (!decrypted)
        hs_log_add(dec, msg);
    struct tp_msg *m = tp_session_add_msg(s, dir, TP_MSG_HANDSHAKE, d->t);
    if (m) {
        m->hs_type = h.type;
        m->decrypted = decrypted;
        m->length = h.length;
        m->raw = tp_session_arena_copy(s, msg.p, msg.len);
        m->raw_in_arena = m->raw != NULL;
        m->raw_len = m->raw ? msg.len : 0;
    }
    switch (h.type) {
    case TP_HS_CLIENT_HELLO:
        if (dir == TP_C2S)
            on_client_hello(s, h.body);
        break;
    case TP_HS_SERVER_HELLO:
        if (dir == TP_S2C)
            on_server_hello(s, m, h.body);
        break;
    case TP_HS_ENCRYPTED_EXTENSIONS: {
        const struct tp_encrypted_extensions *ee = parse_msg(s, dir, h.type, h.body);
        if (ee)
            set_alpn(s, &ee->ext.alpn);
        break;
    }
    case TP_HS_CERTIFICATE:
        on_certificate(s, dir, h.body);
        break;
    case TP_HS_CERTIFICATE_REQUEST:
        if (dir == TP_S2C)
            s->client_auth_requested = true;
        break;
    case TP_HS_CLIENT_KEY_EXCHANGE:
        if (dir == TP_C2S && !decrypted && !dec->cke_seen && !dec->tls13 && server_keys(dec->kl))
            dec->rsa_why = kx_exchange(s, h.body);
        dec->cke_seen = true;
        hs_log_drop(dec);
        break;
    case TP_HS_FINISHED:
        d->finished = true;
        if (dec->tls13 && decrypted)
            d->switch_app = true; /* RFC 8446 §7.1: application keys after Finished */
        update_complete(s);
        break;
    case TP_HS_KEY_UPDATE:
        if (dec->tls13 && decrypted)
            d->key_update = true; /* RFC 8446 §4.6.3: the next record uses the next secret */
        break;
    default:
        break;
    }
}

static void handshake_bytes(struct tp_session *s, enum tp_dir dir, const uint8_t *p, size_t n, bool decrypted)
{
    struct dirst *d = &s->dec->d[dir];
    if (d->reasm_dead || n == 0)
        return;
    /* Nothing pending (the usual case: whole messages in one record): hand out
     * the complete messages in place, without copying them into the reassembly
     * buffer; only a trailing partial message is buffered. */
    if (tp_hs_reasm_pending(&d->reasm) == 0) {
        tp_hs_reasm_reset(&d->reasm);
        while (n >= 4) {
            struct tp_reader r;
            uint8_t type;
            uint32_t length;
            tp_reader_init(&r, p, n);
            (void)tp_read_u8(&r, &type);
            (void)tp_read_u24(&r, &length);
            if (length > TP_MAX_HANDSHAKE_MSG || !tp_read_skip(&r, length))
                break; /* partial or over the limit: the buffered path decides */
            size_t ml = 4 + (size_t)length;
            on_handshake(s, dir, tp_bytes_make(p, ml), decrypted);
            if (d->reasm_dead)
                return;
            p += ml;
            n -= ml;
        }
        if (n == 0)
            return;
    }
    enum tp_err e = tp_hs_reasm_push(&d->reasm, tp_bytes_make(p, n));
    for (;;) {
        struct tp_bytes msg;
        if (e == TP_OK)
            e = tp_hs_reasm_next(&d->reasm, &msg);
        if (e == TP_OK) {
            on_handshake(s, dir, msg, decrypted);
            if (d->reasm_dead)
                return;
            continue;
        }
        if (e == TP_ERR_TRUNCATED)
            return;
        /* TP_ERR_LIMIT (a message claims more than TP_MAX_HANDSHAKE_MSG) or no
         * memory: stop reassembling this direction and say so */
        uint8_t type = 0;
        uint32_t claimed = 0;
        struct tp_reader r;
        tp_reader_init(&r, d->reasm.buf ? d->reasm.buf + d->reasm.off : NULL,
                       d->reasm.buf ? d->reasm.len - d->reasm.off : 0);
        if (tp_read_u8(&r, &type))
            (void)tp_read_u24(&r, &claimed);
        issue(s, dir, e == TP_ERR_LIMIT ? TP_DEC_HS_TOO_LARGE : TP_DEC_BAD_MESSAGE, claimed, type);
        d->reasm_dead = true;
        tp_hs_reasm_free(&d->reasm);
        tp_hs_reasm_init(&d->reasm);
        return;
    }
}

static void alert_bytes(struct tp_session *s, enum tp_dir dir, const uint8_t *p, size_t n, bool decrypted)
{
    struct tp_reader r;
    tp_reader_init(&r, p, n);
    while (tp_reader_left(&r) >= 2) {
        struct tp_bytes two;
        (void)tp_read_bytes(&r, 2, &two);
        s->alerts_total++;
        size_t stored = 0;
        for (size_t i = 0; i < s->n_msgs; i++)
            stored += s->msgs[i].kind == TP_MSG_ALERT;
        if (stored >= TP_MAX_SESSION_ALERTS)
            continue;
        /* An alert takes the time its record started: a peer's alert whose header
         * wolfSSL read before sending its own (then the body) came first on the
         * wire, and tp_session_finish puts it first (issue 16). */
        struct tp_msg *m = tp_session_add_msg(s, dir, TP_MSG_ALERT, s->dec->d[dir].rec_t);
        if (!m)
            continue;
        m->decrypted = decrypted;
        m->length = 2;
        m->alert_level = two.p[0];
        m->alert_desc = two.p[1];
        m->raw = tp_session_arena_copy(s, two.p, 2);
        m->raw_in_arena = m->raw != NULL;
        m->raw_len = m->raw ? 2 : 0;
    }
    if (tp_reader_left(&r) || n == 0)
        issue(s, dir, TP_DEC_BAD_MESSAGE, 0, 0);
}

static void ccs_record(struct tp_session *s, enum tp_dir dir, const uint8_t *p, size_t n, bool decrypted)
{
    struct tp_decoder *dec = s->dec;
    struct dirst *d = &dec->d[dir];
    struct tp_msg *m = tp_session_add_msg(s, dir, TP_MSG_CCS, d->t);
    if (m) {
        m->length = (uint32_t)n;
        m->decrypted = decrypted;
        m->raw = n ? tp_session_arena_copy(s, p, n) : NULL; /* the CCS byte(s) */
        m->raw_in_arena = m->raw != NULL;
        m->raw_len = m->raw ? n : 0;
    }
    if (tp_ccs_parse(tp_bytes_make(p, n)) != TP_OK)
        issue(s, dir, TP_DEC_BAD_MESSAGE, 0, 0);
    /* TLS 1.3 CCS is middlebox compatibility only; a CCS after the ClientHello
     * but before the ServerHello (1.3 client with early data) changes nothing
     * either. A CCS with neither hello seen is a capture that started mid-flow:
     * what follows is protected (TLS 1.2 rules). */
    if (dec->tls13 || (!dec->sh_seen && dec->ch_seen) || d->prot)
        return;
    /* RFC 5246 §7.1: records after this CCS use the pending keys */
    d->prot = true;
    d->phase = 1;
    d->nokey_phase = 0;
    tp_hs_reasm_reset(&d->reasm);
    /* RFC 5246 §7.3: the server sends CCS before the client's key exchange
     * only in the abbreviated (resumption) handshake */
    if (dir == TP_S2C && !dec->cke_seen)
        s->resumed = true;
}

static void count_appdata(struct tp_session *s, enum tp_dir dir, size_t n)
{
    s->appdata_records[dir]++;
    s->appdata_bytes[dir] += n;
}

/* One plaintext record (as sent, or decrypted). */
static void plaintext(struct tp_session *s, enum tp_dir dir, uint8_t type, const uint8_t *p, size_t n, bool decrypted)
{
    switch (type) {
    case TP_CT_HANDSHAKE:
        handshake_bytes(s, dir, p, n, decrypted);
        break;
    case TP_CT_ALERT:
        alert_bytes(s, dir, p, n, decrypted);
        break;
    case TP_CT_CHANGE_CIPHER_SPEC:
        ccs_record(s, dir, p, n, decrypted);
        break;
    case TP_CT_APPLICATION_DATA:
        count_appdata(s, dir, n); /* never stored, never printed */
        break;
    default:
        break; /* heartbeat and unknown types: nothing to show */
    }
}

/* ---- keys ---- */

/* Why the lookup of this session's keys found nothing (docs/capture.md). */
static enum tp_undecrypted why_no_keys(const struct tp_session *s, enum tp_err e)
{
    const struct tp_decoder *dec = s->dec;
    if (e == TP_ERR_UNSUPPORTED)
        return TP_UNDEC_CIPHER;
    if (dec->tls13 && tp_tls13_draft(s->version) && tp_tls13_draft(s->version) < 25)
        return TP_UNDEC_DRAFT;
    if (!s->has_client_random)
        return TP_UNDEC_NO_CLIENT_RANDOM;
    bool any_log = dec->kl && tp_keylog_count(dec->kl) > 0;
    size_t n_rsa = dec->kl ? tp_keylog_rsa_count(dec->kl) : 0;
    if (!any_log && n_rsa == 0 && !tp_keylog_psk_count(dec->kl))
        return TP_UNDEC_NO_KEYS;
    const struct tp_suite_info *si = s->has_cipher ? tp_suite_info(s->cipher) : NULL;
    enum tp_kx kx = dec->tls13 ? TP_KX_TLS13 : si ? si->kx : TP_KX_UNKNOWN;
    if (n_rsa && kx == TP_KX_RSA) {
        if (dec->rsa_why != TP_UNDEC_NONE)
            return dec->rsa_why;
        if (!dec->cke_seen)
            return s->resumed ? TP_UNDEC_RESUMED : TP_UNDEC_RSA_NOT_SEEN;
    }
    size_t n_psk = dec->kl ? tp_keylog_psk_count(dec->kl) : 0;
    if (n_psk && kx == TP_KX_PSK) {
        if (dec->rsa_why != TP_UNDEC_NONE)
            return dec->rsa_why;
        if (!dec->cke_seen && s->resumed)
            return TP_UNDEC_RESUMED;
    }
    if (!any_log && (kx == TP_KX_PSK || kx == TP_KX_RSA_PSK))
        return TP_UNDEC_PSK;
    if (!any_log && (kx == TP_KX_DHE || kx == TP_KX_ECDHE || kx == TP_KX_TLS13 || kx == TP_KX_DHE_PSK ||
                     kx == TP_KX_ECDHE_PSK))
        return TP_UNDEC_NEEDS_KEYLOG;
    return TP_UNDEC_NO_KEYLOG_ENTRY;
}

static bool ensure_keys(struct tp_session *s, enum tp_dir dir)
{
    struct tp_decoder *dec = s->dec;
    struct dirst *d = &dec->d[dir];
    if (d->rc)
        return true;
    if (d->decrypt_dead || d->nokey_phase == d->phase)
        return false;
    uint8_t secret[TP_KEYLOG_SECRET_MAX];
    size_t n = 0;
    enum tp_err e = TP_ERR_NOKEY;
    if (dec->kl && s->has_client_random && s->has_cipher) {
        if (dec->tls13 && tp_tls13_draft(s->version) && tp_tls13_draft(s->version) < 25) {
            /* before draft 25 the record's AAD was empty (and before 20 the labels
             * were "TLS 1.3, "): these keys would not open the records */
            issue(s, dir, TP_DEC_DRAFT_PROTECTION, 0, 0);
        } else if (dec->tls13) {
            enum tp_secret_label l = dir == TP_C2S
                ? (d->phase == 1 ? TP_SECRET_CLIENT_HANDSHAKE_TRAFFIC : TP_SECRET_CLIENT_TRAFFIC_0)
                : (d->phase == 1 ? TP_SECRET_SERVER_HANDSHAKE_TRAFFIC : TP_SECRET_SERVER_TRAFFIC_0);
            n = tp_keylog_get(dec->kl, l, s->client_random, secret, sizeof secret);
            if (n)
                e = tp_rc_new13(s->cipher, secret, n, dec->kl, &d->rc);
        } else {
            n = tp_keylog_get(dec->kl, TP_SECRET_CLIENT_RANDOM, s->client_random, secret, sizeof secret);
            if (n != 48 && dec->has_master) { /* from the server's key (rsa_exchange) */
                memcpy(secret, dec->master, 48);
                n = 48;
            }
            if (n == 48)
                e = tp_rc_new12(s->cipher, s->version, dec->etm, secret, s->client_random, dec->server_random,
                                dir == TP_C2S, &d->rc);
        }
        memset(secret, 0, sizeof secret);
    }
    if (e == TP_OK && dec->own[dir])
        tp_rc_trust_own(d->rc);
    if (e != TP_OK) {
        if (e == TP_ERR_UNSUPPORTED)
            issue(s, dir, TP_DEC_CIPHER_UNSUPPORTED, 0, 0);
        if (s->undecrypted == TP_UNDEC_NONE)
            s->undecrypted = why_no_keys(s, e);
        dir_drop_keys(d);
        d->nokey_phase = d->phase;
        s->keys_missing = true;
        return false;
    }
    return true;
}

/* Do we need the body of a record with this header to make sense of it? */
static bool need_body(struct tp_session *s, enum tp_dir dir, uint8_t type)
{
    struct tp_decoder *dec = s->dec;
    struct dirst *d = &dec->d[dir];
    if (type == TP_CT_HEARTBEAT)
        return false;
    if (!d->prot) /* 0-RTT records are read when the key log may open them */
        return type != TP_CT_APPLICATION_DATA ||
               (dir == TP_C2S && s->early_data_offered && dec->kl && !dec->early_dead && s->has_client_random);
    if (dec->tls13 && type != TP_CT_APPLICATION_DATA)
        return true; /* plaintext CCS / alert among protected records */
    if (!ensure_keys(s, dir))
        return false;
    if (!dec->tls13 && type == TP_CT_APPLICATION_DATA)
        return s->version == TP_TLS1_0; /* TLS 1.0 CBC chains its IV through every record */
    return true;
}

/* A protected record we cannot (or need not) read: what it says by its header. */
static void protected_meta(struct tp_session *s, enum tp_dir dir, uint8_t type, size_t len)
{
    struct tp_decoder *dec = s->dec;
    struct dirst *d = &dec->d[dir];
    bool hs_phase;
    if (dec->tls13) {
        if (dir == TP_S2C) {
            hs_phase = !dec->c_flight;
            if (!hs_phase) {
                dec->s_after_c = true;
                if (len != TLS13_ALERT_RECORD_LEN)
                    dec->s_after_c_real = true;
            }
        } else {
            hs_phase = !dec->s_after_c;
            if (hs_phase)
                dec->c_flight = true;
            else
                dec->c_after_s = true;
        }
    } else {
        hs_phase = type != TP_CT_APPLICATION_DATA;
        if (type == TP_CT_HANDSHAKE)
            d->enc_hs = true;
        if (type == TP_CT_ALERT)
            s->alerts_total++;
    }
    if (hs_phase) { /* no cap per direction: the session's message cap bounds memory */
        struct tp_msg *m = tp_session_add_msg(s, dir, TP_MSG_ENCRYPTED, d->t);
        if (m) {
            m->record_type = type;
            m->length = (uint32_t)len;
            d->n_enc_msgs++;
        } /* else counted in n_msgs_dropped: still a handshake record, not application data */
        return;
    }
    count_appdata(s, dir, len);
}

/* A direction that only walks record headers from now on keeps no buffers: a
 * capture may hold tens of thousands of such flows. */
static void dir_trim(struct tp_worker *w, struct dirst *d)
{
    if (d->buf && !d->in_body)
        buf_release(w, d);
    if (d->reasm.buf && !tp_hs_reasm_pending(&d->reasm)) {
        tp_hs_reasm_free(&d->reasm);
        tp_hs_reasm_init(&d->reasm);
    }
}

/* A record whose body we skip. */
static void record_meta(struct tp_session *s, enum tp_dir dir, uint8_t type, size_t len)
{
    struct dirst *d = &s->dec->d[dir];
    if (d->prot && !d->rc)
        dir_trim(s->worker, d);
    if (type == TP_CT_HEARTBEAT)
        return;
    if (!d->prot) {
        count_appdata(s, dir, len); /* application data before protection (0-RTT) */
        return;
    }
    if (!s->dec->tls13 && d->rc && type == TP_CT_APPLICATION_DATA) {
        tp_rc_skip(d->rc, NULL, len);
        count_appdata(s, dir, len);
        return;
    }
    protected_meta(s, dir, type, len);
}

static void after_record(struct tp_session *s, struct dirst *d)
{
    if (d->switch_app) {
        d->switch_app = false;
        d->key_update = false;
        d->phase = 2;
        d->nokey_phase = 0;
        dir_drop_keys(d);
    } else if (d->key_update) {
        d->key_update = false;
        if (d->rc && tp_rc_update13(d->rc) != TP_OK) {
            dir_drop_keys(d);
            d->decrypt_dead = true;
            s->decrypt_failed = true;
        }
    }
}

static void sslv2_record(struct tp_session *s, const uint8_t hdr[2], const uint8_t *body, size_t len)
{
    struct dirst *d = &s->dec->d[TP_C2S];
    struct tp_dec_scratch *sc = scratch_of(s);
    uint8_t *rec = sc ? malloc(len + 2) : NULL;
    if (!rec)
        return;
    struct tp_client_hello *ch = &sc->msg.ch;
    memcpy(rec, hdr, 2);
    memcpy(rec + 2, body, len);
    if (tp_sslv2_hello_parse(tp_bytes_make(rec, len + 2), ch) != TP_OK) {
        free(rec);
        not_tls(s, TP_C2S, tp_bytes_make(hdr, 2), body, len);
        return;
    }
    s->dec->ch_seen = true;
    s->offered_max_version = tp_client_hello_max_version(ch);
    /* RFC 5246 §E.2: the challenge, right-aligned in a zeroed 32-byte random */
    if (ch->random.len && ch->random.len <= 32) {
        memset(s->client_random, 0, 32);
        memcpy(s->client_random + 32 - ch->random.len, ch->random.p, ch->random.len);
        s->has_client_random = true;
    }
    /* ch points into rec: hand rec to the message only now */
    struct tp_msg *m = tp_session_add_msg(s, TP_C2S, TP_MSG_SSLV2_HELLO, d->t);
    if (m) {
        m->length = (uint32_t)len;
        m->raw = rec;
        m->raw_len = len + 2;
        rec = NULL;
    }
    free(rec);
}

/* RFC 8446 §2.3, §4.5: the client's 0-RTT application data and its
 * EndOfEarlyData are protected with client_early_traffic_secret, under the
 * suite of the PSK: the ServerHello's once seen, before it each TLS 1.3 suite
 * the ClientHello offered, tried until one opens the record (AEAD: a wrong key
 * does not authenticate). true: the plaintext is in sc->plain. */
static bool early_open(struct tp_session *s, const uint8_t *hdr, const uint8_t *body, size_t len,
                       struct tp_dec_scratch *sc, size_t *n, uint8_t *inner)
{
    struct tp_decoder *dec = s->dec;
    if (dec->early_dead || !dec->kl || !s->early_data_offered || !s->has_client_random || !sc ||
        len > TP_MAX_RECORD_LEN)
        return false;
    if (dec->early_rc)
        return tp_rc_decrypt(dec->early_rc, hdr, body, len, sc->plain, n, inner) == TP_OK;
    dec->early_dead = true; /* one try at finding the keys */
    uint8_t secret[TP_KEYLOG_SECRET_MAX];
    size_t sl = tp_keylog_get(dec->kl, TP_SECRET_CLIENT_EARLY_TRAFFIC, s->client_random, secret, sizeof secret);
    uint16_t cand[9];
    size_t nc = 0;
    if (s->has_cipher && s->cipher >= 0x1301 && s->cipher <= 0x1305)
        cand[nc++] = s->cipher;
    else
        for (size_t i = 0; i < dec->n_ch13_suites; i++)
            cand[nc++] = dec->ch13_suites[i];
    bool ok = false;
    for (size_t i = 0; sl && i < nc && !ok; i++) {
        struct tp_rc *rc = NULL;
        if (tp_rc_new13(cand[i], secret, sl, NULL, &rc) != TP_OK)
            continue; /* the secret's length is another hash's */
        if (tp_rc_decrypt(rc, hdr, body, len, sc->plain, n, inner) == TP_OK) {
            dec->early_rc = rc;
            dec->early_dead = false;
            ok = true;
        } else {
            tp_rc_free(rc);
        }
    }
    explicit_bzero(secret, sizeof secret);
    return ok;
}

/* A client record that may be 0-RTT: decrypted when the key log has its
 * secret, else counted as application data. */
static void early_record(struct tp_session *s, enum tp_dir dir, const uint8_t *hdr, const uint8_t *body, size_t len)
{
    struct tp_dec_scratch *sc = scratch_of(s);
    size_t n = 0;
    uint8_t inner = 0;
    if (!early_open(s, hdr, body, len, sc, &n, &inner) || inner == TP_CT_APPLICATION_DATA) {
        count_appdata(s, dir, len);
        return;
    }
    plaintext(s, dir, inner, sc->plain, n, true); /* EndOfEarlyData */
}

/* A complete record: header + body. */
static void record_full(struct tp_session *s, enum tp_dir dir, const uint8_t *hdr, const uint8_t *body, size_t len)
{
    struct tp_decoder *dec = s->dec;
    struct dirst *d = &dec->d[dir];
    if (d->fr.rec.sslv2) {
        sslv2_record(s, hdr, body, len);
        return;
    }
    uint8_t type = hdr[0];
    if (!d->prot && dir == TP_C2S && type == TP_CT_APPLICATION_DATA && s->early_data_offered) {
        early_record(s, dir, hdr, body, len); /* 0-RTT before the ServerHello */
        return;
    }
    if (!d->prot || (dec->tls13 && type != TP_CT_APPLICATION_DATA)) {
        plaintext(s, dir, type, body, len, false);
        return;
    }
    if (!d->rc) { /* keys vanished between header and body (cannot happen today) */
        record_meta(s, dir, type, len);
        return;
    }
    if (!dec->tls13 && type == TP_CT_APPLICATION_DATA) {
        tp_rc_skip(d->rc, body, len);
        count_appdata(s, dir, len);
        return;
    }
    size_t n = 0;
    uint8_t inner = type;
    struct tp_dec_scratch *sc = scratch_of(s);
    enum tp_err e = sc && len <= TP_MAX_RECORD_LEN ? tp_rc_decrypt(d->rc, hdr, body, len, sc->plain, &n, &inner)
                                                   : TP_ERR_DECRYPT;
    if (e != TP_OK) {
        if (dec->tls13 && dir == TP_C2S && s->early_data_offered && !d->any_decrypted && e == TP_ERR_DECRYPT) {
            /* 0-RTT data (and EndOfEarlyData) under the early secret */
            early_record(s, dir, hdr, body, len);
            return;
        }
        dir_drop_keys(d);
        d->decrypt_dead = true;
        s->decrypt_failed = true;
        if (s->undecrypted == TP_UNDEC_NONE)
            s->undecrypted = TP_UNDEC_AUTH_FAILED;
        if (!dec->tls13) {
            protected_meta(s, dir, type, len);
            return;
        }
        struct tp_msg *m = tp_session_add_msg(s, dir, TP_MSG_ENCRYPTED, d->t);
        if (m) {
            m->record_type = type;
            m->length = (uint32_t)len;
        }
        return;
    }
    d->any_decrypted = true;
    plaintext(s, dir, inner, sc->plain, n, true);
    after_record(s, d);
}

/* ---- framing ---- */

/* Room for need bytes of a record of full bytes, keeping what is buffered. */
static bool buf_reserve(struct tp_worker *w, struct dirst *d, size_t need, size_t full)
{
    if (d->buf_cap >= need)
        return true;
    size_t cap = need <= TINY_BUF ? TINY_BUF : full < SMALL_BUF ? SMALL_BUF : BIG_BUF;
    if (cap != TINY_BUF && !d->buf && (d->buf = tp_worker_buf_take(w, cap == BIG_BUF)) != NULL) {
        d->buf_cap = cap;
        return true;
    }
    uint8_t *b = realloc(d->buf, cap);
    if (!b)
        return false;
    d->buf = b;
    d->buf_cap = cap;
    return true;
}

size_t tp_decoder_footprint(const struct tp_decoder *dec)
{
    if (!dec)
        return 0;
    size_t n = sizeof *dec;
    for (int i = 0; i < 2; i++)
        n += dec->d[i].buf_cap + dec->d[i].reasm.cap;
    n += dec->hs_log_cap; /* --key/--psk: the handshake until ClientKeyExchange */
    if (dec->dtls)
        n += 2 * sizeof *dec->dtls + dec->dtls[0].held + dec->dtls[1].held;
    return n;
}

/* A record header: records counted, an impossible one ends the direction, the
 * body skipped unless need_body wants it. false: the direction died. */
static bool on_header(struct tp_session *s, enum tp_dir dir, struct tp_reader *r)
{
    struct dirst *d = &s->dec->d[dir];
    const struct tp_frame *h = &d->fr.rec;
    if (!h->sslv2) {
        if (h->type < TP_CT_CHANGE_CIPHER_SPEC || h->type > TP_CT_HEARTBEAT || (h->version >> 8) != 3) {
            issue(s, dir, TP_DEC_BAD_RECORD, 0, 0);
            d->dead = true;
            return false;
        }
        if (h->len > TP_MAX_RECORD_LEN) {
            issue(s, dir, TP_DEC_RECORD_TOO_LONG, h->len, 0);
            d->dead = true;
            return false;
        }
    }
    s->decode[dir].records++;
    if (!h->sslv2 && !need_body(s, dir, h->type)) {
        record_meta(s, dir, h->type, h->len);
        tp_framer_skip(&d->fr);
    } else if (h->len == 0) {
        struct tp_bytes none;
        (void)tp_read_bytes(r, 0, &none);
        record_full(s, dir, h->raw, none.p, 0);
    }
    return true;
}

/* Body bytes of a record we read: in place when the whole body came in one feed,
 * else collected into the direction's buffer. */
static enum tp_err on_body(struct tp_session *s, enum tp_dir dir, struct tp_bytes b)
{
    struct dirst *d = &s->dec->d[dir];
    const struct tp_frame *h = &d->fr.rec;
    if (!d->in_body && tp_framer_body_done(&d->fr)) {
        record_full(s, dir, h->raw, b.p, b.len);
        return TP_OK;
    }
    if (!d->in_body) {
        d->in_body = true;
        d->buf_len = 0;
    }
    if (!buf_reserve(s->worker, d, d->buf_len + b.len, h->len)) {
        d->dead = true;
        return TP_ERR_NOMEM;
    }
    memcpy(d->buf + d->buf_len, b.p, b.len);
    d->buf_len += b.len;
    if (tp_framer_body_done(&d->fr)) {
        d->in_body = false;
        record_full(s, dir, h->raw, d->buf, d->buf_len);
    }
    return TP_OK;
}

enum tp_err tp_decoder_feed(struct tp_session *s, enum tp_dir dir, const uint8_t *p, size_t len, int64_t t_us)
{
    struct dirst *d = &s->dec->d[dir];
    struct tp_reader r;
    tp_reader_init(&r, p, len);
    d->t = t_us;
    for (;;) {
        size_t left = tp_reader_left(&r);
        if (d->dead) {
            struct tp_bytes rest;
            (void)tp_read_rest(&r, &rest);
            s->decode[dir].bytes += rest.len;
            if (d->banner)
                banner_append(s, d, rest.p, rest.len);
            return TP_OK;
        }
        if (tp_framer_at_boundary(&d->fr))
            d->rec_t = d->t;
        struct tp_bytes b;
        enum tp_frame_ev ev = tp_framer_next(&d->fr, &r, &b);
        s->decode[dir].bytes += left - tp_reader_left(&r);
        switch (ev) {
        case TP_FRAME_NEED:
            return TP_OK;
        case TP_FRAME_NOT_TLS: {
            struct tp_bytes rest;
            (void)tp_read_rest(&r, &rest);
            not_tls(s, dir, tp_bytes_make(d->fr.rec.raw, d->fr.have), rest.p, rest.len);
            return TP_OK;
        }
        case TP_FRAME_HEADER:
            if (!on_header(s, dir, &r))
                return TP_OK;
            break;
        case TP_FRAME_BODY:
            if (on_body(s, dir, b) != TP_OK)
                return TP_ERR_NOMEM;
            break;
        default: /* TP_FRAME_LOST / TP_FRAME_SYNCED: resynchronising after a gap */
            break;
        }
    }
}

void tp_decoder_gap(struct tp_session *s, enum tp_dir dir, uint64_t lost, int64_t t_us)
{
    (void)lost;
    struct dirst *d = &s->dec->d[dir];
    d->t = t_us;
    if (d->dead)
        return;
    issue(s, dir, TP_DEC_GAP, 0, 0);
    tp_framer_resync(&d->fr);
    d->in_body = false;
    d->buf_len = 0;
    tp_hs_reasm_reset(&d->reasm);
    /* the sequence numbers of what was lost are unknown: no more decryption */
    if (d->prot && d->rc) {
        dir_drop_keys(d);
        d->decrypt_dead = true;
        if (s->undecrypted == TP_UNDEC_NONE)
            s->undecrypted = TP_UNDEC_GAP;
    }
}

void tp_decoder_midstream(struct tp_session *s, enum tp_dir dir, int64_t t_us)
{
    struct dirst *d = &s->dec->d[dir];
    d->t = t_us;
    if (d->dead || s->decode[dir].bytes)
        return; /* only before its first byte: later, a hole is a gap */
    tp_framer_resync(&d->fr);
}

void tp_decoder_flush(struct tp_session *s)
{
    struct tp_decoder *dec = s->dec;
    for (int i = 0; i < 2; i++) {
        struct dirst *d = &dec->d[i];
        if (d->dead)
            continue;
        if (tp_framer_mid_record(&d->fr) || d->in_body || (!d->reasm_dead && tp_hs_reasm_pending(&d->reasm)))
            issue(s, (enum tp_dir)i, TP_DEC_TRUNCATED, 0, 0);
    }
    if (!s->handshake_complete) {
        if (dec->tls13)
            s->handshake_complete = dec->c_flight && (dec->s_after_c_real || dec->c_after_s) &&
                                    !dec->d[0].any_decrypted && !dec->d[1].any_decrypted;
        else if (dec->sh_seen)
            s->handshake_complete = (dec->d[0].finished || dec->d[0].enc_hs) &&
                                    (dec->d[1].finished || dec->d[1].enc_hs);
    }
}

/* ---- DTLS framing (RFC 6347): the same decoder, fed datagrams ----
 * A datagram is one or more records with 13-byte headers (wire/dtls.c). Handshake
 * fragments of epoch 0 are reassembled by message_seq (out of order, duplicates
 * from retransmission ignored) and handed to on_handshake in the TLS form, so the
 * session, its parsers and its findings are those of TLS. Alerts and CCS as in
 * TLS; records of epoch 1 are decrypted with the key log's master secret
 * (record_crypto's DTLS variant: each record carries its own sequence number, so
 * order does not matter), else counted and kept as EncryptedRecord messages, as
 * TLS 1.2 without keys; later epochs (renegotiation) are only counted. */

static void dtls_state_free(struct tp_decoder *dec)
{
    if (!dec->dtls)
        return;
    tp_dtls_reasm_free(&dec->dtls[0]);
    tp_dtls_reasm_free(&dec->dtls[1]);
    free(dec->dtls);
    dec->dtls = NULL;
}

static void dtls_handshake_as(struct tp_session *s, enum tp_dir dir, struct tp_bytes body, bool decrypted)
{
    struct dirst *d = &s->dec->d[dir];
    struct tp_dtls_reasm *ra = &s->dec->dtls[dir];
    struct tp_reader r;
    tp_reader_from(&r, body);
    while (!d->reasm_dead && tp_reader_left(&r)) {
        struct tp_dtls_hs_frag f;
        if (tp_dtls_hs_frag_next(&r, &f) != TP_OK) {
            issue(s, dir, TP_DEC_BAD_MESSAGE, 0, f.type);
            return;
        }
        enum tp_err e = tp_dtls_reasm_push(ra, &f);
        if (e != TP_OK) {
            issue(s, dir, e == TP_ERR_LIMIT ? TP_DEC_HS_TOO_LARGE : TP_DEC_BAD_MESSAGE, f.length, f.type);
            d->reasm_dead = true;
            tp_dtls_reasm_free(ra);
            return;
        }
        struct tp_bytes msg;
        while (!d->reasm_dead && tp_dtls_reasm_next(ra, &msg))
            on_handshake(s, dir, msg, decrypted);
    }
}

static void dtls_handshake(struct tp_session *s, enum tp_dir dir, struct tp_bytes body)
{
    dtls_handshake_as(s, dir, body, false);
}

static void dtls_handshake_dec(struct tp_session *s, enum tp_dir dir, struct tp_bytes body)
{
    dtls_handshake_as(s, dir, body, true);
}

/* Keys of epoch 1 from the key log's master secret (CLIENT_RANDOM). */
static bool dtls_keys(struct tp_session *s, enum tp_dir dir)
{
    struct tp_decoder *dec = s->dec;
    struct dirst *d = &dec->d[dir];
    if (d->rc)
        return true;
    if (d->decrypt_dead || d->nokey_phase || !dec->kl || !s->has_client_random || !dec->sh_seen)
        return false;
    uint8_t secret[TP_KEYLOG_SECRET_MAX];
    enum tp_err e = TP_ERR_NOKEY;
    if (tp_keylog_get(dec->kl, TP_SECRET_CLIENT_RANDOM, s->client_random, secret, sizeof secret) == 48)
        e = tp_rc_new_dtls(s->cipher, s->version, dec->etm, secret, s->client_random, dec->server_random,
                           dir == TP_C2S, &d->rc);
    memset(secret, 0, sizeof secret);
    if (e != TP_OK) {
        if (e == TP_ERR_UNSUPPORTED)
            issue(s, dir, TP_DEC_CIPHER_UNSUPPORTED, 0, 0);
        d->nokey_phase = 1;
        return false;
    }
    return true;
}

/* A record of epoch 1 opened and read; false when it cannot be (no keys, or it
 * does not authenticate: then this direction is only counted). */
static bool dtls_open(struct tp_session *s, enum tp_dir dir, const struct tp_dtls_record *rec)
{
    struct dirst *d = &s->dec->d[dir];
    struct tp_dec_scratch *sc = scratch_of(s);
    if (!sc || !dtls_keys(s, dir))
        return false;
    size_t n = 0;
    uint8_t inner = rec->type;
    if (tp_rc_decrypt_dtls(d->rc, rec->hdr.p, rec->body.p, rec->body.len, sc->plain, &n, &inner) != TP_OK) {
        dir_drop_keys(d);
        d->decrypt_dead = true;
        s->decrypt_failed = true;
        return false;
    }
    d->any_decrypted = true;
    if (inner == TP_CT_HANDSHAKE)
        dtls_handshake_dec(s, dir, tp_bytes_make(sc->plain, n));
    else
        plaintext(s, dir, inner, sc->plain, n, true);
    return true;
}

enum tp_err tp_decoder_datagram(struct tp_session *s, enum tp_dir dir, const uint8_t *p, size_t len, int64_t t_us)
{
    struct tp_decoder *dec = s->dec;
    struct dirst *d = &dec->d[dir];
    if (!dec->dtls && !(dec->dtls = calloc(2, sizeof *dec->dtls)))
        return TP_ERR_NOMEM;
    s->udp = true;
    d->t = d->rec_t = t_us;
    s->decode[dir].bytes += len;
    if (d->dead)
        return TP_OK;
    struct tp_reader r;
    tp_reader_init(&r, p, len);
    while (tp_reader_left(&r)) {
        struct tp_dtls_record rec;
        enum tp_err e = tp_dtls_record_next(&r, &rec);
        if (e != TP_OK) {
            /* RFC 6347 §4.1.2.7: invalid records are discarded; a whole
             * datagram of them is not this session's */
            if (e == TP_ERR_MALFORMED)
                issue(s, dir, TP_DEC_BAD_RECORD, 0, 0);
            break;
        }
        s->decode[dir].records++;
        if (!rec.unified && tp_dtls_seen(&dec->dtls[dir], &rec)) {
            s->retransmissions[dir]++; /* RFC 6347 §4.1.2.6: a replayed record is discarded */
            continue;
        }
        if (rec.body.len > TP_MAX_RECORD_LEN) {
            issue(s, dir, TP_DEC_RECORD_TOO_LONG, (uint32_t)rec.body.len, 0);
            continue;
        }
        if (rec.unified) {
            if (!s->version)
                s->version = 0xfefc; /* DTLS 1.3 (RFC 9147), named, not opened */
            s->keys_missing = true;
            protected_meta(s, dir, TP_CT_APPLICATION_DATA, rec.body.len);
            continue;
        }
        if (rec.epoch == 0) {
            if (rec.type == TP_CT_HANDSHAKE)
                dtls_handshake(s, dir, rec.body);
            else
                plaintext(s, dir, rec.type, rec.body.p, rec.body.len, false);
            continue;
        }
        /* epoch 1 and later: protected */
        d->prot = true;
        if (rec.epoch == 1 && dtls_open(s, dir, &rec))
            continue;
        if (!d->rc && !d->decrypt_dead)
            s->keys_missing = true;
        protected_meta(s, dir, rec.type, rec.body.len);
    }
    return TP_OK;
}
