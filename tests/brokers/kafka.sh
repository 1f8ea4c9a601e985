#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) on 127.0.0.1 for tests and for people.
# The broker's jars come from Maven Central through Maven, into a cache reused between runs.
#
#   tests/brokers/kafka.sh fetch              download the jars (done by start when missing)
#   tests/brokers/kafka.sh start  [STATE]     format storage (first time), start, wait for metadata
#   tests/brokers/kafka.sh stop   [STATE]     stop the broker by its PID and wait
#   tests/brokers/kafka.sh restart [STATE]    stop then start on the same ports and data
#   tests/brokers/kafka.sh kill   [STATE]     SIGKILL the broker (a crash); `start` brings it
#                                             back on the same ports and data
#   tests/brokers/kafka.sh status [STATE]     print bootstrap address and PID, exit 1 if down
#   tests/brokers/kafka.sh bootstrap [STATE]  print the bootstrap address
#   tests/brokers/kafka.sh create-topic [STATE] NAME PARTITIONS
#   tests/brokers/kafka.sh wipe   [STATE]     stop and delete the state folder
#
# SSEGW_KAFKA_PROXY_PORT=P on the first start (for chaos tests) adds a second listener: the
# PLAINTEXT one is advertised as 127.0.0.1:P, where the test runs a fault proxy to the port in
# `proxied` (so every client that bootstraps through P keeps going through the proxy), and a
# DIRECT one, advertised as itself and written to `bootstrap`, for the test's own clients
# and the broker's internal traffic. Restarts keep it.
#
# STATE defaults to $SSEGW_KAFKA_STATE or /tmp/ssegw-kafka. It holds `bootstrap`
# (host:port), `pid`, `ports`, the data folder and `broker.log`. The cache folder is
# $SSEGW_CACHE (default ~/.cache/sse-gateway); the version is $SSEGW_KAFKA_VERSION.
set -euo pipefail

KAFKA_VERSION="${SSEGW_KAFKA_VERSION:-3.9.1}"
CACHE="${SSEGW_CACHE:-$HOME/.cache/sse-gateway}"
JARS="$CACHE/kafka-$KAFKA_VERSION/libs"
HEAP="${SSEGW_KAFKA_HEAP:--Xmx512m -Xms128m}"

die() { echo "kafka.sh: $*" >&2; exit 1; }

state_dir() { echo "${1:-${SSEGW_KAFKA_STATE:-/tmp/ssegw-kafka}}"; }

