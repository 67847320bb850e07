#!/usr/bin/env bash
# Capture formats (issue 18 point 2): a pcapng merging interfaces of different link
# types (tcpdump -i lo: Ethernet; tcpdump -i any: Linux cooked), which libpcap
# refuses and tlsprobe reads itself; gzip, xz and zstd compressed captures read
# by magic number from a file and from standard input; truncated and corrupt
# compressed streams; formats refused in one line. Sessions are compared with
# tshark's fields of the same file.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
T=$TLSPROBE
W=$TP_TMP
for tool in tcpdump tshark mergecap gzip xz zstd; do
    command -v $tool >/dev/null || { echo "skip: $tool missing"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "skip: capturing needs root"; exit 77; }

wait_for() { for _ in $(seq 1 200); do grep "$1" "$2" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
client() { # PORT SNI EXTRA...
    local port=$1 sni=$2; shift 2
    { printf 'GET / HTTP/1.0\r\n\r\n'; sleep 0.3; } | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
        -servername "$sni" -CAfile "$PKI/root.pem" -ign_eof "$@" >/dev/null 2>&1
}

# Two servers; lo (Ethernet) sees the first, any (Linux cooked) the second.
tp_s_server -cert "$PKI/good.pem" -cert_chain "$PKI/int.pem" -key "$PKI/good.key" -www; P1=$TP_PORT
tp_s_server -cert "$PKI/good.pem" -cert_chain "$PKI/int.pem" -key "$PKI/good.key" -www; P2=$TP_PORT
tp_bg timeout 30 tcpdump -i lo --immediate-mode -U -s 0 -w "$W/lo.pcap" "tcp port $P1" 2>"$W/td1.log"; TD1=$TP_BG_PID
tp_bg timeout 30 tcpdump -i any --immediate-mode -U -s 0 -w "$W/any.pcap" "tcp port $P2" 2>"$W/td2.log"; TD2=$TP_BG_PID
wait_for "listening on" "$W/td1.log" && wait_for "listening on" "$W/td2.log"
tp_check "tcpdump started on lo and any" $?
client "$P1" one.test -tls1_3
client "$P1" two.test -tls1_2
client "$P2" three.test -tls1_3
client "$P2" four.test -tls1_2
sleep 0.5
kill -INT "$TD1" "$TD2"; wait "$TD1" "$TD2" 2>/dev/null
mergecap -w "$W/merged.pcapng" "$W/lo.pcap" "$W/any.pcap"
tshark -r "$W/merged.pcapng" -T fields -e frame.interface_id -e frame.encap_type 2>/dev/null | sort -u >"$W/ifs.txt"
[ "$(cut -f1 "$W/ifs.txt" | sort -u | wc -l)" = 2 ] && [ "$(cut -f2 "$W/ifs.txt" | sort -u | wc -l)" = 2 ]
tp_check "merged pcapng: two interfaces of two link types ($(tr '\n\t' '; ' <"$W/ifs.txt"))" $?

# tshark's ClientHellos: client port and SNI, sorted.
tp_tshark "$W/merged.pcapng" -Y 'tls.handshake.type == 1' -T fields -e tcp.srcport \
    -e tls.handshake.extensions_server_name 2>/dev/null | sort >"$W/tshark.txt"
ref_sh=$(tp_tshark "$W/merged.pcapng" -Y 'tls.handshake.type == 2' 2>/dev/null | wc -l)
sessions() { # JSON FILE -> "client_port<TAB>sni" lines, sorted
    python3 -c '
import json, sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j["type"] == "session":
        print("%s\t%s" % (j["client_port"], j["server_name"] or ""))' "$1" | sort
}
TP_ANY_EXIT=1 tp_expect_exit "multi-link-type pcapng" 1 "$T" pcap "$W/merged.pcapng" --cafile "$PKI/root.pem" --format json
cp "$TP_OUT" "$W/merged.json"
sessions "$W/merged.json" >"$W/ours.txt"
[ "$(wc -l <"$W/tshark.txt")" = 4 ] && diff "$W/tshark.txt" "$W/ours.txt" >&2
tp_check "multi-link-type pcapng: the 4 sessions tshark sees (client port, SNI)" $?
python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
s = [j for j in L if j["type"] == "session"]
sh = sum(1 for j in s for m in j["messages"] if m["type"] == "ServerHello")
assert sh == int(sys.argv[2]), (sh, sys.argv[2])
summ = L[-1]
assert summ["capture"]["undecodable_packets"] == 0, summ["capture"]
' "$W/merged.json" "$ref_sh"
tp_check "multi-link-type pcapng: $ref_sh ServerHellos as tshark, no undecodable packet" $?
! grep "corrupt" "$TP_ERR" >/dev/null
tp_check "multi-link-type pcapng: not called corrupt" $?
TP_ANY_EXIT=1 tp_expect_exit "multi-link-type pcapng, --filter on the cooked interface's port" 1 \
    "$T" pcap "$W/merged.pcapng" --cafile "$PKI/root.pem" --format json --no-summary --filter "tcp port $P2"
sessions "$TP_OUT" | cut -f2 | sort | tr '\n' ' ' | grep -x "four.test three.test " >/dev/null
tp_check "--filter compiled per interface: only the cooked interface's sessions" $?
cat "$W/merged.pcapng" | "$T" pcap - --cafile "$PKI/root.pem" --format json --no-summary --filter "tcp port $P2" >"$W/sf.json" 2>"$W/sf.err"
sessions "$W/sf.json" | cut -f2 | sort | tr '\n' ' ' | grep -x "four.test three.test " >/dev/null && [ ! -s "$W/sf.err" ]
tp_check "pcapng from standard input (our reader), --filter: only the cooked interface's sessions" $?
# a port name is looked up before decoding is confined (the sandbox opens no /etc/services)
cat "$W/merged.pcapng" | "$T" pcap - --format json --no-summary --filter "not tcp port https" >"$W/sn.json" 2>"$W/sn.err"
[ "$(sessions "$W/sn.json" | wc -l)" = 4 ] && ! grep "filter" "$W/sn.err" >/dev/null
tp_check "pcapng from standard input, --filter with a port name: 4 sessions ($(head -c 200 "$W/sn.err"))" $?
cat "$W/merged.pcapng" | "$T" pcap - --cafile "$PKI/root.pem" --format json --no-summary >"$W/stdin.json" 2>"$W/stdin.err"; cat "$W/stdin.err" >&2
sessions "$W/stdin.json" | diff "$W/ours.txt" - >&2
tp_check "multi-link-type pcapng from standard input: the same sessions" $?

# Compressed: the same sessions as the plain file, from a file and from stdin.
"$T" pcap "$W/merged.pcapng" "$W/lo.pcap" --cafile "$PKI/root.pem" --format json --no-summary >"$W/plain.json" 2>/dev/null
for z in "gzip -c" "xz -c" "zstd -q -c"; do
    ext=${z%% *}
    $z "$W/merged.pcapng" >"$W/m.$ext"
    $z "$W/lo.pcap" >"$W/l.$ext"
    "$T" pcap "$W/m.$ext" "$W/l.$ext" --cafile "$PKI/root.pem" --format json --no-summary >"$W/z.json" 2>"$W/z.err"
    rc=$?
    [ $rc -le 1 ] && cmp -s "$W/plain.json" "$W/z.json"
    tp_check "$ext: the same output as uncompressed (exit $rc)" $?
    "$T" pcap - --cafile "$PKI/root.pem" --format json --no-summary <"$W/l.$ext" >"$W/zs.json" 2>/dev/null
    sessions "$W/zs.json" | diff <(sessions "$W/lo.json" 2>/dev/null || "$T" pcap "$W/lo.pcap" --format json --no-summary | sessions /dev/stdin) - >&2
    tp_check "$ext from standard input: the same sessions" $?
done
# the file name says nothing: magic numbers decide
cp "$W/m.xz" "$W/renamed.pcap"
"$T" pcap "$W/renamed.pcap" --cafile "$PKI/root.pem" --format json --no-summary >"$W/r.json" 2>/dev/null
sessions "$W/r.json" | diff "$W/ours.txt" - >&2
tp_check "xz named .pcap: read by its magic number" $?
# concatenated gzip members (cat a.gz b.gz) are one stream
gzip -c "$W/lo.pcap" | head -c 0 >/dev/null
{ head -c 4000 "$W/lo.pcap" | gzip -c; tail -c +4001 "$W/lo.pcap" | gzip -c; } >"$W/two.gz"
"$T" pcap "$W/two.gz" --format json --no-summary >"$W/two.json" 2>/dev/null
"$T" pcap "$W/lo.pcap" --format json --no-summary >"$W/lo.json" 2>/dev/null
cmp -s "$W/two.json" "$W/lo.json"
tp_check "gzip: two members read as one stream" $?

# Truncated and corrupt compressed streams: sessions so far, one line, exit as a truncated pcap.
size=$(stat -c %s "$W/m.gzip")
head -c $((size * 2 / 3)) "$W/m.gzip" >"$W/cut.gz"
TP_ANY_EXIT=1 tp_expect_exit "truncated gzip" 0 "$T" pcap "$W/cut.gz" --cafile "$PKI/root.pem" --format json --no-summary
[ "$(grep -c '' "$TP_ERR")" = 1 ] && grep "cut.gz: the gzip stream is truncated; decoded up to packet [0-9]" "$TP_ERR" >/dev/null
tp_check "truncated gzip: one line ($(cat "$TP_ERR"))" $?
[ "$(grep -c '"type":"session"' "$TP_OUT")" -ge 1 ]
tp_check "truncated gzip: the sessions before the cut" $?
xsize=$(stat -c %s "$W/m.xz")
head -c $((xsize / 2)) "$W/m.xz" >"$W/cut.xz"
TP_ANY_EXIT=1 tp_expect_exit "truncated xz from stdin" 0 sh -c "\"$T\" pcap - --no-summary <\"$W/cut.xz\""
grep "(standard input): the xz stream is truncated" "$TP_ERR" >/dev/null
tp_check "truncated xz: one line ($(cat "$TP_ERR"))" $?
cp "$W/m.gzip" "$W/bad.gz"
printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of="$W/bad.gz" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
TP_ANY_EXIT=1 tp_expect_exit "corrupt gzip" 0 "$T" pcap "$W/bad.gz" --cafile "$PKI/root.pem" --no-summary
[ "$(grep -c "" "$TP_ERR")" = 1 ] && grep "bad.gz: the gzip data is corrupt (.*); decoded up to packet" "$TP_ERR" >/dev/null
tp_check "corrupt gzip: one line ($(cat "$TP_ERR"))" $?

# Not read: one line, exit 2.
printf 'BZh91AY&SY' >"$W/x.bz2"
tp_expect_exit "bzip2" 2 "$T" pcap "$W/x.bz2"
[ "$(grep -c '' "$TP_ERR")" = 1 ] && grep "bzip2-compressed captures are not read" "$TP_ERR" >/dev/null
tp_check "bzip2: one line" $?
head -c 10 "$W/m.zstd" >"$W/tiny.zst"
tp_expect_exit "zstd cut before the first packet" 2 "$T" pcap "$W/tiny.zst"
grep "tiny.zst: the zstd stream is truncated before the capture's first packet" "$TP_ERR" >/dev/null
tp_check "zstd cut before the first packet: one line ($(cat "$TP_ERR"))" $?

tp_finish
