#!/usr/bin/env bash
# connect against the worst servers (issue 23 point 4), next to test_hostile.sh:
# full 16 KiB records from a valid server, a 1,000-certificate chain, endless
# handshake fragments (1-byte and empty records), a HelloRetryRequest loop, and
# servers sending one byte per second, where --timeout must be honoured to +-10 %.
# Every case: the exit status, the finding, the wall time and the peak RSS.
. "$(dirname "$0")/lib.sh"
is() { if eval "$1"; then echo 0; else echo 1; fi; }

HP="$(dirname "$0")/hostile_peer.py"
DEADLINE=3
MAX_RSS_KB=${TP_HOSTILE_MAX_RSS_KB:-65536}
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

openssl x509 -in "$PKI/good.pem" -outform DER -out "$TP_TMP/good.der"

start_peer() { # start_peer MODE [args]: sets PEER_PORT, PEER_PID
    local pf=$TP_TMP/peer.$RANDOM
    tp_bg python3 "$HP" "$@" --port-file "$pf" --lifetime 20
    PEER_PID=$TP_BG_PID
    for _ in $(seq 200); do [ -s "$pf" ] && break; sleep 0.05; done
    PEER_PORT=$(cat "$pf")
}

# probe NAME WANT_EXIT PORT : run connect, set MS (wall ms of tlsprobe alone) and RSS.
# With /usr/bin/time, MS is the process's own elapsed time (fork to exit, 10 ms
# resolution): measured around it with date, the shell's own forks on a loaded
# machine added up to 0.4 s (2026-12-07: strace showed execve to exit_group in
# 3,028 ms for --timeout 3 while date around it said 3,424 ms).
probe() {
    local name=$1 want=$2 port=$3 t0 t1
    t0=$(date +%s%N)
    if [ -n "$TIME" ]; then
        tp_expect_exit "worst $name" "$want" "$TIME" -f "RSS_KB=%M WALL_S=%e" -o "$TP_TMP/time.$name" \
            "$TLSPROBE" connect --format json --timeout "$DEADLINE" "127.0.0.1:$port" --servername localhost \
            --cafile "$PKI/root.pem"
        RSS=$(sed -n 's/^RSS_KB=\([0-9]*\).*/\1/p' "$TP_TMP/time.$name")
        WALL_MS=$(sed -n 's/.*WALL_S=\([0-9.]*\).*/\1/p' "$TP_TMP/time.$name" | awk '{ printf "%d", $1 * 1000 }')
    else
        tp_expect_exit "worst $name" "$want" "$TLSPROBE" connect --format json --timeout "$DEADLINE" \
            "127.0.0.1:$port" --servername localhost --cafile "$PKI/root.pem"
        RSS=0
    fi
    t1=$(date +%s%N)
    MS=$(((t1 - t0) / 1000000))
    [ -n "${WALL_MS:-}" ] && MS=$WALL_MS
    echo "# worst $name: ${MS} ms, peak RSS ${RSS} KiB"
    tp_check "worst $name: peak RSS ${RSS} KiB <= $MAX_RSS_KB KiB" "$(is '[ "${RSS:-0}" -le "$MAX_RSS_KB" ]')"
}

# worst NAME WANT_EXIT PYEXPR MODE [peer args...]: a hostile_peer.py case, ended
# within the deadline + 1 s
worst() {
    local name=$1 want=$2 expr=$3
    shift 3
    start_peer "$@"
    probe "$name" "$want" "$PEER_PORT"
    tp_check "worst $name: within the deadline + 1 s (${MS} ms)" "$(is '[ "$MS" -le $(((DEADLINE + 1) * 1000)) ]')"
    tp_json "worst $name: $expr" "$TP_OUT" "$expr"
    tp_kill "$PEER_PID"
}

# --- full 16 KiB records from a valid server ------------------------------------
# A leaf with 300 SAN names (16 KB DER) under the test issuing CA: OpenSSL sends the
# Certificate message (~17 KB) as a full 16,384-byte record plus the rest. wolfSSL
# 5.5.4 takes it; a 37 KB leaf is refused by wolfSSL itself (HANDSHAKE_SIZE_ERROR),
# which tlsprobe reports as handshake-failed (see test_hostile.sh, bigsan).
python3 - "$TP_TMP/big.cnf" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=localhost\n[ext]\n"
            "subjectAltName=@alt\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
            "extendedKeyUsage=serverAuth\n[alt]\nDNS.0=localhost\n")
    for i in range(1, 300):
        f.write(f"DNS.{i}=host{i:05d}.filler-name-for-a-large-certificate.test\n")
EOF
openssl req -new -key "$PKI/good.key" -out "$TP_TMP/big.csr" -config "$TP_TMP/big.cnf" 2>/dev/null
openssl x509 -req -in "$TP_TMP/big.csr" -CA "$PKI/int.pem" -CAkey "$PKI/int.key" -set_serial 4242 \
    -days 400 -extfile "$TP_TMP/big.cnf" -extensions ext -out "$TP_TMP/big.pem" 2>/dev/null
