/* JSON Lines: one object per session on one line (docs/json.md documents every
 * key; tests/unit/test_render_json.c fails when a key is not documented). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include "render_int.h"
#include "tlsprobe/names.h"

/* A tiny writer that places commas: every value is preceded by key() or item(). */
struct jw {
    struct tp_sb *o;
    bool first[16];
    int depth;
};

static void j_sep(struct jw *w)
{
    if (!w->first[w->depth])
        tp_sb_putc(w->o, ',');
    w->first[w->depth] = false;
}

static void j_open(struct jw *w, char c)
{
    tp_sb_putc(w->o, c);
    if (w->depth < 15)
        w->depth++;
    w->first[w->depth] = true;
}

static void j_close(struct jw *w, char c)
{
    tp_sb_putc(w->o, c);
    if (w->depth > 0)
        w->depth--;
}

/* Keys are plain ASCII constants: the separator, the quoted key and the colon go
 * out in one copy, no printf on the hot path. */
static void key(struct jw *w, const char *k)
{
    rj_key(w->o, &w->first[w->depth], k);
}

/* Decimal digits of v, as "%llu" writes them. */
static void put_u64(struct tp_sb *o, unsigned long long v)
{
    char buf[24];
    char *e = buf + sizeof buf, *p = e;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tp_sb_putn(o, p, (size_t)(e - p));
}

static void put_i64(struct tp_sb *o, long long v)
{
    if (v < 0) {
        tp_sb_putc(o, '-');
        put_u64(o, 0ULL - (unsigned long long)v);
    } else {
        put_u64(o, (unsigned long long)v);
    }
}

static void item(struct jw *w)
{
    j_sep(w);
}

static void k_str(struct jw *w, const char *k, const char *v)
{
    key(w, k);
    tp_sb_put_json_str(w->o, v);
}

static void k_bytes(struct jw *w, const char *k, const uint8_t *p, size_t n)
{
    key(w, k);
    tp_sb_put_json(w->o, p, n);
}

static void k_bool(struct jw *w, const char *k, bool v)
{
    key(w, k);
    tp_sb_put(w->o, v ? "true" : "false");
}

static void k_u64(struct jw *w, const char *k, unsigned long long v)
{
    key(w, k);
    put_u64(w->o, v);
}

static void k_i64(struct jw *w, const char *k, long long v)
{
    key(w, k);
    put_i64(w->o, v);
}

static void k_null(struct jw *w, const char *k)
{
    key(w, k);
    tp_sb_put(w->o, "null");
}

static void k_ms(struct jw *w, const char *k, int64_t us)
{
    key(w, k);
    if (us < 0)
        tp_sb_put(w->o, "null");
    else {
        /* "%lld.%03lld" of us / 1000 and us % 1000 (us >= 0 here). */
        long long ms = (long long)(us % 1000);
        char f[4] = { '.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10) };
        put_i64(w->o, (long long)(us / 1000));
        tp_sb_putn(w->o, f, sizeof f);
    }
}

static void i_str(struct jw *w, const char *v)
{
    item(w);
    tp_sb_put_json_str(w->o, v);
}

static void k_hex(struct jw *w, const char *k, const uint8_t *p, size_t n)
{
    key(w, k);
    tp_sb_putc(w->o, '"');
    tp_sb_put_hex(w->o, p, n, 0);
    tp_sb_putc(w->o, '"');
}

static void k_time(struct jw *w, const char *k, time_t t)
{
    struct tm tm;
    char buf[40];
    if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        k_null(w, k);
        return;
    }
    k_str(w, k, buf);
}

/* Lists of 16-bit code points as names ("0x1a2b" / "GREASE 0x0a0a" when unnamed). */
typedef const char *(*namefn)(uint16_t, char[16]);
static void k_u16_names(struct jw *w, const char *k, const uint16_t *v, size_t n, namefn fn)
{
    char b[16];
    key(w, k);
    j_open(w, '[');
    /* Registry names (plain ASCII) are gathered and copied once: a ClientHello
     * lists tens of suites and signature algorithms. */
    char buf[2048];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = fn(v[i], b);
        size_t l = strlen(name);
        if (o + l + 3 > sizeof buf || !tp_json_plain((const uint8_t *)name, l)) {
            tp_sb_putn(w->o, buf, o);
            o = 0;
            i_str(w, name);
            continue;
        }
        if (!w->first[w->depth])
            buf[o++] = ',';
        w->first[w->depth] = false;
        buf[o++] = '"';
        memcpy(buf + o, name, l);
        o += l;
        buf[o++] = '"';
    }
    tp_sb_putn(w->o, buf, o);
    j_close(w, ']');
}

