#!/usr/bin/env bash
# tlsprobe check on the fixture chains (fixtures/pki): good, leaf-only, misordered,
# extra root, extra certificate, wrong key, expired intermediate, and the other
# certificate cases; --save-chain output verified by openssl; bad input exits 2.
. "$(dirname "$0")/lib.sh"
CA="--cafile $PKI/root.pem"
J="--format json"

ids_are() { tp_json "$1" "$TP_OUT" "$2"; }

tp_expect_exit "good fullchain + key + host" 0 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --key "$PKI/good.key" --host localhost $CA $J
ids_are "good: no findings, source check, key matches" 'j["source"] == "check" and ids(j) == [] and j["key_matches"] is True and j["server_verification"]["status"] == "ok" and len(j["certificates"]) == 2'
tp_expect_exit "good fullchain, text" 0 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --host localhost $CA
grep -q "No problems found" "$TP_OUT"; tp_check "good: text says no problems" $?
! grep -q $'\x1b' "$TP_OUT"; tp_check "good: no colour when not a terminal" $?

tp_expect_exit "leaf only" 1 "$TLSPROBE" check --chain "$PKI/good.pem" --host localhost $CA $J
ids_are "leaf only: unknown-authority with the missing-intermediate hint" 'ids(j) == ["unknown-authority"] and "--intermediates" in j["findings"][0]["explanation"]'
tp_expect_exit "leaf only + --intermediates" 1 "$TLSPROBE" check --chain "$PKI/good.pem" --intermediates "$PKI/int.pem" --host localhost $CA $J --save-chain "$TP_TMP/fixed-leafonly.pem"
ids_are "leaf only + intermediates: missing-intermediate only" 'ids(j) == ["missing-intermediate"] and "tlsprobe Test Issuing CA" in j["findings"][0]["summary"]'
n=$(grep -c "BEGIN CERTIFICATE" "$TP_TMP/fixed-leafonly.pem")
[ "$n" = 2 ]; tp_check "leaf only: --save-chain wrote leaf + intermediate ($n)" $?
openssl verify -CAfile "$PKI/root.pem" -untrusted "$TP_TMP/fixed-leafonly.pem" "$TP_TMP/fixed-leafonly.pem" >/dev/null 2>&1
tp_check "leaf only: saved chain verifies with openssl" $?
tp_expect_exit "saved chain re-checked" 0 "$TLSPROBE" check --chain "$TP_TMP/fixed-leafonly.pem" --key "$PKI/good.key" --host localhost $CA $J
ids_are "saved chain: no findings" 'ids(j) == []'

# A server loads the file's first certificate as its own: with the key, an
# intermediate first is an error (issue 17), as s_server itself shows.
tp_expect_exit "misordered with --key: error" 1 "$TLSPROBE" check --chain "$PKI/good-misordered.pem" --key "$PKI/good.key" --host localhost $CA $J --save-chain "$TP_TMP/fixed-order.pem"
ids_are "misordered: chain-order and key-mismatch (leaf not first)" 'ids(j) == ["chain-order", "key-mismatch"] and j["key_matches"] is True and j["key_matches_first"] is False and "save-chain" in j["findings"][1]["fix"]'
timeout 5 openssl s_server -accept 127.0.0.1:0 -cert "$PKI/good-misordered.pem" -key "$PKI/good.key" -naccept 1 \
    < /dev/null > "$TP_TMP/sserver-misordered.log" 2>&1
rc=$?; [ "$rc" = 1 ] && grep -qi "does not match" "$TP_TMP/sserver-misordered.log"
tp_check "s_server refuses the misordered file with a key mismatch too" $?
tp_expect_exit "misordered without --key (warning only)" 0 "$TLSPROBE" check --chain "$PKI/good-misordered.pem" --host localhost $CA $J
ids_are "misordered without key: chain-order" 'ids(j) == ["chain-order"] and j["key_matches_first"] is None'
openssl x509 -in "$TP_TMP/fixed-order.pem" -noout -subject 2>/dev/null | grep -q "CN *= *localhost"
tp_check "misordered: saved chain starts with the leaf" $?

tp_expect_exit "extra root" 0 "$TLSPROBE" check --chain "$PKI/good-with-root.pem" --host localhost $CA $J --save-chain "$TP_TMP/fixed-root.pem"
ids_are "extra root: chain-contains-root" 'ids(j) == ["chain-contains-root"]'
n=$(grep -c "BEGIN CERTIFICATE" "$TP_TMP/fixed-root.pem")
[ "$n" = 2 ]; tp_check "extra root: saved chain has no root ($n certificates)" $?

tp_expect_exit "extra certificate" 0 "$TLSPROBE" check --chain "$PKI/good-extra.pem" --host localhost $CA $J
ids_are "extra certificate: extra-certificates, not chain-order" 'ids(j) == ["extra-certificates"]'

