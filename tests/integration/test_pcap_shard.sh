#!/usr/bin/env bash
# --shard K/N (issue 18 point 7): a capture of many flows (tcpdump on lo, real
# openssl peers) split into N shards: the union of the shards' sessions equals
# the full run's (sorted JSON lines), no flow is in two shards, each flow is in
# the shard its community_id names (1 + first 4 bytes of its SHA-1 mod N), N=1 is
# the full run, and bad values exit 2 in one line.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
T=$TLSPROBE
W=$TP_TMP
command -v tcpdump >/dev/null || { echo "skip: tcpdump missing"; exit 77; }
command -v tshark >/dev/null || { echo "skip: tshark missing"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "skip: capturing needs root"; exit 77; }

wait_for() { for _ in $(seq 1 200); do grep "$1" "$2" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
TP_SRV_TIMEOUT=40 tp_s_server -cert "$PKI/good.pem" -cert_chain "$PKI/int.pem" -key "$PKI/good.key" -naccept 24
P=$TP_PORT
tp_bg timeout 40 tcpdump -i lo --immediate-mode -U -s 0 -w "$W/many.pcap" "tcp port $P" 2>"$W/td.log"; TD=$TP_BG_PID
wait_for "listening on" "$W/td.log"
tp_check "tcpdump started" $?
for i in $(seq 1 24); do
    v=-tls1_3; [ $((i % 2)) = 0 ] && v=-tls1_2
    echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$P" -servername "s$i.server.test" $v >/dev/null 2>&1
done
sleep 0.5
kill -INT "$TD"; wait "$TD" 2>/dev/null
n_ref=$(tp_tshark "$W/many.pcap" -Y 'tls.handshake.type == 1' 2>/dev/null | wc -l)
[ "$n_ref" -ge 20 ]
tp_check "capture: $n_ref ClientHellos (tshark)" $?

strip() { # sessions only, without run-dependent keys, one sorted line each
    python3 -c '
import json, sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j["type"] == "session":
        print(json.dumps(j, sort_keys=True))' "$1" | sort
}
TP_ANY_EXIT=1 tp_expect_exit "full run" 0 "$T" pcap "$W/many.pcap" --format json
strip "$TP_OUT" >"$W/full.txt"
[ "$(wc -l <"$W/full.txt")" = "$n_ref" ]
tp_check "full run: $n_ref sessions, as tshark's ClientHellos" $?
TP_ANY_EXIT=1 tp_expect_exit "--shard 1/1" 0 "$T" pcap "$W/many.pcap" --format json --shard 1/1
strip "$TP_OUT" | cmp -s - "$W/full.txt"
tp_check "--shard 1/1 is the full run" $?

for N in 2 3 7; do
    : >"$W/union.txt"
    ok=0
    for K in $(seq 1 "$N"); do
        "$T" pcap "$W/many.pcap" --format json --shard "$K/$N" >"$W/s.$K.json" 2>/dev/null
        [ $? -le 1 ] || ok=1
        strip "$W/s.$K.json" >>"$W/union.txt"
        # each session is in the shard its community_id names
        python3 -c '
import base64, json, sys
k, n = int(sys.argv[2]), int(sys.argv[3])
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j["type"] != "session":
        continue
    h = base64.b64decode(j["community_id"][2:])
    assert 1 + int.from_bytes(h[:4], "big") % n == k, (j["community_id"], k, n)' "$W/s.$K.json" "$K" "$N" || ok=1
    done
    tp_check "--shard K/$N: every run exits 0/1, each session in the shard of its community_id" $ok
    sort "$W/union.txt" | cmp -s - "$W/full.txt"
    tp_check "--shard K/$N: the union of the $N shards equals the full run" $?
    [ "$(cut -d'"' -f1- "$W/union.txt" | python3 -c '
import json, sys
ids = [json.loads(l)["community_id"] + json.loads(l)["timings"]["start"] for l in sys.stdin]
print(len(ids) - len(set(ids)))')" = 0 ]
    tp_check "--shard K/$N: no flow in two shards" $?
done

for bad in 0/4 5/4 1/0 x/2 1/2/3 "" 1/1000001; do
    tp_expect_exit "--shard '$bad'" 2 "$T" pcap "$W/many.pcap" --shard "$bad"
    [ "$(grep -c '' "$TP_ERR")" = 1 ]
    tp_check "--shard '$bad': one line" $?
done

tp_finish
