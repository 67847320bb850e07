#!/usr/bin/env bash
# tlsprobe scan against servers with a restricted configuration (openssl s_server:
# versions, suites, TLS 1.3 suites, groups, server order, ALPN, tickets, RSA and
# ECDSA certificates; gnutls-serv --priority): the scan must say what each was
# configured to accept, and agree with nmap's ssl-enum-ciphers on versions, suites
# and cipher preference. Bad options exit 2; a closed port is unreachable.
. "$(dirname "$0")/lib.sh"
J="--format json"
export TP_SRV_TIMEOUT=90

# ---- usage ----
tp_expect_exit "no target" 2 "$TLSPROBE" scan
tp_expect_exit "two targets" 2 "$TLSPROBE" scan 127.0.0.1:1 127.0.0.1:2
tp_expect_exit "-j 0" 2 "$TLSPROBE" scan -j 0 127.0.0.1:1
tp_expect_exit "--jobs 33" 2 "$TLSPROBE" scan --jobs 33 127.0.0.1:1
tp_expect_exit "--timeout x" 2 "$TLSPROBE" scan --timeout x 127.0.0.1:1
[ "$(wc -l <"$TP_ERR")" = 1 ]; tp_check "bad value: one line on stderr" $?
tp_expect_exit "a STARTTLS URL" 2 "$TLSPROBE" scan smtp://127.0.0.1:25

# ---- nothing listening ----
closed=$(tp_free_port)
tp_expect_exit "closed port" 1 "$TLSPROBE" scan 127.0.0.1:"$closed" $J
tp_json "closed port: unreachable, refused" "$TP_OUT" 'j["type"] == "scan" and j["source"] == "scan" and j["unreachable"] is True and "refused" in j["error"]'

# ---- a server that accepts and never answers: each question ends at --probe-timeout ----
SP=$(tp_free_port)
tp_bg timeout 30 python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$SP"
SPID=$TP_BG_PID
if tp_wait_listen "$SP" 5; then
    tp_expect_exit "silent server" 1 "$TLSPROBE" scan --probe-timeout 0.3 127.0.0.1:"$SP" $J
    tp_json "silent server: unreachable, no answer in time" "$TP_OUT" 'j["unreachable"] is True and "in time" in j["error"] and j["protocols"] == []'
    tp_expect_exit "silent server, --timeout below --probe-timeout" 1 "$TLSPROBE" scan --timeout 0.2 127.0.0.1:"$SP" $J
    tp_json "silent server: the deadline is said" "$TP_OUT" 'j["unreachable"] is True and j["elapsed_ms"] < 3000'
fi
tp_kill "$SPID"

# ---- helpers ----
# accepted(j, "TLS 1.2") -> list of suite names in the order reported
cat >"$TP_TMP/scanlib.py" <<'EOF'
import json, re, sys
def load(path):
    with open(path) as f:
        return json.loads(f.readline())
def proto(j, v):
    return next(p for p in j["protocols"] if p["version"] == v)
def accepted_versions(j):
    return [p["version"] for p in j["protocols"] if p["accepted"] == "yes"]
def suites(j, v):
    return [s["name"] for s in proto(j, v)["suites"]]
def group_names(j, key):
    return sorted(g["name"] for g in j["groups"] if g[key] == "yes")
def sig_names(j, key):
    return sorted(s["name"] for s in j["signature_algorithms"] if s[key] == "yes")
def ids(j):
    return [f["id"] for f in j["findings"]]
def nmap(path):
    """ssl-enum-ciphers: {version: (suites in order, preference)}"""
    out, cur = {}, None
    names = {"SSLv3": "SSL 3.0", "TLSv1.0": "TLS 1.0", "TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3"}
    section = None
    for line in open(path):
        m = re.match(r"^\|\s+(SSLv3|TLSv1\.[0-3]):\s*$", line)
        if m:
            cur = names[m.group(1)]
            out[cur] = ([], None)
            continue
        if cur is None:
            continue
        m = re.match(r"^\|\s+(ciphers|compressors|cipher preference):\s*(\S*)", line)
        if m:
            section = m.group(1)
            if section == "cipher preference":
                out[cur] = (out[cur][0], m.group(2))
            continue
        m = re.match(r"^\|\s+(TLS_\S+)", line)
        if m and section == "ciphers":
            out[cur][0].append(m.group(1).replace("TLS_AKE_WITH_", "TLS_"))
    return out
