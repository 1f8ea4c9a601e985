#!/usr/bin/env bash
# A real Mosquitto broker (Debian's `mosquitto`) on 127.0.0.1 for tests and for people, run
# in the background with a config this script writes, never as the system service.
#
#   tests/brokers/mosquitto.sh start   [STATE]   make certs and passwords (first time), start, wait
#   tests/brokers/mosquitto.sh stop    [STATE]   stop the broker by its PID and wait
#   tests/brokers/mosquitto.sh restart [STATE]   stop then start on the same ports and data
#   tests/brokers/mosquitto.sh kill    [STATE]   SIGKILL the broker (a crash); `start` brings
#                                                it back on the same ports and data
#   tests/brokers/mosquitto.sh status  [STATE]   print the ports and PID, exit 1 if down
#   tests/brokers/mosquitto.sh wipe    [STATE]   stop and delete the state folder
#
# Three listeners: PLAIN_PORT (anonymous), AUTH_PORT (username/password from a file made by
# mosquitto_passwd) and TLS_PORT (server certificate signed by a test CA made with openssl;
# anonymous). Persistence is on, so clean_session:false sessions survive a broker restart.
#
# SSEGW_MOSQUITTO_SAVE_EVERY_CHANGE=1 (read at start) saves the persistence file after every
# change instead of every 5 s, so that a SIGKILL loses no acknowledged message or session.
#
# STATE defaults to $SSEGW_MOSQUITTO_STATE or /tmp/ssegw-mosquitto. It holds `env` (shell
# assignments: MQTT_PLAIN_PORT, MQTT_AUTH_PORT, MQTT_TLS_PORT, MQTT_USER, MQTT_PASSWORD,
# MQTT_CA_FILE, MQTT_PID), `pid`, `mosquitto.conf`, `broker.log`, `data/` and `tls/`.
set -euo pipefail

die() { echo "mosquitto.sh: $*" >&2; exit 1; }

state_dir() { echo "${1:-${SSEGW_MOSQUITTO_STATE:-/tmp/ssegw-mosquitto}}"; }

# shellcheck source=free_ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/free_ports.sh"

