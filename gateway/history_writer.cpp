#include "history_writer.h"

#include <algorithm>
#include <chrono>

#include "clock.h"
#include "log.h"
#include "text.h"

namespace ssegw {

namespace {
constexpr int64_t kBatchSyncMs = 10;    // sync: batch: the loss window on power failure
constexpr int64_t kAgeTrimMs = 1000;    // retention by age runs this often
constexpr int64_t kFullRetryMs = 200;   // a group the map had no room for is tried again
constexpr int64_t kFullLogMs = 10'000;  // refused publishes are logged at most this often
}  // namespace

HistoryWriter::HistoryWriter(HistoryStore& store, int64_t limit_bytes)
    : store_(store), limit_bytes_(limit_bytes) {
  event_bytes_.store(store.stored_event_bytes());
  update_full();
  last_age_trim_ms_ = mono_ms();
  thread_ = std::thread([this] { run(); });
}

HistoryWriter::~HistoryWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void HistoryWriter::push(Op op) {
  bool was_empty = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      if (op.done) op.done(false);
      return;
    }
    was_empty = queue_.empty();
    queue_.push_back(std::move(op));
    queued_.store(queue_.size(), std::memory_order_relaxed);
  }
  if (was_empty) wake_.notify_one();
}

void HistoryWriter::register_channel(const StoredChannel& stored, const std::string& path,
                                     size_t max_events, int64_t max_age_ms) {
  Op op;
  op.kind = Kind::kRegister;
  op.number = stored.number;
  op.path = path;
  op.max_events = max_events;
  op.max_age_ms = max_age_ms;
  op.dropped_through = stored.dropped_through;
  op.dropped_seq = stored.dropped_seq;
  push(std::move(op));
}

void HistoryWriter::append(uint32_t number, HistorySync sync, FrameRef frame, DurableDone done) {
  Op op;
  op.kind = Kind::kAppend;
  op.number = number;
  op.sync = sync;
  op.frame = std::move(frame);
  op.done = std::move(done);
  push(std::move(op));
}

void HistoryWriter::set_limits(uint32_t number, size_t max_events, int64_t max_age_ms) {
  Op op;
  op.kind = Kind::kLimits;
  op.number = number;
  op.max_events = max_events;
  op.max_age_ms = max_age_ms;
  push(std::move(op));
}

void HistoryWriter::drop_channel(uint32_t number, const std::string& path) {
  Op op;
  op.kind = Kind::kDrop;
  op.number = number;
  op.path = path;
  push(std::move(op));
}

bool HistoryWriter::flush(int64_t timeout_ms) {
  std::unique_lock lock(mu_);
  if (stopping_) return false;
  const uint64_t ticket = ++flush_asked_;
  Op op;
  op.kind = Kind::kFlush;
  op.sync = HistorySync::kAlways;
  queue_.push_back(std::move(op));
  wake_.notify_one();
  return flushed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                           [&] { return flush_done_ >= ticket; });
}

HistoryWriter::Stats HistoryWriter::stats() const {
  Stats s;
  s.commits = commits_.load(std::memory_order_relaxed);
  s.events_written = written_.load(std::memory_order_relaxed);
  s.syncs = syncs_.load(std::memory_order_relaxed);
  s.refused = refused_.load(std::memory_order_relaxed);
  s.errors = errors_.load(std::memory_order_relaxed);
  s.event_bytes = event_bytes_.load(std::memory_order_relaxed);
  s.queued = queued_.load(std::memory_order_relaxed);
  s.full = full_.load(std::memory_order_relaxed);
  return s;
}

void HistoryWriter::update_full() {
  const bool full = map_full_ || event_bytes_.load(std::memory_order_relaxed) >= limit_bytes_;
  if (full == full_.load(std::memory_order_relaxed)) return;
  full_.store(full, std::memory_order_relaxed);
  if (full) {
    log_warn("history store full: publishes to disk channels get 507 until retention frees room",
             {{"file", store_.file()}, {"limit_bytes", std::to_string(limit_bytes_)}});
  } else {
    log_info("history store has room again", {{"file", store_.file()}});
  }
}

