#!/usr/bin/env python3
"""Seeds for fuzz_sct (fixtures/fuzz/fuzz_sct/), in the target's input format
(tests/fuzz/fuzz_sct.c): byte 0 the mode, then the payload.

"everything" mode (byte 0 = 0): small SCT lists, a log list line, the fixture
certificate with an SCT extension.

"judge" mode (byte 0 = 1; 3: the built-in log list): now, then leaf DER, issuer
DER, TLS SCT list, OCSP SCT list (each behind a 2-byte length), then the log list
text. Test logs are made here with the openssl CLI (two P-256 keys, one RSA-2048
key); their SCTs are signed with `openssl dgst -sha256 -sign` over the RFC 6962
§3.2 digitally-signed struct: an x509_entry of fixtures/pki/good.pem for
TLS/OCSP-delivered SCTs, a precert_entry (the issuer's key hash and the TBS
without the SCT extension) for the SCTs embedded in a copy of
fixtures/pki/sct.pem, which is re-signed here with fixtures/pki/int.key. Seeds:
verified, bad signature, unknown log, retired/pending logs, future timestamp,
unsupported version and algorithm, embedded with and without the issuer.

The output is committed; run this only when the seeds are to be made again,
from the repository root: python3 tests/fuzz/make_sct_seeds.py
The "everything" seeds are deterministic; the keys and ECDSA signatures of the
"judge" seeds are new on each run."""
import base64
import hashlib
import os
import subprocess
import tempfile

OUT = "fixtures/fuzz/fuzz_sct"
os.makedirs(OUT, exist_ok=True)

MODE_EVERYTHING, MODE_JUDGE, MODE_JUDGE_BUILTIN = 0, 1, 3
NOW = 1780272000             # 2026-06-01, the judging time of the seeds
TS = 1767225600000           # 2026-01-01 in ms, the SCTs' timestamp
TS_FUTURE = 1900000000000    # 2030


def sct(log_id, ts, sig, ext=b"", version=0, hash_alg=4, sig_alg=3):
    body = bytes([version]) + log_id + ts.to_bytes(8, "big") + len(ext).to_bytes(2, "big") + ext
    return body + bytes([hash_alg, sig_alg]) + len(sig).to_bytes(2, "big") + sig


def lst(*scts):
    body = b"".join(len(s).to_bytes(2, "big") + s for s in scts)
    return len(body).to_bytes(2, "big") + body


def run(*args, data=None):
    return subprocess.run(list(args), input=data, check=True, capture_output=True).stdout


# ---- "everything" mode: the seeds the target had before it had modes ----

lid = hashlib.sha256(b"tlsprobe fuzz log").digest()
sig = bytes.fromhex("3006020101020101")
seeds = {
    "seed-one-sct": lst(sct(lid, 1767225600000, sig)),
    "seed-two-scts-ext": lst(sct(lid, 1, sig, b"\x01\x02"), sct(bytes(32), 2, sig)),
    "seed-version-2": lst(b"\x01\xaa\xbb"),
    "seed-x509-ext-value": b"\x04" + bytes([len(lst(sct(lid, 5, sig)))]) + lst(sct(lid, 5, sig)),
}
key = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d03010703420004") + bytes(range(64))
line = "%s|Op|usable|2026-01-01|-|%s|Fuzz log\n" % (base64.b64encode(hashlib.sha256(key).digest()).decode(),
                                                 base64.b64encode(key).decode())