fetch() {
  [[ -f "$JARS/.complete" ]] && return 0
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  local work="$CACHE/kafka-$KAFKA_VERSION"
  mkdir -p "$work"
  # A throwaway pom whose only purpose is to name the broker and the admin tools, so Maven
  # resolves their whole runtime classpath from Maven Central.
  cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.ssegw</groupId><artifactId>kafka-broker-jars</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId>
      <version>1.7.36</version></dependency>
  </dependencies>
</project>
EOF
  echo "kafka.sh: fetching kafka_2.13 $KAFKA_VERSION with Maven into $JARS" >&2
  rm -rf "$JARS"
  (cd "$work" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$JARS" >&2) || die "maven could not fetch the broker jars"
  touch "$JARS/.complete"
}

# shellcheck source=free_ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/free_ports.sh"

running() {  # pid
  [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null
}

# Still running and not a zombie waiting for a parent that may never reap it.
alive() {  # pid
  running "$1" && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

write_config() {  # state broker_port controller_port [direct_port proxy_port]
  local st="$1" bp="$2" cp="$3" dp="${4:-}" pp="${5:-}"
  local listeners="PLAINTEXT://127.0.0.1:$bp,CONTROLLER://127.0.0.1:$cp"
  local advertised="PLAINTEXT://127.0.0.1:$bp" inter=PLAINTEXT
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [[ -n "$pp" ]]; then
    listeners="$listeners,DIRECT://127.0.0.1:$dp"
    advertised="PLAINTEXT://127.0.0.1:$pp,DIRECT://127.0.0.1:$dp"
    inter=DIRECT
    protocols="$protocols,DIRECT:PLAINTEXT"
  fi
  cat >"$st/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cp
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
listener.security.protocol.map=$protocols
inter.broker.listener.name=$inter
log.dirs=$st/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
EOF
  cat >"$st/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$st/broker.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
EOF
}

java_cp() { echo "$JARS/*"; }

# Storage is formatted once; a restart keeps the data and the ports.
prepare() {  # state
  local st="$1"
  mkdir -p "$st"
  if [[ ! -f "$st/ports" ]]; then
    local bp cp
    if [[ -n "${SSEGW_KAFKA_PROXY_PORT:-}" ]]; then
      local dp
      read -r bp cp dp <<<"$(free_ports 3)"
      [[ -n "$dp" ]] || die "could not choose ports"
      echo "$bp $cp $dp $SSEGW_KAFKA_PROXY_PORT" >"$st/ports"
    else
      read -r bp cp <<<"$(free_ports 2)"
      [[ -n "$cp" ]] || die "could not choose ports"
      echo "$bp $cp" >"$st/ports"
    fi
  fi
  local dp pp
  read -r bp cp dp pp <"$st/ports"
  write_config "$st" "$bp" "$cp" "$dp" "$pp"
  if [[ ! -f "$st/data/meta.properties" ]]; then
    local cluster
    cluster=$(java -cp "$(java_cp)" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
    [[ -n "$cluster" ]] || die "storage tool gave no cluster id"
    java -Dlog4j.configuration="file:$st/log4j.properties" -cp "$(java_cp)" \
      kafka.tools.StorageTool format -t "$cluster" -c "$st/server.properties" \
      >"$st/format.log" 2>&1 || { cat "$st/format.log" >&2; die "storage format failed"; }
  fi
  if [[ -n "$pp" ]]; then
    echo "127.0.0.1:$dp" >"$st/bootstrap"
    echo "$bp" >"$st/proxied"
  else
    echo "127.0.0.1:$bp" >"$st/bootstrap"
  fi
}

wait_ready() {  # state pid
  local st="$1" pid="$2" bootstrap
  bootstrap=$(cat "$st/bootstrap")
  for _ in $(seq 1 120); do
    running "$pid" || { tail -30 "$st/broker.log" >&2 || true; die "broker exited while starting"; }
    if kcat -b "$bootstrap" -L -m 2 2>/dev/null | grep -q " 1 brokers:"; then
      return 0
    fi
    sleep 0.5
  done
  die "broker did not answer metadata requests within 60 s (see $st/broker.log)"
}

start() {
  local st
  st=$(state_dir "${1:-}")
  command -v java >/dev/null || die "java not found (apt-get install openjdk-17-jre-headless)"
  command -v kcat >/dev/null || die "kcat not found (apt-get install kcat)"
  if [[ -f "$st/pid" ]] && running "$(cat "$st/pid")"; then
    echo "kafka.sh: already running, bootstrap $(cat "$st/bootstrap")" >&2
    cat "$st/bootstrap"
    return 0
  fi
  fetch
  prepare "$st"
  # setsid: the broker must outlive the shell (and CTest's fixture step) that started it.
  setsid java $HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$st/log4j.properties" \
    -cp "$(java_cp)" kafka.Kafka "$st/server.properties" \
    >"$st/stdout.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$st/pid"
  wait_ready "$st" "$pid"
  echo "kafka.sh: broker pid $pid ready on $(cat "$st/bootstrap") (state $st)" >&2
  cat "$st/bootstrap"
}

stop() {
  local st pid
  st=$(state_dir "${1:-}")
  [[ -f "$st/pid" ]] || { echo "kafka.sh: no broker recorded in $st" >&2; return 0; }
  pid=$(cat "$st/pid")
  if running "$pid"; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do running "$pid" || break; sleep 0.5; done
    if running "$pid"; then
      echo "kafka.sh: broker $pid ignored SIGTERM for 30 s, sending SIGKILL" >&2
      kill -KILL "$pid" || true
      for _ in $(seq 1 20); do running "$pid" || break; sleep 0.25; done
    fi
  fi
  rm -f "$st/pid"
  echo "kafka.sh: broker stopped" >&2
}

# A crash, for chaos tests: no shutdown hooks, no flush; the state stays for `start`.
crash() {
  local st pid
  st=$(state_dir "${1:-}")
  [[ -f "$st/pid" ]] || die "no broker recorded in $st"
  pid=$(cat "$st/pid")
  running "$pid" && kill -KILL "$pid"
  for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && die "broker $pid still there 10 s after SIGKILL"
  rm -f "$st/pid"
  echo "kafka.sh: broker $pid killed" >&2
}

status() {
  local st
  st=$(state_dir "${1:-}")
  if [[ -f "$st/pid" ]] && running "$(cat "$st/pid")"; then
    echo "running pid $(cat "$st/pid") bootstrap $(cat "$st/bootstrap")"
  else
    echo "stopped"
    return 1
  fi
}

create_topic() {  # state name partitions
  local st
  st=$(state_dir "${1:-}")
  [[ -n "${2:-}" && -n "${3:-}" ]] || die "usage: create-topic [STATE] NAME PARTITIONS"
  java -Dlog4j.configuration="file:$st/log4j.properties" -cp "$(java_cp)" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$(cat "$st/bootstrap")" \
    --create --if-not-exists --topic "$2" --partitions "$3" --replication-factor 1
}

cmd="${1:-}"
shift || true
case "$cmd" in
  fetch) fetch ;;
  start) start "${1:-}" ;;
  stop) stop "${1:-}" ;;
  restart) stop "${1:-}"; start "${1:-}" ;;
  kill) crash "${1:-}" ;;
  status) status "${1:-}" ;;
  bootstrap) cat "$(state_dir "${1:-}")/bootstrap" ;;
  create-topic)
    if [[ $# -ge 3 ]]; then create_topic "$1" "$2" "$3"; else create_topic "" "${1:-}" "${2:-}"; fi ;;
  wipe) stop "${1:-}"; rm -rf "$(state_dir "${1:-}")" ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
esac
