/* Captures: read pcap/pcapng files and live interfaces (libpcap), reassemble TCP,
 * find TLS by content (record framing is core/framer), feed sessions, judge them
 * (on a second thread with opts.threaded); the closing summary's counts.
 * (Writing pcap files of live sessions is tlsprobe/pcapw.h.)
 * Owns: libpcap (loaded on first use), flows, TCP reassembly, the finisher
 * thread. Must not: render or print (the summary is a struct render prints),
 * or parse TLS beyond record headers (the session does). */
#ifndef TLSPROBE_CAPTURE_H
#define TLSPROBE_CAPTURE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/error.h"
#include "tlsprobe/session.h"
#include "tlsprobe/strbuf.h"

/* ---- reading: one packet -> link layer, IP, TCP ----
 * Link types are libpcap DLT values (pcap_datalink()). Every byte goes through
 * tlsprobe/reader.h; the result holds views into the packet. */
enum tp_pkt_kind {
    TP_PKT_TCP = 0,          /* a TCP segment: fields below are set */
    TP_PKT_OTHER,            /* not IP, or IP but not TCP (ARP, UDP, ICMP...) */
    TP_PKT_FRAGMENT,         /* an IPv4/IPv6 fragment (counted, not reassembled) */
    TP_PKT_TOO_SHORT,        /* captured bytes end inside a link/IP/TCP header */
    TP_PKT_BAD,              /* a header is inconsistent (IHL < 5, bogus lengths) */
    TP_PKT_LINK_UNSUPPORTED, /* a link type we do not decode */
    TP_PKT_UDP,              /* a UDP datagram: addresses, ports, payload set */
};
struct tp_pkt {
    uint8_t ipver;                   /* 4 or 6 */
    uint8_t src[16], dst[16];        /* IPv4 in the first 4 bytes */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;                   /* TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10) */
    struct tp_bytes payload;         /* captured payload bytes */
    uint32_t payload_len;            /* payload length claimed by the IP header (>= payload.len;
                                      * more when caplen < len or snaplen cut the packet) */
};
#define TP_TCP_FIN 0x01
#define TP_TCP_SYN 0x02
#define TP_TCP_RST 0x04
#define TP_TCP_ACK 0x10
enum tp_pkt_kind tp_pkt_parse(int dlt, const uint8_t *data, size_t caplen, struct tp_pkt *out);
/* "ADDR:PORT" / "[ADDR]:PORT" of one side into buf (at least 64 bytes). */
void tp_pkt_endpoint(uint8_t ipver, const uint8_t addr[16], uint16_t port, char *buf, size_t cap);

/* ---- TCP reassembly of one direction ----
 * Wrap-safe sequence arithmetic (RFC 9293 §3.4: compare as signed 32-bit
 * differences). In-order bytes are handed to `data` without copying; out-of-order
 * segments are copied into a bounded queue (TP_MAX_OOO_SEGMENTS segments and
 * TP_MAX_FLOW_BUFFER bytes); when it is full the first hole is declared a gap.
 * Retransmitted and overlapping bytes: the first copy wins; when a later copy
 * differs from what was kept it is counted as a conflict. */
struct tp_tcp_sink {
    void (*data)(void *ctx, const uint8_t *p, size_t len, int64_t t_us);
    void (*gap)(void *ctx, uint64_t lost, int64_t t_us);
    void *ctx;
    struct tp_tcp_pool *pool; /* where a history buffer comes from (NULL: malloc) */
};
struct tp_tcp_seg;
struct tp_tcp_dir {
    bool synced;             /* next is known (SYN seen, or the first data segment) */
    bool fin;                /* FIN seen */
    uint32_t next;           /* next expected sequence number */
    struct tp_tcp_seg *ooo;  /* lazily allocated queue (TP_MAX_OOO_SEGMENTS) */
    uint32_t n_ooo;
    uint32_t ooo_bytes;
    bool hist_on;            /* history wanted: hist is taken at the first byte delivered */
    uint8_t *hist;           /* last TP_TCP_HISTORY delivered bytes (conflict checks), or NULL */
    uint32_t hist_valid;     /* how many bytes of hist are meaningful */
    /* counters */
    uint64_t bytes;          /* delivered in order */
    uint64_t gap_bytes;      /* declared lost */
    uint32_t retrans;        /* segments carrying only already-seen bytes (or partly) */
    uint32_t conflicts;      /* overlaps whose bytes differ from the first copy */
    uint32_t ooo_segments;   /* segments that arrived ahead of a hole */
    bool holding;            /* no SYN: the first segments are queued, the start is the lowest seq */
};
/* History kept per direction for conflict checks (bytes, while enabled). */
#define TP_TCP_HISTORY 2048
/* History buffers of ended directions, kept for the next flows instead of a
 * free + malloc per direction (a capture opens tens of thousands). The caller's
 * (struct tp_capture keeps one for its reading thread); NULL: no reuse. */
