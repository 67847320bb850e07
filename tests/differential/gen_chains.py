#!/usr/bin/env python3
"""Random certificate chains for differential testing of path validation.

make_case(seed, index) builds one case, in memory, from (seed, index) alone: a
self-signed root (the only trust anchor), 0-3 intermediates and a leaf, sometimes
a duplicate ("cross-signed") intermediate with the same name and key, and the
question to ask: the host name or IP (or none) and the validation time. Every
choice is drawn from random.Random(f"{seed}:{index}"), so a case is reproduced
by its seed and index; only the key material comes from a pool made once per
process (init_keys), so keys (and ECDSA signatures) differ between runs, never
the shape of a case.

A case is a dict:
  chain_pems  the certificates as a server would send them, leaf first (list of PEM str)
  root_pem    the trust anchor (PEM str)
  host        None, a DNS name or an IP address (str)
  at          the validation time, seconds since the epoch (int)
  certs       facts about each certificate, by label ('leaf', 'i1'..'i3', 'root',
              'dup', 'other'): what the rule table in run.py keys on
  path        labels from the leaf to the root along the intended path
  dup         None or {'of': label, 'kind': 'untrusted-root'|'expired'|'not-ca'|'same', 'first': bool}
  desc        one line for people

Needs python3-cryptography (Debian 12: 38.0.4); nothing else outside the standard library.
"""
import datetime
import ipaddress
import random

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# The validation time every case is asked about (--at / -attime).
AT = datetime.datetime(2026, 6, 1, 12, 0, 0)
AT_EPOCH = int(AT.replace(tzinfo=datetime.timezone.utc).timestamp())
DAY = datetime.timedelta(days=1)

UNKNOWN_OID = x509.ObjectIdentifier("1.3.6.1.4.1.55738.666.1")

# Key pool: generated once per process (a few RSA keys take ~1 s), shared by all cases.
KEY_KINDS = ["ec256", "ec384", "rsa2048", "rsa1024"]
KEY_WEIGHTS = [50, 20, 28, 2]
POOL_SIZE = {"ec256": 8, "ec384": 4, "rsa2048": 6, "rsa1024": 2}
_KEYS = {}


def init_keys():
    if _KEYS:
        return
    for kind, n in POOL_SIZE.items():
        keys = []
        for _ in range(n):
            if kind == "ec256":
                keys.append(ec.generate_private_key(ec.SECP256R1()))
            elif kind == "ec384":
                keys.append(ec.generate_private_key(ec.SECP384R1()))
            else:
                keys.append(rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:])))
        _KEYS[kind] = keys


# Names: a small space so that SANs, hosts and constraints often meet.
DNS_NAMES = ["api.corp.example", "www.corp.example", "corp.example", "db.secret.corp.example",
             "secret.corp.example", "api.example.com", "example.com", "*.corp.example", "*.secret.corp.example",
             "mail.other.test"]
IP_NAMES = ["10.1.2.3", "10.200.0.5", "192.0.2.10", "198.51.100.7", "2001:db8::1", "2001:db8:1::5"]
NC_DNS_PERMIT = ["corp.example", ".corp.example", "secret.corp.example", "example.com"]
NC_DNS_EXCLUDE = ["secret.corp.example", "example.com", ".corp.example"]
NC_IP_PERMIT = ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"]
NC_IP_EXCLUDE = ["10.1.0.0/16", "2001:db8:1::/48"]


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TP Diff"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _gname(s):
    try:
        return x509.IPAddress(ipaddress.ip_address(s))
    except ValueError:
        return x509.DNSName(s)


def _subtree(s):
    if "/" in s:
        return x509.IPAddress(ipaddress.ip_network(s))
    return x509.DNSName(s)


def _pick_validity(rng, s):
    """(kind, not_before, not_after) around AT; s scales the odds of an odd one."""
    r = rng.random()
    if r < 0.03 * s:
        return "expired", AT - 400 * DAY, AT - 10 * DAY
    if r < 0.06 * s:
        return "not-yet-valid", AT + 10 * DAY, AT + 400 * DAY
    if r < 0.07 * s:
        return "notafter=at", AT - 300 * DAY, AT  # RFC 5280 §4.1.2.5: inclusive, still valid
    if r < 0.08 * s:
        return "notbefore=at", AT, AT + 300 * DAY
    return "ok", AT - 365 * DAY, AT + 365 * DAY


def _key_and_hash(rng):
    kind = rng.choices(KEY_KINDS, KEY_WEIGHTS)[0]
    key_i = rng.randrange(POOL_SIZE[kind])
    h = rng.choices(["sha256", "sha384", "sha1"], [70, 28, 2])[0]
    return kind, key_i, h


