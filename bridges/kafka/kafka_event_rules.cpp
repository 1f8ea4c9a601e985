#include "bridges/kafka/kafka_event_rules.h"

#include <string_view>

#include "bridges/common/json_text.h"
#include "gateway/sse_framer.h"

namespace ssegw::kafka {
namespace {

void copy_headers(const rd_kafka_message_t* message, Event& event) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0;
       rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i) {
    event.attributes.emplace_back(
        name, value ? std::string(static_cast<const char*>(value), size) : std::string());
  }
}

const std::string* attribute(const Event& event, std::string_view name) {
  const std::string* found = nullptr;
  for (const auto& [key, value] : event.attributes) {
    if (key == name) found = &value;  // the last one wins, as with Kafka's header_get_last
  }
  return found;
}

}  // namespace

Decoded decode_message(const rd_kafka_message_t* message, const EventRules& rules,
                       const std::string& source_name, Event& event, std::string& why) {
  copy_headers(message, event);
  if (message->payload) event.data.assign(static_cast<const char*>(message->payload), message->len);
  switch (rules.type_from) {
    case EventRules::TypeFrom::kDefault:
      event.type = "message";
      break;
    case EventRules::TypeFrom::kFixed:
      event.type = rules.type_value;
      break;
    case EventRules::TypeFrom::kHeader: {
      const std::string* type = attribute(event, rules.type_value);
      event.type = (type && !type->empty()) ? *type : "message";
      break;
    }
  }
  if (!is_valid_field_value(event.type)) {
    why = "event type header holds CR, LF or NUL";
    return Decoded::kBadData;
  }
  if (rules.json && !is_json_text(event.data)) {
    why = "value is not JSON";
    return Decoded::kBadData;
  }
  if (rules.origin_from_headers) {
    const std::string* source = attribute(event, kSourceHeader);
    const std::string* id = attribute(event, kIdHeader);
    event.source = source ? *source : std::string();
    event.origin_id = id ? *id : std::string();
  } else {
    event.source = source_name;
    event.origin_id = std::string(rd_kafka_topic_name(message->rkt)) + "/" +
                      std::to_string(message->partition) + "/" + std::to_string(message->offset);
  }
  return Decoded::kOk;
}

}  // namespace ssegw::kafka