void HistoryWriter::log_full_if_due() {
  const uint64_t refused = refused_.load(std::memory_order_relaxed);
  const int64_t now = mono_ms();
  if (refused == refused_logged_ || now - last_full_log_ms_ < kFullLogMs) return;
  log_warn("history store full: publishes refused",
           {{"file", store_.file()}, {"refused", std::to_string(refused - refused_logged_)}});
  refused_logged_ = refused;
  last_full_log_ms_ = now;
}

void HistoryWriter::run() {
  std::vector<Op> retry;  // a group the map had no room for, in order
  for (;;) {
    std::vector<Op> ops;
    bool stopping = false;
    uint64_t flush_ticket = 0;
    {
      std::unique_lock lock(mu_);
      const int64_t now = mono_ms();
      int64_t wait_ms = kAgeTrimMs - (now - last_age_trim_ms_);
      if (unsynced_) wait_ms = std::min(wait_ms, kBatchSyncMs - (now - last_sync_ms_));
      if (!retry.empty()) wait_ms = std::min(wait_ms, kFullRetryMs);
      if (queue_.empty() && !stopping_ && wait_ms > 0)
        wake_.wait_for(lock, std::chrono::milliseconds(wait_ms));
      ops.swap(queue_);
      queued_.store(0, std::memory_order_relaxed);
      stopping = stopping_;  // once set, push() takes nothing more
      flush_ticket = flush_asked_;
    }
    age_trim_if_due();
    if (!retry.empty()) {
      retry.insert(retry.end(), std::make_move_iterator(ops.begin()),
                   std::make_move_iterator(ops.end()));
      ops = std::move(retry);
      retry.clear();
    }
    if (!ops.empty() && !commit_group(ops)) retry = std::move(ops);
    sync_if_due(false);
    if (retry.empty()) {
      std::lock_guard lock(mu_);
      flush_done_ = flush_ticket;
    }
    flushed_.notify_all();
    log_full_if_due();
    if (stopping) break;
  }
  if (!retry.empty()) {
    log_error("history store full at shutdown: events kept in memory only were not written",
              {{"file", store_.file()}, {"events", std::to_string(retry.size())}});
    finish(retry, false);
  }
  unsynced_ = true;
  sync_if_due(true);
  std::lock_guard lock(mu_);
  flush_done_ = flush_asked_;
  flushed_.notify_all();
}

// One transaction for everything queued: the group commit that makes `always` affordable.
bool HistoryWriter::commit_group(std::vector<Op>& ops) {
  const int64_t bytes_before = event_bytes_.load(std::memory_order_relaxed);
  auto channels_before = channels_;
  int rc = 0;
  bool needs_sync = false, batched = false;
  {
    MdbTxn txn(store_.env(), 0);
    std::map<uint32_t, uint64_t> newest;  // per channel: its newest seq in this group
    for (const Op& op : ops) {
      if ((rc = apply(txn.get(), op, newest)) != 0) break;
      needs_sync = needs_sync || op.sync == HistorySync::kAlways;  // appends and flushes
      batched = batched || (op.kind == Kind::kAppend && op.sync == HistorySync::kBatch);
    }
    for (const auto& [number, seq] : newest) {
      if (rc == 0) rc = trim_by_count(txn.get(), number, seq);
    }
    if (rc == 0) rc = write_records(txn.get());
    if (rc == 0) rc = txn.commit();
  }
  if (rc == MDB_MAP_FULL) {
    // Nothing of the group was written: try it again once retention has freed pages.
    event_bytes_.store(bytes_before, std::memory_order_relaxed);
    channels_ = std::move(channels_before);
    map_full_ = true;
    update_full();
    return false;
  }
  if (rc != 0) {
    event_bytes_.store(bytes_before, std::memory_order_relaxed);
    channels_ = std::move(channels_before);
    errors_.fetch_add(1, std::memory_order_relaxed);
    log_error("history store write failed: these events are kept in memory only",
              {{"file", store_.file()},
               {"error", mdb_strerror(rc)},
               {"events", std::to_string(ops.size())}});
    finish(ops, false);
    return true;
  }
  commits_.fetch_add(1, std::memory_order_relaxed);
  unsynced_ = unsynced_ || batched || needs_sync;
  map_full_ = false;
  update_full();
  if (needs_sync) sync_if_due(true);
  finish(ops, true);
  return true;
}