def _ca_facts(rng, role, s=1.0):
    """Random extensions of a CA certificate (root or intermediate); s scales the
    odds of each oddity (a case is either 'tame', s=0.3, or 'wild', s=1)."""
    f = {"role": role}
    f["key"], f["key_i"], f["hash"] = _key_and_hash(rng)
    # basicConstraints
    r = rng.random()
    if r < 0.04 * s:
        f["bc"] = "absent"
    elif r < 0.08 * s:
        f["bc"] = "not-ca"
    else:
        f["bc"] = "ca"
    f["bc_crit"] = rng.random() > 0.08 * s
    f["pathlen"] = rng.choice([0, 1, 2]) if f["bc"] == "ca" and rng.random() < 0.25 else None
    # keyUsage
    r = rng.random()
    if r < 0.04 * s:
        f["ku"] = None
    elif r < 0.08 * s:
        f["ku"] = ["digital_signature", "crl_sign"]
    else:
        f["ku"] = ["key_cert_sign", "crl_sign"] + (["digital_signature"] if rng.random() < 0.3 else [])
    f["ku_crit"] = rng.random() > 0.1 * s
    # extendedKeyUsage (rare on roots, common enough on intermediates)
    p_eku = 0.06 if role == "root" else 0.3
    if rng.random() < p_eku:
        f["eku"] = rng.choice([["server"], ["server", "client"], ["server"], ["server", "client"],
                               ["client"], ["code"], ["any"]] if s < 1 else
                              [["server"], ["client"], ["server", "client"], ["code"], ["any"]])
        f["eku_crit"] = rng.random() < 0.15 * s
    else:
        f["eku"] = None
        f["eku_crit"] = False
    # nameConstraints
    p_nc = 0.1 if role == "root" else 0.25
    if rng.random() < p_nc:
        nc = {"permit": [], "exclude": []}
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(["permit-dns", "exclude-dns", "permit-ip", "exclude-ip"])
            if kind == "permit-dns":
                nc["permit"].append(rng.choice(NC_DNS_PERMIT))
            elif kind == "exclude-dns":
                nc["exclude"].append(rng.choice(NC_DNS_EXCLUDE))
            elif kind == "permit-ip":
                nc["permit"].append(rng.choice(NC_IP_PERMIT))
            else:
                nc["exclude"].append(rng.choice(NC_IP_EXCLUDE))
        nc["permit"] = sorted(set(nc["permit"]))
        nc["exclude"] = sorted(set(nc["exclude"]))
        f["nc"] = nc
        f["nc_crit"] = rng.random() < 0.85
    else:
        f["nc"] = None
        f["nc_crit"] = False
    f["unknown"] = None if rng.random() > 0.06 * s else rng.random() < 0.7  # True: critical
    f["validity"], f["nb"], f["na"] = _pick_validity(rng, s)
    f["ski"] = rng.random() > 0.02 * s
    f["aki"] = role != "root" and rng.random() > 0.02 * s
    f["san"] = None
    return f


def _leaf_facts(rng, s=1.0):
    f = {"role": "leaf"}
    f["key"], f["key_i"], f["hash"] = _key_and_hash(rng)
    r = rng.random()
    f["bc"] = "absent" if r < 0.5 else ("not-ca" if r < 0.97 else "ca")
    f["bc_crit"] = rng.random() < 0.8
    f["pathlen"] = None
    r = rng.random()
    if r < 0.15:
        f["ku"] = None
    elif r < 1 - 0.2 * s:
        f["ku"] = ["digital_signature"] + (["key_encipherment"] if rng.random() < 0.4 else [])
    elif r < 1 - 0.12 * s:
        f["ku"] = ["key_encipherment"]
    elif r < 1 - 0.06 * s:
        f["ku"] = rng.choice([["content_commitment"], ["crl_sign"], ["data_encipherment"]])
    else:
        f["ku"] = ["digital_signature", "key_cert_sign"]
    f["ku_crit"] = rng.random() < 0.85
    r = rng.random()
    if r < 0.15:
        f["eku"] = None
    elif r < 0.75:
        f["eku"] = ["server"]
    elif r < 1 - 0.13 * s:
        f["eku"] = ["server", "client"]
    elif r < 1 - 0.05 * s:
        f["eku"] = ["client"]
    else:
        f["eku"] = rng.choice([["any"], ["code"]])
    f["eku_crit"] = rng.random() < 0.05 * s
    f["nc"] = None
    f["nc_crit"] = False
    r = rng.random()
    if r < 0.05:
        f["san"] = None
    else:
        pool = DNS_NAMES + IP_NAMES if rng.random() < 0.35 else DNS_NAMES
        f["san"] = sorted(set(rng.choice(pool) for _ in range(rng.randint(1, 3))))
    f["san_crit"] = rng.random() < 0.05
    f["unknown"] = None if rng.random() > 0.06 * s else rng.random() < 0.7
    f["validity"], f["nb"], f["na"] = _pick_validity(rng, s)
    f["ski"] = rng.random() > 0.3
    f["aki"] = rng.random() > 0.02 * s
    # the CN: the first DNS SAN, a non-name label, or (rarely) a name not in the SAN
    dns = [n for n in (f["san"] or []) if not _is_ip(n)]
    r = rng.random()
    if r < 0.45 and dns:
        f["cn"] = dns[0]
    elif r < 0.9:
        f["cn"] = "TP Diff Leaf"
    else:
        f["cn"] = rng.choice(["api.corp.example", "api.example.com"])
    return f


