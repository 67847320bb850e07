/* The capture decoder: packets -> flows (hash table + LRU) -> per-direction TCP
 * reassembly -> a TLS record walker -> tp_session_feed.
 *
 * Speed: one hash lookup per packet; the in-order path never copies or allocates;
 * once a flow's handshake is over and there are no keys for it, application-data
 * records are counted by walking their headers and never copied into the session.
 * Memory: at most max_flows flow structs; buffers only for out-of-order segments,
 * the short conflict history while a handshake is decoded, and the session. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/policy.h"
#include "tlsprobe/capture.h"
#include "tlsprobe/names.h"
#include "tlsprobe/plainwatch.h"
#include "tlsprobe/judge.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/framer.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/reader.h"
#include "tlsprobe/sct.h"
#include "tlsprobe/wire.h"
#include "tlsprobe/x509.h"
#include "capture/capture_int.h"
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/sha256.h>

/* Verification results kept (one per distinct chain + SNI + capture day). */
#define VERIFY_CACHE 256
struct vcache {
    uint8_t key[32];
    struct tp_verify_result *res;
    uint64_t used;
};

/* Bytes scanned for a plausible record header in a stream that started
 * mid-flow before we decide it is not TLS. */
#define RESYNC_SCAN_MAX (64 * 1024)

enum flow_state { F_NEW = 0, F_TLS, F_NOT_TLS, F_CLOSED };
enum end_reason { END_FIN, END_RST, END_EVICTED, END_EOF, END_BUDGET, END_UDP_EVICTED, END_UDP_IDLE };

/* A stream starts like TLS when its first 5 bytes are a plausible record header
 * or the start of an SSLv2-compatible ClientHello. */
#define CAPTURE_START TP_START_SSLV2_HELLO

struct walker {
    struct tp_framer fr; /* record boundaries (core/framer) */
    bool raw;            /* SSLv2 hello stream: the session gets everything */
    bool ccs;            /* a ChangeCipherSpec was seen */
    bool skipping;       /* application data is being counted, not fed */
    uint32_t n23;        /* application_data records seen */
    uint32_t scanned;    /* bytes scanned while resynchronising */
    uint64_t resync_skipped;
    uint64_t pending_gap;     /* skipped while resynchronising, not yet told to the session */
    bool gap_due;
    bool mid_start;      /* its start was not captured: the first resync is not a gap */
    bool defer;          /* the first handshake header came alone: on_record with its first body byte */
};

struct flow {
    uint32_t hash;
    uint32_t lru_prev, lru_next;      /* indices + 1, 0 = none */
    uint8_t ipver;
    uint8_t state;                    /* enum flow_state */
    int8_t client;                    /* side index of the client, -1 unknown */
    bool syn[2], fin[2], rst, keys_checked, has_keys, selected;
    bool midstream;                   /* a direction's start was not captured */
    uint32_t s2c_after_client_enc;    /* server application_data records after the client's first */
    uint8_t addr[2][16];
    uint16_t port[2];
    int64_t first_us, last_us, syn_us, synack_us;
    struct tp_tcp_dir tcp[2];         /* by side */
    struct walker w[2];               /* by side */
    struct tp_session *s;
    struct tp_plainwatch *pw;         /* a plain-text start being watched for STARTTLS, or NULL */
    struct tp_plain_line *cm;         /* its packets' comments (dir: the side, 0 or 1), for the session */
    size_t n_cm, cap_cm, cm_dropped, cm_bytes; /* cm_bytes: their texts, charged to the budget */
    unsigned long index;
    struct tp_capture *cap;
    size_t mem;                       /* bytes charged to the flows' memory budget */
};

/* --shard: a flow of another shard (see shard_keep) */
#define SHARD_CACHE 4096
struct shard_miss {
    uint32_t h;
    uint8_t ipver;
    uint16_t pa, pb;
    uint8_t a[16], b[16];
};

struct tp_capture {
    struct tp_capture_opts o;
    struct tp_tcp_pool tcp_pool;      /* the reading thread's TCP history buffers */
    struct tp_cert_cache *certs;      /* certificate summaries, lent to every session */
    struct tp_capture_stats st;
    struct flow *flows;               /* pool; grows to max_flows */
    uint32_t n_pool, cap_pool;
    uint32_t *free_list, n_free;
    uint32_t *slots;                  /* open addressing: flow index + 1, 0 empty */
    uint32_t slot_mask;
    uint32_t lru_head, lru_tail;      /* indices + 1 */
    uint32_t n_active;
    size_t mem;                       /* what the tracked flows hold (flow_charge), <= o.max_flow_memory */
    unsigned long next_index;
    atomic_bool done;                 /* --session N emitted (set by the finisher) */
    struct finisher fin;
    bool fin_behind;                  /* the finisher was behind at the last push */
    int64_t now_us;
    struct tp_store *store;
    bool store_tried;
    /* the CT log list (tlsprobe/sct.h), read with the store: the sandbox allows no
     * file opened later; NULL when it does not read (SCTs are then from unknown logs) */
    struct tp_ct_logs *ct_logs;
    char store_err[256];
    struct vcache vc[VERIFY_CACHE];
    uint64_t vc_clock;
    struct tp_worker *worker;         /* the reading thread's working memory */
    struct tp_trust_db *trust_db;     /* public trust-store data (NULL: not installed) */
    struct shard_miss *shard_cache;   /* --shard: flows of other shards seen lately */
    struct tp_udp_flows *udp;         /* DTLS flows (udp.c), made on the first UDP datagram */
    /* the next packet's comments (tp_capture_packet_comment): not owned, valid
     * during that packet's tp_capture_packet */
    struct { const char *p; size_t len; } pc[8];
    unsigned n_pc;
    struct tp_plain_line *fc;         /* the capture's comments (owned; st.comments) */
    size_t n_fc, cap_fc;
};

const char *tp_capture_store_error(const struct tp_capture *c)
{
    return c->store_err;
}

void tp_capture_preload(struct tp_capture *c)
{
    if (c->store_tried || c->o.no_verify)
        return;
    c->store_tried = true;
    if (tp_store_load(c->o.cafile, c->o.capath, &c->store, c->store_err, sizeof c->store_err) != TP_OK) {
        tp_store_free(c->store);
        c->store = NULL;
        if (!c->store_err[0])
            snprintf(c->store_err, sizeof c->store_err, "cannot load the trust store");
    }
    char terr[256];
    if (tp_trust_db_load_default(&c->trust_db, terr, sizeof terr) != TP_OK)
        c->trust_db = NULL; /* the public stores are then not judged */
    char err[160];
    if (tp_ct_logs_load(NULL, &c->ct_logs, err, sizeof err) != TP_OK)
        c->ct_logs = NULL;
}

/* The server chain as seen, judged at the capture time against the SNI. The
 * result is shared through the cache: the caller detaches it from the session
 * before the session is freed. */