static void k_bytes_list(struct jw *w, const char *k, const struct tp_bytes_list *l)
{
    key(w, k);
    j_open(w, '[');
    for (size_t i = 0; i < l->n; i++) {
        item(w);
        tp_sb_put_json(w->o, l->v[i].p, l->v[i].len);
    }
    j_close(w, ']');
}

static void k_ext_names(struct jw *w, const char *k, const struct tp_ext_list *l)
{
    char b[24];
    key(w, k);
    j_open(w, '[');
    for (size_t i = 0; i < l->n; i++)
        i_str(w, rn_ext(l->items[i].type, b));
    j_close(w, ']');
}

static bool any_grease_u16(const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tp_is_grease(v[i]))
            return true;
    return false;
}

/* A client stack sends the same ClientHello again and again (every connection of
 * a load against listen, every flow of a capture), and naming its tens of suites
 * is most of a session's rendering. Its JSON is remembered per thread in three
 * parts, around the two values that change from one connection to the next (the
 * SNI and the session id's length), keyed by every other field j_client_hello
 * reads, exactly (GREASE values included). Parts are kept inline (no heap that a
 * thread's exit would leak); a bigger hello is rendered every time.
 * Keep ch_key() in step with j_client_hello(): test_render_json flips every byte
 * of real hellos and compares with a thread that has nothing remembered. */
#define CH_MEMO 4
#define CH_KEY_MAX 768
#define CH_JSON_MAX 6144
struct ch_memo {
    uint32_t used;
    uint16_t klen, a, b, c;     /* key length; the three parts' lengths */
    uint8_t key[CH_KEY_MAX];
    char json[CH_JSON_MAX];
};
static _Thread_local struct ch_memo ch_memo[CH_MEMO];
static _Thread_local uint32_t ch_tick;

struct ch_key {
    uint8_t b[CH_KEY_MAX];
    size_t n;
    bool over;
};

static void ck_raw(struct ch_key *k, const void *p, size_t n)
{
    if (k->over || k->n + n > CH_KEY_MAX) {
        k->over = true;
        return;
    }
    if (n)
        memcpy(k->b + k->n, p, n);
    k->n += n;
}

static void ck_count(struct ch_key *k, size_t n)
{
    uint32_t v = (uint32_t)n;
    ck_raw(k, &v, sizeof v);
}

static void ck_u16s(struct ch_key *k, const uint16_t *v, size_t n)
{
    ck_count(k, n);
    ck_raw(k, v, 2 * n);
}

static void ch_key(struct ch_key *k, const struct tp_client_hello *ch)
{
    const struct tp_exts *e = &ch->ext;
    k->n = 0;
    k->over = false;
    uint32_t hdr[5] = { ch->sslv2, ch->legacy_version, (uint32_t)ch->n_suites_total, e->has_sni,
                        (uint32_t)e->all.n_total };
    ck_raw(k, hdr, sizeof hdr);
    ck_u16s(k, e->versions.v, e->versions.n);
    ck_u16s(k, ch->suites, ch->n_suites);
    ck_u16s(k, e->groups.v, e->groups.n);
    ck_count(k, e->n_key_shares);
    for (size_t i = 0; i < e->n_key_shares; i++)
        ck_raw(k, &e->key_shares[i].group, 2);
    ck_u16s(k, e->sig_algs.v, e->sig_algs.n);
    ck_count(k, e->all.n);
    for (size_t i = 0; i < e->all.n; i++)
        ck_raw(k, &e->all.items[i].type, 2);
    ck_count(k, e->alpn.n);
    for (size_t i = 0; i < e->alpn.n; i++) {
        ck_count(k, e->alpn.v[i].len);
        ck_raw(k, e->alpn.v[i].p, e->alpn.v[i].len);
    }
    ck_count(k, e->ec_point_formats.len); /* JA3 */
    ck_raw(k, e->ec_point_formats.p, e->ec_point_formats.len);
}

