/* The transcript object: messages, chains, findings, lifetime. The stream
 * decoder that fills it lives in decoder.c. */
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/array.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/session.h"
#include "tlsprobe/x509.h"
#include "session/internal.h"

struct tp_session *tp_session_new(enum tp_source src, int64_t start_us)
{
    struct tp_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->source = src;
    s->start_us = start_us;
    s->t_dns_us = s->t_connect_us = -1;
    s->rtt_us = -1;
    s->dec = tp_decoder_new();
    if (!s->dec) {
        free(s);
        return NULL;
    }
    return s;
}

static void chain_free(struct tp_cert_cache *cc, struct tp_chain *c)
{
    for (size_t i = 0; i < c->n; i++) {
        tp_cert_cache_put(cc, c->info[i], c->der[i].p, c->der[i].len);
        free((void *)(uintptr_t)c->der[i].p); /* the chain owns its copy */
    }
    memset(c, 0, sizeof *c);
}

/* The message arena: chunks of at least TP_ARENA_CHUNK bytes (a message larger
 * than that gets a chunk of its own size). */
#define TP_ARENA_CHUNK 512
struct tp_msg_arena {
    struct tp_msg_arena *next;
    size_t used, cap;
    uint8_t data[];
};

uint8_t *tp_session_arena_copy(struct tp_session *s, const uint8_t *p, size_t n)
{
    struct tp_msg_arena *a = s->msg_arena;
    size_t need = n ? n : 1;
    if (!a || a->cap - a->used < need) {
        size_t cap = need > TP_ARENA_CHUNK ? need : TP_ARENA_CHUNK;
        struct tp_msg_arena *c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        /* keep filling the chunk with the most room left at the head */
        if (a && a->cap - a->used >= cap - need) {
            c->next = a->next;
            a->next = c;
        } else {
            c->next = a;
            s->msg_arena = c;
        }
        a = c;
    }
    uint8_t *q = a->data + a->used;
    if (n)
        memcpy(q, p, n);
    a->used += need;
    return q;
}