static struct tp_verify_result *verify_cached(struct tp_capture *c, const struct tp_session *s)
{
    if (c->o.no_verify || !s->server_chain.n)
        return NULL;
    tp_capture_preload(c);
    if (!c->store)
        return NULL;
    char name[TP_MAX_NAME_LEN + 1] = "";
    bool has_name = false;
    if (s->server_name && s->server_name_len && s->server_name_len <= TP_MAX_NAME_LEN &&
        !memchr(s->server_name, 0, s->server_name_len)) {
        memcpy(name, s->server_name, s->server_name_len);
        name[s->server_name_len] = 0;
        has_name = true;
    }
    int64_t when = c->o.at ? c->o.at : s->capture_time; /* --at overrides the capture time */
    int64_t day = when / 86400;
    /* SCTs the server sent in TLS are judged with the chain (tlsprobe/sct.h): part of the key */
    struct tp_bytes tls_scts = tp_judge_tls_sct_list(s);
    uint8_t key[32];
    wc_Sha256 h;
    if (wc_InitSha256(&h) != 0)
        return NULL;
    for (size_t i = 0; i < s->server_chain.n; i++) {
        uint32_t l = (uint32_t)s->server_chain.der[i].len;
        wc_Sha256Update(&h, (const byte *)&l, sizeof l);
        wc_Sha256Update(&h, s->server_chain.der[i].p, (word32)s->server_chain.der[i].len);
    }
    wc_Sha256Update(&h, (const byte *)name, (word32)strlen(name) + 1);
    wc_Sha256Update(&h, (const byte *)&day, sizeof day);
    uint32_t tl = (uint32_t)tls_scts.len;
    wc_Sha256Update(&h, (const byte *)&tl, sizeof tl);
    if (tls_scts.len)
        wc_Sha256Update(&h, tls_scts.p, (word32)tls_scts.len);
    wc_Sha256Final(&h, key);
    wc_Sha256Free(&h);
    size_t victim = 0;
    for (size_t i = 0; i < VERIFY_CACHE; i++) {
        if (c->vc[i].res && !memcmp(c->vc[i].key, key, 32)) {
            c->vc[i].used = ++c->vc_clock;
            c->st.verify_cache_hits++;
            return c->vc[i].res;
        }
        if (c->vc[i].used < c->vc[victim].used)
            victim = i;
    }
    struct tp_verify_opts vo = {
        .store = c->store,
        .host = has_name ? name : NULL,
        .purpose = TP_PURPOSE_SERVER,
        .aia = false, /* a capture decoder never goes to the network */
        .now = (time_t)when,
        .expiring_days = TP_POLICY_EXPIRY_WARN_DAYS,
        .trust_db = c->trust_db,
    };
    vo.n_sent_total = s->server_chain.n_total;
    vo.ct_tls_list = tls_scts;
    vo.ct_logs = c->ct_logs;
    struct tp_verify_result *vr = NULL;
    if (tp_chain_verify(s->server_chain.der, s->server_chain.n, &vo, &vr) != TP_OK) {
        tp_verify_result_free(vr);
        return NULL;
    }
    c->st.chains_verified++;
    tp_verify_result_free(c->vc[victim].res);
    memcpy(c->vc[victim].key, key, 32);
    c->vc[victim].res = vr;
    c->vc[victim].used = ++c->vc_clock;
    return vr;
}

/* ---- hashing ---- */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t ep_hash(uint8_t ipver, const uint8_t *a, uint16_t port)
{
    uint64_t h = port;
    uint64_t w0, w1;
    memcpy(&w0, a, 8);
    memcpy(&w1, a + 8, 8);
    h = mix64(h ^ (ipver == 6 ? mix64(w0) ^ w1 : w0 & 0xffffffffULL));
    return h;
}

/* Direction-independent: both sides of a connection hash the same. */
static uint32_t tuple_hash(uint8_t ipver, const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb)
{
    uint64_t h1 = ep_hash(ipver, a, pa), h2 = ep_hash(ipver, b, pb);
    uint64_t lo = h1 < h2 ? h1 : h2, hi = h1 < h2 ? h2 : h1;
    return (uint32_t)mix64(lo * 0x9e3779b97f4a7c15ULL + hi);
}

static int match_side(const struct flow *f, const struct tp_pkt *p)
{
    size_t n = p->ipver == 6 ? 16 : 4;
    if (f->ipver != p->ipver)
        return -1;
    if (f->port[0] == p->sport && f->port[1] == p->dport && !memcmp(f->addr[0], p->src, n) &&
        !memcmp(f->addr[1], p->dst, n))
        return 0;
    if (f->port[1] == p->sport && f->port[0] == p->dport && !memcmp(f->addr[1], p->src, n) &&
        !memcmp(f->addr[0], p->dst, n))
        return 1;
    return -1;
}

/* ---- LRU ---- */
static void lru_unlink(struct tp_capture *c, uint32_t i)
{
    struct flow *f = &c->flows[i];
    if (f->lru_prev)
        c->flows[f->lru_prev - 1].lru_next = f->lru_next;
    else
        c->lru_head = f->lru_next;
    if (f->lru_next)
        c->flows[f->lru_next - 1].lru_prev = f->lru_prev;
    else
        c->lru_tail = f->lru_prev;
    f->lru_prev = f->lru_next = 0;
}

static void lru_push_head(struct tp_capture *c, uint32_t i)
{
    struct flow *f = &c->flows[i];
    f->lru_prev = 0;
    f->lru_next = c->lru_head;
    if (c->lru_head)
        c->flows[c->lru_head - 1].lru_prev = i + 1;
    c->lru_head = i + 1;
    if (!c->lru_tail)
        c->lru_tail = i + 1;
}

/* ---- table ---- */
static void slot_remove(struct tp_capture *c, uint32_t idx)
{
    uint32_t h = c->flows[idx].hash & c->slot_mask;
    while (c->slots[h] != idx + 1)
        h = (h + 1) & c->slot_mask;
    /* Backward-shift deletion keeps linear probing correct without tombstones. */
    uint32_t hole = h;
    for (uint32_t j = (h + 1) & c->slot_mask; c->slots[j]; j = (j + 1) & c->slot_mask) {
        uint32_t home = c->flows[c->slots[j] - 1].hash & c->slot_mask;
        /* can the entry at j move to hole? only if home is not in (hole, j] cyclically */
        bool between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!between) {
            c->slots[hole] = c->slots[j];
            hole = j;
        }
    }
    c->slots[hole] = 0;
}

struct tp_capture *tp_capture_new(const struct tp_capture_opts *o)
{
    struct tp_capture *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->o = *o;
    if (!c->o.max_flows)
        c->o.max_flows = TP_MAX_FLOWS;
    if (c->o.max_flows > (1u << 28))
        c->o.max_flows = 1u << 28;
    if (!c->o.max_flow_memory)
        c->o.max_flow_memory = TP_MAX_FLOW_MEMORY;
    uint32_t ns = 16;
    while (ns < 2 * c->o.max_flows)
        ns <<= 1;
    c->slots = calloc(ns, sizeof *c->slots);
    c->slot_mask = ns - 1;
    c->cap_pool = c->o.max_flows < 1024 ? (uint32_t)c->o.max_flows : 1024;
    c->flows = calloc(c->cap_pool, sizeof *c->flows);
    c->free_list = malloc(c->o.max_flows * sizeof *c->free_list);
    c->worker = tp_worker_new();
    c->certs = tp_cert_cache_new();
    c->st.shard_k = c->o.shard_n > 1 ? c->o.shard_k : 0;
    c->st.shard_n = c->o.shard_n > 1 ? c->o.shard_n : 0;
    if (c->o.shard_n > 1)
        c->shard_cache = calloc(SHARD_CACHE, sizeof *c->shard_cache); /* NULL: no cache, still correct */
    if (!c->slots || !c->flows || !c->free_list || !c->worker || !c->certs) {
        tp_capture_free(c);
        return NULL;
    }
    return c;
}

