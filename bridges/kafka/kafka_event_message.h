#pragma once
// How a sink writes one event as a Kafka message: the data as the value, the type, the
// upstream id, the source and the sink's seq as headers (then the event's own attributes),
// which is what the sink reads back at start and what a Kafka source decodes.
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <optional>
#include <string>

#include "gateway/event.h"

namespace ssegw::kafka {

// The upstream id a sink reports for an event: the source's id, else the channel's.
const std::string& delivered_id(const Event& event);

// Hands the event to librdkafka. The value is not copied: the caller keeps the event alive
// until the message's delivery report, which gets `opaque`.
rd_kafka_resp_err_t produce_event(rd_kafka_t* producer, const std::string& topic,
                                  const std::optional<std::string>& key, const Event& event,
                                  uint64_t seq, void* opaque);

}  // namespace ssegw::kafka
