#!/usr/bin/env bash
# tlsprobe check and RFC 5280 §6.1 path validation, on PKIs made here with
# openssl (EC P-256, `openssl ca` for exact dates; everything under $TP_TMP):
# name constraints (DNS permitted/excluded, IP, on the root, directoryName,
# email), CA checks (basicConstraints, keyUsage, pathLen, EKU nesting, unknown
# critical extensions, expiry), backtracking (an expired cross-signing root, two
# issuers with one name and key), a malformed extension, more than
# TP_MAX_CHAIN_CERTS certificates, and two denial-of-service shapes. Every
# rejection has a positive twin that must be valid, so each case can fail.
. "$(dirname "$0")/lib.sh"

D=$TP_TMP/pv
mkdir -p "$D/newcerts"
touch "$D/index.txt"
cat >"$D/ca.cnf" <<EOF
[ca]
default_ca = tp
[tp]
database = $D/index.txt
new_certs_dir = $D/newcerts
serial = $D/serial
default_md = sha256
default_days = 3650
policy = anything
unique_subject = no
email_in_dn = yes
[anything]
commonName = optional
EOF

# Extensions
ROOT_EXT=$'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash'
IDS=$'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always'
CA_EXT=$'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n'$IDS
LEAF_BASE=$'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n'$IDS
leaf_ext() { printf '%s\nsubjectAltName=%s\n' "$LEAF_BASE" "$1"; }
PAST=(20200101000000Z 20210101000000Z)

key() {
    [ -f "$D/$1.key" ] && return 0
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/$1.key" 2>/dev/null &&
        openssl req -new -key "$D/$1.key" -subj /CN=csr -out "$D/$1.csr" 2>/dev/null
}

# mk NAME SUBJECT ISSUER|self EXTENSIONS [START END] [KEY]: $D/NAME.pem (and NAME.key,
# unless KEY names another certificate's key). ISSUER is the NAME of an earlier one.
mk() {
    local name=$1 subj=$2 iss=$3 ext=$4 start=${5:-} end=${6:-} k=${7:-$1} dates signer
    key "$k" || { echo "key $k failed" >&2; return 1; }
    [ "$k" = "$name" ] || cp "$D/$k.key" "$D/$name.key"
    printf '%s\n' "$ext" >"$D/$name.ext"
    if [ -n "$start" ]; then dates=(-startdate "$start" -enddate "$end"); else dates=(-days 3650); fi
    if [ "$iss" = self ]; then signer=(-selfsign -keyfile "$D/$k.key"); else signer=(-cert "$D/$iss.pem" -keyfile "$D/$iss.key"); fi
    openssl ca -batch -config "$D/ca.cnf" -notext -preserveDN -rand_serial -subj "$subj" "${signer[@]}" "${dates[@]}" \
        -in "$D/$k.csr" -extfile "$D/$name.ext" -out "$D/$name.pem" >/dev/null 2>"$D/$name.err" ||
        { echo "openssl ca for $name failed:" >&2; cat "$D/$name.err" >&2; return 1; }
}
cat_pem() { local out=$1 n; shift; for n in "$@"; do cat "$D/$n.pem"; done >"$D/$out"; }

