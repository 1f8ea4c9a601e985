// The sse-gateway binary with Kafka sources, sinks and backbones against the real broker the
// fixture started; subscribers and publishers talk to it over HTTP like any client.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/kafka/kafka_test_client.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;
namespace tk = ssegw::testing::kafka;

bool wait_ready(uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (http_request(port, "GET", "/readyz").status == 200) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::string kafka_source(const std::string& topic, const std::string& to,
                         const std::string& extra = "") {
  return "  - name: k\n"
         "    type: kafka\n"
         "    brokers: " +
         tk::bootstrap() +
         "\n"
         "    topics: [" +
         topic +
         "]\n"
         "    event_type: {header: type}\n"
         "    to: " +
         to + "\n" + extra;
}

std::vector<tk::OutRecord> numbered(int count, int partitions, int first = 0) {
  std::vector<tk::OutRecord> records;
  for (int i = first; i < first + count; ++i) {
    int p = i % partitions;  // names appended below: GCC 12 -O3 false -Werror=restrict
    records.push_back({p,
                       std::nullopt,
                       std::string("p").append(std::to_string(p)) + "-" + std::to_string(i),
                       {{"type", i % 2 ? "odd" : "even"}}});
  }
  return records;
}

// Waits until the topic holds at least n records; returns them all.
std::vector<tk::Record> wait_for_records(const std::string& topic, size_t n,
                                         std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<tk::Record> records;
  while (std::chrono::steady_clock::now() < deadline) {
    records = tk::read_all(topic);
    if (records.size() >= n) break;
    std::this_thread::sleep_for(1s);
  }
  return records;
}

TEST(KafkaGateway, TenThousandMessagesOnThreePartitionsReachASubscriberInPartitionOrder) {
  const std::string topic = tk::unique_topic("orders");
  tk::create_topic(topic, 3);
  GatewayProcess gw(
      "server: {workers: 2}\nchannels:\n  - {path: /orders, history: 1000}\nsources:\n" +
      kafka_source(topic, "/orders"));
  ASSERT_TRUE(wait_ready(gw.port(), 30s)) << gw.output();
  SseClient sub(gw.port(), "/orders");
  ASSERT_EQ(sub.status(), 200);
  ASSERT_EQ(tk::produce(topic, numbered(10000, 3)), 10000u);

  std::vector<SseEvent> events = sub.take(10000, 120s);
  ASSERT_EQ(events.size(), 10000u) << gw.output();
  std::map<int, int> last_index{{0, -1}, {1, -1}, {2, -1}};
  std::set<std::string> ids;
  for (const SseEvent& e : events) {
    int p = e.data[1] - '0';
    int i = std::stoi(e.data.substr(3));
    EXPECT_EQ(i % 3, p);
    EXPECT_GT(i, last_index[p]) << "partition " << p << " out of order";
    last_index[p] = i;
    EXPECT_EQ(e.type, i % 2 ? "odd" : "even");
    EXPECT_TRUE(ids.insert(e.id).second) << "id repeated: " << e.id;
  }
  EXPECT_EQ(events.back().id.substr(events.back().id.find('@') + 1), "0:3334,1:3333,2:3333");
  EXPECT_FALSE(sub.next(500ms).has_value());
}

TEST(KafkaGateway, ASubscriberOlderThanTheHistoryResumesFromKafka) {
  const std::string topic = tk::unique_topic("resume");
  tk::create_topic(topic, 3);
  GatewayProcess gw("server: {workers: 2}\nchannels:\n  - {path: /r, history: 20}\nsources:\n" +
                    kafka_source(topic, "/r"));
  ASSERT_TRUE(wait_ready(gw.port(), 30s)) << gw.output();
  std::string seen_id;
  std::set<std::string> seen;
  {
    SseClient sub(gw.port(), "/r");
    ASSERT_EQ(tk::produce(topic, numbered(50, 3)), 50u);
    auto events = sub.take(50, 30s);
    ASSERT_EQ(events.size(), 50u);
    for (int i = 0; i < 10; ++i) seen.insert(events[i].data);
    seen_id = events[9].id;
  }
  // 140 more than the subscriber saw, far beyond the 20 the channel keeps.
  ASSERT_EQ(tk::produce(topic, numbered(100, 3, 50)), 100u);
  SseClient back(gw.port(), "/r", {{"Last-Event-ID", seen_id}});
  ASSERT_EQ(back.status(), 200);
  auto replayed = back.take(140, 30s);
  ASSERT_EQ(replayed.size(), 140u) << gw.output();
  ASSERT_EQ(tk::produce(topic, numbered(10, 3, 150)), 10u);
  auto live = back.take(10, 30s);
  ASSERT_EQ(live.size(), 10u);
  std::set<std::string> got;
  std::map<int, int> last_index;
  for (const auto& list : {replayed, live}) {
    for (const SseEvent& e : list) {
      EXPECT_TRUE(got.insert(e.data).second) << "twice: " << e.data;
      EXPECT_FALSE(seen.contains(e.data)) << "already seen: " << e.data;
      int p = e.data[1] - '0';
      int i = std::stoi(e.data.substr(3));
      EXPECT_GT(i, last_index.contains(p) ? last_index[p] : -1);
      last_index[p] = i;
    }
  }
  EXPECT_EQ(got.size() + seen.size(), 160u);
  EXPECT_FALSE(back.next(500ms).has_value());
}

TEST(KafkaGateway, ASubscriberResumesFromKafkaAcrossAGatewayRestart) {
  const std::string topic = tk::unique_topic("restart");
  tk::create_topic(topic, 2);
  const std::string config =
      "server: {workers: 2}\nchannels:\n  - {path: /r, history: 1000}\nsources:\n" +
      kafka_source(topic, "/r");
  std::string seen_id;
  std::set<std::string> seen;
  {
    GatewayProcess gw(config);
    ASSERT_TRUE(wait_ready(gw.port(), 30s)) << gw.output();
    SseClient sub(gw.port(), "/r");
    ASSERT_EQ(tk::produce(topic, numbered(30, 2)), 30u);
    auto events = sub.take(30, 30s);
    ASSERT_EQ(events.size(), 30u);
    for (int i = 0; i < 20; ++i) seen.insert(events[i].data);
    seen_id = events[19].id;
    gw.process().signal(SIGKILL);
  }
  ASSERT_EQ(tk::produce(topic, numbered(20, 2, 30)), 20u);  // while no gateway runs
  GatewayProcess gw(config);
  ASSERT_TRUE(wait_ready(gw.port(), 30s)) << gw.output();
  SseClient back(gw.port(), "/r", {{"Last-Event-ID", seen_id}});
  auto events = back.take(30, 30s);
  ASSERT_EQ(events.size(), 30u) << gw.output();
  std::multiset<std::string> got;
  for (const SseEvent& e : events) got.insert(e.data);
  // Everything produced, less what the subscriber had: whichever partitions those came from.
  std::multiset<std::string> want;
  for (const auto& r : numbered(50, 2)) {
    if (!seen.contains(r.value)) want.insert(r.value);
  }
  EXPECT_EQ(got, want);
  EXPECT_FALSE(back.next(500ms).has_value());
}

TEST(KafkaGateway, SseUpstreamIntoKafkaIsExactlyOnceAcrossSigkill) {
  const std::string topic = tk::unique_topic("prices");
  tk::create_topic(topic, 1);
  // The upstream: another gateway, which honours Last-Event-ID from its history.
  GatewayProcess upstream("channels:\n  - {path: /prices, history: 20000, publish: true}\n");
  const std::string relay_config =
      "server: {workers: 1}\n"
      "channels:\n  - {path: /prices, history: 100}\n"
      "sources:\n"
      "  - {name: market, type: sse, endpoint: 'http://127.0.0.1:" +
      std::to_string(upstream.port()) +
      "/prices', to: /prices}\n"
      "sinks:\n"
      "  - name: prices-to-kafka\n"
      "    type: kafka\n"
      "    from: /prices\n"
      "    brokers: " +
      tk::bootstrap() +
      "\n"
      "    topic: " +
      topic +
      "\n"
      "    key: {json: /symbol}\n";
  // The upstream keeps publishing throughout; the relay is killed while events flow.
  std::atomic<int> published{0};
  std::atomic<bool> go{false};
  std::thread publisher([&] {
    while (!go) std::this_thread::sleep_for(5ms);
    for (int i = 0; i < 10000; ++i) {
      std::string data =
          "{\"symbol\":\"S" + std::to_string(i % 5) + "\",\"n\":" + std::to_string(i) + "}";
      if (publish(upstream.port(), "/prices", data, "price").status != 200) break;
      published = i + 1;
      // Paced (about 10,000 in 3 s or more) so the relay is killed with events in flight.
      if (i % 10 == 0) std::this_thread::sleep_for(3ms);
    }
  });
  size_t at_kill = 0;
  int published_at_kill = 0;
  {
    GatewayProcess relay(relay_config);
    if (!wait_ready(relay.port(), 30s)) ADD_FAILURE() << relay.output();
    go = true;
    while (published < 4000) std::this_thread::sleep_for(2ms);
    // Killed before its first record lands, the sink would leave no resume point: the
    // upstream then replays nothing. On a loaded machine that first delivery takes seconds.
    // The sink's count of records Kafka acknowledged, from the relay's /metrics.
    const std::string acked =
        "ssegw_bridge_events_out_total{kind=\"sink\",name=\"prices-to-kafka\"} ";
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string metrics = http_request(relay.port(), "GET", "/metrics").body;
      const size_t at = metrics.find(acked);
      if (at != std::string::npos && metrics.compare(at + acked.size(), 2, "0\n") != 0) break;
      std::this_thread::sleep_for(20ms);
    }
    relay.process().signal(SIGKILL);
    published_at_kill = published;
    relay.process().wait_exit(10s);
  }
  at_kill = tk::read_all(topic).size();
  GatewayProcess relay(relay_config);
  publisher.join();
  ASSERT_EQ(published, 10000);
  auto records = wait_for_records(topic, 10000, 120s);
  std::this_thread::sleep_for(2s);  // anything extra would show up now
  records = tk::read_all(topic);
  std::cout << "topic held " << at_kill << " records after the SIGKILL at " << published_at_kill
            << " upstream events\n";
  EXPECT_GT(at_kill, 0u);
  EXPECT_LT(at_kill, 10000u);
  EXPECT_NE(relay.output().find("resume point"), std::string::npos) << relay.output();
  ASSERT_EQ(records.size(), 10000u) << relay.output();
  std::string previous;
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].value.find("\"n\":" + std::to_string(i) + "}") != std::string::npos, true)
        << "record " << i << " is " << records[i].value;
    EXPECT_EQ(records[i].header("type"), "price");
    EXPECT_EQ(records[i].header("source"), "market");
    EXPECT_EQ(records[i].key, "S" + std::to_string(i % 5));
    ASSERT_TRUE(records[i].header("id"));
    EXPECT_NE(*records[i].header("id"), previous);
    previous = *records[i].header("id");
  }
}

