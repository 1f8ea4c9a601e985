// MQTT under crashes and network faults: Mosquitto SIGKILLed and restarted on the same ports
// and data under a persistent-session source and under a sink, and a fault proxy between the
// gateway and the broker that stalls, throttles, resets and refuses. docs/mqtt.md promises
// QoS 1 delivery at least once both ways (with clean_session: false the broker keeps the
// source's messages while it is away), so duplicates are counted and reported, losses fail.
// The suite's broker saves its persistence file after every change (see CMakeLists.txt): a
// crash then loses nothing the broker acknowledged, and what is measured is the gateway.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <set>
#include <thread>

#include "tests/chaos/chaos_support.h"
#include "tests/integration/mqtt/mqtt_test_support.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;
using chaos::Tally;

void crash_broker(const MqttBroker& broker, std::chrono::seconds down_for) {
  ASSERT_TRUE(chaos::broker_script("mosquitto.sh", "kill", broker.state_dir, 20s));
  std::this_thread::sleep_for(down_for);
  ASSERT_TRUE(chaos::broker_script("mosquitto.sh", "start", broker.state_dir, 30s));
}

std::string source_config(const std::string& url, const std::string& prefix) {
  return "channels:\n  - {path: /m, history: 5000}\n"
         "sources:\n  - name: src\n    type: mqtt\n    broker: " +
         url + "\n    client_id: " + unique_token("chaos-src") +
         "\n    clean_session: false\n    qos: 1\n    keepalive: 2s\n    connect_timeout: 2s\n"
         "    backoff_initial: 100ms\n    backoff_max: 1s\n    topics: [\"" +
         prefix + "/#\"]\n    to: /m\n";
}

// `state_dir` of the test's own: a sink spools there, and one test's spool must not feed the
// next test's sink of the same name.
std::string sink_config(const std::string& url, const std::string& topic,
                        const std::string& state_dir) {
  return "server: {state_dir: " + state_dir +
         "}\n"
         "channels:\n  - {path: /out, history: 100, publish: true}\n"
         "sinks:\n  - name: snk\n    type: mqtt\n    from: /out\n    broker: " +
         url + "\n    topic: \"" + topic +
         "\"\n    qos: 1\n    keepalive: 2s\n    connect_timeout: 2s\n    ack_timeout: 3s\n"
         "    backoff_initial: 100ms\n    backoff_max: 1s\n";
}

// Publishes "n=first".."n=last" to the broker at about `per_second`, from one mosquitto_pub.
std::unique_ptr<ChildProcess> paced_publisher(const MqttBroker& broker, const std::string& topic,
                                              int first, int last, int per_second) {
  const std::string pause = std::to_string(1.0 / per_second);
  return std::make_unique<ChildProcess>(std::vector<std::string>{
      "bash", "-c",
      "for ((i=" + std::to_string(first) + ";i<=" + std::to_string(last) +
          ";i++)); do echo n=$i; sleep " + pause + "; done | exec mosquitto_pub -h 127.0.0.1 -p " +
          std::to_string(broker.plain_port) + " -q 1 -t '" + topic + "' -l"});
}

// Payloads of a mosquitto_sub -v output ("TOPIC PAYLOAD" lines).
std::vector<std::string> payloads(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const std::string& line : lines) {
    const size_t space = line.find(' ');
    if (space != std::string::npos) out.push_back(line.substr(space + 1));
  }
  return out;
}

// Waits until the subscriber saw `distinct` different payloads, then 1 s more for repeats.
std::vector<std::string> settled_payloads(MqttSubscriber& sub, size_t distinct,
                                          std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<std::string> got;
  while (std::chrono::steady_clock::now() < deadline) {
    got = payloads(sub.wait_messages(distinct, 200ms));
    if (std::set<std::string>(got.begin(), got.end()).size() >= distinct) break;
  }
  std::this_thread::sleep_for(1s);
  return payloads(sub.wait_messages(0, 0ms));
}

// HTTP publishes "n=1".."n=count" into /out every `interval`, retrying a 503 (the sink's
// backpressure) until it is taken; bounded by `limit`.
class HttpFeed {
 public:
  HttpFeed(uint16_t port, int count, std::chrono::milliseconds interval, std::chrono::seconds limit)
      : thread_([=, this] {
          const auto start = std::chrono::steady_clock::now();
          const auto deadline = start + limit;
          for (int k = 1; k <= count && std::chrono::steady_clock::now() < deadline; ++k) {
            std::this_thread::sleep_until(start + k * interval);
            while (std::chrono::steady_clock::now() < deadline &&
                   publish(port, "/out", "n=" + std::to_string(k)).status != 200) {
              ++held_;
              std::this_thread::sleep_for(100ms);
            }
            accepted_ = k;
          }
        }) {}
  ~HttpFeed() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  int accepted() const { return accepted_; }
  int held() const { return held_; }

 private:
  std::atomic<int> accepted_{0};
  std::atomic<int> held_{0};
  std::thread thread_;
};

