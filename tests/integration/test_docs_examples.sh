#!/usr/bin/env bash
# Every example in README.md, docs/*.md and the man page's EXAMPLES runs (issue
# 17), in a sandbox holding the files the examples name, with every host name of
# the examples pointed at a local openssl s_server that serves the lab PKI of
# 'tlsprobe demo --keep'; documented outputs are compared (docs_examples.py).
# TP_UPDATE_DOCS=1 rewrites the documented outputs instead.
. "$(dirname "$0")/lib.sh"

BOX=$TP_TMP/box
mkdir -p "$BOX"
cd "$BOX"
"$TLSPROBE" demo --keep lab good > /dev/null || { echo "FAIL: demo --keep"; exit 1; }
cp "$PKI/good-fullchain.pem" fullchain.pem
cp "$PKI/good.pem" cert.pem
cp "$PKI/int.pem" chain.pem
cp "$PKI/good.key" privkey.pem
cp "$PKI/good.key" server.key
cp "$PKI/good.key" key.pem
cp "$PKI/good-fullchain.pem" c.pem
cp "$PKI/good.key" k.pem
cp "$PKI/root.pem" clients.pem
cp "$PKI/root.pem" root.pem
cp lab/root.pem corp-root.pem
cp "$PKI/good-fullchain.pem" www-fullchain.pem
cp "$PKI/good.key" www.key
openssl req -new -key www.key -subj /CN=www.example.com -out www.csr 2>/dev/null
cp "$PKI/good.pem" server.crt
openssl pkcs12 -export -in "$PKI/good-fullchain.pem" -inkey "$PKI/good.key" -name www -passout pass:secret \
  -out client.p12 2>/dev/null
C=$TP_FIXTURES/captures
cp "$C/tls13-dsb.pcapng" trace.pcapng
cp "$C/tls13-good.pcap" trace.pcap
cp "$C/tls13-good.keylog" keys.log
cp "$C/tls12-good.pcap" a.pcap
cp "$C/tls13-dsb.pcapng" b.pcapng

# The lab server for every host of the examples; stdin held open (a FIFO),
# else s_server closes each connection at once.
mkfifo "$TP_TMP/in"
exec 7<> "$TP_TMP/in"
PORT=$(tp_free_port)
timeout 120 openssl s_server -accept "127.0.0.1:$PORT" -quiet -cert lab/server.pem -key lab/server.key \
  -cert_chain lab/chain.pem < "$TP_TMP/in" > "$TP_TMP/srv.log" 2>&1 &
TP_PIDS+=("$!")
tp_wait_listen "$PORT" 5 || { echo "FAIL: s_server"; exit 1; }

# The fleet of the `connect --targets` examples: the lab server, twice.
printf '# host[:port] [servername]\n127.0.0.1:%s\n127.0.0.1:%s\n' "$PORT" "$PORT" > fleet.txt

PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
"$PY" "$TP_SRC/tests/integration/docs_examples.py" "$TP_SRC" "$BOX" "$TLSPROBE" "$PORT" \
  ${TP_UPDATE_DOCS:+--update}
rc=$?
[ "$rc" = 0 ] || exit 1

# The check can fail: an example with an option that does not exist, and a
# documented output that is not what the binary prints.
FAKE=$TP_TMP/fake
mkdir -p "$FAKE/docs" "$FAKE/man"
printf '# x\n\n```sh\ntlsprobe connect example.com --no-such-option\n```\n' > "$FAKE/README.md"
printf '```\n$ tlsprobe explain -188 --format json\n{"source":"explain","matched":false}\n```\n' > "$FAKE/docs/x.md"
printf '.TH X 1\n.SH EXAMPLES\n.nf\ntlsprobe demo \\-\\-list\n.fi\n' > "$FAKE/man/tlsprobe.1"
if "$PY" "$TP_SRC/tests/integration/docs_examples.py" "$FAKE" "$BOX" "$TLSPROBE" "$PORT" > "$TP_TMP/fake.out"; then
  echo "FAIL: broken examples went unnoticed"; cat "$TP_TMP/fake.out"; exit 1
fi
grep -q "README.md:4: tlsprobe connect example.com --no-such-option" "$TP_TMP/fake.out" &&
  grep -q "docs/x.md:2: tlsprobe explain -188 --format json" "$TP_TMP/fake.out" &&
  grep -q "documented output differs" "$TP_TMP/fake.out" &&
  grep -q "^ok   man/tlsprobe.1:4: tlsprobe demo --list" "$TP_TMP/fake.out" ||
  { echo "FAIL: the self-check did not say what it should:"; cat "$TP_TMP/fake.out"; exit 1; }
echo "ok   the example check catches a bad option and a stale output"
