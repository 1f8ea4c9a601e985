#!/usr/bin/env bash
# Scenario 6: each bridge (Kafka source and sink, MQTT, upstream SSE) against its broker's raw
# client, by bench/bridges.sh (see bench/BRIDGES.md), written as $RESULTS/scenario6.md.
set -euo pipefail
: "${BUILD_DIR:?}" "${RESULTS:?}"
root=$(cd "$(dirname "$0")/../.." && pwd)
cmake --build "$BUILD_DIR" --target sse-gateway sse_load >/dev/null
args=(--build "$BUILD_DIR" --results "$RESULTS")
[ "${QUICK:-0}" = 1 ] && args+=(--quick)
bash "$root/bench/bridges.sh" "${args[@]}"
cp "$RESULTS/bridges.md" "$RESULTS/scenario6.md"
