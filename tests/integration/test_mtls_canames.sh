#!/usr/bin/env bash
# mTLS CA names (issue 16): listen --client-ca names its CAs in the TLS 1.2
# CertificateRequest (openssl s_client prints them); connect and listen show the
# names and compare them with the client certificate's issuer (none offered, or
# one from another CA); a TLS 1.2 client without a required certificate gets a
# handshake_failure alert instead of a silent close. Peers: tlsprobe itself and
# openssl s_client / s_server on 127.0.0.1, each bounded and killed by PID.
. "$(dirname "$0")/lib.sh"

LN=0
listen_start() { # ARGS... : tlsprobe listen on a free port; sets LPORT LPID LOUT
    LN=$((LN + 1))
    LOUT=$TP_TMP/l$LN.out
    local err=$TP_TMP/l$LN.err i
    tp_bg timeout 20 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
        --count 1 --timeout 5 "$@" >"$LOUT" 2>"$err"
    LPID=$TP_BG_PID
    LPORT=
    for ((i = 0; i < 500; i++)); do
        LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$err")
        [ -n "$LPORT" ] && return 0
        sleep 0.02
    done
    return 1
}

# 1. listen --client-ca sends the names (TLS 1.2).
listen_start --client-ca "$PKI/root.pem" --format json
timeout 5 openssl s_client -connect "127.0.0.1:$LPORT" -tls1_2 -CAfile "$PKI/root.pem" -cert "$PKI/client.pem" -cert_chain "$PKI/int.pem" -key "$PKI/client.key" \
    </dev/null >"$TP_TMP/sc1.out" 2>&1
wait "$LPID"
grep -A1 'Acceptable client certificate CA names' "$TP_TMP/sc1.out" | grep -q 'tlsprobe Test Root CA'
tp_check "listen --client-ca: s_client sees the CA name (TLS 1.2)" $?
tp_json "listen: a client certificate from the listed CA is accepted" "$LOUT" \
    '[m["ca_names"] for m in j["messages"] if m["type"] == "CertificateRequest"] == [["CN=tlsprobe Test Root CA,O=tlsprobe"]] and not [f for f in j["findings"] if f["severity"] == "error"]'

# 2. connect with a certificate from another CA: shown and compared.
listen_start --client-ca "$PKI/root.pem" --format json
tp_expect_exit "connect --tls1.2 with a rogue client certificate" 1 "$TLSPROBE" connect "127.0.0.1:$LPORT" --tls1.2 \
    --servername localhost --cafile "$PKI/root.pem" --cert "$PKI/client-rogue.pem" --key "$PKI/client-rogue.key" --format json
wait "$LPID"
tp_json "connect: the CA names, and 'from another CA' with the issuer" "$TP_OUT" \
    '[f for f in j["findings"] if f["id"] == "client-cert-rejected" and "another CA" in f["summary"] and "Rogue Root CA" in f["summary"] and "tlsprobe Test Root CA" in f["explanation"]]'
tp_json "listen: the same comparison from the server's side" "$LOUT" \
    '[f for f in j["findings"] if f["id"] == "client-cert-rejected" and "another CA" in f["summary"]] and "we sent fatal" in j["status_line"]'

# 3. Required, none offered, TLS 1.2: our handshake_failure alert, and the names.
listen_start --client-ca "$PKI/root.pem" --require-client-cert --format json
timeout 5 openssl s_client -connect "127.0.0.1:$LPORT" -tls1_2 </dev/null >"$TP_TMP/sc3.out" 2>&1
wait "$LPID"
grep -q 'alert handshake failure' "$TP_TMP/sc3.out"
tp_check "TLS 1.2, no client certificate: the client gets handshake_failure" $?
tp_json "listen: client-cert-required, offered none although names were listed" "$LOUT" \
    '[f for f in j["findings"] if f["id"] == "client-cert-required" and "offered no certificate" in f["summary"]] and "we sent fatal handshake_failure" in j["status_line"]'

# 4. connect against s_server -Verify with a CA file: the names s_server lists.
tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem" -Verify 1 -verify_return_error \
    -CAfile "$PKI/root.pem" -tls1_2
COLUMNS=300 tp_expect_exit "connect to s_server -Verify without a certificate" 1 "$TLSPROBE" connect "127.0.0.1:$TP_PORT" \
    --servername localhost --cafile "$PKI/root.pem"
grep -q 'CertificateRequest.*accepts CA CN=tlsprobe Test Root CA' "$TP_OUT"
tp_check "connect text: the CertificateRequest line names the CA" $?
tp_kill "$TP_SRV_PID"

tp_finish
