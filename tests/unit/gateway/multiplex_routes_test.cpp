// Routes of subscribe_path (several channels on one stream), template channels and batch
// publishes: every answer a client can get before a stream starts.
#include <gtest/gtest.h>

#include "gateway/http_routes.h"
#include "jws_test_issuer.h"

namespace ssegw {
namespace {

using jws_test::hs256;

struct NoStatus : StatusSource {
  std::string metrics_text() const override { return ""; }
  std::pair<bool, std::string> readiness() const override { return {true, "ready\n"}; }
};

constexpr const char* kSecret = "0123456789abcdef0123456789abcdef";

class MultiplexRoutes : public ::testing::Test {
 protected:
  MultiplexRoutes() : dir_(1000, {}) {
    auto policy = std::make_shared<JwtPolicy>();
    policy->keys.push_back(JwtKey{"", JwsKey::secret(JwsAlg::kHS256, kSecret)});
    server_.auth.jwt = policy;
    server_.max_channels_per_subscription = 4;
    ChannelOptions prices{"/prices"};
    prices.publish = true;
    ChannelOptions news{"/news"};
    ChannelOptions orders{"/orders/eu"};
    orders.subscribe_jwt = true;
    ChannelOptions orders_us{"/orders/us"};
    orders_us.subscribe_jwt = true;
    ChannelOptions rooms{"/rooms/{room}"};
    rooms.template_path = rooms.path;
    rooms.publish = true;
    rooms.max_channels = 2;
    dir_.apply({prices, news, orders, orders_us, rooms});
  }
  RouteAction route(std::string raw) {
    HttpRequest r;
    raw.insert(raw.find("\r\n") + 2, "Host: gw\r\n");
    EXPECT_EQ(parse_http_request(raw, {}, r).status, ParseStatus::kComplete) << raw;
    return route_request(r, server_, dir_, status_, context_);
  }
  static std::vector<std::string> paths(const RouteAction& a) {
    std::vector<std::string> out;
    for (const auto& c : a.multiplex->channels) out.push_back(c->path());
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::string ndjson_post(const std::string& target, const std::string& body) {
    return "POST " + target +
           " HTTP/1.1\r\nContent-Type: application/x-ndjson\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  ChannelDirectory dir_;
  ServerConfig server_;
  NoStatus status_;
  RequestContext context_{ClientAddress{parse_ip_address("127.0.0.1"), false}, 1'700'000'000};
};

TEST_F(MultiplexRoutes, NamedChannelsAndAPatternMakeOneStream) {
  RouteAction a =
      route("GET /subscribe?channel=/prices&channel=%2Fnews&channel=/prices HTTP/1.1\r\n\r\n");
  ASSERT_EQ(a.kind, RouteAction::Kind::kSubscribe);
  ASSERT_TRUE(a.multiplex);
  EXPECT_EQ(a.channel, nullptr);
  EXPECT_EQ(paths(a), (std::vector<std::string>{"/news", "/prices"}));  // a repeat counts once
  EXPECT_FALSE(a.multiplex->envelope);
  EXPECT_FALSE(a.ends_at_s);
}

TEST_F(MultiplexRoutes, UnknownChannelIs404AndOverTheLimitIs400) {
  EXPECT_EQ(route("GET /subscribe?channel=/prices&channel=/nope HTTP/1.1\r\n\r\n").response.status,
            404);
  EXPECT_EQ(route("GET /subscribe HTTP/1.1\r\n\r\n").response.status, 400);
  RouteAction over = route(
      "GET /subscribe?channel=/a&channel=/b&channel=/c&channel=/d&channel=/e HTTP/1.1\r\n\r\n");
  EXPECT_EQ(over.response.status, 400);
  EXPECT_NE(over.response.body.find("at most 4"), std::string::npos);
  EXPECT_EQ(route("GET /subscribe?channel=/ro*ms HTTP/1.1\r\n\r\n").response.status, 400);
  server_.max_channels_per_subscription = 100;
  std::string nine = "GET /subscribe?channel=/prices";
  for (int i = 0; i < 9; ++i) nine += "&channel=/p" + std::to_string(i) + "/*";
  RouteAction patterns = route(nine + " HTTP/1.1\r\n\r\n");
  EXPECT_EQ(patterns.response.status, 400);
  EXPECT_EQ(patterns.response.body, "at most 8 patterns per subscription\n");
  server_.max_channels_per_subscription = 4;
  EXPECT_EQ(route("GET /subscribe?channel=/prices&envelope=xml HTTP/1.1\r\n\r\n").response.status,
            400);
  EXPECT_EQ(route("GET /subscribe?channel=/prices&events=a,,b HTTP/1.1\r\n\r\n").response.status,
            400);
}

TEST_F(MultiplexRoutes, ANamedChannelTheTokenDoesNotCoverRefusesTheRequest) {
  RouteAction none = route("GET /subscribe?channel=/prices&channel=/orders/eu HTTP/1.1\r\n\r\n");
  EXPECT_EQ(none.response.status, 401);
  const std::string t = hs256(R"({"alg":"HS256"})",
                              R"({"exp":1700000100,"sse":{"subscribe":["/orders/us"]}})", kSecret);
  RouteAction wrong = route("GET /subscribe?channel=/orders/eu HTTP/1.1\r\nAuthorization: Bearer " +
                            t + "\r\n\r\n");
  EXPECT_EQ(wrong.response.status, 403);
  RouteAction good = route("GET /subscribe?channel=/orders/us HTTP/1.1\r\nAuthorization: Bearer " +
                           t + "\r\n\r\n");
  ASSERT_EQ(good.kind, RouteAction::Kind::kSubscribe);
  EXPECT_EQ(good.ends_at_s, 1700000100 + 30);
}

TEST_F(MultiplexRoutes, APatternLeavesOutWhatTheTokenMayNotSee) {
  RouteAction anonymous = route("GET /subscribe?channel=/orders/* HTTP/1.1\r\n\r\n");
  ASSERT_EQ(anonymous.kind, RouteAction::Kind::kSubscribe);
  EXPECT_TRUE(paths(anonymous).empty());
  EXPECT_EQ(anonymous.multiplex->patterns, std::vector<std::string>{"/orders/*"});
  const std::string t =
      hs256(R"({"alg":"HS256"})", R"({"sse":{"subscribe":["/orders/eu"]}})", kSecret);
  RouteAction some =
      route("GET /subscribe?channel=/orders/*&envelope=json HTTP/1.1\r\nCookie: sse_token=" + t +
            "\r\n\r\n");
  EXPECT_EQ(paths(some), std::vector<std::string>{"/orders/eu"});
  EXPECT_TRUE(some.multiplex->envelope);
  // Later channels are checked against the same token by the grant the stream keeps.
  ChannelOptions later{"/orders/asia"};
  later.subscribe_jwt = true;
  EXPECT_FALSE(some.multiplex->grant->check(later).allowed());
}

TEST_F(MultiplexRoutes, TemplateChannelsAreMadeOnDemandUpToMaxChannels) {
  EXPECT_EQ(dir_.find("/rooms/a"), nullptr);
  RouteAction a = route("GET /subscribe?channel=/rooms/a&channel=/prices HTTP/1.1\r\n\r\n");
  ASSERT_EQ(a.kind, RouteAction::Kind::kSubscribe);
  ASSERT_NE(dir_.find("/rooms/a"), nullptr);
  EXPECT_EQ(dir_.find("/rooms/a")->options().template_path, "/rooms/{room}");
  EXPECT_EQ(route("POST /rooms/b HTTP/1.1\r\nContent-Length: 1\r\n\r\nx").kind,
            RouteAction::Kind::kPublish);
  RouteAction full = route("GET /rooms/c HTTP/1.1\r\n\r\n");
  EXPECT_EQ(full.response.status, 429);
  EXPECT_EQ(dir_.find("/rooms/c"), nullptr);
  // A request no rule lets through makes nothing; other methods answer from the template.
  EXPECT_EQ(route("GET /rooms/a/b HTTP/1.1\r\n\r\n").response.status, 404);
  EXPECT_EQ(route("OPTIONS /rooms/zz HTTP/1.1\r\n\r\n").response.status, 204);
  EXPECT_EQ(dir_.find("/rooms/zz"), nullptr);
}

TEST_F(MultiplexRoutes, ABatchIsCheckedWholeBeforeAnythingIsPublished) {
  RouteAction ok =
      route(ndjson_post("/prices", "{\"data\":\"a\"}\n\n{\"event\":\"t\",\"data\":\"b\"}\n"));
  ASSERT_EQ(ok.kind, RouteAction::Kind::kPublish);
  ASSERT_EQ(ok.batch.size(), 2u);
  EXPECT_EQ(ok.batch[1].second.type, "t");
  RouteAction bad = route(ndjson_post("/prices", "{\"data\":\"a\"}\n\n{\"data\":1}\n"));
  EXPECT_EQ(bad.response.status, 400);
  EXPECT_EQ(bad.response.body, "line 3: data must be a string\n");
  // Only the subscribe path takes a channel per line.
  EXPECT_EQ(route(ndjson_post("/prices", "{\"channel\":\"/news\",\"data\":\"a\"}")).response.status,
            400);
  RouteAction many = route(ndjson_post(
      "/subscribe",
      "{\"channel\":\"/prices\",\"data\":\"a\"}\n{\"channel\":\"/rooms/x\",\"data\":\"b\"}"));
  ASSERT_EQ(many.kind, RouteAction::Kind::kPublish);
  ASSERT_EQ(many.batch.size(), 2u);
  EXPECT_EQ(many.batch[1].first->path(), "/rooms/x");
  RouteAction refused = route(ndjson_post(
      "/subscribe",
      "{\"channel\":\"/rooms/y\",\"data\":\"a\"}\n{\"channel\":\"/news\",\"data\":\"b\"}"));
  EXPECT_EQ(refused.response.status, 405);
  EXPECT_EQ(refused.response.body, "line 2: /news takes no publishes\n");
  EXPECT_EQ(dir_.find("/rooms/y"), nullptr);  // checked before anything was made
}

TEST(BatchResponse, ListsEveryIdOrSaysWhichFailed) {
  std::vector<PublishResult> all{{true, "1", {}}, {true, "2", {}}};
  Response ok = batch_response(all, {});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "{\"ids\":[\"1\",\"2\"]}\n");
  all[1] = PublishResult{false, {}, "channel was removed"};
  Response failed = batch_response(all, {});
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(failed.body, "{\"error\":\"channel was removed\",\"ids\":[\"1\",null]}\n");
}

}  // namespace
}  // namespace ssegw
