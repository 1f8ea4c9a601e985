#include "bridges/kafka/kafka_sink.h"

#include <unistd.h>

#include <cctype>
#include <filesystem>

#include "bridges/common/backoff.h"
#include "bridges/common/sink_spool_config.h"
#include "bridges/common/spooled_event.h"
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
    return std::make_unique<KafkaSink>(settings_, std::move(channel),
                                       spool_dir(ctx.state_dir, settings_.name));
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
  const Event* event = nullptr;  // the backlog's, valid until the entry leaves inflight_
  uint64_t seq = 0;
  int attempts = 0;
  bool acked = false;
  Clock::time_point due{};
};

SinkSettings parse_sink(const ConfigNode& node) {
  node.only_keys({"name", "type", "from", "brokers", "topic", "key", "properties", "queue_limit",
                  "resume_scan", "resume_timeout", "transactional", "transactional_id",
                  "state_topic", "transaction_max_events", "transaction_interval", "spool_bytes"});
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
  if (!settings.transactional) {
    settings.spool_bytes = parse_spool_bytes(node, settings.name);
  } else if (auto spool = node.get("spool_bytes")) {
    // Its resume point is committed in Kafka: after an outage the upstream replays from it.
    spool->fail("the transactional sink does not spool: an outage holds the channel");
  }
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

KafkaSink::KafkaSink(SinkSettings settings, std::shared_ptr<Channel> channel, std::string spool_dir)
    : KafkaSinkTap(settings.name, std::move(channel), settings.queue_limit),
      settings_(std::move(settings)),
      spool_dir_(settings_.spool_bytes > 0 ? std::move(spool_dir) : std::string()) {}

KafkaSink::~KafkaSink() {
  stop();
}

void KafkaSink::start() {
  if (thread_.joinable()) return;
  ConfPtr conf = make_conf(settings_.brokers,
                           {{"enable.idempotence", "true"},
                            {"acks", "all"},
                            // librdkafka keeps retrying, in order, for as long as it takes;
                            // the sink hands it at most queue_limit events at a time.
                            {"message.timeout.ms", "0"},
                            {"linger.ms", "5"},
                            {"client.id", "ssegw-" + settings_.name}},
                           settings_.properties);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaSink::on_delivery);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaSink::on_error);
  rd_kafka_conf_set_opaque(conf.get(), this);
  producer_ = make_client(RD_KAFKA_PRODUCER, std::move(conf));
  open_backlog();
  find_resume_points();
  stopping_ = false;
  tap();
  thread_ = std::thread([this] { run(); });
}

// A spool that cannot be opened leaves the sink as it was before spools: memory only, the
// channel held at queue_limit, so nothing is lost, only the sources pause sooner.
void KafkaSink::open_backlog() {
  std::unique_ptr<SinkSpool> spool;
  if (!spool_dir_.empty()) {
    const std::string gap_marker = spool_dir_ + "/gap";
    spool_points_usable_ = !std::filesystem::exists(gap_marker);
    SinkSpoolOptions options{spool_dir_, static_cast<uint64_t>(settings_.spool_bytes), 0, {}};
    options.on_reopened_record = [this](std::string_view payload) {
      std::optional<Event> event = decode_spooled_event(payload);
      if (event && !event->source.empty() && !event->origin_id.empty())
        spool_points_[event->source] = event->origin_id;
    };
    std::string error;
    spool = SinkSpool::open(options, error);
    if (!spool) {
      log_error("kafka sink spool unavailable; the channel is held at queue_limit instead",
                {{"sink", name()}, {"error", error}});
      spool_points_.clear();
    }
  }
  if (spool) flusher_ = std::make_unique<SpoolFlusher>(*spool);
  std::lock_guard lock(mu_);
  const size_t limit = settings_.queue_limit;
  const bool spooling = spool != nullptr;
  inbox_.use_backlog(
      std::make_unique<SinkBacklog>(
          SinkBacklogLimits{limit, limit * 4 + 1000, static_cast<uint64_t>(settings_.spool_bytes)},
          std::move(spool)),
      spooling ? spool_dir_ + "/gap" : std::string());
}

void KafkaSink::close_backlog() {
  flusher_.reset();  // before the spool it syncs
  std::lock_guard lock(mu_);
  const size_t lost = inbox_.settle_for_stop();
  if (lost > 0) {
    log_warn("kafka sink stopped with undelivered events; the upstream resends them on restart",
             {{"sink", name()}, {"undelivered", std::to_string(lost)}});
  }
  if (const SinkSpool* spool = inbox_.backlog->spool(); spool && !spool->empty()) {
    log_info("kafka sink spool kept for the next start",
             {{"sink", name()}, {"events", std::to_string(spool->records())}});
  }
  inbox_.backlog->close_spool();
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
  std::map<std::string, std::string> points;
  if (findings) points = findings->last_origin_id;
  // Spooled events come after everything in the topic: the sources go on after them.
  if (!spool_points_.empty() && !spool_points_usable_) {
    log_warn(
        "kafka sink resumes from the topic, not its spool: events older than the spool "
        "were lost with memory, so the upstream sends the spooled ones again",
        {{"sink", name()}});
  } else {
    for (const auto& point : spool_points_) points[point.first] = point.second;
  }
  if (!findings && points.empty()) {
    log_error("kafka sink starts without resume points: upstream events may repeat",
              {{"sink", name()}, {"error", error}});
    return;
  }
  // Not under mu_: Channel::publish calls on_frame, which takes mu_, with the channel lock
  // held, so taking the channel lock inside mu_ is the opposite order (TSan reports it as a
  // potential deadlock).
  for (const auto& point : points) {
    channel_->set_resume_point(point.first, point.second);
    log_info("kafka sink found resume point",
             {{"sink", name()}, {"source", point.first}, {"after", point.second}});
  }
  if (!findings) return;
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
    // Destroying the producer purges what is left; the delivery reports only mark entries.
    rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(producer_.get(), 0);
    producer_.reset();
    settle_acks();
  }
  inflight_.clear();
  retries_.clear();
  bool had_backlog = false;
  {
    std::lock_guard lock(mu_);
    had_backlog = inbox_.backlog != nullptr;
  }
  if (had_backlog) close_backlog();
  mark_stopped();
}