static void free_lines(struct tp_plain_line *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i].text);
    free(l);
}

/* The reassembly buffers of both directions (their counters stay), and the
 * comments kept for the session. */
static void flow_free_buffers(struct tp_capture *c, struct flow *f)
{
    tp_tcp_dir_free(&f->tcp[0], &c->tcp_pool);
    tp_tcp_dir_free(&f->tcp[1], &c->tcp_pool);
    free_lines(f->cm, f->n_cm);
    f->cm = NULL;
    f->n_cm = f->cap_cm = f->cm_dropped = f->cm_bytes = 0;
}

/* Everything a flow holds: buffers and its session. */
static void flow_drop(struct tp_capture *c, struct flow *f)
{
    flow_free_buffers(c, f);
    tp_session_free(f->s);
    f->s = NULL;
    free(f->pw);
    f->pw = NULL;
}

/* Charge what the flow holds now (its session, decoder and TCP buffers) to the
 * budget; the flow struct itself is bounded by the table (max_flows). */
static void flow_charge(struct tp_capture *c, struct flow *f)
{
    size_t now = tp_session_footprint(f->s) + tp_tcp_dir_footprint(&f->tcp[0]) + tp_tcp_dir_footprint(&f->tcp[1]) +
                 (f->pw ? sizeof *f->pw : 0) + f->cm_bytes + f->cap_cm * sizeof *f->cm;
    c->mem = c->mem - f->mem + now;
    f->mem = now;
}

static void flow_release(struct tp_capture *c, uint32_t idx)
{
    flow_drop(c, &c->flows[idx]);
    flow_charge(c, &c->flows[idx]);
    slot_remove(c, idx);
    lru_unlink(c, idx);
    c->free_list[c->n_free++] = idx;
    c->n_active--;
}

void tp_capture_free(struct tp_capture *c)
{
    if (!c)
        return;
    finisher_stop(&c->fin);
    if (c->flows)
        for (uint32_t i = 0; i < c->n_pool; i++)
            flow_drop(c, &c->flows[i]);
    for (size_t i = 0; i < VERIFY_CACHE; i++)
        tp_verify_result_free(c->vc[i].res);
    free_lines(c->fc, c->n_fc);
    tp_store_free(c->store);
    tp_udp_flows_free(c->udp);
    tp_trust_db_free(c->trust_db);
    tp_ct_logs_free(c->ct_logs);
    tp_worker_free(c->worker);
    tp_tcp_pool_free(&c->tcp_pool);
    tp_cert_cache_free(c->certs); /* after every session (flow_drop above, the finisher's) */
    free(c->flows);
    free(c->slots);
    free(c->free_list);
    free(c->shard_cache);
    free(c);
}

const struct tp_capture_stats *tp_capture_get_stats(const struct tp_capture *c)
{
    return &c->st;
}

bool tp_capture_done(const struct tp_capture *c)
{
    return atomic_load(&c->done);
}

/* ---- sessions ---- */
static enum tp_dir side_dir(const struct flow *f, int side)
{
    return side == f->client ? TP_C2S : TP_S2C;
}