def agree(scan_path, nmap_path):
    j, n = load(scan_path), nmap(nmap_path)
    ok = True
    if sorted(n) != sorted(accepted_versions(j)):
        print("  versions: nmap", sorted(n), "scan", accepted_versions(j), file=sys.stderr); ok = False
    for v, (ns, pref) in n.items():
        if v not in accepted_versions(j):
            continue
        ss = suites(j, v)
        if sorted(ns) != sorted(ss):
            print("  %s suites: nmap" % v, ns, "scan", ss, file=sys.stderr); ok = False
        order = proto(j, v)["server_order"]
        if pref in ("server", "client") and len(ss) > 1 and order != ("yes" if pref == "server" else "no"):
            print("  %s preference: nmap", pref, "scan", order, file=sys.stderr); ok = False
        if pref == "server" and ns != ss:
            print("  %s server order: nmap" % v, ns, "scan", ss, file=sys.stderr); ok = False
    return ok
EOF
have_nmap=0
command -v nmap >/dev/null 2>&1 && have_nmap=1
compare_nmap() { # NAME PORT SCANJSON
    if [ "$have_nmap" = 0 ]; then
        echo "skip - $1: nmap is not installed"
        return
    fi
    timeout 120 nmap -Pn -n --script ssl-enum-ciphers -p "$2" 127.0.0.1 >"$TP_TMP/nmap.$2" 2>&1
    grep "ssl-enum-ciphers" "$TP_TMP/nmap.$2" >/dev/null
    tp_check "$1: nmap ran ssl-enum-ciphers" $?
    python3 -c "import sys; sys.path.insert(0, '$TP_TMP'); import scanlib; sys.exit(0 if scanlib.agree('$3', '$TP_TMP/nmap.$2') else 1)"
    tp_check "$1: versions, suites and preference agree with nmap" $?
}
check() { # NAME FILE EXPR
    tp_json "$1" "$2" "__import__('sys').path.insert(0, '$TP_TMP') or True and (lambda s: $3)(__import__('scanlib'))"
}

# ---- A: TLS 1.2 only, two ECDSA suites in the server's order, ALPN, no tickets, two groups ----
tp_s_server -cert "$PKI/good.pem" -cert_chain "$PKI/int.pem" -key "$PKI/good.key" -tls1_2 \
    -cipher 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA' -serverpref -alpn http/1.1 -no_ticket \
    -groups secp384r1:x25519 -www
portA=$TP_PORT
tp_expect_exit "A: scan" 0 "$TLSPROBE" scan 127.0.0.1:"$portA" $J
cp "$TP_OUT" "$TP_TMP/A.json"
check "A: TLS 1.2 only" "$TP_TMP/A.json" 's.accepted_versions(j) == ["TLS 1.2"] and s.proto(j, "TLS 1.3")["accepted"] == "no" and s.proto(j, "SSL 3.0")["accepted"] == "no"'
check "A: the two suites, in the server's order" "$TP_TMP/A.json" 's.suites(j, "TLS 1.2") == ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"] and s.proto(j, "TLS 1.2")["server_order"] == "yes" and s.proto(j, "TLS 1.2")["complete"]'
check "A: TLS 1.2 groups are the configured ones" "$TP_TMP/A.json" 's.group_names(j, "tls12") == ["secp384r1", "x25519"]'
check "A: ALPN http/1.1 only" "$TP_TMP/A.json" '[a["protocol"] for a in j["alpn"] if a["accepted"] == "yes"] == ["http/1.1"] and j["tested_with"] == "TLS 1.2"'
check "A: no session tickets, secure renegotiation, no compression" "$TP_TMP/A.json" 'j["session_ticket"] == "no" and j["secure_renegotiation"] == "yes" and j["compression"] == "no" and j["tls13_psk"] == "not tested"'
check "A: the ECDSA chain as sent (2 certificates), no RSA one" "$TP_TMP/A.json" 'j["certificates"][1]["found"] == "yes" and len(j["certificates"][1]["chain"]) == 2 and j["certificates"][1]["chain"][0]["subject_cn"] == "localhost" and j["certificates"][0]["found"] == "no"'
check "A: ECDSA signature algorithms in TLS 1.2" "$TP_TMP/A.json" '"ecdsa_secp256r1_sha256" in s.sig_names(j, "tls12") and "rsa_pss_rsae_sha256" not in s.sig_names(j, "tls12")'
check "A: findings no-tls13 only" "$TP_TMP/A.json" 's.ids(j) == ["no-tls13"] and j["dhe_bits"] is None'
compare_nmap "A" "$portA" "$TP_TMP/A.json"
tp_expect_exit "A: text" 0 "$TLSPROBE" scan 127.0.0.1:"$portA"
grep -E "^  TLS 1\.2  2 suites, server's order$" "$TP_OUT" >/dev/null; tp_check "A: text names the order" $?
grep -E "^  TLS 1\.3 +no" "$TP_OUT" >/dev/null; tp_check "A: text says no TLS 1.3" $?
for sec in Protocols "Cipher suites" "Key exchange groups" "Signature algorithms" ALPN Resumption "Renegotiation and compression" Certificates "Findings (1):"; do
    grep -F "$sec" "$TP_OUT" >/dev/null || { echo "  missing section $sec" >&2; false; }
