#!/usr/bin/env python3
"""Seeds with a header for fuzz_session (tests/fuzz/fuzz_session.c): real
handshakes captured from `openssl s_server` / `s_client` on 127.0.0.1 through a
relay in this script that records each direction's bytes as they pass, written
in the chunk format of tests/fuzz/session_chunks.h behind a "TPS1" header that
gives the input its own key log: the key log's secrets for the client random
(s_client -keylogfile), a fixed RSA key (--key), a PSK table (--psk). They
reach TLS 1.2 RSA key exchange (GCM, CBC with and without encrypt-then-MAC,
TLS 1.0, resumption, a key that does not match), plain PSK (by identity, for
any identity, no match, a wrong key), TLS 1.3 0-RTT (accepted with and without
its secret, rejected), a TLS 1.3 KeyUpdate, the live probes' record-key
shortcut and DTLS 1.2 datagrams (a UDP relay).

The RSA keys are fixed (1024 bits, small on purpose: one private-key operation
per input): tests/fuzz/fuzz_session_keys.h holds their DER; --new-keys makes
new ones (openssl genrsa) and rewrites that header. Needs openssl (3.0) and
python3-cryptography at seed-generation time only; run by hand, the outputs
(each a few KiB) are committed:

    python3 tests/fuzz/make_session_seeds.py [OUTDIR]   # fixtures/fuzz/fuzz_session
"""
import os
import re
import select
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS_H = os.path.join(HERE, "fuzz_session_keys.h")
LABELS = {
    "CLIENT_RANDOM": 0, "CLIENT_EARLY_TRAFFIC_SECRET": 1, "CLIENT_HANDSHAKE_TRAFFIC_SECRET": 2,
    "SERVER_HANDSHAKE_TRAFFIC_SECRET": 3, "CLIENT_TRAFFIC_SECRET_0": 4, "SERVER_TRAFFIC_SECRET_0": 5,
    "EXPORTER_SECRET": 6,
}
F_OWN_C2S, F_OWN_S2C, F_DATAGRAMS, F_WORKER = 1, 2, 4, 8
PSK_ID, PSK_KEY = b"client1", bytes.fromhex("0123456789abcdef0123456789abcdef")


def run(*args, **kw):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw).stdout


# ---- the fixed RSA keys ----

def new_keys(tmp):
    ders = []
    for i in range(2):
        pem = os.path.join(tmp, "new%d.pem" % i)
        run("openssl", "genrsa", "-out", pem, "1024")
        ders.append(run("openssl", "rsa", "-in", pem, "-outform", "DER", "-traditional"))
    body = "".join(
        "static const uint8_t fuzz_rsa_key%d[%d] = {\n%s\n};\n" % (
            i, len(d), "\n".join("    " + " ".join("0x%02x," % b for b in d[j:j + 16]) for j in range(0, len(d), 16)))
        for i, d in enumerate(ders))
    with open(KEYS_H, "w") as f:
        f.write("/* Fixed RSA private keys (PKCS#1 DER, 1024 bits: small so an input's key\n"
                " * exchange costs little) for fuzz_session's --key entries. Made by\n"
                " * tests/fuzz/make_session_seeds.py --new-keys (openssl genrsa); the seeds of\n"
                " * fixtures/fuzz/fuzz_session/rsa_* were captured with key 0. Test keys only. */\n"
                "#ifndef TP_FUZZ_SESSION_KEYS_H\n#define TP_FUZZ_SESSION_KEYS_H\n#include <stddef.h>\n"
                "#include <stdint.h>\n\n" + body +
                "struct fuzz_rsa_key {\n    const uint8_t *der;\n    size_t len;\n};\n"
                "#define FUZZ_RSA_KEYS 2\nstatic const struct fuzz_rsa_key fuzz_rsa_keys[FUZZ_RSA_KEYS] = {\n"
                "    { fuzz_rsa_key0, sizeof fuzz_rsa_key0 },\n    { fuzz_rsa_key1, sizeof fuzz_rsa_key1 },\n};\n\n"
                "#endif\n")


