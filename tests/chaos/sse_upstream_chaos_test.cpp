// The upstream SSE source under faults: the upstream killed in the middle of an event, and a
// fault proxy between the gateway and its upstream that stalls, throttles, resets and
// refuses. docs/sse-source.md promises: reconnect with the last complete event's id, never
// relay the half event, and (with an upstream that honours Last-Event-ID) nothing lost.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/chaos/chaos_support.h"
#include "tests/integration/sse/upstream_server.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;
using chaos::Tally;

TEST(ChaosSseUpstream, KilledMidEventThreeTimesTheSourceResumesAndDropsEachHalfEvent) {
  constexpr int kPerRun = 100;
  constexpr int kKills = 3;
  // Each run of the upstream sends 100 numbered events after the client's Last-Event-ID,
  // then half of an event with id "half", then hangs until it is killed.
  const std::string query = "count=100&data=raw&retry=100&then=half";
  auto upstream = std::make_unique<UpstreamServer>();
  const uint16_t port = upstream->port();
  GatewayProcess gw(
      gateway_config({"/relay"}, "    endpoint: \"http://127.0.0.1:" + std::to_string(port) +
                                     "/stream?" + query + "\"\n    to: /relay\n"));
  chaos::Collector sub(gw.port(), "/relay?lastEventId=earliest", kPerRun * (kKills + 1), 90s);
  ASSERT_EQ(sub.status(), 200);
  std::vector<std::string> resume_ids;
  for (int run = 0; run < kKills; ++run) {
    ASSERT_TRUE(upstream->process().wait_for_output("HALF_SENT", 20s)) << gw.output();
    // Let the gateway read the half event before the upstream dies under it.
    std::this_thread::sleep_for(300ms);
    upstream->process().signal(SIGKILL);
    upstream->process().wait_exit(5s);
    // The last run holds its stream open instead, so the test ends on a live stream.
    const std::vector<std::string> overrides =
        run + 1 == kKills ? std::vector<std::string>{"then=hold"} : std::vector<std::string>{};
    upstream.reset();
    upstream = std::make_unique<UpstreamServer>(port, overrides);
    const auto requests = upstream->wait_requests(1, 20s);
    ASSERT_FALSE(requests.empty()) << gw.output();
    resume_ids.push_back(requests[0].header("Last-Event-ID"));
  }
  const std::vector<std::string> got = sub.finish();
  const Tally t = chaos::count(chaos::numbered(1, kPerRun * (kKills + 1)), got);
  chaos::report("sse upstream killed mid-event x3", t);
  for (int run = 0; run < kKills; ++run)
    EXPECT_EQ(resume_ids[run], std::to_string(kPerRun * (run + 1))) << "resume id of run " << run;
  for (const std::string& type : sub.types()) EXPECT_NE(type, "partial") << "half event relayed";
  EXPECT_EQ(t.lost, 0u);
  EXPECT_EQ(t.duplicated, 0u);
  EXPECT_EQ(t.unexpected, 0u) << "the half event's data must never be relayed";
  EXPECT_EQ(t.out_of_order, 0u);
  expect_clean_stop(gw);
}

// Upstream: another gateway (it honours Last-Event-ID from its history); the relay gateway's
// sse source reaches it only through the proxy; a publisher feeds the upstream directly.
TEST(ChaosSseUpstream, StallSlowResetAndRefuseBetweenGatewayAndUpstreamLoseNothing) {
  GatewayProcess upstream(
      "server: {heartbeat: 1s}\n"
      "channels:\n  - {path: /feed, history: 20000, publish: true, retry: 200}\n");
  FaultProxy proxy("127.0.0.1", upstream.port());
  GatewayProcess relay(
      gateway_config({"/feed"}, "    endpoint: \"http://127.0.0.1:" + std::to_string(proxy.port()) +
                                    "/feed\"\n    idle_timeout: 2s\n    to: /feed\n"));
  ASSERT_TRUE(chaos::wait_ready(relay.port(), 20s)) << relay.output();
  constexpr int kEvents = 2400;  // 100 per second over the 24 s of faults below
  chaos::Collector sub(relay.port(), "/feed", kEvents, 120s);
  ASSERT_EQ(sub.status(), 200);
  std::atomic<int> published{0};
  std::atomic<int> refused{0};
  std::thread publisher([&] {
    const auto start = std::chrono::steady_clock::now();
    for (int k = 1; k <= kEvents; ++k) {
      std::this_thread::sleep_until(start + k * 10ms);
      if (publish(upstream.port(), "/feed", "n=" + std::to_string(k)).status != 200) ++refused;
      published = k;
    }
  });
  struct Phase {
    FaultProxy::Mode mode;
    std::chrono::milliseconds length;
  };
  // The reset comes straight after the 1 KiB/s phase, so it cuts an event in half.
  const std::vector<Phase> phases = {
      {FaultProxy::Mode::kPass, 2s},   {FaultProxy::Mode::kStall, 4s},
      {FaultProxy::Mode::kPass, 2s},   {FaultProxy::Mode::kSlow, 5s},
      {FaultProxy::Mode::kReset, 3s},  {FaultProxy::Mode::kPass, 3s},
      {FaultProxy::Mode::kRefuse, 2s}, {FaultProxy::Mode::kPass, 3s}};
  for (const Phase& phase : phases) {
    proxy.set_mode(phase.mode, 1024);
    std::cout << "[chaos] proxy " << to_string(phase.mode) << " at event " << published.load()
              << ", delivered " << sub.size() << std::endl;
    std::this_thread::sleep_for(phase.length);
  }
  proxy.set_mode(FaultProxy::Mode::kPass);
  publisher.join();
  const std::vector<std::string> got = sub.finish();
  const Tally t = chaos::count(chaos::numbered(1, kEvents), got);
  chaos::report("sse upstream via proxy stall/slow/reset/refuse", t);
  std::cout << "[chaos] proxy accepted " << proxy.accepted() << " connections, reset "
            << proxy.resets() << "; relay reconnects "
            << source_metric(relay.port(), "ssegw_bridge_reconnects_total", "up").value_or(-1)
            << std::endl;
  EXPECT_EQ(refused, 0);
  EXPECT_GE(proxy.accepted(), 3u) << "the faults made the source reconnect";
  EXPECT_EQ(t.lost, 0u);
  EXPECT_EQ(t.duplicated, 0u);
  EXPECT_EQ(t.out_of_order, 0u);
  EXPECT_EQ(t.unexpected, 0u);
  expect_clean_stop(relay);
}

