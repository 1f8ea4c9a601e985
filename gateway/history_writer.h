#pragma once
// The one thread that writes the history store (history_store.h). Channels hand it frames
// under their lock (enqueue only: fan-out never waits for the disk); it writes whatever has
// queued in one transaction (a group commit), applies retention by size and age, and
// fsyncs as each event's channel asks: `always` before the publish is answered, `batch` at
// most every 10 ms, `none` when the OS decides.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "frame.h"
#include "history_store.h"

namespace ssegw {

enum class HistorySync { kAlways, kBatch, kNone };

// Runs once the event's commit is on disk (ok) or failed; on the writer's thread.
using DurableDone = std::function<void(bool ok)>;

class HistoryWriter {
 public:
  // limit_bytes: the store's bound on its events' bytes (keys and values); at it, channels
  // refuse publishes (507) until retention frees room.
  HistoryWriter(HistoryStore& store, int64_t limit_bytes);
  HistoryWriter(const HistoryWriter&) = delete;
  HistoryWriter& operator=(const HistoryWriter&) = delete;
  ~HistoryWriter();  // writes what is queued, fsyncs, joins

  void register_channel(const StoredChannel& stored, const std::string& path, size_t max_events,
                        int64_t max_age_ms);
  void append(uint32_t number, HistorySync sync, FrameRef frame, DurableDone done);
  void set_limits(uint32_t number, size_t max_events, int64_t max_age_ms);
  // The channel is gone (a template channel swept idle): its stored events go too.
  void drop_channel(uint32_t number, const std::string& path);
  // Blocks until everything queued before the call is committed and on disk, or the time
  // is up (a full store retries its last group until retention frees room).
  bool flush(int64_t timeout_ms);

  bool full() const { return full_.load(std::memory_order_relaxed); }
  void count_refused() { refused_.fetch_add(1, std::memory_order_relaxed); }

  struct Stats {
    uint64_t commits = 0;
    uint64_t events_written = 0;
    uint64_t syncs = 0;
    uint64_t refused = 0;
    uint64_t errors = 0;
    int64_t event_bytes = 0;
    size_t queued = 0;
    bool full = false;
  };
  Stats stats() const;

 private:
  enum class Kind { kRegister, kAppend, kLimits, kDrop, kFlush };
  struct Op {
    Kind kind = Kind::kAppend;
    uint32_t number = 0;
    HistorySync sync = HistorySync::kBatch;
    FrameRef frame;
    std::string path;
    size_t max_events = 0;
    int64_t max_age_ms = 0;
    uint64_t dropped_through = 0;
    uint64_t dropped_seq = 0;
    DurableDone done;
  };
  struct ChannelState {
    std::string path;
    size_t max_events = 0;
    int64_t max_age_ms = 0;
    uint64_t dropped_through = 0;
    uint64_t dropped_seq = 0;
    bool record_dirty = false;
  };

  void push(Op op);
  void run();
  bool commit_group(std::vector<Op>& ops);  // false: the map is full, ops kept for a retry
  int apply(MDB_txn* txn, const Op& op, std::map<uint32_t, uint64_t>& newest);
  int trim_by_count(MDB_txn* txn, uint32_t number, uint64_t newest_seq);
  int trim_by_age(MDB_txn* txn, int64_t now_ms);
  // Deletes the channel's oldest events while `drop(seq, published_ms)` says so.
  int delete_while(MDB_txn* txn, uint32_t number,
                   const std::function<bool(uint64_t, int64_t)>& drop);
  int write_records(MDB_txn* txn);
  void age_trim_if_due();
  void finish(std::vector<Op>& ops, bool ok);
  void sync_if_due(bool force);
  void update_full();
  void log_full_if_due();

  HistoryStore& store_;
  const int64_t limit_bytes_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable flushed_;
  std::vector<Op> queue_;                      // guarded by mu_
  bool stopping_ = false;                      // guarded by mu_
  uint64_t flush_asked_ = 0, flush_done_ = 0;  // guarded by mu_
  // Writer thread only:
  std::map<uint32_t, ChannelState> channels_;
  int64_t last_sync_ms_ = 0;
  bool unsynced_ = false;  // a batch (or always) commit not yet fsynced
  bool map_full_ = false;  // LMDB refused a group: retried until it fits
  int64_t last_age_trim_ms_ = 0;
  int64_t last_full_log_ms_ = 0;
  uint64_t refused_logged_ = 0;
  // Read by stats() from any thread:
  std::atomic<int64_t> event_bytes_{0};
  std::atomic<bool> full_{false};
  std::atomic<uint64_t> commits_{0}, written_{0}, syncs_{0}, refused_{0}, errors_{0};
  std::atomic<size_t> queued_{0};
  std::thread thread_;
};

// A channel's way into the writer: what Channel holds when its history is on disk.
class ChannelJournal {
 public:
  ChannelJournal(HistoryWriter& writer, uint32_t number, HistorySync sync)
      : writer_(writer), number_(number), sync_(sync) {}
  void append(FrameRef frame, DurableDone done) {
    writer_.append(number_, sync_, std::move(frame), std::move(done));
  }
  bool full() const { return writer_.full(); }
  void count_refused() { writer_.count_refused(); }
  bool acks_after_commit() const { return sync_ == HistorySync::kAlways; }
  void set_limits(size_t max_events, int64_t max_age_ms) {
    writer_.set_limits(number_, max_events, max_age_ms);
  }
  void set_sync(HistorySync sync) { sync_ = sync; }
  void drop(const std::string& path) { writer_.drop_channel(number_, path); }

 private:
  HistoryWriter& writer_;
  const uint32_t number_;
  HistorySync sync_;  // under the channel's lock
};

}  // namespace ssegw
