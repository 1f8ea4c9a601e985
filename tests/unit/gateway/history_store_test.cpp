#include "gateway/history_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "gateway/channel.h"
#include "gateway/channel_directory.h"
#include "gateway/clock.h"
#include "gateway/history_writer.h"

namespace ssegw {
namespace {

constexpr int64_t kMap = int64_t{64} << 20;

class HistoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ssegw-store-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A directory with one disk channel, as the gateway wires it; `base` is the run's id base.
  struct Run {
    std::unique_ptr<HistoryStore> store;
    std::unique_ptr<HistoryWriter> writer;
    std::unique_ptr<ChannelDirectory> directory;
    std::shared_ptr<Channel> channel;
  };
  Run start(uint64_t base, ChannelOptions options, int64_t limit = int64_t{1} << 30) {
    Run run;
    run.store = HistoryStore::open(dir_, kMap);
    run.writer = std::make_unique<HistoryWriter>(*run.store, limit);
    run.directory = std::make_unique<ChannelDirectory>(base, std::vector<FanoutTarget*>{});
    run.directory->set_store(run.store.get(), run.writer.get());
    run.directory->apply({options});
    run.channel = run.directory->find(options.path);
    return run;
  }
  static void stop(Run& run) {
    run.channel.reset();
    run.directory.reset();
    run.writer.reset();  // writes what is queued and fsyncs
    run.store.reset();
  }
  static ChannelOptions disk(size_t history, int64_t max_age_ms = 0,
                             HistorySync sync = HistorySync::kBatch) {
    ChannelOptions o;
    o.path = "/events";
    o.history = history;
    o.history_max_age_ms = max_age_ms;
    o.history_on_disk = true;
    o.history_sync = sync;
    return o;
  }
  static Event ev(std::string data) {
    Event e;
    e.data = std::move(data);
    e.type = "tick";
    return e;
  }
  static std::vector<std::string> datas(const ReplayPlan& plan) {
    std::vector<std::string> out;
    for (const FrameRef& f : plan.frames) out.push_back(f->event().data);
    return out;
  }

