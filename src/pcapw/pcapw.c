/* The pcap writer behind connect/listen --write-pcap: the real TLS bytes wrapped in
 * synthetic Ethernet + IPv4/IPv6 + TCP, with correct checksums and sequence
 * numbers, so tshark/Wireshark (and our own reader) dissect the file as TLS.
 * Classic pcap, microsecond timestamps, LINKTYPE_ETHERNET. One mutex per writer:
 * connect and listen write from several threads. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/pcapw.h"
#include "tlsprobe/strbuf.h"

#define PCAPW_MSS 1448 /* Ethernet MTU 1500 - IPv4 20 - TCP 20 - timestamps 12 */
/* TCP header flags (RFC 9293 §3.1) */
#define PCAPW_FIN 0x01
#define PCAPW_SYN 0x02
#define PCAPW_RST 0x04
#define PCAPW_ACK 0x10

struct tp_pcapw {
    FILE *f;
    bool failed;                /* a write came up short: tp_pcapw_close says so */
    pthread_mutex_t mu;
    uint32_t next_isn;
};

struct tp_pcapw_flow {
    struct tp_pcapw *w;
    uint8_t ipver;
    uint8_t ip[2][16];      /* [0] client, [1] server */
    uint16_t port[2];
    uint32_t seq[2];        /* next sequence number each side sends */
    uint16_t ip_id[2];
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static void putle32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* RFC 1071 one's-complement sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}
static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

struct tp_pcapw *tp_pcapw_open(const char *path, char *err, size_t errlen)
{
    FILE *f = tp_fopen_private(path, "wb"); /* a capture of the user's traffic: 0600 */
    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct tp_pcapw *w = calloc(1, sizeof *w);
    if (!w) {
        fclose(f);
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    w->f = f;
    pthread_mutex_init(&w->mu, NULL);
    w->next_isn = 0x1000u;
    /* pcap global header, written in our (little-endian host) byte order:
     * magic a1b2c3d4 (µs), version 2.4, thiszone 0, sigfigs 0, snaplen, linktype 1. */
    uint8_t h[24];
    putle32(h, 0xa1b2c3d4u);
    h[4] = 2; h[5] = 0; h[6] = 4; h[7] = 0;
    putle32(h + 8, 0);
    putle32(h + 12, 0);
    putle32(h + 16, 262144);
    putle32(h + 20, 1);
    if (fwrite(h, 1, sizeof h, f) != sizeof h || fflush(f) != 0) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        fclose(f);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

/* Write one packet from side `from` (0 client, 1 server). Caller holds the lock. */
static void emit(struct tp_pcapw_flow *fl, int from, uint8_t flags, const uint8_t *payload, size_t plen, int64_t t_us)
{
    uint8_t pkt[14 + 40 + 20 + PCAPW_MSS];
    int to = 1 - from;
    size_t iphl = fl->ipver == 6 ? 40 : 20;
    size_t total = 14 + iphl + 20 + plen;
    /* Ethernet: locally administered MACs 02:00:00:00:00:01 (client) / :02 (server). */
    memset(pkt, 0, 12);
    pkt[0] = 0x02; pkt[5] = (uint8_t)(to + 1);
    pkt[6] = 0x02; pkt[11] = (uint8_t)(from + 1);
    put16(pkt + 12, fl->ipver == 6 ? 0x86dd : 0x0800);
    uint8_t *ip = pkt + 14;
    uint8_t *tcp = ip + iphl;
    if (fl->ipver == 6) {
        put32(ip, 0x60000000u);
        put16(ip + 4, (uint16_t)(20 + plen));
        ip[6] = 6;
        ip[7] = 64;
        memcpy(ip + 8, fl->ip[from], 16);
        memcpy(ip + 24, fl->ip[to], 16);
    } else {
        ip[0] = 0x45;
        ip[1] = 0;
        put16(ip + 2, (uint16_t)(20 + 20 + plen));
        put16(ip + 4, fl->ip_id[from]++);
        put16(ip + 6, 0x4000); /* DF */
        ip[8] = 64;
        ip[9] = 6;
        put16(ip + 10, 0);
        memcpy(ip + 12, fl->ip[from], 4);
        memcpy(ip + 16, fl->ip[to], 4);
        put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    }
    put16(tcp, fl->port[from]);
    put16(tcp + 2, fl->port[to]);
    put32(tcp + 4, fl->seq[from]);
    put32(tcp + 8, (flags & PCAPW_ACK) ? fl->seq[to] : 0);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    if (plen)
        memcpy(tcp + 20, payload, plen);
    /* TCP checksum over the pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1). */
    uint32_t sum = 0;
    uint8_t ph[8];
    if (fl->ipver == 6) {
        sum = csum_add(sum, fl->ip[from], 16);
        sum = csum_add(sum, fl->ip[to], 16);
        put32(ph, (uint32_t)(20 + plen));
        ph[4] = ph[5] = ph[6] = 0;
        ph[7] = 6;
        sum = csum_add(sum, ph, 8);
    } else {
        sum = csum_add(sum, fl->ip[from], 4);
        sum = csum_add(sum, fl->ip[to], 4);
        ph[0] = 0; ph[1] = 6;
        put16(ph + 2, (uint16_t)(20 + plen));
        sum = csum_add(sum, ph, 4);
    }
    sum = csum_add(sum, tcp, 20 + plen);
    put16(tcp + 16, csum_fold(sum));

    uint8_t rec[16];
    if (t_us < 0)
        t_us = 0;
    putle32(rec, (uint32_t)(t_us / 1000000));
    putle32(rec + 4, (uint32_t)(t_us % 1000000));
    putle32(rec + 8, (uint32_t)total);
    putle32(rec + 12, (uint32_t)total);
    if (fwrite(rec, 1, sizeof rec, fl->w->f) != sizeof rec || fwrite(pkt, 1, total, fl->w->f) != total)
        fl->w->failed = true;
    fl->seq[from] += (uint32_t)plen + ((flags & (PCAPW_SYN | PCAPW_FIN)) ? 1u : 0u);
}

static bool parse_ip(const char *s, uint8_t *ipver, uint8_t out[16])
{
    memset(out, 0, 16);
    if (inet_pton(AF_INET, s, out) == 1) {
        *ipver = 4;
        return true;
    }
    if (inet_pton(AF_INET6, s, out) == 1) {
        *ipver = 6;
        return true;
    }
    return false;
}

struct tp_pcapw_flow *tp_pcapw_flow_begin(struct tp_pcapw *w, const char *client_ip, uint16_t client_port,
                                          const char *server_ip, uint16_t server_port, int64_t t_us)
{
    if (!w)
        return NULL;
    struct tp_pcapw_flow *fl = calloc(1, sizeof *fl);
    if (!fl)
        return NULL;
    uint8_t v1 = 4, v2 = 4;
    if (!client_ip || !parse_ip(client_ip, &v1, fl->ip[0]))
        parse_ip("127.0.0.1", &v1, fl->ip[0]);
    if (!server_ip || !parse_ip(server_ip, &v2, fl->ip[1]))
        parse_ip("127.0.0.1", &v2, fl->ip[1]);
    if (v1 != v2) { /* mixed families (a mapped address): write both as IPv6 */
        uint8_t tmp[16];
        for (int i = 0; i < 2; i++)
            if ((i == 0 ? v1 : v2) == 4) {
                memset(tmp, 0, 16);
                tmp[10] = tmp[11] = 0xff;
                memcpy(tmp + 12, fl->ip[i], 4);
                memcpy(fl->ip[i], tmp, 16);
            }
        v1 = 6;
    }
    fl->ipver = v1;
    fl->w = w;
    fl->port[0] = client_port;
    fl->port[1] = server_port;
    pthread_mutex_lock(&w->mu);
    /* ISNs spread far apart so a reader's sequence arithmetic is exercised. */
    fl->seq[0] = w->next_isn;
    fl->seq[1] = w->next_isn * 7u + 0x9e3779b9u;
    w->next_isn = w->next_isn * 1103515245u + 12345u;
    fl->ip_id[0] = 1;
    fl->ip_id[1] = 1;
    emit(fl, 0, PCAPW_SYN, NULL, 0, t_us);
    emit(fl, 1, PCAPW_SYN | PCAPW_ACK, NULL, 0, t_us);
    emit(fl, 0, PCAPW_ACK, NULL, 0, t_us);
    fflush(w->f);
    pthread_mutex_unlock(&w->mu);
    return fl;
}

void tp_pcapw_data(struct tp_pcapw_flow *fl, enum tp_dir dir, const uint8_t *p, size_t len, int64_t t_us)
{
    if (!fl || !p)
        return;
    int from = dir == TP_C2S ? 0 : 1;
    pthread_mutex_lock(&fl->w->mu);
    while (len) {
        size_t n = len > PCAPW_MSS ? PCAPW_MSS : len;
        emit(fl, from, PCAPW_ACK | (n == len ? 0x08 /* PSH */ : 0), p, n, t_us);
        p += n;
        len -= n;
    }
    fflush(fl->w->f);
    pthread_mutex_unlock(&fl->w->mu);
}

void tp_pcapw_flow_end(struct tp_pcapw_flow *fl, bool reset, int64_t t_us)
{
    if (!fl)
        return;
    pthread_mutex_lock(&fl->w->mu);
    if (reset) {
        emit(fl, 0, PCAPW_RST | PCAPW_ACK, NULL, 0, t_us);
    } else {
        emit(fl, 0, PCAPW_FIN | PCAPW_ACK, NULL, 0, t_us);
        emit(fl, 1, PCAPW_FIN | PCAPW_ACK, NULL, 0, t_us);
        emit(fl, 0, PCAPW_ACK, NULL, 0, t_us);
    }
    fflush(fl->w->f);
    pthread_mutex_unlock(&fl->w->mu);
    free(fl);
}

void tp_pcapw_flow_finish(struct tp_pcapw_flow *fl, const struct tp_pcapw_end *e)
{
    if (!fl)
        return;
    pthread_mutex_lock(&fl->w->mu);
    bool fin_done[2] = { false, false };
    for (;;) {
        /* the earliest event not written yet; an RST ends the flow */
        int side = -1;
        bool rst = false;
        int64_t t = 0;
        for (int k = 0; k < 2; k++) {
            if (e->rst_us[k] && (side < 0 || e->rst_us[k] < t)) {
                side = k;
                rst = true;
                t = e->rst_us[k];
            }
            if (e->fin_us[k] && !fin_done[k] && (side < 0 || e->fin_us[k] < t)) {
                side = k;
                rst = false;
                t = e->fin_us[k];
            }
        }
        if (side < 0)
            break;
        if (rst) {
            emit(fl, side, PCAPW_RST | PCAPW_ACK, NULL, 0, t);
            break;
        }
        emit(fl, side, PCAPW_FIN | PCAPW_ACK, NULL, 0, t);
        emit(fl, 1 - side, PCAPW_ACK, NULL, 0, t);
        fin_done[side] = true;
    }
    fflush(fl->w->f);
    pthread_mutex_unlock(&fl->w->mu);
    free(fl);
}

bool tp_pcapw_close(struct tp_pcapw *w)
{
    if (!w)
        return true;
    bool ok = !w->failed;
    if (fclose(w->f) != 0)
        ok = false;
    pthread_mutex_destroy(&w->mu);
    free(w);
    return ok;
}
