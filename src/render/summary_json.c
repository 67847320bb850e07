/* The capture summary as the final JSON line {"summary": {...}} (docs/json.md):
 * tlsprobe pcap / sniff --format json. The counts are the capture module's
 * (tp_capture_summary_totals / _table, include/tlsprobe/capture.h); this file
 * only writes them. Owned by the capture module's owner, linked into tp_render. */
#include <inttypes.h>
#include <stdlib.h>
#include "tlsprobe/capture.h"
#include "tlsprobe/strbuf.h"

/* One table as an object {"key": n, ...}, most frequent first. */
static void json_table(struct tp_sb *out, const char *name, const struct tp_capture_summary *sum, enum tp_sum_table t)
{
    size_t n = 0;
    uint64_t other = 0;
    struct tp_sum_entry *v = tp_capture_summary_table(sum, t, &n, &other);
    tp_sb_printf(out, ",\"%s\":{", name);
    for (size_t i = 0; i < n; i++) {
        if (i)
            tp_sb_putc(out, ',');
        tp_sb_put_json(out, (const uint8_t *)v[i].key, v[i].key_len);
        tp_sb_printf(out, ":%" PRIu64, v[i].n);
    }
    if (other)
        tp_sb_printf(out, "%s\"(other)\":%" PRIu64, n ? "," : "", other);
    tp_sb_putc(out, '}');
    free(v);
}

/* A run of "key":number members, in order. */
struct member {
    const char *key;
    uint64_t n;
};
static void json_members(struct tp_sb *out, const struct member *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tp_sb_printf(out, ",\"%s\":%" PRIu64, m[i].key, m[i].n);
}

void tp_render_capture_summary_json(struct tp_sb *out, const struct tp_capture_summary *sum,
                                    const struct tp_capture_stats *st, double decode_s)
{
    struct tp_capture_totals t;
    tp_capture_summary_totals(sum, &t);
    tp_sb_printf(out, "{\"summary\":{\"sessions\":%" PRIu64, t.sessions);
    const struct member head[] = {
        { "handshakes_completed", t.completed }, { "resumed", t.resumed }, { "hello_retry_requests", t.hrr },
        { "keys_missing", t.keys_missing }, { "decrypt_failed", t.decrypt_failed },
    };
    json_members(out, head, sizeof head / sizeof head[0]);
    json_table(out, "versions", sum, TP_SUM_VERSIONS);
    json_table(out, "cipher_suites", sum, TP_SUM_SUITES);
    json_table(out, "server_names", sum, TP_SUM_SNI);
    json_table(out, "findings", sum, TP_SUM_FINDINGS);
    tp_sb_printf(out, ",\"findings_by_severity\":{\"error\":%" PRIu64 ",\"warning\":%" PRIu64 ",\"info\":%" PRIu64 "}",
                 t.by_severity[2], t.by_severity[1], t.by_severity[0]);
    const struct member tail[] = {
        { "packets", st->packets }, { "bytes", st->bytes }, { "tcp_packets", st->tcp_packets },
        { "other_packets", st->other_packets }, { "fragments", st->fragments },
        { "truncated_packets", st->truncated_packets },
        { "undecodable_packets", st->too_short + st->bad_headers + st->unsupported_link },
        { "flows", st->flows }, { "tls_flows", st->tls_flows }, { "non_tls_flows", st->non_tls_flows },
        { "flows_evicted", st->flows_evicted }, { "max_concurrent_flows", st->flows_active_max },
        { "gaps", st->gaps }, { "gap_bytes", st->gap_bytes }, { "retransmissions", st->retransmissions },
        { "conflicting_retransmissions", st->conflicts }, { "resynchronised", st->resyncs },
        { "records_counted_not_decoded", st->skipped_records },
    };
    json_members(out, tail, sizeof tail / sizeof tail[0]);
    tp_sb_printf(out, ",\"decode_seconds\":%.3f}}\n", decode_s);
}
