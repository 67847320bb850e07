#!/usr/bin/env bash
# connect --starttls against more real Debian servers (issue 19 point 1), beside
# test_starttls.sh so that ctest can run the two in parallel:
#  - MariaDB (mariadb-server): mariadbd unprivileged in an empty temp datadir
#    (--skip-grant-tables, no InnoDB), TLS on and --skip-ssl;
#  - Prosody (prosody): c2s on a free port, three virtual hosts: the full chain,
#    the leaf alone (chain incomplete), and one without mod_tls; plus an unknown
#    'to' domain (host-unknown);
#  - pyftpdlib (python3-pyftpdlib): FTP with AUTH TLS, and without TLS.
# The servers start in parallel, each bounded by `timeout` and stopped by PID.
# Each case checks the exchange in text and JSON and the chain's verdict.
. "$(dirname "$0")/lib.sh"
# Debian's python3 first: a version manager's python3 shim can cost 0.3 s a call,
# and this test calls python (peers, tp_json, tp_free_port) about a hundred times
[ -x /usr/bin/python3 ] && PATH=/usr/bin:$PATH
CA=(--cafile "$PKI/root.pem")
PY3=/usr/bin/python3
SRV=$TP_TMP/srv
mkdir -p "$SRV" && chmod 755 "$TP_TMP" "$SRV"

# as root, run a daemon as its package's user (mariadbd and prosody refuse root):
# sets AS to the command prefix
as_user() { # USER
    AS=()
    if [ "$(id -u)" = 0 ] && id "$1" >/dev/null 2>&1; then AS=(runuser -u "$1" --); fi
}
# a directory with the test certificate and key, owned by USER when we are root
certdir() { # DIR USER
    mkdir -p "$1"
    cp "$PKI/good-fullchain.pem" "$1/cert.pem" && cp "$PKI/good.pem" "$1/leaf.pem" && cp "$PKI/good.key" "$1/key.pem"
    chmod 600 "$1/key.pem"
    if [ "$(id -u)" = 0 ] && id "$2" >/dev/null 2>&1; then chown -R "$2" "$1"; fi
}

# The daemons are stopped together at the end, each by the PID it wrote (a
# SIGTERM to runuser would wait 2 s before passing it on), then their `timeout`
# wrappers; the EXIT trap kills whatever is left.
PIDFILES=() BGPIDS=()
stop_all() {
    local f p
    for f in "${PIDFILES[@]}"; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
    for p in "${BGPIDS[@]}"; do tp_kill "$p"; done
}

# text view: the protocol's header line and LINE (a fixed string) in the exchange
text_has() { # NAME PROTO STATUS LINE CMD...
    local name=$1 proto=$2 status=$3 line=$4
    shift 4
    "$@" >"$TP_TMP/text.out" 2>&1
    grep -F "plain text: STARTTLS ($proto), $status" "$TP_TMP/text.out" >/dev/null &&
        grep -F -- "$line" "$TP_TMP/text.out" >/dev/null
    local rc=$?
    tp_check "$name: the text view shows the exchange" $rc
    [ $rc = 0 ] || head -c 2000 "$TP_TMP/text.out" >&2
}

# ---- start every server at once ----
have_maria= have_prosody= have_ftp=
MARIADBD=$(command -v mariadbd || command -v mysqld || true)
if [ -n "$MARIADBD" ] && [ -x "$MARIADBD" ]; then
    have_maria=1
    for ssl in on off; do
        d=$SRV/maria-$ssl
        certdir "$d" mysql
        mkdir -p "$d/data"
        [ "$(id -u)" != 0 ] || ! id mysql >/dev/null 2>&1 || chown mysql "$d/data"
        port=$(tp_free_port)
        eval "MARIA_PORT_$ssl=$port"
        tls=(--ssl-cert="$d/cert.pem" --ssl-key="$d/key.pem")
        [ $ssl = on ] || tls=(--skip-ssl)
        # an empty datadir is enough without grant tables; Aria instead of InnoDB
        # keeps the start under a second and the datadir at a few KB
        as_user mysql
        tp_bg timeout 60 "${AS[@]}" "$MARIADBD" --no-defaults --datadir="$d/data" --port="$port" \
            --bind-address=127.0.0.1 --skip-networking=0 --socket="$d/sock" --pid-file="$d/pid" \
            --skip-grant-tables --innodb=OFF --default-storage-engine=Aria --default-tmp-storage-engine=Aria \
            --skip-log-bin --log-error="$d/log" "${tls[@]}" >"$d/out" 2>&1
        eval "MARIA_PID_$ssl=$TP_BG_PID"
    done
