#!/usr/bin/env bash
# Status headers never contradict the findings (issue 16): over every demo
# scenario and real listen cases (openssl s_client, curl, a bare TCP probe), the
# text header's status equals JSON status_line and: no "(Success)" next to a
# failure; "handshake complete" alone only with no error finding; a fatal alert
# makes it "handshake failed: WHO sent fatal NAME" for the first fatal alert in
# wire order; "Verification ...: ok" never above an expired/name/strength error;
# listen sends at most one alert; a TCP connect-and-close is a probe, not an error.
. "$(dirname "$0")/lib.sh"
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3

cat >"$TP_TMP/consistent.py" <<'PYEOF'
import json, sys
text_path, json_path, label = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(text_path, encoding="utf-8", errors="replace").read()
sessions = [o for o in (json.loads(l) for l in open(json_path) if l.startswith("{")) if o.get("type") == "session"]
bad = []
if "(Success)" in text:
    bad.append("'(Success)' in the text")
CERT_IDS = {"expired", "not-yet-valid", "hostname-mismatch", "cn-only", "weak-key", "weak-signature", "wrong-key-usage",
            "name-constraint-violation", "ca-not-authorized", "path-length-exceeded", "issuer-eku-mismatch",
            "unknown-critical-extension", "malformed-certificate"}
for j in sessions:
    sl = j["status_line"]
    errs = [f["id"] for f in j["findings"] if f["severity"] == "error"]
    # text output wraps at the terminal width: compare with whitespace folded
    if " ".join(sl.split()) not in " ".join(text.split()):
        bad.append("text header lacks the JSON status_line %r" % sl)
    if errs and sl == "handshake complete":
        bad.append("'handshake complete' with error findings %s" % errs)
    if not errs and sl != "handshake complete" and j["handshake_complete"] and j["outcome"]["status"] == "ok":
        bad.append("a clean session not called complete: %r" % sl)
    fatal = [m for m in j["messages"] if m.get("type") == "Alert" and m.get("level") == "fatal"]
    if fatal:
        a = fatal[0]
        if "handshake failed" not in sl or a.get("name", "?") not in sl:
            bad.append("first fatal alert %s not the cause in %r" % (a.get("name"), sl))
        ours = "s2c" if j["source"] == "listen" else "c2s"
        who = "we" if a["dir"] == ours else ("the client" if a["dir"] == "c2s" else "the server")
        if (who + " sent") not in sl:
            bad.append("first fatal alert sent by %s, status says %r" % (who, sl))
    if j["source"] == "listen":
        sent = [m for m in j["messages"] if m.get("type") == "Alert" and m["dir"] == "s2c"]
        if len(sent) > 1:
            bad.append("listen sent %d alerts" % len(sent))
    if CERT_IDS & set(errs) and "Verification of the server's chain: ok" in text:
        bad.append("'Verification ... ok' above %s" % sorted(CERT_IDS & set(errs)))
    if "(tls-failed" in text and "handshake complete (" in text:
        bad.append("'handshake complete (tls-failed...)'")
