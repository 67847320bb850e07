#!/usr/bin/env python3
"""A small scripted hostile TLS "server" on 127.0.0.1 for integration tests.

usage: hostile_peer.py MODE [--port-file F] [--lifetime SEC] [--der FILE] [--count N]
                            [--upstream PORT]

Listens on an ephemeral port on 127.0.0.1, writes the port to --port-file (or
stdout), serves connections one at a time with MODE, and exits after --lifetime
seconds (default 20) whatever happens: every test peer is bounded in time.

modes:
  silent      accept, read, never answer (timeout)
  garbage     send non-TLS bytes right after accept (not-tls)
  bigrecord   answer the ClientHello with a handshake header claiming 16 MB, then
              stream filler until the client goes away
  split       proxy to a real server on --upstream, re-sending every plaintext
              handshake record of the server as 1-byte records
  certs       TLS 1.2 ServerHello + a Certificate with --count copies of --der
              (10,000 certificates; or one certificate with a 1 MB SAN list)
  alertstorm  answer with an endless run of warning alerts
  drip        a plausible ServerHello, one byte per second
  reset       half a ServerHello, then a TCP reset
  neverclose  ServerHello, then endless HelloRequest messages, never closing
  fragments   ServerHello, then a Certificate message (header claiming --count
              bytes, default 12,000) sent as 1-byte handshake records, and after
              it (if the client is still there) endless 1-byte records of more
              such messages: handshake fragments without end
  emptyfrags  ServerHello, then zero-length handshake records without end
  hrr         answer every ClientHello with a TLS 1.3 HelloRetryRequest (and a
              ChangeCipherSpec after the first): the client's second ClientHello
              gets a second HelloRetryRequest, and so on
  trickle     one byte per second from the moment of accept (before any
              ClientHello): --timeout must be honoured while bytes keep coming
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

DEADLINE = None


def left():
    return DEADLINE - time.monotonic()


def read_client_hello(c):
    """Read one TLS record (the ClientHello); return its body or b''."""
    c.settimeout(max(0.1, min(5, left())))
    buf = b""
    try:
        while len(buf) < 5:
            d = c.recv(5 - len(buf))
            if not d:
                return b""
            buf += d
        n = struct.unpack(">H", buf[3:5])[0]
        body = b""
        while len(body) < n:
            d = c.recv(n - len(body))
            if not d:
                break
            body += d
        return body
    except OSError:
        return b""


def pick_suite(ch):
    """First TLS 1.2 ECDHE suite the client offers (fallback 0xc02b)."""
    try:
        p = 4 + 2 + 32
        sid = ch[p]
        p += 1 + sid
        n = struct.unpack(">H", ch[p:p + 2])[0]
        p += 2
        suites = [struct.unpack(">H", ch[p + i:p + i + 2])[0] for i in range(0, n, 2)]
        for s in suites:
            if s in (0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca8, 0xcca9):
                return s
    except (IndexError, struct.error):
        pass
    return 0xc02b


def record(ct, body, ver=0x0303):
    return struct.pack(">BHH", ct, ver, len(body)) + body


def hs(t, body):
    return struct.pack(">B", t) + len(body).to_bytes(3, "big") + body


def server_hello(ch):
    rnd = os.urandom(32)
    ext = b""  # none: anything unsolicited (renegotiation_info) is rejected first
    body = struct.pack(">H", 0x0303) + rnd + b"\x20" + os.urandom(32) + struct.pack(">HB", pick_suite(ch), 0)
    body += struct.pack(">H", len(ext)) + ext
    return hs(2, body)


def send_records(c, ct, data, size=16384):
    for i in range(0, len(data), size):
        c.sendall(record(ct, data[i:i + size]))


def mode_silent(c, a):
    c.settimeout(0.5)
    while left() > 0:
        try:
            if not c.recv(4096):
                return
        except socket.timeout:
            continue


def mode_garbage(c, a):
    c.sendall(b"\x00\xffHELLO garbage \x1b[31m\x07 not TLS at all\r\n" + os.urandom(64))
    mode_silent(c, a)


def mode_bigrecord(c, a):
    read_client_hello(c)
    # a handshake record whose message claims 0xFFFFFF bytes (16 MB)
    c.sendall(record(22, b"\x0b\xff\xff\xff" + b"\x00" * 16380))
    filler = record(22, b"\x00" * 16384)
    c.settimeout(1)
    sent = 0
    while left() > 0 and sent < 17 * 1024 * 1024:
        try:
            c.sendall(filler)
            sent += len(filler)
        except OSError:
            return


def mode_certs(c, a):
    ch = read_client_hello(c)
    der = open(a.der, "rb").read()
    entries = (len(der).to_bytes(3, "big") + der) * a.count
    if len(entries) > 0xFFFFFF - 3:
        entries = entries[: (0xFFFFFF - 3) // (len(der) + 3) * (len(der) + 3)]
    msg = hs(2, server_hello(ch)[4:]) + hs(11, len(entries).to_bytes(3, "big") + entries)
    c.settimeout(2)
    try:
        send_records(c, 22, msg)
    except OSError:
        return
    mode_silent(c, a)


def mode_alertstorm(c, a):
    read_client_hello(c)
    one = record(21, b"\x01\x5a")  # warning user_canceled
    burst = one * 2000
    c.settimeout(1)
    n = 0
    while left() > 0 and n < 200:
        try:
            c.sendall(burst)
        except OSError:
            return
        n += 1
    mode_silent(c, a)


def mode_drip(c, a):
    ch = read_client_hello(c)
    data = record(22, server_hello(ch))
    c.settimeout(1)
    for b in data:
        if left() <= 0:
            return
        try:
            c.sendall(bytes([b]))
        except OSError:
            return
        time.sleep(1)
    mode_silent(c, a)


def mode_reset(c, a):
    ch = read_client_hello(c)
    data = record(22, server_hello(ch))
    c.sendall(data[: len(data) // 2])
    time.sleep(0.1)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def mode_neverclose(c, a):
    ch = read_client_hello(c)
    c.sendall(record(22, server_hello(ch)))
    hr = record(22, hs(0, b"") * 1000)
    c.settimeout(1)
    while left() > 0:
        try:
            c.sendall(hr)
        except OSError:
            return


def mode_fragments(c, a):
    ch = read_client_hello(c)
    c.sendall(record(22, server_hello(ch)))
    c.settimeout(1)
    claim = a.count if a.count > 1 else 12000
    while left() > 0:
        # the header in one record (wolfSSL cannot join a split header), the body
        # one byte per record
        msg = hs(11, b"\x00" * claim)
        try:
            c.sendall(record(22, msg[:4]))
            body = msg[4:]
            for i in range(0, len(body), 4096):
                c.sendall(b"".join(record(22, body[k:k + 1]) for k in range(i, min(len(body), i + 4096))))
                if left() <= 0:
                    return
        except OSError:
            return


def mode_emptyfrags(c, a):
    ch = read_client_hello(c)
    c.sendall(record(22, server_hello(ch)))
    burst = record(22, b"") * 4096
    c.settimeout(1)
    while left() > 0:
        try:
            c.sendall(burst)
        except OSError:
            return


HRR_RANDOM = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")


def parse_ch(ch):
    """(session_id, [tls1.3 suites], [supported groups], [key_share groups]) of a ClientHello body."""
    p = 4 + 2 + 32
    sid = ch[p + 1:p + 1 + ch[p]]
    p += 1 + ch[p]
    n = struct.unpack(">H", ch[p:p + 2])[0]
    suites = [struct.unpack(">H", ch[p + 2 + i:p + 4 + i])[0] for i in range(0, n, 2)]
    p += 2 + n
    p += 1 + ch[p]
    groups, shares = [], []
    if p + 2 <= len(ch):
        end = p + 2 + struct.unpack(">H", ch[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            t, ln = struct.unpack(">HH", ch[p:p + 4])
            d = ch[p + 4:p + 4 + ln]
            if t == 10:
                groups = [struct.unpack(">H", d[2 + i:4 + i])[0] for i in range(0, len(d) - 2, 2)]
            elif t == 51:
                q = 2
                while q + 4 <= len(d):
                    g, kl = struct.unpack(">HH", d[q:q + 4])
                    shares.append(g)
                    q += 4 + kl
            p += 4 + ln
    return sid, [x for x in suites if 0x1301 <= x <= 0x1305], groups, shares


def read_handshake_record(c):
    """Skip ChangeCipherSpec records; return the next handshake record's body or b''."""
    while True:
        c.settimeout(max(0.1, min(5, left())))
        try:
            hdr = b""
            while len(hdr) < 5:
                d = c.recv(5 - len(hdr))
                if not d:
                    return b""
                hdr += d
            n = struct.unpack(">H", hdr[3:5])[0]
            body = b""
            while len(body) < n:
                d = c.recv(n - len(body))
                if not d:
                    return b""
                body += d
        except OSError:
            return b""
        if hdr[0] == 22:
            return body
        if hdr[0] != 20:
            return b""


