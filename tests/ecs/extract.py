#!/usr/bin/env python3
"""Write ecs_fields.yml: the definitions of the ECS fields `tlsprobe --format ecs`
may print, taken from Elastic's generated/ecs/ecs_flat.yml (elastic/ecs, Apache-2.0:
LICENSE.txt and NOTICE.txt beside this file). Only what the check reads is kept:
type, normalize (["array"]: the value is a list), allowed values, level and the
one-line description. Run it again when ECS_VERSION in src/render/ecs.c moves:

  git -C ECS_CHECKOUT show v8.17.0:generated/ecs/ecs_flat.yml > /tmp/ecs_flat.yml
  python3 tests/ecs/extract.py /tmp/ecs_flat.yml v8.17.0 COMMIT > tests/ecs/ecs_fields.yml
"""
import sys

import yaml

ENDPOINT = ["address", "ip", "port", "domain"]
DN = ["distinguished_name", "common_name", "country", "locality", "organization",
      "organizational_unit", "state_or_province"]
X509 = ["alternative_names", "not_after", "not_before", "public_key_algorithm",
        "public_key_curve", "public_key_size", "serial_number", "signature_algorithm",
        "version_number"] + ["issuer." + d for d in DN] + ["subject." + d for d in DN]
CERT = ["certificate_chain", "hash.sha1", "hash.sha256", "issuer", "subject", "not_before",
        "not_after"] + ["x509." + x for x in X509]

FIELDS = (["@timestamp", "ecs.version"]
          + ["event." + f for f in ["kind", "category", "type", "action", "outcome", "module",
                                     "dataset", "start", "duration", "reason"]]
          + [s + "." + f for s in ["source", "destination", "client", "server"] for f in ENDPOINT
             if f != "domain" or s in ("destination", "server")]
          + ["network." + f for f in ["transport", "iana_number", "protocol", "type", "community_id"]]
          + ["tls." + f for f in ["version", "version_protocol", "cipher", "curve", "established",
                                   "resumed", "next_protocol", "client.server_name", "client.ja3",
                                   "client.supported_ciphers", "server.ja3s"]]
          + ["tls." + side + "." + c for side in ["client", "server"] for c in CERT])


def main():
    flat_path, tag, commit = sys.argv[1:4]
    flat = yaml.safe_load(open(flat_path, encoding="utf-8"))
    out = {}
    for name in FIELDS:
        d = flat[name]  # a KeyError here: the field left ECS; fix the renderer
        e = {"type": d["type"], "level": d["level"], "short": d["short"]}
        if d.get("normalize"):
            e["normalize"] = d["normalize"]
        if d.get("allowed_values"):
            e["allowed_values"] = [a["name"] for a in d["allowed_values"]]
        out[name] = e
    print("# The ECS field definitions tlsprobe --format ecs uses (tests/ecs/README.md).")
    print("# Extracted by tests/ecs/extract.py from generated/ecs/ecs_flat.yml of")
    print(f"# https://github.com/elastic/ecs at {tag} (commit {commit}).")
    print("# Copyright Elasticsearch B.V., Apache License 2.0: tests/ecs/LICENSE.txt, NOTICE.txt.")
    print(yaml.safe_dump({"ecs_version": tag.lstrip("v"), "fields": out}, sort_keys=False, width=100), end="")


if __name__ == "__main__":
    main()
