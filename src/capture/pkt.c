/* One captured packet -> link layer -> IPv4/IPv6 -> TCP. Every byte is read through
 * tlsprobe/reader.h; lengths from headers are bounded by what was captured. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "tlsprobe/capture.h"
#include "tlsprobe/reader.h"

/* libpcap DLT values (pcap/dlt.h), spelled out so this file needs no libpcap. */
enum {
    DLT_NULL_ = 0,
    DLT_EN10MB_ = 1,
    DLT_RAW_ = 12,        /* Linux value of DLT_RAW */
    DLT_RAW_BSD_ = 14,    /* DLT_RAW on OpenBSD/others */
    LINKTYPE_RAW_ = 101,  /* LINKTYPE_RAW as stored in files */
    DLT_LOOP_ = 108,
    DLT_LINUX_SLL_ = 113,
    DLT_IPV4_ = 228,
    DLT_IPV6_ = 229,
    DLT_LINUX_SLL2_ = 276,
};

enum { ET_IPV4 = 0x0800, ET_IPV6 = 0x86dd, ET_VLAN = 0x8100, ET_QINQ = 0x88a8, ET_QINQ_OLD = 0x9100 };

/* Map a failed reader to the packet kind. */
static enum tp_pkt_kind fail_kind(const struct tp_reader *r)
{
    return r->err == TP_ERR_TRUNCATED ? TP_PKT_TOO_SHORT : TP_PKT_BAD;
}

static enum tp_pkt_kind parse_tcp(struct tp_reader *r, uint32_t ip_payload_len, struct tp_pkt *out)
{
    /* RFC 9293 §3.1: data offset in 32-bit words, at least 5. */
    uint8_t off_res, flags;
    uint16_t win, csum, urg;
    tp_read_u16(r, &out->sport);
    tp_read_u16(r, &out->dport);
    tp_read_u32(r, &out->seq);
    tp_read_u32(r, &out->ack);
    tp_read_u8(r, &off_res);
    tp_read_u8(r, &flags);
    tp_read_u16(r, &win);
    tp_read_u16(r, &csum);
    tp_read_u16(r, &urg);
    if (!tp_reader_ok(r))
        return fail_kind(r);
    uint32_t hlen = (uint32_t)(off_res >> 4) * 4u;
    if (hlen < 20 || hlen > ip_payload_len)
        return TP_PKT_BAD;
    out->flags = flags;
    out->payload_len = ip_payload_len - hlen;
    if (!tp_read_skip(r, hlen - 20)) {
        /* Options cut by the snap length (64 bytes on a loopback capture stops
         * inside the timestamp option): the segment is still placed, its payload
         * is all lost. */
        if (r->err != TP_ERR_TRUNCATED)
            return TP_PKT_BAD;
        out->payload = tp_bytes_make(NULL, 0);
        return TP_PKT_TCP;
    }
    /* Captured payload: what is left, bounded by the IP length (Ethernet pads short
     * frames; the padding is not payload). */
    size_t left = tp_reader_left(r);
    if (left > out->payload_len)
        left = out->payload_len;
    tp_read_bytes(r, left, &out->payload);
    return TP_PKT_TCP;
}

/* RFC 768: ports, length (header included), checksum. A UDP header we cannot
 * read is an "other" packet, as all UDP was before DTLS was decoded. */
static enum tp_pkt_kind parse_udp(struct tp_reader *r, uint32_t ip_payload_len, struct tp_pkt *out)
{
    uint16_t ulen, csum;
    tp_read_u16(r, &out->sport);
    tp_read_u16(r, &out->dport);
    tp_read_u16(r, &ulen);
    tp_read_u16(r, &csum);
    if (!tp_reader_ok(r) || ulen < 8 || ulen > ip_payload_len)
        return TP_PKT_OTHER;
    out->flags = 0;
    out->seq = out->ack = 0;
    out->payload_len = (uint32_t)ulen - 8u;
    size_t left = tp_reader_left(r);
    if (left > out->payload_len)
        left = out->payload_len;
    tp_read_bytes(r, left, &out->payload);
    return TP_PKT_UDP;
}

/* Source and destination address (n bytes each); false when the reader failed. */
static bool read_addrs(struct tp_reader *r, struct tp_pkt *out, size_t n)
{
    tp_read_copy(r, out->src, n);
    tp_read_copy(r, out->dst, n);
    return tp_reader_ok(r);
}

