#!/usr/bin/env bash
# systemd-analyze verify on the unit as an install writes it (cmake/systemd_unit.cmake),
# generated for the built binary's directory so ExecStart points at a real file.
set -euo pipefail
cmake=$1 generator=$2 template=$3 binary=$4
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$cmake" -DSSEGW_UNIT_TEMPLATE="$template" -DSSEGW_UNIT_OUTPUT="$dir/sse-gateway.service" \
  -DSSEGW_BINDIR="$(dirname "$binary")" -DSSEGW_DOCDIR=/usr/share/doc/sse-gateway -P "$generator"
# The binary must keep its own name: the unit names <bindir>/sse-gateway.
[ "$(basename "$binary")" = sse-gateway ] || { echo "binary is not named sse-gateway: $binary"; exit 1; }
if grep -n '@SSEGW_' "$dir/sse-gateway.service"; then echo "placeholder left in the unit"; exit 1; fi
out=$(systemd-analyze verify "$dir/sse-gateway.service" 2>&1) || { echo "$out"; exit 1; }
# verify also warns without failing; any line about our unit is a problem.
if echo "$out" | grep -q "sse-gateway.service"; then echo "$out"; exit 1; fi
echo "systemd-analyze verify: clean"
