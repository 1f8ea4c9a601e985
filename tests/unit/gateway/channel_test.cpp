#include "gateway/channel.h"

#include <gtest/gtest.h>

#include <thread>

#include "gateway/channel_directory.h"
#include "gateway/clock.h"

namespace ssegw {
namespace {

constexpr uint64_t kBase = 1'000'000'000;

// Records what a worker would receive, in order.
struct RecordingTarget : FanoutTarget {
  std::mutex mu;
  std::vector<uint64_t> seqs;
  void enqueue_frame(const std::shared_ptr<Channel>&, FrameRef frame) override {
    std::lock_guard lock(mu);
    seqs.push_back(frame->seq());
  }
};

std::shared_ptr<Channel> make_channel(size_t history, std::vector<FanoutTarget*> targets = {}) {
  ChannelOptions options;
  options.path = "/t";
  options.history = history;
  return std::make_shared<Channel>(options, kBase, targets);
}

Event ev(std::string data) {
  Event e;
  e.data = std::move(data);
  return e;
}

TEST(Channel, AssignsIncreasingIdsFromTheBase) {
  auto c = make_channel(10);
  EXPECT_EQ(c->publish(ev("a")).id, std::to_string(kBase + 1));
  EXPECT_EQ(c->publish(ev("b")).id, std::to_string(kBase + 2));
}

TEST(Channel, KeepsAnIdTheSourceGave) {
  auto c = make_channel(10);
  Event e = ev("a");
  e.id = "p0:5";
  EXPECT_EQ(c->publish(e).id, "p0:5");
  c->publish(ev("b"));
  ReplayPlan plan = c->plan_replay("p0:5");
  ASSERT_EQ(plan.frames.size(), 1u);
  EXPECT_EQ(plan.frames[0]->event().data, "b");
}

Event carried(std::string id, std::string data) {
  Event e = ev(std::move(data));
  e.id = std::move(id);
  return e;
}

std::vector<std::string> data_of(const ReplayPlan& plan) {
  std::vector<std::string> out;
  for (const FrameRef& f : plan.frames) out.push_back(f->event().data);
  return out;
}

// A relayed gateway's ids (`ids: upstream`) are decimal and may read as id_base + seq of
// this channel: the frame carrying the id is meant, not the seq the number would give.
TEST(Channel, CarriedIdThatLooksLikeOursNamesTheFrameThatCarriesIt) {
  auto c = make_channel(10);
  for (int k = 5; k >= 1; --k)
    c->publish(carried(std::to_string(kBase + k), "u" + std::to_string(k)));
  ReplayPlan plan = c->plan_replay(std::to_string(kBase + 4));  // the second frame, seq 2
  EXPECT_EQ(data_of(plan), (std::vector<std::string>{"u3", "u2", "u1"}));
  EXPECT_TRUE(plan.id_known);
}

TEST(Channel, CarriedAndAssignedIdsMixedResumeExactly) {
  auto c = make_channel(10);
  const std::string g1 = c->publish(ev("g1")).id;
  c->publish(carried("up-7", "u7"));
  const std::string g3 = c->publish(ev("g3")).id;
  c->publish(carried("up-9", "u9"));
  EXPECT_EQ(data_of(c->plan_replay(g1)), (std::vector<std::string>{"u7", "g3", "u9"}));
  EXPECT_EQ(data_of(c->plan_replay("up-7")), (std::vector<std::string>{"g3", "u9"}));
  EXPECT_EQ(data_of(c->plan_replay(g3)), (std::vector<std::string>{"u9"}));
  EXPECT_TRUE(c->plan_replay("up-9").frames.empty());
  EXPECT_TRUE(c->plan_replay("up-9").id_known);
}

// Pushed out of history, an assigned id is still placed by its number while no frame before
// it carried an id; after one did, the number alone proves nothing and the id is unknown.
TEST(Channel, ExpiredAssignedIdIsPlacedOnlyBeforeTheFirstCarriedOne) {
  auto c = make_channel(2);
  for (int i = 1; i <= 3; ++i) c->publish(ev("g" + std::to_string(i)));
  c->publish(carried(std::to_string(kBase + 1), "u4"));
  c->publish(carried("up-5", "u5"));
  ReplayPlan plan = c->plan_replay(std::to_string(kBase + 3));
  EXPECT_EQ(data_of(plan), (std::vector<std::string>{"u4", "u5"}));
  EXPECT_TRUE(plan.id_known);
  // Seq 4 carried another id, so kBase + 4 was never issued here; once seq 4 is pushed out
  // nothing held shows that, and the id is unknown rather than placed after seq 4.
  c->publish(ev("g6"));
  plan = c->plan_replay(std::to_string(kBase + 4));
  EXPECT_FALSE(plan.id_known);
  EXPECT_EQ(data_of(plan), (std::vector<std::string>{"u5", "g6"}));
}

TEST(Channel, ReplaysExactlyWhatFollowsTheId) {
  auto c = make_channel(10);
  for (int i = 0; i < 5; ++i) c->publish(ev(std::to_string(i)));
  ReplayPlan plan = c->plan_replay(std::to_string(kBase + 2));
  ASSERT_EQ(plan.frames.size(), 3u);
  EXPECT_EQ(plan.frames[0]->event().data, "2");
  EXPECT_EQ(plan.frames[2]->event().data, "4");
  EXPECT_EQ(plan.last_seq, 5u);
  EXPECT_TRUE(plan.id_known);
}

TEST(Channel, NoIdMeansNoReplay) {
  auto c = make_channel(10);
  c->publish(ev("a"));
  ReplayPlan plan = c->plan_replay("");
  EXPECT_TRUE(plan.frames.empty());
  EXPECT_EQ(plan.last_seq, 1u);
}

TEST(Channel, UnknownIdReplaysEverythingRetained) {
  auto c = make_channel(3);
  for (int i = 0; i < 5; ++i) c->publish(ev(std::to_string(i)));
  for (std::string id : {std::string("garbage"), std::string("17"), std::to_string(kBase - 5)}) {
    ReplayPlan plan = c->plan_replay(id);
    ASSERT_EQ(plan.frames.size(), 3u) << id;
    EXPECT_EQ(plan.frames[0]->event().data, "2");
    EXPECT_FALSE(plan.id_known);
  }
}

TEST(Channel, IdOlderThanHistoryIsFlaggedAsAGap) {
  auto c = make_channel(2);
  for (int i = 0; i < 5; ++i) c->publish(ev(std::to_string(i)));
  ReplayPlan plan = c->plan_replay(std::to_string(kBase + 1));
  EXPECT_EQ(plan.frames.size(), 2u);
  EXPECT_FALSE(plan.id_known);
}

TEST(Channel, IdFromAFutureRunIsUnknown) {
  auto c = make_channel(5);
  c->publish(ev("a"));
  ReplayPlan plan = c->plan_replay(std::to_string(kBase + 999));
  EXPECT_EQ(plan.frames.size(), 1u);
  EXPECT_FALSE(plan.id_known);
}

TEST(Channel, ResetReasonTellsExpiredFromUnknown) {
  auto c = make_channel(2);
  for (int i = 0; i < 5; ++i) c->publish(ev(std::to_string(i)));
  ReplayPlan old = c->plan_replay(std::to_string(kBase + 1));
  EXPECT_EQ(old.reset_reason, "expired");
  EXPECT_EQ(old.oldest_id, std::to_string(kBase + 4));
  EXPECT_EQ(c->plan_replay(std::to_string(kBase + 999)).reset_reason, "unknown");
  EXPECT_EQ(c->plan_replay("garbage").reset_reason, "unknown");
  // The id just before the oldest retained one is exact: nothing it needs is gone.
  EXPECT_EQ(c->plan_replay(std::to_string(kBase + 3)).reset_reason, "");
  EXPECT_EQ(c->plan_replay(std::to_string(kBase + 5)).reset_reason, "");
}

TEST(Channel, NoHistoryStillTellsASubscriberThatMissedEvents) {
  auto c = make_channel(0);
  for (int i = 0; i < 3; ++i) c->publish(ev(std::to_string(i)));
  EXPECT_EQ(c->plan_replay(std::to_string(kBase + 1)).reset_reason, "expired");
  EXPECT_TRUE(c->plan_replay(std::to_string(kBase + 3)).id_known);  // missed nothing
}

TEST(Channel, ReplaySinceATimeAndEverything) {
  auto c = make_channel(10);
  c->publish(ev("a"));
  c->publish(ev("b"));
  EXPECT_EQ(c->plan_replay_all().frames.size(), 2u);
  EXPECT_EQ(c->plan_replay_since(0).frames.size(), 2u);
  EXPECT_EQ(c->plan_replay_since(wall_ms() + 60'000).frames.size(), 0u);
  EXPECT_EQ(c->plan_replay_since(0).reset_reason, "");
}

TEST(Channel, HistoryExpiresByAge) {
  ChannelOptions options;
  options.path = "/t";
  options.history = 100;
  options.history_max_age_ms = 50;
  auto c = std::make_shared<Channel>(options, kBase, std::vector<FanoutTarget*>{});
  c->publish(ev("old"));
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  c->publish(ev("new"));
  ReplayPlan plan = c->plan_replay("unknown");
  ASSERT_EQ(plan.frames.size(), 1u);
  EXPECT_EQ(plan.frames[0]->event().data, "new");
}

TEST(Channel, FramesAreEncodedOnceAndShared) {
  RecordingTarget a, b;
  auto c = make_channel(10, {&a, &b});
  c->publish(ev("x"));
  ReplayPlan p1 = c->plan_replay("nope");
  ReplayPlan p2 = c->plan_replay("nope");
  EXPECT_EQ(p1.frames[0].get(), p2.frames[0].get());
  EXPECT_EQ(p1.frames[0]->bytes(), "id: " + std::to_string(kBase + 1) + "\ndata: x\n\n");
  EXPECT_EQ(a.seqs, std::vector<uint64_t>{1});
  EXPECT_EQ(b.seqs, std::vector<uint64_t>{1});
}

// The seam: whatever interleaving of publishes and a subscribe, replay + live frames with
// seq > last_seq give every event exactly once.
TEST(Channel, ReplayPlusLiveHasNoGapAndNoDuplicate) {
  RecordingTarget target;
  auto c = make_channel(100000, {&target});
  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    for (int i = 0; i < 20000; ++i) c->publish(ev(std::to_string(i)));
    stop = true;
  });
  while (c->last_seq() < 100) std::this_thread::yield();
  ReplayPlan plan = c->plan_replay(std::to_string(kBase + 50));
  publisher.join();
  std::vector<uint64_t> seen;
  for (auto& f : plan.frames) seen.push_back(f->seq());
  for (uint64_t s : target.seqs) {
    if (s > plan.last_seq) seen.push_back(s);
  }
  ASSERT_EQ(seen.size(), 20000u - 50);
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 51 + i);
}

struct CountingTap : ChannelTap {
  std::vector<std::string> ids;
  void on_frame(const FrameRef& f) override { ids.push_back(f->id()); }
};

TEST(Channel, TapsSeeEveryFrameInOrder) {
  auto c = make_channel(0);
  CountingTap tap;
  c->add_tap(&tap);
  auto a = c->publish(ev("a")).id;
  auto b = c->publish(ev("b")).id;
  c->remove_tap(&tap);
  c->publish(ev("c"));
  EXPECT_EQ(tap.ids, (std::vector<std::string>{a, b}));
}

TEST(Channel, HoldsNest) {
  auto c = make_channel(1);
  EXPECT_TRUE(c->accepting());
  c->hold();
  c->hold();
  c->release_hold();
  EXPECT_FALSE(c->accepting());
  c->release_hold();
  EXPECT_TRUE(c->accepting());
}

TEST(ChannelDirectory, ApplyKeepsUnchangedChannelsAndTheirHistory) {
  ChannelDirectory dir(kBase, {});
  ChannelOptions a{"/a"}, b{"/b"};
  dir.apply({a, b});
  auto ch = dir.find("/a");
  ch->publish(ev("kept"));
  ChannelOptions a2 = a;
  a2.retry_ms = 500;
  auto removed = dir.apply({a2, ChannelOptions{"/c"}});
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0]->path(), "/b");
  EXPECT_EQ(dir.find("/a").get(), ch.get());
  EXPECT_EQ(ch->options().retry_ms, 500);
  EXPECT_EQ(ch->history_size(), 1u);
  EXPECT_NE(dir.find("/c"), nullptr);
  EXPECT_EQ(dir.find("/b"), nullptr);
}

