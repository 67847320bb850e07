#!/bin/bash
# OCSP responses for test_x509_ocsp (and the fuzz seeds), made at test time by
# `openssl ocsp` from the fixture PKI: nothing binary is kept in git.
#   make_ocsp.sh FIXTURES OUTDIR
# Writes into OUTDIR:
#   good.der        good.pem: good, signed by the issuer (int) itself, byName, nonce, no certs
#   good-sha256.der the same with a SHA-256 CertID
#   revoked.der     wronghost.pem: revoked 2025-01-02 03:04:05Z, keyCompromise
#   unknown.der     cnonly.pem is not in the index: unknown
#   delegated.der   good.pem: good, signed by responder.pem (issued by int, id-kp-OCSPSigning),
#                   byKey, responder certificate included
#   noeku.der       the same by a responder certificate without id-kp-OCSPSigning
#   rogue.der       signed by rogue.pem (not issued by int), rogue.pem included
#   responder.pem   the delegated responder certificate
set -euo pipefail
fx=$1
out=$2
mkdir -p "$out"
pki=$fx/pki
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
serial() { openssl x509 -in "$1" -noout -serial | sed 's/serial=//'; }
subj() { openssl x509 -in "$1" -noout -subject -nameopt compat | sed 's/subject=//'; }
printf 'V\t461117214823Z\t\t%s\tunknown\t%s\n' "$(serial "$pki/good.pem")" "$(subj "$pki/good.pem")" >"$t/index.txt"
printf 'R\t461117214823Z\t250102030405Z,keyCompromise\t%s\tunknown\t%s\n' "$(serial "$pki/wronghost.pem")" \
    "$(subj "$pki/wronghost.pem")" >>"$t/index.txt"

# Delegated responders: with and without id-kp-OCSPSigning, issued by int.
for kind in responder noeku; do
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$t/$kind.key" \
        -subj "/O=tlsprobe/CN=tlsprobe OCSP $kind" -out "$t/$kind.csr" 2>/dev/null
    if [ "$kind" = responder ]; then
        printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\n' >"$t/$kind.ext"
    else
        printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >"$t/$kind.ext"
    fi
    openssl x509 -req -in "$t/$kind.csr" -CA "$pki/int.pem" -CAkey "$pki/int.key" -CAcreateserial \
        -CAserial "$t/int.srl" -days 3650 -sha256 -extfile "$t/$kind.ext" -out "$t/$kind.pem" 2>/dev/null
done
cp "$t/responder.pem" "$out/responder.pem"

req() { openssl ocsp -issuer "$pki/int.pem" "${@:2}" -cert "$1" -reqout "$t/req.der" >/dev/null 2>&1; }
resp() { openssl ocsp -index "$t/index.txt" -CA "$pki/int.pem" -reqin "$t/req.der" -ndays 7 -respout "$1" "${@:2}" \
    >/dev/null 2>&1; }
req "$pki/good.pem"
resp "$out/good.der" -rsigner "$pki/int.pem" -rkey "$pki/int.key" -resp_no_certs
req "$pki/good.pem" -sha256 -no_nonce
resp "$out/good-sha256.der" -rsigner "$pki/int.pem" -rkey "$pki/int.key" -resp_no_certs
req "$pki/wronghost.pem" -no_nonce
resp "$out/revoked.der" -rsigner "$pki/int.pem" -rkey "$pki/int.key"
req "$pki/cnonly.pem" -no_nonce
resp "$out/unknown.der" -rsigner "$pki/int.pem" -rkey "$pki/int.key"
req "$pki/good.pem" -no_nonce
resp "$out/delegated.der" -rsigner "$t/responder.pem" -rkey "$t/responder.key" -resp_key_id
resp "$out/noeku.der" -rsigner "$t/noeku.pem" -rkey "$t/noeku.key"
resp "$out/rogue.der" -rsigner "$pki/rogue.pem" -rkey "$pki/rogue.key"
