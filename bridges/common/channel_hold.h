#pragma once
// A sink's backpressure on its channel: past `limit` events not yet delivered it holds the
// channel, so the sources pause their upstreams instead of the sink dropping events, and it
// lets go once half of that has drained (the gap keeps it from flapping at the limit). Not
// thread-safe: the sink calls it under its own lock.
#include <cstddef>
#include <memory>
#include <string>

#include "gateway/channel.h"

namespace ssegw {

class ChannelHold {
 public:
  ChannelHold(std::shared_ptr<Channel> channel, size_t limit, std::string sink_name);
  ~ChannelHold() { release(); }
  ChannelHold(const ChannelHold&) = delete;
  ChannelHold& operator=(const ChannelHold&) = delete;

  // Holds or lets go for `undelivered` events queued, in flight or retrying.
  void update(size_t undelivered);
  // Holds or lets go as the sink decided (a spooling sink: sink_backlog.h's should_hold).
  void set(bool hold, size_t undelivered);
  // Holds whatever the count until release(): a sink that may not deliver any more.
  void pin();
  void release();
  bool holding() const { return holding_; }

 private:
  const std::shared_ptr<Channel> channel_;
  const size_t limit_;
  const std::string sink_name_;
  bool holding_ = false;
  bool pinned_ = false;
};

}  // namespace ssegw
