#!/usr/bin/env python3
"""Derive captures from a classic pcap of TCP/IPv4 on loopback (Ethernet or
Linux cooked/loopback link types) for the stream edge-case tests (issue 18):

  nosyn     drop every SYN packet (the capture joined after the connection began)
  tiny      nosyn, and every payload re-segmented into 1..4-byte segments with
            their right sequence numbers (first segment < 5 bytes)
  messy     tiny, then per direction: the second segment sent before the first,
            each segment retransmitted once, and an overlapping segment covering
            the two before it (retransmissions, overlaps, out-of-order)
  late N    nosyn, and the first N payload packets dropped: the capture starts
            after the handshake

usage: pcap_rewrite.py MODE IN OUT [N]"""
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def read(path):
    d = open(path, 'rb').read()
    magic = d[:4]
    e = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    hdr = d[:24]
    link = struct.unpack(e + 'I', d[20:24])[0]
    pk, off = [], 24
    while off + 16 <= len(d):
        ts, tu, cl, ol = struct.unpack(e + 'IIII', d[off:off + 16])
        pk.append([ts, tu, d[off + 16:off + 16 + cl]])
        off += 16 + cl
    return e, hdr, link, pk

def l2len(link):
    return {1: 14, 113: 16, 276: 20, 0: 4, 108: 4}[link]

def split(link, frame):
    l2 = l2len(link)
    ip = frame[l2:]
    ihl = (ip[0] & 15) * 4
    tl = struct.unpack('!H', ip[2:4])[0]
    tcp = ip[ihl:tl]
    thl = (tcp[12] >> 4) * 4
    return frame[:l2], ip[:ihl], tcp[:thl], tcp[thl:tl - ihl]

def build(l2, iph, tcph, seq, payload):
    tcph = bytearray(tcph)
    struct.pack_into('!I', tcph, 4, seq & 0xffffffff)
    struct.pack_into('!H', tcph, 16, 0)
    iph = bytearray(iph)
    struct.pack_into('!H', iph, 2, len(iph) + len(tcph) + len(payload))
    struct.pack_into('!H', iph, 10, 0)
    struct.pack_into('!H', iph, 10, csum(bytes(iph)))
    pseudo = bytes(iph[12:20]) + struct.pack('!BBH', 0, 6, len(tcph) + len(payload))
    struct.pack_into('!H', tcph, 16, csum(pseudo + bytes(tcph) + payload))
    return l2 + bytes(iph) + bytes(tcph) + payload

def main():
    mode, src, dst = sys.argv[1:4]
    n_late = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    e, hdr, link, pk = read(src)
    out = []
    dropped = 0
    for ts, tu, fr in pk:
        l2, iph, tcph, pl = split(link, fr)
        flags = tcph[13]
        if flags & 0x02:
            continue                      # SYN / SYN-ACK
        seq = struct.unpack('!I', tcph[4:8])[0]
        if mode == 'late' and pl and dropped < n_late:
            dropped += 1
            continue
        if mode in ('tiny', 'messy') and len(pl) > 4:
            sizes, segs, at, k = (3, 1, 4, 2), [], 0, 0
            while at < len(pl):
                n = sizes[k % 4]
                k += 1
                segs.append((seq + at, pl[at:at + n]))
                at += n
            if mode == 'messy':
                m = [segs[1], segs[0]]                         # reordered
                m += [segs[0], segs[1]]                        # retransmitted
                if len(segs) > 2:
                    # overlapping: covers the first two and part of the third
                    m.append((segs[0][0], pl[:len(segs[0][1]) + len(segs[1][1]) + 1]))
                for s in segs[2:]:
                    m += [s, s]                                # each sent twice
                segs = m
            for s, b in segs:
                f = build(l2, iph, tcph, s, b)
                out.append((ts, tu, f))  # one time: the order stays the file's
            continue
        out.append((ts, tu, fr))
    with open(dst, 'wb') as o:
        o.write(hdr)
        for ts, tu, f in out:
            o.write(struct.pack(e + 'IIII', ts, tu, len(f), len(f)) + f)

main()
