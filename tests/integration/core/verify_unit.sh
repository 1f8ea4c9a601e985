#!/usr/bin/env bash
# systemd-analyze verify on the unit with ExecStart pointed at the built binary.
set -euo pipefail
unit=$1 binary=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s#/usr/local/bin/sse-gateway#$binary#g" "$unit" > "$dir/sse-gateway.service"
out=$(systemd-analyze verify "$dir/sse-gateway.service" 2>&1) || { echo "$out"; exit 1; }
# verify also warns without failing; any line about our unit is a problem.
if echo "$out" | grep -q "sse-gateway.service"; then echo "$out"; exit 1; fi
echo "systemd-analyze verify: clean"
