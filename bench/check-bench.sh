#!/usr/bin/env bash
# Speed of `tlsprobe check` on a 3-certificate path (leaf + intermediate in the
# chain file, the root as --cafile; EC P-256, made here with openssl), against an
# older tlsprobe binary (optional) and `openssl verify` on the same files. Whole
# process per run, the commands taking turns (A B C A B C ...), many runs; min and
# median wall time, median CPU (user + sys), and the median of the per-round
# ratios to the first command. Not a test: the numbers depend on the machine.
# usage: bench/check-bench.sh NEW_BIN [OLD_BIN] [RUNS]   (RUNS default 200)
# target (the path-validation issue): NEW within 1.2x OLD.
set -euo pipefail
NEW=${1:?usage: bench/check-bench.sh NEW_BIN [OLD_BIN] [RUNS]}
OLD=${2:-}
RUNS=${3:-200}
[ -x "$NEW" ] || { echo "no executable $NEW" >&2; exit 2; }
[ -z "$OLD" ] || [ -x "$OLD" ] || { echo "no executable $OLD" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/check-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/$1.key" 2>/dev/null; }
key root; key int; key leaf
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' >"$T/ca.ext"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:bench.example\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' >"$T/leaf.ext"
openssl req -x509 -new -key "$T/root.key" -subj "/O=check-bench/CN=Bench Root" -days 3650 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$T/root.pem" 2>/dev/null
openssl req -new -key "$T/int.key" -subj "/O=check-bench/CN=Bench Issuing CA" 2>/dev/null |
    openssl x509 -req -CA "$T/root.pem" -CAkey "$T/root.key" -set_serial 2 -days 3650 -extfile "$T/ca.ext" -out "$T/int.pem" 2>/dev/null
openssl req -new -key "$T/leaf.key" -subj "/CN=bench.example" 2>/dev/null |
    openssl x509 -req -CA "$T/int.pem" -CAkey "$T/int.key" -set_serial 3 -days 365 -extfile "$T/leaf.ext" -out "$T/leaf.pem" 2>/dev/null
cat "$T/leaf.pem" "$T/int.pem" >"$T/chain.pem"

CHECK_ARGS=(check --chain "$T/chain.pem" --cafile "$T/root.pem" --host bench.example --format json)
"$NEW" "${CHECK_ARGS[@]}" >"$T/new.json" || { echo "$NEW check failed on the bench chain" >&2; cat "$T/new.json" >&2; exit 1; }
openssl verify -CAfile "$T/root.pem" -untrusted "$T/chain.pem" -purpose sslserver -verify_hostname bench.example \
    "$T/leaf.pem" >/dev/null || { echo "openssl verify failed on the bench chain" >&2; exit 1; }

echo "cores (nproc): $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg); runs: $RUNS per command"
echo "chain: leaf + intermediate, root as --cafile (EC P-256, ecdsa-with-SHA256)"
CMDS=("$NEW ${CHECK_ARGS[*]}")
NAMES=("tlsprobe check (new: $NEW)")
if [ -n "$OLD" ]; then
    CMDS+=("$OLD ${CHECK_ARGS[*]}")
    NAMES+=("tlsprobe check (old: $OLD)")
fi
CMDS+=("openssl verify -CAfile $T/root.pem -untrusted $T/chain.pem -purpose sslserver -verify_hostname bench.example $T/leaf.pem")
NAMES+=("openssl verify")
for i in "${!CMDS[@]}"; do echo "  [$i] ${NAMES[$i]}: ${CMDS[$i]}"; done

# Timing in python: posix_spawn + wait4, so the harness adds as little as it can
# to each run; no word in the commands needs a shell.
python3 - "$RUNS" "${NAMES[@]}" -- "${CMDS[@]}" <<'EOF'
import os, shlex, shutil, statistics, sys, time
runs = int(sys.argv[1])
rest = sys.argv[2:]
sep = rest.index("--")
names, cmds = rest[:sep], [shlex.split(c) for c in rest[sep + 1:]]
for c in cmds:
    c[0] = shutil.which(c[0]) or c[0]
devnull = os.open(os.devnull, os.O_RDWR)
fa = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
def once(argv):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=fa)
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    return (t1 - t0) / 1e6, (ru.ru_utime + ru.ru_stime) * 1e3, os.waitstatus_to_exitcode(status)
for c in cmds:           # warm-up: page cache, dynamic loader
    for _ in range(5):
        once(c)
wall = [[] for _ in cmds]
cpu = [[] for _ in cmds]
codes = [set() for _ in cmds]
for _ in range(runs):
    for i, c in enumerate(cmds):
        w, u, rc = once(c)
        wall[i].append(w); cpu[i].append(u); codes[i].add(rc)
print()
print("| command | min ms | median ms | median CPU ms | x [0] (median of per-round ratios) | exit |")
print("|---|---:|---:|---:|---:|---|")
for i, n in enumerate(names):
    ratio = statistics.median(w / b for w, b in zip(wall[i], wall[0]))
    print(f"| {n} | {min(wall[i]):.2f} | {statistics.median(wall[i]):.2f} | {statistics.median(cpu[i]):.2f} | "
          f"{ratio:.2f} | {','.join(map(str, sorted(codes[i])))} |")
if len(cmds) == 3:
    r = statistics.median(n / o for n, o in zip(wall[0], wall[1]))
    print(f"\nnew / old: {r:.2f}x (median of per-round ratios; target <= 1.2x)")
EOF
