/* The closing summary of pcap/sniff: sessions, versions, suites, SNI names,
 * findings by id, packets/bytes read, flows evicted, decode time. The counts and
 * their text block live here; the JSON line is written by render
 * (src/render/summary_json.c) from tp_capture_summary_totals / _table. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/capture.h"
#include "tlsprobe/names.h"

/* Distinct keys kept per table; more are counted under "(other)". SNI names in a
 * big capture are many: the summary is for people, the per-session output has all. */
#define SUM_MAX_KEYS 4096

struct kv {
    char *key;
    size_t key_len;
    uint64_t n;
};
struct counter {
    struct kv *items;
    size_t n, cap;
    uint64_t other;
    uint32_t *idx;  /* open addressing over items: index + 1 */
    size_t idx_cap;
};

struct tp_capture_summary {
    uint64_t sessions, completed, resumed, hrr, keys_missing, decrypt_failed;
    struct counter versions, suites, sni, findings;
    uint64_t findings_by_sev[3];
};

static uint32_t fnv(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static void counter_add(struct counter *c, const char *key, size_t len)
{
    if (!c->idx) {
        c->idx_cap = 2 * SUM_MAX_KEYS;
        c->idx = calloc(c->idx_cap, sizeof *c->idx);
        if (!c->idx) {
            c->other++;
            return;
        }
    }
    size_t h = fnv(key, len) & (c->idx_cap - 1);
    while (c->idx[h]) {
        struct kv *e = &c->items[c->idx[h] - 1];
        if (e->key_len == len && !memcmp(e->key, key, len)) {
            e->n++;
            return;
        }
        h = (h + 1) & (c->idx_cap - 1);
    }
    if (c->n >= SUM_MAX_KEYS) {
        c->other++;
        return;
    }
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        struct kv *ni = realloc(c->items, nc * sizeof *ni);
        if (!ni) {
            c->other++;
            return;
        }
        c->items = ni;
        c->cap = nc;
    }
    char *k = malloc(len + 1);
    if (!k) {
        c->other++;
        return;
    }
    memcpy(k, key, len);
    k[len] = '\0';
    c->items[c->n] = (struct kv){ k, len, 1 };
    c->idx[h] = (uint32_t)(++c->n);
}

static void counter_free(struct counter *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].key);
    free(c->items);
    free(c->idx);
}

static int kv_cmp(const void *a, const void *b)
{
    const struct tp_sum_entry *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int r = memcmp(x->key, y->key, n);
    return r ? r : (x->key_len < y->key_len ? -1 : x->key_len > y->key_len);
}

/* Sorted view (most frequent first) for rendering; the keys stay the counter's. */
static struct tp_sum_entry *counter_sorted(const struct counter *c)
{
    if (!c->n)
        return NULL;
    struct tp_sum_entry *s = malloc(c->n * sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = 0; i < c->n; i++)
        s[i] = (struct tp_sum_entry){ c->items[i].key, c->items[i].key_len, c->items[i].n };
    qsort(s, c->n, sizeof *s, kv_cmp);
    return s;
}

static const struct counter *table_of(const struct tp_capture_summary *sum, enum tp_sum_table t)
{
    switch (t) {
    case TP_SUM_VERSIONS: return &sum->versions;
    case TP_SUM_SUITES: return &sum->suites;
    case TP_SUM_SNI: return &sum->sni;
    default: return &sum->findings;
    }
}

struct tp_sum_entry *tp_capture_summary_table(const struct tp_capture_summary *sum, enum tp_sum_table t, size_t *n,
                                              uint64_t *other)
{
    const struct counter *c = table_of(sum, t);
    struct tp_sum_entry *v = counter_sorted(c);
    *n = v ? c->n : 0;
    *other = c->other;
    return v;
}

void tp_capture_summary_totals(const struct tp_capture_summary *sum, struct tp_capture_totals *out)
{
    *out = (struct tp_capture_totals){
        .sessions = sum->sessions,
        .completed = sum->completed,
        .resumed = sum->resumed,
        .hrr = sum->hrr,
        .keys_missing = sum->keys_missing,
        .decrypt_failed = sum->decrypt_failed,
    };
    memcpy(out->by_severity, sum->findings_by_sev, sizeof out->by_severity);
}

