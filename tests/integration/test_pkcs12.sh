#!/usr/bin/env bash
# PKCS#12 identities and --pass (issue 19 point 4): archives made by `openssl pkcs12
# -export` (OpenSSL 3's AES/PBKDF2 default, 3DES with a SHA-1 MAC, -legacy RC2 when
# this openssl can, with and without friendly names, with a CA certificate, with
# an empty password, no MAC). inspect lists the facts; a wrong password, a truncated
# or damaged archive and RC2 (compiled out of Debian's wolfSSL) are one line and
# exit 2; every --pass form (pass:, env:, file:, fd:, stdin). Real peers: connect
# --cert client.p12 against `openssl s_server -Verify 1 -verify_return_error`
# (mTLS: the server verified our certificate), listen --cert server.p12 serving
# `openssl s_client`, encrypted PEM keys (PKCS#8 and legacy) on connect.
. "$(dirname "$0")/lib.sh"

D=$TP_TMP
# tp_json runs python3: the system one (a pyenv shim costs seconds per call).
if [ -x /usr/bin/python3 ]; then
    mkdir -p "$D/bin" && ln -s /usr/bin/python3 "$D/bin/python3" && PATH=$D/bin:$PATH
fi
export COLUMNS=200
mk() { # OUT PASS ARGS... : a client archive (cert + key + the issuing CA)
    local out=$1 pw=$2
    shift 2
    openssl pkcs12 -export -in "$PKI/client.pem" -inkey "$PKI/client.key" -certfile "$PKI/int.pem" \
        -passout "pass:$pw" -out "$D/$out" "$@"
}
mk modern.p12 x -name "tp client"
mk noname.p12 x
mk des3.p12 x -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -name "tp 3des"
mk empty.p12 ""
openssl pkcs12 -export -in "$PKI/client.pem" -inkey "$PKI/client.key" -passout pass: -keypbe NONE -certpbe NONE \
    -nomac -out "$D/plain.p12"
HAVE_RC2=0
if mk legacy.p12 x -legacy 2>/dev/null; then HAVE_RC2=1; else echo "# openssl has no legacy provider: no RC2 archive"; fi
openssl pkcs12 -export -in "$PKI/good.pem" -inkey "$PKI/good.key" -certfile "$PKI/int.pem" \
    -passout "pass:srv pass" -name server -out "$D/server.p12"

one_line() { # NAME FILE PATTERN : FILE is exactly one line and it matches PATTERN
    [ "$(wc -l <"$2")" = 1 ] && grep -q -- "$3" "$2"
    tp_check "$1" $?
}

# ---- inspect: the facts ----
tp_expect_exit "inspect modern --pass" 0 "$TLSPROBE" inspect --format json "$D/modern.p12" --pass pass:x
tp_json "modern: opened, MAC SHA-256 2048" "$TP_OUT" \
    'j["kind"] == "pkcs12" and j["objects"][0]["pkcs12"]["status"] == "opened" and j["objects"][0]["pkcs12"]["mac"] == {"algorithm": "SHA-256", "iterations": 2048, "legacy": False}'
tp_json "modern: safes AES-256-CBC / PBKDF2-HMAC-SHA256, not legacy" "$TP_OUT" \
    'j["objects"][0]["pkcs12"]["safes"][0]["encryption"]["algorithm"] == "PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC" and not j["objects"][0]["pkcs12"]["legacy"] and j["objects"][0]["pkcs12"]["warnings"] == []'
tp_json "modern: friendly names and one local key id on cert and key" "$TP_OUT" \
    '[(b["type"], b["friendly_name"]) for b in j["objects"][0]["pkcs12"]["bags"]] == [("certificate", "tp client"), ("certificate", None), ("shrouded-key", "tp client")] and j["objects"][0]["pkcs12"]["bags"][0]["local_key_id"] == j["objects"][0]["pkcs12"]["bags"][2]["local_key_id"] != None'
tp_json "modern: 2 certificates and the key follow; the key matches certificate 1" "$TP_OUT" \
    '[o["kind"] for o in j["objects"]] == ["pkcs12", "certificate", "certificate", "private-key"] and j["objects"][3]["key"] == "EC P-256" and j["objects"][3]["matches"] == [{"file": j["file"], "certificate": 1}] and j["objects"][1]["certificate"]["subject_cn"] == "tlsprobe test client"'
