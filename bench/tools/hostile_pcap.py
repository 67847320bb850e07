#!/usr/bin/env python3
"""Hostile captures as a stream on stdout (classic pcap, Ethernet/IPv4/TCP), never
stored (issue 23 point 4). Standard library only.

  hostile_pcap.py halfopen N [--every K]
        N half-open flows: a SYN and a partial ClientHello each (the record header
        claims 512 bytes, or --claim N, 60 are sent), never finished, never
        closed. With --every K only every Kth flow gets the ClientHello fragment.
  hostile_pcap.py split1 FIXTURE.pcap
        the capture's TCP payloads re-sent as 1-byte segments (sequence numbers
        kept right; SYN/FIN/pure ACKs as they were)
  hostile_pcap.py stream BYTES FIXTURE.pcap [--per-session MB]
        sessions until BYTES (suffixes k, M, G) have been written: each is the
        fixture's TLS 1.2 handshake (up to its first application_data record)
        on a new client address and port, then --per-session MB (default 10) of
        16 KiB application_data records from the server, then FIN both ways.
        With the fixture's key log the handshakes decrypt; the data records are
        counted, never decrypted (they are filler).
"""
import struct
import sys

OUT = sys.stdout.buffer
GHDR = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
ETH = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


def ip4(n):
    return struct.pack(">I", n)


class W:
    """Buffered pcap writer with a monotonic clock (1 µs per packet)."""

    def __init__(self, t0=1_700_000_000_000_000):
        self.buf = []
        self.size = 0
        self.t = t0
        self.total = 0
        OUT.write(GHDR)
        self.total += len(GHDR)

    def pkt(self, frame):
        self.t += 1
        h = struct.pack("<IIII", self.t // 1_000_000, self.t % 1_000_000, len(frame), len(frame))
        self.buf.append(h)
        self.buf.append(frame)
        self.size += 16 + len(frame)
        if self.size >= 1 << 20:
            self.flush()

    def flush(self):
        OUT.write(b"".join(self.buf))
        self.total += self.size
        self.buf = []
        self.size = 0


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags,
                      65535, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0,
                     src, dst)
    return ETH + ip + tcp + payload


def first_ts(path):
    """The fixture's first packet time in µs (certificates are judged as of it)."""
    d = open(path, "rb").read(40)
    s, us = struct.unpack("<II", d[24:32])
    return s * 1_000_000 + us


def read_pcap(path):
    d = open(path, "rb").read()
    assert struct.unpack("<I", d[:4])[0] == 0xA1B2C3D4, "little-endian classic pcap (µs) expected"
    off, pk = 24, []
    while off + 16 <= len(d):
        cap = struct.unpack("<I", d[off + 8:off + 12])[0]
        pk.append(d[off + 16:off + 16 + cap])
        off += 16 + cap
    return pk


def parse(frame):
    """(src, dst, sport, dport, seq, ack, flags, payload) of an Ethernet/IPv4/TCP frame."""
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack(">H", ip[2:4])[0]
    tcp = ip[ihl:tot]
    sport, dport, seq, ack, off, flags = struct.unpack(">HHIIBB", tcp[:14])
    return ip[12:16], ip[16:20], sport, dport, seq, ack, flags, tcp[(off >> 4) * 4:]


def halfopen(n, every, claim=512):
    w = W()
    srv = ip4(0xC0A80001)
    hello = struct.pack(">BHH", 22, 0x0301, claim) + b"\x01" + (claim - 4).to_bytes(3, "big") + \
        b"\x03\x03" + bytes(range(54))
    for i in range(n):
        cli = ip4(0x0A000000 + 1 + i // 50000)
        sport = 1024 + i % 50000
        w.pkt(tcp_frame(cli, srv, sport, 443, 1000, 0, SYN))
        if i % every == 0:
            w.pkt(tcp_frame(cli, srv, sport, 443, 1001, 1, ACK | PSH, hello))
    w.flush()


def split1(path):
    w = W(first_ts(path))
    for f in read_pcap(path):
        src, dst, sp, dp, seq, ack, flags, pl = parse(f)
        if not pl:
            w.pkt(f)
            continue
        for k in range(len(pl)):
            w.pkt(tcp_frame(src, dst, sp, dp, seq + k, ack, flags & ~FIN if k < len(pl) - 1 else flags,
                            pl[k:k + 1]))
    w.flush()


def handshake_part(path):
    """The fixture's packets up to (not including) the first application_data
    record of either direction, as (from_client, flags, payload) with the client's
    address first seen."""
    pk = read_pcap(path)
    out = []
    client = None
    for f in pk:
        src, dst, sp, dp, seq, ack, flags, pl = parse(f)
        if client is None:
            client = (src, sp)
        fc = (src, sp) == client
        if pl and pl[0] == 23:
            break
        if flags & FIN:
            break
        out.append((fc, flags, pl))
    return out


def stream(limit, path, per_mb):
    w = W(first_ts(path))
    hsk = handshake_part(path)
    srv = ip4(0xC0A80001)
    rec = struct.pack(">BHH", 23, 0x0303, 16384) + bytes(range(256)) * 64
    n_rec = max(1, per_mb * 1024 * 1024 // len(rec))
    i = 0
    while w.total + w.size < limit:
        cli = ip4(0x0A000000 + 1 + i // 50000)
        sport = 1024 + i % 50000
        cs, ss = 1000, 5000000
        for fc, flags, pl in hsk:
            if fc:
                w.pkt(tcp_frame(cli, srv, sport, 443, cs, ss + 1, flags, pl))
                cs += len(pl) + (1 if flags & SYN else 0)
            else:
                w.pkt(tcp_frame(srv, cli, 443, sport, ss, cs, flags, pl))
                ss += len(pl) + (1 if flags & SYN else 0)
        for _ in range(n_rec):
            w.pkt(tcp_frame(srv, cli, 443, sport, ss, cs, ACK | PSH, rec))
            ss += len(rec)
            if w.total + w.size >= limit:
                break
        w.pkt(tcp_frame(srv, cli, 443, sport, ss, cs, ACK | FIN))
        w.pkt(tcp_frame(cli, srv, sport, 443, cs, ss + 1, ACK | FIN))
        i += 1
    w.flush()
    print("hostile_pcap: %d sessions, %d bytes" % (i, w.total), file=sys.stderr)


def size(s):
    m = {"k": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(s[:-1]) * m[s[-1]]) if s[-1] in m else int(s)


def main():
    a = sys.argv[1:]
    opt = {}
    for k in ("--every", "--per-session", "--claim"):
        if k in a:
            i = a.index(k)
            opt[k] = int(a[i + 1])
            del a[i:i + 2]
    try:
        if a[0] == "halfopen":
            halfopen(int(a[1]), opt.get("--every", 1), opt.get("--claim", 512))
        elif a[0] == "split1":
            split1(a[1])
        elif a[0] == "stream":
            stream(size(a[1]), a[2], opt.get("--per-session", 10))
        else:
            raise IndexError
    except IndexError:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":
    main()
