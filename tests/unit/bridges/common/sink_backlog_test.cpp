// The order of a sink's undelivered events across its memory queue, its spool and the frames
// waiting for room in a full spool, and when the channel is held.
#include "bridges/common/sink_backlog.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gateway/channel.h"

namespace ssegw {
namespace {

// Frames as a sink's tap sees them.
class FrameSource : public ChannelTap {
 public:
  FrameSource()
      : channel_(std::make_shared<Channel>(make_options(), 0, std::vector<FanoutTarget*>{})) {
    channel_->add_tap(this);
  }
  ~FrameSource() override { channel_->remove_tap(this); }
  FrameRef next(const std::string& data) {
    Event e;
    e.type = "t";
    e.data = data;
    channel_->publish(e);
    return last_;
  }

 private:
  static ChannelOptions make_options() {
    ChannelOptions o;
    o.path = "/c";
    return o;
  }
  void on_frame(const FrameRef& frame) override { last_ = frame; }
  std::shared_ptr<Channel> channel_;  // publish needs it shared
  FrameRef last_;
};

class SinkBacklogTest : public ::testing::Test {
 protected:
  SinkBacklogTest() {
    char pattern[] = "/tmp/ssegw-backlog-unit-XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  ~SinkBacklogTest() override { std::filesystem::remove_all(dir_); }
  SinkBacklog make(size_t max_queue, uint64_t spool_bytes) {
    std::string error;
    auto spool = SinkSpool::open({dir_ + "/out", spool_bytes, 512}, error);
    EXPECT_TRUE(spool) << error;
    return SinkBacklog({max_queue, max_queue * 4 + 1000, spool_bytes}, std::move(spool));
  }
  // Delivers everything, one at a time, as a sink with a window of one would.
  static std::vector<std::string> deliver_all(SinkBacklog& b) {
    std::vector<std::string> out;
    for (int guard = 0; guard < 10000; ++guard) {
      const Event* e = b.at(0);
      if (!e) break;
      out.push_back(e->data);
      b.delivered(0);
    }
    return out;
  }
  static std::string n(int i) { return std::string("e").append(std::to_string(i)); }

  std::string dir_;
  FrameSource frames_;
};

TEST_F(SinkBacklogTest, OrderHoldsAcrossMemoryAndSpool) {
  SinkBacklog b = make(3, 1 << 20);
  using T = SinkBacklog::Taken;
  EXPECT_EQ(b.take(frames_.next(n(0)), true, 0), T::kQueued);
  EXPECT_EQ(b.take(frames_.next(n(1)), true, 0), T::kQueued);
  EXPECT_EQ(b.take(frames_.next(n(2)), false, 0), T::kSpooled) << "broker away: to disk";
  EXPECT_EQ(b.take(frames_.next(n(3)), true, 0), T::kSpooled) << "behind the spool, not ahead";
  for (int i = 4; i < 10; ++i) EXPECT_EQ(b.take(frames_.next(n(i)), true, 0), T::kSpooled);
  EXPECT_EQ(b.queued(), 2u);
  EXPECT_FALSE(b.should_hold(false));
  // A window spanning memory and disk, as inflight publishes do.
  ASSERT_TRUE(b.at(3));
  EXPECT_EQ(b.at(3)->data, n(3));
  EXPECT_EQ(b.at(0)->data, n(0));
  b.delivered(0);
  EXPECT_EQ(b.take(frames_.next(n(10)), true, 0), T::kSpooled);
  std::vector<std::string> got = deliver_all(b);
  ASSERT_EQ(got.size(), 10u);
  for (int i = 1; i <= 10; ++i) EXPECT_EQ(got[i - 1], n(i));
  EXPECT_TRUE(b.spool()->empty());
  EXPECT_EQ(b.take(frames_.next(n(11)), true, 0), T::kQueued) << "spool drained: memory again";
}

TEST_F(SinkBacklogTest, AFullSpoolHoldsTheChannelUntilDeliveryMakesRoom) {
  SinkBacklog b = make(2, 4096);
  using T = SinkBacklog::Taken;
  int i = 0;
  for (; i < 1000; ++i) {
    if (b.take(frames_.next(std::string(100, 'x').append(n(i))), false, 0) == T::kWaiting) break;
  }
  ASSERT_LT(i, 1000) << "a 4KiB spool fills";
  EXPECT_TRUE(b.should_hold(false));
  EXPECT_EQ(b.take(frames_.next("later"), true, 0), T::kWaiting) << "behind the waiting one";
  EXPECT_EQ(b.waiting(), 2u);
  std::vector<std::string> got = deliver_all(b);
  ASSERT_EQ(got.size(), static_cast<size_t>(i + 2));
  for (int k = 0; k <= i; ++k) EXPECT_EQ(got[k], std::string(100, 'x').append(n(k)));
  EXPECT_EQ(got.back(), "later");
  EXPECT_FALSE(b.should_hold(true)) << "released once drained";
}

TEST_F(SinkBacklogTest, WithoutASpoolTheHoldFollowsTheQueueAsBefore) {
  SinkBacklog b({4, 1000, 0}, nullptr);
  for (int i = 0; i < 3; ++i) b.take(frames_.next(n(i)), false, 0);
  EXPECT_FALSE(b.should_hold(false));
  b.take(frames_.next(n(3)), false, 0);
  EXPECT_TRUE(b.should_hold(false));
  b.delivered(0);
  EXPECT_TRUE(b.should_hold(true)) << "3 > max_queue / 2";
  b.delivered(0);
  EXPECT_FALSE(b.should_hold(true));
}

}  // namespace
}  // namespace ssegw
