#include "bridges/common/sink_spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "bridges/common/spool_segment.h"
#include "gateway/log.h"

namespace ssegw {
namespace {

using spool::kRecordHeaderBytes;
using spool::kSegmentHeaderBytes;

constexpr uint64_t kMinSegmentBytes = 4096;
constexpr uint64_t kMaxSegmentBytes = 16ull << 20;

uint64_t segment_target(const SinkSpoolOptions& o) {
  if (o.segment_bytes > 0) return o.segment_bytes;
  return std::clamp<uint64_t>(o.max_bytes / 8, kMinSegmentBytes, kMaxSegmentBytes);
}

// A new or removed file name is durable only once its folder is synced.
void sync_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd) ::fsync(fd.get());
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::vector<uint64_t> segment_seqs(const std::string& dir) {
  std::vector<uint64_t> seqs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (auto seq = spool::segment_seq(entry.path().filename().string())) seqs.push_back(*seq);
  }
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

}  // namespace

SinkSpool::SinkSpool(SinkSpoolOptions options) : options_(std::move(options)) {
  commit_offset_ = kSegmentHeaderBytes;
  read_offset_ = kSegmentHeaderBytes;
}

std::unique_ptr<SinkSpool> SinkSpool::open(const SinkSpoolOptions& options, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    error = "cannot make " + options.dir + ": " + ec.message();
    return nullptr;
  }
  std::unique_ptr<SinkSpool> spool(new SinkSpool(options));
  std::lock_guard lock(spool->mu_);
  if (!spool->lock_folder(error) || !spool->load(error)) return nullptr;
  return spool;
}

SinkSpool::~SinkSpool() {
  std::lock_guard lock(mu_);
  if (writer_ && dirty_) ::fdatasync(writer_.get());
  write_cursor();
}

// Two processes appending to one folder would interleave their records.
bool SinkSpool::lock_folder(std::string& error) {
  const std::string path = options_.dir + "/lock";
  lock_fd_.reset(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
  if (!lock_fd_) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  if (::flock(lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    error = options_.dir + " is in use by another process";
    return false;
  }
  return true;
}

bool SinkSpool::load(std::string& error) {
  const std::optional<std::pair<uint64_t, uint64_t>> cursor = take_cursor();
  const std::vector<uint64_t> seqs = segment_seqs(options_.dir);
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (!load_segment(seqs[i], cursor, i + 1 == seqs.size())) {
      error = "cannot read " + path(seqs[i]) + ": " + std::strerror(errno);
      return false;
    }
  }
  if (!seqs.empty()) next_seq_ = seqs.back() + 1;
  read_seq_ = segments_.empty() ? next_seq_ : segments_.front().seq;
  read_offset_ = commit_offset_;
  read_index_ = committed_in_front_;
  if (records_ > 0) {
    log_info("sink spool reopened", {{"spool", options_.dir},
                                     {"events", std::to_string(records_)},
                                     {"bytes", std::to_string(bytes_)}});
  }
  return true;
}

// Checks every record; cuts the file at the first bad one. `cursor` (segment, offset) is
// where delivery stopped at the last clean close: it counts only for the oldest segment.
bool SinkSpool::load_segment(uint64_t seq,
                             const std::optional<std::pair<uint64_t, uint64_t>>& cursor,
                             bool last) {
  const std::string file = path(seq);
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) return false;
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const bool front = segments_.empty();
  const uint64_t stop_at = front && cursor && cursor->first == seq ? cursor->second : 0;
  const spool::ScanResult r =
      spool::scan_segment(fd.get(), size, stop_at, options_.on_reopened_record);
  if (!r.magic_ok) {
    if (size > kSegmentHeaderBytes) {
      log_error("sink spool segment is not a spool file; moved aside", {{"segment", file}});
      std::filesystem::rename(file, file + ".corrupt");
    } else {
      ::unlink(file.c_str());  // its creation was cut short
    }
    return true;
  }
  if (r.valid_end < size) {
    log_warn(last ? "sink spool: torn record at the end cut off (a crash mid-write)"
                  : "sink spool: damaged record; the rest of the segment is dropped",
             {{"segment", file},
              {"bytes_cut", std::to_string(size - r.valid_end)},
              {"records_kept", std::to_string(r.records)}});
    if (::ftruncate(fd.get(), static_cast<off_t>(r.valid_end)) != 0) return false;
  }
  const uint64_t delivered = stop_at ? r.records_before_stop.value_or(0) : 0;
  if (r.records == delivered) {
    ::unlink(file.c_str());
    return true;
  }
  if (delivered > 0) {
    commit_offset_ = stop_at;
    committed_in_front_ = delivered;
  }
  segments_.push_back({seq, r.valid_end, r.records});
  bytes_ += r.valid_end;
  records_ += r.records - delivered;
  return true;
}