#define TP_TCP_POOL 16
struct tp_tcp_pool {
    uint8_t *buf[TP_TCP_POOL];
    size_t n;
};
void tp_tcp_pool_free(struct tp_tcp_pool *p);     /* the kept buffers */
void tp_tcp_dir_init(struct tp_tcp_dir *d);
/* Frees queue and history (the history into pool); keeps counters. */
void tp_tcp_dir_free(struct tp_tcp_dir *d, struct tp_tcp_pool *pool);
/* Keep a short history of delivered bytes so conflicting retransmissions of
 * already delivered data are noticed (off by default; turned off to save memory). */
void tp_tcp_dir_history(struct tp_tcp_dir *d, bool on, struct tp_tcp_pool *pool);
/* Bytes the direction holds: its history and out-of-order queue. */
size_t tp_tcp_dir_footprint(const struct tp_tcp_dir *d);
/* SYN with its sequence number: the stream starts at isn + 1. */
void tp_tcp_dir_syn(struct tp_tcp_dir *d, uint32_t isn);
/* A segment: seq, the captured bytes, and the length the packet claimed (bytes
 * beyond the captured ones are reported as a gap). */
void tp_tcp_dir_segment(struct tp_tcp_dir *d, uint32_t seq, const uint8_t *p, size_t len, uint32_t claimed,
                        int64_t t_us, const struct tp_tcp_sink *sink);
/* End of the stream (FIN, RST, end of file): what is queued behind a hole is
 * delivered after a gap. */
void tp_tcp_dir_flush(struct tp_tcp_dir *d, int64_t t_us, const struct tp_tcp_sink *sink);
/* A stream without a SYN holds its first TP_TCP_HOLD_SEGMENTS segments so its
 * start is the lowest sequence number seen (a retransmission or a reordered
 * segment may arrive before the first bytes); the hold ends when it is full, at
 * flush, or here (the peer answered: what came before the answer is complete). */
#define TP_TCP_HOLD_SEGMENTS 4
void tp_tcp_dir_release(struct tp_tcp_dir *d, int64_t t_us, const struct tp_tcp_sink *sink);

/* ---- the capture decoder: packets -> flows -> sessions ----
 * Flows are tracked in a table of at most max_flows (TP_MAX_FLOWS by default);
 * the least recently active one is evicted when it is full. TLS is recognised by
 * content (a plausible record header or an SSLv2 ClientHello at the start of a
 * stream, or a resynchronisation point mid-stream), never by port. A session is
 * finished, diagnosed and handed to on_session as soon as its flow ends (FIN from
 * both sides, RST, eviction, end of input) — or, with opts.threaded, queued for
 * that; the callee must not keep it: it is freed after the call. */
struct tp_capture_opts {
    const struct tp_keylog *keylog;  /* borrowed, may be NULL */
    size_t max_flows;                /* 0: TP_MAX_FLOWS */
    size_t max_flow_memory;          /* bytes the tracked flows may hold; 0: TP_MAX_FLOW_MEMORY */
    const char *only_server;         /* --server "ADDR:PORT" ("[v6]:port"), NULL all */
    const char *only_sni;            /* --sni NAME, NULL all */
    unsigned long only_session;      /* --session N (1-based, order of first packet), 0 all */
    void (*on_session)(struct tp_session *s, unsigned long index, void *ctx);
    void *ctx;
    /* Chain verification of each server chain seen (dates as of the capture, name =
     * SNI, never AIA): trust anchors from cafile/capath, NULL: the system store
     * (loaded on first use). Results are cached per (chain, SNI, capture day). */
    const char *cafile, *capath;
    bool no_verify;
    int64_t at;                      /* --at: judge dates at this time (s since epoch), not the capture's; 0: not set */
    /* Judge and emit sessions on a second thread (verification, diagnosis and
     * on_session run there, one at a time, in the same order as without it), so
     * decoding and rendering overlap on two cores. tp_capture_flush returns once
     * every session has been emitted. Not for callers that read their on_session
     * state while packets are still being fed. */
    bool threaded;
    /* --shard K/N: only the TCP flows whose Community ID v1 (seed 0) SHA-1, its
     * first 4 bytes read as a big-endian number, is K-1 modulo N (K from 1);
     * shard_n 0 or 1: every flow. N runs with K = 1..N see each flow once. */
    uint32_t shard_k, shard_n;
};
/* The shard (1..n) of a TCP flow, either direction given (0 when n is 0 or the
 * address length is not 4 or 16). */
