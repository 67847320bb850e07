#!/usr/bin/env bash
# libtlsprobe.so.0 exports exactly the functions include/tlsprobe/tlsprobe.h
# declares (TLSPROBE_API), all under the symbol version TLSPROBE_0, and nothing
# of the static modules it is made of (src/lib/libtlsprobe.map); its SONAME is
# libtlsprobe.so.0. docs/library.md.
. "$(dirname "$0")/lib.sh"

B=${TP_BUILD_DIR:-$TP_SRC/build}
LIB=$B/libtlsprobe.so.0
HDR=$TP_SRC/include/tlsprobe/tlsprobe.h
[ -f "$LIB" ]
tp_check "the shared library is built ($LIB)" $?

# defined dynamic symbols, but the version node itself (type A)
nm -D --defined-only "$LIB" | awk '$2 != "A" {print $3}' | sed 's/@.*//' | sort -u >"$TP_TMP/exported"
grep -o 'TLSPROBE_API [^(]*(' "$HDR" | grep -o 'tlsprobe_[a-z0-9_]*' | sort -u >"$TP_TMP/declared"
others=$(grep -v '^tlsprobe_' "$TP_TMP/exported" | head -5 | tr '\n' ' ')
[ -z "$others" ]
tp_check "only tlsprobe_* symbols are exported (others: ${others:-none})" $?
[ "$(wc -l <"$TP_TMP/declared")" -ge 20 ] && diff "$TP_TMP/declared" "$TP_TMP/exported" >"$TP_TMP/diff"
tp_check "the exported symbols are exactly the header's API ($(wc -l <"$TP_TMP/declared") functions)" $?
cat "$TP_TMP/diff"

# the modules' own symbols are inside the library, just not exported
nm --defined-only "$B/libtp_core.a" 2>/dev/null | grep -q ' T tp_err_text$' &&
    ! grep -qx 'tp_err_text' "$TP_TMP/exported"
tp_check "tp_err_text (tp_core) is linked in but hidden" $?

objdump -T "$LIB" | awk '/ tlsprobe_/ && !/TLSPROBE_0/ {bad=1} END {exit bad}'
tp_check "every API symbol carries the version TLSPROBE_0" $?
objdump -p "$LIB" | grep -q 'SONAME *libtlsprobe\.so\.0$'
tp_check "SONAME is libtlsprobe.so.0" $?
# The check itself: a list with one module symbol more must be caught.
(cat "$TP_TMP/exported"; echo tp_core_leak) | grep -v '^tlsprobe_' | grep -q tp_core_leak
tp_check "self-test: a leaked tp_* symbol would be caught" $?

tp_finish
