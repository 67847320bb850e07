#!/usr/bin/env python3
"""Generate src/wire/suites_table.inc: the IANA TLS cipher suite registry with the
record-layer facts tp_suite_info() returns.

Source of names: Wireshark's value table (`tshark -G values`, Debian 12's 4.0),
filtered to the codepoints IANA has assigned (drafts, SSL 2 / FIPS / Salsa20 / SM
vendor codepoints dropped), plus the TLS 1.3 AEGIS suites (IANA 2024) by hand.
Every other field is derived from the name, so the rules below are the whole
policy. Run: python3 src/wire/gen_suites.py > src/wire/suites_table.inc
"""
import re, subprocess, sys

def iana(cs):
    return (cs <= 0x00ff and not (0x001c <= cs <= 0x001d) and not (0x0060 <= cs <= 0x0066)
            and not (0x0080 <= cs <= 0x0083)) or \
        0x1301 <= cs <= 0x1307 or cs == 0x5600 or 0xc001 <= cs <= 0xc0b5 or \
        0xc100 <= cs <= 0xc106 or 0xcca8 <= cs <= 0xccae or 0xd001 <= cs <= 0xd005

out = subprocess.run(["tshark", "-G", "values"], capture_output=True, text=True).stdout
suites = {}
for line in out.splitlines():
    f = line.split("\t")
    if len(f) == 4 and f[0] == "V" and f[1] == "tls.handshake.ciphersuite":
        cs = int(f[2], 0)
        if f[3].startswith("TLS_") and iana(cs):
            suites[cs] = f[3]
suites[0x1306] = "TLS_AEGIS_256_SHA512"
suites[0x1307] = "TLS_AEGIS_128L_SHA256"

TLS13 = {0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0x1306, 0x1307, 0x00c6, 0x00c7, 0xc0b4, 0xc0b5}