static struct ch_memo *ch_slot(const struct ch_key *k, bool *hit)
{
    *hit = false;
    if (k->over)
        return NULL;
    struct ch_memo *victim = &ch_memo[0];
    for (int i = 0; i < CH_MEMO; i++) {
        struct ch_memo *m = &ch_memo[i];
        if (m->klen == k->n && m->a && !memcmp(m->key, k->b, k->n)) {
            m->used = ++ch_tick;
            *hit = true;
            return m;
        }
        if (m->used < victim->used)
            victim = m;
    }
    return victim;
}

static void ch_sni(struct jw *w, const struct tp_client_hello *ch)
{
    if (ch->ext.has_sni)
        k_bytes(w, "sni", ch->ext.sni.p, ch->ext.sni.len);
    else
        k_null(w, "sni");
}

static void j_client_hello(struct jw *w, const struct tp_client_hello *ch)
{
    /* only after other keys of the same object: the parts start with a comma */
    struct ch_key k;
    struct ch_memo *m = NULL;
    bool hit = false;
    if (!w->first[w->depth]) {
        ch_key(&k, ch);
        m = ch_slot(&k, &hit);
    }
    if (hit) {
        tp_sb_putn(w->o, m->json, m->a);
        ch_sni(w, ch);
        tp_sb_putn(w->o, m->json + m->a, m->b);
        k_u64(w, "session_id_length", ch->session_id.len);
        tp_sb_putn(w->o, m->json + m->a + m->b, m->c);
        return;
    }
    char b[16];
    const struct tp_exts *e = &ch->ext;
    size_t p0 = w->o->len;
    k_bool(w, "sslv2", ch->sslv2);
    k_str(w, "legacy_version", rn_version(ch->legacy_version, b));
    k_str(w, "max_version", rn_version(tp_client_hello_max_version(ch), b));
    k_u16_names(w, "versions", e->versions.v, e->versions.n, rn_version);
    k_u16_names(w, "cipher_suites", ch->suites, ch->n_suites, rn_suite);
    k_u64(w, "cipher_suites_total", ch->n_suites_total);
    size_t p1 = w->o->len;
    ch_sni(w, ch);
    size_t p2 = w->o->len;
    k_bytes_list(w, "alpn", &e->alpn);
    k_u16_names(w, "groups", e->groups.v, e->groups.n, rn_group);
    key(w, "key_shares");
    j_open(w, '[');
    for (size_t i = 0; i < e->n_key_shares; i++)
        i_str(w, rn_group(e->key_shares[i].group, b));
    j_close(w, ']');
    k_u16_names(w, "signature_algorithms", e->sig_algs.v, e->sig_algs.n, rn_sigalg);
    k_ext_names(w, "extensions", &e->all);
    k_u64(w, "extensions_total", e->all.n_total);
    bool grease = any_grease_u16(ch->suites, ch->n_suites) || any_grease_u16(e->groups.v, e->groups.n) ||
                  any_grease_u16(e->versions.v, e->versions.n);
    for (size_t i = 0; i < e->all.n; i++)
        grease |= tp_is_grease(e->all.items[i].type);
    k_bool(w, "grease", grease);
    size_t p3 = w->o->len;
    k_u64(w, "session_id_length", ch->session_id.len);
    size_t p4 = w->o->len;
    char ja3s[2048], md5[33];
    bool ok = tp_ja3(ch, ja3s, sizeof ja3s, md5);
    k_str(w, "ja3", ok ? ja3s : NULL);
    k_str(w, "ja3_hash", md5);
    char ja4[40];
    tp_ja4(ch, false, ja4);
    k_str(w, "ja4", ja4);
    size_t p5 = w->o->len;
    size_t a = p1 - p0, bl = p3 - p2, c = p5 - p4;
    if (m && !w->o->truncated && !w->o->oom && a && a + bl + c <= CH_JSON_MAX) {
        memcpy(m->key, k.b, k.n);
        m->klen = (uint16_t)k.n;
        memcpy(m->json, w->o->buf + p0, a);
        memcpy(m->json + a, w->o->buf + p2, bl);
        memcpy(m->json + a + bl, w->o->buf + p4, c);
        m->a = (uint16_t)a;
        m->b = (uint16_t)bl;
        m->c = (uint16_t)c;
        m->used = ++ch_tick;
    }
}

