#!/usr/bin/env bash
# pcap --key (issue 18 point 3): TLS 1.0-1.2 sessions with RSA key exchange are
# decrypted with the server's RSA private key (PEM/DER, PKCS#1/PKCS#8, encrypted
# with --pass, PKCS#12), with and without extended master secret, AES-GCM and
# CBC; the decrypted handshake messages are the ones tshark decrypts with the same
# key from the same capture (tcpdump on loopback of openssl s_server/s_client).
# Sessions that cannot be decrypted say why (undecrypted_reason).
. "$(dirname "$0")/lib.sh"

command -v tcpdump >/dev/null || { echo "SKIP: no tcpdump"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }

K=$TP_TMP/rsa.key
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K" -out "$TP_TMP/rsa.pem" -subj /CN=localhost -days 90 \
    2>/dev/null || { echo "FAIL: openssl req"; exit 1; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TP_TMP/other.key" -out "$TP_TMP/other.pem" \
    -subj /CN=other -days 90 2>/dev/null || { echo "FAIL: openssl req"; exit 1; }
# the same key as PKCS#1 DER, as encrypted PEM and in a PKCS#12 archive
openssl rsa -in "$K" -traditional -outform DER -out "$TP_TMP/rsa1.der" 2>/dev/null
openssl pkey -in "$K" -aes-128-cbc -passout pass:s3cret -out "$TP_TMP/rsa-enc.pem" 2>/dev/null
openssl pkcs12 -export -inkey "$K" -in "$TP_TMP/rsa.pem" -passout pass:s3cret -out "$TP_TMP/rsa.p12" 2>/dev/null
# openssl 3.0 has no -no_ems: the SSL_CONF option in a configuration file
cat > "$TP_TMP/noems.cnf" <<'EOF'
openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Options = -ExtendedMasterSecret
EOF

# capture NAME CONF CIPHER VERSION: one s_server/s_client session captured to $TP_TMP/NAME.pcap
# ($SRV_ID and $CLI_ID: the server's identity options and the client's extra options)
SRV_ID=(-cert "$TP_TMP/rsa.pem" -key "$K")
CLI_ID=()
capture() {
    local name=$1 conf=$2 cipher=$3 ver=$4 P SRV
    P=$(tp_free_port)
    OPENSSL_CONF=$conf timeout 20 openssl s_server -accept "127.0.0.1:$P" "${SRV_ID[@]}" \
        -cipher "$cipher" "$ver" -www -naccept 1 </dev/null >"$TP_TMP/$name.srv" 2>&1 &
    SRV=$!
    TP_PIDS+=("$SRV")
    tp_wait_listen "$P" 5 || { echo "FAIL: s_server did not start"; return 1; }
    tp_tcpdump "$TP_TMP/$name.pcap" "tcp port $P" || { echo "FAIL: tcpdump did not start"; return 1; }
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$P" -cipher "$cipher" "$ver" \
        "${CLI_ID[@]}" -ign_eof -keylogfile "$TP_TMP/$name.keys" >"$TP_TMP/$name.cli" 2>&1
    for _ in $(seq 40); do kill -0 "$SRV" 2>/dev/null || break; sleep 0.05; done
    tp_tcpdump_stop "$TP_TMP/$name.pcap"
    tp_kill "$SRV"
}

# tshark's decrypted handshake types per direction vs tlsprobe's (JSON on stdin)
cat > "$TP_TMP/cmp.py" <<'EOF'
import json, subprocess, sys
pcap, key = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
from tshark_tls import decode_args
# a key file is an RSA key (tshark's RSA keys table); else the hex of a PSK
opt = ('tls.keylog_file:' + key if key.endswith('.keys') else 'uat:rsa_keys:"%s",""' % key if '/' in key
       else 'tls.psk:' + key)
names = {1: 'ClientHello', 2: 'ServerHello', 4: 'NewSessionTicket', 5: 'EndOfEarlyData', 8: 'EncryptedExtensions',
         11: 'Certificate', 12: 'ServerKeyExchange', 14: 'ServerHelloDone', 15: 'CertificateVerify',
         16: 'ClientKeyExchange', 20: 'Finished'}
out = subprocess.run(['tshark', '-r', pcap, *decode_args(pcap), '-o', opt, '-T', 'fields',
                      '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tls.handshake.type'],
                     capture_output=True, text=True, check=True).stdout