  std::string dir_;
};

TEST(StoredLayout, EventsRoundTripAndTruncationIsRefused) {
  Event e;
  e.id = "42";
  e.type = "price";
  e.data = std::string("a\nb\0c", 5);
  const std::string value = stored_layout::encode_event(1234, e);
  int64_t ms = 0;
  Event back;
  ASSERT_TRUE(stored_layout::decode_event(value, &ms, &back));
  EXPECT_EQ(ms, 1234);
  EXPECT_EQ(back.id, "42");
  EXPECT_EQ(back.type, "price");
  EXPECT_EQ(back.data, e.data);
  for (size_t n = 0; n < 9 + 4 + 2; ++n)
    EXPECT_FALSE(stored_layout::decode_event(value.substr(0, n), &ms, &back)) << n;
  uint32_t channel = 0;
  uint64_t seq = 0;
  ASSERT_TRUE(stored_layout::parse_event_key(stored_layout::event_key(7, 300), &channel, &seq));
  EXPECT_EQ(channel, 7u);
  EXPECT_EQ(seq, 300u);
  // Big endian: one channel's keys sort by seq, and channels do not interleave.
  EXPECT_LT(stored_layout::event_key(1, 255), stored_layout::event_key(1, 256));
  EXPECT_LT(stored_layout::event_key(1, UINT64_MAX), stored_layout::event_key(2, 0));
}

TEST_F(HistoryStoreTest, ReopenedChannelReplaysExactlyAndContinuesItsIds) {
  Run first = start(1'000'000, disk(1000));
  std::vector<std::string> ids;
  for (int i = 1; i <= 20; ++i)
    ids.push_back(first.channel->publish(ev("e" + std::to_string(i))).id);
  stop(first);

  Run second = start(2'000'000, disk(1000));
  ReplayPlan plan = second.channel->plan_replay(ids[9]);
  ASSERT_TRUE(plan.id_known);
  ASSERT_EQ(plan.frames.size(), 10u);
  EXPECT_EQ(plan.frames.front()->event().data, "e11");
  EXPECT_EQ(plan.frames.front()->id(), ids[10]);
  EXPECT_EQ(plan.frames.front()->event().type, "tick");
  EXPECT_EQ(plan.frames.back()->event().data, "e20");
  // The next id is above every earlier one, and the last old id resumes with just it.
  const std::string next = second.channel->publish(ev("e21")).id;
  EXPECT_GT(std::stoull(next), std::stoull(ids.back()));
  EXPECT_EQ(datas(second.channel->plan_replay(ids.back())), std::vector<std::string>{"e21"});
  stop(second);

  Run third = start(3'000'000, disk(1000));
  EXPECT_EQ(third.channel->plan_replay_all().frames.size(), 21u);
  EXPECT_EQ(datas(third.channel->plan_replay(next)), std::vector<std::string>{});
  EXPECT_TRUE(third.channel->plan_replay(next).id_known);
}

TEST_F(HistoryStoreTest, RetentionByCountHoldsOnDiskAndAnOlderIdHasExpired) {
  Run first = start(1'000'000, disk(3));
  std::vector<std::string> ids;
  for (int i = 1; i <= 10; ++i) ids.push_back(first.channel->publish(ev(std::to_string(i))).id);
  ASSERT_TRUE(first.writer->flush(5000));
  // Three events' bytes remain: the trimmed ones were deleted, not only hidden.
  const int64_t three = first.writer->stats().event_bytes;
  stop(first);
  auto store = HistoryStore::open(dir_, kMap);
  StoredChannel stored = store->load("/events", 1000, 0, 0);
  ASSERT_EQ(stored.events.size(), 3u);
  EXPECT_EQ(stored.events.front().event.id, ids[7]);
  EXPECT_EQ(stored.dropped_through, std::stoull(ids[6]));
  EXPECT_EQ(store->stored_event_bytes(), three);
  store.reset();

  Run second = start(2'000'000, disk(3));
  ReplayPlan plan = second.channel->plan_replay(ids[2]);
  EXPECT_FALSE(plan.id_known);
  EXPECT_EQ(plan.reset_reason, "expired");
  EXPECT_EQ(plan.oldest_id, ids[7]);
  EXPECT_EQ(datas(plan), (std::vector<std::string>{"8", "9", "10"}));
  EXPECT_EQ(second.channel->plan_replay("no-such-id").reset_reason, "unknown");
  EXPECT_EQ(second.channel->plan_replay(ids[6]).reset_reason, "");  // 8 is retained
}

TEST_F(HistoryStoreTest, RetentionByAgeDeletesOnDisk) {
  Run run = start(1'000'000, disk(1000, 200));
  for (int i = 0; i < 5; ++i) run.channel->publish(ev("old"));
  ASSERT_TRUE(run.writer->flush(5000));
  EXPECT_GT(run.writer->stats().event_bytes, 0);
  // The writer trims by age once a second; bounded wait for it.
  for (int i = 0; i < 40 && run.writer->stats().event_bytes > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(run.writer->stats().event_bytes, 0);
}

TEST_F(HistoryStoreTest, FullStoreRefusesWith507AndRecoversWhenRetentionFreesRoom) {
  ChannelOptions options = disk(1000);
  Run run = start(1'000'000, options, 400);
  int accepted = 0;
  PublishResult refused;
  for (int i = 0; i < 200; ++i) {
    PublishResult r = run.channel->publish(ev(std::string(40, 'x')));
    if (!r.ok) {
      refused = r;
      break;
    }
    ++accepted;
    run.writer->flush(5000);
  }
  EXPECT_GT(accepted, 0);
  EXPECT_EQ(refused.status, 507);
  EXPECT_TRUE(run.writer->full());
  EXPECT_FALSE(run.channel->accepting());  // sources pause too
  EXPECT_GE(run.writer->stats().refused, 1u);
  options.history = 1;  // retention frees room
  run.directory->apply({options});
  ASSERT_TRUE(run.writer->flush(5000));
  EXPECT_FALSE(run.writer->full());
  EXPECT_TRUE(run.channel->publish(ev("after")).ok);
}

TEST_F(HistoryStoreTest, SyncAlwaysAnswersOnlyOnceTheCommitIsDone) {
  Run run = start(1'000'000, disk(1000, 0, HistorySync::kAlways));
  EXPECT_TRUE(run.channel->answers_after_commit());
  std::promise<PublishResult> answered;
  const uint64_t syncs_before = run.writer->stats().syncs;
  PublishResult now =
      run.channel->publish(ev("a"), [&](PublishResult r) { answered.set_value(r); });
  EXPECT_TRUE(now.deferred);
  auto later = answered.get_future();
  ASSERT_EQ(later.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  PublishResult r = later.get();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.id, now.id);
  EXPECT_GT(run.writer->stats().syncs, syncs_before);
  EXPECT_GE(run.writer->stats().events_written, 1u);
}

TEST_F(HistoryStoreTest, ARemovedTemplateChannelTakesItsStoredEventsWithIt) {
  Run run = start(1'000'000, disk(1000));
  ChannelOptions room = disk(100);
  room.path = "/rooms/{room}";
  room.template_path = room.path;
  room.idle_ttl_ms = 1;
  run.directory->apply({disk(1000), room});
  bool full = false;
  auto a = run.directory->find_or_make("/rooms/a", &full);
  ASSERT_TRUE(a);
  for (int i = 0; i < 3; ++i) a->publish(ev("r"));
  a.reset();
  run.directory->sweep_idle(wall_ms() + 10);  // sees the publishes: busy
  ASSERT_EQ(run.directory->sweep_idle(wall_ms() + 1000).size(), 1u);
  auto again = run.directory->find_or_make("/rooms/a", &full);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->plan_replay_all().frames.size(), 0u);
  ASSERT_TRUE(run.writer->flush(5000));
  EXPECT_EQ(run.writer->stats().event_bytes, 0);
}

TEST_F(HistoryStoreTest, ACorruptStoreStopsTheStartNamingItsFile) {
  { auto store = HistoryStore::open(dir_, kMap); }
  {
    std::ofstream garbage(dir_ + "/history/data.mdb", std::ios::trunc | std::ios::binary);
    garbage << std::string(8192, '\x5a');
  }
  try {
    HistoryStore::open(dir_, kMap);
    FAIL() << "a corrupt store opened";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(dir_ + "/history/data.mdb"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(HistoryStore::open(dir_, kMap, true), StoreError);  // --check-config
}

TEST_F(HistoryStoreTest, ASecondGatewayCannotOpenAStoreInUse) {
  auto store = HistoryStore::open(dir_, kMap);
  EXPECT_THROW(HistoryStore::open(dir_, kMap), StoreError);
  EXPECT_NO_THROW(HistoryStore::open(dir_, kMap, true));  // --check-config beside it
}

}  // namespace
}  // namespace ssegw