static void j_server_hello(struct jw *w, const struct tp_server_hello *sh)
{
    char b[16];
    if (sh->is_hrr) {
        if (sh->ext.has_hrr_group)
            k_str(w, "selected_group", rn_group(sh->ext.hrr_group, b));
        else
            k_null(w, "selected_group");
        k_str(w, "cipher_suite", rn_suite(sh->suite, b));
        k_str(w, "version", rn_version(sh->version, b));
        k_bool(w, "cookie", sh->ext.cookie.len > 0);
        k_ext_names(w, "extensions", &sh->ext.all);
        return;
    }
    k_str(w, "version", rn_version(sh->version, b));
    k_str(w, "cipher_suite", rn_suite(sh->suite, b));
    if (sh->ext.n_key_shares)
        k_str(w, "group", rn_group(sh->ext.key_shares[0].group, b));
    else
        k_null(w, "group");
    if (sh->ext.alpn.n)
        k_bytes(w, "alpn", sh->ext.alpn.v[0].p, sh->ext.alpn.v[0].len);
    else
        k_null(w, "alpn");
    k_ext_names(w, "extensions", &sh->ext.all);
    k_u64(w, "session_id_length", sh->session_id.len);
    k_bool(w, "psk", sh->ext.has_psk);
    k_bool(w, "downgrade_sentinel", sh->downgrade_tls12 || sh->downgrade_tls11);
    char ja3s[1024], md5[33];
    bool ok = tp_ja3s(sh, ja3s, sizeof ja3s, md5);
    k_str(w, "ja3s", ok ? ja3s : NULL);
    k_str(w, "ja3s_hash", md5);
}

static void j_details(struct jw *w, const struct tp_session *s, const struct rmsg *r)
{
    char b[16];
    (void)s;
    switch (r->kind) {
    case RM_CH: j_client_hello(w, &r->u.ch); break;
    case RM_SH: j_server_hello(w, &r->u.sh); break;
    case RM_EE:
        if (r->u.ee.ext.alpn.n)
            k_bytes(w, "alpn", r->u.ee.ext.alpn.v[0].p, r->u.ee.ext.alpn.v[0].len);
        else
            k_null(w, "alpn");
        k_ext_names(w, "extensions", &r->u.ee.ext.all);
        break;
    case RM_CERT:
        k_u64(w, "cert_count", r->u.cert.n_total);
        break;
    case RM_CR:
        k_u16_names(w, "signature_algorithms", r->u.cr.sig_algs.v, r->u.cr.sig_algs.n, rn_sigalg);
        k_u64(w, "ca_names_count", r->u.cr.ca_names.n_total);
        key(w, "ca_names");
        j_open(w, '[');
        for (size_t i = 0; i < r->u.cr.ca_names.n; i++) {
            char dn[512];
            tp_dn_text(r->u.cr.ca_names.v[i], dn, sizeof dn);
            item(w);
            tp_sb_put_json_str(w->o, dn);
        }
        j_close(w, ']');
        break;
    case RM_SKE:
        k_str(w, "kx", rn_kx(r->u.ske.kx));
        if (r->u.ske.kx == TP_KX_ECDHE || r->u.ske.kx == TP_KX_ECDHE_PSK)
            k_str(w, "group", rn_group(r->u.ske.group, b));
        if (r->u.ske.kx == TP_KX_DHE || r->u.ske.kx == TP_KX_DHE_PSK)
            k_u64(w, "dh_bits", r->u.ske.dh_p_bits);
        if (r->u.ske.has_sig_scheme)
            k_str(w, "signature_scheme", rn_sigalg(r->u.ske.sig_scheme, b));
        break;
    case RM_CKE:
        k_str(w, "kx", rn_kx(r->u.cke.kx));
        break;
    case RM_CV:
        if (r->u.cv.has_scheme)
            k_str(w, "signature_scheme", rn_sigalg(r->u.cv.scheme, b));
        break;
    case RM_FIN:
        k_u64(w, "verify_data_length", r->u.fin.verify_data.len);
        break;
    case RM_NST:
        k_u64(w, "lifetime_s", r->u.nst.lifetime);
        k_u64(w, "ticket_length", r->u.nst.ticket.len);
        break;
    case RM_KU:
        k_bool(w, "update_requested", r->u.ku.request_update != 0);
        break;
    case RM_CS:
        k_u64(w, "status_type", r->u.cs.status_type);
        k_u64(w, "response_length", r->u.cs.response.len);
        break;
    case RM_NONE:
        break;
    }
}