static bool sni_matches(const struct tp_session *s, const char *want)
{
    if (!s->server_name)
        return false;
    size_t n = strlen(want);
    if (n != s->server_name_len)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s->server_name[i], b = want[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* Judge a session (its decoder ended) and hand it to on_session: its outcome, the chain
 * verified (cached), the diagnosis, the selection. The caller frees the session. Runs on the
 * finisher thread when there is one, so it touches only the session, the verify
 * cache, the finisher's own counters and `done`. */
static void session_judge(struct tp_capture *c, struct tp_session *s, unsigned long index, enum end_reason why,
                          bool midstream)
{
    tp_session_finish(s); /* the chain summaries (the decoder has ended) */
    /* What only a capture knows about a connection that ended unfinished; the
     * judge works out the rest of the outcome from the transcript. */
    const struct tp_msg *alert = tp_session_first_alert(s, -1);
    bool fatal = alert && alert->alert_level == TP_ALERT_LEVEL_FATAL;
    if (s->outcome.status == TP_CONN_UNKNOWN && !s->handshake_complete && !fatal && midstream &&
        !s->has_client_random && !s->has_cipher) {
        snprintf(s->outcome.detail, sizeof s->outcome.detail,
                 "the capture started after this connection had begun: its handshake was not seen");
    } else if (s->outcome.status == TP_CONN_UNKNOWN && !s->handshake_complete && !fatal) {
        switch (why) {
        case END_RST:
            s->outcome.status = TP_CONN_RESET;
            snprintf(s->outcome.detail, sizeof s->outcome.detail, "the connection was reset (TCP RST) before the handshake completed");
            break;
        case END_FIN:
            s->outcome.status = TP_CONN_CLOSED;
            snprintf(s->outcome.detail, sizeof s->outcome.detail, "the connection was closed (TCP FIN) before the handshake completed");
            break;
        case END_EVICTED:
            snprintf(s->outcome.detail, sizeof s->outcome.detail,
                     "flow evicted from the flow table (more than %zu concurrent flows) before the handshake completed",
                     c->o.max_flows);
            break;
        case END_EOF:
            snprintf(s->outcome.detail, sizeof s->outcome.detail, "the capture ends before the handshake completed");
            break;
        case END_BUDGET:
            snprintf(s->outcome.detail, sizeof s->outcome.detail,
                     "flow evicted before the handshake completed: the tracked flows held more than the "
                     "%zu MiB memory budget (--max-flow-memory)",
                     c->o.max_flow_memory >> 20);
            break;
        case END_UDP_EVICTED:
            snprintf(s->outcome.detail, sizeof s->outcome.detail,
                     "DTLS flow ended before the handshake completed: more than %d DTLS flows were open, or their "
                     "sessions held more than %u MiB",
                     TP_UDP_MAX_FLOWS, TP_UDP_MAX_MEMORY >> 20);
            break;
        case END_UDP_IDLE:
            snprintf(s->outcome.detail, sizeof s->outcome.detail,
                     "no datagram for %lld s before the DTLS handshake completed", TP_UDP_IDLE_US / 1000000LL);
            break;
        }
    }
    struct tp_verify_result *vr = s->server_verify ? NULL : verify_cached(c, s);
    if (vr)
        s->server_verify = vr; /* the cache is the capture's; the judge gets no store */
    const struct tp_judge_opts jo = { .at = c->o.at, .name_alert_from = -1 };
    tp_judge_session(s, &jo);
    bool sel = true;
    if (c->o.only_session && index != c->o.only_session)
        sel = false;
    if (sel && c->o.only_server && strcmp(c->o.only_server, s->server) != 0)
        sel = false;
    if (sel && c->o.only_sni && !sni_matches(s, c->o.only_sni))
        sel = false;
    if (sel) {
        c->st.sessions++;
        if (c->o.on_session)
            c->o.on_session(s, index, c->o.ctx);
        if (c->o.only_session)
            atomic_store(&c->done, true);
    }
    if (vr)
        s->server_verify = NULL; /* owned by the cache */
}

static void judge_job(void *ctx, const struct finish_job *j)
{
    session_judge(ctx, j->s, j->index, (enum end_reason)j->why, j->midstream);
}

/* A finished session to the finisher thread. Checking the peers' handshake
 * signatures is most of a judge's work (an ECDSA verification each): while the
 * finisher is behind, this thread does it before handing the session over, so
 * that both cores share it. The result is the same whoever computes it. */
static void to_finisher(struct tp_capture *c, const struct finish_job *j)
{
    if (c->fin_behind)
        tp_session_precheck_signatures(j->s);
    c->fin_behind = finisher_push(&c->fin, j);
}

/* The STARTTLS exchange that led to this session, as connect --starttls records it. */
static void plain_to_session(struct flow *f, struct tp_session *s)
{
    const struct tp_plainwatch *pw = f->pw;
    struct tp_starttls *st = &s->starttls;
    snprintf(st->protocol, sizeof st->protocol, "%s", tp_plainwatch_protocol(pw));
    st->status = TP_STARTTLS_OK;
    for (unsigned i = 0; i < pw->n_lines; i++) {
        const struct tp_pw_line *l = &pw->lines[i];
        if (tp_session_add_plain(s, side_dir(f, l->side), l->text, l->len, l->t_us) != TP_OK)
            break;
    }
    st->n_lines_dropped += pw->n_dropped;
}

/* Its packets' comments, now that the client's side is known. */
static void comments_to_session(struct flow *f, struct tp_session *s)
{
    int cl = f->client < 0 ? 0 : f->client;
    for (size_t i = 0; i < f->n_cm; i++) {
        const struct tp_plain_line *l = &f->cm[i];
        if (tp_session_add_comment(s, (int)l->dir == cl ? TP_C2S : TP_S2C, l->text, l->len, l->t_us) != TP_OK)
            break;
    }
    s->n_comments_dropped += f->cm_dropped;
}

static void flow_finish(struct tp_capture *c, struct flow *f, enum end_reason why, int64_t t_us)
{
    struct tp_session *s = f->s;
    if (s && f->pw)
        plain_to_session(f, s);
    if (s)
        comments_to_session(f, s);
    if (s) {
        int cl = f->client < 0 ? 0 : f->client;
        tp_pkt_endpoint(f->ipver, f->addr[cl], f->port[cl], s->client, sizeof s->client);
        tp_pkt_endpoint(f->ipver, f->addr[1 - cl], f->port[1 - cl], s->server, sizeof s->server);
        s->rtt_us = (f->syn_us && f->synack_us && f->synack_us >= f->syn_us) ? f->synack_us - f->syn_us : -1;
        s->capture_time = f->first_us / 1000000;
        for (int side = 0; side < 2; side++) {
            enum tp_dir d = side_dir(f, side);
            s->retransmissions[d] = f->tcp[side].retrans;
            s->gap_bytes[d] = f->tcp[side].gap_bytes + f->w[side].resync_skipped;
        }
        f->s = NULL;
        /* The decoder ends here, on the thread that allocated it (a free from
         * another thread contends for this thread's malloc arena). */
        tp_session_end_decoding(s);
        struct finish_job j = { s, f->index, (uint8_t)why, f->midstream };
        if (c->o.threaded && finisher_start(&c->fin, judge_job, c)) {
            to_finisher(c, &j);
        } else {
            session_judge(c, s, j.index, why, j.midstream);
            tp_session_free(s);
        }
    }
    c->st.retransmissions += f->tcp[0].retrans + f->tcp[1].retrans;
    c->st.conflicts += f->tcp[0].conflicts + f->tcp[1].conflicts;
    c->st.gap_bytes += f->tcp[0].gap_bytes + f->tcp[1].gap_bytes;
    flow_free_buffers(c, f);
    f->tcp[0].retrans = f->tcp[1].retrans = 0;
    f->tcp[0].conflicts = f->tcp[1].conflicts = 0;
    f->tcp[0].gap_bytes = f->tcp[1].gap_bytes = 0;
    f->state = F_CLOSED;
    flow_charge(c, f); /* it holds nothing now */
    (void)t_us;
}

static bool flow_has_keys(struct tp_capture *c, struct flow *f)
{
    if (f->s && tp_session_has_server_key_secret(f->s))
        return true; /* RSA key exchange opened with --key (after its ClientKeyExchange) */
    if (f->keys_checked)
        return f->has_keys;
    if (!c->o.keylog || !f->s || !f->s->has_client_random)
        return false;
    f->keys_checked = true;
    uint8_t buf[64];
    static const enum tp_secret_label labels[] = { TP_SECRET_CLIENT_RANDOM, TP_SECRET_CLIENT_HANDSHAKE_TRAFFIC,
                                                   TP_SECRET_SERVER_HANDSHAKE_TRAFFIC, TP_SECRET_CLIENT_TRAFFIC_0,
                                                   TP_SECRET_SERVER_TRAFFIC_0 };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (tp_keylog_get(c->o.keylog, labels[i], f->s->client_random, buf, sizeof buf) > 0) {
            f->has_keys = true;
            break;
        }
    return f->has_keys;
}

/* May an application_data record in this direction be counted instead of
 * decoded? Only when nothing in it can be read (no keys) and the handshake is
 * over (so it cannot be an encrypted handshake message we would show). */
static bool may_skip(struct tp_capture *c, struct flow *f, int side)
{
    struct tp_session *s = f->s;
    if (!s || f->client < 0)
        return false;
    if (flow_has_keys(c, f))
        return false;
    if (!f->keys_checked && c->o.keylog && !s->has_client_random)
        return false; /* keys may still turn up once the ClientHello is decoded */
    int cl = f->client, sv = 1 - f->client;
    if (s->handshake_complete)
        return true;
    if (tp_is_tls13_family(s->version)) {
        /* RFC 8446 §2: after the client's first protected record (its Finished, or
         * its certificate flight) everything the server sends is post-handshake; the
         * client's flight is at most Certificate, CertificateVerify, Finished. */
        /* The decoder still sees the first records after that point, from which it
         * infers that the handshake completed (a post-handshake record that is not
         * alert-sized); the rest are counted. */
        if (side == sv)
            return f->s2c_after_client_enc > 2;
        return (f->w[cl].n23 >= 2 && f->s2c_after_client_enc >= 1) || f->w[cl].n23 >= 4;
    }
    if (s->version && s->version <= TP_TLS1_2)
        return f->w[cl].ccs && f->w[sv].ccs; /* both Finished follow their CCS */
    return f->w[side].n23 >= 4;
}

static void session_create(struct tp_capture *c, struct flow *f, int side, uint8_t first_type,
                           int first_hs_type)
{
    if (f->client < 0) {
        if (first_type == TP_CT_HANDSHAKE && first_hs_type == TP_HS_CLIENT_HELLO)
            f->client = (int8_t)side;
        else if (first_type == TP_CT_HANDSHAKE && first_hs_type == TP_HS_SERVER_HELLO)
            f->client = (int8_t)(1 - side);
        else /* no SYN and no hello: the ephemeral (higher) port is the client's */
            f->client = (int8_t)(f->port[0] >= f->port[1] ? 0 : 1);
    }
    f->s = tp_session_new(TP_SRC_PCAP, f->first_us);
    if (!f->s)
        return;
    if (c->o.keylog)
        tp_session_set_keylog(f->s, c->o.keylog);
    tp_session_set_worker(f->s, c->worker);
    tp_session_set_cert_cache(f->s, c->certs);
    f->state = F_TLS;
    f->index = ++c->next_index;
    c->st.tls_flows++;
    tp_tcp_dir_history(&f->tcp[0], true, &c->tcp_pool);
    tp_tcp_dir_history(&f->tcp[1], true, &c->tcp_pool);
}

static void feed(struct flow *f, int side, const uint8_t *p, size_t n, int64_t t_us)
{
    if (f->s && n && tp_session_feed(f->s, side_dir(f, side), p, n, t_us) != TP_OK)
        f->s->outcome.status = TP_CONN_LOCAL_ERROR; /* out of memory: keep what we have */
}

static void set_not_tls(struct tp_capture *c, struct flow *f)
{
    if (f->state == F_NEW) {
        f->state = F_NOT_TLS;
        c->st.non_tls_flows++;
        flow_free_buffers(c, f);
    }
}

/* A record header of one side: the session is created by the first one, the
 * record fed or only counted. */
static void on_record(struct tp_capture *c, struct flow *f, int side, const struct tp_reader *r, int64_t t_us)
{
    struct walker *w = &f->w[side];
    const struct tp_frame *h = &w->fr.rec;
    if (!f->s && f->state != F_TLS) {
        struct tp_reader peek = *r;
        uint8_t hs = 0xff;
        int hs_type = tp_read_u8(&peek, &hs) ? hs : -1;
        session_create(c, f, side, h->type, hs_type);
    }
    if (w->gap_due && f->s) {
        if (w->mid_start)
            tp_session_midstream(f->s, side_dir(f, side), w->pending_gap, t_us);
        else
            tp_session_gap(f->s, side_dir(f, side), w->pending_gap, t_us);
        w->gap_due = false;
        w->pending_gap = 0;
    }
    w->mid_start = false;
    if (h->type == TP_CT_APPLICATION_DATA && f->client >= 0 && side == 1 - f->client && f->w[f->client].n23)
        f->s2c_after_client_enc++;
    bool skip = h->type == TP_CT_APPLICATION_DATA && may_skip(c, f, side);
    if (h->type == TP_CT_CHANGE_CIPHER_SPEC)
        w->ccs = true;
    if (h->type == TP_CT_APPLICATION_DATA)
        w->n23++;
    if (!skip) {
        feed(f, side, h->raw, 5, t_us); /* the body follows as TP_FRAME_BODY */
        return;
    }
    if (!w->skipping) {
        w->skipping = true;
        tp_tcp_dir_history(&f->tcp[side], false, &c->tcp_pool); /* nothing more to compare */
    }
    c->st.skipped_records++;
    if (f->s) {
        f->s->appdata_records[side_dir(f, side)]++;
        f->s->appdata_bytes[side_dir(f, side)] += h->len;
    }
    tp_framer_skip(&w->fr);
}

static void walk(struct tp_capture *c, struct flow *f, int side, const uint8_t *p, size_t len, int64_t t_us);

/* In-order bytes of a side still in plain text: the watch takes them until the
 * side turns to TLS (the rest is walked as TLS) or the stream is not a STARTTLS
 * dialogue (not TLS). */
static void plain_walk(struct tp_capture *c, struct flow *f, int side, const uint8_t *p, size_t len, int64_t t_us)
{
    size_t used = 0;
    switch (tp_plainwatch_feed(f->pw, side, p, len, t_us, &used)) {
    case TP_PW_MORE:
        return;
    case TP_PW_NOT:
        set_not_tls(c, f);
        return;
    case TP_PW_TLS:
        if (f->client < 0 && f->pw->client >= 0)
            f->client = f->pw->client;
        tp_framer_init(&f->w[side].fr, CAPTURE_START);
        if (used < len) {
            struct tp_reader r;
            struct tp_bytes rest;
            tp_reader_init(&r, p, len);
            (void)tp_read_skip(&r, used);
            (void)tp_read_rest(&r, &rest);
            walk(c, f, side, rest.p, rest.len, t_us);
        }
        return;
    }
}

/* The first bytes of a flow are not TLS: watch them for a STARTTLS dialogue. The
 * framer holds the bytes it judged (and the other side's framer may hold a short
 * first answer): they go to the watch first. */
static void plain_begin(struct tp_capture *c, struct flow *f, int side, struct tp_reader *r, int64_t t_us)
{
    struct walker *w = &f->w[side];
    if (f->pw && f->pw->done[side]) { /* it said TLS from here, and it is not */
        set_not_tls(c, f);
        return;
    }
    if (!f->pw) {
        f->pw = malloc(sizeof *f->pw);
        if (!f->pw) {
            set_not_tls(c, f);
            return;
        }
        tp_plainwatch_init(f->pw, f->client);
        struct walker *o = &f->w[1 - side];
        if (o->fr.mode == TP_FM_START && o->fr.have) {
            uint8_t held[sizeof o->fr.rec.raw];
            size_t nh = o->fr.have;
            memcpy(held, o->fr.rec.raw, nh);
            tp_framer_init(&o->fr, CAPTURE_START);
            plain_walk(c, f, 1 - side, held, nh, t_us);
            if (f->state == F_NOT_TLS)
                return;
        }
    }
    uint8_t held[sizeof w->fr.rec.raw];
    size_t nh = w->fr.have;
    memcpy(held, w->fr.rec.raw, nh);
    tp_framer_init(&w->fr, CAPTURE_START);
    struct tp_bytes rest;
    (void)tp_read_rest(r, &rest);
    walk(c, f, side, held, nh, t_us);
    if (f->state != F_NOT_TLS && f->state != F_CLOSED)
        walk(c, f, side, rest.p, rest.len, t_us);
}

/* A first header that is not a TLS record (ev NOT_TLS, or an SSLv2 hello):
 * before the flow is known to be TLS, it decides (an SSLv2 hello stream goes to
 * the session whole; anything else is not TLS); after, the boundary was lost.
 * false: stop walking these bytes. */
static bool odd_start(struct tp_capture *c, struct flow *f, int side, struct tp_reader *r, int64_t t_us)
{
    struct walker *w = &f->w[side];
    if (f->state != F_NEW) {
        tp_framer_resync(&w->fr); /* lost the record boundary (a stream we misplaced): scan */
        w->resync_skipped += 5;
        return true;
    }
    if (!w->fr.rec.sslv2) {
        plain_begin(c, f, side, r, t_us);
        return false;
    }
    session_create(c, f, side, TP_CT_HANDSHAKE, TP_HS_CLIENT_HELLO);
    w->raw = true;
    struct tp_bytes rest;
    (void)tp_read_rest(r, &rest);
    feed(f, side, w->fr.rec.raw, w->fr.rec.raw_len, t_us);
    feed(f, side, rest.p, rest.len, t_us);
    return false;
}

/* In-order bytes of one side: walk record headers, feed or count records. */
static void walk(struct tp_capture *c, struct flow *f, int side, const uint8_t *p, size_t len, int64_t t_us)
{
    struct walker *w = &f->w[side];
    struct tp_reader r;
    tp_reader_init(&r, p, len);
    if (w->raw) {
        feed(f, side, p, len, t_us);
        return;
    }
    if (f->pw && !f->pw->done[side] && f->state != F_NOT_TLS) {
        plain_walk(c, f, side, p, len, t_us);
        return;
    }
    while (f->state != F_NOT_TLS && f->state != F_CLOSED) {
        struct tp_bytes b;
        switch (tp_framer_next(&w->fr, &r, &b)) {
        case TP_FRAME_NEED:
            return;
        case TP_FRAME_BODY:
            if (w->defer) { /* the session is made now that its first message's type shows */
                struct tp_reader rb;
                tp_reader_init(&rb, b.p, b.len);
                w->defer = false;
                on_record(c, f, side, &rb, t_us);
            }
            feed(f, side, b.p, b.len, t_us);
            break;
        case TP_FRAME_LOST:
            w->scanned += (uint32_t)b.len;
            w->resync_skipped += b.len;
            if (f->state == F_NEW && w->scanned > RESYNC_SCAN_MAX)
                set_not_tls(c, f);
            break; /* the reader may hold more (held bytes judged): go on */
        case TP_FRAME_SYNCED:
            w->resync_skipped += b.len;
            w->pending_gap += b.len;
            w->gap_due = true; /* the decoder must know this stream has no beginning */
            c->st.resyncs++;
            break;
        case TP_FRAME_NOT_TLS:
            if (!odd_start(c, f, side, &r, t_us))
                return;
            break;
        case TP_FRAME_HEADER:
            if (w->fr.rec.sslv2) {
                if (!odd_start(c, f, side, &r, t_us))
                    return;
            } else if (!tp_frame_plausible(&w->fr.rec)) {
                tp_framer_resync(&w->fr); /* lost the record boundary (garbage): scan */
                w->resync_skipped += 5;
            } else if (!f->s && f->state != F_TLS && f->client < 0 && !tp_reader_left(&r) &&
                       w->fr.rec.type == TP_CT_HANDSHAKE && w->fr.rec.len) {
                w->defer = true; /* which side is the client shows in the next byte */
            } else {
                on_record(c, f, side, &r, t_us);
            }
            break;
        }
    }
}

static void sink_data(void *ctx, const uint8_t *p, size_t len, int64_t t_us);
static void sink_gap(void *ctx, uint64_t lost, int64_t t_us);

struct sink_ctx {
    struct tp_capture *c;
    struct flow *f;
    int side;
};

static void sink_data(void *ctx, const uint8_t *p, size_t len, int64_t t_us)
{
    struct sink_ctx *k = ctx;
    walk(k->c, k->f, k->side, p, len, t_us);
}

static void sink_gap(void *ctx, uint64_t lost, int64_t t_us)
{
    struct sink_ctx *k = ctx;
    struct flow *f = k->f;
    struct walker *w = &f->w[k->side];
    k->c->st.gaps++;
    if (f->s)
        tp_session_gap(f->s, side_dir(f, k->side), lost, t_us);
    /* A hole inside the current record keeps the boundary (its rest is not fed,
     * so the session's next bytes are a clean header); else resynchronise. */
    if (!w->raw)
        (void)tp_framer_gap(&w->fr, lost);
}

static uint32_t flow_alloc(struct tp_capture *c)
{
    if (c->n_free)
        return c->free_list[--c->n_free];
    if (c->n_pool == c->cap_pool) {
        uint32_t nc = c->cap_pool * 2;
        if (nc > c->o.max_flows)
            nc = (uint32_t)c->o.max_flows;
        struct flow *nf = realloc(c->flows, (size_t)nc * sizeof *nf);
        if (!nf)
            return UINT32_MAX;
        memset(nf + c->cap_pool, 0, (size_t)(nc - c->cap_pool) * sizeof *nf);
        c->flows = nf;
        c->cap_pool = nc;
    }
    return c->n_pool++;
}

static void flow_end(struct tp_capture *c, struct flow *f, enum end_reason why, int64_t t_us)
{
    struct sink_ctx k0 = { c, f, 0 }, k1 = { c, f, 1 };
    struct tp_tcp_sink s0 = { sink_data, sink_gap, &k0, &c->tcp_pool }, s1 = { sink_data, sink_gap, &k1, &c->tcp_pool };
    tp_tcp_dir_flush(&f->tcp[0], t_us, &s0);
    tp_tcp_dir_flush(&f->tcp[1], t_us, &s1);
    flow_finish(c, f, why, t_us);
}

static void evict_tail(struct tp_capture *c, enum end_reason why)
{
    uint32_t idx = c->lru_tail - 1;
    struct flow *f = &c->flows[idx];
    if (f->state != F_CLOSED && f->state != F_NOT_TLS) {
        c->st.flows_evicted++;
        c->st.flows_evicted_memory += why == END_BUDGET;
    }
    if (f->state != F_CLOSED)
        flow_end(c, f, why, c->now_us);
    flow_release(c, idx);
}

/* Over the flows' memory budget: the least recently active flows go, never the
 * one a packet is being handled for (keep). */
static void enforce_budget(struct tp_capture *c, struct flow *keep)
{
    flow_charge(c, keep);
    while (c->mem > c->o.max_flow_memory && c->lru_tail && &c->flows[c->lru_tail - 1] != keep)
        evict_tail(c, END_BUDGET);
}

static struct flow *flow_new(struct tp_capture *c, const struct tp_pkt *p, uint32_t h, int64_t t_us)
{
    while (c->n_active >= c->o.max_flows && c->lru_tail)
        evict_tail(c, END_EVICTED);
    uint32_t idx = flow_alloc(c);
    if (idx == UINT32_MAX)
        return NULL;
    struct flow *f = &c->flows[idx];
    memset(f, 0, sizeof *f);
    f->hash = h;
    f->ipver = p->ipver;
    memcpy(f->addr[0], p->src, 16);
    memcpy(f->addr[1], p->dst, 16);
    f->port[0] = p->sport;
    f->port[1] = p->dport;
    f->client = -1;
    f->first_us = f->last_us = t_us;
    f->cap = c;
    tp_tcp_dir_init(&f->tcp[0]);
    tp_tcp_dir_init(&f->tcp[1]);
    tp_framer_init(&f->w[0].fr, CAPTURE_START);
    tp_framer_init(&f->w[1].fr, CAPTURE_START);
    uint32_t s = h & c->slot_mask;
    while (c->slots[s])
        s = (s + 1) & c->slot_mask;
    c->slots[s] = idx + 1;
    lru_push_head(c, idx);
    c->n_active++;
    c->st.flows++;
    if (c->n_active > c->st.flows_active_max)
        c->st.flows_active_max = c->n_active;
    return f;
}

/* A packet that is not decoded further, counted by kind. */
static void count_not_decoded(struct tp_capture_stats *st, enum tp_pkt_kind k)
{
    uint64_t *const by_kind[] = {
        [TP_PKT_OTHER] = &st->other_packets,  [TP_PKT_FRAGMENT] = &st->fragments,
        [TP_PKT_TOO_SHORT] = &st->too_short,  [TP_PKT_BAD] = &st->bad_headers,
        [TP_PKT_LINK_UNSUPPORTED] = &st->unsupported_link,
    };
    if ((size_t)k < sizeof by_kind / sizeof by_kind[0] && by_kind[k])
        (*by_kind[k])++;
}

/* ---- --shard K/N ----
 * The Community ID v1 hash (seed 0, TCP), so that a flow's shard can be computed
 * from the community_id field of tlsprobe, Zeek or Suricata logs alike:
 * shard = 1 + (first 4 bytes of the SHA-1, big-endian) mod N. A flow of another
 * shard is not tracked at all; the last 4,096 such flows are remembered (by the
 * table hash, then the exact addresses) so that their later packets cost no SHA-1. */

uint32_t tp_capture_shard_of(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb, size_t alen, uint32_t n)
{
    uint8_t h[TP_COMMUNITY_ID_SHA1];
    if (!n || !tp_community_id_sha1(0, TP_PROTO_TCP, a, b, alen, pa, pb, h))
        return 0;
    uint32_t v = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    return 1 + v % n;
}

/* The packet's endpoints in a fixed order (smaller address, then port, first). */
static void shard_key(const struct tp_pkt *p, uint32_t h, struct shard_miss *k)
{
    size_t alen = p->ipver == 6 ? 16 : 4;
    int c = memcmp(p->src, p->dst, alen);
    bool swap = c > 0 || (c == 0 && p->sport > p->dport);
    memset(k, 0, sizeof *k);
    k->h = h;
    k->ipver = p->ipver;
    memcpy(k->a, swap ? p->dst : p->src, alen);
    memcpy(k->b, swap ? p->src : p->dst, alen);
    k->pa = swap ? p->dport : p->sport;
    k->pb = swap ? p->sport : p->dport;
}

/* Is this new flow in our shard? */
static bool shard_keep(struct tp_capture *c, const struct tp_pkt *p, uint32_t h)
{
    if (c->o.shard_n <= 1)
        return true;
    struct shard_miss k;
    shard_key(p, h, &k);
    struct shard_miss *slot = c->shard_cache ? &c->shard_cache[h % SHARD_CACHE] : NULL;
    if (slot && slot->ipver && !memcmp(slot, &k, sizeof k))
        return false;
    uint32_t s = tp_capture_shard_of(k.a, k.pa, k.b, k.pb, p->ipver == 6 ? 16 : 4, c->o.shard_n);
    if (s == c->o.shard_k)
        return true;
    if (slot)
        *slot = k;
    return false;
}

/* ---- DTLS over UDP (udp.c keeps the flows; sessions are made and judged as
 * for TCP) ---- */
static struct tp_session *udp_open(void *ctx, int64_t first_us, unsigned long *index)
{
    struct tp_capture *c = ctx;
    struct tp_session *s = tp_session_new(TP_SRC_PCAP, first_us);
    if (!s)
        return NULL;
    if (c->o.keylog)
        tp_session_set_keylog(s, c->o.keylog);
    tp_session_set_worker(s, c->worker);
    tp_session_set_cert_cache(s, c->certs);
    *index = ++c->next_index;
    c->st.dtls_flows++;
    return s;
}

static void udp_done(void *ctx, struct tp_session *s, unsigned long index, int why)
{
    struct tp_capture *c = ctx;
    tp_session_end_decoding(s);
    enum end_reason r = why == TP_UDP_END_EVICTED ? END_UDP_EVICTED : why == TP_UDP_END_IDLE ? END_UDP_IDLE : END_EOF;
    struct finish_job j = { s, index, (uint8_t)r, false };
    if (c->o.threaded && finisher_start(&c->fin, judge_job, c)) {
        to_finisher(c, &j);
    } else {
        session_judge(c, s, j.index, (enum end_reason)j.why, false);
        tp_session_free(s);
    }
}

/* A DTLS datagram's comments go to its session at once (dir 0: the client's). */
static void udp_seen(void *ctx, struct tp_session *s, int dir, int64_t t_us)
{
    struct tp_capture *c = ctx;
    for (unsigned i = 0; i < c->n_pc; i++)
        if (tp_session_add_comment(s, dir == 0 ? TP_C2S : TP_S2C, c->pc[i].p, c->pc[i].len, t_us) != TP_OK)
            break;
    c->n_pc = 0;
}

static void udp_packet(struct tp_capture *c, const struct tp_pkt *p, int64_t t_us)
{
    const struct tp_udp_hooks h = { udp_open, udp_done, c, udp_seen };
    count_not_decoded(&c->st, TP_PKT_OTHER); /* not TCP: counted as before, DTLS or not */
    bool ch = tp_dtls_is_client_hello(p->payload);
    /* --shard: by the flow's Community ID (UDP, seed 0) as for TCP flows, decided
     * when a flow would start (a datagram of a flow not started is dropped below) */
    uint8_t id[TP_COMMUNITY_ID_SHA1];
    if (ch && c->o.shard_n > 1 &&
        (!tp_community_id_sha1(0, TP_PROTO_UDP, p->src, p->dst, p->ipver == 6 ? 16 : 4, p->sport, p->dport, id) ||
         1 + ((uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3]) % c->o.shard_n !=
             c->o.shard_k))
        return;
    if (c->done || (!c->udp && !ch) || (!c->udp && !(c->udp = tp_udp_flows_new())))
        return;
    (void)tp_udp_packet(c->udp, p, t_us, &h);
}

void tp_capture_packet_comment(struct tp_capture *c, const char *text, size_t len)
{
    c->st.packet_comments++;
    if (c->n_pc < sizeof c->pc / sizeof c->pc[0]) {
        c->pc[c->n_pc].p = text;
        c->pc[c->n_pc++].len = len;
    }
}

/* A comment into a list of lines (the flow's, the capture's); bytes: what its
 * text holds, for the budget (NULL: not counted). Out of memory: dropped. */
static void add_comment_line(struct tp_plain_line **lines, size_t *n, size_t *cap, size_t *dropped, size_t *bytes,
                             int side, const char *text, size_t len, int64_t t_us)
{
    size_t before = *n;
    if (tp_plain_lines_add(lines, n, cap, dropped, (enum tp_dir)side, text, len, t_us) != TP_OK)
        (*dropped)++;
    else if (bytes && *n > before)
        *bytes += (*lines)[before].len + 1;
}

void tp_capture_file_comment(struct tp_capture *c, const char *text, size_t len)
{
    add_comment_line(&c->fc, &c->n_fc, &c->cap_fc, &c->st.n_comments_dropped, NULL, 0, text, len, 0);
    c->st.comments = c->fc;
    c->st.n_comments = c->n_fc;
}

static void enforce_budget(struct tp_capture *c, struct flow *keep);

/* The comments given for this packet, kept with its flow (side: its sender) and
 * charged to the flows' memory budget like its buffers. */
static void flow_comments(struct tp_capture *c, struct flow *f, int side, int64_t t_us)
{
    for (unsigned i = 0; i < c->n_pc; i++)
        add_comment_line(&f->cm, &f->n_cm, &f->cap_cm, &f->cm_dropped, &f->cm_bytes, side, c->pc[i].p, c->pc[i].len,
                         t_us);
    c->n_pc = 0;
    enforce_budget(c, f);
}

static void capture_packet(struct tp_capture *c, int dlt, int64_t t_us, const uint8_t *data, size_t caplen,
                           size_t wirelen);

void tp_capture_packet(struct tp_capture *c, int dlt, int64_t t_us, const uint8_t *data, size_t caplen, size_t wirelen)
{
    capture_packet(c, dlt, t_us, data, caplen, wirelen);
    c->n_pc = 0; /* comments of a packet no session took */
}

static void capture_packet(struct tp_capture *c, int dlt, int64_t t_us, const uint8_t *data, size_t caplen,
                           size_t wirelen)
{
    c->st.packets++;
    c->st.bytes += caplen;
    c->st.wire_bytes += wirelen;
    if (caplen < wirelen)
        c->st.truncated_packets++;
    c->now_us = t_us;
    struct tp_pkt p;
    enum tp_pkt_kind kind = tp_pkt_parse(dlt, data, caplen, &p);
    /* An IP length beyond a packet that was captured whole is a lie, not a snap
     * length: the header is bogus. */
    if (kind == TP_PKT_TCP && caplen >= wirelen && p.payload.len < p.payload_len)
        kind = TP_PKT_BAD;
    if (kind == TP_PKT_UDP) {
        udp_packet(c, &p, t_us);
        return;
    }
    if (kind != TP_PKT_TCP) {
        count_not_decoded(&c->st, kind);
        return;
    }
    c->st.tcp_packets++;
    if (c->done)
        return;
    uint32_t h = tuple_hash(p.ipver, p.src, p.sport, p.dst, p.dport);
    struct flow *f = NULL;
    int side = -1;
    for (uint32_t s = h & c->slot_mask; c->slots[s]; s = (s + 1) & c->slot_mask) {
        struct flow *cand = &c->flows[c->slots[s] - 1];
        if (cand->hash == h && (side = match_side(cand, &p)) >= 0) {
            f = cand;
            break;
        }
    }
    bool syn = (p.flags & TP_TCP_SYN) != 0, ack = (p.flags & TP_TCP_ACK) != 0;
    if (f && f->state == F_CLOSED) {
        if (!(syn && !ack))
            return; /* stragglers after the end (last ACK, late retransmission) */
        uint32_t idx = (uint32_t)(f - c->flows);
        flow_release(c, idx);
        f = NULL;
    }
    if (!f) {
        if (!syn && p.payload_len == 0)
            return; /* a bare ACK/FIN/RST of a flow we never saw: nothing to decode */
        if (p.flags & TP_TCP_RST)
            return;
        if (!shard_keep(c, &p, h))
            return; /* another shard's flow (--shard) */
        f = flow_new(c, &p, h, t_us);
        if (!f)
            return;
        side = 0;
    } else {
        uint32_t idx = (uint32_t)(f - c->flows);
        if (c->lru_head != idx + 1) {
            lru_unlink(c, idx);
            lru_push_head(c, idx);
        }
    }
    f->last_us = t_us;
    if (c->n_pc && (f->state == F_NEW || f->state == F_TLS))
        flow_comments(c, f, side, t_us);
    uint32_t seq = p.seq;
    if (syn) {
        if (!ack) {
            f->client = (int8_t)side;
            if (!f->syn_us)
                f->syn_us = t_us;
        } else {
            f->client = (int8_t)(1 - side);
            if (!f->synack_us)
                f->synack_us = t_us;
        }
        f->syn[side] = true;
        tp_tcp_dir_syn(&f->tcp[side], p.seq);
        seq = p.seq + 1; /* data on a SYN (TCP Fast Open) starts after it */
    }
    if (p.payload_len && (f->state == F_NEW || f->state == F_TLS)) {
        struct sink_ctx k = { c, f, side };
        struct tp_tcp_sink sink = { sink_data, sink_gap, &k, &c->tcp_pool };
        if (f->tcp[1 - side].holding) { /* the peer answers: what it held is complete */
            struct sink_ctx ko = { c, f, 1 - side };
            struct tp_tcp_sink so = { sink_data, sink_gap, &ko, &c->tcp_pool };
            tp_tcp_dir_release(&f->tcp[1 - side], t_us, &so);
            if (f->state == F_CLOSED)
                return;
        }
        if (f->state == F_NEW || f->state == F_TLS) {
            if (!f->tcp[side].synced && !tp_framer_started(&f->w[side].fr)) {
                tp_framer_resync(&f->w[side].fr); /* we did not see this stream start */
                f->midstream = true;
                f->w[side].mid_start = true;
            }
            tp_tcp_dir_segment(&f->tcp[side], seq, p.payload.p, p.payload.len, p.payload_len, t_us, &sink);
            if (f->state == F_CLOSED)
                return;
            enforce_budget(c, f);
        }
    }
    /* An ended connection is released at once: its stragglers (the last ACK, a
     * late FIN) carry no payload and are ignored above, and a new SYN on the same
     * addresses simply starts a new flow. */
    if (p.flags & TP_TCP_RST) {
        flow_end(c, f, END_RST, t_us);
        flow_release(c, (uint32_t)(f - c->flows));
        return;
    }
    if (p.flags & TP_TCP_FIN) {
        f->fin[side] = true;
        if (f->fin[0] && f->fin[1]) {
            flow_end(c, f, END_FIN, t_us);
            flow_release(c, (uint32_t)(f - c->flows));
        }
    }
}

void tp_capture_flush(struct tp_capture *c, int64_t t_us)
{
    /* Oldest first, so sessions come out roughly in the order they began. */
    while (c->lru_tail) {
        uint32_t idx = c->lru_tail - 1;
        struct flow *f = &c->flows[idx];
        if (f->state != F_CLOSED && f->state != F_NOT_TLS && !tp_capture_done(c))
            flow_end(c, f, END_EOF, t_us);
        else if (f->state != F_CLOSED)
            flow_finish(c, f, END_EOF, t_us);
        flow_release(c, idx);
    }
    const struct tp_udp_hooks h = { udp_open, udp_done, c, NULL };
    tp_udp_flush(c->udp, &h);
    finisher_drain(&c->fin);
}
