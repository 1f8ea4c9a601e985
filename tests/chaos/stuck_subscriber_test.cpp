// One subscriber that stops reading among a thousand. README.md promises that a subscriber
// further behind than `subscriber_queue_bytes` is disconnected (it may resume with
// Last-Event-ID) and counted in /metrics, while everyone else keeps getting every event.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <thread>

#include "tests/chaos/chaos_support.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/raw_connection.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;

// A subscription with a 4 KiB receive window that never reads a byte. Its small MSS keeps
// the gateway's kernel send buffer from autotuning to megabytes (as it does on loopback's
// 64 KiB MSS), so a few hundred KB are enough to fill the gateway's own queue.
int stuck_subscriber(uint16_t port, const std::string& path) {
  const int fd = connect_loopback(port, {.receive_buffer = 4096, .max_segment = 536});
  if (fd < 0) return -1;
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ::send(fd, request.data(), request.size(), 0);
  return fd;
}

// Reads what the gateway still sends to the stuck socket; true if it ends (FIN or RST).
bool ends_within(int fd, std::chrono::seconds limit) {
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
  }
  return false;
}

TEST(ChaosSlowSubscriber, OneStuckAmongAThousandIsDroppedAndTheOthersGetEveryEvent) {
  GatewayProcess gw(
      "server: {workers: 2, heartbeat: 60s, subscriber_queue_bytes: 8KiB}\n"
      "channels: [{path: /s, history: 10, publish: true}]\n");
  constexpr int kReaders = 999;
  constexpr int kEvents = 300;
  constexpr int kRound = 20;
  // 300 x 1 KB: past the stuck socket's 4 KiB window, the gateway's 8 KiB queue and the
  // ~130 KB kernel send buffer; the readers are kept in step so none of them falls behind.
  const int stuck = stuck_subscriber(gw.port(), "/s");
  ASSERT_GE(stuck, 0);
  std::vector<std::unique_ptr<SseClient>> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(std::make_unique<SseClient>(gw.port(), "/s"));
    ASSERT_EQ(readers.back()->status(), 200) << "reader " << i;
  }
  const std::string padding(1000, 'p');
  std::vector<std::string> expected;
  std::vector<std::vector<std::string>> got(kReaders);
  const auto deadline = std::chrono::steady_clock::now() + 150s;
  for (int first = 1; first <= kEvents && std::chrono::steady_clock::now() < deadline;
       first += kRound) {
    for (int k = first; k < first + kRound; ++k) {
      expected.push_back(std::to_string(k) + ":" + padding);
      ASSERT_EQ(publish(gw.port(), "/s", expected.back()).status, 200);
    }
    for (int r = 0; r < kReaders; ++r) {
      while (got[r].size() < expected.size()) {
        auto e = readers[r]->next(3s);
        if (!e) break;
        got[r].push_back(e->data);
      }
    }
  }
  chaos::Tally total;
  int readers_short = 0;
  for (int r = 0; r < kReaders; ++r) {
    const chaos::Tally t = chaos::count(expected, got[r]);
    if (t.lost > 0) ++readers_short;
    total += t;
  }
  chaos::report("999 readers beside one stuck subscriber", total);
  EXPECT_EQ(expected.size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(total.lost, 0u) << readers_short << " readers missed events";
  EXPECT_EQ(total.duplicated, 0u);
  EXPECT_EQ(total.out_of_order, 0u);
  EXPECT_EQ(chaos::metric(gw.port(), "ssegw_slow_subscriber_disconnects_total"), 1.0);
  EXPECT_EQ(chaos::metric(gw.port(), "ssegw_channel_subscribers{channel=\"/s\"}"), 999.0);
  EXPECT_TRUE(ends_within(stuck, 20s)) << "the stuck subscriber's connection must be closed";
  ::close(stuck);
}

}  // namespace
}  // namespace ssegw::testing
