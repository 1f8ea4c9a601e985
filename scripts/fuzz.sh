#!/usr/bin/env bash
# Builds the fuzz build (every library instrumented for libFuzzer, ASan and UBSan) into
# build-fuzz/ and runs each target for SSEGW_FUZZ_SECONDS (default 60) on a copy of its seed
# corpus in tests/fuzz/corpus/<target>/, so the seeds in git stay small and hand-written.
# Prints executions and coverage per target; exits non-zero if any target crashed (the
# reproducer is left in build-fuzz/artifacts/). SSEGW_FUZZ_TARGETS="a b" runs only some;
# SSEGW_FUZZ_JOBS (default 2) targets run at once.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${SSEGW_FUZZ_SECONDS:-60}
targets=${SSEGW_FUZZ_TARGETS:-"http_request sse_parser framer_roundtrip config_loader http_response_reader chunked_decoder kafka_position http2_session jwt composite_id sink_spool"}
build=build-fuzz

# -O1 keeps the fuzzer fast while asserts stay on (no NDEBUG).
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS_DEBUG="-O1 -g" -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DSSEGW_BUILD_FUZZ=ON -DSSEGW_BUILD_TESTS=OFF -DSSEGW_BUILD_BENCH=OFF >/dev/null || exit 1
fuzz_binaries=()
for t in $targets; do fuzz_binaries+=("fuzz_$t"); done
cmake --build "$build" -j"${SSEGW_BUILD_JOBS:-2}" --target "${fuzz_binaries[@]}" || exit 1

mkdir -p "$build/artifacts" "$build/logs"
work=$(mktemp -d /tmp/ssegw-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT

# Runs one target; its one-line result goes to $work/$t.result, its log to $build/logs/.
fuzz_target() {
  local t=$1 corpus="$work/$t" log="$build/logs/$t.log"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  # detect_leaks stays on: a parser that leaks per input is a bug too.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$corpus" >"$log" 2>&1
  local rc=$?
  # The last status line ("#N DONE cov: X ft: Y ...") and the final stats.
  local last runs cov ft
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  if [ "$rc" -ne 0 ]; then
    echo "!! fuzz_$t failed (exit $rc); log: $log"
    grep -E 'ERROR:|runtime error:|SUMMARY:|Test unit written' "$log" | head -n 10
    printf '%-22s FAILED (exit %s) after %s runs\n' "$t" "$rc" "${runs:-?}" >"$work/$t.result"
  else
    printf '%-22s %12s runs  cov: %-6s ft: %s\n' "$t" "${runs:-?}" "${cov:-?}" "${ft:-?}" \
      >"$work/$t.result"
  fi
  echo "== fuzz_$t done: $last"
  return "$rc"
}

# Targets run side by side, SSEGW_FUZZ_JOBS at a time (default 2, this machine's cores):
# each still gets its full time, the stage takes half as long.
parallel=${SSEGW_FUZZ_JOBS:-2}
status=0
running=0
for t in $targets; do
  echo "== fuzz_$t: ${seconds}s"
  fuzz_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done

echo "== fuzz summary (${seconds}s per target)"
for t in $targets; do cat "$work/$t.result"; done
exit $status