done
tp_check "A: text has every section" $?
! grep -q $'\x1b' "$TP_OUT"; tp_check "A: no colour when not a terminal" $?
tp_expect_exit "A: -j 1 gives the same answers" 0 "$TLSPROBE" scan -j 1 127.0.0.1:"$portA" $J
python3 - "$TP_TMP/A.json" "$TP_OUT" <<'EOF'
import json, sys
a, b = (json.loads(open(p).readline()) for p in sys.argv[1:])
for k in ("elapsed_ms",):
    a.pop(k); b.pop(k)
sys.exit(0 if a == b else 1)
EOF
tp_check "A: -j 1 and -j 4 agree (but for the time)" $?
tp_kill "$TP_SRV_PID"

# ---- B: TLS 1.3 only, two suites in the client's order, one group ----
tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -tls1_3 \
    -ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256 -groups secp256r1 -alpn h2 -www
portB=$TP_PORT
tp_expect_exit "B: scan" 0 "$TLSPROBE" scan 127.0.0.1:"$portB" $J
cp "$TP_OUT" "$TP_TMP/B.json"
check "B: TLS 1.3 only" "$TP_TMP/B.json" 's.accepted_versions(j) == ["TLS 1.3"]'
check "B: the two TLS 1.3 suites, client's order" "$TP_TMP/B.json" 'sorted(s.suites(j, "TLS 1.3")) == ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] and s.proto(j, "TLS 1.3")["server_order"] == "no"'
check "B: secp256r1 is the one TLS 1.3 group" "$TP_TMP/B.json" 's.group_names(j, "tls13") == ["secp256r1"]'
check "B: x25519's share gets a HelloRetryRequest for secp256r1" "$TP_TMP/B.json" 'j["tls13_default_group"] == "secp256r1" and j["tls13_default_hrr"] is True'
check "B: the hybrid's share is not selected (HRR secp256r1)" "$TP_TMP/B.json" 'j["hybrid"]["name"] == "X25519MLKEM768" and j["hybrid"]["selected"] == "no" and j["hybrid"]["hrr_group"] == "secp256r1" and j["hybrid"]["preferred"] == "no"'
check "B: with secp256r1 key shares, the TLS 1.3 signature algorithm of its P-256 key" "$TP_TMP/B.json" 's.sig_names(j, "tls13") == ["ecdsa_secp256r1_sha256"]'
check "B: TLS 1.3 chain from a full handshake, tickets issued" "$TP_TMP/B.json" 'j["certificates"][2]["found"] == "yes" and j["certificates"][2]["version"] == "TLS 1.3" and j["tls13_psk"] == "yes"'
check "B: ALPN h2 only, from full TLS 1.3 handshakes" "$TP_TMP/B.json" '[a["protocol"] for a in j["alpn"] if a["accepted"] == "yes"] == ["h2"] and all(a["accepted"] in ("yes", "no") for a in j["alpn"])'
check "B: the TLS 1.2 questions not tested" "$TP_TMP/B.json" 'j["tested_with"] is None and j["session_id"] == "not tested" and j["certificates"][0]["found"] == "not tested"'
check "B: no findings (the client's order is fine in TLS 1.3)" "$TP_TMP/B.json" 's.ids(j) == []'
compare_nmap "B" "$portB" "$TP_TMP/B.json"
tp_kill "$TP_SRV_PID"

