#!/usr/bin/env bash
# tlsprobe connect against real `openssl s_server` processes on 127.0.0.1 (issue 3):
# every scenario must end in the right finding id and exit status.
. "$(dirname "$0")/lib.sh"

C() { "$TLSPROBE" connect --format json --timeout 5 "$@"; }
ROOT=(--cafile "$PKI/root.pem")
SRV() { # SRV LEAF [s_server args...]: serve LEAF.pem (+ int.pem as chain) with LEAF.key
    local leaf=$1
    shift
    tp_s_server -cert "$PKI/$leaf.pem" -key "$PKI/$leaf.key" -cert_chain "$PKI/int.pem" "$@"
}

# ---- good chain, TLS 1.3: every message, the encrypted flight decrypted ----
SRV good -tls1_3
tp_expect_exit "good chain TLS 1.3" 0 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
tp_json "tls1.3: version and complete" "$TP_OUT" 'j["version"] == "TLS 1.3" and j["handshake_complete"]'
tp_json "tls1.3: all messages both directions" "$TP_OUT" \
  'all(t in hs(j,"s2c") for t in ["ServerHello","EncryptedExtensions","Certificate","CertificateVerify","Finished"]) and all(t in hs(j,"c2s") for t in ["ClientHello","Finished"])'
tp_json "tls1.3: encrypted flight decrypted" "$TP_OUT" \
  'all(m["decrypted"] for m in j["messages"] if m["type"] in ("EncryptedExtensions","Certificate","CertificateVerify","Finished"))'
tp_json "tls1.3: NewSessionTicket after the handshake" "$TP_OUT" '"NewSessionTicket" in hs(j,"s2c")'
tp_json "tls1.3: no error finding" "$TP_OUT" 'not [f for f in j["findings"] if f["severity"] == "error"]'
tp_json "tls1.3: chain as sent (leaf + intermediate), path ok" "$TP_OUT" \
  '[p["origin"] for p in j["server_verification"]["path"]] == ["sent","sent","store"] and j["server_verification"]["status"] == "ok"'
tp_json "tls1.3: timings dns/connect" "$TP_OUT" 'j["timings"]["connect_ms"] is not None'
# --at: the same chain judged after its notAfter (2046-11-17) has expired.
tp_expect_exit "good chain, --at after notAfter" 1 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --at 2047-01-01T00:00:00Z
tp_json "--at: expired, as of 2047" "$TP_OUT" '"expired" in [f["id"] for f in j["findings"]] and "2047-01-01" in [f for f in j["findings"] if f["id"] == "expired"][0]["summary"]'
tp_kill "$TP_SRV_PID"

# ---- good chain, TLS 1.2 (also by name: localhost resolves, maybe ::1 first) ----
SRV good -tls1_2
tp_expect_exit "good chain TLS 1.2 via localhost" 0 C "localhost:$TP_PORT" "${ROOT[@]}"
tp_json "tls1.2: version" "$TP_OUT" 'j["version"] == "TLS 1.2"'
tp_json "tls1.2: all messages" "$TP_OUT" \
  'all(t in hs(j,"s2c") for t in ["ServerHello","Certificate","ServerKeyExchange","ServerHelloDone"]) and all(t in hs(j,"c2s") for t in ["ClientHello","ClientKeyExchange"])'
tp_json "tls1.2: Finished decrypted both ways" "$TP_OUT" \
  '"Finished" in hs(j,"s2c") and "Finished" in hs(j,"c2s")'
tp_json "tls1.2: sni and host" "$TP_OUT" 'j["server_name"] == "localhost" and j["host"] == "localhost"'
# Debian's wolfSSL lists P-521 first for TLS 1.2 unless the groups are set: the
# server (OpenSSL follows the client's order) must pick X25519 or P-256.
SKX_GROUP='[m.get("group") for m in j["messages"] if m["type"] == "ServerKeyExchange"][0] in ("x25519", "secp256r1")'
CH_GROUPS='[m.get("groups") for m in j["messages"] if m["type"] == "ClientHello"][0][:2] == ["x25519", "secp256r1"]'
tp_json "tls1.2: ECDHE group X25519 or P-256, not P-521" "$TP_OUT" "$SKX_GROUP and $CH_GROUPS"
tp_expect_exit "good chain --tls1.2" 0 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --tls1.2
tp_json "--tls1.2: ECDHE group X25519 or P-256, not P-521" "$TP_OUT" \
  "j['version'] == 'TLS 1.2' and $SKX_GROUP and $CH_GROUPS"