// Read once and removed: after this run appends and delivers, it would be out of date.
std::optional<std::pair<uint64_t, uint64_t>> SinkSpool::take_cursor() {
  const std::string file = options_.dir + "/cursor";
  std::ifstream in(file);
  uint64_t seq = 0;
  uint64_t offset = 0;
  const bool ok = static_cast<bool>(in >> seq >> offset);
  in.close();
  ::unlink(file.c_str());
  if (!ok || offset < kSegmentHeaderBytes) return std::nullopt;
  return std::make_pair(seq, offset);
}

void SinkSpool::write_cursor() {
  if (segments_.empty() || committed_in_front_ == 0) return;
  const std::string tmp = options_.dir + "/cursor.tmp";
  UniqueFd fd(::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600));
  const std::string text =
      std::to_string(segments_.front().seq) + " " + std::to_string(commit_offset_) + "\n";
  if (!fd || !write_all(fd.get(), text) || ::fdatasync(fd.get()) != 0 ||
      ::rename(tmp.c_str(), (options_.dir + "/cursor").c_str()) != 0) {
    log_warn("sink spool: cannot record the delivery position; a restart sends some again",
             {{"spool", options_.dir}, {"error", std::strerror(errno)}});
    return;
  }
  sync_dir(options_.dir);
}

std::string SinkSpool::path(uint64_t seq) const {
  return options_.dir + "/" + spool::segment_name(seq);
}

SinkSpool::Segment* SinkSpool::find(uint64_t seq) {
  for (Segment& s : segments_)
    if (s.seq == seq) return &s;
  return nullptr;
}

bool SinkSpool::start_segment() {
  if (writer_) ::fdatasync(writer_.get());  // the full segment is durable from here on
  std::string error;
  UniqueFd fd = spool::create_segment(path(next_seq_), error);
  if (!fd) {
    log_error("sink spool: cannot start a segment", {{"spool", options_.dir}, {"error", error}});
    return false;
  }
  sync_dir(options_.dir);
  segments_.push_back({next_seq_, kSegmentHeaderBytes, 0});
  bytes_ += kSegmentHeaderBytes;
  ++next_seq_;
  writer_ = std::move(fd);
  dirty_ = false;
  return true;
}

SinkSpool::Append SinkSpool::append(std::string_view payload, int64_t now_ms) {
  const std::string record = spool::encode_record(payload, now_ms);
  std::lock_guard lock(mu_);
  if (payload.size() > spool::kMaxPayloadBytes ||
      kSegmentHeaderBytes + record.size() > options_.max_bytes) {
    return Append::kTooLarge;
  }
  const bool roll = !writer_ || (segments_.back().records > 0 &&
                                 segments_.back().size + record.size() > segment_target(options_));
  if (bytes_ + record.size() + (roll ? kSegmentHeaderBytes : 0) > options_.max_bytes)
    return Append::kFull;
  if (roll && !start_segment()) return Append::kFailed;
  Segment& back = segments_.back();
  if (!write_all(writer_.get(), record)) {
    log_error("sink spool: write failed",
              {{"spool", options_.dir}, {"error", std::strerror(errno)}});
    // A partial record would be cut at the next open anyway; cut it now so appends go on.
    if (::ftruncate(writer_.get(), static_cast<off_t>(back.size)) != 0) writer_.reset();
    return Append::kFailed;
  }
  back.size += record.size();
  ++back.records;
  bytes_ += record.size();
  ++records_;
  dirty_ = true;
  return Append::kOk;
}

bool SinkSpool::open_reader(uint64_t seq) {
  if (reader_ && reader_seq_ == seq) return true;
  reader_.reset(::open(path(seq).c_str(), O_RDONLY | O_CLOEXEC));
  reader_seq_ = seq;
  return static_cast<bool>(reader_);
}

