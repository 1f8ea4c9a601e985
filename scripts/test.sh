#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, runs every test (starting a real Kafka
# broker and a real Mosquitto broker through CTest fixtures), then the unit tests again
# under AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DSSEGW_BUILD_TESTS=ON -DSSEGW_BUILD_BENCH=ON

status=0
(cd build && ctest --output-on-failure --timeout 600 -j2) || status=$?

if [ "${SSEGW_SKIP_SANITIZERS:-0}" != 1 ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSSEGW_SANITIZE=ON -DSSEGW_BUILD_BENCH=OFF
  cmake --build build-asan -j"$(nproc)" --target unit_tests
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -L unit -j2) || status=$?
fi
exit $status
