#!/usr/bin/env python3
"""Seeds for fuzz_keylog (fixtures/fuzz/fuzz_keylog/) in the target's input format
(tests/fuzz/fuzz_keylog.c): a key log, then sections introduced by "@@NAME"
lines (rsa, epms, psk, add, long).

The --key seeds use a 512-bit RSA key made here with the openssl CLI (the
smallest wolfCrypt takes, so a premaster decryption costs the fuzzer little),
as PKCS#1 DER, PKCS#8 DER and PKCS#8 PEM; an EC key (not RSA: refused); the
SHA-256 of the key's SubjectPublicKeyInfo (openssl pkey -pubout) and
EncryptedPreMasterSecrets made with `openssl pkeyutl -encrypt` (PKCS#1 v1.5):
a 48-byte premaster, a 47-byte one, random bytes, the wrong length, another
key's hash; seventeen keys (beyond TP_KEYLOG_RSA_KEYS) and one over 16 KiB.
The other seeds are deterministic: --psk lines (colons in identities, any
identity, odd and non-hex keys, too long, beyond TP_KEYLOG_PSKS), tp_keylog_add
records (labels and lengths out of range), a key log of 40 sessions (the hash
table grows), and one whose file starts with a 64 KiB line.

The output is committed; run this only when the seeds are to be made again,
from the repository root: python3 tests/fuzz/make_keylog_seeds.py
The key and the encryptions are new on each run."""
import hashlib
import os
import subprocess
import tempfile

OUT = "fixtures/fuzz/fuzz_keylog"
os.makedirs(OUT, exist_ok=True)


def ossl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True, capture_output=True).stdout


def sec(name, body):
    return b"\n@@" + name.encode() + b"\n" + body


def write(name, blob):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(blob)
    print("%-28s %6d bytes" % (name, len(blob)))


def clean(parts):
    """True when no binary part holds a section marker by chance."""
    return not any(b"\n@@" in p for p in parts)


CR1 = bytes(range(0x20, 0x40))
LOG = ("CLIENT_RANDOM %s %s\n" % (CR1.hex(), "ab" * 48)).encode()

with tempfile.TemporaryDirectory() as t:
    k = os.path.join(t, "k.pem")
    while True:
        ossl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512", "-out", k)
        pkcs8_der = ossl("pkey", "-in", k, "-outform", "DER")
        pkcs1_der = ossl("rsa", "-in", k, "-outform", "DER", "-traditional")
        pkcs8_pem = ossl("pkey", "-in", k)
        pub = os.path.join(t, "pub.pem")
        ossl("pkey", "-in", k, "-pubout", "-out", pub)
        spki = hashlib.sha256(ossl("pkey", "-in", k, "-pubout", "-outform", "DER")).digest()

        def enc(pt):
            return ossl("pkeyutl", "-encrypt", "-pubin", "-inkey", pub, data=pt)

        pms = bytes([3, 3]) + bytes(range(46))
        epms48, epms47 = enc(pms), enc(pms[:47])
        junk = bytes((i * 37 + 11) & 0xFF for i in range(len(epms48)))
        parts = [pkcs8_der, pkcs1_der, spki + epms48, spki + epms47, spki + junk]
        if clean(parts):
            break
    ec_pem = ossl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    ec_der = ossl("pkey", "-outform", "DER", data=ec_pem)

write("key-der-pkcs1",
      LOG + sec("rsa", pkcs1_der) + sec("epms", spki + epms48) + sec("epms", spki + junk)
      + sec("epms", spki + epms48[:-1]) + sec("epms", bytes(32) + epms48) + sec("epms", spki[:20]))
write("key-pkcs8",
      LOG + sec("rsa", b"\x30\x03\x02\x01\x00") + sec("rsa", pkcs8_der) + sec("epms", spki + epms47)
      + sec("epms", spki + epms48))
write("key-pem",
      sec("rsa", ec_pem + pkcs8_pem) + sec("epms", spki + epms48)
      + sec("rsa", b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n"))
write("key-limit",
      LOG + b"".join(sec("rsa", pkcs1_der) for _ in range(17)) + sec("rsa", ec_der) + sec("rsa", b"")
      + sec("epms", spki + epms48))
write("key-too-big", b"@@rsa\n" + b"\x30\x82\x40\x10" + bytes(16400) + sec("epms", spki + epms48))

# --psk IDENTITY:HEX
psk = [b"client1:0102030405", b"id:with:colons:aabbccdd", b":ff", b"odd:abc", b"nothex:zz",
       b"lookup-only", b"client1", b"x:", b"A" * 129 + b":00", b"big:" + b"11" * 65, b"max:" + b"22" * 64,
       b"crlf:3344\r", b"client1:0607"]
psk += [b"fill%d:%02x" % (i, i + 1) for i in range(16)]
write("psk", LOG + sec("psk", b"\n".join(psk)) + sec("psk", b"other:99\n:aa"))
write("psk-none", sec("psk", b"who\n") + sec("psk", b"me:00ff"))


# tp_keylog_add: [label][len][32-byte client random][secret]
def rec(label, n, cr, fill=0x5A):
    return bytes([label, n]) + cr + bytes([fill]) * n


cr2 = bytes(range(0x80, 0xA0))
adds = (rec(0, 48, CR1) + rec(4, 32, CR1) + rec(5, 48, cr2) + rec(0, 48, CR1, 0x11) + rec(7, 32, cr2)
        + rec(200, 32, cr2) + rec(1, 0, cr2) + rec(2, 60, cr2) + rec(3, 200, cr2)[:60])
write("add", LOG + sec("add", adds) + sec("nosuch", b"ignored"))

# 40 sessions, TLS 1.2 and 1.3 lines: the hash table is rehashed with entries in it
lines = []
for i in range(40):
    cr = hashlib.sha256(b"cr%d" % i).digest()
    if i % 2:
        lines.append("CLIENT_RANDOM %s %s" % (cr.hex(), hashlib.sha384(cr).hexdigest()))
    else:
        for lab in ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"):
            lines.append("%s %s %s" % (lab, cr.hex(), hashlib.sha256(lab.encode() + cr).hexdigest()))
write("many-sessions", ("\n".join(lines) + "\n").encode())

# the file starts with one 64 KiB line: dropped, then the key log is read
write("long-first-line", LOG + sec("long", b"x"))
write("long-empty", LOG + sec("long", b""))