def read_keys():
    text = open(KEYS_H).read()
    return [bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", m))
            for m in re.findall(r"fuzz_rsa_key\d\[\d+\] = \{(.*?)\};", text, re.S)]


# ---- capture through a relay ----

def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def tcp_relay(lsock, upstream, conns, n):
    """Relay n connections accepted on lsock to upstream; each a list of (dir, bytes)."""
    for _ in range(n):
        lsock.settimeout(15)
        try:
            c, _ = lsock.accept()
        except OSError:
            return
        u = socket.create_connection(upstream)
        rec, open_ = [], {c: True, u: True}
        conns.append(rec)
        peer, d = {c: u, u: c}, {c: 0, u: 1}
        deadline = time.time() + 15
        while any(open_.values()) and time.time() < deadline:
            r, _, _ = select.select([s for s in open_ if open_[s]], [], [], 0.5)
            for s in r:
                data = s.recv(65536)
                if not data:
                    open_[s] = False
                    try:
                        peer[s].shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    continue
                rec.append((d[s], data))
                peer[s].sendall(data)
        c.close()
        u.close()


def seclevel0(args):
    """Security level 0 (the fixed keys are 1024-bit RSA, and TLS 1.0 is captured)."""
    if "-cipher" in args:
        i = args.index("-cipher") + 1
        return args[:i] + [args[i].replace(":@SECLEVEL=0", "") + ":@SECLEVEL=0"] + args[i + 1:]
    return args + ["-cipher", "DEFAULT:@SECLEVEL=0"]


def start_server(args):
    """openssl s_server on a free port, ready (it printed ACCEPT)."""
    port = free_port(socket.SOCK_DGRAM if "-dtls1_2" in args else socket.SOCK_STREAM)
    args = seclevel0(args)
    p = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port] + args,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    while True:
        line = p.stdout.readline()
        if not line:
            raise RuntimeError("s_server did not start: %s" % args)
        if line.startswith(b"ACCEPT"):
            break
    threading.Thread(target=p.stdout.read, daemon=True).start()  # drain
    return p, port


def client(port, args, stdin=b"hello\n", wait=0.6):
    p = subprocess.Popen(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "server.test"]
                         + seclevel0(args), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for line in stdin.split(b"\n")[:-1]:
        time.sleep(wait)
        p.stdin.write(line + b"\n")
        p.stdin.flush()
    time.sleep(wait)
    p.stdin.close()
    p.wait(timeout=15)


def capture(server_args, clients, server_stdin=b""):
    """Connections (lists of (dir, bytes)) of s_client runs through a TCP relay."""
    srv, sport = start_server(server_args)
    if server_stdin:
        srv.stdin.write(server_stdin)
        srv.stdin.flush()
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    conns = []
    t = threading.Thread(target=tcp_relay, args=(ls, ("127.0.0.1", sport), conns, len(clients)))
    t.start()
    for args in clients:
        client(ls.getsockname()[1], *args) if isinstance(args, tuple) else client(ls.getsockname()[1], args)
        time.sleep(0.2)
    t.join(20)
    ls.close()
    srv.kill()
    srv.wait()
    return conns


def capture_dtls(server_args, client_args):
    """Datagrams of one DTLS s_client run through a UDP relay."""
    srv, sport = start_server(server_args)
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(("127.0.0.1", 0))
    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    back.connect(("127.0.0.1", sport))
    rec, cli = [], [None]
    stop = threading.Event()

    def relay():
        while not stop.is_set():
            r, _, _ = select.select([front, back], [], [], 0.2)
            for s in r:
                if s is front:
                    data, cli[0] = front.recvfrom(65536)
                    rec.append((0, data))
                    back.send(data)
                else:
                    data = back.recv(65536)
                    rec.append((1, data))
                    if cli[0]:
                        front.sendto(data, cli[0])

    t = threading.Thread(target=relay)
    t.start()
    client(front.getsockname()[1], ["-dtls1_2"] + client_args)
    time.sleep(0.5)
    stop.set()
    t.join()
    srv.kill()
    srv.wait()
    return rec


