#!/usr/bin/env bash
# Soak: one gateway for a long, bounded time under steady load, subscriber churn and reloads,
# watching for leaks. Not part of CI.
#
#   bench/soak.sh [--minutes M] [--build DIR] [--subscribers N] [--churn C] [--rate R]
#                 [--results DIR]
#
#   --minutes M      how long to run (default $SOAK_MINUTES or 30)
#   --build DIR      CMake build folder with sse-gateway, bench/sse_load and bench/sse_publish
#                    (default build; built there when missing)
#   --subscribers N  steady subscribers, open for the whole run (default 5000)
#   --churn C        subscribers opened and closed again every second (default 100)
#   --rate R         publishes per second (default 100)
#   --results DIR    where soak.csv, soak.png and soak.md go (default bench/results)
#
# Every minute the gateway gets SIGHUP, with a config that adds or removes a second channel
# in turn (so the reload has work to do; /soak itself is unchanged and keeps its
# subscribers). Every 10 s the gateway's RSS, open descriptors (/proc/PID/fd) and CPU (over
# those 10 s) go into bench/results/soak.csv; at the end bench/results/soak.png plots them
# and bench/results/soak.md sums them up with the steady subscribers' lost/duplicate count.
# Listens on 127.0.0.1 only; stops everything it started by PID; every loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES="${SOAK_MINUTES:-30}"
BUILD=build
SUBSCRIBERS=5000
CHURN=100
RATE=100
RESULTS=bench/results
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --build) BUILD="$2"; shift 2 ;;
    --subscribers) SUBSCRIBERS="$2"; shift 2 ;;
    --churn) CHURN="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --results) RESULTS="$2"; shift 2 ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
  esac
done
[[ "$MINUTES" =~ ^[0-9]+$ && "$MINUTES" -ge 1 ]] || { echo "soak.sh: --minutes must be >= 1" >&2; exit 2; }

log() { echo "soak.sh: $(date -u +%H:%M:%S) $*" >&2; }

if [[ ! -x "$BUILD/sse-gateway" || ! -x "$BUILD/bench/sse_load" || ! -x "$BUILD/bench/sse_publish" ]]; then
  log "building into $BUILD"
  cmake -S . -B "$BUILD" -G Ninja -DSSEGW_BUILD_BENCH=ON >/dev/null
  cmake --build "$BUILD" -j2 --target sse-gateway sse_load sse_publish
fi

# 5,000 steady subscribers, the churn, the publisher's connections and the gateway's own
# descriptors all fit under this machine's hard limit of 20,000.
ulimit -n "$(ulimit -Hn)"
need=$((SUBSCRIBERS + CHURN * 3 + 200))
[[ "$(ulimit -n)" -ge "$need" ]] || { echo "soak.sh: need $need open files, have $(ulimit -n)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/ssegw-soak-XXXXXX)
mkdir -p "$RESULTS"
CSV="$RESULTS/soak.csv"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DURATION=$((MINUTES * 60))

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -n "${GW:-}" ]] && kill -TERM "$GW" 2>/dev/null || true
}
trap cleanup EXIT

write_config() {  # with_extra (0|1)
  {
    echo "server: {listen: '127.0.0.1:$PORT', workers: 2, max_connections: 19000, heartbeat: 15s}"
    echo "channels:"
    echo "  - {path: /soak, history: 1000, publish: true}"
    [[ "$1" == 1 ]] && echo "  - {path: /soak-extra, history: 100, publish: true}"
    true
  } >"$WORK/gateway.yaml"
}

write_config 0
"$BUILD/sse-gateway" --config "$WORK/gateway.yaml" 2>"$WORK/gateway.log" &
GW=$!
for _ in $(seq 1 100); do grep -q "listening on" "$WORK/gateway.log" && break; sleep 0.1; done
grep -q "listening on" "$WORK/gateway.log" || { cat "$WORK/gateway.log" >&2; exit 1; }
log "gateway pid $GW on 127.0.0.1:$PORT; $MINUTES min, $SUBSCRIBERS subscribers, churn $CHURN/s, $RATE publishes/s"

