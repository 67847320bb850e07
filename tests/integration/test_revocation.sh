#!/usr/bin/env bash
# Revocation end to end (issue 20, docs/revocation.md), against real peers:
# openssl s_server -status_file staples responses made by `openssl ocsp` from an
# index (good, revoked, unknown leaves; a delegated responder; a rogue signer),
# in TLS 1.3 and TLS 1.2 (where wolfSSL refuses the staple and connect carries it
# into a second handshake); a Must-Staple leaf served without a staple; a stale
# and a future response judged with --at. tlsprobe's decoded fields are compared
# with `openssl ocsp -respin F -resp_text`. Every server is bounded and killed.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 77; }
T=$TP_TMP
ROOT=(--cafile "$PKI/root.pem")

# ---- the PKI: leaves issued by the fixtures' intermediate for this run ----
OCSP_PORT=$(tp_free_port)
CRL_PORT=$(tp_free_port)
serial() { openssl x509 -in "$1" -noout -serial | sed 's/serial=//'; }
subj() { openssl x509 -in "$1" -noout -subject -nameopt compat | sed 's/subject=//'; }
mkleaf() { # NAME [extra extension lines]
    local n=$1
    shift
    {
        printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n'
        printf 'subjectAltName=DNS:localhost\n'
        printf 'authorityInfoAccess=OCSP;URI:http://127.0.0.1:%s/\n' "$OCSP_PORT"
        printf 'crlDistributionPoints=URI:http://127.0.0.1:%s/int.crl\n' "$CRL_PORT"
        for l in "$@"; do printf '%s\n' "$l"; done
    } >"$T/$n.ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$n.key" \
        -subj "/O=tlsprobe/CN=$n.localhost" -out "$T/$n.csr" 2>/dev/null &&
        openssl x509 -req -in "$T/$n.csr" -CA "$PKI/int.pem" -CAkey "$PKI/int.key" -CAcreateserial \
            -CAserial "$T/int.srl" -days 400 -sha256 -extfile "$T/$n.ext" -out "$T/$n.pem" 2>/dev/null
}
mkleaf ok && mkleaf rev && mkleaf unk && mkleaf ms 'tlsfeature=status_request' || {
    echo "FAIL: could not make the test PKI"
    exit 1
}
# the delegated responder (id-kp-OCSPSigning) and one without it
for kind in resp noeku; do
    eku=OCSPSigning
    [ "$kind" = noeku ] && eku=serverAuth
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n' "$eku" >"$T/$kind.ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$kind.key" \
        -subj "/O=tlsprobe/CN=tlsprobe OCSP $kind" -out "$T/$kind.csr" 2>/dev/null
    openssl x509 -req -in "$T/$kind.csr" -CA "$PKI/int.pem" -CAkey "$PKI/int.key" -CAcreateserial \
        -CAserial "$T/int.srl" -days 90 -sha256 -extfile "$T/$kind.ext" -out "$T/$kind.pem" 2>/dev/null
done
: >"$T/index.txt"
for n in ok ms; do
    printf 'V\t%s\t\t%s\tunknown\t%s\n' "$(date -u -d +400days +%y%m%d%H%M%SZ)" "$(serial "$T/$n.pem")" \
        "$(subj "$T/$n.pem")" >>"$T/index.txt"
done
printf 'R\t%s\t250102030405Z,keyCompromise\t%s\tunknown\t%s\n' "$(date -u -d +400days +%y%m%d%H%M%SZ)" \
    "$(serial "$T/rev.pem")" "$(subj "$T/rev.pem")" >>"$T/index.txt"

