/* The pcap writer behind connect/listen --write-pcap (src/pcapw/): the real TLS
 * bytes of a live session wrapped in synthetic Ethernet + IPv4/IPv6 + TCP, real
 * timestamps, correct checksums and sequence numbers, so Wireshark/tshark (and
 * our own reader) dissect the file as TLS. Thread-safe (one lock per writer).
 *
 * Owns: the output file and its framing. Must not touch: sessions, decoding or
 * capture reading (it only writes what a probe hands it); depends on core only. */
#ifndef TLSPROBE_PCAPW_H
#define TLSPROBE_PCAPW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/error.h"
#include "tlsprobe/session.h"

struct tp_pcapw;
struct tp_pcapw_flow;
struct tp_pcapw *tp_pcapw_open(const char *path, char *err, size_t errlen);
/* Addresses as text (IPv4 or IPv6 literal). Writes SYN, SYN/ACK, ACK at t_us. */
struct tp_pcapw_flow *tp_pcapw_flow_begin(struct tp_pcapw *w, const char *client_ip, uint16_t client_port,
                                          const char *server_ip, uint16_t server_port, int64_t t_us);
/* Payload in one direction (split into segments of at most 1448 bytes). */
void tp_pcapw_data(struct tp_pcapw_flow *f, enum tp_dir dir, const uint8_t *p, size_t len, int64_t t_us);
/* FIN/ACK exchange (or RST when reset is true); frees f. */
void tp_pcapw_flow_end(struct tp_pcapw_flow *f, bool reset, int64_t t_us);
/* How a connection really ended, as the probe saw it, per side (index enum
 * tp_dir: TP_C2S is the client): when it sent FIN and when it sent RST (wall
 * clock µs, 0 for never/unseen). */
struct tp_pcapw_end {
    int64_t fin_us[2];
    int64_t rst_us[2];
};
/* Write those FINs and RSTs in time order (each FIN acknowledged by the other
 * side, nothing after an RST); frees f. */
void tp_pcapw_flow_finish(struct tp_pcapw_flow *f, const struct tp_pcapw_end *e);
/* Close the file: false when a write or the close failed (disk full...), so
 * the caller can say the pcap is incomplete. NULL is fine (true). */
bool tp_pcapw_close(struct tp_pcapw *w) TP_MUST_USE;

#endif
