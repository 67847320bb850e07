#!/usr/bin/env bash
# listen's after-handshake behaviour, documented and switchable (issue 17):
# an HTTP/1.1 request gets a 200, HTTP/2 (ALPN h2, the help's own --alpn
# h2,http/1.1) is asked for HTTP/1.1 and curl retries; --no-http answers nothing;
# --linger sets how long listen waits for the request or the close.
. "$(dirname "$0")/lib.sh"

GOOD=(--cert "$PKI/good-fullchain.pem" --key "$PKI/good.key")
N=0
listen_start() { # ARGS... -> LPORT LPID LOUT
  N=$((N + 1)); LOUT=$TP_TMP/l$N.out; LERR=$TP_TMP/l$N.err
  tp_bg timeout 20 "$TLSPROBE" listen 127.0.0.1:0 "${GOOD[@]}" --format json --timeout 5 "$@" > "$LOUT" 2> "$LERR"
  LPID=$TP_BG_PID; LPORT=
  for _ in $(seq 250); do
    LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$LERR"); [ -n "$LPORT" ] && return 0; sleep 0.02
  done
  return 1
}
CURL() { timeout 10 curl -sS --cacert "$PKI/root.pem" --resolve "server.test:$LPORT:127.0.0.1" "$@" "https://server.test:$LPORT/"; }

listen_start --alpn h2,http/1.1 --count 2
body=$(CURL 2>"$TP_TMP/curl1.err")
case "$body" in "tlsprobe listen: TLS handshake OK"*) r=0 ;; *) r=1 ;; esac
tp_check "curl with ALPN h2 gets an answer (asked to use HTTP/1.1, it retries): '$body'" $r
wait "$LPID"
python3 - "$LOUT" <<'EOF'
import json, sys
alpn = [o["alpn"] for o in map(json.loads, open(sys.argv[1])) if o["type"] == "session"]
sys.exit(0 if sorted(alpn) == ["h2", "http/1.1"] else print(alpn) or 1)
EOF
tp_check "two sessions: h2 and http/1.1" $?

listen_start --count 1 --no-http
CURL --http1.1 > "$TP_TMP/body2" 2> "$TP_TMP/curl2.err"
rc=$?
[ "$rc" = 52 ] && [ ! -s "$TP_TMP/body2" ]; tp_check "--no-http: no answer (curl exit $rc, empty reply)" $?
wait "$LPID"
tp_json "--no-http: the handshake itself is fine" "$LOUT" 'j["handshake_complete"] and ids(j) == []'

# A client that stays connected and silent: the report comes after --linger.
linger_run() { # LINGER_ARGS... -> seconds from the client's connect to listen's exit
  listen_start --count 1 "$@"
  ( sleep 4 | timeout 6 openssl s_client -connect "127.0.0.1:$LPORT" -quiet > /dev/null 2>&1 ) &
  local client=$! t0 t1
  TP_PIDS+=("$client")
  t0=$(date +%s.%N)
  wait "$LPID"
  t1=$(date +%s.%N)
  python3 -c "print('%.3f' % ($t1 - $t0))"
}
lt() { python3 -c "import sys; sys.exit(0 if $1 else 1)"; }
T0=$(linger_run --linger 0)
T1=$(linger_run)
T2=$(linger_run --linger=2.5)
echo "# report after: --linger 0 ${T0}s, default ${T1}s, --linger 2.5 ${T2}s"
# Each time is the handshake (slow under ASan on a busy machine) plus the linger, so
# the lingers are judged by the differences; the silent client hangs up after 4 s.
lt "$T0 < 3.5"; tp_check "--linger 0: reported before the client hangs up (${T0}s)" $?
lt "0.6 <= $T1 - $T0 < 1.7"; tp_check "default linger 1 s ($T1 s - $T0 s)" $?
lt "2.0 <= $T2 - $T0 < 3.2"; tp_check "--linger 2.5 ($T2 s - $T0 s)" $?
tp_expect_exit "--linger -1 refused" 2 "$TLSPROBE" listen 0 "${GOOD[@]}" --linger -1
tp_expect_exit "--linger x refused" 2 "$TLSPROBE" listen 0 "${GOOD[@]}" --linger=x
tp_finish
