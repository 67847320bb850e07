#!/usr/bin/env bash
# DTLS over UDP in captures (issue 18 point 4): tcpdump on lo of openssl
# s_server -dtls1_2 / s_client -dtls1_2 sessions made now, decoded by 'pcap' and
# compared with tshark's fields on the same file: the cookie exchange
# (HelloVerifyRequest), a handshake fragmented by -mtu 500, a client that rejects
# the chain (its alert), and a non-DTLS UDP flow that must be ignored.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

for tool in tcpdump tshark openssl; do
    command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "skip: capturing on lo needs root"; exit 77; }

udp_port() {
    python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
}
wait_for() { local i; for ((i = 0; i < 200; i++)); do grep "$1" "$2" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }

# capture NAME SERVER_ARGS -- CLIENT_ARGS : one session on a fresh port into $TP_TMP/NAME.pcap
capture() {
    local name=$1 p sargs=() cargs=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do sargs+=("$1"); shift; done
    shift
    cargs=("$@")
    p=$(udp_port)
    tp_bg timeout 20 tcpdump -i lo --immediate-mode -U -s 0 -w "$TP_TMP/$name.pcap" "udp port $p" 2>"$TP_TMP/$name.tcpdump.log"
    local tpid=$TP_BG_PID
    # tcpdump says "listening on" on stderr; give it a moment through a log
    sleep 0.6
    tp_bg timeout 15 openssl s_server "${DTLS_VER:--dtls1_2}" -accept "127.0.0.1:$p" -cert "$PKI/good.pem" \
        -cert_chain "$PKI/int.pem" -key "$PKI/good.key" -quiet "${sargs[@]}" </dev/null \
        >"$TP_TMP/$name.srv.log" 2>&1
    local spid=$TP_BG_PID
    sleep 0.4
    { echo hello; sleep 0.4; } | timeout 8 openssl s_client "${DTLS_VER:--dtls1_2}" -connect "127.0.0.1:$p" \
        -servername server.test "${cargs[@]}" >"$TP_TMP/$name.cli.log" 2>&1
    sleep 0.3
    tp_kill "$spid"
    kill -INT "$tpid" 2>/dev/null
    wait "$tpid" 2>/dev/null
}

# tshark's handshake types in order (fragments of one message counted once).
tshark_types() {
    tp_tshark "$1" -Y dtls.handshake -T fields -e dtls.handshake.type 2>/dev/null | tr ',' '\n' | grep -v '^$'
}

# tshark_same NAME: every handshake type tshark decodes in clear in NAME.pcap is in
# our transcript of NAME.json
tshark_same() {
    tshark_types "$TP_TMP/$1.pcap" | sort -u >"$TP_TMP/$1.tshark"
    python3 - "$TP_TMP/$1.json" "$TP_TMP/$1.tshark" <<'EOF'
import json, sys
names = {1: "ClientHello", 2: "ServerHello", 3: "HelloVerifyRequest", 4: "NewSessionTicket", 11: "Certificate",
         12: "ServerKeyExchange", 13: "CertificateRequest", 14: "ServerHelloDone", 16: "ClientKeyExchange"}
j = json.loads(open(sys.argv[1]).readline())
ours = set(m["type"] for m in j["messages"])
want = set(names[int(t)] for t in open(sys.argv[2]).read().split() if int(t) in names)
missing = want - ours
print("  tshark types:", sorted(want), "missing:", sorted(missing))
sys.exit(1 if missing or not want else 0)
EOF
    tp_check "$1: the handshake messages tshark shows" $?
}

# 1. the cookie exchange (s_server answers the first ClientHello with a
#    HelloVerifyRequest), a verified chain, the whole handshake
capture basic -- -CAfile "$PKI/root.pem" -keylogfile "$TP_TMP/basic.keylog"
tp_expect_exit "pcap basic" 0 "$TLSPROBE" pcap "$TP_TMP/basic.pcap" --cafile "$PKI/root.pem" --format json
cp "$TP_OUT" "$TP_TMP/basic.json"
suite=$(tp_tshark "$TP_TMP/basic.pcap" -Y 'dtls.handshake.type == 2' -T fields -e dtls.handshake.ciphersuite 2>/dev/null | head -1)
sni=$(tp_tshark "$TP_TMP/basic.pcap" -Y 'dtls.handshake.type == 1' -T fields -e dtls.handshake.extensions_server_name 2>/dev/null | head -1)
tp_json "basic: one DTLS 1.2 session, complete, verified, no findings" "$TP_TMP/basic.json" \
    'j["version"] == "DTLS 1.2" and j["handshake_complete"] and j["server_verification"]["status"] == "ok" and ids(j) == []'