tp_expect_exit "inspect modern text" 0 "$TLSPROBE" inspect --no-color "$D/modern.p12" --pass pass:x
grep -q 'friendly name "tp client"' "$TP_OUT" && grep -q 'matches         certificate 1 in .*modern.p12 (CN=tlsprobe test client' "$TP_OUT"
tp_check "text: friendly name, key matches the client certificate" $?
! grep -qi 'BEGIN\|PRIVATE KEY-' "$TP_OUT"
tp_check "text: no key material" $?

tp_expect_exit "inspect noname" 0 "$TLSPROBE" inspect --format json "$D/noname.p12" --pass pass:x
tp_json "noname: no friendly names" "$TP_OUT" 'all(b["friendly_name"] is None for b in j["objects"][0]["pkcs12"]["bags"])'

tp_expect_exit "inspect 3DES/SHA-1" 0 "$TLSPROBE" inspect --format json "$D/des3.p12" --pass pass:x
tp_json "3des: legacy flagged, OpenSSL 3 still reads it" "$TP_OUT" \
    '(lambda p: p["status"] == "opened" and p["mac"]["algorithm"] == "SHA-1" and p["mac"]["legacy"] and p["safes"][0]["encryption"]["algorithm"] == "pbeWithSHAAnd3-KeyTripleDES-CBC" and [w["id"] for w in p["warnings"]] == ["pkcs12-legacy-algorithms"] and "-macalg sha256" in p["warnings"][0]["fix"])(j["objects"][0]["pkcs12"])'

if [ "$HAVE_RC2" = 1 ]; then
    tp_expect_exit "inspect RC2 (-legacy)" 2 "$TLSPROBE" inspect --format json "$D/legacy.p12" --pass pass:x
    one_line "RC2: one line naming the algorithm" "$TP_ERR" "legacy.p12: this wolfSSL build cannot decrypt pbeWithSHAAnd40BitRC2-CBC$"
    tp_json "RC2: flagged as refused by OpenSSL 3, with the fix" "$TP_OUT" \
        '(lambda p: p["status"] == "unsupported" and p["openssl3_refuses"] and p["safes"][0]["encryption"]["algorithm"] == "pbeWithSHAAnd40BitRC2-CBC" and [w["id"] for w in p["warnings"]] == ["pkcs12-legacy-encryption"] and "openssl pkcs12 -export" in p["warnings"][0]["fix"])(j["objects"][0]["pkcs12"])'
fi

tp_expect_exit "inspect empty password, no --pass" 0 "$TLSPROBE" inspect --format json "$D/empty.p12"
tp_json "empty password opens without --pass" "$TP_OUT" 'j["objects"][0]["pkcs12"]["status"] == "opened" and len(j["objects"]) == 4'
tp_expect_exit "inspect no MAC, no encryption" 0 "$TLSPROBE" inspect --format json "$D/plain.p12"
tp_json "no MAC: mac null, opened" "$TP_OUT" 'j["objects"][0]["pkcs12"]["mac"] is None and j["objects"][0]["pkcs12"]["status"] == "opened"'

# ---- inspect: bad passwords and bad files ----
tp_expect_exit "wrong password" 2 "$TLSPROBE" inspect "$D/modern.p12" --pass pass:wrong
one_line "wrong password: one line" "$TP_ERR" "^tlsprobe: wrong password for $D/modern.p12 (MAC verification failed)$"
tp_expect_exit "no --pass for a protected archive" 0 "$TLSPROBE" inspect --format json "$D/modern.p12"
tp_json "no --pass: needs_password, algorithms still named" "$TP_OUT" \
    'j["objects"][0]["needs_password"] and j["objects"][0]["pkcs12"]["status"] == "needs-password" and "--pass" in j["objects"][0]["pkcs12"]["reason"] and j["objects"][0]["pkcs12"]["safes"][0]["encryption"]["iterations"] == 2048'
