// The `type: sse` source against a real upstream process (sse_upstream.py) and real
// subscribers (curl, and the test-support SSE client), all over loopback sockets.
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/sse/upstream_server.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Subscribers send an id the channel never issued, which replays everything it retains, so
// the test sees every relayed event however the subscribe races the source.
// Everything the channel retains (the subscriber starts after the events were relayed).
const std::string kFromTheStart = "?lastEventId=earliest";

std::string endpoint(const UpstreamServer& up, const std::string& query) {
  return "    endpoint: \"http://127.0.0.1:" + std::to_string(up.port()) + "/stream?" + query +
         "\"\n";
}

TEST(SseSource, RelaysTypeAndDataIntactToCurl) {
  UpstreamServer up;
  GatewayProcess gw(gateway_config(
      {"/relay"},
      endpoint(up, "count=4&types=alpha,beta&data=multiline&retry=200") + "    to: /relay\n"));
  ChildProcess curl({"curl", "-N", "-s",
                     "http://127.0.0.1:" + std::to_string(gw.port()) + "/relay" + kFromTheStart});
  ASSERT_TRUE(curl.wait_for_output("second line: 4", seconds(20))) << curl.output();
  const std::string out = curl.output();
  for (int k = 1; k <= 4; ++k) {
    const std::string type = k % 2 == 1 ? "alpha" : "beta";
    const std::string frame = "event: " + type + "\ndata: n=" + std::to_string(k) +
                              "\ndata: second line: " + std::to_string(k) + "\n\n";
    EXPECT_NE(out.find(frame), std::string::npos) << "missing event " << k << " in:\n" << out;
  }
  EXPECT_LT(out.find("n=1\n"), out.find("n=4\n"));
  expect_clean_stop(gw);
}

TEST(SseSource, EventWithoutTypeIsMessageAndSeveralChannelsAreFed) {
  UpstreamServer up;
  GatewayProcess gw(gateway_config({"/one", "/two"},
                                   endpoint(up, "count=3&data=raw") + "    to: [/one, /two]\n"));
  for (const std::string path : {"/one", "/two"}) {
    SseClient client(gw.port(), path + kFromTheStart);
    const auto events = client.take(3, seconds(20));
    ASSERT_EQ(events.size(), 3u) << path;
    EXPECT_EQ(data_of(events), (std::vector<std::string>{"n=1", "n=2", "n=3"}));
    for (const auto& e : events) EXPECT_EQ(e.type, "message");
  }
  expect_clean_stop(gw);
}

TEST(SseSource, EventsFilterKeepsListedTypesAndResumesAfterFilteredIds) {
  UpstreamServer up;
  // Six events cycling price_update, trade, noise; the stream then ends, so the source
  // reconnects and must name id 6 (a filtered "noise" event) as Last-Event-ID.
  GatewayProcess gw(gateway_config(
      {"/prices"}, endpoint(up, "count=6&types=price_update,trade,noise&retry=200&then=close") +
                       "    events: \"price_update,trade\"\n    to: /prices\n"));
  SseClient client(gw.port(), "/prices" + kFromTheStart);
  const auto events = client.take(4, seconds(20));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].type, "price_update");
  EXPECT_EQ(events[1].type, "trade");
  EXPECT_EQ(events[2].type, "price_update");
  EXPECT_EQ(events[3].type, "trade");
  EXPECT_EQ(data_of(events),
            (std::vector<std::string>{"{\"n\": 1}", "{\"n\": 2}", "{\"n\": 4}", "{\"n\": 5}"}));
  const auto requests = up.wait_requests(2);
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("Last-Event-ID"), "");
  EXPECT_EQ(requests[1].header("Last-Event-ID"), "6");
  EXPECT_GE(wait_metric(gw.port(), "ssegw_bridge_dropped_filter_total", "up", 2), 2);
  expect_clean_stop(gw);
}

