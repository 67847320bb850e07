#!/usr/bin/env bash
# JA4S and JA4X (docs/fingerprints.md) on live sessions: `connect` to openssl
# s_server and `listen` with openssl s_client, TLS 1.2 and 1.3, with and without
# ALPN. Each session is also written with --write-pcap/--keylog, and
# ja4plus_ref.py computes the expected values independently (Python, hashlib, its
# own DER walker) from tshark's dissection of that capture; tshark 4.0 has no JA4
# field of its own. `tlsprobe pcap` on the same capture must agree too. A build
# with -DTP_JA4PLUS=OFF must print the keys as null and no JA4S/JA4X text.
. "$(dirname "$0")/lib.sh"

is() { if eval "$1"; then echo 0; else echo 1; fi; }
REF=$(dirname "$0")/ja4plus_ref.py
JA4PLUS=1
grep -q '^TP_JA4PLUS:BOOL=OFF' "${TP_BUILD_DIR:-build}/CMakeCache.txt" 2>/dev/null && JA4PLUS=0
if ! command -v tshark >/dev/null; then
    echo "SKIP: tshark is not installed (scripts/deps.sh installs it)"
    exit 0
fi

# compare NAME SESSION_JSON PCAP KEYLOG: tlsprobe's keys against the reference.
compare() {
    local name=$1 js=$2 pc=$3 kl=$4
    python3 "$REF" "$pc" "$kl" >"$TP_TMP/ref.json" 2>"$TP_TMP/ref.err"
    tp_check "$name: reference computed from tshark's fields ($(cat "$TP_TMP/ref.json" "$TP_TMP/ref.err"))" $?
    "$TLSPROBE" pcap --format json --keylog "$kl" "$pc" 2>/dev/null | head -n 1 >"$TP_TMP/pcap.json"
    for src in "$js" "$TP_TMP/pcap.json"; do
        local what=session
        [ "$src" = "$TP_TMP/pcap.json" ] && what="tlsprobe pcap of it"
        if [ "$JA4PLUS" = 1 ]; then
            python3 - "$src" "$TP_TMP/ref.json" <<'PY'
import json, sys
j = json.loads(open(sys.argv[1]).readline())
r = json.load(open(sys.argv[2]))
mine = {"ja4s": j["ja4s"], "ja4s_r": j["ja4s_r"], "ja4x": [c.get("ja4x") for c in j["certificates"]]}
print("#   tlsprobe:", json.dumps(mine))
print("#   tshark  :", json.dumps(r))
sys.exit(0 if mine == r and r["ja4s"] and r["ja4x"] else 1)
PY
            tp_check "$name ($what): ja4s, ja4s_r and every ja4x equal the reference" $?
        else
            tp_json "$name ($what): without JA4+ the keys are null" "$src" \
                "j['ja4s'] is None and j['ja4s_r'] is None and all(c['ja4x'] is None for c in j['certificates'])"
        fi
    done
}

