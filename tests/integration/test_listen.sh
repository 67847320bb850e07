#!/usr/bin/env bash
# tlsprobe listen against real clients (openssl s_client, curl) on 127.0.0.1,
# with the fixture PKI. Every listen runs under `timeout` with --count, and every
# background process is killed by lib.sh's EXIT trap.
. "$(dirname "$0")/lib.sh"

LN=0
# listen_start ARGS... : tlsprobe listen ${LADDR:-127.0.0.1:0} ARGS in the background;
# waits for "listening on ADDR:PORT" on stderr. Sets LPORT LPID LOUT LERR.
listen_start() {
    LN=$((LN + 1))
    LOUT=$TP_TMP/listen.$LN.out
    LERR=$TP_TMP/listen.$LN.err
    tp_bg timeout "${LTIMEOUT:-30}" "$TLSPROBE" listen "${LADDR:-127.0.0.1:0}" "$@" >"$LOUT" 2>"$LERR"
    LPID=$TP_BG_PID
    LPORT=
    local i
    for ((i = 0; i < 500; i++)); do
        LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$LERR")
        [ -n "$LPORT" ] && return 0
        kill -0 "$LPID" 2>/dev/null || break
        sleep 0.02
    done
    echo "  listen did not start: $(cat "$LERR")" >&2
    return 1
}
# listen_wait : wait for the listen process (it stops by itself after --count); LRC = status
listen_wait() {
    wait "$LPID"
    LRC=$?
}
# sclient ARGS... : one openssl s_client to the listener, stdin closed; output in $SC
SC=$TP_TMP/sclient.out
sclient() {
    timeout 10 openssl s_client -connect "${SC_HOST:-127.0.0.1}:$LPORT" "$@" </dev/null >"$SC" 2>&1
}
is() { if eval "$1"; then echo 0; else echo 1; fi; }

GOOD=(--cert "$PKI/good-fullchain.pem" --key "$PKI/good.key")
J=(--format json --timeout 5)

# ---- good sessions, TLS 1.3 and 1.2, SNI and ALPN shown ----
for v in 1.3 1.2; do
    listen_start "${GOOD[@]}" "${J[@]}" --alpn h2,http/1.1 --count 1
    if [ $v = 1.3 ]; then alpn=h2; else alpn=http/1.1; fi
    sclient -tls${v/./_} -servername server.test -alpn "$alpn" -CAfile "$PKI/root.pem" -verify_return_error
    tp_check "good $v: s_client verified our chain" "$(is 'grep -q "Verify return code: 0" "$SC"')"
    listen_wait
    tp_check "good $v: exit 0 (got $LRC)" "$(is '[ $LRC = 0 ]')"
    tp_json "good $v: listen session, version, SNI, ALPN, complete" "$LOUT" \
        "j['source'] == 'listen' and j['version'] == 'TLS $v' and j['server_name'] == 'server.test' and j['alpn'] == '$alpn' and j['handshake_complete']"
    tp_json "good $v: both directions recorded and decoded" "$LOUT" \
        "hs(j,'c2s')[:1] == ['ClientHello'] and 'ServerHello' in hs(j,'s2c') and 'Certificate' in hs(j,'s2c') and 'Finished' in hs(j,'c2s') and 'Finished' in hs(j,'s2c')"
    tp_json "good $v: no error finding" "$LOUT" "not [f for f in j['findings'] if f['severity'] == 'error']"
    tp_json "good $v: our chain as sent (leaf + intermediate)" "$LOUT" "len(j['certificates']) == 2"
    tp_check "good $v: summary on stderr in json mode" "$(is 'grep -q "^summary: 1 client" "$LERR"')"
done
tp_json "good 1.2: ClientHello details (suites, groups, sigalgs, JA3, JA4)" "$LOUT" \
    "any(m['type'] == 'ClientHello' and 'ja4' in json.dumps(m) and 'ja3' in json.dumps(m) and 'x25519' in json.dumps(m) for m in j['messages'])"

# ---- the same in text: one block, ClientHello in detail ----
listen_start "${GOOD[@]}" --timeout 5 --alpn http/1.1 --count 1 --no-color
sclient -tls1_3 -servername server.test -alpn http/1.1 -CAfile "$PKI/root.pem"
listen_wait
tp_check "text: exit 0" "$(is '[ $LRC = 0 ]')"
tp_check "text: SNI, ALPN, JA4 shown" \
    "$(is 'grep -q "server.test" "$LOUT" && grep -q "http/1.1" "$LOUT" && grep -qi "ja4" "$LOUT"')"
