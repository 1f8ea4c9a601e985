#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>

#include "bridges/mqtt/mqtt_sink_config.h"
#include "bridges/mqtt/mqtt_source_config.h"
#include "gateway/config_error.h"

namespace ssegw::mqtt {
namespace {

class MqttConfigTest : public ::testing::Test {
 protected:
  MqttSourceConfig source(const std::string& yaml) {
    root_ = YAML::Load(yaml);
    return parse_mqtt_source(ConfigNode(root_, "gw.yaml", "sources[0]", &env_));
  }
  MqttSinkConfig sink(const std::string& yaml) {
    root_ = YAML::Load(yaml);
    return parse_mqtt_sink(ConfigNode(root_, "gw.yaml", "sinks[0]", &env_));
  }
  // The ConfigError message for a source config, or "" if it loaded.
  std::string source_error(const std::string& yaml) {
    try {
      source(yaml);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
  std::string sink_error(const std::string& yaml) {
    try {
      sink(yaml);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  std::map<std::string, std::string> vars_{{"MQTT_USER", "u1"}, {"MQTT_PASSWORD", "p:w"}};
  EnvLookup env_ = [this](const std::string& name) -> std::optional<std::string> {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
  };
  YAML::Node root_;
};

constexpr const char* kFullSource = R"(name: sensors
type: mqtt
broker: tcp://127.0.0.1:1883
client_id: gw-1
clean_session: false
username: "{{ MQTT_USER }}"
password: "{{ MQTT_PASSWORD }}"
topics: ["sensors/+/temperature", "alerts/#"]
qos: 2
event_type: topic
format: json
bad_data: fail
to: /sensors
)";

TEST_F(MqttConfigTest, TheIssueExampleLoads) {
  MqttSourceConfig c = source(kFullSource);
  EXPECT_EQ(c.name, "sensors");
  EXPECT_EQ(c.connection.broker, "tcp://127.0.0.1:1883");
  EXPECT_EQ(c.connection.client_id, "gw-1");
  EXPECT_FALSE(c.connection.clean_session);
  EXPECT_EQ(c.connection.username, "u1");
  EXPECT_EQ(c.connection.password, "p:w");
  EXPECT_EQ(c.topics, (std::vector<std::string>{"sensors/+/temperature", "alerts/#"}));
  EXPECT_EQ(c.qos, 2);
  EXPECT_TRUE(c.fixed_type.empty());
  EXPECT_TRUE(c.json);
  EXPECT_TRUE(c.fail_on_bad_data);
  EXPECT_EQ(c.to, "/sensors");
  EXPECT_FALSE(c.to_template.has_value());
}

TEST_F(MqttConfigTest, DefaultsAndFixedType) {
  MqttSourceConfig c = source(
      "name: s\ntype: mqtt\nbroker: tcp://localhost\ntopics: a/b\nevent_type: {fixed: "
      "reading}\nto: /x\n");
  EXPECT_EQ(c.qos, 1);
  EXPECT_EQ(c.fixed_type, "reading");
  EXPECT_FALSE(c.json);
  EXPECT_TRUE(c.connection.clean_session);
  EXPECT_EQ(c.connection.client_id.rfind("ssegw-s-", 0), 0u) << c.connection.client_id;
  EXPECT_EQ(c.topics, std::vector<std::string>{"a/b"});
}

TEST_F(MqttConfigTest, TemplateDestinationWithChannelDefaults) {
  MqttSourceConfig c = source(
      "name: s\ntype: mqtt\nbroker: tcp://h:1\ntopics: ['#']\nto: /mqtt/{topic}\n"
      "max_channels: 5\nchannel_defaults: {history: 50, retry: 1000, max_age: 1m}\n");
  ASSERT_TRUE(c.to_template.has_value());
  EXPECT_EQ(c.to_template->prefix(), "/mqtt/");
  EXPECT_EQ(c.max_channels, 5u);
  EXPECT_EQ(c.channel_defaults.history, 50u);
  EXPECT_EQ(c.channel_defaults.retry_ms, 1000);
  EXPECT_EQ(c.channel_defaults.history_max_age_ms, 60000);
  EXPECT_FALSE(c.channel_defaults.publish);
}

TEST_F(MqttConfigTest, ErrorsNameFileLineAndKey) {
  const std::string base = "name: s\ntype: mqtt\nbroker: tcp://h:1\ntopics: [a]\nto: /x\n";
  EXPECT_EQ(source_error(base + "qos: 3\n").rfind("gw.yaml:6:6: key 'sources[0].qos'", 0), 0u)
      << source_error(base + "qos: 3\n");
  std::string e = source_error(base + "colour: red\n");
  EXPECT_NE(e.find("gw.yaml:6:1: key 'sources[0].colour'"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key"), std::string::npos) << e;
}

TEST_F(MqttConfigTest, BadValuesAreErrors) {
  const std::string head = "name: s\ntype: mqtt\n";
  const std::string rest = "topics: [a]\nto: /x\n";
  struct Case {
    std::string yaml;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {head + "broker: http://h:1\n" + rest, "broker must be tcp://HOST:PORT or ssl://HOST:PORT"},
      {head + "broker: tcp://h:99999\n" + rest, "broker port must be 1..65535"},
      {head + "broker: tcp://:1883\n" + rest, "broker has no host"},
      {head + "broker: tcp://h:1/path\n" + rest, "nothing after the port"},
      {head + "topics: [a]\nto: /x\n", "missing required key 'broker'"},
      {head + "broker: tcp://h\nclean_session: false\n" + rest, "client_id is required"},
      {head + "broker: tcp://h\npassword: x\n" + rest, "password needs a username"},
      {head + "broker: tcp://h\ntls: {ca_file: /nonexistent/ca.pem}\n" + rest,
       "tls needs an ssl://"},
      {head + "broker: ssl://h\ntls: {ca_file: /nonexistent/ca.pem}\n" + rest, "cannot read file"},
      {head + "broker: ssl://h\ntls: {ca: x}\n" + rest, "unknown key"},
      {head + "broker: tcp://h\ntopics: []\nto: /x\n", "at least one topic filter"},
      {head + "broker: tcp://h\ntopics: [a/#/b]\nto: /x\n", "'#' must be the whole last level"},
      {head + "broker: tcp://h\ntopics: [a]\nto: x\n", "starting with '/'"},
      {head + "broker: tcp://h\ntopics: [a]\nto: /a/{topic}/{topic}\n", "one {topic}"},
      {head + "broker: tcp://h\ntopics: [a]\nto: /a/{device}\n", "placeholder"},
      {head + "broker: tcp://h\n" + rest + "max_channels: 5\n",
       "applies only when `to` is a template"},
      {head + "broker: tcp://h\n" + rest + "format: xml\n", "must be json or raw"},
      {head + "broker: tcp://h\n" + rest + "bad_data: drop\n", "format: json only"},
      {head + "broker: tcp://h\n" + rest + "format: json\nbad_data: ignore\n", "drop or fail"},
      {head + "broker: tcp://h\n" + rest + "event_type: payload\n", "'topic' or {fixed: NAME}"},
      {head + "broker: tcp://h\n" + rest + "event_type: {fixed: \"a\\nb\"}\n", "CR, LF or NUL"},
      {head + "broker: tcp://h\n" + rest + "username: \"{{ NOPE }}\"\n", "NOPE"},
      {head + "broker: tcp://h\n" + rest + "keepalive: 0s\n", "between 1s and 65535s"},
      {head + "broker: tcp://h\n" + rest + "backoff_initial: 5s\nbackoff_max: 1s\n",
       "must not be below backoff_initial"},
  };
  for (const Case& c : cases) {
    const std::string error = source_error(c.yaml);
    EXPECT_NE(error.find(c.expect), std::string::npos)
        << "config:\n"
        << c.yaml << "error: " << (error.empty() ? "(none)" : error);
    EXPECT_EQ(error.rfind("gw.yaml:", 0), 0u) << error;
  }
}

TEST_F(MqttConfigTest, SinkLoads) {
  MqttSinkConfig c = sink(
      "name: alerts-out\ntype: mqtt\nfrom: /alerts\nbroker: tcp://127.0.0.1:1883\n"
      "topic: \"gateway/{event}\"\nqos: 1\nretain: true\nmax_queue: 7\n");
  EXPECT_EQ(c.from, "/alerts");
  EXPECT_EQ(c.topic.render("x"), "gateway/x");
  EXPECT_EQ(c.qos, 1);
  EXPECT_TRUE(c.retain);
  EXPECT_EQ(c.max_queue, 7u);
  EXPECT_EQ(c.spool_bytes, 256 << 20);
}

TEST_F(MqttConfigTest, SinkSpoolBytes) {
  const std::string head = "name: out-1\ntype: mqtt\nbroker: tcp://h\nfrom: /a\ntopic: t\n";
  EXPECT_EQ(sink(head + "spool_bytes: 0\n").spool_bytes, 0);
  EXPECT_EQ(sink(head + "spool_bytes: 64MiB\n").spool_bytes, 64 << 20);
  EXPECT_EQ(sink(head + "spool_bytes: 4KiB\n").spool_bytes, 4096);
  std::string err = sink_error(head + "spool_bytes: 100\n");
  EXPECT_NE(err.find("gw.yaml:6:"), std::string::npos) << err;
  EXPECT_NE(err.find("key 'sinks[0].spool_bytes': must be 0 (no spool) or at least 4KiB"),
            std::string::npos)
      << err;
  err = sink_error(head + "spool_bytes: lots\n");
  EXPECT_NE(err.find("key 'sinks[0].spool_bytes'"), std::string::npos) << err;
  err = sink_error(head + "spool_bytes: -5MiB\n");
  EXPECT_NE(err.find("key 'sinks[0].spool_bytes'"), std::string::npos) << err;
  // The name becomes a folder: only with a spool does it have to be a safe one.
  const std::string slash = "name: a/b\ntype: mqtt\nbroker: tcp://h\nfrom: /a\ntopic: t\n";
  err = sink_error(slash);
  EXPECT_NE(err.find("gw.yaml:1:"), std::string::npos) << err;
  EXPECT_NE(err.find("key 'sinks[0].name'"), std::string::npos) << err;
  EXPECT_EQ(sink(slash + "spool_bytes: 0\n").spool_bytes, 0);
}

TEST_F(MqttConfigTest, SinkErrors) {
  const std::string head = "name: o\ntype: mqtt\nbroker: tcp://h\n";
  struct Case {
    std::string yaml;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {head + "from: /a\ntopic: a/+\n", "wildcards"},
      {head + "from: /a\ntopic: a/{path}\n", "{event}"},
      {head + "from: /a\ntopic: \"\"\n", "empty"},
      {head + "from: a\ntopic: t\n", "starting with '/'"},
      {head + "from: /a/{topic}\ntopic: t\n", "not a template"},
      {head + "topic: t\n", "missing required key 'from'"},
      {head + "from: /a\ntopic: t\nqos: -1\n", "key 'sinks[0].qos'"},
      {head + "from: /a\ntopic: t\nmax_queue: 0\n", "key 'sinks[0].max_queue'"},
      {head + "from: /a\ntopic: t\nmax_inflight: 65\n", "key 'sinks[0].max_inflight'"},
      {head + "from: /a\ntopic: t\nack_timeout: 10ms\n", "at least 100ms"},
      {head + "from: /a\ntopic: t\nretain: maybe\n", "key 'sinks[0].retain'"},
      {head + "from: /a\ntopic: t\ntopics: [x]\n", "unknown key"},
  };
  for (const Case& c : cases) {
    const std::string error = sink_error(c.yaml);
    EXPECT_NE(error.find(c.expect), std::string::npos)
        << "config:\n"
        << c.yaml << "error: " << (error.empty() ? "(none)" : error);
  }
}

}  // namespace
}  // namespace ssegw::mqtt