for v in tls1_2 tls1_3; do
    tp_s_server -cert "$TP_TMP/big.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem" -"$v" -msg
    probe "16k-records-$v" 0 "$TP_PORT"
    # the record header of a full record: 16 03 03 40 00 (TLS 1.3: the outer
    # application_data records, 17 03 03 40 11 = 16,384 + 17 bytes)
    log=$TP_TMP/s_server.$TP_PORT.log
    tp_check "16k-records-$v: the server sent a full 16 KiB record" \
        "$(is 'grep -Eq "^ *(16 03 03 40 00|17 03 03 40 11)" "$log"')"
    tp_json "16k-records-$v: handshake complete, no error" "$TP_OUT" \
        'j["outcome"]["status"] == "ok" and j["handshake_complete"] and j["decode"]["s2c"]["bytes"] > 16384 and not [f for f in j["findings"] if f["severity"] == "error"] and j["server_verification"]["valid"]'
    tp_kill "$TP_SRV_PID"
done

HF='"handshake-failed" in ids(j) and j["outcome"]["status"] == "tls-failed"'
# --- a 1,000-certificate chain (~0.9 MB Certificate message) -------------------
# cut at our 256 KiB per-message limit as soon as its header is read: the decoder
# never buffers the rest (RSS measured)
hostile_big='"hs-too-large" == j["decode"]["s2c"]["issue"] and j["decode"]["s2c"]["hs_type"] == "Certificate" and j["decode"]["s2c"]["claimed_len"] > 800000 and j["decode"]["s2c"]["bytes"] <= 2*1024*1024'
worst certs1000 1 "$HF and $hostile_big" certs --der "$TP_TMP/good.der" --count 1000

# --- endless handshake fragments -----------------------------------------------
# Certificate messages sent as 1-byte handshake records without end: wolfSSL
# reassembles the first one (12,000 bytes of zeros) and rejects it (decode_error)
worst fragments 1 '"remote-alert" in ids(j) and "decode_error" in [f for f in j["findings"] if f["id"] == "remote-alert"][0]["summary"] and hs(j,"s2c").count("Certificate") >= 1 and j["decode"]["s2c"]["records"] > 10000' \
    fragments
# the same with a 250,000-byte claim (under our 256 KiB, over wolfSSL's limit)
# (wolfSSL HANDSHAKE_SIZE_ERROR: the summary says so, not "tiny records")
HFSUM='[f for f in j["findings"] if f["id"] == "handshake-failed"][0]["summary"]'
worst fragments250k 1 "$HF"' and j["decode"]["s2c"]["records"] > 10000 and j["decode"]["s2c"]["bytes"] <= 2*1024*1024 and j["outcome"]["lib_error"] == -404 and "larger than our TLS library" in '"$HFSUM"' and "tiny" not in '"$HFSUM" \
    fragments --count 250000
# zero-length handshake records without end (RFC 8446 5.1 forbids them)
# (wolfSSL LENGTH_ERROR: the summary names the record length, not "tiny records")
worst emptyfrags 1 "$HF"' and j["decode"]["s2c"]["records"] > 10000 and j["decode"]["s2c"]["bytes"] <= 2*1024*1024 and j["outcome"]["lib_error"] == -341 and "length" in '"$HFSUM"' and "tiny" not in '"$HFSUM" \
    emptyfrags

# --- HelloRetryRequest loop ------------------------------------------------------
# every ClientHello gets a HelloRetryRequest: the second one is refused (RFC 8446
# 4.1.4: a client MUST abort on a second HelloRetryRequest)
worst hrr-loop 1 "$HF"' and j["hello_retry"] and hs(j,"s2c").count("HelloRetryRequest") == 2 and hs(j,"c2s").count("ClientHello") == 2 and "twice" in j["outcome"]["detail"]' \
    hrr

# --- one byte per second: --timeout honoured to +-10 % ----------------------------
# drip: the ServerHello one byte per second after the ClientHello; trickle: one byte
# per second from accept on. 3 s must end in 2.7-3.3 s, measured around tlsprobe
# alone (its start-up, loading root.pem, is ~10 ms). Measured here, 22 runs:
# 3,004-3,124 ms. On the shared 2-core test machine (load average 14-22) runs
# measured with date around the process took up to 3,424 ms: the deadline is one
# monotonic clock from the start of the probe over DNS, connect, handshake and
# every read (src/probe/connect.c, wolf.c), and strace showed the process itself
# ending at 3,028 ms; the rest was the shell's forks waiting for a CPU. So the
# time is now the process's own (/usr/bin/time %e), and each case still gets two
# tries: the better one must be in 2.7-3.3 s, every try must end by the deadline + 1 s.
for m in drip trickle; do
    best=
    for try in 1 2; do
        start_peer "$m"
        probe "$m-timing-$try" 1 "$PEER_PORT"
        tp_kill "$PEER_PID"
        tp_json "$m try $try: timeout finding" "$TP_OUT" '"timeout" in ids(j) and j["outcome"]["status"] == "timeout"'
        tp_check "$m try $try: ended by the deadline + 1 s (${MS} ms)" "$(is '[ "$MS" -le $(((DEADLINE + 1) * 1000)) ]')"
        if [ -z "$best" ] || [ "$MS" -lt "$best" ]; then best=$MS; fi
        [ "$MS" -ge 2700 ] && [ "$MS" -le 3300 ] && break
    done
    tp_check "$m: --timeout $DEADLINE honoured to +-10 % (best ${best} ms in 2700..3300)" \
        "$(is '[ "$best" -ge 2700 ] && [ "$best" -le 3300 ]')"
done

tp_finish
