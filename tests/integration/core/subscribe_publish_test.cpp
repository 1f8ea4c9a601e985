// Subscribing and publishing against the real binary: headers, framing, status codes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/raw_connection.h"

namespace ssegw::testing {
namespace {

const char* kConfig = R"(
server:
  workers: 2
  heartbeat: 300ms
  headers: {X-Served-By: gw-test}
  cors_origins: ["https://app.example"]
  max_body_bytes: 1KiB
channels:
  - path: /events
    history: 100
    publish: true
    retry: 1234
  - path: /secure
    publish: {token: "{{ TEST_TOKEN }}"}
  - path: /readonly
)";

class SubscribePublish : public ::testing::Test {
 protected:
  GatewayProcess gw{kConfig, {}, {{"TEST_TOKEN", "t0ken"}}};
};

TEST_F(SubscribePublish, StreamHeadersRetryAndEvents) {
  SseClient sub(gw.port(), "/events", {{"Origin", "https://app.example"}});
  ASSERT_EQ(sub.status(), 200);
  EXPECT_EQ(sub.headers().at("content-type").rfind("text/event-stream", 0), 0u);
  EXPECT_EQ(sub.headers().at("cache-control"), "no-cache");
  EXPECT_EQ(sub.headers().at("x-accel-buffering"), "no");
  EXPECT_EQ(sub.headers().at("x-served-by"), "gw-test");
  EXPECT_EQ(sub.headers().at("access-control-allow-origin"), "https://app.example");
  HttpResponse r = publish(gw.port(), "/events", "line1\r\nline2\rline3\nline4", "update");
  ASSERT_EQ(r.status, 200);
  auto e = sub.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "update");
  EXPECT_EQ(e->data, "line1\nline2\nline3\nline4");
  EXPECT_NE(r.body.find("\"id\":\"" + e->id + "\""), std::string::npos) << r.body;
  EXPECT_EQ(sub.retry_ms(), 1234);
}

TEST_F(SubscribePublish, PayloadCannotInjectFieldsOrEndTheEvent) {
  SseClient sub(gw.port(), "/events");
  ASSERT_EQ(publish(gw.port(), "/events", "a\n\nevent: evil\nid: 1\ndata: x").status, 200);
  ASSERT_EQ(publish(gw.port(), "/events", "").status, 200);
  auto events = sub.take(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "message");
  EXPECT_EQ(events[0].data, "a\n\nevent: evil\nid: 1\ndata: x");
  EXPECT_EQ(events[1].data, "");
}

TEST_F(SubscribePublish, HeartbeatOnIdleStream) {
  SseClient sub(gw.port(), "/events");
  EXPECT_FALSE(sub.next(std::chrono::milliseconds(1200)));
  EXPECT_GE(sub.comments_seen(), 2u);
  EXPECT_FALSE(sub.closed());
}

