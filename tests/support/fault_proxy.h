#pragma once
// A TCP proxy for chaos tests: sits between the gateway and a broker or upstream on
// 127.0.0.1 and can be switched, while connections are open, to stall, throttle, reset or
// refuse them. One thread of its own runs a poll loop over every socket; the destructor
// stops it and closes everything.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

namespace ssegw::testing {

class FaultProxy {
 public:
  enum class Mode {
    kPass,    // forward both ways
    kStall,   // forward nothing either way; sockets stay open, new ones are accepted and held
    kSlow,    // forward at most bytes_per_second per direction per connection
    kReset,   // RST every open connection and every new one (SO_LINGER 0, then close)
    kRefuse,  // stop listening: new connections get ECONNREFUSED; open ones keep passing
  };

  // Listens on 127.0.0.1:listen_port (0: any free port) and forwards each accepted
  // connection to target_host:target_port. A fixed port is for peers told the address in
  // advance, such as a Kafka broker that advertises the proxy as its own listener.
  FaultProxy(std::string target_host, uint16_t target_port, uint16_t listen_port = 0);
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;
  ~FaultProxy();

  uint16_t port() const { return port_; }
  // Takes effect within one loop turn (at most ~10 ms).
  void set_mode(Mode mode, size_t bytes_per_second = 1024);
  Mode mode() const { return mode_.load(); }

  // Counters for tests to check that the fault really happened.
  uint64_t accepted() const { return accepted_.load(); }
  uint64_t resets() const { return resets_.load(); }  // connections this proxy reset
  uint64_t bytes_to_target() const { return bytes_to_target_.load(); }
  uint64_t bytes_to_client() const { return bytes_to_client_.load(); }
  size_t open_connections() const { return open_.load(); }

 private:
  class Loop;  // the poll loop and the connections it owns, only touched by thread_
  void run();

  std::string target_host_;
  uint16_t target_port_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;  // handed to the loop thread, which owns it from then on
  int wake_read_ = -1;
  int wake_write_ = -1;
  std::atomic<Mode> mode_{Mode::kPass};
  std::atomic<size_t> bytes_per_second_{1024};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> resets_{0};
  std::atomic<uint64_t> bytes_to_target_{0};
  std::atomic<uint64_t> bytes_to_client_{0};
  std::atomic<size_t> open_{0};
  std::thread thread_;
};

const char* to_string(FaultProxy::Mode mode);

}  // namespace ssegw::testing
