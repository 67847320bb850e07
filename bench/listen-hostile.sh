#!/usr/bin/env bash
# tlsprobe listen under hostile load (issue 23 point 3).
#
#   bash bench/listen-hostile.sh [CLIENTS] [DURATION_S] [LISTEN_TIMEOUT_S] [OUTDIR]
#   (defaults 1000, 600, 10, a temp dir that is kept and printed)
#
# 1. starts `tlsprobe listen 127.0.0.1:0 --format json --timeout T` (reports to a file);
# 2. measures an idle server: one well-behaved client, back to back, 10 s;
# 3. runs bench/tools/hostile_load.py: CLIENTS concurrent slots for DURATION seconds,
#    half of them well behaved, half misbehaving (slowloris, garbage, RST mid-flight,
#    100 KB ClientHello, KeyUpdate/renegotiation floods with openssl s_client, idle),
#    the two halves in two processes (SPLIT=0: one process for all, as before
#    2026-12-07: its one event loop, busy with the bad half, then delays the good
#    clients' handshakes by hundreds of ms and that is what the p99 measured);
#    meanwhile /proc/PID/fd count and VmRSS of listen are sampled every 10 s
#    (SAMPLE_S to change);
# 4. stops listen (SIGINT) and joins everything with bench/tools/hostile_check.py:
#    every attempt reported exactly once (by client port), the right finding per
#    kind, RSS flat within 10 % after warm-up, no fd growth, p99 handshake of good
#    clients <= 2x the idle server's p99.
# Exit status: that of hostile_check.py (0 all checks pass). Env: TLSPROBE (default
# build/tlsprobe), THINK (good clients' pause between connections, default 1 s),
# SPLIT (default 1, see 3.), KINDS (the bad half's kinds, comma-separated, default
# all: slowloris,garbage,rst,bigch,flood,idle; with SPLIT=1 only),
# NICE (default 10), SAMPLE_S (default 10), CHECK_ARGS (more hostile_check.py
# options, e.g. --no-p99-gate), IDLE_S (idle baseline seconds, default 10),
# GOOD (python, the default, or go: the good half and the idle baseline from
# bench/tools/goodclient.go, built here with the standard library: the same
# load at a fraction of python's CPU),
# LISTEN_CPUS, GOOD_CPUS, BAD_CPUS (taskset -c lists for listen, the good clients
# and the bad half, idle baseline included; default: no pinning). On a 2-core
# machine LISTEN_CPUS=0 GOOD_CPUS=0 BAD_CPUS=1 stands in for bad clients on
# another machine: listen then has one core in the idle baseline and under load,
# and what moves its p99 is the work the bad connections give listen itself, not
# the CPU their generator (python, openssl s_client) takes.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
TLSPROBE=${TLSPROBE:-$root/build/tlsprobe}
N=${1:-1000}
DUR=${2:-600}
TMO=${3:-10}
OUT=${4:-$(mktemp -d "${TMPDIR:-/tmp}/listen-hostile.XXXXXX")}
THINK=${THINK:-1}
SPLIT=${SPLIT:-1}
NICE=${NICE:-10}
SAMPLE_S=${SAMPLE_S:-10}
PKI=$root/fixtures/pki
pin() { # CPUS: a taskset prefix, or nothing
    [ -n "$1" ] && printf '%s\n' taskset -c "$1"
}
mapfile -t PIN_L < <(pin "${LISTEN_CPUS:-}")
mapfile -t PIN_G < <(pin "${GOOD_CPUS:-}")
mapfile -t PIN_B < <(pin "${BAD_CPUS:-}")
mkdir -p "$OUT"
# a reused OUT: the port is read from listen.err, which must be this run's
rm -f "$OUT"/listen.err "$OUT"/listen.jsonl "$OUT"/check.json
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
GOOD=${GOOD:-python}
[ "$GOOD" = go ] && [ "$SPLIT" != 1 ] && { echo "GOOD=go needs SPLIT=1"; exit 2; }
case $GOOD in
python) GC=(python3 "$here/tools/hostile_load.py" --good-only) ;;
go)
    mkdir -p "$OUT/go"
    cp "$here/tools/goodclient.go" "$OUT/go/" &&
        (cd "$OUT/go" && GO111MODULE=off GOCACHE="$OUT/go/cache" GOPATH="$OUT/go/path" \
            timeout 300 go build -o goodclient goodclient.go) || { echo "cannot build goodclient.go"; exit 2; }
    GC=("$OUT/go/goodclient")
    ;;
