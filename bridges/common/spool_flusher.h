#pragma once
// A thread that fdatasyncs a sink's spool about once a second, whatever the sink's own
// thread is doing (a sink waiting for its broker is exactly when the spool grows). This is
// what bounds the loss window of a machine crash (sink_spool.h). Stopped and joined by the
// destructor; the spool must outlive it.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "bridges/common/sink_spool.h"

namespace ssegw {

class SpoolFlusher {
 public:
  explicit SpoolFlusher(SinkSpool& spool, int64_t interval_ms = 1000);
  ~SpoolFlusher();
  SpoolFlusher(const SpoolFlusher&) = delete;
  SpoolFlusher& operator=(const SpoolFlusher&) = delete;

 private:
  SinkSpool& spool_;
  const int64_t interval_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace ssegw
