#pragma once
// The typed config of one `type: mqtt` source, read strictly from its YAML map.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "bridges/mqtt/mqtt_connection_config.h"
#include "bridges/mqtt/mqtt_topic_mapping.h"
#include "gateway/channel.h"
#include "gateway/config_node.h"

namespace ssegw::mqtt {

struct MqttSourceConfig {
  std::string name;
  MqttConnectionConfig connection;
  std::vector<std::string> topics;  // subscription filters, wildcards allowed
  int qos = 1;
  std::string fixed_type;  // empty: the topic is the event type
  bool json = false;       // format: json checks each payload parses
  bool fail_on_bad_data = false;
  std::string to;                           // a channel path, or the template text
  std::optional<PathTemplate> to_template;  // set when `to` holds {topic}
  size_t max_channels = 1000;               // on-demand channels, when `to` is a template
  ChannelOptions channel_defaults;          // history, max_age and retry of those channels
};

// Keys: name, type, the connection keys (see parse_connection), topics, qos, event_type
// (topic | {fixed: NAME}), format (json | raw), bad_data (drop | fail), to, max_channels,
// channel_defaults {history, max_age, retry}.
MqttSourceConfig parse_mqtt_source(const ConfigNode& node);

}  // namespace ssegw::mqtt
