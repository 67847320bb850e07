#!/usr/bin/env bash
# Fuzz campaigns that add up across sessions (issue 23: >= 1 hour per target).
#
#   scripts/fuzz-campaign.sh run [-s SECONDS] [-u HH:MM|EPOCH] [-t "fuzz_a fuzz_b"] [--fork] [--no-build]
#   scripts/fuzz-campaign.sh summary
#   scripts/fuzz-campaign.sh adopt build-fuzz/crashes/<target>-crash-<sha1>
#   scripts/fuzz-campaign.sh seeds TARGET [MAX_KB]
#
# run: builds the libFuzzer targets (build-fuzz/, as scripts/fuzz.sh does) and runs
#   each for SECONDS (default 900) under nice -n 19, round-robin over the targets;
#   with -u it goes round again until that time (UTC HH:MM today, or an epoch),
#   the last slice cut to fit; without -u it does one round. Each target keeps its
#   corpus in build-fuzz/corpus/<target> (started from fixtures/fuzz/<target>/) and
#   appends one line per slice to docs/fuzz-ledger.tsv:
#     date  commit  target  seconds  execs  corpus  cov  crashes  artifacts  cpu_seconds
#   (seconds: wall time of the slice; cpu_seconds: the CPU time the fuzzer got at
#   nice 19, user + system, less than the wall time on a busy machine; execs: libFuzzer's
#   stat::number_of_executed_units, else its last "#N" line; corpus: files in the
#   corpus directory after the slice; cov: libFuzzer's final "cov:" figure).
#   Touch build-fuzz/campaign.stop to end after the current slice; kill the
#   script's process group to end at once (the slice then is not in the ledger).
#   --fork runs libFuzzer with -fork=1 -ignore_crashes=1 (a crash does not end
#   the slice); default is one process, which stops at the first crash.
# Crashes (and UBSan reports, which halt here) leave their input in
#   build-fuzz/crashes/<target>-{crash,leak,timeout,oom}-<sha1>; they are listed in
#   the ledger and printed. They are not put into fixtures/ by themselves: once the
#   bug is fixed, `adopt` copies the input to fixtures/fuzz/<target>/regress-<sha1>,
#   where ctest replays it (fixtures/fuzz/regressions/README.md).
# summary: fuzz hours, executions, slices and crashes per target from the ledger.
# seeds: merges build-fuzz/corpus/TARGET into a copy of fixtures/fuzz/TARGET with
#   libFuzzer's -merge=1 -use_counters=0 (edges, not hit counts: a small set), so
#   only corpus inputs that reach edges the seeds do not are kept, and copies them
#   to fixtures/fuzz/TARGET/min-<sha1>, smallest first, up to MAX_KB (default 256):
#   committed seeds that carry the campaign's coverage, small enough for ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
LEDGER=docs/fuzz-ledger.tsv
HEADER=$'date\tcommit\ttarget\tseconds\texecs\tcorpus\tcov\tcrashes\tartifacts\tcpu_seconds'

summary() {
  [ -f "$LEDGER" ] || { echo "no ledger ($LEDGER)"; return 0; }
  printf '%-18s %7s %9s %14s %6s %7s %7s %6s\n' target hours cpu_hours executions slices crashes corpus cov
  awk -F'\t' 'NR > 1 && $3 != "" {
      s[$3] += $4; e[$3] += $5; n[$3]++; c[$3] += $8; corp[$3] = $6; cov[$3] = $7
      if ($10 != "") { cpu[$3] += $10 } else { nocpu[$3] = 1 }
    }
    END {
      for (t in s)
        printf "%-18s %7.2f %8.2f%s %14d %6d %7d %7s %6s\n", t, s[t] / 3600, cpu[t] / 3600, nocpu[t] ? "+" : " ",
          e[t], n[t], c[t], corp[t], cov[t]
    }' "$LEDGER" | sort
  awk -F'\t' 'NR > 1 { ts += $4; te += $5; tc += $10 } END { printf "%-18s %7.2f %8.2f  %14d\n", "total", ts / 3600, tc / 3600, te }' "$LEDGER"
  echo "(hours: wall time of the slices; cpu_hours: CPU time they got at nice 19, '+': some slices predate the cpu column)"
}

adopt() {
  local f=$1 base target sha
  base=$(basename "$f")
  target=${base%%-*}
  [ -f "tests/fuzz/$target.c" ] || { echo "adopt: $base does not name a target"; exit 2; }
  sha=$(sha1sum "$f" | cut -c1-40)
  cp "$f" "fixtures/fuzz/$target/regress-$sha"
  echo "fixtures/fuzz/$target/regress-$sha (ctest -R fuzz-replay/$target)"
}