# pv NAME CHAIN_NAMES CAFILE_NAMES PYEXPR [check options]: run check (exit must be 0 or 1;
# status in $TP_RC, JSON in $TP_OUT, its wall time in $TP_MS), then PYEXPR on j (the
# JSON), v = its verification (server_ or client_verification), p = the path's subjects, pids = problem ids,
# texts = problem texts. On failure, prints the verdict.
PV_N=0
pv() {
    local name=$1 chain=$2 cas=$3 expr=$4 t0 t1
    shift 4
    PV_N=$((PV_N + 1))
    # shellcheck disable=SC2086
    cat_pem "case$PV_N.chain" $chain
    # shellcheck disable=SC2086
    cat_pem "case$PV_N.ca" $cas
    TP_OUT=$D/case$PV_N.out
    t0=$(date +%s%N)
    "$TLSPROBE" check --chain "$D/case$PV_N.chain" --cafile "$D/case$PV_N.ca" --format json "$@" >"$TP_OUT" 2>"$D/case$PV_N.err"
    TP_RC=$?
    t1=$(date +%s%N)
    TP_MS=$(((t1 - t0) / 1000000))
    if [ "$TP_RC" -gt 1 ]; then
        tp_check "$name (exit $TP_RC, want 0 or 1)" 1
        head -c 2000 "$D/case$PV_N.err" >&2
        return
    fi
    if python3 - "$TP_OUT" "$expr" <<'EOF'; then tp_check "$name (exit $TP_RC)" 0; else tp_check "$name (exit $TP_RC)" 1; fi
import json, sys
try:
    j = json.loads(open(sys.argv[1]).readline())
except Exception as e:
    print("  not JSON:", e, file=sys.stderr); sys.exit(1)
v = j["server_verification"] or j["client_verification"] or {}
p = [e.get("subject") or "" for e in v.get("path", [])]
pids = [x["id"] for x in v.get("problems", [])]
texts = [x["text"] for x in v.get("problems", [])]
ok = eval(sys.argv[2])
if not ok:
    print("  expression false:", sys.argv[2], file=sys.stderr)
    print("  valid=%s reject=%r problems=%s" % (v.get("valid"), v.get("reject"), json.dumps(v.get("problems"))), file=sys.stderr)
    print("  path=%s tried=%s judged=%s sigs=%s limited=%s" % (json.dumps(v.get("path")), json.dumps(v.get("paths_tried")),
          v.get("paths_judged"), v.get("signature_checks"), v.get("search_limited")), file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}
# pv_stats LABEL: the last check's wall time and search counters, for people (never asserted).
pv_stats() {
    echo "# $1: check took $TP_MS ms; $(python3 -c 'import json,sys;j=json.loads(open(sys.argv[1]).readline());v=j["server_verification"] or j["client_verification"];print("signature_checks %s, paths_judged %s, search_limited %s, reject %s" % (v["signature_checks"], v["paths_judged"], v["search_limited"], v["reject"]))' "$TP_OUT" 2>/dev/null)"
}
VALID='v["valid"] is True and v["reject"] is None'
rej() { printf 'v["valid"] is False and v["reject"] == "%s"' "$1"; }

# ---- the base PKI: root R, intermediate I, leaf L ----
mk R "/O=TP PV/CN=TP PV Root" self "$ROOT_EXT" || exit 1
mk I "/O=TP PV/CN=TP PV Issuing CA" R "$CA_EXT"
mk L /CN=api.corp.example I "$(leaf_ext DNS:api.corp.example)"
pv "base: leaf, intermediate, root trusted" "L I" R "$VALID"' and len(p) == 3 and v["path"][2]["origin"] == "store"' --host api.corp.example

# ---- name constraints ----
NC=$'nameConstraints=critical,permitted;DNS:.corp.example,permitted;DNS:corp.example\n'
mk NCI "/O=TP PV/CN=Corp Only CA" R "$NC$CA_EXT"
mk NCok /CN=api.corp.example NCI "$(leaf_ext DNS:api.corp.example)"
mk NCapex /CN=corp.example NCI "$(leaf_ext DNS:corp.example)"
mk NCbad /CN=api.example.com NCI "$(leaf_ext DNS:api.example.com)"
pv "nc dns permitted: api.corp.example inside" "NCok NCI" R "$VALID"
pv "nc dns permitted: corp.example (the apex) inside" "NCapex NCI" R "$VALID"
pv "nc dns permitted: api.example.com outside" "NCbad NCI" R "$(rej name-constraint-violation)"' and v["problems"][0]["by_index"] == 1 and v["problems"][0]["index"] == 0 and "Corp Only CA" in texts[0] and "api.example.com" in texts[0]'

mk NXI "/O=TP PV/CN=No Secret CA" R $'nameConstraints=critical,excluded;DNS:secret.corp.example\n'"$CA_EXT"
mk NXok /CN=api.corp.example NXI "$(leaf_ext DNS:api.corp.example)"
mk NXbad /CN=db.secret.corp.example NXI "$(leaf_ext DNS:api.corp.example,DNS:db.secret.corp.example)"
pv "nc dns excluded: api.corp.example not excluded" "NXok NXI" R "$VALID"
pv "nc dns excluded: db.secret.corp.example (second SAN) excluded" "NXbad NXI" R "$(rej name-constraint-violation)"' and "No Secret CA" in texts[0] and "db.secret.corp.example" in texts[0]'

mk NII "/O=TP PV/CN=Ten Net CA" R $'nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0\n'"$CA_EXT"
mk NIok /CN=ipleaf-ok NII "$(leaf_ext IP:10.1.2.3)"
mk NIbad /CN=ipleaf-bad NII "$(leaf_ext IP:192.0.2.1)"
pv "nc ip permitted 10.0.0.0/8: 10.1.2.3 inside" "NIok NII" R "$VALID" --host 10.1.2.3
pv "nc ip permitted 10.0.0.0/8: 192.0.2.1 outside" "NIbad NII" R "$(rej name-constraint-violation)"' and "Ten Net CA" in texts[0] and "192.0.2.1" in texts[0]'

mk NR "/O=TP PV/CN=Constrained Root" self $'nameConstraints=critical,permitted;DNS:.corp.example\n'"$ROOT_EXT"
mk NRI "/O=TP PV/CN=Under Constrained Root CA" NR "$CA_EXT"
mk NRok /CN=api.corp.example NRI "$(leaf_ext DNS:api.corp.example)"
mk NRbad /CN=api.example.com NRI "$(leaf_ext DNS:api.example.com)"
pv "nc on the root: api.corp.example inside" "NRok NRI" NR "$VALID"
pv "nc on the root: api.example.com outside, broken constraint is the anchor's" "NRbad NRI" NR "$(rej name-constraint-violation)"' and v["problems"][0]["by_index"] == 2 and "Constrained Root" in texts[0] and "api.example.com" in texts[0]'

mk NDI "/O=TP PV/CN=Corp Directory CA" R $'nameConstraints=critical,permitted;dirName:corp_dn\n'"$CA_EXT"$'\n[corp_dn]\nO=Corp'
mk NDok /O=Corp/CN=api.corp.example NDI "$(leaf_ext DNS:api.corp.example)"
mk NDbad /O=Other/CN=api.corp.example NDI "$(leaf_ext DNS:api.corp.example)"
pv "nc directoryName O=Corp: O=Corp leaf inside" "NDok NDI" R "$VALID"
pv "nc directoryName O=Corp: O=Other leaf outside" "NDbad NDI" R "$(rej name-constraint-violation)"' and "Corp Directory CA" in texts[0] and "Other" in texts[0]'

mk NEI "/O=TP PV/CN=Corp Mail CA" R $'nameConstraints=critical,permitted;email:corp.example\n'"$CA_EXT"
mk NEok /CN=mail-ok NEI "$(leaf_ext email:alice@corp.example)"
mk NEbad /CN=mail-bad NEI "$(leaf_ext email:bob@evil.example)"
pv "nc email corp.example: alice@corp.example inside" "NEok NEI" R "$VALID"
pv "nc email corp.example: bob@evil.example outside" "NEbad NEI" R "$(rej name-constraint-violation)"' and "Corp Mail CA" in texts[0] and "bob@evil.example" in texts[0]'

# ---- CA checks (each against the base chain L I, which is valid) ----
# pair TAG INTERMEDIATE_EXTENSIONS [START END]: intermediate TAG.i under R, leaf TAG.l under it
pair() {
    mk "$1.i" "/O=TP PV/CN=$1 CA" R "$2" "${3:-}" "${4:-}" && mk "$1.l" /CN=api.corp.example "$1.i" "$(leaf_ext DNS:api.corp.example)"
}
pair nobc "$IDS"
pv "intermediate without basicConstraints" "nobc.l nobc.i" R "$(rej ca-not-authorized)"' and v["problems"][0]["index"] == 1 and "nobc CA" in texts[0]'
pair cafalse $'basicConstraints=critical,CA:FALSE\n'"$IDS"
pv "intermediate with CA:FALSE" "cafalse.l cafalse.i" R "$(rej ca-not-authorized)"' and "cafalse CA" in texts[0]'
pair nocertsign $'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,cRLSign\n'"$IDS"
pv "intermediate keyUsage without keyCertSign" "nocertsign.l nocertsign.i" R "$(rej ca-not-authorized)"' and "keyCertSign" in texts[0]'

mk P0 "/O=TP PV/CN=PathLen0 CA" R $'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n'"$IDS"
mk P0b "/O=TP PV/CN=Below PathLen0 CA" P0 "$CA_EXT"
mk P0l /CN=api.corp.example P0b "$(leaf_ext DNS:api.corp.example)"
mk P1 "/O=TP PV/CN=PathLen1 CA" R $'basicConstraints=critical,CA:TRUE,pathlen:1\nkeyUsage=critical,keyCertSign,cRLSign\n'"$IDS"
mk P1b "/O=TP PV/CN=Below PathLen1 CA" P1 "$CA_EXT"
mk P1l /CN=api.corp.example P1b "$(leaf_ext DNS:api.corp.example)"
pv "pathlen:1 intermediate above another intermediate" "P1l P1b P1" R "$VALID"
pv "pathlen:0 intermediate above another intermediate" "P0l P0b P0" R "$(rej path-length-exceeded)"' and v["problems"][0]["index"] == 2 and "PathLen0 CA" in texts[0]'
pv "--max-depth 1 with two intermediates" "P1l P1b P1" R "$(rej path-length-exceeded)" --max-depth 1
pv "--max-depth 2 with two intermediates" "P1l P1b P1" R "$VALID" --max-depth 2

pair ekuboth $'extendedKeyUsage=serverAuth,clientAuth\n'"$CA_EXT"
pair ekuclient $'extendedKeyUsage=clientAuth\n'"$CA_EXT"
pv "intermediate EKU serverAuth+clientAuth, leaf serverAuth" "ekuboth.l ekuboth.i" R "$VALID"
pv "intermediate EKU clientAuth only, leaf serverAuth" "ekuclient.l ekuclient.i" R "$(rej issuer-eku-mismatch)"' and "ekuclient CA" in texts[0]'

mk Lnc /CN=api.corp.example I "$(leaf_ext DNS:api.corp.example)"$'\n1.2.3.4=ASN1:NULL'
mk Lcrit /CN=api.corp.example I "$(leaf_ext DNS:api.corp.example)"$'\n1.2.3.4=critical,ASN1:NULL'
pv "unknown non-critical extension on the leaf" "Lnc I" R "$VALID"
pv "unknown critical extension on the leaf" "Lcrit I" R "$(rej unknown-critical-extension)"' and v["problems"][0]["index"] == 0'
pair icritno $'1.2.3.4=ASN1:NULL\n'"$CA_EXT"
pair icrit $'1.2.3.4=critical,ASN1:NULL\n'"$CA_EXT"
pv "unknown non-critical extension on the intermediate" "icritno.l icritno.i" R "$VALID"
pv "unknown critical extension on the intermediate" "icrit.l icrit.i" R "$(rej unknown-critical-extension)"' and v["problems"][0]["index"] == 1'

pair expint "$CA_EXT" "${PAST[@]}"
pv "expired intermediate (2020-2021)" "expint.l expint.i" R "$(rej expired)"' and len(p) == 3'

# ---- backtracking: an expired old root cross-signs the new one (ISRG Root X1 / DST Root CA X3) ----
mk R0 "/O=TP PV/CN=TP PV Old Root" self "$ROOT_EXT" "${PAST[@]}"
mk R1 "/O=TP PV/CN=TP PV New Root" self "$ROOT_EXT"
mk X "/O=TP PV/CN=TP PV New Root" R0 "$CA_EXT" "" "" R1 # R1's name and key, signed by R0
mk XI "/O=TP PV/CN=TP PV Cross Issuing CA" R1 "$CA_EXT"
mk XL /CN=api.corp.example XI "$(leaf_ext DNS:api.corp.example)"
pv "cross-signed: both roots trusted, the old one expired" "XL XI X" "R0 R1" "$VALID"' and len(p) == 3 and v["path"][2]["origin"] == "store" and "New Root" in p[2] and not any("Old Root" in s for s in p)'
pv "cross-signed: only the new root trusted" "XL XI X" R1 "$VALID"' and len(p) == 3 and v["path"][2]["origin"] == "store"'
pv "cross-signed: only the expired old root trusted" "XL XI X" R0 "$(rej expired)"' and len(p) == 4 and "Old Root" in p[3]'

# A key rollover certificate (RFC 4210 §4.4: new key, same name, signed by the old
# key) at the top of what was sent. Self-issued but not self-signed is normal for
# it: with the old root untrusted the issuer is unknown, no signature is bad.
mk KO "/O=TP PV/CN=TP PV Rollover Root" self "$ROOT_EXT"
mk KN "/O=TP PV/CN=TP PV Rollover Root" KO "$CA_EXT"
mk KI "/O=TP PV/CN=TP PV Rollover Issuing CA" KN "$CA_EXT"
mk KL /CN=api.corp.example KI "$(leaf_ext DNS:api.corp.example)"
pv "rollover: new-with-old sent, old root trusted" "KL KI KN" KO "$VALID"' and len(p) == 4'
pv "rollover: new-with-old sent, old root not trusted" "KL KI KN" R "$(rej unknown-authority)"

# ---- backtracking: two issuers with the same name and key, the first one bad ----
mk Dexp "/O=TP PV/CN=TP PV Twin CA" R "$CA_EXT" "${PAST[@]}" Dk
mk Dnotca "/O=TP PV/CN=TP PV Twin CA" R $'basicConstraints=critical,CA:FALSE\n'"$IDS" "" "" Dk
mk Dgood "/O=TP PV/CN=TP PV Twin CA" R "$CA_EXT" "" "" Dk
mk DL /CN=api.corp.example Dgood "$(leaf_ext DNS:api.corp.example)"
pv "twin issuers: expired one first, good one second" "DL Dexp Dgood" R "$VALID"' and v["path"][1]["sent_index"] == 2 and any("validity period" in t for t in v["paths_tried"])'
pv "twin issuers: CA:FALSE one first, good one second" "DL Dnotca Dgood" R "$VALID"' and v["path"][1]["sent_index"] == 2 and any("not a CA" in t for t in v["paths_tried"])'
pv "twin issuers: only the expired one" "DL Dexp" R "$(rej expired)"
pv "twin issuers: only the CA:FALSE one" "DL Dnotca" R "$(rej ca-not-authorized)"

# ---- a malformed extension: the SAN's inner length runs past its OCTET STRING ----
SANHEX=$(printf api.corp.example | od -An -tx1 | tr -d ' \n')
mk Mok /CN=api.corp.example I "$LEAF_BASE"$'\nsubjectAltName=DER:30128210'"$SANHEX"
mk Mbad /CN=api.corp.example I "$LEAF_BASE"$'\nsubjectAltName=DER:30128220'"$SANHEX"
pv "SAN written as raw DER, well-formed" "Mok I" R "$VALID" --host api.corp.example
pv "SAN with a corrupt inner length: still shown, malformed-certificate" "Mbad I" R "$(rej malformed-certificate)"' and len(j["certificates"]) == 2 and "api.corp.example" in (j["certificates"][0].get("subject") or "")'
[ "$TP_RC" = 1 ]; tp_check "malformed SAN: exit 1, not 2 ($TP_RC)" $?

# ---- more than TP_MAX_CHAIN_CERTS (32) certificates ----
U=()
for i in $(seq -w 1 40); do
    mk "U$i" "/O=TP PV/CN=Unrelated CA $i" R "$CA_EXT" "" "" Uk
    U+=("U$i")
done
pv "42 certificates: leaf, intermediate, 40 unrelated" "L I ${U[*]}" R "$VALID"' and len(p) == 3'
[ "$TP_RC" != 2 ]; tp_check "42 certificates (intermediate second): exit not 2 ($TP_RC)" $?
pv "42 certificates: leaf, 40 unrelated, intermediate last (index 41)" "L ${U[*]} I" R "$VALID"' and len(p) == 3 and v["path"][1]["sent_index"] == 41'
[ "$TP_RC" != 2 ]; tp_check "42 certificates (intermediate last): exit not 2 ($TP_RC)" $?

# ---- denial of service shapes (time printed, not asserted) ----
# 30 look-alike issuers: one name, 30 keys, none of them signed the leaf.
B=()
for i in $(seq -w 1 30); do
    mk "B$i" "/O=TP PV/CN=TP PV Busy CA" R "$CA_EXT" "" "" "K$i"
    B+=("B$i")
done
mk Breal "/O=TP PV/CN=TP PV Busy CA" R "$CA_EXT"
mk BL /CN=api.corp.example Breal "$(leaf_ext DNS:api.corp.example)"
mk BLnoaki /CN=api.corp.example Breal "$(leaf_ext DNS:api.corp.example | sed 's/^authorityKeyIdentifier=.*/authorityKeyIdentifier=none/')"
LOOKALIKE='v["valid"] is False and v["reject"] in ("bad-signature", "unknown-authority", "path-building-limit") and v["signature_checks"] <= 401'
pv "30 look-alike issuers, none signed the leaf (leaf has an AKI)" "BL ${B[*]}" R "$LOOKALIKE"
pv_stats "30 look-alike issuers, leaf with AKI"
pv "30 look-alike issuers, none signed the leaf (leaf without AKI)" "BLnoaki ${B[*]}" R "$LOOKALIKE"
pv_stats "30 look-alike issuers, leaf without AKI"
pv "30 look-alike issuers + the real one" "BL ${B[*]} Breal" R "$VALID"

# 30 self-issued look-alikes, each signed by the next one's key, in a ring: every
# link verifies, no anchor at the end. No authorityKeyIdentifier (`openssl ca` adds
# one unless told `none`), so key ids cannot prune: ~900 (certificate, issuer) pairs to try, more than the budget.
for i in $(seq -w 1 30); do
    mk "Z$i" "/O=TP PV/CN=TP PV Ring CA" self "$ROOT_EXT" "" "" "K$i" # a holder of K$i's name for `openssl ca -cert`
done
G=()
for i in $(seq 1 30); do
    a=$(printf %02d "$i") b=$(printf %02d $((i % 30 + 1)))
    mk "G$a" "/O=TP PV/CN=TP PV Ring CA" "Z$b" "$ROOT_EXT"$'\nauthorityKeyIdentifier=none' "" "" "K$a"
    G+=("G$a")
done
mk GL /CN=api.corp.example Z01 "$(leaf_ext DNS:api.corp.example | sed 's/^authorityKeyIdentifier=.*/authorityKeyIdentifier=none/')"
pv "ring of 30 self-issued look-alikes, no anchor" "GL ${G[*]}" R 'v["valid"] is False and (v["search_limited"] is True or v["reject"] in ("unknown-authority", "bad-signature")) and v["signature_checks"] <= 401'
pv_stats "ring of 30 self-issued look-alikes"

tp_finish
