#pragma once
// What a Kafka sink's tap and its thread share, in either mode: the frames tapped and not
// yet handed on, the count of those not yet delivered (queued, in flight, retrying or in an
// open transaction), the hold on the channel that count drives, and the sink's status. Not
// thread-safe: the sink guards it with its own mutex, the one its thread's waits use.
//
// The idempotent sink hands frames to a SinkBacklog instead of `queue` (use_backlog): while
// the brokers are away they go to its spool on disk, and the hold follows the backlog. The
// spool then also carries the sink's resume points across a restart, except when events
// older than the spooled ones were only in memory: `gap_marker` names a file that says so
// while it is the case, so that a restart after a crash resumes from Kafka's tail instead
// (repeats, not losses).
#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include "bridges/common/channel_hold.h"
#include "bridges/common/sink_backlog.h"
#include "gateway/bridge.h"
#include "gateway/channel.h"

namespace ssegw::kafka {

struct SinkInbox {
  SinkInbox(std::shared_ptr<Channel> channel, size_t queue_limit, std::string sink_name)
      : hold(std::move(channel), queue_limit, std::move(sink_name)) {}

  void use_backlog(std::unique_ptr<SinkBacklog> b, std::string gap_marker_path);
  // A tapped frame; true when the sink's thread needs a wake-up (one per batch: a non-empty
  // queue already has one pending).
  bool push(const FrameRef& frame);
  // `count` events reached Kafka (acknowledged, or committed); with a backlog, its oldest.
  void delivered(size_t count);
  // With a backlog: an unreadable spool record at its front is dropped and counted as
  // failed; true if there was one.
  bool skip_unreadable();
  // With a backlog, at stop: the events only in memory, lost when the process exits.
  size_t settle_for_stop();
  // The status with the queue's gauges, for /metrics and /readyz.
  BridgeStatus snapshot() const;
  bool streaming() const { return status.state == BridgeState::kStreaming; }

  std::deque<FrameRef> queue;
  std::unique_ptr<SinkBacklog> backlog;
  size_t undelivered = 0;
  uint64_t overflow_dropped = 0;
  ChannelHold hold;
  BridgeStatus status;

 private:
  void update_gap_marker();

  std::string gap_marker_;
  bool gap_marked_ = false;
  int64_t last_overflow_log_ms_ = 0;
};

}  // namespace ssegw::kafka
