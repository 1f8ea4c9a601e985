#!/usr/bin/env bash
# Each bridge against the raw client of its broker: same broker, same messages, same settings.
#
#   bench/bridges.sh [--quick] [--build DIR] [--only LIST] [--results DIR] [--subs N]
#
# LIST is a comma list of kafka-source, kafka-sink, mqtt, sse (default: all). It starts its
# own Kafka (tests/brokers/kafka.sh) and Mosquitto (tests/brokers/mosquitto.sh) with state in
# a temporary folder, everything on 127.0.0.1, stops all it started by PID, and writes
# RESULTS/bridges.md (default bench/results). What each comparison does: bench/BRIDGES.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$ROOT/build"
RESULTS="$ROOT/bench/results"
ONLY="kafka-source,kafka-sink,mqtt,sse"
QUICK=0
SUBS=1000
ARGS="$*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --build) BUILD="$2"; shift ;;
    --only) ONLY="$2"; shift ;;
    --results) RESULTS="$2"; shift ;;
    --subs) SUBS="$2"; shift ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "bridges.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
# Messages per comparison. Fan-out to 1,000 subscribers costs 1,000 deliveries per message,
# so those counts are smaller than the sink's, which has no subscribers.
if [[ "$QUICK" == 1 ]]; then
  N_FANOUT="${N_FANOUT:-5000}" N_SINK="${N_SINK:-50000}" SINK_ROUNDS="${SINK_ROUNDS:-1}"
else
  N_FANOUT="${N_FANOUT:-20000}" N_SINK="${N_SINK:-200000}" SINK_ROUNDS="${SINK_ROUNDS:-3}"
fi
PAYLOAD=100
# The idempotent Kafka sink's producer settings (bridges/kafka/kafka_sink.cpp, KafkaSink::start),
# given to kcat -P so both produce alike. Keep in step with the sink. The transactional sink
# (kafka_txn_sink.cpp) is measured against the same raw figure: kcat cannot do transactions.
SINK_PRODUCER=(-X enable.idempotence=true -X acks=all -X message.timeout.ms=0 -X linger.ms=5)

GW="$BUILD/sse-gateway"
LOAD="$BUILD/bench/sse_load"
for bin in "$GW" "$LOAD"; do
  [[ -x "$bin" ]] || { echo "bridges.sh: no $bin (cmake --build $BUILD --target sse-gateway sse_load)" >&2; exit 1; }
done
for tool in kcat mosquitto_pub mosquitto_sub curl python3; do
  command -v "$tool" >/dev/null || { echo "bridges.sh: $tool not found" >&2; exit 1; }
done
has() { [[ ",$ONLY," == *",$1,"* ]]; }

WORK="$(mktemp -d /tmp/ssegw-bridges.XXXXXX)"
KSTATE="$WORK/kafka"
MSTATE="$WORK/mosquitto"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do { wait "$pid"; } 2>/dev/null || true; done
  "$ROOT/tests/brokers/kafka.sh" stop "$KSTATE" >/dev/null 2>&1 || true
  "$ROOT/tests/brokers/mosquitto.sh" stop "$MSTATE" >/dev/null 2>&1 || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bridges.sh: $*" >&2; }
now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Messages in the bench payload format, one a line: "seq=k ts=0 xxxx" padded to PAYLOAD bytes.
payload_file() {  # count file
  awk -v n="$1" -v size="$PAYLOAD" 'BEGIN {
    pad = sprintf("%*s", size, ""); gsub(/ /, "x", pad)
    for (k = 1; k <= n; k++) { s = "seq=" k " ts=0 "; print s substr(pad, 1, size - length(s)) } }' >"$2"
}

# Reads lines on stdin and prints "count first_s last_s": how many matched PREFIX and the wall
# clock of the first and of the COUNT-th; stops reading at COUNT (the raw clients' figure).
clock_lines() {  # count [prefix]
  python3 -c '
import sys, time
want, prefix = int(sys.argv[1]), sys.argv[2].encode()
n, first, last = 0, 0.0, 0.0
for line in sys.stdin.buffer:
    if not line.startswith(prefix):
        continue
    n += 1
    last = time.time()
    if n == 1:
        first = last
    if n >= want:
        break
print(n, "%.6f" % first, "%.6f" % last)' "$1" "${2:-}"
}

