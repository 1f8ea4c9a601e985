#include "bridges/kafka/kafka_event_message.h"

#include <string_view>

#include "bridges/kafka/kafka_event_rules.h"

namespace ssegw::kafka {
namespace {

void add_header(rd_kafka_headers_t* headers, const char* name, std::string_view value) {
  rd_kafka_header_add(headers, name, -1, value.data(), static_cast<ssize_t>(value.size()));
}

bool reserved_header(const std::string& name) {
  return name == kTypeHeader || name == kIdHeader || name == kSourceHeader || name == kSeqHeader;
}

}  // namespace

const std::string& delivered_id(const Event& event) {
  return event.origin_id.empty() ? event.id : event.origin_id;
}

rd_kafka_resp_err_t produce_event(rd_kafka_t* producer, const std::string& topic,
                                  const std::optional<std::string>& key, const Event& event,
                                  uint64_t seq, void* opaque) {
  const std::string_view type = event.type.empty() ? std::string_view("message") : event.type;
  rd_kafka_headers_t* headers = rd_kafka_headers_new(4 + event.attributes.size());
  add_header(headers, kTypeHeader, type);
  add_header(headers, kIdHeader, delivered_id(event));
  if (!event.source.empty()) add_header(headers, kSourceHeader, event.source);
  add_header(headers, kSeqHeader, std::to_string(seq));
  for (const auto& [name, value] : event.attributes) {
    if (!reserved_header(name)) add_header(headers, name.c_str(), value);
  }
  // Named first: librdkafka's macros cast their argument without parentheses.
  const void* key_data = key ? key->data() : nullptr;
  const size_t key_size = key ? key->size() : 0;
  rd_kafka_resp_err_t err =
      rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                        RD_KAFKA_V_VALUE(const_cast<char*>(event.data.data()), event.data.size()),
                        RD_KAFKA_V_KEY(key_data, key_size), RD_KAFKA_V_MSGFLAGS(0),
                        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
  // librdkafka owns the headers only once the message is queued.
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(headers);
  return err;
}

}  // namespace ssegw::kafka
