#pragma once
// What a sink has taken from its channel and not yet delivered, in channel order, across
// memory and disk: first the memory queue, then the spool (sink_spool.h), then `waiting`,
// frames that found the spool full. A frame goes to the spool when the broker is away or the
// memory queue is full, and, to keep the order, whenever the spool or `waiting` is not empty;
// it goes back to the memory queue only once the spool has drained. The channel is held only
// while frames wait for room in a full spool (or, without a spool, past max_queue, as
// before spools existed).
//
// Not thread-safe: the sink calls it under its own lock (the tap's thread and the sink's).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "bridges/common/sink_spool.h"
#include "gateway/event.h"
#include "gateway/frame.h"

namespace ssegw {

struct SinkBacklogLimits {
  size_t max_queue = 10000;   // memory queue; without a spool the hold starts here
  size_t hard_limit = 41000;  // past this many frames in memory new ones are dropped
  uint64_t spool_bytes = 0;   // the spool's bound, for the hold's release point
};

class SinkBacklog {
 public:
  // `spool` may be null: memory only, today's behaviour.
  SinkBacklog(SinkBacklogLimits limits, std::unique_ptr<SinkSpool> spool);

  enum class Taken { kQueued, kSpooled, kWaiting, kDropped };
  // `broker_up` false sends the frame to the spool even with room in memory.
  Taken take(const FrameRef& frame, bool broker_up, int64_t now_wall_ms);
  // The i-th undelivered event, oldest first, reading the spool ahead as far as needed;
  // nullptr when there is none yet or it is an unreadable spool record (see skip_unreadable).
  // Valid until delivered() removes it.
  const Event* at(size_t i);
  // The oldest undelivered event reached the broker.
  void delivered(int64_t now_wall_ms);
  // An unreadable spool record at the front is dropped; true if there was one.
  bool skip_unreadable();
  // Whether the channel should be held, given whether it is now (with hysteresis).
  bool should_hold(bool holding) const;
  // At stop: what waits for the spool goes into it if it fits; returns the frames left only
  // in memory, lost when the process exits.
  size_t settle_for_stop(int64_t now_wall_ms);

  size_t queued() const { return queue_.size(); }  // memory queue
  size_t waiting() const { return waiting_.size(); }
  bool has_unread_spool() const { return spool_ && spool_->has_unread(); }
  const SinkSpool* spool() const { return spool_.get(); }
  // Closes the spool (its folder lock too), keeping memory as it is.
  void close_spool();
  // With a spool: spool_bytes, spool_events and spool_oldest_age_seconds, the gauges every
  // spooling sink reports (as ssegw_bridge_<key>{kind="sink",name=...}).
  void add_spool_gauges(std::map<std::string, double>& gauges, int64_t now_wall_ms) const;

 private:
  bool spool_frame(const FrameRef& frame, int64_t now_wall_ms);
  void refill_spool(int64_t now_wall_ms);

  const SinkBacklogLimits limits_;
  std::unique_ptr<SinkSpool> spool_;
  std::deque<FrameRef> queue_;
  std::deque<std::optional<Event>> window_;  // read from the spool, not yet delivered
  std::deque<FrameRef> waiting_;
};

}  // namespace ssegw
