#!/usr/bin/env bash
# --format html in a real browser (issue 22 point 4). Reports from connect (a good
# chain, a failing one, a certificate whose names are HTML and script, and a
# STARTTLS upgrade with its plain-text exchange), pcap
# (three fixture captures, decrypted with their key logs), listen (two openssl
# s_client, one sending a hostile SNI) and demo all are loaded in headless
# Chromium (--dump-dom runs the page's script, which builds the index), and the
# DOM is checked: one section per session and an index entry for each, the
# finding ids as data-finding elements, one ladder arrow per message, the embedded
# JSON parses and equals --format json of the same input (pcap: exactly; live
# runs: but for the fields that differ between two runs, listed in VOLATILE),
# nothing injected by the hostile names, no script but ours (its hash and the
# style's are the page's Content-Security-Policy), nothing that could load from
# the network. Then a screenshot, which must be a real PNG.
# Skipped (77) only when chromium is not installed (scripts/deps.sh installs it).
. "$(dirname "$0")/lib.sh"

CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
    echo "SKIP: chromium is not installed (apt-get install chromium; scripts/deps.sh does it)"
    exit 77
fi

# chromium PAGE.html OUT MODE: MODE dom (the DOM after the script ran) or png.
chrome() {
    local prof
    prof=$(mktemp -d "$TP_TMP/chrome.XXXXXX")
    if [ "$3" = dom ]; then
        timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --user-data-dir="$prof" \
            --dump-dom "file://$1" > "$2" 2> "$2.err"
    else
        timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --user-data-dir="$prof" \
            --hide-scrollbars --screenshot="$2" --window-size=1280,2000 "file://$1" > /dev/null 2> "$2.err"
    fi
}

cat > "$TP_TMP/check.py" <<'EOF'
import base64, hashlib, json, re, sys
from html.parser import HTMLParser

raw_path, dom_path, json_path, mode, want = sys.argv[1:6]
needles = sys.argv[6:]
fails = []
def fail(msg): fails.append(msg)

