#!/usr/bin/env bash
# connect --starttls: the plain-text upgrade to TLS (issue 19 point 1).
#  1. every protocol against a scripted peer (tests/integration/starttls_peer.py):
#     the upgrade, then a verified TLS handshake, the exchange in JSON;
#  2. the failure modes, each with its finding: not offered, refused, another
#     protocol, bytes after the go-ahead (command injection), a silent port;
#  3. real Debian servers: PostgreSQL (ssl on/off), Dovecot (IMAP, POP3 and
#     ManageSieve, ssl yes/no), OpenLDAP slapd (TLS configured or not), aiosmtpd
#     (SMTP); each is started in a temp dir, all at once, bounded by `timeout`,
#     stopped by PID (MariaDB, Prosody and FTP: test_starttls_servers.sh);
#  4. --write-pcap holds the plain text and the TLS (tshark dissects both);
#     URL schemes (smtp://, imap://, postgres://) choose the protocol;
#     bad --starttls values exit 2.
. "$(dirname "$0")/lib.sh"
# Debian's python3 first: a version manager's python3 shim can cost 0.3 s a call,
# and this test calls python (peers, tp_json, tp_free_port) about a hundred times
[ -x /usr/bin/python3 ] && PATH=/usr/bin:$PATH
CA=(--cafile "$PKI/root.pem")
CERT=$PKI/good-fullchain.pem
KEY=$PKI/good.key

# peer PROTO MODE: a scripted peer for one connection; sets PEER_PORT
peer() {
    rm -f "$TP_TMP/port"
    tp_bg timeout 30 python3 "$TP_SRC/tests/integration/starttls_peer.py" "$1" "$2" "$CERT" "$KEY" "$TP_TMP/port" \
        --lifetime 25
    local i
    for ((i = 0; i < 200; i++)); do
        [ -s "$TP_TMP/port" ] && break
        sleep 0.05
    done
    PEER_PORT=$(cat "$TP_TMP/port" 2>/dev/null)
}

