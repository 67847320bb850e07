#!/usr/bin/env bash
# tlsprobe demo: every scenario runs offline (in a network namespace with only
# loopback when the kernel allows it), reports exactly its finding id in JSON,
# exits 0, and leaves no file behind; --list, --keep, text and mermaid output.
set -euo pipefail
: "${TLSPROBE:?TLSPROBE must point at the binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# The system interpreter: a pyenv shim costs seconds per start on a loaded machine.
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# Offline: run inside a fresh network namespace (only lo) when possible.
RUN=()
if unshare -rn ip link set lo up 2>/dev/null; then
  RUN=(unshare -rn sh -c 'ip link set lo up && exec "$@"' sh)
elif unshare -rn true 2>/dev/null; then
  RUN=(unshare -rn)   # lo may be down: the demo must still work on 127.0.0.1
fi
echo "offline wrapper: ${RUN[*]:-none (no user namespaces)}"
run() { TMPDIR="$T/tmp" timeout 60 "${RUN[@]}" "$TLSPROBE" "$@"; }
mkdir -p "$T/tmp"

# --list names every scenario, one line each.
"$TLSPROBE" demo --list > "$T/list"
SCENARIOS="good unknown-authority missing-intermediate hostname-mismatch cn-only expired client-cert-required version-mismatch name-constraint"
for s in $SCENARIOS; do
  grep -q "^  $s " "$T/list" || fail "--list does not name $s"
done
[ "$(wc -l < "$T/list")" -eq 9 ] || fail "--list: expected 9 lines"

declare -A WANT=(
  [good]=""
  [unknown-authority]=unknown-authority
  [missing-intermediate]=missing-intermediate
  [hostname-mismatch]=hostname-mismatch
  [cn-only]=cn-only
  [expired]=expired
  [client-cert-required]=client-cert-required
  [version-mismatch]=protocol-version-mismatch
  [name-constraint]=name-constraint-violation
)
ALL_IDS="unknown-authority missing-intermediate hostname-mismatch cn-only expired client-cert-required protocol-version-mismatch self-signed name-constraint-violation"

for s in $SCENARIOS; do
  rc=0
  run demo "$s" --format json > "$T/$s.json" 2> "$T/$s.err" || rc=$?
  [ "$rc" -eq 0 ] || { cat "$T/$s.err" >&2; fail "demo $s exited $rc"; }
  [ "$(wc -l < "$T/$s.json")" -eq 1 ] || fail "demo $s: expected one JSON line"
done
ARGS=()
for s in $SCENARIOS; do ARGS+=("$T/$s.json" "$s" "${WANT[$s]:--}"); done
"$PY" - "$ALL_IDS" "${ARGS[@]}" <<'EOF' || fail "wrong findings"
import json, sys
all_ids = sys.argv[1].split()
args = sys.argv[2:]
for k in range(0, len(args), 3):
    path, name, want = args[k], args[k + 1], args[k + 2]
    want = "" if want == "-" else want
    d = json.load(open(path))
    ids = [f["id"] for f in d["findings"]]
    errors = [f["id"] for f in d["findings"] if f["severity"] == "error"]
    assert d["source"] == "demo" and d["scenario"] == name, (d["source"], d["scenario"])
    assert d["server_name"] == "localhost", d["server_name"]
    assert d["server"].startswith("127.0.0.1:"), d["server"]
    if not want:
        assert d["handshake_complete"] is True, "good: handshake not complete"
        assert d["version"] == "TLS 1.3", d["version"]
        assert not errors, f"good: error findings {errors}"
        types = [m["type"] for m in d["messages"]]
        for t in ["ClientHello", "ServerHello", "EncryptedExtensions", "Certificate", "CertificateVerify", "Finished"]:
            assert t in types, f"good: no {t} in {types}"
        assert len(d["certificates"]) == 2, "good: the server sends leaf + intermediate"
    else:
        assert want in ids, f"{name}: {want} not in {ids}"
        others = [i for i in ids if i in all_ids and i != want]
        assert not others, f"{name}: other scenarios' findings {others} besides {want}"
    print(f"{name}: {ids}")
EOF

# No files left behind: the temporary trust files are gone.
[ -z "$(ls -A "$T/tmp")" ] || fail "demo left files in TMPDIR: $(ls -A "$T/tmp")"

# Text: explained by default, says the finding is on purpose.
run demo expired > "$T/expired.txt"
tr '\n' ' ' < "$T/expired.txt" | grep "on purpose" > /dev/null || fail "text: no 'on purpose'"
grep -q "As designed" "$T/expired.txt" || fail "text: no 'As designed'"
grep -q "The client opens the conversation" "$T/expired.txt" || fail "text: no explanation"
grep -q "expired" "$T/expired.txt" || fail "text: no finding"
if grep -q $'\033' "$T/expired.txt"; then fail "text: colour codes when not a terminal"; fi
run demo good --brief > "$T/brief.txt"
if grep -q "The client opens the conversation" "$T/brief.txt"; then fail "--brief still explains"; fi

# Mermaid.
run demo hostname-mismatch --format mermaid > "$T/m.txt"
head -1 "$T/m.txt" | grep -x sequenceDiagram > /dev/null || fail "mermaid: first line"
grep -q "participant C as Client" "$T/m.txt" || fail "mermaid: participants"
grep -q "encrypts from here on" "$T/m.txt" || fail "mermaid: encryption note"

# --keep DIR: the lab PKI as PEM files with a README, a working minica.
run demo good --keep "$T/lab" --format json > /dev/null
for f in README.md root.pem root.key intermediate.pem intermediate.key server.pem server.key server.csr fullchain.pem chain.pem client.pem client.key; do
  [ -s "$T/lab/$f" ] || fail "--keep: $f missing"
done
openssl verify -CAfile "$T/lab/root.pem" -untrusted "$T/lab/chain.pem" "$T/lab/server.pem" > /dev/null || fail "--keep: chain does not verify"
if openssl verify -CAfile "$T/lab/root.pem" -untrusted "$T/lab/chain.pem" "$T/lab/expired.pem" > /dev/null 2>&1; then
  fail "--keep: expired.pem verifies"
fi
openssl x509 -in "$T/lab/server.pem" -noout -checkend 86400 > /dev/null || fail "--keep: server.pem not valid tomorrow"
openssl req -in "$T/lab/server.csr" -noout -verify > /dev/null 2>&1 || fail "--keep: server.csr does not verify"
"$TLSPROBE" inspect "$T/lab/server.csr" "$T/lab/server.key" "$T/lab/fullchain.pem" > "$T/inspect.txt" \
  || fail "--keep: inspect does not read the lab files"
grep -q "certificate signing request" "$T/inspect.txt" || fail "--keep: server.csr not seen as a CSR"

# Bad input: one line on stderr, exit 2.
rc=0; "$TLSPROBE" demo no-such-scenario > /dev/null 2> "$T/bad.err" || rc=$?
[ "$rc" -eq 2 ] || fail "unknown scenario: exit $rc"
[ "$(wc -l < "$T/bad.err")" -eq 1 ] || fail "unknown scenario: not one line"
rc=0; "$TLSPROBE" demo --timeout -1 > /dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "bad --timeout: exit $rc"
rc=0; "$TLSPROBE" demo good expired > /dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "two scenarios: exit $rc"
echo "ok"