static void j_message(struct jw *w, const struct tp_session *s, const struct rmsg *r, size_t idx)
{
    const struct tp_msg *m = r->m;
    char b[16];
    item(w);
    j_open(w, '{');
    k_str(w, "dir", rn_dir(m->dir));
    k_str(w, "type", r->type);
    k_ms(w, "t_ms", m->t_us < 0 ? 0 : m->t_us);
    k_u64(w, "length", m->length);
    k_bool(w, "decrypted", m->decrypted);
    if (m->kind == TP_MSG_ALERT) {
        const char *lv = tp_name_alert_level(m->alert_level);
        k_str(w, "level", lv ? lv : "unknown");
        k_str(w, "description", rn_alert(m->alert_desc, b));
        k_u64(w, "code", m->alert_desc);
        k_str(w, "from", m->dir == TP_C2S ? "client" : "server");
        k_str(w, "meaning", tp_alert_meaning(m->alert_desc));
        /* Which step the alert answered: the last message from the other side. */
        char tb[32];
        int prev = -1;
        for (size_t i = idx; i-- > 0;)
            if (s->msgs[i].dir != m->dir) {
                prev = (int)i;
                break;
            }
        k_str(w, "after", prev >= 0 ? rm_type(&s->msgs[prev], tb) : NULL);
    } else if (m->kind == TP_MSG_ENCRYPTED) {
        k_u64(w, "content_type", m->record_type);
    } else if (m->kind != TP_MSG_CCS) {
        if (r->perr != TP_OK)
            k_str(w, "parse_error", tp_err_text(r->perr));
        j_details(w, s, r);
    }
    j_close(w, '}');
}

static void j_cert(struct jw *w, const struct tp_chain *c, size_t i)
{
    item(w);
    if (c->info[i]) {
        tp_render_cert_json(w->o, c->info[i]);
        return;
    }
    /* Could not be summarised: say so, with what we still know. */
    uint8_t h[WC_SHA256_DIGEST_SIZE];
    j_open(w, '{');
    k_null(w, "subject");
    k_null(w, "issuer");
    key(w, "san");
    tp_sb_put(w->o, "[]");
    k_null(w, "not_before");
    k_null(w, "not_after");
    k_null(w, "key");
    k_null(w, "signature_algorithm");
    k_bool(w, "is_ca", false);
    if (c->der[i].p && wc_Sha256Hash(c->der[i].p, (word32)c->der[i].len, h) == 0)
        k_hex(w, "sha256", h, sizeof h);
    else
        k_null(w, "sha256");
    k_bool(w, "unparsed", true);
    k_u64(w, "der_length", c->der[i].len);
    j_close(w, '}');
}

static void j_chain(struct jw *w, const char *k, const struct tp_chain *c)
{
    key(w, k);
    j_open(w, '[');
    for (size_t i = 0; i < c->n; i++)
        j_cert(w, c, i);
    j_close(w, ']');
}

static const char *path_src(enum tp_path_src s)
{
    switch (s) {
    case TP_FROM_SENT: return "sent";
    case TP_FROM_INTERMEDIATES: return "intermediates";
    case TP_FROM_AIA: return "aia";
    case TP_FROM_STORE: return "store";
    }
    return "sent";
}