tp_expect_exit "wrong key" 1 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --key "$PKI/rogue-leaf.key" --host localhost $CA $J
ids_are "wrong key: key-mismatch" 'ids(j) == ["key-mismatch"] and j["key_matches"] is False'
tp_expect_exit "wrong key (intermediate's key)" 1 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --key "$PKI/int.key" $CA $J
ids_are "intermediate's key: key-mismatch names certificate #1" 'ids(j) == ["key-mismatch"] and "#1" in j["findings"][0]["explanation"]'

tp_expect_exit "expired intermediate" 1 "$TLSPROBE" check --chain "$PKI/expired-int-leaf-fullchain.pem" --host localhost $CA $J
ids_are "expired intermediate: expired, names the intermediate" '"expired" in ids(j) and "intermediate" in [f for f in j["findings"] if f["id"] == "expired"][0]["summary"] and "Expired Issuing CA" in [f for f in j["findings"] if f["id"] == "expired"][0]["summary"]'
tp_expect_exit "expired leaf" 1 "$TLSPROBE" check --chain "$PKI/expired-fullchain.pem" --host localhost $CA $J
ids_are "expired leaf: expired on 2021-01-01" 'ids(j) == ["expired"] and "2021-01-01" in j["findings"][0]["summary"]'
tp_expect_exit "not yet valid" 1 "$TLSPROBE" check --chain "$PKI/notyet-fullchain.pem" --host localhost $CA $J
ids_are "not yet valid: not-yet-valid" 'ids(j) == ["not-yet-valid"]'
tp_expect_exit "wrong host" 1 "$TLSPROBE" check --chain "$PKI/wronghost-fullchain.pem" --host localhost $CA $J
ids_are "wrong host: hostname-mismatch" 'ids(j) == ["hostname-mismatch"] and "other.test" in j["findings"][0]["summary"]'
tp_expect_exit "cn only" 1 "$TLSPROBE" check --chain "$PKI/cnonly-fullchain.pem" --host localhost $CA $J
ids_are "cn only: cn-only, not hostname-mismatch" 'ids(j) == ["cn-only"]'
tp_expect_exit "clientAuth-only leaf" 1 "$TLSPROBE" check --chain "$PKI/noserverauth-fullchain.pem" --host localhost $CA $J
ids_are "clientAuth-only leaf: wrong-key-usage" 'ids(j) == ["wrong-key-usage"]'
tp_expect_exit "RSA 1024 leaf" 1 "$TLSPROBE" check --chain "$PKI/weakkey-fullchain.pem" --host localhost $CA $J
ids_are "RSA 1024: weak-key" 'ids(j) == ["weak-key"] and "1024" in j["findings"][0]["summary"]'
tp_expect_exit "SHA-1 leaf" 1 "$TLSPROBE" check --chain "$PKI/sha1-fullchain.pem" --host localhost $CA $J
ids_are "SHA-1: weak-signature" 'ids(j) == ["weak-signature"]'
tp_expect_exit "self-signed" 1 "$TLSPROBE" check --chain "$PKI/selfsigned.pem" --key "$PKI/selfsigned.key" --host localhost $CA $J
ids_are "self-signed: self-signed only" 'ids(j) == ["self-signed"]'
tp_expect_exit "rogue CA" 1 "$TLSPROBE" check --chain "$PKI/rogue-leaf.pem" --host localhost $CA $J
ids_are "rogue CA: unknown-authority only" 'ids(j) == ["unknown-authority"]'

# Expiring in 10 days: a fresh leaf signed by the fixture intermediate.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TP_TMP/soon.key" \
    -subj /CN=localhost -out "$TP_TMP/soon.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n' >"$TP_TMP/soon.ext"
openssl x509 -req -in "$TP_TMP/soon.csr" -CA "$PKI/int.pem" -CAkey "$PKI/int.key" -days 10 \
    -extfile "$TP_TMP/soon.ext" -out "$TP_TMP/soon.pem" 2>/dev/null
cat "$TP_TMP/soon.pem" "$PKI/int.pem" >"$TP_TMP/soon-fullchain.pem"
tp_expect_exit "expiring in 10 days (warning)" 0 "$TLSPROBE" check --chain "$TP_TMP/soon-fullchain.pem" --key "$TP_TMP/soon.key" --host localhost $CA $J
ids_are "expiring soon: expiring-soon warning with a renew date" 'ids(j) == ["expiring-soon"] and j["findings"][0]["severity"] == "warning" and "Renew" in j["findings"][0]["fix"]'

