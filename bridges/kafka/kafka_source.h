#pragma once
// `type: kafka` under sources: topics into channels, ids that are Kafka positions, and
// resume from Kafka for subscribers older than the channel's history.
#include <memory>
#include <string>
#include <vector>

#include "bridges/kafka/kafka_feed.h"
#include "bridges/kafka/kafka_resume.h"
#include "gateway/bridge.h"

namespace ssegw::kafka {

struct SourceSettings {
  FeedOptions feed;
  std::vector<std::string> to;
  ResumeLimits resume;
};

// Reads the source's YAML map; throws ConfigError on anything wrong.
SourceSettings parse_source(const ConfigNode& node);
std::shared_ptr<const BridgePlan> parse_source_plan(const ConfigNode& node);

class KafkaSource : public Bridge {
 public:
  KafkaSource(SourceSettings settings, std::vector<std::shared_ptr<Channel>> channels);
  ~KafkaSource() override;

  const std::string& name() const override { return settings_.feed.name; }
  void start() override;
  void stop() override;
  BridgeStatus status() const override;

 private:
  const SourceSettings settings_;
  const std::vector<std::shared_ptr<Channel>> channels_;
  KafkaFeed feed_;
  KafkaResumeProvider resume_;
  std::vector<Channel*> provided_;  // channels whose resume provider we set
};

}  // namespace ssegw::kafka
