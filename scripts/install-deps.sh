#!/usr/bin/env bash
# Installs what building, running and testing sse-gateway needs on Debian 12, as root.
# Idempotent: packages already present are left as they are.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates openssl
  libevent-dev libssl-dev libyaml-cpp-dev librdkafka-dev libpaho-mqttpp-dev libpaho-mqtt-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  mosquitto mosquitto-clients kcat chromium iproute2 procps
  clang libclang-rt-14-dev  # the fuzz build (scripts/fuzz.sh): libFuzzer and its sanitizers
  liburing-dev  # the workers' batched sends (server.io_uring) and sse_floor's io_uring mode; optional at build time
  libnghttp2-dev  # HTTP/2 sessions (h2 over TLS, h2c)
  python3-h2 nghttp2-client  # HTTP/2 test clients: Python h2 (Debian's python3) and nghttp
  liblmdb-dev  # durable channel history (history.store: disk): embedded, crash-safe, ordered keys
  libsimdjson-dev  # JWT claims and JWK Sets: 15x nlohmann-json in bench/micro/json_choice_bench
  python3-jwt python3-cryptography  # the auth tests mint tokens with PyJWT, an independent library
  prometheus  # promtool checks and unit-tests the alert rules (deploy/prometheus, ctest -L deploy)
  dpkg-dev lintian  # the Debian package (cmake/package.cmake): dpkg-shlibdeps finds its Depends, lintian checks it (tests/package)
)
# A machine may already carry its own Node.js, Java or Maven; only add Debian's when absent.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
command -v java >/dev/null || packages+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || packages+=(maven)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's mosquitto package starts a system broker on port 1883; the tests start their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet mosquitto 2>/dev/null; then
  systemctl stop mosquitto || true
fi
# Debian's prometheus package starts a Prometheus server (port 9090, its own TSDB) and enables
# it at boot; the tests need only promtool.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
  systemctl disable --quiet prometheus || true
fi
