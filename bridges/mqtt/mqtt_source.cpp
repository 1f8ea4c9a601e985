#include "bridges/mqtt/mqtt_source.h"

#include "bridges/common/json_text.h"
#include "gateway/log.h"

namespace ssegw::mqtt {

MqttSource::MqttSource(MqttSourceConfig config, ChannelDirectory& channels)
    : config_(std::move(config)), channels_(channels) {
  link_ = std::make_unique<MqttLink>(
      config_.name, config_.connection, board_,
      [this](::mqtt::const_message_ptr message) { on_message(message); });
}

MqttSource::~MqttSource() {
  stop();
}

void MqttSource::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void MqttSource::stop() {
  link_->request_stop();
  if (thread_.joinable()) thread_.join();
  link_->disconnect();
  if (board_.state() != BridgeState::kFailed) board_.set_state(BridgeState::kStopped, "stopped");
}

BridgeStatus MqttSource::status() const {
  BridgeStatus s = board_.snapshot();
  s.events_in = events_in_.load(std::memory_order_relaxed);
  s.events_out = events_out_.load(std::memory_order_relaxed);
  s.dropped_bad_data = bad_data_.load(std::memory_order_relaxed);
  s.gauges["connected"] = s.state == BridgeState::kStreaming ? 1 : 0;
  s.gauges["topics_refused"] = static_cast<double>(refused_topics_.load(std::memory_order_relaxed));
  s.gauges["channel_limit_hits"] =
      static_cast<double>(channel_limit_hits_.load(std::memory_order_relaxed));
  s.gauges["pauses"] = static_cast<double>(pauses_.load(std::memory_order_relaxed));
  return s;
}

void MqttSource::run() {
  while (!link_->stop_requested()) {
    bool session_present = false;
    if (!link_->connect(&session_present)) break;
    if (!subscribe(session_present)) {
      link_->drop("subscribe failed");
      continue;  // connect() backs off after a connection that did not last
    }
    std::shared_ptr<Channel> held = stream();
    if (failed_.load()) {
      link_->disconnect();
      return;  // the state says failed, with the reason
    }
    if (held) {
      link_->closed_on_purpose();
      wait_until_accepting(held);
    }
  }
}

bool MqttSource::subscribe(bool session_present) {
  if (session_present && !config_.connection.clean_session) {
    // The broker kept our subscriptions; subscribing again would make it resend every
    // retained message as if it were new.
    log_info("mqtt session resumed, subscriptions kept by the broker", {{"bridge", config_.name}});
    return true;
  }
  try {
    auto filters = ::mqtt::string_collection::create(config_.topics);
    ::mqtt::iasync_client::qos_collection qos(config_.topics.size(), config_.qos);
    ::mqtt::token_ptr token = link_->client().subscribe(filters, qos);
    if (!token->wait_for(std::chrono::milliseconds(config_.connection.connect_timeout_ms))) {
      log_warn("mqtt subscribe timed out", {{"bridge", config_.name}});
      return false;
    }
    const std::vector<::mqtt::ReasonCode> granted =
        token->get_subscribe_response().get_reason_codes();
    size_t refused = 0;
    for (size_t i = 0; i < granted.size() && i < config_.topics.size(); ++i) {
      if (static_cast<int>(granted[i]) >= 0x80) {
        ++refused;
        log_error("mqtt broker refused subscription",
                  {{"bridge", config_.name}, {"topic", config_.topics[i]}});
      }
    }
    if (refused == config_.topics.size()) return false;
    log_info("mqtt subscribed", {{"bridge", config_.name},
                                 {"topics", std::to_string(config_.topics.size() - refused)},
                                 {"qos", std::to_string(config_.qos)}});
    return true;
  } catch (const ::mqtt::exception& e) {
    log_warn("mqtt subscribe failed",
             {{"bridge", config_.name}, {"error", describe_mqtt_error(e)}});
    return false;
  }
}

std::shared_ptr<Channel> MqttSource::stream() {
  board_.set_state(BridgeState::kStreaming, "subscribed to " +
                                                std::to_string(config_.topics.size()) +
                                                " topic filter(s) on " + config_.connection.broker);
  while (link_->wait_while_connected(std::chrono::milliseconds(100))) {
    if (failed_.load()) return nullptr;
    std::lock_guard lock(held_mu_);
    if (held_) return std::exchange(held_, nullptr);
  }
  return nullptr;
}

void MqttSource::wait_until_accepting(const std::shared_ptr<Channel>& channel) {
  pauses_.fetch_add(1, std::memory_order_relaxed);
  board_.set_state(BridgeState::kBackingOff,
                   "paused: channel " + channel->path() + " held by a sink");
  // With a clean session the broker forgets us while we are away; say so, since messages
  // published during the pause are then lost upstream.
  log_warn("mqtt source paused: channel held by a slow sink, disconnected from the broker",
           {{"bridge", config_.name},
            {"channel", channel->path()},
            {"broker_keeps_messages",
             config_.connection.clean_session ? "no (clean_session: true)" : "yes"}});
  while (!channel->accepting()) {
    if (!link_->sleep(std::chrono::milliseconds(50))) return;
  }
  log_info("mqtt source resuming", {{"bridge", config_.name}, {"channel", channel->path()}});
}

bool MqttSource::log_allowed(std::chrono::steady_clock::time_point& last) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last < std::chrono::seconds(10)) return false;
  last = now;
  return true;
}

