#!/usr/bin/env bash
# Multiplexed subscriptions (issue 13): CPU per delivery, p99 and deliveries/s for subscribers
# each on ten channels through /subscribe, beside the same number on one channel. What it
# measures and how: bench/README.md, "Multiplexed subscriptions".
#
#   bench/multiplex.sh                              10,000 subscribers, 10 events/s per channel
#   bench/multiplex.sh --subscribers 500 --duration 5    a smoke test
#
# Options: --subscribers N (10000), --rate R (events/s per channel; 10), --duration S (20),
# --wait-quiet S (before each run, wait up to S s for other work to stop; 30), --results DIR.
# Environment: BUILD_DIR (default build-bench), JOBS (2), BUILD_TYPE (RelWithDebInfo, as
# bench/run.sh builds). Every wait is bounded; every process it starts is stopped by PID.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$(realpath -m "${BUILD_DIR:-$ROOT/build-bench}")"
JOBS="${JOBS:-2}"
PYTHON=/usr/bin/python3
# shellcheck source=bench/cmake_build.sh
source "$ROOT/bench/cmake_build.sh"
log() { echo "[multiplex] $*" >&2; }

run_load_bench multiplex bench/multiplex.sh "$@"
