#!/usr/bin/env python3
"""Validate tlsprobe JSON Lines against docs/schema/ (JSON Schema draft 2020-12).

usage: validate.py [--schema-dir DIR] [--min-lines N] SPEC...
  SPEC is SCHEMA:FILE: every non-empty line of FILE must be one JSON object that
  validates against docs/schema/SCHEMA.schema.json (SCHEMA "tlsprobe" dispatches on
  the line's shape). FILE may be '-' for standard input.
  --check-only   only check that every schema is itself a valid draft 2020-12 schema
  --nonempty     every FILE must hold at least one line

Every failure is reported with the file and line number, the schema path, the
instance path, the error and the start of the offending line. Exit 0 when every
line is valid (and at least --min-lines lines were seen), 1 otherwise, 2 on usage
errors, 77 when python3-jsonschema is missing (ctest: skipped).
Needs Debian's python3-jsonschema (4.10 supports draft 2020-12).
"""
import json
import os
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match
except ImportError:  # pragma: no cover
    print("SKIP: python3-jsonschema is not installed (apt-get install python3-jsonschema)", file=sys.stderr)
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "docs", "schema"))


def load_schemas(d):
    store, by_name = {}, {}
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".schema.json"):
            continue
        with open(os.path.join(d, fn), encoding="utf-8") as f:
            s = json.load(f)
        Draft202012Validator.check_schema(s)
        if s.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            raise SystemExit(f"{fn}: $schema is not draft 2020-12")
        sid = s.get("$id", "")
        if not sid.endswith("/" + fn):
            raise SystemExit(f"{fn}: $id {sid!r} does not end in /{fn}")
        store[sid] = s
        by_name[fn[: -len(".schema.json")]] = s
    return store, by_name


def index_nodes(by_name):
    """id(subschema) -> "file.schema.json#/json/pointer", to name where an error's rule lives."""
    where = {}

    def walk(node, fn, ptr):
        if isinstance(node, dict):
            where.setdefault(id(node), f"{fn}#{ptr or '/'}")
            for k, v in node.items():
                walk(v, fn, f"{ptr}/{str(k).replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, fn, f"{ptr}/{i}")

    for name, s in by_name.items():
        walk(s, name + ".schema.json", "")
    return where


def path_str(p):
    return "/" + "/".join(str(x) for x in p) if p else "(root)"


def leaf_errors(err):
    """The deepest errors under err (if/then, anyOf, oneOf nest them)."""
    if not err.context:
        return [err]
    out = []
    for e in err.context:
        out.extend(leaf_errors(e))
    return out


def main(argv):
    schema_dir, min_lines, check_only, nonempty, specs = DEFAULT_DIR, 1, False, False, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--schema-dir":
            schema_dir = argv[i + 1]
            i += 2
            continue
        if a == "--min-lines":
            min_lines = int(argv[i + 1])
            i += 2
            continue
        if a == "--check-only":
            check_only = True
        elif a == "--nonempty":
            nonempty = True
        elif ":" in a:
            specs.append(a.split(":", 1))
        else:
            print(f"usage: bad argument {a!r} (want SCHEMA:FILE)", file=sys.stderr)
            return 2
        i += 1
    store, by_name = load_schemas(schema_dir)
    if check_only:
        print(f"{len(by_name)} schemas are valid draft 2020-12: {', '.join(sorted(by_name))}")
        return 0
    rule_at = index_nodes(by_name)
    validators = {}
    fmt = Draft202012Validator.FORMAT_CHECKER if hasattr(Draft202012Validator, "FORMAT_CHECKER") else jsonschema.FormatChecker()
    try:  # jsonschema >= 4.18 (pip): the referencing library
        from referencing import Registry, Resource
        reg = Registry().with_resources((sid, Resource.from_contents(s)) for sid, s in store.items())
        for name, s in by_name.items():
            validators[name] = Draft202012Validator(s, registry=reg, format_checker=fmt)
    except ImportError:  # Debian 12's python3-jsonschema 4.10
        from jsonschema import RefResolver
        for name, s in by_name.items():
            validators[name] = Draft202012Validator(s, resolver=RefResolver.from_schema(s, store=store), format_checker=fmt)
    total, bad, per_schema = 0, 0, {}
    for name, fn in specs:
        if name not in validators:
            print(f"usage: no schema {name!r} in {schema_dir} (have {', '.join(sorted(validators))})", file=sys.stderr)
            return 2
        v = validators[name]
        f = sys.stdin if fn == "-" else open(fn, encoding="utf-8", errors="surrogateescape")
        seen = 0
        with f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                total += 1
                seen += 1
                per_schema[name] = per_schema.get(name, 0) + 1
                where = f"{fn}:{n}"
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    bad += 1
                    print(f"FAIL {where}: not JSON ({e})\n  line: {line[:300].rstrip()}")
                    continue
                errs = list(v.iter_errors(obj))
                if not errs:
                    continue
                bad += 1
                print(f"FAIL {where}: {len(errs)} error(s) against {name}.schema.json")
                shown = 0
                # unevaluatedProperties last: when a `then` fails, its keys count as unevaluated too
                for top in sorted(errs, key=lambda e: (e.validator == "unevaluatedProperties", list(e.absolute_path))):
                    for e in [best_match([top])] + [x for x in leaf_errors(top) if x is not top]:
                        print(f"  at {path_str(e.absolute_path)}: {e.message[:300]}")
                        rule = rule_at.get(id(e.schema))
                        rule = f"{rule.rstrip('/')}/{e.validator}" if rule else "?"
                        print(f"    schema: {rule} (path from the top: {path_str(e.absolute_schema_path)})")
                        shown += 1
                        if shown >= 8:
                            break
                    if shown >= 8:
                        break
                print(f"  line: {line[:300].rstrip()}{' ...' if len(line) > 300 else ''}")
        if nonempty and not seen:
            bad += 1
            print(f"FAIL {fn}: no JSON line at all")
    counts = ", ".join(f"{k} {n}" for k, n in sorted(per_schema.items()))
    print(f"# {total} JSON lines validated ({counts}); {bad} invalid")
    if total < min_lines:
        print(f"FAIL: only {total} lines, expected at least {min_lines}")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