TEST(ChaosMqtt, BrokerSigkilledUnderAPersistentSessionSourceLosesNothing) {
  const MqttBroker broker = shared_broker();
  // The gateway reads through a proxy throttled to 1 KB/s, so that when the broker dies most
  // of the first batch is still queued in the broker for the gateway's session.
  FaultProxy throttle("127.0.0.1", broker.plain_port);
  const std::string prefix = unique_token("chaos-persist");
  GatewayProcess gw(source_config("tcp://127.0.0.1:" + std::to_string(throttle.port()), prefix));
  ASSERT_TRUE(wait_ready(gw.port(), 200, 15s)) << gw.output();
  chaos::Collector sub(gw.port(), "/m", 1000000, 90s);
  ASSERT_EQ(sub.status(), 200);
  throttle.set_mode(FaultProxy::Mode::kSlow, 1024);
  constexpr int kBatch = 300;
  // Acknowledged by the broker when mosquitto_pub exits.
  ASSERT_TRUE(mqtt_publish_lines(broker, prefix + "/a", chaos::numbered(1, kBatch), 1));
  std::this_thread::sleep_for(1500ms);
  const size_t before_kill = sub.size();
  crash_broker(broker, 2s);
  std::cout << "[chaos] mosquitto SIGKILL with " << before_kill << " of " << kBatch << " delivered"
            << std::endl;
  throttle.set_mode(FaultProxy::Mode::kPass);
  ASSERT_TRUE(wait_ready(gw.port(), 200, 20s)) << gw.output();
  ASSERT_TRUE(
      mqtt_publish_lines(broker, prefix + "/a", chaos::numbered(kBatch + 1, 2 * kBatch), 1));
  const std::vector<std::string> got = sub.finish_after(2 * kBatch, 60s, 1s);
  const Tally t = chaos::count(chaos::numbered(1, 2 * kBatch), got);
  chaos::report("mqtt persistent source, broker SIGKILL", t);
  EXPECT_LT(before_kill, static_cast<size_t>(kBatch)) << "the kill should land mid-batch";
  EXPECT_EQ(t.lost, 0u) << gw.output();
  EXPECT_EQ(t.unexpected, 0u);
  EXPECT_FALSE(sub.closed()) << "the subscriber stays connected while the source reconnects";
}

TEST(ChaosMqtt, BrokerSigkilledUnderTheSinkDeliversEveryEventAtLeastOnce) {
  const MqttBroker broker = shared_broker();
  const std::string topic = unique_token("chaos-sink") + "/out";
  // The checking subscriber keeps a persistent session, so the broker holds what arrives
  // between its restart and this client's own reconnect (mosquitto_sub reconnects itself).
  MqttSubscriber check(broker, topic, {"-c", "-i", unique_token("chaos-check")});
  TempDir state;
  GatewayProcess gw(sink_config(broker.plain_url(), topic, state.path()));
  constexpr int kEvents = 1000;
  HttpFeed feed(gw.port(), kEvents, 5ms, 90s);
  ASSERT_TRUE(chaos::wait_until([&] { return feed.accepted() >= 300; }, 60s));
  std::cout << "[chaos] mosquitto SIGKILL under the sink after " << feed.accepted() << " publishes"
            << std::endl;
  crash_broker(broker, 2s);
  feed.join();
  ASSERT_EQ(feed.accepted(), kEvents);
  const std::vector<std::string> got = settled_payloads(check, kEvents, 60s);
  const Tally t = chaos::count(chaos::numbered(1, kEvents), got);
  chaos::report("mqtt sink, broker SIGKILL", t);
  std::cout << "[chaos] publishes held back with 503: " << feed.held() << std::endl;
  EXPECT_EQ(t.lost, 0u) << gw.output() << check.output().substr(0, 2000);
  EXPECT_EQ(t.unexpected, 0u);
}

// README.md: SIGTERM flushes streams (shutdown_timeout), stops the bridges, exits 0; the
// sink gets drain_timeout for its queue. Neither may wait for a broker that is gone.
TEST(ChaosMqtt, SigtermWhileTheBrokerIsDownExitsZeroWithinBoundedTime) {
  const MqttBroker broker = shared_broker();
  const std::string prefix = unique_token("chaos-term");
  std::string config = source_config(broker.plain_url(), prefix);
  TempDir state;
  config.replace(config.find("channels:\n"), 10,
                 "server: {shutdown_timeout: 5s, state_dir: " + state.path() +
                     "}\nchannels:\n  - {path: /out, history: 100, publish: true}\n");
  config += "sinks:\n  - {name: snk, type: mqtt, from: /out, broker: '" + broker.plain_url() +
            "', topic: '" + prefix + "/out', qos: 1, drain_timeout: 2s}\n";
  GatewayProcess gw(config);
  ASSERT_TRUE(wait_ready(gw.port(), 200, 15s)) << gw.output();
  ASSERT_TRUE(chaos::broker_script("mosquitto.sh", "kill", broker.state_dir, 20s));
  struct Restart {
    const MqttBroker& broker;
    ~Restart() { chaos::broker_script("mosquitto.sh", "start", broker.state_dir, 30s); }
  } restart{broker};
  for (int k = 0; k < 50; ++k) ASSERT_EQ(publish(gw.port(), "/out", "queued").status, 200);
  std::this_thread::sleep_for(1s);
  const auto start = std::chrono::steady_clock::now();
  gw.process().signal(SIGTERM);
  const std::optional<int> status = gw.process().wait_exit(30s);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[chaos] SIGTERM with Mosquitto down: exit after " << seconds << " s" << std::endl;
  ASSERT_TRUE(status.has_value()) << "no exit 30 s after SIGTERM\n" << gw.output();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << gw.output();
  EXPECT_LT(seconds, 12.0) << gw.output();
}

