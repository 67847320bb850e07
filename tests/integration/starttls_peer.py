#!/usr/bin/env python3
"""A scripted STARTTLS server for tests: speaks the plain-text part of one
protocol, then TLS (python's ssl module, the test's certificate).

  starttls_peer.py PROTO MODE CERT KEY PORTFILE [--count N] [--lifetime S]

PROTO: smtp imap pop3 ftp ldap postgres mysql xmpp nntp sieve
MODE:  ok          the upgrade, then a TLS handshake
       unavailable STARTTLS not advertised (or the protocol's "no TLS" answer)
       refuse      advertised, then refused
       garbage     answers in another protocol (an HTTP status line)
       inject      agrees, and sends bytes before the ClientHello
       silent      accepts TCP and says nothing (as an implicit-TLS port would)
Writes the bound port to PORTFILE; serves --count connections (default 1) and
exits; never lives longer than --lifetime seconds (default 30).
"""
import argparse
import os
import signal
import socket
import ssl
import sys

CRLF = b"\r\n"


def lines_until(f, pred):
    while True:
        line = f.readline()
        if not line or pred(line):
            return line


def smtp(c, f, mode):
    c.sendall(b"220 mail.test ESMTP scripted" + CRLF)
    f.readline()  # EHLO
    caps = [b"250-mail.test", b"250-PIPELINING", b"250-SIZE 10240000"]
    if mode != "unavailable":
        caps.append(b"250-STARTTLS")
    caps.append(b"250 8BITMIME")
    c.sendall(CRLF.join(caps) + CRLF)
    if mode == "unavailable":
        return False
    f.readline()  # STARTTLS
    if mode == "refuse":
        c.sendall(b"454 4.7.0 TLS not available due to local problem" + CRLF)
        return False
    c.sendall(b"220 2.0.0 Ready to start TLS" + CRLF)
    return True


def imap(c, f, mode):
    c.sendall(b"* OK [CAPABILITY IMAP4rev1] scripted ready" + CRLF)
    tag = f.readline().split(b" ")[0]
    caps = b"* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR" + (b"" if mode == "unavailable" else b" STARTTLS")
    c.sendall(caps + CRLF + tag + b" OK done" + CRLF)
    if mode == "unavailable":
        return False
    tag = f.readline().split(b" ")[0]
    if mode == "refuse":
        c.sendall(tag + b" NO [UNAVAILABLE] TLS not configured" + CRLF)
        return False
    c.sendall(tag + b" OK Begin TLS negotiation now" + CRLF)
    return True


def pop3(c, f, mode):
    c.sendall(b"+OK scripted ready" + CRLF)
    f.readline()  # CAPA
    caps = [b"+OK", b"TOP", b"UIDL"] + ([] if mode == "unavailable" else [b"STLS"]) + [b"."]
    c.sendall(CRLF.join(caps) + CRLF)
    if mode == "unavailable":
        return False
    f.readline()  # STLS
    if mode == "refuse":
        c.sendall(b"-ERR TLS not available" + CRLF)
        return False
    c.sendall(b"+OK Begin TLS negotiation" + CRLF)
    return True


def ftp(c, f, mode):
    c.sendall(b"220-scripted FTP" + CRLF + b"220 ready" + CRLF)
    f.readline()  # AUTH TLS
    if mode == "unavailable":
        c.sendall(b"502 Command not implemented" + CRLF)
        return False
    if mode == "refuse":
        c.sendall(b"534 Policy requires no TLS" + CRLF)
        return False
    c.sendall(b"234 Proceed with negotiation." + CRLF)
    return True


def ldap(c, f, mode):
    c.recv(31)
    code = {"ok": 0, "inject": 0, "unavailable": 2, "refuse": 53}[mode]
    oid = b"1.3.6.1.4.1.1466.20037"
    resp = bytes([0x0a, 1, code, 0x04, 0, 0x04, 0]) + bytes([0x8a, len(oid)]) + oid
    op = bytes([0x78, len(resp)]) + resp
    msg = bytes([0x02, 1, 1]) + op
    c.sendall(bytes([0x30, len(msg)]) + msg)
    return code == 0


def postgres(c, f, mode):
    c.recv(8)
    if mode == "refuse":
        c.sendall(b"E")
        return False
    c.sendall(b"N" if mode == "unavailable" else b"S")
    return mode != "unavailable"


