#!/usr/bin/env bash
# First README command: install dependencies, build tlsprobe into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "built: $(pwd)/build/tlsprobe"