KX = [  # prefix of the part before _WITH_, longest first: (kx, auth)
    ("ECDHE_ECDSA", "TP_KX_ECDHE", "ECDSA"), ("ECDHE_RSA", "TP_KX_ECDHE", "RSA"),
    ("ECDHE_PSK", "TP_KX_ECDHE_PSK", "PSK"), ("ECDH_anon", "TP_KX_ECDHE", "anon"),
    ("ECDH_ECDSA", "TP_KX_UNKNOWN", "ECDSA"), ("ECDH_RSA", "TP_KX_UNKNOWN", "RSA"),
    ("DHE_DSS", "TP_KX_DHE", "DSS"), ("DHE_RSA", "TP_KX_DHE", "RSA"), ("DHE_PSK", "TP_KX_DHE_PSK", "PSK"),
    ("PSK_DHE", "TP_KX_DHE_PSK", "PSK"), ("DH_anon", "TP_KX_DHE", "anon"),
    ("DH_DSS", "TP_KX_UNKNOWN", "DSS"), ("DH_RSA", "TP_KX_UNKNOWN", "RSA"),
    ("RSA_PSK", "TP_KX_RSA_PSK", "PSK"), ("RSA_EXPORT", "TP_KX_UNKNOWN", "RSA"), ("RSA", "TP_KX_RSA", "RSA"),
    ("PSK", "TP_KX_PSK", "PSK"), ("KRB5", "TP_KX_UNKNOWN", "KRB5"), ("SRP_SHA_RSA", "TP_KX_UNKNOWN", "RSA"),
    ("SRP_SHA_DSS", "TP_KX_UNKNOWN", "DSS"), ("SRP_SHA", "TP_KX_UNKNOWN", "SRP"),
    ("ECCPWD", "TP_KX_UNKNOWN", "PWD"), ("NULL", "TP_KX_UNKNOWN", "anon"),
    ("GOSTR341112_256", "TP_KX_UNKNOWN", "GOST"),
]
# bulk name -> (enum, key bytes, block bytes, aead)
BULK = [
    ("AES_128_GCM", "TP_BULK_AES_128_GCM", 16, 0, True), ("AES_256_GCM", "TP_BULK_AES_256_GCM", 32, 0, True),
    ("CHACHA20_POLY1305", "TP_BULK_CHACHA20_POLY1305", 32, 0, True),
    ("AES_128_CCM_8", "TP_BULK_AES_128_CCM_8", 16, 0, True), ("AES_256_CCM_8", "TP_BULK_OTHER", 32, 0, True),
    ("AES_128_CCM", "TP_BULK_AES_128_CCM", 16, 0, True), ("AES_256_CCM", "TP_BULK_AES_256_CCM", 32, 0, True),
    ("AES_128_CBC", "TP_BULK_AES_128_CBC", 16, 16, False), ("AES_256_CBC", "TP_BULK_AES_256_CBC", 32, 16, False),
    ("3DES_EDE_CBC", "TP_BULK_3DES_CBC", 24, 8, False),
    ("CAMELLIA_128_CBC", "TP_BULK_CAMELLIA_128_CBC", 16, 16, False),
    ("CAMELLIA_256_CBC", "TP_BULK_CAMELLIA_256_CBC", 32, 16, False),
    ("CAMELLIA_128_GCM", "TP_BULK_OTHER", 16, 0, True), ("CAMELLIA_256_GCM", "TP_BULK_OTHER", 32, 0, True),
    ("ARIA_128_GCM", "TP_BULK_ARIA_128_GCM", 16, 0, True), ("ARIA_256_GCM", "TP_BULK_ARIA_256_GCM", 32, 0, True),
    ("ARIA_128_CBC", "TP_BULK_OTHER", 16, 16, False), ("ARIA_256_CBC", "TP_BULK_OTHER", 32, 16, False),
    ("SEED_CBC", "TP_BULK_OTHER", 16, 16, False), ("IDEA_CBC", "TP_BULK_OTHER", 16, 8, False),
    ("DES40_CBC", "TP_BULK_OTHER", 5, 8, False), ("DES_CBC_40", "TP_BULK_OTHER", 5, 8, False),
    ("DES_CBC", "TP_BULK_OTHER", 8, 8, False), ("RC4_128", "TP_BULK_RC4_128", 16, 0, False),
    ("RC4_40", "TP_BULK_OTHER", 5, 0, False), ("RC2_CBC_40", "TP_BULK_OTHER", 5, 8, False),
    ("NULL", "TP_BULK_NULL", 0, 0, False),
    ("KUZNYECHIK_CTR_OMAC", "TP_BULK_OTHER", 32, 0, False), ("MAGMA_CTR_OMAC", "TP_BULK_OTHER", 32, 0, False),
    ("28147_CNT_IMIT", "TP_BULK_OTHER", 32, 0, False),
    ("KUZNYECHIK_MGM_L", "TP_BULK_OTHER", 32, 0, True), ("MAGMA_MGM_L", "TP_BULK_OTHER", 32, 0, True),
    ("KUZNYECHIK_MGM_S", "TP_BULK_OTHER", 32, 0, True), ("MAGMA_MGM_S", "TP_BULK_OTHER", 32, 0, True),
]
HASH = {"MD5": "TP_HASH_MD5", "SHA": "TP_HASH_SHA1", "SHA256": "TP_HASH_SHA256",
        "SHA384": "TP_HASH_SHA384", "SHA512": "TP_HASH_SHA512"}

