#!/usr/bin/env bash
# The Debian package end to end, on this machine, as root: build it with CPack, lintian finds
# no error, `apt-get install ./sse-gateway_*.deb` puts every file where the layout says, the
# installed binary checks the installed config and serves a subscriber, and `apt-get purge`
# leaves nothing of ours behind. Exit 77 (CTest's skip) without root or apt-get.
#   package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
skip() {
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*"
  exit 1
}
[ "$(id -u)" = 0 ] || skip "installing a package needs root"
command -v apt-get >/dev/null || skip "no apt-get: not a Debian system"
for tool in dpkg-deb lintian curl; do
  command -v "$tool" >/dev/null || fail "$tool not installed (scripts/install-deps.sh)"
done
export DEBIAN_FRONTEND=noninteractive

work=$(mktemp -d /tmp/ssegw-package-XXXXXX)
gateway_pid="" subscriber_pid="" installed=0 made_policy=0 made_private=0 made_state=0
cleanup() {
  [ -n "$subscriber_pid" ] && kill "$subscriber_pid" 2>/dev/null || true
  [ -n "$gateway_pid" ] && kill "$gateway_pid" 2>/dev/null || true
  # A failed run must not leave the package on the machine.
  [ "$installed" = 1 ] && timeout 60 apt-get purge -y -qq sse-gateway >/dev/null 2>&1 || true
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ "$made_state" = 1 ] && rm -rf /var/lib/sse-gateway /var/lib/private/sse-gateway
  [ "$made_private" = 1 ] && rmdir /var/lib/private 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

package_status() { dpkg-query -W -f='${db:Status-Abbrev}' sse-gateway 2>/dev/null || true; }

# wait_for FILE PATTERN SECONDS: until FILE has a line matching PATTERN (grep -E).
wait_for() {
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "--- $1:"
  cat "$1" 2>/dev/null || true
  fail "no line matching '$2' in $1 within $3 s"
}

# An earlier run (or an admin) may have it installed: start from nothing.
if [ -n "$(package_status)" ] && [ "$(package_status)" != "un " ]; then
  echo "== purging the sse-gateway package left installed ($(package_status))"
  timeout 120 apt-get purge -y -qq sse-gateway
fi

# The purge below removes the service's state: it must be no one else's (a `cmake --install`
# run as a service, say).
for path in /var/lib/sse-gateway /var/lib/private/sse-gateway; do
  if [ -e "$path" ] || [ -L "$path" ]; then fail "$path exists without the package: not ours to remove"; fi
done

echo "== building the package"
rm -f "$build"/sse-gateway_*.deb
cmake --build "$build" --target package
debs=("$build"/sse-gateway_*.deb)
[ "${#debs[@]}" = 1 ] && [ -f "${debs[0]}" ] || fail "expected one sse-gateway_*.deb in $build: ${debs[*]}"
deb=${debs[0]}
version=$(dpkg-deb -f "$deb" Version)
[ "$(basename "$deb")" = "sse-gateway_${version}_amd64.deb" ] || fail "file name $(basename "$deb")"
dpkg-deb -I "$deb"
# A new version needs its changelog.Debian entry (packaging/debian/changelog).
changelog=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/sse-gateway/changelog.Debian.gz | gzip -dc)
[[ "${changelog%%$'\n'*}" == "sse-gateway ($version) "* ]] ||
  fail "packaging/debian/changelog has no entry for $version at the top"

echo "== lintian"
lintian --fail-on error "$deb" || fail "lintian reports errors"

echo "== apt-get install ./$(basename "$deb")"
# deb-systemd-invoke asks policy-rc.d: on a machine running systemd, the install must not
# start the service on port 8080; this test starts the binary itself.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  made_policy=1
fi
installed=1
(cd "$build" && timeout 120 apt-get install -y --no-install-recommends "./$(basename "$deb")")
[ "$(package_status)" = "ii " ] || fail "not installed after apt-get install: '$(package_status)'"

echo "== installed files"
listed=$(dpkg -L sse-gateway)
for path in /usr/bin/sse-gateway /lib/systemd/system/sse-gateway.service \
  /etc/sse-gateway/gateway.yaml /etc/sse-gateway/environment \
  /usr/share/doc/sse-gateway/README.md /usr/share/doc/sse-gateway/packaging.md \
  /usr/share/doc/sse-gateway/copyright /usr/share/doc/sse-gateway/changelog.Debian.gz \
  /usr/share/man/man1/sse-gateway.1.gz; do
  grep -qx "$path" <<<"$listed" || fail "dpkg -L sse-gateway does not list $path"
  [ -e "$path" ] || fail "$path listed but missing"
