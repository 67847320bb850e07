#!/usr/bin/env python3
"""Differential testing of tlsprobe's path validation against OpenSSL.

For each case made by gen_chains.make_case(seed, i) (i = 0..count-1) the chain is
written to a temporary directory and judged twice:

  tlsprobe check --chain chain.pem --cafile root.pem [--host NAME] --at @T --format json
      verdict: server_verification.valid, reason: server_verification.reject
  openssl verify -x509_strict -auth_level 2 -purpose sslserver -CAfile root.pem
      [-untrusted sent.pem] [-verify_hostname NAME | -verify_ip IP] -attime T leaf.pem
      verdict: "leaf.pem: OK" and exit 0, reasons: every "error N at D depth lookup"

(-auth_level 2 is what libssl sets for a TLS client at Debian's default security
level 2: without it `openssl verify` checks no key size and no signature hash.)

Equal verdicts are agreements. Every disagreement is matched against the rule
tables below (OSSL_ERROR_RULES, TP_REJECT_RULES, CASE_RULES), the documented,
intended differences (docs/reliability.md); one that no rule explains
is UNEXPLAINED: printed with the case's description, and the exit status is 1.

Exit: 0 no unexplained disagreement; 1 some, or a verifier crashed, timed out or
printed a sanitizer report, or a rule has no row in docs/reliability.md; 2 no
tlsprobe binary; 77 python3-cryptography or openssl missing (ctest's SKIP).
"""
import argparse
import collections
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree when ctest runs us

try:
    warnings.simplefilter("ignore")  # cryptography warns about every SHA-1 signature we ask for
    import gen_chains
except ImportError as e:  # python3-cryptography missing
    print("SKIP: differential test needs python3-cryptography (%s)" % e)
    sys.exit(77)

# OpenSSL error numbers (include/openssl/x509_vfy.h, 3.0)
E_EXPIRED = 10
E_INVALID_PURPOSE = 26
E_MISSING_AKI, E_MISSING_SKI = 85, 86
E_CA_BCONS_NOT_CRITICAL, E_CA_MISSING_KU = 89, 92
E_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN = 81


# ---- facts the rules key on -------------------------------------------------

def label_at(case, depth):
    """The certificate OpenSSL's error depth points at, along the intended path
    (leaf 0, ..., root). A duplicate intermediate can shift this: see rule
    'no-backtracking', which is checked first and does not use it."""
    p = case["path"]
    return p[depth] if 0 <= depth < len(p) else None


def eku_any_not_server(f):
    return f["eku"] is not None and "any" in f["eku"] and "server" not in f["eku"]


def ku_not_tls(f):
    ku = f["ku"]
    return ku is not None and not ({"digital_signature", "key_encipherment", "key_agreement"} & set(ku))


def leaf_dns_sans(case):
    return [n for n in case["certs"]["leaf"]["san"] or [] if not gen_chains._is_ip(n)]


def looks_like_dns(s):
    return "." in s and " " not in s


# ---- the rule tables: documented, intended differences ------------------------
# The reasons are repeated in docs/reliability.md; keep the two in step.
#
# A disagreement where OpenSSL rejects and tlsprobe accepts is explained when a
# CASE rule for "openssl" holds, or when EVERY error OpenSSL printed, (code, depth),
# is explained by an OSSL_ERROR rule (code listed, predicate true of the
# certificate at that depth). One where tlsprobe rejects and OpenSSL accepts is
# explained when a CASE rule for "tlsprobe" holds, or when EVERY finding id on
# tlsprobe's verdict (server_verification.reject and each problem) is explained by a
# TP_REJECT rule.

def strict_fact(code, label, f):
    """Does the certificate have what -x509_strict reports as `code`?"""
    ca = f["bc"] == "ca"
    return {E_MISSING_AKI: not f["aki"] and label != "root",
            E_MISSING_SKI: ca and not f["ski"],
            E_CA_BCONS_NOT_CRITICAL: ca and not f["bc_crit"],
            E_CA_MISSING_KU: ca and f["ku"] is None,
            E_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN: f["pathlen"] is not None and f["ku"] is None}.get(code, False)


def wildcard_meets_exclusion(case):
    """A SAN *.X and, on a CA above, an excluded DNS subtree one label below X:
    the wildcard matches that very name, the literal string does not."""
    wild = [n[2:] for n in case["certs"]["leaf"]["san"] or [] if n.startswith("*.")]
    for lb in case["path"][1:]:
        nc = case["certs"][lb]["nc"]
        for e in (nc["exclude"] if nc else []):
            e = e.lstrip(".")
            if gen_chains._is_ip(e.split("/")[0]):
                continue
            if any(e.endswith("." + x) and "." not in e[:-len(x) - 1] for x in wild):
                return True
    return False


