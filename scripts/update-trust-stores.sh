#!/usr/bin/env bash
# Regenerate data/trust-stores.tsv (and data/trust-stores.LICENSE) from a git
# checkout (or bare clone) of https://github.com/nabla-c0d3/trust_stores_observatory.
#
#   git clone https://github.com/nabla-c0d3/trust_stores_observatory /tmp/tso
#   scripts/update-trust-stores.sh /tmp/tso            # writes data/trust-stores.tsv
#   scripts/update-trust-stores.sh /tmp/tso OUT.tsv    # elsewhere
#
# The whole git history is read: each store's successive snapshots give the
# version a root first appeared in ("Android >= 9") and the one it was removed
# after. Only fingerprints, names and key hashes are kept, no certificates.
# Needs git and python3 (standard library only). docs/trust-stores.md says more.
set -euo pipefail
src=${1:?usage: update-trust-stores.sh OBSERVATORY_CHECKOUT [OUT.tsv]}
here=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$here/data/trust-stores.tsv}
git -C "$src" rev-parse HEAD >/dev/null
git -C "$src" show HEAD:LICENSE > "$(dirname "$out")/trust-stores.LICENSE"
python3 - "$src" "$out" <<'PY'
import base64, hashlib, subprocess, sys

src, out = sys.argv[1], sys.argv[2]

def git(*args):
    return subprocess.run(["git", "-C", src, *args], check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL).stdout

# The columns of the file, in this order: (key, yaml file, display name, how
# history is kept). "history": every snapshot in git history counts; a root's
# first and last snapshot are kept as versions.
STORES = [
    ("mozilla", "mozilla_nss", "Mozilla"),
    ("apple", "apple", "Apple"),
    ("microsoft", "microsoft_windows", "Microsoft"),
    ("android", "google_aosp", "Android"),
    ("java", "openjdk", "Java"),
]