# mkresp LEAF OUT [responder options]: the response `openssl ocsp` gives for LEAF
mkresp() {
    local leaf=$1 out=$2
    shift 2
    openssl ocsp -issuer "$PKI/int.pem" -cert "$T/$leaf.pem" -reqout "$T/req.der" -no_nonce >/dev/null 2>&1 &&
        openssl ocsp -index "$T/index.txt" -CA "$PKI/int.pem" -reqin "$T/req.der" -ndays 7 -respout "$out" \
            "$@" >/dev/null 2>&1
}
ISSUER=(-rsigner "$PKI/int.pem" -rkey "$PKI/int.key")
mkresp ok "$T/ok.resp" "${ISSUER[@]}"
mkresp rev "$T/rev.resp" "${ISSUER[@]}"
mkresp unk "$T/unk.resp" "${ISSUER[@]}"
mkresp ms "$T/ms.resp" "${ISSUER[@]}"
mkresp ok "$T/deleg.resp" -rsigner "$T/resp.pem" -rkey "$T/resp.key" -resp_key_id
mkresp ok "$T/noeku.resp" -rsigner "$T/noeku.pem" -rkey "$T/noeku.key"
mkresp ok "$T/rogue.resp" -rsigner "$PKI/rogue.pem" -rkey "$PKI/rogue.key"
for f in ok rev unk ms deleg noeku rogue; do
    [ -s "$T/$f.resp" ] || { echo "FAIL: openssl ocsp made no $f response"; exit 1; }
done

# staple LEAF RESP VERSION NAME : connect to s_server stapling RESP; JSON in $T/NAME.json
staple() {
    local leaf=$1 resp=$2 ver=$3 name=$4
    shift 4
    local sf=()
    [ "$resp" != - ] && sf=(-status_file "$resp")
    tp_s_server -cert "$T/$leaf.pem" -key "$T/$leaf.key" -cert_chain "$PKI/int.pem" "${sf[@]}" "-$ver" || return 1
    "$TLSPROBE" connect "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --format json "$@" \
        >"$T/$name.json" 2>"$T/$name.err"
    echo $? >"$T/$name.rc"
    tp_kill "$TP_SRV_PID"
}
rc() { cat "$T/$1.rc"; }

# compare NAME RESP: tlsprobe's ocsp object against `openssl ocsp -resp_text`
cat >"$T/cmp.py" <<'PY'
import json, re, subprocess, sys, datetime
j = json.loads(open(sys.argv[1]).readline())["ocsp"]
txt = subprocess.run(["openssl", "ocsp", "-respin", sys.argv[2], "-resp_text", "-noverify"],
                     capture_output=True, text=True).stdout
def t(label):
    m = re.search(r"^\s*" + label + r": (.*)$", txt, re.M)
    if not m:
        return None
    v = re.sub(r"\s+", " ", m.group(1).strip())
    return datetime.datetime.strptime(v, "%b %d %H:%M:%S %Y GMT").strftime("%Y-%m-%dT%H:%M:%SZ")
want = {
    "produced_at": t("Produced At"), "this_update": t("This Update"), "next_update": t("Next Update"),
    "revocation_time": t("Revocation Time"),
    "cert_status": re.search(r"Cert Status: (\w+)", txt).group(1),
    "serial": re.search(r"Serial Number: (\w+)", txt).group(1).lower(),
    "hash_algorithm": re.search(r"Hash Algorithm: (\w+)", txt).group(1),
}
m = re.search(r"Revocation Reason: (\w+)", txt)
want["revocation_reason"] = m.group(1) if m else None
m = re.search(r"Responder Id: (.*)$", txt, re.M)
got = dict(j)
got["serial"] = (j["serial"] or "").replace(":", "").lstrip("0")
want["serial"] = want["serial"].lstrip("0")
bad = [k for k in want if want[k] != got.get(k)]
if m and re.fullmatch(r"[0-9A-F]{40}", m.group(1).strip()):
    if (j["responder_key_hash"] or "").upper() != m.group(1).strip():
        bad.append("responder_key_hash")
elif m and "tlsprobe Test Issuing CA" in m.group(1) and "tlsprobe Test Issuing CA" not in (j["responder_name"] or ""):
    bad.append("responder_name")
for k in bad:
    print("  %s: tlsprobe %r, openssl %r" % (k, got.get(k), want.get(k)), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
compare() {
    python3 "$T/cmp.py" "$T/$1.json" "$2"
    tp_check "$1: decoded fields = openssl ocsp -resp_text" $?
}

# ---- a good staple, TLS 1.3 and TLS 1.2 ----
staple ok "$T/ok.resp" tls1_3 good13
tp_json "TLS 1.3 good staple: decoded, signed by the issuer, no finding" "$T/good13.json" \
    '(j["handshake_complete"] and j["ocsp"]["stapled"] and j["ocsp"]["requested"] and not j["ocsp"]["carried"]
     and j["ocsp"]["cert_status"] == "good" and j["ocsp"]["signature"] == "valid"
     and not j["ocsp"]["delegated_responder"] and j["ocsp"]["verdict"] == "good" and ids(j) == [])'
