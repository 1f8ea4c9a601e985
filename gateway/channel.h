#pragma once
// A channel: one path, its history and its id sequence. Thread-safe: sources, publishers
// and workers on any thread call it. Publishing assigns the id, encodes the frame once and
// hands it, in id order, to every fan-out target and tap while holding the channel lock,
// which is what makes replay-then-live seamless (see Worker::subscribe).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "channel_history.h"
#include "event.h"
#include "frame.h"
#include "history_writer.h"
#include "ip_address.h"

namespace ssegw {

struct ChannelOptions {
  std::string path;
  size_t history = 1000;
  int64_t history_max_age_ms = 0;  // 0: kept until pushed out by count
  bool history_on_disk = false;    // history.store: disk (history_store.h)
  HistorySync history_sync = HistorySync::kBatch;
  bool publish = false;               // POST allowed: see publish_* for by whom
  std::string publish_token;          // non-empty: Authorization: Bearer required
  std::vector<IpRange> publish_from;  // non-empty: only clients in these ranges
  bool publish_jwt = false;           // a JWT whose sse.publish covers the path
  bool subscribe_jwt = false;         // a JWT whose sse.subscribe covers the path
  int64_t retry_ms = 3000;            // 'retry:' sent on connect; 0: none
  // A channel made on demand from a template ("/rooms/{room}"): the template's path, which
  // /metrics labels it by. Empty for a configured channel.
  std::string template_path;
  size_t max_channels = 10000;    // templates: channels it may have at once; then 429
  int64_t idle_ttl_ms = 600'000;  // templates: no subscriber, no publish this long: removed
  bool operator==(const ChannelOptions&) const = default;
};

class Channel;

// Where a channel's frames go to reach subscribers: one per worker thread. Called with the
// channel lock held, so it must only enqueue.
class FanoutTarget {
 public:
  virtual ~FanoutTarget() = default;
  virtual void enqueue_frame(const std::shared_ptr<Channel>& channel, FrameRef frame) = 0;
};

// Sees every frame a channel publishes, in id order, on the publisher's thread (sinks).
// Called with the channel lock held: enqueue and return.
class ChannelTap {
 public:
  virtual ~ChannelTap() = default;
  virtual void on_frame(const FrameRef& frame) = 0;
};

struct PublishResult;

// Replaces local publishing for HTTP publishes (the Kafka backbone): the event goes to the
// route, and `done` runs (on any thread) once it is durable; the channel is then fed by the
// route's own consumer, which publishes with ids it assigns.
class PublishRoute {
 public:
  virtual ~PublishRoute() = default;
  virtual void route(Event event, std::function<void(PublishResult)> done) = 0;
};

// Supplies events older than the channel's history (Kafka offsets). `fetch` delivers, via
// `done` on any thread, every event after `after_id` and before `before_id` (exclusive; the
// oldest frame the subscriber gets from memory), or up to and including `through_id` when
// before_id is empty. ok=false: the id is not one of this provider's; replay history only.
class ResumeProvider {
 public:
  virtual ~ResumeProvider() = default;
  virtual bool understands(std::string_view last_event_id) const = 0;
  // True when a subscriber resuming from last_event_id has already seen the frame with
  // frame_id. Needed where ids that differ may name the same events (each gateway reading a
  // multi-partition topic interleaves partitions its own way): such frames are skipped in
  // the replay and in the live stream of that subscriber.
  virtual bool covers(std::string_view last_event_id, std::string_view frame_id) const {
    (void)last_event_id;
    (void)frame_id;
    return false;
  }
  virtual void fetch(std::string after_id, std::string before_id, std::string through_id,
                     std::function<void(bool ok, std::vector<Event> events)> done) = 0;
};

struct PublishResult {
  bool ok = false;
  std::string id;
  std::string error;
  int status = 0;         // an HTTP status for a refusal that is not the default's
  bool deferred = false;  // the answer comes later, once the event is on disk
};

// Answers a publish to a `sync: always` channel once its commit is on disk (any thread).
using DeferredAnswer = std::function<void(PublishResult)>;

struct ReplayPlan {
  std::vector<FrameRef> frames;  // to send before anything live
  uint64_t last_seq = 0;         // live frames with seq <= this are already covered
  bool id_known = true;          // false: the id was not found, replay starts at the oldest
  std::string newest_id;         // id of the frame with seq last_seq (empty if none yet)
  // Set when the id cannot be honoured exactly: "expired" (older than the history) or
  // "unknown" (never issued here, or from a store that was lost); see reset_event.
  std::string reset_reason;
  std::string oldest_id;  // of the oldest retained frame, for the reset event
};

class Channel : public std::enable_shared_from_this<Channel> {
 public:
  // id_base makes ids unique across restarts: ids are id_base + seq, and id_base is the
  // start time in ms times 10^6, so a later run's ids are always larger.
  Channel(ChannelOptions options, uint64_t id_base, std::vector<FanoutTarget*> targets);

  const std::string& path() const { return options_.path; }
  ChannelOptions options() const;
  void update_options(const ChannelOptions& options);

  // Called once, right after construction, by the directory of a channel whose history is
  // on disk: the retained events come back (ids continue above them) and every publish is
  // written through `journal`.
  void restore(StoredChannel stored, std::unique_ptr<ChannelJournal> journal);

