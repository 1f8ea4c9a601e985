// sse-gateway: command line, process limits and the gateway's lifetime. The composition
// root: the only place that sees both the core (gateway/) and the bridges it is given.
#include <event2/thread.h>
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "bridges/catalog.h"
#include "gateway/build_info.h"
#include "gateway/clock.h"
#include "gateway/config.h"
#include "gateway/gateway.h"
#include "gateway/history_store.h"
#include "gateway/log.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/sse-gateway/gateway.yaml";

struct Options {
  std::string config = kDefaultConfig;
  std::optional<std::string> listen;
  bool check_only = false;
  bool print_config = false;
};

void print_help() {
  std::cout << "Usage: sse-gateway [options]\n"
               "  --config FILE      YAML config (default "
            << kDefaultConfig
            << ")\n"
               "  --listen HOST:PORT listen here instead of server.listen (port 0: any free port;\n"
               "                     the bound address is logged as 'listening on HOST:PORT')\n"
               "  --check-config     validate the config, print what is wrong, exit 0 or 1\n"
               "  --print-config     print the effective config (defaults filled in, secrets\n"
               "                     as ***) as YAML, exit 0; or what is wrong, exit 1\n"
               "  --version          print the version and the git commit built from\n"
               "  --help             this text\n"
               "Signals: SIGHUP reloads the config, SIGTERM/SIGINT drain and exit 0.\n";
}

// Returns an exit code when the command line asks for no gateway run.
std::optional<int> parse_args(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      std::string prefix = std::string(name) + "=";
      if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
      if (arg == name && i + 1 < argc) return std::string(argv[++i]);
      return std::nullopt;
    };
    if (arg == "--help" || arg == "-h") {
      print_help();
      return 0;
    } else if (arg == "--version") {
      std::cout << "sse-gateway " << ssegw::build_version() << " (commit " << ssegw::build_commit()
                << ")\n";
      return 0;
    } else if (arg == "--check-config") {
      options.check_only = true;
    } else if (arg == "--print-config") {
      options.print_config = true;
    } else if (auto v = value("--config")) {
      options.config = *v;
    } else if (auto l = value("--listen")) {
      options.listen = *l;
    } else {
      std::cerr << "sse-gateway: unknown or incomplete option '" << arg << "' (see --help)\n";
      return 2;
    }
  }
  return std::nullopt;
}

// Subscribers are sockets: take every file descriptor the hard limit allows.
void raise_file_limit(int64_t max_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  // Room for listeners, broker clients, logs and the like.
  const int64_t usable = static_cast<int64_t>(limit.rlim_cur) - 64;
  if (max_connections > usable) {
    ssegw::log_warn("max_connections is above what the open-file limit allows",
                    {{"max_connections", std::to_string(max_connections)},
                     {"nofile_limit", std::to_string(limit.rlim_cur)},
                     {"usable", std::to_string(usable)}});
  }
}

ssegw::LogLevel parse_level(const std::string& level) {
  if (level == "debug") return ssegw::LogLevel::kDebug;
  if (level == "warn") return ssegw::LogLevel::kWarn;
  if (level == "error") return ssegw::LogLevel::kError;
  return ssegw::LogLevel::kInfo;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (auto code = parse_args(argc, argv, options)) return *code;
  signal(SIGPIPE, SIG_IGN);
  ssegw::BridgeCatalog catalog = ssegw::make_bridge_catalog();
  ssegw::EnvLookup env = ssegw::process_env();
  ssegw::GatewayConfig config;
  ssegw::GatewayOptions gateway_options;
  gateway_options.config_path = options.config;
  ssegw::ConfigRecord record;
  try {
    config = ssegw::load_config_file(options.config, catalog, env, ssegw::resolve_listen_address,
                                     options.print_config ? &record : nullptr);
    if (options.listen)
      gateway_options.listen_override = ssegw::parse_listen_address(*options.listen, "--listen");
  } catch (const ssegw::ConfigError& e) {
    std::cerr << "sse-gateway: config error: " << e.what() << "\n";
    return 1;
  }
  if (options.check_only || options.print_config) {
    if (ssegw::uses_disk_history(config)) {
      try {
        // Read-only, beside a gateway that may be running on it.
        ssegw::HistoryStore::open(config.server.state_dir,
                                  ssegw::history_map_bytes(config.server.store_size), true);
      } catch (const ssegw::StoreError& e) {
        std::cerr << "sse-gateway: " << e.what() << "\n";
        return 1;
      }
    }
    if (options.print_config) {
      std::cout << record.yaml();
      return 0;
    }
    std::cout << options.config << ": ok (" << config.channels.size() << " channels, "
              << config.sources.size() << " sources, " << config.sinks.size() << " sinks)\n";
    return 0;
  }
  ssegw::set_log_threshold(parse_level(config.server.log_level));
  ssegw::set_log_format(config.server.log_format == "json" ? ssegw::LogFormat::kJson
                                                           : ssegw::LogFormat::kText);
  raise_file_limit(config.server.max_connections);
  evthread_use_pthreads();
  gateway_options.id_base = static_cast<uint64_t>(ssegw::wall_ms()) * 1000000ULL;
  try {
    ssegw::Gateway gateway(std::move(config), std::move(catalog), env, gateway_options);
    return gateway.run();
  } catch (const ssegw::ConfigError& e) {
    // Logged, not printed: with log_format: json every line after this point is JSON.
    ssegw::log_error("startup error", {{"error", e.what()}});
    return 1;
  }
}
