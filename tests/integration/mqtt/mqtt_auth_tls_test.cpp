// The password and TLS listeners of the real broker, and what a wrong password does.
#include <gtest/gtest.h>

#include "tests/integration/mqtt/mqtt_test_support.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

std::string config_for(const std::string& broker_lines, const std::string& topic) {
  return "channels:\n"
         "  - {path: /sensors, history: 100}\n"
         "sources:\n"
         "  - name: sensors\n"
         "    type: mqtt\n" +
         broker_lines +
         "    backoff_initial: 100ms\n"
         "    backoff_max: 500ms\n"
         "    topics: [\"" +
         topic +
         "\"]\n"
         "    to: /sensors\n";
}

void expect_relayed(const MqttBroker& broker, GatewayProcess& gw, const std::string& topic) {
  ASSERT_TRUE(wait_ready(gw.port(), 200, seconds(15))) << gw.output();
  SseClient sub(gw.port(), "/sensors");
  ASSERT_TRUE(mqtt_publish(broker, topic, "through"));
  std::optional<SseEvent> e = sub.next(seconds(5));
  ASSERT_TRUE(e.has_value()) << gw.output();
  EXPECT_EQ(e->data, "through");
}

TEST(MqttAuth, UsernameAndPasswordFromTheEnvironment) {
  const MqttBroker broker = shared_broker();
  const std::string topic = unique_token("auth") + "/t";
  GatewayProcess gw(config_for("    broker: " + broker.auth_url() +
                                   "\n"
                                   "    username: \"{{ MQTT_USER }}\"\n"
                                   "    password: \"{{ MQTT_PASSWORD }}\"\n",
                               topic),
                    {}, {{"MQTT_USER", broker.user}, {"MQTT_PASSWORD", broker.password}});
  expect_relayed(broker, gw, topic);
}

TEST(MqttAuth, WrongPasswordIsLoggedAndRetriedNotACrash) {
  const MqttBroker broker = shared_broker();
  GatewayProcess gw(config_for("    broker: " + broker.auth_url() +
                                   "\n"
                                   "    username: " +
                                   broker.user +
                                   "\n"
                                   "    password: wrong-" +
                                   broker.password + "\n",
                               unique_token("auth") + "/t"));
  EXPECT_TRUE(gw.process().wait_for_output("not authorized", seconds(10))) << gw.output();
  // Retried with backoff: attempts keep coming.
  EXPECT_TRUE(wait_metric(
      gw.port(), "ssegw_bridge_reconnects_total{kind=\"source\",name=\"sensors\"}", 3, seconds(15)))
      << gw.output();
  EXPECT_TRUE(gw.process().running());
  EXPECT_EQ(http_request(gw.port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(gw.port(), "GET", "/readyz").status, 503);
  EXPECT_EQ(gw.output().find(broker.password), std::string::npos) << "the password is never logged";
}

TEST(MqttTls, TestCaAcceptedOverSsl) {
  const MqttBroker broker = shared_broker();
  const std::string topic = unique_token("tls") + "/t";
  GatewayProcess gw(config_for("    broker: " + broker.tls_url() +
                                   "\n"
                                   "    tls: {ca_file: " +
                                   broker.ca_file + "}\n",
                               topic));
  expect_relayed(broker, gw, topic);
}

TEST(MqttTls, ServerNotSignedByTheTrustedCaIsRefused) {
  const MqttBroker broker = shared_broker();
  // The system bundle does not hold the test CA.
  GatewayProcess gw(config_for("    broker: " + broker.tls_url() +
                                   "\n"
                                   "    tls: {ca_file: /etc/ssl/certs/ca-certificates.crt}\n",
                               unique_token("tls") + "/t"));
  EXPECT_TRUE(gw.process().wait_for_output("mqtt connect failed, retrying", seconds(10)))
      << gw.output();
  EXPECT_TRUE(gw.process().running());
  EXPECT_EQ(http_request(gw.port(), "GET", "/readyz").status, 503);
}

}  // namespace
}  // namespace ssegw::testing