compare good13 "$T/ok.resp"
staple ok "$T/ok.resp" tls1_2 good12
tp_json "TLS 1.2 good staple: carried from the first handshake, the second completes" "$T/good12.json" \
    '(j["version"] == "TLS 1.2" and j["handshake_complete"] and j["ocsp"]["stapled"] and j["ocsp"]["carried"]
     and j["ocsp"]["cert_status"] == "good" and j["ocsp"]["signature"] == "valid" and ids(j) == [])'
compare good12 "$T/ok.resp"
[ "$(rc good13)" = 0 ] && [ "$(rc good12)" = 0 ]
tp_check "good staples: exit 0" $?

# ---- revoked ----
for v in 3 2; do
    staple rev "$T/rev.resp" "tls1_$v" rev1$v
    tp_json "TLS 1.$v revoked leaf: revoked (keyCompromise, 2025-01-02)" "$T/rev1$v.json" \
        '(ids(j) == ["revoked"] and j["ocsp"]["cert_status"] == "revoked"
         and j["ocsp"]["revocation_reason"] == "keyCompromise" and j["ocsp"]["revocation_time"] == "2025-01-02T03:04:05Z")'
    [ "$(rc rev1$v)" = 1 ]
    tp_check "TLS 1.$v revoked leaf: exit 1" $?
    compare rev1$v "$T/rev.resp"
done

# ---- unknown ----
staple unk "$T/unk.resp" tls1_3 unk13
tp_json "unknown leaf: ocsp-unavailable (info), exit 0" "$T/unk13.json" \
    'ids(j) == ["ocsp-unavailable"] and j["ocsp"]["cert_status"] == "unknown"'
[ "$(rc unk13)" = 0 ]
tp_check "unknown leaf: exit 0" $?
compare unk13 "$T/unk.resp"

# ---- dates: judged at --at ----
staple ok "$T/ok.resp" tls1_3 stale --at "@$(($(date +%s) + 10 * 86400))"
tp_json "judged 10 days later: ocsp-stale" "$T/stale.json" \
    'ids(j) == ["ocsp-stale"] and j["ocsp"]["verdict"] == "good, but stale"'
staple ok "$T/ok.resp" tls1_3 future --at "@$(($(date +%s) - 3600))"
tp_json "judged an hour earlier: ocsp-not-yet-valid (the leaf is valid then)" "$T/future.json" \
    '"ocsp-not-yet-valid" in ids(j) and j["ocsp"]["verdict"] == "good, but not yet valid"'

# ---- signers ----
staple ok "$T/deleg.resp" tls1_3 deleg
tp_json "delegated responder (byKey, id-kp-OCSPSigning): valid" "$T/deleg.json" \
    '(ids(j) == [] and j["ocsp"]["delegated_responder"] and j["ocsp"]["signature"] == "valid"
     and j["ocsp"]["responder_key_hash"] is not None and j["ocsp"]["certificate_count"] == 1)'
compare deleg "$T/deleg.resp"
staple ok "$T/noeku.resp" tls1_3 noeku
tp_json "responder without id-kp-OCSPSigning: ocsp-bad-signature" "$T/noeku.json" \
    '(ids(j) == ["ocsp-bad-signature"] and j["ocsp"]["signature"] == "bad-delegate"
     and "OCSPSigning" in j["ocsp"]["signature_detail"])'
staple ok "$T/rogue.resp" tls1_2 rogue
tp_json "TLS 1.2, a response signed by another CA: ocsp-bad-signature" "$T/rogue.json" \
    'ids(j) == ["ocsp-bad-signature"] and j["ocsp"]["signature"] == "bad-delegate" and j["ocsp"]["carried"]'

# ---- Must-Staple ----
staple ms - tls1_3 ms-none
tp_json "Must-Staple leaf, no staple: must-staple-missing" "$T/ms-none.json" \
    'ids(j) == ["must-staple-missing"] and j["ocsp"]["must_staple"] and not j["ocsp"]["stapled"]'