def _is_ip(s):
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


EKU_OIDS = {"server": ExtendedKeyUsageOID.SERVER_AUTH, "client": ExtendedKeyUsageOID.CLIENT_AUTH,
            "code": ExtendedKeyUsageOID.CODE_SIGNING, "any": x509.ObjectIdentifier("2.5.29.37.0")}
HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha1": hashes.SHA1}


def _ku(bits):
    names = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign"]
    kw = {n: n in bits for n in names}
    return x509.KeyUsage(encipher_only=False, decipher_only=False, **kw)


def _build(f, subject, issuer_name, issuer_key, serial):
    key = _KEYS[f["key"]][f["key_i"]]
    pub = key.public_key()
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(pub)
         .serial_number(serial).not_valid_before(f["nb"]).not_valid_after(f["na"]))
    if f["bc"] != "absent":
        b = b.add_extension(x509.BasicConstraints(ca=f["bc"] == "ca", path_length=f["pathlen"]), critical=f["bc_crit"])
    if f["ku"] is not None:
        b = b.add_extension(_ku(f["ku"]), critical=f["ku_crit"])
    if f["eku"] is not None:
        b = b.add_extension(x509.ExtendedKeyUsage([EKU_OIDS[e] for e in f["eku"]]), critical=f["eku_crit"])
    if f["nc"] is not None:
        nc = f["nc"]
        b = b.add_extension(x509.NameConstraints(permitted_subtrees=[_subtree(s) for s in nc["permit"]] or None,
                                                 excluded_subtrees=[_subtree(s) for s in nc["exclude"]] or None),
                            critical=f["nc_crit"])
    if f["san"]:
        b = b.add_extension(x509.SubjectAlternativeName([_gname(s) for s in f["san"]]), critical=f["san_crit"])
    if f["ski"]:
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
    if f["aki"]:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    if f["unknown"] is not None:
        b = b.add_extension(x509.UnrecognizedExtension(UNKNOWN_OID, b"\x05\x00"), critical=f["unknown"])
    cert = b.sign(issuer_key, HASHES[f["hash"]]())
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _short(label, f):
    """One certificate's facts in a few words."""
    parts = [f["key"], f["hash"]]
    if f["role"] != "leaf" or f["bc"] != "absent":
        parts.append("bc=" + f["bc"] + ("" if f["bc_crit"] or f["bc"] == "absent" else "(nc)")
                     + ("" if f["pathlen"] is None else "/pl%d" % f["pathlen"]))
    parts.append("ku=" + ("-" if f["ku"] is None else "+".join(k.replace("_", "")[:6] for k in f["ku"])))
    if f["eku"] is not None:
        parts.append("eku=" + "+".join(f["eku"]) + ("!" if f["eku_crit"] else ""))
    if f["nc"] is not None:
        parts.append("nc=" + ",".join(["+" + s for s in f["nc"]["permit"]] + ["-" + s for s in f["nc"]["exclude"]])
                     + ("" if f["nc_crit"] else "(nc)"))
    if f["role"] == "leaf":
        parts.append("cn=" + f["cn"])
        parts.append("san=" + (",".join(f["san"]) if f["san"] else "-"))
    if f["unknown"] is not None:
        parts.append("unknown-ext" + ("!" if f["unknown"] else ""))
    if f["validity"] != "ok":
        parts.append(f["validity"])
    if not f["ski"]:
        parts.append("no-ski")
    if not f["aki"] and f["role"] != "root":
        parts.append("no-aki")
    return "%s[%s]" % (label, " ".join(parts))


