#!/usr/bin/env bash
# tlsprobe listen under hostile load, the ~60 s smoke version of
# bench/listen-hostile.sh (issue 23 point 3): 100 concurrent client slots for 35 s,
# half well behaved, half slowloris / garbage / RST mid-flight / 100 KB ClientHello /
# KeyUpdate and renegotiation floods / idle, against `listen --timeout 5`.
# Checked: every attempt reported exactly once (matched by client port), the right
# finding for each kind, every good client served, fd count and RSS flat after
# warm-up (sampled every 3 s). The p99 handshake time of good clients against an
# idle server's is measured and printed, not gated here: the load generator shares
# the 2 cores with the server, so on a busy test machine the ratio measures the
# machine (bench/hostile-results.md has the figures); a loose bound (p99 < 2 s)
# still catches a server that stalls.
. "$(dirname "$0")/lib.sh"
is() { if eval "$1"; then echo 0; else echo 1; fi; }
command -v openssl >/dev/null || { echo "# openssl missing: skip"; exit 0; }

OUT=$TP_TMP/lh
TLSPROBE=$TLSPROBE SAMPLE_S=3 IDLE_S=5 NICE=0 CHECK_ARGS=--no-p99-gate \
    timeout 150 bash "$TP_SRC/bench/listen-hostile.sh" "${TP_HOSTILE_CLIENTS:-100}" "${TP_HOSTILE_SECONDS:-35}" 5 "$OUT" \
    >"$TP_TMP/bench.out" 2>&1
rc=$?
grep '^#' "$TP_TMP/bench.out"
tp_check "listen-hostile.sh smoke: every check passed (exit $rc)" "$rc"
if [ "$rc" != 0 ]; then
    cat "$OUT/check.json" 2>/dev/null | head -c 4000
fi
C=$OUT/check.json
if [ -s "$C" ]; then
    python3 - "$C" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
print("# per kind:", json.dumps(j["per_kind"]))
print("# good p99 %s ms, idle p99 %s ms, ratio %s; server-side %s" % (
    j["good_hs_ms"]["p99"], j.get("idle_p99_ms"), j.get("p99_ratio"), json.dumps(j["server_side_hs_ms"])))
print("# rss", j.get("rss_kb"), "fds", j.get("fds"))
EOF
    tp_json "every kind ran (8 kinds + the idle baseline)" "$C" 'all(k in j["per_kind"] for k in ["good","idlegood","garbage","rst","bigch","slowloris","idle","keyupdate","reneg"])'
    tp_json "good p99 < 2 s (sanity; the 2x-idle figure is in bench/)" "$C" 'j["good_hs_ms"]["p99"] < 2000'
else
    tp_check "check.json written" 1
fi
tp_finish
