#!/usr/bin/env bash
# A sanitizer build and its test run:
#   scripts/sanitize.sh thread  [LABELS]   ThreadSanitizer into build-tsan/, default 'unit|core|sse'
#   scripts/sanitize.sh address [LABELS]   ASan + UBSan into build-asan/, default 'unit|core|sse'
# LABELS is a ctest -L regex (kafka and mqtt start their brokers through CTest fixtures).
# Only the test binaries those labels need are built. The integration suites spawn the
# instrumented gateway; a report in its output fails the owning test (tests/support/process.cpp)
# and halt_on_error makes the child exit 66, which the tests that check exit 0 see as well.
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:?usage: scripts/sanitize.sh thread|address [LABEL_REGEX]}
labels=${2:-unit|core|sse}
jobs=${SSEGW_BUILD_JOBS:-2}

case "$kind" in
  thread)
    build=build-tsan
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 exitcode=66 suppressions=$PWD/tests/tsan.supp"
    # Tests that bound time or CPU (tests/support/raw_connection.h) allow for the slower code.
    export SSEGW_TEST_SLOWDOWN=8
    ;;
  address)
    build=build-asan
    export ASAN_OPTIONS="detect_leaks=1 exitcode=66"
    export UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1"
    export SSEGW_TEST_SLOWDOWN=4
    ;;
  *)
    echo "scripts/sanitize.sh: unknown sanitizer '$kind' (thread or address)" >&2
    exit 2
    ;;
esac

# The test executables behind each label; the gateway binary for every integration suite.
targets=()
[[ unit =~ ^($labels)$ ]] && targets+=(unit_tests)
[[ core =~ ^($labels)$ ]] && targets+=(core_integration_tests sse-gateway)
[[ sse =~ ^($labels)$ ]] && targets+=(sse_integration_tests sse-gateway)
# Not kafka_txn_sink_test: 20,000 events through five SIGKILLs is minutes at ASan's pace.
[[ kafka =~ ^($labels)$ ]] && targets+=(kafka_bridges_test kafka_gateway_test kafka_sink_spool_test sse-gateway)
[[ mqtt =~ ^($labels)$ ]] && targets+=(mqtt_integration_tests sse-gateway)
[[ tls =~ ^($labels)$ ]] && targets+=(tls_integration_tests sse-gateway)
[[ auth =~ ^($labels)$ ]] && targets+=(auth_integration_tests sse-gateway)
if [ ${#targets[@]} -eq 0 ]; then
  echo "scripts/sanitize.sh: no suite matches '$labels'" >&2
  exit 2
fi

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSSEGW_SANITIZE="$kind" \
  -DSSEGW_BUILD_TESTS=ON -DSSEGW_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target $(printf '%s\n' "${targets[@]}" | sort -u)
cd "$build"
ctest --output-on-failure --timeout 600 -j2 -L "$labels"
