#!/usr/bin/env bash
# listen-ab.sh [ROUNDS] [SECONDS] [GENERATOR] — not a test: server CPU per full
# handshake of `tlsprobe listen` against `openssl s_server -www` (and the bare
# wolfSSL server loop bench/tools/wolf_srv.c, the floor wolfSSL itself sets), with
# the servers taking turns: ROUNDS rounds (default 9) of SECONDS (default 4) each.
# On a shared VM single runs swing by tens of per cent with the neighbours' load;
# taking turns and reporting the median (and the best) round per server cancels
# most of that. Same certificate for all (EC P-256 leaf + intermediate).
#
# GENERATOR: wolf13 (default: the wolfSSL client loop bench/tools/wolf_hs.c,
# TLS 1.3, X25519, one at a time), wolf13x2 (two of them), stime13
# (`openssl s_time -new -tls1_3`), wolf12 (TLS 1.2, P-256).
# Per round and server: handshakes/s, server CPU µs per handshake (utime+stime of
# the server process from /proc/PID/stat, split user/sys).
# Env: TLSPROBE (default build/tlsprobe); OLD_TLSPROBE: compare listen with that
# (older) binary instead (servers listen_old and listen, ratios to listen_old). Binds 127.0.0.1 on free ports; every
# server is bounded (timeout) and killed before the next starts.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
ROUNDS=${1:-9}
SECS=${2:-4}
GEN=${3:-wolf13}
TLSPROBE=${TLSPROBE:-}
for c in "$SRC/build/tlsprobe" "$SRC/build-ci/tlsprobe"; do
    [ -z "$TLSPROBE" ] && [ -x "$c" ] && TLSPROBE=$c
done
[ -x "$TLSPROBE" ] || { echo "listen-ab: build tlsprobe first (or set TLSPROBE)" >&2; exit 2; }
PKI=$SRC/fixtures/pki
TMP=$(mktemp -d /tmp/listen-ab.XXXXXX)
SPID=
cleanup() {
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
TCK=$(getconf CLK_TCK)

# shellcheck source=lib.sh
. "$HERE/lib.sh"
build_wolf_tools "$HERE/tools" "$TMP"
stat2() { awk '{print $14, $15}' "/proc/$1/stat"; }

server_cmd() { # NAME PORT
    case $1 in
    s_server) echo openssl s_server -accept "127.0.0.1:$2" -cert "$PKI/good.pem" -cert_chain "$PKI/int.pem" \
                   -key "$PKI/good.key" -www -quiet ;;
    wolf_srv) echo "$TMP/wolf_srv" 127.0.0.1 "$2" "$PKI/good-fullchain.pem" "$PKI/good.key" ;;
    listen)   echo "$TLSPROBE" listen "127.0.0.1:$2" --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
                   --format json ;;
    listen_old) echo "$OLD_TLSPROBE" listen "127.0.0.1:$2" --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
                   --format json ;;
    esac
}

load() { # PORT
    case $GEN in
    wolf13) "$TMP/wolf_hs" 127.0.0.1 "$1" "$PKI/root.pem" "$SECS" 13 x25519 ;;
    wolf13x2) "$TMP/wolf_hs" 127.0.0.1 "$1" "$PKI/root.pem" "$SECS" 13 x25519 &
              "$TMP/wolf_hs" 127.0.0.1 "$1" "$PKI/root.pem" "$SECS" 13 x25519; wait ;;
    wolf12) "$TMP/wolf_hs" 127.0.0.1 "$1" "$PKI/root.pem" "$SECS" 12 p256 ;;
    stime13) openssl s_time -connect "127.0.0.1:$1" -new -tls1_3 -time "$SECS" ;;
    *) echo "listen-ab: unknown generator $GEN" >&2; exit 2 ;;
    esac
}

one() { # NAME -> "hs/s us/hs user sys"
    local port out n a b
    port=$(free_port)
    # shellcheck disable=SC2046
    timeout 120 $(server_cmd "$1" "$port") >"$TMP/$1.out" 2>&1 </dev/null &
    local tpid=$!
    wait_port "$port"
    SPID=$(pgrep -P "$tpid") # the server itself, not `timeout`
    sleep 0.2
    a=$(stat2 "$SPID")
    out=$(load "$port" 2>&1 || true)
    b=$(stat2 "$SPID")
    kill "$SPID" 2>/dev/null || true
    wait "$tpid" 2>/dev/null || true
    SPID=
    n=$(echo "$out" | awk '/connections in .* real seconds/ {s += $1} /full handshakes/ {s += $2} END {print s + 0}')
    awk -v n="$n" -v secs="$SECS" -v a="$a" -v b="$b" -v tck="$TCK" 'BEGIN {
        split(a, x, " "); split(b, y, " "); u = y[1] - x[1]; s = y[2] - x[2]
        if (n == 0) { print "0 0 0 0"; exit }
        printf "%.0f %.0f %.0f %.0f\n", n / secs, 1e6 * (u + s) / tck / n, 1e6 * u / tck / n, 1e6 * s / tck / n }'
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(openssl version | cut -d' ' -f1-2), generator $GEN, $ROUNDS rounds x ${SECS}s"
SERVERS="s_server listen wolf_srv"; BASE=s_server; OTHERS="listen wolf_srv"
[ -n "${OLD_TLSPROBE:-}" ] && { SERVERS="listen_old listen"; BASE=listen_old; OTHERS=listen; }
printf "%-6s %-9s %8s %8s %6s %6s\n" round server "hs/s" "us/hs" user sys
for r in $(seq 1 "$ROUNDS"); do
    for srv in $SERVERS; do
        res=$(one "$srv")
        echo "$r $srv $res" >>"$TMP/all"
        # shellcheck disable=SC2086
        printf "%-6s %-9s %8s %8s %6s %6s\n" "$r" "$srv" $res
    done
done
echo "median (best) per server:"
median() { sort -n | awk '{v[NR] = $1} END {printf "%s %s %s\n", v[int((NR + 1) / 2)], v[1], v[NR]}'; }
for srv in $SERVERS; do
    read -r cm cb _ < <(awk -v s="$srv" '$2 == s {print $4}' "$TMP/all" | median)
    read -r rm _ rb < <(awk -v s="$srv" '$2 == s {print $3}' "$TMP/all" | median)
    printf "  %-9s %6s us/hs (best %4s)   %6s hs/s (best %4s)\n" "$srv" "$cm" "$cb" "$rm" "$rb"
done
# The same round's servers ran back to back under the same neighbours' load: the
# median of the per-round ratios is steadier than the ratio of the medians.
echo "median of the per-round ratios to $BASE:"
for srv in $OTHERS; do
    awk -v s="$srv" -v base="$BASE" '{ cpu[$1 " " $2] = $4; rate[$1 " " $2] = $3 }
        END { for (k in cpu) { split(k, f, " "); if (f[2] != s || cpu[f[1] " " base] == 0) continue
                  print cpu[k] / cpu[f[1] " " base], rate[k] / rate[f[1] " " base] } }' "$TMP/all" >"$TMP/ratios"
    c=$(sort -n -k1,1 "$TMP/ratios" | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }')
    r=$(sort -n -k2,2 "$TMP/ratios" | awk '{ v[NR] = $2 } END { printf "%.3f", v[int((NR + 1) / 2)] }')
    printf "  %-9s CPU per handshake %s   rate %s   (%s rounds)\n" "$srv" "$c" "$r" "$(wc -l <"$TMP/ratios")"
done