def unquote(s):
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] == "'":
        return s[1:-1].replace("''", "'")
    if len(s) >= 2 and s[0] == s[-1] == '"':   # YAML double quotes: \uXXXX, \xXX escapes
        return s[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return s

def parse_yaml(text):
    """The observatory's store files are flat: a few scalars, then two lists of
    {subject_name, fingerprint}. No YAML library needed."""
    meta, lists, cur, name = {}, {"trusted_certificates": [], "blocked_certificates": []}, None, None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.startswith((" ", "-")):
            k, _, v = line.partition(":")
            if k in lists:
                cur = lists[k]
            else:
                meta[k] = unquote(v)
            continue
        s = line.lstrip("- ").strip()
        k, _, v = s.partition(":")
        if k == "subject_name":
            name = unquote(v)
        elif k == "fingerprint" and cur is not None:
            cur.append((unquote(v).lower(), name or ""))
            name = None
    return meta, lists["trusted_certificates"], lists["blocked_certificates"]

# Stores whose snapshots carry a version people know (Android 14, JDK 17, iOS 16);
# the others (Mozilla, Microsoft) are labelled by the date of the snapshot.
VERSIONED = ("android", "java", "apple")

def short_version(key, v, date):
    if key not in VERSIONED or not v or v == "null":
        return date
    if key == "android":              # "12.1.0_r9" -> "12.1", "9.0.0_r3" -> "9"
        v = v.split("_")[0].split(".")
        while len(v) > 1 and v[-1] == "0":
            v.pop()
        return ".".join(v)
    if key == "java":                 # "jdk-17.0.2" -> "17.0.2"
        return v.replace("jdk-", "").replace("jre-", "")
    if key == "apple":                # "iOS 16, iPadOS 16, macOS 13, ..." -> "iOS 16"
        return v.split(",")[0].strip()
    return v

def snapshots(key, yaml):
    """[(label, date, version, trusted{fp:name}, blocked{fp:name})], oldest first;
    consecutive snapshots with the same label collapse into the newest."""
    commits = git("log", "--reverse", "--format=%H", "--", "trust_stores/%s.yaml" % yaml).decode().split()
    snaps = []
    for c in commits:
        try:
            text = git("show", "%s:trust_stores/%s.yaml" % (c, yaml)).decode("utf-8", "replace")
        except subprocess.CalledProcessError:
            continue
        meta, tr, bl = parse_yaml(text)
        date = meta.get("date_fetched", "")[:10]
        version = meta.get("version", "")
        label = short_version(key, version, date)
        t, b = dict(tr), dict(bl)
        if not t or (key in VERSIONED and version in ("", "null")):
            continue
        if snaps and (snaps[-1][0] == label or (key not in VERSIONED and snaps[-1][3].keys() == t.keys())):
            if key not in VERSIONED:
                label = snaps[-1][0]      # dated: label a run of equal sets by its first date
            snaps[-1] = (label, date, version, t, b)
        else:
            snaps.append((label, date, version, t, b))
    return snaps

def der_tlv(d, i):
    tag = d[i]; i += 1
    n = d[i]; i += 1
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(d[i:i + k], "big"); i += k
    return tag, i, n            # tag, start of contents, length

def cert_facts(pem):
    """(spki sha256 hex, sha256 of the subject Name contents: 16 hex, SKI hex or '-')"""
    b64 = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    d = base64.b64decode(b64)
    _, i, _ = der_tlv(d, 0)                 # Certificate
    _, i, tbs_n = der_tlv(d, i)             # TBSCertificate
    end = i + tbs_n
    fields = []
    while i < end:
        tag, c, n = der_tlv(d, i)
        fields.append((tag, i, c, n))
        i = c + n
    if fields[0][0] == 0xa0:
        fields = fields[1:]
    # serial, signature, issuer, validity, subject, spki, ...
    _, _, subj_c, subj_n = fields[4]
    _, spki_s, spki_c, spki_n = fields[5]
    subj = hashlib.sha256(d[subj_c:subj_c + subj_n]).hexdigest()[:16]
    spki = hashlib.sha256(d[spki_s:spki_c + spki_n]).hexdigest()
    ski = "-"
    for tag, s, c, n in fields[6:]:
        if tag != 0xa3:
            continue
        _, j, en = der_tlv(d, c)            # Extensions SEQUENCE
        stop = j + en
        while j < stop:
            _, ec, eln = der_tlv(d, j)
            _, oc, on = der_tlv(d, ec)
            oid = d[oc:oc + on]
            k = oc + on
            t2, vc, vn = der_tlv(d, k)
            if t2 == 0x01:                  # critical flag
                t2, vc, vn = der_tlv(d, vc + vn)
            if oid == bytes([0x55, 0x1d, 0x0e]):
                _, kc, kn = der_tlv(d, vc)
                ski = d[kc:kc + kn].hex()
            j = ec + eln
    return spki, subj, ski

head = git("rev-parse", "HEAD").decode().strip()
head_date = git("log", "-1", "--format=%cs", "HEAD").decode().strip()
stores, roots = [], {}
for key, yaml, disp in STORES:
    snaps = snapshots(key, yaml)
    last = snaps[-1]
    stores.append((key, disp, last[2] if last[2] not in ("", "null") else "", last[1], snaps[0][0], len(snaps)))
    for idx, (label, date, version, t, b) in enumerate(snaps):
        for fp, name in list(t.items()) + list(b.items()):
            r = roots.setdefault(fp, {"name": "", "cells": {}})
            if name and not name.startswith(" CERTIFICATE NOT IN REPO"):
                r["name"] = name
        for fp in t:
            cell = roots[fp]["cells"].setdefault(key, {"first": idx, "last": idx})
            cell["last"] = idx
    for fp in last[4]:
        roots.setdefault(fp, {"name": "", "cells": {}})["cells"].setdefault(key, {})["blocked"] = True
    roots_labels = [s[0] for s in snaps]
    for fp, r in roots.items():
        c = r["cells"].get(key)
        if c is not None:
            c["labels"] = roots_labels
            c["n"] = len(snaps)

def cell(r, key):
    c = r["cells"].get(key)
    if c is None:
        return "-"
    if c.get("blocked"):
        return "x"
    if "first" not in c:
        return "-"
    labels, n = c["labels"], c["n"]
    if c["last"] != n - 1:
        return "~%s..%s" % (labels[c["first"]], labels[c["last"]])
    if c["first"] == 0:
        return "+"
    return "+" + labels[c["first"]]

rows = []
for fp, r in roots.items():
    try:
        pem = git("show", "HEAD:certificates/%s.pem" % fp).decode()
        spki, subj, ski = cert_facts(pem)
    except (subprocess.CalledProcessError, ValueError, IndexError):
        spki, subj, ski = "-", "-", "-"
    name = (r["name"] or "?").replace("\t", " ").replace("\n", " ")
    rows.append((name.lower(), fp, "\t".join(["R", fp, spki, subj, ski] + [cell(r, k) for k, *_ in STORES] + [name])))
rows.sort()

with open(out, "w", encoding="utf-8") as f:
    f.write("# tlsprobe trust-store data, format 1 (docs/trust-stores.md). Generated by\n")
    f.write("# scripts/update-trust-stores.sh from github.com/nabla-c0d3/trust_stores_observatory\n")
    f.write("# (MIT licence: trust-stores.LICENSE). Do not edit by hand.\n")
    f.write("D\tnabla-c0d3/trust_stores_observatory\t%s\t%s\n" % (head, head_date))
    f.write("# S  key  name  version of the newest snapshot  its date  oldest snapshot  snapshots\n")
    for key, disp, version, date, first, n in stores:
        f.write("S\t%s\t%s\t%s\t%s\t%s\t%d\n" % (key, disp, version or "-", date, first, n))
    f.write("# R  certificate SHA-256  SPKI SHA-256  subject-name SHA-256 (16 hex)  SKI  one cell per store  name\n")
    f.write("# cell: + in every snapshot; +V since version V; ~V..W only from V to W (removed since);\n")
    f.write("#       x distrusted (the store's blocked list); - never in it\n")
    for _, _, line in rows:
        f.write(line + "\n")
print("%s: %d roots, %s" % (out, len(rows), ", ".join("%s %s" % (s[0], s[3]) for s in stores)), file=sys.stderr)
PY
