#!/usr/bin/env bash
# Every JSON line tlsprobe prints validates against docs/schema/ (JSON Schema draft
# 2020-12, issue 22): connect (s_server on 127.0.0.1, good and failing cases), listen
# (s_client clients, good and failing), pcap over every capture in fixtures/captures
# (with and without its key log), inspect and check over the fixtures, explain over
# every message of fixtures/explain/messages.tsv and a few more, demo (every
# scenario and `all`). Multi-session commands (pcap, sniff, listen, demo all) end
# with their summary object, validated as such. One validator run at the end (tests/schema/validate.py) names
# each bad line with its file, line number, schema path and error. Then two
# self-checks: a renamed key in the output, and a renamed property in a copy of the
# schemas, must both fail. Without python3-jsonschema (scripts/deps.sh installs it)
# the test fails: a silent skip would let a renamed key through.
. "$(dirname "$0")/lib.sh"
# The public trust-store data (docs/trust-stores.md), so that every verification
# carries a trust_stores object, not null.
export TLSPROBE_DATA_DIR="$TP_SRC/data"

# The system interpreter (Debian's python3-jsonschema); a pyenv shim is slow.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
    echo "FAIL: python3-jsonschema is not installed for $PY (scripts/deps.sh installs it)"
    exit 1
fi
VALIDATE=("$PY" "$TP_SRC/tests/schema/validate.py" --schema-dir "$TP_SRC/docs/schema")
tp_check "every schema is valid draft 2020-12" "$("${VALIDATE[@]}" --check-only >/dev/null 2>&1; echo $?)"

J=$TP_TMP/json
mkdir -p "$J"
SPECS=()
NCASE=0
declare -A CASES=()
# emit SCHEMA CASE CMD... : run CMD (bounded), its stdout is the JSON to validate
# against SCHEMA; every case must print at least one line. Exit status is not judged
# here (the other tests do), only that the command did not crash (>= 128) or hang.
emit() {
    local schema=$1 name=$2
    shift 2
    NCASE=$((NCASE + 1))
    local out="$J/$NCASE.$schema.$name.jsonl"
    timeout 30 "$@" >"$out" 2>"$out.err"
    local rc=$?
    if [ "$rc" -ge 124 ] || [ ! -s "$out" ]; then
        tp_check "$schema/$name: ran and printed JSON (exit $rc)" 1
        head -c 600 "$out.err" >&2
        return
    fi
    SPECS+=("$schema:$out")
    [ "$schema" = session ] || SPECS+=("tlsprobe:$out") # the dispatch on "type" too
    local k=$schema
    [ "$schema" = session ] && k=${name%%-*}
    CASES[$k]=$((${CASES[$k]:-0} + 1))
}
# emit_multi KIND CASE CMD... : sessions, then the summary object as the last line
emit_multi() {
    local kind=$1 name=$2
    shift 2
    NCASE=$((NCASE + 1))
    local out="$J/$NCASE.$kind.$name.jsonl"
    timeout 30 "$@" >"$out" 2>"$out.err"
    local rc=$?
    if [ "$rc" -ge 124 ] || [ ! -s "$out" ]; then
        tp_check "$kind/$name: ran and printed JSON (exit $rc)" 1
        head -c 600 "$out.err" >&2
        return
    fi
    head -n -1 "$out" >"$out.sessions"
    tail -n 1 "$out" >"$out.summary"
    SPECS+=("session:$out.sessions" "summary:$out.summary" "tlsprobe:$out")
    CASES[$kind]=$((${CASES[$kind]:-0} + 1))
}
emit_pcap() { emit_multi pcap "$@"; }

T=$TLSPROBE
ROOT=(--cafile "$PKI/root.pem")

