// The spool on a real temp folder: order, bound, reopen after a clean stop and after a
// crash, a torn last record, damage mid-spool, and segments removed once drained.
#include "bridges/common/sink_spool.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bridges/common/spool_segment.h"
#include "bridges/common/spooled_event.h"

namespace ssegw {
namespace {

namespace fs = std::filesystem;

class SinkSpoolTest : public ::testing::Test {
 protected:
  SinkSpoolTest() {
    char pattern[] = "/tmp/ssegw-spool-unit-XXXXXX";
    root_ = mkdtemp(pattern);
    dir_ = root_ + "/spool/out";
  }
  ~SinkSpoolTest() override { fs::remove_all(root_); }

  std::unique_ptr<SinkSpool> open(uint64_t max_bytes, uint64_t segment_bytes = 0,
                                  const std::string& dir = "") {
    std::string error;
    auto spool = SinkSpool::open({dir.empty() ? dir_ : dir, max_bytes, segment_bytes}, error);
    EXPECT_TRUE(spool) << error;
    return spool;
  }
  std::vector<std::string> segments(const std::string& dir = "") const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir.empty() ? dir_ : dir))
      if (spool::segment_seq(e.path().filename().string())) names.push_back(e.path().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  // Reads and delivers every record; returns the payloads.
  static std::vector<std::string> drain(SinkSpool& spool) {
    std::vector<std::string> out;
    for (int guard = 0; guard < 100000; ++guard) {
      std::optional<SpoolRecord> r = spool.read_next();
      if (!r) break;
      out.push_back(r->payload);
      spool.commit_oldest();
    }
    return out;
  }
  static std::string payload(int i) { return std::string("event-").append(std::to_string(i)); }

  std::string root_;
  std::string dir_;
};

TEST_F(SinkSpoolTest, RecordsComeBackInTheOrderAppended) {
  auto spool = open(1 << 20, 512);
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(spool->append(payload(i), 1000 + i), SinkSpool::Append::kOk);
  EXPECT_EQ(spool->records(), 100u);
  EXPECT_EQ(spool->oldest_ms(), 1000);
  EXPECT_GT(segments().size(), 1u) << "512-byte segments: several files";
  // Reading runs ahead of delivery: nothing is gone until it is committed.
  std::optional<SpoolRecord> first = spool->read_next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->payload, payload(0));
  EXPECT_EQ(first->spooled_ms, 1000);
  std::optional<SpoolRecord> second = spool->read_next();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->payload, payload(1));
  EXPECT_EQ(spool->records(), 100u);
  spool->commit_oldest();
  EXPECT_EQ(spool->oldest_ms(), 1001);
  spool->commit_oldest();
  std::vector<std::string> rest = drain(*spool);
  ASSERT_EQ(rest.size(), 98u);
  for (int i = 2; i < 100; ++i) EXPECT_EQ(rest[i - 2], payload(i));
  EXPECT_TRUE(spool->empty());
  EXPECT_EQ(spool->bytes(), 0u);
  EXPECT_FALSE(spool->oldest_ms());
  EXPECT_TRUE(segments().empty()) << "every drained segment is deleted";
  // Appends after draining start a fresh segment and read back too.
  ASSERT_EQ(spool->append("again", 5), SinkSpool::Append::kOk);
  EXPECT_EQ(drain(*spool), std::vector<std::string>{"again"});
}

TEST_F(SinkSpoolTest, TheBoundRefusesAppendsUntilDeliveryMakesRoom) {
  auto spool = open(4096, 1024);
  const std::string big(200, 'x');
  int appended = 0;
  while (spool->append(big, 1) == SinkSpool::Append::kOk) ASSERT_LT(++appended, 1000);
  EXPECT_GT(appended, 10);
  EXPECT_LE(spool->bytes(), 4096u);
  EXPECT_EQ(spool->append(big, 1), SinkSpool::Append::kFull);
  EXPECT_EQ(spool->append(std::string(5000, 'y'), 1), SinkSpool::Append::kTooLarge);
  // Delivering one segment's records deletes that file and makes room.
  const uint64_t before = spool->bytes();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(spool->read_next());
    spool->commit_oldest();
  }
  EXPECT_LT(spool->bytes(), before);
  EXPECT_EQ(spool->append(big, 1), SinkSpool::Append::kOk);
  EXPECT_EQ(drain(*spool).size(), static_cast<size_t>(appended - 5 + 1));
}

TEST_F(SinkSpoolTest, ReopenedAfterACleanStopItGoesOnWhereDeliveryStopped) {
  {
    auto spool = open(1 << 20);
    for (int i = 0; i < 10; ++i)
      ASSERT_EQ(spool->append(payload(i), 100 + i), SinkSpool::Append::kOk);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(spool->read_next());
      spool->commit_oldest();
    }
    ASSERT_TRUE(spool->read_next());  // read, never delivered: comes back
  }
  auto spool = open(1 << 20);
  EXPECT_EQ(spool->records(), 7u);
  EXPECT_EQ(spool->oldest_ms(), 103);
  ASSERT_EQ(spool->append(payload(10), 110), SinkSpool::Append::kOk);
  std::vector<std::string> got = drain(*spool);
  ASSERT_EQ(got.size(), 8u);
  for (int i = 3; i <= 10; ++i) EXPECT_EQ(got[i - 3], payload(i));
}

