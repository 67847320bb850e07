#!/usr/bin/env bash
# tlsprobe inspect over the fixtures: text for people and JSON (checked with python3),
# exit statuses, unreadable files named on stderr while the others are still shown.
set -euo pipefail
: "${TLSPROBE:?}" "${TP_FIXTURES:?}"
F=$TP_FIXTURES/files
P=$TP_FIXTURES/pki
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# ---- text ----
# Wide enough that no line is folded (text wraps at COLUMNS when not a terminal).
export COLUMNS=200
"$TLSPROBE" inspect --no-color "$F/cert.crt" "$F/key.key" "$F/rsa.key" "$F/encrypted.key" "$F/bundle.p12" \
    "$F/request.csr" "$F/revoked.crl" "$F/chain.p7b" "$P/good-misordered.pem" "$F/cert.der" >"$T/out" 2>"$T/err" \
    || fail "inspect of good files exited $?"
[ ! -s "$T/err" ] || fail "unexpected stderr: $(cat "$T/err")"
grep -q '^    subject         CN=localhost,O=tlsprobe$' "$T/out" || fail "subject line"
grep -q 'names           DNS:localhost, DNS:server.test, DNS:\*.wild.test, IP:127.0.0.1, IP:::1' "$T/out" || fail "SANs"
grep -Eq 'expires in [0-9]+ days' "$T/out" || fail "expires in N days"
grep -q 'key             EC P-256' "$T/out" || fail "key"
grep -q 'signature       sha256WithRSAEncryption' "$T/out" || fail "signature algorithm"
grep -q 'CA              yes, path length 0' "$T/out" || fail "CA + path length"
grep -q 'key usage       digitalSignature, keyEncipherment' "$T/out" || fail "key usage"
grep -q 'ext key usage   serverAuth' "$T/out" || fail "EKU"
grep -q 'CA issuers      http://127.0.0.1:1/int.der' "$T/out" || fail "AIA caIssuers"
grep -q 'OCSP            http://127.0.0.1:1/ocsp' "$T/out" || fail "OCSP"
grep -q 'CRL             http://127.0.0.1:1/int.crl' "$T/out" || fail "CRL DP"
grep -q '^    SKI  ' "$T/out" && grep -q '^    AKI  ' "$T/out" || fail "SKI/AKI"
grep -q 'SCTs            none' "$T/out" || fail "SCTs"
fp=$(openssl x509 -in "$F/cert.crt" -noout -fingerprint -sha256 | sed 's/.*=//' | tr 'A-F' 'a-f')
grep -q "SHA-256         $fp" "$T/out" || fail "fingerprint differs from openssl's ($fp)"
grep -q 'matches         certificate 1 in .*cert.crt (CN=localhost,O=tlsprobe)' "$T/out" || fail "key pairing"
grep -q 'matches         no certificate given in this call' "$T/out" || fail "unpaired key"
grep -q 'encrypted       yes' "$T/out" || fail "encrypted key"
grep -q 'PKCS#12 archive' "$T/out" && grep -q 'give it with --pass SPEC' "$T/out" || fail "PKCS#12 said"
grep -q 'revoked         1 certificate' "$T/out" || fail "CRL revoked count"
grep -q 'names           DNS:csr.test, DNS:www.csr.test, IP:192.0.2.1' "$T/out" || fail "CSR SANs"
grep -q '^    issued by the next one: no' "$T/out" || fail "misordered bundle: issued by the next one: no"
grep -q '^    issued by the next one: yes$' "$T/out" || fail "chain: issued by the next one: yes"
grep -q 'self-signed' "$T/out" && fail "no self-signed cert was given" || true
# never key material: no base64 body, no hex private scalars
grep -q 'BEGIN' "$T/out" && fail "PEM printed" || true
keyhex=$(openssl pkey -in "$F/key.key" -noout -text 2>/dev/null | sed -n '/priv:/,/pub:/p' | sed '1d;$d' | tr -d ' :\n' | head -c 16)
[ -n "$keyhex" ] && grep -q "$keyhex" <(tr -d ':' <"$T/out") && fail "private key bytes printed" || true

"$TLSPROBE" inspect --no-color "$P/expired.pem" "$P/selfsigned.pem" "$P/weakkey.pem" "$P/sha1.pem" "$P/sct.pem" >"$T/out2" \
    || fail "inspect of odd certs exited $?"
grep -Eq 'expired [0-9]+ days ago' "$T/out2" || fail "expired N days ago"
grep -q '(self-signed)' "$T/out2" || fail "self-signed"
grep -q 'RSA 1024 (weak)' "$T/out2" || fail "weak key"
grep -q 'sha1WithRSAEncryption (weak hash)' "$T/out2" || fail "weak signature"
grep -q 'SCTs            present' "$T/out2" || fail "SCT presence"