seeds["seed-log-list"] = ("# log list\n" + line).encode()
der = run("openssl", "x509", "-in", "fixtures/pki/sct.pem", "-outform", "DER")
seeds["seed-cert-with-sct-ext"] = der
# lists that do not decode: an SCT's length past the end, an empty SCT, an SCT with bytes left over
seeds["seed-list-sct-past-end"] = b"\x00\x04\x00\x09\x00\x00"
seeds["seed-list-empty-sct"] = b"\x00\x02\x00\x00"
seeds["seed-list-trailing-bytes"] = lst(sct(lid, 5, sig) + b"\xff")
# log lists, one line that does not read each (and CRLF line ends, trailing blanks)
kid, kb64 = base64.b64encode(hashlib.sha256(key).digest()).decode(), base64.b64encode(key).decode()
for tag, ln in (("crlf", "%s|Op|qualified|2026-01-01|2027-01-01|%s|Fuzz log  \r\n\r\n" % (kid, kb64)),
                ("bad-id", "!!!!|Op|usable|-|-|%s|Fuzz log\n" % kb64),
                ("no-operator", "%s||usable|-|-|%s|Fuzz log\n" % (kid, kb64)),
                ("bad-state", "%s|Op|sleepy|-|-|%s|Fuzz log\n" % (kid, kb64)),
                ("short-date", "%s|Op|usable|2026-1-1|-|%s|Fuzz log\n" % (kid, kb64)),
                ("bad-date", "%s|Op|usable|-|next year!|%s|Fuzz log\n" % (kid, kb64)),
                ("bad-key", "%s|Op|usable|-|-|%%%%|Fuzz log\n" % kid),
                ("id-not-key-hash", "%s|Op|usable|-|-|%s|Fuzz log\n" % (base64.b64encode(lid).decode(), kb64)),
                ("six-fields", "%s|Op|usable|-|-|%s\n" % (kid, kb64))):
    seeds["seed-log-list-" + tag] = ("# log list\n" + line + ln).encode()
seeds = {k: bytes([MODE_EVERYTHING]) + v for k, v in seeds.items()}


# ---- a little DER, enough to take a certificate apart and put it together ----

def tlv(b, i):
    """(tag, header length, value length) of the TLV at b[i]."""
    tag, n = b[i], b[i + 1]
    if n < 0x80:
        return tag, 2, n
    k = n & 0x7f
    return tag, 2 + k, int.from_bytes(b[i + 2:i + 2 + k], "big")


def children(b):
    out, i = [], 0
    while i < len(b):
        tag, h, n = tlv(b, i)
        out.append((tag, b[i:i + h + n], b[i + h:i + h + n]))
        i += h + n
    return out


def enc(tag, val):
    n = len(val)
    if n < 0x80:
        return bytes([tag, n]) + val
    nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(nb)]) + nb + val


SCT_OID = bytes.fromhex("060a2b06010401d679020402")  # 1.3.6.1.4.1.11129.2.4.2


def tbs_with_sct(tbs_val, sct_list, junk=b""):
    """The TBSCertificate's contents with the SCT extension's list replaced
    (sct_list None: the extension removed, as RFC 6962 §3.2 signs it); junk:
    bytes after the extensions SEQUENCE inside [3]."""
    out = b""
    for tag, whole, val in children(tbs_val):
        if tag != 0xa3:
            out += whole
            continue
        exts = b""
        for _, ext, ev in children(children(val)[0][2]):
            if not ev.startswith(SCT_OID):
                exts += ext
            elif sct_list is not None:
                exts += enc(0x30, SCT_OID + enc(0x04, enc(0x04, sct_list)))
        out += enc(0xa3, enc(0x30, exts) + junk)
    return out


# certificates whose TBS tp_sct_precert_tbs cannot take apart: [3] not around a
# SEQUENCE, an extension that is not a SEQUENCE, a TBS element cut short
def with_tbs(tbs_val):
    parts = children(children(der)[0][2])
    return bytes([MODE_EVERYTHING]) + enc(0x30, enc(0x30, tbs_val) + parts[1][1] + parts[2][1])


tbs0 = children(children(der)[0][2])[0][2]
for tag, ext in (("ext-not-seq", enc(0xa3, enc(0x04, b""))),
                 ("ext-entry-not-seq", enc(0xa3, enc(0x30, enc(0x04, b"x"))))):
    seeds["seed-tbs-" + tag] = with_tbs(b"".join(ext if t == 0xa3 else w for t, w, _ in children(tbs0)))
seeds["seed-tbs-cut-short"] = with_tbs(tbs0 + b"\x30\x05\x00")


# ---- test logs and signing ----

tmp = tempfile.mkdtemp(prefix="sct-seeds-")


