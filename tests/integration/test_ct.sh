#!/usr/bin/env bash
# Certificate Transparency (docs/ct.md): certificates with SCTs embedded by the
# test's own CA and signed by test logs (make_ct_certs.py: openssl ecparam keys,
# RFC 6962 precert entries signed with openssl dgst), judged by check and inspect
# against a test log list (TLSPROBE_CT_LOGS), and by connect against an
# openssl s_server serving them.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || exit 77
C=$TP_TMP/ct
mkdir -p "$C"
python3 "$(dirname "$0")/make_ct_certs.py" "$C" >"$TP_TMP/make.log" 2>&1
tp_check "make test certificates with embedded SCTs" $?
export TLSPROBE_CT_LOGS=$C/ct-logs.txt
CK=(check --cafile "$C/root.pem" --host localhost)
ids_are() { tp_json "$1" "$TP_OUT" "$2"; }

tp_expect_exit "ct-ok: 2 SCTs from 2 operators" 0 "$TLSPROBE" "${CK[@]}" --chain "$C/ct-ok.pem" --format json
ids_are "ct-ok: no findings, both verified, Chrome and Apple ok" \
    'ids(j) == [] and (c := j["server_verification"]["ct"])["chrome_ok"] and c["apple_ok"] and [s["status"] for s in c["scts"]] == ["verified", "verified"] and [s["log_operator"] for s in c["scts"]] == ["OpA", "OpB"] and c["scts"][0]["source"] == "certificate" and c["scts"][0]["hash_algorithm"] == "sha256" and c["scts"][0]["signature_algorithm"] == "ecdsa" and c["lifetime_days"] == 90'
tp_expect_exit "ct-ok text" 0 "$TLSPROBE" "${CK[@]}" --chain "$C/ct-ok.pem"
grep -E '^CT +2 SCTs · 2 verified · Chrome ok · Apple ok' "$TP_OUT" >/dev/null; tp_check "ct-ok text: the CT line" $?
grep -E 'Test Log B1 \(OpB\) · .* · certificate · verified' "$TP_OUT" >/dev/null; tp_check "ct-ok text: per-SCT line" $?

tp_expect_exit "ct-one with the built-in list" 0 env -u TLSPROBE_CT_LOGS "$TLSPROBE" "${CK[@]}" --chain "$C/ct-one.pem" --format json
ids_are "ct-one, unknown log: still too few, ct-insufficient" 'ids(j) == ["ct-insufficient"] and not j["server_verification"]["ct"]["undetermined"]'
tp_expect_exit "ct-one: 1 SCT" 0 "$TLSPROBE" "${CK[@]}" --chain "$C/ct-one.pem" --format json
ids_are "ct-one: ct-insufficient says 1 of 2" \
    'ids(j) == ["ct-insufficient"] and "1 log counted of 2 needed" in j["findings"][0]["summary"] and j["findings"][0]["severity"] == "warning"'

tp_expect_exit "ct-sameop: 2 SCTs, one operator" 0 "$TLSPROBE" "${CK[@]}" --chain "$C/ct-sameop.pem" --format json
ids_are "ct-sameop: ct-insufficient names the operator count" \
    'ids(j) == ["ct-insufficient"] and "from 1 operator of 2 needed" in j["findings"][0]["summary"] and j["server_verification"]["ct"]["verified_count"] == 2'

tp_expect_exit "ct-bad: one SCT signed over other data" 0 "$TLSPROBE" "${CK[@]}" --chain "$C/ct-bad.pem" --format json
ids_are "ct-bad: sct-bad-signature then ct-insufficient" \
    'ids(j) == ["sct-bad-signature", "ct-insufficient"] and "Test Log B1" in j["findings"][0]["summary"] and [s["status"] for s in j["server_verification"]["ct"]["scts"]] == ["verified", "bad-signature"]'

tp_expect_exit "ct-long: 400 days, 2 SCTs" 0 "$TLSPROBE" "${CK[@]}" --chain "$C/ct-long.pem" --format json
ids_are "ct-long: 3 needed over 180 days" \
    'ids(j) == ["ct-insufficient"] and "2 logs counted of 3 needed (lifetime over 180 days)" in j["findings"][0]["summary"]'