# fports N: N distinct free ports (bound together, then released)
fports() {
    python3 -c 'import socket,sys
ss=[socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

# The real servers' files (section 3); PostgreSQL's initdb takes seconds, so it
# runs now, beside the scripted peers.
SRV=$TP_TMP/srv
mkdir -p "$SRV" && chmod 755 "$TP_TMP" "$SRV"
cp "$CERT" "$SRV/cert.pem" && cp "$KEY" "$SRV/key.pem" && chmod 644 "$SRV/cert.pem" && chmod 600 "$SRV/key.pem"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_INIT_PID=
if [ -x "$PGBIN/postgres" ] && id postgres >/dev/null 2>&1; then
    mkdir -p "$SRV/pg" && cp "$KEY" "$SRV/pg/key.pem" && chmod 600 "$SRV/pg/key.pem" && chown -R postgres "$SRV/pg"
    tp_bg timeout 60 runuser -u postgres -- "$PGBIN/initdb" -D "$SRV/pg/on" -A trust >"$SRV/pg/initdb.log" 2>&1
    PG_INIT_PID=$TP_BG_PID
else
    echo "skip - PostgreSQL not installed (apt-get install postgresql)"
fi

# 1. every protocol, the upgrade then a verified handshake
for p in smtp imap pop3 ftp ldap postgres mysql xmpp nntp sieve; do
    peer "$p" ok
    tp_expect_exit "$p: upgrade then TLS" 0 "$TLSPROBE" connect "localhost:$PEER_PORT" --starttls "$p" "${CA[@]}" \
        --timeout 8 --format json
    tp_json "$p: outcome ok, starttls ok, verified" "$TP_OUT" \
        "j['outcome']['status']=='ok' and j['starttls']['protocol']=='$p' and j['starttls']['status']=='ok' \
         and len(j['starttls']['exchange'])>=2 and j['handshake_complete'] and ids(j)==[]"
    tp_kill "$TP_BG_PID"
    cat "$TP_OUT" >>"$TP_TMP/all.jsonl"
done

# the text view shows the exchange before the handshake
peer smtp ok
tp_expect_exit "smtp: text view" 0 "$TLSPROBE" connect "localhost:$PEER_PORT" --starttls smtp "${CA[@]}" --timeout 8
grep -q "plain text: STARTTLS (smtp), ok" "$TP_OUT" && grep -q "C → S  EHLO" "$TP_OUT" &&
    grep -q "C ← S  250-STARTTLS" "$TP_OUT" && grep -q "TLS from here on" "$TP_OUT"
tp_check "smtp: the text view lists the plain-text lines, then TLS" $?
tp_kill "$TP_BG_PID"
peer imap ok
tp_expect_exit "imap: mermaid" 0 "$TLSPROBE" connect "localhost:$PEER_PORT" --starttls imap "${CA[@]}" --timeout 8 \
    --format mermaid
grep -q "Note over C,S: plain text, STARTTLS (imap)" "$TP_OUT" && grep -q "C->>S: a2 STARTTLS" "$TP_OUT"
tp_check "imap: the mermaid diagram has the plain-text lines" $?
tp_kill "$TP_BG_PID"

# 2. failure modes
check_fail() { # PROTO MODE OUTCOME STATUS FINDING
    peer "$1" "$2"
    tp_expect_exit "$1 $2: exit 1" 1 "$TLSPROBE" connect "127.0.0.1:$PEER_PORT" --servername localhost \
        --starttls "$1" "${CA[@]}" --timeout 3 --format json
    tp_json "$1 $2: outcome $3, starttls $4, finding $5" "$TP_OUT" \
        "j['outcome']['status']=='$3' and j['starttls']['status']=='$4' and ids(j)==['$5']"
    tp_kill "$TP_BG_PID"
}
# each protocol's "not offered" and "refused" once (the scripted peer's wording
# of each), the other modes on a few
for p in smtp pop3 ftp mysql xmpp sieve; do
    check_fail "$p" unavailable starttls-failed unavailable starttls-unavailable
done
for p in imap ldap nntp mysql; do
    check_fail "$p" refuse starttls-failed refused starttls-refused
done
tp_json "mysql refuse: the server's error (1130) and its message" "$TP_OUT" \
    "'error 1130' in j['starttls']['detail'] and 'not allowed' in j['starttls']['exchange'][0]['text']"
for p in postgres mysql; do
    check_fail "$p" garbage starttls-failed unexpected starttls-unexpected
done
check_fail imap inject starttls-failed unexpected starttls-unexpected
tp_json "inject: the injected line is named" "$TP_OUT" "'250 injected' in j['outcome']['detail']"
check_fail xmpp inject starttls-failed unexpected starttls-unexpected
tp_json "xmpp inject: the bytes that came with <proceed/> are named" "$TP_OUT" \
    "'sent 14 bytes after agreeing' in j['outcome']['detail'] and j['starttls']['exchange'][-1]['text']=='250 injected\\r\\n'"
check_fail smtp refuse starttls-failed refused starttls-refused
tp_json "smtp refuse: the server's 454 is in the exchange" "$TP_OUT" \
    "any(l['text'].startswith('454 ') for l in j['starttls']['exchange'])"
cat "$TP_OUT" >>"$TP_TMP/all.jsonl"
check_fail smtp silent timeout timeout timeout
cat "$TP_OUT" >>"$TP_TMP/all.jsonl"
if python3 -c 'import jsonschema' 2>/dev/null; then
    python3 "$TP_SRC/tests/schema/validate.py" "tlsprobe:$TP_TMP/all.jsonl" >"$TP_TMP/validate.log" 2>&1
    tp_check "every STARTTLS session line is valid against docs/schema (version 2)" $?
    cat "$TP_TMP/validate.log" | tail -5
fi
tp_json "silent: the summary names STARTTLS and --starttls none" "$TP_OUT" \
    "'STARTTLS (smtp)' in j['findings'][0]['summary'] and '--starttls none' in j['findings'][0]['fix']"

# 4. URL schemes choose the protocol; --starttls overrides; bad values exit 2
peer pop3 ok
tp_expect_exit "pop3://: the scheme's protocol" 0 "$TLSPROBE" connect "pop3://localhost:$PEER_PORT/" "${CA[@]}" \
    --timeout 8 --format json
tp_json "pop3:// upgrades with pop3" "$TP_OUT" "j['starttls']['protocol']=='pop3' and j['outcome']['status']=='ok'"
tp_kill "$TP_BG_PID"
peer smtp ok
tp_expect_exit "--starttls wins over the scheme" 0 "$TLSPROBE" connect "imap://localhost:$PEER_PORT/" --starttls smtp \
    "${CA[@]}" --timeout 8 --format json
tp_json "imap:// --starttls smtp speaks smtp" "$TP_OUT" "j['starttls']['protocol']=='smtp'"
tp_kill "$TP_BG_PID"
tp_expect_exit "--starttls bogus" 2 "$TLSPROBE" connect localhost:1 --starttls bogus
[ "$(wc -l <"$TP_ERR")" = 1 ] && grep -q "starttls takes smtp" "$TP_ERR"
tp_check "--starttls bogus: one line naming the choices" $?
tp_expect_exit "http:// still refused" 2 "$TLSPROBE" connect http://localhost/
tp_s_server -cert "$PKI/good.pem" -key "$KEY" -cert_chain "$PKI/int.pem"
tp_expect_exit "--starttls none on a TLS port" 0 "$TLSPROBE" connect "localhost:$TP_PORT" --starttls none "${CA[@]}" \
    --format json
tp_json "--starttls none: starttls is null" "$TP_OUT" "j['starttls'] is None and j['outcome']['status']=='ok'"
tp_kill "$TP_SRV_PID"

# --write-pcap: the plain text and the TLS in one TCP stream
if command -v tshark >/dev/null; then
    peer smtp ok
    tp_expect_exit "smtp --write-pcap" 0 "$TLSPROBE" connect "localhost:$PEER_PORT" --starttls smtp "${CA[@]}" \
        --timeout 8 --write-pcap "$TP_TMP/st.pcap"
    tp_kill "$TP_BG_PID"
    dec=(-d "tcp.port==$PEER_PORT,smtp")
    n_smtp=$(tshark -r "$TP_TMP/st.pcap" "${dec[@]}" -Y 'smtp.req && frame contains "STARTTLS"' 2>/dev/null | wc -l)
    n_ch=$(tshark -r "$TP_TMP/st.pcap" "${dec[@]}" -Y 'tls.handshake.type == 1' 2>/dev/null | wc -l)
    [ "$n_smtp" = 1 ] && [ "$n_ch" = 1 ]
    tp_check "tshark: one SMTP STARTTLS ($n_smtp) and one ClientHello ($n_ch) in the pcap" $?
fi

# 3. real servers, all started at once (each in its own temp dir, on its own
#    port; PostgreSQL's initdb ran beside the scripted peers), then probed, then
#    stopped together
real() { # NAME PORT PROTO WANT_STATUS WANT_FINDINGS
    tp_expect_exit "$1" "$([ "$4" = ok ] && echo 0 || echo 1)" "$TLSPROBE" connect "localhost:$2" --starttls "$3" \
        "${CA[@]}" --timeout 8 --format json
    tp_json "$1: starttls $4, findings $5" "$TP_OUT" "j['starttls']['status']=='$4' and ids(j)==$5"
}
# up NAME PORT...: wait for the ports; on failure say so and show LOG
up() { # NAME LOG PORT...
    local name=$1 log=$2 p
    shift 2
    for p in "$@"; do
        if ! tp_wait_listen "$p" 20; then
            tp_check "$name started" 1
            cat "$log" >&2 2>/dev/null
            return 1
        fi
    done
}
read -r -a PORTS <<<"$(fports 12)"
STOP_PIDFILES=() STOP_BG=()

# PostgreSQL: ssl on and off, two copies of one initdb
pg=
if [ -n "$PG_INIT_PID" ]; then
    if wait "$PG_INIT_PID"; then
        cp -a "$SRV/pg/on" "$SRV/pg/off"
        PG_on=${PORTS[0]} PG_off=${PORTS[1]}
        for ssl in on off; do
            port=PG_$ssl
            tp_bg timeout 60 runuser -u postgres -- "$PGBIN/postgres" -D "$SRV/pg/$ssl" -p "${!port}" -k "$SRV/pg" \
                -c listen_addresses=127.0.0.1 -c ssl=$ssl -c ssl_cert_file="$SRV/cert.pem" \
                -c ssl_key_file="$SRV/pg/key.pem" >"$SRV/pg/log.$ssl" 2>&1
            # stopped by the postmaster's own PID (runuser would hold a SIGTERM for 2 s)
            STOP_PIDFILES+=("$SRV/pg/$ssl/postmaster.pid") STOP_BG+=("$TP_BG_PID")
        done
        pg=1
    else
        tp_check "postgres initdb" 1
        cat "$SRV/pg/initdb.log" >&2
    fi
fi

# Dovecot: IMAP, POP3 and (with dovecot-managesieved) ManageSieve, ssl yes and no
dovecot=
if command -v dovecot >/dev/null; then
    dovecot=1
    sieve=
    [ -x /usr/lib/dovecot/managesieve-login ] && sieve=1
    [ -n "$sieve" ] || echo "skip - ManageSieve: dovecot-managesieved not installed"
    i=2
    for ssl in yes no; do
        d=$SRV/dovecot-$ssl
        mkdir -p "$d/run" "$d/state" "$d/home"
        ip=${PORTS[i]} pp=${PORTS[i + 1]} sp=${PORTS[i + 2]}
        i=$((i + 3))
        eval "DOVE_$ssl='$ip $pp $sp'"
        cat >"$d/dovecot.conf" <<CONF
protocols = imap pop3${sieve:+ sieve}
listen = 127.0.0.1
base_dir = $d/run
state_dir = $d/state
log_path = $d/log
ssl = $ssl
ssl_cert = <$SRV/cert.pem
ssl_key = <$SRV/key.pem
mail_location = maildir:$d/home/Maildir
passdb {
  driver = static
  args = password=unused
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$d/home
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $ip
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pp
  }
  inet_listener pop3s {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service pop3-login {
  chroot =
}
CONF
        [ -z "$sieve" ] || cat >>"$d/dovecot.conf" <<CONF
service managesieve-login {
  chroot =
  inet_listener sieve {
    address = 127.0.0.1
    port = $sp
  }
}
CONF
        tp_bg timeout 60 dovecot -F -c "$d/dovecot.conf"
        STOP_BG+=("$TP_BG_PID")
    done
fi

# OpenLDAP slapd: TLS configured or not
slapd=
if command -v slapd >/dev/null && [ -f /etc/ldap/schema/core.schema ]; then
    slapd=1
    LDAP_yes=${PORTS[8]} LDAP_no=${PORTS[9]}
    for tls in yes no; do
        d=$SRV/slapd-$tls
        mkdir -p "$d"
        {
            echo "include /etc/ldap/schema/core.schema"
            echo "pidfile $d/slapd.pid"
            if [ $tls = yes ]; then
                echo "TLSCertificateFile $SRV/cert.pem"
                echo "TLSCertificateKeyFile $SRV/key.pem"
            fi
        } >"$d/slapd.conf"
        port=LDAP_$tls
        tp_bg timeout 60 slapd -d 0 -f "$d/slapd.conf" -h "ldap://127.0.0.1:${!port}/" -n "slapd-test-$tls" \
            >"$d/log" 2>&1
        STOP_BG+=("$TP_BG_PID")
    done
fi

# aiosmtpd: SMTP with and without STARTTLS
smtpd=
if /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
    smtpd=1
    cat >"$SRV/smtpd.py" <<'PY'
import ssl, sys, time
from aiosmtpd.controller import Controller
class H:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
port, tls, cert, key = int(sys.argv[1]), sys.argv[2] == "yes", sys.argv[3], sys.argv[4]
kw = {}
if tls:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    kw["tls_context"] = ctx
c = Controller(H(), hostname="127.0.0.1", port=port, **kw)
c.start()
time.sleep(50)
c.stop()
PY
    SMTP_yes=${PORTS[10]} SMTP_no=${PORTS[11]}
    for tls in yes no; do
        port=SMTP_$tls
        tp_bg timeout 60 /usr/bin/python3 "$SRV/smtpd.py" "${!port}" "$tls" "$SRV/cert.pem" "$SRV/key.pem" \
            >"$SRV/smtpd.$tls.log" 2>&1
        STOP_BG+=("$TP_BG_PID")
    done
else
    echo "skip - aiosmtpd not installed (apt-get install python3-aiosmtpd)"
fi

if [ -n "$pg" ]; then
    if up "postgres (real, ssl=on)" "$SRV/pg/log.on" "$PG_on"; then
        real "postgres (real, ssl=on)" "$PG_on" postgres ok "[]"
        tp_json "postgres: TLS 1.3 with PostgreSQL's server" "$TP_OUT" "j['version']=='TLS 1.3'"
    fi
    up "postgres (real, ssl=off)" "$SRV/pg/log.off" "$PG_off" &&
        real "postgres (real, ssl=off)" "$PG_off" postgres unavailable "['starttls-unavailable']"
fi
if [ -n "$dovecot" ]; then
    read -r ip pp sp <<<"$DOVE_yes"
    if up "dovecot (ssl=yes)" "$SRV/dovecot-yes/log" "$ip" "$pp" ${sieve:+"$sp"}; then
        real "imap (real Dovecot, ssl=yes)" "$ip" imap ok "[]"
        real "pop3 (real Dovecot, ssl=yes)" "$pp" pop3 ok "[]"
        if [ -n "$sieve" ]; then
            real "sieve (real Dovecot ManageSieve, ssl=yes)" "$sp" sieve ok "[]"
            tp_json "sieve: Dovecot's capability list, STARTTLS, OK" "$TP_OUT" \
                "any(l['text']=='\"STARTTLS\"' for l in j['starttls']['exchange']) \
                 and j['starttls']['exchange'][-2]['text']=='STARTTLS' and j['server_verification']['valid']"
            "$TLSPROBE" connect "localhost:$sp" --starttls sieve "${CA[@]}" --timeout 8 >"$TP_TMP/sieve.txt" 2>&1
            grep -F "plain text: STARTTLS (sieve), ok" "$TP_TMP/sieve.txt" >/dev/null &&
                grep -F 'C ← S  "STARTTLS"' "$TP_TMP/sieve.txt" >/dev/null &&
                grep -F "C → S  STARTTLS" "$TP_TMP/sieve.txt" >/dev/null &&
                grep -F "Verification of the server's chain: ok" "$TP_TMP/sieve.txt" >/dev/null
            tp_check "sieve: the text view shows Dovecot's exchange, then a verified chain" $?
        fi
    fi
    read -r ip pp sp <<<"$DOVE_no"
    if up "dovecot (ssl=no)" "$SRV/dovecot-no/log" "$ip" "$pp" ${sieve:+"$sp"}; then
        real "imap (real Dovecot, ssl=no)" "$ip" imap unavailable "['starttls-unavailable']"
        real "pop3 (real Dovecot, ssl=no)" "$pp" pop3 unavailable "['starttls-unavailable']"
        [ -z "$sieve" ] ||
            real "sieve (real Dovecot ManageSieve, ssl=no)" "$sp" sieve unavailable "['starttls-unavailable']"
    fi
else
    echo "skip - Dovecot not installed (apt-get install dovecot-imapd dovecot-pop3d)"
fi
if [ -n "$slapd" ]; then
    up "slapd (tls=yes)" "$SRV/slapd-yes/log" "$LDAP_yes" &&
        real "ldap (real slapd, TLS configured)" "$LDAP_yes" ldap ok "[]"
    up "slapd (tls=no)" "$SRV/slapd-no/log" "$LDAP_no" &&
        real "ldap (real slapd, no TLS)" "$LDAP_no" ldap unavailable "['starttls-unavailable']"
else
    echo "skip - OpenLDAP slapd not installed (apt-get install slapd)"
fi
if [ -n "$smtpd" ]; then
    up "aiosmtpd (tls=yes)" "$SRV/smtpd.yes.log" "$SMTP_yes" &&
        real "smtp (real aiosmtpd, TLS)" "$SMTP_yes" smtp ok "[]"
    up "aiosmtpd (tls=no)" "$SRV/smtpd.no.log" "$SMTP_no" &&
        real "smtp (real aiosmtpd, no TLS)" "$SMTP_no" smtp unavailable "['starttls-unavailable']"
fi

for f in "${STOP_PIDFILES[@]}"; do
    pm=$(head -1 "$f" 2>/dev/null)
    [ -n "$pm" ] && kill "$pm" 2>/dev/null
done
for p in "${STOP_BG[@]}"; do tp_kill "$p"; done

tp_finish