TEST(KafkaGateway, ABrokerOutageLosesNothingInEitherDirection) {
  const std::string in = tk::unique_topic("in");
  const std::string out = tk::unique_topic("out");
  tk::create_topic(in, 2);
  tk::create_topic(out, 1);
  GatewayProcess gw(
      "server: {workers: 2}\n"
      "channels:\n  - {path: /in, history: 5000}\n  - {path: /out, history: 5000, publish: true}\n"
      "sources:\n" +
      kafka_source(in, "/in") +
      "sinks:\n"
      "  - {name: out, type: kafka, from: /out, brokers: '" +
      tk::bootstrap() + "', topic: " + out + "}\n");
  ASSERT_TRUE(wait_ready(gw.port(), 30s)) << gw.output();
  SseClient sub(gw.port(), "/in");
  auto publish_out = [&](int from, int to) {
    for (int i = from; i < to; ++i)
      ASSERT_EQ(publish(gw.port(), "/out", std::string("o").append(std::to_string(i))).status, 200);
  };
  ASSERT_EQ(tk::produce(in, numbered(300, 2)), 300u);
  publish_out(0, 300);
  ASSERT_TRUE(tk::broker_command("stop"));
  publish_out(300, 600);  // queued in the sink while the broker is away
  std::this_thread::sleep_for(5s);
  EXPECT_NE(http_request(gw.port(), "GET", "/readyz").status, 200)
      << "readyz should show the outage";
  ASSERT_TRUE(tk::broker_command("start"));
  ASSERT_EQ(tk::produce(in, numbered(300, 2, 300)), 300u);
  publish_out(600, 900);

  auto events = sub.take(600, 90s);
  ASSERT_EQ(events.size(), 600u) << gw.output();
  std::set<std::string> got;
  for (const SseEvent& e : events) got.insert(e.data);
  EXPECT_EQ(got.size(), 600u);
  auto records = wait_for_records(out, 900, 90s);
  ASSERT_EQ(records.size(), 900u) << gw.output();
  for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].value, "o" + std::to_string(i));
  EXPECT_TRUE(wait_ready(gw.port(), 30s));
}

