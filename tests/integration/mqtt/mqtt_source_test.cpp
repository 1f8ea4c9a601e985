// MQTT topics into SSE channels, against the real Mosquitto the fixture started, with
// mosquitto_pub as the independent publisher and the gateway's HTTP side as the reader.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "tests/integration/mqtt/mqtt_test_support.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

std::string source_config(const MqttBroker& broker, const std::string& topics_yaml,
                          const std::string& to, const std::string& extra, int qos = 1) {
  return "server: {workers: 2}\n"
         "channels:\n"
         "  - {path: /sensors, history: 1000}\n"
         "sources:\n"
         "  - name: sensors\n"
         "    type: mqtt\n"
         "    broker: " +
         broker.plain_url() +
         "\n"
         "    topics: " +
         topics_yaml +
         "\n"
         "    qos: " +
         std::to_string(qos) +
         "\n"
         "    to: " +
         to + "\n" + extra;
}

TEST(MqttSource, BadMqttConfigIsRefusedWithFileLineAndKey) {
  TempFile config(
      "channels:\n"
      "  - {path: /sensors}\n"
      "sources:\n"
      "  - name: sensors\n"
      "    type: mqtt\n"
      "    broker: tcp://127.0.0.1:1883\n"
      "    topics: [\"sensors/#/temperature\"]\n"
      "    to: /sensors\n");
  ChildProcess check({gateway_binary(), "--config", config.path(), "--check-config"});
  std::optional<int> status = check.wait_exit(seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << check.output();
  EXPECT_NE(check.output().find(config.path() + ":7:"), std::string::npos) << check.output();
  EXPECT_NE(check.output().find("'#' must be the whole last level"), std::string::npos)
      << check.output();
}

TEST(MqttSource, TopicsBecomeEventTypesWildcardsMatchAndRetainedComesFirst) {
  const MqttBroker broker = shared_broker();
  const std::string p = unique_token("src");
  // Retained before the gateway exists: the broker hands it over on subscribe.
  ASSERT_TRUE(mqtt_publish(broker, p + "/sensors/r/temperature", "retained-19.0", 1, {"-r"}));
  GatewayProcess gw(source_config(broker,
                                  "[\"" + p + "/sensors/+/temperature\", \"" + p + "/alerts/#\"]",
                                  "/sensors", "    event_type: topic\n"));
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();

  ASSERT_TRUE(mqtt_publish(broker, p + "/sensors/a/temperature", "21.5"));
  ASSERT_TRUE(mqtt_publish(broker, p + "/sensors/a/humidity", "not-subscribed"));
  ASSERT_TRUE(mqtt_publish(broker, p + "/sensors/b/temperature", "22.5"));
  ASSERT_TRUE(mqtt_publish(broker, p + "/alerts/fire/floor1", "smoke"));
  ASSERT_TRUE(mqtt_publish(broker, p + "/alerts", "parent-level"));  // '#' matches the parent too

  // An id the channel does not hold replays everything retained: the whole story so far.
  SseClient sub(gw.port(), "/sensors?lastEventId=earliest");
  ASSERT_EQ(sub.status(), 200);
  std::vector<SseEvent> events = sub.take(5, seconds(10));
  ASSERT_EQ(events.size(), 5u) << gw.output();
  EXPECT_EQ(events[0].type, p + "/sensors/r/temperature");
  EXPECT_EQ(events[0].data, "retained-19.0");
  EXPECT_EQ(events[1].type, p + "/sensors/a/temperature");
  EXPECT_EQ(events[1].data, "21.5");
  EXPECT_EQ(events[2].type, p + "/sensors/b/temperature");
  EXPECT_EQ(events[2].data, "22.5");
  EXPECT_EQ(events[3].type, p + "/alerts/fire/floor1");
  EXPECT_EQ(events[3].data, "smoke");
  EXPECT_EQ(events[4].type, p + "/alerts");
  EXPECT_FALSE(sub.next(std::chrono::milliseconds(300)).has_value())
      << "humidity is not subscribed";

  // Live delivery to the connected subscriber.
  ASSERT_TRUE(mqtt_publish(broker, p + "/sensors/c/temperature", "23.5", 0));
  std::optional<SseEvent> live = sub.next(seconds(5));
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->type, p + "/sensors/c/temperature");
  EXPECT_EQ(live->data, "23.5");

  // A zero-length retained message clears the retained one.
  EXPECT_TRUE(mqtt_publish(broker, p + "/sensors/r/temperature", "", 1, {"-r"}));
}

