// The transactional Kafka sink in the sse-gateway binary against the real broker: an
// upstream SSE feed of numbered events into a three-partition topic with no key, the relay
// SIGKILLed at random points and restarted, and a read_committed reader that must find every
// upstream event exactly once.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/integration/kafka/kafka_test_client.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;
namespace tk = ssegw::testing::kafka;

constexpr int kEvents = 20000;
constexpr int kKills = 5;

bool ready(uint16_t port) {
  return http_request(port, "GET", "/readyz").status == 200;
}

// One of the sink's series from /metrics, e.g. "events_out_total"; -1 when absent.
double sink_metric(uint16_t port, const std::string& series, const std::string& sink) {
  const std::string line = "ssegw_bridge_" + series + "{kind=\"sink\",name=\"" + sink + "\"} ";
  const std::string metrics = http_request(port, "GET", "/metrics").body;
  const size_t at = metrics.find(line);
  if (at == std::string::npos) return -1;
  return std::atof(metrics.c_str() + at + line.size());
}

// True once the sink has committed at least one event.
bool committed_any(uint16_t port, const std::string& sink) {
  return sink_metric(port, "events_out_total", sink) > 0;
}

// The upstream's number in a record's value {"n":N}; -1 when it has none.
int number_of(const std::string& value) {
  const size_t at = value.find("\"n\":");
  if (at == std::string::npos) return -1;
  return std::atoi(value.c_str() + at + 4);
}

std::string relay_config(uint16_t upstream_port, const std::string& sink, const std::string& topic,
                         bool transactional) {
  return "server: {workers: 1}\n"
         "channels:\n  - {path: /feed, history: 100}\n"
         "sources:\n"
         "  - {name: market, type: sse, endpoint: 'http://127.0.0.1:" +
         std::to_string(upstream_port) +
         "/feed', to: /feed}\n"
         "sinks:\n"
         "  - name: " +
         sink +
         "\n"
         "    type: kafka\n"
         "    from: /feed\n"
         "    brokers: " +
         tk::bootstrap() + "\n    topic: " + topic +
         "\n"
         // Small transactions, so that the kills land among many commits.
         + (transactional ? "    transactional: true\n"
                            "    transaction_max_events: 50\n"
                            "    transaction_interval: 20ms\n"
                          : "");
}

// The log lines of a relay that speak of its sink or source, for a failure's message.
std::string bridge_lines(const std::string& output) {
  std::string lines;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(start, end - start);
    if (line.find("kafka") != std::string::npos || line.find("sse source") != std::string::npos)
      lines += line + "\n";
    start = end + 1;
  }
  return lines;
}

struct Tally {
  std::map<int, int> seen;  // upstream number -> records
  std::set<int32_t> partitions;
  int lost = 0;
  int duplicated = 0;
  int foreign = 0;
  std::string lost_ranges;  // the first few, "a-b" each
  std::string relay_logs;   // what each relay said about its bridges
};

Tally tally(const std::vector<tk::Record>& records, int count) {
  Tally t;
  for (const tk::Record& record : records) {
    const int n = number_of(record.value);
    if (n < 0 || n >= count) ++t.foreign;
    ++t.seen[n];
    t.partitions.insert(record.partition);
  }
  for (int n = 0; n < count; ++n) {
    auto it = t.seen.find(n);
    if (it == t.seen.end() && (n == 0 || t.seen.contains(n - 1)) && t.lost_ranges.size() < 200) {
      int last = n;
      while (last + 1 < count && !t.seen.contains(last + 1)) ++last;
      t.lost_ranges += std::to_string(n) + "-" + std::to_string(last) + " ";
    }
    if (it == t.seen.end()) ++t.lost;
    if (it != t.seen.end() && it->second > 1) t.duplicated += it->second - 1;
  }
  return t;
}

// One scenario's feed: a 3-partition topic and a sink name of its own, the upstream (another
// gateway, which keeps 30,000 events of history, so a relay that reconnects with
// Last-Event-ID gets exactly what follows it), the relay's config, and a publisher of
// {"n":0} .. {"n":count-1} once go() is called, paced (20,000 in about 6 s or more) so
// kills land mid-stream, and fast enough that many events are in flight to each partition
// when they do.
class Feed {
 public:
  Feed(const std::string& prefix, int count, bool transactional)
      : topic(tk::unique_topic(prefix)),
        sink(topic + "-sink"),
        upstream("channels:\n  - {path: /feed, history: 30000, publish: true}\n"),
        config(relay_config(upstream.port(), sink, topic, transactional)) {
    tk::create_topic(topic, 3);
    publisher_ = std::thread([this, count] {
      while (!go_) std::this_thread::sleep_for(5ms);
      for (int n = 0; n < count; ++n) {
        if (publish(upstream.port(), "/feed", "{\"n\":" + std::to_string(n) + "}", "tick").status !=
            200)
          break;
        published_ = n + 1;
        if (n % 4 == 0) std::this_thread::sleep_for(1ms);
      }
    });
  }
  ~Feed() { finish(); }
  void go() { go_ = true; }
  int published() const { return published_; }
  // Waits for the publisher to end; how many it published.
  int finish() {
    go_ = true;
    if (publisher_.joinable()) publisher_.join();
    return published_;
  }

