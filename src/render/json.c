/* JSON Lines: one object per session on one line (docs/json.md documents every
 * key; tests/unit/test_render_json.c fails when a key is not documented). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include "jw.h"
#include "render_int.h"
#include "tlsprobe/names.h"

/* Lists of 16-bit code points as names ("0x1a2b" / "GREASE 0x0a0a" when unnamed). */
typedef const char *(*namefn)(uint16_t, char[16]);
static void k_u16_names(struct jw *w, const char *k, const uint16_t *v, size_t n, namefn fn)
{
    char b[16];
    jw_key(w, k);
    jw_open(w, '[');
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
            jw_istr(w, name);
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
    jw_close(w, ']');
}

static void k_bytes_list(struct jw *w, const char *k, const struct tp_bytes_list *l)
{
    jw_key(w, k);
    jw_open(w, '[');
    for (size_t i = 0; i < l->n; i++) {
        jw_item(w);
        tp_sb_put_json(w->o, l->v[i].p, l->v[i].len);
    }
    jw_close(w, ']');
}

static void k_ext_names(struct jw *w, const char *k, const struct tp_ext_list *l)
{
    char b[24];
    jw_key(w, k);
    jw_open(w, '[');
    for (size_t i = 0; i < l->n; i++)
        jw_istr(w, rn_ext(l->items[i].type, b));
    jw_close(w, ']');
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
 * is most of a session's rendering. Its JSON is remembered in the caller's memo
 * (struct tp_render_memo, one per thread) in three
 * parts, around the two values that change from one connection to the next (the
 * SNI and the session id's length), keyed by every other field j_client_hello
 * reads, exactly (GREASE values included); a bigger hello is rendered every time.
 * Keep ch_key() in step with j_client_hello(): test_render_json flips every byte
 * of real hellos and compares with rendering without a memo. */
struct ch_key {
    uint8_t b[RJ_CH_KEY_MAX];
    size_t n;
    bool over;
};

static void ck_raw(struct ch_key *k, const void *p, size_t n)
{
    if (k->over || k->n + n > RJ_CH_KEY_MAX) {
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

static struct rj_ch_memo *ch_slot(struct tp_render_memo *memo, const struct ch_key *k, bool *hit)
{
    *hit = false;
    if (k->over)
        return NULL;
    struct rj_ch_memo *victim = &memo->ch[0];
    for (int i = 0; i < RJ_CH_MEMO; i++) {
        struct rj_ch_memo *m = &memo->ch[i];
        if (m->klen == k->n && m->a && !memcmp(m->key, k->b, k->n)) {
            m->used = ++memo->ch_tick;
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
        jw_bytes(w, "sni", ch->ext.sni.p, ch->ext.sni.len);
    else
        jw_null(w, "sni");
}

static void j_client_hello(struct jw *w, const struct tp_client_hello *ch, struct tp_render_memo *memo)
{
    /* only after other keys of the same object: the parts start with a comma */
    struct ch_key k;
    struct rj_ch_memo *m = NULL;
    bool hit = false;
    if (memo && !w->first[w->depth]) {
        ch_key(&k, ch);
        m = ch_slot(memo, &k, &hit);
    }
    if (hit) {
        tp_sb_putn(w->o, m->json, m->a);
        ch_sni(w, ch);
        tp_sb_putn(w->o, m->json + m->a, m->b);
        jw_u64(w, "session_id_length", ch->session_id.len);
        tp_sb_putn(w->o, m->json + m->a + m->b, m->c);
        return;
    }
    char b[16];
    const struct tp_exts *e = &ch->ext;
    size_t p0 = w->o->len;
    jw_bool(w, "sslv2", ch->sslv2);
    jw_str(w, "legacy_version", rn_version(ch->legacy_version, b));
    jw_str(w, "max_version", rn_version(tp_client_hello_max_version(ch), b));
    k_u16_names(w, "versions", e->versions.v, e->versions.n, rn_version);
    k_u16_names(w, "cipher_suites", ch->suites, ch->n_suites, rn_suite);
    jw_u64(w, "cipher_suite_count", ch->n_suites_total);
    size_t p1 = w->o->len;
    ch_sni(w, ch);
    size_t p2 = w->o->len;
    k_bytes_list(w, "alpn", &e->alpn);
    k_u16_names(w, "groups", e->groups.v, e->groups.n, rn_group);
    jw_key(w, "key_shares");
    jw_open(w, '[');
    for (size_t i = 0; i < e->n_key_shares; i++)
        jw_istr(w, rn_group(e->key_shares[i].group, b));
    jw_close(w, ']');
    k_u16_names(w, "signature_algorithms", e->sig_algs.v, e->sig_algs.n, rn_sigalg);
    k_ext_names(w, "extensions", &e->all);
    jw_u64(w, "extension_count", e->all.n_total);
    bool grease = any_grease_u16(ch->suites, ch->n_suites) || any_grease_u16(e->groups.v, e->groups.n) ||
                  any_grease_u16(e->versions.v, e->versions.n);
    for (size_t i = 0; i < e->all.n; i++)
        grease |= tp_is_grease(e->all.items[i].type);
    jw_bool(w, "grease", grease);
    size_t p3 = w->o->len;
    jw_u64(w, "session_id_length", ch->session_id.len);
    size_t p4 = w->o->len;
    char ja3s[2048], md5[33];
    bool ok = tp_ja3_memo(rj_ja(memo), ch, ja3s, sizeof ja3s, md5);
    jw_str(w, "ja3", ok ? ja3s : NULL);
    jw_str(w, "ja3_hash", md5);
    char ja4[40];
    tp_ja4_memo(rj_ja(memo), ch, false, ja4);
    jw_str(w, "ja4", ja4);
    size_t p5 = w->o->len;
    size_t a = p1 - p0, bl = p3 - p2, c = p5 - p4;
    if (m && !w->o->truncated && !w->o->oom && a && a + bl + c <= RJ_CH_JSON_MAX) {
        memcpy(m->key, k.b, k.n);
        m->klen = (uint16_t)k.n;
        memcpy(m->json, w->o->buf + p0, a);
        memcpy(m->json + a, w->o->buf + p2, bl);
        memcpy(m->json + a + bl, w->o->buf + p4, c);
        m->a = (uint16_t)a;
        m->b = (uint16_t)bl;
        m->c = (uint16_t)c;
        m->used = ++memo->ch_tick;
    }
}

static void j_server_hello(struct jw *w, const struct tp_server_hello *sh, struct tp_ja_memo *jm)
{
    char b[16];
    if (sh->is_hrr) {
        if (sh->ext.has_hrr_group)
            jw_str(w, "selected_group", rn_group(sh->ext.hrr_group, b));
        else
            jw_null(w, "selected_group");
        jw_str(w, "cipher_suite", rn_suite(sh->suite, b));
        jw_str(w, "version", rn_version(sh->version, b));
        jw_bool(w, "cookie", sh->ext.cookie.len > 0);
        k_ext_names(w, "extensions", &sh->ext.all);
        return;
    }
    jw_str(w, "version", rn_version(sh->version, b));
    jw_str(w, "cipher_suite", rn_suite(sh->suite, b));
    if (sh->ext.n_key_shares)
        jw_str(w, "group", rn_group(sh->ext.key_shares[0].group, b));
    else
        jw_null(w, "group");
    if (sh->ext.alpn.n)
        jw_bytes(w, "alpn", sh->ext.alpn.v[0].p, sh->ext.alpn.v[0].len);
    else
        jw_null(w, "alpn");
    k_ext_names(w, "extensions", &sh->ext.all);
    jw_u64(w, "session_id_length", sh->session_id.len);
    jw_bool(w, "psk", sh->ext.has_psk);
    jw_bool(w, "downgrade_sentinel", sh->downgrade_tls12 || sh->downgrade_tls11);
    char ja3s[1024], md5[33];
    bool ok = tp_ja3s_memo(jm, sh, ja3s, sizeof ja3s, md5);
    jw_str(w, "ja3s", ok ? ja3s : NULL);
    jw_str(w, "ja3s_hash", md5);
}

/* Two numbers of a message: a count and a length. */
static void j_counts(struct jw *w, const char *k1, unsigned long long v1, const char *k2, unsigned long long v2)
{
    jw_u64(w, k1, v1);
    jw_u64(w, k2, v2);
}

static void j_details(struct jw *w, const struct rmsg *r, struct tp_render_memo *memo)
{
    char b[16];
    switch (r->kind) {
    case RM_CH: j_client_hello(w, &r->u.ch, memo); break;
    case RM_SH: j_server_hello(w, &r->u.sh, rj_ja(memo)); break;
    case RM_EE:
        if (r->u.ee.ext.alpn.n)
            jw_bytes(w, "alpn", r->u.ee.ext.alpn.v[0].p, r->u.ee.ext.alpn.v[0].len);
        else
            jw_null(w, "alpn");
        k_ext_names(w, "extensions", &r->u.ee.ext.all);
        break;
    case RM_CERT:
        jw_u64(w, "certificate_count", r->u.cert.n_total);
        break;
    case RM_CR:
        k_u16_names(w, "signature_algorithms", r->u.cr.sig_algs.v, r->u.cr.sig_algs.n, rn_sigalg);
        jw_u64(w, "ca_name_count", r->u.cr.ca_names.n_total);
        jw_key(w, "ca_names");
        jw_open(w, '[');
        for (size_t i = 0; i < r->u.cr.ca_names.n; i++) {
            char dn[512];
            tp_dn_text(r->u.cr.ca_names.v[i], dn, sizeof dn);
            jw_item(w);
            tp_sb_put_json_str(w->o, dn);
        }
        jw_close(w, ']');
        break;
    case RM_SKE:
        jw_str(w, "kx", rn_kx(r->u.ske.kx));
        /* every key always present: null when the key exchange has none */
        jw_str(w, "group", r->u.ske.kx == TP_KX_ECDHE || r->u.ske.kx == TP_KX_ECDHE_PSK
                               ? rn_group(r->u.ske.group, b) : NULL);
        if (r->u.ske.kx == TP_KX_DHE || r->u.ske.kx == TP_KX_DHE_PSK)
            jw_u64(w, "dh_bits", r->u.ske.dh_p_bits);
        else
            jw_null(w, "dh_bits");
        jw_str(w, "signature_scheme", r->u.ske.has_sig_scheme ? rn_sigalg(r->u.ske.sig_scheme, b) : NULL);
        break;
    case RM_CKE:
        jw_str(w, "kx", rn_kx(r->u.cke.kx));
        break;
    case RM_CV:
        jw_str(w, "signature_scheme", r->u.cv.has_scheme ? rn_sigalg(r->u.cv.scheme, b) : NULL);
        break;
    case RM_FIN:
        jw_u64(w, "verify_data_length", r->u.fin.verify_data.len);
        break;
    case RM_NST:
        j_counts(w, "lifetime_seconds", r->u.nst.lifetime, "ticket_length", r->u.nst.ticket.len);
        break;
    case RM_KU:
        jw_bool(w, "update_requested", r->u.ku.request_update != 0);
        break;
    case RM_CS:
        j_counts(w, "status_type", r->u.cs.status_type, "response_length", r->u.cs.response.len);
        break;
    case RM_NONE:
        break;
    }
}

static void j_message(struct jw *w, const struct tp_session *s, const struct rmsg *r, size_t idx,
                      struct tp_render_memo *memo)
{
    const struct tp_msg *m = r->m;
    char b[16];
    jw_item(w);
    jw_open(w, '{');
    jw_str(w, "dir", rn_dir(m->dir));
    jw_str(w, "type", r->type);
    jw_ms(w, "t_ms", m->t_us < 0 ? 0 : m->t_us);
    jw_u64(w, "length", m->length);
    jw_bool(w, "decrypted", m->decrypted);
    /* every message: null unless its bytes did not decode */
    bool parsed = m->kind != TP_MSG_ALERT && m->kind != TP_MSG_ENCRYPTED && m->kind != TP_MSG_CCS;
    jw_str(w, "parse_error", parsed && r->perr != TP_OK ? tp_err_text(r->perr) : NULL);
    if (m->kind == TP_MSG_ALERT) {
        const char *lv = tp_name_alert_level(m->alert_level);
        rj_alert(w, rn_alert(m->alert_desc, b), m->alert_desc, lv ? lv : "unknown",
                 m->dir == TP_C2S ? "client" : "server");
        jw_str(w, "meaning", tp_alert_meaning(m->alert_desc));
        /* Which step the alert answered: the last message from the other side. */
        char tb[32];
        int prev = -1;
        for (size_t i = idx; i-- > 0;)
            if (s->msgs[i].dir != m->dir) {
                prev = (int)i;
                break;
            }
        jw_str(w, "after", prev >= 0 ? rm_type(&s->msgs[prev], tb) : NULL);
    } else if (m->kind == TP_MSG_ENCRYPTED) {
        jw_u64(w, "content_type", m->record_type);
    } else if (m->kind != TP_MSG_CCS) {
        j_details(w, r, memo);
    }
    jw_close(w, '}');
}

static void j_cert(struct jw *w, const struct tp_chain *c, size_t i, struct tp_render_memo *memo)
{
    jw_item(w);
    if (c->info[i]) {
        rc_cert_json(w->o, c->info[i], memo);
        return;
    }
    /* Could not be summarised: say so, with what we still know. */
    uint8_t h[WC_SHA256_DIGEST_SIZE];
    bool hashed = c->der[i].p && wc_Sha256Hash(c->der[i].p, (word32)c->der[i].len, h) == 0;
    rc_cert_unparsed_json(w, hashed ? h : NULL, c->der[i].len);
}

static void j_chain(struct jw *w, const char *k, const struct tp_chain *c, struct tp_render_memo *memo)
{
    jw_key(w, k);
    jw_open(w, '[');
    for (size_t i = 0; i < c->n; i++)
        j_cert(w, c, i, memo);
    jw_close(w, ']');
}

/* Where a path element came from, in enum tp_path_src order. */
static const char *const path_src[] = { "sent", "intermediates", "aia", "store" };
_Static_assert(sizeof path_src / sizeof path_src[0] == TP_FROM_STORE + 1, "path_src");
/* Who checked what: "purpose" of each verification key. */
static const char *const purpose_names[] = { "server", "client" };

static const struct jw_field problem_fields[] = {
    JW_FIELD("id", JW_TEXT, struct tp_path_problem, id),
    JW_FIELD("index", JW_INT, struct tp_path_problem, index),
    JW_FIELD("by_index", JW_INT, struct tp_path_problem, by_index),
    JW_FIELD("text", JW_TEXT, struct tp_path_problem, text),
};

static const struct jw_field search_fields[] = {
    JW_FIELD("paths_judged", JW_SIZE, struct tp_verify_result, n_paths),
    JW_FIELD("signature_checks", JW_UINT, struct tp_verify_result, sig_checks),
    JW_FIELD("search_limited", JW_BOOL, struct tp_verify_result, search_limited),
};

void rj_path_checks(struct jw *w, const struct tp_verify_result *v)
{
    jw_key(w, "problems");
    jw_open(w, '[');
    for (size_t i = 0; i < v->n_problems; i++)
        jw_object(w, NULL, &v->problems[i], problem_fields, JW_N(problem_fields));
    jw_close(w, ']');
    jw_key(w, "paths_tried");
    jw_open(w, '[');
    for (size_t i = 0; i < v->n_tried; i++)
        jw_istr(w, v->tried[i].text);
    jw_close(w, ']');
    jw_fields(w, v, search_fields, JW_N(search_fields));
}

static void j_path(struct jw *w, const struct tp_verify_result *v)
{
    jw_key(w, "path");
    jw_open(w, '[');
    for (size_t i = 0; i < v->path_len; i++) {
        const struct tp_path_elem *pe = &v->path[i];
        jw_item(w);
        jw_open(w, '{');
        jw_str(w, "subject", pe->cert ? pe->cert->subject : NULL);
        jw_str(w, "origin", RN_ENUM(path_src, pe->src, "sent"));
        if (pe->src == TP_FROM_SENT && pe->sent_index >= 0)
            jw_i64(w, "sent_index", pe->sent_index);
        else
            jw_null(w, "sent_index");
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

/* The one verification object: sessions' server_verification /
 * client_verification and check's (which also says when it judged: at). */
void rj_verify(struct jw *w, const char *k, const struct tp_verify_result *v, bool client, time_t at)
{
    jw_key(w, k);
    if (!v) {
        tp_sb_put(w->o, "null");
        return;
    }
    jw_open(w, '{');
    jw_str(w, "status", rn_path_status(v->status));
    j_path(w, v);
    jw_chars(w, "missing_issuer", v->missing_issuer, sizeof v->missing_issuer);
    jw_chars(w, "store", v->store_desc, sizeof v->store_desc);
    jw_bool(w, "order_ok", v->order_ok);
    jw_bool(w, "root_sent", v->root_sent);
    jw_u64(w, "extra_certificate_count", v->n_extra);
    jw_chars(w, "name", v->name, sizeof v->name);
    jw_str(w, "name_status", rn_name_status(v->name_status));
    jw_str(w, "purpose", purpose_names[client]);
    if (at > 0)
        jw_time(w, "at", at);
    else
        jw_null(w, "at");
    jw_bool(w, "aia_tried", v->aia_tried);
    if (v->aia_tried) {
        jw_bool(w, "aia_ok", v->aia_ok);
        jw_str(w, "aia_url", v->aia_url);
    } else {
        jw_null(w, "aia_ok");
        jw_null(w, "aia_url");
    }
    jw_str(w, "aia_error", v->aia_tried && v->aia_error[0] ? v->aia_error : NULL);
    /* the strict verdict and why (RFC 5280 §6.1, x509/verify.c) */
    jw_bool(w, "valid", v->valid);
    jw_chars(w, "reject", v->reject_id, sizeof v->reject_id);
    rj_path_checks(w, v);
    rj_trust(w, "trust_stores", &v->trust); /* which public stores hold the root */
    rj_ct(w, v->ct);
    jw_close(w, '}');
}

void rj_line_head(struct jw *w, const char *type, const char *source)
{
    jw_u64(w, "schema_version", TP_JSON_SCHEMA_VERSION);
    jw_str(w, "type", type);
    jw_str(w, "source", source);
}

/* "ADDR:PORT", "[v6]:PORT", or connect's unresolved "HOST:PORT" (no IP). */
void rj_address(struct jw *w, const char *k, const char *addr, size_t cap)
{
    char key[48], ip[64] = "";
    size_t n = strnlen(addr, cap);
    long port = -1;
    jw_chars(w, k, addr, cap);
    const char *colon = n ? memrchr(addr, ':', n) : NULL;
    if (colon && colon[1]) {
        char *end;
        port = strtol(colon + 1, &end, 10);
        if (*end && end < addr + n)
            port = -1;
        const char *a = addr;
        size_t al = (size_t)(colon - addr);
        if (al >= 2 && a[0] == '[' && a[al - 1] == ']') {
            a++;
            al -= 2;
        }
        unsigned char bin[16];
        if (al < sizeof ip) {
            memcpy(ip, a, al);
            ip[al] = 0;
            if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1)
                ip[0] = 0;
        }
    }
    snprintf(key, sizeof key, "%s_ip", k);
    jw_str(w, key, ip[0] ? ip : NULL);
    snprintf(key, sizeof key, "%s_port", k);
    if (port >= 0 && port <= 65535)
        jw_i64(w, key, port);
    else
        jw_null(w, key);
}

void rj_alert(struct jw *w, const char *name, unsigned code, const char *level, const char *sent_by)
{
    jw_str(w, "name", name);
    jw_u64(w, "code", code);
    jw_str(w, "level", level);
    jw_str(w, "sent_by", sent_by);
}

/* The one writer of the finding object: sessions, check and explain. */
void rj_finding(struct jw *w, const struct rj_finding *f)
{
    jw_open(w, '{');
    jw_str(w, "id", f->id);
    jw_str(w, "severity", f->severity);
    jw_str(w, "summary", f->summary);
    jw_str(w, "explanation", f->explanation);
    jw_str(w, "fix", f->fix);
    jw_str(w, "reference", f->reference);
    jw_str(w, "stack_fix", f->stack_fix); /* --stack's fix; null without --stack or when the table has none */
    jw_close(w, '}');
}

void rj_findings(struct jw *w, const struct tp_session *s, const struct tp_render_opts *o)
{
    jw_key(w, "findings");
    jw_open(w, '[');
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct tp_finding *f = &s->findings[i];
        struct rj_finding v = { f->id, rn_severity(f->severity), f->summary, f->explanation, f->fix, f->reference,
                                NULL };
        if (o && o->stack)
            v.stack_fix = tp_explain_stack_fix(f->id, o->stack, rs_stack_side(s));
        jw_item(w);
        rj_finding(w, &v);
    }
    jw_close(w, ']');
}

/* "schema_version" to "client_auth_requested": what the line is, who, what
 * was agreed, the status line. */
static void j_head(struct jw *w, const struct tp_session *s, const struct tp_render_opts *o)
{
    char b[16];
    rj_line_head(w, "session", o->source ? o->source : rn_source(s->source));
    jw_str(w, "scenario", o->scenario);
    jw_str(w, "stack", o->stack);
    rj_address(w, "client", s->client, sizeof s->client);
    rj_address(w, "server", s->server, sizeof s->server);
    if (s->server_name)
        jw_bytes(w, "server_name", (const uint8_t *)s->server_name, s->server_name_len);
    else
        jw_null(w, "server_name");
    /* the name as typed (Unicode): an internationalised --servername, else the target */
    jw_str(w, "host", s->server_name_unicode ? s->server_name_unicode : s->host);
    jw_str(w, "version", s->version ? rn_version(s->version, b) : NULL);
    jw_str(w, "cipher", s->has_cipher ? rn_suite(s->cipher, b) : NULL);
    jw_chars(w, "alpn", s->alpn, sizeof s->alpn);
    jw_bool(w, "handshake_complete", s->handshake_complete);
    char st[512];
    rs_status_line(s, st, sizeof st);
    jw_str(w, "status_line", st); /* the text header's words (issue 16) */
    jw_str(w, "offered_max_version", s->offered_max_version ? rn_version(s->offered_max_version, b) : NULL);
    jw_bool(w, "resumed", s->resumed);
    jw_bool(w, "hello_retry", s->hrr);
    jw_bool(w, "client_auth_requested", s->client_auth_requested);
}

static void j_outcome(struct jw *w, const struct tp_session *s)
{
    jw_key(w, "outcome");
    jw_open(w, '{');
    jw_str(w, "status", rn_conn_status(s->outcome.status));
    jw_chars(w, "detail", s->outcome.detail, sizeof s->outcome.detail);
    jw_i64(w, "lib_error", s->outcome.lib_error);
    size_t bl = s->outcome.peer_banner_len;
    if (bl)
        jw_bytes(w, "peer_banner", (const uint8_t *)s->outcome.peer_banner,
                 bl < sizeof s->outcome.peer_banner ? bl : sizeof s->outcome.peer_banner);
    else
        jw_null(w, "peer_banner");
    jw_close(w, '}');
}

static void j_decode(struct jw *w, const struct tp_session *s)
{
    jw_key(w, "decode");
    jw_open(w, '{');
    for (int d = 0; d < 2; d++) {
        const struct tp_decode_facts *df = &s->decode[d];
        bool any = df->issue != TP_DEC_NONE;
        jw_key(w, d == TP_C2S ? "c2s" : "s2c");
        jw_open(w, '{');
        jw_str(w, "issue", any ? tp_decode_issue_name(df->issue) : NULL);
        if (any)
            jw_u64(w, "offset", df->offset);
        else
            jw_null(w, "offset");
        if (df->issue == TP_DEC_RECORD_TOO_LONG || df->issue == TP_DEC_HS_TOO_LARGE)
            jw_u64(w, "claimed_len", df->claimed_len);
        else
            jw_null(w, "claimed_len");
        jw_str(w, "hs_type", df->issue == TP_DEC_HS_TOO_LARGE || df->issue == TP_DEC_BAD_MESSAGE
                                 ? tp_name_hs_type(df->hs_type) : NULL);
        jw_u64(w, "bytes", df->bytes);
        jw_u64(w, "records", df->records);
        jw_close(w, '}');
    }
    jw_close(w, '}');
}

/* When the handshake completed: the later of the two Finished messages (the
 * peer's for the side that finished last); -1 when it did not complete or a
 * Finished was not seen (encrypted without keys). */
static int64_t handshake_done_us(const struct tp_session *s)
{
    if (!s->handshake_complete)
        return -1;
    int64_t fin[2] = { -1, -1 };
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        if (m->kind == TP_MSG_HANDSHAKE && m->hs_type == TP_HS_FINISHED && fin[m->dir & 1] < 0)
            fin[m->dir & 1] = m->t_us < 0 ? 0 : m->t_us;
    }
    if (fin[0] < 0 || fin[1] < 0)
        return -1;
    return fin[0] > fin[1] ? fin[0] : fin[1];
}

static void j_timings(struct jw *w, const struct tp_session *s, const struct tp_render_opts *o)
{
    jw_key(w, "timings");
    jw_open(w, '{');
    if (s->start_us > 0 && !o->no_times)
        jw_time(w, "start", (time_t)(s->start_us / 1000000));
    else
        jw_null(w, "start");
    jw_ms(w, "dns_ms", s->t_dns_us);
    jw_ms(w, "connect_ms", s->t_connect_us);
    jw_ms(w, "rtt_ms", s->rtt_us);
    jw_ms(w, "handshake_ms", handshake_done_us(s));
    jw_ms(w, "last_message_ms", s->n_msgs ? s->msgs[s->n_msgs - 1].t_us : -1);
    jw_close(w, '}');
}

/* "keys_missing" to "capture": what was decrypted, carried and lost. */
static void j_traffic(struct jw *w, const struct tp_session *s)
{
    jw_bool(w, "keys_missing", s->keys_missing);
    jw_bool(w, "decrypt_failed", s->decrypt_failed);
    const char *why = tp_undecrypted_name(s->undecrypted);
    if (why)
        jw_str(w, "undecrypted_reason", why);
    else
        jw_null(w, "undecrypted_reason");
    jw_key(w, "appdata");
    jw_open(w, '{');
    for (int d = 0; d < 2; d++) {
        jw_key(w, d == 0 ? "c2s" : "s2c");
        jw_open(w, '{');
        jw_u64(w, "records", s->appdata_records[d]);
        jw_u64(w, "bytes", s->appdata_bytes[d]);
        jw_close(w, '}');
    }
    jw_close(w, '}');
    jw_u64(w, "alert_count", s->alerts_total);
    jw_u64(w, "dropped_message_count", s->n_msgs_dropped);
    if (s->source != TP_SRC_PCAP) {
        jw_null(w, "capture");
        return;
    }
    jw_key(w, "capture");
    jw_open(w, '{');
    jw_u64(w, "retransmissions_c2s", s->retransmissions[0]);
    jw_u64(w, "retransmissions_s2c", s->retransmissions[1]);
    jw_u64(w, "lost_bytes_c2s", s->gap_bytes[0]);
    jw_u64(w, "lost_bytes_s2c", s->gap_bytes[1]);
    jw_bool(w, "started_mid_connection", s->started_mid_connection[0] || s->started_mid_connection[1]);
    jw_close(w, '}');
}

/* The lines of a plain-text exchange (STARTTLS's, the proxy's CONNECT). */
static void j_lines(struct jw *w, const char *key, const struct tp_session *s, const struct tp_render_opts *o,
                    const struct tp_plain_line *lines, size_t n_lines)
{
    jw_key(w, key);
    jw_open(w, '[');
    for (size_t i = 0; i < n_lines; i++) {
        const struct tp_plain_line *l = &lines[i];
        jw_item(w);
        jw_open(w, '{');
        jw_str(w, "dir", rn_dir(l->dir));
        int64_t t = l->t_us - s->start_us;
        if (o->no_times)
            jw_null(w, "t_ms");
        else
            jw_ms(w, "t_ms", t < 0 ? 0 : t);
        jw_bytes(w, "text", (const uint8_t *)l->text, l->len);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void j_plain_lines(struct jw *w, const struct tp_session *s, const struct tp_render_opts *o,
                          const struct tp_plain_line *lines, size_t n_lines)
{
    j_lines(w, "exchange", s, o, lines, n_lines);
}

/* capture: the comments on the session's packets (pcapng opt_comment). */
static void j_comments(struct jw *w, const struct tp_session *s, const struct tp_render_opts *o)
{
    j_lines(w, "comments", s, o, s->comments, s->n_comments);
    jw_u64(w, "comments_dropped", s->n_comments_dropped);
}

/* connect --starttls: null, or the plain-text exchange before TLS. */
static void j_starttls(struct jw *w, const struct tp_session *s, const struct tp_render_opts *o)
{
    const struct tp_starttls *st = &s->starttls;
    if (!st->protocol[0]) {
        jw_null(w, "starttls");
        return;
    }
    jw_key(w, "starttls");
    jw_open(w, '{');
    jw_str(w, "protocol", st->protocol);
    jw_str(w, "status", tp_starttls_status_name(st->status));
    jw_chars(w, "detail", st->detail, sizeof st->detail);
    jw_u64(w, "lines_dropped", st->n_lines_dropped);
    j_plain_lines(w, s, o, st->lines, st->n_lines);
    jw_close(w, '}');
}

/* connect --proxy: null, or the proxy and its CONNECT exchange (the password
 * never in it). */
static void j_proxy(struct jw *w, const struct tp_session *s, const struct tp_render_opts *o)
{
    const struct tp_proxy *px = &s->proxy;
    if (px->status == TP_PROXY_NONE) {
        jw_null(w, "proxy");
        return;
    }
    jw_key(w, "proxy");
    jw_open(w, '{');
    jw_chars(w, "url", px->url, sizeof px->url);
    jw_chars(w, "source", px->source, sizeof px->source);
    jw_str(w, "status", tp_proxy_status_name(px->status));
    if (px->address[0])
        jw_chars(w, "address", px->address, sizeof px->address);
    else
        jw_null(w, "address");
    jw_bool(w, "credentials_sent", px->credentials);
    if (px->code)
        jw_u64(w, "status_code", (unsigned long long)px->code);
    else
        jw_null(w, "status_code");
    if (px->code)
        jw_chars(w, "reason", px->reason, sizeof px->reason);
    else
        jw_null(w, "reason");
    if (px->detail[0])
        jw_chars(w, "detail", px->detail, sizeof px->detail);
    else
        jw_null(w, "detail");
    jw_u64(w, "lines_dropped", px->n_lines_dropped);
    j_plain_lines(w, s, o, px->lines, px->n_lines);
    jw_close(w, '}');
}

static void j_messages(struct jw *w, const struct tp_session *s, struct tp_render_memo *memo)
{
    jw_key(w, "messages");
    jw_open(w, '[');
    struct rmsg *r = malloc(sizeof *r);
    for (size_t i = 0; r && i < s->n_msgs; i++) {
        rm_parse(s, &s->msgs[i], r);
        j_message(w, s, r, i, memo);
    }
    free(r);
    if (!r)
        w->o->oom = true;
    jw_close(w, ']');
}

void tp_render_json_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o)
{
    struct jw w;
    jw_init(&w, out);
    jw_open(&w, '{');
    j_head(&w, s, o);
    char cid[TP_COMMUNITY_ID_LEN]; /* the flow's Community ID v1, seed 0 (issue 18 item 7) */
    jw_str(&w, "community_id", tp_session_community_id(s, 0, cid) ? cid : NULL);
    j_outcome(&w, s);
    j_decode(&w, s);
    j_timings(&w, s, o);
    j_traffic(&w, s);
    j_proxy(&w, s, o);
    j_starttls(&w, s, o);
    j_comments(&w, s, o);
    j_messages(&w, s, o->memo);
    rj_ja4s(&w, s, o->memo); /* JA4+ (docs/fingerprints.md) */
    j_chain(&w, "certificates", &s->server_chain, o->memo);
    jw_u64(&w, "certificate_count", s->server_chain.n_total);
    j_chain(&w, "client_certificates", &s->client_chain, o->memo);
    rj_verify(&w, "server_verification", s->server_verify, false, (time_t)s->judge_time);
    rj_verify(&w, "client_verification", s->client_verify, true, (time_t)s->judge_time);
    rj_ocsp(&w, "ocsp", s->staple, (time_t)(s->judge_time ? s->judge_time : s->capture_time ? s->capture_time
                                                                                          : time(NULL)));
    rj_crl(&w, "crl", s->crl_check, (time_t)(s->judge_time ? s->judge_time : s->capture_time ? s->capture_time
                                                                                              : time(NULL)));
    rj_findings(&w, s, o);
    jw_close(&w, '}');
    tp_sb_putc(out, '\n');
}
