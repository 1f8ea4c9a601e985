#include "bridges/kafka/kafka_sink.h"

#include <cctype>

#include "bridges/common/backoff.h"
#include "bridges/kafka/json_pointer.h"
#include "bridges/kafka/kafka_config.h"
#include "bridges/kafka/kafka_event_message.h"
#include "bridges/kafka/kafka_tail.h"
#include "bridges/kafka/kafka_txn_sink.h"
#include "gateway/log.h"

namespace ssegw::kafka {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class SinkPlan : public BridgePlan {
 public:
  explicit SinkPlan(SinkSettings settings) : settings_(std::move(settings)) {}
  std::unique_ptr<Bridge> build(BridgeContext& ctx) const override {
    auto channel = ctx.channels.find(settings_.from);
    if (!channel) throw ConfigError("sink '" + settings_.name + "': no channel " + settings_.from);
    if (settings_.transactional)
      return std::make_unique<KafkaTxnSink>(settings_, std::move(channel));
    return std::make_unique<KafkaSink>(settings_, std::move(channel));
  }
  std::vector<std::string> channel_paths() const override { return {settings_.from}; }

 private:
  const SinkSettings settings_;
};

void parse_key(const ConfigNode& node, SinkSettings& settings) {
  if (node.is_scalar()) {
    std::string key = node.str();
    if (key == "none") return;
    if (key == "event_id") {
      settings.key_from = SinkSettings::KeyFrom::kEventId;
      return;
    }
    node.fail("expected none, event_id or {json: /pointer}");
  }
  node.only_keys({"json"});
  ConfigNode pointer = node["json"];
  settings.key_pointer = pointer.str();
  if (settings.key_pointer.empty() || !is_valid_json_pointer(settings.key_pointer)) {
    pointer.fail("expected a JSON pointer such as /symbol");
  }
  settings.key_from = SinkSettings::KeyFrom::kJsonPointer;
}

// Kafka's rule for topic names, so a bad state topic is a config error, not a failure at start.
bool valid_topic_name(const std::string& name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return false;
  }
  return true;
}

// The transactional keys; each of them alone, without `transactional: true`, is a mistake
// worth a config error rather than an idempotent sink that silently ignores it.
void parse_transaction(const ConfigNode& node, SinkSettings& settings) {
  settings.transactional = node.bool_or("transactional", false);
  if (!settings.transactional) {
    for (const char* key :
         {"transactional_id", "state_topic", "transaction_max_events", "transaction_interval"}) {
      if (auto value = node.get(key)) value->fail("needs transactional: true");
    }
    if (settings.properties.contains("transactional.id")) {
      node["properties"].fail("transactional.id needs transactional: true");
    }
    return;
  }
  settings.transactional_id = node.str_or("transactional_id", settings.name);
  if (settings.transactional_id.empty()) node["transactional_id"].fail("must not be empty");
  settings.state_topic = node.str_or("state_topic", settings.name + ".resume");
  if (!valid_topic_name(settings.state_topic)) {
    const std::string why =
        "'" + settings.state_topic + "' is not a Kafka topic name (letters, digits, '.', '_', '-')";
    if (auto value = node.get("state_topic")) value->fail(why);
    node["name"].fail(why + ": set state_topic");
  }
  if (settings.state_topic == settings.topic) node["state_topic"].fail("must differ from topic");
  settings.batch.max_events =
      static_cast<size_t>(node.int_or("transaction_max_events", 1000, 1, 1'000'000));
  const int64_t interval = node.duration_or("transaction_interval", 100);
  // Under librdkafka's default transaction.timeout.ms, so a batch never outlives it.
  if (interval < 1 || interval > 30000) {
    node["transaction_interval"].fail("expected 1ms to 30s");
  }
  settings.batch.interval = std::chrono::milliseconds(interval);
}

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct KafkaSink::InFlight {
  FrameRef frame;
  uint64_t seq = 0;
  int attempts = 0;
  Clock::time_point due{};
};

