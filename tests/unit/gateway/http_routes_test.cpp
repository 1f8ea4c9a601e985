#include "gateway/http_routes.h"

#include <gtest/gtest.h>

#include "jws_test_issuer.h"

namespace ssegw {
namespace {

using jws_test::b64url;
using jws_test::hs256;

struct FakeStatus : StatusSource {
  bool ready = true;
  std::string metrics_text() const override { return "ssegw_x 1\n"; }
  std::pair<bool, std::string> readiness() const override {
    return {ready, ready ? "ready\n" : "source a: connecting\n"};
  }
};

class Routes : public ::testing::Test {
 protected:
  Routes() : dir_(1000, {}) {
    ChannelOptions open{"/open"};
    open.publish = true;
    ChannelOptions secured{"/secured"};
    secured.publish = true;
    secured.publish_token = "tok";
    ChannelOptions readonly{"/ro"};
    dir_.apply({open, secured, readonly});
    server_.cors_origins = {"https://app.example"};
    server_.headers = {{"X-Served-By", "gw1"}};
  }
  // Every HTTP/1.1 request carries Host; the tests leave it out for brevity.
  RouteAction route(std::string raw) {
    HttpRequest r;
    raw.insert(raw.find("\r\n") + 2, "Host: gw\r\n");
    EXPECT_EQ(parse_http_request(raw, {}, r).status, ParseStatus::kComplete) << raw;
    return route_request(r, server_, dir_, status_, context_);
  }
  static int status_of(const RouteAction& a) { return a.response.status; }
  // The answer as an HTTP/1.1 client would read it.
  static std::string wire(const RouteAction& a) { return build_response(a.response, true); }

