#include "channel_directory.h"

#include <algorithm>
#include <set>

#include "clock.h"
#include "log.h"

namespace ssegw {

std::shared_ptr<Channel> ChannelDirectory::find(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = channels_.find(path);
  return it == channels_.end() ? nullptr : it->second;
}

std::shared_ptr<Channel> ChannelDirectory::find_or_create(const std::string& path,
                                                          const ChannelOptions& defaults,
                                                          size_t max_dynamic) {
  std::shared_ptr<Channel> channel;
  {
    std::lock_guard lock(mu_);
    if (auto it = channels_.find(path); it != channels_.end()) return it->second;
    if (dynamic_.size() >= max_dynamic) return nullptr;
    ChannelOptions options = defaults;
    options.path = path;
    channel = make_channel(std::move(options));
    channels_.emplace(path, channel);
    dynamic_.emplace(path, true);
  }
  notify({channel});
  return channel;
}

const ChannelDirectory::Template* ChannelDirectory::template_for(const std::string& path) const {
  for (const auto& [text, t] : templates_) {
    if (t.shape.matches(path)) return &t;
  }
  return nullptr;
}

std::optional<ChannelOptions> ChannelDirectory::template_options(const std::string& path) const {
  std::lock_guard lock(mu_);
  const Template* t = template_for(path);
  if (!t) return std::nullopt;
  ChannelOptions options = t->options;
  options.path = path;
  return options;
}

std::shared_ptr<Channel> ChannelDirectory::find_or_make(const std::string& path, bool* full) {
  *full = false;
  std::shared_ptr<Channel> channel;
  {
    std::lock_guard lock(mu_);
    if (auto it = channels_.find(path); it != channels_.end()) return it->second;
    auto* t = const_cast<Template*>(template_for(path));
    if (!t) return nullptr;
    if (t->live >= t->options.max_channels) {
      *full = true;
      return nullptr;
    }
    ChannelOptions options = t->options;
    options.path = path;
    channel = make_channel(std::move(options));
    channels_.emplace(path, channel);
    instances_.emplace(path, Instance{t->options.path, 0, wall_ms()});
    ++t->live;
  }
  notify({channel});
  return channel;
}

std::vector<std::shared_ptr<Channel>> ChannelDirectory::apply(
    const std::vector<ChannelOptions>& wanted) {
  std::vector<std::shared_ptr<Channel>> removed;
  std::vector<std::shared_ptr<Channel>> made;
  {
    std::lock_guard lock(mu_);
    const bool started = !channels_.empty() || !templates_.empty();
    std::set<std::string> keep;
    std::map<std::string, Template> templates;
    for (const ChannelOptions& options : wanted) {
      if (!options.template_path.empty()) {
        std::string why;
        auto shape = ChannelTemplate::parse(options.path, &why);
        if (!shape) continue;  // the config loader refused it already
        auto old = templates_.find(options.path);
        Template t{std::move(*shape), options, 0, 0};
        if (old != templates_.end()) {
          t.live = old->second.live;
          t.published_by_gone = old->second.published_by_gone;
        }
        templates.emplace(options.path, std::move(t));
        continue;
      }
      keep.insert(options.path);
      auto it = channels_.find(options.path);
      if (it == channels_.end()) {
        auto channel = make_channel(options);
        channels_.emplace(options.path, channel);
        if (started) made.push_back(channel);
      } else {
        it->second->update_options(options);
        dynamic_.erase(options.path);  // configured now, no longer counted as on-demand
        instances_.erase(options.path);
      }
    }
    templates_ = std::move(templates);
    for (auto it = channels_.begin(); it != channels_.end();) {
      auto instance = instances_.find(it->first);
      if (instance != instances_.end()) {
        // A template's channel follows its template's options, or goes with it.
        auto t = templates_.find(instance->second.template_path);
        if (t != templates_.end()) {
          ChannelOptions options = t->second.options;
          options.path = it->first;
          it->second->update_options(options);
          ++it;
          continue;
        }
        instances_.erase(instance);
        template_floor_ = std::max(template_floor_, it->second->retire());
      } else if (keep.count(it->first) || dynamic_.count(it->first)) {
        ++it;
        continue;
      } else {
        retired_ids_[it->first] = it->second->retire();
      }
      it->second->retire();
      gone_from_store_.insert(it->first);
      removed.push_back(it->second);
      it = channels_.erase(it);
    }
  }
  notify(made);
  return removed;
}

std::vector<std::shared_ptr<Channel>> ChannelDirectory::sweep_idle(int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Channel>> removed;
  for (auto it = instances_.begin(); it != instances_.end();) {
    Instance& instance = it->second;
    auto channel = channels_.find(it->first);
    auto t = templates_.find(instance.template_path);
    const uint64_t published = channel->second->events_published();
    if (channel->second->subscribers().load(std::memory_order_relaxed) > 0 ||
        published != instance.published_at_sweep) {
      instance.busy_ms = now_ms;
      instance.published_at_sweep = published;
    }
    if (t != templates_.end() && now_ms - instance.busy_ms < t->second.options.idle_ttl_ms) {
      ++it;
      continue;
    }
    template_floor_ = std::max(template_floor_, channel->second->retire());
    channel->second->drop_stored();
    gone_from_store_.insert(channel->first);
    removed.push_back(channel->second);
    channels_.erase(channel);
    if (t != templates_.end()) {
      --t->second.live;
      t->second.published_by_gone += published;
    }
    it = instances_.erase(it);
  }
  return removed;
}

std::shared_ptr<Channel> ChannelDirectory::make_channel(ChannelOptions options) {
  uint64_t base = id_base_;
  if (auto it = retired_ids_.find(options.path); it != retired_ids_.end())
    base = std::max(base, it->second);
  // A template's channel made again after it went idle continues above any id the earlier
  // one gave, with no record kept of every value ever made: above every removed one's, and
  // above the time (ids are ms * 10^6 + seq) for a later run's.
  if (!options.template_path.empty()) {
    base = std::max({base, template_floor_, static_cast<uint64_t>(wall_ms()) * 1'000'000});
  }
  auto channel = std::make_shared<Channel>(options, base, targets_);
  if (options.history_on_disk && writer_ != nullptr) attach_store(*channel, options);
  return channel;
}

void ChannelDirectory::attach_store(Channel& channel, const ChannelOptions& options) {
  if (gone_from_store_.erase(options.path) > 0 && !writer_->flush(2000)) {
    log_warn("history store busy: a channel made again may miss its last stored events",
             {{"channel", options.path}});
  }
  try {
    StoredChannel stored =
        store_->load(options.path, options.history, options.history_max_age_ms, wall_ms());
    const uint32_t number = stored.number;
    writer_->register_channel(stored, options.path, options.history, options.history_max_age_ms);
    channel.restore(std::move(stored),
                    std::make_unique<ChannelJournal>(*writer_, number, options.history_sync));
  } catch (const StoreError& e) {
    // The store was checked whole at start, so this is a disk failing under us.
    log_error("history store unreadable: the channel keeps its history in memory only",
              {{"channel", options.path}, {"error", e.what()}});
  }
}

void ChannelDirectory::set_store(HistoryStore* store, HistoryWriter* writer) {
  std::lock_guard lock(mu_);
  store_ = store;
  writer_ = writer;
}

void ChannelDirectory::notify(const std::vector<std::shared_ptr<Channel>>& made) const {
  std::function<void(const std::shared_ptr<Channel>&)> fn;
  {
    std::lock_guard lock(mu_);
    fn = on_created_;
  }
  if (!fn) return;
  for (const auto& channel : made) fn(channel);
}

void ChannelDirectory::set_on_created(std::function<void(const std::shared_ptr<Channel>&)> fn) {
  std::lock_guard lock(mu_);
  on_created_ = std::move(fn);
}

std::vector<std::shared_ptr<Channel>> ChannelDirectory::all() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Channel>> out;
  out.reserve(channels_.size());
  for (const auto& [path, channel] : channels_) out.push_back(channel);
  return out;
}

std::vector<ChannelDirectory::TemplateStats> ChannelDirectory::template_stats() const {
  std::lock_guard lock(mu_);
  std::vector<TemplateStats> out;
  for (const auto& [text, t] : templates_) out.push_back({text, t.live, t.published_by_gone});
  return out;
}

}  // namespace ssegw
