// The idempotent Kafka sink's spool in the sse-gateway binary against the real broker: an
// upstream SSE feed relayed into a topic while the broker is stopped for 30 s. The source is
// never paused (the channel is never held, though the outage is many times queue_limit), the
// events wait on disk, and once the broker is back every one of them arrives, in order, once.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/integration/kafka/kafka_test_client.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/raw_connection.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;
namespace tk = ssegw::testing::kafka;

constexpr auto kOutage = 30s;
constexpr int kPerSecond = 20;

double sample(uint16_t port, const std::string& series) {
  return metric_sample(http_request(port, "GET", "/metrics").body, series);
}

std::string sink_series(const std::string& key) {
  return "ssegw_bridge_" + key + "{kind=\"sink\",name=\"out\"}";
}

const std::string kSourceStreaming =
    "ssegw_bridge_state{kind=\"source\",name=\"market\",type=\"sse\",state=\"streaming\"}";

const std::string kSinkStreaming =
    "ssegw_bridge_state{kind=\"sink\",name=\"out\",type=\"kafka\",state=\"streaming\"}";

bool wait_sample(uint16_t port, const std::string& series, double at_least,
                 std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (sample(port, series) >= at_least) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::string tick(int n) {
  return std::string("{\"n\":").append(std::to_string(n)).append("}");
}

// The upstream (another gateway with a long history) and a publisher of numbered ticks into
// it, paced at kPerSecond, from `next` on; stop() waits for it.
class Ticker {
 public:
  explicit Ticker(uint16_t port) : port_(port) {}
  ~Ticker() { stop(); }
  void run_until(std::chrono::steady_clock::time_point end) {
    stop();
    thread_ = std::thread([this, end] {
      while (std::chrono::steady_clock::now() < end && next_ < 100000) {
        if (publish(port_, "/feed", tick(next_), "tick").status == 200) ++next_;
        std::this_thread::sleep_for(std::chrono::milliseconds(1000 / kPerSecond));
      }
    });
  }
  void stop() {
    if (thread_.joinable()) thread_.join();
  }
  int published() const { return next_; }

 private:
  const uint16_t port_;
  std::atomic<int> next_{0};
  std::thread thread_;
};

TEST(KafkaSinkSpool, ABrokerStoppedFor30sNeverPausesTheSourceAndEveryEventArrivesInOrderOnce) {
  const std::string topic = tk::unique_topic("spool");
  tk::create_topic(topic, 1);
  TempDir state;
  GatewayProcess upstream("channels:\n  - {path: /feed, history: 5000, publish: true}\n");
  GatewayProcess relay("server: {workers: 1, state_dir: " + state.path() +
                       "}\n"
                       "channels:\n  - {path: /feed, history: 100}\n"
                       "sources:\n"
                       "  - {name: market, type: sse, endpoint: 'http://127.0.0.1:" +
                       std::to_string(upstream.port()) +
                       "/feed', to: /feed}\n"
                       "sinks:\n"
                       // Without the spool, 50 unacknowledged events would hold the channel.
                       "  - {name: out, type: kafka, from: /feed, queue_limit: 50, brokers: '" +
                       tk::bootstrap() + "', topic: " + topic + "}\n");
  ASSERT_TRUE(wait_sample(relay.port(), kSourceStreaming, 1, 30s)) << relay.output();
  ASSERT_TRUE(wait_sample(relay.port(), kSinkStreaming, 1, 30s)) << relay.output();

  Ticker ticker(upstream.port());
  ticker.run_until(std::chrono::steady_clock::now() + 5s);
  ticker.stop();
  const int before = ticker.published();
  ASSERT_TRUE(wait_sample(relay.port(), sink_series("events_out_total"), before, 30s))
      << relay.output();

  ASSERT_TRUE(tk::broker_command("stop"));
  const auto outage_end = std::chrono::steady_clock::now() + kOutage;
  ticker.run_until(outage_end);
  int held = 0;
  int source_paused = 0;
  while (std::chrono::steady_clock::now() < outage_end) {
    if (sample(relay.port(), sink_series("holding")) != 0) ++held;
    if (sample(relay.port(), kSourceStreaming) != 1) ++source_paused;
    std::this_thread::sleep_for(1s);
  }
  ticker.stop();
  const int during = ticker.published() - before;
  EXPECT_GT(during, 10 * 50) << "the outage is many times queue_limit";
  EXPECT_EQ(held, 0) << "the channel was held during the outage\n" << relay.output();
  EXPECT_EQ(source_paused, 0) << "the source stopped streaming during the outage";
  // All but what librdkafka holds (at most the probe and what was in flight as it went).
  EXPECT_GE(sample(relay.port(), sink_series("spool_events")), during - 60) << relay.output();
  EXPECT_GE(sample(relay.port(), sink_series("spool_oldest_age_seconds")), 20);

  ASSERT_TRUE(tk::broker_command("start"));
  ticker.run_until(std::chrono::steady_clock::now() + 3s);
  ticker.stop();
  const int total = ticker.published();
  ASSERT_TRUE(wait_sample(relay.port(), sink_series("events_out_total"), total, 90s))
      << relay.output();
  EXPECT_EQ(sample(relay.port(), sink_series("spool_events")), 0);
  EXPECT_EQ(sample(relay.port(), sink_series("overflow_dropped")), 0);

  const std::vector<tk::Record> records = tk::read_all(topic, 60s);
  ASSERT_EQ(records.size(), static_cast<size_t>(total)) << "each event exactly once";
  for (int n = 0; n < total; ++n) {
    ASSERT_EQ(records[n].value, tick(n)) << "out of order at " << n;
  }
}

}  // namespace
}  // namespace ssegw::testing
