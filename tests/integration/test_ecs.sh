#!/usr/bin/env bash
# --format ecs (issue 22 item 2): every document that connect, listen, pcap, sniff
# and demo print is checked against Elastic's own field definitions for the fields
# used (tests/ecs/ecs_fields.yml, vendored from elastic/ecs v8.17.0) and
# tlsprobe's (tests/ecs/tlsprobe_fields.yml) by tests/ecs/validate_ecs.py: each
# field defined, of its type, lists where ECS says array, allowed values, no
# other top-level field set than ECS's and tlsprobe; the Community ID recomputed
# from the addresses, certificate hashes from the chain. Peers are real: openssl
# s_server / s_client on 127.0.0.1, the capture fixtures, the demo lab. Then the
# same session in JSON and ECS agree (community_id, ja3, SNI, chain), the other
# commands refuse the format with exit 2 and one line, and the validator is shown
# to catch a wrong type, an unknown field and a wrong Community ID.
. "$(dirname "$0")/lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
if ! "$PY" -c 'import yaml' 2>/dev/null; then
    echo "FAIL: python3-yaml is not installed for $PY (scripts/deps.sh installs it)"
    exit 1
fi
VALIDATE=("$PY" "$TP_SRC/tests/ecs/validate_ecs.py" --fields "$TP_SRC/tests/ecs")
T=$TLSPROBE
ROOT=(--cafile "$PKI/root.pem")
E=$TP_TMP/ecs
mkdir -p "$E"
FILES=()
N=0
# run NAME CMD... : stdout (bounded, 30 s) is ECS documents to validate; at least one
run() {
    local name=$1
    shift
    N=$((N + 1))
    local out="$E/$N.$name.jsonl"
    timeout 30 "$@" >"$out" 2>"$out.err"
    local rc=$?
    if [ "$rc" -ge 124 ] || [ ! -s "$out" ]; then
        tp_check "$name: ran and printed documents (exit $rc)" 1
        head -c 600 "$out.err" >&2
        return
    fi
    FILES+=("$out")
}