TEST(MqttSource, FixedEventTypeAndEveryQos) {
  const MqttBroker broker = shared_broker();
  const std::string p = unique_token("qos");
  GatewayProcess gw(source_config(broker, "[\"" + p + "/#\"]", "/sensors",
                                  "    event_type: {fixed: reading}\n", 2));
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
  SseClient sub(gw.port(), "/sensors");
  ASSERT_EQ(sub.status(), 200);
  for (int qos = 0; qos <= 2; ++qos) {
    ASSERT_TRUE(
        mqtt_publish(broker, p + "/q" + std::to_string(qos), "at-qos-" + std::to_string(qos), qos));
  }
  std::vector<SseEvent> events = sub.take(3, seconds(10));
  ASSERT_EQ(events.size(), 3u) << gw.output();
  for (int qos = 0; qos <= 2; ++qos) {
    EXPECT_EQ(events[qos].type, "reading");
    EXPECT_EQ(events[qos].data, "at-qos-" + std::to_string(qos));
  }
}

TEST(MqttSource, JsonFormatDropsAndCountsBadPayloads) {
  const MqttBroker broker = shared_broker();
  const std::string p = unique_token("json");
  GatewayProcess gw(source_config(broker, "[\"" + p + "/#\"]", "/sensors",
                                  "    format: json\n    bad_data: drop\n"));
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
  SseClient sub(gw.port(), "/sensors");
  ASSERT_TRUE(mqtt_publish(broker, p + "/x", "{\"t\": 1}"));
  ASSERT_TRUE(mqtt_publish(broker, p + "/x", "{broken"));
  ASSERT_TRUE(mqtt_publish(broker, p + "/x", "[2]"));
  std::vector<SseEvent> events = sub.take(2, seconds(10));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "{\"t\": 1}");
  EXPECT_EQ(events[1].data, "[2]");
  EXPECT_TRUE(wait_metric(gw.port(),
                          "ssegw_bridge_dropped_bad_data_total{kind=\"source\",name=\"sensors\"}",
                          1, seconds(5)));
  EXPECT_NE(gw.output().find("not JSON"), std::string::npos) << gw.output();
}

TEST(MqttSource, JsonFormatWithBadDataFailStopsTheSourceVisibly) {
  const MqttBroker broker = shared_broker();
  const std::string p = unique_token("jsonfail");
  GatewayProcess gw(source_config(broker, "[\"" + p + "/#\"]", "/sensors",
                                  "    format: json\n    bad_data: fail\n"));
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
  SseClient sub(gw.port(), "/sensors");
  ASSERT_TRUE(mqtt_publish(broker, p + "/x", "{\"ok\": true}"));
  ASSERT_TRUE(sub.next(seconds(5)).has_value());
  ASSERT_TRUE(mqtt_publish(broker, p + "/x", "oops"));
  ASSERT_TRUE(wait_ready(gw.port(), 503, seconds(10))) << gw.output();
  EXPECT_TRUE(wait_metric(gw.port(),
                          "ssegw_bridge_state{kind=\"source\",name=\"sensors\",type=\"mqtt\","
                          "state=\"failed\"}",
                          1, seconds(5)));
  EXPECT_NE(gw.output().find("mqtt source failed: payload is not JSON"), std::string::npos);
  ASSERT_TRUE(mqtt_publish(broker, p + "/x", "{\"after\": 1}"));
  EXPECT_FALSE(sub.next(std::chrono::milliseconds(500)).has_value()) << "a failed source stops";
  EXPECT_TRUE(gw.process().running());
  EXPECT_EQ(http_request(gw.port(), "GET", "/healthz").status, 200);
}