else
    echo "skip - MariaDB not installed (apt-get install mariadb-server)"
fi

if command -v prosody >/dev/null; then
    have_prosody=1
    d=$SRV/prosody
    certdir "$d" prosody
    mkdir -p "$d/data"
    [ "$(id -u)" != 0 ] || ! id prosody >/dev/null 2>&1 || chown prosody "$d/data"
    XMPP_PORT=$(tp_free_port)
    cat >"$d/prosody.cfg.lua" <<EOF
pidfile = "$d/prosody.pid"
data_path = "$d/data"
log = { { levels = { min = "info" }, to = "file", filename = "$d/prosody.log" } }
modules_enabled = { "tls", "saslauth" }
modules_disabled = { "s2s" }
interfaces = { "127.0.0.1" }
c2s_interfaces = { "127.0.0.1" }
c2s_ports = { $XMPP_PORT }
c2s_direct_tls_ports = {}
s2s_ports = {}
authentication = "internal_plain"
storage = "memory"
certificates = "$d/none"
VirtualHost "localhost"
    ssl = { certificate = "$d/cert.pem", key = "$d/key.pem" }
VirtualHost "server.test"
    ssl = { certificate = "$d/leaf.pem", key = "$d/key.pem" }
VirtualHost "plain.test"
    modules_disabled = { "tls" }
    c2s_require_encryption = false
    allow_unencrypted_plain_auth = true
EOF
    as_user prosody
    tp_bg timeout 60 "${AS[@]}" prosody -F --config "$d/prosody.cfg.lua" >"$d/out" 2>&1
    XMPP_PID=$TP_BG_PID
else
    echo "skip - Prosody not installed (apt-get install prosody)"
fi

if $PY3 -c 'import pyftpdlib.handlers, OpenSSL' 2>/dev/null; then
    have_ftp=1
    d=$SRV/ftp
    certdir "$d" root
    cat >"$d/ftpd.py" <<'EOF'
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer
port, tls, cert, key, root = int(sys.argv[1]), sys.argv[2] == "yes", sys.argv[3], sys.argv[4], sys.argv[5]
h = TLS_FTPHandler if tls else FTPHandler
if tls:
    h.certfile, h.keyfile = cert, key
h.authorizer = DummyAuthorizer()
h.authorizer.add_anonymous(root)
FTPServer(("127.0.0.1", port), h).serve_forever(timeout=1)
EOF
    for tls in yes no; do
        port=$(tp_free_port)
        eval "FTP_PORT_$tls=$port"
        tp_bg timeout 60 $PY3 "$d/ftpd.py" "$port" "$tls" "$d/cert.pem" "$d/key.pem" "$d" >"$d/log.$tls" 2>&1
        eval "FTP_PID_$tls=$TP_BG_PID"
    done
else
    echo "skip - pyftpdlib not installed (apt-get install python3-pyftpdlib)"
fi

[ -n "$have_maria$have_prosody$have_ftp" ] || exit 77