TEST(ChannelDirectory, ARemovedAndReAddedChannelNeverReissuesAnId) {
  ChannelDirectory dir(kBase, {});
  dir.apply({ChannelOptions{"/a"}});
  auto old = dir.find("/a");
  old->publish(ev("1"));
  const std::string last = old->publish(ev("2")).id;
  dir.apply({});
  EXPECT_FALSE(old->publish(ev("late")).ok) << "a removed channel must not issue ids";
  dir.apply({ChannelOptions{"/a"}});
  const std::string next = dir.find("/a")->publish(ev("3")).id;
  EXPECT_GT(std::stoull(next), std::stoull(last));
}

TEST(ChannelDirectory, OnDemandChannelsAreLimited) {
  ChannelDirectory dir(kBase, {});
  ChannelOptions defaults;
  EXPECT_NE(dir.find_or_create("/mqtt/a", defaults, 2), nullptr);
  EXPECT_NE(dir.find_or_create("/mqtt/b", defaults, 2), nullptr);
  EXPECT_NE(dir.find_or_create("/mqtt/a", defaults, 2), nullptr);  // exists already
  EXPECT_EQ(dir.find_or_create("/mqtt/c", defaults, 2), nullptr);
  dir.apply({});  // reload keeps on-demand channels
  EXPECT_NE(dir.find("/mqtt/a"), nullptr);
}

}  // namespace
}  // namespace ssegw
