#include "bridges/mqtt/mqtt_sink_config.h"

#include <stdexcept>

namespace ssegw::mqtt {

MqttSinkConfig parse_mqtt_sink(const ConfigNode& node) {
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
                  "from",
                  "topic",
                  "qos",
                  "retain",
                  "max_queue",
                  "max_inflight",
                  "ack_timeout",
                  "drain_timeout",
                  "spool_bytes"});
  MqttSinkConfig c;
  c.name = node["name"].str();
  c.connection = parse_connection(node, "ssegw-" + c.name);
  const ConfigNode from = node["from"];
  c.from = from.str();
  if (c.from.empty() || c.from[0] != '/') from.fail("must be a channel path starting with '/'");
  if (c.from.find_first_of("{}") != std::string::npos) {
    from.fail("must be one configured channel, not a template");
  }
  const ConfigNode topic = node["topic"];
  try {
    c.topic = TopicTemplate::parse(topic.str());
  } catch (const std::invalid_argument& e) {
    topic.fail(e.what());
  }
  c.qos = static_cast<int>(node.int_or("qos", 1, 0, 2));
  c.retain = node.bool_or("retain", false);
  c.max_queue = static_cast<size_t>(node.int_or("max_queue", 10000, 1, 10000000));
  // The MQTT library queues at most 100 commands per client; the window stays inside that.
  c.max_inflight = static_cast<size_t>(node.int_or("max_inflight", 32, 1, 64));
  c.ack_timeout_ms = node.duration_or("ack_timeout", 30000);
  if (c.ack_timeout_ms < 100) node["ack_timeout"].fail("must be at least 100ms");
  c.drain_timeout_ms = node.duration_or("drain_timeout", 2000);
  if (c.drain_timeout_ms < 0) node["drain_timeout"].fail("must not be negative");
  c.spool_bytes = parse_spool_bytes(node, c.name);
  return c;
}

}  // namespace ssegw::mqtt
