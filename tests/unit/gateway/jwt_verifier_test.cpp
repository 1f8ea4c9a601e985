#include "gateway/jwt_verifier.h"

#include <gtest/gtest.h>

#include "jws_test_issuer.h"

namespace ssegw {
namespace {

using jws_test::b64url;
using jws_test::hs256;

constexpr int64_t kNow = 1'800'000'000;

class Jwt : public ::testing::Test {
 protected:
  Jwt() {
    policy_.keys.push_back(JwtKey{"", JwsKey::secret(JwsAlg::kHS256, "s3cret")});
    policy_.keys.push_back(JwtKey{"k2", JwsKey::secret(JwsAlg::kHS256, "other")});
  }
  JwtResult check(const std::string& token) { return verify_jwt(token, policy_, kNow); }
  JwtPolicy policy_;
};

TEST_F(Jwt, AGoodTokenGivesItsChannelPatterns) {
  JwtResult r =
      check(hs256(R"({"alg":"HS256","typ":"JWT"})",
                  R"({"exp":1800000600,"sse":{"subscribe":["/orders","/rooms/*","bad//"],)"
                  R"("publish":["/orders"]}})"));
  ASSERT_TRUE(r.claims) << r.error;
  EXPECT_EQ(*r.claims->exp, 1800000600);
  EXPECT_EQ(r.claims->subscribe, (std::vector<std::string>{"/orders", "/rooms/*"}));
  EXPECT_EQ(r.claims->publish, (std::vector<std::string>{"/orders"}));
}

TEST_F(Jwt, TimeClaimsAreEnforcedWithLeeway) {
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"exp":1799999000})")).error, "token expired");
  EXPECT_TRUE(check(hs256(R"({"alg":"HS256"})", R"({"exp":1799999990})")).claims);  // leeway
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"nbf":1800001000})")).error,
            "token not yet valid");
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"exp":"soon"})")).error, "malformed exp");
  // Beyond int64_t the conversion would be undefined behaviour.
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"exp":1e300})")).error, "malformed exp");
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"nbf":-9223372036854775808})")).error,
            "malformed nbf");
}

TEST_F(Jwt, IssuerAndAudienceWhenConfigured) {
  policy_.issuer = "https://auth.example.com";
  policy_.audience = "sse-gateway";
  EXPECT_TRUE(check(hs256(R"({"alg":"HS256"})",
                          R"({"iss":"https://auth.example.com","aud":["x","sse-gateway"]})"))
                  .claims);
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"iss":"evil","aud":"sse-gateway"})")).error,
            "wrong issuer");
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"iss":"https://auth.example.com"})")).error,
            "wrong audience");
}

TEST_F(Jwt, ForgedAndMalformedTokensAreRefused) {
  const std::string good = hs256(R"({"alg":"HS256"})", R"({"sub":"a"})");
  std::string tampered = good;
  tampered[good.find('.') + 2] ^= 1;
  EXPECT_FALSE(check(tampered).claims);
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({})", "wrong")).error, "bad signature");
  EXPECT_EQ(check(b64url(R"({"alg":"none"})") + "." + b64url("{}") + ".").error,
            "unsupported algorithm");
  EXPECT_EQ(check(hs256(R"({"alg":"HS256","kid":"nope"})", "{}")).error, "unknown key id");
  EXPECT_TRUE(check(hs256(R"({"alg":"HS256","kid":"k2"})", "{}", "other")).claims);
  EXPECT_EQ(check(hs256(R"({"alg":"HS256","kid":"k2"})", "{}")).error, "bad signature");
  EXPECT_EQ(check(hs256(R"({"alg":"HS256","crit":["exp"]})", "{}")).error,
            "unsupported critical header");
  EXPECT_EQ(check("a.b").error, "malformed token");
  EXPECT_EQ(check("a.b.c.d").error, "malformed token");
  EXPECT_EQ(check(hs256("[1]", "{}")).error, "malformed header");
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", "not json")).error, "malformed claims");
  EXPECT_EQ(check(std::string(9000, 'a')).error, "malformed token");
}

}  // namespace
}  // namespace ssegw
