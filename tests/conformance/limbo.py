#!/usr/bin/env python3
"""Run x509-limbo path-validation testcases through `tlsprobe check` (or, for
comparison, `openssl verify`) and say how often the verdict agrees with the
suite's expected result.

Each testcase becomes what a TLS client sees: the peer certificate followed by the
untrusted intermediates is the chain the server sends (--chain), the trusted
certificates are the anchors (--cafile), the expected peer name is --host, the
validation time is --at, and CLIENT testcases use --purpose client. The verdict is
`server_verification.valid` (`client_verification` with `--purpose client`) of `tlsprobe check --format json`.

Standard library only. See tests/conformance/README.md.
"""
import argparse
import collections
import datetime
import gzip
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_LIMBO = os.path.join(REPO, "..", "shared", "limbo", "limbo.json.gz")
DEFAULT_TLSPROBE = os.path.join(REPO, "build", "tlsprobe")

# A depth limit at least this large constrains nothing we can build
# (TP_MAX_CHAIN_CERTS is far below it), so such testcases run unconstrained.

AGREE, FALSE_ACCEPT, FALSE_REJECT, ERROR, SKIP = "agree", "false-accept", "false-reject", "error", "skip"
OUTCOMES = (AGREE, FALSE_ACCEPT, FALSE_REJECT, ERROR)

# Set in each worker (pool initializer).
_W = {}


def family_of(tc_id):
    """The id up to its second '::' (bettertls::nameconstraints, rfc5280::nc,
    webpki::san); ids with a single '::' (pathlen::max-chain-depth-0) group
    under their first part."""
    parts = tc_id.split("::")
    return "::".join(parts[:2]) if len(parts) > 2 else parts[0]


def skip_reason(tc):
    """Why a testcase cannot be run faithfully, or None. Kept deliberately short:
    everything else runs, and the per-feature table shows how it fares."""
    if "has-crl" in tc.get("features", []) or tc.get("crls"):
        return "needs CRL checking (has-crl / crls)"
    if tc.get("key_usage"):
        return "asks for a key_usage constraint (no option for it)"
    if tc.get("signature_algorithms"):
        return "asks for a signature_algorithms constraint (no option for it)"
    ekus = tc.get("extended_key_usage") or []
    wanted = "clientAuth" if tc["validation_kind"] == "CLIENT" else "serverAuth"
    if any(e not in (wanted, ) for e in ekus):
        return "asks for an EKU other than the purpose's own"
    name = tc.get("expected_peer_name")
    if tc["validation_kind"] == "SERVER" and name and name.get("kind") not in ("DNS", "IP"):
        return "expected peer name is not DNS or IP"
    return None


def epoch_of(validation_time):
    return int(datetime.datetime.fromisoformat(validation_time.replace("Z", "+00:00")).timestamp())