TEST(KafkaGateway, TwoGatewaysShareABackboneAndASubscriberMovesBetweenThem) {
  const std::string topic = tk::unique_topic("gw-events");
  tk::create_topic(topic, 1);
  const std::string config =
      "server: {workers: 2}\nchannels:\n  - path: /events\n    publish: true\n"
      "    history: 1000\n    backbone: {kafka: {brokers: '" +
      tk::bootstrap() + "', topic: " + topic + "}}\n";
  GatewayProcess a(config);
  GatewayProcess b(config);
  ASSERT_TRUE(wait_ready(a.port(), 30s)) << a.output();
  ASSERT_TRUE(wait_ready(b.port(), 30s)) << b.output();
  SseClient on_a(a.port(), "/events");
  SseClient on_b(b.port(), "/events");
  std::vector<std::string> answered;
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = publish(i % 2 ? b.port() : a.port(), "/events", "m" + std::to_string(i), "t");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  auto from_a = on_a.take(20, 30s);
  auto from_b = on_b.take(20, 30s);
  ASSERT_EQ(from_a.size(), 20u) << a.output();
  ASSERT_EQ(from_b.size(), 20u) << b.output();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(from_a[i].data, "m" + std::to_string(i));
    EXPECT_EQ(from_a[i].type, "t");
    EXPECT_EQ(from_a[i].id, from_b[i].id);
    EXPECT_EQ(from_b[i].data, from_a[i].data);
  }
  // Move: the subscriber had 20 from A, more are published, it reconnects to B.
  on_a.close();
  for (int i = 20; i < 30; ++i)
    ASSERT_EQ(publish(a.port(), "/events", "m" + std::to_string(i), "t").status, 200);
  SseClient moved(b.port(), "/events", {{"Last-Event-ID", from_a.back().id}});
  auto rest = moved.take(10, 30s);
  ASSERT_EQ(rest.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rest[i].data, "m" + std::to_string(20 + i));
  EXPECT_FALSE(moved.next(500ms).has_value());
}

