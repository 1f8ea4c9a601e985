#pragma once
// The small interfaces bridges implement. The core never includes a bridge header: main
// hands the core a BridgeCatalog that knows how to parse and build each `type`.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "channel_directory.h"
#include "config_node.h"

namespace ssegw {

enum class BridgeState { kConnecting, kStreaming, kBackingOff, kFailed, kStopped };
const char* to_string(BridgeState s);

struct BridgeStatus {
  BridgeState state = BridgeState::kConnecting;
  uint64_t reconnects = 0;
  uint64_t events_in = 0;         // sources: events taken from upstream; sinks: frames seen
  uint64_t events_out = 0;        // sources: published to channels; sinks: acknowledged
  uint64_t dropped_filter = 0;    // sources: not in the `events` list
  uint64_t dropped_bad_data = 0;  // sources: not JSON with format: json
  uint64_t failed = 0;            // sinks: deliveries that failed and were retried
  std::string detail;             // last error, free text for logs and /readyz
  // Further gauges, exported as ssegw_bridge_<key>{name=...} (lag, queue depth...).
  std::map<std::string, double> gauges;
};

// Lives as long as the gateway; what a bridge may use.
struct BridgeContext {
  ChannelDirectory& channels;
  std::string state_dir;  // server.state_dir: a bridge keeps its files under it
};

class Bridge {
 public:
  virtual ~Bridge() = default;
  virtual const std::string& name() const = 0;
  // Starts the bridge's own thread(s); never blocks on the network.
  virtual void start() = 0;
  // Stops and joins; idempotent.
  virtual void stop() = 0;
  // Thread-safe snapshot.
  virtual BridgeStatus status() const = 0;
  // Ready for /readyz: a source is connected, a sink can deliver.
  virtual bool ready() const { return status().state == BridgeState::kStreaming; }
};

// A validated, typed config for one bridge, able to build it. Produced at config load.
class BridgePlan {
 public:
  virtual ~BridgePlan() = default;
  virtual std::unique_ptr<Bridge> build(BridgeContext& ctx) const = 0;
  // Channel paths the bridge publishes into (sources) or reads from (sinks); checked
  // against the configured channels at load time. Templates ("{topic}") are skipped.
  virtual std::vector<std::string> channel_paths() const = 0;
};

struct BridgeConfig {
  std::string name;
  std::string type;
  std::string canonical;  // the YAML as written, to tell on reload whether it changed
  std::shared_ptr<const BridgePlan> plan;
};

// type -> parser. The parser reads every key except name and type (already checked) and
// throws ConfigError through ConfigNode on anything it does not understand.
using BridgeParser = std::function<std::shared_ptr<const BridgePlan>(const ConfigNode& node)>;

// A channel's `backbone: {TYPE: {...}}`: the parser also gets the channel's path.
using BackboneParser = std::function<std::shared_ptr<const BridgePlan>(
    const ConfigNode& node, const std::string& channel_path)>;

struct BridgeCatalog {
  std::map<std::string, BridgeParser> sources;
  std::map<std::string, BridgeParser> sinks;
  std::map<std::string, BackboneParser> backbones;
};

}  // namespace ssegw