tp_check "text: our chain is 'Certificates we sent', we encrypt" \
    "$(is 'grep -q "^Certificates we sent (2)" "$LOUT" && grep -q "we encrypt from here on" "$LOUT" && ! grep -q "sent by the server" "$LOUT"')"
tp_check "text: summary at the end" "$(is 'tail -n 5 "$LOUT" | grep -q "^summary: 1 client, 1 handshake completed"')"

# ---- curl over https: answered, and the session reported ----
if command -v curl >/dev/null; then
    listen_start "${GOOD[@]}" "${J[@]}" --count 1
    body=$(timeout 10 curl -s --cacert "$PKI/root.pem" --resolve "server.test:$LPORT:127.0.0.1" \
        "https://server.test:$LPORT/")
    listen_wait
    tp_check "curl https: got our page" "$(is '[[ "$body" == *"handshake OK"* ]]')"
    tp_json "curl https: complete, SNI server.test, app data seen" "$LOUT" \
        "j['handshake_complete'] and j['server_name'] == 'server.test' and j['appdata']['c2s']['records'] >= 1"
fi

# ---- hostname-mismatch as a warning: the client asked for a name we do not cover ----
listen_start "${GOOD[@]}" "${J[@]}" --count 1
sclient -servername nothere.test -CAfile "$PKI/root.pem"
listen_wait
tp_check "SNI not covered: exit 0 (warning only, got $LRC)" "$(is '[ $LRC = 0 ]')"
tp_json "SNI not covered: hostname-mismatch warning" "$LOUT" \
    "[f['severity'] for f in j['findings'] if f['id'] == 'hostname-mismatch'] == ['warning']"

# ---- a client trusting another root: server-cert-rejected with the client's alert ----
for v in 1.3 1.2; do
    listen_start "${GOOD[@]}" "${J[@]}" --count 1
    sclient -tls${v/./_} -servername server.test -CAfile "$PKI/other-root.pem" -verify_return_error
    listen_wait
    tp_check "other root $v: exit 1 (got $LRC)" "$(is '[ $LRC = 1 ]')"
    tp_json "other root $v: server-cert-rejected" "$LOUT" "'server-cert-rejected' in ids(j)"
    tp_json "other root $v: the client's unknown_ca alert from the raw bytes" "$LOUT" \
        "any(m['type'] == 'Alert' and m['dir'] == 'c2s' and m.get('name') == 'unknown_ca' for m in j['messages'])"
done

# ---- we sent only our leaf: the client rejects it, and listen says an intermediate is
# missing (fetched from the leaf's AIA URL, served here by a local HTTP server; the
# "usual trust store" is root.pem through SSL_CERT_FILE) ----
HP=$(tp_free_port)
mkdir -p "$TP_TMP/aia" && cp "$PKI/int.der" "$TP_TMP/aia/"
if bash "$PKI/make-pki.sh" aia-leaf "$TP_TMP/aia" "http://127.0.0.1:$HP/int.der" >/dev/null 2>&1; then
    tp_bg bash -c 'cd "$1" && exec timeout 60 python3 -m http.server "$2" --bind 127.0.0.1' _ "$TP_TMP/aia" "$HP" \
        >/dev/null 2>&1
    tp_wait_listen "$HP" 5
    SSL_CERT_FILE="$PKI/root.pem" SSL_CERT_DIR= listen_start --cert "$TP_TMP/aia/aia-leaf.pem" \
        --key "$TP_TMP/aia/aia-leaf.key" "${J[@]}" --count 1
    sclient -CAfile "$PKI/root.pem" -verify_return_error
    listen_wait
    tp_check "leaf only: exit 1" "$(is '[ $LRC = 1 ]')"
    tp_json "leaf only: server-cert-rejected and missing-intermediate (AIA)" "$LOUT" \
        "'server-cert-rejected' in ids(j) and 'missing-intermediate' in ids(j) and j['server_verification']['aia_ok']"
else
    tp_check "make-pki.sh aia-leaf" 1
fi

# ---- client certificates ----
MT=("${GOOD[@]}" "${J[@]}" --require-client-cert --client-ca "$PKI/root.pem" --count 1)
for v in 1.3 1.2; do
    listen_start "${MT[@]}"
    sclient -tls${v/./_} -CAfile "$PKI/root.pem"
    listen_wait
    tp_check "mTLS none $v: exit 1" "$(is '[ $LRC = 1 ]')"
    tp_json "mTLS none $v: client-cert-required" "$LOUT" "'client-cert-required' in ids(j) and j['client_auth_requested']"
