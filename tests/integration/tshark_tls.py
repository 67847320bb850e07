#!/usr/bin/env python3
"""tshark's -d options for a capture of TLS (and DTLS) sessions made in a test.

tshark picks a dissector by port before it tries TLS's heuristic, so a session
from or to a port it gives another protocol is not dissected as TLS at all: the
kernel hands out 57000 (IRC in tshark 4.0) to a client or to a test's server now
and then, and then tshark shows no ServerHello and no certificate (a fresh-clone
CI run failed so in test_ja4plus). For UDP, tshark 4.0 gives some thirty ports of
the kernel's range to other protocols (EOBI at 56000 and more).

decode_args(PCAP) returns ["-d", "tcp.port==P,tls", ...] for every port a SYN
went to and ["-d", "udp.port==P,dtls", ...] for every port a DTLS ClientHello
went to; a Decode As on the server's port wins over either port's registration.
Run as a script, it prints them one per line (lib.sh's tp_tshark reads them).
usage: tshark_tls.py PCAP
"""
import subprocess
import sys

# What goes to a server's port: a SYN, or a DTLS handshake record (22, version
# 0xfexx) holding a ClientHello (1).
SYN = "tcp.flags.syn == 1 && tcp.flags.ack == 0"
DTLS_HELLO = "udp.payload[0] == 16 && udp.payload[1] == fe && udp.payload[13] == 01"


def decode_args(pcap):
    """One pass over the capture for both kinds of server port."""
    out = subprocess.run(["tshark", "-r", pcap, "-Y", "(%s) || (%s)" % (SYN, DTLS_HELLO), "-T", "fields",
                          "-e", "tcp.dstport", "-e", "udp.dstport"],
                         capture_output=True, text=True, check=True).stdout
    ports = {"tcp": set(), "udp": set()}
    for line in out.splitlines():
        tcp, _, udp = line.partition("\t")
        if tcp:
            ports["tcp"].add(int(tcp))
        if udp:
            ports["udp"].add(int(udp))
    args = []
    for proto, dissector in (("tcp", "tls"), ("udp", "dtls")):
        for port in sorted(ports[proto]):
            args += ["-d", "%s.port==%d,%s" % (proto, port, dissector)]
    return args


if __name__ == "__main__":
    print("\n".join(decode_args(sys.argv[1])))
