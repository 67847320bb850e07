#!/usr/bin/env python3
"""Seeds for fuzz_scan_answer: a few server first flights, built here (no captures).
Usage: make_scan_answer_seeds.py DIR. Byte 0 of each seed: bit 0 = read the whole
flight, the rest = where the input is cut in two feeds."""
import os, struct, sys

def u16(v): return struct.pack(">H", v)
def vec(n, b): return len(b).to_bytes(n, "big") + b
def rec(t, body, v=0x0303): return bytes([t]) + u16(v) + u16(len(body)) + body
def hs(t, body): return bytes([t]) + len(body).to_bytes(3, "big") + body
def ext(t, body): return u16(t) + vec(2, body)

HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

def server_hello(version, suite, exts, random=b"\x11" * 32, sid=b"\x22" * 32):
    return hs(2, u16(version) + random + vec(1, sid) + u16(suite) + b"\x00" + vec(2, b"".join(exts)))

def main(out):
    os.makedirs(out, exist_ok=True)
    cert = b"\x30\x03\x02\x01\x01"  # not a certificate: only the framing matters
    tls12 = server_hello(0x0303, 0xc02f, [ext(0xff01, b"\x00"), ext(0x0023, b""), ext(0x0010, vec(2, vec(1, b"h2")))])
    tls12 += hs(11, vec(3, vec(3, cert)))
    tls12 += hs(12, b"\x03" + u16(0x001d) + vec(1, b"\x09" * 32) + u16(0x0804) + vec(2, b"\x00" * 16))
    tls12 += hs(14, b"")
    sh12 = server_hello(0x0303, 0x009e, [])
    seeds = {
        "tls12_flight": b"\x01" + rec(22, tls12),
        "tls12_split": b"\x51" + rec(22, tls12[:30]) + rec(22, tls12[30:]),
        "tls13_sh": b"\x00" + rec(22, server_hello(0x0303, 0x1301, [ext(43, u16(0x0304)), ext(51, u16(0x001d) + vec(2, b"\x09" * 32))])),
        "hrr": b"\x00" + rec(22, server_hello(0x0303, 0x1302, [ext(43, u16(0x0304)), ext(51, u16(0x11ec))], random=HRR_RANDOM)),
        "alert": b"\x00" + rec(21, b"\x02\x28"),
        "ssl3_sh": b"\x01" + rec(22, server_hello(0x0300, 0x000a, [], sid=b""), v=0x0300),
        "not_tls": b"\x00HTTP/1.1 400 Bad Request\r\n\r\n",
        # a resumption: ServerHello, then ChangeCipherSpec ends the flight
        "resumed": b"\x01" + rec(22, sh12) + rec(20, b"\x01"),
        # ChangeCipherSpec before any whole message
        "ccs_early": b"\x00" + rec(22, b"\x02\x00") + rec(20, b"\x01"),
        "cert_first": b"\x01" + rec(22, hs(11, vec(3, vec(3, cert)))),
        "bad_sh": b"\x00" + rec(22, hs(2, u16(0x0303) + b"\x11" * 7)),
        "tls13_flight": b"\x01" + rec(22, server_hello(0x0303, 0x1301, [ext(43, u16(0x0304))])),
        # more certificates than kept; a malformed Certificate, ServerKeyExchange;
        # a CertificateRequest (not read) before ServerHelloDone
        "many_certs": b"\x01" + rec(22, sh12 + hs(11, vec(3, vec(3, cert) * 12)) + hs(11, b"\x00\x00\x09\x00")
                                   + hs(12, b"\x03\x00") + hs(13, b"\x01\x01\x00\x00\x00\x00") + hs(14, b"")),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

if __name__ == "__main__":
    main(sys.argv[1])
