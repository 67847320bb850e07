#!/usr/bin/env bash
# tlsprobe explain from the command line: known messages per stack give their ids
# and the next command with the host from the message; unknown text exits 0 and
# suggests connect; stdin; hostile text is escaped; usage errors exit 2.
. "$(dirname "$0")/lib.sh"
J="--format json"

ex() { # NAME WANT_ID WANT_NEXT MESSAGE
    tp_expect_exit "$1" 0 "$TLSPROBE" explain $J "$4"
    tp_json "$1: $2" "$TP_OUT" "j[\"matched\"] and j[\"findings\"][0][\"id\"] == \"$2\" and j[\"next\"] == \"$3\""
}
ex "Go unknown authority" unknown-authority "tlsprobe connect api.internal.example:8443" \
    'Get "https://api.internal.example:8443/v1": x509: certificate signed by unknown authority'
ex "Go name mismatch" hostname-mismatch "tlsprobe connect api.example.com:443" \
    'x509: certificate is valid for www.example.com, example.com, not api.example.com'
ex "OpenSSL verify 21" missing-intermediate "tlsprobe connect HOST:PORT" 'verify error:num=21:unable to verify the first certificate'
ex "curl 35 handshake failure" no-shared-cipher "tlsprobe connect HOST:PORT" 'curl: (35) error:0A000410:SSL routines::sslv3 alert handshake failure'
ex "Java PKIX" unknown-authority "tlsprobe connect HOST:PORT" \
    'javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target'
ex "Python hostname" hostname-mismatch "tlsprobe connect mail.example.org:443" \
    "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'mail.example.org'. (_ssl.c:1006)"
ex "Node leaf signature" missing-intermediate "tlsprobe connect HOST:PORT" "Error: unable to verify the first certificate code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'"
ex "Chrome authority" unknown-authority "tlsprobe connect HOST:PORT" 'NET::ERR_CERT_AUTHORITY_INVALID'
ex "wolfSSL -188" unknown-authority "tlsprobe connect HOST:PORT" 'wolfSSL_connect failed: -188'
ex "TLS 1.3 certificate required" client-cert-required "tlsprobe connect HOST:PORT --cert client.pem --key client.key" \
    'remote error: tls: certificate required'
ex "key mismatch" key-mismatch "tlsprobe check --chain cert.pem --key key.pem" 'error:05800074:x509 certificate routines::key values mismatch'

# Text output: stack, finding, fix and the next command.
tp_expect_exit "text output" 0 "$TLSPROBE" explain 'curl: (60) SSL certificate problem: unable to get local issuer certificate'
grep -q '^curl message' "$TP_OUT" && grep -q 'unknown-authority' "$TP_OUT" && grep -q 'fix:' "$TP_OUT" && grep -q 'tlsprobe connect' "$TP_OUT"
tp_check "text: stack, id, fix, next command" $?
awk 'length > 100 && !/docs\/errors.md/ { exit 1 }' "$TP_OUT"; tp_check "text: lines wrapped" $?

# Unquoted words are joined.
tp_expect_exit "unquoted words" 0 "$TLSPROBE" explain $J x509: certificate signed by unknown authority
tp_json "unquoted words: matched" "$TP_OUT" 'j["findings"][0]["id"] == "unknown-authority"'

# Unknown text: honest, exit 0, suggests connect.
tp_expect_exit "unknown message" 0 "$TLSPROBE" explain 'the printer is on fire'
grep -q "does not recognise" "$TP_OUT" && grep -q "tlsprobe connect" "$TP_OUT"; tp_check "unknown: says so, suggests connect" $?
tp_expect_exit "unknown message json" 0 "$TLSPROBE" explain $J 'the printer is on fire'
tp_json "unknown json: matched false, finding null" "$TP_OUT" 'j["matched"] is False and j["findings"] == [] and j["next"].startswith("tlsprobe connect")'

# Standard input (a pasted stack trace).
printf 'Traceback (most recent call last):\n  File "x.py", line 3\nrequests.exceptions.SSLError: HTTPSConnectionPool(host=%s, port=443): Max retries exceeded\n (Caused by SSLError(SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)")))\n' "'dev.example.test'" \
    | "$TLSPROBE" explain $J - >"$TP_TMP/stdin.json"
tp_check "stdin: exit 0" $?
tp_json "stdin: self-signed, host from the message" "$TP_TMP/stdin.json" 'j["findings"][0]["id"] == "self-signed" and j["host"] == "dev.example.test" and j["message_stack"] == "Python"'
head -c 200000 /dev/urandom | "$TLSPROBE" explain - >/dev/null 2>&1
tp_check "stdin: 200 KB of random bytes, exit 0" $?

# Hostile text is escaped in the output.
tp_expect_exit "escape sequences" 0 "$TLSPROBE" explain $'\x1b]0;pwned\x07 x509: certificate is valid for a, not evil\x1b[2J.example'
! grep -q $'\x1b' "$TP_OUT"; tp_check "escape sequences: no raw ESC in output" $?
tp_expect_exit "escape sequences, unknown" 0 "$TLSPROBE" explain $'\x1b[31mred\x1b[0m'
! grep -q $'\x1b' "$TP_OUT"; tp_check "escape sequences (unknown): no raw ESC in output" $?

# Usage errors.
tp_expect_exit "no message" 2 "$TLSPROBE" explain
tp_expect_exit "empty message" 2 "$TLSPROBE" explain "   "
tp_expect_exit "mermaid format" 2 "$TLSPROBE" explain --format mermaid "x"
tp_expect_exit "unknown option" 2 "$TLSPROBE" explain --bogus "x"
[ "$(wc -l <"$TP_ERR")" = 1 ]; tp_check "unknown option: one line on stderr" $?
tp_expect_exit "help" 0 "$TLSPROBE" explain --help

tp_finish
