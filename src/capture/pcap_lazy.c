/* libpcap through dlopen (see pcap_lazy.h for why). */
#include <dlfcn.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#define TP_LPCAP_DEFINE
#include "capture/pcap_lazy.h"

#ifndef TP_PCAP_SONAME
#define TP_PCAP_SONAME "libpcap.so.0.8" /* Debian's; CMake passes the one it found */
#endif

#define PCAP_FNS(X)                                                                                               \
    X(pcap_fopen_offline_with_tstamp_precision)                                                                   \
    X(pcap_create) X(pcap_set_snaplen) X(pcap_set_promisc) X(pcap_set_immediate_mode) X(pcap_set_timeout)         \
    X(pcap_activate) X(pcap_statustostr) X(pcap_compile) X(pcap_setfilter) X(pcap_freecode) X(pcap_geterr)         \
    X(pcap_datalink) X(pcap_dispatch) X(pcap_breakloop) X(pcap_close) X(pcap_open_dead) X(pcap_offline_filter)

static struct {
#define X(n) __typeof__(&n) n;
    PCAP_FNS(X)
#undef X
} fn;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool loaded;
static char load_err[256];

static void load(void)
{
    static const char *const names[] = { TP_PCAP_SONAME, "libpcap.so.1", "libpcap.so.0.8", "libpcap.so" };
    void *h = NULL;
    const char *why = "not found";
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !h; i++)
        if (!(h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL)) && dlerror() && i == 0)
            why = "cannot be opened";
    if (!h) {
        snprintf(load_err, sizeof load_err, "cannot load libpcap (%s %s): install libpcap0.8", TP_PCAP_SONAME, why);
        return;
    }
#define X(n)                                                                                                      \
    *(void **)&fn.n = dlsym(h, #n);                                                                               \
    if (!fn.n) {                                                                                                  \
        snprintf(load_err, sizeof load_err, "the libpcap found has no %s", #n);                                   \
        return;                                                                                                   \
    }
    PCAP_FNS(X)
#undef X
    loaded = true;
}

static bool ensure(char *errbuf)
{
    pthread_once(&once, load);
    if (!loaded && errbuf)
        snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", load_err);
    return loaded;
}

pcap_t *tp_lpcap_fopen_offline_with_tstamp_precision(FILE *fp, u_int precision, char *errbuf)
{
    return ensure(errbuf) ? fn.pcap_fopen_offline_with_tstamp_precision(fp, precision, errbuf) : NULL;
}

pcap_t *tp_lpcap_create(const char *source, char *errbuf)
{
    return ensure(errbuf) ? fn.pcap_create(source, errbuf) : NULL;
}

/* Only reached with a handle from the two above: the library is loaded. */
int tp_lpcap_set_snaplen(pcap_t *p, int v) { return fn.pcap_set_snaplen(p, v); }
int tp_lpcap_set_promisc(pcap_t *p, int v) { return fn.pcap_set_promisc(p, v); }
int tp_lpcap_set_immediate_mode(pcap_t *p, int v) { return fn.pcap_set_immediate_mode(p, v); }
int tp_lpcap_set_timeout(pcap_t *p, int v) { return fn.pcap_set_timeout(p, v); }
int tp_lpcap_activate(pcap_t *p) { return fn.pcap_activate(p); }
const char *tp_lpcap_statustostr(int s) { return loaded ? fn.pcap_statustostr(s) : "libpcap not loaded"; }
int tp_lpcap_compile(pcap_t *p, struct bpf_program *prog, const char *expr, int opt, bpf_u_int32 mask)
{
    return fn.pcap_compile(p, prog, expr, opt, mask);
}
int tp_lpcap_setfilter(pcap_t *p, struct bpf_program *prog) { return fn.pcap_setfilter(p, prog); }
void tp_lpcap_freecode(struct bpf_program *prog) { fn.pcap_freecode(prog); }
char *tp_lpcap_geterr(pcap_t *p) { return fn.pcap_geterr(p); }
int tp_lpcap_datalink(pcap_t *p) { return fn.pcap_datalink(p); }
int tp_lpcap_dispatch(pcap_t *p, int cnt, pcap_handler cb, u_char *user) { return fn.pcap_dispatch(p, cnt, cb, user); }
void tp_lpcap_breakloop(pcap_t *p) { fn.pcap_breakloop(p); }
void tp_lpcap_close(pcap_t *p) { fn.pcap_close(p); }

/* A handle to compile filters for one link type: may be the first call. */
pcap_t *tp_lpcap_open_dead(int linktype, int snaplen, char *errbuf)
{
    return ensure(errbuf) ? fn.pcap_open_dead(linktype, snaplen) : NULL;
}
int tp_lpcap_offline_filter(const struct bpf_program *prog, const struct pcap_pkthdr *h, const u_char *pkt)
{
    return fn.pcap_offline_filter(prog, h, pkt);
}