# ---- connect: TLS 1.2 with ALPN h2, TLS 1.3 with and without ALPN ----
for case in "1_2 h2" "1_3 h2" "1_3 -"; do
    set -- $case
    v=$1 alpn=$2
    args=(-cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem" -tls$v)
    cargs=()
    if [ "$alpn" != - ]; then args+=(-alpn "$alpn"); cargs=(--alpn "$alpn,http/1.1"); fi
    tp_s_server "${args[@]}"
    PC=$TP_TMP/c$v$alpn.pcap KL=$TP_TMP/c$v$alpn.keys
    tp_expect_exit "connect TLS ${v/_/.} alpn $alpn: exit 0" 0 "$TLSPROBE" connect --format json --timeout 5 \
        "127.0.0.1:$TP_PORT" --servername localhost --cafile "$PKI/root.pem" "${cargs[@]}" \
        --write-pcap "$PC" --keylog "$KL"
    cp "$TP_OUT" "$TP_TMP/c.json"
    compare "connect TLS ${v/_/.} alpn $alpn" "$TP_TMP/c.json" "$PC" "$KL"
    tp_kill "$TP_SRV_PID"
done
if [ "$JA4PLUS" = 1 ]; then
    tp_json "connect TLS 1.3 without ALPN: 00 in place of the ALPN" "$TP_TMP/c.json" "j['ja4s'][5:7] == '00'"
fi

# The same session with the server's port moved to 57000, which tshark 4.0 gives
# to IRC: the reference (tshark_tls.py's Decode As) and tlsprobe pcap (which finds
# TLS by its bytes, not its port) must both still see it. A CI run once failed
# when the kernel handed that port to a client.
python3 - "$TP_TMP/c1_3h2.pcap" "$TP_TMP/irc.pcap" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
assert struct.unpack("<I", b[20:24])[0] == 1           # Ethernet, as --write-pcap writes
syn = b[24 + 16 + 14:]
old = struct.unpack(">H", syn[(syn[0] & 15) * 4 + 2:][:2])[0]   # the SYN's destination port
off = 24
while off < len(b):
    n = struct.unpack("<I", b[off + 8:off + 12])[0]
    ip = off + 16 + 14
    tcp = ip + (b[ip] & 15) * 4
    for k in (tcp, tcp + 2):
        if struct.unpack(">H", b[k:k + 2])[0] == old:
            b[k:k + 2] = struct.pack(">H", 57000)
    off += 16 + n
open(sys.argv[2], "wb").write(b)
PY
tp_check "a session moved to port 57000 (IRC's in tshark)" $?
"$TLSPROBE" pcap --format json --keylog "$TP_TMP/c1_3h2.keys" "$TP_TMP/irc.pcap" 2>/dev/null | head -n 1 >"$TP_TMP/irc.json"
tp_json "port 57000: tlsprobe pcap sees the server there" "$TP_TMP/irc.json" "j['server_port'] == 57000"
compare "connect TLS 1.3 alpn h2 on port 57000" "$TP_TMP/irc.json" "$TP_TMP/irc.pcap" "$TP_TMP/c1_3h2.keys"

# ---- listen: per-client JSON and text, TLS 1.2 and 1.3 ----
for v in 1.2 1.3; do
    LOUT=$TP_TMP/l$v.json LERR=$TP_TMP/l$v.err
    PC=$TP_TMP/l$v.pcap KL=$TP_TMP/l$v.keys
    tp_bg timeout 30 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
        --alpn h2,http/1.1 --count 1 --linger 0 --format json --timeout 5 --write-pcap "$PC" --keylog "$KL" \
        >"$LOUT" 2>"$LERR"
    LPID=$TP_BG_PID LPORT=
    for ((i = 0; i < 500; i++)); do
        LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$LERR")
        [ -n "$LPORT" ] && break
        sleep 0.02
    done
    timeout 10 openssl s_client -connect "127.0.0.1:$LPORT" -tls${v/./_} -servername server.test -alpn h2 \
        </dev/null >/dev/null 2>&1
    wait "$LPID"
    tp_check "listen TLS $v: exit 0" $?
    compare "listen TLS $v alpn h2" "$LOUT" "$PC" "$KL"
done

# listen text: the per-client report shows them without --verbose
LOUT=$TP_TMP/l.txt LERR=$TP_TMP/l.err
tp_bg timeout 30 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
    --count 1 --linger 0 --no-color --timeout 5 >"$LOUT" 2>"$LERR"
LPID=$TP_BG_PID LPORT=
for ((i = 0; i < 500; i++)); do
    LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$LERR")
    [ -n "$LPORT" ] && break
    sleep 0.02
done
timeout 10 openssl s_client -connect "127.0.0.1:$LPORT" -servername server.test </dev/null >/dev/null 2>&1
wait "$LPID"
if [ "$JA4PLUS" = 1 ]; then
    tp_check "listen text: JA4 and JA4S and JA4X shown" \
        "$(is 'grep -q "JA4 " "$LOUT" && grep -Eq "JA4S +t13" "$LOUT" && grep -Eq "JA4X +[0-9a-f]{12}_" "$LOUT"')"
else
    tp_check "listen text without JA4+: JA4 shown, no JA4S/JA4X" \
        "$(is 'grep -q "JA4 " "$LOUT" && ! grep -Eq "JA4S|JA4X" "$LOUT"')"
fi

tp_finish