struct Phase {
  FaultProxy::Mode mode;
  std::chrono::milliseconds length;
};

const std::vector<Phase> kProxyPhases = {
    {FaultProxy::Mode::kPass, 2s}, {FaultProxy::Mode::kStall, 6s},  {FaultProxy::Mode::kPass, 3s},
    {FaultProxy::Mode::kSlow, 5s}, {FaultProxy::Mode::kPass, 3s},   {FaultProxy::Mode::kReset, 3s},
    {FaultProxy::Mode::kPass, 3s}, {FaultProxy::Mode::kRefuse, 2s}, {FaultProxy::Mode::kPass, 2s}};

void run_phases(FaultProxy& proxy, const std::function<size_t()>& progress) {
  for (const Phase& phase : kProxyPhases) {
    proxy.set_mode(phase.mode, 1024);
    std::cout << "[chaos] proxy " << to_string(phase.mode) << ", delivered so far " << progress()
              << std::endl;
    std::this_thread::sleep_for(phase.length);
  }
  proxy.set_mode(FaultProxy::Mode::kPass);
}

TEST(ChaosMqtt, ProxyStallSlowResetRefuseUnderThePersistentSourceLosesNothing) {
  const MqttBroker broker = shared_broker();
  FaultProxy proxy("127.0.0.1", broker.plain_port);
  const std::string prefix = unique_token("chaos-proxy-src");
  GatewayProcess gw(source_config("tcp://127.0.0.1:" + std::to_string(proxy.port()), prefix));
  ASSERT_TRUE(wait_ready(gw.port(), 200, 15s)) << gw.output();
  chaos::Collector sub(gw.port(), "/m", 1000000, 120s);
  constexpr int kEvents = 1200;  // 40 per second over the 29 s of faults
  auto publisher = paced_publisher(broker, prefix + "/p", 1, kEvents, 40);
  run_phases(proxy, [&] { return sub.size(); });
  ASSERT_TRUE(publisher->wait_exit(60s).has_value()) << "publisher did not finish";
  const std::vector<std::string> got = sub.finish_after(kEvents, 60s, 1s);
  const Tally t = chaos::count(chaos::numbered(1, kEvents), got);
  chaos::report("mqtt source via proxy stall/slow/reset/refuse", t);
  std::cout << "[chaos] proxy accepted " << proxy.accepted() << ", reset " << proxy.resets()
            << std::endl;
  EXPECT_GE(proxy.accepted(), 3u) << "the faults made the source reconnect";
  EXPECT_EQ(t.lost, 0u) << gw.output();
  EXPECT_EQ(t.unexpected, 0u);
}

TEST(ChaosMqtt, ProxyStallSlowResetRefuseUnderTheSinkDeliversEveryEventAtLeastOnce) {
  const MqttBroker broker = shared_broker();
  FaultProxy proxy("127.0.0.1", broker.plain_port);
  const std::string topic = unique_token("chaos-proxy-sink") + "/out";
  MqttSubscriber check(broker, topic);  // straight to the broker, past the proxy
  TempDir state;
  GatewayProcess gw(
      sink_config("tcp://127.0.0.1:" + std::to_string(proxy.port()), topic, state.path()));
  constexpr int kEvents = 1200;
  HttpFeed feed(gw.port(), kEvents, 25ms, 90s);
  run_phases(proxy, [&] { return static_cast<size_t>(feed.accepted()); });
  feed.join();
  ASSERT_EQ(feed.accepted(), kEvents);
  const std::vector<std::string> got = settled_payloads(check, kEvents, 60s);
  const Tally t = chaos::count(chaos::numbered(1, kEvents), got);
  chaos::report("mqtt sink via proxy stall/slow/reset/refuse", t);
  std::cout << "[chaos] proxy accepted " << proxy.accepted() << ", reset " << proxy.resets()
            << "; publishes held back with 503: " << feed.held() << std::endl;
  EXPECT_GE(proxy.accepted(), 3u);
  EXPECT_EQ(t.lost, 0u) << gw.output();
  EXPECT_EQ(t.unexpected, 0u);
}

}  // namespace
}  // namespace ssegw::testing
