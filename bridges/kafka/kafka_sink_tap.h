#pragma once
// The part of a Kafka sink that faces the gateway, the same in both modes: it taps its
// channel, queues what it gets in a SinkInbox under one mutex (the one the sink's thread
// waits on), and answers /metrics and /readyz from it. KafkaSink and KafkaTxnSink add how
// the queue reaches Kafka.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "bridges/kafka/kafka_sink_inbox.h"
#include "gateway/bridge.h"
#include "gateway/channel.h"

namespace ssegw::kafka {

class KafkaSinkTap : public Bridge, public ChannelTap {
 public:
  const std::string& name() const final { return name_; }
  BridgeStatus status() const final;
  bool ready() const final;
  void on_frame(const FrameRef& frame) final;

 protected:
  KafkaSinkTap(std::string name, std::shared_ptr<Channel> channel, size_t queue_limit);
  // Call before the thread that empties the queue starts, and once it has stopped.
  void tap();
  void untap();
  // After stop: lets the channel go and says so in the status.
  void mark_stopped();

  const std::string name_;
  const std::shared_ptr<Channel> channel_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // wakes the sink's thread: frames queued, or stopping
  SinkInbox inbox_;             // guarded by mu_

 private:
  bool tapped_ = false;
};

}  // namespace ssegw::kafka