# ---- inspect: every file fixture (also the unreadable ones), PKI oddities ----
for f in "$TP_FIXTURES"/files/*; do
    emit inspect "$(basename "$f")" "$T" inspect --format json "$f"
done
emit inspect "many-with-matches" "$T" inspect --format json "$TP_FIXTURES"/files/* \
    "$PKI/good-fullchain.pem" "$PKI/good.key"
for f in nasty sct expired selfsigned weakkey sha1 cnonly ed25519 noserverauth; do
    emit inspect "pki-$f" "$T" inspect --format json "$PKI/$f.pem" "$PKI/$f.key"
done
# unusable PEM blocks (bad base64, DER that is not what the label says, an unknown label)
printf -- '-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n' >"$TP_TMP/bad-blocks.pem"
emit inspect "bad-blocks" "$T" inspect --format json "$TP_TMP/bad-blocks.pem"
emit inspect "missing-file" "$T" inspect --format json "$TP_TMP/no-such-file.pem"
emit inspect "stdin" sh -c "\"$T\" inspect --format json - < \"$PKI/good-fullchain.pem\""
# PKCS#12 opened with --pass (and its seeds: 3DES/SHA-1, RC2 this wolfSSL cannot open, no MAC)
emit inspect "p12-opened" "$T" inspect --format json "$TP_FIXTURES/files/bundle.p12" "$TP_FIXTURES/files/encrypted.key" \
    --pass pass:secret
for f in "$TP_FIXTURES"/fuzz/fuzz_pkcs12/*.p12; do
    emit inspect "p12-$(basename "$f")" "$T" inspect --format json "$f" --pass pass:x
done

# ---- check: good, broken and odd chains ----
CK=(check --format json "${ROOT[@]}")
emit check good "$T" "${CK[@]}" --chain "$PKI/good-fullchain.pem" --key "$PKI/good.key" --host localhost
emit check good-stack "$T" "${CK[@]}" --chain "$PKI/good-fullchain.pem" --host localhost --stack go
emit check no-host "$T" "${CK[@]}" --chain "$PKI/good-fullchain.pem"
emit check misordered "$T" "${CK[@]}" --chain "$PKI/good-misordered.pem" --key "$PKI/good.key" --host localhost
emit check with-root "$T" "${CK[@]}" --chain "$PKI/good-with-root.pem" --host localhost
emit check extra "$T" "${CK[@]}" --chain "$PKI/good-extra.pem" --host localhost
emit check missing-int "$T" "${CK[@]}" --chain "$PKI/good.pem" --host localhost
emit check intermediates "$T" "${CK[@]}" --chain "$PKI/good.pem" --intermediates "$PKI/int.pem" --host localhost
emit check key-mismatch "$T" "${CK[@]}" --chain "$PKI/good-fullchain.pem" --key "$PKI/wronghost.key" --host localhost
emit check at-future "$T" "${CK[@]}" --chain "$PKI/good-fullchain.pem" --host localhost --at 2047-01-01T00:00:00Z
emit check idn "$T" "${CK[@]}" --chain "$PKI/good-fullchain.pem" --host bücher.example --stack openssl
emit check client-purpose "$T" "${CK[@]}" --chain "$PKI/client-fullchain.pem" --purpose client
emit check client-expired "$T" "${CK[@]}" --chain "$PKI/client-expired-fullchain.pem" --purpose client
emit check unknown-root "$T" "${CK[@]}" --chain "$PKI/rogue-leaf.pem" --host localhost
emit check system-store "$T" check --format json --chain "$PKI/good-fullchain.pem" --host localhost
for c in expired wronghost cnonly weakkey sha1 noserverauth notyet nasty ed25519 sct expired-int-leaf; do
    emit check "$c" "$T" "${CK[@]}" --chain "$PKI/$c-fullchain.pem" --host localhost
done
emit check selfsigned "$T" "${CK[@]}" --chain "$PKI/selfsigned.pem" --host localhost

# ---- explain: every message of the table, unmatched text, --side, --stack ----
while IFS=$'\t' read -r stack msg _; do
    case "$stack" in '' | '#'*) continue ;; esac
    printf '%s\n' "$msg"
done <"$TP_FIXTURES/explain/messages.tsv" >"$TP_TMP/explain-messages"
NEXPLAIN=0
: >"$J/explain-table.jsonl"
while IFS= read -r msg; do
    NEXPLAIN=$((NEXPLAIN + 1))
    timeout 10 "$T" explain --format json -- "$msg" >>"$J/explain-table.jsonl" 2>/dev/null ||
        tp_check "explain: '$msg' exited non-zero" 1
done <"$TP_TMP/explain-messages"
SPECS+=("explain:$J/explain-table.jsonl")
CASES[explain]=$NEXPLAIN
tp_check "explain: one line per table message ($NEXPLAIN)" \
    "$([ "$(wc -l <"$J/explain-table.jsonl")" = "$NEXPLAIN" ] && [ "$NEXPLAIN" -gt 50 ]; echo $?)"
emit explain unmatched "$T" explain --format json "nothing a TLS stack ever printed"
emit explain side-server "$T" explain --format json --side server "SSL routines::certificate verify failed"
emit explain stack-python "$T" explain --format json --stack python "x509: certificate signed by unknown authority"
emit explain alert "$T" explain --format json "tls: received fatal alert: unknown_ca from 10.0.0.1:443"
emit explain stdin sh -c "echo 'curl: (60) SSL certificate problem: unable to get local issuer certificate' | \"$T\" explain --format json -"

# ---- pcap: every capture, with its key log and without ----
for f in "$TP_FIXTURES"/captures/*.pcap "$TP_FIXTURES"/captures/*.pcapng; do
    b=$(basename "$f")
    k=${f%.*}.keylog
    emit_pcap "$b" "$T" pcap --format json "$f"
    [ -f "$k" ] && emit_pcap "$b+keylog" "$T" pcap --format json --keylog "$k" "$f"
done
emit_pcap "all-at-once" "$T" pcap --format json "$TP_FIXTURES"/captures/*.pcap
emit session "pcap-no-summary" "$T" pcap --format json --no-summary "$TP_FIXTURES/captures/tls13-good.pcap"

# ---- demo: every scenario, and all ----
for s in $("$T" demo --list | awk '{print $1}'); do
    emit session "demo-$s" "$T" demo "$s" --format json
done
emit_multi demo "all" "$T" demo all --format json

# ---- connect: openssl s_server on 127.0.0.1 ----
C=(connect --format json --timeout 5)
SRV() { # SRV LEAF [s_server args...]
    local leaf=$1
    shift
    tp_s_server -cert "$PKI/$leaf.pem" -key "$PKI/$leaf.key" -cert_chain "$PKI/int.pem" "$@"
}
if SRV good -tls1_3 -alpn h2; then
    emit session connect-tls13 "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --alpn h2,http/1.1
    emit session connect-stack "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost --stack go
    emit session connect-nosni "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --no-sni "${ROOT[@]}"
    emit session connect-idn "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername bücher.example "${ROOT[@]}"
    emit session connect-at "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --at 2047-01-01T00:00:00Z
    emit session connect-version-mismatch "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --tls1.2
    emit scan tls13 "$T" scan --format json "127.0.0.1:$TP_PORT"
    tp_kill "$TP_SRV_PID"
fi
if SRV good -tls1_2; then
    emit session connect-tls12 "$T" "${C[@]}" "localhost:$TP_PORT" "${ROOT[@]}"
    emit scan tls12 "$T" scan --format json "localhost:$TP_PORT"
    tp_kill "$TP_SRV_PID"
fi
if SRV wronghost; then
    emit session connect-wronghost "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
    tp_kill "$TP_SRV_PID"
fi
if tp_s_server -cert "$PKI/selfsigned.pem" -key "$PKI/selfsigned.key"; then
    emit session connect-selfsigned "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
    tp_kill "$TP_SRV_PID"
fi
# mutual TLS: required and not given, then given
if SRV good -Verify 1 -CAfile "$PKI/root.pem"; then
    emit session connect-mtls-missing "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
    emit session connect-mtls "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" \
        --cert "$PKI/client-fullchain.pem" --key "$PKI/client.key"
    tp_kill "$TP_SRV_PID"
fi
# DHE key exchange (dh_bits), an RSA key: the intermediate's pair serves as a leaf
if tp_s_server -cert "$PKI/int.pem" -key "$PKI/int.key" -tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384'; then
    emit session connect-dhe "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
    tp_kill "$TP_SRV_PID"
fi
# the leaf alone: AIA tried at the leaf's caIssuers URL (127.0.0.1:1), which fails (aia_*)
if tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key"; then
    emit session connect-aia-failed "$T" "${C[@]}" "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}"
    tp_kill "$TP_SRV_PID"
fi
# connect with several targets: the sessions in input order, then the summary (source connect)
if tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem"; then
    emit_multi connect-many targets "$T" "${C[@]}" "127.0.0.1:$TP_PORT" "localhost:$TP_PORT" "127.0.0.1:1" \
        --servername localhost "${ROOT[@]}"
    tp_kill "$TP_SRV_PID"
fi
# hostile peers (tests/integration/hostile_peer.py): bytes that are not a certificate
# (unparsed), a 16 MB handshake header (decode issue), a reset, garbage
hostile() { # NAME MODE [args...]
    local name=$1 pf=$TP_TMP/peer.$1
    shift
    tp_bg timeout 20 "$PY" "$TP_SRC/tests/integration/hostile_peer.py" "$@" --port-file "$pf" --lifetime 15
    local pid=$TP_BG_PID i
    for ((i = 0; i < 200; i++)); do [ -s "$pf" ] && break; sleep 0.05; done
    emit session "connect-hostile-$name" "$T" connect --format json --timeout 3 "127.0.0.1:$(cat "$pf")" --servername localhost
    tp_kill "$pid"
}
hostile unparsed-certs certs --der "$TP_FIXTURES/files/key.der" --count 2
hostile bigrecord bigrecord
hostile reset reset
hostile garbage garbage
# refused (nothing listens), not TLS (a banner), name that does not resolve
DEAD=$(tp_free_port)
emit session connect-refused "$T" "${C[@]}" "127.0.0.1:$DEAD"
emit scan refused "$T" scan --format json "127.0.0.1:$DEAD"
BP=$(tp_free_port)
tp_bg timeout 20 "$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
while True:
    c, _ = s.accept(); c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n"); c.recv(4096); c.close()
' "$BP"
BPID=$TP_BG_PID
if tp_wait_listen "$BP" 5; then
    emit session connect-not-tls "$T" "${C[@]}" "127.0.0.1:$BP"
fi
tp_kill "$BPID"
emit session connect-no-resolve "$T" connect --format json --timeout 3 "no-such-host.invalid:443"

# ---- sniff on lo (needs root or CAP_NET_RAW: otherwise said, not failed) ----
if SRV good; then
    SOUT=$J/sniff.jsonl
    tp_bg timeout 15 "$T" sniff -i lo --count 1 --format json --filter "tcp port $TP_PORT" >"$SOUT" 2>"$SOUT.err"
    SPID=$TP_BG_PID
    for ((i = 0; i < 250; i++)); do
        grep -q '^sniffing on' "$SOUT.err" 2>/dev/null && break
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.02
    done
    if grep -q '^sniffing on' "$SOUT.err"; then
        timeout 10 "$T" connect --format json --timeout 3 "127.0.0.1:$TP_PORT" --servername localhost >/dev/null 2>&1
        wait "$SPID"
        head -n -1 "$SOUT" >"$SOUT.sessions"
        tail -n 1 "$SOUT" >"$SOUT.summary"
        # the summary is always there; the session only if the capture saw it in time
        SPECS+=("summary:$SOUT.summary")
        [ -s "$SOUT.sessions" ] && SPECS+=("session:$SOUT.sessions") ||
            echo "# sniff saw no session in time: only its summary validated"
        CASES[sniff]=1
    else
        tp_kill "$SPID"
        echo "# sniff not validated: $(head -n 1 "$SOUT.err") (needs root or CAP_NET_RAW)"
    fi
    tp_kill "$TP_SRV_PID"
fi

# ---- listen: s_client clients, good and failing ----
LN=0
listen_start() { # ARGS... ; sets LPORT LPID LOUT
    LN=$((LN + 1))
    LOUT=$J/listen.$LN.jsonl
    tp_bg timeout 30 "$T" listen 127.0.0.1:0 --format json --timeout 5 --linger 0 "$@" >"$LOUT" 2>"$LOUT.err"
    LPID=$TP_BG_PID
    LPORT=
    local i
    for ((i = 0; i < 500; i++)); do
        LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$LOUT.err")
        [ -n "$LPORT" ] && return 0
        kill -0 "$LPID" 2>/dev/null || break
        sleep 0.02
    done
    echo "  listen did not start: $(cat "$LOUT.err")" >&2
    return 1
}
sclient() { timeout 10 openssl s_client -connect "127.0.0.1:$LPORT" "$@" </dev/null >/dev/null 2>&1; }
listen_done() { # NAME : wait for --count clients, then validate what listen printed
    wait "$LPID"
    if [ -s "$LOUT" ]; then
        head -n -1 "$LOUT" >"$LOUT.sessions"
        tail -n 1 "$LOUT" >"$LOUT.summary"
        SPECS+=("session:$LOUT.sessions" "summary:$LOUT.summary")
        CASES[listen]=$((${CASES[listen]:-0} + 1))
    else
        tp_check "listen/$1: printed JSON" 1
        head -c 600 "$LOUT.err" >&2
    fi
}
GOOD=(--cert "$PKI/good-fullchain.pem" --key "$PKI/good.key")
if listen_start "${GOOD[@]}" --alpn h2,http/1.1 --count 4; then
    sclient -tls1_3 -servername server.test -alpn h2 -CAfile "$PKI/root.pem"
    sclient -tls1_2 -servername server.test -CAfile "$PKI/root.pem"
    sclient -tls1_3 -noservername -CAfile "$PKI/other-root.pem" -verify_return_error # rejects our chain
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(sys.stdin.buffer.read())
s.settimeout(3)
try: s.recv(4096)
except Exception: pass
' "$LPORT" # not TLS
    listen_done basic
fi
if listen_start "${GOOD[@]}" --client-ca "$PKI/root.pem" --stack go --count 2; then
    sclient -tls1_3 -servername server.test -cert "$PKI/client.pem" -cert_chain "$PKI/client-fullchain.pem" -key "$PKI/client.key"
    sclient -tls1_2 -servername server.test -cert "$PKI/client-rogue.pem" -key "$PKI/client-rogue.key"
    listen_done mtls
fi

# ---- validate everything in one run ----
"${VALIDATE[@]}" --nonempty "${SPECS[@]}" >"$TP_TMP/validate.out" 2>&1
VRC=$?
grep -v '^#' "$TP_TMP/validate.out" | head -80
tail -n 1 "$TP_TMP/validate.out"
SUMMARY=""
for k in $(printf '%s\n' "${!CASES[@]}" | sort); do SUMMARY="$SUMMARY $k=${CASES[$k]}"; done
echo "# cases:$SUMMARY"
tp_check "every JSON line validates against docs/schema" "$VRC"

# ---- the schema catches a renamed key, in the output or in the schema ----
ONE=$(printf '%s\n' "${SPECS[@]}" | sed -n 's/^session://p' | grep connect-tls13 | head -n 1)
if [ -n "$ONE" ]; then
    sed 's/"handshake_complete":/"handshake_completed":/' "$ONE" >"$TP_TMP/renamed.jsonl"
    "${VALIDATE[@]}" "session:$TP_TMP/renamed.jsonl" >"$TP_TMP/renamed.out" 2>&1
    tp_check "a key renamed in the output fails validation" \
        "$([ $? = 1 ] && grep -q "handshake_completed" "$TP_TMP/renamed.out"; echo $?)"
    # a schema-version-1 name (CHANGELOG.md) is not accepted either
    sed 's/"alert_count":/"alerts_total":/' "$ONE" >"$TP_TMP/renamed-v1.jsonl"
    "${VALIDATE[@]}" "tlsprobe:$TP_TMP/renamed-v1.jsonl" >"$TP_TMP/renamed-v1.out" 2>&1
    tp_check "a version-1 key name fails validation" \
        "$([ $? = 1 ] && grep -q "alerts_total" "$TP_TMP/renamed-v1.out"; echo $?)"
    cp -r "$TP_SRC/docs/schema" "$TP_TMP/schema-renamed"
    sed -i 's/"certificate_count"/"cert_count"/g' "$TP_TMP/schema-renamed/message.schema.json"
    "$PY" "$TP_SRC/tests/schema/validate.py" --schema-dir "$TP_TMP/schema-renamed" "session:$ONE" >"$TP_TMP/renamed2.out" 2>&1
    tp_check "a property renamed in the schema fails validation" \
        "$([ $? = 1 ] && grep -q "cert_count" "$TP_TMP/renamed2.out"; echo $?)"
else
    tp_check "connect-tls13 output present for the rename checks" 1
fi
# TP_SCHEMA_KEEP=DIR keeps every output validated (to look at, or to try a schema change on).
[ -n "${TP_SCHEMA_KEEP:-}" ] && mkdir -p "$TP_SCHEMA_KEEP" && cp -r "$J"/. "$TP_SCHEMA_KEEP"/
tp_finish
