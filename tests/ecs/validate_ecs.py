#!/usr/bin/env python3
"""Check `tlsprobe --format ecs` output against ECS's own field definitions.

Every line of every FILE must be one JSON object whose fields (nested objects
flattened to dotted names) are each defined in ecs_fields.yml (vendored from
elastic/ecs) or, under the custom field set `tlsprobe`, in tlsprobe_fields.yml,
with a value of the field's type: keyword a string, long an integer, float a
number, boolean true/false, date an RFC 3339 time, ip an IPv4/IPv6 address;
a list exactly where the definition says normalize: [array]; a value from
allowed_values where there are some; no null anywhere; no top-level field set
that is neither ECS's nor tlsprobe; @timestamp and ecs.version present.
Then facts that a renderer could get wrong while every type is right:
network.community_id recomputed here from source/destination (the Community ID
v1 spec, independently of the C code), tls.*.hash.sha256/sha1 against the
first certificate of certificate_chain, and ecs.version against the vendored
definitions' release.

usage: validate_ecs.py [--fields DIR] [--require FIELD]... FILE...
Exit 0 when every line passes (and each --require'd field appears somewhere),
1 otherwise, with one line per problem.
"""
import argparse
import base64
import datetime
import hashlib
import ipaddress
import json
import os
import struct
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def load_fields(d):
    ecs = yaml.safe_load(open(os.path.join(d, "ecs_fields.yml"), encoding="utf-8"))
    own = yaml.safe_load(open(os.path.join(d, "tlsprobe_fields.yml"), encoding="utf-8"))
    fields = dict(ecs["fields"])
    for k, v in own["fields"].items():
        if not k.startswith("tlsprobe."):
            raise SystemExit(f"tlsprobe_fields.yml: {k} is not under tlsprobe.")
        fields[k] = v
    return ecs["ecs_version"], fields


def flatten(obj, prefix, out):
    for k, v in obj.items():
        name = prefix + k
        if isinstance(v, dict):
            flatten(v, name + ".", out)
        else:
            out.append((name, v))


def is_date(v):
    if not isinstance(v, str) or not v.endswith("Z") or "T" not in v:
        return False
    try:
        datetime.datetime.fromisoformat(v[:-1] + "+00:00")
        return True
    except ValueError:
        return False


def is_ip(v):
    try:
        ipaddress.ip_address(v)
        return True
    except (ValueError, TypeError):
        return False


TYPES = {
    "keyword": lambda v: isinstance(v, str),
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "date": is_date,
    "ip": is_ip,
}
SETS = {"@timestamp", "ecs", "event", "source", "destination", "client", "server", "network", "tls",
        "tlsprobe"}


def check_value(name, v, fields, errs, seen):
    d = fields.get(name)
    if d is None:
        errs.append(f"{name}: not an ECS field (ecs_fields.yml) nor a tlsprobe one (tlsprobe_fields.yml)")
        return
    seen.add(name)
    if d["type"] == "nested":
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            errs.append(f"{name}: type nested wants a list of objects, got {v!r:.60}")
            return
        for x in v:
            sub = []
            flatten(x, name + ".", sub)
            for n, xv in sub:
                check_value(n, xv, fields, errs, seen)
        return
    is_array = "array" in d.get("normalize", [])
    if isinstance(v, list) != is_array:
        errs.append(f"{name}: {'a list' if is_array else 'one value'} expected (normalize {d.get('normalize', [])}), got {v!r:.60}")
        return
    for x in v if is_array else [v]:
        if x is None or not TYPES[d["type"]](x):
            errs.append(f"{name}: {x!r:.60} is not of type {d['type']}")
        elif d.get("allowed_values") and x not in d["allowed_values"]:
            errs.append(f"{name}: {x!r} is not one of {d['allowed_values']}")


def community_id(saddr, daddr, sport, dport, proto=6, seed=0):
    """Community ID v1, from the spec's pseudo code (corelight/community-id-spec)."""
    sa, da = ipaddress.ip_address(saddr).packed, ipaddress.ip_address(daddr).packed
    if (sa, sport) > (da, dport):
        sa, da, sport, dport = da, sa, dport, sport
    data = struct.pack("!H", seed) + sa + da + struct.pack("!BBHH", proto, 0, sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def check_facts(doc, version, errs):
    if doc.get("ecs", {}).get("version") != version:
        errs.append(f"ecs.version {doc.get('ecs', {}).get('version')!r} is not the vendored {version}")
    src, dst, net = doc.get("source"), doc.get("destination"), doc.get("network", {})
    if src and dst:
        proto = int(net.get("iana_number", "6"))
        if (proto, net.get("transport")) not in ((6, "tcp"), (17, "udp")):
            errs.append(f"network.transport {net.get('transport')!r} with iana_number {proto}")
        want = community_id(src["ip"], dst["ip"], src["port"], dst["port"], proto)
        if net.get("community_id") != want:
            errs.append(f"network.community_id {net.get('community_id')!r}, the spec gives {want!r}")
        for a, b in (("client", "source"), ("server", "destination")):
            if doc.get(a) != doc.get(b):
                errs.append(f"{a} and {b} differ: {doc.get(a)} {doc.get(b)}")
    elif "community_id" in net:
        errs.append("network.community_id without both endpoints")
    for side in ("client", "server"):
        s = doc.get("tls", {}).get(side, {})
        chain = s.get("certificate_chain")
        if not chain:
            continue
        der = base64.b64decode(chain[0], validate=True)
        for h, fn in (("sha256", hashlib.sha256), ("sha1", hashlib.sha1)):
            if s.get("hash", {}).get(h) != fn(der).hexdigest().upper():
                errs.append(f"tls.{side}.hash.{h} is not the {h} of certificate_chain[0]")


def check_line(line, version, fields, seen):
    errs = []
    try:
        doc = json.loads(line)
    except ValueError as e:
        return [f"not JSON: {e}"]
    if not isinstance(doc, dict):
        return ["not a JSON object"]
    for k in doc:
        if k not in SETS:
            errs.append(f"{k}: a top-level field set that is neither ECS's (ecs_fields.yml) nor tlsprobe")
    for req in ("@timestamp", "ecs"):
        if req not in doc:
            errs.append(f"{req} missing (required by ECS)")
    flat = []
    flatten(doc, "", flat)
    for name, v in flat:
        check_value(name, v, fields, errs, seen)
    if not errs:
        check_facts(doc, version, errs)
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fields", default=HERE)
    ap.add_argument("--require", action="append", default=[])
    ap.add_argument("--nonempty", action="store_true", help="every FILE must hold a line")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    version, fields = load_fields(a.fields)
    seen, bad, n = set(), 0, 0
    for path in a.files:
        lines = [l for l in open(path, encoding="utf-8") if l.strip()]
        if a.nonempty and not lines:
            print(f"{path}: no document")
            bad += 1
        for i, line in enumerate(lines, 1):
            n += 1
            for e in check_line(line, version, fields, seen):
                print(f"{path}:{i}: {e}")
                bad += 1
    for r in a.require:
        if r not in seen:
            print(f"field {r} never appeared")
            bad += 1
    print(f"# {n} documents, {len(seen)} distinct fields, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
