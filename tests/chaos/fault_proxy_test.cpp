// The fault proxy itself, against a small echo server: each mode does what the chaos tests
// rely on it to do.
#include "tests/support/fault_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Echoes every byte back on every connection, from one thread, until destroyed.
class EchoServer {
 public:
  EchoServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 64);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
    for (int fd : clients_) ::close(fd);
    ::close(listen_fd_);
  }
  uint16_t port() const { return port_; }

 private:
  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (int fd : clients_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) clients_.push_back(::accept(listen_fd_, nullptr, nullptr));
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!fds[i].revents) continue;
        char buf[4096];
        const ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
        if (n > 0) ::send(fds[i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL);
      }
    }
  }
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::vector<int> clients_;  // only touched by thread_ until it is joined
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A blocking client socket with a receive timeout; -errno when connect fails.
int connect_to(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    return -err;
  }
  timeval tv{0, 200 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// Reads until `want` bytes arrived, the peer ended or reset, or the deadline passed.
// Returns the bytes read; `error` gets the errno of a failed read (0 otherwise).
std::string read_up_to(int fd, size_t want, std::chrono::milliseconds timeout, int* error) {
  std::string got;
  *error = 0;
  const auto deadline = Clock::now() + timeout;
  while (got.size() < want && Clock::now() < deadline) {
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      got.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      *error = errno;
      break;
    }
  }
  return got;
}

TEST(FaultProxy, PassForwardsBothWays) {
  EchoServer echo;
  FaultProxy proxy("127.0.0.1", echo.port());
  const int fd = connect_to(proxy.port());
  ASSERT_GE(fd, 0);
  const std::string message(100000, 'x');
  ASSERT_EQ(::send(fd, message.data(), message.size(), 0), static_cast<ssize_t>(message.size()));
  int error = 0;
  EXPECT_EQ(read_up_to(fd, message.size(), 5s, &error), message);
  EXPECT_EQ(proxy.accepted(), 1u);
  EXPECT_EQ(proxy.bytes_to_target(), message.size());
  ::close(fd);
}

TEST(FaultProxy, StallHoldsBytesUntilPassAgain) {
  EchoServer echo;
  FaultProxy proxy("127.0.0.1", echo.port());
  const int fd = connect_to(proxy.port());
  ASSERT_GE(fd, 0);
  proxy.set_mode(FaultProxy::Mode::kStall);
  std::this_thread::sleep_for(50ms);
  ASSERT_EQ(::send(fd, "ping", 4, 0), 4);
  int error = 0;
  EXPECT_EQ(read_up_to(fd, 4, 600ms, &error), "") << "nothing may pass while stalled";
  EXPECT_EQ(error, 0) << "the connection stays open";
  const int late = connect_to(proxy.port());
  EXPECT_GE(late, 0) << "new connections are accepted and held";
  proxy.set_mode(FaultProxy::Mode::kPass);
  EXPECT_EQ(read_up_to(fd, 4, 2s, &error), "ping");
  ::close(fd);
  if (late >= 0) ::close(late);
}

TEST(FaultProxy, SlowThrottlesToTheGivenRate) {
  EchoServer echo;
  FaultProxy proxy("127.0.0.1", echo.port());
  const int fd = connect_to(proxy.port());
  ASSERT_GE(fd, 0);
  proxy.set_mode(FaultProxy::Mode::kSlow, 1024);
  std::this_thread::sleep_for(50ms);
  const std::string message(3000, 's');
  const auto start = Clock::now();
  ASSERT_EQ(::send(fd, message.data(), message.size(), 0), 3000);
  int error = 0;
  EXPECT_EQ(read_up_to(fd, message.size(), 10s, &error), message);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // 3000 bytes at 1 KiB/s is about 2.9 s; a quarter second of burst allowance comes off.
  EXPECT_GT(seconds, 2.0);
  EXPECT_LT(seconds, 6.0);
  ::close(fd);
}

TEST(FaultProxy, ResetSendsRstOnOpenAndNewConnections) {
  EchoServer echo;
  FaultProxy proxy("127.0.0.1", echo.port());
  const int fd = connect_to(proxy.port());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::send(fd, "a", 1, 0), 1);
  int error = 0;
  ASSERT_EQ(read_up_to(fd, 1, 2s, &error), "a");
  proxy.set_mode(FaultProxy::Mode::kReset);
  read_up_to(fd, 1, 2s, &error);
  EXPECT_EQ(error, ECONNRESET);
  const int again = connect_to(proxy.port());
  ASSERT_GE(again, 0) << "accepted, then reset";
  read_up_to(again, 1, 2s, &error);
  EXPECT_EQ(error, ECONNRESET);
  EXPECT_GE(proxy.resets(), 2u);
  ::close(fd);
  ::close(again);
}

TEST(FaultProxy, RefuseClosesTheListenerAndPassReopensItOnTheSamePort) {
  EchoServer echo;
  FaultProxy proxy("127.0.0.1", echo.port());
  const int open = connect_to(proxy.port());
  ASSERT_GE(open, 0);
  proxy.set_mode(FaultProxy::Mode::kRefuse);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(connect_to(proxy.port()), -ECONNREFUSED);
  ASSERT_EQ(::send(open, "b", 1, 0), 1);
  int error = 0;
  EXPECT_EQ(read_up_to(open, 1, 2s, &error), "b") << "open connections keep passing";
  proxy.set_mode(FaultProxy::Mode::kPass);
  std::this_thread::sleep_for(100ms);
  const int fd = connect_to(proxy.port());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::send(fd, "c", 1, 0), 1);
  EXPECT_EQ(read_up_to(fd, 1, 2s, &error), "c");
  ::close(fd);
  ::close(open);
}

TEST(FaultProxy, ATargetThatRefusesIsAResetForTheClient) {
  const uint16_t nothing_there = [] {
    EchoServer gone;  // a port that was just free
    return gone.port();
  }();
  FaultProxy proxy("127.0.0.1", nothing_there);
  const int fd = connect_to(proxy.port());
  ASSERT_GE(fd, 0);
  int error = 0;
  const std::string got = read_up_to(fd, 1, 2s, &error);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(error, ECONNRESET);
  ::close(fd);
}

}  // namespace
}  // namespace ssegw::testing
