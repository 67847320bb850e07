/* The pcap writer: our own reader gets the same bytes back (IPv4, IPv6, segments of
 * at most 1448 bytes, four threads writing at once), checksums verify, and tshark
 * dissects the file as TLS. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tlsprobe/capture.h"
#include "tlsprobe/pcapw.h"
#include "testutil.h"

/* A minimal TLS 1.2 ClientHello record (one suite, no extensions) and a
 * ServerHello record: enough for tshark's TLS dissector. */
static const char CH_HEX[] =
    "16 03 01 00 2d 01 00 00 29 03 03"
    "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f"
    "00 00 02 c0 2f 01 00";
static const char SH_HEX[] =
    "16 03 03 00 2a 02 00 00 26 03 03"
    "20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37 38 39 3a 3b 3c 3d 3e 3f"
    "00 c0 2f 00";

/* Read back: per flow (client port) and direction, the reassembled bytes. */
#define MAXF 8
struct back {
    uint16_t cport[MAXF];
    int n;
    struct tp_tcp_dir d[MAXF][2];
    uint8_t *buf[MAXF][2];
    size_t len[MAXF][2];
    int pkts, max_payload, bad_csum;
};
struct sinkctx {
    struct back *b;
    int f, dir;
};
static void on_data(void *ctx, const uint8_t *p, size_t len, int64_t t)
{
    (void)t;
    struct sinkctx *k = ctx;
    struct back *b = k->b;
    b->buf[k->f][k->dir] = realloc(b->buf[k->f][k->dir], b->len[k->f][k->dir] + len);
    memcpy(b->buf[k->f][k->dir] + b->len[k->f][k->dir], p, len);
    b->len[k->f][k->dir] += len;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}
static uint32_t sum16(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static void read_back(const char *path, struct back *b)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    assert_non_null(p);
    assert_int_equal(pcap_datalink(p), DLT_EN10MB);
    struct pcap_pkthdr *h;
    const u_char *d;
    while (pcap_next_ex(p, &h, &d) == 1) {
        struct tp_pkt k;
        assert_int_equal(tp_pkt_parse(1, d, h->caplen, &k), TP_PKT_TCP);
        b->pkts++;
        if ((int)k.payload_len > b->max_payload)
            b->max_payload = (int)k.payload_len;
        /* checksums: IPv4 header sums to 0xffff; TCP with pseudo-header too */
        size_t iphl = k.ipver == 6 ? 40 : 20;
        const uint8_t *ip = d + 14, *tcp = ip + iphl;
        size_t tcplen = h->caplen - 14 - iphl;
        uint32_t s = 0;
        if (k.ipver == 4) {
            if (fold(sum16(ip, 20)) != 0xffff)
                b->bad_csum++;
            s = sum16(k.src, 4) + sum16(k.dst, 4) + 6 + (uint32_t)tcplen;
        } else {
            s = sum16(k.src, 16) + sum16(k.dst, 16) + 6 + (uint32_t)tcplen;
        }
        if (fold(s + sum16(tcp, tcplen)) != 0xffff)
            b->bad_csum++;
        bool from_client = k.dport == 443;
        uint16_t cport = from_client ? k.sport : k.dport;
        int f = 0;
        while (f < b->n && b->cport[f] != cport)
            f++;
        if (f == b->n) {
            assert_true(b->n < MAXF);
            b->cport[b->n++] = cport;
        }
        int dir = from_client ? 0 : 1;
        struct sinkctx sc = { b, f, dir };
        struct tp_tcp_sink sink = { on_data, NULL, &sc, NULL };
        if (k.flags & TP_TCP_SYN)
            tp_tcp_dir_syn(&b->d[f][dir], k.seq);
        else
            tp_tcp_dir_segment(&b->d[f][dir], k.seq, k.payload.p, k.payload.len, k.payload_len, 0, &sink);
    }
    pcap_close(p);
}

static void back_free(struct back *b)
{
    for (int f = 0; f < MAXF; f++)
        for (int d = 0; d < 2; d++) {
            free(b->buf[f][d]);
            tp_tcp_dir_free(&b->d[f][d], NULL);
        }
}

