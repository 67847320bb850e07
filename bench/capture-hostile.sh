#!/usr/bin/env bash
# tlsprobe pcap against hostile captures, the big versions of
# tests/integration/test_hostile_pcap.sh (issue 23 point 4). Every capture is made by
# bench/tools/hostile_pcap.py as a stream and piped into `tlsprobe pcap -`, never
# stored. Peak RSS of tlsprobe alone by /usr/bin/time -f %M.
#
#   bash bench/capture-hostile.sh [FLOWS_M] [BIG_GB]     (defaults 2 and 10)
#
#   half-open: 1,000,000 and FLOWS_M million flows (SYN + partial ClientHello), the
#              default flow table (65,536) and --max-flows 8192
#   1-byte:    the TLS 1.2 fixture session in 1-byte TCP segments
#   stream:    1 GB and BIG_GB GB of 10 MB TLS 1.2 sessions: peak RSS must agree
#              within 10 %
# Env: TLSPROBE (default build/tlsprobe), NICE (default 10).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
TLSPROBE=${TLSPROBE:-$root/build/tlsprobe}
FM=${1:-2}
GB=${2:-10}
NICE=${NICE:-10}
GEN=$here/tools/hostile_pcap.py
CAP=$root/fixtures/captures
PKI=$root/fixtures/pki
T=$(mktemp -d "${TMPDIR:-/tmp}/capture-hostile.XXXXXX")
trap 'rm -rf "$T"' EXIT

echo "# capture-hostile: $(date -u +%FT%TZ) commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null) cores $(nproc)"
echo "| case | tlsprobe args | wall s | peak RSS KiB | MB/s | summary |"
echo "|---|---|---|---|---|---|"

# one NAME GEN_ARGS... -- TLSPROBE_ARGS...
one() {
    local name=$1
    shift
    local g=()
    while [ "$1" != -- ]; do g+=("$1"); shift; done
    shift
    local t0 t1 rss sec sum bytes
    t0=$(date +%s%N)
    nice -n "$NICE" python3 "$GEN" "${g[@]}" 2>/dev/null |
        nice -n "$NICE" /usr/bin/time -f "%M" -o "$T/rss" "$TLSPROBE" pcap - --format json "$@" |
        tail -1 >"$T/sum"
    t1=$(date +%s%N)
    rss=$(tail -1 "$T/rss")
    sec=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    sum=$(python3 -c 'import json,sys
s = json.load(open(sys.argv[1])); c = s["capture"]
print("sessions %d, complete %d, evicted %d, max flows %d, packets %d, bytes %d, errors %d" % (s["sessions"], s["handshakes_completed"], c["flows_evicted"], c["max_concurrent_flows"], c["packets"], c["bytes"], s["findings_by_severity"]["error"]))' "$T/sum")
    bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["bytes"])' "$T/sum")
    echo "| $name | ${*:-(none)} | $sec | $rss | $(awk -v b="$bytes" -v s="$sec" 'BEGIN { printf "%.0f", b / 1e6 / s }') | $sum |"
    LAST_RSS=$rss
}

one "half-open 1M" halfopen 1000000 -- --max-flows 8192
one "half-open ${FM}M" halfopen $((FM * 1000000)) -- --max-flows 8192
one "half-open 1M, default table" halfopen 1000000 --
r1=$LAST_RSS
one "half-open ${FM}M, default table" halfopen $((FM * 1000000)) --
r2=$LAST_RSS
one "1-byte segments" split1 "$CAP/tls12-good.pcap" -- --keylog "$CAP/tls12-good.keylog" --cafile "$PKI/root.pem"
one "stream 1 GB" stream 1G "$CAP/tls12-good.pcap" -- --keylog "$CAP/tls12-good.keylog" --cafile "$PKI/root.pem"
s1=$LAST_RSS
one "stream $GB GB" stream "${GB}G" "$CAP/tls12-good.pcap" -- --keylog "$CAP/tls12-good.keylog" --cafile "$PKI/root.pem"
s2=$LAST_RSS
echo
echo "half-open, default table: 1M ${r1} KiB vs ${FM}M ${r2} KiB"
echo "stream: 1 GB ${s1} KiB vs ${GB} GB ${s2} KiB: $(awk -v a="$s1" -v b="$s2" 'BEGIN { d = (b - a) / a * 100; printf "%+.1f %% (%s)", d, (d <= 10 && d >= -10) ? "within 10 %" : "NOT within 10 %" }')"
