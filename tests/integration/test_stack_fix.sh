#!/usr/bin/env bash
# --stack on connect, listen and check (issue 16): each finding also gets the fix
# for one stack, right for the side the command speaks for (connect and check: a
# client's view, RootCAs; listen: the server's, ClientCAs). The missing-IP-SAN fix
# says IP:ADDR. Real peers on 127.0.0.1 (openssl s_server / s_client); every
# server is bounded by timeout and killed by PID.
. "$(dirname "$0")/lib.sh"

# check: a chain without an IP SAN, checked for an IP address.
tp_expect_exit "check, IP host not covered" 1 "$TLSPROBE" check --chain "$PKI/wronghost-fullchain.pem" \
    --cafile "$PKI/root.pem" --host 127.0.0.1 --stack go --format json
tp_json "check: fix says IP:127.0.0.1, not DNS" "$TP_OUT" \
    '[f for f in j["findings"] if f["id"] == "hostname-mismatch" and "subjectAltName=IP:127.0.0.1" in f["fix"] and "DNS:NAME" not in f["fix"] and "IP:ADDR" in f["stack_fix"]]'
tp_expect_exit "check, DNS host not covered" 1 "$TLSPROBE" check --chain "$PKI/wronghost-fullchain.pem" \
    --cafile "$PKI/root.pem" --host localhost --format json
tp_json "check: a DNS name keeps DNS:NAME, no stack_fix without --stack" "$TP_OUT" \
    '[f for f in j["findings"] if f["id"] == "hostname-mismatch" and "DNS:NAME" in f["fix"] and f.get("stack_fix") is None]'
tp_expect_exit "check --stack python, leaf only" 1 "$TLSPROBE" check --chain "$PKI/good.pem" \
    --cafile "$PKI/root.pem" --host localhost --stack python
grep -q 'fix for python (on the client side)' "$TP_OUT" && grep -q 'create_default_context' "$TP_OUT"
tp_check "check text: python fix" $?
tp_expect_exit "check --stack bogus" 2 "$TLSPROBE" check --chain "$PKI/good.pem" --stack cobol

# connect: an untrusted server, Go fix for the client (RootCAs).
tp_s_server -cert "$PKI/rogue-leaf.pem" -key "$PKI/rogue-leaf.key"
tp_expect_exit "connect --stack go, unknown authority" 1 "$TLSPROBE" connect "127.0.0.1:$TP_PORT" --servername localhost \
    --cafile "$PKI/root.pem" --timeout 5 --stack go --format json
tp_json "connect: Go fix names RootCAs" "$TP_OUT" \
    '[f for f in j["findings"] if f["id"] in ("unknown-authority", "self-signed") and "RootCAs" in (f.get("stack_fix") or "") and "ClientCAs" not in f["stack_fix"]]'
tp_kill "$TP_SRV_PID"
tp_expect_exit "connect --stack bogus" 2 "$TLSPROBE" connect 127.0.0.1:1 --stack cobol

# listen: a client certificate from an unknown CA, Go fix for the server (ClientCAs).
LOUT=$TP_TMP/listen.out
LERR=$TP_TMP/listen.err
tp_bg timeout 20 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
    --client-ca "$PKI/root.pem" --count 1 --timeout 5 --stack go --format json >"$LOUT" 2>"$LERR"
LPID=$TP_BG_PID
LPORT=
for ((i = 0; i < 500; i++)); do
    LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$LERR")
    [ -n "$LPORT" ] && break
    sleep 0.02
done
timeout 10 openssl s_client -connect "127.0.0.1:$LPORT" -cert "$PKI/client-rogue.pem" -key "$PKI/client-rogue.key" \
    -CAfile "$PKI/root.pem" </dev/null >/dev/null 2>&1
wait "$LPID"
tp_json "listen: Go fix for the server names ClientCAs" "$LOUT" \
    '[f for f in j["findings"] if f["id"] == "client-cert-rejected" and "ClientCAs: pool" in (f.get("stack_fix") or "")]'

tp_finish
