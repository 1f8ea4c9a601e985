#include "history_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ssegw {

namespace stored_layout {

namespace {
void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_be(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}
void put_string(std::string& out, std::string_view s) {
  put_be(out, s.size(), 4);
  out.append(s);
}
bool get_string(std::string_view in, size_t* at, std::string* s) {
  if (in.size() - *at < 4) return false;
  const uint64_t n = get_be(in, *at, 4);
  *at += 4;
  if (in.size() - *at < n) return false;
  s->assign(in.substr(*at, n));
  *at += n;
  return true;
}
constexpr char kEventVersion = 1;
}  // namespace

std::string event_key(uint32_t channel, uint64_t seq) {
  std::string key;
  key.reserve(12);
  put_be(key, channel, 4);
  put_be(key, seq, 8);
  return key;
}

bool parse_event_key(std::string_view key, uint32_t* channel, uint64_t* seq) {
  if (key.size() != 12) return false;
  *channel = static_cast<uint32_t>(get_be(key, 0, 4));
  *seq = get_be(key, 4, 8);
  return true;
}

// [version][published ms, 8 bytes][id][type] then the data to the end: strings are a 4-byte
// length and the bytes.
std::string encode_event(int64_t published_ms, const Event& event) {
  std::string out;
  out.reserve(1 + 8 + 8 + event.id.size() + event.type.size() + event.data.size());
  out.push_back(kEventVersion);
  put_be(out, static_cast<uint64_t>(published_ms), 8);
  put_string(out, event.id);
  put_string(out, event.type);
  out.append(event.data);
  return out;
}

bool decode_event(std::string_view value, int64_t* published_ms, Event* event) {
  if (value.size() < 9 || value[0] != kEventVersion) return false;
  *published_ms = static_cast<int64_t>(get_be(value, 1, 8));
  size_t at = 9;
  if (!get_string(value, &at, &event->id) || !get_string(value, &at, &event->type)) return false;
  event->data.assign(value.substr(at));
  return true;
}

std::string encode_record(const ChannelRecord& record) {
  std::string out;
  put_be(out, record.number, 4);
  put_be(out, record.dropped_through, 8);
  put_be(out, record.dropped_seq, 8);
  return out;
}

bool decode_record(std::string_view value, ChannelRecord* record) {
  if (value.size() != 20) return false;
  record->number = static_cast<uint32_t>(get_be(value, 0, 4));
  record->dropped_through = get_be(value, 4, 8);
  record->dropped_seq = get_be(value, 12, 8);
  return record->number != 0;
}

}  // namespace stored_layout

MdbTxn::MdbTxn(MDB_env* env, unsigned flags) {
  if (int rc = mdb_txn_begin(env, nullptr, flags, &txn_); rc != 0) {
    txn_ = nullptr;
    throw StoreError(std::string("cannot begin a transaction: ") + mdb_strerror(rc));
  }
}

MdbTxn::~MdbTxn() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
}

int MdbTxn::commit() {
  const int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  return rc;
}

MdbCursor::MdbCursor(MDB_txn* txn, MDB_dbi dbi) {
  if (int rc = mdb_cursor_open(txn, dbi, &cursor_); rc != 0)
    throw StoreError(std::string("cannot open a cursor: ") + mdb_strerror(rc));
}

namespace {

[[noreturn]] void fail(const std::string& file, const std::string& what, int rc) {
  throw StoreError("history store " + file + ": " + what + ": " + mdb_strerror(rc));
}

// Two gateways writing one store would each believe they own its ids.
UniqueFd lock_store(const std::string& dir) {
  const std::string path = dir + "/gateway.lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) throw StoreError("history store " + path + ": " + std::strerror(errno));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    throw StoreError("history store " + dir +
                     " is in use by another gateway (server.state_dir must not be shared)");
  }
  return fd;
}

}  // namespace

std::unique_ptr<HistoryStore> HistoryStore::open(const std::string& state_dir, int64_t map_bytes,
                                                 bool read_only) {
  const std::string dir = state_dir + "/history";
  std::unique_ptr<HistoryStore> store(new HistoryStore());
  store->file_ = dir + "/data.mdb";
  if (read_only && !std::filesystem::exists(store->file_)) return nullptr;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw StoreError("history store " + dir + ": cannot create it: " + ec.message());
  if (!read_only) store->lock_ = lock_store(dir);
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0) fail(store->file_, "cannot create", rc);
  store->env_.reset(env);
  mdb_env_set_maxdbs(env, 4);
  mdb_env_set_mapsize(env, static_cast<size_t>(map_bytes));
  // NOSYNC: the writer decides when to fsync (history.sync), one env shared by channels
  // with different policies. NOTLS: read transactions are opened on any worker thread.
  unsigned flags = MDB_NOSYNC | MDB_NOTLS | (read_only ? MDB_RDONLY : 0);
  if (int rc = mdb_env_open(env, dir.c_str(), flags, 0600); rc != 0)
    fail(store->file_, "cannot open it (delete the directory to start over)", rc);
  {
    MdbTxn txn(env, read_only ? MDB_RDONLY : 0);
    unsigned create = read_only ? 0 : MDB_CREATE;
    int rc = mdb_dbi_open(txn.get(), "events", create, &store->events_);
    if (rc == 0) rc = mdb_dbi_open(txn.get(), "channels", create, &store->channels_);
    if (rc == MDB_NOTFOUND && read_only) return nullptr;  // made but never written
    if (rc != 0) fail(store->file_, "cannot open its tables", rc);
    // Committed even when read-only: an aborted transaction closes the tables it opened.
    if ((rc = txn.commit()) != 0) fail(store->file_, "cannot commit", rc);
  }
  store->check_all();
  return store;
}