tp_expect_exit "no --pass, text" 0 "$TLSPROBE" inspect --no-color "$D/modern.p12"
grep -q 'opened          no: it is protected by a password: give it with --pass SPEC' "$TP_OUT"
tp_check "no --pass: the line says to use --pass" $?

head -c 700 "$D/modern.p12" >"$D/truncated.p12"
tp_expect_exit "truncated archive" 2 "$TLSPROBE" inspect "$D/truncated.p12" --pass pass:x
one_line "truncated: one line" "$TP_ERR" "truncated"
python3 - "$D/modern.p12" "$D/damaged.p12" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
def hdr(i):  # (content offset, length) of the TLV at i
    l = b[i + 1]
    if l < 0x80:
        return i + 2, l
    n = l & 0x7f
    return i + 2 + n, int.from_bytes(b[i + 2:i + 2 + n], "big")
pfx, _ = hdr(0)
ver, vl = hdr(pfx)
ci, _ = hdr(ver + vl)            # authSafe ContentInfo
oid, ol = hdr(ci)
ex, _ = hdr(oid + ol)            # [0]
octs, _ = hdr(ex)                # OCTET STRING: the AuthenticatedSafe
assert b[octs] == 0x30
b[octs] = 0x31                   # a SET where the SEQUENCE OF ContentInfo must be
open(sys.argv[2], "wb").write(b)
EOF
tp_expect_exit "damaged archive" 2 "$TLSPROBE" inspect "$D/damaged.p12" --pass pass:x
one_line "damaged: one line" "$TP_ERR" "damaged PKCS#12 archive"

# ---- every --pass form ----
printf 'x\nnot this line\n' >"$D/pw.txt"
P12PW=x tp_expect_exit "--pass env:" 0 "$TLSPROBE" inspect "$D/modern.p12" --pass env:P12PW
tp_expect_exit "--pass env: unset" 2 "$TLSPROBE" inspect "$D/modern.p12" --pass env:TP_NO_SUCH_VAR
one_line "env unset: one line" "$TP_ERR" "env:TP_NO_SUCH_VAR: the variable is not set"
tp_expect_exit "--pass file: (first line)" 0 "$TLSPROBE" inspect "$D/modern.p12" --pass "file:$D/pw.txt"
tp_expect_exit "--pass fd:3" 0 "$TLSPROBE" inspect "$D/modern.p12" --pass fd:3 3<"$D/pw.txt"
tp_expect_exit "--pass stdin" 0 sh -c "printf 'x\n' | \"$TLSPROBE\" inspect \"$D/modern.p12\" --pass stdin"
tp_expect_exit "--pass stdin with FILE -" 2 sh -c "\"$TLSPROBE\" inspect - --pass stdin < \"$D/modern.p12\""
tp_expect_exit "--pass bad form" 2 "$TLSPROBE" inspect "$D/modern.p12" --pass hunter2
! grep -q hunter2 "$TP_ERR"
tp_check "a bad form never echoes the secret" $?

# ---- connect --cert client.p12 against openssl s_server -Verify 1 (mTLS) ----
tp_s_server -www -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem" \
    -Verify 1 -verify_return_error -CAfile "$PKI/root.pem"
SLOG=$TP_TMP/s_server.$TP_PORT.log
TP_ANY_EXIT=1 tp_expect_exit "connect --cert client.p12" 0 "$TLSPROBE" connect "127.0.0.1:$TP_PORT" \
    --servername localhost --cafile "$PKI/root.pem" --cert "$D/modern.p12" --pass pass:x --format json --timeout 5
tp_json "mTLS handshake complete, our two certificates sent" "$TP_OUT" \
    'j["handshake_complete"] and j["client_auth_requested"] and len(j["client_certificates"]) == 2 and j["client_certificates"][0]["subject_cn"] == "tlsprobe test client"'
TP_ANY_EXIT=1 tp_expect_exit "connect --cert des3.p12 --pass file:" 0 "$TLSPROBE" connect "127.0.0.1:$TP_PORT" \
    --servername localhost --cafile "$PKI/root.pem" --cert "$D/des3.p12" --pass "file:$D/pw.txt" --format json --timeout 5
