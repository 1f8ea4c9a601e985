#include "gateway/status_snapshot.h"

#include <gtest/gtest.h>

#include "gateway/status_feed.h"

namespace ssegw {
namespace {

GatewayIdentity identity() {
  return GatewayIdentity{"9.9.9", "0123456789ab", "/etc/gw.yaml", 2, 1'700'000'000'000};
}

StatusSample sample_at(int64_t ms, std::vector<ChannelSample> channels) {
  StatusSample s;
  s.taken_ms = ms;
  s.wall_ms = 1'700'000'000'000 + ms;
  s.channels = std::move(channels);
  return s;
}

ChannelSample channel(std::string path, int64_t subscribers, uint64_t published,
                      uint64_t delivered) {
  return ChannelSample{std::move(path), subscribers, published, delivered, 0, 0};
}

std::string encode(const StatusSample& before, const StatusSample& now, std::string_view filter,
                   size_t top_n = kStatusTopChannels) {
  return encode_status_json(identity(), before, baseline_of(before), now, filter, top_n);
}

// The channels array's paths in the order the frame lists them.
std::vector<std::string> listed_paths(const std::string& json) {
  std::vector<std::string> paths;
  const std::string key = "{\"path\":\"";
  for (size_t at = json.find(key); at != std::string::npos; at = json.find(key, at + 1)) {
    const size_t start = at + key.size();
    paths.push_back(json.substr(start, json.find('"', start) - start));
  }
  return paths;
}

TEST(StatusSnapshot, HostileChannelNamesAreEscapedAndTheFrameStaysOneLine) {
  StatusSample before = sample_at(0, {});
  StatusSample now = sample_at(1000, {channel("/x\"},{\"path\":\"/evil\n<script>\\\x01", 1, 0, 0)});
  const std::string json = encode(before, now, "");
  EXPECT_EQ(json.find('\n'), std::string::npos) << json;
  EXPECT_EQ(json.find('\x01'), std::string::npos) << json;
  EXPECT_NE(json.find(R"("path":"/x\"},{\"path\":\"/evil\n<script>\\\u0001")"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"channels_total\":1"), std::string::npos) << json;
}

TEST(StatusSnapshot, RatesAreTheDifferenceBetweenTwoSamplesOverTheirInterval) {
  StatusSample before = sample_at(0, {channel("/a", 3, 100, 300)});
  before.publishes = 100;
  before.delivered = 300;
  StatusSample now = sample_at(2000, {channel("/a", 4, 120, 380)});
  now.publishes = 120;
  now.delivered = 380;
  const std::string json = encode(before, now, "");
  EXPECT_NE(json.find(R"({"path":"/a","subscribers":4,"publishes_per_s":10.00,)"
                      R"("deliveries_per_s":40.00,)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("publishes_per_s":10.00,"deliveries_per_s":40.00,"slow_drops")"),
            std::string::npos)
      << json;
}

TEST(StatusSnapshot, AChannelMadeAgainCountsFromZeroNotNegative) {
  StatusSample before = sample_at(0, {channel("/a", 0, 500, 500)});
  StatusSample now = sample_at(1000, {channel("/a", 0, 7, 0)});
  EXPECT_NE(encode(before, now, "").find("\"publishes_per_s\":7.00"), std::string::npos);
}

TEST(StatusSnapshot, TopNIsByActivityThenSubscribersThenPath) {
  StatusSample before = sample_at(0, {channel("/quiet", 50, 10, 10), channel("/busy", 1, 0, 0),
                                      channel("/idle-b", 5, 0, 0), channel("/idle-a", 5, 0, 0)});
  // /quiet has the most events in total but none since the last sample.
  StatusSample now = sample_at(
      1000, {channel("/quiet", 50, 10, 10), channel("/busy", 1, 9, 9), channel("/idle-b", 5, 0, 0),
             channel("/idle-a", 5, 0, 0), channel("/new", 0, 1, 0)});
  EXPECT_EQ(listed_paths(encode(before, now, "")),
            (std::vector<std::string>{"/busy", "/new", "/quiet", "/idle-a", "/idle-b"}));
  EXPECT_EQ(listed_paths(encode(before, now, "", 2)), (std::vector<std::string>{"/busy", "/new"}));
}

TEST(StatusSnapshot, FilterKeepsChannelsWhosePathHoldsIt) {
  std::vector<ChannelSample> many;
  for (int i = 0; i < 10'000; ++i)
    many.push_back(channel("/room/" + std::to_string(i), i % 7, 0, 0));
  StatusSample before = sample_at(0, many);
  StatusSample now = sample_at(1000, many);
  const std::string all = encode(before, now, "");
  EXPECT_EQ(listed_paths(all).size(), kStatusTopChannels);
  EXPECT_NE(all.find("\"channels_total\":10000"), std::string::npos);
  const std::vector<std::string> some = listed_paths(encode(before, now, "/room/999"));
  EXPECT_EQ(some.size(), 11u);  // /room/999 and /room/9990 to /room/9999
  EXPECT_NE(encode(before, now, "/room/999")
                .find("\"channels_total\":10000,\"filter\":\"/room/999\","
                      "\"channels_matched\":11,"),
            std::string::npos);
  for (const std::string& path : some) EXPECT_NE(path.find("/room/999"), std::string::npos);
  EXPECT_TRUE(listed_paths(encode(before, now, "nothing-like-it")).empty());
}

TEST(StatusSnapshot, GatewayConnectionsAndBridges) {
  StatusSample before = sample_at(0, {});
  StatusSample now = sample_at(61'000, {});
  now.connections_by_protocol[Metrics::kH2Tls] = 3;
  now.connections_open = 5;
  NamedStatus bridge{"source", "up\"stream", "sse", {}, true};
  bridge.status.state = BridgeState::kStreaming;
  bridge.status.reconnects = 2;
  bridge.status.gauges["queue_depth"] = 12;
  now.bridges.push_back(bridge);
  const std::string json = encode(before, now, "");
  EXPECT_NE(json.find(R"("gateway":{"version":"9.9.9","commit":"0123456789ab","uptime_seconds":61,)"
                      R"("config_file":"/etc/gw.yaml","workers":2,)"
                      R"("started_at":"2023-11-14T22:13:20Z"})"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("connections":{"http1":0,"http1_tls":0,"h2":3,"h2c":0})"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("name":"up\"stream","type":"sse","state":"streaming")"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("reconnects":2,)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("lag":null,"queue_depth":12,"spool_depth":null)"), std::string::npos)
      << json;
}

// One collection per tick, whatever the number of viewers and filters.
TEST(StatusFeed, SamplesOncePerTickOnlyWhileWatchedAndCapsViewers) {
  StatusFeed feed(identity(), {}, 0);
  int samples = 0;
  int64_t now = 0;
  auto take = [&] {
    ++samples;
    now += 1000;
    return sample_at(now, {channel("/a", 1, 0, 0)});
  };
  feed.publish(take);
  EXPECT_EQ(samples, 0);  // nobody watches
  bool full = true;
  std::shared_ptr<Channel> all = feed.open("", &full);
  ASSERT_TRUE(all);
  EXPECT_FALSE(full);
  std::shared_ptr<Channel> filtered = feed.open("/a", &full);
  EXPECT_EQ(feed.open("", &full), all);  // viewers of one filter share one channel
  all->subscribers() = 20;
  filtered->subscribers() = 12;
  EXPECT_FALSE(feed.open("/b", &full));
  EXPECT_TRUE(full);
  feed.publish(take);
  feed.publish(take);
  EXPECT_EQ(samples, 2);
  EXPECT_EQ(all->events_published(), 1u);  // the first sample is only the baseline
  EXPECT_EQ(filtered->events_published(), 1u);
}

TEST(StatusFeed, KeepsABoundedNumberOfFiltersAndClosesAll) {
  StatusFeed feed(identity(), {}, 0);
  bool full = false;
  for (size_t i = 0; i < StatusFeed::kMaxFeeds; ++i) {
    ASSERT_TRUE(feed.open("f" + std::to_string(i), &full)) << i;
  }
  EXPECT_FALSE(feed.open("one-more", &full));  // nobody watches them, but they are kept
  EXPECT_TRUE(full);
  EXPECT_TRUE(feed.open("f0", &full));  // a kept one is still handed out
  EXPECT_EQ(feed.close_all().size(), StatusFeed::kMaxFeeds);
  EXPECT_TRUE(feed.open("one-more", &full));
}

}  // namespace
}  // namespace ssegw
