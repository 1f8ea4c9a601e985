#include "bridges/kafka/kafka_sink_inbox.h"

#include <fcntl.h>
#include <unistd.h>

#include "gateway/clock.h"
#include "gateway/log.h"

namespace ssegw::kafka {

void SinkInbox::use_backlog(std::unique_ptr<SinkBacklog> b, std::string gap_marker_path) {
  backlog = std::move(b);
  gap_marker_ = std::move(gap_marker_path);
  // Whatever the last run left in memory is gone by now; the spool's records are its own.
  if (!gap_marker_.empty()) ::unlink(gap_marker_.c_str());
  undelivered = backlog->spool() ? backlog->spool()->records() : 0;
}

bool SinkInbox::push(const FrameRef& frame) {
  status.events_in++;
  if (!backlog) {
    const bool wake = queue.empty();
    queue.push_back(frame);
    ++undelivered;
    hold.update(undelivered);
    return wake;
  }
  const int64_t now = wall_ms();
  if (backlog->take(frame, streaming(), now) == SinkBacklog::Taken::kDropped) {
    // Sources stop at the hold; only events already on their way when it began get here.
    ++overflow_dropped;
    if (now - last_overflow_log_ms_ >= 10000) {
      last_overflow_log_ms_ = now;
      log_error("kafka sink queue and spool full, event dropped",
                {{"dropped_total", std::to_string(overflow_dropped)}});
    }
    return false;
  }
  ++undelivered;
  update_gap_marker();
  hold.set(backlog->should_hold(hold.holding()), undelivered);
  return true;
}

void SinkInbox::delivered(size_t count) {
  undelivered -= count;
  status.events_out += count;
  if (!backlog) {
    hold.update(undelivered);
    return;
  }
  const int64_t now = wall_ms();
  for (size_t i = 0; i < count; ++i) backlog->delivered(now);
  update_gap_marker();
  hold.set(backlog->should_hold(hold.holding()), undelivered);
}

bool SinkInbox::skip_unreadable() {
  if (!backlog->skip_unreadable()) return false;
  --undelivered;
  status.failed++;
  return true;
}

size_t SinkInbox::settle_for_stop() {
  const size_t lost = backlog->settle_for_stop(wall_ms());
  update_gap_marker();
  return lost;
}

// A file made or removed once per outage, not per event: the state changes only when the
// spool starts behind events still in memory, and when the last of those is delivered.
void SinkInbox::update_gap_marker() {
  if (gap_marker_.empty()) return;
  const bool gap = backlog->queued() > 0 && backlog->spool() && !backlog->spool()->empty();
  if (gap == gap_marked_) return;
  gap_marked_ = gap;
  if (gap) {
    const int fd = ::open(gap_marker_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  } else {
    ::unlink(gap_marker_.c_str());
  }
}

BridgeStatus SinkInbox::snapshot() const {
  BridgeStatus copy = status;
  copy.gauges["queue_depth"] = static_cast<double>(undelivered);
  copy.gauges["holding"] = hold.holding() ? 1 : 0;
  if (backlog) {
    backlog->add_spool_gauges(copy.gauges, wall_ms());
    copy.gauges["overflow_dropped"] = static_cast<double>(overflow_dropped);
  }
  return copy;
}

}  // namespace ssegw::kafka