j = json.loads(sys.stdin.readline())
cport = j['client'].rsplit(':', 1)[1]
ts = {'c2s': [], 's2c': []}
for line in out.splitlines():
    f = (line.split('\t') + ['', '', ''])[:3]
    if not f[2]:
        continue
    d = 'c2s' if f[0] == cport else 's2c'
    ts[d] += [names.get(int(t), t) for t in f[2].split(',')]
tp = {'c2s': [], 's2c': []}
for m in j['messages']:
    if m['type'] not in ('ChangeCipherSpec', 'Alert', 'EncryptedRecord'):
        tp[m['dir']].append(m['type'])
print('  tshark  ', ts)
print('  tlsprobe', tp)
ok = ts == tp and 'Finished' in ts['c2s'] and 'Finished' in ts['s2c']
sys.exit(0 if ok else 1)
EOF

decrypts() { # NAME PCAP KEYARGS...: decrypted like tshark ($TSHARK_KEY, default the RSA key), data counted
    local name=$1 pcap=$2
    shift 2
    tp_expect_exit "$name: pcap --key" 0 env -u SSLKEYLOGFILE "$TLSPROBE" pcap "$pcap" "$@" --format json --no-summary \
        --cafile "$TP_TMP/rsa.pem"
    tp_json "$name: both Finished decrypted, no reason, data counted" "$TP_OUT" \
        '[m["dir"] for m in j["messages"] if m["type"] == "Finished" and m["decrypted"]] == ["c2s", "s2c"] and j["undecrypted_reason"] is None and not j["keys_missing"] and not j["decrypt_failed"] and j["appdata"]["c2s"]["records"] >= 1 and j["appdata"]["s2c"]["records"] >= 1'
    python3 "$TP_TMP/cmp.py" "$pcap" "${TSHARK_KEY:-$K}" "$TP_SRC/tests/integration" < "$TP_OUT"
    tp_check "$name: decrypted handshake messages as tshark's" $?
}

capture gcm-ems /dev/null AES128-GCM-SHA256 -tls1_2
grep 'Extended master secret: yes' "$TP_TMP/gcm-ems.cli" >/dev/null
tp_check "gcm-ems: the session used an extended master secret" $?
decrypts "TLS 1.2 AES-GCM, EMS" "$TP_TMP/gcm-ems.pcap" --key "$K"

capture gcm-noems "$TP_TMP/noems.cnf" AES128-GCM-SHA256 -tls1_2
grep 'Extended master secret: no' "$TP_TMP/gcm-noems.cli" >/dev/null
tp_check "gcm-noems: the session had no extended master secret" $?
decrypts "TLS 1.2 AES-GCM, no EMS" "$TP_TMP/gcm-noems.pcap" --key "$K"

capture cbc /dev/null AES128-SHA -tls1_2
decrypts "TLS 1.2 AES-CBC-SHA, EMS" "$TP_TMP/cbc.pcap" --key "$K"

capture cbc10 /dev/null 'AES128-SHA:@SECLEVEL=0' -tls1
if grep 'Protocol  *: TLSv1$' "$TP_TMP/cbc10.cli" >/dev/null; then
    decrypts "TLS 1.0 AES-CBC-SHA (MD5/SHA-1 PRF), EMS" "$TP_TMP/cbc10.pcap" --key "$K"
else
    echo "# TLS 1.0 not negotiated by this openssl: case not run"
fi

# the key in other forms; several keys, the right one picked by public key
decrypts "PKCS#1 DER key" "$TP_TMP/gcm-ems.pcap" --key "$TP_TMP/rsa1.der"
decrypts "encrypted PEM key with --pass" "$TP_TMP/gcm-noems.pcap" --key "$TP_TMP/rsa-enc.pem" --pass pass:s3cret
decrypts "PKCS#12 with --pass" "$TP_TMP/gcm-ems.pcap" --key "$TP_TMP/rsa.p12" --pass pass:s3cret
decrypts "two keys, the matching one used" "$TP_TMP/cbc.pcap" --key "$TP_TMP/other.key" --key "$K"

# why not decrypted
capture ecdhe /dev/null ECDHE-RSA-AES128-GCM-SHA256 -tls1_2
tp_expect_exit "ECDHE with --key" 0 env -u SSLKEYLOGFILE "$TLSPROBE" pcap "$TP_TMP/ecdhe.pcap" --key "$K" \
    --format json --no-summary --cafile "$TP_TMP/rsa.pem"