struct tp_capture_summary *tp_capture_summary_new(void)
{
    return calloc(1, sizeof(struct tp_capture_summary));
}

void tp_capture_summary_free(struct tp_capture_summary *sum)
{
    if (!sum)
        return;
    counter_free(&sum->versions);
    counter_free(&sum->suites);
    counter_free(&sum->sni);
    counter_free(&sum->findings);
    free(sum);
}

void tp_capture_summary_add(struct tp_capture_summary *sum, const struct tp_session *s)
{
    char buf[32];
    sum->sessions++;
    sum->completed += s->handshake_complete;
    sum->resumed += s->resumed;
    sum->hrr += s->hrr;
    sum->keys_missing += s->keys_missing;
    sum->decrypt_failed += s->decrypt_failed;
    const char *v = s->version ? tp_name_version(s->version) : "unknown";
    if (!v) {
        snprintf(buf, sizeof buf, "0x%04x", s->version);
        v = buf;
    }
    counter_add(&sum->versions, v, strlen(v));
    if (s->has_cipher) {
        const char *cs = tp_name_cipher_suite(s->cipher);
        if (!cs) {
            snprintf(buf, sizeof buf, "0x%04x", s->cipher);
            cs = buf;
        }
        counter_add(&sum->suites, cs, strlen(cs));
    }
    if (s->server_name)
        counter_add(&sum->sni, s->server_name, s->server_name_len);
    else
        counter_add(&sum->sni, "(no SNI)", 8);
    for (size_t i = 0; i < s->n_findings; i++) {
        counter_add(&sum->findings, s->findings[i].id, strlen(s->findings[i].id));
        if ((unsigned)s->findings[i].severity < 3)
            sum->findings_by_sev[s->findings[i].severity]++;
    }
}

/* "a ×3, b ×1" for text; up to `top` entries then "+N more". Keys from the wire
 * (SNI) are escaped. */
static void text_list(struct tp_sb *out, const struct counter *c, size_t top)
{
    struct tp_sum_entry *s = counter_sorted(c);
    if (!c->n && !c->other) {
        tp_sb_put(out, "none");
        return;
    }
    size_t shown = c->n < top ? c->n : top;
    for (size_t i = 0; s && i < shown; i++) {
        if (i)
            tp_sb_put(out, ", ");
        tp_sb_put_escaped(out, (const uint8_t *)s[i].key, s[i].key_len);
        tp_sb_printf(out, " \xc3\x97%" PRIu64, s[i].n);
    }
    if (c->n > shown)
        tp_sb_printf(out, ", +%zu more", c->n - shown);
    if (c->other)
        tp_sb_printf(out, ", (other) \xc3\x97%" PRIu64, c->other);
    free(s);
}

static void human_bytes(char *buf, size_t cap, uint64_t n)
{
    if (n >= 10ull * 1000 * 1000)
        snprintf(buf, cap, "%.1f MB", (double)n / 1e6);
    else if (n >= 10ull * 1000)
        snprintf(buf, cap, "%.1f kB", (double)n / 1e3);
    else
        snprintf(buf, cap, "%" PRIu64 " B", n);
}

