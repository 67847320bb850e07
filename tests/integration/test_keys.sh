#!/usr/bin/env bash
# Keys of every kind (issue 17): RSA-PSS (and Ed25519) private keys are named,
# paired with their certificates by inspect, and accepted by check --key.
. "$(dirname "$0")/lib.sh"

openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out "$TP_TMP/pss.key" 2>/dev/null
openssl req -x509 -new -key "$TP_TMP/pss.key" -out "$TP_TMP/pss.pem" -days 90 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost" 2>/dev/null
# With restrictions in the key's parameters too (the certificate's SPKI carries them).
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_pss_keygen_md:sha256 \
  -pkeyopt rsa_pss_keygen_saltlen:32 -out "$TP_TMP/pss2.key" 2>/dev/null
openssl req -x509 -new -key "$TP_TMP/pss2.key" -out "$TP_TMP/pss2.pem" -days 90 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost" 2>/dev/null

for k in pss pss2; do
  tp_expect_exit "inspect $k.key + cert" 0 "$TLSPROBE" inspect "$TP_TMP/$k.key" "$TP_TMP/$k.pem" --format json
  tp_json "$k: named RSA-PSS 2048, paired with the certificate" "$TP_OUT" \
    'j["objects"][0]["key"] == "RSA-PSS 2048" and j["objects"][0]["matches"][0]["certificate"] == 1'
  COLUMNS=200 "$TLSPROBE" inspect "$TP_TMP/$k.key" "$TP_TMP/$k.pem" > "$TP_TMP/$k.txt"
  grep -q "key *RSA-PSS 2048" "$TP_TMP/$k.txt"; tp_check "$k: text says RSA-PSS 2048" $?
  grep -q "matches *certificate 1 in .*$k.pem" "$TP_TMP/$k.txt"; tp_check "$k: text pairs it" $?
  tp_expect_exit "check --key $k.key" 0 "$TLSPROBE" check --chain "$TP_TMP/$k.pem" --key "$TP_TMP/$k.key" \
    --cafile "$TP_TMP/$k.pem" --host localhost --format json
  tp_json "$k: key belongs to the leaf" "$TP_OUT" 'j["key_matches"] is True and "key-mismatch" not in ids(j)'
done
tp_expect_exit "check: a PSS key against another certificate" 1 "$TLSPROBE" check --chain "$TP_TMP/pss.pem" \
  --key "$TP_TMP/pss2.key" --cafile "$TP_TMP/pss.pem" --format json
tp_json "PSS key of another certificate: key-mismatch" "$TP_OUT" '"key-mismatch" in ids(j)'

tp_expect_exit "check --key ed25519" 0 "$TLSPROBE" check --chain "$PKI/ed25519-fullchain.pem" --key "$PKI/ed25519.key" \
  --cafile "$PKI/root.pem" --format json
tp_json "ed25519: key belongs to the leaf" "$TP_OUT" 'j["key_matches"] is True'
tp_finish