static void test_pcapw__ipv4_and_ipv6__read_back_same_bytes(void **st)
{
    (void)st;
    char path[] = "/tmp/tp_pcapw_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    struct tp_pcapw *w = tp_pcapw_open(path, err, sizeof err);
    assert_non_null(w);
    size_t chn, shn;
    uint8_t *ch = tu_hex(CH_HEX, &chn), *sh = tu_hex(SH_HEX, &shn);
    uint8_t big[5000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    struct tp_pcapw_flow *f4 = tp_pcapw_flow_begin(w, "127.0.0.1", 50001, "127.0.0.2", 443, 1700000000000000);
    struct tp_pcapw_flow *f6 = tp_pcapw_flow_begin(w, "::1", 50002, "::2", 443, 1700000000000100);
    assert_non_null(f4);
    assert_non_null(f6);
    tp_pcapw_data(f4, TP_C2S, ch, chn, 1700000000000200);
    tp_pcapw_data(f6, TP_C2S, ch, chn, 1700000000000300);
    tp_pcapw_data(f4, TP_S2C, sh, shn, 1700000000000400);
    tp_pcapw_data(f4, TP_S2C, big, sizeof big, 1700000000000500);
    tp_pcapw_data(f6, TP_S2C, sh, shn, 1700000000000600);
    tp_pcapw_flow_end(f4, false, 1700000000000700);
    tp_pcapw_flow_end(f6, true, 1700000000000800);
    assert_true(tp_pcapw_close(w));

    struct back b;
    memset(&b, 0, sizeof b);
    read_back(path, &b);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.bad_csum, 0);
    assert_true(b.max_payload <= 1448);
    /* f4: CH; SH + 5000 bytes in 4 segments */
    assert_int_equal(b.len[0][0], chn);
    assert_memory_equal(b.buf[0][0], ch, chn);
    assert_int_equal(b.len[0][1], shn + sizeof big);
    assert_memory_equal(b.buf[0][1], sh, shn);
    assert_memory_equal(b.buf[0][1] + shn, big, sizeof big);
    assert_int_equal(b.len[1][0], chn);
    assert_int_equal(b.len[1][1], shn);
    back_free(&b);

    /* tshark (when installed) sees a ClientHello and a ServerHello per flow. */
    if (access("/usr/bin/tshark", X_OK) == 0) {
        char cmd[512];
        snprintf(cmd, sizeof cmd,
                 "tshark -r %s -Y tls.handshake -T fields -e tls.handshake.type 2>/dev/null | sort | uniq -c", path);
        FILE *pp = popen(cmd, "r");
        assert_non_null(pp);
        char out[512] = "";
        size_t n = fread(out, 1, sizeof out - 1, pp);
        out[n] = 0;
        pclose(pp);
        if (!strstr(out, "2 1\n") || !strstr(out, "2 2\n"))
            fail_msg("tshark output: %s", out);
    }
    unlink(path);
    free(ch);
    free(sh);
}

struct thr {
    struct tp_pcapw *w;
    uint16_t port;
};
static void *writer(void *arg)
{
    struct thr *t = arg;
    struct tp_pcapw_flow *f = tp_pcapw_flow_begin(t->w, "10.0.0.1", t->port, "10.0.0.2", 443, 1);
    uint8_t buf[300];
    for (int i = 0; i < 50; i++) {
        for (size_t k = 0; k < sizeof buf; k++)
            buf[k] = (uint8_t)(t->port + (size_t)i + k);
        tp_pcapw_data(f, (i & 1) ? TP_S2C : TP_C2S, buf, sizeof buf, 2 + i);
    }
    tp_pcapw_flow_end(f, false, 100);
    return NULL;
}

static void test_pcapw__four_threads__every_flow_intact(void **st)
{
    (void)st;
    char path[] = "/tmp/tp_pcapw_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char err[256];
    struct tp_pcapw *w = tp_pcapw_open(path, err, sizeof err);
    assert_non_null(w);
    pthread_t th[4];
    struct thr a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (struct thr){ w, (uint16_t)(40000 + i) };
        pthread_create(&th[i], NULL, writer, &a[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_true(tp_pcapw_close(w));
    struct back b;
    memset(&b, 0, sizeof b);
    read_back(path, &b);
    assert_int_equal(b.n, 4);
    assert_int_equal(b.bad_csum, 0);
    for (int f = 0; f < 4; f++) {
        assert_int_equal(b.len[f][0], 25 * 300);
        assert_int_equal(b.len[f][1], 25 * 300);
        uint16_t port = b.cport[f];
        for (int i = 0; i < 50; i++) {
            const uint8_t *p = b.buf[f][i & 1] + (size_t)(i / 2) * 300;
            for (size_t k = 0; k < 300; k++)
                assert_int_equal(p[k], (uint8_t)(port + (size_t)i + k));
        }
    }
    back_free(&b);
    unlink(path);
}

static void test_pcapw__unwritable_path__error_message(void **st)
{
    (void)st;
    char err[256] = "";
    assert_null(tp_pcapw_open("/nonexistent-dir/x.pcap", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
    assert_true(tp_pcapw_close(NULL));
    tp_pcapw_flow_end(NULL, false, 0);
    tp_pcapw_data(NULL, TP_C2S, NULL, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcapw__ipv4_and_ipv6__read_back_same_bytes),
        cmocka_unit_test(test_pcapw__four_threads__every_flow_intact),
        cmocka_unit_test(test_pcapw__unwritable_path__error_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
