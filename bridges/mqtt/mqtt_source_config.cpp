#include "bridges/mqtt/mqtt_source_config.h"

#include <stdexcept>

namespace ssegw::mqtt {
namespace {

void parse_event_type(const ConfigNode& node, MqttSourceConfig& c) {
  if (node.is_scalar()) {
    if (node.str() != "topic") node.fail("must be 'topic' or {fixed: NAME}");
    return;
  }
  if (!node.is_map()) node.fail("must be 'topic' or {fixed: NAME}");
  node.only_keys({"fixed"});
  const ConfigNode fixed = node["fixed"];
  c.fixed_type = fixed.str();
  if (c.fixed_type.empty()) fixed.fail("must not be empty");
  if (c.fixed_type.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
    fixed.fail("an event type may not contain CR, LF or NUL");
  }
}

void parse_format(const ConfigNode& node, MqttSourceConfig& c) {
  const std::string format = node.str_or("format", "raw");
  if (format != "json" && format != "raw") node["format"].fail("must be json or raw");
  c.json = format == "json";
  if (auto bad = node.get("bad_data")) {
    if (!c.json) bad->fail("bad_data applies to format: json only");
    const std::string value = bad->str();
    if (value != "drop" && value != "fail") bad->fail("must be drop or fail");
    c.fail_on_bad_data = value == "fail";
  }
}

void parse_destination(const ConfigNode& node, MqttSourceConfig& c) {
  const ConfigNode to = node["to"];
  c.to = to.str();
  try {
    c.to_template = PathTemplate::parse(c.to);
  } catch (const std::invalid_argument& e) {
    to.fail(e.what());
  }
  if (!c.to_template) {
    if (c.to.empty() || c.to[0] != '/') to.fail("must be a channel path starting with '/'");
    if (c.to.find_first_of("{}") != std::string::npos) {
      to.fail("the only placeholder a path may hold is {topic}");
    }
    for (const char* key : {"max_channels", "channel_defaults"}) {
      if (node.has(key)) node[key].fail("applies only when `to` is a template with {topic}");
    }
    return;
  }
  c.max_channels = static_cast<size_t>(node.int_or("max_channels", 1000, 1, 1000000));
  c.channel_defaults.publish = false;  // the broker is the only writer of these channels
  if (auto defaults = node.get("channel_defaults")) {
    defaults->expect_map();
    defaults->only_keys({"history", "max_age", "retry"});
    c.channel_defaults.history =
        static_cast<size_t>(defaults->int_or("history", 1000, 0, 10000000));
    c.channel_defaults.history_max_age_ms = defaults->duration_or("max_age", 0);
    c.channel_defaults.retry_ms = defaults->int_or("retry", 3000, 0, 86400000);
  }
}

}  // namespace

MqttSourceConfig parse_mqtt_source(const ConfigNode& node) {
  node.only_keys({"name",
                  "type",
                  "broker",
                  "client_id",
                  "clean_session",
                  "username",
                  "password",
                  "tls",
                  "keepalive",
                  "connect_timeout",
                  "backoff_initial",
                  "backoff_max",
                  "topics",
                  "qos",
                  "event_type",
                  "format",
                  "bad_data",
                  "to",
                  "max_channels",
                  "channel_defaults"});
  MqttSourceConfig c;
  c.name = node["name"].str();
  c.connection = parse_connection(node, "ssegw-" + c.name);
  const ConfigNode topics = node["topics"];
  c.topics = topics.string_list();
  if (c.topics.empty()) topics.fail("needs at least one topic filter");
  const std::vector<ConfigNode> items = topics.is_sequence() ? topics.items() : std::vector{topics};
  for (size_t i = 0; i < c.topics.size(); ++i) {
    const std::string problem = check_topic_filter(c.topics[i]);
    if (!problem.empty()) items[i].fail(problem + " in '" + c.topics[i] + "'");
  }
  c.qos = static_cast<int>(node.int_or("qos", 1, 0, 2));
  if (auto type = node.get("event_type")) parse_event_type(*type, c);
  parse_format(node, c);
  parse_destination(node, c);
  return c;
}

}  // namespace ssegw::mqtt
