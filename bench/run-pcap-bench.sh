#!/usr/bin/env bash
# run-pcap-bench.sh [-n RUNS] [-t TLSPROBE] FILE...
#
# Time, in one run on the same file: cat, the bare libpcap loop (limit/pcap_null),
# libpcap + header parsing + a flow hash (limit/pcap_flows), the libpcap-free
# reader with the same flow hash (limit/pcap_read -f: the "bare flow-hash loop"
# of issue 18, the fastest way to know every packet's flow), tlsprobe
# `pcap F --format json > /dev/null`, ssldump and tshark's handshake extraction.
# Wall time (date +%s.%N around each run), CPU time (user + system from
# /usr/bin/time, 10 ms steps; tlsprobe uses two threads) and peak RSS; median of
# RUNS (default 3) after one warm-up run (the file is then in the page cache);
# ratios to limit/pcap_read -f (pcapng, which it does not read: to
# limit/pcap_flows). A benchmark, never a test: numbers depend on the
# machine and on its load (stop other work first).
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

bench() { # LABEL FILE RUNS CMD...   (sets LAST_W, LAST_C: median wall and CPU seconds)
  local label=$1 f=$2 runs=$3; shift 3
  local tf; tf=$(mktemp)
  "$@" >/dev/null 2>&1 || true            # warm-up
  for _ in $(seq 1 "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/time -f '%U %S %M' -o "$tf.1" "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    tail -1 "$tf.1" | awk -v a="$t0" -v b="$t1" '{ print b - a, $1 + $2, $3 }' >>"$tf"
  done
  local size; size=$(stat -c %s "$f")
  read -r LAST_W LAST_C <<<"$(awk '{ w[NR] = $1; c[NR] = $2 } END {
      n = NR; asort(w); asort(c)
      mw = (n % 2) ? w[(n + 1) / 2] : (w[n / 2] + w[n / 2 + 1]) / 2
      mc = (n % 2) ? c[(n + 1) / 2] : (c[n / 2] + c[n / 2 + 1]) / 2
      print mw, mc }' "$tf")"
  awk -v label="$label" -v size="$size" -v bw="${BASE_W:-0}" -v bc="${BASE_C:-0}" -v w="$LAST_W" -v c="$LAST_C" '
    { m = ($3 > m) ? $3 : m }
    END {
      rw = (bw > 0) ? sprintf("%6.2fx", w / bw) : "      "
      rc = (bc > 0) ? sprintf("%6.2fx", c / bc) : "      "
      printf "| %-46s | %8.3f | %8.3f | %8.1f | %s | %s | %8.1f |\n", label, w, c, (w > 0 ? size / 1e6 / w : 0), rw, rc, m / 1024 }' "$tf"
  rm -f "$tf" "$tf.1"
}

echo "== $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
for F in "$@"; do
  size=$(stat -c %s "$F")
  info=$("$HERE/limit/pcap_flows" "$F" 2>/dev/null || "$HERE/limit/pcap_null" "$F")
  echo "== $F: $size bytes; $info; $RUNS runs each (median wall and CPU, max peak RSS); ratios to limit/pcap_read -f (pcapng: to limit/pcap_flows)"
  echo "| command | wall s | CPU s | MB/s | wall ratio | CPU ratio | peak RSS MiB |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  BASE_W=0 BASE_C=0
  bench "cat F > /dev/null" "$F" "$RUNS" sh -c 'exec cat "$0" >/dev/null' "$F"
  bench "libpcap loop (limit/pcap_null)" "$F" "$RUNS" "$HERE/limit/pcap_null" "$F"
  bench "libpcap + flow hash (limit/pcap_flows)" "$F" "$RUNS" "$HERE/limit/pcap_flows" "$F"
  BASE_W=$LAST_W BASE_C=$LAST_C
  if [ "$(head -c 4 "$F" | od -An -tx1 | tr -d ' \n')" = 0a0d0d0a ]; then
    echo "| read(2) + flow hash (limit/pcap_read -f) | classic pcap only: ratios to limit/pcap_flows | | | | | |"
  else
    bench "read(2) + flow hash (limit/pcap_read -f)" "$F" "$RUNS" "$HERE/limit/pcap_read" -f "$F"
    BASE_W=$LAST_W BASE_C=$LAST_C
  fi
  bench "tlsprobe pcap F --format json" "$F" "$RUNS" "$TP" pcap "$F" --format json --no-summary
  if [ "${SKIP_SLOW:-0}" = 1 ] && [ "$size" -gt 200000000 ]; then
    echo "| tshark / ssldump | skipped (SKIP_SLOW=1) | | | | | |"
  else
    bench "ssldump -r F -n" "$F" 1 ssldump -r "$F" -n
    bench "tshark -r F -Y tls.handshake -T fields ..." "$F" 1 tshark -r "$F" -Y tls.handshake -T fields \
      -e frame.number -e tls.handshake.type -e tls.handshake.extensions_server_name
  fi
done