# --at: validate as of another time (the fixture chain runs 2026-11-22 .. 2046-11-17).
tp_expect_exit "--at after the leaf's notAfter" 1 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --host localhost $CA $J --at 2046-11-18T00:00:00+01:00
ids_are "--at: expired, verdict not valid (expired), at echoed in UTC" 'ids(j) == ["expired"] and j["server_verification"]["valid"] is False and j["server_verification"]["reject"] == "expired" and j["server_verification"]["at"] == "2046-11-17T23:00:00Z"'
tp_expect_exit "--at before the notyet leaf's notBefore" 1 "$TLSPROBE" check --chain "$PKI/notyet-fullchain.pem" --host localhost $CA $J --at @2208902400
ids_are "--at @N (2039-12-31T00:00:00Z): not-yet-valid" 'ids(j) == ["not-yet-valid"] and j["server_verification"]["reject"] == "not-yet-valid"'
tp_expect_exit "--at inside the notyet leaf's validity" 0 "$TLSPROBE" check --chain "$PKI/notyet-fullchain.pem" --host localhost $CA --at 2041-01-01T00:00:00Z
grep -q "^verdict valid at 2041-01-01T00:00:00Z" "$TP_OUT"; tp_check "--at: text verdict valid" $?
grep -q "2045-01-01 (1461 days left)" "$TP_OUT"; tp_check "--at: days left counted from --at" $?
tp_expect_exit "good chain, verdict line" 0 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --host localhost $CA
grep -q "^verdict valid$" "$TP_OUT"; tp_check "good: text 'verdict valid'" $?
tp_expect_exit "--host IP in the SAN" 0 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --host 127.0.0.1 $CA $J
ids_are "--host IP: valid, reject null, purpose server, at null" 'j["server_verification"]["valid"] is True and j["server_verification"]["reject"] is None and j["server_verification"]["purpose"] == "server" and j["server_verification"]["at"] is None'
tp_expect_exit "--host IPv6 in the SAN" 0 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --host ::1 $CA $J
tp_expect_exit "--host IP not in the SAN" 1 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --host 10.9.9.9 $CA $J
ids_are "--host IP not in the SAN: not valid (hostname-mismatch)" 'ids(j) == ["hostname-mismatch"] and j["server_verification"]["valid"] is False and j["server_verification"]["reject"] == "hostname-mismatch"'
# --purpose: a clientAuth-only certificate is fine as a client certificate.
tp_expect_exit "client cert as server" 1 "$TLSPROBE" check --chain "$PKI/client-fullchain.pem" $CA $J
ids_are "client cert as server: wrong-key-usage, not valid" '"wrong-key-usage" in ids(j) and j["server_verification"]["valid"] is False'
tp_expect_exit "client cert as client (no SAN, no name checked: fine)" 0 "$TLSPROBE" check --chain "$PKI/client-fullchain.pem" $CA $J --purpose client
ids_are "--purpose client: no wrong-key-usage, valid" '"wrong-key-usage" not in ids(j) and j["client_verification"]["valid"] is True and j["client_verification"]["reject"] is None and j["client_verification"]["purpose"] == "client"'
tp_expect_exit "bad --at" 2 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --at 2023-02-29T00:00:00Z
[ "$(wc -l <"$TP_ERR")" = 1 ] && grep -q "check: --at: cannot read '2023-02-29T00:00:00Z'" "$TP_ERR"; tp_check "bad --at: one line naming the value" $?
tp_expect_exit "bad --purpose" 2 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --purpose email
tp_expect_exit "bad --at on connect" 2 "$TLSPROBE" connect 127.0.0.1:1 --at yesterday
grep -q "connect: --at: cannot read 'yesterday'" "$TP_ERR"; tp_check "connect: bad --at message" $?
tp_expect_exit "bad --at on pcap" 2 "$TLSPROBE" pcap "$TP_TMP/none.pcap" --at 2024-01-01
tp_expect_exit "bad --at on listen" 2 "$TLSPROBE" listen 0 --cert "$PKI/good.pem" --key "$PKI/good.key" --at 2024-13-01T00:00:00Z

# Bad input: one line on stderr, exit 2.
tp_expect_exit "missing --chain" 2 "$TLSPROBE" check --host localhost
tp_expect_exit "unreadable chain" 2 "$TLSPROBE" check --chain "$TP_TMP/nope.pem"
[ "$(wc -l <"$TP_ERR")" = 1 ]; tp_check "unreadable chain: one line on stderr" $?
tp_expect_exit "garbage chain" 2 "$TLSPROBE" check --chain "$TP_FIXTURES/files/garbage.pem"
tp_expect_exit "empty chain" 2 "$TLSPROBE" check --chain "$TP_FIXTURES/files/empty.pem"
tp_expect_exit "key only as chain" 2 "$TLSPROBE" check --chain "$PKI/good.key"
tp_expect_exit "encrypted key" 2 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --key "$TP_FIXTURES/files/encrypted.key"
tp_expect_exit "bad cafile" 2 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --cafile "$TP_TMP/nope.pem"
tp_expect_exit "unknown option" 2 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" --bogus
tp_expect_exit "save-chain to an unwritable path" 2 "$TLSPROBE" check --chain "$PKI/good-fullchain.pem" $CA --save-chain "$TP_TMP/no/such/dir/x.pem"
tp_expect_exit "help" 0 "$TLSPROBE" check --help
grep -q -- "--save-chain" "$TP_OUT"; tp_check "help lists --save-chain" $?

tp_finish