std::shared_ptr<Channel> MqttSource::channel_for(const std::string& topic) {
  if (!config_.to_template) {
    std::shared_ptr<Channel> channel = channels_.find(config_.to);
    if (!channel && log_allowed(last_refused_log_)) {
      log_error("mqtt source's channel is gone",
                {{"bridge", config_.name}, {"channel", config_.to}});
    }
    return channel;
  }
  std::string why;
  std::optional<std::string> path = config_.to_template->render(topic, &why);
  if (!path) {
    refused_topics_.fetch_add(1, std::memory_order_relaxed);
    if (log_allowed(last_unsafe_log_))
      log_warn("mqtt topic refused: it cannot make a safe channel path",
               {{"bridge", config_.name},
                {"topic", topic_as_event_type(topic)},
                {"reason", why},
                {"refused_total", std::to_string(refused_topics_.load())}});
    return nullptr;
  }
  std::shared_ptr<Channel> channel =
      channels_.find_or_create(*path, config_.channel_defaults, config_.max_channels);
  if (!channel) {
    channel_limit_hits_.fetch_add(1, std::memory_order_relaxed);
    if (log_allowed(last_refused_log_)) {
      log_error("mqtt channel limit reached: message not published, raise max_channels",
                {{"bridge", config_.name},
                 {"path", *path},
                 {"max_channels", std::to_string(config_.max_channels)}});
    }
  }
  return channel;
}

void MqttSource::on_message(const ::mqtt::const_message_ptr& message) {
  if (!message || failed_.load(std::memory_order_relaxed)) return;
  events_in_.fetch_add(1, std::memory_order_relaxed);
  const std::string& topic = message->get_topic();
  if (config_.json && !is_json_text(message->get_payload())) {
    bad_data_.fetch_add(1, std::memory_order_relaxed);
    if (config_.fail_on_bad_data) {
      failed_.store(true);
      board_.set_state(BridgeState::kFailed,
                       "payload on " + topic + " is not JSON (bad_data: fail)");
      log_error("mqtt source failed: payload is not JSON and bad_data is fail",
                {{"bridge", config_.name}, {"topic", topic_as_event_type(topic)}});
    } else if (log_allowed(last_bad_data_log_)) {
      log_warn("mqtt payload is not JSON, dropped (counted in dropped_bad_data)",
               {{"bridge", config_.name}, {"topic", topic_as_event_type(topic)}});
    }
    return;
  }
  std::shared_ptr<Channel> channel = channel_for(topic);
  if (!channel) return;
  Event event;
  event.type = config_.fixed_type.empty() ? topic_as_event_type(topic) : config_.fixed_type;
  event.data = message->get_payload();
  event.source = config_.name;
  event.attributes = {{"mqtt_topic", topic}, {"mqtt_qos", std::to_string(message->get_qos())}};
  if (message->is_retained()) event.attributes.emplace_back("mqtt_retained", "true");
  channel->publish(std::move(event));
  events_out_.fetch_add(1, std::memory_order_relaxed);
  if (!channel->accepting()) {
    std::lock_guard lock(held_mu_);
    if (!held_) held_ = channel;
  }
}

}  // namespace ssegw::mqtt
