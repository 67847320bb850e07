#!/usr/bin/env bash
# connect --proxy: TLS through an HTTP CONNECT proxy (issue 19 point 2), with
# real proxies from Debian:
#  1. tinyproxy (run unprivileged from a temp config, in the foreground, bounded
#     by timeout, stopped by PID): the tunnel to a local openssl s_server and a
#     verified handshake, the CONNECT exchange in text, JSON and mermaid;
#     BasicAuth: 407 without credentials, success with them (percent-decoded),
#     the password never in the output; ConnectPort: 403; the server down: 502/503;
#     HTTPS_PROXY from the environment, NO_PROXY and --noproxy bypass it,
#     --proxy '' turns it off; an unreachable proxy; a bad --proxy value exits 2;
#  2. mitmproxy (mitmdump, offline, its own CA "mitmproxy" in a temp confdir):
#     TLS inspection is named, with the fix; trusting its CA makes it go away.
. "$(dirname "$0")/lib.sh"
command -v tinyproxy >/dev/null || { echo "SKIP: tinyproxy not installed (scripts/deps.sh)"; exit 77; }
CA=(--cafile "$PKI/root.pem")

# a TLS server to reach through the proxies, for the whole test
TP_SRV_TIMEOUT=120 tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem"
SPORT=$TP_PORT

# tinyproxy CONF_EXTRA...: starts one on a free port; sets PX_PORT, PX_PID
tinyproxy_start() {
    local try
    for try in 1 2 3; do
        PX_PORT=$(tp_free_port)
        {
            echo "Port $PX_PORT"
            echo "Listen 127.0.0.1"
            echo "Timeout 5"
            echo "MaxClients 20"
            echo "LogLevel Info"
            printf '%s\n' "$@"
        } >"$TP_TMP/tinyproxy.conf"
        tp_bg timeout 60 tinyproxy -d -c "$TP_TMP/tinyproxy.conf" >>"$TP_TMP/tinyproxy.log" 2>&1
        PX_PID=$TP_BG_PID
        tp_wait_listen "$PX_PORT" 5 && return 0
        tp_kill "$PX_PID"
    done
    echo "FAIL: could not start tinyproxy" >&2
    cat "$TP_TMP/tinyproxy.log" >&2
    return 1
}

# ---- 1. tinyproxy, open ----
tinyproxy_start "ConnectPort $SPORT"
PX=http://127.0.0.1:$PX_PORT
tp_expect_exit "tunnel: verified handshake through the proxy" 0 env -u https_proxy -u HTTPS_PROXY -u all_proxy \
    -u ALL_PROXY -u no_proxy -u NO_PROXY "$TLSPROBE" connect "localhost:$SPORT" --proxy "$PX" "${CA[@]}" \
    --timeout 8 --format json
tp_json "tunnel: proxy ok, CONNECT 200 in the exchange, handshake complete" "$TP_OUT" \
    "j['outcome']['status']=='ok' and j['proxy']['status']=='ok' and j['proxy']['status_code']==200 \
     and j['proxy']['source']=='--proxy' and j['proxy']['address']=='127.0.0.1:$PX_PORT' \
     and j['proxy']['exchange'][0]['text']=='CONNECT localhost:$SPORT HTTP/1.1' \
     and any(l['dir']=='s2c' and ' 200 ' in l['text'] for l in j['proxy']['exchange']) \
     and j['handshake_complete'] and ids(j)==[]"
cp "$TP_OUT" "$TP_TMP/all.jsonl"
tp_expect_exit "tunnel: text view" 0 "$TLSPROBE" connect "localhost:$SPORT" --proxy "$PX" "${CA[@]}" --timeout 8
grep "proxy $PX (--proxy), ok" "$TP_OUT" >/dev/null && grep "C → S  CONNECT localhost:$SPORT HTTP/1.1" "$TP_OUT" >/dev/null &&
    grep -E "C ← S  HTTP/1.[01] 200" "$TP_OUT" >/dev/null && grep "tunnel open: TLS from here on" "$TP_OUT" >/dev/null
tp_check "tunnel: the text view shows CONNECT, 200, then TLS" $?
tp_expect_exit "tunnel: mermaid" 0 "$TLSPROBE" connect "localhost:$SPORT" --proxy "$PX" "${CA[@]}" --timeout 8 \
    --format mermaid