# --- CPU accounting: machine busy time from /proc/stat, minus what this script started.
CLK_TCK=$(getconf CLK_TCK)
machine_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
pid_ticks() {  # pid...: utime + stime of live processes (fields after the comm's ")")
  local total=0 pid t
  for pid in "$@"; do
    t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }') || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
children_ticks() {  # CPU of every reaped descendant; into CHILD_TICKS (`times` in a subshell sees none)
  times >"$WORK/times"
  CHILD_TICKS=$(tail -1 "$WORK/times" | awk -v hz="$CLK_TCK" '{
    for (i = 1; i <= 2; i++) { split($i, p, "m"); s += p[1] * 60 + p[2] } } END { printf "%d\n", s * hz }')
}
measured_pids() {  # the long-lived processes this script started: gateways, upstreams, brokers
  local p
  for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && echo "$p"; done
  [[ -f "$KSTATE/pid" ]] && cat "$KSTATE/pid"
  [[ -f "$MSTATE/pid" ]] && cat "$MSTATE/pid"
  return 0
}
M_T0="" M_BUSY0=0 M_OURS0=0 M_PIDS=() M_GW=""
measure_begin() {  # [gateway pid]
  M_GW="${1:-}"
  mapfile -t M_PIDS < <(measured_pids)
  M_T0=$(now)
  M_BUSY0=$(machine_busy_ticks)
  children_ticks
  M_OURS0=$(($(pid_ticks "${M_PIDS[@]}") + CHILD_TICKS))
  M_GW0=$([[ -n "$M_GW" ]] && pid_ticks "$M_GW" || echo 0)
}
NOTES=()
measure_end() {  # label
  local t1 busy1 ours1 gw1
  t1=$(now)
  busy1=$(machine_busy_ticks)
  children_ticks
  ours1=$(($(pid_ticks "${M_PIDS[@]}") + CHILD_TICKS))
  gw1=$([[ -n "$M_GW" ]] && pid_ticks "$M_GW" || echo 0)
  NOTES+=("$(awk -v l="$1" -v a="$M_T0" -v b="$t1" -v busy=$((busy1 - M_BUSY0)) \
    -v ours=$((ours1 - M_OURS0)) -v gw=$((gw1 - M_GW0)) -v hz="$CLK_TCK" -v gwon="$M_GW" 'BEGIN {
      d = b - a; if (d <= 0) d = 1e-9; other = (busy - ours) / hz / d * 100; if (other < 0) other = 0
      printf "| %s | %.2f s | %.0f%% | %s | %.0f%% |", l, d, ours / hz / d * 100,
        gwon == "" ? "-" : sprintf("%.0f%%", gw / hz / d * 100), other }')")
}

# --- gateways
wait_ready() {  # port
  local i
  for i in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    curl -sf "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "gateway on port $1 not up"; exit 1
}
GW_PID=""
start_gateway() {  # config port
  "$GW" --config "$1" --listen "127.0.0.1:$2" >"$1.log" 2>&1 &
  GW_PID=$!
  PIDS+=("$GW_PID")
  wait_ready "$2"
}
stop_pid() {  # pid
  kill "$1" 2>/dev/null || true
  { wait "$1"; } 2>/dev/null || true
}
metric() {  # port name kind bridge: one bridge counter, 0 when absent
  curl -s --max-time 2 "http://127.0.0.1:$1/metrics" |
    awk -v m="$2{kind=\"$3\",name=\"$4\"" 'index($0, m) == 1 { v = $NF } END { print v + 0 }'
}
wait_metric() {  # port name kind bridge at_least timeout_s: 0 when reached
  local end i
  end=$(awk -v t="$6" 'BEGIN { print int(t * 50) }')
  for ((i = 0; i < end; i++)); do
    [[ $(metric "$1" "$2" "$3" "$4") -ge "$5" ]] && return 0
    sleep 0.02
  done
  return 1
}
server_yaml() {  # channel and server settings shared by every fan-out run
  cat <<YAML
server: {workers: 2, subscriber_queue_bytes: 256MiB, heartbeat: 15s, max_connections: 20000}
channels: [{path: /bench, history: 1000}]
YAML
}