[ "$(rc ms-none)" = 1 ]
tp_check "Must-Staple leaf, no staple: exit 1" $?
staple ms "$T/ms.resp" tls1_3 ms-ok
tp_json "Must-Staple leaf with its staple: no finding" "$T/ms-ok.json" \
    'ids(j) == [] and j["ocsp"]["must_staple"] and j["ocsp"]["cert_status"] == "good"'
staple ok - tls1_3 none
tp_json "no staple, no Must-Staple: not reported" "$T/none.json" \
    'ids(j) == [] and j["ocsp"]["requested"] and not j["ocsp"]["stapled"] and j["ocsp"]["cert_status"] is None'

# ---- text ----
staple rev "$T/rev.resp" tls1_3 revtext
python3 -c 'import json,sys; json.loads(open(sys.argv[1]).readline())' "$T/revtext.json"
tp_s_server -cert "$T/rev.pem" -key "$T/rev.key" -cert_chain "$PKI/int.pem" -status_file "$T/rev.resp" -tls1_3
"$TLSPROBE" connect "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --no-color >"$T/rev.txt" 2>&1
tp_kill "$TP_SRV_PID"
grep -E '^OCSP staple: revoked' "$T/rev.txt" >/dev/null && grep -E '^  revoked +2025-01-02 03:04:05 UTC · keyCompromise' "$T/rev.txt" >/dev/null &&
    grep -E '^  error +revoked' "$T/rev.txt" >/dev/null
tp_check "text: the OCSP staple block and the finding" $?

# ---- pcap: the same staple from the recorded bytes ----
tp_s_server -cert "$T/ok.pem" -key "$T/ok.key" -cert_chain "$PKI/int.pem" -status_file "$T/ok.resp" -tls1_3
"$TLSPROBE" connect "127.0.0.1:$TP_PORT" --servername localhost "${ROOT[@]}" --write-pcap "$T/s.pcap" \
    --keylog "$T/s.keys" --format json >"$T/live.json" 2>/dev/null
tp_kill "$TP_SRV_PID"
"$TLSPROBE" pcap "$T/s.pcap" --keylog "$T/s.keys" "${ROOT[@]}" --format json >"$T/pcap.json" 2>/dev/null
python3 - "$T/live.json" "$T/pcap.json" <<'PY'
import json, sys
a = json.loads(open(sys.argv[1]).readline())["ocsp"]
b = next(json.loads(l) for l in open(sys.argv[2]) if '"type":"session"' in l)["ocsp"]
keys = ["stapled", "cert_status", "serial", "this_update", "next_update", "produced_at", "signature", "responder_name"]
bad = [k for k in keys if a[k] != b[k]]
print("  differ:", bad, file=sys.stderr) if bad else None
sys.exit(1 if bad or not a["stapled"] else 0)
PY
tp_check "pcap --keylog of the connect's own pcap: the same staple" $?

# ---- check --ocsp-response: the same judgement on files (DER and PEM) ----
cat "$T/rev.pem" "$PKI/int.pem" >"$T/rev-chain.pem"
cat "$T/ok.pem" "$PKI/int.pem" >"$T/ok-chain.pem"
tp_expect_exit "check --ocsp-response, revoked leaf" 1 \
    "$TLSPROBE" check --chain "$T/rev-chain.pem" "${ROOT[@]}" --ocsp-response "$T/rev.resp" --format json
cp "$TP_OUT" "$T/check-rev.json"
tp_json "check: revoked, with the reason" "$T/check-rev.json" \
    'ids(j) == ["revoked"] and j["ocsp"]["revocation_reason"] == "keyCompromise" and j["ocsp"]["signature"] == "valid"'
{
    echo "-----BEGIN OCSP RESPONSE-----"
    base64 "$T/ok.resp"
    echo "-----END OCSP RESPONSE-----"
} >"$T/ok.resp.pem"
tp_expect_exit "check --ocsp-response PEM, good" 0 \
    "$TLSPROBE" check --chain "$T/ok-chain.pem" "${ROOT[@]}" --ocsp-response "$T/ok.resp.pem" --format json
cp "$TP_OUT" "$T/check-ok.json"
tp_json "check: good from PEM" "$T/check-ok.json" 'ids(j) == [] and j["ocsp"]["cert_status"] == "good"'
compare check-ok "$T/ok.resp"
tp_expect_exit "check --ocsp-response judged 10 days later: stale (a warning)" 0 \
    "$TLSPROBE" check --chain "$T/ok-chain.pem" "${ROOT[@]}" --ocsp-response "$T/ok.resp" --format json \
    --at "@$(($(date +%s) + 10 * 86400))"
