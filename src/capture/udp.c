/* DTLS over UDP in captures: a small flow table of its own (see capture_int.h).
 * UDP has no connection set-up: a flow starts with a datagram that begins with
 * a DTLS ClientHello record (on any port; its sender is the client), and every
 * later datagram between the same two endpoints goes to the same session, whole
 * (the DTLS record layer is per datagram). Other UDP traffic costs one look at
 * its first bytes and a scan of the open DTLS flows (none in most captures). */
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/capture.h"
#include "tlsprobe/names.h"
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"
#include "capture/capture_int.h"

struct uflow {
    bool used;
    uint8_t ipver;
    uint8_t addr[2][16];              /* [0] the client's */
    uint16_t port[2];
    int64_t first_us, last_us;
    unsigned long index;
    size_t mem;                       /* tp_session_footprint when last fed */
    struct tp_session *s;
};

struct tp_udp_flows {
    struct uflow f[TP_UDP_MAX_FLOWS];
    size_t n;                         /* flows in use */
    size_t mem;                       /* sum of their mem (<= TP_UDP_MAX_MEMORY) */
};

struct tp_udp_flows *tp_udp_flows_new(void)
{
    return calloc(1, sizeof(struct tp_udp_flows));
}

static void uflow_end(struct tp_udp_flows *u, struct uflow *f, const struct tp_udp_hooks *h, int why)
{
    struct tp_session *s = f->s;
    f->s = NULL;
    f->used = false;
    u->n--;
    u->mem -= f->mem;
    f->mem = 0;
    if (!s)
        return;
    tp_pkt_endpoint(f->ipver, f->addr[0], f->port[0], s->client, sizeof s->client);
    tp_pkt_endpoint(f->ipver, f->addr[1], f->port[1], s->server, sizeof s->server);
    s->rtt_us = -1;
    s->capture_time = f->first_us / 1000000;
    h->done(h->ctx, s, f->index, why);
}

/* The direction of p in f: 0 client to server, 1 the reverse, -1 not f's. */
static int uflow_dir(const struct uflow *f, const struct tp_pkt *p)
{
    size_t n = p->ipver == 6 ? 16 : 4;
    if (f->ipver != p->ipver)
        return -1;
    if (p->sport == f->port[0] && p->dport == f->port[1] && !memcmp(p->src, f->addr[0], n) &&
        !memcmp(p->dst, f->addr[1], n))
        return 0;
    if (p->sport == f->port[1] && p->dport == f->port[0] && !memcmp(p->src, f->addr[1], n) &&
        !memcmp(p->dst, f->addr[0], n))
        return 1;
    return -1;
}

/* Has the connection ended? A fatal alert, or an alert from each side (a
 * close_notify, or an encrypted alert record): UDP has no FIN, and sniff should
 * not wait for the idle timeout to report a session that said goodbye. */
static bool dtls_closed(const struct tp_session *s)
{
    bool said[2] = { false, false };
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        if (m->kind == TP_MSG_ALERT && m->alert_level == TP_ALERT_LEVEL_FATAL)
            return true;
        if ((m->kind == TP_MSG_ALERT && m->alert_desc == 0) ||
            (m->kind == TP_MSG_ENCRYPTED && m->record_type == TP_CT_ALERT))
            said[m->dir == TP_S2C] = true;
    }
    return said[0] && said[1];
}

bool tp_udp_packet(struct tp_udp_flows *u, const struct tp_pkt *p, int64_t t_us, const struct tp_udp_hooks *h)
{
    if (!u)
        return false;
    struct uflow *f = NULL, *oldest = NULL, *free_slot = NULL;
    int dir = -1;
    for (size_t i = 0; u->n && i < TP_UDP_MAX_FLOWS; i++) {
        struct uflow *c = &u->f[i];
        if (!c->used) {
            if (!free_slot)
                free_slot = c;
            continue;
        }
        if (!f && (dir = uflow_dir(c, p)) >= 0) {
            f = c;
            continue;
        }
        if (c->last_us + TP_UDP_IDLE_US < t_us) {
            uflow_end(u, c, h, TP_UDP_END_IDLE); /* idle: UDP never says goodbye */
            if (!free_slot)
                free_slot = c;
            continue;
        }
        if (!oldest || c->last_us < oldest->last_us)
            oldest = c;
    }
    if (!free_slot && u->n < TP_UDP_MAX_FLOWS) {
        for (size_t i = 0; i < TP_UDP_MAX_FLOWS && !free_slot; i++)
            if (!u->f[i].used)
                free_slot = &u->f[i];
    }
    if (!f) {
        if (!tp_dtls_is_client_hello(p->payload))
            return false;
        if (!free_slot && oldest) {
            uflow_end(u, oldest, h, TP_UDP_END_EVICTED);
            free_slot = oldest;
        }
        if (!free_slot)
            return false;
        f = free_slot;
        memset(f, 0, sizeof *f);
        f->used = true;
        u->n++;
        f->ipver = p->ipver;
        memcpy(f->addr[0], p->src, 16);
        memcpy(f->addr[1], p->dst, 16);
        f->port[0] = p->sport;
        f->port[1] = p->dport;
        f->first_us = t_us;
        f->s = h->open(h->ctx, t_us, &f->index);
        dir = 0;
    }
    f->last_us = t_us;
    if (f->s && h->seen)
        h->seen(h->ctx, f->s, dir, t_us);
    if (f->s && p->payload.len &&
        tp_session_feed_datagram(f->s, dir == 0 ? TP_C2S : TP_S2C, p->payload.p, p->payload.len, t_us) != TP_OK)
        f->s->outcome.status = TP_CONN_LOCAL_ERROR; /* out of memory: keep what we have */
    if (f->s && dtls_closed(f->s)) {
        uflow_end(u, f, h, TP_UDP_END_CLOSED);
        return true;
    }
    /* the memory budget: end the least recently active flows (this one last) */
    size_t now = tp_session_footprint(f->s);
    u->mem = u->mem - f->mem + now;
    f->mem = now;
    while (u->mem > TP_UDP_MAX_MEMORY) {
        struct uflow *victim = f;
        for (size_t i = 0; i < TP_UDP_MAX_FLOWS; i++)
            if (u->f[i].used && &u->f[i] != f && (victim == f || u->f[i].last_us < victim->last_us))
                victim = &u->f[i];
        uflow_end(u, victim, h, TP_UDP_END_EVICTED);
        if (victim == f)
            break;
    }
    return true;
}

void tp_udp_flush(struct tp_udp_flows *u, const struct tp_udp_hooks *h)
{
    if (!u)
        return;
    /* in the order they began */
    while (u->n) {
        struct uflow *first = NULL;
        for (size_t i = 0; i < TP_UDP_MAX_FLOWS; i++)
            if (u->f[i].used && (!first || u->f[i].index < first->index))
                first = &u->f[i];
        if (!first)
            break;
        uflow_end(u, first, h, TP_UDP_END_EOF);
    }
}

void tp_udp_flows_free(struct tp_udp_flows *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < TP_UDP_MAX_FLOWS; i++)
        if (u->f[i].used)
            tp_session_free(u->f[i].s);
    free(u);
}