TEST_F(SubscribePublish, StatusCodes) {
  EXPECT_EQ(http_request(gw.port(), "GET", "/nope").status, 404);
  HttpResponse wrong = http_request(gw.port(), "DELETE", "/events");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers["allow"], "GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(publish(gw.port(), "/readonly", "x").status, 405);
  EXPECT_EQ(publish(gw.port(), "/events", std::string(2048, 'x')).status, 413);
  EXPECT_EQ(publish(gw.port(), "/events", "x", "bad%0Aname").status, 400);
  EXPECT_EQ(publish(gw.port(), "/secure", "x").status, 401);
  EXPECT_EQ(publish(gw.port(), "/secure", "x", "", {{"Authorization", "Bearer wrong"}}).status,
            403);
  EXPECT_EQ(publish(gw.port(), "/secure", "x", "", {{"Authorization", "Bearer t0ken"}}).status,
            200);
  EXPECT_EQ(http_request(gw.port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(gw.port(), "GET", "/readyz").status, 200);
}

TEST_F(SubscribePublish, TokenFromEnvironmentIsEnforcedOnSubscribeToo) {
  // Subscribing needs no token: only publishing does.
  SseClient sub(gw.port(), "/secure");
  EXPECT_EQ(sub.status(), 200);
}

TEST_F(SubscribePublish, CorsPreflight) {
  HttpResponse r = http_request(gw.port(), "OPTIONS", "/events", "",
                                {{"Origin", "https://app.example"},
                                 {"Access-Control-Request-Method", "GET"},
                                 {"Access-Control-Request-Headers", "last-event-id"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers["access-control-allow-origin"], "https://app.example");
  EXPECT_NE(r.headers["access-control-allow-headers"].find("Last-Event-ID"), std::string::npos);
}

TEST_F(SubscribePublish, MetricsCountWhatHappened) {
  SseClient sub(gw.port(), "/events");
  ASSERT_EQ(publish(gw.port(), "/events", "m").status, 200);
  ASSERT_TRUE(sub.next());
  HttpResponse m = http_request(gw.port(), "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("ssegw_channel_subscribers{channel=\"/events\"} 1"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("ssegw_channel_events_published_total{channel=\"/events\"} 1"),
            std::string::npos);
  EXPECT_NE(m.body.find("ssegw_events_delivered_total 1"), std::string::npos);
}

TEST_F(SubscribePublish, PipelinedKeepAlivePublishes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(gw.port());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string two =
      "POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nA"
      "POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nB";
  ASSERT_EQ(::send(fd, two.data(), two.size(), 0), static_cast<ssize_t>(two.size()));
  std::string got;
  char buf[4096];
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (got.find("\"id\"", got.find("\"id\"") + 1) == std::string::npos ||
         got.rfind("}\n") + 2 != got.size()) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t first = got.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos) << got;
  EXPECT_NE(got.find("HTTP/1.1 200", first + 1), std::string::npos) << got;
  EXPECT_NE(got.find("Connection: keep-alive"), std::string::npos) << got;
}

// A connection moves to the publish worker with its first POST, taking the requests pipelined
// behind it (here all of them, sent in one segment): every answer comes back once, in order,
// and the events keep their order.
TEST_F(SubscribePublish, PipelinedRequestsFollowAPublishToThePublishWorkerInOrder) {
  SseClient sub(gw.port(), "/events");
  ASSERT_EQ(sub.status(), 200);
  RawConnection c(gw.port());
  ASSERT_TRUE(c.connected());
  c.send(
      "POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nB"
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nC"
      "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string rest = c.read_until("HTTP/1.1 404", std::chrono::seconds(5));
  rest += c.read_until("\n", std::chrono::milliseconds(500));
  const size_t b = rest.find("HTTP/1.1 200");
  const size_t health = rest.find("HTTP/1.1 200", b + 1);
  const size_t cc = rest.find("HTTP/1.1 200", health + 1);
  const size_t missing = rest.find("HTTP/1.1 404");
  ASSERT_NE(b, std::string::npos) << rest;
  ASSERT_NE(health, std::string::npos) << rest;
  ASSERT_NE(cc, std::string::npos) << rest;
  ASSERT_NE(missing, std::string::npos) << rest;
  EXPECT_LT(cc, missing) << rest;
  EXPECT_EQ(rest.find("HTTP/1.1", missing + 1), std::string::npos) << "an answer came twice";
  std::vector<std::string> got;
  while (got.size() < 2) {
    auto e = sub.next(std::chrono::seconds(5));
    ASSERT_TRUE(e);
    got.push_back(e->data);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"B", "C"}));
  // The connection stays usable where it went.
  c.send("POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nD");
  EXPECT_NE(c.read_until("}\n", std::chrono::seconds(5)).find("HTTP/1.1 200"), std::string::npos);
  auto d = sub.next(std::chrono::seconds(5));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->data, "D");
}

TEST(Connections, UnfinishedRequestTimesOutWith408) {
  GatewayProcess gw("server: {request_timeout: 300ms}\nchannels: [{path: /e}]\n");
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(gw.port());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string partial = "GET /e HTTP/1.1\r\nHost: x\r\n";  // never finished
  ::send(fd, partial.data(), partial.size(), 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  char buf[1024];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_EQ(n, 0) << "the gateway closes the connection";
  EXPECT_EQ(got.rfind("HTTP/1.1 408", 0), 0u) << got;
}

TEST(Ids, UniqueAndGrowingAcrossRestarts) {
  std::string first, second;
  {
    GatewayProcess gw(kConfig, {}, {{"TEST_TOKEN", "x"}});
    HttpResponse r = publish(gw.port(), "/events", "a");
    first = r.body.substr(7, r.body.find('"', 7) - 7);
  }
  {
    GatewayProcess gw(kConfig, {}, {{"TEST_TOKEN", "x"}});
    HttpResponse r = publish(gw.port(), "/events", "a");
    second = r.body.substr(7, r.body.find('"', 7) - 7);
  }
  ASSERT_FALSE(first.empty());
  EXPECT_NE(first, second);
  EXPECT_LT(std::stoull(first), std::stoull(second));
}

// Over max_connections: see Hardening.MaxConnectionsCountsStreamsAndKeepsRoomForRequests.

}  // namespace
}  // namespace ssegw::testing
