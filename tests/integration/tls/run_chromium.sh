#!/usr/bin/env bash
# Runs the TLS suite's Chromium test (chromium/*.test.js) with the browser suite's pinned npm
# packages (tests/integration/browser/package*.json: playwright-core), installed into WORK_DIR
# when missing or changed. SSEGW_BINARY names the gateway binary under test.
set -euo pipefail

src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
browser_dir="$src_dir/../browser"
work_dir=${1:?usage: run_chromium.sh WORK_DIR}
: "${SSEGW_BINARY:?SSEGW_BINARY must name the sse-gateway binary (CTest sets it)}"

bash "$browser_dir/npm_install.sh" "$work_dir"

export NODE_PATH="$work_dir/node_modules"
cd "$src_dir"
exec node --test --test-reporter=spec --test-concurrency=1 chromium/*.test.js