# ---- C: TLS 1.0 only at security level 0: deprecated and weak ----
tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' -www
portC=$TP_PORT
tp_expect_exit "C: scan" 0 "$TLSPROBE" scan 127.0.0.1:"$portC" $J
cp "$TP_OUT" "$TP_TMP/C.json"
check "C: TLS 1.0 only" "$TP_TMP/C.json" 's.accepted_versions(j) == ["TLS 1.0"]'
check "C: CBC suites in TLS 1.0 are weak" "$TP_TMP/C.json" 'len(s.suites(j, "TLS 1.0")) >= 2 and all(x["weak"] for x in s.proto(j, "TLS 1.0")["suites"] if "CBC" in x["name"])'
check "C: deprecated-version, weak-cipher, no-tls13" "$TP_TMP/C.json" 's.ids(j)[:1] == ["deprecated-version"] and "weak-cipher" in s.ids(j) and "no-tls13" in s.ids(j) and "TLS 1.0" in j["findings"][0]["summary"] and "nginx" in j["findings"][0]["fix"]'
compare_nmap "C" "$portC" "$TP_TMP/C.json"
tp_kill "$TP_SRV_PID"

# ---- D: an RSA and an ECDSA certificate on one server, TLS 1.2 and 1.3 ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TP_TMP/rsa.key" -out "$TP_TMP/rsa.pem" -subj /CN=rsa.test \
    -days 90 2>/dev/null
tp_s_server -cert "$TP_TMP/rsa.pem" -key "$TP_TMP/rsa.key" -dcert "$PKI/good.pem" -dkey "$PKI/good.key" -www
portD=$TP_PORT
"$TLSPROBE" scan 127.0.0.1:"$portD" $J >"$TP_TMP/D.json"
check "D: an RSA and an ECDSA chain" "$TP_TMP/D.json" 'j["certificates"][0]["chain"][0]["key"].startswith("RSA") and j["certificates"][0]["chain"][0]["subject_cn"] == "rsa.test" and j["certificates"][1]["chain"][0]["key"].startswith("EC") and "ECDSA" in j["certificates"][1]["suite"]'
check "D: TLS 1.2 and 1.3, RSA and ECDSA signature algorithms" "$TP_TMP/D.json" 's.accepted_versions(j) == ["TLS 1.2", "TLS 1.3"] and "rsa_pss_rsae_sha256" in s.sig_names(j, "tls13") and "ecdsa_secp256r1_sha256" in s.sig_names(j, "tls13")'
check "D: the DH prime of the DHE suites (nmap: dh 2048)" "$TP_TMP/D.json" 'j["dhe_bits"] == 2048'
check "D: static RSA suites: no-forward-secrecy" "$TP_TMP/D.json" '"no-forward-secrecy" in s.ids(j) and "TLS_RSA_WITH" in j["findings"][s.ids(j).index("no-forward-secrecy")]["summary"]'
python3 -c "import json; j = json.loads(open('$TP_TMP/D.json').readline()); print('# full scan of a local s_server: %s ms, %d connections' % (j['elapsed_ms'], j['connection_count']))"
tp_kill "$TP_SRV_PID"

# ---- E: gnutls-serv with a priority string ----
if command -v gnutls-serv >/dev/null 2>&1; then
    portE=$(tp_free_port)
    tp_bg timeout 90 gnutls-serv -p "$portE" --x509certfile "$PKI/good.pem" --x509keyfile "$PKI/good.key" \
        --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+CHACHA20-POLY1305' \
        >"$TP_TMP/gnutls.log" 2>&1
    gpid=$TP_BG_PID
    if tp_wait_listen "$portE" 10; then
        tp_expect_exit "E: gnutls-serv scan" 0 "$TLSPROBE" scan 127.0.0.1:"$portE" $J
        cp "$TP_OUT" "$TP_TMP/E.json"
        check "E: gnutls TLS 1.2 only, AES-128-GCM and ChaCha20 with ECDHE-ECDSA" "$TP_TMP/E.json" 's.accepted_versions(j) == ["TLS 1.2"] and sorted(s.suites(j, "TLS 1.2")) == ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"]'
        compare_nmap "E" "$portE" "$TP_TMP/E.json"
    else
        tp_check "E: gnutls-serv listens" 1
    fi
    tp_kill "$gpid"
else
    echo "skip - E: gnutls-serv is not installed"
fi

tp_finish
