// What a hostile client tried against the gateway, each over a real socket: a flood that
// never reads, a pipelined burst, request smuggling, the file limit, and malformed heads.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/raw_connection.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string repeat(const std::string& piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

double metric(uint16_t port, const std::string& name) {
  return metric_value(http_request(port, "GET", "/metrics").body, name);
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(Hardening, PipeliningClientThatNeverReadsIsBoundedAndExpired) {
  GatewayProcess gw("server: {workers: 1, request_timeout: 2s}\nchannels: [{path: /e}]\n");
  const uint64_t rss_before = resident_kib(gw.process().pid());
  RawConnection flood(gw.port(), 4096, 65536);
  ASSERT_TRUE(flood.connected());
  // 8 MB of requests whose answers (a few KiB each) would come to some 500 MiB.
  const std::string burst = repeat("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 1000);
  size_t sent = 0;
  for (int i = 0; i < 230 && flood.send(burst, 1500ms) == burst.size(); ++i) sent += burst.size();
  const uint64_t rss_after = resident_kib(gw.process().pid());
  EXPECT_LT(rss_after, rss_before + 64 * 1024) << "sent " << sent << " bytes";
  EXPECT_LT(sent, 8'000'000u) << "the gateway kept reading a client that reads nothing";
  // Others are still answered meanwhile.
  EXPECT_EQ(http_request(gw.port(), "GET", "/healthz").status, 200);
  // The peer reads none of its answers: closed once request_timeout passes.
  EXPECT_TRUE(flood.wait_peer_gone(6s));
  EXPECT_GE(metric(gw.port(), "ssegw_write_timeouts_total"), 1);
}

TEST(Hardening, PipelinedBurstIsLinearAndDoesNotStallOthers) {
  GatewayProcess gw("server: {workers: 1}\nchannels: [{path: /e}]\n");
  const int kRequests = 40'000;
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  RawConnection flood(gw.port());
  ASSERT_TRUE(flood.connected());
  std::atomic<size_t> answers{0};
  std::thread reader([&] {
    std::string got;
    const auto deadline = Clock::now() + 60s;
    while (answers < static_cast<size_t>(kRequests) && Clock::now() < deadline &&
           !flood.saw_close()) {
      got += flood.read_until("", 200ms);
      answers = count_of(got, "HTTP/1.1 200");
    }
  });
  const int64_t cpu_before = cpu_time_ms(gw.process().pid());
  std::thread writer([&] { flood.send(repeat(request, kRequests), 20s); });
  // Every other connection on that one worker keeps being answered promptly.
  int64_t worst_ms = 0;
  for (int i = 0; i < 20; ++i) {
    const auto start = Clock::now();
    EXPECT_EQ(http_request(gw.port(), "GET", "/healthz", "", {}, 20s).status, 200);
    worst_ms = std::max<int64_t>(
        worst_ms,
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
    std::this_thread::sleep_for(20ms);
  }
  writer.join();
  reader.join();
  EXPECT_EQ(answers.load(), static_cast<size_t>(kRequests));
  EXPECT_LT(worst_ms, 2000 * slowdown()) << "another client waited behind the burst";
  // 40,000 small requests cost little CPU when parsing is linear (7.8 s when quadratic).
  EXPECT_LT(cpu_time_ms(gw.process().pid()) - cpu_before, 4000 * slowdown());
}

TEST(Hardening, DifferingContentLengthsAreRejectedNotSmuggled) {
  GatewayProcess gw("channels: [{path: /e, publish: true}]\n");
  SseClient sub(gw.port(), "/e");
  ASSERT_EQ(sub.status(), 200);
  // Read with the first length, the second request would be taken from the first's body.
  const std::string smuggled =
      "POST /e?event=inner HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nEVIL!";
  for (const std::string& lengths :
       {"Content-Length: " + std::to_string(smuggled.size() + 3) + "\r\nContent-Length: 3\r\n",
        std::string("Content-Length: 3, 3\r\n"), std::string("Content-Length: +3\r\n")}) {
    RawConnection raw(gw.port());
    raw.send("POST /e HTTP/1.1\r\nHost: x\r\n" + lengths + "\r\nabc" + smuggled);
    std::string answer = raw.read_to_close(5s);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << lengths << answer;
    EXPECT_EQ(count_of(answer, "HTTP/1.1"), 1u) << answer;
    EXPECT_TRUE(raw.saw_close());
  }
  // Equal duplicates frame the message one way only, and are accepted (RFC 9112 6.3).
  RawConnection same(gw.port());
  same.send(
      "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n"
      "Connection: close\r\n\r\nok");
  EXPECT_EQ(same.read_to_close(5s).rfind("HTTP/1.1 200", 0), 0u);
  auto e = sub.next(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data, "ok");
  EXPECT_FALSE(sub.next(500ms)) << "a smuggled request was published";
}

TEST(Hardening, PublishOfMaxBodyReachesEveryReadingSubscriber) {
  GatewayProcess gw(
      "server: {max_body_bytes: 1MiB, subscriber_queue_bytes: 1MiB}\n"
      "channels: [{path: /e, publish: true}]\n");
  std::vector<std::unique_ptr<SseClient>> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(std::make_unique<SseClient>(gw.port(), "/e"));
    ASSERT_EQ(subs.back()->status(), 200);
  }
  const std::string body(1 << 20, 'x');
  ASSERT_EQ(publish(gw.port(), "/e", body).status, 200);
  for (auto& sub : subs) {
    auto e = sub->next(10s);
    ASSERT_TRUE(e) << "subscriber dropped";
    EXPECT_EQ(e->data.size(), body.size());
  }
  EXPECT_EQ(metric(gw.port(), "ssegw_slow_subscriber_disconnects_total"), 0);
}

uint64_t published_id(const HttpResponse& answer) {
  const size_t at = answer.body.find("\"id\":\"");
  return std::stoull(answer.body.substr(at + 6));
}

TEST(Hardening, IdsAreNeverReissuedWhenAChannelIsRemovedAndReAdded) {
  const std::string with = "channels: [{path: /e, publish: true}, {path: /keep}]\n";
  GatewayProcess gw(with);
  uint64_t highest = 0;
  for (int i = 0; i < 3; ++i)
    highest = std::max(highest, published_id(publish(gw.port(), "/e", "a")));
  gw.rewrite_config("channels: [{path: /keep}]\n");
  gw.process().signal(SIGHUP);
  ASSERT_TRUE(gw.process().wait_for_output("channel removed", 10s));
  gw.rewrite_config(with);
  gw.process().signal(SIGHUP);
  const auto deadline = Clock::now() + 10s;
  while (publish(gw.port(), "/e", "b").status != 200 && Clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  for (int i = 0; i < 3; ++i) {
    const uint64_t id = published_id(publish(gw.port(), "/e", "b"));
    EXPECT_GT(id, highest) << "an id was issued twice";
    highest = id;
  }
}

TEST(Hardening, AcceptPausesInsteadOfSpinningWhenOutOfDescriptors) {
  TempFile config("server: {workers: 1, max_connections: 10000}\nchannels: [{path: /e}]\n");
  ChildProcess gw({"prlimit", "--nofile=96:96", gateway_binary(), "--config", config.path(),
                   "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(gw.wait_for_output("listening on", 20s)) << gw.output();
  const uint16_t port = listening_port(gw.output()).value();
  std::vector<std::unique_ptr<RawConnection>> clients;
  for (int i = 0; i < 200; ++i) clients.push_back(std::make_unique<RawConnection>(port));
  std::this_thread::sleep_for(500ms);  // the gateway runs out of descriptors by now
  const int64_t cpu_before = cpu_time_ms(gw.pid());
  std::this_thread::sleep_for(2s);
  EXPECT_LT(cpu_time_ms(gw.pid()) - cpu_before, 500 * slowdown()) << "the accept loop spins";
  EXPECT_LE(count_of(gw.output(), "accept"), 3u) << gw.output().substr(0, 2000);
  clients.clear();  // descriptors come back; the gateway serves again
  HttpResponse answer;
  const auto deadline = Clock::now() + 10s;
  while (answer.status != 200 && Clock::now() < deadline)
    answer = http_request(port, "GET", "/metrics");
  ASSERT_EQ(answer.status, 200);
  EXPECT_GE(metric_value(answer.body, "ssegw_accept_pauses_total"), 1);
}

TEST(Hardening, MaxConnectionsCountsStreamsAndKeepsRoomForRequests) {
  GatewayProcess gw("server: {max_connections: 3}\nchannels: [{path: /e, publish: true}]\n");
  std::vector<std::unique_ptr<SseClient>> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(std::make_unique<SseClient>(gw.port(), "/e"));
    ASSERT_EQ(subs.back()->status(), 200);
  }
  SseClient refused(gw.port(), "/e");
  EXPECT_EQ(refused.status(), 503);
  EXPECT_EQ(http_request(gw.port(), "GET", "/healthz").status, 200);
  ASSERT_EQ(publish(gw.port(), "/e", "still served").status, 200);
  for (auto& sub : subs) {
    auto e = sub->next(5s);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, "still served");
  }
  EXPECT_EQ(metric(gw.port(), "ssegw_streams_rejected_total"), 1);
  subs.pop_back();  // a stream closes: its place is free again
  const auto deadline = Clock::now() + 5s;
  while (metric(gw.port(), "ssegw_streams_open") != 2 && Clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  SseClient admitted(gw.port(), "/e");
  EXPECT_EQ(admitted.status(), 200);
}

std::string exchange(uint16_t port, const std::string& bytes) {
  RawConnection raw(port);
  raw.send(bytes);
  return raw.read_to_close(5s);
}

// A half-sent request after a full one: the gateway waits for the rest without busy work.
TEST(Hardening, APartialRequestIsWaitedForWithoutSpinning) {
  GatewayProcess gw("server: {workers: 1}\nchannels: [{path: /e}]\n");
  RawConnection raw(gw.port());
  raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHo");
  EXPECT_NE(raw.read_until("ok\n", 5s).find("HTTP/1.1 200"), std::string::npos);
  const int64_t cpu_before = cpu_time_ms(gw.process().pid());
  std::this_thread::sleep_for(1500ms);
  EXPECT_LT(cpu_time_ms(gw.process().pid()) - cpu_before, 300 * slowdown());
  raw.send("st: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.read_to_close(5s).find("HTTP/1.1 200"), std::string::npos);
}

TEST(Hardening, HostIsRequiredInHttp11) {
  GatewayProcess gw("channels: [{path: /e}]\n");
  EXPECT_EQ(exchange(gw.port(), "GET /healthz HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(exchange(gw.port(), "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
                .rfind("HTTP/1.1 400", 0),
            0u);
  EXPECT_EQ(exchange(gw.port(), "GET /healthz HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
}

TEST(Hardening, ExpectContinueIsAnsweredBeforeTheBody) {
  GatewayProcess gw("channels: [{path: /e, publish: true}]\n");
  RawConnection raw(gw.port());
  const std::string body(2000, 'b');
  raw.send(
      "POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2000\r\n"
      "Connection: close\r\n\r\n");
  std::string interim = raw.read_until("\r\n\r\n", 2s);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  raw.send(body);
  EXPECT_EQ(raw.read_to_close(5s).rfind("HTTP/1.1 200", 0), 0u);
  // A body too large is refused at once, without 100 Continue.
  RawConnection big(gw.port());
  big.send(
      "POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n");
  EXPECT_EQ(big.read_to_close(5s).rfind("HTTP/1.1 413", 0), 0u);
}

TEST(Hardening, ControlCharactersInHeaderValuesAreRejected) {
  GatewayProcess gw(
      "server: {cors_origins: ['*'], cors_credentials: true}\nchannels: [{path: /e}]\n");
  // Echoed into Access-Control-Allow-Origin, a bare CR would split the response head.
  std::string answer = exchange(
      gw.port(), "HEAD /e HTTP/1.1\r\nHost: x\r\nOrigin: http://a\rSet-Cookie: x=1\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_EQ(answer.find("Set-Cookie"), std::string::npos) << answer;
  static const char kNul[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n";
  answer = exchange(gw.port(), std::string(kNul, sizeof kNul - 1));
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
}

TEST(Hardening, EmptyLinesBeforeTheRequestLineAreIgnored) {
  GatewayProcess gw("channels: [{path: /e}]\n");
  std::string answer =
      exchange(gw.port(), "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
}

}  // namespace
}  // namespace ssegw::testing
