#!/usr/bin/env bash
# Help, man page and README never drift. Every command's --help is generated from
# its option table (src/cli/cmd_*.c), so --help *is* the table. For every command:
# the options in its section of man/tlsprobe.1 and in its line of README.md's
# "Options" section are exactly the options of its --help (common ones included,
# and --format with exactly the same values). The common options of
# `tlsprobe --help` are exactly COMMON OPTIONS in the man page, every command has
# a section, the page formats without warnings, and the check itself is shown to
# catch a renamed, a missing and an extra option.
set -euo pipefail
: "${TLSPROBE:?TLSPROBE must point at the binary}"
SRC=${TP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
MAN="$SRC/man/tlsprobe.1"
README="$SRC/README.md"
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
man_path, readme_path, tdir, commands = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

OPT = re.compile(r'(?<![\w-])(--[a-z0-9][a-z0-9.-]*[a-z0-9]|-[a-zA-Z])(?![\w-])')
FMT = re.compile(r'--format[\s"]+([a-z]+(?:\|[a-z]+)+)')

def options(text):
    return set(OPT.findall(text))

def fmt_values(text):
    return set(FMT.findall(text))

def help_block(text, header):
    """The option names of a --help block: lines from `header` to the next blank
    line that start with two spaces and '-', up to the two spaces before the text."""
    out, on = [], False
    for line in text.splitlines():
        if line.startswith(header):
            on = True
            continue
        if on and not line.strip():
            break
        if on and line.startswith('  -'):
            out.append(re.split(r'\s{2,}', line.strip())[0])
    return '\n'.join(out)

def roff_to_text(s):
    s = re.sub(r'\\f[BIRP]', '', s)
    return s.replace('\\-', '-').replace('\\(dq', '"')

man = open(man_path, encoding='utf-8').read().splitlines()
sections, cur = {}, None
for line in man:
    if line.startswith('.\\"'):
        continue
    m = re.match(r'\.SS "tlsprobe (\w+)', line)
    if m:
        cur = m.group(1); sections[cur] = []
        continue  # the heading's synopsis is not the option list
    if line.startswith('.SH '):
        cur = 'COMMON' if 'COMMON OPTIONS' in line else None
        if cur: sections[cur] = []
        continue
    if cur:
        sections[cur].append(roff_to_text(line))

# README: under "## Options", one line per command: - `tlsprobe CMD`: `--opt VALUE`, ...
readme = {}
on = False
for line in open(readme_path, encoding='utf-8'):
    if line.startswith('## '):
        on = line.strip() == '## Options'
        continue
    m = re.match(r'- `tlsprobe (\w+)`: (.*)', line)
    if on and m:
        readme[m.group(1)] = m.group(2)

errors = []
def compare(what, have, want):
    for o in sorted(want - have):
        errors.append(f'{what}: option {o} is in --help but missing here')
    for o in sorted(have - want):
        errors.append(f'{what}: lists {o}, which --help does not have')

main_help = open(f'{tdir}/main.help').read()
common = options(help_block(main_help, 'common options'))
if not common:
    errors.append('tlsprobe --help lists no common options')
if 'COMMON' not in sections:
    errors.append('man page has no COMMON OPTIONS section')
else:
    compare('man COMMON OPTIONS', options('\n'.join(sections['COMMON'])), common)

for c in commands:
    htext = help_block(open(f'{tdir}/{c}.help').read(), 'options:')
    h, hf = options(htext), fmt_values(htext)
    if not h:
        errors.append(f'{c}: --help lists no options')
    if c not in sections:
        errors.append(f'man page has no section for "tlsprobe {c}"')
    else:
        sec = '\n'.join(sections[c])
        compare(f'man page, tlsprobe {c}', options(sec), h)
        if fmt_values(sec) != hf:
            errors.append(f'man page, tlsprobe {c}: --format values {sorted(fmt_values(sec))}, --help says {sorted(hf)}')
    if c not in readme:
        errors.append(f'README.md "## Options" has no line for "tlsprobe {c}"')
    else:
        compare(f'README, tlsprobe {c}', options(readme[c]), h)
        if fmt_values(readme[c]) != hf:
            errors.append(f'README, tlsprobe {c}: --format values {sorted(fmt_values(readme[c]))}, --help says {sorted(hf)}')
    print(f'{c}: {len(h)} options')

for s in sections:
    if s not in commands and s != 'COMMON':
        errors.append(f'man page has a section for "tlsprobe {s}", which is not a command')
for s in readme:
    if s not in commands:
        errors.append(f'README.md lists options for "tlsprobe {s}", which is not a command')
if errors:
    print('\n'.join('FAIL: ' + e for e in errors))
    sys.exit(1)
EOF
"$PY" "$T/check.py" "$MAN" "$README" "$T" $COMMANDS

# The page formats cleanly (groff warnings would mean broken markup).
if command -v man >/dev/null; then
  MANWIDTH=80 man --warnings -l "$MAN" > "$T/out.txt" 2> "$T/warn.txt" || true
  if [ -s "$T/warn.txt" ]; then echo "FAIL: man warnings:"; cat "$T/warn.txt"; exit 1; fi
  grep -q "EXIT STATUS" "$T/out.txt" || { echo "FAIL: formatted page lacks EXIT STATUS"; exit 1; }
fi

# The check can fail: a renamed option, a missing one, an extra one, a wrong
# --format list, each in the man page or the README, is caught.
expect_fail() { # NAME MANFILE READMEFILE PATTERN
  if "$PY" "$T/check.py" "$2" "$3" "$T" $COMMANDS > "$T/$1.out"; then
    echo "FAIL: $1 went unnoticed"; exit 1
  fi
  grep -q -- "$4" "$T/$1.out" || { echo "FAIL: $1: wrong message"; cat "$T/$1.out"; exit 1; }
}
sed 's/\\-\\-no\\-aia/\\-\\-no\\-aix/' "$MAN" > "$T/m1"
cmp -s "$MAN" "$T/m1" && { echo "FAIL: could not make a broken copy"; exit 1; }
expect_fail renamed-man "$T/m1" "$README" "no-aia is in --help but missing here"
grep -v 'keep' "$MAN" > "$T/m2"
expect_fail missing-man "$T/m2" "$README" "option --keep is in --help"
sed 's/^\(- `tlsprobe inspect`: .*\)$/\1, `--explain`/' "$README" > "$T/r1"
expect_fail extra-readme "$MAN" "$T/r1" "README, tlsprobe inspect: lists --explain"
sed 's/^\(- `tlsprobe check`: .*\)`--format text|json`/\1`--format text|json|mermaid`/' "$README" > "$T/r2"
expect_fail format-readme "$MAN" "$T/r2" "README, tlsprobe check: --format values"
echo "ok"
