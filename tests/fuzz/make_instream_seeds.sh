#!/usr/bin/env bash
# Regenerate fixtures/fuzz/fuzz_instream/ (the seeds of tests/fuzz/fuzz_instream.c)
# from two small captures already in the corpus: compressed by gzip, xz and zstd,
# cut short, corrupted, and as two gzip members; plus a bzip2 and an lz4 magic
# (refused), a plain (uncompressed) capture cut short, and gzip and xz magics
# with nothing or garbage after them.
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