cp "$TP_OUT" "$T/check-stale.json"
tp_json "check: ocsp-stale" "$T/check-stale.json" 'ids(j) == ["ocsp-stale"]'
tp_expect_exit "check --ocsp-response with the wrong leaf: no status for it" 0 \
    "$TLSPROBE" check --chain "$T/ok-chain.pem" "${ROOT[@]}" --ocsp-response "$T/rev.resp" --format json
cp "$TP_OUT" "$T/check-other.json"
tp_json "check: ocsp-unavailable (statuses of other certificates)" "$T/check-other.json" \
    'ids(j) == ["ocsp-unavailable"] and j["ocsp"]["cert_status"] is None'
tp_expect_exit "check --ocsp-response with a certificate file: exit 2" 2 \
    "$TLSPROBE" check --chain "$T/ok-chain.pem" "${ROOT[@]}" --ocsp-response "$T/ok.pem"
[ "$(wc -l <"$TP_ERR")" = 1 ] && grep 'not an OCSP response' "$TP_ERR" >/dev/null
tp_check "check --ocsp-response with a certificate file: one line" $?

# ---- check --crl: CRLs made by openssl ca -gencrl from the same index ----
mkcrl() { # OUT CERT KEY [crl_ext line]
    echo 07 >"$T/crlnumber"
    cat >"$T/ca.cnf" <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
database = $T/index.txt
crlnumber = $T/crlnumber
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
${4:-}
CNF
    openssl ca -gencrl -config "$T/ca.cnf" -cert "$2" -keyfile "$3" -out "$1" 2>/dev/null
}
mkcrl "$T/int.crl.pem" "$PKI/int.pem" "$PKI/int.key"
mkcrl "$T/delta.crl.pem" "$PKI/int.pem" "$PKI/int.key" "2.5.29.27 = critical,DER:02:01:06"
mkcrl "$T/rogue.crl.pem" "$PKI/rogue.pem" "$PKI/rogue.key"
openssl crl -in "$T/int.crl.pem" -outform DER -out "$T/int.crl"
tp_expect_exit "check --crl (DER), revoked leaf" 1 \
    "$TLSPROBE" check --chain "$T/rev-chain.pem" "${ROOT[@]}" --crl "$T/int.crl" --format json
cp "$TP_OUT" "$T/crl-rev.json"
tp_json "check --crl: revoked from the CRL, keyCompromise, signature valid" "$T/crl-rev.json" \
    '(ids(j) == ["revoked"] and j["crl"]["revoked"] and j["crl"]["signature"] == "valid"
      and j["crl"]["revocation_reason"] == "keyCompromise" and j["crl"]["revocation_time"] == "2025-01-02T03:04:05Z"
      and j["crl"]["crl_number"] == "07" and j["crl"]["entry_count"] == 1 and not j["crl"]["delta"])'
python3 - "$T/crl-rev.json" "$T/int.crl.pem" <<'PY'
import json, re, subprocess, sys, datetime
j = json.loads(open(sys.argv[1]).readline())["crl"]
txt = subprocess.run(["openssl", "crl", "-in", sys.argv[2], "-noout", "-text"], capture_output=True, text=True).stdout
def t(label):
    v = re.sub(r"\s+", " ", re.search(label + r": (.*)$", txt, re.M).group(1).strip())
    return datetime.datetime.strptime(v, "%b %d %H:%M:%S %Y GMT").strftime("%Y-%m-%dT%H:%M:%SZ")
ok = j["this_update"] == t("Last Update") and j["next_update"] == t("Next Update")
sys.exit(0 if ok else 1)
PY
tp_check "check --crl: this/next update = openssl crl -text" $?
tp_expect_exit "check --crl (PEM), a leaf not on it" 0 \
    "$TLSPROBE" check --chain "$T/ok-chain.pem" "${ROOT[@]}" --crl "$T/int.crl.pem" --format json
cp "$TP_OUT" "$T/crl-ok.json"
tp_json "check --crl: not listed" "$T/crl-ok.json" '(ids(j) == [] and not j["crl"]["revoked"] and j["crl"]["covers_leaf"])'
tp_expect_exit "check --crl, a delta CRL" 1 \
    "$TLSPROBE" check --chain "$T/rev-chain.pem" "${ROOT[@]}" --crl "$T/delta.crl.pem" --format json
