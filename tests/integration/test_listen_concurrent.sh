#!/usr/bin/env bash
# tlsprobe listen with 50 concurrent clients, 10 of which connect and stay silent:
# every good client is served and reported without waiting for the silent ones,
# the silent ones end in timeout, output never interleaves, total time bounded.
. "$(dirname "$0")/lib.sh"
is() { if eval "$1"; then echo 0; else echo 1; fi; }

GOOD=40
SILENT=10
TMO=5
OUT=$TP_TMP/listen.out
ERR=$TP_TMP/listen.err
t0=$(date +%s.%N)
tp_bg timeout 60 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
    --format json --timeout "$TMO" --count $((GOOD + SILENT)) >"$OUT" 2>"$ERR"
LPID=$TP_BG_PID
PORT=
for ((i = 0; i < 500; i++)); do
    PORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$ERR")
    [ -n "$PORT" ] && break
    sleep 0.02
done
tp_check "listen started" "$(is '[ -n "$PORT" ]')"

# The clients: python's ssl module (OpenSSL) in threads, so 40 handshakes really
# overlap; the silent sockets connect first and hold their connection open.
timeout 60 python3 - "$PORT" "$PKI/root.pem" "$GOOD" "$SILENT" "$TMO" >"$TP_TMP/clients.out" 2>&1 <<'EOF'
import socket, ssl, sys, threading, time
port, ca, good, silent, tmo = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
held = []
for _ in range(silent):
    s = socket.create_connection(("127.0.0.1", port)); held.append(s)
ctx = ssl.create_default_context(cafile=ca)
ok, errs, lock = [0], [], threading.Lock()
times = []
def one(i):
    t = time.time()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
            with ctx.wrap_socket(raw, server_hostname="server.test") as s:
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                s.recv(100)
        with lock:
            ok[0] += 1; times.append(time.time() - t)
    except Exception as e:
        with lock: errs.append(repr(e))
th = [threading.Thread(target=one, args=(i,)) for i in range(good)]
for t in th: t.start()
for t in th: t.join()
print("ok", ok[0], "max_s %.2f" % max(times or [0]), "errors", errs[:3])
time.sleep(tmo + 1.5)   # keep the silent ones open past the server's deadline
for s in held: s.close()
EOF
wait "$LPID"
LRC=$?
t1=$(date +%s.%N)
el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
cat "$TP_TMP/clients.out"
tp_check "all $GOOD good clients completed their handshake" "$(is 'grep -q "^ok $GOOD " "$TP_TMP/clients.out"')"
mx=$(sed -n 's/.*max_s \([0-9.]*\).*/\1/p' "$TP_TMP/clients.out")
tp_check "no good client waited for the silent ones (slowest ${mx}s < ${TMO}s)" "$(is 'awk -v m="$mx" -v t="$TMO" "BEGIN{exit !(m < t)}"')"
tp_check "listen stopped by itself after $((GOOD + SILENT)) clients (exit $LRC, 1: timeouts are errors)" "$(is '[ $LRC = 1 ]')"
tp_check "total time bounded (${el}s < 20s)" "$(is 'awk -v e="$el" "BEGIN{exit !(e < 20)}"')"

python3 - "$OUT" "$GOOD" "$SILENT" >"$TP_TMP/check.out" 2>&1 <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
good, silent = int(sys.argv[2]), int(sys.argv[3])
js = [json.loads(l) for l in lines]          # raises if two sessions interleaved
assert js and js[-1]["type"] == "summary" and js[-1]["source"] == "listen" and js[-1]["sessions"] == good + silent, js[-1:]
js = js[:-1]                                  # the summary object closes the output
complete = [j for j in js if j["handshake_complete"]]
timeouts = [j for j in js if "timeout" in [f["id"] for f in j["findings"]]]
first_timeout = min([i for i, j in enumerate(js) if j in timeouts] or [len(js)])
print("lines", len(js), "complete", len(complete), "timeouts", len(timeouts), "first_timeout_at", first_timeout)
ok = (len(js) == good + silent and len(complete) == good and len(timeouts) == silent
      and first_timeout >= good and all(j["outcome"]["status"] == "timeout" for j in timeouts)
      and len({j["client"] for j in js}) == good + silent)
sys.exit(0 if ok else 1)
EOF
rc=$?
cat "$TP_TMP/check.out"
tp_check "$((GOOD + SILENT)) JSON lines, none interleaved; $GOOD complete, reported before the $SILENT timeouts" "$rc"
tp_check "summary counts the timeouts" "$(is 'grep -q "^summary: $((GOOD + SILENT)) clients, $GOOD handshakes completed" "$ERR" && grep -q "timeout .* x$SILENT" "$ERR"')"
tp_finish
