#!/usr/bin/env bash
# Nothing a user types is silently ignored, and the GNU conventions hold for every
# command. Every command is run with every option it does not take (the union of
# all commands' --help, which their option tables make) and must exit 2 with one
# line on stderr; bad values, missing values and values given to flags too.
set -euo pipefail
: "${TLSPROBE:?TLSPROBE must point at the binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

COMMANDS=$("$TLSPROBE" --help | awk 'done{next} /^commands:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{done=1}')
[ -n "$COMMANDS" ] || fail "no commands in tlsprobe --help"

# "NAME VALUE?" per option of a command, from the options block of its --help.
opts_of() {
  "$TLSPROBE" "$1" --help | awk 'done{next} /^options:/{f=1;next} f&&/^$/{done=1;next} f&&/^  -/{print}' |
    sed -E 's/^  (-[a-zA-Z], )?//; s/ {2,}.*//'
}
: > "$T/all"
for c in $COMMANDS; do
  opts_of "$c" > "$T/$c.opts"
  [ -s "$T/$c.opts" ] || fail "$c: no options in --help"
  cat "$T/$c.opts" >> "$T/all"
done
sort -u -k1,1 "$T/all" > "$T/union"

# Exit 2, exactly one line on stderr, nothing on stdout.
expect_usage() { # LABEL ARGS...
  local label=$1; shift
  local rc=0
  timeout 20 "$TLSPROBE" "$@" > "$T/out" 2> "$T/err" < /dev/null || rc=$?
  [ "$rc" = 2 ] || fail "$label: exit $rc, not 2 (tlsprobe $*): $(cat "$T/err")"
  [ "$(wc -l < "$T/err")" = 1 ] || fail "$label: stderr is not one line: $(cat "$T/err")"
  [ ! -s "$T/out" ] || fail "$label: printed on stdout: $(head -c 200 "$T/out")"
}

n=0
for c in $COMMANDS; do
  while read -r name value; do
    if ! awk '{print $1}' "$T/$c.opts" | grep -xF -- "$name" > /dev/null; then
      if [ -n "${value:-}" ]; then
        expect_usage "$c refuses $name" "$c" "$name" x
        expect_usage "$c refuses $name=x" "$c" "$name=x"
      else
        expect_usage "$c refuses $name" "$c" "$name"
      fi
      grep -q "is not an option of $c" "$T/err" || fail "$c $name: message does not say so: $(cat "$T/err")"
      n=$((n + 1))
    fi
  done < "$T/union"
  # Unknown to every command; a flag given a value; a value option without one.
  expect_usage "$c --no-such-option" "$c" --no-such-option
  grep -q "unknown option '--no-such-option'" "$T/err" || fail "$c: $(cat "$T/err")"
  expect_usage "$c --help=x" "$c" --help=x
  last=$(awk '$2!="" {print $1}' "$T/$c.opts" | head -1)
  expect_usage "$c $last (no value)" "$c" "$last"
  # --format: exactly the values its --help names.
  fv=$(awk '$1=="--format"{print $2}' "$T/$c.opts")
  for f in text json mermaid yaml; do
    case "|$fv|" in *"|$f|"*) continue ;; esac
    expect_usage "$c --format $f" "$c" --format "$f"
    expect_usage "$c --format=$f" "$c" "--format=$f"
  done
done
echo "refused: $n options not taken by their command"
[ "$n" -ge 40 ] || fail "only $n refusals tested: the option lists look wrong"

# Bad values -> one line, exit 2.
expect_usage "connect --timeout 0" connect 127.0.0.1:1 --timeout 0
expect_usage "connect --timeout=abc" connect 127.0.0.1:1 --timeout=abc
expect_usage "listen --count -1" listen 0 --cert a --key b --count -1
expect_usage "pcap --session 0" pcap x.pcap --session 0
expect_usage "pcap --max-flows 1" pcap x.pcap --max-flows=1
expect_usage "demo --timeout x" demo --timeout x
# Two targets are a run of several (test_targets_many.sh); what only one target can take is refused.
expect_usage "connect two targets with --write-pcap" connect a.example b.example --write-pcap x.pcap
expect_usage "connect -j 0" connect a.example b.example -j 0

# Options anywhere, --opt=value, '--', spaces and '-' are operands.
out=$("$TLSPROBE" explain 'x509: certificate signed by unknown authority' --format json)
case "$out" in '{"schema_version":2,"type":"explain","source":"explain",'*'"matched":true'*) ;; *) fail "explain MSG --format json: $out" ;; esac
out=$("$TLSPROBE" explain --format=json 'x509: certificate signed by unknown authority')
case "$out" in '{"schema_version":2,"type":"explain","source":"explain"'*) ;; *) fail "explain --format=json MSG: $out" ;; esac
out=$("$TLSPROBE" explain '- Status: The certificate is NOT trusted. The certificate issuer is unknown.' --format json)
case "$out" in '{"schema_version":2,"type":"explain","source":"explain"'*) ;; *) fail "a gnutls line is a message: $out" ;; esac
out=$("$TLSPROBE" explain --format json -- --format text)
case "$out" in *'"matched":false'*) ;; *) fail "-- ends the options: $out" ;; esac
out=$(echo 'x509: certificate signed by unknown authority' | "$TLSPROBE" explain - --format json)
case "$out" in *'"matched":true'*) ;; *) fail "explain - reads stdin: $out" ;; esac
"$TLSPROBE" inspect --help | grep '^options:' > /dev/null || fail "inspect --help"
"$TLSPROBE" connect --help=x 2>/dev/null && fail "--help=x accepted"
echo ok