cp "$TP_OUT" "$T/crl-delta.json"
tp_json "check --crl: the delta CRL is noted" "$T/crl-delta.json" \
    '(j["crl"]["delta"] and j["crl"]["delta_base"] == "06" and ids(j) == ["revoked"]
      and "delta CRL" in j["findings"][0]["summary"])'
tp_expect_exit "check --crl signed by another CA: never believed" 0 \
    "$TLSPROBE" check --chain "$T/rev-chain.pem" "${ROOT[@]}" --crl "$T/rogue.crl.pem" --format json
cp "$TP_OUT" "$T/crl-rogue.json"
tp_json "check --crl from another CA: not from the leaf's issuer, no finding" "$T/crl-rogue.json" \
    '(ids(j) == [] and not j["crl"]["covers_leaf"] and not j["crl"]["revoked"])'
tp_expect_exit "check --crl judged 10 days later: stale shown" 0 \
    "$TLSPROBE" check --chain "$T/ok-chain.pem" "${ROOT[@]}" --crl "$T/int.crl" --format json \
    --at "@$(($(date +%s) + 10 * 86400))"
cp "$TP_OUT" "$T/crl-stale.json"
tp_json "check --crl: stale" "$T/crl-stale.json" 'j["crl"]["stale"]'
tp_expect_exit "check --crl with an OCSP response file: exit 2" 2 \
    "$TLSPROBE" check --chain "$T/ok-chain.pem" "${ROOT[@]}" --crl "$T/ok.resp"
"$TLSPROBE" check --chain "$T/rev-chain.pem" "${ROOT[@]}" --crl "$T/int.crl" --no-color >"$T/crl.txt" 2>&1
grep -E '^CRL .*: the leaf is revoked' "$T/crl.txt" >/dev/null && grep -E '^  signature +sha256WithRSAEncryption · valid' "$T/crl.txt" >/dev/null
tp_check "check --crl text: the CRL block" $?

# ---- --check-revocation: a real `openssl ocsp` responder, CRLs over HTTP ----
mkdir -p "$T/www"
cp "$T/int.crl" "$T/www/int.crl"
tp_bg timeout 120 openssl ocsp -index "$T/index.txt" -port "$OCSP_PORT" -rsigner "$PKI/int.pem" \
    -rkey "$PKI/int.key" -CA "$PKI/int.pem" -ndays 7 >"$T/responder.log" 2>&1
RESP_PID=$TP_BG_PID
tp_bg timeout 120 python3 -m http.server "$CRL_PORT" --bind 127.0.0.1 --directory "$T/www" >"$T/www.log" 2>&1
WWW_PID=$TP_BG_PID
tp_wait_listen "$OCSP_PORT" 10 && tp_wait_listen "$CRL_PORT" 10
tp_check "the OCSP responder and the CRL server listen" $?
staple rev - tls1_3 cr-rev --check-revocation
tp_json "--check-revocation, revoked leaf: revoked, from the responder by POST" "$T/cr-rev.json" \
    '(ids(j) == ["revoked"] and j["ocsp"]["fetch_method"] == "POST" and j["ocsp"]["stapled"] is False
      and j["ocsp"]["fetched_from"] == "http://127.0.0.1:'"$OCSP_PORT"'/" and j["ocsp"]["cert_status"] == "revoked"
      and "responder" in j["findings"][0]["summary"] and j["crl"] is None)'
[ "$(rc cr-rev)" = 1 ]
tp_check "--check-revocation, revoked leaf: exit 1" $?
staple ok - tls1_2 cr-ok --check-revocation
tp_json "--check-revocation, TLS 1.2, good leaf: good from the responder, no finding" "$T/cr-ok.json" \
    '(ids(j) == [] and j["ocsp"]["cert_status"] == "good" and j["ocsp"]["signature"] == "valid" and j["crl"] is None)'
staple unk - tls1_3 cr-unk --check-revocation
tp_json "--check-revocation, unknown to the responder: the CRL is fetched, leaf not listed" "$T/cr-unk.json" \
    '(ids(j) == ["ocsp-unavailable"] and j["ocsp"]["cert_status"] == "unknown" and j["crl"]["signature"] == "valid"
      and not j["crl"]["revoked"] and j["crl"]["covers_leaf"])'
