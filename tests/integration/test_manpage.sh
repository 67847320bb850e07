#!/usr/bin/env bash
# The man page and --help never drift: every option in `tlsprobe COMMAND --help`
# (the tp_usage_* strings, read from the binary) is in that command's section of
# man/tlsprobe.1, every option the man page gives a command is in its --help, the
# common options of `tlsprobe --help` are in COMMON OPTIONS, and every command has
# a section. Also: the page formats without warnings.
set -euo pipefail
: "${TLSPROBE:?TLSPROBE must point at the binary}"
SRC=${TP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
MAN="$SRC/man/tlsprobe.1"
[ -f "$MAN" ] || { echo "FAIL: $MAN missing"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# The system interpreter: a pyenv shim costs seconds per start on a loaded machine.
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3

"$TLSPROBE" --help > "$T/main.help"
COMMANDS=$(awk '/^commands:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{exit}' "$T/main.help")
[ -n "$COMMANDS" ] || { echo "FAIL: no commands in tlsprobe --help"; exit 1; }
for c in $COMMANDS; do
  "$TLSPROBE" "$c" --help > "$T/$c.help" || { echo "FAIL: tlsprobe $c --help exited $?"; exit 1; }
done

cat > "$T/check.py" <<'EOF'
import re, sys
man_path, tdir, commands = sys.argv[1], sys.argv[2], sys.argv[3:]

OPT = re.compile(r'(?<![\w-])(--[a-z0-9][a-z0-9.-]*[a-z0-9]|-[a-zA-Z])(?![\w-])')

def options(text):
    return set(OPT.findall(text))

def roff_to_text(s):
    s = re.sub(r'\\f[BIRP]', '', s)
    s = s.replace('\\-', '-').replace('\\(dq', '"')
    return s

man = open(man_path, encoding='utf-8').read().splitlines()
sections, cur = {}, None
for line in man:
    if line.startswith('.\\"'):
        continue
    m = re.match(r'\.SS "tlsprobe (\w+)', line)
    if m:
        cur = m.group(1); sections[cur] = []
    elif line.startswith('.SH '):
        cur = 'COMMON' if 'COMMON OPTIONS' in line else None
        if cur: sections[cur] = []
    if cur:
        sections[cur].append(roff_to_text(line))
sec_opts = {k: options('\n'.join(v)) for k, v in sections.items()}

main_help = open(f'{tdir}/main.help').read()
common = options(main_help)
errors = []
if 'COMMON' not in sec_opts:
    errors.append('man page has no COMMON OPTIONS section')
else:
    for o in sorted(common - sec_opts['COMMON']):
        errors.append(f'common option {o} (tlsprobe --help) is not in COMMON OPTIONS')
    for o in sorted(sec_opts['COMMON'] - common):
        errors.append(f'COMMON OPTIONS documents {o}, which tlsprobe --help does not list')

for c in commands:
    h = options(open(f'{tdir}/{c}.help').read())
    if c not in sec_opts:
        errors.append(f'man page has no section for "tlsprobe {c}"')
        continue
    for o in sorted(h - common - sec_opts[c]):
        errors.append(f'{c}: option {o} is in --help but not in the man page')
    for o in sorted(sec_opts[c] - h - common):
        errors.append(f'{c}: the man page documents {o}, which "tlsprobe {c} --help" does not list')
    print(f'{c}: {len(h)} options in --help, {len(sec_opts[c])} in the man page')

for s in sec_opts:
    if s not in commands and s != 'COMMON':
        errors.append(f'man page has a section for "tlsprobe {s}", which is not a command')
if errors:
    print('\n'.join('FAIL: ' + e for e in errors))
    sys.exit(1)
EOF
"$PY" "$T/check.py" "$MAN" "$T" $COMMANDS

# The page formats cleanly (groff warnings would mean broken markup).
if command -v man >/dev/null; then
  MANWIDTH=80 man --warnings -l "$MAN" > "$T/out.txt" 2> "$T/warn.txt" || true
  if [ -s "$T/warn.txt" ]; then echo "FAIL: man warnings:"; cat "$T/warn.txt"; exit 1; fi
  grep -q "EXIT STATUS" "$T/out.txt" || { echo "FAIL: formatted page lacks EXIT STATUS"; exit 1; }
fi

# The check can fail: a page with one option renamed, or one missing, is caught.
sed 's/\\-\\-no\\-aia/\\-\\-no\\-aix/' "$MAN" > "$T/broken1.1"
cmp -s "$MAN" "$T/broken1.1" && { echo "FAIL: could not make a broken copy"; exit 1; }
if "$PY" "$T/check.py" "$T/broken1.1" "$T" $COMMANDS > "$T/b1.out"; then
  echo "FAIL: a renamed option went unnoticed"; exit 1
fi
grep -q "no-aia is in --help but not in the man page" "$T/b1.out" || { echo "FAIL: wrong message"; cat "$T/b1.out"; exit 1; }
grep -q "documents --no-aix" "$T/b1.out" || { echo "FAIL: wrong message"; cat "$T/b1.out"; exit 1; }
grep -v 'keep' "$MAN" > "$T/broken2.1"
if "$PY" "$T/check.py" "$T/broken2.1" "$T" $COMMANDS > /dev/null; then
  echo "FAIL: a missing option went unnoticed"; exit 1
fi
echo "ok"
