#!/usr/bin/env python3
"""Seeds for fuzz_verify (fixtures/fuzz/fuzz_verify/gen-*): chains whose
nameConstraints and subjectAltNames use every GeneralName form the verifier
reads (dNSName, iPAddress v4/v6, rfc822Name, URI, directoryName, otherName),
permitted and excluded, plus policy, EKU, key-usage and pathLen variations.
Each seed is the fuzz_verify input format: a question byte (anchor flag, host
choice), then the certificates leaf first, each behind a 2-byte length, the
root last (the anchor). Needs python3-cryptography; the output is committed, so
this runs only when the seeds are to be made again:

    python3 tests/fuzz/make_verify_seeds.py fixtures/fuzz/fuzz_verify
"""
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NB = datetime.datetime(2025, 6, 1, 12, 0, 0)
NA = datetime.datetime(2028, 6, 1, 12, 0, 0)
KEYS = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]


def name(cn, o=None):
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if o:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, o))
    return x509.Name(attrs)


def cert(subject, issuer, key, ikey, ca, exts=(), serial=1, nb=NB, na=NA):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(nb).not_valid_after(na))
    if ca is not None:
        b = b.add_extension(x509.BasicConstraints(ca=ca[0], path_length=ca[1]), critical=True)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ikey.public_key()), critical=False)
    for e, crit in exts:
        b = b.add_extension(e, critical=crit)
    return b.sign(ikey, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


CA_KU = (x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                       data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                       encipher_only=False, decipher_only=False), True)
LEAF_KU = (x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                         encipher_only=False, decipher_only=False), True)


def chain(nc, san, int_exts=(), leaf_exts=(), path_len=None, subject=None):
    rk, ik, lk = KEYS
    rn, inn = name("Seed Root", "TP Fuzz"), name("Seed Int", "TP Fuzz")
    root = cert(rn, rn, rk, rk, (True, None), [CA_KU])
    iexts = [CA_KU] + list(int_exts)
    if nc is not None:
        iexts.append((nc, True))
    inter = cert(inn, rn, ik, rk, (True, path_len), iexts, serial=2)
    lexts = [LEAF_KU, (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)] + list(leaf_exts)
    if san:
        lexts.append((x509.SubjectAlternativeName(san), False))
    leaf = cert(subject or name("api.corp.example", "TP Fuzz"), inn, lk, ik, (False, None), lexts, serial=3)
    return [leaf, inter, root]


def enc(flags, certs):
    out = bytes([flags])
    for c in certs:
        out += len(c).to_bytes(2, "big") + c
    return out


DNS, IP4, IP6 = 1 << 2, 2 << 2, 3 << 2
ANCHOR = 1
NC = x509.NameConstraints
G = x509
cases = {
    "dns-permitted": (ANCHOR | DNS, NC([G.DNSName("corp.example")], None), [G.DNSName("api.corp.example")]),
    "dns-dot-permitted": (ANCHOR | DNS, NC([G.DNSName(".corp.example")], None), [G.DNSName("api.corp.example"), G.DNSName("*.corp.example")]),
    "dns-excluded": (ANCHOR | DNS, NC(None, [G.DNSName("api.corp.example")]), [G.DNSName("api.corp.example")]),
    "dns-empty-constraint": (ANCHOR | DNS, NC([G.DNSName("")], None), [G.DNSName("api.corp.example")]),
    "ip4-permitted": (ANCHOR | IP4, NC([G.IPAddress(ipaddress.ip_network("10.1.0.0/16"))], None), [G.IPAddress(ipaddress.ip_address("10.1.2.3"))]),
    "ip4-excluded": (ANCHOR | IP4, NC(None, [G.IPAddress(ipaddress.ip_network("10.0.0.0/8"))]), [G.IPAddress(ipaddress.ip_address("10.1.2.3")), G.IPAddress(ipaddress.ip_address("2001:db8::1"))]),
    "ip6-permitted": (ANCHOR | IP6, NC([G.IPAddress(ipaddress.ip_network("2001:db8::/32"))], [G.IPAddress(ipaddress.ip_network("10.0.0.0/8"))]), [G.IPAddress(ipaddress.ip_address("2001:db8::1"))]),
    "email": (ANCHOR | DNS, NC([G.RFC822Name("corp.example"), G.RFC822Name(".corp.example"), G.RFC822Name("ops@corp.example")], [G.RFC822Name("bad@corp.example")]),
              [G.DNSName("api.corp.example"), G.RFC822Name("ops@corp.example"), G.RFC822Name("\"a@b\"@mail.corp.example"), G.RFC822Name("bad@corp.example")]),
    "uri": (ANCHOR | DNS, NC([G.UniformResourceIdentifier(".corp.example"), G.UniformResourceIdentifier("host.example")], [G.UniformResourceIdentifier("evil.corp.example")]),
            [G.DNSName("api.corp.example"), G.UniformResourceIdentifier("https://user@api.corp.example:8443/p?q#f"), G.UniformResourceIdentifier("spiffe://host.example/x"), G.UniformResourceIdentifier("urn:no-host")]),
    "dirname": (ANCHOR | DNS, NC([G.DirectoryName(name("x", "TP Fuzz"))], [G.DirectoryName(name("Evil"))]),
                [G.DNSName("api.corp.example"), G.DirectoryName(name("api.corp.example", "TP Fuzz"))]),
    "othername": (ANCHOR | DNS, NC([G.DNSName("corp.example")], None),
                  [G.DNSName("api.corp.example"), G.OtherName(x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3"), b"\x0c\x03a@b")]),
    "cn-only": (ANCHOR | DNS, NC([G.DNSName("corp.example")], None), None),
    "mixed-all": (ANCHOR | DNS, NC([G.DNSName("corp.example"), G.IPAddress(ipaddress.ip_network("10.1.2.0/24")), G.RFC822Name("corp.example"), G.UniformResourceIdentifier("corp.example")],
                                  [G.DNSName("secret.corp.example"), G.IPAddress(ipaddress.ip_network("2001:db8::/48"))]),
                  [G.DNSName("api.corp.example"), G.DNSName("x.secret.corp.example"), G.IPAddress(ipaddress.ip_address("10.1.2.3")), G.RFC822Name("a@corp.example"), G.UniformResourceIdentifier("http://corp.example/")]),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "fixtures/fuzz/fuzz_verify"
    for n, (flags, nc, san) in cases.items():
        certs = chain(nc, san)
        with open(os.path.join(out, "gen-" + n), "wb") as f:
            f.write(enc(flags, certs))
    # pathLen 0 with one intermediate too many, policies, an unknown critical extension
    rk, ik, lk = KEYS
    extra = {
        "pathlen0": chain(None, [G.DNSName("api.corp.example")], path_len=0),
        "policies": chain(None, [G.DNSName("api.corp.example")],
                          int_exts=[(x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier("2.23.140.1.2.1"), None)]), False),
                                    (x509.PolicyConstraints(require_explicit_policy=0, inhibit_policy_mapping=None), True)]),
        "unknown-critical": chain(None, [G.DNSName("api.corp.example")],
                                  leaf_exts=[(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.5"), b"\x05\x00"), True)]),
        "eku-mismatch": chain(None, [G.DNSName("api.corp.example")],
                              int_exts=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False)]),
    }
    for n, certs in extra.items():
        with open(os.path.join(out, "gen-" + n), "wb") as f:
            f.write(enc(ANCHOR | DNS, certs))


if __name__ == "__main__":
    main()
