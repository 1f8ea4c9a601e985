#include "bridges/mqtt/mqtt_connection_config.h"

#include <unistd.h>

#include <charconv>
#include <random>

namespace ssegw::mqtt {
namespace {

void check_broker(const ConfigNode& node, const std::string& url) {
  const size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "tcp" && scheme != "ssl") {
    node.fail("broker must be tcp://HOST:PORT or ssl://HOST:PORT, got '" + url + "'");
  }
  std::string rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("/?#@ ") != std::string::npos) {
    node.fail("broker must be SCHEME://HOST:PORT with nothing after the port, got '" + url + "'");
  }
  std::string host = rest;
  std::string port;
  if (!rest.empty() && rest[0] == '[') {  // [IPv6]:port
    const size_t close = rest.find(']');
    if (close == std::string::npos) node.fail("broker has an unclosed '[' in '" + url + "'");
    host = rest.substr(0, close + 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') node.fail("broker has junk after ']' in '" + url + "'");
      port = rest.substr(close + 2);
    }
  } else if (const size_t colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) node.fail("broker has an empty port in '" + url + "'");
  }
  if (host.empty() || host == "[]") node.fail("broker has no host in '" + url + "'");
  if (!port.empty()) {
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      node.fail("broker port must be 1..65535, got '" + port + "'");
    }
  }
}

std::string readable_file(const ConfigNode& node) {
  std::string path = node.str();
  if (path.empty()) node.fail("must name a file");
  if (access(path.c_str(), R_OK) != 0) node.fail("cannot read file '" + path + "'");
  return path;
}

MqttTlsFiles parse_tls(const ConfigNode& node) {
  node.expect_map();
  node.only_keys({"ca_file", "cert_file", "key_file"});
  MqttTlsFiles files;
  if (auto ca = node.get("ca_file")) files.ca_file = readable_file(*ca);
  if (auto cert = node.get("cert_file")) files.cert_file = readable_file(*cert);
  if (auto key = node.get("key_file")) files.key_file = readable_file(*key);
  if (files.cert_file.empty() != files.key_file.empty()) {
    node.fail("cert_file and key_file go together");
  }
  return files;
}

std::string random_suffix() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) out += kHex[rd() % 16];
  return out;
}

}  // namespace

MqttConnectionConfig parse_connection(const ConfigNode& node,
                                      const std::string& default_client_id) {
  MqttConnectionConfig c;
  c.broker = node["broker"].str();
  check_broker(node["broker"], c.broker);
  c.clean_session = node.bool_or("clean_session", true);
  if (auto id = node.get("client_id")) {
    c.client_id = id->str();
    if (c.client_id.empty()) id->fail("must not be empty");
    if (c.client_id.size() > 65535) id->fail("is longer than MQTT allows (65535 bytes)");
  } else if (!c.clean_session) {
    node.fail(
        "client_id is required with clean_session: false (the broker keeps the session by it)");
  } else {
    // Two gateways with the same id would take the session from each other in turns.
    c.client_id = default_client_id + "-" + random_suffix();
  }
  if (auto user = node.get("username")) c.username = user->str();
  if (auto password = node.get("password")) {
    if (!c.username) password->fail("password needs a username");
    c.password = password->str();
  }
  const bool ssl = c.broker.rfind("ssl://", 0) == 0;
  if (auto tls = node.get("tls")) {
    if (!ssl) tls->fail("tls needs an ssl:// broker");
    c.tls = parse_tls(*tls);
  } else if (ssl) {
    c.tls = MqttTlsFiles{};
  }
  c.keepalive_ms = node.duration_or("keepalive", 30000);
  if (c.keepalive_ms < 1000 || c.keepalive_ms > 65535000) {
    node["keepalive"].fail("must be between 1s and 65535s");
  }
  c.connect_timeout_ms = node.duration_or("connect_timeout", 10000);
  if (c.connect_timeout_ms < 100) node["connect_timeout"].fail("must be at least 100ms");
  c.backoff_initial_ms = node.duration_or("backoff_initial", 500);
  if (c.backoff_initial_ms < 10) node["backoff_initial"].fail("must be at least 10ms");
  c.backoff_max_ms = node.duration_or("backoff_max", 30000);
  if (c.backoff_max_ms < c.backoff_initial_ms) {
    node["backoff_max"].fail("must not be below backoff_initial");
  }
  return c;
}

}  // namespace ssegw::mqtt
