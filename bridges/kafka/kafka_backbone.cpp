#include "bridges/kafka/kafka_backbone.h"

#include "bridges/kafka/kafka_config.h"
#include "bridges/kafka/kafka_event_rules.h"
#include "gateway/log.h"

namespace ssegw::kafka {
namespace {

class BackbonePlan : public BridgePlan {
 public:
  explicit BackbonePlan(BackboneSettings settings) : settings_(std::move(settings)) {}
  std::unique_ptr<Bridge> build(BridgeContext& ctx) const override {
    auto channel = ctx.channels.find(settings_.channel_path);
    if (!channel) throw ConfigError("backbone: no channel " + settings_.channel_path);
    return std::make_unique<KafkaBackbone>(settings_, std::move(channel));
  }
  std::vector<std::string> channel_paths() const override { return {settings_.channel_path}; }

 private:
  const BackboneSettings settings_;
};

FeedOptions feed_options(const BackboneSettings& settings) {
  FeedOptions options;
  options.name = "backbone:" + settings.channel_path;
  options.brokers = settings.brokers;
  options.topics = {settings.topic};
  options.start_earliest = false;
  options.rules.type_from = EventRules::TypeFrom::kHeader;
  options.rules.type_value = kTypeHeader;
  options.rules.origin_from_headers = true;
  options.properties = settings.properties;
  return options;
}

}  // namespace

struct KafkaBackbone::Pending {
  KafkaBackbone* self;
  std::function<void(PublishResult)> done;
};

BackboneSettings parse_backbone(const ConfigNode& node, const std::string& channel_path) {
  node.only_keys({"brokers", "topic", "properties", "resume_timeout", "resume_max_events"});
  BackboneSettings settings;
  settings.channel_path = channel_path;
  settings.brokers = parse_brokers(node["brokers"]);
  settings.topic = node["topic"].str();
  if (settings.topic.empty()) node["topic"].fail("must not be empty");
  if (auto properties = node.get("properties")) settings.properties = parse_properties(*properties);
  settings.resume.timeout = std::chrono::milliseconds(node.duration_or("resume_timeout", 15000));
  settings.resume.max_events =
      static_cast<size_t>(node.int_or("resume_max_events", 100000, 1, 100'000'000));
  return settings;
}

std::shared_ptr<const BridgePlan> parse_backbone_plan(const ConfigNode& node,
                                                      const std::string& channel_path) {
  return std::make_shared<BackbonePlan>(parse_backbone(node, channel_path));
}

KafkaBackbone::KafkaBackbone(BackboneSettings settings, std::shared_ptr<Channel> channel)
    : settings_(std::move(settings)),
      name_("backbone:" + settings_.channel_path),
      channel_(std::move(channel)),
      feed_(feed_options(settings_), {channel_}),
      resume_(feed_, settings_.resume) {}

KafkaBackbone::~KafkaBackbone() {
  stop();
}

void KafkaBackbone::start() {
  if (producer_) return;
  ConfPtr conf = make_conf(settings_.brokers,
                           {{"enable.idempotence", "true"},
                            {"acks", "all"},
                            // A publisher waits for its answer; fail it rather than hang.
                            {"message.timeout.ms", "30000"},
                            {"linger.ms", "1"},
                            {"client.id", "ssegw-" + name_}},
                           settings_.properties);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaBackbone::on_delivery);
  producer_ = make_client(RD_KAFKA_PRODUCER, std::move(conf));
  stopping_ = false;
  poller_ = std::thread([this] {
    while (!stopping_) rd_kafka_poll(producer_.get(), 50);
  });
  feed_.start();
  resume_.start();
  channel_->set_resume_provider(&resume_);
  channel_->set_publish_route(this);
}

void KafkaBackbone::stop() {
  if (channel_->publish_route() == this) channel_->set_publish_route(nullptr);
  if (channel_->resume_provider() == &resume_) channel_->set_resume_provider(nullptr);
  resume_.stop();
  feed_.stop();
  if (producer_) {
    rd_kafka_flush(producer_.get(), 5000);
    stopping_ = true;
    if (poller_.joinable()) poller_.join();
    // Whatever is left fails its publisher now rather than never.
    rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(producer_.get(), 0);
    producer_.reset();
  }
}

BridgeStatus KafkaBackbone::status() const {
  BridgeStatus status = feed_.status();
  status.failed = failed_.load();
  status.gauges["routed"] = static_cast<double>(routed_.load());
  return status;
}

void KafkaBackbone::route(Event event, std::function<void(PublishResult)> done) {
  if (!producer_ || stopping_) {
    done(PublishResult{false, {}, "backbone not running"});
    return;
  }
  const std::string type = event.type.empty() ? "message" : event.type;
  rd_kafka_headers_t* headers = rd_kafka_headers_new(3);
  rd_kafka_header_add(headers, kTypeHeader, -1, type.data(), static_cast<ssize_t>(type.size()));
  if (!event.origin_id.empty()) {
    rd_kafka_header_add(headers, kIdHeader, -1, event.origin_id.data(),
                        static_cast<ssize_t>(event.origin_id.size()));
  }
  if (!event.source.empty()) {
    rd_kafka_header_add(headers, kSourceHeader, -1, event.source.data(),
                        static_cast<ssize_t>(event.source.size()));
  }
  auto* pending = new Pending{this, std::move(done)};
  rd_kafka_resp_err_t err =
      rd_kafka_producev(producer_.get(), RD_KAFKA_V_TOPIC(settings_.topic.c_str()),
                        RD_KAFKA_V_VALUE(event.data.data(), event.data.size()),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
                        RD_KAFKA_V_OPAQUE(pending), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_headers_destroy(headers);
    std::unique_ptr<Pending> owned(pending);
    failed_++;
    owned->done(PublishResult{false, {}, std::string("kafka: ") + rd_kafka_err2str(err)});
  }
}

void KafkaBackbone::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(message->_private));
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    pending->self->failed_++;
    log_warn("backbone publish not acknowledged by kafka",
             {{"channel", pending->self->settings_.channel_path},
              {"error", rd_kafka_err2str(message->err)}});
    pending->done(
        PublishResult{false, {}, std::string("kafka: ") + rd_kafka_err2str(message->err)});
    return;
  }
  pending->self->routed_++;
  // The message's own position; on a one-partition topic this is exactly the id every
  // gateway gives the event when it consumes it.
  Position position{PartitionKey{0, message->partition},
                    Cut{{PartitionKey{0, message->partition}, message->offset + 1}}};
  pending->done(PublishResult{true, encode_position(position), {}});
}

}  // namespace ssegw::kafka
