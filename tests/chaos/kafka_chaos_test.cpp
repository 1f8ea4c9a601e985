// Kafka under crashes: the broker SIGKILLed and restarted (same ports, same data) under a
// source with a hundred subscribers and under a sink fed over HTTP, and the gateway itself
// SIGKILLed while it relays an SSE feed into Kafka. What docs/kafka.md promises:
//  - source: librdkafka retries the broker, the source resumes at the next offset, order is
//    kept per partition; subscribers stay connected (the gateway does not drop them);
//  - sink: idempotent, acks=all, retried for as long as the broker is away, nothing dropped;
//  - SSE feed -> sink across a gateway SIGKILL: every upstream event in the topic exactly
//    once and in order (one partition).
// Network faults need the proxy in the path the broker advertises (a client that bootstraps
// through a proxy is otherwise sent straight to the broker by the first metadata answer):
// the proxy test starts a broker of its own whose PLAINTEXT listener is advertised at the
// proxy's port, while the test's own clients use a second, direct listener.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "tests/chaos/chaos_support.h"
#include "tests/integration/kafka/kafka_test_client.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;
namespace tk = ssegw::testing::kafka;
using chaos::Tally;

// SIGKILL, a pause with the broker gone, then a start on the same ports and data.
void crash_broker(std::chrono::seconds down_for) {
  ASSERT_TRUE(chaos::broker_script("kafka.sh", "kill", tk::state_dir(), 30s));
  std::this_thread::sleep_for(down_for);
  ASSERT_TRUE(chaos::broker_script("kafka.sh", "start", tk::state_dir(), 180s));
}

// Polls the topic until it holds at least n records or the time is up, then once more a
// little later so that anything extra (a duplicate) has had time to show.
std::vector<tk::Record> settled_records(const std::string& topic, size_t n,
                                        std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline && tk::read_all(topic).size() < n)
    std::this_thread::sleep_for(1s);
  std::this_thread::sleep_for(2s);
  return tk::read_all(topic);
}

std::vector<std::string> values(const std::vector<tk::Record>& records) {
  std::vector<std::string> out;
  for (const tk::Record& r : records) out.push_back(r.value);
  return out;
}

// Per partition: what the topic holds in offset order against what a subscriber got.
Tally count_per_partition(const std::vector<tk::Record>& topic,
                          const std::vector<std::string>& got) {
  std::map<int, std::vector<std::string>> expected, received;
  for (const tk::Record& r : topic) expected[r.partition].push_back(r.value);
  for (const std::string& v : got) received[v[1] - '0'].push_back(v);
  Tally total;
  for (const auto& [p, list] : expected) total += chaos::count(list, received[p]);
  for (const auto& [p, list] : received) {
    if (!expected.contains(p)) total.unexpected += list.size();
  }
  return total;
}

// The cut of a Kafka position id ("own@p:next,p:next,..."): next offset per partition.
std::map<std::string, long> cut_of(const std::string& id) {
  std::map<std::string, long> cut;
  size_t at = id.find('@');
  if (at == std::string::npos) return cut;
  std::string rest = id.substr(at + 1);
  size_t start = 0;
  while (start < rest.size()) {
    size_t comma = rest.find(',', start);
    if (comma == std::string::npos) comma = rest.size();
    const std::string entry = rest.substr(start, comma - start);
    const size_t colon = entry.rfind(':');
    if (colon != std::string::npos)
      cut[entry.substr(0, colon)] = std::stol(entry.substr(colon + 1));
    start = comma + 1;
  }
  return cut;
}

// docs/kafka.md: ids of successive events only grow, partition by partition. Returns how
// many successive pairs break that (a partition's offset going back, or no growth at all).
int ids_out_of_order(const std::vector<std::string>& ids) {
  int bad = 0;
  std::map<std::string, long> previous;
  for (const std::string& id : ids) {
    const std::map<std::string, long> cut = cut_of(id);
    bool grew = false;
    bool shrank = cut.empty();
    for (const auto& [partition, next] : cut) {
      const auto it = previous.find(partition);
      const long before = it == previous.end() ? -1 : it->second;
      grew = grew || next > before;
      shrank = shrank || next < before;
    }
    for (const auto& [partition, next] : previous) shrank = shrank || !cut.contains(partition);
    if (shrank || !grew) ++bad;
    previous = cut;
  }
  return bad;
}