  // Thread-safe. Assigns an id unless the event carries one (a source with its own ids,
  // such as Kafka positions), frames it and fans it out. Fails once the channel is retired,
  // and with 507 while its disk store is full. With `answer` on a sync: always channel the
  // result is deferred: `answer` gets it once the event is on disk.
  PublishResult publish(Event event, DeferredAnswer answer = nullptr);
  bool answers_after_commit() const;

  // The channel left the config: it publishes nothing more, and the number returned (the
  // last id it issued) is where a channel later made for the same path starts its ids.
  uint64_t retire();
  // A retired template channel's stored events go with it, as a memory one's do.
  void drop_stored();

  // Frames after last_event_id (everything retained if it is not held) plus the seq the
  // caller's live stream starts after. Empty id: nothing to replay.
  ReplayPlan plan_replay(std::string_view last_event_id);
  // Every retained frame: for a channel that a resuming subscription's id does not mention
  // (made after it), so all the channel has is new to the subscriber.
  ReplayPlan plan_replay_all();
  // Every retained frame published at or after the time (?lastEventId=<RFC 3339 time>).
  ReplayPlan plan_replay_since(int64_t since_ms);

  void add_tap(ChannelTap* tap);
  void remove_tap(ChannelTap* tap);

  // Set by a bridge before the gateway starts serving; both may be null.
  void set_publish_route(PublishRoute* route);
  PublishRoute* publish_route() const;
  void set_resume_provider(ResumeProvider* provider);
  // The pointers as set, for identity checks only: to call one, use the with_ forms.
  ResumeProvider* resume_provider() const;
  // Run fn with the hook (maybe null) held: the setters wait for running calls, so a bridge
  // that unset its hook in stop() can be destroyed safely afterwards.
  template <class F>
  auto with_resume_provider(F&& fn) const {
    std::shared_lock lock(hooks_mu_);
    return fn(resume_.load(std::memory_order_relaxed));
  }
  template <class F>
  auto with_publish_route(F&& fn) const {
    std::shared_lock lock(hooks_mu_);
    return fn(route_.load(std::memory_order_relaxed));
  }

  // Backpressure: a sink that cannot keep up holds the channel; sources poll accepting()
  // and pause reading their upstream while it is false. Nested holds count.
  void hold() { holds_.fetch_add(1, std::memory_order_relaxed); }
  void release_hold() { holds_.fetch_sub(1, std::memory_order_relaxed); }
  // The disk store is full: publishes get 507 (counted for /metrics) until retention frees it.
  bool store_full() const { return journal_ && journal_->full(); }
  void count_store_refusal() {
    if (journal_) journal_->count_refused();
  }
  bool accepting() const {
    return holds_.load(std::memory_order_relaxed) <= 0 && !(journal_ && journal_->full());
  }

  // Exactly-once restarts: a sink that found, at start, the last event it delivered for a
  // source records that event's origin id; the source resumes its upstream after it.
  void set_resume_point(const std::string& source, const std::string& origin_id);
  std::optional<std::string> resume_point(const std::string& source) const;

  // Counters for /metrics.
  uint64_t events_published() const { return published_.load(std::memory_order_relaxed); }
  std::atomic<int64_t>& subscribers() { return subscribers_; }
  // Counted by the workers for the status page (status_snapshot.h): frames queued to this
  // channel's subscribers, and subscribers of it dropped for a full queue.
  void count_delivered(uint64_t n) { delivered_.fetch_add(n, std::memory_order_relaxed); }
  void count_slow_drop() { slow_drops_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t events_delivered() const { return delivered_.load(std::memory_order_relaxed); }
  uint64_t slow_drops() const { return slow_drops_.load(std::memory_order_relaxed); }
  size_t history_size() const;
  uint64_t last_seq() const;

 private:
  std::optional<uint64_t> seq_for_id(std::string_view id) const;
  ReplayPlan plan_with(std::vector<FrameRef> frames);
  std::optional<uint64_t> own_seq(std::string_view id) const;

  mutable std::mutex mu_;
  ChannelOptions options_;
  const uint64_t id_base_;
  uint64_t seq_ = 0;
  uint64_t first_seq_ = 0;  // seqs up to this came back from the store, with their own ids
  // Seq of the first frame published with an id of its own (0: none yet). Above first_seq_
  // and below it, every frame's id is id_base_ + seq; from it on, one that reads so may be
  // a relayed id.
  uint64_t first_carried_seq_ = 0;
  bool retired_ = false;
  std::unique_ptr<ChannelJournal> journal_;  // set by restore() only
  std::string newest_id_;
  ChannelHistory history_;
  std::vector<FanoutTarget*> targets_;
  std::vector<ChannelTap*> taps_;
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> slow_drops_{0};
  std::atomic<int64_t> subscribers_{0};
  std::atomic<int> holds_{0};
  mutable std::shared_mutex hooks_mu_;
  std::atomic<PublishRoute*> route_{nullptr};
  std::atomic<ResumeProvider*> resume_{nullptr};
  std::map<std::string, std::string> resume_points_;  // guarded by mu_
};

}  // namespace ssegw