uint32_t tp_capture_shard_of(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb, size_t alen, uint32_t n);
struct tp_capture_stats {
    uint64_t packets, bytes;         /* packets read, bytes captured (caplen) */
    uint64_t wire_bytes;             /* original lengths */
    uint64_t tcp_packets, other_packets, fragments, too_short, bad_headers, unsupported_link;
    uint64_t truncated_packets;      /* caplen < len */
    uint64_t flows, tls_flows, non_tls_flows, flows_evicted, flows_active_max;
    uint64_t flows_evicted_memory;   /* of flows_evicted: for the memory budget (max_flow_memory) */
    uint64_t sessions;               /* handed to on_session (after selection) */
    uint64_t gap_bytes, gaps, retransmissions, conflicts;
    uint64_t resyncs;                /* TLS found mid-stream */
    uint64_t skipped_records;        /* records counted without decoding (no keys, handshake over) */
    uint64_t chains_verified, verify_cache_hits;
    uint32_t shard_k, shard_n;       /* --shard K/N (0: none); the counts above are of this shard's flows */
    uint64_t dtls_flows;             /* UDP flows decoded as DTLS (not in flows / tls_flows) */
    uint64_t packet_comments;        /* pcapng packet comments read (those on a TLS or DTLS
                                      * session's packets are in its comments) */
    /* the capture's own comments (pcapng SHB opt_comment), in file order; dir unused */
    const struct tp_plain_line *comments;
    size_t n_comments, n_comments_dropped;
};

struct tp_capture;
struct tp_capture *tp_capture_new(const struct tp_capture_opts *o);
void tp_capture_free(struct tp_capture *c);    /* does not emit remaining flows: call _flush first */
/* One packet as libpcap gives it (dlt from pcap_datalink). */
void tp_capture_packet(struct tp_capture *c, int dlt, int64_t t_us, const uint8_t *data, size_t caplen, size_t wirelen);
/* A comment on the packet tp_capture_packet is given next (pcapng opt_comment; a
 * packet may have several): text is not copied, and must stay valid until that
 * call returns, which keeps it with the packet's flow. */
void tp_capture_packet_comment(struct tp_capture *c, const char *text, size_t len);
/* A comment on the capture itself (a pcapng section's opt_comment): copied into
 * the stats' comments (at most TP_MAX_PLAIN_LINES, each cut at TP_MAX_PLAIN_LINE). */
void tp_capture_file_comment(struct tp_capture *c, const char *text, size_t len);
/* End of input: every remaining flow's session is emitted (oldest first). */
void tp_capture_flush(struct tp_capture *c, int64_t t_us);
const struct tp_capture_stats *tp_capture_get_stats(const struct tp_capture *c);
/* Non-empty when the trust store could not be loaded (verification was skipped). */
const char *tp_capture_store_error(const struct tp_capture *c);
/* True once --session N has been emitted (the reader may stop). */
bool tp_capture_done(const struct tp_capture *c);

/* A packet time (seconds, microseconds) as µs since the epoch, saturating. */
int64_t tp_capture_time_us(int64_t sec, int64_t usec);

/* Read a whole pcap/pcapng file through libpcap (filter: BPF text or NULL).
 * TP_ERR_IO with a one-line message in err when the file cannot be opened or is
 * corrupt; a file merely truncated at the end is read as far as it goes, returns
 * TP_OK and sets *truncated (with the reason in err). */
enum tp_err tp_capture_read_file(struct tp_capture *c, const char *path, const char *filter, bool *truncated,
                                 char *err, size_t errlen) TP_MUST_USE;
/* The same in two steps, so that every input can be opened (and its filter
 * compiled) before the decoding process gives up the right to open files
 * (tlsprobe/sandbox.h): tp_capture_src_open fails as tp_capture_read_file does
 * on open; tp_capture_read_src reads the source and closes it. */
struct tp_capture_src;
enum tp_err tp_capture_src_open(const char *path, const char *filter, struct tp_capture_src **out, char *err,
                                size_t errlen) TP_MUST_USE;
enum tp_err tp_capture_read_src(struct tp_capture *c, struct tp_capture_src *src, bool *truncated, char *err,
                                size_t errlen) TP_MUST_USE;
void tp_capture_src_close(struct tp_capture_src *src); /* one not read (NULL is fine) */
/* Load the trust store now rather than at the first chain (before a sandbox). */
void tp_capture_preload(struct tp_capture *c);
/* The same from memory (fuzzing, tests). */
enum tp_err tp_capture_read_mem(struct tp_capture *c, const uint8_t *data, size_t len, const char *filter,
                                bool *truncated, char *err, size_t errlen) TP_MUST_USE;