TEST_F(SinkSpoolTest, AfterACrashUndeliveredRecordsComeBackAndNothingIsLost) {
  const std::string crashed = root_ + "/crashed";
  {
    auto spool = open(1 << 20);
    for (int i = 0; i < 10; ++i) ASSERT_EQ(spool->append(payload(i), 1), SinkSpool::Append::kOk);
    ASSERT_TRUE(spool->read_next());
    spool->commit_oldest();
    // The folder as a kill -9 leaves it: no clean close, no delivery position recorded.
    fs::copy(dir_, crashed);
  }
  fs::remove(crashed + "/lock");
  auto spool = open(1 << 20, 0, crashed);
  // At least once: the delivered record may come again, the rest all do, in order.
  std::vector<std::string> got = drain(*spool);
  ASSERT_GE(got.size(), 9u);
  for (int i = 0; i < 9; ++i) EXPECT_EQ(got[got.size() - 9 + i], payload(i + 1));
}

TEST_F(SinkSpoolTest, ATornLastRecordIsCutOffAtOpen) {
  {
    auto spool = open(1 << 20);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(spool->append(payload(i), 1), SinkSpool::Append::kOk);
  }
  ASSERT_EQ(segments().size(), 1u);
  const std::string file = segments()[0];
  const uintmax_t whole = fs::file_size(file);
  fs::resize_file(file, whole - 3);  // the last write() cut short by a crash
  {
    auto spool = open(1 << 20);
    EXPECT_EQ(spool->records(), 4u);
    EXPECT_LT(fs::file_size(file), whole - 3) << "the torn bytes are gone from the file";
    ASSERT_EQ(spool->append(payload(99), 1), SinkSpool::Append::kOk);
    std::vector<std::string> got = drain(*spool);
    EXPECT_EQ(got, (std::vector<std::string>{payload(0), payload(1), payload(2), payload(3),
                                             payload(99)}));
  }
}

TEST_F(SinkSpoolTest, AFlippedByteFailsTheChecksum) {
  {
    auto spool = open(1 << 20);
    for (int i = 0; i < 3; ++i) ASSERT_EQ(spool->append(payload(i), 1), SinkSpool::Append::kOk);
  }
  const std::string file = segments()[0];
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('#');  // last byte of the last payload
  }
  auto spool = open(1 << 20);
  EXPECT_EQ(drain(*spool), (std::vector<std::string>{payload(0), payload(1)}));
}

TEST_F(SinkSpoolTest, DamageInAnOlderSegmentLosesOnlyTheRestOfThatSegment) {
  {
    auto spool = open(1 << 20, 100);
    for (int i = 0; i < 12; ++i) ASSERT_EQ(spool->append(payload(i), 1), SinkSpool::Append::kOk);
  }
  ASSERT_GE(segments().size(), 3u);
  const std::string first = segments()[0];
  fs::resize_file(first, fs::file_size(first) - 1);
  auto spool = open(1 << 20, 100);
  std::vector<std::string> got = drain(*spool);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), payload(11));
  EXPECT_LT(got.size(), 12u);
  for (size_t i = 1; i < got.size(); ++i) EXPECT_NE(got[i - 1], got[i]);
}

TEST_F(SinkSpoolTest, OneFolderIsOneProcessAtATime) {
  auto spool = open(1 << 20);
  std::string error;
  EXPECT_FALSE(SinkSpool::open({dir_, 1 << 20, 0}, error));
  EXPECT_NE(error.find("in use"), std::string::npos) << error;
}

TEST_F(SinkSpoolTest, SegmentsAreDeletedAsSoonAsTheyAreDrained) {
  auto spool = open(1 << 20, 128);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(spool->append(payload(i), 1), SinkSpool::Append::kOk);
  const size_t files = segments().size();
  ASSERT_GE(files, 4u);
  size_t seen_fewer = 0;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(spool->read_next());
    spool->commit_oldest();
    if (segments().size() < files) ++seen_fewer;
  }
  EXPECT_GT(seen_fewer, 0u);
  EXPECT_TRUE(segments().empty());
}

TEST(SpooledEvent, RoundTripsEveryField) {
  Event e;
  e.id = "42";
  e.type = "alert";
  e.data = std::string("line one\nline two\0binary", 24);
  e.origin_id = "up-7";
  e.source = "sensors";
  e.attributes = {{"topic", "a/b"}, {"", ""}};
  std::optional<Event> back = decode_spooled_event(encode_spooled_event(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, e.id);
  EXPECT_EQ(back->type, e.type);
  EXPECT_EQ(back->data, e.data);
  EXPECT_EQ(back->origin_id, e.origin_id);
  EXPECT_EQ(back->source, e.source);
  EXPECT_EQ(back->attributes, e.attributes);
  std::string bytes = encode_spooled_event(e);
  EXPECT_FALSE(decode_spooled_event(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(decode_spooled_event(""));
}

}  // namespace
}  // namespace ssegw
