#!/usr/bin/env bash
# Installs the browser suite's pinned npm packages (package.json + package-lock.json in this
# folder: playwright-core, eventsource) into WORK_DIR, when missing or changed since the last
# install. Shared by the browser suite and the TLS suite's Chromium test.
set -euo pipefail
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work_dir=${1:?usage: npm_install.sh WORK_DIR}

mkdir -p "$work_dir"
stamp="$work_dir/npm-ci.stamp"
wanted=$(cat "$src_dir/package.json" "$src_dir/package-lock.json" | sha256sum)
if [[ ! -d "$work_dir/node_modules" || "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  cp "$src_dir/package.json" "$src_dir/package-lock.json" "$work_dir/"
  (cd "$work_dir" &&
   PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  echo "$wanted" > "$stamp"  # written only once npm ci has succeeded
fi
