#!/bin/bash
# Seeds for fuzz_pkcs12 (fixtures/fuzz/fuzz_pkcs12/): small PKCS#12 files made by
# openssl with password "x" and one iteration (so the fuzzer reaches the bags
# behind the MAC and the decryption cheaply): AES/PBKDF2 with a friendly name and
# a CA certificate, 3DES with a SHA-1 MAC, RC2-40 (-legacy), no MAC and no
# encryption. Run once by hand; the outputs are committed.
set -euo pipefail
out=${1:-$(dirname "$0")/../../fixtures/fuzz/fuzz_pkcs12}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$t/ca.key" -out "$t/ca.pem" \
    -subj /CN=fuzz-ca -days 3650 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$t/k.pem" -out "$t/c.pem" \
    -subj /CN=fuzz -days 3650 2>/dev/null
p12() { openssl pkcs12 -export -in "$t/c.pem" -inkey "$t/k.pem" -passout pass:x -noiter -nomaciter "$@"; }
p12 -name "fuzz id" -certfile "$t/ca.pem" -out "$out/aes-name-chain.p12"
p12 -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -out "$out/des3-sha1.p12"
p12 -legacy -out "$out/rc2-legacy.p12"
openssl pkcs12 -export -in "$t/c.pem" -inkey "$t/k.pem" -passout pass: -keypbe NONE -certpbe NONE -nomac \
    -out "$out/plain-nomac.p12"
