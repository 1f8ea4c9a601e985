// Any text as a config file: the loader answers a config or a ConfigError, never a crash,
// a hang or another exception. Every bridge type of the build is known, so their parsers
// are fuzzed too; variables resolve to fixed values and listen hosts never reach DNS.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "bridges/catalog.h"
#include "gateway/config.h"

namespace {

std::optional<std::string> fixed_env(const std::string& name) {
  static const std::map<std::string, std::string> kVars = {
      {"TOKEN", "s3cret"}, {"HOST", "127.0.0.1"}, {"PORT", "8080"}, {"EMPTY", ""}};
  auto it = kVars.find(name);
  if (it == kVars.end()) return std::nullopt;
  return it->second;
}

// A name would be a DNS query per input; only numeric hosts are resolved for real.
std::optional<ssegw::SocketAddress> numeric_only(const ssegw::ListenAddress& address,
                                                 std::string& error) {
  in6_addr scratch{};
  if (inet_pton(AF_INET, address.host.c_str(), &scratch) != 1 &&
      inet_pton(AF_INET6, address.host.c_str(), &scratch) != 1) {
    error = "names are not resolved while fuzzing";
    return std::nullopt;
  }
  return ssegw::resolve_listen_address(address, error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ssegw::BridgeCatalog catalog = ssegw::make_bridge_catalog();
  static const ssegw::EnvLookup env = fixed_env;
  static const ssegw::ListenResolver resolve = numeric_only;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    ssegw::GatewayConfig config = ssegw::load_config_text(text, "fuzz.yaml", catalog, env, resolve);
    (void)config;
  } catch (const ssegw::ConfigError&) {
    // The expected answer to a bad file.
  }
  return 0;
}