def make_case(seed, index):
    init_keys()
    rng = random.Random("%s:%d" % (seed, index))
    n_int = rng.choices([0, 1, 2, 3], [15, 40, 30, 15])[0]
    s = 0.3 if rng.random() < 0.5 else 1.0  # a tame case or a wild one
    certs = {"root": _ca_facts(rng, "root", s)}
    # The root is the anchor: mostly a well-formed CA (its own oddities are rarer).
    root = certs["root"]
    if rng.random() < 0.85:
        root.update(bc="ca", bc_crit=True, ku=["key_cert_sign", "crl_sign"], ku_crit=True, unknown=None)
    if rng.random() < 0.9:
        root.update(validity="ok", nb=AT - 3650 * DAY, na=AT + 3650 * DAY)
    path = ["leaf"] + ["i%d" % (k + 1) for k in range(n_int)] + ["root"]
    for label in path[1:-1]:
        certs[label] = _ca_facts(rng, "intermediate", s)
    certs["leaf"] = _leaf_facts(rng, s)
    names = {"root": _name("TP Diff Root %d" % index)}
    for label in path[1:-1]:
        names[label] = _name("TP Diff Issuing CA %s-%d" % (label, index))
    names["leaf"] = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, certs["leaf"]["cn"])])
    keys = {label: _KEYS[f["key"]][f["key_i"]] for label, f in certs.items()}
    serial = rng.randrange(1, 2**63)
    pems = {}
    for k in range(len(path) - 1, -1, -1):  # root first: each signed by the next one up
        label = path[k]
        up = path[k + 1] if k + 1 < len(path) else label
        pems[label] = _build(certs[label], names[label], names[up], keys[up], serial + k)

    dup = None
    if n_int and rng.random() < 0.12:
        of = rng.choice(path[1:-1])
        kind = rng.choice(["untrusted-root", "expired", "not-ca", "same"])
        df = dict(certs[of])
        df["role"] = "intermediate"
        up = path[path.index(of) + 1]
        if kind == "untrusted-root":
            # a cross-certificate from a root the client does not trust
            certs["other"] = _ca_facts(rng, "root")
            certs["other"].update(bc="ca", bc_crit=True, ku=["key_cert_sign", "crl_sign"], ku_crit=True,
                                  unknown=None, eku=None, nc=None, pathlen=None, validity="ok",
                                  nb=AT - 3650 * DAY, na=AT + 3650 * DAY)
            names["other"] = _name("TP Diff Other Root %d" % index)
            keys["other"] = _KEYS[certs["other"]["key"]][certs["other"]["key_i"]]
            pems["other"] = _build(certs["other"], names["other"], names["other"], keys["other"], serial + 90)
            iss_name, iss_key = names["other"], keys["other"]
        else:
            iss_name, iss_key = names[up], keys[up]
            if kind == "expired":
                df.update(validity="expired", nb=AT - 400 * DAY, na=AT - 10 * DAY)
            elif kind == "not-ca":
                df.update(bc="not-ca", bc_crit=True, pathlen=None)
        certs["dup"] = df
        pems["dup"] = _build(df, names[of], iss_name, iss_key, serial + 91)
        dup = {"of": of, "kind": kind, "first": rng.random() < 0.5,
               "other_sent": kind == "untrusted-root" and rng.random() < 0.5}

    # What the server sends: leaf, the intermediates (in order, sometimes shuffled),
    # the duplicate before or after its twin, sometimes the root itself.
    sent = path[1:-1]
    if len(sent) > 1 and rng.random() < 0.15:
        rng.shuffle(sent)
    if dup:
        at = sent.index(dup["of"])
        sent.insert(at if dup["first"] else at + 1, "dup")
        if dup["other_sent"]:
            sent.append("other")
    if rng.random() < 0.08:
        sent.append("root")
    sent = ["leaf"] + sent

    r = rng.random()
    leaf = certs["leaf"]
    if r < 1 - 0.3 * s and leaf["san"]:
        host = rng.choice(leaf["san"])
        if host.startswith("*."):
            host = "api" + host[1:]
    elif r < 1 - 0.1 * s:
        host = rng.choice(DNS_NAMES[:7] + IP_NAMES)
        if host.startswith("*."):
            host = "x" + host[1:]
    else:
        host = None

    desc = "#%d %s depth=%d host=%s sent=%s %s" % (
        index, "tame" if s < 1 else "wild", n_int + 1, host or "-", ",".join(sent),
        " ".join(_short(lb, certs[lb]) for lb in path + [x for x in ("dup", "other") if x in certs]))
    if dup:
        desc += " dup-of=%s/%s%s" % (dup["of"], dup["kind"], "/first" if dup["first"] else "")
    for f in certs.values():  # datetimes are not needed past this point
        f.pop("nb", None)
        f.pop("na", None)
    return {"index": index, "chain_pems": [pems[lb] for lb in sent], "root_pem": pems["root"], "host": host,
            "at": AT_EPOCH, "certs": certs, "path": path, "sent": sent, "dup": dup, "desc": desc}


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="print generated cases (descriptions, or PEMs with --pem)")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--pem", action="store_true")
    a = ap.parse_args()
    for i in range(a.first, a.first + a.count):
        c = make_case(a.seed, i)
        print(c["desc"])
        if a.pem:
            print("".join(c["chain_pems"]) + "# root\n" + c["root_pem"])
