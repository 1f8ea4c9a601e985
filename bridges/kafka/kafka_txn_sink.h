#pragma once
// `type: kafka` with `transactional: true`: exactly once into Kafka for any partitioning.
// Events go out in transactions of a bounded count or age, and each transaction also writes
// every source's resume point to the sink's state topic (kafka_state_topic.h), so the data
// and the point where the upstream resumes commit together or not at all. At start the sink
// fences any older instance with its transactional.id, reads the committed points, and only
// then taps the channel, so the sources resume right after what Kafka holds.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bridges/common/backoff.h"
#include "bridges/kafka/kafka_client.h"
#include "bridges/kafka/kafka_sink.h"
#include "bridges/kafka/kafka_sink_tap.h"
#include "bridges/kafka/kafka_txn_batch.h"
#include "gateway/bridge.h"
#include "gateway/channel.h"

namespace ssegw::kafka {

class KafkaTxnSink : public KafkaSinkTap {
 public:
  KafkaTxnSink(SinkSettings settings, std::shared_ptr<Channel> channel);
  ~KafkaTxnSink() override;

  // Blocks (up to resume_timeout) for the producer and the resume points: call it before
  // the sources start.
  void start() override;
  void stop() override;

 private:
  // What became of one attempt to commit a batch.
  enum class Outcome {
    kCommitted,
    kAborted,  // the transaction is gone: the same batch goes again
    kBroken,   // the producer is unusable (a fatal error) or the commit's fate is unknown
    kFenced,   // another instance took the transactional.id: this one must stop writing
  };
  bool open_producer(std::string& error);
  bool load_resume_points(std::chrono::milliseconds timeout, bool set_points, std::string& error);
  void run();
  bool next_batch(TxnBatch& batch);
  void handle(Outcome outcome, TxnBatch& batch, Backoff& backoff);
  bool recover(TxnBatch& batch);
  Outcome commit(const TxnBatch& batch);
  ErrorPtr end_transaction(rd_kafka_error_t* (*end)(rd_kafka_t*, int));
  bool produce_batch(const TxnBatch& batch);
  Outcome finish(ErrorPtr error, const char* step);
  Outcome broken_or_fenced();
  void settle(size_t delivered);
  void pause(Backoff& backoff);
  void set_state(BridgeState state, const std::string& detail);
  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque);

  const SinkSettings settings_;
  // These four are start()'s, then the sink's thread's alone once it runs.
  HandlePtr producer_;
  uint64_t next_seq_ = 0;
  uint64_t committed_seq_ = 0;  // the highest seq the state topic holds
  bool fenced_ = false;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace ssegw::kafka
