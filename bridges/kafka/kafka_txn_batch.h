#pragma once
// The events one transaction of a transactional Kafka sink carries, and where it ends: a
// bounded count, or a bounded age of its first event, whichever comes first. The batch
// keeps its frames until the commit succeeds, so an aborted transaction is sent again from
// here rather than lost, and it derives the resume records that commit with it.
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "bridges/kafka/kafka_event_message.h"
#include "bridges/kafka/kafka_resume_record.h"
#include "gateway/frame.h"

namespace ssegw::kafka {

struct BatchLimits {
  size_t max_events = 1000;
  std::chrono::milliseconds interval{100};
};

class TxnBatch {
 public:
  using Clock = std::chrono::steady_clock;
  struct Item {
    FrameRef frame;
    uint64_t seq = 0;
  };

  // Moves frames from the front of `queue` while the batch has room, numbering them from
  // next_seq on; returns how many it took. The first one starts the batch's clock.
  size_t fill(std::deque<FrameRef>& queue, const BatchLimits& limits, uint64_t& next_seq,
              Clock::time_point now);
  // Time to commit: full, or its first event has waited `interval`.
  bool ready(const BatchLimits& limits, Clock::time_point now) const;
  // When ready() turns true by age alone; meaningless for an empty batch.
  Clock::time_point deadline(const BatchLimits& limits) const { return opened_ + limits.interval; }

  const std::vector<Item>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  uint64_t last_seq() const { return items_.empty() ? 0 : items_.back().seq; }

  // One record per source in the batch, keyed by source: its last event's upstream id, and
  // the batch's last seq, so the highest seq committed tells how far the data got.
  std::vector<std::pair<std::string, ResumeRecord>> resume_records(const std::string& topic) const;

  // A commit that failed without a clear outcome may still have committed (a producer that
  // died mid-commit): drops the events the committed seq already covers; returns how many.
  size_t drop_committed(uint64_t committed_seq);
  void clear() { items_.clear(); }

 private:
  std::vector<Item> items_;
  Clock::time_point opened_{};
};

}  // namespace ssegw::kafka