void HistoryStore::check_all() {
  MdbTxn txn(env_.get(), MDB_RDONLY);
  std::vector<uint32_t> numbers;
  {
    MdbCursor cursor(txn.get(), channels_);
    MDB_val k, v;
    for (int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_FIRST); rc != MDB_NOTFOUND;
         rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
      if (rc != 0) fail(file_, "cannot read its channels", rc);
      ChannelRecord record;
      if (!stored_layout::decode_record(as_view(v), &record))
        throw StoreError("history store " + file_ + ": a channel record is corrupt");
      numbers.push_back(record.number);
    }
  }
  MdbCursor cursor(txn.get(), events_);
  MDB_val k, v;
  for (int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_FIRST); rc != MDB_NOTFOUND;
       rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
    if (rc != 0) fail(file_, "cannot read its events", rc);
    uint32_t channel = 0;
    uint64_t seq = 0;
    int64_t ms = 0;
    Event event;
    if (!stored_layout::parse_event_key(as_view(k), &channel, &seq) ||
        !stored_layout::decode_event(as_view(v), &ms, &event)) {
      throw StoreError("history store " + file_ + ": an event record is corrupt");
    }
    event_bytes_at_open_ += static_cast<int64_t>(k.mv_size + v.mv_size);
  }
  std::lock_guard lock(mu_);
  for (uint32_t n : numbers) next_number_ = std::max(next_number_, n + 1);
  channels_known_ = numbers.size();
}

StoredChannel HistoryStore::load(const std::string& path, size_t keep, int64_t max_age_ms,
                                 int64_t now_ms) {
  StoredChannel out;
  MdbTxn txn(env_.get(), MDB_RDONLY);
  MDB_val key = as_val(path), value;
  const int rc = mdb_get(txn.get(), channels_, &key, &value);
  if (rc == MDB_NOTFOUND) {
    std::lock_guard lock(mu_);
    out.number = next_number_++;
    ++channels_known_;
    return out;
  }
  if (rc != 0) fail(file_, "cannot read channel " + path, rc);
  ChannelRecord record;
  if (!stored_layout::decode_record(as_view(value), &record))
    throw StoreError("history store " + file_ + ": the record of " + path + " is corrupt");
  out.number = record.number;
  out.dropped_through = record.dropped_through;
  out.dropped_seq = record.dropped_seq;
  // Newest first from the end of the channel's range, then reversed.
  MdbCursor cursor(txn.get(), events_);
  const std::string after = stored_layout::event_key(out.number + 1, 0);
  MDB_val k = as_val(after), v;
  int at = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_RANGE);
  at = at == 0 ? mdb_cursor_get(cursor.get(), &k, &v, MDB_PREV)
               : mdb_cursor_get(cursor.get(), &k, &v, MDB_LAST);
  for (; at == 0; at = mdb_cursor_get(cursor.get(), &k, &v, MDB_PREV)) {
    uint32_t channel = 0;
    StoredEvent e;
    if (!stored_layout::parse_event_key(as_view(k), &channel, &e.seq) || channel != out.number)
      break;
    if (out.last_seq == 0) out.last_seq = e.seq;
    if (out.events.size() >= keep) break;
    if (!stored_layout::decode_event(as_view(v), &e.published_ms, &e.event))
      throw StoreError("history store " + file_ + ": an event of " + path + " is corrupt");
    if (max_age_ms > 0 && now_ms - e.published_ms > max_age_ms) break;
    out.events.push_back(std::move(e));
  }
  std::reverse(out.events.begin(), out.events.end());
  return out;
}

int64_t HistoryStore::used_bytes() const {
  MDB_envinfo info;
  MDB_stat stat;
  mdb_env_info(env_.get(), &info);
  mdb_env_stat(env_.get(), &stat);
  return static_cast<int64_t>((info.me_last_pgno + 1) * stat.ms_psize);
}

int64_t HistoryStore::map_bytes() const {
  MDB_envinfo info;
  mdb_env_info(env_.get(), &info);
  return static_cast<int64_t>(info.me_mapsize);
}

size_t HistoryStore::channel_count() const {
  std::lock_guard lock(mu_);
  return channels_known_;
}

}  // namespace ssegw
