#pragma once
// `type: kafka` under sinks: every event of a channel produced to a topic by an idempotent
// producer with acks=all, type / upstream id / source / seq as headers. Nothing is dropped:
// failed deliveries are retried and counted. At most `queue_limit` events are handed to
// librdkafka at a time (one while the brokers are away); the rest wait in a SinkBacklog,
// whose spool (`spool_bytes`, under the state directory) takes them while the brokers are
// away, so the sources go on; only a full spool holds the channel so that they pause. With
// `transactional: true` the plan builds a KafkaTxnSink (kafka_txn_sink.h) instead; both
// share the settings below.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bridges/common/spool_flusher.h"
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
  int64_t spool_bytes = 0;  // 0: no spool; the transactional sink has none
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
  // `spool_dir` empty: no spool, whatever settings.spool_bytes says.
  KafkaSink(SinkSettings settings, std::shared_ptr<Channel> channel, std::string spool_dir = "");
  ~KafkaSink() override;

  // Reads the end of the topic (bounded by resume_timeout) and records the resume points
  // before it taps the channel: call it before the sources start.
  void start() override;
  void stop() override;

 private:
  struct InFlight;
  void run();
  // Under mu_: the events to hand to librdkafka next, in order.
  std::vector<const Event*> take_next_locked();
  bool has_next_locked() const;
  void produce(InFlight& item);
  void delivered(InFlight& item, rd_kafka_resp_err_t err);
  void settle_acks();
  void retry_due();
  void open_backlog();
  void close_backlog();
  void find_resume_points();
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);
  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque);

  const SinkSettings settings_;
  const std::string spool_dir_;
  HandlePtr producer_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<SpoolFlusher> flusher_;
  // Resume points from the spool an earlier run left (its newest origin id per source), used
  // over the topic's tail unless the gap marker says older events were lost with memory.
  std::map<std::string, std::string> spool_points_;
  bool spool_points_usable_ = false;

  // What librdkafka holds, oldest first: entry i is the backlog's i-th undelivered event.
  // Touched only by the thread that polls (the sink's, or stop() once it has joined it), so
  // unguarded; the delivery reports mark entries, settle_acks removes the acknowledged front.
  std::deque<InFlight> inflight_;
  std::deque<InFlight*> retries_;  // failed, waiting for their turn again
  uint64_t next_seq_ = 0;          // guarded by mu_
};

}  // namespace ssegw::kafka
