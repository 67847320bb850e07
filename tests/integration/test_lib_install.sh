#!/usr/bin/env bash
# libtlsprobe as a user gets it: `cmake --install` into a temporary prefix puts
# the library (.so.0.x.y, .so.0, .so), the one header and tlsprobe.pc there;
# pkg-config gives the flags; examples/check_chain.c and explain.c compile with
# exactly those flags (and a C++ program includes the header), link against the
# installed library and run: on a chain made here with openssl, the good name
# is OK, a wrong name prints hostname-mismatch, and the JSON report is the one
# `tlsprobe check --format json` prints for the same files. docs/library.md.
. "$(dirname "$0")/lib.sh"

B=${TP_BUILD_DIR:-$TP_SRC/build}
P=$TP_TMP/prefix
cmake --install "$B" --prefix "$P" >"$TP_TMP/install.log" 2>&1
tp_check "cmake --install --prefix into a temporary prefix" $?
PC=$(find "$P" -name tlsprobe.pc)
LIBDIR=$(dirname "$(dirname "$PC")")
[ -n "$PC" ] && [ -f "$LIBDIR/libtlsprobe.so.0.$(sed -n 's/^#define TLSPROBE_VERSION_MINOR //p' "$P/include/tlsprobe/tlsprobe.h").$(sed -n 's/^#define TLSPROBE_VERSION_PATCH //p' "$P/include/tlsprobe/tlsprobe.h")" ] &&
    [ "$(readlink "$LIBDIR/libtlsprobe.so.0")" = "$(basename "$(ls "$LIBDIR"/libtlsprobe.so.0.*)")" ] &&
    [ "$(readlink "$LIBDIR/libtlsprobe.so")" = libtlsprobe.so.0 ]
tp_check "installed: libtlsprobe.so.0.x.y, the .so.0 and .so links, pkgconfig/tlsprobe.pc (in ${LIBDIR#"$P"/})" $?
[ "$(cd "$P/include" && find . -type f)" = "./tlsprobe/tlsprobe.h" ]
tp_check "the one header installed is include/tlsprobe/tlsprobe.h" $?

export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
FLAGS=$(pkg-config --cflags --libs tlsprobe)
tp_check "pkg-config --cflags --libs tlsprobe: $FLAGS" $?
[ "$(pkg-config --modversion tlsprobe)" = "$(sed -n 's/^#define TLSPROBE_VERSION "\(.*\)"/\1/p' "$P/include/tlsprobe/tlsprobe.h")" ]
tp_check "pkg-config --modversion is TLSPROBE_VERSION" $?
CFLAGS=$(pkg-config --cflags tlsprobe)
LIBS=$(pkg-config --libs tlsprobe)
# A library built with AddressSanitizer needs its runtime first in the program.
SAN=
objdump -p "$LIBDIR/libtlsprobe.so.0" | grep -q 'NEEDED.*libasan' && SAN="-fsanitize=address,undefined"
for ex in check_chain explain; do
    # shellcheck disable=SC2086
    cc -std=c11 -Wall -Wextra -Werror -pedantic $SAN $CFLAGS "$TP_SRC/examples/$ex.c" $LIBS -o "$TP_TMP/$ex" 2>"$TP_TMP/cc.err"
    tp_check "examples/$ex.c compiles and links with pkg-config's flags only" $?
    cat "$TP_TMP/cc.err"
done
if command -v c++ >/dev/null; then
    printf '#include <tlsprobe/tlsprobe.h>\n#include <cstring>\nint main() { return std::strcmp(tlsprobe_version(), TLSPROBE_VERSION) != 0; }\n' >"$TP_TMP/v.cc"
    # shellcheck disable=SC2086
    c++ -std=c++11 -Wall -Wextra -Werror -pedantic $SAN $CFLAGS "$TP_TMP/v.cc" $LIBS -o "$TP_TMP/vcc" &&
        LD_LIBRARY_PATH=$LIBDIR "$TP_TMP/vcc"
    tp_check "a C++ program includes the header, links and gets the same version at run time" $?
fi
export LD_LIBRARY_PATH=$LIBDIR
LD_LIBRARY_PATH=$LIBDIR ldd "$TP_TMP/check_chain" | grep -q "=> $LIBDIR/libtlsprobe.so.0 "
tp_check "the example runs against the installed library" $?

# A chain made here: root -> intermediate -> leaf for svc.test.
D=$TP_TMP/pki
mkdir -p "$D"
cd "$D" || exit 1
ossl() { openssl "$@" >/dev/null 2>&1; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem -days 90 \
    -subj "/CN=lib test root" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key -out int.csr -subj "/CN=lib test int"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >int.ext
ossl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 90 -extfile int.ext -out int.pem
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=svc.test"
printf 'subjectAltName=DNS:svc.test\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' >leaf.ext
ossl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -days 90 -extfile leaf.ext -out leaf.pem
cat leaf.pem int.pem >full.pem
[ -s full.pem ]
tp_check "openssl made root -> intermediate -> leaf (svc.test)" $?
# In the second the certificates were made, each has exactly 90 days left; a
# second later 89 (days are whole, rounded down). Two runs compared byte for
# byte below must not straddle that second: wait it out.
made=$(date +%s)
while [ "$(date +%s)" -le "$made" ]; do sleep 0.05; done

tp_expect_exit "check_chain: the good name" 0 "$TP_TMP/check_chain" full.pem svc.test root.pem
grep -q ': OK$' "$TP_OUT"
tp_check "check_chain: verdict OK printed" $?
tp_expect_exit "check_chain: a wrong name" 1 "$TP_TMP/check_chain" full.pem other.test root.pem
grep -q '^error hostname-mismatch: ' "$TP_OUT"
tp_check "check_chain: the finding id hostname-mismatch printed" $?
tp_expect_exit "check_chain: leaf only" 1 "$TP_TMP/check_chain" leaf.pem svc.test root.pem
grep -q "^error unknown-authority: .*'CN=lib test int'" "$TP_OUT"
tp_check "check_chain: leaf only -> unknown-authority naming the missing issuer" $?
tp_expect_exit "check_chain: no such file" 2 "$TP_TMP/check_chain" nothing.pem svc.test root.pem
grep -q 'nothing.pem' "$TP_ERR"
tp_check "check_chain: the error line names the file" $?

# The CLI is built on the same function: the same JSON, byte for byte.
"$TP_TMP/check_chain" full.pem other.test root.pem --json >lib.json
"$TLSPROBE" check --chain full.pem --host other.test --cafile root.pem --format json >cli.json
cmp -s lib.json cli.json && [ -s lib.json ]
tp_check "check_chain --json == tlsprobe check --format json" $?

tp_expect_exit "explain example" 0 "$TP_TMP/explain" "x509: certificate signed by unknown authority" go
grep -q '^finding: unknown-authority: ' "$TP_OUT"
tp_check "explain: the finding id printed" $?
"$TP_TMP/explain" "the weather is nice" >"$TP_TMP/ex2"
grep -q '^finding: none' "$TP_TMP/ex2"
tp_check "explain: an unknown message has no finding" $?

tp_finish
