// The Kafka bridges in-process against the real broker: source, resume, sink and backbone
// driven through the core's Channel, without the HTTP server in between.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "bridges/kafka/kafka_backbone.h"
#include "bridges/kafka/kafka_position.h"
#include "bridges/kafka/kafka_sink.h"
#include "bridges/kafka/kafka_source.h"
#include "gateway/channel_directory.h"
#include "tests/integration/kafka/kafka_test_client.h"
#include "tests/support/process.h"

namespace ssegw::kafka {
namespace {

using namespace std::chrono_literals;
namespace tk = ssegw::testing::kafka;

// prefix + n, appended: GCC 12 at -O3 reports a false -Werror=restrict for
// "literal" + std::to_string(n) in some of these loops.
std::string numbered(std::string_view prefix, int n) {
  std::string out(prefix);
  out.append(std::to_string(n));
  return out;
}

// Stands in for the workers: keeps every frame a channel fans out.
class RecordingTarget : public FanoutTarget {
 public:
  void enqueue_frame(const std::shared_ptr<Channel>&, FrameRef frame) override {
    std::lock_guard lock(mu_);
    frames_.push_back(std::move(frame));
    cv_.notify_all();
  }
  std::vector<FrameRef> wait_for(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return frames_.size() >= n; });
    return frames_;
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return frames_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<FrameRef> frames_;
};

struct Gateway {
  RecordingTarget target;
  ChannelDirectory channels{1'000'000'000'000, {&target}};
  BridgeContext ctx{channels};
  explicit Gateway(std::vector<ChannelOptions> options) { channels.apply(options); }
};

ChannelOptions channel(const std::string& path, size_t history = 100000) {
  ChannelOptions o;
  o.path = path;
  o.history = history;
  o.publish = true;
  return o;
}

SourceSettings source_settings(const std::string& topic, const std::string& to, bool earliest) {
  SourceSettings s;
  s.feed.name = "src";
  s.feed.brokers = tk::bootstrap();
  s.feed.topics = {topic};
  s.feed.start_earliest = earliest;
  s.feed.rules.type_from = EventRules::TypeFrom::kHeader;
  s.feed.rules.type_value = "type";
  s.to = {to};
  return s;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

TEST(KafkaSourceBridge, ThreePartitionsArriveInPartitionOrderWithHeaderTypes) {
  const std::string topic = tk::unique_topic("src3");
  tk::create_topic(topic, 3);
  std::vector<tk::OutRecord> records;
  for (int i = 0; i < 3000; ++i) {
    int p = i % 3;
    records.push_back({p,
                       std::nullopt,
                       numbered("p", p) + "-" + std::to_string(i / 3),
                       {{"type", i % 2 ? "odd" : "even"}}});
  }
  ASSERT_EQ(tk::produce(topic, records), records.size());

  Gateway gw({channel("/orders")});
  KafkaSource source(source_settings(topic, "/orders", true), {gw.channels.find("/orders")});
  source.start();
  auto frames = gw.target.wait_for(3000, 30s);
  ASSERT_EQ(frames.size(), 3000u);
  std::map<int, int> next;
  Cut last;
  for (const FrameRef& f : frames) {
    auto position = decode_position(f->id());
    ASSERT_TRUE(position) << f->id();
    EXPECT_NE(compare_cuts(last, position->cut), CutOrder::kAfter);
    last = position->cut;
    const std::string& data = f->event().data;
    int p = data[1] - '0';
    EXPECT_EQ(position->own.partition, p);
    EXPECT_EQ(data, "p" + std::to_string(p) + "-" + std::to_string(next[p]++));
    int i = next[p] - 1;
    EXPECT_EQ(f->event().type, (i * 3 + p) % 2 ? "odd" : "even");
  }
  EXPECT_EQ(encode_cut(last), "0:1000,1:1000,2:1000");
  EXPECT_EQ(source.status().state, BridgeState::kStreaming);
  source.stop();
}

TEST(KafkaSourceBridge, ResumeProviderFetchesExactlyTheMissingEvents) {
  const std::string topic = tk::unique_topic("resume");
  tk::create_topic(topic, 2);
  std::vector<tk::OutRecord> records;
  for (int i = 0; i < 400; ++i) records.push_back({i % 2, std::nullopt, numbered("e", i), {}});
  ASSERT_EQ(tk::produce(topic, records), records.size());

  Gateway gw({channel("/r")});
  auto ch = gw.channels.find("/r");
  KafkaSource source(source_settings(topic, "/r", true), {ch});
  source.start();
  auto frames = gw.target.wait_for(400, 30s);
  ASSERT_EQ(frames.size(), 400u);
  ResumeProvider* provider = ch->resume_provider();
  ASSERT_NE(provider, nullptr);
  EXPECT_TRUE(provider->understands(frames[10]->id()));
  EXPECT_FALSE(provider->understands("12345"));

  // A subscriber at frame 99 whose history starts at frame 300: it needs frames 100..299.
  std::promise<std::pair<bool, std::vector<Event>>> got;
  provider->fetch(frames[99]->id(), frames[300]->id(), "", [&](bool ok, std::vector<Event> events) {
    got.set_value({ok, std::move(events)});
  });
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(30s), std::future_status::ready);
  auto [ok, events] = future.get();
  ASSERT_TRUE(ok);
  std::multiset<std::string> want;
  for (int i = 100; i < 300; ++i) want.insert(frames[i]->event().data);
  std::multiset<std::string> have;
  for (const Event& e : events) have.insert(e.data);
  EXPECT_EQ(have, want);
  // Each replayed id covers what came before it, and the last one meets the history seam.
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(encode_cut(decode_position(events.back().id)->cut),
            encode_cut(cut_before_event(*decode_position(frames[300]->id()))));
  // Per partition, the replay keeps Kafka's order.
  std::map<int32_t, int64_t> last;
  for (const Event& e : events) {
    auto p = decode_position(e.id);
    ASSERT_TRUE(p);
    int64_t offset = p->cut.at(p->own);
    EXPECT_GT(offset, last[p->own.partition]);
    last[p->own.partition] = offset;
  }

  // through_id form: everything after frame 389 up to and including the last one.
  std::promise<std::vector<Event>> tail;
  provider->fetch(frames[389]->id(), "", frames[399]->id(),
                  [&](bool, std::vector<Event> e) { tail.set_value(std::move(e)); });
  auto tail_events = tail.get_future().get();
  EXPECT_EQ(tail_events.size(), 10u);
  source.stop();
}

TEST(KafkaSinkBridge, ProducesWithHeadersAndFindsItsResumePoint) {
  const std::string topic = tk::unique_topic("sink");
  tk::create_topic(topic, 1);
  Gateway gw({channel("/prices")});
  auto ch = gw.channels.find("/prices");
  SinkSettings settings;
  settings.name = "to-kafka";
  settings.from = "/prices";
  settings.brokers = tk::bootstrap();
  settings.topic = topic;
  settings.key_from = SinkSettings::KeyFrom::kJsonPointer;
  settings.key_pointer = "/symbol";
  {
    KafkaSink sink(settings, ch);
    sink.start();
    EXPECT_FALSE(ch->resume_point("up").has_value());
    for (int i = 0; i < 500; ++i) {
      Event e;
      e.type = "price";
      e.data = R"({"symbol":"S)" + std::to_string(i % 7) + R"(","n":)" + std::to_string(i) + "}";
      e.origin_id = numbered("u", i);
      e.source = "up";
      ch->publish(e);
    }
    ASSERT_TRUE(wait_until([&] { return sink.status().events_out == 500; }, 30s));
    sink.stop();
  }
  auto records = tk::read_all(topic);
  ASSERT_EQ(records.size(), 500u);
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(records[i].header("type"), "price");
    EXPECT_EQ(records[i].header("id"), "u" + std::to_string(i));
    EXPECT_EQ(records[i].header("source"), "up");
    EXPECT_EQ(records[i].key, "S" + std::to_string(i % 7));
    EXPECT_NE(records[i].value.find("\"n\":" + std::to_string(i) + "}"), std::string::npos);
  }
  // A new sink on a fresh gateway finds where the upstream must resume.
  Gateway again({channel("/prices")});
  auto ch2 = again.channels.find("/prices");
  KafkaSink sink2(settings, ch2);
  sink2.start();
  EXPECT_EQ(ch2->resume_point("up"), "u499");
  sink2.stop();
}

