#pragma once
// The broker connection keys a source and a sink share, read from their YAML map.
#include <cstdint>
#include <optional>
#include <string>

#include "gateway/config_node.h"

namespace ssegw::mqtt {

struct MqttTlsFiles {
  std::string ca_file;    // empty: the system's CAs
  std::string cert_file;  // client certificate, optional
  std::string key_file;
};

struct MqttConnectionConfig {
  std::string broker;  // tcp://host:port or ssl://host:port
  std::string client_id;
  bool clean_session = true;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<MqttTlsFiles> tls;
  int64_t keepalive_ms = 30000;
  int64_t connect_timeout_ms = 10000;
  int64_t backoff_initial_ms = 500;
  int64_t backoff_max_ms = 30000;
};

// Reads and checks the connection keys of `node` (broker, client_id, clean_session,
// username, password, tls, keepalive, connect_timeout, backoff_initial, backoff_max);
// `default_client_id` is used when client_id is absent. Throws ConfigError at the offending key.
MqttConnectionConfig parse_connection(const ConfigNode& node, const std::string& default_client_id);

}  // namespace ssegw::mqtt