grep "C->>S: CONNECT localhost:$SPORT HTTP/1.1" "$TP_OUT" >/dev/null && grep "Note over C,S: proxy ok, tunnel open" \
    "$TP_OUT" >/dev/null && grep "ClientHello" "$TP_OUT" >/dev/null
tp_check "tunnel: the mermaid diagram has the CONNECT exchange before the ClientHello" $?

# the environment, as curl: lower case first; NO_PROXY and --noproxy bypass; --proxy '' disables
tp_expect_exit "env: HTTPS_PROXY honoured" 0 env -u https_proxy -u no_proxy -u NO_PROXY HTTPS_PROXY="$PX" \
    "$TLSPROBE" connect "localhost:$SPORT" "${CA[@]}" --timeout 8 --format json
tp_json "env: HTTPS_PROXY used, named as the source" "$TP_OUT" \
    "j['proxy']['status']=='ok' and j['proxy']['source']=='HTTPS_PROXY' and j['outcome']['status']=='ok'"
tp_expect_exit "env: https_proxy preferred to HTTPS_PROXY" 0 env -u no_proxy -u NO_PROXY https_proxy="$PX" \
    HTTPS_PROXY=http://127.0.0.1:1 "$TLSPROBE" connect "localhost:$SPORT" "${CA[@]}" --timeout 8 --format json
tp_json "env: https_proxy wins" "$TP_OUT" "j['proxy']['source']=='https_proxy' and j['proxy']['status']=='ok'"
tp_expect_exit "env: NO_PROXY bypasses the proxy" 0 env -u https_proxy -u no_proxy HTTPS_PROXY=http://127.0.0.1:1 \
    NO_PROXY="example.com, .LOCALHOST" "$TLSPROBE" connect "localhost:$SPORT" "${CA[@]}" --timeout 8 --format json
tp_json "env: NO_PROXY match reported, connected directly" "$TP_OUT" \
    "j['proxy']['status']=='bypassed' and '.LOCALHOST' in j['proxy']['detail'] and j['proxy']['exchange']==[] \
     and j['outcome']['status']=='ok' and j['server']=='127.0.0.1:$SPORT'"
tp_expect_exit "env: NO_PROXY CIDR for an address" 0 env -u https_proxy -u no_proxy HTTPS_PROXY=http://127.0.0.1:1 \
    NO_PROXY="10.0.0.0/8,127.0.0.0/8" "$TLSPROBE" connect "127.0.0.1:$SPORT" --servername localhost "${CA[@]}" \
    --timeout 8 --format json
tp_json "env: 127.0.0.0/8 matches 127.0.0.1" "$TP_OUT" "j['proxy']['status']=='bypassed'"
tp_expect_exit "--noproxy overrides NO_PROXY" 0 env -u https_proxy -u no_proxy NO_PROXY='*' HTTPS_PROXY="$PX" \
    "$TLSPROBE" connect "localhost:$SPORT" --noproxy other.test "${CA[@]}" --timeout 8 --format json
tp_json "--noproxy: the proxy is used" "$TP_OUT" "j['proxy']['status']=='ok'"
tp_expect_exit "--write-pcap: the CONNECT exchange is in the pcap" 0 "$TLSPROBE" connect "localhost:$SPORT" \
    --proxy "$PX" "${CA[@]}" --timeout 8 --write-pcap "$TP_TMP/px.pcap"
grep -a "CONNECT localhost:$SPORT HTTP/1.1" "$TP_TMP/px.pcap" >/dev/null && grep -a "200 Connection established" \
    "$TP_TMP/px.pcap" >/dev/null
tp_check "--write-pcap: request and 200 in the flow before TLS" $?
tp_expect_exit "--proxy '' turns the environment's proxy off" 0 env HTTPS_PROXY=http://127.0.0.1:1 \
    "$TLSPROBE" connect "localhost:$SPORT" --proxy '' "${CA[@]}" --timeout 8 --format json
tp_json "--proxy '': no proxy" "$TP_OUT" "j['proxy'] is None and j['outcome']['status']=='ok'"
tp_kill "$PX_PID"

# ---- BasicAuth: 407 without credentials, the tunnel with them ----
tinyproxy_start "ConnectPort $SPORT" "BasicAuth alice s3cr3t"
PX=http://127.0.0.1:$PX_PORT
tp_expect_exit "auth: no credentials" 1 "$TLSPROBE" connect "localhost:$SPORT" --proxy "$PX" "${CA[@]}" \
    --timeout 8 --format json
