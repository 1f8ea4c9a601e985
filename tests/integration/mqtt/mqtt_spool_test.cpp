// The MQTT sink's spool against a real, private Mosquitto: while the broker is away the
// sink writes to disk instead of holding its channel, so publishers and sources go on; once
// it is back every event arrives, in order, exactly once. A spool that fills holds the
// channel as a sink without one does, and a spool outlives the gateway process.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/integration/mqtt/mqtt_test_support.h"

namespace ssegw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The issue's outage. At one publish every 100 ms that is 300 events, a few KiB of spool:
// the length is what the test is about (reconnect backoff running all the while, the age
// metric growing), not the volume.
constexpr auto kOutage = seconds(30);

const std::string kEventsOut = "ssegw_bridge_events_out_total{kind=\"sink\",name=\"out\"}";

std::string series(const std::string& gauge) {
  return "ssegw_bridge_" + gauge + "{kind=\"sink\",name=\"out\"}";
}

std::string numbered(const char* prefix, int i) {
  return std::string(prefix).append(std::to_string(i));
}

// What each test stands on: a broker of its own (it is stopped), a state_dir of its own (the
// spool), and a persistent (clean_session false) subscriber session on the broker that
// collects what the sink sends while nobody reads it.
struct SpoolRig {
  PrivateBroker downstream;
  TempDir state;
  const std::string prefix;
  const std::string sub_id = unique_token("sub");

  explicit SpoolRig(const std::string& what) : prefix(unique_token(what)) {
    subscriber();  // the session exists before anything is published
  }
  std::unique_ptr<MqttSubscriber> subscriber() const {
    return std::make_unique<MqttSubscriber>(downstream.info(), prefix + "/out/#",
                                            std::vector<std::string>{"-c", "-i", sub_id});
  }
  std::string config(const std::string& spool_bytes) const {
    return server_state_dir(state.path()) +
           "channels:\n"
           "  - {path: /alerts, history: 100, publish: true}\n"
           "sinks:\n"
           "  - name: out\n"
           "    type: mqtt\n"
           "    from: /alerts\n"
           "    broker: " +
           downstream.info().plain_url() + "\n    topic: \"" + prefix +
           "/out/{event}\"\n"
           "    qos: 1\n"
           "    max_queue: 5\n"
           "    spool_bytes: " +
           spool_bytes +
           "\n"
           "    backoff_initial: 100ms\n"
           "    backoff_max: 500ms\n";
  }
  // A gateway on config(spool_bytes) whose sink has connected.
  std::unique_ptr<GatewayProcess> gateway(const std::string& spool_bytes) const {
    auto gw = std::make_unique<GatewayProcess>(config(spool_bytes));
    EXPECT_TRUE(wait_metric(gw->port(), series("connected"), 1, seconds(15))) << gw->output();
    return gw;
  }
  // Stops the broker and waits until the sink noticed.
  void broker_away(GatewayProcess& gw) {
    downstream.stop();
    EXPECT_TRUE(wait_metric_equals(gw.port(), series("connected"), 0, seconds(10))) << gw.output();
  }
  // What the subscriber session collected, once `n` messages are there (or the timeout).
  std::vector<std::string> collected(size_t n) const {
    auto sub = subscriber();
    std::vector<std::string> got = sub->wait_messages(n, seconds(20));
    EXPECT_EQ(got.size(), n) << sub->output();
    // Half a second more: a repeat would show up as one message too many.
    if (got.size() == n) got = sub->wait_messages(n + 1, milliseconds(500));
    return got;
  }
  std::string on_topic(const std::string& data) const { return prefix + "/out/e " + data; }
};

