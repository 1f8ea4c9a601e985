#pragma once
// The typed config of one `type: mqtt` sink, read strictly from its YAML map.
#include <cstddef>
#include <cstdint>
#include <string>

#include "bridges/common/sink_spool_config.h"
#include "bridges/mqtt/mqtt_connection_config.h"
#include "bridges/mqtt/mqtt_topic_mapping.h"
#include "gateway/config_node.h"

namespace ssegw::mqtt {

struct MqttSinkConfig {
  std::string name;
  MqttConnectionConfig connection;
  std::string from;     // the channel whose events go out
  TopicTemplate topic;  // may hold {event}
  int qos = 1;
  bool retain = false;
  size_t max_queue = 10000;         // past this many unacknowledged events the channel is held
  size_t max_inflight = 32;         // publishes awaiting their acknowledgement at once
  int64_t ack_timeout_ms = 30000;   // an unacknowledged publish this old drops the connection
  int64_t drain_timeout_ms = 2000;  // at stop, how long queued events may still go out
  // Disk for events while the broker is away or the queue is full (0: none, hold instead).
  int64_t spool_bytes = kDefaultSpoolBytes;
};

// Keys: name, type, the connection keys (see parse_connection), from, topic, qos, retain,
// max_queue, max_inflight, ack_timeout, drain_timeout, spool_bytes.
MqttSinkConfig parse_mqtt_sink(const ConfigNode& node);

}  // namespace ssegw::mqtt
