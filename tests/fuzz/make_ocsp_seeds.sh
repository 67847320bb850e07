#!/bin/bash
# Seeds for fuzz_ocsp (fixtures/fuzz/fuzz_ocsp/): the responses
# tests/unit/make_ocsp.sh makes with `openssl ocsp` from the fixture PKI (good,
# SHA-256 CertID, revoked, unknown, delegated byKey, no-EKU and rogue signers),
# each under 1.3 KB, plus a bare tryLater. Run once by hand; the outputs are committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../fixtures/fuzz/fuzz_ocsp}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
bash "$here/../unit/make_ocsp.sh" "$here/../../fixtures" "$t"
mkdir -p "$out"
for f in good good-sha256 revoked unknown delegated noeku rogue; do
    cp "$t/$f.der" "$out/$f.der"
done
printf '\x30\x03\x0a\x01\x03' >"$out/try-later.der"
