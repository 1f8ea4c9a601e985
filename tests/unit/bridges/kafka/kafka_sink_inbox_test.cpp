#include "bridges/kafka/kafka_sink_inbox.h"

#include <gtest/gtest.h>

namespace ssegw::kafka {
namespace {

std::shared_ptr<Channel> make_channel() {
  ChannelOptions options;
  options.path = "/feed";
  return std::make_shared<Channel>(options, 0, std::vector<FanoutTarget*>{});
}

FrameRef frame() {
  Event event;
  event.data = "d";
  return FrameRef::adopt(new Frame(0, std::move(event), "", 0));
}

TEST(SinkInbox, WakesTheThreadOncePerBatch) {
  auto channel = make_channel();
  SinkInbox inbox(channel, 10, "s");
  EXPECT_TRUE(inbox.push(frame()));
  EXPECT_FALSE(inbox.push(frame()));  // a wake-up is already pending
  inbox.queue.clear();
  EXPECT_TRUE(inbox.push(frame()));
  EXPECT_EQ(inbox.status.events_in, 3u);
  EXPECT_EQ(inbox.undelivered, 3u);
}

TEST(SinkInbox, HoldsTheChannelPastTheLimitAndLetsGoAtHalf) {
  auto channel = make_channel();
  SinkInbox inbox(channel, 4, "s");
  for (int i = 0; i < 4; ++i) inbox.push(frame());
  EXPECT_TRUE(channel->accepting());  // at the limit, not past it
  inbox.push(frame());
  EXPECT_FALSE(channel->accepting());
  EXPECT_EQ(inbox.snapshot().gauges.at("holding"), 1);
  inbox.delivered(2);  // 3 left: above half the limit, still held
  EXPECT_FALSE(channel->accepting());
  inbox.delivered(1);  // 2 left
  EXPECT_TRUE(channel->accepting());
  EXPECT_EQ(inbox.status.events_out, 3u);
  EXPECT_EQ(inbox.snapshot().gauges.at("queue_depth"), 2);
}

TEST(SinkInbox, APinnedHoldStaysWhateverTheCountUntilReleased) {
  auto channel = make_channel();
  SinkInbox inbox(channel, 4, "s");
  inbox.push(frame());
  inbox.hold.pin();
  EXPECT_FALSE(channel->accepting());
  inbox.delivered(1);  // an empty queue does not let a pinned hold go
  EXPECT_FALSE(channel->accepting());
  EXPECT_EQ(inbox.snapshot().gauges.at("holding"), 1);
  inbox.hold.release();
  EXPECT_TRUE(channel->accepting());
  inbox.hold.release();  // once is enough: the channel's count stays right
  EXPECT_TRUE(channel->accepting());
}

TEST(SinkInbox, ReleasesItsHoldWhenDestroyed) {
  auto channel = make_channel();
  {
    SinkInbox inbox(channel, 1, "s");
    inbox.push(frame());
    inbox.push(frame());
    EXPECT_FALSE(channel->accepting());
  }
  EXPECT_TRUE(channel->accepting());
}

}  // namespace
}  // namespace ssegw::kafka
