#!/usr/bin/env python3
"""A scripted TLS 1.3 draft exchange on 127.0.0.1 (no library speaks the drafts any
more): the client sends a ClientHello offering one draft version, the server answers
with that draft's ServerHello layout and its protected flight, the client with its
protected Finished, then each sends one protected application record and both close.

  draft_peer.py PORT DRAFT [KEYLOG]   (DRAFT 18..28; drafts <= 21 use the old ServerHello
                                       layout; KEYLOG: write made-up traffic secrets for
                                       this client random there, NSS key log format)
"""
import os, socket, struct, sys, threading

port, draft = int(sys.argv[1]), int(sys.argv[2])
ver = 0x7f00 + draft

def ext(t, body):
    return struct.pack("!HH", t, len(body)) + body

def hs(t, body):
    return bytes([t]) + struct.pack("!I", len(body))[1:] + body

def rec(ct, body, v=0x0301):
    return struct.pack("!BHH", ct, v, len(body)) + body

share = bytes(range(32))
sni = b"draft.test"
ch_exts = (ext(0, struct.pack("!HBH", len(sni) + 3, 0, len(sni)) + sni)
           + ext(10, struct.pack("!HH", 2, 0x001d))
           + ext(13, struct.pack("!HH", 2, 0x0403))
           + ext(43, bytes([2]) + struct.pack("!H", ver))
           + ext(51, struct.pack("!HHH", 36, 0x001d, 32) + share))
client_random = os.urandom(32)
if len(sys.argv) > 3:
    with open(sys.argv[3], "w") as kl:
        for label in ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                      "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"):
            kl.write("%s %s %s\n" % (label, client_random.hex(), os.urandom(32).hex()))
ch = (struct.pack("!H", 0x0303) + client_random + bytes([0]) + struct.pack("!HH", 2, 0x1301)
      + bytes([1, 0]) + struct.pack("!H", len(ch_exts)) + ch_exts)
sh_share = ext(51, struct.pack("!HH", 0x001d, 32) + share)
if draft <= 21:   # version, random, cipher_suite, extensions
    sh = struct.pack("!H", ver) + os.urandom(32) + struct.pack("!H", 0x1301) + struct.pack("!H", len(sh_share)) + sh_share
else:             # the TLS 1.2 layout, the version in supported_versions
    exts = ext(43, struct.pack("!H", ver)) + sh_share
    sh = (struct.pack("!H", 0x0303) + os.urandom(32) + bytes([0]) + struct.pack("!HB", 0x1301, 0)
          + struct.pack("!H", len(exts)) + exts)

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
srv.settimeout(10)

def serve():
    c, _ = srv.accept()
    c.settimeout(10)
    c.recv(4096)
    c.sendall(rec(22, hs(2, sh), 0x0303) + rec(23, os.urandom(900), 0x0303))
    c.recv(4096)
    c.sendall(rec(23, os.urandom(120), 0x0303))
    c.recv(4096)
    c.close()

t = threading.Thread(target=serve)
t.start()
cl = socket.create_connection(("127.0.0.1", port), timeout=10)
cl.sendall(rec(22, hs(1, ch)))
got = b""
while len(got) < 5 + 4 + len(sh) + 5 + 900:
    b = cl.recv(4096)
    if not b:
        break
    got += b
cl.sendall(rec(23, os.urandom(53), 0x0303))       # Finished
cl.sendall(rec(23, os.urandom(100), 0x0303))      # a request
cl.recv(4096)
cl.close()
t.join()
