#!/usr/bin/env bash
# House rules that check themselves (issue 21 §6; model: curl scripts/checksrc.pl,
# s2n codebuild/bin/grep_simple_mistakes.sh). Scans src/ and include/ (*.c, *.h)
# and fails with file:line: [rule] on:
#
#   reader-fields   a struct tp_reader's cursor (its .p / .off fields) or
#                   tp_reader_take_() used outside src/core/ and reader.h: wire
#                   bytes are read with tp_read_* only.
#   wire-index      indexing or pointer arithmetic on a .p / ->p view
#                   (x.p[i], x->p + n) in the layers above the parsers
#                   (src/capture, src/diagnose, src/render, src/probe, src/cli):
#                   they hand bytes to the parsers, they do not pick at them.
#   thread-local    __thread / _Thread_local / thread_local anywhere: hidden
#                   per-thread state (issue 21 §5).
#   json-key        a JSON key literal ("\"key\":") outside src/render/: JSON
#                   is written by the output layer (the CLI included).
#   void-wolf       (void)wolfSSL_*() or (void)wc_*(): a wolfSSL result ignored.
#   cli-include     src/cli/ including a private header of another module
#                   ("module/x.h"); the CLI uses include/tlsprobe/*.h.
#
# Existing exceptions are listed in scripts/checksrc.allow, one line each:
#     <rule> <path> <count> <reason>
# The count must match exactly: a new occurrence fails, and so does a fixed one
# until its count is lowered (the list only shrinks). Comments are ignored by
# every rule. Run by scripts/test.sh after the build and by ctest (lint/checksrc);
# `checksrc.sh --self-test` checks that each rule fires (lint/checksrc-selftest).
#
# Usage: checksrc.sh [--root DIR] [--allow FILE]     (default: this checkout)
#        checksrc.sh --self-test
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
allow=
selftest=0
while [ $# -gt 0 ]; do
  case $1 in
    --root) root=$2; shift 2 ;;
    --allow) allow=$2; shift 2 ;;
    --self-test) selftest=1; shift ;;
    *) echo "usage: $0 [--root DIR] [--allow FILE] | --self-test" >&2; exit 2 ;;
  esac
done

