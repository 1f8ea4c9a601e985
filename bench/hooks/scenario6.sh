#!/usr/bin/env bash
# Scenario 6: Kafka -> one channel -> 1,000 subscribers (and SSE -> Kafka), with the real
# broker from tests/brokers/kafka.sh; figures from bench/kafka_throughput.sh.
set -euo pipefail
: "${BUILD_DIR:?}" "${RESULTS:?}"
root=$(cd "$(dirname "$0")/../.." && pwd)
n=200000
subs=100  # curl processes, one per subscriber: 1,000 of them would measure curl, not the gateway
[ "${QUICK:-0}" = 1 ] && n=20000 && subs=100
out=$(N=$n SUBS=$subs bash "$root/bench/kafka_throughput.sh" "$BUILD_DIR" 2>&1 | tail -20)
{
  echo "### Scenario 6: Kafka -> subscribers, SSE -> Kafka"
  echo
  echo "Command: \`N=$n SUBS=$subs bench/kafka_throughput.sh $BUILD_DIR\`"
  echo
  echo '```'
  echo "$out"
  echo '```'
} >"$RESULTS/scenario6.md"
cat "$RESULTS/scenario6.md"
