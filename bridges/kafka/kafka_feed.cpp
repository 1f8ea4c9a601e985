#include "bridges/kafka/kafka_feed.h"

#include "bridges/common/backoff.h"
#include "gateway/log.h"

namespace ssegw::kafka {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kMetadataTimeout = 5s;

}  // namespace

KafkaFeed::KafkaFeed(FeedOptions options, std::vector<std::shared_ptr<Channel>> channels)
    : options_(std::move(options)), channels_(std::move(channels)) {
  // From the start, not from the first assignment: a dashboard and the lag alert find the
  // series while the broker is still unreachable.
  status_.gauges["consumer_lag"] = 0;
  status_.gauges["partitions"] = 0;
}

KafkaFeed::~KafkaFeed() {
  stop();
}

void KafkaFeed::start() {
  if (thread_.joinable()) return;
  ConfPtr conf = make_conf(options_.brokers,
                           {{"group.id", "ssegw-" + options_.name},
                            {"client.id", "ssegw-" + options_.name},
                            {"enable.auto.commit", "false"},
                            {"enable.auto.offset.store", "false"},
                            {"enable.partition.eof", "false"},
                            // An offset retention removed resumes at the oldest one left.
                            {"auto.offset.reset", "earliest"}},
                           options_.properties);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaFeed::on_error);
  rd_kafka_conf_set_opaque(conf.get(), this);
  consumer_ = make_client(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(consumer_.get());
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void KafkaFeed::stop() {
  {
    // Under the lock, so a sleep_for() between its check and its wait cannot miss it.
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (consumer_) {
    rd_kafka_consumer_close(consumer_.get());
    consumer_.reset();
  }
  std::lock_guard lock(mu_);
  status_.state = BridgeState::kStopped;
}

BridgeStatus KafkaFeed::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::optional<Cut> KafkaFeed::initial_cut(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return initial_cut_.has_value() || stopping_.load(); });
  return initial_cut_;
}

void KafkaFeed::set_state(BridgeState state, const std::string& detail) {
  std::lock_guard lock(mu_);
  status_.state = state;
  status_.detail = detail;
}

bool KafkaFeed::sleep_for(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, delay, [&] { return stopping_.load(); });
  return !stopping_;
}

void KafkaFeed::on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaFeed*>(opaque);
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    log_warn("kafka brokers unreachable, retrying",
             {{"source", self->options_.name}, {"error", reason}});
    std::lock_guard lock(self->mu_);
    if (self->status_.state == BridgeState::kStreaming) self->status_.reconnects++;
    self->status_.state = BridgeState::kBackingOff;
    self->status_.detail = reason;
  } else {
    log_debug("kafka client error", {{"source", self->options_.name}, {"error", reason}});
  }
}

bool KafkaFeed::connect() {
  Backoff backoff(500, 30000);
  std::vector<int32_t> counts;
  while (!stopping_) {
    std::string error;
    auto found = partition_counts(consumer_.get(), options_.topics, kMetadataTimeout, error);
    if (found) {
      counts = *found;
      break;
    }
    const std::chrono::milliseconds delay(backoff.next_ms());
    log_warn(
        "kafka topics not available, retrying",
        {{"source", options_.name}, {"error", error}, {"retry_ms", std::to_string(delay.count())}});
    set_state(BridgeState::kBackingOff, error);
    if (!sleep_for(delay)) return false;
  }
  Cut cut;
  PartitionListPtr assignment(rd_kafka_topic_partition_list_new(8));
  for (size_t t = 0; t < options_.topics.size(); ++t) {
    for (int32_t p = 0; p < counts[t]; ++p) {
      std::optional<Watermarks> marks;
      while (!stopping_ && !(marks = query_watermarks(consumer_.get(), options_.topics[t], p,
                                                      kMetadataTimeout))) {
        set_state(BridgeState::kBackingOff, "cannot read offsets of " + options_.topics[t]);
        if (!sleep_for(std::chrono::milliseconds(backoff.next_ms()))) return false;
      }
      if (stopping_) return false;
      PartitionKey key{static_cast<int32_t>(t), p};
      cut[key] = options_.start_earliest ? marks->low : marks->high;
      assigned_.emplace_back(key, options_.topics[t]);
      rd_kafka_topic_partition_list_add(assignment.get(), options_.topics[t].c_str(), p)->offset =
          cut[key];
    }
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(consumer_.get(), assignment.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    set_state(BridgeState::kFailed, std::string("assign: ") + rd_kafka_err2str(err));
    log_error("kafka assign failed", {{"source", options_.name}, {"error", rd_kafka_err2str(err)}});
    return false;
  }
  cut_ = cut;
  {
    std::lock_guard lock(mu_);
    initial_cut_ = cut;
    status_.state = BridgeState::kStreaming;
    status_.detail.clear();
  }
  cv_.notify_all();
  log_info("kafka source streaming", {{"source", options_.name}, {"from", encode_cut(cut)}});
  return true;
}

bool KafkaFeed::channels_accepting() const {
  for (const auto& channel : channels_) {
    if (!channel->accepting()) return false;
  }
  return true;
}

void KafkaFeed::run() {
  if (!connect()) return;
  while (!stopping_) {
    update_lag();
    if (!channels_accepting()) {
      // Backpressure from a sink: stop taking messages; librdkafka stops fetching once its
      // own queue is full, so nothing is lost and nothing grows without bound.
      sleep_for(20ms);
      continue;
    }
    MessagePtr message(rd_kafka_consumer_poll(consumer_.get(), 100));
    if (!message) {
      check_recovered();
      continue;
    }
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log_warn("kafka consume error",
               {{"source", options_.name}, {"error", rd_kafka_message_errstr(message.get())}});
      continue;
    }
    consume_one(message.get());
    if (stopping_) break;
  }
}