# ---- pcap: every capture, with its key log; the summary goes to stderr ----
for f in "$TP_FIXTURES"/captures/*.pcap "$TP_FIXTURES"/captures/*.pcapng; do
    k=${f%.*}.keylog
    KL=()
    [ -f "$k" ] && KL=(--keylog "$k")
    run "pcap-$(basename "$f")" "$T" pcap --format ecs "${KL[@]}" "$f"
done
PC=$E/pcap-mtls
"$T" pcap --format ecs --keylog "$TP_FIXTURES/captures/tls13-mtls.keylog" "$TP_FIXTURES/captures/tls13-mtls.pcap" >"$PC.ecs" 2>"$PC.err"
"$T" pcap --format json --no-summary --keylog "$TP_FIXTURES/captures/tls13-mtls.keylog" "$TP_FIXTURES/captures/tls13-mtls.pcap" >"$PC.json" 2>/dev/null
tp_check "pcap --format ecs: the summary is on stderr, as text" \
    "$(grep -q '^summary: ' "$PC.err" && ! grep -q summary "$PC.ecs"; echo $?)"
# the same session in both formats: the facts agree
"$PY" - "$PC.json" "$PC.ecs" <<'EOF'
import json, sys
j = [json.loads(l) for l in open(sys.argv[1])]
e = [json.loads(l) for l in open(sys.argv[2])]
assert len(j) == len(e) == 1, (len(j), len(e))
j, e = j[0], e[0]
ch = [m for m in j["messages"] if m["type"] == "ClientHello"][0]
sh = [m for m in j["messages"] if m["type"] == "ServerHello"][0]
assert e["network"]["community_id"] == j["community_id"], (e["network"], j["community_id"])
assert e["tls"]["client"]["ja3"] == ch["ja3_hash"]
assert e["tls"]["server"]["ja3s"] == sh["ja3s_hash"]
assert e["tlsprobe"]["ja4"] == ch["ja4"]
assert e["tls"]["client"]["server_name"] == j["server_name"]
assert e["tls"]["cipher"] == j["cipher"] and "TLS " + e["tls"]["version"] == j["version"]
assert e["tls"]["server"]["hash"]["sha256"] == j["certificates"][0]["sha256"].upper()
assert e["tls"]["client"]["hash"]["sha256"] == j["client_certificates"][0]["sha256"].upper()
assert e["tls"]["server"]["x509"]["subject"]["common_name"] == [j["certificates"][0]["subject_cn"]]
assert len(e["tls"]["server"]["certificate_chain"]) == len(j["certificates"])
assert [f["id"] for f in e["tlsprobe"]["findings"]] == [f["id"] for f in j["findings"]]
assert e["@timestamp"].startswith(j["timings"]["start"][:19]), (e["@timestamp"], j["timings"]["start"])
EOF
tp_check "pcap: the ECS document and the JSON line of one session agree" $?

# ---- demo: every scenario at once ----
run demo-all "$T" demo all --format ecs

# ---- connect: openssl s_server on 127.0.0.1 ----
C=(connect --format ecs --timeout 5)
SRV() { # SRV LEAF [s_server args...]
    local leaf=$1
    shift
    tp_s_server -cert "$PKI/$leaf.pem" -key "$PKI/$leaf.key" -cert_chain "$PKI/int.pem" "$@"
}
if SRV good -tls1_3 -alpn h2; then
    run connect-tls13 "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --alpn h2,http/1.1
    run connect-host "$T" "${C[@]}" "localhost:$TP_PORT" "${ROOT[@]}"
    tp_kill "$TP_SRV_PID"
fi
if SRV good -tls1_2 -Verify 1 -CAfile "$PKI/root.pem"; then
    run connect-tls12-mtls "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" \
        --cert "$PKI/client-fullchain.pem" --key "$PKI/client.key"
    tp_kill "$TP_SRV_PID"
fi
if SRV nasty; then # escapes and NUL bytes in names
    run connect-nasty "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
    tp_kill "$TP_SRV_PID"
fi
if tp_s_server -cert "$PKI/int.pem" -key "$PKI/int.key" -tls1_2 -cipher 'ECDHE-RSA-AES128-GCM-SHA256'; then
    run connect-ecdhe-rsa "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
    tp_kill "$TP_SRV_PID"
fi
DEAD=$(tp_free_port)
run connect-refused "$T" "${C[@]}" "127.0.0.1:$DEAD"
run connect-no-resolve "$T" connect --format ecs --timeout 3 "no-such-host.invalid:443"

# ---- connect --starttls: the scripted peer (tests/integration/starttls_peer.py) ----
# st_peer PROTO MODE: one connection; sets ST_PORT
st_peer() {
    rm -f "$TP_TMP/st.port"
    tp_bg timeout 30 "$PY" "$TP_SRC/tests/integration/starttls_peer.py" "$1" "$2" "$PKI/good-fullchain.pem" \
        "$PKI/good.key" "$TP_TMP/st.port" --lifetime 25
    ST_PID=$TP_BG_PID
    for ((i = 0; i < 200; i++)); do
        [ -s "$TP_TMP/st.port" ] && break
        sleep 0.05
    done
    ST_PORT=$(cat "$TP_TMP/st.port" 2>/dev/null)
}
st_peer smtp ok
run connect-starttls-smtp "$T" "${C[@]}" "localhost:$ST_PORT" --starttls smtp "${ROOT[@]}"
tp_kill "$ST_PID"
st_peer xmpp unavailable
run connect-starttls-xmpp-unavailable "$T" "${C[@]}" "localhost:$ST_PORT" --starttls xmpp "${ROOT[@]}"
tp_kill "$ST_PID"
"$PY" - "$E"/*.connect-starttls-smtp.jsonl "$E"/*.connect-starttls-xmpp-unavailable.jsonl <<'EOF'
import json, sys
ok, un = (json.loads(open(f).readline()) for f in sys.argv[1:3])
st = ok["tlsprobe"]["starttls"]
assert ok["network"]["protocol"] == "smtp" and ok["tls"]["established"] is True, ok["network"]
assert st["protocol"] == "smtp" and st["status"] == "ok" and "detail" not in st, st
assert [l["dir"] for l in st["exchange"]][:2] == ["s2c", "c2s"], st["exchange"]
assert any(l["dir"] == "c2s" and l["text"] == "STARTTLS" for l in st["exchange"]), st["exchange"]
assert ok["event"]["outcome"] == "success" and ok["tlsprobe"]["findings"] == []
st = un["tlsprobe"]["starttls"]
assert un["network"]["protocol"] == "xmpp" and un["tls"]["established"] is False, (un["network"], un["tls"])
assert st["status"] == "unavailable" and "starttls" in st["detail"], st
assert un["event"]["outcome"] == "failure" and un["tlsprobe"]["outcome"]["status"] == "starttls-failed"
assert "STARTTLS (xmpp)" in un["event"]["reason"], un["event"]
assert [f["id"] for f in un["tlsprobe"]["findings"]] == ["starttls-unavailable"]
EOF
tp_check "connect --starttls: network.protocol and tlsprobe.starttls (exchange, status, detail)" $?

# ---- listen: s_client clients ----
LOUT=$E/listen.jsonl
tp_bg timeout 30 "$T" listen 127.0.0.1:0 --format ecs --timeout 5 --linger 0 --cert "$PKI/good-fullchain.pem" \
    --key "$PKI/good.key" --client-ca "$PKI/root.pem" --alpn h2,http/1.1 --count 3 >"$LOUT" 2>"$LOUT.err"
LPID=$TP_BG_PID
LPORT=
for ((i = 0; i < 500; i++)); do
    LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$LOUT.err")
    [ -n "$LPORT" ] && break
    kill -0 "$LPID" 2>/dev/null || break
    sleep 0.02
done
if [ -n "$LPORT" ]; then
    sc() { timeout 10 openssl s_client -connect "127.0.0.1:$LPORT" "$@" </dev/null >/dev/null 2>&1; }
    sc -tls1_3 -servername server.test -alpn h2 -CAfile "$PKI/root.pem" -cert "$PKI/client.pem" \
        -cert_chain "$PKI/client-fullchain.pem" -key "$PKI/client.key"
    sc -tls1_2 -servername server.test -CAfile "$PKI/root.pem"
    sc -tls1_3 -noservername -CAfile "$PKI/other-root.pem" -verify_return_error
    wait "$LPID"
    tp_check "listen: one document per client (3)" "$([ "$(wc -l <"$LOUT")" = 3 ]; echo $?)"
    FILES+=("$LOUT")
else
    tp_check "listen --format ecs started" 1
    cat "$LOUT.err" >&2
fi

# ---- sniff on lo (needs root or CAP_NET_RAW: otherwise said, not failed) ----
if SRV good; then
    SOUT=$E/sniff.jsonl
    tp_bg timeout 15 "$T" sniff -i lo --count 1 --format ecs --filter "tcp port $TP_PORT" >"$SOUT" 2>"$SOUT.err"
    SPID=$TP_BG_PID
    for ((i = 0; i < 250; i++)); do
        grep -q '^sniffing on' "$SOUT.err" 2>/dev/null && break
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.02
    done
    if grep -q '^sniffing on' "$SOUT.err"; then
        timeout 10 "$T" connect --timeout 3 "127.0.0.1:$TP_PORT" --servername localhost >/dev/null 2>&1
        wait "$SPID"
        if [ -s "$SOUT" ]; then FILES+=("$SOUT"); else echo "# sniff saw no session in time"; fi
    else
        tp_kill "$SPID"
        echo "# sniff not checked: $(head -n 1 "$SOUT.err") (needs root or CAP_NET_RAW)"
    fi
    tp_kill "$TP_SRV_PID"
fi

# ---- every document against the definitions; the fields each case must show ----
REQ=()
for f in @timestamp ecs.version event.kind event.category event.type event.outcome event.duration \
    source.ip source.port destination.ip destination.port destination.domain client.ip server.port \
    network.transport network.protocol network.community_id tls.version tls.version_protocol tls.cipher \
    tls.curve tls.established tls.resumed tls.next_protocol tls.client.server_name tls.client.ja3 \
    tls.client.supported_ciphers tls.server.ja3s tls.server.certificate_chain tls.server.hash.sha256 \
    tls.server.not_before tls.server.not_after tls.server.issuer tls.server.subject \
    tls.server.x509.subject.distinguished_name tls.server.x509.subject.common_name \
    tls.server.x509.issuer.common_name tls.server.x509.serial_number tls.server.x509.alternative_names \
    tls.server.x509.public_key_algorithm tls.server.x509.public_key_size tls.server.x509.public_key_curve \
    tls.server.x509.signature_algorithm tls.server.x509.version_number tls.client.x509.subject.common_name \
    tls.client.hash.sha256 tlsprobe.findings.id tlsprobe.verdict tlsprobe.server_verification.valid \
    tlsprobe.client_verification.valid event.reason; do
    REQ+=(--require "$f")
done
"${VALIDATE[@]}" --nonempty "${REQ[@]}" "${FILES[@]}" >"$TP_TMP/validate.out" 2>&1
VRC=$?
head -60 "$TP_TMP/validate.out"
tp_check "every ECS document validates against ECS $(sed -n 's/^ecs_version: //p' "$TP_SRC/tests/ecs/ecs_fields.yml") (${#FILES[@]} outputs)" "$VRC"

# connect without a connection: no addresses, so no Community ID, and a failure
ONE=$(printf '%s\n' "${FILES[@]}" | grep connect-refused | head -n 1)
tp_json "connect refused: event.outcome failure, no network.community_id" "$ONE" \
    'j["event"]["outcome"] == "failure" and "community_id" not in j["network"] and "source" not in j'
ONE=$(printf '%s\n' "${FILES[@]}" | grep connect-tls13 | head -n 1)
tp_json "connect TLS 1.3: success, h2, x25519, verified" "$ONE" \
    'j["event"]["outcome"] == "success" and j["tls"]["next_protocol"] == "h2" and j["tls"]["curve"] == "x25519" and j["tlsprobe"]["server_verification"]["valid"]'
ONE=$(printf '%s\n' "${FILES[@]}" | grep connect-nasty | head -n 1)
tp_json "connect: escaped names come back as the certificate's bytes" "$ONE" \
    'j["tls"]["server"]["x509"]["subject"]["common_name"] == ["nasty\x1b[31m.test"] and "evil\x00.test\x1b[31m" in j["tls"]["server"]["x509"]["alternative_names"]'

# ---- the commands that print no sessions refuse it: exit 2, one line ----
for c in "inspect $PKI/good.pem" "check --chain $PKI/good.pem" "explain x509:"; do
    # shellcheck disable=SC2086
    tp_expect_exit "${c%% *} --format ecs refused" 2 "$T" $c --format ecs
    tp_check "${c%% *} --format ecs: one line on stderr, nothing on stdout" \
        "$([ "$(wc -l <"$TP_ERR")" = 1 ] && [ ! -s "$TP_OUT" ] && grep -q "ecs" "$TP_ERR"; echo $?)"
done

# ---- the validator catches what it is for ----
GOOD=$(printf '%s\n' "${FILES[@]}" | grep connect-tls13 | head -n 1)
bad() { # NAME PYEXPR-on-j : the changed document must fail with a line naming FIELD
    local name=$1 expr=$2 want=$3
    "$PY" -c "import json,sys; j=json.loads(open(sys.argv[1]).readline()); $expr; print(json.dumps(j))" "$GOOD" \
        >"$TP_TMP/bad.$name.jsonl"
    "${VALIDATE[@]}" "$TP_TMP/bad.$name.jsonl" >"$TP_TMP/bad.$name.out" 2>&1
    tp_check "the validator fails $name" "$([ $? = 1 ] && grep -q "$want" "$TP_TMP/bad.$name.out"; echo $?)"
}
bad "a port as a string" 'j["source"]["port"] = str(j["source"]["port"])' "source.port"
bad "a renamed tls field" 'j["tls"]["ciphers"] = j["tls"].pop("cipher")' "tls.ciphers"
bad "an unknown field set" 'j["ssl"] = {"version": "1.3"}' "ssl"
bad "one value where ECS wants a list" 'j["event"]["category"] = "network"' "event.category"
bad "a value ECS does not allow" 'j["event"]["outcome"] = "ok"' "event.outcome"
bad "a wrong Community ID" 'j["source"]["port"] += 1; j["client"]["port"] += 1' "community_id"
bad "a hash of another certificate" 'c = j["tls"]["server"]["certificate_chain"]; c.reverse()' "hash.sha256"
tp_finish