def mysql(c, f, mode):
    caps = 0xFFFF if mode != "unavailable" else 0xFFFF & ~0x0800
    body = (bytes([10]) + b"10.11.0-scripted\0" + (7).to_bytes(4, "little") + b"abcdefgh" + b"\0" +
            (caps & 0xFFFF).to_bytes(2, "little") + bytes([45]) + (2).to_bytes(2, "little") +
            (0x81FF).to_bytes(2, "little") + bytes([21]) + b"\0" * 10 + b"ijklmnopqrst\0" + b"mysql_native_password\0")
    c.sendall(len(body).to_bytes(3, "little") + b"\0" + body)
    if mode == "unavailable":
        return False
    c.recv(36)  # SSLRequest
    return True


def xmpp(c, f, mode):
    data = b""
    while b">" not in data[data.find(b"stream:stream"):]:
        chunk = c.recv(4096)
        if not chunk:
            return False
        data += chunk
    feats = b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>" if mode != "unavailable" else b""
    c.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
              b" id='s1' from='xmpp.test' version='1.0'><stream:features>" + feats +
              b"<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>"
              b"</stream:features>")
    if mode == "unavailable":
        return False
    c.recv(4096)
    if mode == "refuse":
        c.sendall(b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>")
        return False
    c.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    return True


def nntp(c, f, mode):
    c.sendall(b"200 scripted news server ready" + CRLF)
    f.readline()  # CAPABILITIES
    caps = [b"101 Capability list:", b"VERSION 2", b"READER"] + ([] if mode == "unavailable" else [b"STARTTLS"]) + [b"."]
    c.sendall(CRLF.join(caps) + CRLF)
    if mode == "unavailable":
        return False
    f.readline()
    if mode == "refuse":
        c.sendall(b"580 Can not initiate TLS negotiation" + CRLF)
        return False
    c.sendall(b"382 Continue with TLS negotiation" + CRLF)
    return True


def sieve(c, f, mode):
    caps = [b'"IMPLEMENTATION" "scripted"', b'"SIEVE" "fileinto"'] + ([] if mode == "unavailable" else [b'"STARTTLS"'])
    c.sendall(CRLF.join(caps + [b'OK "ready"']) + CRLF)
    if mode == "unavailable":
        return False
    f.readline()
    if mode == "refuse":
        c.sendall(b'NO "TLS not available"' + CRLF)
        return False
    c.sendall(b'OK "Begin TLS negotiation now"' + CRLF)
    return True


PROTOS = dict(smtp=smtp, imap=imap, pop3=pop3, ftp=ftp, ldap=ldap, postgres=postgres, mysql=mysql,
              xmpp=xmpp, nntp=nntp, sieve=sieve)


def serve(c, proto, mode, ctx):
    if mode == "silent":
        c.settimeout(20)
        try:
            c.recv(1)
        except OSError:
            pass
        return
    if mode == "garbage":
        c.sendall(b"HTTP/1.1 400 Bad Request" + CRLF + b"Content-Length: 0" + CRLF + CRLF)
        try:
            c.recv(4096)
        except OSError:
            pass
        return
    f = c.makefile("rb")
    go = PROTOS[proto](c, f, "ok" if mode == "inject" else mode)
    if not go:
        try:
            c.recv(4096)
        except OSError:
            pass
        return
    if mode == "inject":
        c.sendall(b"250 injected" + CRLF)
    tls = ctx.wrap_socket(c, server_side=True)
    try:
        tls.recv(1024)
    except (ssl.SSLError, OSError):
        pass
    try:
        tls.unwrap()
    except (ssl.SSLError, OSError):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("proto", choices=sorted(PROTOS))
    ap.add_argument("mode", choices=["ok", "unavailable", "refuse", "garbage", "inject", "silent"])
    ap.add_argument("cert")
    ap.add_argument("key")
    ap.add_argument("portfile")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--lifetime", type=int, default=30)
    a = ap.parse_args()
    signal.alarm(a.lifetime)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    tmp = a.portfile + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(str(s.getsockname()[1]))
    os.rename(tmp, a.portfile)
    for _ in range(a.count):
        c, _ = s.accept()
        c.settimeout(10)
        try:
            serve(c, a.proto, a.mode, ctx)
        except (OSError, ssl.SSLError) as e:
            print(f"starttls_peer: {e}", file=sys.stderr)
        finally:
            c.close()


if __name__ == "__main__":
    main()
