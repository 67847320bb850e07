#!/usr/bin/env bash
# Build the libFuzzer targets with clang and run each for SECONDS (default 10),
# seeded from fixtures/fuzz/<target>/. A crash fails the run and leaves its input
# in build-fuzz/crashes/. Targets run TP_FUZZ_JOBS (default: nproc) at a time.
# For longer campaigns: scripts/fuzz-campaign.sh (docs/reliability.md)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CC=clang cmake -S . -B build-fuzz -DTP_FUZZ=ON -DTP_TESTS=OFF -DCMAKE_C_COMPILER=clang \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null
mkdir -p build-fuzz/crashes
J=${TP_FUZZ_JOBS:-$(nproc)}

# One target for SECS; its verdict is its exit status, its report build-fuzz/crashes/NAME.out.
run_one() {
  local bin=$1 name seeds corpus log out
  name=$(basename "$bin")
  seeds=fixtures/fuzz/$name
  corpus=build-fuzz/corpus/$name
  log=build-fuzz/crashes/"$name".log
  out=build-fuzz/crashes/"$name".out
  mkdir -p "$corpus"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  {
    echo "-- $name (${SECS}s)"
    "$bin" -max_total_time="$SECS" -rss_limit_mb=2048 -max_len=65536 \
       -artifact_prefix=build-fuzz/crashes/"$name"- "$corpus" >"$log" 2>&1 || true
    grep -E '^(#[0-9]+ *DONE|Done|==|SUMMARY)' "$log" || true
  } >"$out"
  if ls build-fuzz/crashes/"$name"-* >/dev/null 2>&1; then
    echo "FAILED: $name found a crash: $(ls build-fuzz/crashes/"$name"-*)" >>"$out"; return 1
  fi
  # UBSan reports and goes on: a report is a failure too, with its input unknown
  if grep 'runtime error:' "$log" >/dev/null; then
    grep -m3 -A2 'runtime error:' "$log" >>"$out"
    echo "FAILED: $name: undefined behaviour (log: $log)" >>"$out"; return 1
  fi
}

# J targets at a time (one per core); reports printed in target order.
bins=()
for bin in build-fuzz/fuzz_*; do [ -x "$bin" ] && bins+=("$bin"); done
declare -A pid_of=()
fail=0
for bin in "${bins[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$J" ]; do wait -n || true; done
  run_one "$bin" & pid_of[$bin]=$!
done
for bin in "${bins[@]}"; do
  wait "${pid_of[$bin]}" || fail=1
  cat build-fuzz/crashes/"$(basename "$bin")".out
done
[ "$fail" = 0 ] || { echo "FAILED: a fuzz target found a crash or undefined behaviour (above)"; exit 1; }