class Page(HTMLParser):
    """Sections with their arrows, findings and JSON; the index; every
    element and attribute, to look for anything external or injected."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections, self.cur, self.stack = [], None, []
        self.index, self.in_index, self.scripts, self.ids = 0, False, [], []
        self.attrs, self.tags, self.text, self.grab = [], [], [], None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get('class') or '').split()
        self.tags.append(tag)
        self.attrs += [(tag, k, v or '') for k, v in attrs]
        if a.get('id'): self.ids.append(a['id'])
        if tag == 'section' and 'session' in cls:
            self.cur = {'arrows': 0, 'dec': 0, 'findings': [], 'json': '', 'data': a, 'text': []}
            self.sections.append(self.cur)
        if tag == 'ol' and a.get('id') == 'index-list': self.in_index = True
        if tag == 'li' and self.in_index: self.index += 1
        if self.cur is not None:
            if tag == 'g' and 'msg' in cls:
                self.cur['arrows'] += 1
                self.cur['dec'] += 'dec' in cls
            if tag == 'li' and 'data-finding' in a: self.cur['findings'].append(a['data-finding'])
            if tag == 'pre' and 'json' in cls: self.grab = 'json'
        if tag == 'script':
            self.scripts.append(a.get('type', '')); self.grab = 'script'
            self.script_text = ''
        if tag == 'style': self.grab = 'style'; self.style_text = ''
    def handle_endtag(self, tag):
        if tag == 'section': self.cur = None
        if tag == 'ol': self.in_index = False
        if tag in ('pre', 'script', 'style'): self.grab = None
    def handle_data(self, d):
        if self.grab == 'json' and self.cur is not None: self.cur['json'] += d
        elif self.grab == 'script': self.script_text += d
        elif self.grab == 'style': self.style_text += d
        elif self.cur is not None: self.cur['text'].append(d)

def parse(path):
    p = Page(); p.feed(open(path, encoding='utf-8').read()); p.close(); return p

raw, dom = parse(raw_path), parse(dom_path)
rawtext = open(raw_path, encoding='utf-8').read()

# Nothing external: no src at all, links only within the page, no CSS loads.
for tag, k, v in raw.attrs:
    if k in ('src', 'srcset', 'action', 'formaction', 'poster', 'data', 'xlink:href', 'background'):
        fail('attribute %s on <%s>: %r' % (k, tag, v[:80]))
    if k == 'href' and not v.startswith('#'):
        fail('href out of the page: %r' % v[:80])
for pat in (r'url\(', r'@import', r'<link\b', r'<iframe\b', r'<img\b', r'<object\b', r'<embed\b'):
    if re.search(pat, rawtext, re.I): fail('external-looking %s in the file' % pat)
if re.search(r'(?:src|href)\s*=\s*["\']?\s*(?:https?:)?//', rawtext, re.I): fail('an http(s) URL in src/href')
# The Content-Security-Policy pins our one style and one script.
def h(x): return "'sha256-" + base64.b64encode(hashlib.sha256(x.encode()).digest()).decode() + "'"
csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', rawtext)
if not csp: fail('no Content-Security-Policy')
else:
    c = csp.group(1)
    for what, x in (('style', raw.style_text), ('script', raw.script_text)):
        if h(x) not in c:
            fail('the %s hash %s is not in the CSP (update RH_%s_SHA256 in src/render/html.c)' %
                 (what, h(x), 'CSS' if what == 'style' else 'JS'))
    if "default-src 'none'" not in c: fail('CSP without default-src none')

# Nothing injected: our one script, no element from a hostile name.
if dom.scripts != ['']: fail('scripts in the DOM: %r' % dom.scripts)
for bad in ('img', 'iframe', 'object', 'embed'):
    if bad in dom.tags: fail('a <%s> element in the DOM' % bad)
if 'pwn' in dom.ids or 'pwn2' in dom.ids: fail('an injected id in the DOM')

want = int(want)
if len(dom.sections) != want: fail('%d sections, want %d' % (len(dom.sections), want))
if dom.index != want: fail('%d index entries (the script builds them), want %d' % (dom.index, want))

expect = [j for j in (json.loads(l) for l in open(json_path, encoding='utf-8') if l.strip().startswith('{'))
          if j.get('type') == 'session']
# Fields that differ between two live runs of the same thing (times, ports,
# randoms, signature lengths, when close_notify came; the demo's PKI is made
# afresh each run).
VOLATILE = {'timings', 't_ms', 'client', 'client_port', 'server_port', 'community_id', 'length', 'bytes',
            'expires_in_days', 'days_left', 'random', 'session_id', 'ja3', 'ja3_string',
            'ja4', 'ja3s', 'ja3s_string', 'server', 'not_before', 'not_after', 'serial', 'sha256', 'spki_sha256',
            'ski', 'aki', 'key_share', 'key_shares', 'store', 'ticket_lifetime', 'detail', 'sent_index', 'text',
            'ticket_age_add', 'status_line', 'records', 'offset', 'alerts_total', 'alert_count', 'after', 'ja4s',
            'ja4s_r', 'ja4x'}
def closing(m): # a close_notify: sent or not before the other side closes, by timing
    return isinstance(m, dict) and (m.get('description') == 'close_notify' or m.get('name') == 'close_notify')
def norm(x):
    if isinstance(x, dict):
        return {k: norm([m for m in v if not closing(m)] if k == 'messages' else v) for k, v in x.items()
                if k not in VOLATILE}
    if isinstance(x, list): return [norm(v) for v in x]
    return x
def shape(x):
    if isinstance(x, dict): return {k: shape(v) for k, v in x.items() if k not in VOLATILE}
    if isinstance(x, list): return [shape(v) for v in x]
    return type(x).__name__
def first_diff(a, b, p=''):
    if type(a) != type(b): return p or '/'
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b: return p + '/' + k
            d = first_diff(a[k], b[k], p + '/' + k)
            if d: return d
    elif isinstance(a, list):
        if len(a) != len(b): return p + ' (length)'
        for i, (u, v) in enumerate(zip(a, b)):
            d = first_diff(u, v, '%s/%d' % (p, i))
            if d: return d
    elif a != b: return '%s: %r vs %r' % (p, str(a)[:60], str(b)[:60])
    return None
got = []
for i, s in enumerate(dom.sections):
    try:
        j = json.loads(s['json'])
    except Exception as e:
        fail('section %d: embedded JSON does not parse: %s' % (i + 1, e)); continue
    got.append(j)
    if s['arrows'] != len(j['messages']):
        fail('section %d: %d arrows for %d messages' % (i + 1, s['arrows'], len(j['messages'])))
    ids = [f['id'] for f in j['findings']]
    if s['findings'] != ids: fail('section %d: data-finding %r, JSON %r' % (i + 1, s['findings'], ids))
    if not s['data'].get('data-endpoint'): fail('section %d: no data-endpoint' % (i + 1))
    if (s['data'].get('data-first-finding') or None) != (ids[0] if ids else None):
        fail('section %d: data-first-finding %r' % (i + 1, s['data'].get('data-first-finding')))
    dec = sum(1 for m in j['messages'] if m.get('decrypted'))
    if s['dec'] != dec: fail('section %d: %d arrows marked decrypted, %d messages decrypted' % (i + 1, s['dec'], dec))
if len(got) != len(expect): fail('%d sessions in the page, %d in --format json' % (len(got), len(expect)))
elif mode == 'exact':
    if got != expect: fail('embedded JSON differs from --format json at %s' % first_diff(got, expect))
elif mode == 'live':
    for i, (g, e) in enumerate(zip(got, expect)):
        if norm(g) != norm(e):
            fail('section %d: JSON differs from --format json beyond the volatile fields at %s '
                 '(findings: page %r, --format json %r)' % (i + 1, first_diff(norm(g), norm(e)),
                 [f['id'] for f in g['findings']], [f['id'] for f in e['findings']]))
elif mode == 'shape':
    for i, (g, e) in enumerate(zip(got, expect)):
        if shape(g) != shape(e):
            fail('section %d: JSON keys differ from --format json at %s' % (i + 1, first_diff(shape(g), shape(e))))
        for k in ('messages', 'findings'):
            a = [m.get('type', m.get('id')) for m in g[k]]; b = [m.get('type', m.get('id')) for m in e[k]]
            if a != b: fail('section %d: %s %r, --format json %r' % (i + 1, k, a, b))
alltext = ''.join(''.join(s['text']) for s in dom.sections)
for n in needles:
    if n not in alltext: fail('text %r not shown as text' % n)
for f in fails: print('  ' + f)
sys.exit(1 if fails else 0)
EOF

# check NAME HTML JSONL MODE SESSIONS [TEXT...]: start Chromium on the page now
# (the loads run side by side: each one mostly waits), check its DOM in check_all.
N_CHECKS=0
check() {
    local html=$2
    N_CHECKS=$((N_CHECKS + 1))
    printf '%s\0' "$@" > "$TP_TMP/check.$N_CHECKS"
    tp_bg chrome "$html" "$html.dom" dom
    echo "$TP_BG_PID" > "$TP_TMP/check.$N_CHECKS.pid"
}
check_all() {
    local i args
    for ((i = 1; i <= N_CHECKS; i++)); do
        mapfile -d '' -t args < "$TP_TMP/check.$i"
        wait "$(cat "$TP_TMP/check.$i.pid")"
        # A load that ran out of time beside the others gets one more try alone.
        [ -s "${args[1]}.dom" ] || chrome "${args[1]}" "${args[1]}.dom" dom
        if [ ! -s "${args[1]}.dom" ]; then
            tp_check "${args[0]}: chromium loads the page" 1
            tail -3 "${args[1]}.dom.err" >&2
            continue
        fi
        python3 "$TP_TMP/check.py" "${args[1]}" "${args[1]}.dom" "${args[@]:2}"
        tp_check "${args[0]}: sections, index, findings, arrows, JSON, nothing external or injected" $?
    done
}

# ---- connect: a good chain, a failing one, a hostile certificate ----
tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key" -cert_chain "$PKI/int.pem"
C=(127.0.0.1:"$TP_PORT" --servername localhost --cafile "$PKI/ca-bundle.pem")
tp_expect_exit "connect good --format html" 0 "$TLSPROBE" connect "${C[@]}" --format html
cp "$TP_OUT" "$TP_TMP/good.html"
"$TLSPROBE" connect "${C[@]}" --format json > "$TP_TMP/good.json"
check "connect, good chain" "$TP_TMP/good.html" "$TP_TMP/good.json" live 1
grep -q 'class="cert' "$TP_TMP/good.html" && grep -q 'trust store' "$TP_TMP/good.html"
tp_check "connect good: the chain ends in the trust store" $?
tp_kill "$TP_SRV_PID"

tp_s_server -cert "$PKI/good.pem" -key "$PKI/good.key"
C=(127.0.0.1:"$TP_PORT" --servername localhost --cafile "$PKI/ca-bundle.pem" --no-aia --stack openssl)
tp_expect_exit "connect, leaf only --format html" 1 "$TLSPROBE" connect "${C[@]}" --format html
cp "$TP_OUT" "$TP_TMP/bad.html"
"$TLSPROBE" connect "${C[@]}" --format json > "$TP_TMP/bad.json"
check "connect, chain without its intermediate" "$TP_TMP/bad.html" "$TP_TMP/bad.json" live 1
grep -q 'data-finding="missing-intermediate"\|data-finding="unknown-authority"' "$TP_TMP/bad.html" &&
    grep -q 'class="cert missing"' "$TP_TMP/bad.html" && grep -q 'class="stackfix"' "$TP_TMP/bad.html"
tp_check "connect, leaf only: the finding, the issuer not found, the --stack fix" $?
tp_kill "$TP_SRV_PID"

# A certificate whose names are markup and script. (90 days: with 30, the first
# run could fall in the second it was made, 30 days left and no expiring-soon,
# and the second run a second later, 29 days left and the finding.)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TP_TMP/h.key" -out "$TP_TMP/h.pem" \
    -days 90 -subj "/O=a&b<i>'\"<\\/script>/CN=<\\/script><b id=\"pwn\">x<\\/b>&amp;" \
    -addext "subjectAltName=DNS:<img src=x onerror=alert(1)>.test,DNS:localhost" 2> /dev/null
tp_s_server -cert "$TP_TMP/h.pem" -key "$TP_TMP/h.key"
C=(127.0.0.1:"$TP_PORT" --servername localhost --cafile "$PKI/ca-bundle.pem" --no-aia)
tp_expect_exit "connect, hostile names --format html" 1 "$TLSPROBE" connect "${C[@]}" --format html
cp "$TP_OUT" "$TP_TMP/hostile.html"
"$TLSPROBE" connect "${C[@]}" --format json > "$TP_TMP/hostile.json"
check "connect, certificate names with </script> and markup" "$TP_TMP/hostile.html" "$TP_TMP/hostile.json" live 1 \
    'DNS:<img src=x onerror=alert(1)>.test' 'x\\</b\\>&amp\\;' 'O=a&b\\<i\\>'"'"'\\"\\</script\\>' 
tp_kill "$TP_SRV_PID"

# ---- connect --starttls: the plain-text exchange before the ladder ----
# (the scripted SMTP peer of test_starttls.sh, two connections: html, json)
rm -f "$TP_TMP/st.port"
tp_bg timeout 30 python3 "$TP_SRC/tests/integration/starttls_peer.py" smtp ok "$PKI/good-fullchain.pem" \
    "$PKI/good.key" "$TP_TMP/st.port" --count 2 --lifetime 25
ST_PID=$TP_BG_PID
for _ in $(seq 200); do
    [ -s "$TP_TMP/st.port" ] && break
    sleep 0.05
done
C=(localhost:"$(cat "$TP_TMP/st.port" 2> /dev/null)" --starttls smtp --cafile "$PKI/root.pem" --timeout 8)
tp_expect_exit "connect --starttls smtp --format html" 0 "$TLSPROBE" connect "${C[@]}" --format html
cp "$TP_OUT" "$TP_TMP/starttls.html"
"$TLSPROBE" connect "${C[@]}" --format json > "$TP_TMP/starttls.json"
check "connect --starttls smtp" "$TP_TMP/starttls.html" "$TP_TMP/starttls.json" live 1 \
    'Plain text before TLS: STARTTLS (smtp), ok' '250-STARTTLS' 'EHLO tlsprobe.invalid' 'TLS from here on.'
grep -q '<ol class="plain" data-starttls="smtp" data-status="ok">' "$TP_TMP/starttls.html" &&
    [ "$(grep -c '<li class="c2s">' "$TP_TMP/starttls.html")" = 2 ] &&
    [ "$(grep -c '<li class="s2c">' "$TP_TMP/starttls.html")" = 7 ]
tp_check "connect --starttls: the exchange, 2 lines sent and 7 received, before the ladder" $?
tp_kill "$ST_PID"

# ---- pcap: three captures, decrypted with their key logs ----
CAP=$TP_FIXTURES/captures
cat "$CAP/tls13-good.keylog" "$CAP/tls12-good.keylog" "$CAP/tls13-hrr.keylog" > "$TP_TMP/all.keylog"
P=("$CAP/tls13-good.pcap" "$CAP/tls12-good.pcap" "$CAP/tls13-hrr.pcap" --keylog "$TP_TMP/all.keylog")
"$TLSPROBE" pcap "${P[@]}" --format html > "$TP_TMP/pcap.html" 2> "$TP_TMP/pcap.err"
"$TLSPROBE" pcap "${P[@]}" --format json --no-summary > "$TP_TMP/pcap.json" 2> /dev/null
check "pcap of three captures" "$TP_TMP/pcap.html" "$TP_TMP/pcap.json" exact 3
grep -q '<g class="msg [a-z2 ]* dec"' "$TP_TMP/pcap.html"
tp_check "pcap with key logs: decrypted messages marked in the ladder" $?
# A capture with no TLS is still a page, with an empty index; a missing file prints nothing.
"$TLSPROBE" pcap /nonexistent.pcap --format html > "$TP_TMP/none.html" 2> /dev/null
[ ! -s "$TP_TMP/none.html" ]
tp_check "pcap of a missing file: nothing on stdout" $?

# ---- listen: two openssl s_client, one with a hostile SNI ----
listen_run() { # OUT FORMAT
    tp_bg timeout 30 "$TLSPROBE" listen 127.0.0.1:0 --cert "$PKI/good-fullchain.pem" --key "$PKI/good.key" \
        --count 2 --linger 0 --format "$2" > "$1" 2> "$1.err"
    local lpid=$TP_BG_PID port=
    for _ in $(seq 250); do
        port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$1.err")
        [ -n "$port" ] && break
        sleep 0.02
    done
    timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername localhost < /dev/null > /dev/null 2>&1
    timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername '</script><b id=pwn2>&' < /dev/null \
        > /dev/null 2>&1
    wait "$lpid"
}
listen_run "$TP_TMP/listen.html" html
listen_run "$TP_TMP/listen.json" json
check "listen, two clients (one hostile SNI)" "$TP_TMP/listen.html" "$TP_TMP/listen.json" live 2 \
    'SNI </script><b id=pwn2>&'

# ---- demo all ----
tp_expect_exit "demo all --format html" 0 "$TLSPROBE" demo all --format html
cp "$TP_OUT" "$TP_TMP/demo.html"
"$TLSPROBE" demo all --format json > "$TP_TMP/demo.json"
check "demo all" "$TP_TMP/demo.html" "$TP_TMP/demo.json" shape 9
[ "$(grep -c '<p class="caption">demo ' "$TP_TMP/demo.html")" = 9 ]
tp_check "demo all: each section says its scenario" $?

# ---- a screenshot, while the pages load ----
chrome "$TP_TMP/demo.html" "$TP_TMP/demo.png" png
[ -s "$TP_TMP/demo.png" ] || chrome "$TP_TMP/demo.html" "$TP_TMP/demo.png" png # out of time beside the loads: once more
python3 - "$TP_TMP/demo.png" <<'EOF'
import os, struct, sys
b = open(sys.argv[1], 'rb').read() if os.path.exists(sys.argv[1]) else b
ok = b[:8] == b'\x89PNG\r\n\x1a\n' and len(b) > 20000
w, h = struct.unpack('>II', b[16:24]) if ok else (0, 0)
print('  screenshot: %d bytes, %dx%d' % (len(b), w, h))
sys.exit(0 if ok and w == 1280 and h == 2000 else 1)
EOF
tp_check "screenshot: a 1280x2000 PNG with something on it" $?

check_all

# ---- the other commands refuse it ----
for c in check inspect explain; do
    tp_expect_exit "$c --format html refused" 2 "$TLSPROBE" "$c" x --format html
    [ "$(wc -l < "$TP_ERR")" = 1 ]
    tp_check "$c --format html: one line on stderr" $?
done
tp_finish
