#!/usr/bin/env python3
"""Seeds for fuzz_dtls (tests/fuzz/fuzz_dtls.c): small DTLS 1.2 flights built
here, as datagrams (control byte: direction; 16-bit length; bytes). The epoch-1
records of "decrypted" are sealed with the harness's key log entry (master secret
0x01 * 48 for client random 00..1f), AES-128-GCM: python3-cryptography.
Usage: make_dtls_seeds.py OUTDIR"""
import hashlib
import hmac
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MASTER = b"\x01" * 48


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


def prf(secret, label, seed, n):
    """TLS 1.2 PRF with SHA-256 (RFC 5246 §5)."""
    out, a = b"", label + seed
    while len(out) < n:
        a = hmac.new(secret, a, hashlib.sha256).digest()
        out += hmac.new(secret, a + label + seed, hashlib.sha256).digest()
    return out[:n]


def gcm_keys():
    """(client key, client salt), (server key, server salt) for 0xc02b."""
    kb = prf(MASTER, b"key expansion", bytes(range(32, 64)) + bytes(range(32)), 40)
    return (kb[0:16], kb[32:36]), (kb[16:32], kb[36:40])


def sealed(key, ctype, plain, seq, epoch=1):
    """A DTLS 1.2 AES-GCM record of epoch 1 (RFC 6347 §4.1.2.1, RFC 5288)."""
    k, salt = key
    explicit = struct.pack(">HHI", epoch, seq >> 32, seq & 0xffffffff)
    aad = explicit + struct.pack(">BHH", ctype, 0xfefd, len(plain))
    return rec(ctype, explicit + AESGCM(k).encrypt(salt + explicit, plain, aad), epoch=epoch, seq=seq)


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
    ck, sk = gcm_keys()
    ch, sh, shd = rec(22, hs(1, client_hello(), 0)), rec(22, hs(2, server_hello(), 0)), rec(22, hs(14, b"", 2), seq=2)
    app = sealed(ck, 23, b"GET / HTTP/1.0\r\n\r\n", 1)
    # a whole handshake, then Finished, application data and an alert opened with
    # the key log; a record received twice; a record of epoch 2 (only counted)
    seeds["decrypted"] = dg(0, ch) + dg(1, sh, rec(22, hs(11, cert, 1), seq=1), shd) + \
        dg(0, rec(22, hs(16, b"\x20" + b"\x05" * 32, 1), seq=1), rec(20, b"\x01", seq=2),
           sealed(ck, 22, hs(20, b"\x07" * 12, 2), 0)) + dg(0, app) + dg(0, app) + \
        dg(1, rec(20, b"\x01", seq=3), sealed(sk, 22, hs(20, b"\x08" * 12, 3), 0), sealed(sk, 21, b"\x01\x00", 1)) + \
        dg(0, rec(23, b"\x00" * 24, epoch=2))
    # retransmissions: a message again in a new record (already delivered); the
    # server numbering again from 0 after its HelloVerifyRequest; a fragment
    # whose length disagrees with the one held (dropped); an empty fragment
    seeds["renumber"] = dg(0, ch) + dg(1, rec(22, hs(3, hvr, 0))) + dg(1, rec(22, hs(3, hvr, 0), seq=1)) + \
        dg(1, rec(22, hs(2, server_hello(), 0), seq=2), rec(22, hs(11, cert, 1, 0, 1), seq=3),
           rec(22, hs(11, cert + b"\x00", 1, 1, 1), seq=4), rec(22, hs(11, cert, 1, 0, 0), seq=5),
           rec(22, hs(11, cert, 1, 1, 2), seq=6), rec(22, hs(14, b"", 2), seq=7))
    # records that are not DTLS: a TLS version, a short header, a body longer
    # than the datagram, an empty datagram; handshake fragments cut short, past
    # their message, with a truncated body; then one too large for a message
    seeds["malformed"] = dg(0, rec(22, hs(1, client_hello(), 0), version=0x0303)) + dg(0, b"\x16\xfe\xfd\x00") + \
        dg(0, rec(22, b"\x01" * 20)[:30]) + dg(0) + dg(1, rec(22, b"\x02\x00\x00")) + \
        dg(1, rec(22, hs(2, server_hello(), 0)[:9] + b"\xff\xff\xff" + server_hello())) + \
        dg(1, rec(22, hs(2, server_hello(), 0)[:-4])) + \
        dg(0, rec(22, b"\x01\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")) + dg(0, ch)
    # the reassembly's bounds: more messages held than slots (server), more bytes
    # held than one message and a record (client); DTLS 1.0 with a GCM suite (no
    # keys for it); a client random the key log does not know
    held = b"".join(rec(22, hs(11, b"\x00" * 16, i, 0, 1), seq=i) for i in range(1, 10))
    big = rec(22, hs(11, b"\x00" * 200000, 1, 0, 1), seq=1) + rec(22, hs(11, b"\x00" * 200000, 2, 0, 1), seq=2)
    seeds["limits"] = dg(0, ch) + dg(1, held) + dg(0, big)
    seeds["dtls10_gcm"] = dg(0, ch) + dg(1, rec(22, hs(2, b"\xfe\xff" + server_hello()[2:], 0))) + \
        dg(0, sealed(ck, 22, b"\x00" * 12, 0), sealed(ck, 23, b"\x00", 1))
    other = client_hello()
    other = other[:2] + b"\x99" * 32 + other[34:]
    seeds["unknown_random"] = dg(0, rec(22, hs(1, other, 0))) + dg(1, sh) + dg(0, app)
    seeds["empty_datagram"] = dg(0)  # nothing to frame: no DTLS state is made
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
