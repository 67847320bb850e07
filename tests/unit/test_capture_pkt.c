/* Link layers, IPv4/IPv6 and TCP headers: every link type we claim, VLAN tags,
 * IPv6 extension headers, fragments, bogus lengths, and every cut length. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/capture.h"
#include "testutil.h"

/* IPv4 10.0.0.1:40000 -> 10.0.0.2:443, seq 0x01020304, ack 0x0a0b0c0d, ACK|PSH, payload "TLS!" */
#define IPV4_TCP                                                                                   \
    "45 00 00 2c 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02"                                  \
    "9c 40 01 bb 01 02 03 04 0a 0b 0c 0d 50 18 ff ff 00 00 00 00"                                  \
    "54 4c 53 21"
/* IPv6 ::1 -> ::2 with a hop-by-hop (8 bytes) and a destination options header
 * (16 bytes) before TCP, payload "six6". */
#define IPV6_EXT_TCP                                                                               \
    "60 00 00 00 00 30 00 40"                                                                      \
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"                                              \
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02"                                              \
    "3c 00 01 04 00 00 00 00"                                                                      \
    "06 01 01 0c 00 00 00 00 00 00 00 00 00 00 00 00"                                              \
    "9c 40 01 bb 00 00 00 01 00 00 00 00 50 02 ff ff 00 00 00 00"                                  \
    "73 69 78 36"

static uint8_t *cat_hex(const char *a, const char *b, size_t *len)
{
    char *s = malloc(strlen(a) + strlen(b) + 2);
    sprintf(s, "%s %s", a, b);
    uint8_t *r = tu_hex(s, len);
    free(s);
    return r;
}

static void check_v4(const struct tp_pkt *p)
{
    assert_int_equal(p->ipver, 4);
    assert_memory_equal(p->src, "\x0a\x00\x00\x01", 4);
    assert_memory_equal(p->dst, "\x0a\x00\x00\x02", 4);
    assert_int_equal(p->sport, 40000);
    assert_int_equal(p->dport, 443);
    assert_int_equal(p->seq, 0x01020304u);
    assert_int_equal(p->ack, 0x0a0b0c0du);
    assert_int_equal(p->flags, 0x18);
    assert_int_equal(p->payload_len, 4);
    assert_int_equal(p->payload.len, 4);
    assert_memory_equal(p->payload.p, "TLS!", 4);
}

/* Every cut must be TOO_SHORT (inside headers) or a TCP segment with fewer captured
 * payload bytes than claimed; never a crash or over-read (exact-size copies). */
static void cut_everywhere(int dlt, const uint8_t *pkt, size_t n, size_t hdr_end)
{
    for (size_t len = 0; len < n; len++) {
        uint8_t *c = tu_exact(pkt, len);
        struct tp_pkt p;
        enum tp_pkt_kind k = tp_pkt_parse(dlt, c, len, &p);
        if (len < hdr_end) {
            if (k != TP_PKT_TOO_SHORT)
                fail_msg("dlt %d cut at %zu: kind %d, want TOO_SHORT", dlt, len, k);
        } else {
            assert_int_equal(k, TP_PKT_TCP);
            assert_int_equal(p.payload.len, len - hdr_end);
            assert_true(p.payload.len < p.payload_len);
        }
        free(c);
    }
}

static void one_link(int dlt, const char *link_hex, const char *ip_hex, size_t hdr_end_after_link)
{
    size_t n, lk;
    uint8_t *pkt = cat_hex(link_hex, ip_hex, &n);
    uint8_t *l = tu_hex(link_hex, &lk);
    free(l);
    uint8_t *exact = tu_exact(pkt, n);
    struct tp_pkt p;
    assert_int_equal(tp_pkt_parse(dlt, exact, n, &p), TP_PKT_TCP);
    if (strcmp(ip_hex, IPV4_TCP) == 0)
        check_v4(&p);
    cut_everywhere(dlt, pkt, n, lk + hdr_end_after_link);
    free(exact);
    free(pkt);
}

static void test_pkt__ethernet_ipv4__fields_and_cuts(void **st)
{
    (void)st;
    one_link(1, "02 00 00 00 00 02 02 00 00 00 00 01 08 00", IPV4_TCP, 40);
}

