#!/usr/bin/env bash
# run-pcap-bench.sh [-n RUNS] [-t TLSPROBE] FILE...
#
# Time, in one run on the same file: cat, the bare libpcap loop (limit/pcap_null),
# libpcap + header parsing + a flow hash (limit/pcap_flows), tshark's handshake
# extraction, ssldump, and `tlsprobe pcap F --format json > /dev/null`. Wall time
# and peak RSS from /usr/bin/time -v; median of RUNS (default 3) after one warm-up
# run (the file is then in the page cache). A benchmark, never a test: numbers
# depend on the machine and on its load.
#
# Env: SKIP_SLOW=1 skips tshark and ssldump on files over 200 MB (they take minutes).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=3
TP=${TLSPROBE:-$HERE/../build/tlsprobe}
while [ $# -gt 0 ]; do
  case "$1" in
    -n) RUNS=$2; shift 2 ;;
    -t) TP=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [-n RUNS] [-t TLSPROBE] FILE..." >&2; exit 2; }
[ -x "$TP" ] || { echo "no tlsprobe binary at $TP (build it, or pass -t PATH)" >&2; exit 2; }
make -s -C "$HERE/limit"

bench() { # LABEL FILE RUNS CMD...
  local label=$1 f=$2 runs=$3; shift 3
  local tf; tf=$(mktemp)
  "$@" >/dev/null 2>&1 || true            # warm-up
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -v -o "$tf.1" "$@" >/dev/null 2>&1 || true
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; w = s }
                /Maximum resident set size/ { m = $2 }
                END { print w, m }' "$tf.1" >>"$tf"
  done
  local size; size=$(stat -c %s "$f")
  sort -n "$tf" | awk -v label="$label" -v size="$size" -v base="${BASE:-0}" '
    { w[NR] = $1; m[NR] = $2 }
    END {
      n = NR; med = (n % 2) ? w[(n + 1) / 2] : (w[n / 2] + w[n / 2 + 1]) / 2
      mm = 0; for (i = 1; i <= n; i++) if (m[i] > mm) mm = m[i]
      ratio = (base > 0) ? sprintf("%6.2fx", med / base) : "      "
      printf "| %-44s | %9.3f | %9.1f | %s | %9.1f |\n", label, med, (med > 0 ? size / 1e6 / med : 0), ratio, mm / 1024 }'
  sort -n "$tf" | awk '{ w[NR] = $1 } END { n = NR; print (n % 2) ? w[(n + 1) / 2] : (w[n / 2] + w[n / 2 + 1]) / 2 }' >"$tf.med"
  LAST=$(cat "$tf.med")
  rm -f "$tf" "$tf.1" "$tf.med"
}

for F in "$@"; do
  size=$(stat -c %s "$F")
  info=$("$HERE/limit/pcap_flows" "$F" 2>/dev/null || "$HERE/limit/pcap_null" "$F")
  echo "== $F: $size bytes; $info; $RUNS runs each (median wall, max peak RSS); ratio = wall / flow-hash loop"
  echo "| command | wall s | MB/s | ratio | peak RSS MiB |"
  echo "|---|---:|---:|---:|---:|"
  BASE=0
  bench "cat F > /dev/null" "$F" "$RUNS" sh -c 'exec cat "$0" >/dev/null' "$F"
  bench "libpcap loop (limit/pcap_null)" "$F" "$RUNS" "$HERE/limit/pcap_null" "$F"
  bench "libpcap + flow hash (limit/pcap_flows)" "$F" "$RUNS" "$HERE/limit/pcap_flows" "$F"
  BASE=$LAST
  bench "tlsprobe pcap F --format json" "$F" "$RUNS" "$TP" pcap "$F" --format json --no-summary
  if [ "${SKIP_SLOW:-0}" = 1 ] && [ "$size" -gt 200000000 ]; then
    echo "| tshark / ssldump | skipped (SKIP_SLOW=1) | | | |"
  else
    bench "ssldump -r F -n" "$F" 1 ssldump -r "$F" -n
    bench "tshark -r F -Y tls.handshake -T fields ..." "$F" 1 tshark -r "$F" -Y tls.handshake -T fields \
      -e frame.number -e tls.handshake.type -e tls.handshake.extensions_server_name
  fi
done