SinkSettings parse_sink(const ConfigNode& node) {
  node.only_keys({"name", "type", "from", "brokers", "topic", "key", "properties", "queue_limit",
                  "resume_scan", "resume_timeout", "transactional", "transactional_id",
                  "state_topic", "transaction_max_events", "transaction_interval"});
  SinkSettings settings;
  settings.name = node["name"].str();
  settings.from = node["from"].str();
  if (settings.from.empty() || settings.from[0] != '/')
    node["from"].fail("expected a channel path");
  settings.brokers = parse_brokers(node["brokers"]);
  settings.topic = node["topic"].str();
  if (settings.topic.empty()) node["topic"].fail("must not be empty");
  if (auto key = node.get("key")) parse_key(*key, settings);
  if (auto properties = node.get("properties")) settings.properties = parse_properties(*properties);
  settings.queue_limit = static_cast<size_t>(node.int_or("queue_limit", 10000, 1, 10'000'000));
  settings.resume_scan = node.int_or("resume_scan", 1000, 1, 10'000'000);
  settings.resume_timeout = std::chrono::milliseconds(node.duration_or("resume_timeout", 30000));
  parse_transaction(node, settings);
  return settings;
}

std::shared_ptr<const BridgePlan> parse_sink_plan(const ConfigNode& node) {
  return std::make_shared<SinkPlan>(parse_sink(node));
}

std::optional<std::string> sink_key(const SinkSettings& settings, const Event& event) {
  switch (settings.key_from) {
    case SinkSettings::KeyFrom::kNone:
      return std::nullopt;
    case SinkSettings::KeyFrom::kEventId:
      return event.origin_id.empty() ? event.id : event.origin_id;
    case SinkSettings::KeyFrom::kJsonPointer:
      return json_pointer_value(event.data, settings.key_pointer);
  }
  return std::nullopt;
}

KafkaSink::KafkaSink(SinkSettings settings, std::shared_ptr<Channel> channel)
    : KafkaSinkTap(settings.name, std::move(channel), settings.queue_limit),
      settings_(std::move(settings)) {}

KafkaSink::~KafkaSink() {
  stop();
}

void KafkaSink::start() {
  if (thread_.joinable()) return;
  ConfPtr conf = make_conf(settings_.brokers,
                           {{"enable.idempotence", "true"},
                            {"acks", "all"},
                            // librdkafka keeps retrying, in order, for as long as it takes;
                            // our queue_limit turns a long outage into backpressure.
                            {"message.timeout.ms", "0"},
                            {"linger.ms", "5"},
                            {"client.id", "ssegw-" + settings_.name}},
                           settings_.properties);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaSink::on_delivery);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaSink::on_error);
  rd_kafka_conf_set_opaque(conf.get(), this);
  producer_ = make_client(RD_KAFKA_PRODUCER, std::move(conf));
  find_resume_points();
  stopping_ = false;
  tap();
  thread_ = std::thread([this] { run(); });
}

void KafkaSink::find_resume_points() {
  const auto deadline = Clock::now() + settings_.resume_timeout;
  Backoff backoff(500, 5000);
  std::string error;
  std::optional<TailFindings> findings;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) break;
    findings = read_topic_tail(settings_.brokers, settings_.properties, settings_.topic,
                               settings_.resume_scan, left, error);
    if (findings) break;
    log_warn("kafka sink cannot read its topic yet, retrying",
             {{"sink", name()}, {"error", error}});
    std::this_thread::sleep_for(std::min(std::chrono::milliseconds(backoff.next_ms()), left));
  }
  {
    std::lock_guard lock(mu_);
    next_seq_ = static_cast<uint64_t>(wall_us());
    if (findings) next_seq_ = std::max(next_seq_, findings->max_seq + 1);
  }
  if (!findings) {
    log_error("kafka sink starts without resume points: upstream events may repeat",
              {{"sink", name()}, {"error", error}});
    return;
  }
  // Not under mu_: Channel::publish calls on_frame, which takes mu_, with the channel lock
  // held, so taking the channel lock inside mu_ is the opposite order (TSan reports it as a
  // potential deadlock).
  for (const auto& [source, origin_id] : findings->last_origin_id) {
    channel_->set_resume_point(source, origin_id);
    log_info("kafka sink found resume point",
             {{"sink", name()}, {"source", source}, {"after", origin_id}});
  }
  std::lock_guard lock(mu_);
  inbox_.status.state = BridgeState::kStreaming;
}

void KafkaSink::stop() {
  untap();
  stopping_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (producer_) {
    rd_kafka_flush(producer_.get(), 5000);
    settle_acks();
    size_t left = 0;
    {
      std::lock_guard lock(mu_);
      left = inbox_.undelivered;
    }
    if (left > 0) {
      log_warn("kafka sink stopped with undelivered events; the upstream resends them on restart",
               {{"sink", name()}, {"undelivered", std::to_string(left)}});
    }
    // Destroying the producer purges what is left; the delivery reports free each item.
    rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(producer_.get(), 0);
    producer_.reset();
    settle_acks();
  }
  mark_stopped();
}