# ---- the input format ----

def chunks(conn, midstream=False):
    out = b""
    if midstream:  # a gap chunk of length 0: tp_session_midstream, before any byte
        out += bytes([2]) + bytes([3])
    for i, (d, data) in enumerate(conn):
        if midstream and i == 1:  # and once after it: too late, only noted
            out += bytes([2])
        for j in range(0, len(data), 65535):
            part = data[j:j + 65535]
            if len(part) <= 63:
                out += bytes([d | (len(part) - 1) << 2]) + part
            else:
                out += bytes([0xfc | d]) + struct.pack(">H", len(part)) + part
    return out


def client_random(conn, dtls=False):
    first = b"".join(data for d, data in conn if d == 0)
    off = 13 + 12 + 2 if dtls else 5 + 4 + 2
    return first[off:off + 32]


def keylog_entries(path, cr, labels=None):
    out = b""
    for line in open(path):
        f = line.split()
        if len(f) == 3 and f[0] in LABELS and bytes.fromhex(f[1]) == cr and (labels is None or f[0] in labels):
            sec = bytes.fromhex(f[2])
            out += bytes([LABELS[f[0]], len(sec)]) + sec
    return out


def secret_of(path, cr, label):
    for line in open(path):
        f = line.split()
        if len(f) == 3 and f[0] == label and bytes.fromhex(f[1]) == cr:
            return bytes.fromhex(f[2])
    return None


def psk_entry(ident, key):
    return bytes([0x10, len(ident)]) + ident + bytes([len(key)]) + key


def rsa_entry(i):
    return bytes([0x20, i])


def traffic_key_entries(secret, key_len):
    """HKDF-Expand-Label(secret, "key"/"iv", "", len), RFC 8446 §7.3 (SHA-256 suites)."""
    def label(lbl, n):
        info = struct.pack(">H", n) + bytes([len(b"tls13 " + lbl)]) + b"tls13 " + lbl + b"\x00"
        return HKDFExpand(hashes.SHA256(), n, info).derive(secret)
    out = b""
    for iv, v in ((0, label(b"key", key_len)), (1, label(b"iv", 12))):
        out += bytes([0x30, len(secret)]) + secret + bytes([iv, len(v)]) + v
    return out


def seed(flags, cr, entries, body):
    hdr = bytes([flags]) + cr + entries
    return b"TPS1" + struct.pack(">H", len(hdr)) + hdr + body