int HistoryWriter::apply(MDB_txn* txn, const Op& op, std::map<uint32_t, uint64_t>& newest) {
  switch (op.kind) {
    case Kind::kRegister: {
      ChannelState& state = channels_[op.number];
      state.path = op.path;
      state.max_events = op.max_events;
      state.max_age_ms = op.max_age_ms;
      if (op.dropped_through > state.dropped_through) {
        state.dropped_through = op.dropped_through;
        state.dropped_seq = op.dropped_seq;
      }
      state.record_dirty = true;
      return 0;
    }
    case Kind::kLimits: {
      auto it = channels_.find(op.number);
      if (it == channels_.end()) return 0;
      it->second.max_events = op.max_events;
      it->second.max_age_ms = op.max_age_ms;
      newest.emplace(op.number, 0);  // trims by the new count within this group
      return 0;
    }
    case Kind::kDrop: {
      int rc = delete_while(txn, op.number, [](uint64_t, int64_t) { return true; });
      if (rc != 0) return rc;
      MDB_val key = as_val(op.path);
      rc = mdb_del(txn, store_.channels_db(), &key, nullptr);
      channels_.erase(op.number);
      newest.erase(op.number);
      return rc == MDB_NOTFOUND ? 0 : rc;
    }
    case Kind::kFlush:
      return 0;
    case Kind::kAppend:
      break;
  }
  const Frame& frame = *op.frame.get();
  const std::string key = stored_layout::event_key(op.number, frame.seq());
  const std::string value = stored_layout::encode_event(frame.published_ms(), frame.event());
  MDB_val k = as_val(key), v = as_val(value);
  if (int rc = mdb_put(txn, store_.events_db(), &k, &v, 0); rc != 0) return rc;
  event_bytes_.fetch_add(static_cast<int64_t>(key.size() + value.size()),
                         std::memory_order_relaxed);
  uint64_t& seq = newest[op.number];
  seq = std::max(seq, frame.seq());
  return 0;
}

int HistoryWriter::delete_while(MDB_txn* txn, uint32_t number,
                                const std::function<bool(uint64_t, int64_t)>& drop) {
  MdbCursor cursor(txn, store_.events_db());
  const std::string start = stored_layout::event_key(number, 0);
  MDB_val k = as_val(start), v;
  auto state = channels_.find(number);
  for (int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_RANGE); rc != MDB_NOTFOUND;
       rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {  // after a delete: the next one
    if (rc != 0) return rc;
    uint32_t channel = 0;
    uint64_t seq = 0;
    int64_t ms = 0;
    Event event;
    if (!stored_layout::parse_event_key(as_view(k), &channel, &seq) || channel != number) break;
    if (!stored_layout::decode_event(as_view(v), &ms, &event) || !drop(seq, ms)) break;
    const int64_t size = static_cast<int64_t>(k.mv_size + v.mv_size);
    if ((rc = mdb_cursor_del(cursor.get(), 0)) != 0) return rc;
    event_bytes_.fetch_sub(size, std::memory_order_relaxed);
    if (state != channels_.end()) {
      const uint64_t id = decimal_id(event.id);
      if (id > state->second.dropped_through) {
        state->second.dropped_through = id;
        state->second.dropped_seq = seq;
        state->second.record_dirty = true;
      }
    }
  }
  return 0;
}

