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


# The line protocols as data: what the server says first ("greet"), then, when
# it has a capability command ("caps" is not None), the list it answers with;
# then its answer to STARTTLS (STLS, AUTH TLS): "refuse" or "go", or, for a
# protocol without a capability list (FTP), "unavailable". In the lines, "{tls}"
# is " STARTTLS" when the mode offers it and "" when not, a line starting with
# "?" is sent only when STARTTLS is offered, and "{tag}" is the first word of
# the client's last command (IMAP's tag).
LINE_PROTOS = {
    "smtp": dict(greet=["220 mail.test ESMTP scripted"],
                 caps=["250-mail.test", "250-PIPELINING", "250-SIZE 10240000", "?250-STARTTLS", "250 8BITMIME"],
                 refuse="454 4.7.0 TLS not available due to local problem", go="220 2.0.0 Ready to start TLS"),
    "imap": dict(greet=["* OK [CAPABILITY IMAP4rev1] scripted ready"],
                 caps=["* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR{tls}", "{tag} OK done"],
                 refuse="{tag} NO [UNAVAILABLE] TLS not configured", go="{tag} OK Begin TLS negotiation now"),
    "pop3": dict(greet=["+OK scripted ready"], caps=["+OK", "TOP", "UIDL", "?STLS", "."],
                 refuse="-ERR TLS not available", go="+OK Begin TLS negotiation"),
    "ftp": dict(greet=["220-scripted FTP", "220 ready"], caps=None, unavailable="502 Command not implemented",
                refuse="534 Policy requires no TLS", go="234 Proceed with negotiation."),
    "nntp": dict(greet=["200 scripted news server ready"],
                 caps=["101 Capability list:", "VERSION 2", "READER", "?STARTTLS", "."],
                 refuse="580 Can not initiate TLS negotiation", go="382 Continue with TLS negotiation"),
    # ManageSieve: the greeting is the capability list
    "sieve": dict(greet=['"IMPLEMENTATION" "scripted"', '"SIEVE" "fileinto"', '?"STARTTLS"', 'OK "ready"'],
                  caps=None, refuse='NO "TLS not available"', go='OK "Begin TLS negotiation now"'),
}


def line_dialogue(c, f, mode, d):
    offered = mode != "unavailable"
    tag = ""

    def send(lines):
        out = []
        for line in lines:
            if line.startswith("?"):
                if not offered:
                    continue
                line = line[1:]
            out.append(line.replace("{tls}", " STARTTLS" if offered else "").replace("{tag}", tag))
        c.sendall("".join(x + "\r\n" for x in out).encode())

    def command():
        return f.readline().decode(errors="replace").split(" ")[0].strip()

    send(d["greet"])
    if d["caps"] is not None:
        tag = command()  # EHLO, CAPA, a1 CAPABILITY, CAPABILITIES
        send(d["caps"])
    if not offered and "unavailable" not in d:
        return False
    tag = command()  # STARTTLS, STLS, AUTH TLS
    answer = "unavailable" if not offered else "refuse" if mode == "refuse" else "go"
    send([d[answer]])
    return answer == "go"


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
    if mode == "refuse":  # an ERR packet instead of the greeting, as for a host not allowed
        body = b"\xff" + (1130).to_bytes(2, "little") + b"Host '127.0.0.1' is not allowed to connect to this server"
        c.sendall(len(body).to_bytes(3, "little") + b"\0" + body)
        return False
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
    # inject: the extra bytes in the same segment as <proceed/>, as a pipelining
    # server would send them
    c.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + (b"250 injected" + CRLF if mode == "inject" else b""))
    return True


PROTOS = dict(ldap=ldap, postgres=postgres, mysql=mysql, xmpp=xmpp)
PROTOS.update({name: (lambda c, f, mode, d=d: line_dialogue(c, f, mode, d)) for name, d in LINE_PROTOS.items()})


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
    go = PROTOS[proto](c, f, mode if mode == "inject" and proto == "xmpp" else "ok" if mode == "inject" else mode)
    if not go:
        try:
            c.recv(4096)
        except OSError:
            pass
        return
    if mode == "inject" and proto != "xmpp":
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