  const std::string topic;
  const std::string sink;
  GatewayProcess upstream;
  const std::string config;

 private:
  std::atomic<int> published_{0};
  std::atomic<bool> go_{false};
  std::thread publisher_;
};

// What a read_committed reader finds of the topic once it holds every number (or after a
// bounded wait), and a little later, so that anything extra shows up too.
Tally final_tally(const std::string& topic, int count) {
  wait_until([&] { return tally(tk::read_all(topic), count).lost == 0; }, 120s);
  std::this_thread::sleep_for(2s);
  Tally t = tally(tk::read_all(topic, 30s, tk::Isolation::kReadCommitted), count);
  std::cout << "read_committed: " << t.seen.size() << " numbers, lost " << t.lost << ", duplicated "
            << t.duplicated << ", on " << t.partitions.size() << " partitions"
            << (t.lost_ranges.empty() ? "" : "; lost " + t.lost_ranges) << "\n";
  return t;
}

// Runs the whole scenario with the sink in the given mode and returns the tally of what a
// read_committed reader finds at the end. `false` (the idempotent sink, same config but the
// transaction keys) is there to compare: on this one-node broker it passed too.
Tally run_kill_scenario(bool transactional) {
  Feed feed("txn-feed", kEvents, transactional);
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> kill_after_ms(100, 1500);
  std::cout << "kill points seeded with " << seed << "\n";
  std::string logs;
  for (int kill = 0; kill < kKills; ++kill) {
    GatewayProcess relay(feed.config);
    EXPECT_TRUE(wait_until([&] { return ready(relay.port()); }, 60s)) << relay.output();
    feed.go();
    // Killed before anything ever committed, a relay leaves no resume point, and the next
    // one can only join the upstream live: wait for the first commit, once.
    if (kill == 0) {
      EXPECT_TRUE(wait_until([&] { return committed_any(relay.port(), feed.sink); }, 60s))
          << relay.output();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(rng)));
    relay.process().signal(SIGKILL);
    relay.process().wait_exit(10s);
    logs += "--- relay " + std::to_string(kill + 1) + "\n" + bridge_lines(relay.output());
    std::cout << "SIGKILL " << kill + 1 << " at " << feed.published() << " upstream events\n";
  }
  GatewayProcess relay(feed.config);
  EXPECT_TRUE(wait_until([&] { return ready(relay.port()); }, 60s)) << relay.output();
  feed.go();
  EXPECT_EQ(feed.finish(), kEvents);
  Tally t = final_tally(feed.topic, kEvents);
  t.relay_logs = logs + "--- last relay\n" + bridge_lines(relay.output());
  if (transactional) {
    EXPECT_NE(relay.output().find("resume point"), std::string::npos) << relay.output();
  }
  return t;
}

TEST(KafkaTxnSink, EveryUpstreamEventOnceAcrossFiveSigkillsWithNoKeyOnThreePartitions) {
  const Tally t = run_kill_scenario(true);
  EXPECT_EQ(t.lost, 0) << t.relay_logs;
  EXPECT_EQ(t.duplicated, 0) << t.relay_logs;
  EXPECT_EQ(t.foreign, 0);
  EXPECT_EQ(t.partitions.size(), 3u);  // no key: the events really spread
}

// A second relay with the same transactional.id while the first still runs: its start
// fences the first, which must stop writing (its open transaction is aborted) and hold its
// channel, while the second carries on from the committed resume point.
TEST(KafkaTxnSink, ASecondInstanceFencesTheFirstAndTakesOverExactly) {
  constexpr int kCount = 6000;
  Feed feed("txn-fence", kCount, true);
  GatewayProcess first(feed.config);
  EXPECT_TRUE(wait_until([&] { return ready(first.port()); }, 60s)) << first.output();
  feed.go();
  EXPECT_TRUE(wait_until([&] { return committed_any(first.port(), feed.sink); }, 60s))
      << first.output();
  GatewayProcess second(feed.config);
  EXPECT_TRUE(wait_until([&] { return ready(second.port()); }, 60s)) << second.output();
  EXPECT_TRUE(first.process().wait_for_output("kafka sink fenced", 30s)) << first.output();
  EXPECT_EQ(sink_metric(first.port(), "holding", feed.sink), 1);
  EXPECT_TRUE(wait_until([&] { return committed_any(second.port(), feed.sink); }, 60s))
      << second.output();
  EXPECT_EQ(feed.finish(), kCount);
  const Tally t = final_tally(feed.topic, kCount);
  EXPECT_EQ(t.lost, 0) << bridge_lines(first.output()) << bridge_lines(second.output());
  EXPECT_EQ(t.duplicated, 0) << bridge_lines(first.output()) << bridge_lines(second.output());
}

}  // namespace
}  // namespace ssegw::testing
