/* What capture/readfile.c (files) and capture/live.c (interfaces) share of
 * libpcap: the packet callback and the BPF filter. Include after <pcap/pcap.h>. */
#ifndef TP_CAPTURE_PCAP_GLUE_H
#define TP_CAPTURE_PCAP_GLUE_H
#include <pcap/pcap.h>
#include <stddef.h>
#include "tlsprobe/capture.h"

/* The user argument of tp_pcap_on_packet: where packets go, and their link type. */
struct tp_pcap_loop {
    struct tp_capture *c;
    int dlt;
};

/* A pcap_handler: one packet into k->c (user is a struct tp_pcap_loop *). */
void tp_pcap_on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data);

/* A BPF filter on p (NULL or empty: none). TP_ERR_USAGE with the message in err. */
enum tp_err tp_pcap_set_filter(pcap_t *p, const char *filter, char *err, size_t errlen);

#endif
