#!/usr/bin/env bash
# explain knows who is speaking (issue 16): the side that printed a message, who
# rejected whom, alert names, hosts and ports from the message's own fields, and
# fixes per stack (--stack). Messages come from real peers on 127.0.0.1: a small
# Go program (tests/integration/peers/gopeer.go, standard library only, built
# with GO111MODULE=off when golang-go is installed), openssl s_server/s_client,
# curl and gnutls-cli. Every server is bounded by a timeout and killed by PID.
. "$(dirname "$0")/lib.sh"
J="--format json"

# explain_json NAME JSON-EXPR MESSAGE [explain options...]
xj() {
    local name=$1 expr=$2 msg=$3
    shift 3
    tp_expect_exit "$name" 0 "$TLSPROBE" explain $J "$@" -- "$msg"
    tp_json "$name: $expr" "$TP_OUT" "$expr"
}

# ---- without peers: the tables ----
xj "Go server log, client cert untrusted" \
   'j["findings"][0]["id"] == "client-cert-rejected" and j["side"] == "server" and j["peer"] == "client" and j["certificate_of"] == "client" and "ClientCAs" in j["findings"][0]["stack_fix"] and "RootCAs:" not in j["findings"][0]["stack_fix"]' \
   'http: TLS handshake error from 10.0.0.7:51234: tls: failed to verify client certificate: x509: certificate signed by unknown authority'
xj "Go client, unknown authority: RootCAs" \
   'j["findings"][0]["id"] == "unknown-authority" and j["side"] == "client" and "RootCAs" in j["findings"][0]["stack_fix"] and j["next"] == "tlsprobe connect api.example.com:8443"' \
   'Get "https://api.example.com:8443/v1": x509: certificate signed by unknown authority'
xj "remote expired certificate in a server log: client rejected server" \
   'j["findings"][0]["id"] == "server-cert-rejected" and j["side"] == "server" and j["alert"]["name"] == "certificate_expired" and j["alert"]["sent_by"] == "client"' \
   'http: TLS handshake error from 127.0.0.1:5000: remote error: tls: expired certificate'
xj "remote expired certificate seen by a client: server rejected ours" \
   'j["findings"][0]["id"] == "client-cert-rejected" and j["side"] == "client" and j["alert"]["sent_by"] == "server"' \
   'Get "https://mtls.example/": remote error: tls: expired certificate'
xj "error decrypting message names decrypt_error" \
   'j["alert"]["name"] == "decrypt_error" and "decrypt_error" in j["in_words"] and j["findings"][0]["id"] == "key-mismatch"' \
   'remote error: tls: error decrypting message'
xj "curl: host and port from Failed to connect to H port P" \
   'j["findings"][0]["id"] == "connection-refused" and j["next"] == "tlsprobe connect localhost:4433"' \
   "curl: (7) Failed to connect to localhost port 4433 after 0 ms: Couldn't connect to server"
xj "curl help URL is not a host" \
   'j["findings"][0]["id"] == "unknown-authority" and j["host"] is None and j["next"] == "tlsprobe connect HOST:PORT"' \
   $'curl: (60) SSL certificate problem: unable to get local issuer certificate\nMore details here: https://curl.se/docs/sslcerts.html'
xj "missing IP SAN: fix says IP:ADDR" \
   'j["findings"][0]["id"] == "hostname-mismatch" and j["ip_san"] == "IP:10.0.0.7" and j["next"] == "tlsprobe connect 10.0.0.7:8443"' \
   "Get \"https://10.0.0.7:8443/\": x509: cannot validate certificate for 10.0.0.7 because it doesn't contain any IP SANs"
xj "gnutls Status line after --" \
   'j["findings"][0]["id"] == "unknown-authority" and j["message_stack"] == "GnuTLS"' \
   '- Status: The certificate is NOT trusted. The certificate issuer is unknown.'
xj "--stack python on a Go message: python fix for the server side" \
   'j["stack"] == "python" and "load_verify_locations" in j["findings"][0]["stack_fix"]' \
   'http: TLS handshake error from 10.0.0.7:5: tls: failed to verify client certificate: x509: certificate signed by unknown authority' --stack python
tp_expect_exit "--stack bogus: usage error" 2 "$TLSPROBE" explain --stack cobol "x509: certificate signed by unknown authority"
tp_expect_exit "text output, server side" 0 "$TLSPROBE" explain --stack go 'http: TLS handshake error from 127.0.0.1:1: remote error: tls: bad certificate'
grep -q '^  who: Printed by the server' "$TP_OUT" && grep -q 'fix for go (on the server side)' "$TP_OUT" && grep -q 'tls.LoadX509KeyPair' "$TP_OUT"
tp_check "text: who line and Go fix for the server" $?
tp_expect_exit "unrecognised: helpful" 0 "$TLSPROBE" explain 'frobnication of the flux capacitor failed'
grep -q 'does not recognise' "$TP_OUT" && grep -q 'tlsprobe connect HOST:PORT' "$TP_OUT"
tp_check "unrecognised: suggests tlsprobe connect" $?