TEST(SseSource, ConfiguredHeadersWithVariablesReachTheUpstream) {
  UpstreamServer up;
  GatewayProcess gw(
      gateway_config({"/relay"}, endpoint(up, "count=1") +
                                     "    headers: \"Authorization: Bearer {{ UP_TOKEN }},X-Url: "
                                     "http://a:8080/x\"\n    to: /relay\n"),
      {}, {{"UP_TOKEN", "t0ken-42"}});
  const auto requests = up.wait_requests(1);
  ASSERT_GE(requests.size(), 1u);
  EXPECT_EQ(requests[0].header("Authorization"), "Bearer t0ken-42");
  EXPECT_EQ(requests[0].header("X-Url"), "http://a:8080/x");
  EXPECT_EQ(requests[0].header("Accept"), "text/event-stream");
  EXPECT_EQ(requests[0].header("Cache-Control"), "no-cache");
  expect_clean_stop(gw);
}

TEST(SseSource, JsonFormatDropsAndCountsBadData) {
  UpstreamServer up;
  GatewayProcess gw(gateway_config({"/relay"}, endpoint(up, "count=9&data=badjson") +
                                                   "    format: json\n    bad_data: drop\n"
                                                   "    to: /relay\n"));
  SseClient client(gw.port(), "/relay" + kFromTheStart);
  const auto events = client.take(6, seconds(20));
  EXPECT_EQ(data_of(events), (std::vector<std::string>{"{\"n\": 1}", "{\"n\": 2}", "{\"n\": 4}",
                                                       "{\"n\": 5}", "{\"n\": 7}", "{\"n\": 8}"}));
  EXPECT_EQ(wait_metric(gw.port(), "ssegw_bridge_dropped_bad_data_total", "up", 3), 3);
  EXPECT_FALSE(client.next(milliseconds(300))) << "a bad event got through";
  expect_clean_stop(gw);
}

TEST(SseSource, UpstreamKilledMidEventIsResumedWithoutTheHalfEvent) {
  const uint16_t port = free_port();
  std::optional<UpstreamServer> up(std::in_place, port);
  GatewayProcess gw(
      gateway_config({"/relay"}, "    endpoint: \"http://127.0.0.1:" + std::to_string(port) +
                                     "/stream?count=3&retry=200&then=half\"\n    to: /relay\n"));
  SseClient client(gw.port(), "/relay" + kFromTheStart);
  const auto before = client.take(3, seconds(20));
  ASSERT_EQ(before.size(), 3u);
  ASSERT_TRUE(up->process().wait_for_output("HALF_SENT", seconds(10)));
  up->process().signal(SIGKILL);
  up->process().wait_exit(seconds(5));
  up.reset();
  // The same URL now finishes its events and holds the stream open.
  UpstreamServer restarted(port, {"then=hold"});
  const auto after = client.take(3, seconds(30));
  EXPECT_EQ(data_of(after), (std::vector<std::string>{"{\"n\": 4}", "{\"n\": 5}", "{\"n\": 6}"}));
  for (const auto& e : after) EXPECT_NE(e.type, "partial") << "the half event was delivered";
  const auto requests = restarted.wait_requests(1);
  ASSERT_GE(requests.size(), 1u);
  EXPECT_EQ(requests[0].header("Last-Event-ID"), "3");
  EXPECT_GE(wait_metric(gw.port(), "ssegw_bridge_reconnects_total", "up", 1), 1);
  expect_clean_stop(gw);
}

TEST(SseSource, ServerErrorsAreRetriedUntilTheStreamComes) {
  UpstreamServer up;
  GatewayProcess gw(
      gateway_config({"/relay"}, endpoint(up, "count=2&fail=2") + "    to: /relay\n"));
  SseClient client(gw.port(), "/relay" + kFromTheStart);
  const auto events = client.take(2, seconds(30));
  EXPECT_EQ(data_of(events), (std::vector<std::string>{"{\"n\": 1}", "{\"n\": 2}"}));
  // The upstream logs each request on its stdout, which reaches us after the events may.
  EXPECT_EQ(up.wait_requests(3).size(), 3u) << up.process().output();
  EXPECT_GE(source_metric(gw.port(), "ssegw_bridge_reconnects_total", "up").value_or(0), 2);
  EXPECT_NE(gw.output().find("HTTP 500"), std::string::npos) << gw.output();
  EXPECT_TRUE(wait_state(gw.port(), "up", "streaming"));
  EXPECT_EQ(http_request(gw.port(), "GET", "/readyz").status, 200);
  expect_clean_stop(gw);
}

