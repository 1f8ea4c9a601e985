#pragma once
// The frames of /status/stream: one timer on the main thread samples the gateway once a
// second and publishes one frame per distinct ?filter= into a small internal channel, so N
// viewers cost one collection and share one encoded frame through the ordinary fan-out (and
// its heartbeat and slow-subscriber rules). The channels live outside the directory: no
// request can reach them by path, and the status page does not list them.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "channel.h"
#include "status_snapshot.h"

namespace ssegw {

class StatusFeed {
 public:
  static constexpr int64_t kMaxViewers = 32;
  // Filters kept at once: viewers that come and go with new filters cannot grow the map;
  // unwatched ones are pruned by publish().
  static constexpr size_t kMaxFeeds = 2 * kMaxViewers;

  StatusFeed(GatewayIdentity identity, std::vector<FanoutTarget*> targets, uint64_t id_base);

  // Any thread. The channel a viewer of `filter` subscribes to; null with *full set when
  // kMaxViewers viewers are watching already, or kMaxFeeds filters are kept (503).
  std::shared_ptr<Channel> open(const std::string& filter, bool* full);

  // Main thread, once a second: takes a sample, only while someone watches, and publishes
  // it to every filter that has viewers. Returns the channels of filters nobody watched for
  // a while, dropped from the feed (the caller ends any stream still on one).
  std::vector<std::shared_ptr<Channel>> publish(const std::function<StatusSample()>& sample);

  // Main thread: every channel, taken out of the feed, so the caller can end their streams
  // (the page's settings changed: viewers come back and are checked by the new rule).
  std::vector<std::shared_ptr<Channel>> close_all();

 private:
  struct Feed {
    std::shared_ptr<Channel> channel;
    int idle_ticks = 0;
  };
  int64_t viewers_locked() const;

  const GatewayIdentity identity_;
  const std::vector<FanoutTarget*> targets_;
  const uint64_t id_base_;
  std::optional<StatusSample> previous_;  // main thread only
  ChannelBaseline baseline_;              // main thread only
  std::mutex mu_;
  std::map<std::string, Feed> feeds_;  // by filter; at most kMaxFeeds
};

}  // namespace ssegw
