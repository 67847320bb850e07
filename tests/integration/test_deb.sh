#!/usr/bin/env bash
# The Debian package (debian/, docs/packaging.md). On a copy of the working tree
# (committed or not): `DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage
# -us -uc -b` builds a .deb for every package of debian/control; their contents are
# checked (dpkg -c); they are unpacked into a throw-away root (dpkg -x) and the
# tlsprobe there runs `demo`, its man page formats and its bash completion
# completes, all from the root; an example program builds with pkg-config against
# the packaged library (libtlsprobe-dev) and runs with it; lintian finds no error
# and no warning that is not overridden with a reason (debian/*.lintian-overrides).
# Skipped (77) only when dpkg-buildpackage or debhelper is missing.
set -euo pipefail
SRC=${TP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v dpkg-buildpackage >/dev/null || { echo "SKIP: dpkg-buildpackage (dpkg-dev) is not installed"; exit 77; }
command -v dh >/dev/null || { echo "SKIP: debhelper is not installed"; exit 77; }
for t in fakeroot lintian dpkg-architecture; do
  command -v "$t" >/dev/null || { echo "FAIL: $t is not installed (scripts/deps.sh)"; exit 1; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
start=$SECONDS

# --- the copy: every file git knows or would add (not build*/, not ignored ones) ---
mkdir "$T/src"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$SRC" && git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
     [ -e "$f" ] && printf '%s\0' "$f"
   done | xargs -0 cp --parents -t "$T/src")
else
  (cd "$SRC" && tar --exclude='./build*' --exclude=./debian/tmp -cf - .) | tar -C "$T/src" -xf -
fi
[ -f "$T/src/debian/control" ] || { echo "FAIL: no debian/control in $SRC"; exit 1; }

# --- the build ------------------------------------------------------------------------
if ! (cd "$T/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) > "$T/build.log" 2>&1; then
  echo "FAIL: dpkg-buildpackage failed; the end of its log:"
  tail -40 "$T/build.log"
  exit 1
fi
echo "built in $((SECONDS - start)) s"
# nocheck honoured: the test suite was neither configured nor run.
grep -q -- '-DTP_TESTS=OFF' "$T/build.log" || fail "nocheck: the build did not configure with -DTP_TESTS=OFF"
if grep -qE '^(Test project|[0-9]+% tests passed)' "$T/build.log"; then fail "nocheck: the build ran tests"; fi

PKGS=$(sed -n 's/^Package: *//p' "$T/src/debian/control")
VERSION=$(cd "$T/src" && dpkg-parsechangelog -S Version)
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
ROOT="$T/root"
mkdir "$ROOT"
for p in $PKGS; do
  deb=$(find "$T" -maxdepth 1 -name "${p}_${VERSION}_*.deb" | head -1)
  if [ -z "$deb" ]; then fail "no .deb for package $p"; continue; fi
  dpkg -c "$deb" | awk '{print $6}' | sed 's,^\./,/,' > "$T/$p.files"
  dpkg -x "$deb" "$ROOT"
done

# --- contents -------------------------------------------------------------------------
# has PKG PATH-REGEX WHAT
has() { grep -qE "^$2\$" "$T/$1.files" 2>/dev/null || fail "$1: no $3 ($2)"; }
has tlsprobe /usr/bin/tlsprobe "binary"
has tlsprobe /usr/share/man/man1/tlsprobe\\.1\\.gz "man page"
has tlsprobe /usr/share/bash-completion/completions/tlsprobe "bash completion"
has tlsprobe /usr/share/zsh/vendor-completions/_tlsprobe "zsh completion"
has tlsprobe /usr/share/doc/tlsprobe/copyright "copyright file"
has tlsprobe '/usr/share/doc/tlsprobe/README\.md(\.gz)?' "README"
has tlsprobe '/usr/share/doc/tlsprobe/errors\.md(\.gz)?' "docs/errors.md"
has tlsprobe /usr/share/tlsprobe/trust-stores\.tsv "public trust-store data (docs/trust-stores.md)"
if grep -qx libtlsprobe0 <<< "$PKGS"; then
  has libtlsprobe0 "/usr/lib/$MA/libtlsprobe\\.so\\.0" "SONAME link"
  has libtlsprobe0 "/usr/lib/$MA/libtlsprobe\\.so\\.0\\.[0-9.]+" "shared library"
  has libtlsprobe-dev "/usr/lib/$MA/libtlsprobe\\.so" "development link"
  has libtlsprobe-dev /usr/include/tlsprobe/tlsprobe\\.h "header"
  has libtlsprobe-dev "/usr/lib/$MA/pkgconfig/tlsprobe\\.pc" "pkg-config file"
  if grep -q '\.so' "$T/tlsprobe.files"; then fail "tlsprobe: ships a shared library: $(grep '\.so' "$T/tlsprobe.files" | head -1)"; fi
fi
deps=$(dpkg-deb -f "$(find "$T" -maxdepth 1 -name "tlsprobe_${VERSION}_*.deb" | head -1)" Depends 2>/dev/null || true)
for d in libpcap0.8 libidn2-0 libwolfssl; do
  grep -q "$d" <<< "$deps" || fail "tlsprobe: Depends lacks $d (is: $deps)"
done

# --- run it from the throw-away root --------------------------------------------------
BIN="$ROOT/usr/bin/tlsprobe"
if [ -x "$BIN" ]; then
  export LD_LIBRARY_PATH="$ROOT/usr/lib/$MA"
  # If it links libtlsprobe, that must be the one in $ROOT.
  if readelf -d "$BIN" | grep 'NEEDED.*libtlsprobe' > /dev/null; then
    ldd "$BIN" | grep "libtlsprobe\\.so\\.0 => $ROOT/usr/lib/$MA/" > /dev/null ||
      fail "ldd: libtlsprobe is not resolved from the root: $(ldd "$BIN" | grep libtlsprobe)"
  fi
  got=$("$BIN" --version) || fail "tlsprobe --version exited $?"
  [ "$got" = "tlsprobe ${VERSION%-*}" ] || fail "tlsprobe --version says '$got', the package is ${VERSION%-*}"
  rc=0
  timeout 120 "$BIN" demo --no-color > "$T/demo.out" 2> "$T/demo.err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "tlsprobe demo from the package exited $rc"; tail -20 "$T/demo.out" "$T/demo.err"
  fi
  grep -q 'TLS' "$T/demo.out" || fail "tlsprobe demo printed no handshake"
  rc=0
  timeout 120 "$BIN" demo missing-intermediate --format json > "$T/demo.json" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || fail "tlsprobe demo missing-intermediate exited $rc"
  grep -qE '"id": *"missing-intermediate"' "$T/demo.json" || fail "demo missing-intermediate: the finding is not in the JSON"
  unset LD_LIBRARY_PATH
  # The man page and the bash completion, as installed.
  if command -v man >/dev/null; then
    MANWIDTH=80 man -l "$ROOT/usr/share/man/man1/tlsprobe.1.gz" > "$T/man.txt" 2>/dev/null || true
    grep -q "EXIT STATUS" "$T/man.txt" || fail "the packaged man page does not format"
  fi
  BC=/usr/share/bash-completion/bash_completion
  if [ -f "$BC" ]; then
    got=$(PATH="$ROOT/usr/bin:$PATH" bash --norc -c 'source "$1"; source "$2"
      COMP_WORDS=(tlsprobe con); COMP_CWORD=1; COMP_LINE="tlsprobe con"; COMP_POINT=12
      _tlsprobe tlsprobe con tlsprobe; echo "${COMPREPLY[*]}"' bash "$BC" \
      "$ROOT/usr/share/bash-completion/completions/tlsprobe")
    [ "$got" = connect ] || fail "packaged bash completion: 'tlsprobe con' gives '$got'"
  fi
  zsh -f -c 'autoload -U compinit; compinit -u -D; source "$1"' zsh "$ROOT/usr/share/zsh/vendor-completions/_tlsprobe" 2> "$T/zsh.err" ||
    fail "packaged zsh completion does not load: $(cat "$T/zsh.err")"
fi

# --- the library, as a user of libtlsprobe-dev builds against it ----------------------
if grep -qx libtlsprobe-dev <<< "$PKGS" && [ -f "$ROOT/usr/lib/$MA/pkgconfig/tlsprobe.pc" ]; then
  grep -qx 'prefix=/usr' "$ROOT/usr/lib/$MA/pkgconfig/tlsprobe.pc" ||
    fail "tlsprobe.pc: prefix is not /usr: $(grep '^prefix=' "$ROOT/usr/lib/$MA/pkgconfig/tlsprobe.pc")"
  if flags=$(PKG_CONFIG_PATH="$ROOT/usr/lib/$MA/pkgconfig" pkg-config --define-variable=prefix="$ROOT/usr" \
               --cflags --libs tlsprobe 2> "$T/pc.err"); then
    # Only the root's header and library: the example names nothing else.
    if cc -std=c11 -Wall -Wextra -Werror -pedantic "$T/src/examples/explain.c" $flags -o "$T/example_explain" 2> "$T/cc.err"; then
      export LD_LIBRARY_PATH="$ROOT/usr/lib/$MA"
      ldd "$T/example_explain" | grep "libtlsprobe\\.so\\.0 => $ROOT/usr/lib/$MA/libtlsprobe\\.so\\.0" > /dev/null ||
        fail "ldd: the example does not take libtlsprobe from the root: $(ldd "$T/example_explain" | grep tlsprobe)"
      got=$("$T/example_explain" "x509: certificate signed by unknown authority" | head -1) || fail "the example exited $?"
      case $got in "finding: unknown-authority:"*) ;; *) fail "the example linked to the packaged library says '$got'" ;; esac
      unset LD_LIBRARY_PATH
    else
      fail "the example does not build with the packaged header and library: $(cat "$T/cc.err")"
    fi
  else
    fail "pkg-config --cflags --libs tlsprobe failed: $(cat "$T/pc.err")"
  fi
fi

# --- lintian ----------------------------------------------------------------------------
CHANGES=$(find "$T" -maxdepth 1 -name "*_${VERSION}_${ARCH}.changes" | head -1)
if [ -z "$CHANGES" ]; then
  fail "no .changes file"
else
  lstart=$SECONDS
  if lintian --fail-on error,warning "$CHANGES" > "$T/lintian.out" 2>&1; then
    echo "lintian: no error, no warning that is not overridden ($((SECONDS - lstart)) s)"
  else
    fail "lintian: an error or a warning that is not overridden:"
    grep -E '^[EW]: ' "$T/lintian.out" || cat "$T/lintian.out"
  fi
fi
# TP_DEB_KEEP=DIR: keep the packages and the build log there (to look at them).
if [ -n "${TP_DEB_KEEP:-}" ]; then
  mkdir -p "$TP_DEB_KEEP" && cp "$T"/*.deb "$T"/*.changes "$T"/*.buildinfo "$T/build.log" "$TP_DEB_KEEP"/
fi

echo "$(echo $PKGS | wc -w) package(s), $((SECONDS - start)) s in all"
[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "ok"