TEST(SseSource, FirstConnectionIsRetriedWhenTheUpstreamIsNotUpYet) {
  const uint16_t port = free_port();
  GatewayProcess gw(
      gateway_config({"/relay"}, "    endpoint: \"http://127.0.0.1:" + std::to_string(port) +
                                     "/stream?count=2\"\n    to: /relay\n"));
  EXPECT_TRUE(wait_state(gw.port(), "up", "backing_off"));
  EXPECT_EQ(http_request(gw.port(), "GET", "/readyz").status, 503);
  UpstreamServer up(port);
  SseClient client(gw.port(), "/relay" + kFromTheStart);
  EXPECT_EQ(client.take(2, seconds(30)).size(), 2u);
  expect_clean_stop(gw);
}

TEST(SseSource, TrickledStreamArrivesWhole) {
  UpstreamServer up;
  GatewayProcess gw(gateway_config(
      {"/relay"}, endpoint(up, "count=5&types=t&data=multiline&trickle=1") + "    to: /relay\n"));
  SseClient client(gw.port(), "/relay" + kFromTheStart);
  const auto events = client.take(5, seconds(30));
  ASSERT_EQ(events.size(), 5u);
  for (int k = 1; k <= 5; ++k) {
    EXPECT_EQ(events[k - 1].type, "t");
    EXPECT_EQ(events[k - 1].data, "n=" + std::to_string(k) + "\nsecond line: " + std::to_string(k));
  }
  expect_clean_stop(gw);
}

TEST(SseSource, CloseDelimitedBodyIsRead) {
  UpstreamServer up;
  GatewayProcess gw(gateway_config(
      {"/relay"}, endpoint(up, "count=3&framing=close&data=raw") + "    to: /relay\n"));
  SseClient client(gw.port(), "/relay" + kFromTheStart);
  EXPECT_EQ(data_of(client.take(3, seconds(20))), (std::vector<std::string>{"n=1", "n=2", "n=3"}));
  expect_clean_stop(gw);
}

TEST(SseSource, LineLargerThanTheLimitIsDroppedAndTheRestRelayed) {
  UpstreamServer up;
  GatewayProcess gw(gateway_config({"/relay"}, endpoint(up, "count=2&oversize=300000&data=raw") +
                                                   "    max_event_size: 64KiB\n    to: /relay\n"));
  SseClient client(gw.port(), "/relay" + kFromTheStart);
  const auto events = client.take(2, seconds(20));
  EXPECT_EQ(data_of(events), (std::vector<std::string>{"n=1", "n=2"}));
  EXPECT_EQ(wait_metric(gw.port(), "ssegw_bridge_dropped_oversize", "up", 1), 1);
  EXPECT_NE(gw.output().find("larger than max_event_size"), std::string::npos);
  expect_clean_stop(gw);
}

TEST(SseSource, NoContentStopsTheSourceAndMarksItFailed) {
  UpstreamServer up;
  GatewayProcess gw(gateway_config({"/relay"}, endpoint(up, "status=204") + "    to: /relay\n"));
  ASSERT_TRUE(wait_state(gw.port(), "up", "failed"));
  const HttpResponse ready = http_request(gw.port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("failed"), std::string::npos) << ready.body;
  // Nothing reconnects: longer than the first backoff step, still a single request.
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_EQ(up.requests().size(), 1u);
  expect_clean_stop(gw);
}

TEST(SseSource, NonEventStreamResponseIsLoggedAndRetried) {
  UpstreamServer up;
  GatewayProcess gw(
      gateway_config({"/relay"}, endpoint(up, "content_type=text/html") + "    to: /relay\n"));
  EXPECT_GE(up.wait_requests(2).size(), 2u);
  EXPECT_TRUE(gw.process().wait_for_output("not text/event-stream", seconds(5)));
  EXPECT_EQ(http_request(gw.port(), "GET", "/readyz").status, 503);
  expect_clean_stop(gw);
}