/* pcapng read by tlsprobe itself (not libpcap), as it is for files libpcap
 * refuses (interfaces of different link types or snap lengths, sections of
 * different byte orders): every packet of data into c (fuzzing, tests).
 * TP_ERR_TRUNCATED / TP_ERR_MALFORMED when the block structure breaks (the
 * packets before it were delivered). */
enum tp_err tp_pcapng_read_mem(struct tp_capture *c, const uint8_t *data, size_t len, const char *filter) TP_MUST_USE;

/* ---- live capture (sniff): an interface through libpcap ----
 * Snap length 256 KiB, not promiscuous, packets delivered at once. */
struct tp_live;
/* Open iface with an optional BPF filter (NULL: none). TP_ERR_USAGE: the filter
 * did not compile (err holds the whole message); TP_ERR_IO: the interface cannot
 * be captured on (err says why: not permitted, no such interface, libpcap
 * missing...); TP_ERR_NOMEM. */
enum tp_err tp_live_open(const char *iface, const char *filter, struct tp_live **out, char *err,
                         size_t errlen) TP_MUST_USE;
/* Feed packets to c as they arrive until tp_live_stop, or until more(ctx) (NULL:
 * always) is false: asked before every read, which waits at most 200 ms.
 * TP_ERR_IO with the reason in err when reading fails. */
enum tp_err tp_live_run(struct tp_live *l, struct tp_capture *c, bool (*more)(void *ctx), void *ctx, char *err,
                        size_t errlen) TP_MUST_USE;
/* Make tp_live_run return soon. Async-signal-safe: for a SIGINT handler. */
void tp_live_stop(struct tp_live *l);
void tp_live_close(struct tp_live *l);

/* pcapng Decryption Secrets Blocks (type 0x0000000A) with TLS key log secrets
 * (0x544c534b "TLSK"): libpcap does not expose them, so the file is walked here.
 * Appends each block's key log text to *text (malloc'd, grown; NUL-terminated)
 * and counts blocks in *n_blocks. A pcap (not pcapng) file adds nothing. Returns
 * TP_ERR_IO when unreadable, TP_ERR_MALFORMED / TP_ERR_TRUNCATED for a broken
 * block structure (what was found before it is kept). */
enum tp_err tp_pcapng_secrets(const uint8_t *data, size_t len, char **text, size_t *text_len, size_t *n_blocks) TP_MUST_USE;
enum tp_err tp_pcapng_secrets_file(const char *path, char **text, size_t *text_len, size_t *n_blocks,
                                   char *err, size_t errlen) TP_MUST_USE;

/* ---- the closing summary (pcap, sniff) ---- */
struct tp_capture_summary;
struct tp_capture_summary *tp_capture_summary_new(void);
void tp_capture_summary_free(struct tp_capture_summary *sum);
/* Count one emitted session (after diagnosis). */
void tp_capture_summary_add(struct tp_capture_summary *sum, const struct tp_session *s);
/* The text block for stderr. */
void tp_capture_summary_render(struct tp_sb *out, const struct tp_capture_summary *sum,
                               const struct tp_capture_stats *st, double decode_s);
/* What a renderer reads: the totals, and each table sorted most frequent first
 * (a malloc'd array the caller frees, NULL when empty; its keys belong to sum;
 * *other counts keys beyond the table's limit). */
struct tp_capture_totals {
    uint64_t sessions, completed, resumed, hrr, keys_missing, decrypt_failed;
    uint64_t by_severity[3];         /* findings, index enum tp_severity */
};
void tp_capture_summary_totals(const struct tp_capture_summary *sum, struct tp_capture_totals *out);
enum tp_sum_table { TP_SUM_VERSIONS, TP_SUM_SUITES, TP_SUM_SNI, TP_SUM_FINDINGS };
struct tp_sum_entry {
    const char *key;                 /* SNI keys are bytes from the wire: escape them */
    size_t key_len;
    uint64_t n;
};
struct tp_sum_entry *tp_capture_summary_table(const struct tp_capture_summary *sum, enum tp_sum_table t, size_t *n,
                                              uint64_t *other);
/* The closing JSON line {"schema_version":2,"type":"summary",...} (docs/capture.md)
 * of a multi-session command: source "pcap", "sniff", "listen", "demo"; st and
 * decode_s only for a capture (st NULL: "capture" is null). Written by render
 * (src/render/summary_json.c, linked into tp_render). */
void tp_render_capture_summary_json(struct tp_sb *out, const char *source, const struct tp_capture_summary *sum,
                                    const struct tp_capture_stats *st, double decode_s);

#endif
