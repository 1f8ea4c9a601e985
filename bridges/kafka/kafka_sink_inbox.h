#pragma once
// What a Kafka sink's tap and its thread share, in either mode: the frames tapped and not
// yet handed on, the count of those not yet delivered (queued, in flight, retrying or in an
// open transaction), the hold on the channel that count drives, and the sink's status. Not
// thread-safe: the sink guards it with its own mutex, the one its thread's waits use.
#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include "bridges/common/channel_hold.h"
#include "gateway/bridge.h"
#include "gateway/channel.h"

namespace ssegw::kafka {

struct SinkInbox {
  SinkInbox(std::shared_ptr<Channel> channel, size_t queue_limit, std::string sink_name)
      : hold(std::move(channel), queue_limit, std::move(sink_name)) {}

  // A tapped frame; true when the sink's thread needs a wake-up (one per batch: a non-empty
  // queue already has one pending).
  bool push(const FrameRef& frame);
  // `count` events reached Kafka (acknowledged, or committed).
  void delivered(size_t count);
  // The status with the queue's gauges, for /metrics and /readyz.
  BridgeStatus snapshot() const;
  bool streaming() const { return status.state == BridgeState::kStreaming; }

  std::deque<FrameRef> queue;
  size_t undelivered = 0;
  ChannelHold hold;
  BridgeStatus status;
};

}  // namespace ssegw::kafka
