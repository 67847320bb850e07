#!/usr/bin/env bash
# Line coverage of each parser's source file from its own fuzz target (issue 23:
# >= 85 %). Builds the replay executables (tests/fuzz/replay_main.c, no libFuzzer,
# no sanitizers) with clang -fprofile-instr-generate -fcoverage-mapping in
# build-cov/, replays each target's corpus (build-fuzz/corpus/<target> when
# scripts/fuzz-campaign.sh has made one, else fixtures/fuzz/<target>/; -f: always
# the fixtures), and prints, per target and parser file, the lines covered
# (llvm-profdata / llvm-cov, version 14 by default: LLVM_VER=15 to change).
#
#   scripts/coverage.sh [-f] [-t "fuzz_a fuzz_b"] [--tsv FILE] [--html DIR]
#
# The source files judged for each target are in MAP below. Runs under nice -n 19.
set -euo pipefail
cd "$(dirname "$0")/.."
V=${LLVM_VER:-14}
PROFDATA=$(command -v llvm-profdata-"$V" || command -v llvm-profdata)
LLVMCOV=$(command -v llvm-cov-"$V" || command -v llvm-cov)
FIXTURES_ONLY=0 ONLY="" TSV="" HTML=""
while [ $# -gt 0 ]; do
  case "$1" in
  -f) FIXTURES_ONLY=1; shift ;;
  -t) ONLY=$2; shift 2 ;;
  --tsv) TSV=$2; shift 2 ;;
  --html) HTML=$2; shift 2 ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done

# target: the parser files it must cover (paths under src/)
declare -A MAP=(
  [fuzz_client_hello]="wire/hello.c wire/exts.c"
  [fuzz_cert]="x509/cert.c x509/der.c"
  [fuzz_record]="wire/record.c"
  [fuzz_session]="wire/record.c session/decoder.c"
  [fuzz_capture]="capture/capture.c capture/pkt.c capture/readfile.c capture/tcp.c"
  [fuzz_pcapng]="capture/capture.c capture/pkt.c capture/readfile.c capture/tcp.c capture/pcapng.c"
  [fuzz_instream]="capture/instream.c"
  [fuzz_keylog]="session/keylog.c"
  [fuzz_explain]="diagnose/explain.c diagnose/explain_match.c"
  [fuzz_file]="x509/file.c"
  [fuzz_verify]="x509/verify.c x509/nc.c"
  [fuzz_sct]="x509/sct.c"
  [fuzz_cli]="cli/opts.c cli/target.c"
  [fuzz_render]="render/json.c render/mermaid.c render/text.c"
  [fuzz_truststores]="x509/truststores.c"
  [fuzz_starttls]="probe/starttls.c"
  [fuzz_dtls]="wire/dtls.c session/decoder.c"
  [fuzz_ocsp]="x509/ocsp.c"
  [fuzz_crl]="x509/crl.c"
  [fuzz_proxy]="probe/proxy.c"
  [fuzz_plainwatch]="wire/plainwatch.c"
  [fuzz_scan_answer]="probe/scan_answer.c"
  [fuzz_pkcs12]="x509/p12.c"
)

# Files two targets share: also reported for both together (one profile, both binaries).
UNION_TARGETS="fuzz_capture fuzz_pcapng"
UNION_FILES="capture/capture.c capture/pkt.c capture/readfile.c capture/tcp.c"

report() { # label profdata "bin [-object bin...]" files...
  local label=$1 prof=$2 bins=$3 corpus=$4 n=$5
  shift 5
  local srcs=()
  for f in "$@"; do srcs+=("$PWD/src/$f"); done
  # shellcheck disable=SC2086
  "$LLVMCOV" export -summary-only -instr-profile="$prof" $bins "${srcs[@]}" |
    python3 -c '
import json, sys, os
t, corpus, n, tsv = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
root = os.getcwd() + "/src/"
for f in json.load(sys.stdin)["data"][0]["files"]:
    name = f["filename"].replace(root, "")
    l = f["summary"]["lines"]
    print("%-18s %-22s %7d %7d %6.1f%%  %s (%s)" % (t, name, l["count"], l["covered"], l["percent"], corpus, n))
    if tsv:
        with open(tsv, "a") as o:
            o.write("%s\t%s\t%d\t%d\t%.1f\t%s\t%s\n" % (t, name, l["count"], l["covered"], l["percent"], n, corpus))
' "$label" "$corpus" "$n" "$TSV"
}

CC=clang nice -n 19 cmake -S . -B build-cov -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
  -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" >/dev/null
targets=$(echo ${ONLY:-$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)})
nice -n 19 cmake --build build-cov -j"$(nproc)" --target $(for t in $targets; do printf 'replay_%s ' "$t"; done) >/dev/null
mkdir -p build-cov/prof
[ -n "$TSV" ] && printf 'target\tfile\tlines\tcovered\tpercent\tinputs\tcorpus\n' >"$TSV"
printf '%-18s %-22s %7s %7s %7s  %s\n' target file lines covered "line %" corpus
for t in $targets; do
  bin=build-cov/tests/replay_$t
  corpus=build-fuzz/corpus/$t
  [ "$FIXTURES_ONLY" = 0 ] && [ -d "$corpus" ] && [ -n "$(ls -A "$corpus")" ] || corpus=fixtures/fuzz/$t
  n=$(find "$corpus" -maxdepth 1 -type f | wc -l)
  rm -f build-cov/prof/"$t".profraw
  LLVM_PROFILE_FILE=build-cov/prof/$t.profraw nice -n 19 "$bin" "$corpus" >/dev/null 2>&1 ||
    echo "warning: $t: replay failed (a crash in the corpus?)" >&2
  "$PROFDATA" merge -sparse build-cov/prof/"$t".profraw -o build-cov/prof/"$t".profdata
  files=${MAP[$t]:-}
  [ -n "$files" ] || { echo "$t: no parser files listed in MAP"; continue; }
  # shellcheck disable=SC2086
  report "$t" build-cov/prof/"$t".profdata "$bin" "$corpus" "$n" $files
  if [ -n "$HTML" ]; then
    # shellcheck disable=SC2046
    "$LLVMCOV" show -format=html -output-dir="$HTML/$t" -instr-profile=build-cov/prof/"$t".profdata "$bin" \
      $(for f in $files; do echo "$PWD/src/$f"; done) >/dev/null
  fi
done
have=1
for t in $UNION_TARGETS; do
  [ -f build-cov/prof/"$t".profdata ] || have=0
  [[ " $targets " == *" $t "* ]] || have=0
done
if [ "$have" = 1 ]; then
  profs=() objs="" label=""
  for t in $UNION_TARGETS; do
    profs+=(build-cov/prof/"$t".profdata)
    objs="$objs${objs:+ -object }build-cov/tests/replay_$t"
    label="$label${label:++}${t#fuzz_}"
  done
  "$PROFDATA" merge -sparse "${profs[@]}" -o build-cov/prof/union.profdata
  # shellcheck disable=SC2086
  report "$label" build-cov/prof/union.profdata "$objs" "both corpora" "-" $UNION_FILES
fi