int HistoryWriter::trim_by_count(MDB_txn* txn, uint32_t number, uint64_t newest_seq) {
  auto it = channels_.find(number);
  if (it == channels_.end()) return 0;
  const size_t keep = it->second.max_events;
  if (newest_seq == 0) {
    // New limits with no append in the group: count from the channel's newest stored key.
    MdbCursor cursor(txn, store_.events_db());
    const std::string after = stored_layout::event_key(number + 1, 0);
    MDB_val k = as_val(after), v;
    int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_RANGE);
    rc = rc == 0 ? mdb_cursor_get(cursor.get(), &k, &v, MDB_PREV)
                 : mdb_cursor_get(cursor.get(), &k, &v, MDB_LAST);
    uint32_t channel = 0;
    if (rc != 0 || !stored_layout::parse_event_key(as_view(k), &channel, &newest_seq) ||
        channel != number) {
      return 0;
    }
  }
  if (newest_seq <= keep) return 0;
  const uint64_t through = newest_seq - keep;
  return delete_while(txn, number, [through](uint64_t seq, int64_t) { return seq <= through; });
}

int HistoryWriter::trim_by_age(MDB_txn* txn, int64_t now_ms) {
  for (auto& [number, state] : channels_) {
    if (state.max_age_ms <= 0) continue;
    const int64_t cutoff = now_ms - state.max_age_ms;
    int rc = delete_while(txn, number, [cutoff](uint64_t, int64_t ms) { return ms < cutoff; });
    if (rc != 0) return rc;
  }
  return 0;
}

int HistoryWriter::write_records(MDB_txn* txn) {
  for (auto& [number, state] : channels_) {
    if (!state.record_dirty) continue;
    const std::string record =
        stored_layout::encode_record({number, state.dropped_through, state.dropped_seq});
    MDB_val k = as_val(state.path), v = as_val(record);
    if (int rc = mdb_put(txn, store_.channels_db(), &k, &v, 0); rc != 0) return rc;
    state.record_dirty = false;
  }
  return 0;
}

void HistoryWriter::age_trim_if_due() {
  const int64_t now = mono_ms();
  if (now - last_age_trim_ms_ < kAgeTrimMs) return;
  last_age_trim_ms_ = now;
  const int64_t bytes_before = event_bytes_.load(std::memory_order_relaxed);
  auto channels_before = channels_;
  MdbTxn txn(store_.env(), 0);
  int rc = trim_by_age(txn.get(), wall_ms());
  if (rc == 0) rc = write_records(txn.get());
  if (rc == 0) rc = txn.commit();
  if (rc != 0) {
    event_bytes_.store(bytes_before, std::memory_order_relaxed);
    channels_ = std::move(channels_before);
    if (rc != MDB_MAP_FULL) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      log_error("history store retention failed", {{"error", mdb_strerror(rc)}});
    }
    return;
  }
  update_full();
}

void HistoryWriter::sync_if_due(bool force) {
  if (!unsynced_) return;
  const int64_t now = mono_ms();
  if (!force && now - last_sync_ms_ < kBatchSyncMs) return;
  if (int rc = mdb_env_sync(store_.env(), 1); rc != 0) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    log_error("history store fsync failed", {{"file", store_.file()}, {"error", mdb_strerror(rc)}});
  }
  syncs_.fetch_add(1, std::memory_order_relaxed);
  last_sync_ms_ = now;
  unsynced_ = false;
}

// Counted before anyone is answered, so that whoever got an answer sees it in stats().
void HistoryWriter::finish(std::vector<Op>& ops, bool ok) {
  if (ok) {
    const auto appends = std::count_if(ops.begin(), ops.end(),
                                       [](const Op& op) { return op.kind == Kind::kAppend; });
    written_.fetch_add(static_cast<uint64_t>(appends), std::memory_order_relaxed);
  }
  for (Op& op : ops) {
    if (op.kind == Kind::kAppend && op.done) op.done(ok);
  }
  ops.clear();
}

}  // namespace ssegw
