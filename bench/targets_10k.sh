#!/usr/bin/env bash
# The 10,000-target run of tests/integration/test_targets_many.sh (the default
# suite runs 2,000: 10,000 take over 60 s on 2 shared cores): every line one
# session in input order, peak RSS of 1,000 vs 10,000 targets, open descriptors.
#   bench/targets_10k.sh [TLSPROBE=build/tlsprobe]
set -euo pipefail
cd "$(dirname "$0")/.."
TLSPROBE=$(realpath "${1:-build/tlsprobe}") TP_TARGETS_N=10000 TP_TARGETS_SMALL=1000 TP_TARGETS_SRV_TIMEOUT=600 \
    exec bash tests/integration/test_targets_many.sh