def tls13_row(cs, name):
    # (bulk, key, mac, prf, weak)
    m = {
        0x1301: ("TP_BULK_AES_128_GCM", 16, "TP_HASH_NONE", "TP_HASH_SHA256", False),
        0x1302: ("TP_BULK_AES_256_GCM", 32, "TP_HASH_NONE", "TP_HASH_SHA384", False),
        0x1303: ("TP_BULK_CHACHA20_POLY1305", 32, "TP_HASH_NONE", "TP_HASH_SHA256", False),
        0x1304: ("TP_BULK_AES_128_CCM", 16, "TP_HASH_NONE", "TP_HASH_SHA256", False),
        0x1305: ("TP_BULK_AES_128_CCM_8", 16, "TP_HASH_NONE", "TP_HASH_SHA256", False),
        0x1306: ("TP_BULK_OTHER", 32, "TP_HASH_NONE", "TP_HASH_SHA512", False),
        0x1307: ("TP_BULK_OTHER", 16, "TP_HASH_NONE", "TP_HASH_SHA256", False),
        0x00c6: ("TP_BULK_OTHER", 16, "TP_HASH_NONE", "TP_HASH_NONE", False),   # SM4-GCM, SM3
        0x00c7: ("TP_BULK_OTHER", 16, "TP_HASH_NONE", "TP_HASH_NONE", False),   # SM4-CCM, SM3
        # RFC 9150 integrity-only: HMAC, no confidentiality
        0xc0b4: ("TP_BULK_NULL", 0, "TP_HASH_SHA256", "TP_HASH_SHA256", True),
        0xc0b5: ("TP_BULK_NULL", 0, "TP_HASH_SHA384", "TP_HASH_SHA384", True),
    }[cs]
    bulk, key, mac, prf, weak = m
    iv = 0 if bulk == "TP_BULK_NULL" else 12
    return ("TP_KX_TLS13", "NULL", bulk, mac, prf, key, iv, 0, True, weak)

def row(cs, name):
    if cs in TLS13:
        return tls13_row(cs, name)
    if cs in (0x00ff, 0x5600):  # signalling cipher suite values
        return ("TP_KX_UNKNOWN", "NULL", "TP_BULK_UNKNOWN", "TP_HASH_NONE", "TP_HASH_NONE", 0, 0, 0, False, False)
    body = name[4:]
    if "_WITH_" in body:
        kxpart, rest = body.split("_WITH_", 1)
    else:
        kxpart, rest = body.split("_", 1)  # TLS_GOSTR341112_256_WITH_... handled above
    kx = auth = None
    for pre, k, a in KX:
        if kxpart == pre or kxpart.startswith(pre + "_"):
            kx, auth = k, a
            break
    if kx is None:
        raise SystemExit("unknown kx in %s" % name)
    bulk = None
    for b, e, key, blk, aead in BULK:
        if rest == b or rest.startswith(b + "_"):
            bulk = (b, e, key, blk, aead)
            break
    if bulk is None:
        raise SystemExit("unknown bulk in %s" % name)
    b, e, key, blk, aead = bulk
    suffix = rest[len(b) + 1:]  # hash name, may be "" (CCM suites) or GOST
    h = HASH.get(suffix)
    mac = "TP_HASH_NONE" if aead else (h or "TP_HASH_NONE")
    prf = "TP_HASH_SHA384" if suffix == "SHA384" else "TP_HASH_SHA256"
    if "GOST" in name:
        mac = "TP_HASH_NONE"; prf = "TP_HASH_NONE"
    if aead:
        iv = 12 if e == "TP_BULK_CHACHA20_POLY1305" else 4
    else:
        iv = 0
    weak = ("NULL" in b or "EXPORT" in kxpart or "RC4" in b or "DES" in b or "RC2" in b or
            "anon" in kxpart or kxpart == "NULL")
    return (kx, '"%s"' % auth, e, mac, prf, key, iv, blk, False, weak)

print("/* Generated by src/wire/gen_suites.py; do not edit by hand. %d suites. */" % len(suites))
for cs in sorted(suites):
    kx, auth, e, mac, prf, key, iv, blk, t13, weak = row(cs, suites[cs])
    print('    { 0x%04x, "%s", %s, %s, %s, %s, %s, %d, %d, %d, %s, %s },' % (
        cs, suites[cs], kx, auth, e, mac, prf, key, iv, blk, "true" if t13 else "false", "true" if weak else "false"))