# (id, codes, predicate(case, label, facts, code), reason)
OSSL_ERROR_RULES = [
    ("leaf-key-usage", {E_INVALID_PURPOSE},
     lambda c, lb, f, code: lb == "leaf" and ku_not_tls(f),
     "The leaf's keyUsage has none of digitalSignature, keyEncipherment, keyAgreement. OpenSSL's sslserver "
     "purpose rejects it; tlsprobe reports it (a finding) but its verdict follows Go and rustls-webpki, which "
     "do not judge the leaf's keyUsage."),
    ("any-eku", {E_INVALID_PURPOSE},
     lambda c, lb, f, code: f is not None and eku_any_not_server(f),
     "A certificate's extendedKeyUsage lists anyExtendedKeyUsage but not serverAuth. RFC 5280 §4.2.1.12 "
     "says anyExtendedKeyUsage allows any purpose, and tlsprobe (as Go and rustls-webpki) reads it so; "
     "OpenSSL's sslserver purpose wants serverAuth itself (leaf, intermediates and root)."),
    ("x509-strict-profile",
     {E_MISSING_AKI, E_MISSING_SKI, E_CA_BCONS_NOT_CRITICAL, E_CA_MISSING_KU, E_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN},
     lambda c, lb, f, code: f is not None and strict_fact(code, lb, f),
     "OpenSSL -x509_strict rejects a CA without keyUsage (and so a pathLenConstraint without keyCertSign), "
     "a CA whose basicConstraints is not critical, a "
     "certificate without authorityKeyIdentifier and a CA without subjectKeyIdentifier. tlsprobe accepts "
     "them as Go, Chrome and Firefox do: real roots in Debian's store break these rules "
     "(bench/conformance-history.md, 'The 29 false accepts we keep')."),
    ("notafter-boundary", {E_EXPIRED},
     lambda c, lb, f, code: f is not None and f["validity"] == "notafter=at",
     "The validation time is exactly the certificate's notAfter. RFC 5280 §4.1.2.5: the validity period is "
     "notBefore through notAfter inclusive, so tlsprobe accepts; OpenSSL's X509_cmp_time counts the notAfter "
     "second itself as expired."),
    ("cn-name-constraints", {47, 48},  # X509_V_ERR_PERMITTED_VIOLATION, X509_V_ERR_EXCLUDED_VIOLATION
     lambda c, lb, f, code: lb == "leaf" and not leaf_dns_sans(c) and looks_like_dns(f["cn"]),
     "The leaf has no DNS name in its subjectAltName and a host-like commonName. OpenSSL checks that CN "
     "against DNS name constraints (its legacy CN fallback); tlsprobe never takes a name from the CN for "
     "the verdict (Go, rustls-webpki, browsers), so there is no DNS name to constrain."),
]

# (id, finding ids, predicate(case, tp), reason)
TP_REJECT_RULES = [
    ("leaf-ca-without-certsign", {"malformed-certificate"},
     lambda c, t: c["certs"]["leaf"]["bc"] == "ca" and "key_cert_sign" not in (c["certs"]["leaf"]["ku"] or [])
     and c["certs"]["leaf"]["ku"] is not None,
     "The leaf says basicConstraints cA=TRUE but its keyUsage has no keyCertSign. tlsprobe rejects it as "
     "malformed: a server certificate must not claim to be a CA (CA/Browser Forum BR 7.1.2.7.8; RFC 5280 "
     "§4.2.1.9 makes cA and keyCertSign go together). OpenSSL -x509_strict checks only the converse "
     "(keyCertSign without cA)."),
    ("wildcard-vs-excluded", {"name-constraint-violation"},
     lambda c, t: wildcard_meets_exclusion(c),
     "A wildcard dNSName (*.corp.example) under an excluded DNS subtree it could match (secret.corp.example). "
     "tlsprobe, like Go 1.24 and rustls-webpki, treats the wildcard as every name it matches and rejects; "
     "OpenSSL compares the literal string '*.corp.example' with the subtree and accepts."),
    ("cn-fallback", {"cn-only"},
     lambda c, t: c["host"] is not None and not leaf_dns_sans(c) and c["certs"]["leaf"]["cn"] == c["host"],
     "The host is only in the leaf's commonName (no DNS name in a subjectAltName). OpenSSL's hostname check "
     "falls back to the CN and accepts; tlsprobe rejects (finding cn-only), as Go since 1.15, Chrome and "
     "Firefox do: RFC 6125 §6.4.4 allows the CN only when there is no subjectAltName, and the CA/Browser "
     "Forum requires the SAN."),
]

