#pragma once
// Process-wide counters, updated with relaxed atomics from any thread and rendered in the
// Prometheus text format for /metrics.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bridge.h"
#include "channel_directory.h"

namespace ssegw {

struct Metrics {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_rejected{0};  // over the connection reserve
  std::atomic<int64_t> connections_open{0};
  std::atomic<int64_t> streams_open{0};       // subscribers: what max_connections counts
  std::atomic<int64_t> max_connections{0};    // server.max_connections, set at start and reload
  std::atomic<uint64_t> streams_rejected{0};  // subscriptions refused over max_connections
  std::atomic<uint64_t> write_timeouts{0};    // answers the peer did not read in time
  std::atomic<uint64_t> accept_pauses{0};     // listener paused: out of file descriptors
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> subscriptions{0};
  std::atomic<uint64_t> events_delivered{0};  // frames queued to subscribers
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> slow_disconnects{0};
  std::atomic<uint64_t> publishes{0};
  std::atomic<uint64_t> publishes_rejected{0};
  std::atomic<uint64_t> replayed_events{0};
  std::atomic<uint64_t> resets{0};  // streams told their Last-Event-ID could not be honoured
  std::atomic<uint64_t> heartbeats{0};
  std::atomic<uint64_t> batched_sends{0};    // sends made through a worker's io_uring
  std::atomic<int64_t> io_uring_workers{0};  // workers whose sends go through io_uring

  // Open connections by protocol, once their protocol is known.
  enum Protocol { kHttp1Plain, kHttp1Tls, kH2Tls, kH2c, kProtocols };
  std::atomic<int64_t> connections_by_protocol[kProtocols]{};
  std::atomic<uint64_t> tls_handshakes{0};
  std::atomic<int64_t> ktls_connections{0};  // whose sends the kernel encrypts
  std::atomic<int64_t> h2_streams_open{0};
  std::atomic<uint64_t> h2_resets_sent{0};
  std::atomic<uint64_t> h2_streams_refused{0};  // RST_STREAM REFUSED_STREAM
  // Labelled counters over a fixed set of labels, so a peer cannot grow the metrics.
  static constexpr std::string_view kHandshakeFailures[] = {
      "timeout", "http_request", "version", "no_shared_cipher", "eof", "protocol"};
  static constexpr std::string_view kGoawayReasons[] = {
      "no_error",       "protocol_error", "rapid_reset",    "ping_flood",
      "settings_flood", "empty_frames",   "internal_error", "other"};
  std::atomic<uint64_t> handshake_failures[std::size(kHandshakeFailures)]{};
  std::atomic<uint64_t> goaways_sent[std::size(kGoawayReasons)]{};
  // Access: refusals by access_control.h's reasons (in AccessRefusal's order, after kNone),
  // per-IP limits, streams ended by their token's expiry.
  static constexpr std::string_view kAuthRefusals[] = {"no_token",         "invalid_token",
                                                       "expired",          "not_covered",
                                                       "peer_not_allowed", "wrong_publish_token"};
  static constexpr std::string_view kLimitReasons[] = {"connections_per_ip", "connect_rate_per_ip"};
  std::atomic<uint64_t> auth_refusals[std::size(kAuthRefusals)]{};
  std::atomic<uint64_t> limit_refusals[std::size(kLimitReasons)]{};
  std::atomic<uint64_t> streams_token_expired{0};
  // A channel made later that a multiplexed stream's pattern matched, left out because the
  // stream had max_channels_per_subscription channels already.
  std::atomic<uint64_t> pattern_channels_refused{0};
  std::atomic<uint64_t> batch_publishes{0};  // application/x-ndjson publishes answered
  void count_handshake_failure(std::string_view reason);
  void count_goaway(std::string_view reason);
};

struct NamedStatus {
  std::string kind;  // "source", "sink" or "backbone"
  std::string name;
  std::string type;
  BridgeStatus status;
  bool ready = false;
};

class HistoryStore;
class HistoryWriter;
// The disk history store's figures (history_store.h), appended when a store is open.
std::string render_store_metrics(const HistoryStore& store, const HistoryWriter& writer);

std::string render_prometheus(const Metrics& metrics, const ChannelDirectory& channels,
                              const std::vector<NamedStatus>& bridges);

// What the HTTP side asks the gateway for /metrics and /readyz.
class StatusSource {
 public:
  virtual ~StatusSource() = default;
  virtual std::string metrics_text() const = 0;
  // ready, and a text body that says what is not.
  virtual std::pair<bool, std::string> readiness() const = 0;
  // The channel a /status/stream viewer of `filter` subscribes to (status_feed.h); null with
  // *full set over the viewer cap, null alone when there is no feed.
  virtual std::shared_ptr<Channel> status_stream(const std::string& filter, bool* full) const {
    (void)filter;
    *full = false;
    return nullptr;
  }
};

}  // namespace ssegw
