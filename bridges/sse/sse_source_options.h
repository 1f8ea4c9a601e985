#pragma once
// The `type: sse` source's configuration, read and checked from its YAML map.
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bridges/sse/header_list.h"
#include "bridges/sse/http_url.h"
#include "bridges/sse/tls_client_context.h"
#include "gateway/bridge.h"
#include "gateway/config_node.h"

namespace ssegw::sse {

enum class DataFormat { kRaw, kJson };
enum class BadDataAction { kDrop, kFail };
// Whose ids events are published with: the channel's own, or the upstream's where they pass
// UpstreamIdCheck (upstream_id_check.h), so a Last-Event-ID means one thing on both sides.
enum class IdSource { kGateway, kUpstream };

struct SseSourceOptions {
  std::string name;
  HttpUrl endpoint;
  HeaderList headers;
  std::set<std::string> events;  // empty: every type passes
  DataFormat format = DataFormat::kRaw;
  BadDataAction bad_data = BadDataAction::kDrop;
  IdSource ids = IdSource::kGateway;
  std::string last_event_id;  // Last-Event-ID of the first request; empty: none
  std::vector<std::string> to;
  std::string ca_file;  // empty: system CAs
  int64_t idle_timeout_ms = 60000;
  int64_t max_event_size = int64_t{1} << 20;
  // Built at config load so a bad CA file is a config error; shared by every connection.
  std::shared_ptr<const TlsClientContext> tls;
};

// Reads the source's map (name and type included); throws ConfigError naming file, line,
// column and key on anything unknown or invalid.
SseSourceOptions parse_sse_source_options(const ConfigNode& node);

// The BridgePlan for catalog.sources["sse"].
std::shared_ptr<const BridgePlan> parse_sse_source(const ConfigNode& node);

}  // namespace ssegw::sse