done
listen_start "${MT[@]}"
sclient -tls1_2 -CAfile "$PKI/root.pem" -cert "$PKI/client-rogue.pem" -key "$PKI/client-rogue.key"
listen_wait
tp_check "mTLS untrusted: exit 1" "$(is '[ $LRC = 1 ]')"
tp_json "mTLS untrusted: client-cert-rejected, its chain shown" "$LOUT" \
    "'client-cert-rejected' in ids(j) and len(j['client_certificates']) >= 1"
tp_check "mTLS untrusted: the client was told (alert)" "$(is 'grep -qi "alert" "$SC"')"
listen_start "${MT[@]}"
sclient -tls1_3 -CAfile "$PKI/root.pem" -cert "$PKI/client-expired.pem" -key "$PKI/client-expired.key" \
    -cert_chain "$PKI/int.pem"
listen_wait
tp_check "mTLS expired: exit 1" "$(is '[ $LRC = 1 ]')"
tp_json "mTLS expired: client-cert-rejected" "$LOUT" "'client-cert-rejected' in ids(j)"
for v in 1.3 1.2; do
    listen_start "${MT[@]}"
    sclient -tls${v/./_} -CAfile "$PKI/root.pem" -cert "$PKI/client.pem" -key "$PKI/client.key" \
        -cert_chain "$PKI/int.pem"
    listen_wait
    tp_check "mTLS good $v: exit 0 (got $LRC)" "$(is '[ $LRC = 0 ]')"
    tp_json "mTLS good $v: complete, client chain kept (decrypted in 1.3)" "$LOUT" \
        "j['handshake_complete'] and len(j['client_certificates']) == 2 and not [i for i in ids(j) if i.startswith('client-cert')]"
done

# --at: the good client certificate, judged after its notAfter (2046-11-17), is rejected.
listen_start "${MT[@]}" --at 2047-01-01T00:00:00Z
sclient -tls1_3 -CAfile "$PKI/root.pem" -cert "$PKI/client.pem" -key "$PKI/client.key" -cert_chain "$PKI/int.pem"
listen_wait
tp_check "mTLS good, --at 2047: exit 1 (got $LRC)" "$(is '[ $LRC = 1 ]')"
tp_json "mTLS good, --at 2047: client-cert-rejected, expired" "$LOUT" \
    "'client-cert-rejected' in ids(j) and 'expired' in ids(j)"

# --request-client-cert: optional for the client; --cert + --chain sends both
listen_start --cert "$PKI/good.pem" --chain "$PKI/int.pem" --key "$PKI/good.key" "${J[@]}" --request-client-cert --count 1
sclient -tls1_3 -CAfile "$PKI/root.pem" -verify_return_error
listen_wait
tp_check "mTLS optional, none sent: exit 0 (got $LRC)" "$(is '[ $LRC = 0 ]')"
tp_json "mTLS optional: requested, complete, no client chain; --chain sent" "$LOUT" \
    "j['client_auth_requested'] and j['handshake_complete'] and j['client_certificates'] == [] and len(j['certificates']) == 2"

# ---- version and cipher mismatch ----
listen_start "${GOOD[@]}" "${J[@]}" --tls1.3 --count 1
sclient -tls1_2
listen_wait
tp_check "version mismatch: exit 1" "$(is '[ $LRC = 1 ]')"
tp_json "version mismatch: protocol-version-mismatch" "$LOUT" "'protocol-version-mismatch' in ids(j)"
listen_start "${GOOD[@]}" "${J[@]}" --tls1.2 --count 1
sclient -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA
listen_wait
tp_check "cipher mismatch: exit 1" "$(is '[ $LRC = 1 ]')"
tp_json "cipher mismatch: no-shared-cipher" "$LOUT" "'no-shared-cipher' in ids(j)"

# ---- plain HTTP to the TLS port ----
if command -v curl >/dev/null; then
    listen_start "${GOOD[@]}" "${J[@]}" --count 1
    body=$(timeout 10 curl -s "http://127.0.0.1:$LPORT/hello")
    listen_wait
    tp_check "plain http: exit 1" "$(is '[ $LRC = 1 ]')"
    tp_json "plain http: not-tls with the request line" "$LOUT" \
        "'not-tls' in ids(j) and (j['outcome']['peer_banner'] or '').startswith('GET /hello')"
    tp_check "plain http: curl was told to use https" "$(is '[[ "$body" == *"https://"* ]]')"
fi