tp_json "auth: 407 is proxy-auth-required, TLS never started" "$TP_OUT" \
    "j['outcome']['status']=='proxy-failed' and j['proxy']['status']=='auth-required' \
     and j['proxy']['status_code']==407 and ids(j)==['proxy-auth-required'] and j['messages']==[] \
     and 'never started' in j['outcome']['detail']"
cat "$TP_OUT" >>"$TP_TMP/all.jsonl"
tp_expect_exit "auth: percent-encoded credentials" 0 "$TLSPROBE" connect "localhost:$SPORT" \
    --proxy "http://alice:s%33cr3t@127.0.0.1:$PX_PORT" "${CA[@]}" --timeout 8 --format json
tp_json "auth: the tunnel opens, credentials sent and redacted" "$TP_OUT" \
    "j['proxy']['status']=='ok' and j['proxy']['credentials_sent'] and j['proxy']['url']=='http://alice:***@127.0.0.1:$PX_PORT' \
     and any('redacted' in l['text'] for l in j['proxy']['exchange']) and j['outcome']['status']=='ok'"
cat "$TP_OUT" >>"$TP_TMP/all.jsonl"
! grep -E "s3cr3t|s%33cr3t|YWxpY2U6czNjcjN0" "$TP_OUT" >/dev/null
tp_check "auth: the password and its Basic encoding are not in the output" $?
tp_expect_exit "auth: wrong password" 1 "$TLSPROBE" connect "localhost:$SPORT" \
    --proxy "http://alice:wrong@127.0.0.1:$PX_PORT" "${CA[@]}" --timeout 8
grep "proxy-auth-required" "$TP_OUT" >/dev/null && grep "rejected" "$TP_OUT" >/dev/null
tp_check "auth: wrong credentials are called rejected" $?
tp_kill "$PX_PID"

# ---- ConnectPort: 403; the server down: 502/503 ----
DEAD=$(tp_free_port)
tinyproxy_start "ConnectPort $SPORT" "ConnectPort $DEAD"
PX=http://127.0.0.1:$PX_PORT
OTHER=$(tp_free_port)
tp_expect_exit "ConnectPort: a port the proxy forbids" 1 "$TLSPROBE" connect "localhost:$OTHER" --proxy "$PX" \
    "${CA[@]}" --timeout 8 --format json
tp_json "ConnectPort: 403 is proxy-refused" "$TP_OUT" \
    "j['proxy']['status_code']==403 and j['proxy']['status']=='refused' and ids(j)==['proxy-refused']"
cat "$TP_OUT" >>"$TP_TMP/all.jsonl"
tp_expect_exit "upstream down" 1 "$TLSPROBE" connect "127.0.0.1:$DEAD" --proxy "$PX" "${CA[@]}" --timeout 8 \
    --format json
tp_json "upstream down: 5xx is proxy-upstream-failed" "$TP_OUT" \
    "j['proxy']['status_code'] in (500,502,503,504) and ids(j)==['proxy-upstream-failed']"
cat "$TP_OUT" >>"$TP_TMP/all.jsonl"
tp_expect_exit "upstream down: text" 1 "$TLSPROBE" connect "127.0.0.1:$DEAD" --proxy "$PX" "${CA[@]}" --timeout 8
grep "the TLS handshake never started" "$TP_OUT" >/dev/null
tp_check "upstream down: the status line says TLS never started" $?
tp_kill "$PX_PID"

# ---- an unreachable proxy; a proxy port that is not HTTP; bad values ----
tp_expect_exit "unreachable proxy" 1 "$TLSPROBE" connect "localhost:$SPORT" --proxy "http://127.0.0.1:$DEAD" \
    "${CA[@]}" --timeout 5 --format json
tp_json "unreachable: proxy-unreachable, nothing else" "$TP_OUT" \
    "j['proxy']['status']=='unreachable' and ids(j)==['proxy-unreachable'] and j['proxy']['exchange']==[]"
cat "$TP_OUT" >>"$TP_TMP/all.jsonl"
tp_expect_exit "a TLS port as the proxy" 1 "$TLSPROBE" connect "localhost:$SPORT" --proxy "127.0.0.1:$SPORT" \
    "${CA[@]}" --timeout 3 --format json
