#include "bridges/kafka/kafka_state_topic.h"

namespace ssegw::kafka {
namespace {

using Clock = std::chrono::steady_clock;

std::string text_of(const void* data, size_t size) {
  return data ? std::string(static_cast<const char*>(data), size) : std::string();
}

// Reads the assigned partitions up to the end of each; false on timeout.
bool read_to_end(rd_kafka_t* consumer, int32_t partitions, Clock::time_point deadline,
                 std::vector<StateEntry>& entries, std::string& error) {
  std::vector<bool> ended(static_cast<size_t>(partitions), false);
  int32_t open = partitions;
  while (open > 0) {
    if (Clock::now() >= deadline) {
      error = "timed out reading the state topic";
      return false;
    }
    MessagePtr message(rd_kafka_consumer_poll(consumer, 100));
    if (!message || message->partition < 0 || message->partition >= partitions) continue;
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (!ended[message->partition]) --open;
      ended[message->partition] = true;
    } else if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      entries.push_back(
          {text_of(message->key, message->key_len), text_of(message->payload, message->len)});
    }
  }
  return true;
}

}  // namespace

bool ensure_state_topic(rd_kafka_t* client, const std::string& topic,
                        std::chrono::milliseconds timeout, std::string& error) {
  char detail[512];
  NewTopicPtr spec(rd_kafka_NewTopic_new(topic.c_str(), 1, -1, detail, sizeof detail));
  if (!spec) {
    error = detail;
    return false;
  }
  // Compacted: only each source's newest point needs to stay.
  rd_kafka_NewTopic_set_config(spec.get(), "cleanup.policy", "compact");
  AdminOptionsPtr options(rd_kafka_AdminOptions_new(client, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), static_cast<int>(timeout.count()),
                                            detail, sizeof detail);
  QueuePtr queue(rd_kafka_queue_new(client));
  rd_kafka_NewTopic_t* specs[] = {spec.get()};
  rd_kafka_CreateTopics(client, specs, 1, options.get(), queue.get());
  EventPtr event(rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count()) + 1000));
  if (!event) {
    error = "no answer to CreateTopics";
    return false;
  }
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    error = rd_kafka_event_error_string(event.get());
    return false;
  }
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  if (count != 1) {
    error = "CreateTopics answered no result";
    return false;
  }
  const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[0]);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    return true;
  }
  const char* why = rd_kafka_topic_result_error_string(results[0]);
  error = why ? why : rd_kafka_err2str(err);
  return false;
}

std::optional<std::vector<StateEntry>> read_state_topic(const std::string& brokers,
                                                        const Properties& properties,
                                                        const std::string& topic,
                                                        std::chrono::milliseconds timeout,
                                                        std::string& error) {
  ConfPtr conf = make_conf(brokers,
                           {{"group.id", "ssegw-sink-state"},
                            {"enable.auto.commit", "false"},
                            {"enable.partition.eof", "true"},
                            {"auto.offset.reset", "earliest"}},
                           properties);
  // Set after the user's properties, which may not change it: a point read from an open or
  // aborted transaction would resume the upstream after events Kafka never kept.
  char detail[512];
  if (rd_kafka_conf_set(conf.get(), "isolation.level", "read_committed", detail, sizeof detail) !=
      RD_KAFKA_CONF_OK) {
    error = detail;
    return std::nullopt;
  }
  HandlePtr consumer = make_client(RD_KAFKA_CONSUMER, std::move(conf));
  const auto deadline = Clock::now() + timeout;
  rd_kafka_poll_set_consumer(consumer.get());
  auto counts = partition_counts(
      consumer.get(), {topic},
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()), error);
  if (!counts) return std::nullopt;
  PartitionListPtr assignment(rd_kafka_topic_partition_list_new((*counts)[0]));
  for (int32_t p = 0; p < (*counts)[0]; ++p) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer.get(), assignment.get());
  std::vector<StateEntry> entries;
  const bool read = read_to_end(consumer.get(), (*counts)[0], deadline, entries, error);
  rd_kafka_consumer_close(consumer.get());
  if (!read) return std::nullopt;
  return entries;
}

}  // namespace ssegw::kafka
