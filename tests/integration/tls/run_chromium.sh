#!/usr/bin/env bash
# Runs the TLS suite's Chromium test (chromium/*.test.js) with the browser suite's pinned npm
# packages (tests/integration/browser/package*.json: playwright-core), installed into WORK_DIR
# when missing or changed. SSEGW_BINARY names the gateway binary under test.
set -euo pipefail

src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
browser_dir="$src_dir/../browser"
work_dir=${1:?usage: run_chromium.sh WORK_DIR}
: "${SSEGW_BINARY:?SSEGW_BINARY must name the sse-gateway binary (CTest sets it)}"

mkdir -p "$work_dir"
stamp="$work_dir/npm-ci.stamp"
wanted=$(cat "$browser_dir/package.json" "$browser_dir/package-lock.json" | sha256sum)
if [[ ! -d "$work_dir/node_modules" || "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  cp "$browser_dir/package.json" "$browser_dir/package-lock.json" "$work_dir/"
  (cd "$work_dir" &&
   PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  echo "$wanted" > "$stamp"
fi

export NODE_PATH="$work_dir/node_modules"
cd "$src_dir"
exec node --test --test-reporter=spec --test-concurrency=1 chromium/*.test.js