tp_json "ECDHE with --key: a key log is needed" "$TP_OUT" 'j["undecrypted_reason"] == "needs-keylog" and j["keys_missing"]'
tp_expect_exit "ECDHE with its key log" 0 env -u SSLKEYLOGFILE "$TLSPROBE" pcap "$TP_TMP/ecdhe.pcap" --key "$K" \
    --keylog "$TP_TMP/ecdhe.keys" --format json --no-summary --cafile "$TP_TMP/rsa.pem"
tp_json "ECDHE with its key log: decrypted" "$TP_OUT" 'j["undecrypted_reason"] is None and [m["dir"] for m in j["messages"] if m["type"] == "Finished" and m["decrypted"]] == ["c2s", "s2c"]'
tp_expect_exit "ECDHE with --key, text" 0 env -u SSLKEYLOGFILE "$TLSPROBE" pcap "$TP_TMP/ecdhe.pcap" --key "$K" \
    --no-summary --cafile "$TP_TMP/rsa.pem"
grep 'not decrypted: ECDHE/DHE key exchange' "$TP_OUT" >/dev/null
tp_check "ECDHE with --key, text: the reason is printed" $?

tp_expect_exit "RSA with another key" 0 env -u SSLKEYLOGFILE "$TLSPROBE" pcap "$TP_TMP/cbc.pcap" \
    --key "$TP_TMP/other.key" --format json --no-summary --cafile "$TP_TMP/rsa.pem"
tp_json "RSA with another key: no key matches" "$TP_OUT" 'j["undecrypted_reason"] == "rsa-key-mismatch" and j["keys_missing"]'
tp_expect_exit "RSA without keys" 0 env -u SSLKEYLOGFILE "$TLSPROBE" pcap "$TP_TMP/cbc.pcap" \
    --format json --no-summary --cafile "$TP_TMP/rsa.pem"
tp_json "RSA without keys: none given" "$TP_OUT" 'j["undecrypted_reason"] == "no-keys"'
tp_expect_exit "RSA with another session's key log" 0 env -u SSLKEYLOGFILE "$TLSPROBE" pcap "$TP_TMP/cbc.pcap" \
    --keylog "$TP_TMP/ecdhe.keys" --format json --no-summary --cafile "$TP_TMP/rsa.pem"
tp_json "RSA with another session's key log: no entry" "$TP_OUT" 'j["undecrypted_reason"] == "no-keylog-entry"'
# the key log still wins for a session it has (here: the same master secret)
tp_expect_exit "RSA with key log and key" 0 env -u SSLKEYLOGFILE "$TLSPROBE" pcap "$TP_TMP/cbc.pcap" \
    --keylog "$TP_TMP/cbc.keys" --key "$TP_TMP/other.key" --format json --no-summary --cafile "$TP_TMP/rsa.pem"
tp_json "RSA with key log and a wrong key: the key log decrypts" "$TP_OUT" 'j["undecrypted_reason"] is None and not j["keys_missing"]'

# --psk: plain PSK (RFC 4279), with an extended master secret
HEX=00112233445566778899aabbccddeeff
SRV_ID=(-psk "$HEX" -nocert)
CLI_ID=(-psk "$HEX" -psk_identity client:one)
capture psk /dev/null PSK-AES128-GCM-SHA256 -tls1_2
grep 'Cipher is PSK-AES128-GCM-SHA256' "$TP_TMP/psk.cli" >/dev/null
tp_check "psk: the PSK suite was negotiated" $?
TSHARK_KEY=$HEX decrypts "TLS 1.2 PSK, identity with a colon" "$TP_TMP/psk.pcap" --psk "client:one:$HEX"
TSHARK_KEY=$HEX decrypts "TLS 1.2 PSK, any identity" "$TP_TMP/psk.pcap" --psk "other:ffff" --psk ":$HEX"
tp_expect_exit "PSK, another identity's key" 0 env -u SSLKEYLOGFILE "$TLSPROBE" pcap "$TP_TMP/psk.pcap" \
    --psk "other:$HEX" --format json --no-summary
tp_json "PSK, another identity's key: says so" "$TP_OUT" 'j["undecrypted_reason"] == "psk-mismatch" and j["keys_missing"]'
tp_expect_exit "PSK, wrong key" 0 env -u SSLKEYLOGFILE "$TLSPROBE" pcap "$TP_TMP/psk.pcap" \
    --psk "client:one:ffff" --format json --no-summary