// While the brokers are away one event stays with librdkafka, so that its delivery tells
// when they are back; the rest wait in the backlog (its spool), not in librdkafka's memory.
bool KafkaSink::has_next_locked() const {
  const SinkBacklog& backlog = *inbox_.backlog;
  const size_t window = inbox_.streaming() ? settings_.queue_limit : 1;
  if (inflight_.size() >= window) return false;
  return backlog.queued() > inflight_.size() || backlog.has_unread_spool();
}

std::vector<const Event*> KafkaSink::take_next_locked() {
  std::vector<const Event*> next;
  SinkBacklog& backlog = *inbox_.backlog;
  // At stop everything in memory goes to librdkafka for the final flush; the spool stays.
  const size_t window = stopping_            ? backlog.queued()
                        : inbox_.streaming() ? settings_.queue_limit
                                             : 1;
  while (inflight_.size() + next.size() < window) {
    const size_t i = inflight_.size() + next.size();
    if (const Event* event = backlog.at(i)) {
      next.push_back(event);
    } else if (i == 0 && inbox_.skip_unreadable()) {
      continue;
    } else {
      break;
    }
  }
  return next;
}

void KafkaSink::run() {
  while (true) {
    std::vector<const Event*> next;
    uint64_t first_seq = 0;
    {
      std::unique_lock lock(mu_);
      // Acknowledgements arrive through rd_kafka_poll below: poll often while any are due,
      // so a held channel is released soon after the queue drains.
      cv_.wait_for(lock, inflight_.empty() ? 10ms : 1ms,
                   [&] { return stopping_ || has_next_locked(); });
      next = take_next_locked();
      first_seq = next_seq_;
      next_seq_ += next.size();
    }
    // Only this thread removes events from the backlog, so the pointers stay valid unlocked.
    for (const Event* event : next) {
      inflight_.push_back(InFlight{event, first_seq++, 0, false, {}});
      produce(inflight_.back());
    }
    if (stopping_) return;
    retry_due();
    rd_kafka_poll(producer_.get(), 0);
    settle_acks();
  }
}

void KafkaSink::produce(InFlight& item) {
  const std::optional<std::string> key = sink_key(settings_, *item.event);
  while (true) {
    // No copy of the value: the backlog keeps the event until its delivery is settled.
    rd_kafka_resp_err_t err =
        produce_event(producer_.get(), settings_.topic, key, *item.event, item.seq, &item);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !stopping_) {
      rd_kafka_poll(producer_.get(), 100);  // let deliveries free room
      continue;
    }
    delivered(item, err);
    return;
  }
}

// The backlog gives up its oldest events only: the acknowledged front of inflight_.
void KafkaSink::settle_acks() {
  size_t acked = 0;
  while (!inflight_.empty() && inflight_.front().acked) {
    inflight_.pop_front();
    ++acked;
  }
  if (acked == 0) return;
  std::lock_guard lock(mu_);
  inbox_.delivered(acked);
  if (inbox_.status.state != BridgeState::kStreaming) {
    inbox_.status.state = BridgeState::kStreaming;
    inbox_.status.detail.clear();
  }
}

void KafkaSink::delivered(InFlight& item, rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    item.acked = true;  // settled in order by settle_acks
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) return;
  item.attempts++;
  Backoff backoff(200, 30000);
  std::chrono::milliseconds delay{};
  for (int i = 0; i < item.attempts; ++i) delay = std::chrono::milliseconds(backoff.next_ms());
  item.due = Clock::now() + delay;
  log_warn("kafka delivery failed, retrying", {{"sink", name()},
                                               {"error", rd_kafka_err2str(err)},
                                               {"attempt", std::to_string(item.attempts)},
                                               {"retry_ms", std::to_string(delay.count())}});
  retries_.push_back(&item);
  std::lock_guard lock(mu_);
  inbox_.status.failed++;
  inbox_.status.detail = rd_kafka_err2str(err);
}

void KafkaSink::retry_due() {
  const auto now = Clock::now();
  std::deque<InFlight*> due;
  for (auto it = retries_.begin(); it != retries_.end();) {
    if ((*it)->due <= now) {
      due.push_back(*it);
      it = retries_.erase(it);
    } else {
      ++it;
    }
  }
  for (InFlight* item : due) produce(*item);
}

void KafkaSink::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  self->delivered(*static_cast<InFlight*>(message->_private), message->err);
}

void KafkaSink::on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    log_warn("kafka brokers unreachable, events spool until they are back",
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