# Fan-out run: gateway with /bench and no source, SUBS subscribers, then a reload adds the
# source (SOURCE_YAML) so the stream starts only once every subscriber is in. $3 is a command
# run after the reload (a publisher) or empty. Sets FAN_JSON to sse_load's summary.
FAN_JSON=""
fanout_run() {  # label source_yaml publish_cmd
  local label="$1" port cfg ready done_file out lp
  port=$(free_port)
  cfg="$WORK/$label.yaml"
  ready="$WORK/$label.ready" done_file="$WORK/$label.done" out="$WORK/$label.json"
  server_yaml >"$cfg"
  start_gateway "$cfg" "$port"
  "$LOAD" --url "http://127.0.0.1:$port/bench" --connections "$SUBS" --rate 2000 \
    --duration 400 --grace 3 --grace-max 300 --ready-file "$ready" --done-file "$done_file" \
    --label "$label" >"$out" 2>"$WORK/$label.load.log" &
  lp=$!
  PIDS+=("$lp")
  local i
  for ((i = 0; i < 300; i++)); do [[ -e "$ready" ]] && break; sleep 0.1; done
  [[ -e "$ready" ]] || { log "$label: subscribers not ready"; exit 1; }
  { server_yaml; echo "sources:"; echo "$2"; } >"$cfg"
  measure_begin "$GW_PID"
  kill -HUP "$GW_PID"
  if [[ -n "$3" ]]; then
    wait_metric "$port" ssegw_bridge_connected source src 1 30 || log "$label: source not connected"
    eval "$3"
  fi
  # /metrics is answered by a worker, late while it fans out: this only bounds the wait.
  wait_metric "$port" ssegw_bridge_events_out_total source src "$N_FANOUT" 120 ||
    log "$label: source published $(metric "$port" ssegw_bridge_events_out_total source src) of $N_FANOUT"
  echo "{\"last_seq\":$N_FANOUT}" >"$done_file"
  wait "$lp" || true
  measure_end "$label: gateway + $SUBS subscribers"
  FAN_JSON=$(cat "$out")
  stop_pid "$GW_PID"
}
# Ingest run: the same reload with no subscriber, timed from the reload until the source has
# published COUNT events (/metrics, polled every 20 ms): the bridge alone, without fan-out.
INGEST_RATE=0
ingest_run() {  # label source_yaml count
  local port cfg t0 got
  port=$(free_port)
  cfg="$WORK/$1.yaml"
  server_yaml >"$cfg"
  start_gateway "$cfg" "$port"
  { server_yaml; echo "sources:"; echo "$2"; } >"$cfg"
  measure_begin "$GW_PID"
  t0=$(now)
  kill -HUP "$GW_PID"
  wait_metric "$port" ssegw_bridge_events_out_total source src "$3" 120 || true
  INGEST_RATE=$(awk -v a="$t0" -v b="$(now)" -v n="$3" 'BEGIN { print n / (b - a) }')
  measure_end "$1: source alone, $3 messages"
  got=$(metric "$port" ssegw_bridge_events_out_total source src)
  stop_pid "$GW_PID"
  INGEST_LOST=$(($3 - got))
}
json_num() { grep -o "\"$2\":[0-9.]*" <<<"$1" | head -1 | cut -d: -f2; }
# Per-subscriber messages/s: deliveries per subscriber over the first-to-last delivery window.
fan_rate() {
  awk -v d="$(json_num "$FAN_JSON" deliveries)" -v a="$(json_num "$FAN_JSON" first_event_us)" \
    -v b="$(json_num "$FAN_JSON" last_event_us)" -v s="$SUBS" \
    'BEGIN { w = (b - a) / 1e6; print (w > 0 ? d / s / w : 0) }'
}
fan_lost() { json_num "$FAN_JSON" lost; }
clock_rate() { awk '{ w = $3 - $2; print (w > 0 && $1 > 1 ? ($1 - 1) / w : 0) }' <<<"$1"; }

ROWS=()
row() {  # name bridge raw raw_name target(%, or -) lost
  ROWS+=("$(awk -v n="$1" -v b="$2" -v r="$3" -v rn="$4" -v t="$5" -v lost="$6" 'BEGIN {
    ratio = r > 0 ? b / r * 100 : 0
    verdict = t == "-" ? "-" : (ratio >= t && lost == 0 ? "met" : "missed")
    printf "| %s | %.0f | %.0f (%s) | %.1f%% | %s | %s | %s |", n, b, r, rn, ratio,
      t == "-" ? "-" : ">= " t "%", lost, verdict }')")
}

log "work folder $WORK"
payload_file "$N_FANOUT" "$WORK/fanout.txt"

