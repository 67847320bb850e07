#!/usr/bin/env bash
# Text follows the terminal's width (issue 17): TIOCGWINSZ on a terminal, else
# COLUMNS, else 80; never below 60. At 60, 80 and 132 columns no line of demo,
# check or explain output is wider than that, except a single word longer than
# the room left (a path); and wider terminals get longer lines.
. "$(dirname "$0")/lib.sh"

cat > "$TP_TMP/maxw.py" <<'EOF'
import re, sys
W = int(sys.argv[1]); longest = 0; bad = []
for line in open(sys.argv[2], encoding='utf-8'):
    s = re.sub(r'\x1b\[[0-9;]*m', '', line.rstrip('\n'))
    longest = max(longest, len(s))
    if len(s) > W and len(s.split()[-1]) < 30:   # a long path may stand alone
        bad.append(s)
for b in bad[:5]: print('  too wide (%d): %s' % (len(b), b))
print(longest)
sys.exit(1 if bad else 0)
EOF
MSG='x509: certificate signed by unknown authority'
for w in 60 80 132; do
  COLUMNS=$w "$TLSPROBE" demo all > "$TP_TMP/demo$w.txt" 2>/dev/null
  python3 "$TP_TMP/maxw.py" "$w" "$TP_TMP/demo$w.txt" > "$TP_TMP/w"; tp_check "demo all at $w columns" $?
  COLUMNS=$w "$TLSPROBE" explain "$MSG" > "$TP_TMP/ex$w.txt"
  python3 "$TP_TMP/maxw.py" "$w" "$TP_TMP/ex$w.txt" > "$TP_TMP/w$w"; tp_check "explain at $w columns" $?
  COLUMNS=$w "$TLSPROBE" check --chain "$PKI/good.pem" --host nothere.example --cafile "$PKI/root.pem" \
    > "$TP_TMP/ck$w.txt"
  python3 "$TP_TMP/maxw.py" "$w" "$TP_TMP/ck$w.txt" > /dev/null; tp_check "check at $w columns" $?
done
[ "$(tail -1 "$TP_TMP/w132")" -gt 80 ]; tp_check "132 columns: lines longer than 80 ($(tail -1 "$TP_TMP/w132"))" $?
[ "$(tail -1 "$TP_TMP/w60")" -le 60 ]; tp_check "60 columns: explain's longest line $(tail -1 "$TP_TMP/w60")" $?
# Below the floor: 60.
COLUMNS=30 "$TLSPROBE" explain "$MSG" > "$TP_TMP/ex30.txt"
L=$(python3 "$TP_TMP/maxw.py" 60 "$TP_TMP/ex30.txt" | tail -1)
[ "$L" -gt 40 ] && [ "$L" -le 60 ]; tp_check "COLUMNS=30 gives the floor of 60 (longest $L)" $?
# Nothing set, not a terminal: 80.
env -u COLUMNS "$TLSPROBE" explain "$MSG" > "$TP_TMP/exd.txt"
L=$(python3 "$TP_TMP/maxw.py" 80 "$TP_TMP/exd.txt" | tail -1)
[ "$L" -gt 60 ] && [ "$L" -le 80 ]; tp_check "default 80 (longest $L)" $?
# A terminal's own width (TIOCGWINSZ) wins over COLUMNS.
if command -v script >/dev/null; then
  COLUMNS=132 script -qec "stty cols 70 rows 40; \"$TLSPROBE\" explain '$MSG' --no-color" /dev/null \
    | tr -d '\r' > "$TP_TMP/tty.txt"
  L=$(python3 "$TP_TMP/maxw.py" 70 "$TP_TMP/tty.txt" | tail -1)
  [ "$L" -gt 60 ] && [ "$L" -le 70 ]; tp_check "terminal of 70 columns (TIOCGWINSZ; longest $L)" $?
fi
tp_finish
