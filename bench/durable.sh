#!/usr/bin/env bash
# Durable history (issue 14): publishes/s and the publish answer's p99 with history.store:
# disk at sync none | batch | always beside store: memory, with subscribers connected. What it
# measures and how: bench/runner/durable.py and bench/README.md, "Durable history".
#
#   bench/durable.sh                                      1,000 subscribers, 4,000/s offered
#   bench/durable.sh --subscribers 100 --duration 3       a smoke test
#
# Options: --subscribers N (1000), --rate R (publishes/s offered; 4000), --duration S (10),
# --wait-quiet S (30), --results DIR. Environment: BUILD_DIR (build-bench), JOBS (2),
# BUILD_TYPE (RelWithDebInfo). Every wait is bounded; every process it starts is stopped by PID.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$(realpath -m "${BUILD_DIR:-$ROOT/build-bench}")"
JOBS="${JOBS:-2}"
PYTHON=/usr/bin/python3
# shellcheck source=bench/cmake_build.sh
source "$ROOT/bench/cmake_build.sh"
log() { echo "[durable] $*" >&2; }

run_load_bench durable bench/durable.sh "$@"
