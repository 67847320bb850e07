#!/usr/bin/env bash
# Targets as users write them (issue 17): URLs, host:port, a trailing dot, and
# internationalised names (A-label in SNI and in the name check), against openssl
# s_server on 127.0.0.1; pcap --server/--sni validated with one clear line.
. "$(dirname "$0")/lib.sh"

C() { "$TLSPROBE" connect --format json --timeout 5 "$@"; }
ROOT=(--cafile "$PKI/root.pem")

# A leaf for the IDN name bücher.example (A-label xn--bcher-kva.example), issued
# by the test intermediate.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=idn test" \
  -keyout "$TP_TMP/idn.key" -out "$TP_TMP/idn.csr" 2>/dev/null
printf 'subjectAltName=DNS:xn--bcher-kva.example\nextendedKeyUsage=serverAuth\n' > "$TP_TMP/idn.ext"
openssl x509 -req -in "$TP_TMP/idn.csr" -CA "$PKI/int.pem" -CAkey "$PKI/int.key" -CAcreateserial \
  -CAserial "$TP_TMP/int.srl" -days 2 -extfile "$TP_TMP/idn.ext" -out "$TP_TMP/idn.pem" 2>/dev/null
cat "$TP_TMP/idn.pem" "$PKI/int.pem" > "$TP_TMP/idn-fullchain.pem"

tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem" -naccept 4
tp_expect_exit "URL https://localhost:PORT/path" 0 C "https://localhost:$TP_PORT/some/path?q=1" "${ROOT[@]}"
tp_json "URL: SNI and host are the host alone" "$TP_OUT" 'j["server_name"] == "localhost" and j["host"] == "localhost"'
tp_expect_exit "trailing dot: localhost.:PORT" 0 C "localhost.:$TP_PORT" "${ROOT[@]}"
tp_json "trailing dot: not in SNI, name matches" "$TP_OUT" \
  'j["server_name"] == "localhost" and "hostname-mismatch" not in ids(j)'
tp_expect_exit "--servername localhost." 0 C "127.0.0.1:$TP_PORT" --servername localhost. "${ROOT[@]}"
tp_json "--servername: trailing dot dropped" "$TP_OUT" 'j["server_name"] == "localhost"'
tp_expect_exit "options after the target, --opt=value" 0 "$TLSPROBE" connect "127.0.0.1:$TP_PORT" --format=json \
  --servername=localhost "${ROOT[@]}" --timeout=5
tp_json "options after the target applied" "$TP_OUT" 'j["server_name"] == "localhost"'
tp_kill "$TP_SRV_PID"

tp_s_server -cert "$TP_TMP/idn.pem" -key "$TP_TMP/idn.key" -cert_chain "$PKI/int.pem" -naccept 2
tp_expect_exit "IDN --servername bücher.example" 0 C "127.0.0.1:$TP_PORT" --servername 'bücher.example' "${ROOT[@]}"
tp_json "IDN: A-label sent as SNI, name matches" "$TP_OUT" \
  'j["server_name"] == "xn--bcher-kva.example" and "hostname-mismatch" not in ids(j) and j["host"] == "bücher.example"'
tp_expect_exit "IDN --servername BÜCHER.example." 0 C "127.0.0.1:$TP_PORT" --servername 'BÜCHER.example.' "${ROOT[@]}"
tp_json "IDN: case folded, dot dropped" "$TP_OUT" 'j["server_name"] == "xn--bcher-kva.example"'
tp_kill "$TP_SRV_PID"
# text: the U-label as typed beside the A-label sent
tp_s_server -cert "$TP_TMP/idn.pem" -key "$TP_TMP/idn.key" -cert_chain "$PKI/int.pem" -naccept 1
tp_expect_exit "IDN --servername (text)" 0 "$TLSPROBE" connect --timeout 5 "127.0.0.1:$TP_PORT" \
  --servername 'bücher.example' "${ROOT[@]}" --no-color
grep -q 'SNI xn--bcher-kva.example (bücher.example)' "$TP_OUT"; tp_check "text: SNI A-label (U-label)" $?
tp_kill "$TP_SRV_PID"

# check --host takes the same names.
tp_expect_exit "check --host bücher.example" 0 "$TLSPROBE" check --chain "$TP_TMP/idn-fullchain.pem" \
  --key "$TP_TMP/idn.key" --host 'bücher.example.' "${ROOT[@]}" --format json
tp_json "check: A-label checked, U-label beside it" "$TP_OUT" \
  'j["server_name"] == "xn--bcher-kva.example" and j["host"] == "bücher.example" and j["server_verification"]["name"] == "xn--bcher-kva.example" and "hostname-mismatch" not in ids(j)'

# Refused with one line and exit 2, before any connection.
for bad in 'http://localhost:1/' 'mqtt://localhost' 'localhost/x' '[::1' 'localhost:0' 'localhost:99999' \
           'https://' 'gopher://x'; do
  tp_expect_exit "refused: $bad" 2 "$TLSPROBE" connect "$bad"
  [ "$(wc -l < "$TP_ERR")" = 1 ]; tp_check "refused: $bad: one line" $?
done

# pcap --server / --sni: validated, canonical, and a filter that matches nothing says so.
CAP=$TP_FIXTURES/captures/tls13-good.pcap
SERVER=$("$TLSPROBE" pcap "$CAP" --format json --no-summary | python3 -c 'import json,sys;print(json.loads(sys.stdin.readline())["server"])')
tp_expect_exit "pcap --server ::1:4410 refused" 2 "$TLSPROBE" pcap "$CAP" --server ::1:4410
grep -q '\[::1\]:4410' "$TP_ERR"; tp_check "pcap --server ::1:4410: says [::1]:4410" $?
tp_expect_exit "pcap --server a name refused" 2 "$TLSPROBE" pcap "$CAP" --server localhost:443
tp_expect_exit "pcap --server without port refused" 2 "$TLSPROBE" pcap "$CAP" --server 127.0.0.1
tp_expect_exit "pcap --server [::1]:4410 accepted" 0 "$TLSPROBE" pcap "$CAP" --server '[::0:1]:4410' --no-summary
grep -q 'no TLS session to --server \[::1\]:4410' "$TP_ERR"; tp_check "pcap: no match is said, canonical" $?
tp_expect_exit "pcap --server $SERVER" 0 "$TLSPROBE" pcap "$CAP" --server "$SERVER" --no-summary --format json
tp_json "pcap --server: the session" "$TP_OUT" "j['server'] == '$SERVER'"
tp_expect_exit "pcap --sni SERVER.TEST." 0 "$TLSPROBE" pcap "$CAP" --sni SERVER.TEST. --no-summary --format json
tp_json "pcap --sni: case and dot ignored" "$TP_OUT" 'j["server_name"] == "server.test"'
tp_finish
