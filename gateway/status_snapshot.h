#pragma once
// What the status page shows (docs/operations.md): one sample of the gateway's counters, read
// from the same places /metrics reads, and the JSON frame /status/stream sends. Rates are
// differences between two samples, so one timer collects for every viewer. Pure apart from
// collect_status(), which only reads atomics and the bridges' status.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "channel_directory.h"
#include "metrics.h"

namespace ssegw {

struct ChannelSample {
  std::string path;
  int64_t subscribers = 0;
  uint64_t published = 0;  // counters since the channel was made
  uint64_t delivered = 0;
  uint64_t slow_drops = 0;
  size_t history = 0;
};

struct GatewayIdentity {
  std::string version;
  std::string commit;  // build_info.h
  std::string config_file;
  int workers = 0;
  int64_t started_at_ms = 0;  // wall clock
};

struct StatusSample {
  int64_t taken_ms = 0;  // monotonic: rates divide by the difference
  int64_t wall_ms = 0;
  int64_t connections_by_protocol[Metrics::kProtocols] = {};
  int64_t connections_open = 0;
  int64_t streams_open = 0;
  uint64_t publishes = 0;
  uint64_t delivered = 0;
  uint64_t slow_drops = 0;
  std::vector<ChannelSample> channels;
  std::vector<NamedStatus> bridges;
};

StatusSample collect_status(const Metrics& metrics, const ChannelDirectory& channels,
                            std::vector<NamedStatus> bridges, int64_t now_mono_ms,
                            int64_t now_wall_ms);

// Each channel's counters at the previous sample, by path: what its rates are taken against.
using ChannelBaseline = std::unordered_map<std::string, ChannelSample>;
ChannelBaseline baseline_of(const StatusSample& sample);

constexpr size_t kStatusTopChannels = 100;
constexpr size_t kStatusFilterMaxBytes = 200;

// The frame's JSON (one line): the top `top_n` channels whose path holds `filter` ("" for
// all), ordered by publishes plus deliveries since `previous`, then by subscribers.
std::string encode_status_json(const GatewayIdentity& identity, const StatusSample& previous,
                               const ChannelBaseline& baseline, const StatusSample& current,
                               std::string_view filter, size_t top_n = kStatusTopChannels);

}  // namespace ssegw
