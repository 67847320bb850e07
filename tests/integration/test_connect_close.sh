#!/usr/bin/env bash
# connect ends cleanly (issue 17): close_notify both ways, FIN both ways, no alert
# from the peer, seen in a tcpdump capture of the run; and --write-pcap holds what
# that capture holds: the same payload bytes in the same order per direction, the
# same FIN/RST sequence. openssl s_server reads its stdin: it is kept open through
# a FIFO, else s_server closes the connection itself at stdin's end of file.
. "$(dirname "$0")/lib.sh"

command -v tcpdump >/dev/null || { echo "SKIP: no tcpdump"; exit 0; }
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 0; }
ROOT=(--cafile "$PKI/root.pem")
FIFO=$TP_TMP/stdin.fifo
mkfifo "$FIFO"

cat > "$TP_TMP/cmp.py" <<'EOF'
import subprocess, sys
def packets(path, client_port):
    out = subprocess.run(['tshark', '-r', path, '-o', 'tcp.relative_sequence_numbers:TRUE', '-T', 'fields',
                          '-e', 'tcp.srcport', '-e', 'tcp.flags.syn', '-e', 'tcp.flags.fin', '-e', 'tcp.flags.reset',
                          '-e', 'tcp.payload', '-e', 'tcp.seq'],
                         capture_output=True, text=True, check=True).stdout
    runs, ctl = [], []
    nxt = {}  # per direction: the next stream byte (relative sequence number)
    for line in out.splitlines():
        f = (line.split('\t') + [''] * 6)[:6]
        d = 'c2s' if f[0] == client_port else 's2c'
        flag = lambda v: v in ('1', 'True')
        # a retransmitted SYN or FIN (loaded machine) is the same event again
        def event(e):
            if e not in ctl or e[1] == 'RST': ctl.append(e)
        if flag(f[1]): event((d, 'SYN'))
        if f[4]:
            b = bytes.fromhex(f[4].replace(':', ''))
            # the stream, not the packets: a retransmitted segment (tcpdump sees
            # both copies on a loaded machine) adds only the bytes not seen yet
            seq = int(f[5]) if f[5].isdigit() else nxt.get(d, 1)
            skip = max(0, nxt.get(d, seq) - seq)
            b = b[skip:]
            nxt[d] = max(nxt.get(d, seq), seq + skip + len(b))
            if not b:
                continue
            if runs and runs[-1][0] == d: runs[-1][1].extend(b)
            else: runs.append((d, bytearray(b)))
        if flag(f[2]): event((d, 'FIN'))
        if flag(f[3]): event((d, 'RST'))
    return [(d, bytes(b)) for d, b in runs], ctl
wire, written, port = sys.argv[1], sys.argv[2], sys.argv[3]
rw, cw = packets(wire, port)
rp, cp = packets(written, port)
ok = True
# Each direction's bytes, in order, must be the same. How the two directions
# interleave is only defined where one answers the other: packets that cross
# (the server's second ticket and our close_notify) reach tcpdump and our reads
# in either order, so that is reported, not judged.
for d in ('c2s', 's2c'):
    a = b''.join(b for x, b in rw if x == d)
    b2 = b''.join(b for x, b in rp if x == d)
    if a != b2:
        print('%s bytes differ: wire %d B, written %d B' % (d, len(a), len(b2))); ok = False
if [(d, len(b)) for d, b in rw] != [(d, len(b)) for d, b in rp]:
    print('  (interleaving differs: wire', [(d, len(b)) for d, b in rw], 'written', [(d, len(b)) for d, b in rp], ')')
if cw != cp:
    print('SYN/FIN/RST differ:\n  wire    ', cw, '\n  written ', cp); ok = False
print('  wire:', [(d, len(b)) for d, b in rw], cw)
sys.exit(0 if ok else 1)
EOF

for v in 1_2 1_3; do
  V=${v/_/.}
  P=$(tp_free_port)
  exec 7<> "$FIFO"  # read-write: never blocks; s_server's stdin stays open while fd 7 is
  # Not tp_bg: inside a function bash gives a background command /dev/null as stdin.
  timeout 20 openssl s_server -quiet -accept "127.0.0.1:$P" -cert "$PKI/good.pem" -key "$PKI/good.key" \
      -cert_chain "$PKI/int.pem" "-tls$v" -naccept 1 < "$FIFO" > "$TP_TMP/srv$v.log" 2>&1 &
  SRV=$!
  TP_PIDS+=("$SRV")
  tp_wait_listen "$P" 5 || { echo "FAIL: s_server did not start"; exit 1; }
  tp_tcpdump "$TP_TMP/wire$v.pcap" "tcp port $P"
  tp_check "TLS $V: tcpdump armed" $?
  tp_expect_exit "TLS $V: connect" 0 "$TLSPROBE" connect "127.0.0.1:$P" --servername localhost "${ROOT[@]}" \
      --format json --write-pcap "$TP_TMP/written$v.pcap" --keylog "$TP_TMP/keys$v.log"
  cp "$TP_OUT" "$TP_TMP/conn$v.json"
  for _ in $(seq 40); do kill -0 "$SRV" 2>/dev/null || break; sleep 0.05; done
  tp_tcpdump_stop "$TP_TMP/wire$v.pcap"
  exec 7>&-
  tp_kill "$SRV"
  tp_json "TLS $V: both close_notify in the transcript, no other alert" "$TP_TMP/conn$v.json" \
    '[(m["dir"], m.get("name")) for m in j["messages"] if m["type"] == "Alert"] == [("c2s","close_notify"),("s2c","close_notify")]'
  tp_json "TLS $V: no finding" "$TP_TMP/conn$v.json" 'ids(j) == []'
  CP=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["client"].rsplit(":",1)[1])' "$TP_TMP/conn$v.json")
  # What the server saw, judged by tlsprobe itself from the real capture.
  tp_expect_exit "TLS $V: pcap of the run" 0 "$TLSPROBE" pcap "$TP_TMP/wire$v.pcap" --keylog "$TP_TMP/keys$v.log" \
      "${ROOT[@]}" --format json --no-summary
  tp_json "TLS $V: on the wire, alerts are close_notify only, none from a failure" "$TP_OUT" \
    'sorted((m["dir"], m.get("name")) for m in j["messages"] if m["type"] == "Alert") == [("c2s","close_notify"),("s2c","close_notify")] and ids(j) == []'
  python3 "$TP_TMP/cmp.py" "$TP_TMP/wire$v.pcap" "$TP_TMP/written$v.pcap" "$CP"
  tp_check "TLS $V: --write-pcap has the wire's bytes and SYN/FIN/RST sequence" $?
done
tp_finish
