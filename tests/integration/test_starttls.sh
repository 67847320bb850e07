#!/usr/bin/env bash
# connect --starttls: the plain-text upgrade to TLS (issue 19 point 1).
#  1. every protocol against a scripted peer (tests/integration/starttls_peer.py):
#     the upgrade, then a verified TLS handshake, the exchange in JSON;
#  2. the failure modes, each with its finding: not offered, refused, another
#     protocol, bytes after the go-ahead (command injection), a silent port;
#  3. real Debian servers: PostgreSQL (ssl on/off), Dovecot (IMAP and POP3,
#     ssl yes/no), OpenLDAP slapd (TLS configured or not), aiosmtpd (SMTP);
#     each is started in a temp dir, bounded by `timeout`, stopped by PID;
#  4. --write-pcap holds the plain text and the TLS (tshark dissects both);
#     URL schemes (smtp://, imap://, postgres://) choose the protocol;
#     bad --starttls values exit 2.
. "$(dirname "$0")/lib.sh"
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
for p in imap ldap nntp; do
    check_fail "$p" refuse starttls-failed refused starttls-refused
done
for p in postgres mysql; do
    check_fail "$p" garbage starttls-failed unexpected starttls-unexpected
done
check_fail imap inject starttls-failed unexpected starttls-unexpected
tp_json "inject: the injected line is named" "$TP_OUT" "'250 injected' in j['outcome']['detail']"
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

# 3. real servers
PY3=/usr/bin/python3
fport() { tp_free_port; }
SRV=$TP_TMP/srv
mkdir -p "$SRV" && chmod 755 "$TP_TMP" "$SRV"
cp "$CERT" "$SRV/cert.pem" && cp "$KEY" "$SRV/key.pem" && chmod 644 "$SRV/cert.pem" && chmod 600 "$SRV/key.pem"

real() { # NAME PORT PROTO WANT_STATUS WANT_FINDINGS
    tp_expect_exit "$1" "$([ "$4" = ok ] && echo 0 || echo 1)" "$TLSPROBE" connect "localhost:$2" --starttls "$3" \
        "${CA[@]}" --timeout 8 --format json
    tp_json "$1: starttls $4, findings $5" "$TP_OUT" "j['starttls']['status']=='$4' and ids(j)==$5"
}

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -x "$PGBIN/postgres" ] && id postgres >/dev/null 2>&1; then
    mkdir -p "$SRV/pg" && chown postgres "$SRV/pg" "$SRV/key.pem"
    if runuser -u postgres -- "$PGBIN/initdb" -D "$SRV/pg/data" -A trust >"$SRV/pg/initdb.log" 2>&1; then
        for ssl in on off; do
            port=$(fport)
            tp_bg timeout 60 runuser -u postgres -- "$PGBIN/postgres" -D "$SRV/pg/data" -p "$port" -k "$SRV/pg" \
                -c listen_addresses=127.0.0.1 -c ssl=$ssl -c ssl_cert_file="$SRV/cert.pem" \
                -c ssl_key_file="$SRV/key.pem" >"$SRV/pg/log.$ssl" 2>&1
            pid=$TP_BG_PID
            if tp_wait_listen "$port" 15; then
                if [ $ssl = on ]; then
                    real "postgres (real, ssl=on)" "$port" postgres ok "[]"
                    tp_json "postgres: TLS 1.3 with PostgreSQL's server" "$TP_OUT" "j['version']=='TLS 1.3'"
                else
                    real "postgres (real, ssl=off)" "$port" postgres unavailable "['starttls-unavailable']"
                fi
            else
                tp_check "postgres (real, ssl=$ssl) started" 1
                cat "$SRV/pg/log.$ssl" >&2
            fi
            # fast shutdown by the postmaster's own PID (runuser would hold a SIGTERM
            # for 2 s); the next start needs postmaster.pid gone
            pm=$(head -1 "$SRV/pg/data/postmaster.pid" 2>/dev/null)
            [ -n "$pm" ] && kill -INT "$pm" 2>/dev/null
            tp_kill "$pid"
            for ((i = 0; i < 100; i++)); do [ -e "$SRV/pg/data/postmaster.pid" ] || break; sleep 0.05; done
        done
    else
        tp_check "postgres initdb" 1
        cat "$SRV/pg/initdb.log" >&2
    fi
    chown root "$SRV/key.pem"
else
    echo "skip - PostgreSQL not installed (apt-get install postgresql)"
fi

