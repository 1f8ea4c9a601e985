# Sourced by bench/run.sh and bench/auth_subscribe.sh, so that every benchmark measures binaries
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