static enum tp_pkt_kind parse_ipv4(struct tp_reader *r, struct tp_pkt *out)
{
    /* RFC 791 §3.1 as three 32-bit words: version/IHL, TOS, total length; id,
     * flags/fragment offset; TTL, protocol, checksum. Then the addresses. */
    uint32_t w0, w1, w2;
    tp_read_u32(r, &w0);
    tp_read_u32(r, &w1);
    tp_read_u32(r, &w2);
    if (!read_addrs(r, out, 4))
        return fail_kind(r);
    uint8_t vihl = (uint8_t)(w0 >> 24), proto = (uint8_t)(w2 >> 16);
    uint16_t total = (uint16_t)w0, frag = (uint16_t)w1;
    uint32_t ihl = (uint32_t)(vihl & 15u) * 4u;
    if ((vihl >> 4) != 4 || ihl < 20 || total < ihl)
        return TP_PKT_BAD;
    if (!tp_read_skip(r, ihl - 20))
        return fail_kind(r);
    out->ipver = 4;
    /* RFC 791: MF flag (0x2000) or a fragment offset means a fragment. */
    if (frag & 0x3fff)
        return TP_PKT_FRAGMENT;
    if (proto != 6 && proto != 17)
        return TP_PKT_OTHER;
    /* TSO on the capturing host shows total = 0 for large segments: use what was
     * captured then. */
    uint32_t plen = total ? (uint32_t)total - ihl : (uint32_t)tp_reader_left(r);
    if (proto == 17)
        return parse_udp(r, plen, out);
    return parse_tcp(r, plen, out);
}

static enum tp_pkt_kind parse_ipv6(struct tp_reader *r, struct tp_pkt *out)
{
    uint32_t vtf;
    uint16_t plen;
    uint8_t next;
    tp_read_u32(r, &vtf);
    tp_read_u16(r, &plen);
    tp_read_u8(r, &next);
    tp_read_skip(r, 1); /* hop limit */
    if (!read_addrs(r, out, 16))
        return fail_kind(r);
    if ((vtf >> 28) != 6)
        return TP_PKT_BAD;
    out->ipver = 6;
    uint32_t left = plen;
    if (plen == 0) /* jumbogram (RFC 2675) or TSO: use what was captured */
        left = (uint32_t)tp_reader_left(r);
    /* RFC 8200 §4: walk extension headers; at most a handful in real traffic, and
     * each advances the reader, so the loop ends. */
    for (int i = 0; i < 16; i++) {
        switch (next) {
        case 0:   /* hop-by-hop */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
        case 139: /* HIP */
        case 140: /* shim6 */
        case 51: { /* AH: length in 4-byte units minus 2 (RFC 4302) */
            uint8_t nh, l;
            tp_read_u8(r, &nh);
            tp_read_u8(r, &l);
            if (!tp_reader_ok(r))
                return fail_kind(r);
            uint32_t total = next == 51 ? ((uint32_t)l + 2u) * 4u : ((uint32_t)l + 1u) * 8u;
            if (total > left)
                return TP_PKT_BAD;
            if (!tp_read_skip(r, total - 2))
                return fail_kind(r);
            left -= total;
            next = nh;
            break;
        }
        case 44: /* fragment */
            return TP_PKT_FRAGMENT;
        case 6:
            return parse_tcp(r, left, out);
        case 17:
            return parse_udp(r, left, out);
        default:
            return TP_PKT_OTHER;
        }
    }
    return TP_PKT_BAD;
}

static enum tp_pkt_kind parse_ethertype(struct tp_reader *r, uint16_t et, struct tp_pkt *out)
{
    /* 802.1Q / 802.1ad (QinQ): a 4-byte tag, possibly several. */
    for (int i = 0; i < 8 && (et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD); i++) {
        uint16_t tci;
        tp_read_u16(r, &tci);
        tp_read_u16(r, &et);
        if (!tp_reader_ok(r))
            return fail_kind(r);
    }
    if (et == ET_IPV4)
        return parse_ipv4(r, out);
    if (et == ET_IPV6)
        return parse_ipv6(r, out);
    return TP_PKT_OTHER;
}

