#!/usr/bin/env bash
# make-corpus.sh - build the TLS-handshake benchmark corpus under ./out/ (or $OUT)
# (adapted for tlsprobe: gnutls-bin and ethtool are optional)
#
#   ./make-corpus.sh            full run: PKI, live seed capture, scale-up, variants, summary
#   ./make-corpus.sh --reuse-seed   keep out/seed.pcap, only rebuild the scaled files + summary
#   ./make-corpus.sh --variants     (after a full run) concurrency variants from the same seed:
#       corpus-100m.pcap (2000 conn/s), corpus-100m-hiconc.pcap (20000 conn/s),
#       corpus-1g-lowconc.pcap (100 conn/s) - same bytes/packets/flows, different overlap
#
# Phase 1 (seed): inside a private network namespace (unshare --net; only its own
#   loopback exists, MTU forced to 1500 and TSO/GSO/GRO off so segments look like
#   Ethernet traffic), a fixed plan of ~450 real TLS connections is run against
#   openssl s_server / gnutls-serv with a small PKI made here, and captured with tcpdump.
# Phase 2 (scale): tools/flowrep replicates the seed flows (new client IP/port, server
#   IP, port 443, random ISNs, Poisson arrivals, stretched intra-flow timing, checksums
#   recomputed) into corpus-1g.pcap (~1 GB) and corpus-10m.pcap (~10 MB); editcap
#   converts both to pcapng.
#
# The plan, the PKI layout and the scale-up are deterministic (fixed seeds, fixed
# lists). The TLS bytes are not: keys, randoms and tcpdump timestamps differ per run,
# so the files differ byte-wise between regenerations while counts/sizes stay close.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/out}
if command -v gnutls-serv >/dev/null && command -v gnutls-cli >/dev/null; then HAVE_GNUTLS=true; else HAVE_GNUTLS=false; fi
export HAVE_GNUTLS
LOG=$OUT/logs
PKI=$OUT/pki
WWW=$OUT/www

# scale-up parameters (see tools/flowrep.c)
BIG_BYTES=${BIG_BYTES:-1000000000}     # ~1 GB
SMALL_BYTES=${SMALL_BYTES:-10000000}   # ~10 MB
RATE=${RATE:-2000}                     # new connections per second in the synthetic timeline
STRETCH=${STRETCH:-20}                 # intra-flow time multiplier (loopback RTT -> WAN-ish)
RNG_SEED=${RNG_SEED:-20250101}

die() { echo "make-corpus: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# inside the namespace: servers + capture + client plan
# ---------------------------------------------------------------------------
inside() {
  PIDS=()
  cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  }
  trap cleanup EXIT

  ip link set lo up
  ip link set lo mtu 1500
  ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || echo "warning: ethtool offload change failed" >&2

  cd "$WWW"
  local CH=$PKI/inter.pem
  # S1 4433 ECDSA P-256 leaf, TLS1.2+1.3, serves ./f* files
  openssl s_server -accept 127.0.0.1:4433 -cert "$PKI/leaf-ec.pem" -key "$PKI/leaf-ec.key" \
      -cert_chain "$CH" -WWW -quiet >"$LOG/s1.log" 2>&1 &  PIDS+=($!)
  # S2 4434 RSA-2048 leaf
  openssl s_server -accept 127.0.0.1:4434 -cert "$PKI/leaf-rsa.pem" -key "$PKI/leaf-rsa.key" \
      -cert_chain "$CH" -WWW -quiet >"$LOG/s2.log" 2>&1 &  PIDS+=($!)
  # S3 4435 requires a client certificate
  openssl s_server -accept 127.0.0.1:4435 -cert "$PKI/leaf-ec.pem" -key "$PKI/leaf-ec.key" \
      -cert_chain "$CH" -Verify 3 -CAfile "$PKI/root.pem" -WWW -quiet >"$LOG/s3.log" 2>&1 &  PIDS+=($!)
  # S4 4436 gnutls-serv HTTP status page (optional: gnutls-bin)
  $HAVE_GNUTLS && gnutls-serv --http -p 4436 --x509certfile="$PKI/chain-ec.pem" --x509keyfile="$PKI/leaf-ec.key" \
      >"$LOG/s4.log" 2>&1 &  PIDS+=($!)
  # S5 4437 only P-256 key exchange -> HelloRetryRequest for X25519-first clients
  openssl s_server -accept 127.0.0.1:4437 -cert "$PKI/leaf-ec.pem" -key "$PKI/leaf-ec.key" \
      -cert_chain "$CH" -groups P-256 -WWW -quiet >"$LOG/s5.log" 2>&1 &  PIDS+=($!)
  # S6 4438 echo (client->server application data): gnutls-serv --echo, or
  # openssl s_server -rev when gnutls-bin is not installed
  if ! $HAVE_GNUTLS; then
    openssl s_server -accept 127.0.0.1:4438 -cert "$PKI/leaf-ec.pem" -key "$PKI/leaf-ec.key" \
      -cert_chain "$CH" -rev -quiet >"$LOG/s6.log" 2>&1 &  PIDS+=($!)
  fi
  $HAVE_GNUTLS && gnutls-serv --echo -p 4438 --x509certfile="$PKI/chain-ec.pem" --x509keyfile="$PKI/leaf-ec.key" \
      >"$LOG/s6.log" 2>&1 &  PIDS+=($!)

  local i port ok
  for i in $(seq 1 100); do
    ok=1
    for port in 4433 4434 4435 $($HAVE_GNUTLS && echo 4436) 4437 4438; do
      ss -Hltn "sport = :$port" | grep -q LISTEN || ok=0
    done
    [ $ok = 1 ] && break
    sleep 0.1
  done
  [ $ok = 1 ] || die "servers did not come up (see $LOG)"

  rm -f "$OUT/seed.pcap"
  tcpdump -i lo -n -s 0 -B 32768 -Z root -w "$OUT/seed.pcap" tcp >"$LOG/tcpdump.log" 2>&1 &
  local TD=$!
  PIDS+=($TD)
  for i in $(seq 1 100); do grep -q "listening on" "$LOG/tcpdump.log" && break; sleep 0.1; done
  sleep 0.3

  run_plan

  sleep 0.5
  kill -INT "$TD"; wait "$TD" || true
  cat "$LOG/tcpdump.log" >&2
}

