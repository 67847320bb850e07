#!/usr/bin/env bash
# tlsprobe pcap on the committed real captures (fixtures/captures, made by
# make-captures.sh with openssl s_client/s_server and curl on 127.0.0.1): versions,
# suites, SNI, HRR, resumption, mTLS, alerts with direction, TLS 1.3 decryption with
# --keylog / SSLKEYLOGFILE / a pcapng Decryption Secrets Block, EncryptedRecord
# without keys, selection options, summary, exit statuses.
set -uo pipefail
T=${TLSPROBE:?}
C=${TP_FIXTURES:?}/captures
CA=$TP_FIXTURES/pki/root.pem
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# run NAME EXPECTED_RC ARGS... -> $W/NAME.json (stdout), $W/NAME.err (stderr)
run() {
  local name=$1 want=$2; shift 2
  "$T" pcap "$@" >"$W/$name.json" 2>"$W/$name.err"
  local rc=$?
  if [ "$rc" = "$want" ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, want $want: $(head -3 "$W/$name.err")"; fi
}
# check NAME PYTHON-EXPR...: each expression over s (sessions list) and summ (summary)
check() {
  local name=$1; shift
  python3 - "$W/$name.json" "$@" <<'EOF' || fails=$((fails + 1))
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
summ = lines[-1] if lines and lines[-1].get("type") == "summary" else None
s = [l for l in lines if l.get("type") == "session"]
def types(o): return [m["type"] for m in o["messages"]]
def msg(o, t, d=None): return [m for m in o["messages"] if m["type"] == t and (d is None or m["dir"] == d)]
bad = 0
for e in sys.argv[2:]:
    try:
        r = eval(e)
    except Exception as x:
        r = "exception %r" % (x,)
    if r is True:
        print("ok   %s: %s" % (sys.argv[1].split("/")[-1], e))
    else:
        print("FAIL %s: %s -> %r" % (sys.argv[1].split("/")[-1], e, r)); bad += 1
sys.exit(1 if bad else 0)
EOF
}

J=(--format json --cafile "$CA")

# TLS 1.3 without keys: the encrypted flight is EncryptedRecord, keys_missing said.
run t13-nokeys 0 "$C/tls13-good.pcap" "${J[@]}"
check t13-nokeys 'len(s) == 1' 's[0]["source"] == "pcap"' 's[0]["version"] == "TLS 1.3"' \
  's[0]["cipher"] == "TLS_AES_256_GCM_SHA384"' 's[0]["server_name"] == "server.test"' \
  '"EncryptedRecord" in types(s[0])' '"Certificate" not in types(s[0])' 's[0]["keys_missing"] is True' \
  's[0]["handshake_complete"] is True' 's[0]["client"].startswith("127.0.0.1:")' \
  's[0]["timings"]["rtt_ms"] is not None' 'summ["sessions"] == 1' 'summ["keys_missing"] == 1' \
  'summ["versions"] == {"TLS 1.3": 1}' 'summ["server_names"] == {"server.test": 1}'

# The same with the key log: Certificate decrypted, chain judged, verified ok.
run t13-keylog 0 "$C/tls13-good.pcap" --keylog "$C/tls13-good.keylog" "${J[@]}"
check t13-keylog 'msg(s[0], "Certificate", "s2c")[0]["decrypted"] is True' \
  '"CertificateVerify" in types(s[0])' 'len(msg(s[0], "Finished")) == 2' 's[0]["keys_missing"] is False' \
  'len(s[0]["certificates"]) == 2' 's[0]["server_verification"]["status"] == "ok"' 's[0]["findings"] == []' \
  's[0]["outcome"]["status"] == "ok"'

# --at overrides the capture time: after the fixture chain's notAfter (2046-11-17) it
# has expired; before its notBefore (2026-11-22) it is not yet valid.
run t13-at-late 1 "$C/tls13-good.pcap" --keylog "$C/tls13-good.keylog" "${J[@]}" --at 2047-01-01T00:00:00Z
check t13-at-late '"expired" in [f["id"] for f in s[0]["findings"]]' 'summ["sessions"] == 1'
run t13-at-early 1 "$C/tls13-good.pcap" --keylog "$C/tls13-good.keylog" "${J[@]}" --at @1700000000
check t13-at-early '"not-yet-valid" in [f["id"] for f in s[0]["findings"]]'

# SSLKEYLOGFILE is honoured; --keylog wins over it.
SSLKEYLOGFILE="$C/tls13-good.keylog" "$T" pcap "$C/tls13-good.pcap" "${J[@]}" >"$W/t13-env.json" 2>"$W/t13-env.err"
check t13-env '"Certificate" in types(s[0])'

# pcapng with the key log in a Decryption Secrets Block (editcap --inject-secrets).
run t13-dsb 0 "$C/tls13-dsb.pcapng" "${J[@]}"
check t13-dsb 'msg(s[0], "Certificate", "s2c")[0]["decrypted"] is True' 'len(s[0]["certificates"]) == 2'
"$T" pcap "$C/tls13-dsb.pcapng" --cafile "$CA" 2>"$W/dsb.err" >/dev/null
grep -q "1 pcapng Decryption Secrets Block used" "$W/dsb.err" && ok "dsb: text says the DSB was used" || bad "dsb: no DSB note"

# TLS 1.2 GCM and CBC: chain in clear, decryption with CLIENT_RANDOM.
run t12 0 "$C/tls12-good.pcap" --keylog "$C/tls12-good.keylog" "${J[@]}"
check t12 's[0]["version"] == "TLS 1.2"' 's[0]["cipher"] == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"' \
  'len(s[0]["certificates"]) == 2' '"ServerKeyExchange" in types(s[0])' 's[0]["decrypt_failed"] is False' \
  's[0]["handshake_complete"] is True' 's[0]["server_verification"]["status"] == "ok"'
run t12-nokeys 0 "$C/tls12-good.pcap" "${J[@]}"
check t12-nokeys 'len(s[0]["certificates"]) == 2' 's[0]["handshake_complete"] is True'
run t12cbc 0 "$C/tls12-cbc.pcap" --keylog "$C/tls12-cbc.keylog" "${J[@]}"
check t12cbc 's[0]["cipher"] == "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"' 's[0]["decrypt_failed"] is False'

# HelloRetryRequest: the server wants P-256, the client offered X25519 first.
run hrr 0 "$C/tls13-hrr.pcap" "${J[@]}"
check hrr 's[0]["hello_retry"] is True' '"HelloRetryRequest" in types(s[0])' 'len(msg(s[0], "ClientHello")) == 2' \
  'summ["hello_retry_requests"] == 1'

# Resumption: two sessions, the second resumed (TLS 1.3 PSK, TLS 1.2 session id/ticket).
run res13 0 "$C/tls13-resume.pcap" --keylog "$C/tls13-resume.keylog" "${J[@]}"
check res13 'len(s) == 2' 's[0]["resumed"] is False' 's[1]["resumed"] is True' '"Certificate" not in types(s[1])' \
  'summ["resumed"] == 1'
run res12 0 "$C/tls12-resume.pcap" "${J[@]}"
check res12 'len(s) == 2' 's[1]["resumed"] is True' '"Certificate" not in types(s[1])'

# mTLS with keys: CertificateRequest and the client's chain appear.
run mtls 0 "$C/tls13-mtls.pcap" --keylog "$C/tls13-mtls.keylog" "${J[@]}"
check mtls 's[0]["client_auth_requested"] is True' '"CertificateRequest" in types(s[0])' \
  'len(s[0]["client_certificates"]) >= 1' 'msg(s[0], "Certificate", "c2s")[0]["decrypted"] is True'

# The client rejects an unknown CA: a fatal unknown_ca alert from the client, exit 1.
run uca12 1 "$C/tls12-unknown-ca.pcap" "${J[@]}"
check uca12 'msg(s[0], "Alert", "c2s")[0]["name"] == "unknown_ca"' \
  'msg(s[0], "Alert", "c2s")[0]["sent_by"] == "client"' 'msg(s[0], "Alert", "c2s")[0]["level"] == "fatal"' \
  's[0]["handshake_complete"] is False' '"server-cert-rejected" in [f["id"] for f in s[0]["findings"]]' \
  'summ["finding_counts"].get("server-cert-rejected") == 1'
run uca13 1 "$C/tls13-unknown-ca.pcap" --keylog "$C/tls13-unknown-ca.keylog" "${J[@]}"
check uca13 'msg(s[0], "Alert", "c2s")[0]["name"] == "unknown_ca"' 's[0]["handshake_complete"] is False'

# curl session (SSLKEYLOGFILE from curl itself).
run curl 0 "$C/curl-tls13.pcap" --keylog "$C/curl-tls13.keylog" "${J[@]}"
check curl 's[0]["version"] == "TLS 1.3"' '"Certificate" in types(s[0])' 's[0]["alpn"] in ("h2", "http/1.1", None)'

# Several files at once; summary counts everything.
run multi 1 "$C/tls13-good.pcap" "$C/tls12-good.pcap" "$C/tls12-unknown-ca.pcap" "${J[@]}"
check multi 'len(s) == 3' 'summ["sessions"] == 3' 'summ["versions"] == {"TLS 1.2": 2, "TLS 1.3": 1}' \
  'summ["capture"]["flows"] == 3' 'summ["findings_by_severity"]["error"] >= 1'

# Selection.
run sel-session 0 "$C/tls13-resume.pcap" --session 2 "${J[@]}"
check sel-session 'len(s) == 1' 's[0]["resumed"] is True'
run sel-sni 0 "$C/tls13-good.pcap" --sni nothing.example "${J[@]}"
check sel-sni 'len(s) == 0' 'summ["sessions"] == 0'
run sel-sni2 0 "$C/tls13-good.pcap" --sni SERVER.test "${J[@]}"
check sel-sni2 'len(s) == 1'
SRV=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["server"])' "$W/t13-nokeys.json")
run sel-server 0 "$C/tls13-good.pcap" --server "$SRV" "${J[@]}"
check sel-server 'len(s) == 1'
run sel-filter 0 "$C/tls13-good.pcap" --filter "tcp port 1" "${J[@]}"
check sel-filter 'len(s) == 0' 'summ["capture"]["packets"] == 0'