tp_kill "$TP_SRV_PID"

# ---- missing intermediate: AIA served by a local HTTP server / --no-aia ----
mkdir -p "$TP_TMP/aia"
cp "$PKI/int.der" "$TP_TMP/aia/int.der"
HP=$(tp_free_port)
tp_bg timeout 20 python3 -m http.server --bind 127.0.0.1 --directory "$TP_TMP/aia" "$HP"
HTTP_PID=$TP_BG_PID
tp_wait_listen "$HP" 5
bash "$PKI/make-pki.sh" aia-leaf "$TP_TMP/aia" "http://127.0.0.1:$HP/int.der" >/dev/null 2>&1
tp_s_server -cert "$TP_TMP/aia/aia-leaf.pem" -key "$TP_TMP/aia/aia-leaf.key"
tp_expect_exit "missing intermediate, AIA served" 1 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
tp_json "missing-intermediate" "$TP_OUT" '"missing-intermediate" in ids(j)'
tp_json "missing-intermediate: AIA fetched" "$TP_OUT" 'j["server_verification"]["aia_ok"] is True and "aia" in [p["origin"] for p in j["server_verification"]["path"]]'
tp_expect_exit "missing intermediate, --no-aia" 1 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --no-aia
tp_json "no-aia: unknown-authority" "$TP_OUT" '"unknown-authority" in ids(j)'
tp_kill "$TP_SRV_PID"
tp_kill "$HTTP_PID"

# ---- unknown root, self-signed, hostname mismatch, CN-only, expired ----
tp_s_server -cert "$PKI/rogue-leaf.pem" -key "$PKI/rogue-leaf.key" -cert_chain "$PKI/rogue.pem"
tp_expect_exit "unknown root" 1 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
tp_json "unknown-authority" "$TP_OUT" '"unknown-authority" in ids(j)'
tp_kill "$TP_SRV_PID"

tp_s_server -cert "$PKI/selfsigned.pem" -key "$PKI/selfsigned.key"
tp_expect_exit "self-signed leaf" 1 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
tp_json "self-signed" "$TP_OUT" '"self-signed" in ids(j)'
tp_kill "$TP_SRV_PID"

SRV wronghost
tp_expect_exit "hostname mismatch" 1 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
tp_json "hostname-mismatch" "$TP_OUT" '"hostname-mismatch" in ids(j)'
tp_kill "$TP_SRV_PID"

SRV cnonly
"$TLSPROBE" connect --format json --timeout 5 "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" >"$TP_TMP/cn.json" 2>/dev/null
tp_json "cn-only" "$TP_TMP/cn.json" '"cn-only" in ids(j)'
tp_kill "$TP_SRV_PID"

SRV expired
tp_expect_exit "expired leaf" 1 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
tp_json "expired" "$TP_OUT" '"expired" in ids(j)'
tp_kill "$TP_SRV_PID"

# ---- client certificates ----
for v in 1_2 1_3; do
    SRV good -tls$v -Verify 1 -verify_return_error -CAfile "$PKI/root.pem"
    tp_expect_exit "mTLS required, no client cert, TLS ${v/_/.}" 1 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
    tp_json "client-cert-required TLS ${v/_/.}" "$TP_OUT" '"client-cert-required" in ids(j)'
    tp_json "client_auth_requested TLS ${v/_/.}" "$TP_OUT" 'j["client_auth_requested"]'
    tp_kill "$TP_SRV_PID"
done
SRV good -Verify 1 -verify_return_error -CAfile "$PKI/root.pem"
tp_expect_exit "untrusted client cert" 1 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" \
    --cert "$PKI/client-rogue.pem" --key "$PKI/client-rogue.key"
tp_json "client-cert-rejected" "$TP_OUT" '"client-cert-rejected" in ids(j)'
tp_expect_exit "good mTLS" 0 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" \
    --cert "$PKI/client-fullchain.pem" --key "$PKI/client.key"
