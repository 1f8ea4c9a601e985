#!/usr/bin/env bash
# Builds the fuzz build (every library instrumented for libFuzzer, ASan and UBSan) into
# build-fuzz/ and runs each target for SSEGW_FUZZ_SECONDS (default 60) on a copy of its seed
# corpus in tests/fuzz/corpus/<target>/, so the seeds in git stay small and hand-written.
# Prints executions and coverage per target; exits non-zero if any target crashed (the
# reproducer is left in build-fuzz/artifacts/). SSEGW_FUZZ_TARGETS="a b" runs only some.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${SSEGW_FUZZ_SECONDS:-60}
targets=${SSEGW_FUZZ_TARGETS:-"http_request sse_parser framer_roundtrip config_loader http_response_reader chunked_decoder kafka_position"}
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

status=0
summary=()
for t in $targets; do
  corpus="$work/$t"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  log="$build/logs/$t.log"
  echo "== fuzz_$t: ${seconds}s"
  # detect_leaks stays on: a parser that leaks per input is a bug too.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$corpus" >"$log" 2>&1
  rc=$?
  # The last status line ("#N DONE cov: X ft: Y ...") and the final stats.
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "!! fuzz_$t failed (exit $rc); log: $log"
    grep -E 'ERROR:|runtime error:|SUMMARY:|Test unit written' "$log" | head -n 10
    summary+=("$(printf '%-22s FAILED (exit %s) after %s runs' "$t" "$rc" "${runs:-?}")")
  else
    summary+=("$(printf '%-22s %12s runs  cov: %-6s ft: %s' "$t" "${runs:-?}" "${cov:-?}" "${ft:-?}")")
  fi
  echo "$last"
done

echo "== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit $status
