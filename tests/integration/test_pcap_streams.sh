#!/usr/bin/env bash
# Stream edge cases in captures (issue 18, point 1), compared with tshark on the
# same files. Real peers (openssl s_server / s_client, TLS 1.3 and 1.2) captured
# with tcpdump on loopback; derived captures (tests/integration/pcap_rewrite.py):
#   nosyn  the SYNs dropped: the capture joined mid-connection
#   tiny   nosyn, every payload cut into 1..4-byte segments (a first segment
#          shorter than a record header; handshake messages split over records
#          and segments)
#   messy  tiny, with reordered, retransmitted and overlapping segments
#   late   nosyn, the handshake packets dropped
# The same for a TLS 1.2 server limited to 512-byte records with a long chain (its
# Certificate split over records and segments), and a TLS 1.3 one: more than 16
# protected handshake records in one direction.
. "$(dirname "$0")/lib.sh"
command -v tcpdump >/dev/null || { echo "SKIP: no tcpdump"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }
REWRITE=$(dirname "$0")/pcap_rewrite.py
export TP_ANY_EXIT=1   # 1: findings (e.g. the test PKI is not trusted); >1 is an error

# capture NAME S_SERVER_ARGS... -- S_CLIENT_ARGS...: one connection into $TP_TMP/NAME.pcap
capture() {
  local name=$1 P CAP=$TP_TMP/$1.pcap srv=() cli=()
  shift
  while [ "$1" != -- ]; do srv+=("$1"); shift; done
  shift
  cli=("$@")
  P=$(tp_free_port)
  echo "$P" > "$TP_TMP/$name.port"
  tp_tcpdump "$CAP" "tcp port $P"
  tp_check "$name: tcpdump armed" $?
  tp_bg timeout 20 openssl s_server -quiet -accept "127.0.0.1:$P" -cert "$PKI/good.pem" -key "$PKI/good.key" \
      -naccept 1 "${srv[@]}"
  local SRV=$TP_BG_PID
  tp_wait_listen "$P" 5 || { echo "FAIL: s_server did not start"; exit 1; }
  timeout 20 openssl s_client -connect "127.0.0.1:$P" -servername server.test "${cli[@]}" < /dev/null > /dev/null 2>&1
  tp_check "$name: openssl s_client ran" $?
  tp_kill "$SRV"
  tp_tcpdump_stop "$CAP"
}

capture t13 -cert_chain "$PKI/int.pem" -- -tls1_3
capture t12 -cert_chain "$PKI/int.pem" -- -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
for i in $(seq 10); do cat "$PKI/int.pem"; done > "$TP_TMP/longchain.pem"
capture frag -cert_chain "$TP_TMP/longchain.pem" -max_send_frag 512 -- -tls1_3
# TLS 1.2 with 512-byte records: the plaintext Certificate split over records, and
# (tiny, messy) over segments
capture t12f -cert_chain "$TP_TMP/longchain.pem" -max_send_frag 512 -- -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256

# Field-by-field comparison with tshark: sessions, plaintext handshake message
# types per direction, SNI, cipher suite, certificates (plaintext ones).
cat > "$TP_TMP/cmp.py" <<'EOF'
import json, subprocess, sys
cap, port, ours = sys.argv[1], sys.argv[2], sys.argv[3]
names = {1: 'ClientHello', 2: 'ServerHello', 4: 'NewSessionTicket', 11: 'Certificate',
         12: 'ServerKeyExchange', 13: 'CertificateRequest', 14: 'ServerHelloDone',
         16: 'ClientKeyExchange', 20: 'Finished'}
