#!/usr/bin/env bash
# Runs the real-client suite: installs its pinned npm packages into WORK_DIR (only when they
# are missing or package.json / package-lock.json changed), then every test/*.test.js with
# node's built-in test runner. SSEGW_BINARY names the gateway binary under test.
set -euo pipefail

src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work_dir=${1:?usage: run_suite.sh WORK_DIR [node --test options...]}
shift
: "${SSEGW_BINARY:?SSEGW_BINARY must name the sse-gateway binary (CTest sets it)}"
if [[ ! -x "$SSEGW_BINARY" ]]; then
  echo "run_suite.sh: $SSEGW_BINARY is missing; run 'cmake --build' first" >&2
  exit 1
fi

# Node 18 is Debian 12's own nodejs, which the suite must keep working on.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 18)); then
  echo "run_suite.sh: node $(node --version) is too old; playwright-core and eventsource need >= 18" >&2
  exit 1
fi
# --test-timeout arrived in node 20.11; on older nodes every wait in the tests is bounded by
# itself and CTest's TIMEOUT bounds the whole run.
runner_options=(--test-reporter=spec --test-concurrency=1)
if node --test-timeout=1 -e '' 2>/dev/null; then
  runner_options+=(--test-timeout=180000)
fi

bash "$src_dir/npm_install.sh" "$work_dir"

echo "node $(node --version), $("${SSEGW_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null || echo 'no chromium'), gateway $SSEGW_BINARY"
export NODE_PATH="$work_dir/node_modules"
cd "$src_dir"
exec node --test "${runner_options[@]}" "$@" test/*.test.js
