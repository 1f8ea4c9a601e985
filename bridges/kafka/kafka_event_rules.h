#pragma once
// How a Kafka message becomes an Event: where its type comes from, whether its value must
// be JSON, and what happens to one that is not.
#include <librdkafka/rdkafka.h>

#include <string>

#include "gateway/event.h"

namespace ssegw::kafka {

// Header names the bridges write and read.
inline constexpr const char* kTypeHeader = "type";
inline constexpr const char* kIdHeader = "id";
inline constexpr const char* kSourceHeader = "source";
inline constexpr const char* kSeqHeader = "seq";

struct EventRules {
  enum class TypeFrom { kDefault, kHeader, kFixed };
  TypeFrom type_from = TypeFrom::kDefault;
  std::string type_value;    // the header name or the fixed type
  bool json = false;         // format: json
  bool fail_on_bad = false;  // bad_data: fail
  // Backbone: the source name and origin id ride in headers; a plain source is itself the
  // source and uses the Kafka position as origin id.
  bool origin_from_headers = false;
  bool operator==(const EventRules&) const = default;
};

enum class Decoded { kOk, kBadData };

// Fills event.type, data, origin_id, source and attributes (every header). The id is left
// for the caller, which knows the cut. `why` explains kBadData.
Decoded decode_message(const rd_kafka_message_t* message, const EventRules& rules,
                       const std::string& source_name, Event& event, std::string& why);

}  // namespace ssegw::kafka
