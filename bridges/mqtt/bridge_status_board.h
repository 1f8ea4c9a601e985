#pragma once
// A bridge's BridgeStatus, written by its own and the MQTT library's threads and read by
// /readyz and /metrics on any thread.
#include <mutex>
#include <string>
#include <utility>

#include "gateway/bridge.h"

namespace ssegw::mqtt {

class StatusBoard {
 public:
  void set_state(BridgeState state, std::string detail) {
    std::lock_guard lock(mu_);
    status_.state = state;
    status_.detail = std::move(detail);
  }
  BridgeState state() const {
    std::lock_guard lock(mu_);
    return status_.state;
  }
  // Runs `change` on the status under the lock.
  template <typename F>
  void update(F&& change) {
    std::lock_guard lock(mu_);
    change(status_);
  }
  BridgeStatus snapshot() const {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  mutable std::mutex mu_;
  BridgeStatus status_;
};

}  // namespace ssegw::mqtt
