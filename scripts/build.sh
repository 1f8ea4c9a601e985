#!/usr/bin/env bash
# Configures and builds into build/ (the binary ends up at build/sse-gateway).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build build -j"$(nproc)"