TEST(KafkaSinkBridge, HoldsTheChannelPastItsQueueLimitWhileTheBrokerIsAway) {
  Gateway gw({channel("/held")});
  auto ch = gw.channels.find("/held");
  SinkSettings settings;
  settings.name = "nowhere";
  settings.from = "/held";
  settings.brokers = "127.0.0.1:1";  // nothing listens there
  settings.topic = "t";
  settings.queue_limit = 10;
  settings.resume_timeout = 500ms;
  KafkaSink sink(settings, ch);
  sink.start();
  for (int i = 0; i < 9; ++i) ch->publish(Event{.data = "x"});
  EXPECT_TRUE(ch->accepting());
  ch->publish(Event{.data = "y"});
  EXPECT_FALSE(ch->accepting()) << "no spool: held at queue_limit in memory";
  EXPECT_EQ(sink.status().gauges.at("queue_depth"), 10);
  sink.stop();
  EXPECT_TRUE(ch->accepting());
}

// A sink with a 1MiB spool and brokers that are never there.
SinkSettings spooling_sink(const std::string& name, const std::string& from) {
  SinkSettings settings;
  settings.name = name;
  settings.from = from;
  settings.brokers = "127.0.0.1:1";  // nothing listens there
  settings.topic = "t";
  settings.queue_limit = 10;
  settings.spool_bytes = 1 << 20;
  settings.resume_timeout = 500ms;
  return settings;
}

