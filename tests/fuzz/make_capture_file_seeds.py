#!/usr/bin/env python3
"""Seeds for the file-reading paths of fuzz_capture (tests/fuzz/fuzz_capture.c:
an input whose length has bit 2 set is written to a memfd and read as
`tlsprobe pcap FILE` reads it) and one for fuzz_pcapng, made from the capture
fixtures (fixtures/captures/). The input's length picks the harness's options,
so each seed is padded to the length it needs: classic pcap with a trailing
non-IP Ethernet frame (ethertype 0x88b5), pcapng with a custom block, gzip with
its FNAME header field, xz and zstd by the size of the padding frame inside.

  make_capture_file_seeds.py [FUZZ_FIXTURES_DIR]     (default fixtures/fuzz)

Writes fuzz_capture/file-* and fuzz_capture/empty, fuzz_pcapng/file-done-session.
Standard library only, plus the zstd command for the zstd seed (skipped without it)."""
import gzip
import hashlib
import io
import lzma
import os
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CAPS = os.path.join(HERE, "..", "..", "fixtures", "captures")


def read_pcap(name):
    data = open(os.path.join(CAPS, name), "rb").read()
    assert struct.unpack("<I", data[:4])[0] == 0xA1B2C3D4, name
    pkts, off = [], 24
    while off + 16 <= len(data):
        ts, tus, cap, orig = struct.unpack("<IIII", data[off:off + 16])
        pkts.append((ts, tus, data[off + 16:off + 16 + cap], orig))
        off += 16 + cap
    return data[:24], pkts


def write_pcap(hdr, pkts):
    out = bytearray(hdr)
    for ts, tus, b, orig in pkts:
        out += struct.pack("<IIII", ts, tus, len(b), orig) + b
    return bytes(out)