static void test_pkt__ethernet_qinq__tags_skipped(void **st)
{
    (void)st;
    one_link(1, "02 00 00 00 00 02 02 00 00 00 00 01 88 a8 00 64 81 00 00 c8 08 00", IPV4_TCP, 40);
}

static void test_pkt__ethernet_padding__not_payload(void **st)
{
    (void)st;
    size_t n;
    /* A 0-payload segment padded to 60 bytes by Ethernet. */
    uint8_t *pkt = tu_hex("02 00 00 00 00 02 02 00 00 00 00 01 08 00"
                          "45 00 00 28 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02"
                          "9c 40 01 bb 01 02 03 04 0a 0b 0c 0d 50 10 ff ff 00 00 00 00"
                          "00 00 00 00 00 00", &n);
    struct tp_pkt p;
    assert_int_equal(tp_pkt_parse(1, pkt, n, &p), TP_PKT_TCP);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.payload.len, 0);
    free(pkt);
}

static void test_pkt__linux_sll_v1_v2__decoded(void **st)
{
    (void)st;
    one_link(113, "00 00 03 04 00 06 00 00 00 00 00 00 00 00 08 00", IPV4_TCP, 40);
    one_link(276, "08 00 00 00 00 00 00 01 03 04 00 06 00 00 00 00 00 00 00 00", IPV4_TCP, 40);
}

static void test_pkt__raw_and_null__decoded(void **st)
{
    (void)st;
    one_link(12, "", IPV4_TCP, 40);
    one_link(101, "", IPV4_TCP, 40);
    one_link(228, "", IPV4_TCP, 40);
    one_link(0, "02 00 00 00", IPV4_TCP, 40);   /* little-endian AF_INET */
    one_link(0, "00 00 00 02", IPV4_TCP, 40);   /* big-endian AF_INET */
    one_link(108, "00 00 00 02", IPV4_TCP, 40); /* DLT_LOOP: network order */
    one_link(0, "1e 00 00 00", IPV6_EXT_TCP, 40 + 24 + 20); /* macOS AF_INET6 = 30 */
}

static void test_pkt__ipv6_extension_headers__tcp_found(void **st)
{
    (void)st;
    size_t n;
    uint8_t *pkt = tu_hex(IPV6_EXT_TCP, &n);
    struct tp_pkt p;
    assert_int_equal(tp_pkt_parse(229, pkt, n, &p), TP_PKT_TCP);
    assert_int_equal(p.ipver, 6);
    assert_int_equal(p.src[15], 1);
    assert_int_equal(p.dst[15], 2);
    assert_int_equal(p.flags, TP_TCP_SYN);
    assert_int_equal(p.payload_len, 4);
    assert_memory_equal(p.payload.p, "six6", 4);
    char ep[64];
    tp_pkt_endpoint(6, p.src, p.sport, ep, sizeof ep);
    assert_string_equal(ep, "[::1]:40000");
    const uint8_t v4[16] = { 10, 0, 0, 1 };
    tp_pkt_endpoint(4, v4, 443, ep, sizeof ep);
    assert_string_equal(ep, "10.0.0.1:443");
    cut_everywhere(229, pkt, n, 40 + 24 + 20);
    free(pkt);
}

static void test_pkt__fragments__reported(void **st)
{
    (void)st;
    size_t n;
    /* MF set */
    uint8_t *a = tu_hex("45 00 00 2c 00 01 20 00 40 06 00 00 0a 00 00 01 0a 00 00 02"
                        "9c 40 01 bb 01 02 03 04 0a 0b 0c 0d 50 18 ff ff 00 00 00 00 54 4c 53 21", &n);
    struct tp_pkt p;
    assert_int_equal(tp_pkt_parse(12, a, n, &p), TP_PKT_FRAGMENT);
    free(a);
    /* offset 185 (x8) */
    a = tu_hex("45 00 00 1c 00 01 00 b9 40 06 00 00 0a 00 00 01 0a 00 00 02 00 00 00 00 00 00 00 00", &n);
    assert_int_equal(tp_pkt_parse(12, a, n, &p), TP_PKT_FRAGMENT);
    free(a);
    /* IPv6 fragment header */
    a = tu_hex("60 00 00 00 00 08 2c 40"
               "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"
               "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02"
               "06 00 00 01 00 00 00 07", &n);
    assert_int_equal(tp_pkt_parse(229, a, n, &p), TP_PKT_FRAGMENT);
    free(a);
}