running() {  # pid
  [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null
}

# Still running and not a zombie waiting for a parent that may never reap it.
alive() {  # pid
  running "$1" && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

make_certs() {  # tls-dir
  local d="$1"
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=ssegw test CA" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  # Clients check the name they dialled, so the certificate names the loopback address.
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$d/ext.cnf"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 30 -extfile "$d/ext.cnf" -out "$d/server.crt" 2>/dev/null
  chmod 600 "$d"/*.key
}

first_setup() {  # state
  local st="$1"
  mkdir -p "$st/data"
  make_certs "$st/tls"
  local user="gateway" password
  password="pw-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  : >"$st/passwd"
  mosquitto_passwd -b "$st/passwd" "$user" "$password" 2>/dev/null
  chmod 600 "$st/passwd"
  local plain auth tls
  read -r plain auth tls <<<"$(free_ports 3)"
  [[ -n "$tls" ]] || die "could not choose ports"
  cat >"$st/env" <<EOF
MQTT_PLAIN_PORT=$plain
MQTT_AUTH_PORT=$auth
MQTT_TLS_PORT=$tls
MQTT_USER=$user
MQTT_PASSWORD=$password
MQTT_CA_FILE=$st/tls/ca.crt
EOF
}

autosave_settings() {
  if [[ "${SSEGW_MOSQUITTO_SAVE_EVERY_CHANGE:-0}" == 1 ]]; then
    printf 'autosave_on_changes true\nautosave_interval 1\n'
  else
    echo "autosave_interval 5"
  fi
}

write_config() {  # state
  local st="$1"
  # shellcheck disable=SC1091
  source "$st/env"
  cat >"$st/mosquitto.conf" <<EOF
# Written by tests/brokers/mosquitto.sh; regenerated on every start.
per_listener_settings true
user root
persistence true
persistence_location $st/data/
$(autosave_settings)
# Unlimited: a slow or paused test client must not lose messages to the broker's queue limit
# (Debian's default of 1000 drops the overflow, logging "Outgoing messages are being dropped").
max_queued_messages 0
log_dest file $st/broker.log
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
log_timestamp true

listener $MQTT_PLAIN_PORT 127.0.0.1
allow_anonymous true

listener $MQTT_AUTH_PORT 127.0.0.1
allow_anonymous false
password_file $st/passwd

listener $MQTT_TLS_PORT 127.0.0.1
allow_anonymous true
cafile $st/tls/ca.crt
certfile $st/tls/server.crt
keyfile $st/tls/server.key
EOF
}

listening() {  # port
  ss -ltnH "sport = :$1" 2>/dev/null | grep -q .
}

start() {
  local st; st="$(state_dir "${1:-}")"
  command -v mosquitto >/dev/null || die "mosquitto not found (apt-get install mosquitto)"
  mkdir -p "$st"
  st="$(cd "$st" && pwd)"
  if [[ -f "$st/pid" ]] && running "$(cat "$st/pid")"; then
    echo "mosquitto.sh: already running (pid $(cat "$st/pid"))" >&2
    return 0
  fi
  [[ -f "$st/env" ]] || first_setup "$st"
  write_config "$st"
  # shellcheck disable=SC1091
  source "$st/env"
  # A port still held by a closing connection frees itself within moments: a few attempts.
  local attempt rc
  for ((attempt = 1; attempt <= 5; attempt++)); do
    rc=0
    launch "$st" || rc=$?
    [[ $rc == 0 ]] && return 0
    [[ $rc == 1 ]] && grep -q "Address already in use" <(tail -n 5 "$st/broker.log") || break
    echo "mosquitto.sh: a port is still in use, retrying (attempt $attempt of 5)" >&2
    sleep 1
  done
  [[ $rc == 1 ]] && { tail -n 20 "$st/broker.log" >&2; die "mosquitto exited at start"; }
  die "mosquitto did not listen within 10 s (see $st/broker.log)"
}

# One start of the broker: 0 listening, 1 exited at start, 2 not listening within 10 s.
launch() {  # state
  local st="$1"
  mosquitto -c "$st/mosquitto.conf" >>"$st/broker.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$st/pid"
  sed -i '/^MQTT_PID=/d' "$st/env"
  echo "MQTT_PID=$pid" >>"$st/env"
  local i
  for ((i = 0; i < 100; i++)); do
    if ! running "$pid"; then
      wait "$pid" 2>/dev/null || true
      rm -f "$st/pid"
      return 1
    fi
    if listening "$MQTT_PLAIN_PORT" && listening "$MQTT_AUTH_PORT" && listening "$MQTT_TLS_PORT"; then
      echo "mosquitto.sh: running pid $pid plain=$MQTT_PLAIN_PORT auth=$MQTT_AUTH_PORT tls=$MQTT_TLS_PORT" >&2
      return 0
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$st/pid"
  return 2
}

stop() {
  local st; st="$(state_dir "${1:-}")"
  [[ -f "$st/pid" ]] || return 0
  local pid; pid="$(cat "$st/pid")"
  if running "$pid"; then
    kill -TERM "$pid"
    local i
    for ((i = 0; i < 100; i++)); do
      running "$pid" || break
      sleep 0.1
    done
    if running "$pid"; then
      echo "mosquitto.sh: pid $pid ignored SIGTERM for 10 s, killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$st/pid"
}

# A crash, for chaos tests: the state stays, so `start` reuses its ports and data.
crash() {
  local st; st="$(state_dir "${1:-}")"
  [[ -f "$st/pid" ]] || die "no broker recorded in $st"
  local pid; pid="$(cat "$st/pid")"
  running "$pid" && kill -KILL "$pid"
  local i
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  alive "$pid" && die "pid $pid still there 10 s after SIGKILL"
  rm -f "$st/pid"
}

status() {
  local st; st="$(state_dir "${1:-}")"
  [[ -f "$st/env" ]] && cat "$st/env"
  [[ -f "$st/pid" ]] && running "$(cat "$st/pid")"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  restart) stop "$@"; start "$@" ;;
  kill) crash "$@" ;;
  status) status "$@" ;;
  wipe) stop "$@"; rm -rf "$(state_dir "${1:-}")" ;;
  *) die "usage: $0 start|stop|restart|kill|status|wipe [STATE]" ;;
esac
