#pragma once
// Config pieces the Kafka source, sink and backbone share.
#include <string>

#include "bridges/kafka/kafka_client.h"
#include "gateway/config_node.h"

namespace ssegw::kafka {

// `brokers: host:port` or a list of them, joined for bootstrap.servers.
std::string parse_brokers(const ConfigNode& node);

// `properties: {key: value}` checked against librdkafka now, so a misspelt property is a
// config error naming its line rather than a failure at start.
Properties parse_properties(const ConfigNode& node);

}  // namespace ssegw::kafka