tp_expect_exit "check --check-revocation, revoked leaf" 1 \
    "$TLSPROBE" check --chain "$T/rev-chain.pem" "${ROOT[@]}" --check-revocation --format json
cp "$TP_OUT" "$T/cr-check.json"
tp_json "check --check-revocation: revoked from the responder" "$T/cr-check.json" \
    '(ids(j) == ["revoked"] and j["ocsp"]["fetch_method"] == "POST")'
tp_kill "$RESP_PID"
# A responder that answers GET only (RFC 6960 appendix A.1): POST gets 405; the GET
# path is the URL-encoded base64 request, answered by `openssl ocsp -reqin`.
cat >"$T/getonly.py" <<'PY'
import base64, http.server, subprocess, sys, urllib.parse
port, index, pki, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.send_response(405); self.end_headers()
    def do_GET(self):
        req = base64.b64decode(urllib.parse.unquote(self.path.lstrip("/")))
        open(tmp + "/get.req", "wb").write(req)
        subprocess.run(["openssl", "ocsp", "-index", index, "-CA", pki + "/int.pem", "-rsigner", pki + "/int.pem",
                        "-rkey", pki + "/int.key", "-reqin", tmp + "/get.req", "-respout", tmp + "/get.resp",
                        "-ndays", "7"], capture_output=True)
        body = open(tmp + "/get.resp", "rb").read()
        self.send_response(200); self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
tp_bg timeout 60 python3 "$T/getonly.py" "$OCSP_PORT" "$T/index.txt" "$PKI" "$T"
GET_PID=$TP_BG_PID
tp_wait_listen "$OCSP_PORT" 10
staple rev - tls1_3 cr-get --check-revocation
tp_json "a responder that refuses POST: asked again by GET, revoked" "$T/cr-get.json" \
    '(ids(j) == ["revoked"] and j["ocsp"]["fetch_method"] == "GET" and j["ocsp"]["cert_status"] == "revoked")'
tp_kill "$GET_PID"
staple rev - tls1_3 cr-down --check-revocation
tp_json "responder down: the CRL says revoked" "$T/cr-down.json" \
    '(ids(j) == ["revoked"] and j["ocsp"]["fetch_error"] is not None and j["crl"]["revoked"]
      and "CRL" in j["findings"][0]["summary"])'
tp_kill "$WWW_PID"
staple ok - tls1_3 cr-none --check-revocation
tp_json "responder and CRL server down: ocsp-unavailable as a warning naming both" "$T/cr-none.json" \
    '(ids(j) == ["ocsp-unavailable"] and j["findings"][0]["severity"] == "warning"
      and "127.0.0.1:'"$OCSP_PORT"'" in j["findings"][0]["summary"] and "int.crl" in j["findings"][0]["summary"]
      and j["crl"]["error"] is not None)'
[ "$(rc cr-none)" = 0 ]
tp_check "responder and CRL server down: exit 0 (a warning)" $?
"$TLSPROBE" check --chain "$T/ok-chain.pem" "${ROOT[@]}" --check-revocation --no-color >"$T/cr-text.txt" 2>&1
grep -E '^OCSP responder http://127.0.0.1:[0-9]+/: ' "$T/cr-text.txt" >/dev/null
tp_check "text: the responder line says what failed" $?

# ---- every JSON line above validates against docs/schema (the closed 'ocsp' object) ----
specs=()
for f in good13 good12 rev13 rev12 unk13 stale future deleg noeku rogue ms-none ms-ok none live \
    cr-rev cr-ok cr-unk cr-get cr-down cr-none; do
    specs+=("session:$T/$f.json")
done
for f in check-rev check-ok check-stale check-other crl-rev crl-ok crl-delta crl-rogue crl-stale cr-check; do
    specs+=("check:$T/$f.json")
done
/usr/bin/python3 "$TP_SRC/tests/schema/validate.py" --schema-dir "$TP_SRC/docs/schema" --nonempty "${specs[@]}"
r=$?
[ "$r" = 77 ] && echo "  (python3-jsonschema missing: schema check skipped)" && r=0
tp_check "JSON of every run validates against docs/schema" $r

tp_finish