# Text output: sessions on stdout, summary on stderr.
"$T" pcap "$C/tls12-unknown-ca.pcap" --cafile "$CA" --no-color >"$W/text.out" 2>"$W/text.err"
grep -q "unknown_ca" "$W/text.out" && ok "text: alert shown" || bad "text: no alert"
grep -q "^summary: 1 TLS session" "$W/text.err" && ok "text: summary on stderr" || bad "text: summary: $(cat "$W/text.err")"
grep -q "summary" "$W/text.out" && bad "text: summary on stdout" || ok "text: stdout has no summary"

# Usage errors: exit 2 with one line.
for args in "" "--session 0 x" "--session 1 --sni a $C/tls13-good.pcap" "--server nope $C/tls13-good.pcap" \
            "--filter 'tcp port' $C/tls13-good.pcap" "$W/missing.pcap" "--keylog $W/missing.keylog $C/tls13-good.pcap" \
            "--bogus $C/tls13-good.pcap"; do
  eval "\"$T\" pcap $args" >/dev/null 2>"$W/u.err"
  rc=$?
  if [ $rc = 2 ] && [ "$(wc -l <"$W/u.err")" -ge 1 ] && grep -q "^tlsprobe: " "$W/u.err"; then ok "usage '$args': exit 2: $(head -1 "$W/u.err")"
  else bad "usage '$args': exit $rc: $(cat "$W/u.err")"; fi
