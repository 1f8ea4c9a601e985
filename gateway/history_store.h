#pragma once
// Durable channel history on local disk (LMDB): one environment under <state_dir>/history
// for every channel with `history: {store: disk}`. Keys are (channel number, seq), big
// endian, so one channel's events are one ordered range. The store is written only by its
// HistoryWriter thread (history_writer.h); reads (a channel's events at start) run in read
// transactions on any thread. Opening checks the whole store: a corrupt or unreadable one
// stops the start with an error naming the file.
#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "event.h"
#include "unique_fd.h"

namespace ssegw {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StoredEvent {
  uint64_t seq = 0;
  int64_t published_ms = 0;
  Event event;  // id, type and data
};

// What a channel finds in the store when it is made.
struct StoredChannel {
  uint32_t number = 0;
  uint64_t last_seq = 0;            // of the newest event ever stored (0: none)
  uint64_t dropped_through = 0;     // highest decimal id retention has removed (0: none)
  uint64_t dropped_seq = 0;         // and its seq: a resume from exactly that id may be exact
  std::vector<StoredEvent> events;  // retained, oldest first, at most `keep` of them
};

// A channel's entry in the store's "channels" table, by path.
struct ChannelRecord {
  uint32_t number = 0;
  uint64_t dropped_through = 0;
  uint64_t dropped_seq = 0;
};

// Value and key layouts, shared with the writer and the unit tests.
namespace stored_layout {
std::string event_key(uint32_t channel, uint64_t seq);
bool parse_event_key(std::string_view key, uint32_t* channel, uint64_t* seq);
std::string encode_event(int64_t published_ms, const Event& event);
bool decode_event(std::string_view value, int64_t* published_ms, Event* event);
std::string encode_record(const ChannelRecord& record);
bool decode_record(std::string_view value, ChannelRecord* record);
}  // namespace stored_layout

struct MdbEnvDeleter {
  void operator()(MDB_env* env) const { mdb_env_close(env); }
};
using MdbEnvPtr = std::unique_ptr<MDB_env, MdbEnvDeleter>;

// A transaction that aborts unless committed.
class MdbTxn {
 public:
  MdbTxn(MDB_env* env, unsigned flags);
  MdbTxn(const MdbTxn&) = delete;
  MdbTxn& operator=(const MdbTxn&) = delete;
  ~MdbTxn();
  MDB_txn* get() const { return txn_; }
  int commit();  // the LMDB result; the transaction is finished either way

 private:
  MDB_txn* txn_ = nullptr;
};

class MdbCursor {
 public:
  MdbCursor(MDB_txn* txn, MDB_dbi dbi);
  MdbCursor(const MdbCursor&) = delete;
  MdbCursor& operator=(const MdbCursor&) = delete;
  ~MdbCursor() { mdb_cursor_close(cursor_); }
  MDB_cursor* get() const { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

inline std::string_view as_view(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}
inline MDB_val as_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

// LMDB's map for a store_size: store_size bounds the events' own bytes (what 507 is decided
// by, exactly); the rest is room for the B-tree's pages and its free list.
inline int64_t history_map_bytes(int64_t store_size) {
  return 2 * store_size + (int64_t{16} << 20);
}

class HistoryStore {
 public:
  // Opens (creating it when absent) <state_dir>/history, bounded by map_bytes, and checks
  // every record in it. read_only: for --check-config, next to a running gateway.
  // Throws StoreError naming the file.
  static std::unique_ptr<HistoryStore> open(const std::string& state_dir, int64_t map_bytes,
                                            bool read_only = false);
  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  // The channel's record (a number is given to a new path and kept by the writer's first
  // commit) and its newest `keep` events younger than max_age_ms (0: any age).
  StoredChannel load(const std::string& path, size_t keep, int64_t max_age_ms, int64_t now_ms);

  MDB_env* env() const { return env_.get(); }
  MDB_dbi events_db() const { return events_; }
  MDB_dbi channels_db() const { return channels_; }
  const std::string& file() const { return file_; }
  // Pages in use up to the highest one written, and the map's limit: for /metrics.
  int64_t used_bytes() const;
  int64_t map_bytes() const;
  size_t channel_count() const;
  // Bytes of every stored event's key and value when the store was opened.
  int64_t stored_event_bytes() const { return event_bytes_at_open_; }

 private:
  HistoryStore() = default;
  void check_all();  // reads every record: a corrupt store fails here, at start

  MdbEnvPtr env_;
  MDB_dbi events_ = 0;
  MDB_dbi channels_ = 0;
  std::string file_;  // <dir>/data.mdb, for messages
  UniqueFd lock_;     // flock held while a gateway serves from this store
  mutable std::mutex mu_;
  uint32_t next_number_ = 1;   // guarded by mu_
  size_t channels_known_ = 0;  // guarded by mu_
  int64_t event_bytes_at_open_ = 0;
};

}  // namespace ssegw
