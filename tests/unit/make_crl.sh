#!/bin/bash
# CRLs for test_x509_crl (and the fuzz seeds), made at test time by `openssl ca
# -gencrl` from the fixture PKI: nothing binary is kept in git.
#   make_crl.sh FIXTURES OUTDIR
# Writes into OUTDIR:
#   crl.der / crl.pem  by int: wronghost.pem revoked 2025-01-02 03:04:05Z keyCompromise,
#                      cnonly.pem revoked 2025-02-03 04:05:06Z (no reason); CRL number 5;
#                      nextUpdate 7 days on
#   delta.der          the same with a deltaCRLIndicator (base CRL number 4)
#   empty.der          by int, no entries (no revokedCertificates field)
#   rogue.der          the same entries, signed by rogue.pem (not the issuer)
set -euo pipefail
fx=$1
out=$2
mkdir -p "$out"
pki=$fx/pki
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
serial() { openssl x509 -in "$1" -noout -serial | sed 's/serial=//'; }
subj() { openssl x509 -in "$1" -noout -subject -nameopt compat | sed 's/subject=//'; }
printf 'R\t461117214823Z\t250102030405Z,keyCompromise\t%s\tunknown\t%s\n' "$(serial "$pki/wronghost.pem")" \
    "$(subj "$pki/wronghost.pem")" >"$t/index.txt"
printf 'R\t461117214823Z\t250203040506Z\t%s\tunknown\t%s\n' "$(serial "$pki/cnonly.pem")" \
    "$(subj "$pki/cnonly.pem")" >>"$t/index.txt"
printf 'V\t461117214823Z\t\t%s\tunknown\t%s\n' "$(serial "$pki/good.pem")" "$(subj "$pki/good.pem")" >>"$t/index.txt"
: >"$t/empty.txt"
cnf() { # INDEX EXTSECTION_LINES
    cat <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
database = $1
crlnumber = $t/crlnumber
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
$2
CNF
}
gen() { # INDEX CERT KEY OUT [ext line]
    echo 05 >"$t/crlnumber"
    cnf "$1" "${5:-}" >"$t/ca.cnf"
    openssl ca -gencrl -config "$t/ca.cnf" -cert "$2" -keyfile "$3" -out "$t/out.pem" 2>/dev/null
    openssl crl -in "$t/out.pem" -outform DER -out "$4"
}
gen "$t/index.txt" "$pki/int.pem" "$pki/int.key" "$out/crl.der"
openssl crl -inform DER -in "$out/crl.der" -out "$out/crl.pem"
gen "$t/index.txt" "$pki/int.pem" "$pki/int.key" "$out/delta.der" "2.5.29.27 = critical,DER:02:01:04"
gen "$t/empty.txt" "$pki/int.pem" "$pki/int.key" "$out/empty.der"
gen "$t/index.txt" "$pki/rogue.pem" "$pki/rogue.key" "$out/rogue.der"
