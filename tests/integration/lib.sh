# Shared bash helpers for integration tests. Source it:
#   . "$(dirname "$0")/lib.sh"
# Stable API (others depend on it; only append):
#   TLSPROBE, TP_FIXTURES, TP_SRC, TP_BUILD_DIR   env from ctest (defaults for manual runs)
#   PKI                        = $TP_FIXTURES/pki
#   TP_TMP                     a temp dir removed at exit
#   tp_free_port               print a free TCP port on 127.0.0.1
#   tp_bg CMD...               run CMD in the background, killed at exit; sets TP_BG_PID
#   tp_wait_listen PORT [SEC]  wait until something listens on 127.0.0.1:PORT (default 5 s)
#   tp_s_server ARGS...        start `timeout 20 openssl s_server -accept 127.0.0.1:P ARGS`
#                              on a free port (retries on a taken port); sets TP_PORT, TP_SRV_PID
#   tp_kill PID                stop one background process we started
#   tp_check NAME COND_RC      record a check result (0 pass); prints ok/FAIL lines
#   tp_expect_exit NAME WANT CMD...   run CMD, compare its exit status; output in $TP_OUT, $TP_ERR
#   tp_json NAME FILE PYEXPR   evaluate a python expression on j = json.loads(first line of FILE)
#   tp_finish                  exit 1 if any check failed (call at the end)
#   tp_tshark PCAP ARGS...     tshark -r PCAP ARGS..., TLS/DTLS decoded on the servers' ports
#                              (tshark_tls.py says why)
#   tp_tcpdump PCAP FILTER     tcpdump on lo into PCAP, returns once armed; sets TP_TD_PID
#   tp_tcpdump_stop PCAP       stop it once PCAP has stopped growing
# Every background process is bounded (timeout) and killed by the EXIT trap.

