#include "bridges/kafka/kafka_config.h"

#include <stdexcept>

namespace ssegw::kafka {

std::string parse_brokers(const ConfigNode& node) {
  std::string joined;
  for (const std::string& broker : node.string_list()) {
    if (broker.empty() || broker.find_first_of(" \t,") != std::string::npos) {
      node.fail("expected host:port, or a list of them");
    }
    joined += (joined.empty() ? "" : ",") + broker;
  }
  if (joined.empty()) node.fail("at least one broker is needed");
  return joined;
}

Properties parse_properties(const ConfigNode& node) {
  Properties properties = node.string_map();
  for (const auto& [key, value] : properties) {
    if (key == "bootstrap.servers") node[key].fail("set the brokers with 'brokers'");
    try {
      make_conf("127.0.0.1:9092", {}, {{key, value}});
    } catch (const std::invalid_argument& e) {
      node[key].fail(std::string("librdkafka refused it: ") + e.what());
    }
  }
  return properties;
}

}  // namespace ssegw::kafka