# ---------------------------------------------------------------------------------------
if has kafka-source || has kafka-sink; then
  BOOT=$("$ROOT/tests/brokers/kafka.sh" start "$KSTATE" 2>"$WORK/kafka-start.log")
  log "kafka on $BOOT"
fi

if has kafka-source; then
  # Fill the topic first, then both readers take the same N messages from the beginning.
  "$ROOT/tests/brokers/kafka.sh" create-topic "$KSTATE" fan-in 3 >/dev/null 2>&1
  kcat -b "$BOOT" -P -t fan-in -X linger.ms=5 <"$WORK/fanout.txt"
  measure_begin
  raw=$(kcat -b "$BOOT" -C -t fan-in -o beginning -e -q -f '%s\n' | clock_lines "$N_FANOUT") || true
  measure_end "kcat -C, $N_FANOUT messages"
  raw_rate=$(clock_rate "$raw")
  raw_n=$(awk '{ print $1 }' <<<"$raw")
  fanout_run kafka-source "  - {name: src, type: kafka, brokers: '$BOOT', topics: [fan-in], start: earliest, to: /bench}" ""
  row "Kafka -> $SUBS subscribers, msg/s per subscriber ($N_FANOUT messages, 3 partitions)" \
    "$(fan_rate)" "$raw_rate" "kcat -C, got $raw_n" 90 "$(fan_lost)"
  # The bridge without fan-out: the same source into a channel nobody reads, N_SINK messages.
  "$ROOT/tests/brokers/kafka.sh" create-topic "$KSTATE" ingest-in 3 >/dev/null 2>&1
  payload_file "$N_SINK" "$WORK/sink.txt"
  kcat -b "$BOOT" -P -t ingest-in -X linger.ms=5 <"$WORK/sink.txt"
  measure_begin
  t0=$(now)
  got=$(kcat -b "$BOOT" -C -t ingest-in -o beginning -e -q -f '.\n' | wc -l) || true
  raw_rate=$(awk -v a="$t0" -v b="$(now)" -v n="$got" 'BEGIN { print n / (b - a) }')
  measure_end "kcat -C, $N_SINK messages"
  ingest_run kafka-ingest "  - {name: src, type: kafka, brokers: '$BOOT', topics: [ingest-in], start: earliest, to: /bench}" "$N_SINK"
  row "Kafka source, no subscribers: msg/s into the channel ($N_SINK messages; both timed from start)" \
    "$INGEST_RATE" "$raw_rate" "kcat -C, got $got" - "$INGEST_LOST"
fi

