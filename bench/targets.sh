#!/usr/bin/env bash
# connect with many targets (issue 19): N local targets (default 1,000) spread
# over a farm of 16 openssl s_server instances (TLS 1.3 negotiated, fixtures/pki good chain),
# probed by `tlsprobe connect --targets FILE -j 64`, by a sequential shell loop of
# `openssl s_client -connect`, and by the same s_client run through `xargs -P 64`.
# Wall time, CPU (user + sys of every process) and peak memory: the summed RSS of
# every process of the run, sampled every 20 ms (for tlsprobe: one process; for
# xargs: up to 64 s_client at once). A benchmark, never a test.
#   bench/targets.sh [TLSPROBE=build/tlsprobe] [N=1000] [JOBS=64] > bench/targets.md
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/tlsprobe}; n=${2:-1000}; jobs=${3:-64}
PKI=fixtures/pki
TMP=$(mktemp -d /tmp/bench-targets.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; exec 9>&-; rm -rf "$TMP"' EXIT
# s_server's stdin held open (as in connect-bench.sh): at EOF on stdin it is slow to
# answer a close_notify, and the probe waits for it (TP_CLOSE_WAIT_MS).
mkfifo "$TMP/stdin"
exec 9<>"$TMP/stdin"
PORTS=()
for _ in $(seq 16); do
    port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
    timeout 1800 openssl s_server -accept "127.0.0.1:$port" -quiet -cert $PKI/good.pem -key $PKI/good.key \
        -cert_chain $PKI/int.pem <"$TMP/stdin" >/dev/null 2>&1 &
    PIDS+=($!)
    PORTS+=("$port")
done
for port in "${PORTS[@]}"; do
    for _ in $(seq 100); do ss -ltnH "sport = :$port" | grep . >/dev/null && break; sleep 0.05; done
done
for i in $(seq 0 $((n - 1))); do echo "127.0.0.1:${PORTS[$((i % 16))]}"; done >"$TMP/targets.txt"
sed 's/$/ localhost/' "$TMP/targets.txt" >"$TMP/targets-sni.txt"

TP_CMD="$bin connect --targets $TMP/targets-sni.txt -j $jobs --cafile $PKI/root.pem --format json"
SEQ_CMD="while read -r t; do openssl s_client -connect \"\$t\" -servername localhost -CAfile $PKI/root.pem -verify_return_error </dev/null >/dev/null 2>&1; done <$TMP/targets.txt"
XARGS_CMD="xargs -P $jobs -I{} sh -c 'openssl s_client -connect {} -servername localhost -CAfile $PKI/root.pem -verify_return_error </dev/null >/dev/null 2>&1' <$TMP/targets.txt"

python3 - "$n" "$jobs" "$TP_CMD" "$SEQ_CMD" "$XARGS_CMD" "$TMP" <<'PY'
import os, resource, subprocess, sys, time
n, jobs, tp, seq, xa, tmp = sys.argv[1:7]
def tree_rss_kib(root):
    """Summed VmRSS of root and its descendants."""
    kids, rss = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            st = open(f"/proc/{d}/stat").read()
            ppid = int(st.rsplit(")", 1)[1].split()[1])
            for l in open(f"/proc/{d}/status"):
                if l.startswith("VmRSS:"):
                    rss[int(d)] = int(l.split()[1])
            kids.setdefault(ppid, []).append(int(d))
        except (OSError, ValueError, IndexError):
            pass
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += kids.get(p, [])
    return total
def run(cmd, out):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN); t0 = time.perf_counter()
    p = subprocess.Popen(["bash", "-c", cmd], stdout=open(out, "w"), stderr=subprocess.DEVNULL)
    peak = 0
    while p.poll() is None:
        peak = max(peak, tree_rss_kib(p.pid))
        time.sleep(0.02)
    t1 = time.perf_counter(); r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return t1 - t0, cpu, max(peak, r1.ru_maxrss if peak == 0 else 0)
rows = []
for name, cmd in ((f"tlsprobe connect --targets -j {jobs}", tp), ("openssl s_client, sequential loop", seq),
                  (f"openssl s_client, xargs -P {jobs}", xa)):
    wall, cpu, peak = run(cmd, f"{tmp}/out.txt")
    extra = ""
    if cmd is tp:
        lines = open(f"{tmp}/out.txt").read().splitlines()
        ok = sum('"handshake_complete":true' in l for l in lines)
        extra = f" ({ok} handshakes completed)"
    rows.append((name + extra, wall, cpu, peak))
print(f"| run ({n} targets) | wall s | CPU s (user+sys) | targets/s | peak RSS, all processes (MiB) |")
print("|---|---:|---:|---:|---:|")
for name, wall, cpu, peak in rows:
    print(f"| {name} | {wall:.1f} | {cpu:.1f} | {int(n)/wall:.0f} | {peak/1024:.1f} |")
print()
print("Commands (TMP a temporary directory; 16 `openssl s_server -quiet` on 127.0.0.1, ports in targets.txt):")
print()
for c in (tp, seq, xa):
    print("    " + c.replace(tmp, "$TMP"))
PY