def mode_hrr(c, a):
    first = True
    while left() > 0:
        ch = read_handshake_record(c)
        if not ch or ch[0] != 1:
            return
        sid, suites, groups, shares = parse_ch(ch)
        pick = [g for g in groups if g not in shares] or groups or [0x0017]
        ext = struct.pack(">HHH", 43, 2, 0x0304) + struct.pack(">HHH", 51, 2, pick[0])
        body = struct.pack(">H", 0x0303) + HRR_RANDOM + bytes([len(sid)]) + sid
        body += struct.pack(">HB", (suites or [0x1301])[0], 0) + struct.pack(">H", len(ext)) + ext
        out = record(22, hs(2, body))
        if first:
            out += record(20, b"\x01")
            first = False
        try:
            c.sendall(out)
        except OSError:
            return
    mode_silent(c, a)


def mode_trickle(c, a):
    data = record(22, server_hello(b""))
    c.settimeout(0.01)
    for b in data * 10:
        if left() <= 0:
            return
        try:
            c.sendall(bytes([b]))
        except OSError:
            return
        try:
            c.recv(65536)
        except (socket.timeout, BlockingIOError):
            pass
        except OSError:
            return
        time.sleep(1)


def relay(src, dst, split):
    """Copy src -> dst; with split, re-send plaintext handshake records 1 byte per record."""
    buf = b""
    try:
        while True:
            d = src.recv(65536)
            if not d:
                break
            if not split:
                dst.sendall(d)
                continue
            buf += d
            while len(buf) >= 5:
                n = struct.unpack(">H", buf[3:5])[0]
                if len(buf) < 5 + n:
                    break
                rec, buf = buf[: 5 + n], buf[5 + n:]
                if rec[0] == 22:
                    ver = struct.unpack(">H", rec[1:3])[0]
                    dst.sendall(b"".join(record(22, rec[5 + i:6 + i], ver) for i in range(n)))
                else:
                    dst.sendall(rec)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def mode_split(c, a):
    u = socket.create_connection(("127.0.0.1", a.upstream), timeout=5)
    u.settimeout(None)
    c.settimeout(None)
    t = threading.Thread(target=relay, args=(c, u, False), daemon=True)
    t.start()
    relay(u, c, True)
    t.join(timeout=max(0.1, left()))
    u.close()


MODES = {
    "silent": mode_silent, "garbage": mode_garbage, "bigrecord": mode_bigrecord,
    "certs": mode_certs, "alertstorm": mode_alertstorm, "drip": mode_drip,
    "reset": mode_reset, "neverclose": mode_neverclose, "split": mode_split,
    "fragments": mode_fragments, "emptyfrags": mode_emptyfrags, "hrr": mode_hrr,
    "trickle": mode_trickle,
}


def main():
    global DEADLINE
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=sorted(MODES))
    ap.add_argument("--port-file")
    ap.add_argument("--lifetime", type=float, default=20)
    ap.add_argument("--der")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--upstream", type=int)
    a = ap.parse_args()
    DEADLINE = time.monotonic() + a.lifetime
    # hard stop whatever the mode is doing
    threading.Timer(a.lifetime, lambda: os._exit(0)).start()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    port = ls.getsockname()[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.rename(a.port_file + ".tmp", a.port_file)
    else:
        print(port, flush=True)
    ls.settimeout(0.5)
    while left() > 0:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        try:
            MODES[a.mode](c, a)
        except OSError:
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass
    os._exit(0)


if __name__ == "__main__":
    main()