tp_json "PSK, wrong key: records do not authenticate" "$TP_OUT" 'j["undecrypted_reason"] == "auth-failed" and j["decrypt_failed"]'
tp_expect_exit "--psk without hex" 2 "$TLSPROBE" pcap "$TP_TMP/psk.pcap" --psk "client"
tp_expect_exit "--psk with bad hex" 2 "$TLSPROBE" pcap "$TP_TMP/psk.pcap" --psk "client:0g"
[ "$(wc -l < "$TP_ERR")" = 1 ]
tp_check "--psk with bad hex: one line" $?

# TLS 1.3 0-RTT: CLIENT_EARLY_TRAFFIC_SECRET opens the early data and
# EndOfEarlyData (which decrypts only after the early data record did: same
# key, next sequence number)
printf 'GET / HTTP/1.0\r\n\r\n' > "$TP_TMP/early.txt"
P=$(tp_free_port)
sleep 10 | timeout 20 openssl s_server -accept "127.0.0.1:$P" -cert "$TP_TMP/rsa.pem" -key "$K" -tls1_3 -early_data \
    -naccept 2 -quiet > "$TP_TMP/early.srv" 2>&1 &
SRV=$!
TP_PIDS+=("$SRV")
if tp_wait_listen "$P" 5; then
    sleep 1 | timeout 5 openssl s_client -connect "127.0.0.1:$P" -tls1_3 -sess_out "$TP_TMP/sess.pem" >/dev/null 2>&1
    tp_tcpdump "$TP_TMP/early.pcap" "tcp port $P"
    sleep 1 | timeout 5 openssl s_client -connect "127.0.0.1:$P" -tls1_3 -sess_in "$TP_TMP/sess.pem" \
        -early_data "$TP_TMP/early.txt" -keylogfile "$TP_TMP/early.keys" > "$TP_TMP/early.cli" 2>&1
    tp_tcpdump_stop "$TP_TMP/early.pcap"
fi
tp_kill "$SRV"
grep 'Early data was accepted' "$TP_TMP/early.cli" >/dev/null
tp_check "0-RTT: the server accepted early data" $?
tp_expect_exit "0-RTT with its key log" 0 env -u SSLKEYLOGFILE "$TLSPROBE" pcap "$TP_TMP/early.pcap" \
    --keylog "$TP_TMP/early.keys" --format json --no-summary --cafile "$TP_TMP/rsa.pem"
tp_json "0-RTT: EndOfEarlyData decrypted, early data counted" "$TP_OUT" '[m["type"] for m in j["messages"] if m["dir"] == "c2s" and m["decrypted"]][:2] == ["EndOfEarlyData", "Finished"] and j["appdata"]["c2s"]["records"] >= 1 and j["undecrypted_reason"] is None'
python3 "$TP_TMP/cmp.py" "$TP_TMP/early.pcap" "$TP_TMP/early.keys" "$TP_SRC/tests/integration" < "$TP_OUT"
tp_check "0-RTT: decrypted handshake messages as tshark's" $?

# bad --key values: exit 2, one line
tp_expect_exit "--key of a missing file" 2 "$TLSPROBE" pcap "$TP_TMP/cbc.pcap" --key "$TP_TMP/nope.key"
[ "$(wc -l < "$TP_ERR")" = 1 ]
tp_check "--key of a missing file: one line" $?
tp_expect_exit "--key of a certificate" 2 "$TLSPROBE" pcap "$TP_TMP/cbc.pcap" --key "$TP_TMP/rsa.pem"
grep 'holds no RSA private key' "$TP_ERR" >/dev/null
tp_check "--key of a certificate: says so" $?
tp_expect_exit "--key of an EC key" 2 "$TLSPROBE" pcap "$TP_TMP/cbc.pcap" --key "$PKI/good.key"
tp_expect_exit "encrypted --key without --pass" 2 "$TLSPROBE" pcap "$TP_TMP/cbc.pcap" --key "$TP_TMP/rsa-enc.pem"
grep -- '--pass' "$TP_ERR" >/dev/null
tp_check "encrypted --key without --pass: names --pass" $?
tp_expect_exit "encrypted --key, wrong --pass" 2 "$TLSPROBE" pcap "$TP_TMP/cbc.pcap" --key "$TP_TMP/rsa-enc.pem" \
    --pass pass:wrong
tp_finish
