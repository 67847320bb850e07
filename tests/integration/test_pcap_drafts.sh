#!/usr/bin/env bash
# TLS 1.3 drafts in captures (issue 18, point 6): a scripted draft exchange
# (tests/integration/draft_peer.py: no library speaks the drafts any more) captured
# with tcpdump on loopback, for draft 18 (the old ServerHello layout: no session id,
# no compression) and draft 23 (the TLS 1.2 layout with supported_versions). tlsprobe
# must name the draft as tshark does and read the ServerHello's fields as tshark does.
. "$(dirname "$0")/lib.sh"
command -v tcpdump >/dev/null || { echo "SKIP: no tcpdump"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }

for D in 18 23; do
  P=$(tp_free_port)
  CAP=$TP_TMP/draft$D.pcap
  tp_tcpdump "$CAP" "tcp port $P"
  tp_check "draft $D: tcpdump armed" $?
  timeout 20 python3 "$(dirname "$0")/draft_peer.py" "$P" "$D" "$TP_TMP/keys$D.log"
  tp_check "draft $D: the scripted exchange ran" $?
  tp_tcpdump_stop "$CAP"
  tp_expect_exit "draft $D: pcap" 0 "$TLSPROBE" pcap "$CAP" --format json
  head -1 "$TP_OUT" > "$TP_TMP/s$D.json"
  # tshark's view of the same file: the ServerHello's version field (draft 18) or
  # its supported_versions (draft 23), the suite, the key share's group
  tp_tshark "$CAP" -Y "tls.handshake.type == 2" -T fields -E separator=, \
    -e tls.handshake.version -e tls.handshake.extensions.supported_version -e tls.handshake.ciphersuite \
    -e tls.handshake.extensions_key_share_group > "$TP_TMP/t$D.txt" 2>/dev/null
  echo "# tshark: $(cat "$TP_TMP/t$D.txt")"
  tp_json "draft $D: version named as tshark names it" "$TP_TMP/s$D.json" \
    "j['version'] == 'TLS 1.3 draft $D' and j['offered_max_version'] == 'TLS 1.3 draft $D'"
  python3 - "$TP_TMP/s$D.json" "$TP_TMP/t$D.txt" "$D" <<'PY'
import json, sys
j = json.loads(open(sys.argv[1]).read())
f = open(sys.argv[2]).read().strip().split(',')
draft = int(sys.argv[3])
want_ver = 0x7f00 + draft
tshark_ver = int(f[1] or f[0], 16)
sh = [m for m in j['messages'] if m['type'] == 'ServerHello']
ok = (tshark_ver == want_ver and len(sh) == 1 and sh[0]['parse_error'] is None
      and int(f[2], 16) == 0x1301 and j['cipher'] == 'TLS_AES_128_GCM_SHA256'
      and int(f[3]) == 0x001d)
if not ok:
    print('  tshark', f, 'tlsprobe', j['version'], j['cipher'], sh, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
  tp_check "draft $D: ServerHello fields equal tshark's (version, suite, group)" $?
  tp_json "draft $D: what follows the ServerHello is protected, not misread" "$TP_TMP/s$D.json" \
    "[m['type'] for m in j['messages']] == ['ClientHello', 'ServerHello', 'EncryptedRecord', 'EncryptedRecord'] and ids(j) == [] or print([m['type'] for m in j['messages']], ids(j))"
  # with secrets for this client random: a draft before 25 protects its records
  # differently, and tlsprobe says so instead of "the key log does not match"
  tp_expect_exit "draft $D: pcap --keylog" 0 "$TLSPROBE" pcap "$CAP" --keylog "$TP_TMP/keys$D.log" --format json
  tp_json "draft $D: not decrypted, and why" "$TP_OUT" \
    "j['keys_missing'] and not j['decrypt_failed'] and j['decode']['s2c']['issue'] == 'draft-record-protection'"
done
"$TLSPROBE" pcap "$TP_TMP/draft18.pcap" --keylog "$TP_TMP/keys18.log" > "$TP_TMP/keys18.txt" 2>&1
grep -F "TLS 1.3 draft 18 protects its records" "$TP_TMP/keys18.txt" > /dev/null
tp_check "text says why a draft is not decrypted" $?
"$TLSPROBE" pcap "$TP_TMP/draft18.pcap" > "$TP_TMP/text18.txt" 2>&1
grep -F "TLS 1.3 draft 18" "$TP_TMP/text18.txt" > /dev/null
tp_check "text names the draft" $?
tp_finish