static void j_verify(struct jw *w, const char *k, const struct tp_verify_result *v)
{
    key(w, k);
    if (!v) {
        tp_sb_put(w->o, "null");
        return;
    }
    j_open(w, '{');
    k_str(w, "status", rn_path_status(v->status));
    key(w, "path");
    j_open(w, '[');
    for (size_t i = 0; i < v->path_len; i++) {
        const struct tp_path_elem *pe = &v->path[i];
        item(w);
        j_open(w, '{');
        k_str(w, "from", path_src(pe->src));
        if (pe->sent_index >= 0)
            k_i64(w, "sent_index", pe->sent_index);
        else
            k_null(w, "sent_index");
        if (pe->cert && pe->cert->subject)
            k_str(w, "subject", pe->cert->subject);
        else
            k_null(w, "subject");
        j_close(w, '}');
    }
    j_close(w, ']');
    if (v->missing_issuer[0])
        k_str(w, "missing_issuer", v->missing_issuer);
    else
        k_null(w, "missing_issuer");
    k_str(w, "store", v->store_desc[0] ? v->store_desc : NULL);
    k_bool(w, "order_ok", v->order_ok);
    k_bool(w, "root_sent", v->root_sent);
    k_u64(w, "extra_certificates", v->n_extra);
    k_str(w, "name", v->name[0] ? v->name : NULL);
    k_str(w, "name_status", rn_name_status(v->name_status));
    k_bool(w, "aia_tried", v->aia_tried);
    if (v->aia_tried) {
        k_bool(w, "aia_ok", v->aia_ok);
        k_str(w, "aia_url", v->aia_url);
        if (v->aia_error[0])
            k_str(w, "aia_error", v->aia_error);
    }
    /* the strict verdict and why (RFC 5280 §6.1, x509/verify.c) */
    k_bool(w, "valid", v->valid);
    k_str(w, "reject", v->reject_id[0] ? v->reject_id : NULL);
    key(w, "problems");
    j_open(w, '[');
    for (size_t i = 0; i < v->n_problems; i++) {
        item(w);
        j_open(w, '{');
        k_str(w, "id", v->problems[i].id);
        k_i64(w, "index", v->problems[i].index);
        k_i64(w, "by_index", v->problems[i].by_index);
        k_str(w, "text", v->problems[i].text);
        j_close(w, '}');
    }
    j_close(w, ']');
    key(w, "paths_tried");
    j_open(w, '[');
    for (size_t i = 0; i < v->n_tried; i++) {
        item(w);
        tp_sb_put_json_str(w->o, v->tried[i].text);
    }
    j_close(w, ']');
    k_u64(w, "paths_judged", v->n_paths);
    k_u64(w, "signature_checks", v->sig_checks);
    k_bool(w, "search_limited", v->search_limited);
    j_close(w, '}');
}

static void j_findings(struct jw *w, const struct tp_session *s, const struct tp_render_opts *o)
{
    key(w, "findings");
    j_open(w, '[');
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct tp_finding *f = &s->findings[i];
        item(w);
        j_open(w, '{');
        k_str(w, "id", f->id);
        k_str(w, "severity", rn_severity(f->severity));
        k_str(w, "summary", f->summary);
        k_str(w, "explanation", f->explanation);
        k_str(w, "fix", f->fix);
        k_str(w, "reference", f->reference);
        if (o && o->stack) {
            /* --stack: present (null when the table has none) only when asked. */
            k_str(w, "stack_fix", tp_explain_stack_fix(f->id, o->stack, rs_stack_side(s)));
        }
        j_close(w, '}');
    }
    j_close(w, ']');
}

