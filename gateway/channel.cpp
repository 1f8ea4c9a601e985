#include "channel.h"

#include <charconv>

#include "clock.h"
#include "sse_framer.h"

namespace ssegw {

Channel::Channel(ChannelOptions options, uint64_t id_base, std::vector<FanoutTarget*> targets)
    : options_(std::move(options)),
      id_base_(id_base),
      history_(options_.history, options_.history_max_age_ms),
      targets_(std::move(targets)) {}

ChannelOptions Channel::options() const {
  std::lock_guard lock(mu_);
  return options_;
}

void Channel::update_options(const ChannelOptions& options) {
  std::lock_guard lock(mu_);
  options_ = options;
  history_.set_limits(options.history, options.history_max_age_ms);
}

PublishResult Channel::publish(Event event) {
  const int64_t now = wall_ms();
  std::lock_guard lock(mu_);
  if (retired_) return PublishResult{false, {}, "channel was removed"};
  const uint64_t seq = ++seq_;
  if (event.id.empty()) event.id = std::to_string(id_base_ + seq);
  std::string bytes;
  encode_event(event, bytes);
  std::string id = event.id;
  newest_id_ = id;
  FrameRef frame = FrameRef::adopt(new Frame(seq, std::move(event), std::move(bytes), now));
  history_.append(frame, now);
  // Still under the lock: every target sees frames in seq order, which the seamless
  // replay in plan_replay relies on.
  auto self = shared_from_this();
  for (FanoutTarget* target : targets_) target->enqueue_frame(self, frame);
  for (ChannelTap* tap : taps_) tap->on_frame(frame);
  published_.fetch_add(1, std::memory_order_relaxed);
  return PublishResult{true, std::move(id), {}};
}

uint64_t Channel::retire() {
  std::lock_guard lock(mu_);
  retired_ = true;
  return id_base_ + seq_;
}

std::optional<uint64_t> Channel::seq_for_id(std::string_view id) const {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
  if (ec == std::errc() && end == id.data() + id.size() && value > id_base_ &&
      value - id_base_ <= seq_) {
    return value - id_base_;
  }
  return history_.find_seq(id);
}

ReplayPlan Channel::plan_replay(std::string_view last_event_id) {
  std::lock_guard lock(mu_);
  history_.expire(wall_ms());
  ReplayPlan plan;
  plan.last_seq = seq_;
  plan.newest_id = newest_id_;
  if (last_event_id.empty()) return plan;
  // An id we do not hold (too old, or from an earlier run) replays all that is retained.
  std::optional<uint64_t> seq = seq_for_id(last_event_id);
  plan.frames = history_.replay_after(seq.value_or(0));
  plan.id_known = seq.has_value() && *seq + 1 >= history_.oldest_seq();
  return plan;
}

ReplayPlan Channel::plan_replay_all() {
  std::lock_guard lock(mu_);
  history_.expire(wall_ms());
  ReplayPlan plan;
  plan.last_seq = seq_;
  plan.newest_id = newest_id_;
  plan.frames = history_.replay_after(0);
  return plan;
}

void Channel::add_tap(ChannelTap* tap) {
  std::lock_guard lock(mu_);
  taps_.push_back(tap);
}

void Channel::remove_tap(ChannelTap* tap) {
  std::lock_guard lock(mu_);
  std::erase(taps_, tap);
}

void Channel::set_publish_route(PublishRoute* route) {
  std::unique_lock lock(hooks_mu_);
  route_.store(route);
}
PublishRoute* Channel::publish_route() const {
  return route_.load();
}
void Channel::set_resume_provider(ResumeProvider* provider) {
  std::unique_lock lock(hooks_mu_);
  resume_.store(provider);
}
ResumeProvider* Channel::resume_provider() const {
  return resume_.load();
}

void Channel::set_resume_point(const std::string& source, const std::string& origin_id) {
  std::lock_guard lock(mu_);
  resume_points_[source] = origin_id;
}

std::optional<std::string> Channel::resume_point(const std::string& source) const {
  std::lock_guard lock(mu_);
  auto it = resume_points_.find(source);
  if (it == resume_points_.end()) return std::nullopt;
  return it->second;
}

size_t Channel::history_size() const {
  std::lock_guard lock(mu_);
  return history_.size();
}

uint64_t Channel::last_seq() const {
  std::lock_guard lock(mu_);
  return seq_;
}

}  // namespace ssegw