tp_json "3DES archive as identity: handshake complete" "$TP_OUT" 'j["handshake_complete"] and len(j["client_certificates"]) == 2'
tp_kill "$TP_SRV_PID"
grep -q 'depth=0 .*tlsprobe test client' "$SLOG" || grep -qi 'tlsprobe test client' "$SLOG"
tp_check "s_server saw and verified the client certificate" $?

tp_expect_exit "connect wrong --pass" 2 "$TLSPROBE" connect 127.0.0.1:9 --cert "$D/modern.p12" --pass pass:nope
one_line "connect wrong password: one line" "$TP_ERR" "wrong password for $D/modern.p12 (MAC verification failed)"
tp_expect_exit "connect p12 without --pass" 2 "$TLSPROBE" connect 127.0.0.1:9 --cert "$D/modern.p12"
one_line "connect no password: one line naming --pass" "$TP_ERR" "give it with --pass SPEC"

# ---- encrypted PEM keys on connect (PKCS#8 and legacy Proc-Type) ----
openssl ec -in "$PKI/client.key" -aes256 -passout pass:secret -out "$D/legacy.key" 2>/dev/null
tp_s_server -www -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem" \
    -Verify 1 -verify_return_error -CAfile "$PKI/root.pem"
for k in "$TP_FIXTURES/files/encrypted.key" "$D/legacy.key"; do
    TP_ANY_EXIT=1 tp_expect_exit "connect --key $(basename "$k") --pass" 0 "$TLSPROBE" connect "127.0.0.1:$TP_PORT" \
        --servername localhost --cafile "$PKI/root.pem" --cert "$PKI/client-fullchain.pem" --key "$k" \
        --pass pass:secret --format json --timeout 5
    tp_json "encrypted key $(basename "$k"): mTLS handshake complete" "$TP_OUT" \
        'j["handshake_complete"] and len(j["client_certificates"]) >= 1'
done
tp_kill "$TP_SRV_PID"
tp_expect_exit "connect encrypted key without --pass" 2 "$TLSPROBE" connect 127.0.0.1:9 \
    --cert "$PKI/client.pem" --key "$TP_FIXTURES/files/encrypted.key"
one_line "encrypted key without --pass: one line" "$TP_ERR" "is encrypted: give its password with --pass SPEC"
tp_expect_exit "inspect legacy key --pass" 0 "$TLSPROBE" inspect --format json "$D/legacy.key" "$PKI/client.pem" \
    --pass pass:secret
tp_json "legacy key opened and paired" "$TP_OUT" \
    'j["objects"][0]["encrypted"] and j["objects"][0]["key"] == "EC P-256" and len(j["objects"][0]["matches"]) == 1'

# ---- listen --cert server.p12 serves openssl s_client ----
LERR=$TP_TMP/listen.err
SRVPW="srv pass" tp_bg timeout 20 "$TLSPROBE" listen 127.0.0.1:0 --cert "$D/server.p12" --pass env:SRVPW \
    --count 1 --timeout 5 --format json >"$TP_TMP/listen.out" 2>"$LERR"
LPID=$TP_BG_PID
LPORT=
for ((i = 0; i < 500; i++)); do
    LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$LERR")
    [ -n "$LPORT" ] && break
    sleep 0.02
done
[ -n "$LPORT" ]
tp_check "listen --cert server.p12 started" $?
timeout 5 openssl s_client -connect "127.0.0.1:$LPORT" -servername localhost -CAfile "$PKI/root.pem" \
    -verify_return_error </dev/null >"$TP_TMP/sc.out" 2>&1
grep -q 'Verify return code: 0 (ok)' "$TP_TMP/sc.out" && grep -q 'CN = localhost' "$TP_TMP/sc.out"
tp_check "s_client verified the chain from server.p12" $?
wait "$LPID" 2>/dev/null
tp_json "listen reported the session" "$TP_TMP/listen.out" 'j["handshake_complete"]'
tp_expect_exit "listen server.p12 wrong --pass" 2 "$TLSPROBE" listen 127.0.0.1:0 --cert "$D/server.p12" \
    --pass pass:x --count 1
one_line "listen wrong password: one line" "$TP_ERR" "wrong password for $D/server.p12"

tp_finish
