#!/usr/bin/env python3
"""Run every tlsprobe example of README.md, docs/*.md and the man page's EXAMPLES
(issue 17: docs match the binary). Used by test_docs_examples.sh, which sets up
the sandbox (files named in the examples, a lab s_server) and passes:
  docs_examples.py SRC SANDBOX TLSPROBE PORT [--update]
Each example is a line in a fenced code block that starts with "tlsprobe " or
"$ tlsprobe " (an environment assignment or "sudo" may come first). Every one must
exit 0 or 1: 2 means an option, value or file name the binary no longer takes.
A "$ tlsprobe ..." line is followed by its output up to the next "$ " line or the
block's end, and a fenced block right after "<!-- output of: tlsprobe ... -->"
is that command's output: both are compared with what the binary prints now
after normalising times, ports, dates, day counts, temp paths, sizes that vary
per run (certificates and signatures made at run time) and runs of spaces; a
line "..." in the documented output stands for any lines. --update rewrites
those blocks with the current output instead."""
import glob, os, re, shlex, subprocess, sys

SRC, BOX, TLSPROBE, PORT = sys.argv[1:5]
UPDATE = '--update' in sys.argv
HOSTS = {'example.internal:8443', '10.0.0.5:443', 'example.com', '127.0.0.1:8443', 'example.com:443'}
FILE_SUFFIX = re.compile(r'\.(pem|crt|key|csr|der|p12|pcap|pcapng|log|crl)$')

def sources():
    files = [os.path.join(SRC, 'README.md')] + sorted(glob.glob(os.path.join(SRC, 'docs', '*.md')))
    return [f for f in files if not f.endswith('architecture.md')]

def examples_md(path):
    """(lineno, command, expected-lines or None, block span for --update)"""
    out = []
    lines = open(path, encoding='utf-8').read().split('\n')
    i, pending = 0, None
    while i < len(lines):
        m = re.match(r'<!-- output of: (tlsprobe .*) -->', lines[i])
        if m:
            pending = m.group(1)
        if lines[i].startswith('```'):
            j = i + 1
            while j < len(lines) and not lines[j].startswith('```'):
                j += 1
            body = lines[i + 1:j]
            if pending:
                out.append((i + 2, pending, body, (i + 1, j)))
                pending = None
            else:
                k = 0
                while k < len(body):
                    l = body[k]
                    if l.startswith('$ '):
                        cmd = l[2:]
                        e = k + 1
                        while e < len(body) and not body[e].startswith('$ '):
                            e += 1
                        if is_tlsprobe(cmd):
                            out.append((i + 2 + k, cmd, body[k + 1:e], (i + 1 + k + 1, i + 1 + e)))
                        k = e
                        continue
                    if is_tlsprobe(l):
                        out.append((i + 2 + k, l, None, None))
                    k += 1
            i = j + 1
            continue
        i += 1
    return out

def is_tlsprobe(l):
    return bool(re.match(r'^(\w+=\S+ |sudo )*tlsprobe ', l))

def examples_man(path):
    out, on = [], False
    for n, l in enumerate(open(path, encoding='utf-8'), 1):
        l = l.rstrip('\n')
        if l.startswith('.SH '):
            on = l.strip() == '.SH EXAMPLES'
            continue
        l = l.replace('\\-', '-')
        if on and l.startswith('tlsprobe '):
            out.append((n, l, None, None))
    return out

def normalise(lines):
    res = []
    for l in lines:
        l = re.sub(r'\x1b\[[0-9;]*m', '', l)
        l = re.sub(r'\d+\.\d+ ms', 'T ms', l)
        l = re.sub(r'(\d{1,3}\.){3}\d{1,3}:\d+', 'ADDR:PORT', l)
        l = re.sub(r'\[[0-9a-f:]+\]:\d+', 'ADDR:PORT', l)
        l = re.sub(r'\d{4}-\d\d-\d\d( \d\d:\d\d:\d\d UTC)?', 'DATE', l)
        l = re.sub(r'\d+ days?', 'N days', l)
        l = re.sub(r'/tmp/\S+/', 'TMP/', l)
        l = re.sub(r'\b[0-9a-f]{32,}\b', 'HASH', l)
        if re.search(r'Certificate|CertificateVerify|ServerKeyExchange|ClientKeyExchange', l):
            l = re.sub(r'\d+ B\b', 'N B', l)
        l = re.sub(r'[ \t]+', ' ', l).strip()
        res.append(l)
    while res and not res[-1]:
        res.pop()
    return res

