#pragma once
// The gateway's whole configuration, loaded and checked in one go from YAML.
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth_config.h"
#include "bridge.h"
#include "channel.h"
#include "config_node.h"
#include "ip_limiter.h"

namespace ssegw {

// One certificate and its key; `where` is "file:line:col" of the entry, for errors found
// after load (a SIGHUP reload of the files).
struct TlsCertificate {
  std::string cert_file;
  std::string key_file;
  std::string where;
};

struct TlsSettings {
  std::vector<TlsCertificate> certificates;  // chosen by SNI; the first is the default
  int min_version = 0x0303;                  // TLS1_2_VERSION or TLS1_3_VERSION
  int64_t handshake_timeout_ms = 10000;
  bool ktls = false;  // SSL_OP_ENABLE_KTLS where the kernel and OpenSSL allow it
};

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
  std::optional<TlsSettings> tls;
  bool http2 = false;        // TLS: ALPN h2 and http/1.1; plain: h2c with prior knowledge
  std::string text() const;  // "host:port", IPv6 in brackets
};

struct Http2Settings {
  uint32_t max_concurrent_streams = 256;
  uint32_t initial_window_size = 1 << 20;  // what a peer may send us per stream
  uint32_t max_header_list_size = 64 * 1024;
};
// "127.0.0.1:8080", "[::1]:8080", ":8080" (all interfaces); throws ConfigError with `where`.
ListenAddress parse_listen_address(const std::string& text, const std::string& where);

// A listen address as bind() takes it.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
};
// Resolves the host with getaddrinfo (a numeric address or a name; the first answer wins),
// so a name fails at load time rather than at bind. On failure `error` says why.
std::optional<SocketAddress> resolve_listen_address(const ListenAddress& address,
                                                    std::string& error);
// Injectable so tests and the fuzzer need no DNS.
using ListenResolver =
    std::function<std::optional<SocketAddress>(const ListenAddress&, std::string&)>;

// server.status_page (status_feed.h, docs/operations.md): absent, the page is off.
struct StatusPageSettings {
  std::string path = "/status";
  // Who may see the page and its stream: a publish rule (access_control.h), so loopback
  // clients only unless `auth` says otherwise.
  ChannelOptions access;
  std::string stream_path() const { return path + "/stream"; }
  bool operator==(const StatusPageSettings&) const = default;
};

struct ServerConfig {
  std::vector<ListenAddress> listen{{"127.0.0.1", 8080}};
  int workers = 2;  // 0: one per core
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t heartbeat_ms = 15000;
  int64_t max_connections = 100000;
  std::vector<std::string> cors_origins;  // "*" allowed
  bool cors_credentials = false;          // Access-Control-Allow-Credentials for cookie auth
  int64_t max_body_bytes = 1 << 20;
  int64_t subscriber_queue_bytes = 1 << 20;
  int64_t shutdown_timeout_ms = 5000;
  int64_t request_timeout_ms =
      30000;  // a request head+body, or a keep-alive idle, must not take longer
  std::string log_level = "info";
  std::string log_format = "text";  // text | json (log.h); applies from the start only
  bool io_uring = true;             // batch each flush slice's sends in one io_uring submission
  Http2Settings http2;
  // Who the client is behind a proxy (ip_address.h), what it may open, who may subscribe and
  // publish. `auth` is read from the top-level auth: section; it rides here so that a
  // SIGHUP reaches the workers with everything else they serve by.
  std::vector<IpRange> trusted_proxies;
  IpLimits limits;
  AuthSettings auth;
  // One stream for several channels: GET subscribe_path?channel=A&channel=B ("" turns it off).
  std::string subscribe_path = "/subscribe";
  size_t max_channels_per_subscription = 100;
  // Durable history (history.store: disk) lives in <state_dir>/history, bounded by
  // store_size; a resume that cannot be exact starts with a `reset_event` ("" : none).
  std::string state_dir = "./state";
  int64_t store_size = int64_t{1} << 30;
  std::string reset_event = "reset";
  std::optional<StatusPageSettings> status_page;
};

struct GatewayConfig {
  std::string file;
  ServerConfig server;
  std::vector<ChannelOptions> channels;
  std::vector<BridgeConfig> sources;
  std::vector<BridgeConfig> sinks;
  std::vector<BridgeConfig> backbones;  // one per channel with `backbone:`
};

// Whether any channel keeps its history on disk (so the store must be opened).
bool uses_disk_history(const GatewayConfig& config);

// Throws ConfigError ("file:line:col: key 'x.y': problem") on anything it does not fully
// understand: unknown keys, duplicate keys, wrong types, bad values, missing environment
// variables, listen hosts that do not resolve.
// With a `record`, what was read and every default used is noted in it (--print-config).
GatewayConfig load_config_file(const std::string& path, const BridgeCatalog& catalog,
                               const EnvLookup& env,
                               const ListenResolver& resolve = resolve_listen_address,
                               ConfigRecord* record = nullptr);
GatewayConfig load_config_text(const std::string& text, const std::string& file_name,
                               const BridgeCatalog& catalog, const EnvLookup& env,
                               const ListenResolver& resolve = resolve_listen_address,
                               ConfigRecord* record = nullptr);

}  // namespace ssegw
