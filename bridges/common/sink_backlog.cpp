#include "bridges/common/sink_backlog.h"

#include <algorithm>

#include "bridges/common/spooled_event.h"
#include "gateway/log.h"

namespace ssegw {

SinkBacklog::SinkBacklog(SinkBacklogLimits limits, std::unique_ptr<SinkSpool> spool)
    : limits_(limits), spool_(std::move(spool)) {}

SinkBacklog::Taken SinkBacklog::take(const FrameRef& frame, bool broker_up, int64_t now) {
  const bool to_disk = spool_ && (!waiting_.empty() || !spool_->empty() ||
                                  queue_.size() >= limits_.max_queue || !broker_up);
  if (!to_disk) {
    if (queue_.size() >= limits_.hard_limit) return Taken::kDropped;
    queue_.push_back(frame);
    return Taken::kQueued;
  }
  refill_spool(now);  // older frames first
  if (waiting_.empty() && spool_frame(frame, now)) return Taken::kSpooled;
  if (waiting_.size() >= limits_.hard_limit) return Taken::kDropped;
  waiting_.push_back(frame);
  return Taken::kWaiting;
}

// A frame the spool refuses while it is empty goes to memory: nothing newer is anywhere,
// so the order holds, and a disk that fails for good cannot stop the sink.
bool SinkBacklog::spool_frame(const FrameRef& frame, int64_t now) {
  const SinkSpool::Append r = spool_->append(encode_spooled_event(frame->event()), now);
  if (r == SinkSpool::Append::kOk) return true;
  if (!spool_->empty() || queue_.size() >= limits_.hard_limit) return false;
  if (r == SinkSpool::Append::kTooLarge) {
    log_warn("event too large for the sink spool; it waits in memory",
             {{"spool", spool_->dir()}, {"bytes", std::to_string(frame->event().data.size())}});
  }
  queue_.push_back(frame);
  return true;
}

void SinkBacklog::refill_spool(int64_t now) {
  while (!waiting_.empty() && spool_frame(waiting_.front(), now)) waiting_.pop_front();
}

const Event* SinkBacklog::at(size_t i) {
  if (i < queue_.size()) return &queue_[i]->event();
  i -= queue_.size();
  if (!spool_) return nullptr;
  while (window_.size() <= i) {
    std::optional<SpoolRecord> record = spool_->read_next();
    if (!record) return nullptr;
    window_.push_back(decode_spooled_event(record->payload));
    if (!window_.back()) log_error("sink spool record is not an event", {{"spool", spool_->dir()}});
  }
  return window_[i] ? &*window_[i] : nullptr;
}

void SinkBacklog::delivered(int64_t now) {
  if (!queue_.empty()) {
    queue_.pop_front();
    return;
  }
  if (window_.empty()) return;
  window_.pop_front();
  spool_->commit_oldest();
  refill_spool(now);
}

bool SinkBacklog::skip_unreadable() {
  if (!queue_.empty() || window_.empty() || window_.front()) return false;
  window_.pop_front();
  spool_->commit_oldest();
  return true;
}

bool SinkBacklog::should_hold(bool holding) const {
  if (!spool_)
    return holding ? queue_.size() > limits_.max_queue / 2 : queue_.size() >= limits_.max_queue;
  const bool over = !waiting_.empty() || queue_.size() > limits_.max_queue;
  if (!holding || over) return over;
  // Released with room to spare, so that the hold does not flap at the spool's bound.
  return spool_->bytes() > limits_.spool_bytes / 2 || queue_.size() > limits_.max_queue / 2;
}

size_t SinkBacklog::settle_for_stop(int64_t now) {
  if (spool_) refill_spool(now);
  return queue_.size() + waiting_.size();
}

void SinkBacklog::add_spool_gauges(std::map<std::string, double>& gauges, int64_t now) const {
  if (!spool_) return;
  gauges["spool_bytes"] = static_cast<double>(spool_->bytes());
  gauges["spool_events"] = static_cast<double>(spool_->records());
  const std::optional<int64_t> oldest = spool_->oldest_ms();
  gauges["spool_oldest_age_seconds"] =
      oldest ? static_cast<double>(std::max<int64_t>(0, now - *oldest)) / 1000.0 : 0;
}

void SinkBacklog::close_spool() {
  window_.clear();
  spool_.reset();
}

}  // namespace ssegw
