#!/usr/bin/env bash
# Old and new tlsprobe side by side on one capture, in turns (A B A B ...), so
# a drift of the machine's speed hits both: per round user+sys CPU and wall
# time from /usr/bin/time, then the medians and the median of the per-round
# ratios new/old. A benchmark, never a test (issue 21: "no slower than 1.05x").
#   bench/ab-pcap.sh OLD_BIN NEW_BIN FILE [ROUNDS=7] [FORMAT=json]
set -euo pipefail
old=${1:?OLD_BIN}; new=${2:?NEW_BIN}; file=${3:?FILE}; rounds=${4:-7}; fmt=${5:-json}
T=/usr/bin/time
[ -x "$T" ] || { echo "ab-pcap: needs /usr/bin/time (Debian package time)" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
one() { # BIN -> "cpu wall rss"
  "$T" -f '%U %S %e %M' -o "$tmp/t" "$1" pcap "$file" --format "$fmt" >"$tmp/out" 2>/dev/null || true
  tail -n 1 "$tmp/t" | awk '{printf "%.3f %.3f %d\n", $1 + $2, $3, $4}'
}
one "$old" >/dev/null; one "$new" >/dev/null   # warm the page cache
: >"$tmp/rows"
for i in $(seq "$rounds"); do
  a=$(one "$old"); b=$(one "$new")
  echo "$a $b" >>"$tmp/rows"
  echo "round $i: old cpu/wall/rss $a   new $b"
done
python3 - "$tmp/rows" <<'PY'
import statistics as st, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
med = lambda xs: st.median(xs)
print(f"median cpu  old {med([r[0] for r in rows]):.3f} s  new {med([r[3] for r in rows]):.3f} s  "
      f"ratio new/old {med([r[3]/r[0] for r in rows]):.3f}")
print(f"median wall old {med([r[1] for r in rows]):.3f} s  new {med([r[4] for r in rows]):.3f} s  "
      f"ratio new/old {med([r[4]/r[1] for r in rows]):.3f}")
print(f"peak RSS    old {max(r[2] for r in rows)/1024:.1f} MiB  new {max(r[5] for r in rows)/1024:.1f} MiB")
PY
