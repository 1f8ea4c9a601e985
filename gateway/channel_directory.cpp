#include "channel_directory.h"

#include <algorithm>
#include <set>

namespace ssegw {

std::shared_ptr<Channel> ChannelDirectory::find(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = channels_.find(path);
  return it == channels_.end() ? nullptr : it->second;
}

std::shared_ptr<Channel> ChannelDirectory::find_or_create(const std::string& path,
                                                          const ChannelOptions& defaults,
                                                          size_t max_dynamic) {
  std::lock_guard lock(mu_);
  if (auto it = channels_.find(path); it != channels_.end()) return it->second;
  if (dynamic_.size() >= max_dynamic) return nullptr;
  ChannelOptions options = defaults;
  options.path = path;
  auto channel = make_channel(std::move(options));
  channels_.emplace(path, channel);
  dynamic_.emplace(path, true);
  return channel;
}

std::vector<std::shared_ptr<Channel>> ChannelDirectory::apply(
    const std::vector<ChannelOptions>& wanted) {
  std::lock_guard lock(mu_);
  std::set<std::string> keep;
  for (const ChannelOptions& options : wanted) {
    keep.insert(options.path);
    auto it = channels_.find(options.path);
    if (it == channels_.end()) {
      channels_.emplace(options.path, make_channel(options));
    } else {
      it->second->update_options(options);
      dynamic_.erase(options.path);  // configured now, no longer counted as on-demand
    }
  }
  std::vector<std::shared_ptr<Channel>> removed;
  for (auto it = channels_.begin(); it != channels_.end();) {
    if (!keep.count(it->first) && !dynamic_.count(it->first)) {
      retired_ids_[it->first] = it->second->retire();
      removed.push_back(it->second);
      it = channels_.erase(it);
    } else {
      ++it;
    }
  }
  return removed;
}

std::shared_ptr<Channel> ChannelDirectory::make_channel(ChannelOptions options) {
  uint64_t base = id_base_;
  if (auto it = retired_ids_.find(options.path); it != retired_ids_.end())
    base = std::max(base, it->second);
  return std::make_shared<Channel>(std::move(options), base, targets_);
}

std::vector<std::shared_ptr<Channel>> ChannelDirectory::all() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Channel>> out;
  out.reserve(channels_.size());
  for (const auto& [path, channel] : channels_) out.push_back(channel);
  return out;
}

}  // namespace ssegw
