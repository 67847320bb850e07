#!/usr/bin/env bash
# listen-bench.sh [SECONDS] [SESSIONS] — not a test: how many full handshakes per
# second `tlsprobe listen` sustains (recording every byte, decoding, diagnosing,
# rendering JSON to a file) against `openssl s_server -www` on the same ECDSA P-256
# certificate, driven by the same load generators, and against the bare wolfSSL
# server loop bench/tools/wolf_srv.c (no recording, no output: the floor that
# wolfSSL itself sets on this machine):
#   - the wolfSSL client loop bench/tools/wolf_hs.c (TLS 1.3, X25519),
#     one and two in parallel;
#   - `openssl s_time -new -tls1_3`.
# For each: client handshakes/s, server CPU per handshake (utime+stime from
# /proc/PID/stat), server RSS. Then memory over SESSIONS (default 10,000) sessions
# against listen: RSS sampled as the sessions go by (flat = no per-session leak).
#
# Env: TLSPROBE (binary; default build-listen/tlsprobe or build/tlsprobe),
#      HSRATE (dir with wolf_hs.c; default bench/tools).
# Everything binds 127.0.0.1 on free ports; every server is bounded and killed on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
SECS=${1:-10}
SESSIONS=${2:-10000}
TLSPROBE=${TLSPROBE:-}
for c in "$SRC/build-listen/tlsprobe" "$SRC/build/tlsprobe" "$SRC/build-ci/tlsprobe"; do
    [ -z "$TLSPROBE" ] && [ -x "$c" ] && TLSPROBE=$c
done
[ -x "$TLSPROBE" ] || { echo "listen-bench: build tlsprobe first (or set TLSPROBE)" >&2; exit 2; }
HSRATE=${HSRATE:-$(cd "$(dirname "$0")" && pwd)/tools}
PKI=$SRC/fixtures/pki
CERT=$PKI/good-fullchain.pem   # EC P-256 leaf + intermediate (listen sends the whole file)
LEAF=$PKI/good.pem INT=$PKI/int.pem   # the same for s_server (-cert sends only the first)
KEY=$PKI/good.key
TMP=$(mktemp -d /tmp/listen-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
TCK=$(getconf CLK_TCK)

# shellcheck source=lib.sh
. "$HERE/lib.sh"
build_wolf_tools "$HSRATE" "$TMP"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

SPID=
start_sserver() {
    PORT=$(free_port)
    timeout 600 openssl s_server -accept "127.0.0.1:$PORT" -cert "$LEAF" -cert_chain "$INT" -key "$KEY" -www -quiet \
        >"$TMP/s_server.log" 2>&1 </dev/null &
    PIDS+=("$!")
    wait_port "$PORT"
    SPID=$(pgrep -P "$!")   # the server itself, not `timeout`
}
start_wolfsrv() {
    PORT=$(free_port)
    timeout 600 "$TMP/wolf_srv" 127.0.0.1 "$PORT" "$CERT" "$KEY" >"$TMP/wolf_srv.log" 2>&1 </dev/null &
    PIDS+=("$!")
    wait_port "$PORT"
    SPID=$(pgrep -P "$!")
}
start_listen() {
    PORT=$(free_port)
    timeout 900 "$TLSPROBE" listen "127.0.0.1:$PORT" --cert "$CERT" --key "$KEY" --format json \
        >"$TMP/listen.jsonl" 2>"$TMP/listen.err" &
    PIDS+=("$!")
    wait_port "$PORT"
    SPID=$(pgrep -P "$!")
}
stop_server() { kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; }

# run NAME CMD... : prints client hs/s, server CPU/hs, server RSS
run() {
    local name=$1 c0 c1 t0 t1 out n
    shift
    c0=$(ticks "$SPID")
    t0=$(date +%s.%N)
    out=$("$@" 2>&1 || true)
    t1=$(date +%s.%N)
    c1=$(ticks "$SPID")
    n=$(echo "$out" | awk '/connections in .* real seconds/ {s += $1} /full handshakes/ {s += $2} END {print s + 0}')
    awk -v name="$name" -v n="$n" -v a="$t0" -v b="$t1" -v sc="$((c1 - c0))" -v tck="$TCK" -v rss="$(rss_kb "$SPID")" 'BEGIN {
        el = b - a
        printf "  %-34s %6d hs %5.1f s = %7.1f hs/s | server cpu %6.0f us/hs | rss %6.1f MiB\n",
            name, n, el, n / el, (n ? 1e6 * sc / tck / n : 0), rss / 1024 }'
}

loadgen() {
    run "wolfSSL loop TLS1.3 X25519 x1" "$TMP/wolf_hs" 127.0.0.1 "$PORT" "$PKI/root.pem" "$SECS" 13 x25519
    run "wolfSSL loop TLS1.3 X25519 x2" sh -c "'$TMP/wolf_hs' 127.0.0.1 $PORT '$PKI/root.pem' $SECS 13 x25519 & \
        '$TMP/wolf_hs' 127.0.0.1 $PORT '$PKI/root.pem' $SECS 13 x25519; wait"
    run "wolfSSL loop TLS1.2 P-256 x1" "$TMP/wolf_hs" 127.0.0.1 "$PORT" "$PKI/root.pem" "$SECS" 12 p256
    run "openssl s_time -new -tls1_3" openssl s_time -connect "127.0.0.1:$PORT" -new -tls1_3 -time "$SECS"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(openssl version | cut -d' ' -f1-2), ${SECS}s per test, cert: EC P-256 leaf + RSA-2048 intermediate"
echo "openssl s_server -www:"
start_sserver
loadgen
stop_server
echo "bare wolfSSL server loop (bench/tools/wolf_srv.c: no recording, no output):"
start_wolfsrv
loadgen
stop_server
echo "tlsprobe listen (JSON to a file, every byte recorded and decoded):"
start_listen
loadgen
stop_server
echo "  sessions reported: $(wc -l <"$TMP/listen.jsonl")"

echo "memory over $SESSIONS sessions (tlsprobe listen, wolfSSL TLS 1.3 loop x2):"
start_listen
"$TMP/wolf_hs" 127.0.0.1 "$PORT" "$PKI/root.pem" 100000 13 x25519 >/dev/null 2>&1 &
L1=$!
"$TMP/wolf_hs" 127.0.0.1 "$PORT" "$PKI/root.pem" 100000 13 x25519 >/dev/null 2>&1 &
L2=$!
PIDS+=("$L1" "$L2")
next=1000
while :; do
    n=$(wc -l <"$TMP/listen.jsonl")
    if [ "$n" -ge "$next" ]; then
        printf "  after %6d sessions: rss %6.1f MiB\n" "$n" "$(awk -v r="$(rss_kb "$SPID")" 'BEGIN{print r/1024}')"
        next=$((next + (SESSIONS >= 5000 ? SESSIONS / 5 : 1000)))
    fi
    if [ "$n" -ge "$SESSIONS" ]; then
        printf "  after %6d sessions: rss %6.1f MiB (end)\n" "$n" "$(awk -v r="$(rss_kb "$SPID")" 'BEGIN{print r/1024}')"
        break
    fi
    kill -0 "$L1" 2>/dev/null || break
    sleep 0.5
done
kill "$L1" "$L2" 2>/dev/null || true
wait "$L1" "$L2" 2>/dev/null || true
stop_server
