#!/usr/bin/env bash
# Which public trust stores hold the root (docs/trust-stores.md): check on Debian's
# real ISRG Root X1 (in every store), Debian's whole ca-certificates bundle against
# the Mozilla column of data/trust-stores.tsv, a self-made chain (in no public
# store), and a test PKI with a cross-signed root under a data file written here:
# the old root removed everywhere (root-distrusted, naming the new root on the
# path), the new root missing from one store (root-not-universally-trusted), over
# check, connect to openssl s_server and pcap of the recorded connection. JSON
# validated against docs/schema.
. "$(dirname "$0")/lib.sh"
export TLSPROBE_DATA_DIR="$TP_SRC/data"
J="--format json"
MOZ=/usr/share/ca-certificates/mozilla
if [ ! -r "$MOZ/ISRG_Root_X1.crt" ]; then
    echo "# Debian's ca-certificates is not installed: skipped"
    exit 77
fi

# ---- a real public root: Debian's copy of ISRG Root X1 ----
tp_expect_exit "check ISRG Root X1 (the root itself, keyUsage error expected)" 1 \
    "$TLSPROBE" check --chain "$MOZ/ISRG_Root_X1.crt"
grep -F "stores ISRG Root X1: Mozilla ✓  Apple ✓  Microsoft ✓" "$TP_OUT" >/dev/null
tp_check "ISRG Root X1: text names the stores with check marks" $?
tp_expect_exit "check ISRG Root X1, JSON" 1 "$TLSPROBE" check --chain "$MOZ/ISRG_Root_X1.crt" $J
tp_json "ISRG Root X1: matched by certificate, trusted by all five stores, no root finding" "$TP_OUT" \
    '(t := j["server_verification"]["trust_stores"]) and t["match"] == "certificate" and t["root"] == "ISRG Root X1" and [s["store"] for s in t["stores"]] == ["mozilla", "apple", "microsoft", "android", "java"] and all(s["status"] == "trusted" for s in t["stores"]) and not [i for i in ids(j) if i.startswith("root-")] and "trust_stores_observatory" in t["source"]'
cp "$TP_OUT" "$TP_TMP/isrg.json"

# ---- inspect: a CA certificate on its own ----
tp_expect_exit "inspect ISRG Root X2" 0 "$TLSPROBE" inspect "$MOZ/ISRG_Root_X2.crt"
grep -F "public stores   ISRG Root X2: Mozilla ✓ (since 2021-12-19)  Apple ≥ iOS 16 ✓" "$TP_OUT" >/dev/null &&
    grep -F "Android ≥ 14 ✓  Java ✗" "$TP_OUT" >/dev/null
tp_check "inspect ISRG Root X2: added in iOS 16 and Android 14, not in the (2022) Java snapshot" $?
tp_expect_exit "inspect a leaf + intermediate and the root, JSON" 0 "$TLSPROBE" inspect "$PKI/good-fullchain.pem" $J
tp_json "inspect: a leaf has no trust_stores, the test CA is in no public store" "$TP_OUT" \
    '(o := j["objects"]) and o[0]["trust_stores"] is None and o[1]["trust_stores"]["match"] is None'
cp "$TP_OUT" "$TP_TMP/inspect.json"

