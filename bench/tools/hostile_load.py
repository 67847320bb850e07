#!/usr/bin/env python3
"""Hostile load for `tlsprobe listen` (issue 23 point 3).

usage: hostile_load.py --port P --ca ROOT.pem [--clients N] [--duration SEC]
                       [--think SEC] [--log FILE] [--kinds LIST]
                       [--good-only | --bad-only]

N client slots run concurrently for --duration seconds, each one reconnecting in a
loop. Even slots are well behaved: a full TLS handshake (python ssl = OpenSSL),
"GET / HTTP/1.0", read the answer to EOF, close, then wait --think seconds
(randomised +-50 %). Odd slots misbehave, in turn:

  slowloris  a real ClientHello, one byte per second, until the server closes
  garbage    bytes that are not TLS, then wait for the close
  rst        half a ClientHello, then a TCP reset (SO_LINGER 0)
  bigch      a 100 KB ClientHello (two 50 KB unknown extensions, 7 records)
  flood      `openssl s_client`: a TLS 1.3 handshake, then KeyUpdate requests
             without pause (the 'K' command), 200 of them; every 2nd flood slot
             uses TLS 1.2 and asks for renegotiation ('R') instead
  idle       connect, send nothing, wait for the server to close

--good-only makes every slot well behaved (the idle-server baseline); --bad-only
makes every slot misbehave (slot i then plays odd slot 2i+1 of a mixed run). A
mixed run of N slots is the same load as a --good-only run of N/2 slots beside a
--bad-only run of N/2 slots; listen-hostile.sh runs it that way, in two processes,
so that the good clients' timing is not held up by the bad clients' event loop
(one python thread at 100 % of a core delays every handshake it drives).

Every attempt is one JSON line in --log: {"kind", "port" (our local port), "t0",
"t1", "ok", "hs_ms" (good: TCP connect to handshake done), "err"}. The end is a
summary line on stdout {"summary": {...}}. Stops new attempts at the deadline and
waits (at most 30 s) for the ones in flight.
"""
import argparse
import asyncio
import json
import os
import random
import socket
import ssl
import struct
import sys
import time

BAD_KINDS = ["slowloris", "garbage", "rst", "bigch", "flood", "idle"]