def matches(doc, got):
    """doc may hold '...' lines standing for any run of lines."""
    def rec(i, j):
        if i == len(doc):
            return j == len(got)
        if doc[i] == '...':
            return any(rec(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and doc[i] == got[j] and rec(i + 1, j + 1)
    return rec(0, 0)

def prepare(cmd):
    """-> (argv, env, jq, mode) or None to skip."""
    cmd = re.sub(r'\s{2,}#.*$', '', cmd).strip()
    jq = False
    redirect = None
    m = re.search(r'\s>\s*(\S+)$', cmd)
    if m:
        cmd, redirect = cmd[:m.start()], m.group(1)
    if ' | ' in cmd:
        cmd, rest = cmd.split(' | ', 1)
        jq = rest.strip().startswith('jq')
    argv = shlex.split(cmd)
    env = dict(os.environ, COLUMNS='80')
    env.pop('SSLKEYLOGFILE', None)
    sudo = False
    while argv and (argv[0] == 'sudo' or re.match(r'^\w+=', argv[0])):
        if argv[0] == 'sudo':
            sudo = True
        else:
            k, v = argv[0].split('=', 1)
            env[k] = v
        argv = argv[1:]
    argv = [TLSPROBE] + argv[1:]
    argv = [('127.0.0.1:' + PORT) if a in HOSTS else a for a in argv]
    expanded = []
    for a in argv:
        if '*' in a:
            expanded += sorted(glob.glob(os.path.join(BOX, a))) and [os.path.relpath(p, BOX) for p in sorted(glob.glob(os.path.join(BOX, a)))] or [a]
        else:
            expanded.append(a)
    argv = expanded
    mode = 'run'
    if len(argv) > 1 and argv[1] == 'sniff':
        mode = 'options'   # capturing needs root: the options are checked, not run
        argv.append('--help')
    elif len(argv) > 1 and argv[1] == 'listen':
        mode = 'listen'
        argv = [a if not re.fullmatch(r'\d+', a) or i != 2 else '127.0.0.1:0' for i, a in enumerate(argv)]
    return argv, env, jq, mode, redirect

def run(argv, env, mode):
    timeout = 3 if mode == 'listen' else 60
    try:
        p = subprocess.run(argv, cwd=BOX, env=env, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return 124, (e.stdout or b'').decode() if isinstance(e.stdout, bytes) else (e.stdout or ''), \
            (e.stderr or b'').decode() if isinstance(e.stderr, bytes) else (e.stderr or '')

fails, n = [], 0
updates = {}
srcs = [(f, examples_md(f)) for f in sources()]
srcs.append((os.path.join(SRC, 'man', 'tlsprobe.1'), examples_man(os.path.join(SRC, 'man', 'tlsprobe.1'))))
for path, exs in srcs:
    rel = os.path.relpath(path, SRC)
    for lineno, cmd, expected, span in exs:
        n += 1
        argv, env, jq, mode, redirect = prepare(cmd)
        rc, out, err = run(argv, env, mode)
        if redirect and rc in (0, 1):
            open(os.path.join(BOX, redirect), 'w').write(out)
        where = '%s:%d: %s' % (rel, lineno, cmd)
        if mode == 'listen':
            ok = rc == 124 and 'listening on' in err
        else:
            ok = rc in (0, 1) and not (rc == 1 and not out)
        if not ok:
            fails.append('%s\n    exit %d: %s' % (where, rc, (err.strip().splitlines() or [''])[-1][:300]))
            continue
        if jq:
            import json
            try:
                [json.loads(l) for l in out.splitlines() if l.strip()]
            except Exception as e:
                fails.append('%s\n    output is not JSON Lines for jq: %s' % (where, e))
        if expected is not None:
            got_lines = out.rstrip('\n').split('\n')
            if UPDATE:
                updates.setdefault(path, []).append((span, got_lines))
            elif not matches(normalise(expected), normalise(got_lines)):
                d, g = normalise(expected), normalise(got_lines)
                k = next((i for i in range(min(len(d), len(g))) if d[i] != g[i] and d[i] != '...'), min(len(d), len(g)))
                fails.append('%s\n    documented output differs at its line %d:\n      doc: %s\n      now: %s' %
                             (where, k + 1, d[k] if k < len(d) else '(end)', g[k] if k < len(g) else '(end)'))
        print('ok   %s' % where)

for path, ups in updates.items():
    lines = open(path, encoding='utf-8').read().split('\n')
    for (a, b), got in sorted(ups, key=lambda u: -u[0][0]):
        lines[a:b] = got
    open(path, 'w', encoding='utf-8').write('\n'.join(lines))
    print('updated', path)
for f in fails:
    print('FAIL ' + f)
print('# %d examples, %d failed' % (n, len(fails)))
sys.exit(1 if fails else 0)
