#!/usr/bin/env bash
# Shell completions (completions/tlsprobe.bash, completions/_tlsprobe) never drift
# from --help. For every command of `tlsprobe --help`:
#  - bash: the completion function itself, loaded with bash-completion, offers for
#    `tlsprobe CMD -` exactly the options of `tlsprobe CMD --help`, and for
#    `tlsprobe CMD --format ` exactly its --format values;
#  - zsh: each command's function, run with _arguments replaced by a printer, passes
#    exactly those options and --format values; then a real interactive zsh
#    (zsh/zpty) completes a few command lines through compinit.
# Also: `tlsprobe con` gives connect, demo offers the scenarios of `demo --list`,
# file and interface values, and the check itself catches a missing option.
set -euo pipefail
: "${TLSPROBE:?TLSPROBE must point at the binary}"
SRC=${TP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BASH_COMP="$SRC/completions/tlsprobe.bash"
ZSH_COMP="$SRC/completions/_tlsprobe"
BC=/usr/share/bash-completion/bash_completion
[ -f "$BC" ] || { echo "SKIP: bash-completion is not installed"; exit 77; }
command -v zsh >/dev/null || { echo "SKIP: zsh is not installed"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Completions run "tlsprobe" from PATH (demo asks it for its scenarios): this one.
mkdir "$T/bin"
ln -s "$TLSPROBE" "$T/bin/tlsprobe"
export PATH="$T/bin:$PATH"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# --- what --help says -------------------------------------------------------------
COMMANDS=$(tlsprobe --help | awk 'done{next} /^commands:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{done=1}')
[ -n "$COMMANDS" ] || { echo "FAIL: no commands in tlsprobe --help"; exit 1; }
# The option column of the "options:" block: "-i, --interface IFACE" gives -i, --interface.
help_opts() {
  tlsprobe "$1" --help | awk 'done{next} /^options:/{f=1;next} f&&/^$/{done=1;next} f&&/^  -/{sub(/^  /,""); split($0,a,/   */); print a[1]}' |
    grep -oE '(^|[ ,])--?[a-zA-Z0-9][a-zA-Z0-9.-]*' | tr -d ' ,' | sort -u
}
help_formats() {
  tlsprobe "$1" --help | grep -oE '^  --format [a-z|]+' | awk '{print $2}' | tr '|' '\n' | sort -u
}
for c in $COMMANDS; do
  help_opts "$c" > "$T/$c.help"
  help_formats "$c" > "$T/$c.fmt"
  [ -s "$T/$c.help" ] || fail "$c: no options parsed from --help"
done

# --- bash ---------------------------------------------------------------------------
# The completions are computed in batches, one bash (sourcing bash-completion once)
# per batch: bq NAME WORD... queues the command line WORD... (the last word is the
# one being completed); brun FILE runs the queue with completion file FILE, in
# $T/files, and leaves the words offered in $T/b.NAME, one per line, sorted.
mkdir "$T/files" && touch "$T/files/leaf-chain.pem" "$T/files/other.txt"
: > "$T/bq"
bq() { printf '%q ' q "$@" >> "$T/bq"; echo >> "$T/bq"; }
brun() {
  rm -f "$T"/b.*
  (cd "$T/files" && bash --norc -c '
    source "$1" >/dev/null 2>&1; source "$2"
    q() {
      local name=$1; shift
      COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
      COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
      _tlsprobe tlsprobe "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
      printf "@@ %s\n" "$name"; printf "%s\n" "${COMPREPLY[@]}"
    }
    source "$3"' bash "$BC" "$1" "$T/bq") > "$T/bout"
  awk -v d="$T" '/^@@ /{f=d "/b." $2; printf "" > f; next} f&&NF{print > f}' "$T/bout"
  local f
  for f in "$T"/b.*; do sort -u -o "$f" "$f"; done
  : > "$T/bq"
}
# same_set WHAT WANT_FILE HAVE_FILE: report what is missing and what is extra.
same_set() {
  local m x
  if [ ! -f "$3" ]; then fail "$1: no answer"; return; fi
  m=$(comm -23 "$2" "$3" | tr '\n' ' ')
  x=$(comm -13 "$2" "$3" | tr '\n' ' ')
  [ -z "$m" ] || fail "$1: missing ${m% }"
  [ -z "$x" ] || fail "$1: extra ${x% }"
}
check_bash() { # FILE: compare every command's options and --format values
  local c
  for c in $COMMANDS; do
    bq "$c.opts" tlsprobe "$c" -
    bq "$c.fmt" tlsprobe "$c" --format ''
  done
  brun "$1"
  for c in $COMMANDS; do
    same_set "bash, tlsprobe $c options (vs --help)" "$T/$c.help" "$T/b.$c.opts"
    if [ -s "$T/$c.fmt" ]; then
      same_set "bash, tlsprobe $c --format values" "$T/$c.fmt" "$T/b.$c.fmt"
    fi
  done
}
check_bash "$BASH_COMP"

{ tlsprobe demo --list | awk '{print $1}'; echo all; } | sort -u > "$T/scen.want"
[ "$(wc -l < "$T/scen.want")" -ge 5 ] || fail "tlsprobe demo --list names fewer than 4 scenarios"
bq con tlsprobe con
bq cmds tlsprobe ''
bq scen tlsprobe demo ''
bq chain tlsprobe check --chain leaf
bq keylog tlsprobe listen --keylog=oth
bq iface tlsprobe sniff -i ''
bq side tlsprobe explain --side s
brun "$BASH_COMP"
[ "$(cat "$T/b.con")" = connect ] || fail "bash: 'tlsprobe con' does not give connect"
for c in $COMMANDS help; do
  grep -qx "$c" "$T/b.cmds" || fail "bash: command $c is not offered"
done
same_set "bash, tlsprobe demo scenarios (vs demo --list)" "$T/scen.want" "$T/b.scen"
[ "$(cat "$T/b.chain")" = leaf-chain.pem ] || fail "bash: --chain does not complete file names (got '$(cat "$T/b.chain")')"
[ "$(cat "$T/b.keylog")" = other.txt ] || fail "bash: --keylog=FILE does not complete file names (got '$(cat "$T/b.keylog")')"
grep -qx lo "$T/b.iface" || fail "bash: sniff -i does not offer lo"
[ "$(cat "$T/b.side")" = server ] || fail "bash: explain --side s"
echo "bash: $(echo $COMMANDS | wc -w) commands checked"

# --- zsh ----------------------------------------------------------------------------
# zspecs FILE CMD...: for each command, "### CMD" and then the specs its
# _tlsprobe_CMD passes to _arguments, one per line. compdef is stubbed: compinit is
# slow (~1 s of stat()s, far more on a loaded machine) and is run once below instead.
zspecs() {
  zsh -f -c 'compdef() { :; }; source "$1" || exit 3; shift
    _arguments() { print -rl -- "$@"; }; _values() { :; }
    for c in "$@"; do print -r -- "### $c"; _tlsprobe_$c || exit 4; done' zsh "$@"
}
check_zsh() { # FILE
  local file=$1 c
  zspecs "$file" $COMMANDS > "$T/zspecs" 2> "$T/zspecs.err" || { fail "zsh: the command functions failed: $(cat "$T/zspecs.err")"; return; }
  for c in $COMMANDS; do
    awk -v c="### $c" '$0==c{f=1;next} /^### /{f=0} f' "$T/zspecs" > "$T/$c.zspec"
    # A spec is "(exclusions)-opt[description]:..." or "-opt=[...]" or "-opt+[...]".
    grep -F '[' "$T/$c.zspec" | sed -E 's/^\([^)]*\)//' | grep -oE '^--?[a-zA-Z0-9][a-zA-Z0-9.-]*' | sort -u > "$T/$c.zsh"
    same_set "zsh, tlsprobe $c options (vs --help)" "$T/$c.help" "$T/$c.zsh"
    if [ -s "$T/$c.fmt" ]; then
      grep -oE '^--format=\[[^]]*\]:[a-z]+:\([a-z ]+\)' "$T/$c.zspec" | sed -E 's/.*\(([a-z ]+)\)$/\1/' |
        tr ' ' '\n' | sed '/^$/d' | sort -u > "$T/$c.zshfmt"
      same_set "zsh, tlsprobe $c --format values" "$T/$c.fmt" "$T/$c.zshfmt"
    fi
  done
}
zsh -f -c 'autoload -U compinit; compinit -u -D; source "$1" && whence -w _tlsprobe' zsh "$ZSH_COMP" > "$T/z.whence" 2>&1 ||
  fail "zsh: sourcing _tlsprobe after compinit failed: $(cat "$T/z.whence")"
check_zsh "$ZSH_COMP"

# A real interactive zsh (one, compinit once) completes each LINE<TAB>, with compadd
# wrapped to print each match between << >>; "<<@@ N>>" starts the Nth answer.
zcomp() { # LINE... ; writes $T/zlive.N for each
  cat > "$T/zcap.zsh" <<'EOF'
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT= ; fpath=(${1:h} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd () { builtin compadd -O __hits "$@"; builtin compadd "$@"; local h; for h in $__hits; do print -r -- "<<$h>>"; done; }'
shift
integer i=0
for l in "$@"; do
  zpty -w z "print -r -- '<<''@@ $((++i))>>'"
  zpty -w z "$l"$'\t'
  zpty -w z $'\C-u'
done
zpty -w z 'print -r -- "<<""END>>"'
out=""
integer n=0
while (( n++ < 1200 )); do # at most 120 s on a loaded machine
  if zpty -r -t z line 2>/dev/null; then out+="$line"; [[ $out == *'<<END>>'* ]] && break; else sleep 0.1; fi
done
zpty -d z
[[ $out == *'<<END>>'* ]] || { print -u2 "no answer from the interactive zsh"; exit 1; }
print -r -- "$out" | grep -ao '<<[^<>]*>>' | sed 's/^<<//;s/>>$//' | grep -v -e '^END$' -e '^""END$' -e '^\$h$' -e "^''@@"
EOF
  timeout 150 zsh -f "$T/zcap.zsh" "$ZSH_COMP" "$@" > "$T/zlive" || return 1
  awk -v d="$T" '/^@@ /{f=d "/zlive." $2; printf "" > f; next} f{print > f}' "$T/zlive"
  local i
  for i in $(seq 1 $#); do
    [ -f "$T/zlive.$i" ] || return 1
    sort -u -o "$T/zlive.$i" "$T/zlive.$i"
  done
}
zcomp "tlsprobe con" "tlsprobe demo " "tlsprobe connect --" || fail "zsh: interactive completion did not answer"
[ "$(cat "$T/zlive.1" 2>/dev/null)" = connect ] || fail "zsh: 'tlsprobe con<TAB>' gives '$(cat "$T/zlive.1" 2>/dev/null)', not connect"
touch "$T/zlive.2" "$T/zlive.3"
same_set "zsh, tlsprobe demo scenarios (vs demo --list)" "$T/scen.want" "$T/zlive.2"
grep -- '^--' "$T/connect.help" > "$T/connect.long"
same_set "zsh (interactive), tlsprobe connect options" "$T/connect.long" "$T/zlive.3"
echo "zsh: $(echo $COMMANDS | wc -w) commands checked"

# --- the check can fail -------------------------------------------------------------
# A completion file that lost an option, and one with an option --help does not have.
sed 's/ --no-aia / /' "$BASH_COMP" > "$T/broken.bash"
cmp -s "$BASH_COMP" "$T/broken.bash" && fail "could not make a broken bash copy"
sed "/--max-flows=/d; s/'--aia\\[/'--aiax[/" "$ZSH_COMP" > "$T/_broken"
cmp -s "$ZSH_COMP" "$T/_broken" && fail "could not make a broken zsh copy"
before=$fails
out=$( { check_bash "$T/broken.bash"; check_zsh "$T/_broken"; } )
fails=$before
for want in "bash, tlsprobe connect options (vs --help): missing --no-aia" \
            "zsh, tlsprobe pcap options (vs --help): missing --max-flows" \
            "zsh, tlsprobe check options (vs --help): missing --aia" \
            "zsh, tlsprobe check options (vs --help): extra --aiax"; do
  grep -qF -- "FAIL: $want" <<< "$out" || fail "the check missed: $want"
done

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "ok"