// docs/sse-source.md: a source rebuilt by a reload resumes where the old one stopped. Here
// the old one is rebuilt while its connection is stalled mid-stream, and the stall ends
// after the new one started.
TEST(ChaosSseUpstream, ReloadWhileTheUpstreamIsStalledResumesWithoutLossOrDuplicate) {
  GatewayProcess upstream(
      "channels:\n  - {path: /feed, history: 20000, publish: true, retry: 200}\n");
  FaultProxy proxy("127.0.0.1", upstream.port());
  auto relay_config = [&](const std::string& idle) {
    return gateway_config({"/feed"},
                          "    endpoint: \"http://127.0.0.1:" + std::to_string(proxy.port()) +
                              "/feed\"\n    idle_timeout: " + idle + "\n    to: /feed\n");
  };
  GatewayProcess relay(relay_config("2s"));
  ASSERT_TRUE(chaos::wait_ready(relay.port(), 20s)) << relay.output();
  constexpr int kEvents = 1200;
  chaos::Collector sub(relay.port(), "/feed", kEvents, 60s);
  std::thread publisher([&] {
    const auto start = std::chrono::steady_clock::now();
    for (int k = 1; k <= kEvents; ++k) {
      std::this_thread::sleep_until(start + k * 10ms);
      publish(upstream.port(), "/feed", "n=" + std::to_string(k));
    }
  });
  std::this_thread::sleep_for(3s);
  proxy.set_mode(FaultProxy::Mode::kStall);
  std::this_thread::sleep_for(1s);
  relay.rewrite_config(relay_config("3s"));  // a changed key: the source is rebuilt
  relay.process().signal(SIGHUP);
  EXPECT_TRUE(relay.process().wait_for_output("config reloaded", 10s)) << relay.output();
  std::this_thread::sleep_for(2s);
  proxy.set_mode(FaultProxy::Mode::kPass);
  publisher.join();
  const chaos::Tally t = chaos::count(chaos::numbered(1, kEvents), sub.finish());
  chaos::report("sse source rebuilt by a reload during a stall", t);
  EXPECT_EQ(t.lost, 0u) << relay.output();
  EXPECT_EQ(t.duplicated, 0u);
  EXPECT_EQ(t.out_of_order, 0u);
  EXPECT_EQ(t.unexpected, 0u);
  expect_clean_stop(relay);
}

// SIGTERM while the upstream connection is stalled (bytes neither way, socket open): the
// source's thread must not sit in a read that never returns.
TEST(ChaosSseUpstream, SigtermWhileTheUpstreamIsStalledExitsZeroPromptly) {
  GatewayProcess upstream("channels:\n  - {path: /feed, history: 100, publish: true}\n");
  FaultProxy proxy("127.0.0.1", upstream.port());
  GatewayProcess relay(
      gateway_config({"/feed"}, "    endpoint: \"http://127.0.0.1:" + std::to_string(proxy.port()) +
                                    "/feed\"\n    to: /feed\n"));
  ASSERT_TRUE(chaos::wait_ready(relay.port(), 20s)) << relay.output();
  SseClient sub(relay.port(), "/feed");
  proxy.set_mode(FaultProxy::Mode::kStall);
  ASSERT_EQ(publish(upstream.port(), "/feed", "held in the proxy").status, 200);
  std::this_thread::sleep_for(1s);
  const auto start = std::chrono::steady_clock::now();
  expect_clean_stop(relay);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[chaos] SIGTERM with the upstream stalled: exit after " << seconds << " s"
            << std::endl;
  EXPECT_LT(seconds, 8.0);
}

}  // namespace
}  // namespace ssegw::testing
