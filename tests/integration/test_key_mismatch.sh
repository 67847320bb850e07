#!/usr/bin/env bash
# key-mismatch from wire evidence (issue 16): a Go server with a hand-built
# tls.Certificate whose private key is not the certificate's (tests/integration/
# peers/gopeer.go, standard library only) signs its CertificateVerify (TLS 1.3) or
# ServerKeyExchange (TLS 1.2) with the wrong key; connect rebuilds what was
# signed, finds that it does not verify with the certificate's key and says
# key-mismatch, not connection-reset or handshake-failed. A matching pair gives
# no such finding. Skipped without golang-go. Servers are bounded and killed by PID.
. "$(dirname "$0")/lib.sh"

if ! command -v go >/dev/null; then
    echo "skip - go not installed (apt-get install golang-go)"
    exit 77
fi
GD=$TP_TMP/go
mkdir -p "$GD"
(cd "$GD" && cp "$TP_SRC/tests/integration/peers/gopeer.go" . &&
    GO111MODULE=off GOCACHE="$GD/cache" GOPATH="$GD/path" timeout 120 go build -o gopeer gopeer.go)
tp_check "build the Go peer" $?
GP=$GD/gopeer

start() { # MODE ARGS... : gopeer server on a free port, 20 s at most
    GPORT=$(tp_free_port)
    tp_bg timeout 20 "$GP" server "$1" "$GPORT" "${@:2}" 15 2>/dev/null
    GPID=$TP_BG_PID
    tp_wait_listen "$GPORT" 5
}

start badkey "$PKI/good-fullchain.pem" "$PKI/wronghost.key"
for v in tls1.3 tls1.2; do
    tp_expect_exit "connect --$v to a server with the wrong key" 1 "$TLSPROBE" connect "localhost:$GPORT" \
        --cafile "$PKI/root.pem" --timeout 5 --"$v" --format json
    tp_json "$v: key-mismatch from the server's signature, nothing else" "$TP_OUT" \
        '[f["id"] for f in j["findings"] if f["severity"] == "error"] == ["key-mismatch"] and "signature does not verify" in j["findings"][0]["summary"]'
done
tp_expect_exit "text" 1 "$TLSPROBE" connect "localhost:$GPORT" --cafile "$PKI/root.pem" --timeout 5 --stack go
grep -q 'key-mismatch' "$TP_OUT" && grep -q 'tls.LoadX509KeyPair' "$TP_OUT" && ! grep -q 'connection-reset' "$TP_OUT"
tp_check "text: key-mismatch with the Go fix, no connection-reset" $?
tp_kill "$GPID"

start mtls "$PKI/good-fullchain.pem" "$PKI/good.key" "$PKI/root.pem"
tp_expect_exit "connect with a matching pair and a client certificate" 0 "$TLSPROBE" connect "localhost:$GPORT" \
    --cafile "$PKI/root.pem" --cert "$PKI/client-fullchain.pem" --key "$PKI/client.key" --timeout 5 --format json
tp_json "matching pair: no key-mismatch" "$TP_OUT" 'not [f for f in j["findings"] if f["id"] == "key-mismatch"]'
tp_kill "$GPID"

# listen: a Go client whose hand-built client certificate has the wrong key.
for v in tls1.3 tls1.2; do
    LOUT=$TP_TMP/listen.$v.json
    LERR=$TP_TMP/listen.$v.err
    tp_bg timeout 20 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
        --client-ca "$PKI/root.pem" --count 1 --timeout 5 --"$v" --format json >"$LOUT" 2>"$LERR"
    LPID=$TP_BG_PID
    LPORT=
    for ((i = 0; i < 500; i++)); do
        LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$LERR")
        [ -n "$LPORT" ] && break
        sleep 0.02
    done
    timeout 10 "$GP" badclient "https://localhost:$LPORT/" "$PKI/root.pem" "$PKI/client-fullchain.pem" \
        "$PKI/rogue-leaf.key" 2>"$TP_TMP/badclient.$v.err"
    wait "$LPID"
    tp_json "listen --$v: the client's CertificateVerify does not verify: key-mismatch" "$LOUT" \
        '[f["id"] for f in j["findings"] if f["severity"] == "error"] == ["key-mismatch"] and j["findings"][0]["summary"].startswith("The client")'
    tp_expect_exit "explain the Go client error ($v)" 0 "$TLSPROBE" explain --format json -- "$(cat "$TP_TMP/badclient.$v.err")"
    tp_json "explain: decrypt_error seen by the client: its own key ($v)" "$TP_OUT" \
        'j["findings"][0]["id"] == "key-mismatch" and j["side"] == "client" and j["certificate_of"] == "client"'
done

tp_finish
