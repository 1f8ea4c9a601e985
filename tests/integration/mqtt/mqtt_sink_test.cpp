// Channels out to MQTT: mosquitto_sub is the independent reader.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/integration/mqtt/mqtt_test_support.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

TEST(MqttSink, HttpPublishArrivesOnTheTemplatedTopic) {
  const MqttBroker broker = shared_broker();
  const std::string p = unique_token("sink");
  MqttSubscriber sub(broker, p + "/#");
  TempDir state;
  GatewayProcess gw(server_state_dir(state.path()) +
                    "channels:\n"
                    "  - {path: /alerts, history: 100, publish: true}\n"
                    "sinks:\n"
                    "  - name: alerts-out\n"
                    "    type: mqtt\n"
                    "    from: /alerts\n"
                    "    broker: " +
                    broker.plain_url() +
                    "\n"
                    "    topic: \"" +
                    p +
                    "/gateway/{event}\"\n"
                    "    qos: 1\n"
                    "    retain: false\n");
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
  EXPECT_EQ(publish(gw.port(), "/alerts", "fire on floor 2", "fire").status, 200);
  EXPECT_EQ(publish(gw.port(), "/alerts", "untyped").status, 200);
  // The query value is percent-encoded: the event type is "a/+/#".
  EXPECT_EQ(publish(gw.port(), "/alerts", "sneaky", "a%2F%2B%2F%23").status, 200);
  std::vector<std::string> got = sub.wait_messages(3, seconds(10));
  ASSERT_EQ(got.size(), 3u) << sub.output() << gw.output();
  EXPECT_EQ(got[0], p + "/gateway/fire fire on floor 2");
  EXPECT_EQ(got[1], p + "/gateway/message untyped");
  // A type cannot add levels or wildcards to the topic.
  EXPECT_EQ(got[2], p + "/gateway/a%2F%2B%2F%23 sneaky");
  EXPECT_TRUE(wait_metric(gw.port(),
                          "ssegw_bridge_events_out_total{kind=\"sink\",name=\"alerts-out\"}", 3,
                          seconds(5)));
}

TEST(MqttSink, PublishesOverTheTlsAndPasswordListeners) {
  const MqttBroker broker = shared_broker();
  const std::string p = unique_token("sinksec");
  MqttSubscriber sub(broker, p + "/#");
  TempDir state;
  GatewayProcess gw(server_state_dir(state.path()) +
                        "channels:\n"
                        "  - {path: /alerts, history: 100, publish: true}\n"
                        "sinks:\n"
                        "  - name: over-tls\n"
                        "    type: mqtt\n"
                        "    from: /alerts\n"
                        "    broker: " +
                        broker.tls_url() +
                        "\n"
                        "    tls: {ca_file: " +
                        broker.ca_file +
                        "}\n"
                        "    topic: \"" +
                        p +
                        "/tls/{event}\"\n"
                        "  - name: with-password\n"
                        "    type: mqtt\n"
                        "    from: /alerts\n"
                        "    broker: " +
                        broker.auth_url() +
                        "\n"
                        "    username: " +
                        broker.user +
                        "\n"
                        "    password: \"{{ MQTT_PASSWORD }}\"\n"
                        "    topic: \"" +
                        p + "/auth/{event}\"\n",
                    {}, {{"MQTT_PASSWORD", broker.password}});
  ASSERT_TRUE(wait_metric(gw.port(), "ssegw_bridge_connected{kind=\"sink\",name=\"over-tls\"}", 1,
                          seconds(15)))
      << gw.output();
  ASSERT_TRUE(wait_metric(gw.port(), "ssegw_bridge_connected{kind=\"sink\",name=\"with-password\"}",
                          1, seconds(15)))
      << gw.output();
  EXPECT_EQ(publish(gw.port(), "/alerts", "both", "ping").status, 200);
  std::vector<std::string> got = sub.wait_messages(2, seconds(10));
  ASSERT_EQ(got.size(), 2u) << sub.output() << gw.output();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got[0], p + "/auth/ping both");
  EXPECT_EQ(got[1], p + "/tls/ping both");
}

TEST(MqttSink, UpstreamSseFeedBridgedToMqttEndToEnd) {
  const MqttBroker broker = shared_broker();
  const std::string p = unique_token("relay");
  GatewayProcess upstream(
      "channels:\n"
      "  - {path: /feed, history: 100, publish: true}\n");
  MqttSubscriber sub(broker, p + "/#");
  TempDir state;
  GatewayProcess gw(server_state_dir(state.path()) +
                    "channels:\n"
                    "  - {path: /relay, history: 100}\n"
                    "sources:\n"
                    "  - name: upstream\n"
                    "    type: sse\n"
                    "    endpoint: http://127.0.0.1:" +
                    std::to_string(upstream.port()) +
                    "/feed\n"
                    "    to: /relay\n"
                    "sinks:\n"
                    "  - name: to-mqtt\n"
                    "    type: mqtt\n"
                    "    from: /relay\n"
                    "    broker: " +
                    broker.plain_url() +
                    "\n"
                    "    topic: \"" +
                    p +
                    "/{event}\"\n"
                    "    qos: 2\n");
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
  EXPECT_EQ(publish(upstream.port(), "/feed", "{\"price\": 42}", "price_update").status, 200);
  EXPECT_EQ(publish(upstream.port(), "/feed", "line one\nline two", "trade").status, 200);
  std::vector<std::string> got = sub.wait_messages(3, seconds(10));
  ASSERT_GE(got.size(), 3u) << sub.output() << gw.output();
  EXPECT_EQ(got[0], p + "/price_update {\"price\": 42}");
  // The multi-line payload arrives as one MQTT message (mosquitto_sub prints it on two lines).
  EXPECT_EQ(got[1], p + "/trade line one");
  EXPECT_EQ(got[2], "line two");
}

