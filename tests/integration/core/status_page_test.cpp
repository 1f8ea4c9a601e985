// The status page (server.status_page) over real sockets: off by default, who may see it,
// and its stream's one-JSON-event-a-second frames with the real subscriber counts.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const char* kChannels =
    "channels:\n"
    "  - {path: /prices, publish: true}\n"
    "  - {path: /rooms/lobby, publish: true}\n"
    "  - {path: /rooms/kitchen}\n";

std::string with_page(const std::string& page) {
  return "server: {workers: 2, heartbeat: 1s, status_page: " + page + "}\n" + kChannels;
}

// The value of "key":<number> after `from` in the frame, or -1.
double number_after(const std::string& json, const std::string& key, size_t from = 0) {
  const std::string needle = "\"" + key + "\":";
  const size_t at = json.find(needle, from);
  if (at == std::string::npos) return -1;
  return std::stod(json.substr(at + needle.size()));
}

// The subscriber count the frame gives channel `path`, or -1 when it is not listed.
double subscribers_of(const std::string& json, const std::string& path) {
  const size_t at = json.find("{\"path\":\"" + path + "\"");
  return at == std::string::npos ? -1 : number_after(json, "subscribers", at);
}

TEST(StatusPage, OffByDefault) {
  GatewayProcess gw(std::string("server: {workers: 1}\n") + kChannels);
  EXPECT_EQ(http_request(gw.port(), "GET", "/status").status, 404);
  EXPECT_EQ(http_request(gw.port(), "GET", "/status/stream").status, 404);
}

TEST(StatusPage, LoopbackSeesThePageOthersGet403) {
  GatewayProcess gw("server: {workers: 1, trusted_proxies: [127.0.0.1/32], status_page: {}}\n" +
                    std::string(kChannels));
  HttpResponse page = http_request(gw.port(), "GET", "/status");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(page.headers["cache-control"], "no-store");
  EXPECT_NE(page.headers["content-security-policy"].find("default-src 'none'"), std::string::npos);
  EXPECT_NE(page.body.find("<canvas"), std::string::npos);
  EXPECT_NE(page.body.find("/stream"), std::string::npos);
  // Behind a trusted proxy the client is the forwarded address, which is not loopback.
  const Headers remote{{"X-Forwarded-For", "192.0.2.7"}};
  EXPECT_EQ(http_request(gw.port(), "GET", "/status", "", remote).status, 403);
  EXPECT_EQ(http_request(gw.port(), "GET", "/status/stream", "", remote).status, 403);
}

TEST(StatusPage, TokenIsRequiredWhenConfigured) {
  GatewayProcess gw(with_page("{path: /ops, auth: {token: s3cret}}"));
  EXPECT_EQ(http_request(gw.port(), "GET", "/status").status, 404);
  EXPECT_EQ(http_request(gw.port(), "GET", "/ops").status, 401);
  EXPECT_EQ(http_request(gw.port(), "GET", "/ops", "", {{"Authorization", "Bearer wrong"}}).status,
            403);
  EXPECT_EQ(http_request(gw.port(), "GET", "/ops", "", {{"Authorization", "Bearer s3cret"}}).status,
            200);
  EXPECT_EQ(http_request(gw.port(), "GET", "/ops/stream").status, 401);
  SseClient stream(gw.port(), "/ops/stream", {{"Authorization", "Bearer s3cret"}});
  EXPECT_EQ(stream.status(), 200);
  std::optional<SseEvent> event = stream.next(5s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, "status");
}

