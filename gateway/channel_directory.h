#pragma once
// Every channel by path. Configured channels come from the config; sources with path
// templates (MQTT's /mqtt/{topic}) create more on demand, up to a limit.
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "channel.h"

namespace ssegw {

class ChannelDirectory {
 public:
  ChannelDirectory(uint64_t id_base, std::vector<FanoutTarget*> targets)
      : id_base_(id_base), targets_(std::move(targets)) {}

  std::shared_ptr<Channel> find(const std::string& path) const;
  // Creates the channel with `defaults` (path replaced) if absent. Returns null when
  // `max_dynamic` on-demand channels exist already.
  std::shared_ptr<Channel> find_or_create(const std::string& path, const ChannelOptions& defaults,
                                          size_t max_dynamic);
  // Makes the configured set exactly `wanted`: keeps unchanged channels (subscribers and
  // history stay), updates options in place, adds new ones; returns the removed ones.
  std::vector<std::shared_ptr<Channel>> apply(const std::vector<ChannelOptions>& wanted);
  std::vector<std::shared_ptr<Channel>> all() const;

 private:
  mutable std::mutex mu_;
  const uint64_t id_base_;
  const std::vector<FanoutTarget*> targets_;
  std::map<std::string, std::shared_ptr<Channel>> channels_;
  std::map<std::string, bool> dynamic_;  // path -> created on demand
  // Last id issued by each removed channel: a channel re-added for the path by a later
  // reload starts above it, so no id is ever issued twice for one path in a process.
  std::map<std::string, uint64_t> retired_ids_;

  std::shared_ptr<Channel> make_channel(ChannelOptions options);
};

}  // namespace ssegw