URL="http://127.0.0.1:$PORT/soak"
# Steady subscribers: open before the publisher starts, so each must see every event.
"$BUILD/bench/sse_load" --url "$URL" --connections "$SUBSCRIBERS" --rate 1000 \
  --duration $((DURATION + 60)) --grace 5 --grace-max 30 --source-first 2 --source-count 50 \
  --ready-file "$WORK/ready" --done-file "$WORK/published.json" --label steady \
  >"$WORK/steady.json" 2>"$WORK/steady.log" &
pids+=($!)
for _ in $(seq 1 600); do [[ -e "$WORK/ready" ]] && break; sleep 0.1; done
[[ -e "$WORK/ready" ]] || { log "steady subscribers not ready in 60 s"; exit 1; }
log "steady subscribers ready: $(cat "$WORK/ready")"

"$BUILD/bench/sse_publish" --url "$URL" --rate "$RATE" --count $((RATE * DURATION)) \
  --duration "$DURATION" --connections 4 --out "$WORK/published.json" \
  >/dev/null 2>"$WORK/publish.log" &
pids+=($!)

# CPU of the gateway over the last sample interval, in % of one core.
ticks() { awk '{print $14 + $15}' "/proc/$GW/stat"; }
HZ=$(getconf CLK_TCK)
echo "elapsed_s,rss_kib,fds,cpu_pct,open_connections" >"$CSV"
sample() {  # elapsed ticks_before
  local rss fds conns now_ticks
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$GW/status")
  fds=$(ls "/proc/$GW/fd" | wc -l)
  now_ticks=$(ticks)
  conns=$(curl -s --max-time 9 "http://127.0.0.1:$PORT/metrics" |
    awk '/^ssegw_connections_open / {print $2}')
  echo "$1,$rss,$fds,$(awk -v d=$((now_ticks - $2)) -v hz="$HZ" 'BEGIN {printf "%.1f", d * 10 / hz}'),${conns:-}" >>"$CSV"
  echo "$now_ticks"
}

start=$(date +%s)
last_ticks=$(ticks)
extra=0
churn_runs=0
for ((second = 1; second <= DURATION; second++)); do
  kill -0 "$GW" 2>/dev/null || { log "gateway exited"; break; }
  # Churn: a short-lived load client opens CHURN subscriptions at once and holds them for
  # 2 s (1 s was shorter than the gateway's answer under this load), so every second CHURN
  # connect and CHURN disconnect, with 2 x CHURN churning subscriptions open at a time.
  "$BUILD/bench/sse_load" --url "$URL" --connections "$CHURN" --rate 100000 --duration 2 \
    --retries 0 --source-first 60 --source-count 50 --label churn \
    >>"$WORK/churn.json" 2>/dev/null &
  churn_runs=$((churn_runs + 1))
  if ((second % 60 == 0)); then
    extra=$((1 - extra))
    write_config "$extra"
    kill -HUP "$GW"
  fi
  if ((second % 10 == 0)); then last_ticks=$(sample "$second" "$last_ticks"); fi
  sleep "$(awk -v s="$start" -v n="$second" -v now="$(date +%s.%N)" 'BEGIN {d = s + n - now; print (d > 0 ? d : 0)}')"
done
log "load window over; waiting for the clients"
wait "${pids[1]}" || true
wait "${pids[0]}" || true
pids=()
sleep 2

reloads=$(grep -c "config reloaded" "$WORK/gateway.log" || true)
kill -TERM "$GW"
for _ in $(seq 1 150); do kill -0 "$GW" 2>/dev/null || break; sleep 0.1; done
wait "$GW" && gw_status=0 || gw_status=$?
GW=
# The plot needs matplotlib: the first python3 on PATH, or Debian's (python3-matplotlib).
PY=python3
python3 -c 'import matplotlib' 2>/dev/null || { /usr/bin/python3 -c 'import matplotlib' 2>/dev/null && PY=/usr/bin/python3; }
"$PY" bench/soak_report.py --csv "$CSV" --steady "$WORK/steady.json" --churn "$WORK/churn.json" \
  --publish "$WORK/published.json" --minutes "$MINUTES" --reloads "$reloads" \
  --exit-status "$gw_status" --png "$RESULTS/soak.png" --md "$RESULTS/soak.md"
log "results: $CSV, $RESULTS/soak.png, $RESULTS/soak.md (logs in $WORK)"
