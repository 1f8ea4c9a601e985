#include "gateway/access_control.h"

#include <gtest/gtest.h>

#include "jws_test_issuer.h"

namespace ssegw {
namespace {

using jws_test::b64url;
using jws_test::hs256;

constexpr int64_t kNow = 1'800'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef";

HttpRequest request(std::vector<std::pair<std::string, std::string>> headers,
                    std::string query = "") {
  HttpRequest r;
  r.method = "GET";
  r.headers = std::move(headers);
  r.query = std::move(query);
  return r;
}

std::string token(const std::string& claims) {
  return hs256(R"({"alg":"HS256","typ":"JWT"})", claims, kSecret);
}

ClientAddress client(const char* text) {
  return ClientAddress{parse_ip_address(text), false};
}

class Access : public ::testing::Test {
 protected:
  Access() {
    auto policy = std::make_shared<JwtPolicy>();
    policy->keys.push_back(JwtKey{"", JwsKey::secret(JwsAlg::kHS256, kSecret)});
    policy->leeway_s = 30;
    auth_.jwt = policy;
    orders_.path = "/orders";
    orders_.subscribe_jwt = true;
    orders_.publish = true;
    orders_.publish_jwt = true;
    room_.path = "/rooms/a/b";
    room_.subscribe_jwt = true;
  }
  AuthSettings auth_;
  ChannelOptions orders_;
  ChannelOptions room_;
};

TEST_F(Access, FindsTheTokenInTheHeaderThenTheCookieThenTheQueryWhenConfigured) {
  EXPECT_EQ(find_token(request({{"authorization", "Bearer abc"}}), auth_), "abc");
  EXPECT_EQ(find_token(request({{"authorization", "bearer  abc "}}), auth_), "abc");
  EXPECT_EQ(find_token(request({{"authorization", "Basic abc"}}), auth_), "");
  EXPECT_EQ(find_token(request({{"cookie", "a=1; sse_token=xyz; b=2"}}), auth_), "xyz");
  EXPECT_EQ(find_token(request({{"cookie", "a=1"}, {"cookie", "sse_token=\"q\""}}), auth_), "q");
  EXPECT_EQ(find_token(request({{"cookie", "xsse_token=no"}}), auth_), "");
  // An Authorization header wins over the cookie, even when it is not a bearer token.
  EXPECT_EQ(find_token(request({{"authorization", "Basic a"}, {"cookie", "sse_token=c"}}), auth_),
            "");
  EXPECT_EQ(find_token(request({}, "access_token=t1"), auth_), "");
  auth_.query_param = "access_token";
  EXPECT_EQ(find_token(request({}, "x=1&access_token=t1"), auth_), "t1");
}

TEST_F(Access, AnonymousChannelsNeedNothing) {
  ChannelOptions open;
  open.path = "/open";
  EXPECT_TRUE(check_subscribe(request({}), open, auth_, kNow).allowed());
}

TEST_F(Access, SubscribeNeedsAGoodTokenThatCoversThePath) {
  AccessDecision none = check_subscribe(request({}), orders_, auth_, kNow);
  EXPECT_EQ(none.refusal, AccessRefusal::kNoToken);
  EXPECT_EQ(none.status(), 401);
  const std::string good = token(R"({"exp":1800000100,"sse":{"subscribe":["/orders"]}})");
  AccessDecision ok =
      check_subscribe(request({{"authorization", "Bearer " + good}}), orders_, auth_, kNow);
  ASSERT_TRUE(ok.allowed()) << ok.description;
  EXPECT_EQ(ok.ends_at_s, 1800000130);  // exp plus the leeway: when the token stops working
  AccessDecision other = check_subscribe(
      request({{"cookie", "sse_token=" + token(R"({"sse":{"subscribe":["/rooms/*"]}})")}}), orders_,
      auth_, kNow);
  EXPECT_EQ(other.refusal, AccessRefusal::kNotCovered);
  EXPECT_EQ(other.status(), 403);
  // "*" is one segment: /rooms/a/b is not under /rooms/*, but is under /rooms/**.
  EXPECT_EQ(
      check_subscribe(
          request({{"authorization", "Bearer " + token(R"({"sse":{"subscribe":["/rooms/*"]}})")}}),
          room_, auth_, kNow)
          .refusal,
      AccessRefusal::kNotCovered);
  EXPECT_TRUE(
      check_subscribe(
          request({{"authorization", "Bearer " + token(R"({"sse":{"subscribe":["/rooms/**"]}})")}}),
          room_, auth_, kNow)
          .allowed());
  // A token without exp never ends its stream.
  EXPECT_FALSE(check_subscribe(request({{"authorization",
                                         "Bearer " + token(R"({"sse":{"subscribe":["/**"]}})")}}),
                               room_, auth_, kNow)
                   .ends_at_s);
}

TEST_F(Access, ExpiredAndForgedTokensAre401WithTheirReason) {
  AccessDecision expired = check_subscribe(
      request({{"authorization",
                "Bearer " + token(R"({"exp":1799999000,"sse":{"subscribe":["/orders"]}})")}}),
      orders_, auth_, kNow);
  EXPECT_EQ(expired.refusal, AccessRefusal::kExpired);
  EXPECT_EQ(expired.status(), 401);
  const std::string forged = hs256(R"({"alg":"HS256"})", R"({"sse":{"subscribe":["/orders"]}})",
                                   "not the secret, not the secret..");
  AccessDecision bad =
      check_subscribe(request({{"authorization", "Bearer " + forged}}), orders_, auth_, kNow);
  EXPECT_EQ(bad.refusal, AccessRefusal::kInvalidToken);
  EXPECT_EQ(bad.description, "bad signature");
  EXPECT_EQ(bad.description.find(forged), std::string::npos);
  const std::string unsigned_token =
      b64url(R"({"alg":"none"})") + "." + b64url(R"({"sse":{"subscribe":["/orders"]}})") + ".";
  EXPECT_EQ(check_subscribe(request({{"authorization", "Bearer " + unsigned_token}}), orders_,
                            auth_, kNow)
                .refusal,
            AccessRefusal::kInvalidToken);
}

TEST_F(Access, PublishTrueIsForLoopbackClientsOnly) {
  ChannelOptions open;
  open.path = "/open";
  open.publish = true;
  EXPECT_TRUE(check_publish(request({}), open, auth_, client("127.0.0.1"), kNow).allowed());
  EXPECT_TRUE(check_publish(request({}), open, auth_, client("::1"), kNow).allowed());
  AccessDecision far = check_publish(request({}), open, auth_, client("203.0.113.7"), kNow);
  EXPECT_EQ(far.refusal, AccessRefusal::kPeerNotAllowed);
  EXPECT_EQ(far.status(), 403);
  EXPECT_FALSE(check_publish(request({}), open, auth_, ClientAddress{}, kNow).allowed());
}

TEST_F(Access, PublishFromRangesAndWithASharedToken) {
  ChannelOptions ranged;
  ranged.path = "/r";
  ranged.publish = true;
  ranged.publish_from = {*parse_ip_range("10.0.0.0/8")};
  EXPECT_TRUE(check_publish(request({}), ranged, auth_, client("10.1.2.3"), kNow).allowed());
  EXPECT_FALSE(check_publish(request({}), ranged, auth_, client("127.0.0.1"), kNow).allowed());
  ranged.publish_token = "tok";
  EXPECT_EQ(check_publish(request({}), ranged, auth_, client("10.1.2.3"), kNow).refusal,
            AccessRefusal::kNoToken);
  EXPECT_EQ(check_publish(request({{"authorization", "Bearer tox"}}), ranged, auth_,
                          client("10.1.2.3"), kNow)
                .status(),
            403);
  EXPECT_TRUE(check_publish(request({{"authorization", "Bearer tok"}}), ranged, auth_,
                            client("10.1.2.3"), kNow)
                  .allowed());
  // A token alone is good from anywhere.
  ranged.publish_from.clear();
  EXPECT_TRUE(check_publish(request({{"authorization", "Bearer tok"}}), ranged, auth_,
                            client("203.0.113.7"), kNow)
                  .allowed());
}

TEST_F(Access, PublishJwtNeedsThePublishClaim) {
  const ClientAddress far = client("203.0.113.7");
  const std::string subscriber = token(R"({"sse":{"subscribe":["/orders"]}})");
  const std::string publisher = token(R"({"sse":{"publish":["/orders"]}})");
  EXPECT_EQ(check_publish(request({}), orders_, auth_, far, kNow).refusal, AccessRefusal::kNoToken);
  EXPECT_EQ(
      check_publish(request({{"authorization", "Bearer " + subscriber}}), orders_, auth_, far, kNow)
          .refusal,
      AccessRefusal::kNotCovered);
  EXPECT_TRUE(
      check_publish(request({{"authorization", "Bearer " + publisher}}), orders_, auth_, far, kNow)
          .allowed());
}

TEST(AccessRefusal, EveryReasonHasTheLabelMetricsCountItBy) {
  EXPECT_EQ(access_refusal_label(AccessRefusal::kNoToken), "no_token");
  EXPECT_EQ(access_refusal_label(AccessRefusal::kPeerNotAllowed), "peer_not_allowed");
  EXPECT_EQ(access_refusal_label(AccessRefusal::kWrongSecret), "wrong_publish_token");
}

}  // namespace
}  // namespace ssegw
