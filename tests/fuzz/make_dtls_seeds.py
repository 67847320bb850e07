#!/usr/bin/env python3
"""Seeds for fuzz_dtls (tests/fuzz/fuzz_dtls.c): small DTLS 1.2 flights built
here, as datagrams (control byte: direction; 16-bit length; bytes).
Usage: make_dtls_seeds.py OUTDIR"""
import os
import struct
import sys


def rec(ctype, body, epoch=0, seq=0, version=0xfefd):
    return struct.pack(">BHHHIH", ctype, version, epoch, seq >> 32, seq & 0xffffffff, len(body)) + body


def hs(htype, body, msg_seq, off=0, flen=None):
    frag = body[off:off + (len(body) if flen is None else flen)]
    return struct.pack(">B", htype) + len(body).to_bytes(3, "big") + struct.pack(">H", msg_seq) + \
        off.to_bytes(3, "big") + len(frag).to_bytes(3, "big") + frag


def client_hello(cookie=b""):
    sni = b"server.test"
    ext_sni = struct.pack(">HHHBH", 0, len(sni) + 5, len(sni) + 3, 0, len(sni)) + sni
    exts = ext_sni + struct.pack(">HHH", 0x000a, 4, 2) + b"\x00\x1d"
    return struct.pack(">H", 0xfefd) + bytes(range(32)) + b"\x00" + bytes([len(cookie)]) + cookie + \
        struct.pack(">HHH", 4, 0xc02b, 0xc02f) + b"\x01\x00" + struct.pack(">H", len(exts)) + exts


def server_hello():
    return struct.pack(">H", 0xfefd) + bytes(range(32, 64)) + b"\x00" + struct.pack(">H", 0xc02b) + b"\x00"


def dg(direction, *records):
    body = b"".join(records)
    return bytes([direction]) + struct.pack(">H", len(body)) + body


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cookie = b"\x11" * 20
    hvr = struct.pack(">HB", 0xfefd, len(cookie)) + cookie
    cert = b"\x00\x00\x00"  # an empty certificate list
    ch2 = client_hello(cookie)
    seeds = {
        "hvr_flight": dg(0, rec(22, hs(1, client_hello(), 0))) +
        dg(1, rec(22, hs(3, hvr, 0))) +
        dg(0, rec(22, hs(1, ch2, 1), seq=1)) +
        dg(1, rec(22, hs(2, server_hello(), 1), seq=1), rec(22, hs(11, cert, 2), seq=2),
           rec(22, hs(14, b"", 3), seq=3)) +
        dg(0, rec(22, hs(16, b"\x20" + b"\x05" * 32, 2), seq=2), rec(20, b"\x01", seq=3),
           rec(22, b"\x00" * 40, epoch=1)) +
        dg(1, rec(20, b"\x01", seq=4), rec(22, b"\x00" * 40, epoch=1)),
        # the second ClientHello in three fragments, out of order, one repeated
        "fragments": dg(0, rec(22, hs(1, ch2, 0, 40, 40))) +
        dg(0, rec(22, hs(1, ch2, 0, 0, 40), seq=1)) +
        dg(0, rec(22, hs(1, ch2, 0, 40, 40), seq=2)) +
        dg(0, rec(22, hs(1, ch2, 0, 80, len(ch2) - 80), seq=3)),
        "alert": dg(0, rec(22, hs(1, client_hello(), 0))) + dg(1, rec(21, b"\x02\x28")),
        "unified_13": dg(0, rec(22, hs(1, client_hello(), 0))) + dg(1, b"\x2c\x00\x01" + b"\x00" * 30),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
