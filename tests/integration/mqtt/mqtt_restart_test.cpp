// Restarts on either side: the gateway stopped while devices keep publishing (the broker
// keeps a clean_session:false session), and the broker stopped under a running gateway.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "tests/integration/mqtt/mqtt_test_support.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

TEST(MqttRestart, MessagesPublishedWhileTheGatewayWasStoppedArriveAfterItStarts) {
  const MqttBroker broker = shared_broker();
  const std::string p = unique_token("persist");
  const std::string config =
      "channels:\n"
      "  - {path: /sensors, history: 1000}\n"
      "sources:\n"
      "  - name: sensors\n"
      "    type: mqtt\n"
      "    broker: " +
      broker.plain_url() +
      "\n"
      "    client_id: " +
      unique_token("gw") +
      "\n"
      "    clean_session: false\n"
      "    qos: 1\n"
      "    topics: [\"" +
      p +
      "/#\"]\n"
      "    to: /sensors\n";
  std::string last_id;
  {
    GatewayProcess gw(config);
    ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
    SseClient sub(gw.port(), "/sensors");
    ASSERT_TRUE(mqtt_publish(broker, p + "/m", "before"));
    std::optional<SseEvent> before = sub.next(seconds(5));
    ASSERT_TRUE(before.has_value()) << gw.output();
    EXPECT_EQ(before->data, "before");
    last_id = before->id;
    gw.process().signal(SIGTERM);
    std::optional<int> status = gw.process().wait_exit(seconds(15));
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << gw.output();
  }

  std::vector<std::string> lines;
  // Appended, not "m" + ...: GCC 12 -O3 reports a false -Werror=restrict for that.
  for (int i = 1; i <= 100; ++i) lines.push_back(std::string("m").append(std::to_string(i)));
  ASSERT_TRUE(mqtt_publish_lines(broker, p + "/m", lines, 1));

  GatewayProcess gw(config);
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
  EXPECT_NE(gw.output().find("session_present=true"), std::string::npos) << gw.output();
  // The subscriber comes back with the id it last saw, from the earlier run. The channel's
  // history was in memory, so the gateway cannot place that id: it says so first.
  SseClient sub(gw.port(), "/sensors", {{"Last-Event-ID", last_id}});
  ASSERT_EQ(sub.status(), 200);
  std::optional<SseEvent> reset = sub.next(seconds(5));
  ASSERT_TRUE(reset.has_value());
  EXPECT_EQ(reset->type, "reset");
  EXPECT_NE(reset->data.find("\"reason\":\"unknown\""), std::string::npos) << reset->data;
  std::vector<SseEvent> events = sub.take(100, seconds(30));
  ASSERT_EQ(events.size(), 100u) << gw.output();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(events[i].data, lines[i]);
  EXPECT_FALSE(sub.next(std::chrono::milliseconds(300)).has_value()) << "no duplicates";
}

TEST(MqttRestart, BrokerRestartedMidStreamGatewayReconnectsAndResubscribes) {
  PrivateBroker broker;
  const std::string p = unique_token("outage");
  GatewayProcess gw(
      "channels:\n"
      "  - {path: /sensors, history: 1000}\n"
      "sources:\n"
      "  - name: sensors\n"
      "    type: mqtt\n"
      "    broker: " +
      broker.info().plain_url() +
      "\n"
      "    qos: 1\n"
      "    backoff_initial: 100ms\n"
      "    backoff_max: 1s\n"
      "    topics: [\"" +
      p +
      "/#\"]\n"
      "    to: /sensors\n");
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
  SseClient sub(gw.port(), "/sensors");
  ASSERT_TRUE(mqtt_publish(broker.info(), p + "/t", "before-outage"));
  std::optional<SseEvent> before = sub.next(seconds(5));
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->data, "before-outage");

  broker.stop();
  ASSERT_TRUE(wait_ready(gw.port(), 503, seconds(10))) << "readyz shows the source down";
  HttpResponse ready = http_request(gw.port(), "GET", "/readyz");
  EXPECT_NE(ready.body.find("sensors"), std::string::npos) << ready.body;
  EXPECT_TRUE(gw.process().wait_for_output("mqtt connection lost", seconds(5)));
  EXPECT_TRUE(gw.process().wait_for_output("mqtt connect failed, retrying", seconds(10)));
  EXPECT_EQ(http_request(gw.port(), "GET", "/healthz").status, 200) << "the gateway keeps serving";

  broker.start();
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
  EXPECT_TRUE(gw.process().wait_for_output("mqtt reconnected", seconds(5)));
  const std::string out = gw.output();
  EXPECT_NE(out.find("mqtt subscribed", out.find("mqtt reconnected")), std::string::npos)
      << "resubscribed after the reconnect:\n"
      << out;
  EXPECT_TRUE(wait_metric(
      gw.port(), "ssegw_bridge_reconnects_total{kind=\"source\",name=\"sensors\"}", 1, seconds(5)));

  ASSERT_TRUE(mqtt_publish(broker.info(), p + "/t", "after-restart"));
  std::optional<SseEvent> after = sub.next(seconds(10));
  ASSERT_TRUE(after.has_value()) << gw.output();
  EXPECT_EQ(after->data, "after-restart");
}

}  // namespace
}  // namespace ssegw::testing