# ---- exit 2 naming the bad file, the good one still shown ----
set +e
"$TLSPROBE" inspect --no-color "$F/garbage.pem" "$F/cert.crt" "$T/missing.pem" "$F/empty.pem" >"$T/out3" 2>"$T/err3"
rc=$?
set -e
[ "$rc" = 2 ] || fail "garbage/missing/empty: exit $rc, want 2"
grep -q "garbage.pem" "$T/err3" || fail "garbage not named"
grep -q "missing.pem: cannot open" "$T/err3" || fail "missing not named"
grep -q "empty.pem: empty file" "$T/err3" || fail "empty not named"
[ "$(wc -l <"$T/err3")" = 3 ] || fail "one line per bad file: $(cat "$T/err3")"
grep -q 'CN=localhost' "$T/out3" || fail "good file not shown next to bad ones"
head -c 3000 /dev/urandom >"$T/random.bin"
set +e
"$TLSPROBE" inspect "$T/random.bin" >/dev/null 2>"$T/err4"; rc=$?
"$TLSPROBE" inspect >/dev/null 2>&1; rc2=$?
"$TLSPROBE" inspect --bogus "$F/cert.crt" >/dev/null 2>&1; rc3=$?
set -e
[ "$rc" = 2 ] && grep -q random.bin "$T/err4" || fail "random bytes: exit $rc"
[ "$rc2" = 2 ] || fail "no file: exit $rc2"
[ "$rc3" = 2 ] || fail "bad option: exit $rc3"
"$TLSPROBE" inspect --help | grep 'usage: tlsprobe inspect' > /dev/null || fail "--help"

# escape: a file name with a terminal escape is printed escaped
cp "$F/cert.crt" "$T/$(printf 'x\033[31my.pem')"
"$TLSPROBE" inspect "$T"/x*y.pem | grep $'\033' > /dev/null && fail "escape sequence printed raw" || true

# a certificate with NUL and ESC in its names: shown escaped, never raw
"$TLSPROBE" inspect "$P/nasty.pem" >"$T/nasty" || fail "nasty exit $?"
grep -q $'\033' "$T/nasty" && fail "raw ESC from a certificate name reached the terminal" || true
grep -qF 'DNS:evil\x00.test\x1b[31m, DNS:good.test' "$T/nasty" || fail "escaped SAN: $(grep names "$T/nasty")"
"$TLSPROBE" inspect --format json "$P/nasty.pem" | python3 -c '
import json, sys
c = json.loads(sys.stdin.read())["objects"][0]["certificate"]
assert c["san"] == ["DNS:evil\x00.test\x1b[31m", "DNS:good.test"], c["san"]
assert c["subject_cn"] == "nasty\x1b[31m.test", c["subject_cn"]
' || fail "nasty JSON"

# ---- JSON ----
"$TLSPROBE" inspect --format json "$F/cert.crt" "$F/key.key" "$F/encrypted.key" "$F/bundle.p12" "$F/request.csr" \
    "$F/revoked.crl" "$F/chain.p7b" "$P/good-fullchain.pem" "$F/pubkey.pem" "$F/rsa.key" >"$T/j" || fail "json exit $?"
set +e
"$TLSPROBE" inspect --format json "$F/garbage.pem" >"$T/j2" 2>/dev/null; rc=$?
set -e
[ "$rc" = 2 ] || fail "json garbage exit $rc"
python3 - "$T/j" "$T/j2" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 10, len(lines)
objs = [json.loads(l) for l in lines]
kinds = [o["kind"] for o in objs]
assert kinds == ["certificate", "private-key", "private-key", "pkcs12", "csr", "crl", "pkcs7", "chain",
                 "public-key", "private-key"], kinds
c = objs[0]["objects"][0]["certificate"]
for k in ["subject", "issuer", "san", "not_before", "not_after", "key", "signature_algorithm", "is_ca", "sha256",
          "serial", "key_usage", "extended_key_usage", "subject_key_id", "authority_key_id", "ca_issuers", "ocsp",
          "crl_distribution_point", "sct", "self_signed", "expires_in_days", "path_len", "subject_alt_names", "der_length"]:
    assert k in c, k
assert c["subject"] == "CN=localhost,O=tlsprobe"
assert c["san"] == ["DNS:localhost", "DNS:server.test", "DNS:*.wild.test", "IP:127.0.0.1", "IP:::1"], c["san"]
assert c["key"] == "EC P-256" and c["is_ca"] is False and len(c["sha256"]) == 64
assert c["extended_key_usage"] == ["serverAuth"]
assert c["not_after"].endswith("Z") and c["expires_in_days"] > 7000
assert {"type": "ip", "value": "::1"} in c["subject_alt_names"] and c["subject_alt_names"][0] == {"type": "dns", "value": "localhost"}
k = objs[1]["objects"][0]
assert k["matches"] == [{"file": objs[0]["file"], "certificate": 1}, {"file": objs[6]["file"], "certificate": 1},
                        {"file": objs[7]["file"], "certificate": 1}], k["matches"]
assert k["encrypted"] is False and k["encoding"] == "SEC1"
assert objs[2]["objects"][0]["encrypted"] is True and objs[2]["objects"][0]["matches"] == []
assert objs[3]["objects"][0]["needs_password"] is True
assert objs[4]["objects"][0]["san"] == ["DNS:csr.test", "DNS:www.csr.test", "IP:192.0.2.1"]
assert objs[5]["objects"][0]["revoked_count"] == 1
assert objs[5]["objects"][0]["this_update"].endswith("Z")
assert all(o["schema_version"] == 2 and o["type"] == "inspect" and o["source"] == "inspect" for o in objs)
ch = objs[7]["objects"]
assert [o["issued_by_next"] for o in ch] == [True, None]
assert [o["kind"] for o in objs[6]["objects"]] == ["pkcs7", "certificate", "certificate"]
assert objs[8]["objects"][0]["matches"][0]["certificate"] == 1
assert all("BEGIN" not in l for l in lines)
g = [json.loads(l) for l in open(sys.argv[2]).read().splitlines()]
assert len(g) == 1 and g[0]["kind"] == "unreadable" and g[0]["error"], g
print("json ok")
EOF
echo "test_inspect: ok"