def make_log(name, rsa=False):
    path = os.path.join(tmp, name + ".key")
    if rsa:
        run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path)
    else:
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)
    spki = run("openssl", "pkey", "-in", path, "-pubout", "-outform", "DER")
    return {"key": path, "spki": spki, "id": hashlib.sha256(spki).digest(), "alg": 1 if rsa else 3}


def sign(keyfile, data):
    path = os.path.join(tmp, "data")
    with open(path, "wb") as f:
        f.write(data)
    return run("openssl", "dgst", "-sha256", "-sign", keyfile, path)


def log_line(lg, operator, state, name, start="2025-01-01", end="-"):
    return "%s|%s|%s|%s|%s|%s|%s\n" % (base64.b64encode(lg["id"]).decode(), operator, state, start, end,
                                       base64.b64encode(lg["spki"]).decode(), name)


A = make_log("a")               # P-256, operator A, usable
B = make_log("b", rsa=True)     # RSA-2048, operator B, usable
C = make_log("c")               # P-256, operator A, retired
P = make_log("p")               # P-256, operator C, pending
D = make_log("d")               # P-256, operator B, qualified
U = make_log("u")               # P-256, not in the list
LOGS = ("# test logs (tests/fuzz/make_sct_seeds.py)\n" + log_line(A, "Op A", "usable", "Log A") +
        log_line(B, "Op B", "usable", "Log B") + log_line(C, "Op A", "retired", "Log C", "2024-01-01", "2027-01-01") +
        log_line(P, "Op C", "pending", "Log P") + log_line(D, "Op B", "qualified", "Log D")).encode()


def x509_signed(cert, ts, ext=b""):
    return (b"\x00\x00" + ts.to_bytes(8, "big") + b"\x00\x00" + len(cert).to_bytes(3, "big") + cert +
            len(ext).to_bytes(2, "big") + ext)


def precert_signed(ikh, tbs, ts, ext=b""):
    return (b"\x00\x00" + ts.to_bytes(8, "big") + b"\x00\x01" + ikh + len(tbs).to_bytes(3, "big") + tbs +
            len(ext).to_bytes(2, "big") + ext)


def signed_sct(lg, data, ts, ext=b"", corrupt=False):
    s = sign(lg["key"], data)
    if corrupt:
        s = s[:-1] + bytes([s[-1] ^ 0x01])
    return sct(lg["id"], ts, s, ext, sig_alg=lg["alg"])


def judge_seed(leaf, issuer, tls=b"", ocsp=b"", logs=LOGS, mode=MODE_JUDGE, now=NOW):
    out = bytes([mode]) + now.to_bytes(4, "big")
    for p in (leaf, issuer, tls, ocsp):
        out += len(p).to_bytes(2, "big") + p
    return out + logs


leaf = run("openssl", "x509", "-in", "fixtures/pki/good.pem", "-outform", "DER")
issuer = run("openssl", "x509", "-in", "fixtures/pki/int.pem", "-outform", "DER")


def tls_sct(lg, ts=TS, ext=b"", corrupt=False):
    return signed_sct(lg, x509_signed(leaf, ts, ext), ts, ext, corrupt)


# delivered in TLS / OCSP, over the x509_entry of good.pem
seeds["judge-tls-verified-ecdsa-rsa"] = judge_seed(leaf, issuer, tls=lst(tls_sct(A), tls_sct(B)))
seeds["judge-tls-bad-signature"] = judge_seed(leaf, issuer, tls=lst(tls_sct(A, corrupt=True), tls_sct(B)))
seeds["judge-tls-unknown-log"] = judge_seed(leaf, issuer, tls=lst(tls_sct(U), tls_sct(A)))
seeds["judge-ocsp-verified-ext"] = judge_seed(leaf, issuer, ocsp=lst(tls_sct(B, ext=b"\x00\x01\x02"),
                                                                     tls_sct(A, ext=b"\x7f")))
