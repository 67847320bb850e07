/* Captures: read pcap/pcapng files and live interfaces (libpcap), reassemble TCP,
 * find TLS by content, feed sessions; and write pcap files of live sessions. */
#ifndef TLSPROBE_CAPTURE_H
#define TLSPROBE_CAPTURE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/error.h"
#include "tlsprobe/session.h"

/* ---- writing (connect/listen --write-pcap) ----
 * Synthetic Ethernet/IPv4|IPv6/TCP around the real bytes, real timestamps,
 * correct checksums and sequence numbers, so Wireshark/tshark dissect it as TLS.
 * Thread-safe (one lock per writer). */
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
void tp_pcapw_close(struct tp_pcapw *w);

#endif
