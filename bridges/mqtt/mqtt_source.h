#pragma once
// MQTT topics into channels. One thread per source runs the connection (connect, subscribe,
// back off, pause); messages arrive on the MQTT library's thread and are published straight
// into their channel, which only takes a lock and enqueues.
//
// Backpressure: a channel held by a slow sink makes the source disconnect from the broker
// until the channel accepts again (blocking the library's thread would stall every MQTT
// client in the process, sinks included). With clean_session: false the broker keeps
// what arrives meanwhile.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bridges/mqtt/bridge_status_board.h"
#include "bridges/mqtt/mqtt_link.h"
#include "bridges/mqtt/mqtt_source_config.h"
#include "gateway/bridge.h"

namespace ssegw::mqtt {

class MqttSource : public Bridge {
 public:
  MqttSource(MqttSourceConfig config, ChannelDirectory& channels);
  ~MqttSource() override;

  const std::string& name() const override { return config_.name; }
  void start() override;
  void stop() override;
  BridgeStatus status() const override;

 private:
  void run();
  bool subscribe(bool session_present);
  // Streams until the connection is lost, stop is requested, bad data fails the source
  // or a channel is held; returns the channel that is held, if that was the reason.
  std::shared_ptr<Channel> stream();
  void wait_until_accepting(const std::shared_ptr<Channel>& channel);
  void on_message(const ::mqtt::const_message_ptr& message);
  std::shared_ptr<Channel> channel_for(const std::string& topic);
  bool log_allowed(std::chrono::steady_clock::time_point& last);

  const MqttSourceConfig config_;
  ChannelDirectory& channels_;
  StatusBoard board_;
  std::unique_ptr<MqttLink> link_;
  std::thread thread_;

  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> events_in_{0};
  std::atomic<uint64_t> events_out_{0};
  std::atomic<uint64_t> bad_data_{0};
  std::atomic<uint64_t> refused_topics_{0};
  std::atomic<uint64_t> channel_limit_hits_{0};
  std::atomic<uint64_t> pauses_{0};

  std::mutex held_mu_;
  std::shared_ptr<Channel> held_;  // set by on_message when its channel stopped accepting
  // Only touched on the library's thread (on_message), so no lock.
  std::chrono::steady_clock::time_point last_bad_data_log_{};
  std::chrono::steady_clock::time_point last_refused_log_{};
  std::chrono::steady_clock::time_point last_unsafe_log_{};
};

}  // namespace ssegw::mqtt