if [ "$selftest" = 1 ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/src/probe" "$tmp/src/cli" "$tmp/src/core" "$tmp/src/render" "$tmp/include"
  : >"$tmp/allow"
  fails=0
  # expect RULE FILE CONTENT: a tree holding only FILE must fail with [RULE] at line 2
  expect() {
    rm -rf "$tmp/src"/*/* "$tmp/include"/*
    printf '%s\n' "$3" >"$tmp/$2"
    if out=$(bash "$0" --root "$tmp" --allow "$tmp/allow" 2>&1); then
      echo "self-test: rule $1 did not fire on $2:"; printf '%s\n' "$3"; fails=1
    elif ! grep -q "^$2:2: \[$1\]" <<<"$out"; then
      echo "self-test: expected $2:2: [$1], got:"; printf '%s\n' "$out"; fails=1
    fi
  }
  expect reader-fields src/probe/a.c $'#include "tlsprobe/reader.h"\nstatic int f(struct tp_reader *r) { return r->p[r->off]; }'
  expect reader-fields src/probe/a.c $'/* take */\nconst uint8_t *p = tp_reader_take_(&r, 4);'
  expect wire-index src/probe/a.c $'/* view */\nstatic int f(struct tp_bytes b) { return b.p[0]; }'
  expect wire-index src/render/a.c $'/* view */\nstatic const uint8_t *f(const struct tp_bytes *b) { return b->p + 1; }'
  expect thread-local src/core/a.c $'/* memo */\nstatic _Thread_local int memo;'
  expect thread-local src/probe/a.c $'/* memo */\nstatic __thread int memo;'
  expect json-key src/probe/a.c $'/* json */\nstatic const char k[] = "{\\"name\\":";'
  expect void-wolf src/probe/a.c $'/* ignored */\nstatic void f(WOLFSSL *s) { (void)wolfSSL_shutdown(s); }'
  expect void-wolf src/probe/a.c $'/* ignored */\nstatic void f(WC_RNG *g) { (void) wc_FreeRng(g); }'
  expect cli-include src/cli/a.c $'#include "cli.h"\n#include "session/internal.h"'
  # ... and stays quiet on the same things where they are allowed or commented out
  rm -rf "$tmp/src"/*/*
  printf '%s\n' '#include "tlsprobe/reader.h"' 'static int f(struct tp_reader *r) { return r->p[r->off]; }' >"$tmp/src/core/ok.c"
  printf '%s\n' 'static const char k[] = "{\"name\":";' '/* (void)wolfSSL_shutdown(s); __thread */' >"$tmp/src/render/ok.c"
  printf '%s\n' '#include "cli.h"' '#include "tlsprobe/session.h"' >"$tmp/src/cli/ok.c"
  if ! out=$(bash "$0" --root "$tmp" --allow "$tmp/allow" 2>&1); then
    echo "self-test: false positives:"; printf '%s\n' "$out"; fails=1
  fi
  # an allow-list entry covers exactly its count, and a stale one fails
  printf '%s\n' '/* memo */' 'static __thread int memo;' >"$tmp/src/probe/a.c"
  echo "thread-local src/probe/a.c 1 self-test" >"$tmp/allow"
  if ! out=$(bash "$0" --root "$tmp" --allow "$tmp/allow" 2>&1); then
    echo "self-test: allow-list entry not honoured:"; printf '%s\n' "$out"; fails=1
  fi
  echo "thread-local src/probe/a.c 2 self-test" >"$tmp/allow"
  if bash "$0" --root "$tmp" --allow "$tmp/allow" >/dev/null 2>&1; then
    echo "self-test: a stale allow-list count was accepted"; fails=1
  fi
  echo "thread-local src/probe/a.c 1" >"$tmp/allow"
  if bash "$0" --root "$tmp" --allow "$tmp/allow" >/dev/null 2>&1; then
    echo "self-test: an allow-list entry without a reason was accepted"; fails=1
  fi
  [ "$fails" = 0 ] && echo "checksrc self-test: every rule fires, allow-list honoured"
  exit "$fails"
fi

[ -n "$allow" ] || allow=$root/scripts/checksrc.allow
cd "$root"
files=$(find src include -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | LC_ALL=C sort)
[ -n "$files" ] || { echo "checksrc: no sources under $root" >&2; exit 2; }

# shellcheck disable=SC2086
exec perl -e '
use strict; use warnings;
my $allow_file = shift @ARGV;
my %msg = (
  "reader-fields" => "reader internals outside src/core: read wire bytes with tp_read_*",
  "wire-index"    => "indexing/pointer arithmetic on a byte view above the parsers: parse it with tp_reader",
  "thread-local"  => "thread-local state: pass a context instead (issue 21 item 5)",
  "json-key"      => "JSON key literal outside src/render: JSON belongs to the output layer",
  "void-wolf"     => "wolfSSL result ignored with (void): check it, or allow-list it with the reason",
  "cli-include"   => "src/cli includes a private header: use include/tlsprobe/*.h",
);
my (%allowed, $bad);
open my $a, "<", $allow_file or die "checksrc: cannot read the allow-list $allow_file: $!\n";
{
  while (<$a>) {
    next if /^\s*(#|$)/;
    my ($rule, $path, $n, $why) = /^\s*(\S+)\s+(\S+)\s+(\d+)\s*(.*?)\s*$/;
    if (!defined $rule || !$msg{$rule} || $why eq "") {
      print "$allow_file:$.: bad entry (want: <rule> <path> <count> <reason>; rules: ",
        join(" ", sort keys %msg), ")\n"; $bad = 1; next;
    }
    if (exists $allowed{"$rule $path"}) { print "$allow_file:$.: duplicate entry $rule $path\n"; $bad = 1; }
    $allowed{"$rule $path"} = $n;
  }
}
my %hits;
for my $f (@ARGV) {
  open my $fh, "<", $f or die "$f: $!";
  local $/; my $src = <$fh>; close $fh;
  # Blank out comments (keep newlines so line numbers hold); strings stay.
  $src =~ s{("(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27)|(/\*.*?\*/|//[^\n]*)}
           {defined $1 ? $1 : do { (my $c = $2) =~ s/[^\n]/ /g; $c }}gse;
  my @lines = split /\n/, $src, -1;
  # Names declared as a struct tp_reader (value: ".") or a pointer to one ("->"),
  # file-wide: a name is matched only as a variable (not a member) and with the
  # operator its declaration calls for, which keeps t.val.p or a tp_bytes d.p out.
  my %readers;
  while ($src =~ /struct\s+tp_reader\b((?:\s*\*?\s*\w+\s*(?:\[[^\]]*\])?\s*(?:=[^,;()]*)?,)*\s*\*?\s*\w+)/g) {
    my $decl = $1;
    while ($decl =~ /(\*?)\s*(\w+)\s*(?:\[[^\]]*\])?\s*(?:=[^,;()]*)?(?:,|$)/g) {
      $readers{$2}{$1 ? "->" : "."} = 1;
    }
  }
  my $core = $f =~ m{^src/core/} || $f eq "include/tlsprobe/reader.h";
  my $upper = $f =~ m{^src/(capture|diagnose|render|probe|cli)/};
  my $out_layer = $f =~ m{^src/render/};
  my $cli = $f =~ m{^src/cli/};
  my @rd;
  for my $n (sort keys %readers) {
    push @rd, quotemeta($n) . "\\s*" . quotemeta($_) for sort keys %{$readers{$n}};
  }
  my $rd = join "|", @rd;
  for my $i (0 .. $#lines) {
    my $l = $lines[$i];
    my @r;
    if (!$core) {
      push @r, "reader-fields" if $l =~ /\btp_reader_take_\s*\(/ || ($rd ne "" && $l =~ /(?<![\w.>])(?:$rd)\s*(?:p|off)\b/);
    }
    push @r, "wire-index" if $upper && $l =~ /(?:\.|->)\s*p\s*(?:\[|\+(?![+=])|-(?![-=>]))/;
    push @r, "thread-local" if $l =~ /\b(?:__thread|_Thread_local|thread_local)\b/;
    push @r, "json-key" if !$out_layer && $l =~ /\\"[A-Za-z0-9_.\-]+\\"\s*:/;
    push @r, "void-wolf" if $l =~ /\(\s*void\s*\)\s*(?:wolfSSL_|wc_)\w*\s*\(/;
    if ($cli && $l =~ /^\s*#\s*include\s*"([^"]+)"/) {
      my $h = $1;
      push @r, "cli-include" if $h =~ m{/} && $h !~ m{^tlsprobe/};
    }
    for my $rule (@r) {
      push @{$hits{"$rule $f"}}, sprintf("%s:%d: [%s] %s: %s", $f, $i + 1, $rule, $msg{$rule}, $l =~ s/^\s+|\s+$//gr);
    }
  }
}
for my $k (sort keys %hits) {
  my $found = @{$hits{$k}};
  my $ok = $allowed{$k} // 0;
  next if $found == $ok;
  if ($found > $ok) {
    print "$_", ($ok ? " (allow-list permits $ok in this file, found $found)" : ""), "\n" for @{$hits{$k}};
  } else {
    print "$allow_file: $k: allows $ok, found $found: lower the count (the list only shrinks)\n";
  }
  $bad = 1;
}
for my $k (sort keys %allowed) {
  next if $hits{$k};
  print "$allow_file: $k: allows $allowed{$k}, found 0: remove the entry (the list only shrinks)\n";
  $bad = 1;
}
if ($bad) { print "checksrc: house rules broken (rules and allow-list: scripts/checksrc.sh, scripts/checksrc.allow)\n"; exit 1; }
printf "checksrc: %d files clean (%d allow-listed exceptions)\n", scalar @ARGV, scalar keys %allowed;
' "$allow" $files