void tp_capture_summary_render(struct tp_sb *out, const struct tp_capture_summary *sum,
                               const struct tp_capture_stats *st, double decode_s)
{
    uint64_t undecodable = st->too_short + st->bad_headers + st->unsupported_link;
    char b1[32];
    human_bytes(b1, sizeof b1, st->bytes);
    tp_sb_printf(out, "summary: %" PRIu64 " TLS session%s, %" PRIu64 " handshake%s completed", sum->sessions,
                 sum->sessions == 1 ? "" : "s", sum->completed, sum->completed == 1 ? "" : "s");
    if (sum->resumed)
        tp_sb_printf(out, ", %" PRIu64 " resumed", sum->resumed);
    if (sum->hrr)
        tp_sb_printf(out, ", %" PRIu64 " with HelloRetryRequest", sum->hrr);
    tp_sb_put(out, "\n  versions      ");
    text_list(out, &sum->versions, 8);
    tp_sb_put(out, "\n  cipher suites ");
    text_list(out, &sum->suites, 8);
    tp_sb_put(out, "\n  server names  ");
    text_list(out, &sum->sni, 10);
    tp_sb_put(out, "\n  findings      ");
    text_list(out, &sum->findings, 20);
    if (sum->keys_missing)
        tp_sb_printf(out, "\n  keys          %" PRIu64 " session%s had encrypted records and no key log entry",
                     sum->keys_missing, sum->keys_missing == 1 ? "" : "s");
    tp_sb_printf(out, "\n  read          %" PRIu64 " packets, %s, %" PRIu64 " TCP flows (%" PRIu64 " TLS, %" PRIu64
                      " not TLS), at most %" PRIu64 " at once",
                 st->packets, b1, st->flows, st->tls_flows, st->non_tls_flows, st->flows_active_max);
    if (st->dtls_flows)
        tp_sb_printf(out, ", %" PRIu64 " DTLS (UDP) flow%s", st->dtls_flows, st->dtls_flows == 1 ? "" : "s");
    if (st->shard_n)
        tp_sb_printf(out, "\n  shard         %" PRIu32 " of %" PRIu32
                          " (--shard): flows and sessions of this shard only, packets of all",
                     st->shard_k, st->shard_n);
    tp_sb_printf(out, "\n  flows evicted %" PRIu64, st->flows_evicted);
    if (st->flows_evicted_memory)
        tp_sb_printf(out, " (%" PRIu64 " for the flows' memory budget, %" PRIu64
                          " with the flow table full: their sessions were reported as they stood)",
                     st->flows_evicted_memory, st->flows_evicted - st->flows_evicted_memory);
    else if (st->flows_evicted)
        tp_sb_put(out, " (flow table full: their sessions were reported as they stood)");
    if (st->gaps || st->retransmissions || st->conflicts || st->fragments || st->truncated_packets || undecodable ||
        st->resyncs) {
        tp_sb_put(out, "\n  capture       ");
        char lost[64];
        human_bytes(b1, sizeof b1, st->gap_bytes);
        snprintf(lost, sizeof lost, " (capture lost %s)", b1);
        const struct { uint64_t n; const char *what, *tail; } notes[] = {
            { st->gaps, "gap", lost },
            { st->retransmissions, "retransmission", "" },
            { st->conflicts, "conflicting retransmission", " (first copy kept)" },
            { st->resyncs, "stream", " picked up mid-flow" },
            { st->fragments, "IP fragment", " (not reassembled)" },
            { st->truncated_packets, "packet", " cut short by the snap length" },
        };
        const char *sep = "";
        for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++) {
            if (!notes[i].n)
                continue;
            tp_sb_printf(out, "%s%" PRIu64 " %s%s%s", sep, notes[i].n, notes[i].what, notes[i].n == 1 ? "" : "s",
                         notes[i].tail);
            sep = ", ";
        }
        if (undecodable)
            tp_sb_printf(out, "%s%" PRIu64 " packet%s not decodable (%" PRIu64 " too short, %" PRIu64
                              " bad IP/TCP header, %" PRIu64 " unsupported link type)",
                         sep, undecodable, undecodable == 1 ? "" : "s", st->too_short, st->bad_headers,
                         st->unsupported_link);
    }
    for (size_t i = 0; i < st->n_comments; i++) {
        tp_sb_put(out, i ? "\n                " : "\n  comment       ");
        size_t k = st->comments[i].len < 200 ? st->comments[i].len : 200;
        tp_sb_put_escaped(out, (const uint8_t *)st->comments[i].text, k);
        if (k < st->comments[i].len)
            tp_sb_put(out, "…");
    }
    if (st->packet_comments)
        tp_sb_printf(out, "\n  comments      %" PRIu64 " packet comment%s (those on a session's packets are shown with it)",
                     st->packet_comments, st->packet_comments == 1 ? "" : "s");
    tp_sb_printf(out, "\n  decode time   %.3f s", decode_s);
    if (decode_s > 0.001)
        tp_sb_printf(out, " (%.0f MB/s)", (double)st->bytes / 1e6 / decode_s);
    tp_sb_putc(out, '\n');
}