def pad_frame(n, noise=False):
    """An Ethernet frame no parser above the link layer looks at, n payload bytes
    (noise: bytes that do not compress, so that a compressed length moves with n)."""
    body = bytes(n)
    if noise:
        body = b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(n // 32 + 1))[:n]
    return b"\x02" * 6 + b"\x04" * 6 + b"\x88\xb5" + body


def classic(name, residue, extra=0):
    """The capture name with a padding frame at the end: length % 32 == residue."""
    hdr, pkts = read_pcap(name)
    ts, tus = pkts[-1][0], pkts[-1][1]
    for n in range(extra, extra + 32):
        d = write_pcap(hdr, pkts + [(ts, tus, pad_frame(n), 14 + n)])
        if len(d) % 32 == residue:
            return d
    raise AssertionError("no padding fits")


def block(btype, body):
    body += bytes(-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pad_pcapng(d, residue):
    """A custom block (type 0x00000bad, skipped by readers) to reach the residue."""
    for n in range(0, 32, 4):
        out = d + block(0x00000BAD, bytes(n))
        if len(out) % 32 == residue:
            return out
    raise AssertionError("no pcapng padding fits")


def shb():
    return block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def pcapng_from(name, idb_opts=b""):
    """A classic capture as pcapng: SHB, one Ethernet IDB (options idb_opts), EPBs."""
    _, pkts = read_pcap(name)
    out = shb() + block(1, struct.pack("<HHI", 1, 0, 262144) + idb_opts)
    for ts, tus, b, orig in pkts:
        t = ts * 1000000 + tus
        out += block(6, struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, len(b), orig) + b + bytes(-len(b) % 4))
    return out


def gz(raw, residue):
    """gzip (mtime 0) with a file name whose length gives the residue."""
    for n in range(1, 33):
        bio = io.BytesIO()
        with gzip.GzipFile(filename="c" * n, mode="wb", fileobj=bio, mtime=0) as g:
            g.write(raw)
        if len(bio.getvalue()) % 32 == residue:
            return bio.getvalue()
    raise AssertionError("no gzip name fits")


def by_inner_pad(name, compress, residue):
    """compress(classic capture + padding frame of n bytes) with the length residue."""
    hdr, pkts = read_pcap(name)
    ts, tus = pkts[-1][0], pkts[-1][1]
    for n in range(0, 256):
        d = compress(write_pcap(hdr, pkts + [(ts, tus, pad_frame(n, True), 14 + n)]))
        if len(d) % 32 == residue:
            return d
    raise AssertionError("no inner padding fits")


def cut_to(d, at, residue):
    """d cut short near at, where the length has the residue."""
    while at % 32 != residue:
        at += 1
    return d[:at]


def records_seed(sel, name, server_port):
    """fuzz_pcapng's record format: byte 0 = sel, an Ethernet IDB (kind 0), every
    packet as an EPB (kind 1), the server's TCP port rewritten to server_port."""
    _, pkts = read_pcap(name)
    first = pkts[0][2]
    old = struct.unpack(">H", first[36:38])[0]  # the SYN's destination port
    out = bytearray([sel]) + bytes([0]) + struct.pack(">H", 2) + struct.pack(">H", 1)
    for _, _, b, _ in pkts:
        b = bytearray(b)
        if b[12:14] == b"\x08\x00" and b[23] == 6:
            ihl = (b[14] & 15) * 4
            t = 14 + ihl
            for o in (t, t + 2):
                if struct.unpack(">H", b[o:o + 2])[0] == old:
                    b[o:o + 2] = struct.pack(">H", server_port)
        out += bytes([1]) + struct.pack(">H", len(b)) + b
    if len(out) % 2:  # even: tp_capture_read_mem (libpcap), not our reader
        out += bytes([8, 0, 0])
    return bytes(out)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "fixtures", "fuzz")
    cap = os.path.join(root, "fuzz_capture")
    png = os.path.join(root, "fuzz_pcapng")
    seeds = {}
    # length % 32: 4: no options; 28: a filter libpcap refuses; 5: key log from DSBs,
    # --sni/--server/--session; 6: filter "tcp"; 7: threaded judging.
    seeds["file-tls13"] = classic("tls13-good.pcap", 4)
    seeds["file-tls13-filter"] = classic("tls13-good.pcap", 6)
    seeds["file-badfilter"] = classic("tls12-unknown-ca.pcap", 28)
    seeds["file-badfilter-pcapng"] = pad_pcapng(shb() + block(1, struct.pack("<HHI", 1, 0, 262144)), 28)
    dsb = open(os.path.join(CAPS, "tls13-dsb.pcapng"), "rb").read()
    seeds["file-dsb"] = pad_pcapng(dsb, 4)
    seeds["file-dsb-keys"] = pad_pcapng(dsb, 4) + b"\x00"  # 5: cut one byte into a block
    # if_tsoffset (option 14) far in the past: times saturate
    tsoff = struct.pack("<HHq", 14, 8, -(1 << 62)) + struct.pack("<HH", 0, 0)
    seeds["file-tsoffset"] = pad_pcapng(pcapng_from("tls12-unknown-ca.pcap", tsoff), 4)
    raw13 = classic("tls13-good.pcap", 4)
    seeds["file-gzip"] = gz(raw13, 4)
    seeds["file-gzip-cut"] = cut_to(gz(raw13, 4), 3000, 4)
    seeds["file-gzip-dsb-cut"] = cut_to(gz(dsb, 4), 2500, 5)
    # a gzip header, then bytes that are not deflate data: nothing decodes
    seeds["file-gzip-corrupt"] = cut_to(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 64, 40, 4)
    seeds["file-bzip2"] = cut_to(b"BZh91AY&SY" + bytes(range(64)), 30, 4)
    seeds["file-xz-pcapng"] = pad_xz(dsb)
    if shutil.which("zstd"):
        seeds["file-zstd-threaded"] = by_inner_pad(
            "tls12-unknown-ca.pcap",
            lambda d: subprocess.run(["zstd", "-q", "-c", "-19"], input=d, stdout=subprocess.PIPE, check=True).stdout,
            7)
    seeds["empty"] = b""
    for n, d in seeds.items():
        assert len(d) <= 65536, n
        open(os.path.join(cap, n), "wb").write(d)
    # fuzz_pcapng: --server 127.0.0.1:443 --session 1 (byte 0 bit 7), read from memory
    # through libpcap: the session ends (FIN) inside a dispatch and the read stops there.
    open(os.path.join(png, "file-done-session"), "wb").write(records_seed(0x80, "tls12-unknown-ca.pcap", 443))


def pad_xz(dsb):
    """xz of the pcapng with a custom block of the size that gives residue 4."""
    for n in range(0, 4000, 4):
        d = lzma.compress(dsb + block(0x00000BAD, bytes(n)), format=lzma.FORMAT_XZ)
        if len(d) % 32 == 4:
            return d
    raise AssertionError("no xz padding fits")


if __name__ == "__main__":
    main()