# ---- MariaDB ----
if [ -n "$have_maria" ]; then
    if tp_wait_listen "$MARIA_PORT_on" 20; then
        tp_expect_exit "mysql (real MariaDB, TLS)" 0 "$TLSPROBE" connect "localhost:$MARIA_PORT_on" --starttls mysql \
            "${CA[@]}" --timeout 8 --format json
        tp_json "mysql: starttls ok, chain of 2 verified, no findings" "$TP_OUT" \
            "j['starttls']['protocol']=='mysql' and j['starttls']['status']=='ok' and j['outcome']['status']=='ok' \
             and j['handshake_complete'] and j['server_verification']['valid'] and len(j['certificates'])==2 and ids(j)==[]"
        tp_json "mysql: the server's Handshake v10 (CLIENT_SSL), then our SSLRequest" "$TP_OUT" \
            "[l['dir'] for l in j['starttls']['exchange']]==['s2c','c2s'] \
             and 'MariaDB' in j['starttls']['exchange'][0]['text'] and '(CLIENT_SSL)' in j['starttls']['exchange'][0]['text'] \
             and j['starttls']['exchange'][1]['text'].startswith('SSLRequest')"
        text_has "mysql (real MariaDB, TLS)" mysql ok "C → S  SSLRequest (CLIENT_SSL)" \
            "$TLSPROBE" connect "localhost:$MARIA_PORT_on" --starttls mysql "${CA[@]}" --timeout 8
        grep -F "── TLS from here on ──" "$TP_TMP/text.out" >/dev/null &&
            grep -F "Verification of the server's chain: ok" "$TP_TMP/text.out" >/dev/null
        tp_check "mysql: text view: TLS after the exchange, chain ok" $?
        # the default port's protocol: --starttls auto does not apply to a free port,
        # so mysql:// names it
        tp_expect_exit "mysql:// URL chooses mysql" 0 "$TLSPROBE" connect "mysql://localhost:$MARIA_PORT_on/" \
            "${CA[@]}" --timeout 8 --format json
        tp_json "mysql://: starttls mysql ok" "$TP_OUT" "j['starttls'] and j['starttls']['protocol']=='mysql' \
            and j['outcome']['status']=='ok'"
    else
        tp_check "MariaDB (TLS) started" 1
        cat "$SRV/maria-on/log" >&2 2>/dev/null
    fi
    if tp_wait_listen "$MARIA_PORT_off" 20; then
        tp_expect_exit "mysql (real MariaDB, --skip-ssl)" 1 "$TLSPROBE" connect "localhost:$MARIA_PORT_off" \
            --starttls mysql "${CA[@]}" --timeout 8 --format json
        tp_json "mysql --skip-ssl: starttls unavailable (no CLIENT_SSL)" "$TP_OUT" \
            "j['starttls']['status']=='unavailable' and 'CLIENT_SSL' in j['starttls']['detail'] \
             and ids(j)==['starttls-unavailable'] and j['messages']==[]"
        text_has "mysql (real MariaDB, --skip-ssl)" mysql unavailable "STARTTLS failed: the server's capabilities lack" \
            "$TLSPROBE" connect "localhost:$MARIA_PORT_off" --starttls mysql "${CA[@]}" --timeout 8
    else
        tp_check "MariaDB (--skip-ssl) started" 1
        cat "$SRV/maria-off/log" >&2 2>/dev/null
    fi
    PIDFILES+=("$SRV/maria-on/pid" "$SRV/maria-off/pid") BGPIDS+=("$MARIA_PID_on" "$MARIA_PID_off")
fi

