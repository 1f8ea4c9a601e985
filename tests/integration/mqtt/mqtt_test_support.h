#pragma once
// The real Mosquitto broker and its command-line clients, for the MQTT integration tests.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {

// What tests/brokers/mosquitto.sh wrote into its state folder's `env` file.
struct MqttBroker {
  std::string state_dir;
  uint16_t plain_port = 0;
  uint16_t auth_port = 0;
  uint16_t tls_port = 0;
  std::string user;
  std::string password;
  std::string ca_file;
  std::string plain_url() const { return "tcp://127.0.0.1:" + std::to_string(plain_port); }
  std::string auth_url() const { return "tcp://127.0.0.1:" + std::to_string(auth_port); }
  std::string tls_url() const { return "ssl://127.0.0.1:" + std::to_string(tls_port); }
};

// The broker the CTest fixture started ($SSEGW_MOSQUITTO_STATE); fails the test if absent.
MqttBroker shared_broker();

// A broker of the test's own, in a temp folder, that the test may stop and start again on
// the same ports with its data kept. Stopped and wiped by the destructor.
class PrivateBroker {
 public:
  PrivateBroker();
  ~PrivateBroker();
  const MqttBroker& info() const { return info_; }
  void stop();
  void start();

 private:
  MqttBroker info_;
};

// Runs tests/brokers/mosquitto.sh with `args`; true if it exited 0.
bool run_broker_script(const std::vector<std::string>& args);

// mosquitto_pub of one message; `extra` adds options (-r, -u, ...). True if it exited 0.
bool mqtt_publish(const MqttBroker& broker, const std::string& topic, const std::string& message,
                  int qos = 1, std::vector<std::string> extra = {});
// mosquitto_pub -l: each line of `lines` one message, in order, over one connection.
bool mqtt_publish_lines(const MqttBroker& broker, const std::string& topic,
                        const std::vector<std::string>& lines, int qos = 1);

// A running mosquitto_sub -v on the plain listener; lines are "TOPIC PAYLOAD".
class MqttSubscriber {
 public:
  MqttSubscriber(const MqttBroker& broker, const std::string& filter,
                 std::vector<std::string> extra = {});
  // Waits until `n` messages arrived (or the timeout); returns those seen, in order.
  std::vector<std::string> wait_messages(size_t n, std::chrono::milliseconds timeout);
  std::string output() const { return child_->output(); }

 private:
  std::unique_ptr<ChildProcess> child_;
};

// "server: {state_dir: DIR}\n", to begin a config with: a sink spools under state_dir, and
// each test's gateway needs its own so that no spool outlives its test into the next one.
std::string server_state_dir(const std::string& dir);

// A string no other test run uses, for topics and client ids.
std::string unique_token(const std::string& what);

// Polls GET /readyz until it answers `status` (200 ready, 503 not); true if it did in time.
bool wait_ready(uint16_t port, int status, std::chrono::milliseconds timeout);
// The value of one /metrics line that starts with `series` (name plus labels), if present.
std::optional<double> metric(uint16_t port, const std::string& series);
// Polls metric() until it equals `value`.
bool wait_metric_equals(uint16_t port, const std::string& series, double value,
                        std::chrono::milliseconds timeout);
// Polls metric() until it is at least `at_least`.
bool wait_metric(uint16_t port, const std::string& series, double at_least,
                 std::chrono::milliseconds timeout);

}  // namespace ssegw::testing