def client_hello_bytes(server_name="server.test"):
    """A real ClientHello (OpenSSL's) taken from a memory BIO: record(s) on the wire."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(i, o, server_hostname=server_name)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return o.read()


def big_client_hello(ch_rec, size=100 * 1024):
    """The ClientHello grown to a consistent ~size-byte message: 20,000 unknown cipher
    suites in front of the real ones (40 KB) and an unknown 60 KB extension (the
    16-bit extensions length caps that block at 64 KB), cut into 16384-byte records."""
    body = ch_rec[5 + 4:]
    p = 2 + 32
    p += 1 + body[p]
    ns = struct.unpack(">H", body[p:p + 2])[0]
    suites = body[p + 2:p + 2 + ns]
    q = p + 2 + ns
    comp = body[q:q + 1 + body[q]]
    q += 1 + body[q]
    el = struct.unpack(">H", body[q:q + 2])[0]
    exts = body[q + 2:q + 2 + el]
    n_fake = 20000
    suites2 = b"".join(struct.pack(">H", 0xfe00 + (k % 200)) for k in range(n_fake)) + suites
    room = size - (p + 2 + len(suites2) + len(comp) + 2 + len(exts) + 4)
    room = max(0, min(room, 0xFFFF - len(exts) - 4))
    exts2 = struct.pack(">HH", 0xfa00, room) + b"\xab" * room + exts
    body2 = body[:p] + struct.pack(">H", len(suites2)) + suites2 + comp + \
        struct.pack(">H", len(exts2)) + exts2
    msg = b"\x01" + len(body2).to_bytes(3, "big") + body2
    out = b""
    for k in range(0, len(msg), 16384):
        frag = msg[k:k + 16384]
        out += struct.pack(">BHH", 22, 0x0301, len(frag)) + frag
    return out


class Stats:
    def __init__(self, log):
        self.log = open(log, "w") if log else None
        self.n = {}
        self.ok = {}
        self.hs = []

    def add(self, kind, port, t0, ok, hs_ms=None, err=None):
        self.n[kind] = self.n.get(kind, 0) + 1
        if ok:
            self.ok[kind] = self.ok.get(kind, 0) + 1
        if hs_ms is not None:
            self.hs.append(hs_ms)
        if self.log:
            self.log.write(json.dumps({"kind": kind, "port": port, "t0": round(t0, 3),
                                       "t1": round(time.time(), 3), "ok": ok,
                                       "hs_ms": hs_ms, "err": err}) + "\n")


async def wait_close(reader, limit):
    try:
        while True:
            d = await asyncio.wait_for(reader.read(65536), limit)
            if not d:
                return True
    except (asyncio.TimeoutError, OSError, ConnectionError):
        return False


async def raw_connect(port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    return r, w, w.get_extra_info("sockname")[1]


async def good(a, st, ctx):
    t0 = time.time()
    port = None
    try:
        sock = socket.socket()
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", a.port)), a.hs_timeout)
        port = sock.getsockname()[1]
        m0 = time.monotonic()
        r, w = await asyncio.wait_for(
            asyncio.open_connection(sock=sock, ssl=ctx, server_hostname="server.test",
                                    ssl_handshake_timeout=a.hs_timeout), a.hs_timeout + 1)
        hs_ms = (time.monotonic() - m0) * 1000
        w.write(b"GET / HTTP/1.0\r\nHost: server.test\r\n\r\n")
        data = b""
        try:
            while True:
                d = await asyncio.wait_for(r.read(4096), 10)
                if not d:
                    break
                data += d
        except (ssl.SSLError, ConnectionError, OSError):
            pass
        w.close()
        ok = data.startswith(b"HTTP/1.1 200")
        st.add("good", port, t0, ok, round(hs_ms, 2), None if ok else "reply %r" % data[:40])
    except Exception as e:  # noqa: BLE001  (every failure is counted, not raised)
        st.add("good", port, t0, False, None, repr(e)[:120])


async def bad(a, st, kind, slot, ch, bigch):
    t0 = time.time()
    port = None
    try:
        if kind == "flood":
            await flood(a, st, slot, t0)
            return
        r, w, port = await raw_connect(a.port)
        if kind == "slowloris":
            for b in ch:
                w.write(bytes([b]))
                await w.drain()
                try:
                    d = await asyncio.wait_for(r.read(4096), 1.0)
                    if not d:
                        break
                except asyncio.TimeoutError:
                    pass
        elif kind == "garbage":
            w.write(b"\x00\xff" + os.urandom(8) + b" hostile garbage\r\n\r\n")
            await w.drain()
            await wait_close(r, 40)
        elif kind == "rst":
            w.write(ch[: len(ch) // 2])
            await w.drain()
            await asyncio.sleep(0.2)
            s = w.get_extra_info("socket")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            w.transport.abort()
        elif kind == "bigch":
            w.write(bigch)
            await w.drain()
            await wait_close(r, 40)
        elif kind == "idle":
            await wait_close(r, 40)
        try:
            w.close()
        except Exception:  # noqa: BLE001
            pass
        st.add(kind, port, t0, True)
    except Exception as e:  # noqa: BLE001
        st.add(kind, port, t0, False, None, repr(e)[:120])


async def flood(a, st, slot, t0):
    tls12 = (slot // len(BAD_KINDS)) % 2 == 1
    kind = "reneg" if tls12 else "keyupdate"
    args = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % a.port,
            "-servername", "server.test", "-CAfile", a.ca, "-no_ign_eof"]
    args += ["-tls1_2"] if tls12 else ["-tls1_3"]
    p = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.PIPE,
                                             stdout=asyncio.subprocess.PIPE,
                                             stderr=asyncio.subprocess.DEVNULL)
    cmd = (b"R\n" if tls12 else b"K\n") * 200
    port = None
    try:
        # our local port, as soon as s_client has its socket (before the handshake,
        # which may wait long in listen's accept queue under load)
        for _ in range(100):
            port = await find_port_of(p.pid)
            if port:
                break
            await asyncio.sleep(0.05)
        # wait for the handshake (s_client prints the session, then "---")
        out = b""
        while b"Verify return code" not in out and b"Verification" not in out:
            d = await asyncio.wait_for(p.stdout.read(4096), 15)
            if not d:
                break
            out += d
        p.stdin.write(cmd)
        await p.stdin.drain()
        await asyncio.wait_for(p.stdout.read(), 40)
    except (asyncio.TimeoutError, OSError, ConnectionError, BrokenPipeError):
        pass
    finally:
        if p.returncode is None:
            p.kill()
        await p.wait()
    st.add(kind, port, t0, True)


async def find_port_of(pid):
    """Local port of the one TCP socket of process pid (from /proc)."""
    try:
        inodes = set()
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if t.startswith("socket:["):
                inodes.add(t[8:-1])
        with open("/proc/%d/net/tcp" % pid) as f:
            next(f)
            for line in f:
                x = line.split()
                if x[9] in inodes:
                    return int(x[1].split(":")[1], 16)
    except OSError:
        pass
    return None


async def slot_loop(a, st, slot, deadline, ctx, ch, bigch):
    await asyncio.sleep(random.random() * min(5.0, a.ramp))
    if a.bad_only:
        slot = 2 * slot + 1
    is_good = slot % 2 == 0 or a.good_only
    kinds = a.kinds
    while time.monotonic() < deadline:
        if is_good:
            await good(a, st, ctx)
            await asyncio.sleep(a.think * (0.5 + random.random()))
        else:
            kind = kinds[(slot // 2) % len(kinds)]
            await bad(a, st, kind, slot // 2, ch, bigch)
            await asyncio.sleep(0.2 + random.random() * 0.3)


async def main_async(a):
    ctx = ssl.create_default_context(cafile=a.ca)
    ctx.check_hostname = True
    ch = client_hello_bytes()
    bigch = big_client_hello(ch)
    st = Stats(a.log)
    t_start = time.monotonic()
    deadline = t_start + a.duration
    tasks = [asyncio.create_task(slot_loop(a, st, i, deadline, ctx, ch, bigch))
             for i in range(a.clients)]
    done, pending = await asyncio.wait(tasks, timeout=a.duration + 45)
    for t in pending:
        t.cancel()
    hs = sorted(st.hs)

    def pct(p):
        return round(hs[min(len(hs) - 1, int(len(hs) * p))], 2) if hs else None
    summ = {"clients": a.clients, "duration_s": round(time.monotonic() - t_start, 1),
            "attempts": st.n, "ok": st.ok, "good_hs_ms": {"n": len(hs), "p50": pct(0.5),
                                                         "p90": pct(0.9), "p99": pct(0.99),
                                                         "max": hs[-1] if hs else None},
            "unfinished": len(pending)}
    if st.log:
        st.log.close()
    print(json.dumps({"summary": summ}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--think", type=float, default=1.0)
    ap.add_argument("--ramp", type=float, default=5.0)
    ap.add_argument("--hs-timeout", type=float, default=30)
    ap.add_argument("--log")
    ap.add_argument("--kinds", default=",".join(BAD_KINDS))
    ap.add_argument("--good-only", action="store_true", help="every slot well behaved")
    ap.add_argument("--bad-only", action="store_true", help="every slot misbehaves")
    a = ap.parse_args()
    if a.good_only and a.bad_only:
        ap.error("--good-only and --bad-only exclude each other")
    a.kinds = a.kinds.split(",")
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(main_async(a))


if __name__ == "__main__":
    main()
