/* Live capture (tlsprobe sniff) through libpcap: an interface opened with
 * pcap_create/pcap_activate, packets fed to a struct tp_capture as they come
 * until tp_live_stop. The packet callback and the BPF filter are capture/
 * readfile.c's (capture/pcap_glue.h), so a packet from an interface takes the
 * same path as one from a file. */
#include <signal.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include "tlsprobe/capture.h"
#include "capture/pcap_lazy.h"
#include "capture/pcap_glue.h"

struct tp_live {
    pcap_t *p;
    volatile sig_atomic_t stop;
};

static const char *activate_error(pcap_t *p, int rc)
{
    if (rc == PCAP_ERROR_PERM_DENIED)
        return "not permitted: capturing needs root or the CAP_NET_RAW capability "
               "(run it as root, or 'sudo setcap cap_net_raw,cap_net_admin=eip' on the tlsprobe binary)";
    if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
        return "no such interface (see 'ip link')";
    const char *why = pcap_geterr(p);
    return why && *why ? why : pcap_statustostr(rc);
}

enum tp_err tp_live_open(const char *iface, const char *filter, struct tp_live **out, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    pcap_t *p = pcap_create(iface, perr);
    if (!p) {
        snprintf(err, errlen, "%s", perr);
        return TP_ERR_IO;
    }
    pcap_set_snaplen(p, 262144);
    pcap_set_promisc(p, 0);
    pcap_set_immediate_mode(p, 1);
    pcap_set_timeout(p, 200);
    int rc = pcap_activate(p);
    enum tp_err e = TP_OK;
    if (rc < 0) {
        snprintf(err, errlen, "%s", activate_error(p, rc));
        e = TP_ERR_IO;
    } else {
        e = tp_pcap_set_filter(p, filter, err, errlen);
    }
    struct tp_live *l = e == TP_OK ? calloc(1, sizeof *l) : NULL;
    if (!l) {
        if (e == TP_OK) {
            snprintf(err, errlen, "out of memory");
            e = TP_ERR_NOMEM;
        }
        pcap_close(p);
        return e;
    }
    l->p = p;
    *out = l;
    return TP_OK;
}

enum tp_err tp_live_run(struct tp_live *l, struct tp_capture *c, bool (*more)(void *ctx), void *ctx, char *err,
                        size_t errlen)
{
    struct tp_pcap_loop k = { c, pcap_datalink(l->p) };
    while (!l->stop && (!more || more(ctx))) {
        int n = pcap_dispatch(l->p, -1, tp_pcap_on_packet, (u_char *)&k);
        if (n == PCAP_ERROR_BREAK)
            break;
        if (n < 0) {
            snprintf(err, errlen, "%s", pcap_geterr(l->p));
            return TP_ERR_IO;
        }
    }
    return TP_OK;
}

void tp_live_stop(struct tp_live *l)
{
    l->stop = 1;
    pcap_breakloop(l->p);
}

void tp_live_close(struct tp_live *l)
{
    if (!l)
        return;
    pcap_close(l->p);
    free(l);
}