static void test_pkt__bogus_lengths__bad_not_crash(void **st)
{
    (void)st;
    size_t n;
    struct tp_pkt p;
    /* IHL 4 (< 5) */
    uint8_t *a = tu_hex("44 00 00 2c 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02"
                        "9c 40 01 bb 01 02 03 04 0a 0b 0c 0d 50 18 ff ff 00 00 00 00", &n);
    assert_int_equal(tp_pkt_parse(12, a, n, &p), TP_PKT_BAD);
    free(a);
    /* total length 10 (< IHL) */
    a = tu_hex("45 00 00 0a 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02"
               "9c 40 01 bb 01 02 03 04 0a 0b 0c 0d 50 18 ff ff 00 00 00 00", &n);
    assert_int_equal(tp_pkt_parse(12, a, n, &p), TP_PKT_BAD);
    free(a);
    /* TCP data offset 15 (60 bytes) > IP payload 20 */
    a = tu_hex("45 00 00 28 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02"
               "9c 40 01 bb 01 02 03 04 0a 0b 0c 0d f0 18 ff ff 00 00 00 00", &n);
    assert_int_equal(tp_pkt_parse(12, a, n, &p), TP_PKT_BAD);
    free(a);
    /* TCP data offset 2 (< 5) */
    a = tu_hex("45 00 00 28 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02"
               "9c 40 01 bb 01 02 03 04 0a 0b 0c 0d 20 18 ff ff 00 00 00 00", &n);
    assert_int_equal(tp_pkt_parse(12, a, n, &p), TP_PKT_BAD);
    free(a);
    /* IP total length claims 1000 bytes, 4 captured: TCP with 4 of 960 */
    a = tu_hex("45 00 03 e8 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02"
               "9c 40 01 bb 01 02 03 04 0a 0b 0c 0d 50 18 ff ff 00 00 00 00 54 4c 53 21", &n);
    assert_int_equal(tp_pkt_parse(12, a, n, &p), TP_PKT_TCP);
    assert_int_equal(p.payload_len, 960);
    assert_int_equal(p.payload.len, 4);
    free(a);
    /* IPv6 extension header longer than the payload */
    a = tu_hex("60 00 00 00 00 08 00 40"
               "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"
               "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02"
               "06 ff 00 00 00 00 00 00", &n);
    assert_int_equal(tp_pkt_parse(229, a, n, &p), TP_PKT_BAD);
    free(a);
    /* UDP (decoded for DTLS: ports and payload), a UDP length beyond the IP
     * payload, ARP, unknown link */
    a = tu_hex("45 00 00 1c 00 01 40 00 40 11 00 00 0a 00 00 01 0a 00 00 02 00 35 00 35 00 08 00 00", &n);
    assert_int_equal(tp_pkt_parse(12, a, n, &p), TP_PKT_UDP);
    assert_int_equal(p.sport, 53);
    assert_int_equal(p.payload_len, 0);
    a[25] = 0x09; /* UDP length 9 > 8 bytes of IP payload: unreadable UDP, "other" as before */
    assert_int_equal(tp_pkt_parse(12, a, n, &p), TP_PKT_OTHER);
    assert_int_equal(tp_pkt_parse(12, a, n - 1, &p), TP_PKT_OTHER); /* header cut */
    free(a);
    a = tu_hex("ff ff ff ff ff ff 02 00 00 00 00 01 08 06 00 01", &n);
    assert_int_equal(tp_pkt_parse(1, a, n, &p), TP_PKT_OTHER);
    assert_int_equal(tp_pkt_parse(147, a, n, &p), TP_PKT_LINK_UNSUPPORTED);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pkt__ethernet_ipv4__fields_and_cuts),
        cmocka_unit_test(test_pkt__ethernet_qinq__tags_skipped),
        cmocka_unit_test(test_pkt__ethernet_padding__not_payload),
        cmocka_unit_test(test_pkt__linux_sll_v1_v2__decoded),
        cmocka_unit_test(test_pkt__raw_and_null__decoded),
        cmocka_unit_test(test_pkt__ipv6_extension_headers__tcp_found),
        cmocka_unit_test(test_pkt__fragments__reported),
        cmocka_unit_test(test_pkt__bogus_lengths__bad_not_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
