#include "channel_history.h"

#include <algorithm>

namespace ssegw {

void ChannelHistory::append(FrameRef frame, int64_t now_ms) {
  if (max_events_ == 0) return;
  frames_.push_back(std::move(frame));
  while (frames_.size() > max_events_) frames_.pop_front();
  expire(now_ms);
}

void ChannelHistory::expire(int64_t now_ms) {
  if (max_age_ms_ <= 0) return;
  while (!frames_.empty() && now_ms - frames_.front()->published_ms() > max_age_ms_) {
    frames_.pop_front();
  }
}

std::vector<FrameRef> ChannelHistory::replay_after(uint64_t seq) const {
  // Seqs are increasing, so the first frame to send is found by binary search.
  auto it = std::upper_bound(frames_.begin(), frames_.end(), seq,
                             [](uint64_t s, const FrameRef& f) { return s < f->seq(); });
  return std::vector<FrameRef>(it, frames_.end());
}

std::optional<uint64_t> ChannelHistory::find_seq(std::string_view id) const {
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
    if ((*it)->id() == id) return (*it)->seq();
  }
  return std::nullopt;
}

void ChannelHistory::set_limits(size_t max_events, int64_t max_age_ms) {
  max_events_ = max_events;
  max_age_ms_ = max_age_ms;
  while (frames_.size() > max_events_) frames_.pop_front();
}

}  // namespace ssegw
