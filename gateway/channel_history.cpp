#include "channel_history.h"

#include <algorithm>

#include "text.h"

namespace ssegw {

void ChannelHistory::append(FrameRef frame, int64_t now_ms) {
  if (max_events_ == 0) return;
  frames_.push_back(std::move(frame));
  while (frames_.size() > max_events_) drop_oldest();
  expire(now_ms);
}

void ChannelHistory::drop_oldest() {
  set_dropped(decimal_id(frames_.front()->id()), frames_.front()->seq());
  frames_.pop_front();
}

void ChannelHistory::expire(int64_t now_ms) {
  if (max_age_ms_ <= 0) return;
  while (!frames_.empty() && now_ms - frames_.front()->published_ms() > max_age_ms_) {
    drop_oldest();
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

std::optional<std::string_view> ChannelHistory::id_at(uint64_t seq) const {
  auto it = std::lower_bound(frames_.begin(), frames_.end(), seq,
                             [](const FrameRef& f, uint64_t s) { return f->seq() < s; });
  if (it == frames_.end() || (*it)->seq() != seq) return std::nullopt;
  return std::string_view((*it)->id());
}

void ChannelHistory::set_limits(size_t max_events, int64_t max_age_ms) {
  max_events_ = max_events;
  max_age_ms_ = max_age_ms;
  while (frames_.size() > max_events_) drop_oldest();
}

std::vector<FrameRef> ChannelHistory::replay_since(int64_t since_ms) const {
  // Publish times only grow within a run but may step back across a restart (clock
  // changes): a linear scan from the newest keeps every frame at or after the time.
  auto it = frames_.end();
  while (it != frames_.begin() && (*std::prev(it))->published_ms() >= since_ms) --it;
  return std::vector<FrameRef>(it, frames_.end());
}

}  // namespace ssegw