suites = {0x1301: 'TLS_AES_128_GCM_SHA256', 0x1302: 'TLS_AES_256_GCM_SHA384',
          0x1303: 'TLS_CHACHA20_POLY1305_SHA256', 0xc02f: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
          0xc02b: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'}
out = subprocess.run(['tshark', '-r', cap, '-d', 'tcp.port==%s,tls' % port,
                      '-o', 'tcp.reassemble_out_of_order:TRUE', '-Y', 'tls.handshake', '-T', 'fields',
                      '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'tls.handshake.type',
                      '-e', 'tls.handshake.extensions_server_name', '-e', 'tls.handshake.ciphersuite',
                      '-e', 'tls.handshake.certificate_length'],
                     capture_output=True, text=True, check=True).stdout
ts = {}
for line in out.splitlines():
    st, sport, types, sni, cs, certs = (line.split('\t') + [''] * 6)[:6]
    t = ts.setdefault(st, {'c2s': [], 's2c': [], 'sni': None, 'suite': None, 'certs': 0})
    t['certs'] += len([x for x in certs.split(',') if x])
    d = 's2c' if sport == port else 'c2s'
    for x in types.split(','):
        if x and int(x) in names:
            t[d].append(names[int(x)])
        if x == '2':
            t['suite'] = suites.get(int(cs.split(',')[-1], 16), cs)
    if sni:
        t['sni'] = sni
tp = []
for line in open(ours):
    j = json.loads(line)
    if j.get('type') != 'session':
        continue
    m = [x for x in j['messages'] if x['type'] in names.values()]
    tp.append({'c2s': [x['type'] for x in m if x['dir'] == 'c2s'], 's2c': [x['type'] for x in m if x['dir'] == 's2c'],
               'sni': j['server_name'], 'suite': j['cipher'], 'certs': j['certificate_count']})
want = list(ts.values())
print('  tshark  ', want)
print('  tlsprobe', tp)
sys.exit(0 if tp == want else 1)
EOF

for base in t13 t12 t12f; do
  P=$(cat "$TP_TMP/$base.port")
  for mode in orig nosyn tiny messy; do
    F=$TP_TMP/$base-$mode.pcap
    if [ $mode = orig ]; then cp "$TP_TMP/$base.pcap" "$F"; else python3 "$REWRITE" $mode "$TP_TMP/$base.pcap" "$F"; fi
    tp_expect_exit "$base $mode: pcap" 0 "$TLSPROBE" pcap "$F" --format json
    cp "$TP_OUT" "$TP_TMP/$base-$mode.json"
    # tshark does not reassemble the messy file (it shows no handshake at all): its
    # stream is the same bytes as the tiny file's, so that is what it is compared with
    REF=$F
    [ $mode = messy ] && REF=$TP_TMP/$base-tiny.pcap
    python3 "$TP_TMP/cmp.py" "$REF" "$P" "$TP_TMP/$base-$mode.json"
    tp_check "$base $mode: sessions, handshake types, SNI, suite, certificates equal tshark's" $?
    J=$TP_TMP/$base-$mode.json
    if [ $mode = orig ]; then
      tp_json "$base $mode: a whole connection, not mid-connection" "$J" \
        "j['handshake_complete'] and not j['capture']['started_mid_connection'] and j['outcome']['status'] == 'ok'"
    else
      tp_json "$base $mode: started mid-connection, no gap, nothing lost, handshake complete" "$J" \
        "j['capture']['started_mid_connection'] and j['decode']['c2s']['issue'] is None and j['decode']['s2c']['issue'] is None and j['capture']['lost_bytes_c2s'] == 0 and j['capture']['lost_bytes_s2c'] == 0 and j['handshake_complete'] and j['outcome']['status'] == 'ok' or print(j['capture'], j['decode'], j['outcome'])"
    fi
  done
  tp_json "$base messy: the retransmissions are counted" "$TP_TMP/$base-messy.json" \
    "j['capture']['retransmissions_c2s'] > 0 and j['capture']['retransmissions_s2c'] > 0"
done

# The capture starts after the handshake: honest about it, no gap, no claim that
# the handshake failed.
python3 "$REWRITE" late "$TP_TMP/t12.pcap" "$TP_TMP/t12-late.pcap" 4
tp_expect_exit "t12 late: pcap" 0 "$TLSPROBE" pcap "$TP_TMP/t12-late.pcap" --format json
tp_json "t12 late: started mid-connection, not a gap" "$TP_OUT" \
  "j['capture']['started_mid_connection'] and j['decode']['c2s']['issue'] != 'gap' and j['decode']['s2c']['issue'] != 'gap' and j['outcome']['status'] == 'unknown' and 'handshake was not seen' in j['outcome']['detail'] or print(j['capture'], j['decode'], j['outcome'])"
# The SYN lost but the hellos seen: the outcome does not say the handshake was not seen.
python3 - "$TP_TMP/t12.pcap" "$TP_TMP/t12-cut.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
out, off, n_data = [d[:24]], 24, 0
e = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
while off + 16 <= len(d):
    cl = struct.unpack(e + 'I', d[off + 8:off + 12])[0]
    rec = d[off:off + 16 + cl]
    off += 16 + cl
    frame = rec[16:]
    ip = frame[14:]
    tcp = ip[(ip[0] & 15) * 4:]
    if tcp[13] & 0x02:
        continue
    if len(tcp) > (tcp[12] >> 4) * 4:
        n_data += 1
        if n_data > 2:
            break          # ClientHello and the server's first flight only
    out.append(rec)
open(sys.argv[2], 'wb').write(b''.join(out))
EOF
tp_expect_exit "t12 cut: pcap" 0 "$TLSPROBE" pcap "$TP_TMP/t12-cut.pcap" --format json
tp_json "t12 cut: hellos seen, the outcome says the capture ended, not that the handshake was unseen" "$TP_OUT" \
  "j['capture']['started_mid_connection'] and j['server_name'] == 'server.test' and 'not seen' not in (j['outcome']['detail'] or '') and 'capture ends' in (j['outcome']['detail'] or '') or print(j['outcome'])"

# More than 16 protected handshake records in one direction: all of them are the
# handshake (EncryptedRecord messages), as many as tshark counts, none application data.
F=$TP_TMP/frag.pcap
P=$(cat "$TP_TMP/frag.port")
tp_expect_exit "frag: pcap" 0 "$TLSPROBE" pcap "$F" --format json
cp "$TP_OUT" "$TP_TMP/frag.json"
tshark -r "$F" -d "tcp.port==$P,tls" -T fields -e tcp.srcport -e tls.record.opaque_type 2>/dev/null > "$TP_TMP/frag.txt"
python3 - "$TP_TMP/frag.json" "$TP_TMP/frag.txt" "$P" <<'EOF'
import json, sys
j = json.loads(open(sys.argv[1]).readline())
port = sys.argv[3]
n = 0   # the server's protected records before the client's first
for line in open(sys.argv[2]):
    sport, types = (line.rstrip('\n').split('\t') + [''])[:2]
    if not types:
        continue
    if sport != port:
        break
    n += types.count('23')
ours = 0
for m in j['messages']:
    if m['dir'] == 'c2s' and m['type'] == 'EncryptedRecord':
        break
    if m['dir'] == 's2c' and m['type'] == 'EncryptedRecord':
        ours += 1
print('  tshark: %d protected server records before the client\'s; tlsprobe: %d EncryptedRecord' % (n, ours))
sys.exit(0 if n > 16 and ours == n and j['handshake_complete'] else 1)
EOF
tp_check "frag: >16 protected handshake records, all EncryptedRecord as tshark counts" $?

# Schema: the new key validates in real output (a session line and the summary).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
if "$PY" -c 'import jsonschema' 2>/dev/null; then
  head -1 "$TP_TMP/t13-nosyn.json" > "$TP_TMP/v.session"
  tail -1 "$TP_TMP/t13-nosyn.json" > "$TP_TMP/v.summary"
  "$PY" "$TP_SRC/tests/schema/validate.py" --schema-dir "$TP_SRC/docs/schema" \
    "session:$TP_TMP/v.session" "summary:$TP_TMP/v.summary"
  tp_check "schema: mid-connection output validates" $?
fi
tp_finish