TEST(ChaosKafka, BrokerSigkilledUnderASourceWithAHundredSubscribersLosesNothing) {
  const std::string topic = tk::unique_topic("chaos-src");
  tk::create_topic(topic, 3);
  GatewayProcess gw(
      "server: {workers: 2}\nchannels:\n  - {path: /k, history: 5000}\nsources:\n"
      "  - name: k\n    type: kafka\n    brokers: " +
      tk::bootstrap() + "\n    topics: [" + topic + "]\n    to: /k\n");
  ASSERT_TRUE(chaos::wait_ready(gw.port(), 30s)) << gw.output();
  constexpr int kRecords = 1500;
  constexpr int kSubscribers = 100;
  std::vector<std::unique_ptr<chaos::Collector>> subs;
  for (int i = 0; i < kSubscribers; ++i) {
    subs.push_back(std::make_unique<chaos::Collector>(gw.port(), "/k", kRecords, 150s));
    ASSERT_EQ(subs.back()->status(), 200);
  }
  // The producer writes 30 records every 100 ms; it holds still while the broker is down so
  // that the topic's content is exactly what it was told was acknowledged.
  std::atomic<int> produced{0};
  std::atomic<bool> hold{false};
  std::atomic<bool> holding{false};
  std::atomic<int> unacked{0};
  std::thread producer([&] {
    for (int first = 0; first < kRecords; first += 30) {
      while (hold) {
        holding = true;
        std::this_thread::sleep_for(20ms);
      }
      holding = false;
      std::vector<tk::OutRecord> batch;
      for (int i = first; i < first + 30; ++i)
        batch.push_back(
            {i % 3, std::nullopt, "p" + std::to_string(i % 3) + "-" + std::to_string(i)});
      unacked += static_cast<int>(batch.size() - tk::produce(topic, batch));
      produced = first + 30;
      std::this_thread::sleep_for(100ms);
    }
  });
  ASSERT_TRUE(chaos::wait_until([&] { return produced >= 600; }, 60s));
  hold = true;
  ASSERT_TRUE(chaos::wait_until([&] { return holding.load(); }, 60s));
  std::cout << "[chaos] kafka broker SIGKILL after " << produced << " records, subscriber 0 had "
            << subs[0]->size() << std::endl;
  crash_broker(3s);
  hold = false;
  producer.join();
  ASSERT_EQ(unacked, 0) << "the producer never writes while the broker is down";
  const std::vector<tk::Record> records = settled_records(topic, kRecords, 60s);
  ASSERT_EQ(records.size(), static_cast<size_t>(kRecords));
  Tally total;
  int disconnected = 0;
  int id_order_breaks = 0;
  for (auto& sub : subs) {
    total += count_per_partition(records, sub->finish());
    id_order_breaks += ids_out_of_order(sub->ids());
    if (sub->closed()) ++disconnected;
  }
  chaos::report("kafka source, broker SIGKILL, 100 subscribers", total);
  EXPECT_EQ(id_order_breaks, 0) << "ids must grow partition by partition, e.g. "
                                << subs[0]->ids().front() << " .. " << subs[0]->ids().back();
  EXPECT_EQ(total.lost, 0u);
  EXPECT_EQ(total.duplicated, 0u);
  EXPECT_EQ(total.out_of_order, 0u) << "order is kept per partition";
  EXPECT_EQ(total.unexpected, 0u);
  EXPECT_EQ(disconnected, 0) << "subscribers stay connected through a broker outage";
  EXPECT_TRUE(chaos::wait_ready(gw.port(), 30s));
}