# ---- Debian's whole bundle against the data's Mozilla column ----
n=0 known=0
for f in "$MOZ"/*.crt; do
    fp=$(openssl x509 -in "$f" -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
    [ -n "$fp" ] || continue
    n=$((n + 1))
    cell=$(awk -F'\t' -v fp="$fp" '$1 == "R" && $2 == fp { print $6; exit }' "$TLSPROBE_DATA_DIR/trust-stores.tsv")
    case "$cell" in +*|~*) known=$((known + 1)) ;; *) echo "# not in the Mozilla column: $f" ;; esac
done
echo "# Debian ca-certificates: $known of $n roots are (or were) in the data's Mozilla column"
[ "$n" -gt 100 ] && [ "$known" = "$n" ]; tp_check "every root of Debian's ca-certificates is in the Mozilla column" $?

# ---- the test PKI: old root, new root, the new root cross-signed by the old ----
cd "$TP_TMP" || exit 1
cat > ca.ext <<'X'
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
X
mk_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
mk_key old.key; mk_key new.key; mk_key int.key; mk_key leaf.key
openssl req -x509 -new -key old.key -subj "/O=tlsprobe test/CN=Test Old Root" -days 3650 \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" -out old.pem 2>/dev/null
openssl req -x509 -new -key new.key -subj "/O=tlsprobe test/CN=Test New Root" -days 3650 \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" -out new.pem 2>/dev/null
openssl req -new -key new.key -subj "/O=tlsprobe test/CN=Test New Root" -out new.csr 2>/dev/null
openssl x509 -req -in new.csr -CA old.pem -CAkey old.key -set_serial 7 -days 900 -extfile ca.ext -extensions ca \
    -out cross.pem 2>/dev/null
openssl req -new -key int.key -subj "/O=tlsprobe test/CN=Test Issuing CA" -out int.csr 2>/dev/null
openssl x509 -req -in int.csr -CA new.pem -CAkey new.key -set_serial 8 -days 800 -extfile ca.ext -extensions ca \
    -out int.pem 2>/dev/null
openssl req -new -key leaf.key -subj "/CN=localhost" -out leaf.csr 2>/dev/null
openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -set_serial 9 -days 90 -extfile ca.ext -extensions leaf \
    -out leaf.pem 2>/dev/null
cat leaf.pem int.pem cross.pem > served.pem
cat leaf.pem int.pem > short.pem
openssl verify -CAfile old.pem -untrusted int.pem -untrusted cross.pem leaf.pem >/dev/null 2>&1
tp_check "test PKI: the leaf verifies to the old root through the cross-sign (openssl)" $?

# ---- a self-made root is in no public store ----
tp_expect_exit "check a self-made chain" 0 "$TLSPROBE" check --chain short.pem --cafile new.pem --host localhost
grep -F "stores 'Test New Root' is in no public store: Mozilla ✗  Apple ✗" "$TP_OUT" >/dev/null
tp_check "self-made root: in no public store" $?
tp_expect_exit "check a self-made chain, JSON" 0 "$TLSPROBE" check --chain short.pem --cafile new.pem --host localhost $J
tp_json "self-made root: match null, every store absent, no finding" "$TP_OUT" \
    '(t := j["server_verification"]["trust_stores"]) and t["match"] is None and t["root_sha256"] is None and all(s["status"] == "absent" for s in t["stores"]) and ids(j) == []'
cp "$TP_OUT" "$TP_TMP/selfmade.json"
# without the data file: not judged, null in JSON, no line in text
TLSPROBE_DATA_DIR="$TP_TMP/none" "$TLSPROBE" check --chain short.pem --cafile new.pem --host localhost $J > nodata.json
tp_json "no data file: trust_stores null" nodata.json 'j["server_verification"]["trust_stores"] is None'

# ---- our own data file for the test roots (format 1, docs/trust-stores.md) ----
facts() { # PEM -> "cert-sha256 spki-sha256 subject-hash16 ski"
    openssl x509 -in "$1" -outform DER | python3 -c '
import hashlib, sys
d = sys.stdin.buffer.read()
def tlv(i):
    t, n = d[i], d[i + 1]; i += 2
    if n & 0x80:
        k = n & 0x7f; n = int.from_bytes(d[i:i + k], "big"); i += k
    return t, i, n
_, i, _ = tlv(0); _, i, tn = tlv(i); end = i + tn; f = []
while i < end:
    t, c, n = tlv(i); f.append((t, i, c, n)); i = c + n
if f[0][0] == 0xa0: f = f[1:]
subj = d[f[4][2]:f[4][2] + f[4][3]]
spki = d[f[5][1]:f[5][2] + f[5][3]]
ski = "-"
for t, s, c, n in f[6:]:
    if t != 0xa3: continue
    _, j, en = tlv(c); stop = j + en
    while j < stop:
        _, ec, el = tlv(j); _, oc, on = tlv(ec); oid = d[oc:oc + on]
        t2, vc, vn = tlv(oc + on)
        if t2 == 1: t2, vc, vn = tlv(vc + vn)
        if oid == bytes([0x55, 0x1d, 0x0e]):
            _, kc, kn = tlv(vc); ski = d[kc:kc + kn].hex()
        j = ec + el
print(hashlib.sha256(d).hexdigest(), hashlib.sha256(spki).hexdigest(), hashlib.sha256(subj).hexdigest()[:16], ski)'
}
read -r OLD_FP OLD_SPKI OLD_SUBJ OLD_SKI <<<"$(facts old.pem)"
read -r NEW_FP NEW_SPKI NEW_SUBJ NEW_SKI <<<"$(facts new.pem)"
mkdir -p d1 d2
{
    printf 'D\ttest/trust-data\t0123456789abcdef\t2026-07-19\n'
    printf 'S\tmozilla\tMozilla\t-\t2026-07-19\t2017-12-31\t37\n'
    printf 'S\tandroid\tAndroid\t17.0.0_r1\t2026-06-21\t8\t11\n'
    printf 'S\tjava\tJava\tjdk-17.0.2\t2022-01-23\t11.0.1\t19\n'
    printf 'R\t%s\t%s\t%s\t%s\t~2017-12-31..2021-09-25\t~8..13\tx\tTest Old Root\n' "$OLD_FP" "$OLD_SPKI" "$OLD_SUBJ" "$OLD_SKI"
    printf 'R\t%s\t%s\t%s\t%s\t+\t+\t+\tTest New Root\n' "$NEW_FP" "$NEW_SPKI" "$NEW_SUBJ" "$NEW_SKI"
} > d1/trust-stores.tsv
sed 's/\t+\t+\t+\tTest New Root/\t+\t+14\t-\tTest New Root/' d1/trust-stores.tsv > d2/trust-stores.tsv

export TLSPROBE_DATA_DIR="$TP_TMP/d1"
tp_expect_exit "check: chain through the cross-sign to the old root" 0 \
    "$TLSPROBE" check --chain served.pem --cafile old.pem --host localhost
grep -F "stores Test Old Root: Mozilla ✗ (removed after 2021-09-25)" "$TP_OUT" >/dev/null &&
    grep -F "Android ✗ (only 8 to 13)  Java ✗ distrusted" "$TP_OUT" >/dev/null
tp_check "cross-sign: text shows the old root's removals" $?
grep -F "'Test New Root' (path #2) is itself a root in 3 of 3 stores" "$TP_OUT" >/dev/null
tp_check "cross-sign: text names the new root on the path" $?
COLUMNS=60 "$TLSPROBE" check --chain served.pem --cafile old.pem --host localhost > narrow.txt
awk '{ n = length($0); if (n > 60) { print "# too wide: " $0; bad = 1 } } END { exit bad }' narrow.txt
tp_check "cross-sign: at 60 columns no line is wider" $?
tp_expect_exit "check: cross-sign, JSON" 0 "$TLSPROBE" check --chain served.pem --cafile old.pem --host localhost $J
tp_json "cross-sign: root-distrusted naming each store and the new root" "$TP_OUT" \
    '(f := [x for x in j["findings"] if x["id"] == "root-distrusted"]) and (t := j["server_verification"]["trust_stores"]) and ids(j) == ["root-distrusted"] and f[0]["severity"] == "warning" and "Mozilla removed it after 2021-09-25" in f[0]["summary"] and "Android had it only in 8 to 13" in f[0]["summary"] and "Java distrusts it" in f[0]["summary"] and "Test New Root" in f[0]["fix"] and t["alternative_root"] == {"root": "Test New Root", "path_index": 2, "trusted_stores": 3} and [s["status"] for s in t["stores"]] == ["removed", "removed", "distrusted"] and t["stores"][1]["since"] == "8" and t["stores"][1]["until"] == "13"'
cp "$TP_OUT" "$TP_TMP/cross.json"
tp_expect_exit "check: the same chain to the new root" 0 "$TLSPROBE" check --chain short.pem --cafile new.pem --host localhost $J
tp_json "new root: trusted everywhere, no finding" "$TP_OUT" \
    'ids(j) == [] and all(s["status"] == "trusted" for s in j["server_verification"]["trust_stores"]["stores"])'
# unverified: the leaf and intermediate only, no store knows the issuer; the issuer named is looked up
tp_expect_exit "check: unverified chain, the issuer named" 1 "$TLSPROBE" check --chain short.pem --cafile old.pem --host localhost $J
tp_json "unverified chain: the root is found as the issuer named" "$TP_OUT" \
    '(t := j["server_verification"]["trust_stores"]) and t["match"] == "issuer" and t["root"] == "Test New Root" and "unknown-authority" in ids(j)'

TLSPROBE_DATA_DIR="$TP_TMP/d2" tp_expect_exit "check: a root missing from one store" 0 \
    "$TLSPROBE" check --chain short.pem --cafile new.pem --host localhost $J
tp_json "root-not-universally-trusted names Android since 14 and Java" "$TP_OUT" \
    '(f := j["findings"]) and ids(j) == ["root-not-universally-trusted"] and "Android has it only since 14" in f[0]["summary"] and "Java does not have it" in f[0]["summary"]'

# ---- connect to a real server, and pcap of the same connection ----
cat int.pem cross.pem > chain.pem
# TLS 1.2: the pcap shows the chain in clear
if tp_s_server -cert leaf.pem -cert_chain chain.pem -key leaf.key -tls1_2; then
    tp_expect_exit "connect: served chain through the cross-sign" 0 \
        timeout 20 "$TLSPROBE" connect "127.0.0.1:$TP_PORT" --servername localhost --cafile old.pem \
        --write-pcap "$TP_TMP/conn.pcap" $J
    tp_json "connect: root-distrusted and trust_stores in the session" "$TP_OUT" \
        '"root-distrusted" in ids(j) and j["server_verification"]["trust_stores"]["root"] == "Test Old Root" and j["server_verification"]["trust_stores"]["alternative_root"]["root"] == "Test New Root"'
    head -n 1 "$TP_OUT" > "$TP_TMP/connect.json"
    tp_expect_exit "connect: text" 0 timeout 20 "$TLSPROBE" connect "127.0.0.1:$TP_PORT" --servername localhost \
        --cafile old.pem
    grep -F "public stores   Test Old Root: Mozilla ✗" "$TP_OUT" >/dev/null
    tp_check "connect: text has the public stores line" $?
    tp_kill "$TP_SRV_PID"
    TP_ANY_EXIT=1 tp_expect_exit "pcap of the connection" 0 "$TLSPROBE" pcap "$TP_TMP/conn.pcap" --cafile old.pem $J
    tp_json "pcap: the same verdict" "$TP_OUT" \
        '"root-distrusted" in ids(j) and j["server_verification"]["trust_stores"]["root"] == "Test Old Root"'
else
    tp_check "openssl s_server started" 1
fi

# ---- the JSON above against the closed schemas ----
PY=/usr/bin/python3
if "$PY" -c 'import jsonschema' 2>/dev/null; then
    specs=(check:"$TP_TMP/isrg.json" check:"$TP_TMP/selfmade.json" check:"$TP_TMP/cross.json"
           inspect:"$TP_TMP/inspect.json")
    [ -s "$TP_TMP/connect.json" ] && specs+=(session:"$TP_TMP/connect.json")
    "$PY" "$TP_SRC/tests/schema/validate.py" --schema-dir "$TP_SRC/docs/schema" "${specs[@]}" > "$TP_TMP/validate.out" 2>&1
    rc=$?
    tail -n 3 "$TP_TMP/validate.out"
    tp_check "trust_stores output validates against docs/schema" $rc
else
    echo "# python3-jsonschema missing: schema not validated here (test_schema does it)"
fi
tp_finish
