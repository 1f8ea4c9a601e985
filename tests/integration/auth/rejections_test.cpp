// A `subscribe: jwt` channel refuses a missing or bad token with 401 and an RFC 6750
// challenge that says why, readable by a browser on an allowed origin; a good token that
// does not cover the path gets 403 insufficient_scope. Each refusal is counted by reason.
#include <gtest/gtest.h>

#include "tests/integration/auth/auth_support.h"

namespace ssegw::testing {
namespace {

const std::string kInsufficientScope = "Bearer realm=\"sse-gateway\", error=\"insufficient_scope\"";

TEST(Rejections, NoTokenGets401WithTheChallengeAndCorsHeaders) {
  AuthGateway gw;
  for (const char* path : {"/orders", "/rooms/a"}) {
    SCOPED_TRACE(path);
    SseClient anonymous(gw.port(), path, {{"Origin", kAllowedOrigin}});
    EXPECT_EQ(anonymous.status(), 401);
    EXPECT_EQ(header(anonymous.headers(), "www-authenticate"), invalid_token_challenge("no token"));
    EXPECT_EQ(header(anonymous.headers(), "access-control-allow-origin"), kAllowedOrigin);
    EXPECT_EQ(header(anonymous.headers(), "access-control-allow-credentials"), "true");
    EXPECT_NE(lower(header(anonymous.headers(), "access-control-expose-headers"))
                  .find("www-authenticate"),
              std::string::npos)
        << header(anonymous.headers(), "access-control-expose-headers");
  }
  // A channel without `subscribe: jwt` is anonymous, as before.
  SseClient open(gw.port(), "/open");
  EXPECT_TRUE(is_event_stream(open)) << open.status();
  EXPECT_GE(gw.metric("ssegw_auth_rejections_total{reason=\"no_token\"}", 2), 2);
}

struct BadToken {
  std::string name;
  TokenSpec spec;
  std::string description;
};

std::vector<BadToken> bad_tokens() {
  Claims expired;
  expired.expires_in = -120;  // past the 30 s leeway
  Claims early;
  early.not_before_in = 120;
  Claims other_issuer;
  other_issuer.issuer = "https://evil.example";
  Claims other_audience;
  other_audience.audience = "another-service";

  TokenSpec tampered = signed_by("ES256");
  tampered.forge = "tamper";
  TokenSpec unsigned_token = signed_by("HS256");
  unsigned_token.forge = "none";
  // HS256 keyed with the bytes of the RSA public key PEM: a verifier that let the token's
  // alg pick how to use the RS256 key would accept it.
  TokenSpec confused = signed_by("RS256");
  confused.alg = "HS256";
  confused.key_file = test_keys().path("rsa.pub");
  confused.forge = "hmac-raw";
  TokenSpec confused_no_kid = confused;
  confused_no_kid.kid.clear();
  TokenSpec unknown_kid = signed_by("ES256");
  unknown_kid.kid = "no-such-kid";
  TokenSpec unknown_alg = signed_by("HS256");
  unknown_alg.forge = "hmac-raw";
  unknown_alg.header_alg = "HS999";
  TokenSpec wrong_secret = signed_by("HS256");
  wrong_secret.secret = "a-secret-the-gateway-was-never-given-0123456789";

  return {
      {"expired", signed_by("HS256", expired), "token expired"},
      {"nbf in the future", signed_by("RS256", early), "token not yet valid"},
      {"wrong iss", signed_by("PS256", other_issuer), "wrong issuer"},
      {"wrong aud", signed_by("EdDSA", other_audience), "wrong audience"},
      {"tampered payload", tampered, "bad signature"},
      {"alg none", unsigned_token, "unsupported algorithm"},
      {"HS256 keyed with the RS256 public key, kid k1", confused, "bad signature"},
      {"HS256 keyed with the RS256 public key, no kid", confused_no_kid, "bad signature"},
      {"unknown kid", unknown_kid, "unknown key id"},
      {"alg HS999", unknown_alg, "unsupported algorithm"},
      {"HS256 with another secret", wrong_secret, "bad signature"},
  };
}

TEST(Rejections, BadTokensGet401NamingWhy) {
  AuthGateway gw;
  const std::vector<BadToken> cases = bad_tokens();
  std::vector<TokenSpec> specs;
  for (const BadToken& c : cases) specs.push_back(c.spec);
  const std::vector<std::string> tokens = gw.mint(specs);
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name + ": " + tokens[i]);
    SseClient refused(gw.port(), "/orders", bearer(tokens[i], {{"Origin", kAllowedOrigin}}));
    EXPECT_EQ(refused.status(), 401);
    EXPECT_EQ(header(refused.headers(), "www-authenticate"),
              invalid_token_challenge(cases[i].description));
    EXPECT_EQ(header(refused.headers(), "access-control-allow-origin"), kAllowedOrigin);
  }
  SseClient malformed(gw.port(), "/orders", bearer("not-a-jwt"));
  EXPECT_EQ(malformed.status(), 401);
  EXPECT_EQ(header(malformed.headers(), "www-authenticate"),
            invalid_token_challenge("malformed token"));

