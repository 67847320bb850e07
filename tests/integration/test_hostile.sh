#!/usr/bin/env bash
# Hostile peers (issue 8 point 3): a scripted TCP peer on 127.0.0.1 misbehaves in
# every way; tlsprobe connect must end each case with a finding and a clean exit,
# within its deadline, with bounded memory (peak RSS measured with /usr/bin/time).
. "$(dirname "$0")/lib.sh"

HP="$(dirname "$0")/hostile_peer.py"
DEADLINE=3               # --timeout given to tlsprobe
MAX_RSS_KB=${TP_HOSTILE_MAX_RSS_KB:-65536}
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

# 10,000 certificates: the good leaf, DER, repeated
openssl x509 -in "$PKI/good.pem" -outform DER -out "$TP_TMP/good.der"
# one certificate with a 1 MB SAN list
python3 - "$TP_TMP/san.cnf" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("[req]\ndistinguished_name=dn\nprompt=no\nx509_extensions=ext\n[dn]\nCN=bigsan.test\n[ext]\nsubjectAltName=@alt\n[alt]\n")
    for i in range(45000):
        f.write(f"DNS.{i}=host{i:05d}.bigsan.test\n")
EOF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TP_TMP/bigsan.key" \
    -out "$TP_TMP/bigsan.pem" -days 10 -config "$TP_TMP/san.cnf" >/dev/null 2>&1
openssl x509 -in "$TP_TMP/bigsan.pem" -outform DER -out "$TP_TMP/bigsan.der"
sz=$(stat -c %s "$TP_TMP/bigsan.der")
tp_check "1 MB SAN certificate generated ($sz bytes)" "$([ "$sz" -gt 1000000 ] && echo 0 || echo 1)"

start_peer() { # start_peer MODE [args]: sets PEER_PORT, PEER_PID
    local pf=$TP_TMP/peer.$RANDOM
    tp_bg python3 "$HP" "$@" --port-file "$pf" --lifetime 20
    PEER_PID=$TP_BG_PID
    for _ in $(seq 200); do [ -s "$pf" ] && break; sleep 0.05; done
    PEER_PORT=$(cat "$pf")
}

# hostile NAME WANT_EXIT PYEXPR MODE [peer args...]
hostile() {
    local name=$1 want=$2 expr=$3
    shift 3
    start_peer "$@"
    local t0 t1 ms rss
    t0=$(date +%s%N)
    if [ "$want" = '*' ]; then
        want=0
        TP_ANY_EXIT=1
    else
        TP_ANY_EXIT=0
    fi
    if [ -n "$TIME" ]; then
        tp_expect_exit "hostile $name" "$want" "$TIME" -f "RSS_KB=%M" -o "$TP_TMP/time.$name" \
            "$TLSPROBE" connect --format json --timeout "$DEADLINE" "127.0.0.1:$PEER_PORT" --servername localhost \
            --cafile "$PKI/root.pem"
        rss=$(sed -n 's/^RSS_KB=//p' "$TP_TMP/time.$name")
    else
        tp_expect_exit "hostile $name" "$want" "$TLSPROBE" connect --format json --timeout "$DEADLINE" \
            "127.0.0.1:$PEER_PORT" --servername localhost --cafile "$PKI/root.pem"
        rss=0
    fi
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    echo "# hostile $name: ${ms} ms, peak RSS ${rss} KiB"
    tp_check "hostile $name: within the deadline + 1 s (${ms} ms)" "$([ "$ms" -le $(((DEADLINE + 1) * 1000)) ] && echo 0 || echo 1)"
    tp_check "hostile $name: peak RSS ${rss} KiB <= $MAX_RSS_KB KiB" "$([ "${rss:-0}" -le "$MAX_RSS_KB" ] && echo 0 || echo 1)"
    tp_json "hostile $name: $expr" "$TP_OUT" "$expr"
    tp_kill "$PEER_PID"
}

ERR='[f for f in j["findings"] if f["severity"] == "error"]'
hostile garbage      1 '"not-tls" in ids(j)'  garbage
hostile alertstorm   1 "$ERR"                  alertstorm
hostile drip         1 '"timeout" in ids(j)'   drip
hostile reset        1 '"connection-reset" in ids(j)' reset

# The next five end in outcome tls-failed with no alert either way: the rule
# handshake-failed explains each from the decoder's facts (exit 1).
HF='"handshake-failed" in ids(j) and j["outcome"]["status"] == "tls-failed"'
HF_SUM='[f for f in j["findings"] if f["id"] == "handshake-failed"][0]["summary"]'
HF_EXPL='[f for f in j["findings"] if f["id"] == "handshake-failed"][0]["explanation"]'
TOO_BIG="$HF"' and "larger than allowed" in j["outcome"]["detail"] and "ServerHello" in hs(j,"s2c") and j["decode"]["s2c"]["issue"] == "hs-too-large" and j["decode"]["s2c"]["claimed_len"] > 262144 and "256 KiB" in '"$HF_SUM"
# a TLS 1.2 ServerHello, then a Certificate message with 10,000 certificates (~8 MB)
hostile certs10000 1 "$TOO_BIG" certs --der "$TP_TMP/good.der" --count 10000
# ... with one certificate carrying a 1 MB subjectAltName list
hostile bigsan 1 "$TOO_BIG" certs --der "$TP_TMP/bigsan.der" --count 1
# a ServerHello, then HelloRequests without end on a connection never closed
hostile neverclose 1 "$HF"' and hs(j,"s2c").count("HelloRequest") >= 1 and "HelloRequest message" in '"$HF_SUM" neverclose
# a handshake message claiming 16 MB, then an endless stream
hostile bigrecord 1 "$HF"' and "larger than allowed" in j["outcome"]["detail"] and j["decode"]["s2c"]["claimed_len"] == 16777215 and "16777215 bytes" in '"$HF_SUM" \
    bigrecord
# a real TLS 1.2 server whose plaintext handshake records are re-sent as 1-byte
# records: wolfSSL 5.5.4 cannot parse a handshake header split across records
# (PARSE_ERROR), but our decoder reassembles the whole flight from the 1-byte
# records (read after wolfSSL gave up).
tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem" -tls1_2
hostile split1byte 1 "$HF"' and all(t in hs(j,"s2c") for t in ["ServerHello","Certificate","ServerKeyExchange","ServerHelloDone"]) and j["decode"]["s2c"]["issue"] is None and "limitation of the probe" in '"$HF_EXPL" \
    split --upstream "$TP_PORT"
tp_kill "$TP_SRV_PID"

tp_finish
