#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, runs every test (starting a real Kafka
# broker and a real Mosquitto broker through CTest fixtures), then the hardening stages:
# ThreadSanitizer over unit+core+sse, ASan+UBSan over unit and the integration suites
# (core, sse, kafka, mqtt, tls, auth), and every fuzz target for 25 s. Each stage runs even when an earlier one failed; the exit status is
# non-zero if any failed, and a closing table gives each stage's result, time and ctest tail.
#   SSEGW_SKIP_SANITIZERS=1  skip the TSan and ASan stages
#   SSEGW_SKIP_FUZZ=1        skip the fuzz stage (SSEGW_FUZZ_SECONDS sets its length, default 25)
#   SSEGW_ASAN_LABELS        ctest labels for ASan (default unit|core|sse|kafka|mqtt|tls|auth)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Release, as packagers build it (warnings are errors in every build type).
bash scripts/build.sh -DCMAKE_BUILD_TYPE=Release -DSSEGW_BUILD_TESTS=ON -DSSEGW_BUILD_BENCH=ON

status=0
report=()
logs=$(mktemp -d /tmp/ssegw-test-XXXXXX)

# run_stage NAME COMMAND...: runs it with its output shown and kept, records pass/fail, the
# time taken and ctest's closing lines (or the fuzz summary) for the table at the end.
run_stage() {
  local name=$1
  shift
  local log="$logs/$name.log" start=$SECONDS rc=0
  echo "=== stage $name: $*"
  "$@" 2>&1 | tee "$log" || rc=$?
  local took=$((SECONDS - start))
  [ "$rc" -ne 0 ] && status=1
  report+=("$(printf '%-10s %-6s %4dm%02ds' "$name" "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)" \
    $((took / 60)) $((took % 60)))")
  report+=("$(grep -E 'tests passed|tests failed|Total Test time|^[a-z_]+ +[0-9?]+ runs|FAILED \(exit' "$log" |
    sed 's/^/    /' || true)")
}

ctest_main() { (cd build && ctest --output-on-failure --timeout 600 -j2); }
run_stage main ctest_main

if [ "${SSEGW_SKIP_SANITIZERS:-0}" != 1 ]; then
  run_stage tsan bash scripts/sanitize.sh thread 'unit|core|sse'
  run_stage asan bash scripts/sanitize.sh address "${SSEGW_ASAN_LABELS:-unit|core|sse|kafka|mqtt|tls|auth}"
fi
if [ "${SSEGW_SKIP_FUZZ:-0}" != 1 ]; then
  # 25 s per target (two at a time) keeps the whole run near 30 minutes with ten targets.
  SSEGW_FUZZ_SECONDS=${SSEGW_FUZZ_SECONDS:-25} run_stage fuzz bash scripts/fuzz.sh
fi

echo "=== stages"
printf '%s\n' "${report[@]}" | sed '/^$/d'
rm -rf "$logs"
exit $status
