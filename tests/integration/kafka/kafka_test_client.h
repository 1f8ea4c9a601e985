#pragma once
// The Kafka side of the Kafka integration tests: the broker the CTest fixture started
// (tests/brokers/kafka.sh), topics, and a plain producer and reader written on librdkafka
// apart from the gateway's bridges, so the tests check the bridges rather than mirror them.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ssegw::testing::kafka {

// $SSEGW_KAFKA_STATE (default /tmp/ssegw-kafka), as the fixture passes it.
std::string state_dir();
// The bootstrap address the broker script wrote; fails the test when there is none.
std::string bootstrap();
// Runs tests/brokers/kafka.sh with a subcommand on the fixture's state folder.
bool broker_command(const std::string& subcommand);

// A topic name no other test uses.
std::string unique_topic(const std::string& prefix);
void create_topic(const std::string& topic, int partitions);

struct Record {
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> header(const std::string& name) const;
};

struct OutRecord {
  int32_t partition = -1;  // -1: by key / librdkafka's partitioner
  std::optional<std::string> key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Produces every record and waits for all acknowledgements; returns how many were acked.
size_t produce(const std::string& topic, const std::vector<OutRecord>& records);

// What a reader sees of transactions: only committed ones (up to the last stable offset),
// or also the open and aborted ones.
enum class Isolation { kReadCommitted, kReadUncommitted };

// Every record of the topic from the start, reading until the end of every partition.
std::vector<Record> read_all(const std::string& topic,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30),
                             Isolation isolation = Isolation::kReadCommitted);

}  // namespace ssegw::testing::kafka