if command -v dovecot >/dev/null; then
    # ManageSieve too when dovecot-managesieved is installed
    sieve=
    [ -x /usr/lib/dovecot/managesieve-login ] && sieve=1
    [ -n "$sieve" ] || echo "skip - ManageSieve: dovecot-managesieved not installed"
    for ssl in yes no; do
        d=$SRV/dovecot-$ssl
        mkdir -p "$d/run" "$d/state" "$d/home"
        ip=$(fport)
        pp=$(fport)
        while [ "$pp" = "$ip" ]; do pp=$(fport); done
        sp=0
        if [ -n "$sieve" ]; then
            sp=$(fport)
            while [ "$sp" = "$ip" ] || [ "$sp" = "$pp" ]; do sp=$(fport); done
        fi
        cat >"$d/dovecot.conf" <<EOF
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
EOF
        [ -z "$sieve" ] || cat >>"$d/dovecot.conf" <<EOF
service managesieve-login {
  chroot =
  inet_listener sieve {
    address = 127.0.0.1
    port = $sp
  }
}
EOF
        tp_bg timeout 60 dovecot -F -c "$d/dovecot.conf"
        pid=$TP_BG_PID
        if tp_wait_listen "$ip" 15 && tp_wait_listen "$pp" 5 && { [ -z "$sieve" ] || tp_wait_listen "$sp" 5; }; then
            if [ $ssl = yes ]; then
                real "imap (real Dovecot, ssl=yes)" "$ip" imap ok "[]"
                real "pop3 (real Dovecot, ssl=yes)" "$pp" pop3 ok "[]"
                if [ -n "$sieve" ]; then
                    real "sieve (real Dovecot ManageSieve, ssl=yes)" "$sp" sieve ok "[]"
                    tp_json "sieve: Dovecot's capability list, STARTTLS, OK" "$TP_OUT" \
                        "any(l['text']=='\"STARTTLS\"' for l in j['starttls']['exchange']) \
                         and j['starttls']['exchange'][-2]['text']=='STARTTLS' and j['server_verification']['valid']"
                fi
            else
                real "imap (real Dovecot, ssl=no)" "$ip" imap unavailable "['starttls-unavailable']"
                real "pop3 (real Dovecot, ssl=no)" "$pp" pop3 unavailable "['starttls-unavailable']"
                [ -z "$sieve" ] ||
                    real "sieve (real Dovecot ManageSieve, ssl=no)" "$sp" sieve unavailable "['starttls-unavailable']"
            fi
        else
            tp_check "dovecot (ssl=$ssl) started" 1
            cat "$d/log" >&2 2>/dev/null
        fi
        tp_kill "$pid"
    done
else
    echo "skip - Dovecot not installed (apt-get install dovecot-imapd dovecot-pop3d)"
fi

if command -v slapd >/dev/null && [ -f /etc/ldap/schema/core.schema ]; then
    for tls in yes no; do
        d=$SRV/slapd-$tls
        mkdir -p "$d"
        port=$(fport)
        {
            echo "include /etc/ldap/schema/core.schema"
            echo "pidfile $d/slapd.pid"
            if [ $tls = yes ]; then
                echo "TLSCertificateFile $SRV/cert.pem"
                echo "TLSCertificateKeyFile $SRV/key.pem"
            fi
        } >"$d/slapd.conf"
        tp_bg timeout 60 slapd -d 0 -f "$d/slapd.conf" -h "ldap://127.0.0.1:$port/" -n "slapd-test-$tls"
        pid=$TP_BG_PID
        if tp_wait_listen "$port" 15; then
            if [ $tls = yes ]; then
                real "ldap (real slapd, TLS configured)" "$port" ldap ok "[]"
            else
                real "ldap (real slapd, no TLS)" "$port" ldap unavailable "['starttls-unavailable']"
            fi
        else
            tp_check "slapd (tls=$tls) started" 1
        fi
        tp_kill "$pid"
    done
else
    echo "skip - OpenLDAP slapd not installed (apt-get install slapd)"
fi

if $PY3 -c 'import aiosmtpd' 2>/dev/null; then
    cat >"$SRV/smtpd.py" <<'EOF'
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
EOF
    for tls in yes no; do
        port=$(fport)
        tp_bg timeout 60 $PY3 "$SRV/smtpd.py" "$port" "$tls" "$SRV/cert.pem" "$SRV/key.pem"
        pid=$TP_BG_PID
        if tp_wait_listen "$port" 15; then
            if [ $tls = yes ]; then
                real "smtp (real aiosmtpd, TLS)" "$port" smtp ok "[]"
            else
                real "smtp (real aiosmtpd, no TLS)" "$port" smtp unavailable "['starttls-unavailable']"
            fi
        else
            tp_check "aiosmtpd (tls=$tls) started" 1
        fi
        tp_kill "$pid"
    done
else
    echo "skip - aiosmtpd not installed (apt-get install python3-aiosmtpd)"
fi

tp_finish
