#!/usr/bin/env bash
# Build the libFuzzer targets with clang and run each for SECONDS (default 10),
# seeded from fixtures/fuzz/<target>/. A crash fails the run and leaves its input
# in build-fuzz/crashes/. For longer campaigns: scripts/fuzz.sh 3600
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CC=clang cmake -S . -B build-fuzz -DTP_FUZZ=ON -DTP_TESTS=OFF -DCMAKE_C_COMPILER=clang \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null
mkdir -p build-fuzz/crashes
for bin in build-fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  seeds=fixtures/fuzz/$name
  corpus=build-fuzz/corpus/$name
  mkdir -p "$corpus"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  echo "-- $name (${SECS}s)"
  log=build-fuzz/crashes/"$name".log
  "$bin" -max_total_time="$SECS" -rss_limit_mb=2048 -max_len=65536 \
     -artifact_prefix=build-fuzz/crashes/"$name"- "$corpus" >"$log" 2>&1 || true
  grep -E '^(#[0-9]+ *DONE|Done|==|SUMMARY)' "$log" || true
  if ls build-fuzz/crashes/"$name"-* >/dev/null 2>&1; then
    echo "FAILED: $name found a crash: $(ls build-fuzz/crashes/"$name"-*)"; exit 1
  fi
  # UBSan reports and goes on: a report is a failure too, with its input unknown
  if grep -q 'runtime error:' "$log"; then
    grep -m3 -A2 'runtime error:' "$log"
    echo "FAILED: $name: undefined behaviour (log: $log)"; exit 1
  fi
done
