#include "bridges/kafka/kafka_source.h"

#include "bridges/kafka/kafka_config.h"
#include "gateway/log.h"
#include "gateway/sse_framer.h"

namespace ssegw::kafka {
namespace {

EventRules parse_rules(const ConfigNode& node) {
  EventRules rules;
  if (auto type = node.get("event_type")) {
    type->only_keys({"header", "fixed"});
    if (type->keys().size() != 1) type->fail("expected {header: NAME} or {fixed: TYPE}");
    if (auto header = type->get("header")) {
      rules.type_from = EventRules::TypeFrom::kHeader;
      rules.type_value = header->str();
      if (rules.type_value.empty()) header->fail("header name must not be empty");
    } else {
      ConfigNode fixed = (*type)["fixed"];
      rules.type_from = EventRules::TypeFrom::kFixed;
      rules.type_value = fixed.str();
      if (rules.type_value.empty() || !is_valid_field_value(rules.type_value)) {
        fixed.fail("event type must be non-empty and hold no CR, LF or NUL");
      }
    }
  }
  std::string format = node.str_or("format", "raw");
  if (format != "json" && format != "raw") node["format"].fail("expected json or raw");
  rules.json = format == "json";
  if (auto bad = node.get("bad_data")) {
    std::string value = bad->str();
    if (value != "drop" && value != "fail") bad->fail("expected drop or fail");
    if (!rules.json) bad->fail("bad_data applies only to format: json");
    rules.fail_on_bad = value == "fail";
  }
  return rules;
}

class SourcePlan : public BridgePlan {
 public:
  explicit SourcePlan(SourceSettings settings) : settings_(std::move(settings)) {}
  std::unique_ptr<Bridge> build(BridgeContext& ctx) const override {
    std::vector<std::shared_ptr<Channel>> channels;
    for (const std::string& path : settings_.to) {
      auto channel = ctx.channels.find(path);
      if (!channel) throw ConfigError("source '" + settings_.feed.name + "': no channel " + path);
      channels.push_back(std::move(channel));
    }
    return std::make_unique<KafkaSource>(settings_, std::move(channels));
  }
  std::vector<std::string> channel_paths() const override { return settings_.to; }

 private:
  const SourceSettings settings_;
};

}  // namespace

SourceSettings parse_source(const ConfigNode& node) {
  node.only_keys({"name", "type", "brokers", "topics", "start", "event_type", "format", "bad_data",
                  "to", "properties", "resume_timeout", "resume_max_events"});
  SourceSettings settings;
  settings.feed.name = node["name"].str();
  settings.feed.brokers = parse_brokers(node["brokers"]);
  ConfigNode topics = node["topics"];
  settings.feed.topics = topics.string_list();
  if (settings.feed.topics.empty()) topics.fail("at least one topic is needed");
  for (const std::string& topic : settings.feed.topics) {
    if (topic.empty()) topics.fail("topic names must not be empty");
  }
  std::string start = node.str_or("start", "latest");
  if (start != "latest" && start != "earliest") node["start"].fail("expected latest or earliest");
  settings.feed.start_earliest = start == "earliest";
  settings.feed.rules = parse_rules(node);
  ConfigNode to = node["to"];
  settings.to = to.string_list();
  if (settings.to.empty()) to.fail("at least one channel path is needed");
  if (auto properties = node.get("properties"))
    settings.feed.properties = parse_properties(*properties);
  settings.resume.timeout = std::chrono::milliseconds(node.duration_or("resume_timeout", 15000));
  settings.resume.max_events =
      static_cast<size_t>(node.int_or("resume_max_events", 100000, 1, 100'000'000));
  return settings;
}

std::shared_ptr<const BridgePlan> parse_source_plan(const ConfigNode& node) {
  return std::make_shared<SourcePlan>(parse_source(node));
}

KafkaSource::KafkaSource(SourceSettings settings, std::vector<std::shared_ptr<Channel>> channels)
    : settings_(std::move(settings)),
      channels_(std::move(channels)),
      feed_(settings_.feed, channels_),
      resume_(feed_, settings_.resume) {}

KafkaSource::~KafkaSource() {
  stop();
}

void KafkaSource::start() {
  feed_.start();
  resume_.start();
  for (const auto& channel : channels_) {
    if (channel->resume_provider() == nullptr) {
      channel->set_resume_provider(&resume_);
      provided_.push_back(channel.get());
    } else {
      log_warn("channel already resumes from another source; Kafka offsets not used for it",
               {{"source", name()}, {"channel", channel->path()}});
    }
  }
}

void KafkaSource::stop() {
  for (Channel* channel : provided_) {
    if (channel->resume_provider() == &resume_) channel->set_resume_provider(nullptr);
  }
  provided_.clear();
  resume_.stop();
  feed_.stop();
}

BridgeStatus KafkaSource::status() const {
  return feed_.status();
}

}  // namespace ssegw::kafka