TLSPROBE=${TLSPROBE:-${TP_BUILD_DIR:-build}/tlsprobe}
TP_FIXTURES=${TP_FIXTURES:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../fixtures" && pwd)}
TP_SRC=${TP_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PKI=$TP_FIXTURES/pki
TP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tp-integ.XXXXXX")
TP_PIDS=()
TP_FAILS=0
TP_CHECKS=0

tp__cleanup() {
    local p
    for p in "${TP_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${TP_PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$TP_TMP"
}
trap tp__cleanup EXIT
trap 'exit 130' INT TERM

tp_free_port() {
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
}

tp_bg() {
    "$@" &
    TP_BG_PID=$!
    TP_PIDS+=("$TP_BG_PID")
}

tp_kill() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

tp_listening() {
    ss -ltnH "sport = :$1" 2>/dev/null | grep -q .
}

tp_wait_listen() {
    local port=$1 max=${2:-5} i
    for ((i = 0; i < max * 50; i++)); do
        tp_listening "$port" && return 0
        sleep 0.02
    done
    return 1
}

# tp_listen_port ERRFILE : the port `tlsprobe listen 127.0.0.1:0` printed on
# stderr ("listening on ADDR:PORT"), waiting up to 10 s for it; empty if none.
tp_listen_port() {
    local i port=
    for ((i = 0; i < 500; i++)); do
        port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$1")
        [ -n "$port" ] && break
        sleep 0.02
    done
    echo "$port"
}

# tp_s_server ARGS... : openssl s_server on 127.0.0.1, bounded to 20 s (or $TP_SRV_TIMEOUT).
tp_s_server() {
    local try port
    for try in 1 2 3 4 5; do
        port=$(tp_free_port)
        tp_bg timeout "${TP_SRV_TIMEOUT:-20}" openssl s_server -accept "127.0.0.1:$port" -quiet "$@" \
            </dev/null >"$TP_TMP/s_server.$port.log" 2>&1
        TP_SRV_PID=$TP_BG_PID
        if tp_wait_listen "$port" 5; then
            TP_PORT=$port
            return 0
        fi
        tp_kill "$TP_SRV_PID"
    done
    echo "FAIL: could not start openssl s_server $*" >&2
    return 1
}

tp_check() {
    local name=$1 rc=$2
    TP_CHECKS=$((TP_CHECKS + 1))
    if [ "$rc" = 0 ]; then
        echo "ok   - $name"
    else
        echo "FAIL - $name"
        TP_FAILS=$((TP_FAILS + 1))
    fi
}

# tp_expect_exit NAME WANT CMD... ; stdout in $TP_OUT, stderr in $TP_ERR, status in $TP_RC
tp_expect_exit() {
    local name=$1 want=$2
    shift 2
    TP_OUT=$TP_TMP/out.$TP_CHECKS
    TP_ERR=$TP_TMP/err.$TP_CHECKS
    "$@" >"$TP_OUT" 2>"$TP_ERR"
    TP_RC=$?
    if [ "$TP_RC" = "$want" ] || { [ "${TP_ANY_EXIT:-0}" = 1 ] && [ "$TP_RC" -le 1 ]; }; then
        tp_check "$name (exit $want)" 0
    else
        tp_check "$name (exit $TP_RC, want $want)" 1
        echo "  cmd: $*" >&2
        head -c 3000 "$TP_OUT" >&2
        head -c 2000 "$TP_ERR" >&2
    fi
}

# tp_json NAME FILE PYEXPR : j is the first JSON line of FILE; the expression must be true.
tp_json() {
    local name=$1 file=$2 expr=$3
    if python3 - "$file" "$expr" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    line = f.readline()
try:
    j = json.loads(line)
except Exception as e:
    print("  not JSON:", e, line[:300], file=sys.stderr); sys.exit(1)
def ids(j):
    return [f.get("id") for f in j.get("findings", [])]
def hs(j, d=None):
    return [m.get("type") for m in j.get("messages", []) if d is None or m.get("dir") == d]
ok = eval(sys.argv[2])
if not ok:
    print("  expression false:", sys.argv[2], file=sys.stderr)
    print("  findings:", ids(j), "messages:", hs(j), file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
    then
        tp_check "$name" 0
    else
        tp_check "$name" 1
    fi
}

# tp_tshark PCAP ARGS...: tshark -r PCAP ARGS... with TLS decoded on every port a
# SYN went to and DTLS on every port a DTLS ClientHello went to; without it a
# session from or to a port tshark gives another protocol shows no TLS at all.
# Bounded to 60 s.
tp_tshark() {
    local pcap=$1 dec
    shift
    mapfile -t dec < <(python3 "$TP_SRC/tests/integration/tshark_tls.py" "$pcap" 2>/dev/null)
    timeout 60 tshark -r "$pcap" "${dec[@]}" "$@"
}

# tp_tcpdump PCAP FILTER: tcpdump on lo writing PCAP (packet-buffered), bounded
# to 60 s. It returns once tcpdump says "listening on", which it prints after its
# filter is set, so nothing sent after is missed (up to 10 s; 1 if it never
# does). A file with its header is not yet a capture that is armed. Sets TP_TD_PID.
tp_tcpdump() {
    local pcap=$1 i
    shift
    tp_bg timeout 60 tcpdump -i lo -n -U --immediate-mode -s 0 -w "$pcap" "$@" 2>"$pcap.tcpdump.log"
    TP_TD_PID=$TP_BG_PID
    for ((i = 0; i < 200; i++)); do
        grep -q "listening on" "$pcap.tcpdump.log" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# tp_tcpdump_stop PCAP: stop tp_tcpdump's capture once PCAP has not grown for
# 0.3 s (a loaded machine may still be writing the last packets; up to 6 s).
tp_tcpdump_stop() {
    local pcap=$1 last=-1 size i
    for ((i = 0; i < 20; i++)); do
        sleep 0.3
        size=$(stat -c %s "$pcap" 2>/dev/null || echo 0)
        [ "$size" = "$last" ] && break
        last=$size
    done
    tp_kill "$TP_TD_PID"
}

tp_finish() {
    echo "# $TP_CHECKS checks, $TP_FAILS failed"
    [ "$TP_FAILS" = 0 ]
}

# connect honours https_proxy/HTTPS_PROXY/all_proxy/ALL_PROXY and NO_PROXY as curl
# does: tests talk to local peers directly unless they set a proxy themselves.
unset https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
