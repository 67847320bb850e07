#!/usr/bin/env bash
# The module graph, three ways, must be one truth (issue 21 item 6):
#  1. the symbols each static library really uses from the others (nm),
#  2. the DEPS of each tp_module(...) line in CMakeLists.txt,
#  3. the graph printed in docs/architecture.md between the
#     "<!-- deps:begin -->" and "<!-- deps:end -->" markers.
# Usage: scripts/checkdeps.sh BUILD_DIR      check; exit 1 with one line per mismatch
#        scripts/checkdeps.sh BUILD_DIR --print   print the graph (1) as the doc shows it
#        scripts/checkdeps.sh BUILD_DIR --self-test   a dropped DEPS entry, an extra one
#                                       and an edited doc graph must each fail the check
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: checkdeps.sh BUILD_DIR [--print]}
mode=${2:-check}
cd "$root"
CML=${CHECKDEPS_CMAKELISTS:-CMakeLists.txt}
DOC=${CHECKDEPS_DOC:-docs/architecture.md}

if [ "$mode" = --self-test ]; then
  t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
  bad=0
  expect_fail() { # NAME: the check must fail with the files in $t
    if CHECKDEPS_CMAKELISTS=$t/c CHECKDEPS_DOC=$t/d bash "$0" "$build" >/dev/null 2>&1; then
      echo "checkdeps self-test: $1 was not caught"; bad=1
    fi
  }
  cp "$CML" "$t/c"; cp "$DOC" "$t/d"
  CHECKDEPS_CMAKELISTS=$t/c CHECKDEPS_DOC=$t/d bash "$0" "$build" >/dev/null || { echo "checkdeps self-test: the tree itself fails"; exit 1; }
  sed -i 's/^tp_module(session  *DEPS tp_core tp_wire/tp_module(session  DEPS tp_core/' "$t/c"; expect_fail "a dropped DEPS entry"
  cp "$CML" "$t/c"; sed -i 's/^tp_module(wire  *DEPS tp_core/tp_module(wire     DEPS tp_core tp_x509/' "$t/c"; expect_fail "an extra DEPS entry"
  cp "$CML" "$t/c"; sed -i 's/^wire      -> core$/wire      -> core x509/' "$t/d"; expect_fail "an edited doc graph"
  [ $bad = 0 ] && echo "checkdeps self-test: 3 broken copies caught"
  exit $bad
fi

mods=$(sed -n 's/^tp_module(\([a-z0-9_]*\).*/\1/p' "$CML")
declare -A owner declared used
for m in $mods; do
  lib="$build/libtp_$m.a"
  [ -f "$lib" ] || { echo "checkdeps: $lib missing (build first)" >&2; exit 2; }
  while read -r sym; do owner[$sym]=$m; done < <(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF==3 && $2 ~ /[TDRBC]/ {print $3}')
  declared[$m]=$(sed -n "s/^tp_module($m *DEPS\(.*\))/\1/p" "$CML" | tr ' ' '\n' | sed -n 's/^tp_//p' | sort -u | tr '\n' ' ')
done
# The CLI is the executable: its objects are under CMakeFiles/tlsprobe.dir.
cli_objs=$(find "$build/CMakeFiles/tlsprobe.dir" -name '*.o' 2>/dev/null | sort)
[ -n "$cli_objs" ] || { echo "checkdeps: no CLI objects under $build/CMakeFiles/tlsprobe.dir" >&2; exit 2; }

uses_of() { # $1 = module or "cli"
  local files
  if [ "$1" = cli ]; then files=$cli_objs; else files="$build/libtp_$1.a"; fi
  # shellcheck disable=SC2086
  nm -u $files 2>/dev/null | awk '$1=="U"{print $2}' | sort -u | while read -r s; do
    o=${owner[$s]:-}
    if [ -n "$o" ] && [ "$o" != "$1" ]; then echo "$o"; fi
  done | sort -u | tr '\n' ' '
}
for m in $mods cli; do used[$m]=$(uses_of "$m"); done

graph() {
  for m in $mods cli; do
    printf '%-9s -> %s\n' "$m" "${used[$m]:-(none)}" | sed 's/ *$//'
  done
}
if [ "$mode" = --print ]; then graph; exit 0; fi

fail=0
for m in $mods; do
  if [ "${used[$m]}" != "${declared[$m]}" ]; then
    echo "checkdeps: tp_$m uses {${used[$m]% }} but CMakeLists.txt declares {${declared[$m]% }}"
    fail=1
  fi
done
doc=$(sed -n '/<!-- deps:begin -->/,/<!-- deps:end -->/p' "$DOC" | sed '1,2d;$d' | sed '$d')
if [ "$doc" != "$(graph)" ]; then
  echo "checkdeps: docs/architecture.md's module graph differs from the symbols used; expected:"
  graph | sed 's/^/  /'
  fail=1
fi
exit $fail