tp_json "not HTTP: proxy-bad-reply" "$TP_OUT" "j['proxy']['status']=='bad-reply' and ids(j)==['proxy-bad-reply']"
# a proxy port that accepts and never answers: the connect deadline bounds it
SILENT=$(tp_free_port)
tp_bg timeout 30 python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(30)' "$SILENT"
SILENT_PID=$TP_BG_PID
tp_wait_listen "$SILENT" 5
t0=$(date +%s%N)
tp_expect_exit "a silent proxy" 1 "$TLSPROBE" connect "localhost:$SPORT" --proxy "http://127.0.0.1:$SILENT" \
    --timeout 1.5 --format json
t1=$(date +%s%N)
tp_json "silent proxy: proxy-bad-reply, the deadline named" "$TP_OUT" \
    "j['proxy']['status']=='bad-reply' and 'deadline' in j['proxy']['detail'] and ids(j)==['proxy-bad-reply']"
[ $(((t1 - t0) / 1000000)) -lt 4000 ]
tp_check "silent proxy: --timeout 1.5 bounds the CONNECT exchange ($(((t1 - t0) / 1000000)) ms)" $?
tp_kill "$SILENT_PID"
for bad in "socks5://127.0.0.1:1080" "https://proxy:443" "http://:8080" "http://host:0" "http://host:99999" \
    "http://u:%zz@host:1"; do
    tp_expect_exit "bad --proxy '$bad'" 2 "$TLSPROBE" connect "localhost:$SPORT" --proxy "$bad"
    [ "$(wc -l <"$TP_ERR")" = 1 ] && grep -- "--proxy" "$TP_ERR" >/dev/null
    tp_check "bad --proxy '$bad': one line naming --proxy" $?
done
tp_expect_exit "bad HTTPS_PROXY" 2 env -u https_proxy HTTPS_PROXY=socks5://h:1 "$TLSPROBE" connect \
    "localhost:$SPORT"
grep "HTTPS_PROXY" "$TP_ERR" >/dev/null
tp_check "bad HTTPS_PROXY: the message names the variable" $?

# ---- 2. TLS inspection: mitmproxy with its own CA ----
if command -v mitmdump >/dev/null; then
    MP=$(tp_free_port)
    mkdir -p "$TP_TMP/mitm"
    tp_bg timeout 60 mitmdump --listen-host 127.0.0.1 --listen-port "$MP" --set confdir="$TP_TMP/mitm" \
        --ssl-insecure >"$TP_TMP/mitm.log" 2>&1
    MPID=$TP_BG_PID
    if tp_wait_listen "$MP" 20; then
        tp_expect_exit "inspection: mitmproxy" 1 "$TLSPROBE" connect "localhost:$SPORT" --proxy "http://127.0.0.1:$MP" \
            "${CA[@]}" --timeout 10 --format json --stack java
        tp_json "inspection: tls-inspection names mitmproxy, with a fix and the java fix" "$TP_OUT" \
            "ids(j)==['tls-inspection'] and 'mitmproxy' in j['findings'][0]['summary'] \
             and j['findings'][0]['severity']=='error' and 'NO_PROXY' in j['findings'][0]['fix'] \
             and 'keytool' in (j['findings'][0].get('stack_fix') or '')"
        cat "$TP_OUT" >>"$TP_TMP/all.jsonl"
        tp_expect_exit "inspection: trusting the proxy's CA" 0 "$TLSPROBE" connect "localhost:$SPORT" \
            --proxy "http://127.0.0.1:$MP" --cafile "$TP_TMP/mitm/mitmproxy-ca-cert.pem" --timeout 10 --format json
        tp_json "inspection: with its CA trusted, no finding" "$TP_OUT" "ids(j)==[] and j['proxy']['status']=='ok'"
        tp_expect_exit "inspection: text" 1 "$TLSPROBE" connect "localhost:$SPORT" --proxy "http://127.0.0.1:$MP" \
            "${CA[@]}" --timeout 10
        grep "tls-inspection" "$TP_OUT" >/dev/null && grep "TLS-inspecting proxy" "$TP_OUT" >/dev/null
        tp_check "inspection: the text names the inspecting proxy" $?
    else
        tp_check "mitmdump listens" 1
        cat "$TP_TMP/mitm.log" >&2
    fi
    tp_kill "$MPID"
else
    echo "# mitmproxy not installed: TLS inspection cases skipped"
fi

# every JSON line above against the closed schema (skipped without python3-jsonschema)
python3 "$TP_SRC/tests/schema/validate.py" --schema-dir "$TP_SRC/docs/schema" --nonempty "session:$TP_TMP/all.jsonl"
rc=$?
[ "$rc" = 77 ] || tp_check "every proxy session validates against docs/schema/session.schema.json" $rc
tp_finish