seeds["judge-tls-ocsp-mixed"] = judge_seed(
    leaf, issuer,
    tls=lst(tls_sct(A), tls_sct(C), tls_sct(P), tls_sct(A, ts=TS_FUTURE), b"\x01\xaa\xbb",
            sct(A["id"], TS, b"\x30\x00", hash_alg=2), sct(A["id"], TS, b"\x30\x00", sig_alg=7)),
    ocsp=lst(tls_sct(A), tls_sct(U)))
seeds["judge-tls-malformed-ocsp-ok"] = judge_seed(leaf, issuer, tls=b"\x00\x05\x00\x01", ocsp=lst(tls_sct(B)))
# more SCTs than a list keeps (TP_MAX_SCTS) and than a judgement keeps (TP_MAX_CT_SCTS)
many = lst(*[sct(bytes([i]) * 32, TS, b"\x30\x00") for i in range(18)])
seeds["judge-too-many-scts"] = judge_seed(leaf, issuer, tls=many, ocsp=many)
seeds["judge-builtin-logs"] = judge_seed(
    leaf, issuer, mode=MODE_JUDGE_BUILTIN,
    tls=lst(sct(base64.b64decode("EvFONL1TckyEBhnDjz96E/jntWKHiJxtMAWE6+WGJjo="), TS, sign(A["key"], b"x")),
            tls_sct(U)))

# embedded: a copy of sct.pem whose SCT extension holds SCTs over its precert entry
sct_der = run("openssl", "x509", "-in", "fixtures/pki/sct.pem", "-outform", "DER")
cert_parts = children(children(sct_der)[0][2])
tbs_long, sig_alg_whole = cert_parts[0][2], cert_parts[1][1]
# the same with a 90-day validity (Chrome asks 2 embedded SCTs, Apple 1 per operator)
validity = enc(0x30, enc(0x17, b"260101000000Z") + enc(0x17, b"260401000000Z"))
tbs_short = b"".join(validity if i == 4 else whole for i, (_, whole, _) in enumerate(children(tbs_long)))
issuer_spki = run("openssl", "x509", "-in", "fixtures/pki/int.pem", "-pubkey", "-noout")
ikh = hashlib.sha256(run("openssl", "pkey", "-pubin", "-outform", "DER", data=issuer_spki)).digest()


def embedded_leaf(tbs_val, *scts, junk=b""):
    tbs = enc(0x30, tbs_with_sct(tbs_val, lst(*scts), junk))
    cert_sig = sign("fixtures/pki/int.key", tbs)
    return enc(0x30, tbs + sig_alg_whole + enc(0x03, b"\x00" + cert_sig))


def pre_sct(lg, tbs_val=tbs_long, ts=TS, corrupt=False):
    precert_tbs = enc(0x30, tbs_with_sct(tbs_val, None))
    return signed_sct(lg, precert_signed(ikh, precert_tbs, ts), ts, corrupt=corrupt)


emb = embedded_leaf(tbs_long, pre_sct(A), pre_sct(B), pre_sct(C), pre_sct(D))
seeds["judge-embedded-verified"] = judge_seed(emb, issuer)
seeds["judge-embedded-no-issuer"] = judge_seed(emb, b"")
seeds["judge-embedded-bad-and-tls"] = judge_seed(embedded_leaf(tbs_long, pre_sct(A, corrupt=True), pre_sct(U)),
                                                 issuer, tls=lst(tls_sct(A)))
seeds["judge-embedded-short-lived-dup"] = judge_seed(
    embedded_leaf(tbs_short, pre_sct(A, tbs_short), pre_sct(A, tbs_short), pre_sct(B, tbs_short),
                  pre_sct(D, tbs_short)), issuer)
# tp_cert_parse takes bytes after the extensions inside [3], tp_sct_precert_tbs
# does not: there is no precert entry to check the SCTs against (bad signature)
seeds["judge-embedded-junk-after-exts"] = judge_seed(embedded_leaf(tbs_long, pre_sct(A), junk=b"\x05\x00"), issuer)
seeds["judge-embedded-short-lived-one"] = judge_seed(embedded_leaf(tbs_short, pre_sct(B, tbs_short)), issuer)

for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
for f in os.listdir(tmp):
    os.unlink(os.path.join(tmp, f))
os.rmdir(tmp)