void tp_session_free(struct tp_session *s)
{
    if (!s)
        return;
    tp_decoder_free(s->dec, s->worker);
    for (size_t i = 0; i < s->n_msgs; i++)
        if (!s->msgs[i].raw_in_arena)
            free(s->msgs[i].raw);
    for (struct tp_msg_arena *a = s->msg_arena, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    free(s->msgs);
    chain_free(s->cert_cache, &s->server_chain);
    chain_free(s->cert_cache, &s->client_chain);
    tp_session_free_findings(s);
    for (size_t i = 0; i < s->starttls.n_lines; i++)
        free(s->starttls.lines[i].text);
    free(s->starttls.lines);
    for (size_t i = 0; i < s->proxy.n_lines; i++)
        free(s->proxy.lines[i].text);
    free(s->proxy.lines);
    for (size_t i = 0; i < s->n_comments; i++)
        free(s->comments[i].text);
    free(s->comments);
    free(s->server_name);
    free(s->host);
    free(s->server_name_unicode);
    tp_verify_result_free(s->server_verify);
    tp_verify_result_free(s->client_verify);
    tp_staple_free(s->staple);
    tp_crl_check_free(s->crl_check);
    free(s);
}

enum tp_err tp_plain_lines_add(struct tp_plain_line **lines, size_t *n_lines, size_t *cap_lines, size_t *dropped,
                               enum tp_dir dir, const char *text, size_t len, int64_t t_us)
{
    if (*n_lines >= TP_MAX_PLAIN_LINES) {
        (*dropped)++;
        return TP_OK;
    }
    if (len > TP_MAX_PLAIN_LINE)
        len = TP_MAX_PLAIN_LINE;
    if (!TP_ARRAY_RESERVE(*lines, *n_lines, *cap_lines, 8, TP_MAX_PLAIN_LINES))
        return TP_ERR_NOMEM;
    char *copy = malloc(len + 1);
    if (!copy)
        return TP_ERR_NOMEM;
    if (len)
        memcpy(copy, text, len);
    copy[len] = 0;
    (*lines)[(*n_lines)++] = (struct tp_plain_line){ .dir = dir, .t_us = t_us, .text = copy, .len = len };
    return TP_OK;
}

enum tp_err tp_session_add_plain(struct tp_session *s, enum tp_dir dir, const char *text, size_t len, int64_t t_us)
{
    struct tp_starttls *st = &s->starttls;
    return tp_plain_lines_add(&st->lines, &st->n_lines, &st->cap_lines, &st->n_lines_dropped, dir, text, len, t_us);
}

enum tp_err tp_session_add_comment(struct tp_session *s, enum tp_dir dir, const char *text, size_t len, int64_t t_us)
{
    return tp_plain_lines_add(&s->comments, &s->n_comments, &s->cap_comments, &s->n_comments_dropped, dir, text, len, t_us);
}

enum tp_err tp_session_add_proxy_line(struct tp_session *s, enum tp_dir dir, const char *text, size_t len,
                                      int64_t t_us)
{
    struct tp_proxy *px = &s->proxy;
    return tp_plain_lines_add(&px->lines, &px->n_lines, &px->cap_lines, &px->n_lines_dropped, dir, text, len, t_us);
}

const char *tp_proxy_status_name(enum tp_proxy_status st)
{
    static const char *const names[] = { "none", "ok", "bypassed", "unreachable", "auth-required", "refused",
                                         "upstream-failed", "bad-reply" };
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "none";
}

const char *tp_starttls_status_name(enum tp_starttls_status st)
{
    static const char *const names[] = { "none", "ok", "unavailable", "refused", "unexpected", "timeout", "closed" };
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "none";
}

void tp_session_free_findings(struct tp_session *s)
{
    for (size_t i = 0; i < s->n_findings; i++) {
        free(s->findings[i].summary);
        free(s->findings[i].explanation);
        free(s->findings[i].fix);
    }
    free(s->findings);
    s->findings = NULL;
    s->n_findings = s->cap_findings = 0;
}

void tp_session_set_keylog(struct tp_session *s, const struct tp_keylog *kl)
{
    if (s && s->dec)
        tp_decoder_set_keylog(s->dec, kl);
}

void tp_session_own_direction(struct tp_session *s, enum tp_dir dir)
{
    if (s && s->dec && (dir == TP_C2S || dir == TP_S2C))
        tp_decoder_own_direction(s->dec, dir);
}

enum tp_err tp_session_feed(struct tp_session *s, enum tp_dir dir, const uint8_t *p, size_t len, int64_t t_us)
{
    if (!s || (dir != TP_C2S && dir != TP_S2C) || (!p && len))
        return TP_ERR_USAGE;
    if (!s->dec || !len)
        return TP_OK; /* finished sessions ignore late bytes */
    return tp_decoder_feed(s, dir, p, len, t_us);
}

enum tp_err tp_session_feed_datagram(struct tp_session *s, enum tp_dir dir, const uint8_t *p, size_t len,
                                     int64_t t_us)
{
    if (!s || (dir != TP_C2S && dir != TP_S2C) || (!p && len))
        return TP_ERR_USAGE;
    if (!s->dec || !len)
        return TP_OK;
    return tp_decoder_datagram(s, dir, p, len, t_us);
}

size_t tp_session_footprint(const struct tp_session *s)
{
    if (!s)
        return 0;
    size_t n = sizeof *s + tp_decoder_footprint(s->dec) + s->cap_msgs * sizeof *s->msgs;
    for (const struct tp_msg_arena *a = s->msg_arena; a; a = a->next)
        n += sizeof *a + a->cap;
    return n;
}

void tp_session_gap(struct tp_session *s, enum tp_dir dir, uint64_t lost_bytes, int64_t t_us)
{
    if (!s || (dir != TP_C2S && dir != TP_S2C))
        return;
    s->gap_bytes[dir] += lost_bytes;
    if (s->dec)
        tp_decoder_gap(s, dir, lost_bytes, t_us);
}

void tp_session_midstream(struct tp_session *s, enum tp_dir dir, uint64_t skipped_bytes, int64_t t_us)
{
    if (!s || (dir != TP_C2S && dir != TP_S2C))
        return;
    s->started_mid_connection[dir] = true;
    s->gap_bytes[dir] += skipped_bytes;
    if (s->dec)
        tp_decoder_midstream(s, dir, t_us);
}

static void chain_summarize(struct tp_cert_cache *cc, struct tp_chain *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->info[i] || !c->der[i].p)
            continue;
        c->info[i] = tp_cert_cache_get(cc, c->der[i].p, c->der[i].len);
    }
}