done
"$T" pcap --help | grep "usage: tlsprobe pcap" > /dev/null && ok "--help" || bad "--help"

# Valgrind memcheck (issue 8): no invalid access, no leak, on a decrypted TLS 1.3
# session with a verified chain, a TLS 1.2 alert, and a DSB pcapng. Skipped for
# sanitizer builds (ASan and valgrind do not mix) and when valgrind is missing.
nm -D "$T" >"$W/nm.txt" 2>/dev/null; nm "$T" >>"$W/nm.txt" 2>/dev/null
if command -v valgrind >/dev/null && [ -z "${ASAN_OPTIONS:-}" ] && ! grep -q __asan "$W/nm.txt"; then
  for args in "$C/tls13-good.pcap --keylog $C/tls13-good.keylog" "$C/tls12-unknown-ca.pcap" "$C/tls13-dsb.pcapng --format json"; do
    # shellcheck disable=SC2086
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
      "$T" pcap $args --cafile "$CA" >/dev/null 2>"$W/vg.err"
    rc=$?
    if [ $rc != 99 ] && ! grep -q "==[0-9]*==" "$W/vg.err"; then ok "valgrind clean: pcap $(basename "${args%% *}")"
    else bad "valgrind: pcap $args: $(grep "==" "$W/vg.err" | head -20)"; fi
  done
fi

[ $fails = 0 ] && echo "all pcap fixture checks passed" || echo "$fails failed"
exit $((fails > 0))