TEST(KafkaGateway, ABackbonePublishIsAnsweredOnlyOnceKafkaHasIt) {
  const std::string topic = tk::unique_topic("ack");
  tk::create_topic(topic, 1);
  // A short delivery timeout so the refused publish is answered within the client's wait.
  GatewayProcess gw(
      "channels:\n  - path: /events\n    publish: true\n    backbone: {kafka: {brokers: '" +
      tk::bootstrap() + "', topic: " + topic + ", properties: {message.timeout.ms: '2500'}}}\n");
  ASSERT_TRUE(wait_ready(gw.port(), 30s)) << gw.output();
  SseClient sub(gw.port(), "/events");
  HttpResponse before = publish(gw.port(), "/events", "acked-1");
  ASSERT_EQ(before.status, 200) << before.body;
  ASSERT_TRUE(tk::broker_command("stop"));
  HttpResponse during = http_request(gw.port(), "POST", "/events", "refused", {}, 15s);
  EXPECT_EQ(during.status, 503) << during.body;
  ASSERT_TRUE(tk::broker_command("start"));
  HttpResponse after = http_request(gw.port(), "POST", "/events", "acked-2", {}, 40s);
  EXPECT_EQ(after.status, 200) << after.body << gw.output();
  auto events = sub.take(2, 40s);
  ASSERT_EQ(events.size(), 2u) << gw.output();
  EXPECT_EQ(events[0].data, "acked-1");
  EXPECT_EQ(events[1].data, "acked-2");
  EXPECT_NE(before.body.find(events[0].id), std::string::npos)
      << "the answer carries the event's id";
  EXPECT_FALSE(sub.next(1s).has_value()) << "a publish Kafka refused must not reach subscribers";
  for (const auto& record : tk::read_all(topic)) EXPECT_NE(record.value, "refused");
}