void tp_session_end_decoding(struct tp_session *s)
{
    if (!s || !s->dec)
        return;
    tp_decoder_flush(s);
    tp_decoder_free(s->dec, s->worker);
    s->dec = NULL;
}

void tp_session_finish(struct tp_session *s)
{
    if (!s)
        return;
    tp_session_end_decoding(s);
    /* Wire order for alerts: an alert stamped earlier than messages of the other
     * direction stored before it (its record's header arrived first, its body
     * after our answer) moves in front of them. Only past the other direction:
     * each direction's own order is its stream order. */
    for (size_t i = 1; i < s->n_msgs; i++) {
        if (s->msgs[i].kind != TP_MSG_ALERT)
            continue;
        for (size_t j = i; j > 0 && s->msgs[j - 1].dir != s->msgs[j].dir && s->msgs[j - 1].t_us > s->msgs[j].t_us;
             j--) {
            struct tp_msg tmp = s->msgs[j - 1];
            s->msgs[j - 1] = s->msgs[j];
            s->msgs[j] = tmp;
        }
    }
    chain_summarize(s->cert_cache, &s->server_chain); /* skips what is summarised already */
    chain_summarize(s->cert_cache, &s->client_chain);
}

struct tp_msg *tp_session_add_msg(struct tp_session *s, enum tp_dir dir, enum tp_msg_kind kind, int64_t t_us)
{
    if (s->n_msgs >= TP_MAX_SESSION_MESSAGES) {
        s->n_msgs_dropped++;
        return NULL;
    }
    if (!TP_ARRAY_RESERVE(s->msgs, s->n_msgs, s->cap_msgs, 16, TP_MAX_SESSION_MESSAGES)) {
        s->n_msgs_dropped++;
        return NULL;
    }
    struct tp_msg *m = &s->msgs[s->n_msgs++];
    memset(m, 0, sizeof *m);
    m->dir = dir;
    m->kind = kind;
    m->t_us = t_us - s->start_us;
    return m;
}

struct tp_finding *tp_session_add_finding(struct tp_session *s, const char *id, enum tp_severity sev)
{
    if (!TP_ARRAY_RESERVE(s->findings, s->n_findings, s->cap_findings, 8, 0))
        return NULL;
    struct tp_finding *f = &s->findings[s->n_findings++];
    memset(f, 0, sizeof *f);
    f->id = id;
    f->severity = sev;
    return f;
}

int tp_session_worst(const struct tp_session *s)
{
    int worst = -1;
    for (size_t i = 0; i < s->n_findings; i++)
        if ((int)s->findings[i].severity > worst)
            worst = (int)s->findings[i].severity;
    return worst;
}

int tp_session_prev_msg(const struct tp_session *s, size_t i, enum tp_dir dir)
{
    if (i > s->n_msgs)
        i = s->n_msgs;
    while (i-- > 0)
        if (s->msgs[i].dir == dir)
            return (int)i;
    return -1;
}

const struct tp_msg *tp_session_first_alert(const struct tp_session *s, int dir)
{
    for (size_t i = 0; i < s->n_msgs; i++)
        if (s->msgs[i].kind == TP_MSG_ALERT && (dir < 0 || (int)s->msgs[i].dir == dir))
            return &s->msgs[i];
    return NULL;
}

