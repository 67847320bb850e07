#!/usr/bin/env python3
"""Seeds for fuzz_sct (fixtures/fuzz/fuzz_sct/): small SCT lists, a log list line,
and the fixture certificate with an SCT extension. Deterministic; run from the
repository root: python3 tests/fuzz/make_sct_seeds.py"""
import base64
import hashlib
import os
import subprocess

OUT = "fixtures/fuzz/fuzz_sct"
os.makedirs(OUT, exist_ok=True)


def sct(log_id, ts, sig, ext=b"", version=0):
    body = bytes([version]) + log_id + ts.to_bytes(8, "big") + len(ext).to_bytes(2, "big") + ext
    return body + b"\x04\x03" + len(sig).to_bytes(2, "big") + sig


def lst(*scts):
    body = b"".join(len(s).to_bytes(2, "big") + s for s in scts)
    return len(body).to_bytes(2, "big") + body


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
der = subprocess.run(["openssl", "x509", "-in", "fixtures/pki/sct.pem", "-outform", "DER"], check=True,
                     capture_output=True).stdout
seeds["seed-cert-with-sct-ext"] = der
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