TEST(KafkaGateway, AMisspeltLibrdkafkaPropertyIsAConfigErrorWithItsLine) {
  TempFile config(
      "channels:\n  - {path: /o}\nsources:\n  - name: k\n    type: kafka\n"
      "    brokers: 127.0.0.1:9\n    topics: [t]\n    to: /o\n"
      "    properties:\n      fetch.wait.max.msec: 10\n");
  ChildProcess check({gateway_binary(), "--check-config", "--config", config.path()});
  auto status = check.wait_exit(30s);
  ASSERT_TRUE(status);
  EXPECT_NE(WEXITSTATUS(*status), 0);
  EXPECT_NE(check.output().find(config.path() + ":10"), std::string::npos) << check.output();
  EXPECT_NE(check.output().find("fetch.wait.max.msec"), std::string::npos) << check.output();
}

// Two gateways reading one 3-partition topic interleave its partitions differently, so the
// same event can have different ids on each. A subscriber moved from A to B must still get
// each event once: B has to recognise which of its frames A's id already covers.
// The worker asks ResumeProvider::covers() for that.
TEST(KafkaGateway, ASubscriberMovedBetweenGatewaysOnAMultiPartitionTopicSeesNothingTwice) {
  const std::string topic = tk::unique_topic("multi");
  tk::create_topic(topic, 3);
  const std::string config =
      "server: {workers: 2}\nchannels:\n  - {path: /m, history: 1000}\nsources:\n" +
      kafka_source(topic, "/m");
  GatewayProcess a(config);
  GatewayProcess b(config);
  ASSERT_TRUE(wait_ready(a.port(), 30s)) << a.output();
  ASSERT_TRUE(wait_ready(b.port(), 30s)) << b.output();
  SseClient on_a(a.port(), "/m");
  ASSERT_EQ(tk::produce(topic, numbered(300, 3)), 300u);
  auto first = on_a.take(150, 30s);
  ASSERT_EQ(first.size(), 150u);
  on_a.close();
  std::set<std::string> seen;
  for (const SseEvent& e : first) seen.insert(e.data);
  SseClient on_b(b.port(), "/m", {{"Last-Event-ID", first.back().id}});
  auto rest = on_b.take(150, 30s);
  std::set<std::string> got;
  for (const SseEvent& e : rest) {
    EXPECT_FALSE(seen.contains(e.data)) << "seen on A already: " << e.data;
    EXPECT_TRUE(got.insert(e.data).second) << "twice: " << e.data;
  }
  EXPECT_EQ(seen.size() + got.size(), 300u);
  EXPECT_FALSE(on_b.next(500ms).has_value());
}

// Three backbone channels (a one-partition topic each) on one multiplexed stream. Every
// event's data is "<channel letter>-<n>", so a list of events splits back into channels.
std::string multiplexed_backbone_config(const std::vector<std::string>& topics, int history) {
  std::string config = "server: {workers: 2}\nchannels:\n";
  const char* paths[] = {"/a", "/b", "/c"};
  for (size_t i = 0; i < topics.size(); ++i) {
    config += std::string("  - path: ") + paths[i] +
              "\n    publish: true\n    history: " + std::to_string(history) +
              "\n    backbone: {kafka: {brokers: '" + tk::bootstrap() + "', topic: " + topics[i] +
              "}}\n";
  }
  return config;
}

// Each channel's numbers in the order the events came; a number that does not parse is -1.
std::map<char, std::vector<int>> numbers_by_channel(const std::vector<SseEvent>& events) {
  std::map<char, std::vector<int>> by_channel;
  for (const SseEvent& e : events) {
    const bool shaped = e.data.size() > 2 && e.data[1] == '-';
    by_channel[e.data[0]].push_back(shaped ? std::atoi(e.data.c_str() + 2) : -1);
  }
  return by_channel;
}

std::vector<int> range(int first, int last) {
  std::vector<int> numbers;
  for (int n = first; n <= last; ++n) numbers.push_back(n);
  return numbers;
}

// Publishes from..to on every channel, channels interleaved, to A and B in turn.
void publish_round(uint16_t a, uint16_t b, int from, int to) {
  int turn = 0;
  for (int n = from; n <= to; ++n) {
    for (char channel : {'a', 'b', 'c'}) {
      const std::string path = std::string("/") + channel;
      HttpResponse r =
          publish(turn++ % 2 ? b : a, path, std::string(1, channel) + "-" + std::to_string(n), "t");
      ASSERT_EQ(r.status, 200) << path << " " << n << ": " << r.body;
    }
  }
}

