#!/usr/bin/env bash
# Keys kept on failure (issue 17): whenever the probe's own secrets exist they go
# to --keylog and decrypt the transcript, also when the handshake fails: a TLS 1.2
# server that refuses us after our Finished (s_client writes the key there too),
# a TLS 1.3 server that wants a client certificate, and listen when a TLS 1.3
# client rejects our certificate.
. "$(dirname "$0")/lib.sh"

ROOT=(--cafile "$PKI/root.pem")
NEED_CERT=(-Verify 1 -verify_return_error -CAfile "$PKI/root.pem")

# ---- connect, TLS 1.2, client certificate required, none sent ----
tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem" -tls1_2 "${NEED_CERT[@]}"
KL=$TP_TMP/c12.keys
tp_expect_exit "TLS 1.2 refused after our Finished" 1 "$TLSPROBE" connect "127.0.0.1:$TP_PORT" --servername localhost \
  "${ROOT[@]}" --format json --timeout 5 --keylog "$KL"
grep -q "^CLIENT_RANDOM [0-9a-f]\{64\} [0-9a-f]\{96\}$" "$KL"; tp_check "TLS 1.2 failure: CLIENT_RANDOM written" $?
tp_json "TLS 1.2 failure: our Finished decrypted, nothing missing" "$TP_OUT" \
  '"Finished" in hs(j,"c2s") and not j["keys_missing"] and "client-cert-required" in ids(j)'
tp_kill "$TP_SRV_PID"
# The key log decrypts a capture too: the same run written as a pcap.
tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem" -tls1_2 "${NEED_CERT[@]}"
"$TLSPROBE" connect "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --timeout 5 \
  --keylog "$TP_TMP/c12b.keys" --write-pcap "$TP_TMP/c12.pcap" > /dev/null
tp_expect_exit "TLS 1.2 failure: pcap + key log" 1 "$TLSPROBE" pcap "$TP_TMP/c12.pcap" --keylog "$TP_TMP/c12b.keys" \
  "${ROOT[@]}" --format json --no-summary
tp_json "TLS 1.2 failure: the capture's client Finished decrypted" "$TP_OUT" '"Finished" in hs(j,"c2s") and not j["keys_missing"]'
tp_kill "$TP_SRV_PID"

# ---- connect, TLS 1.3, client certificate required (the refusal comes after the handshake) ----
tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem" -tls1_3 "${NEED_CERT[@]}"
KL=$TP_TMP/c13.keys
tp_expect_exit "TLS 1.3 refused (certificate_required)" 1 "$TLSPROBE" connect "127.0.0.1:$TP_PORT" \
  --servername localhost "${ROOT[@]}" --format json --timeout 5 --keylog "$KL"
for l in CLIENT_HANDSHAKE_TRAFFIC_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET CLIENT_TRAFFIC_SECRET_0 SERVER_TRAFFIC_SECRET_0; do
  grep -q "^$l " "$KL"; tp_check "TLS 1.3 failure: $l written" $?
done
tp_kill "$TP_SRV_PID"

# ---- listen, TLS 1.3, the client rejects our certificate ----
LOUT=$TP_TMP/listen.out
KL=$TP_TMP/l13.keys
tp_bg timeout 20 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" --count 1 \
  --format json --timeout 5 --keylog "$KL" > "$LOUT" 2> "$TP_TMP/listen.err"
LPID=$TP_BG_PID
for _ in $(seq 250); do
  LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$TP_TMP/listen.err"); [ -n "$LPORT" ] && break; sleep 0.02
done
timeout 10 openssl s_client -connect "127.0.0.1:$LPORT" -tls1_3 -verify_return_error -CAfile "$PKI/other-root.pem" \
  < /dev/null > /dev/null 2>&1
wait "$LPID"
tp_json "listen: the client's unknown_ca seen" "$LOUT" '"unknown_ca" in [m.get("name") for m in j["messages"] if m["type"] == "Alert" and m["dir"] == "c2s"]'
for l in CLIENT_HANDSHAKE_TRAFFIC_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET; do
  grep -q "^$l " "$KL"; tp_check "listen TLS 1.3 failure: $l written" $?
done
tp_finish
