// Faults on the subscribers' side: a fault proxy between fifty subscribers and the gateway
// resets every connection twice while events flow. README.md promises that a subscriber who
// comes back with Last-Event-ID misses nothing and gets nothing twice; and the gateway must
// not keep anything of the reset connections (open connections and descriptors return to
// where they were).
#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <thread>

#include "tests/chaos/chaos_support.h"
#include "tests/integration/sse/upstream_server.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;

size_t open_descriptors(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(path.c_str());
  if (!dir) return 0;
  size_t n = 0;
  while (dirent* entry = readdir(dir)) n += entry->d_name[0] != '.';
  closedir(dir);
  return n;
}

// Reads until it has `want` events, reconnecting with Last-Event-ID whenever the stream
// breaks, like a browser's EventSource; bounded by `limit`.
struct ResumingSubscriber {
  std::vector<std::string> got;
  int reconnects = 0;

  void run(uint16_t port, size_t want, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string last_id;
    while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
      Headers headers;
      if (!last_id.empty()) headers.emplace_back("Last-Event-ID", last_id);
      SseClient client(port, "/c", headers);
      if (client.status() != 200) {
        std::this_thread::sleep_for(100ms);
        continue;
      }
      while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
        std::optional<SseEvent> e = client.next(1s);
        if (!e) {
          if (client.closed()) break;
          continue;
        }
        got.push_back(e->data);
        last_id = e->id;
      }
      if (got.size() < want) ++reconnects;
    }
  }
};

TEST(ChaosSubscriberLink, ResetsMidStreamLoseNothingAndLeaveNoConnectionBehind) {
  GatewayProcess gw(
      "server: {workers: 2, heartbeat: 1s}\n"
      "channels: [{path: /c, history: 10000, publish: true}]\n");
  const pid_t pid = gw.process().pid();
  std::this_thread::sleep_for(200ms);
  const size_t fds_before = open_descriptors(pid);
  FaultProxy proxy("127.0.0.1", gw.port());
  constexpr int kSubscribers = 50;
  constexpr int kEvents = 1000;
  std::vector<ResumingSubscriber> subs(kSubscribers);
  std::vector<std::thread> readers;
  for (auto& s : subs) readers.emplace_back([&s, &proxy] { s.run(proxy.port(), kEvents, 60s); });
  std::this_thread::sleep_for(500ms);  // every subscriber connected before the first event
  std::thread publisher([&] {
    const auto start = std::chrono::steady_clock::now();
    for (int k = 1; k <= kEvents; ++k) {
      std::this_thread::sleep_until(start + k * 5ms);
      ASSERT_EQ(publish(gw.port(), "/c", "n=" + std::to_string(k)).status, 200);
    }
  });
  for (int round = 0; round < 2; ++round) {
    std::this_thread::sleep_for(1500ms);
    proxy.set_mode(FaultProxy::Mode::kReset);
    std::this_thread::sleep_for(300ms);
    proxy.set_mode(FaultProxy::Mode::kPass);
  }
  publisher.join();
  for (auto& t : readers) t.join();
  chaos::Tally total;
  int reconnects = 0;
  for (const auto& s : subs) {
    total += chaos::count(chaos::numbered(1, kEvents), s.got);
    reconnects += s.reconnects;
  }
  chaos::report("50 subscribers behind a proxy reset twice", total);
  std::cout << "[chaos] subscriber reconnects " << reconnects << ", proxy resets " << proxy.resets()
            << std::endl;
  EXPECT_GE(reconnects, 2 * kSubscribers) << "every subscriber was reset twice";
  EXPECT_EQ(total.lost, 0u);
  EXPECT_EQ(total.duplicated, 0u);
  EXPECT_EQ(total.out_of_order, 0u);
  // Every subscriber is gone now (its last stream closed when it had all events).
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::optional<double> open;
  while (std::chrono::steady_clock::now() < deadline) {
    open = chaos::metric(gw.port(), "ssegw_connections_open");
    if (open == 1.0) break;  // the /metrics request itself
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(open, 1.0);
  EXPECT_EQ(chaos::metric(gw.port(), "ssegw_channel_subscribers{channel=\"/c\"}"), 0.0);
  EXPECT_LE(open_descriptors(pid), fds_before + 1) << "descriptors left behind by resets";
  expect_clean_stop(gw);
}

}  // namespace
}  // namespace ssegw::testing