# ---- openssl s_server / s_client / curl ----
tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -Verify 1 -verify_return_error -tls1_2
SRV_LOG=$TP_TMP/s_server.$TP_PORT.log
timeout 5 openssl s_client -connect "127.0.0.1:$TP_PORT" -tls1_2 -CAfile "$PKI/root.pem" </dev/null >"$TP_TMP/sc.out" 2>&1
sleep 0.2
xj "s_server: peer did not return a certificate (server side)" \
   'j["findings"][0]["id"] == "client-cert-required" and j["side"] == "server"' "$(cat "$SRV_LOG")"
xj "s_client: handshake failure received (client side)" \
   'j["side"] == "client" and j["alert"]["sent_by"] == "server"' "$(grep -m1 'alert' "$TP_TMP/sc.out")"
tp_kill "$TP_SRV_PID"

tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key"
timeout 5 curl -sS --cacert "$PKI/root.pem" "https://localhost:$TP_PORT/" 2>"$TP_TMP/curl.err" >/dev/null
xj "curl, server sends no intermediate" \
   'j["findings"][0]["id"] == "unknown-authority" and j["side"] == "client" and j["host"] is None' "$(cat "$TP_TMP/curl.err")"
timeout 5 curl -sS "http://127.0.0.1:$TP_PORT/" >/dev/null 2>"$TP_TMP/curl2.err"
sleep 0.2
xj "s_server got plain HTTP (server side)" \
   'j["findings"][0]["id"] == "not-tls" and j["side"] == "server"' "$(grep -m1 "http request" "$TP_TMP/s_server.$TP_PORT.log")"
# A bare OpenSSL line does not say which side printed it: read as a client's,
# and said so; --side server reads it as the server's log.
xj "s_server line alone: read as a client's, and says so" \
   'j["side"] == "client" and j["side_basis"] == "default" and "--side server" in j["in_words"]' "$(grep -m1 "unknown ca" "$TP_TMP/s_server.$TP_PORT.log")"
xj "s_server line with --side server: the client rejected our chain" \
   'j["findings"][0]["id"] == "server-cert-rejected" and j["side"] == "server" and j["side_basis"] == "option" and j["alert"]["name"] == "unknown_ca"' \
   "$(grep -m1 "unknown ca" "$TP_TMP/s_server.$TP_PORT.log")" --side server
tp_kill "$TP_SRV_PID"
CLOSED=$(tp_free_port)
timeout 5 curl -sS "https://localhost:$CLOSED/" >/dev/null 2>"$TP_TMP/curl3.err"
xj "curl refused: port from the message" \
   "j['findings'][0]['id'] == 'connection-refused' and j['next'] == 'tlsprobe connect localhost:$CLOSED'" "$(cat "$TP_TMP/curl3.err")"

# ---- gnutls-cli ----
if command -v gnutls-cli >/dev/null; then
    tp_s_server -cert "$PKI/rogue-leaf.pem" -key "$PKI/rogue-leaf.key"
    timeout 5 gnutls-cli --x509cafile "$PKI/root.pem" -p "$TP_PORT" localhost </dev/null >"$TP_TMP/gc.out" 2>&1
    xj "gnutls-cli: issuer unknown" \
       'j["findings"][0]["id"] == "unknown-authority" and j["side"] == "client"' "$(grep -m1 'Status:' "$TP_TMP/gc.out")"
    tp_kill "$TP_SRV_PID"
else
    echo "skip - gnutls-cli not installed"
fi

