#!/usr/bin/env bash
# tests/conformance/limbo.py itself, without the x509-limbo data: a small limbo
# file made from fixtures/pki with one testcase per outcome (agree, false accept,
# false reject, error, skipped, CLIENT), then the runner's classification, its
# disagreement list, --subset, --known (regression -> exit 1; ids that now agree are
# listed), --write-known round trip, and the skip exit 77 when the file is missing.
. "$(dirname "$0")/lib.sh"
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
RUNNER="$TP_SRC/tests/conformance/limbo.py"
L=$TP_TMP/limbo.json

"$PY" - "$PKI" "$L" <<'EOF'
import json, sys
pki, out = sys.argv[1], sys.argv[2]
def pem(n): return open("%s/%s.pem" % (pki, n)).read()
def tc(id, expected, peer="good", inter=("int",), host="localhost", kind="DNS", when="2030-01-01T00:00:00+00:00",
       vk="SERVER", features=(), crls=(), eku=()):
    return {"id": id, "features": list(features), "validation_kind": vk, "trusted_certs": [pem("root")],
            "untrusted_intermediates": [pem(i) for i in inter], "peer_certificate": peer if "BEGIN" in peer else pem(peer),
            "validation_time": when, "expected_peer_name": {"kind": kind, "value": host} if host else None,
            "expected_result": expected, "extended_key_usage": list(eku), "key_usage": [], "signature_algorithms": [],
            "max_chain_depth": None, "crls": list(crls), "expected_peer_names": [], "description": ""}
cases = [
    tc("fix::good::dns", "SUCCESS"),
    tc("fix::good::ip", "SUCCESS", host="127.0.0.1", kind="IP"),
    tc("fix::good::no-time", "SUCCESS", when=None),
    tc("fix::expired::late", "FAILURE", when="2047-01-01T00:00:00Z"),
    tc("fix::wrong-name", "FAILURE", host="other.test"),
    tc("fix::deliberate::false-accept", "FAILURE"),
    tc("fix::deliberate::false-reject", "SUCCESS", host="other.test"),
    tc("fix::malformed", "FAILURE", inter=(),
       peer="-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n"),
    tc("fix::crl", "FAILURE", features=["has-crl"]),
    tc("fix::client", "SUCCESS", peer="client", host=None, vk="CLIENT", eku=["clientAuth"]),
    tc("fix::client-as-server", "FAILURE", peer="client"),
]
json.dump({"version": 1, "testcases": cases}, open(out, "w"))
EOF
tp_check "made a fixture limbo file" $?

R() { "$PY" "$RUNNER" --tlsprobe "$TLSPROBE" --limbo "$L" --jobs 2 "$@"; }

tp_expect_exit "runner on the fixture file (no --known: exit 0)" 0 R --json --list-disagreements "$TP_TMP/dis.tsv"
tp_json "classification: 7 agree, 1 false accept, 1 false reject, 1 error, 1 skipped" "$TP_OUT" \
  'j["total"] == {"agree": 7, "false-accept": 1, "false-reject": 1, "error": 1, "run": 10, "skipped": 1, "agreement_pct": 70.0}'
tp_json "families to the second '::', features counted" "$TP_OUT" \
  'j["families"]["fix::deliberate"]["run"] == 2 and j["families"]["fix::good"]["agree"] == 3 and j["features"]["has-crl"]["skipped"] == 1 and j["top_families"]["fix"]["run"] == 10'
tp_json "skip reason counted; error kind names the exit" "$TP_OUT" \
  'list(j["skipped"].values()) == [1] and "CRL" in list(j["skipped"])[0] and list(j["errors"])[0].startswith("exit 2")'
printf 'fix::deliberate::false-accept\tFAILURE\tSUCCESS\t-\nfix::deliberate::false-reject\tSUCCESS\tFAILURE\thostname-mismatch\n' >"$TP_TMP/want.tsv"
grep -v '^fix::malformed' "$TP_TMP/dis.tsv" | cmp -s - "$TP_TMP/want.tsv"
tp_check "--list-disagreements: id, expected, got, reject id" $?
grep -q $'^fix::malformed\tFAILURE\tERROR\texit 2: ' "$TP_TMP/dis.tsv"
tp_check "--list-disagreements: the error, with its message" $?

tp_expect_exit "text tables" 0 R
grep -q '^| all | 10 | 7 | 1 | 1 | 1 | 70.0 % | 1 |$' "$TP_OUT"; tp_check "text: totals row" $?
grep -q '^slowest: ' "$TP_OUT"; tp_check "text: slowest line" $?

printf 'fix::good::dns\nfix::deliberate::false-accept  # a comment\n\n# only a comment\n' >"$TP_TMP/subset.txt"
tp_expect_exit "--subset" 0 R --subset "$TP_TMP/subset.txt" --json
tp_json "--subset: only the listed ids" "$TP_OUT" 'j["testcases"] == 2 and j["total"]["agree"] == 1 and j["total"]["false-accept"] == 1'

tp_expect_exit "--write-known" 0 R --write-known "$TP_TMP/known.txt"
[ "$(grep -c '^fix::' "$TP_TMP/known.txt")" = 3 ] && grep -q '^fix::deliberate::false-reject  # false reject: expected SUCCESS, rejected (hostname-mismatch)$' "$TP_TMP/known.txt"
tp_check "--write-known: the three disagreements with reasons" $?
tp_expect_exit "--known with the list just written: exit 0" 0 R --known "$TP_TMP/known.txt"
grep -v 'false-accept' "$TP_TMP/known.txt" >"$TP_TMP/known-short.txt"
echo "fix::good::dns  # once disagreed" >>"$TP_TMP/known-short.txt"
tp_expect_exit "--known without one disagreement: a regression, exit 1" 1 R --known "$TP_TMP/known-short.txt"
grep -q "^REGRESSION fix::deliberate::false-accept: expected FAILURE, got SUCCESS" "$TP_ERR"
tp_check "--known: the regression is named" $?
grep -q "now agree" "$TP_ERR" && grep -q "^  fix::good::dns$" "$TP_ERR"
tp_check "--known: an id that now agrees is listed for removal" $?

tp_expect_exit "missing limbo file: exit 2" 2 "$PY" "$RUNNER" --tlsprobe "$TLSPROBE" --limbo "$TP_TMP/none.json.gz"
tp_expect_exit "missing limbo file with --skip-if-missing: exit 77" 77 "$PY" "$RUNNER" --tlsprobe "$TLSPROBE" \
  --limbo "$TP_TMP/none.json.gz" --skip-if-missing
grep -q "^SKIP: limbo testcases not found" "$TP_OUT"; tp_check "skip: says why" $?

gzip -k "$L"
tp_expect_exit "reads .json.gz" 0 "$PY" "$RUNNER" --tlsprobe "$TLSPROBE" --limbo "$L.gz" --jobs 1 --json
tp_json ".json.gz: same totals" "$TP_OUT" 'j["total"]["agree"] == 7 and j["jobs"] == 1'

tp_finish
