#include "bridges/kafka/kafka_txn_batch.h"

#include <gtest/gtest.h>

namespace ssegw::kafka {
namespace {

using namespace std::chrono_literals;
using Clock = TxnBatch::Clock;

FrameRef frame(const std::string& source, const std::string& origin_id,
               const std::string& id = "") {
  Event event;
  event.id = id.empty() ? origin_id : id;
  event.origin_id = origin_id;
  event.source = source;
  event.data = "d";
  return FrameRef::adopt(new Frame(0, std::move(event), "", 0));
}

std::deque<FrameRef> queue_of(size_t n) {
  std::deque<FrameRef> queue;
  for (size_t i = 0; i < n; ++i) queue.push_back(frame("up", "e" + std::to_string(i)));
  return queue;
}

TEST(TxnBatch, TakesAtMostMaxEventsAndNumbersThem) {
  const BatchLimits limits{3, 100ms};
  std::deque<FrameRef> queue = queue_of(5);
  TxnBatch batch;
  uint64_t next_seq = 100;
  const auto now = Clock::now();
  EXPECT_EQ(batch.fill(queue, limits, next_seq, now), 3u);
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(next_seq, 103u);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.items()[0].seq, 100u);
  EXPECT_EQ(batch.last_seq(), 102u);
  EXPECT_EQ(batch.fill(queue, limits, next_seq, now), 0u);  // full: the rest waits
  EXPECT_TRUE(batch.ready(limits, now));
}

TEST(TxnBatch, EndsByAgeOfItsFirstEvent) {
  const BatchLimits limits{1000, 100ms};
  std::deque<FrameRef> queue = queue_of(1);
  TxnBatch batch;
  uint64_t next_seq = 1;
  const auto opened = Clock::now();
  EXPECT_FALSE(batch.ready(limits, opened));  // empty: never ready
  batch.fill(queue, limits, next_seq, opened);
  EXPECT_FALSE(batch.ready(limits, opened + 99ms));
  // Later events do not push the end back.
  queue = queue_of(2);
  batch.fill(queue, limits, next_seq, opened + 90ms);
  EXPECT_EQ(batch.deadline(limits), opened + 100ms);
  EXPECT_TRUE(batch.ready(limits, opened + 100ms));
}

TEST(TxnBatch, ResumeRecordsCarryEachSourcesLastIdAndTheBatchsLastSeq) {
  std::deque<FrameRef> queue;
  queue.push_back(frame("a", "a1"));
  queue.push_back(frame("b", "b1"));
  queue.push_back(frame("a", "a2"));
  queue.push_back(frame("", "", "ch-9"));    // published over HTTP: no upstream to resume
  queue.push_back(frame("c", "", "ch-10"));  // a source without ids: the channel's id
  TxnBatch batch;
  uint64_t next_seq = 7;
  batch.fill(queue, {}, next_seq, Clock::now());
  const auto records = batch.resume_records("prices");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].first, "a");
  EXPECT_EQ(records[0].second, (ResumeRecord{"prices", 11, "a2"}));
  EXPECT_EQ(records[1].first, "b");
  EXPECT_EQ(records[1].second, (ResumeRecord{"prices", 11, "b1"}));
  EXPECT_EQ(records[2].first, "c");
  EXPECT_EQ(records[2].second, (ResumeRecord{"prices", 11, "ch-10"}));
}

TEST(TxnBatch, DropCommittedKeepsOnlyWhatTheStateTopicDoesNotCover) {
  std::deque<FrameRef> queue = queue_of(4);
  TxnBatch batch;
  uint64_t next_seq = 20;
  batch.fill(queue, {}, next_seq, Clock::now());  // seqs 20..23
  EXPECT_EQ(batch.drop_committed(19), 0u);        // an older commit: all still to send
  EXPECT_EQ(batch.size(), 4u);
  EXPECT_EQ(batch.drop_committed(23), 4u);  // the failed commit went through after all
  EXPECT_TRUE(batch.empty());
}

TEST(TxnBatch, AnAbortedBatchKeepsItsSeqsAndGrowsOnlyToItsLimit) {
  const BatchLimits limits{4, 100ms};
  std::deque<FrameRef> queue = queue_of(3);
  TxnBatch batch;
  uint64_t next_seq = 1;
  batch.fill(queue, limits, next_seq, Clock::now());
  // Aborted: the sink keeps the batch and fills it again before the next try.
  queue = queue_of(3);
  EXPECT_EQ(batch.fill(queue, limits, next_seq, Clock::now()), 1u);
  ASSERT_EQ(batch.size(), 4u);
  for (size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(batch.items()[i].seq, i + 1);
}

}  // namespace
}  // namespace ssegw::kafka
