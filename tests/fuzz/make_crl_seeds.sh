#!/bin/bash
# Seeds for fuzz_crl (fixtures/fuzz/fuzz_crl/): the CRLs tests/unit/make_crl.sh
# makes with `openssl ca -gencrl` from the fixture PKI (entries with and without
# a reason, a delta CRL, an empty one, a rogue signer), each under 600 bytes.
# Run once by hand; the outputs are committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../fixtures/fuzz/fuzz_crl}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
bash "$here/../unit/make_crl.sh" "$here/../../fixtures" "$t"
mkdir -p "$out"
for f in crl delta empty rogue; do
    cp "$t/$f.der" "$out/$f.der"
done
