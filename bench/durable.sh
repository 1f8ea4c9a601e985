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

cd "$ROOT"
if [[ " $* " == *" --help "* || " $* " == *" -h "* ]]; then
  exec "$PYTHON" -m bench.runner.durable --build-dir "$BUILD_DIR" --help
fi
log "building sse-gateway, sse_load and sse_publish in $BUILD_DIR"
configure_bench_build || exit 1
build_bench_targets sse-gateway sse_load sse_publish || exit 1

run_bench_runner durable bench/durable.sh "$@"
