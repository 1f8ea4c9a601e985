#pragma once
// One consumer per gateway for a set of topics, publishing every message into channels with
// the Kafka position as id. No consumer group membership: partitions are assigned by hand at
// offsets this feed chooses, so every gateway instance reads every partition.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bridges/kafka/kafka_client.h"
#include "bridges/kafka/kafka_event_rules.h"
#include "bridges/kafka/kafka_position.h"
#include "gateway/bridge.h"
#include "gateway/channel.h"

namespace ssegw::kafka {

struct FeedOptions {
  std::string name;  // bridge name, for logs and Event.source
  std::string brokers;
  std::vector<std::string> topics;
  bool start_earliest = false;
  EventRules rules;
  Properties properties;
};

class KafkaFeed {
 public:
  KafkaFeed(FeedOptions options, std::vector<std::shared_ptr<Channel>> channels);
  ~KafkaFeed();
  KafkaFeed(const KafkaFeed&) = delete;
  KafkaFeed& operator=(const KafkaFeed&) = delete;

  void start();
  void stop();
  BridgeStatus status() const;
  const FeedOptions& options() const { return options_; }

  // Where this run began reading, once known (waits up to `timeout` for the first
  // connection); the seam for subscribers whose id is older than anything published yet.
  std::optional<Cut> initial_cut(std::chrono::milliseconds timeout) const;

 private:
  void run();
  bool connect();  // partitions and start offsets; false when stopping
  void consume_one(rd_kafka_message_t* message);
  void check_recovered();
  void update_lag();
  bool channels_accepting() const;
  void set_state(BridgeState state, const std::string& detail);
  bool sleep_for(std::chrono::milliseconds delay);
  static void on_error(rd_kafka_t* client, int err, const char* reason, void* opaque);

  const FeedOptions options_;
  const std::vector<std::shared_ptr<Channel>> channels_;
  HandlePtr consumer_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // initial cut known, or stop
  BridgeStatus status_;
  std::optional<Cut> initial_cut_;
  Cut cut_;                                                     // feed thread only
  std::vector<std::pair<PartitionKey, std::string>> assigned_;  // key, topic name
  std::chrono::steady_clock::time_point last_probe_{};
  std::chrono::steady_clock::time_point last_lag_{};
  std::chrono::steady_clock::time_point last_bad_log_{};
};

}  // namespace ssegw::kafka