// Without a spool (spool_bytes: 0; mqtt_spool_test.cpp has the sink with one), the sink's
// broker goes away while a source keeps feeding its channel: events queue up to max_queue, the
// channel is held, the MQTT source feeding it pauses (its broker keeps the rest in the
// clean_session:false session), and after the restart everything arrives.
TEST(MqttSink, BrokerOutageQueuesHoldsTheChannelAndLosesNothing) {
  const MqttBroker upstream = shared_broker();
  PrivateBroker downstream;
  const std::string p = unique_token("hold");
  const std::string sub_id = unique_token("sub");
  // A persistent subscriber session on the downstream broker collects what the sink sends.
  auto subscriber = std::make_unique<MqttSubscriber>(downstream.info(), p + "/out/#",
                                                     std::vector<std::string>{"-c", "-i", sub_id});
  TempDir state;
  GatewayProcess gw(
      server_state_dir(state.path()) +
      "channels:\n"
      "  - {path: /alerts, history: 1000}\n"
      "sources:\n"
      "  - name: in\n"
      "    type: mqtt\n"
      "    broker: " +
      upstream.plain_url() +
      "\n"
      "    client_id: " +
      unique_token("gw-in") +
      "\n"
      "    clean_session: false\n"
      "    qos: 1\n"
      "    event_type: {fixed: alert}\n"
      "    topics: [\"" +
      p +
      "/in/#\"]\n"
      "    to: /alerts\n"
      "sinks:\n"
      "  - name: out\n"
      "    type: mqtt\n"
      "    from: /alerts\n"
      "    broker: " +
      downstream.info().plain_url() +
      "\n"
      "    topic: \"" +
      p +
      "/out/{event}\"\n"
      "    qos: 1\n"
      "    max_queue: 5\n"
      "    spool_bytes: 0\n"  // no spool: the hold at max_queue is what this test is about
      "    backoff_initial: 100ms\n"
      "    backoff_max: 500ms\n");
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
  ASSERT_TRUE(mqtt_publish(upstream, p + "/in/x", "m0"));
  ASSERT_EQ(subscriber->wait_messages(1, seconds(10)).size(), 1u) << gw.output();
  subscriber.reset();

  downstream.stop();
  // /readyz is about the sources; the sink's state shows in /metrics.
  ASSERT_TRUE(wait_metric_equals(gw.port(), "ssegw_bridge_connected{kind=\"sink\",name=\"out\"}", 0,
                                 seconds(10)))
      << gw.output();
  std::vector<std::string> lines;
  // Appended, not "m" + ...: GCC 12 -O3 reports a false -Werror=restrict for that.
  for (int i = 1; i <= 200; ++i) lines.push_back(std::string("m").append(std::to_string(i)));
  ASSERT_TRUE(mqtt_publish_lines(upstream, p + "/in/x", lines, 1));
  EXPECT_TRUE(
      wait_metric(gw.port(), "ssegw_bridge_holding{kind=\"sink\",name=\"out\"}", 1, seconds(10)))
      << gw.output();
  EXPECT_TRUE(
      wait_metric(gw.port(), "ssegw_bridge_pauses{kind=\"source\",name=\"in\"}", 1, seconds(10)))
      << gw.output();
  EXPECT_TRUE(gw.process().wait_for_output("mqtt source paused", seconds(5)));
  EXPECT_EQ(metric(gw.port(), "ssegw_bridge_overflow_dropped{kind=\"sink\",name=\"out\"}"), 0.0);

  downstream.start();
  EXPECT_TRUE(wait_metric(gw.port(), "ssegw_bridge_events_out_total{kind=\"sink\",name=\"out\"}",
                          201, seconds(30)))
      << gw.output();
  subscriber = std::make_unique<MqttSubscriber>(downstream.info(), p + "/out/#",
                                                std::vector<std::string>{"-c", "-i", sub_id});
  std::vector<std::string> got = subscriber->wait_messages(200, seconds(20));
  // At least once: a publish in flight when the broker went away may come twice; order and
  // completeness are what must hold.
  std::vector<std::string> firsts;
  std::set<std::string> seen;
  for (const std::string& m : got) {
    if (seen.insert(m).second) firsts.push_back(m);
  }
  ASSERT_EQ(firsts.size(), 200u) << subscriber->output() << gw.output();
  for (int i = 0; i < 200; ++i) EXPECT_EQ(firsts[i], p + "/out/alert " + lines[i]);
  // The hold is released when the sink's queue drains, which the last delivery may precede.
  EXPECT_TRUE(wait_metric_equals(gw.port(), "ssegw_bridge_holding{kind=\"sink\",name=\"out\"}", 0,
                                 seconds(10)));
  EXPECT_TRUE(wait_metric_equals(gw.port(), "ssegw_bridge_connected{kind=\"sink\",name=\"out\"}", 1,
                                 seconds(10)));
}

}  // namespace
}  // namespace ssegw::testing