# one client command, bounded by timeout; failures are expected for some categories
c() { timeout 10 "$@" </dev/null >>"$LOG/clients.out" 2>&1 || echo "rc=$? $*" >>"$LOG/clients.fail"; }
cin() { local f=$1; shift; timeout 10 "$@" <"$f" >>"$LOG/clients.out" 2>&1 || echo "rc=$? $*" >>"$LOG/clients.fail"; }

# response-size mix (40 slots): 45% <=1k, 35% 2k-8k, 12.5% 16k-32k, 5% 64k-128k
SIZES=(512 512 512 512 512 512 512 512 512 1k 1k 1k 1k 1k 1k 1k 1k 1k 2k 2k 2k 2k 2k \
       4k 4k 4k 4k 4k 4k 8k 8k 8k 8k 16k 16k 16k 32k 32k 64k 128k)
size() { echo "${SIZES[$(( ($1 * 7 + 3) % 40 ))]}"; }

TLS13_CS=(TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256)
TLS12_EC=(ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-ECDSA-AES128-SHA256)
TLS12_RSA=(ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-CHACHA20-POLY1305 ECDHE-RSA-AES256-GCM-SHA384 AES128-GCM-SHA256)

run_plan() {
  local i n=0 CURL=(curl -sS -o /dev/null --max-time 10 --cacert "$PKI/root.pem")
  : >"$LOG/clients.out"; : >"$LOG/clients.fail"
  # 1. curl TLS 1.3 -> S1 (ECDSA), 160 GETs
  for i in $(seq 0 159); do
    c "${CURL[@]}" --tlsv1.3 --tls13-ciphers "${TLS13_CS[$((i % 4))]}" \
      --resolve server.test:4433:127.0.0.1 "https://server.test:4433/f$(size $i)"
  done
  # 2. curl TLS 1.2 -> S1, 60 GETs, 4 cipher suites
  for i in $(seq 0 59); do
    c "${CURL[@]}" --tlsv1.2 --tls-max 1.2 --ciphers "${TLS12_EC[$((i % 4))]}" \
      --resolve www.server.test:4433:127.0.0.1 "https://www.server.test:4433/f$(size $((i + 160)))"
  done
  # 3. curl -> S2 (RSA leaf): 30x TLS 1.3, 20x TLS 1.2
  for i in $(seq 0 29); do
    c "${CURL[@]}" --tlsv1.3 --resolve rsa.server.test:4434:127.0.0.1 \
      "https://rsa.server.test:4434/f$(size $((i + 220)))"
  done
  for i in $(seq 0 19); do
    c "${CURL[@]}" --tlsv1.2 --tls-max 1.2 --ciphers "${TLS12_RSA[$((i % 4))]}" \
      --resolve rsa.server.test:4434:127.0.0.1 "https://rsa.server.test:4434/f$(size $((i + 250)))"
  done
  # 4. resumption: TLS1.2 via s_client -reconnect (1 full + 5 abbreviated handshakes each);
  #    TLS1.3 via -sess_out/-sess_in (1 full + 5 PSK handshakes each; stdin held open 0.3 s
  #    so the client reads the NewSessionTicket)
  local S13=$LOG/sess13.pem k
  for i in 0 1 2; do
    c openssl s_client -connect 127.0.0.1:4433 -servername server.test -CAfile "$PKI/root.pem" -tls1_2 -reconnect
    rm -f "$S13"
    timeout 10 sh -c "sleep 0.3 | openssl s_client -connect 127.0.0.1:4433 -servername server.test \
      -CAfile '$PKI/root.pem' -tls1_3 -sess_out '$S13'" >>"$LOG/clients.out" 2>&1 || echo "rc=$? sess_out" >>"$LOG/clients.fail"
    for k in 1 2 3 4 5; do
      timeout 10 sh -c "sleep 0.3 | openssl s_client -connect 127.0.0.1:4433 -servername server.test \
        -CAfile '$PKI/root.pem' -tls1_3 -sess_in '$S13'" >>"$LOG/clients.out" 2>&1 || echo "rc=$? sess_in" >>"$LOG/clients.fail"
    done
  done
  # 5. client certificate required (S3)
  for i in $(seq 0 24); do   # with a valid client cert -> success
    if (( i % 2 )); then V=(--tlsv1.3); else V=(--tlsv1.2 --tls-max 1.2); fi
    c "${CURL[@]}" "${V[@]}" --cert "$PKI/client.pem" --key "$PKI/client.key" \
      --resolve server.test:4435:127.0.0.1 "https://server.test:4435/f$(size $((i + 270)))"
  done
  for i in $(seq 0 7); do    # no client cert -> certificate_required / handshake_failure alert
    if (( i % 2 )); then V=-tls1_3; else V=-tls1_2; fi
    cin "$WWW/req.txt" openssl s_client -connect 127.0.0.1:4435 -servername server.test -CAfile "$PKI/root.pem" $V -ign_eof
  done
  for i in $(seq 0 4); do    # self-signed client cert -> unknown_ca alert from server
    cin "$WWW/req.txt" openssl s_client -connect 127.0.0.1:4435 -servername server.test -CAfile "$PKI/root.pem" \
      -cert "$PKI/selfclient.pem" -key "$PKI/selfclient.key" -ign_eof
  done
  # 6. client-side and negotiation failures
  for i in $(seq 0 14); do   # unknown CA (client trusts a different root) -> unknown_ca alert from client
    if (( i % 3 )); then V=(--tlsv1.3); else V=(--tlsv1.2 --tls-max 1.2); fi
    timeout 10 curl -sS -o /dev/null --max-time 10 --cacert "$PKI/rogue-root.pem" "${V[@]}" \
      --resolve server.test:4433:127.0.0.1 "https://server.test:4433/f1k" </dev/null >>"$LOG/clients.out" 2>&1 || true
  done
  for i in $(seq 0 14); do   # hostname mismatch
    if (( i % 3 )); then V=(--tlsv1.3); else V=(--tlsv1.2 --tls-max 1.2); fi
    c "${CURL[@]}" "${V[@]}" --resolve wrong.example:4433:127.0.0.1 "https://wrong.example:4433/f1k"
  done
  for i in $(seq 0 4); do    # TLS 1.1 client vs TLS1.2+ server -> protocol_version alert
    c openssl s_client -connect 127.0.0.1:4433 -servername server.test -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
  done
  for i in $(seq 0 4); do    # no common cipher (RSA-only suites vs ECDSA cert) -> handshake_failure
    c "${CURL[@]}" --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 \
      --resolve server.test:4433:127.0.0.1 "https://server.test:4433/f1k"
  done
  # 7. gnutls peer (S4): 20x gnutls-cli, 15x curl (skipped without gnutls-bin)
  $HAVE_GNUTLS && for i in $(seq 0 19); do
    if (( i % 2 )); then P=NORMAL; else P=NORMAL:-VERS-TLS1.3; fi
    cin "$WWW/req.txt" gnutls-cli --x509cafile="$PKI/root.pem" --priority="$P" -p 4436 --sni-hostname=server.test \
      --verify-hostname=server.test 127.0.0.1
  done
  $HAVE_GNUTLS && for i in $(seq 0 14); do
    c "${CURL[@]}" --resolve server.test:4436:127.0.0.1 "https://server.test:4436/"
  done
  # 8. HelloRetryRequest (S5 accepts P-256 only)
  for i in $(seq 0 14); do
    c "${CURL[@]}" --tlsv1.3 --resolve server.test:4437:127.0.0.1 "https://server.test:4437/f$(size $((i + 300)))"
  done
  # 9. echo (client -> server application data), gnutls-cli -> gnutls-serv --echo
  for i in $(seq 0 14); do
    local up=$WWW/up$(( i % 3 ))
    if ! $HAVE_GNUTLS; then
      timeout 10 sh -c "{ cat '$up'; sleep 0.3; } | openssl s_client -connect 127.0.0.1:4438 -CAfile '$PKI/root.pem' \
        -servername server.test -quiet" >>"$LOG/clients.out" 2>&1 || echo "rc=$? echo $i" >>"$LOG/clients.fail"
      continue
    fi
    timeout 10 sh -c "{ cat '$up'; sleep 0.3; } | gnutls-cli --x509cafile='$PKI/root.pem' -p 4438 \
      --verify-hostname=server.test 127.0.0.1" >>"$LOG/clients.out" 2>&1 || echo "rc=$? echo $i" >>"$LOG/clients.fail"
  done
}

