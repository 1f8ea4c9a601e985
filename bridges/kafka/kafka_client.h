#pragma once
// RAII for librdkafka's C handles and the shared way the bridges build a client config:
// brokers, the bridge's defaults, then the user's pass-through `properties` on top.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bridges/kafka/kafka_position.h"

namespace ssegw::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct HandleDeleter {
  void operator()(rd_kafka_t* k) const { rd_kafka_destroy(k); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct ErrorDeleter {
  void operator()(rd_kafka_error_t* e) const { rd_kafka_error_destroy(e); }
};
struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
// What the transactional API returns; null is success.
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>;
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;

using Properties = std::map<std::string, std::string>;

// Applies bootstrap.servers, then defaults, then user properties (which win). Throws
// std::invalid_argument naming the property librdkafka refused.
ConfPtr make_conf(const std::string& brokers, const Properties& defaults, const Properties& user);

// Creates a client; throws std::runtime_error with librdkafka's message.
HandlePtr make_client(rd_kafka_type_t type, ConfPtr conf);

// Partition count of each topic, or nullopt with `error` set (broker down, topic missing).
std::optional<std::vector<int32_t>> partition_counts(rd_kafka_t* client,
                                                     const std::vector<std::string>& topics,
                                                     std::chrono::milliseconds timeout,
                                                     std::string& error);

// Low and high watermark of one partition from the broker; nullopt on error.
struct Watermarks {
  int64_t low = 0;
  int64_t high = 0;
};
std::optional<Watermarks> query_watermarks(rd_kafka_t* client, const std::string& topic,
                                           int32_t partition, std::chrono::milliseconds timeout);

// The last value of a header, if the message has it.
std::optional<std::string> header_value(const rd_kafka_message_t* message, const char* name);

}  // namespace ssegw::kafka
