#!/usr/bin/env bash
# tlsprobe connect: bad local input ends in one clear line on stderr and exit 2,
# before any connection (a listener counts connections: it must see none).
. "$(dirname "$0")/lib.sh"

# a listener that counts accepted connections
CNT=$TP_TMP/count
PF=$TP_TMP/port
tp_bg timeout 30 python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
n = 0
while True:
    c, _ = s.accept(); n += 1; c.close()
    open(sys.argv[2], "w").write(str(n))
' "$PF" "$CNT"
for _ in $(seq 100); do [ -s "$PF" ] && break; sleep 0.05; done
P=$(cat "$PF")
T=127.0.0.1:$P

bad() { # bad NAME PATTERN ARGS... : exit 2, exactly one stderr line matching PATTERN, no stdout
    local name=$1 pat=$2
    shift 2
    tp_expect_exit "$name" 2 "$TLSPROBE" connect "$@"
    local lines
    lines=$(wc -l <"$TP_ERR")
    tp_check "$name: one line on stderr ($lines)" "$([ "$lines" = 1 ] && echo 0 || echo 1)"
    grep -qiE -- "$pat" "$TP_ERR"
    tp_check "$name: says '$pat'" $?
    tp_check "$name: nothing on stdout" "$([ -s "$TP_OUT" ] && echo 1 || echo 0)"
}

echo "not a certificate" >"$TP_TMP/garbage.pem"
bad "unreadable --cafile" "no-such-file" "$T" --cafile "$TP_TMP/no-such-file.pem"
bad "--cafile not PEM" "garbage|certificate" "$T" --cafile "$TP_TMP/garbage.pem"
bad "unreadable --cert" "no-such-cert" "$T" --cert "$TP_TMP/no-such-cert.pem" --key "$PKI/client.key"
bad "--cert not a certificate" "certificate" "$T" --cert "$TP_TMP/garbage.pem" --key "$PKI/client.key"
bad "--key not a key" "key" "$T" --cert "$PKI/client.pem" --key "$TP_TMP/garbage.pem"
bad "key does not match cert" "does not match" "$T" --cert "$PKI/client.pem" --key "$PKI/good.key"
bad "--cert without --key" "--key" "$T" --cert "$PKI/client.pem"
bad "bad port" "port" "127.0.0.1:99999"
bad "port zero" "port" "127.0.0.1:0"
bad "non-numeric port" "port" "127.0.0.1:https"
bad "empty --alpn entry" "alpn" "$T" --alpn "h2,,http/1.1"
bad "bad --timeout" "timeout" "$T" --timeout abc
bad "negative --timeout" "timeout" "$T" --timeout -1
bad "--tls1.2 and --tls1.3" "exclude" "$T" --tls1.2 --tls1.3
bad "unknown option" "option" "$T" --frobnicate
bad "missing host" "HOST" --cafile "$PKI/root.pem"
bad "bad --format" "format" "$T" --format xml
bad "unwritable --write-pcap" "pcap|no-such-dir|directory" "$T" --write-pcap "$TP_TMP/no-such-dir/x.pcap"
bad "unwritable --keylog" "key log|no-such-dir" "$T" --keylog "$TP_TMP/no-such-dir/keys"

sleep 0.2
n=$(cat "$CNT" 2>/dev/null || echo 0)
tp_check "no connection was made for bad input (count $n)" "$([ "$n" = 0 ] && echo 0 || echo 1)"

tp_expect_exit "--help" 0 "$TLSPROBE" connect --help
grep -q -- "--write-pcap" "$TP_OUT"
tp_check "--help lists the options" $?

tp_finish
