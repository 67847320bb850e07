#!/usr/bin/env python3
"""Seeds for fuzz_starttls (fixtures/fuzz/fuzz_starttls/): byte 0 the protocol
(0 smtp, 1 imap, 2 pop3, 3 ftp, 4 ldap, 5 postgres, 6 mysql, 7 xmpp, 8 nntp,
9 sieve; +0x80: XMPP's 'to' is xmpp.test), then what the server says: for each
protocol a go-ahead and a refusal or a "not offered", as the real servers of
tests/integration/test_starttls*.sh word them. The output is committed; run
this only to make the seeds again:

    python3 tests/fuzz/make_starttls_seeds.py fixtures/fuzz/fuzz_starttls
"""
import os
import sys

C = b"\r\n"
OID = b"1.3.6.1.4.1.1466.20037"


def ldap(code):
    resp = bytes([0x0a, 1, code, 0x04, 0, 0x04, 0, 0x8a, len(OID)]) + OID
    msg = bytes([0x02, 1, 1, 0x78, len(resp)]) + resp
    return bytes([0x30, len(msg)]) + msg


def mysql(caps):
    body = (bytes([10]) + b"5.5.5-10.11.19-MariaDB\0" + (3).to_bytes(4, "little") + b"abcdefgh\0" +
            caps.to_bytes(2, "little") + bytes([45]) + (2).to_bytes(2, "little") + (0x81FF).to_bytes(2, "little") +
            bytes([21]) + b"\0" * 10 + b"ijklmnopqrst\0" + b"mysql_native_password\0")
    return len(body).to_bytes(3, "little") + b"\0" + body


XS = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
      b"xmlns:stream='http://etherx.jabber.org/streams' from='xmpp.test' id='1' version='1.0'>")
SEEDS = {
    "smtp-ok": (0, b"220 mail ESMTP" + C + b"250-mail" + C + b"250-STARTTLS" + C + b"250 8BITMIME" + C +
                b"220 2.0.0 Ready" + C),
    "smtp-refused": (0, b"220 mail" + C + b"250-mail" + C + b"250 STARTTLS" + C + b"454 4.7.0 no TLS" + C),
    "imap-ok": (1, b"* OK ready" + C + b"* CAPABILITY IMAP4rev1 STARTTLS" + C + b"a1 OK done" + C +
                b"a2 OK Begin TLS" + C),
    "imap-injected": (1, b"* OK ready" + C + b"* CAPABILITY IMAP4rev1 STARTTLS" + C + b"a1 OK done" + C +
                      b"a2 OK Begin TLS" + C + b"250 injected" + C),
    "pop3-ok": (2, b"+OK ready" + C + b"+OK" + C + b"STLS" + C + b"." + C + b"+OK Begin TLS" + C),
    "ftp-unavailable": (3, b"220-FTP" + C + b"220 ready" + C + b"500 Command \"AUTH\" not understood." + C),
    "ldap-ok": (4, ldap(0)),
    "ldap-unwilling": (4, ldap(53)),
    "postgres-ok": (5, b"S"),
    "postgres-error": (5, b"E"),
    "mysql-ok": (6, mysql(0xFFFE)),
    "mysql-nossl": (6, mysql(0xF7FE)),
    "mysql-error": (6, bytes([60, 0, 0, 0, 0xff, 0x6a, 0x04]) + b"Host '127.0.0.1' is not allowed to connect to this server"),
    "xmpp-ok": (0x87, XS + b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                b"</stream:features><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
    "xmpp-injected": (0x87, XS + b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                      b"</stream:features><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>250 injected" + C),
    "xmpp-host-unknown": (7, XS + b"<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                          b"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>no such host</text>"
                          b"</stream:error></stream:stream>"),
    "nntp-ok": (8, b"200 news" + C + b"101 Capability list:" + C + b"VERSION 2" + C + b"STARTTLS" + C + b"." + C +
                b"382 Continue" + C),
    "sieve-ok": (9, b'"IMPLEMENTATION" "Dovecot Pigeonhole"' + C + b'"STARTTLS"' + C + b'OK "ready"' + C +
                 b'OK "Begin TLS negotiation now"' + C),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, (proto, body) in SEEDS.items():
        with open(os.path.join(out, "gen-" + name), "wb") as f:
            f.write(bytes([proto]) + body)


if __name__ == "__main__":
    main()
