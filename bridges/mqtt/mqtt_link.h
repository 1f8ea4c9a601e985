#pragma once
// One bridge's connection to its broker: connects, notices loss, and waits with backoff and
// jitter between attempts, logging every failure. The MQTT library's own automatic
// reconnect is not used because it neither retries the first connection nor adds jitter.
#include <mqtt/async_client.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "bridges/common/backoff.h"
#include "bridges/mqtt/bridge_status_board.h"
#include "bridges/mqtt/mqtt_connection_config.h"

namespace ssegw::mqtt {

class MqttLink {
 public:
  using MessageHandler = std::function<void(::mqtt::const_message_ptr)>;

  // `on_message` runs on the MQTT library's thread, which every client in the process
  // shares: it must never block.
  MqttLink(std::string bridge_name, MqttConnectionConfig config, StatusBoard& board,
           MessageHandler on_message = nullptr);
  ~MqttLink();
  MqttLink(const MqttLink&) = delete;
  MqttLink& operator=(const MqttLink&) = delete;

  ::mqtt::async_client& client() { return *client_; }
  const MqttConnectionConfig& config() const { return config_; }

  // Blocks until connected (true, with whether the broker kept our session) or until stop
  // was requested (false). Failed attempts are logged, counted as reconnects and followed
  // by a backoff wait; the state shows kConnecting / kBackingOff meanwhile.
  bool connect(bool* session_present);
  // Sleeps up to `timeout` or until the connection is lost or stop is requested. True
  // while the connection is up and no stop was requested.
  bool wait_while_connected(std::chrono::milliseconds timeout);
  // Interruptible sleep; false when stop was requested.
  bool sleep(std::chrono::milliseconds timeout);
  // The owner closed the connection on purpose (a pause): the next connect() is not a
  // retry after a flapping connection and starts at once.
  void closed_on_purpose();
  // The owner saw the connection fail (an ack timed out): drop it so connect() starts over.
  void drop(const std::string& reason);
  bool connected() const;

  void request_stop();
  bool stop_requested() const;
  // Clean DISCONNECT with a bounded wait; harmless when not connected.
  void disconnect();

 private:
  ::mqtt::connect_options connect_options() const;
  bool attempt(bool* session_present, std::string* error);

  const std::string name_;
  const MqttConnectionConfig config_;
  StatusBoard& board_;
  std::unique_ptr<::mqtt::async_client> client_;
  Backoff backoff_;
  bool ever_connected_ = false;
  bool closed_on_purpose_ = false;
  std::chrono::steady_clock::time_point connected_at_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool lost_ = true;
};

// Human text for the CONNACK and client return codes paho reports, for logs.
std::string describe_mqtt_error(const ::mqtt::exception& e);

}  // namespace ssegw::mqtt
