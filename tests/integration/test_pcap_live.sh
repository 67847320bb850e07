#!/usr/bin/env bash
# Live captures made now: tcpdump (--immediate-mode) on lo of an openssl s_server /
# s_client session decoded by 'pcap'; 'sniff -i lo' on the same kind of session; the
# probe's own 'connect --write-pcap' output read back (same messages as connect
# printed); and the clear message when capturing is not permitted.
set -uo pipefail
T=${TLSPROBE:?}
PKI=${TP_FIXTURES:?}/pki
W=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
skip() { echo "skip $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 200); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
server() { # PORT NACCEPT EXTRA...
  local port=$1 n=$2; shift 2
  timeout 20 openssl s_server -accept "127.0.0.1:$port" -naccept "$n" -cert "$PKI/good.pem" -cert_chain "$PKI/int.pem" \
    -key "$PKI/good.key" -www "$@" >"$W/server.$port.log" 2>&1 &
  PIDS+=($!)
  wait_for ACCEPT "$W/server.$port.log" || bad "s_server did not start"
}
client() { # PORT KEYLOG EXTRA...
  local port=$1 kl=$2; shift 2
  { printf 'GET / HTTP/1.0\r\n\r\n'; sleep 0.3; } | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
    -servername server.test -CAfile "$PKI/root.pem" -ign_eof -keylogfile "$kl" "$@" >/dev/null 2>&1
}

can_capture=1
command -v tcpdump >/dev/null || can_capture=0
# The seccomp filter is off in an AddressSanitizer build (src/capture/sandbox.c).
confined=1
{ [ -n "${ASAN_OPTIONS:-}" ] || nm "$T" 2>/dev/null | grep __asan_init > /dev/null; } && confined=0
[ "$(id -u)" = 0 ] || can_capture=0

# 1. tcpdump capture of a TLS 1.3 session and a TLS 1.2 session on a non-TLS port number.
if [ $can_capture = 1 ]; then
  P=$(free_port)
  timeout 30 tcpdump -i lo --immediate-mode -U -s 0 -w "$W/live.pcap" "tcp port $P" 2>"$W/tcpdump.log" &
  TPID=$!; PIDS+=($TPID)
  wait_for "listening on" "$W/tcpdump.log" || bad "tcpdump did not start"
  server "$P" 2
  client "$P" "$W/live.keylog" -tls1_3
  client "$P" "$W/live.keylog" -tls1_2
  sleep 0.5
  kill -INT $TPID; wait $TPID 2>/dev/null
  "$T" pcap "$W/live.pcap" --keylog "$W/live.keylog" --cafile "$PKI/root.pem" --format json >"$W/live.json" 2>"$W/live.err"
  rc=$?
  [ $rc = 0 ] && ok "live pcap: exit 0" || bad "live pcap: exit $rc $(cat "$W/live.err")"
  python3 - "$W/live.json" <<'EOF' && ok "live pcap: 2 sessions, 1.3 decrypted, 1.2 chain, verified" || bad "live pcap json"
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
s = [l for l in L if l["type"] == "session"]
assert len(s) == 2, len(s)
v = sorted(o["version"] for o in s)
assert v == ["TLS 1.2", "TLS 1.3"], v
for o in s:
    t = [m["type"] for m in o["messages"]]
    assert "Certificate" in t, t
    assert o["server_verification"]["status"] == "ok", o["server_verification"]
    assert o["handshake_complete"], o
    assert o["findings"] == [], o["findings"]
assert L[-1]["sessions"] == 2
EOF
else
  skip "tcpdump capture (needs root and tcpdump)"
fi

# 2. sniff -i lo: one session, --count 1 stops it; JSON line + summary.
if [ $can_capture = 1 ]; then
  P=$(free_port)
  timeout 30 "$T" sniff -i lo --filter "tcp port $P" --count 1 --cafile "$PKI/root.pem" --format json \
    >"$W/sniff.json" 2>"$W/sniff.err" &
  SPID=$!; PIDS+=($SPID)
  wait_for "sniffing on lo" "$W/sniff.err" || bad "sniff did not start: $(cat "$W/sniff.err")"
  # Least privilege (issue 23): started as root, it reads packets as nobody, confined.
  TPPID=$(pgrep -P "$SPID" | head -1)
  st=$(cat "/proc/$TPPID/status" 2>/dev/null)
  if echo "$st" | grep -qP '^Uid:\t65534\t65534\t65534\t65534' && echo "$st" | grep -qP '^Gid:\t65534' &&
     echo "$st" | grep -qP '^Groups:\t(65534 ?)?$'; then ok "sniff: root given up (uid/gid 65534, no other groups)"
  else bad "sniff: still privileged: $(echo "$st" | grep -E '^(Uid|Gid|Groups)')"; fi
  if [ $confined = 0 ]; then skip "sniff seccomp (AddressSanitizer build: unconfined by design)"
  elif grep -q '^Seccomp:' <<<"$st"; then
    echo "$st" | grep -qP '^Seccomp:\t2' && ok "sniff: decoding under a seccomp filter" || bad "sniff: no seccomp filter: $(echo "$st" | grep Seccomp)"
  fi
  sleep 0.3
  server "$P" 1
  client "$P" "$W/sniff.keylog" -tls1_2
  wait $SPID; rc=$?
  [ $rc = 0 ] && ok "sniff: exit 0 after --count 1" || bad "sniff: exit $rc: $(cat "$W/sniff.err")"
  python3 - "$W/sniff.json" <<'EOF' && ok "sniff: one TLS 1.2 session and a summary" || bad "sniff json: $(cat "$W/sniff.json")"
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
assert len(L) == 2 and L[0]["version"] == "TLS 1.2" and L[0]["source"] == "sniff", L
assert L[1]["type"] == "summary" and L[1]["source"] == "sniff" and L[1]["sessions"] == 1
EOF
  # SIGINT stops a sniff that saw nothing; exit 0 and a summary.
  "$T" sniff -i lo --filter "tcp port 1" >"$W/int.out" 2>"$W/int.err" &
  SPID=$!; PIDS+=($SPID)
  wait_for "sniffing on lo" "$W/int.err"
  kill -INT $SPID
  wait $SPID; rc=$?
  [ $rc = 0 ] && grep -q "^summary: 0 TLS sessions" "$W/int.err" && ok "sniff: SIGINT -> summary, exit 0" \
    || bad "sniff SIGINT: exit $rc $(cat "$W/int.err")"
fi

# -Z: an unknown user is a clear line and exit 2, before any packet.
if [ $can_capture = 1 ]; then
  "$T" sniff -i lo -Z no-such-user-tp >/dev/null 2>"$W/z.err"; rc=$?
  [ $rc = 2 ] && grep -q "no user 'no-such-user-tp'" "$W/z.err" && [ "$(grep -vc '^sniffing' "$W/z.err")" = 1 ] \
    && ok "sniff -Z unknown user: $(grep -v '^sniffing' "$W/z.err")" || bad "sniff -Z unknown user: exit $rc $(cat "$W/z.err")"
fi

# pcap decodes confined too: seen in /proc while it waits for the rest of its input.
mkfifo "$W/fifo"
"$T" pcap - --format json <"$W/fifo" >"$W/fifo.json" 2>"$W/fifo.err" &
FPID=$!; PIDS+=($FPID)
exec 8>"$W/fifo"
head -c 24 "$TP_FIXTURES/captures/tls13-good.pcap" >&8
sleep 0.5
if [ $confined = 0 ]; then skip "pcap seccomp (AddressSanitizer build: unconfined by design)"
elif grep -q '^Seccomp:' "/proc/$FPID/status" 2>/dev/null; then
  grep -qP '^Seccomp:\t2' "/proc/$FPID/status" && ok "pcap: decoding under a seccomp filter" \
    || bad "pcap: no seccomp filter: $(grep Seccomp "/proc/$FPID/status")"
fi
tail -c +25 "$TP_FIXTURES/captures/tls13-good.pcap" >&8
exec 8>&-
wait $FPID; rc=$?
"$T" pcap "$TP_FIXTURES/captures/tls13-good.pcap" --format json >"$W/direct.json" 2>/dev/null
diff <(grep -v '"type":"summary"' "$W/fifo.json") <(grep -v '"type":"summary"' "$W/direct.json") >/dev/null \
  && ok "pcap confined: the same session as unconfined reading of the file (exit $rc)" \
  || bad "pcap confined differs: $(head -c 300 "$W/fifo.err")"

# 3. Not permitted: a clear line and exit 2 (run without capabilities as nobody).
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
  setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
    "$T" sniff -i lo >"$W/perm.out" 2>"$W/perm.err"
  rc=$?
  if [ $rc = 2 ] && grep -q "needs root or the CAP_NET_RAW capability" "$W/perm.err" && [ "$(wc -l <"$W/perm.err")" = 1 ]; then
    ok "sniff without permission: $(cat "$W/perm.err")"
  else bad "sniff without permission: exit $rc: $(cat "$W/perm.err")"; fi
else
  skip "permission test (needs setpriv and root to drop privileges)"
fi
"$T" sniff -i no-such-iface0 >/dev/null 2>"$W/nodev.err"; rc=$?
[ $rc = 2 ] && grep -q "no-such-iface0" "$W/nodev.err" && ok "sniff unknown interface: $(cat "$W/nodev.err")" \
  || bad "sniff unknown interface: exit $rc $(cat "$W/nodev.err")"
"$T" sniff >/dev/null 2>"$W/noi.err"; rc=$?
[ $rc = 2 ] && ok "sniff without -i: exit 2" || bad "sniff without -i: $rc"

# 4. connect --write-pcap: read the file back, same messages as connect printed.
P=$(free_port)
server "$P" 1
"$T" connect "127.0.0.1:$P" --servername server.test --cafile "$PKI/root.pem" --write-pcap "$W/probe.pcap" \
  --keylog "$W/probe.keylog" --format json >"$W/probe-connect.json" 2>"$W/probe.err"
rc=$?
if [ -s "$W/probe.pcap" ]; then
  "$T" pcap "$W/probe.pcap" --keylog "$W/probe.keylog" --cafile "$PKI/root.pem" --format json >"$W/probe-pcap.json" 2>>"$W/probe.err"
  python3 - "$W/probe-connect.json" "$W/probe-pcap.json" <<'EOF' && ok "write-pcap read back: same messages as connect" || bad "write-pcap: $(cat "$W/probe.err")"
import json, sys
a = json.loads(open(sys.argv[1]).readline())
b = [json.loads(l) for l in open(sys.argv[2])]
b = [o for o in b if o["type"] != "summary"]
assert len(b) == 1, len(b)
b = b[0]
ta = [(m["dir"], m["type"]) for m in a["messages"]]
tb = [(m["dir"], m["type"]) for m in b["messages"]]
assert ta == tb, (ta, tb)
assert a["version"] == b["version"] and a["cipher"] == b["cipher"]
assert b["source"] == "pcap" and a["server_name"] == b["server_name"]
EOF
  if command -v tshark >/dev/null; then
    n=$(tshark -r "$W/probe.pcap" -Y tls.handshake -d "tcp.port==$P,tls" 2>/dev/null | wc -l)
    [ "$n" -ge 2 ] && ok "write-pcap: tshark sees $n handshake packets" || bad "write-pcap: tshark sees $n"
  fi
else
  skip "connect --write-pcap produced no file (connect exit $rc: $(head -2 "$W/probe.err"))"
fi

[ $fails = 0 ] && echo "all live capture checks passed" || echo "$fails failed"
exit $((fails > 0))