// The disk gave back something other than what was written: the records from here to the
// end of the segment are lost, loudly, rather than sent damaged or blocking the rest.
void SinkSpool::drop_unreadable_rest(Segment& s) {
  const uint64_t lost = s.records - read_index_;
  log_error("sink spool: unreadable record; the rest of its segment is dropped",
            {{"segment", path(s.seq)}, {"events_lost", std::to_string(lost)}});
  bytes_ -= s.size - read_offset_;
  s.size = read_offset_;
  s.records = read_index_;
  records_ -= lost;
  if (::truncate(path(s.seq).c_str(), static_cast<off_t>(s.size)) != 0 && writer_ &&
      s.seq == segments_.back().seq) {
    writer_.reset();  // appending after bytes that stay unreadable would hide the new ones
  }
}

std::optional<SpoolRecord> SinkSpool::read_next() {
  std::lock_guard lock(mu_);
  while (records_ > read_.size()) {
    Segment* s = find(read_seq_);
    if (!s) return std::nullopt;  // cannot happen: unread records live in a segment
    if (read_index_ >= s->records) {
      auto next = std::find_if(segments_.begin(), segments_.end(),
                               [&](const Segment& x) { return x.seq > read_seq_; });
      if (next == segments_.end()) return std::nullopt;
      read_seq_ = next->seq;
      read_offset_ = kSegmentHeaderBytes;
      read_index_ = 0;
      continue;
    }
    std::optional<spool::RecordHeader> header;
    std::optional<std::string> payload;
    if (open_reader(s->seq)) header = spool::read_header(reader_.get(), read_offset_, s->size);
    if (header) payload = spool::read_payload(reader_.get(), read_offset_, *header);
    if (!payload) {
      drop_unreadable_rest(*s);
      continue;
    }
    const uint64_t size = kRecordHeaderBytes + header->length;
    read_offset_ += size;
    ++read_index_;
    read_.push_back({size, header->spooled_ms});
    return SpoolRecord{std::move(*payload), header->spooled_ms};
  }
  return std::nullopt;
}

void SinkSpool::drop_front_segment() {
  const Segment s = segments_.front();
  ::unlink(path(s.seq).c_str());
  bytes_ -= s.size;
  segments_.pop_front();
  if (reader_ && reader_seq_ == s.seq) reader_.reset();
  if (segments_.empty()) {
    writer_.reset();
    dirty_ = false;
  }
  commit_offset_ = kSegmentHeaderBytes;
  committed_in_front_ = 0;
  if (read_seq_ == s.seq) {
    read_seq_ = segments_.empty() ? next_seq_ : segments_.front().seq;
    read_offset_ = kSegmentHeaderBytes;
    read_index_ = 0;
  }
}

void SinkSpool::commit_oldest() {
  std::lock_guard lock(mu_);
  if (read_.empty()) return;
  commit_offset_ += read_.front().bytes;
  read_.pop_front();
  ++committed_in_front_;
  --records_;
  head_ms_.reset();
  while (!segments_.empty() && committed_in_front_ >= segments_.front().records)
    drop_front_segment();
}

void SinkSpool::sync() {
  UniqueFd fd;
  {
    std::lock_guard lock(mu_);
    if (!dirty_ || !writer_) return;
    fd.reset(::dup(writer_.get()));
    dirty_ = false;
  }
  if (fd) ::fdatasync(fd.get());
}

bool SinkSpool::empty() const {
  std::lock_guard lock(mu_);
  return records_ == 0;
}

bool SinkSpool::has_unread() const {
  std::lock_guard lock(mu_);
  return records_ > read_.size();
}

uint64_t SinkSpool::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

uint64_t SinkSpool::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

std::optional<int64_t> SinkSpool::oldest_ms() const {
  std::lock_guard lock(mu_);
  if (records_ == 0) return std::nullopt;
  if (!read_.empty()) return read_.front().spooled_ms;
  if (!head_ms_) {
    // Nothing handed out: the oldest record starts where delivery stopped.
    UniqueFd fd(::open(path(segments_.front().seq).c_str(), O_RDONLY | O_CLOEXEC));
    std::optional<spool::RecordHeader> h;
    if (fd) h = spool::read_header(fd.get(), commit_offset_, segments_.front().size);
    if (h) head_ms_ = h->spooled_ms;
  }
  return head_ms_;
}

}  // namespace ssegw