void KafkaFeed::consume_one(rd_kafka_message_t* message) {
  std::string topic = rd_kafka_topic_name(message->rkt);
  PartitionKey key{0, message->partition};
  for (size_t t = 0; t < options_.topics.size(); ++t) {
    if (options_.topics[t] == topic) key.topic = static_cast<int32_t>(t);
  }
  int64_t& next = cut_[key];
  if (message->offset + 1 <= next) return;  // already published (a refetch after reconnect)
  next = message->offset + 1;
  {
    std::lock_guard lock(mu_);
    status_.events_in++;
    if (status_.state != BridgeState::kStreaming && status_.state != BridgeState::kFailed) {
      status_.state = BridgeState::kStreaming;
      status_.detail.clear();
      log_info("kafka source streaming again", {{"source", options_.name}});
    }
  }
  Event event;
  std::string why;
  if (decode_message(message, options_.rules, options_.name, event, why) != Decoded::kOk) {
    std::lock_guard lock(mu_);
    status_.dropped_bad_data++;
    if (options_.rules.fail_on_bad) {
      status_.state = BridgeState::kFailed;
      status_.detail = why + " at " + topic + "/" + std::to_string(message->partition) + "/" +
                       std::to_string(message->offset);
      log_error("kafka source stopped on bad data (bad_data: fail)",
                {{"source", options_.name}, {"detail", status_.detail}});
      stopping_ = true;
    } else if (Clock::now() - last_bad_log_ > 1s) {
      last_bad_log_ = Clock::now();
      log_warn("kafka message dropped", {{"source", options_.name}, {"reason", why}});
    }
    return;
  }
  event.id = encode_position(Position{key, cut_});
  for (const auto& channel : channels_) channel->publish(event);
  std::lock_guard lock(mu_);
  status_.events_out++;
}

void KafkaFeed::check_recovered() {
  BridgeState state;
  {
    std::lock_guard lock(mu_);
    state = status_.state;
  }
  if (state != BridgeState::kBackingOff || Clock::now() - last_probe_ < 1s) return;
  last_probe_ = Clock::now();
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_metadata(consumer_.get(), 0, nullptr, &raw, 500) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    MetadataPtr metadata(raw);
    if (metadata->broker_cnt > 0) {
      set_state(BridgeState::kStreaming, "");
      log_info("kafka brokers reachable again", {{"source", options_.name}});
    }
  }
}

void KafkaFeed::update_lag() {
  if (Clock::now() - last_lag_ < 1s) return;
  last_lag_ = Clock::now();
  double lag = 0;
  for (const auto& [key, topic] : assigned_) {
    int64_t low = 0;
    int64_t high = 0;
    if (rd_kafka_get_watermark_offsets(consumer_.get(), topic.c_str(), key.partition, &low,
                                       &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        high > cut_[key]) {
      lag += static_cast<double>(high - cut_[key]);
    }
  }
  std::lock_guard lock(mu_);
  status_.gauges["consumer_lag"] = lag;
  status_.gauges["partitions"] = static_cast<double>(assigned_.size());
}

}  // namespace ssegw::kafka
