#!/usr/bin/env bash
# STARTTLS in captures (issue 18, point 5): for each protocol a STARTTLS server
# (tests/integration/starttls_peer.py, the scripted peer test_starttls.sh uses;
# test_starttls.sh runs the real Debian servers) and a real client, `openssl
# s_client -starttls PROTO` (for POP3 `tlsprobe connect --starttls pop3`: the scripted
# peer wants CAPA before STLS, which s_client does not send), captured with tcpdump. `tlsprobe pcap` must
# find the upgrade, show the plain-text exchange and decode the TLS that follows;
# its ClientHello SNI and the server's suite are compared with tshark's, told the
# port's protocol with -d (tshark follows STARTTLS in the dissectors that have it).
# A refused upgrade is a flow that is not TLS.
. "$(dirname "$0")/lib.sh"
command -v tcpdump >/dev/null || { echo "SKIP: no tcpdump"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }
PEER=$(dirname "$0")/starttls_peer.py

# capture PROTO MODE S_CLIENT_PROTO -> $TP_TMP/PROTO-MODE.pcap, $PORT
capture() {
  local proto=$1 mode=$2 sproto=$3 pf=$TP_TMP/$1-$2.port cap=$TP_TMP/$1-$2.pcap i
  rm -f "$pf"
  timeout 20 python3 "$PEER" "$proto" "$mode" "$PKI/good.pem" "$PKI/good.key" "$pf" --count 1 --lifetime 15 \
    > "$TP_TMP/$proto-$mode.peer.log" 2>&1 &
  TP_PIDS+=($!)
  for i in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
  PORT=$(cat "$pf")
  tp_tcpdump "$cap" "tcp port $PORT" || echo "# $proto: tcpdump did not say it was listening"
  if [ "$sproto" = pop3 ]; then
    timeout 10 "$TLSPROBE" connect "127.0.0.1:$PORT" --starttls pop3 --servername localhost \
      --cafile "$PKI/root.pem" > "$TP_TMP/$proto-$mode.client.log" 2>&1
  else
    echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -starttls "$sproto" -servername localhost \
      -CAfile "$PKI/root.pem" > "$TP_TMP/$proto-$mode.client.log" 2>&1
  fi
  tp_tcpdump_stop "$cap"
}

# protocol, s_client's name for it, tshark's dissector, the client's upgrade command
while read -r proto sproto dissector cmd; do
  capture "$proto" ok "$sproto"
  CAP=$TP_TMP/$proto-ok.pcap
  "$TLSPROBE" pcap "$CAP" --format json > "$TP_TMP/$proto.json" 2> "$TP_TMP/$proto.err"
  tshark -r "$CAP" -d "tcp.port==$PORT,$dissector" -Y "tls.handshake.type == 1 || tls.handshake.type == 2" \
    -T fields -E separator=, -e tls.handshake.type -e tls.handshake.extensions_server_name \
    -e tls.handshake.ciphersuite > "$TP_TMP/$proto.tshark" 2>/dev/null
  python3 - "$TP_TMP/$proto.json" "$TP_TMP/$proto.tshark" "$proto" "$cmd" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sess = [l for l in lines if l["type"] == "session"]
proto, cmd = sys.argv[3], sys.argv[4]
bad = []
if len(sess) != 1:
    print("  sessions:", len(sess), open(sys.argv[1]).read()[:400], file=sys.stderr); sys.exit(1)
s = sess[0]
st = s["starttls"] or {}
if st.get("protocol") != proto or st.get("status") != "ok":
    bad.append("starttls %r" % {k: st.get(k) for k in ("protocol", "status")})
sent = [e["text"] for e in st.get("exchange", []) if e["dir"] == "c2s"]
if not any(cmd.lower() in t.lower() for t in sent):
    bad.append("the client's %r is not in the exchange %r" % (cmd, sent))
if not s["handshake_complete"] or s["server_name"] != "localhost":
    bad.append("TLS after the upgrade: complete %s, SNI %r" % (s["handshake_complete"], s["server_name"]))
ts = [l.split(",") for l in open(sys.argv[2]).read().split("\n") if l.strip()]
ch = [t for t in ts if t[0] == "1"]
sh = [t for t in ts if t[0] == "2"]
if ch and sh:
    ours = [m for m in s["messages"] if m["type"] == "ServerHello"][0]["cipher_suite"]
    if ch[0][1] != s["server_name"]:
        bad.append("SNI: tshark %r, tlsprobe %r" % (ch[0][1], s["server_name"]))
    want = {"0x1301": "TLS_AES_128_GCM_SHA256", "0x1302": "TLS_AES_256_GCM_SHA384",
            "0x1303": "TLS_CHACHA20_POLY1305_SHA256"}.get(sh[0][2], sh[0][2])
    if want != ours:
        bad.append("suite: tshark %r, tlsprobe %r" % (sh[0][2], ours))
    print("# %s: tshark sees the same ClientHello SNI and suite" % proto)
else:
    print("# %s: tshark does not follow this STARTTLS (no hello in its view)" % proto)
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
  tp_check "$proto: the upgrade found, its exchange shown, the TLS after it decoded" $?
done <<'EOF_LIST'
smtp smtp smtp STARTTLS
imap imap imap STARTTLS
pop3 pop3 pop STLS
ftp ftp ftp AUTH TLS
ldap ldap ldap StartTLS
postgres postgres pgsql SSLRequest
mysql mysql mysql SSLRequest
xmpp xmpp xmpp starttls
nntp nntp nntp STARTTLS
sieve sieve sieve STARTTLS
EOF_LIST

# The text view shows the plain-text lines before the TLS
"$TLSPROBE" pcap "$TP_TMP/smtp-ok.pcap" > "$TP_TMP/smtp.txt" 2>&1
grep -F "plain text: STARTTLS (smtp)" "$TP_TMP/smtp.txt" > /dev/null && grep -F "C → S  STARTTLS" "$TP_TMP/smtp.txt" > /dev/null
tp_check "text: the SMTP exchange before the ClientHello" $?

# A refused upgrade: no TLS on that flow
capture smtp refuse smtp
tp_expect_exit "refused STARTTLS: pcap" 0 "$TLSPROBE" pcap "$TP_TMP/smtp-refuse.pcap" --format json
tp_json "refused STARTTLS: a flow that is not TLS, no session" "$TP_OUT" \
  "j['type'] == 'summary' and j['sessions'] == 0"
tp_finish
