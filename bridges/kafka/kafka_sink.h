#pragma once
// `type: kafka` under sinks: every event of a channel produced to a topic by an idempotent
// producer with acks=all, type / upstream id / source / seq as headers. Nothing is dropped:
// failed deliveries are retried and counted, and past `queue_limit` unacknowledged events
// the channel is held so its sources pause. With `transactional: true` the plan builds a
// KafkaTxnSink (kafka_txn_sink.h) instead; both share the settings below.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bridges/kafka/kafka_client.h"
#include "bridges/kafka/kafka_sink_tap.h"
#include "bridges/kafka/kafka_txn_batch.h"
#include "gateway/bridge.h"
#include "gateway/channel.h"

namespace ssegw::kafka {

struct SinkSettings {
  std::string name;
  std::string from;
  std::string brokers;
  std::string topic;
  enum class KeyFrom { kNone, kEventId, kJsonPointer };
  KeyFrom key_from = KeyFrom::kNone;
  std::string key_pointer;
  Properties properties;
  size_t queue_limit = 10000;
  int64_t resume_scan = 1000;
  std::chrono::milliseconds resume_timeout{30000};
  // transactional: true (kafka_txn_sink.h): exactly once for any partitioning.
  bool transactional = false;
  std::string transactional_id;  // default: the sink's name
  std::string state_topic;       // default: "<name>.resume"
  BatchLimits batch;             // transaction_max_events, transaction_interval
};

SinkSettings parse_sink(const ConfigNode& node);
std::shared_ptr<const BridgePlan> parse_sink_plan(const ConfigNode& node);

// The Kafka key an event gets under the settings; empty optional: no key.
std::optional<std::string> sink_key(const SinkSettings& settings, const Event& event);

class KafkaSink : public KafkaSinkTap {
 public:
  KafkaSink(SinkSettings settings, std::shared_ptr<Channel> channel);
  ~KafkaSink() override;

  // Reads the end of the topic (bounded by resume_timeout) and records the resume points
  // before it taps the channel: call it before the sources start.
  void start() override;
  void stop() override;

 private:
  struct InFlight;
  void run();
  void produce(std::unique_ptr<InFlight> item);
  void delivered(std::unique_ptr<InFlight> item, rd_kafka_resp_err_t err);
  void settle_acks();
  void retry_due();
  void find_resume_points();
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);
  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque);

  const SinkSettings settings_;
  HandlePtr producer_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  std::deque<std::unique_ptr<InFlight>> retries_;  // failed, waiting; guarded by mu_
  // Deliveries acknowledged since the last settle_acks, on the thread that polls (the sink's
  // thread, or stop() once it has joined it).
  size_t acked_ = 0;
  uint64_t next_seq_ = 0;  // guarded by mu_
};

}  // namespace ssegw::kafka
