#!/usr/bin/env bash
# The integration tests of connect, check, inspect and pcap with every tlsprobe
# run under Valgrind memcheck (issue 23 point 6). Not part of scripts/test.sh
# (it takes many minutes); run it by hand or in CI:
#
#   scripts/valgrind.sh [-b BUILD_DIR] [TEST...]     (default build/, the tests below)
#
# The integration tests find the binary in $TLSPROBE (tests/integration/lib.sh,
# ctest sets it), so this script points TLSPROBE at a wrapper that runs
#   valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
#            --show-leak-kinds=definite --log-file=LOGDIR/vg.%p.log REAL_TLSPROBE ARGS
# Memcheck's reports go to one log per process, not to the test's stderr (the
# tests read stderr). Since tlsprobe's own exit 1 means "a finding", an
# --error-exitcode=1 is not told apart by the tests; so this script also counts
# every non-empty log as a failure, whatever the test said: a test passes here
# when it passes AND no tlsprobe process it ran had a memcheck report.
# VG_EXIT=99 makes memcheck errors fail the tests themselves too.
# A sanitizer build cannot run under valgrind: use a plain build (build/).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=build
if [ "${1:-}" = -b ]; then BUILD=$2; shift 2; fi
REAL=$ROOT/$BUILD/tlsprobe
[ -x "$REAL" ] || { echo "no $REAL: build first (cmake --build $BUILD)"; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
if nm "$REAL" 2>/dev/null | grep -q __asan_init; then
  echo "$REAL is built with AddressSanitizer: valgrind cannot run it; use a plain build"; exit 2
fi
TESTS=("$@")
[ ${#TESTS[@]} -gt 0 ] || TESTS=(test_connect test_connect_badinput test_connect_close test_connect_pcap
  test_check test_check_pathval test_inspect test_pcap_fixtures test_pcap_broken test_pcap_live)

OUT=$ROOT/$BUILD/valgrind
rm -rf "$OUT"
mkdir -p "$OUT"
WRAP=$OUT/tlsprobe
cat >"$WRAP" <<EOF
#!/bin/sh
# scripts/valgrind.sh: tlsprobe under memcheck, one log per process in \$TP_VG_LOGS
exec valgrind -q --error-exitcode=\${VG_EXIT:-1} --leak-check=full --errors-for-leak-kinds=definite \\
  --show-leak-kinds=definite --track-fds=no --num-callers=30 \\
  --log-file="\${TP_VG_LOGS:-/tmp}/vg.%p.log" "$REAL" "\$@"
EOF
chmod +x "$WRAP"

printf '%-24s %-6s %6s %6s %7s\n' test result exit runs reports
fail=0
for t in "${TESTS[@]}"; do
  t=${t%.sh}
  logs=$OUT/$t
  mkdir -p "$logs"
  chmod 1777 "$logs" # some tests run tlsprobe as another user (test_pcap_live: sniff unprivileged)
  start=$(date +%s)
  TLSPROBE=$WRAP TP_VG_LOGS=$logs TP_FIXTURES=$ROOT/fixtures TP_SRC=$ROOT TP_BUILD_DIR=$ROOT/$BUILD \
    timeout 1800 bash "tests/integration/$t.sh" >"$OUT/$t.out" 2>&1
  rc=$?
  secs=$(($(date +%s) - start))
  runs=$(find "$logs" -name 'vg.*.log' | wc -l)
  reports=$(find "$logs" -name 'vg.*.log' -size +0 | wc -l)
  res=pass
  if [ $rc != 0 ] || [ "$reports" != 0 ]; then res=FAIL; fail=1; fi
  printf '%-24s %-6s %6s %6s %7s  (%ss)\n' "$t" "$res" "$rc" "$runs" "$reports" "$secs"
  if [ $rc != 0 ]; then grep -E '^(FAIL|not ok)' "$OUT/$t.out" | head -10 | sed 's/^/    /'; fi
  for l in $(find "$logs" -name 'vg.*.log' -size +0 | head -5); do
    echo "    --- $l"
    head -40 "$l" | sed 's/^/    /'
  done
done
echo "logs and test output: $OUT/"
exit $fail
