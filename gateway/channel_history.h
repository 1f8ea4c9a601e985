#pragma once
// The events a channel keeps for Last-Event-ID replay, bounded by count and by age.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "frame.h"

namespace ssegw {

class ChannelHistory {
 public:
  ChannelHistory(size_t max_events, int64_t max_age_ms)
      : max_events_(max_events), max_age_ms_(max_age_ms) {}

  void append(FrameRef frame, int64_t now_ms);
  void expire(int64_t now_ms);
  // Every retained frame with seq greater than `seq`, oldest first.
  std::vector<FrameRef> replay_after(uint64_t seq) const;
  // The seq of the retained frame with this id, searched newest first.
  std::optional<uint64_t> find_seq(std::string_view id) const;
  uint64_t oldest_seq() const { return frames_.empty() ? 0 : frames_.front()->seq(); }
  size_t size() const { return frames_.size(); }
  void set_limits(size_t max_events, int64_t max_age_ms);

 private:
  size_t max_events_;
  int64_t max_age_ms_;  // 0: no age limit
  std::deque<FrameRef> frames_;
};

}  // namespace ssegw
