#pragma once
// One event as it travels through the gateway, before and after framing.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ssegw {

struct Event {
  std::string id;         // empty on publish: the channel assigns one
  std::string type;       // empty means "message", as the WHATWG rules say
  std::string data;       // may hold any bytes; the framer splits it into data: lines
  std::string origin_id;  // the id the upstream gave it (travels to sinks), may be empty
  std::string source;     // name of the source bridge that produced it; empty for HTTP
  // Extra key/values a source wants sinks to see (Kafka headers, the MQTT topic).
  std::vector<std::pair<std::string, std::string>> attributes;
};

}  // namespace ssegw
