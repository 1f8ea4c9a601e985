#pragma once
// What an SSE source shows in /metrics and /readyz, written by its loop thread and read by
// the HTTP workers.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "gateway/bridge.h"

namespace ssegw::sse {

class SseSourceStatus {
 public:
  void set(BridgeState state, std::string detail) {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = state;
    detail_ = std::move(detail);
  }
  BridgeState state() const {
    std::lock_guard<std::mutex> lock(mu_);
    return state_;
  }

  std::atomic<uint64_t> reconnects{0};
  std::atomic<uint64_t> events_in{0};
  std::atomic<uint64_t> events_out{0};
  std::atomic<uint64_t> dropped_filter{0};
  std::atomic<uint64_t> dropped_bad_data{0};
  std::atomic<uint64_t> dropped_oversize{0};
  std::atomic<uint64_t> id_fallbacks{0};  // ids: upstream, events published with a gateway id
  std::atomic<int64_t> backoff_ms{0};
  std::atomic<int64_t> paused{0};  // 1 while a target channel holds the stream back

  BridgeStatus snapshot() const {
    BridgeStatus s;
    {
      std::lock_guard<std::mutex> lock(mu_);
      s.state = state_;
      s.detail = detail_;
    }
    s.reconnects = reconnects.load(std::memory_order_relaxed);
    s.events_in = events_in.load(std::memory_order_relaxed);
    s.events_out = events_out.load(std::memory_order_relaxed);
    s.dropped_filter = dropped_filter.load(std::memory_order_relaxed);
    s.dropped_bad_data = dropped_bad_data.load(std::memory_order_relaxed);
    s.gauges["dropped_oversize"] = static_cast<double>(dropped_oversize.load());
    s.gauges["id_fallbacks"] = static_cast<double>(id_fallbacks.load());
    s.gauges["backoff_ms"] = static_cast<double>(backoff_ms.load());
    s.gauges["paused"] = static_cast<double>(paused.load());
    return s;
  }

 private:
  mutable std::mutex mu_;
  BridgeState state_ = BridgeState::kConnecting;
  std::string detail_;
};

}  // namespace ssegw::sse
