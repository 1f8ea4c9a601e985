#pragma once
// A sink's overflow on disk: a bounded FIFO of opaque records in append-only segment files
// under one folder (`<state_dir>/spool/<sink name>/`), for a sink whose broker is away or
// whose memory queue is full. Bridge-independent: a sink spools bytes (spooled_event.h
// turns an Event into them) and reads them back in order once its broker is back.
//
// Records are read ahead (read_next) and forgotten only when the sink says they were
// delivered (commit_oldest), so a record the broker never acknowledged is read again after a
// restart: delivery stays at least once. A segment is deleted once all of its records are
// delivered. The folder survives a restart; open() checks every record and cuts a torn one
// at the end of a segment (a crash mid-write) off, logging it.
//
// Durability: each record reaches the kernel in one write() at append, so a crash of the
// gateway loses nothing spooled. A segment is fdatasync'ed when it is full and a new one
// starts, at close, and by sync(), which sinks call about once a second: a crash of the
// machine loses at most the records appended since then.
//
// Thread-safe: a sink appends on its publishers' threads and reads on its own.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/unique_fd.h"

namespace ssegw {

struct SinkSpoolOptions {
  std::string dir;             // made if missing, with its parents
  uint64_t max_bytes = 0;      // bound on the total size of the segment files
  uint64_t segment_bytes = 0;  // a segment starts past this; 0: max_bytes / 8, 4KiB..16MiB
  // Given, at open, each undelivered record an earlier run left, oldest first (a sink that
  // resumes its upstream learns from them how far its sources got).
  std::function<void(std::string_view payload)> on_reopened_record;
};

struct SpoolRecord {
  std::string payload;
  int64_t spooled_ms = 0;  // wall clock at append
};

class SinkSpool {
 public:
  // Opens the folder (locked against a second process) and reads what an earlier run left;
  // nullptr and `error` when it cannot.
  static std::unique_ptr<SinkSpool> open(const SinkSpoolOptions& options, std::string& error);
  // Syncs, and records how far delivery got so that a restart does not send those again.
  ~SinkSpool();
  SinkSpool(const SinkSpool&) = delete;
  SinkSpool& operator=(const SinkSpool&) = delete;

  enum class Append { kOk, kFull, kTooLarge, kFailed };
  // kFull: no room now; kTooLarge: could never fit; kFailed: the disk refused (logged).
  Append append(std::string_view payload, int64_t now_ms);
  // The oldest record not yet read, or nullopt when every record was read.
  std::optional<SpoolRecord> read_next();
  // The oldest record handed out by read_next was delivered: drop it for good.
  void commit_oldest();
  // fdatasync of what was appended since the last sync; the disk wait is outside the lock.
  void sync();

  bool empty() const;        // no undelivered record
  bool has_unread() const;   // read_next would return a record
  uint64_t bytes() const;    // segment files' total size: what max_bytes bounds
  uint64_t records() const;  // undelivered records
  // Wall-clock ms when the oldest undelivered record was spooled.
  std::optional<int64_t> oldest_ms() const;
  const std::string& dir() const { return options_.dir; }

 private:
  struct Segment {
    uint64_t seq = 0;
    uint64_t size = 0;     // bytes of the file that hold valid records
    uint64_t records = 0;  // valid records in it, delivered ones included
  };
  explicit SinkSpool(SinkSpoolOptions options);
  bool lock_folder(std::string& error);
  bool load(std::string& error);
  bool load_segment(uint64_t seq, const std::optional<std::pair<uint64_t, uint64_t>>& cursor,
                    bool last);
  std::optional<std::pair<uint64_t, uint64_t>> take_cursor();
  void write_cursor();
  bool start_segment();
  void drop_front_segment();
  void drop_unreadable_rest(Segment& segment);
  Segment* find(uint64_t seq);
  bool open_reader(uint64_t seq);
  std::string path(uint64_t seq) const;

  const SinkSpoolOptions options_;
  mutable std::mutex mu_;
  UniqueFd lock_fd_;
  std::deque<Segment> segments_;  // oldest first; the last is the one appended to
  UniqueFd writer_;               // the last segment's, when one is open for appending
  uint64_t next_seq_ = 1;
  uint64_t bytes_ = 0;
  uint64_t records_ = 0;  // undelivered
  bool dirty_ = false;    // appended since the last sync
  // Delivery: the front segment's records before commit_offset_ are delivered.
  uint64_t commit_offset_ = 0;
  uint64_t committed_in_front_ = 0;
  // Reading runs ahead of delivery by the records in `read_`.
  uint64_t read_seq_ = 0;
  uint64_t read_offset_ = 0;
  uint64_t read_index_ = 0;  // records of the read segment already read
  UniqueFd reader_;
  uint64_t reader_seq_ = 0;
  struct Handed {
    uint64_t bytes;
    int64_t spooled_ms;
  };
  std::deque<Handed> read_;                 // handed out by read_next, not yet committed
  mutable std::optional<int64_t> head_ms_;  // oldest_ms when nothing is handed out
};

}  // namespace ssegw
