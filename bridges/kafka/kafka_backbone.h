#pragma once
// `channels[].backbone: {kafka: {brokers, topic}}`: many gateways, one stream. HTTP
// publishes to the channel are produced to the topic and acknowledged once Kafka has them;
// every gateway consumes the topic and fans it out with Kafka positions as ids, so a
// subscriber may reconnect to any instance with its Last-Event-ID.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "bridges/kafka/kafka_feed.h"
#include "bridges/kafka/kafka_resume.h"
#include "gateway/bridge.h"
#include "gateway/channel.h"

namespace ssegw::kafka {

struct BackboneSettings {
  std::string channel_path;
  std::string brokers;
  std::string topic;
  Properties properties;
  ResumeLimits resume;
};

BackboneSettings parse_backbone(const ConfigNode& node, const std::string& channel_path);
std::shared_ptr<const BridgePlan> parse_backbone_plan(const ConfigNode& node,
                                                      const std::string& channel_path);

class KafkaBackbone : public Bridge, public PublishRoute {
 public:
  KafkaBackbone(BackboneSettings settings, std::shared_ptr<Channel> channel);
  ~KafkaBackbone() override;

  const std::string& name() const override { return name_; }
  void start() override;
  void stop() override;
  BridgeStatus status() const override;

  void route(Event event, std::function<void(PublishResult)> done) override;

 private:
  struct Pending;
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);

  const BackboneSettings settings_;
  const std::string name_;
  const std::shared_ptr<Channel> channel_;
  KafkaFeed feed_;
  KafkaResumeProvider resume_;
  HandlePtr producer_;
  std::thread poller_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> routed_{0};
  std::atomic<uint64_t> failed_{0};
};

}  // namespace ssegw::kafka
