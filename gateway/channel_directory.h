#pragma once
// Every channel by path. Configured channels come from the config; template channels
// ("/rooms/{room}") and sources with path templates (MQTT's /mqtt/{topic}) make more on
// demand, up to a limit each.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "channel.h"
#include "channel_template.h"
#include "history_store.h"
#include "history_writer.h"

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
  // The options a template gives `path` when no channel has it yet: what a request is
  // authorized against before anything is made for it. nullopt: no template matches.
  std::optional<ChannelOptions> template_options(const std::string& path) const;
  // The channel, made from its template when it has none yet. Null when no template
  // matches, or (with *full set) when the template has max_channels already.
  std::shared_ptr<Channel> find_or_make(const std::string& path, bool* full);
  // Makes the configured set exactly `wanted`: keeps unchanged channels (subscribers and
  // history stay), updates options in place, adds new ones; returns the removed ones.
  std::vector<std::shared_ptr<Channel>> apply(const std::vector<ChannelOptions>& wanted);
  // Template channels with no subscriber and no publish for their idle_ttl: removed and
  // returned, so that the caller can tell the workers.
  std::vector<std::shared_ptr<Channel>> sweep_idle(int64_t now_ms);
  std::vector<std::shared_ptr<Channel>> all() const;
  // Per template, for /metrics: its live channels, and the events published by the ones that
  // went already (so that the template's publish counter never goes down).
  struct TemplateStats {
    std::string path;
    size_t live = 0;
    uint64_t published_by_gone = 0;
  };
  std::vector<TemplateStats> template_stats() const;
  // Called, outside the directory's lock, with every channel made after start (on demand or
  // by a reload): multiplexed subscriptions with patterns take it (Worker::channel_added).
  void set_on_created(std::function<void(const std::shared_ptr<Channel>&)> fn);
  // Channels with history.store: disk keep it here (set before the first apply; both may be
  // null when no channel stores to disk).
  void set_store(HistoryStore* store, HistoryWriter* writer);

 private:
  struct Template {
    ChannelTemplate shape;
    ChannelOptions options;
    size_t live = 0;
    uint64_t published_by_gone = 0;
  };
  struct Instance {
    std::string template_path;
    uint64_t published_at_sweep = 0;
    int64_t busy_ms = 0;  // last sweep that saw a subscriber or a new publish
  };

  mutable std::mutex mu_;
  const uint64_t id_base_;
  const std::vector<FanoutTarget*> targets_;
  std::map<std::string, std::shared_ptr<Channel>> channels_;
  std::map<std::string, bool> dynamic_;  // path -> created on demand
  std::map<std::string, Template> templates_;
  std::map<std::string, Instance> instances_;  // path -> made from a template
  // Last id issued by each removed configured channel: a channel re-added for the path by a
  // later reload starts above it, so no id is ever issued twice for one path in a process.
  std::map<std::string, uint64_t> retired_ids_;
  // The highest id any removed template channel issued: one number, however many values
  // came and went, that a template channel made later starts above.
  uint64_t template_floor_ = 0;
  HistoryStore* store_ = nullptr;
  HistoryWriter* writer_ = nullptr;
  // Paths whose disk channel went (reload, idle sweep) and may come back: the writer must
  // be done with the old one's events before a new one reads the store.
  std::set<std::string> gone_from_store_;
  std::function<void(const std::shared_ptr<Channel>&)> on_created_;

  std::shared_ptr<Channel> make_channel(ChannelOptions options);
  void attach_store(Channel& channel, const ChannelOptions& options);
  const Template* template_for(const std::string& path) const;
  void notify(const std::vector<std::shared_ptr<Channel>>& made) const;
};

}  // namespace ssegw
