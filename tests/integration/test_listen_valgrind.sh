#!/usr/bin/env bash
# `listen` under Valgrind memcheck (issue 8 point 2; connect has
# test_connect_valgrind.sh, pcap is checked at the end of test_pcap_fixtures.sh):
# a listener serving a good TLS 1.3 client, a TLS 1.2 client and a client that
# rejects our certificate. No invalid reads or writes, no definite leaks.
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null; then
    echo "# valgrind not installed: skipped"
    exit 0
fi
if nm "$TLSPROBE" 2>/dev/null | grep -q __asan_init; then
    echo "# $TLSPROBE is built with AddressSanitizer: memcheck skipped (ASan covers this run)"
    exit 0
fi
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-fds=no)

no_report() { # NAME FILE
    if grep -q "==[0-9]*==" "$2"; then
        tp_check "valgrind: $1: no memcheck report" 1
        grep "==[0-9]*==" "$2" | head -30 >&2
    else
        tp_check "valgrind: $1: no memcheck report" 0
    fi
}

# ---- listen ----
LOUT=$TP_TMP/listen.out
LERR=$TP_TMP/listen.err
tp_bg timeout 120 "${VG[@]}" "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
    --format json --timeout 20 --count 3 >"$LOUT" 2>"$LERR"
LPID=$TP_BG_PID
LPORT=
for _ in $(seq 1500); do
    LPORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$LERR")
    [ -n "$LPORT" ] && break
    sleep 0.02
done
tp_check "valgrind listen: started" "$([ -n "$LPORT" ] && echo 0 || echo 1)"
if [ -n "$LPORT" ]; then
    timeout 30 openssl s_client -connect "127.0.0.1:$LPORT" -tls1_3 -servername localhost \
        -CAfile "$PKI/root.pem" </dev/null >/dev/null 2>&1
    timeout 30 openssl s_client -connect "127.0.0.1:$LPORT" -tls1_2 -servername localhost \
        -CAfile "$PKI/root.pem" </dev/null >/dev/null 2>&1
    timeout 30 openssl s_client -connect "127.0.0.1:$LPORT" -tls1_3 -servername localhost \
        -CAfile "$PKI/rogue.pem" -verify_return_error </dev/null >/dev/null 2>&1
    wait "$LPID"
    rc=$?
    tp_check "valgrind listen: exit 1 (one client rejected us), not 99 (got $rc)" "$([ $rc = 1 ] && echo 0 || echo 1)"
    tp_check "valgrind listen: three sessions reported" "$([ "$(wc -l <"$LOUT")" -ge 3 ] && echo 0 || echo 1)"
    no_report "listen" "$LERR"
fi
tp_finish