// A subscriber on A's /subscribe stream of /a, /b and /c reads part of what A sent and goes;
// more is published; it comes back to B with its composite Last-Event-ID and must get the
// rest of every channel exactly once, in order, then the live stream. B keeps `history`
// events per channel: 1000 serves the resume from memory; 5 is less than was published
// since, so every channel's leg must be fetched from Kafka (the ResumeProvider).
void move_multiplexed_subscriber(int history) {
  std::vector<std::string> topics;
  for (const char* name : {"mux-a", "mux-b", "mux-c"}) {
    topics.push_back(tk::unique_topic(name));
    tk::create_topic(topics.back(), 1);
  }
  const std::string config = multiplexed_backbone_config(topics, history);
  const std::string all = "/subscribe?channel=/a&channel=/b&channel=/c";
  GatewayProcess a(config);
  GatewayProcess b(config);
  ASSERT_TRUE(wait_ready(a.port(), 30s)) << a.output();
  ASSERT_TRUE(wait_ready(b.port(), 30s)) << b.output();
  SseClient on_a(a.port(), all);
  ASSERT_EQ(on_a.status(), 200) << a.output();
  // B's own subscriber shows when B has read everything from the backbone.
  SseClient watcher(b.port(), all);
  ASSERT_EQ(watcher.status(), 200) << b.output();

  ASSERT_NO_FATAL_FAILURE(publish_round(a.port(), b.port(), 1, 10));
  // Part of the 30: the channels stop at different places.
  auto first = on_a.take(17, 30s);
  ASSERT_EQ(first.size(), 17u) << a.output();
  // The id must hold every channel: one the stream has sent nothing of yet is left out of
  // it (a reconnect replays such a channel's whole history), which is not what this tests.
  while (numbers_by_channel(first).size() < 3 && first.size() < 30) {
    std::optional<SseEvent> e = on_a.next(10s);
    if (!e) break;
    first.push_back(std::move(*e));
  }
  ASSERT_EQ(numbers_by_channel(first).size(), 3u) << a.output();
  on_a.close();
  const std::string resume_id = first.back().id;
  ASSERT_EQ(resume_id.substr(0, 3), "m1!") << "a multiplexed stream's ids are composite";
  std::map<char, std::vector<int>> seen = numbers_by_channel(first);
  for (auto& [channel, numbers] : seen) {
    EXPECT_EQ(numbers, range(1, static_cast<int>(numbers.size()))) << "on A, channel " << channel;
  }

  ASSERT_NO_FATAL_FAILURE(publish_round(a.port(), b.port(), 11, 30));
  auto on_b_so_far = watcher.take(90, 60s);
  ASSERT_EQ(on_b_so_far.size(), 90u) << b.output();
  watcher.close();

  SseClient moved(b.port(), all, {{"Last-Event-ID", resume_id}});
  ASSERT_EQ(moved.status(), 200) << b.output();
  auto replayed = moved.take(90 - first.size(), 60s);
  EXPECT_EQ(replayed.size(), 90 - first.size()) << b.output();
  ASSERT_NO_FATAL_FAILURE(publish_round(a.port(), b.port(), 31, 35));
  auto live = moved.take(15, 30s);
  EXPECT_EQ(live.size(), 15u) << b.output();
  auto extra = moved.next(1s);
  EXPECT_FALSE(extra.has_value()) << "more than expected: " << extra->data;

  std::vector<SseEvent> after = replayed;
  after.insert(after.end(), live.begin(), live.end());
  std::map<char, std::vector<int>> got = numbers_by_channel(after);
  for (char channel : {'a', 'b', 'c'}) {
    const int last_seen = static_cast<int>(seen[channel].size());
    EXPECT_EQ(got[channel], range(last_seen + 1, 35))
        << "channel " << channel << " after A's id " << resume_id << " (history " << history << ")";
  }
  EXPECT_EQ(got.size(), 3u) << "only the three channels";
  for (const SseEvent& e : after) {
    EXPECT_EQ(e.type, "t");
    EXPECT_EQ(e.id.substr(0, 3), "m1!") << e.data;
  }
}

TEST(KafkaGateway, AMultiplexedSubscriberMovesBetweenGatewaysOnABackboneExactly) {
  move_multiplexed_subscriber(1000);
}

TEST(KafkaGateway, AMultiplexedSubscriberMovedPastBsHistoryResumesEveryChannelFromKafka) {
  move_multiplexed_subscriber(5);
}

}  // namespace
}  // namespace ssegw::testing
