#!/usr/bin/env bash
# Mermaid for many sessions (issue 17): demo all, pcap with several sessions and
# listen print one fenced ```mermaid block per session (a Markdown file that
# renderers and the Mermaid CLI take block by block); connect and a single demo
# print one bare diagram (a .mmd file).
. "$(dirname "$0")/lib.sh"

cat > "$TP_TMP/blocks.py" <<'EOF'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
want = int(sys.argv[2])
lines = text.split('\n')
blocks, cur, outside = [], None, []
for l in lines:
    if cur is None:
        if l == '```mermaid': cur = []
        elif l.strip(): outside.append(l)
    elif l == '```':
        blocks.append(cur); cur = None
    else:
        cur.append(l)
ok = cur is None and not outside and len(blocks) == want and all(b and b[0] == 'sequenceDiagram' for b in blocks)
if not ok:
    print('blocks=%d want=%d unclosed=%s outside=%r' % (len(blocks), want, cur is not None, outside[:3]))
sys.exit(0 if ok else 1)
EOF

"$TLSPROBE" demo all --format mermaid > "$TP_TMP/demo.md"
python3 "$TP_TMP/blocks.py" "$TP_TMP/demo.md" 9; tp_check "demo all: 9 fenced blocks, nothing between" $?
"$TLSPROBE" demo expired --format mermaid > "$TP_TMP/one.mmd"
head -1 "$TP_TMP/one.mmd" | grep -qx sequenceDiagram && ! grep -q '```' "$TP_TMP/one.mmd"
tp_check "one demo scenario: a bare diagram" $?
C=$TP_FIXTURES/captures
"$TLSPROBE" pcap "$C/tls13-good.pcap" "$C/tls12-good.pcap" "$C/tls13-hrr.pcap" --format mermaid --no-summary \
  > "$TP_TMP/pcap.md" 2>/dev/null
python3 "$TP_TMP/blocks.py" "$TP_TMP/pcap.md" 3; tp_check "pcap of three sessions: 3 fenced blocks" $?

tp_bg timeout 20 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" --count 2 \
  --linger 0 --format mermaid > "$TP_TMP/listen.md" 2> "$TP_TMP/listen.err"
LPID=$TP_BG_PID
for _ in $(seq 250); do
  LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$TP_TMP/listen.err"); [ -n "$LPORT" ] && break; sleep 0.02
done
for _ in 1 2; do timeout 10 openssl s_client -connect "127.0.0.1:$LPORT" < /dev/null > /dev/null 2>&1; done
wait "$LPID"
python3 "$TP_TMP/blocks.py" "$TP_TMP/listen.md" 2; tp_check "listen, two clients: 2 fenced blocks" $?
tp_finish
