#!/usr/bin/env bash
# The one command for the benchmarks: builds the gateway and the load tools, installs the
# peers (Nchan, Pushpin from Debian; Mercure built from the Go module proxy), runs every
# scenario against every server on 127.0.0.1 and writes bench/results/.
#
#   bench/run.sh                 full run (20 s windows, about 20 minutes)
#   bench/run.sh --quick         5 s windows, to try it out
#   bench/run.sh --scenarios 1,4 --servers gateway,nchan --subs-scale 0.1
#   bench/run.sh --scenarios 8   the TLS scenario alone (HTTP/1.1 and h2 over TLS)
#   bench/run.sh --wait-quiet 60   before each run, wait up to 60 s (default 30) for other work to stop
#
# Environment: BUILD_DIR (default build-bench), JOBS (default 2), SKIP_INSTALL=1 to use
# whatever peers are already installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$(realpath -m "${BUILD_DIR:-$ROOT/build-bench}")"
RESULTS="$ROOT/bench/results"
JOBS="${JOBS:-2}"
MERCURE_VERSION="${MERCURE_VERSION:-v0.20.2}"
SCENARIOS="1,2,3,4,5,8"  # 8 (TLS) runs in the runner, after the others
ARGS=("$@")
for ((i = 0; i < ${#ARGS[@]}; i++)); do
  if [[ "${ARGS[$i]}" == "--scenarios" && $((i + 1)) -lt ${#ARGS[@]} ]]; then
    SCENARIOS="${ARGS[$((i + 1))]}"
  fi
done
# shellcheck source=bench/cmake_build.sh
source "$ROOT/bench/cmake_build.sh"
wants() { [[ ",$SCENARIOS," == *",$1,"* ]]; }
log() { echo "[bench] $*" >&2; }

install_peers() {
  [[ "${SKIP_INSTALL:-0}" == 1 ]] && return 0
  local missing=()
  command -v nginx >/dev/null || missing+=(nginx)
  [[ -e /usr/lib/nginx/modules/ngx_nchan_module.so ]] || missing+=(libnginx-mod-nchan)
  command -v pushpin >/dev/null || missing+=(pushpin)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} from Debian"
    if [[ $(id -u) == 0 ]]; then
      (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}") \
        >"$BUILD_DIR/peers/apt.log" 2>&1 || log "apt-get failed; see $BUILD_DIR/peers/apt.log"
    else
      log "not root: cannot apt-get ${missing[*]}; those peers will be reported as not run"
    fi
  fi
  # Debian starts the packaged services; the benchmark runs its own instances on other ports.
  python3 -c 'import matplotlib' 2>/dev/null || {
    log "installing matplotlib from PyPI for the plots"
    # Debian's own python3 refuses pip installs (PEP 668); its package is the fallback.
    python3 -m pip install -q matplotlib >"$BUILD_DIR/peers/pip.log" 2>&1 ||
      { [[ $(id -u) == 0 ]] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
          python3-matplotlib >>"$BUILD_DIR/peers/pip.log" 2>&1; } ||
      log "no matplotlib: tables only"
  }
  build_mercure
}

# Mercure is a Caddy build with the mercure module; its main package lives in the module
# github.com/dunglas/mercure/caddy. A throwaway module pins that version and builds the binary.
build_mercure() {
  local bin="$BUILD_DIR/peers/bin/mercure" src="$BUILD_DIR/peers/mercure-src"
  local build_log="$BUILD_DIR/peers/mercure-build.log"
  [[ -x "$bin" ]] && return 0
  if ! command -v go >/dev/null; then
    echo "Go toolchain not installed" >"$build_log"
    return 0
  fi
  log "building Mercure $MERCURE_VERSION with the Go toolchain (a few minutes)"
  mkdir -p "$src" "$BUILD_DIR/peers/bin"
  (
    cd "$src"
    [[ -f go.mod ]] || go mod init ssegw-bench-mercure
    # The checksum database has no entry for these module versions; the proxy still serves them.
    export GONOSUMDB=github.com/dunglas/mercure GOFLAGS=-mod=mod
    timeout 600 go get "github.com/dunglas/mercure/caddy@$MERCURE_VERSION"
    timeout 1200 nice go build -p "$JOBS" -o "$bin" github.com/dunglas/mercure/caddy/mercure
  ) >"$build_log" 2>&1 || log "Mercure did not build; see $build_log"
}

build_tools() {
  log "building sse-gateway, sse_load, sse_publish and sse_floor in $BUILD_DIR"
  configure_bench_build || exit 1
  build_bench_targets sse_load sse_publish sse_floor || exit 1
  if ! build_bench_targets sse-gateway; then
    log "sse-gateway did not build (see $BUILD_DIR/build.log); an older binary, if any, is used"
    log "and its version is marked as a stale build in the tables"
    export SSEGW_BENCH_STALE_GATEWAY=1
  fi
}

# Hooks for scenarios run by other tools: bench/hooks/scenario<N>.sh writes
# bench/results/scenario<N>.md (and .png) itself; it gets BUILD_DIR, RESULTS and QUICK.
run_hook() {
  local hook="$ROOT/bench/hooks/scenario$1.sh"
  if [[ -x "$hook" ]]; then
    log "scenario $1 via $hook"
    BUILD_DIR="$BUILD_DIR" RESULTS="$RESULTS" QUICK="$QUICK" timeout 1800 "$hook" ||
      log "scenario $1 hook failed"
  else
    log "scenario $1 has no hook yet ($hook)"
  fi
}

mkdir -p "$BUILD_DIR/peers" "$RESULTS"
# Every server, load client and the floor may hold up to 20,000 sockets (this machine's hard limit).
ulimit -n "$(ulimit -Hn)"
QUICK=0
[[ " $* " == *" --quick "* ]] && QUICK=1
install_peers
build_tools
cd "$ROOT"
# Before each window the runner waits (up to 30 s unless --wait-quiet says otherwise) for the
# machine to be quiet, and repeats a window in which other processes were busy.
python3 -m bench.runner --build-dir "$BUILD_DIR" --results "$RESULTS" --wait-quiet 30 \
  --command "bench/run.sh $*" "$@"
for n in 6 7; do
  if wants "$n"; then run_hook "$n"; fi
done
# Append whatever the hooks produced to the combined results.
for n in 6 7; do
  if wants "$n" && [[ -f "$RESULTS/scenario$n.md" ]]; then
    { echo; cat "$RESULTS/scenario$n.md"; } >>"$RESULTS/results.md"
  fi
done
log "results in $RESULTS/results.md"
