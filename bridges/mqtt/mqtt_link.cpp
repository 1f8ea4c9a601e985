#include "bridges/mqtt/mqtt_link.h"

#include "gateway/log.h"

namespace ssegw::mqtt {

std::string describe_mqtt_error(const ::mqtt::exception& e) {
  // CONNACK return codes of MQTT 3.1.1 arrive as positive codes.
  switch (e.get_return_code()) {
    case 1:
      return "broker refused the protocol version";
    case 2:
      return "broker refused the client id";
    case 3:
      return "broker unavailable";
    case 4:
      return "bad user name or password";
    case 5:
      return "not authorized (check username and password)";
    default:
      break;
  }
  std::string text = e.get_message();
  if (text.empty()) text = e.what();
  return text + " (code " + std::to_string(e.get_return_code()) + ")";
}

MqttLink::MqttLink(std::string bridge_name, MqttConnectionConfig config, StatusBoard& board,
                   MessageHandler on_message)
    : name_(std::move(bridge_name)),
      config_(std::move(config)),
      board_(board),
      backoff_(config_.backoff_initial_ms, config_.backoff_max_ms) {
  // No persistence: what the gateway must not lose lives in channels and the sink's queue,
  // and files in the working directory would surprise a sandboxed service.
  client_ = std::make_unique<::mqtt::async_client>(config_.broker, config_.client_id, nullptr);
  client_->set_connection_lost_handler([this](const std::string& cause) {
    {
      std::lock_guard lock(mu_);
      lost_ = true;
    }
    cv_.notify_all();
    log_warn("mqtt connection lost", {{"bridge", name_},
                                      {"broker", config_.broker},
                                      {"cause", cause.empty() ? "closed" : cause}});
  });
  if (on_message) client_->set_message_callback(std::move(on_message));
}

MqttLink::~MqttLink() {
  request_stop();
  disconnect();
}

::mqtt::connect_options MqttLink::connect_options() const {
  ::mqtt::connect_options opts;
  opts.set_mqtt_version(MQTTVERSION_3_1_1);
  opts.set_clean_session(config_.clean_session);
  opts.set_keep_alive_interval(std::chrono::seconds(config_.keepalive_ms / 1000));
  opts.set_connect_timeout(
      std::chrono::seconds(std::max<int64_t>(1, config_.connect_timeout_ms / 1000)));
  opts.set_automatic_reconnect(false);
  if (config_.username) opts.set_user_name(*config_.username);
  if (config_.password) opts.set_password(*config_.password);
  if (config_.tls) {
    ::mqtt::ssl_options ssl;
    if (!config_.tls->ca_file.empty()) ssl.set_trust_store(config_.tls->ca_file);
    if (!config_.tls->cert_file.empty()) ssl.set_key_store(config_.tls->cert_file);
    if (!config_.tls->key_file.empty()) ssl.set_private_key(config_.tls->key_file);
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(true);  // the certificate must name the host we dialled
    opts.set_ssl(std::move(ssl));
  }
  return opts;
}

bool MqttLink::attempt(bool* session_present, std::string* error) {
  try {
    ::mqtt::token_ptr token = client_->connect(connect_options());
    if (!token->wait_for(std::chrono::milliseconds(config_.connect_timeout_ms + 1000))) {
      *error = "connect timed out";
      try {
        client_->disconnect(0)->wait_for(std::chrono::seconds(1));
      } catch (const ::mqtt::exception&) {
      }
      return false;
    }
    *session_present = token->get_connect_response().is_session_present();
    return true;
  } catch (const ::mqtt::exception& e) {
    *error = describe_mqtt_error(e);
    return false;
  }
}

bool MqttLink::connect(bool* session_present) {
  if (ever_connected_ && !std::exchange(closed_on_purpose_, false)) {
    // A connection that broke soon after it was made (a broker that accepts and then drops
    // us, another client taking our id) must not turn into a tight reconnect loop.
    if (std::chrono::steady_clock::now() - connected_at_ >= std::chrono::seconds(10)) {
      backoff_.reset();
    } else if (!sleep(std::chrono::milliseconds(backoff_.next_ms()))) {
      return false;
    }
  }
  while (!stop_requested()) {
    board_.set_state(BridgeState::kConnecting, "connecting to " + config_.broker);
    {
      std::lock_guard lock(mu_);
      lost_ = false;
    }
    std::string error;
    if (attempt(session_present, &error)) {
      connected_at_ = std::chrono::steady_clock::now();
      log_info(ever_connected_ ? "mqtt reconnected" : "mqtt connected",
               {{"bridge", name_},
                {"broker", config_.broker},
                {"client_id", config_.client_id},
                {"session_present", *session_present ? "true" : "false"}});
      ever_connected_ = true;
      return true;
    }
    {
      std::lock_guard lock(mu_);
      lost_ = true;
    }
    const int64_t wait_ms = backoff_.next_ms();
    board_.update([&](BridgeStatus& s) {
      s.state = BridgeState::kBackingOff;
      s.detail = error;
      ++s.reconnects;
    });
    log_warn("mqtt connect failed, retrying", {{"bridge", name_},
                                               {"broker", config_.broker},
                                               {"error", error},
                                               {"attempt", std::to_string(backoff_.failures())},
                                               {"retry_in_ms", std::to_string(wait_ms)}});
    if (!sleep(std::chrono::milliseconds(wait_ms))) break;
  }
  return false;
}

bool MqttLink::wait_while_connected(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return stop_ || lost_; });
  return !stop_ && !lost_;
}

bool MqttLink::sleep(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return stop_; });
  return !stop_;
}

void MqttLink::drop(const std::string& reason) {
  log_warn("mqtt dropping connection",
           {{"bridge", name_}, {"broker", config_.broker}, {"reason", reason}});
  {
    std::lock_guard lock(mu_);
    lost_ = true;
  }
  cv_.notify_all();
  disconnect();
}

void MqttLink::closed_on_purpose() {
  disconnect();
  closed_on_purpose_ = true;
}

bool MqttLink::connected() const {
  std::lock_guard lock(mu_);
  return !lost_;
}

void MqttLink::request_stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

bool MqttLink::stop_requested() const {
  std::lock_guard lock(mu_);
  return stop_;
}

void MqttLink::disconnect() {
  try {
    if (client_->is_connected()) client_->disconnect(1000)->wait_for(std::chrono::seconds(2));
  } catch (const ::mqtt::exception& e) {
    log_debug("mqtt disconnect", {{"bridge", name_}, {"error", e.what()}});
  }
  {
    std::lock_guard lock(mu_);
    lost_ = true;
  }
  cv_.notify_all();
}

}  // namespace ssegw::mqtt
