#!/usr/bin/env bash
# tlsprobe listen under hostile load, the ~60 s smoke version of
# bench/listen-hostile.sh (issue 23 point 3): 100 concurrent client slots for 35 s,
# half well behaved, half slowloris / garbage / RST mid-flight / 100 KB ClientHello /
# KeyUpdate and renegotiation floods / idle, against `listen --timeout 5`.
# Checked: every attempt reported exactly once (matched by client port), the right
# finding for each kind, every good client served, fd count and RSS flat after
# warm-up (sampled every 3 s). The p99 handshake time of good clients against an
# idle server's is measured and printed, not gated here: the load generator shares
# the 2 cores with the server, so on a busy test machine the ratio measures the
# machine (bench/hostile-results.md has the figures); a loose bound (p99 < 2 s)
# still catches a server that stalls.
. "$(dirname "$0")/lib.sh"
is() { if eval "$1"; then echo 0; else echo 1; fi; }
command -v openssl >/dev/null || { echo "# openssl missing: skip"; exit 0; }

# More silent clients than workers (TP_MAX_LISTEN_WORKERS = 64): 200 connect and
# say nothing; 40 good clients then arrive one every 20 ms. The silent ones wait
# in listen's gate, not in a worker, so no good client waits for their --timeout
# (5 s): before the gate (2026-12-07, main) they waited 15 s (p50), with it 4 ms.
tp_bg timeout 60 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
    --format json --timeout 5 --count 240 >"$TP_TMP/gate.out" 2>"$TP_TMP/gate.err"
GPID=$TP_BG_PID
GPORT=$(tp_listen_port "$TP_TMP/gate.err")
timeout 50 python3 - "$GPORT" >"$TP_TMP/gate.clients" 2>&1 <<'EOF2'
import socket, ssl, sys, threading, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
time.sleep(0.3)
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
ts = []
def one():
    t = time.time()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
            with ctx.wrap_socket(raw) as s:
                ts.append(time.time() - t)
                s.sendall(b"GET / HTTP/1.0\r\n\r\n"); s.recv(100)
    except Exception as e:
        print("error", repr(e))
th = []
for _ in range(40):
    t = threading.Thread(target=one); t.start(); th.append(t); time.sleep(0.02)
for t in th: t.join()
print("good %d max_s %.2f" % (len(ts), max(ts or [99])))
time.sleep(6.5)  # past the server's deadline: the silent ones are reported as timeouts
for s in held: s.close()
EOF2
wait "$GPID"
cat "$TP_TMP/gate.clients"
mx=$(sed -n 's/^good 40 max_s \([0-9.]*\)$/\1/p' "$TP_TMP/gate.clients")
tp_check "gate: 40 good clients served past 200 silent ones, none waited for --timeout (max ${mx:-?} s < 4 s)" \
    "$(is '[ -n "$mx" ] && awk -v m="$mx" "BEGIN{exit !(m < 4)}"')"
tp_check "gate: 240 reports, 40 ok and 200 timeouts" "$(is '[ "$(grep -c "\"status\":\"ok\"" "$TP_TMP/gate.out")" = 40 ] && [ "$(grep -c "\"status\":\"timeout\"" "$TP_TMP/gate.out")" = 200 ]')"

# More clients than workers that finish the handshake and then ask nothing
# (as a KeyUpdate flood does): 100 of them, with --linger 6. A worker that has
# waited 5 ms for its client's request stops counting against the 64, so the
# 100 and 20 good clients that come next are all served at once; before
# (2026-12-07, main) the 65th waited for the first lingering worker's 6 s.
tp_bg timeout 60 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
    --format json --timeout 10 --linger 6 --count 120 >"$TP_TMP/ling.out" 2>"$TP_TMP/ling.err"
