#!/usr/bin/env bash
# Old and new `tlsprobe connect` in turns against one local openssl s_server
# (TLS 1.3, fixtures/pki), whole process per run: median wall and CPU per run
# and the median of the per-pair ratios new/old. A benchmark, never a test.
#   bench/ab-connect.sh OLD_BIN NEW_BIN [RUNS=200]
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?OLD_BIN}; new=${2:?NEW_BIN}; runs=${3:-200}
PKI=fixtures/pki
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
FIFO=$(mktemp -u /tmp/ab-connect.XXXXXX)
mkfifo "$FIFO"
exec 9<>"$FIFO" # s_server's stdin held open (see connect-bench.sh)
timeout 900 openssl s_server -accept "127.0.0.1:$PORT" -quiet -tls1_3 -cert $PKI/good.pem -key $PKI/good.key \
    -cert_chain $PKI/int.pem <"$FIFO" >/dev/null 2>&1 &
SRV=$!
trap 'kill $SRV 2>/dev/null; wait $SRV 2>/dev/null; exec 9>&-; rm -f "$FIFO"' EXIT
for _ in $(seq 100); do ss -ltnH "sport = :$PORT" | grep -q . && break; sleep 0.05; done
python3 - "$old" "$new" "$runs" "$PORT" "$PKI" <<'PY'
import os, resource, statistics as st, subprocess, sys, time
old, new, runs, port, pki = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
args = ["connect", f"127.0.0.1:{port}", "--servername", "localhost", "--cafile", f"{pki}/root.pem",
        "--tls1.3", "--no-color"]
def one(b):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN); t0 = time.perf_counter()
    subprocess.run([b] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t1 = time.perf_counter(); r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t1 - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
for b in (old, new): one(b)
A, B = [], []
for _ in range(runs):
    A.append(one(old)); B.append(one(new))
m = lambda xs: st.median(xs)
print(f"runs {runs} each; wall ms old {m([a[0] for a in A])*1e3:.2f} new {m([b[0] for b in B])*1e3:.2f} "
      f"ratio {m([b[0]/a[0] for a, b in zip(A, B)]):.3f}")
print(f"cpu ms  old {m([a[1] for a in A])*1e3:.2f} new {m([b[1] for b in B])*1e3:.2f} "
      f"(sum ratio {sum(b[1] for b in B)/max(1e-9, sum(a[1] for a in A)):.3f})")
PY