tp_expect_exit "ct-long-ok: 400 days, 3 SCTs" 0 "$TLSPROBE" "${CK[@]}" --chain "$C/ct-long-ok.pem" --format json
ids_are "ct-long-ok: no findings" 'ids(j) == [] and j["server_verification"]["ct"]["chrome_embedded"]["counted"] == 3'

# Without the test list the logs are unknown: nothing verifies, nothing counts; as
# they would be enough if good, that is a stale list: said in the CT lines, no finding.
tp_expect_exit "ct-ok with the built-in list" 0 env -u TLSPROBE_CT_LOGS "$TLSPROBE" "${CK[@]}" --chain "$C/ct-ok.pem" --format json
ids_are "built-in list: unknown logs, undetermined, no finding" \
    'ids(j) == [] and j["server_verification"]["ct"]["undetermined"] and j["server_verification"]["ct"]["undetermined"] and [s["status"] for s in j["server_verification"]["ct"]["scts"]] == ["unknown-log", "unknown-log"] and j["server_verification"]["ct"]["logs"].startswith("built-in list")'

# Without its issuer the precert entry cannot be rebuilt (no issuer key hash).
tp_expect_exit "ct-ok without its root" 1 "$TLSPROBE" check --host localhost --chain "$C/ct-ok.pem" --cafile "$PKI/root.pem" --format json
ids_are "no issuer: SCTs marked no-issuer" \
    '[s["status"] for s in j["server_verification"]["ct"]["scts"]] == ["no-issuer", "no-issuer"]'

# A log list that does not read: the SCTs are judged as from unknown logs, never a crash.
printf 'not|a|log|list\n' >"$TP_TMP/bad-logs.txt"
tp_expect_exit "bad log list file" 0 env TLSPROBE_CT_LOGS="$TP_TMP/bad-logs.txt" "$TLSPROBE" "${CK[@]}" --chain "$C/ct-ok.pem" --format json
ids_are "bad log list: no list, SCTs unknown" \
    'j["server_verification"]["ct"]["logs"].startswith("no log list (") and "line 1" in j["server_verification"]["ct"]["logs"] and ids(j) == []'

# inspect decodes the embedded list (not verified: no issuer) and names the logs.
tp_expect_exit "inspect ct-ok" 0 "$TLSPROBE" inspect --format json "$C/ct-ok.pem"
tp_json "inspect: scts decoded, logs named" "$TP_OUT" \
    'j["objects"][0]["certificate"]["sct"] is True and [s["log_name"] for s in j["objects"][0]["certificate"]["scts"]] == ["Test Log A1", "Test Log B1"] and j["objects"][0]["certificate"]["scts"][0]["signature_algorithm"] == "ecdsa"'
tp_expect_exit "inspect ct-ok text" 0 "$TLSPROBE" inspect --no-color "$C/ct-ok.pem"
grep -E 'Test Log A1 \(OpA\) · [0-9-]+ [0-9:]+' "$TP_OUT" >/dev/null; tp_check "inspect text: the SCT's log and time" $?
tp_expect_exit "inspect the fixture's fake list" 0 "$TLSPROBE" inspect --format json "$PKI/sct.pem"
tp_json "inspect fake list: scts null" "$TP_OUT" 'j["objects"][0]["certificate"]["sct"] is True and j["objects"][0]["certificate"]["scts"] is None'

# scripts/update-ct-logs.sh converts a log list in Google's v3 JSON format (the
# test logs here, Test Log B1 retired): the converted list is used as is.
python3 - "$C/ct-logs.txt" >"$TP_TMP/v3.json" <<'PY'
import json, sys
ops = {}
for line in open(sys.argv[1]):
    if line.startswith("#"):
        continue
    lid, op, _, _, _, key, name = line.rstrip("\n").split("|")
    state = {"retired": {"timestamp": "2026-01-01T00:00:00Z"}} if name == "Test Log B1" else {"usable": {"timestamp": "2025-01-01T00:00:00Z"}}
    ops.setdefault(op, []).append({"description": name, "log_id": lid, "key": key, "url": "https://log.invalid/",
                                   "mmd": 86400, "state": state})