# ---- Go peers ----
if command -v go >/dev/null; then
    GOBIN_DIR=$TP_TMP/go
    mkdir -p "$GOBIN_DIR"
    if (cd "$GOBIN_DIR" && cp "$TP_SRC/tests/integration/peers/gopeer.go" . &&
        GO111MODULE=off GOCACHE="$GOBIN_DIR/cache" GOPATH="$GOBIN_DIR/path" timeout 120 go build -o gopeer gopeer.go); then
        GP=$GOBIN_DIR/gopeer
        go_server() { # LOG ARGS... : start gopeer server on a free port, bounded; sets GPORT, GPID
            local log=$1
            shift
            GPORT=$(tp_free_port)
            tp_bg timeout 20 "$GP" server "$1" "$GPORT" "${@:2}" 15 2>"$log"
            GPID=$TP_BG_PID
            tp_wait_listen "$GPORT" 5
        }
        # mTLS server: a client with no (acceptable) certificate; openssl with an untrusted one; a TCP probe.
        go_server "$TP_TMP/gm.log" mtls "$PKI/good-fullchain.pem" "$PKI/good.key" "$PKI/root.pem"
        timeout 10 "$GP" client "https://localhost:$GPORT/" "$PKI/root.pem" 2>"$TP_TMP/gc1.err"
        timeout 5 openssl s_client -connect "127.0.0.1:$GPORT" -cert "$PKI/client-rogue.pem" -key "$PKI/client-rogue.key" \
            -CAfile "$PKI/root.pem" </dev/null >/dev/null 2>&1
        timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$GPORT; exec 3>&-"
        timeout 10 "$GP" client "https://localhost:$GPORT/" - 2>"$TP_TMP/gc2.err"
        sleep 0.3
        tp_kill "$GPID"
        xj "Go client without a client certificate (client side)" \
           'j["side"] == "client" and j["findings"][0]["id"] in ("client-cert-rejected", "client-cert-required") and j["alert"]["sent_by"] == "server"' \
           "$(cat "$TP_TMP/gc1.err")"
        xj "Go server: client didn't provide a certificate" \
           'j["findings"][0]["id"] == "client-cert-required" and j["side"] == "server"' "$(grep -m1 "didn't provide" "$TP_TMP/gm.log")"
        xj "Go server: client certificate from an unknown CA -> ClientCAs" \
           'j["findings"][0]["id"] == "client-cert-rejected" and j["side"] == "server" and "ClientCAs" in j["findings"][0]["stack_fix"]' \
           "$(grep -m1 'failed to verify client certificate' "$TP_TMP/gm.log")"
        xj "Go server: TCP connect-and-close is EOF, a probe (server side)" \
           'j["findings"][0]["id"] == "connection-reset" and j["side"] == "server" and "health check" in j["in_words"]' \
           "$(grep -m1 ': EOF$' "$TP_TMP/gm.log")"
        xj "Go client without the CA: RootCAs" \
           'j["findings"][0]["id"] == "unknown-authority" and j["side"] == "client" and "RootCAs" in j["findings"][0]["stack_fix"]' "$(cat "$TP_TMP/gc2.err")"
        xj "Go server: client rejected our certificate" \
           'j["findings"][0]["id"] == "server-cert-rejected" and j["side"] == "server" and j["alert"]["sent_by"] == "client"' \
           "$(grep -m1 'remote error: tls: bad certificate' "$TP_TMP/gm.log")"
        # A hand-built tls.Certificate whose key is not the certificate's.
        go_server "$TP_TMP/gb.log" badkey "$PKI/good-fullchain.pem" "$PKI/wronghost.key"
        timeout 10 "$GP" client "https://localhost:$GPORT/" "$PKI/root.pem" 2>"$TP_TMP/gc3.err"
        sleep 0.3
        tp_kill "$GPID"
        xj "Go client: invalid signature by the server certificate" \
           'j["findings"][0]["id"] == "key-mismatch" and j["side"] == "client" and j["certificate_of"] == "server"' "$(cat "$TP_TMP/gc3.err")"
        xj "Go server: error decrypting message = key mismatch, its own" \
           'j["findings"][0]["id"] == "key-mismatch" and j["side"] == "server" and j["certificate_of"] == "server" and j["alert"]["name"] == "decrypt_error"' \
           "$(grep -m1 'error decrypting' "$TP_TMP/gb.log")"
        # HTTP on an HTTPS port, both ways.
        go_server "$TP_TMP/gp.log" plain
        timeout 10 "$GP" client "https://localhost:$GPORT/" "$PKI/root.pem" 2>"$TP_TMP/gc4.err"
        tp_kill "$GPID"
        xj "Go client: server gave HTTP response to HTTPS client" \
           'j["findings"][0]["id"] == "not-tls" and j["side"] == "client"' "$(cat "$TP_TMP/gc4.err")"
        go_server "$TP_TMP/gm2.log" mtls "$PKI/good-fullchain.pem" "$PKI/good.key" "$PKI/root.pem"
        timeout 5 curl -sS "http://127.0.0.1:$GPORT/" >"$TP_TMP/curl4.out" 2>&1
        tp_kill "$GPID"
        xj "curl http:// to a Go HTTPS server" \
           'j["findings"][0]["id"] == "not-tls" and j["side"] == "client"' "$(cat "$TP_TMP/curl4.out")"
        # Go to an IP address the certificate does not name.
        tp_s_server -cert "$PKI/wronghost-fullchain.pem" -key "$PKI/wronghost.key"
        timeout 10 "$GP" client "https://127.0.0.1:$TP_PORT/" "$PKI/root.pem" 2>"$TP_TMP/gc5.err"
        tp_kill "$TP_SRV_PID"
        xj "Go client: no IP SANs -> IP:127.0.0.1" \
           "j['findings'][0]['id'] == 'hostname-mismatch' and j['ip_san'] == 'IP:127.0.0.1' and j['next'] == 'tlsprobe connect 127.0.0.1:$TP_PORT'" \
           "$(cat "$TP_TMP/gc5.err")"
    else
        tp_check "build the Go peer" 1
    fi
else
    echo "skip - go not installed (apt-get install golang-go)"
fi

tp_finish