tp_json "basic: HelloVerifyRequest between the two ClientHellos" "$TP_TMP/basic.json" \
    'hs(j)[:5] == ["ClientHello", "HelloVerifyRequest", "ClientHello", "ServerHello", "Certificate"]'
# tshark gives the suite as 0xc02c: its IANA name through openssl's table
hexid=$(printf '0x%s,0x%s' "$(echo "${suite#0x}" | cut -c1-2 | tr a-f A-F)" "$(echo "${suite#0x}" | cut -c3-4 | tr a-f A-F)")
suite_name=$(openssl ciphers -stdname -V ALL 2>/dev/null | awk -v id="$hexid" '$1 == id { print $3; exit }')
tp_json "basic: SNI and cipher suite as tshark ($sni, $suite = $suite_name)" "$TP_TMP/basic.json" \
    "'$sni' == 'server.test' and j['server_name'] == '$sni' and '$suite_name' != '' and j['cipher'] == '$suite_name'"
# Community ID v1 of a UDP flow (protocol 17), computed here from the endpoints
python3 - "$TP_TMP/basic.json" <<'EOF'
import base64, hashlib, ipaddress, json, struct, sys
j = json.loads(open(sys.argv[1]).readline())
a = (ipaddress.ip_address(j["client_ip"]).packed, j["client_port"])
b = (ipaddress.ip_address(j["server_ip"]).packed, j["server_port"])
(sa, sp), (da, dp) = sorted([a, b])
h = hashlib.sha1(struct.pack(">H", 0) + sa + da + struct.pack(">BBHH", 17, 0, sp, dp)).digest()
want = "1:" + base64.b64encode(h).decode()
print("  community_id", j["community_id"], "want", want)
sys.exit(0 if j["community_id"] == want else 1)
EOF
tp_check "basic: Community ID of the UDP flow" $?
# --shard K/3: the DTLS flow is in exactly the shard its Community ID says
want_k=$(python3 -c "import base64,sys; h=base64.b64decode(sys.argv[1][2:]); print(1 + int.from_bytes(h[:4], 'big') % 3)" \
    "$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["community_id"])' "$TP_TMP/basic.json")")
got=""
for k in 1 2 3; do
    n=$("$TLSPROBE" pcap "$TP_TMP/basic.pcap" --shard "$k/3" --cafile "$PKI/root.pem" --format json 2>/dev/null |
        grep -c '"type":"session"')
    [ "$n" = 1 ] && got="$got$k"
done
[ "$got" = "$want_k" ]
tp_check "--shard K/3: the DTLS flow only in shard $want_k (got '$got')" $?
tshark_same basic
tp_json "basic: CCS and encrypted Finished both ways" "$TP_TMP/basic.json" \
    'sum(m["type"] == "ChangeCipherSpec" for m in j["messages"]) == 2 and {m["dir"] for m in j["messages"] if m["type"] == "EncryptedRecord"} == {"c2s", "s2c"}'

# 1b. --keylog (s_client -keylogfile): epoch 1 decrypted (AES-256-GCM), as tshark does
tp_expect_exit "pcap basic --keylog" 0 "$TLSPROBE" pcap "$TP_TMP/basic.pcap" --keylog "$TP_TMP/basic.keylog" \
    --cafile "$PKI/root.pem" --format json
cp "$TP_OUT" "$TP_TMP/basic-kl.json"
tfin=$(tp_tshark "$TP_TMP/basic.pcap" -o "tls.keylog_file:$TP_TMP/basic.keylog" -Y 'dtls.handshake.type == 20' \
    -T fields -e frame.number 2>/dev/null | wc -l)
tclose=$(tp_tshark "$TP_TMP/basic.pcap" -o "tls.keylog_file:$TP_TMP/basic.keylog" -Y 'dtls.alert_message.desc == 0' \
    -T fields -e frame.number 2>/dev/null | wc -l)
tapp=$(tp_tshark "$TP_TMP/basic.pcap" -Y 'dtls.record.content_type == 23' -T fields -e dtls.record.content_type \
    2>/dev/null | tr ',' '\n' | grep -c '^23$')
tp_json "keylog: $tfin Finished, $tclose close_notify, $tapp application data records, as tshark Finished and $tclose close_notify decrypted, as tshark" "$TP_TMP/basic-kl.json" \
    "sum(m['type'] == 'Finished' and m['decrypted'] for m in j['messages']) == $tfin == 2 and sum(m['type'] == 'Alert' and m['decrypted'] and m['code'] == 0 for m in j['messages']) == $tclose and not j['keys_missing'] and not j['decrypt_failed'] and j['appdata']['c2s']['records'] + j['appdata']['s2c']['records'] == $tapp"
# a key log of another session: the keys are missing, nothing fails
printf 'CLIENT_RANDOM %064d %096d\n' 0 0 >"$TP_TMP/other.keylog"
tp_expect_exit "pcap basic, unrelated key log" 0 "$TLSPROBE" pcap "$TP_TMP/basic.pcap" --keylog "$TP_TMP/other.keylog" \
    --cafile "$PKI/root.pem" --format json
tp_json "unrelated key log: keys missing, no decrypt failure" "$TP_OUT" 'j["keys_missing"] and not j["decrypt_failed"]'

# 1c. every datagram twice (mergecap of the capture with itself): retransmissions
#     counted, the same transcript (no second CCS, Finished or alert)
if command -v mergecap >/dev/null; then
    mergecap -w "$TP_TMP/dup.pcap" "$TP_TMP/basic.pcap" "$TP_TMP/basic.pcap" 2>/dev/null
    "$TLSPROBE" pcap "$TP_TMP/dup.pcap" --keylog "$TP_TMP/basic.keylog" --cafile "$PKI/root.pem" --format json \
        >"$TP_TMP/dup.json" 2>/dev/null
    python3 - "$TP_TMP/basic-kl.json" "$TP_TMP/dup.json" <<'EOF'
import json, sys
a = json.loads(open(sys.argv[1]).readline())
b = json.loads(open(sys.argv[2]).readline())
ta = [(m["dir"], m["type"]) for m in a["messages"]]
tb = [(m["dir"], m["type"]) for m in b["messages"]]
rt = b["capture"]["retransmissions_c2s"] + b["capture"]["retransmissions_s2c"]
print("  retransmissions", rt, "same transcript", ta == tb)
sys.exit(0 if ta == tb and rt > 0 and b["handshake_complete"] and b["alert_count"] == a["alert_count"] else 1)
EOF
    tp_check "duplicated datagrams: same transcript, retransmissions counted" $?
fi

# 2. -mtu 500 on both ends: the Certificate travels in fragments; the server asks
#    for a client certificate (CertificateRequest; the client sends none)
capture mtu -mtu 500 -verify 1 -- -mtu 500 -CAfile "$PKI/root.pem"
nfrag=$(tp_tshark "$TP_TMP/mtu.pcap" -Y 'dtls.handshake.type == 11' 2>/dev/null | wc -l)
[ "$nfrag" -ge 3 ]
tp_check "mtu 500: tshark sees the Certificate in $nfrag datagrams" $?
tp_expect_exit "pcap mtu" 0 "$TLSPROBE" pcap "$TP_TMP/mtu.pcap" --cafile "$PKI/root.pem" --format json
cp "$TP_OUT" "$TP_TMP/mtu.json"
tp_json "mtu 500: one Certificate, reassembled, 2 certificates, verified" "$TP_TMP/mtu.json" \
    'hs(j, "s2c").count("Certificate") == 1 and j["certificate_count"] == 2 and j["server_verification"]["status"] == "ok" and j["handshake_complete"]'
tp_json "mtu 500: CertificateRequest, client_auth_requested" "$TP_TMP/mtu.json" \
    '"CertificateRequest" in hs(j, "s2c") and j["client_auth_requested"] and "Certificate" in hs(j, "c2s")'
tshark_same mtu

# 3. the client rejects the chain (another root): its fatal alert, from the client
capture badca -- -CAfile "$PKI/other-root.pem" -verify_return_error
# exit 1: a session failed
tp_expect_exit "pcap badca" 1 "$TLSPROBE" pcap "$TP_TMP/badca.pcap" --cafile "$PKI/root.pem" --format json
cp "$TP_OUT" "$TP_TMP/badca.json"
talert=$(tp_tshark "$TP_TMP/badca.pcap" -Y dtls.alert_message -T fields -e dtls.alert_message.desc 2>/dev/null | head -1)
[ -n "$talert" ]
tp_check "badca: tshark sees alert $talert" $?
tp_json "badca: the client's fatal alert ($talert), handshake not complete" "$TP_TMP/badca.json" \
    "not j['handshake_complete'] and j['outcome']['status'] == 'tls-failed' and ids(j) != [] and '$talert' != '' and any(m['type'] == 'Alert' and m['dir'] == 'c2s' and str(m['code']) == '$talert' for m in j['messages'])"
"$TLSPROBE" pcap "$TP_TMP/badca.pcap" --cafile "$PKI/root.pem" >"$TP_TMP/badca.txt" 2>&1
grep -i "alert" "$TP_TMP/badca.txt" >/dev/null
tp_check "badca: text output names the alert" $?

# 3b. every JSON line (sessions, the summary with dtls_flows) against docs/schema
tail -1 "$TP_TMP/badca.json" >"$TP_TMP/summary.json"
tp_json "summary: 1 DTLS flow, no TCP flow" "$TP_TMP/summary.json" \
    'j["type"] == "summary" and j["capture"]["dtls_flows"] == 1 and j["capture"]["flows"] == 0 and j["versions"] == {"DTLS 1.2": 1}'
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
    /usr/bin/python3 "$TP_SRC/tests/schema/validate.py" --schema-dir "$TP_SRC/docs/schema" \
        tlsprobe:"$TP_TMP/basic.json" tlsprobe:"$TP_TMP/basic-kl.json" tlsprobe:"$TP_TMP/mtu.json" \
        tlsprobe:"$TP_TMP/badca.json"
    tp_check "JSON output valid against docs/schema" $?
fi

# 3c. DTLS 1.0 (OpenSSL allows it at security level 0): AES-CBC with explicit IVs
#     decrypted (TLS 1.1 keys), its ServerKeyExchange read without a signature
#     algorithm, deprecated-version as for TLS 1.1
DTLS_VER=-dtls1 capture dtls10 -cipher 'DEFAULT@SECLEVEL=0' -- -cipher 'DEFAULT@SECLEVEL=0' \
    -CAfile "$PKI/root.pem" -keylogfile "$TP_TMP/dtls10.keylog"
if grep -i "handshake failure\|no protocols available\|unsupported" "$TP_TMP/dtls10.cli.log" >/dev/null; then
    echo "skip - DTLS 1.0: this OpenSSL refuses it"
else
    "$TLSPROBE" pcap "$TP_TMP/dtls10.pcap" --keylog "$TP_TMP/dtls10.keylog" --cafile "$PKI/root.pem" --format json \
        >"$TP_TMP/dtls10.json" 2>"$TP_TMP/dtls10.err"
    tp_json "DTLS 1.0: decrypted, SKE parsed, deprecated-version" "$TP_TMP/dtls10.json" \
        'j["version"] == "DTLS 1.0" and j["handshake_complete"] and ids(j) == ["deprecated-version"] and sum(m["type"] == "Finished" and m["decrypted"] for m in j["messages"]) == 2 and all(m["parse_error"] is None for m in j["messages"])'
fi

# 4. UDP that is not DTLS (a datagram of text on a port) is not a session
p=$(udp_port)
tp_bg timeout 10 tcpdump -i lo --immediate-mode -U -s 0 -w "$TP_TMP/plain.pcap" "udp port $p" 2>"$TP_TMP/plain.tcpdump.log"
tpid=$TP_BG_PID
sleep 0.6
python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);[s.sendto(b'\x16\xfe\xfd hello not dtls', ('127.0.0.1',$p)) for _ in range(3)]"
sleep 0.3
kill -INT "$tpid" 2>/dev/null
wait "$tpid" 2>/dev/null
tp_expect_exit "pcap plain udp" 0 "$TLSPROBE" pcap "$TP_TMP/plain.pcap" --format json
python3 -c "import json,sys; L=[json.loads(l) for l in open('$TP_OUT')]; sys.exit(0 if not [l for l in L if l.get('type')=='session'] else 1)"
tp_check "plain udp: no session" $?

# 4b. hostile: 300 flows, each the first 1,000 bytes of a ClientHello that claims
#     250,000: the DTLS flows' memory budget ends the least recent ones early
python3 - "$TP_TMP/hostile.pcap" <<'EOF'
import struct, sys
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
for i in range(300):
    frag = b"\x01" + (250000).to_bytes(3, "big") + b"\x00\x00" + bytes(3) + (1002).to_bytes(3, "big") + b"\xfe\xfd" + bytes(1000)
    payload = struct.pack(">BHHHIH", 22, 0xfefd, 0, 0, 0, len(frag)) + frag
    udp = struct.pack(">HHHH", 10000 + i, 4433, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([10, 0, i >> 8, i & 255]),
                     bytes([10, 1, 0, 1])) + udp
    out.write(struct.pack("<IIII", 1000, i, len(ip), len(ip)) + ip)
EOF
"$TLSPROBE" pcap "$TP_TMP/hostile.pcap" --format json >"$TP_TMP/hostile.json" 2>/dev/null
python3 - "$TP_TMP/hostile.json" <<'EOF'
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
s = [l for l in L if l["type"] == "session"]
early = sum("DTLS flow ended before" in (x["outcome"]["detail"] or "") for x in s)
print("  sessions", len(s), "ended early", early)
sys.exit(0 if len(s) == 300 and 100 < early < 300 and L[-1]["capture"]["dtls_flows"] == 300 else 1)
EOF
tp_check "hostile: 300 half-sent DTLS handshakes, memory budget ends flows early" $?

# 5. sniff -i lo --count 1: a DTLS session is reported when both sides said
#    goodbye (close_notify), without waiting for the capture to end
p=$(udp_port)
tp_bg timeout 30 "$TLSPROBE" sniff -i lo --filter "udp port $p" --count 1 --cafile "$PKI/root.pem" --format json \
    >"$TP_TMP/sniff.json" 2>"$TP_TMP/sniff.err"
sniff_pid=$TP_BG_PID
wait_for "sniffing on lo" "$TP_TMP/sniff.err"
tp_bg timeout 15 openssl s_server -dtls1_2 -accept "127.0.0.1:$p" -cert "$PKI/good.pem" -cert_chain "$PKI/int.pem" \
    -key "$PKI/good.key" -quiet </dev/null >"$TP_TMP/sniff.srv.log" 2>&1
spid=$TP_BG_PID
sleep 0.4
{ echo hello; sleep 0.4; } | timeout 8 openssl s_client -dtls1_2 -connect "127.0.0.1:$p" -servername server.test \
    -CAfile "$PKI/root.pem" >"$TP_TMP/sniff.cli.log" 2>&1
tp_kill "$spid"
for ((i = 0; i < 100; i++)); do kill -0 "$sniff_pid" 2>/dev/null || break; sleep 0.05; done
wait "$sniff_pid"
tp_check "sniff: exit 0 after --count 1, before its timeout ($(head -c 300 "$TP_TMP/sniff.err" | tr '\n' ' '))" $?
tp_json "sniff: one DTLS 1.2 session, complete" "$TP_TMP/sniff.json" \
    'j["source"] == "sniff" and j["version"] == "DTLS 1.2" and j["handshake_complete"] and ids(j) == []'

tp_finish
