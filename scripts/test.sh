#!/usr/bin/env bash
# Second README command: the whole test suite. Every test runs once, in the
# strictest build it can run in:
#  1. a -Wall -Wextra -Werror build and the house rules (scripts/checksrc.sh); in it
#     the unit tests, the lint and fuzz-replay tests, and the tests that need the
#     plain build or take long (labels package, slow, differential, conformance:
#     valgrind, timing under load, the Debian package, 5,000 chains against OpenSSL);
#  2. an AddressSanitizer + UndefinedBehaviorSanitizer build; in it the unit tests
#     again and every other integration test (labels unit, integration, fuzz-replay
#     minus package and slow);
#  3. each libFuzzer target for a short fixed time (clang), when clang is present.
# TP_QUICK=1 runs the whole ctest suite in the plain build only (local iteration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
J=$(nproc)

echo "== build (-Werror) and test"
cmake -S . -B build-ci -DTP_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-ci -j"$J" >/dev/null
bash scripts/checksrc.sh
if [ "${TP_QUICK:-0}" = 1 ]; then
  (cd build-ci && ctest --output-on-failure -j"$J")
  exit 0
fi
(cd build-ci && ctest --output-on-failure -j"$J" -L "unit|lint|fuzz-replay|package|slow|differential|conformance")

echo "== ASan + UBSan build and test"
cmake -S . -B build-asan -DTP_WERROR=ON -DTP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$J" >/dev/null
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure -j"$((J * 2))" -L "unit|integration|fuzz-replay" -LE "package|slow")
# package: builds its own binary; slow: see tests/CMakeLists.txt. Two tests per core:
# these tests spend most of their time waiting on peers, lingers and timeouts.

if command -v clang >/dev/null && [ -d tests/fuzz ] && ls tests/fuzz/fuzz_*.c >/dev/null 2>&1; then
  echo "== fuzz targets (short runs)"
  bash scripts/fuzz.sh "${TP_FUZZ_SECONDS:-10}"
fi
echo "== all tests passed"