def _init_worker(verifier, binary, timeout, workdir):
    # Ctrl-C goes to the parent, which tears the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    d = os.path.join(workdir, "w%d" % os.getpid())
    os.makedirs(d, exist_ok=True)
    _W.update(verifier=verifier, binary=binary, timeout=timeout, dir=d)


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _run(cmd):
    """(returncode, stdout, stderr, seconds, timed_out). A timeout kills the child
    (SIGKILL) at the deadline."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=_W["timeout"])
        return p.returncode, p.stdout, p.stderr, time.monotonic() - t0, False
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or b"", e.stderr or b"", time.monotonic() - t0, True


def _sanitizer_report(stderr):
    return b"Sanitizer" in stderr or b"runtime error:" in stderr


def _check_tlsprobe(tc):
    d = _W["dir"]
    chain, ca = os.path.join(d, "chain.pem"), os.path.join(d, "ca.pem")
    _write(chain, tc["peer_certificate"] + "".join(tc["untrusted_intermediates"]))
    _write(ca, "".join(tc["trusted_certs"]))
    cmd = [_W["binary"], "check", "--format", "json", "--chain", chain, "--cafile", ca]
    if tc["validation_kind"] == "CLIENT":
        cmd += ["--purpose", "client"]  # expected_peer_names are not checked
    else:
        name = tc.get("expected_peer_name")
        if name:
            cmd += ["--host", name["value"]]
    if tc.get("validation_time"):
        cmd += ["--at", tc["validation_time"]]
    if tc.get("max_chain_depth") is not None:
        cmd += ["--max-depth", str(tc["max_chain_depth"])]
    rc, out, err, secs, timed_out = _run(cmd)
    err = err.replace(_W["dir"].encode() + b"/", b"")  # messages name chain.pem, not our temporary dir
    if timed_out:
        return None, "timeout after %.0f s" % _W["timeout"], secs
    if rc < 0:
        return None, "killed by signal %d" % -rc, secs
    if _sanitizer_report(err):
        line = next((l for l in err.decode(errors="replace").splitlines() if "Sanitizer" in l or "runtime error" in l), "")
        return None, "sanitizer: " + line.strip()[:160], secs
    if rc not in (0, 1):
        last = err.decode(errors="replace").strip().splitlines()
        return None, "exit %d: %s" % (rc, last[-1][:160] if last else ""), secs
    try:
        j = json.loads(out)
        v = j["server_verification"] or j["client_verification"]
        valid = v["valid"]
        if not isinstance(valid, bool):
            raise ValueError("valid is not a boolean")
    except (ValueError, KeyError, TypeError) as e:
        return None, "unparsable JSON (%s)" % str(e)[:80], secs
    return valid, (v.get("reject") or ""), secs


_OSSL_ERR = re.compile(rb"error (\d+) at (\d+) depth lookup: ?(.*)")


def _check_openssl(tc):
    d = _W["dir"]
    leaf, ca, untrusted = (os.path.join(d, n) for n in ("leaf.pem", "ca.pem", "untrusted.pem"))
    _write(leaf, tc["peer_certificate"])
    _write(ca, "".join(tc["trusted_certs"]))
    cmd = [_W["binary"], "verify", "-x509_strict", "-CAfile", ca]
    if tc["untrusted_intermediates"]:
        _write(untrusted, "".join(tc["untrusted_intermediates"]))
        cmd += ["-untrusted", untrusted]
    if tc["validation_kind"] == "CLIENT":
        cmd += ["-purpose", "sslclient"]
    else:
        cmd += ["-purpose", "sslserver"]
        name = tc.get("expected_peer_name")
        if name:
            cmd += ["-verify_ip" if name["kind"] == "IP" else "-verify_hostname", name["value"]]
    if tc.get("validation_time"):
        cmd += ["-attime", str(epoch_of(tc["validation_time"]))]
    if tc.get("max_chain_depth") is not None:
        cmd += ["-verify_depth", str(tc["max_chain_depth"])]
    cmd.append(leaf)
    rc, out, err, secs, timed_out = _run(cmd)
    if timed_out:
        return None, "timeout after %.0f s" % _W["timeout"], secs
    if rc is not None and rc < 0:
        return None, "killed by signal %d" % -rc, secs
    if rc == 0 and b": OK" in out:
        return True, "", secs
    m = _OSSL_ERR.search(out + err)
    if m:
        return False, "X509_V_ERR %s: %s" % (m.group(1).decode(), m.group(3).decode(errors="replace").strip()[:60]), secs
    if rc == 2:  # could not load a certificate: openssl says no
        return False, "load error", secs
    return None, "exit %s" % rc, secs


def run_one(tc):
    try:
        if _W["verifier"] == "openssl":
            valid, detail, secs = _check_openssl(tc)
        else:
            valid, detail, secs = _check_tlsprobe(tc)
    except OSError as e:
        return tc["id"], ERROR, None, "runner: %s" % e, 0.0
    expected_valid = tc["expected_result"] == "SUCCESS"
    if valid is None:
        outcome = ERROR
    elif valid == expected_valid:
        outcome = AGREE
    else:
        outcome = FALSE_ACCEPT if valid else FALSE_REJECT
    return tc["id"], outcome, valid, detail, secs


def read_id_list(path):
    """Ids one per line; '#' starts a comment; blank lines ignored."""
    ids = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                ids.append(line)
    return ids


def load_testcases(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        doc = json.load(f)
    return doc["testcases"]


class Tally:
    def __init__(self):
        self.n = collections.Counter()

    def add(self, outcome):
        self.n[outcome] += 1

    @property
    def run(self):
        return sum(self.n[o] for o in OUTCOMES)

    def pct(self):
        return 100.0 * self.n[AGREE] / self.run if self.run else 0.0

    def as_dict(self):
        d = {o: self.n[o] for o in OUTCOMES}
        d.update(run=self.run, skipped=self.n[SKIP], agreement_pct=round(self.pct(), 2))
        return d


def table(title, rows, out):
    """rows: [(name, Tally)]. Markdown, so bench/conformance.md can hold it as is."""
    out.append("")
    out.append("| %s | run | agree | false accept | false reject | error | agreement | skipped |" % title)
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, t in rows:
        out.append("| %s | %d | %d | %d | %d | %d | %s | %d |" % (
            name, t.run, t.n[AGREE], t.n[FALSE_ACCEPT], t.n[FALSE_REJECT], t.n[ERROR],
            "%.1f %%" % t.pct() if t.run else "-", t.n[SKIP]))


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="x509-limbo conformance runner for tlsprobe check (see tests/conformance/README.md)")
    ap.add_argument("--tlsprobe", default=DEFAULT_TLSPROBE, help="the binary (default: build/tlsprobe)")
    ap.add_argument("--verifier", choices=("tlsprobe", "openssl"), default="tlsprobe",
                    help="judge with tlsprobe check (default) or openssl verify, for comparison")
    ap.add_argument("--openssl", default="openssl", help="the openssl binary for --verifier openssl")
    ap.add_argument("--limbo", default=DEFAULT_LIMBO, help="limbo.json or limbo.json.gz (default: ../shared/limbo/limbo.json.gz)")
    ap.add_argument("--subset", metavar="FILE", help="run only the testcase ids listed in FILE")
    ap.add_argument("--known", metavar="FILE",
                    help="known disagreements: exit 1 if any other testcase disagrees (a regression)")
    ap.add_argument("--write-known", metavar="FILE", help="write the current disagreements as the known list")
    ap.add_argument("--list-disagreements", metavar="FILE",
                    help="write one line per disagreement: id, expected, got, reject id (tab-separated)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per testcase before a hard kill (default 10)")
    ap.add_argument("--slowest", type=int, default=10, help="how many of the slowest testcases to show (default 10)")
    ap.add_argument("--json", action="store_true", help="print a machine-readable summary instead of tables")
    ap.add_argument("--skip-if-missing", action="store_true",
                    help="exit 77 (ctest's SKIP) when the limbo file does not exist")
    a = ap.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `limbo.py | head` ends quietly

    if a.jobs < 1:
        ap.error("--jobs takes a number from 1")
    if not os.path.exists(a.limbo):
        msg = "limbo testcases not found at %s (x509-limbo lives in ../shared/limbo beside the checkout; see tests/conformance/README.md)" % os.path.normpath(a.limbo)
        if a.skip_if_missing:
            print("SKIP: " + msg)
            return 77
        print("limbo.py: " + msg, file=sys.stderr)
        return 2
    binary = a.openssl if a.verifier == "openssl" else a.tlsprobe
    if a.verifier == "tlsprobe" and not os.access(binary, os.X_OK):
        print("limbo.py: %s is not an executable (build first, or pass --tlsprobe)" % binary, file=sys.stderr)
        return 2
    if a.verifier == "openssl" and not shutil.which(binary):
        print("limbo.py: openssl not found", file=sys.stderr)
        return 2

    testcases = load_testcases(a.limbo)
    by_id = {tc["id"]: tc for tc in testcases}
    missing = []
    if a.subset:
        want = read_id_list(a.subset)
        missing = [i for i in want if i not in by_id]
        testcases = [by_id[i] for i in want if i in by_id]
        if missing:
            print("limbo.py: %d id(s) of %s are not in %s, e.g. %s" % (len(missing), a.subset, a.limbo, missing[0]),
                  file=sys.stderr)
    known = set(read_id_list(a.known)) if a.known else None

    skipped = {}
    runnable = []
    for tc in testcases:
        r = skip_reason(tc)
        if r:
            skipped[tc["id"]] = r
        else:
            runnable.append(tc)

    t0 = time.monotonic()
    results = {}
    workdir = tempfile.mkdtemp(prefix="tlsprobe-limbo-")
    try:
        with multiprocessing.Pool(a.jobs, _init_worker, (a.verifier, binary, a.timeout, workdir)) as pool:
            for r in pool.imap_unordered(run_one, runnable, chunksize=8):
                results[r[0]] = r
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    wall = time.monotonic() - t0

    total = Tally()
    fams = collections.defaultdict(Tally)
    tops = collections.defaultdict(Tally)
    feats = collections.defaultdict(Tally)
    skip_reasons = collections.Counter(skipped.values())
    for tc in testcases:
        tid = tc["id"]
        outcome = SKIP if tid in skipped else results[tid][1]
        for t in (total, fams[family_of(tid)], tops[tid.split("::")[0]]):
            t.add(outcome)
        for f in tc.get("features") or []:
            feats[f].add(outcome)
    errors_by_kind = collections.Counter()
    disagreements = []
    for tc in testcases:
        r = results.get(tc["id"])
        if not r or r[1] == AGREE:
            continue
        got = "ERROR" if r[1] == ERROR else ("SUCCESS" if r[2] else "FAILURE")
        if r[1] == ERROR:
            errors_by_kind[r[3][:120]] += 1
        disagreements.append((tc["id"], tc["expected_result"], got, r[3] or "-"))
    disagreements.sort()
    slowest = sorted(results.values(), key=lambda r: -r[4])[: a.slowest]

    status = 0
    regressions, now_agree = [], []
    if known is not None:
        dis_ids = {d[0] for d in disagreements}
        regressions = [d for d in disagreements if d[0] not in known]
        now_agree = sorted(i for i in known if i in results and i not in dis_ids)
        if regressions:
            status = 1

    if a.list_disagreements:
        with open(a.list_disagreements, "w") as f:
            for d in disagreements:
                f.write("\t".join(d) + "\n")
    if a.write_known:
        with open(a.write_known, "w") as f:
            f.write("# Known disagreements of `tlsprobe check` with x509-limbo (%s verifier).\n" % a.verifier)
            f.write("# id  # expected, what we said (reject id). The list may only shrink:\n")
            f.write("# regenerate with\n")
            f.write("#   python3 tests/conformance/limbo.py --subset tests/conformance/subset.txt \\\n")
            f.write("#       --write-known tests/conformance/known-disagreements.txt\n")
            for tid, exp, got, why in disagreements:
                if got == "ERROR":
                    reason = "error: %s" % why
                elif exp == "FAILURE":
                    reason = "false accept: expected FAILURE, we say valid"
                else:
                    reason = "false reject: expected SUCCESS, rejected (%s)" % why
                f.write("%s  # %s\n" % (tid, reason.replace("\n", " ")))

    if a.json:
        summary = {
            "verifier": a.verifier,
            "binary": binary,
            "limbo": os.path.normpath(a.limbo),
            "subset": a.subset,
            "testcases": len(testcases),
            "missing_from_limbo": len(missing),
            "seconds": round(wall, 1),
            "jobs": a.jobs,
            "total": total.as_dict(),
            "skipped": dict(skip_reasons),
            "families": {k: v.as_dict() for k, v in sorted(fams.items())},
            "top_families": {k: v.as_dict() for k, v in sorted(tops.items())},
            "features": {k: v.as_dict() for k, v in sorted(feats.items())},
            "errors": dict(errors_by_kind),
            "slowest": [{"id": r[0], "seconds": round(r[4], 3), "outcome": r[1]} for r in slowest],
            "regressions": [d[0] for d in regressions],
            "known_now_agree": now_agree,
        }
        print(json.dumps(summary))  # one line, like every JSON tlsprobe writes
    else:
        out = []
        out.append("%s on %d testcases (%d run, %d skipped) in %.1f s with %d job%s" % (
            a.verifier, len(testcases), total.run, total.n[SKIP], wall, a.jobs, "" if a.jobs == 1 else "s"))
        table("total", [("all", total)], out)
        table("family", sorted(tops.items()), out)
        table("family (2 levels)", sorted(fams.items()), out)
        table("feature", sorted(feats.items()), out)
        if skip_reasons:
            out.append("")
            out.append("skipped: " + "; ".join("%d %s" % (n, r) for r, n in skip_reasons.most_common()))
        if errors_by_kind:
            out.append("")
            out.append("errors: " + "; ".join("%d %s" % (n, r) for r, n in errors_by_kind.most_common()))
        if slowest:
            out.append("")
            out.append("slowest: " + ", ".join("%s %.3f s" % (r[0], r[4]) for r in slowest))
        print("\n".join(out))

    if known is not None:
        for d in regressions:
            print("REGRESSION %s: expected %s, got %s (%s)" % d, file=sys.stderr)
        if now_agree:
            print("%d testcase(s) in %s now agree; remove them (the list only shrinks):" % (len(now_agree), a.known),
                  file=sys.stderr)
            for i in now_agree:
                print("  " + i, file=sys.stderr)
        if regressions:
            print("%d disagreement(s) not in %s" % (len(regressions), a.known), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