seeds() {
  local t=$1 maxkb=${2:-256} tmp added=0 n=0 f sha sz
  [ -x "build-fuzz/$t" ] && [ -d "build-fuzz/corpus/$t" ] || { echo "seeds: no build-fuzz/$t or corpus"; exit 2; }
  tmp=$(mktemp -d)
  cp "fixtures/fuzz/$t"/* "$tmp"/ # in the output already: only inputs with new edges are added
  nice -n 19 "build-fuzz/$t" -merge=1 -use_counters=0 -rss_limit_mb=2048 -max_len=65536 -timeout=30 -close_fd_mask=3 \
    "$tmp" "build-fuzz/corpus/$t" >"build-fuzz/logs/$t-merge.log" 2>&1 || true
  declare -A have=()
  for f in "fixtures/fuzz/$t"/*; do have[$(basename "$f")]=1; have[$(sha1sum <"$f" | cut -c1-40)]=1; done
  while read -r sz f; do
    sha=$(basename "$f")
    [ -n "${have[$sha]:-}" ] && continue
    [ $((added + sz)) -le $((maxkb * 1024)) ] || break
    cp "$f" "fixtures/fuzz/$t/min-$sha"
    added=$((added + sz)) n=$((n + 1))
  done < <(find "$tmp" -type f -printf '%s %p\n' | sort -n)
  echo "$t: $n new seeds ($added bytes) in fixtures/fuzz/$t/min-*"
  rm -rf "$tmp"
}

run_slice() { # target seconds
  local t=$1 secs=$2 bin=build-fuzz/$1 corpus=build-fuzz/corpus/$1
  local log before after start end execs ncorp cov crashes arts
  mkdir -p "$corpus" build-fuzz/crashes build-fuzz/logs
  [ -d "fixtures/fuzz/$t" ] && cp -n "fixtures/fuzz/$t"/* "$corpus"/ 2>/dev/null || true
  log=build-fuzz/logs/$t-$(date -u +%Y%m%dT%H%M%S).log
  before=$(ls build-fuzz/crashes/ | grep -E "^$t-(crash|leak|timeout|oom|slow-unit)-" | sort || true)
  local extra=()
  [ "$FORK" = 1 ] && extra=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  start=$(date +%s)
  # halt_on_error: a UBSan report is a crash with its input kept, not a log line
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    /usr/bin/time -f '%U %S' -o "$log.time" nice -n 19 "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=30 \
      -print_final_stats=1 -close_fd_mask=3 "${extra[@]}" \
      -artifact_prefix=build-fuzz/crashes/"$t"- "$corpus" >"$log" 2>&1 || true
  end=$(date +%s)
  cpu=$(awk 'END { if (NF == 2) printf "%d", $1 + $2 }' "$log.time" 2>/dev/null || true)
  # (grep finds nothing in some logs: -fork prints no final stats; no exit under pipefail)
  execs=$(grep -a 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}' || true)
  [ -n "$execs" ] || execs=$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
  [ -n "$execs" ] || execs=0
  cov=$(grep -aoE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}' || true)
  ncorp=$(find "$corpus" -maxdepth 1 -type f | wc -l)
  after=$(ls build-fuzz/crashes/ | grep -E "^$t-(crash|leak|timeout|oom|slow-unit)-" | sort || true)
  arts=$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep -v '^$' | paste -sd, - || true)
  crashes=0
  [ -n "$arts" ] && crashes=$(echo "$arts" | tr ',' '\n' | wc -l)
  [ -f "$LEDGER" ] || echo "$HEADER" >"$LEDGER"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(git rev-parse --short HEAD)" \
    "$t" "$((end - start))" "$execs" "$ncorp" "${cov:-}" "$crashes" "${arts:--}" "${cpu:-}" >>"$LEDGER"
  printf '%-20s %5ss (cpu %5ss) %12s execs  corpus %-6s cov %-6s crashes %s %s\n' "$t" "$((end - start))" \
    "${cpu:-?}" "$execs" "$ncorp" "${cov:-?}" "$crashes" "${arts:+($arts; log $log)}"
}

cmd=${1:-}
shift || true
case "$cmd" in
summary) summary; exit 0 ;;
seeds) [ $# -ge 1 ] || { echo "usage: $0 seeds TARGET [MAX_KB]"; exit 2; }; seeds "$@"; exit 0 ;;
adopt) [ $# = 1 ] || { echo "usage: $0 adopt CRASH-FILE"; exit 2; }; adopt "$1"; exit 0 ;;
run) ;;
*) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
esac

SECS=900 UNTIL="" TARGETS="" FORK=0 BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
  -s) SECS=$2; shift 2 ;;
  -u) UNTIL=$2; shift 2 ;;
  -t) TARGETS=$2; shift 2 ;;
  --fork) FORK=1; shift ;;
  --no-build) BUILD=0; shift ;;
  *) echo "unknown argument $1"; exit 2 ;;
  esac
done
if [ -n "$UNTIL" ] && [[ "$UNTIL" == *:* ]]; then
  UNTIL=$(date -u -d "$UNTIL" +%s)
  [ "$UNTIL" -gt "$(date +%s)" ] || UNTIL=$((UNTIL + 86400))
fi
if [ "$BUILD" = 1 ]; then
  CC=clang nice -n 19 cmake -S . -B build-fuzz -DTP_FUZZ=ON -DTP_TESTS=OFF -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  nice -n 19 cmake --build build-fuzz -j"$(nproc)" >/dev/null
fi
if [ -z "$TARGETS" ]; then
  TARGETS=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)
fi
rm -f build-fuzz/campaign.stop
while :; do
  for t in $TARGETS; do
    [ -x "build-fuzz/$t" ] || { echo "no build-fuzz/$t"; continue; }
    [ -f build-fuzz/campaign.stop ] && { echo "stopped (build-fuzz/campaign.stop)"; exit 0; }
    s=$SECS
    if [ -n "$UNTIL" ]; then
      left=$((UNTIL - $(date +%s)))
      [ "$left" -ge 30 ] || exit 0
      [ "$left" -lt "$s" ] && s=$left
    fi
    run_slice "$t" "$s"
  done
  [ -n "$UNTIL" ] || break
done