void KafkaSink::run() {
  std::deque<FrameRef> batch;
  uint64_t first_seq = 0;
  while (true) {
    {
      std::unique_lock lock(mu_);
      // Acknowledgements arrive through rd_kafka_poll below: poll often while any are due,
      // so a held channel is released soon after the queue drains.
      cv_.wait_for(lock, inbox_.undelivered > 0 ? 1ms : 10ms,
                   [&] { return !inbox_.queue.empty() || stopping_; });
      batch.swap(inbox_.queue);
      if (batch.empty() && stopping_) return;
      first_seq = next_seq_;
      next_seq_ += batch.size();
    }
    for (FrameRef& frame : batch) {
      auto item = std::make_unique<InFlight>();
      item->frame = std::move(frame);
      item->seq = first_seq++;
      produce(std::move(item));
    }
    batch.clear();
    retry_due();
    rd_kafka_poll(producer_.get(), 0);
    settle_acks();
  }
}

void KafkaSink::produce(std::unique_ptr<InFlight> item) {
  const std::optional<std::string> key = sink_key(settings_, item->frame->event());
  while (true) {
    InFlight* raw = item.release();
    // No copy of the value: the item holds the frame until its delivery report.
    rd_kafka_resp_err_t err =
        produce_event(producer_.get(), settings_.topic, key, raw->frame->event(), raw->seq, raw);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    item.reset(raw);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !stopping_) {
      rd_kafka_poll(producer_.get(), 100);  // let deliveries free room
      settle_acks();
      continue;
    }
    delivered(std::move(item), err);
    return;
  }
}

void KafkaSink::settle_acks() {
  if (acked_ == 0) return;
  std::lock_guard lock(mu_);
  inbox_.delivered(acked_);
  acked_ = 0;
  if (inbox_.status.state != BridgeState::kStreaming) {
    inbox_.status.state = BridgeState::kStreaming;
    inbox_.status.detail.clear();
  }
}

void KafkaSink::delivered(std::unique_ptr<InFlight> item, rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++acked_;  // counted under mu_ once per poll, by settle_acks
    return;
  }
  std::lock_guard lock(mu_);
  if (err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) return;
  inbox_.status.failed++;
  inbox_.status.detail = rd_kafka_err2str(err);
  item->attempts++;
  Backoff backoff(200, 30000);
  std::chrono::milliseconds delay{};
  for (int i = 0; i < item->attempts; ++i) delay = std::chrono::milliseconds(backoff.next_ms());
  item->due = Clock::now() + delay;
  log_warn("kafka delivery failed, retrying", {{"sink", name()},
                                               {"error", rd_kafka_err2str(err)},
                                               {"attempt", std::to_string(item->attempts)},
                                               {"retry_ms", std::to_string(delay.count())}});
  retries_.push_back(std::move(item));
}

void KafkaSink::retry_due() {
  std::deque<std::unique_ptr<InFlight>> due;
  {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    for (auto it = retries_.begin(); it != retries_.end();) {
      if ((*it)->due <= now || stopping_) {
        due.push_back(std::move(*it));
        it = retries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& item : due) {
    if (stopping_) continue;  // dropped from this run; counted as undelivered at stop
    produce(std::move(item));
  }
}

void KafkaSink::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  std::unique_ptr<InFlight> item(static_cast<InFlight*>(message->_private));
  self->delivered(std::move(item), message->err);
}

void KafkaSink::on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    log_warn("kafka brokers unreachable, events queue until they are back",
             {{"sink", self->name()}, {"error", reason}});
    std::lock_guard lock(self->mu_);
    if (self->inbox_.status.state == BridgeState::kStreaming) self->inbox_.status.reconnects++;
    self->inbox_.status.state = BridgeState::kBackingOff;
    self->inbox_.status.detail = reason;
  } else if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char detail[512];
    rd_kafka_fatal_error(self->producer_.get(), detail, sizeof detail);
    log_error("kafka producer fatal error", {{"sink", self->name()}, {"error", detail}});
    std::lock_guard lock(self->mu_);
    self->inbox_.status.state = BridgeState::kFailed;
    self->inbox_.status.detail = detail;
  } else {
    log_debug("kafka client error", {{"sink", self->name()}, {"error", reason}});
  }
}

}  // namespace ssegw::kafka
