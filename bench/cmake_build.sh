# Sourced by the bench/*.sh scripts, so that every benchmark measures binaries
# built the same way in the same folder: BUILD_DIR (CMake, tests off, BUILD_TYPE default
# RelWithDebInfo, the project's own default) with JOBS parallel jobs. Logs go to
# BUILD_DIR/cmake.log and BUILD_DIR/build.log; a failure prints their tail.

configure_bench_build() {
  mkdir -p "$BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
    -DSSEGW_BUILD_TESTS=OFF >"$BUILD_DIR/cmake.log" 2>&1 || {
    tail -20 "$BUILD_DIR/cmake.log" >&2
    return 1
  }
  : >"$BUILD_DIR/build.log"
}

build_bench_targets() {  # target...
  cmake --build "$BUILD_DIR" -j"$JOBS" --target "$@" >>"$BUILD_DIR/build.log" 2>&1 || {
    tail -30 "$BUILD_DIR/build.log" >&2
    return 1
  }
}

# Runs `python3 -m bench.runner.MODULE --build-dir BUILD_DIR --command "SCRIPT ARGS" ARGS` with
# the descriptor limit raised (the gateway and the load clients hold one per subscriber) and
# stops it by PID when the script exits or is interrupted; exits with the runner's status.
run_bench_runner() {  # module script args...
  local module="$1" script="$2"
  shift 2
  ulimit -n "$(ulimit -Hn)"
  RUNNER=""
  trap 'if [[ -n "$RUNNER" ]]; then kill -TERM "$RUNNER" 2>/dev/null || true; wait "$RUNNER" 2>/dev/null || true; fi' EXIT
  trap 'exit 130' INT TERM
  "$PYTHON" -m "bench.runner.$module" --build-dir "$BUILD_DIR" --command "$script${*:+ $*}" "$@" &
  RUNNER=$!
  local status=0
  wait "$RUNNER" || status=$?
  RUNNER=""
  exit "$status"
}

# The whole of a benchmark whose runner needs only the gateway and the load tools: --help, the
# build, then run_bench_runner. Sourcing scripts set ROOT, BUILD_DIR, JOBS, PYTHON and log().
run_load_bench() {  # module script args...
  local module="$1" script="$2"
  shift 2
  cd "$ROOT"
  if [[ " $* " == *" --help "* || " $* " == *" -h "* ]]; then
    exec "$PYTHON" -m "bench.runner.$module" --build-dir "$BUILD_DIR" --help
  fi
  log "building sse-gateway, sse_load and sse_publish in $BUILD_DIR"
  configure_bench_build || exit 1
  build_bench_targets sse-gateway sse_load sse_publish || exit 1
  run_bench_runner "$module" "$script" "$@"
}
