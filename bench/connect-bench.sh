#!/usr/bin/env bash
# Speed of `tlsprobe connect` vs `openssl s_client -connect ... </dev/null` (not a test).
# Both against the same local `openssl s_server` (TLS 1.3, ECDSA P-256 leaf + RSA
# intermediate from fixtures/pki), whole process per run, many runs.
# usage: bench/connect-bench.sh [BUILD_DIR] [RUNS]   (target: wall ratio <= 1.0, issue 17)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
RUNS=${2:-200}
TLSPROBE=$B/tlsprobe
PKI=fixtures/pki
[ -x "$TLSPROBE" ] || { echo "build $TLSPROBE first" >&2; exit 2; }
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
# s_server's stdin stays open (a FIFO held read-write here): at end of file it
# would close each connection itself right after the handshake, and both
# clients would measure that instead of their own ending.
FIFO=$(mktemp -u /tmp/connect-bench.XXXXXX)
mkfifo "$FIFO"
exec 9<>"$FIFO"
timeout 600 openssl s_server -accept "127.0.0.1:$PORT" -quiet -tls1_3 -cert $PKI/good.pem -key $PKI/good.key \
    -cert_chain $PKI/int.pem <"$FIFO" >/dev/null 2>&1 &
SRV=$!
trap 'kill $SRV 2>/dev/null; wait $SRV 2>/dev/null; exec 9>&-; rm -f "$FIFO"' EXIT
for _ in $(seq 100); do ss -ltnH "sport = :$PORT" | grep -q . && break; sleep 0.05; done

PROBE="$TLSPROBE connect 127.0.0.1:$PORT --servername localhost --cafile $PKI/root.pem --tls1.3 --no-color"
SCLIENT="openssl s_client -connect 127.0.0.1:$PORT -servername localhost -CAfile $PKI/root.pem -tls1_3"
$PROBE >/dev/null || { echo "probe failed against the bench server" >&2; exit 1; }

if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 10 --runs "$RUNS" --export-json /tmp/connect-bench.json \
        "$PROBE" "$SCLIENT" >/dev/null 2>&1 </dev/null || true
    python3 - <<'PY'
import json
r = json.load(open("/tmp/connect-bench.json"))["results"]
p, s = r[0], r[1]
print(f"tlsprobe connect : mean {p['mean']*1000:7.2f} ms  median {p['median']*1000:7.2f} ms  (user {p['user']*1000:.2f} ms, sys {p['system']*1000:.2f} ms)")
print(f"openssl s_client : mean {s['mean']*1000:7.2f} ms  median {s['median']*1000:7.2f} ms  (user {s['user']*1000:.2f} ms, sys {s['system']*1000:.2f} ms)")
print(f"ratio (mean)     : {p['mean']/s['mean']:.2f}x   (median {p['median']/s['median']:.2f}x; target <= 1.0x)")
PY
else
    t() { local s e n=$((RUNS / 5)); s=$(date +%s%N); for _ in $(seq "$n"); do "$@" </dev/null >/dev/null 2>&1 || true; done; e=$(date +%s%N); echo $(((e - s) / n / 1000)); }
    # Interleaved rounds, so that load from others on the machine hits both alike.
    A=0; Bt=0
    for _ in 1 2 3 4 5; do
        a=$(t $PROBE); b=$(t $SCLIENT); A=$((A + a)); Bt=$((Bt + b))
    done
    echo "tlsprobe connect: $((A / 5)) us/run; openssl s_client: $((Bt / 5)) us/run; wall ratio $(python3 -c "print(round($A/$Bt,2))") (target <= 1.0)"
fi