# One round of the sink comparison: kcat -P, then the bridge in each mode, each on its own new
# topics.
sink_round() {  # round
  local r="$1" t0 t1
  "$ROOT/tests/brokers/kafka.sh" create-topic "$KSTATE" "sink-raw-$r" 3 >/dev/null 2>&1
  # Raw: kcat -P with the sink's producer settings and four headers of the sink's sizes,
  # after one warm-up message (the first produce to a new topic waits for its metadata).
  echo "seq=0 ts=0 warm-up" | kcat -b "$BOOT" -P -t "sink-raw-$r" "${SINK_PRODUCER[@]}"
  measure_begin
  t0=$(now)
  kcat -b "$BOOT" -P -t "sink-raw-$r" "${SINK_PRODUCER[@]}" -H type=message -H id=100000 \
    -H source=feed -H seq=1764590000000000 <"$WORK/sink.txt"
  t1=$(now)
  measure_end "round $r: kcat -P, $N_SINK messages"
  RAW_RATES+=("$(awk -v n="$N_SINK" -v a="$t0" -v b="$t1" 'BEGIN { print n / (b - a) }')")
  RAW_GOT=$(($(kcat -b "$BOOT" -C -t "sink-raw-$r" -o beginning -e -q -f '.\n' | wc -l) - 1)) || true
  sink_bridge_run "$r" idempotent ""
  sink_bridge_run "$r" transactional ", transactional: true"
}
# The bridge: the burst upstream -> type: sse source -> type: kafka sink, in one mode; its
# rate lands in SINK_RATES_<mode>, what it did not acknowledge in SINK_LOST_<mode>.
sink_bridge_run() {  # round mode extra_sink_keys
  local r="$1" mode="$2" t0 t1 port cfg base acked snk="snk-$2-$1" rate
  "$ROOT/tests/brokers/kafka.sh" create-topic "$KSTATE" "sink-out-$mode-$r" 3 >/dev/null 2>&1
  port=$(free_port)
  cfg="$WORK/sink-$mode-$r.yaml"
  base="server: {workers: 1}
channels: [{path: /bench, history: 1000, publish: true}]
sinks:
  - {name: $snk, type: kafka, from: /bench, brokers: '$BOOT', topic: sink-out-$mode-$r$3}"
  echo "$base" >"$cfg"
  start_gateway "$cfg" "$port"
  # The same warm-up for the sink: one event published over HTTP, acknowledged before the clock.
  curl -s -X POST --data-binary "seq=0 ts=0 warm-up" "http://127.0.0.1:$port/bench" >/dev/null
  wait_metric "$port" ssegw_bridge_events_out_total sink "$snk" 1 30 || log "sink: warm-up not acknowledged"
  printf '%s\nsources:\n  - {name: feed, type: sse, endpoint: "http://127.0.0.1:%s/", to: /bench}\n' \
    "$base" "$UP" >"$cfg"
  measure_begin "$GW_PID"
  t0=$(now)
  kill -HUP "$GW_PID"
  wait_metric "$port" ssegw_bridge_events_out_total sink "$snk" $((N_SINK + 1)) 300 || true
  t1=$(now)
  measure_end "round $r: sse -> kafka sink ($mode), $N_SINK messages"
  acked=$(($(metric "$port" ssegw_bridge_events_out_total sink "$snk") - 1))
  stop_pid "$GW_PID"
  rate=$(awk -v n="$acked" -v a="$t0" -v b="$t1" 'BEGIN { print n / (b - a) }')
  if [[ "$mode" == idempotent ]]; then
    SINK_RATES_idempotent+=("$rate") SINK_LOST_idempotent=$((SINK_LOST_idempotent + N_SINK - acked))
  else
    SINK_RATES_transactional+=("$rate") SINK_LOST_transactional=$((SINK_LOST_transactional + N_SINK - acked))
  fi
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

if has kafka-sink; then
  [[ -f "$WORK/sink.txt" ]] || payload_file "$N_SINK" "$WORK/sink.txt"
  UP=$(free_port)
  python3 "$ROOT/bench/sse_burst.py" --port "$UP" --count "$N_SINK" --size "$PAYLOAD" >"$WORK/burst.log" 2>&1 &
  PIDS+=($!)
  for ((i = 0; i < 100; i++)); do grep -q ready "$WORK/burst.log" && break; sleep 0.1; done
  RAW_RATES=() RAW_GOT=0
  SINK_RATES_idempotent=() SINK_LOST_idempotent=0 SINK_RATES_transactional=() SINK_LOST_transactional=0
  # Rounds alternate the sides, so that other work on the machine falls on all alike; each
  # row has the median of its side and the ratio of every round.
  for ((r = 1; r <= SINK_ROUNDS; r++)); do sink_round "$r"; done
  ratios() {  # mode
    local -n rates="SINK_RATES_$1"
    for ((r = 0; r < SINK_ROUNDS; r++)); do
      awk -v b="${rates[$r]}" -v a="${RAW_RATES[$r]}" 'BEGIN { printf "%.0f%% ", b / a * 100 }'; done
  }
  by_round=$(ratios idempotent)
  row "SSE feed -> Kafka sink, msg/s acknowledged ($N_SINK messages, acks=all, idempotent; median of $SINK_ROUNDS rounds, ratio by round: ${by_round% })" \
    "$(median "${SINK_RATES_idempotent[@]}")" "$(median "${RAW_RATES[@]}")" "kcat -P, $RAW_GOT in topic" 90 "$SINK_LOST_idempotent"
  # kcat has no transactions: the same raw figure, for the cost of exactly once; no target.
  by_round=$(ratios transactional)
  row "SSE feed -> Kafka sink, msg/s committed ($N_SINK messages, transactional: true, default batches; median of $SINK_ROUNDS rounds, ratio by round: ${by_round% })" \
    "$(median "${SINK_RATES_transactional[@]}")" "$(median "${RAW_RATES[@]}")" "kcat -P, $RAW_GOT in topic" - "$SINK_LOST_transactional"
  up="$UP"
  # The feed alone, into a channel with no sink: shows whether it bounds the sink's figure.
  measure_begin
  t0=$(now)
  got=$(curl -sN --max-time 120 "http://127.0.0.1:$up/" | clock_lines "$N_SINK" "data:") || true
  raw_rate=$(awk -v a="$t0" -v b="$(awk '{ print $3 }' <<<"$got")" -v n="${got%% *}" 'BEGIN { print n / (b - a) }')
  measure_end "curl -N, $N_SINK events"
  ingest_run sse-ingest "  - {name: src, type: sse, endpoint: 'http://127.0.0.1:$up/', to: /bench}" "$N_SINK"
  row "SSE feed alone, no sink: msg/s into the channel ($N_SINK events; both timed from start)" \
    "$INGEST_RATE" "$raw_rate" "curl -N, got ${got%% *}" - "$INGEST_LOST"
fi

# ---------------------------------------------------------------------------------------
if has mqtt; then
  "$ROOT/tests/brokers/mosquitto.sh" start "$MSTATE" 2>"$WORK/mosquitto-start.log"
  # shellcheck disable=SC1091
  source "$MSTATE/env"
  for qos in 0 1; do
    topic="bench/q$qos"
    publish="mosquitto_pub -h 127.0.0.1 -p $MQTT_PLAIN_PORT -t $topic -q $qos -l <'$WORK/fanout.txt'"
    measure_begin
    mosquitto_sub -h 127.0.0.1 -p "$MQTT_PLAIN_PORT" -t "$topic" -q "$qos" -C "$N_FANOUT" -W 120 |
      clock_lines "$N_FANOUT" >"$WORK/mqtt-raw.$qos" &
    sub=$!
    sleep 1  # mosquitto_sub has no readiness signal; one second to subscribe
    eval "$publish"
    wait "$sub" || true
    measure_end "mosquitto_sub QoS $qos, $N_FANOUT messages"
    raw=$(cat "$WORK/mqtt-raw.$qos")
    fanout_run "mqtt-q$qos" "  - {name: src, type: mqtt, broker: 'tcp://127.0.0.1:$MQTT_PLAIN_PORT', clean_session: true, topics: ['$topic'], qos: $qos, to: /bench}" "$publish"
    row "MQTT QoS $qos -> $SUBS subscribers, msg/s per subscriber ($N_FANOUT messages, mosquitto_pub -l)" \
      "$(fan_rate)" "$(clock_rate "$raw")" "mosquitto_sub, got $(awk '{ print $1 }' <<<"$raw")" 90 "$(fan_lost)"
  done
fi

# ---------------------------------------------------------------------------------------
if has sse; then
  up=$(free_port)
  python3 "$ROOT/bench/sse_burst.py" --port "$up" --count "$N_FANOUT" --size "$PAYLOAD" >"$WORK/burst-fan.log" 2>&1 &
  PIDS+=($!)
  for ((i = 0; i < 100; i++)); do grep -q ready "$WORK/burst-fan.log" && break; sleep 0.1; done
  measure_begin
  raw=$(curl -sN --max-time 120 "http://127.0.0.1:$up/" | clock_lines "$N_FANOUT" "data:") || true
  measure_end "curl -N, $N_FANOUT events"
  fanout_run sse "  - {name: src, type: sse, endpoint: 'http://127.0.0.1:$up/', to: /bench}" ""
  row "Upstream SSE -> $SUBS subscribers, msg/s per subscriber ($N_FANOUT events)" \
    "$(fan_rate)" "$(clock_rate "$raw")" "curl -N, got $(awk '{ print $1 }' <<<"$raw")" - "$(fan_lost)"
fi

# ---------------------------------------------------------------------------------------
mkdir -p "$RESULTS"
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
# The results this script and bench/run.sh write are not changes to what was measured.
dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!bench/results' ':!bench/README.md' 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
{
  echo "### Bridges against their raw clients"
  echo
  echo "Command: \`bench/bridges.sh${ARGS:+ $ARGS}\`, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit$dirty."
  echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end, $(uname -r)."
  echo
  echo "| comparison | bridge | raw client | ratio | target | lost | |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "CPU during each measurement, % of one core: what this script started (brokers, gateway,"
  echo "clients), the gateway alone, and everything else on the machine (other processes, softirq)."
  echo
  echo "| measurement | wall | started by the bench | gateway | other |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${NOTES[@]}"
} >"$RESULTS/bridges.md"
cat "$RESULTS/bridges.md"
