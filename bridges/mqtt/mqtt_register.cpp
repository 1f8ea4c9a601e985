#include <stdexcept>

#include "bridges/catalog.h"
#include "bridges/common/sink_spool_config.h"
#include "bridges/mqtt/mqtt_sink.h"
#include "bridges/mqtt/mqtt_source.h"

namespace ssegw {
namespace {

class MqttSourcePlan : public BridgePlan {
 public:
  explicit MqttSourcePlan(mqtt::MqttSourceConfig config) : config_(std::move(config)) {}
  std::unique_ptr<Bridge> build(BridgeContext& ctx) const override {
    return std::make_unique<mqtt::MqttSource>(config_, ctx.channels);
  }
  std::vector<std::string> channel_paths() const override {
    if (config_.to_template) return {};  // channels made on demand
    return {config_.to};
  }

 private:
  mqtt::MqttSourceConfig config_;
};

class MqttSinkPlan : public BridgePlan {
 public:
  explicit MqttSinkPlan(mqtt::MqttSinkConfig config) : config_(std::move(config)) {}
  std::unique_ptr<Bridge> build(BridgeContext& ctx) const override {
    std::shared_ptr<Channel> channel = ctx.channels.find(config_.from);
    if (!channel) {
      throw std::runtime_error("mqtt sink '" + config_.name + "': channel " + config_.from +
                               " does not exist");
    }
    return std::make_unique<mqtt::MqttSink>(config_, std::move(channel),
                                            spool_dir(ctx.state_dir, config_.name));
  }
  std::vector<std::string> channel_paths() const override { return {config_.from}; }

 private:
  mqtt::MqttSinkConfig config_;
};

}  // namespace

void register_mqtt_bridges(BridgeCatalog& catalog) {
  catalog.sources["mqtt"] = [](const ConfigNode& node) -> std::shared_ptr<const BridgePlan> {
    return std::make_shared<MqttSourcePlan>(mqtt::parse_mqtt_source(node));
  };
  catalog.sinks["mqtt"] = [](const ConfigNode& node) -> std::shared_ptr<const BridgePlan> {
    return std::make_shared<MqttSinkPlan>(mqtt::parse_mqtt_sink(node));
  };
}

}  // namespace ssegw
