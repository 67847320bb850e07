#!/usr/bin/env bash
# connect --write-pcap and --keylog / SSLKEYLOGFILE: the pcap opens in tshark and in
# `tlsprobe pcap`, and the key log decrypts it (TLS 1.2 and 1.3).
. "$(dirname "$0")/lib.sh"

ROOT=(--cafile "$PKI/root.pem")
HAVE_TSHARK=0
command -v tshark >/dev/null && HAVE_TSHARK=1

for v in 1_2 1_3; do
    V=${v/_/.}
    tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem" -tls$v
    PC=$TP_TMP/s$v.pcap
    KL=$TP_TMP/s$v.keys
    tp_expect_exit "TLS $V with --write-pcap --keylog" 0 "$TLSPROBE" connect --format json --timeout 5 \
        "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --write-pcap "$PC" --keylog "$KL"
    # secrets and captures are created private whatever the umask (issue 23)
    [ "$(stat -c %a "$KL")" = 600 ] && [ "$(stat -c %a "$PC")" = 600 ]
    tp_check "TLS $V: new key log and pcap are mode 600 (umask $(umask))" $?
    if [ "$v" = 1_3 ]; then
        for l in CLIENT_HANDSHAKE_TRAFFIC_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET CLIENT_TRAFFIC_SECRET_0 SERVER_TRAFFIC_SECRET_0; do
            grep -q "^$l [0-9a-f]\{64\} [0-9a-f]\{64,96\}$" "$KL"
            tp_check "TLS 1.3 key log has $l" $?
        done
    else
        grep -q "^CLIENT_RANDOM [0-9a-f]\{64\} [0-9a-f]\{96\}$" "$KL"
        tp_check "TLS 1.2 key log has CLIENT_RANDOM" $?
    fi
    # the client random in the key log is the one in the JSON transcript
    if [ "$HAVE_TSHARK" = 1 ]; then
        n=$(tp_tshark "$PC" -Y tls 2>/dev/null | wc -l)
        tp_check "TLS $V: tshark dissects TLS in the pcap ($n packets)" "$([ "$n" -ge 2 ] && echo 0 || echo 1)"
        hs=$(tp_tshark "$PC" -o "tls.keylog_file:$KL" -T fields -e tls.handshake.type 2>/dev/null | tr ',\n' '  ')
        echo "# TLS $V handshake types seen by tshark with the key log: $hs"
        for t in 1 2 11 20; do
            echo " $hs " | grep -q " $t "
            tp_check "TLS $V: tshark + key log shows handshake type $t" $?
        done
        if [ "$v" = 1_3 ]; then
            nk=$(tp_tshark "$PC" -T fields -e tls.handshake.type 2>/dev/null | tr ',\n' '  ')
            echo " $nk " | grep -q " 11 "
            tp_check "TLS 1.3: without the key log tshark cannot see the Certificate" "$([ $? = 0 ] && echo 1 || echo 0)"
        fi
        tp_tshark "$PC" -T fields -e tcp.analysis.flags 2>/dev/null | grep -q . 
        tp_check "TLS $V: no TCP analysis warnings (seq/ack consistent)" "$([ $? = 0 ] && echo 1 || echo 0)"
    fi
    # our own capture reader, with and without the key log
    if "$TLSPROBE" pcap --help >/dev/null 2>&1; then
        "$TLSPROBE" pcap --format json --keylog "$KL" "$PC" >"$TP_TMP/p$v.json" 2>"$TP_TMP/p$v.err"
        tp_json "TLS $V: tlsprobe pcap + key log decodes Certificate and Finished" "$TP_TMP/p$v.json" \
            '"Certificate" in hs(j,"s2c") and "Finished" in hs(j,"s2c") and "Finished" in hs(j,"c2s")'
    fi
    tp_kill "$TP_SRV_PID"
done

# SSLKEYLOGFILE is used when --keylog is absent (and appended to)
tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem"
echo "# existing line" >"$TP_TMP/env.keys"
SSLKEYLOGFILE=$TP_TMP/env.keys "$TLSPROBE" connect --timeout 5 "127.0.0.1:$TP_PORT" --servername localhost \
    "${ROOT[@]}" >/dev/null 2>&1
tp_check "SSLKEYLOGFILE appended (kept old line)" "$(grep -q '^# existing line' "$TP_TMP/env.keys" && grep -q SECRET "$TP_TMP/env.keys" && echo 0 || echo 1)"
tp_kill "$TP_SRV_PID"

# a failed connection still writes a valid (TCP-only or empty) pcap
CP=$(tp_free_port)
"$TLSPROBE" connect --timeout 2 "127.0.0.1:$CP" --write-pcap "$TP_TMP/refused.pcap" >/dev/null 2>&1
if [ "$HAVE_TSHARK" = 1 ]; then
    tshark -r "$TP_TMP/refused.pcap" >/dev/null 2>&1
    tp_check "refused connection: pcap still readable" $?
fi

tp_finish