  EXPECT_GE(gw.metric("ssegw_auth_rejections_total{reason=\"expired\"}", 1), 1);
  // Every case but the expired one, and the malformed token.
  const double invalid = static_cast<double>(cases.size());
  EXPECT_GE(gw.metric("ssegw_auth_rejections_total{reason=\"invalid_token\"}", invalid), invalid);
}

// The leeway (30 s in the standard config) allows for clocks that disagree a little.
TEST(Rejections, LeewayCoversClockSkewOnExpAndNbf) {
  AuthGateway gw;
  Claims just_expired;
  just_expired.expires_in = -10;
  Claims nearly_valid;
  nearly_valid.not_before_in = 10;
  const std::vector<std::string> tokens =
      gw.mint({signed_by("HS256", just_expired), signed_by("ES256", nearly_valid)});
  SseClient expired_within(gw.port(), "/orders", bearer(tokens[0]));
  EXPECT_TRUE(is_event_stream(expired_within)) << expired_within.status();
  SseClient early_within(gw.port(), "/orders", bearer(tokens[1]));
  EXPECT_TRUE(is_event_stream(early_within)) << early_within.status();
}

TEST(Rejections, TokenNotCoveringThePathGets403InsufficientScope) {
  AuthGateway gw;
  Claims deep;
  deep.subscribe = {"/rooms/**"};
  Claims no_sse;
  no_sse.sse = false;
  const std::vector<std::string> tokens =
      gw.mint({signed_by("HS512"), signed_by("ES384", deep), signed_by("RS512", no_sse)});
  const std::string& orders_and_rooms = tokens[0];  // "/orders", "/rooms/*"

  SseClient orders(gw.port(), "/orders", bearer(orders_and_rooms));
  EXPECT_TRUE(is_event_stream(orders)) << orders.status();
  SseClient room(gw.port(), "/rooms/a", bearer(orders_and_rooms));
  EXPECT_TRUE(is_event_stream(room)) << room.status();
  SseClient nested(gw.port(), "/rooms/a/b", bearer(orders_and_rooms));
  EXPECT_EQ(nested.status(), 403);
  EXPECT_EQ(header(nested.headers(), "www-authenticate").rfind(kInsufficientScope, 0), 0)
      << header(nested.headers(), "www-authenticate");

  SseClient nested_by_rest(gw.port(), "/rooms/a/b", bearer(tokens[1]));
  EXPECT_TRUE(is_event_stream(nested_by_rest)) << nested_by_rest.status();
  SseClient orders_by_rest(gw.port(), "/orders", bearer(tokens[1]));
  EXPECT_EQ(orders_by_rest.status(), 403);

  SseClient without_claim(gw.port(), "/orders", bearer(tokens[2]));
  EXPECT_EQ(without_claim.status(), 403);
  EXPECT_EQ(header(without_claim.headers(), "www-authenticate").rfind(kInsufficientScope, 0), 0)
      << header(without_claim.headers(), "www-authenticate");

  EXPECT_GE(gw.metric("ssegw_auth_rejections_total{reason=\"not_covered\"}", 3), 3);
}

}  // namespace
}  // namespace ssegw::testing
