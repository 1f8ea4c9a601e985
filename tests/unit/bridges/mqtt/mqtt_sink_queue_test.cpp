// The sink's queue without a broker: the connection attempt is refused on loopback, so every
// event waits, and the hold on the channel follows the queue's bound.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "bridges/mqtt/mqtt_sink.h"

namespace ssegw::mqtt {
namespace {

MqttSinkConfig unreachable_sink(size_t max_queue) {
  MqttSinkConfig c;
  c.name = "out";
  // Port 1 on loopback: nothing listens there, the connect is refused at once.
  c.connection.broker = "tcp://127.0.0.1:1";
  c.connection.client_id = "unit-sink";
  c.connection.backoff_initial_ms = 20;
  c.connection.backoff_max_ms = 50;
  c.connection.connect_timeout_ms = 1000;
  c.from = "/alerts";
  c.topic = TopicTemplate::parse("gw/{event}");
  c.max_queue = max_queue;
  c.drain_timeout_ms = 0;
  return c;
}

std::shared_ptr<Channel> make_channel() {
  ChannelOptions options;
  options.path = "/alerts";
  return std::make_shared<Channel>(options, 0, std::vector<FanoutTarget*>{});
}

void publish(Channel& channel, int n) {
  for (int i = 0; i < n; ++i) {
    Event e;
    e.type = "alert";
    // Appended, not "a" + ...: GCC 12 -O3 reports a false -Werror=restrict for that.
    e.data = std::string("a").append(std::to_string(i));
    channel.publish(e);
  }
}

TEST(MqttSinkQueue, EventsWaitWhileTheBrokerIsAwayAndHoldTheChannelPastTheBound) {
  auto channel = make_channel();
  MqttSink sink(unreachable_sink(3), channel);
  sink.start();
  publish(*channel, 2);
  EXPECT_TRUE(channel->accepting());
  publish(*channel, 1);
  EXPECT_FALSE(channel->accepting()) << "the third event reaches max_queue";
  publish(*channel, 2);  // still taken, never dropped
  BridgeStatus s = sink.status();
  EXPECT_EQ(s.events_in, 5u);
  EXPECT_EQ(s.events_out, 0u);
  EXPECT_EQ(s.gauges["queue_depth"], 5);
  EXPECT_EQ(s.gauges["holding"], 1);
  EXPECT_EQ(s.gauges["overflow_dropped"], 0);
  // The refused connection shows as a retrying state, not as ready.
  for (int i = 0; i < 100 && sink.status().reconnects == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(sink.status().reconnects, 1u);
  EXPECT_FALSE(sink.ready());
  sink.stop();
  EXPECT_TRUE(channel->accepting()) << "stopping releases the hold";
  EXPECT_EQ(sink.status().state, BridgeState::kStopped);
  publish(*channel, 1);  // no tap any more
  EXPECT_EQ(sink.status().events_in, 5u);
}

TEST(MqttSinkQueue, BeyondTheHardLimitDropsAreCounted) {
  auto channel = make_channel();
  MqttSink sink(unreachable_sink(1), channel);  // hard limit 4 * 1 + 1000
  sink.start();
  publish(*channel, 1010);
  BridgeStatus s = sink.status();
  EXPECT_EQ(s.gauges["queue_depth"], 1004);
  EXPECT_EQ(s.gauges["overflow_dropped"], 6);
  sink.stop();
}

}  // namespace
}  // namespace ssegw::mqtt

namespace ssegw::mqtt {
namespace {

class MqttSinkSpool : public ::testing::Test {
 protected:
  MqttSinkSpool() {
    char pattern[] = "/tmp/ssegw-sink-spool-XXXXXX";
    dir_ = std::string(mkdtemp(pattern)) + "/spool/out";
  }
  ~MqttSinkSpool() override {
    std::filesystem::remove_all(std::filesystem::path(dir_).parent_path().parent_path());
  }
  std::string dir_;
};

TEST_F(MqttSinkSpool, WhileTheBrokerIsAwayEventsGoToDiskAndTheChannelIsNeverHeld) {
  auto channel = make_channel();
  MqttSinkConfig config = unreachable_sink(3);
  config.spool_bytes = 1 << 20;
  {
    MqttSink sink(config, channel, dir_);
    sink.start();
    publish(*channel, 50);
    EXPECT_TRUE(channel->accepting());
    BridgeStatus s = sink.status();
    EXPECT_EQ(s.gauges["queue_depth"], 0);
    EXPECT_EQ(s.gauges["spool_events"], 50);
    EXPECT_GT(s.gauges["spool_bytes"], 50 * 16);
    EXPECT_GE(s.gauges["spool_oldest_age_seconds"], 0);
    EXPECT_EQ(s.gauges["holding"], 0);
    sink.stop();
  }
  // The next start finds them.
  MqttSink again(config, channel, dir_);
  again.start();
  EXPECT_EQ(again.status().gauges["spool_events"], 50);
  again.stop();
}

TEST_F(MqttSinkSpool, AFullSpoolHoldsTheChannelAsBefore) {
  auto channel = make_channel();
  MqttSinkConfig config = unreachable_sink(3);
  config.spool_bytes = 4096;
  MqttSink sink(config, channel, dir_);
  sink.start();
  int published = 0;
  while (channel->accepting() && published < 1000) {
    publish(*channel, 1);
    ++published;
  }
  EXPECT_LT(published, 1000) << "a 4KiB spool fills";
  BridgeStatus s = sink.status();
  EXPECT_EQ(s.gauges["holding"], 1);
  EXPECT_LE(s.gauges["spool_bytes"], 4096);
  EXPECT_EQ(s.gauges["overflow_dropped"], 0);
  sink.stop();
  EXPECT_TRUE(channel->accepting());
}

}  // namespace
}  // namespace ssegw::mqtt
