#!/usr/bin/env python3
"""Certificates with embedded SCTs made at test time (tests/integration/test_ct.sh).

A test CA, three test CT logs (P-256 keys made with openssl; operators OpA, OpB,
OpA), and for each scenario a certificate whose SCT list extension carries SCTs
that the test logs signed over the RFC 6962 precert entry: the issuer key hash and
the TBSCertificate without the SCT extension. The "precertificate" is issued first
with `openssl ca` (fixed serial and dates), then the final certificate with the
same fields plus the SCT extension, so its TBS minus that extension is the one
signed. Writes DIR/ct-logs.txt (tlsprobe's log list format) and DIR/<name>.pem
(leaf) for each scenario, DIR/root.pem, DIR/leaf.key.

usage: make_ct_certs.py DIR
"""
import base64
import hashlib
import os
import subprocess
import sys
import time

D = sys.argv[1]


def run(*args, inp=None):
    return subprocess.run(args, input=inp, check=True, capture_output=True).stdout


def p(name):
    return os.path.join(D, name)


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der_tlv(data, off):
    """(tag, header length, content length) of the TLV at off."""
    tag, l = data[off], data[off + 1]
    if l < 0x80:
        return tag, 2, l
    k = l & 0x7F
    return tag, 2 + k, int.from_bytes(data[off + 2:off + 2 + k], "big")


def tbs_of(pem_path):
    der = run("openssl", "x509", "-in", pem_path, "-outform", "DER")
    _, h, _ = der_tlv(der, 0)
    _, th, tl = der_tlv(der, h)
    return der[h:h + th + tl]


def spki_der(args):
    return run("openssl", "pkey", *args, "-pubout", "-outform", "DER")


# ---- the CA, the leaf key, the logs ----
run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p("root.key"))
run("openssl", "req", "-x509", "-new", "-key", p("root.key"), "-subj", "/O=tlsprobe/CN=tlsprobe CT Test Root",
    "-days", "3650", "-out", p("root.pem"), "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign")
run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p("leaf.key"))
run("openssl", "req", "-new", "-key", p("leaf.key"), "-subj", "/O=tlsprobe/CN=localhost", "-out", p("leaf.csr"))
root_spki = run("openssl", "x509", "-in", p("root.pem"), "-pubkey", "-noout")
issuer_key_hash = hashlib.sha256(run("openssl", "pkey", "-pubin", "-outform", "DER", inp=root_spki)).digest()

LOGS = [("OpA", "Test Log A1"), ("OpB", "Test Log B1"), ("OpA", "Test Log A2")]
log_ids = []
conf = []
with open(p("ct-logs.txt"), "w") as f:
    f.write("# test logs made by make_ct_certs.py\n")
    for i, (op, name) in enumerate(LOGS):
        k = p(f"log{i}.key")
        run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", k)
        spki = spki_der(["-in", k])
        lid = hashlib.sha256(spki).digest()
        log_ids.append(lid)
        f.write(f"{base64.b64encode(lid).decode()}|{op}|usable|2020-01-01|-|{base64.b64encode(spki).decode()}|{name}\n")
        conf.append(f"[log{i}]\ndescription = {name}\nkey = {base64.b64encode(spki).decode()}\n")
# the same logs for openssl s_client -ct -ctlogfile
with open(p("ct_log_list.cnf"), "w") as f:
    f.write("enabled_logs = " + ",".join(f"log{i}" for i in range(len(LOGS))) + "\n" + "".join(conf))

with open(p("ca.cnf"), "w") as f:
    f.write(f"""[ ca ]
default_ca = test
[ test ]
dir = {D}
database = {D}/index.txt
serial = {D}/serial
new_certs_dir = {D}
certificate = {D}/root.pem
private_key = {D}/root.key
default_md = sha256
policy = anything
unique_subject = no
email_in_dn = no
[ anything ]
organizationName = optional
commonName = supplied
""")

LEAF_EXT = """basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
"""


