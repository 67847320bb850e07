#!/usr/bin/env bash
# Regenerate fixtures/fuzz/fuzz_instream/ (the seeds of tests/fuzz/fuzz_instream.c)
# from two small captures already in the corpus: compressed by gzip, xz and zstd,
# cut short, corrupted, and as two gzip members; plus a bzip2 and an lz4 magic
# (refused), a plain (uncompressed) capture cut short, and gzip and xz magics
# with nothing or garbage after them. Then (the stream API driven directly):
# two xz streams, with stream padding after them (4 zero bytes: valid; 3:
# not), two zstd frames with a skippable frame between them, a zstd frame
# whose checksum is wrong, xz without a check and with SHA-256, an empty gzip
# member first, zeros after a gzip member, the DSB capture through xz and
# zstd, streams cut inside their headers, an xz header with reserved flags
# (its CRC right: "decoder error", not "data error"), and 8 MiB of zeros
# through each tool (a bomb: instream.c bounds memory, not what a stream
# expands to; the target reads 4 MiB of it). Every seed is under 64 KB.
set -euo pipefail
cd "$(dirname "$0")/../../fixtures/fuzz/fuzz_instream"
S=../fuzz_capture/seed-tls13.pcap
gzip -9 -n -c $S >tls13.pcap.gz
xz -c $S >tls13.pcap.xz
zstd -q -19 -c $S >tls13.pcap.zst
gzip -9 -n -c ../fuzz_pcapng/dsb >dsb.pcapng.gz
head -c 300 tls13.pcap.gz >cut.gz
head -c 200 tls13.pcap.xz >cut.xz
head -c 200 tls13.pcap.zst >cut.zst
{ head -c 2000 $S | gzip -n -c; tail -c +2001 $S | gzip -n -c; } >members.gz
cp tls13.pcap.gz bad.gz
printf '\xff\xff\xff\xff' | dd of=bad.gz bs=1 seek=150 conv=notrunc 2>/dev/null
printf 'BZh91AY&SY' >bzip2
cp tls13.pcap.xz bad.xz
printf '\xff\xff\xff\xff' | dd of=bad.xz bs=1 seek=150 conv=notrunc 2>/dev/null
cp tls13.pcap.zst bad.zst
printf '\xff\xff\xff\xff' | dd of=bad.zst bs=1 seek=150 conv=notrunc 2>/dev/null
printf '\x04\x22\x4d\x18' >lz4
head -c 1500 $S >plain.pcap
printf '\x1f\x8b' >magic.gz
printf '\xfd7zXZ\0garbage-not-an-xz-header' >notxz.xz
: >empty
# -- the stream API (fuzz_instream drive_api) --
{ head -c 2000 $S | xz -c; tail -c +2001 $S | xz -c; } >streams.xz
{ cat streams.xz; printf '\0\0\0\0'; } >padded.xz
{ cat streams.xz; printf '\0\0\0'; } >badpad.xz
{ head -c 2000 $S | zstd -q -c; printf '\x50\x2a\x4d\x18\x04\0\0\0skip'; tail -c +2001 $S | zstd -q -c; } >frames.zst
printf 'x' | zstd -q --check -c >sum.zst
{ head -c $(($(wc -c <sum.zst) - 4)) sum.zst; printf '\xde\xad\xbe\xef'; } >badsum.zst
rm sum.zst
xz --check=none -c $S >nocheck.xz
xz --check=sha256 -c $S >sha256.xz
{ gzip -n -c </dev/null; gzip -n -c $S; } >empty-member.gz
{ gzip -n -c $S; printf '\0\0\0\0\0\0\0\0'; } >trailing-zeros.gz
xz -c ../fuzz_pcapng/dsb >dsb.pcapng.xz
zstd -q -c ../fuzz_pcapng/dsb >dsb.pcapng.zst
head -c 10 tls13.pcap.gz >hdrcut.gz
head -c 14 tls13.pcap.xz >hdrcut.xz
head -c 5 tls13.pcap.zst >hdrcut.zst
# stream flags 00 10 (reserved bits), CRC32 of them 0x5c6e029b, then bytes
printf '\xfd7zXZ\0\0\x10\x9b\x02\x6e\x5c0123456789' >reserved.xz
head -c 8M /dev/zero | gzip -9 -n -c >bomb.gz
head -c 8M /dev/zero | xz -9 -c >bomb.xz
head -c 8M /dev/zero | zstd -q -19 -c >bomb.zst
