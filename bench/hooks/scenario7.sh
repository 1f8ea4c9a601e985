#!/usr/bin/env bash
# Scenario 7: parser and framer micro-benchmarks (Google Benchmark), as a Markdown table.
set -euo pipefail
: "${BUILD_DIR:?}" "${RESULTS:?}"
cmake --build "$BUILD_DIR" --target sse_micro_bench >/dev/null
min_time=2
[ "${QUICK:-0}" = 1 ] && min_time=0.5
json=$(mktemp)
trap 'rm -f "$json"' EXIT
"$BUILD_DIR/bench/sse_micro_bench" --benchmark_min_time="$min_time" --benchmark_format=json >"$json"
python3 - "$json" >"$RESULTS/scenario7.md" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
print("### Scenario 7: SSE parser and framer, one core (Google Benchmark)\n")
ctx = data["context"]
print(f"{ctx.get('num_cpus')} CPUs at {ctx.get('mhz_per_cpu')} MHz (the Google Benchmark library itself is Debian's build; ours is RelWithDebInfo). The framer case has a line break every 8 bytes of data, its worst case.\n")
print("| benchmark | event data bytes | MB/s | events/s |")
print("|---|---|---|---|")
for b in data["benchmarks"]:
    name, size = b["name"].split("/")[:2]
    mbs = b.get("bytes_per_second", 0) / 1e6
    eps = b.get("events/s") or b.get("items_per_second", 0)
    print(f"| {name[3:]} | {int(size):,} | {mbs:,.0f} | {eps:,.0f} |")
print("\nCommand: `bench/run.sh --scenarios 7` (runs `build-bench/bench/sse_micro_bench`).")
PY
cat "$RESULTS/scenario7.md"
