/* The summary of a multi-session command as the final JSON line
 * {"schema_version":2,"type":"summary","source":...} (docs/capture.md, schema
 * docs/schema/summary.schema.json): tlsprobe pcap / sniff / listen / demo all
 * --format json, and connect with several targets ("targets", else null). The counts are the capture module's (tp_capture_summary_totals
 * / _table, include/tlsprobe/capture.h); this file only writes them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "jw.h"
#include "render_int.h"
#include "tlsprobe/capture.h"

/* One table as an object {"key": n, ...}, most frequent first. */
static void json_table(struct jw *w, const char *name, const struct tp_capture_summary *sum, enum tp_sum_table t)
{
    size_t n = 0;
    uint64_t other = 0;
    struct tp_sum_entry *v = tp_capture_summary_table(sum, t, &n, &other);
    jw_key(w, name);
    jw_open(w, '{');
    for (size_t i = 0; i < n; i++) {
        jw_item(w);
        tp_sb_put_json(w->o, (const uint8_t *)v[i].key, v[i].key_len);
        tp_sb_putc(w->o, ':');
        jw_put_u64(w->o, v[i].n);
    }
    if (other)
        jw_u64(w, "(other)", other);
    jw_close(w, '}');
    free(v);
}

/* A run of "key":number members, in order. */
struct member {
    const char *key;
    uint64_t n;
};
static void json_members(struct jw *w, const struct member *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        jw_u64(w, m[i].key, m[i].n);
}

/* What only a capture knows: packets, flows, the decoding time. */
static void json_capture(struct jw *w, const struct tp_capture_stats *st, double decode_s)
{
    if (!st) {
        jw_null(w, "capture");
        return;
    }
    jw_key(w, "capture");
    jw_open(w, '{');
    const struct member m[] = {
        { "packets", st->packets }, { "bytes", st->bytes }, { "tcp_packets", st->tcp_packets },
        { "other_packets", st->other_packets }, { "fragments", st->fragments },
        { "truncated_packets", st->truncated_packets },
        { "undecodable_packets", st->too_short + st->bad_headers + st->unsupported_link },
        { "flows", st->flows }, { "tls_flows", st->tls_flows }, { "non_tls_flows", st->non_tls_flows },
        { "flows_evicted", st->flows_evicted }, { "max_concurrent_flows", st->flows_active_max },
        { "gaps", st->gaps }, { "gap_bytes", st->gap_bytes }, { "retransmissions", st->retransmissions },
        { "conflicting_retransmissions", st->conflicts }, { "resynchronised", st->resyncs },
        { "records_counted_not_decoded", st->skipped_records },
        { "dtls_flows", st->dtls_flows }, { "packet_comments", st->packet_comments },
    };
    json_members(w, m, sizeof m / sizeof m[0]);
    jw_key(w, "comments"); /* the capture's own (pcapng section comments) */
    jw_open(w, '[');
    for (size_t i = 0; i < st->n_comments; i++) {
        jw_item(w);
        tp_sb_put_json(w->o, (const uint8_t *)st->comments[i].text, st->comments[i].len);
    }
    jw_close(w, ']');
    char sec[32];
    snprintf(sec, sizeof sec, "%.3f", decode_s < 0 ? 0.0 : decode_s);
    jw_raw(w, "decode_seconds", sec);
    jw_close(w, '}');
}

/* connect with several targets: what it was given and how the sessions went. */
static void json_targets(struct jw *w, const struct tp_render_many_counts *c)
{
    if (!c) {
        jw_null(w, "targets");
        return;
    }
    jw_key(w, "targets");
    jw_open(w, '{');
    const struct member m[] = {
        { "targets", c->targets }, { "sessions", c->sessions }, { "ok", c->ok }, { "warning", c->warning },
        { "error", c->error }, { "bad_lines", c->bad_lines },
    };
    json_members(w, m, sizeof m / sizeof m[0]);
    jw_close(w, '}');
}

static void summary_json(struct tp_sb *out, const char *source, const struct tp_capture_summary *sum,
                         const struct tp_capture_stats *st, double decode_s, const struct tp_render_many_counts *mc)
{
    struct tp_capture_totals t;
    tp_capture_summary_totals(sum, &t);
    struct jw w;
    jw_init(&w, out);
    jw_open(&w, '{');
    jw_u64(&w, "schema_version", TP_JSON_SCHEMA_VERSION);
    jw_str(&w, "type", "summary");
    jw_str(&w, "source", source);
    const struct member head[] = {
        { "sessions", t.sessions }, { "handshakes_completed", t.completed }, { "resumed", t.resumed },
        { "hello_retry_requests", t.hrr }, { "keys_missing", t.keys_missing }, { "decrypt_failed", t.decrypt_failed },
    };
    json_members(&w, head, sizeof head / sizeof head[0]);
    json_table(&w, "versions", sum, TP_SUM_VERSIONS);
    json_table(&w, "cipher_suites", sum, TP_SUM_SUITES);
    json_table(&w, "server_names", sum, TP_SUM_SNI);
    json_table(&w, "finding_counts", sum, TP_SUM_FINDINGS);
    jw_key(&w, "findings_by_severity");
    jw_open(&w, '{');
    jw_u64(&w, "error", t.by_severity[2]);
    jw_u64(&w, "warning", t.by_severity[1]);
    jw_u64(&w, "info", t.by_severity[0]);
    jw_close(&w, '}');
    json_capture(&w, st, decode_s);
    json_targets(&w, mc);
    jw_close(&w, '}');
    tp_sb_putc(out, '\n');
}

void tp_render_capture_summary_json(struct tp_sb *out, const char *source, const struct tp_capture_summary *sum,
                                    const struct tp_capture_stats *st, double decode_s)
{
    summary_json(out, source, sum, st, decode_s, NULL);
}

void tp_render_connect_summary_json(struct tp_sb *out, const struct tp_capture_summary *sum,
                                    const struct tp_render_many_counts *c)
{
    summary_json(out, "connect", sum, NULL, 0, c);
}