// `count` events from source "up" (origin ids u0, u1, ...) through a sink of its own on a
// gateway of its own, never held; the sink's status before it stops.
BridgeStatus publish_through_sink(const SinkSettings& settings, const std::string& spool_dir,
                                  int count) {
  Gateway gw({channel(settings.from)});
  auto ch = gw.channels.find(settings.from);
  KafkaSink sink(settings, ch, spool_dir);
  sink.start();
  for (int i = 0; i < count; ++i) {
    ch->publish(Event{.data = numbered("x", i), .origin_id = numbered("u", i), .source = "up"});
    EXPECT_TRUE(ch->accepting()) << "held at event " << i;
  }
  BridgeStatus status = sink.status();
  sink.stop();
  return status;
}

// While the brokers are away a spooling sink keeps taking events (the channel is never
// held), and what it spooled outlives the sink: the next one resumes its sources after the
// newest spooled event, since those follow everything in the topic.
TEST(KafkaSinkBridge, SpoolsWhileTheBrokerIsAwayAndResumesAfterTheSpoolNextTime) {
  testing::TempDir state;
  const SinkSettings settings = spooling_sink("spooling", "/spooled");
  const std::string dir = state.path("spool/spooling");
  const BridgeStatus status = publish_through_sink(settings, dir, 100);
  EXPECT_EQ(status.gauges.at("queue_depth"), 100);
  EXPECT_EQ(status.gauges.at("spool_events"), 100) << "the brokers were away from the start";
  EXPECT_GT(status.gauges.at("spool_bytes"), 0);
  EXPECT_EQ(status.gauges.at("holding"), 0);
  Gateway again({channel("/spooled")});
  auto ch = again.channels.find("/spooled");
  KafkaSink sink(settings, ch, dir);
  sink.start();
  EXPECT_EQ(ch->resume_point("up"), "u99");
  EXPECT_EQ(sink.status().gauges.at("spool_events"), 100);
  sink.stop();
}

// Events older than the spooled ones that were only in memory when the process ended make
// the spool's resume point wrong: the marker sends the next start to the topic's tail.
TEST(KafkaSinkBridge, AGapMarkerKeepsTheSpoolFromSkippingEventsLostWithMemory) {
  testing::TempDir state;
  const SinkSettings settings = spooling_sink("gapped", "/gapped");
  const std::string dir = state.path("spool/gapped");
  publish_through_sink(settings, dir, 5);
  // The spool holds them all: nothing was only in memory, so no marker.
  EXPECT_FALSE(std::filesystem::exists(dir + "/gap"));
  std::ofstream(dir + "/gap").put('\n');
  Gateway again({channel("/gapped")});
  auto ch = again.channels.find("/gapped");
  KafkaSink sink(settings, ch, dir);
  sink.start();
  EXPECT_FALSE(ch->resume_point("up").has_value());
  EXPECT_FALSE(std::filesystem::exists(dir + "/gap")) << "the new run starts with no gap";
  sink.stop();
}

TEST(KafkaBackboneBridge, TwoGatewaysShareOneStreamWithTheSameIds) {
  const std::string topic = tk::unique_topic("backbone");
  tk::create_topic(topic, 1);
  BackboneSettings settings;
  settings.channel_path = "/events";
  settings.brokers = tk::bootstrap();
  settings.topic = topic;
  Gateway a({channel("/events")});
  Gateway b({channel("/events")});
  KafkaBackbone backbone_a(settings, a.channels.find("/events"));
  KafkaBackbone backbone_b(settings, b.channels.find("/events"));
  backbone_a.start();
  backbone_b.start();
  ASSERT_EQ(a.channels.find("/events")->publish_route(), &backbone_a);
  // Both feeds must be reading before the publish, or `latest` would start past it.
  ASSERT_TRUE(wait_until(
      [&] {
        return backbone_a.status().state == BridgeState::kStreaming &&
               backbone_b.status().state == BridgeState::kStreaming;
      },
      30s));
  std::vector<std::string> acked;
  std::mutex mu;
  for (int i = 0; i < 20; ++i) {
    std::promise<PublishResult> done;
    (i % 2 ? backbone_b : backbone_a)
        .route(Event{.type = "t", .data = "m" + std::to_string(i)},
               [&](PublishResult r) { done.set_value(r); });
    PublishResult r = done.get_future().get();
    ASSERT_TRUE(r.ok) << r.error;
    acked.push_back(r.id);
  }
  auto fa = a.target.wait_for(20, 30s);
  auto fb = b.target.wait_for(20, 30s);
  ASSERT_EQ(fa.size(), 20u);
  ASSERT_EQ(fb.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(fa[i]->event().data, "m" + std::to_string(i));
    EXPECT_EQ(fa[i]->id(), fb[i]->id());
    EXPECT_EQ(fa[i]->id(), acked[i]);
    EXPECT_EQ(fa[i]->event().type, "t");
  }
  backbone_a.stop();
  backbone_b.stop();
}

}  // namespace
}  // namespace ssegw::kafka
