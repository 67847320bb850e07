#!/usr/bin/env bash
# Full x509-limbo conformance run (not a test): every testcase through
# `tlsprobe check`, and through `openssl verify` for comparison, on the same
# inputs; writes the tables to bench/conformance.md (date, commit, cores, commands).
# The CI subset with its known disagreements is the ctest conformance/limbo-subset;
# this is the whole suite, to measure the verifier's progress.
# usage: bench/conformance.sh [BUILD_DIR] [LIMBO]    (env: JOBS, default 2; OUT)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
LIMBO=${2:-../shared/limbo/limbo.json.gz}
JOBS=${JOBS:-2}
OUT=${OUT:-bench/conformance.md}
TLSPROBE=$B/tlsprobe
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
[ -x "$TLSPROBE" ] || { echo "build $TLSPROBE first" >&2; exit 2; }
[ -f "$LIMBO" ] || { echo "no limbo testcases at $LIMBO (see tests/conformance/README.md)" >&2; exit 2; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

RUN_T=(tests/conformance/limbo.py --tlsprobe "$TLSPROBE" --limbo "$LIMBO" --jobs "$JOBS")
echo "== tlsprobe check on every testcase" >&2
"$PY" "${RUN_T[@]}" --json --list-disagreements "$B/conformance-disagreements.tsv" >"$W/tlsprobe.json"
HAVE_OSSL=0
if command -v openssl >/dev/null; then
  echo "== openssl verify on every testcase" >&2
  "$PY" "${RUN_T[@]}" --verifier openssl --json --list-disagreements "$B/conformance-openssl-disagreements.tsv" \
      >"$W/openssl.json"
  HAVE_OSSL=1
fi

COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git diff --quiet HEAD -- src include 2>/dev/null || echo " (with uncommitted changes to src/include)")
LIMBO_SHA=$(sha256sum "$LIMBO" | cut -c1-16)
"$PY" - "$W" "$HAVE_OSSL" "$OUT" "$COMMIT$DIRTY" "$(nproc)" "$LIMBO" "$LIMBO_SHA" "$JOBS" \
    "$(openssl version 2>/dev/null || echo none)" "$(uptime | sed 's/.*load average: //')" <<'PY'
import json, sys, datetime
w, have_ossl, out, commit, cores, limbo, limbo_sha, jobs, ossl_ver, load = sys.argv[1:]
t = json.load(open(w + "/tlsprobe.json"))
o = json.load(open(w + "/openssl.json")) if have_ossl == "1" else None

def pct(d):
    return "%.1f %%" % (100.0 * d["agree"] / d["run"]) if d["run"] else "-"

L = []
L.append("# x509-limbo conformance: full run")
L.append("")
L.append("Written by `bench/conformance.sh` (a benchmark, not a test; the CI subset is the ctest")
L.append("`conformance/limbo-subset`, see `tests/conformance/README.md`).")
L.append("")
L.append("- date: %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
L.append("- commit: `%s`" % commit)
L.append("- machine: %s cores, load average %s; %s worker processes" % (cores, load, jobs))
L.append("- testcases: `%s` (sha256 %s…), %d testcases" % (limbo, limbo_sha, t["testcases"]))
L.append("- command: `bench/conformance.sh` = `python3 tests/conformance/limbo.py --jobs %s [--json]`, and the same"
         " with `--verifier openssl` (%s: `openssl verify -x509_strict -CAfile -untrusted -purpose sslserver|sslclient"
         " -verify_hostname|-verify_ip -attime`)" % (jobs, ossl_ver))
L.append("- time: tlsprobe %.1f s%s" % (t["seconds"], ", openssl %.1f s" % o["seconds"] if o else ""))
L.append("")
L.append("## Side by side")
L.append("")
L.append("Agreement = the verdict equals the expected result; errors (exit 2, crash, timeout,")
L.append("unreadable output) count as disagreements. Skipped testcases are not in the rates: %s."
         % "; ".join("%d %s" % (n, r) for r, n in sorted(t["skipped"].items(), key=lambda x: -x[1])))
L.append("")
hdr = "| | run | tlsprobe agree | false accept | false reject | error | tlsprobe | openssl false accept | openssl false reject | openssl |"
L.append(hdr)
L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
def row(name, a, b):
    s = "| %s | %d | %d | %d | %d | %d | **%s** |" % (name, a["run"], a["agree"], a["false-accept"], a["false-reject"], a["error"], pct(a))
    if b:
        s += " %d | %d | %s |" % (b["false-accept"], b["false-reject"], pct(b))
    else:
        s += " - | - | - |"
    return s
L.append(row("**all**", t["total"], o["total"] if o else None))
for k, v in t["top_families"].items():
    L.append(row("**%s**" % k, v, o["top_families"].get(k) if o else None))
L.append("")
L.append("Per family (the id up to its second `::`):")
L.append("")
L.append(hdr)
L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for k, v in t["families"].items():
    L.append(row(k, v, o["families"].get(k) if o else None))
L.append("")
L.append("Per feature (testcases tagged with it):")
L.append("")
L.append(hdr)
L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for k, v in t["features"].items():
    L.append(row(k, v, o["features"].get(k) if o else None))
if t["errors"]:
    L.append("")
    L.append("tlsprobe errors: " + "; ".join("%d × %s" % (n, r) for r, n in t["errors"].items()))
L.append("")
L.append("Slowest tlsprobe testcases: " + ", ".join("`%s` %.3f s" % (x["id"], x["seconds"]) for x in t["slowest"]))
L.append("")
L.append("The disagreements, one per line (id, expected, got, reject id), are written to")
L.append("`BUILD_DIR/conformance-disagreements.tsv` (and `conformance-openssl-disagreements.tsv`).")
L.append("")
L.append("Every remaining disagreement is listed with its reason in")
L.append("`tests/conformance/known-disagreements.txt`; the history of these numbers (before and")
L.append("after the path-validation rewrite) is in `bench/conformance-history.md`.")
open(out, "w").write("\n".join(L) + "\n")
print("tlsprobe %s, openssl %s; written to %s" % (pct(t["total"]), pct(o["total"]) if o else "-", out))
PY
