#include "status_snapshot.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "json_text.h"

namespace ssegw {
namespace {

// Protocol names in Metrics::Protocol order.
constexpr const char* kProtocolNames[Metrics::kProtocols] = {"http1", "http1_tls", "h2", "h2c"};

// A counter that went down belongs to a channel made again under the same path: its whole
// count is new since the baseline.
uint64_t since(uint64_t now, uint64_t before) {
  return now >= before ? now - before : now;
}

std::string rfc3339(int64_t wall_ms) {
  const std::time_t seconds = static_cast<std::time_t>(wall_ms / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

// Two decimals are enough for a rate and keep the frame short.
void append_rate(std::string& out, uint64_t count, double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", seconds > 0 ? static_cast<double>(count) / seconds : 0);
  out.append(text);
}

void append_key(std::string& out, std::string_view key) {
  out.push_back(',');
  append_json_string(out, key);
  out.push_back(':');
}

void append_number(std::string& out, std::string_view key, int64_t value) {
  append_key(out, key);
  out.append(std::to_string(value));
}

struct RankedChannel {
  const ChannelSample* sample;
  uint64_t published;
  uint64_t delivered;
  uint64_t activity() const { return published + delivered; }
};

// The top_n of the channels whose path holds `filter`; *matched says how many held it.
std::vector<RankedChannel> rank_channels(const ChannelBaseline& baseline,
                                         const StatusSample& current, std::string_view filter,
                                         size_t top_n, size_t* matched) {
  std::vector<RankedChannel> ranked;
  for (const ChannelSample& c : current.channels) {
    if (!filter.empty() && c.path.find(filter) == std::string::npos) continue;
    auto before = baseline.find(c.path);
    const ChannelSample zero;
    const ChannelSample& b = before == baseline.end() ? zero : before->second;
    ranked.push_back({&c, since(c.published, b.published), since(c.delivered, b.delivered)});
  }
  auto busier = [](const RankedChannel& a, const RankedChannel& b) {
    if (a.activity() != b.activity()) return a.activity() > b.activity();
    if (a.sample->subscribers != b.sample->subscribers)
      return a.sample->subscribers > b.sample->subscribers;
    return a.sample->path < b.sample->path;
  };
  *matched = ranked.size();
  const size_t keep = std::min(top_n, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep),
                    ranked.end(), busier);
  ranked.resize(keep);
  return ranked;
}

void append_gateway(std::string& out, const GatewayIdentity& identity,
                    const StatusSample& current) {
  out.append("\"gateway\":{\"version\":");
  append_json_string(out, identity.version);
  append_key(out, "commit");
  append_json_string(out, identity.commit);
  append_number(out, "uptime_seconds",
                std::max<int64_t>(0, (current.wall_ms - identity.started_at_ms) / 1000));
  append_key(out, "config_file");
  append_json_string(out, identity.config_file);
  append_number(out, "workers", identity.workers);
  append_key(out, "started_at");
  append_json_string(out, rfc3339(identity.started_at_ms));
  out.push_back('}');
}

void append_connections(std::string& out, const StatusSample& current) {
  out.append(",\"connections\":{");
  for (int i = 0; i < Metrics::kProtocols; ++i) {
    if (i > 0) out.push_back(',');
    append_json_string(out, kProtocolNames[i]);
    out.push_back(':');
    out.append(std::to_string(std::max<int64_t>(0, current.connections_by_protocol[i])));
  }
  out.push_back('}');
}

void append_totals(std::string& out, const StatusSample& previous, const StatusSample& current,
                   double seconds) {
  int64_t subscribers = 0;
  for (const ChannelSample& c : current.channels) subscribers += c.subscribers;
  out.append(",\"totals\":{\"connections_open\":");
  out.append(std::to_string(std::max<int64_t>(0, current.connections_open)));
  append_number(out, "streams_open", std::max<int64_t>(0, current.streams_open));
  append_number(out, "subscribers", subscribers);
  append_key(out, "publishes_per_s");
  append_rate(out, since(current.publishes, previous.publishes), seconds);
  append_key(out, "deliveries_per_s");
  append_rate(out, since(current.delivered, previous.delivered), seconds);
  append_number(out, "slow_drops", static_cast<int64_t>(current.slow_drops));
  out.push_back('}');
}

void append_channel(std::string& out, const RankedChannel& c, double seconds) {
  out.append("{\"path\":");
  append_json_string(out, c.sample->path);
  append_number(out, "subscribers", c.sample->subscribers);
  append_key(out, "publishes_per_s");
  append_rate(out, c.published, seconds);
  append_key(out, "deliveries_per_s");
  append_rate(out, c.delivered, seconds);
  append_number(out, "history_events", static_cast<int64_t>(c.sample->history));
  append_number(out, "slow_drops", static_cast<int64_t>(c.sample->slow_drops));
  out.push_back('}');
}

// The gauge a bridge reports under one of `keys`, as a JSON number or null.
void append_gauge(std::string& out, std::string_view name, const BridgeStatus& status,
                  std::initializer_list<const char*> keys) {
  append_key(out, name);
  for (const char* key : keys) {
    auto it = status.gauges.find(key);
    if (it == status.gauges.end()) continue;
    char text[32];
    std::snprintf(text, sizeof text, "%.0f", it->second);
    out.append(text);
    return;
  }
  out.append("null");
}

void append_bridge(std::string& out, const NamedStatus& b) {
  out.append("{\"kind\":");
  append_json_string(out, b.kind);
  append_key(out, "name");
  append_json_string(out, b.name);
  append_key(out, "type");
  append_json_string(out, b.type);
  append_key(out, "state");
  append_json_string(out, to_string(b.status.state));
  append_key(out, "detail");
  append_json_string(out, b.status.detail);
  append_number(out, "reconnects", static_cast<int64_t>(b.status.reconnects));
  append_number(out, "events_in", static_cast<int64_t>(b.status.events_in));
  append_number(out, "events_out", static_cast<int64_t>(b.status.events_out));
  append_gauge(out, "lag", b.status, {"consumer_lag", "lag"});
  append_gauge(out, "queue_depth", b.status, {"queue_depth"});
  append_gauge(out, "spool_depth", b.status, {"spool_events"});
  out.push_back('}');
}

}  // namespace

StatusSample collect_status(const Metrics& metrics, const ChannelDirectory& channels,
                            std::vector<NamedStatus> bridges, int64_t now_mono_ms,
                            int64_t now_wall_ms) {
  StatusSample sample;
  sample.taken_ms = now_mono_ms;
  sample.wall_ms = now_wall_ms;
  for (int i = 0; i < Metrics::kProtocols; ++i)
    sample.connections_by_protocol[i] = metrics.connections_by_protocol[i].load();
  sample.connections_open = metrics.connections_open.load();
  sample.streams_open = metrics.streams_open.load();
  sample.publishes = metrics.publishes.load();
  sample.delivered = metrics.events_delivered.load();
  sample.slow_drops = metrics.slow_disconnects.load();
  for (const std::shared_ptr<Channel>& c : channels.all()) {
    sample.channels.push_back({c->path(), c->subscribers().load(std::memory_order_relaxed),
                               c->events_published(), c->events_delivered(), c->slow_drops(),
                               c->history_size()});
  }
  sample.bridges = std::move(bridges);
  return sample;
}

ChannelBaseline baseline_of(const StatusSample& sample) {
  ChannelBaseline baseline;
  baseline.reserve(sample.channels.size());
  for (const ChannelSample& c : sample.channels) baseline.emplace(c.path, c);
  return baseline;
}

std::string encode_status_json(const GatewayIdentity& identity, const StatusSample& previous,
                               const ChannelBaseline& baseline, const StatusSample& current,
                               std::string_view filter, size_t top_n) {
  const double seconds = static_cast<double>(current.taken_ms - previous.taken_ms) / 1000.0;
  std::string out = "{";
  append_gateway(out, identity, current);
  append_connections(out, current);
  append_totals(out, previous, current, seconds);
  append_number(out, "channels_total", static_cast<int64_t>(current.channels.size()));
  append_key(out, "filter");
  append_json_string(out, filter);
  size_t matched = 0;
  const std::vector<RankedChannel> top = rank_channels(baseline, current, filter, top_n, &matched);
  append_number(out, "channels_matched", static_cast<int64_t>(matched));
  out.append(",\"channels\":[");
  for (size_t i = 0; i < top.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_channel(out, top[i], seconds);
  }
  out.append("],\"bridges\":[");
  for (size_t i = 0; i < current.bridges.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_bridge(out, current.bridges[i]);
  }
  out.append("]}");
  return out;
}

}  // namespace ssegw