TEST(MqttSpool, ABrokerOutageNeverHoldsTheChannelAndEveryEventArrivesInOrderOnce) {
  SpoolRig rig("spool");
  auto gateway = rig.gateway("64MiB");
  GatewayProcess& gw = *gateway;
  std::vector<std::string> sent;
  for (int i = 0; i < 10; ++i) {
    sent.push_back(numbered("n", i));
    ASSERT_EQ(publish(gw.port(), "/alerts", sent.back(), "e").status, 200);
  }
  // Nothing in flight when the broker goes: no acknowledgement lost, so no repeat either.
  ASSERT_TRUE(wait_metric(gw.port(), kEventsOut, 10, seconds(10))) << gw.output();

  rig.broker_away(gw);
  const auto outage_end = std::chrono::steady_clock::now() + kOutage;
  int refused = 0;
  int held_seen = 0;
  for (int i = 10; std::chrono::steady_clock::now() < outage_end && i < 1000; ++i) {
    sent.push_back(numbered("n", i));
    if (publish(gw.port(), "/alerts", sent.back(), "e").status != 200) ++refused;
    if (i % 10 == 0 && metric(gw.port(), series("holding")) != 0.0) ++held_seen;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(refused, 0) << "a publish was refused during the outage\n" << gw.output();
  EXPECT_EQ(held_seen, 0) << "the channel was held during the outage";
  EXPECT_EQ(metric(gw.port(), series("spool_events")), static_cast<double>(sent.size() - 10))
      << "the broker was known to be away: every event went to disk";
  EXPECT_GT(metric(gw.port(), series("spool_bytes")).value_or(0), 0);
  EXPECT_GE(metric(gw.port(), series("spool_oldest_age_seconds")).value_or(0), 10)
      << "the oldest spooled event has waited most of the outage";

  rig.downstream.start();
  // New events while the spool drains go behind it.
  for (int i = 0; i < 20; ++i) {
    sent.push_back(numbered("after", i));
    ASSERT_EQ(publish(gw.port(), "/alerts", sent.back(), "e").status, 200);
  }
  ASSERT_TRUE(wait_metric(gw.port(), kEventsOut, static_cast<double>(sent.size()), seconds(30)))
      << gw.output();
  EXPECT_TRUE(wait_metric_equals(gw.port(), series("spool_events"), 0, seconds(10)));
  EXPECT_TRUE(wait_metric_equals(gw.port(), series("spool_bytes"), 0, seconds(10)))
      << "drained segments are deleted";
  EXPECT_EQ(metric(gw.port(), series("holding")), 0.0);
  EXPECT_EQ(metric(gw.port(), series("overflow_dropped")), 0.0);

  const std::vector<std::string> got = rig.collected(sent.size());
  ASSERT_EQ(got.size(), sent.size()) << "each event exactly once";
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(got[i], rig.on_topic(sent[i])) << i;
}

TEST(MqttSpool, ATinySpoolFillsAndThenTheChannelIsHeldAsWithoutOne) {
  SpoolRig rig("spoolfull");
  auto gateway = rig.gateway("4KiB");
  GatewayProcess& gw = *gateway;
  rig.broker_away(gw);
  std::vector<std::string> accepted;
  int status = 200;
  const std::string padding(100, 'x');
  for (int i = 0; i < 500 && status == 200; ++i) {
    const std::string data = padding + numbered("n", i);
    status = publish(gw.port(), "/alerts", data, "e").status;
    if (status == 200) accepted.push_back(data);
  }
  EXPECT_EQ(status, 503) << "a full spool holds the channel: publishes are refused";
  EXPECT_GT(accepted.size(), 20u) << "the spool took events before it filled";
  EXPECT_EQ(metric(gw.port(), series("holding")), 1.0);
  EXPECT_LE(metric(gw.port(), series("spool_bytes")).value_or(1e9), 4096);

  rig.downstream.start();
  ASSERT_TRUE(wait_metric_equals(gw.port(), series("holding"), 0, seconds(30))) << gw.output();
  const std::string last = padding + "last";
  EXPECT_EQ(publish(gw.port(), "/alerts", last, "e").status, 200);
  accepted.push_back(last);
  ASSERT_TRUE(wait_metric(gw.port(), kEventsOut, static_cast<double>(accepted.size()), seconds(30)))
      << gw.output();
  const std::vector<std::string> got = rig.collected(accepted.size());
  ASSERT_EQ(got.size(), accepted.size());
  for (size_t i = 0; i < accepted.size(); ++i) EXPECT_EQ(got[i], rig.on_topic(accepted[i])) << i;
}

TEST(MqttSpool, SpooledEventsOutliveTheGatewayProcess) {
  SpoolRig rig("spoolrestart");
  std::vector<std::string> sent;
  {
    auto gateway = rig.gateway("1MiB");
    GatewayProcess& gw = *gateway;
    rig.broker_away(gw);
    for (int i = 0; i < 40; ++i) {
      sent.push_back(numbered("n", i));
      ASSERT_EQ(publish(gw.port(), "/alerts", sent.back(), "e").status, 200);
    }
    ASSERT_TRUE(wait_metric_equals(gw.port(), series("spool_events"), 40, seconds(5)))
        << "all on disk: the sink knew the broker was away; spool_events "
        << metric(gw.port(), series("spool_events")).value_or(-1) << ", queue_depth "
        << metric(gw.port(), series("queue_depth")).value_or(-1) << "\n"
        << gw.output();
    gw.process().signal(SIGTERM);
    ASSERT_TRUE(gw.process().wait_exit(seconds(15)).has_value()) << gw.output();
    EXPECT_NE(gw.output().find("mqtt sink spool kept for the next start"), std::string::npos)
        << gw.output();
  }
  rig.downstream.start();
  GatewayProcess gw(rig.config("1MiB"));
  EXPECT_TRUE(gw.process().wait_for_output("sink spool reopened", seconds(10))) << gw.output();
  ASSERT_TRUE(wait_metric(gw.port(), kEventsOut, 40, seconds(30))) << gw.output();
  const std::vector<std::string> got = rig.collected(40);
  ASSERT_EQ(got.size(), 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(got[i], rig.on_topic(sent[i])) << i;
}

}  // namespace
}  // namespace ssegw::testing
