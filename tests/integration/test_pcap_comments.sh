#!/usr/bin/env bash
# pcapng comments (issue 18 point 2): a capture made now with tcpdump (two TLS
# sessions from openssl s_client, one DTLS session, one stray UDP datagram),
# turned into pcapng by editcap with a capture comment and packet comments
# (`editcap -a`, as Wireshark's "Packet Comment" writes them). Each packet comment
# must come out with the session its packet belongs to, in packet order, with
# the packet's direction, exactly as tshark's frame.comment has them; the
# capture comment and the count in the summary; from a file, from standard input
# and gzip-compressed; a terminal escape in a comment is escaped.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
T=$TLSPROBE
W=$TP_TMP
for tool in tcpdump tshark editcap gzip; do
    command -v $tool >/dev/null || { echo "skip: $tool missing"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "skip: capturing needs root"; exit 77; }
wait_for() { for _ in $(seq 1 200); do grep "$1" "$2" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
udp_port() {
    python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
}

tp_s_server -cert "$PKI/good.pem" -cert_chain "$PKI/int.pem" -key "$PKI/good.key" -www; P=$TP_PORT
U=$(udp_port)
STRAY=$(udp_port)
tp_bg timeout 40 tcpdump -i lo --immediate-mode -U -s 0 -w "$W/raw.pcap" \
    "tcp port $P or udp port $U or udp port $STRAY" 2>"$W/td.log"; TD=$TP_BG_PID
wait_for "listening on" "$W/td.log"
tp_check "tcpdump started" $?
for v in -tls1_3 -tls1_2; do
    { printf 'GET / HTTP/1.0\r\n\r\n'; sleep 0.3; } | timeout 10 openssl s_client -connect "127.0.0.1:$P" \
        -servername comments.test -CAfile "$PKI/root.pem" -ign_eof "$v" >/dev/null 2>&1
done
tp_bg timeout 15 openssl s_server -dtls1_2 -accept "127.0.0.1:$U" -cert "$PKI/good.pem" -cert_chain "$PKI/int.pem" \
    -key "$PKI/good.key" -quiet </dev/null >"$W/dsrv.log" 2>&1; DS=$TP_BG_PID
sleep 0.4
{ echo hello; sleep 0.4; } | timeout 8 openssl s_client -dtls1_2 -connect "127.0.0.1:$U" -servername dtls.test \
    -CAfile "$PKI/root.pem" >"$W/dcli.log" 2>&1
python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.sendto(b'not tls at all',('127.0.0.1',$STRAY))"
sleep 0.5
tp_kill "$DS"
kill -INT "$TD"; wait "$TD" 2>/dev/null

# Which frames to comment: the first ClientHello, the second session's
# ServerHello and its last FIN (the connection ends there: a comment on the ACK
# after it is counted in the summary only), the DTLS ClientHello and a DTLS
# answer, the stray datagram.
frames() { tp_tshark "$W/raw.pcap" -Y "$1" -T fields -e frame.number 2>/dev/null; }
ch=($(frames "tls.handshake.type == 1"))
sh=($(frames "tls.handshake.type == 2"))
second_port=$(tp_tshark "$W/raw.pcap" -Y "tls.handshake.type == 2" -T fields -e tcp.dstport 2>/dev/null | sed -n 2p)
last2=$(frames "tcp.port == ${second_port:-0} && tcp.flags.fin == 1" | tail -1)
dch=$(frames "dtls.handshake.type == 1" | head -1)
dsh=$(frames "dtls.handshake.type == 2" | head -1)
stray=$(frames "udp.port == $STRAY" | head -1)
[ "${#ch[@]}" = 2 ] && [ "${#sh[@]}" = 2 ] && [ -n "$last2" ] && [ -n "$dch" ] && [ -n "$dsh" ] && [ -n "$stray" ]
tp_check "capture: 2 TLS sessions, 1 DTLS session, 1 stray datagram (frames ${ch[*]} ${sh[*]} $last2 $dch $dsh $stray)" $?
ESC=$(printf '\033')
editcap -F pcapng --capture-comment "lab capture: comments test" --capture-comment "second section comment" \
    -a "${ch[0]}:first ClientHello" -a "${sh[1]}:the second ServerHello ${ESC}[31mred" \
    -a "$last2:the second session's last FIN" -a "$dch:DTLS ClientHello" -a "$dsh:DTLS ServerHello" \
    -a "$stray:a datagram of no session" "$W/raw.pcap" "$W/c.pcapng"
tp_check "editcap wrote the commented pcapng" $?

# tshark's comments: client port, direction, text (in frame order).
tp_tshark "$W/c.pcapng" -Y frame.comment -T fields -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport \
    -e frame.comment 2>/dev/null >"$W/tshark.tsv"
python3 - "$W/tshark.tsv" "$P" "$U" "$STRAY" >"$W/want.txt" <<'EOF'
import sys
port, udp, stray = sys.argv[2], sys.argv[3], sys.argv[4]
for line in open(sys.argv[1]):
    ts, td, us, ud, text = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
    src, dst = (ts, td) if ts else (us, ud)
    if stray in (src, dst):
        continue
    server = port if ts else udp
    client, d = (dst, "s2c") if src == server else (src, "c2s")
    print("%s\t%s\t%s" % (client, d, text.replace("\\033", "\x1b")))
EOF
[ "$(wc -l <"$W/want.txt")" = 5 ]
tp_check "tshark: 5 comments on session packets ($(cut -f2,3 "$W/want.txt" | tr '\n\t' '; ' | tr -d '\033'))" $?

ours() { # JSON -> client port, dir, text per session comment, in session order
    python3 - "$1" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j["type"] == "session":
        for c in j["comments"]:
            print("%s\t%s\t%s" % (j["client_port"], c["dir"], c["text"]))
EOF
}
TP_ANY_EXIT=1 tp_expect_exit "pcap of the commented pcapng" 0 "$T" pcap "$W/c.pcapng" --cafile "$PKI/root.pem" --format json
cp "$TP_OUT" "$W/c.json"
ours "$W/c.json" >"$W/ours.txt"
diff <(sort -s -k1,1 "$W/want.txt") <(sort -s -k1,1 "$W/ours.txt") >&2
tp_check "every packet comment with its session, direction and text as tshark has them" $?
python3 - "$W/c.json" <<'EOF'
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
s = [j for j in L if j["type"] == "session"]
summ = L[-1]["capture"]
assert len(s) == 3, len(s)
assert summ["packet_comments"] == 6, summ["packet_comments"]
assert summ["comments"] == ["lab capture: comments test", "second section comment"], summ["comments"]
first = [j for j in s if j["comments"] and j["comments"][0]["text"] == "first ClientHello"][0]
assert first["comments"][0]["dir"] == "c2s" and first["comments_dropped"] == 0
for j in s:
    ts = [c["t_ms"] for c in j["comments"]]
    assert ts == sorted(ts), ts
EOF
tp_check "summary: 6 packet comments, both capture comments; comments in time order" $?

# text: the block before the messages, the escape escaped, the capture comment in the summary
"$T" pcap "$W/c.pcapng" --cafile "$PKI/root.pem" --no-color >"$W/c.txt" 2>"$W/c.err"
grep -c "packet comments (pcapng)" "$W/c.txt" | grep -x 3 >/dev/null && grep -F 'ServerHello \x1b[31mred' "$W/c.txt" >/dev/null &&
    ! grep "$ESC" "$W/c.txt" >/dev/null && grep "comment       lab capture: comments test" "$W/c.err" >/dev/null &&
    grep "6 packet comments" "$W/c.err" >/dev/null
tp_check "text: 3 comment blocks, the terminal escape shown as \\x1b, capture comment and count in the summary" $?

# html: the same comments in the report, no raw escape
"$T" pcap "$W/c.pcapng" --cafile "$PKI/root.pem" --format html >"$W/c.html" 2>/dev/null
[ "$(grep -c '<ol class="plain" data-comments>' "$W/c.html")" = 3 ] && grep -F "DTLS ServerHello</li>" "$W/c.html" >/dev/null &&
    ! grep "$ESC" "$W/c.html" >/dev/null
tp_check "html: 3 comment lists, the texts, no raw escape" $?

# ECS: tlsprobe.comments, valid against the field definitions
"$T" pcap "$W/c.pcapng" --cafile "$PKI/root.pem" --format ecs >"$W/c.ecs" 2>/dev/null
python3 "$TP_SRC/tests/ecs/validate_ecs.py" --fields "$TP_SRC/tests/ecs" --require tlsprobe.comments.text "$W/c.ecs" >&2 &&
    [ "$(python3 -c 'import json,sys; print(sum(len(json.loads(l).get("tlsprobe", {}).get("comments", [])) for l in open(sys.argv[1])))' "$W/c.ecs")" = 5 ]
tp_check "ecs: the 5 session comments in tlsprobe.comments, valid fields" $?

# the same from standard input and gzip-compressed
gzip -c "$W/c.pcapng" >"$W/c.pcapng.gz"
"$T" pcap - --cafile "$PKI/root.pem" --format json <"$W/c.pcapng.gz" >"$W/gz.json" 2>"$W/gz.err"
ours "$W/gz.json" >"$W/gz.txt"
diff "$W/ours.txt" "$W/gz.txt" >&2
tp_check "gzip pcapng from standard input: the same comments" $?
# a filter: only the DTLS session's comments remain (the others' packets are not read)
"$T" pcap "$W/c.pcapng" --cafile "$PKI/root.pem" --format json --filter "udp port $U" >"$W/f.json" 2>/dev/null
ours "$W/f.json" | cut -f3 | tr '\n' ';' | grep -x "DTLS ClientHello;DTLS ServerHello;" >/dev/null
tp_check "--filter udp: only the DTLS session's two comments" $?

if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
    /usr/bin/python3 "$TP_SRC/tests/schema/validate.py" --schema-dir "$TP_SRC/docs/schema" tlsprobe:"$W/c.json"
    tp_check "JSON output valid against docs/schema" $?
fi
tp_finish
