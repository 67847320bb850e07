#!/usr/bin/env python3
"""Seeds for fuzz_starttls (fixtures/fuzz/fuzz_starttls/): byte 0 the protocol
(0 smtp, 1 imap, 2 pop3, 3 ftp, 4 ldap, 5 postgres, 6 mysql, 7 xmpp, 8 nntp,
9 sieve; +0x80: XMPP's 'to' is xmpp.test; 100: plain lines, tp_plain_*), then
what the server says: for each protocol a go-ahead and a refusal or a "not
offered", as the real servers of tests/integration/test_starttls*.sh word
them; then (MORE) each dialogue's other ways to end: a greeting refused, an
answer in another protocol, a list without the capability, the server gone
early, a line longer than the buffer. The output is committed; run
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


def mysql_caps(caps, ver=10):
    m = mysql(caps)
    return m[:4] + bytes([ver]) + m[5:]


LONG = b"a" * 1100  # longer than the 1024-byte line buffer, no line end
MORE = {
    "smtp-greeting-refused": (0, b"554 5.3.2 go away" + C),
    "smtp-closed": (0, b""),
    "smtp-not-numeric": (0, b"hello there" + C),
    "smtp-ehlo-rejected": (0, b"220 mail" + C + b"502 5.5.1 no EHLO" + C),
    "smtp-no-starttls": (0, b"220 mail" + C + b"250-mail" + C + b"250 8BITMIME" + C),
    "smtp-long-line": (0, b"220-" + LONG),
    "imap-bye": (1, b"* BYE go away" + C),
    "imap-not-imap": (1, b"220 mail" + C),
    "imap-capability-closed": (1, b"* OK ready" + C),
    "imap-capability-untagged": (1, b"* OK ready" + C + b"a3 what" + C),
    "imap-no-starttls": (1, b"* PREAUTH ready" + C + b"* CAPABILITY IMAP4rev1" + C + b"a1 OK done" + C),
    "imap-refused": (1, b"* OK ready" + C + b"* CAPABILITY STARTTLS" + C + b"a1 OK done" + C + b"a2 NO not now" + C),
    "pop3-err": (2, b"-ERR busy" + C),
    "pop3-not-pop3": (2, b"220 mail" + C),
    "pop3-closed": (2, b""),
    "pop3-no-capa": (2, b"+OK ready" + C + b"-ERR no CAPA" + C + b"+OK go" + C),
    "pop3-capa-no-stls": (2, b"+OK ready" + C + b"+OK" + C + b"USER" + C + b"." + C),
    "pop3-capa-cut": (2, b"+OK ready" + C + b"+OK" + C + b"USER" + C),
    "pop3-refused": (2, b"+OK ready" + C + b"+OK" + C + b"STLS" + C + b"." + C + b"-ERR no" + C),
    "ftp-ok": (3, b"220 ready" + C + b"234 AUTH TLS OK." + C),
    "ftp-greeting-refused": (3, b"421 too many" + C),
    "ftp-closed": (3, b"220 ready" + C),
    "ftp-refused": (3, b"220 ready" + C + b"530 not now" + C),
    "ldap-not-ldap": (4, bytes([0x31, 0x03, 0x02, 0x01, 0x01])),
    "ldap-long-form": (4, ldap(0)[:1] + bytes([0x81]) + ldap(0)[1:]),
    "ldap-cut": (4, bytes([0x30, 0x20, 0x02, 0x01])),
    "ldap-closed": (4, bytes([0x30])),
    "ldap-not-extended": (4, bytes([0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00])),
    "ldap-protocol-error": (4, ldap(2)),
    "ldap-unavailable": (4, ldap(52)),
    "ldap-long-op": (4, bytes([0x30, 0x0d, 0x02, 0x01, 0x01, 0x78, 0x81, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00])),
    "postgres-n": (5, b"N"),
    "postgres-other": (5, b"X"),
    "postgres-closed": (5, b""),
    "mysql-closed": (6, b"\x05\x00"),
    "mysql-huge": (6, b"\xff\xff\xff\x00\x0a"),
    "mysql-cut": (6, mysql(0xFFFE)[:20]),
    "mysql-v9": (6, mysql_caps(0xFFFE, 9)),
    "mysql-pre41": (6, mysql(0x0800)),
    "xmpp-closed": (7, XS),
    "xmpp-no-starttls": (7, XS + b"<stream:features/>"),
    "xmpp-stream-end": (7, XS + b"</stream:stream>"),
    "xmpp-no-answer": (7, XS + b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"),
    "xmpp-failure": (7, XS + b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"
                     b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
    "xmpp-error-after": (7, XS + b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"
                         b"<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                         b"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>not you</text></stream:error>"
                         b"</stream:stream>"),
    "xmpp-error-bare": (7, XS + b"<stream:error/></stream:stream>"),
    "xmpp-long": (7, XS + b"<x>" + b"y" * 1500 + b"</x><stream:features/>"),
    "nntp-greeting-refused": (8, b"400 busy" + C),
    "nntp-closed": (8, b"200 news" + C),
    "nntp-no-list": (8, b"201 news" + C + b"500 what" + C),
    "nntp-list-cut": (8, b"200 news" + C + b"101 Capability list:" + C + b"VERSION 2" + C),
    "nntp-refused": (8, b"200 news" + C + b"101 Capability list:" + C + b"STARTTLS" + C + b"." + C + b"502 no" + C),
    "sieve-bye": (9, b'BYE "go away"' + C),
    "sieve-not-sieve": (9, b"220 mail" + C),
    "sieve-closed": (9, b'"IMPLEMENTATION" "x"' + C),
    "sieve-no-starttls": (9, b'"IMPLEMENTATION" "x"' + C + b'OK "ready"' + C),
    "sieve-refused": (9, b'"STARTTLS"' + C + b'OK "ready"' + C + b'NO "not now"' + C),
    "plain-lines": (100, b"HTTP/1.1 200 OK" + C + b"Via: 1.1 proxy" + C + C + b"tail"),
    "plain-long": (100, b"HTTP/1.1 200 OK" + C + LONG),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, (proto, body) in list(SEEDS.items()) + list(MORE.items()):
        with open(os.path.join(out, "gen-" + name), "wb") as f:
            f.write(bytes([proto]) + body)


if __name__ == "__main__":
    main()