LPID2=$TP_BG_PID
LPORT=$(tp_listen_port "$TP_TMP/ling.err")
timeout 50 python3 - "$LPORT" >"$TP_TMP/ling.clients" 2>&1 <<'EOF2'
import socket, ssl, sys, threading, time
port = int(sys.argv[1])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
held, errors, tq = [], [], []
def quiet():
    t = time.time()
    try:
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20))
        tq.append(time.time() - t)
        held.append(s)  # handshake done; ask nothing
    except Exception as e:
        errors.append(repr(e))
th = [threading.Thread(target=quiet) for _ in range(100)]
for t in th: t.start(); time.sleep(0.005)
for t in th: t.join()
time.sleep(0.3)
ts = []
def one():
    t = time.time()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
            with ctx.wrap_socket(raw) as s:
                ts.append(time.time() - t)
                s.sendall(b"GET / HTTP/1.0\r\n\r\n"); s.recv(100)
    except Exception as e:
        errors.append(repr(e))
th = [threading.Thread(target=one) for _ in range(20)]
for t in th: t.start(); time.sleep(0.02)
for t in th: t.join()
print("quiet %d good %d max_s %.2f errors %d %s" % (len(held), len(ts), max(ts + tq or [99]), len(errors), errors[:2]))
for s in held: s.close()
EOF2
wait "$LPID2"
cat "$TP_TMP/ling.clients"
lmx=$(sed -n 's/^quiet 100 good 20 max_s \([0-9.]*\) errors 0 .*$/\1/p' "$TP_TMP/ling.clients")
tp_check "linger: 100 clients that handshake and ask nothing, then 20 good ones: every handshake at once (max ${lmx:-?} s < 3 s)" \
    "$(is '[ -n "$lmx" ] && awk -v m="$lmx" "BEGIN{exit !(m < 3)}"')"
tp_check "linger: 120 reports, all ok" "$(is '[ "$(grep -c "\"status\":\"ok\"" "$TP_TMP/ling.out")" = 120 ]')"

OUT=$TP_TMP/lh
# RSS is judged over the last third: since the gate (2026-12-07) slow clients no
# longer fill the worker pool at once, so the pool (each thread with wolfSSL's
# per-thread caches) grows with the real concurrency through most of a 35 s run
# (the 180 s and 600 s bench runs flatten after ~100 s and keep the last half).
TLSPROBE=$TLSPROBE SAMPLE_S=3 IDLE_S=5 NICE=0 CHECK_ARGS="--no-p99-gate --warmup 0.67" \
    timeout 150 bash "$TP_SRC/bench/listen-hostile.sh" "${TP_HOSTILE_CLIENTS:-100}" "${TP_HOSTILE_SECONDS:-35}" 5 "$OUT" \
    >"$TP_TMP/bench.out" 2>&1
rc=$?
grep '^#' "$TP_TMP/bench.out"
tp_check "listen-hostile.sh smoke: every check passed (exit $rc)" "$rc"
if [ "$rc" != 0 ]; then
    cat "$OUT/check.json" 2>/dev/null | head -c 4000
fi
C=$OUT/check.json
if [ -s "$C" ]; then
    python3 - "$C" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
print("# per kind:", json.dumps(j["per_kind"]))
print("# good p99 %s ms, idle p99 %s ms, ratio %s; server-side %s" % (
    j["good_hs_ms"]["p99"], j.get("idle_p99_ms"), j.get("p99_ratio"), json.dumps(j["server_side_hs_ms"])))
print("# rss", j.get("rss_kb"), "fds", j.get("fds"))
EOF
    tp_json "every kind ran (8 kinds + the idle baseline)" "$C" 'all(k in j["per_kind"] for k in ["good","idlegood","garbage","rst","bigch","slowloris","idle","keyupdate","reneg"])'
    tp_json "good p99 < 2 s (sanity; the 2x-idle figure is in bench/)" "$C" 'j["good_hs_ms"]["p99"] < 2000'
else
    tp_check "check.json written" 1
fi
tp_finish