TEST(StatusPage, StreamSendsAFrameAboutEverySecondWithTheSubscriberCounts) {
  GatewayProcess gw(with_page("{}"));
  std::vector<std::unique_ptr<SseClient>> subscribers;
  for (int i = 0; i < 3; ++i)
    subscribers.push_back(std::make_unique<SseClient>(gw.port(), "/prices"));
  subscribers.push_back(std::make_unique<SseClient>(gw.port(), "/rooms/lobby"));
  for (const auto& s : subscribers) ASSERT_EQ(s->status(), 200);
  SseClient status(gw.port(), "/status/stream");
  ASSERT_EQ(status.status(), 200);
  EXPECT_NE(status.headers().at("content-type").find("text/event-stream"), std::string::npos);
  ASSERT_TRUE(status.next(5s));  // the first full interval's frame
  const auto start = Clock::now();
  std::vector<SseEvent> frames;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(publish(gw.port(), "/prices", "tick").status, 200);
    std::optional<SseEvent> frame = status.next(3s);
    ASSERT_TRUE(frame) << "frame " << i;
    frames.push_back(*frame);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_GT(seconds, 2.0);
  EXPECT_LT(seconds, 4.5);
  const std::string& last = frames.back().data;
  EXPECT_EQ(frames.back().type, "status");
  EXPECT_EQ(last.find('\n'), std::string::npos);
  EXPECT_EQ(last.front(), '{');
  EXPECT_EQ(last.back(), '}');
  EXPECT_EQ(subscribers_of(last, "/prices"), 3) << last;
  EXPECT_EQ(subscribers_of(last, "/rooms/lobby"), 1) << last;
  EXPECT_EQ(subscribers_of(last, "/rooms/kitchen"), 0) << last;
  EXPECT_EQ(number_after(last, "channels_total"), 3) << last;
  // 4 subscribers and the status stream, maybe the last publish's connection still.
  EXPECT_GE(number_after(last, "http1"), 5) << last;
  EXPECT_LE(number_after(last, "http1"), 6) << last;
  EXPECT_NE(last.find("\"config_file\":\"" + gw.config_path() + "\""), std::string::npos) << last;
  // The busiest channel comes first: /prices had a publish, delivered to 3, every second.
  EXPECT_LT(last.find("\"/prices\""), last.find("\"/rooms/lobby\"")) << last;
}

TEST(StatusPage, FilterNarrowsTheChannelsAndAnOversizeOneIs400) {
  GatewayProcess gw(with_page("{}"));
  SseClient rooms(gw.port(), "/status/stream?filter=%2Frooms%2F");
  ASSERT_EQ(rooms.status(), 200);
  std::vector<SseEvent> frames = rooms.take(2, 6s);
  ASSERT_EQ(frames.size(), 2u);
  const std::string& json = frames.back().data;
  EXPECT_EQ(subscribers_of(json, "/prices"), -1) << json;
  EXPECT_EQ(subscribers_of(json, "/rooms/lobby"), 0) << json;
  EXPECT_EQ(subscribers_of(json, "/rooms/kitchen"), 0) << json;
  EXPECT_NE(json.find("\"filter\":\"/rooms/\""), std::string::npos) << json;
  EXPECT_EQ(number_after(json, "channels_total"), 3) << json;
  EXPECT_EQ(http_request(gw.port(), "GET", "/status/stream?filter=" + std::string(201, 'x')).status,
            400);
}

TEST(StatusPage, ViewersBeyondTheCapGet503) {
  GatewayProcess gw(with_page("{}"));
  std::vector<std::unique_ptr<SseClient>> viewers;
  for (int i = 0; i < 32; ++i) {
    viewers.push_back(std::make_unique<SseClient>(gw.port(), "/status/stream"));
    ASSERT_EQ(viewers.back()->status(), 200) << "viewer " << i;
  }
  // A subscription counts once its worker has taken it: give the last one a moment. A
  // probe let in is closed at once.
  auto refused = [&](const std::string& target) {
    SseClient probe(gw.port(), target);
    return probe.status() == 503;
  };
  EXPECT_TRUE(wait_until([&] { return refused("/status/stream?filter=x"); }, 3s));
  EXPECT_TRUE(refused("/status/stream"));
  viewers.pop_back();  // one leaves: there is room again
  EXPECT_TRUE(wait_until([&] { return !refused("/status/stream"); }, 3s));
}

TEST(StatusPage, AReloadThatChangesItsAuthEndsTheViewersStreams) {
  GatewayProcess gw(with_page("{}"));
  SseClient viewer(gw.port(), "/status/stream");
  ASSERT_EQ(viewer.status(), 200);
  ASSERT_TRUE(viewer.next(5s));
  gw.rewrite_config(with_page("{auth: {token: s3cret}}"));
  gw.process().signal(SIGHUP);
  ASSERT_TRUE(gw.process().wait_for_output("config reloaded", 10s)) << gw.output();
  // The stream ends (after what it had queued), and coming back takes the token.
  EXPECT_TRUE(wait_until(
      [&] {
        viewer.next(200ms);
        return viewer.closed();
      },
      5s));
  EXPECT_EQ(http_request(gw.port(), "GET", "/status").status, 401);
  gw.rewrite_config(std::string("server: {workers: 2}\n") + kChannels);
  gw.process().signal(SIGHUP);
  EXPECT_TRUE(
      wait_until([&] { return http_request(gw.port(), "GET", "/status").status == 404; }, 10s));
}

}  // namespace
}  // namespace ssegw::testing