*) echo "GOOD must be python or go"; exit 2 ;;
esac

echo "# listen-hostile: clients=$N duration=${DUR}s timeout=${TMO}s think=${THINK}s out=$OUT"
echo "# $(date -u +%FT%TZ) commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null) cores $(nproc) good ${GOOD:-python} nice ${NICE}${LISTEN_CPUS:+ listen-cpus $LISTEN_CPUS}${GOOD_CPUS:+ good-cpus $GOOD_CPUS}${BAD_CPUS:+ bad-cpus $BAD_CPUS}"

"${PIN_L[@]}" nice -n "$NICE" "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
    --format json --timeout "$TMO" >"$OUT/listen.jsonl" 2>"$OUT/listen.err" &
LPID=$!
cleanup() { kill "$LPID" 2>/dev/null; [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null; }
trap cleanup EXIT
PORT=
for _ in $(seq 500); do
    PORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$OUT/listen.err")
    [ -n "$PORT" ] && break
    sleep 0.02
done
[ -n "$PORT" ] || { echo "listen did not start"; cat "$OUT/listen.err"; exit 2; }

sample() { # T FDS RSS_KB
    local t0=$1
    while kill -0 "$LPID" 2>/dev/null; do
        local fds rss
        fds=$(ls "/proc/$LPID/fd" 2>/dev/null | wc -l)
        rss=$(awk '/^VmRSS/ {print $2}' "/proc/$LPID/status" 2>/dev/null)
        [ -n "$rss" ] && echo "$(($(date +%s) - t0)) $fds $rss"
        sleep "$SAMPLE_S"
    done
}

# idle server: one client, back to back
"${PIN_G[@]}" nice -n "$NICE" "${GC[@]}" --port "$PORT" --ca "$PKI/root.pem" --clients 1 \
    --duration "${IDLE_S:-10}" --think 0.02 --ramp 0 --log "$OUT/idle.log" >"$OUT/idle.summary"
IDLE_P99=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["good_hs_ms"]["p99"])' "$OUT/idle.summary")
echo "# idle server: $(cat "$OUT/idle.summary")"

sample "$(date +%s)" >"$OUT/samples.txt" &
SPID=$!
t0=$(date +%s)
L=(nice -n "$NICE" python3 "$here/tools/hostile_load.py" --port "$PORT" --ca "$PKI/root.pem" --duration "$DUR")
if [ "$SPLIT" = 1 ]; then
    # the good half and the bad half in two processes (hostile_load.py --bad-only)
    "${PIN_G[@]}" nice -n "$NICE" "${GC[@]}" --port "$PORT" --ca "$PKI/root.pem" --duration "$DUR" \
        --clients $(((N + 1) / 2)) --think "$THINK" --log "$OUT/load.good.log" \
        >"$OUT/load.good.summary" 2>"$OUT/load.good.err" &
    GPID=$!
    "${PIN_B[@]}" "${L[@]}" --clients $((N / 2)) --bad-only ${KINDS:+--kinds "$KINDS"} --log "$OUT/load.bad.log" >"$OUT/load.bad.summary" 2>"$OUT/load.bad.err"
    wait "$GPID"
    cat "$OUT/load.good.log" "$OUT/load.bad.log" >"$OUT/load.log"
    cat "$OUT/load.good.summary" "$OUT/load.bad.summary" >"$OUT/load.summary"
else
    "${L[@]}" --clients "$N" --think "$THINK" --log "$OUT/load.log" >"$OUT/load.summary" 2>"$OUT/load.err"
fi
t1=$(date +%s)
echo "# load ($((t1 - t0)) s): $(cat "$OUT/load.summary")"
sleep $((TMO + 2))      # the last slow clients' reports
kill "$SPID" 2>/dev/null
kill -INT "$LPID"
wait "$LPID"
echo "# listen exit $?; $(tail -n +2 "$OUT/listen.err" | head -1)"
sed -E 's/"kind": ?"good"/"kind": "idlegood"/' "$OUT/idle.log" | cat - "$OUT/load.log" >"$OUT/all.log"
python3 "$here/tools/hostile_check.py" "$OUT/all.log" "$OUT/listen.jsonl" --samples "$OUT/samples.txt" \
    --idle-p99 "$IDLE_P99" --json "$OUT/check.json" ${CHECK_ARGS:-}
rc=$?
echo "# samples (s fds rss_kb):"
tr '\n' ';' <"$OUT/samples.txt"
echo
echo "# result in $OUT/check.json, pass=$([ $rc = 0 ] && echo yes || echo no)"
exit $rc
