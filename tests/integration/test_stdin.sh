#!/usr/bin/env bash
# '-' is standard input (issue 17): inspect -, check --chain - / --key - (one
# combined PEM may feed both), pcap - from a file and from a live tcpdump pipe.
. "$(dirname "$0")/lib.sh"

tp_expect_exit "inspect - (PEM)" 0 sh -c "\"$TLSPROBE\" inspect - --format json < \"$PKI/good-fullchain.pem\""
tp_json "inspect -: two certificates" "$TP_OUT" 'j["file"] == "(standard input)" and len(j["objects"]) == 2'
tp_expect_exit "inspect - and a file" 0 sh -c "\"$TLSPROBE\" inspect \"$PKI/good.key\" - < \"$PKI/good.pem\""
grep -q "certificate 1 in (standard input)" "$TP_OUT"; tp_check "inspect: key paired with the certificate from stdin" $?
tp_expect_exit "inspect - empty" 2 sh -c "\"$TLSPROBE\" inspect - < /dev/null"
[ "$(wc -l < "$TP_ERR")" = 1 ]; tp_check "inspect - empty: one line" $?

tp_expect_exit "check --chain - --key - (one PEM)" 0 sh -c "cat \"$PKI/good-fullchain.pem\" \"$PKI/good.key\" | \
  \"$TLSPROBE\" check --chain - --key - --host localhost --cafile \"$PKI/root.pem\" --format json"
tp_json "check stdin: key matches, no finding" "$TP_OUT" 'j["key_matches"] is True and ids(j) == []'
tp_expect_exit "check --key - wrong key" 1 sh -c "\"$TLSPROBE\" check --chain \"$PKI/good-fullchain.pem\" --key - \
  --cafile \"$PKI/root.pem\" --format json < \"$PKI/other-root.key\""
tp_json "check stdin: mismatch found" "$TP_OUT" '"key-mismatch" in ids(j)'

CAP=$TP_FIXTURES/captures/tls13-good.pcap
tp_expect_exit "pcap - from a file" 0 sh -c "\"$TLSPROBE\" pcap - --keylog \"$TP_FIXTURES/captures/tls13-good.keylog\" \
  --cafile \"$PKI/root.pem\" --format json --no-summary < \"$CAP\""
tp_json "pcap -: the session, decrypted" "$TP_OUT" 'j["server_name"] == "server.test" and "Certificate" in hs(j)'
tp_expect_exit "pcap - - refused" 2 "$TLSPROBE" pcap - -

# Live: tcpdump writes to a pipe, tlsprobe decodes as packets come.
if command -v tcpdump >/dev/null; then
  tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem"
  OUT=$TP_TMP/live.json
  # tcpdump's pid (through timeout, which passes SIGTERM on) from its subshell.
  ( ( echo "$BASHPID" > "$TP_TMP/td.pid"; exec timeout 15 tcpdump -i lo -n -U --immediate-mode -w - \
        "tcp port $TP_PORT" 2>/dev/null ) |
      timeout 20 "$TLSPROBE" pcap - --cafile "$PKI/root.pem" --format json --no-summary > "$OUT" 2> "$TP_TMP/live.err" ) &
  PIPE=$!
  TP_PIDS+=("$PIPE")
  sleep 1.5  # tcpdump arms its capture after writing the header
  # On a loaded machine tcpdump may arm later still: a connection made before is
  # not seen, so connect again (s_server takes several) until a session is out.
  # The session is printed as its connection ends, while tcpdump still runs.
  for _ in 1 2 3 4 5; do
    "$TLSPROBE" connect "127.0.0.1:$TP_PORT" --servername localhost --cafile "$PKI/root.pem" > /dev/null
    for _ in $(seq 40); do [ -s "$OUT" ] && break; sleep 0.05; done
    [ -s "$OUT" ] && break
  done
  [ -s "$OUT" ] || { echo "  no session from the pipe; tlsprobe said:" >&2; cat "$TP_TMP/live.err" >&2; }
  tp_json "tcpdump -w - | tlsprobe pcap -: session printed while capturing" "$OUT" \
    'j["server_name"] == "localhost" and j["handshake_complete"] and ids(j) == []'
  tp_kill "$(cat "$TP_TMP/td.pid")"
  wait "$PIPE" 2>/dev/null
  tp_kill "$TP_SRV_PID"
fi
tp_finish