for b in bad:
    print("  %s: %s" % (label, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF

consistent() { # LABEL TEXTFILE JSONFILE
    "$PY" "$TP_TMP/consistent.py" "$2" "$3" "$1"
    tp_check "$1: headers agree with the findings" $?
}

for sc in good unknown-authority missing-intermediate hostname-mismatch cn-only expired client-cert-required version-mismatch name-constraint; do
    timeout 60 "$TLSPROBE" demo "$sc" --brief --no-color >"$TP_TMP/$sc.txt" 2>&1
    timeout 60 "$TLSPROBE" demo "$sc" --format json >"$TP_TMP/$sc.json" 2>/dev/null
    consistent "demo $sc" "$TP_TMP/$sc.txt" "$TP_TMP/$sc.json"
done

# listen, each case once in text and once in JSON.
LN=0
listen_case() { # LABEL CLIENT-COMMAND -- LISTEN-ARGS...
    local label=$1 client=$2
    shift 3
    local f
    for f in text json; do
        LN=$((LN + 1))
        local out=$TP_TMP/l$LN.$f err=$TP_TMP/l$LN.err port=
        tp_bg timeout 20 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
            --count 1 --timeout 5 --format "$f" --no-color "$@" >"$out" 2>"$err"
        local pid=$TP_BG_PID i
        for ((i = 0; i < 500; i++)); do
            port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$err")
            [ -n "$port" ] && break
            sleep 0.02
        done
        PORT=$port bash -c "$client" </dev/null >/dev/null 2>&1
        wait "$pid"
    done
    consistent "listen: $label" "$TP_TMP/l$((LN - 1)).text" "$TP_TMP/l$LN.json"
}
listen_case "TCP probe" 'exec 3<>/dev/tcp/127.0.0.1/$PORT; exec 3>&-' --
tp_json "listen TCP probe: no error finding" "$TP_TMP/l$LN.json" '[f for f in j["findings"] if f["severity"] == "error"] == [] and "probe" in j["status_line"]'
grep -q 'TCP probe' "$TP_TMP/l$((LN - 1)).text"; tp_check "listen TCP probe: counted as a probe in the summary" $?
listen_case "TLS 1.2 client, TLS 1.3 only" 'timeout 5 openssl s_client -connect 127.0.0.1:$PORT -tls1_2' -- --tls1.3
listen_case "no client certificate, TLS 1.3" 'timeout 5 openssl s_client -connect 127.0.0.1:$PORT' -- --require-client-cert
tp_json "listen TLS 1.3 require: not completed, our certificate_required" "$TP_TMP/l$LN.json" \
    '"we sent fatal certificate_required" in j["status_line"]'
listen_case "no client certificate, TLS 1.2" 'timeout 5 openssl s_client -connect 127.0.0.1:$PORT -tls1_2' -- --require-client-cert
listen_case "curl rejects our chain" 'timeout 5 curl -sS https://localhost:$PORT/' --
tp_json "listen curl: the client's unknown_ca, and we send nothing after it" "$TP_TMP/l$LN.json" \
    '"the client sent fatal unknown_ca" in j["status_line"] and not [m for m in j["messages"] if m.get("type") == "Alert" and m["dir"] == "s2c"]'
listen_case "untrusted client certificate" \
    'timeout 5 openssl s_client -connect 127.0.0.1:$PORT -cert '"$PKI"'/client-rogue.pem -key '"$PKI"'/client-rogue.key' -- --client-ca "$PKI/root.pem"

# connect --tls1.2 to a TLS 1.3-only Go server: the server's protocol_version came
# first (wolfSSL read its record header, answered, then read the body): the cause
# is the server's alert, each side's alert appears once, no second finding.
if command -v go >/dev/null; then
    GD=$TP_TMP/go
    mkdir -p "$GD"
    if (cd "$GD" && cp "$TP_SRC/tests/integration/peers/gopeer.go" . &&
        GO111MODULE=off GOCACHE="$GD/cache" GOPATH="$GD/path" timeout 120 go build -o gopeer gopeer.go); then
        GPORT=$(tp_free_port)
        tp_bg timeout 20 "$GD/gopeer" server tls13only "$GPORT" "$PKI/good-fullchain.pem" "$PKI/good.key" 15 2>/dev/null
        GPID=$TP_BG_PID
        tp_wait_listen "$GPORT" 5
        "$TLSPROBE" connect "localhost:$GPORT" --tls1.2 --cafile "$PKI/root.pem" --timeout 5 --no-color >"$TP_TMP/g13.txt" 2>&1
        "$TLSPROBE" connect "localhost:$GPORT" --tls1.2 --cafile "$PKI/root.pem" --timeout 5 --format json >"$TP_TMP/g13.json" 2>&1
        tp_kill "$GPID"
        consistent "connect --tls1.2 to a TLS 1.3-only Go server" "$TP_TMP/g13.txt" "$TP_TMP/g13.json"
        tp_json "TLS 1.3-only Go server: its alert first, one finding" "$TP_TMP/g13.json" \
            '[(m["dir"], m["name"]) for m in j["messages"] if m["type"] == "Alert"][0] == ("s2c", "protocol_version") and [f["id"] for f in j["findings"]] == ["protocol-version-mismatch"] and "the server sent fatal protocol_version" in j["status_line"]'
    else
        tp_check "build the Go peer" 1
    fi
else
    echo "skip - go not installed"
fi

tp_finish
