#include "status_feed.h"

namespace ssegw {
namespace {

// A filter nobody watched for this many ticks is dropped; the unfiltered feed stays.
constexpr int kIdleTicks = 30;

ChannelOptions feed_options() {
  ChannelOptions options;
  options.path = "(status stream)";
  options.history = 1;
  options.retry_ms = 1000;
  return options;
}

}  // namespace

StatusFeed::StatusFeed(GatewayIdentity identity, std::vector<FanoutTarget*> targets,
                       uint64_t id_base)
    : identity_(std::move(identity)), targets_(std::move(targets)), id_base_(id_base) {}

int64_t StatusFeed::viewers_locked() const {
  int64_t viewers = 0;
  for (const auto& entry : feeds_) viewers += entry.second.channel->subscribers().load();
  return viewers;
}

std::shared_ptr<Channel> StatusFeed::open(const std::string& filter, bool* full) {
  std::lock_guard lock(mu_);
  *full = viewers_locked() >= kMaxViewers ||
          (feeds_.size() >= kMaxFeeds && feeds_.find(filter) == feeds_.end());
  if (*full) return nullptr;
  Feed& feed = feeds_[filter];
  if (!feed.channel) feed.channel = std::make_shared<Channel>(feed_options(), id_base_, targets_);
  feed.idle_ticks = 0;
  return feed.channel;
}

std::vector<std::shared_ptr<Channel>> StatusFeed::publish(
    const std::function<StatusSample()>& take_sample) {
  std::vector<std::pair<std::string, std::shared_ptr<Channel>>> watched;
  std::vector<std::shared_ptr<Channel>> dropped;
  {
    std::lock_guard lock(mu_);
    for (auto it = feeds_.begin(); it != feeds_.end();) {
      Feed& feed = it->second;
      if (feed.channel->subscribers().load() > 0) {
        feed.idle_ticks = 0;
        watched.emplace_back(it->first, feed.channel);
      } else if (++feed.idle_ticks >= kIdleTicks && !it->first.empty()) {
        dropped.push_back(std::move(feed.channel));
        it = feeds_.erase(it);
        continue;
      }
      ++it;
    }
  }
  if (watched.empty()) {
    previous_.reset();  // a stale baseline would give the next viewer a long interval's mean
    return dropped;
  }
  StatusSample sample = take_sample();
  // The first sample has nothing to take rates against: it only becomes the baseline.
  if (previous_ && sample.taken_ms > previous_->taken_ms) {
    for (const auto& entry : watched) {
      Event event;
      event.type = "status";
      event.data = encode_status_json(identity_, *previous_, baseline_, sample, entry.first);
      entry.second->publish(std::move(event));
    }
  }
  baseline_ = baseline_of(sample);
  previous_ = std::move(sample);
  return dropped;
}

std::vector<std::shared_ptr<Channel>> StatusFeed::close_all() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Channel>> all;
  for (auto& entry : feeds_) all.push_back(std::move(entry.second.channel));
  feeds_.clear();
  previous_.reset();
  return all;
}

}  // namespace ssegw