void tp_render_json_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o)
{
    struct jw w = { .o = out };
    w.first[0] = true;
    char b[16];
    (void)o;
    j_open(&w, '{');
    k_str(&w, "source", rn_source(s->source));
    k_str(&w, "client", s->client[0] ? s->client : NULL);
    k_str(&w, "server", s->server[0] ? s->server : NULL);
    if (s->server_name)
        k_bytes(&w, "server_name", (const uint8_t *)s->server_name, s->server_name_len);
    else
        k_null(&w, "server_name");
    if (s->server_name_unicode) /* connect --servername typed as an internationalised name */
        k_str(&w, "server_name_unicode", s->server_name_unicode);
    k_str(&w, "host", s->host);
    k_str(&w, "version", s->version ? rn_version(s->version, b) : NULL);
    k_str(&w, "cipher", s->has_cipher ? rn_suite(s->cipher, b) : NULL);
    if (s->alpn[0])
        k_bytes(&w, "alpn", (const uint8_t *)s->alpn, strnlen(s->alpn, sizeof s->alpn));
    else
        k_null(&w, "alpn");
    k_bool(&w, "handshake_complete", s->handshake_complete);
    {
        char st[512];
        rs_status_line(s, st, sizeof st);
        k_str(&w, "status_line", st); /* the text header's words (issue 16) */
    }
    k_str(&w, "offered_max_version", s->offered_max_version ? rn_version(s->offered_max_version, b) : NULL);
    k_bool(&w, "resumed", s->resumed);
    k_bool(&w, "hello_retry", s->hrr);
    k_bool(&w, "client_auth_requested", s->client_auth_requested);

    key(&w, "outcome");
    j_open(&w, '{');
    k_str(&w, "status", rn_conn_status(s->outcome.status));
    k_str(&w, "detail", s->outcome.detail[0] ? s->outcome.detail : NULL);
    k_i64(&w, "lib_error", s->outcome.lib_error);
    if (s->outcome.peer_banner_len)
        k_bytes(&w, "peer_banner", (const uint8_t *)s->outcome.peer_banner,
                s->outcome.peer_banner_len < sizeof s->outcome.peer_banner ? s->outcome.peer_banner_len
                                                                            : sizeof s->outcome.peer_banner);
    else
        k_null(&w, "peer_banner");
    j_close(&w, '}');

    key(&w, "decode");
    j_open(&w, '{');
    for (int d = 0; d < 2; d++) {
        const struct tp_decode_facts *df = &s->decode[d];
        key(&w, d == TP_C2S ? "c2s" : "s2c");
        j_open(&w, '{');
        k_str(&w, "issue", df->issue != TP_DEC_NONE ? tp_decode_issue_name(df->issue) : NULL);
        if (df->issue != TP_DEC_NONE)
            k_u64(&w, "offset", df->offset);
        else
            k_null(&w, "offset");
        if (df->issue == TP_DEC_RECORD_TOO_LONG || df->issue == TP_DEC_HS_TOO_LARGE)
            k_u64(&w, "claimed_len", df->claimed_len);
        else
            k_null(&w, "claimed_len");
        if (df->issue == TP_DEC_HS_TOO_LARGE || df->issue == TP_DEC_BAD_MESSAGE)
            k_str(&w, "hs_type", tp_name_hs_type(df->hs_type));
        else
            k_null(&w, "hs_type");
        k_u64(&w, "bytes", df->bytes);
        k_u64(&w, "records", df->records);
        j_close(&w, '}');
    }
    j_close(&w, '}');

    key(&w, "timings");
    j_open(&w, '{');
    if (s->start_us > 0 && !o->no_times) {
        time_t t = (time_t)(s->start_us / 1000000);
        k_time(&w, "start", t);
    } else {
        k_null(&w, "start");
    }
    k_ms(&w, "dns_ms", s->t_dns_us);
    k_ms(&w, "connect_ms", s->t_connect_us);
    k_ms(&w, "rtt_ms", s->rtt_us);
    k_ms(&w, "handshake_ms", s->n_msgs ? s->msgs[s->n_msgs - 1].t_us : -1);
    j_close(&w, '}');

    k_bool(&w, "keys_missing", s->keys_missing);
    k_bool(&w, "decrypt_failed", s->decrypt_failed);
    key(&w, "appdata");
    j_open(&w, '{');
    for (int d = 0; d < 2; d++) {
        key(&w, d == 0 ? "c2s" : "s2c");
        j_open(&w, '{');
        k_u64(&w, "records", s->appdata_records[d]);
        k_u64(&w, "bytes", s->appdata_bytes[d]);
        j_close(&w, '}');
    }
    j_close(&w, '}');
    k_u64(&w, "alerts_total", s->alerts_total);
    k_u64(&w, "messages_dropped", s->n_msgs_dropped);
    if (s->source == TP_SRC_PCAP) {
        key(&w, "capture");
        j_open(&w, '{');
        k_u64(&w, "retransmissions_c2s", s->retransmissions[0]);
        k_u64(&w, "retransmissions_s2c", s->retransmissions[1]);
        k_u64(&w, "lost_bytes_c2s", s->gap_bytes[0]);
        k_u64(&w, "lost_bytes_s2c", s->gap_bytes[1]);
        j_close(&w, '}');
    }

    key(&w, "messages");
    j_open(&w, '[');
    struct rmsg *r = malloc(sizeof *r);
    for (size_t i = 0; r && i < s->n_msgs; i++) {
        rm_parse(s, &s->msgs[i], r);
        j_message(&w, s, r, i);
    }
    free(r);
    if (!r)
        out->oom = true;
    j_close(&w, ']');

    j_chain(&w, "certificates", &s->server_chain);
    k_u64(&w, "certificates_total", s->server_chain.n_total);
    j_chain(&w, "client_certificates", &s->client_chain);
    j_verify(&w, "server_verification", s->server_verify);
    j_verify(&w, "client_verification", s->client_verify);
    j_findings(&w, s, o);
    j_close(&w, '}');
    tp_sb_putc(out, '\n');
}