TEST(SseSource, RedirectIsFollowed) {
  UpstreamServer up;
  GatewayProcess gw(gateway_config(
      {"/relay"},
      endpoint(up, "status=307&location=%2Fstream%3Fcount%3D2%26data%3Draw") + "    to: /relay\n"));
  SseClient client(gw.port(), "/relay" + kFromTheStart);
  EXPECT_EQ(data_of(client.take(2, seconds(20))), (std::vector<std::string>{"n=1", "n=2"}));
  const auto requests = up.wait_requests(2);
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[1].query, "count=2&data=raw");
  expect_clean_stop(gw);
}

TEST(SseSource, SilentStreamIsReconnectedAfterIdleTimeout) {
  UpstreamServer up;
  GatewayProcess gw(gateway_config({"/relay"}, endpoint(up, "count=1&retry=100&heartbeat_ms=0") +
                                                   "    idle_timeout: 1s\n    to: /relay\n"));
  const auto requests = up.wait_requests(2, seconds(15));
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[1].header("Last-Event-ID"), "1");
  EXPECT_NE(gw.output().find("no traffic for 1000 ms"), std::string::npos) << gw.output();
  expect_clean_stop(gw);
}

TEST(SseSource, HeartbeatsCountAsTraffic) {
  UpstreamServer up;
  GatewayProcess gw(gateway_config({"/relay"}, endpoint(up, "count=1&heartbeat_ms=300") +
                                                   "    idle_timeout: 1500ms\n    to: /relay\n"));
  ASSERT_TRUE(wait_state(gw.port(), "up", "streaming"));
  std::this_thread::sleep_for(seconds(4));
  EXPECT_EQ(up.requests().size(), 1u) << gw.output();
  EXPECT_EQ(gw.output().find("no traffic"), std::string::npos);
  expect_clean_stop(gw);
}

TEST(SseSource, TwoChainedGatewaysRelayAPublishedEvent) {
  GatewayProcess a(gateway_config({"/a"}, ""));
  GatewayProcess b(gateway_config({"/b"}, "    endpoint: \"http://127.0.0.1:" +
                                              std::to_string(a.port()) + "/a\"\n    to: /b\n"));
  ASSERT_TRUE(wait_state(b.port(), "up", "streaming"));
  SseClient subscriber(b.port(), "/b" + kFromTheStart);
  ASSERT_EQ(subscriber.status(), 200);
  const HttpResponse published = publish(a.port(), "/a", "hello\nchained world", "greeting");
  ASSERT_EQ(published.status / 100, 2) << published.body;
  const auto event = subscriber.next(seconds(10));
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, "greeting");
  EXPECT_EQ(event->data, "hello\nchained world");
  expect_clean_stop(b);
  expect_clean_stop(a);
}

}  // namespace
}  // namespace ssegw::testing

namespace ssegw::testing {
namespace {

TEST(SseSource, SourceRebuiltByReloadResumesWhereItStopped) {
  UpstreamServer up;
  const std::string before =
      gateway_config({"/relay"}, endpoint(up, "count=3") + "    to: /relay\n");
  GatewayProcess gw(before);
  SseClient sub(gw.port(), "/relay" + kFromTheStart);
  ASSERT_EQ(sub.take(3, seconds(15)).size(), 3u);
  // A changed source is stopped and built again; it must not start the upstream over.
  gw.rewrite_config(gateway_config(
      {"/relay"}, endpoint(up, "count=3") + "    idle_timeout: 61s\n    to: /relay\n"));
  gw.process().signal(SIGHUP);
  const auto requests = up.wait_requests(2, seconds(15));
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("Last-Event-ID"), "");
  EXPECT_EQ(requests[1].header("Last-Event-ID"), "3");
  expect_clean_stop(gw);
}

}  // namespace
}  // namespace ssegw::testing
