#!/usr/bin/env bash
# Second README command: the whole test suite.
#  1. a -Wall -Wextra -Werror build, the house rules (scripts/checksrc.sh), every
#     unit and integration test (ctest);
#  2. the same suite again under AddressSanitizer + UndefinedBehaviorSanitizer;
#  3. each libFuzzer target for a short fixed time (clang), when clang is present.
# TP_QUICK=1 skips 2 and 3 (for local iteration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
J=$(nproc)

echo "== build (-Werror) and test"
cmake -S . -B build-ci -DTP_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-ci -j"$J" >/dev/null
bash scripts/checksrc.sh
(cd build-ci && ctest --output-on-failure -j"$J")

[ "${TP_QUICK:-0}" = 1 ] && exit 0

echo "== ASan + UBSan build and test"
cmake -S . -B build-asan -DTP_WERROR=ON -DTP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$J" >/dev/null
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure -j"$J" -LE "package|slow") # package: builds its own binary; slow: see tests/CMakeLists.txt

if command -v clang >/dev/null && [ -d tests/fuzz ] && ls tests/fuzz/fuzz_*.c >/dev/null 2>&1; then
  echo "== fuzz targets (short runs)"
  bash scripts/fuzz.sh "${TP_FUZZ_SECONDS:-10}"
fi
echo "== all tests passed"
