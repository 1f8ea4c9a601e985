#!/usr/bin/env bash
# Kafka throughput figures for sse-gateway, printed with the command that produced them.
#
#   bench/kafka_throughput.sh [BUILD_DIR]      (env: N=100000 events, SUBS=10 subscribers)
#
# 1. Kafka -> subscribers: N messages produced with kcat to a 3-partition topic read by a
#    `type: kafka` source; SUBS curl subscribers each count N events. Figure: events/s per
#    subscriber and delivered events/s in total, from the first produce to the last event.
# 2. SSE -> Kafka: a relay gateway whose `type: sse` source reads an upstream gateway's
#    channel and whose `type: kafka` sink produces to a topic (idempotent, acks=all). The
#    upstream is fed from Kafka so the feed is not the bottleneck. Figure: events/s from
#    the first produce until the sink reports N acknowledged.
# It starts its own broker (state in a temp folder) and stops everything it started by PID.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
GW="$BUILD/sse-gateway"
N="${N:-100000}"
SUBS="${SUBS:-10}"
[[ -x "$GW" ]] || { echo "no $GW: build first" >&2; exit 1; }
WORK="$(mktemp -d /tmp/ssegw-kbench.XXXXXX)"
STATE="$WORK/broker"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$ROOT/tests/brokers/kafka.sh" stop "$STATE" >/dev/null 2>&1 || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {  # port
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "gateway on port $1 not ready" >&2; exit 1
}
start_gateway() {  # config port
  "$GW" --config "$1" --listen "127.0.0.1:$2" >"$1.log" 2>&1 &
  PIDS+=($!)
  wait_ready "$2"
}
produce() {  # topic
  awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "{\"symbol\":\"S%d\",\"n\":%d,\"pad\":\"0123456789abcdef0123456789abcdef\"}\n", i % 50, i }' |
    kcat -b "$BOOT" -P -t "$1" -H type=price -X linger.ms=5 -X queue.buffering.max.messages=1000000
}

BOOT=$("$ROOT/tests/brokers/kafka.sh" start "$STATE" 2>/dev/null)
"$ROOT/tests/brokers/kafka.sh" create-topic "$STATE" bench-in 3 >/dev/null 2>&1
"$ROOT/tests/brokers/kafka.sh" create-topic "$STATE" bench-out 1 >/dev/null 2>&1
"$ROOT/tests/brokers/kafka.sh" create-topic "$STATE" bench-relay-in 3 >/dev/null 2>&1

echo "# command: N=$N SUBS=$SUBS bench/kafka_throughput.sh $BUILD"
echo "# host: $(nproc) cores, $(uname -r), kafka $(basename "$(ls -d "${SSEGW_CACHE:-$HOME/.cache/sse-gateway}"/kafka-* | head -1)")"

# --- 0. The producer alone, for scale: figures 1 and 2 cannot exceed it.
"$ROOT/tests/brokers/kafka.sh" create-topic "$STATE" bench-producer 3 >/dev/null 2>&1
t0=$(now)
produce bench-producer
t1=$(now)
awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { d = b - a; printf "kcat producer alone (the feed for 1 and 2): %d messages in %.2f s: %.0f messages/s\n", n, d, n / d }'

# --- 1. Kafka -> subscribers
PORT=$(free_port)
cat >"$WORK/source.yaml" <<YAML
server: {workers: 2, subscriber_queue_bytes: 64MiB, heartbeat: 1s}
channels: [{path: /bench, history: 1000}]
sources:
  - {name: bench, type: kafka, brokers: '$BOOT', topics: [bench-in], event_type: {header: type}, to: /bench}
YAML
start_gateway "$WORK/source.yaml" "$PORT"
SUB_PIDS=()
for s in $(seq 1 "$SUBS"); do
  (curl -sN --max-time 300 "http://127.0.0.1:$PORT/bench" |
     { grep -m "$N" -c '^data:' >"$WORK/sub.$s" || true; now >"$WORK/end.$s"; }) &
  SUB_PIDS+=($!)
done
sleep 1
t0=$(now)
produce bench-in
for pid in "${SUB_PIDS[@]}"; do wait "$pid" || true; done
t1=$(sort -n "$WORK"/end.* | tail -1)
got=$(cat "$WORK"/sub.* | awk '{ s += $1 } END { print s }')
awk -v n="$N" -v s="$SUBS" -v a="$t0" -v b="$t1" -v got="$got" 'BEGIN {
  d = b - a; printf "kafka -> %d subscribers: %d events each (%d delivered of %d) in %.2f s: %.0f events/s per subscriber, %.0f deliveries/s\n", s, n, got, n * s, d, n / d, got / d }'

# --- 2. SSE -> Kafka (upstream gateway fed from Kafka, relay with sse source and kafka sink)
UP=$(free_port)
RELAY=$(free_port)
cat >"$WORK/up.yaml" <<YAML
server: {workers: 2, subscriber_queue_bytes: 64MiB}
channels: [{path: /prices, history: 1000}]
sources:
  - {name: feed, type: kafka, brokers: '$BOOT', topics: [bench-relay-in], event_type: {header: type}, to: /prices}
YAML
cat >"$WORK/relay.yaml" <<YAML
server: {workers: 1}
channels: [{path: /prices, history: 1000}]
sources:
  - {name: market, type: sse, endpoint: 'http://127.0.0.1:$UP/prices', to: /prices}
sinks:
  - {name: to-kafka, type: kafka, from: /prices, brokers: '$BOOT', topic: bench-out, key: {json: /symbol}, queue_limit: 100000}
YAML
start_gateway "$WORK/up.yaml" "$UP"
start_gateway "$WORK/relay.yaml" "$RELAY"
sleep 1
t0=$(now)
produce bench-relay-in
acked=0
for _ in $(seq 1 1200); do
  acked=$(curl -s "http://127.0.0.1:$RELAY/metrics" |
          awk '/^ssegw_bridge_events_out_total\{kind="sink",name="to-kafka"\}/ { print $2 }')
  [[ "${acked:-0}" -ge "$N" ]] && break
  sleep 0.1
done
t1=$(now)
awk -v n="$N" -v got="${acked:-0}" -v a="$t0" -v b="$t1" 'BEGIN {
  d = b - a; printf "sse upstream -> kafka sink (idempotent, acks=all): %d of %d acknowledged in %.2f s: %.0f events/s\n", got, n, d, got / d }'
