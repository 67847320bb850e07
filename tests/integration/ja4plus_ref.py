#!/usr/bin/env python3
"""Independent JA4S / JA4X for tests/integration/test_ja4plus.sh.

Reads a capture with tshark (and its key log, for TLS 1.3 certificates) and prints
one JSON object: {"ja4s": ..., "ja4s_r": ..., "ja4x": [...]} for the first
ServerHello and the server's certificates, computed here from tshark's fields
with hashlib and a small DER walker, following FoxIO's JA4S/JA4X description
(docs/fingerprints.md). Nothing of tlsprobe's is used.
usage: ja4plus_ref.py PCAP KEYLOG
"""
import hashlib, json, subprocess, sys

from tshark_tls import decode_args

pcap, keylog = sys.argv[1], sys.argv[2]
DECODE = decode_args(pcap)   # TLS on the server's port, whatever tshark gives the ports
FIELDS = ["tls.handshake.type", "tls.handshake.version", "tls.handshake.ciphersuite",
          "tls.handshake.extension.type", "tls.handshake.extensions.supported_version",
          "tls.handshake.extensions_alpn_str", "tls.handshake.certificate", "tcp.srcport"]


def rows(with_keys):
    """One dict of field lists per packet with a handshake message. Without the key
    log only cleartext messages are seen, so a TLS 1.3 ServerHello's fields are not
    mixed with those of the EncryptedExtensions in the same segment."""
    cmd = ["tshark", "-r", pcap, *DECODE, "-Y", "tls.handshake", "-T", "fields",
           "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=;"]
    if with_keys:
        cmd += ["-o", "tls.keylog_file:" + keylog]
    for f in FIELDS:
        cmd += ["-e", f]
    text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    for row in text.splitlines():
        yield dict(zip(FIELDS, [c.split(";") if c else [] for c in row.split("|")]))


def h12(items):
    s = ",".join(items)
    return hashlib.sha256(s.encode()).hexdigest()[:12] if s else "0" * 12



def tlv(b, i):
    """(tag, content start, end) of the DER element at b[i]."""
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k, n = n & 0x7F, int.from_bytes(b[i:i + (n & 0x7F)], "big")
        i += k
    return tag, i, i + n


def children(b, start, end):
    out, i = [], start
    while i < end:
        t, s, e = tlv(b, i)
        out.append((t, s, e))
        i = e
    return out


def ja4x(der):
    _, s, e = tlv(der, 0)                     # Certificate
    _, s, e = children(der, s, e)[0]          # tbsCertificate
    tbs = children(der, s, e)
    if tbs[0][0] == 0xA0:                     # [0] version
        tbs = tbs[1:]
    issuer, subject = tbs[2], tbs[4]          # serial, signature, issuer, validity, subject

    def name_oids(n):
        oids = []
        for _, rs, re_ in children(der, n[1], n[2]):          # RDN (SET)
            for _, as_, ae in children(der, rs, re_):         # AttributeTypeAndValue
                _, os_, oe = children(der, as_, ae)[0]
                oids.append(der[os_:oe].hex())
        return oids
    exts = []
    for t, xs, xe in tbs[6:]:
        if t == 0xA3:                                       # [3] extensions
            _, ss, se = tlv(der, xs)
            for _, es, ee in children(der, ss, se):
                _, os_, oe = children(der, es, ee)[0]
                exts.append(der[os_:oe].hex())
    return "_".join(h12(x) for x in (name_oids(issuer), name_oids(subject), exts))


VERS = {"0x0304": "13", "0x0303": "12", "0x0302": "11", "0x0301": "10", "0x0300": "s3"}
out = {"ja4s": None, "ja4s_r": None, "ja4x": []}
for v in rows(False):
    if "2" in v["tls.handshake.type"]:
        exts = ["%04x" % int(e) for e in v["tls.handshake.extension.type"]]
        sv = v["tls.handshake.extensions.supported_version"]
        ver = VERS.get(sv[0] if sv else v["tls.handshake.version"][0], "00")
        alpn = v["tls.handshake.extensions_alpn_str"]
        a = (alpn[0][0] + alpn[0][-1]) if alpn else "00"
        suite = v["tls.handshake.ciphersuite"][0][2:]
        head = "t%s%02d%s_%s" % (ver, min(len(exts), 99), a, suite)
        out["ja4s"] = "%s_%s" % (head, h12(exts))
        out["ja4s_r"] = "%s_%s" % (head, ",".join(exts))
        break
for v in rows(True):
    if "11" in v["tls.handshake.type"]:
        out["ja4x"] = [ja4x(bytes.fromhex(c.replace(":", ""))) for c in v["tls.handshake.certificate"]]
        break
print(json.dumps(out))
