#pragma once
// The small compacted topic where a transactional Kafka sink keeps its resume points
// (kafka_resume_record.h): created at start when missing, and read back whole with
// isolation.level=read_committed, so only points whose data committed are seen.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "bridges/kafka/kafka_client.h"
#include "bridges/kafka/kafka_resume_record.h"

namespace ssegw::kafka {

// Creates the topic (one partition, cleanup.policy=compact, the broker's replication)
// unless it exists. False with `error` set when the broker did not answer or refused.
bool ensure_state_topic(rd_kafka_t* client, const std::string& topic,
                        std::chrono::milliseconds timeout, std::string& error);

// Every committed record of the topic, in offset order per partition; nullopt with `error`
// set when it could not be read to its end within the timeout.
std::optional<std::vector<StateEntry>> read_state_topic(const std::string& brokers,
                                                        const Properties& properties,
                                                        const std::string& topic,
                                                        std::chrono::milliseconds timeout,
                                                        std::string& error);

}  // namespace ssegw::kafka