done
conffiles=$(dpkg-query -W -f='${Conffiles}\n' sse-gateway)
echo "conffiles:$conffiles"
for path in /etc/sse-gateway/gateway.yaml /etc/sse-gateway/environment; do
  grep -q "^ $path " <<<"$conffiles" || fail "$path is not a conffile"
done
[ "$(stat -c '%a %U:%G' /etc/sse-gateway/environment)" = "640 root:root" ] ||
  fail "environment is $(stat -c '%a %U:%G' /etc/sse-gateway/environment), expected 640 root:root"
grep -qx 'ExecStart=/usr/bin/sse-gateway --config /etc/sse-gateway/gateway.yaml' \
  /lib/systemd/system/sse-gateway.service || fail "the installed unit does not run /usr/bin/sse-gateway"
# postinst enabled the unit (deb-systemd-helper works without a running systemd).
[ -L /etc/systemd/system/multi-user.target.wants/sse-gateway.service ] ||
  fail "postinst did not enable sse-gateway.service"

echo "== /usr/bin/sse-gateway --check-config"
/usr/bin/sse-gateway --check-config --config /etc/sse-gateway/gateway.yaml || fail "--check-config exited $?"

echo "== the installed binary serves a subscriber"
cp /etc/sse-gateway/gateway.yaml "$work/gateway.yaml"
# state_dir: ./state (the default config's disk history) lands in the working directory.
(cd "$work" && exec /usr/bin/sse-gateway --config gateway.yaml --listen 127.0.0.1:0 2>"$work/gateway.log") &
gateway_pid=$!
wait_for "$work/gateway.log" 'listening on 127\.0\.0\.1:[0-9]+' 20
port=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$work/gateway.log" | head -1 | sed 's/.*://')
curl -sN --max-time 30 "http://127.0.0.1:$port/events" >"$work/stream" &
subscriber_pid=$!
wait_for "$work/stream" '^retry:' 10
answer=$(curl -sf --max-time 10 -X POST "http://127.0.0.1:$port/events?event=greeting" -d 'hello from the package')
id=$(sed -n 's/.*"id":"\([0-9]*\)".*/\1/p' <<<"$answer")
[ -n "$id" ] || fail "publish answered '$answer'"
wait_for "$work/stream" '^data: hello from the package$' 10
grep -qx "id: $id" "$work/stream" || fail "the event's id $id is not on the stream"
grep -qx "event: greeting" "$work/stream" || fail "the event's type is not on the stream"
kill "$subscriber_pid" && wait "$subscriber_pid" 2>/dev/null || true
subscriber_pid=""
kill -TERM "$gateway_pid"
deadline=$((SECONDS + 15))
while kill -0 "$gateway_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
kill -0 "$gateway_pid" 2>/dev/null && fail "the gateway did not exit within 15 s of SIGTERM"
rc=0
wait "$gateway_pid" || rc=$?
gateway_pid=""
[ "$rc" = 0 ] || fail "the gateway exited $rc on SIGTERM"
echo "event $id delivered; gateway stopped"

echo "== apt-get purge sse-gateway"
# What the service would have made under systemd (StateDirectory= with DynamicUser=): purge
# must take it away too.
[ -d /var/lib/private ] || { mkdir -m 0700 /var/lib/private && made_private=1; }
made_state=1
mkdir -p /var/lib/private/sse-gateway/state
ln -sfn private/sse-gateway /var/lib/sse-gateway
timeout 120 apt-get purge -y sse-gateway
installed=0
status=$(package_status)
[ -z "$status" ] || [ "$status" = "un " ] || [ "$status" = "pn " ] || fail "dpkg still has sse-gateway as '$status'"
for path in /usr/bin/sse-gateway /etc/sse-gateway /lib/systemd/system/sse-gateway.service \
  /var/lib/sse-gateway /var/lib/private/sse-gateway /usr/share/doc/sse-gateway \
  /usr/share/man/man1/sse-gateway.1.gz /etc/systemd/system/multi-user.target.wants/sse-gateway.service \
  /var/lib/systemd/deb-systemd-helper-enabled/sse-gateway.service.dsh-also \
  /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/sse-gateway.service; do
  if [ -e "$path" ] || [ -L "$path" ]; then fail "$path is left after purge"; fi
done
echo "PASS: built, lintian-clean, installed, served, purged"
