#include "channel.h"

#include "clock.h"
#include "sse_framer.h"
#include "text.h"

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
  // Where history lives is fixed at start (the store is reopened then); the rest applies.
  const bool on_disk = options_.history_on_disk;
  options_ = options;
  options_.history_on_disk = on_disk;
  history_.set_limits(options.history, options.history_max_age_ms);
  if (journal_) {
    journal_->set_sync(options.history_sync);
    journal_->set_limits(options.history, options.history_max_age_ms);
  }
}

void Channel::restore(StoredChannel stored, std::unique_ptr<ChannelJournal> journal) {
  std::lock_guard lock(mu_);
  for (StoredEvent& e : stored.events) {
    std::string bytes;
    encode_event(e.event, bytes);
    newest_id_ = e.event.id;
    history_.append(
        FrameRef::adopt(new Frame(e.seq, std::move(e.event), std::move(bytes), e.published_ms)),
        e.published_ms);
  }
  history_.set_dropped(stored.dropped_through, stored.dropped_seq);
  seq_ = first_seq_ = stored.last_seq;
  journal_ = std::move(journal);
}

bool Channel::answers_after_commit() const {
  std::lock_guard lock(mu_);
  return journal_ && journal_->acks_after_commit();
}

PublishResult Channel::publish(Event event, DeferredAnswer answer) {
  const int64_t now = wall_ms();
  std::lock_guard lock(mu_);
  if (retired_) return PublishResult{false, {}, "channel was removed"};
  if (journal_ && journal_->full()) {
    journal_->count_refused();
    return PublishResult{false, {}, "the history store is full", 507};
  }
  const uint64_t seq = ++seq_;
  if (event.id.empty()) {
    event.id = std::to_string(id_base_ + seq);
  } else if (first_carried_seq_ == 0) {
    first_carried_seq_ = seq;
  }
  std::string bytes;
  encode_event(event, bytes);
  std::string id = event.id;
  newest_id_ = id;
  FrameRef frame = FrameRef::adopt(new Frame(seq, std::move(event), std::move(bytes), now));
  history_.append(frame, now);
  PublishResult result{true, id, {}};
  if (journal_) {
    DurableDone done;
    if (answer && journal_->acks_after_commit()) {
      result.deferred = true;
      done = [answer = std::move(answer), id](bool ok) {
        answer(ok ? PublishResult{true, id, {}}
                  : PublishResult{false, {}, "the history store could not write it", 507});
      };
    }
    journal_->append(frame, std::move(done));
  }
  // Still under the lock: every target sees frames in seq order, which the seamless
  // replay in plan_replay relies on.
  auto self = shared_from_this();
  for (FanoutTarget* target : targets_) target->enqueue_frame(self, frame);
  for (ChannelTap* tap : taps_) tap->on_frame(frame);
  published_.fetch_add(1, std::memory_order_relaxed);
  return result;
}

uint64_t Channel::retire() {
  std::lock_guard lock(mu_);
  retired_ = true;
  return id_base_ + seq_;
}

void Channel::drop_stored() {
  std::lock_guard lock(mu_);
  if (journal_) journal_->drop(options_.path);
}

// The seq an id names if it is one this run would have issued: id_base_ + seq, for a seq
// above the restored ones (those keep the ids an earlier run gave them).
std::optional<uint64_t> Channel::own_seq(std::string_view id) const {
  const uint64_t value = decimal_id(id);
  if (value > id_base_ + first_seq_ && value - id_base_ <= seq_) return value - id_base_;
  return std::nullopt;
}

// An id that reads as one of ours is trusted only where the frame at that seq carries it, or
// where no frame before it came with an id of its own: a relayed upstream id (a source with
// `ids: upstream`) may merely look like id_base_ + seq, and must then be found by its text.
std::optional<uint64_t> Channel::seq_for_id(std::string_view id) const {
  if (std::optional<uint64_t> seq = own_seq(id)) {
    std::optional<std::string_view> held = history_.id_at(*seq);
    if (held ? *held == id : first_carried_seq_ == 0 || *seq < first_carried_seq_) return seq;
  }
  const uint64_t value = decimal_id(id);
  if (value != 0 && value == history_.dropped_through()) return history_.dropped_seq();
  return history_.find_seq(id);
}

ReplayPlan Channel::plan_with(std::vector<FrameRef> frames) {
  ReplayPlan plan;
  plan.last_seq = seq_;
  plan.newest_id = newest_id_;
  plan.frames = std::move(frames);
  return plan;
}

ReplayPlan Channel::plan_replay(std::string_view last_event_id) {
  std::lock_guard lock(mu_);
  history_.expire(wall_ms());
  if (last_event_id.empty()) return plan_with({});
  // An id we do not hold (too old, or from an earlier run) replays all that is retained.
  std::optional<uint64_t> seq = seq_for_id(last_event_id);
  ReplayPlan plan = plan_with(history_.replay_after(seq.value_or(0)));
  // Exact when nothing after the id was pushed out: the next seq it needs is retained, or
  // is the next one to be published.
  const uint64_t oldest = history_.empty() ? seq_ + 1 : history_.oldest_seq();
  plan.id_known = seq.has_value() && *seq + 1 >= oldest;
  if (!plan.id_known) {
    const uint64_t value = decimal_id(last_event_id);
    const bool expired = seq.has_value() || (value != 0 && value <= history_.dropped_through());
    plan.reset_reason = expired ? "expired" : "unknown";
    plan.oldest_id = history_.oldest_id();
  }
  return plan;
}

ReplayPlan Channel::plan_replay_all() {
  std::lock_guard lock(mu_);
  history_.expire(wall_ms());
  return plan_with(history_.replay_after(0));
}

ReplayPlan Channel::plan_replay_since(int64_t since_ms) {
  std::lock_guard lock(mu_);
  history_.expire(wall_ms());
  return plan_with(history_.replay_since(since_ms));
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
