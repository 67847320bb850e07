/* libpcap, loaded with dlopen when a capture is first opened.
 *
 * libpcap pulls in D-Bus, systemd, libgcrypt, lzma, zstd and lz4: linking it
 * cost every command ~2.7 ms of dynamic loading (connect, inspect, explain
 * never read a capture). Include this after <pcap/pcap.h>: the pcap_* calls of
 * this program become these wrappers. The two that open a handle (a file, an
 * interface) report "cannot load libpcap" in their error buffer when the
 * library is missing; the others are only reached with a handle, so the
 * library is there. */
#ifndef TP_CAPTURE_PCAP_LAZY_H
#define TP_CAPTURE_PCAP_LAZY_H
#include <pcap/pcap.h>
#include <stdio.h>

pcap_t *tp_lpcap_fopen_offline_with_tstamp_precision(FILE *fp, u_int precision, char *errbuf);
pcap_t *tp_lpcap_create(const char *source, char *errbuf);
int tp_lpcap_set_snaplen(pcap_t *p, int snaplen);
int tp_lpcap_set_promisc(pcap_t *p, int promisc);
int tp_lpcap_set_immediate_mode(pcap_t *p, int on);
int tp_lpcap_set_timeout(pcap_t *p, int ms);
int tp_lpcap_activate(pcap_t *p);
const char *tp_lpcap_statustostr(int status);
int tp_lpcap_compile(pcap_t *p, struct bpf_program *prog, const char *expr, int optimize, bpf_u_int32 netmask);
int tp_lpcap_setfilter(pcap_t *p, struct bpf_program *prog);
void tp_lpcap_freecode(struct bpf_program *prog);
char *tp_lpcap_geterr(pcap_t *p);
int tp_lpcap_datalink(pcap_t *p);
int tp_lpcap_dispatch(pcap_t *p, int cnt, pcap_handler cb, u_char *user);
void tp_lpcap_breakloop(pcap_t *p); /* async-signal-safe: the library is loaded once a handle exists */
void tp_lpcap_close(pcap_t *p);
/* The pcapng reader's per-interface filters (capture/pcapng.c). */
pcap_t *tp_lpcap_open_dead(int linktype, int snaplen, char *errbuf);
int tp_lpcap_offline_filter(const struct bpf_program *prog, const struct pcap_pkthdr *h, const u_char *pkt);

/* pcap_lazy.c itself defines TP_LPCAP_DEFINE: it needs the prototypes above
 * (-Wmissing-prototypes) but calls the real pcap_* through dlsym. */
#ifndef TP_LPCAP_DEFINE
#define pcap_fopen_offline_with_tstamp_precision tp_lpcap_fopen_offline_with_tstamp_precision
#define pcap_create tp_lpcap_create
#define pcap_set_snaplen tp_lpcap_set_snaplen
#define pcap_set_promisc tp_lpcap_set_promisc
#define pcap_set_immediate_mode tp_lpcap_set_immediate_mode
#define pcap_set_timeout tp_lpcap_set_timeout
#define pcap_activate tp_lpcap_activate
#define pcap_statustostr tp_lpcap_statustostr
#define pcap_compile tp_lpcap_compile
#define pcap_setfilter tp_lpcap_setfilter
#define pcap_freecode tp_lpcap_freecode
#define pcap_geterr tp_lpcap_geterr
#define pcap_datalink tp_lpcap_datalink
#define pcap_dispatch tp_lpcap_dispatch
#define pcap_breakloop tp_lpcap_breakloop
#define pcap_close tp_lpcap_close
#define pcap_offline_filter tp_lpcap_offline_filter
#endif
#endif