# (id, side that rejects, predicate(case, tp, ossl), reason)
CASE_RULES = [
    ("no-backtracking", "openssl",
     lambda c, t, o: c["dup"] is not None and "without_dup" in o and (
         o["without_dup"]["valid"] or explain_ossl_errors(c, o["without_dup"]["errors"]) is not None),
     "A duplicate of an intermediate (same name and key, signed by an untrusted root, expired, or not a CA) "
     "is sent beside the good one. tlsprobe's path builder tries every candidate issuer and finds the good "
     "path; OpenSSL commits to the first issuer it picks and fails. Checked, not assumed: with the duplicate "
     "(and the untrusted root) left out, OpenSSL must accept the case, or reject it only for reasons "
     "the other rules explain."),
]


def explain_ossl_errors(case, errors):
    """The OSSL_ERROR rules explaining every (code, depth) in errors, or None."""
    used = []
    for code, depth in errors:
        lb = label_at(case, depth)
        f = case["certs"].get(lb) if lb else None
        rid = next((r for r, codes, pred, _ in OSSL_ERROR_RULES if code in codes and pred(case, lb, f, code)), None)
        if rid is None:
            return None
        used.append(rid)
    return used


def classify(case, tp, o):
    """'+'-joined ids of the rules explaining a disagreement, or None."""
    side = "tlsprobe" if not tp["valid"] else "openssl"
    for rid, who, pred, _reason in CASE_RULES:
        if who == side and pred(case, tp, o):
            return rid
    used = []
    if side == "openssl":
        used = explain_ossl_errors(case, o["errors"])
        if used is None:
            return None
    else:
        ids = {tp["reject"]} | {pid for pid, _ in tp["problems"]}
        for fid in sorted(ids):
            rid = next((r for r, fids, pred, _ in TP_REJECT_RULES if fid in fids and pred(case, tp)), None)
            if rid is None:
                return None
            used.append(rid)
    return "+".join(sorted(set(used))) or None


def all_rules():
    """(id, side that rejects, reason) of every rule, for --rules and the docs."""
    return ([(r, "openssl", why) for r, _, _, why in OSSL_ERROR_RULES]
            + [(r, "tlsprobe", why) for r, _, _, why in TP_REJECT_RULES]
            + [(r, who, why) for r, who, _, why in CASE_RULES])


# ---- running the verifiers --------------------------------------------------

_W = {}


def _init_worker(binary, workdir, timeout, auth_level):
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.simplefilter("ignore")
    _W.update(binary=binary, dir=tempfile.mkdtemp(prefix="w", dir=workdir), timeout=timeout, auth_level=auth_level)


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def is_ip(s):
    return s is not None and gen_chains._is_ip(s)


CASE_FILES = ("chain.pem", "root.pem", "leaf.pem", "sent.pem", "sent-nodup.pem")


def write_case(case, d):
    """The case's files in d: chain.pem (as sent), root.pem, leaf.pem, sent.pem (all
    but the leaf), sent-nodup.pem (sent.pem without the duplicate and its root)."""
    _write(os.path.join(d, "chain.pem"), "".join(case["chain_pems"]))
    _write(os.path.join(d, "root.pem"), case["root_pem"])
    _write(os.path.join(d, "leaf.pem"), case["chain_pems"][0])
    _write(os.path.join(d, "sent.pem"), "".join(case["chain_pems"][1:]))
    _write(os.path.join(d, "sent-nodup.pem"),
           "".join(p for lb, p in zip(case["sent"][1:], case["chain_pems"][1:]) if lb not in ("dup", "other")))


def commands(case, d, binary, auth_level=2):
    tp = [binary, "check", "--chain", os.path.join(d, "chain.pem"), "--cafile", os.path.join(d, "root.pem"),
          "--at", "@%d" % case["at"], "--format", "json"]
    os_ = ["openssl", "verify", "-x509_strict"] + (["-auth_level", str(auth_level)] if auth_level >= 0 else []) + [
        "-purpose", "sslserver", "-CAfile", os.path.join(d, "root.pem"), "-attime", str(case["at"])]
    if len(case["chain_pems"]) > 1:
        os_ += ["-untrusted", os.path.join(d, "sent.pem")]
    if case["host"]:
        tp += ["--host", case["host"]]
        os_ += ["-verify_ip" if is_ip(case["host"]) else "-verify_hostname", case["host"]]
    os_.append(os.path.join(d, "leaf.pem"))
    return tp, os_


