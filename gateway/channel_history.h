#pragma once
// The events a channel keeps for Last-Event-ID replay, bounded by count and by age.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
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
  // Every retained frame published at or after `since_ms`, oldest first.
  std::vector<FrameRef> replay_since(int64_t since_ms) const;
  // The id of the retained frame with this seq, if it is still held.
  std::optional<std::string_view> id_at(uint64_t seq) const;
  uint64_t oldest_seq() const { return frames_.empty() ? 0 : frames_.front()->seq(); }
  std::string oldest_id() const { return frames_.empty() ? "" : frames_.front()->id(); }
  size_t size() const { return frames_.size(); }
  bool empty() const { return frames_.empty(); }
  // The highest decimal id pushed out so far (kept across restarts by a disk store): an id
  // at or below it has expired, rather than being unknown.
  uint64_t dropped_through() const { return dropped_through_; }
  uint64_t dropped_seq() const { return dropped_seq_; }
  void set_dropped(uint64_t id, uint64_t seq) {
    if (id <= dropped_through_) return;
    dropped_through_ = id;
    dropped_seq_ = seq;
  }
  void set_limits(size_t max_events, int64_t max_age_ms);

 private:
  size_t max_events_;
  int64_t max_age_ms_;  // 0: no age limit
  void drop_oldest();

  std::deque<FrameRef> frames_;
  uint64_t dropped_through_ = 0;
  uint64_t dropped_seq_ = 0;
};

}  // namespace ssegw