# ---- Prosody ----
if [ -n "$have_prosody" ]; then
    if tp_wait_listen "$XMPP_PORT" 20; then
        tp_expect_exit "xmpp (real Prosody, localhost)" 0 "$TLSPROBE" connect "localhost:$XMPP_PORT" --starttls xmpp \
            "${CA[@]}" --timeout 8 --format json
        tp_json "xmpp: stream to='localhost', <starttls/>, <proceed/>, chain verified" "$TP_OUT" \
            "j['starttls']['status']=='ok' and j['outcome']['status']=='ok' and j['server_verification']['valid'] \
             and ids(j)==[] and \"to='localhost'\" in j['starttls']['exchange'][0]['text'] \
             and [l['text'][:9] for l in j['starttls']['exchange'][-2:]]==['<starttls','<proceed ']"
        text_has "xmpp (real Prosody)" xmpp ok "C ← S  <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" \
            "$TLSPROBE" connect "localhost:$XMPP_PORT" --starttls xmpp "${CA[@]}" --timeout 8
        # --servername is the XMPP domain (and the SNI): this host serves the leaf alone
        tp_expect_exit "xmpp --servername server.test (leaf only)" 1 "$TLSPROBE" connect "127.0.0.1:$XMPP_PORT" \
            --servername server.test --starttls xmpp "${CA[@]}" --intermediates "$PKI/int.pem" --timeout 8 --format json
        tp_json "xmpp server.test: to='server.test', the missing intermediate found" "$TP_OUT" \
            "j['starttls']['status']=='ok' and \"to='server.test'\" in j['starttls']['exchange'][0]['text'] \
             and len(j['certificates'])==1 and not j['server_verification']['valid'] and 'missing-intermediate' in ids(j)"
        tp_expect_exit "xmpp plain.test (no mod_tls)" 1 "$TLSPROBE" connect "127.0.0.1:$XMPP_PORT" \
            --servername plain.test --starttls xmpp "${CA[@]}" --timeout 8 --format json
        tp_json "xmpp plain.test: starttls unavailable" "$TP_OUT" \
            "j['starttls']['status']=='unavailable' and ids(j)==['starttls-unavailable'] \
             and 'stream:features' in j['starttls']['exchange'][-1]['text']"
        # no --servername on an address: the domain is the address, which the server does not serve
        tp_expect_exit "xmpp to an unserved domain" 1 "$TLSPROBE" connect "127.0.0.1:$XMPP_PORT" --starttls xmpp \
            "${CA[@]}" --timeout 8 --format json
        tp_json "xmpp 127.0.0.1: refused, host-unknown named, --servername suggested" "$TP_OUT" \
            "j['starttls']['status']=='refused' and ids(j)==['starttls-refused'] \
             and j['starttls']['detail'].startswith('host-unknown') and '--servername' in j['starttls']['detail']"
    else
        tp_check "Prosody started" 1
        cat "$SRV/prosody/prosody.log" >&2 2>/dev/null
    fi
    PIDFILES+=("$SRV/prosody/prosody.pid") BGPIDS+=("$XMPP_PID")
fi

# ---- pyftpdlib ----
if [ -n "$have_ftp" ]; then
    if tp_wait_listen "$FTP_PORT_yes" 20; then
        tp_expect_exit "ftp (real pyftpdlib, AUTH TLS)" 0 "$TLSPROBE" connect "localhost:$FTP_PORT_yes" --starttls ftp \
            "${CA[@]}" --timeout 8 --format json
        tp_json "ftp: 220, AUTH TLS, 234, chain verified" "$TP_OUT" \
            "j['starttls']['status']=='ok' and j['server_verification']['valid'] and ids(j)==[] \
             and [l['text'][:3] for l in j['starttls']['exchange']]==['220','AUT','234']"
        text_has "ftp (real pyftpdlib)" ftp ok "C → S  AUTH TLS" \
            "$TLSPROBE" connect "localhost:$FTP_PORT_yes" --starttls ftp "${CA[@]}" --timeout 8
    else
        tp_check "pyftpdlib (TLS) started" 1
        cat "$SRV/ftp/log.yes" >&2
    fi
    if tp_wait_listen "$FTP_PORT_no" 20; then
        tp_expect_exit "ftp (real pyftpdlib, no TLS)" 1 "$TLSPROBE" connect "localhost:$FTP_PORT_no" --starttls ftp \
            "${CA[@]}" --timeout 8 --format json
        tp_json "ftp no TLS: 500 to AUTH, starttls unavailable" "$TP_OUT" \
            "j['starttls']['status']=='unavailable' and ids(j)==['starttls-unavailable'] \
             and j['starttls']['exchange'][-1]['text'].startswith('500 ')"
    else
        tp_check "pyftpdlib (no TLS) started" 1
        cat "$SRV/ftp/log.no" >&2
    fi
    BGPIDS+=("$FTP_PID_yes" "$FTP_PID_no")
fi

stop_all
tp_finish
