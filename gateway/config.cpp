#include "config.h"

#include <netdb.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "channel_template.h"
#include "tls_context.h"

namespace ssegw {
namespace {

constexpr const char* kReservedPaths[] = {"/healthz", "/readyz", "/metrics"};

// "file:line:col" of a node, kept with each certificate so a later reload can name it.
std::string position_of(const ConfigNode& node) {
  const YAML::Mark mark = node.yaml().Mark();
  return node.file() + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

TlsCertificate parse_certificate(const ConfigNode& node) {
  TlsCertificate certificate{node["cert_file"].str(), node["key_file"].str(), position_of(node)};
  if (certificate.cert_file.empty()) node["cert_file"].fail("must not be empty");
  if (certificate.key_file.empty()) node["key_file"].fail("must not be empty");
  return certificate;
}

// The nodes holding cert_file and key_file: the tls map itself, or each certificates item.
std::vector<ConfigNode> certificate_entries(const ConfigNode& tls) {
  const bool single = tls.has("cert_file") || tls.has("key_file");
  auto list = tls.get("certificates");
  if (!list) {
    if (!single) tls.fail("needs cert_file and key_file, or a certificates list");
    return {tls};
  }
  if (single) list->fail("give either cert_file and key_file or certificates, not both");
  std::vector<ConfigNode> items = list->items();
  if (items.empty()) list->fail("needs at least one certificate");
  for (const ConfigNode& item : items) item.only_keys({"cert_file", "key_file"});
  return items;
}

int parse_min_version(const ConfigNode& tls) {
  auto node = tls.get("min_version");
  if (!node) return TLS1_2_VERSION;
  const std::string version = node->str();
  if (version == "1.2") return TLS1_2_VERSION;
  if (version == "1.3") return TLS1_3_VERSION;
  node->fail("expected \"1.2\" or \"1.3\", got \"" + version + "\"");
}

// Loading the certificates here, not only at bind, is what lets --check-config and a SIGHUP
// reload refuse a missing, mismatched or expired one while the old config keeps serving.
void check_certificates(const TlsSettings& tls, bool http2,
                        const std::vector<ConfigNode>& entries) {
  TlsLoadError error;
  if (!TlsContext::load(tls, http2, error))
    entries[error.certificate][error.key].fail(error.reason);
}

TlsSettings parse_tls(const ConfigNode& node, bool http2) {
  node.only_keys(
      {"cert_file", "key_file", "certificates", "min_version", "handshake_timeout", "ktls"});
  TlsSettings tls;
  const std::vector<ConfigNode> entries = certificate_entries(node);
  for (const ConfigNode& entry : entries) tls.certificates.push_back(parse_certificate(entry));
  tls.min_version = parse_min_version(node);
  tls.handshake_timeout_ms = node.duration_or("handshake_timeout", tls.handshake_timeout_ms);
  if (tls.handshake_timeout_ms <= 0) node["handshake_timeout"].fail("must be positive");
  tls.ktls = node.bool_or("ktls", tls.ktls);
  check_certificates(tls, http2, entries);
  return tls;
}

// A listen item is "host:port" or {address, tls, http2}.
ListenAddress parse_listen_node(const ConfigNode& node, const ListenResolver& resolve) {
  if (node.is_map()) node.only_keys({"address", "tls", "http2"});
  const ConfigNode text = node.is_map() ? node["address"] : node;
  ListenAddress address = parse_listen_address(text.str(), text.where());
  std::string error;
  if (!resolve(address, error)) text.fail("cannot resolve host '" + address.host + "': " + error);
  if (node.is_map()) {
    address.http2 = node.bool_or("http2", address.http2);
    if (auto tls = node.get("tls")) address.tls = parse_tls(*tls, address.http2);
  }
  return address;
}

uint32_t bytes_in_range(const ConfigNode& node, std::string_view key, int64_t fallback, int64_t min,
                        int64_t max) {
  const int64_t value = node.bytes_or(key, fallback);
  if (value < min || value > max) {
    node[key].fail("size " + std::to_string(value) + " out of range [" + std::to_string(min) +
                   ", " + std::to_string(max) + "]");
  }
  return static_cast<uint32_t>(value);
}

Http2Settings parse_http2(const ConfigNode& node) {
  node.only_keys({"max_concurrent_streams", "initial_window_size", "max_header_list_size"});
  Http2Settings http2;
  http2.max_concurrent_streams = static_cast<uint32_t>(
      node.int_or("max_concurrent_streams", http2.max_concurrent_streams, 1, 100'000));
  // RFC 9113 6.5.2: a window below 65,535 or above 2^31-1 is not a valid setting.
  http2.initial_window_size =
      bytes_in_range(node, "initial_window_size", http2.initial_window_size, 65'535, INT32_MAX);
  http2.max_header_list_size =
      bytes_in_range(node, "max_header_list_size", http2.max_header_list_size, 1 << 10, 1 << 20);
  return http2;
}

IpLimits parse_limits(const ConfigNode& node) {
  node.only_keys({"connections_per_ip", "connect_rate_per_ip"});
  IpLimits limits;
  limits.connections_per_ip = node.int_or("connections_per_ip", 0, 0, 10'000'000);
  limits.connect_rate_per_ip = node.int_or("connect_rate_per_ip", 0, 0, 1'000'000);
  return limits;
}

ServerConfig parse_server(const ConfigNode& node, const ListenResolver& resolve) {
  node.only_keys({"listen",
                  "workers",
                  "headers",
                  "heartbeat",
                  "max_connections",
                  "cors_origins",
                  "cors_credentials",
                  "max_body_bytes",
                  "subscriber_queue_bytes",
                  "shutdown_timeout",
                  "request_timeout",
                  "log_level",
                  "log_format",
                  "io_uring",
                  "http2",
                  "trusted_proxies",
                  "limits",
                  "subscribe_path",
                  "max_channels_per_subscription",
                  "state_dir",
                  "store_size",
                  "reset_event",
                  "status_page"});
  ServerConfig server;
  if (auto listen = node.get("listen")) {
    server.listen.clear();
    if (listen->is_sequence()) {
      for (const ConfigNode& item : listen->items())
        server.listen.push_back(parse_listen_node(item, resolve));
      if (server.listen.empty()) listen->fail("needs at least one address");
    } else {
      server.listen.push_back(parse_listen_node(*listen, resolve));
    }
  } else {
    node.note_default("listen", server.listen.front().text());
  }
  server.workers = static_cast<int>(node.int_or("workers", server.workers, 0, 256));
  if (auto headers = node.get("headers")) {
    for (const auto& [name, value] : headers->string_map()) {
      if (name.empty() || name.find_first_of(" :\r\n") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        headers->fail("header '" + name + "' has a bad name or value");
      }
      server.headers.emplace_back(name, value);
    }
  }
  server.heartbeat_ms = node.duration_or("heartbeat", server.heartbeat_ms);
  server.max_connections = node.int_or("max_connections", server.max_connections, 1, 10'000'000);
  if (auto cors = node.get("cors_origins")) server.cors_origins = cors->string_list();
  server.cors_credentials = node.bool_or("cors_credentials", false);
  server.max_body_bytes = node.bytes_or("max_body_bytes", server.max_body_bytes);
  server.subscriber_queue_bytes =
      node.bytes_or("subscriber_queue_bytes", server.subscriber_queue_bytes);
  if (server.subscriber_queue_bytes < 1024)
    node["subscriber_queue_bytes"].fail("must be at least 1KiB");
  server.shutdown_timeout_ms = node.duration_or("shutdown_timeout", server.shutdown_timeout_ms);
  server.request_timeout_ms = node.duration_or("request_timeout", server.request_timeout_ms);
  if (server.request_timeout_ms <= 0) node["request_timeout"].fail("must be positive");
  server.io_uring = node.bool_or("io_uring", server.io_uring);
  server.http2 = parse_http2(node.get_or_empty_map("http2"));
  if (auto proxies = node.get("trusted_proxies"))
    server.trusted_proxies = parse_ip_ranges(*proxies);
  server.limits = parse_limits(node.get_or_empty_map("limits"));
  server.subscribe_path = node.str_or("subscribe_path", server.subscribe_path);
  if (!server.subscribe_path.empty() &&
      (server.subscribe_path[0] != '/' ||
       server.subscribe_path.find_first_of("?#{}* \r\n") != std::string::npos)) {
    node["subscribe_path"].fail("expected a path starting with '/' (no ?, #, {, }, * or spaces)");
  }
  server.max_channels_per_subscription = static_cast<size_t>(
      node.int_or("max_channels_per_subscription",
                  static_cast<int64_t>(server.max_channels_per_subscription), 1, 1000));
  server.state_dir = node.str_or("state_dir", server.state_dir);
  if (server.state_dir.empty()) node["state_dir"].fail("must not be empty");
  server.store_size = node.bytes_or("store_size", server.store_size);
  if (server.store_size < (int64_t{1} << 20)) node["store_size"].fail("must be at least 1MiB");
  server.reset_event = node.str_or("reset_event", server.reset_event);
  if (server.reset_event.find_first_of("\r\n") != std::string::npos)
    node["reset_event"].fail("an event type is one line");
  server.log_level = node.str_or("log_level", server.log_level);
  if (server.log_level != "debug" && server.log_level != "info" && server.log_level != "warn" &&
      server.log_level != "error") {
    node["log_level"].fail("expected debug, info, warn or error");
  }
  server.log_format = node.str_or("log_format", server.log_format);
  if (server.log_format != "text" && server.log_format != "json") {
    node["log_format"].fail("expected text or json");
  }
  return server;
}

HistorySync parse_sync(const ConfigNode& node) {
  const std::string sync = node.str();
  if (sync == "always") return HistorySync::kAlways;
  if (sync == "batch") return HistorySync::kBatch;
  if (sync == "none") return HistorySync::kNone;
  node.fail("expected always, batch or none, got '" + sync + "'");
}

void parse_history(const ConfigNode& node, ChannelOptions& channel) {
  if (node.is_map()) {
    node.only_keys({"size", "max_age", "store", "sync"});
    channel.history = static_cast<size_t>(node.int_or("size", 1000, 0, 10'000'000));
    channel.history_max_age_ms = node.duration_or("max_age", 0);
    const std::string store = node.str_or("store", "memory");
    if (store != "memory" && store != "disk")
      node["store"].fail("expected memory or disk, got '" + store + "'");
    channel.history_on_disk = store == "disk";
    if (auto sync = node.get("sync")) {
      if (!channel.history_on_disk) sync->fail("only a history with store: disk takes sync");
      channel.history_sync = parse_sync(*sync);
    }
  } else {
    channel.history = static_cast<size_t>(node.integer(0, 10'000'000));
  }
}

// false | true (loopback clients) | jwt | {token, from}: a map needs one or both, and a
// client must then pass both.
void parse_publish(const ConfigNode& node, ChannelOptions& channel, const AuthSettings& auth) {
  if (node.is_map()) {
    node.only_keys({"token", "from"});
    if (!node.has("token") && !node.has("from")) node.fail("needs token, from or both");
    channel.publish = true;
    if (node.has("token")) {
      channel.publish_token = node["token"].str();
      if (channel.publish_token.empty()) node["token"].fail("must not be empty");
    }
    if (auto from = node.get("from")) {
      channel.publish_from = parse_ip_ranges(*from);
      if (channel.publish_from.empty()) from->fail("needs at least one range");
    }
    return;
  }
  if (node.is_scalar() && node.str() == "jwt") {
    if (!auth.jwt) node.fail("publish: jwt needs auth.jwt with at least one key");
    channel.publish = true;
    channel.publish_jwt = true;
    return;
  }
  channel.publish = node.boolean();
}

void parse_subscribe(const ConfigNode& node, ChannelOptions& channel, const AuthSettings& auth) {
  const std::string mode = node.str();
  if (mode == "anonymous") return;
  if (mode != "jwt") node.fail("expected anonymous or jwt, got '" + mode + "'");
  if (!auth.jwt) node.fail("subscribe: jwt needs auth.jwt with at least one key");
  channel.subscribe_jwt = true;
}

// {path, auth}: auth is what a channel's publish takes (token, from, jwt); read after the
// top-level auth: section, which jwt needs.
StatusPageSettings parse_status_page(const ConfigNode& node, const ServerConfig& server) {
  node.only_keys({"path", "auth"});
  StatusPageSettings page;
  page.path = node.str_or("path", page.path);
  if (page.path.size() < 2 || page.path[0] != '/' || page.path.back() == '/' ||
      page.path.find_first_of("?#{}* \r\n") != std::string::npos) {
    node["path"].fail(
        "expected a path starting with '/' (no trailing '/', ?, #, {, }, * or spaces)");
  }
  for (const char* reserved : kReservedPaths) {
    if (page.path == reserved)
      node["path"].fail("'" + page.path + "' is the gateway's own endpoint");
  }
  if (page.path == server.subscribe_path || page.stream_path() == server.subscribe_path)
    node["path"].fail("'" + page.path + "' collides with the server's subscribe_path");
  page.access.path = page.path;
  page.access.publish = true;
  if (auto auth = node.get("auth")) {
    parse_publish(*auth, page.access, server.auth);
    if (!page.access.publish)
      auth->fail("false would shut everyone out: remove status_page instead");
  }
  return page;
}

std::string check_path(const ConfigNode& node) {
  std::string path = node.str();
  if (path.empty() || path[0] != '/') node.fail("a channel path must start with '/'");
  for (const char* reserved : kReservedPaths) {
    if (path == reserved) node.fail("'" + path + "' is reserved for the gateway's own endpoint");
  }
  if (path.find_first_of("?# \r\n") != std::string::npos)
    node.fail("a path may not hold ?, #, spaces or line breaks");
  return path;
}

void parse_channel(const ConfigNode& node, const BridgeCatalog& catalog, GatewayConfig& config) {
  node.only_keys(
      {"path", "history", "publish", "subscribe", "retry", "backbone", "max_channels", "idle_ttl"});
  ChannelOptions channel;
  channel.path = check_path(node["path"]);
  if (channel.path == config.server.subscribe_path)
    node["path"].fail("'" + channel.path + "' is the server's subscribe_path");
  if (const auto& page = config.server.status_page;
      page && (channel.path == page->path || channel.path == page->stream_path())) {
    node["path"].fail("'" + channel.path + "' is the status page's (server.status_page.path)");
  }
  if (channel.path.find('{') != std::string::npos) {
    std::string why;
    if (!ChannelTemplate::parse(channel.path, &why)) node["path"].fail(why);
    channel.template_path = channel.path;
    channel.max_channels = static_cast<size_t>(
        node.int_or("max_channels", static_cast<int64_t>(channel.max_channels), 1, 10'000'000));
    channel.idle_ttl_ms = node.duration_or("idle_ttl", channel.idle_ttl_ms);
    if (channel.idle_ttl_ms <= 0) node["idle_ttl"].fail("must be positive");
    if (node.get("backbone")) node["backbone"].fail("a template channel cannot have a backbone");
  } else {
    for (const char* key : {"max_channels", "idle_ttl"}) {
      if (node.get(key)) node[key].fail("only a template path ({name} segments) takes this key");
    }
  }
  const AuthSettings& auth = config.server.auth;
  parse_history(node.get_or_empty_map("history"), channel);
  if (auto publish = node.get("publish")) {
    parse_publish(*publish, channel, auth);
  } else {
    node.note_default("publish", "false");
  }
  if (auto subscribe = node.get("subscribe")) {
    parse_subscribe(*subscribe, channel, auth);
  } else {
    node.note_default("subscribe", "anonymous");
  }
  channel.retry_ms = node.int_or("retry", channel.retry_ms, 0, 86'400'000);
  for (const ChannelOptions& other : config.channels) {
    if (other.path == channel.path)
      node["path"].fail("channel '" + channel.path + "' is defined twice");
  }
  if (auto backbone = node.get("backbone")) {
    if (channel.history_on_disk)
      (*node.get("history"))["store"].fail("a backbone channel's history is Kafka: no store: disk");
    backbone->expect_map();
    std::vector<std::string> kinds = backbone->keys();
    if (kinds.size() != 1) backbone->fail("expected exactly one backbone type");
    auto parser = catalog.backbones.find(kinds[0]);
    if (parser == catalog.backbones.end())
      (*backbone)[kinds[0]].fail("unknown backbone type '" + kinds[0] + "'");
    BridgeConfig bridge;
    bridge.name = "backbone:" + channel.path;
    bridge.type = kinds[0];
    bridge.canonical = YAML::Dump(backbone->yaml());
    bridge.plan = parser->second((*backbone)[kinds[0]], channel.path);
    config.backbones.push_back(std::move(bridge));
  }
  config.channels.push_back(std::move(channel));
}

BridgeConfig parse_bridge(const ConfigNode& node,
                          const std::map<std::string, BridgeParser>& parsers, const char* what) {
  node.expect_map();
  BridgeConfig bridge;
  bridge.name = node["name"].str();
  if (bridge.name.empty()) node["name"].fail("must not be empty");
  bridge.type = node["type"].str();
  auto parser = parsers.find(bridge.type);
  if (parser == parsers.end()) {
    std::string known;
    for (const auto& [type, p] : parsers) known += (known.empty() ? "" : ", ") + type;
    node["type"].fail(std::string("unknown ") + what + " type '" + bridge.type +
                      "' (known: " + (known.empty() ? "none in this build" : known) + ")");
  }
  bridge.canonical = YAML::Dump(node.yaml());
  bridge.plan = parser->second(node);
  return bridge;
}

void check_bridge_paths(const ConfigNode& list, const std::vector<BridgeConfig>& bridges,
                        const GatewayConfig& config) {
  std::set<std::string> paths;
  for (const ChannelOptions& c : config.channels) paths.insert(c.path);
  std::set<std::string> names;
  const std::vector<ConfigNode> items = list.items();
  for (size_t i = 0; i < bridges.size(); ++i) {
    if (!names.insert(bridges[i].name).second)
      items[i]["name"].fail("name '" + bridges[i].name + "' is used twice");
    for (const std::string& path : bridges[i].plan->channel_paths()) {
      if (path.find('{') != std::string::npos) continue;  // a template: channels made on demand
      if (!paths.count(path)) {
        items[i].fail("channel '" + path + "' is not configured under channels");
      }
    }
  }
}

GatewayConfig parse_root(const YAML::Node& root, const std::string& file,
                         const BridgeCatalog& catalog, const EnvLookup& env,
                         const ListenResolver& resolve, ConfigRecord* record) {
  ConfigNode top(root, file, "", &env, record);
  GatewayConfig config;
  config.file = file;
  if (top.is_null()) return config;
  top.only_keys({"server", "auth", "channels", "sources", "sinks"});
  // Parsed when absent too, so that --print-config shows the server's defaults.
  config.server = parse_server(top.get_or_empty_map("server"), resolve);
  if (auto auth = top.get("auth")) config.server.auth = parse_auth(*auth);
  if (auto server = top.get("server")) {
    if (auto page = server->get("status_page"))
      config.server.status_page = parse_status_page(*page, config.server);
  }
  if (auto channels = top.get("channels")) {
    for (const ConfigNode& item : channels->items()) parse_channel(item, catalog, config);
  }
  if (auto sources = top.get("sources")) {
    for (const ConfigNode& item : sources->items())
      config.sources.push_back(parse_bridge(item, catalog.sources, "source"));
    check_bridge_paths(*sources, config.sources, config);
  }
  if (auto sinks = top.get("sinks")) {
    for (const ConfigNode& item : sinks->items())
      config.sinks.push_back(parse_bridge(item, catalog.sinks, "sink"));
    check_bridge_paths(*sinks, config.sinks, config);
  }
  return config;
}

}  // namespace

std::string ListenAddress::text() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

ListenAddress parse_listen_address(const std::string& text, const std::string& where) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    throw ConfigError(where + ": expected HOST:PORT, got \"" + text + "\"");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  const std::string port_text = text.substr(colon + 1);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(port_text, &used);
    if (used != port_text.size()) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) throw ConfigError(where + ": bad port in \"" + text + "\"");
  return ListenAddress{host, static_cast<uint16_t>(port)};
}

std::optional<SocketAddress> resolve_listen_address(const ListenAddress& address,
                                                    std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int rc =
      getaddrinfo(address.host.c_str(), std::to_string(address.port).c_str(), &hints, &found);
  if (rc != 0) {
    error = gai_strerror(rc);
    return std::nullopt;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
  if (!found || found->ai_addrlen > sizeof(sockaddr_storage)) {
    error = "no usable address";
    return std::nullopt;
  }
  SocketAddress out;
  std::memcpy(&out.storage, found->ai_addr, found->ai_addrlen);
  out.length = found->ai_addrlen;
  return out;
}

GatewayConfig load_config_text(const std::string& text, const std::string& file_name,
                               const BridgeCatalog& catalog, const EnvLookup& env,
                               const ListenResolver& resolve, ConfigRecord* record) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(file_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
  try {
    check_unique_keys(root, file_name);
    return parse_root(root, file_name, catalog, env, resolve, record);
  } catch (const YAML::Exception& e) {
    throw ConfigError(file_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

GatewayConfig load_config_file(const std::string& path, const BridgeCatalog& catalog,
                               const EnvLookup& env, const ListenResolver& resolve,
                               ConfigRecord* record) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open config file");
  std::ostringstream text;
  text << in.rdbuf();
  return load_config_text(text.str(), path, catalog, env, resolve, record);
}

bool uses_disk_history(const GatewayConfig& config) {
  return std::any_of(config.channels.begin(), config.channels.end(),
                     [](const ChannelOptions& c) { return c.history_on_disk; });
}

}  // namespace ssegw