static enum tp_pkt_kind parse_ip_by_version(struct tp_reader *r, struct tp_pkt *out)
{
    struct tp_reader peek = *r; /* look at the version nibble without consuming */
    uint8_t b;
    if (!tp_read_u8(&peek, &b))
        return TP_PKT_TOO_SHORT;
    uint8_t v = b >> 4;
    if (v == 4)
        return parse_ipv4(r, out);
    if (v == 6)
        return parse_ipv6(r, out);
    return TP_PKT_OTHER;
}

/* A link header whose EtherType follows `skip` bytes. */
static enum tp_pkt_kind ethertype_at(struct tp_reader *r, size_t skip, struct tp_pkt *out)
{
    uint16_t et;
    tp_read_skip(r, skip);
    tp_read_u16(r, &et);
    if (!tp_reader_ok(r))
        return fail_kind(r);
    return parse_ethertype(r, et, out);
}

enum tp_pkt_kind tp_pkt_parse(int dlt, const uint8_t *data, size_t caplen, struct tp_pkt *out)
{
    memset(out, 0, sizeof *out);
    struct tp_reader r;
    tp_reader_init(&r, data, caplen);
    switch (dlt) {
    case DLT_EN10MB_: /* destination, source, EtherType */
        return ethertype_at(&r, 12, out);
    case DLT_LINUX_SLL_: /* 16 bytes: type, ARPHRD, addr len, addr[8], protocol */
        return ethertype_at(&r, 14, out);
    case DLT_LINUX_SLL2_: { /* 20 bytes: protocol, reserved, ifindex, ARPHRD, type, addr len, addr[8] */
        uint16_t et;
        tp_read_u16(&r, &et);
        tp_read_skip(&r, 18);
        if (!tp_reader_ok(&r))
            return fail_kind(&r);
        return parse_ethertype(&r, et, out);
    }
    case DLT_NULL_:
    case DLT_LOOP_: {
        /* 4-byte address family: host byte order of the capturing machine for
         * DLT_NULL, network order for DLT_LOOP. AF_INET is 2 everywhere; AF_INET6
         * is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS). */
        uint8_t fam[4];
        if (!tp_read_copy(&r, fam, 4))
            return fail_kind(&r);
        uint32_t be = (uint32_t)fam[0] << 24 | (uint32_t)fam[1] << 16 | (uint32_t)fam[2] << 8 | fam[3];
        uint32_t le = (uint32_t)fam[3] << 24 | (uint32_t)fam[2] << 16 | (uint32_t)fam[1] << 8 | fam[0];
        uint32_t af = (dlt == DLT_LOOP_ || be < 256) ? be : le;
        if (af == 2)
            return parse_ipv4(&r, out);
        if (af == 10 || af == 24 || af == 28 || af == 30)
            return parse_ipv6(&r, out);
        return TP_PKT_OTHER;
    }
    case DLT_RAW_:
    case DLT_RAW_BSD_:
    case LINKTYPE_RAW_:
        return parse_ip_by_version(&r, out);
    case DLT_IPV4_:
        return parse_ipv4(&r, out);
    case DLT_IPV6_:
        return parse_ipv6(&r, out);
    default:
        return TP_PKT_LINK_UNSUPPORTED;
    }
}

void tp_pkt_endpoint(uint8_t ipver, const uint8_t addr[16], uint16_t port, char *buf, size_t cap)
{
    char a[INET6_ADDRSTRLEN];
    if (ipver == 6) {
        if (!inet_ntop(AF_INET6, addr, a, sizeof a))
            snprintf(a, sizeof a, "?");
        snprintf(buf, cap, "[%s]:%u", a, (unsigned)port);
    } else {
        /* By hand: this runs for every flow of a capture, and snprintf is most of it. */
        char t[32];
        size_t n = 0;
        for (int i = 0; i < 5; i++) {
            unsigned v = i < 4 ? addr[i] : port;
            char d[5];
            size_t k = 0;
            do {
                d[k++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            while (k)
                t[n++] = d[--k];
            if (i < 4)
                t[n++] = i < 3 ? '.' : ':';
        }
        if (cap) {
            size_t m = n < cap - 1 ? n : cap - 1;
            memcpy(buf, t, m);
            buf[m] = '\0';
        }
    }
}
