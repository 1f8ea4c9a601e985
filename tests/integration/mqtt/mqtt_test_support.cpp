#include "tests/integration/mqtt/mqtt_test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ssegw::testing {
namespace {

std::string script() {
  return source_dir() + "/tests/brokers/mosquitto.sh";
}

MqttBroker read_state(const std::string& dir) {
  std::ifstream in(dir + "/env");
  if (!in)
    throw std::runtime_error("no broker state in " + dir + " (is the mqtt fixture running?)");
  std::map<std::string, std::string> vars;
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  MqttBroker b;
  b.state_dir = dir;
  b.plain_port = static_cast<uint16_t>(std::stoi(vars.at("MQTT_PLAIN_PORT")));
  b.auth_port = static_cast<uint16_t>(std::stoi(vars.at("MQTT_AUTH_PORT")));
  b.tls_port = static_cast<uint16_t>(std::stoi(vars.at("MQTT_TLS_PORT")));
  b.user = vars.at("MQTT_USER");
  b.password = vars.at("MQTT_PASSWORD");
  b.ca_file = vars.at("MQTT_CA_FILE");
  return b;
}

bool exited_zero(ChildProcess& child, std::chrono::milliseconds timeout) {
  std::optional<int> status = child.wait_exit(timeout);
  if (!status) {
    ADD_FAILURE() << "child did not exit in time; output:\n" << child.output();
    return false;
  }
  if (*status != 0)
    ADD_FAILURE() << "child exited with status " << *status << ":\n" << child.output();
  return *status == 0;
}

}  // namespace

bool run_broker_script(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"bash", script()};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv);
  return exited_zero(child, std::chrono::seconds(30));
}

MqttBroker shared_broker() {
  const char* dir = std::getenv("SSEGW_MOSQUITTO_STATE");
  return read_state(dir ? dir : "/tmp/ssegw-mosquitto");
}

PrivateBroker::PrivateBroker() {
  char pattern[] = "/tmp/ssegw-mqtt-private-XXXXXX";
  const char* dir = mkdtemp(pattern);
  if (!dir) throw std::runtime_error("mkdtemp failed");
  info_.state_dir = dir;
  if (!run_broker_script({"start", info_.state_dir}))
    throw std::runtime_error("broker did not start");
  info_ = read_state(info_.state_dir);
}

PrivateBroker::~PrivateBroker() {
  run_broker_script({"wipe", info_.state_dir});
}

void PrivateBroker::stop() {
  ASSERT_TRUE(run_broker_script({"stop", info_.state_dir}));
}
void PrivateBroker::start() {
  ASSERT_TRUE(run_broker_script({"start", info_.state_dir}));
}

bool mqtt_publish(const MqttBroker& broker, const std::string& topic, const std::string& message,
                  int qos, std::vector<std::string> extra) {
  std::vector<std::string> argv = {"mosquitto_pub",
                                   "-h",
                                   "127.0.0.1",
                                   "-p",
                                   std::to_string(broker.plain_port),
                                   "-t",
                                   topic,
                                   "-m",
                                   message,
                                   "-q",
                                   std::to_string(qos)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  ChildProcess child(argv);
  return exited_zero(child, std::chrono::seconds(10));
}

bool mqtt_publish_lines(const MqttBroker& broker, const std::string& topic,
                        const std::vector<std::string>& lines, int qos) {
  TempFile input("", ".txt");
  {
    std::ofstream out(input.path(), std::ios::trunc);
    for (const std::string& line : lines) out << line << '\n';
  }
  // -l reads stdin line by line; the child's stdin is /dev/null, so a shell redirects it.
  const std::string command = "exec mosquitto_pub -h 127.0.0.1 -p " +
                              std::to_string(broker.plain_port) + " -q " + std::to_string(qos) +
                              " -t '" + topic + "' -l < '" + input.path() + "'";
  ChildProcess child({"bash", "-c", command});
  return exited_zero(child, std::chrono::seconds(30));
}

MqttSubscriber::MqttSubscriber(const MqttBroker& broker, const std::string& filter,
                               std::vector<std::string> extra) {
  // stdbuf: mosquitto_sub writes to a file here, which it would otherwise buffer.
  std::vector<std::string> argv = {"stdbuf",
                                   "-oL",
                                   "mosquitto_sub",
                                   "-h",
                                   "127.0.0.1",
                                   "-p",
                                   std::to_string(broker.plain_port),
                                   "-t",
                                   filter,
                                   "-v",
                                   "-d",
                                   "-q",
                                   "1"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  child_ = std::make_unique<ChildProcess>(argv);
  if (!child_->wait_for_output("received SUBACK", std::chrono::seconds(10))) {
    ADD_FAILURE() << "mosquitto_sub did not subscribe:\n" << child_->output();
  }
}

std::vector<std::string> MqttSubscriber::wait_messages(size_t n,
                                                       std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> messages;
  while (true) {
    messages.clear();
    std::istringstream in(child_->output());
    std::string line;
    while (std::getline(in, line)) {
      // -d adds protocol lines; the rest are "TOPIC PAYLOAD".
      if (line.rfind("Client ", 0) == 0 || line.rfind("Subscribed (", 0) == 0) continue;
      messages.push_back(line);
    }
    if (messages.size() >= n || std::chrono::steady_clock::now() >= deadline) return messages;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string server_state_dir(const std::string& dir) {
  return "server: {state_dir: " + dir + "}\n";
}

std::string unique_token(const std::string& what) {
  static std::atomic<int> counter{0};
  return what + "-" + std::to_string(getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
}

bool wait_ready(uint16_t port, int status, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (http_request(port, "GET", "/readyz").status == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::optional<double> metric(uint16_t port, const std::string& series) {
  HttpResponse r = http_request(port, "GET", "/metrics");
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

bool wait_metric(uint16_t port, const std::string& series, double at_least,
                 std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::optional<double> value = metric(port, series);
    if (value && *value >= at_least) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace ssegw::testing

namespace ssegw::testing {

bool wait_metric_equals(uint16_t port, const std::string& series, double value,
                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (metric(port, series) == value) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace ssegw::testing