// The other way round: the gateway SIGKILLed under a Kafka source with a hundred
// subscribers, each of which had read a different amount. docs/kafka.md: an id from an
// earlier run is served from Kafka itself, then the live stream, with no gap and no
// duplicate. The subscribers all come back at once to the restarted gateway.
TEST(ChaosKafka, GatewaySigkilledUnderAKafkaSourceAHundredSubscribersResumeFromKafka) {
  const std::string topic = tk::unique_topic("chaos-resume");
  tk::create_topic(topic, 3);
  const std::string config =
      "server: {workers: 2}\nchannels:\n  - {path: /k, history: 5000}\nsources:\n"
      "  - name: k\n    type: kafka\n    brokers: " +
      tk::bootstrap() + "\n    topics: [" + topic + "]\n    to: /k\n";
  auto records_for = [](int first, int last) {
    std::vector<tk::OutRecord> batch;
    for (int i = first; i <= last; ++i)
      batch.push_back({i % 3, std::nullopt, "p" + std::to_string(i % 3) + "-" + std::to_string(i)});
    return batch;
  };
  constexpr int kSubscribers = 100;
  std::vector<std::vector<std::string>> seen(kSubscribers);
  std::vector<std::string> last_id(kSubscribers);
  {
    GatewayProcess gw(config);
    ASSERT_TRUE(chaos::wait_ready(gw.port(), 30s)) << gw.output();
    std::vector<std::unique_ptr<chaos::Collector>> subs;
    for (int i = 0; i < kSubscribers; ++i)  // subscriber i stops after 300 + 3i events
      subs.push_back(std::make_unique<chaos::Collector>(gw.port(), "/k", 300 + 3 * i, 60s));
    ASSERT_EQ(tk::produce(topic, records_for(0, 599)), 600u);
    for (int i = 0; i < kSubscribers; ++i) {
      seen[i] = subs[i]->finish();
      ASSERT_EQ(seen[i].size(), static_cast<size_t>(300 + 3 * i)) << "subscriber " << i;
      last_id[i] = subs[i]->ids().back();
    }
    gw.process().signal(SIGKILL);
    gw.process().wait_exit(10s);
  }
  ASSERT_EQ(tk::produce(topic, records_for(600, 1199)), 600u);  // while no gateway runs
  GatewayProcess gw(config);
  ASSERT_TRUE(chaos::wait_ready(gw.port(), 30s)) << gw.output();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<chaos::Collector>> back;
  for (int i = 0; i < kSubscribers; ++i) {
    back.push_back(std::make_unique<chaos::Collector>(gw.port(), "/k", 1500 - seen[i].size(), 150s,
                                                      Headers{{"Last-Event-ID", last_id[i]}}));
  }
  ASSERT_EQ(tk::produce(topic, records_for(1200, 1499)), 300u);  // live, after they are back
  const std::vector<tk::Record> records = tk::read_all(topic);
  ASSERT_EQ(records.size(), 1500u);
  Tally total;
  for (int i = 0; i < kSubscribers; ++i) {
    std::vector<std::string> got = seen[i];
    const std::vector<std::string> more = back[i]->finish();
    got.insert(got.end(), more.begin(), more.end());
    total += count_per_partition(records, got);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  chaos::report("kafka source, gateway SIGKILL, 100 subscribers resume from Kafka", total);
  std::cout << "[chaos] all 100 caught up " << seconds << " s after the restart" << std::endl;
  EXPECT_EQ(total.lost, 0u) << gw.output();
  EXPECT_EQ(total.duplicated, 0u);
  EXPECT_EQ(total.out_of_order, 0u);
  EXPECT_EQ(total.unexpected, 0u);
}

TEST(ChaosKafka, BrokerSigkilledUnderASinkFedOverHttpKeepsEveryEventOnceInOrder) {
  const std::string topic = tk::unique_topic("chaos-sink");
  tk::create_topic(topic, 1);
  GatewayProcess gw(
      "server: {workers: 2}\nchannels:\n  - {path: /out, history: 100, publish: true}\n"
      "sinks:\n  - {name: out, type: kafka, from: /out, brokers: '" +
      tk::bootstrap() + "', topic: " + topic + "}\n");
  ASSERT_TRUE(chaos::wait_ready(gw.port(), 30s)) << gw.output();
  constexpr int kEvents = 1500;
  std::atomic<int> accepted{0};
  std::atomic<int> held{0};  // 503 answers: the sink's backpressure, retried
  std::thread publisher([&] {
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + 120s;
    for (int k = 1; k <= kEvents && std::chrono::steady_clock::now() < deadline; ++k) {
      std::this_thread::sleep_until(start + k * 5ms);
      while (std::chrono::steady_clock::now() < deadline) {
        const HttpResponse r = publish(gw.port(), "/out", "o" + std::to_string(k));
        if (r.status == 200) break;
        ++held;
        std::this_thread::sleep_for(200ms);
      }
      accepted = k;
    }
  });
  ASSERT_TRUE(chaos::wait_until([&] { return accepted >= 500; }, 60s));
  std::cout << "[chaos] kafka broker SIGKILL under the sink after " << accepted << " publishes"
            << std::endl;
  crash_broker(3s);
  publisher.join();
  ASSERT_EQ(accepted, kEvents);
  const std::vector<tk::Record> records = settled_records(topic, kEvents, 120s);
  const Tally t = chaos::count(chaos::numbered(1, kEvents, "o"), values(records));
  chaos::report("kafka sink, broker SIGKILL", t);
  std::cout << "[chaos] publishes held back with 503: " << held << std::endl;
  EXPECT_EQ(t.lost, 0u);
  EXPECT_EQ(t.duplicated, 0u) << "idempotent producer: a broker crash adds no duplicates";
  EXPECT_EQ(t.out_of_order, 0u);
  EXPECT_EQ(t.unexpected, 0u);
}

TEST(ChaosKafka, GatewaySigkilledTwiceMidSseIntoKafkaLeavesEveryEventExactlyOnce) {
  const std::string topic = tk::unique_topic("chaos-relay");
  tk::create_topic(topic, 1);
  GatewayProcess upstream("channels:\n  - {path: /prices, history: 20000, publish: true}\n");
  const std::string relay_config =
      "server: {workers: 1}\n"
      "channels:\n  - {path: /prices, history: 100}\n"
      "sources:\n"
      "  - {name: market, type: sse, endpoint: 'http://127.0.0.1:" +
      std::to_string(upstream.port()) +
      "/prices', to: /prices}\n"
      "sinks:\n"
      "  - {name: to-kafka, type: kafka, from: /prices, brokers: '" +
      tk::bootstrap() + "', topic: " + topic + "}\n";
  constexpr int kEvents = 3000;
  // The first run has no resume point: it must be streaming before the first event, since
  // an upstream gateway replays nothing to a client without Last-Event-ID.
  auto relay = std::make_unique<GatewayProcess>(relay_config);
  ASSERT_TRUE(chaos::wait_ready(relay->port(), 30s)) << relay->output();
  std::atomic<int> published{0};
  std::atomic<int> failed{0};
  std::thread publisher([&] {
    const auto start = std::chrono::steady_clock::now();
    for (int k = 1; k <= kEvents; ++k) {
      std::this_thread::sleep_until(start + k * 2ms);  // ~500/s: kills land mid-stream
      if (publish(upstream.port(), "/prices", "n=" + std::to_string(k)).status != 200) ++failed;
      published = k;
    }
  });
  // A kill before the sink's first record lands leaves no resume point in the topic, and an
  // upstream replays nothing to a source without Last-Event-ID: the kills must come after it.
  // On a loaded machine the idempotent producer's first delivery can take seconds.
  ASSERT_TRUE(chaos::wait_until(
      [&] {
        return chaos::metric(relay->port(),
                             "ssegw_bridge_events_out_total{kind=\"sink\",name=\"to-kafka\"}")
                   .value_or(0) > 0;  // acknowledged by Kafka
      },
      60s));
  for (int kill_at : {1000, 2000}) {
    ASSERT_TRUE(chaos::wait_until([&] { return published >= kill_at; }, 60s));
    relay->process().signal(SIGKILL);
    relay->process().wait_exit(10s);
    std::cout << "[chaos] relay SIGKILL at upstream event " << published << ", topic holds "
              << tk::read_all(topic).size() << std::endl;
    relay = std::make_unique<GatewayProcess>(relay_config);
    EXPECT_TRUE(relay->process().wait_for_output("resume point", 30s)) << relay->output();
  }
  publisher.join();
  ASSERT_EQ(failed, 0);
  const std::vector<tk::Record> records = settled_records(topic, kEvents, 120s);
  const Tally t = chaos::count(chaos::numbered(1, kEvents), values(records));
  chaos::report("sse -> kafka sink, gateway SIGKILL x2", t);
  EXPECT_EQ(t.lost, 0u) << relay->output();
  EXPECT_EQ(t.duplicated, 0u);
  EXPECT_EQ(t.out_of_order, 0u);
  EXPECT_EQ(t.unexpected, 0u);
}

// README.md: SIGTERM lets streams flush up to shutdown_timeout, stops the bridges and exits
// 0. With the broker gone, a sink holding unacknowledged events, a backbone publish waiting
// for Kafka and a source retrying must not hold the exit up (systemd would SIGKILL).
TEST(ChaosKafka, SigtermWhileTheBrokerIsDownExitsZeroWithinBoundedTime) {
  const std::string in = tk::unique_topic("chaos-term-in");
  const std::string out = tk::unique_topic("chaos-term-out");
  const std::string bb = tk::unique_topic("chaos-term-bb");
  tk::create_topic(in, 1);
  tk::create_topic(out, 1);
  tk::create_topic(bb, 1);
  GatewayProcess gw(
      "server: {workers: 2, shutdown_timeout: 5s}\nchannels:\n"
      "  - {path: /in, history: 100}\n  - {path: /out, history: 100, publish: true}\n"
      "  - path: /bb\n    publish: true\n    backbone: {kafka: {brokers: '" +
      tk::bootstrap() + "', topic: " + bb +
      "}}\nsources:\n  - name: k\n    type: kafka\n    brokers: " + tk::bootstrap() +
      "\n    topics: [" + in +
      "]\n    to: /in\nsinks:\n  - {name: out, type: kafka, from: /out, brokers: '" +
      tk::bootstrap() + "', topic: " + out + "}\n");
  ASSERT_TRUE(chaos::wait_ready(gw.port(), 30s)) << gw.output();
  SseClient sub(gw.port(), "/in");
  for (int k = 0; k < 10; ++k) ASSERT_EQ(publish(gw.port(), "/out", "acked").status, 200);
  ASSERT_TRUE(chaos::broker_script("kafka.sh", "kill", tk::state_dir(), 30s));
  // Whatever happens below, the next test finds the broker running.
  struct Restart {
    ~Restart() { chaos::broker_script("kafka.sh", "start", tk::state_dir(), 180s); }
  } restart;
  for (int k = 0; k < 50; ++k) ASSERT_EQ(publish(gw.port(), "/out", "queued").status, 200);
  std::thread waiting_publish(
      [&] { http_request(gw.port(), "POST", "/bb", "never acked", {}, 40s); });
  std::this_thread::sleep_for(2s);
  const auto start = std::chrono::steady_clock::now();
  gw.process().signal(SIGTERM);
  const std::optional<int> status = gw.process().wait_exit(30s);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  waiting_publish.join();
  std::cout << "[chaos] SIGTERM with the Kafka broker down: exit after " << seconds << " s"
            << std::endl;
  ASSERT_TRUE(status.has_value()) << "no exit 30 s after SIGTERM\n" << gw.output();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << gw.output();
  // The unit's TimeoutStopSec; about 15 s here: 5 s for the publish awaiting Kafka, then 5 s
  // for the sinks' flushes and 5 s for the backbone's (kinds stop one after another).
  EXPECT_LT(seconds, 30.0) << gw.output();
}

// With the broker down each Kafka producer's stop waits rd_kafka_flush(5000). Before main's
// 17c4473 ("Bridges of one kind stop in parallel") they ran one after another and six sinks
// took 30.03 s, past the unit's TimeoutStopSec=30s (systemd would SIGKILL); now 5.0 s.
TEST(ChaosKafka, SigtermWithSixKafkaSinksAndTheBrokerDownExitsWithinTimeoutStopSec) {
  std::string channels, sinks;
  for (int i = 0; i < 6; ++i) {
    const std::string topic = tk::unique_topic("chaos-term6");
    tk::create_topic(topic, 1);
    channels += "  - {path: /o" + std::to_string(i) + ", history: 10, publish: true}\n";
    sinks += "  - {name: s" + std::to_string(i) + ", type: kafka, from: /o" + std::to_string(i) +
             ", brokers: '" + tk::bootstrap() + "', topic: " + topic + "}\n";
  }
  GatewayProcess gw("channels:\n" + channels + "sinks:\n" + sinks);
  ASSERT_TRUE(chaos::wait_ready(gw.port(), 30s)) << gw.output();
  ASSERT_TRUE(chaos::broker_script("kafka.sh", "kill", tk::state_dir(), 30s));
  struct Restart {
    ~Restart() { chaos::broker_script("kafka.sh", "start", tk::state_dir(), 180s); }
  } restart;
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(publish(gw.port(), "/o" + std::to_string(i), "queued").status, 200);
  const auto start = std::chrono::steady_clock::now();
  gw.process().signal(SIGTERM);
  const std::optional<int> status = gw.process().wait_exit(60s);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[chaos] SIGTERM with six Kafka sinks and the broker down: exit after " << seconds
            << " s" << std::endl;
  ASSERT_TRUE(status.has_value());
  EXPECT_LT(seconds, 30.0) << "systemd's TimeoutStopSec would SIGKILL it";
}

// A broker of the test's own (tests/brokers/kafka.sh with SSEGW_KAFKA_PROXY_PORT) in front
// of which a FaultProxy listens on the advertised port. While it lives, the kafka test
// client (tk::) talks to it through the direct listener. Wiped by the destructor.
class ProxiedBroker {
 public:
  ProxiedBroker() {
    char pattern[] = "/tmp/ssegw-chaos-kafka-proxied-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    state_ = pattern;
    const uint16_t proxy_port = free_port();
    if (!chaos::broker_script("kafka.sh", "start", state_, 180s,
                              {{"SSEGW_KAFKA_PROXY_PORT", std::to_string(proxy_port)}}))
      throw std::runtime_error("proxied broker did not start");
    int behind = 0;
    std::ifstream(state_ + "/proxied") >> behind;
    proxy_ = std::make_unique<FaultProxy>("127.0.0.1", static_cast<uint16_t>(behind), proxy_port);
    if (const char* previous = std::getenv("SSEGW_KAFKA_STATE")) previous_state_ = previous;
    setenv("SSEGW_KAFKA_STATE", state_.c_str(), 1);
  }
  ~ProxiedBroker() {
    setenv("SSEGW_KAFKA_STATE", previous_state_.c_str(), 1);
    chaos::broker_script("kafka.sh", "wipe", state_, 60s);
  }
  FaultProxy& proxy() { return *proxy_; }
  std::string gateway_bootstrap() const { return "127.0.0.1:" + std::to_string(proxy_->port()); }

 private:
  std::string state_;
  std::string previous_state_;
  std::unique_ptr<FaultProxy> proxy_;
};

TEST(ChaosKafka, ProxyStallSlowResetRefuseBetweenGatewayAndBrokerLosesNothing) {
  ProxiedBroker broker;
  const std::string in = tk::unique_topic("chaos-proxy-in");
  const std::string out = tk::unique_topic("chaos-proxy-out");
  tk::create_topic(in, 3);
  tk::create_topic(out, 1);
  // A stalled connection is given up after 5 s instead of librdkafka's default 60 s.
  const std::string properties = "{socket.timeout.ms: '5000'}";
  GatewayProcess gw(
      "server: {workers: 2}\nchannels:\n  - {path: /in, history: 5000}\n"
      "  - {path: /out, history: 100, publish: true}\n"
      "sources:\n  - name: k\n    type: kafka\n    brokers: " +
      broker.gateway_bootstrap() + "\n    topics: [" + in + "]\n    to: /in\n    properties: " +
      properties + "\nsinks:\n  - {name: out, type: kafka, from: /out, brokers: '" +
      broker.gateway_bootstrap() + "', topic: " + out + ", properties: " + properties + "}\n");
  ASSERT_TRUE(chaos::wait_ready(gw.port(), 30s)) << gw.output();
  constexpr int kRecords = 3600;  // 100/s each way over the 38 s of faults below
  chaos::Collector sub(gw.port(), "/in", kRecords, 150s);
  ASSERT_EQ(sub.status(), 200);
  std::atomic<int> produced{0};
  std::atomic<int> unacked{0};
  std::thread producer([&] {  // straight to the broker's direct listener
    const auto start = std::chrono::steady_clock::now();
    for (int first = 0; first < kRecords; first += 10) {
      std::this_thread::sleep_until(start + first * 10ms);
      std::vector<tk::OutRecord> batch;
      for (int i = first; i < first + 10; ++i)
        batch.push_back(
            {i % 3, std::nullopt, "p" + std::to_string(i % 3) + "-" + std::to_string(i)});
      unacked += static_cast<int>(batch.size() - tk::produce(in, batch));
      produced = first + 10;
    }
  });
  std::atomic<int> accepted{0};
  std::thread publisher([&] {  // HTTP into the sink's channel, retrying the sink's 503s
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + 120s;
    for (int k = 1; k <= kRecords && std::chrono::steady_clock::now() < deadline; ++k) {
      std::this_thread::sleep_until(start + k * 10ms);
      while (std::chrono::steady_clock::now() < deadline &&
             publish(gw.port(), "/out", "o" + std::to_string(k)).status != 200)
        std::this_thread::sleep_for(100ms);
      accepted = k;
    }
  });
  struct Phase {
    FaultProxy::Mode mode;
    std::chrono::milliseconds length;
  };
  const std::vector<Phase> phases = {{FaultProxy::Mode::kPass, 3s}, {FaultProxy::Mode::kStall, 8s},
                                     {FaultProxy::Mode::kPass, 4s}, {FaultProxy::Mode::kSlow, 6s},
                                     {FaultProxy::Mode::kPass, 4s}, {FaultProxy::Mode::kReset, 3s},
                                     {FaultProxy::Mode::kPass, 4s}, {FaultProxy::Mode::kRefuse, 3s},
                                     {FaultProxy::Mode::kPass, 3s}};
  for (const Phase& phase : phases) {
    broker.proxy().set_mode(phase.mode, 1024);
    std::cout << "[chaos] kafka proxy " << to_string(phase.mode) << " at " << produced
              << " produced, " << sub.size() << " delivered, " << accepted << " published"
              << std::endl;
    std::this_thread::sleep_for(phase.length);
  }
  broker.proxy().set_mode(FaultProxy::Mode::kPass);
  producer.join();
  publisher.join();
  ASSERT_EQ(unacked, 0);
  ASSERT_EQ(accepted, kRecords);
  const std::vector<tk::Record> source_topic = tk::read_all(in);
  ASSERT_EQ(source_topic.size(), static_cast<size_t>(kRecords));
  const Tally source = count_per_partition(source_topic, sub.finish());
  chaos::report("kafka source via proxy stall/slow/reset/refuse", source);
  const std::vector<tk::Record> sink_topic = settled_records(out, kRecords, 90s);
  const Tally sink = chaos::count(chaos::numbered(1, kRecords, "o"), values(sink_topic));
  chaos::report("kafka sink via proxy stall/slow/reset/refuse", sink);
  std::cout << "[chaos] kafka proxy accepted " << broker.proxy().accepted() << ", reset "
            << broker.proxy().resets() << std::endl;
  EXPECT_GE(broker.proxy().accepted(), 3u);
  EXPECT_EQ(source.lost, 0u) << gw.output();
  EXPECT_EQ(source.duplicated, 0u);
  EXPECT_EQ(source.out_of_order, 0u);
  EXPECT_EQ(sink.lost, 0u) << gw.output();
  EXPECT_EQ(sink.duplicated, 0u) << "idempotent producer: retries through resets add none";
  EXPECT_EQ(sink.out_of_order, 0u);
}

}  // namespace
}  // namespace ssegw::testing