def main():
    out = os.path.join(HERE, "..", "..", "fixtures", "fuzz", "fuzz_session")
    args = [a for a in sys.argv[1:] if a != "--new-keys"]
    if args:
        out = args[0]
    os.makedirs(out, exist_ok=True)
    seeds = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "--new-keys" in sys.argv or not os.path.exists(KEYS_H):
            new_keys(tmp)
        der = read_keys()[0]
        key = os.path.join(tmp, "key.pem")
        cert = os.path.join(tmp, "cert.pem")
        kl = os.path.join(tmp, "keylog.txt")
        sess = os.path.join(tmp, "sess.pem")
        early = os.path.join(tmp, "early.txt")
        with open(os.path.join(tmp, "key.der"), "wb") as f:
            f.write(der)
        run("openssl", "rsa", "-inform", "DER", "-in", os.path.join(tmp, "key.der"), "-out", key)
        run("openssl", "req", "-x509", "-new", "-key", key, "-subj", "/CN=server.test", "-days", "3650",
            "-sha256", "-out", cert)
        srv = ["-cert", cert, "-key", key]

        def rm(*paths):
            for p in paths:
                if os.path.exists(p):
                    os.unlink(p)

        # TLS 1.2 RSA key exchange (extended master secret: OpenSSL's default)
        for name, cipher, extra in (("rsa_tls12_gcm", "AES128-GCM-SHA256", []),
                                    ("rsa_tls12_cbc_etm", "AES128-SHA256", []),
                                    ("rsa_tls12_cbc_noetm", "AES256-SHA", ["-no_etm"])):
            rm(kl)
            c = capture(srv + ["-tls1_2", "-cipher", cipher], [["-tls1_2", "-cipher", cipher, "-keylogfile", kl]
                                                               + extra])[0]
            cr = client_random(c)
            seeds[name] = seed(0, cr, rsa_entry(0), chunks(c))
            if name == "rsa_tls12_gcm":
                seeds["rsa_wrong_key"] = seed(0, cr, rsa_entry(1), chunks(c))
                seeds["rsa_and_keylog_worker"] = seed(F_WORKER, cr, rsa_entry(1) + keylog_entries(kl, cr),
                                                      chunks(c))
                seeds["rsa_psk_table_midstream"] = seed(0, cr, psk_entry(PSK_ID, PSK_KEY) + rsa_entry(0),
                                                        chunks(c, midstream=True))
        # TLS 1.0 (CBC with the IV chained through every record): security level 0
        c = capture(srv + ["-tls1", "-cipher", "AES128-SHA"],
                    [["-tls1", "-cipher", "AES128-SHA"]])[0]
        seeds["rsa_tls10_cbc"] = seed(0, client_random(c), rsa_entry(0), chunks(c))
        # resumption: the master secret is the first session's
        rm(sess)
        cs = capture(srv + ["-tls1_2", "-cipher", "AES128-GCM-SHA256"],
                     [["-tls1_2", "-cipher", "AES128-GCM-SHA256", "-sess_out", sess],
                      ["-tls1_2", "-cipher", "AES128-GCM-SHA256", "-sess_in", sess]])
        seeds["rsa_resumed"] = seed(0, client_random(cs[1]), rsa_entry(0), chunks(cs[1]))

        # an empty key log, and only an RSA key for sessions it cannot open
        seeds["tls12_no_keys"] = seed(0, client_random(cs[0]), b"", chunks(cs[0]))

        # plain PSK (RFC 4279)
        for name, cipher in (("psk_tls12_gcm", "PSK-AES128-GCM-SHA256"), ("psk_tls12_cbc", "PSK-AES128-CBC-SHA256")):
            c = capture(["-nocert", "-tls1_2", "-cipher", cipher, "-psk", PSK_KEY.hex(), "-psk_identity",
                         PSK_ID.decode()],
                        [["-tls1_2", "-cipher", cipher, "-psk", PSK_KEY.hex(), "-psk_identity", PSK_ID.decode()]])[0]
            cr = client_random(c)
            seeds[name] = seed(0, cr, psk_entry(b"other", b"\x01" * 16) + psk_entry(PSK_ID, PSK_KEY), chunks(c))
            if name == "psk_tls12_gcm":
                seeds["psk_any_identity"] = seed(F_WORKER, cr, psk_entry(b"", PSK_KEY), chunks(c))
                seeds["psk_no_match"] = seed(0, cr, psk_entry(b"other", PSK_KEY), chunks(c))
                seeds["psk_wrong_key"] = seed(0, cr, psk_entry(PSK_ID, b"\x02" * 32), chunks(c))

        rm(sess)
        psk_args = ["-tls1_2", "-cipher", "PSK-AES128-GCM-SHA256", "-psk", PSK_KEY.hex(), "-psk_identity",
                    PSK_ID.decode()]
        cs = capture(["-nocert"] + psk_args, [psk_args + ["-sess_out", sess], psk_args + ["-sess_in", sess]])
        seeds["psk_resumed"] = seed(0, client_random(cs[1]), psk_entry(PSK_ID, PSK_KEY), chunks(cs[1]))
        seeds["psk_rsa_key_only"] = seed(0, client_random(cs[0]), rsa_entry(0), chunks(cs[0]))

        # TLS 1.3 0-RTT: a session with a ticket, then early data on its resumption
        rm(kl, sess)
        with open(early, "wb") as f:
            f.write(b"GET /early HTTP/1.0\r\n\r\n")
        cs = capture(srv + ["-early_data", "-tls1_3"],
                     [["-tls1_3", "-sess_out", sess], ["-tls1_3", "-sess_in", sess, "-early_data", early,
                                                       "-keylogfile", kl]])
        c = cs[1]
        cr = client_random(c)
        seeds["tls13_early_data"] = seed(0, cr, keylog_entries(kl, cr), chunks(c))
        seeds["tls13_early_no_secret"] = seed(F_WORKER, cr, keylog_entries(kl, cr, set(LABELS) - {
            "CLIENT_EARLY_TRAFFIC_SECRET"}), chunks(c))
        seeds["tls13_early_secret_only"] = seed(0, cr, keylog_entries(kl, cr, {"CLIENT_EARLY_TRAFFIC_SECRET"}),
                                                chunks(c))
        # the server refuses the early data (no -early_data): the client's 0-RTT
        # records do not open with the handshake keys
        rm(kl, sess)
        cs = capture(srv + ["-tls1_3"], [["-tls1_3", "-sess_out", sess],
                                         ["-tls1_3", "-sess_in", sess, "-early_data", early, "-keylogfile", kl]])
        c = cs[1]
        cr = client_random(c)
        seeds["tls13_early_rejected"] = seed(0, cr, keylog_entries(kl, cr), chunks(c))
        seeds["tls13_rsa_key_only"] = seed(0, cr, rsa_entry(0), chunks(c))
        # the server's suite is the client's third choice: the early secret is
        # tried with the suites offered before it (another hash, another cipher)
        rm(kl, sess)
        aes128 = ["-ciphersuites", "TLS_AES_128_GCM_SHA256"]
        cs = capture(srv + ["-early_data", "-tls1_3"] + aes128,
                     [["-tls1_3", "-sess_out", sess], ["-tls1_3", "-sess_in", sess, "-early_data", early,
                                                       "-keylogfile", kl]])
        c = cs[1]
        cr = client_random(c)
        seeds["tls13_early_aes128"] = seed(0, cr, keylog_entries(kl, cr), chunks(c))

        # TLS 1.3 KeyUpdate from the client ("k" on s_client's input), and the
        # live probes' shortcut: the client's application record key and IV
        rm(kl)
        c = capture(srv + ["-tls1_3"], [(["-tls1_3", "-keylogfile", kl], b"one\nk\ntwo\n")])[0]
        cr = client_random(c)
        seeds["tls13_keyupdate_keylog"] = seed(0, cr, keylog_entries(kl, cr), chunks(c))
        c_ap = secret_of(kl, cr, "CLIENT_TRAFFIC_SECRET_0")
        seeds["tls13_own_traffic_keys"] = seed(F_OWN_C2S, cr, keylog_entries(kl, cr) + traffic_key_entries(c_ap, 16),
                                               chunks(c))

        # DTLS 1.2 over UDP, its master secret from the key log
        rm(kl)
        dg = capture_dtls(srv + ["-dtls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
                          ["-keylogfile", kl, "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"])
        cr = client_random(dg, dtls=True)
        seeds["dtls12_keylog"] = seed(F_DATAGRAMS, cr, keylog_entries(kl, cr), chunks(dg))

    # fuzz_dtls's hand-made DTLS flights (make_dtls_seeds.py), as datagram
    # chunks with their key log line (master secret 01.. for client random 00..1f)
    with tempfile.TemporaryDirectory() as tmp:
        run(sys.executable, os.path.join(HERE, "make_dtls_seeds.py"), tmp)
        for name in ("decrypted", "fragments", "malformed", "renumber", "unified_13", "limits"):
            raw, conn, off = open(os.path.join(tmp, name), "rb").read(), [], 0
            while off + 3 <= len(raw):
                n = struct.unpack(">H", raw[off + 1:off + 3])[0]
                conn.append((raw[off] & 1, raw[off + 3:off + 3 + n]))
                off += 3 + n
            seeds["dtls_" + name] = seed(F_DATAGRAMS, bytes(range(32)), bytes([0, 48]) + b"\x01" * 48,
                                         chunks(conn))

    for name, data in seeds.items():
        assert len(data) <= 65536, name
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print("%-28s %6d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
