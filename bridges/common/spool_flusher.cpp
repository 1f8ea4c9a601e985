#include "bridges/common/spool_flusher.h"

#include <chrono>

namespace ssegw {

SpoolFlusher::SpoolFlusher(SinkSpool& spool, int64_t interval_ms)
    : spool_(spool), interval_ms_(interval_ms) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stop_; })) {
      lock.unlock();
      spool_.sync();
      lock.lock();
    }
  });
}

SpoolFlusher::~SpoolFlusher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace ssegw
