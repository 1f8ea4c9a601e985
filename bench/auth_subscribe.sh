#!/usr/bin/env bash
# Authenticated subscriptions (issue 12): new subscriptions per second and the gateway's CPU
# for each, anonymous against JWT-verified (HS256, ES256), then fan-out to anonymous and to
# HS256-verified subscribers. What it measures and how: bench/README.md, "Authenticated
# subscriptions".
#
#   bench/auth_subscribe.sh                                  10,000 subscribers, 3 ramps each
#   bench/auth_subscribe.sh --subscribers 500 --repeats 1    a smoke test
#
# Options: --subscribers N (default 10000), --repeats K (ramps per token type, median; 3),
# --skip-fanout, --burst-rate R (subscriptions due per second in a ramp; 50000),
# --fanout-rate E (events/s; 10), --fanout-duration S (20), --wait-quiet S (before each run,
# wait up to S seconds for other work to stop; 30), --results DIR (default bench/results).
# Environment: BUILD_DIR (default build-bench), JOBS (default 2), BUILD_TYPE (default
# RelWithDebInfo, as bench/run.sh builds).
#
# Builds sse-gateway, sse_load and sse_publish, makes an HS256 secret and an ES256 key pair,
# signs the tokens with PyJWT (Debian's python3-jwt), runs every gateway on 127.0.0.1 and
# writes DIR/auth_subscribe.md. Every wait is bounded; on exit the runner is stopped by PID,
# and it stops every gateway, load client and publisher it started, by PID.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$(realpath -m "${BUILD_DIR:-$ROOT/build-bench}")"
JOBS="${JOBS:-2}"
# The system's python3: Debian's python3-jwt is installed for it, not for a virtualenv's.
PYTHON=/usr/bin/python3
# shellcheck source=bench/cmake_build.sh
source "$ROOT/bench/cmake_build.sh"
log() { echo "[auth_subscribe] $*" >&2; }

cd "$ROOT"
if [[ " $* " == *" --help "* || " $* " == *" -h "* ]]; then
  exec "$PYTHON" -m bench.runner.auth_subscribe --build-dir "$BUILD_DIR" --help
fi
"$PYTHON" -c 'import jwt, cryptography' 2>/dev/null || {
  log "PyJWT with ES256 support is missing: apt-get install python3-jwt python3-cryptography"
  exit 1
}
command -v openssl >/dev/null || { log "the openssl CLI is missing"; exit 1; }

log "building sse-gateway, sse_load and sse_publish in $BUILD_DIR"
configure_bench_build || exit 1
build_bench_targets sse-gateway sse_load sse_publish || exit 1

run_bench_runner auth_subscribe bench/auth_subscribe.sh "$@"