const char *tp_decode_issue_name(enum tp_decode_issue i)
{
    switch (i) {
    case TP_DEC_NONE: return "none";
    case TP_DEC_NOT_TLS: return "not-tls";
    case TP_DEC_BAD_RECORD: return "bad-record";
    case TP_DEC_RECORD_TOO_LONG: return "record-too-long";
    case TP_DEC_HS_TOO_LARGE: return "hs-too-large";
    case TP_DEC_BAD_MESSAGE: return "bad-message";
    case TP_DEC_TRUNCATED: return "truncated";
    case TP_DEC_GAP: return "gap";
    case TP_DEC_CIPHER_UNSUPPORTED: return "cipher-unsupported";
    case TP_DEC_DRAFT_PROTECTION: return "draft-record-protection";
    }
    return "unknown";
}

const char *tp_undecrypted_name(enum tp_undecrypted u)
{
    switch (u) {
    case TP_UNDEC_NONE: return NULL;
    case TP_UNDEC_NO_KEYS: return "no-keys";
    case TP_UNDEC_NO_KEYLOG_ENTRY: return "no-keylog-entry";
    case TP_UNDEC_NEEDS_KEYLOG: return "needs-keylog";
    case TP_UNDEC_RSA_NO_MATCH: return "rsa-key-mismatch";
    case TP_UNDEC_RSA_BAD_PREMASTER: return "rsa-bad-premaster";
    case TP_UNDEC_RSA_NOT_SEEN: return "rsa-exchange-not-captured";
    case TP_UNDEC_RESUMED: return "resumed";
    case TP_UNDEC_PSK: return "psk";
    case TP_UNDEC_NO_CLIENT_RANDOM: return "no-client-hello";
    case TP_UNDEC_DRAFT: return "tls13-draft";
    case TP_UNDEC_CIPHER: return "cipher-unsupported";
    case TP_UNDEC_AUTH_FAILED: return "auth-failed";
    case TP_UNDEC_GAP: return "gap";
    case TP_UNDEC_PSK_NO_MATCH: return "psk-mismatch";
    }
    return "unknown";
}

const char *tp_undecrypted_text(enum tp_undecrypted u)
{
    switch (u) {
    case TP_UNDEC_NONE: return NULL;
    case TP_UNDEC_NO_KEYS: return "no key log (--keylog) and no server key (--key) given";
    case TP_UNDEC_NO_KEYLOG_ENTRY: return "no key-log entry for this client random";
    case TP_UNDEC_NEEDS_KEYLOG:
        return "ECDHE/DHE key exchange (or TLS 1.3): a key log is needed (the server key cannot decrypt it)";
    case TP_UNDEC_RSA_NO_MATCH: return "RSA key exchange: no --key matches the server certificate";
    case TP_UNDEC_RSA_BAD_PREMASTER:
        return "RSA key exchange: the --key did not decrypt a valid premaster secret";
    case TP_UNDEC_RSA_NOT_SEEN:
        return "RSA key exchange: the ClientKeyExchange or the server certificate was not captured";
    case TP_UNDEC_RESUMED:
        return "resumed session: its master secret is the original session's (a key log is needed)";
    case TP_UNDEC_PSK: return "PSK key exchange: give the key with --psk IDENTITY:HEX, or a key log";
    case TP_UNDEC_NO_CLIENT_RANDOM: return "the ClientHello was not captured: no client random to look up";
    case TP_UNDEC_DRAFT: return "TLS 1.3 draft before 25: its record protection is not supported";
    case TP_UNDEC_CIPHER: return "keys found, but this cipher suite cannot be decrypted";
    case TP_UNDEC_AUTH_FAILED: return "keys found, but a record did not authenticate with them";
    case TP_UNDEC_GAP: return "bytes were lost in the capture: later records cannot be decrypted";
    case TP_UNDEC_PSK_NO_MATCH: return "PSK key exchange: no --psk for the identity the client named";
    }
    return "unknown";
}

void tp_session_set_cert_cache(struct tp_session *s, struct tp_cert_cache *cc)
{
    if (s)
        s->cert_cache = cc;
}