ERR_RE = re.compile(r"error (\d+) at (\d+) depth lookup")


def run_tlsprobe(cmd, timeout):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    if p.returncode not in (0, 1):
        return {"error": "tlsprobe exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[:500])}
    try:
        j = json.loads(p.stdout.decode().splitlines()[0])
        v = j["server_verification"] or j["client_verification"] or {}
    except (ValueError, IndexError, KeyError) as e:
        return {"error": "tlsprobe JSON unreadable: %s" % e}
    if b"runtime error" in p.stderr or b"Sanitizer" in p.stderr:
        return {"error": "sanitizer: " + p.stderr.decode(errors="replace")[:500]}
    return {"valid": v.get("valid") is True, "reject": v.get("reject"),
            "problems": [(x.get("id"), x.get("index")) for x in v.get("problems") or []]}


def run_openssl(cmd, timeout):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    out = (p.stdout + p.stderr).decode(errors="replace")
    errors = [(int(a), int(b)) for a, b in ERR_RE.findall(out)]
    ok = p.returncode == 0 and out.rstrip().endswith(": OK")
    if not ok and not errors:
        return {"error": "openssl exit %d without an error line: %s" % (p.returncode, out[:500])}
    return {"valid": ok, "errors": errors}


def run_case(args):
    seed, index = args
    t0 = time.monotonic()
    case = gen_chains.make_case(seed, index)
    t1 = time.monotonic()
    d = os.path.join(_W["dir"], "c%d" % index)
    os.makedirs(d, exist_ok=True)
    write_case(case, d)
    tpc, osc = commands(case, d, _W["binary"], _W["auth_level"])
    try:
        tp = run_tlsprobe(tpc, _W["timeout"])
        o = run_openssl(osc, _W["timeout"])
        if case["dup"] and tp.get("valid") is True and o.get("valid") is False:
            # the counterfactual for rule no-backtracking: the same question without the duplicate
            alt = [x if x != os.path.join(d, "sent.pem") else os.path.join(d, "sent-nodup.pem") for x in osc]
            o["without_dup"] = run_openssl(alt, _W["timeout"])
            if "error" in o["without_dup"]:
                o = o["without_dup"]
    except subprocess.TimeoutExpired as e:
        tp, o = {"error": "timeout: %s" % " ".join(e.cmd[:2])}, {}
    t2 = time.monotonic()
    for n in CASE_FILES:
        os.unlink(os.path.join(d, n))
    os.rmdir(d)
    res = {"index": index, "desc": case["desc"], "gen_s": t1 - t0, "verify_s": t2 - t1}
    if "error" in tp or "error" in o:
        res["outcome"] = "error"
        res["error"] = tp.get("error") or o.get("error")
        return res
    res["tp"] = {k: tp[k] for k in ("valid", "reject")}
    res["ossl"] = {"valid": o["valid"], "errors": o["errors"]}
    if tp["valid"] == o["valid"]:
        res["outcome"] = "agree"
    else:
        rid = classify(case, tp, o)
        res["outcome"] = "explained" if rid else "unexplained"
        res["rule"] = rid
    return res


def save_case(seed, index, binary, outdir, auth_level=2):
    """Write case `index`'s files and the two commands (run.sh) under outdir/case-<index>."""
    warnings.simplefilter("ignore")
    case = gen_chains.make_case(seed, index)
    d = os.path.join(outdir, "case-%d" % index)
    os.makedirs(d, exist_ok=True)
    write_case(case, d)
    tpc, osc = commands(case, d, os.path.abspath(binary), auth_level)
    _write(os.path.join(d, "desc.txt"), case["desc"] + "\n")
    _write(os.path.join(d, "run.sh"), "#!/bin/sh\n%s\n%s\n" % (" ".join(tpc), " ".join(osc)))
    return d


def main():
    ap = argparse.ArgumentParser(description="tlsprobe check vs openssl verify on random chains")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--first", type=int, default=0, help="first case index (default 0)")
    ap.add_argument("--tlsprobe", default=os.path.join(REPO, "build", "tlsprobe"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per verifier run")
    ap.add_argument("--openssl-auth-level", type=int, default=2,
                    help="openssl verify -auth_level (default 2, libssl's level at Debian's SECLEVEL=2; "
                         "-1: leave it out, as a bare `openssl verify` runs)")
    ap.add_argument("--explain", metavar="FILE",
                    help="write every disagreement (index, rule or UNEXPLAINED, verdicts, description) to FILE")
    ap.add_argument("--dump", metavar="FILE", help="write every case's result as a JSON line to FILE")
    ap.add_argument("--save", metavar="DIR", help="save each unexplained case's PEMs and commands under DIR")
    ap.add_argument("--rules", action="store_true", help="print the rule table and exit")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    a = ap.parse_args()
    if a.rules:
        for rid, who, reason in all_rules():
            print("%s (%s rejects): %s" % (rid, who, reason))
        return 0
    # The table in the docs must list every rule (and so its reason): a rule added
    # here without its line there fails the run.
    doc = os.path.join(REPO, "docs", "reliability.md")
    if os.path.exists(doc):
        text = open(doc, encoding="utf-8").read()
        missing = [rid for rid, _, _ in all_rules() if "| `%s` |" % rid not in text]
        if missing:
            print("run.py: rules missing from the table in docs/reliability.md: %s" % ", ".join(missing))
            return 1
    if not shutil.which("openssl"):
        print("SKIP: differential test needs the openssl command (the oracle)")
        return 77
    if not os.access(a.tlsprobe, os.X_OK):
        print("run.py: no tlsprobe binary at %s" % a.tlsprobe, file=sys.stderr)
        return 2
    t0 = time.monotonic()
    gen_chains.init_keys()  # before the fork: the workers share one key pool
    results = []
    with tempfile.TemporaryDirectory(prefix="tp-diff-") as work:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(a.jobs, _init_worker, (a.tlsprobe, work, a.timeout, a.openssl_auth_level)) as pool:
            for r in pool.imap_unordered(run_case, [(a.seed, i) for i in range(a.first, a.first + a.count)],
                                         chunksize=8):
                results.append(r)
    wall = time.monotonic() - t0
    results.sort(key=lambda r: r["index"])
    n = collections.Counter(r["outcome"] for r in results)
    by_rule = collections.Counter(r["rule"] for r in results if r["outcome"] == "explained")
    both_valid = sum(1 for r in results if r["outcome"] == "agree" and r["tp"]["valid"])
    gen_s = sum(r["gen_s"] for r in results)
    ver_s = sum(r["verify_s"] for r in results)
    bad = [r for r in results if r["outcome"] in ("unexplained", "error")]

    def line(r):
        if r["outcome"] == "error":
            return "%d\tERROR\t%s\t%s" % (r["index"], r["error"], r["desc"])
        return "%d\t%s\ttlsprobe=%s(%s)\topenssl=%s(%s)\t%s" % (
            r["index"], r.get("rule") or "UNEXPLAINED", "valid" if r["tp"]["valid"] else "invalid",
            r["tp"]["reject"] or "", "valid" if r["ossl"]["valid"] else "invalid",
            ",".join("%d@%d" % e for e in r["ossl"]["errors"]), r["desc"])

    if a.explain:
        with open(a.explain, "w") as f:
            for r in results:
                if r["outcome"] in ("explained", "unexplained", "error"):
                    f.write(line(r) + "\n")
    if a.dump:
        with open(a.dump, "w") as f:
            for r in results:
                f.write(json.dumps(r) + "\n")
    if a.save:
        for r in bad:
            save_case(a.seed, r["index"], a.tlsprobe, a.save, a.openssl_auth_level)
    summary = {"seed": a.seed, "first": a.first, "count": len(results), "agree": n["agree"],
               "agree_both_valid": both_valid, "explained": n["explained"], "unexplained": n["unexplained"],
               "errors": n["error"], "by_rule": dict(sorted(by_rule.items())), "wall_s": round(wall, 1),
               "gen_cpu_s": round(gen_s, 1), "verify_s": round(ver_s, 1), "jobs": a.jobs}
    for r in bad:
        print(("UNEXPLAINED " if r["outcome"] == "unexplained" else "ERROR ") + line(r))
    if a.json:
        print(json.dumps(summary))
    else:
        print("seed %s, cases %d..%d: %d chains, %d agree (%d both valid, %d both invalid), "
              "%d explained disagreements, %d unexplained, %d errors; %.1f s wall with %d jobs" % (
                  a.seed, a.first, a.first + a.count - 1, len(results), n["agree"], both_valid,
                  n["agree"] - both_valid, n["explained"], n["unexplained"], n["error"], wall, a.jobs))
        for rid, k in sorted(by_rule.items()):
            print("  explained by %-28s %d" % (rid, k))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