# ---------------------------------------------------------------------------
make_pki() {
  rm -rf "$PKI"; mkdir -p "$PKI"; cd "$PKI"
  local D="-days 3650"
  cat >ext.cnf <<'EOF'
[x_ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
[x_inter]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
[x_leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:server.test,DNS:www.server.test,DNS:rsa.server.test
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
[x_client]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
EOF
  q() { "$@" >/dev/null 2>&1 || die "pki: $*"; }
  # root (ECDSA P-384, self-signed)
  q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout root.key -out root.pem \
      $D -subj "/C=XX/O=Bench PKI/CN=Bench Root CA" -extensions x_ca -config <(cat /etc/ssl/openssl.cnf ext.cnf)
  # intermediate (ECDSA P-256)
  q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout inter.key -out inter.csr \
      -subj "/C=XX/O=Bench PKI/CN=Bench Issuing CA 1"
  q openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -set_serial 0x1001 $D -out inter.pem -extfile ext.cnf -extensions x_inter
  # leaves: ECDSA P-256 and RSA-2048, same SANs
  q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf-ec.key -out leaf-ec.csr -subj "/CN=server.test"
  q openssl x509 -req -in leaf-ec.csr -CA inter.pem -CAkey inter.key -set_serial 0x2001 -days 397 -out leaf-ec.pem -extfile ext.cnf -extensions x_leaf
  q openssl req -new -newkey rsa:2048 -nodes -keyout leaf-rsa.key -out leaf-rsa.csr -subj "/CN=rsa.server.test"
  q openssl x509 -req -in leaf-rsa.csr -CA inter.pem -CAkey inter.key -set_serial 0x2002 -days 397 -out leaf-rsa.pem -extfile ext.cnf -extensions x_leaf
  # client certificate (ECDSA P-256) + chain file for curl
  q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key -out client.csr -subj "/CN=client1/O=Bench PKI"
  q openssl x509 -req -in client.csr -CA inter.pem -CAkey inter.key -set_serial 0x3001 -days 397 -out client-leaf.pem -extfile ext.cnf -extensions x_client
  cat client-leaf.pem inter.pem >client.pem
  cat leaf-ec.pem inter.pem >chain-ec.pem
  # unrelated roots: "rogue" CA for unknown-CA failures, self-signed client cert
  q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout rogue-root.key -out rogue-root.pem \
      $D -subj "/CN=Some Other Root"
  q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout selfclient.key -out selfclient.pem \
      $D -subj "/CN=selfsigned-client"
  cd "$HERE"
}

make_www() {
  rm -rf "$WWW"; mkdir -p "$WWW"
  local s
  for s in 512 1k 2k 4k 8k 16k 32k 64k 128k; do
    local n=$(numfmt --from=iec "${s^^}")
    head -c "$n" /dev/zero | tr '\0' 'x' >"$WWW/f$s"
  done
  printf 'GET / HTTP/1.0\r\nHost: server.test\r\n\r\n' >"$WWW/req.txt"
  # gnutls-serv --echo echoes line by line: 64-byte lines
  lines() { awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "%063d\n", i }'; }
  lines 16 >"$WWW/up0"    # 1 KiB
  lines 128 >"$WWW/up1"   # 8 KiB
  lines 512 >"$WWW/up2"   # 32 KiB
}

build_tools() {
  gcc -O2 -Wall -o "$HERE/tools/flowrep" "$HERE/tools/flowrep.c" -lpcap -lm
  make -s -C "$HERE/limit"
}

scale() {
  local F=$HERE/tools/flowrep
  "$F" -i "$OUT/seed.pcap" -o "$OUT/corpus-10m.pcap" -b "$SMALL_BYTES" -s "$RNG_SEED" -r "$RATE" -x "$STRETCH" \
      | tee "$LOG/flowrep-10m.txt"
  "$F" -i "$OUT/seed.pcap" -o "$OUT/corpus-1g.pcap" -b "$BIG_BYTES" -s "$RNG_SEED" -r "$RATE" -x "$STRETCH" \
      | tee "$LOG/flowrep-1g.txt"
  editcap -F pcapng "$OUT/corpus-10m.pcap" "$OUT/corpus-10m.pcapng"
  editcap -F pcapng "$OUT/corpus-1g.pcap" "$OUT/corpus-1g.pcapng"
}

variants() {
  local F=$HERE/tools/flowrep
  "$F" -i "$OUT/seed.pcap" -o "$OUT/corpus-100m.pcap" -b 100000000 -s "$RNG_SEED" -r 2000 -x "$STRETCH"
  "$F" -i "$OUT/seed.pcap" -o "$OUT/corpus-100m-hiconc.pcap" -b 100000000 -s "$RNG_SEED" -r 20000 -x "$STRETCH"
  "$F" -i "$OUT/seed.pcap" -o "$OUT/corpus-1g-lowconc.pcap" -b "$BIG_BYTES" -s "$RNG_SEED" -r 100 -x "$STRETCH"
}

summary() {
  local f
  echo "== summary ($(date -u +%FT%TZ))"
  for f in seed.pcap corpus-10m.pcap corpus-10m.pcapng corpus-1g.pcap corpus-1g.pcapng; do
    [ -f "$OUT/$f" ] || continue
    printf '%-20s %12s bytes  %s\n' "$f" "$(stat -c %s "$OUT/$f")" \
      "$("$HERE/limit/pcap_flows" "$OUT/$f" | tr '\n' ' ')"
  done
  echo "-- TLS content of corpus-10m.pcap (tshark 2-pass, tools/tlsstats.py)"
  python3 "$HERE/tools/tlsstats.py" "$OUT/corpus-10m.pcap" -2
  echo "-- TLS content of seed.pcap (ports 4433-4438 decoded as TLS)"
  python3 "$HERE/tools/tlsstats.py" "$OUT/seed.pcap" -2 -d tcp.port==4433-4438,tls
}

# ---------------------------------------------------------------------------
case "${1:-}" in
  __inside) inside; exit 0 ;;
  --summary) summary; exit 0 ;;
  --variants) build_tools; variants; exit 0 ;;
esac

for t in openssl curl tcpdump tshark editcap unshare ss gcc; do
  command -v "$t" >/dev/null || die "missing tool: $t"
done
command -v ethtool >/dev/null || echo "make-corpus: note: no ethtool: loopback offloads stay on (segments may exceed 1448 bytes)" >&2
[ "$(id -u)" = 0 ] || die "needs root (unshare --net, tcpdump)"
mkdir -p "$OUT" "$LOG"
build_tools
if [ "${1:-}" != "--reuse-seed" ]; then
  make_pki
  make_www
  export HERE OUT LOG PKI WWW
  t0=$(date +%s)
  unshare --net -- bash "$HERE/make-corpus.sh" __inside
  echo "seed capture took $(( $(date +%s) - t0 )) s; client failures logged: $(wc -l <"$LOG/clients.fail")"
fi
[ -s "$OUT/seed.pcap" ] || die "no seed capture"
scale
summary | tee "$OUT/summary.txt"