def issue(out, start, end, sct_hex=None):
    with open(p("index.txt"), "w"):
        pass
    with open(p("serial"), "w") as f:
        f.write("1000\n")
    ext = LEAF_EXT
    if sct_hex is not None:
        ext += f"1.3.6.1.4.1.11129.2.4.2 = DER:{sct_hex}\n"
    with open(p("ext.cnf"), "w") as f:
        f.write("[ leaf ]\n" + ext)
    run("openssl", "ca", "-batch", "-config", p("ca.cnf"), "-in", p("leaf.csr"), "-out", out, "-notext",
        "-preserveDN", "-startdate", start, "-enddate", end, "-extfile", p("ext.cnf"), "-extensions", "leaf")


def sct(log, tbs, ts, sign_ts=None):
    """A v1 SerializedSCT by test log `log` over the precert entry."""
    signed = (b"\x00\x00" + (sign_ts if sign_ts is not None else ts).to_bytes(8, "big") + b"\x00\x01" +
              issuer_key_hash + len(tbs).to_bytes(3, "big") + tbs + b"\x00\x00")
    sig = run("openssl", "dgst", "-sha256", "-sign", p(f"log{log}.key"), inp=signed)
    return (b"\x00" + log_ids[log] + ts.to_bytes(8, "big") + b"\x00\x00" + b"\x04\x03" +
            len(sig).to_bytes(2, "big") + sig)


def sct_ext_hex(scts):
    body = b"".join(len(s).to_bytes(2, "big") + s for s in scts)
    lst = len(body).to_bytes(2, "big") + body
    return (b"\x04" + der_len(len(lst)) + lst).hex().upper()


# Around now, so every certificate is valid when checked without --at.
NOW = int(time.time())
TS = (NOW - 86400) * 1000


def at(days):
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(NOW + days * 86400))


SHORT = (at(-2), at(88))   # 90 days: 2 SCTs
LONG = (at(-2), at(398))   # 400 days: 3 SCTs
SCENARIOS = {
    # name: (validity, [(log, signed over another timestamp?)])
    "ct-ok": (SHORT, [(0, False), (1, False)]),
    "ct-one": (SHORT, [(0, False)]),
    "ct-sameop": (SHORT, [(0, False), (2, False)]),
    "ct-bad": (SHORT, [(0, False), (1, True)]),
    "ct-long": (LONG, [(0, False), (1, False)]),
    "ct-long-ok": (LONG, [(0, False), (1, False), (2, False)]),
}
for name, ((start, end), spec) in SCENARIOS.items():
    issue(p(name + "-pre.pem"), start, end)
    tbs = tbs_of(p(name + "-pre.pem"))
    scts = [sct(log, tbs, TS + i, TS + i + 1 if bad else None) for i, (log, bad) in enumerate(spec)]
    issue(p(name + ".pem"), start, end, sct_ext_hex(scts))
    # the TBS of the final certificate minus the SCT extension must be the precert's
    final = tbs_of(p(name + ".pem"))
    assert len(final) > len(tbs), name

# ---- SCTs delivered in TLS (RFC 6962 §3.3): an x509_entry over the whole
# certificate (here one without embedded SCTs), served by openssl s_server
# -serverinfo as the signed_certificate_timestamp extension (type 18, TLS 1.2).
cert_der = run("openssl", "x509", "-in", p("ct-ok-pre.pem"), "-outform", "DER")


def sct_x509(log, ts):
    signed = (b"\x00\x00" + ts.to_bytes(8, "big") + b"\x00\x00" + len(cert_der).to_bytes(3, "big") + cert_der +
              b"\x00\x00")
    sig = run("openssl", "dgst", "-sha256", "-sign", p(f"log{log}.key"), inp=signed)
    return (b"\x00" + log_ids[log] + ts.to_bytes(8, "big") + b"\x00\x00" + b"\x04\x03" +
            len(sig).to_bytes(2, "big") + sig)


scts = [sct_x509(0, TS), sct_x509(1, TS + 1)]
body = b"".join(len(s).to_bytes(2, "big") + s for s in scts)
lst = len(body).to_bytes(2, "big") + body
ext = (18).to_bytes(2, "big") + len(lst).to_bytes(2, "big") + lst
with open(p("tls-scts.pem"), "w") as f:
    b64 = base64.b64encode(ext).decode()
    f.write("-----BEGIN SERVERINFO FOR localhost-----\n")
    f.write("\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + "\n")
    f.write("-----END SERVERINFO FOR localhost-----\n")