TEST(MqttSource, TopicTemplateMakesChannelsAndRefusesUnsafeTopics) {
  const MqttBroker broker = shared_broker();
  const std::string p = unique_token("tpl");
  GatewayProcess gw(source_config(broker, "[\"" + p + "/#\"]", "/mqtt/{topic}",
                                  "    max_channels: 3\n"
                                  "    channel_defaults: {history: 100, retry: 1500}\n"));
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
  EXPECT_EQ(http_request(gw.port(), "GET", "/mqtt/" + p + "/dev/a").status, 404)
      << "no channel before the first message";

  ASSERT_TRUE(mqtt_publish(broker, p + "/dev/a", "a1"));
  ASSERT_TRUE(mqtt_publish(broker, p + "/dev/b c", "spaced"));
  ASSERT_TRUE(mqtt_publish(broker, p + "/dev/../../admin", "escape"));
  ASSERT_TRUE(mqtt_publish(broker, p + "/dev//x", "empty-level"));
  ASSERT_TRUE(wait_metric(
      gw.port(), "ssegw_bridge_topics_refused{kind=\"source\",name=\"sensors\"}", 2, seconds(10)))
      << gw.output();

  SseClient a(gw.port(), "/mqtt/" + p + "/dev/a?lastEventId=earliest");
  ASSERT_EQ(a.status(), 200);
  std::optional<SseEvent> first = a.next(seconds(5));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(a.retry_ms(), 1500) << "the template's channel defaults apply";
  EXPECT_EQ(first->data, "a1");
  EXPECT_EQ(first->type, p + "/dev/a");

  // The space is percent-encoded in the path; the topic is still the event type.
  SseClient b(gw.port(), "/mqtt/" + p + "/dev/b%20c?lastEventId=earliest");
  ASSERT_EQ(b.status(), 200);
  std::optional<SseEvent> spaced = b.next(seconds(5));
  ASSERT_TRUE(spaced.has_value());
  EXPECT_EQ(spaced->data, "spaced");

  // The unsafe topics made no channel anywhere.
  EXPECT_EQ(http_request(gw.port(), "GET", "/mqtt/" + p + "/admin").status, 404);
  EXPECT_EQ(http_request(gw.port(), "GET", "/mqtt/" + p + "/dev/../../admin").status, 404);
  EXPECT_EQ(http_request(gw.port(), "GET", "/mqtt/" + p + "/dev//x").status, 404);
  EXPECT_EQ(http_request(gw.port(), "GET", "/mqtt/" + p + "/dev/x").status, 404);
  EXPECT_NE(gw.output().find("mqtt topic refused"), std::string::npos) << gw.output();

  // Live events and Last-Event-ID resume work on a templated channel like on any other.
  ASSERT_TRUE(mqtt_publish(broker, p + "/dev/a", "a2"));
  std::optional<SseEvent> second = a.next(seconds(5));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->data, "a2");
  a.close();
  ASSERT_TRUE(mqtt_publish(broker, p + "/dev/a", "a3"));
  ASSERT_TRUE(mqtt_publish(broker, p + "/dev/a", "a4"));
  SseClient resumed(gw.port(), "/mqtt/" + p + "/dev/a", {{"Last-Event-ID", second->id}});
  std::vector<SseEvent> rest = resumed.take(2, seconds(10));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].data, "a3");
  EXPECT_EQ(rest[1].data, "a4");

  // The limit: two channels exist, a third is allowed, a fourth is refused and logged.
  ASSERT_TRUE(mqtt_publish(broker, p + "/dev/third", "3"));
  ASSERT_TRUE(mqtt_publish(broker, p + "/dev/fourth", "4"));
  ASSERT_TRUE(wait_metric(gw.port(),
                          "ssegw_bridge_channel_limit_hits{kind=\"source\",name=\"sensors\"}", 1,
                          seconds(10)))
      << gw.output();
  EXPECT_EQ(http_request(gw.port(), "GET", "/mqtt/" + p + "/dev/fourth").status, 404);
  SseClient third(gw.port(), "/mqtt/" + p + "/dev/third?lastEventId=earliest");
  EXPECT_EQ(third.status(), 200);
  EXPECT_NE(gw.output().find("mqtt channel limit reached"), std::string::npos) << gw.output();
}

}  // namespace
}  // namespace ssegw::testing
