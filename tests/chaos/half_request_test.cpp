// Clients that connect and never finish a request (slowloris), or never send a byte, beside
// a live subscriber. README.md: a request must arrive whole within `request_timeout`, else
// 408 and close; a stream being served is not a request in progress and must not be cut.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/chaos/chaos_support.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/raw_connection.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;

// What the gateway sends before it closes the socket; nullopt if it is still open after
// `limit`.
std::optional<std::string> read_to_close(int fd, std::chrono::seconds limit) {
  timeval tv{0, 200 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) got.append(buf, static_cast<size_t>(n));
    if (n == 0) return got;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return got;
  }
  return std::nullopt;
}

TEST(ChaosHalfRequest, SlowlorisAndSilentConnectionsAreTimedOutBesideALiveStream) {
  GatewayProcess gw(
      "server: {workers: 2, heartbeat: 60s, request_timeout: 1s}\n"
      "channels: [{path: /c, history: 10, publish: true}]\n");
  SseClient live(gw.port(), "/c");
  ASSERT_EQ(live.status(), 200);
  constexpr int kEach = 100;
  std::vector<int> half, silent;
  for (int i = 0; i < kEach; ++i) {
    half.push_back(connect_loopback(gw.port()));
    ASSERT_GE(half.back(), 0);
    const std::string partial = "GET /c HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never: ending";
    ASSERT_EQ(::send(half.back(), partial.data(), partial.size(), 0),
              static_cast<ssize_t>(partial.size()));
    silent.push_back(connect_loopback(gw.port()));
    ASSERT_GE(silent.back(), 0);
  }
  ASSERT_EQ(publish(gw.port(), "/c", "before").status, 200);
  std::this_thread::sleep_for(2500ms);  // well past request_timeout
  int half_closed = 0, half_408 = 0, silent_closed = 0;
  for (int fd : half) {
    const std::optional<std::string> got = read_to_close(fd, 5s);
    half_closed += got.has_value();
    half_408 += got && got->rfind("HTTP/1.1 408", 0) == 0;
    ::close(fd);
  }
  for (int fd : silent) {
    silent_closed += read_to_close(fd, 5s).has_value();
    ::close(fd);
  }
  std::cout << "[chaos] half requests closed " << half_closed << "/" << kEach
            << " (408: " << half_408 << "), silent connections closed " << silent_closed << "/"
            << kEach << std::endl;
  EXPECT_EQ(half_closed, kEach);
  EXPECT_EQ(half_408, kEach);
  EXPECT_EQ(silent_closed, kEach);
  ASSERT_EQ(publish(gw.port(), "/c", "after").status, 200);
  const std::vector<SseEvent> events = live.take(2, 5s);
  ASSERT_EQ(events.size(), 2u) << "the live stream must outlast request_timeout";
  EXPECT_EQ(events[0].data, "before");
  EXPECT_EQ(events[1].data, "after");
  std::optional<double> open;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    open = chaos::metric(gw.port(), "ssegw_connections_open");
    if (open == 2.0) break;  // the live stream and this /metrics request
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(open, 2.0);
}

}  // namespace
}  // namespace ssegw::testing