print(json.dumps({"version": "1", "operators": [{"name": o, "email": [], "logs": l, "tiled_logs": []} for o, l in ops.items()]}))
PY
bash "$TP_SRC/scripts/update-ct-logs.sh" "$TP_TMP/v3.json" "$TP_TMP/converted.txt" >/dev/null 2>&1
tp_check "update-ct-logs.sh converts a v3 JSON list" $?
grep -E '\|OpB\|retired\|-\|-\|.*\|Test Log B1$' "$TP_TMP/converted.txt" >/dev/null; tp_check "converted: B1 retired, no interval" $?
tp_expect_exit "ct-ok with the converted list" 0 env TLSPROBE_CT_LOGS="$TP_TMP/converted.txt" "$TLSPROBE" "${CK[@]}" --chain "$C/ct-ok.pem" --format json
ids_are "converted list: B1 verifies but is retired, so not counted" \
    'ids(j) == ["ct-insufficient"] and [s["log_state"] for s in j["server_verification"]["ct"]["scts"]] == ["usable", "retired"] and j["server_verification"]["ct"]["verified_count"] == 2'

# connect: a real server sending the certificate.
for c in ct-ok ct-one; do
    if tp_s_server -cert "$C/$c.pem" -key "$C/leaf.key" -naccept 1; then
        tp_expect_exit "connect $c" 0 timeout 20 "$TLSPROBE" connect "127.0.0.1:$TP_PORT" --servername localhost \
            --cafile "$C/root.pem" --format json
        if [ $c = ct-ok ]; then
            ids_are "connect ct-ok: CT judged, no findings" \
                'ids(j) == [] and j["server_verification"]["ct"]["chrome_ok"] and j["server_verification"]["ct"]["verified_count"] == 2'
        else
            ids_are "connect ct-one: ct-insufficient" 'ids(j) == ["ct-insufficient"]'
        fi
        tp_kill "$TP_SRV_PID"
    else
        tp_check "start s_server for $c" 1
    fi
done
# SCTs delivered in TLS: wolfSSL 5.5.4 cannot ask for them (no
# signed_certificate_timestamp in its ClientHello, no custom extensions), so a
# server never sends them to connect. A capture of openssl s_client -ct against
# s_server -serverinfo (TLS 1.2: the extension is in the clear ServerHello) is
# how they reach tlsprobe; pcap judges them with the chain.
if command -v tcpdump >/dev/null && [ "$(id -u)" = 0 ]; then
    P=$(tp_free_port)
    tp_bg timeout 30 tcpdump -i lo --immediate-mode -U -s 0 -w "$TP_TMP/tls-sct.pcap" "tcp port $P" 2>"$TP_TMP/tcpdump.log"
    TD=$TP_BG_PID
    for _ in $(seq 100); do grep "listening on" "$TP_TMP/tcpdump.log" >/dev/null 2>&1 && break; sleep 0.05; done
    tp_bg timeout 20 openssl s_server -accept "127.0.0.1:$P" -quiet -naccept 1 -cert "$C/ct-ok-pre.pem" \
        -key "$C/leaf.key" -serverinfo "$C/tls-scts.pem" </dev/null >"$TP_TMP/s_server.sct.log" 2>&1
    SV=$TP_BG_PID
    tp_wait_listen "$P" 5
    { sleep 0.3; } | timeout 10 openssl s_client -connect "127.0.0.1:$P" -tls1_2 -ct -ctlogfile "$C/ct_log_list.cnf" -servername localhost \
        -CAfile "$C/root.pem" >"$TP_TMP/s_client.sct.log" 2>&1
    sleep 0.5
    kill -INT "$TD" 2>/dev/null; wait "$TD" 2>/dev/null
    tp_kill "$SV"
    grep "SCTs present (2)" "$TP_TMP/s_client.sct.log" >/dev/null &&
        [ "$(grep -c "SCT validation status: valid" "$TP_TMP/s_client.sct.log")" = 2 ]
    tp_check "s_client received the TLS SCTs and OpenSSL validates both" $?
    tp_expect_exit "pcap of the TLS-delivered SCTs" 0 "$TLSPROBE" pcap "$TP_TMP/tls-sct.pcap" --cafile "$C/root.pem" --format json
    ids_are "pcap: 2 SCTs from the TLS extension, verified, Chrome ok" \
        '(c := j["server_verification"]["ct"]) is not None and [s["source"] for s in c["scts"]] == ["tls", "tls"] and c["verified_count"] == 2 and c["chrome_delivered"]["ok"] and c["chrome_ok"] and ids(j) == []'
else
    echo "skip - TLS-delivered SCTs via a capture (needs root and tcpdump)"
fi
tp_finish