# ---- IPv6 ----
if python3 -c 'import socket;s=socket.socket(socket.AF_INET6);s.bind(("::1",0))' 2>/dev/null; then
    LADDR='[::1]:0' listen_start "${GOOD[@]}" "${J[@]}" --count 1
    SC_HOST='[::1]' sclient -CAfile "$PKI/root.pem" -verify_return_error
    listen_wait
    tp_check "ipv6: exit 0" "$(is '[ $LRC = 0 ]')"
    tp_json "ipv6: endpoints in brackets" "$LOUT" "j['client'].startswith('[::1]:') and j['server'] == '[::1]:$LPORT'"
fi

# ---- --write-pcap and --keylog for all sessions: tshark decrypts with them ----
listen_start "${GOOD[@]}" "${J[@]}" --count 2 --write-pcap "$TP_TMP/l.pcap" --keylog "$TP_TMP/l.keys"
sclient -tls1_3 -servername server.test -CAfile "$PKI/root.pem"
sclient -tls1_2 -servername server.test -CAfile "$PKI/root.pem"
listen_wait
tp_check "pcap+keylog: exit 0" "$(is '[ $LRC = 0 ]')"
tp_check "keylog: TLS 1.3 and 1.2 lines" \
    "$(is 'grep -q "^CLIENT_HANDSHAKE_TRAFFIC_SECRET " "$TP_TMP/l.keys" && grep -q "^CLIENT_RANDOM " "$TP_TMP/l.keys"')"
if command -v tshark >/dev/null; then
    n=$(tp_tshark "$TP_TMP/l.pcap" -o "tls.keylog_file:$TP_TMP/l.keys" -Y 'tls.handshake.type == 11' 2>/dev/null | wc -l)
    tp_check "pcap: tshark sees our Certificate in both sessions (1.3 decrypted), got $n" "$(is '[ "$n" -ge 2 ]')"
    n=$(tp_tshark "$TP_TMP/l.pcap" -o "tls.keylog_file:$TP_TMP/l.keys" -Y 'tls.handshake.type == 20' 2>/dev/null | wc -l)
    tp_check "pcap: Finished messages decrypted, got $n" "$(is '[ "$n" -ge 2 ]')"
fi

# ---- SIGTERM: stops, summary, contract status ----
listen_start "${GOOD[@]}" --timeout 5 --no-color
sclient -CAfile "$PKI/root.pem"
sleep 0.3
# stdout is a file here: reports are written in batches, but within ~50 ms
tp_check "output to a file: the session is there while listen still runs" \
    "$(is 'kill -0 $LPID && grep -q "ClientHello" "$LOUT" && ! grep -q "^summary" "$LOUT"')"
kill -TERM "$LPID"
listen_wait
tp_check "SIGTERM: exit 0 after one good client (got $LRC)" "$(is '[ $LRC = 0 ]')"
tp_check "SIGTERM: summary printed" "$(is 'grep -q "^summary: 1 client" "$LOUT"')"

# ---- bad input: one line on stderr, exit 2 ----
tp_expect_exit "no port" 2 "$TLSPROBE" listen --cert "$PKI/good.pem" --key "$PKI/good.key"
tp_expect_exit "bad port" 2 "$TLSPROBE" listen 99999 --cert "$PKI/good.pem" --key "$PKI/good.key"
tp_expect_exit "bare IPv6 without brackets" 2 "$TLSPROBE" listen ::1:0 --cert "$PKI/good.pem" --key "$PKI/good.key"
tp_expect_exit "no --key" 2 "$TLSPROBE" listen 0 --cert "$PKI/good.pem"
tp_expect_exit "missing cert file" 2 "$TLSPROBE" listen 0 --cert "$TP_TMP/nope.pem" --key "$PKI/good.key"
tp_check "missing cert file: one line naming it" "$(is '[ $(wc -l <"$TP_ERR") = 1 ] && grep -q nope.pem "$TP_ERR"')"
tp_expect_exit "key does not match cert" 2 "$TLSPROBE" listen 0 --cert "$PKI/good.pem" --key "$PKI/client.key"
tp_expect_exit "unreadable --client-ca" 2 "$TLSPROBE" listen 0 "${GOOD[@]}" --client-ca "$TP_TMP/nope.pem"
tp_expect_exit "bad --timeout" 2 "$TLSPROBE" listen 0 "${GOOD[@]}" --timeout -1
tp_expect_exit "both versions pinned" 2 "$TLSPROBE" listen 0 "${GOOD[@]}" --tls1.2 --tls1.3
tp_expect_exit "--help" 0 "$TLSPROBE" listen --help

tp_finish