tp_json "good mTLS: client Certificate sent" "$TP_OUT" '"Certificate" in hs(j,"c2s") and "CertificateVerify" in hs(j,"c2s")'
tp_kill "$TP_SRV_PID"

# ---- version mismatch, no shared cipher ----
SRV good -tls1_3
tp_expect_exit "version mismatch" 1 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --tls1.2
tp_json "protocol-version-mismatch" "$TP_OUT" '"protocol-version-mismatch" in ids(j)'
tp_kill "$TP_SRV_PID"
SRV good -tls1_2 -cipher ECDHE-ECDSA-ARIA128-GCM-SHA256
tp_expect_exit "no shared cipher" 1 C "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
tp_json "no-shared-cipher" "$TP_OUT" '"no-shared-cipher" in ids(j)'
tp_kill "$TP_SRV_PID"

# ---- not TLS, closed port, silent server, unresolvable name ----
HP=$(tp_free_port)
tp_bg timeout 20 python3 -m http.server --bind 127.0.0.1 --directory "$TP_TMP" "$HP"
HTTP_PID=$TP_BG_PID
tp_wait_listen "$HP" 5
tp_expect_exit "plain HTTP server" 1 C "127.0.0.1:$HP"
tp_json "not-tls" "$TP_OUT" '"not-tls" in ids(j)'
tp_json "not-tls: peer banner kept, HTTP recognised" "$TP_OUT" 'j["outcome"]["peer_banner"] and "HTTP" in [f for f in j["findings"] if f["id"] == "not-tls"][0]["summary"]'
tp_kill "$HTTP_PID"

CP=$(tp_free_port)
tp_expect_exit "closed port" 1 C "127.0.0.1:$CP"
tp_json "connection-refused" "$TP_OUT" '"connection-refused" in ids(j)'
tp_json "connection-refused: the address tried is named" "$TP_OUT" 'j["server"] == "127.0.0.1:'"$CP"'" and ("refused by 127.0.0.1:'"$CP"':") in [f for f in j["findings"] if f["id"] == "connection-refused"][0]["summary"]'

PF=$TP_TMP/silent.port
tp_bg python3 "$(dirname "$0")/hostile_peer.py" silent --port-file "$PF" --lifetime 15
for _ in $(seq 100); do [ -s "$PF" ] && break; sleep 0.05; done
t0=$(date +%s%N)
tp_expect_exit "silent server" 1 C "127.0.0.1:$(cat "$PF")" --timeout 2
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
echo "# silent server: --timeout 2 ended after ${ms} ms"
tp_check "silent server: ended within deadline + 1 s (${ms} ms)" "$([ "$ms" -ge 1900 ] && [ "$ms" -le 3000 ] && echo 0 || echo 1)"
tp_json "timeout" "$TP_OUT" '"timeout" in ids(j)'

tp_expect_exit "unresolvable name" 1 C "no-such-host.invalid:443"
tp_json "name-resolution" "$TP_OUT" '"name-resolution" in ids(j)'
tp_json "name-resolution: server is HOST:PORT, summary names the host" "$TP_OUT" 'j["server"] == "no-such-host.invalid:443" and "resolve '"'"'no-such-host.invalid'"'"'" in [f for f in j["findings"] if f["id"] == "name-resolution"][0]["summary"]'

# ---- IPv6 literal ----
if ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
    P6=$(tp_free_port)
    tp_bg timeout 20 openssl s_server -accept "[::1]:$P6" -quiet -cert "$PKI/good.pem" -key "$PKI/good.key" \
        -cert_chain "$PKI/int.pem" </dev/null >/dev/null 2>&1
    S6=$TP_BG_PID
    for _ in $(seq 100); do ss -ltnH "sport = :$P6" | grep -q . && break; sleep 0.05; done
    tp_expect_exit "IPv6 literal [::1]" 0 C "[::1]:$P6" "${ROOT[@]}"
    tp_json "IPv6: server address and IP SAN checked" "$TP_OUT" 'j["server"].startswith("[::1]:") and j["server_verification"]["name_status"] == "ok"'
    tp_kill "$S6"
fi

tp_finish