  ChannelDirectory dir_;
  ServerConfig server_;
  FakeStatus status_;
  // A loopback client, as the publishes of `publish: true` channels need.
  RequestContext context_{ClientAddress{parse_ip_address("127.0.0.1"), false}, 1'700'000'000};
};

TEST_F(Routes, UnknownPathIs404) {
  EXPECT_EQ(status_of(route("GET /nope HTTP/1.1\r\n\r\n")), 404);
}

TEST_F(Routes, WrongMethodIs405WithAllow) {
  RouteAction a = route("DELETE /open HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_of(a), 405);
  EXPECT_NE(wire(a).find("Allow: GET, HEAD, POST, OPTIONS"), std::string::npos);
  RouteAction ro = route("POST /ro HTTP/1.1\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_EQ(status_of(ro), 405);
  EXPECT_NE(wire(ro).find("Allow: GET, HEAD, OPTIONS"), std::string::npos);
}

TEST_F(Routes, SubscribeCarriesLastEventIdFromHeaderOrQuery) {
  RouteAction a = route("GET /open HTTP/1.1\r\nLast-Event-ID: 9\r\n\r\n");
  ASSERT_EQ(a.kind, RouteAction::Kind::kSubscribe);
  EXPECT_EQ(a.start.id, "9");
  EXPECT_EQ(route("GET /open?lastEventId=12 HTTP/1.1\r\n\r\n").start.id, "12");
  EXPECT_EQ(a.headers[0].first, "X-Served-By");
}

TEST_F(Routes, LastEventIdQueryTakesEarliestLatestAndATimeButTheHeaderIsAlwaysAnId) {
  using Kind = StartPosition::Kind;
  EXPECT_EQ(route("GET /open?lastEventId=earliest HTTP/1.1\r\n\r\n").start.kind, Kind::kEarliest);
  EXPECT_EQ(route("GET /open?lastEventId=latest HTTP/1.1\r\n\r\n").start.kind, Kind::kLatest);
  RouteAction t = route("GET /open?lastEventId=2026-12-01T10:00:00Z HTTP/1.1\r\n\r\n");
  EXPECT_EQ(t.start.kind, Kind::kSince);
  EXPECT_EQ(t.start.since_ms, 1796119200000);
  // An EventSource reconnecting to ?lastEventId=earliest sends its id in the header.
  RouteAction h =
      route("GET /open?lastEventId=earliest HTTP/1.1\r\nLast-Event-ID: earliest\r\n\r\n");
  EXPECT_EQ(h.start.kind, Kind::kId);
  EXPECT_EQ(h.start.id, "earliest");
}

TEST_F(Routes, PublishTokenChecks) {
  EXPECT_EQ(status_of(route("POST /secured HTTP/1.1\r\nContent-Length: 1\r\n\r\nx")), 401);
  EXPECT_EQ(
      status_of(route(
          "POST /secured HTTP/1.1\r\nAuthorization: Bearer no\r\nContent-Length: 1\r\n\r\nx")),
      403);
  EXPECT_EQ(
      status_of(route(
          "POST /secured HTTP/1.1\r\nAuthorization: Basic tok\r\nContent-Length: 1\r\n\r\nx")),
      403);
  RouteAction ok = route(
      "POST /secured?event=t HTTP/1.1\r\nAuthorization: Bearer tok\r\nContent-Length: 1\r\n\r\nx");
  ASSERT_EQ(ok.kind, RouteAction::Kind::kPublish);
  EXPECT_EQ(ok.event.type, "t");
  EXPECT_EQ(ok.event.data, "x");
}

TEST_F(Routes, HeldChannelAnswers503WithRetryAfter) {
  dir_.find("/open")->hold();
  RouteAction a = route("POST /open HTTP/1.1\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_EQ(status_of(a), 503);
  EXPECT_NE(wire(a).find("Retry-After: 1"), std::string::npos);
  dir_.find("/open")->release_hold();
  EXPECT_EQ(route("POST /open HTTP/1.1\r\nContent-Length: 1\r\n\r\nx").kind,
            RouteAction::Kind::kPublish);
}

TEST_F(Routes, EventNameWithLineBreakIs400) {
  EXPECT_EQ(status_of(route("POST /open?event=a%0Db HTTP/1.1\r\nContent-Length: 1\r\n\r\nx")), 400);
  EXPECT_EQ(status_of(route("POST /open?event=a%0Ab HTTP/1.1\r\nContent-Length: 1\r\n\r\nx")), 400);
}

TEST_F(Routes, CorsPreflightForAllowedOrigin) {
  RouteAction a = route(
      "OPTIONS /open HTTP/1.1\r\nOrigin: https://app.example\r\nAccess-Control-Request-Method: "
      "GET\r\n\r\n");
  EXPECT_EQ(status_of(a), 204);
  EXPECT_NE(wire(a).find("Access-Control-Allow-Origin: https://app.example"), std::string::npos);
  EXPECT_NE(wire(a).find("Last-Event-ID"), std::string::npos);
  RouteAction other = route("OPTIONS /open HTTP/1.1\r\nOrigin: https://evil.example\r\n\r\n");
  EXPECT_EQ(wire(other).find("Access-Control-Allow-Origin"), std::string::npos);
}

TEST_F(Routes, ErrorAnswersCarryCorsHeadersForAllowedOrigins) {
  const std::string origin = "Origin: https://app.example\r\n";
  for (const std::string& raw :
       {"POST /secured HTTP/1.1\r\n" + origin + "Content-Length: 1\r\n\r\nx",
        "POST /secured HTTP/1.1\r\n" + origin +
            "Authorization: Bearer no\r\nContent-Length: 1\r\n\r\nx",
        "POST /open?event=a%0Ab HTTP/1.1\r\n" + origin + "Content-Length: 1\r\n\r\nx",
        "GET /missing HTTP/1.1\r\n" + origin + "\r\n",
        "DELETE /open HTTP/1.1\r\n" + origin + "\r\n"}) {
    RouteAction a = route(raw);
    EXPECT_GE(status_of(a), 400) << raw;
    EXPECT_NE(wire(a).find("Access-Control-Allow-Origin: https://app.example"), std::string::npos)
        << raw;
  }
}

TEST_F(Routes, CredentialsEchoTheOrigin) {
  server_.cors_origins = {"*"};
  server_.cors_credentials = true;
  RouteAction a = route("GET /open HTTP/1.1\r\nOrigin: https://x.example\r\n\r\n");
  ASSERT_EQ(a.kind, RouteAction::Kind::kSubscribe);
  bool echoed = false, creds = false;
  for (auto& [k, v] : a.headers) {
    echoed = echoed || (k == "Access-Control-Allow-Origin" && v == "https://x.example");
    creds = creds || (k == "Access-Control-Allow-Credentials" && v == "true");
  }
  EXPECT_TRUE(echoed);
  EXPECT_TRUE(creds);
}

TEST_F(Routes, HealthReadyMetrics) {
  EXPECT_EQ(status_of(route("GET /healthz HTTP/1.1\r\n\r\n")), 200);
  EXPECT_EQ(status_of(route("GET /readyz HTTP/1.1\r\n\r\n")), 200);
  status_.ready = false;
  EXPECT_EQ(status_of(route("GET /readyz HTTP/1.1\r\n\r\n")), 503);
  RouteAction m = route("GET /metrics HTTP/1.1\r\n\r\n");
  EXPECT_NE(wire(m).find("ssegw_x 1"), std::string::npos);
  EXPECT_EQ(status_of(route("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")), 405);
}

TEST_F(Routes, PublishTrueRefusesAClientThatIsNotLoopback) {
  context_.client = ClientAddress{parse_ip_address("203.0.113.7"), true};
  RouteAction a = route("POST /open HTTP/1.1\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_EQ(status_of(a), 403);
  EXPECT_EQ(a.refusal, AccessRefusal::kPeerNotAllowed);
  EXPECT_EQ(wire(a).find("WWW-Authenticate"), std::string::npos);
}

class JwtRoutes : public Routes {
 protected:
  JwtRoutes() {
    auto policy = std::make_shared<JwtPolicy>();
    policy->keys.push_back(JwtKey{"", JwsKey::secret(JwsAlg::kHS256, kSecret)});
    server_.auth.jwt = policy;
    ChannelOptions orders{"/orders"};
    orders.subscribe_jwt = true;
    dir_.apply({orders});
  }
  static constexpr const char* kSecret = "0123456789abcdef0123456789abcdef";
};

TEST_F(JwtRoutes, NoTokenIs401WithBearerChallengeReadableCrossOrigin) {
  RouteAction a = route("GET /orders HTTP/1.1\r\nOrigin: https://app.example\r\n\r\n");
  EXPECT_EQ(status_of(a), 401);
  EXPECT_EQ(a.refusal, AccessRefusal::kNoToken);
  const std::string w = wire(a);
  EXPECT_NE(w.find("WWW-Authenticate: Bearer realm=\"sse-gateway\", error=\"invalid_token\", "
                   "error_description=\"no token\"\r\n"),
            std::string::npos)
      << w;
  EXPECT_NE(w.find("Access-Control-Allow-Origin: https://app.example"), std::string::npos);
  EXPECT_NE(w.find("Access-Control-Expose-Headers: WWW-Authenticate"), std::string::npos);
  // HEAD is a subscription's answer without the stream: the same rule.
  EXPECT_EQ(status_of(route("HEAD /orders HTTP/1.1\r\n\r\n")), 401);
  // A preflight carries no credentials and must still be answered.
  EXPECT_EQ(status_of(route("OPTIONS /orders HTTP/1.1\r\nOrigin: https://app.example\r\n\r\n")),
            204);
}

TEST_F(JwtRoutes, AGoodTokenSubscribesAndCarriesItsEnd) {
  const std::string t =
      hs256(R"({"alg":"HS256"})", R"({"exp":1700000100,"sse":{"subscribe":["/orders"]}})", kSecret);
  RouteAction a = route("GET /orders HTTP/1.1\r\nAuthorization: Bearer " + t + "\r\n\r\n");
  ASSERT_EQ(a.kind, RouteAction::Kind::kSubscribe);
  EXPECT_EQ(a.ends_at_s, 1700000100 + 30);
}

TEST_F(JwtRoutes, AnUncoveredPathIs403InsufficientScope) {
  const std::string t =
      hs256(R"({"alg":"HS256"})", R"({"sse":{"subscribe":["/rooms/*"]}})", kSecret);
  RouteAction a = route("GET /orders HTTP/1.1\r\nCookie: sse_token=" + t + "\r\n\r\n");
  EXPECT_EQ(status_of(a), 403);
  EXPECT_NE(wire(a).find("error=\"insufficient_scope\""), std::string::npos);
  EXPECT_EQ(wire(a).find(t), std::string::npos);
}

TEST(PublishResponse, CarriesTheId) {
  std::string r = build_response(publish_response(PublishResult{true, "17", {}}, {}), true);
  EXPECT_NE(r.find("{\"id\":\"17\"}"), std::string::npos);
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 200");
}

}  // namespace
}  // namespace ssegw

namespace ssegw {
namespace {

// A feed that hands out one channel, or none once `full`.
struct StatusWithFeed : FakeStatus {
  bool full = false;
  mutable std::string last_filter;
  std::shared_ptr<Channel> channel =
      std::make_shared<Channel>(ChannelOptions{"(status)"}, 0, std::vector<FanoutTarget*>{});
  std::shared_ptr<Channel> status_stream(const std::string& filter, bool* over) const override {
    last_filter = filter;
    *over = full;
    return full ? nullptr : channel;
  }
};

class StatusRoutes : public ::testing::Test {
 protected:
  StatusRoutes() : dir_(1000, {}) { server_.status_page = StatusPageSettings{}; }
  RouteAction route(std::string raw, const char* ip = "127.0.0.1") {
    HttpRequest r;
    raw.insert(raw.find("\r\n") + 2, "Host: gw\r\n");
    EXPECT_EQ(parse_http_request(raw, {}, r).status, ParseStatus::kComplete) << raw;
    RequestContext context{ClientAddress{parse_ip_address(ip), false}, 1'700'000'000};
    return route_request(r, server_, dir_, status_, context);
  }
  static std::string header(const RouteAction& a, const std::string& name) {
    for (const auto& [key, value] : a.response.headers)
      if (key == name) return value;
    return "";
  }
  ChannelDirectory dir_;
  ServerConfig server_;
  StatusWithFeed status_;
};

TEST_F(StatusRoutes, OffUnlessConfigured) {
  server_.status_page.reset();
  EXPECT_EQ(route("GET /status HTTP/1.1\r\n\r\n").response.status, 404);
  EXPECT_EQ(route("GET /status/stream HTTP/1.1\r\n\r\n").response.status, 404);
}

TEST_F(StatusRoutes, PageIsSelfContainedHtmlForLoopbackOnlyByDefault) {
  RouteAction page = route("GET /status HTTP/1.1\r\n\r\n");
  EXPECT_EQ(page.response.status, 200);
  EXPECT_EQ(header(page, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(page, "Cache-Control"), "no-store");
  EXPECT_NE(header(page, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_NE(page.response.body.find("new EventSource("), std::string::npos);
  EXPECT_EQ(page.response.body.find("innerHTML"), std::string::npos);
  EXPECT_EQ(page.response.body.find("http://"), std::string::npos);  // no external assets
  EXPECT_EQ(page.response.body.find("https://"), std::string::npos);
  EXPECT_EQ(route("GET /status HTTP/1.1\r\n\r\n", "::1").response.status, 200);
  EXPECT_EQ(route("GET /status HTTP/1.1\r\n\r\n", "192.0.2.7").response.status, 403);
  EXPECT_EQ(route("GET /status/stream HTTP/1.1\r\n\r\n", "192.0.2.7").response.status, 403);
  EXPECT_EQ(route("POST /status HTTP/1.1\r\nContent-Length: 0\r\n\r\n").response.status, 405);
}

TEST_F(StatusRoutes, TokenAuthIsAPublishTokenFromAnyAddress) {
  server_.status_page->access.publish_token = "s3cret";
  EXPECT_EQ(route("GET /status HTTP/1.1\r\n\r\n", "192.0.2.7").response.status, 401);
  EXPECT_EQ(route("GET /status HTTP/1.1\r\nAuthorization: Bearer nope\r\n\r\n").response.status,
            403);
  EXPECT_EQ(route("GET /status HTTP/1.1\r\nAuthorization: Bearer s3cret\r\n\r\n", "192.0.2.7")
                .response.status,
            200);
}

TEST_F(StatusRoutes, StreamSubscribesToTheFeedOfItsFilter) {
  RouteAction a = route("GET /status/stream?filter=%2Frooms HTTP/1.1\r\n\r\n");
  ASSERT_EQ(a.kind, RouteAction::Kind::kSubscribe);
  EXPECT_EQ(a.channel, status_.channel);
  EXPECT_EQ(status_.last_filter, "/rooms");
  EXPECT_EQ(route("GET /status/stream?filter=" + std::string(200, 'a') + " HTTP/1.1\r\n\r\n").kind,
            RouteAction::Kind::kSubscribe);
  EXPECT_EQ(route("GET /status/stream?filter=" + std::string(201, 'a') + " HTTP/1.1\r\n\r\n")
                .response.status,
            400);
  status_.full = true;
  RouteAction over = route("GET /status/stream HTTP/1.1\r\n\r\n");
  EXPECT_EQ(over.response.status, 503);
  EXPECT_NE(over.response.body.find("too many status viewers"), std::string::npos);
}

}  // namespace
}  // namespace ssegw
